"""The notification email of guide step 47, composed from a checked report.

Before provisioning is turned on, Motimate wants an email with the Object ID, UPN and email of
each test user and screenshots of the two attribute mappings. Everything in it comes from the
`Report` and the test users found in the export, never from typing: `compose()` is a pure
function from those to a `Draft` (plain text, Markdown and HTML bodies of the same content),
and `to_eml()` turns a draft into an RFC 5322 message that mail clients open as an editable
draft. Nothing here reads files or the clock, so the same inputs always give the same bytes.

The token is not an input of anything in this module, so it cannot end up in an email.
"""

from __future__ import annotations

import base64
import html
import mimetypes
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path
from typing import Literal

from checks.mapping_schema import expression_attributes
from checks.model import Finding, Severity, get_rule
from motiscim_cli import __version__
from motiscim_cli.report import Report

DEFAULT_TO = "support@motimateapp.com"
DISABLED_RULE = "A001"  # accountEnabled false: a forced test user Entra will not provision
SUBJECT = "Motimate SCIM: ready to turn on provisioning"
# The draft is written whatever the verdict (README: the not-ready sample gets one too), so the
# subject must not promise what the summary in the body denies: a reader of the inbox sees the
# subject first, and Motimate may act on it.
NOT_READY_SUBJECT = "Motimate SCIM: not ready to turn on provisioning"

# The guide's names for the two mappings to screenshot (step 47); the admin center now says
# "Microsoft Entra ID" where the guide says "Azure Active Directory".
SCREENSHOTS: tuple[tuple[str, str], ...] = (
    ("users", "Provision Azure Active Directory Users"),
    ("groups", "Provision Azure Active Directory Groups"),
)

# The guide's critical steps, each with the mapping findings that contradict it: (rule, which
# of its findings). "any": every finding of the rule; "externalId": only one about the users'
# externalId row (M005: the row is missing); "source": only one that changes the row's source
# (M001 with a fix: externalId is fed by something else than objectId); "upn": only one about
# a row fed by userPrincipalName (M001 leaves M003 the externalId row, however it is fed).
CHECKLIST: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Users are matched on objectId → externalId with matching precedence 1 (steps 18–26)",
        (("M001", "any"), ("M002", "any"), ("M005", "externalId")),
    ),
    (
        "The step-29 revert is fixed: objectId, not mailNickname, feeds externalId (step 29)",
        (("M002", "any"), ("M001", "source"), ("M005", "externalId")),
    ),
    (
        # M003 names any matching row but externalId: the step is the guide's "objectId only"
        "Only objectId → externalId matches; userPrincipalName does not (steps 23–26)",
        (("M003", "any"), ("M001", "upn")),
    ),
    (
        "Groups are matched on objectId, and displayName is not matching (steps 32–36)",
        (("M006", "any"),),
    ),
)
GROUPS_STEP = CHECKLIST[3][0]  # not covered by a schema without a group mapping

Mark = Literal["verified", "failed", "confirm"]
TEXT_MARKS: dict[Mark, str] = {"verified": "[x]", "failed": "[!]", "confirm": "[ ]"}


@dataclass(frozen=True, slots=True)
class TestUser:
    """A test user as read from the export: the three values Motimate asks for, and where."""

    __test__ = False  # not a pytest class

    object_id: str | None
    user_principal_name: str | None
    email: str | None
    source: str
    row: int
    error_rules: tuple[str, ...] = ()  # non-empty only when forced through with errors

    def label(self) -> str:
        return self.user_principal_name or self.object_id or f"{self.source} row {self.row}"


@dataclass(frozen=True, slots=True)
class EmailOptions:
    to: str = DEFAULT_TO
    organisation: str | None = None
    contact: str | None = None  # the sign-off: "Kari Nordmann <kari@example.com>"
    tenant_url: str | None = None
    attachments: Sequence[str] = ()  # file names of the screenshots given with --attach
    suggested: bool = False  # the test users are motiscim's suggestions, not the admin's choice


@dataclass(frozen=True, slots=True)
class Draft:
    to: str
    subject: str
    text: str
    markdown: str
    html: str
    sender: str | None = None  # a From address, when the contact has one

    def headers_text(self) -> str:
        """The draft as a person copies it: To and Subject lines, then the body."""
        lines = [f"To: {self.to}"]
        if self.sender:
            lines.append(f"From: {self.sender}")
        lines.append(f"Subject: {self.subject}")
        return "\n".join(lines) + "\n\n" + self.text

    def headers_markdown(self) -> str:
        lines = [f"**To:** {self.to}  "]
        if self.sender:
            lines.append(f"**From:** {self.sender}  ")
        lines.append(f"**Subject:** {self.subject}")
        return "\n".join(lines) + "\n\n---\n\n" + self.markdown


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    data: bytes
    content_type: str


# ---- the content, as blocks every format renders the same way --------------------------------


@dataclass(frozen=True, slots=True)
class _Paragraph:
    text: str


@dataclass(frozen=True, slots=True)
class _Heading:
    text: str


@dataclass(frozen=True, slots=True)
class _Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class _Items:
    items: tuple[str, ...]
    marks: tuple[Mark, ...] | None = None  # a checklist when given
    sub: tuple[tuple[str, ...], ...] = ()  # items nested under items[i], when given


@dataclass(frozen=True, slots=True)
class _Lines:
    """Lines kept as they are (the sign-off)."""

    lines: tuple[str, ...]


_Block = _Paragraph | _Heading | _Table | _Items | _Lines


def subject_for(report: Report, organisation: str | None = None) -> str:
    """The subject, stating the verdict the body's summary gives and what makes it so."""
    if report.verdict == "ready":
        subject = SUBJECT
    else:
        reasons = not_ready_reasons(report)
        subject = NOT_READY_SUBJECT + (f" ({', '.join(reasons)})" if reasons else "")
    return f"{subject} — {organisation}" if organisation else subject


def not_ready_reasons(report: Report) -> list[str]:
    """Why the report is not ready (`Report.failing_parts`), a few words each."""
    if report.unreadable:
        return ["an export could not be read"]
    users = report.users_with_errors
    words = {
        # File errors (F002, F004 outside a user) have no user to count.
        "export": f"{_count(users, 'user')} with errors" if users else "export errors",
        "connection": "connection test failed",
        "mapping": "attribute mapping not as the guide says",
    }
    return [words[part] for part in report.failing_parts()]


def sender_address(contact: str | None) -> str | None:
    """The contact as a From header when it contains an address, else None."""
    if not contact:
        return None
    pairs = getaddresses([contact])
    if len(pairs) == 1 and "@" in pairs[0][1]:
        return contact.strip()
    return None


def screenshot_files(attachments: Sequence[str]) -> dict[str, str | None]:
    """Which --attach file shows which mapping: by name ("group", "user"), else in order."""
    names = [Path(a).name for a in attachments]
    assigned: dict[str, str | None] = {key: None for key, _ in SCREENSHOTS}
    rest: list[str] = []
    for name in names:
        lowered = name.casefold()
        key = "groups" if "group" in lowered else "users" if "user" in lowered else None
        if key is not None and assigned[key] is None:
            assigned[key] = name
        else:
            rest.append(name)
    for key in assigned:
        if assigned[key] is None and rest:
            assigned[key] = rest.pop(0)
    return assigned


def first_sentence(message: str) -> str:
    """What is wrong, without the how-to-fix that follows it: the vendor needs the former."""
    head, separator, _ = message.partition(". ")
    return head + "." if separator else message


def _contradicts(finding: Finding, rule: str, which: str) -> bool:
    if finding.rule != rule or finding.suppressed is not None:
        return False
    if which == "externalId":
        return finding.column == "externalId"
    if which == "source":
        return finding.fix is not None
    if which == "upn":
        names = expression_attributes(finding.value or "")
        return any(name.casefold() == "userprincipalname" for name in names)
    return True


def checklist_marks(report: Report) -> list[tuple[Mark, str, str | None]]:
    """(mark, item, note) per critical step. Verified only when the schema was checked, covers
    the step and no mapping finding contradicts it; failed, with the findings' codes, when one
    does; to confirm on the screenshots when no schema was checked or it lacks the step."""
    mapping = report.mapping
    unchecked = next((f for f in mapping.findings if f.rule == "M012"), None) if mapping else None
    result: list[tuple[Mark, str, str | None]] = []
    for item, contradicted_by in CHECKLIST:
        if mapping is None:
            result.append(("confirm", item, None))
            continue
        if item == GROUPS_STEP and not mapping.groups_checked:
            note = "NOT CHECKED: the provisioning schema has no group mapping."
            result.append(("confirm", item, note))
            continue
        hits = [
            f
            for f in mapping.findings
            if any(_contradicts(f, rule, which) for rule, which in contradicted_by)
        ]
        if hits:
            codes = ", ".join(sorted({f.rule for f in hits}))
            note = f"NOT DONE ({codes}): {first_sentence(hits[0].message)}"
            result.append(("failed", item, note))
        elif unchecked is not None and item != GROUPS_STEP:
            # Another user mapping (M012) was not checked: it may undo the step.
            note = f"NOT CHECKED (M012): {first_sentence(unchecked.message)}"
            result.append(("confirm", item, note))
        else:
            result.append(("verified", item, None))
    return result


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _summary_items(report: Report) -> _Items:
    # The export's findings only: the connection and the mapping have lines of their own.
    errors = Counter(
        f.rule for f in report.findings if f.severity is Severity.ERROR and f.suppressed is None
    )
    items = [
        f"Users checked: {report.users}",
        f"Users with errors: {report.users_with_errors}",
    ]
    by_rule: list[str] = []
    for code, count in sorted(errors.items()):
        try:
            # Backticks mark code in the catalogue; in an email they are noise.
            summary = get_rule(code).summary.rstrip(".").replace("`", "")
        except KeyError:
            summary = ""
        by_rule.append(f"{code} × {count}" + (f": {summary}" if summary else ""))
    items.append("Errors by rule:" if by_rule else "Errors by rule: none")
    if report.connection is not None:
        items.append("Connection test: " + _connection_words(report))
    if report.mapping is not None:
        items.append("Attribute mapping check: " + _mapping_words(report))
    verdict = {
        "ready": "ready",
        "not-ready": "not ready",
        "unknown": "unknown (an export could not be read)",
    }[report.verdict]
    items.append(f"Verdict: {verdict}")
    sub = tuple(tuple(by_rule) if i == 2 else () for i in range(len(items)))
    return _Items(tuple(items), sub=sub)


def _connection_words(report: Report) -> str:
    connection = report.connection
    assert connection is not None
    if connection.skipped:
        return "not run (no tenant URL given to motiscim)"
    if connection.ok:
        words = "OK, the URL and token were accepted"
        details = []
        if connection.status is not None:
            details.append(f"HTTP {connection.status}")
        if connection.elapsed_ms is not None:
            details.append(f"{connection.elapsed_ms} ms")
        if details:
            words += f" ({', '.join(details)})"
        warnings = sorted({f.rule for f in connection.findings if f.suppressed is None})
        if warnings:
            words += f"; notes: {', '.join(warnings)}"
        return words
    failed = [f for f in connection.findings if f.severity is Severity.ERROR]
    if failed:
        return "FAILED: " + "; ".join(f"{f.rule} {f.message}" for f in failed)
    return "FAILED"


def _mapping_words(report: Report) -> str:
    mapping = report.mapping
    assert mapping is not None
    problems = sorted(
        {f.rule for f in mapping.findings if f.severity is Severity.ERROR and f.suppressed is None}
    )
    others = sorted(
        {
            f.rule
            for f in mapping.findings
            if f.severity is not Severity.ERROR and f.suppressed is None
        }
    )
    words = (
        "as the guide says" if mapping.ok and not problems else "problems: " + ", ".join(problems)
    )
    if others:
        words += f" (notes: {', '.join(others)})"
    return words


def blocks(report: Report, users: Sequence[TestUser], options: EmailOptions) -> list[_Block]:
    """The email's content, once, for every format."""
    out: list[_Block] = [_Paragraph("Hello Motimate team,")]
    who = f" for {options.organisation}" if options.organisation else ""
    out.append(
        _Paragraph(
            "We have set up the Motimate SCIM application in Microsoft Entra ID"
            f"{who} and plan to turn on provisioning for the test users below (step 47 of your "
            "SCIM setup guide). Please confirm that we can start provisioning."
        )
    )
    if options.suggested:
        out.append(_Heading("Test users (SUGGESTED by motiscim)"))
        out.append(
            _Paragraph(
                "SUGGESTION by motiscim: these are the first users in the export with no "
                "errors. Make sure they are the users you assigned to the application in steps "
                "41–46 (or replace them), then delete this paragraph and the word SUGGESTED."
            )
        )
    else:
        out.append(_Heading("Test users"))
    out.append(
        _Table(
            ("Object ID", "User Principal Name (UPN)", "Email"),
            tuple(
                (
                    u.object_id or "(none in the export)",
                    u.user_principal_name or "(none in the export)",
                    u.email or "(none in the export)",
                )
                for u in users
            ),
        )
    )
    forced = [u for u in users if u.error_rules]
    failing = [u for u in forced if set(u.error_rules) - {DISABLED_RULE}]
    if failing:
        out.append(
            _Paragraph(
                "Note: motiscim predicts that these test users will fail to sync: "
                + "; ".join(f"{u.label()} ({', '.join(u.error_rules)})" for u in failing)
                + "."
            )
        )
    disabled = [u for u in forced if u not in failing]
    if disabled:
        out.append(
            _Paragraph(
                "Note: these test users are disabled in Entra (accountEnabled false), which "
                "does not provision disabled users: " + "; ".join(u.label() for u in disabled) + "."
            )
        )
    if options.tenant_url:
        out.append(_Paragraph(f"Tenant URL: {options.tenant_url}"))

    out.append(_Heading(f"Preflight summary (motiscim {__version__}, {report.generated_at})"))
    out.append(_summary_items(report))
    if report.users_with_errors and not forced:
        out.append(
            _Paragraph(
                f"{_count(report.users_with_errors, 'user')} with errors will be fixed before "
                "they are assigned to the application; the test users above have none."
            )
        )

    out.append(_Heading("Screenshots of the attribute mappings"))
    files = screenshot_files(options.attachments)
    shots = []
    for key, name in SCREENSHOTS:
        attached = files[key]
        state = f"attached ({attached})" if attached else "[to attach]"
        shots.append(f'Attribute Mappings of "{name}": {state}')
    out.append(_Items(tuple(shots)))

    marks = checklist_marks(report)
    out.append(_Heading("Checklist of the guide's critical steps"))
    if report.mapping is None:
        legend = "[ ] = to confirm on the screenshots (the provisioning schema was not checked)."
    else:
        legend = (
            "[x] = verified by motiscim from the provisioning schema; [!] = not done, see the note."
        )
        if any(mark == "confirm" for mark, _, _ in marks):
            legend += " [ ] = not in the schema, to confirm on the screenshots."
    out.append(_Paragraph(legend))
    out.append(
        _Items(
            tuple(item + (f" — {note}" if note else "") for _, item, note in marks),
            tuple(mark for mark, _, _ in marks),
        )
    )

    out.append(_Lines(("Best regards,", options.contact or "[your name]")))
    return out


def compose(report: Report, users: Sequence[TestUser], options: EmailOptions) -> Draft:
    """The draft email of guide step 47 for these test users and this report."""
    content = blocks(report, users, options)
    return Draft(
        to=options.to,
        subject=subject_for(report, options.organisation),
        text=render_text(content),
        markdown=render_markdown(content),
        html=render_html(content),
        sender=sender_address(options.contact),
    )


# ---- renderers ---------------------------------------------------------------------------------


def render_text(content: Sequence[_Block]) -> str:
    parts: list[str] = []
    for block in content:
        if isinstance(block, _Paragraph):
            parts.append(block.text)
        elif isinstance(block, _Heading):
            parts.append(f"{block.text}\n{'-' * len(block.text)}")
        elif isinstance(block, _Table):
            widths = [
                max(len(cell) for cell in column)
                for column in zip(block.header, *block.rows, strict=True)
            ]
            lines = [
                "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
                for row in (block.header, tuple("-" * w for w in widths), *block.rows)
            ]
            parts.append("\n".join(lines))
        elif isinstance(block, _Items):
            if block.marks is None:
                parts.append(_bullets(block, "- ", "  - "))
            else:
                parts.append(
                    "\n".join(
                        f"{TEXT_MARKS[mark]} {item}"
                        for mark, item in zip(block.marks, block.items, strict=True)
                    )
                )
        else:
            parts.append("\n".join(block.lines))
    return "\n\n".join(parts) + "\n"


def _bullets(block: _Items, bullet: str, nested: str) -> str:
    lines = []
    for index, item in enumerate(block.items):
        lines.append(f"{bullet}{item}")
        if index < len(block.sub):
            lines.extend(f"{nested}{child}" for child in block.sub[index])
    return "\n".join(lines)


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|")


def render_markdown(content: Sequence[_Block]) -> str:
    parts: list[str] = []
    for block in content:
        if isinstance(block, _Paragraph):
            parts.append(block.text)
        elif isinstance(block, _Heading):
            parts.append(f"### {block.text}")
        elif isinstance(block, _Table):
            rows = [block.header, tuple("---" for _ in block.header), *block.rows]
            parts.append(
                "\n".join(
                    "| " + " | ".join(cell if i == 1 else _md_cell(cell) for cell in row) + " |"
                    for i, row in enumerate(rows)
                )
            )
        elif isinstance(block, _Items):
            if block.marks is None:
                parts.append(_bullets(block, "- ", "  - "))
            else:
                # GitHub-style task lists know only done and open; a failed step stays open.
                parts.append(
                    "\n".join(
                        f"- [{'x' if mark == 'verified' else ' '}] {item}"
                        for mark, item in zip(block.marks, block.items, strict=True)
                    )
                )
        else:
            parts.append("  \n".join(block.lines))
    return "\n\n".join(parts) + "\n"


HTML_MARKS: dict[Mark, str] = {"verified": "☑", "failed": "☒", "confirm": "☐"}


def render_html(content: Sequence[_Block]) -> str:
    """A small HTML alternative, so mail clients show the test users as a real table."""
    esc = html.escape
    parts: list[str] = []
    for block in content:
        if isinstance(block, _Paragraph):
            parts.append(f"<p>{esc(block.text)}</p>")
        elif isinstance(block, _Heading):
            parts.append(f"<h3>{esc(block.text)}</h3>")
        elif isinstance(block, _Table):
            head = "".join(
                f'<th style="text-align:left;border:1px solid #999;padding:2px 6px">{esc(c)}</th>'
                for c in block.header
            )
            body = "".join(
                "<tr>"
                + "".join(
                    f'<td style="border:1px solid #999;padding:2px 6px">{esc(c)}</td>' for c in row
                )
                + "</tr>"
                for row in block.rows
            )
            parts.append(f'<table style="border-collapse:collapse"><tr>{head}</tr>{body}</table>')
        elif isinstance(block, _Items):
            if block.marks is None:
                items = ""
                for index, item in enumerate(block.items):
                    children = block.sub[index] if index < len(block.sub) else ()
                    nested = "".join(f"<li>{esc(child)}</li>" for child in children)
                    items += f"<li>{esc(item)}" + (f"<ul>{nested}</ul>" if nested else "") + "</li>"
                parts.append(f"<ul>{items}</ul>")
            else:
                items = "".join(
                    f"<li>{HTML_MARKS[mark]} {esc(item)}</li>"
                    for mark, item in zip(block.marks, block.items, strict=True)
                )
                parts.append(f'<ul style="list-style:none;padding-left:0">{items}</ul>')
        else:
            parts.append("<p>" + "<br>".join(esc(line) for line in block.lines) + "</p>")
    return "<!DOCTYPE html>\n<html><body>\n" + "\n".join(parts) + "\n</body></html>\n"


# ---- the .eml draft ---------------------------------------------------------------------------


def attachment_from_bytes(filename: str, data: bytes) -> Attachment:
    """An attachment named like the file, with the MIME type its extension suggests."""
    name = Path(filename).name
    content_type, encoding = mimetypes.guess_type(name)
    if content_type is None or encoding is not None:
        content_type = "application/octet-stream"
    return Attachment(filename=name, data=data, content_type=content_type)


# RFC 5322 lines of at most 78 characters: "Subject: " and a word of this length, or an
# encoded word of this many UTF-8 bytes (=?utf-8?b?…?= of 68 characters), fit on the first line.
LINE_LENGTH = 78
LONGEST_PLAIN_WORD = LINE_LENGTH - len("Subject: ")
ENCODED_WORD_BYTES = 42


def _encoded_words(text: str) -> list[str]:
    """`text` as RFC 2047 encoded words, cut between characters."""
    chunks: list[bytes] = [b""]
    for char in text:
        data = char.encode("utf-8")
        if chunks[-1] and len(chunks[-1]) + len(data) > ENCODED_WORD_BYTES:
            chunks.append(b"")
        chunks[-1] += data
    return [f"=?utf-8?b?{base64.b64encode(chunk).decode('ascii')}?=" for chunk in chunks]


def subject_header(subject: str) -> str:
    """The Subject header's value, encoded and folded by hand (RFC 2047, RFC 5322).

    Python's folder breaks right after `Subject:` (a parser then reads a leading space), drops
    spaces between encoded words, and leaves a literal `=?utf-8?q?x?=` to be decoded by the
    reader. Here a word is sent as it is when it is printable ASCII, short enough for a line
    and not like an encoded word; the other words are encoded, a run of them (with the spaces
    between them) together, since readers ignore the space between two encoded words. Lines
    are folded at the spaces between words, never before the first one."""
    tokens: list[str] = []
    run: list[str] = []  # words to encode, in a row
    for word in subject.split(" "):
        if not word and tokens and not run:
            tokens[-1] += " "  # a second space, kept before the next word
        elif (run and not word) or not (
            word.isascii() and "=?" not in word and len(word) <= LONGEST_PLAIN_WORD
        ):
            run.append(word)
        else:
            if run:
                tokens += _encoded_words(" ".join(run))
                run = []
            tokens.append(word)
    if run:
        tokens += _encoded_words(" ".join(run))
    lines = [tokens[0]]
    width = len("Subject: ") + len(tokens[0])
    for token in tokens[1:]:
        if width + 1 + len(token) > LINE_LENGTH:
            lines.append(" " + token)
            width = 1 + len(token)
        else:
            lines[-1] += " " + token
            width += 1 + len(token)
    return "\n".join(lines)


def to_eml(draft: Draft, attachments: Sequence[Attachment] = ()) -> bytes:
    """The draft as an RFC 5322 message that Outlook and Thunderbird open for editing.

    `X-Unsent: 1` is what makes Outlook open a saved .eml as a draft to send rather than as a
    received message. The body is text/plain with an HTML alternative; each attachment is its
    own MIME part. Lines end in CRLF, as RFC 5322 wants on disk and on the wire.
    """
    message = EmailMessage(policy=policy.default)
    message["To"] = draft.to
    if draft.sender:
        message["From"] = draft.sender
    # Stored as it is: the generator sends lines that fit as they are (refold_source "long").
    message.set_raw("Subject", subject_header(draft.subject))
    message["X-Unsent"] = "1"
    message.set_content(draft.text)
    message.add_alternative(draft.html, subtype="html")
    for attachment in attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(
            attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    return message.as_bytes(policy=policy.SMTP)
