"""Export loaders: turn a directory export into a stream of `UserRecord`s, whatever its shape.

```python
export = open_export("users.csv")              # raises UnreadableExport (F001)
for record in export.records():                # every record, malformed ones included (F004)
    ...
findings = export.file_findings()              # F002/F003/F005–F009 once records are read
export.info                                    # SourceInfo: format, encoding, columns …
```

Shapes (`FORMATS`, auto-detected; `format=` overrides):

- `entra-portal-csv` — Entra admin center "Download users", current headers (`id`, `mobilePhone`,
  `directorySynced` …);
- `entra-portal-csv-legacy` — the older download (`objectId`, `mobile`,
  `authenticationPhoneNumber` …);
- `mggraph-csv` — `Get-MgUser | Export-Csv`, with or without the `#TYPE` line;
- `azuread-csv` — `Get-AzureADUser | Export-Csv` (`ObjectId`, `Mobile`);
- `adsi-csv` — on-prem `Get-ADUser | Export-Csv` (`ObjectGUID`, `mobile`, `sn`, `title`);
- `csv` — any other CSV with recognisable columns;
- `graph-json` — Graph `/users`: one page, concatenated pages, an array of pages, a bare array;
- `graph-jsonl` — JSON Lines, one user per line.

Any CSV shape may have been through Excel: `;` or tab delimiter, a `sep=;` first line, cp1252,
UTF-8 with BOM, UTF-16 LE/BE (with a BOM, or without one when the NUL pattern is clear).
See `csv_export` and `json_export` for how rows, lines and pointers are counted, and
`columns` for the default mapping and `--column` overrides.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO, Protocol

from checks.model import Finding, UserRecord
from motiscim_cli.loaders.columns import JSON_FORMATS, SchemaColumn, validate_overrides
from motiscim_cli.loaders.sniff import (
    HEAD_BYTES,
    NotAnExport,
    detect_encoding,
    open_binary,
    refuse_non_export_text,
    refuse_non_text,
)
from motiscim_cli.report import SourceInfo

if TYPE_CHECKING:
    from motiscim_cli.loaders.csv_export import CsvExport

FORMATS: tuple[str, ...] = (
    "entra-portal-csv",
    "entra-portal-csv-legacy",
    "graph-json",
    "graph-jsonl",
    "mggraph-csv",
    "azuread-csv",
    "adsi-csv",
    "csv",
)

__all__ = ["FORMATS", "LoadedExport", "UnreadableExport", "open_export"]


class UnreadableExport(Exception):
    """F001: the file cannot be read as a user export. `str(e)` is one line: the path and why."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = " ".join(reason.split())
        super().__init__(f"{path}: {self.reason}")


class _Reader(Protocol):
    format: str
    encoding_label: str
    delimiter: str | None
    columns: dict[str, str]

    def records(self) -> Iterator[UserRecord]: ...

    def file_findings(self) -> list[Finding]: ...

    def close(self) -> None: ...


@dataclass
class LoadedExport:
    """An opened export: `records()` streams once, after which `file_findings()` is complete."""

    info: SourceInfo
    _reader: _Reader = field(repr=False)
    _started: bool = field(default=False, repr=False)

    def records(self) -> Iterator[UserRecord]:
        """Every record in file order, malformed ones included; `info.records` counts them."""
        if self._started:
            raise RuntimeError("records() can be read once: call open_export() again")
        self._started = True
        return self._stream()

    def _stream(self) -> Iterator[UserRecord]:
        try:
            for record in self._reader.records():
                self.info.records += 1
                yield record
        finally:
            self.info.columns = self._reader.columns  # Graph JSON learns them as it reads
            self._reader.close()

    def file_findings(self) -> list[Finding]:
        """F002/F003/F005–F009 (and F004 for JSON documents that hold no users), by rule code."""
        return self._reader.file_findings()

    def close(self) -> None:
        self._reader.close()

    @property
    def csv_reader(self) -> CsvExport | None:
        """The CSV reader of a CSV export (for motiscim_cli.split), else None."""
        from motiscim_cli.loaders.csv_export import CsvExport

        return self._reader if isinstance(self._reader, CsvExport) else None

    def read_again(self) -> LoadedExport:
        """A CSV export opened anew from its first record, through the same handle (a pipe's
        bytes are in a temporary copy: reopening its path would find it empty); this one is
        then done. For a split the file turned out not to allow (motiscim_cli.split)."""
        from motiscim_cli.loaders.csv_export import CsvExport

        if not isinstance(self._reader, CsvExport):
            raise TypeError("only a CSV export is read again")
        return _loaded(self.info.path, self._reader.again())

    def __enter__(self) -> LoadedExport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_export(
    path: str,
    *,
    format: str | None = None,
    column_overrides: Mapping[str, str] | None = None,
    schema_columns: Mapping[str, SchemaColumn] | None = None,
) -> LoadedExport:
    """Open an export, detect its shape and encoding, and read its header (or first user).

    `schema_columns`: the columns a provisioning schema feeds Motimate attributes from, looked
    for instead of the default mapping's (`column_overrides` still win).

    Raises `UnreadableExport` (F001) when the file is missing, a directory, not text (an Excel
    workbook, a ZIP, a PDF …), empty, a header without users, a Graph error response or not a
    user export at all; `ValueError` for an unknown `format` or a `column_overrides` key that
    is not a Motimate attribute.
    """
    if format is not None and format not in FORMATS:
        raise ValueError(f"unknown export format {format!r}: use one of {', '.join(FORMATS)}")
    overrides = validate_overrides(column_overrides)
    try:
        handle = open_binary(path)
    except NotAnExport as error:
        raise UnreadableExport(path, str(error)) from None
    try:
        reader = _open_reader(path, handle, format, overrides, dict(schema_columns or {}))
    except NotAnExport as error:
        handle.close()
        raise UnreadableExport(path, str(error)) from None
    except BaseException:
        handle.close()
        raise
    return _loaded(path, reader)


def _loaded(path: str, reader: _Reader) -> LoadedExport:
    info = SourceInfo(
        path=path,
        format=reader.format,
        encoding=reader.encoding_label,
        delimiter=reader.delimiter,
        columns=reader.columns,
    )
    return LoadedExport(info=info, _reader=reader)


# A JSON scalar alone on a line: `null`, `true`, `42`, `"x"`.
_JSON_SCALAR_LINE = re.compile(r'\s*(?:null|true|false|-?\d[\d.eE+-]*|"[^"\\]*")\s*')


def _json_lines_after_a_scalar(start: str) -> bool:
    """JSON Lines whose first line is `null` (or another non-object) and a later one a user.

    Without this such a file was read as a CSV with the header `null`, and refused."""
    lines = start.splitlines()[:100]
    if not lines or _JSON_SCALAR_LINE.fullmatch(lines[0]) is None:
        return False
    return any(line.lstrip().startswith("{") for line in lines[1:])


def _open_reader(
    path: str,
    handle: BinaryIO,
    format: str | None,
    overrides: dict[str, str],
    schema: dict[str, SchemaColumn],
) -> _Reader:
    from motiscim_cli.loaders.csv_export import CsvExport
    from motiscim_cli.loaders.json_export import JsonExport

    head = handle.read(HEAD_BYTES)
    handle.seek(0)
    if not head:
        raise NotAnExport("the file is empty (0 bytes): download or export it again")
    refuse_non_text(head)
    encoding = detect_encoding(handle, head)
    head_text = head[encoding.skip :].decode(encoding.codec, errors="replace")
    start = head_text.lstrip("\ufeff \t\r\n\x00")
    if not start:
        raise NotAnExport("the file contains no data (only whitespace)")
    is_json = format in JSON_FORMATS or (
        format is None and (start[0] in "{[" or _json_lines_after_a_scalar(start))
    )
    if not is_json:
        refuse_non_export_text(start)
    if is_json:
        return JsonExport(
            path, handle, encoding, format_override=format, overrides=overrides, schema=schema
        )
    return CsvExport(
        path, handle, encoding, format_override=format, overrides=overrides, schema=schema
    )
