"""`motiscim check EXPORT…`: predict, user by user, whether provisioning will succeed."""

from __future__ import annotations

from typing import Annotated

import typer

FORMAT_HELP = "Output format: table (terminal), json (the motiscim.report/v1 contract)."


def check(
    exports: Annotated[
        list[str], typer.Argument(help="Export files: Entra CSV, Graph JSON/JSONL, PowerShell CSV.")
    ],
    output_format: Annotated[str, typer.Option("--format", "-f", help=FORMAT_HELP)] = "table",
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write the report to FILE.")
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(
            help="ISO country code for phone fixes when a user has no usageLocation/country "
            "(e.g. NO)."
        ),
    ] = None,
    fail_on: Annotated[
        str, typer.Option(help="Exit 1 on findings at or above: error, warning, info, never.")
    ] = "error",
    select: Annotated[
        list[str] | None, typer.Option(help="Only these rule codes or prefixes (P001,E).")
    ] = None,
    ignore: Annotated[
        list[str] | None, typer.Option(help="Skip these rule codes or prefixes (T001,N).")
    ] = None,
    column: Annotated[
        list[str] | None,
        typer.Option(help="Feed a Motimate attribute from another header: phone_number=mobile."),
    ] = None,
    input_format: Annotated[
        str | None, typer.Option(help="Force the input shape instead of detecting it.")
    ] = None,
    redact: Annotated[bool, typer.Option(help="Mask emails and phone numbers.")] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colour.")] = False,
) -> None:
    """Check exports and predict, per user, whether Entra → Motimate provisioning will succeed.

    Exit 0 ready, 1 not ready (findings at or above --fail-on), 2 usage error or unreadable input.
    """
    from motiscim_cli.options import emit, parse_columns, split_codes, terminal_width, use_color
    from motiscim_cli.render import RENDERERS, render
    from motiscim_cli.run import FAIL_ON, CheckOptions, exit_code, run_check

    if output_format not in RENDERERS:
        raise typer.BadParameter(f"choose one of: {', '.join(RENDERERS)}", param_hint="--format")
    if fail_on not in FAIL_ON:
        raise typer.BadParameter(f"choose one of: {', '.join(FAIL_ON)}", param_hint="--fail-on")
    if region is not None and not (len(region) == 2 and region.isalpha()):
        raise typer.BadParameter("a two-letter ISO country code, e.g. NO", param_hint="--region")
    options = CheckOptions(
        region=region.upper() if region else None,
        select=split_codes(select) or None,
        ignore=split_codes(ignore),
        column_overrides=parse_columns(column),
        input_format=input_format,
    )
    report, errors = run_check(exports, options)
    for error in errors:
        typer.echo(error.line(), err=True)
    if errors and output_format == "table" and not report.users:
        raise typer.Exit(2)
    color = output is None and use_color(no_color)
    if output_format == "table":
        from motiscim_cli.render.table import render as render_table

        text = render_table(report, redact=redact, color=color, width=terminal_width())
    else:
        text = render(report, output_format, redact=redact, color=color)
    emit(text, output)
    raise typer.Exit(exit_code(report, fail_on))


def register(app: typer.Typer) -> None:
    app.command("check")(check)
