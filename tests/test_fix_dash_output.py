"""`fix --csv -` (and --script/--findings -) is refused, not written to a file named '-':
'-' means standard output to check, email and init, and fix's summary is on standard output."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from motiscim_cli.app import app

DATA = Path(__file__).parent / "data" / "users-username-from-mail.csv"


@pytest.mark.parametrize("option", ["--csv", "--script", "--findings"])
def test_a_dash_output_is_refused_and_no_file_named_dash_is_written(
    option: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["fix", str(DATA), option, "-", "--force"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"motiscim: {option} - : fix writes its outputs to files (its summary is on standard "
        "output); give a file name.\n"
    )
    assert list(tmp_path.iterdir()) == []
