"""`--format github`: GitHub Actions workflow commands, so findings annotate the export's lines.

Chosen automatically when `GITHUB_ACTIONS=true` and no `--format` is given. Each finding becomes
`::error file=users.csv,line=13,title=motiscim P001::row 12 [kari@…]: message Fix: …` (warning
and notice for the other severities). A finding without a file (the connection, the mapping)
has no `file=`; a JSON source has no line, so its annotation sits on the file.

Escaping follows the runner (actions/toolkit `command.ts`): in the message `%`, CR and LF become
`%25`, `%0D`, `%0A`; in a property `:` and `,` become `%3A` and `%2C` as well. Without it a
value with a newline would end the command early and the rest would print as plain log text.

GitHub shows only the first 10 errors and 10 warnings of a step as annotations, so errors come
first. Suppressed findings are notices that say so, with their reason. The last line is the
verdict as plain log text.
"""

from __future__ import annotations

import io
from typing import TextIO

from checks.model import Finding, Severity
from motiscim_cli.render.common import sentence, verdict_line
from motiscim_cli.report import Report

COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding, redact: bool) -> str:
    command = "notice" if finding.suppressed is not None else COMMAND[finding.severity]
    title = f"motiscim {finding.rule}"
    if finding.suppressed is not None:
        title += " (suppressed)"
    properties = []
    if finding.source:
        properties.append(f"file={escape_property(finding.source)}")
        if finding.line is not None:
            properties.append(f"line={finding.line}")
    properties.append(f"title={escape_property(title)}")
    return f"::{command} {','.join(properties)}::{escape_data(sentence(finding, redact))}"


def render(report: Report, *, redact: bool = False, color: bool = False) -> str:
    out = io.StringIO()
    write(report, out, redact=redact)
    return out.getvalue()


def write(report: Report, out: TextIO, *, redact: bool = False) -> None:
    """Write `render(report)` one annotation at a time: they never exist as one string."""
    findings = report.all_findings()
    # Stable sort: errors first (GitHub caps annotations per step), report order within.
    ordered = sorted(findings, key=lambda f: (f.suppressed is not None, -f.severity.rank))
    for finding in ordered:
        out.write(annotation(finding, redact) + "\n")
    out.write(f"motiscim: {verdict_line(report)}\n")
