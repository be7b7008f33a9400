"""U, E, X, N, T and A rules, run through the real engine on records shaped like a loader's."""

from __future__ import annotations

import pytest

from checks.model import Severity, all_rules
from checks.rules.employee_number import effective_user_name
from checks.rules.names import repair_mojibake, title_key
from tests.rulekit import hits, record, run

GUID_A = "0f8fad5b-d9cb-469f-a165-70867728950e"
GUID_B = "7c9e6679-7425-40de-944b-e07fc1f90ae7"


def test_a_clean_record_has_no_finding():
    assert run([record()], ["U", "E", "X", "N", "T", "A", "P"]) == []


# ---- employee_number -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ("U001", None, None)),
        ("", ("U001", None, None)),
        ("  ", ("U001", None, None)),
        ("kari@example.com ", ("U002", "kari@example.com", "certain")),
        ("\u00a0kari@example.com", ("U002", "kari@example.com", "certain")),
        ("kari@example.com\u200b", ("U002", "kari@example.com", "certain")),
        ("\u200ekari@example.com", ("U002", "kari@example.com", "certain")),
        ("kari nordmann@example.com", ("U002", None, None)),
        ("kari\tnordmann@example.com", ("U002", None, None)),
        ("kari@example.com\n", ("U002", "kari@example.com", "certain")),
    ],
)
def test_employee_number_empty_or_whitespace(value, expected):
    assert hits([record(employee_number=value)], ["U"]) == [(expected[0], 1, value, *expected[1:])]


def test_whitespace_message_says_where_and_not_the_value():
    (finding,) = run([record(employee_number=" kari@example.com")], ["U002"])
    assert finding.message == (
        "Employee number (userName) has leading whitespace: remove it in Entra"
    )
    assert finding.severity is Severity.ERROR
    assert (finding.attribute, finding.column) == ("employee_number", "userPrincipalName")


@pytest.mark.parametrize(
    ("upn", "sent"),
    [
        ("kari_example.org#EXT#@tenant.onmicrosoft.com", "kari@example.org"),
        ("ola_nordmann_example.com#EXT#@t.onmicrosoft.com", "ola_nordmann@example.com"),
        ("kari_example.org#ext#@tenant.onmicrosoft.com", "kari@example.org"),
        ("kari@example.com", "kari@example.com"),
    ],
)
def test_effective_user_name_of_guests(upn, sent):
    assert effective_user_name(upn) == sent


def test_guest_is_a_warning():
    upn = "kari_example.org#EXT#@tenant.onmicrosoft.com"
    assert hits([record(employee_number=upn)], ["U"]) == [("U004", 1, upn, None, None)]


def test_uniqueness_ignores_case_nfc_and_trimming_and_names_other_rows():
    decomposed = "bjo\u0308rn@example.com"  # 'ö' as o + combining diaeresis
    records = [
        record(1, employee_number="Kari@Example.com", external_id=GUID_A),
        record(2, employee_number="kari@example.com", external_id=GUID_B),
        record(3, employee_number="björn@example.com"),
        record(4, employee_number=decomposed, external_id="11111111-2222-3333-4444-555555555555"),
        record(5, employee_number="other@example.com", external_id=GUID_B.replace("7", "8")),
    ]
    found = [(f.rule, f.row, f.related_rows) for f in run(records, ["U003"])]
    assert found == [
        ("U003", 1, [2]),
        ("U003", 2, [1]),
        ("U003", 3, [4]),
        ("U003", 4, [3]),
    ]
    assert run(records[:2], ["U003"])[0].message == (
        "Employee number is not unique: the same userName (ignoring case, Unicode form and "
        "surrounding whitespace) is used on row(s) 2; only one of these users can sync"
    )


def test_guest_collides_with_the_member_of_its_effective_address():
    records = [
        record(1, employee_number="kari@example.org"),
        record(2, employee_number="kari_example.org#EXT#@tenant.onmicrosoft.com"),
    ]
    assert [(f.rule, f.row, f.related_rows) for f in run(records, ["U003"])] == [
        ("U003", 1, [2]),
        ("U003", 2, [1]),
    ]


def test_trailing_space_duplicate_is_both_u002_and_u003():
    records = [record(1, employee_number="kari.nordmann@example.com "), record(2)]
    assert [(f.rule, f.row) for f in run(records, ["U"])] == [
        ("U002", 1),
        ("U003", 1),
        ("U003", 2),
    ]


# ---- email -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("o'brien@example.com", None),
        ("a+tag@example.com", None),
        ("åse@example.no", None),
        (None, ("E003", None, None)),
        ("", ("E003", None, None)),
        (" ", ("E003", None, None)),
        ("kari@example.com ", ("E002", "kari@example.com", "certain")),
        ("\u00a0kari@example.com", ("E002", "kari@example.com", "certain")),
        ("kari @example.com", ("E002", None, None)),
        ("kari@@example.com", ("E001", None, None)),
        ("kari@example", ("E001", None, None)),
        ("kari..nordmann@example.com", ("E001", None, None)),
        ("kari@example.com.", ("E001", None, None)),
        ("kari.example.com", ("E001", None, None)),
        ('"kari"@example.com', ("E001", None, None)),
    ],
)
def test_email(value, expected):
    found = hits([record(email=value)], ["E"])
    assert found == ([] if expected is None else [(expected[0], 1, value, *expected[1:])])


def test_invalid_email_message_gives_the_reason():
    (finding,) = run([record(email="kari@@example.com")], ["E"])
    assert finding.message == (
        "Email is not a valid address: it must have exactly one '@' between the local part "
        "and the domain"
    )


def test_shared_address_is_a_warning_on_each_user():
    records = [
        record(1, email="Team@Example.com", employee_number="a@example.com", external_id=GUID_A),
        record(2, email="team@example.com", employee_number="b@example.com", external_id=GUID_B),
    ]
    found = run(records, ["E004"])
    assert [(f.rule, f.severity, f.row, f.related_rows) for f in found] == [
        ("E004", Severity.WARNING, 1, [2]),
        ("E004", Severity.WARNING, 2, [1]),
    ]


# ---- external_id -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (GUID_A.upper(), None),
        (None, ("X001", None, None)),
        ("", ("X001", None, None)),
        ("{" + GUID_A.upper() + "}", ("X002", GUID_A, "certain")),
        (" " + GUID_A, ("X002", GUID_A, "certain")),
        ("kari.nordmann", ("X002", None, None)),
        ("0f8fad5b-d9cb-469f-a165-70867728950", ("X002", None, None)),
    ],
)
def test_external_id(value, expected):
    found = hits([record(external_id=value)], ["X001", "X002"])
    assert found == ([] if expected is None else [(expected[0], 1, value, *expected[1:])])


def test_external_id_unique_case_insensitively():
    records = [
        record(1, external_id=GUID_A, employee_number="a@example.com"),
        record(2, external_id=GUID_A.upper(), employee_number="b@example.com"),
    ]
    assert [(f.rule, f.row, f.related_rows) for f in run(records, ["X"])] == [
        ("X003", 1, [2]),
        ("X003", 2, [1]),
    ]


# ---- names and position ----------------------------------------------------------------------


def test_empty_names_warn_per_attribute_but_position_may_be_empty():
    found = run([record(first_name=None, last_name="", position=None)], ["N001"])
    assert [(f.rule, f.attribute, f.column) for f in found] == [
        ("N001", "first_name", "givenName"),
        ("N001", "last_name", "surname"),
    ]


@pytest.mark.parametrize(
    ("attribute", "value", "expected"),
    [
        ("first_name", " Kari", [("N002", "Kari", "certain")]),
        ("position", "Sales Manager\u00a0", [("N002", "Sales Manager", "certain")]),
        ("position", "=SUM(A1)", [("N003", None, None)]),
        ("last_name", "@Nordmann", [("N003", None, None)]),
        ("position", "-", [("N003", None, None)]),
        ("first_name", "SÃ¸ren", [("N004", "Søren", "probable")]),
        ("last_name", "MÃ¼ller", [("N004", "Müller", "probable")]),
        ("last_name", "StrauÃŸ", [("N004", "Strauß", "probable")]),
        ("first_name", "Søren", []),
        ("last_name", "Åsa-Öberg", []),
        ("position", "Ingeniør", []),
    ],
)
def test_name_rules(attribute, value, expected):
    found = run([record(**{attribute: value})], ["N"])
    assert [(f.rule, f.fix, f.fix_confidence) for f in found] == expected
    assert all(f.attribute == attribute for f in found)


def test_repair_mojibake_undoes_two_round_trips():
    twice = "Søren".encode().decode("cp1252").encode().decode("cp1252")
    assert repair_mojibake(twice) == "Søren"
    assert repair_mojibake("Søren") is None


def test_title_variants_grouped_with_most_common_suggested():
    titles = ["Sales Manager", "Sales Manager", "sales manager", "Sales-Manager", "Engineer"]
    records = [
        record(i + 1, position=t, employee_number=f"u{i}@example.com", external_id=None)
        for i, t in enumerate(titles)
    ]
    found = run(records, ["T001"])
    assert [(f.rule, f.row, f.value, f.fix, f.related_rows) for f in found] == [
        ("T001", 4, "Sales-Manager", "Sales Manager", [1, 3]),
        ("T001", 3, "sales manager", "Sales Manager", [1, 4]),
    ]
    assert found[0].severity is Severity.INFO
    assert found[0].message == (
        "Job title spelled several ways, each a separate position in Motimate: "
        "'Sales Manager' (2 users); 'Sales-Manager' (1 user); 'sales manager' (1 user)"
    )


def test_title_variants_suggest_the_common_spelling_without_stray_whitespace():
    titles = [" Head of Sales", " Head of Sales", "Head of  Sales", "Head\u00a0of Sales"]
    records = [
        record(i + 1, position=t, employee_number=f"u{i}@example.com", external_id=None)
        for i, t in enumerate(titles)
    ]
    found = run(records, ["T001"])
    assert {(f.row, f.fix) for f in found} == {(3, "Head of Sales"), (4, "Head of Sales")}


def test_inner_spaces_of_a_title_are_not_reported_as_whitespace():
    (finding,) = run([record(position=" Head of Sales")], ["N002"])
    assert finding.message == "Has leading whitespace, which syncs as typed"


def test_title_key():
    assert title_key("Sales  Manager.") == title_key("sales-manager") == "salesmanager"


# ---- active ----------------------------------------------------------------------------------


def test_disabled_account_warns():
    assert hits([record(active="False")], ["A"]) == [("A001", 1, "False", None, None)]
    assert hits([record(active="true")], ["A"]) == []


# ---- catalogue -------------------------------------------------------------------------------


def test_every_rule_is_documented_with_its_catalogue_severity():
    expected = {
        "U001": "error", "U002": "error", "U003": "error", "U004": "warning",
        "E001": "error", "E002": "error", "E003": "warning", "E004": "warning",
        "X001": "error", "X002": "error", "X003": "error",
        "N001": "warning", "N002": "warning", "N003": "warning", "N004": "warning",
        "T001": "info", "A001": "warning",
    }  # fmt: skip
    rules = all_rules()
    for code, severity in expected.items():
        assert rules[code].severity.value == severity, code
        assert len(rules[code].doc.splitlines()) >= 3, code


# ---- big groups: each finding names at most 5 other rows ---------------------------------------

E004_WORDING = "The same email address is on row(s) {}: shared mailboxes or a copy error?"
U003_WORDING = (
    "Employee number is not unique: the same userName (ignoring case, Unicode form and "
    "surrounding whitespace) is used on row(s) {}; only one of these users can sync"
)
X003_WORDING = (
    "externalId is not unique: the same value is on row(s) {}; Entra would match these "
    "users to one Motimate user"
)


def _sharing(size: int, attribute: str, value: str) -> list:
    """`size` users who differ in everything unique except `attribute`."""
    unique = {
        "employee_number": lambda i: f"u{i}@example.com",
        "email": lambda i: f"u{i}@example.com",
        "external_id": lambda i: f"00000000-0000-4000-8000-{i:012d}",
    }
    return [
        record(i, **{**{a: make(i) for a, make in unique.items()}, attribute: value})
        for i in range(1, size + 1)
    ]


@pytest.mark.parametrize(
    ("code", "attribute", "value", "wording"),
    [
        ("E004", "email", "frontline@example.com", E004_WORDING),
        ("U003", "employee_number", "shared@example.com", U003_WORDING),
        ("X003", "external_id", GUID_A, X003_WORDING),
    ],
)
def test_a_group_of_eight_names_the_first_five_others_and_counts_the_rest(
    code, attribute, value, wording
):
    found = run(_sharing(8, attribute, value), [code])
    assert [(f.rule, f.row, f.value, f.message, f.related_rows) for f in found] == [
        (code, 1, value, wording.format("2, 3, 4, 5, 6 and 2 more"), [2, 3, 4, 5, 6]),
        (code, 2, value, wording.format("1, 3, 4, 5, 6 and 2 more"), [1, 3, 4, 5, 6]),
        (code, 3, value, wording.format("1, 2, 4, 5, 6 and 2 more"), [1, 2, 4, 5, 6]),
        (code, 4, value, wording.format("1, 2, 3, 5, 6 and 2 more"), [1, 2, 3, 5, 6]),
        (code, 5, value, wording.format("1, 2, 3, 4, 6 and 2 more"), [1, 2, 3, 4, 6]),
        (code, 6, value, wording.format("1, 2, 3, 4, 5 and 2 more"), [1, 2, 3, 4, 5]),
        (code, 7, value, wording.format("1, 2, 3, 4, 5 and 2 more"), [1, 2, 3, 4, 5]),
        (code, 8, value, wording.format("1, 2, 3, 4, 5 and 2 more"), [1, 2, 3, 4, 5]),
    ]


@pytest.mark.parametrize(
    ("code", "attribute", "value", "wording"),
    [
        ("E004", "email", "frontline@example.com", E004_WORDING),
        ("U003", "employee_number", "shared@example.com", U003_WORDING),
        ("X003", "external_id", GUID_A, X003_WORDING),
    ],
)
def test_small_groups_name_every_other_row(code, attribute, value, wording):
    pair = run(_sharing(2, attribute, value), [code])
    assert [(f.row, f.message, f.related_rows) for f in pair] == [
        (1, wording.format("2"), [2]),
        (2, wording.format("1"), [1]),
    ]
    three = run(_sharing(3, attribute, value), [code])
    assert [(f.row, f.message, f.related_rows) for f in three] == [
        (1, wording.format("2, 3"), [2, 3]),
        (2, wording.format("1, 3"), [1, 3]),
        (3, wording.format("1, 2"), [1, 2]),
    ]


def test_a_group_of_six_names_all_five_others_and_of_seven_counts_one_more():
    six = run(_sharing(6, "email", "team@example.com"), ["E004"])
    assert [(f.row, f.message, f.related_rows) for f in six][::5] == [
        (1, E004_WORDING.format("2, 3, 4, 5, 6"), [2, 3, 4, 5, 6]),
        (6, E004_WORDING.format("1, 2, 3, 4, 5"), [1, 2, 3, 4, 5]),
    ]
    seven = run(_sharing(7, "email", "team@example.com"), ["E004"])
    assert [(f.row, f.message, f.related_rows) for f in seven][::6] == [
        (1, E004_WORDING.format("2, 3, 4, 5, 6 and 1 more"), [2, 3, 4, 5, 6]),
        (7, E004_WORDING.format("1, 2, 3, 4, 5 and 1 more"), [1, 2, 3, 4, 5]),
    ]


def test_a_big_group_across_exports_names_the_other_file_of_the_first_rows():
    records = _sharing(9, "email", "team@example.com")
    for shared in records[3:]:
        shared.source = "bergen.csv"
    found = run(records, ["E004"])
    assert [(f.source, f.row, f.message, f.related_rows) for f in found][::4] == [
        (
            "users.csv",
            1,
            E004_WORDING.format(
                "2, 3, 4 of bergen.csv, 5 of bergen.csv, 6 of bergen.csv and 3 more"
            ),
            [2, 3, 4, 5, 6],
        ),
        (
            "bergen.csv",
            5,
            E004_WORDING.format("1 of users.csv, 2 of users.csv, 3 of users.csv, 4, 6 and 3 more"),
            [1, 2, 3, 4, 6],
        ),
        (
            "bergen.csv",
            9,
            E004_WORDING.format("1 of users.csv, 2 of users.csv, 3 of users.csv, 4, 5 and 3 more"),
            [1, 2, 3, 4, 5],
        ),
    ]


def test_title_spelled_more_than_five_ways_lists_the_five_most_common():
    titles = ["Sales Manager"] * 3 + ["sales manager"] * 2 + [
        "Sales-Manager", "SALES MANAGER", "Sales.Manager", "sales-manager", "Sales_Manager"
    ]  # fmt: skip
    records = [
        record(i + 1, position=t, employee_number=f"u{i}@example.com", external_id=None)
        for i, t in enumerate(titles)
    ]
    found = run(records, ["T001"])
    message = (
        "Job title spelled several ways, each a separate position in Motimate: "
        "'Sales Manager' (3 users); 'sales manager' (2 users); 'SALES MANAGER' (1 user); "
        "'Sales-Manager' (1 user); 'Sales.Manager' (1 user); and 2 more spellings (2 users)"
    )
    assert [(f.row, f.value, f.fix, f.message, f.related_rows) for f in found] == [
        (4, "sales manager", "Sales Manager", message, [1, 7, 6, 8, 10]),
        (7, "SALES MANAGER", "Sales Manager", message, [1, 4, 6, 8, 10]),
        (6, "Sales-Manager", "Sales Manager", message, [1, 4, 7, 8, 10]),
        (8, "Sales.Manager", "Sales Manager", message, [1, 4, 7, 6, 10]),
        (10, "Sales_Manager", "Sales Manager", message, [1, 4, 7, 6, 8]),
        (9, "sales-manager", "Sales Manager", message, [1, 4, 7, 6, 8]),
    ]
