"""A JSON Lines line that starts with valid JSON and goes on with something that is not is one
broken record for that line (was: an element record for its start, then a broken record whose
row and line disagreed with the message), and the character its message names counts from the
start of the line."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from motiscim_cli.app import app
from motiscim_cli.loaders.json_export import _Scanner


def graph_user(number: int) -> dict[str, object]:
    return {
        "id": f"00000000-0000-4000-8000-{number:012d}",
        "userPrincipalName": f"user{number}@example.com",
        "givenName": f"Given{number}",
        "surname": "Berg",
        "mail": f"user{number}@example.com",
        "mobilePhone": "+4798765432",
        "jobTitle": "Engineer",
        "accountEnabled": True,
    }


SECOND_LINES = [
    '  "value": [',  # the second line of a pretty-printed page pasted into the file
    '"x", {"userPrincipalName": "user2@example.com", "id": "2"',
    f'{json.dumps(graph_user(2))} {{"id": "cut',
]


@pytest.mark.parametrize("chunk", [1, 3, 64, 1 << 16])
@pytest.mark.parametrize("second", SECOND_LINES)
def test_a_line_valid_at_its_start_only_is_one_broken_item(second: str, chunk: int) -> None:
    text = "\n".join([json.dumps(graph_user(1)), second, json.dumps(graph_user(3))]) + "\n"
    items = list(_Scanner(io.StringIO(text), chunk=chunk).items())
    assert [(item.kind, item.line) for item in items] == [
        ("user", 1),
        ("broken", 2),
        ("user", 3),
    ]


def test_the_report_has_one_f004_per_broken_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    export = tmp_path / "users.jsonl"
    lines = [json.dumps(graph_user(1)), '  "value": [', json.dumps(graph_user(3))]
    export.write_bytes(("\n".join(lines) + "\n").encode())
    result = CliRunner().invoke(app, ["check", str(export), "--format", "json"])
    report = json.loads(result.stdout)
    assert result.exit_code == 1
    assert report["summary"]["users"] == 3
    assert [(f["rule"], f["row"]) for f in report["findings"]] == [("F004", 2)]
    assert report["findings"][0]["message"].startswith(
        "Line 2 is not valid JSON (expecting value at character 10), so the user on it could "
        "not be read or checked"
    )


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 64, 1 << 16])
def test_the_character_named_counts_the_line_s_indentation(chunk: int) -> None:
    # The first line after the first user: the scanner had stepped over its indentation, so
    # ':' (character 10 of '  "value": [') was called character 8 (and 10 with a big chunk).
    text = "\n".join([json.dumps(graph_user(1)), '  "value": [', '\t  "value": [']) + "\n"
    items = list(_Scanner(io.StringIO(text), chunk=chunk).items())
    assert [(item.kind, item.line, item.value[0]) for item in items[1:]] == [
        ("broken", 2, "expecting value at character 10"),
        ("broken", 3, "expecting value at character 11"),
    ]
