"""`motiscim connect` against real servers on loopback, one failure shape at a time.

Every outcome runs the real CLI twice (table to stdout; JSON to a file) with a known token,
and asserts that the token appears nowhere: stdout, stderr, the JSON file, every log record
captured at DEBUG (httpx and httpcore log at DEBUG), and the exception text. Every server
records the requests it saw: only GETs, and /ServiceProviderConfig without the token.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import socket
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from checks.rules.connection import split_message
from motiscim_cli.app import app
from motiscim_cli.commands.connect import render_connection
from motiscim_cli.connect import REDACTED, check_connection
from motiscim_cli.report import Report
from tests.connect_servers import (
    LIST_RESPONSE,
    MOUNT,
    TOKEN,
    Pki,
    Reply,
    RunningServer,
    fixed,
    json_reply,
    serve_scim,
)

SCHEMA = Path(__file__).resolve().parent.parent / "motiscim_cli/schemas/report-v1.schema.json"
LOOPBACK_HTTP = "C002"  # every loopback URL is, rightly, not the Motimate form
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
ShapeServer = Callable[..., RunningServer]


def assert_no_token(text: str, where: str, token: str = TOKEN) -> None:
    """Neither the token nor half of it appears in `text`, in any letter case (a server may
    echo it lower-cased); nor, for a token of 16 characters or more, any 10 of its characters
    in a row."""
    folded = text.casefold()
    pieces = [token, token[:16], token[16:]]
    if len(token) >= 16:
        pieces += [token[start : start + 10] for start in range(len(token) - 9)]
    for piece in pieces:
        if len(piece) >= 4:  # a shorter "half" of a short secret is an ordinary word
            assert piece.casefold() not in folded, f"part of the token appears in {where}"


@pytest.fixture(autouse=True)
def only_loopback_is_resolved(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """No test here asks a real resolver about a real name: any other host fails to resolve
    (as the stdlib would, after the same IDNA encoding) and fails the test at teardown."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode("ascii") if isinstance(host, bytes) else host
        if name in LOOPBACK_NAMES:
            return real(host, *args, **kwargs)
        asked.append(name)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield asked
    assert asked == [], f"a test tried to resolve {asked}: tests reach only loopback"


@dataclass
class Ran:
    exit_code: int
    table: str  # stdout of the table run
    report: dict[str, Any]  # the JSON report written with --output
    stderr: str

    @property
    def connection(self) -> dict[str, Any]:
        return self.report["connection"]

    @property
    def codes(self) -> list[str]:
        return [f["rule"] for f in self.connection["findings"]]

    def message(self, code: str) -> str:
        return next(f["message"] for f in self.connection["findings"] if f["rule"] == code)


def _exception_text(result: Result) -> str:
    if result.exc_info is None:
        return ""
    return "".join(traceback.format_exception(*result.exc_info))


def run_connect(
    url: str | None,
    *extra: str,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
    token: str | None = TOKEN,
    env: dict[str, str | None] | None = None,
    secret: str = TOKEN,
) -> Ran:
    """Run `motiscim connect` as table and as JSON, and check the secret (and the test
    token) leaked nowhere, in any letter case."""
    caplog.set_level(logging.DEBUG)
    runner = CliRunner()
    environment: dict[str, str | None] = {
        "MOTIMATE_SCIM_TOKEN": token,
        "MOTIMATE_SCIM_TENANT_URL": None,
        "NO_COLOR": "1",
        "COLUMNS": "200",  # rich wraps at 80 columns otherwise
    }
    environment.update(env or {})
    args = ["connect", *([url] if url is not None else []), *extra]
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    report_file = out / "connect.json"
    table = runner.invoke(app, args, env=environment)
    as_json = runner.invoke(
        app, [*args, "--format", "json", "--output", str(report_file), "--force"], env=environment
    )
    assert table.exit_code == as_json.exit_code, (table.output, as_json.output)
    for name, text in [
        ("stdout", table.stdout),
        ("stderr", table.stderr),
        ("json run stdout", as_json.stdout),
        ("json run stderr", as_json.stderr),
        ("the table run's exception", _exception_text(table)),
        ("the json run's exception", _exception_text(as_json)),
        ("the captured log", caplog.text),
    ]:
        for hidden in {secret, TOKEN}:
            assert_no_token(text, name, hidden)
    for record in caplog.records:
        for hidden in {secret, TOKEN}:
            assert_no_token(record.getMessage(), f"log record {record.name}", hidden)
            assert_no_token(str(record.exc_text or ""), f"log record {record.name}", hidden)
    for path in out.rglob("*"):
        for hidden in {secret, TOKEN}:
            assert_no_token(path.read_text(encoding="utf-8"), str(path), hidden)
    for result in (table, as_json):  # a traceback is never the answer
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            _exception_text(result)
        )
    report = json.loads(report_file.read_text(encoding="utf-8")) if report_file.exists() else {}
    if report:
        jsonschema.validate(report, json.loads(SCHEMA.read_text(encoding="utf-8")))
    return Ran(table.exit_code, table.stdout, report, table.stderr + as_json.stderr)


def only_gets(server: RunningServer, expected_users_requests: int) -> None:
    requests = server.recorder.requests
    assert server.recorder.methods <= {"GET"}, requests
    users = [r for r in requests if "/Users?filter=" in r.path]
    assert len(users) == expected_users_requests, requests
    assert all(r.authorized for r in users)
    config = [r for r in requests if r.path.endswith("/ServiceProviderConfig")]
    assert all(not r.authorized for r in config), "ServiceProviderConfig must go without token"


# ---- success against the real SCIM server ----------------------------------------------------


def test_good_url_and_token_pass_against_scim2_server_over_http(
    scim_http: RunningServer, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    ran = run_connect(scim_http.base + MOUNT, caplog=caplog, tmp_path=tmp_path)
    assert ran.exit_code == 0
    assert ran.codes == [LOOPBACK_HTTP, "C013"]
    assert ran.connection["ok"] is True
    assert ran.connection["status"] == 200
    assert isinstance(ran.connection["elapsed_ms"], int)
    assert ran.connection["url"] == scim_http.base + MOUNT
    assert ran.report["summary"]["verdict"] == "ready"
    assert ran.message("C013").startswith(
        "The server's ServiceProviderConfig says: filter supported, PATCH supported"
    )
    assert "OK  HTTP 200 in" in ran.table
    assert "C002 warning" in ran.table
    # two runs, each: userName and externalId filters, then /ServiceProviderConfig
    only_gets(scim_http, expected_users_requests=4)
    filters = [r.path for r in scim_http.recorder.requests if "filter=" in r.path]
    assert [p.split("filter=")[1].split("+")[0] for p in filters[:2]] == [
        "userName",
        "externalId",
    ]
    assert {r.path.split("?")[0] for r in scim_http.recorder.requests} == {
        "/scim/v1/Users",
        "/scim/v1/ServiceProviderConfig",
    }
    # the logs were really captured at DEBUG, so the no-token assertion above meant something
    assert any(r.name.startswith("httpcore") and r.levelno == logging.DEBUG for r in caplog.records)


def test_the_table_can_be_written_to_a_file(scim_http: RunningServer, tmp_path: Path) -> None:
    report = tmp_path / "connect.txt"
    result = CliRunner().invoke(
        app,
        ["connect", scim_http.base + MOUNT, "--output", str(report)],
        env={"MOTIMATE_SCIM_TOKEN": TOKEN, "MOTIMATE_SCIM_TENANT_URL": None},
    )
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == f"Connection report written to {report}.\n"
    text = report.read_text(encoding="utf-8")
    assert "\x1b[" not in text  # no terminal styles in a file
    assert "Token       from MOTIMATE_SCIM_TOKEN (never shown)" in text
    assert "OK  HTTP 200 in" in text
    assert_no_token(text, "the table file")


def test_the_output_extension_chooses_the_format(scim_http: RunningServer, tmp_path: Path) -> None:
    """-o connect.json writes the JSON report without --format, as `check` does; an extension
    connect cannot write (.html) keeps the table, and --format wins over the extension."""
    env = {"MOTIMATE_SCIM_TOKEN": TOKEN, "MOTIMATE_SCIM_TENANT_URL": None}
    report = tmp_path / "connect.json"
    result = CliRunner().invoke(
        app, ["connect", scim_http.base + MOUNT, "-o", str(report)], env=env
    )
    assert result.exit_code == 0
    data = json.loads(report.read_text(encoding="utf-8"))
    jsonschema.validate(data, json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert data["connection"]["ok"] is True
    for name, extra in (("connect.html", []), ("table.json", ["--format", "table"])):
        path = tmp_path / name
        args = ["connect", scim_http.base + MOUNT, "-o", str(path), *extra]
        assert CliRunner().invoke(app, args, env=env).exit_code == 0
        assert "OK  HTTP 200 in" in path.read_text(encoding="utf-8"), name


def test_scim2_server_answers_the_filter_with_an_empty_list_response(
    scim_http: RunningServer,
) -> None:
    import httpx

    response = httpx.get(
        f"{scim_http.base}{MOUNT}/Users",
        params={"filter": 'externalId eq "0f8fad5b-d9cb-469f-a165-70867728950e"'},
        headers={"Authorization": f"Bearer {TOKEN}", "Accept": "application/scim+json"},
    )
    assert response.status_code == 200
    assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
    assert response.json()["totalResults"] == 0


def test_good_url_and_token_pass_over_https_with_the_test_ca(
    scim_https: RunningServer, pki: Pki, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    url = scim_https.base + MOUNT
    ran = run_connect(url, "--ca-bundle", str(pki.ca_bundle), caplog=caplog, tmp_path=tmp_path)
    assert ran.exit_code == 0
    assert ran.codes == [LOOPBACK_HTTP, "C013"]
    assert "over plain http" not in ran.message("C002")
    only_gets(scim_https, expected_users_requests=4)
    # and the function itself, with `verify=`
    result = check_connection(url, TOKEN, verify=pki.ca_bundle)
    assert result.ok and result.status == 200


def test_url_from_the_environment(
    scim_http: RunningServer, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    ran = run_connect(
        None,
        caplog=caplog,
        tmp_path=tmp_path,
        env={"MOTIMATE_SCIM_TENANT_URL": scim_http.base + MOUNT},
    )
    assert ran.exit_code == 0
    assert ran.connection["url"] == scim_http.base + MOUNT


def test_token_from_a_file_with_a_final_line_break(
    scim_http: RunningServer, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    token_file = tmp_path / "secret" / "token.txt"
    token_file.parent.mkdir()
    token_file.write_text(TOKEN + "\n", encoding="utf-8")
    ran = run_connect(
        scim_http.base + MOUNT,
        "--token-file",
        str(token_file),
        token=None,
        caplog=caplog,
        tmp_path=tmp_path,
    )
    assert ran.exit_code == 0
    assert "C003" not in ran.codes
    assert f"Token       from the file {token_file}" in ran.table


def test_token_file_from_a_secret_store_uses_its_first_line(
    scim_http: RunningServer, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    # `pass show` and most secret stores print the secret, then notes on later lines.
    token_file = tmp_path / "token.txt"
    token_file.write_text(f"{TOKEN}\nuser: admin@example.com\nurl: motimate\n", encoding="utf-8")
    ran = run_connect(
        scim_http.base + MOUNT,
        "--token-file",
        str(token_file),
        token=None,
        caplog=caplog,
        tmp_path=tmp_path,
    )
    assert ran.exit_code == 0
    assert "C003" not in ran.codes
    assert "admin@example.com" not in ran.table


def test_token_file_written_by_windows_powershell_as_utf16(
    scim_http: RunningServer, tmp_path: Path
) -> None:
    from motiscim_cli.connect import read_token_file

    token_file = tmp_path / "token.txt"
    token_file.write_bytes((TOKEN + "\r\n").encode("utf-16"))  # BOM + UTF-16 LE
    assert read_token_file(token_file) == TOKEN
    assert check_connection(scim_http.base + MOUNT, read_token_file(token_file)).ok


# ---- C003: a pasted token is cleaned, tested, and reported -------------------------------


def test_a_token_pasted_with_bearer_and_quotes_is_cleaned_tested_and_reported(
    scim_http: RunningServer, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    ran = run_connect(
        scim_http.base + MOUNT, token=f' Bearer "{TOKEN}"\n', caplog=caplog, tmp_path=tmp_path
    )
    assert ran.exit_code == 1
    assert ran.codes == [LOOPBACK_HTTP, "C003", "C013"]
    assert ran.connection["status"] == 200  # the cleaned token worked…
    assert ran.connection["ok"] is False  # …but what was given is not the token
    assert ran.message("C003") == (
        "The token was given with a space before it, a line break after it, a 'Bearer ' "
        "prefix and quotes. The cleaned token was tested. Fix: Paste only the 32 letters and "
        "digits into Entra's Secret Token field, with nothing before, after or inside them."
    )
    only_gets(scim_http, expected_users_requests=4)


def test_an_unusual_token_the_server_accepts_is_not_reported(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    odd = "k2J9x-Lq0Zp4Wv8Rt1Ys6Nb3Mc7Hd5Fg2Ae0Ui9X"
    assert len(odd) == 40  # and a dash: not Motimate's shape
    server = serve_scim(odd)
    try:
        ran = run_connect(
            server.base + MOUNT, token=odd, secret=odd, caplog=caplog, tmp_path=tmp_path
        )
        assert ran.exit_code == 0
        assert ran.codes == [LOOPBACK_HTTP, "C013"]
        refused = run_connect(
            server.base + MOUNT, token=odd[:-1], secret=odd[:-1], caplog=caplog, tmp_path=tmp_path
        )
        assert refused.exit_code == 1
        assert refused.codes == [LOOPBACK_HTTP, "C003", "C007", "C013"]
        assert refused.message("C003").startswith(
            "The token has 39 characters, 1 of them not a letter or digit (Motimate's tokens are "
            "32 letters and digits)."
        )
    finally:
        server.close()


def test_a_token_that_cannot_go_in_a_header_is_not_sent(
    scim_http: RunningServer, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    bad = TOKEN[:31] + "ø"
    ran = run_connect(
        scim_http.base + MOUNT, token=bad, secret=bad, caplog=caplog, tmp_path=tmp_path
    )
    assert ran.exit_code == 1
    assert ran.codes == [LOOPBACK_HTTP, "C003"]
    assert "Nothing was sent: it cannot go in an HTTP header as it is." in ran.message("C003")
    assert ran.connection["status"] is None and ran.connection["elapsed_ms"] is None
    assert "FAILED  nothing sent (C003)." in ran.table
    assert scim_http.recorder.requests == []


# ---- C001: nothing is sent -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "cause"),
    [
        ("http://acme.motimateapp.com/scim/v1", "The tenant URL uses plain http"),
        ("https://{identifier}.motimateapp.com/scim/v1", "{identifier} placeholder"),
        ("https://acme.motimateapp.com/scim/v1?token=x", "has a query"),
        # each of these used to be a traceback from httpx, the resolver or urlsplit
        (
            "https://acme..motimateapp.com/scim/v1",
            "The tenant URL's host name has an empty part: two dots in a row",
        ),
        (
            f"https://{'a' * 300}.motimateapp.com/scim/v1",
            "The tenant URL's host name has a part of 300 characters; a part between dots has "
            "at most 63.",
        ),
        ("https://[::1/scim", "The tenant URL's host has a '[' without its ']'"),
        (
            "https://[zz]/scim/v1",
            "The tenant URL's host in square brackets is not a valid IPv6 address.",
        ),
        (
            "https://xn--zz.motimateapp.com/scim/v1",
            "a part starting with 'xn--' that is not a valid encoded international name",
        ),
        ("https://ａｃｍｅ.motimateapp.com/scim/v1", "characters a domain name cannot have"),
        ("https://[::1]x/scim/v1", "something other than ':' and a port after its ']'"),
        ("http://127.0.0.999/scim/v1", "is not a valid IPv4 address"),
        ("http://127.0.0.1:1/scim/v1\x01", "a control character (U+0001) inside it"),
        ("http://127.0.0.1:1/scim/v1\udcff", "bytes that are not text (not UTF-8)"),
    ],
)
def test_c001_stops_before_sending_anything(
    url: str, cause: str, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    ran = run_connect(url, caplog=caplog, tmp_path=tmp_path)
    assert ran.exit_code == 1
    assert ran.codes == ["C001"]
    assert cause in ran.message("C001")
    remedy = split_message(ran.message("C001"))[1]
    assert remedy and f"Fix: {remedy}" in " ".join(ran.table.split())  # a cause and a fix line
    assert ran.connection["status"] is None and ran.connection["elapsed_ms"] is None
    assert "FAILED  nothing sent (C001)." in ran.table
    assert not any(r.name.startswith("httpcore") for r in caplog.records)


def test_user_and_password_in_the_url_are_masked_in_the_report(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    ran = run_connect(
        "https://admin:hunter2secret@acme.motimateapp.com/scim/v1",
        caplog=caplog,
        tmp_path=tmp_path,
    )
    assert ran.codes == ["C001"]
    assert ran.connection["url"] == "https://***@acme.motimateapp.com/scim/v1"
    assert "hunter2secret" not in json.dumps(ran.report) + ran.table


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        # urlsplit refuses this one (unbalanced '['): the password was shown as typed
        ("https://admin:Hunter2Secret@[::1/scim", "https://***@[::1/scim"),
        # no scheme: urlsplit took 'admin' for the scheme and showed the rest
        (
            "admin:Hunter2Secret@acme.motimateapp.com/scim/v1",
            "***@acme.motimateapp.com/scim/v1",
        ),
        # the password again in the path: hidden there too, like the token
        (
            "https://admin:Hunter2Secret@acme.motimateapp.com/hunter2secret",
            "https://***@acme.motimateapp.com/[token hidden]",
        ),
    ],
)
def test_a_password_in_the_url_is_masked_like_the_token(
    url: str, shown: str, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    ran = run_connect(url, caplog=caplog, tmp_path=tmp_path, secret="Hunter2Secret")
    assert ran.exit_code == 1
    assert ran.codes == ["C001"]
    assert ran.connection["url"] == shown
    assert f"Tenant URL  {shown}\n" in ran.table


# ---- the SCIM server says no ---------------------------------------------------------------


def test_c007_wrong_token_quotes_the_scim_error_detail(
    scim_http: RunningServer, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    wrong = "Zz9" * 10 + "Q1"
    ran = run_connect(
        scim_http.base + MOUNT, token=wrong, secret=wrong, caplog=caplog, tmp_path=tmp_path
    )
    assert ran.exit_code == 1
    assert ran.codes == [LOOPBACK_HTTP, "C007", "C013"]
    assert ran.connection["status"] == 401
    assert ran.message("C007") == (
        "The server refused the token (401 Unauthorized: The bearer token is not valid for "
        "this tenant). Fix: Copy the Secret Token again exactly as Motimate sent it (32 "
        "letters and digits); if it still fails, ask Motimate for a new one."
    )
    assert "FAILED  HTTP 401 in" in ran.table and "(C007)." in ran.table
    only_gets(scim_http, expected_users_requests=2)  # Entra stops at the first failure


@pytest.mark.parametrize(
    ("path", "cause"),
    [
        ("/scim/v2", "There is no SCIM Users endpoint at /scim/v2/Users (404 Not Found)"),
        ("", "There is no SCIM Users endpoint at /Users (404 Not Found)"),
        ("/scim/v1/Users", "The tenant URL ends with /Users, and Entra appends /Users itself"),
    ],
)
def test_c008_wrong_path_on_the_scim_server(
    path: str,
    cause: str,
    scim_http: RunningServer,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    ran = run_connect(scim_http.base + path, caplog=caplog, tmp_path=tmp_path)
    assert ran.exit_code == 1
    assert ran.codes == [LOOPBACK_HTTP, "C008"]
    assert ran.message("C008").startswith(cause)
    assert ran.connection["status"] == 404
    only_gets(scim_http, expected_users_requests=2)


# ---- tiny servers, one shape each -------------------------------------------------------------

EVERY_USER = [
    {"id": f"{n:08d}", "userName": f"user{n}@example.com", "externalId": f"{n:032x}"}
    for n in range(5000)
]
LOGIN_PAGE = (
    b"<!DOCTYPE html><html><head><title>Sign in to Motimate</title></head>"
    b"<body><form method=post><input name=password></form></body></html>"
)


@pytest.mark.parametrize(
    ("reply", "code", "status", "cause"),
    [
        (
            Reply(404, b"Not Found", (("Content-Type", "text/plain"),)),
            "C008",
            404,
            "There is no SCIM Users endpoint at /scim/v1/Users (404 Not Found)",
        ),
        (
            json_reply(
                404,
                {
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                    "status": "404",
                    "detail": "No user matches",
                },
            ),
            "C008",
            404,
            "The server answered 404 with a SCIM error (No user matches) to GET /scim/v1/Users: "
            "either the tenant URL's path is wrong, or the server answers 404 when a filter "
            "matches no user",
        ),
        (
            Reply(200, LOGIN_PAGE, (("Content-Type", "text/html; charset=utf-8"),)),
            "C009",
            200,
            "The server answered 200 with an HTML page (titled 'Sign in to Motimate'), not SCIM "
            "JSON: the URL points at a web page, such as a sign-in page, not the SCIM API.",
        ),
        (
            Reply(200, b'{"schemas": [', (("Content-Type", "application/scim+json"),)),
            "C009",
            200,
            "The server answered 200 with a body that is not valid JSON to the filter on "
            "userName, not a SCIM ListResponse.",
        ),
        (
            json_reply(200, {"status": "ok", "version": "2.4"}, "application/json"),
            "C009",
            200,
            "The server answered 200 with JSON that is not a SCIM ListResponse to the filter on "
            "userName",
        ),
        (
            json_reply(200, {**LIST_RESPONSE, "totalResults": 3}),
            "C009",
            200,
            "The server's ListResponse to the filter on userName has totalResults 3 for a random "
            "value no user has: it ignores the filter",
        ),
        (
            # A server that ignores the filter and sends every user: 300 KiB are kept only in
            # part, which read as "not valid JSON" — the wrong diagnosis.
            json_reply(200, {**LIST_RESPONSE, "totalResults": 5000, "Resources": EVERY_USER}),
            "C009",
            200,
            "The server answered 200 with a body of over 256 KiB to the filter on userName, not "
            "the few hundred bytes of an empty ListResponse: a server that ignores the filter "
            "sends its users. Fix: Send this message to Motimate before provisioning",
        ),
        (
            # the same in UTF-16: the figure counts the bytes kept, not the characters
            Reply(
                200,
                json.dumps({**LIST_RESPONSE, "Resources": EVERY_USER}).encode("utf-16"),
                (("Content-Type", "application/scim+json; charset=utf-16"),),
            ),
            "C009",
            200,
            "The server answered 200 with a body of over 256 KiB to the filter on userName",
        ),
        (
            Reply(429, b"", (("Retry-After", "60"),)),
            "C009",
            429,
            "The server answered 429 Too Many Requests to the filter on userName, not 200 with "
            "a SCIM ListResponse. Fix: The server limits how often it may be asked: wait a "
            "minute and run the check again.",
        ),
        (
            Reply(431, b"", ()),
            "C009",
            431,
            "The server answered 431 Request Header Fields Too Large to the filter on userName, "
            "not 200 with a SCIM ListResponse. Fix: The request's headers, the token among "
            "them, are too large for the server",
        ),
        (
            json_reply(
                500,
                {
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                    "status": "500",
                    "detail": "database unavailable",
                },
            ),
            "C010",
            500,
            "The server failed with 500 Internal Server Error: database unavailable.",
        ),
        (
            Reply(502, b"<html>Bad Gateway</html>", (("Content-Type", "text/html"),)),
            "C010",
            502,
            "The server failed with 502 Bad Gateway from a gateway in front of the SCIM service.",
        ),
        (
            Reply(302, b"", (("Location", "https://login.example.com/sso?next=/scim"),)),
            "C011",
            302,
            "The server redirects (302 Found) to https://login.example.com/sso?next=/scim; "
            "Entra does not follow redirects.",
        ),
        (
            Reply(403, b"", ()),
            "C007",
            403,
            "The server knows the token but refuses access to Users (403 Forbidden).",
        ),
    ],
)
def test_each_wrong_answer_gets_its_code(
    reply: Reply,
    code: str,
    status: int,
    cause: str,
    shape_server: ShapeServer,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    server = shape_server(fixed(reply))
    ran = run_connect(server.base + MOUNT, caplog=caplog, tmp_path=tmp_path)
    assert ran.exit_code == 1
    assert ran.codes == [LOOPBACK_HTTP, code]
    assert ran.message(code).startswith(cause)
    assert ran.connection["status"] == status
    assert ran.connection["ok"] is False
    assert f"({code})." in ran.table or code == "C011"
    only_gets(server, expected_users_requests=2)


def test_c011_redirect_is_an_error_because_entra_does_not_follow_it(
    shape_server: ShapeServer, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    target = "https://acme.motimateapp.com/scim/v1/Users"
    server = shape_server(fixed(Reply(301, b"", (("Location", target),))))
    ran = run_connect(server.base + MOUNT, caplog=caplog, tmp_path=tmp_path)
    assert ran.exit_code == 1
    assert [(f["rule"], f["severity"]) for f in ran.connection["findings"]] == [
        ("C002", "warning"),
        ("C011", "error"),
    ]
    assert ran.report["summary"]["verdict"] == "not-ready"
    assert "FAILED  HTTP 301 in" in ran.table
    only_gets(server, expected_users_requests=2)  # the redirect was not followed


def test_c009_filter_on_external_id_refused_after_username_worked(
    shape_server: ShapeServer, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    def answer(method: str, path: str, headers: dict[str, str]) -> Reply:
        if "filter=externalId" in path:
            return json_reply(
                400,
                {
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                    "status": "400",
                    "scimType": "invalidFilter",
                    "detail": "externalId is not filterable",
                },
            )
        if "filter=userName" in path:
            return json_reply(200, LIST_RESPONSE)
        return Reply(404)

    server = shape_server(answer)
    ran = run_connect(server.base + MOUNT, caplog=caplog, tmp_path=tmp_path)
    assert ran.exit_code == 1
    assert ran.codes == [LOOPBACK_HTTP, "C009"]  # no C013: its ServiceProviderConfig is 404
    assert ran.message("C009").startswith(
        "The server answered 400 Bad Request: [invalidFilter] externalId is not filterable to "
        "the filter on externalId, not 200 with a SCIM ListResponse."
    )
    only_gets(server, expected_users_requests=4)


def test_c012_slow_answer_is_a_warning(
    shape_server: ShapeServer, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    # Deterministic on a loaded machine: the threshold is lowered to 0.1 s (the default is
    # 5 s) and *every* filter request waits 0.6 s, so both are slow whatever else runs (a
    # fast request that happened to take 0.1 s would have added a C012), and 0.6 s is far
    # from the 10 s timeout.
    def answer(method: str, path: str, headers: dict[str, str]) -> Reply:
        delay = 0.6 if "/Users?filter=" in path else 0.0
        return Reply(200, json.dumps(LIST_RESPONSE).encode(), delay_s=delay)

    server = shape_server(answer)
    ran = run_connect(server.base + MOUNT, "--slow-after", "0.1", caplog=caplog, tmp_path=tmp_path)
    assert ran.exit_code == 0
    assert ran.codes == [LOOPBACK_HTTP, "C012", "C012"]  # userName, then externalId
    for finding in ran.connection["findings"][1:]:
        assert finding["severity"] == "warning"
        assert finding["message"].endswith(
            "(more than 0.1 s); Entra may time out. Fix: Retry; if it stays slow, tell "
            "Motimate the time and how long it took."
        )
    assert ran.connection["ok"] is True


def test_c005_read_timeout(
    shape_server: ShapeServer, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    server = shape_server(fixed(Reply(200, b"{}", delay_s=3)))
    ran = run_connect(server.base + MOUNT, "--timeout", "0.3", caplog=caplog, tmp_path=tmp_path)
    assert ran.exit_code == 1
    assert ran.codes == [LOOPBACK_HTTP, "C005"]
    assert ran.message("C005").startswith(
        f"Connected to 127.0.0.1:{server.port}, but no answer came within 0.3 s."
    )
    assert ran.connection["status"] is None
    assert "FAILED  no answer in" in ran.table


def test_c005_closed_port(
    refused_port: int, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    port = refused_port  # bound and not listening for the whole test: always refused
    ran = run_connect(f"http://127.0.0.1:{port}{MOUNT}", caplog=caplog, tmp_path=tmp_path)
    assert ran.exit_code == 1
    assert ran.codes == [LOOPBACK_HTTP, "C005"]
    assert ran.message("C005").startswith(
        f"The connection to 127.0.0.1:{port} was refused: nothing accepts connections there."
    )


def test_c004_dns(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    # The machine's resolver is not asked: getaddrinfo (what the HTTP client calls) answers
    # "no such name" for nothing.invalid, as a resolver would (RFC 6761), and records it.
    asked: list[str] = []

    def getaddrinfo(host: str, *args: Any, **kwargs: Any) -> Any:
        asked.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    ran = run_connect("https://nothing.invalid/scim/v1", caplog=caplog, tmp_path=tmp_path)
    assert ran.exit_code == 1
    assert ran.codes == ["C002", "C004"]
    assert ran.message("C004") == (
        "The host name nothing.invalid does not resolve (Name or service not known). Fix: "
        "Check the host in the tenant URL letter by letter against what Motimate sent "
        "(https://{identifier}.motimateapp.com/scim/v1); if it is right, check this machine's "
        "DNS or proxy."
    )
    assert asked == ["nothing.invalid", "nothing.invalid"]  # one lookup per run, no other


# ---- C006: TLS -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cert", "host", "cause"),
    [
        (
            "untrusted",
            "127.0.0.1",
            "The TLS certificate of 127.0.0.1 is not signed by a CA this machine trusts",
        ),
        (
            "wrong_host",
            "127.0.0.1",
            "The TLS certificate presented is for another host than 127.0.0.1.",
        ),
        (
            "wrong_host",
            "localhost",
            "The TLS certificate presented is for another host than localhost.",
        ),
        ("expired", "127.0.0.1", "The TLS certificate of 127.0.0.1 has expired."),
    ],
)
def test_c006_tls_says_which_problem(
    cert: str,
    host: str,
    cause: str,
    pki: Pki,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    server = serve_scim(TOKEN, getattr(pki, cert))
    try:
        url = server.base.replace("127.0.0.1", host) + MOUNT
        ran = run_connect(url, "--ca-bundle", str(pki.ca_bundle), caplog=caplog, tmp_path=tmp_path)
        assert ran.exit_code == 1
        assert ran.codes == [LOOPBACK_HTTP, "C006"]
        assert ran.message("C006").startswith(cause)
        assert server.recorder.requests == []  # the token never left the client
    finally:
        server.close()


def test_c006_https_to_a_plain_http_port(
    shape_server: ShapeServer, pki: Pki, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    server = shape_server(fixed(Reply(200, b"plain")))
    url = server.base.replace("http://", "https://") + MOUNT
    ran = run_connect(url, "--ca-bundle", str(pki.ca_bundle), caplog=caplog, tmp_path=tmp_path)
    assert ran.codes == [LOOPBACK_HTTP, "C006"]
    assert "the server does not speak TLS on that port (perhaps plain http)" in ran.message("C006")
    assert server.recorder.requests == []


def test_plain_http_to_a_tls_port_suggests_https(
    shape_server: ShapeServer, pki: Pki, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    # The reset a TLS server answers a plain request with was blamed on the network and proxy.
    server = shape_server(fixed(Reply(200, b"secure")), pki.good)
    url = server.base.replace("https://", "http://") + MOUNT
    ran = run_connect(url, caplog=caplog, tmp_path=tmp_path)
    assert ran.codes == [LOOPBACK_HTTP, "C005"]
    assert ran.message("C005") == (
        f"127.0.0.1:{server.port} reset the connection without an answer (Connection reset by "
        "peer). Fix: The URL says http://, and a server that speaks HTTPS on that port resets "
        "a plain request: try https://. Otherwise: a firewall or proxy on the way may drop it: "
        "check this machine's network and proxy settings (HTTPS_PROXY), then retry."
    )
    assert server.recorder.requests == []


def test_system_trust_does_not_trust_the_test_ca(
    scim_https: RunningServer, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    ran = run_connect(scim_https.base + MOUNT, caplog=caplog, tmp_path=tmp_path)
    assert ran.codes == [LOOPBACK_HTTP, "C006"]
    assert "--ca-bundle" in ran.message("C006")


# ---- a server that echoes the token back ------------------------------------------------------


def test_a_server_echoing_the_token_does_not_make_it_leak(
    shape_server: ShapeServer, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    def echo(method: str, path: str, headers: dict[str, str]) -> Reply:
        received = headers.get("Authorization", "")
        body = json.dumps(
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": "401",
                "detail": f"Unknown credentials: {received}",
            }
        )
        return Reply(
            401, body.encode(), (("Content-Type", "application/scim+json"), ("X-Echo", received))
        )

    server = shape_server(echo)
    ran = run_connect(server.base + MOUNT, caplog=caplog, tmp_path=tmp_path)  # asserts no leak
    assert ran.codes == [LOOPBACK_HTTP, "C007", "C013"] or ran.codes == [LOOPBACK_HTTP, "C007"]
    assert f"Unknown credentials: Bearer {REDACTED}" in ran.message("C007")
    # httpcore logged the echoed response header at DEBUG, scrubbed
    assert any(REDACTED in r.getMessage() for r in caplog.records if r.name.startswith("httpcore"))


def _scim_error(status: int, detail: str) -> bytes:
    return json.dumps(
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": str(status),
            "detail": detail,
        }
    ).encode()


def _token_of(headers: dict[str, str]) -> str:
    return headers.get("Authorization", "").removeprefix("Bearer ")


@pytest.mark.parametrize(
    ("echo", "code", "said"),
    [
        (
            lambda token: Reply(
                401,
                _scim_error(401, f"Unknown credentials {token.lower()} (also {token.upper()})"),
                (("Content-Type", "application/scim+json"), ("X-Echo", token.lower())),
            ),
            "C007",
            f"(401 Unauthorized: Unknown credentials {REDACTED} (also {REDACTED}))",
        ),
        (
            lambda token: Reply(
                200,
                f"<html><title>Welcome {token.upper()}</title></html>".encode(),
                (("Content-Type", "text/html"),),
            ),
            "C009",
            f"(titled 'Welcome {REDACTED}')",
        ),
        (
            lambda token: Reply(
                302, b"", (("Location", f"https://login.example.com/?t={token.swapcase()}"),)
            ),
            "C011",
            f"to https://login.example.com/?t={REDACTED};",
        ),
    ],
)
def test_a_server_echoing_the_token_in_another_case_does_not_make_it_leak(
    echo: Callable[[str], Reply],
    code: str,
    said: str,
    shape_server: ShapeServer,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    # Masking compared case-sensitively, so a lower-cased echo went into every output.
    server = shape_server(lambda method, path, headers: echo(_token_of(headers)))
    ran = run_connect(server.base + MOUNT, caplog=caplog, tmp_path=tmp_path)  # no leak, any case
    assert ran.exit_code == 1
    assert ran.codes == [LOOPBACK_HTTP, code]
    assert said in ran.message(code)
    assert said.split(" ", 1)[1] in " ".join(ran.table.split())  # the table masks it too


def test_a_server_quoting_part_of_the_token_does_not_make_it_leak(
    shape_server: ShapeServer, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    # Only the whole token was masked: "Token starting <its first 20 characters>" went into
    # the table, the JSON report and the email draft.
    def quote(method: str, path: str, headers: dict[str, str]) -> Reply:
        token = _token_of(headers)
        detail = f"Token starting {token[:20]} is unknown; did you mean …{token[6:17].lower()}?"
        return Reply(
            401,
            _scim_error(401, detail),
            (("Content-Type", "application/scim+json"), ("X-Hint", token[-12:])),
        )

    server = shape_server(quote)
    ran = run_connect(server.base + MOUNT, caplog=caplog, tmp_path=tmp_path)  # no 10 in a row
    assert ran.codes == [LOOPBACK_HTTP, "C007"]
    assert (
        f"(401 Unauthorized: Token starting {REDACTED} is unknown; did you mean …{REDACTED}?)"
        in ran.message("C007")
    )


def test_the_log_scrubber_masks_any_case(
    shape_server: ShapeServer, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    server = shape_server(
        lambda method, path, headers: Reply(401, b"", (("X-Echo", _token_of(headers).lower()),))
    )
    run_connect(server.base + MOUNT, caplog=caplog, tmp_path=tmp_path)  # asserts no leak
    echoed = [r.getMessage() for r in caplog.records if "x-echo" in r.getMessage().lower()]
    assert echoed and all(REDACTED in message for message in echoed)


# ---- any URL: a report, never a traceback ----------------------------------------------------


def _resolver_that_knows_nothing(host: Any, *args: Any, **kwargs: Any) -> Any:
    """getaddrinfo as the stdlib's is for an unknown name: the host is IDNA-encoded first
    (where the real one raised UnicodeError on an empty or over-long label), then no answer."""
    if isinstance(host, str):
        host.encode("idna")
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        st.text(max_size=60),
        st.builds(
            lambda scheme, host, tail: f"{scheme}{host}{tail}",
            st.sampled_from(["https://", "http://", "https://user:pw@"]),
            st.text(
                alphabet=st.sampled_from([*"[]:.-_%aZ09xn", "ø", "ａ", "\udcff", "\x7f"]),
                max_size=24,
            ),
            st.sampled_from(["", "/scim/v1", ":8443/scim/v1", ":99999/scim/v1", "/scim/v1?x"]),
        ),
    )
)
def test_any_text_as_tenant_url_gives_a_report(url: str) -> None:
    with mock.patch.object(socket, "getaddrinfo", _resolver_that_knows_nothing):
        result = check_connection(url, TOKEN, timeout=1)
    codes = [f.rule for f in result.findings]
    assert result.ok is False  # nothing resolves here
    assert codes and set(codes) <= {"C001", "C002", "C004", "C005"}, codes
    for finding in result.findings:
        assert split_message(finding.message)[1], finding.message  # cause and fix
    # every writer takes it
    table = io.StringIO()
    render_connection(result, "a test", table, terminal=False)
    as_json = json.dumps(Report(connection=result).to_json(), ensure_ascii=False)
    for text in (table.getvalue(), as_json):
        text.encode("utf-8")
        assert_no_token(text, "the report")


def test_a_url_the_rules_miss_but_the_client_refuses_is_c001(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The last line of defence: were the C001 host checks to miss a host httpx or the
    # resolver cannot use, it is still C001, and nothing is sent.
    import checks.rules.connection as rules

    monkeypatch.setattr(rules, "_host_problem", lambda netloc, host: None)
    result = check_connection("https://acme..motimateapp.com/scim/v1", TOKEN)
    assert [f.rule for f in result.findings] == ["C001"]
    assert result.findings[0].message == (
        "The tenant URL is not a URL an HTTP client can use (its host or path is malformed). "
        "Fix: Enter the URL in the form https://{identifier}.motimateapp.com/scim/v1."
    )
    assert result.status is None and result.elapsed_ms is None


def test_fetch_classifies_a_url_the_client_refuses() -> None:
    import httpx

    from motiscim_cli.connect import fetch

    with (
        mock.patch.object(socket, "getaddrinfo", _resolver_that_knows_nothing),
        httpx.Client() as client,
    ):
        outcome = fetch(client, "https://acme..motimateapp.com/scim/v1/Users")
        broken = fetch(client, "https://[zz]/scim/v1/Users")
    assert outcome.error == "network" and outcome.error_detail == "UnicodeError"
    assert broken.error == "network" and broken.status is None


def test_an_unknown_charset_in_the_answer_is_read_as_utf8(
    shape_server: ShapeServer, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    # `charset=nonsense` made the body's decode raise LookupError: a traceback.
    body = _scim_error(401, "Token ukjent for kunde Bjørn")
    server = shape_server(
        fixed(Reply(401, body, (("Content-Type", "application/scim+json; charset=nonsense"),)))
    )
    ran = run_connect(server.base + MOUNT, caplog=caplog, tmp_path=tmp_path)
    assert ran.exit_code == 1
    assert ran.codes == [LOOPBACK_HTTP, "C007"]
    assert ran.message("C007").startswith(
        "The server refused the token (401 Unauthorized: Token ukjent for kunde Bjørn)."
    )


@pytest.mark.parametrize(
    ("proxy", "why"),
    [
        ("ftp://proxy.example:21", "it is not a valid http:// or https:// proxy URL"),
        ("http://user:Pr0xyPassw0rd@[::1", "it is not a valid http:// or https:// proxy URL"),
    ],
)
def test_an_unusable_proxy_setting_is_c005_not_a_traceback(
    proxy: str, why: str, refused_port: int, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    # httpx builds its proxies from the environment when the client is made, and raised
    # ValueError/InvalidURL (ImportError for socks5:// without socksio) out of the check.
    ran = run_connect(
        f"http://127.0.0.1:{refused_port}{MOUNT}",
        caplog=caplog,
        tmp_path=tmp_path,
        env={"HTTPS_PROXY": proxy, "HTTP_PROXY": proxy, "ALL_PROXY": None, "NO_PROXY": None},
        secret="Pr0xyPassw0rd",
    )
    assert ran.exit_code == 1
    assert ran.codes == [LOOPBACK_HTTP, "C005"]
    assert ran.message("C005") == (
        f"Could not reach 127.0.0.1:{refused_port} (the proxy set in HTTPS_PROXY, HTTP_PROXY "
        f"or ALL_PROXY is not usable: {why}). Fix: Check this machine's network and proxy "
        "settings (HTTPS_PROXY), then retry."
    )
    assert "FAILED  nothing sent (C005)." in ran.table


NO_PROXY_ENV: dict[str, str | None] = {
    "HTTPS_PROXY": None,
    "HTTP_PROXY": None,
    "ALL_PROXY": None,
    "NO_PROXY": None,
    "https_proxy": None,
    "http_proxy": None,
    "all_proxy": None,
    "no_proxy": None,
}


def test_a_refused_proxy_is_blamed_not_the_tenant(
    scim_http: RunningServer, refused_port: int, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    # The tenant (a live scim2-server) is fine; the proxy in HTTP_PROXY is a closed port.
    url = scim_http.base + MOUNT
    proxy = f"http://user:Pr0xyPassw0rd@127.0.0.1:{refused_port}"
    ran = run_connect(
        url,
        caplog=caplog,
        tmp_path=tmp_path,
        env={**NO_PROXY_ENV, "HTTP_PROXY": proxy},
        secret="Pr0xyPassw0rd",
    )
    assert ran.exit_code == 1
    assert ran.codes == [LOOPBACK_HTTP, "C005"]
    assert ran.message("C005") == (
        "The connection to the proxy set in HTTP_PROXY was refused; "
        f"{scim_http.base.removeprefix('http://')} was not tried. Fix: Check the host and port "
        "of HTTP_PROXY, or unset it if this network needs no proxy, then retry."
    )
    # NO_PROXY covering the tenant's host: the request goes direct and succeeds.
    direct = run_connect(
        url,
        caplog=caplog,
        tmp_path=tmp_path,
        env={**NO_PROXY_ENV, "HTTP_PROXY": proxy, "NO_PROXY": "127.0.0.1"},
        secret="Pr0xyPassw0rd",
    )
    assert direct.exit_code == 0


def test_a_proxy_host_that_does_not_resolve_is_blamed_not_the_tenant(
    scim_http: RunningServer,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
    only_loopback_is_resolved: list[str],
) -> None:
    ran = run_connect(
        scim_http.base + MOUNT,
        caplog=caplog,
        tmp_path=tmp_path,
        env={**NO_PROXY_ENV, "http_proxy": "http://proxy.invalid:3128"},
    )
    assert ran.exit_code == 1
    assert ran.codes == [LOOPBACK_HTTP, "C004"]
    assert ran.message("C004") == (
        "The proxy set in http_proxy does not resolve (Name or service not known); the tenant "
        "URL's host was not tried. Fix: Correct the proxy host in http_proxy, or unset it if "
        "this network needs no proxy, then retry."
    )
    # the fake resolver was asked for the proxy (once per run: table and JSON), never the tenant
    assert only_loopback_is_resolved == ["proxy.invalid", "proxy.invalid"]
    only_loopback_is_resolved.clear()


def test_infinite_timeout_and_threshold_do_not_overflow(scim_http: RunningServer) -> None:
    # --timeout inf (or 1e308) overflowed socket.settimeout; --slow-after inf, round().
    result = check_connection(
        scim_http.base + MOUNT, TOKEN, timeout=float("inf"), slow_after_s=float("inf")
    )
    assert result.ok and [f.rule for f in result.findings] == [LOOPBACK_HTTP, "C013"]


# ---- usage errors: exit 2, one line ------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (
            [],
            {},
            "motiscim connect: No tenant URL: pass it as the argument or set "
            "MOTIMATE_SCIM_TENANT_URL.\n",
        ),
        (
            ["https://acme.motimateapp.com/scim/v1"],
            {"MOTIMATE_SCIM_TOKEN": None},
            "motiscim connect: No token: set MOTIMATE_SCIM_TOKEN, pass --token-file FILE, or run "
            "in a terminal to be prompted.\n",
        ),
        (
            ["https://acme.motimateapp.com/scim/v1"],
            {"MOTIMATE_SCIM_TOKEN": ""},
            "motiscim connect: No token: set MOTIMATE_SCIM_TOKEN, pass --token-file FILE, or run "
            "in a terminal to be prompted.\n",
        ),
        (
            ["https://acme.motimateapp.com/scim/v1", "--token-file", "{tmp}/missing.txt"],
            {},
            "motiscim connect: Cannot read the token file {tmp}/missing.txt: No such file or "
            "directory.\n",
        ),
        (
            ["https://acme.motimateapp.com/scim/v1", "--token-file", "{tmp}/empty.txt"],
            {},
            "motiscim connect: The token file {tmp}/empty.txt is empty.\n",
        ),
        (
            ["https://acme.motimateapp.com/scim/v1", "--token-file", "{tmp}/first-empty.txt"],
            {},
            "motiscim connect: The token file {tmp}/first-empty.txt is empty on its first line, "
            "where the token goes.\n",
        ),
        (
            ["https://acme.motimateapp.com/scim/v1", "--ca-bundle", "{tmp}/empty.txt"],
            {},
            "motiscim connect: Cannot use the CA bundle {tmp}/empty.txt: it holds no PEM "
            "certificate that loads (NO_CERTIFICATE_OR_CRL_FOUND).\n",
        ),
        (
            ["https://acme.motimateapp.com/scim/v1", "--ca-bundle", "{tmp}/garbage.pem"],
            {},
            "motiscim connect: Cannot use the CA bundle {tmp}/garbage.pem: it holds no PEM "
            "certificate that loads (",
        ),
        (
            ["https://acme.motimateapp.com/scim/v1", "--ca-bundle", "{tmp}"],
            {},
            "motiscim connect: Cannot use the CA bundle {tmp}: it is a directory, not a file.\n",
        ),
        (
            ["https://acme.motimateapp.com/scim/v1", "--ca-bundle", "{tmp}/missing.pem"],
            {},
            "motiscim connect: Cannot use the CA bundle {tmp}/missing.pem: No such file or "
            "directory.\n",
        ),
        (
            ["https://acme.motimateapp.com/scim/v1", "--token-file", "{tmp}"],
            {},
            "motiscim connect: Cannot read the token file {tmp}: it is a directory, not a file.\n",
        ),
        (
            ["https://acme.motimateapp.com/scim/v1", "--token-file", "{tmp}/latin1.txt"],
            {},
            "motiscim connect: The token file {tmp}/latin1.txt is not text: not UTF-8 (save it "
            "as plain UTF-8 text).\n",
        ),
        (
            ["https://acme.motimateapp.com/scim/v1", "--token-file", "{tmp}/odd-utf16.txt"],
            {},
            "motiscim connect: The token file {tmp}/odd-utf16.txt is not text: not UTF-8, nor "
            "UTF-16 (save it as plain UTF-8 text).\n",
        ),
        (
            ["https://acme.motimateapp.com/scim/v1", "--token-file", "{tmp}/big.txt"],
            {},
            "motiscim connect: The token file {tmp}/big.txt is larger than 64 KiB: not a token "
            "(Motimate's Secret Token is 32 letters and digits).\n",
        ),
        (
            ["https://acme.motimateapp.com/scim/v1", "--token-file", "/dev/zero"],
            {},
            "motiscim connect: The token file /dev/zero is larger than 64 KiB: not a token "
            "(Motimate's Secret Token is 32 letters and digits).\n",
        ),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    args: list[str], env: dict[str, str | None], message: str, tmp_path: Path
) -> None:
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "first-empty.txt").write_text("\n" + TOKEN + "\n")
    (tmp_path / "garbage.pem").write_bytes(b"-----BEGIN CERTIFICATE-----\n\xc3(\xff\n")
    (tmp_path / "latin1.txt").write_bytes(TOKEN[:31].encode() + b"\xf8\n")  # cp1252 'ø'
    (tmp_path / "odd-utf16.txt").write_bytes(b"\xff\xfe" + TOKEN.encode("utf-16-le")[:-1])
    (tmp_path / "big.txt").write_bytes(TOKEN.encode() * 4096)
    environment: dict[str, str | None] = {
        "MOTIMATE_SCIM_TOKEN": TOKEN,
        "MOTIMATE_SCIM_TENANT_URL": None,
    }
    environment.update(env)
    result = CliRunner().invoke(
        app, ["connect", *(a.replace("{tmp}", str(tmp_path)) for a in args)], env=environment
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(message.replace("{tmp}", str(tmp_path)))
    assert result.stderr.count("\n") == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert_no_token(result.output, "usage error output")


def test_a_timeout_out_of_range_is_a_usage_error_not_a_traceback(tmp_path: Path) -> None:
    from motiscim_cli.commands.connect import run_connect as run

    for value in ("inf", "1e308", "nan", "0"):
        result = CliRunner().invoke(
            app,
            ["connect", "https://acme.motimateapp.com/scim/v1", "--timeout", value],
            env={"MOTIMATE_SCIM_TOKEN": TOKEN, "MOTIMATE_SCIM_TENANT_URL": None},
        )
        assert result.exit_code == 2, (value, result.output)
        assert isinstance(result.exception, SystemExit), value
        if value == "nan":  # nan passes Typer's range (<0.29): run_connect's own guard answers
            assert result.stderr == "motiscim connect: --timeout: a number of seconds up to 600.\n"
        else:
            assert "Invalid value for '--timeout'" in result.stderr, (value, result.stderr)
    # and for callers of the function, which Typer's range does not guard
    code = run(
        "https://acme.motimateapp.com/scim/v1",
        timeout=float("inf"),
        environ={"MOTIMATE_SCIM_TOKEN": TOKEN},
        interactive=False,
    )
    assert code == 2


def test_a_token_file_that_is_a_pipe_is_read(scim_http: RunningServer, tmp_path: Path) -> None:
    # `--token-file <(pass show motimate)`: a pipe, read to its end (the size limit reads
    # in a bounded way, it must not stop early).
    import threading

    from motiscim_cli.connect import read_token_file

    fifo = tmp_path / "token.fifo"
    os.mkfifo(fifo)

    def write() -> None:
        with fifo.open("wb") as stream:
            stream.write(TOKEN[:10].encode())
            stream.flush()
            stream.write(TOKEN[10:].encode() + b"\n")

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    assert read_token_file(fifo) == TOKEN
    writer.join(timeout=5)


def test_there_is_no_token_option() -> None:
    result = CliRunner().invoke(app, ["connect", "--token", TOKEN, "https://x.motimateapp.com"])
    assert result.exit_code == 2
    help_text = CliRunner().invoke(app, ["connect", "--help"]).stdout
    options = help_text.split("Options:", 1)[1]
    assert "--token-file FILE" in options
    assert not re.search(r"^\s+--token\s", options, re.MULTILINE)
    assert "lands in shell history" in " ".join(help_text.split())


def test_url_from_the_config_file(
    scim_http: RunningServer, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    config = tmp_path / "motiscim.yaml"
    config.write_text(f"tenant_url: {scim_http.base + MOUNT}\n", encoding="utf-8")
    ran = run_connect(None, "--config", str(config), caplog=caplog, tmp_path=tmp_path)
    assert ran.exit_code == 0
    assert ran.connection["url"] == scim_http.base + MOUNT


def test_a_broken_config_file_is_a_usage_error(tmp_path: Path) -> None:
    config = tmp_path / "motiscim.yaml"
    config.write_text("tenant_ulr: https://x.motimateapp.com/scim/v1\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["connect", "--config", str(config)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"motiscim: config: {config}:1:")


def test_a_token_pasted_into_the_url_is_hidden_in_every_output(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    url = f"https://acme.motimateapp.com/scim/v1?token={TOKEN}"
    ran = run_connect(url, caplog=caplog, tmp_path=tmp_path)
    assert ran.exit_code == 1
    assert [f["rule"] for f in ran.connection["findings"]] == ["C001"]
    # the whole query is masked, as preflight and email show the tenant URL
    assert ran.connection["url"] == "https://acme.motimateapp.com/scim/v1?***"


def test_the_url_query_and_fragment_are_masked_in_every_output(
    scim_http: RunningServer, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """A query can carry a secret of its own (`?token=…`, not the Secret Token): connect shows
    the URL as preflight does, with the query and fragment masked, and their values appear in
    no output: stdout, stderr, the JSON report, the table file, any log record."""
    query_secret, fragment_secret = "QuerySecret0042", "FragmentSecret77"
    url = f"{scim_http.base}{MOUNT}?token={query_secret}&tenant=acme#{fragment_secret}"
    masked = f"{scim_http.base}{MOUNT}?***#***"
    ran = run_connect(url, caplog=caplog, tmp_path=tmp_path, secret=query_secret)
    assert ran.exit_code == 1
    assert ran.codes == ["C001"]
    assert ran.connection["url"] == masked
    assert ran.connection["findings"][0]["value"] == masked
    assert f"Tenant URL  {masked}\n" in ran.table
    table_file = tmp_path / "out" / "connect.txt"
    as_table = CliRunner().invoke(
        app,
        ["connect", url, "--output", str(table_file)],
        env={"MOTIMATE_SCIM_TOKEN": TOKEN, "MOTIMATE_SCIM_TENANT_URL": None},
    )
    assert as_table.exit_code == 1
    assert as_table.stdout == ""
    assert as_table.stderr == f"Connection report written to {table_file}.\n"
    assert f"Tenant URL  {masked}\n" in table_file.read_text(encoding="utf-8")
    outputs = [
        ran.table,
        ran.stderr,
        json.dumps(ran.report),
        as_table.stdout,
        as_table.stderr,
        caplog.text,
        *(path.read_text(encoding="utf-8") for path in (tmp_path / "out").rglob("*")),
    ]
    for text in outputs:
        assert query_secret.casefold() not in text.casefold()
        assert fragment_secret.casefold() not in text.casefold()
    assert scim_http.recorder.requests == []  # C001: nothing was sent to the server
