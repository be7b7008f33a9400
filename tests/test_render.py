"""Every renderer on one small fixed report: golden files, escaping, redaction, validity.

Regenerate the golden files after an intended change with
`MOTISCIM_UPDATE_GOLDEN=1 pytest tests/test_render.py` and review the diff.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from checks.model import Finding, Severity, all_rules
from motiscim_cli.render import RENDERERS, common, render
from motiscim_cli.render.github import annotation, escape_data, escape_property
from motiscim_cli.render.markdown import escape as md_escape
from motiscim_cli.report import Report, SourceInfo
from motiscim_cli.spreadsheet import is_e164, neutralise
from tests.report_fixture import (
    FORMULA_NAME,
    KARI,
    LIV,
    OLA,
    PER,
    PER2,
    SCRIPT_EMAIL,
    pinned_catalogue,
    ready_report,
    sample_report,
)

GOLDEN = Path(__file__).parent / "golden"
DATA = Path(__file__).parent / "data"
EXTENSION = {
    "table": "txt",
    "json": "json",
    "jsonl": "jsonl",
    "github": "github.txt",
    "junit": "junit.xml",
    "sarif": "sarif.json",
    "csv": "csv",
    "markdown": "md",
    "html": "html",
}


@pytest.fixture
def pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    """Describe rules from the fixture's catalogue, so goldens follow renderers, not docstrings."""
    import motiscim_cli.render.table as table

    monkeypatch.setattr(common, "catalogue", pinned_catalogue)
    monkeypatch.setattr(table, "all_rules", pinned_catalogue)


def test_every_registered_format_has_a_golden_file() -> None:
    assert set(RENDERERS) == set(EXTENSION)


@pytest.mark.parametrize("name", sorted(EXTENSION))
def test_golden(name: str, pinned: None) -> None:
    text = render(sample_report(), name)
    path = GOLDEN / f"report.{EXTENSION[name]}"
    if os.environ.get("MOTISCIM_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    assert path.exists(), f"no golden file {path}: run with MOTISCIM_UPDATE_GOLDEN=1"
    assert text == path.read_bytes().decode("utf-8")


# ---- redaction: no personal value survives in any format -------------------------------------

SECRETS = [
    KARI[0], OLA[0], PER[0], PER2[0], LIV[0],  # UPNs (and values of U003)
    "98765432", "+47 987 65 432", "+4798765432",  # phone values and fixes
    SCRIPT_EMAIL, FORMULA_NAME,
]  # fmt: skip


@pytest.mark.parametrize("name", sorted(EXTENSION))
def test_redact_hides_values_upns_and_contact_fixes(name: str, pinned: None) -> None:
    text = render(sample_report(), name, redact=True)
    for secret in SECRETS:
        for form in {secret, json.dumps(secret)[1:-1], secret.replace('"', "&quot;")}:
            assert form not in text, (name, secret)
    if name in ("json", "jsonl", "csv", "sarif"):
        assert KARI[1] in text  # object IDs are not personal data: still there to act on


def test_redact_masks_rather_than_drops_the_phone_fix(pinned: None) -> None:
    rows = list(csv.DictReader(io.StringIO(render(sample_report(), "csv", redact=True)[1:])))
    p001 = next(r for r in rows if r["rule"] == "P001")
    assert p001["value"] == ""
    assert p001["fix"] == "'+47******32"
    assert p001["user_principal_name"] == "k***@e***.com"


# ---- github ----------------------------------------------------------------------------------


def test_github_escaping_follows_the_runner() -> None:
    assert escape_data("100%\r\nnext") == "100%25%0D%0Anext"
    assert escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"


def test_github_property_and_message_cannot_break_the_command() -> None:
    finding = Finding(
        rule="N002",
        severity=Severity.WARNING,
        message="Trim it:\nthen, re-export 100%",
        source="exports/a,b:c.csv",
        row=3,
        line=4,
        user_principal_name="x@example.com",
    )
    line = annotation(finding, redact=False)
    assert line == (
        "::warning file=exports/a%2Cb%3Ac.csv,line=4,title=motiscim N002::"
        "row 3 (line 4) [x@example.com]: Trim it:%0Athen, re-export 100%25."
    )


def test_github_errors_first_and_one_line_each(pinned: None) -> None:
    lines = render(sample_report(), "github").splitlines()
    report = sample_report()
    assert len(lines) == len(report.all_findings()) + 1
    commands = [line.split(" ", 1)[0] for line in lines[:-1]]
    assert commands == ["::error"] * 6 + ["::warning"] * 4 + ["::notice"] * 2
    assert lines[-2].startswith("::notice file=exports/users.csv,line=5,title=motiscim A001 (s")
    assert "Leaver kept for payroll" in lines[-2]
    assert lines[-1].startswith("motiscim: NOT READY")


# ---- junit -----------------------------------------------------------------------------------


def test_junit_one_testcase_per_rule_errors_fail(pinned: None) -> None:
    root = ET.fromstring(render(sample_report(), "junit"))
    suite = root.find("testsuite")
    assert suite is not None
    cases = {c.get("name", "").split(" ")[0]: c for c in suite.findall("testcase")}
    failed = sorted(code for code, c in cases.items() if c.find("failure") is not None)
    assert failed == ["C007", "E001", "P001", "P002", "U003", "motiscim"]
    assert suite.get("tests") == str(len(cases)) == "12"
    assert suite.get("failures") == "6"
    u003 = cases["U003"].find("failure")
    assert u003 is not None and u003.get("message", "").startswith("2 finding(s): ")
    a001 = cases["A001"]
    assert a001.find("failure") is None
    out = a001.find("system-out")
    assert out is not None and "Suppressed by a reviewed exception: Leaver kept" in (out.text or "")


def test_junit_lists_every_rule_that_ran_even_when_clean(pinned: None) -> None:
    report = ready_report()
    report.rules_checked = ["P001", "U003", "E001"]
    root = ET.fromstring(render(report, "junit"))
    names = [c.get("name") for c in root.iter("testcase")]
    assert [n.split(" ")[0] for n in names if n] == ["U003", "E001", "P001", "motiscim"]
    assert root.get("failures") == "0"


def test_junit_survives_control_characters(pinned: None) -> None:
    report = ready_report()
    report.findings.append(
        Finding(
            rule="U002",
            severity=Severity.ERROR,
            message="The employee number contains a vertical tab.",
            source="users.csv",
            row=1,
            user_principal_name="bad\x0bupn@example.com",
        )
    )
    root = ET.fromstring(render(report, "junit"))  # parses: the \x0b was made visible
    assert "bad\\x0bupn@example.com" in ET.tostring(root, encoding="unicode")


# ---- sarif -----------------------------------------------------------------------------------


def _sarif_validator() -> jsonschema.Draft4Validator:
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )


def test_sarif_validates_against_the_official_schema(pinned: None) -> None:
    validator = _sarif_validator()
    for report in (sample_report(), ready_report()):
        document = json.loads(render(report, "sarif"))
        errors = [e.message for e in validator.iter_errors(document)]
        assert errors == []


def test_sarif_schema_check_can_fail(pinned: None) -> None:
    document = json.loads(render(sample_report(), "sarif"))
    document["runs"][0]["results"][0]["level"] = "fatal"
    assert not _sarif_validator().is_valid(document)


def test_sarif_real_catalogue_is_valid_and_documents_each_rule() -> None:
    document = json.loads(render(sample_report(), "sarif"))
    assert _sarif_validator().is_valid(document)
    rules = {r["id"]: r for r in document["runs"][0]["tool"]["driver"]["rules"]}
    for code, rule in all_rules().items():
        assert rules[code]["help"]["text"] == rule.doc
        assert rules[code]["shortDescription"]["text"] == rule.summary


def test_sarif_locations(pinned: None) -> None:
    run = json.loads(render(sample_report(), "sarif"))["runs"][0]
    by_rule = {}
    for result in run["results"]:
        by_rule.setdefault(result["ruleId"], result)
    csv_location = by_rule["P001"]["locations"][0]
    assert csv_location["physicalLocation"]["artifactLocation"]["uri"] == "exports/users.csv"
    assert csv_location["physicalLocation"]["region"] == {"startLine": 2}
    json_location = by_rule["E001"]["locations"][0]
    assert json_location["physicalLocation"]["artifactLocation"]["uri"] == (
        "exports/graph%20users.json"
    )
    assert "region" not in json_location["physicalLocation"]
    assert json_location["logicalLocations"] == [
        {"fullyQualifiedName": "/value/0", "kind": "object"}
    ]
    assert by_rule["C007"]["locations"] == []
    assert by_rule["A001"]["suppressions"] == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": "Leaver kept for payroll until 2027 (ticket IT-4711)",
        }
    ]
    assert run["tool"]["driver"]["rules"][by_rule["P001"]["ruleIndex"]]["id"] == "P001"


# ---- csv and spreadsheet safety --------------------------------------------------------------


def test_neutralise() -> None:
    assert neutralise('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("-2+3") == "'-2+3"
    assert neutralise("\tx") == "'\tx"
    assert neutralise("\rx") == "'\rx"
    assert neutralise("kari@example.com") == "kari@example.com"
    assert neutralise(None) == ""
    # The plain OWASP rule prefixes a correct E.164 number too (the csv report uses
    # spreadsheet_cell, which writes it as ="+47…" so that Excel shows it as text).
    assert is_e164("+4798765432") and neutralise("+4798765432") == "'+4798765432"
    assert not is_e164("+47 987 65 432") and not is_e164("+0123456789")


def test_csv_rows_and_neutralised_cells(pinned: None) -> None:
    text = render(sample_report(), "csv")
    assert text.startswith("\ufeffrule,severity,source,row,line,pointer,")
    rows = list(csv.DictReader(io.StringIO(text[1:], newline="")))
    assert len(rows) == len(sample_report().all_findings())
    n003 = next(r for r in rows if r["rule"] == "N003")
    assert n003["value"] == "'" + FORMULA_NAME
    p001 = next(r for r in rows if r["rule"] == "P001")
    assert (p001["value"], p001["fix"], p001["fix_confidence"]) == (
        "98765432",
        '="+4798765432"',  # a correct E.164 number: the text +4798765432 in Excel
        "probable",
    )
    n002 = next(r for r in rows if r["rule"] == "N002")
    assert n002["value"] == " Engineer, Sales: Oslo\n"  # quoted, newline kept
    a001 = next(r for r in rows if r["rule"] == "A001")
    assert a001["suppressed"] == "Leaver kept for payroll until 2027 (ticket IT-4711)"
    for row in rows:
        for cell in row.values():
            if cell.startswith("="):  # only the text form of a correct E.164 number
                assert cell.startswith('="') and cell.endswith('"') and is_e164(cell[2:-1]), cell
            else:
                assert not cell.startswith(("+", "-", "@", "\t", "\r")), cell


# ---- markdown --------------------------------------------------------------------------------


def test_markdown_escapes_values() -> None:
    assert md_escape("<script>|x*") == "&lt;script&gt;\\|x\\*"
    assert md_escape("a\nb") == "a↵b"


def test_markdown_table_rows_keep_their_columns(pinned: None) -> None:
    report = ready_report()
    report.findings.append(
        Finding(
            rule="N002",
            severity=Severity.WARNING,
            message="Trim the title.",
            source="users.csv",
            row=1,
            line=2,
            column="jobTitle",
            value="Sales | Oslo\n",
        )
    )
    text = render(report, "markdown")
    row = next(line for line in text.splitlines() if line.startswith("| users.csv row 1"))
    assert row.count(" | ") == 5  # six cells: the pipe in the value is escaped
    assert "'Sales \\| Oslo\\\\n'" in row


def test_markdown_caps_each_rule(pinned: None) -> None:
    report = ready_report()
    report.findings.extend(
        Finding(rule="E003", severity=Severity.WARNING, message="Empty.", source="u.csv", row=i)
        for i in range(1, 26)
    )
    text = render(report, "markdown")
    assert text.count("| u.csv row ") == 20
    assert "… 5 more E003 finding(s) not shown" in text


# ---- html ------------------------------------------------------------------------------------


def test_html_is_self_contained_and_escaped(pinned: None) -> None:
    text = render(sample_report(), "html")
    assert text.count("<script") == 1  # ours only; the value's tag is text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;@example.com" in text
    assert re.search(r"\b(src|href)\s*=", text) is None
    assert "@import" not in text and "url(" not in text
    assert "default-src 'none'" in text
    assert "Leaver kept for payroll until 2027 (ticket IT-4711)" in text


def test_html_csp_hashes_match_the_inline_style_and_script() -> None:
    import base64
    import hashlib

    from motiscim_cli.render import html_report

    text = render(ready_report(), "html")
    style = re.search(r"<style>(.*?)</style>", text, re.S)
    script = re.search(r"<script>(.*?)</script>", text, re.S)
    assert style and script
    for body in (style.group(1), script.group(1)):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in html_report.CSP


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium not installed")
def test_html_filter_runs_in_real_chromium(tmp_path: Path, pinned: None) -> None:
    page = tmp_path / "report.html"
    page.write_text(render(sample_report(), "html"), encoding="utf-8")
    profile = tmp_path / "profile"
    result = subprocess.run(
        [
            "chromium", "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", f"--user-data-dir={profile}", "--dump-dom",
            f"{page.as_uri()}#rule=U003&q=per",
        ],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    if result.returncode != 0 and "<html" not in result.stdout:
        # The browser itself could not start (no /dev/shm, a broken install): not our defect.
        pytest.skip(f"chromium did not start: {result.stderr.strip()[-200:]}")
    dom = result.stdout
    rows = re.findall(r'<tr data-rule="([A-Z0-9]+)"[^>]*?( hidden="")?>', dom)
    assert [code for code, hidden in rows if not hidden] == ["U003", "U003"]
    assert len(rows) == len(sample_report().all_findings())
    assert '<span id="shown">2</span>' in dom
    assert dom.count("<script") == 1  # nothing from the data became a live script


# ---- jsonl -----------------------------------------------------------------------------------


def test_jsonl_lines_and_summary(pinned: None) -> None:
    lines = [json.loads(line) for line in render(sample_report(), "jsonl").splitlines()]
    assert [line["type"] for line in lines] == ["finding"] * 12 + ["summary"]
    assert lines[-1]["summary"]["verdict"] == "not-ready"
    assert lines[-1]["summary"]["suppressed"] == 1
    assert "findings" not in lines[-1] and "findings" not in lines[-1]["connection"]
    assert lines[-2]["rule"] == "C007"


def test_json_summary_counts_suppressed_separately() -> None:
    document = json.loads(render(sample_report(), "json"))
    assert document["summary"]["suppressed"] == 1
    assert "A001" not in document["summary"]["by_rule"]
    contract = json.loads(
        (Path(__file__).parents[1] / "motiscim_cli/schemas/report-v1.schema.json").read_text()
    )
    jsonschema.validate(document, contract)


def test_ready_report_renders_everywhere(pinned: None) -> None:
    for name in EXTENSION:
        text = render(ready_report(), name)
        assert text.endswith("\n")
    assert "READY: all 3 users are predicted to sync" in render(ready_report(), "markdown")


def test_empty_report_has_no_sources() -> None:
    assert render(Report(sources=[SourceInfo(path="x.csv", format="f")]), "html")
