"""Which column feeds which Motimate attribute, and which export shape a header set is.

The default mapping is the vendor guide's ("Additional Technical Notes"); each attribute lists
the names the same Entra attribute has in the shapes we read, in order of preference:

- employee_number ← userPrincipalName
- first_name ← givenName, firstName
- last_name ← surname, sn (Get-ADUser), lastName
- email ← mail, emailAddress (Get-ADUser's name for mail)
- phone_number ← mobile (legacy portal, AzureAD, AD), mobilePhone (current portal, Graph)
- position ← jobTitle, title (Get-ADUser)
- external_id ← objectId (legacy portal, AzureAD), id (portal, Graph, Get-MgUser),
  objectGUID (Get-ADUser)
- active ← accountEnabled, enabled (Get-ADUser)

Names are compared ignoring case, spaces, NBSP, a BOM and invisible marks, so
"User principal name" and "\ufeffuserPrincipalName" both match.

`--column ATTRIBUTE=HEADER` replaces the list for that attribute. With a provisioning schema,
an attribute the schema feeds from another Entra attribute (`[mail]` → userName) is looked for
under that attribute's names (`SchemaColumn`, `entra_names`), unless `--column` names one: the
user's choice wins. Columns that feed nothing
(telephoneNumber, businessPhones, authenticationPhoneNumber, displayName …) are never put in
`UserRecord.values`. The context fields (UPN, object ID, accountEnabled, userType,
usageLocation, country, directorySynced) always come from their own columns, whatever the
overrides say, because they describe the user as Entra holds it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from checks.model import MOTIMATE_ATTRIBUTES
from checks.text import remove_blanks

ATTRIBUTE_SOURCES: dict[str, tuple[str, ...]] = {
    "employee_number": ("userPrincipalName",),
    "first_name": ("givenName", "firstName"),
    "last_name": ("surname", "sn", "lastName"),
    "email": ("mail", "emailAddress"),
    "phone_number": ("mobile", "mobilePhone"),
    "position": ("jobTitle", "title"),
    "external_id": ("objectId", "id", "objectGUID"),
    "active": ("accountEnabled", "enabled"),
}

# Context fields: (UserRecord field, names looked for). "Block credential" / "Block sign in"
# (Microsoft 365 admin center) mean the opposite of accountEnabled.
CONTEXT_SOURCES: dict[str, tuple[str, ...]] = {
    "user_principal_name": ("userPrincipalName",),
    "object_id": ("objectId", "id", "objectGUID"),
    "account_enabled": ("accountEnabled", "enabled"),
    "account_blocked": ("blockCredential", "blockSignIn"),
    "user_type": ("userType",),
    "usage_location": ("usageLocation",),
    "country": ("country", "c"),
    "directory_synced": ("directorySynced", "onPremisesSyncEnabled", "dirSyncEnabled"),
}

# Values F005 looks at besides the mapped text attributes: the display name is the most
# letter-rich column of an export and shows encoding loss first.
LOSSY_EXTRA_SOURCES: tuple[str, ...] = ("displayName",)

REQUIRED_ATTRIBUTES: tuple[str, ...] = ("employee_number", "external_id")

# An Entra attribute as a provisioning schema names it → the names its value has in the export
# shapes we read (the same lists as the default mapping's). Any other attribute (employeeId,
# mailNickname, department …) is looked for under its own name.
ENTRA_NAMES: dict[str, tuple[str, ...]] = {
    "userprincipalname": ATTRIBUTE_SOURCES["employee_number"],
    "givenname": ATTRIBUTE_SOURCES["first_name"],
    "surname": ATTRIBUTE_SOURCES["last_name"],
    "mail": ATTRIBUTE_SOURCES["email"],
    "mobile": ATTRIBUTE_SOURCES["phone_number"],
    "jobtitle": ATTRIBUTE_SOURCES["position"],
    "objectid": ATTRIBUTE_SOURCES["external_id"],
    # Graph /users has no telephoneNumber: it is the first of businessPhones (an array)
    "telephonenumber": ("telephoneNumber", "businessPhones"),
}


# Names a header row of an export we read may start with, casefolded: a row whose first cell
# is one of them may be another export's header (F008), joined under this one.
HEADER_NAMES = frozenset(
    name.casefold()
    for names in (
        *ATTRIBUTE_SOURCES.values(),
        *CONTEXT_SOURCES.values(),
        *ENTRA_NAMES.values(),
        LOSSY_EXTRA_SOURCES,
        ("distinguishedName", "extensionProperty", "name", "samAccountName", "department"),
    )
    for name in names
)
HEADER_NAME_LENGTH = max(map(len, HEADER_NAMES))


def entra_names(attribute: str) -> tuple[str, ...]:
    """The export names of an Entra attribute: `mobile` → ('mobile', 'mobilePhone')."""
    return ENTRA_NAMES.get(normalize_header(attribute), (attribute.strip(),))


@dataclass(frozen=True, slots=True)
class SchemaColumn:
    """The column a provisioning schema chooses for one Motimate attribute."""

    target: str  # the SCIM attribute it feeds: "userName"
    source: str | None  # the Entra attribute the schema sends; None: the schema maps nothing
    names: tuple[str, ...]  # the export names that hold it, in order; () when not mapped

    @classmethod
    def fed_by(cls, target: str, source: str | None) -> SchemaColumn:
        return cls(target, source, entra_names(source) if source is not None else ())


def normalize_header(name: str) -> str:
    """The comparison key of a header: no whitespace, NBSP, BOM or invisible marks; casefolded."""
    return remove_blanks(name).casefold()


def display_names(attribute: str) -> tuple[str, ...]:
    return ATTRIBUTE_SOURCES[attribute]


@dataclass(slots=True)
class ColumnMap:
    """The resolved mapping for one source: attribute → position/name in its header."""

    headers: list[str]
    positions: dict[str, int] = field(default_factory=dict)  # normalized header -> first index
    header_index: dict[str, int] = field(default_factory=dict)  # header as written -> first index
    duplicates: dict[str, list[int]] = field(default_factory=dict)  # normalized -> all indices
    columns: dict[str, str] = field(default_factory=dict)  # attribute -> header as written
    value_index: dict[str, int] = field(default_factory=dict)  # attribute -> index
    context_index: dict[str, int] = field(default_factory=dict)  # context field -> index
    lossy_index: tuple[int, ...] = ()
    overrides: dict[str, str] = field(default_factory=dict)  # attribute -> requested header
    schema: dict[str, SchemaColumn] = field(default_factory=dict)  # followed, not overridden

    @property
    def recognised(self) -> bool:
        """True when at least one header is a user attribute we know."""
        return bool(self.value_index or self.context_index)

    def missing_override(self, attribute: str) -> str | None:
        """The --column header asked for this attribute when it is not in the file."""
        if attribute in self.overrides and attribute not in self.value_index:
            return self.overrides[attribute]
        return None


def resolve_columns(
    headers: Sequence[str],
    overrides: Mapping[str, str] | None,
    schema: Mapping[str, SchemaColumn] | None = None,
) -> ColumnMap:
    """Match headers to attributes: overrides first, then the schema's choice, then the
    default names in order."""
    positions: dict[str, int] = {}
    seen: dict[str, list[int]] = {}
    for index, header in enumerate(headers):
        key = normalize_header(header)
        if not key:
            continue  # Excel's trailing empty header cells are not columns anyone named
        seen.setdefault(key, []).append(index)
        positions.setdefault(key, index)
    header_index: dict[str, int] = {}
    for index, header in enumerate(headers):
        header_index.setdefault(header, index)
    mapping = ColumnMap(
        headers=list(headers),
        positions=positions,
        header_index=header_index,
        duplicates={key: indices for key, indices in seen.items() if len(indices) > 1},
        overrides=dict(overrides or {}),
        schema=followed_schema(schema, overrides),
    )
    for attribute in MOTIMATE_ATTRIBUTES:
        wanted = wanted_names(attribute, mapping.overrides, mapping.schema)
        index = _first_present(wanted, positions)
        if index is not None:
            mapping.value_index[attribute] = index
            mapping.columns[attribute] = headers[index]
    for name, wanted in CONTEXT_SOURCES.items():
        index = _first_present(wanted, positions)
        if index is not None:
            mapping.context_index[name] = index
    lossy = {mapping.value_index[a] for a in _LOSSY_ATTRIBUTES if a in mapping.value_index}
    extra = _first_present(LOSSY_EXTRA_SOURCES, positions)
    if extra is not None:
        lossy.add(extra)
    mapping.lossy_index = tuple(sorted(lossy))
    return mapping


_LOSSY_ATTRIBUTES = ("employee_number", "first_name", "last_name", "email", "position")


def followed_schema(
    schema: Mapping[str, SchemaColumn] | None, overrides: Mapping[str, str] | None
) -> dict[str, SchemaColumn]:
    """The schema's column choices that apply: an attribute named with --column (or the
    config's columns:) keeps the user's choice."""
    return {a: c for a, c in (schema or {}).items() if a not in (overrides or {})}


def wanted_names(
    attribute: str, overrides: Mapping[str, str], schema: Mapping[str, SchemaColumn]
) -> tuple[str, ...]:
    """The header names to look for, in order: the override, else the schema's, else the
    default mapping's. () when the schema maps nothing to the attribute."""
    if attribute in overrides:
        return (overrides[attribute],)
    if attribute in schema:
        return schema[attribute].names
    return ATTRIBUTE_SOURCES[attribute]


def _first_present(names: Iterable[str], positions: Mapping[str, int]) -> int | None:
    for name in names:
        index = positions.get(normalize_header(name))
        if index is not None:
            return index
    return None


def validate_overrides(overrides: Mapping[str, str] | None) -> dict[str, str]:
    """Check `--column` keys are Motimate attributes; raise ValueError naming the valid ones."""
    result: dict[str, str] = {}
    for attribute, header in (overrides or {}).items():
        key = attribute.strip().lower()
        if key not in MOTIMATE_ATTRIBUTES:
            raise ValueError(
                f"unknown attribute {attribute!r} in a column override: use one of "
                + ", ".join(MOTIMATE_ATTRIBUTES)
            )
        if not header.strip():
            raise ValueError(f"the column override for {key} names no header")
        result[key] = header
    return result


# ---- export shape ----------------------------------------------------------------------------

CSV_FORMATS = (
    "entra-portal-csv",
    "entra-portal-csv-legacy",
    "mggraph-csv",
    "azuread-csv",
    "adsi-csv",
    "csv",
)
JSON_FORMATS = ("graph-json", "graph-jsonl")


def detect_csv_format(headers: Sequence[str], type_line: str | None) -> str:
    """Name the export shape from the header set (and PowerShell's `#TYPE` line when present).

    - `entra-portal-csv`: the Entra admin center "Download users" file, current headers
      (`id`, `userPrincipalName`, …, `mobilePhone`, `directorySynced`);
    - `entra-portal-csv-legacy`: the older download (`objectId`, `mobile`,
      `authenticationPhoneNumber`, …);
    - `mggraph-csv`: `Get-MgUser | Export-Csv` (PascalCase `Id`, `BusinessPhones`,
      `OnPremisesSyncEnabled` …);
    - `azuread-csv`: `Get-AzureADUser | Export-Csv` (`ObjectId`, `Mobile`, `DirSyncEnabled` …);
    - `adsi-csv`: on-prem `Get-ADUser | Export-Csv` (`ObjectGUID`, `SamAccountName`, `sn` …);
    - `csv`: anything else with recognisable columns.
    """
    keys = {normalize_header(h) for h in headers}
    written = {remove_blanks(h) for h in headers}
    type_name = (type_line or "").lower()
    if "activedirectory" in type_name or keys & {"objectguid", "samaccountname", "sn"}:
        return "adsi-csv"
    if "azuread" in type_name or (
        "objectid" in keys
        and (
            keys & {"extensionproperty", "mailnickname"} or {"dirsyncenabled", "givenname"} <= keys
        )
    ):
        return "azuread-csv"
    if "microsoft.graph" in type_name or (
        "id" in keys
        and (
            keys & {"businessphones", "onpremisessyncenabled", "additionalproperties"}
            or "Id" in written
        )
    ):
        return "mggraph-csv"
    if {"objectid", "userprincipalname", "givenname"} <= keys and keys & {
        "authenticationphonenumber",
        "physicaldeliveryofficename",
        "mobile",
    }:
        return "entra-portal-csv-legacy"
    if {"id", "userprincipalname", "givenname"} <= keys and keys & {
        "directorysynced",
        "mobilephone",
    }:
        return "entra-portal-csv"
    return "csv"
