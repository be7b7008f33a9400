"""The `motiscim` Typer application. Each command lives in `motiscim_cli/commands/<name>.py`
and registers itself through `register(app)`; heavy imports stay inside the command bodies so
that `motiscim check` on a small file starts fast."""

from __future__ import annotations

import importlib
import pkgutil

import typer

from motiscim_cli import commands

app = typer.Typer(
    name="motiscim",
    help=(
        "Preflight for SCIM provisioning from Microsoft Entra ID to Motimate: predicts, user by "
        "user, whether provisioning will succeed, tests the tenant URL and token, checks the "
        "attribute mapping and drafts the email Motimate needs.\n\n"
        "Exit codes: 0 ready, 1 not ready, 2 usage error or unreadable input."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        from motiscim_cli import __version__

        typer.echo(f"motiscim {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: bool = typer.Option(
        False,
        "--version",
        help="Print the version and exit.",
        callback=_print_version,
        is_eager=True,
    ),
) -> None:
    """The options that come before a command."""


for _module in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
    importlib.import_module(f"{commands.__name__}.{_module.name}").register(app)


def main() -> None:
    """The console script. Commands guard stdout themselves; this covers what typer prints
    before any command runs (`--help`, `--version`, usage errors) the same way."""
    import sys

    from motiscim_cli.options import guarded_stdout

    try:
        with guarded_stdout():
            app()
    except typer.Exit as stop:  # raised by the guard, outside click's own handling
        sys.exit(stop.exit_code)
