"""Mapping rules (M001–M012): the Entra provisioning schema against the guide, steps 14–38.

Each rule reads a parsed `ProvisioningSchema` and the mapping agreed with Motimate (`Agreed`:
SCIM target key → source expression, from motiscim.yaml `mapping:`), and returns
`MappingIssue`s: the SCIM target attribute, what it is now, what the guide wants and where in
the admin center to change it. `evaluate()` runs them and turns each issue into a `Finding`
(column = the SCIM target attribute, value = the source expression as it is now, fix = the
source expression wanted: the agreed one, else the guide's).

One target, one instruction: the externalId row of users belongs to M002 when its source is
mailNickname, else to M001 (source and matching together); M003 leaves that row alone. The
externalId row of groups belongs to M006's externalId finding, which also names the rows that
must stop matching, so no finding tells a row to match while another tells it not to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from checks.mapping_schema import (
    GROUPS_PORTAL_NAME,
    GUIDE_USER_MAPPING,
    NAMED_VALUES,
    USERS_PORTAL_NAME,
    AttributeMapping,
    ObjectMapping,
    ProvisioningSchema,
    expression_key,
    function_call,
    guide_entry,
    target_key,
)
from checks.model import Finding, Rule, Severity, get_rule, rule
from checks.text import some_of

EXTERNAL_ID = "externalId"
OBJECT_ID = "objectId"
MAIL_NICKNAME = "mailNickname"
MOBILE_TARGET = 'phoneNumbers[type eq "mobile"].value'

# The mapping agreed with Motimate: target_key(SCIM target) → the source expression agreed.
Agreed = Mapping[str, str]
NOTHING_AGREED: Agreed = {}

# Step 22: "You can Delete the following" (the non-gallery app's other default mappings).
GUIDE_DELETE_SOURCES: tuple[str, ...] = (
    "displayName",
    "preferredLanguage",
    'Join(" ", [givenName], [surname])',
    "physicalDeliveryOfficeName",
    "streetAddress",
    "city",
    "state",
    "postalCode",
    "country",
    "telephoneNumber",
    "facsimileTelephoneNumber",
    "employeeId",
    "department",
    "manager",
)

# The SCIM attributes Motimate reads (the default mapping); it ignores everything else.
MOTIMATE_TARGETS = frozenset(target_key(g.target) for g in GUIDE_USER_MAPPING)
_GUIDE_BY_TARGET = {target_key(g.target): g for g in GUIDE_USER_MAPPING}


@dataclass(frozen=True, slots=True)
class MappingIssue:
    """What a mapping rule says about one target attribute, in the portal's words."""

    target: str  # the SCIM (customappsso) attribute, as the portal lists it
    now: str  # what the mapping is now
    wanted: str  # what the guide wants instead
    where: str  # how to fix it: where in the Entra admin center, or what to correct
    pointer: str | None = None  # RFC 6901 pointer into the schema file
    value: str | None = None  # the current source expression
    fix: str | None = None  # the source expression wanted (agreed, else the guide's)
    attribute: str | None = None  # the Motimate attribute the target feeds

    @property
    def message(self) -> str:
        return f"{self.now} {self.wanted} Fix: {self.where}"


@dataclass(frozen=True, slots=True)
class MappingCheck:
    """A rule's issue and the finding made of it (renderers that want the parts use `issue`)."""

    rule: Rule
    issue: MappingIssue
    finding: Finding


# ---- portal directions -----------------------------------------------------------------------


def _portal(mapping: ObjectMapping | None, fallback: str) -> str:
    name = (mapping.name if mapping is not None else None) or fallback
    return f"Provisioning → Edit attribute mappings → Mappings → {name}"


def _edit(mapping: ObjectMapping, fallback: str, target: str, action: str) -> str:
    return f"{_portal(mapping, fallback)} → click the row for {target} → {action}."


def _users_where(schema: ProvisioningSchema, target: str, action: str) -> str:
    return _edit(schema.users, USERS_PORTAL_NAME, target, action)


def _precedence(mapping: AttributeMapping) -> str:
    if not mapping.matching:
        return "is not a matching attribute"
    return f"matches with precedence {mapping.matching_priority}"


def _order_problems(mapping: AttributeMapping, owner: ObjectMapping) -> list[str]:
    """How a mapping misses "the first matching attribute, precedence 1"."""
    if not mapping.matching:
        return ["is not a matching attribute"]
    problems = []
    if mapping.matching_priority != 1:
        problems.append(f"matches with precedence {mapping.matching_priority}")
    others = [m for m in owner.matching() if m is not mapping]
    before = [m for m in others if m.matching_priority < mapping.matching_priority]
    tied = [m for m in others if m.matching_priority == mapping.matching_priority]
    if before:
        problems.append(f"comes after {_some_mappings(before)}")
    if tied:
        problems.append(
            f"shares precedence {mapping.matching_priority} with {_some_mappings(tied)}"
        )
    return problems


def _some_mappings(mappings: list[AttributeMapping]) -> str:
    """`externalId ([objectId]), …` for the first few, the rest counted: a schema with
    thousands of matching attributes still gets a message of one line."""
    named = [f"{m.target} ({m.shown})" for m in mappings[:NAMED_VALUES]]
    return some_of(named, len(mappings) - len(named))


def _direct(expression: str) -> str | None:
    """The attribute of a plain `[attribute]` expression, else None."""
    text = expression.strip()
    if text.startswith("[") and text.endswith("]") and text.count("[") == 1:
        return text[1:-1].strip()
    return None


def _source_setting(expression: str, current: AttributeMapping) -> str:
    """The Edit Attribute settings that give a row this source (its mapping type too, when
    the row now has another: an expression row becomes Direct to take a plain attribute)."""
    direct = _direct(expression)
    if direct is None:
        return f"Mapping type Expression, Expression {expression}"
    now_direct = current.source is not None and current.source.direct_attribute is not None
    return (
        f"Source attribute {direct}"
        if now_direct
        else f"Mapping type Direct, Source attribute {direct}"
    )


def _first_match_steps(
    mapping: AttributeMapping, owner: ObjectMapping, label: str, source: str | None
) -> list[str]:
    """Every edit that makes `mapping` the first matching attribute, as one instruction.

    The row itself: its source when it is wrong, Match Yes, precedence 1. Then every other row
    that would still match at precedence 1 (before it, or tied with it) is turned off, so the
    instruction never leaves two rows at precedence 1 and never contradicts another finding.
    """
    settings = [_source_setting(source, mapping)] if source is not None else []
    if not mapping.matching:
        settings.append("Match objects using this attribute Yes")
    if mapping.matching_priority != 1:
        settings.append("Matching precedence 1")
    steps = [f"click the row for {label} → {', '.join(settings)} → OK"] if settings else []
    for other in owner.matching():
        if other is not mapping and other.matching_priority <= 1:
            steps.append(
                f"click the row for {other.target} → Match objects using this attribute No → OK"
            )
    return steps


def _steps(portal: str, steps: list[str], tail: str = "Save") -> str:
    return f"{portal} → {'; then '.join(steps)} → {tail}."


def _attribute_of(target: str) -> str | None:
    guide = _GUIDE_BY_TARGET.get(target_key(target))
    return guide.motimate if guide is not None else None


# ---- what is wanted: the mapping agreed with Motimate, else the guide's ------------------------

_ACTIVE = target_key("active")
# The guide's Switch, and the Not() Entra offers for the same thing: active = not soft-deleted.
_ACTIVE_AS_GUIDE = frozenset(
    expression_key(e)
    for e in ('Switch([IsSoftDeleted], , "False", "True", "True", "False")', "Not([IsSoftDeleted])")
)


def _literal(argument: str) -> str | None:
    """The text of a string-literal argument (`"False"` → `False`; an omitted one is ""), else
    None (an attribute or a call)."""
    if not argument:
        return ""
    if len(argument) >= 2 and argument[0] == argument[-1] == '"':
        return argument[1:-1]
    return None


def _active_for_live_users(expression: str) -> str | None:
    """What a `Switch([IsSoftDeleted], default, key, value, …)` expression sends for a user who
    is not soft-deleted (IsSoftDeleted "False", in any case): the value of that key, else the
    default. None for any other expression, or a value that is not a string literal."""
    call = function_call(expression)
    if call is None or call[0] != "switch" or len(call[1]) < 2:
        return None
    subject, default, *cases = call[1]
    if expression_key(subject) != "[issoftdeleted]":
        return None
    for key, value in zip(cases[::2], cases[1::2], strict=False):
        if (_literal(key) or "").casefold() == "false":
            return _literal(value)
    return _literal(default)


def _inverts_active(expression: str) -> bool:
    """Whether an `active` expression sends active = false for users who are not deleted."""
    return (_active_for_live_users(expression) or "").strip().casefold() == "false"


def agreed_targets(agreed: Mapping[str, str] | None) -> dict[str, str]:
    """motiscim.yaml `mapping:` (Motimate attribute or SCIM target → expression), keyed by
    `target_key` of the SCIM target. Raises ValueError for a name that is neither."""
    result: dict[str, str] = {}
    for name, expression in (agreed or {}).items():
        guide = guide_entry(name)
        if guide is None:
            raise ValueError(
                f"{name!r} is neither a Motimate attribute nor a SCIM attribute of the guide's "
                "mapping"
            )
        result[target_key(guide.target)] = expression
    return result


def _wanted(target: str, agreed: Agreed) -> tuple[str, bool]:
    """(the source expression wanted for a user target, whether it was agreed with Motimate)."""
    key = target_key(target)
    if key in agreed:
        return agreed[key], True
    return _GUIDE_BY_TARGET[key].source, False


def _as_wanted(mapping: AttributeMapping, agreed: Agreed) -> bool:
    """Whether a Motimate target is fed by the agreed source, else by the guide's."""
    if mapping.source is None or not mapping.source.expression:
        return False
    key = target_key(mapping.target)
    now = expression_key(mapping.source.expression)
    if key in agreed:
        return now == expression_key(agreed[key])
    if key == _ACTIVE:
        return now in _ACTIVE_AS_GUIDE
    return now == expression_key(_GUIDE_BY_TARGET[key].source)


def _shown(expression: str) -> str:
    direct = _direct(expression)
    return direct if direct is not None else expression


# ---- the rules -------------------------------------------------------------------------------


@rule("M001", Severity.ERROR, scope="mapping")
def m001_users_not_matched_on_object_id(
    schema: ProvisioningSchema, agreed: Agreed = NOTHING_AGREED
) -> list[MappingIssue]:
    """Users are not matched on objectId → externalId with matching precedence 1.

    The guide (steps 18–19 and 25–26) makes objectId the attribute Entra uses to find a user
    that already exists in Motimate: source objectId, target externalId, *Match objects using
    this attribute* = Yes, *Matching precedence* = 1. Entra tries matching attributes in
    precedence order; if another attribute comes first, or externalId is fed by something
    else, users are matched on the wrong value and duplicates or failures follow. A source for
    externalId agreed with Motimate (motiscim.yaml `mapping: external_id: …`) replaces objectId.

    Bad: objectId → externalId with *Match objects using this attribute* = No; objectId at
    precedence 2 behind userPrincipalName; employeeId → externalId.
    Good: objectId → externalId, matching, precedence 1, and no other attribute before it.

    Fix: Provisioning → Edit attribute mappings → Provision Microsoft Entra ID Users → click
    externalId → Source attribute objectId, Match objects using this attribute Yes, Matching
    precedence 1 → OK; any other row matching at precedence 1 → Match No → OK → Save. The one
    finding carries every edit of the row. (mailNickname → externalId is M002; a missing row
    is M005.)
    """
    mapping = schema.users.by_target(EXTERNAL_ID)
    if mapping is None:
        return []  # M005 reports the missing row
    wrong_source = not _as_wanted(mapping, agreed)
    if wrong_source and mapping.reads(MAIL_NICKNAME):
        return []  # the step-29 revert: M002 gives the whole instruction for this row
    problems = [f"is fed by {mapping.shown}"] if wrong_source else []
    problems += _order_problems(mapping, schema.users)
    if not problems:
        return []
    expression, is_agreed = _wanted(EXTERNAL_ID, agreed)
    source = expression if wrong_source else None
    wanted = (
        f"motiscim.yaml records {expression} → externalId as agreed with Motimate; it must match "
        "with precedence 1, before any other attribute."
        if is_agreed
        else "The guide matches users on objectId → externalId with matching precedence 1, "
        "before any other attribute."
    )
    return [
        MappingIssue(
            target=EXTERNAL_ID,
            now=f"Users: externalId {' and '.join(problems)}.",
            wanted=wanted,
            where=_steps(
                _portal(schema.users, USERS_PORTAL_NAME),
                _first_match_steps(mapping, schema.users, EXTERNAL_ID, source),
            ),
            pointer=mapping.pointer,
            value=mapping.expression,
            fix=source,
            attribute="external_id",
        )
    ]


@rule("M002", Severity.ERROR, scope="mapping")
def m002_mail_nickname_where_object_id_belongs(
    schema: ProvisioningSchema, agreed: Agreed = NOTHING_AGREED
) -> list[MappingIssue]:
    """mailNickname feeds externalId where the guide puts objectId (the step-29 revert).

    Step 29 of the guide: after saving the mappings, Entra often turns the first row back from
    objectId to mailNickname — "otherwise all users will fail to synchronize with Motimate".
    The schema then maps mailNickname → externalId, usually still as the matching attribute,
    so Entra matches users on their mail alias instead of their object ID. When the revert
    also lost matching or precedence 1, this finding's fix says so too (M001 stays silent on
    the row, so there is one instruction for it).

    Bad: `[mailNickname]` → externalId (matching precedence 1).
    Good: `[objectId]` → externalId (matching precedence 1).

    Fix: Provisioning → Edit attribute mappings → Provision Microsoft Entra ID Users → click
    mailNickname → Source attribute objectId (and Match Yes, precedence 1 if lost) → OK → Save
    → Yes; then download the schema again and re-run `motiscim mapping`, because the revert
    can come back on the next save.
    """
    mapping = schema.users.by_target(EXTERNAL_ID)
    if mapping is None or not mapping.reads(MAIL_NICKNAME) or _as_wanted(mapping, agreed):
        return []
    expression, _ = _wanted(EXTERNAL_ID, agreed)
    return [
        MappingIssue(
            target=EXTERNAL_ID,
            now=(
                f"Users: externalId is fed by {mapping.shown} and {_precedence(mapping)}: "
                f"Entra has reverted the source from {_shown(expression)} to mailNickname "
                "(guide step 29), and all users will fail to synchronize."
            ),
            wanted=f"The guide wants {_shown(expression)} → externalId, matching with "
            "precedence 1.",
            where=_steps(
                _portal(schema.users, USERS_PORTAL_NAME),
                _first_match_steps(
                    mapping, schema.users, f"{EXTERNAL_ID} (shown as mailNickname)", expression
                ),
                tail=f"Save → Yes, then download the schema again and check that it stayed "
                f"{_shown(expression)}",
            ),
            pointer=mapping.pointer,
            value=mapping.expression,
            fix=expression,
            attribute="external_id",
        )
    ]


@rule("M003", Severity.ERROR, scope="mapping")
def m003_another_attribute_still_matching(
    schema: ProvisioningSchema, agreed: Agreed = NOTHING_AGREED
) -> list[MappingIssue]:
    """An attribute other than externalId is still a matching attribute for users.

    The non-gallery app matches users on userPrincipalName → userName by default. The guide
    (steps 23–26) turns that off and makes objectId → externalId the only way Entra finds an
    existing Motimate user: a row that still matches, at any precedence and from any source
    (userPrincipalName, mail, a userName fed by `[mail]`), lets a changed value (a renamed
    employee, a new domain) or a value shared by two users make Entra create a second user or
    update the wrong one. The externalId row is left to M001/M002, whose fix replaces its
    source: this rule never tells that row to stop matching.

    Bad: userPrincipalName → userName with *Match objects using this attribute* = Yes;
    mail → emails[type eq "work"].value matching with precedence 2.
    Good: every row but externalId with *Match objects using this attribute* = No.

    Fix: Provisioning → Edit attribute mappings → Provision Microsoft Entra ID Users → click
    the row (userName, source userPrincipalName) → Match objects using this attribute No → OK
    → Save.
    """
    issues = []
    for mapping in schema.users.attribute_mappings:
        if not mapping.matching:
            continue
        if target_key(mapping.target) == target_key(EXTERNAL_ID):
            continue  # M001 owns this row: its fix makes it objectId, matching first
        issues.append(
            MappingIssue(
                target=mapping.target,
                now=(
                    f"Users: {mapping.target} is fed by {mapping.shown} and matches with "
                    f"precedence {mapping.matching_priority}."
                ),
                wanted=(
                    "The guide turns matching off for every attribute but objectId → externalId "
                    "(steps 23–26): only objectId → externalId matches."
                ),
                where=_users_where(
                    schema, mapping.target, "Match objects using this attribute No → OK → Save"
                ),
                pointer=mapping.pointer,
                value=mapping.expression,
                attribute=_attribute_of(mapping.target),
            )
        )
    return issues


def _deleted_source(mapping: AttributeMapping) -> str | None:
    """The step-22 entry this mapping's source is, if any."""
    source = mapping.source
    if source is None:
        return None
    if source.direct_attribute is not None:
        for name in GUIDE_DELETE_SOURCES:
            if name.casefold() == source.direct_attribute.casefold():
                return name
        return None
    if source.expression.strip().casefold().startswith("join(") and {
        a.casefold() for a in source.attributes
    } == {"givenname", "surname"}:
        return GUIDE_DELETE_SOURCES[2]
    return None


@rule("M004", Severity.WARNING, scope="mapping")
def m004_attributes_to_delete_still_mapped(
    schema: ProvisioningSchema, agreed: Agreed = NOTHING_AGREED
) -> list[MappingIssue]:
    """Attributes the guide says to delete (step 22) are still mapped for users.

    Step 22 lists the non-gallery app's other default mappings — displayName,
    preferredLanguage, Join(" ", [givenName], [surname]), physicalDeliveryOfficeName,
    streetAddress, city, state, postalCode, country, telephoneNumber,
    facsimileTelephoneNumber, employeeId, department, manager — as ones to delete. Motimate
    does not use them, but Entra still sends them, and a bad value in any of them (a manager
    that is not provisioned, say) can still fail or slow down a user's sync. A mapping that
    feeds one of Motimate's own attributes (department → title) is M010's business, not this
    rule's.

    Bad: department → urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department.
    Good: the row is deleted.

    Fix: Provisioning → Edit attribute mappings → Provision Microsoft Entra ID Users → Delete
    on the row → Save.
    """
    issues = []
    for mapping in schema.users.attribute_mappings:
        listed = _deleted_source(mapping)
        if listed is None or target_key(mapping.target) in MOTIMATE_TARGETS:
            continue
        issues.append(
            MappingIssue(
                target=mapping.target,
                now=f"Users: {listed} → {mapping.target} is still mapped.",
                wanted=f"The guide deletes the {listed} mapping (step 22); Motimate ignores it.",
                where=(
                    f"{_portal(schema.users, USERS_PORTAL_NAME)} → Delete on the row for "
                    f"{mapping.target} → Save."
                ),
                pointer=mapping.pointer,
                value=mapping.expression,
            )
        )
    return issues


@rule("M005", Severity.ERROR, scope="mapping")
def m005_required_mapping_missing(
    schema: ProvisioningSchema, agreed: Agreed = NOTHING_AGREED
) -> list[MappingIssue]:
    """A mapping the guide says to keep (step 21) is missing from the user mapping.

    Step 21 keeps objectId, Switch([IsSoftDeleted], , "False", "True", "True", "False"),
    jobTitle, mail, userPrincipalName, givenName and surname. Without them Motimate gets no
    external ID, no employee number, no name or email, or never hears that a user was
    removed. mobile is optional: the guide lets you delete it when phone numbers are not
    reliable, so its absence is fine. The check is on the SCIM target attribute; which source
    feeds it is M010's business. The fix names the source agreed with Motimate in
    motiscim.yaml (`mapping:`) when there is one, else the guide's.

    Bad: no row for userName; the `Switch([IsSoftDeleted], …)` → active row deleted.
    Good: all seven rows present.

    Fix: Provisioning → Edit attribute mappings → Provision Microsoft Entra ID Users → Add New
    Mapping → the source and target attribute the guide names → OK → Save.
    """
    issues = []
    for guide in GUIDE_USER_MAPPING:
        if not guide.required or schema.users.by_target(guide.target) is not None:
            continue
        expression, is_agreed = _wanted(guide.target, agreed)
        mapping_type = "Direct" if _direct(expression) is not None else "Expression"
        extra = (
            ", Match objects using this attribute Yes, Matching precedence 1"
            if guide.target == EXTERNAL_ID
            else ""
        )
        wanted = (
            f"motiscim.yaml records {expression} → {guide.target} as agreed with Motimate."
            if is_agreed
            else f"The guide keeps {expression} → {guide.target} (step 21)."
        )
        issues.append(
            MappingIssue(
                target=guide.target,
                now=f"Users: nothing is mapped to {guide.target}.",
                wanted=wanted,
                where=(
                    f"{_portal(schema.users, USERS_PORTAL_NAME)} → Add New Mapping → "
                    f"Mapping type {mapping_type}, source {expression}, target attribute "
                    f"{guide.target}{extra} → OK → Save."
                ),
                pointer=f"{schema.users.pointer}/attributeMappings",
                fix=expression,
                attribute=guide.motimate,
            )
        )
    return issues


@rule("M006", Severity.ERROR, scope="mapping")
def m006_groups_not_matched_on_object_id(
    schema: ProvisioningSchema, agreed: Agreed = NOTHING_AGREED
) -> list[MappingIssue]:
    """Groups are not matched on objectId → externalId, or displayName still matches.

    Steps 31–36 switch the group mapping from the default (match on displayName) to objectId
    → externalId with matching precedence 1, and turn matching off for displayName. Group
    names change and repeat; a group matched on its name can be merged with another group or
    duplicated in Motimate. A schema without a group mapping is not checked.

    One instruction per row: the externalId finding carries every edit of that row (source,
    Match Yes, precedence 1) and names the other rows that must stop matching; displayName
    rows get their own "Match No" finding, but the externalId row is never told to stop
    matching, even when it is fed by displayName.

    Bad: displayName → displayName with *Match objects using this attribute* = Yes;
    objectId → externalId not matching.
    Good: objectId → externalId matching with precedence 1; displayName not matching.

    Fix: Provisioning → Edit attribute mappings → Provision Microsoft Entra ID Groups → click
    externalId (objectId) → Match Yes, precedence 1 → OK; click displayName → Match No → OK →
    Save.
    """
    groups = schema.groups
    if groups is None:
        return []
    portal = _portal(groups, GROUPS_PORTAL_NAME)
    issues = []
    external = groups.by_target(EXTERNAL_ID)
    if external is None:
        steps = [
            "Add New Mapping → Mapping type Direct, source objectId, target attribute externalId, "
            "Match objects using this attribute Yes, Matching precedence 1 → OK"
        ]
        steps += [
            f"click the row for {m.target} → Match objects using this attribute No → OK"
            for m in groups.matching()
            if m.matching_priority <= 1
        ]
        issues.append(
            MappingIssue(
                target=EXTERNAL_ID,
                now="Groups: nothing is mapped to externalId.",
                wanted="The guide matches groups on objectId → externalId with precedence 1.",
                where=_steps(portal, steps),
                pointer=f"{groups.pointer}/attributeMappings",
                fix="[objectId]",
            )
        )
    else:
        wrong_source = not external.is_direct(OBJECT_ID)
        problems = [f"is fed by {external.shown}"] if wrong_source else []
        problems += _order_problems(external, groups)
        if problems:
            source = "[objectId]" if wrong_source else None
            issues.append(
                MappingIssue(
                    target=EXTERNAL_ID,
                    now=f"Groups: externalId {' and '.join(problems)}.",
                    wanted=(
                        "The guide matches groups on objectId → externalId with precedence 1 "
                        "(steps 32–33 and 36)."
                    ),
                    where=_steps(portal, _first_match_steps(external, groups, EXTERNAL_ID, source)),
                    pointer=external.pointer,
                    value=external.expression,
                    fix=source,
                )
            )
    for mapping in groups.attribute_mappings:
        if not mapping.matching or mapping is external:
            continue  # the externalId row's instruction is the finding above
        if target_key(mapping.target) != target_key("displayName") and not mapping.reads(
            "displayName"
        ):
            continue
        issues.append(
            MappingIssue(
                target=mapping.target,
                now=(
                    f"Groups: {mapping.target} (from {mapping.shown}) matches with "
                    f"precedence {mapping.matching_priority}."
                ),
                wanted="The guide turns matching off for displayName (steps 34–35).",
                where=(
                    f"{portal} → click the row for {mapping.target} → Match objects using "
                    "this attribute No → OK → Save."
                ),
                pointer=mapping.pointer,
                value=mapping.expression,
            )
        )
    return issues


@rule("M007", Severity.INFO, scope="mapping")
def m007_attributes_motimate_ignores(
    schema: ProvisioningSchema, agreed: Agreed = NOTHING_AGREED
) -> list[MappingIssue]:
    """Users have attributes mapped that Motimate ignores.

    Motimate reads userName, name.givenName, name.familyName, emails[type eq "work"].value,
    phoneNumbers[type eq "mobile"].value, title, externalId and active (the guide's default
    mapping). Anything else Entra sends is dropped — extra mappings do no good and a bad value
    in them can still fail a sync. The step-22 leftovers are reported by M004, not here.

    Bad: extensionAttribute1 →
    urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter.
    Good: only the guide's rows, or extra rows agreed with Motimate.

    Fix: Provisioning → Edit attribute mappings → Provision Microsoft Entra ID Users → Delete
    on the row → Save (or agree the attribute with Motimate).
    """
    issues = []
    for mapping in schema.users.attribute_mappings:
        if target_key(mapping.target) in MOTIMATE_TARGETS or _deleted_source(mapping):
            continue
        issues.append(
            MappingIssue(
                target=mapping.target,
                now=f"Users: {mapping.shown} → {mapping.target} is mapped.",
                wanted=(
                    f"Motimate ignores {mapping.target}; the guide's mapping does not send it."
                ),
                where=(
                    f"{_portal(schema.users, USERS_PORTAL_NAME)} → Delete on the row for "
                    f"{mapping.target} → Save, unless Motimate asked for it."
                ),
                pointer=mapping.pointer,
                value=mapping.expression,
            )
        )
    return issues


@rule("M008", Severity.WARNING, scope="mapping", attributes=("phone_number",))
def m008_mobile_mapped_with_phone_errors(
    schema: ProvisioningSchema, phone_error_users: int, unfixable: int
) -> list[MappingIssue]:
    """mobile is mapped while the export has users whose phone numbers will fail.

    The guide (step 21, mobile*): every user whose mobile is not `+`, country code and digits
    fails to sync and is not created in Motimate. "If you are not confident that all phone
    numbers are correctly formatted, or there is not a need to synchronize phone numbers in
    Motimate, we recommend that you delete this attribute as well." This rule runs when an
    export is given with the schema and counts the users with phone errors (P001–P006).

    Bad: mobile → phoneNumbers[type eq "mobile"].value with 37 users whose numbers will fail.
    Good: all numbers fixed in Entra, or the mobile row deleted.

    Fix: correct the numbers in Entra (`motiscim check` suggests E.164 fixes), or Provisioning
    → Edit attribute mappings → Provision Microsoft Entra ID Users → Delete on the row for
    phoneNumbers[type eq "mobile"].value → Save.
    """
    if phone_error_users <= 0:
        return []
    issues = []
    for mapping in schema.users.attribute_mappings:
        if target_key(mapping.target) != target_key(MOBILE_TARGET) and not mapping.reads("mobile"):
            continue
        users = "1 user" if phone_error_users == 1 else f"{phone_error_users} users"
        have = "has" if phone_error_users == 1 else "have"
        if unfixable:
            can_fix = phone_error_users - unfixable
            detail = f" ({can_fix} with a suggested fix, {unfixable} without one)"
        else:
            detail = " (each with a suggested fix)"
        issues.append(
            MappingIssue(
                target=mapping.target,
                now=(
                    f"Users: {mapping.shown} → {mapping.target} is mapped, and {users} in "
                    f"the export {have} a phone number that will fail{detail}."
                ),
                wanted=(
                    "The guide: fix the numbers (+, country code, digits only) or delete the "
                    "mobile mapping (step 21)."
                ),
                where=(
                    "Correct the numbers in Entra (motiscim check lists them), or "
                    f"{_portal(schema.users, USERS_PORTAL_NAME)} → Delete on the row for "
                    f"{mapping.target} → Save."
                ),
                pointer=mapping.pointer,
                value=mapping.expression,
                attribute="phone_number",
            )
        )
    return issues


@rule("M009", Severity.ERROR, scope="mapping")
def m009_user_provisioning_off(
    schema: ProvisioningSchema, agreed: Agreed = NOTHING_AGREED
) -> list[MappingIssue]:
    """Entra will not provision users: the Users mapping is disabled, or creates no users.

    The guide's whole user mapping (steps 14–29) lives in *Provision Microsoft Entra ID
    Users*. When that object mapping is switched off (*Enabled* = No; `"enabled": false` in
    the schema) Entra sends no user to Motimate at all, however right its attribute rows are.
    Without the *Create* (`Add`) or *Update* target object action, new users are never
    created in Motimate, or changes never reach it.

    Bad: `"enabled": false` on the User object mapping; `"flowTypes": "Update, Delete"`.
    Good: enabled, with Create, Update and Delete (`"Add, Update, Delete"`).

    Fix: Provisioning → Edit attribute mappings → Mappings → Provision Microsoft Entra ID Users
    → Enabled Yes, Target Object Actions Create, Update and Delete checked → Save.
    """
    users = schema.users
    missing = [
        label
        for flow, label in (("add", "Create"), ("update", "Update"))
        if flow not in {f.casefold() for f in users.flow_types}
    ]
    if users.enabled and not missing:
        return []
    problems, effects, actions = [], [], []
    if not users.enabled:
        problems.append("is disabled")
        effects.append("Entra will not provision any user to Motimate")
        actions.append("Enabled Yes")
    if missing:
        problems.append(f"does not {' or '.join(a.lower() for a in missing)} users")
        effects += [
            {"Create": "new users are never created in Motimate"}.get(a, "changes never reach it")
            for a in missing
        ]
        actions.append(f"Target Object Actions: check {' and '.join(missing)}")
    flows = ", ".join(users.flow_types) or "none"
    return [
        MappingIssue(
            target=users.target_object or "User",
            now=(
                f"Users: the object mapping {users.name or USERS_PORTAL_NAME} "
                f"{' and '.join(problems)}: {'; '.join(effects) if users.enabled else effects[0]}."
            ),
            wanted=(
                "The guide provisions users through this mapping: enabled, creating, updating "
                "and deleting users."
            ),
            where=f"{_portal(users, USERS_PORTAL_NAME)} → {', '.join(actions)} → Save.",
            pointer=users.pointer,
            value=f"enabled: {str(users.enabled).lower()}, flowTypes: {flows}",
        )
    ]


@rule("M010", Severity.WARNING, scope="mapping")
def m010_source_differs_from_guide(
    schema: ProvisioningSchema, agreed: Agreed = NOTHING_AGREED
) -> list[MappingIssue]:
    """A Motimate attribute is fed by another source than the guide's, not agreed in motiscim.yaml.

    The guide's default mapping ("Additional Technical Notes") feeds employee_number from
    userPrincipalName → userName, first_name and last_name from givenName and surname, email
    from mail, phone_number from mobile, position from jobTitle and active from
    `Switch([IsSoftDeleted], …)` (`Not([IsSoftDeleted])` says the same). "This mapping can
    be changed, but only in cooperation with Motimate." A different source usually syncs, but
    probably not as intended: `[mail]` → userName makes the email the employee number, and a
    user without mail then has none. A change agreed with Motimate is recorded in
    motiscim.yaml (`mapping: employee_number: '[mail]'`); then exactly that source is expected
    instead, and anything else is reported. externalId is M001/M002's, a missing row M005's,
    an active row that sends live users as inactive M011's.

    Bad: `[mail]` → userName; `[department]` → title; a constant → title.
    Good: `[userPrincipalName]` → userName, or the source recorded as agreed.

    Fix: Provisioning → Edit attribute mappings → Provision Microsoft Entra ID Users → click
    the row → Source attribute as the guide says → OK → Save; or, if Motimate agreed to the
    change, record it in motiscim.yaml under `mapping:`.
    """
    issues = []
    for guide in GUIDE_USER_MAPPING:
        if guide.target == EXTERNAL_ID:
            continue
        mapping = schema.users.by_target(guide.target)
        if mapping is None or _as_wanted(mapping, agreed) or _active_inverted(mapping):
            continue  # an inverted active row is M011's
        expression, is_agreed = _wanted(guide.target, agreed)
        name = guide.motimate or guide.target
        feeds = f" ({guide.motimate})" if guide.motimate else ""
        if is_agreed:
            wanted = (
                f"motiscim.yaml records {expression} → {mapping.target} as agreed with Motimate."
            )
            record = f"change mapping.{name} in motiscim.yaml"
        else:
            wanted = (
                f"The guide maps {_shown(expression)} → {mapping.target}{feeds}; the mapping "
                "can be changed only in cooperation with Motimate."
            )
            record = f"record it in motiscim.yaml as mapping.{name}"
        edit = (
            f"{_portal(schema.users, USERS_PORTAL_NAME)} → click the row for {mapping.target} → "
            f"{_source_setting(expression, mapping)} → OK → Save"
        )
        issues.append(
            MappingIssue(
                target=mapping.target,
                now=f"Users: {mapping.target}{feeds} is fed by {mapping.shown}.",
                wanted=wanted,
                where=f"{edit}; or, if Motimate agreed to {mapping.expression}, {record}.",
                pointer=mapping.pointer,
                value=mapping.expression,
                fix=expression,
                attribute=guide.motimate,
            )
        )
    return issues


def _active_inverted(mapping: AttributeMapping) -> bool:
    return (
        target_key(mapping.target) == _ACTIVE
        and mapping.source is not None
        and _inverts_active(mapping.source.expression)
    )


@rule("M011", Severity.ERROR, scope="mapping")
def m011_active_inverted(
    schema: ProvisioningSchema, agreed: Agreed = NOTHING_AGREED
) -> list[MappingIssue]:
    """active is inverted: users who are not deleted are sent to Motimate as inactive.

    Step 21 keeps `Switch([IsSoftDeleted], , "False", "True", "True", "False")` → active: a user
    who is not soft-deleted in Entra (IsSoftDeleted "False") is sent as active "True", a deleted
    one as "False". A Switch whose value for "False" is "False" (the pairs swapped, or a default
    of "False" with no "False" key) sends every live user as inactive: they are deactivated in
    Motimate or created inactive. Spacing and the case of True/False do not matter here; any
    other source for active is M010's.

    Bad: `Switch([IsSoftDeleted], , "False", "False", "True", "True")`;
    `Switch([IsSoftDeleted], , "True", "True", "False", "False")`.
    Good: `Switch([IsSoftDeleted], , "False", "True", "True", "False")`, or
    `Not([IsSoftDeleted])`.

    Fix: Provisioning → Edit attribute mappings → Provision Microsoft Entra ID Users → click
    the row for active → Mapping type Expression, Expression `Switch([IsSoftDeleted], , "False",
    "True", "True", "False")` (or the expression agreed with Motimate) → OK → Save.
    """
    mapping = schema.users.by_target("active")
    if mapping is None or not _active_inverted(mapping):
        return []
    expression, is_agreed = _wanted("active", agreed)
    if _inverts_active(expression):
        expression, is_agreed = _GUIDE_BY_TARGET[_ACTIVE].source, False
    wanted = (
        f"motiscim.yaml records {expression} → active as agreed with Motimate."
        if is_agreed
        else f'The guide maps {expression} → active (step 21): "True" for a user who is not '
        'deleted, "False" for a deleted one.'
    )
    return [
        MappingIssue(
            target=mapping.target,
            now=(
                f"Users: active is fed by {mapping.shown}, which sends every user who is not "
                'deleted (IsSoftDeleted "False") as inactive: Motimate would deactivate them all.'
            ),
            wanted=wanted,
            where=_users_where(
                schema, mapping.target, f"{_source_setting(expression, mapping)} → OK → Save"
            ),
            pointer=mapping.pointer,
            value=mapping.expression,
            fix=expression,
        )
    ]


@rule("M012", Severity.WARNING, scope="mapping")
def m012_more_than_one_user_mapping(
    schema: ProvisioningSchema, agreed: Agreed = NOTHING_AGREED
) -> list[MappingIssue]:
    """The schema has more than one enabled User mapping, or more than one rule from Entra.

    The guide sets up one synchronization rule from Microsoft Entra ID with one *Provision
    Microsoft Entra ID Users* mapping (steps 14–29), and motiscim checks exactly one: the
    rule whose target is the custom SCIM app (customappsso), else the first from Entra, and in
    it the first enabled User mapping. Any other enabled User mapping, or any other rule from
    Entra, is not checked — it may hold the step-29 revert or another old mapping — so the
    finding names the one checked and the ones that were not. A disabled User mapping
    provisions nothing and is not reported.

    Bad: a second enabled User → User mapping fed by mailNickname; two rules from Azure
    Active Directory.
    Good: one rule from Entra with one enabled User mapping.

    Fix: Provisioning → Edit attribute mappings → Mappings → the User mapping that is not meant
    to provision users → Enabled No → Save (another rule: remove it from the schema with
    Graph); then download the schema again and re-run `motiscim mapping`.
    """
    users = schema.users
    checked = f"{users.name or USERS_PORTAL_NAME} at {users.pointer}"
    issues = []
    others = schema.other_user_mappings()
    if others:
        named = [f"{m.name or USERS_PORTAL_NAME} at {m.pointer}" for m in others[:NAMED_VALUES]]
        issues.append(
            MappingIssue(
                target=users.target_object or "User",
                now=(
                    f"Users: the schema has {len(others) + 1} enabled User mappings; motiscim "
                    f"checked {checked} only, not {some_of(named, len(others) - len(named))}."
                ),
                wanted="The guide provisions users through one mapping (steps 14–29).",
                where=(
                    "Provisioning → Edit attribute mappings → Mappings → each User mapping not "
                    "meant to provision users → Enabled No → Save; then download the schema "
                    "again and re-run motiscim mapping."
                ),
                pointer=others[0].pointer,
                value=f"{len(others) + 1} enabled User mappings",
            )
        )
    if schema.other_rules:
        rules = list(schema.other_rules)
        named = rules[:NAMED_VALUES]
        issues.append(
            MappingIssue(
                target=users.target_object or "User",
                now=(
                    f"Users: the schema has {len(rules) + 1} synchronization rules from "
                    f"Microsoft Entra ID; motiscim checked {schema.rule_name or 'the one'} at "
                    f"{schema.rule_pointer} ({checked}) only, not "
                    f"{some_of(named, len(rules) - len(named))}."
                ),
                wanted="The guide sets up one synchronization rule from Microsoft Entra ID.",
                where=(
                    "Make sure the provisioning job uses only the rule checked: remove the "
                    "others from the schema (Graph: PUT /servicePrincipals/{id}/synchronization"
                    "/jobs/{jobId}/schema), then download the schema again and re-run motiscim "
                    "mapping."
                ),
                pointer=rules[0],
                value=f"{len(rules) + 1} synchronization rules from Microsoft Entra ID",
            )
        )
    return issues


# ---- running -------------------------------------------------------------------------------

SCHEMA_RULES = (
    "M001",
    "M002",
    "M003",
    "M004",
    "M005",
    "M006",
    "M007",
    "M009",
    "M010",
    "M011",
    "M012",
)


def _check(code: str, issue: MappingIssue, source: str | None) -> MappingCheck:
    catalogue = get_rule(code)
    finding = Finding(
        rule=catalogue.code,
        severity=catalogue.severity,
        message=issue.message,
        source=source,
        pointer=issue.pointer,
        attribute=issue.attribute,
        column=issue.target,
        value=issue.value,
        fix=issue.fix,
        fix_confidence="certain" if issue.fix is not None else None,
    )
    return MappingCheck(rule=catalogue, issue=issue, finding=finding)


def evaluate(
    schema: ProvisioningSchema,
    *,
    source: str | None = None,
    phone_error_users: int | None = None,
    unfixable: int = 0,
    agreed: Mapping[str, str] | None = None,
    codes: tuple[str, ...] = SCHEMA_RULES,
) -> list[MappingCheck]:
    """Run the schema rules (and M008 when the phone-error count of an export is given).

    `agreed` is motiscim.yaml's `mapping:` (Motimate attribute or SCIM target → source
    expression agreed with Motimate): that source is expected for the target instead of the
    guide's. Raises ValueError for a name that is neither.
    """
    targets = agreed_targets(agreed)
    checks: list[MappingCheck] = []
    for code in codes:
        for issue in get_rule(code).func(schema, targets):
            checks.append(_check(code, issue, source))
    if phone_error_users is not None:
        issues = m008_mobile_mapped_with_phone_errors(schema, phone_error_users, unfixable)
        checks.extend(_check("M008", issue, source) for issue in issues)
    return checks
