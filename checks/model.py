"""The findings model every rule produces and every renderer reads.

Rules are pure: they see plain values (a `UserRecord`, a URL, a mapping schema) and return
`Issue`s. The engine turns an `Issue` into a `Finding` by adding where it was found and whose
record it is, so a rule never has to know about files, rows or users.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal


class Severity(enum.StrEnum):
    """What a finding predicts about provisioning (DESIGN.md, "Who runs it")."""

    ERROR = "error"  # the user (or the whole setup) will fail to sync
    WARNING = "warning"  # it will sync, but something is probably wrong
    INFO = "info"  # worth knowing

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


FixConfidence = Literal["certain", "probable"]

# The Motimate attributes of the default mapping, in report order.
MOTIMATE_ATTRIBUTES: tuple[str, ...] = (
    "employee_number",
    "first_name",
    "last_name",
    "email",
    "phone_number",
    "position",
    "external_id",
    "active",
)

Scope = Literal["file", "user", "population", "connection", "mapping"]
# The scopes of the rules that check an export (`check` runs these; connect and mapping the rest).
EXPORT_SCOPES: tuple[Scope, ...] = ("file", "user", "population")


@dataclass(frozen=True, slots=True)
class Issue:
    """What a rule says about one value: the message and, when one is safe, the fix."""

    message: str
    fix: str | None = None
    fix_confidence: FixConfidence | None = None


@dataclass(slots=True)
class UserRecord:
    """One user as read from an export, keyed by Motimate attribute.

    `values` holds the raw text of the column that feeds each Motimate attribute (None when the
    column is absent or the cell empty/null). The context fields do not reach Motimate but make
    fixes better: the phone region comes from `usage_location` or `country`.
    """

    source: str
    row: int
    line: int | None = None
    pointer: str | None = None
    values: dict[str, str | None] = field(default_factory=dict)
    user_principal_name: str | None = None
    object_id: str | None = None
    account_enabled: bool | None = None
    user_type: str | None = None
    usage_location: str | None = None
    country: str | None = None
    directory_synced: bool | None = None
    columns: Mapping[str, str] = field(default_factory=dict)  # attribute -> source column
    malformed: str | None = None  # why the row could not be aligned with the header (F004)
    raw: Mapping[str, Any] | None = None

    def value(self, attribute: str) -> str | None:
        return self.values.get(attribute)

    @property
    def region(self) -> str | None:
        """The user's own ISO country code, when the export has a usable one."""
        for candidate in (self.usage_location, self.country):
            if candidate and len(candidate.strip()) == 2 and candidate.strip().isalpha():
                return candidate.strip().upper()
        return None


@dataclass(slots=True)
class Finding:
    """One rule's verdict on one place: a user's value, a file, the connection or the mapping."""

    rule: str
    severity: Severity
    message: str
    source: str | None = None
    row: int | None = None
    line: int | None = None
    pointer: str | None = None
    user_principal_name: str | None = None
    object_id: str | None = None
    attribute: str | None = None
    column: str | None = None
    value: str | None = None
    fix: str | None = None
    fix_confidence: FixConfidence | None = None
    # A tuple unless the finding names other rows: an empty list per finding was 13 MB of a
    # million-user report.
    related_rows: Sequence[int] = ()
    suppressed: str | None = None  # the reason of a reviewed exception, when one applies

    @classmethod
    def for_record(
        cls,
        rule: Rule,
        record: UserRecord,
        issue: Issue,
        *,
        attribute: str | None,
        column: str | None,
        value: str | None,
        related_rows: list[int] | None = None,
    ) -> Finding:
        return cls(
            rule=rule.code,
            severity=rule.severity,
            message=issue.message,
            source=record.source,
            row=record.row,
            line=record.line,
            pointer=record.pointer,
            user_principal_name=record.user_principal_name,
            object_id=record.object_id,
            attribute=attribute,
            column=column,
            value=value,
            fix=issue.fix,
            fix_confidence=issue.fix_confidence if issue.fix is not None else None,
            related_rows=related_rows or (),
        )


@dataclass(frozen=True, slots=True)
class Rule:
    """A catalogue entry. Its documentation is the docstring of the function that implements it."""

    code: str
    severity: Severity
    name: str
    scope: Scope
    attributes: tuple[str, ...]
    func: Callable[..., Any]
    exclusive: bool = False  # a hit ends the chain on the value, selected or not (`Chain`)
    describe: Callable[..., Issue] | None = None  # population rules: words the finding
    variants: bool = False  # population rule that flags differing spellings of one key
    order: int = 0  # registration sequence: the order of a chain on one attribute

    @property
    def doc(self) -> str:
        import inspect

        return inspect.cleandoc(self.func.__doc__ or "")

    @property
    def summary(self) -> str:
        return self.doc.split("\n", 1)[0]


@dataclass(frozen=True, slots=True)
class CheckContext:
    """Run-wide settings a rule may read."""

    default_region: str | None = None  # --region: ISO 3166 code used when a user has none
    # The provisioning schema sends the UPN where mail is empty (E003 words the user's sync so)
    email_falls_back_to_upn: bool = False


_REGISTRY: dict[str, Rule] = {}


def rule(
    code: str,
    severity: Severity,
    *,
    scope: Scope,
    attributes: tuple[str, ...] = (),
    exclusive: bool = False,
    describe: Callable[..., Issue] | None = None,
    variants: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a rule function under its stable code (ruff-style).

    Scopes and the signature each expects:

    - ``user``: ``func(value: str | None, record: UserRecord, ctx: CheckContext) -> Issue | None``,
      called once per record for each attribute in ``attributes``.
    - ``population``: ``func(value, record, ctx) -> str | None`` returns the comparison key of a
      value; records sharing a key form a group and ``describe(shown_value, other_rows,
      unnamed)`` words each member's finding (``other_rows``: at most the first 5 other
      members' rows as text, ``"7"``, or ``"7 of b.csv"`` when it is in another export;
      ``unnamed``: how many other members it leaves out). Only keys are kept, never whole
      records. With ``variants=True`` the group is a problem only when its members spell the
      value differently; ``describe(spelling, [(spelling, users), …], more_spellings,
      more_users)`` is called once per less common spelling with the 5 most common spellings
      and a count of the rest.
    - ``file``, ``connection``, ``mapping``: called by their own front ends with plain data.
    """

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        if code in _REGISTRY:
            raise ValueError(f"rule code {code} registered twice")
        if not func.__doc__:
            raise ValueError(f"rule {code} has no docstring: the docstring is its documentation")
        name = func.__name__.split("_", 1)[1] if "_" in func.__name__ else func.__name__
        _REGISTRY[code] = Rule(
            code=code,
            severity=severity,
            name=name.replace("_", "-"),
            scope=scope,
            attributes=attributes,
            func=func,
            exclusive=exclusive,
            describe=describe,
            variants=variants,
            order=len(_REGISTRY),
        )
        return func

    return register


def all_rules() -> dict[str, Rule]:
    """Every registered rule, by code, in catalogue order."""
    import checks.rules  # noqa: F401  (importing the package registers every rule module)

    order = "FUEPXNTACM"
    return dict(sorted(_REGISTRY.items(), key=lambda item: (order.index(item[0][0]), item[0])))


@dataclass(frozen=True, slots=True)
class Chain:
    """The per-user rules on one attribute, run on each value in registration order.

    `--select`/`--ignore` choose which findings are reported, never how a value is classified:
    an exclusive rule that fires claims the value even when it is not selected, so its issue
    is dropped and no later rule sees the value. Otherwise `--ignore P006` would hand
    `4.79877E+09` to P001, whose advice for it ("no digits at all: clear the field") is wrong.
    """

    # What is called: every selected rule, and the unselected exclusive ones before the last
    # of them (an unselected rule that claims nothing cannot change what is reported).
    rules: tuple[Rule, ...]
    reported: frozenset[str]  # the selected rules' codes: only their issues become findings

    def issues(
        self, value: str | None, record: UserRecord, ctx: CheckContext
    ) -> tuple[tuple[Rule, Issue], ...]:
        """The selected rules' issues on `value`, up to the first exclusive rule that fires."""
        found: list[tuple[Rule, Issue]] = []
        reported = self.reported
        for rule in self.rules:
            issue = rule.func(value, record, ctx)
            if issue is None:
                continue
            if rule.code in reported:
                found.append((rule, issue))
            if rule.exclusive:
                break
        return tuple(found)


def user_chains(selected: Iterable[Rule]) -> dict[str, Chain]:
    """The chain of each attribute a selected per-user rule checks, attributes in the order
    the selected rules name them."""
    catalogue = {code: r for code, r in all_rules().items() if r.scope == "user"}
    reported: dict[str, set[str]] = {}
    for rule in selected:
        if rule.scope == "user":
            catalogue[rule.code] = rule
            for attribute in rule.attributes:
                reported.setdefault(attribute, set()).add(rule.code)
    chains: dict[str, Chain] = {}
    for attribute, codes in reported.items():
        members = [r for r in catalogue.values() if attribute in r.attributes]
        members.sort(key=lambda r: r.order)
        last = max(at for at, r in enumerate(members) if r.code in codes)
        called = tuple(r for r in members[: last + 1] if r.code in codes or r.exclusive)
        chains[attribute] = Chain(called, frozenset(codes))
    return chains


def get_rule(code: str) -> Rule:
    rules = all_rules()
    try:
        return rules[code.upper()]
    except KeyError:
        raise KeyError(f"unknown rule code {code!r}") from None
