"""`motiscim mapping SCHEMA.json`: the Entra provisioning schema against the guide (M001–M012).

The reading and checking live in `motiscim_cli.mapping_run` (shared with `preflight --schema`
and `email --schema`), the terminal report in `motiscim_cli.render.mapping_table`; this module
is the command's options and exit code. Those are imported when the command runs, not when the
CLI loads.
"""

from __future__ import annotations

from typing import Annotated

import typer

FORMATS = ("table", "json")


def mapping(
    schema_file: Annotated[
        str,
        typer.Argument(
            metavar="SCHEMA.json",
            help="Provisioning schema: Provisioning → Edit attribute mappings → Show advanced "
            "options → Review your schema here → Download (or Graph …/jobs/{id}/schema).",
        ),
    ],
    output_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="table (terminal) or json (motiscim.report/v1). Default: from the --output "
            "extension (.json; .txt is table), else table.",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write the report to FILE.")
    ] = None,
    export: Annotated[
        str | None,
        typer.Option(
            "--export",
            metavar="FILE",
            help="A user export (Entra CSV, Graph JSON, PowerShell CSV): M008 then counts the "
            "users whose phone numbers will fail, in the column the schema feeds phoneNumbers "
            "from.",
        ),
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(help="ISO country code for phone fixes in --export (e.g. NO)."),
    ] = None,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colour.")] = False,
    config: Annotated[
        str | None,
        typer.Option(
            "--config",
            help="Settings file (its `mapping:` holds the sources agreed with Motimate). "
            "Default: motiscim.yaml in this directory or the nearest parent.",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the --output file if it exists.")
    ] = False,
) -> None:
    """Check the Entra provisioning schema against the Motimate guide (steps 14–38).

    Catches the step-29 revert (mailNickname back where objectId belongs), matching on
    userPrincipalName or group displayName, a disabled Users mapping, missing, leftover and
    changed mappings (a change agreed with Motimate goes in motiscim.yaml `mapping:`); with
    --export, a mapped mobile while users' phone numbers will fail (counted in the column the
    schema feeds phoneNumbers from, unless the config's columns: names one).
    Exit 0 ready (no errors), 1 errors found, 2 unreadable file, not a schema or an unusable
    config file.
    """
    from motiscim_cli.config import ConfigError, load_config
    from motiscim_cli.mapping_run import (
        ExportUnreadable,
        UnreadableSchema,
        export_phone_errors,
        mapping_result,
        read_schema,
    )
    from motiscim_cli.options import (
        choose_output_format,
        emit,
        refuse_unsafe_output,
        terminal_width,
        use_color,
    )
    from motiscim_cli.render.json_report import render as render_json
    from motiscim_cli.render.mapping_table import render_mapping
    from motiscim_cli.report import Report

    output_format = choose_output_format(output_format, output, supported=FORMATS, default="table")
    if output_format not in FORMATS:
        raise typer.BadParameter(f"choose one of: {', '.join(FORMATS)}", param_hint="--format")
    from motiscim_cli.options import region_problem

    if region is not None and (problem := region_problem(region)) is not None:
        raise typer.BadParameter(problem, param_hint="--region")
    try:
        settings = load_config(config)
    except ConfigError as error:
        typer.echo(f"motiscim: config: {error}", err=True)
        raise typer.Exit(2) from None
    refuse_unsafe_output(output, inputs=[schema_file, export, settings.path], force=force)
    try:
        schema = read_schema(schema_file)
    except UnreadableSchema as error:
        typer.echo(error.line(), err=True)
        raise typer.Exit(2) from None
    phone_users: int | None = None
    unfixable = 0
    plan = None
    if export is not None:
        from motiscim_cli.schema_columns import SchemaPlan

        # Only the phone rules run on the export (M008): they follow the schema's source of
        # phoneNumbers, and the report says which column that was.
        plan = SchemaPlan.of(schema_file, schema, overrides=settings.columns, only=["phone_number"])
        try:
            phone_users, unfixable, sources = export_phone_errors(
                export, region.upper() if region else None, plan, settings.columns
            )
        except ExportUnreadable as error:
            typer.echo(error.line, err=True)
            raise typer.Exit(2) from None
    result, checks = mapping_result(
        schema_file,
        schema,
        phone_error_users=phone_users,
        unfixable=unfixable,
        agreed=settings.mapping,
    )
    if plan is not None:
        result.user_sources = plan.user_sources(sources)
    if output_format == "json":
        text = render_json(Report(mapping=result))
    else:
        color = output is None and use_color(no_color)
        text = render_mapping(
            result, checks, color=color, width=terminal_width(), agreed=settings.mapping
        )
    emit(text, output)  # a file it cannot write: one line, exit 2 (stdout: stdout_guarded)
    raise typer.Exit(0 if result.ok else 1)


def register(app: typer.Typer) -> None:
    from motiscim_cli.options import stdout_guarded

    app.command("mapping")(stdout_guarded(mapping))
