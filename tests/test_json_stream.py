"""The streamed reports (json, jsonl, csv, github) are byte for byte the rendered ones."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.generate import write_csv
from motiscim_cli.app import app
from motiscim_cli.render import STREAMED, render, write, write_file
from motiscim_cli.render.json_report import render as render_json
from motiscim_cli.render.json_report import write as write_json
from motiscim_cli.report import Report
from motiscim_cli.run import CheckOptions, run_check
from tests.report_fixture import sample_report

SAMPLES = Path(__file__).resolve().parent.parent / "sample_exports"


def _same(report: Report) -> None:
    for redact in (False, True):
        streamed = io.StringIO()
        write_json(report, streamed, redact=redact)
        assert streamed.getvalue() == render_json(report, redact=redact)


@pytest.fixture(scope="module")
def big_report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    path = tmp_path_factory.mktemp("stream") / "users.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        write_csv(out, 2_000, 8)
    paths = [str(path), *(str(p) for p in sorted(SAMPLES.glob("*.csv")))]
    report, _ = run_check(paths, CheckOptions(region="NO"))
    assert len(report.findings) > 300
    return report


def test_streamed_report_equals_rendered_report(big_report: Report) -> None:
    _same(big_report)


def test_streamed_report_without_findings() -> None:
    _same(Report())


@pytest.mark.parametrize("name", sorted(STREAMED))
@pytest.mark.parametrize("redact", [False, True], ids=["", "redact"])
def test_every_streamed_format_equals_its_rendering(
    big_report: Report, name: str, redact: bool, tmp_path: Path
) -> None:
    for report in (big_report, Report()):
        rendered = render(report, name, redact=redact)
        streamed = io.StringIO()
        write(report, name, streamed, redact=redact)
        assert streamed.getvalue() == rendered
        write_file(report, name, str(tmp_path / "r.out"), redact=redact)
        assert (tmp_path / "r.out").read_bytes() == rendered.encode("utf-8")


@pytest.mark.parametrize("name", sorted(STREAMED))
def test_check_streams_to_stdout_what_it_writes_to_a_file(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same bytes on stdout as in --output (generated_at aside, a timestamp)."""
    monkeypatch.chdir(tmp_path)
    export = str(SAMPLES / "entra-users-download.csv")
    env = {"GITHUB_ACTIONS": "", "NO_COLOR": "1"}
    runner = CliRunner()
    piped = runner.invoke(app, ["check", export, "--format", name], env=env)
    filed = runner.invoke(app, ["check", export, "--format", name, "-o", "r.out"], env=env)
    assert (piped.exit_code, filed.exit_code) == (1, 1)
    assert filed.stderr == "motiscim: report written to r.out\n"

    def undated(data: bytes) -> bytes:
        return re.sub(rb'"generated_at": "[^"]*"', b'"generated_at": ""', data)

    assert undated(piped.stdout_bytes) == undated((tmp_path / "r.out").read_bytes())
    assert len(piped.stdout_bytes) > 4000


@pytest.mark.parametrize("redact", [False, True], ids=["", "redact"])
def test_streamed_findings_of_every_shape_equal_the_rendered_ones(redact: bool) -> None:
    """The golden report's findings: JSON pointers (line null), file findings (user null),
    related rows, a suppressed finding, quotes, line breaks and non-ASCII in values."""
    report = sample_report()
    shapes = {
        "pointer": any(f.pointer for f in report.findings),
        "file": any(f.row is None for f in report.findings),
        "related": any(f.related_rows for f in report.findings),
        "suppressed": any(f.suppressed for f in report.findings),
    }
    assert shapes == dict.fromkeys(shapes, True)
    _same_way(report, redact)


def _same_way(report: Report, redact: bool) -> None:
    streamed = io.StringIO()
    write_json(report, streamed, redact=redact)
    assert streamed.getvalue() == render_json(report, redact=redact)
