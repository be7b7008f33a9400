"""The Entra provisioning schema (Microsoft Graph `synchronizationSchema`), read tolerantly.

An admin gets this JSON from the Entra admin center (Provisioning → Edit attribute mappings →
Show advanced options → Review your schema here → Download) or from Graph
(`GET /servicePrincipals/{id}/synchronization/jobs/{jobId}/schema`). Its shape, as Microsoft
documents it::

    synchronizationRules[]                        one per direction; ours has Entra as source
      sourceDirectoryName, targetDirectoryName    "Azure Active Directory" → "customappsso"
      objectMappings[]                            "Provision … Users", "Provision … Groups"
        sourceObjectName, targetObjectName        "User" → "User", "Group" → "Group"
        enabled, flowTypes ("Add, Update, Delete"), name
        attributeMappings[]
          targetAttributeName                     "externalId", "emails[type eq "work"].value"
          source {expression, name, type, parameters}   type: Attribute | Function | Constant
          matchingPriority                        0 = not matching; 1 is tried first, then 2…
          flowType, defaultValue

`parse_schema` takes the already-decoded JSON value (no I/O) and returns a `ProvisioningSchema`,
or raises `SchemaError` saying what the value is instead. Unknown keys are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from checks.text import some_of

# What the engine and the admin center have called the Entra directory over the years.
ENTRA_DIRECTORY_NAMES = frozenset({"azure active directory", "microsoft entra id", "azure ad"})
# The target directory of a non-gallery SCIM app ("Integrate any other application…").
CUSTOM_SCIM_DIRECTORY = "customappsso"

# A message names this many of the values it found, then counts the rest ("and N more"), and
# cuts each at SHOWN_CHARS: a schema of 500 000 rules without a source directory, or with a
# name of a million characters, still gets a one-line reason, not megabytes of it.
NAMED_VALUES = 5
SHOWN_CHARS = 60

USERS_PORTAL_NAME = "Provision Microsoft Entra ID Users"
GROUPS_PORTAL_NAME = "Provision Microsoft Entra ID Groups"


class SchemaError(ValueError):
    """The JSON value is not an Entra provisioning schema; `reason` says what it is instead."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class GuideMapping:
    """One row of the guide's user mapping: where a Motimate attribute comes from in Entra."""

    motimate: str | None  # the Motimate attribute, None for the two that are not (active)
    target: str  # the SCIM (customappsso) attribute Entra writes
    source: str  # the Entra expression the guide keeps in the first column
    required: bool  # step 21 says keep it; mobile is the one the guide lets you delete


# DESIGN.md "The default mapping", which is the guide's "Additional Technical Notes" plus the
# objectId and IsSoftDeleted rows of step 21.
GUIDE_USER_MAPPING: tuple[GuideMapping, ...] = (
    GuideMapping("external_id", "externalId", "[objectId]", True),
    GuideMapping(
        None, "active", 'Switch([IsSoftDeleted], , "False", "True", "True", "False")', True
    ),
    GuideMapping("position", "title", "[jobTitle]", True),
    GuideMapping("email", 'emails[type eq "work"].value', "[mail]", True),
    GuideMapping("employee_number", "userName", "[userPrincipalName]", True),
    GuideMapping("first_name", "name.givenName", "[givenName]", True),
    GuideMapping("last_name", "name.familyName", "[surname]", True),
    GuideMapping("phone_number", 'phoneNumbers[type eq "mobile"].value', "[mobile]", False),
)


def target_key(name: str) -> str:
    """Compare SCIM attribute names the way SCIM does: case-insensitively, spacing ignored."""
    return "".join(name.split()).casefold()


def guide_entry(name: str) -> GuideMapping | None:
    """The guide's row for a Motimate attribute (`email`) or its SCIM target
    (`emails[type eq "work"].value`); `active` is both. None when it names neither."""
    key = target_key(name)
    for guide in GUIDE_USER_MAPPING:
        if key in (target_key(guide.target), guide.motimate):
            return guide
    return None


def expression_key(expression: str) -> str:
    """An expression in a form that compares equal when Entra would read it the same way:
    whitespace outside string literals dropped, and case folded there (attribute and function
    names are not case-sensitive); string literals are kept exactly.

    `Coalesce([mail], [userPrincipalName])` and `coalesce([Mail],[userPrincipalName])` → equal;
    `Join(" ", [givenName], [surname])` and `Join("", …)` → different.
    """
    out: list[str] = []
    in_string = False
    i = 0
    while i < len(expression):
        char = expression[i]
        if in_string:
            out.append(char)
            if char == "\\" and i + 1 < len(expression):
                out.append(expression[i + 1])
                i += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
            out.append(char)
        elif not char.isspace():
            out.append(char.casefold())
        i += 1
    return "".join(out)


@dataclass(frozen=True, slots=True)
class MappingSource:
    """Where an attribute mapping takes its value: an attribute, a function or a constant."""

    kind: str  # "Attribute", "Function", "Constant" (as Graph spells it) or "" when unknown
    name: str | None
    expression: str  # the expression text, rebuilt from the structure when the file has none
    attributes: tuple[str, ...]  # the Entra attributes it reads, in order of appearance

    @property
    def direct_attribute(self) -> str | None:
        """The attribute of a plain `[attribute]` mapping ("Direct" in the portal), else None."""
        text = self.expression.strip()
        if text.startswith("[") and text.endswith("]") and text.count("[") == 1:
            return text[1:-1].strip()
        return None

    def reads(self, attribute: str) -> bool:
        wanted = attribute.casefold()
        return any(a.casefold() == wanted for a in self.attributes)


@dataclass(frozen=True, slots=True)
class AttributeMapping:
    target: str  # targetAttributeName
    source: MappingSource | None  # None: no source, only a default value
    matching_priority: int  # 0: not used for matching; lower positive values are tried first
    flow_type: str | None
    default_value: str | None
    pointer: str  # RFC 6901 pointer to this mapping in the file

    @property
    def matching(self) -> bool:
        return self.matching_priority > 0

    @property
    def expression(self) -> str:
        """What the portal shows in its first column for this mapping."""
        if self.source is not None and self.source.expression:
            return self.source.expression
        if self.default_value is not None:
            return f'"{self.default_value}" (default value)'
        return "(no source)"

    @property
    def shown(self) -> str:
        """The source as the portal's attribute list shows it: `mail`, `Join(" ", …)`."""
        direct = self.source.direct_attribute if self.source is not None else None
        return direct if direct is not None else self.expression

    def reads(self, attribute: str) -> bool:
        return self.source is not None and self.source.reads(attribute)

    def is_direct(self, attribute: str) -> bool:
        direct = self.source.direct_attribute if self.source is not None else None
        return direct is not None and direct.casefold() == attribute.casefold()


@dataclass(frozen=True, slots=True)
class ObjectMapping:
    name: str | None
    source_object: str
    target_object: str
    enabled: bool
    flow_types: tuple[str, ...]  # ("Add", "Update", "Delete")
    attribute_mappings: tuple[AttributeMapping, ...]
    pointer: str

    def by_target(self, target: str) -> AttributeMapping | None:
        key = target_key(target)
        for mapping in self.attribute_mappings:
            if target_key(mapping.target) == key:
                return mapping
        return None

    def matching(self) -> list[AttributeMapping]:
        """The matching attributes in the order Entra tries them (lowest precedence first)."""
        return sorted(
            (m for m in self.attribute_mappings if m.matching), key=lambda m: m.matching_priority
        )


@dataclass(frozen=True, slots=True)
class ProvisioningSchema:
    id: str | None
    version: str | None
    rule_name: str | None
    source_directory: str
    target_directory: str | None
    users: ObjectMapping
    groups: ObjectMapping | None
    object_mappings: tuple[ObjectMapping, ...]  # every mapping of the Entra → app rule
    rule_pointer: str  # the rule checked
    other_rules: tuple[str, ...]  # pointers of the other rules from Entra, not checked

    def other_user_mappings(self) -> list[ObjectMapping]:
        """The enabled User mappings of the rule besides the one checked (Entra runs them too;
        a disabled one provisions nothing)."""
        return [
            m
            for m in self.object_mappings
            if m is not self.users and m.enabled and _is_object(m, "user")
        ]


# ---- parsing -------------------------------------------------------------------------------


def parse_schema(data: Any) -> ProvisioningSchema:
    """Read a decoded `synchronizationSchema` JSON value; raise `SchemaError` if it is not one."""
    if isinstance(data, list):
        raise SchemaError(_describe_array(data))
    if not isinstance(data, Mapping):
        raise SchemaError(f"it is a JSON {_json_type(data)}, not an object")
    if "synchronizationRules" not in data:
        inner = data.get("schema")
        # A synchronization job saved whole (GET …/jobs/{id}?$expand=schema) carries the schema.
        if isinstance(inner, Mapping) and "synchronizationRules" in inner:
            return parse_schema(inner)
        raise SchemaError(_describe_object(data))
    rules = data["synchronizationRules"]
    if not isinstance(rules, list):
        raise SchemaError(
            f"'synchronizationRules' is a JSON {_json_type(rules)}, not a list of rules"
        )
    if not rules:
        raise SchemaError("'synchronizationRules' is empty: the schema maps nothing")
    index, rule, others = _entra_rule(rules)
    rule_pointer = f"/synchronizationRules/{index}"
    raw_mappings = rule.get("objectMappings")
    if not isinstance(raw_mappings, list):
        raise SchemaError(f"{rule_pointer}/objectMappings is missing or not a list")
    object_mappings = tuple(
        _object_mapping(item, f"{rule_pointer}/objectMappings/{i}")
        for i, item in enumerate(raw_mappings)
    )
    users = _pick(object_mappings, "user")
    if users is None:
        raise SchemaError(
            "the rule from Microsoft Entra ID has no object mapping with sourceObjectName "
            f"'User' (found: {_found([m.source_object for m in object_mappings])})"
        )
    return ProvisioningSchema(
        id=_text(data.get("id")),
        version=_text(data.get("version")),
        rule_name=_text(rule.get("name")),
        source_directory=str(rule.get("sourceDirectoryName")),
        target_directory=_text(rule.get("targetDirectoryName")),
        users=users,
        groups=_pick(object_mappings, "group"),
        object_mappings=object_mappings,
        rule_pointer=rule_pointer,
        other_rules=tuple(f"/synchronizationRules/{i}" for i in others),
    )


def _entra_rule(rules: list[Any]) -> tuple[int, Mapping[str, Any], list[int]]:
    """The rule that provisions from Entra, preferring one whose target is a custom SCIM app,
    and the indexes of the other rules from Entra."""
    candidates: list[tuple[int, Mapping[str, Any]]] = []
    sources: list[Any] = []
    for index, rule in enumerate(rules):
        if not isinstance(rule, Mapping):
            raise SchemaError(f"/synchronizationRules/{index} is a JSON {_json_type(rule)}")
        source = rule.get("sourceDirectoryName")
        sources.append(source)
        if isinstance(source, str) and " ".join(source.split()).casefold() in (
            ENTRA_DIRECTORY_NAMES
        ):
            candidates.append((index, rule))
    if not candidates:
        raise SchemaError(
            "no synchronization rule has Microsoft Entra ID ('Azure Active Directory') as its "
            f"sourceDirectoryName (found: {_found(sources)})"
        )
    index, rule = candidates[0]
    for candidate in candidates:
        target = candidate[1].get("targetDirectoryName")
        if isinstance(target, str) and target.strip().casefold() == CUSTOM_SCIM_DIRECTORY:
            index, rule = candidate
            break
    return index, rule, [i for i, _ in candidates if i != index]


def _is_object(mapping: ObjectMapping, source_object: str) -> bool:
    return mapping.source_object.strip().casefold() == source_object


def _pick(mappings: Iterable[ObjectMapping], source_object: str) -> ObjectMapping | None:
    """The enabled mapping for a source object type, else the first one of that type."""
    matches = [m for m in mappings if _is_object(m, source_object)]
    enabled = [m for m in matches if m.enabled]
    return (enabled or matches or [None])[0]


def _object_mapping(item: Any, pointer: str) -> ObjectMapping:
    if not isinstance(item, Mapping):
        raise SchemaError(f"{pointer} is a JSON {_json_type(item)}, not an object mapping")
    raw = item.get("attributeMappings", [])
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise SchemaError(f"{pointer}/attributeMappings is a JSON {_json_type(raw)}, not a list")
    return ObjectMapping(
        name=_text(item.get("name")),
        source_object=_text(item.get("sourceObjectName")) or "",
        target_object=_text(item.get("targetObjectName")) or "",
        enabled=_flag(item.get("enabled"), default=True),
        flow_types=_flow_types(item.get("flowTypes")),
        attribute_mappings=tuple(
            _attribute_mapping(entry, f"{pointer}/attributeMappings/{i}")
            for i, entry in enumerate(raw)
        ),
        pointer=pointer,
    )


def _attribute_mapping(item: Any, pointer: str) -> AttributeMapping:
    if not isinstance(item, Mapping):
        raise SchemaError(f"{pointer} is a JSON {_json_type(item)}, not an attribute mapping")
    target = item.get("targetAttributeName")
    if not isinstance(target, str) or not target.strip():
        raise SchemaError(f"{pointer} has no targetAttributeName")
    raw_source = item.get("source")
    source = _source(raw_source, f"{pointer}/source") if raw_source is not None else None
    default = item.get("defaultValue")
    return AttributeMapping(
        target=target.strip(),
        source=source,
        matching_priority=_priority(item.get("matchingPriority"), f"{pointer}/matchingPriority"),
        flow_type=_text(item.get("flowType")),
        default_value=None if default is None else str(default),
        pointer=pointer,
    )


def _source(item: Any, pointer: str) -> MappingSource:
    if not isinstance(item, Mapping):
        raise SchemaError(f"{pointer} is a JSON {_json_type(item)}, not a mapping source")
    kind = _text(item.get("type")) or ""
    kind = {"attribute": "Attribute", "function": "Function", "constant": "Constant"}.get(
        kind.casefold(), kind
    )
    name = _text(item.get("name"))
    params: list[MappingSource] = []
    raw_params = item.get("parameters") or []
    if isinstance(raw_params, list):
        for i, pair in enumerate(raw_params):
            value = pair.get("value") if isinstance(pair, Mapping) else None
            if isinstance(value, Mapping):
                params.append(_source(value, f"{pointer}/parameters/{i}/value"))
    expression = _text(item.get("expression"))
    if expression:
        attributes = expression_attributes(expression)
    else:
        expression = _rebuild(kind, name, params)
        attributes = expression_attributes(expression)
    if not kind:
        kind = "Attribute" if name and expression == f"[{name}]" else ""
    return MappingSource(kind=kind, name=name, expression=expression, attributes=attributes)


def _rebuild(kind: str, name: str | None, params: list[MappingSource]) -> str:
    """An expression for a source that carries only its structure (no 'expression' key)."""
    if not name:
        return ""
    if kind == "Constant":
        return '"' + name.replace('"', '\\"') + '"'
    if kind == "Function":
        return f"{name}({', '.join(p.expression for p in params)})"
    return f"[{name}]"  # Graph's default type is Attribute


def expression_attributes(expression: str) -> tuple[str, ...]:
    """The `[attribute]` references of an Entra mapping expression, outside string literals.

    `Switch([IsSoftDeleted], , "False", "True", "True", "False")` → ("IsSoftDeleted",);
    `Join(" ", [givenName], [surname])` → ("givenName", "surname");
    `Replace([mail], "[", , , "(", , )` → ("mail",). Each attribute appears once.
    """
    found: list[str] = []
    in_string = False
    i = 0
    while i < len(expression):
        char = expression[i]
        if in_string:
            if char == "\\":
                i += 2
                continue
            if char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "[":
            end = expression.find("]", i + 1)
            if end == -1:
                break
            name = expression[i + 1 : end].strip()
            if name and name.casefold() not in (f.casefold() for f in found):
                found.append(name)
            i = end
        i += 1
    return tuple(found)


def function_call(expression: str) -> tuple[str, tuple[str, ...]] | None:
    """(function name casefolded, its arguments' texts stripped) of an expression that is one
    call, split at its top-level commas only (not in string literals or nested calls); None for
    anything else.

    `Switch([IsSoftDeleted], , "False", "True")` → ("switch", ("[IsSoftDeleted]", "", '"False"',
    '"True"')); `Not([IsSoftDeleted])` → ("not", ("[IsSoftDeleted]",)); `[mail]` → None.
    """
    text = expression.strip()
    start = text.find("(")
    if start <= 0 or not text.endswith(")") or not text[:start].strip().isidentifier():
        return None
    args: list[str] = []
    depth, in_string, begin, i = 0, False, start + 1, start + 1
    while i < len(text) - 1:
        char = text[i]
        if in_string:
            if char == "\\":
                i += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return None  # the first call ends before the expression does: `F(a) & G(b)`
        elif char == "," and depth == 0:
            args.append(text[begin:i].strip())
            begin = i + 1
        i += 1
    if in_string or depth:
        return None
    args.append(text[begin:-1].strip())
    return text[:start].strip().casefold(), tuple(args)


def _flow_types(value: Any) -> tuple[str, ...]:
    """'Add, Update, Delete', 'Add,Update,Delete' or a list → ('Add', 'Update', 'Delete')."""
    if value is None:
        return ("Add", "Update", "Delete")  # Graph's documented default
    parts = value if isinstance(value, list) else str(value).split(",")
    return tuple(str(p).strip() for p in parts if str(p).strip())


def _priority(value: Any, pointer: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool):
        raise SchemaError(f"{pointer} is true/false, not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise SchemaError(f"{pointer} is not a whole number")


def _flag(value: Any, *, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().casefold() in ("true", "false"):
        return value.strip().casefold() == "true"
    return default


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


# ---- saying what a non-schema is -----------------------------------------------------------


def _found(values: Sequence[Any]) -> str:
    """`'User', None and 499998 more`: the first NAMED_VALUES values (repr, cut short), the rest
    counted; `none` for no value."""
    named = [_shortened(repr(value), SHOWN_CHARS) for value in values[:NAMED_VALUES]]
    return some_of(named, len(values) - len(named)) or "none"


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _looks_like_users(items: Iterable[Any]) -> bool:
    for item in items:
        if isinstance(item, Mapping) and (
            "userPrincipalName" in item or "UserPrincipalName" in item
        ):
            return True
    return False


def _describe_array(data: list[Any]) -> str:
    if _looks_like_users(data[:50]):
        return "it is a JSON array of users (an export of users)"
    return "it is a JSON array, not an object"


def _describe_object(data: Mapping[str, Any]) -> str:
    error = data.get("error")
    if isinstance(error, Mapping) and ("code" in error or "message" in error):
        code = _text(error.get("code")) or "no code"
        message = _shortened(" ".join((_text(error.get("message")) or "").split()), 120)
        said = f": {message}" if message else ""
        return f"it is a Microsoft Graph error response ({code}{said})"
    value = data.get("value")
    if isinstance(value, list):
        if _looks_like_users(value[:50]):
            return "it is a Microsoft Graph list of users (an export of users)"
        return "it is a Microsoft Graph list response ('value' array)"
    if "userPrincipalName" in data:
        return "it is a single user object"
    return (
        "it has no 'synchronizationRules' (download the schema from Provisioning → Edit "
        "attribute mappings → Show advanced options → Review your schema here → Download)"
    )
