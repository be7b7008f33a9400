"""File rules (F001–F010): what is wrong with an export as a file, before any user is judged.

These rules see plain data that the loaders hand them (a reason, header names, counts, line
numbers) and word the `Issue`; the loader turns it into a file-level `Finding` with
`file_finding()`. F004 is the exception that concerns one user: the loader words the reason with
the helpers below, stores it on `UserRecord.malformed`, and the engine reports it for that row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal
from urllib.parse import urlsplit

from checks.model import Finding, Issue, Severity, get_rule, rule

# What goes unchecked when an attribute has no data, for F003 messages.
_UNCHECKED = {
    "employee_number": "employee numbers (userName) cannot be checked",
    "first_name": "first names cannot be checked",
    "last_name": "last names cannot be checked",
    "email": "email addresses cannot be checked",
    "phone_number": "phone numbers cannot be checked",
    "position": "job titles cannot be checked",
    "external_id": "object IDs (externalId) cannot be checked",
    "active": "disabled accounts cannot be spotted",
}
# The same, for users already checked (F010): "email addresses were not checked".
_NOT_CHECKED = {
    attribute: text.replace(" cannot be ", " were not ") for attribute, text in _UNCHECKED.items()
}

_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}


def delimiter_name(delimiter: str) -> str:
    return _DELIMITER_NAMES.get(delimiter, repr(delimiter))


def column_label(index: int) -> str:
    """The column as a person finds it, 1-based with its spreadsheet letter: '5 (E)'."""
    number, letters = index + 1, ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return f"{index + 1} ({letters})"


def _quoted_list(names: Sequence[str]) -> str:
    quoted = [f"'{name}'" for name in names]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


@rule("F001", Severity.ERROR, scope="file")
def f001_unreadable_export(reason: str) -> Issue:
    """The file cannot be read as a user export at all.

    Nothing in the file can be checked, so the verdict is unknown and motiscim exits with 2.
    The reason says what the file is and what to do instead, for example:

    - missing file, a directory, no permission to read it;
    - an Excel workbook (.xlsx / .xls), a ZIP or gzip archive, a PDF, an HTML page (a sign-in
      page saved instead of the download), a PowerShell CliXml file: save or export the users
      as CSV UTF-8 instead;
    - an empty file, or a header with no users under it;
    - a Microsoft Graph error response saved instead of the users (for example
      `Authorization_RequestDenied`: the account that made the export lacks User.Read.All);
    - JSON that is not a Graph `/users` response (no `"value"` array) or is not valid JSON;
    - a CSV none of whose headers is a user attribute (the wrong file, or a mapping that needs
      `--column ATTRIBUTE=HEADER`).

    Fix: export the users again from the Entra admin center (Users → All users → Download
    users), Microsoft Graph or PowerShell `Export-Csv`, and check that file.
    """
    return Issue(message=" ".join(reason.split()))


@rule("F002", Severity.ERROR, scope="file")
def f002_required_column_missing(
    attribute: str, looked_for: Sequence[str], override: str | None = None, noun: str = "column"
) -> Issue:
    """A column every user needs is missing: userPrincipalName, the object ID, or a named one.

    Entra sends userPrincipalName as the SCIM userName (Motimate's employee_number) and
    matches users on objectId → externalId. Without those columns no user in the file can be
    predicted to sync, and the U and X rules cannot run.

    A column named with `--column ATTRIBUTE=HEADER` (or under `columns:` in motiscim.yaml)
    that is not in the header is this error too, whatever the attribute: the check was asked
    to read it, and a misspelt name must not quietly leave the attribute unchecked and the
    export READY.

    Bad: an export made with `Select-Object DisplayName, Mail`; an Excel copy with the ID
    column deleted; `--column phone_number=mobile` on an export whose header says
    `mobilePhone`. Good: the full Entra "Download users" CSV, or Graph `$select=id,
    userPrincipalName,…`.

    Fix: export again with the column, or name the column that holds the value with
    `--column employee_number=HEADER` / `--column external_id=HEADER`; for a named column,
    its spelling as in the export's first line.
    """
    if override is not None:
        consequence = _UNCHECKED.get(attribute, f"{attribute} cannot be checked")
        where, names = (
            ("in the header", "the export's first line")
            if noun == "column"
            else ("among the users' properties", "the export's property names")
        )
        return Issue(
            message=(
                f"The {noun} '{override}' named for {attribute} (--column, or columns: in "
                f"motiscim.yaml) is not {where}, so {consequence}: check its spelling against "
                f"{names}."
            )
        )
    what = {
        "employee_number": (
            "every user's employee_number (SCIM userName) comes from it, so no user can be "
            "checked for it"
        ),
        "external_id": (
            "Entra matches users on objectId → externalId, so no user can be checked for it"
        ),
    }.get(attribute, f"{attribute} comes from it")
    return Issue(
        message=(
            f"No {_quoted_list(looked_for)} {noun}: {what}. Export again with it, or name the "
            f"{noun} that holds it with --column {attribute}=HEADER."
        )
    )


@rule("F003", Severity.WARNING, scope="file")
def f003_attribute_unchecked(
    attribute: str,
    column: str | None,
    looked_for: Sequence[str],
    users: int = 0,
    noun: str = "column",
    schema: tuple[str, str] | None = None,
) -> Issue:
    """A mapped attribute has no column, or its column is empty for every user.

    That attribute goes unchecked: motiscim cannot predict what Entra will send for it. Often
    the export, not the directory, is at fault: a Graph call without `$select=accountEnabled`
    (it is not in the default property set), an export made by an account without permission
    to read phone numbers (mobilePhone comes back null for everyone), an Excel copy with the
    column deleted.

    Bad: no `mobilePhone` column; `mobilePhone` present but empty in all 1 250 rows. Good: the
    column present and filled for the users who have the value.

    With a provisioning schema (`preflight --schema`, `mapping --export`) the column is the one
    the schema feeds the attribute from: `[mail]` → userName makes the employee number rules
    read `mail`, and an export without a `mail` column leaves them unchecked — for
    employee_number and external_id too, which then have no F002: the export is not broken,
    it lacks what this schema sends.

    Fix: export again with the column (Graph: add it to `$select`; use an account with
    User.Read.All), or name the column with `--column ATTRIBUTE=HEADER`. If the attribute is
    truly unused, ignore this rule for the file.
    """
    if schema is not None and column is None:
        target, source = schema
        return Issue(
            message=(
                f"The provisioning schema feeds {target} ({attribute}) from {source}, and the "
                f"export has no {_quoted_list(looked_for)} {noun}: what Entra sends as "
                f"{target} cannot be checked. Export again with {source}, or name the {noun} "
                f"that holds it with --column {attribute}=HEADER."
            )
        )
    consequence = _UNCHECKED.get(attribute, f"{attribute} cannot be checked")
    if column is None:
        return Issue(
            message=(
                f"No {_quoted_list(looked_for)} {noun} for {attribute}: {consequence}. Export "
                f"again with it, or name the {noun} that holds it with "
                f"--column {attribute}=HEADER."
            )
        )
    everyone = f"all {users} users" if users != 1 else "the only user"
    return Issue(
        message=(
            f"The {noun} '{column}' ({attribute}) is empty for {everyone}: {consequence}. If the "
            "users do have this value in Entra, the export was probably made without it "
            "(Graph: missing from $select, or an account without User.Read.All); export again."
        )
    )


@rule("F004", Severity.ERROR, scope="file")
def f004_malformed_row(fields: int, expected: int, delimiter: str = ",") -> Issue:
    """A row cannot be lined up with the header, so its fields are not checked as if aligned.

    The Entra admin center download does not quote its values, so a comma inside a job title
    (`Head of Sales, Nordics`) or a display name (`Nordmann, Kari`) splits one value into two
    and shifts every later column. Checking the shifted fields would blame the wrong columns,
    so this user is reported once, here, with its line; the user principal name and object ID
    are shown only when they can still be told reliably. The same rule covers:

    - an opening double quote that is never closed: it swallows the following lines into one
      value. That row is reported with the lines it swallowed, and those lines are read again
      as rows of their own, so their users are counted and checked;
    - a line break inside an unquoted value (a job title typed on two lines): the short pieces
      whose fields add up to the header's are one user, reported once with its lines, not a
      user and a phantom one;
    - a cell motiscim reads that holds a NUL byte or another control character (a damaged
      export); a few NULs do not make the whole file "binary";
    - a value longer than 131,072 characters: a quoted one ends where its quote closes,
      however many lines it spans, and its lines are not read as phantom users;
    - a row under a header row with other columns (F008: two kinds of export joined, or the
      same columns in another order): read by the first header's columns, its values would
      be checked, and fixed, in the wrong attributes;
    - for JSON, an element of the users array (or a line of JSON Lines) that is not an object,
      a JSON Lines line that is not valid JSON (the lines after it are read), and JSON that
      breaks off.

    Fix: put the value in double quotes or remove the comma in the file, or better, export
    with Microsoft Graph / PowerShell `Export-Csv`, which quote every value.
    """
    name = delimiter_name(delimiter)
    if fields > expected:
        likely = f"a {name} inside an unquoted value (a job title or display name?)"
    else:
        likely = f"a missing {name}, or a line break inside an unquoted value"
    return Issue(
        message=(
            f"Row has {fields} fields, the header has {expected}: {likely}. Its fields were not "
            "checked; quote the value or remove the stray character, or export with Graph or "
            "PowerShell Export-Csv."
        )
    )


def other_header_issue(header_line: int, first_header_line: int) -> Issue:
    """F004 wording for a row under a header row with other columns (see F008)."""
    return Issue(
        message=(
            f"This row is under the header row on line {header_line}, whose columns differ from "
            f"the header's on line {first_header_line}: two different exports were joined. Its "
            "fields were not checked, nor fixed, by the first header's columns; check that "
            "export on its own."
        )
    )


def glued_header_issue() -> Issue:
    """F004 wording for a row with another export's header glued to its end (see F008)."""
    return Issue(
        message=(
            "This row ends with the header row of a second export, glued to its last value (the "
            "export before it had no line break at its end): its fields were not checked. Put a "
            "line break before the header."
        )
    )


def swallowed_lines_issue(
    first_line: int, last_line: int, *, oversized: int | None = None
) -> Issue:
    """F004 wording for the row whose opening double quote is never closed, when the lines it
    swallowed were read again on their own (`oversized`: the reader's value limit it ran into)."""
    count = last_line - first_line
    if count == 1:
        span, again = (
            f"line {first_line + 1}",
            "That line was read again on its own, so its user is",
        )
    else:
        span = f"lines {first_line + 1}–{last_line}"
        again = "Those lines were read again on their own, so their users are"
    lines = "line" if count == 1 else "lines"
    limit = f", more than {oversized:,} characters," if oversized is not None else ""
    return Issue(
        message=(
            f"An opening double quote in this row is never closed: it swallowed the next {count} "
            f"{lines} ({span}){limit} into one value. {again} checked; this row was not. Remove "
            'the stray quote, or quote the whole value and double the quote inside it ("").'
        )
    )


def split_row_issue(first_line: int, last_line: int, parts: Sequence[int], column: str) -> Issue:
    """F004 wording for one row split over several lines by an unquoted line break."""
    counts = " + ".join(str(n) for n in parts)
    expected = sum(parts) - len(parts) + 1
    return Issue(
        message=(
            f"This row is split over lines {first_line}–{last_line} by a line break inside the "
            f"unquoted value of '{column}': its lines have {counts} fields, the header's "
            f"{expected} once that value is joined. It was read as one user, but its fields were "
            "not checked: remove the line break from the value (or quote it), or export with "
            "Graph or PowerShell Export-Csv."
        )
    )


def json_element_issue(kind: str, container: str) -> Issue:
    """F004 wording for an element of a users array that is not a user object."""
    return Issue(
        message=(
            f"This element of the {container} is {kind}, not a user object, so there is no user "
            "to check here. Export the users again."
        )
    )


def json_line_issue(kind: str, line: int) -> Issue:
    """F004 wording for a line of a JSON Lines file (or a document between pages) that is not
    an object. The line is in the message: a JSON report gives a pointer, not a line."""
    return Issue(
        message=(
            f"Line {line} holds {kind} instead of a user object, so there is no user to check "
            "here (a user the exporting script failed to read?). The lines after it were read. "
            "Remove the line, or export the users again."
        )
    )


def json_document_issue(what: str, advice: str) -> Issue:
    """F004 wording for a document in a multi-document JSON file that holds no users."""
    return Issue(
        message=(
            f"This JSON document is {what} instead of a page of users, so users may be missing "
            f"from the export: {advice}."
        )
    )


def json_syntax_issue(detail: str, line: int) -> Issue:
    """F004 wording for JSON that breaks off: the rest of the file cannot be read."""
    return Issue(
        message=(
            f"The JSON is broken on line {line} ({detail}): nothing after it could be read, so "
            "users in the rest of the file are missing from this check. Export the users again."
        )
    )


@rule("F005", Severity.WARNING, scope="file")
def f005_lossy_export(
    users: int, lines: Sequence[int], question_marks: bool, replacement_chars: bool
) -> Issue:
    """The file shows signs of a lossy export: letters already replaced by `?` or U+FFFD.

    When an export passes through a tool or encoding that cannot hold a letter (PowerShell 5.1
    `Export-Csv` without `-Encoding UTF8`, `Out-File` to an ANSI code page, a CSV "ASCII"
    save), the letter is replaced by `?` or by the replacement character `�`. The original is
    gone and cannot be repaired from the file. The damage is in the *export*, not necessarily
    in Entra, so this is one warning about the file: the names and titles checked from it may
    not be what Entra will send.

    Looked at: the mapped names, title, email and user principal name, and displayName when
    present (`?` between letters, or a run of `??`), and every value (U+FFFD).

    Bad: `J?rgen`, `Bj?rn M?ller`, `Ren� Dubois`. Good: `Jørgen`, `Björn Müller`, `René Dubois`.

    Fix: export again as UTF-8 (Excel: "CSV UTF-8 (Comma delimited)"; PowerShell:
    `Export-Csv -Encoding UTF8`), then check the new file.
    """
    signs = []
    if question_marks:
        signs.append("'?' where letters should be")
    if replacement_chars:
        signs.append("the replacement character U+FFFD")
    who = "1 user has" if users == 1 else f"{users} users have"
    where = "line" if users == 1 else "lines"
    shown = ", ".join(str(line) for line in lines)
    more = f" and {users - len(lines)} more" if users > len(lines) else ""
    return Issue(
        message=(
            f"{who} {' and '.join(signs)} ({where} {shown}{more}): the export lost letters it "
            "could not encode. Export again as UTF-8 (Excel: 'CSV UTF-8'; PowerShell: "
            "Export-Csv -Encoding UTF8)."
        )
    )


@rule("F006", Severity.WARNING, scope="file")
def f006_duplicate_header(header: str, columns: Sequence[int]) -> Issue:
    """The same header appears more than once; only the first such column is read.

    Headers are compared the way motiscim matches them: ignoring case, spaces, NBSP and a BOM.
    A second `mobile` column (a spreadsheet edit, two exports pasted side by side) may hold the
    values someone meant to fix, and they would be silently ignored.

    Fix: delete or rename the extra column, keeping the one with the data Entra really holds.
    """
    labels = [column_label(index) for index in columns]
    return Issue(
        message=(
            f"Header '{header}' appears {len(columns)} times (columns {', '.join(labels)}): "
            f"only column {labels[0]} is read. Delete or rename the others."
        )
    )


@rule("F007", Severity.ERROR, scope="file")
def f007_incomplete_graph_export(next_link: str, users: int, pages: int) -> Issue:
    """The Graph export stops early: its last page still has an `@odata.nextLink`.

    Microsoft Graph returns `/users` in pages (100 users by default, at most 999 with `$top`)
    and puts an `@odata.nextLink` on every page but the last. A file whose last page still has
    one was saved before all pages were fetched (only the first response of
    `Invoke-MgGraphRequest`, or Graph Explorer's first page), so users are missing from it and
    motiscim cannot say whether they will sync. The users that are in the file are still
    checked. Pages concatenated one after the other or in an array are complete when only the
    last one lacks a nextLink.

    The message shows the nextLink's host and path, never its query: the `$skiptoken` is a
    cursor into the directory and is left out.

    Fix: export all pages: `Get-MgUser -All -Property …`, or follow `@odata.nextLink` until a
    page has none and save every page (one after the other or in a JSON array), then check
    that file.
    """
    parts = urlsplit(next_link.strip())
    host = parts.hostname or ""
    shown = f"{parts.scheme}://{host}{parts.path}" if parts.scheme and host else "a next page"
    page_count = "1 page" if pages == 1 else f"{pages} pages"
    user_count = "1 user" if users == 1 else f"{users} users"
    return Issue(
        message=(
            f"The export is incomplete: it stops after {page_count} ({user_count}), and its last "
            f"page still has an @odata.nextLink ({shown}), so the rest of the users were never "
            "downloaded and are not checked. Export all pages: Get-MgUser -All, or follow "
            "@odata.nextLink until a page has none and save every page."
        )
    )


@rule("F008", Severity.WARNING, scope="file")
def f008_repeated_header(
    line: int,
    header_line: int,
    kind: Literal["same", "other", "preamble", "glued", "glued-other"] = "same",
    type_line: int | None = None,
) -> Issue:
    """The header row appears again inside the file: two exports joined into one.

    `cat a.csv b.csv > all.csv`, `Get-Content *.csv | Set-Content`, or pasting a second export
    under the first repeats the header row (and a PowerShell `#TYPE` or Excel `sep=` line before
    it). That row is not a user: it is skipped, reported here with its line, and the rows after
    it are read as usual. If the joined exports overlap, their users appear twice, and
    U003/X003 name them. A repeated header with *other* columns (two kinds of export joined,
    or the same columns in another order) cannot be lined up with the first header: each row
    under it is an F004 finding, never checked or fixed by the first header's columns, until
    the first header comes again. A header row is recognised in any case or spacing, and
    glued to the end of a row, when the first export had no line break at its end (that row
    is then F004: its last value holds the header's first name).

    Fix: keep one header row (delete this line), or check the exports one by one.
    """
    after = f" (after the #TYPE or sep= line on line {type_line})" if type_line is not None else ""
    if kind == "preamble":
        return Issue(
            message=(
                f"Line {line} is a PowerShell #TYPE or Excel sep= line inside the file, the start "
                "of a second export joined to the first: it is not a user and was skipped. Delete "
                "the line, or check the exports one by one."
            )
        )
    if kind in ("glued", "glued-other"):
        rows = (
            "the rows after it were read"
            if kind == "glued"
            else "the rows under it do not line up with the first header and were not checked"
        )
        same = f"of line {header_line}" if kind == "glued" else "with other columns"
        return Issue(
            message=(
                f"Line {line} ends with a header row {same}, glued to its last value: a second "
                f"export was joined to a first without a line break at its end; {rows}. Put a "
                "line break before the header, or check the exports one by one."
            )
        )
    if kind == "other":
        return Issue(
            message=(
                f"Line {line} is a header row{after} with other columns than the header on line "
                f"{header_line}: two different exports were joined, and the rows under it do not "
                "line up with the first header. Check the exports one by one."
            )
        )
    return Issue(
        message=(
            f"Line {line} repeats the header row of line {header_line}{after}: two exports were "
            "joined into one file. It is not a user and was skipped; the rows after it were read. "
            "Delete the line, or check the exports one by one."
        )
    )


@rule("F009", Severity.WARNING, scope="file")
def f009_mixed_encoding(line_count: int, lines: Sequence[int]) -> Issue:
    """Some lines of a UTF-8 file hold bytes that are not UTF-8: Windows-1252 (ANSI) text.

    A UTF-8 export joined with an ANSI one (Excel's plain "CSV (Comma delimited)", Windows
    PowerShell `Set-Content` or `Out-File -Encoding Default`), or a row typed in an ANSI
    editor, mixes two encodings in one file. Read as one of them, the other's letters come out
    wrong: `Ã¸` for `ø` on every UTF-8 line, or `�` on every ANSI line. The file is read as
    UTF-8 (it has a UTF-8 BOM, or most of it is UTF-8) and each byte that is not UTF-8 as
    Windows-1252, which is what such a byte almost always is (the byte 0xF8 reads `ø`). This
    warning names the first five such lines and counts the rest, to be looked at, since that
    reading is a guess. Entra never sees the file: this is about the export.

    Bad: `Jørgen` in UTF-8 on line 2, `Björn` in Windows-1252 on line 3 (`ö` as the one byte
    0xF6). Good: one encoding throughout.

    Fix: export again as UTF-8 in one go (Excel: "CSV UTF-8 (Comma delimited)"; PowerShell:
    `Export-Csv -Encoding UTF8`), save the joined file as UTF-8 from an editor that shows
    those lines right, or write it with `motiscim fix --csv FILE --encoding utf-8-sig`.
    """
    shown = ", ".join(str(line) for line in lines)
    more = f" and {line_count - len(lines)} more" if line_count > len(lines) else ""
    where = f"line {shown} holds" if line_count == 1 else f"{line_count} lines ({shown}{more}) hold"
    return Issue(
        message=(
            f"The file is UTF-8 but {where} bytes that are not: Windows-1252 (ANSI) text, "
            "from an export joined to this one or an edit in an ANSI editor. Those bytes were "
            "read as Windows-1252; check that the names on those lines look right, then export "
            "again as UTF-8 in one go."
        )
    )


@rule("F010", Severity.ERROR, scope="file")
def f010_property_after_users_checked(
    attribute: str, name: str, first_row: int, first_line: int | None, unchecked: int
) -> Issue:
    """A property first appears in a JSON export after users were checked without it.

    A JSON export is read as a stream: each user is checked for the attributes whose property
    some user up to then has had. While an attribute has no property yet, the next 4 096 items
    are held back, so a property missing from the first users (a script that leaves out empty
    values) still counts their absence: U001, X001, E003, N001 … But a property first met later
    comes too late for the users already checked; they all lack it, and nothing was said about
    that attribute for them. They are counted here, as an error: the verdict cannot be READY
    without them. A Microsoft Graph `/users` answer never does this — it gives every
    selected property for every user, `null` when empty.

    Bad: 5 000 users without `mail`, then users with it. Good: every user with every property,
    empty ones as `null`.

    Fix: export again so that every user has every property: Graph with the same `$select`
    for every page; PowerShell `Select-Object` with a fixed list of properties before
    `ConvertTo-Json`.
    """
    what = _NOT_CHECKED.get(attribute, f"{attribute} was not checked")
    line = f" (line {first_line})" if first_line is not None else ""
    return Issue(
        message=(
            f"The property '{name}' ({attribute}) first appears at row {first_row}{line}, "
            f"after {unchecked} users had been checked without it: they lack it, so "
            f"for them {what}. Export again so that every user has every property (empty ones "
            "as null)."
        )
    )


def file_finding(
    code: str, issue: Issue, *, source: str, line: int | None = None, column: str | None = None
) -> Finding:
    """A file-level finding (row is None) with the rule's catalogue severity."""
    return Finding(
        rule=code,
        severity=get_rule(code).severity,
        message=issue.message,
        source=source,
        row=None,
        line=line,
        column=column,
    )
