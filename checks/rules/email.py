"""email ← mail (SCIM emails[type eq "work"].value)."""

from __future__ import annotations

from functools import lru_cache

from email_validator import EmailNotValidError, validate_email

from checks import fast
from checks.model import CheckContext, Issue, Severity, UserRecord, rule
from checks.text import has_blank, normal_key, some_of, strip_blanks, where_blanks


def address_problem(address: str) -> str | None:
    """Why an address is not a valid email address, or None when it is.

    email-validator without DNS (no deliverability check, nothing leaves the machine). Quoted
    local parts are refused, as Motimate's "no @ or whitespace in either part" rule implies.
    A plain address on a domain already accepted is answered without it (`checks.fast`).
    """
    if fast.enabled():
        if fast.address_accepted(address):
            return None
        return _cached_problem(address)
    return validated_problem(address)[0]


@lru_cache(maxsize=4096)
def _cached_problem(address: str) -> str | None:
    return validated_problem(address)[0]


def validated_problem(address: str) -> tuple[str | None, tuple[str, ...]]:
    """email-validator's verdict on `address`, and when valid the domain in every form it
    measures the address length in (as typed, normalised, ASCII; characters and UTF-8 bytes)."""
    if address.count("@") != 1:
        return "it must have exactly one '@' between the local part and the domain", ()
    try:
        valid = validate_email(address, check_deliverability=False, allow_quoted_local=False)
    except EmailNotValidError as error:
        return str(error), ()
    typed = address.rpartition("@")[2]
    return None, (typed, valid.domain, valid.ascii_domain or "")


@rule("E003", Severity.WARNING, scope="user", attributes=("email",), exclusive=True)
def e003_empty(value: str | None, record: UserRecord, ctx: CheckContext) -> Issue | None:
    """The email (mail) is empty.

    The user syncs, but gets no email address in Motimate (no invitations or notifications by
    email). The usual remedy, to agree with Motimate, is the mapping expression
    `Coalesce([mail],[userPrincipalName])`, or fill in `mail` in Entra (for synced users, in
    on-premises Active Directory). When the provisioning schema checked (`preflight`/`email
    --schema`) already has that expression, the message says the user syncs with the UPN.
    """
    if value is None or not strip_blanks(value):
        if ctx.email_falls_back_to_upn:
            return Issue(
                "Email (mail) is empty: the schema's Coalesce([mail],[userPrincipalName]) sends "
                "the UPN instead, so the user syncs with the UPN as email address; fill in mail "
                "if the UPN receives no email"
            )
        return Issue(
            "Email (mail) is empty: the user syncs without an email address; fill in mail, or "
            "agree Coalesce([mail],[userPrincipalName]) with Motimate"
        )
    return None


@rule("E002", Severity.ERROR, scope="user", attributes=("email",), exclusive=True)
def e002_whitespace(value: str | None, record: UserRecord, ctx: CheckContext) -> Issue | None:
    """The email has whitespace inside or around it.

    The guide: no whitespace in either the local part or the domain. Any whitespace counts:
    spaces, tabs, the no-break space, zero-width characters and bidi marks.

    Fix: the trimmed address when the whitespace is only around a valid address (certain);
    whitespace inside has no safe fix.
    """
    if value is None or not has_blank(value):
        return None
    trimmed = strip_blanks(value)
    where = where_blanks(value)
    if has_blank(trimmed) or address_problem(trimmed) is not None:
        return Issue(f"Email has whitespace {where} it: correct mail in Entra")
    return Issue(f"Email has {where} whitespace: remove it from mail in Entra", trimmed, "certain")


@rule("E001", Severity.ERROR, scope="user", attributes=("email",), exclusive=True)
def e001_invalid(value: str | None, record: UserRecord, ctx: CheckContext) -> Issue | None:
    """The email is not a valid address.

    The guide: a single `@` separating the local part and the domain, no `@` or whitespace in
    either part, and a proper domain. Checked with email-validator, without DNS. Valid:
    `o'brien@example.com`, `a+tag@example.com`, `åse@example.no`. Invalid: `kari@@example.com`,
    `kari@example`, `kari..nordmann@example.com`, `kari@example.com.`.

    Fix: none automatic — correct mail in Entra.
    """
    if value is None:
        return None
    problem = address_problem(value)
    if problem is None:
        return None
    return Issue(f"Email is not a valid address: {problem}")


def _describe_e004(value: str, other_rows: list[str], unnamed: int) -> Issue:
    rows = some_of(other_rows, unnamed)
    return Issue(f"The same email address is on row(s) {rows}: shared mailboxes or a copy error?")


@rule("E004", Severity.WARNING, scope="population", attributes=("email",), describe=_describe_e004)
def e004_shared_address(value: str | None, record: UserRecord, ctx: CheckContext) -> str | None:
    """The same email address is on several users.

    Each user syncs, but they share one address in Motimate: invitations and password resets
    reach the same mailbox. Compared case-insensitively, after NFC and trimming.

    Every user of the group gets a finding that names at most 5 other rows, the first in row
    order, then "and N more" (also in `related_rows`, which the report contract otherwise
    fills with every other row): 20 000 frontline staff sharing one mailbox would otherwise
    make a report of 20 000 × 20 000 row numbers.
    """
    if value is None or not strip_blanks(value):
        return None
    return normal_key(value)
