"""How `check` chooses and writes its output: format selection, --quiet, colour, progress,
and the pre-commit hook definition. Runs the real command on a small real export."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner

from checks.model import UserRecord
from motiscim_cli.app import app
from motiscim_cli.commands.check import choose_format
from motiscim_cli.options import choose_output_format, use_color
from motiscim_cli.progress import RecordProgress

ROOT = Path(__file__).parents[1]
EXPORT = (
    "id,userPrincipalName,givenName,surname,mail,mobilePhone,jobTitle,accountEnabled,"
    "usageLocation\n"
    "0f8fad5b-d9cb-469f-a165-70867728950e,kari@example.com,Kari,Nordmann,kari@example.com,"
    "98765432,Engineer,True,NO\n"
    "7c9e6679-7425-40de-944b-e07fc1f90ae7,ola@example.com,Ola,Hansen,ola@example.com,"
    "+4741234567,Engineer,True,NO\n"
)
ANSI = re.compile(r"\x1b\[")


@pytest.fixture
def export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no motiscim.yaml here or above (tmp)
    path = tmp_path / "users.csv"
    path.write_text(EXPORT, encoding="utf-8")
    return path


def run(*args: str, **env: str):
    return CliRunner().invoke(app, list(args), env={"GITHUB_ACTIONS": "", "NO_COLOR": "", **env})


def test_choose_format() -> None:
    assert choose_format("csv", "report.html") == "csv"
    assert choose_format(None, "out/report.SARIF") == "sarif"
    assert choose_format(None, "junit.xml") == "junit"
    assert choose_format(None, "-") in ("table", "github")


def test_choose_output_format_keeps_to_what_the_command_writes() -> None:
    """The rule mapping, preflight and connect share with check: the extension only when the
    command can write its format, else the command's default (as check does for .foo)."""
    table_or_json = ("table", "json")
    assert choose_output_format(None, "r.JSON", supported=table_or_json, default="table") == "json"
    assert choose_output_format(None, "r.txt", supported=table_or_json, default="table") == "table"
    for name in ("r.sarif", "r.jsonl", "r.foo", "r", "-", None):
        assert (
            choose_output_format(None, name, supported=table_or_json, default="table") == "table"
        ), name
    assert choose_output_format("table", "r.json", supported=table_or_json, default="x") == "table"
    # An explicit --format is the command's to refuse, never silently replaced.
    assert choose_output_format("sarif", "r.json", supported=table_or_json, default="x") == "sarif"


def test_an_extension_the_command_cannot_write_gets_a_note(
    capsys: pytest.CaptureFixture[str],
) -> None:
    table_or_json = ("table", "json")
    assert choose_output_format(None, "r.sarif", supported=table_or_json, default="table") == (
        "table"
    )
    assert capsys.readouterr().err == (
        "motiscim: note: r.sarif is named like sarif, which this command does not write; it "
        "gets table (--format: table, json).\n"
    )
    for name in ("r.foo", "r", "-", None, "r.json"):  # no format's name, or one it writes
        choose_output_format(None, name, supported=table_or_json, default="table")
    assert capsys.readouterr().err == ""


def test_github_actions_gets_annotations(export: Path) -> None:
    ran = run("check", "users.csv", GITHUB_ACTIONS="true")
    assert ran.exit_code == 1
    first, last = ran.stdout.splitlines()[0], ran.stdout.splitlines()[-1]
    assert first.startswith("::error file=users.csv,line=2,title=motiscim P001::row 1 (line 2)")
    assert last.startswith("motiscim: NOT READY: 1 of 2 users would fail to sync")
    explicit = run("check", "users.csv", "--format", "json", GITHUB_ACTIONS="true")
    assert json.loads(explicit.stdout)["summary"]["verdict"] == "not-ready"


def test_output_extension_chooses_the_format(export: Path, tmp_path: Path) -> None:
    ran = run("check", "users.csv", "--output", "report.xml")
    assert ran.exit_code == 1
    assert ran.stdout == ""
    assert "motiscim: report written to report.xml" in ran.stderr
    root = ET.parse(tmp_path / "report.xml").getroot()
    assert root.tag == "testsuites" and root.get("failures") == "2"  # P001 and the verdict
    quiet = run("check", "users.csv", "--output", "report.html", "--quiet")
    assert quiet.stderr == ""
    assert (tmp_path / "report.html").read_text().startswith("<!doctype html>")


def test_quiet_prints_only_the_verdict(export: Path) -> None:
    ran = run("check", "users.csv", "-q")
    assert ran.exit_code == 1
    assert ran.stdout == (
        "motiscim: NOT READY: 1 of 2 users would fail to sync (1 error(s), 0 warning(s), 0 info).\n"
    )
    assert ran.stderr == ""
    json_quiet = run("check", "users.csv", "-q", "-f", "json")
    assert json.loads(json_quiet.stdout)["findings"][0]["rule"] == "P001"  # data in full


def test_no_colour_off_a_terminal(export: Path) -> None:
    assert not ANSI.search(run("check", "users.csv").stdout)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_use_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color(False, _Terminal()) is True
    assert use_color(True, _Terminal()) is False  # --no-color
    assert use_color(False, io.StringIO()) is False  # a pipe or a file
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color(False, _Terminal()) is False


def test_progress_counts_and_shows_records_per_second() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=120)
    with RecordProgress(console, every=1000) as on_record:
        for row in range(1, 2501):
            on_record(UserRecord(source="users.csv", row=row))
    assert on_record.count == 2500
    shown = buffer.getvalue()
    assert "Reading users.csv 2,000 records" in shown
    assert "records/s" in shown


def test_pre_commit_hook_definition() -> None:
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "motiscim-check"
    assert hook["entry"] == "motiscim check"
    assert hook["pass_filenames"] is True
    files = re.compile(hook["files"])
    assert all(files.search(p) for p in ("exports/users.csv", "a.json", "b.jsonl"))
    assert not any(files.search(p) for p in ("README.md", "users.csv.bak", "x.jsonld"))


PAGES = str(ROOT / "sample_exports" / "graph-users-pages.json")  # 2 warnings, 1 info, no error
READY_TAIL = "all 9 users are predicted to sync (0 error(s), 2 warning(s), 1 info)."


@pytest.mark.parametrize(
    ("fail_on", "title", "code"),
    [
        ("error", "READY", 0),
        ("never", "READY", 0),
        ("warning", "READY, but 2 warnings fail --fail-on warning", 1),
        ("info", "READY, but 2 warnings and 1 info fail --fail-on info", 1),
    ],
)
def test_a_ready_report_that_fail_on_fails_says_why(
    export: Path, fail_on: str, title: str, code: int
) -> None:
    """--fail-on decides the exit code, not the verdict; the human outputs say why it is 1."""
    quiet = run("check", PAGES, "--fail-on", fail_on, "-q")
    assert (quiet.exit_code, quiet.stdout) == (code, f"motiscim: {title}: {READY_TAIL}\n")
    table = run("check", PAGES, "--fail-on", fail_on, "-f", "table")
    assert table.exit_code == code
    assert table.stdout.startswith(f"┏━ {title} ━")
    markdown = run("check", PAGES, "--fail-on", fail_on, "-f", "markdown")
    assert markdown.stdout.splitlines()[:3] == [
        f"# motiscim preflight: {title}",
        "",
        f"**{title}: {READY_TAIL}**",
    ]
    junit = ET.fromstring(run("check", PAGES, "--fail-on", fail_on, "-f", "junit").stdout)
    verdict = junit.find(".//testcase[@name='motiscim verdict']")
    assert verdict is not None and verdict.findtext("system-out") == f"{title}: {READY_TAIL}"
    github = run("check", PAGES, "--fail-on", fail_on, "-f", "github", GITHUB_ACTIONS="true")
    assert github.stdout.splitlines()[-1] == f"motiscim: {title}: {READY_TAIL}"
    html = run("check", PAGES, "--fail-on", fail_on, "-f", "html").stdout
    assert f"<strong>{title}</strong><p>{READY_TAIL}</p>" in html
    # The JSON contract is unchanged: still ready (no error), and no new member.
    document = run("check", PAGES, "--fail-on", fail_on, "-f", "json")
    report = json.loads(document.stdout)
    assert (document.exit_code, report["summary"]["verdict"]) == (code, "ready")
    assert "fail_on" not in document.stdout


def test_fail_on_title_counts_in_words() -> None:
    from checks.model import Finding, Severity
    from motiscim_cli.render.common import verdict_title
    from motiscim_cli.report import Report, SourceInfo

    warning = Finding(rule="A001", severity=Severity.WARNING, message="disabled", row=1)
    report = Report(sources=[SourceInfo("u.csv", "csv", records=1)], findings=[warning])
    report.fail_on = "warning"
    assert verdict_title(report) == "READY, but 1 warning fails --fail-on warning"
    report.findings[0].suppressed = "reviewed"  # a reviewed exception fails nothing
    assert verdict_title(report) == "READY"
    error = Finding(rule="P001", severity=Severity.ERROR, message="no +", row=1)
    report.findings = [warning, error]
    assert verdict_title(report) == "NOT READY"  # the reason is the errors, not --fail-on
