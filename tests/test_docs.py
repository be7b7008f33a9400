"""README.md stays true: every registered rule and every command of the CLI is documented."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from checks.model import all_rules
from motiscim_cli.app import app

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", README, re.S | re.M)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def test_every_registered_rule_is_in_the_readme_rules_section() -> None:
    documented = set(re.findall(r"`([A-Z]\d{3})`", _section("The rules")))
    registered = set(all_rules())
    assert registered - documented == set()
    assert documented - registered == set()


def test_every_command_is_in_the_readme_or_help() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    commands = {command.name for command in app.registered_commands}
    for name in commands - {"init", "rules"}:
        assert f"`motiscim {name}" in README, name
        assert name in result.output, name


def test_version_prints_the_package_version() -> None:
    from motiscim_cli import __version__

    result = CliRunner().invoke(app, ["--version"])
    assert (result.exit_code, result.output) == (0, f"motiscim {__version__}\n")
