"""`--format sarif`: SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

- `tool.driver.rules`: the whole catalogue, each with its summary as `shortDescription` and its
  docstring (the same text as `motiscim rules P001`) as `fullDescription` and `help`, and its
  default severity as `defaultConfiguration.level` (error, warning, note).
- One result per finding, with its own level (a `severity:` override in motiscim.yaml shows here).
  - a CSV record: a physical location, the file and the line where the record starts;
  - a JSON record: the file, plus a logical location whose `fullyQualifiedName` is the RFC 6901
    JSON pointer of the record (`/value/11`) — JSON exports carry no line numbers we could trust;
  - a whole-file finding: the file alone; a connection or mapping finding: no location.
  - `partialFingerprints["motiscimFinding/v1"]`: a hash of rule, file, user and attribute, so a
    viewer keeps tracking the same problem when rows move.
  - `properties`: row, pointer, user, attribute, column, value, fix, fixConfidence, relatedRows.
- A finding suppressed by a reviewed exception carries
  `suppressions: [{"kind": "external", "status": "accepted", "justification": reason}]`:
  viewers show it as dismissed, with the reason, instead of dropping it.
- `--redact` nulls `value`, masks the UPN (and an Object ID that is not a GUID), and masks
  email and phone fixes.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from checks.model import Finding, Rule, Severity
from motiscim_cli import __version__
from motiscim_cli.render import common
from motiscim_cli.render.common import (
    sentence,
    shown_fix,
    shown_object_id,
    shown_upn,
    shown_value,
)
from motiscim_cli.report import Report

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def artifact_uri(path: str) -> str:
    """A file path as a URI reference: relative stays relative, absolute becomes file://."""
    if PureWindowsPath(path).drive:
        return PureWindowsPath(path).as_uri()
    posix = PurePosixPath(path.replace("\\", "/"))
    if posix.is_absolute():
        return posix.as_uri()
    return quote(str(posix), safe="/")


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.doc},
        "help": {"text": rule.doc, "markdown": rule.doc},
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {"scope": rule.scope, "attributes": list(rule.attributes)},
    }


def fingerprint(finding: Finding) -> str:
    key = "|".join(
        str(part or "")
        for part in (
            finding.rule,
            finding.source,
            finding.object_id or finding.user_principal_name or finding.row,
            finding.attribute,
        )
    )
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def result(
    finding: Finding, rule_index: dict[str, int], artifact_index: dict[str, int], redact: bool
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index[finding.rule],
        "level": LEVEL[finding.severity],
        "message": {"text": sentence(finding, redact)},
        "locations": [],
    }
    if finding.source is not None:
        physical: dict[str, Any] = {
            "artifactLocation": {
                "uri": artifact_uri(finding.source),
                "index": artifact_index[finding.source],
            }
        }
        if finding.line is not None:
            physical["region"] = {"startLine": finding.line}
        location: dict[str, Any] = {"physicalLocation": physical}
        if finding.pointer:
            location["logicalLocations"] = [
                {"fullyQualifiedName": finding.pointer, "kind": "object"}
            ]
        data["locations"].append(location)
    data["partialFingerprints"] = {"motiscimFinding/v1": fingerprint(finding)}
    if finding.suppressed is not None:
        data["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": finding.suppressed}
        ]
    data["properties"] = {
        "row": finding.row,
        "pointer": finding.pointer,
        "userPrincipalName": shown_upn(finding, redact),
        "objectId": shown_object_id(finding, redact),
        "attribute": finding.attribute,
        "column": finding.column,
        "value": shown_value(finding, redact),
        "fix": shown_fix(finding, redact),
        "fixConfidence": finding.fix_confidence,
        "relatedRows": list(finding.related_rows),
    }
    return data


def render(report: Report, *, redact: bool = False, color: bool = False) -> str:
    rules = dict(common.catalogue())
    descriptors = [rule_descriptor(rule) for rule in rules.values()]
    findings = report.all_findings()
    for finding in findings:  # a code the catalogue does not know still needs a descriptor
        if finding.rule not in rules:
            rules[finding.rule] = None  # type: ignore[assignment]
            descriptors.append({"id": finding.rule})
    rule_index = {code: i for i, code in enumerate(rules)}

    paths = [s.path for s in report.sources]
    paths += [f.source for f in findings if f.source is not None and f.source not in paths]
    paths = list(dict.fromkeys(paths))
    artifact_index = {path: i for i, path in enumerate(paths)}
    info = {s.path: s for s in report.sources}
    artifacts = []
    for path in paths:
        artifact: dict[str, Any] = {
            "location": {"uri": artifact_uri(path)},
            "roles": ["analysisTarget"],
        }
        source = info.get(path)
        if source is not None:
            if source.encoding:
                artifact["encoding"] = source.encoding
            artifact["properties"] = {"format": source.format, "records": source.records}
        artifacts.append(artifact)

    summary = report.to_json(redact=redact)["summary"]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "motiscim",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": descriptors,
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": not report.unreadable,
                        "endTimeUtc": report.generated_at,
                    }
                ],
                "artifacts": artifacts,
                "results": [result(f, rule_index, artifact_index, redact) for f in findings],
                "properties": {"motiscim": summary},
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
