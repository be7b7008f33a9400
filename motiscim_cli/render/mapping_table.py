"""The terminal report of a mapping check (`motiscim mapping`, and the mapping section of
`motiscim preflight`): the verdict, then one block per finding."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from checks.rules.mapping import MappingCheck
    from motiscim_cli.report import MappingResult


def render_mapping(
    result: MappingResult,
    checks: list[MappingCheck],
    *,
    color: bool = False,
    width: int | None = None,
    agreed: Mapping[str, str] | None = None,
) -> str:
    """The verdict (the exit code's, in words), then one block per finding: code, severity,
    target attribute, now, guide, fix."""
    import io

    from rich import box
    from rich.console import Console
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    from checks.model import Severity

    style = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width or 100,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        emoji=False,
    )
    counts = {s: sum(1 for c in checks if c.finding.severity is s) for s in Severity}
    title, title_style, verdict = _verdict(result.ok, counts, agreed=bool(agreed))
    if agreed:
        # Say so: these rows pass because of motiscim.yaml, not because they are the guide's.
        pairs = "; ".join(f"{name} ← {expression}" for name, expression in agreed.items())
        verdict += f"\nAgreed with Motimate (motiscim.yaml mapping): {pairs}."
    for source in result.user_sources or ():
        # Which export column a count or a rule used because of this schema (--export).
        verdict += f"\nExport {', '.join(source.columns)}: {source.note}"
    body = f"{result.path}\n{verdict}"
    console.print(
        Panel(Text(body), title=Text(title, style=title_style), title_align="left", box=box.HEAVY)
    )
    for check in checks:
        finding, issue = check.finding, check.issue
        heading = Text()
        heading.append(finding.rule, style="bold")
        heading.append("  ")
        heading.append(finding.severity.value, style=style[finding.severity])
        heading.append("  ")
        heading.append(issue.target, style="bold")
        console.print(heading)
        block = Table.grid(padding=(0, 2))
        block.add_column(style="bold", no_wrap=True)
        block.add_column(overflow="fold")
        block.add_row(Text("  Now"), Text(issue.now))
        block.add_row(Text("  Guide"), Text(issue.wanted))
        block.add_row(Text("  Fix"), Text(issue.where))
        console.print(block)
        console.print()
    # Rich pads grid cells to the full width; a report file should not end lines in spaces.
    return "\n".join(line.rstrip() for line in buffer.getvalue().split("\n"))


def _verdict(ok: bool, counts: Mapping[Any, int], *, agreed: bool) -> tuple[str, str, str]:
    """(title, its style, the sentence): the same verdict as the exit code, never softer.

    NOT READY exactly when the command exits 1 (an error finding); READY otherwise, like
    `motiscim check`, saying how many warnings remain.
    """
    from checks.model import Severity

    tally = ", ".join(_count(counts[s], s.value) for s in Severity)
    errors, warnings = counts[Severity.ERROR], counts[Severity.WARNING]
    if not ok:
        return (
            "MAPPING: NOT READY",
            "bold red",
            f"{_count(errors, 'error').capitalize()} to fix before provisioning starts ({tally}).",
        )
    if warnings:
        return (
            "MAPPING: READY",
            "bold green",
            f"No errors; {_count(warnings, 'warning')} to look at before provisioning starts "
            f"({tally}).",
        )
    if any(counts.values()):
        return "MAPPING: READY", "bold green", f"No errors or warnings ({tally})."
    if agreed:
        return (
            "MAPPING: READY",
            "bold green",
            "The attribute mappings are as the guide asks, and as agreed with Motimate.",
        )
    return "MAPPING: READY", "bold green", "The attribute mappings are as the guide asks."


def _count(number: int, severity: str) -> str:
    if severity == "info" or number == 1:
        return f"{number} {severity}"
    return f"{number} {severity}s"
