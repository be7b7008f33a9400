"""The notification email's workflow, shared by `motiscim email` and `motiscim preflight`.

Settings from the command line, the config file and the environment (validated: an address is
an address, a header value is one line), the checked export with the test users collected while
it streams, the draft and the `.eml`. Command modules import this; it imports no command module.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from motiscim_cli.config import Config
    from motiscim_cli.email_draft import Attachment, Draft
    from motiscim_cli.email_users import Selection, UserDirectory
    from motiscim_cli.report import ConnectionResult, Report
    from motiscim_cli.run import CheckOptions, ReadError

MASK = "***"
# Parts of a tenant URL at least this long are scrubbed from every output as a last resort; a
# shorter one ("x=1") would mangle unrelated text and is no secret worth the name.
MIN_URL_SECRET = 8


class EmailUsageError(Exception):
    """A one-line usage problem (exit 2); the message says what to do."""


@dataclass(slots=True)
class EmailSettings:
    """Everything the email needs besides the report, after config and environment."""

    to: str
    organisation: str | None
    contact: str | None
    tenant_url: str | None  # as shown: trimmed, user:password@, query and fragment masked
    test_users: list[str]
    attachments: list[Path]


# ---- values that reach a header or a one-line field ---------------------------------------------


def control_character(value: str) -> str | None:
    """The first control or line-separating character in `value`, or None.

    A CR or LF in a header value would start a new header (`Bcc: …`) in the .eml; a NUL makes
    Python's email package raise. Such a value is refused rather than silently changed."""
    for char in value:
        if unicodedata.category(char) == "Cc" or char in "\u2028\u2029":
            return char
    return None


def one_line(value: str | None, what: str) -> str | None:
    """`value` trimmed, or a usage error naming `what` when it holds a control character."""
    if value is None:
        return None
    char = control_character(value)
    if char is not None:
        raise EmailUsageError(
            f"{what}: contains a control character (U+{ord(char):04X}); give it on one line "
            "of plain text."
        )
    return value.strip() or None


# `address`, or `Name <address>` with a plain or quoted name. Stricter than email.utils, which
# reads "a@b.c(x@y.z)" or "Name <a@b.c> extra" as something: a From or To header takes one
# mailbox, written as the admin would write it.
MAILBOX = re.compile(
    r'(?:(?:"(?P<quoted>[^"\\]*)"|(?P<name>[^<>@",;()]*?))\s*<(?P<addr>[^<>\s]*)>'
    r"|(?P<bare>[^<>\s,;()\"]+))"
)


def mailbox_problem(value: str) -> str | None:
    """Why `value` is not `address` or `Name <address>`, or None when it is one of them."""
    from checks.rules.email import address_problem

    match = MAILBOX.fullmatch(value.strip())
    if match is None:
        return "it must be one address, or a name and an address: Name <address>"
    problem = address_problem(match["addr"] if match["bare"] is None else match["bare"])
    return problem.rstrip(".") if problem is not None else None


def _address(value: str, what: str) -> str:
    problem = mailbox_problem(value)
    if problem is not None:
        raise EmailUsageError(f"{what}: {value!r} is not an email address ({problem}).")
    return value


def _contact(value: str | None, what: str) -> str | None:
    """The sign-off: a name alone, or an address (alone or `Name <address>`), which is then the
    From header and must be valid. Anything with '@' or '<' is taken as meaning an address."""
    if value is None or not ({"@", "<", ">"} & set(value)):
        return value
    problem = mailbox_problem(value)
    if problem is not None:
        raise EmailUsageError(
            f"{what}: {value!r} is not a valid sender ({problem}); give "
            '"Name <address>", an address, or only a name.'
        )
    return value


# ---- the tenant URL as shown --------------------------------------------------------------------


def public_url(url: str) -> str:
    """The tenant URL as any output shows it: trimmed, with `user:password@`, the query and the
    fragment masked. A tenant URL never needs a query, and a token pasted into one
    (`…/scim/v1?token=…`) must not reach a report or the email."""
    trimmed = url.strip()
    try:
        parts = urlsplit(trimmed)
    except ValueError:  # an unparseable netloc: cut at the first '?' or '#' all the same
        head = re.split(r"[?#]", trimmed, maxsplit=1)[0]
        scheme, sep, rest = head.partition("://")
        if sep and "@" in rest.split("/", 1)[0]:
            rest = f"{MASK}@" + rest.split("@", 1)[1]
        return scheme + sep + rest + (f"?{MASK}" if head != trimmed else "")
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@" + netloc.rsplit("@", 1)[1]
    return urlunsplit(
        (
            parts.scheme,
            netloc,
            parts.path,
            MASK if parts.query or trimmed.endswith("?") else "",
            MASK if parts.fragment else "",
        )
    )


def url_secrets(url: str | None) -> tuple[str, ...]:
    """The pieces `public_url` masks (userinfo, query, fragment, and each name=value in them),
    longest first, for a last scrub of everything written."""
    if not url:
        return ()
    text = url.strip()
    pieces: set[str] = set()
    netloc_end = text.find("/", text.find("://") + 3) if "://" in text else -1
    authority = text[: netloc_end if netloc_end >= 0 else len(text)]
    if "@" in authority:
        userinfo = authority.split("://", 1)[-1].rsplit("@", 1)[0]
        pieces.update([userinfo, userinfo.partition(":")[2]])
    for separator in "?#":
        if separator in text:
            tail = text.split(separator, 1)[1]
            pieces.add(tail)
            # name=value: the value is the secret; names ("token", "tenant") are ordinary words
            for item in re.split(r"[&;#?]", tail):
                pieces.update([item, item.partition("=")[2]] if "=" in item else [item])
    forms = {p for piece in pieces for p in (piece, _unquoted(piece)) if len(p) >= MIN_URL_SECRET}
    return tuple(sorted(forms, key=len, reverse=True))


def _unquoted(text: str) -> str:
    from urllib.parse import unquote_plus

    return unquote_plus(text)


def scrub(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text


def mask_tenant_url(result: ConnectionResult, url: str) -> None:
    """Show a connection result's tenant URL as every output does (`public_url`), in `connect`
    and `preflight` alike: user:password@, the query and the fragment masked, since a query
    can carry a secret (`?token=…`); and, as a last resort, their values masked wherever a
    finding quotes them."""
    # result.url already has the token and the password masked, and is printable (lone
    # surrogates replaced): mask the query and fragment on top of that.
    shown = public_url(result.url)
    secrets = url_secrets(url)
    for finding in result.findings:
        if finding.value == result.url:
            finding.value = shown
        finding.message = scrub(finding.message, secrets)
        if finding.value is not None:
            finding.value = scrub(finding.value, secrets)
        if finding.fix is not None:
            finding.fix = scrub(finding.fix, secrets)
    result.url = shown


# ---- settings -----------------------------------------------------------------------------------


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
    from motiscim_cli.connect import resolve_tenant_url
    from motiscim_cli.email_draft import DEFAULT_TO

    configured = config.path if config is not None and config.path is not None else None
    where = f"in {configured}" if configured is not None else "in the config"
    url = resolve_tenant_url(
        tenant_url,
        configured=config.tenant_url if config is not None else None,
        environ=os.environ if environ is None else environ,
    )
    if url is not None:
        # Around it, blanks are C001's business (the trimmed URL is tested); inside, a control
        # character would break the email's "Tenant URL:" line.
        source = "--tenant-url" if tenant_url else f"tenant_url {where}"
        one_line(url.strip(), source if tenant_url or config is not None else "tenant URL")
    chosen_to = one_line(to, "--to") or DEFAULT_TO
    _address(chosen_to, "--to")
    chosen_org = one_line(organisation, "--org")
    if chosen_org is None and config is not None:
        chosen_org = one_line(config.organisation, f"organisation {where}")
    chosen_contact = _contact(one_line(contact, "--from"), "--from")
    if chosen_contact is None and config is not None:
        label = f"contact {where}"
        chosen_contact = _contact(one_line(config.contact, label), label)
    named = [u for u in (test_users or ()) if u.strip()]
    if not named and config is not None:
        named = [u for u in config.test_users if u.strip()]
    return EmailSettings(
        to=chosen_to,
        organisation=chosen_org,
        contact=chosen_contact,
        tenant_url=public_url(url) if url else None,
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
    target: str | os.PathLike[str] | None,
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


def load_config(path: Path | None) -> Config:
    """`--config FILE`, else the nearest motiscim.yaml, else defaults; a bad file is a usage
    error naming the file and line."""
    from motiscim_cli.config import ConfigError
    from motiscim_cli.config import load_config as load

    try:
        return load(str(path) if path is not None else None)
    except ConfigError as error:
        raise EmailUsageError(f"config: {error}") from None


# ---- checking the export ------------------------------------------------------------------------


def check_options(
    config: Config,
    region: str | None,
    *,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    columns: Mapping[str, str] | None = None,
) -> CheckOptions:
    """How to check the export: the config's region, columns and rules; the command line's
    --region, --select, --ignore (each replacing the config's) and --column (per attribute)
    win, as in `check`."""
    from motiscim_cli.run import CheckOptions

    chosen = region or config.region
    return CheckOptions(
        region=chosen.upper() if chosen else None,
        select=list(select or config.rules.select or ()) or None,
        ignore=list(ignore or config.rules.ignore),
        column_overrides={**config.columns, **(columns or {})},
        severity_overrides=dict(config.rules.severity),
    )


def run_checked(
    exports: Sequence[str],
    config: Config,
    directory: UserDirectory,
    options: CheckOptions,
) -> tuple[Report, list[ReadError]]:
    """run_check with the config applied, reviewed exceptions included, collecting test users."""
    from motiscim_cli.config import apply_exceptions
    from motiscim_cli.run import run_check

    report, errors = run_check(exports, options, on_record=directory.add)
    if config.exceptions:
        apply_exceptions(report.findings, config.exceptions)
    return report, errors


# ---- the draft ----------------------------------------------------------------------------------


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


def write_eml(
    path: str | os.PathLike[str], draft: Draft, attachments: Sequence[Attachment]
) -> None:
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
