"""CSV exports: the Entra admin center download, PowerShell `Export-Csv`, and their Excel copies.

Streaming: the file is decoded by an `io.TextIOWrapper` and split by `csv.reader`, one row at a
time; nothing but the header and a few counters is kept.

Positions: `row` counts the user records (1-based, blank lines are not records); `line` is the
physical line where the record starts, counting a `#TYPE` or `sep=` line before the header and
the line breaks inside quoted values (a quoted multi-line street address makes the next record
start two lines later).

Malformed rows (F004): a row whose field count differs from the header, or an opening quote
that swallows the following lines, is still yielded as a record, with `malformed` set and
`values` empty so that no rule judges misaligned fields. Its UPN and object ID are filled only
when they can be told reliably: the cells are lined up with the header from the left (right
for the fields before a stray comma) and from the right (right for the fields after it); a
value is used when exactly one of the two lines-ups gives a plausible one (an address with `@`
for the UPN, a GUID for the object ID).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping
from itertools import chain
from typing import BinaryIO

from checks.model import MOTIMATE_ATTRIBUTES, Finding, UserRecord
from checks.rules.file import (
    f004_malformed_row,
    oversized_value_issue,
    unclosed_quote_issue,
)
from motiscim_cli.loaders.columns import ColumnMap, detect_csv_format, resolve_columns
from motiscim_cli.loaders.observe import FileObserver, truthy
from motiscim_cli.loaders.sniff import Encoding, NotAnExport

_DELIMITERS = (",", ";", "\t")
_QUOTED = re.compile(r'"[^"]*"')
# Excel's delimiter hint, possibly quoted or padded with delimiters by a later save.
_SEP_LINE = re.compile(r'"?sep=([^"\r\n])"?[,;\t]*', re.IGNORECASE)
_GUID = re.compile(
    r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$"
)


def sniff_delimiter(header_line: str) -> str:
    """The delimiter that splits the header line most often (outside quotes); ',' on a tie."""
    bare = _QUOTED.sub("", header_line)
    counts = {delimiter: bare.count(delimiter) for delimiter in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


class CsvRow(Mapping[str, str]):
    """The raw row, by header, without building a dict per row: shared header index + cells."""

    __slots__ = ("_cells", "_index")

    def __init__(self, index: Mapping[str, int], cells: list[str]) -> None:
        self._index = index
        self._cells = cells

    def __getitem__(self, header: str) -> str:
        position = self._index[header]
        if position >= len(self._cells):
            raise KeyError(header)
        return self._cells[position]

    def __iter__(self) -> Iterator[str]:
        return (h for h, i in self._index.items() if i < len(self._cells))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    @property
    def cells(self) -> list[str]:
        return self._cells


class CsvExport:
    """One CSV export being read. Construct, then iterate `records()` once."""

    def __init__(
        self,
        path: str,
        handle: BinaryIO,
        encoding: Encoding,
        *,
        format_override: str | None,
        overrides: Mapping[str, str],
    ) -> None:
        self.path = path
        self._handle = handle
        handle.seek(encoding.skip)
        self._text = io.TextIOWrapper(
            handle, encoding=encoding.codec, errors=encoding.errors, newline=""
        )
        preamble, type_line, delimiter, header_line = self._read_preamble()
        if header_line is None:
            raise NotAnExport("the file contains no data (only blank lines)")
        self.delimiter = delimiter or sniff_delimiter(header_line)
        self._reader = csv.reader(chain([header_line], self._text), delimiter=self.delimiter)
        self._base = preamble  # physical lines before the header
        self.header_line_number = preamble + 1
        try:
            header = next(self._reader)
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                raise NotAnExport(
                    f"the first line holds a value longer than {csv.field_size_limit():,} "
                    "characters, which no export header has: is it the right file?"
                ) from None
            raise NotAnExport(f"the header row cannot be read as CSV ({error})") from None
        # A BOM inside a header cell (a BOM'd file saved again with a BOM) is never meant.
        self.header = header = [cell.replace("\ufeff", "") for cell in header]
        self.map: ColumnMap = resolve_columns(header, overrides)
        self.format = format_override or detect_csv_format(header, type_line)
        if not self.map.recognised:
            raise NotAnExport(
                "none of its headers is a user attribute motiscim knows (userPrincipalName, id or "
                "objectId, mail, mobile …): is it the right file? Name the columns with --column "
                "ATTRIBUTE=HEADER"
            )
        self.encoding_label = encoding.label
        self.columns = self.map.columns  # shared with every record and SourceInfo
        self.observer = FileObserver(path, self.delimiter)
        self.observer.track_attributes(self.map.value_index)
        rows = self._generate()
        first = next(rows, None)
        if first is None:
            raise NotAnExport("the file has a header row but no users under it")
        self._rows: Iterator[UserRecord] = chain([first], rows)

    def _read_preamble(self) -> tuple[int, str | None, str | None, str | None]:
        """Skip blank lines, PowerShell's `#TYPE` line and Excel's `sep=` line before the header."""
        preamble, type_line, delimiter = 0, None, None
        while line := self._text.readline():
            bare = line.rstrip("\r\n").lstrip("\ufeff")
            sep = _SEP_LINE.fullmatch(bare)
            if not bare.strip():
                preamble += 1
            elif bare.lstrip().lower().startswith("#type"):
                type_line = bare.strip()
                preamble += 1
            elif sep is not None:
                delimiter = sep.group(1)
                preamble += 1
            else:
                return preamble, type_line, delimiter, line
        return preamble, type_line, delimiter, None

    # ---- records ---------------------------------------------------------------------------

    def records(self) -> Iterator[UserRecord]:
        return self._rows

    def _generate(self) -> Iterator[UserRecord]:
        path, reader, base, observer = self.path, self._reader, self._base, self.observer
        expected = len(self.header)
        columns = self.map.columns
        plan = [(a, self.map.value_index.get(a, -1)) for a in MOTIMATE_ATTRIBUTES]
        context = self.map.context_index
        upn_at = context.get("user_principal_name", -1)
        id_at = context.get("object_id", -1)
        enabled_at = context.get("account_enabled", -1)
        blocked_at = context.get("account_blocked", -1)
        type_at = context.get("user_type", -1)
        usage_at = context.get("usage_location", -1)
        country_at = context.get("country", -1)
        synced_at = context.get("directory_synced", -1)
        lossy_at = self.map.lossy_index
        header_index = self.map.header_index
        row = 0
        next_line = base + reader.line_num + 1
        while True:
            start = next_line
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                end = base + reader.line_num
                next_line = end + 1
                row += 1
                if "field larger than field limit" in str(error):
                    reason = oversized_value_issue(start, end, csv.field_size_limit()).message
                else:
                    reason = (
                        f"The row cannot be read as CSV ({error}). Its fields were not checked."
                    )
                yield UserRecord(
                    source=path, row=row, line=start, columns=columns, malformed=reason
                )
                continue
            end = base + reader.line_num
            next_line = end + 1
            if not cells or (not cells[0].strip() and not "".join(cells).strip()):
                continue  # blank lines and Excel's empty ';;;;' rows are not users
            row += 1
            if len(cells) != expected or (
                end > start and self._swallowing_cell(cells, start, end, expected) is not None
            ):
                yield self._malformed(cells, row, start, end, expected)
                continue
            values = {a: (cells[i] or None) if i >= 0 else None for a, i in plan}
            enabled = truthy(cells[enabled_at]) if enabled_at >= 0 else None
            if enabled is None and blocked_at >= 0:
                blocked = truthy(cells[blocked_at])
                enabled = None if blocked is None else not blocked
            synced = truthy(cells[synced_at]) if synced_at >= 0 else None
            record = UserRecord(
                source=path,
                row=row,
                line=start,
                values=values,
                user_principal_name=(cells[upn_at] or None) if upn_at >= 0 else None,
                object_id=(cells[id_at] or None) if id_at >= 0 else None,
                account_enabled=enabled,
                user_type=(cells[type_at] or None) if type_at >= 0 else None,
                usage_location=(cells[usage_at] or None) if usage_at >= 0 else None,
                country=(cells[country_at] or None) if country_at >= 0 else None,
                directory_synced=synced,
                columns=columns,
                raw=CsvRow(header_index, cells),
            )
            observer.aligned(values)
            observer.lossy([cells[i] for i in lossy_at], cells, start)
            yield record

    def _malformed(
        self, cells: list[str], row: int, start: int, end: int, expected: int
    ) -> UserRecord:
        swallowed = self._swallowing_cell(cells, start, end, expected)
        if swallowed is not None:
            reason = unclosed_quote_issue(start, end).message
        else:
            reason = f004_malformed_row(len(cells), expected, self.delimiter).message
        context = self.map.context_index
        upn = object_id = None
        for name, plausible in (
            ("user_principal_name", _looks_like_upn),
            ("object_id", _looks_like_guid),
        ):
            index = context.get(name)
            if index is None:
                continue
            if swallowed is None:
                value = _aligned(cells, expected, index, plausible)
            else:  # cells before the runaway quote are still in place
                value = cells[index] if index < swallowed and plausible(cells[index]) else None
            if name == "user_principal_name":
                upn = value
            else:
                object_id = value
        self.observer.lossy((), cells, start)
        return UserRecord(
            source=self.path,
            row=row,
            line=start,
            values={},
            user_principal_name=upn,
            object_id=object_id,
            columns=self.map.columns,
            malformed=reason,
            raw=CsvRow(self.map.header_index, cells),
        )

    def _swallowing_cell(self, cells: list[str], start: int, end: int, expected: int) -> int | None:
        """The index of a quoted value that ran on over whole rows, if the row has one.

        A quoted value may hold line breaks (a street address); one whose later lines carry
        as many delimiters as a row does, or a row with the wrong field count that spans
        lines, is an opening quote that was never closed.
        """
        if end <= start:
            return None
        for index, cell in enumerate(cells):
            if "\n" not in cell and "\r" not in cell:
                continue
            later = cell.splitlines()[1:]
            if len(cells) != expected or any(
                line.count(self.delimiter) >= expected - 1 for line in later
            ):
                return index
        return None

    # ---- file findings ---------------------------------------------------------------------

    def file_findings(self) -> list[Finding]:
        duplicates = [
            (self.header[indices[0]], indices) for indices in self.map.duplicates.values()
        ]
        return self.observer.findings(
            self.map.columns,
            self.map.overrides,
            duplicates,
            header_line=self.header_line_number,
        )

    def close(self) -> None:
        self._text.close()


def _aligned(
    cells: list[str], expected: int, index: int, plausible: Callable[[str], bool]
) -> str | None:
    """The cell for header position `index` when the left and right line-ups agree on one."""
    shift = len(cells) - expected
    candidates = []
    for position in (index, index + shift):
        if 0 <= position < len(cells) and plausible(cells[position]):
            candidates.append(cells[position])
    distinct = set(candidates)
    return distinct.pop() if len(distinct) == 1 else None


def _looks_like_upn(text: str) -> bool:
    return text.count("@") == 1 and not any(c.isspace() for c in text) and len(text) < 256


def _looks_like_guid(text: str) -> bool:
    return _GUID.match(text) is not None
