"""Property-based tests: whatever bytes a file holds, `motiscim check FILE --format json` answers
with a valid report (exit 0/1) or one `motiscim: cannot read` line (exit 2), never a traceback,
and every user it read is accounted for in the report.

Runs in-process through Typer's CliRunner with `catch_exceptions=False`, so any exception fails
the example that raised it. Hypothesis shrinks a failure to a small file; keep it as a test in
`tests/test_fuzz_regressions.py`.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from motiscim_cli.app import app
from motiscim_cli.loaders import open_export
from motiscim_cli.loaders.observe import CONTROL
from motiscim_cli.loaders.sniff import CONTROL_BYTES, HEAD_BYTES
from tests.nasty.make_nasty import GRAPH_USER, HEADER

SCHEMA = json.loads(
    (
        Path(__file__).resolve().parent.parent / "motiscim_cli/schemas/report-v1.schema.json"
    ).read_text(encoding="utf-8")
)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
COMMON = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


def check_answers(path: Path) -> dict[str, Any] | None:
    """Run the CLI on `path`; assert the contract; the report, or None when unreadable."""
    config = path.parent / "motiscim.yaml"  # empty settings: no developer's file is read
    config.write_text("", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["check", str(path), "--format", "json", "--config", str(config)],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code in (0, 1, 2), result.output
    report = json.loads(result.stdout)
    VALIDATOR.validate(report)
    if result.exit_code == 2:
        lines = result.stderr.splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith(f"motiscim: cannot read {path}: ")
        assert report["summary"]["users"] == 0
        assert [f["rule"] for f in report["findings"]] == ["F001"]
        return None
    assert result.stderr == ""
    assert_accounted(path, report)
    return report


def assert_accounted(path: Path, report: dict[str, Any]) -> None:
    """Users read = users in the report; every malformed record is an F004 finding at its row."""
    with open_export(str(path)) as export:
        records = list(export.records())
    assert report["summary"]["users"] == len(records) == report["sources"][0]["records"]
    assert [r.row for r in records] == list(range(1, len(records) + 1))
    f004_rows = {f["row"] for f in report["findings"] if f["rule"] == "F004"}
    assert {r.row for r in records if r.malformed} <= f004_rows
    assert report["summary"]["by_rule"] == dict(Counter(f["rule"] for f in report["findings"]))


# ---- any bytes ---------------------------------------------------------------------------------

PREFIXES = [
    b"",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xfe\xff",
    HEADER.encode() + b"\n",
    b'{"value": [',
    b"[",
    b"#TYPE Microsoft.Graph.PowerShell.Models.MicrosoftGraphUser\n",
    b"sep=;\n",
    b"PK\x03\x04",
]


@settings(COMMON, max_examples=200)
@given(prefix=st.sampled_from(PREFIXES), body=st.binary(max_size=2048))
def test_any_bytes_give_a_report_or_one_line(tmp_path: Path, prefix: bytes, body: bytes) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(prefix + body)
    check_answers(path)


# ---- CSV from a real header with hostile cells -------------------------------------------------

COLUMNS = HEADER.split(",")
HOSTILE = st.text(
    alphabet=st.one_of(
        st.sampled_from(['"', ",", ";", "\t", "\n", "\r", " ", "\x00", "\ufeff", "@", "+"]),
        st.characters(exclude_categories=("Cs",)),
    ),
    max_size=24,
)


def csv_line(cells: list[str], delimiter: str) -> str:
    """Quote as RFC 4180 and Excel do: any cell with a delimiter, quote, CR or LF.

    (`csv.writer` leaves a lone CR unquoted when the line terminator is LF, which no reader
    can read back.)"""
    special = (delimiter, '"', "\r", "\n")
    return delimiter.join(
        '"' + cell.replace('"', '""') + '"' if any(c in cell for c in special) else cell
        for cell in cells
    )


@settings(COMMON, max_examples=150)
@given(
    rows=st.lists(st.lists(HOSTILE, min_size=len(COLUMNS), max_size=len(COLUMNS)), max_size=12),
    delimiter=st.sampled_from([",", ";", "\t"]),
    newline=st.sampled_from(["\r\n", "\n"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_csv_with_hostile_cells(
    tmp_path: Path, rows: list[list[str]], delimiter: str, newline: str, encoding: str
) -> None:
    text = "".join(csv_line(row, delimiter) + newline for row in [COLUMNS, *rows])
    path = tmp_path / "users.csv"
    path.write_bytes(text.encode(encoding))
    users = [row for row in rows if "".join(row).strip()]  # blank rows are not users
    head = path.read_bytes()[:HEAD_BYTES]
    controls = sum(head.count(byte) for byte in CONTROL_BYTES)
    report = check_answers(path)
    if report is None:
        # Only these two are refusals: nothing but blank rows, or text (not UTF-16) that is
        # more NUL and other control bytes than a few damaged cells: a binary file.
        assert not users or (
            encoding != "utf-16" and b"\x00" in head and controls > max(16, len(head) // 64)
        )
        return
    assert report["summary"]["users"] == len(users)
    with open_export(str(path)) as export:
        records = list(export.records())
    for record, written in zip(records, users, strict=True):
        # Valid quoting is never taken for a stray quote: a quoted value that ends in a line
        # break or holds a row's worth of delimiters is checked against the row's own lines.
        # A cell with a NUL or another control character (every column here is read) makes
        # its row F004: damaged bytes are not checked as values.
        if any(CONTROL.search(cell) for cell in written):
            assert record.malformed is not None
            assert record.malformed.startswith("This row holds a ")
        else:
            assert record.malformed is None, (record.malformed, written)
        assert record.raw is not None
        cells = [record.raw[column] for column in COLUMNS]
        assert cells == written


# ---- Graph JSON pages --------------------------------------------------------------------------

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=16),  # lone surrogates included: "\ud83d", half an emoji
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
PROPERTIES = st.sampled_from([*GRAPH_USER, "businessPhones", "otherMails", "value", "error"])
USERS = st.dictionaries(PROPERTIES | st.text(max_size=10), JSON_VALUES, max_size=8).map(
    lambda user: {"id": "0f8fad5b-d9cb-469f-a165-70867728950e", **user}
)
ELEMENTS = st.one_of(USERS, USERS, USERS, SCALARS)
PAGES = st.lists(st.lists(ELEMENTS, max_size=5), min_size=1, max_size=4)


def _control_in(user: dict[str, Any]) -> bool:
    """A string value (or a list's first element, which the loader reads) holds a control
    character."""
    for value in user.values():
        while isinstance(value, list) and value:
            value = value[0]
        if isinstance(value, str) and CONTROL.search(value):
            return True
    return False


def _control_id(user: dict[str, Any]) -> bool:
    return isinstance(user.get("id"), str) and CONTROL.search(user["id"]) is not None


def page(elements: list[Any], last: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users"}
    body["value"] = elements
    if not last:
        body["@odata.nextLink"] = "https://graph.microsoft.com/v1.0/users?$skiptoken=X"
    return body


@settings(COMMON, max_examples=150)
@given(
    pages=PAGES,
    layout=st.sampled_from(["one", "concatenated", "array", "lines"]),
    ascii_only=st.booleans(),
    indent=st.sampled_from([None, 2]),
    bom=st.booleans(),
)
def test_graph_pages(
    tmp_path: Path,
    pages: list[list[Any]],
    layout: str,
    ascii_only: bool,
    indent: int | None,
    bom: bool,
) -> None:
    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=ascii_only, indent=indent)

    bodies = [page(p, i == len(pages) - 1) for i, p in enumerate(pages)]
    if layout == "one":
        bodies = [page([e for p in pages for e in p], True)]
        text = dump(bodies[0])
    elif layout == "concatenated":
        text = "\n".join(dump(b) for b in bodies)
    else:
        text = dump(bodies)
    elements = [e for p in pages for e in p]
    if layout == "lines":
        elements = [e for e in elements if isinstance(e, dict)]
        text = "\n".join(json.dumps(e, ensure_ascii=ascii_only) for e in elements)
    path = tmp_path / "users.json"
    # surrogatepass: a lone surrogate written raw (ensure_ascii=False) is invalid UTF-8 too
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8", "surrogatepass"))
    report = check_answers(path)
    if report is None:
        assert not elements or not isinstance(elements[0], dict)
        return
    assert report["summary"]["users"] == len(elements)
    malformed = {i + 1 for i, e in enumerate(elements) if not isinstance(e, dict)}
    # A user whose values hold a control character (`"id": "\u0007"`) is F004 when the loader
    # reads that property: always for `id`, maybe for the others (it depends on the mapping).
    damaged = {i + 1 for i, e in enumerate(elements) if isinstance(e, dict) and _control_in(e)}
    surely = {i + 1 for i, e in enumerate(elements) if isinstance(e, dict) and _control_id(e)}
    f004_rows = {f["row"] for f in report["findings"] if f["rule"] == "F004"}
    assert malformed | surely <= f004_rows <= malformed | damaged
