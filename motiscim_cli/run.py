"""Loads exports, runs the rules, builds the report: the work shared by `check`, `preflight`,
`email` and `fix`. No printing here; commands decide what to show."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from checks.engine import Checker, batched, select_rules
from checks.model import EXPORT_SCOPES, CheckContext, Finding, Severity, UserRecord
from checks.rules.file import f001_unreadable_export, file_finding
from motiscim_cli.report import Report, SourceInfo

if TYPE_CHECKING:
    from motiscim_cli.loaders import LoadedExport
    from motiscim_cli.loaders.columns import SchemaColumn
    from motiscim_cli.split import SplitResult


@dataclass(slots=True)
class CheckOptions:
    region: str | None = None
    select: Sequence[str] | None = None
    ignore: Sequence[str] = ()
    column_overrides: Mapping[str, str] = field(default_factory=dict)
    input_format: str | None = None
    severity_overrides: Mapping[str, Severity] = field(default_factory=dict)
    # The provisioning schema's column choices (preflight --schema, mapping --export);
    # column_overrides win over them.
    schema_columns: Mapping[str, SchemaColumn] = field(default_factory=dict)
    # A big CSV export may be read in two processes (motiscim_cli.split); False: one process.
    split: bool = True
    # The provisioning schema sends the UPN where mail is empty (SchemaPlan.options).
    email_falls_back_to_upn: bool = False

    def context(self) -> CheckContext:
        """What the rules read of these options."""
        return CheckContext(
            default_region=self.region, email_falls_back_to_upn=self.email_falls_back_to_upn
        )


@dataclass(slots=True)
class ReadError:
    """An input that could not be read at all (F001): one line for the terminal."""

    path: str
    reason: str

    def line(self) -> str:
        return f"motiscim: cannot read {self.path}: {self.reason}"


def run_check(
    paths: Sequence[str],
    options: CheckOptions,
    on_record: Callable[[UserRecord], None] | None = None,
) -> tuple[Report, list[ReadError]]:
    """Check every export; an unreadable one becomes an F001 finding and a `ReadError`."""
    from motiscim_cli.loaders import UnreadableExport

    rules = select_rules(options.select, options.ignore)
    codes = {r.code for r in rules}
    checker = Checker(
        rules,
        options.context(),
        severity_overrides=dict(options.severity_overrides),
    )
    report = Report(rules_checked=[r.code for r in rules if r.scope in EXPORT_SCOPES])
    errors: list[ReadError] = []
    for path in paths:
        try:
            export = _open(path, options)
            split = None
            if options.split and (on_record is None or getattr(on_record, "progress_only", False)):
                split, export = _check_split(export, checker, on_record)
            if split is not None:
                report.findings.extend(split.findings)
                file_findings = [f for f in split.file_findings if f.rule in codes]
                info = split.info
            else:
                for batch in batched(export.records()):
                    if on_record is not None:
                        for record in batch:
                            on_record(record)
                    report.findings.extend(checker.check_many(batch))
                file_findings = [f for f in export.file_findings() if f.rule in codes]
                info = export.info
            report.findings.extend(file_findings)
            report.sources.append(info)
        except UnreadableExport as error:
            errors.append(ReadError(path, error.reason))
            report.unreadable = True
            report.sources.append(SourceInfo(path=path, format="unreadable"))
            issue = f001_unreadable_export(error.reason)
            file_findings = [file_finding("F001", issue, source=path)]
            report.findings.extend(file_findings)
        for finding in file_findings:  # severity overrides reach file rules as well
            finding.severity = options.severity_overrides.get(finding.rule, finding.severity)
    report.findings.extend(checker.finish())
    report.findings.sort(key=_finding_order)
    return report, errors


def _open(path: str, options: CheckOptions) -> LoadedExport:
    from motiscim_cli.loaders import open_export

    return open_export(
        path,
        format=options.input_format,
        column_overrides=options.column_overrides,
        schema_columns=options.schema_columns,
    )


def _check_split(
    export: LoadedExport, checker: Checker, on_record: Callable[[UserRecord], None] | None
) -> tuple[SplitResult | None, LoadedExport]:
    """A big CSV export checked in two processes (motiscim_cli.split): (the result, the used
    export), or (None, the export to read in one process: `export` itself when it was not
    split, or opened again when the split was refused after reading)."""
    from motiscim_cli.split import check_in_two, plan_cut

    reader = export.csv_reader
    if reader is None:
        return None, export
    cut = plan_cut(reader)
    if cut is None:
        return None, export
    try:
        result = check_in_two(export, cut, checker, on_record)
    except BaseException:
        export.close()
        raise
    if result is None:
        return None, export.read_again()
    export.close()
    return result, export


def _finding_order(finding: Finding) -> tuple:
    return (
        finding.source or "",
        finding.row if finding.row is not None else -1,
        finding.rule,
    )


FAIL_ON = ("error", "warning", "info", "never")


def exit_code(report: Report, fail_on: str | None = None) -> int:
    """0 ready, 1 not ready (findings at or above `fail_on`, by default `report.fail_on`, or a
    failed connection/mapping), 2 an input could not be read."""
    if report.unreadable:
        return 2
    if report.connection is not None and not report.connection.ok and not report.connection.skipped:
        return 1
    if report.mapping is not None and not report.mapping.ok:
        return 1
    return 1 if report.failing(report.fail_on if fail_on is None else fail_on) else 0
