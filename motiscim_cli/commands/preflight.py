"""`motiscim preflight EXPORT…`: the whole preflight in one command, with one verdict.

check (the export, user by user) + connect (when a tenant URL is known) + mapping (when
`--schema` is given) + the notification email of guide step 47. With `--schema`, the schema is
read first: the user rules check the column it really feeds each Motimate attribute from
(`motiscim_cli.schema_columns`), and the report says which. Each part is the same code its
own command runs; this module only decides the order, the verdict and the layout. Those parts
are imported when the command runs, not when the CLI loads (`motiscim check` needs none of
them, least of all the HTTP client).
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
    from motiscim_cli.config import Config
    from motiscim_cli.email_draft import Attachment, Draft
    from motiscim_cli.email_users import Selection
    from motiscim_cli.email_workflow import EmailSettings
    from motiscim_cli.report import Report, Verdict
    from motiscim_cli.run import CheckOptions

__all__ = ["preflight", "register", "run_preflight"]

FORMATS = ("table", "json")
EXIT_OK, EXIT_NOT_READY, EXIT_USAGE = 0, 1, 2
SKIPPED_CONNECTION = (
    "no tenant URL given: run motiscim preflight … --tenant-url URL or motiscim connect URL"
)
NO_SCHEMA = (
    "not checked: add --schema SCHEMA.json (Provisioning → Edit attribute mappings → Show "
    "advanced options → Review your schema here → Download) to verify steps 14–38"
)


REASON_WORDS = {"not-found": "not in the export", "has-errors": "errors", "disabled": "disabled"}


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
    eml: str | None = None
    fail_on: str = "error"
    redact: bool = False
    agreed: dict[str, str] | None = None  # the config's mapping: agreed with Motimate

    @property
    def test_users_ok(self) -> bool:
        selection = self.selection
        return selection is not None and not selection.problems and bool(selection.users)

    @property
    def export_verdict(self) -> Verdict:
        """The export's own verdict: its findings only, not the connection or the mapping."""
        return export_only(self.report).verdict

    def failing_parts(self) -> list[str]:
        """The parts that are not ready, in the panel's order: what the headline names (the
        report's own parts, then the test users)."""
        parts: list[str] = list(self.report.failing_parts())
        if not self.test_users_ok:
            parts.append("test users")
        return parts

    @property
    def verdict(self) -> Verdict:
        """What the run found — whatever --fail-on says: that only decides the exit code, as
        in `check`."""
        if self.report.unreadable:
            return "unknown"
        return "not-ready" if self.failing_parts() else "ready"

    def exit_code(self) -> int:
        """run.exit_code (findings at or above --fail-on, a failed connection or mapping, an
        unreadable input), and 1 when the test users cannot be used."""
        from motiscim_cli.run import exit_code

        code = exit_code(self.report, self.fail_on)
        if code == EXIT_USAGE:
            return code
        return EXIT_NOT_READY if not self.test_users_ok else code


def export_only(report: Report) -> Report:
    """The report without the connection and the mapping: the export's own state."""
    return dataclasses.replace(report, connection=None, mapping=None)


# ---- the work ---------------------------------------------------------------------------------


def run_preflight(
    exports: Sequence[str],
    *,
    tenant_url: str | None = None,
    token_file: Path | None = None,
    test_users: Sequence[str] | None = None,
    schema: str | None = None,
    eml: str | None = None,
    attach: Sequence[Path] | None = None,
    org: str | None = None,
    to: str | None = None,
    sender: str | None = None,
    force: bool = False,
    output_format: str | None = None,
    output: str | None = None,
    region: str | None = None,
    fail_on: str = "error",
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    column: Sequence[str] | None = None,
    redact: bool = False,
    config_path: Path | None = None,
    ca_bundle: Path | None = None,
    timeout: float | None = None,
    interactive: bool | None = None,
    no_color: bool = False,
) -> int:
    """The command's work, returning its exit code."""
    from motiscim_cli.connect import (
        TokenUnavailable,
        prompt_for_token,
        resolve_tenant_url,
        resolve_token,
        secret_forms,
    )
    from motiscim_cli.email_workflow import (
        EmailUsageError,
        check_options,
        check_writable,
        load_config,
        read_attachments,
        resolve_settings,
        url_secrets,
    )
    from motiscim_cli.options import choose_output_format, parse_columns, split_codes
    from motiscim_cli.run import FAIL_ON

    token: str | None = None
    origin: str | None = None
    url: str | None = None
    output_format = choose_output_format(output_format, output, supported=FORMATS, default="table")
    try:
        if output_format not in FORMATS:
            raise PreflightUsageError(f"--format: choose one of {', '.join(FORMATS)}.")
        if fail_on not in FAIL_ON:
            raise PreflightUsageError(f"--fail-on: choose one of {', '.join(FAIL_ON)}.")
        from motiscim_cli.options import region_problem

        if region is not None and (problem := region_problem(region)) is not None:
            raise PreflightUsageError(f"--region: {problem}.")
        try:
            selected = split_codes(select)
            ignored = split_codes(ignore, "--ignore")
            columns = parse_columns(column)
        except typer.BadParameter as error:
            raise PreflightUsageError(f"{error.param_hint}: {error.message}.") from None
        config = load_config(config_path)
        options = check_options(config, region, select=selected, ignore=ignored, columns=columns)
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
            token, origin = resolve_token(
                token_file, prompt=prompt_for_token if interactive else None
            )
    except (PreflightUsageError, EmailUsageError, TokenUnavailable) as error:
        typer.echo(f"motiscim preflight: {error}", err=True)
        return EXIT_USAGE

    # Last line of defence: whatever ends up in an output (a token pasted into the tenant URL,
    # a server echoing it), these forms of the token, and the query and user:password of the
    # tenant URL, are masked in everything written.
    secrets = (*(secret_forms(token) if token is not None else ()), *url_secrets(url))
    outcome = _gather(
        exports,
        config=config,
        options=options,
        url=url,
        token=token,
        schema=schema,
        settings=settings,
        force=force,
        ca_bundle=ca_bundle,
        timeout=timeout,
        output_format=output_format,
    )
    del token  # nothing below needs it
    if isinstance(outcome, int):
        return outcome
    outcome.token_origin = origin
    outcome.agreed = dict(config.mapping) or None
    outcome.fail_on = fail_on
    outcome.redact = redact
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
    options: CheckOptions,
    url: str | None,
    token: str | None,
    schema: str | None,
    settings: EmailSettings,
    force: bool,
    ca_bundle: Path | None,
    timeout: float | None,
    output_format: str = "table",
) -> Outcome | int:
    from motiscim_cli.connect import check_connection
    from motiscim_cli.email_users import UserDirectory
    from motiscim_cli.email_workflow import (
        draft_email,
        mask_tenant_url,
        refusal_message,
        run_checked,
    )
    from motiscim_cli.mapping_run import UnreadableSchema, schema_mapping, schema_plan
    from motiscim_cli.options import say_unread_exports
    from motiscim_cli.report import ConnectionResult
    from motiscim_cli.schema_columns import SchemaPlan

    plan: SchemaPlan | None = None
    if schema is not None:
        try:
            plan, parsed, options = schema_plan(schema, options)
        except UnreadableSchema as error:
            typer.echo(f"motiscim preflight: {error.line().removeprefix('motiscim: ')}", err=True)
            return EXIT_USAGE

    directory = UserDirectory(settings.test_users)
    report, errors = run_checked(exports, config, directory, options)
    if say_unread_exports(report, errors) and output_format == "table":
        # As `check` does: nothing read, nothing to report but that line, and no tenant to
        # bother. The JSON report is still written: its F001 and verdict "unknown" are the
        # contract machines read.
        return EXIT_USAGE

    if url is not None and token is not None:
        connect_options: dict[str, Any] = {"verify": ca_bundle}
        if timeout is not None:
            connect_options["timeout"] = timeout
        connection = check_connection(url, token, **connect_options)
        mask_tenant_url(connection, url)  # as connect shows it: no user:password, no query
        report.connection = connection
    else:
        report.connection = ConnectionResult(url="", ok=False, skipped=SKIPPED_CONNECTION)

    mapping_checks: list[MappingCheck] = []
    if plan is not None:
        report.mapping, mapping_checks = schema_mapping(
            plan, parsed, report, dict(config.mapping) or None
        )

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


def _scrubbed(draft: Draft, secrets: Sequence[str]) -> Draft:
    from motiscim_cli.connect import redact
    from motiscim_cli.email_workflow import scrub

    return dataclasses.replace(
        draft,
        **{
            name: scrub(redact(getattr(draft, name), secrets), secrets)
            for name in ("to", "subject", "text", "markdown", "html")
        },
    )


def _finish(
    outcome: Outcome,
    settings: EmailSettings,
    attachments: Sequence[Attachment],
    eml: str | None,
    output_format: str,
    output: str | None,
    no_color: bool,
    secrets: Sequence[str] = (),
) -> int:
    from motiscim_cli.connect import redact
    from motiscim_cli.email_workflow import (
        EmailUsageError,
        hints,
        scrub,
        selection_messages,
        write_eml,
    )
    from motiscim_cli.options import emit, terminal_width, use_color

    if outcome.draft is not None and secrets:
        outcome.draft = _scrubbed(outcome.draft, secrets)
    if outcome.draft is not None and eml is not None:
        try:
            # The .eml is the email to send: Motimate needs the test users' real values, so
            # --redact (for sharing the report) does not mask them there.
            write_eml(eml, outcome.draft, attachments)
        except EmailUsageError as error:
            typer.echo(f"motiscim preflight: {error}", err=True)
            return EXIT_USAGE
        outcome.eml = eml
    shown = redacted(outcome, settings) if outcome.redact else outcome
    if shown.draft is not None and secrets:
        shown.draft = _scrubbed(shown.draft, secrets)
    if output_format == "json":
        import json

        text = json.dumps(preflight_json(shown), indent=2, ensure_ascii=False) + "\n"
    else:
        color = output is None and use_color(no_color)
        text = render_table(shown, color=color, width=terminal_width())
    text = scrub(redact(text, secrets), secrets)
    emit(text, output)  # a file it cannot write: one line, exit 2 (stdout: stdout_guarded)
    if output_format == "json" and shown.selection is not None:
        for line in selection_messages(shown.selection):
            typer.echo(line, err=True)
    if outcome.draft is not None:
        for line in hints(settings, schema_checked=outcome.report.mapping is not None):
            typer.echo(line, err=True)
    return outcome.exit_code()


def redacted(outcome: Outcome, settings: EmailSettings) -> Outcome:
    """The outcome as --redact shows it: the test users' UPNs and emails, the names typed with
    --test-user and the sender's address masked (as `check --redact` masks findings); Object
    IDs stay when they are GUIDs, as in `check`. The draft shown is composed again from the
    masked values."""
    from motiscim_cli.email_users import Problem
    from motiscim_cli.email_workflow import draft_email
    from motiscim_cli.report import mask, redacted_object_id

    selection = outcome.selection
    if selection is None:
        return dataclasses.replace(outcome)
    originals: set[str] = set()
    for user in (*selection.users, *selection.rejected):
        originals.update(v for v in (user.user_principal_name, user.email, user.object_id) if v)
    for problem in selection.problems:
        originals.update([problem.wanted, *problem.closest])
    # An address, and anything that is not a GUID: an Object ID typed as `kari.nordmann` or a
    # phone number names the user as much as an address does.
    sensitive = sorted(
        (v for v in originals if "@" in v or redacted_object_id(v) != v), key=len, reverse=True
    )

    def hide(text: str) -> str:
        for value in sensitive:
            text = text.replace(value, mask(value) or "")
        return text

    def hide_user(user: Any) -> Any:
        return dataclasses.replace(
            user,
            user_principal_name=mask(user.user_principal_name),
            object_id=redacted_object_id(user.object_id),
            email=mask(user.email),
        )

    masked = dataclasses.replace(
        selection,
        users=[hide_user(u) for u in selection.users],
        rejected=[hide_user(u) for u in selection.rejected],
        problems=[
            Problem(
                hide(p.wanted),
                p.reason,
                hide(p.message),
                closest=[hide(c) for c in p.closest],
                rules=list(p.rules),
            )
            for p in selection.problems
        ],
        warnings=[hide(w) for w in selection.warnings],
    )
    draft = outcome.draft
    if draft is not None:
        contact = settings.contact
        if contact is not None and "@" in contact:
            local_domain = contact.rsplit("<", 1)[-1].rstrip(">").strip()
            contact = contact.replace(local_domain, mask(local_domain) or "")
        draft = draft_email(outcome.report, masked, dataclasses.replace(settings, contact=contact))
    return dataclasses.replace(outcome, selection=masked, draft=draft)


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
        "export": outcome.export_verdict,
        "connection": connection_state,
        "mapping": mapping_state,
        "test_users": users_state,
        "email": "drafted" if outcome.draft is not None else "not-drafted",
    }


def preflight_json(outcome: Outcome) -> dict[str, Any]:
    """The report/v1 object with `connection` filled, plus two added fields: `preflight` (the
    one verdict and the state of each part) and `email` (the draft's headers and test users)."""
    data = outcome.report.to_json(redact=outcome.redact)
    data["preflight"] = {
        "verdict": outcome.verdict,
        "parts": _part_states(outcome),
        "failing": outcome.failing_parts(),
        # --fail-on decides the exit code only; the verdict above is what was found
        "fail_on": outcome.fail_on,
        "exit_code": outcome.exit_code(),
    }
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
        "eml": outcome.eml,
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

    from motiscim_cli.render.connection_table import render_connection
    from motiscim_cli.render.mapping_table import render_mapping
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
        # Name what is not ready: a mapping problem is not an export problem.
        "not-ready": (f"PREFLIGHT: NOT READY ({', '.join(outcome.failing_parts())})", "bold red"),
    }.get(verdict, ("PREFLIGHT: CANNOT TELL", "bold red"))
    parts = Table.grid(padding=(0, 2))
    parts.add_column(style="bold", no_wrap=True)
    parts.add_column(no_wrap=True)
    parts.add_column()
    for name, state, detail in _part_lines(outcome):
        state_style = {"ok": "green", "fail": "bold red", "todo": "yellow"}[state[0]]
        parts.add_row(name, Text(state[1], style=state_style), Text(detail))
    console.print(Panel(parts, title=Text(title, style=style), title_align="left", box=box.HEAVY))

    export = export_only(report)
    sources = ", ".join(
        f"{s.path} ({s.format}, {s.encoding or '-'}, {s.records} users)" for s in report.sources
    )
    if sources:
        console.print(Text(f"Read: {sources}", style="dim"))
    if report.mapping is not None and report.mapping.user_sources:
        # Say which columns were checked because of the schema, before the findings on them.
        console.print(Text(f"Columns from the schema {report.mapping.path}:"))
        for source in report.mapping.user_sources:
            console.print(Text(f"  {source.note}"))
    counts = counts_table(export)
    if counts is not None:
        console.print(counts)
    for part in findings_tables(export, outcome.redact):
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
            Text(
                render_mapping(
                    report.mapping, outcome.mapping_checks, width=width, agreed=outcome.agreed
                ).rstrip()
            )
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

    # The export's own state: its findings, not the connection's or the mapping's.
    export = export_only(report)
    users = report.users
    if export.verdict == "unknown":
        lines.append(("Export", (fail, "UNREADABLE"), "an export could not be read (F001)"))
    elif export.verdict == "not-ready":
        reasons = []
        if report.users_with_errors:
            reasons.append(f"{report.users_with_errors} of {users} users would fail to sync")
        file_errors = [
            f for f in export.active_findings() if f.row is None and f.severity.value == "error"
        ]
        if file_errors:
            codes = ", ".join(dict.fromkeys(f.rule for f in file_errors))
            reasons.append(f"{len(file_errors)} file error(s) ({codes})")
        lines.append(("Export", (fail, "NOT READY"), "; ".join(reasons)))
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
        warnings = [f.rule for f in mapping.findings if f.severity.value == "warning"]
        if warnings:
            # M010 and friends: it will work, but it is not what the guide says.
            codes = ", ".join(dict.fromkeys(warnings))
            detail = f"{mapping.path}: no errors; {len(warnings)} warning(s) ({codes})"
        else:
            detail = f"{mapping.path} follows the guide"
        lines.append(("Mapping", (ok, "OK"), detail))
    else:
        codes = ", ".join(
            dict.fromkeys(f.rule for f in mapping.findings if f.severity.value == "error")
        )
        lines.append(("Mapping", (fail, "NOT AS THE GUIDE"), f"{mapping.path} ({codes})"))

    selection = outcome.selection
    if selection is None:
        lines.append(("Test users", (fail, "UNKNOWN"), "the export could not be read"))
    elif selection.problems:
        reasons = ", ".join(
            dict.fromkeys(REASON_WORDS.get(p.reason, p.reason) for p in selection.problems)
        )
        lines.append(
            (
                "Test users",
                (fail, "PROBLEMS"),
                f"{len(selection.problems)} cannot be used ({reasons})",
            )
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
    # --fail-on changes the exit code, never the verdict: say so when they differ.
    code = outcome.exit_code()
    if outcome.verdict == "ready" and code == EXIT_NOT_READY:
        worst = report.worst_severity()
        found = f"{worst.value} findings" if worst is not None else "findings"
        lines.append(("Fail on", (fail, outcome.fail_on.upper()), f"exit 1: {found} (--fail-on)"))
    elif outcome.verdict == "not-ready" and code == EXIT_OK:
        lines.append(
            (
                "Fail on",
                (todo, outcome.fail_on.upper()),
                f"exit 0 although not ready (--fail-on {outcome.fail_on})",
            )
        )
    return lines


def _print_test_users(console: Any, outcome: Outcome) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from motiscim_cli.email_draft import DISABLED_RULE

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
            if user.error_rules == (DISABLED_RULE,):
                note = Text(f"disabled ({DISABLED_RULE})", style="bold red")
            elif user.error_rules:
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
            metavar="FILE",
            help="The Entra provisioning schema JSON, to check the mapping too; the user rules "
            "then check the columns it feeds each Motimate attribute from (--column wins).",
        ),
    ] = None,
    # --eml and --output are str, not Path, which drops a trailing '/' ('nodir/' names a
    # directory, and would be written as a file 'nodir').
    eml: Annotated[
        str | None,
        typer.Option("--eml", metavar="FILE", help="Write the email as an .eml draft to FILE."),
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
        str | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="table (terminal) or json (report/v1 + email). Default: from the --output "
            "extension (.json; .txt is table), else table.",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        str | None, typer.Option("--output", "-o", metavar="FILE", help="Write the report to FILE.")
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
    redact: Annotated[
        bool,
        typer.Option(
            help="Mask emails, phone numbers and UPNs in the report (not in the --eml draft: "
            "Motimate needs the test users' values)."
        ),
    ] = False,
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
            select=select,
            ignore=ignore,
            column=column,
            redact=redact,
            config_path=config,
            ca_bundle=ca_bundle,
            timeout=timeout,
            no_color=no_color,
        )
    )


def register(app: typer.Typer) -> None:
    from motiscim_cli.options import stdout_guarded

    app.command("preflight")(stdout_guarded(preflight))
