"""`redact`: the token, and any ten of its characters in a row, never reach an output."""

from __future__ import annotations

import pytest

from motiscim_cli.connect import REDACTED, redact, secret_forms

TOKEN = "Tk7qZ3mW9xYb2LcN4vRp8sJd6HfG1aQe"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (f"Unknown token {TOKEN}.", f"Unknown token {REDACTED}."),
        (f"unknown token {TOKEN.lower()}", f"unknown token {REDACTED}"),
        # a prefix, a middle part in another case, a suffix: each its own mark
        (
            f"starts {TOKEN[:20]}, has {TOKEN[8:18].upper()}, ends {TOKEN[-10:]}",
            f"starts {REDACTED}, has {REDACTED}, ends {REDACTED}",
        ),
        # overlapping and touching runs are one mark
        (f"<{TOKEN[0:12]}{TOKEN[4:20]}>", f"<{REDACTED}>"),
        # nine characters in a row are not a fragment; ten are
        (f"{TOKEN[:9]} {TOKEN[:10]}", f"{TOKEN[:9]} {REDACTED}"),
        ("An ordinary 401 with nothing of the token in it.", None),
    ],
)
def test_the_token_and_its_fragments_are_masked(text: str, shown: str | None) -> None:
    forms = secret_forms(TOKEN)
    assert redact(text, forms, forms) == (text if shown is None else shown)


def test_fragments_only_of_what_is_asked() -> None:
    # A word-like URL password is hidden whole, never by its runs: "Provisioning2024" made
    # "ready to turn on provisioning" read "ready to turn on [token hidden]".
    password = "Provisioning2024"
    text = f"not ready to turn on provisioning; user:{password.lower()}@host"
    assert redact(text, (password, *secret_forms(TOKEN)), secret_forms(TOKEN)) == (
        f"not ready to turn on provisioning; user:{REDACTED}@host"
    )
    # the final pass over a whole report masks secrets whole: fragments were masked where a
    # server's words came in (the connection findings, the HTTP logs)
    assert redact(f"starts {TOKEN[:20]}", secret_forms(TOKEN)) == f"starts {TOKEN[:20]}"


def test_a_short_token_is_masked_only_whole() -> None:
    # 15 characters: its runs could be ordinary words, so only it is hidden
    secret = "motimate-admins"
    assert redact("motimate-admin says motimate-admins", (secret,), (secret,)) == (
        f"motimate-admin says {REDACTED}"
    )
