"""Runs the registered user and population rules over a stream of records.

The engine is the only place that knows how a rule's `Issue` becomes a `Finding`: it adds the
position, the user's keys, the Motimate attribute, the source column and the value. Population
rules (uniqueness, title variants) keep only a compact entry per key, never whole records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from checks.model import CheckContext, Finding, Issue, Rule, Severity, UserRecord, all_rules

# Which key a population rule groups on, and how often each appeared with which raw value.


@dataclass(slots=True)
class _Seen:
    """Where a key was seen: enough to word a finding, without keeping the record."""

    row: int
    line: int | None
    pointer: str | None
    source: str
    upn: str | None
    object_id: str | None
    column: str | None
    value: str


@dataclass(slots=True)
class _Group:
    first: _Seen
    more: list[_Seen] = field(default_factory=list)


@dataclass(slots=True)
class _Spellings:
    """For a variants rule: each distinct spelling of one key, its first user and its count."""

    first: dict[str, _Seen] = field(default_factory=dict)
    count: dict[str, int] = field(default_factory=dict)


def select_rules(
    select: Iterable[str] | None = None, ignore: Iterable[str] | None = None
) -> list[Rule]:
    """The rules to run: codes or prefixes (`P`, `P00`, `P001`), ruff-style; ignore wins."""
    chosen = [tuple(c.upper() for c in select)] if select else None
    dropped = tuple(c.upper() for c in ignore or ())
    result = []
    for code, rule in all_rules().items():
        if chosen is not None and not code.startswith(chosen[0]):
            continue
        if dropped and code.startswith(dropped):
            continue
        result.append(rule)
    return result


class Checker:
    """Feed records with `check()`; collect population findings with `finish()`."""

    def __init__(
        self,
        rules: Iterable[Rule],
        ctx: CheckContext | None = None,
        severity_overrides: dict[str, Severity] | None = None,
    ) -> None:
        self.ctx = ctx or CheckContext()
        self._overrides = severity_overrides or {}
        self._malformed_rule: Rule | None = None
        self._by_attribute: dict[str, list[Rule]] = {}
        self._population: list[tuple[Rule, str]] = []
        self._groups: dict[str, dict[str, _Group]] = {}
        self._spellings: dict[str, dict[str, _Spellings]] = {}
        for rule in rules:
            if rule.code == "F004":
                self._malformed_rule = rule
            elif rule.scope == "user":
                for attribute in rule.attributes:
                    self._by_attribute.setdefault(attribute, []).append(rule)
            elif rule.scope == "population":
                for attribute in rule.attributes:
                    self._population.append((rule, attribute))
                self._groups[rule.code] = {}
                self._spellings[rule.code] = {}
        # A chain runs in registration order, most specific rule first (see `exclusive`).
        for chain in self._by_attribute.values():
            chain.sort(key=lambda r: r.order)

    def severity(self, rule: Rule) -> Severity:
        return self._overrides.get(rule.code, rule.severity)

    def check(self, record: UserRecord) -> list[Finding]:
        """The findings of every per-user rule on one record."""
        if record.malformed is not None:
            if self._malformed_rule is None:
                return []
            issue = Issue(record.malformed)
            return [self._finding(self._malformed_rule, record, issue, None, None, None)]
        findings: list[Finding] = []
        for attribute, rules in self._by_attribute.items():
            column = record.columns.get(attribute)
            if column is None:
                continue  # the export has no such column: F002/F003 say so once per file
            value = record.values.get(attribute)
            for rule in rules:
                issue = rule.func(value, record, self.ctx)
                if issue is None:
                    continue
                findings.append(self._finding(rule, record, issue, attribute, column, value))
                if rule.exclusive:
                    break
        for rule, attribute in self._population:
            column = record.columns.get(attribute)
            if column is None:
                continue
            value = record.values.get(attribute)
            key = rule.func(value, record, self.ctx)
            if key is None:
                continue
            seen = _Seen(
                record.row,
                record.line,
                record.pointer,
                record.source,
                record.user_principal_name,
                record.object_id,
                column,
                value or "",
            )
            if rule.variants:
                spellings = self._spellings[rule.code].setdefault(key, _Spellings())
                spellings.first.setdefault(seen.value, seen)
                spellings.count[seen.value] = spellings.count.get(seen.value, 0) + 1
                continue
            groups = self._groups[rule.code]
            group = groups.get(key)
            if group is None:
                groups[key] = _Group(seen)
            else:
                group.more.append(seen)
        return findings

    def finish(self) -> list[Finding]:
        """Findings that need the whole population: one per member of each offending group."""
        findings: list[Finding] = []
        for rule, attribute in self._population:
            if rule.describe is None:
                continue
            for group in self._groups[rule.code].values():
                if not group.more:
                    continue
                members = [group.first, *group.more]
                for member in members:
                    others = [m.row for m in members if m is not member]
                    issue = rule.describe(member.value, others)
                    findings.append(self._group_finding(rule, attribute, member, issue, others))
            for spellings in self._spellings[rule.code].values():
                if len(spellings.count) < 2:
                    continue
                ranked = sorted(spellings.count.items(), key=lambda item: (-item[1], item[0]))
                for spelling, _ in ranked[1:]:
                    member = spellings.first[spelling]
                    issue = rule.describe(spelling, ranked)
                    others = [spellings.first[s].row for s, _ in ranked if s != spelling]
                    findings.append(self._group_finding(rule, attribute, member, issue, others))
            self._groups[rule.code].clear()
            self._spellings[rule.code].clear()
        return findings

    def _group_finding(
        self, rule: Rule, attribute: str, member: _Seen, issue: Issue, others: list[int]
    ) -> Finding:
        return Finding(
            rule=rule.code,
            severity=self.severity(rule),
            message=issue.message,
            source=member.source,
            row=member.row,
            line=member.line,
            pointer=member.pointer,
            user_principal_name=member.upn,
            object_id=member.object_id,
            attribute=attribute,
            column=member.column,
            value=member.value,
            fix=issue.fix,
            fix_confidence=issue.fix_confidence if issue.fix else None,
            related_rows=others,
        )

    def _finding(
        self,
        rule: Rule,
        record: UserRecord,
        issue: Issue,
        attribute: str | None,
        column: str | None,
        value: str | None,
    ) -> Finding:
        finding = Finding.for_record(
            rule, record, issue, attribute=attribute, column=column, value=value
        )
        finding.severity = self.severity(rule)
        return finding


def check_records(
    records: Iterable[UserRecord],
    rules: Iterable[Rule] | None = None,
    ctx: CheckContext | None = None,
    on_record: Callable[[UserRecord], None] | None = None,
) -> Iterator[Finding]:
    """Convenience for tests and small inputs: every finding for a sequence of records."""
    checker = Checker(rules if rules is not None else all_rules().values(), ctx)
    for record in records:
        if on_record is not None:
            on_record(record)
        yield from checker.check(record)
    yield from checker.finish()
