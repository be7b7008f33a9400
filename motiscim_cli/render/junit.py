"""`--format junit`: JUnit XML for CI test reports (GitLab, Jenkins, Azure DevOps, CircleCI).

One testcase per rule, not per user. Why: CI UIs list failed testcases by name and track each
name across builds ("P001 failing since #41, fixed in #45"). Rule codes are a small, stable set
of names, so the test report stays about 30 lines whatever the export's size, and its history
means something. One testcase per user would turn a 50,000-user export into 50,000 testcases,
names that appear and vanish with the data, and a report UI too slow to open.

- Every rule that ran is a testcase (classname `motiscim.<scope>`, name `P001 no-plus: <summary>`),
  so a clean run shows them passing. When the report does not say which rules ran, the rules
  with findings are listed.
- A rule with active *error* findings fails: `<failure type="error">`, its message the count,
  its text one line per finding (where, who, what, fix). Warnings and info do not fail the test,
  as they do not make the verdict "not ready"; they are listed in `<system-out>`.
- Findings suppressed by a reviewed exception never fail a test; they are listed in
  `<system-out>` with their reason.
- The whole verdict is one more testcase, `motiscim verdict`, failing when not ready (also
  for a failed connection or mapping check, which have findings of their own). A ready one
  that `--fail-on` still fails passes, its text saying why the exit is 1.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict

from checks.model import Finding, Severity
from motiscim_cli.render import common
from motiscim_cli.render.common import code_order, sentence, verdict_line
from motiscim_cli.report import Report

MAX_LISTED = 200  # findings written into one testcase's text; the rest are counted
# Characters XML 1.0 cannot carry even escaped (a vertical tab in a UPN is a U002 finding).
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _lines(findings: list[Finding], redact: bool) -> str:
    text = [
        f"{f.source} {sentence(f, redact)}" if f.source else sentence(f, redact)
        for f in findings[:MAX_LISTED]
    ]
    if len(findings) > MAX_LISTED:
        text.append(f"… and {len(findings) - MAX_LISTED} more: see --format json or csv")
    return xml_safe("\n".join(text))


def render(report: Report, *, redact: bool = False, color: bool = False) -> str:
    rules = common.catalogue()
    groups: dict[str, list[Finding]] = defaultdict(list)
    for finding in report.all_findings():
        groups[finding.rule].append(finding)
    codes = code_order([*report.rules_checked, *groups] if report.rules_checked else groups)

    suites = ET.Element("testsuites", name="motiscim")
    suite = ET.SubElement(suites, "testsuite", name="motiscim check", timestamp=report.generated_at)
    failures = 0
    for code in codes:
        findings = groups.get(code, [])
        rule = rules.get(code)
        summary = rule.summary if rule else ""
        name = f"{code} {rule.name}: {summary}" if rule else code
        case = ET.SubElement(
            suite, "testcase", classname=f"motiscim.{rule.scope if rule else 'rule'}", name=name
        )
        errors = [f for f in findings if f.suppressed is None and f.severity is Severity.ERROR]
        failing = {id(f) for f in errors}
        others = [f for f in findings if id(f) not in failing]
        if errors:
            failures += 1
            failure = ET.SubElement(
                case,
                "failure",
                type="error",
                message=xml_safe(f"{len(errors)} finding(s): {errors[0].message}"),
            )
            failure.text = _lines(errors, redact)
        if others:
            out = ET.SubElement(case, "system-out")
            out.text = _lines(others, redact)
    verdict = ET.SubElement(suite, "testcase", classname="motiscim", name="motiscim verdict")
    if report.verdict != "ready":
        failures += 1
        ET.SubElement(verdict, "failure", type=report.verdict, message=verdict_line(report))
    else:
        ET.SubElement(verdict, "system-out").text = verdict_line(report)
    tests = len(codes) + 1
    for element in (suites, suite):
        element.set("tests", str(tests))
        element.set("failures", str(failures))
        element.set("errors", "0")
    suite.set("skipped", "0")
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
