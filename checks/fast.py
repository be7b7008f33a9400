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


# `_LOCAL_PLAIN`, '@', and a domain without '@': address_accepted's split and first tests.
_EMAIL_PLAIN = re.compile(r"([A-Za-z0-9_+'-]{1,64}(?:\.[A-Za-z0-9_+'-]+)*)@([^@]*)")


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
    # judge(value[1:]), step by step without building a Judgement (nor asking twice).
    entry = _judged_entry(value[1:])
    if entry is not None:
        return entry[0] == "valid"
    from checks.rules.phone import judge_cached

    return judge_cached(value[1:], None).status == "valid"


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


# Variants rules whose key depends on the value alone (T001: title_key of the title), and
# whose values repeat: their keys are remembered per value.
_VALUE_ONLY_KEYS = frozenset({"T001"})


def value_only_key(code: str) -> bool:
    return code in _VALUE_ONLY_KEYS


# --- phone: judge() by prefix ---------------------------------------------------------------
#
# judge(digits) for a '+' number runs phonenumbers' parse, is_possible_number_with_reason and
# is_valid_number. For the digits after a country code (the national number, NSN) these use
# only: the NSN's length (possible lengths, min/max NSN length) and regular expressions from
# the metadata of the regions of that code — general and per-type national number patterns
# (fullmatch), leading_digits and national_prefix_for_parsing (match at the start). The
# extraction steps of parse treat every ASCII digit alike.
#
# `_horizon` reads each such expression (with Python's own regex parser) and finds how far
# into the NSN it can test anything but "any digit". If no expression of a code tests beyond
# position H, then two NSNs of equal length that agree on their first H digits get the same
# verdict from every one of them, hence the same judgement (status, region, reason), and the
# E.164 form is '+' and the digits whenever no national prefix was stripped (no leading 0, and
# the representative's E.164 was exactly its own digits). An expression the reader does not
# fully understand gives an infinite horizon, and that code always goes to phonenumbers.
# This relies on phonenumbers' internals (which metadata parse/validation read): the series is
# pinned in pyproject.toml (metadata-only releases within it are welcome: the metadata is read,
# not assumed), the shortcut switches itself off under any other series, and
# tests/test_parity.py checks the result against plain judge().
PHONENUMBERS_SERIES = "9.0."

_INFINITE = 1 << 30


_DEAD = (0, 0, 0, False)


def _horizon(
    items: object, lo: int = 0, hi: int = 0, prefix: str = ""
) -> tuple[int, int, int, bool]:
    """(horizon, lo, hi, alive) of an expression read from a position in [lo, hi].

    horizon: the first position past every atom that tests more than "any digit", on the
    paths that can still match a string starting with `prefix`; lo, hi: where the expression
    may end; alive: False when no path can match such a string. A path is dead only when an
    atom at a *fixed* position inside `prefix` refuses the prefix's digit there; a path that
    is dead cannot match, so its atoms cannot decide anything.
    """
    from re import _constants as c  # type: ignore[attr-defined]

    horizon = 0
    for op, arg in items:  # type: ignore[attr-defined]
        if op in (c.LITERAL, c.NOT_LITERAL, c.ANY, c.IN):
            if lo == hi < len(prefix) and not _accepts(op, arg, prefix[lo], c):
                return _DEAD
            if not (op is c.IN and _any_digit(arg, c)):
                horizon = max(horizon, hi + 1)
            lo, hi = lo + 1, hi + 1
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, high, sub = arg
            if high == c.MAXREPEAT:
                inner, sub_lo, _, _ = _horizon(sub)
                if inner:
                    return _INFINITE, lo, _INFINITE, True
                # unbounded repeat of any-digit atoms: ends anywhere after
                lo, hi = lo + low * sub_lo, _INFINITE
                continue
            for count in range(high):
                inner, new_lo, new_hi, alive = _horizon(sub, lo, hi, prefix)
                if not alive:
                    if count < low:
                        return _DEAD
                    break  # no further repetition can match either
                horizon = max(horizon, inner)
                lo = new_lo if count < low else lo
                hi = new_hi
        elif op is c.SUBPATTERN:
            inner, lo, hi, alive = _horizon(arg[-1], lo, hi, prefix)
            if not alive:
                return _DEAD
            horizon = max(horizon, inner)
        elif op is c.BRANCH:
            results = [_horizon(branch, lo, hi, prefix) for branch in arg[1]]
            results = [r for r in results if r[3]]
            if not results:
                return _DEAD
            horizon = max([horizon, *(r[0] for r in results)])
            lo, hi = min(r[1] for r in results), max(r[2] for r in results)
        elif op is c.AT:
            continue
        else:  # lookarounds, back references, …: not understood
            return _INFINITE, lo, _INFINITE, True
        if horizon >= _INFINITE:
            return _INFINITE, lo, _INFINITE, True
    return horizon, lo, hi, True


def _accepts(op: object, arg: object, char: str, c: object) -> bool:
    """Whether one atom accepts `char` (an ASCII digit)."""
    if op is c.LITERAL:  # type: ignore[attr-defined]
        return arg == ord(char)
    if op is c.NOT_LITERAL:  # type: ignore[attr-defined]
        return arg != ord(char)
    if op is c.ANY:  # type: ignore[attr-defined]
        return True
    negate, accepted = False, False
    for item, value in arg:  # type: ignore[attr-defined]
        if item is c.NEGATE:  # type: ignore[attr-defined]
            negate = True
        elif item is c.LITERAL:  # type: ignore[attr-defined]
            accepted |= value == ord(char)
        elif item is c.RANGE:  # type: ignore[attr-defined]
            accepted |= value[0] <= ord(char) <= value[1]
        elif item is c.CATEGORY:  # type: ignore[attr-defined]
            if value is not c.CATEGORY_DIGIT:  # type: ignore[attr-defined]
                return True  # not understood: assume it may match (never wrongly dead)
            accepted = True
        else:
            return True
    return accepted != negate


def _any_digit(arg: list, c: object) -> bool:
    """Whether a character class accepts every ASCII digit (then it tests nothing on digits)."""
    accepted: set[int] = set()
    for op, value in arg:
        if op is c.NEGATE:  # type: ignore[attr-defined]
            return False
        if op is c.CATEGORY and value is c.CATEGORY_DIGIT:  # type: ignore[attr-defined]
            return True
        if op is c.LITERAL:  # type: ignore[attr-defined]
            accepted.add(value)
        elif op is c.RANGE:  # type: ignore[attr-defined]
            accepted.update(range(value[0], value[1] + 1))
    return all(code in accepted for code in range(48, 58))


_DESCS = (
    "general_desc",
    "fixed_line",
    "mobile",
    "toll_free",
    "premium_rate",
    "shared_cost",
    "personal_number",
    "voip",
    "pager",
    "uan",
    "emergency",
    "voicemail",
    "short_code",
    "standard_rate",
    "carrier_specific",
    "sms_services",
    "no_international_dialling",
)
_PREFIX = 2  # NSN digits the horizon is conditioned on
_code_patterns: dict[int, list | None] = {}
_prefix_horizon: dict[tuple[int, str], int] = {}


def _patterns(code: int) -> list | None:
    """The parsed expressions phonenumbers reads for NSNs of `code`; None: do not shortcut."""
    if code in _code_patterns:
        return _code_patterns[code]
    import phonenumbers

    try:
        import re._parser as parser  # type: ignore[import-not-found]
    except ImportError:  # a Python whose regex parser moved: no shortcut, plain judge()
        parser = None
    texts: list[str] = []
    # The proof above holds for the parse/validate code of the phonenumbers series it was
    # checked against (tests/test_parity.py); another series goes to phonenumbers every time.
    usable = parser is not None and phonenumbers.__version__.startswith(PHONENUMBERS_SERIES)
    for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code, ()):
        if region == "001":
            metadata = phonenumbers.PhoneMetadata.metadata_for_nongeo_region(code)
        else:
            metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
        if metadata is None:
            continue
        main = region == phonenumbers.region_code_for_country_code(code)
        if main and metadata.national_prefix_transform_rule:
            # parse() strips the national prefix with the main region's metadata only; a
            # transform rewrites the digits it captured: not worth proving, never shortcut.
            usable = False
        texts += [metadata.national_prefix_for_parsing, metadata.leading_digits]
        texts += [metadata.national_prefix and re.escape(metadata.national_prefix)]
        for name in _DESCS:
            desc = getattr(metadata, name, None)
            if desc is not None:
                texts.append(desc.national_number_pattern)
    parsed: list | None = None
    if usable and texts:
        try:
            parsed = [parser.parse(text) for text in texts if text]
        except Exception:  # an expression we cannot read: never take the shortcut
            parsed = None
    _code_patterns[code] = parsed
    return parsed


def prefix_horizon(code: int, prefix: str) -> int:
    """How many leading NSN digits decide judge() for NSNs of `code` that start with `prefix`
    (at least the prefix itself; `_INFINITE` when that cannot be shown)."""
    found = _prefix_horizon.get((code, prefix))
    if found is not None:
        return found
    patterns = _patterns(code)
    horizon = _INFINITE if patterns is None else len(prefix)
    for pattern in patterns or ():
        horizon = max(horizon, _horizon(pattern, 0, 0, prefix)[0])
    _prefix_horizon[(code, prefix)] = horizon
    return horizon


def code_horizon(code: int) -> int:
    """The horizon for every NSN of `code`, whatever its first digits."""
    return prefix_horizon(code, "")


_JUDGED_LIMIT = 1 << 17
_judged: dict[tuple[int, str, int], tuple | None] = {}


# Reading a country's expressions costs milliseconds: not worth it for a small file, so the
# shortcut starts after this many numbers (until then phonenumbers answers every one).
_WARM_UP = 2000
_asked = [0]


_code_prefixes: dict[str, tuple[int, int] | None] = {}


def _country_code(digits: str) -> tuple[int, int] | None:
    """(country code, its length) of '+digits', from its first three digits, remembered."""
    head = digits[:3]
    found = _code_prefixes.get(head, False)
    if found is False:
        from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

        found = None
        for size in (1, 2, 3):
            if size <= len(head) and int(head[:size]) in COUNTRY_CODE_TO_REGION_CODE:
                found = (int(head[:size]), size)
                break
        _code_prefixes[head] = found
    return found  # type: ignore[return-value]


def _judged_entry(digits: str) -> tuple | None:
    """(status, has E.164, region, reason) of judge(digits) for '+digits' by its prefix, or
    None when the shortcut does not apply."""
    if _asked[0] < _WARM_UP:
        _asked[0] += 1
        return None
    if not digits.isascii() or not digits.isdigit() or digits[0] == "0" or len(digits) > 15:
        return None
    coded = _country_code(digits)
    if coded is None:
        return None
    code, size = coded
    national = digits[size:]
    if not national or national[0] == "0":
        return None
    horizon = prefix_horizon(code, national[:_PREFIX])
    if horizon >= _INFINITE:
        return None
    key = (code, national[:horizon], len(national))
    entry = _judged.get(key, False)
    if entry is False:
        from checks.rules.phone import judge_plain

        judgement = judge_plain(digits)
        exact = judgement.e164 in (None, "+" + digits)
        entry = (judgement.status, judgement.e164 is not None, judgement.region, judgement.reason)
        entry = entry if exact else None
        if len(_judged) >= _JUDGED_LIMIT:
            _judged.clear()
        _judged[key] = entry
    return entry  # type: ignore[return-value]


def judge_international(digits: str) -> object | None:
    """judge(digits) for '+digits' by its prefix, or None when the shortcut does not apply."""
    entry = _judged_entry(digits)
    if entry is None:
        return None
    from checks.rules.phone import Judgement

    status, has_e164, region, reason = entry
    return Judgement(status, "+" + digits if has_e164 else None, region, reason)


# --- population keys --------------------------------------------------------------------------

_ASCII_NO_BLANK = re.compile(r"[!-~]+")


def _lower_if_plain_email(value: str | None) -> str | None:
    """E004's key, normal_key(value), is value.lower() for printable ASCII without blanks:
    nothing to trim, NFC leaves ASCII alone, casefold() is lower() on ASCII."""
    if value is not None and _ASCII_NO_BLANK.fullmatch(value) is not None:
        return value.lower()
    return None


def _lower_if_plain_upn(value: str | None) -> str | None:
    """U003's key is value.lower() for a `upn_clean` value: nothing to trim, no '#EXT#' for
    effective_user_name to undo, and normal_key of ASCII is lower()."""
    return value.lower() if upn_clean(value) else None  # type: ignore[union-attr]


def _lower_if_guid(value: str | None) -> str | None:
    """X003's key is value.lower() for an exact GUID: nothing to trim, no braces."""
    return value.lower() if guid_clean(value) else None  # type: ignore[union-attr]


# rule code → a key function that answers for plain values (None: ask the rule).
PLAIN_KEYS: dict[str, Callable[[str | None], str | None]] = {
    "U003": _lower_if_plain_upn,
    "E004": _lower_if_plain_email,
    "X003": _lower_if_guid,
}


# --- batches (Checker.check_many) -------------------------------------------------------------
#
# The same tests over a column of values at once: one comprehension per batch instead of a
# function call per value. Each gives the positions whose value the per-value test above does
# not pass, so the engine runs the chain exactly where `check()` would.

# Tests that are one regular expression: inlined.
_TEST_PATTERNS: dict[Callable[[str | None], bool], re.Pattern[str]] = {
    upn_clean: _UPN_PLAIN,
    guid_clean: _GUID,
}

# Names and titles repeat: text_clean's verdict on a value is remembered (it depends on the
# value alone), so most of a column is one dict lookup per value.
_KNOWN_TEXT_LIMIT = 65536
_text_verdicts: dict[str | None, bool] = {}


def _text_learned(value: str | None) -> bool:
    """text_clean(value), remembered."""
    verdict = text_clean(value)
    if len(_text_verdicts) >= _KNOWN_TEXT_LIMIT:
        _text_verdicts.clear()
    _text_verdicts[value] = verdict
    return verdict


def _emails_unclean_at(values: list[str | None]) -> list[int]:
    """email_clean over a column: address_accepted with its lookups inlined."""
    unclean: list[int] = []
    split, rooms = _EMAIL_PLAIN.fullmatch, _domain_room
    for at, value in enumerate(values):
        # A local part as _LOCAL_PLAIN takes it (no '@' in it), then '@', then no other '@':
        # address.partition('@') gives the same two parts.
        match = split(value) if value is not None else None
        if match is None or match.end(1) > 64:
            unclean.append(at)
            continue
        domain = match.group(2)
        room = rooms.get(domain, -1)
        if room == -1:
            room = domain_room(domain)
        if room is None or match.end(1) + 1 + room > _EMAIL_MAX:
            unclean.append(at)
    return unclean


def _phones_unclean_at(values: list[str | None]) -> list[int]:
    """phone_clean over a column: the judgement cache read inline where it already holds the
    number's entry (what _judged_entry would return), phone_clean itself everywhere else."""
    if _asked[0] < _WARM_UP:
        return [at for at, value in enumerate(values) if not phone_clean(value)]
    unclean: list[int] = []
    e164, codes, horizons, judged = _E164.fullmatch, _code_prefixes, _prefix_horizon, _judged
    for at, value in enumerate(values):
        if value is None or e164(value) is None:
            unclean.append(at)
            continue
        # _E164 leaves ASCII digits, no leading 0, at most 15: _judged_entry's first tests.
        coded = codes.get(value[1:4])
        if coded:
            code, size = coded
            national = value[1 + size :]  # at least 5 digits: _E164 takes 8 or more
            if national[0] != "0":
                horizon = horizons.get((code, national[:_PREFIX]))
                if horizon is not None and horizon < _INFINITE:
                    entry = judged.get((code, national[:horizon], len(national)))
                    if entry is not None:
                        if entry[0] != "valid":
                            unclean.append(at)
                        continue
        if not phone_clean(value):
            unclean.append(at)
    return unclean


_COLUMN_TESTS: dict[Callable[[str | None], bool], Callable[[list[str | None]], list[int]]] = {
    email_clean: _emails_unclean_at,
    phone_clean: _phones_unclean_at,
}


def unclean_at(test: Callable[[str | None], bool], values: list[str | None]) -> list[int]:
    """The positions in `values` of the values `test` (a `clean_test`) does not pass."""
    column_test = _COLUMN_TESTS.get(test)
    if column_test is not None:
        return column_test(values)
    if test is text_clean:
        verdicts = _text_verdicts
        return [
            at
            for at, value in enumerate(values)
            if (verdict := verdicts.get(value)) is not True
            and (verdict is False or not _text_learned(value))
        ]
    pattern = _TEST_PATTERNS.get(test)
    if pattern is not None:
        fullmatch = pattern.fullmatch
        return [at for at, value in enumerate(values) if value is None or fullmatch(value) is None]
    return [at for at, value in enumerate(values) if not test(value)]


# rule code → the expression a value must fullmatch for its key to be value.lower(): the same
# conditions as PLAIN_KEYS' functions, for a column at once.
_PLAIN_KEY_PATTERNS: dict[str, re.Pattern[str]] = {
    "U003": _UPN_PLAIN,
    "E004": _ASCII_NO_BLANK,
    "X003": _GUID,
}


def plain_keys(code: str, values: list[str | None]) -> list[str | None] | None:
    """PLAIN_KEYS[code] of each value (None where the rule must be asked), or None when the
    rule has no plain key."""
    pattern = _PLAIN_KEY_PATTERNS.get(code)
    if pattern is None:
        return None
    fullmatch = pattern.fullmatch
    return [
        value.lower() if value is not None and fullmatch(value) is not None else None
        for value in values
    ]


def _disabled_at(records: list) -> list[int]:
    """A001 fires only when `record.account_enabled is False` (its first and only test)."""
    return [at for at, record in enumerate(records) if record.account_enabled is False]


# attribute → (rules the test vouches for, positions of the records where one may fire), for
# rules that read the record rather than the value.
_RECORD_TESTS: dict[str, tuple[frozenset[str], Callable[[list], list[int]]]] = {
    "active": (frozenset({"A001"}), _disabled_at),
}


def record_test(attribute: str, codes: set[str]) -> Callable[[list], list[int]] | None:
    entry = _RECORD_TESTS.get(attribute)
    if entry is None or not codes <= entry[0]:
        return None
    return entry[1]
