"""`motiscim fix EXPORT`: from findings to corrected source data, for review."""

from __future__ import annotations

import os
from collections import Counter
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from motiscim_cli.fixing import FixedCsv, FixPlan

LEVEL_HELP = (
    "Which fixes the outputs apply: certain (whitespace, separators, 'tel:', trunk (0), 00 → +) "
    "or probable (also country codes completed from the region, mojibake repaired)."
)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"motiscim: {message}", err=True)
    return typer.Exit(2)


def fix(
    export: Annotated[
        str, typer.Argument(help="The export to fix: Entra CSV, PowerShell CSV.", metavar="EXPORT")
    ],
    script: Annotated[
        str | None,
        typer.Option(
            "--script",
            metavar="FILE",
            help="Write a PowerShell script (Update-MgUser / Set-ADUser) to FILE.",
        ),
    ] = None,
    csv_out: Annotated[
        str | None,
        typer.Option(
            "--csv",
            metavar="FILE",
            help="Write the export with the fixes applied to FILE (CSV only): data, changed "
            "only where a fix applies, so cells starting with = + - @ are written as they are "
            "(the summary counts them by column; see --spreadsheet-safe).",
        ),
    ] = None,
    findings_out: Annotated[
        str | None,
        typer.Option(
            "--findings",
            metavar="FILE",
            help="Write one row per finding to FILE, for Excel: a cell starting with = + - @ "
            'gets a leading \', a correct E.164 number is written as ="+47…" so that Excel '
            "shows it as text.",
        ),
    ] = None,
    spreadsheet_safe: Annotated[
        bool,
        typer.Option(
            "--spreadsheet-safe",
            help="Write --csv for reading in a spreadsheet, like --findings: ' before = + - @, "
            '="+47…" around E.164 numbers. That changes data (the summary counts the cells '
            "by column): never import such a file.",
        ),
    ] = False,
    fix_level: Annotated[
        str, typer.Option(help=LEVEL_HELP, metavar="certain|probable")
    ] = "certain",
    region: Annotated[
        str | None,
        typer.Option(
            metavar="CODE",
            help="ISO country code for phone fixes when a user has no usageLocation/country "
            "(e.g. NO). Default: region in motiscim.yaml.",
        ),
    ] = None,
    column: Annotated[
        list[str] | None,
        typer.Option(
            metavar="ATTRIBUTE=HEADER",
            help="Feed a Motimate attribute from another header: phone_number=mobile.",
        ),
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help="Encoding of --csv: utf-8, utf-8-sig, utf-16-le, utf-16-be, cp1252. "
            "Default: the export's own.",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite output files that already exist.")
    ] = False,
    config: Annotated[
        str | None,
        typer.Option(
            "--config",
            metavar="FILE",
            help="Settings file. Default: motiscim.yaml in this directory or the nearest parent.",
        ),
    ] = None,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colour.")] = False,
) -> None:
    """Write fixes for review: a PowerShell script, a corrected CSV and/or a findings CSV.

    Nothing is changed in Entra or AD: the script is for an admin to review and run, with
    $WhatIf on until they turn it off. The input file is never overwritten, nor any existing
    file without --force. The outputs are written all or none: one that cannot be made or
    written leaves no other behind.

    Exit 0 when the written fixes leave no error, 1 when errors without a fix at --fix-level
    remain, 2 usage error or unreadable input.
    """
    from motiscim_cli.config import ConfigError, apply_exceptions, load_config
    from motiscim_cli.files import OutputRefused, WriteFailed, prepare_output, write_files_atomic
    from motiscim_cli.fixing import (
        ENCODINGS,
        FixedCsvError,
        fixed_csv_bytes,
        plan_fixes,
        render_script,
        same_file,
    )
    from motiscim_cli.loaders.columns import JSON_FORMATS
    from motiscim_cli.options import parse_columns, terminal_width, use_color
    from motiscim_cli.run import CheckOptions

    outputs = [
        (name, path)
        for name, path in (
            ("--script", script),
            ("--csv", csv_out),
            ("--findings", findings_out),
        )
        if path is not None
    ]
    if not outputs:
        raise typer.BadParameter(
            "name at least one output: --script FILE, --csv FILE or --findings FILE"
        )
    if fix_level not in ("certain", "probable"):
        raise typer.BadParameter("choose certain or probable", param_hint="--fix-level")
    from motiscim_cli.options import region_problem

    if region is not None and (problem := region_problem(region)) is not None:
        raise typer.BadParameter(problem, param_hint="--region")
    if spreadsheet_safe and csv_out is None:
        raise typer.BadParameter("it applies to --csv FILE", param_hint="--spreadsheet-safe")
    if encoding is not None and encoding not in ENCODINGS:
        raise typer.BadParameter(f"choose one of: {', '.join(ENCODINGS)}", param_hint="--encoding")
    is_special = os.path.exists(export) and not (os.path.isfile(export) or os.path.isdir(export))
    if csv_out is not None and is_special:
        # The export is read twice, to check it and then to rewrite it: a pipe is empty the
        # second time (before, that read as "the file changed while it was read").
        raise _fail(
            f"--csv {csv_out}: {export} is a pipe or a device, not a file: --csv reads the "
            "export again to rewrite it. Save it to a file first (or use --script/--findings)."
        )
    # Every output is checked before the export is read: a refusal is one line and exit 2,
    # never a traceback after the work is done.
    for name, path in outputs:
        try:
            if path == "":
                raise _fail(f"{name} is an empty file name; give a file name.")
            if path == "-":
                # '-' is standard output for check/email/init; here the summary is on standard
                # output, so a corrected CSV there would be mixed with it: not a file named '-'
                raise _fail(
                    f"{name} - : fix writes its outputs to files (its summary is on standard "
                    "output); give a file name."
                )
            if os.path.isdir(path):
                raise _fail(f"{name} {path} is a directory: name a file")
            if os.path.basename(path) in ("", ".", ".."):
                # pathlib drops a trailing '/' (and a final '/.'): 'nodir/' would otherwise be
                # written as a file named 'nodir'; 'users.csv/' is no file either.
                raise _fail(f"{name} {path} names a directory that does not exist: name a file")
            if same_file(path, export):
                raise _fail(f"{name} {path} is the input file: motiscim never overwrites the input")
            if os.path.isfile(path) and not force:  # devices (/dev/stdout) need no --force
                raise _fail(f"{name} {path} already exists: use --force to overwrite it")
            # the shared checks too: a missing directory, the config file as an input
            prepare_output(path, inputs=[export, config], force=force, what=name)
        except OutputRefused as error:
            raise _fail(str(error)) from None
        except (OSError, ValueError) as error:  # a name too long for the file system …
            reason = error.strerror if isinstance(error, OSError) else None
            raise _fail(f"{name} {path}: cannot be written: {reason or error}") from None
    paths = [path for _, path in outputs]
    for i, path in enumerate(paths):
        if any(same_file(path, other) for other in paths[:i]):
            raise _fail(f"{path} is named for two outputs: give each its own file")
    try:
        settings = load_config(config)
    except ConfigError as error:
        raise _fail(f"config: {error}") from None

    chosen_region = region or settings.region
    options = CheckOptions(
        region=chosen_region.upper() if chosen_region else None,
        select=settings.rules.select or None,
        ignore=settings.rules.ignore,
        column_overrides={**settings.columns, **parse_columns(column)},
        severity_overrides=dict(settings.rules.severity),
    )
    plan = plan_fixes(
        export,
        options,
        fix_level,  # type: ignore[arg-type]
        lambda findings: apply_exceptions(findings, settings.exceptions),
    )
    for error in plan.errors:
        typer.echo(error.line(), err=True)
    if plan.errors:
        raise typer.Exit(2)
    source = plan.report.sources[0]
    if csv_out is not None and (source.format in JSON_FORMATS or source.delimiter is None):
        raise _fail(
            f"--csv writes CSV exports only; {export} is {source.format}: use --script or "
            "--findings"
        )

    # Every output is made in memory before any is written, and then they are written all or
    # none (files.write_files_atomic): a --csv value its encoding cannot hold, or a disk that
    # fills up, leaves no --script behind for the rerun to be refused with "already exists".
    files: list[tuple[str, bytes]] = []
    written: list[str] = []
    notes: list[str] = []
    if script is not None:
        text = render_script(plan, os.path.basename(export))
        # UTF-8 with a BOM: Windows PowerShell 5.1 reads a BOM-less script as the ANSI code page.
        files.append((script, text.encode("utf-8-sig")))
        written.append(f"{script} (PowerShell; $WhatIf is on: review, then run it yourself)")
    if csv_out is not None:
        with open(export, "rb") as handle:
            data = handle.read()
        try:
            fixed = fixed_csv_bytes(plan, data, encoding, spreadsheet_safe=spreadsheet_safe)
        except FixedCsvError as error:
            raise _fail(f"--csv {csv_out}: {error}") from None
        files.append((csv_out, fixed.data))
        written.append(f"{csv_out} (the export with the fixes applied)")
        notes.extend(_spreadsheet_notes(csv_out, fixed, spreadsheet_safe))
        if fixed.replaced:
            notes.append(
                f"{csv_out}: {fixed.replaced} byte(s) that were no text in the export's "
                "encoding (F005) are written as U+FFFD, as the check read them."
            )
    if findings_out is not None:
        from motiscim_cli.render.csv_report import render as render_csv

        files.append((findings_out, render_csv(plan.report).encode("utf-8")))
        written.append(f"{findings_out} (one row per finding)")
    try:
        write_files_atomic(files)
    except WriteFailed as error:  # a full disk, a read-only directory: one line, no traceback
        raise _fail(f"cannot write {error.path}: {error.reason}") from None

    _summary(plan, written, notes, color=use_color(no_color), width=terminal_width())
    raise typer.Exit(1 if plan.unresolved_errors() else 0)


def _by_column(counts: Counter[str]) -> str:
    return ", ".join(f"{column} ({count})" for column, count in sorted(counts.items()))


def _spreadsheet_notes(path: str, fixed: FixedCsv, spreadsheet_safe: bool) -> list[str]:
    """What the admin must know before opening the corrected CSV in a spreadsheet."""
    if spreadsheet_safe:
        if not fixed.neutralised:
            return []
        return [
            f"{path}: {fixed.neutralised.total()} cell(s) changed for spreadsheets "
            f"(--spreadsheet-safe), by column: {_by_column(fixed.neutralised)}.",
            '  A \' before = + - @, ="…" around E.164 numbers: not data, do not import this '
            "file anywhere.",
        ]
    if not fixed.formula_cells:
        return []
    return [
        f"{path}: {fixed.formula_cells.total()} cell(s) begin with = + - @, a tab or CR and are "
        f"written as they are (the file is data), by column: {_by_column(fixed.formula_cells)}.",
        "  A spreadsheet may run them as formulas: review them in the findings CSV, or write "
        "the file with --spreadsheet-safe.",
    ]


def _summary(
    plan: FixPlan, written: list[str], notes: list[str], *, color: bool, width: int | None
) -> None:
    """What was written and what is left, then the guide's advice (as `check` shows it)."""
    import sys

    from rich.console import Console, Group
    from rich.text import Text

    from motiscim_cli.render.table import advice_panels

    # Cells, not findings: one cell with two findings (N002 and N004 on one name), or one
    # column feeding two attributes (--column email=userPrincipalName), is one change.
    cells = plan.changed_cells()
    users = len(plan.changed_users)
    lines = [
        f"{plan.report.users} user(s) read; the fixes at --fix-level {plan.level} change "
        f"{cells.total()} cell(s) of {users} user(s)."
    ]
    if cells:
        lines.append(f"Cells changed by column: {_by_column(cells)}.")
    more_cells, more_users = plan.more_at_probable()
    if more_cells:
        lines.append(
            f"--fix-level probable would change {more_cells} more cell(s) of {more_users} "
            "user(s): country codes completed, mojibake repaired."
        )
    left = plan.unresolved_errors()
    if left:
        lines.append(f"{len(left)} error(s) have no fix at this level: see the findings.")
    lines.extend(f"Wrote {item}" for item in written)
    lines.extend(notes)
    console = Console(file=sys.stdout, force_terminal=color, no_color=not color, width=width or 120)
    for line in lines:  # one line each, unwrapped: a count list can be long
        console.print(Text(line), soft_wrap=True)
    console.print(Group(*advice_panels(plan.report)))


def register(app: typer.Typer) -> None:
    from motiscim_cli.options import stdout_guarded

    app.command("fix")(stdout_guarded(fix))
