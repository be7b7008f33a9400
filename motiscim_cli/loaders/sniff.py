"""What a file is, from its first bytes: not-an-export kinds (F001), text encoding, JSON or CSV.

The encoding decision is made once, before any record is read, so that every record of a file
is decoded the same way and `SourceInfo.encoding` is true for the whole file, except for the
bytes F009 names: a UTF-8 file's stray Windows-1252 bytes, read as such.
"""

from __future__ import annotations

import codecs
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from typing import BinaryIO

HEAD_BYTES = 64 * 1024
_VALIDATE_CHUNK = 1 << 20

# Codec used to read each encoding label reported in SourceInfo.encoding. UTF-16 with a BOM is
# read with the BOM-aware codec; without one the byte order comes from the NUL pattern.
CODECS = {
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8-sig",
    "utf-16-le": "utf-16-le",
    "utf-16-be": "utf-16-be",
    "cp1252": "cp1252",
}


class NotAnExport(Exception):
    """The bytes say this is not a text export; the message is the F001 reason."""


@dataclass(frozen=True, slots=True)
class Encoding:
    label: str  # what SourceInfo.encoding reports
    codec: str  # what io.TextIOWrapper is given
    skip: int  # bytes of BOM to skip before decoding (the utf-8-sig codec skips its own)
    # "strict" when the whole file was validated; "replace" when damage is to show as U+FFFD
    # (F005); CP1252_FALLBACK for a UTF-8 file with a few cp1252 bytes (F009).
    errors: str
    # Whether the text may hold a control character (C0 other than tab, LF, CR): False only
    # when every byte was scanned and none was found, so that the loaders skip looking for
    # them row by row (UTF-16 is not scanned: its rows are always looked at).
    controls: bool = True
    # A UTF-8 file with bytes that are not UTF-8 (F009): the physical lines that hold them,
    # the first few, and how many lines in all.
    foreign_lines: tuple[int, ...] = ()
    foreign_line_count: int = 0


# C0 control bytes other than tab, LF and CR. In UTF-8 and cp1252 such a byte is the control
# character itself (every byte of a multi-byte UTF-8 letter is >= 0x80).
CONTROL_BYTES = bytes(b for b in range(0x20) if b not in (0x09, 0x0A, 0x0D))


_SAVE_AS_CSV = "open it in Excel and save it as 'CSV UTF-8 (Comma delimited)', then check that file"


def refuse_non_text(head: bytes) -> None:
    """Raise NotAnExport naming what the file is when its magic number says it is not text."""
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        if b"xl/" in head:
            raise NotAnExport(f"this is an Excel workbook (.xlsx), not a CSV: {_SAVE_AS_CSV}")
        if b"word/" in head:
            raise NotAnExport("this is a Word document (.docx), not an export: export the users")
        raise NotAnExport("this is a ZIP archive, not an export: extract the CSV or JSON from it")
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise NotAnExport(f"this is an old Excel workbook (.xls), not a CSV: {_SAVE_AS_CSV}")
    if head.startswith(b"%PDF-"):
        raise NotAnExport(
            "this is a PDF document, not an export: download the users as CSV from the Entra "
            "admin center (Users → All users → Download users)"
        )
    if head.startswith(b"\x1f\x8b"):
        raise NotAnExport("this is a gzip-compressed file: decompress it and check the CSV inside")
    if head.startswith(b"{\\rtf"):
        raise NotAnExport("this is a Rich Text (RTF) document, not an export: save it as CSV")


def detect_encoding(handle: BinaryIO, head: bytes) -> Encoding:
    """Choose the encoding from the BOM, the NUL pattern of BOM-less UTF-16, or a UTF-8 check.

    UTF-8 is validated over the whole file (in 1 MB chunks, without keeping them) so that a
    cp1252 file whose first accented letter sits on line 90 000 is still read as cp1252; the
    same pass notes whether any control byte occurs (`Encoding.controls`). A few NUL bytes in
    text (a damaged cell) do not make the file binary: the loaders report those rows (F004).

    A file that is not valid UTF-8 is read as UTF-8 with its stray bytes as cp1252 (F009)
    when it has a UTF-8 BOM, or when its valid multi-byte UTF-8 outweighs the bytes that are
    not; else as cp1252. The bytes cannot tell every case: a cp1252 export whose names hold
    more stored mojibake (`JÃ¸rgen`, valid UTF-8 for `Jørgen`) than real letters is read as
    mixed, its mojibake as the letters meant (no N004), and F009 points at the file.
    """
    if head.startswith(codecs.BOM_UTF8):
        # A UTF-8 BOM promises UTF-8; if the bytes break the promise, decode with replacement
        # so that the damage shows as U+FFFD (F005) instead of the file being refused.
        utf8, controls = _scan(handle, 3)
        if utf8:
            return Encoding("utf-8-sig", "utf-8-sig", 0, "strict", controls)
        # The BOM says UTF-8 whatever the share: stray bytes are read as cp1252 (F009).
        lines, line_count = _foreign_lines(handle)
        return Encoding("utf-8-sig", "utf-8-sig", 0, CP1252_FALLBACK, controls, lines, line_count)
    if head.startswith(codecs.BOM_UTF16_LE) and not head.startswith(codecs.BOM_UTF32_LE):
        return Encoding("utf-16-le", "utf-16-le", 2, "replace")
    if head.startswith(codecs.BOM_UTF16_BE):
        return Encoding("utf-16-be", "utf-16-be", 2, "replace")
    order = _utf16_without_bom(head)
    if order is not None:
        return Encoding(order, order, 0, "replace")
    if b"\x00" in head and _mostly_control(head):
        raise NotAnExport(
            "this is a binary file (it contains NUL bytes and is not UTF-16 text), not an export"
        )
    utf8, controls = _scan(handle)
    if utf8:
        return Encoding("utf-8", "utf-8", 0, "strict", controls)
    utf8_letters, foreign_bytes = _utf8_share(handle)
    if utf8_letters > foreign_bytes:
        # Mostly UTF-8 with a few Windows-1252 bytes (two exports joined, a row typed in an
        # ANSI editor): read as cp1252, every UTF-8 ø of the file would read as Ã¸. Each
        # byte that is not UTF-8 is read as cp1252 instead, and F009 names its lines.
        lines, line_count = _foreign_lines(handle)
        return Encoding("utf-8", "utf-8", 0, CP1252_FALLBACK, controls, lines, line_count)
    return Encoding("cp1252", "cp1252", 0, "replace", controls)


def _mostly_control(head: bytes) -> bool:
    """More control bytes than a text export with a few damaged cells has (a NUL or two where
    a letter was): a binary file. Compressed or random bytes are ~9 % control bytes."""
    controls = len(head) - len(head.translate(None, CONTROL_BYTES))
    return controls > max(16, len(head) // 64)


def _utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' when the bytes look like BOM-less UTF-16 of mostly ASCII text."""
    sample = head[: 4096 - (len(head[:4096]) % 2)]
    if len(sample) < 4:
        return None
    pairs = len(sample) // 2
    zero_odd = sample[1::2].count(0)
    zero_even = sample[0::2].count(0)
    if zero_odd >= pairs * 0.4 and zero_even <= pairs * 0.05:
        return "utf-16-le"
    if zero_even >= pairs * 0.4 and zero_odd <= pairs * 0.05:
        return "utf-16-be"
    return None


def _scan(handle: BinaryIO, skip: int = 0) -> tuple[bool, bool]:
    """One pass over the whole file: (is it valid UTF-8, does it hold a C0 control byte other
    than tab/LF/CR). Chunks are not kept; the pass stops once both answers are known."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    utf8, controls = True, False
    handle.seek(skip)
    try:
        while (utf8 or not controls) and (chunk := handle.read(_VALIDATE_CHUNK)):
            # An ASCII chunk is valid, unless a letter's first bytes ended the chunk before.
            if utf8 and (not chunk.isascii() or decoder.getstate()[0]):
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
            if not controls:
                controls = len(chunk.translate(None, CONTROL_BYTES)) != len(chunk)
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    finally:
        handle.seek(0)
    return utf8, controls


# Error handler for UTF-8 text with stray Windows-1252 bytes: each run of bytes that is not
# UTF-8 is read as cp1252 (0x81, 0x8D, 0x8F, 0x90, 0x9D, undefined there, as U+FFFD).
CP1252_FALLBACK = "motiscim-cp1252"


def _cp1252_for_invalid(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start : error.end].decode("cp1252", "replace"), error.end


codecs.register_error(CP1252_FALLBACK, _cp1252_for_invalid)

_ESCAPED = re.compile("[\udc80-\udcff]")  # a byte surrogateescape could not decode
_FOREIGN_EXAMPLES = 5


def _utf8_share(handle: BinaryIO) -> tuple[int, int]:
    """For a file that is not valid UTF-8: (bytes that belong to valid multi-byte UTF-8
    letters beyond each letter's first, bytes that are not UTF-8).

    A second pass, only for such files, at the decoder's speed: surrogateescape keeps each
    byte that is not UTF-8 as one character, "ignore" drops it."""
    kept = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    dropped = codecs.getincrementaldecoder("utf-8")("ignore")
    size = escaped = ignored = 0
    handle.seek(0)
    try:
        while True:
            chunk = handle.read(_VALIDATE_CHUNK)
            size += len(chunk)
            escaped += len(kept.decode(chunk, final=not chunk))
            ignored += len(dropped.decode(chunk, final=not chunk))
            if not chunk:
                break
    finally:
        handle.seek(0)
    return size - escaped, escaped - ignored


def _foreign_lines(handle: BinaryIO) -> tuple[tuple[int, ...], int]:
    """The first few lines holding bytes that are not UTF-8, and how many in all. Lines end
    as the loaders end them: at CRLF, LF or a bare CR."""
    decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    examples: list[int] = []
    count, line, last = 0, 1, 0  # `line`: the line number at text[position]
    after_cr = False  # the text before ended with CR: an LF first here ends no other line
    handle.seek(0)
    try:
        while True:
            chunk = handle.read(_VALIDATE_CHUNK)
            text = decoder.decode(chunk, final=not chunk)
            position = 1 if after_cr and text.startswith("\n") else 0
            while (byte := _ESCAPED.search(text, position)) is not None:
                line += _breaks(text, position, byte.start())
                if line != last:  # a line cut by a chunk boundary is counted once
                    last, count = line, count + 1
                    if len(examples) < _FOREIGN_EXAMPLES:
                        examples.append(line)
                end = _BREAK.search(text, byte.end())  # on to the next line
                if end is None:
                    position = len(text)
                    break
                line, position = line + 1, end.end()
            line += _breaks(text, position, len(text))
            if text:
                after_cr = text.endswith("\r")
            if not chunk:
                break
    finally:
        handle.seek(0)
    return tuple(examples), count


_BREAK = re.compile("\r\n?|\n")


def _breaks(text: str, start: int, end: int) -> int:
    """Line breaks (CRLF, LF, CR) in text[start:end]."""
    return (
        text.count("\n", start, end) + text.count("\r", start, end) - text.count("\r\n", start, end)
    )


def refuse_non_export_text(head_text: str) -> None:
    """Raise NotAnExport for text that is clearly something else (HTML, XML, CliXml)."""
    start = head_text.lstrip("\ufeff \t\r\n")[:200].lower()
    if start.startswith("<!doctype html") or start.startswith("<html"):
        raise NotAnExport(
            "this is an HTML web page (a sign-in or error page saved instead of the download?), "
            "not an export: download the users again"
        )
    if start.startswith("<objs") or ("<objs" in start and "powershell" in start):
        raise NotAnExport(
            "this is a PowerShell CliXml file (Export-Clixml), not a CSV: export with "
            "'Export-Csv -NoTypeInformation -Encoding UTF8' instead"
        )
    if start.startswith("<?xml") or start.startswith("<"):
        raise NotAnExport(
            "this is an XML file, not a CSV or JSON export (an Excel 'XML Spreadsheet'?): "
            "save or export the users as CSV UTF-8"
        )


def open_binary(path: str) -> BinaryIO:
    """Open the file, or raise NotAnExport with a one-line reason a person can act on."""
    if os.path.isdir(path):
        raise NotAnExport("this is a directory, not a file: give the export file inside it")
    try:
        handle = open(path, "rb")  # noqa: SIM115 - kept open while the records stream
    except FileNotFoundError:
        raise NotAnExport("no such file") from None
    except PermissionError:
        raise NotAnExport("permission denied: the file cannot be read by this user") from None
    except OSError as error:
        raise NotAnExport(f"cannot be opened ({error.strerror or error})") from None
    if handle.seekable():
        return handle
    # A pipe (`motiscim check <(…)`, /dev/stdin): the loaders read the head twice and seek
    # back, so the stream is copied to an anonymous temporary file first.
    with handle:
        copy = tempfile.TemporaryFile()  # noqa: SIM115 - returned open, closed by the loader
        try:
            shutil.copyfileobj(handle, copy)
        except OSError as error:
            copy.close()
            raise NotAnExport(f"cannot be read ({error.strerror or error})") from None
    copy.seek(0)
    return copy
