"""`--select`/`--ignore` hide findings; they never change how a value is classified.

A value an unselected exclusive rule claims (P006 for `4.79877E+09`) gets no finding at all,
never the finding of a later rule in its chain, whose message would be wrong for it (P001:
"no digits at all: clear the field"). The same in the plain path, the fast path value by
value and the fast path a column at a time, and through the command line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from checks import fast
from checks.engine import Checker, select_rules
from checks.model import CheckContext
from motiscim_cli.app import app
from tests.rulekit import record

SCIENTIFIC = (
    "Phone number was turned into scientific notation by a spreadsheet: its last digits are "
    "lost. Check the number in Entra; if it is right there, export again without opening the "
    "file in a spreadsheet, otherwise re-enter it as '+', country code and digits"
)
DECIMAL = (
    "Phone number was turned into a decimal number by a spreadsheet (the leading '+' and zeros "
    "are lost). Check the number in Entra; if it is right there, export again without "
    "converting the column to numbers, otherwise re-enter it as '+', country code and digits"
)
FULLWIDTH = (
    "\uff0b\uff14\uff17\uff19\uff18\uff17\uff16\uff15\uff14\uff13\uff12"  # ＋４７９８７６５４３２
)
GUEST = "kari_example.org#EXT#@tenant.onmicrosoft.com "
GUID = "0f8fad5b-d9cb-469f-a165-70867728950e"

# (attribute, value, --select, --ignore, the findings on that attribute: rule, message, fix,
# confidence). Before the fix, each empty expectation was another rule's finding (in brackets).
CASES = [
    # the user test: P001 "It has no digits at all: clear the field"
    ("phone_number", "4798765432.0", None, ["P006"], []),
    ("phone_number", "4,79877E+09", None, ["P006"], []),
    ("phone_number", "4798765432.0", ["P001"], None, []),
    ("phone_number", "4,79877E+09", ["P001"], None, []),
    ("phone_number", FULLWIDTH, None, ["P005"], []),
    ("phone_number", FULLWIDTH, ["P001"], None, []),
    # the claiming rule, selected, still reports; an ignored later rule changes nothing
    ("phone_number", "4,79877E+09", None, ["P005"], [("P006", SCIENTIFIC, None, None)]),
    ("phone_number", "4798765432.0", None, ["P001"], [("P006", DECIMAL, None, None)]),
    # a selected rule still reports the values that are its own
    (
        "phone_number",
        "98765432",
        ["P001"],
        None,
        [
            (
                "P001",
                "Phone number has no leading '+' and country code; Motimate needs '+', the "
                "country code and digits; the fix adds the country code of the default region "
                "(NO)",
                "+4798765432",
                "probable",
            )
        ],
    ),
    # E: [E002 "whitespace leading and trailing it"], [E001 "invalid characters … SPACE"]
    ("email", "   ", None, ["E003"], []),
    ("email", " kari@example.com", None, ["E002"], []),
    ("email", "kari @example.com", ["E001"], None, []),
    # U: [U002 with the fix '' (certain!)], [U004 guest]
    ("employee_number", "   ", None, ["U001"], []),
    ("employee_number", GUEST, None, ["U002"], []),
    ("employee_number", GUEST, ["U004"], None, []),
    # X: [X002 "not a GUID"]
    ("external_id", "   ", None, ["X001"], []),
    (
        "external_id",
        " {" + GUID + "}",
        None,
        ["X001"],
        [("X002", "Object ID has braces or whitespace around the GUID", GUID, "certain")],
    ),
    # N rules are not exclusive: each reports on its own, whatever else is ignored
    (
        "first_name",
        "SÃ¸ren ",
        None,
        ["N002"],
        [
            (
                "N004",
                "Text looks damaged by an encoding round trip (UTF-8 read as cp1252)",
                "Søren ",
                "probable",
            )
        ],
    ),
]


@pytest.fixture(autouse=True)
def _fast_paths_back_on():
    yield
    fast.set_enabled(True)


def _on(findings: list, attribute: str) -> list[tuple]:
    return [
        (f.rule, f.message, f.fix, f.fix_confidence) for f in findings if f.attribute == attribute
    ]


@pytest.mark.parametrize(("attribute", "value", "select", "ignore", "expected"), CASES)
def test_selection_hides_findings_and_never_reclassifies(
    attribute, value, select, ignore, expected
):
    rules = select_rules(select, ignore)
    ctx = CheckContext(default_region="NO")
    # the oracle, record by record: every rule called on every value
    plain = Checker(rules, ctx, fast=False).check(record(**{attribute: value}))
    assert _on(plain, attribute) == expected
    # the fast path, value by value and a column at a time (with a clean user beside it)
    one = Checker(rules, ctx).check(record(**{attribute: value}))
    assert _on(one, attribute) == expected
    batch = Checker(rules, ctx).check_many([record(1), record(2, **{attribute: value})])
    assert _on(batch, attribute) == expected


def test_fix_plans_from_the_same_classification(tmp_path: Path):
    """`fix` (rules.ignore in motiscim.yaml) plans from the same chains: with U001 ignored, a
    blank userPrincipalName is not "fixed" to '' by U002; the guest's whitespace still is."""
    from motiscim_cli.fixing import plan_fixes
    from motiscim_cli.run import CheckOptions

    export = tmp_path / "users.csv"
    export.write_text(
        "id,userPrincipalName,givenName,surname,mail,mobilePhone,jobTitle,accountEnabled\n"
        f"{GUID},   ,Ann,Berg,a@example.com,+4798765432,Clerk,True\n"
        f"{GUID[:-1]}f,{GUEST},Bo,Berg,b@example.com,+4798765432,Clerk,True\n",
        encoding="utf-8",
    )
    plan = plan_fixes(str(export), CheckOptions(select=["U"], ignore=["U001"]), "certain")
    assert [[(c.column, c.old, c.new, c.rules) for c in user.changes] for user in plan.users] == [
        [],
        [("userPrincipalName", GUEST, GUEST.strip(), ("U002",))],
    ]


EXPORT = (
    "id,userPrincipalName,givenName,surname,mail,mobilePhone,jobTitle,accountEnabled,usageLocation\n"
    f"{GUID},a@example.com,Ann,Berg,a@example.com,4798765432.0,Clerk,True,NO\n"
    f'{GUID[:-1]}f,b@example.com,Bo,Berg,b@example.com,"4,79877E+09",Clerk,True,NO\n'
    f"{GUID[:-1]}a,c@example.com,Cy,Berg,c@example.com,{FULLWIDTH},Clerk,True,NO\n"
)
FULLWIDTH_P005 = (
    "Phone number contains the character fullwidth plus sign and digits other than 0-9; "
    "Motimate accepts only '+', the country code and digits: remove everything that is not "
    "part of the number"
)


@pytest.mark.parametrize(
    ("options", "expected", "exit_code"),
    [
        (["--ignore", "P006"], [("P005", 3, FULLWIDTH, FULLWIDTH_P005)], 1),
        (
            ["--ignore", "P005"],
            [("P006", 1, "4798765432.0", DECIMAL), ("P006", 2, "4,79877E+09", SCIENTIFIC)],
            1,
        ),
        (["--select", "P001"], [], 0),
        (["--select", "P001,P002,P003,P004,P007"], [], 0),
    ],
)
def test_check_command_reports_no_other_rule_for_an_ignored_one(
    tmp_path: Path, options, expected, exit_code
):
    export = tmp_path / "p006.csv"
    export.write_text(EXPORT, encoding="utf-8")
    result = CliRunner().invoke(
        app, ["check", str(export), *options, "-f", "json"], catch_exceptions=False
    )
    findings = json.loads(result.stdout)["findings"]
    assert [(f["rule"], f["row"], f["value"], f["message"]) for f in findings] == expected
    assert result.exit_code == exit_code
