"""Options every command spells alike: a user who learnt `check -f json -o r.json` can type the
same to any command that has those options."""

from __future__ import annotations

import typer.main

from motiscim_cli.app import app

SHORT_FORMS = {"--format": "-f", "--output": "-o"}


def test_every_format_and_output_option_has_its_short_form() -> None:
    group = typer.main.get_command(app)
    missing: list[str] = []
    checked = 0
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        for param in command.params:
            for long, short in SHORT_FORMS.items():
                if long in param.opts:
                    checked += 1
                    if short not in param.opts:
                        missing.append(f"{name} {long}")
    assert checked >= 10  # check, mapping, connect, email, preflight, fix … each have them
    assert missing == []
