"""`--format markdown`: for a ticket or a pull request (GitHub, GitLab, Azure DevOps, Jira's
Markdown editor): the verdict, counts per rule, then each rule's findings, capped per rule.

Everything from the export is escaped, so a value cannot become a link, an image, HTML or a
broken table: Markdown punctuation gets a backslash, `<`, `>`, `&` become entities, line breaks
become `↵`. A value with invisible edges or characters is quoted (`' Engineer'`) so the problem
shows. Findings suppressed by reviewed exceptions are listed in their own section, with reasons.
"""

from __future__ import annotations

from collections import defaultdict

from checks.model import Finding
from motiscim_cli import __version__
from motiscim_cli.render import common
from motiscim_cli.render.common import (
    by_rule_with_severity,
    code_order,
    fix_text,
    position,
    rule_summary,
    shown_user,
    shown_value,
    verdict_line,
    verdict_title,
)
from motiscim_cli.report import Report

PER_RULE_LIMIT = 20
_PUNCTUATION = "\\`*_[]|~#!"
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape(text: str | None) -> str:
    """Text that renders as itself inside a Markdown table cell."""
    if text is None:
        return ""
    out = []
    for char in text:
        if char in _PUNCTUATION:
            out.append("\\" + char)
        elif char in _ENTITIES:
            out.append(_ENTITIES[char])
        elif char in "\r\n":
            out.append("↵")
        else:
            out.append(char)
    return "".join(out)


def escape_own(text: str) -> str:
    """Our own text (rule summaries) keeps its Markdown; only what would break a table goes."""
    return text.replace("|", "\\|").replace("\n", " ")


def shown(value: str | None) -> str:
    """A value as a reader must see it: quoted when whitespace or invisible characters matter."""
    if value is None:
        return ""
    if value != value.strip() or not value.isprintable() or value == "":
        return escape(repr(value))
    return escape(value)


def _where(finding: Finding) -> str:
    return escape(" ".join(p for p in (finding.source or "", position(finding)) if p))


def render(report: Report, *, redact: bool = False, color: bool = False) -> str:
    rules = common.catalogue()
    title = verdict_title(report)
    lines = [f"# motiscim preflight: {title}", "", f"**{escape(verdict_line(report))}**", ""]
    sources = ", ".join(
        f"{escape(s.path)} ({escape(s.format)}, {s.records} users)" for s in report.sources
    )
    lines.append(
        f"Generated {report.generated_at} by motiscim {__version__}"
        + (f" from {sources}." if sources else ".")
    )
    if report.connection is not None:
        c = report.connection
        state = "skipped: " + c.skipped if c.skipped else ("ok" if c.ok else "failed")
        status = f", HTTP {c.status}" if c.status is not None else ""
        lines += ["", f"Connection to {escape(c.url)}: {escape(state)}{status}."]
    if report.mapping is not None:
        m = report.mapping
        lines += ["", f"Mapping {escape(m.path)}: {'ok' if m.ok else 'problems found'}."]

    counts = by_rule_with_severity(report)
    if counts:
        lines += [
            "",
            "## Findings per rule",
            "",
            "| Rule | Severity | Findings | Suppressed | What |",
            "|---|---|--:|--:|---|",
        ]
        for code, severity, active, muted in counts:
            lines.append(
                f"| {code} | {severity.value} | {active} | {muted} | "
                f"{escape_own(rule_summary(code, rules))} |"
            )

    groups: dict[str, list[Finding]] = defaultdict(list)
    muted_findings: list[Finding] = []
    for finding in report.all_findings():
        if finding.suppressed is None:
            groups[finding.rule].append(finding)
        else:
            muted_findings.append(finding)
    for code in code_order(groups, rules):
        findings = groups[code]
        lines += [
            "",
            f"## {code} · {findings[0].severity.value} · "
            f"{escape_own(rule_summary(code, rules))} ({len(findings)})",
            "",
            "| Where | User | Column | Value | Fix | Message |",
            "|---|---|---|---|---|---|",
        ]
        for f in findings[:PER_RULE_LIMIT]:
            lines.append(
                f"| {_where(f)} | {escape(shown_user(f, redact))} | {escape(f.column)} | "
                f"{shown(shown_value(f, redact))} | {shown(fix_text(f, redact))} | "
                f"{escape(f.message)} |"
            )
        if len(findings) > PER_RULE_LIMIT:
            lines += [
                "",
                f"_… {len(findings) - PER_RULE_LIMIT} more {code} finding(s) not shown: "
                "attach the `--format csv` report for all of them._",
            ]
    if muted_findings:
        lines += [
            "",
            f"## Suppressed by reviewed exceptions ({len(muted_findings)})",
            "",
            "These do not count towards the verdict; each was reviewed for the reason given.",
            "",
            "| Rule | Where | User | Message | Reason |",
            "|---|---|---|---|---|",
        ]
        for f in muted_findings:
            lines.append(
                f"| {f.rule} | {_where(f)} | {escape(shown_user(f, redact))} | "
                f"{escape(f.message)} | {escape(f.suppressed)} |"
            )
    return "\n".join(lines) + "\n"
