"""Option parsing shared by commands: rule code lists, column overrides, output and colour."""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import sys
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import typer

from checks.model import MOTIMATE_ATTRIBUTES

if TYPE_CHECKING:
    from motiscim_cli.report import Report
    from motiscim_cli.run import ReadError


def region_problem(region: str) -> str | None:
    """Why `region` cannot be the --region (or config region:), or None when it can.

    An unknown code (`XX`, or `UK` for GB) would silently give no phone fixes at all."""
    if not (len(region) == 2 and region.isalpha() and region.isascii()):
        return "a two-letter ISO country code, e.g. NO"
    import phonenumbers

    if region.upper() not in phonenumbers.SUPPORTED_REGIONS:
        hint = " (the United Kingdom is GB)" if region.upper() == "UK" else ""
        return f"no country has the code {region.upper()}{hint}: use its ISO code, e.g. NO"
    return None


# What --output's extension implies when no --format is given: one table for every command that
# writes a report (check, mapping, preflight, connect), so that `-o report.json` means JSON to
# each of them.
FORMAT_BY_EXTENSION = {
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".sarif": "sarif",
    ".xml": "junit",
    ".csv": "csv",
    ".md": "markdown",
    ".html": "html",
    ".htm": "html",
    ".txt": "table",
}


def choose_output_format(
    explicit: str | None, output: str | None, *, supported: Collection[str], default: str
) -> str:
    """--format when given, else what --output's extension implies (FORMAT_BY_EXTENSION) if the
    command can write that format, else `default`.

    An extension the command cannot write (`mapping -o report.sarif`) or none at all gets the
    default, as an unknown extension always has in `check`: the name of a file is a hint, not a
    request, and only an explicit --format that is not supported is a usage error. A format's
    extension the command cannot write gets a note on stderr: a CI job that expects SARIF
    there would otherwise find a table without a word."""
    if explicit is not None:
        return explicit
    if output not in (None, "-"):
        implied = FORMAT_BY_EXTENSION.get(os.path.splitext(output)[1].lower())
        if implied in supported:
            return implied
        if implied is not None:
            typer.echo(
                f"motiscim: note: {output} is named like {implied}, which this command does not "
                f"write; it gets {default} (--format: {', '.join(supported)}).",
                err=True,
            )
    return default


def split_codes(values: Iterable[str] | None, option: str = "--select") -> list[str]:
    """`--select P001,P002 --select E` → ['P001', 'P002', 'E'].

    A code or prefix that names no rule is a usage error: a typo in `--select` would otherwise
    run no rule at all and report every user as ready.
    """
    import difflib

    from checks.model import all_rules

    codes = [c.strip().upper() for v in values or () for c in v.split(",") if c.strip()]
    known = list(all_rules())
    for code in codes:
        if not any(rule.startswith(code) for rule in known):
            hint = difflib.get_close_matches(code, known, n=1)
            suggestion = f"; did you mean {hint[0]}?" if hint else ""
            raise typer.BadParameter(
                f"no rule {code}{suggestion} (see `motiscim rules`)", param_hint=option
            )
    return codes


def parse_columns(values: Iterable[str] | None) -> dict[str, str]:
    """`--column phone_number=telephoneNumber` → {'phone_number': 'telephoneNumber'}."""
    overrides: dict[str, str] = {}
    for item in values or ():
        attribute, sep, header = item.partition("=")
        attribute = attribute.strip()
        if not sep or not header.strip():
            raise typer.BadParameter(
                f"expected ATTRIBUTE=HEADER, got {item!r}", param_hint="--column"
            )
        if attribute not in MOTIMATE_ATTRIBUTES:
            raise typer.BadParameter(
                f"unknown Motimate attribute {attribute!r}; "
                f"one of: {', '.join(MOTIMATE_ATTRIBUTES)}",
                param_hint="--column",
            )
        overrides[attribute] = header.strip()
    return overrides


def use_color(no_color: bool, stream=None) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    stream = stream or sys.stdout
    if no_color or os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def terminal_width() -> int | None:
    try:
        return os.get_terminal_size(sys.stdout.fileno()).columns if sys.stdout.isatty() else None
    except (OSError, ValueError):
        return None


def refuse_unsafe_output(
    output: str | os.PathLike[str] | None,
    *,
    inputs: Iterable[str | os.PathLike[str] | None],
    force: bool,
    what: str = "--output",
) -> None:
    """Before any work: exit 2 with one line if --output would overwrite an input, an existing
    file without --force, or cannot be a file (see `files.prepare_output`)."""
    from motiscim_cli.files import OutputRefused, prepare_output

    try:
        prepare_output(output, inputs=inputs, force=force, what=what)
    except OutputRefused as error:
        typer.echo(f"motiscim: {error}", err=True)
        raise typer.Exit(2) from None


def say_unread_exports(report: Report, errors: Sequence[ReadError]) -> bool:
    """One line on stderr for each export that could not be read (`motiscim: cannot read FILE:
    REASON`); True when nothing was read at all.

    `check`, `preflight` and `email` share it: when no user was read, a report (or an email)
    would only repeat that line with nothing under it, so the caller ends there with exit 2
    and nothing on stdout, as the README promises for an unreadable input."""
    for error in errors:
        typer.echo(error.line(), err=True)
    return bool(errors) and not report.users


def emit(text: str, output: str | None, *, quiet: bool = False) -> None:
    """Write a rendered report to --output (never the terminal too) or to stdout.

    `quiet` (--quiet) drops the "report written to" note on stderr. A failed write to stdout
    is `StdoutFailed` (see `stdout_guarded`), never an OSError that names a file."""
    if output is None or output == "-":
        write_stdout(text)
        return
    from motiscim_cli.files import write_text_atomic

    try:
        write_text_atomic(output, text)
    except OSError as error:
        typer.echo(f"motiscim: cannot write {output}: {error.strerror or error}", err=True)
        raise typer.Exit(2) from None
    if not quiet:
        typer.echo(f"motiscim: report written to {output}", err=True)


# ---- standard output that cannot be written --------------------------------------------------

# The exit code of a command whose reader went away (`motiscim check … | head -1`): what a shell
# reports for a program that SIGPIPE ended (128 + 13), as `cat` or `grep` do. Not 1, which
# motiscim uses for "not ready", and no message: the reader chose to stop reading.
EXIT_BROKEN_PIPE = 141
EXIT_USAGE = 2

P = ParamSpec("P")
R = TypeVar("R")


class StdoutFailed(Exception):
    """Standard output could not be written (a full disk, a closed pipe, an I/O error).

    Deliberately not an OSError: commands catch OSError around writing their --output files and
    name the file, and stdout is no file they were given."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error.strerror or str(error))
        self.error = error


def write_stdout(text: str) -> None:
    """Write `text` to stdout and flush it; a failure is `StdoutFailed`."""
    try:
        _write_in_pieces(sys.stdout, text)
        sys.stdout.flush()
    except OSError as error:
        raise StdoutFailed(error) from error


# Characters (or bytes) handed to the stream at a time. A write larger than the stream's buffer
# (8 KiB) goes to the descriptor directly, and when the kernel takes only part of it (the pipe's
# reader left, the disk filled up) CPython returns the count, which TextIOWrapper ignores: the
# rest is dropped without an error, and motiscim would exit as if the report were complete.
# Pieces this size go through the buffer, whose flush raises on the failure.
_PIECE = 2048  # at most 4 bytes a character in UTF-8: 8 KiB


def _write_in_pieces(stream: Any, data: Any) -> int:
    if len(data) <= _PIECE:
        return stream.write(data)
    for start in range(0, len(data), _PIECE):
        stream.write(data[start : start + _PIECE])
    return len(data)


class _GuardedStream:
    """`sys.stdout` (and its `.buffer`) while a command runs: everything is the real stream's,
    except that a write or flush that fails raises `StdoutFailed`, so that it reaches
    `stdout_guarded` however it was written (typer.echo, rich, a renderer streaming), and that
    a large write is made in pieces (see `_PIECE`), so that a failure is never lost."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, data: Any) -> int:
        try:
            return _write_in_pieces(self._stream, data)
        except OSError as error:
            raise StdoutFailed(error) from error

    def writelines(self, lines: Iterable[Any]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as error:
            raise StdoutFailed(error) from error

    @property
    def buffer(self) -> _GuardedStream:
        return _GuardedStream(self._stream.buffer)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def guarded_stdout() -> Iterator[None]:
    """Run a command with stdout guarded (see `stdout_guarded`)."""
    original = sys.stdout
    sys.stdout = _GuardedStream(original)  # type: ignore[assignment]
    try:
        try:
            yield
        finally:
            # What is still buffered is part of the output: its failure is the command's too,
            # also when the command ended with an exit code (typer.Exit).
            sys.stdout.flush()
    except StdoutFailed as failure:
        sys.stdout = original
        _give_up_on_stdout(original, failure.error)
    finally:
        sys.stdout = original


def stdout_guarded(command: Callable[P, R]) -> Callable[P, R]:
    """Wrap a command so that a stdout it cannot write ends it the way every bad output does:
    `motiscim: cannot write to standard output: No space left on device`, exit 2, no traceback
    (`> /dev/full`). A closed pipe (`| head -1`) ends it quietly, exit 141.

    Commands register `stdout_guarded(command)`; typer reads the options from the wrapped
    function (`functools.wraps`)."""

    @functools.wraps(command)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        with guarded_stdout():
            return command(*args, **kwargs)

    return guarded


def _give_up_on_stdout(stream: Any, error: OSError) -> None:
    # Whatever is still buffered would fail again when Python flushes stdout at exit and print
    # "Exception ignored … BrokenPipeError" after all: point the descriptor at /dev/null.
    with contextlib.suppress(OSError, ValueError):  # no descriptor (CliRunner's stream): nothing
        descriptor = stream.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, descriptor)
        os.close(devnull)
    if error.errno == errno.EPIPE:
        raise typer.Exit(EXIT_BROKEN_PIPE)
    reason = error.strerror or str(error)
    with contextlib.suppress(OSError):  # stderr may be gone as well: the exit code remains
        typer.echo(f"motiscim: cannot write to standard output: {reason}", err=True)
    raise typer.Exit(EXIT_USAGE)
