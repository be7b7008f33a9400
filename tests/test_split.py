"""A big CSV export read in two processes (motiscim_cli.split) gives the report one process
gives, wherever the cut falls: the cut is either taken, with the same findings, rows, lines,
file findings and population findings across the cut, or refused and the file read whole.

The cut is forced at every line of a small export full of irregular rows (a quoted value over
two lines, a stray quote, an unquoted line break, a repeated header with its `#TYPE` line,
blank and empty rows, a NUL byte, a stray comma, a value left open by a line with an even
number of quotes, duplicates and title variants on both sides of every cut); the planner's own
choice is tested on real files, in the shapes it must cut and those it must not.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.generate import HEADER, users, write_csv
from checks.model import Severity
from motiscim_cli import split
from motiscim_cli.loaders import open_export
from motiscim_cli.run import CheckOptions, run_check


def _row(user: dict[str, str]) -> str:
    cells = []
    for header in HEADER:
        text = user[header]
        cells.append(
            '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\r\n') else text
        )
    return ",".join(cells)


def nasty_export(count: int = 60) -> bytes:
    """A portal download (BOM, CRLF) with every irregular shape the loader knows."""
    people = list(users(count, seed=11))
    for person in people:
        person["streetAddress"] = ""  # multi-line addresses only where placed below
    # Only a late user has a department: F003 (never filled) must not fire for the file.
    for person in people:
        person["department"] = ""
    people[-3]["department"] = "Sales"
    # Duplicates and title variants with one member early and one late.
    people[-2]["userPrincipalName"] = people[1]["userPrincipalName"].upper()
    people[-4]["mail"] = people[2]["mail"].title()
    people[-5]["id"] = people[3]["id"].upper()
    people[5]["jobTitle"], people[-6]["jobTitle"] = "Store Manager", "store  manager"
    people[8]["givenName"] = "J?rgen"  # F005 in the first half
    people[-8]["givenName"] = "M??ller"  # and in the second
    lines = [_row(p) for p in people]  # lines[i] is people[i] until the inserts below

    def field(index: int, header: str) -> str:
        return "," + people[index][header] + ","

    lines[10] = lines[10].replace(field(10, "city"), ',"Oslo\r\nSentrum",', 1)
    lines[14] = lines[14] + ",extra"  # a stray comma: too many fields
    upn = people[22]["userPrincipalName"]
    lines[22] = lines[22].replace(upn, upn[:4] + "\r\n" + upn[4:], 1)  # an unquoted line break
    # A quote opening a surname on one line and closing another six lines later.
    lines[26] = lines[26].replace(field(26, "surname"), ',"' + people[26]["surname"] + ",", 1)
    lines[32] = lines[32].replace(field(32, "surname"), "," + people[32]["surname"] + '",', 1)
    lines[44] = lines[44].replace(field(44, "givenName"), field(44, "givenName")[:-1] + "\x00,")
    # An even number of quotes on a line that leaves a value open: an unquoted `27"` and a
    # last cell whose quote closes two lines further (a valid three-line value).
    lines[48] = lines[48].replace(field(48, "jobTitle"), ',Sells 27" screens,', 1)
    created = people[48]["createdDateTime"]
    assert lines[48].endswith("," + created)
    lines[48] = lines[48][: -len(created)] + '"Storgata 1\r\nBygg B\r\n0150 Oslo"'
    lines[38:38] = [
        "#TYPE Microsoft.Graph.PowerShell.Models.MicrosoftGraphUser",
        ",".join(HEADER),  # a second export appended with its #TYPE line
    ]
    lines[18:18] = ["", "," * (len(HEADER) - 1)]  # a blank line, and Excel's empty row
    text = "\ufeff" + ",".join(HEADER) + "\r\n" + "\r\n".join(lines) + "\r\n"
    return text.encode("utf-8")


def _cuts(data: bytes, header_lines: int = 1) -> list[split.Cut]:
    """A cut after every line break past the header, quoted or not."""
    skip = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    header_end = skip
    for _ in range(header_lines):
        header_end = data.index(b"\n", header_end) + 1
    cuts = []
    position = data.find(b"\n", header_end)
    while 0 <= position < len(data) - 1:
        boundary = position + 1
        padding = data.count(b"\n", header_end, boundary)
        cuts.append(split.Cut(header_end, boundary, padding, header_lines + padding))
        position = data.find(b"\n", boundary)
    return cuts


def _report(paths: list[str], **options: object) -> dict:
    report, _ = run_check(paths, CheckOptions(**options))  # type: ignore[arg-type]
    data = report.to_json()
    data.pop("generated_at")
    return data


@pytest.fixture
def forced(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """Make run_check cut at `state["cut"]` and record whether each cut was taken."""
    state: dict[str, object] = {"cut": None, "taken": []}
    real = split.check_in_two

    def plan(reader: object, cpus: int | None = None) -> split.Cut | None:
        return state["cut"]  # type: ignore[return-value]

    def check_in_two(*args: object, **kwargs: object) -> object:
        result = real(*args, **kwargs)  # type: ignore[arg-type]
        state["taken"].append(result is not None)  # type: ignore[union-attr]
        return result

    monkeypatch.setattr(split, "plan_cut", plan)
    monkeypatch.setattr(split, "check_in_two", check_in_two)
    return state


def test_every_cut_gives_the_one_process_report(tmp_path: Path, forced: dict) -> None:
    data = nasty_export()
    path = tmp_path / "users.csv"
    path.write_bytes(data)
    whole = _report([str(path)], split=False)
    codes = whole["summary"]["by_rule"]
    # The export holds what the test is about (else the comparison proves little).
    for code in ("F003", "F004", "F005", "F008", "U003", "E004", "X003", "T001"):
        assert code in codes or code == "F003", code
    assert "F003" not in codes  # the one late department counts for the whole file
    cuts = _cuts(data)
    assert len(cuts) == 67
    for cut in cuts:
        forced["cut"] = cut
        assert _report([str(path)]) == whole, cut
    taken = forced["taken"]
    assert len(taken) == len(cuts)
    refused = [cut.last_line for cut, was_taken in zip(cuts, taken, strict=True) if not was_taken]
    # Cuts after these lines are refused: inside the quoted "Oslo / Sentrum" (12), after the
    # stray comma's row (17), the blank line and the empty row (21, 22), inside and after the
    # row cut by an unquoted line break (27, 28), the stray quote's row and the lines it
    # swallowed (32–34), the #TYPE line and the repeated header (44, 45), the NUL row (52),
    # inside the three-line value opened on a line with an even number of quotes (56, 57).
    assert refused == [12, 17, 21, 22, 27, 28, 32, 33, 34, 44, 45, 52, 56, 57]


def test_every_cut_of_a_utf8_export_with_windows_1252_lines(tmp_path: Path, forced: dict) -> None:
    # No BOM, and three user lines in Windows-1252 (F009): each half decodes its bytes as the
    # encoding check decided for the whole file.
    lines = nasty_export()[3:].split(b"\n")
    accented = [i for i, line in enumerate(lines) if i and not line.isascii() and b'"' not in line]
    ansi = [accented[0], accented[1], accented[-1]]
    for index in ansi:
        lines[index] = lines[index].decode().encode("cp1252")
    data = b"\n".join(lines)
    path = tmp_path / "users.csv"
    path.write_bytes(data)
    whole = _report([str(path)], split=False)
    assert whole["sources"][0]["encoding"] == "utf-8"
    [f009] = [f["message"] for f in whole["findings"] if f["rule"] == "F009"]
    shown = ", ".join(str(index + 1) for index in ansi)
    assert f009.startswith(f"The file is UTF-8 but 3 lines ({shown}) hold bytes that are not")
    for cut in _cuts(data):
        forced["cut"] = cut
        assert _report([str(path)]) == whole, cut
    assert sum(forced["taken"]) > 40


def test_cut_rows_and_lines_are_the_whole_files(tmp_path: Path, forced: dict) -> None:
    """Past the cut, rows continue the first part's count and lines are the file's."""
    data = nasty_export()
    path = tmp_path / "users.csv"
    path.write_bytes(data)
    forced["cut"] = _cuts(data)[5]
    assert forced["cut"].last_line == 7
    report = _report([str(path)])
    assert forced["taken"] == [True]
    duplicate = [f for f in report["findings"] if f["rule"] == "U003"]
    # Rows 2 and 59 on either side of the cut (after line 7), and rows 7 (line 8, the first
    # line after the cut) and 13, both in the second part: rows count on, lines are the file's.
    assert [(f["row"], f["line"], f["related_rows"], f["value"]) for f in duplicate] == [
        (2, 3, [59], "zoe.braek1@example.com"),
        (7, 8, [13], "jurgen.strauss6@example.no"),
        (13, 15, [7], "JURGEN.STRAUSS6@EXAMPLE.NO"),
        (59, 68, [2], "ZOE.BRAEK1@EXAMPLE.COM"),
    ]
    assert report["sources"][0]["records"] == 60


def test_cut_with_options_and_two_exports(tmp_path: Path, forced: dict) -> None:
    """Selected rules, severity overrides and a region reach the worker; duplicates across
    two exports are found when each was read in two parts."""
    data = nasty_export()
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_bytes(data)
    second.write_bytes(data)
    options = {
        "select": ["U", "E", "P", "T"],
        "ignore": ["P005"],
        "severity_overrides": {"E004": Severity.ERROR},
        "region": "NO",
    }
    whole = _report([str(first), str(second)], split=False, **options)
    forced["cut"] = _cuts(data)[40]
    assert _report([str(first), str(second)], **options) == whole
    assert forced["taken"] == [True, True]
    # The same file twice: each of its 56 users whose fields are checked (60 less 4 F004 rows)
    # shares its user name with itself in the other file.
    assert whole["summary"]["by_rule"]["U003"] == 112
    assert any("of a.csv" in f["message"] for f in whole["findings"] if f["source"] == str(second))


def _write_big(path: Path, users_count: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        write_csv(out, users_count, seed=5)


def test_planned_cut_falls_between_records(tmp_path: Path) -> None:
    path = tmp_path / "users.csv"
    _write_big(path, 4000)
    export = open_export(str(path))
    reader = export.csv_reader
    assert reader is not None
    data = path.read_bytes()
    cut = split.find_cut(reader.handle.fileno(), len(data), 0, reader.header_lines, len(data) // 2)
    export.close()
    assert cut is not None
    assert data[cut.boundary - 1 : cut.boundary] == b"\n"
    assert data.count(b'"', cut.header_end, cut.boundary) % 2 == 0
    assert cut.padding == data.count(b"\n", cut.header_end, cut.boundary)
    assert cut.last_line == 1 + cut.padding
    assert len(data) // 2 <= cut.boundary < len(data) // 2 + 10_000


@pytest.mark.parametrize(
    ("name", "encode", "why"),
    [
        ("utf16", lambda text: b"\xff\xfe" + text.encode("utf-16-le"), "UTF-16"),
        ("bare-cr", lambda text: text.replace("\r\n", "\r").encode(), "bare CR line ends"),
    ],
)
def test_no_cut_where_line_feeds_are_not_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, encode, why: str
) -> None:
    monkeypatch.setattr(split, "MIN_SPLIT_BYTES", 0)
    buffer = io.StringIO()
    write_csv(buffer, 300, seed=2)
    path = tmp_path / f"{name}.csv"
    path.write_bytes(encode(buffer.getvalue().lstrip("\ufeff")))
    export = open_export(str(path))
    assert split.plan_cut(export.csv_reader, cpus=2) is None, why
    export.close()


def test_plan_needs_two_cpus_and_a_big_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "users.csv"
    _write_big(path, 300)
    export = open_export(str(path))
    reader = export.csv_reader
    assert reader is not None
    assert split.plan_cut(reader, cpus=2) is None  # below MIN_SPLIT_BYTES
    monkeypatch.setattr(split, "MIN_SPLIT_BYTES", 0)
    assert split.plan_cut(reader, cpus=1) is None
    assert split.plan_cut(reader, cpus=2) is not None
    export.close()


def test_cli_reads_a_big_export_in_two_processes(tmp_path: Path) -> None:
    """End to end: a file above MIN_SPLIT_BYTES, `motiscim check --format json --output`,
    the same report as one process gives."""
    path = tmp_path / "big.csv"
    _write_big(path, 62_000)
    assert path.stat().st_size >= split.MIN_SPLIT_BYTES
    if split.available_cpus() < 2:
        pytest.skip("one CPU: the export is read in one process")
    out = tmp_path / "report.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "motiscim_cli",
            "check",
            str(path),
            "--format",
            "json",
            "--output",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    split_report = json.loads(out.read_text(encoding="utf-8"))
    split_report.pop("generated_at")
    assert split_report == _report([str(path)], split=False)
    assert split_report["sources"][0]["records"] == 62_000


def test_powershell_export_with_every_cell_quoted_is_cut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`Export-Csv` quotes every cell and writes a `#TYPE` line: still cut, same report."""
    import csv

    if split.available_cpus() < 2:
        pytest.skip("one CPU: the export is read in one process")

    buffer = io.StringIO()
    write_csv(buffer, 3000, seed=9)
    rows = list(csv.reader(io.StringIO(buffer.getvalue().lstrip("\ufeff"))))
    out = io.StringIO()
    out.write("#TYPE Microsoft.Graph.PowerShell.Models.MicrosoftGraphUser\n")
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    path = tmp_path / "mggraph.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    whole = _report([str(path)], split=False)
    taken: list[bool] = []
    real = split.check_in_two

    def check_in_two(*args: object, **kwargs: object) -> object:
        result = real(*args, **kwargs)  # type: ignore[arg-type]
        taken.append(result is not None)
        return result

    monkeypatch.setattr(split, "MIN_SPLIT_BYTES", 0)
    monkeypatch.setattr(split, "check_in_two", check_in_two)
    assert _report([str(path)]) == whole
    assert taken == [True]
    assert whole["sources"][0]["format"] == "mggraph-csv"


def test_progress_counts_the_workers_records_too(tmp_path: Path, forced: dict) -> None:
    from rich.console import Console

    from motiscim_cli.progress import RecordProgress

    data = nasty_export()
    path = tmp_path / "users.csv"
    path.write_bytes(data)
    forced["cut"] = _cuts(data)[5]
    console = Console(file=io.StringIO(), force_terminal=True)
    with RecordProgress(console, every=1) as on_record:
        report, _ = run_check([str(path)], CheckOptions(), on_record)
    assert forced["taken"] == [True]
    assert on_record.count == 6  # the users on lines 2–7, before the cut: read here
    assert on_record.total() == 60 == report.sources[0].records


def _piped(data: bytes) -> str:
    """A path that reads `data` from a pipe, as `motiscim check <(…)` or /dev/stdin does."""
    import threading

    read_end, write_end = os.pipe()

    def feed() -> None:
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(data)

    threading.Thread(target=feed, daemon=True).start()
    return f"/dev/fd/{read_end}"


def test_refused_cut_of_a_piped_export_reads_it_again_from_the_copy(forced: dict) -> None:
    """A pipe is read once, into a temporary copy: a refused split reads that copy again
    (reopening the path found an empty pipe: F001 'the file is empty')."""
    data = nasty_export()
    whole = _report([_piped(data)], split=False)
    forced["cut"] = _cuts(data)[10]  # after line 12, inside the quoted "Oslo / Sentrum"
    piped = _report([_piped(data)])
    assert forced["taken"] == [False]
    assert whole["summary"]["users"] == piped["summary"]["users"] == 60
    for report in (whole, piped):  # the pipe paths differ: compare without them
        report["sources"][0].pop("path")
        for finding in report["findings"]:
            finding.pop("source")
    assert piped == whole


@pytest.mark.parametrize("where", ["before", "after"])
def test_a_part_with_no_users(tmp_path: Path, forced: dict, where: str) -> None:
    """Excel's empty rows filling the whole first part (refused, read again) or the whole
    second part (taken: the worker reads no user), never a crash."""
    users = [_row(person) for person in users_of(20)]
    empty = ["," * (len(HEADER) - 1)] * 30
    lines = empty + users if where == "before" else users + empty
    data = ("\ufeff" + ",".join(HEADER) + "\r\n" + "\r\n".join(lines) + "\r\n").encode()
    path = tmp_path / "users.csv"
    path.write_bytes(data)
    whole = _report([str(path)], split=False)
    forced["cut"] = _cuts(data)[29 if where == "before" else 19]
    assert forced["cut"].last_line == (31 if where == "before" else 21)
    assert _report([str(path)]) == whole
    assert whole["summary"]["users"] == 20
    assert forced["taken"] == [where == "after"]


def users_of(count: int) -> list[dict[str, str]]:
    return list(users(count, seed=3))


def test_progress_after_a_refused_cut_counts_each_user_once(tmp_path: Path, forced: dict) -> None:
    from rich.console import Console

    from motiscim_cli.progress import RecordProgress

    data = nasty_export()
    path = tmp_path / "users.csv"
    path.write_bytes(data)
    forced["cut"] = _cuts(data)[10]
    with RecordProgress(Console(file=io.StringIO(), force_terminal=True), every=1) as on_record:
        run_check([str(path)], CheckOptions(), on_record)
    assert forced["taken"] == [False]
    assert on_record.total() == on_record.count == 60


@pytest.mark.parametrize("shape", ["phones-swapped", "upn-first-after-a-bom"])
def test_every_cut_with_rows_under_a_header_with_other_columns(
    tmp_path: Path, forced: dict, shape: str
) -> None:
    # Ten users under the same columns in another order (mobilePhone before telephoneNumber;
    # or userPrincipalName first, after the BOM `cat` leaves, spotted as a known column name):
    # F004 each, in one process and split alike. A first part ending among them is refused
    # (the worker would line them up with the first header).
    people = users_of(30)
    order = list(HEADER)
    if shape == "phones-swapped":
        phone, mobile = order.index("telephoneNumber"), order.index("mobilePhone")
        order[phone], order[mobile] = order[mobile], order[phone]
    else:
        order[0], order[1] = order[1], order[0]
    lines = [",".join(HEADER)] + [_row(p) for p in people[:10]]
    # each row's cells in that order: the value of column `o` where HEADER has `h`
    bom = "" if shape == "phones-swapped" else "\ufeff"
    lines += [bom + ",".join(order)] + [
        _row({h: p[o] for h, o in zip(HEADER, order, strict=True)}) for p in people[10:20]
    ]
    lines += [",".join(HEADER)] + [_row(p) for p in people[20:]]
    data = ("\r\n".join(lines) + "\r\n").encode()
    path = tmp_path / "users.csv"
    path.write_bytes(data)
    whole = _report([str(path)], split=False)
    f004 = [f["line"] for f in whole["findings"] if f["rule"] == "F004"]
    assert f004 == list(range(13, 23))
    assert [f["line"] for f in whole["findings"] if f["rule"] == "F008"] == [12, 23]
    cuts = _cuts(data)
    for cut in cuts:
        forced["cut"] = cut
        assert _report([str(path)]) == whole, cut
    refused = [c.last_line for c, taken in zip(cuts, forced["taken"], strict=True) if not taken]
    # refused: after the other header, its rows, and the first header again (the worker would
    # not know the part before ended under another header)
    assert refused == list(range(12, 24))
