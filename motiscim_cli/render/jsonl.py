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

import json

from motiscim_cli.report import Report, finding_json


def render(report: Report, *, redact: bool = False, color: bool = False) -> str:
    lines = [
        json.dumps({"type": "finding", **finding_json(f, redact=redact)}, ensure_ascii=False)
        for f in report.all_findings()
    ]
    document = report.to_json(redact=redact)
    document.pop("findings")
    for part in ("connection", "mapping"):
        if document[part] is not None:
            document[part].pop("findings")
    lines.append(json.dumps({"type": "summary", **document}, ensure_ascii=False))
    return "\n".join(lines) + "\n"
