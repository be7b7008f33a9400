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
    """`write` to `path` atomically (a temporary file renamed over it, `files.atomic_writer`)."""
    import io

    from motiscim_cli.files import atomic_writer

    with atomic_writer(path) as raw:
        handle = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
        write(report, handle, redact=redact)
        handle.flush()
        handle.detach()  # the writer closes the file itself
