"""Which proxy variable a failed connection is blamed on must be the one httpx really used.

`proxy_variable_for` is compared with httpx's own choice: the transport that
`httpx.Client(trust_env=True)._transport_for_url` picks (nothing is sent; no network). The
live tests reach only loopback.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from motiscim_cli.connect import proxy_variable_for
from tests.connect_servers import MOUNT, refused_port  # noqa: F401 (a fixture)
from tests.test_connect_live import LOOPBACK_HTTP, NO_PROXY_ENV, run_connect

# Each proxy variable points at its own port, so the transport httpx picks names it.
PORT_OF = {
    "HTTPS_PROXY": 1001,
    "https_proxy": 1002,
    "ALL_PROXY": 1003,
    "all_proxy": 1004,
    "HTTP_PROXY": 1005,
    "Https_Proxy": 1006,
}
VARIABLE_AT = {port: name for name, port in PORT_OF.items()}

TARGETS = [
    "https://contoso.example.com/scim",
    "https://example.com/scim",
    "https://example.com:8443/scim",
    "https://EXAMPLE.COM/scim",
    "https://notexample.com/scim",
    "http://example.com/scim",
    "https://[::1]:8443/scim",
    "https://[2001:db8::5]/scim",
    "https://127.0.0.1:9/scim",
    "https://10.1.2.3/scim",
    "https://localhost:8443/scim",
    "https://xn--bcher-kva.example/scim",
]
NO_PROXY_VALUES = [
    None,
    "example.com",
    ".example.com",
    "*.example.com",
    "*example.com",
    ".com",
    "example.com:8443",
    "example.com:443",
    "https://example.com",
    "https://example.com:8443",
    "all://*.example.com",
    " example.com ",
    "EXAMPLE.com",
    "example.com.",
    "contoso.example.com",
    "::1",
    "2001:db8::5",
    "127.0.0.1",
    "127.0.0.1:9",
    "10.0.0.0/8",
    "10.1.2.3",
    "localhost",
    "localhost:8443",
    "*",
    "a.example, *",
    ",,",
]
PROXY_SETTINGS: list[dict[str, str]] = [
    {"HTTPS_PROXY": "http://p:1001"},
    {"https_proxy": "http://p:1002"},
    {"ALL_PROXY": "http://p:1003"},
    {"all_proxy": "http://p:1004", "HTTP_PROXY": "http://p:1005"},
    {"HTTPS_PROXY": "http://p:1001", "https_proxy": "http://p:1002"},
    {"HTTPS_PROXY": "http://p:1001", "https_proxy": ""},
    {"HTTPS_PROXY": "p:1001"},
    {"HTTPS_PROXY": "http://p:1001", "REQUEST_METHOD": "GET", "HTTP_PROXY": "http://p:1005"},
    {"HTTP_PROXY": "http://p:1005"},
    {"Https_Proxy": "http://p:1006"},
    {"all_proxy": "http://p:1004", "HTTPS_PROXY": "http://p:1001"},
]


def _clear_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.lower().endswith("_proxy") or name == "REQUEST_METHOD":
            monkeypatch.delenv(name)


def _httpx_choice(url: str) -> str | None:
    with httpx.Client(trust_env=True, verify=False) as client:  # no CA loading: faster
        transport = client._transport_for_url(httpx.URL(url))
        if transport is client._transport:
            return None
        return VARIABLE_AT[transport._pool._proxy_url.port]  # type: ignore[attr-defined]


@pytest.mark.parametrize("no_proxy", NO_PROXY_VALUES)
@pytest.mark.parametrize("proxies", PROXY_SETTINGS, ids=lambda setting: ",".join(setting))
def test_the_variable_named_is_the_one_httpx_uses(
    proxies: dict[str, str], no_proxy: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    _clear_proxy_environment(monkeypatch)
    for name, value in proxies.items():
        monkeypatch.setenv(name, value)
    if no_proxy is not None:
        monkeypatch.setenv("NO_PROXY", no_proxy)
    for url in TARGETS:
        assert proxy_variable_for(url, dict(os.environ)) == _httpx_choice(url), url


@pytest.mark.parametrize(
    ("environment", "url", "expected"),
    [
        # urllib strips the dot and bypasses example.com itself; httpx does not
        (
            {"HTTPS_PROXY": "http://p:1", "NO_PROXY": ".example.com"},
            "https://example.com/x",
            "HTTPS_PROXY",
        ),
        (
            {"HTTPS_PROXY": "http://p:1", "NO_PROXY": ".example.com"},
            "https://a.example.com/x",
            None,
        ),
        # '*' anywhere in the list turns every proxy off in httpx
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "a.example, *"}, "https://example.com/x", None),
        # a port in NO_PROXY must match the URL's port
        (
            {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "example.com:8443"},
            "https://example.com:8443/x",
            None,
        ),
        (
            {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "example.com:8443"},
            "https://example.com/x",
            "HTTPS_PROXY",
        ),
        # an empty lower-case variable unsets the upper-case one
        ({"HTTPS_PROXY": "http://p:1", "https_proxy": ""}, "https://example.com/x", None),
        (
            {"HTTPS_PROXY": "http://p:1", "no_proxy": "", "NO_PROXY": "example.com"},
            "https://example.com/x",
            "HTTPS_PROXY",
        ),
        # a full URL in NO_PROXY
        (
            {"ALL_PROXY": "http://p:1", "NO_PROXY": "https://example.com"},
            "https://example.com/x",
            None,
        ),
        (
            {"ALL_PROXY": "http://p:1", "NO_PROXY": "https://example.com"},
            "http://example.com/x",
            "ALL_PROXY",
        ),
        # IPv6 target and entry
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "::1"}, "https://[::1]:8443/x", None),
        (
            {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "::1"},
            "https://[2001:db8::5]/x",
            "HTTPS_PROXY",
        ),
    ],
)
def test_proxy_choices_where_urllib_and_httpx_differ(
    environment: dict[str, str], url: str, expected: str | None
) -> None:
    assert proxy_variable_for(url, environment) == expected


def test_a_tenant_refused_behind_a_no_proxy_star_is_blamed_not_the_proxy(
    refused_port: int,  # noqa: F811 (the fixture)
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    # NO_PROXY='elsewhere.example, *': httpx goes direct, so the refusal is the tenant's.
    ran = run_connect(
        f"http://127.0.0.1:{refused_port}{MOUNT}",
        caplog=caplog,
        tmp_path=tmp_path,
        env={
            **NO_PROXY_ENV,
            "HTTP_PROXY": "http://user:Pr0xyPassw0rd@127.0.0.1:9",
            "NO_PROXY": "elsewhere.example, *",
        },
        secret="Pr0xyPassw0rd",
    )
    assert ran.exit_code == 1
    assert ran.codes == [LOOPBACK_HTTP, "C005"]
    assert ran.message("C005").startswith(
        f"The connection to 127.0.0.1:{refused_port} was refused: nothing accepts connections "
        "there."
    )


@pytest.mark.parametrize(
    "no_proxy", ["[::1]", "localhost, [::1]:8443", "2001:db8::/32", "bücher.example"]
)
def test_a_no_proxy_entry_httpx_cannot_read_is_named_not_the_proxy_variables(
    no_proxy: str,
    refused_port: int,  # noqa: F811 (the fixture)
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    # httpx.Client refuses to start on these, with no proxy set at all.
    ran = run_connect(
        f"http://127.0.0.1:{refused_port}{MOUNT}",
        caplog=caplog,
        tmp_path=tmp_path,
        env={**NO_PROXY_ENV, "NO_PROXY": no_proxy},
    )
    assert ran.exit_code == 1
    assert ran.codes == [LOOPBACK_HTTP, "C005"]
    assert ran.message("C005") == (
        f"Could not reach 127.0.0.1:{refused_port} (NO_PROXY is not usable: httpx cannot read "
        "one of its entries (write an IPv6 address without brackets, port or /prefix, e.g. ::1, "
        "and a non-ASCII name in its xn-- form)). Fix: Check this machine's network and proxy "
        "settings (HTTPS_PROXY), then retry."
    )
