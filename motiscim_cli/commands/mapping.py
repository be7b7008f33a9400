"""`motiscim mapping SCHEMA.json`: the Entra provisioning schema against the guide (M001–M010).

`read_schema(path)` and `check_schema_file(path)` are the pieces `preflight --schema` reuses.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from checks.mapping_schema import ProvisioningSchema
    from checks.rules.mapping import MappingCheck
    from motiscim_cli.report import MappingResult

FORMATS = ("table", "json")


class UnreadableSchema(Exception):
    """The schema file cannot be used: missing, not JSON, or not a provisioning schema."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason

    def line(self) -> str:
        return f"motiscim: cannot read {self.path}: {self.reason}"


def _decode(data: bytes) -> str:
    """UTF-8 with or without BOM; UTF-16 with a BOM (Windows PowerShell's Out-File)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    if data.startswith(b"PK\x03\x04"):
        raise ValueError("it is a ZIP archive (an .xlsx workbook?), not JSON")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})"
        ) from None


def read_schema(path: str) -> ProvisioningSchema:
    """Read and parse a schema file; every failure is an `UnreadableSchema` with one reason."""
    from checks.mapping_schema import SchemaError, parse_schema

    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise UnreadableSchema(path, "no such file") from None
    except IsADirectoryError:
        raise UnreadableSchema(path, "it is a directory, not a file") from None
    except PermissionError:
        raise UnreadableSchema(path, "permission denied") from None
    except OSError as error:
        raise UnreadableSchema(path, error.strerror or str(error)) from None
    try:
        text = _decode(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise UnreadableSchema(path, str(error)) from None
    if not text.strip():
        raise UnreadableSchema(path, "the file is empty")
    try:
        value: Any = json.loads(text)
    except json.JSONDecodeError as error:
        raise UnreadableSchema(
            path, f"not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    except RecursionError:
        raise UnreadableSchema(path, "not usable JSON (nested too deeply)") from None
    try:
        return parse_schema(value)
    except SchemaError as error:
        raise UnreadableSchema(path, f"not an Entra provisioning schema: {error.reason}") from None


def check_schema_file(
    path: str,
    *,
    phone_error_users: int | None = None,
    unfixable: int = 0,
    agreed: Mapping[str, str] | None = None,
) -> tuple[MappingResult, list[MappingCheck]]:
    """Run the schema rules (and M008 given an export's phone-error counts) on a schema file.

    `agreed` is the config's `mapping:` (the sources agreed with Motimate). Raises
    `UnreadableSchema`. `MappingResult.ok` is False when any finding is an error.
    """
    return mapping_result(
        path,
        read_schema(path),
        phone_error_users=phone_error_users,
        unfixable=unfixable,
        agreed=agreed,
    )


def mapping_result(
    path: str,
    schema: ProvisioningSchema,
    *,
    phone_error_users: int | None = None,
    unfixable: int = 0,
    agreed: Mapping[str, str] | None = None,
) -> tuple[MappingResult, list[MappingCheck]]:
    from checks.model import Severity
    from checks.rules.mapping import evaluate
    from motiscim_cli.report import MappingResult

    checks = evaluate(
        schema,
        source=path,
        phone_error_users=phone_error_users,
        unfixable=unfixable,
        agreed=agreed,
    )
    findings = [check.finding for check in checks]
    ok = not any(f.severity is Severity.ERROR for f in findings)
    return MappingResult(path=path, ok=ok, findings=findings), checks


def export_phone_errors(path: str, region: str | None = None) -> tuple[int, int]:
    """(users whose phone number will fail, of whom without a suggested fix) in an export.

    Runs only the phone rules (P001–P006 are errors). Raises `ExportUnreadable` with the
    loader's one-line reason when the file cannot be read.
    """
    from motiscim_cli.commands.preflight import phone_error_counts
    from motiscim_cli.run import CheckOptions, run_check

    report, errors = run_check([path], CheckOptions(region=region, select=["P"]))
    if errors:
        raise ExportUnreadable(errors[0].line())
    return phone_error_counts(report)


class ExportUnreadable(Exception):
    """The --export file could not be read; `line` is the one-line message."""

    def __init__(self, line: str) -> None:
        super().__init__(line)
        self.line = line


def render_table(
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
        str, typer.Option("--format", "-f", help="table (terminal) or json (motiscim.report/v1).")
    ] = "table",
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write the report to FILE.")
    ] = None,
    export: Annotated[
        str | None,
        typer.Option(
            "--export",
            metavar="FILE",
            help="A user export (Entra CSV, Graph JSON, PowerShell CSV): M008 then counts the "
            "users whose mobile numbers will fail while mobile is mapped.",
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
    --export, a mapped mobile while users' phone numbers will fail.
    Exit 0 ready (no errors), 1 errors found, 2 unreadable file, not a schema or an unusable
    config file.
    """
    from motiscim_cli.config import ConfigError, load_config
    from motiscim_cli.options import emit, refuse_unsafe_output, terminal_width, use_color
    from motiscim_cli.render.json_report import render as render_json
    from motiscim_cli.report import Report

    if output_format not in FORMATS:
        raise typer.BadParameter(f"choose one of: {', '.join(FORMATS)}", param_hint="--format")
    if region is not None and not (len(region) == 2 and region.isalpha()):
        raise typer.BadParameter("a two-letter ISO country code, e.g. NO", param_hint="--region")
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
    if export is not None:
        try:
            phone_users, unfixable = export_phone_errors(export, region.upper() if region else None)
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
    if output_format == "json":
        text = render_json(Report(mapping=result))
    else:
        color = output is None and use_color(no_color)
        text = render_table(
            result, checks, color=color, width=terminal_width(), agreed=settings.mapping
        )
    try:
        emit(text, output)
    except OSError as error:
        typer.echo(f"motiscim: cannot write {output}: {error.strerror or error}", err=True)
        raise typer.Exit(2) from None
    raise typer.Exit(0 if result.ok else 1)


def register(app: typer.Typer) -> None:
    app.command("mapping")(mapping)
