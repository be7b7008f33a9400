"""`motiscim fix`: the PowerShell script, the corrected CSV, the findings CSV, and their safety.

Real exports in, real files out: the script is compared with a golden file, the corrected CSV
is checked again with `run_check`, and hostile cells are read back with `csv.reader`.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from checks.fixes import within
from checks.model import Severity
from motiscim_cli.app import app
from motiscim_cli.fixing import ps_comment_text, ps_quote
from motiscim_cli.run import CheckOptions, run_check
from motiscim_cli.spreadsheet import spreadsheet_cell

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "sample_exports" / "entra-users-download.csv"
GOLDEN = ROOT / "tests" / "golden" / "fix-entra-users-download.ps1"

HEADER = (
    "id,userPrincipalName,displayName,givenName,surname,mail,mobilePhone,jobTitle,"
    "usageLocation,directorySynced"
)
# Row 1 synced, row 2 cloud, row 3 synced without a phone, row 4 cloud with a blank phone.
MIXED = (
    HEADER + "\n"
    "0f8fad5b-d9cb-469f-a165-70867728950e,o'brien@example.com,Sean O'Brien,Sean,O'Brien ,"
    "o'brien@example.com,+353 85 123 4567,Engineer,IE,True\n"
    "7c9e6679-7425-40de-944b-e07fc1f90ae7,kari@example.com,Kari Nordmann,Kari,Nordmann,"
    "kari@example.com,+47 987 65 432,\u2019Sales\u2019 Lead ,NO,\n"
    "{1d6f5b2a-3c4e-4f5a-9b8c-7d6e5f4a3b2c},ola@example.com,Ola,Ola,Hansen,ola@example.com,"
    " ,Driver,NO,True\n"
    "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f,liv@example.com,Liv,Liv,Berg,liv@example.com,"
    "\u00a0,Cook,NO,False\n"
)
HOSTILE_VALUES = ["=cmd|' /C calc'!A0", "@SUM(1)", "+1+1", "-2", "\tTab", "\rReturn"]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no motiscim.yaml here or above


def _fix(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["fix", *args])
    return result.exit_code, result.stdout, result.stderr


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# ---- the script ----------------------------------------------------------------------------


def test_script_on_the_sample_matches_the_golden_file(tmp_path: Path) -> None:
    export = tmp_path / "entra-users-download.csv"
    shutil.copyfile(SAMPLE, export)
    code, out, err = _fix(str(export), "--script", "fix.ps1")
    assert (code, err) == (1, "")  # errors without a certain fix remain (P006, E001 …)
    data = (tmp_path / "fix.ps1").read_bytes()
    assert data.startswith(codecs.BOM_UTF8)  # Windows PowerShell 5.1 needs it for ø, ß …
    if os.environ.get("MOTISCIM_UPDATE_GOLDEN") == "1":
        GOLDEN.write_bytes(data)
    assert data == GOLDEN.read_bytes()
    assert "change 5 cell(s) of 5 user(s)" in out
    assert "Wrote fix.ps1" in out


# ---- the counts: cells and users, not findings ---------------------------------------------


def test_counts_on_the_sample_are_changed_cells_and_users(tmp_path: Path) -> None:
    export = tmp_path / "entra-users-download.csv"
    shutil.copyfile(SAMPLE, export)
    code, out, err = _fix(str(export), "--findings", "certain.csv")
    assert (code, err) == (1, "")
    # lines 4, 5, 8 (phones), 7 (mail), 13 (UPN): five cells of five users
    assert out.splitlines()[:4] == [
        "26 user(s) read; the fixes at --fix-level certain change 5 cell(s) of 5 user(s).",
        "Cells changed by column: mail (1), mobilePhone (3), userPrincipalName (1).",
        "--fix-level probable would change 4 more cell(s) of 4 user(s): country codes "
        "completed, mojibake repaired.",
        "9 error(s) have no fix at this level: see the findings.",
    ]
    code, out, err = _fix(str(export), "--findings", "probable.csv", "--fix-level", "probable")
    assert (code, err) == (1, "")
    assert out.splitlines()[:3] == [
        "26 user(s) read; the fixes at --fix-level probable change 9 cell(s) of 9 user(s).",
        "Cells changed by column: givenName (1), jobTitle (1), mail (1), mobilePhone (5), "
        "userPrincipalName (1).",
        "7 error(s) have no fix at this level: see the findings.",
    ]


# One column feeding two attributes: the UPN is also the email (the Coalesce remedy), and
# givenName feeds last_name too. Row 1 has four findings on two cells at certain (U002 and E002
# on the UPN, P002), two more on one cell at probable (N004 twice); row 2 one (P001, probable).
SHARED = (
    "id,userPrincipalName,givenName,mobilePhone,usageLocation\n"
    "0f8fad5b-d9cb-469f-a165-70867728950e,kari@example.com ,S\u00c3\u00b8ren,+47 987 65 432,NO\n"
    "7c9e6679-7425-40de-944b-e07fc1f90ae7,ola@example.com,Ola,98765432,NO\n"
)
SHARED_COLUMNS = ("--column", "email=userPrincipalName", "--column", "last_name=givenName")


def test_a_cell_that_feeds_two_attributes_is_one_change(tmp_path: Path) -> None:
    export = _write(tmp_path / "users.csv", SHARED)
    code, out, err = _fix(str(export), "--csv", "certain.csv", "--script", "c.ps1", *SHARED_COLUMNS)
    assert (code, err) == (1, "")  # row 2's P001 needs the probable level
    assert out.splitlines()[:3] == [
        "2 user(s) read; the fixes at --fix-level certain change 2 cell(s) of 1 user(s).",
        "Cells changed by column: mobilePhone (1), userPrincipalName (1).",
        "--fix-level probable would change 2 more cell(s) of 2 user(s): country codes "
        "completed, mojibake repaired.",
    ]
    script = (tmp_path / "c.ps1").read_text(encoding="utf-8-sig").splitlines()
    # one parameter per cell: PowerShell refuses a parameter given twice
    assert (
        "Update-MgUser -UserId '0f8fad5b-d9cb-469f-a165-70867728950e' -UserPrincipalName "
        "'kari@example.com' -MobilePhone '+4798765432' -WhatIf:$WhatIf"
    ) in script
    assert "# End: 1 user(s) with changes at --fix-level certain." in script
    code, out, err = _fix(
        str(export), "--csv", "probable.csv", "--script", "p.ps1", "--fix-level", "probable",
        *SHARED_COLUMNS,
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert out.splitlines()[:2] == [
        "2 user(s) read; the fixes at --fix-level probable change 4 cell(s) of 2 user(s).",
        "Cells changed by column: givenName (1), mobilePhone (2), userPrincipalName (1).",
    ]
    script = (tmp_path / "p.ps1").read_text(encoding="utf-8-sig").splitlines()
    assert (
        "Update-MgUser -UserId '0f8fad5b-d9cb-469f-a165-70867728950e' -UserPrincipalName "
        "'kari@example.com' -GivenName 'S\u00f8ren' -MobilePhone '+4798765432' -WhatIf:$WhatIf"
    ) in script
    assert (tmp_path / "probable.csv").read_text(encoding="utf-8").splitlines()[1:] == [
        "0f8fad5b-d9cb-469f-a165-70867728950e,kari@example.com,S\u00f8ren,+4798765432,NO",
        "7c9e6679-7425-40de-944b-e07fc1f90ae7,ola@example.com,Ola,+4798765432,NO",
    ]


def test_script_header_connects_and_keeps_whatif_on(tmp_path: Path) -> None:
    export = _write(tmp_path / "users.csv", MIXED)
    _fix(str(export), "--script", "fix.ps1")
    text = (tmp_path / "fix.ps1").read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    assert "$WhatIf = $true" in lines
    assert "Connect-MgGraph -Scopes User.ReadWrite.All" in lines
    assert lines.index("$WhatIf = $true") < lines.index(
        "Connect-MgGraph -Scopes User.ReadWrite.All"
    )
    commands = [line for line in lines if line.startswith(("Update-", "Set-", "$account |"))]
    assert len(commands) == 4
    assert all(line.endswith(" -WhatIf:$WhatIf") for line in commands)
    others = [line for line in lines if line and not line.startswith("#") and line not in commands]
    assert all(
        line.startswith(("$WhatIf = ", "Connect-MgGraph", "$upn = ", "$account = ", "if (-not"))
        for line in others
    )


def test_synced_users_get_set_aduser_and_cloud_users_update_mguser(tmp_path: Path) -> None:
    export = _write(tmp_path / "users.csv", MIXED)
    code, _, err = _fix(str(export), "--script", "fix.ps1")
    assert (code, err) == (0, "")
    lines = (tmp_path / "fix.ps1").read_text(encoding="utf-8-sig").splitlines()
    # Row 1: synced — AD, found by UPN (a variable, so the quote in it cannot break the filter).
    assert "$upn = 'o''brien@example.com'" in lines
    assert (
        "$account | Set-ADUser -Surname 'O''Brien' -MobilePhone '+353851234567' -WhatIf:$WhatIf"
    ) in lines
    at = lines.index("$upn = 'o''brien@example.com'")
    assert lines[at + 1 : at + 3] == [
        "$account = Get-ADUser -Filter 'UserPrincipalName -eq $upn'",
        'if (-not $account) { Write-Warning "Row 1: no AD account has the UPN $upn (an '
        'alternate login ID?): change it by hand" }',
    ]
    assert any("Entra refuses Graph writes to synced attributes" in line for line in lines)
    # Row 2: cloud (blank directorySynced) — Graph by Object ID; typographic quotes doubled.
    assert (
        "Update-MgUser -UserId '7c9e6679-7425-40de-944b-e07fc1f90ae7' -JobTitle "
        "'\u2019\u2019Sales\u2019\u2019 Lead' -MobilePhone '+4798765432' -WhatIf:$WhatIf"
    ) in lines
    # Row 3: synced, a phone of only whitespace: cleared in AD; the Object ID braces are noted.
    assert "$upn = 'ola@example.com'" in lines
    assert "$account | Set-ADUser -Clear mobile -WhatIf:$WhatIf" in lines
    # Row 4: cloud, a no-break space as phone: cleared with a null body (-MobilePhone $null is
    # ignored by the Graph module).
    assert (
        "Update-MgUser -UserId '2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f' -BodyParameter "
        "@{ mobilePhone = $null } -WhatIf:$WhatIf"
    ) in lines
    assert not any(line.startswith("Update-MgUser -UserId '0f8fad5b") for line in lines)
    assert not any("ola@example.com" in line and "Update-MgUser" in line for line in lines)


def test_powershell_quoting_and_comments() -> None:
    assert ps_quote("O'Brien") == "'O''Brien'"
    assert (
        ps_quote("a\u2018b\u2019c\u201ad\u201be")
        == "'a\u2018\u2018b\u2019\u2019c\u201a\u201ad\u201b\u201be'"
    )
    assert ps_quote("$(Remove-Item C:\\)") == "'$(Remove-Item C:\\)'"  # single quotes: no expansion
    # A line break in a value would end the comment and run the rest as code.
    assert ps_comment_text("x\nRemove-MgUser -UserId y") == "x\\u000aRemove-MgUser -UserId y"
    assert ps_comment_text("a\r\u2028b") == "a\\u000d\\u2028b"


def test_values_with_line_breaks_never_leave_the_comment(tmp_path: Path) -> None:
    hostile = '"Boss\nRemove-MgUser -UserId x "'
    export = _write(
        tmp_path / "users.csv",
        HEADER + "\n"
        f"7c9e6679-7425-40de-944b-e07fc1f90ae7,kari@example.com,Kari,Kari,Nordmann,"
        f"kari@example.com,,{hostile},NO,False\n",
    )
    _fix(str(export), "--script", "fix.ps1")
    lines = (tmp_path / "fix.ps1").read_text(encoding="utf-8-sig").splitlines()
    assert not any(line.startswith("Remove-MgUser") for line in lines)
    assert not any(line.startswith("Update-MgUser") for line in lines)
    assert (
        "# jobTitle: the corrected value still holds a line break or another invisible "
        "character: set it by hand."
    ) in lines
    assert (
        "#   N002 jobTitle: 'Boss\\u000aRemove-MgUser -UserId x ' -> "
        "'Boss\\u000aRemove-MgUser -UserId x' (certain)"
    ) in lines


def test_probable_fixes_only_at_fix_level_probable(tmp_path: Path) -> None:
    export = tmp_path / "entra-users-download.csv"
    shutil.copyfile(SAMPLE, export)
    _fix(str(export), "--script", "certain.ps1")
    _fix(str(export), "--script", "probable.ps1", "--fix-level", "probable")
    certain = (tmp_path / "certain.ps1").read_text(encoding="utf-8-sig")
    probable = (tmp_path / "probable.ps1").read_text(encoding="utf-8-sig")
    ola = "Update-MgUser -UserId 'e1eaa537-8e5b-55e3-96d3-63e545150d1b' -MobilePhone '+4798765432'"
    assert ola not in certain
    assert "[a probable fix, '+4798765432', is applied only with --fix-level probable]" in certain
    assert ola in probable
    assert "-GivenName 'Søren'" in probable and "Søren" not in certain.replace("'Søren', is", "")
    code, _, _ = _fix(str(export), "--script", "x.ps1", "--fix-level", "maybe")
    assert code == 2


# ---- the corrected CSV ---------------------------------------------------------------------


def _fixable_errors(path: Path, level: str) -> set[tuple[int, str]]:
    report, _ = run_check([str(path)], CheckOptions())
    return {
        (f.row, f.attribute)
        for f in report.findings
        if f.severity is Severity.ERROR and f.fix is not None and within(f.fix_confidence, level)
    }


@pytest.mark.parametrize("level", ["certain", "probable"])
@pytest.mark.parametrize("source", ["sample", "mixed"])
def test_rechecking_the_fixed_csv_leaves_no_fixable_error(
    tmp_path: Path, level: str, source: str
) -> None:
    export = tmp_path / "users.csv"
    if source == "sample":
        shutil.copyfile(SAMPLE, export)
    else:
        _write(export, MIXED)
    before = _fixable_errors(export, level)
    assert before  # the test means something
    code, _, err = _fix(str(export), "--csv", "fixed.csv", "--fix-level", level)
    assert err == "" and code in (0, 1)
    after, _ = run_check([str(tmp_path / "fixed.csv")], CheckOptions())
    left = {(f.row, f.attribute) for f in after.findings if f.severity is Severity.ERROR} & before
    assert left == set()
    # and nothing fixable at this level is left anywhere
    assert _fixable_errors(tmp_path / "fixed.csv", level) == set()


def test_fixed_csv_of_the_sample_changes_only_the_fixed_cells(tmp_path: Path) -> None:
    export = tmp_path / "users.csv"
    shutil.copyfile(SAMPLE, export)
    _, out, _ = _fix(str(export), "--csv", "fixed.csv")
    assert out.splitlines()[4:6] == [
        "Wrote fixed.csv (the export with the fixes applied)",
        # line 17 is malformed (F004): its E.164 phone would be under another header
        "fixed.csv: 3 cell(s) begin with = + - @, a tab or CR and are written as they are "
        "(the file is data), by column: jobTitle (1), mobilePhone (1), telephoneNumber (1).",
    ]
    original = export.read_bytes()
    fixed = (tmp_path / "fixed.csv").read_bytes()
    assert fixed.startswith(codecs.BOM_UTF8)  # same encoding: UTF-8 with BOM
    old_lines = original.decode("utf-8-sig").splitlines(keepends=True)
    new_lines = fixed.decode("utf-8-sig").splitlines(keepends=True)
    assert len(old_lines) == len(new_lines)
    changed = [i + 1 for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if a != b]
    # lines 4, 5, 8 (phones), 7 (mail), 13 (UPN); nothing else: not the =SUM(A1) job title on
    # line 19, the '+… ext. 12' phone on 23 or the unmapped '+47 22 …' telephoneNumber on 26
    assert changed == [4, 5, 7, 8, 13]
    assert ",+4798765431," in new_lines[3]
    assert ",=SUM(A1)," in new_lines[18]
    assert new_lines[16] == old_lines[16]  # the malformed row (F004) is written back as it was


def test_fixed_csv_keeps_preamble_encoding_delimiter_and_line_ends(tmp_path: Path) -> None:
    text = (
        "sep=;\r\n"
        "id;userPrincipalName;givenName;surname;mail;mobile;jobTitle;usageLocation\r\n"
        "0f8fad5b-d9cb-469f-a165-70867728950e;kari@example.com;Kari;Nordmann;kari@example.com;"
        "+47 987 65 432;Sjåfør;NO\r\n"
        "7c9e6679-7425-40de-944b-e07fc1f90ae7;ola@example.com;Ola;Hansen;ola@example.com;"
        "+4741234567;Lærling;NO\r\n"
    )
    export = _write(tmp_path / "excel.csv", text, "cp1252")
    code, _, err = _fix(str(export), "--csv", "fixed.csv")
    assert (code, err) == (0, "")
    fixed = (tmp_path / "fixed.csv").read_bytes()
    assert fixed == text.replace("+47 987 65 432", "+4798765432").encode("cp1252")
    code, _, err = _fix(str(export), "--csv", "utf8.csv", "--encoding", "utf-8-sig")
    assert (tmp_path / "utf8.csv").read_bytes() == codecs.BOM_UTF8 + text.replace(
        "+47 987 65 432", "+4798765432"
    ).encode("utf-8")


def test_fixed_csv_keeps_powershell_type_line_and_quoting(tmp_path: Path) -> None:
    text = (
        "#TYPE Microsoft.Graph.PowerShell.Models.MicrosoftGraphUser\n"
        '"Id","UserPrincipalName","GivenName","Surname","Mail","MobilePhone","JobTitle",'
        '"UsageLocation"\n'
        '"0f8fad5b-d9cb-469f-a165-70867728950e","kari@example.com","Kari","Nordmann",'
        '"kari@example.com","+47 987 65 432","Engineer","NO"\n'
        '"7c9e6679-7425-40de-944b-e07fc1f90ae7","ola@example.com","Ola","Hansen",'
        '"ola@example.com","+4741234567","Engineer","NO"\n'
    )
    export = _write(tmp_path / "mg.csv", text)
    _fix(str(export), "--csv", "fixed.csv")
    assert (tmp_path / "fixed.csv").read_text(encoding="utf-8") == text.replace(
        "+47 987 65 432", "+4798765432"
    )


def _hostile_rows() -> list[list[str]]:
    rows = [HEADER.split(",")]
    for index, hostile in enumerate(HOSTILE_VALUES):
        guid = f"0f8fad5b-d9cb-469f-a165-70867728950{index}"
        phone = "+4798765432" if index % 2 else "+47 987 65 432"
        upn = f"u{index}@example.com"
        rows.append([guid, upn, hostile, "Kari", "Nordmann", upn, phone, hostile, "NO", "False"])
    return rows


def _csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)  # CRLF: a cell with CR is quoted
    return buffer.getvalue().encode("utf-8")


def test_fixed_csv_is_data_and_says_which_cells_a_spreadsheet_would_run(tmp_path: Path) -> None:
    original = _hostile_rows()
    export = tmp_path / "hostile.csv"
    export.write_bytes(_csv_bytes(original))
    code, out, err = _fix(str(export), "--csv", "fixed.csv", "--findings", "findings.csv")
    assert (code, err) == (0, "")  # every error (P002) is fixed; N003 is a warning without a fix
    # The corrected CSV is the export with the fixes and nothing else: the phone fixes (rows
    # 1, 3, 5) and N002's trim of the tab/CR job titles (rows 5, 6); hostile cells as they were.
    expected = [list(row) for row in original]
    for row in expected[1:]:
        row[6] = "+4798765432"
        row[7] = row[7].lstrip("\t\r")
    assert (tmp_path / "fixed.csv").read_bytes() == _csv_bytes(expected)
    assert out.splitlines()[2:5] == [
        "Wrote fixed.csv (the export with the fixes applied)",
        "Wrote findings.csv (one row per finding)",
        "fixed.csv: 10 cell(s) begin with = + - @, a tab or CR and are written as they are "
        "(the file is data), by column: displayName (6), jobTitle (4).",
    ]
    # the data is the data: re-checking the corrected CSV still finds the formula-like titles
    again, _ = run_check([str(tmp_path / "fixed.csv")], CheckOptions())
    assert [(f.rule, f.row) for f in again.findings if f.rule == "N003"] == [
        ("N003", 1),
        ("N003", 2),
        ("N003", 3),
        ("N003", 4),
    ]


def test_fixed_csv_spreadsheet_safe_neutralises_and_counts_by_column(tmp_path: Path) -> None:
    original = _hostile_rows()
    export = tmp_path / "hostile.csv"
    export.write_bytes(_csv_bytes(original))
    code, out, err = _fix(str(export), "--csv", "safe.csv", "--spreadsheet-safe")
    assert (code, err) == (0, "")
    expected = [list(row) for row in original]
    for row in expected[1:]:
        row[2] = "'" + row[2]
        row[6] = '="+4798765432"'
        row[7] = "'" + row[7] if row[7][0] not in "\t\r" else row[7][1:]
    assert (tmp_path / "safe.csv").read_bytes() == _csv_bytes(expected)
    assert b'"=""+4798765432"""' in (tmp_path / "safe.csv").read_bytes()  # the exact bytes
    assert out.splitlines()[2:5] == [
        "Wrote safe.csv (the export with the fixes applied)",
        "safe.csv: 16 cell(s) changed for spreadsheets (--spreadsheet-safe), by column: "
        "displayName (6), jobTitle (4), mobilePhone (6).",
        '  A \' before = + - @, ="…" around E.164 numbers: not data, do not import this file '
        "anywhere.",
    ]
    code, _, err = _fix(str(export), "--findings", "f.csv", "--spreadsheet-safe")
    assert code == 2 and "--spreadsheet-safe" in err and "it applies to --csv FILE" in err


def test_fix_help_documents_the_spreadsheet_choices() -> None:
    result = CliRunner().invoke(app, ["fix", "--help"], env={"COLUMNS": "200"})
    text = " ".join(result.stdout.split())
    assert "cells starting with = + - @ are written as they are" in text
    assert "--spreadsheet-safe" in text and "never import such a file" in text
    assert 'a correct E.164 number is written as ="+47…" so that Excel shows it as text' in text


def test_findings_csv_writes_e164_as_excel_text_and_neutralises_the_rest(tmp_path: Path) -> None:
    export = tmp_path / "hostile.csv"
    export.write_bytes(_csv_bytes(_hostile_rows()))
    _fix(str(export), "--findings", "findings.csv")
    data = (tmp_path / "findings.csv").read_bytes()
    # P002 on '+47 987 65 432': the value neutralised with ', the E.164 fix as ="+4798765432"
    p002 = b',mobilePhone,\'+47 987 65 432,"=""+4798765432""",certain,'
    assert data.count(p002) == 3
    n003 = [line for line in data.split(b"\r\n") if line.startswith(b"N003,")]
    assert [line.split(b",")[9:11] for line in n003] == [
        [b"jobTitle", b"'=cmd|' /C calc'!A0"],
        [b"jobTitle", b"'@SUM(1)"],
        [b"jobTitle", b"'+1+1"],
        [b"jobTitle", b"'-2"],
    ]
    with open(tmp_path / "findings.csv", encoding="utf-8-sig", newline="") as handle:
        table = list(csv.DictReader(handle))
    for row in table:
        for cell in row.values():
            if cell.startswith("="):  # only the text form of a correct E.164 number
                assert cell == '="+4798765432"'
            else:
                assert not cell.startswith(("+", "-", "@", "\t", "\r")), cell


def test_spreadsheet_cell() -> None:
    assert spreadsheet_cell("+4798765432") == '="+4798765432"'
    assert spreadsheet_cell("+353851234567") == '="+353851234567"'  # 12 digits: not 3.5E+11
    assert spreadsheet_cell("+47 987 65 432") == "'+47 987 65 432"
    assert spreadsheet_cell("+0123456789") == "'+0123456789"  # no country code 0: not E.164
    assert spreadsheet_cell("+4798765432 ") == "'+4798765432 "
    assert spreadsheet_cell("+1234567890123456") == "'+1234567890123456"  # 16 digits
    # digits of other scripts are not E.164 and never go inside a formula
    assert spreadsheet_cell("+\u0664\u0667\u0669\u0668\u0667\u0666\u0665\u0664\u0663\u0662") == (
        "'+\u0664\u0667\u0669\u0668\u0667\u0666\u0665\u0664\u0663\u0662"
    )
    assert spreadsheet_cell('+47"&HYPERLINK("x")') == '\'+47"&HYPERLINK("x")'
    assert [spreadsheet_cell(v) for v in HOSTILE_VALUES] == ["'" + v for v in HOSTILE_VALUES]
    assert spreadsheet_cell("Kari") == "Kari" and spreadsheet_cell("") == ""
    assert spreadsheet_cell(None) == ""


def test_json_input_cannot_become_csv(tmp_path: Path) -> None:
    export = _write(
        tmp_path / "users.json",
        json.dumps(
            {
                "value": [
                    {
                        "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                        "userPrincipalName": "kari@example.com",
                        "mobilePhone": "+47 987 65 432",
                    }
                ]
            }
        ),
    )
    code, _, err = _fix(str(export), "--csv", "fixed.csv")
    assert code == 2
    assert err.count("\n") == 1 and "--csv writes CSV exports only" in err
    assert not (tmp_path / "fixed.csv").exists()
    code, _, err = _fix(str(export), "--script", "fix.ps1")
    assert (code, err) == (0, "")
    assert "-MobilePhone '+4798765432'" in (tmp_path / "fix.ps1").read_text(encoding="utf-8-sig")


# ---- files: never the input, never an existing file without --force ------------------------


@pytest.mark.parametrize("option", ["--csv", "--script", "--findings"])
def test_never_overwrites_the_input(tmp_path: Path, option: str) -> None:
    export = _write(tmp_path / "users.csv", MIXED)
    before = export.read_bytes()
    (tmp_path / "sub").mkdir()
    for spelling in (str(export), "sub/../users.csv", "./users.csv"):
        code, out, err = _fix(str(export), option, spelling, "--force")
        assert code == 2
        assert err.count("\n") == 1 and "is the input file" in err
        assert out == ""
    assert export.read_bytes() == before


@pytest.mark.parametrize("option", ["--script", "--csv", "--findings"])
@pytest.mark.parametrize("export", ["users.csv", "missing.csv"])
def test_an_output_that_cannot_be_written_is_one_line_before_any_work(
    tmp_path: Path, option: str, export: str
) -> None:
    _write(tmp_path / "users.csv", MIXED)
    # missing.csv: the output is refused before the export is even opened
    long = "a" * 300  # longer than any file system's NAME_MAX: stat() fails with ENAMETOOLONG
    for target, reason in [
        ("nodir/out.txt", "nodir/out.txt: the directory nodir does not exist."),
        ("nodir/sub/out.txt", "nodir/sub/out.txt: the directory nodir/sub does not exist."),
        ("nodir/", "nodir/ names a directory that does not exist: name a file"),
        (f"{long}/out.txt", f"{long}/out.txt cannot be written: File name too long."),
        (long, f"{long} cannot be written: File name too long."),
    ]:
        code, out, err = _fix(export, option, target)
        assert (code, out, err) == (2, "", f"motiscim: {option} {reason}\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["users.csv"]  # nothing written


def test_existing_output_needs_force(tmp_path: Path) -> None:
    export = _write(tmp_path / "users.csv", MIXED)
    target = _write(tmp_path / "fixed.csv", "keep me")
    code, _, err = _fix(str(export), "--csv", str(target))
    assert code == 2 and "already exists: use --force" in err
    assert target.read_text() == "keep me"
    code, _, err = _fix(str(export), "--csv", str(target), "--force")
    assert (code, err) == (0, "")
    assert target.read_text(encoding="utf-8").startswith("id,userPrincipalName")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left


def test_an_output_is_required_and_outputs_are_distinct(tmp_path: Path) -> None:
    export = _write(tmp_path / "users.csv", MIXED)
    code, _, err = _fix(str(export))
    assert code == 2 and "at least one output" in err
    code, _, err = _fix(str(export), "--csv", "a.csv", "--findings", "a.csv")
    assert code == 2 and "named for two outputs" in err
    assert not (tmp_path / "a.csv").exists()


# ---- composition, region, UTF-16 -------------------------------------------------------------


def _soren_export(tmp_path: Path) -> Path:
    """One user whose first name has a trailing space (N002) and mojibake (N004)."""
    return _write(
        tmp_path / "users.csv",
        HEADER + "\n"
        "7c9e6679-7425-40de-944b-e07fc1f90ae7,kari@example.com,Kari,S\u00c3\u00b8ren ,Nordmann,"
        "kari@example.com,,Engineer,NO,False\n",
    )


def test_fixes_on_one_value_compose_at_their_level(tmp_path: Path) -> None:
    export = _soren_export(tmp_path)
    _fix(str(export), "--csv", "certain.csv")
    _fix(str(export), "--csv", "probable.csv", "--fix-level", "probable", "--script", "p.ps1")
    rows = {
        level: list(csv.reader(io.StringIO((tmp_path / f"{level}.csv").read_text("utf-8"))))[1]
        for level in ("certain", "probable")
    }
    assert rows["certain"][3] == "S\u00c3\u00b8ren"  # N002's trim only
    assert rows["probable"][3] == "S\u00f8ren"  # trimmed, then N004's repair
    script = (tmp_path / "p.ps1").read_text(encoding="utf-8-sig")
    assert "#   N002+N004 givenName: 'S\u00c3\u00b8ren ' -> 'S\u00f8ren' (probable)" in script
    assert "-GivenName 'S\u00f8ren'" in script


def test_a_suppressed_rule_is_not_applied_after_another_fix(tmp_path: Path) -> None:
    # N004 accepted for Kari: the trim (N002) ran, then the suppressed N004 repaired the name
    # all the same.
    export = _soren_export(tmp_path)
    (tmp_path / "motiscim.yaml").write_text(
        "exceptions:\n  - user: kari@example.com\n    rules: [N004]\n    reason: Spelt so\n"
    )
    _fix(str(export), "--csv", "probable.csv", "--fix-level", "probable")
    row = list(csv.reader(io.StringIO((tmp_path / "probable.csv").read_text("utf-8"))))[1]
    assert row[3] == "S\u00c3\u00b8ren"  # trimmed only


def test_region_completes_national_numbers_at_probable(tmp_path: Path) -> None:
    export = _write(
        tmp_path / "users.csv",
        "id,userPrincipalName,mobilePhone\n"
        "7c9e6679-7425-40de-944b-e07fc1f90ae7,kari@example.com,98765432\n",
    )
    code, _, _ = _fix(str(export), "--csv", "none.csv", "--fix-level", "probable")
    assert code == 1  # no region: no fix
    code, _, _ = _fix(str(export), "--csv", "no.csv", "--fix-level", "probable", "--region", "no")
    assert code == 0
    assert (
        (tmp_path / "no.csv").read_text(encoding="utf-8").splitlines()[1].endswith(",+4798765432")
    )


def test_utf16_export_is_written_back_as_utf16_with_its_bom(tmp_path: Path) -> None:
    text = (
        "id\tuserPrincipalName\tmobilePhone\r\n"
        "7c9e6679-7425-40de-944b-e07fc1f90ae7\tkari@example.com\t+47 987 65 432\r\n"
    )
    export = tmp_path / "users.csv"
    export.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    code, _, err = _fix(str(export), "--csv", "fixed.csv")
    assert (code, err) == (0, "")
    assert (tmp_path / "fixed.csv").read_bytes() == codecs.BOM_UTF16_LE + text.replace(
        "+47 987 65 432", "+4798765432"
    ).encode("utf-16-le")


@pytest.mark.parametrize(
    ("bom", "name"),
    [
        (b"", "An\x81na L\xe6rling".encode("latin-1")),  # cp1252: 0x81 is no character
        (codecs.BOM_UTF8, b"An\xffna L\xc3\xa6rling"),  # UTF-8 promised, one byte is not
    ],
)
def test_bytes_that_are_not_text_are_kept_and_do_not_stop_the_csv(
    tmp_path: Path, bom: bytes, name: bytes
) -> None:
    # The check run reads such a byte as U+FFFD (F005); the corrected CSV keeps the byte as it
    # was, and the row is not taken for one that changed since the check.
    export = tmp_path / "users.csv"
    export.write_bytes(
        bom + b"id;userPrincipalName;givenName;mobilePhone\r\n"
        b"7c9e6679-7425-40de-944b-e07fc1f90ae7;kari@example.com;" + name + b";+47 987 65 432\r\n"
    )
    code, _, err = _fix(str(export), "--csv", "fixed.csv")
    assert (code, err) == (0, "")
    assert (tmp_path / "fixed.csv").read_bytes() == export.read_bytes().replace(
        b"+47 987 65 432", b"+4798765432"
    )


def test_an_encoding_that_cannot_hold_the_data_is_refused_in_one_line(tmp_path: Path) -> None:
    export = _write(
        tmp_path / "users.csv",
        "id,userPrincipalName,givenName,mobilePhone\n"
        "7c9e6679-7425-40de-944b-e07fc1f90ae7,lukasz@example.com,\u0141ukasz,+47 987 65 432\n",
    )
    code, _, err = _fix(str(export), "--csv", "fixed.csv", "--encoding", "cp1252")
    assert code == 2
    assert err == (
        "motiscim: --csv fixed.csv: the character '\u0141' cannot be written in cp1252: "
        "write with --encoding utf-8-sig\n"
    )
    assert not (tmp_path / "fixed.csv").exists()


LUKASZ = (
    "id,userPrincipalName,givenName,mobilePhone\n"
    "7c9e6679-7425-40de-944b-e07fc1f90ae7,lukasz@example.com,\u0141ukasz,+47 987 65 432\n"
)


def test_a_csv_that_cannot_be_encoded_writes_no_output_at_all(tmp_path: Path) -> None:
    """All or nothing: the --script made before the --csv failed was once left behind, and the
    rerun then refused with "--script s.ps1 already exists"."""
    export = _write(tmp_path / "users.csv", LUKASZ)
    outputs = ["--script", "s.ps1", "--csv", "o.csv", "--findings", "f.csv"]
    code, out, err = _fix(str(export), *outputs, "--encoding", "cp1252")
    assert (code, out) == (2, "")
    assert err == (
        "motiscim: --csv o.csv: the character '\u0141' cannot be written in cp1252: "
        "write with --encoding utf-8-sig\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["users.csv"]  # no output, no temp
    code, _, err = _fix(str(export), *outputs, "--encoding", "utf-8-sig")
    assert (code, err) == (0, "")
    assert (tmp_path / "o.csv").read_bytes() == b"\xef\xbb\xbf" + LUKASZ.replace(
        "+47 987 65 432", "+4798765432"
    ).encode("utf-8")
    assert (tmp_path / "s.ps1").read_bytes().startswith(b"\xef\xbb\xbf")
    assert (tmp_path / "f.csv").read_text(encoding="utf-8").count("P002") == 1


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_an_output_that_fails_while_written_takes_the_others_with_it(tmp_path: Path) -> None:
    export = _write(tmp_path / "users.csv", LUKASZ)
    kept = _write(tmp_path / "s.ps1", "the old script")
    code, out, err = _fix(
        str(export), "--script", "s.ps1", "--csv", "o.csv", "--findings", "/dev/full", "--force"
    )
    assert (code, out) == (2, "")
    assert err == "motiscim: cannot write /dev/full: No space left on device\n"
    assert kept.read_text() == "the old script"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.ps1", "users.csv"]


# ---- the audit: every safe fix carries the confidence the issue defines --------------------


@pytest.mark.parametrize(
    ("attribute", "value", "region", "expected"),
    [
        # certain: whitespace, separators, tel: removed; 00 → +; a written trunk (0) dropped
        ("phone_number", "+47 987 65 432", None, ("P002", "+4798765432", "certain")),
        ("phone_number", "+47-987-65-432", None, ("P002", "+4798765432", "certain")),
        ("phone_number", "tel:+4798765432", None, ("P002", "+4798765432", "certain")),
        ("phone_number", "+4798765432\u200b", None, ("P002", "+4798765432", "certain")),
        ("phone_number", "004798765432", None, ("P001", "+4798765432", "certain")),
        ("phone_number", "+44 (0)20 7946 0958", None, ("P002", "+442079460958", "certain")),
        ("phone_number", " ", None, ("P002", "", "certain")),
        ("employee_number", "kari@example.com ", None, ("U002", "kari@example.com", "certain")),
        ("email", " kari@example.com", None, ("E002", "kari@example.com", "certain")),
        ("position", "Sales Manager ", None, ("N002", "Sales Manager", "certain")),
        (
            "external_id",
            "{0F8FAD5B-D9CB-469F-A165-70867728950E}",
            None,
            ("X002", "0f8fad5b-d9cb-469f-a165-70867728950e", "certain"),
        ),
        # probable: completed with the region; a country code without '+'; mojibake repaired
        ("phone_number", "98765432", "NO", ("P001", "+4798765432", "probable")),
        ("phone_number", "4798765432", None, ("P001", "+4798765432", "probable")),
        ("phone_number", "@4798765432", None, ("P001", "+4798765432", "probable")),
        ("phone_number", "+44 020 7946 0958", None, ("P002", "+442079460958", "probable")),
        ("first_name", "S\u00c3\u00b8ren", None, ("N004", "S\u00f8ren", "probable")),
        # no safe fix
        ("phone_number", "98765432", None, ("P001", None, None)),
        ("phone_number", "4.79877E+09", None, ("P006", None, None)),
        ("phone_number", "+4798765432 x12", None, ("P005", None, None)),
    ],
)
def test_fix_confidence_follows_the_issue_definitions(
    attribute: str, value: str, region: str | None, expected: tuple
) -> None:
    from tests.rulekit import record, run

    findings = run([record(**{attribute: value})], select=["U", "E", "P", "X", "N"], region=region)
    assert [(f.rule, f.fix, f.fix_confidence) for f in findings] == [expected]


def test_findings_csv_has_one_row_per_finding(tmp_path: Path) -> None:
    export = tmp_path / "users.csv"
    shutil.copyfile(SAMPLE, export)
    _fix(str(export), "--findings", "findings.csv")
    data = (tmp_path / "findings.csv").read_bytes()
    assert data.startswith(codecs.BOM_UTF8)  # for Excel
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    report, _ = run_check([str(export)], CheckOptions())
    assert len(rows) == len(report.findings) == 23
    for key in ("rule", "severity", "row", "user_principal_name", "column", "value", "fix"):
        assert key in rows[0]
    first = rows[0]
    assert (first["rule"], first["severity"], first["row"], first["column"]) == (
        "P001",
        "error",
        "2",
        "mobilePhone",
    )
    assert (first["value"], first["fix"], first["fix_confidence"]) == (
        "98765432",
        '="+4798765432"',  # Excel shows the text +4798765432
        "probable",
    )
    lines = data.split(b"\r\n")
    assert b',mobilePhone,98765432,"=""+4798765432""",probable,' in lines[1]
    p007 = next(line for line in lines if line.startswith(b"P007,"))  # the guide's +4700000000
    assert b',mobilePhone,"=""+4700000000""",,,' in p007
    p005 = next(line for line in lines if line.startswith(b"P005,"))
    assert b",mobilePhone,'+4741234580 ext. 12,,," in p005


def test_graph_json_synced_users_get_set_aduser(tmp_path: Path) -> None:
    users = [
        {
            "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
            "userPrincipalName": "kari@example.com",
            "mobilePhone": "+47 987 65 432",
            "onPremisesSyncEnabled": True,
        },
        {
            "id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
            "userPrincipalName": "ola@example.com",
            "mobilePhone": "0047 412 34 567",
            "onPremisesSyncEnabled": None,
        },
    ]
    export = _write(tmp_path / "users.json", json.dumps({"value": users}))
    code, _, err = _fix(str(export), "--script", "fix.ps1")
    assert (code, err) == (0, "")
    lines = (tmp_path / "fix.ps1").read_text(encoding="utf-8-sig").splitlines()
    assert ("$account | Set-ADUser -MobilePhone '+4798765432' -WhatIf:$WhatIf") in lines
    assert (
        "Update-MgUser -UserId '7c9e6679-7425-40de-944b-e07fc1f90ae7' -MobilePhone "
        "'+4741234567' -WhatIf:$WhatIf"
    ) in lines
    assert not any("does not say which users are synced" in line for line in lines)


BIG = "A" * 200_000  # past csv's default field size limit (131072): the check run's F004


@pytest.mark.parametrize(
    "cell",
    [BIG, f'"{BIG}"', f'"{BIG[:100_000]}\r\n{BIG[100_000:]}"'],
    ids=["plain", "quoted", "quoted-over-two-lines"],
)
@pytest.mark.parametrize("safe", [False, True], ids=["data", "spreadsheet-safe"])
def test_a_value_too_long_to_read_is_copied_and_the_rest_fixed(
    tmp_path: Path, cell: str, safe: bool
) -> None:
    export = _write(
        tmp_path / "users.csv",
        "id,userPrincipalName,givenName,mobilePhone,jobTitle\r\n"
        "7c9e6679-7425-40de-944b-e07fc1f90ae7,kari@example.com,Kari,+47 987 65 432,Sales\r\n"
        f"2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f,liv@example.com,Liv,+47 987 65 433,{cell}\r\n"
        "0f8fad5b-d9cb-469f-a165-70867728950e,ola@example.com,Ola,+47 987 65 434,Driver\r\n",
    )
    report, _ = run_check([str(export)], CheckOptions())
    assert ("F004", 2) in [(f.rule, f.row) for f in report.findings]  # what `check` says
    limit = csv.field_size_limit()
    code, out, err = _fix(str(export), "--csv", "fixed.csv", *(["--spreadsheet-safe"] * safe))
    assert (code, err) == (1, "")  # the F004 row is an error no fix resolves
    assert csv.field_size_limit() == limit  # raised only while the corrected CSV is made
    assert "Wrote fixed.csv (the export with the fixes applied)" in out.splitlines()
    fixed = (tmp_path / "fixed.csv").read_bytes()
    if not safe:  # Liv's row is copied as it is, phone and all; Kari's and Ola's are fixed
        assert fixed == export.read_bytes().replace(b"+47 987 65 432", b"+4798765432").replace(
            b"+47 987 65 434", b"+4798765434"
        )
        return
    # For a spreadsheet Liv's phone gets its ', the fixed ones are ="…"; the value is all there.
    lines = fixed.split(b"\r\n")
    assert len(lines) == len(export.read_bytes().split(b"\r\n"))
    assert lines[1].endswith(b',Kari,"=""+4798765432""",Sales')
    assert lines[-2].endswith(b',Ola,"=""+4798765434""",Driver')
    assert b",Liv,'+47 987 65 433," in lines[2]
    assert fixed.count(b"A") == len(BIG)


def test_csv_from_a_pipe_is_refused_before_the_check(tmp_path: Path) -> None:
    # `cat users.csv | motiscim fix /dev/stdin --csv fixed.csv`: the export would be read
    # twice, and a pipe is empty the second time. The other outputs need one read: they work.
    import subprocess
    import sys

    data = SAMPLE.read_bytes()
    command = [sys.executable, "-m", "motiscim_cli", "fix", "/dev/stdin"]
    piped = subprocess.run(
        [*command, "--csv", "fixed.csv"], input=data, capture_output=True, cwd=tmp_path
    )
    assert (piped.returncode, piped.stdout) == (2, b"")
    assert piped.stderr.decode() == (
        "motiscim: --csv fixed.csv: /dev/stdin is a pipe or a device, not a file: --csv reads "
        "the export again to rewrite it. Save it to a file first (or use --script/--findings).\n"
    )
    assert not (tmp_path / "fixed.csv").exists()
    findings = subprocess.run(
        [*command, "--findings", "findings.csv"], input=data, capture_output=True, cwd=tmp_path
    )
    assert findings.returncode == 1, findings.stderr  # errors without a fix remain
    assert (tmp_path / "findings.csv").read_text(encoding="utf-8").count("\n") > 20
    # redirected from a file, /dev/stdin is that file: read twice, rewritten
    with SAMPLE.open("rb") as stdin:
        redirected = subprocess.run(
            [*command, "--csv", "fixed.csv"], stdin=stdin, capture_output=True, cwd=tmp_path
        )
    assert redirected.returncode == 1, redirected.stderr
    assert (tmp_path / "fixed.csv").read_bytes() != data


def test_another_encoding_writes_undefined_bytes_as_read_and_says_so(tmp_path: Path) -> None:
    # 0x81 is no character in cp1252: the check read U+FFFD (F005). Written as UTF-8, it is
    # U+FFFD there too, and the summary says the byte is gone from that file.
    export = tmp_path / "users.csv"
    export.write_bytes(
        b"id;userPrincipalName;givenName;mobilePhone\r\n"
        b"7c9e6679-7425-40de-944b-e07fc1f90ae7;kari@example.com;B\xf8rre\x81;+47 987 65 432\r\n"
    )
    code, out, err = _fix(str(export), "--csv", "fixed.csv", "--encoding", "utf-8-sig")
    assert (code, err) == (0, "")
    assert (tmp_path / "fixed.csv").read_bytes() == (
        "\ufeffid;userPrincipalName;givenName;mobilePhone\r\n"
        "7c9e6679-7425-40de-944b-e07fc1f90ae7;kari@example.com;Børre\ufffd;+4798765432\r\n"
    ).encode()
    assert (
        "fixed.csv: 1 byte(s) that were no text in the export's encoding (F005) are written as "
        "U+FFFD, as the check read them."
    ) in out


# ---- T001: one finding per spelling, a fix for every user who spells it so ------------------

_TITLES = ["Sales manager"] * 5 + ["Sales Manager"] * 2 + ["Sales-Manager"]


def _titles_export(tmp_path: Path) -> Path:
    rows = [
        f"00000000-0000-4000-8000-00000000000{n},u{n}@example.com,U{n},Berg,u{n}@example.com,"
        f"+474123456{n},{title},NO,True"
        for n, title in enumerate(_TITLES, start=1)
    ]
    header = (
        "id,userPrincipalName,givenName,surname,mail,mobilePhone,jobTitle,usageLocation,"
        "accountEnabled"
    )
    text = header + "\n" + "\n".join(rows)
    return _write(tmp_path / "titles.csv", text + "\n")


def test_a_title_spelling_is_fixed_for_every_user_who_spells_it_so(tmp_path: Path) -> None:
    export = _titles_export(tmp_path)
    # The report holds one T001 finding per less common spelling, at its first user.
    report, _ = run_check([str(export)], CheckOptions())
    assert [(f.rule, f.row, f.value, f.fix) for f in report.findings] == [
        ("T001", 6, "Sales Manager", "Sales manager"),
        ("T001", 8, "Sales-Manager", "Sales manager"),
    ]
    outputs = ["--csv", "fixed.csv", "--script", "fix.ps1", "--findings", "findings.csv"]
    code, out, err = _fix(str(export), *outputs, "--fix-level", "probable")
    assert (code, err) == (0, "")
    assert out.splitlines()[:2] == [
        "8 user(s) read; the fixes at --fix-level probable change 3 cell(s) of 3 user(s).",
        "Cells changed by column: jobTitle (3).",
    ]
    fixed = (tmp_path / "fixed.csv").read_text(encoding="utf-8")
    assert fixed == export.read_text(encoding="utf-8").replace(
        ",Sales Manager,", ",Sales manager,"
    ).replace(",Sales-Manager,", ",Sales manager,")
    script = (tmp_path / "fix.ps1").read_text(encoding="utf-8-sig")
    assert [line for line in script.splitlines() if line.startswith("Update-MgUser")] == [
        f"Update-MgUser -UserId '00000000-0000-4000-8000-00000000000{n}' "
        "-JobTitle 'Sales manager' -WhatIf:$WhatIf"
        for n in (6, 7, 8)
    ]
    # The findings CSV is the report: one row per spelling, its fix for all of its users.
    with open(tmp_path / "findings.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["rule"], r["row"], r["value"], r["fix"]) for r in rows] == [
        ("T001", "6", "Sales Manager", "Sales manager"),
        ("T001", "8", "Sales-Manager", "Sales manager"),
    ]
    again, _ = run_check([str(tmp_path / "fixed.csv")], CheckOptions())
    assert again.findings == []


def test_a_title_spelling_left_at_certain_is_named_in_each_users_block(tmp_path: Path) -> None:
    export = _titles_export(tmp_path)
    # T001 as an error: its two findings (two spellings) are two errors, however many users
    (tmp_path / "motiscim.yaml").write_text("rules:\n  severity: {T001: error}\n")
    code, out, err = _fix(str(export), "--script", "fix.ps1")
    assert (code, err) == (1, "")
    assert out.splitlines()[:3] == [
        "8 user(s) read; the fixes at --fix-level certain change 0 cell(s) of 0 user(s).",
        "--fix-level probable would change 3 more cell(s) of 3 user(s): country codes "
        "completed, mojibake repaired.",
        "2 error(s) have no fix at this level: see the findings.",
    ]
    script = (tmp_path / "fix.ps1").read_text(encoding="utf-8-sig")
    blocks = [line.split(":")[0] for line in script.splitlines() if line.startswith("# Row ")]
    assert blocks == ["# Row 6 (line 7)", "# Row 7 (line 8)", "# Row 8 (line 9)"]
    assert script.count("#   Not fixed: T001 error, jobTitle: ") == 3


def test_a_title_spelling_under_a_reviewed_exception_is_left_alone(tmp_path: Path) -> None:
    export = _titles_export(tmp_path)
    (tmp_path / "motiscim.yaml").write_text(
        "exceptions:\n"
        "  - user: u6@example.com\n"
        "    rules: [T001]\n"
        "    reason: Sales Manager is the title on contracts (HR-12)\n"
    )
    code, out, err = _fix(str(export), "--csv", "fixed.csv", "--fix-level", "probable")
    assert (code, err) == (0, "")
    assert out.splitlines()[:2] == [
        "8 user(s) read; the fixes at --fix-level probable change 1 cell(s) of 1 user(s).",
        "Cells changed by column: jobTitle (1).",
    ]
    fixed = (tmp_path / "fixed.csv").read_text(encoding="utf-8")
    assert fixed == export.read_text(encoding="utf-8").replace(",Sales-Manager,", ",Sales manager,")


def test_a_get_aduser_export_is_changed_in_ad_not_through_graph(tmp_path: Path) -> None:
    # Its ObjectGUID is not the Entra objectId: the script called Update-MgUser with it (not
    # found) and changed nothing where the data lives.
    sample = Path(__file__).resolve().parent.parent / "sample_exports" / "adsi-users.csv"
    code, _, err = _fix(str(sample), "--script", "s.ps1", "--fix-level", "probable")
    assert code == 0, err
    script = (tmp_path / "s.ps1").read_text(encoding="utf-8-sig")
    assert "Update-MgUser" not in script.split("Connect-MgGraph")[1]
    assert "all are treated as cloud users" not in script
    assert "# Row 1 (line 2): kari.nordmann@example.com — synced from on-premises AD" in script
    assert "$account | Set-ADUser -MobilePhone '+4741234567' -WhatIf:$WhatIf" in script
