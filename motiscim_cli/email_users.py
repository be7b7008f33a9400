"""Choosing the test users of guide steps 41–47 from the export, and refusing bad ones.

A test user who will fail to sync wastes Motimate's review, so each one named with
`--test-user` must be in the export (by UPN, case-insensitively, or by objectId) and have no
errors. Without names, `preflight` suggests the first users with no errors.

`UserDirectory.add` is passed to `run_check` as `on_record`: while the export streams past it
keeps only what selection needs (the named users' values, the first few users as candidate
suggestions, and the UPNs for "did you mean"), never the whole population's records.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field

from checks.model import Severity, UserRecord
from motiscim_cli.email_draft import DISABLED_RULE, TestUser
from motiscim_cli.report import Report

MAX_SUGGESTIONS = 3
MANY_TEST_USERS = 5  # above this, warn: the guide asks for "a couple" of test users
SUGGESTION_POOL = 500  # how many leading users may become suggestions
CLOSE_MATCHES = 3
MIN_PREFIX = 3  # local parts this long where one starts the other count as close


@dataclass(frozen=True, slots=True)
class _Seen:
    user: TestUser
    disabled: bool


@dataclass(slots=True)
class Problem:
    """Why one named test user cannot be used, said so that the admin can act on it."""

    wanted: str
    reason: str  # "not-found" | "has-errors" | "disabled"
    message: str
    closest: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Selection:
    users: list[TestUser]  # the usable test users, in the order named (or suggested)
    suggested: bool = False
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rejected: list[TestUser] = field(default_factory=list)  # found, but with errors or disabled

    @property
    def ok(self) -> bool:
        return bool(self.users) and not self.problems


def _key(text: str) -> str:
    return text.strip().casefold()


class UserDirectory:
    """Collects, as records stream past, what choosing test users needs."""

    def __init__(self, wanted: Sequence[str] = (), pool: int = SUGGESTION_POOL) -> None:
        self.wanted = list(dict.fromkeys(w.strip() for w in wanted if w.strip()))
        self._wanted_keys = {_key(w) for w in self.wanted}
        self._found: dict[str, _Seen] = {}  # wanted key -> the first record it names
        self._pool = pool
        self._candidates: list[_Seen] = []
        self._upns: list[str] = []  # for "did you mean", only when users were named

    def add(self, record: UserRecord) -> None:
        seen: _Seen | None = None
        if len(self._candidates) < self._pool:
            seen = self._seen(record)
            self._candidates.append(seen)
        if not self._wanted_keys:
            return
        upn = record.user_principal_name
        if upn:
            self._upns.append(upn.strip())
        for candidate in (upn, record.object_id):
            if candidate and _key(candidate) in self._wanted_keys:
                self._found.setdefault(_key(candidate), seen or self._seen(record))

    @staticmethod
    def _seen(record: UserRecord) -> _Seen:
        return _Seen(
            TestUser(
                object_id=record.object_id,
                user_principal_name=record.user_principal_name,
                email=record.value("email"),
                source=record.source,
                row=record.row,
            ),
            disabled=record.account_enabled is False,
        )

    def closest(self, wanted: str) -> list[str]:
        return closest_upns(wanted, self._upns)

    def select(self, report: Report, *, force: bool = False) -> Selection:
        """The named test users checked against the report; or suggestions when none named."""
        errors = _rules_by_user(report, Severity.ERROR)
        if not self.wanted:
            return self._suggest(report, errors)
        selection = Selection(users=[])
        named: dict[tuple[str, int], str] = {}  # (source, row) -> the name that chose it first
        for wanted in self.wanted:
            seen = self._found.get(_key(wanted))
            if seen is None:
                closest = self.closest(wanted)
                hint = (
                    f" Closest UPNs in the export: {', '.join(closest)}."
                    if closest
                    else " No UPN in the export is close to it."
                )
                selection.problems.append(
                    Problem(
                        wanted,
                        "not-found",
                        f"test user {wanted!r} is not in the export (looked for it as a UPN, "
                        f"ignoring case, and as an objectId).{hint}",
                        closest=closest,
                    )
                )
                continue
            user = seen.user
            where = (user.source, user.row)
            if where in named:
                # Named twice (by UPN and by objectId, say): one user, one row in the email.
                selection.warnings.append(
                    f"test users {named[where]!r} and {wanted!r} are the same user "
                    f"({user.source} row {user.row}); it is listed once."
                )
                continue
            named[where] = wanted
            rules = errors.get(where, [])
            disabled_text = (
                "is disabled (accountEnabled false): Entra does not provision disabled users, "
                "so the test would show nothing"
            )
            if rules:
                also = f" It also {disabled_text}." if seen.disabled else ""
                selection.problems.append(
                    Problem(
                        wanted,
                        "has-errors",
                        f"test user {user.label()} ({user.source} row {user.row}) has errors "
                        f"and will fail to sync: {', '.join(rules)}.{also} Fix them (motiscim "
                        "check shows how) or choose another test user.",
                        rules=rules,
                    )
                )
            elif seen.disabled:
                # Entra skips disabled users: the test would provision nothing and prove nothing.
                selection.problems.append(
                    Problem(
                        wanted,
                        "disabled",
                        f"test user {user.label()} ({user.source} row {user.row}) {disabled_text}. "
                        "Enable the account or choose another test user.",
                        rules=[DISABLED_RULE],
                    )
                )
            if rules or seen.disabled:
                refused = rules
                if seen.disabled and DISABLED_RULE not in rules:
                    refused = [*rules, DISABLED_RULE]
                selection.rejected.append(user)
                if force:
                    selection.users.append(_with_errors(user, refused))
                continue
            selection.users.append(user)
        distinct = len(named) + sum(1 for p in selection.problems if p.reason == "not-found")
        if distinct > MANY_TEST_USERS:
            selection.warnings.append(
                f"{distinct} test users: the guide asks for a couple (step 41); "
                f"Motimate reviews each one, so keep it to {MANY_TEST_USERS} or fewer."
            )
        return selection

    def _suggest(self, report: Report, errors: dict[tuple[str, int], list[str]]) -> Selection:
        warned = _rules_by_user(report, Severity.WARNING)
        usable = [
            s
            for s in self._candidates
            if (s.user.source, s.user.row) not in errors
            and not s.disabled
            and s.user.user_principal_name
            and s.user.object_id
        ]
        # Users with no findings at all make the clearest test; then those with warnings only.
        usable.sort(key=lambda s: (s.user.source, s.user.row) in warned)
        chosen = [s.user for s in usable[:MAX_SUGGESTIONS]]
        selection = Selection(users=chosen, suggested=True)
        if not chosen:
            selection.warnings.append(
                f"no user among the first {len(self._candidates)} in the export is free of "
                "errors; fix them, or name test users with --test-user."
            )
        return selection


def closest_upns(
    wanted: str, upns: Sequence[str], n: int = CLOSE_MATCHES, cutoff: float = 0.6
) -> list[str]:
    """The UPNs most like `wanted`, best first, compared on the part before the `@`.

    Every UPN of a tenant shares a few domains, so comparing whole addresses makes
    `siri.holm@example.com` look like `kari.nordman@example.com`; the local part is where a typo
    is. Between equally close local parts, the same domain wins. The cheap upper bounds of
    difflib filter first, as `difflib.get_close_matches` does, so a large export stays fast.
    """
    wanted_local, _, wanted_domain = _split(wanted)
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(wanted_local)
    scored: dict[str, tuple[tuple[float, bool, int], str]] = {}  # casefolded → (score, UPN)
    for index, upn in enumerate(upns):
        local, _, domain = _split(upn)
        matcher.set_seq1(local)
        prefix = min(len(wanted_local), len(local)) >= MIN_PREFIX and (
            local.startswith(wanted_local) or wanted_local.startswith(local)
        )
        if not prefix and (matcher.real_quick_ratio() < cutoff or matcher.quick_ratio() < cutoff):
            continue
        ratio = matcher.ratio()
        if prefix:
            ratio = max(ratio, cutoff)  # "kari" for kari.nordmann: short, but surely meant
        if ratio >= cutoff and upn.casefold() not in scored:
            scored[upn.casefold()] = ((ratio, domain == wanted_domain, -index), upn)
    best = sorted(scored.values(), reverse=True)[:n]
    return [upn for _, upn in best]


def _split(upn: str) -> tuple[str, str, str]:
    text = upn.strip().casefold()
    if "@" not in text:
        return text, "", ""
    return text.rpartition("@")


def _with_errors(user: TestUser, rules: list[str]) -> TestUser:
    return TestUser(
        object_id=user.object_id,
        user_principal_name=user.user_principal_name,
        email=user.email,
        source=user.source,
        row=user.row,
        error_rules=tuple(rules),
    )


def _rules_by_user(report: Report, severity: Severity) -> dict[tuple[str, int], list[str]]:
    """(source, row) → the rule codes of its active findings at this severity."""
    rules: dict[tuple[str, int], list[str]] = {}
    for finding in report.findings:
        if (
            finding.row is None
            or finding.suppressed is not None
            or finding.severity is not severity
        ):
            continue
        codes = rules.setdefault((finding.source or "", finding.row), [])
        if finding.rule not in codes:
            codes.append(finding.rule)
    return rules
