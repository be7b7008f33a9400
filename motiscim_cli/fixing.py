"""`motiscim fix`: turn findings into corrected source data an admin can review and apply.

The data must be fixed where it lives — Entra, or on-premises Active Directory for synced
users — not in Motimate. Three outputs, all computed from one check run (`plan_fixes`):

- `render_script`: a PowerShell script, one commented block per user, that motiscim never runs.
- `fixed_csv_bytes`: the export itself with the fixes applied, as read (columns, encoding,
  delimiter, `#TYPE`/`sep=` preamble, line endings, untouched rows byte for byte).
- the findings CSV is the `csv` report renderer (`motiscim_cli.render.csv_report`).

The corrected CSV is data, so it is written as data: no spreadsheet neutralisation unless
`--spreadsheet-safe` asks for it. Why, when the findings CSV is always neutralised:

- It is the export with the fixes applied and nothing else: the admin diffs it against the
  export, re-checks it (`motiscim check fixed.csv` must show every fixed error gone) or feeds it
  to whatever updates the source (an HR system, an `Import-Csv` loop). A `'` added to
  `=SUM(A1)` would be a change nobody asked for, would reach Entra and Motimate as part of the
  value, and would hide the N003 finding from the re-check; it would also change unmapped
  columns (a `+47 22 …` telephoneNumber) that motiscim otherwise never touches.
- It holds nothing the export did not: the same cells are in the file the admin downloaded.
- The summary counts, by column, the cells that a spreadsheet would run as a formula, so the
  admin knows before opening the file; the findings CSV is the file made for Excel.

With `--spreadsheet-safe` every cell goes through `motiscim_cli.spreadsheet.spreadsheet_cell`
(a formula start gets a `'`, a correct E.164 number becomes `="+47…"`), like the findings CSV,
and the summary counts, by column, the cells changed that way: that file is for reading in a
spreadsheet, not for importing anywhere.

Users are matched to the file by the line they start on (`UserRecord.line`), not by counting
records: behind a broken row the loader reads lines again on their own (the users a stray
quote swallowed), joins lines (a value cut by an unquoted line break) or skips them (a header
repeated mid-file, F008). A user row gets its fixes only when it reads here exactly as in the
check run (else the corrected CSV is refused: the file changed). Everything else — rows the
loader found malformed (F004, no fixes), the pieces of a split row, repeated headers, blank
lines — is written back byte for byte, so the corrected CSV has the input's users on the
input's lines (with --spreadsheet-safe: unless a cell needs neutralising, in which case only
that changes; a row whose stray quote runs into the users after it is then written as the
loader read it, the quote as a character, so that the spreadsheet shows the same rows).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import os
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from checks.engine import select_rules
from checks.fixes import Change, SpellingFindings, plan_changes, within
from checks.model import (
    Chain,
    CheckContext,
    Finding,
    FixConfidence,
    Severity,
    UserRecord,
    user_chains,
)
from motiscim_cli.loaders.sniff import CP1252_FALLBACK
from motiscim_cli.report import Report
from motiscim_cli.run import CheckOptions, ReadError, run_check
from motiscim_cli.spreadsheet import is_e164, needs_neutralising, spreadsheet_cell

# ---- the plan ------------------------------------------------------------------------------


@dataclass(slots=True)
class UserFixes:
    """One user: the record, its findings, and the changes at the chosen level."""

    record: UserRecord
    findings: list[Finding]
    changes: list[Change]

    def resolved(self, finding: Finding, level: FixConfidence) -> bool:
        """True when the changes take care of this finding."""
        return (
            finding.fix is not None
            and within(finding.fix_confidence, level)
            and any(finding.attribute in c.attributes for c in self.changes)
        )


@dataclass(slots=True)
class FixPlan:
    report: Report
    errors: list[ReadError]
    level: FixConfidence
    users: list[UserFixes] = field(default_factory=list)
    file_findings: list[Finding] = field(default_factory=list)
    sync_known: bool = True  # the export has a directorySynced (onPremisesSyncEnabled) column
    chains: dict[str, Chain] = field(default_factory=dict)  # to plan another level
    ctx: CheckContext = field(default_factory=CheckContext)

    @property
    def changed_users(self) -> list[UserFixes]:
        return [u for u in self.users if u.changes]

    def changed_cells(self) -> Counter[str]:
        """Cells the fixes change, by column: one per user and column, however many findings
        and attributes led to it."""
        return Counter(c.column for u in self.users for c in u.changes)

    def more_at_probable(self) -> tuple[int, int]:
        """(cells, users) that --fix-level probable would change beyond this level's changes."""
        if self.level == "probable":
            return 0, 0
        cells = users = 0
        for user in self.users:
            here = {(c.column, c.new) for c in user.changes}
            there = plan_changes(user.record, user.findings, self.chains, self.ctx, "probable")
            extra = sum(1 for c in there if (c.column, c.new) not in here)
            cells += extra
            users += 1 if extra else 0
        return cells, users

    def unresolved_errors(self) -> list[Finding]:
        """Errors the outputs do not fix at this level (no fix, or a fix above the level)."""
        left = [
            f
            for u in self.users
            for f in u.findings
            if f.severity is Severity.ERROR and not u.resolved(f, self.level)
        ]
        left.extend(f for f in self.file_findings if f.severity is Severity.ERROR)
        # One finding of a spelling (T001) is in every user's list who spells it so: counted once.
        unique = {id(f): f for f in left if f.suppressed is None}
        return list(unique.values())


def plan_fixes(
    path: str,
    options: CheckOptions,
    level: FixConfidence,
    apply_exceptions: Callable[[list[Finding]], object] | None = None,  # marks reviewed ones
) -> FixPlan:
    """Check one export and work out every user's corrected attributes at `level`."""
    records: list[UserRecord] = []
    report, errors = run_check([path], options, records.append)
    if apply_exceptions is not None:
        apply_exceptions(report.findings)
    by_row: dict[int, list[Finding]] = {}
    file_findings: list[Finding] = []
    for finding in report.findings:
        if finding.row is None:
            file_findings.append(finding)
        else:
            by_row.setdefault(finding.row, []).append(finding)
    rules = select_rules(options.select, options.ignore)
    chains = user_chains(rules)
    spellings = SpellingFindings(report.findings, rules)
    ctx = options.context()
    plan = FixPlan(report, errors, level, file_findings=file_findings, chains=chains, ctx=ctx)
    wanted = _sync_headers()
    plan.sync_known = any(
        record.directory_synced is not None or _has_sync_column(record, wanted)
        for record in records
    )
    for record in records:
        # a T001 finding is at the first user of its spelling; the others get it here
        findings = by_row.get(record.row, []) + spellings.of(record)
        changes = plan_changes(record, findings, chains, ctx, level)
        plan.users.append(UserFixes(record, findings, changes))
    return plan


def _sync_headers() -> frozenset[str]:
    from motiscim_cli.loaders.columns import CONTEXT_SOURCES, normalize_header

    return frozenset(normalize_header(name) for name in CONTEXT_SOURCES["directory_synced"])


def _has_sync_column(record: UserRecord, wanted: frozenset[str]) -> bool:
    """True when the export says, per user, whether they are synced from AD (blank = cloud)."""
    from motiscim_cli.loaders.columns import normalize_header

    return any(normalize_header(key) in wanted for key in record.raw or ())


# ---- PowerShell ----------------------------------------------------------------------------

# PowerShell ends a single-quoted string at any of these quote characters, not only at "'":
# each is escaped by doubling it (as [Management.Automation.Language.CodeGeneration] does).
_PS_SINGLE_QUOTES = re.compile("['\u2018\u2019\u201a\u201b]")

# Source column (lower case) -> (Update-MgUser parameter, Graph property) and
# (Set-ADUser parameter, LDAP attribute for -Clear).
_GRAPH = {
    "mobilephone": ("MobilePhone", "mobilePhone"),
    "mobile": ("MobilePhone", "mobilePhone"),
    "mail": ("Mail", "mail"),
    "userprincipalname": ("UserPrincipalName", "userPrincipalName"),
    "givenname": ("GivenName", "givenName"),
    "surname": ("Surname", "surname"),
    "sn": ("Surname", "surname"),
    "jobtitle": ("JobTitle", "jobTitle"),
    "title": ("JobTitle", "jobTitle"),
}
_AD = {
    "mobilephone": ("MobilePhone", "mobile"),
    "mobile": ("MobilePhone", "mobile"),
    "mail": ("EmailAddress", "mail"),
    "userprincipalname": ("UserPrincipalName", "userPrincipalName"),
    "givenname": ("GivenName", "givenName"),
    "surname": ("Surname", "sn"),
    "sn": ("Surname", "sn"),
    "jobtitle": ("Title", "title"),
    "title": ("Title", "title"),
}
_RULE_LINE = "# " + "-" * 94


def ps_quote(value: str) -> str:
    """A PowerShell single-quoted string literal: nothing inside it is expanded."""
    return "'" + _PS_SINGLE_QUOTES.sub(lambda m: m.group() * 2, value) + "'"


def ps_comment_text(text: str) -> str:
    """Text safe on one comment line: line breaks and other invisible characters spelled out.

    A value with a line break in it would otherwise end the comment and run as code.
    """
    out = []
    for char in text:
        if char.isprintable() or char == " ":
            out.append(char)
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return "".join(out)


def _shown(value: str | None) -> str:
    return "(empty)" if value is None else "'" + ps_comment_text(value) + "'"


def _header(plan: FixPlan, source_name: str) -> list[str]:
    level = plan.level
    lines = [
        f"# Fixes for {ps_comment_text(source_name)}, written by motiscim fix "
        f"(--fix-level {level}).",
        "#",
        "# Review every block before you run this script: motiscim never runs it. It changes the",
        "# data where it lives, so that Entra provisions correct values to Motimate:",
        "# - cloud users with Microsoft Graph (Update-MgUser; module Microsoft.Graph.Users);",
        "# - users synced from on-premises Active Directory (directorySynced = True) with",
        "#   Set-ADUser (module ActiveDirectory, on a domain-joined machine): Entra refuses Graph",
        "#   writes to attributes synced from AD, and the next sync would overwrite them anyway.",
        "#",
        "# Fix levels: 'certain' fixes only remove what cannot belong in the value (whitespace,",
        "# separators, 'tel:', a written trunk prefix (0)) or turn the international prefix 00",
        "# into '+'. 'probable' fixes also complete numbers with a country code and repair",
        "# mojibake: check those with the user.",
        "# Findings without a fix at this level are listed in their user's block as comments.",
        "",
        "# $WhatIf = $true only shows what would change. Set it to $false to apply the changes.",
        "$WhatIf = $true",
        "",
        "Connect-MgGraph -Scopes User.ReadWrite.All",
        "",
    ]
    if not plan.sync_known:
        lines[-5:-5] = [
            "# This export does not say which users are synced from AD (no directorySynced",
            "# column): all are treated as cloud users. If Graph answers 'on-premises mastered'",
            "# for a user, make that change in AD instead.",
            "",
        ]
    if plan.file_findings:
        lines.append(_RULE_LINE)
        lines.append("# The file as a whole:")
        for finding in plan.file_findings:
            where = f" (line {finding.line})" if finding.line is not None else ""
            lines.append(
                f"#   {finding.rule} {finding.severity.value}{where}: "
                f"{ps_comment_text(finding.message)}"
            )
        lines.append("")
    return lines


def _object_id(user: UserFixes) -> str | None:
    for change in user.changes:
        if "external_id" in change.attributes:
            return change.new
    object_id = (user.record.object_id or "").strip().strip("{}")
    return object_id or None


def _commands(user: UserFixes, changes: Sequence[Change]) -> list[str]:
    """The lines that apply `changes`: Graph for cloud users, AD for synced ones."""
    record = user.record
    synced = record.directory_synced is True
    table = _AD if synced else _GRAPH
    settable: list[tuple[str, str, Change]] = []
    lines: list[str] = []
    for change in changes:
        if "external_id" in change.attributes:
            lines.append(
                "# The export's Object ID had braces or whitespace around it; Entra's objectId "
                "itself is fine: nothing to change for it."
            )
            continue
        target = table.get(change.column.lower())
        if target is None:
            lines.append(
                f"# Column {ps_comment_text(change.column)} has no known "
                f"{'Set-ADUser' if synced else 'Update-MgUser'} parameter: set "
                f"{_shown(change.new)} by hand."
            )
            continue
        if not change.new.isprintable():
            lines.append(
                f"# {ps_comment_text(change.column)}: the corrected value still holds a line break "
                "or another invisible character: set it by hand."
            )
            continue
        settable.append((*target, change))
    if not settable:
        return lines
    sets = [(p, c) for p, _, c in settable if c.new != ""]
    clears = [(name, c) for _, name, c in settable if c.new == ""]
    if synced:
        upn = record.user_principal_name
        if not upn:
            return [*lines, "# No userPrincipalName in the export to find the AD account by."]
        lines.append(
            "# Synced from on-premises AD: Entra refuses Graph writes to synced attributes, so "
            "the AD account is changed (found by its UPN; Entra syncs the change)."
        )
        lines.append(f"$upn = {ps_quote(upn)}")
        arguments = "".join(f" -{p} {ps_quote(c.new)}" for p, c in sets)
        if clears:
            arguments += " -Clear " + ",".join(name for name, _ in clears)
        # A variable in the filter (expanded by the AD module) keeps quotes in a UPN harmless;
        # an account that is not found must not pass silently.
        lines.append("$account = Get-ADUser -Filter 'UserPrincipalName -eq $upn'")
        lines.append(
            f'if (-not $account) {{ Write-Warning "Row {record.row}: no AD account has the UPN '
            '$upn (an alternate login ID?): change it by hand" }'
        )
        lines.append(f"$account | Set-ADUser{arguments} -WhatIf:$WhatIf")
        return lines
    identity = _object_id(user) or record.user_principal_name
    if not identity:
        return [*lines, "# No Object ID or userPrincipalName in the export to find the user by."]
    if any(c.column.lower() == "mail" for _, c in sets):
        lines.append(
            "# mail of a user with an Exchange Online mailbox is managed by Exchange: if this "
            "fails, change the primary SMTP address there."
        )
    if sets:
        arguments = "".join(f" -{p} {ps_quote(c.new)}" for p, c in sets)
        lines.append(f"Update-MgUser -UserId {ps_quote(identity)}{arguments} -WhatIf:$WhatIf")
    if clears:
        # -MobilePhone $null is ignored by the Graph module: only a body with null clears it.
        body = "; ".join(f"{name} = $null" for name, _ in clears)
        lines.append(
            f"Update-MgUser -UserId {ps_quote(identity)} -BodyParameter @{{ {body} }} "
            "-WhatIf:$WhatIf"
        )
    return lines


def _block(user: UserFixes, level: FixConfidence) -> list[str]:
    record = user.record
    who = record.user_principal_name or record.object_id or "(no UPN or Object ID)"
    where = f"Row {record.row}" + (f" (line {record.line})" if record.line is not None else "")
    kind = "synced from on-premises AD" if record.directory_synced is True else "cloud user"
    lines = [_RULE_LINE, f"# {where}: {ps_comment_text(who)} — {kind}"]
    if record.object_id:
        lines[-1] += f", Object ID {ps_comment_text(record.object_id)}"
    for change in user.changes:
        lines.append(
            f"#   {'+'.join(change.rules)} {ps_comment_text(change.column)}: "
            f"{_shown(change.old)} -> {_shown(change.new)} ({change.confidence})"
        )
    lines.extend(_commands(user, user.changes))
    unfixed = [f for f in user.findings if f.suppressed is None and not user.resolved(f, level)]
    if record.malformed is not None:
        lines.append("#   Not changed: the row is malformed (F004), so no value was checked.")
    for finding in unfixed:
        column = f", {ps_comment_text(finding.column)}" if finding.column else ""
        why = ps_comment_text(finding.message)
        if finding.fix is not None:
            why += (
                f" [a {finding.fix_confidence} fix, {_shown(finding.fix)}, is applied only with "
                f"--fix-level {finding.fix_confidence}]"
            )
        lines.append(f"#   Not fixed: {finding.rule} {finding.severity.value}{column}: {why}")
    lines.append("")
    return lines


def render_script(plan: FixPlan, source_name: str) -> str:
    """The PowerShell script: the header, then one block per user with changes or findings."""
    lines = _header(plan, source_name)
    blocks = 0
    for user in plan.users:
        if not user.changes and not any(f.suppressed is None for f in user.findings):
            continue
        lines.extend(_block(user, plan.level))
        blocks += 1
    if not blocks:
        lines.append("# Nothing to fix: no user has a finding.")
    changed = len(plan.changed_users)
    lines.append(f"# End: {changed} user(s) with changes at --fix-level {plan.level}.")
    return "\n".join(lines) + "\n"


# ---- the corrected CSV ---------------------------------------------------------------------

_SEP_LINE = re.compile(r'"?sep=([^"\r\n])"?[,;\t]*', re.IGNORECASE)
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_BOMS = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16-le", "utf-16-be", "cp1252")


class FixedCsvError(Exception):
    """The corrected CSV cannot be written as asked (one line for the terminal)."""


@dataclass(slots=True)
class FixedCsv:
    """The corrected CSV and what the summary must say about its spreadsheet safety."""

    data: bytes
    # cells that begin with = + - @, a tab or a CR (a bare E.164 number aside: it cannot run
    # anything), by column: written as they are unless spreadsheet_safe
    formula_cells: Counter[str] = field(default_factory=Counter)
    # cells written differently for a spreadsheet ('…, ="+47…"), by column: spreadsheet_safe only
    neutralised: Counter[str] = field(default_factory=Counter)
    # bytes that were no text in the export's encoding (0x81 in cp1252), written in another
    # encoding as U+FFFD, as the check read them: their original is gone from that file
    replaced: int = 0


def _column_name(header: Sequence[str] | None, index: int) -> str:
    if header is None:
        return "(header)"
    if index < len(header) and header[index]:
        return header[index]
    return f"column {index + 1}"


def _decode(data: bytes, label: str) -> tuple[str, bool]:
    """The text of the export and whether it began with a byte-order mark."""
    bom = _BOMS.get(label)
    if bom is not None and data.startswith(bom):
        return data[len(bom) :].decode(label, errors="replace"), True
    if label == "utf-8-sig":
        return data.decode("utf-8-sig", errors="surrogateescape"), True
    errors = "surrogateescape" if label in ("utf-8", "cp1252") else "replace"
    return data.decode(label, errors=errors), False


def _encode(text: str, label: str, bom: bool, same: bool) -> bytes:
    try:
        errors = (
            "surrogateescape" if same and label in ("utf-8", "utf-8-sig", "cp1252") else "strict"
        )
        data = text.encode(label, errors=errors)
    except UnicodeEncodeError as error:
        raise FixedCsvError(
            f"the character {error.object[error.start]!r} cannot be written in {label}: "
            "write with --encoding utf-8-sig"
        ) from None
    if bom and label in _BOMS:
        data = _BOMS[label] + data
    return data


def _ending(line: str) -> str:
    # The file's last line may have no line end: its record is written back without one too.
    return line[len(line.rstrip("\r\n")) :]


class _RecordReader:
    """CSV records read from any physical line on, as the loader reads them from there.

    The loader starts a reader again after a broken row (at the line after a stray quote, at
    the lines a look-ahead read), so a record is read here from the line it starts on, not as
    the n-th record of one pass. Consecutive records share one reader, as in one pass."""

    def __init__(self, lines: Sequence[str], delimiter: str) -> None:
        self._lines = lines
        self._delimiter = delimiter
        self._position = 0  # index of the next line the reader takes
        self._reader: Iterator[list[str]] | None = None

    def _feed(self) -> Iterator[str]:
        while self._position < len(self._lines):
            self._position += 1
            yield self._lines[self._position - 1]

    def read(self, first: int) -> tuple[list[str] | None, int]:
        """The record that starts on line index `first` (None when it is not readable as CSV)
        and the index of the line after it."""
        if self._reader is None or first != self._position:
            self._position = first
            self._reader = csv.reader(self._feed(), delimiter=self._delimiter)
        try:
            return next(self._reader, []), self._position
        except csv.Error:  # a value past the field size limit: start afresh next time
            self._reader = None
            return None, self._position


def _quote_as_character(line: str, delimiter: str) -> list[str]:
    """The cells of one line with every `"` taken as a character (how the loader reads a row
    whose opening quote runs into lines that are users of their own).

    Split by hand, as `csv.reader(quoting=QUOTE_NONE)` would (one line, no escape character):
    csv refuses a cell past its field size limit, and this is the path for rows too broken to
    read any other way."""
    bare = line.rstrip("\r\n")
    return bare.split(delimiter) if bare else []


@contextlib.contextmanager
def _any_field_size() -> Iterator[None]:
    """csv reads fields of any length here, and the limit is put back afterwards.

    The corrected CSV reads again what the check run read, and copies what it could not: a
    row whose value the loader found too long (F004) is copied like any other broken row. With
    csv's default limit (131072 characters) reading it failed, and a loader that reads longer
    values than that would make its users' rows 'read differently from the check run'."""
    previous = csv.field_size_limit()
    csv.field_size_limit(_FIELD_SIZE_MAX)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


# The largest limit csv accepts everywhere (a C long: 32 bits on Windows).
_FIELD_SIZE_MAX = min(sys.maxsize, 2**31 - 1)


@dataclass(slots=True)
class _Writer:
    """The corrected CSV being written: lines out, and the spreadsheet counts."""

    result: FixedCsv
    delimiter: str
    quote_all: bool
    spreadsheet_safe: bool
    out: list[str] = field(default_factory=list)

    def row(
        self, cells: list[str], new: list[str], names: Sequence[str] | None, original: str
    ) -> None:
        """One record: `original` (its lines as read) when nothing changes, else `new` written
        as CSV with the original's line end. `names` label the counts (None: the header)."""
        for index, cell in enumerate(new):
            if needs_neutralising(cell) and not is_e164(cell):
                self.result.formula_cells[_column_name(names, index)] += 1
        if self.spreadsheet_safe:
            written = [spreadsheet_cell(cell) for cell in new]
            for index, (cell, safe) in enumerate(zip(new, written, strict=True)):
                if cell != safe:
                    self.result.neutralised[_column_name(names, index)] += 1
            new = written
        if new == cells:
            self.out.append(original)
            return
        spliced = _spliced(original, cells, new, self)
        if spliced is not None:
            self.out.append(spliced)
            return
        self.write(new, _ending(original))

    def cell(self, value: str) -> str:
        """One value as this writer quotes it (a lone empty cell needs no quotes here)."""
        if value == "" and not self.quote_all:
            return ""
        return self._record([value])

    def write(self, cells: list[str], ending: str) -> None:
        self.out.append(self._record(cells) + ending)

    def _record(self, cells: list[str]) -> str:
        # Written with CRLF so that csv quotes any cell holding a CR or LF (it only quotes the
        # characters of its own line terminator); the caller adds the record's own line end.
        buffer = io.StringIO()
        csv.writer(
            buffer,
            delimiter=self.delimiter,
            lineterminator="\r\n",
            quoting=csv.QUOTE_ALL if self.quote_all else csv.QUOTE_MINIMAL,
        ).writerow(cells)
        return buffer.getvalue()[:-2]


def _raw_cells(record: str, delimiter: str) -> list[str]:
    """The cells of one record as spelled in the file (quotes and all), split at the
    delimiters outside quotes.

    Quoting as csv reads it: a quote opens a quoted value only as a cell's first character
    (`Ka"ri` is a quote as a character), `""` inside one is a quote, and after the closing
    quote the rest of the cell is plain text."""
    cells: list[str] = []
    start, quoted, index = 0, False, 0
    while index < len(record):
        char = record[index]
        if quoted:
            if char == '"':
                if record.startswith('"', index + 1):
                    index += 1  # a doubled quote: a quote inside the value
                else:
                    quoted = False
        elif char == delimiter:
            cells.append(record[start:index])
            start = index + 1
        elif char == '"' and index == start:
            quoted = True
        index += 1
    cells.append(record[start:])
    return cells


def _spliced(original: str, cells: list[str], new: list[str], writer: _Writer) -> str | None:
    """The record with only its changed cells written anew, every other cell kept as spelled.

    Re-writing the whole record with csv's quoting would re-quote cells that did not change
    (`"Per"` → `Per`), and the quotes of a record decide how an earlier row's stray quote reads
    the lines after it: the corrected file would read differently from the export. None when
    the spelled cells do not read back as `cells` (then the whole record is written)."""
    ending = _ending(original)
    record = original[: len(original) - len(ending)] if original.endswith(ending) else original
    raw = _raw_cells(record, writer.delimiter)
    if len(raw) != len(cells) or len(new) != len(cells):
        return None
    try:
        read = [
            next(csv.reader(io.StringIO(cell, newline=""), delimiter=writer.delimiter), [""])
            for cell in raw
        ]
    except csv.Error:
        return None
    if [r[0] if len(r) == 1 else None for r in read] != cells:
        return None
    out = [spelled if value == old else writer.cell(value)
           for spelled, old, value in zip(raw, cells, new, strict=True)]  # fmt: skip
    return writer.delimiter.join(out) + ending


def fixed_csv_bytes(
    plan: FixPlan, data: bytes, encoding: str | None = None, *, spreadsheet_safe: bool = False
) -> FixedCsv:
    """The export as read, with the plan's changes applied; with `spreadsheet_safe`, every cell
    written for a spreadsheet (see the module notes).

    Users are found by the line they start on (`record.line`), as the loader numbered them:
    after a broken row the loader reads the file again from a line of its own choosing, so
    counting records would pair users with the wrong rows. A user row is written with its
    changes only when it reads here exactly as in the check run; every other line (preamble,
    blank lines, a repeated header, a broken row and the pieces of a split one) is copied as
    it is. The output has the same users on the same lines as the input."""
    with _any_field_size():
        return _fixed_csv(plan, data, encoding, spreadsheet_safe=spreadsheet_safe)


def _fixed_csv(
    plan: FixPlan, data: bytes, encoding: str | None, *, spreadsheet_safe: bool
) -> FixedCsv:
    result = FixedCsv(b"")
    source = plan.report.sources[0]
    label = source.encoding or "utf-8"
    delimiter = source.delimiter or ","
    text, bom = _decode(data, label)
    lines = _LINES.findall(text)
    index = 0
    while index < len(lines):  # the preamble: blank lines, #TYPE and sep= before the header
        bare = lines[index].rstrip("\r\n").lstrip("\ufeff")
        preamble = (
            not bare.strip()
            or bare.lstrip().lower().startswith("#type")
            or _SEP_LINE.fullmatch(bare) is not None
        )
        if not preamble:
            break
        index += 1
    quote_all = index < len(lines) and lines[index].lstrip("\ufeff").startswith('"')
    writer = _Writer(result, delimiter, quote_all, spreadsheet_safe, out=lines[:index])
    reader = _RecordReader(lines, delimiter)
    header: list[str] = []
    if index < len(lines):
        cells, end = reader.read(index)
        if cells is None:
            raise FixedCsvError(
                "the header row reads differently from the check run: the file changed while it "
                "was read?"
            )
        # as the loader read it: the column names the fixes carry
        header = [_as_read(cell.replace("\ufeff", ""), label) for cell in cells]
        writer.row(cells, cells, None, "".join(lines[index:end]))
        index = end
    # users by the index of the line they start on; len(lines) ends the walk
    users: dict[int, UserFixes] = {}
    for user in plan.users:
        line = user.record.line
        if line is None or line - 1 < index or line - 1 >= len(lines) or line - 1 in users:
            raise FixedCsvError(_differs(user.record))
        users[line - 1] = user
    starts = [*sorted(users), len(lines)]
    for position, start in enumerate(starts[:-1]):
        while index < start:  # lines that are no user's start: copied as they are
            index = _other_lines(writer, reader, lines, header, index, start)
        user = users[start]
        if user.record.malformed is not None:  # F004: its lines are copied, never fixed
            index = _other_lines(writer, reader, lines, header, index, starts[position + 1])
            continue
        cells, end = reader.read(start)
        if (
            cells is None
            or not _reads_as(cells, _cells(user.record), label)
            or end > starts[position + 1]
        ):
            raise FixedCsvError(_differs(user.record))
        new = list(cells)
        for change in user.changes:
            new[header.index(change.column)] = change.new
        writer.row(cells, new, header, "".join(lines[start:end]))
        index = end
    while index < len(lines):
        index = _other_lines(writer, reader, lines, header, index, len(lines))
    target = encoding or label
    if target == "utf-8-sig" and label != "utf-8-sig":
        bom = True
    text = "".join(writer.out)
    if target != label:  # another encoding: the bytes kept as they were are written as read
        read = _as_read(text, label)
        result.replaced = read.count("\ufffd") - text.count("\ufffd")
        text = read
    result.data = _encode(text, target, bom, same=target == label)
    return result


def _other_lines(
    writer: _Writer,
    reader: _RecordReader,
    lines: Sequence[str],
    header: list[str],
    index: int,
    limit: int,
) -> int:
    """Copy the record on line `index` that is not a user row the check run read (a broken
    row, a piece of a split one, a repeated header, a blank line) and that ends before line
    `limit`, where the next user starts; returns the index after it. Its cells are counted
    under "column N" (they are not under their headers), a repeated header's as the header."""
    cells, end = reader.read(index)
    if cells is not None and end <= limit:
        if not cells or (not cells[0].strip() and not "".join(cells).strip()):
            writer.out.extend(lines[index:end])  # blank lines are not records
            return end
        names = None if [c.replace("\ufeff", "") for c in cells] == header else []
        writer.row(cells, cells, names, "".join(lines[index:end]))
        return end
    # Its opening quote runs on into lines the check run read as users of their own (or past
    # the field size limit): this line alone, read as the loader did, with the quote taken as
    # a character.
    line = lines[index]
    cells = _quote_as_character(line, writer.delimiter)
    for number, cell in enumerate(cells):
        bare = cell.strip('"')  # a spreadsheet reads what follows the stray quote
        if needs_neutralising(bare) and not is_e164(bare):
            writer.result.formula_cells[_column_name([], number)] += 1
    if not writer.spreadsheet_safe:
        writer.out.append(line)
        return index + 1
    # For a spreadsheet the line is written as motiscim read it, the stray quote quoted as a
    # character, so that the spreadsheet shows the same rows and does not run what follows it.
    written = [spreadsheet_cell(cell) for cell in cells]
    for number, (cell, safe) in enumerate(zip(cells, written, strict=True)):
        if cell != safe:
            writer.result.neutralised[_column_name([], number)] += 1
    writer.write(written, _ending(line))
    return index + 1


def _differs(record: UserRecord) -> str:
    where = f"row {record.row}" + (f" (line {record.line})" if record.line is not None else "")
    return f"{where} reads differently from the check run: the file changed while it was read?"


def _cells(record: UserRecord) -> list[str]:
    return list(getattr(record.raw, "cells", []))


_UNDECODED = re.compile("[\udc80-\udcff]")


def _reads_as(cells: list[str], checked: list[str], label: str) -> bool:
    """True when `cells`, read here, are the cells the check run read.

    Bytes that are not text in the export's encoding (0x81 in cp1252, a stray 0xFF after a
    UTF-8 BOM, a Windows-1252 byte in UTF-8 without one) are kept here as surrogates, to be
    written back as they were; the loader read each as U+FFFD, or in UTF-8 without a BOM as
    Windows-1252 (F009). Those cells are compared as the loader decoded them."""
    if cells == checked:
        return True
    return len(cells) == len(checked) and [_as_read(cell, label) for cell in cells] == checked


# How the loader decoded the bytes that are not text in an encoding (motiscim_cli.loaders.sniff).
_LOADER_READING = {
    "cp1252": ("cp1252", "replace"),
    "utf-8-sig": ("utf-8", CP1252_FALLBACK),
    "utf-8": ("utf-8", CP1252_FALLBACK),
}


def _as_read(text: str, label: str) -> str:
    """`text` as the loader read it: each run of surrogates (bytes kept as they were) decoded
    so, and nothing else touched (a fixed value need not fit the export's encoding)."""
    reading = _LOADER_READING.get(label)
    if reading is None or _UNDECODED.search(text) is None:
        return text
    codec, errors = reading
    return _UNDECODED_RUN.sub(
        lambda run: run.group().encode(codec, "surrogateescape").decode(codec, errors), text
    )


_UNDECODED_RUN = re.compile("[\udc80-\udcff]+")


# ---- output paths --------------------------------------------------------------------------


def same_file(a: str, b: str) -> bool:
    """True when two paths name one file (resolved; an existing file compared by inode too)."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
