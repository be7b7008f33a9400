"""`motiscim mapping`: the schema parser, rules M001–M010, the agreed mapping and the command."""

from __future__ import annotations

import codecs
import copy
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from checks.mapping_schema import (
    ProvisioningSchema,
    SchemaError,
    expression_attributes,
    expression_key,
    guide_entry,
    parse_schema,
)
from checks.model import Finding
from checks.rules.mapping import evaluate
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


@pytest.fixture(autouse=True)
def _no_stray_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every command in an empty directory: no motiscim.yaml of the machine is picked up."""
    monkeypatch.chdir(tmp_path)


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


def mapping_findings(
    parsed: ProvisioningSchema, *, source: str | None = None, **options: Any
) -> list[Finding]:
    return [check.finding for check in evaluate(parsed, source=source, **options)]


def codes(data: dict[str, Any], **options: Any) -> list[tuple[str, str | None]]:
    return [(f.rule, f.column) for f in mapping_findings(parse_schema(data), **options)]


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
    assert mapping_findings(parsed) == []


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
    assert (parsed.rule_pointer, parsed.other_rules) == (
        "/synchronizationRules/2",
        ("/synchronizationRules/1",),  # the reverse rule is not from Entra
    )


def test_parser_unwraps_a_job_saved_with_its_schema() -> None:
    job = {"id": "scim.test", "templateId": "scim", "schema": schema()}
    parsed = parse_schema(job)
    assert parsed.id == "scim.test"
    assert parsed.users.pointer == "/synchronizationRules/0/objectMappings/0"
    external = parsed.users.by_target("externalId")
    assert external is not None and external.pointer == f"{USERS}/0"
    assert mapping_findings(parsed) == []


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


def test_lists_in_schema_errors_name_five_values_then_count_the_rest() -> None:
    """500 000 rules without a sourceDirectoryName once made a 3 MB message: five are named,
    each cut at 60 characters, and the rest counted."""
    rules = [{"sourceDirectoryName": "W" * 100}, *[{} for _ in range(499_999)]]
    with pytest.raises(SchemaError) as caught:
        parse_schema({"synchronizationRules": rules})
    assert caught.value.reason == (
        "no synchronization rule has Microsoft Entra ID ('Azure Active Directory') as its "
        f"sourceDirectoryName (found: '{'W' * 56}..., None, None, None, None and 499995 more)"
    )
    data = schema()
    data["synchronizationRules"][0]["objectMappings"] = [
        {"sourceObjectName": f"Type{i}"} for i in range(7)
    ]
    with pytest.raises(SchemaError) as caught:
        parse_schema(data)
    assert caught.value.reason == (
        "the rule from Microsoft Entra ID has no object mapping with sourceObjectName 'User' "
        "(found: 'Type0', 'Type1', 'Type2', 'Type3', 'Type4' and 2 more)"
    )


def test_cli_big_schema_error_is_one_short_line(tmp_path: Path) -> None:
    path = write_schema(tmp_path, {"synchronizationRules": [{}] * 500_000})
    result = runner.invoke(app, ["mapping", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.endswith("(found: None, None, None, None, None and 499995 more)\n"), (
        result.stderr[-300:]
    )
    assert result.stderr.count("\n") == 1 and len(result.stderr) < 400


# ---- the rules -------------------------------------------------------------------------------


def test_the_guide_schema_has_no_findings() -> None:
    assert mapping_findings(parse_schema(schema())) == []
    assert mapping_findings(parse_schema(load(GUIDE))) == []


def test_m001_object_id_not_matching() -> None:
    users = replaced(GUIDE_USER_ROWS, "externalId", row("[objectId]", "externalId", 0))
    findings = mapping_findings(parse_schema(schema(users)), source="s.json")
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
    findings = mapping_findings(parse_schema(schema(users)))
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
    findings = mapping_findings(parse_schema(schema(users)))
    assert [(f.rule, f.column, f.fix) for f in findings] == [
        ("M001", "externalId", "[objectId]"),
        ("M003", "title", None),  # the same "Match No" for title: never a contradiction
    ]
    # The row already matches at precedence 1: the fix changes its source and turns the tied
    # row off, and does not ask for settings that are already there.
    assert findings[0].message == (
        "Users: externalId is fed by employeeId and shares precedence 1 with title (jobTitle). "
        "The guide matches users on objectId → externalId with matching precedence 1, before any "
        f"other attribute. Fix: {PORTAL_USERS} → click the row for externalId → Source attribute "
        "objectId → OK; then click the row for title → Match objects using this attribute No → "
        "OK → Save."
    )


def test_m001_names_five_matching_attributes_before_it_then_counts_the_rest() -> None:
    users = replaced(GUIDE_USER_ROWS, "externalId", row("[objectId]", "externalId", 9))
    users += [row(f"[extension_{n}]", f"urn:x:attr{n}", 1) for n in range(2000)]
    (finding,) = [f for f in mapping_findings(parse_schema(schema(users))) if f.rule == "M001"]
    named = ", ".join(f"urn:x:attr{n} (extension_{n})" for n in range(5))
    assert finding.message.startswith(
        f"Users: externalId matches with precedence 9 and comes after {named} and 1995 more. "
    )


def test_m001_and_m003_one_instruction_for_external_id_fed_by_upn() -> None:
    # Before: M001 said "externalId → Match Yes" and M003 "externalId → Match No".
    users = replaced(GUIDE_USER_ROWS, "externalId", row("[userPrincipalName]", "externalId", 1))
    findings = mapping_findings(parse_schema(schema(users)))
    assert [(f.rule, f.column, f.value, f.fix) for f in findings] == [
        ("M001", "externalId", "[userPrincipalName]", "[objectId]")
    ]
    assert findings[0].message == (
        "Users: externalId is fed by userPrincipalName. The guide matches users on objectId → "
        "externalId with matching precedence 1, before any other attribute. Fix: "
        f"{PORTAL_USERS} → click the row for externalId → Source attribute objectId → OK → Save."
    )


def test_m001_expression_source_becomes_direct() -> None:
    users = replaced(GUIDE_USER_ROWS, "externalId", row("ToLower([objectId])", "externalId", 1))
    findings = mapping_findings(parse_schema(schema(users)))
    assert [(f.rule, f.value, f.fix) for f in findings] == [
        ("M001", "ToLower([objectId])", "[objectId]")
    ]
    assert findings[0].message.endswith(
        "→ click the row for externalId → Mapping type Direct, Source attribute objectId → OK → "
        "Save."
    )


def test_m002_the_step_29_revert() -> None:
    users = replaced(GUIDE_USER_ROWS, "externalId", row("[mailNickname]", "externalId", 1))
    findings = mapping_findings(parse_schema(schema(users)))
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


def test_m002_revert_that_also_lost_matching_is_one_instruction() -> None:
    # Before: M001 (Match Yes, precedence 1) and M002 (source objectId) on the same row.
    users = replaced(GUIDE_USER_ROWS, "externalId", row("[mailNickname]", "externalId", 0))
    findings = mapping_findings(parse_schema(schema(users)))
    assert [(f.rule, f.column, f.fix) for f in findings] == [("M002", "externalId", "[objectId]")]
    assert findings[0].message == (
        "Users: externalId is fed by mailNickname and is not a matching attribute: Entra has "
        "reverted the source from objectId to mailNickname (guide step 29), and all users will "
        "fail to synchronize. The guide wants objectId → externalId, matching with precedence 1. "
        f"Fix: {PORTAL_USERS} → click the row for externalId (shown as mailNickname) → Source "
        "attribute objectId, Match objects using this attribute Yes, Matching precedence 1 → OK "
        "→ Save → Yes, then download the schema again and check that it stayed objectId."
    )


def test_m003_user_principal_name_matching_in_an_expression() -> None:
    users = [
        *GUIDE_USER_ROWS,
        row("ToLower([userPrincipalName], )", 'emails[type eq "other"].value', 2),
    ]
    findings = mapping_findings(parse_schema(schema(users)))
    assert [(f.rule, f.column, f.attribute, f.fix) for f in findings] == [
        ("M003", 'emails[type eq "other"].value', None, None),
        ("M007", 'emails[type eq "other"].value', None, None),
    ]
    assert findings[0].message == (
        'Users: emails[type eq "other"].value is fed by ToLower([userPrincipalName], ) and '
        "matches with precedence 2. The guide turns matching off for every attribute but "
        "objectId → externalId (steps 23–26): only objectId → externalId matches. Fix: "
        f'{PORTAL_USERS} → click the row for emails[type eq "other"].value → Match objects '
        "using this attribute No → OK → Save."
    )


@pytest.mark.parametrize(
    ("target", "index", "expression", "attribute", "others"),
    [
        ("userName", 1, "[mail]", "employee_number", [("M010", "userName")]),
        ('emails[type eq "work"].value', 4, "[mail]", "email", []),
        ("title", 3, "[jobTitle]", "position", []),
    ],
)
def test_m003_any_attribute_but_external_id_matching_whatever_its_source(
    target: str, index: int, expression: str, attribute: str, others: list
) -> None:
    users = replaced(GUIDE_USER_ROWS, target, row(expression, target, 2))
    findings = mapping_findings(parse_schema(schema(users)))
    assert [(f.rule, f.column) for f in findings] == [("M003", target), *others]
    m003 = findings[0]
    assert (m003.severity.value, m003.pointer, m003.attribute, m003.value, m003.fix) == (
        "error",
        f"{USERS}/{index}",
        attribute,
        expression,
        None,
    )
    assert m003.message == (
        f"Users: {target} is fed by {expression[1:-1]} and matches with precedence 2. The guide "
        "turns matching off for every attribute but objectId → externalId (steps 23–26): only "
        f"objectId → externalId matches. Fix: {PORTAL_USERS} → click the row for {target} → "
        "Match objects using this attribute No → OK → Save."
    )


def test_cli_mail_matching_at_precedence_2_exits_1(tmp_path: Path) -> None:
    data = load(GUIDE)
    for item in users_object(data)["attributeMappings"]:
        if item["targetAttributeName"] == 'emails[type eq "work"].value':
            item["matchingPriority"] = 2
    result = CliRunner().invoke(
        app, ["mapping", str(write_schema(tmp_path, data)), "--format", "json"]
    )
    assert result.exit_code == 1, result.output
    block = json.loads(result.output)["mapping"]
    assert [(f["rule"], f["column"]) for f in block["findings"]] == [
        ("M003", 'emails[type eq "work"].value')
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
    users = replaced(users, "title", row("[department]", "title"))
    expected = [
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
    # department → title is not M004's business: M010 unless agreed with Motimate.
    findings = mapping_findings(parse_schema(schema(users)))
    assert [(f.rule, f.severity.value, f.column, f.value) for f in findings] == [
        *expected,
        ("M010", "warning", "title", "[department]"),
    ]
    findings = mapping_findings(parse_schema(schema(users)), agreed={"position": "[department]"})
    assert [(f.rule, f.severity.value, f.column, f.value) for f in findings] == expected
    assert findings[1].message == (
        'Users: Join(" ", [givenName], [surname]) → name.formatted is still mapped. The guide '
        'deletes the Join(" ", [givenName], [surname]) mapping (step 22); Motimate ignores it. '
        f"Fix: {PORTAL_USERS} → Delete on the row for name.formatted → Save."
    )


def test_m005_missing_required_mappings_but_mobile_is_optional() -> None:
    users = replaced(GUIDE_USER_ROWS, "active", None)
    users = replaced(users, "userName", None)
    users = replaced(users, 'phoneNumbers[type eq "mobile"].value', None)
    findings = mapping_findings(parse_schema(schema(users)))
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
    findings = mapping_findings(parse_schema(schema(users)))
    assert [(f.rule, f.column, f.attribute, f.fix) for f in findings] == [
        ("M005", "externalId", "external_id", "[objectId]")
    ]
    assert findings[0].message == (
        "Users: nothing is mapped to externalId. The guide keeps [objectId] → externalId "
        f"(step 21). Fix: {PORTAL_USERS} → Add New Mapping → Mapping type Direct, source "
        "[objectId], target attribute externalId, Match objects using this attribute Yes, "
        "Matching precedence 1 → OK → Save."
    )


def test_m005_missing_row_gets_the_agreed_source() -> None:
    users = replaced(GUIDE_USER_ROWS, 'emails[type eq "work"].value', None)
    agreed = {"email": "Coalesce([mail],[userPrincipalName])"}
    findings = mapping_findings(parse_schema(schema(users)), agreed=agreed)
    assert [(f.rule, f.column, f.fix) for f in findings] == [
        ("M005", 'emails[type eq "work"].value', "Coalesce([mail],[userPrincipalName])")
    ]
    assert findings[0].message == (
        'Users: nothing is mapped to emails[type eq "work"].value. motiscim.yaml records '
        'Coalesce([mail],[userPrincipalName]) → emails[type eq "work"].value as agreed with '
        f"Motimate. Fix: {PORTAL_USERS} → Add New Mapping → Mapping type Expression, source "
        'Coalesce([mail],[userPrincipalName]), target attribute emails[type eq "work"].value → '
        "OK → Save."
    )


def test_m005_is_not_about_the_source_m010_is_until_agreed() -> None:
    email = 'emails[type eq "work"].value'
    users = replaced(GUIDE_USER_ROWS, email, row("Coalesce([mail],[userPrincipalName])", email))
    findings = mapping_findings(parse_schema(schema(users)))
    assert [
        (f.rule, f.severity.value, f.column, f.attribute, f.value, f.fix) for f in findings
    ] == [("M010", "warning", email, "email", "Coalesce([mail],[userPrincipalName])", "[mail]")]
    assert findings[0].message == (
        f"Users: {email} (email) is fed by Coalesce([mail],[userPrincipalName]). The guide maps "
        f"mail → {email} (email); the mapping can be changed only in cooperation with Motimate. "
        f"Fix: {PORTAL_USERS} → click the row for {email} → Mapping type Direct, Source "
        "attribute mail → OK → Save; or, if Motimate agreed to "
        "Coalesce([mail],[userPrincipalName]), record it in motiscim.yaml as mapping.email."
    )
    # Agreed, by Motimate attribute or by SCIM target, spaced and cased as the admin likes.
    assert codes(schema(users), agreed={"email": "Coalesce([mail],[userPrincipalName])"}) == []
    assert codes(schema(users), agreed={email: "coalesce([Mail], [userPrincipalName])"}) == []


def test_m006_group_defaults_left_in_place() -> None:
    groups = [
        row("[displayName]", "displayName", 1),
        row("[objectId]", "externalId", 0),
        row("[members]", "members"),
    ]
    findings = mapping_findings(parse_schema(schema(groups=groups)))
    assert [(f.rule, f.column, f.pointer, f.fix) for f in findings] == [
        ("M006", "externalId", f"{GROUPS}/1", None),
        ("M006", "displayName", f"{GROUPS}/0", None),
    ]
    # The source is already objectId, so the fix does not ask for it; it turns matching on
    # here and off on displayName, exactly what the displayName finding says too.
    assert findings[0].message == (
        "Groups: externalId is not a matching attribute. The guide matches groups on objectId → "
        "externalId with precedence 1 (steps 32–33 and 36). Fix: Provisioning → Edit attribute "
        "mappings → Mappings → Provision Microsoft Entra ID Groups → click the row for "
        "externalId → Match objects using this attribute Yes, Matching precedence 1 → OK; then "
        "click the row for displayName → Match objects using this attribute No → OK → Save."
    )
    assert findings[1].message == (
        "Groups: displayName (from displayName) matches with precedence 1. The guide turns "
        "matching off for displayName (steps 34–35). Fix: Provisioning → Edit attribute "
        "mappings → Mappings → Provision Microsoft Entra ID Groups → click the row for "
        "displayName → Match objects using this attribute No → OK → Save."
    )


def test_m006_external_id_fed_by_display_name_is_one_instruction() -> None:
    # Before: one M006 said "externalId → Match Yes", another "externalId → Match No".
    groups = [
        row("[displayName]", "externalId", 1),
        row("[displayName]", "displayName"),
        row("[members]", "members"),
    ]
    findings = mapping_findings(parse_schema(schema(groups=groups)))
    assert [(f.rule, f.column, f.value, f.fix) for f in findings] == [
        ("M006", "externalId", "[displayName]", "[objectId]")
    ]
    assert findings[0].message == (
        "Groups: externalId is fed by displayName. The guide matches groups on objectId → "
        "externalId with precedence 1 (steps 32–33 and 36). Fix: Provisioning → Edit attribute "
        "mappings → Mappings → Provision Microsoft Entra ID Groups → click the row for "
        "externalId → Source attribute objectId → OK → Save."
    )


def test_m006_every_fix_agrees_on_every_row() -> None:
    """No two findings on one schema may tell the same row to match and not to match."""
    layouts = [
        [row("[displayName]", "externalId", 1), row("[displayName]", "displayName", 2)],
        [row("[objectId]", "externalId", 2), row("[displayName]", "displayName", 1)],
        [row("[objectId]", "externalId", 1), row("[mail]", "mail", 1)],
        [row("[displayName]", "displayName", 1), row("[mail]", "mail", 1)],
        [row("[mailNickname]", "externalId", 1), row("[displayName]", "displayName", 1)],
    ]
    for groups in layouts:
        findings = mapping_findings(parse_schema(schema(groups=groups)))
        for target in ("externalId", "displayName", "mail"):
            on = f"click the row for {target} → "
            yes = [
                f for f in findings if f"{on}Match objects using this attribute Yes" in f.message
            ]
            no = [f for f in findings if f"{on}Match objects using this attribute No" in f.message]
            assert not (yes and no), (groups, target)
            assert [f.column for f in findings].count(target) <= 1, (groups, target)


def test_m006_a_tied_row_is_turned_off_in_the_external_id_fix() -> None:
    groups = [row("[objectId]", "externalId", 1), row("[mail]", "mail", 1)]
    findings = mapping_findings(parse_schema(schema(groups=groups)))
    assert [(f.rule, f.column, f.fix) for f in findings] == [("M006", "externalId", None)]
    assert findings[0].message.endswith(
        "Provision Microsoft Entra ID Groups → click the row for mail → Match objects using "
        "this attribute No → OK → Save."
    )


def test_m006_group_external_id_missing_and_no_group_mapping() -> None:
    groups = [row("[displayName]", "displayName"), row("[members]", "members")]
    findings = mapping_findings(parse_schema(schema(groups=groups)))
    assert [(f.rule, f.column, f.pointer, f.fix) for f in findings] == [
        ("M006", "externalId", GROUPS, "[objectId]")
    ]
    assert findings[0].message == (
        "Groups: nothing is mapped to externalId. The guide matches groups on objectId → "
        "externalId with precedence 1. Fix: Provisioning → Edit attribute mappings → Mappings → "
        "Provision Microsoft Entra ID Groups → Add New Mapping → Mapping type Direct, source "
        "objectId, target attribute externalId, Match objects using this attribute Yes, Matching "
        "precedence 1 → OK → Save."
    )
    data = schema()
    data["synchronizationRules"][0]["objectMappings"].pop(1)
    assert codes(data) == []


def test_m007_attributes_motimate_ignores() -> None:
    users = [
        *GUIDE_USER_ROWS,
        row("[extensionAttribute1]", "urn:ietf:params:scim:schemas:extension:acme:2.0:User:cc"),
        row(None, "preferredLanguage", defaultValue="nb-NO"),
    ]
    findings = mapping_findings(parse_schema(schema(users)))
    assert [(f.rule, f.severity.value, f.column, f.value) for f in findings] == [
        (
            "M007",
            "info",
            "urn:ietf:params:scim:schemas:extension:acme:2.0:User:cc",
            "[extensionAttribute1]",
        ),
        ("M007", "info", "preferredLanguage", '"nb-NO" (default value)'),
    ]
    assert findings[1].message == (
        'Users: "nb-NO" (default value) → preferredLanguage is mapped. Motimate ignores '
        f"preferredLanguage; the guide's mapping does not send it. Fix: {PORTAL_USERS} → Delete "
        "on the row for preferredLanguage → Save, unless Motimate asked for it."
    )


def test_m008_mobile_mapped_with_phone_errors() -> None:
    parsed = parse_schema(schema())
    assert mapping_findings(parsed, phone_error_users=0, unfixable=0) == []
    findings = mapping_findings(parsed, source="s.json", phone_error_users=37, unfixable=4)
    assert [(f.rule, f.severity.value, f.column, f.attribute, f.source) for f in findings] == [
        ("M008", "warning", 'phoneNumbers[type eq "mobile"].value', "phone_number", "s.json")
    ]
    assert findings[0].message.startswith(
        'Users: mobile → phoneNumbers[type eq "mobile"].value is mapped, and 37 users in the '
        "export have a phone number that will fail (33 with a suggested fix, 4 without one)."
    )
    without_mobile = replaced(GUIDE_USER_ROWS, 'phoneNumbers[type eq "mobile"].value', None)
    assert codes(schema(without_mobile), phone_error_users=37, unfixable=4) == []
    checks = evaluate(parsed, phone_error_users=1, unfixable=0)
    assert [c.finding.rule for c in checks] == ["M008"]
    assert "and 1 user in the export has a phone number that will fail (each with a" in (
        checks[0].finding.message
    )


def users_object(data: dict[str, Any]) -> dict[str, Any]:
    return data["synchronizationRules"][0]["objectMappings"][0]


def test_m009_user_mapping_disabled_is_an_error() -> None:
    data = schema()
    users_object(data)["enabled"] = False
    findings = mapping_findings(parse_schema(data), source="s.json")
    assert [(f.rule, f.severity.value, f.column, f.pointer, f.value, f.fix) for f in findings] == [
        (
            "M009",
            "error",
            "User",
            "/synchronizationRules/0/objectMappings/0",
            "enabled: false, flowTypes: Add, Update, Delete",
            None,
        )
    ]
    assert findings[0].message == (
        "Users: the object mapping Provision Microsoft Entra ID Users is disabled: Entra will "
        "not provision any user to Motimate. The guide provisions users through this mapping: "
        f"enabled, creating, updating and deleting users. Fix: {PORTAL_USERS} → Enabled Yes → "
        "Save."
    )
    users_object(data)["enabled"] = "False"  # as a string, the way some exports write it
    assert codes(data) == [("M009", "User")]


def test_m009_user_mapping_that_creates_no_users() -> None:
    findings = mapping_findings(parse_schema(schema(flow_types="Update, Delete")))
    assert [(f.rule, f.value) for f in findings] == [
        ("M009", "enabled: true, flowTypes: Update, Delete")
    ]
    assert findings[0].message == (
        "Users: the object mapping Provision Microsoft Entra ID Users does not create users: "
        "new users are never created in Motimate. The guide provisions users through this "
        f"mapping: enabled, creating, updating and deleting users. Fix: {PORTAL_USERS} → Target "
        "Object Actions: check Create → Save."
    )
    data = schema(flow_types="Delete")
    users_object(data)["enabled"] = False
    findings = mapping_findings(parse_schema(data))
    assert [(f.rule, f.value) for f in findings] == [("M009", "enabled: false, flowTypes: Delete")]
    assert findings[0].message.startswith(
        "Users: the object mapping Provision Microsoft Entra ID Users is disabled and does not "
        "create or update users: Entra will not provision any user to Motimate."
    )
    assert findings[0].message.endswith(
        f"Fix: {PORTAL_USERS} → Enabled Yes, Target Object Actions: check Create and Update → Save."
    )


def test_m009_an_enabled_user_mapping_beside_a_disabled_one_is_used() -> None:
    data = schema()
    rule = data["synchronizationRules"][0]
    disabled = copy.deepcopy(users_object(data)) | {"enabled": False, "name": "Old users"}
    rule["objectMappings"].insert(0, disabled)
    parsed = parse_schema(data)
    assert parsed.users.pointer == "/synchronizationRules/0/objectMappings/1"
    assert mapping_findings(parsed) == []


def test_m010_user_name_from_mail() -> None:
    users = replaced(GUIDE_USER_ROWS, "userName", row("[mail]", "userName"))
    findings = mapping_findings(parse_schema(schema(users)), source="s.json")
    assert [
        (f.rule, f.severity.value, f.column, f.attribute, f.pointer, f.value, f.fix)
        for f in findings
    ] == [
        (
            "M010",
            "warning",
            "userName",
            "employee_number",
            f"{USERS}/1",
            "[mail]",
            "[userPrincipalName]",
        )
    ]
    assert findings[0].message == (
        "Users: userName (employee_number) is fed by mail. The guide maps userPrincipalName → "
        "userName (employee_number); the mapping can be changed only in cooperation with "
        f"Motimate. Fix: {PORTAL_USERS} → click the row for userName → Source attribute "
        "userPrincipalName → OK → Save; or, if Motimate agreed to [mail], record it in "
        "motiscim.yaml as mapping.employee_number."
    )
    assert codes(schema(users), agreed={"employee_number": "[mail]"}) == []
    assert codes(schema(users), agreed={"userName": "[ mail ]"}) == []


def test_m010_agreed_source_is_the_one_expected() -> None:
    agreed = {"employee_number": "[mail]"}
    findings = mapping_findings(parse_schema(schema()), agreed=agreed)
    assert [(f.rule, f.column, f.value, f.fix) for f in findings] == [
        ("M010", "userName", "[userPrincipalName]", "[mail]")
    ]
    assert findings[0].message == (
        "Users: userName (employee_number) is fed by userPrincipalName. motiscim.yaml records "
        f"[mail] → userName as agreed with Motimate. Fix: {PORTAL_USERS} → click the row for "
        "userName → Source attribute mail → OK → Save; or, if Motimate agreed to "
        "[userPrincipalName], change mapping.employee_number in motiscim.yaml."
    )


def test_m010_active_title_and_names() -> None:
    assert (
        codes(schema(replaced(GUIDE_USER_ROWS, "active", row("Not([IsSoftDeleted])", "active"))))
        == []
    )
    users = replaced(GUIDE_USER_ROWS, "active", row('"True"', "active"))
    users = replaced(users, "title", row(None, "title", defaultValue="Employee"))
    users = replaced(users, "name.givenName", row("[displayName]", "name.givenName"))
    findings = mapping_findings(parse_schema(schema(users)))
    assert [(f.rule, f.column, f.attribute, f.value, f.fix) for f in findings] == [
        ("M010", "active", None, '"True"', SWITCH),
        ("M010", "title", "position", '"Employee" (default value)', "[jobTitle]"),
        ("M010", "name.givenName", "first_name", "[displayName]", "[givenName]"),
    ]
    assert findings[0].message.endswith(
        f"→ click the row for active → Mapping type Expression, Expression {SWITCH} → OK → "
        'Save; or, if Motimate agreed to "True", record it in motiscim.yaml as mapping.active.'
    )


INVERTED = 'Switch([IsSoftDeleted], , "False", "False", "True", "True")'


@pytest.mark.parametrize(
    "expression",
    [
        INVERTED,
        'Switch([IsSoftDeleted], , "True", "True", "False", "False")',
        'switch([isSoftDeleted],,"false","false","true","true")',
        'Switch([IsSoftDeleted], "False", "True", "False")',  # no "False" key: the default
    ],
)
def test_m011_inverted_active_is_an_error_with_the_guides_switch(expression: str) -> None:
    users = replaced(GUIDE_USER_ROWS, "active", row(expression, "active"))
    findings = mapping_findings(parse_schema(schema(users)))
    assert [(f.rule, f.severity.value, f.column, f.pointer, f.value, f.fix) for f in findings] == [
        ("M011", "error", "active", f"{USERS}/2", expression, SWITCH)
    ]
    assert findings[0].message == (
        f"Users: active is fed by {expression}, which sends every user who is not deleted "
        '(IsSoftDeleted "False") as inactive: Motimate would deactivate them all. The guide maps '
        f'{SWITCH} → active (step 21): "True" for a user who is not deleted, "False" for a '
        f"deleted one. Fix: {PORTAL_USERS} → click the row for active → Mapping type "
        f"Expression, Expression {SWITCH} → OK → Save."
    )


def test_m011_not_for_the_guides_switch_and_harmless_variants() -> None:
    for expression in (
        SWITCH,
        'Switch( [IsSoftDeleted],,"False","True","True","False" )',
        "Not([IsSoftDeleted])",
    ):
        users = replaced(GUIDE_USER_ROWS, "active", row(expression, "active"))
        assert codes(schema(users)) == [], expression
    # The case of True/False changes the literal the guide wrote: M010's warning, not M011.
    lower = 'Switch([IsSoftDeleted], , "false", "true", "true", "false")'
    users = replaced(GUIDE_USER_ROWS, "active", row(lower, "active"))
    assert codes(schema(users)) == [("M010", "active")]


def test_m011_fix_is_the_agreed_active_unless_that_is_inverted_too() -> None:
    users = replaced(GUIDE_USER_ROWS, "active", row(INVERTED, "active"))
    agreed = {"active": "Not([IsSoftDeleted])"}
    findings = mapping_findings(parse_schema(schema(users)), agreed=agreed)
    assert [(f.rule, f.fix) for f in findings] == [("M011", "Not([IsSoftDeleted])")]
    assert "motiscim.yaml records Not([IsSoftDeleted]) → active as agreed with Motimate." in (
        findings[0].message
    )
    findings = mapping_findings(parse_schema(schema(users)), agreed={"active": INVERTED})
    assert [(f.rule, f.fix) for f in findings] == [("M011", SWITCH)]


def test_cli_inverted_active_exits_1(tmp_path: Path) -> None:
    data = load(GUIDE)
    for item in users_object(data)["attributeMappings"]:
        if item["targetAttributeName"] == "active":
            item["source"] = {"expression": INVERTED, "type": "Function"}
    result = CliRunner().invoke(app, ["mapping", str(write_schema(tmp_path, data))])
    assert result.exit_code == 1, result.output
    assert "M011" in result.output


def test_m012_a_second_enabled_user_mapping_is_named_with_the_one_checked() -> None:
    data = schema()
    rule = data["synchronizationRules"][0]
    reverted = copy.deepcopy(users_object(data))
    reverted["attributeMappings"][0] = row("[mailNickname]", "externalId", 1)
    rule["objectMappings"].append(reverted)
    rule["objectMappings"].append(copy.deepcopy(reverted) | {"enabled": False})
    findings = mapping_findings(parse_schema(data))
    assert [(f.rule, f.severity.value, f.column, f.pointer) for f in findings] == [
        ("M012", "warning", "User", "/synchronizationRules/0/objectMappings/2")
    ]
    assert findings[0].message == (
        "Users: the schema has 2 enabled User mappings; motiscim checked Provision Microsoft "
        "Entra ID Users at /synchronizationRules/0/objectMappings/0 only, not Provision "
        "Microsoft Entra ID Users at /synchronizationRules/0/objectMappings/2. The guide "
        "provisions users through one mapping (steps 14–29). Fix: Provisioning → Edit "
        "attribute mappings → Mappings → each User mapping not meant to provision users → "
        "Enabled No → Save; then download the schema again and re-run motiscim mapping."
    )


def test_m012_a_second_rule_from_entra_is_named_with_the_one_checked(tmp_path: Path) -> None:
    data = load(GUIDE)
    data["synchronizationRules"].append(copy.deepcopy(data["synchronizationRules"][0]))
    findings = mapping_findings(parse_schema(data))
    assert [(f.rule, f.pointer) for f in findings] == [("M012", "/synchronizationRules/1")]
    assert findings[0].message.startswith(
        "Users: the schema has 2 synchronization rules from Microsoft Entra ID; motiscim "
        "checked USER_OUTBOUND_USER at /synchronizationRules/0 (Provision Microsoft Entra ID "
        "Users at /synchronizationRules/0/objectMappings/0) only, not /synchronizationRules/1. "
    )
    result = CliRunner().invoke(app, ["mapping", str(write_schema(tmp_path, data))])
    assert result.exit_code == 0, result.output  # a warning: the checked mapping is right
    assert "M012" in result.output


def test_agreed_external_id_replaces_object_id() -> None:
    users = replaced(GUIDE_USER_ROWS, "externalId", row("[employeeId]", "externalId", 1))
    assert codes(schema(users), agreed={"external_id": "[employeeId]"}) == []
    findings = mapping_findings(parse_schema(schema()), agreed={"externalId": "[employeeId]"})
    assert [(f.rule, f.column, f.fix) for f in findings] == [("M001", "externalId", "[employeeId]")]
    assert findings[0].message == (
        "Users: externalId is fed by objectId. motiscim.yaml records [employeeId] → externalId "
        "as agreed with Motimate; it must match with precedence 1, before any other attribute. "
        f"Fix: {PORTAL_USERS} → click the row for externalId → Source attribute employeeId → OK "
        "→ Save."
    )


def test_agreed_names_must_be_motimate_or_guide_targets() -> None:
    with pytest.raises(ValueError, match="'department' is neither a Motimate attribute"):
        evaluate(parse_schema(schema()), agreed={"department": "[department]"})


def test_expression_key_and_guide_entry() -> None:
    assert expression_key("Coalesce([mail], [userPrincipalName])") == expression_key(
        "coalesce( [Mail],[USERPRINCIPALNAME] )"
    )
    assert expression_key('Join(" ", [givenName])') != expression_key('Join("", [givenName])')
    assert expression_key('Join("A b", [x])') == 'join("A b",[x])'
    assert expression_key('Replace([x], "\\"", "y")') == 'replace([x],"\\"","y")'
    for name in ("email", 'emails[type eq "work"].value', 'EMAILS[type eq "work"].Value'):
        entry = guide_entry(name)
        assert entry is not None and (entry.motimate, entry.source) == ("email", "[mail]")
    active = guide_entry("active")
    assert active is not None and active.target == "active"
    assert guide_entry("department") is None


def test_samples_findings() -> None:
    findings = mapping_findings(parse_schema(load(REVERT)), source="revert.json")
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
    for sample, exit_code in ((GUIDE, 0), (REVERT, 1)):
        result = runner.invoke(app, ["mapping", str(sample), "--format", "json"])
        assert result.exit_code == exit_code, result.output
        assert result.stderr == ""
        jsonschema.validate(json.loads(result.stdout), contract)


def test_cli_table_shows_one_block_per_finding(tmp_path: Path) -> None:
    out = tmp_path / "report.txt"
    result = runner.invoke(app, ["mapping", str(REVERT), "--output", str(out)])
    assert result.exit_code == 1
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[:4] == [
        "┏━ MAPPING: NOT READY " + "━" * 77 + "┓",
        f"┃ {REVERT}".ljust(99) + "┃",
        "┃ 1 error to fix before provisioning starts (1 error, 3 warnings, 0 info).".ljust(99)
        + "┃",
        "┗" + "━" * 98 + "┛",
    ]
    assert text.count("\n  Now ") == 4
    assert text.count("\n  Guide ") == 4
    assert text.count("\n  Fix ") == 4
    assert "M002  error  externalId" in text
    assert 'M004  warning  phoneNumbers[type eq "work"].value' in text
    assert not any(line.endswith(" ") for line in text.splitlines())
    result = runner.invoke(app, ["mapping", str(GUIDE)])
    assert result.exit_code == 0
    assert "MAPPING: READY" in result.stdout
    assert "The attribute mappings are as the guide asks." in result.stdout


def test_cli_output_extension_chooses_the_format(tmp_path: Path) -> None:
    """-o report.json writes JSON, as `check -o report.json` does; an extension mapping cannot
    write (.sarif) keeps the table, and --format wins over the extension."""
    as_json = tmp_path / "report.json"
    result = runner.invoke(app, ["mapping", str(REVERT), "-o", str(as_json)])
    assert result.exit_code == 1
    assert result.stderr == f"motiscim: report written to {as_json}\n"
    report = json.loads(as_json.read_text(encoding="utf-8"))
    assert report["schema"] == "motiscim.report/v1"
    assert report["summary"]["by_rule"] == {"M002": 1, "M004": 3}
    for name, extra in (("report.sarif", []), ("table.json", ["--format", "table"])):
        path = tmp_path / name
        result = runner.invoke(app, ["mapping", str(REVERT), "-o", str(path), *extra])
        assert result.exit_code == 1
        assert path.read_text(encoding="utf-8").startswith("┏━ MAPPING: NOT READY ━"), name


def write_schema(tmp_path: Path, data: dict[str, Any], name: str = "schema.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def banner(stdout: str) -> list[str]:
    """The verdict panel's title and sentences, without the box drawing."""
    lines = stdout.splitlines()[: stdout.splitlines().index("┗" + "━" * 98 + "┛")]
    return [line.strip("┏┓┃━ ") for line in lines]


def test_cli_verdict_says_what_the_exit_code_says(tmp_path: Path) -> None:
    disabled = schema()
    users_object(disabled)["enabled"] = False
    path = write_schema(tmp_path, disabled, "disabled.json")
    result = runner.invoke(app, ["mapping", str(path), "--no-color"])
    assert result.exit_code == 1
    assert banner(result.stdout) == [
        "MAPPING: NOT READY",
        str(path),
        "1 error to fix before provisioning starts (1 error, 0 warnings, 0 info).",
    ]
    # Warnings only: ready (exit 0), and the warnings are counted, not called "OK".
    mail = write_schema(
        tmp_path, schema(replaced(GUIDE_USER_ROWS, "userName", row("[mail]", "userName")))
    )
    result = runner.invoke(app, ["mapping", str(mail), "--no-color"])
    assert result.exit_code == 0
    assert banner(result.stdout) == [
        "MAPPING: READY",
        str(mail),
        "No errors; 1 warning to look at before provisioning starts (0 errors, 1 warning, 0 info).",
    ]
    assert "M010  warning  userName" in result.stdout
    extra = write_schema(
        tmp_path, schema([*GUIDE_USER_ROWS, row("[extensionAttribute1]", "nickName")]), "info.json"
    )
    result = runner.invoke(app, ["mapping", str(extra), "--no-color"])
    assert result.exit_code == 0
    assert banner(result.stdout)[::2] == [
        "MAPPING: READY",
        "No errors or warnings (0 errors, 0 warnings, 1 info).",
    ]


def test_cli_disabled_user_mapping_exits_1(tmp_path: Path) -> None:
    data = load(GUIDE)
    data["synchronizationRules"][0]["objectMappings"][0]["enabled"] = False
    path = write_schema(tmp_path, data)
    result = runner.invoke(app, ["mapping", str(path), "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["mapping"]["ok"] is False
    assert [
        (f["rule"], f["severity"], f["column"], f["pointer"]) for f in report["mapping"]["findings"]
    ] == [("M009", "error", "User", "/synchronizationRules/0/objectMappings/0")]
    assert report["summary"]["verdict"] == "not-ready"


def test_cli_user_name_from_mail_is_reported(tmp_path: Path) -> None:
    data = load(GUIDE)
    rows = data["synchronizationRules"][0]["objectMappings"][0]["attributeMappings"]
    (user_name,) = [r for r in rows if r["targetAttributeName"] == "userName"]
    user_name["source"] = {"expression": "[mail]", "name": "mail", "type": "Attribute"}
    path = write_schema(tmp_path, data)
    result = runner.invoke(app, ["mapping", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output  # a warning: it syncs, probably not as meant
    findings = json.loads(result.stdout)["mapping"]["findings"]
    assert [
        (f["rule"], f["severity"], f["column"], f["attribute"], f["value"], f["fix"])
        for f in findings
    ] == [("M010", "warning", "userName", "employee_number", "[mail]", "[userPrincipalName]")]


MAIL_AS_EMPLOYEE_NUMBER = "mapping:\n  employee_number: '[mail]'\n"


def test_cli_config_mapping_accepts_the_agreed_source(tmp_path: Path) -> None:
    email = 'emails[type eq "work"].value'
    users = replaced(GUIDE_USER_ROWS, "userName", row("[mail]", "userName"))
    users = replaced(users, email, row("Coalesce([mail],[userPrincipalName])", email))
    path = write_schema(tmp_path, schema(users))
    (tmp_path / "motiscim.yaml").write_text(
        MAIL_AS_EMPLOYEE_NUMBER + f"  {email}: Coalesce([mail], [userPrincipalName])\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["mapping", str(path), "--format", "json"])  # found in the cwd
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["mapping"]["findings"] == []
    result = runner.invoke(app, ["mapping", str(path), "--no-color"])
    assert result.exit_code == 0
    lines = banner(result.stdout)
    assert lines[:3] == [
        "MAPPING: READY",
        str(path),
        "The attribute mappings are as the guide asks, and as agreed with Motimate.",
    ]
    assert " ".join(lines[3:]) == (
        "Agreed with Motimate (motiscim.yaml mapping): employee_number ← [mail]; email ← "
        "Coalesce([mail], [userPrincipalName])."
    )
    # Another file with --config: only the employee number is agreed, the email is reported.
    other = tmp_path / "other.yaml"
    other.write_text(MAIL_AS_EMPLOYEE_NUMBER, encoding="utf-8")
    result = runner.invoke(app, ["mapping", str(path), "--config", str(other), "--format", "json"])
    assert result.exit_code == 0, result.output
    findings = json.loads(result.stdout)["mapping"]["findings"]
    assert [(f["rule"], f["column"], f["fix"]) for f in findings] == [("M010", email, "[mail]")]


def test_cli_config_mapping_mistakes_exit_2_with_the_line(tmp_path: Path) -> None:
    config = tmp_path / "motiscim.yaml"
    for text, message in [
        (
            "region: NO\nmapping:\n  employee_number: [mail]\n",
            "3: mapping.employee_number must be an Entra expression in quotes, e.g. '[mail]': "
            "unquoted, YAML reads [mail] as a list",
        ),
        (
            "mapping:\n  department: '[department]'\n",
            "2: unknown attribute 'department' in mapping (known: external_id, active, position, "
            "email, employee_number, first_name, last_name, phone_number, or the SCIM attribute "
            "each is sent as)",
        ),
    ]:
        config.write_text(text, encoding="utf-8")
        result = runner.invoke(app, ["mapping", str(GUIDE)])
        assert result.exit_code == 2
        assert result.stdout == ""
        assert result.stderr == f"motiscim: config: {config.resolve()}:{message}\n"


def test_mapping_result_takes_the_agreed_mapping() -> None:
    from motiscim_cli.mapping_run import mapping_result, read_schema

    agreed = {"email": "Coalesce([mail],[upn])"}
    result, checks = mapping_result(str(GUIDE), read_schema(str(GUIDE)), agreed=agreed)
    assert result.ok is True
    assert [(c.finding.rule, c.finding.column, c.finding.fix) for c in checks] == [
        ("M010", 'emails[type eq "work"].value', "Coalesce([mail],[upn])")
    ]


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
    assert "ZIP archive" in result.stderr
    assert result.stderr.count("\n") == 1


def test_cli_rejects_an_unknown_format() -> None:
    result = runner.invoke(app, ["mapping", str(GUIDE), "--format", "sarif"])
    assert result.exit_code == 2
    assert "choose one of: table, json" in result.output


HUGE = "1" * 5000  # past int()'s 4300 digits: json.loads raised ValueError on it


def _with_huge_integer(tmp_path: Path, where: str) -> Path:
    """The guide's schema with a 5000-digit integer: in a key motiscim ignores, or as the
    externalId row's matchingPriority, a number it reads."""
    text = GUIDE.read_text(encoding="utf-8")
    if where == "ignored":
        text = text.replace("{", f'{{"a": {HUGE}, ', 1)
    else:
        text = text.replace('"matchingPriority": 1,', f'"matchingPriority": {HUGE},', 1)
    path = tmp_path / f"schema-{where}.json"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_huge_integer_in_a_key_motiscim_ignores_is_read(tmp_path: Path) -> None:
    path = _with_huge_integer(tmp_path, "ignored")
    result = runner.invoke(app, ["mapping", str(path), "--format", "json"], catch_exceptions=False)
    guide = runner.invoke(app, ["mapping", str(GUIDE), "--format", "json"])
    assert (result.exit_code, result.stderr) == (guide.exit_code, "") == (0, "")
    mapping = json.loads(result.stdout)["mapping"]
    expected = json.loads(guide.stdout)["mapping"]
    assert mapping == {**expected, "path": str(path)}


@pytest.mark.parametrize("command", ["mapping", "preflight", "email"])
def test_a_huge_integer_motiscim_reads_is_one_line_and_exit_2(tmp_path: Path, command: str) -> None:
    path = _with_huge_integer(tmp_path, "read")
    export = str(SAMPLES / "entra-users-download.csv")
    args = {
        "mapping": ["mapping", str(path)],
        "preflight": ["preflight", export, "--schema", str(path)],
        "email": ["email", export, "-u", "kari.nordmann@example.com", "--schema", str(path)],
    }[command]
    result = runner.invoke(app, args, catch_exceptions=False)
    assert (result.exit_code, result.stdout) == (2, "")
    prefix = "motiscim: " if command == "mapping" else f"motiscim {command}: "
    assert result.stderr == (
        f"{prefix}cannot read {path}: not an Entra provisioning schema: "
        f"{USERS}/0/matchingPriority is not a whole number\n"
    )
