"""Which Entra attribute feeds each Motimate attribute, as a provisioning schema says.

The user rules check one export column per Motimate attribute, by default the guide's
(userPrincipalName for employee_number, objectId for external_id …). A schema can feed an
attribute from something else — `[mail]` → userName, `[userPrincipalName]` → externalId — and
then those values are what Motimate receives and what the rules must judge. `user_feeds(schema)`
says, for each Motimate attribute, what the schema sends and whether one export column holds it:

- `guide`: the guide's own Entra attribute (nothing changes);
- `attribute`: another single Entra attribute, sent as it is or only upper- or lower-cased
  (`ToLower([mail])`), which changes no emptiness, whitespace, case-insensitive uniqueness,
  address or number format the rules look at: its column is the one to check;
- `not-mapped`: the schema maps nothing to the Motimate attribute, so Entra sends nothing and
  its rules predict nothing;
- `not-followed`: anything else (Coalesce, Join, StripSpaces, a constant, a default value for
  users without the attribute). That is not one column, so no column is guessed: the guide's
  column stays the one checked, and `reason` says why.

Conservative on purpose: only a source whose value is one attribute's value, unchanged for the
rules, moves the rules to another column. `active` is not followed: its rule (A001, a disabled
account) is about whether Entra provisions the user at all, not about what `active` carries.

No I/O and no knowledge of export headers: which export column holds an Entra attribute is the
loaders' business (`motiscim_cli.loaders.columns`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from checks.mapping_schema import (
    GUIDE_USER_MAPPING,
    AttributeMapping,
    MappingSource,
    ProvisioningSchema,
    expression_key,
)

FeedState = Literal["guide", "attribute", "not-mapped", "not-followed"]

# ToLower([x]) / ToUpper([x], "culture") in `expression_key` form: the one attribute, only
# its letter case changed.
_CASE_ONLY = re.compile(r'(?:tolower|toupper)\(\[[^\[\]"]+\](?:,"[^"\\]*")?\)')


@dataclass(frozen=True, slots=True)
class AttributeFeed:
    """What the schema sends to one Motimate attribute, and whether one column holds it."""

    motimate: str  # the Motimate attribute: "employee_number"
    target: str  # the SCIM attribute, as the schema spells it (the guide's when not mapped)
    guide_source: str  # the Entra attribute the guide feeds it from: "userPrincipalName"
    state: FeedState
    expression: str | None = None  # the schema's source expression; None when not mapped
    source: str | None = None  # the Entra attribute sent ("guide" and "attribute" states)
    reason: str | None = None  # "not-followed": why no single column holds it

    @property
    def moves_column(self) -> bool:
        """The rules should read another column than the guide's (or none at all)."""
        return self.state in ("attribute", "not-mapped")


# E003's remedy: the UPN is sent as the email of a user without mail.
MAIL_OR_UPN = "Coalesce([mail],[userPrincipalName])"


def sends_upn_without_mail(feed: AttributeFeed | None) -> bool:
    """The email is fed by `MAIL_OR_UPN`: a user with an empty mail syncs with the UPN."""
    return (
        feed is not None
        and feed.expression is not None
        and expression_key(feed.expression) == expression_key(MAIL_OR_UPN)
    )


def single_attribute(source: MappingSource) -> str | None:
    """The Entra attribute whose value a source sends unchanged for the user rules: a plain
    `[attribute]`, or `ToLower`/`ToUpper` of one attribute. None for anything else."""
    direct = source.direct_attribute
    if direct is not None:
        return direct or None
    if len(source.attributes) == 1 and _CASE_ONLY.fullmatch(expression_key(source.expression)):
        return source.attributes[0]
    return None


def _why_not_followed(mapping: AttributeMapping) -> str:
    source = mapping.source
    if source is None or source.kind == "Constant" or not source.attributes:
        return "it sends no attribute of the user (a constant, or only a default value)"
    if len(source.attributes) > 1:
        return f"it combines {', '.join(source.attributes)}"
    return f"it changes {source.attributes[0]} before sending it"


def _feed(
    motimate: str, guide_target: str, guide_source: str, schema: ProvisioningSchema
) -> AttributeFeed:
    mapping = schema.users.by_target(guide_target)
    if mapping is None:
        return AttributeFeed(motimate, guide_target, guide_source, "not-mapped")
    source = mapping.source
    attribute = single_attribute(source) if source is not None else None
    if attribute is not None and mapping.default_value:
        # Users without the attribute get the default: emptiness on the column says nothing.
        reason = f"it sends the default value {mapping.default_value!r} when {attribute} is empty"
        attribute = None
    else:
        reason = None if attribute is not None else _why_not_followed(mapping)
    if attribute is None:
        state: FeedState = "not-followed"
    elif attribute.casefold() == guide_source.casefold():
        state = "guide"
    else:
        state = "attribute"
    return AttributeFeed(
        motimate=motimate,
        target=mapping.target,
        guide_source=guide_source,
        state=state,
        expression=mapping.expression,
        source=attribute,
        reason=reason,
    )


def user_feeds(schema: ProvisioningSchema) -> dict[str, AttributeFeed]:
    """For each Motimate attribute but `active`, in the guide's order: what the schema's Users
    mapping sends to it (see the module documentation for the states)."""
    feeds: dict[str, AttributeFeed] = {}
    for guide in GUIDE_USER_MAPPING:
        if guide.motimate is None:
            continue  # active: see the module documentation
        guide_source = guide.source.strip("[]")
        feeds[guide.motimate] = _feed(guide.motimate, guide.target, guide_source, schema)
    return feeds
