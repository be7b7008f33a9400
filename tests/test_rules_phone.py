"""P rules (phone_number ← mobile / mobilePhone), run as one exclusive chain."""

from __future__ import annotations

import re

import pytest

from checks.model import CheckContext, Issue, Severity, UserRecord, all_rules
from checks.text import strip_blanks
from tests.rulekit import record, run

PHONE_CODES = ("P001", "P002", "P003", "P004", "P005", "P006", "P007")


def phone_chain() -> list:
    """The per-user rules on phone_number, in the engine's order (registration order)."""
    rules = [
        r for r in all_rules().values() if "phone_number" in r.attributes and r.scope == "user"
    ]
    return sorted(rules, key=lambda r: r.order)


def first_hit(
    value: str | None,
    usage_location: str | None = None,
    country: str | None = None,
    default_region: str | None = None,
) -> tuple[str, Issue] | None:
    """Run the chain on one value; stop at the first exclusive hit, as the engine does."""
    user = UserRecord(
        source="users.csv",
        row=1,
        values={"phone_number": value},
        usage_location=usage_location,
        country=country,
    )
    ctx = CheckContext(default_region=default_region)
    for rule in phone_chain():
        issue = rule.func(value, user, ctx)
        if issue is not None:
            if rule.exclusive:
                return rule.code, issue
            pytest.fail(f"{rule.code} is not exclusive")
    return None


def outcome(value: str | None, region: str | None = None) -> tuple | None:
    hit = first_hit(value, usage_location=region)
    if hit is None:
        return None
    code, issue = hit
    return code, issue.fix, issue.fix_confidence


CASES = [
    # empty is fine; only whitespace is not
    (None, None, None),
    ("", None, None),
    ("   ", None, ("P002", "", "certain")),
    ("\u00a0\t", None, ("P002", "", "certain")),
    # correct values
    ("+4798765432", None, None),
    ("+4799999999", None, None),  # the guide's "good" example
    ("+4798765432", "NO", None),
    ("+12025550143", None, None),
    ("+442079460958", None, None),
    ("+4930901820", None, None),
    ("+46701234567", None, None),
    ("+80012345678", None, None),  # non-geographic (freephone)
    ("+390612345678", None, None),  # Italy keeps the 0 after the country code
    # the guide's invalid examples
    ("99999999", "NO", ("P001", "+4799999999", "probable")),
    ("99999999", None, ("P001", None, None)),
    ("004799999999", None, ("P001", "+4799999999", "certain")),
    ("004799999999", "SE", ("P001", "+4799999999", "certain")),
    ("4799999999", None, ("P001", "+4799999999", "probable")),
    ("4799999999", "NO", ("P001", "+4799999999", "probable")),
    ("@4799999999", None, ("P001", "+4799999999", "probable")),
    ("@4799999999", "NO", ("P001", "+4799999999", "probable")),
    # P001 more
    ("98765432", "NO", ("P001", "+4798765432", "probable")),
    ("98765432", None, ("P001", None, None)),
    ("0047 99 99 99 99", None, ("P001", "+4799999999", "certain")),
    ("987 65 432", "NO", ("P001", "+4798765432", "probable")),
    ("0047 987 65 432", None, ("P001", "+4798765432", "certain")),
    ("020 7946 0958", "GB", ("P001", "+442079460958", "probable")),
    ("070-123 45 67", "SE", ("P001", "+46701234567", "probable")),
    ("(202) 555-0143", "US", ("P001", "+12025550143", "probable")),
    ("12025550143", "US", ("P001", "+12025550143", "probable")),
    ("12025550143", None, ("P001", "+12025550143", "probable")),
    ("12025550143", "NO", ("P001", None, None)),  # never +4712025550143; US reading not offered
    ("0047 0000 0000", None, ("P001", None, None)),  # the fix would not be a valid number
    ("tel:4798765432", "NO", ("P001", "+4798765432", "probable")),
    ("-", None, ("P001", None, None)),
    # P002: decoration around a correct number
    ("+47 987 65 432", None, ("P002", "+4798765432", "certain")),
    ("+47-987-65-432", None, ("P002", "+4798765432", "certain")),
    ("+47.987.65.432", None, ("P002", "+4798765432", "certain")),
    ("+47 (0) 98765432", None, ("P002", "+4798765432", "certain")),
    ("+47(0)98765432", None, ("P002", "+4798765432", "certain")),
    ("+44 (0)20 7946 0958", None, ("P002", "+442079460958", "certain")),
    ("+49 (0)30 901820", None, ("P002", "+4930901820", "certain")),
    ("+39 (0)6 1234 5678", None, ("P002", "+390612345678", "certain")),  # Italy: 0 stays
    ("+39(0)612345678", None, ("P002", "+390612345678", "certain")),
    # a "(0)" after the country code only is a trunk prefix; elsewhere its 0 is a typed digit,
    # never dropped by a "certain" fix (+47 9876 (0) 5432 became +4798765432)
    ("+47 9876 (0) 5432", None, ("P004", None, None)),
    ("+47 98765432 (0)", None, ("P004", None, None)),
    ("+44 (0)7911 (0)123456", None, ("P004", None, None)),
    ("+49 151 (0) 2345678", None, ("P002", "+4915102345678", "certain")),
    # …and only after a real country code: 461 is none, so its (0) is a digit
    ("+461 (0)8123456", None, ("P002", "+46108123456", "certain")),
    ("+479 (0)8765432", None, ("P004", None, None)),
    ("+1 (202) 555-0143", None, ("P002", "+12025550143", "certain")),
    ("+1 202-555-0143", None, ("P002", "+12025550143", "certain")),
    ("+46 70-123 45 67", None, ("P002", "+46701234567", "certain")),
    ("+46 70\u2013123 45 67", None, ("P002", "+46701234567", "certain")),  # en dash
    ("+44 20 7946 0958", None, ("P002", "+442079460958", "certain")),
    ("+49 30 901820", None, ("P002", "+4930901820", "certain")),
    ("+47\u00a098765432", None, ("P002", "+4798765432", "certain")),  # no-break space
    ("+47\u202f987\u202f65\u202f432", None, ("P002", "+4798765432", "certain")),  # narrow NBSP
    ("+4798765432\u200b", None, ("P002", "+4798765432", "certain")),  # zero-width space
    ("\u200f+4798765432", None, ("P002", "+4798765432", "certain")),  # right-to-left mark
    ("\u202a+4798765432\u202c", None, ("P002", "+4798765432", "certain")),  # bidi embedding
    ("\ufeff+4798765432", None, ("P002", "+4798765432", "certain")),  # BOM
    (" +4798765432 ", None, ("P002", "+4798765432", "certain")),
    ("+4798765432\r\n", None, ("P002", "+4798765432", "certain")),
    ("tel:+4798765432", None, ("P002", "+4798765432", "certain")),
    ("Tel: +47 987 65 432", None, ("P002", "+4798765432", "certain")),
    ("+47 0000 0000", None, ("P002", "+4700000000", "certain")),  # digits as typed; P007 next
    ("+44 020 7946 0958", None, ("P002", "+442079460958", "probable")),  # unbracketed trunk 0
    ("+800 1234 5678", None, ("P002", "+80012345678", "certain")),
    # P003: unknown country code
    ("+999123456", None, ("P003", None, None)),
    ("+999 123 456", None, ("P003", None, None)),
    ("+0047 98765432", None, ("P003", "+4798765432", "probable")),
    ("+004798765432", None, ("P003", "+4798765432", "probable")),
    ("+0123456789", None, ("P003", None, None)),
    # P004: impossible length
    ("+47987654321234567", None, ("P004", None, None)),
    ("+47 987 654 321 234 567", None, ("P004", None, None)),
    ("+479877", None, ("P004", None, None)),
    ("+1202555", None, ("P004", None, None)),
    ("+47", None, ("P004", None, None)),
    ("+", None, ("P004", None, None)),
    ("+47 98765432 / 12345678", None, ("P004", None, None)),
    # P005: letters or an extension
    ("+4798765432 x123", None, ("P005", None, None)),
    ("+4798765432x123", None, ("P005", None, None)),
    ("+4798765432;ext=123", None, ("P005", None, None)),
    ("tel:+4798765432;ext=123", None, ("P005", None, None)),
    ("+47 987 65 432 ext 12", None, ("P005", None, None)),
    ("+47 987 65 432 ext. 12", None, ("P005", None, None)),
    ("+1 202 555 0143 extension 7", None, ("P005", None, None)),
    ("+4798765432#12", None, ("P005", None, None)),
    ("Mob: +4798765432", None, ("P005", None, None)),
    ("+4798765432, +4712345678", None, ("P005", None, None)),
    ("n/a", None, ("P005", None, None)),
    ("#N/A", None, ("P005", None, None)),
    (
        "\uff0b\uff14\uff17\uff19\uff18\uff17\uff16\uff15\uff14\uff13\uff12",
        None,
        ("P005", None, None),
    ),
    ("'+4798765432", None, ("P005", None, None)),
    # P006: destroyed by a spreadsheet
    ("4.79877E+09", None, ("P006", None, None)),
    ("4,79877E+09", None, ("P006", None, None)),
    ("4.79877e+9", "NO", ("P006", None, None)),
    ("1.20256E+10", None, ("P006", None, None)),
    ("4798765432.0", None, ("P006", None, None)),
    # P007: the format is met, the number is not valid in its country
    ("+4700000000", None, ("P007", None, None)),  # the guide's own example: syncs, a warning
    ("+4700000000", "NO", ("P007", None, None)),
    ("+4402079460958", None, ("P007", "+442079460958", "probable")),
]


@pytest.mark.parametrize(("value", "region", "expected"), CASES)
def test_phone_chain(value, region, expected):
    assert outcome(value, region) == expected


@pytest.mark.parametrize(("value", "region", "expected"), [c for c in CASES if c[2] is not None])
def test_messages_never_repeat_the_value(value, region, expected):
    _, issue = first_hit(value, usage_location=region)
    assert issue.message.startswith("Phone number")
    stripped = strip_blanks(value)
    if stripped:
        assert stripped not in issue.message
    for run_of_digits in re.findall(r"[0-9]{4,}", value):
        assert run_of_digits not in issue.message
    if issue.fix:
        assert issue.fix not in issue.message


def test_every_fix_meets_the_vendor_format():
    for value, region, expected in CASES:
        if expected and expected[1]:
            assert re.fullmatch(r"\+[1-9][0-9]{1,14}", expected[1]), value
            assert outcome(expected[1], region) in (None, ("P007", None, None)), value


def test_us_number_for_a_norwegian_user_is_not_completed_but_explained():
    code, issue = first_hit("12025550143", usage_location="NO")
    assert (code, issue.fix, issue.fix_confidence) == ("P001", None, None)
    assert "not a valid number in NO (the user's usage location)" in issue.message
    assert "a valid number from US" in issue.message


def test_region_comes_from_usage_location_then_country_then_default():
    by_usage = first_hit("98765432", usage_location="NO", country="SE", default_region="DK")
    assert (by_usage[0], by_usage[1].fix) == ("P001", "+4798765432")
    assert "the country code of the user's usage location (NO)" in by_usage[1].message

    by_country = first_hit("0701234567", country="se", default_region="NO")
    assert (by_country[0], by_country[1].fix, by_country[1].fix_confidence) == (
        "P001",
        "+46701234567",
        "probable",
    )
    assert "the country code of the user's country (SE)" in by_country[1].message

    by_default = first_hit("98765432", usage_location="Norway", default_region="no")
    assert (by_default[0], by_default[1].fix) == ("P001", "+4798765432")
    assert "the country code of the default region (NO)" in by_default[1].message

    nothing = first_hit("98765432")
    assert (nothing[0], nothing[1].fix) == ("P001", None)
    assert "no usage location, country or default region is known" in nothing[1].message


def test_ambiguous_readings_get_no_fix():
    # As dialled in NO: +47 46123456 (valid); as an international number +46 123456 (not
    # valid), so the national reading wins. Where both readings are valid, no fix.
    assert outcome("46123456", "NO") == ("P001", "+4746123456", "probable")
    code, issue = first_hit("4612345678", usage_location="NO")
    assert (code, issue.fix) == ("P001", None)  # a Swedish number for a user in Norway


def test_messages_say_what_and_how():
    assert "a 'tel:' prefix" in first_hit("tel:+4798765432")[1].message
    assert "inside whitespace (a no-break space)" in first_hit("+47\u00a098765432")[1].message
    assert "trailing whitespace (U+200B zero width space)" in (
        first_hit("+4798765432\u200b")[1].message
    )
    assert "the trunk prefix (0)" in first_hit("+44 (0)20 7946 0958")[1].message
    assert "hyphens" in first_hit("+47-987-65-432")[1].message
    italian = first_hit("+39(0)612345678")[1].message
    assert "contains parentheses;" in italian and "trunk" not in italian
    assert "not valid in NO's numbering plan" in first_hit("+47 0000 0000")[1].message
    assert "clear the field" in first_hit("   ")[1].message
    assert "an extension" in first_hit("+4798765432;ext=123")[1].message
    assert "no extension field" in first_hit("+4798765432 x123")[1].message
    assert "scientific notation" in first_hit("4.79877E+09")[1].message
    assert "replace it with '+'" in first_hit("004799999999")[1].message
    assert "more than the 15 digits E.164 allows" in first_hit("+47987654321234567")[1].message
    assert "too short for a US number" in first_hit("+1202555")[1].message
    assert "it also contains inside whitespace" in first_hit("+999 123 456")[1].message
    assert "not a valid number in NO's numbering plan" in first_hit("+4700000000")[1].message


def test_a_rule_run_alone_claims_nothing_untrue():
    """With --select, a value an earlier rule claims gets no finding (tests/test_selection.py)."""
    assert outcome_alone("P001", "4.79877E+09") is None  # P006's, though it has no '+'
    assert outcome_alone("P001", "+47 987 65 432") is None
    assert outcome_alone("P007", "+47 0000 0000") is None  # not the vendor format: not P007
    assert outcome_alone("P003", "+999123456 x12") is None
    assert outcome_alone("P004", "4.79877E+09") is None
    assert outcome_alone("P005", "4,79877E+09") is None
    assert outcome_alone("P002", "+999 123 456") is None


def outcome_alone(code: str, value: str) -> tuple | None:
    findings = run([record(phone_number=value)], [code])
    assert len(findings) <= 1
    return (findings[0].rule, findings[0].fix) if findings else None


def test_the_engine_gives_the_same_single_finding():
    values = ["+47 987 65 432", "98765432", "4.79877E+09", "+4700000000", "+4798765432", None]
    records = [record(row=i, phone_number=v) for i, v in enumerate(values, start=1)]
    findings = run(records, ["P"], region="NO")
    assert [(f.rule, f.row, f.value, f.fix, f.fix_confidence, f.severity) for f in findings] == [
        ("P002", 1, "+47 987 65 432", "+4798765432", "certain", Severity.ERROR),
        ("P001", 2, "98765432", "+4798765432", "probable", Severity.ERROR),
        ("P006", 3, "4.79877E+09", None, None, Severity.ERROR),
        ("P007", 4, "+4700000000", None, None, Severity.WARNING),
    ]
    assert all(f.attribute == "phone_number" and f.column == "mobilePhone" for f in findings)


def test_chain_order_is_most_specific_first():
    assert [r.code for r in phone_chain()] == [
        "P006",
        "P005",
        "P002",
        "P001",
        "P003",
        "P004",
        "P007",
    ]


@pytest.mark.parametrize("code", PHONE_CODES)
def test_rules_are_documented_with_their_severity(code):
    rule = all_rules()[code]
    assert rule.scope == "user"
    assert rule.attributes == ("phone_number",)
    assert rule.exclusive
    expected = Severity.WARNING if code == "P007" else Severity.ERROR
    assert rule.severity == expected
    assert rule.summary.endswith(".")
    assert "Fix" in rule.doc
    assert len(rule.doc.splitlines()) >= 5


def test_a_usage_location_that_is_no_country_code_is_named_and_not_replaced() -> None:
    # "UK" read as "it is not a valid number in UK (the user's usage location)", as if UK were a
    # country code; and --region must not stand in for a location the user does have.
    code, issue = first_hit("07911123456", usage_location="UK", default_region="NO") or ("", None)
    assert code == "P001" and issue is not None and issue.fix is None
    assert issue.message.endswith(
        "it is not a valid number in UK (the user's usage location, which is not an ISO 3166 "
        "country code; the United Kingdom's is GB) nor as an international number: correct it "
        "in Entra"
    )
    code, issue = first_hit("07911123456", usage_location="GB", default_region="NO") or ("", None)
    assert (code, issue and issue.fix) == ("P001", "+447911123456")
