"""`motiscim check EXPORT…`: predict, user by user, whether provisioning will succeed."""

from __future__ import annotations

import os
from typing import Annotated

import typer

FORMAT_HELP = (
    "Output format: table (terminal), json (the motiscim.report/v1 contract), jsonl, github "
    "(workflow annotations), junit, sarif, csv, markdown, html. Default: from the --output "
    "extension (.json .jsonl .sarif .xml .csv .md .html), else github when GITHUB_ACTIONS=true, "
    "else table."
)
QUIET_HELP = (
    "Only the verdict: the table becomes one line (READY/NOT READY and the counts); other "
    "formats are written as usual. No progress display, no notes on stderr; errors still show."
)


def choose_format(explicit: str | None, output: str | None) -> str:
    """--format, else the output file's extension, else github on GitHub Actions, else table."""
    from motiscim_cli.options import choose_output_format
    from motiscim_cli.render import RENDERERS

    default = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "table"
    return choose_output_format(explicit, output, supported=RENDERERS, default=default)


def check(
    exports: Annotated[
        list[str], typer.Argument(help="Export files: Entra CSV, Graph JSON/JSONL, PowerShell CSV.")
    ],
    output_format: Annotated[
        str | None, typer.Option("--format", "-f", help=FORMAT_HELP, show_default=False)
    ] = None,
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write the report to FILE.")
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(
            help="ISO country code for phone fixes when a user has no usageLocation/country "
            "(e.g. NO). Default: region in motiscim.yaml."
        ),
    ] = None,
    fail_on: Annotated[
        str, typer.Option(help="Exit 1 on findings at or above: error, warning, info, never.")
    ] = "error",
    select: Annotated[
        list[str] | None,
        typer.Option(help="Only these rule codes or prefixes (P001,E); replaces rules.select."),
    ] = None,
    ignore: Annotated[
        list[str] | None,
        typer.Option(help="Skip these rule codes or prefixes (T001,N); replaces rules.ignore."),
    ] = None,
    column: Annotated[
        list[str] | None,
        typer.Option(
            help="Feed a Motimate attribute from another header: phone_number=mobile "
            "(wins over columns: in motiscim.yaml)."
        ),
    ] = None,
    input_format: Annotated[
        str | None,
        typer.Option(
            help="Force the input shape instead of detecting it: entra-portal-csv, "
            "entra-portal-csv-legacy, graph-json, graph-jsonl, mggraph-csv, azuread-csv, "
            "adsi-csv, csv."
        ),
    ] = None,
    redact: Annotated[
        bool, typer.Option(help="Mask emails, phone numbers and UPNs in the report.")
    ] = False,
    no_color: Annotated[
        bool, typer.Option("--no-color", help="No colour (also: NO_COLOR set, or not a terminal).")
    ] = False,
    config: Annotated[
        str | None,
        typer.Option(
            "--config",
            help="Settings file. Default: motiscim.yaml in this directory or the nearest parent.",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help=QUIET_HELP)] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the --output file if it exists.")
    ] = False,
) -> None:
    """Check exports and predict, per user, whether Entra → Motimate provisioning will succeed.

    Reviewed exceptions from motiscim.yaml are applied after checking: those findings are
    reported as suppressed, with their reason, and do not decide the verdict.

    Exit 0 ready, 1 not ready (findings at or above --fail-on), 2 usage error, unreadable
    input or an unusable config file.
    """
    import sys

    from motiscim_cli.config import ConfigError, apply_exceptions, load_config
    from motiscim_cli.loaders import FORMATS
    from motiscim_cli.options import (
        emit,
        parse_columns,
        refuse_unsafe_output,
        say_unread_exports,
        split_codes,
        terminal_width,
        use_color,
    )
    from motiscim_cli.render import RENDERERS, STREAMED, render
    from motiscim_cli.run import FAIL_ON, CheckOptions, exit_code, run_check

    chosen = choose_format(output_format, output)
    if chosen not in RENDERERS:
        raise typer.BadParameter(f"choose one of: {', '.join(RENDERERS)}", param_hint="--format")
    if fail_on not in FAIL_ON:
        raise typer.BadParameter(f"choose one of: {', '.join(FAIL_ON)}", param_hint="--fail-on")
    from motiscim_cli.options import region_problem

    if region is not None and (problem := region_problem(region)) is not None:
        raise typer.BadParameter(problem, param_hint="--region")
    if input_format is not None and input_format not in FORMATS:
        raise typer.BadParameter(
            f"choose one of: {', '.join(FORMATS)}", param_hint="--input-format"
        )
    repeated = _repeated_export(exports)
    if repeated is not None:
        # Read twice, every user would be its own duplicate (U003, X003 on every row).
        raise typer.BadParameter(f"{repeated} is given twice", param_hint="EXPORT")
    try:
        settings = load_config(config)
    except ConfigError as error:
        typer.echo(f"motiscim: config: {error}", err=True)
        raise typer.Exit(2) from None
    refuse_unsafe_output(output, inputs=[*exports, settings.path], force=force)

    chosen_region = region or settings.region
    options = CheckOptions(
        region=chosen_region.upper() if chosen_region else None,
        select=split_codes(select) or settings.rules.select or None,
        ignore=split_codes(ignore, "--ignore") or settings.rules.ignore,
        column_overrides={**settings.columns, **parse_columns(column)},
        input_format=input_format,
        severity_overrides=dict(settings.rules.severity),
    )
    from checks.engine import select_rules
    from checks.model import EXPORT_SCOPES

    if not any(r.scope in EXPORT_SCOPES for r in select_rules(options.select, options.ignore)):
        # Nothing checked would read READY: a CI job guarding a file would pass on anything.
        raise typer.BadParameter(
            "the selection leaves no rule that check runs (C rules run in connect and "
            "preflight, M rules in mapping)",
            param_hint="--select/--ignore (or rules: in motiscim.yaml)",
        )
    if not quiet and sys.stderr.isatty():
        from rich.console import Console

        from motiscim_cli.progress import RecordProgress

        console = Console(stderr=True, no_color=not use_color(no_color, sys.stderr))
        with RecordProgress(console) as on_record:
            report, errors = run_check(exports, options, on_record)
    else:
        report, errors = run_check(exports, options)

    report.fail_on = fail_on
    stale = apply_exceptions(report.findings, settings.exceptions)
    nothing_read = say_unread_exports(report, errors)
    if not quiet:
        for entry in stale:
            for note in entry.notes(report.rules_checked, settings.path):
                typer.echo(f"motiscim: note: {note}", err=True)
    if nothing_read and chosen == "table":
        raise typer.Exit(2)
    color = output is None and use_color(no_color)
    if chosen == "table" and quiet:
        from motiscim_cli.render.common import verdict_line

        text = f"motiscim: {verdict_line(report)}\n"
    elif chosen == "table":
        from motiscim_cli.render.table import render as render_table

        text = render_table(report, redact=redact, color=color, width=terminal_width())
    elif chosen in STREAMED:
        # Streamed one finding at a time, to the file or to stdout alike: a million-user report
        # is never one string (bytes as render() would give them).
        from motiscim_cli.render import write, write_file

        if output in (None, "-"):
            write(report, chosen, sys.stdout, redact=redact)  # a failure: stdout_guarded
            sys.stdout.flush()
            raise typer.Exit(exit_code(report))
        try:
            write_file(report, chosen, output, redact=redact)
        except OSError as error:
            typer.echo(f"motiscim: cannot write {output}: {error.strerror or error}", err=True)
            raise typer.Exit(2) from None
        if not quiet:
            typer.echo(f"motiscim: report written to {output}", err=True)
        raise typer.Exit(exit_code(report))
    else:
        text = render(report, chosen, redact=redact, color=color)
    emit(text, output, quiet=quiet)
    raise typer.Exit(exit_code(report))


def register(app: typer.Typer) -> None:
    from motiscim_cli.options import stdout_guarded

    app.command("check")(stdout_guarded(check))


def _repeated_export(exports: list[str]) -> str | None:
    """The first export named twice (after resolving links), if any; `-` (stdin) counts once."""
    seen: set[str] = set()
    for export in exports:
        key = export if export == "-" else os.path.realpath(export)
        if key in seen:
            return export
        seen.add(key)
    return None
