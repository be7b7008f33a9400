"""The terminal report of a connection check (`motiscim connect`, and the connection section
of `motiscim preflight`): what was tested, a cause and a fix per finding, the OK/FAILED line."""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from motiscim_cli.report import ConnectionResult


def render_connection(
    result: ConnectionResult, origin: str | None, stream: TextIO, *, terminal: bool = True
) -> None:
    """The terminal report: what was tested, one line of cause and one of fix per finding,
    and the OK/FAILED line with the HTTP status and elapsed time."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from checks.rules.connection import split_message

    console = Console(
        file=stream,
        highlight=False,
        soft_wrap=False,
        width=None if terminal else 100,
        no_color=not terminal,
        force_terminal=None if terminal else False,
    )
    console.print(Text.assemble(("Tenant URL  ", "bold"), result.url))
    if origin:
        console.print(Text.assemble(("Token       ", "bold"), f"from {origin} (never shown)"))
    if result.elapsed_ms is not None:
        console.print(
            Text(
                'Sent GET /Users?filter=userName eq "<random GUID>", then the same for '
                "externalId: read-only, as Entra's Test connection.",
                style="dim",
            )
        )
    styles = {"error": "bold red", "warning": "bold yellow", "info": "bold blue"}
    if result.findings:
        table = Table.grid(padding=(0, 1))
        table.add_column(no_wrap=True)
        table.add_column(no_wrap=True)
        table.add_column()
        for finding in result.findings:
            cause, remedy = split_message(finding.message)
            severity = finding.severity.value
            table.add_row(
                Text(finding.rule, style="bold"),
                Text(severity, style=styles[severity]),
                Text(cause),
            )
            if remedy:
                table.add_row("", "", Text(f"Fix: {remedy}", style="green"))
            if finding.fix:
                table.add_row("", "", Text(f"Suggested: {finding.fix}", style="green"))
        console.print()
        console.print(table)
    console.print()
    if result.elapsed_ms is None:
        timing = ["nothing sent"]  # the offline checks found nothing safe to test
    else:
        timing = [f"HTTP {result.status}" if result.status is not None else "no answer"]
        timing.append(f"{result.elapsed_ms} ms")
    if result.ok:
        verdict = Text.assemble(
            ("OK", "bold green"),
            f"  {' in '.join(timing)}: the tenant URL and token work; Entra's Test connection "
            "should succeed.",
        )
    else:
        codes = ", ".join(
            dict.fromkeys(f.rule for f in result.findings if f.severity.value == "error")
        )
        verdict = Text.assemble(
            ("FAILED", "bold red"),
            f"  {' in '.join(timing)}" + (f" ({codes})" if codes else "") + ".",
        )
    console.print(verdict)
