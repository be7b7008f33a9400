"""Option parsing shared by commands: rule code lists, column overrides, output and colour."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

import typer

from checks.model import MOTIMATE_ATTRIBUTES


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


def emit(text: str, output: str | None, *, quiet: bool = False) -> None:
    """Write a rendered report to --output (never the terminal too) or to stdout.

    `quiet` (--quiet) drops the "report written to" note on stderr."""
    if output is None or output == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from motiscim_cli.files import write_text_atomic

    try:
        write_text_atomic(output, text)
    except OSError as error:
        typer.echo(f"motiscim: cannot write {output}: {error.strerror or error}", err=True)
        raise typer.Exit(2) from None
    if not quiet:
        typer.echo(f"motiscim: report written to {output}", err=True)
