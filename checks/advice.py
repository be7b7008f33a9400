"""The guide's own advice, computed from the findings: what to change in the setup itself.

Some problems are better solved once in the provisioning setup than user by user:

- **remove-mobile-mapping** — guide step 21: "If you are not confident that all phone numbers
  are correctly formatted, or there is not a need to synchronize phone numbers in Motimate, we
  recommend that you delete this attribute". Advised when many users have phone errors that
  no safe fix resolves (a finding of severity error on `phone_number` with `fix` None). The
  advice says how many users deleting the mapping would unblock: users with such an unfixable
  phone error whose errors are *all* phone errors. (Users whose phone errors all have a fix
  are left out: `motiscim fix` solves those without giving up phone numbers.)
- **coalesce-mail** — many users have no `mail` (E003): the usual remedy, to agree with
  Motimate, is the mapping expression `Coalesce([mail],[userPrincipalName])`, which sends the
  UPN where mail is empty. Not advised when the schema checked already maps it.

"Many" is `MIN_USERS` users *and* `MIN_SHARE` of all users: at least 5 users, so that a
handful of typos in a big tenant is fixed by hand rather than by giving up an attribute, and
at least 2 % of users, so that 5 bad numbers among 50 000 users do not trigger it either.
Both must hold; below them, fixing the few users is the better advice.

Pure: findings in, advice out. Suppressed findings (reviewed exceptions) are not counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from checks.model import Finding, Severity

MIN_USERS = 5
MIN_SHARE = 0.02

PHONE = "phone_number"


@dataclass(frozen=True, slots=True)
class Advice:
    """One recommendation about the setup, with the numbers behind it."""

    code: str  # stable identifier: "remove-mobile-mapping", "coalesce-mail"
    message: str
    users: int  # users the advice is about
    unblocks: int | None = None  # users that would sync after following it (when known)
    guide_step: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "users": self.users,
            "unblocks": self.unblocks,
            "guide_step": self.guide_step,
        }


def is_many(affected: int, users: int) -> bool:
    """At least `MIN_USERS` users and at least `MIN_SHARE` of all users."""
    return affected >= MIN_USERS and users > 0 and affected >= MIN_SHARE * users


def _user_key(finding: Finding) -> tuple[str | None, int] | None:
    return None if finding.row is None else (finding.source, finding.row)


def advise(
    findings: Iterable[Finding], users: int, *, email_falls_back_to_upn: bool = False
) -> list[Advice]:
    """The advice the findings call for; `users` is the number of users checked.
    `email_falls_back_to_upn`: the mapping already sends the UPN where mail is empty, so
    coalesce-mail is not advised."""
    unfixable_phone: set[tuple[str | None, int]] = set()
    error_attributes: dict[tuple[str | None, int], set[str | None]] = {}
    no_mail: set[tuple[str | None, int]] = set()
    for finding in findings:
        key = _user_key(finding)
        if key is None or finding.suppressed is not None:
            continue
        if finding.severity is Severity.ERROR:
            error_attributes.setdefault(key, set()).add(finding.attribute)
            if finding.attribute == PHONE and finding.fix is None:
                unfixable_phone.add(key)
        if finding.rule == "E003":
            no_mail.add(key)

    advice: list[Advice] = []
    if is_many(len(unfixable_phone), users):
        unblocks = sum(1 for key in unfixable_phone if error_attributes[key] == {PHONE})
        advice.append(
            Advice(
                code="remove-mobile-mapping",
                message=(
                    f"{len(unfixable_phone)} of {users} users have mobile numbers that cannot be "
                    "fixed automatically. Unless phone numbers are needed in Motimate, delete the "
                    "mobile → phoneNumbers mapping as the guide recommends (step 21): "
                    f"{unblocks} of these users would then sync, as their only errors are "
                    "phone errors. Otherwise correct the numbers in Entra (or AD) first."
                ),
                users=len(unfixable_phone),
                unblocks=unblocks,
                guide_step=21,
            )
        )
    if is_many(len(no_mail), users) and not email_falls_back_to_upn:
        advice.append(
            Advice(
                code="coalesce-mail",
                message=(
                    f"{len(no_mail)} of {users} users have no mail and would get no email "
                    "address in Motimate. Agree with Motimate to map the expression "
                    'Coalesce([mail],[userPrincipalName]) to emails[type eq "work"].value, '
                    "or fill in mail for these users."
                ),
                users=len(no_mail),
            )
        )
    return advice
