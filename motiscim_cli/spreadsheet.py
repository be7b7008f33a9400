"""Cells that are safe to open in a spreadsheet (CSV injection, OWASP).

Excel, LibreOffice Calc and Google Sheets read a cell that begins with `=`, `+`, `-`, `@`, a tab
or a carriage return as a formula. An export is data typed by thousands of people, so a job
title like `=HYPERLINK("http://…","click")` must reach the success manager's spreadsheet as
text, not as a live formula. OWASP's guidance: prefix such a cell with a single quote `'`, the
spreadsheet's own "this is text" marker.

The E.164 question. A correct phone number, `+4798765432`, also begins with `+`. Left alone it
is not dangerous, but Excel reads it as the *number* 4798765432: the `+` (the very character
rule P001 insists on) disappears, and a long number may even turn into `4.79877E+09` (P006).
The quote prefix is exactly what keeps it text, so a correct E.164 value gets the same
treatment as everything else: `'+4798765432` — Excel shows `+4798765432`, as text (the quote is
a cell prefix, not part of the value, and a copy from the cell has no quote). Spreadsheets that
do not know the marker (some LibreOffice settings, plain-text viewers) show the quote, which
still keeps the number intact and unexecuted. The alternative, `="+4798765432"`, *is* a formula
and turns into junk in any consumer that is not a spreadsheet, so it is not used.

Use this for files a person opens in a spreadsheet (the `csv` report, a fix list for review).
Never for a file a machine imports into Entra: there the quote would become part of the value.
"""

from __future__ import annotations

import re

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
E164 = re.compile(r"\+[1-9]\d{6,14}")


def is_e164(value: str) -> bool:
    """True for a phone number in the vendor's format: `+`, country code, digits, nothing else."""
    return E164.fullmatch(value) is not None


def needs_neutralising(cell: str) -> bool:
    return cell.startswith(FORMULA_TRIGGERS)


def neutralise(cell: str | None) -> str:
    """The cell as text a spreadsheet will not evaluate: `'` before a formula trigger.

    `None` becomes the empty cell. A correct E.164 number is prefixed too: that is what makes
    Excel show `+4798765432` as text instead of the number 4798765432 (see the module notes).
    """
    if cell is None:
        return ""
    if needs_neutralising(cell):
        return "'" + cell
    return cell
