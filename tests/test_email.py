"""The notification email of guide step 47: content, .eml round trip, test-user selection and
the `motiscim email` command."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

import pytest

from checks.model import Finding, Severity, get_rule
from motiscim_cli.email_draft import (
    DEFAULT_TO,
    Attachment,
    EmailOptions,
    TestUser,
    attachment_from_bytes,
    checklist_marks,
    compose,
    screenshot_files,
    to_eml,
)
from motiscim_cli.email_users import UserDirectory, closest_upns
from motiscim_cli.report import ConnectionResult, MappingResult, Report, SourceInfo
from tests.rulekit import record, run

GENERATED_AT = "2026-12-03T19:00:00Z"
KARI = TestUser(
    object_id="0f8fad5b-d9cb-469f-a165-70867728950e",
    user_principal_name="kari.nordmann@example.com",
    email="kari.nordmann@example.com",
    source="users.csv",
    row=1,
)
OLA = TestUser(
    object_id="7c9e6679-7425-40de-944b-e07fc1f90ae7",
    user_principal_name="ola.hansen@example.com",
    email=None,
    source="users.csv",
    row=2,
)


def summary(code: str) -> str:
    """The catalogue's one-line summary, as the email quotes it."""
    return get_rule(code).summary.rstrip(".").replace("`", "")


def user_error(rule: str, row: int) -> Finding:
    return Finding(rule=rule, severity=Severity.ERROR, message="m", source="users.csv", row=row)


def fixed_report(**extra) -> Report:
    return Report(
        sources=[SourceInfo(path="users.csv", format="entra-portal-csv", records=12)],
        findings=[
            user_error("P001", 3),
            user_error("P001", 4),
            user_error("U003", 5),
            Finding(rule="E003", severity=Severity.WARNING, message="m", source="users.csv", row=6),
        ],
        generated_at=GENERATED_AT,
        **extra,
    )


# ---- content --------------------------------------------------------------------------------


def test_full_email_text_is_exact() -> None:
    report = fixed_report(
        connection=ConnectionResult(
            url="https://acme.motimateapp.com/scim/v1", ok=True, status=200, elapsed_ms=120
        ),
        mapping=MappingResult(
            path="schema.json",
            ok=False,
            findings=[
                Finding(
                    rule="M002",
                    severity=Severity.ERROR,
                    message="Entra reverted externalId to mailNickname. Fix: set objectId.",
                    source="schema.json",
                )
            ],
        ),
    )
    draft = compose(
        report,
        [KARI, OLA],
        EmailOptions(
            organisation="Acme AS",
            contact="Kari Nordmann <kari.nordmann@example.com>",
            tenant_url="https://acme.motimateapp.com/scim/v1",
            attachments=["shots/users-mapping.png"],
        ),
    )
    assert draft.to == "support@motimateapp.com"
    # Not ready (P001, U003, M002): the subject says so, as the summary's verdict does.
    assert draft.subject == (
        "Motimate SCIM: not ready to turn on provisioning (3 users with errors, attribute "
        "mapping not as the guide says) — Acme AS"
    )
    assert draft.sender == "Kari Nordmann <kari.nordmann@example.com>"
    assert draft.text == (
        "Hello Motimate team,\n"
        "\n"
        "We have set up the Motimate SCIM application in Microsoft Entra ID for Acme AS and plan "
        "to turn on provisioning for the test users below (step 47 of your SCIM setup guide). "
        "Please confirm that we can start provisioning.\n"
        "\n"
        "Test users\n"
        "----------\n"
        "\n"
        "Object ID                             User Principal Name (UPN)  Email\n"
        "------------------------------------  -------------------------  "
        "-------------------------\n"
        "0f8fad5b-d9cb-469f-a165-70867728950e  kari.nordmann@example.com  "
        "kari.nordmann@example.com\n"
        "7c9e6679-7425-40de-944b-e07fc1f90ae7  ola.hansen@example.com     (none in the export)\n"
        "\n"
        "Tenant URL: https://acme.motimateapp.com/scim/v1\n"
        "\n"
        "Preflight summary (motiscim 0.1.0, 2026-12-03T19:00:00Z)\n"
        "--------------------------------------------------------\n"
        "\n"
        "- Users checked: 12\n"
        "- Users with errors: 3\n"
        "- Errors by rule:\n"
        f"  - P001 × 2: {summary('P001')}\n"
        f"  - U003 × 1: {summary('U003')}\n"
        "- Connection test: OK, the URL and token were accepted (HTTP 200, 120 ms)\n"
        "- Attribute mapping check: problems: M002\n"
        "- Verdict: not ready\n"
        "\n"
        "3 users with errors will be fixed before they are assigned to the application; the test "
        "users above have none.\n"
        "\n"
        "Screenshots of the attribute mappings\n"
        "-------------------------------------\n"
        "\n"
        '- Attribute Mappings of "Provision Azure Active Directory Users": attached '
        "(users-mapping.png)\n"
        '- Attribute Mappings of "Provision Azure Active Directory Groups": [to attach]\n'
        "\n"
        "Checklist of the guide's critical steps\n"
        "---------------------------------------\n"
        "\n"
        "[x] = verified by motiscim from the provisioning schema; [!] = not done, see the note.\n"
        "\n"
        "[!] Users are matched on objectId → externalId with matching precedence 1 "
        "(steps 18–26) — NOT DONE (M002): Entra reverted externalId to mailNickname.\n"
        "[!] The step-29 revert is fixed: objectId, not mailNickname, feeds externalId (step 29)"
        " — NOT DONE (M002): Entra reverted externalId to mailNickname.\n"
        "[x] Only objectId → externalId matches; userPrincipalName does not (steps 23–26)\n"
        "[x] Groups are matched on objectId, and displayName is not matching (steps 32–36)\n"
        "\n"
        "Best regards,\n"
        "Kari Nordmann <kari.nordmann@example.com>\n"
    )


@pytest.mark.parametrize(
    ("extra", "subject"),
    [
        ({}, "Motimate SCIM: not ready to turn on provisioning (3 users with errors)"),
        (
            {
                "findings": [
                    Finding(rule="F002", severity=Severity.ERROR, message="m", source="u.csv")
                ]
            },
            "Motimate SCIM: not ready to turn on provisioning (export errors)",
        ),
        (
            {
                "findings": [],
                "connection": ConnectionResult(url="https://acme.motimateapp.com/scim/v1", ok=True),
            },
            "Motimate SCIM: ready to turn on provisioning",
        ),
        (
            {
                "findings": [],
                "connection": ConnectionResult(url="", ok=False, skipped="no tenant URL"),
            },
            "Motimate SCIM: ready to turn on provisioning",  # not run is not failed
        ),
        (
            {
                "connection": ConnectionResult(
                    url="https://acme.motimateapp.com/scim/v1",
                    ok=False,
                    status=401,
                    findings=[Finding(rule="C007", severity=Severity.ERROR, message="Refused.")],
                ),
                "mapping": MappingResult(path="schema.json", ok=False),
            },
            "Motimate SCIM: not ready to turn on provisioning (3 users with errors, connection "
            "test failed, attribute mapping not as the guide says)",
        ),
    ],
)
def test_the_subject_says_the_verdict_the_summary_gives(extra: dict, subject: str) -> None:
    report = fixed_report(**{k: v for k, v in extra.items() if k != "findings"})
    if "findings" in extra:
        report.findings = extra["findings"]
    draft = compose(report, [KARI], EmailOptions())
    assert draft.subject == subject
    verdict = "ready" if subject.startswith("Motimate SCIM: ready") else "not ready"
    assert f"- Verdict: {verdict}\n" in draft.text
    with_org = compose(report, [KARI], EmailOptions(organisation="Acme AS"))
    assert with_org.subject == f"{subject} — Acme AS"


def test_suggested_users_without_checks_text_is_exact() -> None:
    report = Report(
        sources=[SourceInfo(path="users.csv", format="entra-portal-csv", records=2)],
        generated_at=GENERATED_AT,
        connection=ConnectionResult(
            url="", ok=False, skipped="no tenant URL given: run motiscim preflight …"
        ),
    )
    draft = compose(report, [KARI], EmailOptions(suggested=True))
    assert draft.subject == "Motimate SCIM: ready to turn on provisioning"
    assert draft.sender is None
    assert draft.text == (
        "Hello Motimate team,\n"
        "\n"
        "We have set up the Motimate SCIM application in Microsoft Entra ID and plan to turn on "
        "provisioning for the test users below (step 47 of your SCIM setup guide). Please "
        "confirm that we can start provisioning.\n"
        "\n"
        "Test users (SUGGESTED by motiscim)\n"
        "----------------------------------\n"
        "\n"
        "SUGGESTION by motiscim: these are the first users in the export with no errors. Make "
        "sure they are the users you assigned to the application in steps 41–46 (or replace "
        "them), then delete this paragraph and the word SUGGESTED.\n"
        "\n"
        "Object ID                             User Principal Name (UPN)  Email\n"
        "------------------------------------  -------------------------  "
        "-------------------------\n"
        "0f8fad5b-d9cb-469f-a165-70867728950e  kari.nordmann@example.com  "
        "kari.nordmann@example.com\n"
        "\n"
        "Preflight summary (motiscim 0.1.0, 2026-12-03T19:00:00Z)\n"
        "--------------------------------------------------------\n"
        "\n"
        "- Users checked: 2\n"
        "- Users with errors: 0\n"
        "- Errors by rule: none\n"
        "- Connection test: not run (no tenant URL given to motiscim)\n"
        "- Verdict: ready\n"
        "\n"
        "Screenshots of the attribute mappings\n"
        "-------------------------------------\n"
        "\n"
        '- Attribute Mappings of "Provision Azure Active Directory Users": [to attach]\n'
        '- Attribute Mappings of "Provision Azure Active Directory Groups": [to attach]\n'
        "\n"
        "Checklist of the guide's critical steps\n"
        "---------------------------------------\n"
        "\n"
        "[ ] = to confirm on the screenshots (the provisioning schema was not checked).\n"
        "\n"
        "[ ] Users are matched on objectId → externalId with matching precedence 1 "
        "(steps 18–26)\n"
        "[ ] The step-29 revert is fixed: objectId, not mailNickname, feeds externalId (step 29)"
        "\n"
        "[ ] Only objectId → externalId matches; userPrincipalName does not (steps 23–26)\n"
        "[ ] Groups are matched on objectId, and displayName is not matching (steps 32–36)\n"
        "\n"
        "Best regards,\n"
        "[your name]\n"
    )


def test_markdown_is_exact() -> None:
    report = Report(
        sources=[SourceInfo(path="users.csv", format="entra-portal-csv", records=2)],
        generated_at=GENERATED_AT,
        mapping=MappingResult(path="schema.json", ok=True),
    )
    odd = TestUser("7c9e6679-7425-40de-944b-e07fc1f90ae7", "a|b@example.com", None, "u.csv", 2)
    draft = compose(
        report,
        [odd],
        EmailOptions(
            to="csm@motimateapp.com",
            organisation="Acme AS",
            contact="Kari",
            attachments=["Groups.PNG", "users.png"],
        ),
    )
    assert draft.to == "csm@motimateapp.com"
    assert draft.sender is None  # "Kari" has no address: no From header
    assert draft.headers_markdown() == (
        "**To:** csm@motimateapp.com  \n"
        "**Subject:** Motimate SCIM: ready to turn on provisioning — Acme AS\n"
        "\n"
        "---\n"
        "\n"
        "Hello Motimate team,\n"
        "\n"
        "We have set up the Motimate SCIM application in Microsoft Entra ID for Acme AS and plan "
        "to turn on provisioning for the test users below (step 47 of your SCIM setup guide). "
        "Please confirm that we can start provisioning.\n"
        "\n"
        "### Test users\n"
        "\n"
        "| Object ID | User Principal Name (UPN) | Email |\n"
        "| --- | --- | --- |\n"
        "| 7c9e6679-7425-40de-944b-e07fc1f90ae7 | a\\|b@example.com | (none in the export) |\n"
        "\n"
        "### Preflight summary (motiscim 0.1.0, 2026-12-03T19:00:00Z)\n"
        "\n"
        "- Users checked: 2\n"
        "- Users with errors: 0\n"
        "- Errors by rule: none\n"
        "- Attribute mapping check: as the guide says\n"
        "- Verdict: ready\n"
        "\n"
        "### Screenshots of the attribute mappings\n"
        "\n"
        '- Attribute Mappings of "Provision Azure Active Directory Users": attached (users.png)\n'
        '- Attribute Mappings of "Provision Azure Active Directory Groups": attached '
        "(Groups.PNG)\n"
        "\n"
        "### Checklist of the guide's critical steps\n"
        "\n"
        "[x] = verified by motiscim from the provisioning schema; [!] = not done, see the note.\n"
        "\n"
        "- [x] Users are matched on objectId → externalId with matching precedence 1 "
        "(steps 18–26)\n"
        "- [x] The step-29 revert is fixed: objectId, not mailNickname, feeds externalId "
        "(step 29)\n"
        "- [x] Only objectId → externalId matches; userPrincipalName does not (steps 23–26)\n"
        "- [x] Groups are matched on objectId, and displayName is not matching (steps 32–36)\n"
        "\n"
        "Best regards,  \n"
        "Kari\n"
    )


def test_connection_failure_and_forced_user_are_stated() -> None:
    report = fixed_report(
        connection=ConnectionResult(
            url="https://acme.motimateapp.com/scim/v1",
            ok=False,
            status=401,
            elapsed_ms=80,
            findings=[
                Finding(rule="C007", severity=Severity.ERROR, message="The token was refused.")
            ],
        )
    )
    forced = TestUser(
        KARI.object_id, KARI.user_principal_name, KARI.email, "users.csv", 3, ("P001",)
    )
    text = compose(report, [forced], EmailOptions()).text
    assert "- Connection test: FAILED: C007 The token was refused.\n" in text
    assert (
        "Note: motiscim predicts that these test users will fail to sync: "
        "kari.nordmann@example.com (P001).\n" in text
    )
    # With a failing test user the email must not claim the test users have no errors.
    assert "the test users above have none" not in text


def test_checklist_marks_follow_the_mapping_check() -> None:
    assert [m for m, _, _ in checklist_marks(fixed_report())] == ["confirm"] * 4
    clean = fixed_report(mapping=MappingResult(path="s.json", ok=True))
    assert [m for m, _, _ in checklist_marks(clean)] == ["verified"] * 4
    findings = [
        Finding(rule=code, severity=Severity.ERROR, message=f"{code} says", source="s.json")
        for code in ("M001", "M006")
    ]
    broken = fixed_report(mapping=MappingResult(path="s.json", ok=False, findings=findings))
    assert checklist_marks(broken) == [
        ("failed", checklist_marks(clean)[0][1], "NOT DONE (M001): M001 says"),
        ("verified", checklist_marks(clean)[1][1], None),
        ("verified", checklist_marks(clean)[2][1], None),
        ("failed", checklist_marks(clean)[3][1], "NOT DONE (M006): M006 says"),
    ]


def test_checklist_leaves_the_user_steps_to_confirm_when_a_user_mapping_went_unchecked() -> None:
    # A second user mapping (M012) was not checked: it may match on the UPN all the same, yet
    # every user step was ticked as verified.
    clean = fixed_report(mapping=MappingResult(path="s.json", ok=True))
    m012 = Finding(
        rule="M012",
        severity=Severity.WARNING,
        message="The schema has 2 user mappings; only the first was checked. More words.",
        source="s.json",
    )
    other = fixed_report(mapping=MappingResult(path="s.json", ok=True, findings=[m012]))
    note = "NOT CHECKED (M012): The schema has 2 user mappings; only the first was checked."
    items = [item for _, item, _ in checklist_marks(clean)]
    assert checklist_marks(other) == [
        ("confirm", items[0], note),
        ("confirm", items[1], note),
        ("confirm", items[2], note),
        ("verified", items[3], None),
    ]


def test_screenshots_are_matched_by_name_then_order() -> None:
    assert screenshot_files(["b/groups.png", "a/users.png"]) == {
        "users": "users.png",
        "groups": "groups.png",
    }
    assert screenshot_files(["one.png", "two.png", "three.png"]) == {
        "users": "one.png",
        "groups": "two.png",
    }
    assert screenshot_files(["Group mapping.png"]) == {"users": None, "groups": "Group mapping.png"}
    assert screenshot_files([]) == {"users": None, "groups": None}


def test_html_alternative_escapes_export_values() -> None:
    evil = TestUser("x", '<script>alert("x")</script>@example.com', None, "u.csv", 1)
    draft = compose(fixed_report(), [evil], EmailOptions())
    assert "<script>" not in draft.html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;@example.com" in draft.html
    assert (
        f"<li>Errors by rule:<ul><li>P001 × 2: {summary('P001')}</li>"
        f"<li>U003 × 1: {summary('U003')}</li></ul></li>" in draft.html
    )


# ---- the .eml draft -------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4  # binary, with bytes that break text modes


def parse(data: bytes):
    return BytesParser(policy=policy.default).parsebytes(data)


def test_eml_round_trip_headers_body_and_attachments() -> None:
    draft = compose(
        fixed_report(),
        [KARI],
        EmailOptions(organisation="Ærlig Øl AS", contact="Kari <kari.nordmann@example.com>"),
    )
    attachments = [
        attachment_from_bytes("shots/users.png", PNG),
        attachment_from_bytes("groups.pdf", b"%PDF-1.4\n"),
        attachment_from_bytes("notes.unknownext", b"\x00\x01"),
    ]
    data = to_eml(draft, attachments)
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")  # CRLF only
    message = parse(data)
    assert message["To"] == DEFAULT_TO
    assert message["From"] == "Kari <kari.nordmann@example.com>"
    assert message["Subject"] == (
        "Motimate SCIM: not ready to turn on provisioning (3 users with errors) — Ærlig Øl AS"
    )
    assert message["X-Unsent"] == "1"
    assert message["Date"] is None  # the mail client dates it when it is sent
    # Parsed back, the body keeps the file's CRLF line ends; the text is the draft's.
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == draft.text
    assert message.get_body(("html",)).get_content().replace("\r\n", "\n") == draft.html
    parts = [
        (part.get_filename(), part.get_content_type(), part.get_content())
        for part in message.iter_attachments()
    ]
    assert parts == [
        ("users.png", "image/png", PNG),
        ("groups.pdf", "application/pdf", b"%PDF-1.4\n"),
        ("notes.unknownext", "application/octet-stream", b"\x00\x01"),
    ]
    assert [p.get_content_disposition() for p in message.iter_attachments()] == ["attachment"] * 3


@pytest.mark.parametrize(
    "organisation",
    [
        None,  # 79 characters with "Subject: ", one word too many for the first line
        "Acme AS",
        "Nordisk Samvirkelag for Opplæring og Kompetanseutvikling i Offentlig Sektor, "
        "Region Vest og Midt-Norge",
        "Bjørnstjerne Ærlig Ølbryggeri  Ånd",
        "X =?utf-8?q?x?= Y",
        "Acme" + "x" * 90,
    ],
)
def test_eml_subject_reads_back_exactly(organisation: str | None) -> None:
    draft = compose(fixed_report(), [KARI], EmailOptions(organisation=organisation))
    expected = "Motimate SCIM: not ready to turn on provisioning (3 users with errors)"
    expected += f" — {organisation}" if organisation else ""
    assert draft.subject == expected
    data = to_eml(draft)
    head = data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    assert head.split("\r\n")[1].startswith("Subject: Motimate SCIM: not ready ")
    assert all(len(line) <= 78 and line.strip() for line in head.split("\r\n"))
    message = parse(data)
    assert message["Subject"] == expected


def test_eml_without_attachments_or_sender() -> None:
    draft = compose(fixed_report(), [KARI], EmailOptions())
    message = parse(to_eml(draft))
    assert message["From"] is None
    assert list(message.iter_attachments()) == []
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == draft.text


def test_attachment_types_are_guessed_from_the_name() -> None:
    assert attachment_from_bytes("a/b/Shot.JPG", b"x") == Attachment("Shot.JPG", b"x", "image/jpeg")
    # A compressed file's type is not the archive's content type: send it as bytes.
    assert attachment_from_bytes("shots.tar.gz", b"x").content_type == "application/octet-stream"


# ---- choosing test users --------------------------------------------------------------------

GUIDS = [
    "0f8fad5b-d9cb-469f-a165-70867728950e",
    "7c9e6679-7425-40de-944b-e07fc1f90ae7",
    "16fd2706-8baf-433b-82eb-8c7fada847da",
    "c56a4180-65aa-42ec-a945-5fd21dec0538",
    "a8098c1a-f86e-11da-bd1a-00112444be1e",
    "886313e1-3b8a-5372-9b90-0c9aee199e5d",
    "9b2f0e3c-5d4e-4f6a-8b7c-1d2e3f4a5b6c",
]


def population():
    """Seven users: row 2 has a phone error, row 3 is disabled, row 4 has a warning."""

    def user(row: int, name: str, **values):
        upn = f"{name}@example.com"
        return record(
            row,
            employee_number=upn,
            email=upn,
            external_id=GUIDS[row - 1],
            **values,
        )

    return [
        user(1, "kari.nordmann"),
        user(2, "ola.hansen", phone_number="98765432"),
        user(3, "per.berg", active="false"),
        user(4, "liv.dahl", first_name=None),
        user(5, "eva.lund"),
        user(6, "nils.moe"),
        user(7, "siri.holm"),
    ]


def selected(wanted, *, force=False, records=None):
    records = records if records is not None else population()
    directory = UserDirectory(wanted)
    for r in records:
        directory.add(r)
    report = Report(
        sources=[SourceInfo(path="users.csv", format="x", records=len(records))],
        findings=run(records, select=[]),
    )
    return directory.select(report, force=force)


def test_users_are_found_by_upn_ignoring_case_and_by_object_id() -> None:
    selection = selected(["KARI.Nordmann@Example.com ", GUIDS[4].upper()])
    assert selection.ok
    assert [(u.user_principal_name, u.object_id, u.email, u.row) for u in selection.users] == [
        ("kari.nordmann@example.com", GUIDS[0], "kari.nordmann@example.com", 1),
        ("eva.lund@example.com", GUIDS[4], "eva.lund@example.com", 5),
    ]
    assert selection.problems == [] and selection.warnings == []


def test_a_user_not_in_the_export_is_refused_with_the_closest_upns() -> None:
    selection = selected(["kari.nordman@example.com", "nobody-at-all"])
    assert not selection.ok
    assert [(p.wanted, p.reason, p.closest) for p in selection.problems] == [
        ("kari.nordman@example.com", "not-found", ["kari.nordmann@example.com"]),
        ("nobody-at-all", "not-found", []),
    ]
    assert selection.problems[0].message == (
        "test user 'kari.nordman@example.com' is not in the export (looked for it as a UPN, "
        "ignoring case, and as an objectId). Closest UPNs in the export: "
        "kari.nordmann@example.com."
    )
    assert selection.problems[1].message.endswith("No UPN in the export is close to it.")
    assert selection.users == []


def test_closest_upns_compare_local_parts_and_prefer_the_same_domain() -> None:
    upns = [
        "siri.holm@example.com",
        "kari.nordmann@example.org",
        "kari.nordmann@example.com",
        "karin.nord@example.com",
        "KARI.NORDMANN@example.com",  # the same UPN in another case: offered once
    ]
    assert closest_upns("kari.nordman@example.com", upns) == [
        "kari.nordmann@example.com",
        "kari.nordmann@example.org",
        "karin.nord@example.com",
    ]
    assert closest_upns("Kari.Nordman", upns, n=1) == ["kari.nordmann@example.org"]
    assert closest_upns("zzz@example.com", upns) == []
    # A short form that starts a UPN counts as close, however low difflib rates it.
    assert closest_upns("kari@example.com", ["siri@example.com", "kari.nordmann@example.com"]) == [
        "kari.nordmann@example.com"
    ]
    assert closest_upns("ka@example.com", ["kari.nordmann@example.com"]) == []


def test_a_user_with_errors_is_refused_and_forced_through_only_with_force() -> None:
    selection = selected(["ola.hansen@example.com", "kari.nordmann@example.com"])
    assert not selection.ok
    assert [(p.reason, p.rules) for p in selection.problems] == [("has-errors", ["P001"])]
    assert selection.problems[0].message == (
        "test user ola.hansen@example.com (users.csv row 2) has errors and will fail to sync: "
        "P001. Fix them (motiscim check shows how) or choose another test user."
    )
    assert [u.row for u in selection.users] == [1]

    forced = selected(["ola.hansen@example.com", "kari.nordmann@example.com"], force=True)
    assert [(u.row, u.error_rules) for u in forced.users] == [(2, ("P001",)), (1, ())]
    assert not forced.ok  # forcing drafts the email; it does not make the user pass


def test_more_than_five_test_users_is_a_warning_not_a_refusal() -> None:
    names = ["kari.nordmann", "liv.dahl", "eva.lund", "nils.moe", "siri.holm"]
    assert selected([f"{n}@example.com" for n in names]).warnings == []
    tor = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
    records = [*population(), record(8, employee_number="tor@example.com", external_id=tor)]
    six = selected([f"{n}@example.com" for n in names] + [tor], records=records)
    assert six.ok
    assert six.warnings == [
        "6 test users: the guide asks for a couple (step 41); Motimate reviews each one, so keep "
        "it to 5 or fewer."
    ]


def test_a_disabled_test_user_is_refused_and_forced_through_only_with_force() -> None:
    refused = selected(["per.berg@example.com"])
    assert not refused.ok and refused.users == []
    assert [(p.wanted, p.reason, p.rules) for p in refused.problems] == [
        ("per.berg@example.com", "disabled", ["A001"])
    ]
    assert refused.problems[0].message == (
        "test user per.berg@example.com (users.csv row 3) is disabled (accountEnabled false): "
        "Entra does not provision disabled users, so the test would show nothing. Enable the "
        "account or choose another test user."
    )
    assert [u.row for u in refused.rejected] == [3]
    forced = selected(["per.berg@example.com"], force=True)
    assert [(u.row, u.error_rules) for u in forced.users] == [(3, ("A001",))]
    text = compose(fixed_report(), forced.users, EmailOptions()).text
    assert (
        "Note: these test users are disabled in Entra (accountEnabled false), which does not "
        "provision disabled users: per.berg@example.com.\n" in text
    )
    assert "will fail to sync" not in text


def test_the_same_test_user_named_twice_is_listed_once() -> None:
    selection = selected(["kari.nordmann@example.com", GUIDS[0].upper(), "liv.dahl@example.com"])
    assert selection.ok
    assert [u.row for u in selection.users] == [1, 4]
    assert selection.warnings == [
        f"test users 'kari.nordmann@example.com' and '{GUIDS[0].upper()}' are the same user "
        "(users.csv row 1); it is listed once."
    ]
    # A refused user named twice is one problem, not two.
    twice = selected(["ola.hansen@example.com", GUIDS[1]])
    assert [p.reason for p in twice.problems] == ["has-errors"]


def test_suggestions_are_the_first_users_without_errors_cleanest_first() -> None:
    selection = selected([])
    assert selection.suggested and selection.ok
    # Row 2 has an error and row 3 is disabled; row 4 (a warning) comes after clean users.
    assert [u.row for u in selection.users] == [1, 5, 6]


def test_no_suggestion_when_every_user_has_errors() -> None:
    records = [
        record(1, employee_number="a b@example.com"),
        record(2, external_id="not-a-guid", employee_number="c@example.com"),
    ]
    selection = selected([], records=records)
    assert selection.users == [] and selection.suggested
    assert selection.warnings == [
        "no user among the first 2 in the export is free of errors; fix them, or name test users "
        "with --test-user."
    ]


def test_an_unknown_rule_code_does_not_break_the_summary() -> None:
    report = Report(findings=[user_error("Z999", 1)], generated_at=GENERATED_AT)
    assert "- Errors by rule:\n  - Z999 × 1\n" in compose(report, [KARI], EmailOptions()).text


@pytest.mark.parametrize(
    ("contact", "sender"),
    [
        ("Kari <kari@example.com>", "Kari <kari@example.com>"),
        ("kari@example.com", "kari@example.com"),
        ("Kari Nordmann", None),
        (None, None),
    ],
)
def test_from_header_only_when_the_contact_has_an_address(contact, sender) -> None:
    assert compose(fixed_report(), [KARI], EmailOptions(contact=contact)).sender == sender


# ---- `motiscim email` ------------------------------------------------------------------------

HEADER = (
    "id,userPrincipalName,displayName,givenName,surname,mail,mobilePhone,jobTitle,"
    "accountEnabled,usageLocation,userType,directorySynced"
)
ROWS = [
    # row 1: clean
    f"{GUIDS[0]},kari.nordmann@example.com,Kari Nordmann,Kari,Nordmann,"
    "kari.nordmann@example.com,+4741234567,Engineer,true,NO,Member,false",
    # row 2: a national phone number (P001, an error)
    f"{GUIDS[1]},ola.hansen@example.com,Ola Hansen,Ola,Hansen,ola.hansen@example.com,"
    "98765432,Engineer,true,NO,Member,false",
    # row 3: clean, mail differs from the UPN (the email column must come from mail)
    f"{GUIDS[2]},per.berg@example.com,Per Berg,Per,Berg,per@berg.example,+4741234568,"
    "Manager,true,NO,Member,false",
    f"{GUIDS[3]},liv.dahl@example.com,Liv Dahl,Liv,Dahl,liv.dahl@example.com,,Chef,true,NO,"
    "Member,false",
    f"{GUIDS[4]},eva.lund@example.com,Eva Lund,Eva,Lund,eva.lund@example.com,,Chef,true,NO,"
    "Member,false",
    f"{GUIDS[5]},nils.moe@example.com,Nils Moe,Nils,Moe,nils.moe@example.com,,Chef,true,NO,"
    "Member,false",
    f"{GUIDS[6]},siri.holm@example.com,Siri Holm,Siri,Holm,siri.holm@example.com,,Chef,true,"
    "NO,Member,false",
]


def write_export(directory, rows=ROWS, name="users.csv"):
    path = directory / name
    path.write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode("utf-8-sig"))
    return path


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """Run where no motiscim.yaml is found."""
    monkeypatch.chdir(tmp_path)


def invoke(args, env=None):
    from typer.testing import CliRunner

    from motiscim_cli.app import app

    environment = {
        "NO_COLOR": "1",
        "COLUMNS": "200",
        "MOTIMATE_SCIM_TENANT_URL": None,
        "MOTIMATE_SCIM_TOKEN": None,
    }
    environment.update(env or {})
    return CliRunner().invoke(app, args, env=environment)


def test_email_command_drafts_text_and_an_eml_with_the_screenshots(tmp_path, isolated) -> None:
    export = write_export(tmp_path)
    users_png = tmp_path / "users-mapping.png"
    groups_png = tmp_path / "groups-mapping.png"
    users_png.write_bytes(PNG)
    groups_png.write_bytes(PNG[::-1])
    eml = tmp_path / "draft.eml"
    result = invoke(
        [
            "email",
            str(export),
            "--test-user",
            "Per.Berg@Example.com",
            "--test-user",
            GUIDS[0],
            "--org",
            "Acme AS",
            "--from",
            "Kari Nordmann <kari.nordmann@example.com>",
            "--tenant-url",
            "https://acme.motimateapp.com/scim/v1",
            "--eml",
            str(eml),
            "--attach",
            str(groups_png),
            "--attach",
            str(users_png),
        ]
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(
        "To: support@motimateapp.com\n"
        "From: Kari Nordmann <kari.nordmann@example.com>\n"
        # ola.hansen's P001 makes the export not ready, whoever the test users are.
        "Subject: Motimate SCIM: not ready to turn on provisioning (1 user with errors) — "
        "Acme AS\n\nHello Motimate team,\n"
    )
    # Values come from the export: per.berg's address is his mail, not his UPN.
    assert (
        f"{GUIDS[2]}  per.berg@example.com       per@berg.example\n"
        f"{GUIDS[0]}  kari.nordmann@example.com  kari.nordmann@example.com\n" in result.stdout
    )
    assert "Tenant URL: https://acme.motimateapp.com/scim/v1\n" in result.stdout
    assert "- Users checked: 7\n- Users with errors: 1\n" in result.stdout
    assert (
        '- Attribute Mappings of "Provision Azure Active Directory Users": attached '
        "(users-mapping.png)\n" in result.stdout
    )
    assert f"draft written to {eml}" in result.stderr

    message = parse(eml.read_bytes())
    assert message["To"] == "support@motimateapp.com"
    assert message["Subject"] == (
        "Motimate SCIM: not ready to turn on provisioning (1 user with errors) — Acme AS"
    )
    assert message["X-Unsent"] == "1"
    body = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert result.stdout.endswith(body)
    assert [
        (part.get_filename(), part.get_content_type(), part.get_content())
        for part in message.iter_attachments()
    ] == [("groups-mapping.png", "image/png", PNG[::-1]), ("users-mapping.png", "image/png", PNG)]


def test_email_command_markdown_to_a_file(tmp_path, isolated) -> None:
    export = write_export(tmp_path)
    out = tmp_path / "email.md"
    args = ["email", str(export), "-u", "kari.nordmann@example.com", "--format", "markdown"]
    result = invoke([*args, "--to", "csm@motimateapp.com", "--output", str(out)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    text = out.read_text(encoding="utf-8")
    assert text.startswith("**To:** csm@motimateapp.com  \n")
    assert f"| {GUIDS[0]} | kari.nordmann@example.com | kari.nordmann@example.com |\n" in text


def test_email_command_refuses_a_user_not_in_the_export(tmp_path, isolated) -> None:
    export = write_export(tmp_path)
    eml = tmp_path / "draft.eml"
    result = invoke(
        ["email", str(export), "-u", "kari.nordman@example.com", "--eml", str(eml), "--force"]
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    assert not eml.exists()
    assert (
        "motiscim: test user 'kari.nordman@example.com' is not in the export (looked for it as "
        "a UPN, ignoring case, and as an objectId). Closest UPNs in the export: "
        "kari.nordmann@example.com.\n" in result.stderr
    )
    assert "none of the test users is in the export" in result.stderr


def test_email_command_refuses_a_user_with_errors_unless_forced(tmp_path, isolated) -> None:
    export = write_export(tmp_path)
    eml = tmp_path / "draft.eml"
    args = ["email", str(export), "-u", "ola.hansen@example.com", "--eml", str(eml)]
    refused = invoke(args)
    assert refused.exit_code == 1
    assert refused.stdout == ""
    assert not eml.exists()
    assert (
        f"motiscim: test user ola.hansen@example.com ({export} row 2) has errors and will fail "
        "to sync: P001." in refused.stderr
    )
    assert (
        "motiscim email: no email drafted: 1 test user(s) cannot be used. Fix them or choose "
        "others; --force drafts the email anyway.\n" in refused.stderr
    )

    forced = invoke([*args, "--force"])
    assert forced.exit_code == 1  # drafted, but the test user will still fail
    assert "drafted with --force despite the problems above" in forced.stderr
    body = parse(eml.read_bytes()).get_body(("plain",)).get_content()
    assert (
        "Note: motiscim predicts that these test users will fail to sync: "
        "ola.hansen@example.com (P001)." in body
    )


def test_email_command_never_overwrites_an_eml_without_force(tmp_path, isolated) -> None:
    export = write_export(tmp_path)
    eml = tmp_path / "draft.eml"
    eml.write_bytes(b"keep me")
    args = ["email", str(export), "-u", "kari.nordmann@example.com", "--eml", str(eml)]
    result = invoke(args)
    assert result.exit_code == 2
    assert f"--eml {eml} already exists; pass --force to replace it." in result.stderr
    assert eml.read_bytes() == b"keep me"
    assert invoke([*args, "--force"]).exit_code == 0
    assert parse(eml.read_bytes())["X-Unsent"] == "1"


def test_email_command_warns_above_five_test_users(tmp_path, isolated) -> None:
    export = write_export(tmp_path)
    users = [GUIDS[i] for i in (0, 2, 3, 4, 5, 6)]
    result = invoke(["email", str(export), *[a for g in users for a in ("-u", g)]])
    assert result.exit_code == 0, result.stderr
    assert (
        "motiscim: warning: 6 test users: the guide asks for a couple (step 41); Motimate "
        "reviews each one, so keep it to 5 or fewer.\n" in result.stderr
    )
    assert [g for g in GUIDS if g in result.stdout] == users  # all six, in the export's order


def test_email_command_needs_a_test_user_and_names_candidates(tmp_path, isolated) -> None:
    export = write_export(tmp_path)
    result = invoke(["email", str(export)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert (
        "motiscim email: name at least one test user with --test-user UPN_OR_OBJECT_ID (or "
        "test_users in the config). Users with no errors: kari.nordmann@example.com, "
        "per.berg@example.com, liv.dahl@example.com.\n" in result.stderr
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--attach", "missing.png"], "--attach missing.png: cannot read it"),
        (["--format", "html"], "--format: choose one of text, markdown."),
        (["--to", "support at motimate"], "is not an email address"),
    ],
)
def test_email_command_usage_errors(tmp_path, monkeypatch, extra, message) -> None:
    monkeypatch.chdir(tmp_path)
    export = write_export(tmp_path)
    result = invoke(["email", str(export), "-u", "kari.nordmann@example.com", *extra])
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_email_command_will_not_write_over_the_export(tmp_path, isolated) -> None:
    export = write_export(tmp_path)
    before = export.read_bytes()
    result = invoke(["email", str(export), "-u", GUIDS[0], "--output", str(export)])
    assert result.exit_code == 2
    assert (
        f"--output {export} is one of the inputs; motiscim never writes over its inputs: "
        "choose another file." in result.stderr
    )
    assert export.read_bytes() == before


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("nope.csv", None, "no such file"),
        (
            "users.xlsx",
            b"PK\x03\x04" + bytes(100),
            "this is a ZIP archive, not an export: extract the CSV or JSON from it",
        ),
    ],
)
@pytest.mark.parametrize("users", [[], ["-u", GUIDS[0]]])
def test_email_command_unreadable_export_is_one_line(
    tmp_path, isolated, name: str, content: bytes | None, reason: str, users: list[str]
) -> None:
    """The README's promise for an unreadable input, as `check` keeps it: one line on stderr
    naming the file and the reason, exit 2, nothing on stdout."""
    bad = tmp_path / name
    if content is not None:
        bad.write_bytes(content)
    result = invoke(["email", str(bad), *users])
    assert result.exit_code == 2
    assert result.stderr == f"motiscim: cannot read {bad}: {reason}\n"
    assert result.stdout == ""


def test_email_command_with_one_unreadable_export_of_two_says_no_email(tmp_path, isolated) -> None:
    export = write_export(tmp_path)
    missing = tmp_path / "nope.csv"
    result = invoke(["email", str(export), str(missing), "-u", GUIDS[0]])
    assert result.exit_code == 2
    assert result.stderr == (
        f"motiscim: cannot read {missing}: no such file\n"
        "motiscim email: no email drafted: an export could not be read.\n"
    )
    assert result.stdout == ""


def test_email_command_ticks_the_checklist_from_a_schema(tmp_path, isolated) -> None:
    from pathlib import Path

    samples = Path(__file__).resolve().parent.parent / "sample_exports"
    export = write_export(tmp_path)
    args = ["email", str(export), "-u", GUIDS[0], "--schema"]
    guide = invoke([*args, str(samples / "entra-provisioning-schema-guide.json")])
    assert guide.exit_code == 0, guide.stderr
    ticked = [line for line in guide.stdout.splitlines() if line.startswith("[x] ")]
    assert len(ticked) == 5  # the legend and the four critical steps
    reverted = invoke([*args, str(samples / "entra-provisioning-schema-step29-revert.json")])
    assert reverted.exit_code == 1
    assert "\n[!] The step-29 revert is fixed" in reverted.stdout
    assert "the attribute mapping is not as the guide asks (M002)" in reverted.stderr


CHECKLIST_LINES = (
    "Users are matched on objectId → externalId with matching precedence 1 (steps 18–26)",
    "The step-29 revert is fixed: objectId, not mailNickname, feeds externalId (step 29)",
    "Only objectId → externalId matches; userPrincipalName does not (steps 23–26)",
    "Groups are matched on objectId, and displayName is not matching (steps 32–36)",
)
NO_EXTERNAL_ID = " — NOT DONE (M005): Users: nothing is mapped to externalId."
REVERTED = (
    " — NOT DONE (M002): Users: externalId is fed by mailNickname and matches with precedence "
    "1: Entra has reverted the source from objectId to mailNickname (guide step 29), and all "
    "users will fail to synchronize."
)
FED_BY_UPN = " — NOT DONE (M001): Users: externalId is fed by userPrincipalName."
NO_GROUPS = " — NOT CHECKED: the provisioning schema has no group mapping."


def edited_guide_schema(tmp_path, edit: str):
    """The bundled guide schema with one of the guide's steps undone."""
    import json
    from pathlib import Path

    samples = Path(__file__).resolve().parent.parent / "sample_exports"
    if edit == "step29-revert":
        return samples / "entra-provisioning-schema-step29-revert.json"
    data = json.loads((samples / "entra-provisioning-schema-guide.json").read_text("utf-8"))
    users, groups = data["synchronizationRules"][0]["objectMappings"]
    rows = users["attributeMappings"]
    external = next(r for r in rows if r["targetAttributeName"] == "externalId")
    if edit == "no-external-id":
        rows.remove(external)
    elif edit == "external-id-from-upn":
        external["source"] = {
            "expression": "[userPrincipalName]",
            "name": "userPrincipalName",
            "parameters": [],
            "type": "Attribute",
        }
    elif edit == "no-groups":
        data["synchronizationRules"][0]["objectMappings"].remove(groups)
    path = tmp_path / f"{edit}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("edit", "exit_code", "checklist"),
    [
        (
            "no-external-id",
            1,
            [
                f"[!] {CHECKLIST_LINES[0]}{NO_EXTERNAL_ID}",
                f"[!] {CHECKLIST_LINES[1]}{NO_EXTERNAL_ID}",
                f"[x] {CHECKLIST_LINES[2]}",
                f"[x] {CHECKLIST_LINES[3]}",
            ],
        ),
        (
            "step29-revert",
            1,
            [
                f"[!] {CHECKLIST_LINES[0]}{REVERTED}",
                f"[!] {CHECKLIST_LINES[1]}{REVERTED}",
                f"[x] {CHECKLIST_LINES[2]}",
                f"[x] {CHECKLIST_LINES[3]}",
            ],
        ),
        (
            "external-id-from-upn",
            1,
            [
                f"[!] {CHECKLIST_LINES[0]}{FED_BY_UPN}",
                f"[!] {CHECKLIST_LINES[1]}{FED_BY_UPN}",
                f"[!] {CHECKLIST_LINES[2]}{FED_BY_UPN}",
                f"[x] {CHECKLIST_LINES[3]}",
            ],
        ),
        (
            "no-groups",
            0,
            [
                "[x] = verified by motiscim from the provisioning schema; [!] = not done, see the "
                "note. [ ] = not in the schema, to confirm on the screenshots.",
                f"[x] {CHECKLIST_LINES[0]}",
                f"[x] {CHECKLIST_LINES[1]}",
                f"[x] {CHECKLIST_LINES[2]}",
                f"[ ] {CHECKLIST_LINES[3]}{NO_GROUPS}",
            ],
        ),
    ],
)
def test_email_command_ticks_only_the_steps_the_schema_shows_right(
    tmp_path, isolated, edit, exit_code, checklist
) -> None:
    export = write_export(tmp_path)
    schema = edited_guide_schema(tmp_path, edit)
    result = invoke(["email", str(export), "-u", GUIDS[0], "--schema", str(schema)])
    assert result.exit_code == exit_code, result.stderr
    body = result.stdout.split("Checklist of the guide's critical steps\n", 1)[1]
    lines = [line for line in body.splitlines() if line[:4] in ("[x] ", "[!] ", "[ ] ")]
    assert lines[-len(checklist) :] == checklist
    assert len(lines) == 5  # the legend and the four steps


def test_email_command_reads_the_config_file(tmp_path, isolated) -> None:
    export = write_export(tmp_path)
    config = tmp_path / "motiscim.yaml"
    config.write_text(
        "organisation: Acme AS\n"
        "contact: kari.nordmann@example.com\n"
        "tenant_url: https://acme.motimateapp.com/scim/v1\n"
        f"test_users: [{GUIDS[3]}]\n"
    )
    result = invoke(["email", str(export)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(
        "To: support@motimateapp.com\nFrom: kari.nordmann@example.com\n"
        "Subject: Motimate SCIM: not ready to turn on provisioning (1 user with errors) — "
        "Acme AS\n"
    )
    assert f"{GUIDS[3]}  liv.dahl@example.com" in result.stdout
    assert "Tenant URL: https://acme.motimateapp.com/scim/v1\n" in result.stdout
    config.write_text("organisation: [not, a, string]\n")
    broken = invoke(["email", str(export), "-u", GUIDS[0]])
    assert broken.exit_code == 2
    assert "motiscim email: config: " in broken.stderr and "motiscim.yaml:1" in broken.stderr


# ---- what reaches the email: the tenant URL, headers, the test users ----------------------------

URL_SECRET = "Zq8sEcReT0nly4tests9x"


def eml_text(path) -> str:
    """Every byte of an .eml and every decoded part, to search for what must not be there."""
    data = path.read_bytes()
    parts = [data.decode("utf-8", "replace")]
    for part in parse(data).walk():
        if not part.is_multipart():
            content = part.get_content()
            parts.append(content.decode("latin-1") if isinstance(content, bytes) else content)
    return "\n".join(parts)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            f"https://acme.motimateapp.com/scim/v1?token={URL_SECRET}",
            "https://acme.motimateapp.com/scim/v1?***",
        ),
        (
            f"https://admin:{URL_SECRET}@acme.motimateapp.com/scim/v1#{URL_SECRET}",
            "https://***@acme.motimateapp.com/scim/v1#***",
        ),
    ],
)
def test_email_never_shows_the_query_or_password_of_the_tenant_url(
    tmp_path, isolated, url, shown
) -> None:
    export = write_export(tmp_path)
    eml = tmp_path / "draft.eml"
    md = tmp_path / "email.md"
    args = ["email", str(export), "-u", GUIDS[0], "--tenant-url", url]
    text = invoke([*args, "--eml", str(eml)])
    markdown = invoke([*args, "--format", "markdown", "--output", str(md)])
    assert (text.exit_code, markdown.exit_code) == (0, 0), text.stderr + markdown.stderr
    assert f"\nTenant URL: {shown}\n" in text.stdout
    assert f"\nTenant URL: {shown}\n" in md.read_text(encoding="utf-8")
    for output in (text.stdout, text.stderr, markdown.stdout, markdown.stderr):
        assert URL_SECRET not in output
    assert URL_SECRET not in md.read_text(encoding="utf-8")
    assert URL_SECRET not in eml_text(eml)
    assert f"Tenant URL: {shown}" in eml_text(eml)


def test_email_lists_a_test_user_named_twice_once(tmp_path, isolated) -> None:
    export = write_export(tmp_path)
    result = invoke(["email", str(export), "-u", "kari.nordmann@example.com", "-u", GUIDS[0]])
    assert result.exit_code == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith(GUIDS[0])]
    assert rows == [f"{GUIDS[0]}  kari.nordmann@example.com  kari.nordmann@example.com"]
    assert (
        f"motiscim: warning: test users 'kari.nordmann@example.com' and '{GUIDS[0]}' are the "
        f"same user ({export} row 1); it is listed once.\n" in result.stderr
    )


def test_email_refuses_a_disabled_test_user_unless_forced(tmp_path, isolated) -> None:
    rows = [row.replace("Manager,true,", "Manager,false,") for row in ROWS]  # per.berg disabled
    export = write_export(tmp_path, rows)
    eml = tmp_path / "draft.eml"
    args = ["email", str(export), "-u", "per.berg@example.com", "--eml", str(eml)]
    refused = invoke(args)
    assert refused.exit_code == 1
    assert refused.stdout == ""
    assert not eml.exists()
    assert (
        f"motiscim: test user per.berg@example.com ({export} row 3) is disabled (accountEnabled "
        "false): Entra does not provision disabled users, so the test would show nothing. "
        "Enable the account or choose another test user.\n" in refused.stderr
    )
    assert "motiscim email: no email drafted: 1 test user(s) cannot be used." in refused.stderr

    forced = invoke([*args, "--force"])
    assert forced.exit_code == 1  # drafted, but the test would still show nothing
    assert "drafted with --force despite the problems above" in forced.stderr
    body = parse(eml.read_bytes()).get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert (
        "Note: these test users are disabled in Entra (accountEnabled false), which does not "
        "provision disabled users: per.berg@example.com.\n" in body
    )


@pytest.mark.parametrize(
    ("extra", "line"),
    [
        (
            ["--from", "Kari <kari@>"],
            "motiscim email: --from: 'Kari <kari@>' is not a valid sender (There must be "
            'something after the @-sign); give "Name <address>", an address, or only a name.\n',
        ),
        (
            ["--from", "kari@example.com, ola@example.com"],
            "motiscim email: --from: 'kari@example.com, ola@example.com' is not a valid sender "
            "(it must be one address, or a name and an address: Name <address>); give "
            '"Name <address>", an address, or only a name.\n',
        ),
        (
            ["--to", "csm@motimateapp.com extra"],
            "motiscim email: --to: 'csm@motimateapp.com extra' is not an email address (it must "
            "be one address, or a name and an address: Name <address>).\n",
        ),
        (
            ["--org", "Acme\r\nBcc: evil@example.com"],
            "motiscim email: --org: contains a control character (U+000D); give it on one line "
            "of plain text.\n",
        ),
        (
            ["--org", "Acme\x00"],
            "motiscim email: --org: contains a control character (U+0000); give it on one line "
            "of plain text.\n",
        ),
        (
            ["--to", "csm@motimateapp.com\nBcc: evil@example.com"],
            "motiscim email: --to: contains a control character (U+000A); give it on one line "
            "of plain text.\n",
        ),
        (
            ["--from", "Kari\r\nBcc: evil@example.com"],
            "motiscim email: --from: contains a control character (U+000D); give it on one line "
            "of plain text.\n",
        ),
    ],
)
def test_email_refuses_bad_addresses_and_header_injection_in_one_line(
    tmp_path, isolated, extra, line
) -> None:
    export = write_export(tmp_path)
    eml = tmp_path / "draft.eml"
    result = invoke(["email", str(export), "-u", GUIDS[0], "--eml", str(eml), *extra])
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)  # no traceback
    assert result.stderr == line
    assert result.stdout == ""
    assert not eml.exists()


def test_email_refuses_header_injection_from_the_config_file(tmp_path, isolated) -> None:
    export = write_export(tmp_path)
    config = tmp_path / "motiscim.yaml"
    config.write_text('organisation: "Acme\\r\\nBcc: evil@example.com"\n')
    eml = tmp_path / "draft.eml"
    result = invoke(["email", str(export), "-u", GUIDS[0], "--eml", str(eml)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"motiscim email: organisation in {config}: contains a control character (U+000D); "
        "give it on one line of plain text.\n"
    )
    assert not eml.exists()


def test_a_name_without_an_address_is_only_the_sign_off(tmp_path, isolated) -> None:
    export = write_export(tmp_path)
    eml = tmp_path / "draft.eml"
    result = invoke(["email", str(export), "-u", GUIDS[0], "--from", "Kari N.", "--eml", str(eml)])
    assert result.exit_code == 0, result.stderr
    message = parse(eml.read_bytes())
    assert message["From"] is None
    assert message.get_body(("plain",)).get_content().endswith("Best regards,\r\nKari N.\r\n")


def test_email_checks_the_schema_against_the_mapping_agreed_in_the_config(
    tmp_path, isolated
) -> None:
    from pathlib import Path

    schema = Path(__file__).resolve().parent.parent / "sample_exports"
    schema = schema / "entra-provisioning-schema-step29-revert.json"
    export = write_export(tmp_path)
    args = ["email", str(export), "-u", GUIDS[0], "--schema", str(schema)]
    assert "(M002)" in invoke(args).stderr
    (tmp_path / "motiscim.yaml").write_text("mapping:\n  external_id: '[mailNickname]'\n")
    agreed = invoke(args)
    assert "M002" not in agreed.stderr + agreed.stdout
