"""employee_number ← userPrincipalName (SCIM userName): the user's identity in Motimate."""

from __future__ import annotations

from checks.model import CheckContext, Issue, Severity, UserRecord, rule
from checks.text import has_blank, normal_key, some_of, strip_blanks, where_blanks

EXT_MARKER = "#EXT#"


def effective_user_name(upn: str) -> str:
    """The userName Entra really sends: a guest's original address, not its `#EXT#` UPN.

    `kari_example.org#EXT#@tenant.onmicrosoft.com` → `kari@example.org`: the part before
    `#EXT#` is the invited address with its `@` turned into the last `_`.
    """
    head, marker, _ = upn.partition(EXT_MARKER)
    if not marker:
        head, marker, _ = upn.upper().partition(EXT_MARKER)
        if not marker:
            return upn
        head = upn[: len(head)]
    local, underscore, domain = head.rpartition("_")
    return f"{local}@{domain}" if underscore and local and domain else head


@rule("U001", Severity.ERROR, scope="user", attributes=("employee_number",), exclusive=True)
def u001_empty(value: str | None, record: UserRecord, ctx: CheckContext) -> Issue | None:
    """The employee number (userPrincipalName) is empty.

    Motimate identifies every SCIM user by its employee number, which the default mapping fills
    from userPrincipalName (SCIM `userName`). A user without one cannot be created.

    Bad: an empty cell. Fix: give the user a userPrincipalName in Entra (every cloud user has
    one, so an empty cell usually means the export lost the column or the row is damaged).
    """
    if value is None or not strip_blanks(value):
        # "userName", not "userPrincipalName": a schema may feed it from another attribute ([mail])
        return Issue("Employee number (userName) is empty: the user cannot be created")
    return None


@rule("U002", Severity.ERROR, scope="user", attributes=("employee_number",), exclusive=True)
def u002_whitespace(value: str | None, record: UserRecord, ctx: CheckContext) -> Issue | None:
    """The employee number contains whitespace of any kind.

    The guide: an employee number "cannot contain any whitespace characters". That covers
    spaces, tabs, line breaks, the no-break space (U+00A0) and the invisible characters that
    copy-paste brings: zero-width spaces and joiners, the BOM, and bidi marks.

    Bad: `kari.nordmann@example.com ` (trailing space), `kari\\u200b@example.com`.
    Fix: trimmed, when the whitespace is only leading or trailing (certain); whitespace inside
    the name has no safe fix — rename the user's UPN in Entra.
    """
    if value is None or not has_blank(value):
        return None
    trimmed = strip_blanks(value)
    where = where_blanks(value)
    if has_blank(trimmed):
        return Issue(
            f"Employee number (userName) has whitespace {where} it: "
            "change the value in Entra so that it has none"
        )
    return Issue(
        f"Employee number (userName) has {where} whitespace: remove it in Entra",
        fix=trimmed,
        fix_confidence="certain",
    )


@rule("U004", Severity.WARNING, scope="user", attributes=("employee_number",))
def u004_guest_account(value: str | None, record: UserRecord, ctx: CheckContext) -> Issue | None:
    """A guest account (`#EXT#` UPN): Entra sends the guest's original address instead.

    For guests Entra strips `#EXT#` and sends the invited address as userName, so
    `kari_example.org#EXT#@tenant.onmicrosoft.com` reaches Motimate as `kari@example.org`, and
    that becomes the employee number. It syncs, but check that guests are meant to be in
    scope, and note that uniqueness (U003) is checked on that effective value.
    """
    if value is None or EXT_MARKER not in value.upper():
        return None
    return Issue(
        "Guest account: Entra sends the guest's original address as userName, and that becomes "
        "the employee number; make sure guests are meant to be provisioned"
    )


def _describe_u003(value: str, other_rows: list[str], unnamed: int) -> Issue:
    rows = some_of(other_rows, unnamed)
    return Issue(
        "Employee number is not unique: the same userName (ignoring case, Unicode form and "
        f"surrounding whitespace) is used on row(s) {rows}; only one of these users can sync"
    )


@rule(
    "U003",
    Severity.ERROR,
    scope="population",
    attributes=("employee_number",),
    describe=_describe_u003,
)
def u003_not_unique(value: str | None, record: UserRecord, ctx: CheckContext) -> str | None:
    """The employee number is not unique.

    The guide's most important requirement: employee numbers must be unique, and they come
    from userName. Values are compared case-insensitively, after Unicode NFC normalisation and
    trimming, and for guests on the address Entra really sends (see U004), so
    `Kari@Example.com` and `kari@example.com ` collide. Each user of the group gets a finding
    naming the other rows: at most 5, the first in row order, then "and N more" (in the message
    and in `related_rows`, so a big group costs a report linear in its size, not quadratic).

    Fix: none automatic — give each person one account, or map another unique attribute to
    userName in cooperation with Motimate.
    """
    if value is None or not strip_blanks(value):
        return None
    return normal_key(effective_user_name(strip_blanks(value)))
