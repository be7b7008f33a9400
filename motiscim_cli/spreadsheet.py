"""Cells that are safe to open in a spreadsheet (CSV injection, OWASP).

Excel, LibreOffice Calc and Google Sheets read a cell that begins with `=`, `+`, `-`, `@`, a tab
or a carriage return as a formula. An export is data typed by thousands of people, so a job
title like `=HYPERLINK("http://…","click")` must reach the success manager's spreadsheet as
text, not as a live formula. OWASP's guidance: prefix such a cell with a single quote `'`
(`neutralise`). In a CSV that quote is not Excel's hidden "this is text" marker (that works
only when typed into a cell): Excel shows it, `'=HYPERLINK(…)`, and keeps it in the value. For
a hostile value that is the point — it stays visible and inert.

The E.164 question. A correct phone number, `+4798765432`, also begins with `+`. Left as it
is, it cannot do anything — `+` and digits only, no function, reference or DDE call — but
Excel reads it as the *number* 4798765432: the `+` (the very character rule P001 insists on)
disappears, and a 12-digit number like +353851234567 becomes `3.53851E+11` (P006). The options,
for a file opened with a double-click (CSV carries no types; the Text Import wizard does, but
nobody can be made to use it):

- as it is, `+4798765432`: shown as the number 4798765432. Not text; fails the requirement.
- `'+4798765432`: shown *with* the apostrophe, and a copy of the cell pasted into the Entra
  portal carries the `'` into the data (P005). Fails the requirement, and harms the value.
- a leading tab or space: invisible, but part of the value (a copy pastes the whitespace:
  P002), and spreadsheets that trim leading whitespace evaluate what follows. Rejected.
- a BOM, quoting the field (`"+4798765432"`): Excel unquotes first, then guesses the type as
  usual: still a number.
- `="+4798765432"` (`spreadsheet_cell`): a formula whose whole body is one string literal.
  Excel and Google Sheets show the text `+4798765432`, no apostrophe, no number, and copy
  `+4798765432`. It is a formula, which is what OWASP warns about — but its content is ours,
  not the export's: only written when the value fully matches `\\+[1-9][0-9]{6,14}` (ASCII
  digits), so there is no `"` to close the literal, no function, no reference, nothing to
  execute. json2csv's Excel string formatter uses the same form. The costs: a reader that is
  not a spreadsheet sees `="+4798765432"` (the findings CSV says: tools read `--format json`),
  and LibreOffice with "Evaluate formulas" unticked in its import dialog shows it literally —
  still text, still inert.

So: `spreadsheet_cell` for files a person opens in a spreadsheet (the `csv` report and the
findings CSV, `fix --csv --spreadsheet-safe`). Never for a file a machine imports into Entra:
there the quote, or `="…"`, would become part of the value.
"""

from __future__ import annotations

import re

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# ASCII digits only: `\d` would also take Arabic-Indic and other digits, and the formula text
# form below must hold nothing but `+` and 0-9.
E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def is_e164(value: str) -> bool:
    """True for a phone number in the vendor's format: `+`, country code, digits, nothing else."""
    return E164.fullmatch(value) is not None


def needs_neutralising(cell: str) -> bool:
    return cell.startswith(FORMULA_TRIGGERS)


def neutralise(cell: str | None) -> str:
    """OWASP's neutralisation: `'` before a cell that begins with a formula trigger.

    `None` becomes the empty cell. Every trigger is prefixed, a correct E.164 number too: this
    is the plain rule. For a cell a person will see in Excel use `spreadsheet_cell`, which
    keeps such a number readable as `+47…`.
    """
    if cell is None:
        return ""
    if needs_neutralising(cell):
        return "'" + cell
    return cell


def spreadsheet_cell(cell: str | None) -> str:
    """The cell as written for a spreadsheet: a correct E.164 number as the text formula
    `="+4798765432"` (shown as `+4798765432`, see the module notes), any other formula start
    neutralised with `'`, everything else as it is."""
    if cell is None:
        return ""
    if is_e164(cell):
        return f'="{cell}"'
    return neutralise(cell)
