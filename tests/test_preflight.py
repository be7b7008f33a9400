"""`motiscim preflight`: check + connect + mapping + email, one report, one verdict.

The connection is tested against the real scim2-server on loopback from
tests/connect_servers.py (the same fixtures as `motiscim connect`), and every output of every
run is searched for the token.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from motiscim_cli.app import app
from tests.connect_servers import (
    LIST_RESPONSE,
    MOUNT,
    TOKEN,
    Pki,
    RunningServer,
    closed_port,
    fixed,
    json_reply,
)
from tests.test_email import GUIDS, PNG, ROWS, write_export

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_exports"
SCHEMA = json.loads((ROOT / "motiscim_cli" / "schemas" / "report-v1.schema.json").read_text())
CLEAN_ROWS = [row for row in ROWS if ",98765432," not in row]  # without ola's P001
SKIPPED = "no tenant URL given: run motiscim preflight … --tenant-url URL or motiscim connect URL"


@pytest.fixture(autouse=True)
def _isolated_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run where no motiscim.yaml is found unless a test writes one."""
    monkeypatch.chdir(tmp_path)


@dataclass
class Ran:
    exit_code: int
    stdout: str
    stderr: str
    files: dict[str, bytes]  # every file the run wrote, by name


def preflight(tmp_path: Path, *args: str, env: dict[str, str | None] | None = None) -> Ran:
    """Run `motiscim preflight` writing into tmp_path/out; collect what it printed and wrote."""
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    before = {p.name for p in out.iterdir()}
    environment: dict[str, str | None] = {
        "NO_COLOR": "1",
        "COLUMNS": "200",
        "MOTIMATE_SCIM_TENANT_URL": None,
        "MOTIMATE_SCIM_TOKEN": None,
    }
    environment.update(env or {})
    result = CliRunner().invoke(app, ["preflight", *args], env=environment)
    files = {p.name: p.read_bytes() for p in out.iterdir() if p.name not in before}
    return Ran(result.exit_code, result.stdout, result.stderr, files)


def no_token_anywhere(ran: Ran, token: str = TOKEN) -> None:
    assert token not in ran.stdout
    assert token not in ran.stderr
    for name, data in ran.files.items():
        assert token.encode() not in data, name
        # .eml bodies are quoted-printable or base64: look at the decoded parts too
        if name.endswith(".eml"):
            message = BytesParser(policy=policy.default).parsebytes(data)
            for part in message.walk():
                if not part.is_multipart():
                    content = part.get_content()
                    text = content.decode("latin-1") if isinstance(content, bytes) else content
                    assert token not in text, name


def valid_report(text: str) -> dict:
    data = json.loads(text)
    jsonschema.validate(data, SCHEMA)
    return data


# ---- the README's main command ------------------------------------------------------------------


def test_export_alone_reports_skips_the_connection_and_suggests_test_users(tmp_path) -> None:
    export = write_export(tmp_path)
    ran = preflight(tmp_path, str(export))
    assert ran.exit_code == 1  # ola.hansen's phone number will fail
    out = ran.stdout
    assert out.startswith("┏━ PREFLIGHT: NOT READY (export) ━")
    assert "┃ Export      NOT READY    1 of 7 users would fail to sync" in out
    assert f"┃ Connection  SKIPPED      {SKIPPED}" in out
    assert "┃ Mapping     NOT CHECKED  add --schema SCHEMA.json" in out
    assert (
        "┃ Test users  SUGGESTED    kari.nordmann@example.com, per.berg@example.com, "
        "liv.dahl@example.com; name yours with --test-user" in out
    )
    assert "┃ Email       DRAFTED      shown below" in out
    assert f"Skipped: {SKIPPED}." in out
    assert "P001 error" in out  # the export's findings are in the report
    # The draft follows the report, its test users marked as suggestions.
    draft = out[out.index("To: support@motimateapp.com\n") :]
    assert "Test users (SUGGESTED by motiscim)\n" in draft
    assert f"{GUIDS[0]}  kari.nordmann@example.com  kari.nordmann@example.com\n" in draft
    assert f"{GUIDS[2]}  per.berg@example.com       per@berg.example\n" in draft
    assert "- Connection test: not run (no tenant URL given to motiscim)\n" in draft
    assert "- Verdict: not ready\n" in draft
    assert out.index("Not ready: fix the problems above") < out.index("To: support@")
    assert "SUGGESTED" in out[: out.index("To: support@")]  # on the terminal too
    assert not any(line != line.rstrip() for line in out.splitlines())


def test_the_output_extension_chooses_the_format(tmp_path: Path) -> None:
    """-o report.json writes the JSON report, as in `check`; .md (a format preflight does not
    write) keeps the table; --format wins over the extension."""
    export = write_export(tmp_path)
    ran = preflight(tmp_path, str(export), "-o", str(tmp_path / "out" / "report.json"))
    assert ran.exit_code == 1
    assert ran.stdout == ""
    data = valid_report(ran.files["report.json"].decode())
    assert data["preflight"]["verdict"] == "not-ready"
    for name, extra in (("report.md", []), ("table.json", ["--format", "table"])):
        ran = preflight(tmp_path, str(export), "-o", str(tmp_path / "out" / name), *extra)
        assert ran.exit_code == 1
        assert ran.files[name].decode().startswith("┏━ PREFLIGHT: NOT READY (export) ━"), name


def test_export_alone_as_json_follows_the_contract_with_an_email_object(tmp_path) -> None:
    export = write_export(tmp_path)
    ran = preflight(tmp_path, str(export), "--format", "json")
    assert ran.exit_code == 1
    data = valid_report(ran.stdout)
    assert data["connection"] == {
        "url": "",
        "ok": False,
        "status": None,
        "elapsed_ms": None,
        "skipped": SKIPPED,
        "findings": [],
    }
    assert data["mapping"] is None
    assert data["summary"]["verdict"] == "not-ready"
    assert data["preflight"] == {
        "verdict": "not-ready",
        "parts": {
            "export": "not-ready",
            "connection": "skipped",
            "mapping": "not-checked",
            "test_users": "suggested",
            "email": "drafted",
        },
        "failing": ["export"],
        "fail_on": "error",
        "exit_code": 1,
    }
    email = data["email"]
    assert email["drafted"] is True and email["suggested"] is True
    assert email["to"] == "support@motimateapp.com"
    assert (
        email["subject"] == "Motimate SCIM: not ready to turn on provisioning (1 user with errors)"
    )
    assert [
        (u["user_principal_name"], u["object_id"], u["email"], u["row"])
        for u in email["test_users"]
    ] == [
        ("kari.nordmann@example.com", GUIDS[0], "kari.nordmann@example.com", 1),
        ("per.berg@example.com", GUIDS[2], "per@berg.example", 3),
        ("liv.dahl@example.com", GUIDS[3], "liv.dahl@example.com", 4),
    ]
    assert email["problems"] == [] and email["eml"] is None
    assert email["text"].startswith("Hello Motimate team,\n")
    assert "SUGGESTED test users (no errors): kari.nordmann@example.com" in ran.stderr


def test_the_readme_sample_is_a_good_first_experience(tmp_path: Path) -> None:
    """`motiscim preflight sample_exports/entra-users-download.csv`, the README's main command."""
    ran = preflight(tmp_path, str(SAMPLES / "entra-users-download.csv"))
    assert ran.exit_code == 1  # the sample has planted errors
    out = ran.stdout
    assert out.startswith("┏━ PREFLIGHT: NOT READY (export) ━")
    assert f"┃ Connection  SKIPPED      {SKIPPED}" in out
    assert "┃ Test users  SUGGESTED " in out
    assert f"Skipped: {SKIPPED}." in out
    assert "SUGGESTED (no test user named)" in out
    draft = out[out.index("To: support@motimateapp.com\n") :]
    assert "Test users (SUGGESTED by motiscim)\n" in draft
    # Three suggested users, each with an Object ID, UPN and email from the sample.
    table = draft[draft.index("Object ID   ") :].split("\n\n", 1)[0].splitlines()[2:]
    assert len(table) == 3
    assert all(len(line.split()) == 3 and line.count("@") == 2 for line in table)
    assert "--test-user" in ran.stderr or "--test-user" in out

    as_json = preflight(tmp_path, str(SAMPLES / "entra-users-download.csv"), "--format", "json")
    assert as_json.exit_code == 1
    data = valid_report(as_json.stdout)
    assert data["connection"]["skipped"] == SKIPPED
    assert data["email"]["suggested"] is True
    assert len(data["email"]["test_users"]) == 3


# ---- with a live tenant URL ---------------------------------------------------------------------


def test_a_working_connection_and_named_test_users_are_ready(
    tmp_path: Path, scim_http: RunningServer
) -> None:
    export = write_export(tmp_path, CLEAN_ROWS)
    url = scim_http.base + MOUNT
    eml = tmp_path / "out" / "draft.eml"
    shot = tmp_path / "users.png"
    shot.write_bytes(PNG)
    ran = preflight(
        tmp_path,
        str(export),
        "--tenant-url",
        url,
        "--test-user",
        "kari.nordmann@example.com",
        "--eml",
        str(eml),
        "--attach",
        str(shot),
        env={"MOTIMATE_SCIM_TOKEN": TOKEN},
    )
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    assert ran.stdout.startswith("┏━ PREFLIGHT: READY ━")
    assert f"┃ Connection  OK           {url} accepted the token" in ran.stdout
    assert "┃ Test users  OK           kari.nordmann@example.com" in ran.stdout
    assert f"Draft written to {eml}" in ran.stdout
    assert {r.method for r in scim_http.recorder.requests} == {"GET"}
    message = BytesParser(policy=policy.default).parsebytes(ran.files["draft.eml"])
    body = message.get_body(("plain",)).get_content()
    assert f"Tenant URL: {url}" in body
    assert "- Connection test: OK, the URL and token were accepted (HTTP 200, " in body
    assert [p.get_filename() for p in message.iter_attachments()] == ["users.png"]
    no_token_anywhere(ran)


def test_connection_json_with_a_token_file_over_https(
    tmp_path: Path, scim_https: RunningServer, pki: Pki
) -> None:
    export = write_export(tmp_path, CLEAN_ROWS)
    token_file = tmp_path / "token.txt"
    token_file.write_text(TOKEN + "\n")
    url = scim_https.base + MOUNT
    report_file = tmp_path / "out" / "report.json"
    eml = tmp_path / "out" / "draft.eml"
    ran = preflight(
        tmp_path,
        str(export),
        "--tenant-url",
        url,
        "--token-file",
        str(token_file),
        "--ca-bundle",
        str(pki.ca_bundle),
        "-u",
        GUIDS[0],
        "--format",
        "json",
        "--output",
        str(report_file),
        "--eml",
        str(eml),
    )
    assert ran.exit_code == 0, ran.stderr
    data = valid_report(ran.files["report.json"].decode())
    assert data["connection"]["ok"] is True
    assert data["connection"]["url"] == url
    assert data["connection"]["status"] == 200
    assert data["connection"].get("skipped") is None
    assert data["preflight"]["verdict"] == "ready"
    assert data["email"]["eml"] == str(eml)
    no_token_anywhere(ran)


def test_a_refused_token_is_not_ready_and_never_shown(
    tmp_path: Path, scim_http: RunningServer
) -> None:
    export = write_export(tmp_path, CLEAN_ROWS)
    wrong = "Xq9" + TOKEN[3:]
    url = scim_http.base + MOUNT
    ran = preflight(
        tmp_path,
        str(export),
        "-u",
        GUIDS[0],
        "--format",
        "json",
        "--output",
        str(tmp_path / "out" / "report.json"),
        env={"MOTIMATE_SCIM_TENANT_URL": url, "MOTIMATE_SCIM_TOKEN": wrong},
    )
    assert ran.exit_code == 1
    data = valid_report(ran.files["report.json"].decode())
    assert data["connection"]["ok"] is False
    assert "C007" in [f["rule"] for f in data["connection"]["findings"]]
    assert data["preflight"]["parts"]["connection"] == "failed"
    assert data["preflight"]["verdict"] == "not-ready"
    assert data["email"]["drafted"] is True  # the draft says the test failed
    assert "- Connection test: FAILED: C007 " in data["email"]["text"]
    no_token_anywhere(ran, wrong)
    no_token_anywhere(ran, TOKEN)

    table = preflight(
        tmp_path,
        str(export),
        "-u",
        GUIDS[0],
        env={"MOTIMATE_SCIM_TENANT_URL": url, "MOTIMATE_SCIM_TOKEN": wrong},
    )
    assert table.exit_code == 1
    assert "┃ Connection  FAILED" in table.stdout
    assert "C007" in table.stdout
    no_token_anywhere(table, wrong)


@pytest.mark.parametrize(
    ("rows", "subject"),
    [
        # ola.hansen's P001 and the refused token: the subject names both, as the body does.
        (
            ROWS,
            "Motimate SCIM: not ready to turn on provisioning (1 user with errors, connection "
            "test failed) — Acme AS",
        ),
        (
            CLEAN_ROWS,
            "Motimate SCIM: not ready to turn on provisioning (connection test failed) — Acme AS",
        ),
    ],
)
def test_a_failed_connection_is_in_the_subject_of_the_draft(
    tmp_path: Path, shape_server: Callable[..., RunningServer], rows: list[str], subject: str
) -> None:
    """The draft is still written (the README's first command drafts one for a not-ready
    export), but its subject no longer says "ready" over a body that says FAILED."""
    server = shape_server(fixed(json_reply(401, {"detail": "Unauthorized"})))
    export = write_export(tmp_path, rows)
    eml = tmp_path / "out" / "draft.eml"
    ran = preflight(
        tmp_path,
        str(export),
        "--tenant-url",
        server.base + MOUNT,
        "-u",
        GUIDS[0],
        "--org",
        "Acme AS",
        "--eml",
        str(eml),
        env={"MOTIMATE_SCIM_TOKEN": TOKEN},
    )
    assert ran.exit_code == 1
    assert "┃ Connection  FAILED" in ran.stdout
    assert f"\nSubject: {subject}\n" in ran.stdout
    message = BytesParser(policy=policy.default).parsebytes(ran.files["draft.eml"])
    assert message["Subject"] == subject
    body = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "- Connection test: FAILED: C007 " in body
    assert "- Verdict: not ready\n" in body
    no_token_anywhere(ran)


def test_a_known_url_without_a_token_is_a_usage_error(tmp_path: Path) -> None:
    export = write_export(tmp_path)
    ran = preflight(tmp_path, str(export), "--tenant-url", "https://acme.motimateapp.com/scim/v1")
    assert ran.exit_code == 2
    assert ran.stdout == ""
    assert "MOTIMATE_SCIM_TOKEN" in ran.stderr and "--token-file" in ran.stderr


# ---- mapping, test users, inputs ----------------------------------------------------------------


def test_a_mapping_with_warnings_is_ok_but_not_said_to_follow_the_guide(tmp_path: Path) -> None:
    export = write_export(tmp_path, CLEAN_ROWS)
    schema = Path(__file__).parent / "data" / "schema-username-from-mail.json"
    ran = preflight(tmp_path, str(export), "-u", GUIDS[0], "--schema", str(schema))
    assert "┃ Mapping     OK " in ran.stdout
    assert f"{schema}: no errors; 1 warning(s) (M010)" in ran.stdout
    assert "follows the guide" not in ran.stdout


def test_schema_checks_the_mapping_and_ticks_the_checklist(tmp_path: Path) -> None:
    export = write_export(tmp_path, CLEAN_ROWS)
    guide = preflight(
        tmp_path,
        str(export),
        "-u",
        GUIDS[0],
        "--schema",
        str(SAMPLES / "entra-provisioning-schema-guide.json"),
    )
    assert guide.exit_code == 0, guide.stdout
    assert "┃ Mapping     OK " in guide.stdout
    assert f"{SAMPLES / 'entra-provisioning-schema-guide.json'} follows the guide" in guide.stdout
    assert "[x] Users are matched on objectId → externalId" in guide.stdout

    reverted = preflight(
        tmp_path,
        str(export),
        "-u",
        GUIDS[0],
        "--schema",
        str(SAMPLES / "entra-provisioning-schema-step29-revert.json"),
        "--format",
        "json",
    )
    assert reverted.exit_code == 1
    data = valid_report(reverted.stdout)
    assert data["mapping"]["ok"] is False
    assert "M002" in [f["rule"] for f in data["mapping"]["findings"]]
    assert data["preflight"]["parts"]["mapping"] == "failed"
    assert "[!] The step-29 revert is fixed" in data["email"]["text"]


def test_a_schema_sending_the_upn_without_mail_words_e003_so_and_gives_no_coalesce_advice(
    tmp_path: Path,
) -> None:
    no_mail = [",".join(v if i != 5 else "" for i, v in enumerate(r.split(","))) for r in ROWS]
    export = write_export(tmp_path, [CLEAN_ROWS[0], *no_mail[2:]])  # 5 users without mail
    data = json.loads((SAMPLES / "entra-provisioning-schema-guide.json").read_text("utf-8"))
    users = data["synchronizationRules"][0]["objectMappings"][0]["attributeMappings"]
    email = next(r for r in users if r["targetAttributeName"] == 'emails[type eq "work"].value')
    email["source"] = {
        "expression": "Coalesce([mail], [userPrincipalName])",
        "name": "Coalesce",
        "parameters": [
            {
                "key": "source",
                "value": {"expression": "[mail]", "name": "mail", "type": "Attribute"},
            },
            {
                "key": "defaultValue",
                "value": {
                    "expression": "[userPrincipalName]",
                    "name": "userPrincipalName",
                    "type": "Attribute",
                },
            },
        ],
        "type": "Function",
    }
    coalesce = tmp_path / "coalesce.json"
    coalesce.write_text(json.dumps(data), encoding="utf-8")

    def e003_and_advice(schema: Path) -> tuple[list[str], list[str]]:
        ran = preflight(
            tmp_path, str(export), "-u", GUIDS[0], "--schema", str(schema), "-f", "json"
        )
        assert ran.exit_code == 0, ran.stderr
        report = valid_report(ran.stdout)
        messages = [f["message"] for f in report["findings"] if f["rule"] == "E003"]
        return messages, [a["code"] for a in report["advice"]]

    assert e003_and_advice(coalesce) == (
        [
            "Email (mail) is empty: the schema's Coalesce([mail],[userPrincipalName]) sends the "
            "UPN instead, so the user syncs with the UPN as email address; fill in mail if the "
            "UPN receives no email"
        ]
        * 5,
        [],
    )
    assert e003_and_advice(SAMPLES / "entra-provisioning-schema-guide.json") == (
        [
            "Email (mail) is empty: the user syncs without an email address; fill in mail, or "
            "agree Coalesce([mail],[userPrincipalName]) with Motimate"
        ]
        * 5,
        ["coalesce-mail"],
    )


def test_an_unreadable_schema_is_a_usage_error(tmp_path: Path) -> None:
    export = write_export(tmp_path)
    schema = tmp_path / "schema.json"
    schema.write_text("{not json")
    ran = preflight(tmp_path, str(export), "--schema", str(schema))
    assert ran.exit_code == 2
    assert f"cannot read {schema}: not valid JSON" in ran.stderr


def test_test_user_problems_stop_the_email_and_the_verdict(tmp_path: Path) -> None:
    export = write_export(tmp_path, CLEAN_ROWS)
    eml = tmp_path / "out" / "draft.eml"
    ran = preflight(
        tmp_path,
        str(export),
        "-u",
        "kari.nordman@example.com",
        "--eml",
        str(eml),
        "--format",
        "json",
    )
    assert ran.exit_code == 1
    data = valid_report(ran.stdout)
    assert data["summary"]["verdict"] == "ready"  # the export itself is fine
    assert data["preflight"]["verdict"] == "not-ready"
    assert data["preflight"]["parts"]["test_users"] == "problems"
    assert data["email"]["drafted"] is False
    assert data["email"]["not_drafted_because"].startswith("1 test user(s) cannot be used.")
    assert data["email"]["problems"] == [
        {
            "test_user": "kari.nordman@example.com",
            "reason": "not-found",
            "message": "test user 'kari.nordman@example.com' is not in the export (looked for "
            "it as a UPN, ignoring case, and as an objectId). Closest UPNs in the export: "
            "kari.nordmann@example.com.",
            "closest": ["kari.nordmann@example.com"],
            "rules": [],
        }
    ]
    assert ran.files == {}  # no .eml


def test_force_drafts_with_a_failing_test_user_but_stays_not_ready(tmp_path: Path) -> None:
    export = write_export(tmp_path)
    eml = tmp_path / "out" / "draft.eml"
    ran = preflight(tmp_path, str(export), "-u", GUIDS[1], "--eml", str(eml), "--force")
    assert ran.exit_code == 1
    assert "┃ Test users  PROBLEMS     1 cannot be used" in ran.stdout
    assert "has errors: P001" in ran.stdout
    body = BytesParser(policy=policy.default).parsebytes(ran.files["draft.eml"])
    assert "ola.hansen@example.com (P001)" in body.get_body(("plain",)).get_content()


def test_an_unreadable_export_cannot_tell(tmp_path: Path) -> None:
    bad = tmp_path / "users.xlsx"
    bad.write_bytes(b"PK\x03\x04" + bytes(100))
    ran = preflight(tmp_path, str(bad), "--format", "json")
    assert ran.exit_code == 2
    data = valid_report(ran.stdout)
    assert data["summary"]["verdict"] == "unknown"
    assert data["preflight"]["verdict"] == "unknown"
    assert data["email"]["drafted"] is False
    assert data["email"]["not_drafted_because"] == "an export could not be read"


def test_a_missing_export_is_one_line_on_stderr_and_nothing_else(
    tmp_path: Path, shape_server: Callable[..., RunningServer]
) -> None:
    """As `check nope.csv`: the README's one line naming the file and the reason, exit 2, no
    report on stdout, no email, and the tenant is not contacted for nothing."""
    missing = tmp_path / "nope.csv"
    ran = preflight(tmp_path, str(missing))
    assert (ran.exit_code, ran.stdout, ran.stderr) == (
        2,
        "",
        f"motiscim: cannot read {missing}: no such file\n",
    )

    server = shape_server(fixed(json_reply(200, LIST_RESPONSE)))
    eml = tmp_path / "out" / "draft.eml"
    ran = preflight(
        tmp_path,
        str(missing),
        "--tenant-url",
        server.base + MOUNT,
        "-u",
        GUIDS[0],
        "--eml",
        str(eml),
        env={"MOTIMATE_SCIM_TOKEN": TOKEN},
    )
    assert (ran.exit_code, ran.stdout, ran.stderr) == (
        2,
        "",
        f"motiscim: cannot read {missing}: no such file\n",
    )
    assert ran.files == {}
    assert server.recorder.requests == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--format", "html"], "--format: choose one of table, json."),
        (["--fail-on", "sometimes"], "--fail-on: choose one of error, warning, info, never."),
        (["--region", "Norway"], "--region: a two-letter ISO country code"),
        (["--attach", "nope.png"], "--attach nope.png: cannot read it"),
    ],
)
def test_usage_errors(tmp_path: Path, monkeypatch, extra, message) -> None:
    monkeypatch.chdir(tmp_path)
    export = write_export(tmp_path)
    ran = preflight(tmp_path, str(export), *extra)
    assert ran.exit_code == 2
    assert message in ran.stderr
    assert ran.stdout == ""


def test_fail_on_warning_makes_warnings_not_ready(tmp_path: Path) -> None:
    rows = [*CLEAN_ROWS[:1], CLEAN_ROWS[1].replace(",Per,Berg,", ",Per,,")]  # N001 warning
    export = write_export(tmp_path, rows)
    assert preflight(tmp_path, str(export), "-u", GUIDS[0]).exit_code == 0
    strict = preflight(tmp_path, str(export), "-u", GUIDS[0], "--fail-on", "warning")
    assert strict.exit_code == 1
    # As in `check`: --fail-on decides the exit code; the verdict is what was found.
    assert strict.stdout.startswith("┏━ PREFLIGHT: READY ━")
    assert "┃ Fail on     WARNING      exit 1: warning findings (--fail-on)" in strict.stdout


def test_a_token_pasted_into_the_tenant_url_is_masked_everywhere(
    tmp_path: Path, scim_http: RunningServer
) -> None:
    export = write_export(tmp_path, CLEAN_ROWS)
    url = f"{scim_http.base}{MOUNT}?token={TOKEN}"
    for n, extra in enumerate((["--format", "json"], ["-o", str(tmp_path / "out" / "r.txt")])):
        eml = tmp_path / "out" / f"draft{n}.eml"
        ran = preflight(
            tmp_path,
            str(export),
            "--tenant-url",
            url,
            "-u",
            GUIDS[0],
            "--eml",
            str(eml),
            "--force",
            *extra,
            env={"MOTIMATE_SCIM_TOKEN": TOKEN},
        )
        assert ran.exit_code == 1  # C001: a tenant URL has no query
        assert f"draft{n}.eml" in ran.files
        no_token_anywhere(ran)
        written = b"".join(ran.files.values()).decode("utf-8", "replace") + ran.stdout
        assert f"{scim_http.base}{MOUNT}?***" in written  # the query is masked


# ---- the config file ----------------------------------------------------------------------------


def test_the_config_file_supplies_url_organisation_contact_and_test_users(
    tmp_path: Path, scim_http: RunningServer
) -> None:
    export = write_export(tmp_path, CLEAN_ROWS)
    url = scim_http.base + MOUNT
    (tmp_path / "motiscim.yaml").write_text(
        f"tenant_url: {url}\n"
        "organisation: Acme AS\n"
        "contact: Kari Nordmann <kari.nordmann@example.com>\n"
        f"test_users: [per.berg@example.com, {GUIDS[0]}]\n"
        "region: NO\n"
    )
    eml = tmp_path / "out" / "draft.eml"
    ran = preflight(tmp_path, str(export), "--eml", str(eml), env={"MOTIMATE_SCIM_TOKEN": TOKEN})
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    assert f"┃ Connection  OK           {url} accepted the token" in ran.stdout
    message = BytesParser(policy=policy.default).parsebytes(ran.files["draft.eml"])
    assert message["Subject"] == "Motimate SCIM: ready to turn on provisioning — Acme AS"
    assert message["From"] == "Kari Nordmann <kari.nordmann@example.com>"
    body = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert (
        f"{GUIDS[2]}  per.berg@example.com       per@berg.example\n"
        f"{GUIDS[0]}  kari.nordmann@example.com  kari.nordmann@example.com\n" in body
    )
    assert "SUGGESTED" not in body
    assert body.endswith("Best regards,\nKari Nordmann <kari.nordmann@example.com>\n")
    no_token_anywhere(ran)

    # The command line wins over the file.
    again = preflight(
        tmp_path,
        str(export),
        "--org",
        "Other AS",
        "-u",
        GUIDS[3],
        "--format",
        "json",
        env={"MOTIMATE_SCIM_TOKEN": TOKEN},
    )
    data = valid_report(again.stdout)
    assert data["email"]["subject"].endswith("— Other AS")
    assert [u["object_id"] for u in data["email"]["test_users"]] == [GUIDS[3]]


def test_a_reviewed_exception_lets_its_user_be_a_test_user(tmp_path: Path) -> None:
    export = write_export(tmp_path)
    (tmp_path / "motiscim.yaml").write_text(
        "exceptions:\n"
        "  - user: ola.hansen@example.com\n"
        "    rules: [P001]\n"
        "    reason: Number fixed in Entra today (IT-4711)\n"
    )
    ran = preflight(tmp_path, str(export), "-u", "ola.hansen@example.com", "--format", "json")
    assert ran.exit_code == 0, ran.stderr
    data = valid_report(ran.stdout)
    assert data["summary"]["verdict"] == "ready"
    assert [f["suppressed"] for f in data["findings"] if f["rule"] == "P001"] == [
        "Number fixed in Entra today (IT-4711)"
    ]
    assert data["email"]["test_users"][0]["user_principal_name"] == "ola.hansen@example.com"


def test_a_broken_config_file_is_a_usage_error(tmp_path: Path) -> None:
    export = write_export(tmp_path)
    (tmp_path / "motiscim.yaml").write_text("organisation: Acme AS\ntest_user: [x]\n")
    ran = preflight(tmp_path, str(export))
    assert ran.exit_code == 2
    assert ran.stdout == ""
    assert "motiscim preflight: config: " in ran.stderr
    assert "motiscim.yaml:2" in ran.stderr


# ---- the verdict says what is not ready; --fail-on only changes the exit code -------------------


def test_fail_on_never_keeps_the_verdict_and_only_changes_the_exit_code(tmp_path: Path) -> None:
    export = write_export(tmp_path)  # ola.hansen has a P001 error
    ran = preflight(tmp_path, str(export), "--fail-on", "never")
    assert ran.exit_code == 0
    assert ran.stdout.startswith("┏━ PREFLIGHT: NOT READY (export) ━")
    assert "┃ Export      NOT READY    1 of 7 users would fail to sync" in ran.stdout
    assert "┃ Fail on     NEVER        exit 0 although not ready (--fail-on never)" in ran.stdout
    assert "- Verdict: not ready\n" in ran.stdout  # the draft tells the truth as well

    as_json = preflight(tmp_path, str(export), "--fail-on", "never", "--format", "json")
    assert as_json.exit_code == 0
    data = valid_report(as_json.stdout)
    assert data["summary"]["verdict"] == "not-ready"
    assert data["preflight"]["verdict"] == "not-ready"
    assert data["preflight"]["failing"] == ["export"]
    assert (data["preflight"]["fail_on"], data["preflight"]["exit_code"]) == ("never", 0)


def test_only_the_mapping_failing_is_named_and_the_export_is_ready(tmp_path: Path) -> None:
    export = write_export(tmp_path, CLEAN_ROWS)
    schema = str(SAMPLES / "entra-provisioning-schema-step29-revert.json")
    ran = preflight(tmp_path, str(export), "-u", GUIDS[0], "--schema", schema)
    assert ran.exit_code == 1
    assert ran.stdout.startswith("┏━ PREFLIGHT: NOT READY (mapping) ━")
    assert "┃ Export      READY             all 6 users are predicted to sync" in ran.stdout
    assert f"┃ Mapping     NOT AS THE GUIDE  {schema} (M002)" in ran.stdout
    assert "NOT READY    " not in ran.stdout and "0 of 6" not in ran.stdout

    as_json = preflight(tmp_path, str(export), "-u", GUIDS[0], "--schema", schema, "-f", "json")
    data = valid_report(as_json.stdout)
    assert data["summary"]["users_with_errors"] == 0
    assert data["preflight"]["parts"]["export"] == "ready"
    assert data["preflight"]["parts"]["mapping"] == "failed"
    assert data["preflight"]["failing"] == ["mapping"]
    assert data["preflight"]["verdict"] == "not-ready"


def test_a_disabled_test_user_is_refused_and_named_in_the_headline(tmp_path: Path) -> None:
    rows = [row.replace("Manager,true,", "Manager,false,") for row in CLEAN_ROWS]  # per.berg
    export = write_export(tmp_path, rows)
    ran = preflight(tmp_path, str(export), "-u", "per.berg@example.com")
    assert ran.exit_code == 1
    assert ran.stdout.startswith("┏━ PREFLIGHT: NOT READY (test users) ━")
    assert "┃ Export      READY        all 6 users are predicted to sync; 1 with warnings" in (
        ran.stdout
    )
    assert "┃ Test users  PROBLEMS     1 cannot be used (disabled)" in ran.stdout
    assert "┃ Email       NOT DRAFTED  1 test user(s) cannot be used." in ran.stdout

    forced = preflight(tmp_path, str(export), "-u", "per.berg@example.com", "--force")
    assert forced.exit_code == 1
    assert "disabled (A001)" in forced.stdout
    assert "Note: these test users are disabled in Entra (accountEnabled false)" in forced.stdout


def test_a_test_user_named_by_upn_and_object_id_is_one_user(tmp_path: Path) -> None:
    export = write_export(tmp_path, CLEAN_ROWS)
    ran = preflight(
        tmp_path, str(export), "-u", "KARI.NORDMANN@example.com", "-u", GUIDS[0], "-f", "json"
    )
    assert ran.exit_code == 0, ran.stderr
    data = valid_report(ran.stdout)
    assert [u["object_id"] for u in data["email"]["test_users"]] == [GUIDS[0]]
    assert data["email"]["warnings"] == [
        f"test users 'KARI.NORDMANN@example.com' and '{GUIDS[0]}' are the same user "
        f"({export} row 1); it is listed once."
    ]
    assert data["email"]["text"].count(GUIDS[0]) == 1


# ---- the options `check` has --------------------------------------------------------------------


def test_select_and_ignore_choose_the_rules_as_in_check(tmp_path: Path) -> None:
    export = write_export(tmp_path)  # ola.hansen: P001
    ignored = preflight(tmp_path, str(export), "--ignore", "P001", "-f", "json")
    assert ignored.exit_code == 0, ignored.stderr
    data = valid_report(ignored.stdout)
    assert "P001" not in data["summary"]["by_rule"]
    assert data["preflight"]["verdict"] == "ready"

    selected = preflight(tmp_path, str(export), "--select", "E,U")
    assert selected.exit_code == 0
    assert selected.stdout.startswith("┏━ PREFLIGHT: READY ━")

    only_phones = preflight(tmp_path, str(export), "--select", "P", "-f", "json")
    assert only_phones.exit_code == 1
    assert valid_report(only_phones.stdout)["summary"]["by_rule"] == {"P001": 1}


@pytest.mark.parametrize(
    ("extra", "line"),
    [
        (
            ["--select", "Z9"],
            "motiscim preflight: --select: no rule Z9 (see `motiscim rules`).\n",
        ),
        (
            ["--ignore", "P01"],
            "motiscim preflight: --ignore: no rule P01; did you mean P001? (see `motiscim "
            "rules`).\n",
        ),
        (
            ["--column", "phone=mobile"],
            "motiscim preflight: --column: unknown Motimate attribute 'phone'; one of: "
            "employee_number, first_name, last_name, email, phone_number, position, "
            "external_id, active.\n",
        ),
    ],
)
def test_bad_rule_codes_and_columns_are_one_line_usage_errors(
    tmp_path: Path, extra: list[str], line: str
) -> None:
    export = write_export(tmp_path)
    ran = preflight(tmp_path, str(export), *extra)
    assert ran.exit_code == 2
    assert ran.stdout == ""
    assert ran.stderr == line


def test_column_feeds_an_attribute_from_another_header(tmp_path: Path) -> None:
    export = tmp_path / "users.csv"
    lines = write_export(tmp_path).read_text(encoding="utf-8-sig").splitlines()
    # the same users with a second, correct phone column
    lines = [lines[0] + ",privateMobile"] + [line + ",+4741234567" for line in lines[1:]]
    export.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    ran = preflight(tmp_path, str(export), "--column", "phone_number=privateMobile", "-f", "json")
    assert ran.exit_code == 0, ran.stderr
    data = valid_report(ran.stdout)
    assert data["sources"][0]["columns"]["phone_number"] == "privateMobile"
    assert data["summary"]["by_rule"] == {}


def test_redact_masks_users_in_the_report_but_not_in_the_eml(tmp_path: Path) -> None:
    export = write_export(tmp_path)
    eml = tmp_path / "out" / "draft.eml"
    args = [str(export), "-u", "per.berg@example.com", "-u", "kari.nordman@example.com"]
    table = preflight(tmp_path, *args, "--redact", "--force", "--eml", str(eml))
    assert table.exit_code == 1
    as_json = preflight(tmp_path, *args, "--redact", "--format", "json")
    assert as_json.exit_code == 1
    for output in (table.stdout, as_json.stdout):
        for value in (
            "per.berg@example.com",
            "per@berg.example",
            "ola.hansen@example.com",
            "98765432",
            "kari.nordman@example.com",
            "kari.nordmann@example.com",
        ):
            assert value not in output, value
    assert f" p***@e***.com   {GUIDS[2]}   p***@b***.example   3     no errors" in table.stdout
    draft = table.stdout[table.stdout.index("To: support@motimateapp.com\n") :]
    assert f"{GUIDS[2]}  p***@e***.com              p***@b***.example\n" in draft
    data = valid_report(as_json.stdout)
    assert [(u["user_principal_name"], u["email"]) for u in data["email"]["test_users"]] == [
        ("p***@e***.com", "p***@b***.example")
    ]
    assert data["email"]["problems"][0]["test_user"] == "k***@e***.com"
    assert data["email"]["problems"][0]["closest"] == ["k***@e***.com"]
    assert [f["value"] for f in data["findings"] if f["rule"] == "P001"] == [None]
    # The .eml is the email to send: Motimate needs the real values.
    body = BytesParser(policy=policy.default).parsebytes(table.files["draft.eml"])
    assert "per.berg@example.com" in body.get_body(("plain",)).get_content()


def test_redact_masks_a_test_users_object_id_that_is_not_a_guid(tmp_path: Path) -> None:
    # Ola's id column holds a phone number (X002): masked with the rest of his contact data
    row = ROWS[1].replace(GUIDS[1], "+4798712398").replace(",98765432,", ",+4798765432,")
    export = write_export(tmp_path, [ROWS[0], row])
    args = [str(export), "-u", "ola.hansen@example.com", "-u", "kari.nordmann@example.com"]
    table = preflight(tmp_path, *args, "--redact", "--force")  # --force: drafted all the same
    as_json = preflight(tmp_path, *args, "--redact", "--force", "--format", "json")
    assert (table.exit_code, as_json.exit_code) == (1, 1)
    for output in (table.stdout, as_json.stdout):
        assert "98712398" not in output
    assert f" k***@e***.com   {GUIDS[0]}   k***@e***.com   1     no errors" in table.stdout
    assert " o***@e***.com   +47******98" + " " * 28 + "o***@e***.com   2     has errors: X002" in (
        table.stdout
    )
    draft = table.stdout[table.stdout.index("To: support@motimateapp.com\n") :]
    assert "\n+47******98" + " " * 27 + "o***@e***.com              o***@e***.com\n" in draft
    data = valid_report(as_json.stdout)
    assert [u["object_id"] for u in data["email"]["test_users"]] == ["+47******98", GUIDS[0]]


def test_redact_masks_a_test_user_named_by_an_object_id_that_is_not_a_guid(
    tmp_path: Path,
) -> None:
    # Named by such an id, the user was masked in the test users' table, but not in the
    # "Problem: test user ola.hansen …" line, nor in the JSON's problems.
    row = ROWS[1].replace(GUIDS[1], "ola.hansen").replace(",ola.hansen@example.com,Ola", ",,Ola")
    export = write_export(tmp_path, [ROWS[0], row])
    args = [str(export), "-u", "ola.hansen", "-u", "kari.nordmann@example.com", "--redact"]
    table = preflight(tmp_path, *args, "--force")
    as_json = preflight(tmp_path, *args, "--force", "--format", "json")
    assert (table.exit_code, as_json.exit_code) == (1, 1)
    data = valid_report(as_json.stdout)
    assert data["email"]["problems"], "the test user has a problem to word"
    for output in (table.stdout, table.stderr, as_json.stdout, as_json.stderr):
        assert "ola.hansen" not in output


# ---- secrets in the tenant URL and header injection ---------------------------------------------


def test_the_query_and_password_of_the_tenant_url_appear_in_no_output(
    tmp_path: Path, scim_http: RunningServer
) -> None:
    secret = "Zq8sEcReT0nly4tests9x"
    export = write_export(tmp_path, CLEAN_ROWS)
    host = scim_http.base.removeprefix("http://")
    for n, (url, shown) in enumerate(
        [
            (f"{scim_http.base}{MOUNT}?sig={secret}", f"{scim_http.base}{MOUNT}?***"),
            (f"http://admin:{secret}@{host}{MOUNT}", f"http://***@{host}{MOUNT}"),
        ]
    ):
        eml = tmp_path / "out" / f"draft{n}.eml"
        common = [str(export), "--tenant-url", url, "-u", GUIDS[0], "--force"]
        env = {"MOTIMATE_SCIM_TOKEN": TOKEN}
        table = preflight(tmp_path, *common, "--eml", str(eml), env=env)
        as_json = preflight(tmp_path, *common, "-f", "json", env=env)
        assert (table.exit_code, as_json.exit_code) == (1, 1)  # C001
        for ran in (table, as_json):
            no_token_anywhere(ran, secret)
            no_token_anywhere(ran)
        data = valid_report(as_json.stdout)
        assert data["connection"]["url"] == shown
        assert [f["rule"] for f in data["connection"]["findings"]] == ["C001"]
        assert data["connection"]["findings"][0]["value"] == shown
        assert f"Tenant URL: {shown}\n" in data["email"]["text"]
        assert f"┃ Connection  FAILED       {shown} (C001)" in table.stdout
        assert scim_http.recorder.requests == []  # nothing sent to such a URL


@pytest.mark.parametrize(
    ("extra", "line"),
    [
        (
            ["--org", "Acme\r\nBcc: evil@example.com"],
            "motiscim preflight: --org: contains a control character (U+000D); give it on one "
            "line of plain text.\n",
        ),
        (
            ["--to", "csm@motimateapp.com\r\nBcc: evil@example.com"],
            "motiscim preflight: --to: contains a control character (U+000D); give it on one "
            "line of plain text.\n",
        ),
        (
            ["--from", "not an address <kari@>"],
            "motiscim preflight: --from: 'not an address <kari@>' is not a valid sender (There "
            'must be something after the @-sign); give "Name <address>", an address, or only '
            "a name.\n",
        ),
    ],
)
def test_header_injection_and_bad_senders_are_one_line_usage_errors(
    tmp_path: Path, extra: list[str], line: str
) -> None:
    export = write_export(tmp_path, CLEAN_ROWS)
    eml = tmp_path / "out" / "draft.eml"
    ran = preflight(tmp_path, str(export), "-u", GUIDS[0], "--eml", str(eml), *extra)
    assert ran.exit_code == 2
    assert ran.stdout == ""
    assert ran.stderr == line
    assert ran.files == {}


def test_command_modules_do_not_import_each_other() -> None:
    """What commands share lives outside motiscim_cli/commands: email and preflight share
    motiscim_cli.email_workflow, the schema work is motiscim_cli.mapping_run, the mapping and
    connection tables are in motiscim_cli/render, phone_error_counts is in report, the token
    prompt of connect and preflight is motiscim_cli.connect.prompt_for_token."""
    import ast

    from motiscim_cli import report

    def imports(name: str) -> list[ast.ImportFrom]:
        tree = ast.parse((ROOT / "motiscim_cli" / "commands" / f"{name}.py").read_text())
        return [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]

    def imported(name: str) -> set[str]:
        return {str(node.module) for node in imports(name)}

    def names_from(name: str, module: str) -> set[str]:
        return {a.name for node in imports(name) if node.module == module for a in node.names}

    commands = sorted(p.stem for p in (ROOT / "motiscim_cli" / "commands").glob("[!_]*.py"))
    assert {"check", "connect", "email", "mapping", "preflight"} <= set(commands)
    for name in commands:
        assert not {m for m in imported(name) if m.startswith("motiscim_cli.commands")}, name
        assert not {a.name for n in imports(name) for a in n.names if a.name == "commands"}, name
    assert "motiscim_cli.email_workflow" in imported("email") & imported("preflight")
    assert "motiscim_cli.mapping_run" in imported("mapping") & imported("preflight")
    for name in ("connect", "preflight"):
        assert "prompt_for_token" in names_from(name, "motiscim_cli.connect"), name
    assert callable(report.phone_error_counts)


def test_the_mapping_agreed_in_the_config_is_what_the_schema_is_checked_against(
    tmp_path: Path,
) -> None:
    export = write_export(tmp_path, CLEAN_ROWS)
    (tmp_path / "motiscim.yaml").write_text("mapping:\n  employee_number: '[mail]'\n")
    schema = str(SAMPLES / "entra-provisioning-schema-guide.json")
    ran = preflight(tmp_path, str(export), "-u", GUIDS[0], "--schema", schema, "-f", "json")
    assert ran.exit_code == 0, ran.stderr
    findings = valid_report(ran.stdout)["mapping"]["findings"]
    assert [(f["rule"], f["column"], f["value"], f["fix"]) for f in findings] == [
        ("M010", "userName", "[userPrincipalName]", "[mail]")
    ]
    table = preflight(tmp_path, str(export), "-u", GUIDS[0], "--schema", schema)
    assert "Agreed with Motimate (motiscim.yaml mapping): employee_number ← [mail]." in (
        table.stdout
    )


def test_a_word_like_url_password_hides_only_itself(tmp_path: Path) -> None:
    # Its runs of ten letters were masked as if they were the token's: the subject read "not
    # ready to turn on [token hidden]", and so did the body, in four places.
    export = write_export(tmp_path, CLEAN_ROWS)
    url = f"http://admin:Provisioning2024@127.0.0.1:{closed_port()}/scim/v1"
    ran = preflight(
        tmp_path,
        str(export),
        "--tenant-url",
        url,
        "-u",
        GUIDS[0],
        env={"MOTIMATE_SCIM_TOKEN": TOKEN},
    )
    assert ran.exit_code == 1
    assert "Subject: Motimate SCIM: not ready to turn on provisioning (connection test failed)" in (
        ran.stdout
    )
    assert "Provisioning2024" not in ran.stdout + ran.stderr
    no_token_anywhere(ran)
