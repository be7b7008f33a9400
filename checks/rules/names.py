"""first_name ← givenName, last_name ← surname, position ← jobTitle."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from checks.model import CheckContext, Issue, Severity, UserRecord, rule
from checks.text import strip_blanks, where_blanks

NAME_ATTRIBUTES = ("first_name", "last_name")
TEXT_ATTRIBUTES = ("first_name", "last_name", "position")
FORMULA_STARTS = ("=", "@", "+", "-")


def repair_mojibake(value: str) -> str | None:
    """The text before a UTF-8 → cp1252/latin-1 round trip, or None if it shows no sign of one.

    `SÃ¸ren` was `Søren` written as UTF-8 and read as cp1252; encoding back and decoding as
    UTF-8 recovers it. A genuine `Søren` does not survive that (its cp1252 bytes are not
    UTF-8), so there is no false alarm on correct text. Up to two round trips are undone.
    """
    repaired = value
    for _ in range(2):
        step = None
        for codec in ("cp1252", "latin-1"):
            try:
                candidate = repaired.encode(codec).decode("utf-8")
            except UnicodeError:
                continue
            if candidate != repaired:
                step = candidate
                break
        if step is None:
            break
        repaired = step
    return repaired if repaired != value else None


@rule("N001", Severity.WARNING, scope="user", attributes=NAME_ATTRIBUTES)
def n001_empty_name(value: str | None, record: UserRecord, ctx: CheckContext) -> Issue | None:
    """givenName or surname is empty.

    The user syncs, but appears in Motimate without a first or last name, which makes them
    hard to find and odd in greetings. Fill in givenName and surname in Entra.
    """
    if value is None or not strip_blanks(value):
        return Issue("Name is empty: the user appears in Motimate without it")
    return None


@rule("N002", Severity.WARNING, scope="user", attributes=TEXT_ATTRIBUTES)
def n002_surrounding_whitespace(
    value: str | None, record: UserRecord, ctx: CheckContext
) -> Issue | None:
    """A name or job title has leading or trailing whitespace.

    It syncs as typed: `Sales Manager ` becomes a separate position from `Sales Manager`, and
    names sort and search oddly. Fix: the trimmed value (certain).
    """
    if not value:
        return None
    trimmed = strip_blanks(value)
    if not trimmed or trimmed == value:
        return None
    return Issue(
        f"Has {where_blanks(value, inside=False)} whitespace, which syncs as typed",
        fix=trimmed,
        fix_confidence="certain",
    )


@rule("N003", Severity.WARNING, scope="user", attributes=TEXT_ATTRIBUTES)
def n003_formula_like(value: str | None, record: UserRecord, ctx: CheckContext) -> Issue | None:
    """A name or job title starts with `=`, `@`, `+` or `-`.

    Spreadsheets run such a cell as a formula when the data is opened (CSV injection), and it
    usually means a value was pasted by mistake (`=SUM(A1)`, `@Sales`). Check the value in
    Entra. No automatic fix.
    """
    if not value:
        return None
    if strip_blanks(value).startswith(FORMULA_STARTS):
        return Issue("Starts with a character a spreadsheet runs as a formula: check the value")
    return None


@rule("N004", Severity.WARNING, scope="user", attributes=TEXT_ATTRIBUTES)
def n004_mojibake(value: str | None, record: UserRecord, ctx: CheckContext) -> Issue | None:
    """A name or job title was damaged by an encoding round trip (`Ã¸` for `ø`).

    UTF-8 text read as cp1252 and saved again turns `Søren` into `SÃ¸ren`; Motimate would show
    it that way. Fix: the repaired text (probable — check it, and correct it in Entra).
    """
    if not value or value.isascii():
        return None
    repaired = repair_mojibake(value)
    if repaired is None:
        return None
    return Issue(
        "Text looks damaged by an encoding round trip (UTF-8 read as cp1252)",
        fix=repaired,
        fix_confidence="probable",
    )


@lru_cache(maxsize=8192)  # titles repeat: one key per distinct spelling
def title_key(value: str) -> str:
    """Job titles that differ only by case, spacing or punctuation share this key."""
    text = unicodedata.normalize("NFKC", value).casefold()
    return "".join(c for c in text if c.isalnum())


def _users(count: int) -> str:
    return f"{count} user{'s' if count != 1 else ''}"


def _describe_t001(
    spelling: str, spellings: list[tuple[str, int]], more_spellings: int, more_users: int
) -> Issue:
    listed = "; ".join(f"{s!r} ({_users(n)})" for s, n in spellings)
    if more_spellings:
        plural = "s" if more_spellings != 1 else ""
        listed += f"; and {more_spellings} more spelling{plural} ({_users(more_users)})"
    # The most common spelling, without the stray whitespace N002 would flag in it.
    suggested = " ".join(strip_blanks(spellings[0][0]).split())
    return Issue(
        f"Job title spelled several ways, each a separate position in Motimate: {listed}",
        fix=suggested,
        fix_confidence="probable",
    )


@rule(
    "T001",
    Severity.INFO,
    scope="population",
    attributes=("position",),
    describe=_describe_t001,
    variants=True,
)
def t001_title_variants(value: str | None, record: UserRecord, ctx: CheckContext) -> str | None:
    """Job titles that differ only by case, spacing or punctuation.

    Motimate finds or creates a position for each distinct title, so `Sales manager`,
    `Sales Manager` and `Sales-Manager` become three positions. One finding per less common
    spelling (at its first user), suggesting the most common one; `motiscim fix` changes every
    user of that spelling. The message lists at most the 5 most common spellings, then how many
    more there are, and `related_rows` names the first users of at most 5 other spellings: a
    title typed 10 000 ways stays a linear report.
    """
    if not value:
        return None
    key = title_key(value)
    return key or None
