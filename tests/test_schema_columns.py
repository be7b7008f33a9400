"""The user rules follow the provisioning schema (issue 6, must-have 3).

With a schema (`preflight --schema`, `mapping --export`), the export column that really feeds
each Motimate attribute is the one checked: `[mail]` → userName puts the employee number rules
on the mail column, `[userPrincipalName]` → externalId puts uniqueness and emptiness of the
matching attribute on the UPNs. Real files: the schemas and exports in tests/data (see its
README) and the samples in sample_exports/.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from checks.mapping_schema import parse_schema
from checks.mapping_sources import AttributeFeed, user_feeds

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SAMPLES = ROOT / "sample_exports"
GUIDE = SAMPLES / "entra-provisioning-schema-guide.json"
MOBILE = 'phoneNumbers[type eq "mobile"].value'
EMAIL = 'emails[type eq "work"].value'


def guide_with(changes: dict[str, Any]) -> dict[str, Any]:
    """The guide sample with the user rows for some targets changed: a source expression, a
    whole row (a dict), or None to delete the row."""
    data = json.loads(GUIDE.read_text(encoding="utf-8"))
    rows = data["synchronizationRules"][0]["objectMappings"][0]["attributeMappings"]
    kept = []
    for row in rows:
        change = changes.get(row["targetAttributeName"], row)
        if change is None:
            continue
        if isinstance(change, str):
            row = copy.deepcopy(row)
            row["source"] = {"expression": change, "type": "Function"}
            change = row
        kept.append(change)
    rows[:] = kept
    return data


# ---- what the schema sends (checks.mapping_sources) ---------------------------------------------


def feed(changes: dict[str, Any], attribute: str) -> AttributeFeed:
    return user_feeds(parse_schema(guide_with(changes)))[attribute]


def test_the_guide_schema_feeds_every_attribute_as_the_guide() -> None:
    feeds = user_feeds(parse_schema(json.loads(GUIDE.read_text(encoding="utf-8"))))
    assert list(feeds) == [
        "external_id",
        "position",
        "email",
        "employee_number",
        "first_name",
        "last_name",
        "phone_number",
    ]  # active is not followed: A001 is about accountEnabled, not what active carries
    assert {a: (f.state, f.source) for a, f in feeds.items()} == {
        "external_id": ("guide", "objectId"),
        "position": ("guide", "jobTitle"),
        "email": ("guide", "mail"),
        "employee_number": ("guide", "userPrincipalName"),
        "first_name": ("guide", "givenName"),
        "last_name": ("guide", "surname"),
        "phone_number": ("guide", "mobile"),
    }
    assert not any(f.moves_column for f in feeds.values())


@pytest.mark.parametrize(
    ("expression", "state", "source", "reason"),
    [
        ("[mail]", "attribute", "mail", None),
        ("[ Mail ]", "attribute", "Mail", None),
        ("ToLower([mail])", "attribute", "mail", None),
        ('toupper( [mail], "nb-NO" )', "attribute", "mail", None),
        ("[userPrincipalName]", "guide", "userPrincipalName", None),
        ("ToLower([UserPrincipalName])", "guide", "UserPrincipalName", None),
        (
            "Coalesce([mail], [userPrincipalName])",
            "not-followed",
            None,
            "it combines mail, userPrincipalName",
        ),
        ("StripSpaces([mail])", "not-followed", None, "it changes mail before sending it"),
        (
            'Join("@", [mailNickname], "example.no")',
            "not-followed",
            None,
            "it changes mailNickname before sending it",
        ),
        (
            '"kari@example.no"',
            "not-followed",
            None,
            "it sends no attribute of the user (a constant, or only a default value)",
        ),
    ],
)
def test_user_name_source(expression: str, state: str, source: str | None, reason: str) -> None:
    got = feed({"userName": expression}, "employee_number")
    assert (got.state, got.source, got.reason) == (state, source, reason)
    assert (got.target, got.expression, got.guide_source) == (
        "userName",
        expression,
        "userPrincipalName",
    )
    assert got.moves_column is (state == "attribute")


def test_a_default_value_or_no_source_is_not_one_column() -> None:
    row = {
        "source": {"expression": "[mail]", "name": "mail", "type": "Attribute"},
        "targetAttributeName": "userName",
        "defaultValue": "unknown@example.no",
        "matchingPriority": 0,
    }
    got = feed({"userName": row}, "employee_number")
    assert (got.state, got.source, got.reason) == (
        "not-followed",
        None,
        "it sends the default value 'unknown@example.no' when mail is empty",
    )
    only_default = {"targetAttributeName": "title", "defaultValue": "Staff", "source": None}
    got = feed({"title": only_default}, "position")
    assert (got.state, got.expression, got.reason) == (
        "not-followed",
        '"Staff" (default value)',
        "it sends no attribute of the user (a constant, or only a default value)",
    )


def test_a_deleted_row_is_not_mapped() -> None:
    got = feed({MOBILE: None}, "phone_number")
    assert got == AttributeFeed("phone_number", MOBILE, "mobile", "not-mapped")
    assert got.moves_column


def test_external_id_from_the_step_29_revert_sample() -> None:
    schema = json.loads((SAMPLES / "entra-provisioning-schema-step29-revert.json").read_bytes())
    got = user_feeds(parse_schema(schema))["external_id"]
    assert (got.state, got.source, got.expression) == (
        "attribute",
        "mailNickname",
        "[mailNickname]",
    )


# ---- the loaders look for the schema's columns -------------------------------------------------


def read(path: Path, **options: Any) -> tuple[list[Any], list[Any], dict[str, str]]:
    from motiscim_cli.loaders import open_export

    with open_export(str(path), **options) as export:
        records = list(export.records())
        return records, export.file_findings(), dict(export.info.columns)


@pytest.mark.parametrize("name", ["users-username-from-mail.csv", "users-username-from-mail.json"])
def test_loaders_take_the_schema_column_and_an_override_wins(name: str) -> None:
    from motiscim_cli.loaders.columns import SchemaColumn

    schema = {"employee_number": SchemaColumn.fed_by("userName", "mail")}
    assert schema["employee_number"].names == ("mail", "emailAddress")
    records, findings, columns = read(DATA / name, schema_columns=schema)
    assert columns["employee_number"] == "mail"
    assert [r.values["employee_number"] for r in records] == [
        "kari.nordmann@example.no",
        "kari.nordmann@example.no",
        "per.berg@example.no ",
        "liv.dahl@example.no",
    ]
    assert [r.user_principal_name for r in records][:2] == [
        "kari.nordmann@example.no",
        "ola.hansen@example.no",
    ]  # the user is still named by the UPN
    assert findings == []
    records, _, columns = read(
        DATA / name,
        schema_columns=schema,
        column_overrides={"employee_number": "userPrincipalName"},
    )
    assert columns["employee_number"] == "userPrincipalName"
    assert records[1].values["employee_number"] == "ola.hansen@example.no"


@pytest.mark.parametrize(
    ("name", "noun"),
    [("users-username-from-mail.csv", "column"), ("users-username-from-mail.json", "property")],
)
def test_a_schema_column_the_export_lacks_is_f003_not_f002(name: str, noun: str) -> None:
    from motiscim_cli.loaders.columns import SchemaColumn

    schema = {
        "external_id": SchemaColumn.fed_by("externalId", "mailNickname"),
        "phone_number": SchemaColumn.fed_by(MOBILE, None),  # not mapped: nothing is sent
    }
    records, findings, columns = read(DATA / name, schema_columns=schema)
    assert "external_id" not in columns and "phone_number" not in columns
    assert {r.values["external_id"] for r in records} == {None}
    assert [(f.rule, f.severity.value, f.column, f.row, f.message) for f in findings] == [
        (
            "F003",
            "warning",
            None,
            None,
            "The provisioning schema feeds externalId (external_id) from mailNickname, and the "
            f"export has no 'mailNickname' {noun}: what Entra sends as externalId cannot be "
            f"checked. Export again with mailNickname, or name the {noun} that holds it with "
            "--column external_id=HEADER.",
        )
    ]
