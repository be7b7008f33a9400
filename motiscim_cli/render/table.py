"""`--format table`: the terminal report, readable in ten seconds on an onboarding call.

Verdict first, then counts per rule, then findings grouped by rule, each group capped with a
clear "N more" so a million-user export still prints a short page.
"""

from __future__ import annotations

import io
from collections import defaultdict

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from checks.model import Finding, Severity, all_rules
from motiscim_cli.render.common import shown_fix, shown_user, shown_value, verdict_title
from motiscim_cli.report import Report

PER_RULE_LIMIT = 10
STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def verdict_panel(report: Report) -> Panel:
    users = report.users
    failing = report.users_with_errors
    warned = report.users_with_warnings
    title = verdict_title(report)
    if report.verdict == "unknown":
        style = "bold red"
        body = "An input could not be read; see the F001 finding."
    elif report.verdict == "not-ready":
        style = "bold red"
        body = f"{failing} of {users} users would fail to sync."
        setup = [
            f for f in report.active_findings() if f.row is None and f.severity is Severity.ERROR
        ]
        if setup:
            body += f" {len(setup)} file/setup error(s) block more than single users."
    else:
        style = "bold green" if title == "READY" else "bold yellow"  # yellow: --fail-on fails it
        body = f"All {users} users are predicted to sync."
    if warned:
        body += f" {warned} user(s) have warnings."
    muted = sum(1 for f in report.all_findings() if f.suppressed is not None)
    if muted:
        body += f" {muted} finding(s) suppressed by reviewed exceptions (shown below)."
    return Panel(Text(body), title=Text(title, style=style), title_align="left", box=box.HEAVY)


def advice_panels(report: Report) -> list[Panel]:
    """The guide's setup advice (checks.advice), one panel each, right under the verdict."""
    return [
        Panel(
            Text(item.message),
            title=Text(f"Advice: {item.code}", style="bold"),
            title_align="left",
            box=box.ROUNDED,
        )
        for item in report.advice()
    ]


def counts_table(report: Report) -> Table | None:
    by_rule = report.by_rule()
    if not by_rule:
        return None
    rules = all_rules()
    table = Table(box=box.SIMPLE_HEAD, title="Findings per rule", title_justify="left")
    table.add_column("Rule")
    table.add_column("Severity")
    table.add_column("Count", justify="right")
    table.add_column("What")
    for code, count in by_rule.items():
        rule = rules.get(code)
        severity = rule.severity if rule else Severity.ERROR
        severity = next((f.severity for f in report.all_findings() if f.rule == code), severity)
        table.add_row(
            code,
            Text(severity.value, style=STYLE[severity]),
            str(count),
            Text(rule.summary if rule else ""),
        )
    return table


def _cell(value: str | None) -> str:
    """A value as a table cell: repr() when spaces at its ends or control characters matter."""
    if value is None:
        return ""
    return repr(value) if value != value.strip() or not value.isprintable() else value


def findings_tables(report: Report, redact: bool, limit: int = PER_RULE_LIMIT) -> list:
    groups: dict[str, list[Finding]] = defaultdict(list)
    for finding in report.all_findings():
        groups[finding.rule].append(finding)
    parts: list = []
    rules = all_rules()
    for code in sorted(groups, key=lambda c: list(rules).index(c) if c in rules else 999):
        findings = groups[code]
        severity = findings[0].severity
        rule = rules.get(code)
        title = Text.assemble(
            (f"{code} ", "bold"),
            (severity.value, STYLE[severity]),
            f" · {rule.summary if rule else ''} ({len(findings)})",
        )
        table = Table(box=box.SIMPLE, title=title, title_justify="left", show_edge=False)
        table.add_column("Row", justify="right")
        table.add_column("User")
        table.add_column("Column")
        table.add_column("Value")
        table.add_column("Fix")
        table.add_column("Message")
        for finding in findings[:limit]:
            where = "" if finding.row is None else str(finding.row)
            if finding.line is not None:
                where = f"{where} (line {finding.line})" if where else f"line {finding.line}"
            user = shown_user(finding, redact)
            fix = _cell(shown_fix(finding, redact))
            if fix and finding.fix_confidence == "probable":
                fix = f"{fix} (probable)"
            if finding.suppressed is not None:
                where = f"{where} [suppressed: {finding.suppressed}]"
            # Text cells: values and messages hold brackets ([mail]) that are not rich markup.
            value = _cell(shown_value(finding, redact))
            cells = (where, user, finding.column or "", value, fix)
            table.add_row(*(Text(cell) for cell in cells), Text(finding.message))
        parts.append(table)
        if len(findings) > limit:
            parts.append(
                Text(
                    f"  … {len(findings) - limit} more {code} finding(s) not shown: "
                    "use --format json or csv for all of them",
                    style="dim",
                )
            )
    return parts


def render(
    report: Report, *, redact: bool = False, color: bool = False, width: int | None = None
) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        width=width or 160,
        highlight=False,
        emoji=False,
    )
    sources = ", ".join(
        f"{s.path} ({s.format}, {s.encoding or '-'}, {s.records} users)" for s in report.sources
    )
    parts: list = [verdict_panel(report), *advice_panels(report)]
    if sources:
        parts.append(Text(f"Read: {sources}", style="dim"))
    counts = counts_table(report)
    if counts is not None:
        parts.append(counts)
    parts.extend(findings_tables(report, redact))
    console.print(Group(*parts))
    return buffer.getvalue()
