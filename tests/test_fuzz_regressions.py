"""Inputs that once crashed a loader or lost a user, found by fuzzing (`fuzz/fuzz_loaders.py`,
atheris) or by the property tests (`tests/test_properties.py`, hypothesis). Each is kept as
the smallest bytes that showed the bug, with the answer now given."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from motiscim_cli.app import app
from motiscim_cli.loaders import open_export

USER_ID = "0f8fad5b-d9cb-469f-a165-70867728950e"


def check_json(path: Path) -> tuple[int, str, dict]:
    config = path.parent / "motiscim.yaml"
    config.write_text("", encoding="utf-8")
    result = CliRunner().invoke(
        app,
        ["check", str(path), "--format", "json", "--config", str(config)],
        catch_exceptions=False,
    )
    return result.exit_code, result.stderr, json.loads(result.stdout)


def test_json_lines_user_with_a_value_list_is_a_user_not_an_empty_page(tmp_path: Path) -> None:
    """hypothesis: `{"id": …, "value": []}` was streamed as a Graph page and the user lost."""
    path = tmp_path / "users.jsonl"
    path.write_text(
        json.dumps({"id": USER_ID}) + "\n" + json.dumps({"id": USER_ID, "value": []}) + "\n",
        encoding="utf-8",
    )
    with open_export(str(path)) as export:
        records = list(export.records())
    assert [(r.row, r.object_id, r.malformed) for r in records] == [
        (1, USER_ID, None),
        (2, USER_ID, None),
    ]
    code, stderr, report = check_json(path)
    assert (code, stderr, report["summary"]["users"]) == (1, "", 2)


def test_a_user_with_value_and_a_null_error_property_is_a_user(tmp_path: Path) -> None:
    """hypothesis: `{"id": …, "value": [], "error": null}` was taken for an empty page (any
    "error" key meant "not a user"); only an "error" object is a Graph error body."""
    user = {"id": USER_ID, "value": [], "error": None}
    path = tmp_path / "users.jsonl"
    path.write_text(json.dumps({"id": USER_ID}) + "\n" + json.dumps(user) + "\n")
    with open_export(str(path)) as export:
        assert [(r.row, r.object_id) for r in export.records()] == [(1, USER_ID), (2, USER_ID)]
    alone = tmp_path / "user.jsonl"
    alone.write_text(json.dumps(user) + "\n")
    _, stderr, report = check_json(alone)
    assert (stderr, report["summary"]["users"]) == ("", 1)


def test_a_lone_user_with_a_value_list_is_read(tmp_path: Path) -> None:
    path = tmp_path / "user.json"
    path.write_text(json.dumps({"userPrincipalName": "kari@example.com", "value": [1]}))
    with open_export(str(path)) as export:
        [record] = export.records()
    assert (record.user_principal_name, record.pointer) == ("kari@example.com", "")


def test_a_graph_page_is_still_a_page(tmp_path: Path) -> None:
    path = tmp_path / "page.json"
    page = {"@odata.context": "x", "value": [{"id": USER_ID}, {"id": USER_ID}]}
    path.write_text(json.dumps(page))
    with open_export(str(path)) as export:
        assert [r.pointer for r in export.records()] == ["/value/0", "/value/1"]


def test_lone_surrogate_escapes_become_replacement_characters(tmp_path: Path) -> None:
    """Found by hand while fuzzing: `"\\ud83d"` (half an emoji, cut off by the exporting tool)
    reached the report writers as a lone surrogate, which UTF-8 cannot encode: json, jsonl,
    csv, sarif and github output crashed with UnicodeEncodeError. Now U+FFFD, flagged F005."""
    path = tmp_path / "users.json"
    path.write_text(
        '{"value": [{"id": "USER_ID", "userPrincipalName": "kari@example.com", '
        '"givenName": "Kari \\ud83d", "surname": "N\\udfff", "\\ud800x": ["\\udbff"]}]}'.replace(
            "USER_ID", USER_ID
        ),
        encoding="ascii",
    )
    with open_export(str(path)) as export:
        [record] = export.records()
        findings = export.file_findings()
    assert record.values["first_name"] == "Kari \ufffd"
    assert record.values["last_name"] == "N\ufffd"
    assert record.raw is not None and record.raw["\ufffdx"] == ["\ufffd"]
    assert [f.rule for f in findings if f.rule == "F005"] == ["F005"]
    for output_format in ("json", "jsonl", "csv", "sarif", "github", "junit", "html"):
        config = tmp_path / "motiscim.yaml"
        config.write_text("", encoding="utf-8")
        result = CliRunner().invoke(
            app,
            ["check", str(path), "--format", output_format, "--config", str(config)],
            catch_exceptions=False,
        )
        assert result.exit_code == 0, (output_format, result.output)  # F005 is a warning


def test_a_valid_surrogate_pair_is_one_character(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    path.write_text(
        '{"value": [{"id": "USER_ID", "givenName": "Kari \\ud83d\\ude00"}]}'.replace(
            "USER_ID", USER_ID
        ),
        encoding="ascii",
    )
    with open_export(str(path)) as export:
        [record] = export.records()
    assert record.values["first_name"] == "Kari 😀"
