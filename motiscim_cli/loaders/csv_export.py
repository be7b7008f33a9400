"""CSV exports: the Entra admin center download, PowerShell `Export-Csv`, and their Excel copies.

Streaming: the file is decoded by an `io.TextIOWrapper` and split by `csv.reader`, one row at a
time; nothing but the header and a few counters is kept.

Positions: `row` counts the user records (1-based, blank lines are not records); `line` is the
physical line where the record starts, counting a `#TYPE` or `sep=` line before the header and
the line breaks inside quoted values (a quoted multi-line street address makes the next record
start two lines later).

Malformed rows (F004): a row whose field count differs from the header is still yielded as a
record, with `malformed` set and `values` empty so that no rule judges misaligned fields. Its
UPN and object ID are filled only when they can be told reliably: the cells are lined up with
the header from the left (right for the fields before a stray comma) and from the right (right
for the fields after it); a value is used when exactly one of the two lines-ups gives a
plausible one (an address with `@` for the UPN, a GUID for the object ID).

A row whose cells read for a user hold a NUL byte or another control character (C0 other than
tab, LF, CR) is F004 too: damaged bytes, not a value to check. The sniffer's scan of the whole
file says whether any such byte occurs, so clean files are not looked at row by row.

Every user line is accounted for, including the ones a broken row would hide:

- an opening double quote that is never closed swallows the following lines into one value
  (up to the next quote, or to the end of the file, or until the value passes the reader's
  field size limit). Its row is one F004 record; the lines it swallowed are read again on
  their own, from a second pass over the same bytes (`_Lines`), so their users are checked;
- a value longer than csv's field size limit (131 072 characters) whose lines are not rows of
  their own is one F004 record up to the line its quote closes on (or the end of the file):
  a quoted value of a million lines is one row, read a line at a time and never kept, not a
  million phantom users; an unquoted one is "longer than …", not a stray quote;
- a line break inside an unquoted value (the portal download does not quote) cuts one row
  into short ones whose fields add up to the header's: they are one user, one F004 record
  naming the lines, not a user and a phantom one;
- a header row repeated further down (two exports joined with `cat`), in any case or
  spacing, and a PowerShell `#TYPE` or Excel `sep=` line before it, are not users: F008 names
  their lines.

All of this runs only on irregular rows; a well-formed row costs a few tests of its first cell
(is it the first header, or could it be, by its length, `@` and first letter?) and nothing
else.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from itertools import chain, islice
from typing import BinaryIO, Literal, Protocol

from checks.model import MOTIMATE_ATTRIBUTES, Finding, UserRecord
from checks.rules.file import (
    f004_malformed_row,
    f008_repeated_header,
    file_finding,
    glued_header_issue,
    other_header_issue,
    split_row_issue,
    swallowed_lines_issue,
)
from motiscim_cli.loaders.columns import (
    HEADER_NAME_LENGTH,
    HEADER_NAMES,
    ColumnMap,
    SchemaColumn,
    detect_csv_format,
    normalize_header,
    resolve_columns,
)
from motiscim_cli.loaders.observe import (
    FileObserver,
    control_character_message,
    control_characters,
    encoding_findings,
    truthy,
)
from motiscim_cli.loaders.sniff import Encoding, NotAnExport

_DELIMITERS = (",", ";", "\t")
_QUOTED = re.compile(r'"[^"]*"')
# Excel's delimiter hint, possibly quoted or padded with delimiters by a later save.
_SEP_LINE = re.compile(r'"?sep=([^"\r\n])"?[,;\t]*', re.IGNORECASE)
_GUID = re.compile(
    r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$"
)
# How many lines one unquoted value may be cut over before the pieces are not joined.
_SPLIT_PARTS = 6
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # how the reader splits lines (newline="")
_UNSEEN = object()
_FLAG_TEXTS = 64  # distinct accountEnabled-style texts remembered per file


def sniff_delimiter(header_line: str) -> str:
    """The delimiter that splits the header line most often (outside quotes); ',' on a tie."""
    bare = _QUOTED.sub("", header_line)
    counts = {delimiter: bare.count(delimiter) for delimiter in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


_HeaderKind = Literal["same", "other", "preamble", "glued", "glued-other"]  # F008: the line


class _CsvReader(Protocol):
    """What `csv.reader` returns: rows, and how many lines it has read."""

    line_num: int

    def __iter__(self) -> Iterator[list[str]]: ...

    def __next__(self) -> list[str]: ...


class _Rewound(io.RawIOBase):
    """The same file again from `offset`, through the handle the main decoder reads: every read
    moves the handle there and back, so the main stream never notices (also for a pipe, which
    `open_binary` copied to a temporary file)."""

    def __init__(self, handle: BinaryIO, offset: int) -> None:
        self._handle = handle
        self._offset = offset

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        handle = self._handle
        saved = handle.tell()
        try:
            handle.seek(self._offset)
            count = handle.readinto(buffer)  # type: ignore[attr-defined]
        finally:
            handle.seek(saved)
        self._offset += count or 0
        return count or 0


class _Lines:
    """The file's physical lines by number, decoded and split exactly as the main reader does.

    Used only for irregular rows: to read again the lines a broken row swallowed, or to check
    the quoting of a suspect one. Requests never go back to an earlier first line, so one
    forward pass serves them all and only the lines from the last request on are kept."""

    def __init__(self, handle: BinaryIO, encoding: Encoding) -> None:
        self._text = io.TextIOWrapper(
            io.BufferedReader(_Rewound(handle, encoding.skip)),
            encoding=encoding.codec,
            errors=encoding.errors,
            newline="",
        )
        self._next = 1  # the number of the line the next readline() returns
        self._kept: dict[int, str] = {}

    def get(self, first: int, last: int) -> list[str]:
        for number in [n for n in self._kept if n < first]:
            del self._kept[number]
        while self._next < first:  # skip to `first` in batches, not a Python step per line
            skipped = len(list(islice(self._text, min(first - self._next, 4096))))
            if not skipped:
                break
            self._next += skipped
        while self._next <= last:
            line = self._text.readline()
            if not line:
                break
            if self._next >= first:
                self._kept[self._next] = line
            self._next += 1
        return [self._kept[n] for n in range(first, last + 1) if n in self._kept]


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
        schema: Mapping[str, SchemaColumn] | None = None,
        part: bool = False,  # a part of the file (motiscim_cli.split): it may hold no users
    ) -> None:
        self.path = path
        self._handle = handle
        self._encoding = encoding
        self._options = (format_override, overrides, schema)
        self._handed_on = False
        self._lines: _Lines | None = None  # opened at the first row that swallowed lines
        self._frontier = 0  # the last physical line the main decoder has handed out
        self._repeats: list[
            tuple[int, _HeaderKind, int | None]
        ] = []  # F008: (line, kind, #TYPE line)
        self._type_lines: list[int] = []  # #TYPE / sep= lines after the header
        # The last physical line of the last record, when a well-formed row read by the plain
        # path was the last thing read (None after an irregular one): `ended_cleanly_at`.
        self.last_regular_end: int | None = None
        # After a header row with other columns (F008 "other"): its line and where its own
        # columns hold the UPN and object ID. The rows under it do not line up with the
        # first header: each is F004, never checked (nor fixed) by the wrong columns.
        self._other_header: tuple[int, dict[str, int], str | None] | None = None
        handle.seek(encoding.skip)
        self._text = io.TextIOWrapper(
            handle, encoding=encoding.codec, errors=encoding.errors, newline=""
        )
        preamble, type_line, delimiter, header_line = self._read_preamble()
        if header_line is None:
            raise NotAnExport("the file contains no data (only blank lines)")
        self.delimiter = delimiter or sniff_delimiter(header_line)
        self._reader: _CsvReader = self._reader_over(chain([header_line], self._text))
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
        self.header_lines = preamble + self._reader.line_num  # physical lines up to the users
        # A BOM inside a header cell (a BOM'd file saved again with a BOM) is never meant.
        self.header = header = [cell.replace("\ufeff", "") for cell in header]
        self._header_keys = [normalize_header(name) for name in header]  # as headers match
        self.map: ColumnMap = resolve_columns(header, overrides, schema)
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
        if first is None and not part:
            raise NotAnExport("the file has a header row but no users under it")
        self._rows: Iterator[UserRecord] = rows if first is None else chain([first], rows)

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
        # A row whose first cell is the first header may be the header again (F008).
        # (a tuple: `in` compares with ==, which fails fast on length, and hashes nothing)
        header_firsts = (self.header[0], "\ufeff" + self.header[0])
        # ... or the first header in other case or spacing (`ID`, `User Principal Name`).
        # Normalising costs microseconds: only a cell of a header's length, without `@`, and
        # not starting with a letter or digit other than the header's first gets it (blanks
        # and marks are not alphanumeric, so they cannot hide a header's first letter).
        first_key = normalize_header(self.header[0])
        first_initial = first_key[:1]
        first_sizes = range(len(first_key), len(self.header[0]) + 9)

        # The cells read for a user, looked at for control characters only when the file may
        # hold one (a NUL in a cell): a clean file costs nothing per row.
        read_at = (
            sorted({i for _, i in plan if i >= 0} | set(context.values()))
            if self._encoding.controls
            else []
        )
        # Every user of a Get-ADUser export lives in on-premises AD (and is synced to Entra
        # from there): changes are made in AD, and its ObjectGUID is not the Entra objectId.
        on_premises = True if self.format == "adsi-csv" else None
        # accountEnabled and the like hold a handful of distinct texts: truthy() once each.
        flags: dict[str, bool | None] = {}

        def flag(text: str) -> bool | None:
            found = flags.get(text, _UNSEEN)
            if found is _UNSEEN:
                found = truthy(text)
                if len(flags) < _FLAG_TEXTS:
                    flags[text] = found
            return found  # type: ignore[return-value]

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
                    record, reader, base, next_line = self._oversized(reader, base, row, start, end)
                    self.last_regular_end = None
                    yield record
                    continue
                reason = f"The row cannot be read as CSV ({error}). Its fields were not checked."
                self.last_regular_end = None
                yield UserRecord(
                    source=path, row=row, line=start, columns=columns, malformed=reason
                )
                continue
            end = base + reader.line_num
            next_line = end + 1
            if not cells or (not cells[0].strip() and not "".join(cells).strip()):
                continue  # blank lines and Excel's empty ';;;;' rows are not users
            first = cells[0]
            if (
                (
                    first in header_firsts
                    or (
                        len(first) in first_sizes
                        and "@" not in first
                        and (first[:1].casefold() == first_initial or not first[:1].isalnum())
                        and normalize_header(first) == first_key
                    )
                    or (
                        # another export's header (the older `objectId` set under `id`, …)
                        len(first) <= HEADER_NAME_LENGTH + 8
                        and "@" not in first
                        and (
                            first.casefold() in HEADER_NAMES
                            or (  # a BOM from `cat`, or `User principal name` (M365 admin center)
                                (first[:1] == "\ufeff" or " " in first)
                                and normalize_header(first) in HEADER_NAMES
                            )
                        )
                    )
                )
                and self._header_again(cells, start)
            ):
                continue
            row += 1
            if self._other_header is not None:
                self.last_regular_end = None
                # Under another header too: a #TYPE/sep= line is no user, and a stray quote's
                # swallowed lines are read again (they may hold the first header and its users).
                if len(cells) == 1 and end == start and self._preamble_again(cells, start):
                    row -= 1
                    continue
                if end > start and self._broken_quote(cells, start, end):
                    record, reader, base = self._recover(reader, base, row, start, end, False)
                    next_line = start + 1
                    yield self._under_other_header(cells, row, start, record)
                    continue
                yield self._under_other_header(cells, row, start)
                continue
            if len(cells) != expected or (end > start and self._broken_quote(cells, start, end)):
                records, reader, base, next_line, row = self._irregular(
                    reader, base, cells, row, start, end
                )
                self.last_regular_end = None
                yield from records
                continue
            if read_at:
                found = control_characters((self.header[i], cells[i]) for i in read_at)
                if found:
                    reason = control_character_message(found, "This row")
                    self.last_regular_end = None
                    yield self._malformed(cells, row, start, reason, aligned=True)
                    continue
            values = {a: (cells[i] or None) if i >= 0 else None for a, i in plan}
            enabled = flag(cells[enabled_at]) if enabled_at >= 0 else None
            if enabled is None and blocked_at >= 0:
                blocked = flag(cells[blocked_at])
                enabled = None if blocked is None else not blocked
            synced = flag(cells[synced_at]) if synced_at >= 0 else on_premises
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
            joined = "".join(cells)
            if "?" in joined or "\ufffd" in joined:  # else lossy() finds nothing: one scan
                observer.lossy([cells[i] for i in lossy_at], cells, start)
            # A last cell ending in a line break: a quote still open when the data ended
            # (csv closes it silently), or a value that ends so. Not a clean end either way.
            self.last_regular_end = None if cells[-1].endswith(("\n", "\r")) else end
            yield record

    # ---- irregular rows (never on the path of a well-formed row) -----------------------------

    def _irregular(
        self, reader: _CsvReader, base: int, cells: list[str], row: int, start: int, end: int
    ) -> tuple[list[UserRecord], _CsvReader, int, int, int]:
        """A row that does not line up with the header: what it is, and where to read on.

        Returns the records to yield, the reader and line base to go on with, the next line
        and the row count (one less when the row turned out not to be a user)."""
        expected = len(self.header)
        if end > start and self._broken_quote(cells, start, end):
            record, reader, base = self._recover(reader, base, row, start, end, False)
            return [record], reader, base, start + 1, row
        if end == start and self._preamble_again(cells, start):
            return [], reader, base, end + 1, row - 1
        if self._header_again(cells, start):
            return [], reader, base, end + 1, row - 1
        if len(cells) < expected and end == start:
            return self._short(reader, base, cells, row, start)
        if len(cells) > expected and end == start:
            value = self._glued_header(cells, start)
            if value is not None:
                reason = glued_header_issue().message
                own = [*cells[: expected - 1], value]
                return (
                    [self._malformed(own, row, start, reason, aligned=True)],
                    reader,
                    base,
                    end + 1,
                    row,
                )
        reason = f004_malformed_row(len(cells), expected, self.delimiter).message
        return [self._malformed(cells, row, start, reason)], reader, base, end + 1, row

    def _short(
        self, reader: _CsvReader, base: int, cells: list[str], row: int, start: int
    ) -> tuple[list[UserRecord], _CsvReader, int, int, int]:
        """A row with too few fields: joined with the next short lines when an unquoted line
        break cut one value (the fields then add up to the header's), else F004 on its own."""
        expected = len(self.header)
        parts, total, last, peeked = [cells], len(cells), start, False
        while total < expected and len(parts) < _SPLIT_PARTS:
            try:
                more = next(reader)
            except StopIteration:
                break
            except csv.Error:
                peeked = True
                break
            peeked = True
            more_end = base + reader.line_num
            if (
                more_end != last + 1
                or not more
                or len(more) >= expected
                or self._starts_a_row(more)
                or (more[0] in self.header and self._is_header_row(more))
            ):
                break
            parts.append(more)
            total += len(more) - 1
            last = more_end
            peeked = False
        if len(parts) > 1 and total == expected and not peeked:
            joined = list(parts[0])
            for part in parts[1:]:
                joined[-1] += "\n" + part[0]
                joined.extend(part[1:])
            column = self.header[len(parts[0]) - 1]
            issue = split_row_issue(start, last, [len(p) for p in parts], column)
            record = self._malformed(joined, row, start, issue.message, aligned=True)
            return [record], reader, base, last + 1, row
        reason = f004_malformed_row(len(cells), expected, self.delimiter).message
        record = self._malformed(cells, row, start, reason)
        if last > start or peeked:  # lines were read ahead: read them again as rows of their own
            reader, base = self._rewind(reader, base, start + 1)
        return [record], reader, base, start + 1, row

    def _starts_a_row(self, cells: list[str]) -> bool:
        """The cells hold a user of their own where the header has the UPN or the object ID."""
        context = self.map.context_index
        for name, plausible in (
            ("user_principal_name", _looks_like_upn),
            ("object_id", _looks_like_guid),
        ):
            index = context.get(name)
            if index is not None and index < len(cells) and plausible(cells[index]):
                return True
        return False

    def _recover(
        self, reader: _CsvReader, base: int, row: int, start: int, end: int, oversized: bool
    ) -> tuple[UserRecord, _CsvReader, int]:
        """The row on line `start` opened a quote that swallowed lines up to `end`: F004 for
        it, and a reader that reads the swallowed lines again as rows of their own."""
        self._frontier = max(self._frontier, base + reader.line_num)
        lines = self._physical_lines(start, self._frontier)
        stray = lines[0] if lines else ""
        # The quote taken as a character: the row's own cells, for its UPN and object ID
        # (without the stray quote, which may stand right before either).
        cells = next(
            csv.reader([stray.rstrip("\r\n")], delimiter=self.delimiter, quoting=csv.QUOTE_NONE),
            [],
        )
        cells = [cell.strip('"') for cell in cells]
        limit = csv.field_size_limit() if oversized else None
        issue = swallowed_lines_issue(start, end, oversized=limit)
        record = self._malformed(cells, row, start, issue.message)
        return record, self._reader_over(chain(lines[1:], self._text)), start

    def _oversized(
        self, reader: _CsvReader, base: int, row: int, start: int, end: int
    ) -> tuple[UserRecord, _CsvReader, int, int]:
        """The row on line `start` has a field longer than csv's limit (the reader gave up on
        line `end` and goes on at the next line): what it is, and where to read on.

        - lines swallowed into it that are rows of their own: a stray quote (`_recover`);
        - otherwise one long value: F004 for the row, whose record ends where its quote
          closes. Its lines are read one at a time to find the closing quote, never kept,
          so a quoted value of 1.5 million lines is one record, not a user per line;
        - a quote still open when a line that is a row of its own comes: read on from there.

        Returns the F004 record, the reader and line base to go on with, and the next line."""
        self._frontier = max(self._frontier, base + reader.line_num)
        lines = self._physical_lines(start, end)
        delimiter, expected = self.delimiter, len(self.header)

        def row_like(line: str) -> bool:  # a line inside quotes that holds a row of its own
            return '"' not in line and line.count(delimiter) >= expected - 1

        if any(row_like(line) for line in lines[1:]):  # a runaway quote: read them again
            record, reader, base = self._recover(reader, base, row, start, end, True)
            return record, reader, base, start + 1
        state = _START_FIELD
        for line in lines:
            state = _quote_state(line, state, delimiter)
        limit = csv.field_size_limit()
        last, ending = end, "closed"
        closing = lines[-1] if len(lines) > 1 else None  # the line the quote closes on
        if state == _IN_QUOTES:  # the value goes on past the line where csv gave up
            ending, closing = "open", None
            for line in self._source:
                last += 1
                if row_like(line):  # rows again, and the quote still open: read on from here
                    ending = "row"
                    self._source = chain([line], self._source)
                    break
                if _quote_state(line, _IN_QUOTES, delimiter) != _IN_QUOTES:
                    ending, closing = "closed", line
                    break
            self._frontier = max(self._frontier, last)  # lines taken from the source
            if ending == "row":
                last -= 1  # the row of its own is given back, not this row's
        reason = _overlong_message(start, last, limit, ending)
        cells = _outer_cells(lines[0] if lines else "", closing, delimiter)
        record = self._malformed(cells, row, start, reason)
        return record, self._reader_over(self._source), last, last + 1

    def _reader_over(self, lines: Iterable[str]) -> _CsvReader:
        """A csv reader over `lines`, which `_oversized` can also take lines from directly
        (`_recover` and `_rewind` start from the main decoder, after re-reading the lines up
        to `_frontier`, the last it handed out)."""
        self._source: Iterator[str] = iter(lines)
        return csv.reader(self._source, delimiter=self.delimiter)

    def _rewind(self, reader: _CsvReader, base: int, first: int) -> tuple[_CsvReader, int]:
        """A reader that goes on from physical line `first`, already handed out once."""
        self._frontier = max(self._frontier, base + reader.line_num)
        lines = self._physical_lines(first, self._frontier)
        return self._reader_over(chain(lines, self._text)), first - 1

    def _is_header_row(self, cells: list[str]) -> bool:
        """The header row, in any case or spacing (headers match so: `normalize_header`)."""
        if [cell.replace("\ufeff", "") for cell in cells] == self.header:
            return True
        return (
            len(cells) == len(self.header)
            and [normalize_header(cell) for cell in cells] == self._header_keys
        )

    def _header_again(self, cells: list[str], line: int) -> bool:
        """The header row again (F008), or a header row with other columns."""
        kind: _HeaderKind
        delimiter = self._other_delimiter(cells)
        if delimiter is not None:  # an Excel `;` export joined to a `,` one, or the reverse
            cells = _cells_by(cells, self.delimiter, delimiter)
        columns = None
        if delimiter is None and self._is_header_row(cells):
            kind = "same"
        elif (columns := self._header_columns(cells)) is not None:
            kind = "other"
        else:
            return False
        before = line - 1 if line - 1 in self._type_lines else None
        if before is not None:
            self._type_lines.remove(before)
        self._repeats.append((line, kind, before))
        if columns is not None:
            self._other_header = (line, columns, delimiter)
        else:
            self._other_header = None  # the first header again: rows line up with it again
        return True

    def _glued_header(self, cells: list[str], line: int) -> str | None:
        """For a row with too many cells that ends with a header row glued to its last value
        (`cat a.csv b.csv`, a.csv without a line break at its end): F008 for it, the rows after
        it read as under that header, and the last value without the header's first name.

        The first header again needs its every name; another export's header needs three
        names motiscim knows among the cells after the glued one, and to look like a header:
        a free-text value with commas (`Owner of mail, userPrincipalName, …`) is no header."""
        expected = len(self.header)
        glued = cells[expected - 1]
        tail = [normalize_header(cell.strip('"')) for cell in cells[expected:]]
        own = self._header_keys
        if "\ufeff" in glued:  # b.csv's BOM marks where its header starts
            value, first = glued.rsplit("\ufeff", 1)
            first = first.strip('"')  # PowerShell quotes every name
        else:
            value, first = glued, ""
        kind: _HeaderKind
        if tail == own[1:] and (
            normalize_header(first) == own[0]
            if first
            else normalize_header(glued.replace('"', "")).endswith(own[0])
        ):
            kind = "glued"
            if not first:  # the first name as written, and a quote before it, taken off
                value = glued[: len(glued) - len(self.header[0])].rstrip('"')
        elif sum(key in HEADER_NAMES for key in tail) >= 3:
            if not first:
                lowered = glued.casefold()
                known = max((n for n in HEADER_NAMES if lowered.endswith(n)), key=len, default="")
                value, first = glued[: len(glued) - len(known)], glued[len(glued) - len(known) :]
            if self._header_columns([first, *cells[expected:]]) is None:
                return None
            kind = "glued-other"
        else:
            return None
        self._repeats.append((line, kind, None))
        self._other_header = None
        if kind == "glued-other":
            names = [first, *(cell.strip('"') for cell in cells[expected:])]
            self._other_header = (line, dict(resolve_columns(names, None).context_index), None)
        return value

    def _other_delimiter(self, cells: list[str]) -> str | None:
        """The delimiter a one-cell row splits into several cells by, if any."""
        if len(cells) != 1:
            return None
        return next((d for d in (",", ";", "\t") if d != self.delimiter and d in cells[0]), None)

    def _under_other_header(
        self, cells: list[str], row: int, start: int, recovered: UserRecord | None = None
    ) -> UserRecord:
        """F004 for a row under a header with other columns; its UPN and object ID found by
        that header's own columns, when they look like one. `recovered`: the F004 `_recover`
        made of the row (a stray quote, whose swallowed lines are read again), re-labelled."""
        assert self._other_header is not None
        line, own, delimiter = self._other_header
        reason = other_header_issue(line, self.header_line_number).message
        if recovered is not None:
            cells = recovered.raw._cells  # type: ignore[union-attr]  # the row's own line
        looked = cells if delimiter is None else _cells_by(cells, self.delimiter, delimiter)
        found: dict[str, str | None] = {}
        for name, plausible in (
            ("user_principal_name", _looks_like_upn),
            ("object_id", _looks_like_guid),
        ):
            index = own.get(name)
            value = looked[index] if index is not None and index < len(looked) else None
            found[name] = value if value is not None and plausible(value) else None
        upn, object_id = found["user_principal_name"], found["object_id"]
        if recovered is not None:  # already observed (F005) by `_malformed`
            return replace(
                recovered,
                user_principal_name=upn,
                object_id=object_id,
                malformed=f"{reason} {recovered.malformed}",
            )
        return self._f004(cells, row, start, reason, upn, object_id)

    def _header_columns(self, cells: list[str]) -> dict[str, int] | None:
        """For a row that looks like a header (names motiscim maps, and no value a user row
        would have: an address, a GUID), where its columns hold the context fields; else None."""
        probe = resolve_columns([cell.replace("\ufeff", "") for cell in cells], None)
        if (
            len(probe.value_index) >= 2
            and "employee_number" in probe.value_index
            and not any("@" in cell or _looks_like_guid(cell) for cell in cells)
        ):
            return dict(probe.context_index)
        return None

    def _preamble_again(self, cells: list[str], line: int) -> bool:
        """A PowerShell `#TYPE` or Excel `sep=` line after the header: a second export."""
        text = self.delimiter.join(cells).lstrip("\ufeff").strip()
        if not (text.lower().startswith("#type") or _SEP_LINE.fullmatch(text)):
            return False
        self._type_lines.append(line)
        return True

    def _malformed(
        self, cells: list[str], row: int, start: int, reason: str, *, aligned: bool = False
    ) -> UserRecord:
        """An F004 record; UPN and object ID only when the cells tell them reliably."""
        expected = len(self.header)
        context = self.map.context_index
        upn = object_id = None
        for name, plausible in (
            ("user_principal_name", _looks_like_upn),
            ("object_id", _looks_like_guid),
        ):
            index = context.get(name)
            if index is None:
                continue
            if aligned or len(cells) == expected:
                value = cells[index] if plausible(cells[index]) else None
            else:
                value = _aligned(cells, expected, index, plausible)
            if name == "user_principal_name":
                upn = value
            else:
                object_id = value
        return self._f004(cells, row, start, reason, upn, object_id)

    def _f004(
        self,
        cells: list[str],
        row: int,
        start: int,
        reason: str,
        upn: str | None,
        object_id: str | None,
    ) -> UserRecord:
        """The F004 record of a row, its cells looked at for F005 like every row's."""
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

    def _broken_quote(self, cells: list[str], start: int, end: int) -> bool:
        """Whether the row spans lines because a quote was opened and never closed.

        A quoted value may hold line breaks (a street address). One that ends in a line break
        (the quote still open at the end of the file) or whose later lines carry a row's worth
        of delimiters is suspect; then the row's own lines are read again and parsed strictly:
        quoting that is valid CSV and gives the same cells is a real multi-line value, unless
        it is row-like in a row that does not line up. (A stray quote whose swallowed lines are
        all short and that a later quote closes is not caught: the row is an F004 of its own.)
        """
        delimiter, expected = self.delimiter, len(self.header)
        suspect = row_like = False
        for cell in cells:
            if "\n" not in cell and "\r" not in cell:
                continue
            if cell.endswith(("\n", "\r")):
                suspect = True
            for line in _LINE_BREAK.split(cell)[1:]:
                if line.count(delimiter) >= expected - 1:
                    suspect = row_like = True
                # a line that opens with a user's object ID or UPN where the header has them
                # may be a user swallowed by a stray quote, however few fields it has before
                # the quote that closed it: worth the strict second look. Not proof on its own:
                # a quoted note may hold 'hr@example.com, Storgata 1' on its second line, and
                # a valid quoted value is one value (a PowerShell export quotes every cell).
                if delimiter in line and self._starts_a_row(line.split(delimiter)):
                    suspect = True
        if not suspect:
            return False  # (a quoted street address): no second look, which costs a re-read
        lines = self._physical_lines(start, end)
        try:
            valid = list(csv.reader(lines, delimiter=delimiter, strict=True)) == [cells]
        except csv.Error:
            valid = False
        return not valid or (row_like and len(cells) != expected)

    def _physical_lines(self, first: int, last: int) -> list[str]:
        if self._lines is None:
            self._lines = _Lines(self._handle, self._encoding)
        return self._lines.get(first, last)

    # ---- file findings ---------------------------------------------------------------------

    @property
    def encoding(self) -> Encoding:
        return self._encoding

    @property
    def handle(self) -> BinaryIO:
        """The file's handle (a pipe's temporary copy), positioned by this reader."""
        return self._handle

    def ended_cleanly_at(self, line: int) -> bool:
        """Whether this reader, given the file cut after physical line `line`, read every
        byte as a reader of the whole file does: its last record is a well-formed row that
        ends on that line, read by the plain path, and no irregular row's handling (a stray
        quote's swallowed lines, an oversized value, a row read ahead) reached that line,
        where it would have seen the cut instead of what follows (motiscim_cli.split)."""
        return (
            self.last_regular_end == line
            and self._frontier < line
            and self._other_header is None  # the part after the cut would line up its rows
        )

    def again(self, handle: BinaryIO | None = None) -> CsvExport:
        """A reader made as this one was, of `handle` (a view of a part of this file,
        motiscim_cli.split), or with no handle, of this file again from its start, through
        the same handle (a pipe's bytes are in a temporary copy that must not be reopened);
        this reader is then done."""
        format_override, overrides, schema = self._options
        if handle is None:
            handle = self._text.detach()  # keep the handle open for the new reader
            self._handed_on = True
        return CsvExport(
            self.path,
            handle,
            self._encoding,
            format_override=format_override,
            overrides=overrides,
            schema=schema,
            part=handle is not self._handle,
        )

    def noticed(self) -> tuple[FileObserver, list, list[int]]:
        """What this reader noticed for the file findings, for `absorb_noticed`."""
        return self.observer, self._repeats, self._type_lines

    def absorb_noticed(self, observer: FileObserver, repeats: list, type_lines: list[int]) -> None:
        """Take in what a reader of the rows after this one's `noticed()` (motiscim_cli.split)."""
        self.observer.absorb(observer)
        self._repeats.extend(repeats)
        self._type_lines.extend(type_lines)

    def file_findings(self) -> list[Finding]:
        duplicates = [
            (self.header[indices[0]], indices) for indices in self.map.duplicates.values()
        ]
        found = self.observer.findings(
            self.map.columns,
            self.map.overrides,
            duplicates,
            header_line=self.header_line_number,
            schema=self.map.schema,
        )
        repeats = [*self._repeats]
        repeats += [(line, "preamble", None) for line in self._type_lines]
        for line, kind, before in sorted(repeats):
            issue = f008_repeated_header(line, self.header_line_number, kind, before)
            found.append(file_finding("F008", issue, source=self.path, line=line))
        found += encoding_findings(self._encoding, self.path)
        return sorted(found, key=lambda f: (f.rule, f.line or 0))

    def close(self) -> None:
        if not self._handed_on:  # `again()` gave the handle to another reader, which closes it
            self._text.close()


def _cells_by(cells: list[str], read_by: str, delimiter: str) -> list[str]:
    """A row read with `read_by` as the delimiter, read again by `delimiter`: the quotes the
    first reading left in its cells (all but the first cell's: PowerShell's `"Name";"Mail"`)
    read as quotes. Its first record; a line break inside it ends no record here."""
    text = read_by.join(cells)
    try:
        return next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    except csv.Error:  # the row is F004 anyway: a plain split is enough to look at it
        return text.split(delimiter)


# Where csv's parser is at the end of a line (non-strict, `""` for a quote inside quotes).
_START_FIELD, _IN_FIELD, _IN_QUOTES, _QUOTE_IN_QUOTES = range(4)


def _quote_state(line: str, state: int, delimiter: str) -> int:
    """The parser's state after `line` (a physical line with its line break), from `state`:
    `_IN_QUOTES` when a quoted value goes on to the next line, else the record ended here.
    Follows csv.reader: a quote opens a value only at its start; after the closing quote,
    other characters are taken as they are."""
    body = line.rstrip("\r\n")
    position, size = 0, len(body)
    while position < size:
        if state == _IN_QUOTES:
            quote = body.find('"', position)
            if quote < 0:
                return _IN_QUOTES
            position, state = quote + 1, _QUOTE_IN_QUOTES
        elif state == _QUOTE_IN_QUOTES:  # a doubled quote, the end of the value, or text
            char = body[position]
            if char == '"':
                position, state = position + 1, _IN_QUOTES
            elif char == delimiter:
                position, state = position + 1, _START_FIELD
            else:
                state = _IN_FIELD
        elif state == _START_FIELD:
            if body[position] == '"':
                state = _IN_QUOTES
            elif body[position] != delimiter:
                state = _IN_FIELD
            position += 1
        else:  # in an unquoted value: on to the next delimiter
            next_delimiter = body.find(delimiter, position)
            if next_delimiter < 0:
                return _IN_FIELD
            position, state = next_delimiter + 1, _START_FIELD
    return state


def _outer_cells(first: str, closing: str | None, delimiter: str) -> list[str]:
    """The cells of a row too long to keep, for its UPN and object ID: its first line joined
    to the line its quote closes on (the lines between are inside the long value), or, when
    that is not readable, its first line with every quote taken as a character."""
    if closing is not None:
        joined = first.rstrip("\r\n") + closing.rstrip("\r\n")
        with contextlib.suppress(csv.Error):  # still too long: the first line alone, then
            return next(csv.reader([joined], delimiter=delimiter), [])
    return [cell.strip('"') for cell in first.rstrip("\r\n").split(delimiter)]


def _overlong_message(first: int, last: int, limit: int, ending: str) -> str:
    """F004 wording for a row with a field longer than csv's limit: `ending` says whether its
    quote (if any) "closed" by line `last`, was still "open" at the end of the file, or was
    open when line `last + 1` turned out to be a "row" of its own."""
    lines = f"line {first}" if last == first else f"lines {first}–{last}"
    unchecked = (
        "No user attribute is that long (a value pasted by mistake, or a damaged export?), so "
        "its fields were not checked."
    )
    if ending == "closed" and last == first:
        return (
            f"A field of this row is longer than {limit:,} characters. {unchecked} Shorten or "
            "remove the value."
        )
    if ending == "closed":
        return (
            f"A quoted field of this row is longer than {limit:,} characters: it runs over "
            f"{lines}, which were read as this one row. {unchecked} Shorten or remove the value."
        )
    if ending == "open":
        where = f"it runs to the end of the file ({lines})"
    else:
        verb = "is" if last == first else "are"
        where = (
            f"line {last + 1} holds a row of its own and was read as one ({lines} {verb} this row)"
        )
    return (
        f"A field of this row is longer than {limit:,} characters and its opening double quote "
        f"is never closed: {where}. {unchecked} Remove the stray quote, or quote the whole "
        'value and double the quote inside it ("").'
    )


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
