"""`motiscim check` end to end on the bundled samples: exact findings, exit codes, the contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from motiscim_cli.app import app

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_exports"
SCHEMA = json.loads((ROOT / "motiscim_cli/schemas/report-v1.schema.json").read_text())
runner = CliRunner()


def check(*args: str) -> tuple[int, dict]:
    result = runner.invoke(app, ["check", *args, "--format", "json"], catch_exceptions=False)
    report = json.loads(result.stdout)
    jsonschema.validate(report, SCHEMA)
    return result.exit_code, report


MAIN_SAMPLE_FINDINGS = [
    ("P001", 2, 3, "mobilePhone", "98765432", "+4798765432", "probable", []),
    ("P002", 3, 4, "mobilePhone", "+47 987 65 431", "+4798765431", "certain", []),
    ("P001", 4, 5, "mobilePhone", "004741234568", "+4741234568", "certain", []),
    ("E002", 6, 7, "mail", "sofia.lindqvist@example.com ", "sofia.lindqvist@example.com",
     "certain", []),
    ("P002", 7, 8, "mobilePhone", "+49 (0) 151 23456789", "+4915123456789", "certain", []),
    ("P006", 8, 9, "mobilePhone", "4.79877E+09", None, None, []),
    ("E001", 9, 10, "mail", "ingrid.haugen@example", None, None, []),
    ("U003", 10, 11, "userPrincipalName", "Per.Hansen@example.com", None, None, [11]),
    ("U003", 11, 12, "userPrincipalName", "per.hansen@example.com", None, None, [10]),
    ("U002", 12, 13, "userPrincipalName", "lars.eriksen@example.com ", "lars.eriksen@example.com",
     "certain", []),
    ("N001", 13, 14, "givenName", None, None, None, []),
    ("N001", 13, 14, "surname", None, None, None, []),
    ("U004", 13, 14, "userPrincipalName", "anna.svensson_example.org#EXT#@example.com", None, None,
     []),
    ("E003", 14, 15, "mail", None, None, None, []),
    ("A001", 15, 16, "accountEnabled", "False", None, None, []),
    ("F004", 16, 17, None, None, None, None, []),
    ("N004", 17, 18, "givenName", "SÃ¸ren", "Søren", "probable", []),
    ("N003", 18, 19, "jobTitle", "=SUM(A1)", None, None, []),
    ("T001", 19, 20, "jobTitle", "Sales manager", "Sales Manager", "probable", [20]),
    ("P007", 21, 22, "mobilePhone", "+4700000000", None, None, []),
    ("P005", 22, 23, "mobilePhone", "+4741234580 ext. 12", None, None, []),
    ("P001", 23, 24, "mobilePhone", "(202) 555-0143", "+12025550143", "probable", []),
    ("P001", 24, 25, "mobilePhone", "41234581", None, None, []),
]  # fmt: skip


def test_main_sample_reports_every_planted_problem_exactly():
    code, report = check(str(SAMPLES / "entra-users-download.csv"))
    assert code == 1
    found = [
        (f["rule"], f["row"], f["line"], f["column"], f["value"], f["fix"], f["fix_confidence"],
         f["related_rows"])
        for f in report["findings"]
    ]  # fmt: skip
    assert found == MAIN_SAMPLE_FINDINGS
    summary = report["summary"]
    assert summary["users"] == 26 == report["sources"][0]["records"]
    assert summary["verdict"] == "not-ready"
    assert summary["users_with_errors"] == 14
    assert summary["by_severity"] == {"error": 14, "warning": 8, "info": 1}
    source = report["sources"][0]
    assert (source["format"], source["encoding"], source["delimiter"]) == (
        "entra-portal-csv",
        "utf-8-sig",
        ",",
    )
    assert source["columns"]["phone_number"] == "mobilePhone"
    assert source["columns"]["external_id"] == "id"


@pytest.mark.parametrize(
    ("name", "exit_code", "users", "by_rule"),
    [
        ("entra-users-download-legacy.csv", 1, 7, {"A001": 1, "F004": 1, "P001": 3, "U002": 1}),
        ("graph-users-page.json", 1, 7, {"A001": 1, "N001": 2, "P001": 1, "P007": 1, "U004": 1}),
        ("graph-users-pages.json", 0, 9, {"E003": 1, "F003": 1, "T001": 1}),
        ("graph-users.jsonl", 1, 8, {"P001": 2, "P002": 1, "P007": 1, "U002": 2, "U003": 2}),
        ("mggraph-users.csv", 1, 7, {"F005": 1, "P001": 2, "P002": 2}),
        (
            "mggraph-users-unicode.csv",
            1,
            7,
            {"E002": 1, "N003": 1, "P001": 1, "P002": 2, "P006": 1},
        ),
        ("azuread-users.csv", 1, 7, {"E004": 2, "P001": 2, "P002": 2}),
        ("adsi-users.csv", 1, 6, {"A001": 1, "E003": 1, "P001": 2, "P002": 2}),
    ],
)
def test_every_sample_shape(name, exit_code, users, by_rule):
    code, report = check(str(SAMPLES / name))
    assert (code, report["summary"]["users"], report["summary"]["by_rule"]) == (
        exit_code,
        users,
        by_rule,
    )


def test_excel_copy_loses_every_plus_and_says_so():
    code, report = check(str(SAMPLES / "entra-users-excel.csv"))
    assert code == 1
    assert report["sources"][0]["encoding"] == "cp1252"
    assert report["sources"][0]["delimiter"] == ";"
    assert report["summary"]["by_rule"]["P001"] == 19


def test_json_records_have_pointers_and_no_lines():
    _, report = check(str(SAMPLES / "graph-users-page.json"))
    p001 = next(f for f in report["findings"] if f["rule"] == "P001")
    assert p001["line"] is None
    assert p001["pointer"].startswith("/value/")


def test_select_ignore_and_fail_on():
    sample = str(SAMPLES / "entra-users-download.csv")
    code, report = check(sample, "--select", "P", "--ignore", "P001,P002,P005,P006")
    assert (code, report["summary"]["by_rule"]) == (0, {"P007": 1})
    code, report = check(sample, "--select", "P007", "--fail-on", "warning")
    assert (code, report["summary"]["verdict"]) == (1, "ready")
    code, _ = check(sample, "--fail-on", "never")
    assert code == 0


def test_region_completes_national_numbers():
    sample = str(SAMPLES / "entra-users-download.csv")
    _, report = check(sample, "--select", "P001", "--region", "no")
    row24 = next(f for f in report["findings"] if f["row"] == 24)
    assert (row24["fix"], row24["fix_confidence"]) == ("+4741234581", "probable")


def test_redact_masks_values_and_contact_fixes():
    _, report = check(str(SAMPLES / "entra-users-download.csv"), "--redact")
    assert all(f["value"] is None for f in report["findings"])
    phone = next(f for f in report["findings"] if f["rule"] == "P002")
    assert phone["fix"] is None
    assert phone["user"]["user_principal_name"] == "j***@e***.com"
    text = json.dumps(report)
    assert "98765432" not in text and "jorgen.brathen" not in text


def test_column_override_checks_another_header(tmp_path):
    export = tmp_path / "users.csv"
    export.write_text(
        "id,userPrincipalName,givenName,surname,mail,mobilePhone,jobTitle,accountEnabled,"
        "telephoneNumber\n"
        "0f8fad5b-d9cb-469f-a165-70867728950e,kari@example.com,Kari,Nordmann,"
        "kari@example.com,+4741234567,Engineer,true,22 00 00 01\n",
        encoding="utf-8",
    )
    code, report = check(str(export))
    assert (code, report["findings"]) == (0, [])
    code, report = check(str(export), "--column", "phone_number=telephoneNumber", "--region", "NO")
    assert code == 1
    assert [(f["rule"], f["column"], f["fix"]) for f in report["findings"]] == [
        ("P001", "telephoneNumber", "+4722000001")
    ]


def test_a_misspelt_column_override_is_an_error_not_ready(tmp_path):
    """A typo in --column must not quietly leave phones unchecked and the export READY."""
    export = tmp_path / "users.csv"
    export.write_text(
        "id,userPrincipalName,givenName,surname,mail,mobilePhone,jobTitle,accountEnabled\n"
        "0f8fad5b-d9cb-469f-a165-70867728950e,kari@example.com,Kari,Nordmann,"
        "kari@example.com,98765432,Engineer,true\n",
        encoding="utf-8",
    )
    code, report = check(str(export), "--select", "F")
    assert (code, report["findings"]) == (0, [])
    code, report = check(str(export), "--column", "phone_number=mobile")
    assert code == 1
    assert report["summary"]["verdict"] == "not-ready"
    assert [(f["rule"], f["severity"], f["row"], f["message"]) for f in report["findings"]] == [
        (
            "F002",
            "error",
            None,
            "The column 'mobile' named for phone_number (--column, or columns: in motiscim.yaml)"
            " is not in the header, so phone numbers cannot be checked: check its spelling "
            "against the export's first line.",
        )
    ]


@pytest.mark.parametrize(
    "selection", [["--select", "C001"], ["--select", "M"], ["--ignore", "E,P,U,N,T,A,X,F"]]
)
def test_a_selection_that_leaves_check_nothing_is_a_usage_error(selection):
    # It read READY, exit 0: a CI job guarding the file would pass on anything.
    result = runner.invoke(app, ["check", str(SAMPLES / "entra-users-download.csv"), *selection])
    assert result.exit_code == 2
    assert "the selection leaves no rule that check runs" in result.stderr
    assert result.stdout == ""


def test_unreadable_file_is_one_line_and_exit_2(tmp_path):
    missing = tmp_path / "nope.csv"
    result = runner.invoke(app, ["check", str(missing)])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"motiscim: cannot read {missing}: ")
    assert "Traceback" not in result.output


def test_unreadable_file_in_json_is_an_f001_with_verdict_unknown(tmp_path):
    workbook = tmp_path / "users.csv"
    import zipfile

    with zipfile.ZipFile(workbook, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    result = runner.invoke(app, ["check", str(workbook), "--format", "json"])
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    jsonschema.validate(report, SCHEMA)
    assert report["summary"]["verdict"] == "unknown"
    assert [f["rule"] for f in report["findings"]] == ["F001"]
    assert "Excel workbook" in report["findings"][0]["message"]


def test_table_report_verdict_and_grouping():
    result = runner.invoke(
        app,
        ["check", str(SAMPLES / "entra-users-download.csv"), "--no-color"],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 1
    out = result.stdout
    assert "NOT READY" in out
    assert "14 of 26 users would fail to sync." in out
    assert "Coalesce([mail],[userPrincipalName])" in out
    assert out.index("P001 error") < out.index("P007 warning")


def test_rules_command_documents_each_rule():
    result = runner.invoke(app, ["rules", "P001"])
    assert result.exit_code == 0
    assert result.stdout.startswith("P001 (error) ")
    listing = runner.invoke(app, ["rules"]).stdout.splitlines()
    codes = [line.split()[0] for line in listing]
    assert codes[:3] == ["F001", "F002", "F003"]
    assert {"U003", "P007", "C007", "M002"} <= set(codes)
    assert runner.invoke(app, ["rules", "Z999"]).exit_code == 2


def test_python_dash_m_runs_the_same_app():
    result = subprocess.run(
        [sys.executable, "-m", "motiscim_cli", "check", str(SAMPLES / "graph-users-pages.json"),
         "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0
    assert json.loads(result.stdout)["summary"]["verdict"] == "ready"


FORMATS = ["table", "json", "jsonl", "csv", "sarif", "github", "junit", "markdown", "html"]


@pytest.mark.parametrize("output_format", FORMATS)
def test_redact_hides_every_upn_email_and_phone_of_the_sample(output_format):
    result = runner.invoke(
        app,
        ["check", str(SAMPLES / "entra-users-download.csv"), "--redact", "--format", output_format],
    )
    assert result.exit_code == 1
    for secret in (
        "lars.eriksen@example.com",  # U002's value and its fix: a UPN
        "sofia.lindqvist@example.com",  # E002's fix
        "+4798765431",  # P002's fix (the guide's own 98765432 is in the rule docs SARIF/HTML carry)
        "+4741234568",  # P001's fix
        "004741234568",
        "per.hansen",
    ):
        assert secret not in result.stdout, (output_format, secret)


@pytest.mark.parametrize("output_format", FORMATS)
def test_redact_masks_contacts_typed_into_names(output_format, tmp_path):
    # N002 suggests the trimmed name, which here is an address and a phone number
    export = tmp_path / "users.csv"
    export.write_text(
        "id,userPrincipalName,mail,givenName,surname\n"
        "4f5c3a9e-2b1d-4c6e-9a7f-1e2d3c4b5a60,u4711@example.com,u4711@example.com,"
        '" kari.private@fjordpost.test","Call +47 987 12 398 "\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["check", str(export), "--redact", "--format", output_format])
    assert result.exit_code == 0, result.output
    for secret in ("kari.private", "fjordpost", "987 12 398", "u4711"):
        assert secret not in result.stdout, (output_format, secret)
    if output_format == "json":
        fixes = {
            f["rule"] + (f["column"] or ""): f["fix"] for f in json.loads(result.stdout)["findings"]
        }
        assert fixes == {
            "F003": None,  # no mobile column
            "N002givenName": "k***@f***.test",
            "N002surname": "Call +47*********98",
        }


@pytest.mark.parametrize("output_format", FORMATS)
def test_redact_masks_a_phone_number_grouped_by_slashes(output_format, tmp_path):
    # '0171/765/4329': digits grouped by slashes; N002's fix repeats it
    export = tmp_path / "users.csv"
    export.write_text(
        "id,userPrincipalName,mail,givenName,surname\n"
        "4f5c3a9e-2b1d-4c6e-9a7f-1e2d3c4b5a60,u4711@example.com,u4711@example.com,"
        'Kari,"Mobil 0171/765/4329 "\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["check", str(export), "--redact", "--format", output_format])
    assert result.exit_code == 0, result.output
    assert "765/4329" not in result.stdout, output_format
    if output_format == "json":
        fixes = [f["fix"] for f in json.loads(result.stdout)["findings"] if f["rule"] == "N002"]
        assert fixes == ["Mobil 017********29"]


@pytest.mark.parametrize("output_format", FORMATS)
def test_redact_masks_an_object_id_that_is_not_a_guid(output_format, tmp_path):
    # An id column that holds an address or a phone number (X002) is personal data like the
    # UPN; a GUID names nobody and stays, for the admin to find the user by.
    guid = "4f5c3a9e-2b1d-4c6e-9a7f-1e2d3c4b5a60"
    export = tmp_path / "users.csv"
    export.write_text(
        "id,userPrincipalName,mail,mobilePhone,accountEnabled\n"
        "not-a-guid-zqleak6@corpzz.example,,a@example.com,+4741234567,True\n"
        "+4798712398,u4711@example.com,b@example.com,+4741234568,True\n"
        f"{guid},u4712@example.com,c@example.com,41234569,True\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["check", str(export), "--redact", "--format", output_format])
    assert result.exit_code == 1, result.output
    for secret in ("zqleak6", "corpzz", "98712398", "u4711"):
        assert secret not in result.stdout, (output_format, secret)
    if output_format == "json":
        findings = json.loads(result.stdout)["findings"]
        users = [(f["rule"], f["user"]) for f in findings if f["user"] is not None]
        assert users == [
            ("U001", {"user_principal_name": None, "object_id": "n***@c***.example"}),
            ("X002", {"user_principal_name": None, "object_id": "n***@c***.example"}),
            ("X002", {"user_principal_name": "u***@e***.com", "object_id": "+47******98"}),
            ("P001", {"user_principal_name": "u***@e***.com", "object_id": guid}),
        ]
    if output_format == "table":  # the User column shows the Object ID when there is no UPN
        assert " n***@c***.example " in result.stdout
    if output_format in ("csv", "sarif"):
        assert guid in result.stdout


@pytest.mark.parametrize("option", ["--select", "--ignore"])
@pytest.mark.parametrize("code", ["P01", "Q", "P0019"])
def test_a_rule_code_that_names_no_rule_is_a_usage_error(option, code):
    result = runner.invoke(app, ["check", str(SAMPLES / "entra-users-download.csv"), option, code])
    assert result.exit_code == 2
    assert f"no rule {code}" in result.stderr
    assert "READY" not in result.stdout


def test_an_unknown_input_format_is_a_usage_error():
    result = runner.invoke(
        app, ["check", str(SAMPLES / "graph-users.jsonl"), "--input-format", "bogus"]
    )
    assert result.exit_code == 2
    assert "choose one of: entra-portal-csv," in result.stderr


def test_severity_overrides_reach_file_rules(tmp_path):
    export = tmp_path / "users.csv"
    export.write_text(
        "id,userPrincipalName,givenName,surname,mail,mobilePhone,accountEnabled\n"
        "0f8fad5b-d9cb-469f-a165-70867728950e,kari@example.com,Kari,Nordmann,"
        "kari@example.com,+4741234567,true\n",
        encoding="utf-8",
    )
    config = tmp_path / "motiscim.yaml"
    config.write_text("rules:\n  severity:\n    F003: error\n", encoding="utf-8")
    code, report = check(str(export))
    assert (code, [(f["rule"], f["severity"]) for f in report["findings"]]) == (
        0,
        [("F003", "warning")],
    )
    code, report = check(str(export), "--config", str(config))
    assert (code, [(f["rule"], f["severity"]) for f in report["findings"]]) == (
        1,
        [("F003", "error")],
    )


ROW_HEADER = "id,userPrincipalName,mail,givenName,surname,mobilePhone,accountEnabled\n"
KARI = (
    "11111111-1111-4111-8111-111111111111,kari@example.com,kari@example.com,Kari,Nordmann,"
    "+4791234567,true\n"
)
OLA = (
    "22222222-2222-4222-8222-222222222222,ola@example.com,ola@example.com,Ola,Nordmann,"
    "+4791234568,true\n"
)


def test_duplicates_across_exports_name_the_other_file(tmp_path: Path):
    first, second = tmp_path / "oslo.csv", tmp_path / "bergen.csv"
    first.write_text(ROW_HEADER + KARI, encoding="utf-8")
    second.write_text(ROW_HEADER + OLA + KARI, encoding="utf-8")
    code, report = check(str(first), str(second), "--select", "U003,X003,E004")
    assert code == 1
    findings = report["findings"]
    found = sorted((f["rule"], f["source"], f["row"], f["related_rows"]) for f in findings)
    assert found == sorted(
        [
            ("E004", str(first), 1, [2]),
            ("U003", str(first), 1, [2]),
            ("X003", str(first), 1, [2]),
            ("E004", str(second), 2, [1]),
            ("U003", str(second), 2, [1]),
            ("X003", str(second), 2, [1]),
        ]
    )
    messages = {(f["rule"], f["source"]): f["message"] for f in report["findings"]}
    assert "on row(s) 2 of bergen.csv;" in messages["U003", str(first)]
    assert "on row(s) 1 of oslo.csv;" in messages["X003", str(second)]
    assert messages["E004", str(second)].startswith(
        "The same email address is on row(s) 1 of oslo.csv:"
    )


def test_duplicates_in_one_export_name_rows_only(tmp_path: Path):
    export = tmp_path / "users.csv"
    export.write_text(ROW_HEADER + KARI + OLA + KARI, encoding="utf-8")
    _, report = check(str(export), "--select", "U003")
    assert [(f["row"], f["related_rows"]) for f in report["findings"]] == [(1, [3]), (3, [1])]
    assert "is used on row(s) 3; only one" in report["findings"][0]["message"]


def test_the_same_export_twice_is_a_usage_error(tmp_path: Path):
    export = tmp_path / "users.csv"
    export.write_text(ROW_HEADER + KARI, encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(export)
    result = runner.invoke(app, ["check", str(export), str(link)])
    assert result.exit_code == 2
    assert f"{link} is given twice" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "{export}"], "Invalid value for --region: no country has the code XX"),
        (["fix", "{export}", "--script", "fix.ps1"], "Invalid value for --region: no country"),
        (["preflight", "{export}"], "motiscim preflight: --region: no country has the code XX"),
        (["email", "{export}", "-u", "x"], "motiscim email: --region: no country has the code XX"),
    ],
)
def test_an_unknown_region_is_a_usage_error(args, message, tmp_path, monkeypatch):
    # --region XX was accepted and silently gave no phone fix at all.
    monkeypatch.chdir(tmp_path)
    export = str(SAMPLES / "entra-users-download.csv")
    result = runner.invoke(app, [a.replace("{export}", export) for a in args] + ["--region", "XX"])
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())
    assert not (tmp_path / "fix.ps1").exists()


def test_uk_is_pointed_to_gb():
    result = runner.invoke(
        app, ["check", str(SAMPLES / "entra-users-download.csv"), "--region", "uk"]
    )
    assert result.exit_code == 2
    assert "no country has the code UK (the United Kingdom is GB)" in " ".join(
        result.stderr.split()
    )
