"""A UTF-8 export with some Windows-1252 lines (two exports joined, a row typed in an ANSI
editor), on real bytes: read as UTF-8 with each stray byte as Windows-1252, and F009 names the
lines. Before, one such byte made the whole file cp1252, and every UTF-8 `ø` read `Ã¸` (N004
on every Norwegian name)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from motiscim_cli.app import app
from motiscim_cli.loaders import open_export
from motiscim_cli.loaders.sniff import _VALIDATE_CHUNK

HEADER = "userPrincipalName,displayName,givenName,surname,mail,mobilePhone,id"


def row(
    number: int, given: str = "Jørgen", surname: str = "Ås", mobile: str = "+4791234567"
) -> str:
    upn = f"user{number}@acme.no"
    guid = f"00000000-0000-4000-8000-{number:012d}"
    return f"{upn},{given} {surname},{given},{surname},{upn},{mobile},{guid}"


def utf8_lines(first: int, count: int) -> bytes:
    return "".join(row(n) + "\r\n" for n in range(first, first + count)).encode()


def check(path: Path, *extra: str) -> tuple[int, dict]:
    result = CliRunner().invoke(app, ["check", str(path), "--format", "json", *extra])
    return result.exit_code, json.loads(result.stdout)


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no motiscim.yaml of the developer's is read


def test_one_windows_1252_row_in_a_utf8_export(tmp_path: Path) -> None:
    ansi = row(9, "Björn", "Møller").encode("cp1252")  # ö = 0xF6, ø = 0xF8
    path = tmp_path / "users.csv"
    path.write_bytes(f"{HEADER}\r\n".encode() + utf8_lines(1, 6) + ansi + b"\r\n")

    with open_export(str(path)) as export:
        names = [(r.line, r.values["first_name"], r.values["last_name"]) for r in export.records()]
        assert export.info.encoding == "utf-8"
    assert names == [(n + 1, "Jørgen", "Ås") for n in range(1, 7)] + [(8, "Björn", "Møller")]

    code, report = check(path)
    assert code == 0  # warnings only
    assert report["sources"][0]["encoding"] == "utf-8"
    found = [(f["rule"], f["row"], f["line"], f["message"]) for f in report["findings"]]
    assert [f for f in found if f[0] not in ("F003",)] == [
        (
            "F009",
            None,
            8,
            "The file is UTF-8 but line 8 holds bytes that are not: Windows-1252 (ANSI) text, "
            "from an export joined to this one or an edit in an ANSI editor. Those bytes were "
            "read as Windows-1252; check that the names on those lines look right, then export "
            "again as UTF-8 in one go.",
        )
    ]


def test_joined_exports_name_the_ansi_lines(tmp_path: Path) -> None:
    # A UTF-8 export of 30 users, then a cp1252 export of 8 with its header (F008). Most of
    # the file is UTF-8 (4 letters a line, against 6 bytes on each ANSI line).
    ansi = f"{HEADER}\r\n" + "".join(row(n, "Åse", "Ødegård") + "\r\n" for n in range(40, 48))
    path = tmp_path / "joined.csv"
    path.write_bytes(f"{HEADER}\r\n".encode() + utf8_lines(1, 30) + ansi.encode("cp1252"))

    code, report = check(path)
    assert code == 0
    assert report["summary"]["users"] == 38
    by_rule = {f["rule"]: f for f in report["findings"] if f["rule"] in ("F008", "F009")}
    assert (by_rule["F008"]["line"], by_rule["F009"]["line"]) == (32, 33)
    assert "8 lines (33, 34, 35, 36, 37 and 3 more) hold bytes" in by_rule["F009"]["message"]
    assert not [f for f in report["findings"] if f["rule"] in ("N004", "F005")]


def test_mostly_windows_1252_stays_cp1252(tmp_path: Path) -> None:
    # The reverse: an ANSI export with one UTF-8 name is read as cp1252, no F009 (that one
    # user's names read `SÃ¸ren`, `Ã…s`, and N004 says so, for each).
    ansi = "".join(row(n, "Åse", "Ødegård") + "\r\n" for n in range(1, 7)).encode("cp1252")
    path = tmp_path / "excel.csv"
    path.write_bytes(f"{HEADER}\r\n".encode() + ansi + row(9, "Søren").encode() + b"\r\n")

    code, report = check(path)
    assert report["sources"][0]["encoding"] == "cp1252"
    rules = [(f["rule"], f["line"]) for f in report["findings"] if f["rule"] != "F003"]
    assert rules == [("N004", 8), ("N004", 8)]
    assert code == 0


def test_lines_are_counted_across_the_scan_chunks(tmp_path: Path) -> None:
    # The encoding scan reads 1 MiB at a time: a UTF-8 letter cut by a chunk boundary is
    # still a letter, and foreign bytes two chunks on keep their right line numbers.
    head = f"{HEADER}\r\n".encode() + utf8_lines(1, 9_725)  # 1 MiB less 420 bytes
    upn = b"user50000@acme.no,"
    padding = _VALIDATE_CHUNK - 1 - len(head) - len(upn)
    assert 0 < padding < 1000
    straddling = upn + b"x" * padding + "ø Ås,Åse,Ås,user50000@acme.no,,".encode()
    straddling += b"00000000-0000-4000-8000-000000050000\r\n"
    assert (head + straddling)[_VALIDATE_CHUNK - 1 : _VALIDATE_CHUNK + 1] == "ø".encode()
    tail = utf8_lines(10_001, 20_000)
    ansi = row(99_999, "Björn").encode("cp1252") + b"\r\n" + row(99_998, "Søren").encode("cp1252")
    data = head + straddling + tail + ansi + b"\r\n"
    assert len(data) > 3 * _VALIDATE_CHUNK
    path = tmp_path / "big.csv"
    path.write_bytes(data)
    first_ansi = (head + straddling + tail).count(b"\n") + 1

    with open_export(str(path)) as export:
        records = list(export.records())
        assert export.info.encoding == "utf-8"
    assert records[9_725].values["first_name"] == "Åse"  # the straddling row, read whole
    assert [r.values["first_name"] for r in records[-2:]] == ["Björn", "Søren"]
    _, report = check(path)
    f009 = [f for f in report["findings"] if f["rule"] == "F009"]
    assert [f["line"] for f in f009] == [first_ansi]
    assert f"2 lines ({first_ansi}, {first_ansi + 1}) hold bytes" in f009[0]["message"]


def test_fix_keeps_the_ansi_bytes_it_does_not_change(tmp_path: Path) -> None:
    ansi = row(9, "Björn", "Møller", mobile="+47 912 34 568").encode("cp1252") + b"\r\n"
    source = f"{HEADER}\r\n".encode() + utf8_lines(1, 3) + ansi
    path = tmp_path / "users.csv"
    path.write_bytes(source)

    result = CliRunner().invoke(app, ["fix", str(path), "--csv", str(tmp_path / "fixed.csv")])
    assert result.exit_code == 0, result.stderr
    fixed = (tmp_path / "fixed.csv").read_bytes()
    assert fixed == source.replace(b"+47 912 34 568", b"+4791234568")


def test_graph_json_with_a_windows_1252_name(tmp_path: Path) -> None:
    users = [
        {
            "id": f"00000000-0000-4000-8000-{n:012d}",
            "userPrincipalName": f"user{n}@acme.no",
            "givenName": "Jørgen",
            "surname": "Ås",
            "mail": f"user{n}@acme.no",
        }
        for n in range(1, 4)
    ]
    text = json.dumps({"value": users}, ensure_ascii=False, indent=1)
    data = text.encode().replace("Ås".encode(), "Ås".encode("cp1252"), 1)
    path = tmp_path / "users.json"
    path.write_bytes(data)
    line = text[: text.index("Ås")].count("\n") + 1

    with open_export(str(path)) as export:
        surnames = [r.values["last_name"] for r in export.records()]
    assert surnames == ["Ås", "Ås", "Ås"]
    _, report = check(path)
    assert [(f["rule"], f["line"]) for f in report["findings"] if f["rule"] == "F009"] == [
        ("F009", line)
    ]


def test_as_many_ansi_bytes_as_utf8_letters_is_read_as_cp1252(tmp_path: Path) -> None:
    # A tie is not "mostly UTF-8": 12 UTF-8 lines of 4 letters, 8 ANSI lines of 6 bytes.
    ansi = "".join(row(n, "Åse", "Ødegård") + "\r\n" for n in range(40, 48)).encode("cp1252")
    path = tmp_path / "tie.csv"
    path.write_bytes(f"{HEADER}\r\n".encode() + utf8_lines(1, 12) + ansi)
    _, report = check(path)
    assert report["sources"][0]["encoding"] == "cp1252"
    assert "F009" not in report["summary"]["by_rule"]


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, _VALIDATE_CHUNK])
def test_scan_agrees_with_a_line_by_line_look(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    # Chunk boundaries anywhere: inside a UTF-8 letter, between a foreign byte and its line
    # break, inside CRLF.
    import io
    import random

    from motiscim_cli.loaders import sniff

    monkeypatch.setattr(sniff, "_VALIDATE_CHUNK", chunk)
    chooser = random.Random(chunk)
    words = ["Jørgen", "Åse", "Ødegård", "Müller", "plain", "", "€5", "naïve"]
    data = b""
    for _ in range(300):
        text = " ".join(chooser.choice(words) for _ in range(chooser.randrange(4)))
        data += text.encode("cp1252" if chooser.random() < 0.2 else "utf-8")
        data += chooser.choice([b"\r\n", b"\n", b"\r"])  # the loaders end lines at each
    data += chooser.choice([b"", "ø".encode("cp1252")])

    def valid(line: bytes) -> bool:
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True

    lines = re.split(rb"\r\n|\r|\n", data)
    foreign = [number for number, line in enumerate(lines, 1) if not valid(line)]
    assert len(foreign) > 20
    assert sniff._foreign_lines(io.BytesIO(data)) == (tuple(foreign[:5]), len(foreign))
    text = data.decode("utf-8", "surrogateescape")
    surrogates = sum(1 for c in text if "\udc80" <= c <= "\udcff")
    assert sniff._utf8_share(io.BytesIO(data)) == (len(data) - len(text), surrogates)


def test_a_bom_promises_utf8_so_stray_bytes_are_read_as_windows_1252(tmp_path: Path) -> None:
    # The portal download has a BOM; joined with ANSI rows it is still UTF-8 (before: U+FFFD
    # and F005 for each ANSI letter).
    ansi = "".join(row(n, "Björn", "Møller") + "\r\n" for n in range(7, 10)).encode("cp1252")
    path = tmp_path / "portal.csv"
    path.write_bytes(b"\xef\xbb\xbf" + f"{HEADER}\r\n".encode() + utf8_lines(1, 2) + ansi)

    with open_export(str(path)) as export:
        names = [r.values["first_name"] for r in export.records()]
        assert export.info.encoding == "utf-8-sig"
    assert names == ["Jørgen", "Jørgen", "Björn", "Björn", "Björn"]
    _, report = check(path)
    found = [(f["rule"], f["line"]) for f in report["findings"] if f["rule"] != "F003"]
    assert found == [("F009", 4)]
    assert "3 lines (4, 5, 6) hold" in report["findings"][-1]["message"]


def test_lines_end_where_the_loader_ends_them(tmp_path: Path) -> None:
    # A bare CR ends a line for the CSV reader too (old Mac files, a CR inside a quoted cell).
    rows = [HEADER, row(1), row(2, "Ola").replace("Ola Ås", '"Ola\rÅs"', 1), row(3), row(4)]
    data = "\r".join(rows[:4]).encode() + b"\r" + rows[4].encode("cp1252") + b"\r"
    path = tmp_path / "mac.csv"
    path.write_bytes(data)

    with open_export(str(path)) as export:
        lines = [r.line for r in export.records()]
    assert lines == [2, 3, 5, 6]  # the quoted CR makes row 2 two lines
    _, report = check(path)
    assert [f["line"] for f in report["findings"] if f["rule"] == "F009"] == [6]


def test_scan_remembers_a_letter_cut_before_an_ascii_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    # A chunk ending with a lead byte (0xD8, cp1252 Ø), an ASCII chunk, then a chunk starting
    # with a continuation byte (0x92, cp1252 ’): not UTF-8. Before, the ASCII chunk was not
    # given to the decoder and the two bytes were taken as one letter: "valid", then a crash.
    import io

    from motiscim_cli.loaders import sniff

    monkeypatch.setattr(sniff, "_VALIDATE_CHUNK", 8)
    data = "abcæd\n".encode() + b"\xd8" + b"ABCDEFGH" + b"\x92s end\n"
    assert sniff._scan(io.BytesIO(data)) == (False, False)
    assert sniff.detect_encoding(io.BytesIO(data), data).label == "cp1252"


def test_fix_with_a_windows_1252_header_line(tmp_path: Path) -> None:
    # The phone column's name holds an ANSI ø: the fix finds it by the name the check read.
    header = HEADER.replace("mobilePhone", "Mobil nø").encode("cp1252")
    source = header + b"\r\n" + utf8_lines(1, 2).replace(b"+4791234567", b"+47 912 34 567")
    path = tmp_path / "users.csv"
    path.write_bytes(source)

    result = CliRunner().invoke(
        app,
        ["fix", str(path), "--column", "phone_number=Mobil nø", "--csv", str(tmp_path / "f.csv")],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "f.csv").read_bytes() == source.replace(b"+47 912 34 567", b"+4791234567")


def test_fix_writes_a_mixed_export_as_clean_utf8(tmp_path: Path) -> None:
    # F009's advice, done by fix: --encoding utf-8-sig writes the ANSI lines as they were read.
    ansi = row(9, "Björn", "Møller", mobile="+47 912 34 568").encode("cp1252") + b"\r\n"
    path = tmp_path / "users.csv"
    path.write_bytes(f"{HEADER}\r\n".encode() + utf8_lines(1, 3) + ansi)

    result = CliRunner().invoke(
        app,
        ["fix", str(path), "--csv", str(tmp_path / "f.csv"), "--encoding", "utf-8-sig"],
    )
    assert result.exit_code == 0, result.output
    expected = f"{HEADER}\r\n" + "".join(row(n) + "\r\n" for n in range(1, 4))
    expected += row(9, "Björn", "Møller", mobile="+4791234568") + "\r\n"
    assert (tmp_path / "f.csv").read_bytes() == b"\xef\xbb\xbf" + expected.encode()
    _, report = check(tmp_path / "f.csv")
    assert "F009" not in report["summary"]["by_rule"]
