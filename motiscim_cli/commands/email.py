"""`motiscim email EXPORT… --test-user …`: the notification email of guide step 47.

The helpers here (`EmailSettings`, `resolve_settings`, `read_attachments`, `draft_email`,
`write_eml`) are shared with `preflight`, which drafts the same email after its other checks.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from motiscim_cli.config import Config
    from motiscim_cli.email_draft import Attachment, Draft
    from motiscim_cli.email_users import Selection, UserDirectory
    from motiscim_cli.report import Report
    from motiscim_cli.run import CheckOptions, ReadError

EMAIL_FORMATS = ("text", "markdown")
EXIT_OK, EXIT_NOT_READY, EXIT_USAGE = 0, 1, 2


class EmailUsageError(Exception):
    """A one-line usage problem (exit 2); the message says what to do."""


@dataclass(slots=True)
class EmailSettings:
    """Everything the email needs besides the report, after config and environment."""

    to: str
    organisation: str | None
    contact: str | None
    tenant_url: str | None  # as shown: trimmed, any user:password@ masked
    test_users: list[str]
    attachments: list[Path]


def resolve_settings(
    *,
    to: str | None,
    organisation: str | None,
    contact: str | None,
    tenant_url: str | None,
    test_users: Sequence[str] | None,
    attachments: Sequence[Path] | None,
    config: Config | None = None,
    environ: Mapping[str, str] | None = None,
) -> EmailSettings:
    """Command-line values win over the config file, which wins over the environment."""
    from motiscim_cli.connect import resolve_tenant_url, shown_url
    from motiscim_cli.email_draft import DEFAULT_TO

    url = resolve_tenant_url(
        tenant_url,
        configured=config.tenant_url if config is not None else None,
        environ=os.environ if environ is None else environ,
    )
    chosen_to = (to or DEFAULT_TO).strip()
    if "@" not in chosen_to or any(c.isspace() for c in chosen_to):
        raise EmailUsageError(f"--to: {chosen_to!r} is not an email address.")
    named = [u for u in (test_users or ()) if u.strip()]
    if not named and config is not None:
        named = [u for u in config.test_users if u.strip()]
    return EmailSettings(
        to=chosen_to,
        organisation=organisation or (config.organisation if config is not None else None),
        contact=contact or (config.contact if config is not None else None),
        tenant_url=shown_url(url) if url else None,
        test_users=named,
        attachments=list(attachments or ()),
    )


def read_attachments(paths: Sequence[Path]) -> list[Attachment]:
    """The screenshots as attachments; an unreadable one is a usage error, said plainly."""
    from motiscim_cli.email_draft import attachment_from_bytes

    result = []
    for path in paths:
        try:
            data = path.read_bytes()
        except IsADirectoryError:
            raise EmailUsageError(f"--attach {path}: it is a directory, not a file.") from None
        except OSError as error:
            raise EmailUsageError(
                f"--attach {path}: cannot read it ({error.strerror or type(error).__name__})."
            ) from None
        result.append(attachment_from_bytes(path.name, data))
    return result


def check_writable(
    target: Path | None,
    *,
    force: bool,
    inputs: Sequence[str | os.PathLike[str] | None],
    what: str,
) -> None:
    """Refuse to overwrite an input, or any existing file without --force (`prepare_output`)."""
    from motiscim_cli.files import OutputRefused, prepare_output

    try:
        prepare_output(target, inputs=inputs, force=force, what=what)
    except OutputRefused as error:
        raise EmailUsageError(str(error)) from None


def draft_email(report: Report, selection: Selection, settings: EmailSettings) -> Draft:
    from motiscim_cli.email_draft import EmailOptions, compose

    return compose(
        report,
        selection.users,
        EmailOptions(
            to=settings.to,
            organisation=settings.organisation,
            contact=settings.contact,
            tenant_url=settings.tenant_url,
            attachments=[p.name for p in settings.attachments],
            suggested=selection.suggested,
        ),
    )


def write_eml(path: Path, draft: Draft, attachments: Sequence[Attachment]) -> None:
    from motiscim_cli.email_draft import to_eml
    from motiscim_cli.files import write_bytes_atomic

    try:
        write_bytes_atomic(path, to_eml(draft, attachments))
    except OSError as error:
        raise EmailUsageError(
            f"cannot write {path}: {error.strerror or type(error).__name__}."
        ) from None


def selection_messages(selection: Selection) -> list[str]:
    """What to tell the admin about the test users, one line each, for stderr."""
    lines = [f"motiscim: {problem.message}" for problem in selection.problems]
    lines += [f"motiscim: warning: {warning}" for warning in selection.warnings]
    if selection.suggested and selection.users:
        names = ", ".join(u.label() for u in selection.users)
        lines.append(
            f"motiscim: SUGGESTED test users (no errors): {names}. Name the users you assigned "
            "to the application with --test-user UPN_OR_OBJECT_ID."
        )
    return lines


def refusal_message(selection: Selection, *, force: bool) -> str | None:
    """Why no email is drafted, or None when it is."""
    if not selection.problems:
        return None
    if not force:
        return (
            f"no email drafted: {len(selection.problems)} test user(s) cannot be used. Fix "
            "them or choose others; --force drafts the email anyway."
        )
    if not selection.users:
        return "no email drafted: none of the test users is in the export."
    return None


def hints(settings: EmailSettings, *, schema_checked: bool = True) -> list[str]:
    lines = []
    if not settings.organisation:
        lines.append("motiscim: hint: name your organisation in the subject with --org NAME.")
    if not settings.contact:
        lines.append('motiscim: hint: sign the email with --from "Name <address>".')
    if len(settings.attachments) < 2:
        lines.append(
            "motiscim: hint: attach the screenshots of the Users and Groups attribute mappings "
            "(--attach FILE, twice) or add them in your mail client."
        )
    if not schema_checked:
        lines.append(
            "motiscim: hint: --schema SCHEMA.json (the provisioning schema downloaded from "
            "Entra) verifies the checklist instead of leaving it to the screenshots."
        )
    return lines


def email(
    exports: Annotated[
        list[str], typer.Argument(metavar="EXPORT", help="The export the test users are in.")
    ],
    test_user: Annotated[
        list[str] | None,
        typer.Option(
            "--test-user",
            "-u",
            metavar="UPN_OR_OBJECT_ID",
            help="A test user's UPN or objectId, as in the export; repeat for each (1–5).",
        ),
    ] = None,
    org: Annotated[
        str | None,
        typer.Option("--org", metavar="NAME", help="Your organisation's name, for the subject."),
    ] = None,
    to: Annotated[
        str | None,
        typer.Option(
            "--to", metavar="ADDRESS", help="Recipient: your Motimate contact. [default: support@…]"
        ),
    ] = None,
    sender: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="NAME <ADDRESS>",
            help='Your name and address for the sign-off: "Name <addr>".',
        ),
    ] = None,
    tenant_url: Annotated[
        str | None,
        typer.Option(
            metavar="URL", help="The SCIM tenant URL, shown in the email (the token never is)."
        ),
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", "-f", metavar="FORMAT", help="text (default) or markdown.")
    ] = "text",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write the email text to FILE.", dir_okay=False
        ),
    ] = None,
    eml: Annotated[
        Path | None,
        typer.Option(
            "--eml",
            metavar="FILE",
            help="Also write an .eml draft that Outlook/Thunderbird open for editing.",
            dir_okay=False,
        ),
    ] = None,
    attach: Annotated[
        list[Path] | None,
        typer.Option(
            "--attach",
            metavar="FILE",
            help="A screenshot to attach to the .eml (the Users and the Groups mapping).",
            dir_okay=False,
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Draft even with test users that fail, and replace existing --eml/--output files.",
        ),
    ] = False,
    schema: Annotated[
        str | None,
        typer.Option(
            metavar="FILE",
            help="The Entra provisioning schema JSON: ticks the checklist it verifies.",
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", metavar="FILE", help="The motiscim config file.", dir_okay=False),
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(metavar="CODE", help="ISO country code for phone numbers without one (NO)."),
    ] = None,
) -> None:
    """Draft the email Motimate needs before provisioning is turned on (guide step 47).

    The test users' Object ID, UPN and email come from the export, and each is checked: a test
    user not in the export, or with errors, stops the email (exit 1) unless --force. The body
    carries the preflight summary, the screenshots to attach and the guide's critical steps.
    Exit 0 drafted, 1 a test user cannot be used (or --schema found mapping errors), 2 usage
    error or unreadable input.
    """
    raise typer.Exit(
        run_email(
            exports,
            test_users=test_user,
            org=org,
            to=to,
            sender=sender,
            tenant_url=tenant_url,
            output_format=output_format,
            output=output,
            eml=eml,
            attach=attach,
            force=force,
            config_path=config,
            region=region,
            schema=schema,
        )
    )


def load_config(path: Path | None) -> Config:
    """`--config FILE`, else the nearest motiscim.yaml, else defaults; a bad file is a usage
    error naming the file and line."""
    from motiscim_cli.config import ConfigError
    from motiscim_cli.config import load_config as load

    try:
        return load(str(path) if path is not None else None)
    except ConfigError as error:
        raise EmailUsageError(f"config: {error}") from None


def check_options(config: Config, region: str | None) -> CheckOptions:
    """How to check the export: the config's region, columns and rules; --region wins."""
    from motiscim_cli.run import CheckOptions

    chosen = region or config.region
    return CheckOptions(
        region=chosen.upper() if chosen else None,
        select=list(config.rules.select) if config.rules.select else None,
        ignore=list(config.rules.ignore),
        column_overrides=dict(config.columns),
        severity_overrides=dict(config.rules.severity),
    )


def run_checked(
    exports: Sequence[str], config: Config, region: str | None, directory: UserDirectory
) -> tuple[Report, list[ReadError]]:
    """run_check with the config applied, reviewed exceptions included, collecting test users."""
    from motiscim_cli.config import apply_exceptions
    from motiscim_cli.run import run_check

    report, errors = run_check(exports, check_options(config, region), on_record=directory.add)
    if config.exceptions:
        apply_exceptions(report.findings, config.exceptions)
    return report, errors


def run_email(
    exports: Sequence[str],
    *,
    test_users: Sequence[str] | None = None,
    org: str | None = None,
    to: str | None = None,
    sender: str | None = None,
    tenant_url: str | None = None,
    output_format: str = "text",
    output: Path | None = None,
    eml: Path | None = None,
    attach: Sequence[Path] | None = None,
    force: bool = False,
    config_path: Path | None = None,
    region: str | None = None,
    schema: str | None = None,
) -> int:
    """The command's work, returning its exit code."""
    from motiscim_cli.email_users import UserDirectory
    from motiscim_cli.files import write_text_atomic

    try:
        if output_format not in EMAIL_FORMATS:
            raise EmailUsageError(f"--format: choose one of {', '.join(EMAIL_FORMATS)}.")
        if region is not None and not (len(region) == 2 and region.isalpha()):
            raise EmailUsageError("--region: a two-letter ISO country code, e.g. NO.")
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
        inputs = [*exports, schema, config.path, *settings.attachments]
        check_writable(eml, force=force, inputs=inputs, what="--eml")
        check_writable(output, force=force, inputs=inputs, what="--output")
    except EmailUsageError as error:
        typer.echo(f"motiscim email: {error}", err=True)
        return EXIT_USAGE

    directory = UserDirectory(settings.test_users)
    report, errors = run_checked(exports, config, region, directory)
    for error in errors:
        typer.echo(error.line(), err=True)
    if report.unreadable:
        typer.echo("motiscim email: no email drafted: an export could not be read.", err=True)
        return EXIT_USAGE
    if schema is not None:
        from motiscim_cli.commands.mapping import UnreadableSchema, check_schema_file

        try:
            report.mapping, _ = check_schema_file(schema)
        except UnreadableSchema as error:
            typer.echo(f"motiscim email: {error.line().removeprefix('motiscim: ')}", err=True)
            return EXIT_USAGE

    selection = directory.select(report, force=force)
    if not settings.test_users:
        names = ", ".join(u.label() for u in selection.users) or "none without errors"
        typer.echo(
            "motiscim email: name at least one test user with --test-user UPN_OR_OBJECT_ID "
            f"(or test_users in the config). Users with no errors: {names}.",
            err=True,
        )
        return EXIT_USAGE
    for line in selection_messages(selection):
        typer.echo(line, err=True)
    refusal = refusal_message(selection, force=force)
    if refusal is not None:
        typer.echo(f"motiscim email: {refusal}", err=True)
        return EXIT_NOT_READY

    draft = draft_email(report, selection, settings)
    text = draft.headers_markdown() if output_format == "markdown" else draft.headers_text()
    try:
        if output is None:
            typer.echo(text, nl=False)
        else:
            write_text_atomic(output, text)
            typer.echo(f"motiscim email: email text written to {output}", err=True)
        if eml is not None:
            write_eml(eml, draft, attachments)
            typer.echo(
                f"motiscim email: draft written to {eml}: open it in Outlook or Thunderbird, "
                "check it, and send it.",
                err=True,
            )
    except (EmailUsageError, OSError) as error:
        if isinstance(error, OSError):
            reason = f"cannot write {output}: {error.strerror or error}."
        else:
            reason = str(error)
        typer.echo(f"motiscim email: {reason}", err=True)
        return EXIT_USAGE
    for line in hints(settings, schema_checked=report.mapping is not None):
        typer.echo(line, err=True)
    if report.mapping is not None and not report.mapping.ok:
        codes = ", ".join(
            dict.fromkeys(f.rule for f in report.mapping.findings if f.severity.value == "error")
        )
        typer.echo(
            f"motiscim email: the attribute mapping is not as the guide asks ({codes}); fix it "
            "(motiscim mapping shows how) before sending.",
            err=True,
        )
        return EXIT_NOT_READY
    if selection.problems:
        typer.echo("motiscim email: drafted with --force despite the problems above.", err=True)
        return EXIT_NOT_READY
    return EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("email")(email)
