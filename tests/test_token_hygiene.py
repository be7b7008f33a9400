"""The Secret Token never leaks: every command runs with a known token (from the environment,
from --token-file, pasted with `Bearer ` and quotes) while every logger is at DEBUG, and the
token, its halves, any 12 consecutive characters of it and its base64 are searched for in
stdout, stderr, the exception (text and repr), every log record (message and traceback) and
every file written under the test's directory (.eml drafts decoded part by part).

The loopback servers are the connect tests' (`tests/connect_servers.py`); one of them echoes
the Authorization header it received in its error body and a response header, as a badly
behaved proxy might, so that the report and httpcore's DEBUG log of response headers are
tested against a server that hands the token back.
"""

from __future__ import annotations

import base64
import email
import email.policy
import logging
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from motiscim_cli.app import app
from tests.connect_servers import (
    MOUNT,
    TOKEN,
    Pki,
    Reply,
    RunningServer,
    closed_port,
    fixed,
    json_reply,
)
from tests.nasty.make_nasty import GRAPH_USER, good_csv

ShapeServer = Callable[..., RunningServer]
UPN = GRAPH_USER["userPrincipalName"]


def token_pieces(token: str = TOKEN) -> list[str]:
    core = token.strip()
    pieces = {core, core[: len(core) // 2], core[len(core) // 2 :]}
    pieces.update(core[i : i + 12] for i in range(0, len(core) - 11))
    pieces.add(base64.b64encode(core.encode()).decode()[:-4])
    return sorted(pieces, key=len, reverse=True)


class LogSink(logging.Handler):
    """Every record of every logger, formatted with its traceback as a handler would."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []
        self.names: set[str] = set()
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.names.add(record.name)
        self.texts.append(self.format(record))
        self.texts.append(repr(record.args))


@pytest.fixture
def sink() -> Iterator[LogSink]:
    root = logging.getLogger()
    handler, level = LogSink(), root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in ("httpx", "httpcore", "motiscim", "motiscim_cli"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)
    for name in ("httpx", "httpcore", "motiscim", "motiscim_cli"):
        logging.getLogger(name).setLevel(logging.NOTSET)


def file_texts(directory: Path) -> Iterator[tuple[str, str]]:
    for path in sorted(directory.rglob("*")):
        if not path.is_file() or path.name == "token.txt":
            continue
        data = path.read_bytes()
        yield str(path), data.decode("utf-8", errors="replace")
        if path.suffix == ".eml":
            message = email.message_from_bytes(data, policy=email.policy.default)
            for part in message.walk():
                payload = part.get_payload(decode=True)
                if payload:
                    yield (
                        f"{path} ({part.get_content_type()})",
                        payload.decode("utf-8", errors="replace"),
                    )


@dataclass
class Run:
    result: Result
    sink: LogSink


def run_clean(
    args: list[str], *, workdir: Path, sink: LogSink, token: str = TOKEN, env_token: bool = True
) -> Run:
    """Run one command and assert the token appears in nothing it produced."""
    environment = {
        "MOTIMATE_SCIM_TOKEN": token if env_token else None,
        "MOTIMATE_SCIM_TENANT_URL": None,
        "NO_COLOR": "1",
        "COLUMNS": "200",
        "GITHUB_ACTIONS": "",
    }
    result = CliRunner().invoke(app, args, env=environment)
    places = [
        ("stdout", result.stdout),
        ("stderr", result.stderr),
        ("the exception", repr(result.exception)),
        ("the traceback", "".join(traceback.format_exception(*result.exc_info or (None,)))),
        *((f"log record {i}", text) for i, text in enumerate(sink.texts)),
        *file_texts(workdir),
    ]  # fmt: skip
    pieces = token_pieces(TOKEN)
    for where, text in places:
        for piece in pieces:
            assert piece not in text, f"a piece of the token ({len(piece)} chars) is in {where}"
    return Run(result, sink)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "users.csv").write_bytes(good_csv())
    (tmp_path / "motiscim.yaml").write_text("", encoding="utf-8")
    return tmp_path


TOKEN_FORMS = {
    "env": (TOKEN, True),
    "file": (TOKEN, False),
    "pasted": (f' Bearer "{TOKEN}"\n', True),
}


def token_args(form: str, workdir: Path) -> tuple[list[str], str, bool]:
    token, from_env = TOKEN_FORMS[form]
    if from_env:
        return [], token, True
    secret = workdir / "secret"
    secret.mkdir(exist_ok=True)
    (secret / "token.txt").write_text(token + "\n", encoding="utf-8")
    return ["--token-file", str(secret / "token.txt")], token, False


def echoing(status: int) -> Callable[[str, str, dict[str, str]], Reply]:
    """A server that hands back the Authorization header it received, in body and header."""

    def answer(method: str, path: str, headers: dict[str, str]) -> Reply:
        received = headers.get("Authorization", "")
        body = json_reply(
            status,
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": str(status),
                "detail": f"Token {received} is not valid for {path}",
            },
        )
        return Reply(status, body.body, (*body.headers, ("X-Echo", received)))

    return answer


# ---- connect: every outcome, every way of giving the token --------------------------------------


@pytest.mark.parametrize("form", sorted(TOKEN_FORMS))
@pytest.mark.parametrize("outcome", ["accepted", "refused-401", "echoing-401", "echoing-200"])
def test_connect_outcomes(
    workdir: Path,
    sink: LogSink,
    scim_http: RunningServer,
    shape_server: ShapeServer,
    form: str,
    outcome: str,
) -> None:
    extra, token, env = token_args(form, workdir)
    if outcome == "accepted":
        server = scim_http
    elif outcome == "refused-401":
        server = shape_server(fixed(json_reply(401, {"detail": "Unauthorized"})))
    else:
        server = shape_server(echoing(int(outcome[-3:])))
    url = server.base + MOUNT
    for output in (["--format", "json", "--output", "connect.json"], []):
        ran = run_clean(
            ["connect", url, *extra, *output], workdir=workdir, sink=sink, token=token,
            env_token=env,
        )  # fmt: skip
        assert ran.result.exit_code in (0, 1), ran.result.output
    assert {"httpx", "httpcore.http11"} <= sink.names  # DEBUG logs were really produced
    assert any(r.authorized for r in server.recorder.requests)  # the token was really sent


def test_connect_tls_failure(workdir: Path, sink: LogSink, pki: Pki, shape_server: ShapeServer):
    server = shape_server(fixed(Reply(200)), pki.untrusted)
    for form in TOKEN_FORMS:
        extra, token, env = token_args(form, workdir)
        ran = run_clean(
            ["connect", server.base + MOUNT, "--ca-bundle", str(pki.ca_bundle), *extra,
             "--format", "json", "--output", f"tls-{form}.json"],
            workdir=workdir, sink=sink, token=token, env_token=env,
        )  # fmt: skip
        assert ran.result.exit_code == 1
    assert (workdir / "tls-env.json").read_text(encoding="utf-8").count('"C006"') >= 1


def test_connect_dns_failure_and_closed_port(workdir: Path, sink: LogSink) -> None:
    for url in (
        "https://no-such-tenant.invalid/scim/v1",
        f"http://127.0.0.1:{closed_port()}/scim/v1",
    ):
        for form in TOKEN_FORMS:
            extra, token, env = token_args(form, workdir)
            ran = run_clean(
                ["connect", url, *extra, "--timeout", "2"], workdir=workdir, sink=sink,
                token=token, env_token=env,
            )  # fmt: skip
            assert ran.result.exit_code == 1


def test_connect_timeout(workdir: Path, sink: LogSink, shape_server: ShapeServer) -> None:
    server = shape_server(fixed(Reply(200, delay_s=1.5)))
    ran = run_clean(
        ["connect", server.base + MOUNT, "--timeout", "0.3", "--format", "json", "-o", "t.json"],
        workdir=workdir, sink=sink,
    )  # fmt: skip
    assert ran.result.exit_code == 1
    assert '"C005"' in (workdir / "t.json").read_text(encoding="utf-8")


# ---- the other commands ---------------------------------------------------------------------


@pytest.mark.parametrize("form", sorted(TOKEN_FORMS))
def test_preflight_with_a_tenant_url_writes_nothing_of_the_token(
    workdir: Path, sink: LogSink, shape_server: ShapeServer, form: str
) -> None:
    extra, token, env = token_args(form, workdir)
    url = shape_server(echoing(401)).base + MOUNT
    for output in (["--format", "json", "-o", "preflight.json"], []):
        ran = run_clean(
            ["preflight", "users.csv", "--tenant-url", url, *extra, "-u", UPN, "--force",
             "--eml", "draft.eml", *output, "--timeout", "2"],
            workdir=workdir, sink=sink, token=token, env_token=env,
        )  # fmt: skip
        assert ran.result.exit_code == 1, ran.result.output
    assert (workdir / "draft.eml").exists()
    assert (workdir / "preflight.json").exists()


def test_preflight_against_the_scim_server(
    workdir: Path, sink: LogSink, scim_http: RunningServer
) -> None:
    ran = run_clean(
        ["preflight", "users.csv", "--tenant-url", scim_http.base + MOUNT, "-u", UPN,
         "--eml", "draft.eml", "--format", "json", "-o", "preflight.json"],
        workdir=workdir, sink=sink,
    )  # fmt: skip
    assert ran.result.exit_code in (0, 1), ran.result.output
    assert (workdir / "draft.eml").exists()


def test_email_check_mapping_and_fix(workdir: Path, sink: LogSink) -> None:
    url = "https://acme.motimateapp.com/scim/v1"
    commands = [
        ["email", "users.csv", "-u", UPN, "--tenant-url", url, "--force", "--eml", "e.eml",
         "-o", "email.txt"],
        ["email", "users.csv", "-u", UPN, "--tenant-url", url, "--force", "-f", "markdown"],
        ["check", "users.csv", "--format", "json", "-o", "check.json"],
        ["check", "users.csv"],
    ]  # fmt: skip
    if "fix" in {c.name for c in app.registered_commands}:
        commands.append(
            ["fix", "users.csv", "--script", "fix.ps1", "--csv", "fixed.csv", "--findings",
             "findings.csv"]
        )  # fmt: skip
    for args in commands:
        ran = run_clean(args, workdir=workdir, sink=sink)
        assert ran.result.exit_code in (0, 1), (args, ran.result.output)
    assert (workdir / "e.eml").exists() and (workdir / "check.json").exists()
    if len(commands) == 5:
        assert (workdir / "fix.ps1").exists()


def test_the_search_finds_a_leak(workdir: Path, sink: LogSink) -> None:
    """The assertions above can fail: twelve characters of the token in a file are found."""
    (workdir / "notes.txt").write_text(f"pasted: {TOKEN[7:19]}…", encoding="utf-8")
    with pytest.raises(AssertionError, match=r"notes\.txt"):
        run_clean(["rules"], workdir=workdir, sink=sink)
    (workdir / "notes.txt").unlink()
    logging.getLogger("httpcore.http11").debug("header %s", f"Bearer {TOKEN}")
    with pytest.raises(AssertionError, match="log record"):
        run_clean(["rules"], workdir=workdir, sink=sink)
