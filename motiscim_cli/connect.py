"""The live connection check: the request Entra's *Test connection* sends, read-only.

`check_connection(url, token)` runs the offline rules (C001–C003), then, when there is
something safe to test, sends `GET {tenant}/Users?filter=userName eq "<random GUID>"` and the
same with `externalId`, with `Authorization: Bearer …` and `Accept: application/scim+json`, and
classifies each answer with the network rules (C004–C012). It never sends anything but GET,
never a user's data, and never follows a redirect (Entra does not).

The token never leaves this module except in the Authorization header: findings, the result,
log records of httpx/httpcore (scrubbed while the check runs) and exception text are kept
free of it.
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import logging
import math
import os
import re
import socket
import ssl
import string
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx

from checks.model import Finding, Issue, get_rule
from checks.rules.connection import (
    SLOW_AFTER_MS,
    ErrorKind,
    HttpOutcome,
    c001_tenant_url_unusable,
    c002_tenant_url_not_motimate_form,
    c013_service_provider_config,
    diagnose,
    inspect_token,
    token_issue,
    url_refused_issue,
    url_under_test,
)
from motiscim_cli import __version__
from motiscim_cli.connect_defaults import (  # here too, for this module's callers
    DEFAULT_TIMEOUT_S,
    MAX_TIMEOUT_S,
    TENANT_URL_ENV,
    TOKEN_ENV,
)
from motiscim_cli.report import ConnectionResult

DEFAULT_SLOW_AFTER_S = SLOW_AFTER_MS / 1000
PROBE_ATTRIBUTES = ("userName", "externalId")  # Entra's Test connection; externalId matches
SCIM_MEDIA_TYPE = "application/scim+json"
SERVICE_PROVIDER_CONFIG_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
MAX_BODY_BYTES = 256 * 1024  # enough to recognise any answer; a web page is cut short
MIN_SECRET_LENGTH = 4  # shorter "secrets" would blank out ordinary words when redacting
# A token this long is hidden in part too, in what a server answered: any run of
# FRAGMENT_LENGTH of its characters (a server's "token Tk7qZ3mW9xYb2LcN4vRp… is unknown" gives
# most of it away). Ten characters of a random token never occur by chance in a message; a URL
# password is hidden only whole, since runs of a word-like one ("Provisioning2024") would
# blank out ordinary words ("provisioning").
FRAGMENTED_FROM = 16
FRAGMENT_LENGTH = 10
MAX_TOKEN_FILE_BYTES = 64 * 1024  # a token is 32 characters; more is the wrong file (/dev/zero)
REDACTED = "[token hidden]"
HTTP_LOGGER_NAMES = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)


# ---- keeping the token out of everything ----------------------------------------------------


def _longest_first(forms: Iterable[str]) -> tuple[str, ...]:
    kept = {f for f in forms if len(f) >= MIN_SECRET_LENGTH}
    return tuple(sorted(kept, key=lambda f: (-len(f), f)))


def secret_forms(token: str) -> tuple[str, ...]:
    """The strings to hide: the token as given, trimmed, and cleaned (C003)."""
    return _longest_first({token, token.strip(), inspect_token(token).cleaned})


def redact(text: str, secrets: Iterable[str], fragments_of: Iterable[str] = ()) -> str:
    """`text` with every secret masked, in any letter case: a server may echo the token
    lower-cased (an error page, a case-insensitive lookup's message), and that is the token
    all the same — Motimate's are letters and digits, so its case-folded form gives it away.
    Of each of `fragments_of` (the token's forms, for text a server wrote) 16 characters or
    longer, any run of `FRAGMENT_LENGTH` of its characters is masked too."""
    for secret in secrets:
        text = re.sub(re.escape(secret), REDACTED, text, flags=re.IGNORECASE)
    return _redact_fragments(text, tuple(fragments_of))


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _redact_fragments(text: str, secrets: tuple[str, ...]) -> str:
    """`text` with every run of `FRAGMENT_LENGTH` characters of a long secret masked (ASCII
    letters in any case; one mark for overlapping or touching runs)."""
    width = FRAGMENT_LENGTH
    pieces = {
        folded[start : start + width]
        for secret in secrets
        if len(secret) >= FRAGMENTED_FROM
        for folded in (secret.translate(_ASCII_LOWER),)
        for start in range(len(folded) - width + 1)
    }
    if not pieces or len(text) < width:
        return text
    folded = text.translate(_ASCII_LOWER)  # the same length as `text`: offsets carry over
    hidden: list[tuple[int, int]] = []  # (start, end) of the masked runs, merged
    for start in range(len(folded) - width + 1):
        if folded[start : start + width] in pieces:
            if hidden and start <= hidden[-1][1]:
                hidden[-1] = (hidden[-1][0], start + width)
            else:
                hidden.append((start, start + width))
    if not hidden:
        return text
    kept, end = [], 0
    for start, stop in hidden:
        kept += [text[end:start], REDACTED]
        end = stop
    kept.append(text[end:])
    return "".join(kept)


class _ScrubSecrets(logging.Filter):
    """Rewrites a log record whose text (or traceback) contains the token."""

    def __init__(self, secrets: tuple[str, ...], fragments_of: tuple[str, ...]) -> None:
        super().__init__()
        self.secrets = secrets
        self.fragments_of = fragments_of

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = self._redact(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_info, record.exc_text = None, self._redact(text)
        elif record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        return True

    def _redact(self, text: str) -> str:
        return redact(text, self.secrets, self.fragments_of)


@contextlib.contextmanager
def http_logs_scrubbed(
    secrets: tuple[str, ...], fragments_of: tuple[str, ...] = ()
) -> Iterator[None]:
    """While the check runs, scrub the token from every httpx/httpcore log record.

    Neither library logs request headers today, but httpcore logs response headers at DEBUG,
    and a server may echo what it received: a logger filter on each of their loggers (a
    logger's filter does not see its children's records, hence the list) rewrites any record
    carrying the token, whatever handlers the host application has set up.
    """
    names = set(HTTP_LOGGER_NAMES) | {
        name
        for name in logging.root.manager.loggerDict
        if name.split(".", 1)[0] in ("httpx", "httpcore")
    }
    scrubber = _ScrubSecrets(secrets, fragments_of)
    loggers = [logging.getLogger(name) for name in sorted(names)]
    for logger in loggers:
        logger.addFilter(scrubber)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(scrubber)


def _split_authority(url: str) -> tuple[str, str, str]:
    """(everything before the authority, the authority, the rest), by plain string cutting:
    it must work on URLs urlsplit refuses (`https://user:pw@[::1/x`) and on ones without a
    scheme (`user:pw@host/x`), because their user info has to be masked all the same."""
    scheme, slashes, rest = url.partition("//")
    if not slashes:
        scheme, rest = "", url
    match = re.search(r"[/?#]", rest)
    end = match.start() if match else len(rest)
    return scheme + slashes, rest[:end], rest[end:]


def url_password(url: str) -> str | None:
    """The password of a `user:password@` in the URL's authority, or None."""
    _before, authority, _rest = _split_authority(url.strip())
    userinfo, at, _host = authority.rpartition("@")
    if not at:
        return None
    _user, colon, password = userinfo.partition(":")
    return password if colon and password else None


def shown_url(url: str) -> str:
    """The URL as reports show it: trimmed, with any user:password@ masked."""
    trimmed = url.strip()
    before, authority, rest = _split_authority(trimmed)
    if "@" not in authority:
        return trimmed
    return f"{before}***@{authority.rpartition('@')[2]}{rest}"


# ---- reading the token ---------------------------------------------------------------------


class TokenUnavailable(Exception):
    """No token could be read: a usage error (exit 2). The message never contains a token."""


def read_token_file(path: Path) -> str:
    """The token in a file, as text: UTF-8 (with or without BOM) or UTF-16 with BOM (what
    Windows PowerShell 5's `>` writes). The token is the first line, as `pass` and most secret
    stores write it (later lines are notes: a user name, a URL); spaces, quotes or `Bearer `
    on that line stay for C003 to report.

    A directory, a file of more than 64 KiB (the wrong file, or /dev/zero) or bytes that are
    not text are usage errors, said in one line that never quotes the file's content. A pipe
    (`--token-file <(pass motimate)`) is read like a file.
    """
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_TOKEN_FILE_BYTES + 1)
    except IsADirectoryError:
        raise TokenUnavailable(
            f"Cannot read the token file {path}: it is a directory, not a file."
        ) from None
    except OSError as error:
        raise TokenUnavailable(
            f"Cannot read the token file {path}: {error.strerror or type(error).__name__}."
        ) from None
    if len(data) > MAX_TOKEN_FILE_BYTES:
        raise TokenUnavailable(
            f"The token file {path} is larger than {MAX_TOKEN_FILE_BYTES // 1024} KiB: not a "
            "token (Motimate's Secret Token is 32 letters and digits)."
        )
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    try:
        text = data.decode("utf-16" if utf16 else "utf-8-sig")
    except UnicodeDecodeError:
        raise TokenUnavailable(
            f"The token file {path} is not text: not UTF-8{', nor UTF-16' if utf16 else ''} "
            "(save it as plain UTF-8 text)."
        ) from None
    lines = text.splitlines()
    if not lines or not lines[0]:
        where = "empty" if not text.strip() else "empty on its first line, where the token goes"
        raise TokenUnavailable(f"The token file {path} is {where}.")
    return lines[0]


def resolve_token(
    token_file: Path | None,
    *,
    environ: Mapping[str, str] = os.environ,
    prompt: Callable[[], str] | None = None,
) -> tuple[str, str]:
    """(token, where it came from): `--token-file`, then MOTIMATE_SCIM_TOKEN, then `prompt`
    (pass one only when stdin is a terminal). Raises TokenUnavailable."""
    if token_file is not None:
        return read_token_file(token_file), f"the file {token_file}"
    from_env = environ.get(TOKEN_ENV)
    if from_env:
        return from_env, TOKEN_ENV
    if prompt is not None:
        entered = prompt()
        if entered:
            return entered, "the prompt"
        raise TokenUnavailable("No token was entered.")
    raise TokenUnavailable(
        f"No token: set {TOKEN_ENV}, pass --token-file FILE, or run in a terminal to be prompted."
    )


def prompt_for_token() -> str:
    """Ask for the token without echoing it: `resolve_token`'s prompt in `connect` and
    `preflight` (pass it only when stdin is a terminal).

    Ctrl-D (end of input) or Ctrl-C at the prompt raises TokenUnavailable: a usage error
    (exit 2) like any other way of giving no token, not typer's "Aborted!" with exit 1, which
    would read as a failed connection (connect) or a preflight that is not ready."""
    import typer

    try:
        value: str = typer.prompt("Secret Token (hidden)", hide_input=True, err=True)
    except typer.Abort:
        raise TokenUnavailable(
            f"No token entered at the prompt: type or paste the Secret Token, set {TOKEN_ENV}, "
            "or pass --token-file FILE."
        ) from None
    return value


def resolve_tenant_url(
    argument: str | None,
    *,
    configured: str | None = None,
    environ: Mapping[str, str] = os.environ,
) -> str | None:
    """The tenant URL: the command-line argument, else the config file's (`configured`), else
    MOTIMATE_SCIM_TENANT_URL; None when there is none."""
    for candidate in (argument, configured, environ.get(TENANT_URL_ENV)):
        if candidate is not None and candidate != "":
            return candidate
    return None


# ---- TLS -----------------------------------------------------------------------------------


def ca_bundle_problem(path: str | os.PathLike[str]) -> str | None:
    """Why `path` cannot serve as --ca-bundle (a short phrase for a one-line usage error), or
    None when it loads."""
    try:
        tls_context(path)
    except IsADirectoryError:
        return "it is a directory, not a file"
    except ssl.SSLError as error:
        return f"it holds no PEM certificate that loads ({error.reason or error})"
    except OSError as error:
        return error.strerror or type(error).__name__
    except ValueError as error:  # an embedded NUL in the path, from a config or a caller
        return str(error)
    return None


def tls_context(ca_bundle: str | os.PathLike[str] | None = None) -> ssl.SSLContext:
    """Trust `ca_bundle` when given (a corporate TLS-inspecting proxy's CA, a test CA), else
    the system's trust store — where such proxies' CAs are usually installed — falling back
    to certifi's bundle where Python finds no system store."""
    if ca_bundle is not None:
        return ssl.create_default_context(cafile=os.fspath(ca_bundle))
    context = ssl.create_default_context()
    if not context.cert_store_stats().get("x509_ca"):
        import certifi

        context.load_verify_locations(certifi.where())
    return context


# ---- one request ---------------------------------------------------------------------------

_VERIFY_CODES: dict[int, ErrorKind] = {
    9: "tls-not-yet-valid",  # X509_V_ERR_CERT_NOT_YET_VALID
    10: "tls-expired",  # X509_V_ERR_CERT_HAS_EXPIRED
    62: "tls-wrong-host",  # X509_V_ERR_HOSTNAME_MISMATCH
    64: "tls-wrong-host",  # X509_V_ERR_IP_ADDRESS_MISMATCH
}


def _chain(error: BaseException) -> list[BaseException]:
    """The error and everything it was raised from (httpx → httpcore → ssl/socket)."""
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def classify_error(error: BaseException) -> tuple[ErrorKind, str | None]:
    """The kind of a failed request, and a short token-free detail for the message."""
    chain = _chain(error)
    for link in chain:
        if isinstance(link, ssl.SSLCertVerificationError):
            kind = _VERIFY_CODES.get(link.verify_code, "tls-untrusted")
            return kind, link.verify_message or None
    for link in chain:
        if isinstance(link, socket.gaierror):
            return "dns", link.strerror or None
    if isinstance(error, httpx.ConnectTimeout):
        return "connect-timeout", None
    if isinstance(error, httpx.TimeoutException):
        return "read-timeout", None
    for link in chain:
        if isinstance(link, ssl.SSLError):
            return "tls-other", link.reason or link.strerror or None
    for link in chain:
        if isinstance(link, ConnectionRefusedError):
            return "refused", None
    if isinstance(error, httpx.RemoteProtocolError):
        return "closed", None
    if isinstance(error, httpx.ProxyError):
        return "network", "the proxy refused or failed"
    for link in chain:
        if isinstance(link, ConnectionResetError):
            return "reset", link.strerror or None
    for link in chain:
        if isinstance(link, OSError) and link.strerror:
            return "network", link.strerror
    return "network", type(error).__name__


def _read_body(response: httpx.Response) -> tuple[str, bool]:
    """The answer's text, up to `MAX_BODY_BYTES`, and whether there was more."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            break
    data = b"".join(chunks)[:MAX_BODY_BYTES]
    charset = response.charset_encoding or "utf-8"
    try:
        codecs.lookup(charset)
    except LookupError:  # `charset=nonsense` in a server's Content-Type: read it as UTF-8
        charset = "utf-8"
    return data.decode(charset, errors="replace"), size > MAX_BODY_BYTES


def proxy_variable_for(url: str, environ: Mapping[str, str] = os.environ) -> str | None:
    """The name of the environment variable whose proxy httpx sends `url` through, or None.

    This follows httpx's own choice step by step (httpx 0.27-0.29, `Client(trust_env=True)`):
    the variables as urllib's `getproxies_environment()` reads them, then httpx's NO_PROXY
    patterns (not urllib's `proxy_bypass_environment`, which disagrees: `.example.com`, ports,
    `*` in a list, CIDR), most specific pattern first. Only the name is returned; the value
    may hold a password.
    """
    try:
        target = httpx.URL(url)
        target_host = target.host
    except (httpx.InvalidURL, ValueError):  # `http://[zz]/`: it failed before any proxy
        return None
    settings = _proxy_settings(environ)
    # pattern -> variable name (None: no proxy), in httpx's insertion order
    mounts: dict[str, str | None] = {
        f"{scheme}://": settings[scheme][0]
        for scheme in ("http", "https", "all")
        if scheme in settings
    }
    no_proxy = settings["no"][1] if "no" in settings else ""
    for entry in (part.strip() for part in no_proxy.split(",")):
        if entry == "*":
            return None
        if entry:
            mounts[_no_proxy_pattern(entry)] = None
    matching: list[tuple[tuple[int, int, int], int, str | None]] = []
    for order, (pattern, variable) in enumerate(mounts.items()):
        priority = _pattern_priority_if_matching(pattern, target, target_host)
        if priority is not None:
            matching.append((priority, order, variable))
    return min(matching, key=lambda item: item[:2])[2] if matching else None


def _proxy_settings(environ: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """scheme -> (variable name, value), as `urllib.request.getproxies_environment` picks
    them: any spelling first, then the lower-case `_proxy` spellings win (an empty one
    unsets); `REQUEST_METHOD` (CGI) drops an upper-case HTTP_PROXY."""
    found: dict[str, tuple[str, str]] = {}
    for name, value in environ.items():
        if value and name.lower().endswith("_proxy"):
            found[name.lower()[:-6]] = (name, value)
    if "REQUEST_METHOD" in environ:
        found.pop("http", None)
    for name, value in environ.items():
        if name.endswith("_proxy"):
            if value:
                found[name.lower()[:-6]] = (name, value)
            else:
                found.pop(name.lower()[:-6], None)
    return found


def _no_proxy_pattern(entry: str) -> str:
    """The mount pattern httpx makes of one NO_PROXY entry (httpx `get_environment_proxies`)."""
    import ipaddress

    def parses_as(kind: type[ipaddress.IPv4Address] | type[ipaddress.IPv6Address]) -> bool:
        try:
            kind(entry.split("/")[0])
        except ValueError:
            return False
        return True

    if "://" in entry:
        return entry
    if parses_as(ipaddress.IPv4Address):
        return f"all://{entry}"
    if parses_as(ipaddress.IPv6Address):
        return f"all://[{entry}]"
    if entry.lower() == "localhost":
        return f"all://{entry}"
    return f"all://*{entry}"


def _pattern_priority_if_matching(
    pattern: str, target: httpx.URL, target_host: str
) -> tuple[int, int, int] | None:
    """httpx `URLPattern`: whether `pattern` matches `target`, and if so its sort key."""
    try:
        parsed = httpx.URL(pattern)
        host = "" if parsed.host == "*" else parsed.host
        port = parsed.port
        scheme = "" if parsed.scheme == "all" else parsed.scheme
    except (httpx.InvalidURL, ValueError):  # httpx.Client itself refuses to start on it
        return None
    if scheme and scheme != target.scheme:
        return None
    if host:
        if host.startswith("*."):  # subdomains only
            host_regex = f"^.+\\.{re.escape(host[2:])}$"
        elif host.startswith("*"):  # the domain and its subdomains
            host_regex = f"^(.+\\.)?{re.escape(host[1:])}$"
        else:
            host_regex = f"^{re.escape(host)}$"
        if not re.match(host_regex, target_host):
            return None
    if port is not None and port != target.port:
        return None
    return (0 if port is not None else 1, -len(host), -len(scheme))


def fetch(
    client: httpx.Client,
    url: str,
    *,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    filter_attribute: str | None = None,
    timeout_s: float | None = None,
) -> HttpOutcome:
    """GET one URL and describe what happened. Never raises for network trouble."""
    started = time.perf_counter()

    def elapsed() -> int:
        return round((time.perf_counter() - started) * 1000)

    try:
        shown = str(httpx.URL(url, params=params))
    except (httpx.InvalidURL, ValueError):
        shown = url  # the request below fails the same way, and is classified
    try:
        with client.stream("GET", url, params=params, headers=headers) as response:
            body, body_cut = _read_body(response)
            return HttpOutcome(
                url=shown,
                filter_attribute=filter_attribute,
                status=response.status_code,
                reason=response.reason_phrase,
                content_type=response.headers.get("content-type"),
                location=response.headers.get("location"),
                body=body,
                body_cut_at=MAX_BODY_BYTES if body_cut else None,
                elapsed_ms=elapsed(),
                timeout_s=timeout_s,
            )
    except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as error:
        # Only the classification leaves this block: the exception holds the request, and
        # the request holds the Authorization header. ValueError: the resolver's IDNA codec
        # (UnicodeError) on a host the URL rules missed; never a traceback.
        kind, detail = classify_error(error)
    return HttpOutcome(
        url=shown,
        filter_attribute=filter_attribute,
        elapsed_ms=elapsed(),
        error=kind,
        error_detail=detail,
        timeout_s=timeout_s,
        proxy_variable=proxy_variable_for(url) if client.trust_env else None,
    )


# ---- the check -----------------------------------------------------------------------------


def _finding(
    code: str,
    issue: Issue,
    value: str | None,
    secrets: tuple[str, ...],
    fragments_of: tuple[str, ...],
) -> Finding:
    """A connection finding, with the secrets masked, and the token's fragments too: its
    message may quote what the server said."""
    rule = get_rule(code)

    def clean(text: str | None) -> str | None:
        return None if text is None else redact(text, secrets, fragments_of)

    return Finding(
        rule=rule.code,
        severity=rule.severity,
        message=redact(issue.message, secrets, fragments_of),
        value=clean(value),
        fix=clean(issue.fix),
        fix_confidence=issue.fix_confidence if issue.fix is not None else None,
    )


def _service_provider_config(
    client: httpx.Client, base_url: str, timeout_s: float
) -> dict[str, Any] | None:
    """/ServiceProviderConfig, read without the token (RFC 7643 §5), or None."""
    outcome = fetch(
        client,
        f"{base_url}/ServiceProviderConfig",
        headers={"Accept": SCIM_MEDIA_TYPE},
        timeout_s=timeout_s,
    )
    if outcome.status != 200:
        return None
    parsed, value = outcome.json_body()
    if not (parsed and isinstance(value, dict)):
        return None
    schemas = value.get("schemas")
    if not (isinstance(schemas, list) and SERVICE_PROVIDER_CONFIG_SCHEMA in schemas):
        return None
    return value


def _printable(text: str) -> str:
    """Lone surrogates (bytes of a non-UTF-8 argument) as U+FFFD: every writer can encode it."""
    return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)


def _client(verify: str | os.PathLike[str] | None, timeout: float) -> httpx.Client:
    return httpx.Client(
        verify=tls_context(verify),
        timeout=timeout,
        follow_redirects=False,
        headers={"User-Agent": f"motiscim/{__version__} (read-only connection test)"},
    )


def _unreadable_no_proxy_variable(environ: Mapping[str, str] = os.environ) -> str | None:
    """The NO_PROXY variable's name when one of its entries is a pattern httpx cannot parse
    (`[::1]`, `[::1]:8443`, `2001:db8::/32`, `bücher.example`): httpx.Client then refuses to
    start, with or without any proxy set."""
    settings = _proxy_settings(environ)
    if "no" not in settings:
        return None
    name, value = settings["no"]
    for entry in (part.strip() for part in value.split(",")):
        if entry and entry != "*":
            try:
                httpx.URL(_no_proxy_pattern(entry))
            except (httpx.InvalidURL, ValueError):
                return name
    return None


def _proxy_problem(error: Exception) -> str:
    no_proxy_name = _unreadable_no_proxy_variable()
    if no_proxy_name is not None and not isinstance(error, ImportError):
        return (
            f"{no_proxy_name} is not usable: httpx cannot read one of its entries "
            "(write an IPv6 address without brackets, port or /prefix, e.g. ::1, "
            "and a non-ASCII name in its xn-- form)"
        )
    where = "the proxy set in HTTPS_PROXY, HTTP_PROXY or ALL_PROXY is not usable"
    if isinstance(error, ImportError):
        return f"{where}: a SOCKS proxy needs motiscim installed with httpx[socks]"
    return f"{where}: it is not a valid http:// or https:// proxy URL"


def _client_accepts(base_url: str) -> bool:
    """Whether httpx can build the request and the resolver can encode its host.

    The C001 rules mirror both; this catches what they might miss, so that a URL ends as a
    C001 finding rather than a traceback (httpx raises InvalidURL or idna's IDNAError, and
    socket.getaddrinfo UnicodeError, for hosts it cannot use).
    """
    try:
        request_url = httpx.URL(f"{base_url}/Users")
        _ = request_url.host  # decodes `xn--` labels: raises on a broken one
        request_url.raw_host.decode("ascii").encode("idna")  # what getaddrinfo does with it
    except (httpx.InvalidURL, ValueError):
        return False
    return True


def check_connection(
    url: str,
    token: str,
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    verify: str | os.PathLike[str] | None = None,
    slow_after_s: float = DEFAULT_SLOW_AFTER_S,
    read_service_provider_config: bool = True,
) -> ConnectionResult:
    """Test a tenant URL and token the way Entra's Test connection does; read-only.

    `verify` is a CA bundle file to trust instead of the system's (tests, TLS-inspecting
    proxies). `slow_after_s` is C012's threshold. The result is ok when both filter requests
    got 200 with an empty SCIM ListResponse and no error was found.
    """
    # A password in the URL (`https://user:pw@…`) is hidden like the token.
    token_forms = secret_forms(token)
    secrets = _longest_first([*token_forms, url_password(url) or ""])
    findings: list[Finding] = []
    # A token pasted into the URL (`?token=…`) must not reach the report through the URL.
    display = _printable(redact(shown_url(url), secrets))
    timeout = min(max(timeout, 0.001), MAX_TIMEOUT_S) if math.isfinite(timeout) else MAX_TIMEOUT_S
    slow_after_ms = round(slow_after_s * 1000) if math.isfinite(slow_after_s) else sys.maxsize

    def add(code: str, issue: Issue | None, value: str | None = None) -> None:
        if issue is not None:
            findings.append(_finding(code, issue, value, secrets, token_forms))

    add("C001", c001_tenant_url_unusable(url), display)
    base_url = url_under_test(url)
    if base_url is not None and not _client_accepts(base_url):
        add("C001", url_refused_issue(), display)
        base_url = None
    if base_url is not None:
        add("C002", c002_tenant_url_not_motimate_form(url), display)
    inspection = inspect_token(token)
    if base_url is None or not inspection.sendable:
        add("C003", token_issue(inspection))
        return ConnectionResult(url=display, ok=False, findings=findings)

    headers = {
        "Authorization": f"Bearer {inspection.cleaned}",
        "Accept": SCIM_MEDIA_TYPE,
    }
    outcomes: list[HttpOutcome] = []
    config: dict[str, Any] | None = None
    try:
        client = _client(verify, timeout)
    except (ImportError, ValueError, httpx.InvalidURL) as error:
        # httpx builds its proxies from HTTP(S)_PROXY/ALL_PROXY here and raises on one it
        # cannot use; the proxy URL may hold a password, so only the kind of problem is said.
        outcomes.append(
            HttpOutcome(
                url=f"{base_url}/Users",
                filter_attribute=PROBE_ATTRIBUTES[0],
                error="network",
                error_detail=_proxy_problem(error),
                timeout_s=timeout,
            )
        )
        client = None
    if client is not None:
        with http_logs_scrubbed(secrets, token_forms), client:
            for attribute in PROBE_ATTRIBUTES:
                outcome = fetch(
                    client,
                    f"{base_url}/Users",
                    params={"filter": f'{attribute} eq "{uuid.uuid4()}"'},
                    headers=headers,
                    filter_attribute=attribute,
                    timeout_s=timeout,
                )
                outcomes.append(outcome)
                if not outcome.is_empty_list_response():
                    break  # Entra stops at the first failure; the next would repeat it
            if read_service_provider_config and any(o.speaks_scim for o in outcomes):
                config = _service_provider_config(client, base_url, timeout)

    accepted = len(outcomes) == len(PROBE_ATTRIBUTES) and all(
        o.is_empty_list_response() for o in outcomes
    )
    if accepted:
        # The server accepted the token: whatever its shape, the shape was no problem.
        inspection = dataclasses.replace(inspection, shape=None)
    add("C003", token_issue(inspection))
    for outcome in outcomes:
        for code, issue in diagnose(outcome, slow_after_ms=slow_after_ms):
            add(code, issue)
    if config is not None:
        add("C013", c013_service_provider_config(config))

    deciding = next((o for o in outcomes if not o.is_empty_list_response()), outcomes[-1])
    timings = [o.elapsed_ms for o in outcomes if o.elapsed_ms is not None]
    ok = accepted and not any(f.severity.value == "error" for f in findings)
    return ConnectionResult(
        url=display,
        ok=ok,
        status=deciding.status,
        elapsed_ms=max(timings) if timings else None,
        findings=findings,
    )
