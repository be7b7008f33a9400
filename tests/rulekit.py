"""Helpers for rule tests: build records the way loaders do and run the real engine on them."""

from __future__ import annotations

from checks.engine import Checker, select_rules
from checks.model import CheckContext, Finding, UserRecord

DEFAULT_COLUMNS = {
    "employee_number": "userPrincipalName",
    "first_name": "givenName",
    "last_name": "surname",
    "email": "mail",
    "phone_number": "mobilePhone",
    "position": "jobTitle",
    "external_id": "id",
    "active": "accountEnabled",
}

GOOD = {
    "employee_number": "kari.nordmann@example.com",
    "first_name": "Kari",
    "last_name": "Nordmann",
    "email": "kari.nordmann@example.com",
    "phone_number": "+4741234567",
    "position": "Engineer",
    "external_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
    "active": "true",
}


def record(row: int = 1, **values: str | None) -> UserRecord:
    merged = {**GOOD, **values}
    enabled = merged.get("active")
    return UserRecord(
        source="users.csv",
        row=row,
        line=row + 1,
        values=merged,
        columns=DEFAULT_COLUMNS,
        user_principal_name=merged.get("employee_number"),
        object_id=merged.get("external_id"),
        account_enabled=None if enabled is None else enabled.lower() == "true",
    )


def run(records: list[UserRecord], select: list[str], region: str | None = None) -> list[Finding]:
    checker = Checker(select_rules(select=select), CheckContext(default_region=region))
    findings = [f for r in records for f in checker.check(r)]
    return findings + checker.finish()


def hits(records: list[UserRecord], select: list[str]) -> list[tuple]:
    """(rule, row, value, fix, fix_confidence) of every finding, in order."""
    return [(f.rule, f.row, f.value, f.fix, f.fix_confidence) for f in run(records, select)]
