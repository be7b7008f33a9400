"""A small fixed Report for renderer tests, and a pinned rule catalogue to describe it.

The catalogue is pinned so that the golden files change only when a renderer changes, not when
another rule's docstring is edited; `test_render.py` checks the real catalogue separately.
Values are chosen to break naive renderers: a `<script>` tag, a spreadsheet formula, commas,
colons, a percent sign and a newline, and a suppressed finding.
"""

from __future__ import annotations

from checks.model import Finding, Rule, Severity
from motiscim_cli.report import ConnectionResult, Report, SourceInfo

GENERATED_AT = "2026-12-03T19:00:00Z"
CSV = "exports/users.csv"
JSON = "exports/graph users.json"

KARI = ("kari.nordmann@example.com", "0f8fad5b-d9cb-469f-a165-70867728950e")
OLA = ("ola.hansen@example.com", "7c9e6679-7425-40de-944b-e07fc1f90ae7")
PER = ("per@example.com", "16fd2706-8baf-433b-82eb-8c7fada847da")
PER2 = ("PER@example.com", "886313e1-3b8a-5372-9b90-0c9aee199e5d")
LIV = ("liv@example.com", "c56a4180-65aa-42ec-a945-5fd21dec0538")
EVIL = ("eve@example.com", "a8098c1a-f86e-11da-bd1a-00112444be1e")

SCRIPT_EMAIL = '<script>alert("x")</script>@example.com'
FORMULA_NAME = '=HYPERLINK("http://evil.example","click")'


def _doc(text: str):
    def func() -> None:
        pass

    func.__doc__ = text
    return func


_PINNED = [
    (
        "F003",
        Severity.WARNING,
        "file",
        "mapped-column-empty",
        "A mapped column is absent or empty in every row.\n\nThat attribute goes unchecked.",
    ),
    (
        "U003",
        Severity.ERROR,
        "population",
        "not-unique",
        "The employee number is not unique.\n\nEntra matches users on it; duplicates fail.",
    ),
    (
        "E001",
        Severity.ERROR,
        "user",
        "invalid",
        "The email is not a valid address.\n\nGood: `kari@example.com`. Bad: `kari@`.",
    ),
    (
        "E003",
        Severity.WARNING,
        "user",
        "empty",
        "The email (mail) is empty.\n\nThe user gets no email in Motimate.",
    ),
    (
        "P001",
        Severity.ERROR,
        "user",
        "no-plus",
        "The phone number has no leading `+` and country code.\n\nBad: `22334455`. Good: "
        "`+4722334455`.",
    ),
    (
        "P002",
        Severity.ERROR,
        "user",
        "separators",
        "The phone number has separators or whitespace.\n\nBad: `+47 223 34 455`.",
    ),
    (
        "N002",
        Severity.WARNING,
        "user",
        "whitespace",
        "A name or job title has leading or trailing whitespace.",
    ),
    (
        "N003",
        Severity.WARNING,
        "user",
        "formula",
        "A name or job title starts with `=`, `@`, `+` or `-`.",
    ),
    (
        "T001",
        Severity.INFO,
        "population",
        "title-variants",
        "Job titles that differ only by case, spacing or punctuation.",
    ),
    (
        "A001",
        Severity.WARNING,
        "user",
        "disabled",
        "The account is disabled (accountEnabled is false).",
    ),
    (
        "C007",
        Severity.ERROR,
        "connection",
        "token-rejected",
        "The token was rejected (401/403).\n\nCopy the token again from Motimate.",
    ),
]


def pinned_catalogue() -> dict[str, Rule]:
    order = "FUEPXNTACM"
    rules = {
        code: Rule(
            code=code,
            severity=severity,
            name=name,
            scope=scope,
            attributes=(),
            func=_doc(doc),
            order=i,
        )
        for i, (code, severity, scope, name, doc) in enumerate(_PINNED)
    }
    return dict(sorted(rules.items(), key=lambda item: (order.index(item[0][0]), item[0])))


def _user(row: int, who: tuple[str, str], **kw) -> dict:
    return {
        "source": CSV,
        "row": row,
        "line": row + 1,
        "user_principal_name": who[0],
        "object_id": who[1],
        **kw,
    }


def sample_report() -> Report:
    findings = [
        Finding(
            rule="P001",
            severity=Severity.ERROR,
            message="The phone number has no leading '+' and country code; write it in E.164.",
            attribute="phone_number",
            column="mobilePhone",
            value="98765432",
            fix="+4798765432",
            fix_confidence="probable",
            **_user(1, KARI),
        ),
        Finding(
            rule="N002",
            severity=Severity.WARNING,
            message="The job title has leading or trailing whitespace: 100% of it must be "
            "trimmed, e.g. in Entra: Properties, Job info.",
            attribute="position",
            column="jobTitle",
            value=" Engineer, Sales: Oslo\n",
            fix="Engineer, Sales: Oslo",
            fix_confidence="certain",
            **_user(1, KARI),
        ),
        Finding(
            rule="P002",
            severity=Severity.ERROR,
            message="The phone number contains spaces; remove them.",
            attribute="phone_number",
            column="mobilePhone",
            value="+47 987 65 432",
            fix="+4798765432",
            fix_confidence="certain",
            **_user(2, OLA),
        ),
        Finding(
            rule="U003",
            severity=Severity.ERROR,
            message="The employee number is also used by another user; make it unique.",
            attribute="employee_number",
            column="userPrincipalName",
            value=PER[0],
            related_rows=[4],
            **_user(3, PER),
        ),
        Finding(
            rule="U003",
            severity=Severity.ERROR,
            message="The employee number is also used by another user; make it unique.",
            attribute="employee_number",
            column="userPrincipalName",
            value=PER2[0],
            related_rows=[3],
            **_user(4, PER2),
        ),
        Finding(
            rule="A001",
            severity=Severity.WARNING,
            message="The account is disabled; Entra will not provision it.",
            attribute="active",
            column="accountEnabled",
            value="False",
            suppressed="Leaver kept for payroll until 2027 (ticket IT-4711)",
            **_user(4, PER2),
        ),
        Finding(
            rule="N003",
            severity=Severity.WARNING,
            message="The first name starts with '='; a spreadsheet would run it as a formula.",
            attribute="first_name",
            column="givenName",
            value=FORMULA_NAME,
            **_user(5, EVIL),
        ),
        Finding(
            rule="T001",
            severity=Severity.INFO,
            message="This job title is also spelled differently on 2 other users.",
            attribute="position",
            column="jobTitle",
            value="engineer",
            **_user(5, EVIL),
        ),
        Finding(
            rule="F003",
            severity=Severity.WARNING,
            source=JSON,
            message="The phone column is empty in every record; phone numbers go unchecked.",
            attribute="phone_number",
            column="mobilePhone",
        ),
        Finding(
            rule="E001",
            severity=Severity.ERROR,
            source=JSON,
            row=1,
            pointer="/value/0",
            message="The email is not a valid address; it must have one '@' and a domain.",
            user_principal_name=LIV[0],
            object_id=LIV[1],
            attribute="email",
            column="mail",
            value=SCRIPT_EMAIL,
        ),
        Finding(
            rule="E003",
            severity=Severity.WARNING,
            source=JSON,
            row=2,
            pointer="/value/1",
            message="The email is empty; the user will get no email in Motimate.",
            user_principal_name=None,
            object_id="9b2f0c9e-1c4e-4f4e-9a39-5c0d2f6b7a10",
            attribute="email",
            column="mail",
            value=None,
        ),
    ]
    connection = ConnectionResult(
        url="https://acme.motimateapp.com/scim/v1",
        ok=False,
        status=401,
        elapsed_ms=120,
        findings=[
            Finding(
                rule="C007",
                severity=Severity.ERROR,
                message="The tenant answered 401: the token was rejected. Copy it again.",
            )
        ],
    )
    return Report(
        sources=[
            SourceInfo(
                path=CSV,
                format="entra-portal-csv",
                encoding="utf-8-sig",
                delimiter=",",
                records=5,
                columns={"employee_number": "userPrincipalName", "phone_number": "mobilePhone"},
            ),
            SourceInfo(
                path=JSON,
                format="graph-json",
                encoding="utf-8",
                records=2,
                columns={"employee_number": "userPrincipalName", "email": "mail"},
            ),
        ],
        findings=findings,
        connection=connection,
        generated_at=GENERATED_AT,
    )


def ready_report() -> Report:
    return Report(
        sources=[SourceInfo(path=CSV, format="entra-portal-csv", encoding="utf-8", records=3)],
        generated_at=GENERATED_AT,
    )
