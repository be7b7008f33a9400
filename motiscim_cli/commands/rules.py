"""`motiscim rules [CODE]`: the rule catalogue, documented by the rules' own docstrings."""

from __future__ import annotations

from typing import Annotated

import typer


def rules(
    code: Annotated[str | None, typer.Argument(help="A rule code, e.g. P001.")] = None,
) -> None:
    """List every rule with its code and default severity, or show one rule's documentation."""
    from checks.model import all_rules, get_rule

    if code is not None:
        try:
            rule = get_rule(code)
        except KeyError as error:
            typer.echo(f"motiscim: {error.args[0]}", err=True)
            raise typer.Exit(2) from None
        typer.echo(f"{rule.code} ({rule.severity.value}) {rule.name}\n")
        typer.echo(rule.doc)
        return
    for rule in all_rules().values():
        typer.echo(f"{rule.code}  {rule.severity.value:<7}  {rule.summary}")


def register(app: typer.Typer) -> None:
    from motiscim_cli.options import stdout_guarded

    app.command("rules")(stdout_guarded(rules))
