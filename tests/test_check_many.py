"""`Checker.check_many` (a column at a time, as `motiscim check` reads) gives exactly what
`Checker.check` gives record by record: the same findings, the same population findings at
`finish()`. And its column tests in `checks.fast` agree with the per-value tests they stand for.
The generated-corpus comparison with the oracle is tests/test_parity.py."""

from __future__ import annotations

import dataclasses
from array import array

import pytest

from bench.parity import FIELDS
from checks import fast
from checks.engine import BATCH, Checker, _KeyIndex, _Spill, batched, select_rules
from checks.model import CheckContext, Finding, UserRecord
from tests.rulekit import DEFAULT_COLUMNS, record

OTHER_COLUMNS = {**DEFAULT_COLUMNS, "employee_number": "UPN", "phone_number": "Mobile"}


def _rows(findings: list[Finding]) -> list[tuple]:
    """Comparable findings in report order (source, row, rule; stable, as run_check sorts)."""
    rows = [tuple(getattr(f, name) for name in FIELDS) for f in findings]
    rows = [(*r[:-1], tuple(r[-1])) for r in rows]
    return sorted(rows, key=lambda r: (r[3] or "", r[4] if r[4] is not None else -1, r[0]))


def _one_by_one(records: list[UserRecord], region: str | None = None) -> list[tuple]:
    checker = Checker(select_rules(), CheckContext(default_region=region))
    found = [f for r in records for f in checker.check(r)]
    return _rows(found + checker.finish())


def _in_batches(
    records: list[UserRecord], size: int = BATCH, region: str | None = None
) -> list[tuple]:
    checker = Checker(select_rules(), CheckContext(default_region=region))
    found = [f for batch in batched(records, size) for f in checker.check_many(batch)]
    return _rows(found + checker.finish())


def _mixed_users(count: int) -> list[UserRecord]:
    """Users with every kind of problem, cycling, and duplicates far apart."""
    shapes = [
        {},
        {"phone_number": "41234567"},  # P001 (needs a region for its fix)
        {"phone_number": "+47 412 34 567"},  # P002
        {"phone_number": "+99912345678"},  # P003
        {"phone_number": "+47412345678"},  # P004: too long for Norway
        {"phone_number": "+4741234"},  # P007: too short, yet E.164-shaped
        {"phone_number": "4.74123E+9"},  # P006
        {"phone_number": "+4720000000"},  # P007 or valid: whatever judge says, both paths
        {"phone_number": None},
        {"email": "kari nordmann@example.com"},  # E002
        {"email": "kari@@example.com"},  # E001
        {"email": None},  # E003
        {"email": "kåri@exåmple.com"},  # not the plain shape: email-validator answers
        {"employee_number": " kari@example.com"},  # U002
        {"employee_number": "kari_gmail.com#EXT#@tenant.onmicrosoft.com"},  # U004
        {"employee_number": None, "email": None, "external_id": None},  # no key at all
        {"first_name": "Jørgen", "last_name": "JÃ¸rgensen"},  # N004 on the second
        {"first_name": " Kari", "position": "=Boss"},  # N002, N003
        {"position": "Sales  manager"},  # T001 with "Sales manager"
        {"position": "Sales manager"},
        {"external_id": "not-a-guid"},  # X002
        {"active": "false"},  # A001
    ]
    users = []
    for index in range(count):
        values = {
            "employee_number": f"user{index}@example.com",
            "email": f"user{index}@example.com",
            "external_id": f"{index:08x}-d9cb-469f-a165-70867728950e",
            "phone_number": f"+4741{index % 1000000:06d}",
            **shapes[index % len(shapes)],
        }
        if index % 997 == 5:  # the same UPN, email and ID as user 5, batches later
            values.update(
                employee_number="USER5@example.com",
                email="user5@EXAMPLE.com",
                external_id="00000005-D9CB-469F-A165-70867728950E",
            )
        users.append(record(index + 1, **values))
    return users


def test_batches_give_the_findings_of_one_record_at_a_time() -> None:
    users = _mixed_users(5_000)  # past the phone shortcut's warm-up, across many batches
    plain = _one_by_one(users)
    assert {r[0] for r in plain} >= {
        *("P002", "P003", "P004", "P006", "E001", "E002", "E003", "U002", "U003", "U004"),
        *("E004", "X002", "X003", "N002", "N003", "N004", "T001", "A001", "U001", "X001"),
    }
    assert _in_batches(users) == plain
    assert _in_batches(users, size=7) == plain  # batch edges everywhere
    assert _in_batches(users, size=1) == plain
    assert _in_batches(users, region="NO") == _one_by_one(users, region="NO")


def test_malformed_records_and_other_headers_in_one_batch() -> None:
    """A row that cannot be lined up (F004) and rows read by another export's columns take
    the record-by-record path inside the batch; the others still take the column path."""
    users = _mixed_users(300)
    broken = UserRecord(
        source="users.csv", row=301, line=302, columns=DEFAULT_COLUMNS, malformed="short"
    )
    other = [
        dataclasses.replace(r, source="other.csv", row=r.row, columns=OTHER_COLUMNS)
        for r in _mixed_users(40)
    ]
    records = [*users[:150], broken, *other, *users[150:]]
    plain = _one_by_one(records)
    assert ("F004", "users.csv", 301) in {(r[0], r[3], r[4]) for r in plain}
    # U003 across the two exports: user 5's UPN in both
    assert {r[3] for r in plain if r[0] == "U003"} == {"users.csv", "other.csv"}
    assert _in_batches(records) == plain
    assert _in_batches(records, size=64) == plain


def test_a_duplicate_in_the_first_and_the_last_batch_is_found() -> None:
    users = _mixed_users(3 * BATCH)
    users[-1] = record(len(users), employee_number="user0@example.com")
    found = [r for r in _in_batches(users) if r[0] == "U003" and r[11] == "user0@example.com"]
    # (row, related rows) of each member
    assert [(r[4], r[14]) for r in found] == [(1, (len(users),)), (len(users), (1,))]


def test_a_batch_of_records_without_any_key_adds_nothing_to_the_population() -> None:
    users = [
        record(row, employee_number=None, email=None, external_id=None) for row in range(1, 50)
    ]
    assert _in_batches(users) == _one_by_one(users)
    assert {r[0] for r in _in_batches(users)} == {"U001", "E003", "X001"}
    checker = Checker(select_rules(), CheckContext())
    checker.check_many(users)
    assert checker._spill.total == 0  # no entry for a record without a key
    checker.finish()


# --- the spill, appended to one entry at a time and a batch at a time ------------------------


def _entry(n: int) -> tuple:
    keys = [f"u{n}", None if n % 3 else f"e{n}"]
    cells = [("UPN", f"U{n}"), None if n % 3 else ("mail", f"E{n}")]
    return (n, n + 1, None, "users.csv", f"U{n}", f"id{n}"), keys, cells


def test_spill_reads_back_entries_appended_one_by_one_and_in_batches() -> None:
    spill = _Spill(2)
    expected: dict[int, tuple] = {}
    n = 0
    while n < 5_000:
        if n % 2:  # a batch of 1..700 entries, given column by column
            size = 1 + n % 700
            entries = [_entry(m) for m in range(n, n + size)]
            details = [[e[0][field] for e in entries] for field in range(6)]
            per_slot = [
                (
                    [e[1][slot] for e in entries],
                    [None if e[2][slot] is None else e[2][slot][0] for e in entries],
                    [None if e[2][slot] is None else e[2][slot][1] for e in entries],
                )
                for slot in range(2)
            ]
            first = spill.extend(details, per_slot)
        else:
            size = 1
            first = spill.append(*_entry(n))
        assert first == n
        for m in range(n, n + size):
            details, keys, cells = _entry(m)
            expected[m] = (*details, keys, cells)
        n += size
    wanted = [*range(0, n, 7), n - 1]
    assert spill.read_many(wanted) == {seq: expected[seq] for seq in wanted}
    spill.close()


def test_spill_adopts_another_spills_entries_with_their_rows_moved() -> None:
    mine, theirs = _Spill(2), _Spill(2)
    for n in range(3_000):
        mine.append(*_entry(n))
        theirs.append(*_entry(n))
    offsets, firsts, count = theirs.written()
    assert isinstance(offsets, array) and count == 3_000
    mine.adopt(theirs.release(), offsets, firsts, count, 10_000)
    found = mine.read_many([0, 2_999, 3_000, 5_999])
    assert found[2_999][0] == 2_999 and found[3_000][0] == 10_000
    assert found[5_999][:2] == (12_999, 3_000)
    assert found[5_999][6:] == found[2_999][6:]
    mine.close()


# --- checks.fast: a column's test is the value's test ----------------------------------------

VALUES = [
    None,
    "",
    " ",
    "kari.nordmann@example.com",
    "Kari.Nordmann@Example.COM",
    "kari nordmann@example.com",
    "kari@@example.com",
    "kari@exa@mple.com",
    "@example.com",
    "kari@",
    "a" * 64 + "@example.com",
    "a" * 65 + "@example.com",
    "a" * 30 + "." + "b" * 33 + "@example.com",  # a local part of 64 characters
    "a" * 30 + "." + "b" * 34 + "@example.com",  # 65: past email-validator's limit
    "a@" + "b" * 250 + ".com",
    "a@" + "b." * 100 + "no",
    ".kari@example.com",
    "kari.@example.com",
    "kari..n@example.com",
    "kåri@example.com",
    "kari@exåmple.com",
    "kari@xn--exmple-cua.com",
    "kari@localhost",
    "kari@example",
    '"kari"@example.com',
    "Kari <kari@example.com>",
    "+4741234567",
    "+47412345678",
    "+4720000000",
    "+4741234",
    "+47 41234567",
    "+04741234567",
    "+999123456789",
    "+12015550123",
    "+441632960961",
    "+4930123456",
    "+٤٧٤١٢٣٤٥٦٧",
    "4741234567",
    "0f8fad5b-d9cb-469f-a165-70867728950e",
    "0F8FAD5B-D9CB-469F-A165-70867728950E",
    "{0f8fad5b-d9cb-469f-a165-70867728950e}",
    "0f8fad5b-d9cb-469f-a165-70867728950",
    "Kari",
    "Jørgen",
    "JÃ¸rgen",
    "=Boss",
    "Sales manager ",
    "Sales\tmanager",
    "Ｋari",
    "kari\u200b@example.com",
    "kari_gmail.com#EXT#@tenant.onmicrosoft.com",
    # 253, 254 and 255 characters in all: 254 is the limit of an address
    *["k" * 64 + "@" + "a" * 63 + "." + "b" * 63 + "." + "c" * n + ".com" for n in (56, 57, 58)],
]


@pytest.mark.parametrize(
    "test", [fast.upn_clean, fast.text_clean, fast.guid_clean, fast.email_clean, fast.phone_clean]
)
def test_a_columns_unclean_positions_are_where_the_value_test_fails(test) -> None:
    asked = fast._asked[0]
    try:
        # The phone test before and after its warm-up (a count shared by the whole process).
        for state in (0, fast._WARM_UP):
            fast._asked[0] = state
            for _ in range(2):  # the second time through the remembered verdicts and domains
                unclean = [i for i, v in enumerate(VALUES) if not test(v)]
                assert fast.unclean_at(test, VALUES) == unclean
    finally:
        fast._asked[0] = asked


def test_the_phone_column_test_after_the_warm_up_reads_the_same_cache() -> None:
    phones = [f"+47{d}{n:07d}" for d in "2345689" for n in range(0, 10_000_000, 1_234_567)]
    phones += [f"+{c}{n:09d}" for c in (1, 44, 46, 49, 358, 999) for n in range(0, 10**9, 10**8)]
    from checks.rules.phone import judge_plain

    asked = fast._asked[0]
    fast._asked[0] = fast._WARM_UP  # as after 2 000 numbers: the shortcut answers
    try:
        column = fast.unclean_at(fast.phone_clean, phones)
        assert column == [i for i, v in enumerate(phones) if not fast.phone_clean(v)]
        assert column == [i for i, v in enumerate(phones) if judge_plain(v[1:]).status != "valid"]
        assert 0 < len(column) < len(phones)  # valid and invalid numbers both
    finally:
        fast._asked[0] = asked


@pytest.mark.parametrize("code", ["U003", "E004", "X003"])
def test_a_columns_plain_keys_are_the_value_key_functions(code: str) -> None:
    key = fast.PLAIN_KEYS[code]
    assert fast.plain_keys(code, VALUES) == [key(v) for v in VALUES]
    assert fast.plain_keys("T001", VALUES) is None


# --- the key index ------------------------------------------------------------------------


def _spilled(keys: dict[int, str]) -> dict[int, tuple]:
    return {seq: (seq + 1, seq + 2, None, "users.csv", key, None, [key], [("UPN", key)])
            for seq, key in keys.items()}  # fmt: skip


def test_a_hash_shared_by_two_keys_never_makes_them_one_group() -> None:
    index = _KeyIndex()
    # 5 and 9 share their low bits (one part), 6 does not; digest 5 stands for keys a and b
    index.add_many([5, 5, 6, 9, 5], [0, 1, 2, 3, 4])
    index.add(6, 5)
    assert sorted(sorted(seqs) for seqs in index.candidates()) == [[0, 1, 4], [2, 5]]
    groups = index.groups(0, _spilled({0: "a", 1: "b", 4: "a", 2: "c", 5: "c"}))
    assert [[member.row for member in group] for group in groups] == [[1, 5], [3, 6]]


def test_an_absorbed_index_counts_its_sequence_numbers_after_the_first() -> None:
    first, second = _KeyIndex(), _KeyIndex()
    first.add_many([5, 6], [0, 1])
    second.add_many([6, 7, 7], [0, 1, 2])
    merged = _KeyIndex()
    merged.absorb(first.parts, 0)
    merged.absorb(second.parts, 2)
    assert sorted(sorted(seqs) for seqs in merged.candidates()) == [[1, 2], [3, 4]]


# --- a record keeps the columns it was read with ---------------------------------------------


def test_graph_json_properties_met_later_reach_earlier_users_alike(
    tmp_path,
) -> None:
    """Graph JSON names its properties per object: the first users here have no `mail` or
    `mobilePhone` at all, a later one has them. The loader holds users back until it has met
    them (json_export.HELD_USERS), so users 1, 2 and 4, who all lack `mail`, get E003 alike —
    record by record and a batch at a time. (They used to be checked with the properties known
    when each was read: users 1 and 2 had no E003, and a first user without
    `userPrincipalName` passed READY.)"""
    import json

    from motiscim_cli.loaders import open_export
    from motiscim_cli.run import CheckOptions, run_check

    guid = "0f8fad5b-d9cb-469f-a165-70867728950{}"
    users = [
        {"id": guid.format(1), "userPrincipalName": "a@example.com", "givenName": "A"},
        {"id": guid.format(2), "userPrincipalName": "b@example.com", "givenName": "B"},
        {"id": guid.format(3), "userPrincipalName": "c@example.com", "givenName": "C",
         "mail": None, "mobilePhone": "41234567"},
        {"id": guid.format(4), "userPrincipalName": "d@example.com"},
    ]  # fmt: skip
    path = tmp_path / "users.json"
    path.write_text(json.dumps({"value": users}), encoding="utf-8")

    checker = Checker(select_rules(), CheckContext())
    export = open_export(str(path))
    plain = [f for r in export.records() for f in checker.check(r)] + checker.finish()
    report, errors = run_check([str(path)], CheckOptions())
    assert not errors
    user_findings = [f for f in report.findings if f.row is not None]
    assert _rows(user_findings) == _rows(plain)
    assert sorted((f.rule, f.row) for f in user_findings if f.rule in ("E003", "P001")) == [
        ("E003", 1),
        ("E003", 2),
        ("E003", 3),
        ("E003", 4),
        ("P001", 3),
    ]
    assert report.sources[0].columns["email"] == "mail"  # the columns learned by the end
