"""active ← Switch([IsSoftDeleted], …): whether the user is enabled in Motimate."""

from __future__ import annotations

from checks.model import CheckContext, Issue, Severity, UserRecord, rule


@rule("A001", Severity.WARNING, scope="user", attributes=("active",))
def a001_account_disabled(value: str | None, record: UserRecord, ctx: CheckContext) -> Issue | None:
    """The account is disabled (accountEnabled is false).

    Entra's provisioning service does not create disabled users in the target application,
    so this user will not appear in Motimate even though it is assigned. Check that this is
    intended (a leaver, a service account), or enable the account in Entra.
    """
    if record.account_enabled is False:
        return Issue("Account is disabled in Entra: it will not be provisioned to Motimate")
    return None
