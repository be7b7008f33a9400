"""`--format json`: the motiscim.report/v1 contract."""

from __future__ import annotations

import json
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any, TextIO

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
        text = _indented(finding_json(finding, redact=redact), "    ")
        out.write(("    " if index == 0 else ",\n    ") + text)
    out.write("\n  ],\n" + after + "\n")


def _indented(value: Any, indent: str) -> str:
    """`json.dumps(value, indent=2, ensure_ascii=False)` as it appears at `indent`, without
    the pure-Python encoder json uses whenever `indent` is set (tests/test_json_stream.py)."""
    if isinstance(value, str):
        return encode_basestring(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    inner = indent + "  "
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        if not value:
            return "{}"
        items = ",\n".join(
            f"{inner}{encode_basestring(key)}: {_indented(item, inner)}"
            for key, item in value.items()
        )
        return "{\n" + items + "\n" + indent + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        return (
            "[\n"
            + ",\n".join(inner + _indented(item, inner) for item in value)
            + "\n"
            + indent
            + "]"
        )
    text = json.dumps(value, indent=2, ensure_ascii=False)  # floats and the rest: json itself
    return text.replace("\n", "\n" + indent)


def write_file(report: Report, path: str, *, redact: bool = False) -> None:
    """`write` to `path` atomically (a temporary file renamed over it, `files.atomic_writer`)."""
    import io

    from motiscim_cli.files import atomic_writer

    with atomic_writer(path) as raw:
        handle = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
        write(report, handle, redact=redact)
        handle.flush()
        handle.detach()  # the writer closes the file itself
