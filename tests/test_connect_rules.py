"""The connection rules C001–C013 on their own: URL and token shapes, and observed outcomes.

The live tests (test_connect_live.py) produce these outcomes from real servers; here each
classification is pinned down on plain data, including shapes a test server cannot easily
produce (a 403, a 503, a ListResponse without totalResults).
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.model import Severity, all_rules
from checks.rules.connection import (
    HttpOutcome,
    c001_tenant_url_unusable,
    c002_tenant_url_not_motimate_form,
    c003_token_malformed,
    c013_service_provider_config,
    diagnose,
    inspect_token,
    split_message,
    url_under_test,
)

GOOD_URL = "https://acme.motimateapp.com/scim/v1"
GOOD_TOKEN = "5e188cf76084d08cde4b7d68083f27c4"  # the guide's example shape
USERS = "https://acme.motimateapp.com/scim/v1/Users?filter=userName+eq+%22x%22"


def test_catalogue_has_every_connection_rule_with_its_severity() -> None:
    rules = {code: rule for code, rule in all_rules().items() if rule.scope == "connection"}
    assert {code: rule.severity for code, rule in rules.items()} == {
        "C001": Severity.ERROR,
        "C002": Severity.WARNING,
        "C003": Severity.ERROR,
        "C004": Severity.ERROR,
        "C005": Severity.ERROR,
        "C006": Severity.ERROR,
        "C007": Severity.ERROR,
        "C008": Severity.ERROR,
        "C009": Severity.ERROR,
        "C010": Severity.ERROR,
        "C011": Severity.ERROR,
        "C012": Severity.WARNING,
        "C013": Severity.INFO,
    }
    for rule in rules.values():
        assert rule.doc.count("\n") >= 2, f"{rule.code} needs a documented docstring"
        assert "Fix" in rule.doc, f"{rule.code}'s docstring should say how to fix it"


# ---- C001 / C002: the tenant URL -------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "cause"),
    [
        ("", "No tenant URL was given."),
        ("acme.motimateapp.com/scim/v1", "not an absolute URL"),
        ("ftp://acme.motimateapp.com/scim/v1", "uses the 'ftp:' scheme"),
        ("https://acme.motimate app.com/scim/v1", "has a space inside it"),
        ("https://acme.motimateapp.com/scim/v1?tenant=acme", "has a query"),
        ("https://acme.motimateapp.com/scim/v1#users", "has a fragment"),
        ("https://admin:pw@acme.motimateapp.com/scim/v1", "user name or password"),
        ("https://{identifier}.motimateapp.com/scim/v1", "{identifier} placeholder"),
        ("https://acme.motimateapp.com:99999/scim/v1", "port is not a number"),
        ("https://acme!.motimateapp.com/scim/v1", "not a valid host name"),
        ("http://acme.motimateapp.com/scim/v1", "uses plain http"),
        ("http://10.0.0.5/scim/v1", "uses plain http"),
    ],
)
def test_c001_blocks_urls_that_cannot_be_tested(url: str, cause: str) -> None:
    issue = c001_tenant_url_unusable(url)
    assert issue is not None
    assert cause in issue.message
    assert split_message(issue.message)[1]  # a fix line
    assert url_under_test(url) is None
    assert c002_tenant_url_not_motimate_form(url) is None  # C001 said it all


@pytest.mark.parametrize(
    ("url", "cause"),
    [
        # Each of these used to reach httpx, the resolver or urlsplit and end in a traceback.
        (
            "https://acme..motimateapp.com/scim/v1",
            "The tenant URL's host name has an empty part: two dots in a row, or a dot at the "
            "start or end.",
        ),
        (
            "https://.motimateapp.com/scim/v1",
            "The tenant URL's host name has an empty part: two dots in a row, or a dot at the "
            "start or end.",
        ),
        (
            f"https://{'a' * 300}.motimateapp.com/scim/v1",
            "The tenant URL's host name has a part of 300 characters; a part between dots has "
            "at most 63.",
        ),
        (
            f"https://{'.'.join(['a' * 60] * 5)}/scim/v1",
            "The tenant URL's host name has 304 characters; a host name has at most 253.",
        ),
        (
            f"https://{'ø' * 60}.motimateapp.com/scim/v1",  # 60 letters, 64 once encoded
            "The tenant URL's host name has characters a domain name cannot have (an "
            "international name must be valid IDNA).",
        ),
        (
            "https://[::1/scim",
            "The tenant URL's host has a '[' without its ']' (square brackets only enclose an "
            "IPv6 address, such as [2001:db8::1]).",
        ),
        (
            "https://::1]/scim/v1",
            "The tenant URL's host has a ']' without its '[' (square brackets only enclose an "
            "IPv6 address, such as [2001:db8::1]).",
        ),
        (
            "https://[zz]/scim/v1",
            "The tenant URL's host in square brackets is not a valid IPv6 address.",
        ),
        (
            "https://[v1.future]/scim/v1",
            "The tenant URL's host in square brackets is not a valid IPv6 address.",
        ),
        (
            "https://[::1]8443/scim/v1",
            "The tenant URL has something other than ':' and a port after its ']'.",
        ),
        (
            "https://10.0.0.256/scim/v1",
            "The tenant URL's host is not a valid IPv4 address (each part is 0 to 255).",
        ),
        (
            "https://acme-.motimateapp.com/scim/v1",
            "The tenant URL's host name has a part that starts or ends with '-'.",
        ),
        (
            "https://xn--zz.motimateapp.com/scim/v1",
            "The tenant URL's host name has a part starting with 'xn--' that is not a valid "
            "encoded international name.",
        ),
        (
            "https://ａｃｍｅ.motimateapp.com/scim/v1",  # full-width letters
            "The tenant URL's host name has characters a domain name cannot have (an "
            "international name must be valid IDNA).",
        ),
        (
            "https://acme.motimateapp.com\uff0fscim/v1",  # a full-width '/' (NFKC check)
            "The tenant URL's host name is not a valid host name.",
        ),
        ("https://:443/scim/v1", "The tenant URL has no host name."),
        (
            "https://acme.motimateapp.com/scim/v1\x00",
            "The tenant URL has a control character (U+0000) inside it.",
        ),
        (
            "https://acme.motimateapp.com/scim/v1\udcfe",
            "The tenant URL has bytes that are not text (not UTF-8) inside it.",
        ),
    ],
)
def test_c001_malformed_hosts_are_findings_not_crashes(url: str, cause: str) -> None:
    issue = c001_tenant_url_unusable(url)
    assert issue is not None
    remedy = (
        "Copy the URL again as one piece, exactly as Motimate sent it."
        if "inside it" in cause
        else "Enter the URL in the form https://{identifier}.motimateapp.com/scim/v1."
    )
    assert split_message(issue.message) == (cause, remedy)
    assert url_under_test(url) is None
    assert c002_tenant_url_not_motimate_form(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "https://bjørn.motimateapp.com/scim/v1",  # an international name: httpx encodes it
        "https://xn--bjrn-qoa.motimateapp.com/scim/v1",  # the same, encoded
        "https://acme.motimateapp.com./scim/v1",  # the root's final dot
        "https://a_b.motimateapp.com/scim/v1",  # underscores resolve in some DNS zones
        f"https://{'a' * 63}.motimateapp.com/scim/v1",
        "http://[::1]:8080/scim/v1",
        "https://[2001:db8::1]/scim/v1",
    ],
)
def test_c001_well_formed_hosts_pass(url: str) -> None:
    assert c001_tenant_url_unusable(url) is None
    assert url_under_test(url) == url


# Hosts built from the characters that break parsers: brackets, dots, colons, dashes, digits,
# non-ASCII letters, look-alikes, surrogates, control characters.
_HOSTY = st.text(
    alphabet=st.sampled_from([*"[]:.-_%@/?#aZ09xn", "ø", "ａ", "\uff0f", "\udcff", "\x00"]),
    max_size=30,
)


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.text(max_size=80),
        st.builds(
            lambda scheme, host, tail: f"{scheme}{host}{tail}",
            st.sampled_from(["https://", "http://", "", "//", "https:"]),
            st.one_of(_HOSTY, st.text(max_size=20)),
            st.sampled_from(["", "/scim/v1", ":8443/scim/v1", "/", "?x", ":x"]),
        ),
    )
)
def test_any_text_as_url_gets_a_verdict_never_an_exception(url: str) -> None:
    issue = c001_tenant_url_unusable(url)
    tested = url_under_test(url)
    c002_tenant_url_not_motimate_form(url)
    if issue is not None:
        assert split_message(issue.message)[1]  # a fix line
    if tested is not None:
        assert tested.startswith(("https://", "http://"))


def test_c001_trims_surrounding_whitespace_and_tests_the_rest() -> None:
    issue = c001_tenant_url_unusable(f" {GOOD_URL}\n")
    assert issue is not None
    assert split_message(issue.message) == (
        "The tenant URL has a space before it and a line break after it; the trimmed URL was "
        "tested.",
        "Remove it when you paste the URL into Entra's Tenant URL field.",
    )
    assert url_under_test(f" {GOOD_URL}\n") == GOOD_URL


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/scim/v1",
        "http://localhost:8080/scim/v1",
        "http://[::1]:8080/scim/v1",
        "http://127.10.0.1/scim/v1",
    ],
)
def test_plain_http_on_loopback_is_a_c002_warning_not_c001(url: str) -> None:
    assert c001_tenant_url_unusable(url) is None
    assert url_under_test(url) == url
    issue = c002_tenant_url_not_motimate_form(url)
    assert issue is not None
    assert "test server on this machine over plain http (accepted for loopback only)" in (
        issue.message
    )
    assert split_message(issue.message)[1] == (
        "Fine for a local test; in Entra, use the tenant URL Motimate sent."
    )


def test_the_motimate_form_passes_both_url_rules() -> None:
    assert c001_tenant_url_unusable(GOOD_URL) is None
    assert c002_tenant_url_not_motimate_form(GOOD_URL) is None
    assert url_under_test(GOOD_URL) == GOOD_URL


@pytest.mark.parametrize(
    ("url", "difference", "suggested", "tested"),
    [
        (GOOD_URL + "/", "it ends with '/'", GOOD_URL, GOOD_URL),
        ("https://acme.motimateapp.com/scim/v2", "another SCIM version", GOOD_URL, None),
        ("https://acme.motimateapp.com", "the path /scim/v1 is missing", GOOD_URL, None),
        (
            "https://acme.motimateapp.com/scim/v1/Users",
            "the path goes on after /scim/v1",
            GOOD_URL,
            None,
        ),
        ("https://acme.motimateapp.com/SCIM/V1", "letter case differs", GOOD_URL, None),
        ("https://acme.motimateapp.com:8443/scim/v1", "it names port 8443", GOOD_URL, None),
        ("https://motimateapp.com/scim/v1", "no account identifier", None, None),
        (
            "https://acme.motimate.com/scim/v1",
            "the host is not {identifier}.motimateapp.com",
            None,
            None,
        ),
    ],
)
def test_c002_says_what_differs(
    url: str, difference: str, suggested: str | None, tested: str | None
) -> None:
    issue = c002_tenant_url_not_motimate_form(url)
    assert issue is not None
    cause, remedy = split_message(issue.message)
    assert cause.startswith(
        "The tenant URL is not of the form https://{identifier}.motimateapp.com/scim/v1: "
    )
    assert difference in cause
    assert issue.fix == suggested
    assert remedy is not None
    assert url_under_test(url) == (tested or url)


# ---- C003: the token -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pasted", "said"),
    [
        (f"Bearer {GOOD_TOKEN}", "a 'Bearer ' prefix"),
        (f"bearer   {GOOD_TOKEN}", "a 'Bearer ' prefix"),
        (f"Authorization: Bearer {GOOD_TOKEN}", "an 'Authorization: Bearer ' prefix"),
        (f'"{GOOD_TOKEN}"', "quotes"),
        (f"'{GOOD_TOKEN}'", "quotes"),
        (f"“{GOOD_TOKEN}”", "quotes"),
        (f"{GOOD_TOKEN}\n", "a line break after it"),
        (f"{GOOD_TOKEN}\r\n", "a carriage return and a line break after it"),
        (f" {GOOD_TOKEN}", "a space before it"),
        (f"\t{GOOD_TOKEN} ", "a tab before it and a space after it"),
        (f"{GOOD_TOKEN[:16]}\n{GOOD_TOKEN[16:]}", "a line break inside it"),
        (f'Bearer "{GOOD_TOKEN}"\n', "a line break after it, a 'Bearer ' prefix and quotes"),
        (f"\u200b{GOOD_TOKEN}", "U+200B zero width space before it"),
    ],
)
def test_c003_cleans_a_pasted_token_and_says_what_to_remove(pasted: str, said: str) -> None:
    inspection = inspect_token(pasted)
    assert inspection.cleaned == GOOD_TOKEN
    assert inspection.shape is None and inspection.sendable
    issue = c003_token_malformed(pasted)
    assert issue is not None
    cause, remedy = split_message(issue.message)
    assert cause == f"The token was given with {said}. The cleaned token was tested."
    assert remedy == (
        "Paste only the 32 letters and digits into Entra's Secret Token field, with nothing "
        "before, after or inside them."
    )
    assert GOOD_TOKEN not in issue.message and issue.fix is None


@pytest.mark.parametrize(
    ("token", "cause"),
    [
        (
            "abc123",
            "The token has 6 characters, not 32 (Motimate's tokens are 32 letters and digits).",
        ),
        (
            GOOD_TOKEN + "ff",
            "The token has 34 characters, not 32 (Motimate's tokens are 32 letters and digits).",
        ),
        (
            GOOD_TOKEN[:31] + "-",
            "The token has 1 character that is not a letter or digit "
            "(Motimate's tokens are 32 letters and digits).",
        ),
        ("", "The token is empty (Motimate's tokens are 32 letters and digits). Nothing was sent."),
        (
            GOOD_TOKEN[:31] + "ø",
            "The token has 1 character that is not a letter or digit "
            "(Motimate's tokens are 32 letters and digits). Nothing was "
            "sent: it cannot go in an HTTP header as it is.",
        ),
    ],
)
def test_c003_reports_a_token_of_the_wrong_shape(token: str, cause: str) -> None:
    issue = c003_token_malformed(token)
    assert issue is not None
    assert split_message(issue.message) == (
        cause,
        "Copy the Secret Token again, exactly as Motimate sent it; ask them if in doubt.",
    )


def test_c003_accepts_the_guide_shape() -> None:
    assert c003_token_malformed(GOOD_TOKEN) is None
    assert c003_token_malformed(GOOD_TOKEN.upper()) is None


# ---- the live rules, on observed outcomes --------------------------------------------------


def outcome(**fields: object) -> HttpOutcome:
    return HttpOutcome(url=USERS, filter_attribute="userName", elapsed_ms=40, **fields)  # type: ignore[arg-type]


LIST = json.dumps(
    {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 0,
        "Resources": [],
    }
)


def codes(found: list) -> list[str]:
    return [code for code, _issue in found]


def test_an_empty_list_response_is_fine() -> None:
    good = outcome(status=200, reason="OK", content_type="application/scim+json", body=LIST)
    assert good.is_empty_list_response()
    assert diagnose(good) == []


@pytest.mark.parametrize(
    ("observed", "code", "cause"),
    [
        (
            outcome(error="dns", error_detail="Name or service not known"),
            "C004",
            "The host name acme.motimateapp.com does not resolve (Name or service not known).",
        ),
        (
            outcome(error="refused"),
            "C005",
            "The connection to acme.motimateapp.com:443 was refused: nothing accepts connections "
            "there.",
        ),
        (
            outcome(error="connect-timeout", timeout_s=10.0),
            "C005",
            "No connection to acme.motimateapp.com:443 within 10 s.",
        ),
        (
            outcome(error="read-timeout", timeout_s=2.5),
            "C005",
            "Connected to acme.motimateapp.com:443, but no answer came within 2.5 s.",
        ),
        (
            outcome(error="closed"),
            "C005",
            "acme.motimateapp.com:443 closed the connection without an answer.",
        ),
        (
            outcome(error="tls-expired"),
            "C006",
            "The TLS certificate of acme.motimateapp.com has expired.",
        ),
        (
            outcome(error="tls-untrusted", error_detail="self-signed certificate"),
            "C006",
            "The TLS certificate of acme.motimateapp.com is not signed by a CA this machine "
            "trusts (self-signed certificate).",
        ),
        (
            outcome(error="tls-wrong-host"),
            "C006",
            "The TLS certificate presented is for another host than acme.motimateapp.com.",
        ),
        (
            outcome(status=403, reason="Forbidden"),
            "C007",
            "The server knows the token but refuses access to Users (403 Forbidden).",
        ),
        (
            outcome(
                status=401,
                reason="Unauthorized",
                body=json.dumps(
                    {
                        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                        "status": "401",
                        "detail": "Token   expired\n at 2026-01-01",
                    }
                ),
            ),
            "C007",
            "The server refused the token (401 Unauthorized: Token expired at 2026-01-01).",
        ),
        (
            outcome(status=404, reason="Not Found", body="<h1>nope</h1>"),
            "C008",
            "There is no SCIM Users endpoint at /scim/v1/Users (404 Not Found): the tenant URL's "
            "path is wrong.",
        ),
        (
            outcome(
                status=200,
                reason="OK",
                body=json.dumps(
                    {
                        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                        "Resources": [],
                    }
                ),
            ),
            "C009",
            "The server's ListResponse to the filter on userName has no numeric totalResults.",
        ),
        (
            outcome(status=200, reason="OK", body=""),
            "C009",
            "The server answered 200 with an empty body to the filter on userName, not a SCIM "
            "ListResponse.",
        ),
        (
            outcome(status=204, reason="No Content"),
            "C009",
            "The server answered 204 No Content to the filter on userName, not 200 with a SCIM "
            "ListResponse.",
        ),
        (
            outcome(status=503, reason="Service Unavailable", body="busy"),
            "C010",
            "The server failed with 503 Service Unavailable from a gateway in front of the SCIM "
            "service.",
        ),
        (
            outcome(status=301, reason="Moved Permanently"),
            "C011",
            "The server answered 301 Moved Permanently, a redirect without a Location; Entra "
            "does not follow redirects.",
        ),
    ],
)
def test_each_outcome_has_one_cause(observed: HttpOutcome, code: str, cause: str) -> None:
    found = diagnose(observed)
    assert codes(found) == [code]
    got_cause, remedy = split_message(found[0][1].message)
    assert got_cause == cause
    assert remedy


def test_c012_slow_answer_is_a_warning_on_top_of_the_answer() -> None:
    slow = HttpOutcome(url=USERS, status=200, reason="OK", body=LIST, elapsed_ms=7300)
    found = diagnose(slow)
    assert codes(found) == ["C012"]
    assert split_message(found[0][1].message)[0] == (
        "The server took 7.3 s to answer (more than 5 s); Entra may time out."
    )
    assert diagnose(slow, slow_after_ms=8000) == []
    slow_error = HttpOutcome(url=USERS, status=500, reason="Internal Server Error", elapsed_ms=6000)
    assert codes(diagnose(slow_error)) == ["C010", "C012"]


def test_c013_reports_filter_and_patch_support_as_information() -> None:
    issue = c013_service_provider_config(
        {"filter": {"supported": True}, "patch": {"supported": False}}
    )
    assert issue is not None
    assert split_message(issue.message) == (
        "The server's ServiceProviderConfig says: filter supported, PATCH NOT supported (read "
        "without the token, so it proves nothing about it).",
        "Entra needs both filter and PATCH: ask Motimate before provisioning.",
    )
    assert c013_service_provider_config("not a dict") is None


@pytest.mark.parametrize(
    ("url", "where"),
    [
        ("http://127.0.0.1:0/scim/v1/Users", "127.0.0.1:0"),  # port 0 was shown as 80
        ("https://acme.motimateapp.com/scim/v1/Users", "acme.motimateapp.com:443"),
        ("http://localhost/scim/v1/Users", "localhost:80"),
        ("https://acme.motimateapp.com:8443/scim/v1/Users", "acme.motimateapp.com:8443"),
    ],
)
def test_host_port_names_the_port_the_url_names(url: str, where: str) -> None:
    assert HttpOutcome(url=url, error="refused").host_port == where
