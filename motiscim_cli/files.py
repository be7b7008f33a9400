"""Writing files safely: atomically (temporary file + rename), never over an input, never over
an existing file without --force.

Every command that writes a file (reports, scripts, .eml drafts, CSVs) calls `prepare_output`
before doing its work, so that a refusal comes at once, as one line and exit 2, and then writes
with `write_bytes_atomic` / `write_text_atomic`: a reader (or a crash) sees the old file or the
new one, never half of one.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO


class OutputRefused(Exception):
    """An output file that must not or cannot be written; `str(e)` is one line saying why."""


def prepare_output(
    path: str | os.PathLike[str] | None,
    *,
    inputs: Iterable[str | os.PathLike[str] | None] = (),
    force: bool = False,
    what: str = "--output",
) -> Path | None:
    """Check that `path` may be written; None for stdout (`None` or `-`).

    Refused (`OutputRefused`): a directory; any of `inputs` (the exports, the schema, the token
    file …, compared after resolving links, so `./users.csv` and a symlink to it are caught);
    an existing file unless `force`; a file in a directory that does not exist; a name that
    can only be a directory ('nodir/', checked as typed: `Path` drops the slash); a path the
    checks themselves cannot look at (a name too long for the file system, a directory that
    may not be searched, a NUL). Devices and pipes (`/dev/stdout`, `/dev/null`) are written in
    place and need no --force.
    """
    if path is None or str(path) == "-":
        return None
    shown = os.fspath(path)  # as the user spelled it
    if shown == "":  # Path("") is ".", which would be refused as "a directory"
        raise OutputRefused(f"{what} is an empty file name; give a file name.")
    try:
        return _checked_output(Path(path), shown, inputs=inputs, force=force, what=what)
    except OSError as error:  # ENAMETOOLONG, EACCES … from stat(): one line, not a traceback
        reason = error.strerror or type(error).__name__
        raise OutputRefused(f"{what} {shown} cannot be written: {reason}.") from None
    except ValueError as error:  # an embedded NUL, from a config file or a caller
        raise OutputRefused(f"{what} {shown!r} cannot be written: {error}.") from None


def _checked_output(
    target: Path,
    shown: str,
    *,
    inputs: Iterable[str | os.PathLike[str] | None],
    force: bool,
    what: str,
) -> Path:
    if target.is_dir():
        raise OutputRefused(f"{what} {shown} is a directory; give a file name.")
    if _names_a_directory(shown):
        # Checked as typed: pathlib drops a trailing '/' (and a final '/.'), so 'nodir/' would
        # otherwise be written as a file named 'nodir'.
        raise OutputRefused(
            f"{what} {shown} names a directory that does not exist; give a file name."
        )
    for source in inputs:
        if source is None or str(source) == "-":
            continue
        if _same_file(target, Path(source)):
            alias = "" if os.fspath(source) == shown else f" ({source})"
            raise OutputRefused(
                f"{what} {shown} is one of the inputs{alias}; motiscim never writes over its "
                "inputs: choose another file."
            )
    if _is_regular_file(target) and not force:
        raise OutputRefused(f"{what} {shown} already exists; pass --force to replace it.")
    if not target.exists():
        parent = target.parent if str(target.parent) else Path(".")
        if not parent.is_dir():
            raise OutputRefused(f"{what} {shown}: the directory {parent} does not exist.")
    return target


def _names_a_directory(path: str) -> bool:
    """'reports/', 'reports/.', '..': a name that can only be a directory, whatever is there."""
    return os.path.basename(path) in ("", ".", "..")


def _same_file(target: Path, source: Path) -> bool:
    try:
        if target.exists() and source.exists():
            return os.path.samefile(target, source)
        return os.path.realpath(target) == os.path.realpath(source)
    except OSError:
        return False


def _is_regular_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, flush it to disk, then rename it over.

    Raises OSError (the caller says it in one line). See `atomic_writer`."""
    with atomic_writer(path) as handle:
        handle.write(data)


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """A binary file to stream into; on success it replaces `path` (flushed to disk first), on
    an exception it is removed and `path` is untouched.

    The new file gets the replaced file's permissions, or the usual ones for a new file (the
    temporary file is created 0600). A device or pipe (`/dev/stdout`) is written in place:
    renaming over it would replace the device. Wrap in `io.TextIOWrapper` for text.
    """
    target = Path(path)
    if _is_device(target):
        with open(target, "wb") as device:
            yield device
        return
    handle, temporary, mode = _temporary_beside(target)
    try:
        with handle:
            yield handle
            _to_disk(handle)
        _put_in_place(temporary, target, mode)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class WriteFailed(Exception):
    """One of several files could not be written (`write_files_atomic`): `path` names it,
    `reason` says why."""

    def __init__(self, path: str, error: OSError) -> None:
        self.path = path
        self.reason = error.strerror or str(error)
        super().__init__(f"{path}: {self.reason}")


def write_files_atomic(files: Sequence[tuple[str, bytes]]) -> None:
    """Write several files all or nothing, so that a failure leaves no output a rerun would be
    refused for ("already exists"): every one is written and flushed to disk in a temporary
    file beside it first, and only then are they renamed over their targets. A failure before
    the renames (a full disk, a read-only directory) removes the temporary files and leaves
    every target as it was; only a failing rename, after all that, could leave the files before
    it in place. A device or pipe is written in place, as in `atomic_writer`.

    Raises `WriteFailed` naming the file."""
    staged: list[tuple[str, str, int]] = []  # target, temporary file, mode
    current = ""
    try:
        for path, data in files:
            current = path
            if _is_device(Path(path)):
                with open(path, "wb") as device:
                    device.write(data)
                continue
            handle, temporary, mode = _temporary_beside(Path(path))
            staged.append((path, temporary, mode))
            with handle:
                handle.write(data)
                _to_disk(handle)
        for path, temporary, mode in staged:
            current = path
            _put_in_place(temporary, Path(path), mode)
    except BaseException as error:
        for _, temporary, _ in staged:
            Path(temporary).unlink(missing_ok=True)  # gone already once renamed
        if isinstance(error, OSError):
            raise WriteFailed(current, error) from error
        raise


def _is_device(target: Path) -> bool:
    # A device or pipe (/dev/stdout) is written in place: renaming over it would replace it.
    return target.exists() and not _is_regular_file(target)


def _temporary_beside(target: Path) -> tuple[BinaryIO, str, int]:
    """A new temporary file (0600) in the target's directory, its name, and the mode the target
    is to get: the replaced file's, or the usual one for a new file."""
    directory = target.parent if str(target.parent) else Path(".")
    mode = _mode_for(target)
    fd, temporary = tempfile.mkstemp(
        prefix=f".{_temporary_stem(target.name)}.", suffix=".tmp", dir=directory
    )
    return os.fdopen(fd, "wb"), temporary, mode


def _to_disk(handle: BinaryIO) -> None:
    handle.flush()
    os.fsync(handle.fileno())


def _put_in_place(temporary: str, target: Path, mode: int) -> None:
    os.chmod(temporary, mode)
    os.replace(temporary, target)


# Bytes of the target's name kept in its temporary file's name: with '.', '.', mkstemp's 8
# random characters and '.tmp' that stays far below NAME_MAX (255 on common file systems), so
# a name that fits the file system always has a temporary file that fits too.
TEMPORARY_STEM_BYTES = 100


def _temporary_stem(name: str) -> str:
    # Cut in bytes, not characters (a character may take 4); a character cut in half becomes
    # surrogate escapes, which os.fsencode turns back into the same bytes.
    return os.fsdecode(os.fsencode(name)[:TEMPORARY_STEM_BYTES])


def write_text_atomic(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    write_bytes_atomic(path, text.encode(encoding))


def _mode_for(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
