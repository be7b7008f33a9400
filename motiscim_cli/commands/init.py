"""`motiscim init`: write a commented `motiscim.yaml` template to start from."""

from __future__ import annotations

from typing import Annotated

import typer


def init(
    path: Annotated[
        str, typer.Argument(help="Where to write it ('-': standard output).", show_default=True)
    ] = "motiscim.yaml",
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented motiscim.yaml template (every key, with examples in comments).

    Keys: tenant_url, region, organisation, contact, test_users, columns, mapping,
    rules (select, ignore, severity), exceptions (user, rules, reason). Commands find the file
    in the working directory or its parents, or take --config FILE; their options win over it.
    """
    from importlib.resources import files
    from pathlib import Path

    from motiscim_cli.files import OutputRefused, prepare_output, write_text_atomic

    template = files("motiscim_cli").joinpath("templates/motiscim.yaml").read_text("utf-8")
    if path == "-":  # as every other output option reads it: standard output
        typer.echo(template, nl=False)
        return
    if path == "":  # Path("") is the working directory, which exists
        typer.echo("motiscim: the config file is an empty file name; give a file name.", err=True)
        raise typer.Exit(2)
    try:
        # The checks every output gets, in their words: a directory is one, with --force or
        # without (never "exists; use --force", and never replaced), an existing file needs
        # --force. `path` as typed: Path() drops a trailing '/' ('nodir/' names a directory).
        prepare_output(path, force=force, what="the config file")
        write_text_atomic(Path(path), template)
    except OutputRefused as error:
        typer.echo(f"motiscim: {error}", err=True)
        raise typer.Exit(2) from None
    except OSError as error:
        typer.echo(f"motiscim: cannot write {path}: {error.strerror or error}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"motiscim: wrote {path}", err=True)


def register(app: typer.Typer) -> None:
    from motiscim_cli.options import stdout_guarded

    app.command("init")(stdout_guarded(init))
