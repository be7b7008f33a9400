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
    assert redact(text, secret_forms(TOKEN)) == (text if shown is None else shown)


def test_a_short_secret_is_masked_only_whole() -> None:
    # a URL password of 15 characters: its runs could be ordinary words, so only it is hidden
    secret = "motimate-admins"
    assert redact("motimate-admin says motimate-admins", (secret,)) == (
        f"motimate-admin says {REDACTED}"
    )
