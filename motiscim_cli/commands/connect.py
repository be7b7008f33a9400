"""`motiscim connect [URL]`: test the tenant URL and Secret Token the way Entra's *Test
connection* does, read-only, and say exactly what is wrong and how to fix it."""

from __future__ import annotations

import enum
import io
import json
import math
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer

# Only what the options show: the test itself (motiscim_cli.connect: httpx, TLS, the rules) is
# imported when the command runs, so that loading the CLI for `motiscim check` stays fast.
from motiscim_cli.connect_defaults import (
    DEFAULT_TIMEOUT_S,
    MAX_TIMEOUT_S,
    TENANT_URL_ENV,
    TOKEN_ENV,  # in __all__: still importable from here
)
from motiscim_cli.render.connection_table import render_connection

if TYPE_CHECKING:
    from motiscim_cli.report import ConnectionResult

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class ConnectFormat(enum.StrEnum):
    table = "table"
    json = "json"


class UsageError(Exception):
    """A one-line usage error: exit 2."""


def run_connect(
    url: str | None,
    *,
    token_file: Path | None = None,
    output_format: ConnectFormat | None = None,
    output: str | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    ca_bundle: Path | None = None,
    slow_after_s: float | None = None,
    tenant_url: str | None = None,
    environ: Mapping[str, str] = os.environ,
    interactive: bool | None = None,
    force: bool = False,
) -> int:
    """The command's work, returning the exit code.

    `tenant_url` is the hook for the config file: pass the configured tenant URL; the URL
    argument still wins, and MOTIMATE_SCIM_TENANT_URL is the last resort. `slow_after_s`
    None is the rules' threshold for C012 (DEFAULT_SLOW_AFTER_S).
    """
    from motiscim_cli.connect import (
        DEFAULT_SLOW_AFTER_S,
        TokenUnavailable,
        ca_bundle_problem,
        check_connection,
        prompt_for_token,
        resolve_tenant_url,
        resolve_token,
    )
    from motiscim_cli.files import OutputRefused, prepare_output, write_text_atomic
    from motiscim_cli.options import choose_output_format

    chosen_format = ConnectFormat(
        choose_output_format(
            output_format, output, supported=tuple(ConnectFormat), default=ConnectFormat.table
        )
    )

    try:
        try:
            prepare_output(output, inputs=[token_file, ca_bundle], force=force)
        except OutputRefused as error:
            raise UsageError(str(error)) from None
        chosen_url = resolve_tenant_url(url, configured=tenant_url, environ=environ)
        if chosen_url is None:
            raise UsageError(f"No tenant URL: pass it as the argument or set {TENANT_URL_ENV}.")
        if ca_bundle is not None:
            problem = ca_bundle_problem(ca_bundle)
            if problem is not None:
                raise UsageError(f"Cannot use the CA bundle {ca_bundle}: {problem}.")
        if not (math.isfinite(timeout) and 0 < timeout <= MAX_TIMEOUT_S):
            raise UsageError(f"--timeout: a number of seconds up to {MAX_TIMEOUT_S:g}.")
        if interactive is None:
            interactive = sys.stdin.isatty()
        try:
            token, origin = resolve_token(
                token_file, environ=environ, prompt=prompt_for_token if interactive else None
            )
        except TokenUnavailable as error:
            raise UsageError(str(error)) from None
    except UsageError as error:
        typer.echo(f"motiscim connect: {error}", err=True)
        return EXIT_USAGE

    if slow_after_s is None:
        slow_after_s = DEFAULT_SLOW_AFTER_S
    result = check_connection(
        chosen_url, token, timeout=timeout, verify=ca_bundle, slow_after_s=slow_after_s
    )
    del token  # nothing below needs it
    from motiscim_cli.email_workflow import mask_tenant_url

    mask_tenant_url(result, chosen_url)

    if output is None or output == "-":  # `-o -` is standard output, as for every command
        _write(result, origin, chosen_format, sys.stdout, terminal=output is None)
    else:
        stream = io.StringIO()
        _write(result, origin, chosen_format, stream, terminal=False)
        try:
            write_text_atomic(output, stream.getvalue())
        except OSError as error:
            typer.echo(f"motiscim connect: cannot write {output}: {error.strerror}.", err=True)
            return EXIT_USAGE
        typer.echo(f"Connection report written to {output}.", err=True)
    return EXIT_OK if result.ok else EXIT_FAILED


def _write(
    result: ConnectionResult,
    origin: str,
    output_format: ConnectFormat,
    stream: TextIO,
    *,
    terminal: bool,
) -> None:
    from motiscim_cli.report import Report

    if output_format is ConnectFormat.json:
        stream.write(json.dumps(Report(connection=result).to_json(), indent=2) + "\n")
        return
    render_connection(result, origin, stream, terminal=terminal)


def register(app: typer.Typer) -> None:
    from motiscim_cli.options import stdout_guarded

    @app.command("connect")
    @stdout_guarded
    def connect(
        url: Annotated[
            str | None,
            typer.Argument(
                help=(
                    "The SCIM Tenant URL Motimate sent, https://{identifier}.motimateapp.com/"
                    f"scim/v1. Default: ${TENANT_URL_ENV}."
                ),
                show_default=False,
                metavar="URL",
            ),
        ] = None,
        token_file: Annotated[
            Path | None,
            typer.Option(
                "--token-file",
                help="Read the Secret Token from this file (one final line break is ignored).",
                metavar="FILE",
                show_default=False,
            ),
        ] = None,
        output_format: Annotated[
            ConnectFormat | None,
            typer.Option(
                "--format",
                "-f",
                help="table for people, json for the report/v1 contract. Default: from the "
                "--output extension (.json; .txt is table), else table.",
                show_default=False,
            ),
        ] = None,
        output: Annotated[
            str | None,  # not Path, which drops a trailing '/' ('nodir/' names a directory)
            typer.Option(
                "--output",
                "-o",
                help="Write the report to FILE instead of stdout.",
                show_default=False,
                metavar="FILE",
            ),
        ] = None,
        timeout: Annotated[
            float,
            typer.Option(
                "--timeout",
                help="Seconds to wait for each answer.",
                min=0.1,
                max=MAX_TIMEOUT_S,
                metavar="SECONDS",
            ),
        ] = DEFAULT_TIMEOUT_S,
        ca_bundle: Annotated[
            Path | None,
            typer.Option(
                "--ca-bundle",
                help=(
                    "Trust the CAs in this PEM file instead of the system's, e.g. the CA of a "
                    "corporate TLS-inspecting proxy."
                ),
                metavar="FILE",
                show_default=False,
            ),
        ] = None,
        slow_after: Annotated[
            float | None,
            typer.Option(
                "--slow-after",
                hidden=True,
                min=0.0,
                help="Seconds after which an answer counts as slow (C012). Default: the rules'.",
            ),
        ] = None,
        config: Annotated[
            str | None,
            typer.Option("--config", help="The motiscim config file (tenant_url).", metavar="FILE"),
        ] = None,
        force: Annotated[
            bool, typer.Option("--force", help="Replace the --output file if it exists.")
        ] = False,
    ) -> None:
        """Test the tenant URL and Secret Token the way Entra's Test connection does.

        Sends only GET /Users?filter=userName eq "<random GUID>" and the same for externalId
        (no user data, no writes, no redirects followed) and explains every failure with a
        fix (rules C001-C013). The token comes from --token-file, $MOTIMATE_SCIM_TOKEN, or a
        hidden prompt in a terminal; there is deliberately no --token option, because a token
        typed on the command line lands in shell history and the process list. The token is
        never printed or written.

        Exit codes: 0 the connection works, 1 it fails, 2 usage error.
        """
        from motiscim_cli.config import ConfigError, load_config
        from motiscim_cli.options import refuse_unsafe_output

        try:
            settings = load_config(config)
        except ConfigError as error:
            typer.echo(f"motiscim: config: {error}", err=True)
            raise typer.Exit(2) from None
        configured_url = settings.tenant_url
        refuse_unsafe_output(output, inputs=[settings.path, token_file, ca_bundle], force=force)
        raise typer.Exit(
            run_connect(
                url,
                token_file=token_file,
                output_format=output_format,
                output=output,
                timeout=timeout,
                ca_bundle=ca_bundle,
                slow_after_s=slow_after,
                tenant_url=configured_url,
                force=force,
            )
        )


__all__ = [
    "TOKEN_ENV",
    "ConnectFormat",
    "register",
    "render_connection",
    "run_connect",
]
