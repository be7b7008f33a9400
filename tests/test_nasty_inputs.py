"""Files a person can save by mistake, each with its exact answer from `motiscim check`.

The bytes come from `tests/nasty/make_nasty.py`; every unreadable file gives exactly one line on
stderr and exit 2, every readable one a report whose user count and findings are asserted."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from motiscim_cli.app import app
from tests.nasty.make_nasty import NASTY, ROWS, good_csv

SAVE_AS_CSV = "open it in Excel and save it as 'CSV UTF-8 (Comma delimited)', then check that file"

UNREADABLE = {
    "empty.csv": "the file is empty (0 bytes): download or export it again",
    "header-only.csv": "the file has a header row but no users under it",
    "workbook.csv": f"this is an Excel workbook (.xlsx), not a CSV: {SAVE_AS_CSV}",
    "archive.csv": "this is a ZIP archive, not an export: extract the CSV or JSON from it",
    "document.csv": "this is a PDF document, not an export: download the users as CSV from the "
    "Entra admin center (Users → All users → Download users)",
    "one-line.csv": "the first line holds a value longer than 131,072 characters, which no "
    "export header has: is it the right file?",
    "random.csv": "this is a binary file (it contains NUL bytes and is not UTF-16 text), not an "
    "export",
    "deep.json": "the JSON nests arrays or objects too deeply (line 1), which no Microsoft Graph "
    "/users export does: is it the right file?",
    "graph-error.json": "this is a Microsoft Graph error response (Authorization_RequestDenied: "
    "Insufficient privileges to complete the operation.), not users: the account that exported "
    "it lacks permission to read users (User.Read.All or Directory.Read.All): grant it, then "
    "export again",
    "graph-no-value.json": 'this is a Microsoft Graph response without a "value" array of users, '
    "not users: export GET /users and save the whole response",
}

# name -> (exit code, users, findings by rule, encoding)
READABLE = {
    "mixed-endings.csv": (0, 3, {}, "utf-8"),
    "unterminated-quote.csv": (1, 3, {"F004": 1}, "utf-8"),
    "unquoted-line-break.csv": (1, 3, {"F004": 1}, "utf-8"),
    "concatenated.csv": (0, 3, {"F008": 1}, "utf-8-sig"),
    "duplicate-headers.csv": (0, 3, {"F006": 1}, "utf-8"),
    "thousand-columns.csv": (0, 3, {}, "utf-8"),
    "utf16-no-bom.csv": (0, 3, {}, "utf-16-le"),
    "utf16be-no-bom.csv": (0, 3, {}, "utf-16-be"),
    "bom.json": (0, 1, {}, "utf-8-sig"),
    "deep-in-page.json": (1, 1, {"F004": 1}, "utf-8"),
    "graph-first-page-only.json": (1, 2, {"F007": 1}, "utf-8"),
    "nulls.jsonl": (1, 5, {"F004": 3}, "utf-8"),
    "nul.csv": (1, 3, {"F004": 1}, "utf-8"),  # two NULs in Kari's givenName: her row only
}


def test_every_corpus_file_has_an_expected_answer() -> None:
    assert set(NASTY) == set(UNREADABLE) | set(READABLE)


def check(path: Path | str, *extra: str) -> tuple[int, str, dict]:
    result = CliRunner().invoke(
        app, ["check", str(path), "--format", "json", *extra], catch_exceptions=False
    )
    return result.exit_code, result.stderr, json.loads(result.stdout)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no motiscim.yaml of the developer's is read
    return tmp_path


@pytest.mark.parametrize("name", sorted(UNREADABLE))
def test_unreadable_file_gives_one_line_and_exit_2(workdir: Path, name: str) -> None:
    (workdir / name).write_bytes(NASTY[name]())
    code, stderr, report = check(name)
    assert code == 2
    assert stderr == f"motiscim: cannot read {name}: {UNREADABLE[name]}\n"
    assert report["summary"]["users"] == 0
    assert [(f["rule"], f["message"]) for f in report["findings"]] == [("F001", UNREADABLE[name])]
    assert report["sources"][0]["format"] == "unreadable"


@pytest.mark.parametrize("name", sorted(READABLE))
def test_readable_nasty_file_gives_a_report(workdir: Path, name: str) -> None:
    (workdir / name).write_bytes(NASTY[name]())
    code, stderr, report = check(name)
    expected_code, users, by_rule, encoding = READABLE[name]
    assert (code, stderr) == (expected_code, "")
    assert report["summary"]["users"] == users
    assert report["summary"]["by_rule"] == by_rule
    assert report["sources"][0]["encoding"] == encoding


def test_unterminated_quote_names_the_lines_it_swallowed(workdir: Path) -> None:
    (workdir / "q.csv").write_bytes(NASTY["unterminated-quote.csv"]())
    _, _, report = check("q.csv")
    [finding] = report["findings"]
    assert (finding["rule"], finding["row"], finding["line"]) == ("F004", 2, 3)
    assert finding["user"]["user_principal_name"] == "ola@example.com"
    assert finding["message"] == (
        "An opening double quote in this row is never closed: it swallowed the next 1 line "
        "(line 4) into one value. That line was read again on its own, so its user is checked; "
        "this row was not. Remove the stray quote, or quote the whole value and double the quote "
        'inside it ("").'
    )
    assert report["summary"]["users"] == 3  # kari, ola (F004) and åse, read again


def test_unquoted_line_break_is_one_finding_and_no_phantom_user(workdir: Path) -> None:
    (workdir / "lb.csv").write_bytes(NASTY["unquoted-line-break.csv"]())
    _, _, report = check("lb.csv")
    [finding] = report["findings"]
    assert (finding["rule"], finding["row"], finding["line"]) == ("F004", 2, 3)
    assert finding["user"]["user_principal_name"] == "ola@example.com"
    assert finding["message"].startswith(
        "This row is split over lines 3–4 by a line break inside the unquoted value of "
        "'jobTitle': its lines have 7 + 3 fields, the header's 9 once that value is joined."
    )
    assert report["summary"]["users"] == 3


def test_concatenated_exports_name_the_repeated_header(workdir: Path) -> None:
    (workdir / "cat.csv").write_bytes(NASTY["concatenated.csv"]())
    _, _, report = check("cat.csv")
    [finding] = report["findings"]
    assert (finding["rule"], finding["severity"], finding["row"], finding["line"]) == (
        "F008",
        "warning",
        None,
        4,
    )
    assert finding["message"].startswith("Line 4 repeats the header row of line 1:")


def test_first_graph_page_only_is_incomplete(workdir: Path) -> None:
    (workdir / "page.json").write_bytes(NASTY["graph-first-page-only.json"]())
    code, _, report = check("page.json")
    [finding] = report["findings"]
    assert (code, finding["rule"], finding["severity"], finding["line"]) == (1, "F007", "error", 27)
    assert finding["message"] == (
        "The export is incomplete: it stops after 1 page (2 users), and its last page still has "
        "an @odata.nextLink (https://graph.microsoft.com/v1.0/users), so the rest of the users "
        "were never downloaded and are not checked. Export all pages: Get-MgUser -All, or "
        "follow @odata.nextLink until a page has none and save every page."
    )


def test_json_lines_null_lines_are_findings_with_their_lines(workdir: Path) -> None:
    (workdir / "n.jsonl").write_bytes(NASTY["nulls.jsonl"]())
    _, _, report = check("n.jsonl")
    assert report["sources"][0]["format"] == "graph-jsonl"
    assert [
        (f["rule"], f["row"], f["message"].split(" instead")[0]) for f in report["findings"]
    ] == [
        ("F004", 1, "Line 1 holds null"),
        ("F004", 3, "Line 3 holds null"),
        ("F004", 4, "Line 4 holds a string or number"),
    ]
    assert report["summary"]["users"] == 5


def test_json_nested_too_deeply_after_a_user_is_f004_not_a_crash(workdir: Path) -> None:
    (workdir / "deep.json").write_bytes(NASTY["deep-in-page.json"]())
    _, _, report = check("deep.json")
    [finding] = report["findings"]
    assert (finding["rule"], finding["line"]) == ("F004", 1)
    assert "(arrays or objects nested too deeply)" in finding["message"]


def test_duplicate_header_reads_the_first_column(workdir: Path) -> None:
    (workdir / "dup.csv").write_bytes(NASTY["duplicate-headers.csv"]())
    _, _, report = check("dup.csv")
    [finding] = report["findings"]
    assert finding["message"] == (
        "Header 'mail' appears 2 times (columns 5 (E), 10 (J)): only column 5 (E) is read. "
        "Delete or rename the others."
    )


def test_mixed_line_endings_count_lines_like_an_editor(workdir: Path) -> None:
    (workdir / "mixed.csv").write_bytes(NASTY["mixed-endings.csv"]())
    _, _, report = check("mixed.csv", "--fail-on", "info")
    assert report["summary"]["users"] == 3


def test_directory(workdir: Path) -> None:
    (workdir / "exports").mkdir()
    code, stderr, _ = check("exports")
    assert code == 2
    assert stderr == (
        "motiscim: cannot read exports: this is a directory, not a file: give the export file "
        "inside it\n"
    )


def test_missing_file(workdir: Path) -> None:
    code, stderr, _ = check("nowhere.csv")
    assert (code, stderr) == (2, "motiscim: cannot read nowhere.csv: no such file\n")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_file_without_read_permission(workdir: Path) -> None:
    path = workdir / "locked.csv"
    path.write_bytes(good_csv())
    path.chmod(0)
    code, stderr, _ = check("locked.csv")
    assert (code, stderr) == (
        2,
        "motiscim: cannot read locked.csv: permission denied: the file cannot be read by this "
        "user\n",
    )


def test_a_pipe_is_read_like_a_file(workdir: Path) -> None:
    """`motiscim check <(…)` and /dev/stdin are not seekable: they used to crash the loader."""
    fifo = workdir / "users.pipe"
    os.mkfifo(fifo)
    assert stat.S_ISFIFO(fifo.stat().st_mode)

    def feed() -> None:
        with open(fifo, "wb") as writer:
            writer.write(good_csv())

    feeder = threading.Thread(target=feed)
    feeder.start()
    code, stderr, report = check(str(fifo))
    feeder.join()
    assert (code, stderr) == (0, "")
    assert report["summary"]["users"] == len(ROWS)


def test_stdin_through_a_real_process(workdir: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "motiscim_cli", "check", "/dev/stdin", "--format", "json"],
        input=NASTY["unterminated-quote.csv"](),
        capture_output=True,
        check=False,
    )
    assert (done.returncode, done.stderr) == (1, b"")
    summary = json.loads(done.stdout)["summary"]
    # the swallowed line is read again from the copy of the pipe
    assert (summary["by_rule"], summary["users"]) == ({"F004": 1}, 3)
