"""A 20 000-user uniqueness group makes a report linear in its size: `motiscim check --format
json` on one export where everyone shares a mailbox, a userPrincipalName and an object ID, and
spells one job title 20 000 ways. Structure and size only, no timing."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import jsonschema
from typer.testing import CliRunner

from motiscim_cli.app import app

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "motiscim_cli/schemas/report-v1.schema.json").read_text())
USERS = 20_000
OBJECT_ID = "0f8fad5b-d9cb-469f-a165-70867728950e"
# Naming every other member cost about 20 bytes per member per finding (message and
# related_rows): 400 000 bytes per finding here.
BYTES_PER_FINDING = 1_000


def _title(index: int) -> str:
    """Spelling `index` of one job title: case of its 12 letters, then the separator."""
    letters = [c.upper() if index >> bit & 1 else c for bit, c in enumerate("salesmanager")]
    separator = " -_./"[index >> 12]
    return "".join(letters[:5]) + separator + "".join(letters[5:])


def test_everyone_sharing_one_value_gets_one_finding_each_naming_five_others(
    tmp_path: Path,
) -> None:
    export = tmp_path / "frontline.csv"
    with export.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "userPrincipalName", "givenName", "surname", "mail",
                         "mobilePhone", "jobTitle", "accountEnabled"])  # fmt: skip
        for index in range(USERS):
            shared = [OBJECT_ID, "shared@example.com", "Kari", "Nordmann", "frontline@example.com"]
            writer.writerow([*shared, "+4741234567", _title(index), "true"])
    result = CliRunner().invoke(app, ["check", str(export), "--format", "json"])
    assert result.exit_code == 1
    text = result.stdout
    report = json.loads(text)
    findings = report["findings"]

    # Every user is accounted for: one finding per rule and member (T001: per less common
    # spelling, each spelling here having one user).
    assert Counter(f["rule"] for f in findings) == {
        "U003": USERS,
        "E004": USERS,
        "X003": USERS,
        "T001": USERS - 1,
    }
    for code in ("U003", "E004", "X003"):
        rows = sorted(f["row"] for f in findings if f["rule"] == code)
        assert rows == list(range(1, USERS + 1))
    assert report["summary"]["users"] == USERS

    # Linear: a bounded number of rows named per finding, a bounded report per finding.
    assert max(len(f["related_rows"]) for f in findings) == 5
    assert len(text.encode()) < BYTES_PER_FINDING * len(findings)
    by_row = {(f["rule"], f["row"]): f for f in findings}
    first, last = by_row["E004", 1], by_row["E004", USERS]
    assert (first["message"], first["related_rows"]) == (
        "The same email address is on row(s) 2, 3, 4, 5, 6 and 19994 more: shared mailboxes "
        "or a copy error?",
        [2, 3, 4, 5, 6],
    )
    assert (last["message"], last["related_rows"]) == (
        "The same email address is on row(s) 1, 2, 3, 4, 5 and 19994 more: shared mailboxes "
        "or a copy error?",
        [1, 2, 3, 4, 5],
    )
    assert by_row["U003", USERS]["message"].endswith(
        "is used on row(s) 1, 2, 3, 4, 5 and 19994 more; only one of these users can sync"
    )
    assert by_row["X003", USERS]["message"].startswith(
        "externalId is not unique: the same value is on row(s) 1, 2, 3, 4, 5 and 19994 more;"
    )
    titles = {f["message"] for f in findings if f["rule"] == "T001"}
    assert titles == {
        "Job title spelled several ways, each a separate position in Motimate: "
        "'SALES MANAGER' (1 user); 'SALES MANAGEr' (1 user); 'SALES MANAGeR' (1 user); "
        "'SALES MANAGer' (1 user); 'SALES MANAgER' (1 user); "
        "and 19995 more spellings (19995 users)"
    }

    # The capped report still follows the contract (a sample: validating 80 000 findings
    # costs more than the check).
    jsonschema.validate({**report, "findings": findings[:: len(findings) // 50]}, SCHEMA)
