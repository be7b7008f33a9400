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
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress, islice
from typing import BinaryIO

from checks.fast import plain_keys as fast_plain_keys
from checks.fast import unclean_at as fast_unclean_at
from checks.model import (
    Chain,
    CheckContext,
    Finding,
    Issue,
    Rule,
    Severity,
    UserRecord,
    all_rules,
    user_chains,
)

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


_HASH_PARTS = 4  # a power of two
_PART_MASK = _HASH_PARTS - 1


class _KeyIndex:
    """Which records share a uniqueness key, in memory that does not grow with the keys' text.

    Per record with a key: its 64-bit hash and its sequence number (12 bytes in two arrays);
    its `_Seen` details go to the spill file. The pairs are kept in `_HASH_PARTS` parts by the
    hash's low bits, so `candidates()` counts one part at a time (a quarter of the memory a
    count of every hash would take) with C loops (`Counter`, `compress`): only the records
    whose hash is seen twice are read back and grouped by their exact key text, so a hash
    collision can never merge two different keys — it only costs a look at the spill file.
    """

    def __init__(self) -> None:
        self.parts = [(array("q"), array("i")) for _ in range(_HASH_PARTS)]  # seqs < 2**31
        self._candidates: list[list[int]] | None = None

    def add(self, digest: int, seq: int) -> None:
        hashes, seqs = self.parts[digest & _PART_MASK]
        hashes.append(digest)
        seqs.append(seq)

    def add_many(self, digests: list[int], seqs: list[int]) -> None:
        """`add` each pair (digests and sequence numbers in the same order)."""
        parts = self.parts
        for digest, seq in zip(digests, seqs, strict=True):
            hashes, seqs_of_part = parts[digest & _PART_MASK]
            hashes.append(digest)
            seqs_of_part.append(seq)

    def absorb(self, parts: list[tuple[array, array]], first_seq: int) -> None:
        """Another checker's index of the same key (its sequence numbers start at
        `first_seq` here). Hashes agree: a forked worker shares this process's hash seed."""
        if not first_seq and not any(hashes for hashes, _ in self.parts):
            self.parts = parts  # the first part of a split: taken over, not copied
        else:
            for (hashes, seqs), (theirs, their_seqs) in zip(self.parts, parts, strict=True):
                hashes.extend(theirs)
                seqs.extend(seq + first_seq for seq in their_seqs)
        self._candidates = None

    def candidates(self) -> list[list[int]]:
        """The sequence numbers of records sharing a hash, per hash: supersets of the groups."""
        if self._candidates is None:
            by_hash: dict[int, list[int]] = {}
            for hashes, seqs in self.parts:
                counts = Counter(hashes)
                if len(counts) == len(hashes):
                    continue
                repeated = {digest for digest, count in counts.items() if count > 1}
                del counts
                pairs = zip(hashes, seqs, strict=True)
                for digest, seq in compress(pairs, map(repeated.__contains__, hashes)):
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
        self.parts = [(array("q"), array("i")) for _ in range(_HASH_PARTS)]
        self._candidates = None


@dataclass(slots=True)
class _Segment:
    """Spilled entries `first` … `first + count - 1`, from one checker: its file, where each
    blob starts (then where the last ends), each blob's first entry counted from the
    segment's start, and what to add to their rows (a worker counts from its first row)."""

    first: int
    count: int
    file: BinaryIO
    offsets: array
    firsts: array
    row_offset: int


# An entry's fields before its keys: row, line, pointer, source, upn, object_id.
_DETAILS = 6


class _Spill:
    """Each keyed record's details, marshalled to an anonymous temporary file.

    Entries are gathered column by column (a list of rows, one of lines, …, and per keyed
    rule one of keys, one of source columns and one of values) and written as one marshal blob
    per thousand or so entries: appending an entry is a few list appends, and a batch of
    records (`Checker.check_many`) adds its entries with one `extend` per column. Reading back
    the candidates of `finish()` loads only the blobs that hold one. `offsets` holds where each
    blob starts, then where the last ends; `firsts` each blob's first entry. A checker writes
    one segment of its own and may adopt other checkers' (`adopt`), each in its own file.
    """

    _BATCH = 1024

    def __init__(self, slots: int, file: BinaryIO | None = None) -> None:
        self._slots = slots
        self._file = file
        self._offsets = array("q")  # start of each written blob, then the end of the last
        self._firsts = array("q")  # the first entry of each written blob, in the segment
        self._pending = self._empty()
        self._pending_count = 0
        self._count = 0  # entries of the own segment, written or pending
        self._first = 0  # the sequence number of its first entry
        self._segments: list[_Segment] = []  # closed segments, in sequence order

    def _empty(self) -> list[list]:
        return [[] for _ in range(_DETAILS + 3 * self._slots)]

    def append(self, details: tuple, keys: list, cells: list) -> int:
        """Store one entry: `details` (row, line, pointer, source, upn, object_id), and per
        keyed rule its key and (column, value), or None when the record has no such key."""
        pending = self._pending
        for column, item in zip(pending, details, strict=False):
            column.append(item)
        for slot, key in enumerate(keys):
            cell = cells[slot]
            at = _DETAILS + 3 * slot
            pending[at].append(key)
            pending[at + 1].append(None if cell is None else cell[0])
            pending[at + 2].append(None if cell is None else cell[1])
        return self._added(1)

    def extend(self, details: list[list], per_slot: list[tuple[list, list, list] | None]) -> int:
        """Store `len(details[0])` entries given column by column: the six detail lists, and
        per keyed rule (keys, columns, values) — None for a rule none of them has a key for.
        Returns the first entry's sequence number."""
        pending = self._pending
        count = len(details[0])
        for column, items in zip(pending, details, strict=False):
            column.extend(items)
        for slot, lists in enumerate(per_slot):
            at = _DETAILS + 3 * slot
            if lists is None:
                for column in pending[at : at + 3]:
                    column.extend([None] * count)
            else:
                for column, items in zip(pending[at : at + 3], lists, strict=True):
                    column.extend(items)
        return self._added(count)

    def _added(self, count: int) -> int:
        """Count `count` new pending entries; the sequence number of the first of them."""
        first = self._first + self._count
        self._count += count
        self._pending_count += count
        if self._pending_count >= self._BATCH:
            self._flush()
        return first

    @property
    def total(self) -> int:
        return self._first + self._count

    def _flush(self) -> None:
        if not self._pending_count:
            return
        if self._file is None:
            # Lives until close(); a TemporaryFile is deleted on close or exit.
            self._file = tempfile.TemporaryFile(prefix="motiscim-keys-")  # noqa: SIM115
        offsets = self._offsets
        if not offsets:
            offsets.append(0)
        blob = marshal.dumps(self._pending)
        self._file.seek(offsets[-1])
        self._file.write(blob)
        self._firsts.append(self._count - self._pending_count)
        offsets.append(offsets[-1] + len(blob))
        self._pending, self._pending_count = self._empty(), 0

    def written(self) -> tuple[array, array, int]:
        """(blob offsets, blob firsts, entries) of the own segment, all written to its file."""
        self._flush()
        if self._file is not None:
            self._file.flush()
        return self._offsets, self._firsts, self._count

    def release(self) -> BinaryIO | None:
        """Hand the own segment's file to its adopter (after `written()`); forget it here."""
        self._flush()
        file = self._file
        self._file, self._offsets, self._firsts, self._count = None, array("q"), array("q"), 0
        return file

    def adopt(
        self, file: BinaryIO, offsets: array, firsts: array, count: int, row_offset: int
    ) -> None:
        """Take over another checker's written entries (`written()`); they get the next
        sequence numbers, and this spill closes `file` with its own."""
        self._close_own()
        self._segments.append(_Segment(self._first, count, file, offsets, firsts, row_offset))
        self._first += count

    def _close_own(self) -> None:
        self._flush()
        if self._count and self._file is not None:
            segment = _Segment(self._first, self._count, self._file, self._offsets, self._firsts, 0)
            self._segments.append(segment)
            self._first += self._count
        elif self._file is not None:
            self._file.close()
        self._file, self._offsets, self._firsts, self._count = None, array("q"), array("q"), 0

    def read_many(self, seqs: Iterable[int]) -> dict[int, tuple]:
        """The entries of `seqs`, read in file order, each as the tuple (row, line, pointer,
        source, upn, object_id, keys, cells) that `append` was given."""
        self._close_own()
        firsts = [segment.first for segment in self._segments]
        found: dict[int, tuple] = {}
        loaded: tuple[_Segment, int] | None = None
        blob: list[list] = []
        slots = range(self._slots)
        for seq in sorted(set(seqs)):
            segment = self._segments[bisect_right(firsts, seq) - 1]
            at = seq - segment.first
            index = bisect_right(segment.firsts, at) - 1
            if loaded != (segment, index):
                start = segment.offsets[index]
                segment.file.seek(start)
                blob = marshal.loads(segment.file.read(segment.offsets[index + 1] - start))
                loaded = (segment, index)
            j = at - segment.firsts[index]
            keys = [blob[_DETAILS + 3 * slot][j] for slot in slots]
            cells = [
                None
                if key is None
                else (blob[_DETAILS + 3 * slot + 1][j], blob[_DETAILS + 3 * slot + 2][j])
                for slot, key in zip(slots, keys, strict=True)
            ]
            row = blob[0][j] + segment.row_offset
            found[seq] = (row, *(blob[field][j] for field in range(1, _DETAILS)), keys, cells)
        return found

    def close(self) -> None:
        """Drop every entry (unwritten ones are not written: nothing reads them now)."""
        files = [segment.file for segment in self._segments]
        if self._file is not None:
            files.append(self._file)
        for file in files:
            file.close()
        self._segments, self._pending, self._pending_count = [], self._empty(), 0
        self._file, self._offsets, self._firsts = None, array("q"), array("q")
        self._count, self._first = 0, 0


@dataclass(slots=True)
class PopulationState:
    """A checker's population, handed to another checker (`Checker.absorb`)."""

    indexes: list[list[tuple[array, array]]]  # per keyed rule: its parts (hashes, seqs)
    spellings: dict[str, dict[str, _Spellings]]
    spill_offsets: array
    spill_firsts: array
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
        self._population: list[tuple[Rule, str]] = []
        self._keyed: list[tuple[Rule, str]] = []  # population rules that group on a key
        self._variants: list[tuple[Rule, str]] = []
        self._groups: dict[str, _KeyIndex] = {}
        self._spellings: dict[str, dict[str, _Spellings]] = {}
        self._fast = fast
        self._messages: dict[str, str] = {}
        fast_paths.set_enabled(fast)
        for rule in rules:
            if rule.code == "F004":
                self._malformed_rule = rule
            elif rule.scope == "population":
                for attribute in rule.attributes:
                    self._population.append((rule, attribute))
                    (self._variants if rule.variants else self._keyed).append((rule, attribute))
                if not rule.variants:
                    self._groups[rule.code] = _KeyIndex()
                self._spellings[rule.code] = {}
        self._indexes = [self._groups[rule.code] for rule, _ in self._keyed]
        self._spill = _Spill(len(self._keyed))
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
        # Each chain: (attribute, chain, clean value test or None, memo of issues or None).
        self._chains: list[tuple[str, Chain, Callable[[str | None], bool] | None, dict | None]] = []
        # For `check_many`, per chain: a test of the records (not the value) where one of its
        # rules may fire, or None.
        self._by_record: list[Callable[[list[UserRecord]], list[int]] | None] = []
        for attribute, chain in user_chains(rules).items():
            # The tests must vouch for every rule called, reported or not: one that fires
            # unreported still hides the value from the rules after it.
            codes = {r.code for r in chain.rules}
            clean = fast_paths.clean_test(attribute, codes) if fast else None
            memo = {} if fast and fast_paths.memoizable(attribute, codes) else None
            self._chains.append((attribute, chain, clean, memo))
            self._by_record.append(fast_paths.record_test(attribute, codes) if fast else None)

    def sibling(self, spill_file: BinaryIO | None = None) -> Checker:
        """A new checker with the same rules, context and severities, for a share of one
        export (`population_state` and `absorb` bring its population back here);
        `spill_file`: where it spills, for a forked worker whose file outlives it."""
        twin = Checker(self._rules, self.ctx, self._overrides, fast=self._fast)
        twin._spill = _Spill(len(twin._keyed), spill_file)
        return twin

    def population_state(self) -> PopulationState:
        """What this checker saw of the population, for `absorb` (picklable; the spill file
        itself stays where it is: the receiver passes it to `absorb`)."""
        offsets, firsts, count = self._spill.written()
        return PopulationState(
            indexes=[index.parts for index in self._indexes],
            spellings=self._spellings,
            spill_offsets=offsets,
            spill_firsts=firsts,
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
            self._spill.adopt(
                spill_file, state.spill_offsets, state.spill_firsts, state.spill_count, row_offset
            )
        elif spill_file is not None:
            spill_file.close()
        for index, parts in zip(self._indexes, state.indexes, strict=True):
            index.absorb(parts, first)
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
        for attribute, chain, clean, memo in self._chains:
            column = columns.get(attribute)
            if column is None:
                continue  # the export has no such column: F002/F003 say so once per file
            value = values.get(attribute)
            if clean is not None and clean(value):
                continue  # proven: no rule of this chain fires on this value
            if memo is not None:
                issues = memo.get(value)
                if issues is None:
                    issues = chain.issues(value, record, self.ctx)
                    if len(memo) >= _MEMO_LIMIT:
                        memo.clear()
                    memo[value] = issues
            else:
                issues = chain.issues(value, record, self.ctx)
            for rule, issue in issues:
                findings.append(self._finding(rule, record, issue, attribute, column, value))
        if self._population:
            self._observe_population(record)
        return findings

    def check_many(self, records: Sequence[UserRecord]) -> list[Finding]:
        """`check()` of each record, one attribute at a time over all of them: the same
        findings (in the same order within a record; across records in attribute order) and
        the same population as `check()` record by record, with a comprehension per column
        where `check()` makes a call per value."""
        if not self._fast or len(records) < 2:
            return [finding for record in records for finding in self.check(record)]
        findings: list[Finding] = []
        regular: list[UserRecord] = []
        for record in records:
            if record.malformed is None:
                regular.append(record)
            else:
                findings.extend(self.check(record))  # F004 only; no population
        if not regular:
            return findings
        columns = regular[0].columns
        if any(record.columns is not columns for record in regular):
            # Records read by different headers (several exports in one batch): one by one.
            findings.extend(finding for record in regular for finding in self.check(record))
            return findings
        for (attribute, chain, clean, memo), by_record in zip(
            self._chains, self._by_record, strict=True
        ):
            column = columns.get(attribute)
            if column is None:
                continue  # the export has no such column: F002/F003 say so once per file
            values = [record.values.get(attribute) for record in regular]
            if by_record is not None:
                suspects = by_record(regular)
            elif clean is not None:
                suspects = fast_unclean_at(clean, values)
            else:
                suspects = range(len(regular))
            for at in suspects:
                record, value = regular[at], values[at]
                if memo is not None:
                    issues = memo.get(value)
                    if issues is None:
                        issues = chain.issues(value, record, self.ctx)
                        if len(memo) >= _MEMO_LIMIT:
                            memo.clear()
                        memo[value] = issues
                else:
                    issues = chain.issues(value, record, self.ctx)
                for rule, issue in issues:
                    findings.append(self._finding(rule, record, issue, attribute, column, value))
        if self._population:
            self._observe_many(regular, columns)
        return findings

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
        details = (
            record.row,
            record.line,
            record.pointer,
            record.source,
            record.user_principal_name,
            record.object_id,
        )
        seq = self._spill.append(details, keys, cells)
        for index, key in zip(self._indexes, keys, strict=True):
            if key is not None:
                index.add(hash(key), seq)

    def _observe_many(self, records: list[UserRecord], columns: Mapping[str, str]) -> None:
        """`_observe_population` of each record (all read by `columns`), a column at a time."""
        ctx = self.ctx
        for rule, attribute, by_key, memo in self._variants_plan:
            column = columns.get(attribute)
            if column is None:
                continue
            for record in records:
                value = record.values.get(attribute)
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
        # Per keyed rule: (keys, columns, values) over the records, or None without a column.
        per_slot: list[tuple[list, list, list] | None] = []
        for rule, attribute, plain_key in self._keyed_plan:
            column = columns.get(attribute)
            if column is None:
                per_slot.append(None)
                continue
            values = [record.values.get(attribute) for record in records]
            keys = fast_plain_keys(rule.code, values) if plain_key is not None else None
            if keys is None:
                keys = [None] * len(records)
            if None in keys:
                for at, key in enumerate(keys):
                    if key is None:
                        keys[at] = rule.func(values[at], records[at], ctx)
            # (the spill reads a cell only where its key is not None)
            per_slot.append((keys, [column] * len(keys), [value or "" for value in values]))
        # Only records with at least one key are entries (as in `_observe_population`).
        key_lists = [lists[0] for lists in per_slot if lists is not None]
        if not key_lists:
            return
        if all(None in keys for keys in key_lists):  # some record may have no key at all
            none = (None,) * len(key_lists)
            chosen = [at for at, keys in enumerate(zip(*key_lists, strict=True)) if keys != none]
            if not chosen:
                return
            records = [records[at] for at in chosen]
            per_slot = [
                None if lists is None else tuple([items[at] for at in chosen] for items in lists)
                for lists in per_slot
            ]
        details = [
            [record.row for record in records],
            [record.line for record in records],
            [record.pointer for record in records],
            [record.source for record in records],
            [record.user_principal_name for record in records],
            [record.object_id for record in records],
        ]
        first = self._spill.extend(details, per_slot)
        for index, lists in zip(self._indexes, per_slot, strict=True):
            if lists is None:
                continue
            keys = lists[0]
            index.add_many(
                [hash(key) for key in keys if key is not None],
                [first + at for at, key in enumerate(keys) if key is not None],
            )

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


# Records checked together by `check_many`: enough to make a column's comprehension pay, few
# enough that a batch's records are a small fraction of the memory.
BATCH = 1024


def batched(records: Iterable[UserRecord], size: int = BATCH) -> Iterator[list[UserRecord]]:
    """`records` in lists of `size` (the last one shorter), read as they are needed."""
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch
