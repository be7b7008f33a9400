"""What a loader notices about a file while streaming it, turned into F002/F003/F005/F006, and
F009 from what the encoding check found.

Only counters and a few line numbers are kept, never records, so a file of a million users
costs the same memory as a file of ten.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from checks.model import MOTIMATE_ATTRIBUTES, Finding
from checks.rules.file import (
    f002_required_column_missing,
    f003_attribute_unchecked,
    f005_lossy_export,
    f006_duplicate_header,
    f009_mixed_encoding,
    file_finding,
)
from motiscim_cli.loaders.columns import REQUIRED_ATTRIBUTES, SchemaColumn, display_names
from motiscim_cli.loaders.sniff import Encoding

# `?` standing where a letter was: between two letters (`J?rgen`, `M??ller` from a two-byte
# UTF-8 letter), or a run of them (`???` for a name in a script the code page lacks).
LOSSY_QUESTION_MARK = re.compile(r"[^\W\d_]\?+[^\W\d_]|\?\?")
_EXAMPLE_LINES = 5


def encoding_findings(encoding: Encoding, source: str) -> list[Finding]:
    """F009 for a UTF-8 file whose lines `encoding.foreign_lines` were read as Windows-1252."""
    if not encoding.foreign_line_count:
        return []
    issue = f009_mixed_encoding(encoding.foreign_line_count, encoding.foreign_lines)
    return [file_finding("F009", issue, source=source, line=encoding.foreign_lines[0])]


# A control character no user attribute holds: C0 other than tab, LF and CR.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def control_characters(named: Iterable[tuple[str, str | None]]) -> list[tuple[str, str]]:
    """(name, first control character) for each named text that holds one."""
    return [
        (name, found.group())
        for name, text in named
        if text and (found := CONTROL.search(text)) is not None
    ]


def control_character_message(found: Sequence[tuple[str, str]], subject: str) -> str:
    """F004 wording for a row (`subject`: "This row", "The user on line 7") whose cells hold a
    NUL byte or another control character: the bytes are damaged, so its fields are not
    checked, and the rows after it are."""
    where: dict[str, list[str]] = {}
    for name, char in found:
        what = "a NUL byte" if char == "\x00" else f"a control character (U+{ord(char):04X})"
        where.setdefault(what, []).append(f"'{name}'")
    parts = [f"{what} in {_listed(names)}" for what, names in where.items()]
    return (
        f"{subject} holds {_listed(parts)}: no name, address or number has one, so the "
        "export is damaged here, or the value in Entra is. Its fields were not checked; export "
        "the users again, or correct the value in Entra."
    )


def _listed(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def truthy(text: str | None) -> bool | None:
    """accountEnabled-style text as a bool: True/False, yes/no, 1/0 in any case; else None."""
    if text is None:
        return None
    folded = text.strip().lower()
    if folded in ("true", "yes", "1", "$true"):
        return True
    if folded in ("false", "no", "0", "$false"):
        return False
    return None


class FileObserver:
    """Collects the facts for the file findings while records stream past."""

    def __init__(self, source: str, delimiter: str | None = None) -> None:
        self.source = source
        self.delimiter = delimiter
        self.aligned_users = 0
        self._unseen: set[str] | None = None  # attributes with a column but no value yet
        self.lossy_users = 0
        self.lossy_lines: list[int] = []
        self.lossy_question_marks = False
        self.lossy_replacement = False

    def track_attributes(self, attributes: Iterable[str]) -> None:
        """Attributes whose column exists: F003 fires for those still empty at the end."""
        if self._unseen is None:
            self._unseen = set()
        self._unseen.update(attributes)

    def aligned(self, values: Mapping[str, str | None]) -> None:
        self.aligned_users += 1
        unseen = self._unseen
        if unseen:
            for attribute in [a for a in unseen if values.get(a) is not None]:
                unseen.discard(attribute)

    def lossy(self, texts: Iterable[str | None], everything: Iterable[str], line: int) -> None:
        """Look for `?`-for-a-letter in `texts` and U+FFFD anywhere in `everything`."""
        question = any(
            text is not None and "?" in text and LOSSY_QUESTION_MARK.search(text) is not None
            for text in texts
        )
        replacement = "\ufffd" in "".join(everything)  # one scan instead of one per cell
        if not (question or replacement):
            return
        self.lossy_users += 1
        self.lossy_question_marks |= question
        self.lossy_replacement |= replacement
        if len(self.lossy_lines) < _EXAMPLE_LINES:
            self.lossy_lines.append(line)

    def absorb(self, later: FileObserver) -> None:
        """Add what `later` saw of the rows after this observer's (one file read in parts)."""
        self.aligned_users += later.aligned_users
        if self._unseen is not None and later._unseen is not None:
            self._unseen &= later._unseen
        self.lossy_users += later.lossy_users
        self.lossy_lines = (self.lossy_lines + later.lossy_lines)[:_EXAMPLE_LINES]
        self.lossy_question_marks |= later.lossy_question_marks
        self.lossy_replacement |= later.lossy_replacement

    def findings(
        self,
        columns: Mapping[str, str],
        overrides: Mapping[str, str],
        duplicates: Sequence[tuple[str, list[int]]] = (),
        header_line: int | None = None,
        noun: str = "column",
        schema: Mapping[str, SchemaColumn] | None = None,
    ) -> list[Finding]:
        """F002, F003, F005, F006 for this file, from what was seen so far (F002 also for a
        column named in `overrides` that the header lacks, whatever its attribute).

        `schema`: the provisioning schema's column choices (not overridden). An attribute the
        schema maps nothing to is not sent, so its missing column is no finding; a column the
        schema names and the export lacks is F003, for every attribute (see F003)."""
        found: list[Finding] = []
        schema = schema or {}
        for attribute in REQUIRED_ATTRIBUTES:
            if attribute not in columns and attribute not in schema:
                issue = f002_required_column_missing(
                    attribute, display_names(attribute), overrides.get(attribute), noun=noun
                )
                found.append(file_finding("F002", issue, source=self.source))
        unseen = self._unseen or set()
        for attribute in MOTIMATE_ATTRIBUTES:
            column = columns.get(attribute)
            chosen = schema.get(attribute)
            if chosen is not None and column is None:
                if chosen.source is None:
                    continue  # the schema sends nothing to it: nothing to check
                issue = f003_attribute_unchecked(
                    attribute,
                    None,
                    chosen.names,
                    noun=noun,
                    schema=(chosen.target, chosen.source),
                )
            elif attribute in REQUIRED_ATTRIBUTES:
                continue  # F002 covers their absence; U001/X001 their emptiness, user by user
            elif column is None and attribute in overrides:
                # A named column that is not there: an error, so a typo cannot pass as READY.
                issue = f002_required_column_missing(
                    attribute, display_names(attribute), overrides[attribute], noun=noun
                )
                found.append(file_finding("F002", issue, source=self.source))
                continue
            elif column is None:
                issue = f003_attribute_unchecked(
                    attribute, None, display_names(attribute), noun=noun
                )
            elif attribute in unseen and self.aligned_users:
                issue = f003_attribute_unchecked(
                    attribute, column, display_names(attribute), self.aligned_users, noun=noun
                )
            else:
                continue
            found.append(file_finding("F003", issue, source=self.source, column=column))
        if self.lossy_users:
            issue = f005_lossy_export(
                self.lossy_users,
                self.lossy_lines,
                self.lossy_question_marks,
                self.lossy_replacement,
            )
            line = self.lossy_lines[0] if self.lossy_users == 1 else None
            found.append(file_finding("F005", issue, source=self.source, line=line))
        for header, indices in duplicates:
            issue = f006_duplicate_header(header, indices)
            found.append(
                file_finding("F006", issue, source=self.source, line=header_line, column=header)
            )
        return sorted(found, key=lambda f: f.rule)
