"""`motiscim email EXPORT… --test-user …`: the notification email of guide step 47.

The workflow (settings, test users, draft, .eml) lives in `motiscim_cli.email_workflow`, which
`preflight` shares; this module is the command's options and what it prints. The workflow is
imported when the command runs, not when the CLI loads (`motiscim check` does not need it).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

EMAIL_FORMATS = ("text", "markdown")
EXIT_OK, EXIT_NOT_READY, EXIT_USAGE = 0, 1, 2


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
    # --output and --eml are str, not Path, which drops a trailing '/' ('nodir/' names a
    # directory, and would be written as a file 'nodir').
    output: Annotated[
        str | None,
        typer.Option("--output", "-o", metavar="FILE", help="Write the email text to FILE."),
    ] = None,
    eml: Annotated[
        str | None,
        typer.Option(
            "--eml",
            metavar="FILE",
            help="Also write an .eml draft that Outlook/Thunderbird open for editing.",
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
            help="The Entra provisioning schema JSON: ticks the checklist it verifies, and test "
            "users are judged on the columns it feeds.",
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
    user not in the export, or with errors, stops the email (exit 1) unless --force. The subject
    gives the verdict ("not ready to turn on provisioning (why)" until it is ready); the body
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


def run_email(
    exports: Sequence[str],
    *,
    test_users: Sequence[str] | None = None,
    org: str | None = None,
    to: str | None = None,
    sender: str | None = None,
    tenant_url: str | None = None,
    output_format: str = "text",
    output: str | None = None,
    eml: str | None = None,
    attach: Sequence[Path] | None = None,
    force: bool = False,
    config_path: Path | None = None,
    region: str | None = None,
    schema: str | None = None,
) -> int:
    """The command's work, returning its exit code."""
    from motiscim_cli.email_users import UserDirectory
    from motiscim_cli.email_workflow import (
        EmailUsageError,
        check_options,
        check_writable,
        draft_email,
        hints,
        load_config,
        read_attachments,
        refusal_message,
        resolve_settings,
        run_checked,
        selection_messages,
        write_eml,
    )
    from motiscim_cli.files import write_text_atomic
    from motiscim_cli.options import emit, say_unread_exports

    try:
        if output_format not in EMAIL_FORMATS:
            raise EmailUsageError(f"--format: choose one of {', '.join(EMAIL_FORMATS)}.")
        from motiscim_cli.options import region_problem

        if region is not None and (problem := region_problem(region)) is not None:
            raise EmailUsageError(f"--region: {problem}.")
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

    options = check_options(config, region)
    plan = None
    if schema is not None:
        # As in preflight: the schema decides which column feeds each Motimate attribute, so
        # the test users are judged on the columns Entra will really send.
        from motiscim_cli.mapping_run import UnreadableSchema, schema_plan

        try:
            plan, parsed, options = schema_plan(schema, options)
        except UnreadableSchema as error:
            typer.echo(f"motiscim email: {error.line().removeprefix('motiscim: ')}", err=True)
            return EXIT_USAGE

    directory = UserDirectory(settings.test_users)
    report, errors = run_checked(exports, config, directory, options)
    if say_unread_exports(report, errors):
        return EXIT_USAGE  # the line naming the file says it all: no "no email drafted" too
    if report.unreadable:  # another export was read: say what that one line does not
        typer.echo("motiscim email: no email drafted: an export could not be read.", err=True)
        return EXIT_USAGE
    if plan is not None:
        from motiscim_cli.mapping_run import schema_mapping

        report.mapping, _ = schema_mapping(plan, parsed, report, dict(config.mapping) or None)

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
        if output is None or output == "-":  # `-o -` is standard output, as for every command
            emit(text, None)  # fails as StdoutFailed, never as "cannot write None"
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
    from motiscim_cli.options import stdout_guarded

    app.command("email")(stdout_guarded(email))
