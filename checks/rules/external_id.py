"""external_id ← objectId (SCIM externalId): the matching attribute (guide steps 18-26)."""

from __future__ import annotations

from checks.model import CheckContext, Issue, Severity, UserRecord, rule
from checks.text import GUID, some_of, strip_blanks


@rule("X001", Severity.ERROR, scope="user", attributes=("external_id",), exclusive=True)
def x001_empty(value: str | None, record: UserRecord, ctx: CheckContext) -> Issue | None:
    """The Object ID (externalId) is empty.

    The guide makes objectId the matching attribute (externalId, matching precedence 1): Entra
    finds the Motimate user by it. Every Entra user has one, so an empty cell means the export
    lost the column or the row is damaged. Fix: re-export with the Object ID column.
    """
    if value is None or not strip_blanks(value):
        # "externalId", not "Object ID": a schema may feed it from another attribute
        return Issue("externalId (the matching attribute) is empty")
    return None


@rule("X002", Severity.ERROR, scope="user", attributes=("external_id",), exclusive=True)
def x002_not_a_guid(value: str | None, record: UserRecord, ctx: CheckContext) -> Issue | None:
    """The Object ID is not a GUID.

    Entra object IDs look like `0f8fad5b-d9cb-469f-a165-70867728950e`. Anything else means the
    column holds something else (a mailNickname, an employee ID) — the same mistake as the
    step-29 revert, where mailNickname takes objectId's place.

    Fix: braces or surrounding whitespace are removed (certain); anything else has no fix.
    """
    if value is None:
        return None
    if GUID.fullmatch(value):
        return None
    cleaned = strip_blanks(value).strip("{}")
    if GUID.fullmatch(cleaned):
        return Issue(
            "Object ID has braces or whitespace around the GUID", cleaned.lower(), "certain"
        )
    return Issue("Object ID is not a GUID: the column does not hold Entra object IDs")


def _describe_x003(value: str, other_rows: list[str], unnamed: int) -> Issue:
    rows = some_of(other_rows, unnamed)
    return Issue(
        f"externalId is not unique: the same value is on row(s) {rows}; Entra would match "
        "these users to one Motimate user"
    )


@rule(
    "X003", Severity.ERROR, scope="population", attributes=("external_id",), describe=_describe_x003
)
def x003_not_unique(value: str | None, record: UserRecord, ctx: CheckContext) -> str | None:
    """The Object ID is not unique.

    Object IDs are unique in a tenant, so a repeat means the same user was exported twice (two
    files overlapping, or a row duplicated by hand). Matching on externalId would then update
    one Motimate user from two records. Compared case-insensitively, braces ignored.

    Each user of the group gets a finding naming at most 5 other rows, the first in row order,
    then "and N more" (message and `related_rows` alike).
    """
    if value is None or not strip_blanks(value):
        return None
    return strip_blanks(value).strip("{}").lower()
