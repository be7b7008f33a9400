"""What every renderer shows the same way: redaction, positions, rule names, ordering.

Redaction follows the JSON contract (`report.finding_json`): under `--redact` the offending
value is never shown, the user's UPN is masked, and so is an Object ID that is not a GUID, and
a fix for an email or phone number is masked (the human formats) or null (the machine formats
that reuse `finding_json`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from checks.model import Finding, Rule, Severity, all_rules
from motiscim_cli.report import (
    REDACTED_ATTRIBUTES,
    Report,
    mask,
    redacted_object_id,
    scrub_contacts,
)


def catalogue() -> Mapping[str, Rule]:
    """The rule catalogue renderers describe rules from (one place, so tests can pin it)."""
    return all_rules()


def rule_summary(code: str, rules: Mapping[str, Rule] | None = None) -> str:
    rule = (rules if rules is not None else catalogue()).get(code)
    return rule.summary if rule is not None else ""


def rule_name(code: str, rules: Mapping[str, Rule] | None = None) -> str:
    rule = (rules if rules is not None else catalogue()).get(code)
    return rule.name if rule is not None else code


def code_order(codes: Iterable[str], rules: Mapping[str, Rule] | None = None) -> list[str]:
    """Codes in catalogue order (F, U, E, P, X, N, T, A, C, M), unknown codes last."""
    known = list(rules if rules is not None else catalogue())
    return sorted(set(codes), key=lambda c: (known.index(c) if c in known else len(known), c))


def is_sensitive(finding: Finding) -> bool:
    return finding.attribute in REDACTED_ATTRIBUTES


def shown_value(finding: Finding, redact: bool) -> str | None:
    """The offending value, or None under --redact (any attribute: a UPN is personal too)."""
    return None if redact else finding.value


def shown_fix(finding: Finding, redact: bool) -> str | None:
    """The suggested value; an email or phone fix is masked under --redact, and so is an address
    or number inside any other fix (a surname 'Call +47 987 12 398')."""
    if finding.fix is None or not redact:
        return finding.fix
    return mask(finding.fix) if is_sensitive(finding) else scrub_contacts(finding.fix)


def shown_upn(finding: Finding, redact: bool) -> str | None:
    upn = finding.user_principal_name
    return mask(upn) if redact else upn


def shown_object_id(finding: Finding, redact: bool) -> str | None:
    object_id = finding.object_id
    return redacted_object_id(object_id) if redact else object_id


def shown_user(finding: Finding, redact: bool) -> str:
    """Who the finding is about, for a human: the UPN, else the Object ID, else ''."""
    return shown_upn(finding, redact) or shown_object_id(finding, redact) or ""


def position(finding: Finding) -> str:
    """Where, in words: 'row 12 (line 13)', 'row 3 (/value/2)', or '' for a whole file."""
    if finding.row is None:
        return f"line {finding.line}" if finding.line is not None else ""
    where = f"row {finding.row}"
    if finding.line is not None:
        return f"{where} (line {finding.line})"
    if finding.pointer:
        return f"{where} ({finding.pointer})"
    return where


def fix_text(finding: Finding, redact: bool) -> str | None:
    fix = shown_fix(finding, redact)
    if fix is None:
        return None
    return f"{fix} (probable)" if finding.fix_confidence == "probable" else fix


def sentence(finding: Finding, redact: bool) -> str:
    """One line about a finding for annotation-style outputs: where, who, what, the fix."""
    parts = []
    where = position(finding)
    user = shown_user(finding, redact)
    if where or user:
        parts.append(" ".join(p for p in (where, user and f"[{user}]") if p) + ":")
    message = finding.message.rstrip()
    parts.append(message if message.endswith((".", "!", "?", ":")) else message + ".")
    fix = fix_text(finding, redact)
    if fix is not None:
        parts.append(f"Fix: {fix}.")
    # (the other rows of a group are named in the message, with their files and 'N more')
    if finding.suppressed is not None:
        parts.append(f"Suppressed by a reviewed exception: {finding.suppressed}")
    return " ".join(parts)


def suppressed(report: Report) -> list[Finding]:
    return [f for f in report.all_findings() if f.suppressed is not None]


def by_rule_with_severity(report: Report) -> list[tuple[str, Severity, int, int]]:
    """(code, severity, active count, suppressed count) per rule, in catalogue order."""
    active = Counter(f.rule for f in report.active_findings())
    muted = Counter(f.rule for f in suppressed(report))
    severity: dict[str, Severity] = {}
    for finding in report.all_findings():
        severity.setdefault(finding.rule, finding.severity)
    return [
        (code, severity[code], active.get(code, 0), muted.get(code, 0))
        for code in code_order(severity)
    ]


TITLES = {"ready": "READY", "not-ready": "NOT READY", "unknown": "CANNOT TELL"}


def verdict_title(report: Report) -> str:
    """READY, NOT READY or CANNOT TELL. A READY report that `--fail-on` still fails (exit 1)
    says why, as every human output shows it: "READY, but 3 warnings fail --fail-on warning".
    READY itself keeps its meaning (no errors), as the JSON contract's `verdict` does."""
    title = TITLES[report.verdict]
    failing = report.failing(report.fail_on) if report.verdict == "ready" else []
    if not failing:
        return title
    counts = Counter(f.severity for f in failing)
    parts = [
        f"{counts[s]} {s.value}{'s' if s is Severity.WARNING and counts[s] != 1 else ''}"
        for s in (Severity.WARNING, Severity.INFO)
        if counts[s]
    ]
    verb = "fails" if len(failing) == 1 else "fail"
    return f"{title}, but {' and '.join(parts)} {verb} --fail-on {report.fail_on}"


def verdict_line(report: Report) -> str:
    """The one-line verdict (`--quiet`, titles, summaries)."""
    counts = report.by_severity()
    muted = len(suppressed(report))
    tail = f"{counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} info" + (
        f", {muted} suppressed by reviewed exceptions" if muted else ""
    )
    if report.verdict == "unknown":
        return f"{verdict_title(report)}: an input could not be read ({tail})."
    if report.verdict == "not-ready":
        reasons = []
        if report.users_with_errors:
            reasons.append(f"{report.users_with_errors} of {report.users} users would fail to sync")
        setup = [
            f for f in report.active_findings() if f.row is None and f.severity is Severity.ERROR
        ]
        if setup:
            reasons.append(f"{len(setup)} file/setup error(s) block provisioning")
        if not reasons:
            reasons.append("the connection or the mapping check failed")
        return f"{verdict_title(report)}: {'; '.join(reasons)} ({tail})."
    return f"{verdict_title(report)}: all {report.users} users are predicted to sync ({tail})."
