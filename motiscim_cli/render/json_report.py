"""`--format json`: the motiscim.report/v1 contract."""

from __future__ import annotations

import json
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any, TextIO

from checks.model import Finding
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
        if redact or finding.suppressed is not None:
            text = _finding_text(finding_json(finding, redact=redact))
        else:
            text = _plain_finding_text(finding)
        out.write(("    " if index == 0 else ",\n    ") + text)
    out.write("\n  ],\n" + after + "\n")


# A finding's members, in the order finding_json gives them: `_finding_text` writes these
# from a template (json's own encoder, pure Python whenever `indent` is set, took 11 µs a
# finding: 2.5 s of a million-user report).
_MEMBERS = (
    "rule",
    "severity",
    "source",
    "row",
    "line",
    "pointer",
    "user",
    "attribute",
    "column",
    "value",
    "message",
    "fix",
    "fix_confidence",
    "related_rows",
)


def _text(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


def _number(value: int | None) -> str:
    return "null" if value is None else int.__repr__(value)


def _plain_finding_text(finding: Finding) -> str:
    """`_finding_text(finding_json(finding))` for a finding neither redacted nor suppressed,
    straight from the finding (no dict in between: 2.4 s -> 1 s of a million-user report)."""
    if finding.row is None:
        user = "null"
    else:
        user = (
            f'{{\n        "user_principal_name": {_text(finding.user_principal_name)},'
            f'\n        "object_id": {_text(finding.object_id)}\n      }}'
        )
    related = finding.related_rows
    return (
        f'{{\n      "rule": {encode_basestring(finding.rule)},'
        f'\n      "severity": {encode_basestring(finding.severity.value)},'
        f'\n      "source": {_text(finding.source)},'
        f'\n      "row": {_number(finding.row)},'
        f'\n      "line": {_number(finding.line if finding.pointer is None else None)},'
        f'\n      "pointer": {_text(finding.pointer)},'
        f'\n      "user": {user},'
        f'\n      "attribute": {_text(finding.attribute)},'
        f'\n      "column": {_text(finding.column)},'
        f'\n      "value": {_text(finding.value)},'
        f'\n      "message": {encode_basestring(finding.message)},'
        f'\n      "fix": {_text(finding.fix)},'
        f'\n      "fix_confidence": {_text(finding.fix_confidence)},'
        f'\n      "related_rows": {_indented(list(related), "      ") if related else "[]"}'
        "\n    }"
    )


def _scalar(value: Any) -> str:
    if value.__class__ is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    return _indented(value, "      ")


def _finding_text(data: dict[str, Any]) -> str:
    """`_indented(data, "    ")` for a finding (tests/test_json_stream.py), from a template
    when it has exactly the usual members."""
    if len(data) != len(_MEMBERS) or tuple(data) != _MEMBERS:
        return _indented(data, "    ")
    user = data["user"]
    user_text = (
        "null"
        if user is None
        else "{\n        "
        + ",\n        ".join(
            f"{encode_basestring(key)}: {_scalar(item)}" for key, item in user.items()
        )
        + "\n      }"
    )
    return (
        f'{{\n      "rule": {_scalar(data["rule"])},'
        f'\n      "severity": {_scalar(data["severity"])},'
        f'\n      "source": {_scalar(data["source"])},'
        f'\n      "row": {_scalar(data["row"])},'
        f'\n      "line": {_scalar(data["line"])},'
        f'\n      "pointer": {_scalar(data["pointer"])},'
        f'\n      "user": {user_text},'
        f'\n      "attribute": {_scalar(data["attribute"])},'
        f'\n      "column": {_scalar(data["column"])},'
        f'\n      "value": {_scalar(data["value"])},'
        f'\n      "message": {_scalar(data["message"])},'
        f'\n      "fix": {_scalar(data["fix"])},'
        f'\n      "fix_confidence": {_scalar(data["fix_confidence"])},'
        f'\n      "related_rows": {_scalar(data["related_rows"])}'
        "\n    }"
    )


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
