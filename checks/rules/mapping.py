"""Mapping rules (M001–M008): the Entra provisioning schema against the guide, steps 14–38.

Each rule reads a parsed `ProvisioningSchema` and returns `MappingIssue`s: the SCIM target
attribute, what it is now, what the guide wants and where in the admin center to change it.
`evaluate()` runs them and turns each issue into a `Finding` (column = the SCIM target
attribute, value = the source expression as it is now, fix = the guide's source expression).
"""

from __future__ import annotations

from dataclasses import dataclass

from checks.mapping_schema import (
    GROUPS_PORTAL_NAME,
    GUIDE_USER_MAPPING,
    USERS_PORTAL_NAME,
    AttributeMapping,
    ObjectMapping,
    ProvisioningSchema,
    target_key,
)
from checks.model import Finding, Rule, Severity, get_rule, rule

EXTERNAL_ID = "externalId"
OBJECT_ID = "objectId"
MAIL_NICKNAME = "mailNickname"
UPN = "userPrincipalName"
MOBILE_TARGET = 'phoneNumbers[type eq "mobile"].value'

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
    fix: str | None = None  # the guide's source expression, when it names one
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
        names = ", ".join(f"{m.target} ({m.shown})" for m in before)
        problems.append(f"comes after {names}")
    if tied:
        names = ", ".join(f"{m.target} ({m.shown})" for m in tied)
        problems.append(f"shares precedence {mapping.matching_priority} with {names}")
    return problems


def _attribute_of(target: str) -> str | None:
    guide = _GUIDE_BY_TARGET.get(target_key(target))
    return guide.motimate if guide is not None else None


# ---- the rules -------------------------------------------------------------------------------


@rule("M001", Severity.ERROR, scope="mapping")
def m001_users_not_matched_on_object_id(schema: ProvisioningSchema) -> list[MappingIssue]:
    """Users are not matched on objectId → externalId with matching precedence 1.

    The guide (steps 18–19 and 25–26) makes objectId the attribute Entra uses to find a user
    that already exists in Motimate: source objectId, target externalId, *Match objects using
    this attribute* = Yes, *Matching precedence* = 1. Entra tries matching attributes in
    precedence order; if another attribute comes first, or externalId is fed by something
    else, users are matched on the wrong value and duplicates or failures follow.

    Bad: objectId → externalId with *Match objects using this attribute* = No; objectId at
    precedence 2 behind userPrincipalName; employeeId → externalId.
    Good: objectId → externalId, matching, precedence 1, and no other attribute before it.

    Fix: Provisioning → Edit attribute mappings → Provision Microsoft Entra ID Users → click
    externalId → Source attribute objectId, Match objects using this attribute Yes, Matching
    precedence 1 → OK → Save. (mailNickname → externalId is M002; a missing row is M005.)
    """
    mapping = schema.users.by_target(EXTERNAL_ID)
    if mapping is None:
        return []  # M005 reports the missing row
    wrong_source = not mapping.is_direct(OBJECT_ID) and not mapping.reads(MAIL_NICKNAME)
    problems = [f"is fed by {mapping.shown}"] if wrong_source else []
    problems += _order_problems(mapping, schema.users)
    if not problems:
        return []
    actions = []
    if wrong_source:
        actions.append("Source attribute objectId")
    actions.append("Match objects using this attribute Yes, Matching precedence 1 → OK → Save")
    return [
        MappingIssue(
            target=EXTERNAL_ID,
            now=f"Users: externalId {' and '.join(problems)}.",
            wanted=(
                "The guide matches users on objectId → externalId with matching precedence 1, "
                "before any other attribute."
            ),
            where=_users_where(schema, EXTERNAL_ID, ", ".join(actions)),
            pointer=mapping.pointer,
            value=mapping.expression,
            fix="[objectId]" if wrong_source else None,
            attribute="external_id",
        )
    ]


@rule("M002", Severity.ERROR, scope="mapping")
def m002_mail_nickname_where_object_id_belongs(schema: ProvisioningSchema) -> list[MappingIssue]:
    """mailNickname feeds externalId where the guide puts objectId (the step-29 revert).

    Step 29 of the guide: after saving the mappings, Entra often turns the first row back from
    objectId to mailNickname — "otherwise all users will fail to synchronize with Motimate".
    The schema then maps mailNickname → externalId, usually still as the matching attribute,
    so Entra matches users on their mail alias instead of their object ID.

    Bad: `[mailNickname]` → externalId (matching precedence 1).
    Good: `[objectId]` → externalId (matching precedence 1).

    Fix: Provisioning → Edit attribute mappings → Provision Microsoft Entra ID Users → click
    mailNickname → Source attribute objectId → OK → Save → Yes; then download the schema again
    and re-run `motiscim mapping`, because the revert can come back on the next save.
    """
    mapping = schema.users.by_target(EXTERNAL_ID)
    if mapping is None or not mapping.reads(MAIL_NICKNAME):
        return []
    return [
        MappingIssue(
            target=EXTERNAL_ID,
            now=(
                f"Users: externalId is fed by {mapping.shown} and {_precedence(mapping)}: "
                "Entra has reverted the source from objectId to mailNickname (guide step 29), "
                "and all users will fail to synchronize."
            ),
            wanted="The guide wants objectId → externalId, matching with precedence 1.",
            where=_users_where(
                schema,
                f"{EXTERNAL_ID} (shown as mailNickname)",
                "Source attribute objectId → OK → Save → Yes, then download the schema again "
                "and check that it stayed objectId",
            ),
            pointer=mapping.pointer,
            value=mapping.expression,
            fix="[objectId]",
            attribute="external_id",
        )
    ]


@rule("M003", Severity.ERROR, scope="mapping")
def m003_user_principal_name_still_matching(schema: ProvisioningSchema) -> list[MappingIssue]:
    """userPrincipalName is still a matching attribute for users.

    The non-gallery app matches users on userPrincipalName → userName by default. The guide
    (steps 23–24) turns that off so that objectId → externalId is the only way Entra finds an
    existing Motimate user; a UPN change (a renamed employee, a new domain) must not make
    Entra create a second user.

    Bad: userPrincipalName → userName with *Match objects using this attribute* = Yes.
    Good: userPrincipalName → userName with *Match objects using this attribute* = No.

    Fix: Provisioning → Edit attribute mappings → Provision Microsoft Entra ID Users → click
    userName (source userPrincipalName) → Match objects using this attribute No → OK → Save.
    """
    issues = []
    for mapping in schema.users.attribute_mappings:
        if not (mapping.matching and mapping.reads(UPN)):
            continue
        issues.append(
            MappingIssue(
                target=mapping.target,
                now=(
                    f"Users: {mapping.target} is fed by {mapping.shown} and matches with "
                    f"precedence {mapping.matching_priority}."
                ),
                wanted=(
                    "The guide turns matching off for userPrincipalName (steps 23–24): "
                    "only objectId → externalId matches."
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
def m004_attributes_to_delete_still_mapped(schema: ProvisioningSchema) -> list[MappingIssue]:
    """Attributes the guide says to delete (step 22) are still mapped for users.

    Step 22 lists the non-gallery app's other default mappings — displayName,
    preferredLanguage, Join(" ", [givenName], [surname]), physicalDeliveryOfficeName,
    streetAddress, city, state, postalCode, country, telephoneNumber,
    facsimileTelephoneNumber, employeeId, department, manager — as ones to delete. Motimate
    does not use them, but Entra still sends them, and a bad value in any of them (a manager
    that is not provisioned, say) can still fail or slow down a user's sync. A mapping that
    feeds one of Motimate's own attributes (department → title, agreed with Motimate) is left
    alone.

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
def m005_required_mapping_missing(schema: ProvisioningSchema) -> list[MappingIssue]:
    """A mapping the guide says to keep (step 21) is missing from the user mapping.

    Step 21 keeps objectId, Switch([IsSoftDeleted], , "False", "True", "True", "False"),
    jobTitle, mail, userPrincipalName, givenName and surname. Without them Motimate gets no
    external ID, no employee number, no name or email, or never hears that a user was
    removed. mobile is optional: the guide lets you delete it when phone numbers are not
    reliable, so its absence is fine. The check is on the SCIM target attribute: a different
    source agreed with Motimate (Coalesce([mail],[userPrincipalName]) → emails) is accepted.

    Bad: no row for userName; the `Switch([IsSoftDeleted], …)` → active row deleted.
    Good: all seven rows present.

    Fix: Provisioning → Edit attribute mappings → Provision Microsoft Entra ID Users → Add New
    Mapping → the source and target attribute the guide names → OK → Save.
    """
    issues = []
    for guide in GUIDE_USER_MAPPING:
        if not guide.required or schema.users.by_target(guide.target) is not None:
            continue
        mapping_type = "Expression" if "(" in guide.source else "Direct"
        extra = (
            ", Match objects using this attribute Yes, Matching precedence 1"
            if guide.target == EXTERNAL_ID
            else ""
        )
        issues.append(
            MappingIssue(
                target=guide.target,
                now=f"Users: nothing is mapped to {guide.target}.",
                wanted=f"The guide keeps {guide.source} → {guide.target} (step 21).",
                where=(
                    f"{_portal(schema.users, USERS_PORTAL_NAME)} → Add New Mapping → "
                    f"Mapping type {mapping_type}, source {guide.source}, target attribute "
                    f"{guide.target}{extra} → OK → Save."
                ),
                pointer=f"{schema.users.pointer}/attributeMappings",
                fix=guide.source,
                attribute=guide.motimate,
            )
        )
    return issues


@rule("M006", Severity.ERROR, scope="mapping")
def m006_groups_not_matched_on_object_id(schema: ProvisioningSchema) -> list[MappingIssue]:
    """Groups are not matched on objectId → externalId, or displayName still matches.

    Steps 31–36 switch the group mapping from the default (match on displayName) to objectId
    → externalId with matching precedence 1, and turn matching off for displayName. Group
    names change and repeat; a group matched on its name can be merged with another group or
    duplicated in Motimate. A schema without a group mapping is not checked.

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
    where = _portal(groups, GROUPS_PORTAL_NAME)
    issues = []
    external = groups.by_target(EXTERNAL_ID)
    if external is None:
        issues.append(
            MappingIssue(
                target=EXTERNAL_ID,
                now="Groups: nothing is mapped to externalId.",
                wanted="The guide matches groups on objectId → externalId with precedence 1.",
                where=(
                    f"{where} → Add New Mapping → source objectId, target attribute "
                    "externalId, Match objects using this attribute Yes, Matching precedence 1 "
                    "→ OK → Save."
                ),
                pointer=f"{groups.pointer}/attributeMappings",
                fix="[objectId]",
            )
        )
    else:
        wrong_source = not external.is_direct(OBJECT_ID)
        problems = [f"is fed by {external.shown}"] if wrong_source else []
        problems += _order_problems(external, groups)
        if problems:
            issues.append(
                MappingIssue(
                    target=EXTERNAL_ID,
                    now=f"Groups: externalId {' and '.join(problems)}.",
                    wanted=(
                        "The guide matches groups on objectId → externalId with precedence 1 "
                        "(steps 32–33 and 36)."
                    ),
                    where=(
                        f"{where} → click the row for externalId → Source attribute "
                        "objectId, Match objects using this attribute Yes, Matching precedence "
                        "1 → OK → Save."
                    ),
                    pointer=external.pointer,
                    value=external.expression,
                    fix="[objectId]" if wrong_source else None,
                )
            )
    for mapping in groups.attribute_mappings:
        if not mapping.matching:
            continue
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
                    f"{where} → click the row for {mapping.target} → Match objects using "
                    "this attribute No → OK → Save."
                ),
                pointer=mapping.pointer,
                value=mapping.expression,
            )
        )
    return issues


@rule("M007", Severity.INFO, scope="mapping")
def m007_attributes_motimate_ignores(schema: ProvisioningSchema) -> list[MappingIssue]:
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
                    f"the export have a phone number that will fail{detail}."
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


# ---- running -------------------------------------------------------------------------------

SCHEMA_RULES = ("M001", "M002", "M003", "M004", "M005", "M006", "M007")


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
    codes: tuple[str, ...] = SCHEMA_RULES,
) -> list[MappingCheck]:
    """Run M001–M007 (and M008 when the phone-error count of an export is given)."""
    checks: list[MappingCheck] = []
    for code in codes:
        for issue in get_rule(code).func(schema):
            checks.append(_check(code, issue, source))
    if phone_error_users is not None:
        issues = m008_mobile_mapped_with_phone_errors(schema, phone_error_users, unfixable)
        checks.extend(_check("M008", issue, source) for issue in issues)
    return checks


def check_mapping(schema: ProvisioningSchema, *, source: str | None = None) -> list[Finding]:
    """The findings of M001–M007 on a schema; `source` is the schema file's path."""
    return [check.finding for check in evaluate(schema, source=source)]


def m008(
    schema: ProvisioningSchema,
    phone_error_users: int,
    unfixable: int,
    *,
    source: str | None = None,
) -> list[Finding]:
    """M008 on its own: the caller counts the export's users with phone errors."""
    issues = m008_mobile_mapped_with_phone_errors(schema, phone_error_users, unfixable)
    return [_check("M008", issue, source).finding for issue in issues]


def motimate_columns(schema: ProvisioningSchema) -> dict[str, str]:
    """Which Entra attribute feeds each Motimate attribute under this schema.

    The attribute of a plain `[attribute]` mapping, or the first attribute an expression reads
    (`Coalesce([mail], [userPrincipalName])` → mail). Motimate attributes with no mapping, or
    fed only by a constant, are left out. After the step-29 revert: external_id → mailNickname.
    """
    columns: dict[str, str] = {}
    for guide in GUIDE_USER_MAPPING:
        if guide.motimate is None:
            continue
        mapping = schema.users.by_target(guide.target)
        if mapping is None or mapping.source is None or not mapping.source.attributes:
            continue
        columns[guide.motimate] = mapping.source.attributes[0]
    return columns
