"""Text facts shared by several rules: what counts as whitespace, Unicode normalisation, and
how a message lists a few of many rows."""

from __future__ import annotations

import re
import unicodedata

# Characters that are not `str.isspace()` but that a person cannot see and Motimate's "no
# whitespace" rule rejects all the same: zero-width characters, the BOM, word joiner, soft hyphen
# and the bidi marks that copy-paste from right-to-left text brings along.
INVISIBLE = (
    "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"  # zero-width, BOM, soft hyphen, Mongolian
    "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"  # bidi marks
)
_INVISIBLE_SET = frozenset(INVISIBLE)
# The same set as `is_blank_char`, for whole-string scans in C: the regex engine's `\s` on str
# is Py_UNICODE_ISSPACE, exactly `str.isspace()` (tests/test_parity.py checks every code point).
BLANK = re.compile(f"[\\s{INVISIBLE}]")


# An Entra object ID (X002), and what --redact leaves unmasked in a report's Object ID column.
GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def is_blank_char(char: str) -> bool:
    """True for whitespace of any kind (space, tab, NBSP, line breaks) and invisible marks."""
    return char.isspace() or char in _INVISIBLE_SET


def has_blank(value: str) -> bool:
    return BLANK.search(value) is not None


def remove_blanks(value: str) -> str:
    return "".join(c for c in value if not is_blank_char(c))


def strip_blanks(value: str) -> str:
    """Trim whitespace and invisible marks from both ends."""
    if value:  # the common case, nothing to trim, without the loops or calls
        first, last = value[0], value[-1]
        if not (
            first.isspace() or first in _INVISIBLE_SET or last.isspace() or last in _INVISIBLE_SET
        ):
            return value
    start, end = 0, len(value)
    while start < end and is_blank_char(value[start]):
        start += 1
    while end > start and is_blank_char(value[end - 1]):
        end -= 1
    return value[start:end]


def describe_blanks(value: str) -> str:
    """Name the kinds of whitespace in a value, for messages: 'a space', 'a no-break space'…"""
    names: list[str] = []
    for char in value:
        if not is_blank_char(char):
            continue
        name = {
            " ": "a space",
            "\t": "a tab",
            "\n": "a line break",
            "\r": "a carriage return",
            "\u00a0": "a no-break space",
        }.get(char)
        if name is None:
            name = f"U+{ord(char):04X} {unicodedata.name(char, 'invisible character').lower()}"
        if name not in names:
            names.append(name)
    return ", ".join(names)


def where_blanks(value: str, *, inside: bool = True) -> str:
    """'leading', 'trailing', 'inside' or a combination, for messages.

    `inside=False` is for text where spaces between words are normal (names, titles).
    """
    parts = []
    if value and is_blank_char(value[0]):
        parts.append("leading")
    if value and is_blank_char(value[-1]):
        parts.append("trailing")
    if inside and has_blank(strip_blanks(value)):
        parts.append("inside")
    return " and ".join(parts) or "inside"


def normal_key(value: str) -> str:
    """The comparison key for uniqueness: NFC, trimmed, case-folded."""
    if value.isascii():  # NFC leaves ASCII as it is, and casefold() is lower() on ASCII
        return strip_blanks(value).lower()
    return unicodedata.normalize("NFC", strip_blanks(value)).casefold()


def some_of(labels: list[str], unnamed: int) -> str:
    """`2, 3, 7`, or `2, 3, 4, 5, 6 and 14 more` when only the first few of a group are named."""
    text = ", ".join(labels)
    return f"{text} and {unnamed} more" if unnamed else text
