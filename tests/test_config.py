"""motiscim.yaml: discovery, validation with line numbers, CLI precedence, reviewed exceptions,
and `motiscim init`. The CLI tests run the real `check` command on small real exports."""

from __future__ import annotations

import json
import re
from importlib.resources import files
from pathlib import Path

import pytest
from typer.testing import CliRunner

from checks.model import Finding, Severity
from motiscim_cli.app import app
from motiscim_cli.config import (
    Config,
    ConfigError,
    ReviewedException,
    StaleException,
    apply_exceptions,
    find_config,
    load_config,
    parse_config,
)

HEADER = (
    "id,userPrincipalName,givenName,surname,mail,mobilePhone,jobTitle,accountEnabled,"
    "usageLocation\n"
)
KARI = "0f8fad5b-d9cb-469f-a165-70867728950e"
OLA = "7c9e6679-7425-40de-944b-e07fc1f90ae7"


def export(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "users.csv"
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def good_row(guid: str = OLA, upn: str = "ola@example.com") -> str:
    return f"{guid},{upn},Ola,Hansen,{upn},+4741234567,Engineer,True,NO"


def national_phone_row() -> str:
    # No usageLocation: the phone fix depends on --region / region:.
    return f"{KARI},kari@example.com,Kari,Nordmann,kari@example.com,98765432,Engineer,True,"


def run(*args: str, env: dict[str, str] | None = None):
    runner = CliRunner()
    return runner.invoke(app, list(args), env={"GITHUB_ACTIONS": "", "NO_COLOR": "", **(env or {})})


# ---- discovery -------------------------------------------------------------------------------


def test_found_in_a_parent_directory(tmp_path: Path) -> None:
    (tmp_path / "motiscim.yaml").write_text("region: SE\n")
    deep = tmp_path / "exports" / "2026"
    deep.mkdir(parents=True)
    assert find_config(deep) == (tmp_path / "motiscim.yaml").resolve()
    config = load_config(start=deep)
    assert config.region == "SE"
    assert config.path == (tmp_path / "motiscim.yaml").resolve()


def test_nearest_file_wins_and_none_means_defaults(tmp_path: Path) -> None:
    (tmp_path / "motiscim.yaml").write_text("region: SE\n")
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "motiscim.yaml").write_text("region: DK\n")
    assert load_config(start=inner).region == "DK"
    empty = tmp_path.parent / f"{tmp_path.name}-empty"
    empty.mkdir()
    if find_config(empty) is None:  # only when no parent of tmp has a motiscim.yaml
        assert load_config(start=empty) == Config()


def test_explicit_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(str(tmp_path / "nope.yaml"))


def test_a_directory_as_config_is_said_to_be_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--config /tmp said "no such config file", of a directory that exists."""
    with pytest.raises(ConfigError) as caught:
        load_config(str(tmp_path))
    assert str(caught.value) == (
        f"{tmp_path}: a directory, not a config file; name the file, e.g. "
        f"{tmp_path / 'motiscim.yaml'}"
    )
    path = export(tmp_path, good_row())
    monkeypatch.chdir(tmp_path)
    for command in (["check", str(path)], ["connect"], ["mapping", "schema.json"]):
        ran = run(*command, "--config", ".")
        assert (ran.exit_code, ran.stdout) == (2, ""), command
        assert ran.stderr == (
            "motiscim: config: .: a directory, not a config file; name the file, e.g. "
            "motiscim.yaml\n"
        ), command


# ---- validation, with the line ---------------------------------------------------------------


def error_of(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "motiscim.yaml")
    return caught.value


def test_unknown_key_names_the_line_and_a_suggestion() -> None:
    error = error_of("tenant_url: https://acme.motimateapp.com/scim/v1\n\nregoin: NO\n")
    assert error.line == 3
    assert str(error).startswith("motiscim.yaml:3: unknown key 'regoin' in the config file;")
    assert "did you mean 'region'?" in str(error)


def test_unknown_nested_key() -> None:
    error = error_of("rules:\n  select: [P]\n  ignorre: [T001]\n")
    assert (error.line, "unknown key 'ignorre' in rules; did you mean 'ignore'?") == (
        3,
        error.message.split(" (known")[0],
    )


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("test_users: kari@example.com\n", 1, "test_users must be a list"),
        ("region: NO\ncolumns:\n  - mobile\n", 3, "columns must be a mapping"),
        ("exceptions:\n  user: kari@example.com\n", 2, "exceptions must be a list of entries"),
        ("rules:\n  severity:\n    N001: fatal\n", 3, "must be error, warning or info"),
        ("organisation:\n  name: Acme\n", 2, "organisation must be text, not a mapping"),
        ("columns:\n  phone: mobile\n", 2, "unknown key 'phone' in columns"),
        ("region: Norway\n", 1, "two-letter ISO country code"),
        ("tenant_url: x\nregion: XX\n", 2, "like NO, not 'XX'"),
        ("rules:\n  select: [P01O]\n", 2, "'P01O' is not a rule code or prefix"),
        ("rules:\n  ignore: [Q]\n", 2, "no rule Q"),
    ],
)
def test_wrong_types_and_values_name_the_line(text: str, line: int, message: str) -> None:
    error = error_of(text)
    assert error.line == line
    assert message in error.message


QUOTE = " (quote it if it is meant as text)"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("tenant_url: 5\n", 1, "tenant_url must be text, not the number 5"),
        ("region: NO\ncontact: 5\n", 2, "contact must be text, not the number 5"),
        ("organisation: true\n", 1, "organisation must be text, not the boolean true"),
        ("mapping: {email: 5}\n", 1, "mapping.email must be text, not the number 5"),
        ("mapping:\n  email: 1.5\n", 2, "mapping.email must be text, not the number 1.5"),
        (
            "columns:\n  phone_number: .inf\n",
            2,
            "columns.phone_number must be text, not the number .inf",
        ),
        (
            "test_users: [kari@acme.no, 42]\n",
            1,
            "an item of test_users must be text, not the number 42",
        ),
        ("region: 47\n", 1, "region must be text, not the number 47"),
        ("rules:\n  select: [P, 1]\n", 2, "an item of rules.select must be text, not the number 1"),
        (
            "rules:\n  severity: {N001: 1}\n",
            2,
            "rules.severity.N001 must be text, not the number 1",
        ),
        (
            "exceptions:\n  - user: 12345\n    rules: [A001]\n    reason: ok\n",
            2,
            "exception user must be text, not the number 12345",
        ),
        (
            "exceptions:\n  - user: k\n    rules: [A001]\n    reason: False\n",
            4,
            "exception reason must be text, not the boolean False",
        ),
    ],
)
def test_a_number_or_boolean_where_text_is_expected_is_a_wrong_type(
    text: str, line: int, message: str
) -> None:
    """`tenant_url: 5` was taken as the text '5', while `tenant_url: [a]` was refused."""
    error = error_of(text)
    assert (str(error), error.line) == (f"motiscim.yaml:{line}: {message}{QUOTE}", line)


def test_quoted_numbers_and_yaml_1_1_words_stay_text() -> None:
    config = parse_config(
        "organisation: '5'\ncontact: !!str 7\nmapping: {email: \"1.5\"}\ntest_users: [on, 'true']\n"
    )
    assert (config.organisation, config.contact) == ("5", "7")
    assert config.mapping == {"email": "1.5"}
    assert config.test_users == ("on", "true")


def test_a_number_as_tenant_url_exits_2_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = export(tmp_path, good_row())
    (tmp_path / "motiscim.yaml").write_text("region: NO\ntenant_url: 5\n")
    monkeypatch.chdir(tmp_path)
    for command in (["check", str(path)], ["connect"], ["mapping", "schema.json"]):
        ran = run(*command)
        assert ran.exit_code == 2, command
        assert ran.stderr == (
            f"motiscim: config: {tmp_path / 'motiscim.yaml'}:2: tenant_url must be text, not "
            f"the number 5{QUOTE}\n"
        ), command


def test_exception_needs_a_reason_and_known_codes() -> None:
    missing = error_of("exceptions:\n  - user: kari@example.com\n    rules: [A001]\n")
    assert (missing.line, missing.message) == (
        2,
        "an exception needs 'reason' — say why this was reviewed and accepted",
    )
    empty = error_of("exceptions:\n  - user: kari@example.com\n    rules: [A001]\n    reason: ''\n")
    assert (empty.line, empty.message) == (4, "exception reason must not be empty")
    unknown = error_of("exceptions:\n  - user: k\n    rules: [A009]\n    reason: ok\n")
    assert unknown.line == 3 and "no rule A009" in unknown.message
    prefix = error_of("exceptions:\n  - user: k\n    rules: [A]\n    reason: ok\n")
    assert "'A' is not a rule code like P001" in prefix.message


def test_yaml_errors_and_unsafe_tags() -> None:
    assert error_of("region: [NO\n").line == 2
    huge = error_of("region: NO\nrules:\n  select: " + "1" * 5000 + "\n")
    assert (huge.line, huge.message) == (3, "not usable YAML: a number of more than 4300 digits")
    unsafe = error_of("tenant_url: !!python/object/apply:os.system ['echo hi']\n")
    assert "not valid YAML" in unsafe.message or "tag" in unsafe.message
    assert (
        error_of("region: SE\nregion: NO\n").message == "'region' appears twice in the config file"
    )


def test_values_are_taken_as_written() -> None:
    config = parse_config(
        "region: NO\n"  # YAML 1.1 would make this false
        "organisation: Yes\n"
        "contact: Kari Nordmann <kari@acme.no>\n"
        "test_users: [kari@acme.no, " + KARI + "]\n"
        "columns: {phone_number: mobile}\n"
        "mapping:\n  email: Coalesce([mail],[userPrincipalName])\n"
        "rules: {select: [u, E], ignore: [T001], severity: {N001: info}}\n"
    )
    assert config.region == "NO"
    assert config.organisation == "Yes"
    assert config.contact == "Kari Nordmann <kari@acme.no>"
    assert config.test_users == ("kari@acme.no", KARI)
    assert config.columns == {"phone_number": "mobile"}
    assert config.mapping == {"email": "Coalesce([mail],[userPrincipalName])"}
    assert config.rules.select == ("U", "E")
    assert config.rules.ignore == ("T001",)
    assert config.rules.severity == {"N001": Severity.INFO}


def test_mapping_keys_are_motimate_attributes_or_their_scim_attributes() -> None:
    config = parse_config(
        "mapping:\n"
        '  emails[type eq "work"].value: Coalesce([mail],[userPrincipalName])\n'
        "  employee_number: '[mail]'\n"
        "  ExternalId: '[objectId]'\n"
        "  active: Not([IsSoftDeleted])\n"
    )
    assert config.mapping == {
        "email": "Coalesce([mail],[userPrincipalName])",
        "employee_number": "[mail]",
        "external_id": "[objectId]",
        "active": "Not([IsSoftDeleted])",
    }
    assert parse_config("mapping:\n").mapping == {}


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            "mapping:\n  employee_number: [mail]\n",
            2,
            "mapping.employee_number must be an Entra expression in quotes, e.g. '[mail]': "
            "unquoted, YAML reads [mail] as a list",
        ),
        (
            "mapping:\n  emial: '[mail]'\n",
            2,
            "unknown attribute 'emial' in mapping; did you mean 'email'? (known: external_id, "
            "active, position, email, employee_number, first_name, last_name, phone_number, or "
            "the SCIM attribute each is sent as)",
        ),
        (
            "mapping:\n  email: '[mail]'\n  EMAILS[type eq \"work\"].value: '[upn]'\n",
            3,
            "mapping gives email twice (as 'EMAILS[type eq \"work\"].value' too)",
        ),
        ("mapping:\n  email:\n", 2, "mapping.email must not be empty"),
        ("mapping:\n  - email\n", 2, "mapping must be a mapping (key: value lines), not a list"),
    ],
)
def test_mapping_mistakes_name_the_line(text: str, line: int, message: str) -> None:
    error = error_of(text)
    assert (error.line, error.message) == (line, message)


def test_empty_file_is_defaults() -> None:
    assert parse_config("# nothing yet\n") == Config()


# ---- exceptions ------------------------------------------------------------------------------


def test_apply_exceptions_marks_and_never_drops() -> None:
    findings = [
        Finding(rule="A001", severity=Severity.WARNING, message="Disabled.", row=1,
                user_principal_name="Kari@Example.com", object_id=KARI),
        Finding(rule="P001", severity=Severity.ERROR, message="No plus.", row=1,
                user_principal_name="kari@example.com", object_id=KARI),
        Finding(rule="A001", severity=Severity.WARNING, message="Disabled.", row=2,
                user_principal_name="ola@example.com", object_id=OLA),
    ]  # fmt: skip
    exceptions = [
        ReviewedException("kari@example.com", ("A001",), "On leave (IT-1)"),
        ReviewedException(OLA.upper(), ("A001",), "Leaver (IT-2)"),
        ReviewedException("nobody@example.com", ("P001",), "Stale"),
    ]
    stale = apply_exceptions(findings, exceptions)
    assert [f.suppressed for f in findings] == ["On leave (IT-1)", None, "Leaver (IT-2)"]
    assert stale == [StaleException(exceptions[2], ("P001",))]


def test_apply_exceptions_names_idle_rules_and_the_exception_taken_first() -> None:
    findings = [
        Finding(rule="E001", severity=Severity.ERROR, message="Bad mail.", row=1,
                user_principal_name="kari@example.com", object_id=KARI),
        Finding(rule="A001", severity=Severity.WARNING, message="Disabled.", row=1,
                user_principal_name="kari@example.com", object_id=KARI),
    ]  # fmt: skip
    exceptions = [
        ReviewedException("kari@example.com", ("E001", "P001"), "Mailbox renamed (IT-1)", 2),
        ReviewedException(KARI, ("E001",), "Same user by Object ID (IT-2)", 5),
        ReviewedException(KARI, ("A001", "E001", "U003"), "Leaver (IT-3)", 8),
    ]
    stale = apply_exceptions(findings, exceptions)
    assert [f.suppressed for f in findings] == ["Mailbox renamed (IT-1)", "Leaver (IT-3)"]
    assert stale == [
        StaleException(exceptions[0], ("P001",)),
        StaleException(exceptions[1], (), (("E001", exceptions[0]),)),
        StaleException(exceptions[2], ("U003",), (("E001", exceptions[0]),)),
    ]
    path = Path("motiscim.yaml")
    first = "the exception for kari@example.com (E001, P001, motiscim.yaml:2)"
    assert [note for entry in stale for note in entry.notes(["E001", "P001", "U003"], path)] == [
        f"{first}: P001 matched no finding; remove P001 from it once the problem is fixed.",
        f"the exception for {KARI} (E001, motiscim.yaml:5) duplicates {first}, which suppresses "
        "the same finding first (its reason is the one reported); remove one of them.",
        f"the exception for {KARI} (A001, E001, U003, motiscim.yaml:8): U003 matched no finding; "
        "remove U003 from it once the problem is fixed.",
        f"the exception for {KARI} (A001, E001, U003, motiscim.yaml:8): for E001 it duplicates "
        f"{first}, which suppresses the same finding first (its reason is the one reported); "
        "remove E001 from one of them.",
    ]
    # A rule that did not run (--select E) is no stale one: P001 and U003 are not named.
    assert [note for entry in stale for note in entry.notes(["E001"], path)] == [
        f"the exception for {KARI} (E001, motiscim.yaml:5) duplicates {first}, which suppresses "
        "the same finding first (its reason is the one reported); remove one of them.",
        f"the exception for {KARI} (A001, E001, U003, motiscim.yaml:8): for E001 it duplicates "
        f"{first}, which suppresses the same finding first (its reason is the one reported); "
        "remove E001 from one of them.",
    ]


# ---- the check command with a config file ----------------------------------------------------


def test_config_region_and_cli_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = export(tmp_path, national_phone_row())
    (tmp_path / "motiscim.yaml").write_text("region: DK\n")
    monkeypatch.chdir(tmp_path)
    from_config = json.loads(run("check", str(path), "-f", "json").stdout)
    assert [(f["rule"], f["fix"]) for f in from_config["findings"]] == [("P001", "+4598765432")]
    from_cli = json.loads(run("check", str(path), "-f", "json", "--region", "NO").stdout)
    assert [(f["rule"], f["fix"]) for f in from_cli["findings"]] == [("P001", "+4798765432")]


def test_config_rules_and_cli_select(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = export(tmp_path, national_phone_row().replace(",Kari,", ",,"), good_row())
    (tmp_path / "motiscim.yaml").write_text(
        "region: NO\nrules:\n  ignore: [P]\n  severity: {N001: error}\n"
    )
    monkeypatch.chdir(tmp_path)
    ran = run("check", str(path), "-f", "json")
    document = json.loads(ran.stdout)
    assert [(f["rule"], f["severity"]) for f in document["findings"]] == [("N001", "error")]
    assert ran.exit_code == 1
    cli = json.loads(run("check", str(path), "-f", "json", "--ignore", "N").stdout)
    assert [f["rule"] for f in cli["findings"]] == ["P001"]


def test_exception_suppresses_with_reason_and_verdict_turns_ready(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = export(tmp_path, national_phone_row(), good_row())
    monkeypatch.chdir(tmp_path)
    before = run("check", str(path), "-f", "json", "--region", "NO")
    assert before.exit_code == 1
    (tmp_path / "motiscim.yaml").write_text(
        "exceptions:\n"
        f"  - user: {KARI}\n"
        "    rules: [P001]\n"
        "    reason: Number fixed in HR system, syncs tonight (IT-4711)\n"
        "  - user: gone@example.com\n"
        "    rules: [P001]\n"
        "    reason: Left in March\n"
    )
    after = run("check", str(path), "-f", "json", "--region", "NO")
    assert after.exit_code == 0, after.stderr
    document = json.loads(after.stdout)
    assert document["summary"]["verdict"] == "ready"
    assert document["summary"]["suppressed"] == 1
    assert document["summary"]["by_rule"] == {}
    [finding] = document["findings"]
    assert (finding["rule"], finding["suppressed"]) == (
        "P001",
        "Number fixed in HR system, syncs tonight (IT-4711)",
    )
    assert "exception for gone@example.com (P001, " in after.stderr
    assert "motiscim.yaml:5) matched no finding" in after.stderr
    table = run("check", str(path), "--region", "NO")
    assert "[suppressed: Number fixed in HR" in table.stdout
    assert "1 finding(s) suppressed by reviewed exceptions" in table.stdout
    assert "READY" in table.stdout


def test_check_notes_an_idle_rule_and_a_duplicate_exception_exactly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Kari's phone is fixed (no P001 any more); her mail is still broken (E001)
    path = export(tmp_path, national_phone_row().replace("kari@example.com,98", "kari@,+4798"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "motiscim.yaml").write_text(
        "exceptions:\n"
        "  - user: kari@example.com\n"
        "    rules: [E001, P001]\n"
        "    reason: Mailbox being renamed (IT-1)\n"
        f"  - user: {KARI}\n"
        "    rules: [E001]\n"
        "    reason: The same, by Object ID (IT-2)\n"
    )
    ran = run("check", str(path), "-f", "json")
    assert ran.exit_code == 0
    document = json.loads(ran.stdout)
    assert [(f["rule"], f.get("suppressed")) for f in document["findings"]] == [
        ("E001", "Mailbox being renamed (IT-1)"),
    ]
    config = tmp_path.resolve() / "motiscim.yaml"
    first = f"the exception for kari@example.com (E001, P001, {config}:2)"
    assert ran.stderr == (
        f"motiscim: note: {first}: P001 matched no finding; remove P001 from it once the "
        "problem is fixed.\n"
        f"motiscim: note: the exception for {KARI} (E001, {config}:5) duplicates {first}, which "
        "suppresses the same finding first (its reason is the one reported); remove one of "
        "them.\n"
    )


def test_config_error_exits_2_with_the_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = export(tmp_path, good_row())
    (tmp_path / "motiscim.yaml").write_text("region: NO\ncolums:\n  phone_number: mobile\n")
    monkeypatch.chdir(tmp_path)
    ran = run("check", str(path))
    assert ran.exit_code == 2
    assert re.search(r"motiscim: config: .*motiscim\.yaml:2: unknown key 'colums'", ran.stderr)
    assert "did you mean 'columns'?" in ran.stderr
    explicit = run("check", str(path), "--config", str(tmp_path / "other.yaml"))
    assert explicit.exit_code == 2 and "no such config file" in explicit.stderr


def test_config_columns_feed_the_loader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "users.csv"
    path.write_text(
        "id,userPrincipalName,givenName,surname,mail,privatePhone,mobilePhone,usageLocation\n"
        f"{KARI},kari@example.com,Kari,Nordmann,kari@example.com,98765432,+4741234567,NO\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    assert (
        json.loads(run("check", str(path), "-f", "json", "--select", "P").stdout)["findings"] == []
    )
    (tmp_path / "motiscim.yaml").write_text("columns:\n  phone_number: privatePhone\n")
    document = json.loads(run("check", str(path), "-f", "json", "--select", "P").stdout)
    assert [(f["rule"], f["column"]) for f in document["findings"]] == [("P001", "privatePhone")]
    cli = run(
        "check", str(path), "-f", "json", "--select", "P", "--column", "phone_number=mobilePhone"
    )
    assert json.loads(cli.stdout)["findings"] == []  # --column wins over columns:


# ---- init ------------------------------------------------------------------------------------


def test_init_dash_prints_the_template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    ran = run("init", "-")
    assert ran.exit_code == 0, ran.stderr
    template = files("motiscim_cli").joinpath("templates/motiscim.yaml").read_text("utf-8")
    assert ran.stdout == template
    assert list(tmp_path.iterdir()) == []  # no file named '-'


def test_init_writes_a_template_that_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    ran = run("init")
    assert ran.exit_code == 0, ran.stderr
    written = (tmp_path / "motiscim.yaml").read_text(encoding="utf-8")
    assert written == files("motiscim_cli").joinpath("templates/motiscim.yaml").read_text("utf-8")
    config = load_config()
    assert config == Config(path=(tmp_path / "motiscim.yaml").resolve())
    # Every example in the template is valid once uncommented.
    filled = re.sub(r"(?m)^  # ", "  ", written).replace("region:\n", "region: NO\n")
    config = parse_config(filled)
    assert config.region == "NO"
    assert config.columns == {"phone_number": "telephoneNumber"}
    assert config.mapping == {
        "email": "Coalesce([mail],[userPrincipalName])",
        "employee_number": "[mail]",
    }
    assert [(e.user, e.rules) for e in config.exceptions] == [("kari.nordmann@acme.no", ("A001",))]


def test_init_refuses_to_overwrite_without_force(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "motiscim.yaml").write_text("region: SE\n")
    refused = run("init")
    assert (refused.exit_code, refused.stderr) == (
        2,
        "motiscim: the config file motiscim.yaml already exists; pass --force to replace it.\n",
    )
    assert (tmp_path / "motiscim.yaml").read_text() == "region: SE\n"
    assert run("init", "--force").exit_code == 0
    assert (tmp_path / "motiscim.yaml").read_text().startswith("# motiscim.yaml")


def test_a_spelling_exception_for_another_user_says_whom_to_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # T001 is at the first user of the rarer spelling ("Sales Manager", user b). An exception
    # for user c, who spells it the same, matched nothing and was told "remove it once the
    # problem is fixed", though nothing was fixed.
    guids = [f"00000000-0000-4000-8000-00000000000{n}" for n in range(1, 6)]
    rows = [
        good_row(guids[n], f"{name}@example.com").replace("Engineer", title)
        for n, (name, title) in enumerate(
            [("a", "Sales manager"), ("b", "Sales Manager"), ("c", "Sales Manager"),
             ("d", "Sales manager"), ("e", "Sales manager")]
        )
    ]  # fmt: skip
    path = export(tmp_path, *rows)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "motiscim.yaml").write_text(
        "exceptions:\n  - user: c@example.com\n    rules: [T001]\n    reason: Their contract\n"
    )
    ran = run("check", str(path), "-f", "json")
    document = json.loads(ran.stdout)
    assert [(f["rule"], f["row"], f.get("suppressed")) for f in document["findings"]] == [
        ("T001", 2, None)
    ]
    config = tmp_path.resolve() / "motiscim.yaml"
    assert ran.stderr == (
        f"motiscim: note: the exception for c@example.com (T001, {config}:2): T001 matched no "
        "finding. T001 is reported once per spelling, at the first user who spells it so, and "
        "an exception for that user accepts the spelling for all of them: name the user the "
        "report names.\n"
    )


def test_the_templates_column_example_names_a_column_of_the_download(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # It named `mobile`, which the current download calls `mobilePhone`: uncommented, F002.
    monkeypatch.chdir(tmp_path)
    assert run("init").exit_code == 0
    config = tmp_path / "motiscim.yaml"
    text = config.read_text(encoding="utf-8")
    assert "  # phone_number: telephoneNumber\n" in text
    config.write_text(text.replace("  # phone_number:", "  phone_number:"), encoding="utf-8")
    sample = Path(__file__).resolve().parent.parent / "sample_exports" / "entra-users-download.csv"
    document = json.loads(run("check", str(sample), "-f", "json").stdout)
    assert document["sources"][0]["columns"]["phone_number"] == "telephoneNumber"
    assert not [f for f in document["findings"] if f["rule"] in ("F002", "F003")]
