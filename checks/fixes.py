"""From findings to corrected values: what each user's attributes become at a fix level.

A finding's `fix` is the answer to *its* problem only. One value can have several: `SÃ¸ren `
has trailing whitespace (N002, fix `SÃ¸ren`, certain) and mojibake (N004, fix `Søren `,
probable). The corrected value is found by applying one fix and checking the result again
with the same chain of rules, until no fix at the chosen level is left (`SÃ¸ren ` → `SÃ¸ren`
→ `Søren` at probable; only `SÃ¸ren` at certain). The confidence of a change is the lowest
confidence of its steps.

Levels: `certain` applies only certain fixes; `probable` applies certain and probable ones.
Suppressed findings (reviewed exceptions) are left alone. Population fixes (T001's common
spelling of a job title) come from their finding, then the value is checked again. The engine
reports a less common spelling once, at its first user, so that the report stays linear however
many users share it: `SpellingFindings` hands that finding to every user who spells the value
the same way, and each of them is fixed.

One cell, one change: when two attributes read the same column (`--column
email=userPrincipalName`), their chains are run together on the one value until neither has a
fix left, so that the corrected CSV, the script (one `-UserPrincipalName`, not two) and the
counts see a single change of that cell.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from checks.model import Chain, CheckContext, Finding, FixConfidence, Rule, UserRecord

LEVELS: tuple[FixConfidence, ...] = ("certain", "probable")
MAX_STEPS = 5  # a chain of fixes is short; the cap only guards against rules that disagree


def within(confidence: FixConfidence | None, level: FixConfidence) -> bool:
    """True when a fix of `confidence` is applied at `level`."""
    if confidence is None:
        return False
    return LEVELS.index(confidence) <= LEVELS.index(level)


@dataclass(frozen=True, slots=True)
class Change:
    """One cell of one user (a column), corrected."""

    attribute: str  # the first attribute read from the column
    column: str
    old: str | None
    new: str
    confidence: FixConfidence
    rules: tuple[str, ...]  # the rules whose fixes made the change, in order
    also: tuple[str, ...] = ()  # other attributes read from the same column (--column)

    @property
    def attributes(self) -> tuple[str, ...]:
        """Every attribute this cell feeds."""
        return (self.attribute, *self.also)


class SpellingFindings:
    """The findings of the variants rules (T001), by the spelling they are about.

    One finding stands for every user of its export who spells the value exactly so: the
    engine keeps a count per spelling, not the users, and the finding is at the first of them.
    A reviewed exception that suppresses it (made for that first user, whom the report names)
    leaves the spelling alone for all of them, as the report shows it.
    """

    def __init__(self, findings: Iterable[Finding], rules: Iterable[Rule]) -> None:
        codes = {rule.code for rule in rules if rule.variants}
        self._by_spelling: dict[tuple[str | None, str, str], Finding] = {}
        for finding in findings:
            if finding.rule in codes and finding.attribute is not None:
                key = (finding.source, finding.attribute, finding.value or "")
                self._by_spelling[key] = finding
        self._attributes = {attribute for _, attribute, _ in self._by_spelling}

    def of(self, record: UserRecord) -> list[Finding]:
        """The findings about this record's spellings that are at another user's row."""
        found = []
        for attribute in self._attributes:
            value = record.values.get(attribute)
            if value is None:  # an empty title has no spelling (T001 gives it no key)
                continue
            finding = self._by_spelling.get((record.source, attribute, value))
            if finding is not None and finding.row != record.row:
                found.append(finding)
        return found


def _next_fix(
    value: str | None,
    record: UserRecord,
    chain: Chain | None,
    ctx: CheckContext,
    level: FixConfidence,
    suppressed: frozenset[str] = frozenset(),
) -> tuple[str, FixConfidence, str] | None:
    """The first fix at `level` the chain suggests for `value` that changes it, leaving out
    the rules a reviewed exception suppresses for this user."""
    if chain is None:
        return None
    for rule, issue in chain.issues(value, record, ctx):
        if rule.code in suppressed:
            continue
        if issue.fix is not None and issue.fix != value and within(issue.fix_confidence, level):
            return issue.fix, issue.fix_confidence or "probable", rule.code
    return None


def plan_changes(
    record: UserRecord,
    findings: Iterable[Finding],
    chains: dict[str, Chain],
    ctx: CheckContext,
    level: FixConfidence,
) -> list[Change]:
    """The corrected attributes of one record, from its findings (those of its row).

    Only attributes with an unsuppressed finding whose fix is at `level` change; the value
    is then checked again until no fix at `level` remains — never by a rule a reviewed
    exception suppresses for this user (a trimmed " SÃ¸ren" is not then repaired to "Søren"
    when its N004 is accepted).
    """
    if record.malformed is not None:
        return []  # its fields are not aligned with the header: nothing is changed
    findings = list(findings)
    suppressed = frozenset(f.rule for f in findings if f.suppressed is not None)
    starts: dict[str, Finding] = {}
    for finding in findings:
        if finding.suppressed is not None or finding.attribute is None or finding.fix is None:
            continue
        if not within(finding.fix_confidence, level):
            continue
        # a population fix (the common spelling) replaces the value first; else the chain decides
        if finding.attribute not in starts or finding.rule not in _chain_codes(
            chains, finding.attribute
        ):
            starts[finding.attribute] = finding
    by_column: dict[str, list[str]] = {}  # column -> the attributes it feeds, in order
    for attribute in starts:
        column = record.columns.get(attribute)
        if column is not None:
            by_column.setdefault(column, []).append(attribute)
    changes: list[Change] = []
    for column, attributes in by_column.items():
        old = record.values.get(attributes[0])
        value: str | None = old
        confidences: list[FixConfidence] = []
        applied: list[str] = []
        for attribute in attributes:
            first = starts[attribute]
            if first.rule not in _chain_codes(chains, attribute):
                value = first.fix
                confidences.append(first.fix_confidence or "probable")
                applied.append(first.rule)
        for _ in range(MAX_STEPS):
            step = None
            for attribute in attributes:  # the first chain with a fix left wins this step
                step = _next_fix(value, record, chains.get(attribute), ctx, level, suppressed)
                if step is not None:
                    break
            if step is None:
                break
            value, confidence, code = step
            confidences.append(confidence)
            applied.append(code)
        if value is None or value == old:
            continue
        lowest: FixConfidence = "probable" if "probable" in confidences else "certain"
        changes.append(
            Change(attributes[0], column, old, value, lowest, tuple(applied), tuple(attributes[1:]))
        )
    return changes


def _chain_codes(chains: dict[str, Chain], attribute: str) -> frozenset[str]:
    chain = chains.get(attribute)
    return chain.reported if chain is not None else frozenset()
