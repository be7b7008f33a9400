"""Runs the registered user and population rules over a stream of records.

The engine is the only place that knows how a rule's `Issue` becomes a `Finding`: it adds the
position, the user's keys, the Motimate attribute, the source column and the value. Population
rules (uniqueness, title variants) keep only a compact entry per key, never whole records.
"""

from __future__ import annotations

import marshal
import tempfile
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

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


# Distinct values remembered per chain before the memo starts over (names and titles repeat).
_MEMO_LIMIT = 65536
_UNSET = object()

# How many other rows (or other spellings) a population finding names, in its message and in
# `related_rows`; the rest are counted ("and 14 more"). Naming them all costs a group of n
# users n² labels: 20 000 staff sharing one frontline mailbox were 400 million row numbers.
NAMED_OTHERS = 5


_HASH_PARTS = 4


class _KeyIndex:
    """Which records share a uniqueness key, in memory that does not grow with the keys' text.

    Per record with a key: its 64-bit hash and its sequence number (12 bytes in two arrays);
    its `_Seen` details go to the spill file. At `candidates()` one pass over the hashes finds
    the ones seen twice; only those records are read back and grouped by their exact key
    text, so a hash collision can never merge two different keys — it only costs a look at
    the spill file.
    """

    def __init__(self) -> None:
        self.hashes = array("q")
        self.seqs = array("i")  # sequence numbers below 2**31
        self._candidates: list[list[int]] | None = None

    def absorb(self, hashes: array, seqs: array, first_seq: int) -> None:
        """Another checker's index of the same key (its sequence numbers start at
        `first_seq` here). Hashes agree: a forked worker shares this process's hash seed."""
        if not self.hashes and not first_seq:
            self.hashes, self.seqs = hashes, seqs  # the first part: taken over, not copied
        else:
            self.hashes.extend(hashes)
            self.seqs.extend(seq + first_seq for seq in seqs)
        self._candidates = None

    def candidates(self) -> list[list[int]]:
        """The sequence numbers of records sharing a hash, per hash: supersets of the groups."""
        if self._candidates is None:
            hashes = self.hashes
            repeated: set[int] = set()
            # A set of the hashes seen (faster than sorting a million ints), a quarter of them
            # at a time: 26 MB instead of 80 MB at a million keys, for 25 % more time.
            for part in range(_HASH_PARTS):
                seen: set[int] = set()
                repeated.update(
                    h
                    for h in hashes
                    if h % _HASH_PARTS == part and (h in seen or seen.add(h))  # type: ignore[func-returns-value]
                )
                del seen
            by_hash: dict[int, list[int]] = {}
            if repeated:
                for digest, seq in zip(hashes, self.seqs, strict=True):
                    if digest in repeated:
                        by_hash.setdefault(digest, []).append(seq)
            self._candidates = list(by_hash.values())
        return self._candidates

    def groups(self, slot: int, entries: dict[int, tuple]) -> list[list[_Seen]]:
        """Every group of two or more records with the same key, members in record order;
        groups ordered by their first member (the order a dict of keys would give).
        `entries` holds the spilled details of every candidate (`_Spill.read_many`)."""
        found: list[tuple[int, list[_Seen]]] = []
        for seqs in self.candidates():
            by_key: dict[str, list[tuple[int, _Seen]]] = {}
            for seq in seqs:
                row, line, pointer, source, upn, object_id, keys, cells = entries[seq]
                column, value = cells[slot]
                seen = _Seen(row, line, pointer, source, upn, object_id, column, value)
                by_key.setdefault(keys[slot], []).append((seq, seen))
            found.extend(
                (members[0][0], [seen for _, seen in members])
                for members in by_key.values()
                if len(members) > 1
            )
        found.sort(key=lambda item: item[0])
        return [members for _, members in found]

    def clear(self) -> None:
        self.hashes = array("q")
        self.seqs = array("i")
        self._candidates = None


@dataclass(slots=True)
class _Segment:
    """Spilled entries `first` … `first + count - 1`, from one checker: its file, where each
    batch starts, and what to add to their rows (a worker counts from its first row)."""

    first: int
    count: int
    file: BinaryIO
    offsets: array
    row_offset: int


class _Spill:
    """Each keyed record's details, marshalled to an anonymous temporary file.

    Each entry is its own marshal blob, so reading back the few candidates of a million users
    costs a read per candidate, not the whole file (one blob per thousand entries did: 2.3 s
    at a million users); blobs are written a thousand at a time. Entry `seq` of a segment is
    blob `seq - first`; `offsets` holds where each blob starts, then where the last ends. A
    checker writes one segment of its own and may adopt other checkers' (`adopt`), each in its
    own file.
    """

    _BATCH = 1024

    def __init__(self, file: BinaryIO | None = None) -> None:
        self._file = file
        self._offsets = array("q")  # start of each written batch, then the end of the last
        self._pending: list[bytes] = []
        self._count = 0  # entries of the own segment
        self._first = 0  # the sequence number of its first entry
        self._segments: list[_Segment] = []  # closed segments, in sequence order

    def append(self, entry: tuple) -> int:
        """Store `entry` (row, line, pointer, source, upn, object_id, keys, cells)."""
        self._pending.append(marshal.dumps(entry))
        self._count += 1
        if len(self._pending) == self._BATCH:
            self._flush()
        return self._first + self._count - 1

    @property
    def total(self) -> int:
        return self._first + self._count

    def _flush(self) -> None:
        if not self._pending:
            return
        if self._file is None:
            # Lives until close(); a TemporaryFile is deleted on close or exit.
            self._file = tempfile.TemporaryFile(prefix="motiscim-keys-")  # noqa: SIM115
        offsets = self._offsets
        if not offsets:
            offsets.append(0)
        self._file.seek(offsets[-1])
        self._file.write(b"".join(self._pending))
        end = offsets[-1]
        offsets.extend(end := end + len(blob) for blob in self._pending)
        self._pending = []

    def written(self) -> tuple[array, int]:
        """(blob offsets, entries) of the own segment, all written to its file."""
        self._flush()
        if self._file is not None:
            self._file.flush()
        return self._offsets, self._count

    def release(self) -> BinaryIO | None:
        """Hand the own segment's file to its adopter (after `written()`); forget it here."""
        self._flush()
        file = self._file
        self._file, self._offsets, self._count, self._pending = None, array("q"), 0, []
        return file

    def adopt(self, file: BinaryIO, offsets: array, count: int, row_offset: int) -> None:
        """Take over another checker's written entries (`written()`); they get the next
        sequence numbers, and this spill closes `file` with its own."""
        self._close_own()
        self._segments.append(_Segment(self._first, count, file, offsets, row_offset))
        self._first += count

    def _close_own(self) -> None:
        self._flush()
        if self._count and self._file is not None:
            self._segments.append(_Segment(self._first, self._count, self._file, self._offsets, 0))
            self._first += self._count
        elif self._file is not None:
            self._file.close()
        self._file, self._offsets, self._count = None, array("q"), 0

    def read_many(self, seqs: Iterable[int]) -> dict[int, tuple]:
        """The entries of `seqs`, read in file order."""
        self._close_own()
        firsts = [segment.first for segment in self._segments]
        found: dict[int, tuple] = {}
        for seq in sorted(set(seqs)):
            segment = self._segments[bisect_right(firsts, seq) - 1]
            at = seq - segment.first
            start = segment.offsets[at]
            segment.file.seek(start)
            entry = marshal.loads(segment.file.read(segment.offsets[at + 1] - start))
            if segment.row_offset:
                entry = (entry[0] + segment.row_offset, *entry[1:])
            found[seq] = entry
        return found

    def close(self) -> None:
        """Drop every entry (unwritten ones are not written: nothing reads them now)."""
        files = [segment.file for segment in self._segments]
        if self._file is not None:
            files.append(self._file)
        for file in files:
            file.close()
        self._segments, self._pending = [], []
        self._file, self._offsets, self._count, self._first = None, array("q"), 0, 0


@dataclass(slots=True)
class PopulationState:
    """A checker's population, handed to another checker (`Checker.absorb`)."""

    indexes: list[tuple[array, array]]  # (hashes, sequence numbers) per keyed rule
    spellings: dict[str, dict[str, _Spellings]]
    spill_offsets: array
    spill_count: int


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
    """Feed records with `check()`; collect population findings with `finish()`.

    `fast=True` (the default) skips a chain when `checks.fast` proves that none of its rules
    can fire on the value, and reuses the issues of value-only rules for a repeated value;
    `fast=False` calls every rule on every value (and the rules use the libraries' plain
    public APIs): the oracle that tests/test_parity.py compares the fast path with.
    """

    def __init__(
        self,
        rules: Iterable[Rule],
        ctx: CheckContext | None = None,
        severity_overrides: dict[str, Severity] | None = None,
        *,
        fast: bool = True,
    ) -> None:
        from checks import fast as fast_paths

        self.ctx = ctx or CheckContext()
        self._overrides = severity_overrides or {}
        self._rules = list(rules)
        rules = self._rules
        self._malformed_rule: Rule | None = None
        self._by_attribute: dict[str, list[Rule]] = {}
        self._population: list[tuple[Rule, str]] = []
        self._keyed: list[tuple[Rule, str]] = []  # population rules that group on a key
        self._variants: list[tuple[Rule, str]] = []
        self._spill = _Spill()
        self._groups: dict[str, _KeyIndex] = {}
        self._spellings: dict[str, dict[str, _Spellings]] = {}
        self._fast = fast
        self._messages: dict[str, str] = {}
        fast_paths.set_enabled(fast)
        for rule in rules:
            if rule.code == "F004":
                self._malformed_rule = rule
            elif rule.scope == "user":
                for attribute in rule.attributes:
                    self._by_attribute.setdefault(attribute, []).append(rule)
            elif rule.scope == "population":
                for attribute in rule.attributes:
                    self._population.append((rule, attribute))
                    (self._variants if rule.variants else self._keyed).append((rule, attribute))
                if not rule.variants:
                    self._groups[rule.code] = _KeyIndex()
                self._spellings[rule.code] = {}
        self._indexes = [self._groups[rule.code] for rule, _ in self._keyed]
        # (rule, attribute, its spellings by key, a memo of keys by value or None)
        self._variants_plan = [
            (
                rule,
                attribute,
                self._spellings[rule.code],
                {} if fast and fast_paths.value_only_key(rule.code) else None,
            )
            for rule, attribute in self._variants
        ]
        self._keyed_plan = [
            (rule, attribute, fast_paths.PLAIN_KEYS.get(rule.code) if fast else None)
            for rule, attribute in self._keyed
        ]
        # A chain runs in registration order, most specific rule first (see `exclusive`).
        # Each chain: (attribute, rules, clean value test or None, memo of issues or None).
        self._chains: list[
            tuple[str, list[Rule], Callable[[str | None], bool] | None, dict | None]
        ] = []
        for attribute, chain in self._by_attribute.items():
            chain.sort(key=lambda r: r.order)
            codes = {r.code for r in chain}
            clean = fast_paths.clean_test(attribute, codes) if fast else None
            memo = {} if fast and fast_paths.memoizable(attribute, codes) else None
            self._chains.append((attribute, chain, clean, memo))

    def sibling(self, spill_file: BinaryIO | None = None) -> Checker:
        """A new checker with the same rules, context and severities, for a share of one
        export (`population_state` and `absorb` bring its population back here);
        `spill_file`: where it spills, for a forked worker whose file outlives it."""
        twin = Checker(self._rules, self.ctx, self._overrides, fast=self._fast)
        twin._spill = _Spill(spill_file)
        return twin

    def population_state(self) -> PopulationState:
        """What this checker saw of the population, for `absorb` (picklable; the spill file
        itself stays where it is: the receiver passes it to `absorb`)."""
        offsets, count = self._spill.written()
        return PopulationState(
            indexes=[(index.hashes, index.seqs) for index in self._indexes],
            spellings=self._spellings,
            spill_offsets=offsets,
            spill_count=count,
        )

    def release_spill(self) -> BinaryIO | None:
        """This checker's spill file, for the checker that absorbs its `population_state()`."""
        return self._spill.release()

    def absorb(self, state: PopulationState, spill_file: BinaryIO | None, row_offset: int) -> None:
        """Add a sibling's population (the users after this checker's, in file order) as if
        this checker had seen its records, their rows moved by `row_offset`."""
        first = self._spill.total
        if state.spill_count:
            assert spill_file is not None
            self._spill.adopt(spill_file, state.spill_offsets, state.spill_count, row_offset)
        elif spill_file is not None:
            spill_file.close()
        for index, (hashes, seqs) in zip(self._indexes, state.indexes, strict=True):
            index.absorb(hashes, seqs, first)
        for code, by_key in state.spellings.items():
            mine = self._spellings[code]
            for key, theirs in by_key.items():
                spellings = mine.setdefault(key, _Spellings())
                for spelling, seen in theirs.first.items():
                    if spelling not in spellings.first:
                        seen.row += row_offset
                        spellings.first[spelling] = seen
                for spelling, count in theirs.count.items():
                    spellings.count[spelling] = spellings.count.get(spelling, 0) + count

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
        columns, values = record.columns, record.values
        for attribute, rules, clean, memo in self._chains:
            column = columns.get(attribute)
            if column is None:
                continue  # the export has no such column: F002/F003 say so once per file
            value = values.get(attribute)
            if clean is not None and clean(value):
                continue  # proven: no rule of this chain fires on this value
            if memo is not None:
                issues = memo.get(value)
                if issues is None:
                    issues = self._chain_issues(rules, value, record)
                    if len(memo) >= _MEMO_LIMIT:
                        memo.clear()
                    memo[value] = issues
            else:
                issues = self._chain_issues(rules, value, record)
            for rule, issue in issues:
                findings.append(self._finding(rule, record, issue, attribute, column, value))
        if self._population:
            self._observe_population(record)
        return findings

    def _chain_issues(
        self, rules: list[Rule], value: str | None, record: UserRecord
    ) -> tuple[tuple[Rule, Issue], ...]:
        issues: list[tuple[Rule, Issue]] = []
        for rule in rules:
            issue = rule.func(value, record, self.ctx)
            if issue is None:
                continue
            issues.append((rule, issue))
            if rule.exclusive:
                break
        return tuple(issues)

    def _observe_population(self, record: UserRecord) -> None:
        columns, values, ctx = record.columns, record.values, self.ctx
        for rule, attribute, by_key, memo in self._variants_plan:
            column = columns.get(attribute)
            if column is None:
                continue
            value = values.get(attribute)
            if memo is None:
                key = rule.func(value, record, ctx)
            else:
                key = memo.get(value, _UNSET)
                if key is _UNSET:
                    key = rule.func(value, record, ctx)
                    if len(memo) >= _MEMO_LIMIT:
                        memo.clear()
                    memo[value] = key
            if key is None:
                continue
            spellings = by_key.get(key)
            if spellings is None:
                spellings = by_key[key] = _Spellings()
            spelling = value or ""
            count = spellings.count.get(spelling)
            if count is None:
                spellings.first[spelling] = self._seen(record, column, spelling)
                count = 0
            spellings.count[spelling] = count + 1
        if not self._keyed:
            return
        keys: list[str | None] | None = None
        cells: list[tuple[str, str] | None] = []
        for slot, (rule, attribute, plain_key) in enumerate(self._keyed_plan):
            column = columns.get(attribute)
            if column is None:
                continue
            value = values.get(attribute)
            key = None if plain_key is None else plain_key(value)
            if key is None:
                key = rule.func(value, record, ctx)
                if key is None:
                    continue
            if keys is None:
                keys, cells = [None] * len(self._keyed), [None] * len(self._keyed)
            keys[slot] = key
            cells[slot] = (column, value or "")
        if keys is None:
            return
        seq = self._spill.append(
            (
                record.row,
                record.line,
                record.pointer,
                record.source,
                record.user_principal_name,
                record.object_id,
                keys,
                cells,
            )
        )
        for index, key in zip(self._indexes, keys, strict=True):
            if key is not None:
                index.hashes.append(hash(key))  # every key of every user: no method call
                index.seqs.append(seq)

    @staticmethod
    def _seen(record: UserRecord, column: str, value: str) -> _Seen:
        return _Seen(
            record.row,
            record.line,
            record.pointer,
            record.source,
            record.user_principal_name,
            record.object_id,
            column,
            value,
        )

    def finish(self) -> list[Finding]:
        """Findings that need the whole population: one per member of each offending group,
        each naming at most `NAMED_OTHERS` of the others, so the work and the report grow
        linearly with the group."""
        findings: list[Finding] = []
        wanted = [seq for index in self._indexes for seqs in index.candidates() for seq in seqs]
        entries = self._spill.read_many(wanted) if wanted else {}
        for rule, attribute in self._population:
            if rule.describe is None:
                continue
            if not rule.variants:
                slot = self._keyed.index((rule, attribute))
                for members in self._groups[rule.code].groups(slot, entries):
                    self._describe_group(rule, attribute, members, findings)
                continue
            for spellings in self._spellings[rule.code].values():
                if len(spellings.count) >= 2:
                    self._describe_spellings(rule, attribute, spellings, findings)
        for index in self._groups.values():
            index.clear()
        for spellings_by_key in self._spellings.values():
            spellings_by_key.clear()
        self._spill.close()
        return findings

    def _describe_group(
        self, rule: Rule, attribute: str, members: list[_Seen], findings: list[Finding]
    ) -> None:
        """One finding per member, naming the first `NAMED_OTHERS` other members in record
        order. Past the first few, every member names the same rows: their issue is worded
        once per (file, value) and shared."""
        assert rule.describe is not None
        head = members[: NAMED_OTHERS + 1]
        unnamed = max(0, len(members) - 1 - NAMED_OTHERS)
        shared: dict[tuple[str, str], Issue] = {}
        for position, member in enumerate(members):
            if position < len(head):
                named = [m for m in head if m is not member][:NAMED_OTHERS]
                issue = rule.describe(member.value, _row_labels(member, named), unnamed)
            else:
                named = head[:NAMED_OTHERS]
                issue = shared.get((member.source, member.value))
                if issue is None:
                    issue = rule.describe(member.value, _row_labels(member, named), unnamed)
                    shared[(member.source, member.value)] = issue
            others = [m.row for m in named]
            findings.append(self._group_finding(rule, attribute, member, issue, others))

    def _describe_spellings(
        self, rule: Rule, attribute: str, spellings: _Spellings, findings: list[Finding]
    ) -> None:
        """One finding per less common spelling, at its first user. The message lists the
        `NAMED_OTHERS` most common spellings and counts the rest; `related_rows` holds the
        first users of at most `NAMED_OTHERS` other spellings, most common first."""
        assert rule.describe is not None
        ranked = sorted(spellings.count.items(), key=lambda item: (-item[1], item[0]))
        listed = ranked[:NAMED_OTHERS]
        more_spellings = len(ranked) - len(listed)
        more_users = sum(count for _, count in ranked[NAMED_OTHERS:])
        head = [spelling for spelling, _ in ranked[: NAMED_OTHERS + 1]]
        for spelling, _ in ranked[1:]:
            member = spellings.first[spelling]
            issue = rule.describe(spelling, listed, more_spellings, more_users)
            named = [s for s in head if s != spelling][:NAMED_OTHERS]
            others = [spellings.first[s].row for s in named]
            findings.append(self._group_finding(rule, attribute, member, issue, others))

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
        # Many findings share a message word for word: keep one copy of each text.
        messages = self._messages
        if len(messages) >= _MEMO_LIMIT:
            messages.clear()
        finding.message = messages.setdefault(finding.message, finding.message)
        return finding


def _row_labels(member: _Seen, others: list[_Seen]) -> list[str]:
    """`others`' rows as the message names them: `7`, or `7 of users-b.csv` when several
    exports are checked together and the row is in another file than `member`."""
    return [
        str(m.row) if m.source == member.source else f"{m.row} of {_file_name(m.source)}"
        for m in others
    ]


def _file_name(source: str | None) -> str:
    if not source:
        return "standard input"
    return source.replace("\\", "/").rsplit("/", 1)[-1]


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
