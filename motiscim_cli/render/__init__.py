"""Renderers: each turns the one `Report` into one output format.

A renderer is `render(report, *, redact: bool, color: bool) -> str`. `RENDERERS` maps a
`--format` name to the module that implements it, imported only when chosen. The formats in
`STREAMED` also have `write(report, out, *, redact: bool)`, which writes exactly what `render`
returns, piece by piece: a report of a million users is never one string in memory (`write`,
`write_file`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TextIO

from motiscim_cli.report import Report

Renderer = Callable[..., str]

RENDERERS: dict[str, str] = {
    "table": "motiscim_cli.render.table",
    "json": "motiscim_cli.render.json_report",
    "jsonl": "motiscim_cli.render.jsonl",
    "github": "motiscim_cli.render.github",
    "junit": "motiscim_cli.render.junit",
    "sarif": "motiscim_cli.render.sarif",
    "csv": "motiscim_cli.render.csv_report",
    "markdown": "motiscim_cli.render.markdown",
    "html": "motiscim_cli.render.html_report",
}


def get_renderer(name: str) -> Renderer:
    try:
        module = importlib.import_module(RENDERERS[name])
    except KeyError:
        raise ValueError(
            f"unknown format {name!r}; choose one of: {', '.join(RENDERERS)}"
        ) from None
    return module.render


def render(report: Report, name: str, *, redact: bool = False, color: bool = False) -> str:
    return get_renderer(name)(report, redact=redact, color=color)


# The formats whose findings can be written one at a time (the others are documents built whole:
# SARIF, JUnit, HTML, Markdown, and the table, which shows only the first findings anyway).
STREAMED = frozenset({"json", "jsonl", "csv", "github"})


def write(report: Report, name: str, out: TextIO, *, redact: bool = False) -> None:
    """Write `render(report, name)` to `out` piece by piece (`name` in `STREAMED`)."""
    if name not in STREAMED:
        raise ValueError(f"format {name!r} is not streamed; use render()")
    importlib.import_module(RENDERERS[name]).write(report, out, redact=redact)


def write_file(report: Report, name: str, path: str, *, redact: bool = False) -> None:
    """`write` to `path`, UTF-8 and line ends as rendered, atomically (a temporary file renamed
    over it, `files.atomic_writer`). Raises OSError when it cannot be written."""
    import io

    from motiscim_cli.files import atomic_writer

    with atomic_writer(path) as raw:
        handle = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")  # "\n": no translation
        write(report, name, handle, redact=redact)
        handle.flush()
        handle.detach()  # the writer closes the file itself
