"""One big CSV export checked in two processes, with the same report as one process.

The file is cut at a line break near its middle. This process reads the first part; a forked
worker reads the second through a view of the same file in which every line before the cut
is an empty line: the loader skips empty lines, so the worker numbers lines exactly as a
reader of the whole file does, and only its rows (users counted from 1) are moved by the
number of users of the first part. The worker's findings, its file observations and its
population (uniqueness keys and spilled details, title spellings) are then taken in by this
process's checker, which finishes the population as if it had read every user itself.

A cut must not fall inside a record (a quoted value with line breaks): it is placed where the
number of double quotes before it is even, between two lines that each hold an even number.
That choice is checked, not trusted: the part before the cut must end with a well-formed row
read by the plain path on the last line before the cut, and no irregular row's handling may
have reached that line (`CsvExport.ended_cleanly_at`). Then every byte up to the cut was read
as a reader of the whole file reads it, and that reader stands at the start of a record at the
cut, which is where the worker starts. Otherwise (a stray quote before the cut, a repeated
header at the cut …) the split result is dropped and the file is read again in one process.

Splitting pays on two cores and more, from `MIN_SPLIT_BYTES` up; it needs `fork` (the worker
shares this process's hash seed, so key hashes agree) and a single-byte line break (UTF-8 or
cp1252; not UTF-16, not bare CR line ends).
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import signal
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO

from checks.engine import batched
from checks.model import Finding, UserRecord

if TYPE_CHECKING:
    from checks.engine import Checker
    from motiscim_cli.loaders import LoadedExport
    from motiscim_cli.loaders.csv_export import CsvExport
    from motiscim_cli.report import SourceInfo

MIN_SPLIT_BYTES = 16 << 20  # below this, forking and merging cost more than they save
_BLOCK = 8 << 20
_SEARCH_LINES = 2000  # lines after the middle tried for a cut
_BATCH = 20_000  # findings per pickled batch of the worker
_SINGLE_BYTE_BREAKS = ("utf-8", "utf-8-sig", "cp1252")
_NOT_A_VALUE = b' \t\r\n,;"'  # what a line of no user is made of


@dataclass(frozen=True, slots=True)
class Cut:
    """Where the file is cut: `boundary` is the first byte of the second part."""

    header_end: int  # first byte after the header's line break
    boundary: int
    padding: int  # line breaks between the header and the cut (the worker's empty lines)
    last_line: int  # physical line number of the last line before the cut


@dataclass(slots=True)
class SplitResult:
    findings: list[Finding]
    file_findings: list[Finding]
    info: SourceInfo


class _View(io.RawIOBase):
    """A file seen as a sequence of pieces: (offset, length) ranges of it, or literal bytes.
    Reads with `os.pread`, so processes sharing the descriptor never move each other."""

    def __init__(self, fd: int, pieces: list[tuple[int, int] | bytes]) -> None:
        self._fd = fd
        self._pieces: list[tuple[int, int | bytes, int]] = []  # (virtual start, piece, length)
        start = 0
        for piece in pieces:
            where, length = (piece, len(piece)) if isinstance(piece, bytes) else piece
            if length:
                self._pieces.append((start, where, length))
                start += length
        self._size = start
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        bases = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}
        if whence not in bases:
            raise ValueError(f"invalid whence ({whence})")
        base = bases[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        for start, piece, length in self._pieces:
            if start <= self._pos < start + length:
                skip = self._pos - start
                count = min(len(view), length - skip)
                if isinstance(piece, bytes):
                    data = piece[skip : skip + count]
                else:
                    data = os.pread(self._fd, count, piece + skip)
                view[: len(data)] = data
                self._pos += len(data)
                return len(data)
        return 0


def available_cpus() -> int:
    """The CPUs this process may run on (sched_getaffinity is Linux-only)."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else (os.cpu_count() or 1)


def plan_cut(reader: CsvExport, cpus: int | None = None) -> Cut | None:
    """Where to cut this CSV export in two, or None when it should be read in one process."""
    cpus = available_cpus() if cpus is None else cpus
    if cpus < 2 or not hasattr(os, "fork"):
        return None
    if reader.encoding.codec not in _SINGLE_BYTE_BREAKS:
        return None
    try:
        fd = reader.handle.fileno()
        size = os.fstat(fd).st_size
    except (OSError, io.UnsupportedOperation):
        return None
    if size < MIN_SPLIT_BYTES:
        return None
    return find_cut(fd, size, reader.encoding.skip, reader.header_lines, size // 2)


def find_cut(fd: int, size: int, skip: int, header_lines: int, near: int) -> Cut | None:
    """The first good line break at or after byte `near` (see the module docstring)."""
    head = os.pread(fd, min(size, 1 << 20), 0)
    header_end = skip
    for _ in range(header_lines):
        found = head.find(b"\n", header_end)
        if found < 0:
            return None
        header_end = found + 1
    if near <= header_end:
        return None
    # Quotes and line breaks from the header's end to `near`, a block at a time.
    quotes = breaks = 0
    position = header_end
    while position < near:
        block = os.pread(fd, min(_BLOCK, near - position), position)
        if not block:
            return None
        if block.endswith(b"\r") and position + len(block) < size:
            block += os.pread(fd, 1, position + len(block))
        if block.count(b"\r") != block.count(b"\r\n"):
            return None  # a bare CR line end: line numbers would not be line feeds
        quotes += block.count(b'"')
        breaks += block.count(b"\n")
        position += len(block)
    window = os.pread(fd, min(size - position, 1 << 20), position)
    # The start of the line the first candidate ends: back to the last line break before it.
    reach = min(position - header_end, 1 << 16)
    back = os.pread(fd, reach, position - reach)
    before = back[back.rfind(b"\n") + 1 :]
    offset = 0
    for _ in range(_SEARCH_LINES):
        found = window.find(b"\n", offset)
        if found < 0:
            return None
        line = before + window[offset : found + 1]
        quotes += window.count(b'"', offset, found + 1)
        if window.count(b"\r", offset, found + 1) != window.count(b"\r\n", offset, found + 1):
            return None
        breaks += 1
        offset = found + 1
        after_end = window.find(b"\n", offset)
        if after_end < 0:
            return None
        after = window[offset : after_end + 1]
        if (
            quotes % 2 == 0
            and line.count(b'"') % 2 == 0  # each line a record of its own (PowerShell
            and after.count(b'"') % 2 == 0  # quotes every cell: quotes alone are no sign)
            and line.strip(_NOT_A_VALUE)  # not blank, not an Excel empty row (`,,,,`)
            and after.strip(_NOT_A_VALUE)
            and not after.lstrip().startswith((b"#", b"sep=", b"SEP="))
        ):
            boundary = position + offset
            return Cut(header_end, boundary, breaks, header_lines + breaks)
        before = b""
    return None


def check_in_two(
    export: LoadedExport,
    cut: Cut,
    checker: Checker,
    on_record: Callable[[UserRecord], None] | None = None,
) -> SplitResult | None:
    """Check `export` in two processes at `cut`; None when the first part did not end cleanly
    at the cut, or the worker failed: the caller then reads the file in one process."""
    import multiprocessing

    from motiscim_cli.loaders import LoadedExport as Loaded

    reader = export.csv_reader
    assert reader is not None, "only a CSV export is split"
    make_reader = reader.again
    fd = reader.handle.fileno()
    size = os.fstat(fd).st_size
    second_view = [(0, cut.header_end), b"\n" * cut.padding, (cut.boundary, size - cut.boundary)]
    spill: BinaryIO | None = tempfile.TemporaryFile(prefix="motiscim-keys-")  # noqa: SIM115
    # The worker's findings, pickled in batches as they come: it keeps none in memory, and
    # this process loads them once the worker has exited (the two never hold them at once).
    found = tempfile.TemporaryFile(prefix="motiscim-findings-")  # noqa: SIM115
    worker_checker = checker.sibling(spill)
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    # The worker's record count, in memory both processes share, for a progress line.
    worker_records = context.Value("q", 0, lock=False)
    if on_record is not None and hasattr(on_record, "also_counting"):
        on_record.also_counting(lambda: worker_records.value)

    parent = os.getpid()

    def work() -> None:
        # Ctrl-C is the parent's to handle: it stops the worker (see `finally` below).
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        receiving.close()
        try:
            part_reader = make_reader(io.BufferedReader(_View(fd, second_view)))
            part = Loaded(info=export.info, _reader=part_reader)
            findings: list[Finding] = []
            records = 0
            for batch in batched(part.records()):
                records += len(batch)
                worker_records.value = records
                if os.getppid() != parent:  # the parent was killed: nobody will read this
                    os._exit(1)
                findings.extend(worker_checker.check_many(batch))
                if len(findings) >= _BATCH:
                    pickle.dump(findings, found, pickle.HIGHEST_PROTOCOL)
                    findings = []
            pickle.dump(findings, found, pickle.HIGHEST_PROTOCOL)
            found.flush()
            worker_records.value = records
            state = worker_checker.population_state()
            sending.send(("done", records, *part_reader.noticed(), state))
        except BaseException as error:
            with contextlib.suppress(OSError):  # the parent may be gone
                sending.send(("failed", type(error).__name__))
        finally:
            sending.close()

    process = context.Process(target=work, daemon=True)
    # Ctrl-C between the fork and the worker's SIG_IGN would give it a traceback: blocked
    # until then (the worker unblocks it once ignored; this process right after the fork).
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        process.start()
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    sending.close()
    try:
        first_checker = checker.sibling()
        first_reader = make_reader(io.BufferedReader(_View(fd, [(0, cut.boundary)])))
        first = Loaded(info=export.info, _reader=first_reader)
        findings: list[Finding] = []
        last_row = first_records = 0
        for batch in batched(first.records()):
            if on_record is not None:
                for record in batch:
                    on_record(record)
            last_row = batch[-1].row
            first_records += len(batch)
            findings.extend(first_checker.check_many(batch))
        message = receiving.recv()
        process.join()
        if message[0] != "done" or not first_reader.ended_cleanly_at(cut.last_line):
            first_checker.finish()
            worker_records.value = 0  # the file is read again, and counted again
            if on_record is not None and hasattr(on_record, "uncount"):
                on_record.uncount(first_records)
            return None
        _, records, observer, repeats, type_lines, state = message
        checker.absorb(first_checker.population_state(), first_checker.release_spill(), 0)
        checker.absorb(state, spill, last_row)
        # Nothing but the checker holds the parts' populations now: tens of MB less while
        # the worker's findings are loaded.
        spill = first_checker = message = state = None  # the checker closes the spill
        found.seek(0)
        while True:
            try:
                batch: list[Finding] = pickle.load(found)
            except EOFError:
                break
            for finding in batch:
                finding.row = None if finding.row is None else finding.row + last_row
                if finding.related_rows:
                    finding.related_rows = [row + last_row for row in finding.related_rows]
            findings.extend(batch)
        first_reader.absorb_noticed(observer, repeats, type_lines)
        first.info.records += records
        return SplitResult(findings, first.file_findings(), first.info)
    except EOFError:  # the worker died without a word
        return None
    finally:
        receiving.close()
        found.close()
        if spill is not None:
            spill.close()
        if process.is_alive():  # only when this process stopped early (an error, Ctrl-C)
            process.kill()
        process.join()
