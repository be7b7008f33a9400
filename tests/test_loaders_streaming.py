"""The JSON scanner reads in chunks: whatever the chunk size, it must see exactly the users,
pointers and lines that parsing the whole text at once gives."""

from __future__ import annotations

import io
import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from motiscim_cli.loaders import open_export
from motiscim_cli.loaders.json_export import _Scanner

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    _text,
)
_user = st.fixed_dictionaries(
    {"id": _text, "userPrincipalName": _text},
    optional={"mobilePhone": _scalar, "businessPhones": st.lists(_text, max_size=2)},
)
_page = st.fixed_dictionaries(
    {"value": st.lists(_user, max_size=4)},
    optional={"@odata.context": _text, "@odata.nextLink": _text},
)


def _expected(documents: list[object]) -> list[tuple]:
    """(pointer, user) for each user, from the documents as Python objects."""
    expected = []
    for document in documents:
        if isinstance(document, list):
            for p, page in enumerate(document):
                expected += [(f"/{p}/value/{i}", u) for i, u in enumerate(page["value"])]
        else:
            expected += [(f"/value/{i}", u) for i, u in enumerate(document["value"])]  # type: ignore[index]
    return expected


def _numbers_as_text(value: object) -> object:
    # the scanner keeps numbers as their JSON text: compare against json.loads doing the same
    return json.loads(json.dumps(value), parse_int=str, parse_float=str)


@settings(max_examples=150, deadline=None)
@given(
    documents=st.lists(st.one_of(_page, st.lists(_page, min_size=1, max_size=3)), min_size=1),
    chunk=st.integers(1, 40),
    indent=st.sampled_from([None, 1, 2]),
    separator=st.sampled_from(["", "\n", "\r\n\r\n", " "]),
)
def test_chunked_scan_equals_whole_parse(
    documents: list[object], chunk: int, indent: int | None, separator: str
) -> None:
    text = separator.join(json.dumps(d, indent=indent, ensure_ascii=False) for d in documents)
    scanner = _Scanner(io.StringIO(text), chunk=chunk)
    items = list(scanner.items())
    assert all(item.kind == "user" for item in items)
    got = [(item.pointer, item.value) for item in items]
    want = [(p, _numbers_as_text(u)) for p, u in _expected(documents)]
    assert got == want
    # every reported line holds the '{' that opens that user
    lines = text.split("\n")
    for item in items:
        assert "{" in lines[item.line - 1]


@settings(max_examples=60, deadline=None)
@given(users=st.lists(_user, min_size=1, max_size=8), chunk=st.integers(1, 30))
def test_chunked_json_lines(users: list[dict], chunk: int) -> None:
    text = "\n".join(json.dumps(u, ensure_ascii=False) for u in users) + "\n"
    items = list(_Scanner(io.StringIO(text), chunk=chunk).items())
    # a user without user-like properties would be a problem document; all have id/UPN here
    assert [(i.pointer, i.line, i.document) for i in items] == [
        ("", n + 1, True) for n in range(len(users))
    ]
    assert [i.value for i in items] == [_numbers_as_text(u) for u in users]


def test_a_large_page_streams_with_lines(tmp_path: Path) -> None:
    users = [
        {"id": f"id-{n}", "userPrincipalName": f"u{n}@example.com", "mobilePhone": f"+4741{n:06d}"}
        for n in range(30_000)
    ]
    text = json.dumps({"@odata.context": "x", "value": users}, indent=2)
    path = tmp_path / "big.json"
    path.write_text(text, encoding="utf-8")
    export = open_export(str(path))
    count = 0
    last = None
    for record in export.records():
        count += 1
        last = record
    assert count == export.info.records == 30_000
    assert last is not None and last.pointer == "/value/29999"
    assert text.split("\n")[last.line - 1] == "    {"
    assert last.values["phone_number"] == "+4741029999"
