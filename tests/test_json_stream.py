"""The streamed JSON report is byte for byte the rendered one."""

from __future__ import annotations

import io
from pathlib import Path

from bench.generate import write_csv
from motiscim_cli.render.json_report import render, write
from motiscim_cli.report import Report
from motiscim_cli.run import CheckOptions, run_check

SAMPLES = Path(__file__).resolve().parent.parent / "sample_exports"


def _same(report: Report) -> None:
    for redact in (False, True):
        streamed = io.StringIO()
        write(report, streamed, redact=redact)
        assert streamed.getvalue() == render(report, redact=redact)


def test_streamed_report_equals_rendered_report(tmp_path: Path) -> None:
    path = tmp_path / "users.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        write_csv(out, 2_000, 8)
    paths = [str(path), *(str(p) for p in sorted(SAMPLES.glob("*.csv")))]
    report, _ = run_check(paths, CheckOptions(region="NO"))
    assert len(report.findings) > 300
    _same(report)


def test_streamed_report_without_findings() -> None:
    _same(Report())
