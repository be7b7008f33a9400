#!/usr/bin/env bash
# Render an HTML report and take a screenshot of it in real headless Chromium, to look at.
# Not part of CI (it needs Debian's chromium: `apt-get update && apt-get install -y chromium`).
#
#   scripts/screenshot_html.sh                      # the fixed test report -> /tmp/report.png
#   scripts/screenshot_html.sh REPORT.html OUT.png  # any report motiscim wrote
#
# Chromium runs with networking features off and a throw-away profile; the report itself has a
# Content-Security-Policy of default-src 'none', so it could not load anything anyway.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
[ -x .venv/bin/python ] && python="${PYTHON:-.venv/bin/python}"
report="${1:-}"
png="${2:-/tmp/report.png}"
if [ -z "$report" ]; then
  report="$(mktemp -d)/report.html"
  "$python" - "$report" <<'PY'
import sys
sys.path.insert(0, ".")
from tests.report_fixture import sample_report
from motiscim_cli.render import render
open(sys.argv[1], "w", encoding="utf-8").write(render(sample_report(), "html"))
PY
fi
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
  --hide-scrollbars --screenshot="$png" --window-size="${WINDOW_SIZE:-1280,1600}" \
  "file://$(realpath "$report")" 2>/dev/null
echo "screenshot: $png (report: $report)"
