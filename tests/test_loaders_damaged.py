"""Damaged exports on real bytes: one broken part of a file is reported where it is, and the
rest of the file is still read and checked (`motiscim check` end to end, and the loader)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from motiscim_cli.app import app
from motiscim_cli.loaders import UnreadableExport, open_export


def check(path: Path) -> tuple[int, str, dict]:
    result = CliRunner().invoke(
        app, ["check", str(path), "--format", "json"], catch_exceptions=False
    )
    return result.exit_code, result.stderr, json.loads(result.stdout)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no motiscim.yaml of the developer's is read
    return tmp_path


# ---- JSON Lines: a broken line is one finding, the lines after it are read -----------------------


def graph_user(number: int, mobile: str | None = None) -> dict[str, object]:
    user: dict[str, object] = {
        "id": f"00000000-0000-4000-8000-{number:012d}",
        "userPrincipalName": f"user{number}@example.com",
        "givenName": f"Given{number}",
        "surname": "Berg",
        "mail": f"user{number}@example.com",
        "jobTitle": "Engineer",
        "accountEnabled": True,
    }
    if mobile is not None:
        user["mobilePhone"] = mobile
    return user


def json_lines_with_line_2(second: str, newline: str = "\n") -> bytes:
    """Line 1 a valid user, line 2 `second`, lines 3–102 a hundred users with mobile 98765432."""
    lines = [json.dumps(graph_user(1)), second]
    lines += [json.dumps(graph_user(n, "98765432")) for n in range(3, 103)]
    return (newline.join(lines) + newline).encode()


CUT_OFF = json.dumps(graph_user(2))[:-1]  # the user object without its closing '}'


@pytest.mark.parametrize(
    ("second", "detail", "identity"),
    [
        (
            CUT_OFF,
            "it ends before its JSON value does: a missing '}', ']' or '\"'?",
            {
                "user_principal_name": "user2@example.com",
                "object_id": "00000000-0000-4000-8000-000000000002",
            },
        ),
        ("NaN", "NaN is not JSON", {"user_principal_name": None, "object_id": None}),
    ],
)
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_broken_json_line_does_not_hide_the_users_after_it(
    workdir: Path, second: str, detail: str, identity: dict[str, str | None], newline: str
) -> None:
    (workdir / "bad-line.jsonl").write_bytes(json_lines_with_line_2(second, newline))

    code, stderr, report = check(workdir / "bad-line.jsonl")

    assert (code, stderr) == (1, "")
    assert report["sources"][0]["format"] == "graph-jsonl"
    assert report["summary"]["users"] == 102
    assert report["summary"]["by_rule"] == {"F004": 1, "P001": 100}
    [broken] = [f for f in report["findings"] if f["rule"] == "F004"]
    assert (broken["row"], broken["pointer"], broken["user"]) == (2, "", identity)
    assert broken["message"] == (
        f"Line 2 is not valid JSON ({detail}), so the user on it could not be read or checked "
        "(a user the exporting script did not write whole?). The lines after it were read. "
        "Export the users again, or repair or remove the line."
    )
    phones = [f for f in report["findings"] if f["rule"] == "P001"]
    assert [f["row"] for f in phones] == list(range(3, 103))
    assert {f["value"] for f in phones} == {"98765432"}


def test_broken_json_lines_keep_their_rows_and_lines(tmp_path: Path) -> None:
    lines = [
        json.dumps(graph_user(1)),
        "",
        '{"id": "00000000-0000-4000-8000-000000000003", "userPrincipalName": "user3@exam',
        "null",
        "Infinity",
        "{",
        json.dumps(graph_user(7)) + ",",  # a trailing comma some scripts leave is tolerated
        json.dumps(graph_user(8))[:-1],  # the last line cut off, as an interrupted export is
    ]
    path = tmp_path / "users.jsonl"
    path.write_bytes("\n".join(lines).encode())
    with open_export(str(path)) as export:
        records = list(export.records())
        findings = export.file_findings()
    assert [(r.row, r.line, r.object_id, r.malformed is None) for r in records] == [
        (1, 1, "00000000-0000-4000-8000-000000000001", True),
        (2, 3, "00000000-0000-4000-8000-000000000003", False),
        (3, 4, None, False),
        (4, 5, None, False),
        (5, 6, None, False),
        (6, 7, "00000000-0000-4000-8000-000000000007", True),
        (7, 8, "00000000-0000-4000-8000-000000000008", False),
    ]
    assert records[1].user_principal_name is None  # the UPN itself was cut off
    assert [r.malformed[:40] for r in records if r.malformed] == [
        "Line 3 is not valid JSON (it ends before",
        "Line 4 holds null instead of a user obje",
        "Line 5 is not valid JSON (Infinity is no",
        "Line 6 is not valid JSON (it ends before",
        "Line 8 is not valid JSON (it ends before",
    ]
    assert export.info.records == 7
    # no mobilePhone property (F003); the engine reports the F004s, one per record
    assert [f.rule for f in findings] == ["F003"]


@pytest.mark.parametrize("length", [16 * 1024 * 1024 + 1, 40 * 1024 * 1024])
def test_a_json_line_too_long_to_hold_is_skipped(tmp_path: Path, length: int) -> None:
    # 16 MiB + 1 is read whole in one chunk; 40 MiB passes the limit before its end is seen
    huge = '{"id": "x", "jobTitle": "' + "x" * length + '"}'
    lines = [json.dumps(graph_user(1)), huge, json.dumps(graph_user(3))]
    path = tmp_path / "users.jsonl"
    path.write_bytes("\n".join(lines).encode())
    with open_export(str(path)) as export:
        records = list(export.records())
    assert [(r.row, r.line, r.malformed is None) for r in records] == [
        (1, 1, True),
        (2, 2, False),
        (3, 3, True),
    ]
    assert records[1].malformed is not None
    assert records[1].malformed.startswith(
        "Line 2 is not valid JSON (it is longer than 16,777,216 characters)"
    )
    assert records[2].values["first_name"] == "Given3"


def test_concatenated_pretty_printed_users_are_not_read_line_by_line(tmp_path: Path) -> None:
    # The first document spans lines: not JSON Lines, so a broken document still ends the
    # file (there is no line to resynchronise on), as it did.
    text = "\n".join(
        [json.dumps(graph_user(1), indent=2), '{\n  "id": "x",\n  "userPrincipalName": ']
    )
    path = tmp_path / "users.json"
    path.write_bytes(text.encode())
    with open_export(str(path)) as export:
        records = list(export.records())
        findings = export.file_findings()
    assert [(r.row, r.line) for r in records] == [(1, 1)]
    assert [(f.rule, f.line) for f in findings] == [("F003", None), ("F004", 12)]
    assert findings[1].message.startswith("The JSON is broken on line 12")


@pytest.mark.parametrize("chunk", [1, 2, 7, 64, 1 << 16])
def test_json_lines_recovery_is_the_same_whatever_the_chunk(chunk: int) -> None:
    # the scanner refills its buffer in chunks: a line cut by a chunk boundary is still one line
    from motiscim_cli.loaders.json_export import _Scanner

    text = "\r\n".join(
        [json.dumps(graph_user(1)), "null", CUT_OFF, "", "  NaN  ", json.dumps(graph_user(6))]
    )
    items = list(_Scanner(io.StringIO(text, newline=None), chunk=chunk).items())
    assert [(i.kind, i.line) for i in items] == [
        ("user", 1),
        ("element", 2),
        ("broken", 3),
        ("broken", 5),
        ("user", 6),
    ]
    assert [i.value[0] for i in items if i.kind == "broken"] == [
        "it ends before its JSON value does: a missing '}', ']' or '\"'?",
        "NaN is not JSON",
    ]


# ---- NUL bytes and other control characters in cells ---------------------------------------------

CSV_HEADER = (
    "userPrincipalName,id,givenName,surname,mail,mobilePhone,jobTitle,accountEnabled,"
    "usageLocation,department"
)


def csv_users(count: int) -> list[str]:
    return [
        f"user{n}@example.com,00000000-0000-4000-8000-{n:012d},Given{n},Berg,"
        f"user{n}@example.com,+4791{n:06d},Engineer,True,NO,Sales"
        for n in range(1, count + 1)
    ]


def control_message(subject: str, holds: str) -> str:
    return (
        f"{subject} holds {holds}: no name, address or number has one, so the export is damaged "
        "here, or the value in Entra is. Its fields were not checked; export the users again, "
        "or correct the value in Entra."
    )


def test_a_nul_deep_in_a_csv_is_its_rows_finding_not_ready(workdir: Path) -> None:
    # A NUL in row 2500 of 3000, in userPrincipalName and jobTitle: past the sniffer's first
    # 64 KB, where it used to pass silently as READY.
    rows = csv_users(3000)
    rows[2499] = (
        rows[2499].replace("user2500@", "user25\x0000@", 1).replace("Engineer", "Eng\x00ineer")
    )
    (workdir / "late.csv").write_bytes(("\n".join([CSV_HEADER, *rows]) + "\n").encode())

    code, stderr, report = check(workdir / "late.csv")

    assert (code, stderr) == (1, "")
    assert report["summary"]["users"] == 3000
    assert report["summary"]["by_rule"] == {"F004": 1}
    [finding] = report["findings"]
    assert (finding["row"], finding["line"], finding["user"]) == (
        2500,
        2501,
        {
            "user_principal_name": "user25\x0000@example.com",
            "object_id": "00000000-0000-4000-8000-000000002500",
        },
    )
    assert finding["message"] == control_message(
        "This row", "a NUL byte in 'userPrincipalName' and 'jobTitle'"
    )


def test_a_few_nuls_near_the_top_do_not_make_a_csv_binary(workdir: Path) -> None:
    rows = csv_users(3)
    rows[0] = rows[0].replace("Given1", "Gi\x00\x00ven1")
    (workdir / "top.csv").write_bytes(("\r\n".join([CSV_HEADER, *rows]) + "\r\n").encode())

    code, stderr, report = check(workdir / "top.csv")

    assert (code, stderr) == (1, "")
    assert report["summary"]["users"] == 3
    assert [(f["rule"], f["row"], f["line"], f["message"]) for f in report["findings"]] == [
        ("F004", 1, 2, control_message("This row", "a NUL byte in 'givenName'"))
    ]


def test_control_characters_in_cells_by_encoding(tmp_path: Path) -> None:
    rows = csv_users(5)
    rows[0] = rows[0].replace("Engineer", "Engi\x01neer")  # a control character, not a NUL
    rows[1] = rows[1].replace("Sales", "Sa\x00les")  # department: not read, so not judged
    rows[2] = rows[2].replace("Given3", "Gi\x1fven3").replace("True", "Tr\x00ue")
    rows[3] = rows[3].replace("Given4", "Given4\t")  # a tab is whitespace (N002), not damage
    text = "\r\n".join([CSV_HEADER, *rows]) + "\r\n"
    holds = {
        1: "a control character (U+0001) in 'jobTitle'",
        3: "a control character (U+001F) in 'givenName' and a NUL byte in 'accountEnabled'",
    }
    for encoding, label in [
        ("utf-8", "utf-8"),
        ("cp1252", "cp1252"),
        ("utf-16-le", "utf-16-le"),  # no BOM: told by its NUL pattern, as before
        ("utf-16", "utf-16-le"),
    ]:
        data = text.replace("Berg", "Bjørkås").encode(encoding)
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes(data)
        with open_export(str(path)) as export:
            records = list(export.records())
        assert export.info.encoding == label
        assert [r.row for r in records if r.malformed] == [1, 3], encoding
        for record in records:
            if record.malformed is not None:
                assert record.line == record.row + 1
                assert record.malformed == control_message("This row", holds[record.row])
        assert records[1].values["last_name"] == "Bjørkås"
        assert records[3].values["first_name"] == "Given4\t"


def test_a_control_character_in_graph_json(tmp_path: Path) -> None:
    escaped = graph_user(1, "+4791000001")
    escaped["userPrincipalName"] = "a\u0000b@example.com"  # json.dumps writes \u0000
    raw = graph_user(3, "+4791000003")
    users = [escaped, graph_user(2, "+4791000002"), raw]
    text = json.dumps({"value": users}, indent=2)
    # the third user's jobTitle with a raw NUL byte (not escaped), as a damaged file has it
    assert text.count('"Engineer"') == 3
    head, _, tail = text.rpartition('"Engineer"')
    path = tmp_path / "users.json"
    path.write_bytes((head + '"Engi\x00neer"' + tail).encode())
    with open_export(str(path)) as export:
        records = list(export.records())
    assert [(r.row, r.pointer, r.line, r.user_principal_name) for r in records] == [
        (1, "/value/0", 3, "a\x00b@example.com"),
        (2, "/value/1", 13, "user2@example.com"),
        (3, "/value/2", 23, "user3@example.com"),
    ]
    assert [r.malformed for r in records] == [
        control_message("The user on line 3", "a NUL byte in 'userPrincipalName'"),
        None,
        control_message("The user on line 23", "a NUL byte in 'jobTitle'"),
    ]


def test_an_escaped_control_character_in_json_lines(workdir: Path) -> None:
    lines = [json.dumps(graph_user(n, f"+4791{n:06d}")) for n in range(1, 4)]
    lines[1] = lines[1].replace('"Engineer"', '"Engi\\u0002neer"')
    (workdir / "users.jsonl").write_bytes(("\n".join(lines) + "\n").encode())

    code, stderr, report = check(workdir / "users.jsonl")

    assert (code, stderr) == (1, "")
    assert report["summary"]["users"] == 3
    assert [(f["rule"], f["row"], f["pointer"], f["message"]) for f in report["findings"]] == [
        (
            "F004",
            2,
            "",
            control_message("The user on line 2", "a control character (U+0002) in 'jobTitle'"),
        )
    ]


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 16,
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
        CSV_HEADER.encode() + b"\n" + b"\x00" * 4096,  # a block of NULs, not a damaged cell
    ],
)
def test_binary_files_are_still_not_exports(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "users.csv"
    path.write_bytes(data)
    with pytest.raises(UnreadableExport) as caught:
        open_export(str(path))
    assert caught.value.reason == (
        "this is a binary file (it contains NUL bytes and is not UTF-16 text), not an export"
    )


# ---- fields longer than csv's limit (131 072 characters) -----------------------------------------

UNCHECKED = (
    "No user attribute is that long (a value pasted by mistake, or a damaged export?), so its "
    "fields were not checked."
)


def csv_with_title(title: str, newline: str = "\r\n", after: int = 2) -> bytes:
    """Four users (with `after` after the second), the second with jobTitle `title` as is."""
    rows = csv_users(2 + after)
    rows[1] = rows[1].replace("Engineer", title)
    return (newline.join([CSV_HEADER, *rows]) + newline).encode()


def read(path: Path) -> list[tuple[int, int | None, str | None, str | None]]:
    with open_export(str(path)) as export:
        return [(r.row, r.line, r.user_principal_name, r.malformed) for r in export.records()]


def test_a_quoted_value_of_a_million_lines_is_one_row(workdir: Path) -> None:
    # The tester's file: 1.5 million quoted lines in one jobTitle made as many phantom users.
    title = '"' + "x\r\n" * 1_500_000 + '"'
    (workdir / "long.csv").write_bytes(csv_with_title(title))

    code, stderr, report = check(workdir / "long.csv")

    assert (code, stderr) == (1, "")
    assert report["summary"]["users"] == 4
    assert [(f["rule"], f["row"], f["line"], f["message"]) for f in report["findings"]] == [
        (
            "F004",
            2,
            3,
            "A quoted field of this row is longer than 131,072 characters: it runs over lines "
            f"3–1500003, which were read as this one row. {UNCHECKED} Shorten or remove the value.",
        )
    ]
    assert [(r[0], r[1], r[2]) for r in read(workdir / "long.csv")] == [
        (1, 2, "user1@example.com"),
        (2, 3, "user2@example.com"),
        (3, 1500004, "user3@example.com"),
        (4, 1500005, "user4@example.com"),
    ]


def test_an_unquoted_10_mb_value_is_too_long_not_a_stray_quote(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_bytes(csv_with_title("y" * 10_000_000))
    assert read(path) == [
        (1, 2, "user1@example.com", None),
        (
            2,
            3,
            "user2@example.com",
            "A field of this row is longer than 131,072 characters. "
            f"{UNCHECKED} Shorten or remove the value.",
        ),
        (3, 4, "user3@example.com", None),
        (4, 5, "user4@example.com", None),
    ]


@pytest.mark.parametrize(
    ("title", "lines"),
    [
        # doubled quotes inside, and a closing quote on the line where csv gives up
        ('"' + 'a ""b"" c,' * 10_000 + "\n" + "d" * 60_000 + '"', 2),
        ('"' + "line one\n" * 20_000 + 'the end"', 20_001),
        ('"' + "x" * 200_000 + '"', 1),  # on one line, quoted
    ],
)
def test_a_long_quoted_value_that_closes_ends_its_row(
    tmp_path: Path, title: str, lines: int
) -> None:
    path = tmp_path / "long.csv"
    path.write_bytes(csv_with_title(title, newline="\n"))
    records = read(path)
    assert [(r[0], r[1], r[2]) for r in records] == [
        (1, 2, "user1@example.com"),
        (2, 3, "user2@example.com"),
        (3, 3 + lines, "user3@example.com"),
        (4, 4 + lines, "user4@example.com"),
    ]
    assert [r[3] is None for r in records] == [True, False, True, True]
    assert records[1][3] is not None
    assert records[1][3].startswith("A quoted field" if lines > 1 else "A field of this row")


def test_a_long_value_in_the_first_column_whose_closing_line_has_every_delimiter(
    tmp_path: Path,
) -> None:
    # the line that closes the quote carries the rest of the row: it is not a row of its own
    header = "jobTitle,userPrincipalName,id,givenName"
    text = (
        f"{header}\n"
        '"' + "note\n" * 40_000 + f'",a@example.com,{"0" * 8}-0000-4000-8000-{"0" * 12},Anna\n'
        f"Lead,b@example.com,{'1' * 8}-0000-4000-8000-{'1' * 12},Bo\n"
    )
    path = tmp_path / "first.csv"
    path.write_bytes(text.encode())
    records = read(path)
    assert [(r[0], r[1], r[2], r[3] is None) for r in records] == [
        (1, 2, "a@example.com", False),
        (2, 40_003, "b@example.com", True),
    ]


def test_a_long_quoted_value_never_closed_runs_to_the_end(tmp_path: Path) -> None:
    path = tmp_path / "open.csv"
    rows = csv_users(1)
    rows.append(rows[0].replace("user1", "user2").replace("Engineer", '"' + "z\n" * 100_000))
    path.write_bytes(("\n".join([CSV_HEADER, *rows])).encode())
    assert read(path) == [
        (1, 2, "user1@example.com", None),
        (
            2,
            3,
            "user2@example.com",
            "A field of this row is longer than 131,072 characters and its opening double quote "
            "is never closed: it runs to the end of the file (lines 3–100003). "
            f"{UNCHECKED} Remove the stray quote, or quote the whole value and double the "
            'quote inside it ("").',
        ),
    ]


def test_fix_copies_a_row_with_a_long_quoted_value_unchanged(workdir: Path) -> None:
    data = csv_with_title('"' + "x\r\n" * 100_000 + '"')
    (workdir / "long.csv").write_bytes(data)
    result = CliRunner().invoke(app, ["fix", "long.csv", "--csv", "fixed.csv"])
    assert result.exit_code == 1, result.output
    assert (workdir / "fixed.csv").read_bytes() == data


def test_long_values_after_a_stray_quote_keep_every_user_on_its_line(tmp_path: Path) -> None:
    # a stray quote (its swallowed lines read again), a 300 000-character value among those
    # lines, and a quoted value of 200 000 lines further down: 2000 users, each on its line
    rows = csv_users(2000)
    rows[1] = rows[1].replace("Engineer", '"Lead')
    rows[5] = rows[5].replace("Engineer", "y" * 300_000)
    rows[700] = rows[700].replace("Engineer", '"' + "x\n" * 200_000 + '"')
    path = tmp_path / "mixed.csv"
    path.write_bytes(("\n".join([CSV_HEADER, *rows]) + "\n").encode())
    records = read(path)
    assert len(records) == 2000
    assert [(r[0], r[1], r[2], r[3][:40]) for r in records if r[3] is not None] == [
        (2, 3, "user2@example.com", "An opening double quote in this row is n"),
        (6, 7, "user6@example.com", "A field of this row is longer than 131,0"),
        (701, 702, "user701@example.com", "A quoted field of this row is longer tha"),
    ]
    assert [(r[0], r[1], r[2]) for r in records[699:702]] == [
        (700, 701, "user700@example.com"),
        (701, 702, "user701@example.com"),
        (702, 200703, "user702@example.com"),
    ]
    assert records[-1][:3] == (2000, 202001, "user2000@example.com")


# ---- a stray quote closed by a later row's quote -----------------------------------------------

STRAY_QUOTE_CLOSED_LATER = (
    "id,userPrincipalName,mail,givenName,surname,mobilePhone\r\n"
    '11111111-1111-1111-1111-111111111111,a@example.com,a@example.com,"Kari,B,+4741234567\r\n'
    '22222222-2222-2222-2222-222222222222,b@example.com,b@example.com,"Ola",C,98765432\r\n'
    "33333333-3333-3333-3333-333333333333,c@example.com,c@example.com,Per,D,+4741234568\r\n"
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_a_stray_quote_closed_by_the_next_row_does_not_merge_two_users(
    workdir: Path, encoding: str
) -> None:
    # Row 1's stray quote runs to the quote before Ola: read as CSV, rows 1 and 2 become one
    # user with the right field count, and b@example.com silently disappeared.
    (workdir / "users.csv").write_bytes(STRAY_QUOTE_CLOSED_LATER.encode(encoding))

    code, stderr, report = check(workdir / "users.csv")

    assert (code, stderr) == (1, "")
    assert report["summary"]["users"] == 3
    findings = [(f["rule"], f["row"], f["line"]) for f in report["findings"] if f["row"]]
    assert findings == [("F004", 1, 2), ("P001", 2, 3)]
    [stray] = [f for f in report["findings"] if f["rule"] == "F004"]
    assert stray["user"]["user_principal_name"] == "a@example.com"
    assert stray["message"].startswith(
        "An opening double quote in this row is never closed: it swallowed the next 1 line "
        "(line 3) into one value. That line was read again on its own, so its user is checked"
    )
    phone = next(f for f in report["findings"] if f["rule"] == "P001")
    assert (phone["user"]["user_principal_name"], phone["value"]) == ("b@example.com", "98765432")


def test_a_quoted_street_address_over_two_lines_is_one_value(workdir: Path) -> None:
    (workdir / "users.csv").write_text(
        "id,userPrincipalName,mail,givenName,surname,streetAddress,mobilePhone\n"
        '11111111-1111-1111-1111-111111111111,a@example.com,a@example.com,Kari,B,"Storgata 1,\n'
        '0155 Oslo",+4741234567\n'
        "33333333-3333-3333-3333-333333333333,c@example.com,c@example.com,Per,D,,+4741234568\n",
        encoding="utf-8",
    )
    code, _, report = check(workdir / "users.csv")
    assert report["summary"]["users"] == 2
    assert [f["rule"] for f in report["findings"] if f["row"]] == []
    assert code == 0


def test_a_quoted_note_whose_second_line_starts_with_an_email_is_one_value(
    workdir: Path,
) -> None:
    # A Graph PowerShell export quotes every cell. The note's second line opens with an
    # email where the header has the UPN (column 1): valid quoting, one value, not a stray
    # quote (was two F004s and a phantom third user).
    (workdir / "users.csv").write_bytes(
        b'"userPrincipalName","id","mail","givenName","surname","mobilePhone","streetAddress"\r\n'
        b'"a@example.com","11111111-1111-1111-1111-111111111111","a@example.com","Kari","B",'
        b'"+4741234567","Attn:\nhr@example.com, Storgata 1"\r\n'
        b'"c@example.com","33333333-3333-3333-3333-333333333333","c@example.com","Per","D",'
        b'"+4741234568",""\r\n'
    )
    code, stderr, report = check(workdir / "users.csv")
    assert (code, stderr) == (0, "")
    assert report["summary"]["users"] == 2
    assert [f["rule"] for f in report["findings"] if f["row"]] == []


# ---- the header repeated in other case or spacing: still the header (F008), not a user -------


@pytest.mark.parametrize(
    ("sample", "variant"),
    [
        ("entra-users-download.csv", str.upper),  # `ID,USERPRINCIPALNAME,…`
        ("entra-users-download.csv", lambda header: header.replace(",", ", ")),
        ("entra-users-download-legacy.csv", str.lower),  # the first header: a UPN column
    ],
)
def test_a_repeated_header_in_other_case_or_spacing_is_no_user(
    workdir: Path, sample: str, variant: object
) -> None:
    data = (Path(__file__).parents[1] / "sample_exports" / sample).read_bytes()
    original_code, _, original = check(_copy(workdir, sample, data))
    lines = data.split(b"\n")
    ending = b"\r" if lines[0].endswith(b"\r") else b""
    header = lines[0].removeprefix(b"\xef\xbb\xbf").removesuffix(ending).decode()
    again = variant(header).encode()  # type: ignore[operator]
    assert again != header.encode()
    path = workdir / "joined.csv"
    path.write_bytes(b"\n".join([*lines[:6], again + ending, *lines[6:]]))

    code, _, report = check(path)
    assert (code, report["summary"]["users"]) == (original_code, original["summary"]["users"])
    on_it = [(f["rule"], f["message"]) for f in report["findings"] if f["line"] == 7]
    assert on_it == [
        (
            "F008",
            "Line 7 repeats the header row of line 1: two exports were joined into one file. It "
            "is not a user and was skipped; the rows after it were read. Delete the line, or "
            "check the exports one by one.",
        )
    ]


def _copy(directory: Path, name: str, data: bytes) -> Path:
    path = directory / name
    path.write_bytes(data)
    return path


def test_a_user_whose_first_cell_reads_like_the_first_header_stays_a_user(workdir: Path) -> None:
    # givenName first: a user named "Given Name" passes the quick look at the first cell, and
    # the whole row then shows it is no header.
    path = workdir / "users.csv"
    path.write_text(
        "givenName,userPrincipalName,surname,mail,id\n"
        "Kari,kari@example.com,Berg,kari@example.com,00000000-0000-4000-8000-000000000001\n"
        "Given Name,gn@example.com,Dahl,gn@example.com,00000000-0000-4000-8000-000000000002\n"
        "GIVENNAME,gn2@example.com,Dahl,gn2@example.com,00000000-0000-4000-8000-000000000003\n",
        encoding="utf-8",
    )
    code, _, report = check(path)
    assert report["summary"]["users"] == 3
    assert "F008" not in report["summary"]["by_rule"]
    assert code == 0


# ---- rows under a header with other columns: F004, never read by the first header's columns --


SWAPPED = (
    "id,userPrincipalName,givenName,surname,mail,telephoneNumber,mobilePhone,usageLocation\r\n"
    "00000000-0000-4000-8000-000000000001,a@example.com,Ada,Berg,a@example.com,22 00 00 01,"
    "+4741200000,NO\r\n"
    # the same columns, telephoneNumber and mobilePhone swapped
    "id,userPrincipalName,givenName,surname,mail,mobilePhone,telephoneNumber,usageLocation\r\n"
    "00000000-0000-4000-8000-000000000002,b@example.com,Bo,Dahl,b@example.com,+4741200001,"
    "22 00 00 02,NO\r\n"
    "00000000-0000-4000-8000-000000000003,c@example.com,Cy,Eng,c@example.com,+4741200002,"
    "22 00 00 03,NO\r\n"
    # the first header again: its rows line up once more
    "id,userPrincipalName,givenName,surname,mail,telephoneNumber,mobilePhone,usageLocation\r\n"
    "00000000-0000-4000-8000-000000000004,d@example.com,Di,Fos,d@example.com,22 00 00 04,"
    "4741200003,NO\r\n"
)
LEGACY_UNDER_CURRENT = (
    "id,userPrincipalName,givenName,surname,mail,mobilePhone,usageLocation\r\n"
    "00000000-0000-4000-8000-000000000001,a@example.com,Ada,Berg,a@example.com,+4741200000,NO\r\n"
    "userPrincipalName,objectId,givenName,surname,mail,mobile,usageLocation\r\n"
    "b@example.com,00000000-0000-4000-8000-000000000002,Bo,Dahl,b@example.com,4741200001,NO\r\n"
)


def test_rows_under_a_header_in_another_order_are_f004_and_get_no_fix(workdir: Path) -> None:
    path = workdir / "swapped.csv"
    path.write_bytes(SWAPPED.encode())
    code, _, report = check(path)
    assert (code, report["summary"]["users"]) == (1, 4)
    found = [
        (f["rule"], f["line"], (f["user"] or {}).get("user_principal_name"), f["fix"])
        for f in report["findings"]
        if f["rule"] != "F003"
    ]
    assert found == [
        ("F008", 3, None, None),
        ("F008", 6, None, None),
        ("F004", 4, "b@example.com", None),
        ("F004", 5, "c@example.com", None),
        ("P001", 7, "d@example.com", "+4741200003"),  # read by the first header again
    ]
    [f004, *_] = [f for f in report["findings"] if f["rule"] == "F004"]
    assert f004["message"] == (
        "This row is under the header row on line 3, whose columns differ from the header's on "
        "line 1: two different exports were joined. Its fields were not checked, nor fixed, by "
        "the first header's columns; check that export on its own."
    )
    # Before, Bo's landline was "fixed" into his mobile number in Entra.
    result = CliRunner().invoke(
        app,
        ["fix", str(path), "--script", "s.ps1", "--csv", "f.csv", "--fix-level", "probable"],
    )
    assert result.exit_code == 1, result.output  # the F004 rows remain errors
    script = (workdir / "s.ps1").read_text(encoding="utf-8-sig")
    assert "-MobilePhone '+4741200003'" in script
    commands = [line for line in script.splitlines() if not line.lstrip().startswith("#")]
    assert [line for line in commands if "000000000002" in line or "000000000003" in line] == []
    assert "Not fixed: F004 error: This row is under the header row on line 3" in script
    assert (workdir / "f.csv").read_bytes() == path.read_bytes().replace(
        b",4741200003,", b",+4741200003,"
    )


def test_an_older_header_set_under_the_current_one_is_no_user(workdir: Path) -> None:
    path = workdir / "joined.csv"
    path.write_bytes(LEGACY_UNDER_CURRENT.encode())
    _, _, report = check(path)
    assert report["summary"]["users"] == 2  # before: 3, the header line checked as a user
    found = [
        (f["rule"], f["line"], (f["user"] or {}).get("user_principal_name"))
        for f in report["findings"]
        if f["rule"] != "F003"
    ]
    assert found == [("F008", 3, None), ("F004", 4, "b@example.com")]


def test_an_excel_semicolon_export_joined_under_a_comma_one(workdir: Path) -> None:
    # `cat entra-users-download.csv entra-users-excel.csv`: the `;` header is one cell under
    # the `,` header; before, it was a user (F004 "a missing comma") and the count one too many.
    samples = Path(__file__).parents[1] / "sample_exports"
    comma = (samples / "entra-users-download.csv").read_bytes()
    semicolon = (samples / "entra-users-excel.csv").read_bytes()
    path = workdir / "joined.csv"
    path.write_bytes(comma + semicolon)
    header_line = comma.count(b"\n") + 1

    _, _, report = check(path)
    assert report["summary"]["users"] == 52  # 26 + 26
    assert [f["line"] for f in report["findings"] if f["rule"] == "F008"] == [header_line]
    under = [f for f in report["findings"] if f["rule"] == "F004" and f["line"] > header_line]
    assert [f["line"] for f in under] == list(range(header_line + 1, header_line + 27))
    # each with its UPN, read by `;` (a row holding a `,`, as 4,79877E+09, too), but for
    # 'lars.eriksen@example.com ' (U002 in the sample: no UPN with a space is shown)
    no_upn = [f["line"] for f in under if (f["user"] or {}).get("user_principal_name") is None]
    assert no_upn == [header_line + 12]


A_CURRENT = (
    "id,userPrincipalName,givenName,surname,telephoneNumber,mobilePhone\r\n"
    "00000000-0000-4000-8000-000000000001,a@example.com,Ada,Berg,22 00 00 01,+4741200000\r\n"
)
B_ROWS = (
    "b@example.com,00000000-0000-4000-8000-000000000002,Bo,Dahl,+4741200001,22 00 00 02\r\n"
    "c@example.com,00000000-0000-4000-8000-000000000003,Cy,Eng,+4741200002,22 00 00 03\r\n"
)


@pytest.mark.parametrize(
    ("other_header", "rows", "users", "f008", "f004"),
    [
        # `cat` of two portal downloads: a BOM before the second header
        (
            "\ufeffuserPrincipalName,objectId,givenName,surname,mobile,telephoneNumber\r\n",
            B_ROWS,
            3,
            [3],
            [4, 5],
        ),
        # the Microsoft 365 admin center's spaced names
        (
            "User principal name,Object ID,First name,Last name,Mobile phone,Office phone\r\n",
            B_ROWS,
            3,
            [3],
            [4, 5],
        ),
        # a stray quote under the other header: its swallowed lines, the first header again
        # and the users under it, are read again
        (
            "userPrincipalName,objectId,givenName,surname,mobile,telephoneNumber\r\n",
            'b@example.com,00000000-0000-4000-8000-000000000002,"Bo,Dahl,+4741200001,x\r\n'
            + A_CURRENT.replace("000000000001,a@", "000000000004,d@")
            + "00000000-0000-4000-8000-000000000005,e@example.com,Eli,Fos,22 00 00 05,"
            "+4741200005\r\n",
            4,
            [3, 5],
            [4],
        ),
        # a #TYPE line before the first header again is no user
        (
            "userPrincipalName,objectId,givenName,surname,mobile,telephoneNumber\r\n",
            B_ROWS
            + "#TYPE Microsoft.Graph.PowerShell.Models.MicrosoftGraphUser\r\n"
            + A_CURRENT.replace("000000000001,a@", "000000000004,d@"),
            4,
            [3, 7],
            [4, 5],
        ),
        # PowerShell -UseCulture on a Norwegian machine: `;` and every cell quoted
        (
            '"userPrincipalName";"objectId";"givenName";"surname";"mobile";"telephoneNumber"\r\n',
            B_ROWS.replace(",", ";"),
            3,
            [3],
            [4, 5],
        ),
    ],
    ids=["bom", "spaced", "stray-quote", "type-line", "powershell-semicolons"],
)
def test_another_exports_header_in_the_shapes_joins_make(
    workdir: Path, other_header: str, rows: str, users: int, f008: list, f004: list
) -> None:
    path = workdir / "joined.csv"
    path.write_bytes((A_CURRENT + other_header + rows).encode())
    _, _, report = check(path)
    assert report["summary"]["users"] == users
    assert [f["line"] for f in report["findings"] if f["rule"] == "F008"] == f008
    under = [f for f in report["findings"] if f["rule"] == "F004"]
    assert [f["line"] for f in under] == f004
    upns = ["b@example.com", "c@example.com"][: len(f004)]
    assert [(f["user"] or {}).get("user_principal_name") for f in under] == upns
    # nobody's landline becomes a mobile number: no fix from the rows under the other header
    result = CliRunner().invoke(
        app, ["fix", str(path), "--script", "s.ps1", "--fix-level", "probable"]
    )
    script = (workdir / "s.ps1").read_text(encoding="utf-8-sig")
    commands = [line for line in script.splitlines() if not line.lstrip().startswith("#")]
    assert [line for line in commands if "MobilePhone '+4722" in line] == [], result.output


def test_odd_rows_under_another_header_and_one_cell_rows(workdir: Path) -> None:
    # A one-cell row with a quoted line break and a ';' (read again by ';': no crash), and
    # under another header a user whose first cell starts with #Type (a user, no #TYPE line).
    path = workdir / "odd.csv"
    path.write_bytes(
        (
            A_CURRENT
            + '"Note; see\r\nbelow"\r\n'
            + "userPrincipalName,objectId,givenName,surname,mobile,telephoneNumber\r\n"
            + "#Typesetting@example.com,00000000-0000-4000-8000-000000000002,Bo,Dahl,+47412,x\r\n"
        ).encode()
    )
    code, stderr, report = check(path)
    assert (code, stderr) == (1, "")
    assert report["summary"]["users"] == 3
    found = [(f["rule"], f["line"]) for f in report["findings"] if f["rule"] in ("F004", "F008")]
    assert found == [("F008", 5), ("F004", 3), ("F004", 6)]


@pytest.mark.parametrize(
    ("second", "kind", "f004"),
    [
        # the same export's header, after a BOM: the rows after it are read as usual
        (
            "\ufeff" + A_CURRENT.replace("000000000001,a@", "000000000002,b@"),
            "ends with a header row of line 1",
            [2],  # b's row, line 3, is read as a user
        ),
        # another export's header: its rows are F004 (before: read by the first header's
        # columns, Bo's landline taken for his mobile)
        (
            "objectId,userPrincipalName,givenName,surname,mobile,telephoneNumber\r\n"
            "00000000-0000-4000-8000-000000000002,b@example.com,Bo,Dahl,+4741200001,"
            "22 00 00 02\r\n",
            "ends with a header row with other columns",
            [2, 3],
        ),
    ],
    ids=["same-header-after-a-bom", "other-header"],
)
def test_a_header_glued_to_the_last_row_of_a_file_without_a_final_line_break(
    workdir: Path, second: str, kind: str, f004: list
) -> None:
    path = workdir / "glued.csv"
    path.write_bytes((A_CURRENT.removesuffix("\r\n") + second).encode())
    _, _, report = check(path)
    assert report["summary"]["users"] == 2
    [f008] = [f for f in report["findings"] if f["rule"] == "F008"]
    assert (f008["line"], kind in f008["message"]) == (2, True)
    assert [f["line"] for f in report["findings"] if f["rule"] == "F004"] == f004
    result = CliRunner().invoke(
        app, ["fix", str(path), "--script", "s.ps1", "--fix-level", "probable"]
    )
    script = (workdir / "s.ps1").read_text(encoding="utf-8-sig")
    commands = [line for line in script.splitlines() if not line.lstrip().startswith("#")]
    assert [line for line in commands if "MobilePhone '+4722" in line] == [], result.output


@pytest.mark.parametrize(
    ("name", "data", "f008", "f004", "upn"),
    [
        # PowerShell quotes every cell; the BOM of the second file marks the glued header
        (
            "powershell",
            '\ufeff"id","userPrincipalName","mobilePhone"\r\n'
            '"00000000-0000-4000-8000-000000000001","a@example.com","0047 412 00 000"'
            '\ufeff"id","userPrincipalName","mobilePhone"\r\n'
            '"00000000-0000-4000-8000-000000000002","b@example.com","0047 412 00 001"\r\n',
            [2],
            [2],
            "a@example.com",
        ),
        # the Microsoft 365 admin center's spaced names, glued without a BOM
        (
            "spaced",
            "Object ID,User principal name,Display name,Mobile phone\r\n"
            "00000000-0000-4000-8000-000000000001,a@example.com,Ada Berg,+4741200000"
            "Object ID,User principal name,Display name,Mobile phone\r\n"
            "00000000-0000-4000-8000-000000000002,b@example.com,Bo Dahl,4741200001\r\n",
            [2],
            [2],
            "a@example.com",
        ),
        # the UPN is the last column: the glued name is not part of it
        (
            "upn-last",
            "id,givenName,mobilePhone,userPrincipalName\r\n"
            "00000000-0000-4000-8000-000000000001,Ada,+4741200000,a@example.com"
            "id,givenName,mobilePhone,userPrincipalName\r\n"
            "00000000-0000-4000-8000-000000000002,Bo,4741200001,b@example.com\r\n",
            [2],
            [2],
            "a@example.com",
        ),
        # a free-text value with commas and column names in it is no glued header
        (
            "free-text",
            "id,userPrincipalName,displayName,mobilePhone,jobTitle\r\n"
            "00000000-0000-4000-8000-000000000001,a@example.com,Ada,+4741200000,"
            "Owner of mail, userPrincipalName, mobile fields\r\n"
            "00000000-0000-4000-8000-000000000002,b@example.com,Bo,4741200001,IT\r\n",
            [],
            [2],
            "a@example.com",
        ),
    ],
    ids=["powershell", "spaced", "upn-last", "free-text"],
)
def test_glued_first_header_in_its_shapes_and_a_free_text_value(
    workdir: Path, name: str, data: str, f008: list, f004: list, upn: str
) -> None:
    path = workdir / f"{name}.csv"
    path.write_bytes(data.encode())
    _, _, report = check(path)
    assert report["summary"]["users"] == 2
    assert [f["line"] for f in report["findings"] if f["rule"] == "F008"] == f008
    f004s = [f for f in report["findings"] if f["rule"] == "F004"]
    assert [(f["line"], f["user"]["user_principal_name"]) for f in f004s] == [
        (line, upn) for line in f004
    ]
    # the user after the glued line is read and checked: its phone has no '+'
    assert [f["line"] for f in report["findings"] if f["rule"] == "P001"] == [3]
