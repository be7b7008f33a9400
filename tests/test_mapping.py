"""`motiscim mapping`: the schema parser, rules M001–M008, motimate_columns and the command."""

from __future__ import annotations

import codecs
import copy
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from checks.mapping_schema import SchemaError, expression_attributes, parse_schema
from checks.rules.mapping import check_mapping, evaluate, m008, motimate_columns
from motiscim_cli.app import app

SAMPLES = Path(__file__).resolve().parent.parent / "sample_exports"
GUIDE = SAMPLES / "entra-provisioning-schema-guide.json"
REVERT = SAMPLES / "entra-provisioning-schema-step29-revert.json"
SWITCH = 'Switch([IsSoftDeleted], , "False", "True", "True", "False")'
USERS = "/synchronizationRules/0/objectMappings/0/attributeMappings"
GROUPS = "/synchronizationRules/0/objectMappings/1/attributeMappings"
PORTAL_USERS = (
    "Provisioning → Edit attribute mappings → Mappings → Provision Microsoft Entra ID Users"
)


# ---- building schemas ------------------------------------------------------------------------


def row(expression: str | None, target: str, matching: int = 0, **extra: Any) -> dict[str, Any]:
    """An attributeMapping as Graph writes it; only `expression` for the source, on purpose."""
    source = None if expression is None else {"expression": expression, "type": "Attribute"}
    return {"source": source, "targetAttributeName": target, "matchingPriority": matching} | extra


GUIDE_USER_ROWS = [
    row("[objectId]", "externalId", 1),
    row("[userPrincipalName]", "userName"),
    row(SWITCH, "active"),
    row("[jobTitle]", "title"),
    row("[mail]", 'emails[type eq "work"].value'),
    row("[givenName]", "name.givenName"),
    row("[surname]", "name.familyName"),
    row("[mobile]", 'phoneNumbers[type eq "mobile"].value'),
]
GUIDE_GROUP_ROWS = [
    row("[displayName]", "displayName"),
    row("[objectId]", "externalId", 1),
    row("[members]", "members"),
]


def schema(
    users: list[dict[str, Any]] | None = None,
    groups: list[dict[str, Any]] | None = None,
    *,
    source_directory: str = "Azure Active Directory",
    flow_types: Any = "Add, Update, Delete",
) -> dict[str, Any]:
    object_mappings = [
        {
            "enabled": True,
            "flowTypes": flow_types,
            "name": "Provision Microsoft Entra ID Users",
            "sourceObjectName": "User",
            "targetObjectName": "User",
            "attributeMappings": copy.deepcopy(GUIDE_USER_ROWS if users is None else users),
        },
        {
            "enabled": True,
            "flowTypes": flow_types,
            "name": "Provision Microsoft Entra ID Groups",
            "sourceObjectName": "Group",
            "targetObjectName": "Group",
            "attributeMappings": copy.deepcopy(GUIDE_GROUP_ROWS if groups is None else groups),
        },
    ]
    return {
        "id": "scim.test",
        "version": "date:2026-11-18T09:41:07Z~1",
        "synchronizationRules": [
            {
                "name": "USER_OUTBOUND_USER",
                "sourceDirectoryName": source_directory,
                "targetDirectoryName": "customappsso",
                "objectMappings": object_mappings,
            }
        ],
    }


def replaced(rows: list[dict[str, Any]], target: str, new: dict[str, Any] | None) -> list:
    """The rows with the one for `target` replaced by `new` (or removed when None)."""
    out = []
    for item in rows:
        if item["targetAttributeName"] == target:
            if new is not None:
                out.append(new)
        else:
            out.append(item)
    return out


def codes(data: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(f.rule, f.column) for f in check_mapping(parse_schema(data))]


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


# ---- the parser ------------------------------------------------------------------------------


@pytest.mark.parametrize("directory", ["Azure Active Directory", "Microsoft Entra ID", "azure  AD"])
def test_parser_accepts_both_directory_names(directory: str) -> None:
    parsed = parse_schema(schema(source_directory=directory))
    assert parsed.source_directory == directory
    assert parsed.target_directory == "customappsso"
    assert parsed.users.name == "Provision Microsoft Entra ID Users"
    assert parsed.groups is not None and parsed.groups.source_object == "Group"


@pytest.mark.parametrize(
    ("flow_types", "expected"),
    [
        ("Add, Update, Delete", ("Add", "Update", "Delete")),
        ("Add,Update,Delete", ("Add", "Update", "Delete")),
        ("Add, Update", ("Add", "Update")),
        (["Add", " Update "], ("Add", "Update")),
        (None, ("Add", "Update", "Delete")),
    ],
)
def test_parser_reads_flow_types_with_or_without_spaces(flow_types: Any, expected: tuple) -> None:
    assert parse_schema(schema(flow_types=flow_types)).users.flow_types == expected


def test_parser_takes_attributes_from_the_expression_text() -> None:
    parsed = parse_schema(schema())
    active = parsed.users.by_target("active")
    assert active is not None
    assert active.source is not None
    assert active.source.attributes == ("IsSoftDeleted",)
    assert active.source.direct_attribute is None
    external = parsed.users.by_target("EXTERNALID")  # SCIM names compare case-insensitively
    assert external is not None and external.source is not None
    assert external.source.direct_attribute == "objectId"
    assert external.matching_priority == 1
    assert external.pointer == f"{USERS}/0"


def test_expression_attributes_skip_string_literals() -> None:
    assert expression_attributes(SWITCH) == ("IsSoftDeleted",)
    assert expression_attributes('Join(" ", [givenName], [surname])') == ("givenName", "surname")
    assert expression_attributes('Replace([mail], "[x]", , , "\\"[y]\\"", , )') == ("mail",)
    assert expression_attributes("Coalesce([mail],[userPrincipalName],[MAIL])") == (
        "mail",
        "userPrincipalName",
    )


def test_parser_rebuilds_the_expression_from_structure_when_it_is_missing() -> None:
    data = schema()
    users = data["synchronizationRules"][0]["objectMappings"][0]["attributeMappings"]
    users[0]["source"] = {"name": "objectId", "type": "Attribute", "parameters": []}
    users[2]["source"] = {
        "name": "Not",
        "type": "Function",
        "parameters": [{"key": "source", "value": {"name": "IsSoftDeleted", "type": "Attribute"}}],
    }
    parsed = parse_schema(data)
    assert parsed.users.attribute_mappings[0].source.expression == "[objectId]"  # type: ignore[union-attr]
    assert parsed.users.attribute_mappings[2].source.expression == "Not([IsSoftDeleted])"  # type: ignore[union-attr]
    assert parsed.users.attribute_mappings[2].source.attributes == ("IsSoftDeleted",)  # type: ignore[union-attr]


def test_parser_ignores_unknown_keys_and_odd_spellings() -> None:
    data = schema()
    data["@odata.context"] = "https://graph.microsoft.com/beta/$metadata#…/schema/$entity"
    data["somethingNew"] = {"nested": [1, 2]}
    rule = data["synchronizationRules"][0]
    rule["priority"] = 1
    rule["objectMappings"][0]["scope"] = None
    rule["objectMappings"][0]["enabled"] = "true"
    rule["objectMappings"][0]["attributeMappings"][0] |= {
        "matchingPriority": "1",
        "flowBehavior": "FlowWhenChanged",
        "exportMissingReferences": False,
        "futureKey": "x",
    }
    parsed = parse_schema(data)
    assert parsed.users.enabled is True
    assert parsed.users.attribute_mappings[0].matching_priority == 1
    assert check_mapping(parsed) == []


def test_parser_prefers_the_entra_rule_to_a_custom_scim_app() -> None:
    data = schema()
    reverse = {
        "name": "USER_INBOUND",
        "sourceDirectoryName": "customappsso",
        "targetDirectoryName": "Azure Active Directory",
        "objectMappings": [],
    }
    other = copy.deepcopy(data["synchronizationRules"][0]) | {"targetDirectoryName": "Other"}
    data["synchronizationRules"] = [reverse, other, data["synchronizationRules"][0]]
    parsed = parse_schema(data)
    assert parsed.target_directory == "customappsso"
    assert parsed.users.pointer == "/synchronizationRules/2/objectMappings/0"


def test_parser_unwraps_a_job_saved_with_its_schema() -> None:
    job = {"id": "scim.test", "templateId": "scim", "schema": schema()}
    assert parse_schema(job).users.by_target("externalId") is not None


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (
            {
                "error": {
                    "code": "Authorization_RequestDenied",
                    "message": "Insufficient privileges.",
                }
            },
            "it is a Microsoft Graph error response "
            "(Authorization_RequestDenied: Insufficient privileges.)",
        ),
        (
            {"@odata.context": "…#users", "value": [{"id": "1", "userPrincipalName": "a@b.no"}]},
            "it is a Microsoft Graph list of users (an export of users)",
        ),
        ({"value": []}, "it is a Microsoft Graph list response ('value' array)"),
        ([{"userPrincipalName": "a@b.no"}], "it is a JSON array of users (an export of users)"),
        ([1, 2], "it is a JSON array, not an object"),
        ("schema", "it is a JSON string, not an object"),
        (None, "it is a JSON null, not an object"),
        ({"userPrincipalName": "a@b.no"}, "it is a single user object"),
        (
            {"name": "random"},
            "it has no 'synchronizationRules' (download the schema from Provisioning → Edit "
            "attribute mappings → Show advanced options → Review your schema here → Download)",
        ),
        (
            {"synchronizationRules": {}},
            "'synchronizationRules' is a JSON object, not a list of rules",
        ),
        ({"synchronizationRules": []}, "'synchronizationRules' is empty: the schema maps nothing"),
        (
            {"synchronizationRules": [{"sourceDirectoryName": "Workday"}]},
            "no synchronization rule has Microsoft Entra ID ('Azure Active Directory') as its "
            "sourceDirectoryName (found: 'Workday')",
        ),
        (
            {"synchronizationRules": [{"sourceDirectoryName": "Azure Active Directory"}]},
            "/synchronizationRules/0/objectMappings is missing or not a list",
        ),
    ],
)
def test_non_schemas_raise_schema_error_with_the_reason(value: Any, reason: str) -> None:
    with pytest.raises(SchemaError) as caught:
        parse_schema(value)
    assert caught.value.reason == reason


def test_schema_without_user_mapping_and_broken_rows_are_schema_errors() -> None:
    data = schema()
    data["synchronizationRules"][0]["objectMappings"].pop(0)
    with pytest.raises(SchemaError) as caught:
        parse_schema(data)
    assert caught.value.reason == (
        "the rule from Microsoft Entra ID has no object mapping with sourceObjectName 'User' "
        "(found: 'Group')"
    )
    data = schema()
    data["synchronizationRules"][0]["objectMappings"][0]["attributeMappings"][3] = "title"
    with pytest.raises(SchemaError) as caught:
        parse_schema(data)
    assert caught.value.reason == f"{USERS}/3 is a JSON string, not an attribute mapping"
    data = schema()
    data["synchronizationRules"][0]["objectMappings"][0]["attributeMappings"][0][
        "matchingPriority"
    ] = "first"
    with pytest.raises(SchemaError) as caught:
        parse_schema(data)
    assert caught.value.reason == f"{USERS}/0/matchingPriority is not a whole number"


# ---- the rules -------------------------------------------------------------------------------


def test_the_guide_schema_has_no_findings() -> None:
    assert check_mapping(parse_schema(schema())) == []
    assert check_mapping(parse_schema(load(GUIDE))) == []


def test_m001_object_id_not_matching() -> None:
    users = replaced(GUIDE_USER_ROWS, "externalId", row("[objectId]", "externalId", 0))
    findings = check_mapping(parse_schema(schema(users)), source="s.json")
    assert [(f.rule, f.column, f.severity.value) for f in findings] == [
        ("M001", "externalId", "error")
    ]
    finding = findings[0]
    assert finding.source == "s.json"
    assert finding.attribute == "external_id"
    assert finding.value == "[objectId]"
    assert finding.fix is None  # the source is right; only matching is wrong
    assert finding.message == (
        "Users: externalId is not a matching attribute. The guide matches users on objectId → "
        "externalId with matching precedence 1, before any other attribute. Fix: "
        f"{PORTAL_USERS} → click the row for externalId → Match objects using this attribute "
        "Yes, Matching precedence 1 → OK → Save."
    )


def test_m001_object_id_behind_user_principal_name_also_gives_m003() -> None:
    users = replaced(GUIDE_USER_ROWS, "externalId", row("[objectId]", "externalId", 2))
    users = replaced(users, "userName", row("[userPrincipalName]", "userName", 1))
    findings = check_mapping(parse_schema(schema(users)))
    assert [(f.rule, f.column) for f in findings] == [("M001", "externalId"), ("M003", "userName")]
    assert findings[0].message.startswith(
        "Users: externalId matches with precedence 2 and comes after userName (userPrincipalName)."
    )
    assert findings[1].message.startswith(
        "Users: userName is fed by userPrincipalName and matches with precedence 1."
    )
    assert findings[1].attribute == "employee_number"


def test_m001_shared_precedence_and_wrong_source() -> None:
    users = replaced(GUIDE_USER_ROWS, "externalId", row("[employeeId]", "externalId", 1))
    users = replaced(users, "title", row("[jobTitle]", "title", 1))
    findings = check_mapping(parse_schema(schema(users)))
    assert [(f.rule, f.column, f.fix) for f in findings] == [("M001", "externalId", "[objectId]")]
    assert findings[0].message.startswith(
        "Users: externalId is fed by employeeId and shares precedence 1 with title (jobTitle)."
    )
    assert "Source attribute objectId, Match objects using this attribute Yes" in (
        findings[0].message
    )


def test_m002_the_step_29_revert() -> None:
    users = replaced(GUIDE_USER_ROWS, "externalId", row("[mailNickname]", "externalId", 1))
    findings = check_mapping(parse_schema(schema(users)))
    assert [(f.rule, f.column, f.value, f.fix) for f in findings] == [
        ("M002", "externalId", "[mailNickname]", "[objectId]")
    ]
    assert findings[0].pointer == f"{USERS}/0"
    assert findings[0].message.startswith(
        "Users: externalId is fed by mailNickname and matches with precedence 1: Entra has "
        "reverted the source from objectId to mailNickname (guide step 29)"
    )
    assert f"{PORTAL_USERS} → click the row for externalId (shown as mailNickname) → Source " in (
        findings[0].message
    )


def test_m002_revert_that_also_lost_matching_gives_m001_too() -> None:
    users = replaced(GUIDE_USER_ROWS, "externalId", row("[mailNickname]", "externalId", 0))
    assert codes(schema(users)) == [("M001", "externalId"), ("M002", "externalId")]


def test_m003_user_principal_name_matching_in_an_expression() -> None:
    users = [
        *GUIDE_USER_ROWS,
        row("ToLower([userPrincipalName], )", 'emails[type eq "other"].value', 2),
    ]
    assert codes(schema(users)) == [
        ("M003", 'emails[type eq "other"].value'),
        ("M007", 'emails[type eq "other"].value'),
    ]


def test_m004_step_22_leftovers_but_not_those_feeding_motimate() -> None:
    users = [
        *GUIDE_USER_ROWS,
        row("[displayName]", "displayName"),
        row('Join(" ", [givenName], [surname])', "name.formatted"),
        row(
            "[Department]", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"
        ),
        row("[manager]", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"),
    ]
    users = replaced(users, "title", row("[department]", "title"))  # agreed with Motimate
    findings = check_mapping(parse_schema(schema(users)))
    assert [(f.rule, f.severity.value, f.column, f.value) for f in findings] == [
        ("M004", "warning", "displayName", "[displayName]"),
        ("M004", "warning", "name.formatted", 'Join(" ", [givenName], [surname])'),
        (
            "M004",
            "warning",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            "[Department]",
        ),
        (
            "M004",
            "warning",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            "[manager]",
        ),
    ]
    assert findings[1].message == (
        'Users: Join(" ", [givenName], [surname]) → name.formatted is still mapped. The guide '
        'deletes the Join(" ", [givenName], [surname]) mapping (step 22); Motimate ignores it. '
        f"Fix: {PORTAL_USERS} → Delete on the row for name.formatted → Save."
    )


def test_m005_missing_required_mappings_but_mobile_is_optional() -> None:
    users = replaced(GUIDE_USER_ROWS, "active", None)
    users = replaced(users, "userName", None)
    users = replaced(users, 'phoneNumbers[type eq "mobile"].value', None)
    findings = check_mapping(parse_schema(schema(users)))
    assert [(f.rule, f.column, f.attribute, f.fix) for f in findings] == [
        ("M005", "active", None, SWITCH),
        ("M005", "userName", "employee_number", "[userPrincipalName]"),
    ]
    assert findings[0].pointer == USERS
    assert findings[1].message == (
        "Users: nothing is mapped to userName. The guide keeps [userPrincipalName] → userName "
        f"(step 21). Fix: {PORTAL_USERS} → Add New Mapping → Mapping type Direct, source "
        "[userPrincipalName], target attribute userName → OK → Save."
    )


def test_m005_missing_external_id_only_m005() -> None:
    users = replaced(GUIDE_USER_ROWS, "externalId", None)
    findings = check_mapping(parse_schema(schema(users)))
    assert [(f.rule, f.column) for f in findings] == [("M005", "externalId")]
    assert "Matching precedence 1" in findings[0].message


def test_m005_accepts_another_source_for_a_target() -> None:
    users = replaced(
        GUIDE_USER_ROWS,
        'emails[type eq "work"].value',
        row("Coalesce([mail],[userPrincipalName])", 'emails[type eq "work"].value'),
    )
    assert codes(schema(users)) == []


def test_m006_group_defaults_left_in_place() -> None:
    groups = [
        row("[displayName]", "displayName", 1),
        row("[objectId]", "externalId", 0),
        row("[members]", "members"),
    ]
    findings = check_mapping(parse_schema(schema(groups=groups)))
    assert [(f.rule, f.column, f.pointer) for f in findings] == [
        ("M006", "externalId", f"{GROUPS}/1"),
        ("M006", "displayName", f"{GROUPS}/0"),
    ]
    assert findings[0].message == (
        "Groups: externalId is not a matching attribute. The guide matches groups on objectId → "
        "externalId with precedence 1 (steps 32–33 and 36). Fix: Provisioning → Edit attribute "
        "mappings → Mappings → Provision Microsoft Entra ID Groups → click the row for "
        "externalId → Source attribute objectId, Match objects using this attribute Yes, "
        "Matching precedence 1 → OK → Save."
    )
    assert findings[1].message.startswith(
        "Groups: displayName (from displayName) matches with precedence 1."
    )


def test_m006_group_external_id_missing_and_no_group_mapping() -> None:
    groups = [row("[displayName]", "displayName"), row("[members]", "members")]
    assert codes(schema(groups=groups)) == [("M006", "externalId")]
    data = schema()
    data["synchronizationRules"][0]["objectMappings"].pop(1)
    assert codes(data) == []


def test_m007_attributes_motimate_ignores() -> None:
    users = [
        *GUIDE_USER_ROWS,
        row("[extensionAttribute1]", "urn:ietf:params:scim:schemas:extension:acme:2.0:User:cc"),
        row(None, "preferredLanguage", defaultValue="nb-NO"),
    ]
    findings = check_mapping(parse_schema(schema(users)))
    assert [(f.rule, f.severity.value, f.column, f.value) for f in findings] == [
        (
            "M007",
            "info",
            "urn:ietf:params:scim:schemas:extension:acme:2.0:User:cc",
            "[extensionAttribute1]",
        ),
        ("M007", "info", "preferredLanguage", '"nb-NO" (default value)'),
    ]


def test_m008_mobile_mapped_with_phone_errors() -> None:
    parsed = parse_schema(schema())
    assert m008(parsed, 0, 0) == []
    findings = m008(parsed, 37, 4, source="s.json")
    assert [(f.rule, f.severity.value, f.column, f.attribute, f.source) for f in findings] == [
        ("M008", "warning", 'phoneNumbers[type eq "mobile"].value', "phone_number", "s.json")
    ]
    assert findings[0].message.startswith(
        'Users: mobile → phoneNumbers[type eq "mobile"].value is mapped, and 37 users in the '
        "export have a phone number that will fail (33 with a suggested fix, 4 without one)."
    )
    without_mobile = replaced(GUIDE_USER_ROWS, 'phoneNumbers[type eq "mobile"].value', None)
    assert m008(parse_schema(schema(without_mobile)), 37, 4) == []
    checks = evaluate(parsed, phone_error_users=1, unfixable=0)
    assert [c.finding.rule for c in checks] == ["M008"]
    assert "1 user in the export" in checks[0].finding.message


def test_samples_findings() -> None:
    findings = check_mapping(parse_schema(load(REVERT)), source="revert.json")
    assert [(f.rule, f.column, f.value, f.pointer) for f in findings] == [
        ("M002", "externalId", "[mailNickname]", f"{USERS}/0"),
        ("M004", "displayName", "[displayName]", f"{USERS}/3"),
        ("M004", 'phoneNumbers[type eq "work"].value', "[telephoneNumber]", f"{USERS}/8"),
        (
            "M004",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            "[department]",
            f"{USERS}/10",
        ),
    ]


# ---- motimate_columns ------------------------------------------------------------------------


def test_motimate_columns_on_both_samples() -> None:
    expected = {
        "external_id": "objectId",
        "position": "jobTitle",
        "email": "mail",
        "employee_number": "userPrincipalName",
        "first_name": "givenName",
        "last_name": "surname",
        "phone_number": "mobile",
    }
    assert motimate_columns(parse_schema(load(GUIDE))) == expected
    assert motimate_columns(parse_schema(load(REVERT))) == expected | {
        "external_id": "mailNickname"
    }


def test_motimate_columns_follows_expressions_and_leaves_out_unmapped() -> None:
    users = replaced(
        GUIDE_USER_ROWS,
        'emails[type eq "work"].value',
        row("Coalesce([mail], [userPrincipalName])", 'emails[type eq "work"].value'),
    )
    users = replaced(users, 'phoneNumbers[type eq "mobile"].value', None)
    users = replaced(users, "title", row(None, "title", defaultValue="Employee"))
    columns = motimate_columns(parse_schema(schema(users)))
    assert columns["email"] == "mail"
    assert "phone_number" not in columns
    assert "position" not in columns


# ---- the command -----------------------------------------------------------------------------

runner = CliRunner()


def test_cli_guide_sample_exits_0_with_an_ok_mapping_block() -> None:
    result = runner.invoke(app, ["mapping", str(GUIDE), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["mapping"] == {"path": str(GUIDE), "ok": True, "findings": []}
    assert report["summary"]["verdict"] == "ready"
    assert report["findings"] == []


def test_cli_revert_sample_exits_1_with_the_findings() -> None:
    result = runner.invoke(app, ["mapping", str(REVERT), "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    block = report["mapping"]
    assert block["path"] == str(REVERT)
    assert block["ok"] is False
    assert [(f["rule"], f["severity"], f["column"]) for f in block["findings"]] == [
        ("M002", "error", "externalId"),
        ("M004", "warning", "displayName"),
        ("M004", "warning", 'phoneNumbers[type eq "work"].value'),
        (
            "M004",
            "warning",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        ),
    ]
    first = block["findings"][0]
    assert first["pointer"] == f"{USERS}/0"
    assert first["value"] == "[mailNickname]"
    assert first["fix"] == "[objectId]"
    assert first["user"] is None and first["row"] is None
    assert first["source"] == str(REVERT)
    assert report["summary"]["verdict"] == "not-ready"
    assert report["summary"]["by_rule"] == {"M002": 1, "M004": 3}


def test_cli_json_follows_the_report_contract() -> None:
    import jsonschema

    contract = json.loads(
        (
            Path(__file__).resolve().parent.parent / "motiscim_cli/schemas/report-v1.schema.json"
        ).read_text(encoding="utf-8")
    )
    for sample in (GUIDE, REVERT):
        result = runner.invoke(app, ["mapping", str(sample), "--format", "json"])
        jsonschema.validate(json.loads(result.stdout), contract)


def test_cli_table_shows_one_block_per_finding(tmp_path: Path) -> None:
    out = tmp_path / "report.txt"
    result = runner.invoke(app, ["mapping", str(REVERT), "--output", str(out)])
    assert result.exit_code == 1
    text = out.read_text(encoding="utf-8")
    assert "MAPPING NOT AS THE GUIDE ASKS" in text
    assert "1 error, 3 warnings, 0 info" in text
    assert text.count("\n  Now ") == 4
    assert text.count("\n  Guide ") == 4
    assert text.count("\n  Fix ") == 4
    assert "M002  error  externalId" in text
    assert 'M004  warning  phoneNumbers[type eq "work"].value' in text
    assert not any(line.endswith(" ") for line in text.splitlines())
    result = runner.invoke(app, ["mapping", str(GUIDE)])
    assert result.exit_code == 0
    assert "MAPPING OK" in result.stdout
    assert "The attribute mappings follow the guide." in result.stdout


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_cli_reads_bom_files(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "schema.json"
    path.write_bytes(GUIDE.read_text(encoding="utf-8").encode(encoding))
    if encoding == "utf-16":
        assert path.read_bytes()[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    result = runner.invoke(app, ["mapping", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["mapping"]["ok"] is True


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"synchronizationRules": [', "not valid JSON (line 1, column 27: Expecting value)"),
        (b"", "the file is empty"),
        (b"\xff\xfe\xfd not text"[2:], "not UTF-8 text (byte 0xfd at offset 0)"),
        (b"PK\x03\x04 workbook", "it is a ZIP archive (an .xlsx workbook?), not JSON"),
        (
            b'{"error": {"code": "InvalidAuthenticationToken",'
            b' "message": "Access token is empty."}}',
            "not an Entra provisioning schema: it is a Microsoft Graph error response "
            "(InvalidAuthenticationToken: Access token is empty.)",
        ),
        (
            b'[{"id": "1", "userPrincipalName": "kari@example.no"}]',
            "not an Entra provisioning schema: it is a JSON array of users (an export of users)",
        ),
    ],
)
def test_cli_broken_file_exits_2_with_one_line(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "schema.json"
    path.write_bytes(content)
    result = runner.invoke(app, ["mapping", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"motiscim: cannot read {path}: {reason}\n"


def test_cli_missing_file_and_directory_exit_2(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    result = runner.invoke(app, ["mapping", str(missing)])
    assert (result.exit_code, result.stderr) == (
        2,
        f"motiscim: cannot read {missing}: no such file\n",
    )
    result = runner.invoke(app, ["mapping", str(tmp_path)])
    assert (result.exit_code, result.stderr) == (
        2,
        f"motiscim: cannot read {tmp_path}: it is a directory, not a file\n",
    )


GRAPH_USERS = {
    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users",
    "value": [
        {
            "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
            "userPrincipalName": "kari.nordmann@example.no",
            "givenName": "Kari",
            "surname": "Nordmann",
            "mail": "kari.nordmann@example.no",
            "mobilePhone": "98765432",
            "jobTitle": "Nurse",
            "usageLocation": "NO",
        },
        {
            "id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
            "userPrincipalName": "ola.hansen@example.no",
            "givenName": "Ola",
            "surname": "Hansen",
            "mail": "ola.hansen@example.no",
            "mobilePhone": "4.79877E+09",
            "jobTitle": "Nurse",
            "usageLocation": "NO",
        },
        {
            "id": "16fd2706-8baf-433b-82eb-8c7fada847da",
            "userPrincipalName": "per.olsen@example.no",
            "givenName": "Per",
            "surname": "Olsen",
            "mail": "per.olsen@example.no",
            "mobilePhone": "+4798765433",
            "jobTitle": "Nurse",
            "usageLocation": "NO",
        },
    ],
}


def test_cli_export_with_phone_errors_gives_m008(tmp_path: Path) -> None:
    export = tmp_path / "users.json"
    export.write_text(json.dumps(GRAPH_USERS), encoding="utf-8")
    result = runner.invoke(
        app, ["mapping", str(GUIDE), "--export", str(export), "--format", "json"]
    )
    assert result.exit_code == 0, result.output  # a warning: the mapping itself is right
    block = json.loads(result.stdout)["mapping"]
    assert block["ok"] is True
    assert [(f["rule"], f["severity"], f["column"], f["attribute"]) for f in block["findings"]] == [
        ("M008", "warning", 'phoneNumbers[type eq "mobile"].value', "phone_number")
    ]
    assert block["findings"][0]["message"].startswith(
        'Users: mobile → phoneNumbers[type eq "mobile"].value is mapped, and 2 users in the '
        "export have a phone number that will fail (1 with a suggested fix, 1 without one)."
    )
    result = runner.invoke(
        app, ["mapping", str(REVERT), "--export", str(export), "--format", "json"]
    )
    assert result.exit_code == 1
    rules = [f["rule"] for f in json.loads(result.stdout)["mapping"]["findings"]]
    assert rules == ["M002", "M004", "M004", "M004", "M008"]


def test_cli_export_without_phone_errors_adds_nothing(tmp_path: Path) -> None:
    export = tmp_path / "users.json"
    clean = copy.deepcopy(GRAPH_USERS)
    for user in clean["value"]:
        user["mobilePhone"] = None
    export.write_text(json.dumps(clean), encoding="utf-8")
    result = runner.invoke(
        app, ["mapping", str(GUIDE), "--export", str(export), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["mapping"]["findings"] == []


def test_cli_unreadable_export_exits_2_with_one_line(tmp_path: Path) -> None:
    export = tmp_path / "users.xlsx"
    export.write_bytes(b"PK\x03\x04 not really a workbook")
    result = runner.invoke(app, ["mapping", str(GUIDE), "--export", str(export)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"motiscim: cannot read {export}: ")
    assert result.stderr.count("\n") == 1


def test_cli_rejects_an_unknown_format() -> None:
    result = runner.invoke(app, ["mapping", str(GUIDE), "--format", "sarif"])
    assert result.exit_code == 2
    assert "choose one of: table, json" in result.output
