"""The report: what was read, what was found, and the verdict. Every renderer reads this one
object; `to_json()` is the `motiscim.report/v1` contract (../shared/contracts/report-v1.md)."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from checks.advice import Advice, advise
from checks.model import Finding, Severity
from checks.text import GUID, strip_blanks
from motiscim_cli import __version__

SCHEMA_ID = "motiscim.report/v1"
Verdict = Literal["ready", "not-ready", "unknown"]


@dataclass(slots=True)
class SourceInfo:
    """One export as read: its shape, encoding and which column feeds each Motimate attribute."""

    path: str
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    records: int = 0
    columns: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class ConnectionResult:
    url: str
    ok: bool
    status: int | None = None
    elapsed_ms: int | None = None
    findings: list[Finding] = field(default_factory=list)
    skipped: str | None = None  # why no live check ran (preflight without a URL)


@dataclass(slots=True)
class UserSource:
    """How the provisioning schema moved a Motimate attribute's rules off the guide's column
    (`preflight --schema`, `mapping --export`): what the schema sends, and the column checked
    in each export."""

    attribute: str  # the Motimate attribute: "employee_number"
    target: str  # the SCIM attribute: "userName"
    expression: str | None  # the schema's source expression; None when nothing is mapped
    source: str | None  # the one Entra attribute sent, when there is one
    # "attribute": checked on `source`'s column; "not-mapped": nothing sent, not checked;
    # "not-followed": not one column, the guide's column checked; "overridden": --column or
    # the config's columns: named the column instead
    state: str
    columns: dict[str, str | None]  # export path -> the column checked (None: none)
    note: str  # the same, in one sentence for people

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # the fields, in order, are the JSON members


@dataclass(slots=True)
class MappingResult:
    path: str
    ok: bool
    findings: list[Finding] = field(default_factory=list)
    # Set when an export was checked with the schema: the attributes whose column the schema
    # decided (empty when the schema feeds every attribute as the guide does).
    user_sources: list[UserSource] | None = None
    # False when the schema has no group mapping: the group rules (M006) had nothing to check.
    groups_checked: bool = True
    # True when the schema sends the UPN as the email of a user without mail (E003's remedy).
    email_falls_back_to_upn: bool = False


@dataclass(slots=True)
class Report:
    sources: list[SourceInfo] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    connection: ConnectionResult | None = None
    mapping: MappingResult | None = None
    unreadable: bool = False  # an input could not be read: the verdict is "unknown"
    rules_checked: list[str] = field(default_factory=list)  # codes that ran (junit lists them)
    # --fail-on (error, warning, info, never): it decides the exit code, never the verdict, so
    # the human outputs can say why a READY report exits 1. Not part of the JSON contract.
    fail_on: str = "error"
    generated_at: str = field(
        default_factory=lambda: _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    )

    # ---- derived numbers -------------------------------------------------------------------

    @property
    def users(self) -> int:
        return sum(source.records for source in self.sources)

    def active_findings(self) -> list[Finding]:
        """Findings that count: reviewed exceptions are shown but do not decide the verdict."""
        return [f for f in self.all_findings() if f.suppressed is None]

    def all_findings(self) -> list[Finding]:
        extra: list[Finding] = []
        if self.connection is not None:
            extra.extend(self.connection.findings)
        if self.mapping is not None:
            extra.extend(self.mapping.findings)
        return [*self.findings, *extra]

    def _users_with(self, severity: Severity) -> int:
        keys = {
            (f.source, f.row)
            for f in self.findings
            if f.suppressed is None and f.row is not None and f.severity is severity
        }
        return len(keys)

    @property
    def users_with_errors(self) -> int:
        return self._users_with(Severity.ERROR)

    @property
    def users_with_warnings(self) -> int:
        return self._users_with(Severity.WARNING)

    def failing(self, fail_on: str) -> list[Finding]:
        """The active findings at or above `fail_on` (none for "never"): they make the exit 1."""
        if fail_on == "never":
            return []
        threshold = Severity(fail_on).rank
        return [f for f in self.active_findings() if f.severity.rank >= threshold]

    def worst_severity(self) -> Severity | None:
        findings = self.active_findings()
        if not findings:
            return None
        return max((f.severity for f in findings), key=lambda s: s.rank)

    @property
    def verdict(self) -> Verdict:
        if self.unreadable:
            return "unknown"
        return "not-ready" if self.failing_parts() else "ready"

    def failing_parts(self) -> list[Literal["export", "connection", "mapping"]]:
        """What keeps the report from ready, in the summary's order: an error among the
        exports' findings, a failed connection test (or an error in it), a mapping not as the
        guide says (or an error in it). The verdict and the email's subject both read this."""

        def failing(findings: list[Finding]) -> bool:
            return any(f.severity is Severity.ERROR and f.suppressed is None for f in findings)

        parts: list[Literal["export", "connection", "mapping"]] = []
        if failing(self.findings):
            parts.append("export")
        connection = self.connection
        if connection is not None and (
            (not connection.ok and not connection.skipped) or failing(connection.findings)
        ):
            parts.append("connection")
        if self.mapping is not None and (not self.mapping.ok or failing(self.mapping.findings)):
            parts.append("mapping")
        return parts

    def by_rule(self) -> dict[str, int]:
        return dict(sorted(Counter(f.rule for f in self.active_findings()).items()))

    def by_severity(self) -> dict[str, int]:
        counts = Counter(f.severity.value for f in self.active_findings())
        return {s.value: counts.get(s.value, 0) for s in Severity}

    def advice(self) -> list[Advice]:
        """The guide's advice on the setup that these findings call for."""
        upn_sent = self.mapping is not None and self.mapping.email_falls_back_to_upn
        return advise(self.findings, self.users, email_falls_back_to_upn=upn_sent)

    # ---- the JSON contract -----------------------------------------------------------------

    def to_json(self, *, redact: bool = False, findings: bool = True) -> dict[str, Any]:
        """The report/v1 document; `findings=False` leaves the findings list empty (for a
        writer that streams them, render.json_report.write)."""
        return {
            "schema": SCHEMA_ID,
            "tool": {"name": "motiscim", "version": __version__},
            "generated_at": self.generated_at,
            "sources": [
                {
                    "path": s.path,
                    "format": s.format,
                    "encoding": s.encoding,
                    "delimiter": s.delimiter,
                    "records": s.records,
                    "columns": dict(s.columns),
                }
                for s in self.sources
            ],
            "summary": {
                "users": self.users,
                "users_with_errors": self.users_with_errors,
                "users_with_warnings": self.users_with_warnings,
                "verdict": self.verdict,
                "by_rule": self.by_rule(),
                "by_severity": self.by_severity(),
                # reviewed exceptions: shown, counted here, never part of the counts above
                "suppressed": sum(1 for f in self.all_findings() if f.suppressed is not None),
            },
            "findings": [finding_json(f, redact=redact) for f in self.findings] if findings else [],
            # additive (v1 allows new fields): the guide's setup advice, computed (checks.advice)
            "advice": [a.to_json() for a in self.advice()],
            "connection": None
            if self.connection is None
            else {
                "url": self.connection.url,
                "ok": self.connection.ok,
                "status": self.connection.status,
                "elapsed_ms": self.connection.elapsed_ms,
                "skipped": self.connection.skipped,
                "findings": [finding_json(f, redact=redact) for f in self.connection.findings],
            },
            "mapping": None if self.mapping is None else mapping_json(self.mapping, redact),
        }


def mapping_json(mapping: MappingResult, redact: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "path": mapping.path,
        "ok": mapping.ok,
        "findings": [finding_json(f, redact=redact) for f in mapping.findings],
    }
    if mapping.user_sources is not None:
        # additive (v1 allows new fields): which columns the user rules ran on by the schema
        data["user_sources"] = [source.to_json() for source in mapping.user_sources]
    return data


# --redact masks emails and phone numbers, and the employee number too: it is the UPN, which is
# an email address in all but name (the UPN of the user is masked in `user` for the same reason,
# and so is an Object ID that is not a GUID: `redacted_object_id`).
REDACTED_ATTRIBUTES = frozenset({"email", "phone_number", "employee_number"})


def mask(value: str | None) -> str | None:
    """A redacted stand-in that keeps the shape readable: 'k***@e***.com', '+47******32'."""
    if value is None:
        return None
    if "@" in value:
        local, _, domain = value.rpartition("@")
        head, dot, tld = domain.rpartition(".")
        masked_domain = f"{head[:1]}***{dot}{tld}" if dot else f"{domain[:1]}***"
        return f"{local[:1]}***@{masked_domain}"
    if len(value) <= 4:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 5) + value[-2:]


# An address or a phone number typed into another field (a name, a job title): the fix of such
# a cell repeats it, so --redact masks what looks like one wherever it stands.
# A phone number's digits may be grouped by spaces, dots, dashes, brackets or slashes
# (`0171/1234567`, `987/65/432`); a date or an ID masked too is acceptable under --redact.
_CONTACT_IN_TEXT = re.compile(r"[^\s@]+@[^\s@]+|\+?\d[\d ().\-/\u00a0]{5,}\d")


def scrub_contacts(text: str | None) -> str | None:
    """`text` with every email address or phone number in it masked, for --redact."""
    if text is None:
        return None
    return _CONTACT_IN_TEXT.sub(lambda match: mask(match.group()) or "", text)


def redacted_object_id(object_id: str | None) -> str | None:
    """The Object ID as --redact shows it: an Entra GUID as it is (it names nobody, and it is
    how the admin finds the user), anything else masked. A column that does not hold object
    IDs (X002) holds something else: a mailNickname, an address, a phone number."""
    if object_id is None or GUID.fullmatch(strip_blanks(object_id).strip("{}")):
        return object_id
    return mask(object_id)


def redacted_fix(finding: Finding) -> str | None:
    """The fix as --redact shows it: None for an email, phone or employee number (the fix is
    the value); contacts masked inside any other fix (`Call +47 987 12 398` as a surname)."""
    if finding.attribute in REDACTED_ATTRIBUTES:
        return None
    return scrub_contacts(finding.fix)


def finding_json(finding: Finding, *, redact: bool = False) -> dict[str, Any]:
    sensitive = redact and finding.attribute in REDACTED_ATTRIBUTES
    upn = finding.user_principal_name
    data: dict[str, Any] = {
        "rule": finding.rule,
        "severity": finding.severity.value,
        "source": finding.source,
        "row": finding.row,
        # The contract gives CSV records a line and JSON records a pointer; the model keeps
        # the JSON line too (annotations use it), but the v1 report leaves it null.
        "line": finding.line if finding.pointer is None else None,
        "pointer": finding.pointer,
        "user": None
        if finding.row is None
        else {
            "user_principal_name": mask(upn) if redact else upn,
            "object_id": redacted_object_id(finding.object_id) if redact else finding.object_id,
        },
        "attribute": finding.attribute,
        "column": finding.column,
        "value": None if redact else finding.value,
        "message": finding.message,
        "fix": redacted_fix(finding) if redact else finding.fix,
        "fix_confidence": None if sensitive else finding.fix_confidence,
        "related_rows": list(finding.related_rows),
    }
    if finding.suppressed is not None:
        data["suppressed"] = finding.suppressed
    return data


def phone_error_counts(report: Report) -> tuple[int, int]:
    """(users with a phone error, of whom without any suggested fix), for the mapping check's
    M008: shared by `mapping --export` and `preflight --schema`."""
    fixable: dict[tuple[str, int], bool] = {}
    for finding in report.findings:
        if (
            finding.attribute != "phone_number"
            or finding.row is None
            or finding.severity is not Severity.ERROR
            or finding.suppressed is not None
        ):
            continue
        key = (finding.source or "", finding.row)
        fixable[key] = fixable.get(key, False) or finding.fix is not None
    return len(fixable), sum(1 for has_fix in fixable.values() if not has_fix)
