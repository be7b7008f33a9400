"""`--format json`: the motiscim.report/v1 contract."""

from __future__ import annotations

import json

from motiscim_cli.report import Report


def render(report: Report, *, redact: bool = False, color: bool = False) -> str:
    return json.dumps(report.to_json(redact=redact), indent=2, ensure_ascii=False) + "\n"
