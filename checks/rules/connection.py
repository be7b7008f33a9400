"""Connection: the tenant URL and Secret Token of guide steps 10–11, and the live answer.

Offline rules (C001–C003) look at the URL and token as the admin has them. The network rules
(C004–C013) classify one observed outcome of the request Entra's *Test connection* sends, an
`HttpOutcome`, so they are pure and testable without a network; `motiscim_cli.connect` makes
the requests and fills it in.

Every message is one sentence of cause, then `Fix:` and one sentence of what to do
(`split_message` separates them for the terminal). No message ever contains the token.
"""

from __future__ import annotations

import ipaddress
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import SplitResult, urlsplit

import idna

from checks.model import Issue, Severity, rule
from checks.text import describe_blanks, has_blank, is_blank_char, strip_blanks

MOTIMATE_DOMAIN = "motimateapp.com"
MOTIMATE_PATH = "/scim/v1"
MOTIMATE_FORM = f"https://{{identifier}}.{MOTIMATE_DOMAIN}{MOTIMATE_PATH}"
TOKEN_LENGTH = 32
SLOW_AFTER_MS = 5000
LIST_RESPONSE_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
FIX_MARK = " Fix: "


def say(cause: str, remedy: str, suggestion: str | None = None) -> Issue:
    """An Issue worded as this module words them: the cause, then `Fix:` and the remedy."""
    return Issue(f"{cause}{FIX_MARK}{remedy}", suggestion, "probable" if suggestion else None)


def split_message(message: str) -> tuple[str, str | None]:
    """The cause and the remedy of a connection message (the remedy is None when absent)."""
    cause, mark, remedy = message.partition(FIX_MARK)
    return (cause, remedy) if mark else (message, None)


# ---- the tenant URL ------------------------------------------------------------------------


def is_loopback_host(host: str) -> bool:
    """localhost, 127.0.0.0/8 or ::1: the only hosts plain http is accepted for."""
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


MAX_LABEL = 63  # RFC 1035: a DNS label is at most 63 octets…
MAX_HOST = 253  # …and a name at most 253 characters, without the final dot
_IPV4_SHAPE = re.compile(r"[0-9]+(\.[0-9]+){3}")  # what httpx insists be a valid IPv4 address


def _netloc_of(url: str) -> str:
    """The authority of a URL by plain string cutting, for when urlsplit refuses the URL."""
    rest = url.partition("://")[2] if "://" in url else url.removeprefix("//")
    return re.split(r"[/?#]", rest, maxsplit=1)[0]


def _host_problem(netloc: str, host: str) -> str | None:
    """Why the URL's host cannot be connected to (one sentence), or None.

    `netloc` is the URL's authority without user info, `host` urlsplit's hostname. This
    mirrors what the HTTP client and the resolver would refuse with an exception (httpx: IPv4
    and IPv6 literals, IDNA 2008 for international names, `xn--` labels; the socket module:
    empty or over-long labels), so that such a URL is a C001 finding, not a crash.
    """
    if netloc.startswith("["):
        literal, bracket, after = netloc[1:].partition("]")
        if not bracket or "[" in literal or "]" in after or "[" in after:
            return (
                "The tenant URL's host has a '[' without its ']' (square brackets only enclose "
                "an IPv6 address, such as [2001:db8::1])."
            )
        if after and not after.startswith(":"):
            return "The tenant URL has something other than ':' and a port after its ']'."
        try:
            ipaddress.IPv6Address(literal)
        except ValueError:
            return "The tenant URL's host in square brackets is not a valid IPv6 address."
        return None
    if "[" in netloc or "]" in netloc:
        return (
            "The tenant URL's host has a ']' without its '[' (square brackets only enclose an "
            "IPv6 address, such as [2001:db8::1])."
        )
    invalid = "The tenant URL's host name is not a valid host name."
    if not host:
        return "The tenant URL has no host name."
    if not all(c.isalnum() or c in ".-_" for c in host):
        return invalid
    if _IPV4_SHAPE.fullmatch(host):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            return "The tenant URL's host is not a valid IPv4 address (each part is 0 to 255)."
        return None
    name = host[:-1] if host.endswith(".") else host
    labels = name.split(".")
    if "" in labels:
        return (
            "The tenant URL's host name has an empty part: two dots in a row, or a dot at the "
            "start or end."
        )
    if any(label.startswith("-") or label.endswith("-") for label in labels):
        return "The tenant URL's host name has a part that starts or ends with '-'."
    if name.isascii():
        ascii_name = name
    else:
        try:
            ascii_name = idna.encode(name).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            ascii_name = ""
        if not ascii_name:
            return (
                "The tenant URL's host name has characters a domain name cannot have (an "
                "international name must be valid IDNA)."
            )
    ascii_labels = ascii_name.split(".")
    if any(len(label) > MAX_LABEL for label in ascii_labels):
        longest = max(len(label) for label in ascii_labels)
        return (
            f"The tenant URL's host name has a part of {longest} characters; a part between "
            f"dots has at most {MAX_LABEL}."
        )
    if len(ascii_name) > MAX_HOST:
        return (
            f"The tenant URL's host name has {len(ascii_name)} characters; a host name has at "
            f"most {MAX_HOST}."
        )
    for label in ascii_labels:
        if label.lower().startswith("xn--"):
            try:
                idna.decode(label)
            except (idna.IDNAError, UnicodeError):
                return (
                    "The tenant URL's host name has a part starting with 'xn--' that is not a "
                    "valid encoded international name."
                )
    return None


def _url_problem(url: str) -> tuple[str, str, bool] | None:
    """(cause, remedy, blocking) of the first thing that makes the URL unusable, or None.

    Blocking problems leave nothing safe to test; only surrounding whitespace is not blocking
    (the trimmed URL is tested).
    """
    trimmed = strip_blanks(url)
    if not trimmed:
        return (
            "No tenant URL was given.",
            f"Enter the SCIM Tenant URL Motimate sent you ({MOTIMATE_FORM}).",
            True,
        )
    if has_blank(trimmed):
        return (
            f"The tenant URL has {describe_blanks(trimmed)} inside it.",
            "Copy the URL again as one piece, exactly as Motimate sent it.",
            True,
        )
    odd = next((c for c in trimmed if unicodedata.category(c) in ("Cc", "Cs")), None)
    if odd is not None:
        return (
            "The tenant URL has bytes that are not text (not UTF-8) inside it."
            if unicodedata.category(odd) == "Cs"  # a lone surrogate: undecodable input bytes
            else f"The tenant URL has a control character (U+{ord(odd):04X}) inside it.",
            "Copy the URL again as one piece, exactly as Motimate sent it.",
            True,
        )
    try:
        parts = urlsplit(trimmed)
    except ValueError:
        # Unbalanced brackets, an invalid IPv6 literal, look-alikes of '/', '?', '#', '@', ':'
        # (urlsplit checks these; the exact checks depend on the Python version).
        netloc = _netloc_of(trimmed).rpartition("@")[2]
        return (
            _host_problem(netloc, netloc) or "The tenant URL's host name is not a valid host name.",
            f"Enter the URL in the form {MOTIMATE_FORM}.",
            True,
        )
    if not parts.scheme or not parts.netloc:
        return (
            "The tenant URL is not an absolute URL: it needs https:// and a host name.",
            f"Enter the whole URL, in the form {MOTIMATE_FORM}.",
            True,
        )
    if parts.scheme.lower() not in ("http", "https"):
        return (
            f"The tenant URL uses the '{parts.scheme}:' scheme; Entra only connects over https.",
            f"Enter the URL in the form {MOTIMATE_FORM}.",
            True,
        )
    if "@" in parts.netloc:
        return (
            "The tenant URL has a user name or password before the host.",
            "Remove everything up to and including '@': the Secret Token goes in its own field.",
            True,
        )
    host = parts.hostname or ""
    if "{" in parts.netloc or "}" in parts.netloc:
        return (
            "The tenant URL still contains the {identifier} placeholder.",
            "Replace {identifier} with your Motimate account's identifier, as Motimate sent it.",
            True,
        )
    host_problem = _host_problem(parts.netloc, host)
    if host_problem is not None:
        return (host_problem, f"Enter the URL in the form {MOTIMATE_FORM}.", True)
    try:
        parts.port  # noqa: B018  (urlsplit validates the port lazily)
    except ValueError:
        return (
            "The tenant URL's port is not a number from 0 to 65535.",
            f"Enter the URL in the form {MOTIMATE_FORM}, without a port.",
            True,
        )
    if parts.query or trimmed.endswith("?"):
        return (
            "The tenant URL has a query ('?…'); Entra adds its own query to each request.",
            "Remove '?' and everything after it.",
            True,
        )
    if parts.fragment or trimmed.endswith("#"):
        return (
            "The tenant URL has a fragment ('#…').",
            "Remove '#' and everything after it.",
            True,
        )
    if parts.scheme.lower() == "http" and not is_loopback_host(host):
        return (
            "The tenant URL uses plain http: Entra only connects over https, and the token must "
            "not travel unencrypted (so it was not sent).",
            "Use https:// — the form is " + MOTIMATE_FORM + ".",
            True,
        )
    if trimmed != url:
        return (
            f"The tenant URL has {_listed(_around(url))}; the trimmed URL was tested.",
            "Remove it when you paste the URL into Entra's Tenant URL field.",
            False,
        )
    return None


def _around(value: str) -> list[str]:
    """The whitespace around a value, worded: ['a space before it', 'a line break after it']."""
    stripped = strip_blanks(value)
    if not stripped:
        return [f"only {_kinds(value)}"] if value else []
    start = value.index(stripped)
    lead, trail = value[:start], value[start + len(stripped) :]
    return [
        f"{_kinds(part)} {where}"
        for part, where in ((lead, "before it"), (trail, "after it"))
        if part
    ]


def _kinds(blanks: str) -> str:
    return describe_blanks(blanks).replace(", ", " and ")


def _listed(items: list[str] | tuple[str, ...]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def url_under_test(url: str) -> str | None:
    """The base URL the live check requests (trimmed, without a trailing '/'), or None when
    C001 leaves nothing safe to test."""
    problem = _url_problem(url)
    if problem is not None and problem[2]:
        return None
    trimmed = strip_blanks(url)
    parts = urlsplit(trimmed)
    path = parts.path.rstrip("/")
    return SplitResult(parts.scheme.lower(), parts.netloc, path, "", "").geturl()


def url_refused_issue() -> Issue:
    """C001's message for a URL the rules let through but the HTTP client refuses: the last
    line of defence, so that no URL ends in a traceback."""
    return say(
        "The tenant URL is not a URL an HTTP client can use (its host or path is malformed).",
        f"Enter the URL in the form {MOTIMATE_FORM}.",
    )


@rule("C001", Severity.ERROR, scope="connection")
def c001_tenant_url_unusable(url: str) -> Issue | None:
    """The tenant URL cannot be used: not absolute https, or a query, fragment or whitespace.

    Also a user name or password in it, a leftover `{identifier}` placeholder, or a host no
    client can connect to: an empty part (`acme..motimateapp.com`), a part longer than 63
    characters, a `[` without its `]`, square brackets around something that is not an IPv6
    address, an IPv4 address with a part above 255, characters a domain name cannot have,
    control characters or bytes that are not text. The message says which.

    Entra's Test connection fails on such a URL, and motiscim does not send the token to it.
    Examples: `acme.motimateapp.com/scim/v1` (no scheme), `https://{identifier}.motimateapp.com/scim/v1`,
    `https://acme.motimateapp.com/scim/v1?x=1`, `http://acme.motimateapp.com/scim/v1` (plain
    http: the token would travel unencrypted).

    Plain http is accepted for loopback hosts only (`localhost`, `127.0.0.0/8`, `::1`), so that
    demos and tests can use a local server: that is not C001 but a C002 warning, because such a
    URL is usable here but is not the Motimate form Entra needs.

    Whitespace around an otherwise good URL (a trailing space or line break from copy-paste) is
    reported too, and the trimmed URL is what gets tested.

    Fix: enter the URL exactly as Motimate sent it: `https://{identifier}.motimateapp.com/scim/v1`.
    """
    problem = _url_problem(url)
    if problem is None:
        return None
    cause, remedy, _blocking = problem
    return say(cause, remedy)


def _differences(parts: SplitResult) -> list[str]:
    """What differs from https://{identifier}.motimateapp.com/scim/v1, worded for a message."""
    differences: list[str] = []
    host = (parts.hostname or "").rstrip(".").lower()
    if is_loopback_host(host):
        plain = " over plain http (accepted for loopback only)" if parts.scheme == "http" else ""
        differences.append(f"it points at a test server on this machine{plain}")
    else:
        if host in (MOTIMATE_DOMAIN, f"www.{MOTIMATE_DOMAIN}"):
            differences.append(f"the host has no account identifier before .{MOTIMATE_DOMAIN}")
        elif not host.endswith(f".{MOTIMATE_DOMAIN}"):
            differences.append(f"the host is not {{identifier}}.{MOTIMATE_DOMAIN}")
        if parts.port is not None and parts.port != 443:
            differences.append(f"it names port {parts.port}")
    path = parts.path
    bare = path.rstrip("/")
    if path != bare and bare:
        differences.append("it ends with '/'")
    if not bare:
        differences.append(f"the path {MOTIMATE_PATH} is missing")
    elif bare == MOTIMATE_PATH:
        pass
    elif bare.lower() == MOTIMATE_PATH:
        differences.append(f"the path's letter case differs from {MOTIMATE_PATH}")
    elif bare.lower().startswith(MOTIMATE_PATH + "/"):
        differences.append(
            f"the path goes on after {MOTIMATE_PATH} (Entra appends /Users and the rest itself)"
        )
    elif re.fullmatch(r"/scim/v\d+", bare, re.IGNORECASE):
        differences.append(f"the path names another SCIM version than {MOTIMATE_PATH}")
    else:
        differences.append(f"the path is not {MOTIMATE_PATH}")
    return differences


@rule("C002", Severity.WARNING, scope="connection")
def c002_tenant_url_not_motimate_form(url: str) -> Issue | None:
    """The tenant URL is usable but not of the form `https://{identifier}.motimateapp.com/scim/v1`.

    The guide gives this form for every Motimate tenant URL. A URL that differs — a trailing
    `/`, `/scim/v2`, no `/scim/v1`, `/scim/v1/Users`, another host — is probably mistyped, even
    if some server answers it. The message says what differs; the suggested value keeps the
    host when it is a motimateapp.com host. The live check still runs (without a trailing `/`).

    Plain http to a loopback host (`http://127.0.0.1:8000/scim/v1`) lands here rather than in
    C001: fine for trying motiscim against a local test server, never what Entra needs.

    Fix: enter the URL exactly as Motimate sent it, e.g. `https://acme.motimateapp.com/scim/v1`.
    """
    if url_under_test(url) is None:
        return None  # C001 blocks it
    parts = urlsplit(strip_blanks(url))
    differences = _differences(parts)
    if not differences:
        return None
    host = (parts.hostname or "").rstrip(".").lower()
    suggestion = None
    if host.endswith(f".{MOTIMATE_DOMAIN}") and host != f"www.{MOTIMATE_DOMAIN}":
        suggestion = f"https://{host}{MOTIMATE_PATH}"
    what = "; ".join(differences)
    if is_loopback_host(host):
        remedy = "Fine for a local test; in Entra, use the tenant URL Motimate sent."
    elif suggestion:
        remedy = "Use the tenant URL exactly as Motimate sent it (probably the suggested one)."
    else:
        remedy = "Use the tenant URL exactly as Motimate sent it."
    return say(f"The tenant URL is not of the form {MOTIMATE_FORM}: {what}.", remedy, suggestion)


# ---- the token ---------------------------------------------------------------------------

_QUOTE_PAIRS = (('"', '"'), ("'", "'"), ("“", "”"), ("‘", "’"), ("`", "`"), ("«", "»"))
_BEARER = re.compile(r"^(authorization\s*:\s*)?bearer(\s+|$)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class TokenInspection:
    """What a pasted token looks like: the cleaned token and what had to be removed.

    `cleaned` is secret like the token itself: never put it in a message.
    """

    cleaned: str
    removed: tuple[str, ...]  # 'a trailing line break', "the 'Bearer ' prefix", 'quotes'…
    shape: str | None  # why the cleaned token is not 32 letters/digits, or None
    sendable: bool  # can go in an HTTP header as it is (visible ASCII only)


def inspect_token(token: str) -> TokenInspection:
    """Clean a pasted token the way a careful person would, noting each thing removed."""
    removed: list[str] = []
    value = token

    def trim(value: str) -> str:
        for note in _around(value):
            if note not in removed:
                removed.append(note)
        return strip_blanks(value)

    for _round in range(3):  # `"Bearer abc"`, `Bearer "abc"`, ` 'abc' `…
        before = value
        value = trim(value)
        for opening, closing in _QUOTE_PAIRS:
            if len(value) >= 2 and value.startswith(opening) and value.endswith(closing):
                value = value[len(opening) : -len(closing)]
                if "quotes" not in removed:
                    removed.append("quotes")
        match = _BEARER.match(value)
        if match:
            value = value[match.end() :]
            note = "an 'Authorization: Bearer ' prefix" if match.group(1) else "a 'Bearer ' prefix"
            if note not in removed:
                removed.append(note)
        if value == before:
            break
    if has_blank(value):
        removed.append(f"{_kinds(value.strip())} inside it")
        value = "".join(c for c in value if not is_blank_char(c))

    shape = None
    odd = sum(1 for c in value if not (c.isascii() and c.isalnum()))
    if not value:
        shape = "is empty"
    elif len(value) != TOKEN_LENGTH and odd:
        shape = f"has {len(value)} characters, {odd} of them not a letter or digit"
    elif odd:
        plural = odd != 1
        shape = (
            f"has {odd} character{'s' if plural else ''} that {'are' if plural else 'is'} not "
            "a letter or digit"
        )
    elif len(value) != TOKEN_LENGTH:
        shape = f"has {len(value)} character{'s' if len(value) != 1 else ''}, not {TOKEN_LENGTH}"
    sendable = bool(value) and all("\x21" <= c <= "\x7e" for c in value)
    return TokenInspection(value, tuple(removed), shape, sendable)


@rule("C003", Severity.ERROR, scope="connection")
def c003_token_malformed(token: str) -> Issue | None:
    """The Secret Token is not 32 letters and digits, or was pasted with something around it.

    The guide: the token is "a mix of 32 characters and numbers", e.g.
    `5e188cf76084d08cde4b7d68083f27c4`. Pasted into Entra with a `Bearer ` prefix, quotes,
    spaces or a line break, it is sent as is and Test connection fails with 401.

    motiscim removes these (leading/trailing whitespace, surrounding quotes, a `Bearer ` or
    `Authorization: Bearer ` prefix, whitespace inside from a line wrap), says what it removed,
    and tests the cleaned token. A token of the wrong length or with other characters is
    reported and still tested: if the server accepts it, the shape finding is dropped. A token
    with characters an HTTP header cannot carry is not sent. The token never appears in a
    message.

    Fix: paste only the 32 letters and digits into Entra's Secret Token field.
    """
    return token_issue(inspect_token(token))


def token_issue(inspection: TokenInspection) -> Issue | None:
    """C003's message for an inspected token (the front end drops `shape` when the server
    accepted the token: the shape was then no problem)."""
    causes: list[str] = []
    if inspection.removed:
        causes.append(f"The token was given with {_listed(inspection.removed)}")
    if inspection.shape:
        what = "it" if causes else "The token"
        causes.append(
            f"{what} {inspection.shape} (Motimate's tokens are {TOKEN_LENGTH} letters and digits)"
        )
    if not causes:
        return None
    cause = "; ".join(causes) + "."
    if not inspection.cleaned:
        cause += " Nothing was sent."
    elif not inspection.sendable:
        cause += " Nothing was sent: it cannot go in an HTTP header as it is."
    elif inspection.removed:
        cause += " The cleaned token was tested."
    if inspection.removed and not inspection.shape:
        remedy = (
            f"Paste only the {TOKEN_LENGTH} letters and digits into Entra's Secret Token field, "
            "with nothing before, after or inside them."
        )
    else:
        remedy = "Copy the Secret Token again, exactly as Motimate sent it; ask them if in doubt."
    return say(cause, remedy)


# ---- the live answer -----------------------------------------------------------------------

ErrorKind = Literal[
    "dns",  # the host name does not resolve
    "refused",  # nothing listens on that port
    "connect-timeout",  # no TCP/TLS connection within the timeout
    "read-timeout",  # connected, but no answer within the timeout
    "network",  # unreachable network, proxy failure…
    "reset",  # the connection was reset (a TLS port asked in plain http, a firewall)
    "closed",  # the server closed the connection without an answer
    "tls-expired",
    "tls-not-yet-valid",
    "tls-untrusted",
    "tls-wrong-host",
    "tls-other",  # handshake failed (not TLS on that port, old protocol…)
]


@dataclass(frozen=True, slots=True)
class HttpOutcome:
    """What one request of the connection check observed. No request headers, no token.

    `error` is set when no HTTP answer came; otherwise `status` and the rest describe it.
    `body` is the text of the answer, possibly truncated.
    """

    url: str
    filter_attribute: str | None = None
    status: int | None = None
    reason: str = ""
    content_type: str | None = None
    location: str | None = None
    body: str = ""
    body_cut_at: int | None = None  # the answer was longer: its first this many bytes are kept
    elapsed_ms: int | None = None
    error: ErrorKind | None = None
    error_detail: str | None = None  # short and token-free: OpenSSL's reason, errno text
    timeout_s: float | None = None
    # The environment variable whose proxy the request went through (its name, never its
    # value: a proxy URL may hold a password). Then a refusal or a DNS failure is the proxy's.
    proxy_variable: str | None = None

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def host_port(self) -> str:
        parts = urlsplit(self.url)
        # `is None`, not `or`: port 0 is a port the URL names (and refuses), not the default
        port = parts.port if parts.port is not None else (443 if parts.scheme == "https" else 80)
        return f"{parts.hostname}:{port}"

    def json_body(self) -> tuple[bool, Any]:
        """(parsed, value): whether the body is JSON, and the value or the parse error text."""
        try:
            return True, json.loads(self.body)
        except ValueError as error:
            return False, str(error)

    @property
    def looks_like_html(self) -> bool:
        ctype = (self.content_type or "").lower()
        head = self.body.lstrip()[:200].lower()
        return "html" in ctype or head.startswith(("<!doctype html", "<html", "<head", "<body"))

    @property
    def speaks_scim(self) -> bool:
        """The body is JSON whose `schemas` names a SCIM URN: some SCIM server answered."""
        parsed, value = self.json_body()
        schemas = value.get("schemas") if parsed and isinstance(value, dict) else None
        return isinstance(schemas, list) and any(
            isinstance(urn, str) and urn.startswith("urn:ietf:params:scim:") for urn in schemas
        )

    def scim_error_detail(self) -> str | None:
        """The `detail` of a SCIM Error body (RFC 7644 §3.12), or None."""
        parsed, value = self.json_body()
        if not parsed or not isinstance(value, dict):
            return None
        schemas = value.get("schemas")
        if not (isinstance(schemas, list) and ERROR_SCHEMA in schemas):
            return None
        detail = value.get("detail")
        scim_type = value.get("scimType")
        text = " ".join(
            str(part) for part in (scim_type and f"[{scim_type}]", detail) if part
        ).strip()
        return server_text(text) or None

    def is_empty_list_response(self) -> bool:
        """200 with a SCIM ListResponse of totalResults 0: Entra's Test connection succeeds."""
        if self.status != 200:
            return False
        parsed, value = self.json_body()
        return (
            parsed
            and isinstance(value, dict)
            and isinstance(value.get("schemas"), list)
            and LIST_RESPONSE_SCHEMA in value["schemas"]
            and value.get("totalResults") == 0
        )


def server_text(text: str, limit: int = 200) -> str:
    """Text a server sent, made fit for a one-line message: one line, bounded length."""
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


def _html_title(body: str) -> str | None:
    match = re.search(r"<title[^>]*>(.*?)</title>", body, re.IGNORECASE | re.DOTALL)
    return server_text(match.group(1), 80) if match and match.group(1).strip() else None


def _status_text(outcome: HttpOutcome) -> str:
    return f"{outcome.status} {outcome.reason}".strip()


@rule("C004", Severity.ERROR, scope="connection")
def c004_dns_failure(outcome: HttpOutcome) -> Issue | None:
    """The tenant URL's host name does not resolve (DNS).

    Usually a typo in the `{identifier}` part, or a host that does not exist
    (`acme.motimate.com` instead of `acme.motimateapp.com`). If the name is right, this
    machine's DNS or network is the problem — Entra resolves names in Microsoft's cloud, so it
    may still succeed. Through a proxy set in the environment, this machine resolves only the
    proxy's host, so a failure is the proxy's and the finding says which variable set it.

    Fix: check the host name in the tenant URL letter by letter against what Motimate sent.
    """
    if outcome.error != "dns":
        return None
    detail = f" ({outcome.error_detail})" if outcome.error_detail else ""
    if outcome.proxy_variable:
        # Through a proxy this machine resolves only the proxy's host: the tenant's is not tried.
        return say(
            f"The proxy set in {outcome.proxy_variable} does not resolve{detail}; the tenant URL's "
            "host was not tried.",
            f"Correct the proxy host in {outcome.proxy_variable}, or unset it if this network "
            "needs no proxy, then retry.",
        )
    return say(
        f"The host name {outcome.host} does not resolve{detail}.",
        "Check the host in the tenant URL letter by letter against what Motimate sent "
        f"({MOTIMATE_FORM}); if it is right, check this machine's DNS or proxy.",
    )


@rule("C005", Severity.ERROR, scope="connection")
def c005_no_connection(outcome: HttpOutcome) -> Issue | None:
    """No answer: the connection was refused, timed out, reset or closed without an answer.

    Refused means nothing listens on that host and port (a wrong port in the URL, a server
    down). A reset on an `http://` URL is most often a port that speaks HTTPS. A timeout means
    a firewall or proxy drops the traffic, or the server hangs; the default timeout is 10 s
    (`--timeout`). From a corporate network, an outbound proxy may be needed (motiscim honours
    `HTTPS_PROXY`). When the request goes through a proxy set in the environment, a refused or
    timed-out connection is the proxy's, and the finding names the variable (never its value,
    which may hold a password).

    Fix: check the URL's host and port; retry; from a locked-down network, try another network
    or set `HTTPS_PROXY`.
    """
    where = outcome.host_port
    timeout = f"{outcome.timeout_s:g} s" if outcome.timeout_s else "the timeout"
    detail = f" ({outcome.error_detail})" if outcome.error_detail else ""
    if outcome.proxy_variable and outcome.error in {
        "refused",
        "connect-timeout",
        "network",
        "reset",
    }:
        return _c005_through_proxy(outcome, where, timeout, detail)
    match outcome.error:
        case "refused":
            cause = f"The connection to {where} was refused: nothing accepts connections there."
            remedy = (
                "Check the host and port in the tenant URL; if they are right, the server is "
                "down: retry later."
            )
        case "connect-timeout":
            cause = f"No connection to {where} within {timeout}."
            remedy = (
                "A firewall or proxy may block it: retry, try another network, or set "
                "HTTPS_PROXY if your network needs a proxy."
            )
        case "read-timeout":
            cause = f"Connected to {where}, but no answer came within {timeout}."
            remedy = (
                "The server hangs: retry later, or with a longer --timeout; if it persists, "
                "tell Motimate."
            )
        case "closed":
            cause = f"{where} closed the connection without an answer{detail}."
            remedy = "Check that the URL's scheme and port are right (https, no port); retry later."
        case "network":
            cause = f"Could not reach {where}{detail}."
            remedy = "Check this machine's network and proxy settings (HTTPS_PROXY), then retry."
        case "reset":
            cause = f"{where} reset the connection without an answer{detail}."
            remedy = (
                "A firewall or proxy on the way may drop it: check this machine's network and "
                "proxy settings (HTTPS_PROXY), then retry."
            )
            if urlsplit(outcome.url).scheme == "http":
                # A TLS server resets a plain request: the scheme, not the network, is wrong.
                remedy = (
                    "The URL says http://, and a server that speaks HTTPS on that port resets "
                    f"a plain request: try https://. Otherwise: {remedy[0].lower()}{remedy[1:]}"
                )
        case _:
            return None
    return say(cause, remedy)


def _c005_through_proxy(outcome: HttpOutcome, where: str, timeout: str, detail: str) -> Issue:
    """C005 when the request went through a proxy: the connection that failed is the proxy's."""
    proxy = f"the proxy set in {outcome.proxy_variable}"
    remedy = (
        f"Check the host and port of {outcome.proxy_variable}, or unset it if this network "
        "needs no proxy, then retry."
    )
    match outcome.error:
        case "refused":
            cause = f"The connection to {proxy} was refused; {where} was not tried."
        case "connect-timeout":
            cause = f"No connection to {proxy} within {timeout}; {where} was not tried."
        case _:
            cause = f"Could not reach {where} through {proxy}{detail}."
            remedy = (
                f"The proxy refused or failed to connect to {where}: check that it allows "
                f"that host, or unset {outcome.proxy_variable} if this network needs no proxy."
            )
    return say(cause, remedy)


@rule("C006", Severity.ERROR, scope="connection")
def c006_tls_failure(outcome: HttpOutcome) -> Issue | None:
    """The TLS handshake failed: the certificate is expired, untrusted or for another host.

    Or the server does not speak TLS on that port at all.

    - expired (or not yet valid): the server's certificate is out of date — or this machine's
      clock is wrong;
    - untrusted: not signed by a CA this machine trusts. Behind a corporate TLS-inspecting
      proxy, pass the proxy's CA with `--ca-bundle FILE`; otherwise Entra will reject it too;
    - wrong host: the certificate names other hosts — the URL's host is probably mistyped
      (Motimate's certificates cover `*.motimateapp.com`).

    Fix: depends on which; each message says it.
    """
    host = outcome.host
    detail = f" ({outcome.error_detail})" if outcome.error_detail else ""
    match outcome.error:
        case "tls-expired":
            cause = f"The TLS certificate of {host} has expired."
            remedy = (
                "Check this machine's date and time; if they are right, tell Motimate their "
                "certificate has expired."
            )
        case "tls-not-yet-valid":
            cause = f"The TLS certificate of {host} is not valid yet."
            remedy = "Check this machine's date and time; if they are right, tell Motimate."
        case "tls-untrusted":
            cause = (
                f"The TLS certificate of {host} is not signed by a CA this machine trusts{detail}."
            )
            remedy = (
                "If your network inspects TLS through a proxy, run again with --ca-bundle "
                "set to the proxy's CA file; otherwise Entra will reject it too: tell Motimate."
            )
        case "tls-wrong-host":
            cause = f"The TLS certificate presented is for another host than {host}."
            remedy = (
                f"Check the host in the tenant URL: it must be {{identifier}}.{MOTIMATE_DOMAIN}, "
                "as Motimate sent it."
            )
        case "tls-other":
            cause = f"The TLS handshake with {outcome.host_port} failed{detail}."
            if "WRONG_VERSION_NUMBER" in (outcome.error_detail or ""):
                cause = (
                    f"The TLS handshake with {outcome.host_port} failed: the server does not "
                    "speak TLS on that port (perhaps plain http)."
                )
            remedy = (
                "Check that the URL's port speaks https (use the URL without a port, as "
                "Motimate sent it)."
            )
        case _:
            return None
    return say(cause, remedy)


@rule("C007", Severity.ERROR, scope="connection")
def c007_token_rejected(outcome: HttpOutcome) -> Issue | None:
    """The server answered 401 or 403: the token was refused.

    401 is the usual answer to a wrong, expired or mistyped token (also one pasted with
    `Bearer ` or quotes, see C003). 403 means the token is known but not allowed to read users.
    The server's SCIM error `detail` is quoted when there is one.

    Fix: copy the Secret Token again exactly as Motimate sent it; if it still fails, ask
    Motimate for a new one (for 403: ask them to enable SCIM for it).
    """
    if outcome.status not in (401, 403):
        return None
    detail = outcome.scim_error_detail()
    said = f": {detail}" if detail else ""
    if outcome.status == 401:
        return say(
            f"The server refused the token ({_status_text(outcome)}{said}).",
            f"Copy the Secret Token again exactly as Motimate sent it ({TOKEN_LENGTH} letters "
            "and digits); if it still fails, ask Motimate for a new one.",
        )
    return say(
        f"The server knows the token but refuses access to Users ({_status_text(outcome)}{said}).",
        "Ask Motimate to enable SCIM provisioning for this token, or to issue a new one.",
    )


@rule("C008", Severity.ERROR, scope="connection")
def c008_path_not_found(outcome: HttpOutcome) -> Issue | None:
    """The server answered 404 to `GET …/Users`: the tenant URL's path is wrong.

    Entra appends `/Users` to the tenant URL, so a URL without `/scim/v1`, with `/scim/v2`, or
    ending in `/Users` gets 404. A SCIM server that answers 404 (with a SCIM error) to a filter
    that matches nobody is wrong too: Entra expects 200 with totalResults 0, and fails.

    Fix: use the tenant URL in the form `https://{identifier}.motimateapp.com/scim/v1`.
    """
    if outcome.status != 404:
        return None
    path = urlsplit(outcome.url).path
    detail = outcome.scim_error_detail()
    if path.lower().endswith("/users/users"):
        return say(
            "The tenant URL ends with /Users, and Entra appends /Users itself, so the request "
            f"went to {path} (404 Not Found).",
            f"Remove /Users from the end: the tenant URL ends with {MOTIMATE_PATH}.",
        )
    if detail is not None:
        return say(
            f"The server answered 404 with a SCIM error ({detail}) to GET {path}: either the "
            "tenant URL's path is wrong, or the server answers 404 when a filter matches no "
            "user, where Entra expects 200 with totalResults 0 and fails.",
            f"Use the tenant URL in the form {MOTIMATE_FORM}; if that is the URL, tell "
            "Motimate their API answers 404 for an empty filter result.",
        )
    return say(
        f"There is no SCIM Users endpoint at {path} (404 Not Found): the tenant URL's path is "
        "wrong.",
        f"Use the tenant URL in the form {MOTIMATE_FORM}, exactly as Motimate sent it.",
    )


@rule("C009", Severity.ERROR, scope="connection")
def c009_not_list_response(outcome: HttpOutcome) -> Issue | None:
    """The answer is not a SCIM ListResponse with totalResults 0.

    Entra's Test connection needs `200` and a body whose `schemas` contains
    `urn:ietf:params:scim:api:messages:2.0:ListResponse` and whose `totalResults` is 0 for a
    random value no user has. Common wrong answers: an HTML page (the Motimate web app or a
    sign-in page — the URL points at the web site, not the SCIM API), other JSON, a body that
    is not JSON, a ListResponse that ignores the filter (totalResults above 0), or a 4xx other
    than 401/403/404 (the filter refused: `400 invalidFilter`; `429` the server limits how
    often it is asked; `431` the request's headers, the token among them, are too large for
    it). An answer too long to keep whole is no empty ListResponse either: a server that
    ignores the filter sends its users.

    Fix: use the SCIM tenant URL Motimate sent, not the address of the web app; if it is that
    URL, send the message to Motimate.
    """
    status = outcome.status
    if status is None or status in (401, 403, 404) or 300 <= status < 400 or status >= 500:
        return None
    if outcome.is_empty_list_response():
        return None
    on = f" to the filter on {outcome.filter_attribute}" if outcome.filter_attribute else ""
    web_app = (
        "Use the SCIM tenant URL Motimate sent ("
        + MOTIMATE_FORM
        + "), not the address of a web page."
    )
    if status != 200:
        detail = outcome.scim_error_detail()
        said = f": {detail}" if detail else ""
        remedy = {
            429: "The server limits how often it may be asked: wait a minute and run the check "
            "again. If it answers 429 again, send Motimate this message: Entra's provisioning "
            "would be held back the same way.",
            431: "The request's headers, the token among them, are too large for the server: "
            "check that the token is the one Motimate sent, with nothing pasted around it.",
        }.get(
            status,
            "If the URL is the one Motimate sent, send them this message: Entra's Test "
            "connection fails the same way.",
        )
        return say(
            f"The server answered {_status_text(outcome)}{said}{on}, not 200 with a SCIM "
            "ListResponse.",
            remedy,
        )
    if outcome.looks_like_html:
        title = _html_title(outcome.body)
        named = f" (titled '{title}')" if title else ""
        return say(
            f"The server answered 200 with an HTML page{named}, not SCIM JSON: the URL points "
            "at a web page, such as a sign-in page, not the SCIM API.",
            web_app,
        )
    parsed, value = outcome.json_body()
    if not parsed and outcome.body_cut_at is not None:
        return say(
            f"The server answered 200 with a body of over {outcome.body_cut_at // 1024} KiB{on}, "
            "not the few hundred bytes of an empty ListResponse: a server that ignores the "
            "filter sends its users.",
            "Send this message to Motimate before provisioning: their API must support the filter.",
        )
    if not parsed:
        what = "an empty body" if not outcome.body.strip() else "a body that is not valid JSON"
        return say(
            f"The server answered 200 with {what}{on}, not a SCIM ListResponse.",
            web_app,
        )
    schemas = value.get("schemas") if isinstance(value, dict) else None
    if not (isinstance(schemas, list) and LIST_RESPONSE_SCHEMA in schemas):
        return say(
            f"The server answered 200 with JSON that is not a SCIM ListResponse{on} (its "
            "'schemas' lacks urn:ietf:params:scim:api:messages:2.0:ListResponse).",
            web_app,
        )
    total = value.get("totalResults")
    if not isinstance(total, int) or isinstance(total, bool):
        return say(
            f"The server's ListResponse{on} has no numeric totalResults.",
            "Send this message to Motimate: Entra needs totalResults to match users.",
        )
    return say(
        f"The server's ListResponse{on} has totalResults {total} for a random value no user "
        "has: it ignores the filter, so Entra would match the wrong users.",
        "Send this message to Motimate before provisioning: their API must support the filter.",
    )


@rule("C010", Severity.ERROR, scope="connection")
def c010_server_error(outcome: HttpOutcome) -> Issue | None:
    """The server answered 5xx: a failure on the server's side (or a gateway in front of it).

    500 is an error in the SCIM service; 502/503/504 mean a proxy or load balancer could not
    reach it, often during maintenance. Nothing on the Entra side fixes it.

    Fix: retry in a few minutes; if it persists, tell Motimate the time and the status.
    """
    if outcome.status is None or outcome.status < 500:
        return None
    detail = outcome.scim_error_detail()
    said = f": {detail}" if detail else ""
    gateway = (
        " from a gateway in front of the SCIM service" if outcome.status in (502, 503, 504) else ""
    )
    return say(
        f"The server failed with {_status_text(outcome)}{gateway}{said}.",
        "Retry in a few minutes; if it persists, tell Motimate the time and this status.",
    )


@rule("C011", Severity.ERROR, scope="connection")
def c011_redirect(outcome: HttpOutcome) -> Issue | None:
    """The server answered with a redirect (3xx), which Entra does not follow.

    The Test connection then fails (the connection result is not ok). Typical causes: `http://`
    redirected to `https://`, a missing or extra `/`, or an old host name moved to a new one; a
    redirect to a sign-in page means the URL is the web app's, not the SCIM API's. The message
    says where it points; motiscim does not follow it (and never sends the token there).

    Fix: use the target as the tenant URL if it is Motimate's SCIM address
    (`https://{identifier}.motimateapp.com/scim/v1`), else the URL Motimate sent.
    """
    if outcome.status is None or not 300 <= outcome.status < 400:
        return None
    if not outcome.location:
        return say(
            f"The server answered {_status_text(outcome)}, a redirect without a Location; "
            "Entra does not follow redirects.",
            f"Use the tenant URL exactly as Motimate sent it ({MOTIMATE_FORM}).",
        )
    target = server_text(outcome.location, 300)
    return say(
        f"The server redirects ({_status_text(outcome)}) to {target}; Entra does not follow "
        "redirects.",
        "If that is Motimate's SCIM address (…/scim/v1), use it without '/Users' and the query "
        "as the tenant URL; otherwise use the URL Motimate sent.",
    )


@rule("C012", Severity.WARNING, scope="connection")
def c012_slow_answer(outcome: HttpOutcome, slow_after_ms: int = SLOW_AFTER_MS) -> Issue | None:
    """The server took more than 5 s to answer.

    The answer came, but Entra's Test connection and later provisioning cycles may time out on
    a server this slow. One slow answer can be chance.

    Fix: retry; if it stays slow, tell Motimate the time and how long it took.
    """
    if outcome.status is None or outcome.elapsed_ms is None or outcome.elapsed_ms <= slow_after_ms:
        return None
    return say(
        f"The server took {outcome.elapsed_ms / 1000:.1f} s to answer (more than "
        f"{slow_after_ms / 1000:g} s); Entra may time out.",
        "Retry; if it stays slow, tell Motimate the time and how long it took.",
    )


@rule("C013", Severity.INFO, scope="connection")
def c013_service_provider_config(config: Any) -> Issue | None:
    """What the server's `/ServiceProviderConfig` says about filter and PATCH support.

    Entra needs filtering (to find users by externalId and userName) and PATCH (to update
    them). RFC 7643 lets anyone read this document without a token, so it proves nothing
    about the token: it is reported as information only, when the server publishes it.

    Fix: none needed when both are supported; otherwise ask Motimate.
    """
    if not isinstance(config, dict):
        return None

    def supported(name: str) -> bool | None:
        section = config.get(name)
        flag = section.get("supported") if isinstance(section, dict) else None
        return flag if isinstance(flag, bool) else None

    words = {True: "supported", False: "NOT supported", None: "not stated"}
    filter_support, patch_support = supported("filter"), supported("patch")
    cause = (
        f"The server's ServiceProviderConfig says: filter {words[filter_support]}, PATCH "
        f"{words[patch_support]} (read without the token, so it proves nothing about it)."
    )
    if filter_support is False or patch_support is False:
        return say(cause, "Entra needs both filter and PATCH: ask Motimate before provisioning.")
    return say(cause, "Nothing to do.")


def diagnose(
    outcome: HttpOutcome, *, slow_after_ms: int = SLOW_AFTER_MS
) -> list[tuple[str, Issue]]:
    """Every network rule's verdict on one outcome, as (code, issue) pairs; [] when it is fine."""
    checks = (
        ("C004", c004_dns_failure),
        ("C005", c005_no_connection),
        ("C006", c006_tls_failure),
        ("C011", c011_redirect),
        ("C007", c007_token_rejected),
        ("C008", c008_path_not_found),
        ("C010", c010_server_error),
        ("C009", c009_not_list_response),
    )
    found: list[tuple[str, Issue]] = []
    for code, check in checks:
        issue = check(outcome)
        if issue is not None:
            found.append((code, issue))
            break  # one outcome has one cause
    slow = c012_slow_answer(outcome, slow_after_ms)
    if slow is not None:
        found.append(("C012", slow))
    return found
