"""checks.advice: the guide's setup advice, with its thresholds (≥ 5 users and ≥ 2 % of users)."""

from __future__ import annotations

import json

from checks.advice import MIN_SHARE, MIN_USERS, advise, is_many
from checks.model import Finding, Severity
from motiscim_cli.report import Report, SourceInfo


def _finding(
    rule: str,
    row: int,
    attribute: str,
    *,
    severity: Severity = Severity.ERROR,
    fix: str | None = None,
    suppressed: str | None = None,
) -> Finding:
    return Finding(
        rule=rule,
        severity=severity,
        message="m",
        source="users.csv",
        row=row,
        attribute=attribute,
        fix=fix,
        fix_confidence="certain" if fix is not None else None,
        suppressed=suppressed,
    )


def _unfixable_phones(rows: range) -> list[Finding]:
    return [_finding("P005", row, "phone_number") for row in rows]


def test_thresholds_are_five_users_and_two_percent() -> None:
    assert (MIN_USERS, MIN_SHARE) == (5, 0.02)
    assert is_many(5, 250)  # 5 users, exactly 2 %
    assert not is_many(5, 251)  # 5 users, under 2 %
    assert not is_many(4, 10)  # 40 %, but only 4 users
    assert is_many(20, 1000)
    assert not is_many(19, 1000)
    assert not is_many(5, 0)


def test_remove_mobile_mapping_counts_users_it_would_unblock() -> None:
    findings = _unfixable_phones(range(1, 7))  # rows 1-6: a phone error without a fix
    findings.append(_finding("E001", 2, "email"))  # row 2 also has another error
    findings.append(_finding("P001", 7, "phone_number", fix="+4798765432"))  # fixable: not counted
    findings.append(_finding("N002", 3, "first_name", severity=Severity.WARNING, fix="Kari"))
    advice = advise(findings, users=100)
    assert [a.code for a in advice] == ["remove-mobile-mapping"]
    item = advice[0]
    assert (item.users, item.unblocks, item.guide_step) == (6, 5, 21)
    assert "step 21" in item.message
    assert "6 of 100 users" in item.message
    assert "5 of these users would then sync" in item.message


def test_no_mobile_advice_below_the_thresholds() -> None:
    assert advise(_unfixable_phones(range(1, 5)), users=10) == []  # 4 users
    assert advise(_unfixable_phones(range(1, 6)), users=1000) == []  # 0.5 %
    fixable = [_finding("P002", row, "phone_number", fix="+4798765432") for row in range(1, 20)]
    assert advise(fixable, users=20) == []  # every phone error has a fix: `fix` solves them


def test_suppressed_and_file_findings_do_not_count() -> None:
    findings = _unfixable_phones(range(1, 5))
    findings.append(_finding("P005", 5, "phone_number", suppressed="reviewed"))
    findings.append(Finding(rule="F004", severity=Severity.ERROR, message="m", source="u.csv"))
    assert advise(findings, users=10) == []


def test_coalesce_mail_when_many_users_have_no_mail() -> None:
    no_mail = [_finding("E003", row, "email", severity=Severity.WARNING) for row in range(1, 6)]
    advice = advise(no_mail, users=50)
    assert [a.code for a in advice] == ["coalesce-mail"]
    assert advice[0].users == 5
    assert "Coalesce([mail],[userPrincipalName])" in advice[0].message
    assert advise(no_mail[:4], users=50) == []


def test_report_json_and_table_carry_the_advice() -> None:
    from motiscim_cli.render.table import render

    report = Report(
        sources=[SourceInfo(path="users.csv", format="csv", records=10)],
        findings=_unfixable_phones(range(1, 6)),
    )
    document = json.loads(json.dumps(report.to_json()))
    assert [a["code"] for a in document["advice"]] == ["remove-mobile-mapping"]
    assert document["advice"][0]["unblocks"] == 5
    text = render(report, width=200)
    assert "Advice: remove-mobile-mapping" in text
    assert text.index("NOT READY") < text.index("Advice:") < text.index("Findings per rule")
