"""`motiscim preflight EXPORT…`: the whole preflight in one command, with one verdict.

check (the export, user by user) + connect (when a tenant URL is known) + mapping (when
`--schema` is given) + the notification email of guide step 47. Each part is the same code its
own command runs; this module only decides the order, the verdict and the layout.
"""

from __future__ import annotations

import dataclasses
import io
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from checks.rules.mapping import MappingCheck
    from motiscim_cli.commands.email import EmailSettings
    from motiscim_cli.config import Config
    from motiscim_cli.email_draft import Attachment, Draft
    from motiscim_cli.email_users import Selection
    from motiscim_cli.report import Report

FORMATS = ("table", "json")
EXIT_OK, EXIT_NOT_READY, EXIT_USAGE = 0, 1, 2
SKIPPED_CONNECTION = (
    "no tenant URL given: run motiscim preflight … --tenant-url URL or motiscim connect URL"
)
NO_SCHEMA = (
    "not checked: add --schema SCHEMA.json (Provisioning → Edit attribute mappings → Show "
    "advanced options → Review your schema here → Download) to verify steps 14–38"
)


class PreflightUsageError(Exception):
    """A one-line usage problem (exit 2)."""


@dataclass(slots=True)
class Outcome:
    """Everything preflight found, for the renderers and the exit code."""

    report: Report
    selection: Selection | None  # None when the export could not be read
    draft: Draft | None
    refusal: str | None  # why no email was drafted
    mapping_checks: list[MappingCheck] = field(default_factory=list)
    token_origin: str | None = None
    eml: Path | None = None
    fail_on: str = "error"

    @property
    def test_users_ok(self) -> bool:
        return self.selection is not None and not self.selection.problems

    def exit_code(self) -> int:
        from motiscim_cli.run import exit_code

        code = exit_code(self.report, self.fail_on)
        if code == EXIT_USAGE:
            return code
        if not self.test_users_ok or (self.selection is not None and not self.selection.users):
            return EXIT_NOT_READY
        return code

    @property
    def verdict(self) -> str:
        code = self.exit_code()
        return {EXIT_OK: "ready", EXIT_NOT_READY: "not-ready"}.get(code, "unknown")


# ---- the work ---------------------------------------------------------------------------------


def phone_error_counts(report: Report) -> tuple[int, int]:
    """(users with a phone error, of whom without any suggested fix) for M008."""
    from checks.model import Severity

    fixable: dict[tuple[str, int], bool] = {}
    for finding in report.findings:
        if (
            finding.attribute != "phone_number"
            or finding.row is None
            or finding.severity is not Severity.ERROR
            or finding.suppressed is not None
        ):
            continue
        key = (finding.source or "", finding.row)
        fixable[key] = fixable.get(key, False) or finding.fix is not None
    return len(fixable), sum(1 for has_fix in fixable.values() if not has_fix)


def run_preflight(
    exports: Sequence[str],
    *,
    tenant_url: str | None = None,
    token_file: Path | None = None,
    test_users: Sequence[str] | None = None,
    schema: str | None = None,
    eml: Path | None = None,
    attach: Sequence[Path] | None = None,
    org: str | None = None,
    to: str | None = None,
    sender: str | None = None,
    force: bool = False,
    output_format: str = "table",
    output: Path | None = None,
    region: str | None = None,
    fail_on: str = "error",
    config_path: Path | None = None,
    ca_bundle: Path | None = None,
    timeout: float | None = None,
    interactive: bool | None = None,
    no_color: bool = False,
) -> int:
    """The command's work, returning its exit code."""
    from motiscim_cli.commands.email import (
        EmailUsageError,
        check_writable,
        load_config,
        read_attachments,
        resolve_settings,
    )
    from motiscim_cli.connect import (
        TokenUnavailable,
        resolve_tenant_url,
        resolve_token,
        secret_forms,
    )
    from motiscim_cli.run import FAIL_ON

    token: str | None = None
    origin: str | None = None
    url: str | None = None
    try:
        if output_format not in FORMATS:
            raise PreflightUsageError(f"--format: choose one of {', '.join(FORMATS)}.")
        if fail_on not in FAIL_ON:
            raise PreflightUsageError(f"--fail-on: choose one of {', '.join(FAIL_ON)}.")
        if region is not None and not (len(region) == 2 and region.isalpha()):
            raise PreflightUsageError("--region: a two-letter ISO country code, e.g. NO.")
        config = load_config(config_path)
        settings = resolve_settings(
            to=to,
            organisation=org,
            contact=sender,
            tenant_url=tenant_url,
            test_users=test_users,
            attachments=attach,
            config=config,
        )
        attachments = read_attachments(settings.attachments)
        inputs = [*exports, schema, config.path, token_file, ca_bundle, *settings.attachments]
        check_writable(eml, force=force, inputs=inputs, what="--eml")
        check_writable(output, force=force, inputs=inputs, what="--output")
        url = resolve_tenant_url(tenant_url, configured=config.tenant_url)
        if url is not None:
            if ca_bundle is not None:
                _usable_ca_bundle(ca_bundle)
            if interactive is None:
                interactive = sys.stdin.isatty()
            from motiscim_cli.commands.connect import _prompt_for_token

            token, origin = resolve_token(
                token_file, prompt=_prompt_for_token if interactive else None
            )
    except (PreflightUsageError, EmailUsageError, TokenUnavailable) as error:
        typer.echo(f"motiscim preflight: {error}", err=True)
        return EXIT_USAGE

    outcome = _gather(
        exports,
        config=config,
        url=url,
        token=token,
        schema=schema,
        settings=settings,
        force=force,
        region=region,
        ca_bundle=ca_bundle,
        timeout=timeout,
    )
    # Last line of defence: whatever ends up in an output (a token pasted into the tenant URL,
    # a server echoing it), these forms of the token are masked in everything written.
    secrets = secret_forms(token) if token is not None else ()
    del token  # nothing below needs it
    if isinstance(outcome, int):
        return outcome
    outcome.token_origin = origin
    outcome.fail_on = fail_on
    return _finish(outcome, settings, attachments, eml, output_format, output, no_color, secrets)


def _usable_ca_bundle(path: Path) -> None:
    import ssl

    from motiscim_cli.connect import tls_context

    try:
        tls_context(path)
    except (OSError, ssl.SSLError) as error:
        raise PreflightUsageError(f"cannot use the CA bundle {path}: {error}.") from None


def _gather(
    exports: Sequence[str],
    *,
    config: Config,
    url: str | None,
    token: str | None,
    schema: str | None,
    settings: EmailSettings,
    force: bool,
    region: str | None,
    ca_bundle: Path | None,
    timeout: float | None,
) -> Outcome | int:
    from motiscim_cli.commands.email import draft_email, refusal_message, run_checked
    from motiscim_cli.commands.mapping import UnreadableSchema, check_schema_file
    from motiscim_cli.connect import check_connection
    from motiscim_cli.email_users import UserDirectory
    from motiscim_cli.report import ConnectionResult

    directory = UserDirectory(settings.test_users)
    report, errors = run_checked(exports, config, region, directory)
    for error in errors:
        typer.echo(error.line(), err=True)

    if url is not None and token is not None:
        options: dict[str, Any] = {"verify": ca_bundle}
        if timeout is not None:
            options["timeout"] = timeout
        report.connection = check_connection(url, token, **options)
    else:
        report.connection = ConnectionResult(url="", ok=False, skipped=SKIPPED_CONNECTION)

    mapping_checks: list[MappingCheck] = []
    if schema is not None:
        phone_users, unfixable = phone_error_counts(report)
        try:
            report.mapping, mapping_checks = check_schema_file(
                schema, phone_error_users=phone_users, unfixable=unfixable
            )
        except UnreadableSchema as error:
            typer.echo(f"motiscim preflight: {error.line().removeprefix('motiscim: ')}", err=True)
            return EXIT_USAGE

    if report.unreadable:
        return Outcome(
            report=report,
            selection=None,
            draft=None,
            refusal="an export could not be read",
            mapping_checks=mapping_checks,
        )
    selection = directory.select(report, force=force)
    refusal = refusal_message(selection, force=force)
    if refusal is None and not selection.users:
        refusal = "no email drafted: no test user (see Test users)."
    draft = None if refusal is not None else draft_email(report, selection, settings)
    return Outcome(
        report=report,
        selection=selection,
        draft=draft,
        refusal=refusal.removeprefix("no email drafted: ") if refusal else None,
        mapping_checks=mapping_checks,
    )


def _finish(
    outcome: Outcome,
    settings: EmailSettings,
    attachments: Sequence[Attachment],
    eml: Path | None,
    output_format: str,
    output: Path | None,
    no_color: bool,
    secrets: Sequence[str] = (),
) -> int:
    from motiscim_cli.commands.email import EmailUsageError, hints, write_eml
    from motiscim_cli.connect import redact
    from motiscim_cli.options import emit, terminal_width, use_color

    if outcome.draft is not None and secrets:
        outcome.draft = dataclasses.replace(
            outcome.draft,
            **{
                name: redact(getattr(outcome.draft, name), secrets)
                for name in ("to", "subject", "text", "markdown", "html")
            },
        )
    if outcome.draft is not None and eml is not None:
        try:
            write_eml(eml, outcome.draft, attachments)
        except EmailUsageError as error:
            typer.echo(f"motiscim preflight: {error}", err=True)
            return EXIT_USAGE
        outcome.eml = eml
    if output_format == "json":
        import json

        text = json.dumps(preflight_json(outcome), indent=2, ensure_ascii=False) + "\n"
    else:
        color = output is None and use_color(no_color)
        text = render_table(outcome, color=color, width=terminal_width())
    text = redact(text, secrets)
    try:
        emit(text, str(output) if output is not None else None)
    except OSError as error:
        typer.echo(f"motiscim preflight: cannot write {output}: {error.strerror}", err=True)
        return EXIT_USAGE
    if output_format == "json" and outcome.selection is not None:
        from motiscim_cli.commands.email import selection_messages

        for line in selection_messages(outcome.selection):
            typer.echo(line, err=True)
    if outcome.draft is not None:
        for line in hints(settings, schema_checked=outcome.report.mapping is not None):
            typer.echo(line, err=True)
    return outcome.exit_code()


# ---- JSON ----------------------------------------------------------------------------------------


def _part_states(outcome: Outcome) -> dict[str, str]:
    report = outcome.report
    connection = report.connection
    if connection is None or connection.skipped:
        connection_state = "skipped"
    else:
        connection_state = "ok" if connection.ok else "failed"
    if report.mapping is None:
        mapping_state = "not-checked"
    else:
        mapping_state = "ok" if report.mapping.ok else "failed"
    selection = outcome.selection
    if selection is None:
        users_state = "unknown"
    elif selection.problems:
        users_state = "problems"
    elif not selection.users:
        users_state = "none"
    else:
        users_state = "suggested" if selection.suggested else "ok"
    return {
        "export": report.verdict,
        "connection": connection_state,
        "mapping": mapping_state,
        "test_users": users_state,
        "email": "drafted" if outcome.draft is not None else "not-drafted",
    }


def preflight_json(outcome: Outcome) -> dict[str, Any]:
    """The report/v1 object with `connection` filled, plus two added fields: `preflight` (the
    one verdict and the state of each part) and `email` (the draft's headers and test users)."""
    data = outcome.report.to_json()
    data["preflight"] = {"verdict": outcome.verdict, "parts": _part_states(outcome)}
    selection = outcome.selection
    draft = outcome.draft
    data["email"] = {
        "drafted": draft is not None,
        "not_drafted_because": outcome.refusal,
        "to": draft.to if draft else None,
        "subject": draft.subject if draft else None,
        "suggested": bool(selection and selection.suggested),
        "test_users": [
            {
                "user_principal_name": u.user_principal_name,
                "object_id": u.object_id,
                "email": u.email,
                "source": u.source,
                "row": u.row,
                "error_rules": list(u.error_rules),
            }
            for u in (selection.users if selection else [])
        ],
        "problems": [
            {
                "test_user": p.wanted,
                "reason": p.reason,
                "message": p.message,
                "closest": p.closest,
                "rules": p.rules,
            }
            for p in (selection.problems if selection else [])
        ],
        "warnings": list(selection.warnings) if selection else [],
        "eml": str(outcome.eml) if outcome.eml is not None else None,
        "text": draft.text if draft else None,
    }
    return data


# ---- the terminal -------------------------------------------------------------------------------


def render_table(outcome: Outcome, *, color: bool = False, width: int | None = None) -> str:
    """Verdict first (one panel, each part on a line), then the export's findings, the
    connection, the mapping, the test users and the email draft."""
    from rich import box
    from rich.console import Console
    from rich.panel import Panel
    from rich.rule import Rule
    from rich.table import Table
    from rich.text import Text

    from motiscim_cli.commands.connect import render_connection
    from motiscim_cli.commands.mapping import render_table as render_mapping
    from motiscim_cli.render.table import counts_table, findings_tables

    report = outcome.report
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        width=width or _columns(),
        highlight=False,
        emoji=False,
    )
    verdict = outcome.verdict
    title, style = {
        "ready": ("PREFLIGHT: READY", "bold green"),
        "not-ready": ("PREFLIGHT: NOT READY", "bold red"),
    }.get(verdict, ("PREFLIGHT: CANNOT TELL", "bold red"))
    parts = Table.grid(padding=(0, 2))
    parts.add_column(style="bold", no_wrap=True)
    parts.add_column(no_wrap=True)
    parts.add_column()
    for name, state, detail in _part_lines(outcome):
        state_style = {"ok": "green", "fail": "bold red", "todo": "yellow"}[state[0]]
        parts.add_row(name, Text(state[1], style=state_style), Text(detail))
    console.print(Panel(parts, title=Text(title, style=style), title_align="left", box=box.HEAVY))

    export_only = dataclasses.replace(report, connection=None, mapping=None)
    sources = ", ".join(
        f"{s.path} ({s.format}, {s.encoding or '-'}, {s.records} users)" for s in report.sources
    )
    if sources:
        console.print(Text(f"Read: {sources}", style="dim"))
    counts = counts_table(export_only)
    if counts is not None:
        console.print(counts)
    for part in findings_tables(export_only, False):
        console.print(part)

    console.print()
    console.print(Rule("Connection", align="left"))
    connection = report.connection
    if connection is None or connection.skipped:
        console.print(Text(f"Skipped: {SKIPPED_CONNECTION}.", style="yellow"))
    else:
        stream = io.StringIO()
        render_connection(connection, outcome.token_origin, stream, terminal=False)
        console.print(Text(stream.getvalue().rstrip("\n")))

    console.print()
    console.print(Rule("Attribute mapping", align="left"))
    if report.mapping is None:
        console.print(Text(f"Mapping {NO_SCHEMA}.", style="yellow"))
    else:
        console.print(
            Text(render_mapping(report.mapping, outcome.mapping_checks, width=width).rstrip())
        )

    console.print()
    console.print(Rule("Test users", align="left"))
    _print_test_users(console, outcome)

    console.print()
    console.print(Rule("Email to Motimate (guide step 47)", align="left"))
    if outcome.draft is None:
        console.print(Text(f"Not drafted: {outcome.refusal}", style="bold red"))
    else:
        if verdict != "ready":
            console.print(
                Text(
                    "Not ready: fix the problems above and run preflight again before sending "
                    "this email.",
                    style="bold red",
                )
            )
        if outcome.eml is not None:
            console.print(
                Text(
                    f"Draft written to {outcome.eml}: open it in Outlook or Thunderbird, check "
                    "it, attach anything missing and send it.",
                    style="green",
                )
            )
        console.print(Text(outcome.draft.headers_text().rstrip("\n")), soft_wrap=True)
    # Rich pads cells to the width; a report file should not end its lines in spaces.
    return "\n".join(line.rstrip() for line in buffer.getvalue().split("\n"))


def _columns(default: int = 160) -> int:
    """$COLUMNS when it is a sensible width (not a tty: CI logs, files), else what check uses."""
    import os

    value = os.environ.get("COLUMNS", "")
    return int(value) if value.isdigit() and 60 <= int(value) <= 400 else default


def _part_lines(outcome: Outcome) -> list[tuple[str, tuple[str, str], str]]:
    report = outcome.report
    ok, fail, todo = "ok", "fail", "todo"
    lines: list[tuple[str, tuple[str, str], str]] = []

    users = report.users
    if report.verdict == "unknown":
        lines.append(("Export", (fail, "UNREADABLE"), "an export could not be read (F001)"))
    elif report.verdict == "not-ready":
        detail = f"{report.users_with_errors} of {users} users would fail to sync"
        file_errors = [f for f in report.findings if f.row is None and f.severity.value == "error"]
        if file_errors:
            detail += f"; {len(file_errors)} file error(s)"
        lines.append(("Export", (fail, "NOT READY"), detail))
    else:
        warned = report.users_with_warnings
        detail = f"all {users} users are predicted to sync"
        if warned:
            detail += f"; {warned} with warnings"
        lines.append(("Export", (ok, "READY"), detail))

    connection = report.connection
    if connection is None or connection.skipped:
        lines.append(("Connection", (todo, "SKIPPED"), SKIPPED_CONNECTION))
    elif connection.ok:
        lines.append(("Connection", (ok, "OK"), f"{connection.url} accepted the token"))
    else:
        codes = ", ".join(
            dict.fromkeys(f.rule for f in connection.findings if f.severity.value == "error")
        )
        lines.append(("Connection", (fail, "FAILED"), f"{connection.url} ({codes})"))

    mapping = report.mapping
    if mapping is None:
        lines.append(("Mapping", (todo, "NOT CHECKED"), "add --schema SCHEMA.json"))
    elif mapping.ok:
        lines.append(("Mapping", (ok, "OK"), f"{mapping.path} follows the guide"))
    else:
        codes = ", ".join(
            dict.fromkeys(f.rule for f in mapping.findings if f.severity.value == "error")
        )
        lines.append(("Mapping", (fail, "NOT AS THE GUIDE"), f"{mapping.path} ({codes})"))

    selection = outcome.selection
    if selection is None:
        lines.append(("Test users", (fail, "UNKNOWN"), "the export could not be read"))
    elif selection.problems:
        lines.append(
            ("Test users", (fail, "PROBLEMS"), f"{len(selection.problems)} cannot be used")
        )
    elif not selection.users:
        lines.append(("Test users", (fail, "NONE"), "no user without errors to suggest"))
    elif selection.suggested:
        names = ", ".join(u.label() for u in selection.users)
        lines.append(("Test users", (todo, "SUGGESTED"), f"{names}; name yours with --test-user"))
    else:
        lines.append(("Test users", (ok, "OK"), ", ".join(u.label() for u in selection.users)))

    if outcome.draft is not None:
        where = f"written to {outcome.eml} and shown below" if outcome.eml else "shown below"
        lines.append(("Email", (ok, "DRAFTED"), where))
    else:
        lines.append(("Email", (fail, "NOT DRAFTED"), outcome.refusal or ""))
    if outcome.fail_on not in ("error", "never") and report.verdict == "ready":
        worst = report.worst_severity()
        if worst is not None and outcome.exit_code() == EXIT_NOT_READY:
            lines.append(("Fail on", (fail, outcome.fail_on.upper()), f"{worst.value} findings"))
    return lines


def _print_test_users(console: Any, outcome: Outcome) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    selection = outcome.selection
    if selection is None:
        console.print(Text("Not chosen: an export could not be read."))
        return
    if selection.suggested and selection.users:
        console.print(
            Text(
                "SUGGESTED (no test user named): the first users with no errors. Name the users "
                "you assigned to the application with --test-user UPN_OR_OBJECT_ID.",
                style="yellow",
            )
        )
    if selection.users:
        table = Table(box=box.SIMPLE, show_edge=False)
        table.add_column("UPN", overflow="fold")
        table.add_column("Object ID", no_wrap=True)
        table.add_column("Email", overflow="fold")
        table.add_column("Row", no_wrap=True)
        table.add_column("Note")
        several = len(outcome.report.sources) > 1
        for user in selection.users:
            if user.error_rules:
                note = Text(f"has errors: {', '.join(user.error_rules)}", style="bold red")
            else:
                note = Text("SUGGESTED" if selection.suggested else "no errors")
            table.add_row(
                user.user_principal_name or "-",
                user.object_id or "-",
                user.email or "(no email)",
                f"{user.source} row {user.row}" if several else str(user.row),
                note,
            )
        console.print(table)
    for problem in selection.problems:
        console.print(Text(f"Problem: {problem.message}", style="bold red"))
    for warning in selection.warnings:
        console.print(Text(f"Warning: {warning}", style="yellow"))


# ---- the command ------------------------------------------------------------------------------


def preflight(
    exports: Annotated[
        list[str],
        typer.Argument(
            metavar="EXPORT", help="Export files: Entra CSV, Graph JSON/JSONL, PowerShell CSV."
        ),
    ],
    tenant_url: Annotated[
        str | None,
        typer.Option(
            metavar="URL",
            help="The SCIM tenant URL Motimate sent; tested read-only, as Entra's Test "
            "connection. Default: config, then $MOTIMATE_SCIM_TENANT_URL.",
        ),
    ] = None,
    token_file: Annotated[
        Path | None,
        typer.Option(
            "--token-file",
            metavar="FILE",
            help="Read the Secret Token from FILE (else $MOTIMATE_SCIM_TOKEN, else a hidden "
            "prompt in a terminal).",
            dir_okay=False,
        ),
    ] = None,
    test_user: Annotated[
        list[str] | None,
        typer.Option(
            "--test-user",
            "-u",
            metavar="UPN_OR_OBJECT_ID",
            help="A test user's UPN or objectId; repeat for each. Without it, suggestions.",
        ),
    ] = None,
    schema: Annotated[
        str | None,
        typer.Option(
            metavar="FILE", help="The Entra provisioning schema JSON, to check the mapping too."
        ),
    ] = None,
    eml: Annotated[
        Path | None,
        typer.Option(
            "--eml",
            metavar="FILE",
            help="Write the email as an .eml draft to FILE.",
            dir_okay=False,
        ),
    ] = None,
    attach: Annotated[
        list[Path] | None,
        typer.Option(
            "--attach",
            metavar="FILE",
            help="A mapping screenshot for the .eml; repeat.",
            dir_okay=False,
        ),
    ] = None,
    org: Annotated[
        str | None, typer.Option("--org", metavar="NAME", help="Organisation, for the subject.")
    ] = None,
    to: Annotated[
        str | None,
        typer.Option(
            "--to", metavar="ADDRESS", help="Recipient. [default: support@motimateapp.com]"
        ),
    ] = None,
    sender: Annotated[
        str | None,
        typer.Option("--from", metavar="NAME <ADDRESS>", help='Sign-off: "Name <address>".'),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Draft even with failing test users; replace existing --eml/--output files.",
        ),
    ] = False,
    output_format: Annotated[
        str,
        typer.Option(
            "--format", "-f", metavar="FORMAT", help="table (terminal) or json (report/v1 + email)."
        ),
    ] = "table",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write the report to FILE.", dir_okay=False
        ),
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(metavar="CODE", help="ISO country code for phone numbers without one (NO)."),
    ] = None,
    fail_on: Annotated[
        str,
        typer.Option(
            metavar="LEVEL", help="Exit 1 on findings at or above: error, warning, info, never."
        ),
    ] = "error",
    config: Annotated[
        Path | None,
        typer.Option("--config", metavar="FILE", help="The motiscim config file.", dir_okay=False),
    ] = None,
    ca_bundle: Annotated[
        Path | None,
        typer.Option(
            "--ca-bundle",
            metavar="FILE",
            help="Trust the CAs in this PEM file for the connection test (TLS-inspecting proxy).",
            dir_okay=False,
        ),
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(metavar="SECONDS", help="Seconds to wait for each answer.", min=0.1),
    ] = None,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colour.")] = False,
) -> None:
    """The whole preflight: check the export, test the tenant URL and token, check the mapping,
    and draft the email Motimate needs (guide step 47) — one report, one verdict.

    Without --tenant-url (or config/$MOTIMATE_SCIM_TENANT_URL) the connection test is shown
    as skipped; without --schema the mapping is not checked; without --test-user the first
    users with no errors are suggested. The token is never printed or written.
    Exit 0 ready, 1 not ready, 2 usage error or unreadable input.
    """
    raise typer.Exit(
        run_preflight(
            exports,
            tenant_url=tenant_url,
            token_file=token_file,
            test_users=test_user,
            schema=schema,
            eml=eml,
            attach=attach,
            org=org,
            to=to,
            sender=sender,
            force=force,
            output_format=output_format,
            output=output,
            region=region,
            fail_on=fail_on,
            config_path=config,
            ca_bundle=ca_bundle,
            timeout=timeout,
            no_color=no_color,
        )
    )


def register(app: typer.Typer) -> None:
    app.command("preflight")(preflight)
