"""Real servers on loopback for the `motiscim connect` tests (a pytest plugin: see conftest.py).

- a real SCIM server: scim2-server, protected by a bearer token through its own `check_auth`
  hook (it answers 401 with a SCIM Error body), mounted under /scim/v1 so the URL looks like
  Motimate's, over http and over https with a trustme CA;
- tiny http.server servers that answer one shape each (404, an HTML page, a redirect…);
- certificates that fail in each way C006 names: untrusted, for another host, expired.

Every server records the requests it saw, so tests can assert that only GETs were sent.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

import pytest
import trustme
from scim2_models import UnauthorizedException
from scim2_server.applications.wsgi import WSGIApplication
from scim2_server.memory import InMemoryStorage
from scim2_server.utils import load_default_provider

# A token of Motimate's shape (32 letters and digits) that no test output may contain.
TOKEN = "Tk7qZ3mW9xYb2LcN4vRp8sJd6HfG1aQe"
MOUNT = "/scim/v1"
LIST_RESPONSE = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
    "totalResults": 0,
    "startIndex": 1,
    "itemsPerPage": 0,
    "Resources": [],
}


@dataclass(frozen=True)
class SeenRequest:
    method: str
    path: str  # with the query
    authorized: bool  # an Authorization header was present (its value is not kept)


@dataclass
class Recorder:
    requests: list[SeenRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, method: str, path: str, authorization: str | None) -> None:
        with self.lock:
            self.requests.append(SeenRequest(method, path, authorization is not None))

    @property
    def methods(self) -> set[str]:
        return {r.method for r in self.requests}


@dataclass
class RunningServer:
    base: str  # scheme://host:port
    recorder: Recorder
    close: Callable[[], None]

    @property
    def port(self) -> int:
        return int(self.base.rsplit(":", 1)[1])


# ---- scim2-server with a bearer token ------------------------------------------------------


class BearerScimApplication(WSGIApplication):
    """scim2-server refusing any request without `Authorization: Bearer <token>`.

    scim2-server calls `check_auth` for every request except /ServiceProviderConfig (RFC 7643
    §5) and turns the exception into its SCIM Error response:
    `{"schemas": [...Error], "status": "401", "detail": "..."}`.
    """

    def __init__(self, token: str) -> None:
        super().__init__(InMemoryStorage(), load_default_provider())
        self.expected = f"Bearer {token}"

    def check_auth(self, request: Any) -> None:
        if request.headers.get("AUTHORIZATION") != self.expected:
            raise UnauthorizedException(detail="The bearer token is not valid for this tenant")


class MountAndRecord:
    """WSGI middleware: record each request, serve `app` under `prefix`, 404 elsewhere."""

    def __init__(self, app: Any, prefix: str, recorder: Recorder, scheme: str = "http") -> None:
        self.app, self.prefix, self.recorder, self.scheme = app, prefix, recorder, scheme

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        query = environ.get("QUERY_STRING", "")
        self.recorder.add(
            environ["REQUEST_METHOD"],
            path + (f"?{query}" if query else ""),
            environ.get("HTTP_AUTHORIZATION"),
        )
        environ["wsgi.url_scheme"] = self.scheme
        if path != self.prefix and not path.startswith(self.prefix + "/"):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"Not Found"]
        environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + self.prefix
        environ["PATH_INFO"] = path[len(self.prefix) :]
        return self.app(environ, start_response)


class _QuietWSGIHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gives up (timeouts, refused certificates) is expected here


def _start(server: Any, scheme: str, recorder: Recorder) -> RunningServer:
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()

    def close() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return RunningServer(f"{scheme}://127.0.0.1:{server.server_address[1]}", recorder, close)


def _tls_wrap(server: Any, cert: trustme.LeafCert | None) -> str:
    if cert is None:
        return "http"
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    return "https"


def serve_scim(token: str, cert: trustme.LeafCert | None = None) -> RunningServer:
    """scim2-server with a bearer token, under /scim/v1 on 127.0.0.1 (https when `cert`)."""
    recorder = Recorder()
    scheme = "https" if cert is not None else "http"
    app = MountAndRecord(BearerScimApplication(token), MOUNT, recorder, scheme)
    server = _ThreadingWSGIServer(("127.0.0.1", 0), _QuietWSGIHandler)
    server.set_app(app)
    return _start(server, _tls_wrap(server, cert), recorder)


# ---- tiny servers of one shape each ----------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    delay_s: float = 0.0


Responder = Callable[[str, str, dict[str, str]], Reply]  # (method, path, headers) -> Reply


def fixed(reply: Reply) -> Responder:
    return lambda method, path, headers: reply


def json_reply(status: int, value: Any, content_type: str = "application/scim+json") -> Reply:
    return Reply(status, json.dumps(value).encode(), (("Content-Type", content_type),))


def serve_shape(responder: Responder, cert: trustme.LeafCert | None = None) -> RunningServer:
    """An http.server that answers every request (any method) with `responder`'s Reply."""
    recorder = Recorder()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            recorder.add(self.command, self.path, self.headers.get("Authorization"))
            reply = responder(self.command, self.path, dict(self.headers.items()))
            if reply.delay_s:
                time.sleep(reply.delay_s)
            try:
                self.send_response(reply.status)
                for name, value in reply.headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
            except OSError:
                pass  # the client gave up waiting

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        block_on_close = False

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass

    server = Server(("127.0.0.1", 0), Handler)
    return _start(server, _tls_wrap(server, cert), recorder)


def _bound_not_listening() -> socket.socket:
    """A TCP socket bound to a free loopback port and never listening: on Linux, connecting
    to that port is refused (RST) for as long as the socket stays open, and no other socket
    can take the port meanwhile (no SO_REUSEADDR), so the refusal is guaranteed."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


_HELD: list[socket.socket] = []  # closed_port()'s sockets: held until the test process ends


def closed_port() -> int:
    """A loopback port where connections are refused, for the whole test session.

    The port used to be bound and released, which let another server (or a parallel test)
    take it before the test connected: the port's socket is now kept, bound and not
    listening. The `refused_port` fixture does the same for one test.
    """
    sock = _bound_not_listening()
    _HELD.append(sock)
    return int(sock.getsockname()[1])


# ---- fixtures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pki:
    ca: trustme.CA  # the CA the client is told to trust (`verify=`/`--ca-bundle`)
    ca_bundle: Path
    good: trustme.LeafCert  # 127.0.0.1, localhost
    untrusted: trustme.LeafCert  # from another CA
    wrong_host: trustme.LeafCert  # for other.example only
    expired: trustme.LeafCert  # expired yesterday


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    ca = trustme.CA()
    stranger = trustme.CA()
    bundle = tmp_path_factory.mktemp("pki") / "test-ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    now = dt.datetime.now(dt.UTC)
    return Pki(
        ca=ca,
        ca_bundle=bundle,
        good=ca.issue_cert("127.0.0.1", "localhost"),
        untrusted=stranger.issue_cert("127.0.0.1", "localhost"),
        wrong_host=ca.issue_cert("other.example"),
        expired=ca.issue_cert(
            "127.0.0.1",
            "localhost",
            not_before=now - dt.timedelta(days=30),
            not_after=now - dt.timedelta(days=1),
        ),
    )


@pytest.fixture
def refused_port() -> Iterator[int]:
    """A loopback port that refuses connections for the duration of the test."""
    sock = _bound_not_listening()
    try:
        yield int(sock.getsockname()[1])
    finally:
        sock.close()


@pytest.fixture
def scim_http() -> Iterator[RunningServer]:
    server = serve_scim(TOKEN)
    yield server
    server.close()


@pytest.fixture
def scim_https(pki: Pki) -> Iterator[RunningServer]:
    server = serve_scim(TOKEN, pki.good)
    yield server
    server.close()


@pytest.fixture
def shape_server() -> Iterator[Callable[..., RunningServer]]:
    """Start tiny servers: `shape_server(responder, cert=None)`; all closed after the test."""
    started: list[RunningServer] = []

    def start(responder: Responder, cert: trustme.LeafCert | None = None) -> RunningServer:
        server = serve_shape(responder, cert)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()
