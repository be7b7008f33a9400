"""The nasty-input corpus: files a person can save by mistake, as real bytes.

`NASTY` maps a file name to a function that returns its bytes. The tests write them into a
temporary directory (`tests/test_nasty_inputs.py`); the fuzzer uses them as seeds:

    python tests/nasty/make_nasty.py DIRECTORY     # write every file into DIRECTORY
"""

from __future__ import annotations

import io
import json
import random
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

HEADER = (
    "userPrincipalName,id,givenName,surname,mail,mobilePhone,jobTitle,accountEnabled,usageLocation"
)
ROWS = (
    "kari@example.com,0f8fad5b-d9cb-469f-a165-70867728950e,Kari,Nordmann,kari@example.com,"
    "+4791234567,Engineer,True,NO",
    "ola@example.com,7c9e6679-7425-40de-944b-e07fc1f90ae7,Ola,Hansen,ola@example.com,"
    "+4791234568,Engineer,True,NO",
    "ase@example.com,16fd2706-8baf-433b-82eb-8c7fada847da,Åse,Berg,ase@example.com,"
    "+4791234569,Engineer,True,NO",
)
GRAPH_USER = {
    "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
    "userPrincipalName": "kari@example.com",
    "givenName": "Kari",
    "surname": "Nordmann",
    "mail": "kari@example.com",
    "mobilePhone": "+4791234567",
    "jobTitle": "Engineer",
    "accountEnabled": True,
    "usageLocation": "NO",
}
GRAPH_ERROR = {
    "error": {
        "code": "Authorization_RequestDenied",
        "message": "Insufficient privileges to complete the operation.",
    }
}


def good_csv(newline: str = "\r\n") -> bytes:
    return newline.join([HEADER, *ROWS, ""]).encode()


def _zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def xlsx() -> bytes:
    """The parts every .xlsx has, in the order Excel writes them."""
    return _zip(
        {
            "[Content_Types].xml": '<?xml version="1.0"?><Types/>',
            "_rels/.rels": '<?xml version="1.0"?><Relationships/>',
            "xl/workbook.xml": '<?xml version="1.0"?><workbook/>',
            "xl/worksheets/sheet1.xml": '<?xml version="1.0"?><worksheet/>',
        }
    )


def mixed_line_endings() -> bytes:
    return (HEADER + "\r\n" + ROWS[0] + "\n" + ROWS[1] + "\r" + ROWS[2] + "\r\n").encode()


def unterminated_quote() -> bytes:
    return (HEADER + "\n" + ROWS[0] + "\n" + '"' + ROWS[1] + "\n" + ROWS[2] + "\n").encode()


def unquoted_line_break() -> bytes:
    """The portal download does not quote: a job title with a line break in it."""
    broken = ROWS[1].replace(",Engineer,", ",Head of\nSales,")
    return "\n".join([HEADER, ROWS[0], broken, ROWS[2], ""]).encode()


def concatenated_exports() -> bytes:
    """`cat a.csv b.csv` of two downloads, each with a UTF-8 BOM and CRLF line ends."""
    first = "\r\n".join([HEADER, ROWS[0], ROWS[1], ""])
    second = "\r\n".join([HEADER, ROWS[2], ""])
    return b"\xef\xbb\xbf" + first.encode() + b"\xef\xbb\xbf" + second.encode()


def graph_first_page_only() -> bytes:
    """Only the first response of a paged Graph call was saved: it still has a nextLink."""
    users = [
        dict(GRAPH_USER),
        {
            **GRAPH_USER,
            "id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
            "userPrincipalName": "ola@example.com",
            "mail": "ola@example.com",
        },
    ]
    page = {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users",
        "value": users,
        "@odata.nextLink": "https://graph.microsoft.com/v1.0/users?$top=2&$skiptoken=RFNwdAIAAQ",
    }
    return json.dumps(page, indent=2).encode()


def json_lines_with_nulls() -> bytes:
    ola = {
        **GRAPH_USER,
        "id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        "userPrincipalName": "ola@example.com",
        "mail": "ola@example.com",
    }
    lines = ["null", json.dumps(GRAPH_USER), "null", "42", json.dumps(ola)]
    return ("\n".join(lines) + "\n").encode()


def duplicate_and_blank_headers() -> bytes:
    header = HEADER + ",mail,,"
    return "\n".join([header, *(row + ",other@example.com,," for row in ROWS), ""]).encode()


def thousand_columns() -> bytes:
    extra = [f"extension_{i}" for i in range(1000 - HEADER.count(",") - 1)]
    header = ",".join([HEADER, *extra])
    rows = [",".join([row, *("x" for _ in extra)]) for row in ROWS]
    return "\n".join([header, *rows, ""]).encode()


def deeply_nested(levels: int = 100_000) -> bytes:
    return b"[" * levels + b"]" * levels


def deeply_nested_in_page(levels: int = 100_000) -> bytes:
    user = json.dumps(GRAPH_USER).encode()
    return b'{"value": [' + user + b", " + b"[" * levels + b"]" * levels + b"]}"


def graph_page(users: list[dict] | None = None) -> bytes:
    return json.dumps({"value": users if users is not None else [GRAPH_USER]}).encode()


NASTY: dict[str, Callable[[], bytes]] = {
    "empty.csv": lambda: b"",
    "header-only.csv": lambda: (HEADER + "\r\n").encode(),
    "workbook.csv": xlsx,
    "archive.csv": lambda: _zip({"users.csv": good_csv().decode()}),
    "document.csv": lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
    "one-line.csv": lambda: b"a" * (10 * 1024 * 1024),
    "nul.csv": lambda: good_csv().replace(b"Kari,", b"Ka\x00\x00ri,"),
    "random.csv": lambda: random.Random(4).randbytes(4096),
    "mixed-endings.csv": mixed_line_endings,
    "unterminated-quote.csv": unterminated_quote,
    "unquoted-line-break.csv": unquoted_line_break,
    "concatenated.csv": concatenated_exports,
    "duplicate-headers.csv": duplicate_and_blank_headers,
    "thousand-columns.csv": thousand_columns,
    "utf16-no-bom.csv": lambda: good_csv().decode().encode("utf-16-le"),
    "utf16be-no-bom.csv": lambda: good_csv().decode().encode("utf-16-be"),
    "deep.json": deeply_nested,
    "deep-in-page.json": deeply_nested_in_page,
    "bom.json": lambda: b"\xef\xbb\xbf" + graph_page(),
    "graph-first-page-only.json": graph_first_page_only,
    "nulls.jsonl": json_lines_with_nulls,
    "graph-error.json": lambda: json.dumps(GRAPH_ERROR).encode(),
    "graph-no-value.json": lambda: json.dumps(
        {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users"}
    ).encode(),
}


def write_corpus(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, make in NASTY.items():
        path = directory / name
        path.write_bytes(make())
        written.append(path)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tests/nasty/make_nasty.py DIRECTORY")
    for path in write_corpus(Path(sys.argv[1])):
        print(path)
