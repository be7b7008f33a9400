"""Graph JSON: a property some users lack. Users read before the first one that has it must
still be checked for it (a user without `userPrincipalName` first in the file passed READY)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from motiscim_cli.app import app
from motiscim_cli.loaders import json_export


def user(n: int, **without: bool) -> dict[str, object]:
    full: dict[str, object] = {
        "id": f"00000000-0000-4000-8000-{n:012d}",
        "userPrincipalName": f"user{n}@example.com",
        "givenName": f"Giv{n}",
        "surname": f"Sur{n}",
        "mail": f"user{n}@example.com",
        "mobilePhone": f"+47412{n:05d}",
        "jobTitle": "Worker",
        "accountEnabled": True,
    }
    return {key: value for key, value in full.items() if not without.get(key)}


def check(path: Path) -> tuple[int, dict]:
    result = CliRunner().invoke(app, ["check", str(path), "-f", "json"], catch_exceptions=False)
    return result.exit_code, json.loads(result.stdout)


def found(report: dict) -> list[tuple[str, int | None]]:
    return [(f["rule"], f["row"]) for f in report["findings"]]


@pytest.mark.parametrize("lines", [False, True], ids=["graph-json", "graph-jsonl"])
def test_a_first_user_without_a_property_is_checked_for_it(tmp_path: Path, lines: bool) -> None:
    users = [user(1, userPrincipalName=True), user(2), user(3, id=True)]
    path = tmp_path / ("users.jsonl" if lines else "users.json")
    text = "\n".join(map(json.dumps, users)) if lines else json.dumps({"value": users})
    path.write_text(text, encoding="utf-8")
    code, report = check(path)
    assert (code, report["summary"]["verdict"]) == (1, "not-ready")
    assert found(report) == [("U001", 1), ("X001", 3)]


def test_users_before_and_after_the_first_with_mail_all_get_e003(tmp_path: Path) -> None:
    users = [
        user(1, mail=True),
        user(2, mail=True),
        user(3, mail=True),
        user(4),
        user(5, mail=True),
    ]
    path = tmp_path / "users.json"
    path.write_text(json.dumps({"value": users}), encoding="utf-8")
    _, report = check(path)
    assert found(report) == [("E003", 1), ("E003", 2), ("E003", 3), ("E003", 5)]


def test_a_property_met_after_the_hold_back_is_f010(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(json_export, "HELD_USERS", 3)
    users = [user(n, userPrincipalName=True) for n in range(1, 6)] + [user(6)]
    path = tmp_path / "users.json"
    text = json.dumps({"value": users}, indent=0)
    path.write_text(text, encoding="utf-8")
    code, report = check(path)
    assert code == 1
    # users 1-3 were handed on before userPrincipalName was met; 4 and 5 were still held
    f010 = report["findings"][0]
    assert (f010["rule"], f010["severity"], f010["row"], f010["column"]) == (
        "F010",
        "error",
        None,
        "userPrincipalName",
    )
    line = text.splitlines().index(f'"id": "{users[5]["id"]}",')  # the line of user 6's '{'
    assert f010["line"] == line
    assert f010["message"] == (
        f"The property 'userPrincipalName' (employee_number) first appears at row 6 (line "
        f"{line}), after 3 users had been checked without it: they lack it, so for "
        "them employee numbers (userName) were not checked. Export again so that every user "
        "has every property (empty ones as null)."
    )
    assert found(report)[1:] == [("U001", 4), ("U001", 5)]


def test_f010_counts_users_not_malformed_items(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A malformed item (F004) among the held ones was counted as a user checked without it.
    monkeypatch.setattr(json_export, "HELD_USERS", 4)
    items: list[object] = [user(1, mail=True), "not a user", user(2, mail=True), 7]
    items += [user(3, mail=True), user(4)]
    path = tmp_path / "users.json"
    path.write_text(json.dumps({"value": items}), encoding="utf-8")
    _, report = check(path)
    f010 = [f for f in report["findings"] if f["rule"] == "F010"]
    assert len(f010) == 1
    assert "after 2 users had been checked without it" in f010[0]["message"]
    assert "first appears at row 6 " in f010[0]["message"]
    assert report["summary"]["users"] == 6  # every item read is accounted for
    assert sorted((f["rule"], f["row"]) for f in report["findings"] if f["row"] is not None) == [
        ("E003", 5),
        ("F004", 2),
        ("F004", 4),
    ]


def test_a_property_no_user_has_is_f003_and_never_f010(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(json_export, "HELD_USERS", 2)
    users = [user(n, accountEnabled=True) for n in range(1, 6)]
    path = tmp_path / "users.json"
    path.write_text(json.dumps({"value": users}), encoding="utf-8")
    code, report = check(path)
    assert code == 0
    assert found(report) == [("F003", None)]
    assert report["summary"]["users"] == 5
