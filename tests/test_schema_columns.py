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
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from checks.mapping_schema import parse_schema
from checks.mapping_sources import AttributeFeed, user_feeds
from motiscim_cli.app import app

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SAMPLES = ROOT / "sample_exports"
GUIDE = SAMPLES / "entra-provisioning-schema-guide.json"
MOBILE = 'phoneNumbers[type eq "mobile"].value'
EMAIL = 'emails[type eq "work"].value'
REPORT_SCHEMA = json.loads((ROOT / "motiscim_cli/schemas/report-v1.schema.json").read_text())


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in tmp_path, where no motiscim.yaml is found unless a test writes one."""
    monkeypatch.chdir(tmp_path)


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


# ---- the commands --------------------------------------------------------------------------------


@dataclass
class Ran:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> dict[str, Any]:
        data = json.loads(self.stdout)
        jsonschema.validate(data, REPORT_SCHEMA)
        return data


def motiscim(*args: str) -> Ran:
    env = {"NO_COLOR": "1", "COLUMNS": "200", "MOTIMATE_SCIM_TENANT_URL": None}
    result = CliRunner().invoke(app, list(args), env=env)
    return Ran(result.exit_code, result.stdout, result.stderr)


def here(*names: str) -> None:
    """Copy files from tests/data (or sample_exports) into the working directory, so that
    reports name them as a user would."""
    for name in names:
        source = DATA / name if (DATA / name).exists() else SAMPLES / name
        shutil.copy(source, Path.cwd() / name)


def write_schema(name: str, changes: dict[str, Any]) -> str:
    Path(name).write_text(json.dumps(guide_with(changes), indent=2), encoding="utf-8")
    return name


def panel(stdout: str) -> list[str]:
    """The lines of the first panel of a table report, unwrapped: Rich wraps a long line
    inside the panel, and a wrapped line goes on without a capital."""
    lines: list[str] = []
    for line in stdout[: stdout.index("┗")].splitlines()[1:]:
        text = line.strip("┃ ")
        if lines and text[:1].islower():
            lines[-1] += " " + text
        else:
            lines.append(text)
    return lines


def user_findings(data: dict[str, Any]) -> list[tuple]:
    return [
        (f["rule"], f["row"], f["column"], f["value"], f["fix"], f["related_rows"])
        for f in data["findings"]
    ]


KARI = "kari.nordmann@example.no"
PER = "per.berg@example.no "
# users-username-from-mail.csv read with the guide's columns: the shared and the spaced mail
# are email findings only; every UPN is clean and unique.
GUIDE_COLUMN_FINDINGS = [
    ("E004", 1, "mail", KARI, None, [2]),
    ("E004", 2, "mail", KARI, None, [1]),
    ("E002", 3, "mail", PER, PER.strip(), []),
]
USER_NAME_FROM_MAIL = {
    "attribute": "employee_number",
    "target": "userName",
    "expression": "[mail]",
    "source": "mail",
    "state": "attribute",
    "columns": {"users-username-from-mail.csv": "mail"},
    "note": "userName (employee_number) checked on column mail (from the schema).",
}


def test_preflight_checks_user_name_on_the_mail_column_the_schema_feeds_it_from() -> None:
    here("users-username-from-mail.csv", "schema-username-from-mail.json")
    export, schema = "users-username-from-mail.csv", "schema-username-from-mail.json"

    without = motiscim("preflight", export, "-f", "json")
    assert without.exit_code == 1  # per.berg's mail has a trailing space (E002)
    assert user_findings(without.json()) == GUIDE_COLUMN_FINDINGS

    ran = motiscim("preflight", export, "--schema", schema, "-f", "json")
    assert ran.exit_code == 1
    data = ran.json()
    assert user_findings(data) == [
        ("E004", 1, "mail", KARI, None, [2]),
        ("U003", 1, "mail", KARI, None, [2]),
        ("E004", 2, "mail", KARI, None, [1]),
        ("U003", 2, "mail", KARI, None, [1]),
        ("E002", 3, "mail", PER, PER.strip(), []),
        ("U002", 3, "mail", PER, PER.strip(), []),
    ]
    assert [f["user"]["user_principal_name"] for f in data["findings"][1:4:2]] == [
        KARI,
        "ola.hansen@example.no",
    ]  # the users are still named by their UPN
    assert data["summary"]["users_with_errors"] == 3
    assert data["sources"][0]["columns"]["employee_number"] == "mail"
    mapping = data["mapping"]
    assert mapping["user_sources"] == [USER_NAME_FROM_MAIL]
    assert [(f["rule"], f["column"], f["value"]) for f in mapping["findings"]] == [
        ("M010", "userName", "[mail]")
    ]
    assert data["email"]["test_users"][0]["user_principal_name"] == "liv.dahl@example.no"
    assert len(data["email"]["test_users"]) == 1  # kari now has an error (U003)

    table = motiscim("preflight", export, "--schema", schema)
    assert table.exit_code == 1
    assert "┃ Export      NOT READY  3 of 4 users would fail to sync" in table.stdout
    assert (
        "Read: users-username-from-mail.csv (entra-portal-csv, utf-8, 4 users)\n"
        "Columns from the schema schema-username-from-mail.json:\n"
        "  userName (employee_number) checked on column mail (from the schema).\n"
    ) in table.stdout


def test_graph_json_export_follows_the_schema_too() -> None:
    here("users-username-from-mail.json", "schema-username-from-mail.json")
    ran = motiscim(
        "preflight",
        "users-username-from-mail.json",
        "--schema",
        "schema-username-from-mail.json",
        "-f",
        "json",
    )
    assert ran.exit_code == 1
    data = ran.json()
    assert [
        (f["rule"], f["pointer"], f["column"], f["value"])
        for f in data["findings"]
        if f["attribute"] == "employee_number"
    ] == [
        ("U003", "/value/0", "mail", KARI),
        ("U003", "/value/1", "mail", KARI),
        ("U002", "/value/2", "mail", PER),
    ]
    assert data["mapping"]["user_sources"][0]["columns"] == {
        "users-username-from-mail.json": "mail"
    }


def test_an_explicit_column_wins_over_the_schema(tmp_path: Path) -> None:
    here("users-username-from-mail.csv", "schema-username-from-mail.json")
    export, schema = "users-username-from-mail.csv", "schema-username-from-mail.json"
    overridden = {
        **USER_NAME_FROM_MAIL,
        "state": "overridden",
        "columns": {export: "userPrincipalName"},
        "note": "userName (employee_number) is fed by [mail] in the schema, but checked on "
        "column userPrincipalName, as --column or the config's columns: say.",
    }
    ran = motiscim(
        "preflight", export, "--schema", schema, "--column", "employee_number=userPrincipalName"
    )
    assert ran.exit_code == 1
    assert f"  {overridden['note']}\n" in ran.stdout
    ran = motiscim(
        "preflight",
        export,
        "--schema",
        schema,
        "--column",
        "employee_number=userPrincipalName",
        "-f",
        "json",
    )
    assert ran.exit_code == 1
    data = ran.json()
    assert user_findings(data) == GUIDE_COLUMN_FINDINGS
    assert data["mapping"]["user_sources"] == [overridden]
    # The config's columns: is the user's choice as well.
    (tmp_path / "motiscim.yaml").write_text(
        "columns:\n  employee_number: userPrincipalName\n", encoding="utf-8"
    )
    data = motiscim("preflight", export, "--schema", schema, "-f", "json").json()
    assert user_findings(data) == GUIDE_COLUMN_FINDINGS
    assert data["mapping"]["user_sources"] == [overridden]


def test_external_id_fed_by_the_upn_is_checked_for_uniqueness_and_emptiness_on_upns() -> None:
    here("users-externalid-from-upn.csv", "schema-externalid-from-upn.json")
    export = "users-externalid-from-upn.csv"
    ran = motiscim("preflight", export, "--schema", "schema-externalid-from-upn.json", "-f", "json")
    assert ran.exit_code == 1
    data = ran.json()
    upn = "userPrincipalName"
    assert user_findings(data) == [
        ("U003", 1, upn, KARI, None, [2]),
        ("X003", 1, upn, KARI, None, [2]),
        ("U003", 2, upn, "Kari.Nordmann@example.no", None, [1]),
        ("X003", 2, upn, "Kari.Nordmann@example.no", None, [1]),
        ("U001", 3, upn, None, None, []),
        ("X001", 3, upn, None, None, []),
    ]  # no X002 (not a GUID) on every user: only object IDs are GUIDs
    assert data["mapping"]["user_sources"] == [
        {
            "attribute": "external_id",
            "target": "externalId",
            "expression": "[userPrincipalName]",
            "source": upn,
            "state": "attribute",
            "columns": {export: upn},
            "note": "externalId (external_id) checked on column userPrincipalName (from the "
            "schema). X002 (not a GUID) not run: only object IDs are GUIDs.",
        }
    ]
    assert [(f["rule"], f["severity"]) for f in data["mapping"]["findings"]] == [("M001", "error")]
    # The guide's schema checks the object IDs: all four are GUIDs and unique.
    here("entra-provisioning-schema-guide.json")
    data = motiscim(
        "preflight", export, "--schema", "entra-provisioning-schema-guide.json", "-f", "json"
    ).json()
    assert [(f["rule"], f["row"], f["column"]) for f in data["findings"]] == [
        ("U003", 1, upn),
        ("U003", 2, upn),
        ("U001", 3, upn),
    ]
    assert data["mapping"]["user_sources"] == []


def test_step_29_revert_external_id_column_missing_from_the_export_is_f003() -> None:
    here("entra-users-download.csv", "entra-provisioning-schema-step29-revert.json")
    export = "entra-users-download.csv"
    schema = "entra-provisioning-schema-step29-revert.json"
    ran = motiscim("preflight", export, "--schema", schema, "-f", "json")
    assert ran.exit_code == 1
    data = ran.json()
    f003 = [f for f in data["findings"] if f["rule"] in ("F002", "F003")]
    assert [(f["rule"], f["severity"], f["row"], f["column"], f["message"]) for f in f003] == [
        (
            "F003",
            "warning",
            None,
            None,
            "The provisioning schema feeds externalId (external_id) from mailNickname, and the "
            "export has no 'mailNickname' column: what Entra sends as externalId cannot be "
            "checked. Export again with mailNickname, or name the column that holds it with "
            "--column external_id=HEADER.",
        )
    ]
    assert not [f for f in data["findings"] if f["attribute"] == "external_id"]
    assert "external_id" not in data["sources"][0]["columns"]
    (source,) = data["mapping"]["user_sources"]
    assert (source["state"], source["columns"], source["note"]) == (
        "attribute",
        {export: None},
        "externalId (external_id) is fed by mailNickname in the schema; entra-users-download.csv "
        "has no mailNickname column, so external_id is not checked there. X002 (not a GUID) not "
        "run: only object IDs are GUIDs.",
    )
    assert data["mapping"]["findings"][0]["rule"] == "M002"


def test_a_deleted_mobile_mapping_means_phone_numbers_are_not_checked() -> None:
    here("entra-users-download.csv")
    export = "entra-users-download.csv"
    schema = write_schema("no-mobile.json", {MOBILE: None})
    guide = motiscim("preflight", export, "-f", "json").json()
    phones = [f["rule"] for f in guide["findings"] if f["attribute"] == "phone_number"]
    assert phones  # the sample plants phone problems
    ran = motiscim("preflight", export, "--schema", schema, "-f", "json")
    data = ran.json()
    assert [f for f in data["findings"] if f["attribute"] == "phone_number"] == []
    assert not [f for f in data["findings"] if f["rule"] == "F003"]
    assert data["mapping"]["ok"] is True
    assert data["mapping"]["user_sources"] == [
        {
            "attribute": "phone_number",
            "target": MOBILE,
            "expression": None,
            "source": None,
            "state": "not-mapped",
            "columns": {export: None},
            "note": f"Nothing is mapped to {MOBILE} in the schema: Entra sends no "
            "phone_number, so it is not checked.",
        }
    ]
    assert data["summary"]["users_with_errors"] < guide["summary"]["users_with_errors"]


def test_a_column_named_for_an_attribute_the_schema_does_not_map_says_nothing_is_mapped() -> None:
    here("entra-users-download.csv")
    export = "entra-users-download.csv"
    schema = write_schema("no-mobile.json", {MOBILE: None})
    note = (
        f"Nothing is mapped to {MOBILE} in the schema, but checked on column mobilePhone, "
        "as --column or the config's columns: say."
    )
    args = ("preflight", export, "--schema", schema, "--column", "phone_number=mobilePhone")
    ran = motiscim(*args)
    assert f"  {note}\n" in ran.stdout
    data = motiscim(*args, "-f", "json").json()
    assert data["mapping"]["user_sources"] == [
        {
            "attribute": "phone_number",
            "target": MOBILE,
            "expression": None,
            "source": None,
            "state": "overridden",
            "columns": {export: "mobilePhone"},
            "note": note,
        }
    ]
    assert [f for f in data["findings"] if f["attribute"] == "phone_number"] != []


def test_an_expression_that_is_not_one_column_keeps_the_guide_column_and_says_so() -> None:
    here("users-username-from-mail.csv")
    export = "users-username-from-mail.csv"
    schema = write_schema("coalesce.json", {EMAIL: "Coalesce([mail], [userPrincipalName])"})
    ran = motiscim("preflight", export, "--schema", schema, "-f", "json")
    assert ran.exit_code == 1
    data = ran.json()
    assert user_findings(data) == GUIDE_COLUMN_FINDINGS
    assert [(s["state"], s["columns"], s["note"]) for s in data["mapping"]["user_sources"]] == [
        (
            "not-followed",
            {export: "mail"},
            f"{EMAIL} (email) is fed by Coalesce([mail], [userPrincipalName]) in the schema, "
            "which is not one column (it combines mail, userPrincipalName): checked on column "
            "mail, the guide's.",
        )
    ]


def test_an_unreadable_schema_stops_preflight_before_the_export_is_read() -> None:
    here("users-username-from-mail.csv")
    Path("schema.json").write_text("[]", encoding="utf-8")
    ran = motiscim("preflight", "users-username-from-mail.csv", "--schema", "schema.json")
    assert (ran.exit_code, ran.stdout) == (2, "")
    assert ran.stderr == (
        "motiscim preflight: cannot read schema.json: not an Entra provisioning schema: it is "
        "a JSON array, not an object\n"
    )


# ---- mapping --export: M008 counts on the column that feeds phoneNumbers -------------------------


def test_mapping_export_counts_phone_errors_on_the_column_the_schema_feeds_them_from() -> None:
    here("users-username-from-mail.csv", "schema-phone-from-telephone.json")
    here("entra-provisioning-schema-guide.json")
    export, schema = "users-username-from-mail.csv", "schema-phone-from-telephone.json"
    ran = motiscim("mapping", schema, "--export", export, "--format", "json")
    assert ran.exit_code == 0  # warnings: it syncs, with one phone number that will fail
    block = ran.json()["mapping"]
    assert [(f["rule"], f["severity"], f["value"]) for f in block["findings"]] == [
        ("M010", "warning", "[telephoneNumber]"),
        ("M008", "warning", "[telephoneNumber]"),
    ]
    assert block["findings"][1]["message"].startswith(
        f"Users: telephoneNumber → {MOBILE} is mapped, and 1 user in the export has a phone "
        "number that will fail (each with a suggested fix)."
    )  # ola's 22000002 in telephoneNumber; every mobilePhone is right
    assert block["user_sources"] == [
        {
            "attribute": "phone_number",
            "target": MOBILE,
            "expression": "[telephoneNumber]",
            "source": "telephoneNumber",
            "state": "attribute",
            "columns": {export: "telephoneNumber"},
            "note": f"{MOBILE} (phone_number) checked on column telephoneNumber (from the schema).",
        }
    ]
    table = motiscim("mapping", schema, "--export", export)
    assert table.exit_code == 0
    assert panel(table.stdout)[2:] == [
        f"Export {export}: {MOBILE} (phone_number) checked on column telephoneNumber (from the "
        "schema)."
    ]
    # The guide's schema counts mobilePhone, which is clean: no M008, nothing followed.
    guide = motiscim(
        "mapping", "entra-provisioning-schema-guide.json", "--export", export, "--format", "json"
    )
    assert guide.exit_code == 0
    assert guide.json()["mapping"]["findings"] == []
    assert guide.json()["mapping"]["user_sources"] == []
    # Without --export there is no user_sources block at all.
    alone = motiscim("mapping", schema, "--format", "json").json()["mapping"]
    assert "user_sources" not in alone


def test_mapping_export_without_the_schema_column_counts_nothing_and_says_so(
    tmp_path: Path,
) -> None:
    here("users-username-from-mail.json", "users-username-from-mail.csv")
    here("schema-phone-from-telephone.json")
    schema = "schema-phone-from-telephone.json"
    ran = motiscim(
        "mapping", schema, "--export", "users-username-from-mail.json", "--format", "json"
    )
    assert ran.exit_code == 0
    block = ran.json()["mapping"]
    assert [f["rule"] for f in block["findings"]] == ["M010"]
    assert block["user_sources"][0]["note"] == (
        f"{MOBILE} (phone_number) is fed by telephoneNumber in the schema; "
        "users-username-from-mail.json has no telephoneNumber or businessPhones column, so "
        "phone_number is not checked there."
    )
    # motiscim.yaml columns: wins over the schema: mobilePhone is counted (and is clean).
    (tmp_path / "motiscim.yaml").write_text(
        "columns:\n  phone_number: mobilePhone\n", encoding="utf-8"
    )
    block = motiscim(
        "mapping", schema, "--export", "users-username-from-mail.csv", "--format", "json"
    ).json()["mapping"]
    assert [f["rule"] for f in block["findings"]] == ["M010"]
    assert [(s["state"], s["columns"]) for s in block["user_sources"]] == [
        ("overridden", {"users-username-from-mail.csv": "mobilePhone"})
    ]


def test_two_exports_each_say_which_column_was_checked() -> None:
    here("users-username-from-mail.csv", "users-username-from-mail.json")
    here("schema-phone-from-telephone.json")
    csv_name, json_name = "users-username-from-mail.csv", "users-username-from-mail.json"
    ran = motiscim(
        "preflight",
        csv_name,
        json_name,
        "--schema",
        "schema-phone-from-telephone.json",
        "-f",
        "json",
    )
    assert ran.exit_code == 1
    data = ran.json()
    assert [
        (f["rule"], f["source"], f["row"], f["column"], f["value"])
        for f in data["findings"]
        if f["attribute"] == "phone_number" or f["rule"] == "F003"
    ] == [
        ("P001", csv_name, 2, "telephoneNumber", "22000002"),
        ("F003", json_name, None, None, None),
    ]
    (source,) = data["mapping"]["user_sources"]
    assert source["columns"] == {csv_name: "telephoneNumber", json_name: None}
    assert source["note"] == (
        f"{MOBILE} (phone_number) checked on column telephoneNumber in {csv_name} (from the "
        f"schema); {json_name} has no telephoneNumber or businessPhones column, so phone_number "
        "is not checked there."
    )


def test_email_judges_test_users_on_the_columns_the_schema_feeds() -> None:
    # Without the schema kari's shared mail is only E004 (a warning): a usable test user. With
    # userName fed by [mail], the same mail is a duplicate employee number (U003): refused,
    # as preflight --schema refuses it.
    here("users-username-from-mail.csv", "schema-username-from-mail.json")
    export, schema = "users-username-from-mail.csv", "schema-username-from-mail.json"
    assert motiscim("email", export, "-u", KARI).exit_code == 0
    ran = motiscim("email", export, "-u", KARI, "--schema", schema)
    assert ran.exit_code == 1
    assert ran.stdout == ""
    assert (
        f"motiscim: test user {KARI} (users-username-from-mail.csv row 1) has errors and will "
        "fail to sync: U003."
    ) in ran.stderr


def test_telephone_number_is_the_first_business_phone_in_a_graph_export() -> None:
    # Graph /users has no telephoneNumber: Entra's telephoneNumber is businessPhones[0].
    here("schema-phone-from-telephone.json")
    users = [
        {"id": "0f8fad5b-d9cb-469f-a165-70867728950e", "userPrincipalName": KARI, "mail": KARI,
         "mobilePhone": "+4741234567", "businessPhones": ["22000002"], "usageLocation": "NO"},
        {"id": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "userPrincipalName": "ola@example.no",
         "mail": "ola@example.no", "mobilePhone": "+4741234568", "businessPhones": [],
         "usageLocation": "NO"},
    ]  # fmt: skip
    Path("users.json").write_text(json.dumps({"value": users}), encoding="utf-8")
    ran = motiscim("preflight", "users.json", "--schema", "schema-phone-from-telephone.json",
                   "-u", "ola@example.no", "-f", "json")  # fmt: skip
    data = ran.json()
    phones = [f for f in data["findings"] if f["attribute"] == "phone_number"]
    assert [(f["rule"], f["row"], f["column"], f["value"], f["fix"]) for f in phones] == [
        ("P001", 1, "businessPhones", "22000002", "+4722000002")
    ]
    [source] = data["mapping"]["user_sources"]
    assert source["columns"] == {"users.json": "businessPhones"}
