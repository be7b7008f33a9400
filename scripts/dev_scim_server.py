"""A local SCIM server to try `motiscim connect` against (development aid, not part of motiscim).

scim2-server, in memory, requiring `Authorization: Bearer <token>` (it answers 401 with a
SCIM Error otherwise), mounted under /scim/v1 like a Motimate tenant URL:

    export MOTIMATE_SCIM_TOKEN=$(python -c "import secrets; print(secrets.token_hex(16))")
    python scripts/dev_scim_server.py --port 8080
    motiscim connect http://127.0.0.1:8080/scim/v1

The token comes from MOTIMATE_SCIM_TOKEN or --token-file (never from the command line, where
shell history keeps it); without either, a random one is made and printed, since it guards
nothing. `--https` serves TLS with a throwaway CA (trustme) and writes that CA to --ca-file,
for `motiscim connect … --ca-bundle FILE`.

Needs the test extra: `pip install -e '.[test]'` (scim2-server, trustme).
"""

from __future__ import annotations

import argparse
import os
import secrets
import ssl
import sys
from collections.abc import Iterable
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from scim2_models import UnauthorizedException
from scim2_server.applications.wsgi import WSGIApplication
from scim2_server.memory import InMemoryStorage
from scim2_server.utils import load_default_provider

MOUNT = "/scim/v1"


class BearerScimApplication(WSGIApplication):
    """scim2-server refusing requests without the bearer token (not /ServiceProviderConfig,
    which RFC 7643 leaves open and scim2-server never authenticates)."""

    def __init__(self, token: str) -> None:
        super().__init__(InMemoryStorage(), load_default_provider())
        self.expected = f"Bearer {token}"

    def check_auth(self, request: Any) -> None:
        if not secrets.compare_digest(request.headers.get("AUTHORIZATION", ""), self.expected):
            raise UnauthorizedException(detail="The bearer token is not valid for this tenant")


class Mount:
    """Serve the application under a path prefix, and 404 elsewhere."""

    def __init__(self, app: Any, prefix: str, scheme: str) -> None:
        self.app, self.prefix, self.scheme = app, prefix, scheme

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        environ["wsgi.url_scheme"] = self.scheme
        if path != self.prefix and not path.startswith(self.prefix + "/"):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"Not Found"]
        environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + self.prefix
        environ["PATH_INFO"] = path[len(self.prefix) :]
        return self.app(environ, start_response)


class AccessLog(WSGIRequestHandler):
    """One line per request, without headers (so never the Authorization header)."""

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"{self.address_string()} {format % args}\n")


class Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        sys.stderr.write(f"{client_address[0]} connection failed (a refused certificate?)\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--token-file", type=Path, help="read the token from this file")
    parser.add_argument("--https", action="store_true", help="serve TLS with a throwaway CA")
    parser.add_argument(
        "--ca-file", type=Path, default=Path("dev-scim-ca.pem"), help="where --https writes its CA"
    )
    args = parser.parse_args(argv)

    if args.token_file is not None:
        token = args.token_file.read_text(encoding="utf-8").strip()
    else:
        token = os.environ.get("MOTIMATE_SCIM_TOKEN", "").strip()
    if not token:
        token = secrets.token_hex(16)
        print(f"No MOTIMATE_SCIM_TOKEN: made a throwaway token: {token}", flush=True)

    scheme = "https" if args.https else "http"
    server = Server((args.host, args.port), AccessLog)
    server.set_app(Mount(BearerScimApplication(token), MOUNT, scheme))
    if args.https:
        import trustme

        ca = trustme.CA()
        ca.cert_pem.write_to_path(str(args.ca_file))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ca.issue_cert("localhost", "127.0.0.1", "::1").configure_cert(context)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        print(f"CA certificate written to {args.ca_file}", flush=True)
    host = "localhost" if args.https else args.host
    print(
        f"Serving scim2-server at {scheme}://{host}:{server.server_address[1]}{MOUNT}", flush=True
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
