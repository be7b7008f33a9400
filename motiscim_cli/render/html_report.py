"""`--format html`: one self-contained page for an onboarding call.

What the customer and the success manager look at together: the verdict in a coloured banner,
four numbers (users, users that would fail, users with warnings, reviewed exceptions), a bar
chart of findings per rule (inline SVG; click a bar to filter), and a findings table with a
text filter and severity/rule filters, then what each rule means (its documentation).

Self-contained and inert by construction: one file, no external stylesheet, font, image or
script, nothing fetched from the network. A Content-Security-Policy meta tag allows only the
page's own style and script, by hash (`default-src 'none'`), so even a value that escaped
escaping could not run or load anything. Every value from the export goes through
`html.escape`. The table is capped per rule (`PER_RULE_LIMIT`) so a 100,000-user export still
opens quickly; the cap is stated on the page.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections import defaultdict

from checks.model import Finding, Severity
from motiscim_cli import __version__
from motiscim_cli.render import common
from motiscim_cli.render.common import (
    by_rule_with_severity,
    code_order,
    position,
    rule_summary,
    shown_fix,
    shown_user,
    shown_value,
    suppressed,
    verdict_line,
    verdict_title,
)
from motiscim_cli.report import Report

PER_RULE_LIMIT = 1000

STYLE = """
:root{--error:#c62828;--warning:#a15c00;--info:#1565c0;--ok:#2e7d32;--muted:#6b7280;
--line:#e5e7eb;--bg:#f8fafc;font-family:system-ui,-apple-system,"Segoe UI",Roboto,
"DejaVu Sans",sans-serif;color:#111827;background:var(--bg)}
body{margin:0}
main{max-width:1360px;margin:0 auto;padding:24px 32px 48px}
h1{font-size:1.05rem;font-weight:600;color:var(--muted);margin:0 0 12px;letter-spacing:.02em}
h2{font-size:1.15rem;margin:32px 0 12px}
.verdict{border-radius:10px;padding:20px 24px;color:#fff}
.verdict strong{display:block;font-size:2rem;letter-spacing:.04em}
.verdict p{margin:6px 0 0;font-size:1.05rem;opacity:.95}
.verdict.ready{background:var(--ok)}.verdict.not-ready{background:var(--error)}
.verdict.unknown{background:#4b5563}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:12px;margin-top:16px}
.card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:14px 16px}
.card b{display:block;font-size:1.7rem}.card span{color:var(--muted);font-size:.9rem}
.card.bad b{color:var(--error)}.card.warn b{color:var(--warning)}
.sources{color:var(--muted);font-size:.9rem;margin:14px 0 0}
.scroll{overflow-x:auto}
.panel{background:#fff;border:1px solid var(--line);border-radius:10px;padding:16px}
svg.chart{width:100%;height:auto;display:block}
svg.chart text{font-size:13px;fill:#111827}
svg.chart .code{font-weight:700}
svg.chart .what{fill:var(--muted)}
svg.chart g.bar{cursor:pointer}svg.chart g.bar:hover rect.hit{fill:#f1f5f9}
rect.error{fill:var(--error)}rect.warning{fill:var(--warning)}rect.info{fill:var(--info)}
rect.muted{fill:#cbd5e1}rect.hit{fill:transparent}
.filters{display:flex;gap:10px;flex-wrap:wrap;align-items:center;margin-bottom:10px}
.filters input[type=search]{flex:1;min-width:240px;padding:8px 10px;border:1px solid #cbd5e1;
border-radius:6px;font-size:.95rem}
.filters select{padding:7px 8px;border:1px solid #cbd5e1;border-radius:6px;font-size:.95rem}
.filters .count{color:var(--muted);font-size:.9rem;margin-left:auto}
table{border-collapse:collapse;width:100%;font-size:.88rem;background:#fff}
th{position:sticky;top:0;background:#f1f5f9;text-align:left;font-weight:600}
th,td{padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
td.nowrap{white-space:nowrap}
td.value,td.fix{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.84rem}
td.fix{color:var(--ok)}
table{table-layout:fixed}
col.c-rule{width:5%}col.c-sev{width:7%}col.c-where{width:13%}col.c-user{width:16%}
col.c-value{width:15%}col.c-fix{width:13%}col.c-message{width:31%}
td{overflow-wrap:anywhere}
small{display:block;color:var(--muted);font-size:.75rem;font-family:system-ui,sans-serif}
.probable{font-family:system-ui,sans-serif;font-size:.72rem;color:var(--muted);display:block}
tr.suppressed td{color:var(--muted)}tr.suppressed td.fix{color:var(--muted)}
.sev{display:inline-block;border-radius:999px;padding:1px 8px;font-size:.78rem;color:#fff}
.sev.error{background:var(--error)}.sev.warning{background:var(--warning)}
.sev.info{background:var(--info)}
.tag{display:inline-block;border:1px solid #94a3b8;border-radius:4px;padding:0 5px;
font-size:.75rem;margin-right:4px;color:#334155}
tr.more td{color:var(--muted);font-style:italic}
details{background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px 12px;
margin:6px 0}
details summary{cursor:pointer;font-weight:600}
details pre{white-space:pre-wrap;font-family:inherit;margin:8px 0 0;color:#374151}
footer{color:var(--muted);font-size:.8rem;margin-top:32px}
@media print{.filters{display:none}th{position:static}}
""".strip()

SCRIPT = """
(function () {
  var q = document.getElementById("q"), sev = document.getElementById("sev"),
      rule = document.getElementById("rule"), sup = document.getElementById("sup"),
      shown = document.getElementById("shown");
  var rows = Array.prototype.slice.call(document.querySelectorAll("#findings tbody tr[data-rule]"));
  var texts = rows.map(function (tr) { return tr.textContent.toLowerCase(); });
  function apply() {
    var text = q.value.trim().toLowerCase(), n = 0;
    rows.forEach(function (tr, i) {
      var ok = (!sev.value || tr.getAttribute("data-severity") === sev.value) &&
               (!rule.value || tr.getAttribute("data-rule") === rule.value) &&
               (sup.checked || tr.getAttribute("data-suppressed") !== "1") &&
               (!text || texts[i].indexOf(text) !== -1);
      tr.hidden = !ok;
      if (ok) { n++; }
    });
    shown.textContent = String(n);
  }
  // A link can carry a filter: report.html#rule=P001&severity=error&q=oslo
  location.hash.replace(/^#/, "").split("&").forEach(function (pair) {
    var kv = pair.split("="), value = decodeURIComponent(kv[1] || "");
    if (kv[0] === "q") { q.value = value; }
    if (kv[0] === "severity") { sev.value = value; }
    if (kv[0] === "rule") { rule.value = value; }
  });
  [q, sev, rule, sup].forEach(function (el) {
    el.addEventListener("input", apply);
    el.addEventListener("change", apply);
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-filter-rule]"), function (el) {
    el.addEventListener("click", function () {
      rule.value = el.getAttribute("data-filter-rule");
      apply();
      document.getElementById("findings").scrollIntoView();
    });
  });
  apply();
})();
""".strip()


def _hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


CSP = f"default-src 'none'; style-src {_hash(STYLE)}; script-src {_hash(SCRIPT)}"


def esc(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def with_code(text: str) -> str:
    """Our own documentation text, escaped, with its `code` spans shown as code."""
    return re.sub(r"`([^`\n]+)`", r"<code>\1</code>", esc(text))


def shown(value: str | None) -> str:
    """A value as the reader must see it: quoted when whitespace or invisible characters matter."""
    if value is None:
        return ""
    if value != value.strip() or not value.isprintable() or value == "":
        return esc(repr(value))
    return esc(value)


def chart(report: Report) -> str:
    counts = by_rule_with_severity(report)
    if not counts:
        return '<p class="panel">No findings.</p>'
    rules = common.catalogue()
    widest = max(active + muted for _, _, active, muted in counts) or 1
    row_h, bar_w, x0 = 30, 300, 64
    parts = [
        f'<svg class="chart" viewBox="0 0 1100 {row_h * len(counts) + 8}" role="img" '
        'aria-label="Findings per rule" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (code, severity, active, muted) in enumerate(counts):
        y = 4 + i * row_h
        a_w = max(round(bar_w * active / widest), 2 if active else 0)
        m_w = round(bar_w * muted / widest)
        summary = rule_summary(code, rules).replace("`", "")
        short = summary if len(summary) <= 80 else summary[:79] + "…"
        label = f"{active}" + (f" + {muted} suppressed" if muted else "")
        parts.append(
            f'<g class="bar" data-filter-rule="{esc(code)}"><title>{esc(code)}: {esc(label)} · '
            f"{esc(summary)}</title>"
            f'<rect class="hit" x="0" y="{y}" width="1100" height="{row_h - 2}"/>'
            f'<text class="code" x="4" y="{y + 19}">{esc(code)}</text>'
            f'<rect class="{severity.value}" x="{x0}" y="{y + 5}" width="{a_w}" '
            f'height="{row_h - 12}" rx="3"/>'
            f'<rect class="muted" x="{x0 + a_w}" y="{y + 5}" width="{m_w}" height="{row_h - 12}" '
            'rx="3"/>'
            f'<text x="{x0 + a_w + m_w + 8}" y="{y + 19}">{esc(label)}</text>'
            f'<text class="what" x="{x0 + bar_w + 140}" y="{y + 19}">{esc(short)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _row(f: Finding, redact: bool) -> str:
    muted = f.suppressed is not None
    message = esc(f.message)
    if muted:
        message = f'<span class="tag">suppressed</span>{esc(f.suppressed)} — {message}'
    file_name = (f.source or "").replace("\\", "/").rsplit("/", 1)[-1]
    where = f'<span title="{esc(f.source)}">{esc(file_name)}</span>' if f.source else ""
    if position(f):
        where += f"<small>{esc(position(f))}</small>"
    value = shown(shown_value(f, redact))
    if f.column:
        value = f"<small>{esc(f.column)}</small>{value}"
    row_class = ' class="suppressed"' if muted else ""
    fix = shown(shown_fix(f, redact))
    if fix and f.fix_confidence == "probable":
        fix += '<span class="probable">probable fix: check it</span>'
    return (
        f'<tr data-rule="{esc(f.rule)}" data-severity="{f.severity.value}" '
        f'data-suppressed="{"1" if muted else "0"}"{row_class}>'
        f'<td class="nowrap">{esc(f.rule)}</td>'
        f'<td class="nowrap"><span class="sev {f.severity.value}">{f.severity.value}</span></td>'
        f'<td class="where">{where}</td><td class="user">{esc(shown_user(f, redact))}</td>'
        f'<td class="value">{value}</td>'
        f'<td class="fix">{fix}</td><td class="message">{message}</td></tr>'
    )


def findings_table(report: Report, redact: bool) -> str:
    rules = common.catalogue()
    groups: dict[str, list[Finding]] = defaultdict(list)
    for finding in report.all_findings():
        groups[finding.rule].append(finding)
    codes = code_order(groups, rules)
    total = sum(len(g) for g in groups.values())
    severities = [s.value for s in Severity if any(f.severity is s for f in report.all_findings())]
    options_rule = "".join(
        f'<option value="{esc(c)}">{esc(c)} ({len(groups[c])})</option>' for c in codes
    )
    options_sev = "".join(f'<option value="{s}">{s}</option>' for s in severities)
    body = []
    for code in codes:
        findings = groups[code]
        body.extend(_row(f, redact) for f in findings[:PER_RULE_LIMIT])
        if len(findings) > PER_RULE_LIMIT:
            body.append(
                f'<tr class="more"><td colspan="7">… {len(findings) - PER_RULE_LIMIT} more '
                f"{esc(code)} finding(s) not shown here: see the csv or json report.</td></tr>"
            )
    return (
        '<div class="filters">'
        '<input id="q" type="search" placeholder="Filter: user, value, message…" '
        'aria-label="Filter findings">'
        f'<select id="sev" aria-label="Severity"><option value="">All severities</option>'
        f"{options_sev}</select>"
        f'<select id="rule" aria-label="Rule"><option value="">All rules</option>'
        f"{options_rule}</select>"
        '<label><input id="sup" type="checkbox" checked> show suppressed</label>'
        f'<span class="count"><span id="shown">{total}</span> of {total} shown</span></div>'
        '<div class="scroll"><table id="findings"><colgroup><col class="c-rule">'
        '<col class="c-sev"><col class="c-where"><col class="c-user"><col class="c-value">'
        '<col class="c-fix"><col class="c-message"></colgroup>'
        "<thead><tr><th>Rule</th><th>Severity</th><th>Where</th>"
        "<th>User</th><th>Column · value</th><th>Fix</th><th>Message</th></tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def rule_docs(report: Report) -> str:
    rules = common.catalogue()
    codes = [c for c in code_order({f.rule for f in report.all_findings()}, rules) if c in rules]
    return "".join(
        f"<details><summary>{esc(c)} ({rules[c].severity.value}) · "
        f"{with_code(rules[c].summary)}</summary><pre>{with_code(rules[c].doc)}</pre></details>"
        for c in codes
    )


def render(report: Report, *, redact: bool = False, color: bool = False) -> str:
    verdict = report.verdict
    title = verdict_title(report)  # no ": " in it: the line after it is the rest
    line = verdict_line(report).split(": ", 1)[-1]
    muted = len(suppressed(report))
    cards = [
        ("", report.users, "users checked"),
        (
            "bad" if report.users_with_errors else "",
            report.users_with_errors,
            "users would fail to sync",
        ),
        (
            "warn" if report.users_with_warnings else "",
            report.users_with_warnings,
            "users with warnings",
        ),
        ("", muted, "findings under reviewed exceptions"),
    ]
    sources = "; ".join(
        f"{esc(s.path)} ({esc(s.format)}, {s.records} users)" for s in report.sources
    )
    extra = []
    if report.connection is not None:
        c = report.connection
        state = f"skipped: {c.skipped}" if c.skipped else ("ok" if c.ok else "failed")
        status = f", HTTP {c.status}" if c.status is not None else ""
        extra.append(f"Connection to {esc(c.url)}: {esc(state)}{status}.")
    if report.mapping is not None:
        m = report.mapping
        extra.append(f"Mapping {esc(m.path)}: {'ok' if m.ok else 'problems found'}.")
    docs = rule_docs(report)
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>motiscim: {title}</title><style>{STYLE}</style></head><body><main>"
        "<h1>motiscim · Entra ID → Motimate provisioning preflight</h1>"
        f'<section class="verdict {verdict}"><strong>{title}</strong><p>{esc(line)}</p></section>'
        '<section class="cards">'
        + "".join(
            f'<div class="card {cls}"><b>{value}</b><span>{esc(label)}</span></div>'
            for cls, value, label in cards
        )
        + "</section>"
        + (f'<p class="sources">Read: {sources}</p>' if sources else "")
        + "".join(f'<p class="sources">{item}</p>' for item in extra)
        + '<h2>Findings per rule</h2><div class="panel">'
        + chart(report)
        + "</div><h2>Findings</h2>"
        + findings_table(report, redact)
        + (f"<h2>What the rules mean</h2>{docs}" if docs else "")
        + f"<footer>Generated {esc(report.generated_at)} by motiscim {esc(__version__)}"
        + (" · emails and phone numbers redacted" if redact else "")
        + ". A self-contained file: it loads nothing from the network.</footer>"
        f"</main><script>{SCRIPT}</script></body></html>\n"
    )
