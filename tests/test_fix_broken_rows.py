"""`motiscim fix --csv` on exports with broken rows, as the CSV loader reads them.

A stray opening quote (one F004 row, the lines it swallowed read again as users), a value cut
by an unquoted line break (one F004 user over several lines), a header repeated mid-file (F008,
skipped): the corrected CSV is the export with the fixes applied to the users that read as in
the check run, every other line copied byte for byte, and the same users as the input. Real
bytes on disk in UTF-8, UTF-16 LE with a BOM (tab) and cp1252 with Excel's `sep=;` line.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from motiscim_cli.app import app
from motiscim_cli.fixing import FixedCsvError, fixed_csv_bytes, plan_fixes
from motiscim_cli.run import CheckOptions, run_check

IDS = [
    "0f8fad5b-d9cb-469f-a165-70867728950e",
    "7c9e6679-7425-40de-944b-e07fc1f90ae7",
    "16fd2706-8baf-433b-82eb-8c7fada847da",
    "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f",
    "9b2e4c1a-5d3f-4a6b-8c7d-0e1f2a3b4c5d",
    "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
]
COLUMNS = ["id", "userPrincipalName", "givenName", "surname", "jobTitle", "mobilePhone"]

Encoder = Callable[[str], bytes]
# name -> (delimiter, the file's bytes for a text written with that delimiter)
VARIANTS: dict[str, tuple[str, Encoder]] = {
    "utf-8": (",", lambda text: text.encode("utf-8")),
    "utf-16-le-bom-tab": ("\t", lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le")),
    "cp1252-sep-semicolon": (";", lambda text: ("sep=;\r\n" + text).encode("cp1252")),
}


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no motiscim.yaml here or above


def _fix(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["fix", *args])
    return result.exit_code, result.stdout, result.stderr


def _row(delimiter: str, *cells: str) -> str:
    return delimiter.join(cells)


def _summary(out: str) -> list[str]:
    """The summary lines before the guide's advice panels."""
    return out.split("\n\n")[0].splitlines()


def _shape(path: Path) -> tuple[int, list[tuple[str, int | None, int | None]]]:
    """Users read, and the file and row findings that say where a broken row is."""
    report, errors = run_check([str(path)], CheckOptions())
    assert errors == []
    where = [(f.rule, f.row, f.line) for f in report.findings if f.rule in ("F004", "F008")]
    return report.users, sorted(where, key=lambda w: (w[0], w[2] or 0))


def _phone_findings(path: Path) -> list[tuple[str, int | None]]:
    report, _ = run_check([str(path)], CheckOptions())
    return [(f.rule, f.row) for f in report.findings if f.rule.startswith("P")]


# ---- a stray opening quote -----------------------------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS)
def test_stray_quote_row_is_copied_and_the_users_it_swallowed_are_fixed(
    tmp_path: Path, variant: str
) -> None:
    sep, encode = VARIANTS[variant]
    # The portal does not quote: a job title that starts with '"' runs on to the next '"', here
    # in a surname three lines later; every line in between is a user of its own.
    text = (
        "\r\n".join(
            [
                _row(sep, *COLUMNS),
                _row(sep, IDS[0], "anna@example.com", "Anna", "Berg", "Lead", "+47 987 65 432"),
                _row(sep, IDS[1], "bo@example.com", "Bo", "Dahl", '"Boss', "+47 912 34 568"),
                _row(sep, IDS[2], "cato@example.com", "Cato", "Lie", "CTO", "+47 912 34 569"),
                _row(sep, IDS[3], "dag@example.com", "Dag", 'K "KJ" Ødegård', "CEO", "+4791234560"),
                _row(sep, IDS[4], "eva@example.com", "Eva", "Moe", "CFO", "0047 912 34 561"),
            ]
        )
        + "\r\n"
    )  # fmt: skip
    export = tmp_path / "users.csv"
    export.write_bytes(encode(text))
    users, where = _shape(export)
    first = 3 if variant.startswith("cp1252") else 2  # the line of the first user
    assert (users, where) == (5, [("F004", 2, first + 1)])

    code, out, err = _fix(str(export), "--csv", "fixed.csv")

    assert (code, err) == (1, "")  # the F004 row has no fix: an error is left
    fixed = (
        text.replace("+47 987 65 432", "+4798765432")
        .replace("+47 912 34 569", "+4791234569")
        .replace("0047 912 34 561", "+4791234561")
    )
    assert (tmp_path / "fixed.csv").read_bytes() == encode(fixed)
    assert "+47 912 34 568" in fixed  # the broken row is as it was, its phone too
    assert _summary(out) == [
        "5 user(s) read; the fixes at --fix-level certain change 3 cell(s) of 3 user(s).",
        "Cells changed by column: mobilePhone (3).",
        "1 error(s) have no fix at this level: see the findings.",
        "Wrote fixed.csv (the export with the fixes applied)",
        # the broken row's cells as the loader read them (the quote as a character): its
        # phone with spaces would be under the sixth column of whatever a spreadsheet makes of it
        "fixed.csv: 1 cell(s) begin with = + - @, a tab or CR and are written as they are "
        "(the file is data), by column: column 6 (1).",
        "  A spreadsheet may run them as formulas: review them in the findings CSV, or write "
        "the file with --spreadsheet-safe.",
    ]
    # the same users, the same broken row, and no phone left to fix
    assert _shape(tmp_path / "fixed.csv") == (5, [("F004", 2, first + 1)])
    assert _phone_findings(tmp_path / "fixed.csv") == []


@pytest.mark.parametrize("lines_after", [2, 3000])
def test_quote_left_open_to_the_end_of_the_file(tmp_path: Path, lines_after: int) -> None:
    # 3000 lines: the value passes the reader's 131072-character field limit before the end.
    rows = [
        _row(",", IDS[i % 6], f"u{i}@example.com", f"Name{i}", "Berg", "CTO", f"+47 41 {i:06d}")
        for i in range(lines_after)
    ]
    text = (
        "\n".join(
            [
                ",".join(COLUMNS),
                _row(",", IDS[0], "anna@example.com", "Anna", "Berg", '"Lead', "+47 987 65 432"),
                *rows,
            ]
        )
        + "\n"
    )
    export = tmp_path / "users.csv"
    export.write_text(text, encoding="utf-8")

    code, out, err = _fix(str(export), "--csv", "fixed.csv")

    assert (code, err) == (1, "")
    fixed = "".join(
        line.replace(f"+47 41 {i - 2:06d}", f"+4741{i - 2:06d}") if i >= 2 else line
        for i, line in enumerate(text.splitlines(keepends=True))
    )
    assert (tmp_path / "fixed.csv").read_bytes() == fixed.encode()
    assert _summary(out)[:2] == [
        f"{lines_after + 1} user(s) read; the fixes at --fix-level certain change "
        f"{lines_after} cell(s) of {lines_after} user(s).",
        f"Cells changed by column: mobilePhone ({lines_after}).",
    ]
    users, where = _shape(tmp_path / "fixed.csv")
    assert (users, [w for w in where if w[0] == "F004"]) == (lines_after + 1, [("F004", 1, 2)])


def test_spreadsheet_safe_writes_the_stray_quote_row_as_it_was_read(tmp_path: Path) -> None:
    # For a spreadsheet the stray quote is written as a character, so the spreadsheet shows the
    # rows motiscim read and runs nothing: not the formula before it, not the line after it.
    text = (
        "\n".join(
            [
                ",".join(COLUMNS),
                _row(",", IDS[1], "bo@example.com", "=SUM(A1)", "Dahl", '"Boss', "+4791234568"),
                _row(",", IDS[2], "cato@example.com", "Cato", "Lie", "CTO", "+47 912 34 569"),
            ]
        )
        + "\n"
    )  # fmt: skip
    export = tmp_path / "users.csv"
    export.write_text(text, encoding="utf-8")

    code, out, err = _fix(str(export), "--csv", "data.csv")
    assert (code, err) == (1, "")
    assert (tmp_path / "data.csv").read_bytes() == text.replace(
        "+47 912 34 569", "+4791234569"
    ).encode()
    assert _summary(out)[3:5] == [
        "Wrote data.csv (the export with the fixes applied)",
        "data.csv: 1 cell(s) begin with = + - @, a tab or CR and are written as they are "
        "(the file is data), by column: column 3 (1).",
    ]

    code, out, err = _fix(str(export), "--csv", "sheet.csv", "--spreadsheet-safe")
    assert (code, err) == (1, "")
    written = (tmp_path / "sheet.csv").read_bytes().decode()
    assert written == (
        ",".join(COLUMNS) + "\n"
        f'{IDS[1]},bo@example.com,\'=SUM(A1),Dahl,"""Boss","=""+4791234568"""\n'
        f'{IDS[2]},cato@example.com,Cato,Lie,CTO,"=""+4791234569"""\n'
    )
    assert list(csv.reader(io.StringIO(written)))[1][2:5] == ["'=SUM(A1)", "Dahl", '"Boss']
    assert _summary(out)[4] == (
        "sheet.csv: 3 cell(s) changed for spreadsheets (--spreadsheet-safe), by column: "
        "column 3 (1), column 6 (1), mobilePhone (1)."
    )


# ---- a value cut by an unquoted line break -------------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS)
def test_value_cut_by_a_line_break_is_one_user_copied_as_it_is(
    tmp_path: Path, variant: str
) -> None:
    sep, encode = VARIANTS[variant]
    text = (
        "\r\n".join(
            [
                _row(sep, *COLUMNS),
                _row(sep, IDS[0], "anna@example.com", "Anna", "Berg", "Head of"),
                _row(sep, "Sales", "+47 987 65 432"),
                _row(sep, IDS[1], "åse@example.com", "Åse", "Ødegård", "Three"),
                "line",
                _row(sep, "title", "+47 912 34 568"),
                _row(sep, IDS[2], "cato@example.com", "Cato", "Lie", "CTO", "+47 912 34 569"),
            ]
        )
        + "\r\n"
    )  # fmt: skip
    export = tmp_path / "users.csv"
    export.write_bytes(encode(text))
    first = 3 if variant.startswith("cp1252") else 2
    assert _shape(export) == (3, [("F004", 1, first), ("F004", 2, first + 2)])

    code, out, err = _fix(str(export), "--csv", "fixed.csv")

    assert (code, err) == (1, "")
    fixed = text.replace("+47 912 34 569", "+4791234569")
    assert (tmp_path / "fixed.csv").read_bytes() == encode(fixed)
    assert _summary(out)[:4] == [
        "3 user(s) read; the fixes at --fix-level certain change 1 cell(s) of 1 user(s).",
        "Cells changed by column: mobilePhone (1).",
        "2 error(s) have no fix at this level: see the findings.",
        "Wrote fixed.csv (the export with the fixes applied)",
    ]
    assert _shape(tmp_path / "fixed.csv") == (3, [("F004", 1, first), ("F004", 2, first + 2)])
    assert _phone_findings(tmp_path / "fixed.csv") == []


def test_short_rows_that_do_not_add_up_are_copied_and_the_rows_after_them_fixed(
    tmp_path: Path,
) -> None:
    text = (
        "\n".join(
            [
                ",".join(COLUMNS),
                f"{IDS[0]},anna@example.com",  # 2 fields: the next line starts a user
                _row(",", IDS[1], "bo@example.com", "Bo", "Dahl", "CTO", "+47 912 34 568"),
                "x,y",  # 2 + 2 - 1 = 3: not one row cut in two
                "z,w",
                _row(",", IDS[2], "cato@example.com", "Cato", "Lie", "CTO", "+47 912 34 569"),
            ]
        )
        + "\n"
    )  # fmt: skip
    export = tmp_path / "users.csv"
    export.write_text(text, encoding="utf-8")
    assert _shape(export) == (5, [("F004", 1, 2), ("F004", 3, 4), ("F004", 4, 5)])

    code, _, err = _fix(str(export), "--csv", "fixed.csv")

    assert (code, err) == (1, "")
    assert (tmp_path / "fixed.csv").read_bytes() == text.replace(
        "+47 912 34 568", "+4791234568"
    ).replace("+47 912 34 569", "+4791234569").encode()


# ---- a header repeated inside the file -----------------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS)
def test_repeated_header_rows_are_copied_and_every_user_fixed(tmp_path: Path, variant: str) -> None:
    sep, encode = VARIANTS[variant]
    header = _row(sep, *COLUMNS)
    again = "\ufeff" + header  # `cat` of exports that each begin with a BOM
    if variant.startswith("cp1252"):
        again = "sep=;\r\n" + header  # Excel's files each begin with the sep= line
    text = (
        "\r\n".join(
            [
                header,
                _row(sep, IDS[0], "anna@example.com", "Anna", "Berg", "Lead", "+47 987 65 432"),
                again,
                _row(sep, IDS[1], "åse@example.com", "Åse", "Ødegård", "CTO", "+4791234568"),
                _row(sep, IDS[2], "cato@example.com", "Cato", "Lie", "CTO", "+47 912 34 569"),
                again,
                _row(sep, IDS[3], "dag@example.com", "Dag", "Moe", "CEO", "0047 912 34 560"),
            ]
        )
        + "\r\n"
    )  # fmt: skip
    export = tmp_path / "users.csv"
    export.write_bytes(encode(text))
    users, where = _shape(export)
    if variant.startswith("cp1252"):
        # each F008 names the header line (and the sep= line before it in its message)
        assert (users, where) == (4, [("F008", None, 5), ("F008", None, 9)])
    else:
        assert (users, where) == (4, [("F008", None, 3), ("F008", None, 6)])

    code, out, err = _fix(str(export), "--csv", "fixed.csv")

    assert (code, err) == (0, "")  # F008 is a warning: nothing is left
    fixed = (
        text.replace("+47 987 65 432", "+4798765432")
        .replace("+47 912 34 569", "+4791234569")
        .replace("0047 912 34 560", "+4791234560")
    )
    assert (tmp_path / "fixed.csv").read_bytes() == encode(fixed)
    assert _summary(out) == [
        "4 user(s) read; the fixes at --fix-level certain change 3 cell(s) of 3 user(s).",
        "Cells changed by column: mobilePhone (3).",
        "Wrote fixed.csv (the export with the fixes applied)",
    ]
    assert _shape(tmp_path / "fixed.csv") == (users, where)
    assert _phone_findings(tmp_path / "fixed.csv") == []


def test_powershell_export_joined_with_another_keeps_its_quoting(tmp_path: Path) -> None:
    # Export-Csv quotes every value: a fixed row is written quoted, a multi-line street
    # address stays one quoted value; the rows under a different header are F004, copied.
    type_line = "#TYPE Microsoft.Graph.PowerShell.Models.MicrosoftGraphUser"
    header = '"Id","UserPrincipalName","GivenName","StreetAddress","MobilePhone"'
    kari = f'"{IDS[0]}","kari@example.com","Kari","Gate 2\nOslo","+47 987 65 432"'
    ola = f'"{IDS[1]}","ola@example.com","Ola","","+47 912 34 568"'
    other = '"displayName","userPrincipalName","mail"'
    ase = '"Åse Berg","ase@example.com","ase@example.com"'
    text = "\r\n".join([type_line, header, kari, type_line, header, ola, other, ase]) + "\r\n"
    export = tmp_path / "ps.csv"
    export.write_text(text, encoding="utf-8")
    assert _shape(export) == (
        3,
        [("F004", 3, 9), ("F008", None, 6), ("F008", None, 8)],
    )

    code, out, err = _fix(str(export), "--csv", "fixed.csv")

    assert (code, err) == (1, "")
    assert (tmp_path / "fixed.csv").read_bytes() == text.replace(
        "+47 987 65 432", "+4798765432"
    ).replace("+47 912 34 568", "+4791234568").encode()
    assert _summary(out)[0] == (
        "3 user(s) read; the fixes at --fix-level certain change 2 cell(s) of 2 user(s)."
    )


# ---- the safety check stays for rows that really read differently -------------------------


STRAY = (
    "\n".join(
        [
            ",".join(COLUMNS),
            _row(",", IDS[0], "anna@example.com", "Anna", "Berg", "Lead", "+47 987 65 432"),
            _row(",", IDS[1], "bo@example.com", "Bo", "Dahl", '"Boss', "+47 912 34 568"),
            _row(",", IDS[2], "cato@example.com", "Cato", "Lie", "CTO", "+47 912 34 569"),
        ]
    )
    + "\n"
)  # fmt: skip


@pytest.mark.parametrize(
    ("changed", "message"),
    [
        # a user's cell is not what was checked
        (
            STRAY.replace("Cato", "Kato"),
            "row 3 (line 4) reads differently from the check run: the file changed while it "
            "was read?",
        ),
        # a line inserted before the users: every user is on another line
        (
            STRAY.replace("\n", "\n\n", 1),
            "row 1 (line 2) reads differently from the check run: the file changed while it "
            "was read?",
        ),
        # the stray quote moved into a user the check run read on its own: its quote now runs
        # into the next user's line
        (
            STRAY.replace('"Boss', "Boss").replace(",CTO,", ',"CTO,'),
            "row 3 (line 4) reads differently from the check run: the file changed while it "
            "was read?",
        ),
        # the file is shorter than the users the check run read
        (
            "".join(STRAY.splitlines(keepends=True)[:3]),
            "row 3 (line 4) reads differently from the check run: the file changed while it "
            "was read?",
        ),
    ],
)
def test_a_row_that_reads_differently_is_still_refused(
    tmp_path: Path, changed: str, message: str
) -> None:
    export = tmp_path / "users.csv"
    export.write_text(STRAY, encoding="utf-8")
    plan = plan_fixes(str(export), CheckOptions(), "certain")
    assert (
        fixed_csv_bytes(plan, STRAY.encode()).data
        == STRAY.replace("+47 987 65 432", "+4798765432")
        .replace("+47 912 34 569", "+4791234569")
        .encode()
    )
    with pytest.raises(FixedCsvError) as raised:
        fixed_csv_bytes(plan, changed.encode())
    assert str(raised.value) == message


def test_unchanged_cells_keep_their_quotes_so_an_earlier_stray_quote_reads_the_same(
    tmp_path: Path,
) -> None:
    # Re-writing row 3 whole would drop the quotes around "Per" (csv quotes only when needed),
    # and then row 1's stray quote would run on to a later line: the corrected file would
    # read differently (users lost). Only the changed cell is written anew.
    text = (
        "id,userPrincipalName,mail,givenName,surname,mobilePhone\n"
        '11111111-1111-1111-1111-111111111111,a@example.com,a@example.com,"Kari,B,+4741234567\n'
        "22222222-2222-2222-2222-222222222222,b@example.com,b@example.com,Ola,C,+47 987 65 432\n"
        '33333333-3333-3333-3333-333333333333,c@example.com,c@example.com,"Per",D,+47 987 65 431\n'
        "44444444-4444-4444-4444-444444444444,d@example.com,d@example.com,Liv,E,+4741234569\n"
    )
    export = tmp_path / "users.csv"
    export.write_text(text, encoding="utf-8")
    assert _shape(export) == (4, [("F004", 1, 2)])

    code, _, err = _fix(str(export), "--csv", "fixed.csv")

    assert (code, err) == (1, "")  # the F004 row has no fix
    expected = text.replace("+47 987 65 432", "+4798765432").replace(
        "+47 987 65 431", "+4798765431"
    )
    assert (tmp_path / "fixed.csv").read_text(encoding="utf-8") == expected
    assert _shape(tmp_path / "fixed.csv") == (4, [("F004", 1, 2)])


def test_a_quote_inside_an_unquoted_cell_is_kept_as_spelled(tmp_path: Path) -> None:
    # csv reads Ka"ri as a value with a quote in it (a quote opens quoting only as a cell's
    # first character); the unchanged cell keeps that spelling, not "Ka""ri".
    text = (
        "id,userPrincipalName,mail,givenName,surname,mobilePhone\n"
        '11111111-1111-1111-1111-111111111111,a@example.com,a@example.com,Ka"ri,B,+47 987 65 432\n'
    )
    export = tmp_path / "users.csv"
    export.write_text(text, encoding="utf-8")

    code, _, err = _fix(str(export), "--csv", "fixed.csv")

    assert (code, err) == (0, "")
    expected = text.replace("+47 987 65 432", "+4798765432")
    assert (tmp_path / "fixed.csv").read_text(encoding="utf-8") == expected


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
def test_a_last_row_without_a_line_end_is_written_without_one(tmp_path: Path, ending: str) -> None:
    # The fixed last row was given a CRLF the export did not have (in an LF file too).
    text = ending.join(
        [
            "id,userPrincipalName,mail,givenName,surname,mobilePhone",
            "11111111-1111-1111-1111-111111111111,a@example.com,a@example.com,Kari,B,+4741234567",
            '22222222-2222-2222-2222-222222222222,b@example.com,b@example.com,"Ola",C,'
            "+47 987 65 432",
        ]
    )
    export = tmp_path / "users.csv"
    export.write_bytes(text.encode())

    code, _, err = _fix(str(export), "--csv", "fixed.csv")

    assert (code, err) == (0, "")
    assert (tmp_path / "fixed.csv").read_bytes() == text.replace(
        "+47 987 65 432", "+4798765432"
    ).encode()
