"""What loading the CLI imports: only what every command needs. The HTTP client (httpx, for
`connect` and `preflight`), the email workflow and the schema reader are imported by the
commands that use them, when they run, so `motiscim check` on a small file starts fast.

Structural, not timed: each case runs in a fresh interpreter and lists the modules it loaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXPORT = ROOT / "sample_exports" / "entra-users-download.csv"

# Modules only `connect`, `preflight`, `email` or `mapping` need.
NOT_FOR_CHECK = (
    "httpx",
    "httpcore",
    "motiscim_cli.connect",
    "motiscim_cli.email_workflow",
    "motiscim_cli.email_draft",
    "motiscim_cli.mapping_run",
)


def loaded_after(code: str, cwd: Path) -> set[str]:
    """The modules in sys.modules after running `code` in a fresh interpreter."""
    listing = "import json, sys\nprint(json.dumps(sorted(sys.modules)), file=sys.__stderr__)"
    script = f"{code}\n{listing}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTIMATE_SCIM_")}
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**env, "NO_COLOR": "1", "GITHUB_ACTIONS": ""},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stderr.splitlines()[-1]))


def test_loading_the_app_imports_no_http_client_and_no_command_workflow(tmp_path: Path) -> None:
    loaded = loaded_after("import motiscim_cli.app", tmp_path)
    assert "motiscim_cli.app" in loaded
    assert {"motiscim_cli.commands.check", "motiscim_cli.commands.connect"} <= loaded
    assert sorted(m for m in NOT_FOR_CHECK if m in loaded) == []
    # nor the parsers and checkers that only running a command needs
    heavy = ("yaml", "email_validator", "phonenumbers", "rich", "checks.rules")
    assert sorted(m for m in heavy if m in loaded) == []


@pytest.mark.parametrize("output_format", ["json", "table"])
def test_check_imports_no_http_client(tmp_path: Path, output_format: str) -> None:
    run = (
        "from motiscim_cli.app import app\n"
        "try:\n"
        f"    app(['check', {str(EXPORT)!r}, '--format', {output_format!r}])\n"
        "except SystemExit as exit:\n"
        "    assert exit.code == 1, exit.code  # the sample has errors: not ready\n"
    )
    loaded = loaded_after(run, tmp_path)
    assert {"motiscim_cli.run", "checks.rules", "motiscim_cli.report"} <= loaded  # it checked
    assert sorted(m for m in NOT_FOR_CHECK if m in loaded) == []
    assert "yaml" not in loaded  # no motiscim.yaml here: nothing to parse
    # No command needs pydantic (here only as scim2-server's); typer 0.29 imports it and builds
    # an adapter per parameter at every start (+0.14 s), hence typer<0.29 in pyproject.toml.
    assert "pydantic" not in loaded
