"""`--format csv`: one row per finding, to sort and filter in a spreadsheet.

Columns: rule, severity, source, row, line, pointer, user_principal_name, object_id, attribute,
column, value, fix, fix_confidence, message, suppressed (the reason of a reviewed exception, or
empty). Findings without a user (a whole file, the connection, the mapping) leave those cells
empty.

Made for Excel: UTF-8 with a byte-order mark (without it Excel reads UTF-8 as the local code
page and `ø` turns into `Ã¸`), CRLF line ends, every cell written by
`motiscim_cli.spreadsheet.spreadsheet_cell`: a cell that a spreadsheet would evaluate is
neutralised with a leading `'` (an export's own data may hold `=HYPERLINK(…)`), and a correct
E.164 number is written as `="+4798765432"`, which Excel shows as the text `+4798765432` — not
the number 4798765432, and without an apostrophe that a copy would carry into Entra. Tools that
parse the findings should read `--format json` or `jsonl`, not this file.
"""

from __future__ import annotations

import csv
import io
from typing import TextIO

from motiscim_cli.render.common import shown_fix, shown_object_id, shown_upn, shown_value
from motiscim_cli.report import Report
from motiscim_cli.spreadsheet import spreadsheet_cell

COLUMNS = (
    "rule",
    "severity",
    "source",
    "row",
    "line",
    "pointer",
    "user_principal_name",
    "object_id",
    "attribute",
    "column",
    "value",
    "fix",
    "fix_confidence",
    "message",
    "suppressed",
)
BOM = "\ufeff"


def render(report: Report, *, redact: bool = False, color: bool = False) -> str:
    buffer = io.StringIO()
    write(report, buffer, redact=redact)
    return buffer.getvalue()


def write(report: Report, out: TextIO, *, redact: bool = False) -> None:
    """Write `render(report)` one row at a time: the findings never exist as one string."""
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for f in report.all_findings():
        cells: list[str | int | None] = [
            f.rule,
            f.severity.value,
            f.source,
            f.row,
            f.line,
            f.pointer,
            shown_upn(f, redact),
            shown_object_id(f, redact),
            f.attribute,
            f.column,
            shown_value(f, redact),
            shown_fix(f, redact),
            f.fix_confidence,
            f.message,
            f.suppressed,
        ]
        writer.writerow(
            [cell if isinstance(cell, int) else spreadsheet_cell(cell) for cell in cells]
        )
