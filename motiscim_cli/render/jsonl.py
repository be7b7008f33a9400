"""`--format jsonl`: one JSON object per line, for streaming tools (`jq`, log shippers, BigQuery).

Shape (each line is a complete JSON object with a `type` key first):

- one line per finding, in report order, the connection's and the mapping's last:
  `{"type": "finding", "rule": "P001", "severity": "error", "source": …, "row": …, "line": …,
  "pointer": …, "user": {…}, "attribute": …, "column": …, "value": …, "message": …, "fix": …,
  "fix_confidence": …, "related_rows": [], "suppressed": "reason"?}` — exactly the finding
  object of the `motiscim.report/v1` contract plus `type` (and `suppressed` only when a
  reviewed exception applies);
- one final line: `{"type": "summary", "schema": "motiscim.report/v1", "tool": {…},
  "generated_at": …, "sources": [...], "summary": {…}, "connection": …, "mapping": …}` — the
  contract's report object without `findings` (and without the findings nested in connection
  and mapping, which are already lines of their own).

A consumer that reads until the summary line knows the output is complete.
"""

from __future__ import annotations

import io
import json
from typing import TextIO

from motiscim_cli.report import Report, finding_json


def render(report: Report, *, redact: bool = False, color: bool = False) -> str:
    out = io.StringIO()
    write(report, out, redact=redact)
    return out.getvalue()


def write(report: Report, out: TextIO, *, redact: bool = False) -> None:
    """Write `render(report)` one line at a time: the findings never exist as one string."""
    for finding in report.all_findings():
        data = {"type": "finding", **finding_json(finding, redact=redact)}
        out.write(json.dumps(data, ensure_ascii=False) + "\n")
    document = report.to_json(redact=redact, findings=False)
    document.pop("findings")
    for part in ("connection", "mapping"):
        if document[part] is not None:
            document[part].pop("findings")
    out.write(json.dumps({"type": "summary", **document}, ensure_ascii=False) + "\n")
