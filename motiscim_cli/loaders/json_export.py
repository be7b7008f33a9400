"""Microsoft Graph `/users` JSON: one page, several pages, an array of pages, a bare array of
users, JSON Lines, any of them with a BOM or in UTF-16.

Streaming: a small scanner walks the top level of the file and the `"value"` array of each page
and hands every user object to `json.JSONDecoder.raw_decode` on its own, refilling a text buffer
in 64 KB chunks. Memory is bounded by the largest single user object, not by the page or the
file; a page of 999 users is never held as one Python list. A page that fits in the buffer is
parsed in one call when it turns out to be a single user (JSON Lines), which keeps that common
case fast. Numbers keep their text (`4.79877E+09` stays as written, for P006).

Positions (documented choice):

- `row`: 1-based index of the user in the file, across pages.
- `pointer`: RFC 6901 pointer to the user *within the JSON document that holds it*. For a file
  that is one document this is a pointer into the file: `/value/11` (one page), `/0/value/3`
  (an array of pages), `/4` (a bare array). A file that is several documents one after the
  other (pages concatenated, one per line or not; JSON Lines) has no single document to point
  into, so the pointer is into the record's own document: `/value/3` of its page, `""` (the
  whole document) for a JSON Lines user. `row` is unique in every case.
- `line`: the physical line where the user's object starts (`{`), so every record, JSON Lines
  or pretty-printed page, can be found in an editor or annotated in CI.

JSON Lines: once a user object has stood alone on its line (after nothing but such lines and
`null`-style scalar lines), the file is JSON Lines and every later line is read on its own. A line
that is not valid JSON (a user cut off before its `}`, a bare `NaN`) is an F004 record for that
line, and the next line is read: one broken line no longer hides the users after it. A line
must hold its whole document; one longer than `_LINE_LIMIT` characters is an F004 of its own and
is skipped without being held in memory. Concatenated pretty-printed pages are not JSON Lines
(their first document spans lines) and are read as documents, as before.

`null` is an empty value; `true`/`false` become the text `"true"`/`"false"`; a list (say
`businessPhones` named with `--column`) gives its first element; an object gives its JSON text.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import Any, BinaryIO, TextIO

from checks.model import MOTIMATE_ATTRIBUTES, Finding, UserRecord
from checks.rules.file import (
    f007_incomplete_graph_export,
    f010_property_after_users_checked,
    file_finding,
    json_document_issue,
    json_element_issue,
    json_line_issue,
    json_syntax_issue,
)
from motiscim_cli.loaders.columns import (
    CONTEXT_SOURCES,
    LOSSY_EXTRA_SOURCES,
    SchemaColumn,
    followed_schema,
    normalize_header,
    wanted_names,
)
from motiscim_cli.loaders.observe import (
    FileObserver,
    control_character_message,
    control_characters,
    encoding_findings,
    truthy,
)
from motiscim_cli.loaders.sniff import Encoding, NotAnExport

_CHUNK = 1 << 16
# Non-objects (`null` lines, numbers) read past before the first user; a file with more than
# this many and no user yet is not a users export.
_LEADING_LIMIT = 1000
# Records held back while an attribute has no property yet: a property left out of the first
# users (a script that drops empty values) is met before they are checked, and their lack of it
# counts (U001, E003 …). Memory: this many user objects; a property met later is F010.
HELD_USERS = 4096
# Property names repeat in every user: normalise each spelling once.
_normalized = lru_cache(maxsize=4096)(normalize_header)
_WS = re.compile(r"[ \t\n\r]*")
# What may follow a document on its JSON Lines line: blanks, and the commas some scripts leave.
_LINE_REST = re.compile(r"[ \t\r,]*")
# A JSON Lines line longer than this (in characters) is not read into memory: no user is.
_LINE_LIMIT = 16 * 1024 * 1024
# The UPN and object ID of a user on a JSON Lines line that is not valid JSON.
_IDENTITY = {
    "user_principal_name": re.compile(r'"userPrincipalName"\s*:\s*"((?:[^"\\]|\\.)*)"'),
    "object_id": re.compile(r'"id"\s*:\s*"((?:[^"\\]|\\.)*)"'),
}
# The JSON escape of a UTF-16 surrogate; the decoder pairs valid ones, so any left are lone.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF][0-9a-fA-F]{2}")
# The escape of a control character (C0 but tab, LF, CR: `\u0000`): the loader then looks
# at the values it reads for one.
_CONTROL_ESCAPE = re.compile(r"\\u00(?:0[0-8bBcCeEfF]|1[0-9a-fA-F])")
# Either escape: one search per user, which almost always finds neither.
_ODD_ESCAPE = re.compile(
    r"\\u(?:[dD][89abcdefABCDEF][0-9a-fA-F]{2}|00(?:0[0-8bBcCeEfF]|1[0-9a-fA-F]))"
)
_SURROGATE = re.compile("[\ud800-\udfff]")
# Properties that make a bare JSON object a user (JSON Lines, a bare array).
_USER_KEYS = frozenset(
    normalize_header(k)
    for k in ("userPrincipalName", "id", "objectId", "mail", "givenName", "surname", "displayName")
)
_LOSSY_ATTRIBUTES = ("employee_number", "first_name", "last_name", "email", "position")

# What to do about the Graph errors an export script saves by mistake.
_GRAPH_ERROR_ADVICE = {
    "authorization_requestdenied": (
        "the account that exported it lacks permission to read users (User.Read.All or "
        "Directory.Read.All): grant it, then export again"
    ),
    "invalidauthenticationtoken": (
        "the access token was missing or expired: sign in again, then export again"
    ),
    "toomanyrequests": "Graph throttled the export: wait a minute, then export again",
    "request_badrequest": "the request was rejected: check the $select/$filter, then export again",
    "request_unsupportedquery": (
        "the query is not supported: check the $select/$filter, then export again"
    ),
}


class JsonSyntaxError(Exception):
    def __init__(self, detail: str, line: int) -> None:
        super().__init__(f"{detail} (line {line})")
        self.detail = detail
        self.line = line


class JsonTooDeep(JsonSyntaxError):
    """Arrays or objects nested deeper than Python's JSON decoder goes (no user export is)."""

    def __init__(self, line: int) -> None:
        super().__init__("arrays or objects nested too deeply", line)


@dataclass(slots=True)
class _Item:
    # "user" | "element" (not an object) | "problem" (a document that holds no users) |
    # "broken" (a JSON Lines line that is not valid JSON)
    kind: str
    # the user dict | the element's JSON kind | the problem: (what it is, advice) | why broken
    value: Any
    pointer: str
    line: int
    document: bool = False  # the user is a whole top-level document (JSON Lines)
    container: str = '"value" array'


def broken_line_message(detail: str, line: int) -> str:
    """F004 wording for a JSON Lines line that is not valid JSON; the line is in the message,
    as in `json_line_issue`: a JSON report gives a pointer, not a line."""
    return (
        f"Line {line} is not valid JSON ({detail}), so the user on it could not be read or "
        "checked (a user the exporting script did not write whole?). The lines after it were "
        "read. Export the users again, or repair or remove the line."
    )


def graph_error_reason(error: Mapping[str, Any]) -> tuple[str, str]:
    """What a Graph error response is (its code and message) and what to do about it."""
    code = str(error.get("code") or "unknown")
    message = " ".join(str(error.get("message") or "").split())
    if len(message) > 120:
        message = message[:117] + "…"
    advice = _GRAPH_ERROR_ADVICE.get(code.lower(), "fix the cause, then export again")
    detail = f"{code}: {message}" if message else code
    return f"a Microsoft Graph error response ({detail})", advice


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, float):  # parse_float keeps numbers as text: only NaN and ±Infinity
        return str(value).replace("nan", "NaN").replace("inf", "Infinity")
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        # parse_int/parse_float keep numbers as text, so a bare number arrives as a str too
        return "a string or number"
    return "a value"


class _Scanner:
    """Walks a JSON text stream document by document, yielding `_Item`s."""

    def __init__(self, stream: TextIO, chunk: int = _CHUNK) -> None:
        self._stream = stream
        self._chunk = chunk
        self.buf = ""
        self.pos = 0
        self.eof = False
        self._line = 1  # line number at buf[_line_pos]
        self._line_pos = 0
        # The start of the current line that _more dropped (at most its last 64 characters)
        self._dropped_line_start = ""
        self._decoder = json.JSONDecoder(parse_float=str, parse_int=str, strict=False)
        # A control character was escaped in a value read so far (set before its user is
        # yielded): from then on the loader looks at every user's values for one.
        self.controls_seen = False
        self.next_link: str | None = None  # @odata.nextLink of the last page seen
        self.next_link_line: int | None = None
        self.pages = 0  # Graph pages (objects with a "value" array of users) seen
        self._link_line: int | None = None

    # ---- buffer ----------------------------------------------------------------------------

    def _more(self) -> bool:
        """Read more text, dropping what was consumed; False at the end of the file."""
        if self.eof:
            return False
        data = self._stream.read(max(self._chunk, len(self.buf) - self.pos))
        if not data:
            self.eof = True  # the buffer stays as it was: error positions still point into it
            return False
        if self.pos:
            self.line_at(self.pos)
            dropped = self.buf[: self.pos]
            newline = dropped.rfind("\n")
            self._dropped_line_start = (
                dropped[newline + 1 :] if newline >= 0 else self._dropped_line_start + dropped
            )[-64:]  # only leading blanks are wanted back (_next_line), never a long line
            self.buf = self.buf[self.pos :]
            self._line_pos -= self.pos
            self.pos = 0
        self.buf += data
        return True

    def line_at(self, position: int) -> int:
        """The line of buf[position]; positions must not go backwards between calls."""
        self._line += self.buf.count("\n", self._line_pos, position)
        self._line_pos = position
        return self._line

    def peek(self) -> str | None:
        """Skip whitespace; the next character (not consumed), or None at the end."""
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._more():
                return None

    def value(self) -> Any:
        """Decode one complete JSON value at the cursor, reading more text as needed."""
        while True:
            try:
                value, end = self._decoder.raw_decode(self.buf, self.pos)
            except RecursionError:
                raise JsonTooDeep(self.line_at(self.pos)) from None
            except json.JSONDecodeError as error:
                # Near the end of the buffer the value may just be cut off: read on. Elsewhere
                # the JSON is broken, and reading the rest of the file would not help.
                cut = error.pos >= len(self.buf) - 8 or error.msg.startswith("Unterminated")
                if cut and self._more():
                    continue
                raise JsonSyntaxError(error.msg, self.line_at(max(error.pos, self.pos))) from None
            if (
                end > len(self.buf) - 32
                and self.buf[self.pos] not in '"{['
                and not self.eof
                and self._more()
            ):
                continue  # a number near the end of the buffer may go on ('1.' of '1.5e3')
            value = self._whole_characters(value, self.pos, end)
            self.pos = end
            return value

    def _whole_characters(self, value: Any, start: int, end: int) -> Any:
        """`value`, with lone UTF-16 surrogates (an escaped `\\ud83d`: half an emoji cut off
        by the exporting tool) replaced by U+FFFD, as undecodable bytes are (F005 sees it).

        Left in, they cannot be encoded as UTF-8, and every report writer failed on them. Only
        a `\\uD800`–`\\uDFFF` escape in the JSON text makes one, so only such text is walked.
        An escaped control character (`\\u0000`) sets `controls_seen`."""
        return self._odd_escapes(value, self.buf, start, end)

    def _odd_escapes(self, value: Any, text: str, start: int, end: int) -> Any:
        odd = _ODD_ESCAPE.search(text, start, end)
        if odd is None:  # the common case: one search, nothing to do
            return value
        if not self.controls_seen:
            self.controls_seen = _CONTROL_ESCAPE.search(text, odd.start(), end) is not None
        if _SURROGATE_ESCAPE.search(text, odd.start(), end) is None:
            return value
        return _replace_surrogates(value)

    def syntax(self, detail: str) -> JsonSyntaxError:
        return JsonSyntaxError(detail, self.line_at(min(self.pos, len(self.buf))))

    # ---- structure -------------------------------------------------------------------------

    def items(self) -> Iterator[_Item]:
        documents = 0
        # Every document so far was a user object or a scalar alone on its line: JSON Lines,
        # once a user object is among them.
        one_per_line = True
        while (char := self.peek()) is not None:
            if char == "," and documents:
                self.pos += 1  # pages joined with commas but no brackets: tolerate
                continue
            line = self.line_at(self.pos)
            kinds: list[str] = []
            if char == "{":
                for item in self._object("", line, document=True):
                    kinds.append(item.kind if item.document else "page")
                    yield item
                kinds = kinds or ["page"]  # an empty page, or one without users
            elif char == "[":
                one_per_line = False
                yield from self._array("")
            else:
                # JSON Lines with a `null` (or `42`, `"x"`) line: not a user, but the lines
                # after it are. Anything that is not JSON at all still ends the file here.
                if char not in '-0123456789"tfn':
                    raise self.syntax("expected '{' or '[' to start a JSON document")
                kind = _json_kind(self.value())
                kinds.append("element")
                yield _Item("element", kind, "", line, document=True, container="file")
            documents += 1
            if one_per_line:
                one_per_line = kinds in (["user"], ["element"]) and self._alone_on(line)
                if one_per_line and kinds == ["user"]:
                    yield from self._json_lines()
                    return

    def _alone_on(self, line: int) -> bool:
        """The document just read started and ended on `line`, and nothing follows it there."""
        if self.line_at(self.pos) != line:
            return False
        return self.peek() is None or self.line_at(self.pos) > line

    # ---- JSON Lines ------------------------------------------------------------------------

    def _json_lines(self) -> Iterator[_Item]:
        """The rest of a JSON Lines file, line by line: a broken line is an item of its own."""
        while True:
            text, line = self._next_line()
            if text is None:
                return
            if line < 0:  # longer than _LINE_LIMIT: skipped, not held
                yield _broken("", -line, f"it is longer than {_LINE_LIMIT:,} characters")
                continue
            yield from self._line_items(text, line)

    def _next_line(self) -> tuple[str | None, int]:
        """The next line that is not blank and its number (negative when it was too long to
        keep: its text is then ""); (None, 0) at the end of the file."""
        while True:
            end = self.buf.find("\n", self.pos)
            while end < 0:
                if len(self.buf) - self.pos > _LINE_LIMIT:
                    return "", -self._skip_long_line()
                searched = len(self.buf) - self.pos  # _more drops what precedes self.pos
                if not self._more():
                    break
                end = self.buf.find("\n", self.pos + searched)
            start = self.pos
            # peek() may have stepped over this line's indentation: give it back, so the
            # character a message names counts from the start of the line
            line_start = self.buf.rfind("\n", 0, start) + 1
            indentation = ""
            if not self.buf[line_start:start].strip(" \t\r"):
                indentation = self.buf[line_start:start]
                if line_start == 0 and not self._dropped_line_start.strip(" \t\r"):
                    indentation = self._dropped_line_start + indentation
            if end < 0:
                end = len(self.buf)
                if start >= end:
                    return None, 0
            line = self.line_at(start)
            self.pos = min(end + 1, len(self.buf))
            if end - start > _LINE_LIMIT:  # read whole in one chunk, but no user is this long
                return "", -line
            text = indentation + self.buf[start:end]
            if text.strip(" \t\r"):
                return text, line

    def _skip_long_line(self) -> int:
        """Read past a line too long to keep, without holding it; its number."""
        line = self.line_at(self.pos)
        while True:
            end = self.buf.find("\n", self.pos)
            if end >= 0:
                self.pos = end + 1
                return line
            # No line break in what is dropped, so the line number stays `line`.
            self.buf, self.pos, self._line_pos = "", 0, 0
            if not self._more():
                return line

    def _line_items(self, text: str, line: int) -> Iterator[_Item]:
        """The document(s) on one JSON Lines line, or one "broken" item for the line."""
        # The whole line is decoded before anything is yielded: a line whose start is JSON
        # and whose rest is not (`  "value": [` of a pretty-printed page) is one broken
        # record, not a string element and then a broken record for the same line.
        decoder = self._decoder
        values: list[Any] = []
        position = _WS.match(text).end()  # type: ignore[union-attr]
        while position < len(text):
            try:
                value, end = decoder.raw_decode(text, position)
            except RecursionError:
                yield _broken(text, line, "arrays or objects nested too deeply")
                return
            except json.JSONDecodeError as error:
                yield _broken(text, line, _line_error(error, text))
                return
            if isinstance(value, float):  # NaN, Infinity: Python reads them, JSON has none
                yield _broken(text, line, f"{_json_kind(value)} is not JSON")
                return
            values.append(self._odd_escapes(value, text, position, end))
            position = _LINE_REST.match(text, end).end()  # type: ignore[union-attr]
        for value in values:
            yield from self._decoded(value, "", line, document=True)

    def _decoded(self, value: Any, pointer: str, line: int, *, document: bool) -> Iterator[_Item]:
        """Items of a document already decoded in memory, as `_object`/`_array` stream them."""
        if isinstance(value, dict):
            users = value.get("value")
            if not isinstance(users, list) or _is_user_with_a_value_property(value):
                yield self._classify(value, pointer, line, document)
                return
            self.pages += 1
            for index, element in enumerate(users):
                here = f"{pointer}/value/{index}"
                if isinstance(element, dict):
                    yield _Item("user", element, here, line)
                else:
                    yield _Item("element", _json_kind(element), here, line)
            link = value.get("@odata.nextLink")
            self.next_link = link if isinstance(link, str) and link.strip() else None
            self.next_link_line = line if self.next_link else None
        elif isinstance(value, list):
            for index, element in enumerate(value):
                here = f"{pointer}/{index}"
                if isinstance(element, dict):
                    yield from self._decoded(element, here, line, document=False)
                else:
                    yield _Item("element", _json_kind(element), here, line, container="array")
        else:
            yield _Item(
                "element", _json_kind(value), pointer, line, document=True, container="file"
            )

    def _array(self, pointer: str) -> Generator[_Item, None, None]:
        self.pos += 1  # '['
        index = 0
        char = self.peek()
        if char == "]":
            self.pos += 1
            return
        while True:
            line = self.line_at(self.pos)
            here = f"{pointer}/{index}"
            if char == "{":
                yield from self._object(here, line, document=False)
            elif char is None:
                raise self.syntax("the file ends inside an array")
            else:
                kind = _json_kind(self.value())
                yield _Item("element", kind, here, line, container="array")
            index += 1
            char = self.peek()
            if char == ",":
                self.pos += 1
                char = self.peek()
                continue
            if char == "]":
                self.pos += 1
                return
            raise self.syntax("expected ',' or ']'")

    def _object(self, pointer: str, line: int, *, document: bool) -> Generator[_Item, None, None]:
        """An object at the top level or in a bare array: a page, a user, or a problem."""
        try:  # fast path: the whole object is already in the buffer
            whole, end = self._decoder.raw_decode(self.buf, self.pos)
            whole = self._whole_characters(whole, self.pos, end)
        except (json.JSONDecodeError, RecursionError):
            whole = None  # streamed member by member below, which reports what is wrong
        if isinstance(whole, dict) and (
            not isinstance(whole.get("value"), list) or _is_user_with_a_value_property(whole)
        ):
            self.pos = end
            yield self._classify(whole, pointer, line, document)
            return
        members, page = yield from self._stream_object(pointer)
        if page:
            self.pages += 1
            link = members.get("@odata.nextLink")
            self.next_link = link if isinstance(link, str) and link.strip() else None
            self.next_link_line = self._link_line if self.next_link else None
        else:
            yield self._classify(members, pointer, line, document)

    def _stream_object(self, pointer: str) -> Generator[_Item, None, tuple[dict[str, Any], bool]]:
        """Read an object member by member, streaming the users of a `"value"` array."""
        self.pos += 1  # '{'
        members: dict[str, Any] = {}
        page = False
        char = self.peek()
        if char == "}":
            self.pos += 1
            return members, page
        while True:
            if char != '"':
                raise self.syntax("expected a property name in double quotes")
            line = self.line_at(self.pos)
            key = self.value()
            if key == "@odata.nextLink":
                self._link_line = line  # F007 points at it
            if self.peek() != ":":
                raise self.syntax("expected ':' after a property name")
            self.pos += 1
            if self.peek() == "[" and key == "value":
                page = True
                yield from self._users(f"{pointer}/value")
            else:
                members[key] = self.value()
            char = self.peek()
            if char == ",":
                self.pos += 1
                char = self.peek()
                continue
            if char == "}":
                self.pos += 1
                return members, page
            raise self.syntax("expected ',' or '}' in an object")

    def _users(self, pointer: str) -> Generator[_Item, None, None]:
        """The elements of a page's `"value"` array: every object in it is a user."""
        self.pos += 1  # '['
        index = 0
        char = self.peek()
        if char == "]":
            self.pos += 1
            return
        while True:
            if char is None:
                raise self.syntax('the file ends inside the "value" array')
            line = self.line_at(self.pos)
            element = self.value()
            here = f"{pointer}/{index}"
            if isinstance(element, dict):
                yield _Item("user", element, here, line)
            else:
                yield _Item("element", _json_kind(element), here, line)
            index += 1
            char = self.peek()
            if char == ",":
                self.pos += 1
                char = self.peek()
                continue
            if char == "]":
                self.pos += 1
                return
            raise self.syntax("expected ',' or ']' in the \"value\" array")

    @staticmethod
    def _classify(obj: dict[str, Any], pointer: str, line: int, document: bool) -> _Item:
        error = obj.get("error")
        if isinstance(error, dict) and not any(
            _normalized(key) in _USER_KEYS for key in obj if key != "error"
        ):  # a user may have a property called "error" (found by the property test)
            return _Item("problem", graph_error_reason(error), pointer, line, document)
        if (
            "userPrincipalName" in obj
            or "id" in obj
            or any(_normalized(k) in _USER_KEYS for k in obj)
        ):
            container = "file" if document else "array"
            return _Item("user", obj, pointer, line, document, container)
        if "value" in obj or any(key.startswith("@odata.") for key in obj):
            reason = (
                'a Microsoft Graph response without a "value" array of users',
                "export GET /users and save the whole response",
            )
        else:
            reason = (
                'a JSON object with neither a "value" array nor user properties '
                "(userPrincipalName, id …)",
                "is this the right file? A Microsoft Graph /users export is expected",
            )
        return _Item("problem", reason, pointer, line, document)


def _broken(text: str, line: int, detail: str) -> _Item:
    """The item for a JSON Lines line that is not valid JSON: why, and the user's UPN and
    object ID when the line names each once (a user cut off after them can still be found)."""
    identity = {}
    for key, pattern in _IDENTITY.items():
        found = pattern.findall(text)
        if len(found) == 1:
            with contextlib.suppress(json.JSONDecodeError):  # an escape cut in half
                identity[key] = json.loads(f'"{found[0]}"') or None
    return _Item("broken", (detail, identity), "", line, True, "file")


def _line_error(error: json.JSONDecodeError, text: str) -> str:
    """Why a JSON Lines line is not JSON, in words: a line that stops before its value ends is
    the common case (a user cut off by the exporting script)."""
    if error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated"):
        return "it ends before its JSON value does: a missing '}', ']' or '\"'?"
    return f"{error.msg[:1].lower()}{error.msg[1:]} at character {error.pos + 1}"


def _replace_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_replace_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_replace_surrogates(k): _replace_surrogates(v) for k, v in value.items()}
    return value


def _is_user_with_a_value_property(obj: Mapping[str, Any]) -> bool:
    """A user (JSON Lines, a bare array) that has a property called `value` holding a list.

    A Graph page has `@odata.*` members and `value`, never a user's `id` or UPN: without this
    the user was taken for a page, and lost."""
    # an "error" object is a Graph error body; a user may have an "error" property of its own
    return not isinstance(obj.get("error"), dict) and any(
        _normalized(key) in _USER_KEYS for key in obj if key != "value"
    )


def _text(value: Any) -> str | None:
    """A JSON value as the text Entra would send; None for null and the empty string."""
    if value is None:
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return _text(value[0]) if value else None
    return json.dumps(value, ensure_ascii=False)


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else truthy(_text(value))


class JsonExport:
    """One Graph JSON export being read. Construct, then iterate `records()` once."""

    def __init__(
        self,
        path: str,
        handle: BinaryIO,
        encoding: Encoding,
        *,
        format_override: str | None,
        overrides: Mapping[str, str],
        schema: Mapping[str, SchemaColumn] | None = None,
    ) -> None:
        self.path = path
        self.encoding_label = encoding.label
        self._encoding = encoding
        self.delimiter: str | None = None
        handle.seek(encoding.skip)
        self._text = io.TextIOWrapper(handle, encoding=encoding.codec, errors=encoding.errors)
        self._raw_controls = encoding.controls  # a control byte may stand unescaped in a string
        self._scanner = _Scanner(self._text)
        self._items = self._scanner.items()
        self.observer = FileObserver(path)
        self.overrides = dict(overrides)
        self.schema = followed_schema(schema, overrides)  # the schema's column choices
        # attribute -> property name, as far as learned: replaced (never changed) when a
        # property is met for another attribute, so a record keeps the columns it was read with
        self.columns: dict[str, str] = {}
        self._context: dict[str, str] = {}  # context field -> property name
        self._lossy_extra: str | None = None
        self._normalized: dict[str, str] = {}  # normalized property name -> first spelling seen
        self._known: set[str] = set()
        self._problems: list[Finding] = []
        self._users = 0  # user objects read (F007 says how many the incomplete export has)
        # Users handed on while attributes had no property (the hold-back was full): how many,
        # and which attributes (F010 when one of them is met later).
        self._released = 0
        self._released_without: frozenset[str] = frozenset()
        self._user_row = 0  # the row and line of the user being read
        self._user_line: int | None = None
        # A `null` line before the first user (JSON Lines) is a finding, not the end of the
        # file: the entries before the first user are kept and yielded first.
        leading: list[_Item] = []
        while True:
            try:
                first = next(self._items)
            except StopIteration:
                if leading:
                    raise self._not_users(leading[0]) from None
                raise NotAnExport('the JSON holds no users (an empty "value" array?)') from None
            except JsonTooDeep as error:
                raise NotAnExport(
                    f"the JSON nests arrays or objects too deeply (line {error.line}), which no "
                    "Microsoft Graph /users export does: is it the right file?"
                ) from None
            except JsonSyntaxError as error:
                if leading:
                    raise self._not_users(leading[0]) from None
                raise NotAnExport(f"not valid JSON ({error.detail} on line {error.line})") from None
            if first.kind == "problem":
                what, advice = first.value
                raise NotAnExport(f"this is {what}, not users: {advice}")
            if first.kind not in ("element", "broken"):
                break
            leading.append(first)
            if len(leading) >= _LEADING_LIMIT:
                raise self._not_users(leading[0])
        self.format = format_override or ("graph-jsonl" if first.document else "graph-json")
        self._learn(first.value)  # columns are known before the first record is read
        self._first: list[_Item] | None = [*leading, first]
        self._rows = self._generate()

    @staticmethod
    def _not_users(first: _Item) -> NotAnExport:
        return NotAnExport(
            f"the JSON's first entry is {first.value}, not a user object: not a Microsoft "
            "Graph /users export"
        )

    @property
    def next_link(self) -> str | None:
        """`@odata.nextLink` of the last page read: set means the export stopped early."""
        return self._scanner.next_link

    def records(self) -> Iterator[UserRecord]:
        return self._rows

    def _generate(self) -> Iterator[UserRecord]:
        """The records of `_read`, held back (up to `HELD_USERS`) while an attribute has no
        property yet; a held record gets the columns known when it is handed on: it lacked
        every property learned since (a property is learned at the first user that has it),
        so its value for them is, rightly, empty."""
        held: list[UserRecord] = []
        for record in self._read():
            if not held and len(self.columns) == len(MOTIMATE_ATTRIBUTES):
                yield record  # every attribute has its property: nothing left to learn
                continue
            held.append(record)
            if len(held) >= HELD_USERS or len(self.columns) == len(MOTIMATE_ATTRIBUTES):
                yield from self._hand_on(held)
                held = []
        yield from self._hand_on(held)

    def _hand_on(self, held: list[UserRecord]) -> list[UserRecord]:
        columns = self.columns
        for record in held:
            record.columns = columns
        missing = frozenset(MOTIMATE_ATTRIBUTES) - columns.keys()
        if missing and held:
            # users checked without them: a malformed item (F004) is reported, not checked
            self._released += sum(1 for record in held if record.malformed is None)
            self._released_without = missing
        return held

    def _read(self) -> Iterator[UserRecord]:
        row = 0
        items = chain(self._first or (), self._items)
        self._first = None
        while True:
            try:
                item = next(items)
            except StopIteration:
                return
            except JsonSyntaxError as error:
                issue = json_syntax_issue(error.detail, error.line)
                self._problems.append(
                    file_finding("F004", issue, source=self.path, line=error.line)
                )
                return
            if item.kind == "problem":
                issue = json_document_issue(*item.value)
                self._problems.append(file_finding("F004", issue, source=self.path, line=item.line))
                continue
            row += 1
            if item.kind in ("element", "broken"):
                identity: dict[str, str] = {}
                if item.kind == "broken":
                    detail, identity = item.value
                    message = broken_line_message(detail, item.line)
                elif item.document:
                    message = json_line_issue(item.value, item.line).message
                else:
                    message = json_element_issue(item.value, item.container).message
                yield UserRecord(
                    source=self.path,
                    row=row,
                    line=item.line,
                    pointer=item.pointer,
                    values={},
                    user_principal_name=identity.get("user_principal_name"),
                    object_id=identity.get("object_id"),
                    columns=self.columns,
                    malformed=message,
                )
                continue
            self._users += 1
            self._user_row, self._user_line = row, item.line
            yield self._record(item, row)

    def _learn(self, obj: Mapping[str, Any]) -> None:
        """Meet new property names: resolve attributes that had no property yet."""
        for key in obj:
            if key not in self._known:
                self._known.add(key)
                self._normalized.setdefault(_normalized(key), key)
        names = self._normalized
        found: dict[str, str] = {}
        for attribute in MOTIMATE_ATTRIBUTES:
            if attribute in self.columns:
                continue
            for name in wanted_names(attribute, self.overrides, self.schema):
                key = names.get(normalize_header(name))
                if key is not None:
                    found[attribute] = key
                    break
        if found:
            # A new dict, not the old one changed: the records read so far keep the columns
            # they were read with (the engine checks a batch of them after it is read).
            self.columns = {**self.columns, **found}
            for attribute in self._released_without & found.keys():
                issue = f010_property_after_users_checked(
                    attribute, found[attribute], self._user_row, self._user_line, self._released
                )
                self._problems.append(
                    file_finding(
                        "F010",
                        issue,
                        source=self.path,
                        line=self._user_line,
                        column=found[attribute],
                    )
                )
        added = list(found)
        self.observer.track_attributes(added)
        for field_name, wanted in CONTEXT_SOURCES.items():
            if field_name not in self._context:
                for name in wanted:
                    key = names.get(normalize_header(name))
                    if key is not None:
                        self._context[field_name] = key
                        break
        if self._lossy_extra is None:
            self._lossy_extra = names.get(normalize_header(LOSSY_EXTRA_SOURCES[0]))

    def _record(self, item: _Item, row: int) -> UserRecord:
        obj: dict[str, Any] = item.value
        known = self._known
        if any(key not in known for key in obj):
            self._learn(obj)
        columns, context = self.columns, self._context
        values = {
            attribute: _text(obj.get(columns[attribute])) if attribute in columns else None
            for attribute in MOTIMATE_ATTRIBUTES
        }
        if self._raw_controls or self._scanner.controls_seen:
            found = control_characters(
                (key, _text(obj.get(key))) for key in {*columns.values(), *context.values()}
            )
            if found:
                return self._damaged(item, row, found)
        enabled = (
            _flag(obj.get(context["account_enabled"])) if "account_enabled" in context else None
        )
        if enabled is None and "account_blocked" in context:
            blocked = _flag(obj.get(context["account_blocked"]))
            enabled = None if blocked is None else not blocked
        record = UserRecord(
            source=self.path,
            row=row,
            line=item.line,
            pointer=item.pointer,
            values=values,
            user_principal_name=_text(obj.get(context.get("user_principal_name", ""))),
            object_id=_text(obj.get(context.get("object_id", ""))),
            account_enabled=enabled,
            user_type=_text(obj.get(context.get("user_type", ""))),
            usage_location=_text(obj.get(context.get("usage_location", ""))),
            country=_text(obj.get(context.get("country", ""))),
            directory_synced=(
                _flag(obj.get(context["directory_synced"]))
                if "directory_synced" in context
                else None
            ),
            columns=columns,
            raw=obj,
        )
        self.observer.aligned(values)
        texts = [values[a] for a in _LOSSY_ATTRIBUTES]
        if self._lossy_extra is not None:
            texts.append(_text(obj.get(self._lossy_extra)))
        strings = [v for v in obj.values() if isinstance(v, str)]
        self.observer.lossy(texts, strings, item.line)
        return record

    def _damaged(self, item: _Item, row: int, found: list[tuple[str, str]]) -> UserRecord:
        """F004 for a user whose values hold a control character (a NUL): not checked."""
        obj: dict[str, Any] = item.value
        context = self._context
        found.sort(key=lambda pair: list(obj).index(pair[0]))  # in the object's order
        return UserRecord(
            source=self.path,
            row=row,
            line=item.line,
            pointer=item.pointer,
            values={},
            user_principal_name=_text(obj.get(context.get("user_principal_name", ""))),
            object_id=_text(obj.get(context.get("object_id", ""))),
            columns=self.columns,
            malformed=control_character_message(found, f"The user on line {item.line}"),
            raw=obj,
        )

    def file_findings(self) -> list[Finding]:
        found = self.observer.findings(
            self.columns, self.overrides, noun="property", schema=self.schema
        )
        scanner = self._scanner
        if scanner.next_link is not None:
            issue = f007_incomplete_graph_export(scanner.next_link, self._users, scanner.pages)
            line = scanner.next_link_line
            found.append(file_finding("F007", issue, source=self.path, line=line))
        found += encoding_findings(self._encoding, self.path)
        return sorted([*found, *self._problems], key=lambda f: (f.rule, f.line or 0))

    def close(self) -> None:
        self._text.close()
