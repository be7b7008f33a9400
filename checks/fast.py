"""Fast paths for the common, correct value — each one proved to agree with the plain rules.

A large export is mostly correct values: `+4798765432`, `kari.nordmann@example.com`, a GUID.
The engine asks `clean_test(attribute, codes)` for a test that says, for such a value, that
*none* of the rules `codes` on that attribute can fire; only the other values go through the
rule chain. Each test below states why it is exact; tests/test_parity.py checks it over a
generated corpus against `Checker(fast=False)`, which calls every rule on every value, and
the rules' library helpers (`judge`, `address_problem`) against the plain library calls.

`set_enabled(False)` (done by `Checker(fast=False)`) also makes `judge` and `address_problem`
use only the libraries' public APIs, uncached: the oracle.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_state = {"enabled": True}


def set_enabled(enabled: bool) -> None:
    _state["enabled"] = enabled


def enabled() -> bool:
    return _state["enabled"]


# --- text ---------------------------------------------------------------------------------

# Printable ASCII without space and without '#': not empty, no blank of any kind (the ASCII
# blanks are all below '!' and every INVISIBLE mark is non-ASCII), no '#EXT#'.
_UPN_PLAIN = re.compile(r"[!\"$-~]+")
# A name or title: starts with a letter or digit (so not blank and no formula start), ends with
# a printable non-space ASCII character, only printable ASCII between (so ASCII: no mojibake).
_TEXT_PLAIN = re.compile(r"[A-Za-z0-9](?:[ -~]*[!-~])?")
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def upn_clean(value: str | None) -> bool:
    """U001 (empty), U002 (whitespace), U004 (#EXT#) cannot fire."""
    return value is not None and _UPN_PLAIN.fullmatch(value) is not None


def text_clean(value: str | None) -> bool:
    """N001 (empty), N002 (blank ends), N003 (formula start), N004 (non-ASCII) cannot fire."""
    return value is not None and _TEXT_PLAIN.fullmatch(value) is not None


def guid_clean(value: str | None) -> bool:
    """X001 (empty) and X002 (not exactly a GUID: the same regex, fullmatch) cannot fire."""
    return value is not None and _GUID.fullmatch(value) is not None


# --- email --------------------------------------------------------------------------------

# A dot-atom local part of ASCII letters, digits and _ + ' - (all RFC 5322 atext, which
# email-validator accepts), dots only between characters, at most 64 characters; no '@', no
# quotes, no '<' (so no display name), no blank.
_LOCAL_PLAIN = re.compile(r"[A-Za-z0-9_+'-]{1,64}(?:\.[A-Za-z0-9_+'-]+)*")
_DOMAIN_LIMIT = 65536
_domain_room: dict[str, int | None] = {}
_EMAIL_MAX = 254  # email-validator's limit on the whole address, in any of its forms


def domain_room(domain: str) -> int | None:
    """The longest form of `domain` email-validator measures, or None when it refuses it.

    email-validator validates the part after '@' on its own (`validate_email_domain_name`), so
    a domain it accepts after `a@` it accepts after any valid local part; only the total length
    (`validate_email_length`) combines the two, and that is checked by the caller.
    """
    room = _domain_room.get(domain, -1)
    if room != -1:
        return room
    from checks.rules.email import validated_problem

    problem, forms = validated_problem("a@" + domain)
    room = None if problem is not None else max(max(len(f), len(f.encode())) for f in forms)
    if len(_domain_room) >= _DOMAIN_LIMIT:
        _domain_room.clear()
    _domain_room[domain] = room
    return room


def address_accepted(address: str) -> bool:
    """True only for addresses email-validator accepts (False means: ask it)."""
    local, at, domain = address.partition("@")
    if not at or "@" in domain or len(local) > 64 or _LOCAL_PLAIN.fullmatch(local) is None:
        return False
    room = domain_room(domain)
    # +1 for the '@'; `room` already covers the domain's Unicode, UTF-8 and ASCII forms.
    return room is not None and len(local) + 1 + room <= _EMAIL_MAX


def email_clean(value: str | None) -> bool:
    """E003 (empty), E002 (whitespace), E001 (not valid) cannot fire."""
    return value is not None and address_accepted(value)


# --- phone --------------------------------------------------------------------------------

_E164 = re.compile(r"\+[1-9][0-9]{7,14}")


def phone_clean(value: str | None) -> bool:
    """No rule of the phone chain fires on a '+digits' value that judge() finds valid.

    P006, P005, P002 and P001 return None for every value `_FAST_E164` matches (their first
    test); P003, P004 and P007 then judge exactly `value[1:]` and fire only for a status other
    than "valid".
    """
    if value is None or _E164.fullmatch(value) is None:
        return False
    from checks.rules.phone import judge

    return judge(value[1:]).status == "valid"


# --- what the engine asks -----------------------------------------------------------------

# attribute → (rules the test vouches for, the test). Used only when the chain's rules are a
# subset: a rule added later to an attribute disables the shortcut until it is listed here.
_CLEAN: dict[str, tuple[frozenset[str], Callable[[str | None], bool]]] = {
    "employee_number": (frozenset({"U001", "U002", "U004"}), upn_clean),
    "external_id": (frozenset({"X001", "X002"}), guid_clean),
    "email": (frozenset({"E001", "E002", "E003"}), email_clean),
    "first_name": (frozenset({"N001", "N002", "N003", "N004"}), text_clean),
    "last_name": (frozenset({"N001", "N002", "N003", "N004"}), text_clean),
    "position": (frozenset({"N001", "N002", "N003", "N004"}), text_clean),
    "phone_number": (
        frozenset({"P001", "P002", "P003", "P004", "P005", "P006", "P007"}),
        phone_clean,
    ),
}

# Rules whose verdict depends on the value alone (not on the record or the context), on
# attributes whose values repeat (names, titles): their issues are remembered per value.
_VALUE_ONLY = frozenset({"N001", "N002", "N003", "N004"})
_REPEATING = frozenset({"first_name", "last_name", "position"})


def clean_test(attribute: str, codes: set[str]) -> Callable[[str | None], bool] | None:
    entry = _CLEAN.get(attribute)
    if entry is None or not codes <= entry[0]:
        return None
    return entry[1]


def memoizable(attribute: str, codes: set[str]) -> bool:
    return attribute in _REPEATING and codes <= _VALUE_ONLY
