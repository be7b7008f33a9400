"""Renderers: each turns the one `Report` into one output format.

A renderer is `render(report, *, redact: bool, color: bool) -> str`. `RENDERERS` maps a
`--format` name to the module that implements it, imported only when chosen.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

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
