"""Reading and checking an Entra provisioning schema: the work `motiscim mapping`, `preflight
--schema` and `email --schema` share (the commands only add options and output).

`read_schema(path)` parses a file (every failure is one `UnreadableSchema` line),
`mapping_result` runs the mapping rules on it, `schema_plan`/`schema_mapping` do both for a
command that also checks an export, and `export_phone_errors(path)` counts an export's phone
errors for M008 (on the column the schema feeds phoneNumbers from).
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from checks.mapping_schema import ProvisioningSchema
    from checks.rules.mapping import MappingCheck
    from motiscim_cli.report import MappingResult, SourceInfo
    from motiscim_cli.run import CheckOptions
    from motiscim_cli.schema_columns import SchemaPlan


class UnreadableSchema(Exception):
    """The schema file cannot be used: missing, not JSON, or not a provisioning schema."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason

    def line(self) -> str:
        return f"motiscim: cannot read {self.path}: {self.reason}"


def _decode(data: bytes) -> str:
    """UTF-8 with or without BOM; UTF-16 with a BOM (Windows PowerShell's Out-File)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    if data.startswith(b"PK\x03\x04"):
        raise ValueError("it is a ZIP archive (an .xlsx workbook?), not JSON")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})"
        ) from None


def _json_integer(digits: str) -> int | float:
    """A JSON integer; one with more digits than int() converts (4300 by default:
    sys.get_int_max_str_digits) becomes a float, inf, instead of a ValueError out of json.loads.

    In a key the schema reader ignores it is then simply ignored; where a number is read
    (matchingPriority) inf is 'not a whole number', which names the file and the key."""
    try:
        return int(digits)
    except ValueError:
        return float(digits)


def read_schema(path: str) -> ProvisioningSchema:
    """Read and parse a schema file; every failure is an `UnreadableSchema` with one reason."""
    from checks.mapping_schema import SchemaError, parse_schema

    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise UnreadableSchema(path, "no such file") from None
    except IsADirectoryError:
        raise UnreadableSchema(path, "it is a directory, not a file") from None
    except PermissionError:
        raise UnreadableSchema(path, "permission denied") from None
    except OSError as error:
        raise UnreadableSchema(path, error.strerror or str(error)) from None
    try:
        text = _decode(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise UnreadableSchema(path, str(error)) from None
    if not text.strip():
        raise UnreadableSchema(path, "the file is empty")
    try:
        value: Any = json.loads(text, parse_int=_json_integer)
    except json.JSONDecodeError as error:
        raise UnreadableSchema(
            path, f"not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    except RecursionError:
        raise UnreadableSchema(path, "not usable JSON (nested too deeply)") from None
    try:
        return parse_schema(value)
    except SchemaError as error:
        raise UnreadableSchema(path, f"not an Entra provisioning schema: {error.reason}") from None


def mapping_result(
    path: str,
    schema: ProvisioningSchema,
    *,
    phone_error_users: int | None = None,
    unfixable: int = 0,
    agreed: Mapping[str, str] | None = None,
) -> tuple[MappingResult, list[MappingCheck]]:
    from checks.model import Severity
    from checks.rules.mapping import evaluate
    from motiscim_cli.report import MappingResult

    checks = evaluate(
        schema,
        source=path,
        phone_error_users=phone_error_users,
        unfixable=unfixable,
        agreed=agreed,
    )
    findings = [check.finding for check in checks]
    ok = not any(f.severity is Severity.ERROR for f in findings)
    result = MappingResult(
        path=path, ok=ok, findings=findings, groups_checked=schema.groups is not None
    )
    return result, checks


def schema_plan(
    path: str, options: CheckOptions
) -> tuple[SchemaPlan, ProvisioningSchema, CheckOptions]:
    """Read a schema first: it decides which column feeds each Motimate attribute, so which
    columns the user rules check (an explicit --column still wins). Returns the plan, the
    schema and the check options with those columns. Raises `UnreadableSchema`."""
    from motiscim_cli.schema_columns import SchemaPlan

    schema = read_schema(path)
    plan = SchemaPlan.of(path, schema, overrides=options.column_overrides)
    return plan, schema, plan.options(options)


def schema_mapping(
    plan: SchemaPlan, schema: ProvisioningSchema, report: Any, agreed: Mapping[str, str] | None
) -> tuple[MappingResult, list[MappingCheck]]:
    """The mapping result of `preflight --schema` and `email --schema`: the schema rules with
    M008 counted from the checked export `report`, and the columns the schema chose for it."""
    from motiscim_cli.report import phone_error_counts

    phone_users, unfixable = phone_error_counts(report)
    result, checks = mapping_result(
        plan.path, schema, phone_error_users=phone_users, unfixable=unfixable, agreed=agreed
    )
    result.user_sources = plan.user_sources(report.sources)
    result.email_falls_back_to_upn = plan.email_falls_back_to_upn  # E003 said so (plan.options)
    return result, checks


def export_phone_errors(
    path: str,
    region: str | None = None,
    plan: SchemaPlan | None = None,
    columns: Mapping[str, str] | None = None,
) -> tuple[int, int, list[SourceInfo]]:
    """(users whose phone number will fail, of whom without a suggested fix, the export as
    read) for M008.

    Runs only the phone rules (P001–P006 are errors), on the column the schema feeds
    phoneNumbers from when a `plan` is given, unless `columns` (the config's columns:) names
    one. Raises `ExportUnreadable` with the loader's one-line reason when the file cannot be
    read.
    """
    from motiscim_cli.report import phone_error_counts
    from motiscim_cli.run import CheckOptions, run_check

    options = CheckOptions(region=region, select=["P"], column_overrides=dict(columns or {}))
    if plan is not None:
        options = plan.options(options)
    report, errors = run_check([path], options)
    if errors:
        raise ExportUnreadable(errors[0].line())
    return (*phone_error_counts(report), report.sources)


class ExportUnreadable(Exception):
    """The --export file could not be read; `line` is the one-line message."""

    def __init__(self, line: str) -> None:
        super().__init__(line)
        self.line = line
