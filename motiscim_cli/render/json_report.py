"""`--format json`: the motiscim.report/v1 contract."""

from __future__ import annotations

import json
from typing import TextIO

from motiscim_cli.report import Report, finding_json

_FINDINGS = '\n  "findings": [],\n'


def render(report: Report, *, redact: bool = False, color: bool = False) -> str:
    return json.dumps(report.to_json(redact=redact), indent=2, ensure_ascii=False) + "\n"


def write(report: Report, out: TextIO, *, redact: bool = False) -> None:
    """Write exactly `render(report)`, one finding at a time: a million-user report never
    exists as one list of dicts or one string."""
    head = json.dumps(report.to_json(redact=redact, findings=False), indent=2, ensure_ascii=False)
    before, marker, after = head.partition(_FINDINGS)
    if not marker or not report.findings:
        out.write(head + "\n")
        return
    out.write(before + '\n  "findings": [\n')
    for index, finding in enumerate(report.findings):
        text = json.dumps(finding_json(finding, redact=redact), indent=2, ensure_ascii=False)
        out.write(("    " if index == 0 else ",\n    ") + text.replace("\n", "\n    "))
    out.write("\n  ],\n" + after + "\n")


def write_file(report: Report, path: str, *, redact: bool = False) -> None:
    """`write` to `path` atomically (a temporary file renamed over it)."""
    import os
    import tempfile
    from pathlib import Path

    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            write(report, handle, redact=redact)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
