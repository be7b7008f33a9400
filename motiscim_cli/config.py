"""`motiscim.yaml`: settings that make runs repeatable, and reviewed exceptions.

Found in the working directory or the nearest parent that has one, or named with `--config
FILE`. Every command loads it the same way: `load_config(explicit) -> Config`; options given on
the command line win over it.

The schema (every key optional; `motiscim init` writes a commented template):

    tenant_url: https://acme.motimateapp.com/scim/v1   # string
    region: NO                                         # ISO 3166 two-letter code (phone fixes)
    organisation: Acme AS                              # string (the email's subject and body)
    contact: Kari Nordmann <kari@acme.no>              # string (the email's sign-off / From)
    test_users: [kari@acme.no, 0f8fad5b-…]             # list of UPNs or Object IDs
    columns:                                           # Motimate attribute -> export header
      phone_number: telephoneNumber
    mapping:                                           # Motimate attribute (or its SCIM
      email: Coalesce([mail],[userPrincipalName])      #   target) -> the Entra source agreed
      employee_number: '[mail]'                        #   with Motimate (quote a leading [)
    rules:
      select: [U, E, P]                                # codes or prefixes to run
      ignore: [T001]                                   # codes or prefixes to skip
      severity: {N001: info, E003: error}              # full code -> error | warning | info
    exceptions:                                        # reviewed: shown as suppressed, never
      - user: kari@acme.no                             #   dropped, never deciding the verdict
        rules: [A001]                                  # full codes
        reason: On leave until May; account re-enabled before go-live (IT-4711)

`mapping` is what `motiscim mapping` expects instead of the guide's source for that attribute:
exactly that expression (spacing and case aside) is accepted, anything else is reported (M010).

Mistakes stop the run with the file and line (exit 2): an unknown key (with a suggestion), a
wrong type, an unknown rule code or attribute, an exception without a reason. YAML is read with
the safe loader, and every scalar is taken as written — `region: NO` is Norway, not YAML 1.1's
`false` — except a number or true/false where text is expected (`tenant_url: 5`): that is a
wrong type too, and quoting it ('5') makes it text.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from checks.mapping_schema import GUIDE_USER_MAPPING, guide_entry
from checks.model import MOTIMATE_ATTRIBUTES, Finding, Severity

# PyYAML is imported when there is a file to read (`parse_config`), not by every command that
# looks for one: without a motiscim.yaml, `motiscim check` never needs it. The reader's
# functions below only run on nodes it composed, so their `from yaml.nodes import …` is a
# lookup in sys.modules.
if TYPE_CHECKING:
    from yaml.nodes import Node

CONFIG_NAME = "motiscim.yaml"
FULL_CODE = re.compile(r"[A-Z]\d{3}")
CODE_OR_PREFIX = re.compile(r"[A-Z]\d{0,3}")
_NULLS = {"", "~", "null", "Null", "NULL"}
_STANDARD_TAGS = {
    f"tag:yaml.org,2002:{name}" for name in ("str", "null", "bool", "int", "float", "seq", "map")
}


class ConfigError(Exception):
    """A config file that cannot be used: where, and what is wrong."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.message = message

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class ReviewedException:
    """One reviewed exception: these rules, for this user, are known and accepted."""

    user: str  # a UPN or an Object ID, compared case-insensitively
    rules: tuple[str, ...]
    reason: str
    line: int | None = None  # where it is written, for messages

    def matches(self, finding: Finding) -> bool:
        if finding.rule not in self.rules:
            return False
        wanted = self.user.strip().casefold()
        return any(
            key is not None and key.strip().casefold() == wanted
            for key in (finding.user_principal_name, finding.object_id)
        )


@dataclass(frozen=True, slots=True)
class RulesConfig:
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Config:
    path: Path | None = None  # None: no file was found, these are the defaults
    tenant_url: str | None = None
    region: str | None = None
    organisation: str | None = None
    contact: str | None = None
    test_users: tuple[str, ...] = ()
    columns: Mapping[str, str] = field(default_factory=dict)
    mapping: Mapping[str, str] = field(default_factory=dict)
    rules: RulesConfig = field(default_factory=RulesConfig)
    exceptions: tuple[ReviewedException, ...] = ()


# ---- finding and loading ---------------------------------------------------------------------


def find_config(start: Path | None = None) -> Path | None:
    """The nearest `motiscim.yaml` in `start` (default: the working directory) or its parents."""
    directory = (start or Path.cwd()).resolve()
    for candidate in (directory, *directory.parents):
        path = candidate / CONFIG_NAME
        if path.is_file():
            return path
    return None


def load_config(explicit: str | None = None, *, start: Path | None = None) -> Config:
    """The config to use: the file named by `--config`, else the nearest `motiscim.yaml`,
    else defaults. Raises `ConfigError` (exit 2 in every command) when the file is unusable."""
    if explicit is not None:
        path = Path(explicit)
        if path.is_dir():
            raise ConfigError(
                explicit,
                None,
                f"a directory, not a config file; name the file, e.g. {path / CONFIG_NAME}",
            )
        if not path.is_file():
            raise ConfigError(explicit, None, "no such config file")
    else:
        found = find_config(start)
        if found is None:
            return Config()
        path = found
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(str(path), None, f"cannot read it: {error}") from None
    return parse_config(text, str(path), path=path)


_HUGE_NUMBER = re.compile(r"\d{4301}")


def parse_config(text: str, name: str = CONFIG_NAME, *, path: Path | None = None) -> Config:
    """Validate a config document; every error names the line."""
    import yaml

    try:
        yaml.safe_load(text)  # the safe loader refuses python tags and reports syntax errors
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        raise ConfigError(name, line, f"not valid YAML: {error.problem}") from None
    except yaml.YAMLError as error:
        raise ConfigError(name, None, f"not valid YAML: {error}") from None
    except ValueError:
        # PyYAML's int() of a number past Python's 4300-digit limit: name the line, no traceback
        lines = enumerate(text.splitlines(), 1)
        line = next((n for n, text_line in lines if _HUGE_NUMBER.search(text_line)), None)
        problem = "not usable YAML: a number of more than 4300 digits"
        raise ConfigError(name, line, problem) from None
    if root is None or _is_null(root):
        return Config(path=path)
    return _Reader(name).config(root, path)


# ---- applying exceptions ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StaleException:
    """A reviewed exception with rules that suppress nothing: what `check` points out."""

    exception: ReviewedException
    unmatched: tuple[str, ...]  # its rules that matched no finding at all
    # its rules whose findings an earlier exception suppressed first, with that exception
    duplicated: tuple[tuple[str, ReviewedException], ...] = ()

    def notes(self, checked: Iterable[str], path: Path | None) -> list[str]:
        """One note per thing to change in the file, about the rules that ran (`checked`): a
        rule that was not run cannot have matched anything."""
        from checks.model import get_rule

        ran = set(checked)
        unmatched = [code for code in self.unmatched if code in ran]
        duplicated = [(code, other) for code, other in self.duplicated if code in ran]
        whole = list(self.exception.rules)  # "remove it": only when no rule of it is needed
        head = _named(self.exception, path)
        notes = []
        # A spelling rule (T001) is reported once per spelling, at its first user: an
        # exception for another user of it matches nothing, yet the problem is not fixed.
        spelling = [code for code in unmatched if get_rule(code).variants]
        for code in spelling:
            notes.append(
                f"{head}: {code} matched no finding. {code} is reported once per spelling, at the "
                "first user who spells it so, and an exception for that user accepts the "
                "spelling for all of them: name the user the report names."
            )
        unmatched = [code for code in unmatched if code not in spelling]
        if spelling and not unmatched:
            whole = []  # no "remove it" for an exception that only needs another user
        if unmatched and unmatched == whole:
            notes.append(f"{head} matched no finding; remove it once the problem is fixed.")
        elif unmatched:
            codes = ", ".join(unmatched)
            notes.append(
                f"{head}: {codes} matched no finding; remove {codes} from it once the problem "
                "is fixed."
            )
        # One note per earlier exception, naming the rules it took first.
        earlier: dict[ReviewedException, list[str]] = {}
        for code, other in duplicated:
            earlier.setdefault(other, []).append(code)
        for other, codes in earlier.items():
            first = (
                f"suppresses the same finding{'s' if len(codes) > 1 else ''} first (its reason "
                "is the one reported)"
            )
            if codes == whole:
                notes.append(
                    f"{head} duplicates {_named(other, path)}, which {first}; remove one of them."
                )
            else:
                listed = ", ".join(codes)
                notes.append(
                    f"{head}: for {listed} it duplicates {_named(other, path)}, which {first}; "
                    f"remove {listed} from one of them."
                )
        return notes


def _named(exception: ReviewedException, path: Path | None) -> str:
    where = f"{path}:{exception.line}" if path else "config"
    return f"the exception for {exception.user} ({', '.join(exception.rules)}, {where})"


def apply_exceptions(
    findings: Iterable[Finding], exceptions: Sequence[ReviewedException]
) -> list[StaleException]:
    """Mark findings covered by a reviewed exception as suppressed, with its reason.

    Nothing is removed: a suppressed finding is still reported, counted apart, and does not
    decide the verdict (`Report.active_findings`). The first exception that matches a finding
    suppresses it; a later one that matches it too is a duplicate of that one. Returns, per
    exception with a rule that suppressed nothing, those rules (and the exceptions that took
    their findings first), so a stale or duplicate entry can be pointed out.
    """
    used: set[tuple[int, str]] = set()  # (exception, rule) that suppressed a finding
    shadowed: dict[tuple[int, str], int] = {}  # (exception, rule) -> who suppressed it first
    for finding in findings:
        if finding.suppressed is not None:
            continue
        first: int | None = None
        for index, exception in enumerate(exceptions):
            if not exception.matches(finding):
                continue
            if first is None:
                first = index
                finding.suppressed = exception.reason
                used.add((index, finding.rule))
            else:
                shadowed.setdefault((index, finding.rule), first)
    stale = []
    for index, exception in enumerate(exceptions):
        idle = [code for code in exception.rules if (index, code) not in used]
        unmatched = tuple(code for code in idle if (index, code) not in shadowed)
        duplicated = tuple(
            (code, exceptions[shadowed[index, code]]) for code in idle if (index, code) in shadowed
        )
        if idle:
            stale.append(StaleException(exception, unmatched, duplicated))
    return stale


# ---- the reader ------------------------------------------------------------------------------


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _is_null(node: Node) -> bool:
    from yaml.nodes import ScalarNode

    return (
        isinstance(node, ScalarNode)
        and node.tag == "tag:yaml.org,2002:null"
        and node.style is None
        and node.value in _NULLS
    )


def _kind(node: Node) -> str:
    from yaml.nodes import MappingNode, SequenceNode

    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if _is_number_or_boolean(node):
        what = "number" if node.tag in _NUMBER_TAGS else "boolean"
        return f"the {what} {node.value}"
    return f"the value {node.value!r}"


_NUMBER_TAGS = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}


def _is_number_or_boolean(node: Node) -> bool:
    """A scalar YAML reads as a number, or as true/false: `5`, `1.5`, `true` unquoted.

    YAML 1.1's other booleans (`NO`, `yes`, `on`) are words, taken as written, as the module
    docstring says: `region: NO` is Norway."""
    if node.tag in _NUMBER_TAGS:
        return True
    return node.tag == "tag:yaml.org,2002:bool" and node.value.lower() in ("true", "false")


class _Reader:
    """Walks the composed node tree, so that every message can carry a line number."""

    TOP = (
        "tenant_url",
        "region",
        "organisation",
        "contact",
        "test_users",
        "columns",
        "mapping",
        "rules",
        "exceptions",
    )

    def __init__(self, name: str) -> None:
        self.name = name

    def fail(self, node: Node, message: str) -> ConfigError:
        return ConfigError(self.name, _line(node), message)

    # -- shapes --

    def mapping(self, node: Node, what: str, allowed: Sequence[str] | None) -> dict[str, Node]:
        from yaml.nodes import MappingNode, ScalarNode

        self.check_tag(node)
        if not isinstance(node, MappingNode):
            raise self.fail(node, f"{what} must be a mapping (key: value lines), not {_kind(node)}")
        result: dict[str, Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise self.fail(key_node, f"a key in {what} must be plain text")
            key = key_node.value
            if allowed is not None and key not in allowed:
                hint = difflib.get_close_matches(key, allowed, n=1)
                suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
                raise self.fail(
                    key_node,
                    f"unknown key {key!r} in {what}{suggestion} (known: {', '.join(allowed)})",
                )
            if key in result:
                raise self.fail(key_node, f"{key!r} appears twice in {what}")
            result[key] = value_node
        return result

    def text(self, node: Node, what: str, *, optional: bool = True) -> str | None:
        """A scalar, exactly as written (`NO` stays 'NO'); null is None where allowed."""
        from yaml.nodes import ScalarNode

        self.check_tag(node)
        if _is_null(node):
            if optional:
                return None
            raise self.fail(node, f"{what} must not be empty")
        if not isinstance(node, ScalarNode):
            raise self.fail(node, f"{what} must be text, not {_kind(node)}")
        if _is_number_or_boolean(node):
            # Taken as text, `tenant_url: 5` or `contact: true` would go on to be sent, shown
            # or compared as if it were meant: it is a value under the wrong key, or one that
            # lost its quotes.
            raise self.fail(
                node, f"{what} must be text, not {_kind(node)} (quote it if it is meant as text)"
            )
        value = node.value.strip()
        if not value and not optional:
            raise self.fail(node, f"{what} must not be empty")
        return value or None

    def texts(self, node: Node, what: str) -> list[tuple[str, Node]]:
        """A list of scalars (a single scalar is not silently accepted as a list of one)."""
        from yaml.nodes import SequenceNode

        self.check_tag(node)
        if _is_null(node):
            return []
        if not isinstance(node, SequenceNode):
            raise self.fail(node, f"{what} must be a list, e.g. [A, B], not {_kind(node)}")
        items = []
        for item in node.value:
            value = self.text(item, f"an item of {what}", optional=False)
            assert value is not None
            items.append((value, item))
        return items

    def check_tag(self, node: Node) -> None:
        if node.tag not in _STANDARD_TAGS:
            raise self.fail(node, f"the YAML tag {node.tag!r} is not allowed here")

    # -- the document --

    def config(self, root: Node, path: Path | None) -> Config:
        top = self.mapping(root, "the config file", self.TOP)
        values: dict[str, object] = {"path": path}
        for key in ("tenant_url", "organisation", "contact"):
            if key in top:
                values[key] = self.text(top[key], key)
        if "region" in top:
            values["region"] = self.region(top["region"])
        if "test_users" in top:
            values["test_users"] = tuple(v for v, _ in self.texts(top["test_users"], "test_users"))
        if "columns" in top:
            values["columns"] = self.attribute_map(top["columns"], "columns")
        if "mapping" in top:
            values["mapping"] = self.agreed_mapping(top["mapping"])
        if "rules" in top:
            values["rules"] = self.rules(top["rules"])
        if "exceptions" in top:
            values["exceptions"] = self.exceptions(top["exceptions"])
        return Config(**values)  # type: ignore[arg-type]

    def region(self, node: Node) -> str | None:
        value = self.text(node, "region")
        from motiscim_cli.options import region_problem

        if value is not None and region_problem(value) is not None:
            raise self.fail(
                node, f"region must be a two-letter ISO country code like NO, not {value!r}"
            )
        return value.upper() if value else None

    def attribute_map(self, node: Node, what: str) -> dict[str, str]:
        if _is_null(node):
            return {}
        entries = self.mapping(node, what, MOTIMATE_ATTRIBUTES)
        result = {}
        for attribute, value_node in entries.items():
            value = self.text(value_node, f"{what}.{attribute}", optional=False)
            assert value is not None
            result[attribute] = value
        return result

    def agreed_mapping(self, node: Node) -> dict[str, str]:
        """`mapping:` — the sources agreed with Motimate, keyed by Motimate attribute.

        A key is a Motimate attribute (`email`) or the SCIM attribute it is sent as
        (`emails[type eq "work"].value`); both are stored under the Motimate attribute, so one
        attribute cannot be given twice under two names."""
        from yaml.nodes import SequenceNode

        if _is_null(node):
            return {}
        result: dict[str, str] = {}
        for key, value_node in self.mapping(node, "mapping", None).items():
            guide = guide_entry(key)
            if guide is None:
                names = [g.motimate or g.target for g in GUIDE_USER_MAPPING]
                hint = difflib.get_close_matches(key, names, n=1)
                suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
                raise self.fail(
                    value_node,
                    f"unknown attribute {key!r} in mapping{suggestion} (known: "
                    f"{', '.join(names)}, or the SCIM attribute each is sent as)",
                )
            name = guide.motimate or guide.target
            if name in result:
                raise self.fail(value_node, f"mapping gives {name} twice (as {key!r} too)")
            if isinstance(value_node, SequenceNode):
                raise self.fail(
                    value_node,
                    f"mapping.{key} must be an Entra expression in quotes, e.g. '[mail]': "
                    "unquoted, YAML reads [mail] as a list",
                )
            value = self.text(value_node, f"mapping.{key}", optional=False)
            assert value is not None
            result[name] = value
        return result

    def rules(self, node: Node) -> RulesConfig:
        if _is_null(node):
            return RulesConfig()
        entries = self.mapping(node, "rules", ("select", "ignore", "severity"))
        select = None
        if "select" in entries:
            select = tuple(self.codes(entries["select"], "rules.select", prefixes=True)) or None
        ignore = ()
        if "ignore" in entries:
            ignore = tuple(self.codes(entries["ignore"], "rules.ignore", prefixes=True))
        severity: dict[str, Severity] = {}
        if "severity" in entries and not _is_null(entries["severity"]):
            for code, level_node in self.mapping(
                entries["severity"], "rules.severity", None
            ).items():
                self.known_code(code, level_node, "rules.severity", prefixes=False)
                level = self.text(level_node, f"rules.severity.{code}", optional=False)
                if level not in {s.value for s in Severity}:
                    raise self.fail(
                        level_node,
                        f"rules.severity.{code} must be error, warning or info, not {level!r}",
                    )
                severity[code] = Severity(level)
        return RulesConfig(select=select, ignore=ignore, severity=severity)

    def codes(self, node: Node, what: str, *, prefixes: bool) -> list[str]:
        result = []
        for value, item in self.texts(node, what):
            code = value.upper()
            self.known_code(code, item, what, prefixes=prefixes)
            result.append(code)
        return result

    def known_code(self, code: str, node: Node, what: str, *, prefixes: bool) -> None:
        from checks.model import all_rules

        pattern = CODE_OR_PREFIX if prefixes else FULL_CODE
        shape = "a rule code or prefix like P001 or P" if prefixes else "a rule code like P001"
        if not pattern.fullmatch(code):
            raise self.fail(node, f"{what}: {code!r} is not {shape}")
        codes = all_rules()
        if not any(known.startswith(code) for known in codes):
            hint = difflib.get_close_matches(code, list(codes), n=1)
            suggestion = f"; did you mean {hint[0]}?" if hint else ""
            raise self.fail(node, f"{what}: no rule {code}{suggestion} (see `motiscim rules`)")

    def exceptions(self, node: Node) -> tuple[ReviewedException, ...]:
        from yaml.nodes import SequenceNode

        self.check_tag(node)
        if _is_null(node):
            return ()
        if not isinstance(node, SequenceNode):
            raise self.fail(
                node,
                "exceptions must be a list of entries, each '- user: …' with rules and reason, "
                f"not {_kind(node)}",
            )
        result = []
        for item in node.value:
            entry = self.mapping(item, "an exception", ("user", "rules", "reason"))
            for required in ("user", "rules", "reason"):
                if required not in entry:
                    why = (
                        " — say why this was reviewed and accepted" if required == "reason" else ""
                    )
                    raise self.fail(item, f"an exception needs '{required}'{why}")
            user = self.text(entry["user"], "exception user", optional=False)
            codes = self.codes(entry["rules"], "exception rules", prefixes=False)
            if not codes:
                raise self.fail(entry["rules"], "an exception must name at least one rule")
            reason = self.text(entry["reason"], "exception reason", optional=False)
            assert user is not None and reason is not None
            result.append(ReviewedException(user, tuple(codes), reason, _line(item)))
        return tuple(result)
