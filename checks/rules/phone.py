"""phone_number ← mobile / mobilePhone (SCIM phoneNumbers[type eq "mobile"].value).

The vendor's rule is a format: `+`, the country calling code and digits, nothing else
(`^\\+[1-9][0-9]+$`, at most 15 digits as E.164 allows). Whether libphonenumber knows the
number as valid in its country is advice only: the guide's own example `+4700000000` syncs.

One value gets one finding: the rules form an exclusive chain, registered (and so run) most
specific first — P006 spreadsheet damage, P005 letters or an extension, P002 separators around
an otherwise correct number, P001 no leading `+`, P003 unknown country code, P004 impossible
length, P007 not valid in its country. `--select`/`--ignore` hide findings, never reclassify:
the rules before a selected one still run and claim their values, so `4.79877E+09` with P006
ignored gets no finding rather than P001's (`checks.model.Chain`).

Fix policy (`Issue.fix`, `Issue.fix_confidence`):

- certain: only whitespace, separators, invisible characters and a `tel:` prefix are removed,
  a written trunk prefix `(0)` right after the country code is dropped (a `(0)` further on
  is a digit, kept), or the international prefix `00` becomes `+`.
- probable: a national number completed with the user's region (usage location, else country,
  else the default region), a country code typed without `+` (or with `@` in its place), or
  a trunk `0` after the country code that libphonenumber drops.
- none: whenever the result would be a guess, and whenever the fixed value would not itself
  be a valid number (P002 alone keeps the digits as typed, so its fix may still earn P007).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, NamedTuple

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

from checks import fast
from checks.model import CheckContext, Issue, Severity, UserRecord, rule
from checks.text import describe_blanks, has_blank, remove_blanks, strip_blanks, where_blanks

PHONE = ("phone_number",)
E164_MAX_DIGITS = 15

# The common correct value, checked before anything else: '+', a country code, 8 to 15 digits.
_FAST_E164 = re.compile(r"\+[1-9][0-9]{7,14}")
# What a spreadsheet makes of a long number: 4.79877E+09, 4,79877E+09 (comma as decimal mark).
_SCIENTIFIC = re.compile(r"\+?[0-9]+(?:[.,][0-9]*)?[eE][+-]?[0-9]+")
# …or of a number read as a float: 4798765432.0
_DECIMAL = re.compile(r"[0-9]{6,}[.,]0+")
# An extension, searched for with the blanks removed: ;ext=12 (RFC 3966), ext 12, ext.12,
# extension: 12, x12, #12. Only before digits: "#N/A" is not an extension.
_EXTENSION = re.compile(r"(?i)(?:;ext=|(?<![a-z])(?:ext(?:ension)?|x)(?![a-z])[.:]?|#)(?=[0-9])")
# The national trunk prefix written in brackets after the country code: +44 (0)20 …, matched
# at the start of the value after its '+' (or 00), after digits that are a country code
# phonenumbers knows (`shape_of` checks the group). Any other "(0)" is not a trunk prefix: its
# 0 is a digit the user typed, and dropping it would lose it (+47 9876 (0) 5432, +461 (0)8…).
_TRUNK = re.compile(r"(?:00)?([0-9]{0,3})[-./]?\(0\)")

_SEPARATORS = {
    "-": "hyphens",
    ".": "dots",
    "(": "parentheses",
    ")": "parentheses",
    "/": "slashes",
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "dashes"),
}

Status = Literal["valid", "not_canonical", "invalid", "unknown_code", "bad_length"]


class Judgement(NamedTuple):
    """What libphonenumber makes of some digits: a status, the E.164 form and the region."""

    status: Status
    e164: str | None = None
    region: str | None = None  # ISO code, "001" for non-geographic codes, None when unknown
    reason: str = ""  # for a bad length: why, in words


def judge(digits: str, region: str | None = None) -> Judgement:
    """Judge ASCII digits: after a '+' when `region` is None, else as dialled in `region`.

    "not_canonical" means valid, but libphonenumber's E.164 form differs from '+' and the
    digits as typed (a national trunk 0 kept after the country code: +44 020 …).

    An international number is answered from the judgement of an earlier number with the same
    country code, length and deciding prefix when `checks.fast` proves that is exact.
    """
    if not fast.enabled():
        return judge_plain(digits, region)
    if region is None:
        known = fast.judge_international(digits)
        if known is not None:
            return known  # type: ignore[return-value]
    return judge_cached(digits, region)


def judge_plain(digits: str, region: str | None = None) -> Judgement:
    """judge() with phonenumbers' public API only, uncached: the oracle of the fast path."""
    too_many = f"it has more than the {E164_MAX_DIGITS} digits E.164 allows"
    if region is None and len(digits) > E164_MAX_DIGITS:
        return Judgement("bad_length", reason=too_many)
    try:
        number = phonenumbers.parse(("+" + digits) if region is None else digits, region)
    except NumberParseException as error:
        if error.error_type == NumberParseException.INVALID_COUNTRY_CODE:
            return Judgement("unknown_code")
        if error.error_type == NumberParseException.TOO_LONG:
            return Judgement("bad_length", reason="it is too long")
        return Judgement("bad_length", reason="it is too short")
    number_region = phonenumbers.region_code_for_country_code(number.country_code)
    if number_region == "ZZ":
        return Judgement("unknown_code")
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    if len(e164) - 1 > E164_MAX_DIGITS:
        return Judgement("bad_length", e164, number_region, too_many)
    label = "a non-geographic" if number_region == "001" else f"a {number_region}"
    possible = phonenumbers.is_possible_number_with_reason(number)
    reason = {
        ValidationResult.TOO_LONG: f"it is too long for {label} number",
        ValidationResult.TOO_SHORT: f"it is too short for {label} number",
        ValidationResult.IS_POSSIBLE_LOCAL_ONLY: (
            f"it is too short for {label} number: the area code seems to be missing"
        ),
        ValidationResult.INVALID_LENGTH: f"{label} number never has that many digits",
    }.get(possible)
    if reason is not None:
        return Judgement("bad_length", e164, number_region, reason)
    if possible != ValidationResult.IS_POSSIBLE:
        return Judgement("unknown_code")
    if not phonenumbers.is_valid_number(number):
        return Judgement("invalid", e164, number_region)
    if region is None and e164 != "+" + digits:
        return Judgement("not_canonical", e164, number_region)
    return Judgement("valid", e164, number_region)


# judge_plain, remembered: what judge() asks when the prefix shortcut does not answer.
judge_cached = lru_cache(maxsize=65536)(judge_plain)


@dataclass(frozen=True, slots=True)
class Shape:
    """The parts of a raw phone value that the rules reason about."""

    blank_only: bool = False
    spreadsheet: Literal["scientific", "decimal"] | None = None
    extras: tuple[str, ...] = ()  # what does not belong in a number at all (P005), in words
    lead: Literal["+", "@", ""] = ""  # what stands before the first digit
    digits: str = ""  # the ASCII digits as typed, a written "(0)" trunk left out
    trunk_digits: str | None = None  # the digits with that "(0)", when one was written
    removable: tuple[str, ...] = ()  # whitespace, separators, tel: (P002), in words

    @property
    def clean(self) -> bool:
        """Only a lead, digits and removable decoration: no damage, letters or symbols."""
        return not self.blank_only and self.spreadsheet is None and not self.extras


@lru_cache(maxsize=256)  # the chain asks about the same value several times in a row
def shape_of(value: str) -> Shape:
    """Take a raw value apart: damage, extras, the lead before the digits, the digits."""
    core = strip_blanks(value)
    if not core:
        return Shape(blank_only=True)
    blanks = []
    if has_blank(value):
        blanks.append(f"{where_blanks(value)} whitespace ({describe_blanks(value)})")
    tel = []
    if core[:4].casefold() == "tel:":
        tel.append("a 'tel:' prefix")
        core = strip_blanks(core[4:])
    compact = remove_blanks(core)
    if _SCIENTIFIC.fullmatch(compact):
        return Shape(spreadsheet="scientific")
    if _DECIMAL.fullmatch(compact):
        return Shape(spreadsheet="decimal")

    extras: list[str] = []
    extension = _EXTENSION.search(compact)
    if extension:
        extras.append("an extension")
        compact = compact[: extension.start()]
    lead: Literal["+", "@", ""] = ""
    if compact[:1] in ("+", "@"):
        lead = "+" if compact[0] == "+" else "@"
        compact = compact[1:]
    trunk_digits = None
    trunk = _TRUNK.match(compact)
    code = trunk.group(1) if trunk else None
    if trunk and (not code or int(code) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE):
        trunk_digits = "".join(c for c in compact if "0" <= c <= "9")
        compact = compact[: trunk.end() - 3] + compact[trunk.end() :]

    digits: list[str] = []
    separators: list[str] = []
    for char in compact:
        if "0" <= char <= "9":
            digits.append(char)
            continue
        if char in _SEPARATORS:
            kind = _SEPARATORS[char]
            if kind not in separators:
                separators.append(kind)
            continue
        if char == "+":
            kind = "a '+' that is not the first character"
        elif char.isalpha():
            kind = "letters"
        elif char.isdigit():
            kind = "digits other than 0-9"
        else:
            kind = f"the character {unicodedata.name(char, f'U+{ord(char):04X}').lower()}"
        if kind not in extras:
            extras.append(kind)
    trunk = ["the trunk prefix (0)"] if trunk_digits is not None else []
    return Shape(
        extras=tuple(extras),
        lead=lead,
        digits="".join(digits),
        trunk_digits=trunk_digits,
        removable=(*blanks, *tel, *separators, *trunk),
    )


def international(shape: Shape) -> tuple[str, Judgement]:
    """The digits after the '+' and their judgement; a written "(0)" is kept only if needed.

    In Italy the 0 after +39 belongs to the number, so "(0)" there is kept when only the
    digits with it make a valid number.
    """
    judgement = judge(shape.digits)
    if shape.trunk_digits is not None and judgement.status != "valid":
        with_trunk = judge(shape.trunk_digits)
        if with_trunk.status == "valid":
            return shape.trunk_digits, with_trunk
    return shape.digits, judgement


def user_region(record: UserRecord, ctx: CheckContext) -> tuple[str | None, str]:
    """The region to complete national numbers with, and where it came from, for messages."""
    region = record.region
    if region is not None:
        own = (record.usage_location or "").strip().upper() == region
        where = f"the user's {'usage location' if own else 'country'}"
        if region not in phonenumbers.SUPPORTED_REGIONS:
            # Kept, not replaced by the default region: the user is known to be elsewhere, and
            # another country's code would be a wrong guess. The message says what to correct.
            known = "; the United Kingdom's is GB" if region == "UK" else ""
            where += f", which is not an ISO 3166 country code{known}"
        return region, where
    if ctx.default_region:
        return ctx.default_region.strip().upper(), "the default region"
    return None, ""


def _words(parts: tuple[str, ...] | list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _also_remove(shape: Shape) -> str:
    return f"; it also contains {_words(shape.removable)}, which must go" if shape.removable else ""


def _lead_plus(value: str | None) -> Shape | None:
    """The shape of a value written with a leading '+' and nothing but digits and separators."""
    if not value or _FAST_E164.fullmatch(value):
        return None
    shape = shape_of(value)
    return shape if shape.clean and shape.lead == "+" else None


def _plain_international(value: str | None) -> Judgement | None:
    """The judgement of a value that meets the vendor format exactly ('+' and digits only)."""
    if not value or value[0] != "+" or not value[1:].isascii() or not value[1:].isdigit():
        return None
    return judge(value[1:])


@rule("P006", Severity.ERROR, scope="user", attributes=PHONE, exclusive=True)
def p006_spreadsheet_number(
    value: str | None, record: UserRecord, ctx: CheckContext
) -> Issue | None:
    """The phone number was turned into a number by a spreadsheet.

    Opening an export in Excel (or reading it as numbers) makes `+4798765432` into
    `4.79877E+09` (or `4,79877E+09` with a comma as decimal mark), or a float such as
    `4798765432.0`. In scientific notation the last digits are gone; in every case the `+`
    and leading zeros are. Motimate would refuse the value, and nothing here can rebuild it.

    Fix: none automatic. Look the number up in Entra: if it is correct there, only this export
    was damaged — export again without opening the file in a spreadsheet (or import the column
    as text). If Entra holds the damaged value, re-enter the number as `+4798765432`.
    """
    if not value or _FAST_E164.fullmatch(value):
        return None
    shape = shape_of(value)
    if shape.spreadsheet == "scientific":
        return Issue(
            "Phone number was turned into scientific notation by a spreadsheet: its last digits "
            "are lost. Check the number in Entra; if it is right there, export again without "
            "opening the file in a spreadsheet, otherwise re-enter it as '+', country code and "
            "digits"
        )
    if shape.spreadsheet == "decimal":
        return Issue(
            "Phone number was turned into a decimal number by a spreadsheet (the leading '+' "
            "and zeros are lost). Check the number in Entra; if it is right there, export again "
            "without converting the column to numbers, otherwise re-enter it as '+', country "
            "code and digits"
        )
    return None


@rule("P005", Severity.ERROR, scope="user", attributes=PHONE, exclusive=True)
def p005_letters_or_extension(
    value: str | None, record: UserRecord, ctx: CheckContext
) -> Issue | None:
    """The phone number contains letters, an extension or other characters.

    Motimate accepts `+`, the country code and digits, nothing else, and has no field for an
    extension. Bad: `+4798765432 x123`, `+47 987 65 432 ext 12`, `+4798765432;ext=12`,
    `+4798765432#12`, `Mob: +4798765432`, `+4798765432 / +4712345678` (two numbers).
    Good: `+4798765432`.

    Fix: none automatic — which digits are the number is a guess. Keep only the number in
    mobile (move an extension to another attribute, keep one number per user).
    """
    if not value or _FAST_E164.fullmatch(value):
        return None
    shape = shape_of(value)
    if shape.blank_only or shape.spreadsheet is not None or not shape.extras:
        return None
    if "an extension" in shape.extras:
        advice = (
            " and has no extension field: keep only the number in mobile and move the extension "
            "elsewhere"
        )
    else:
        advice = ": remove everything that is not part of the number"
    return Issue(
        f"Phone number contains {_words(shape.extras)}; Motimate accepts only '+', the country "
        f"code and digits{advice}"
    )


@rule("P002", Severity.ERROR, scope="user", attributes=PHONE, exclusive=True)
def p002_separators(value: str | None, record: UserRecord, ctx: CheckContext) -> Issue | None:
    """The phone number has separators, whitespace or a `tel:` prefix around a correct number.

    The guide: a phone number "should not contain any whitespace characters" — `+`, country
    code and digits only. Bad: `+47 987 65 432` (the format Entra's own MFA docs use),
    `+47-987-65-432`, `+47.987.65.432`, `+47 (0) 98765432`, `+1 (202) 555-0143`,
    `tel:+4798765432`, a no-break space, zero-width or bidi marks pasted along, and a value of
    only whitespace. Good: `+4798765432`.

    The rule fires only when, without the decoration, the number has a known country code and a
    possible length; otherwise P003 or P004 names the bigger problem.

    Fix (certain): the same digits without the decoration; a written trunk prefix `(0)` is
    dropped (`+44 (0)20 7946 0958` → `+442079460958`), unless only the digits with it form a
    valid number (Italy). The digits are kept as typed even when libphonenumber does not know
    them as valid (then the message says so, and P007 will warn about the fixed value). When
    libphonenumber also drops an unbracketed trunk 0 (`+44 020 7946 0958`), the fix is its E.164
    form and only probable. A value of only whitespace: clear the field (fix: empty).
    """
    if not value or _FAST_E164.fullmatch(value):
        return None
    shape = shape_of(value)
    if shape.blank_only:
        return Issue(
            "Phone number is only whitespace: clear the field (the user then simply has no "
            "mobile number in Motimate)",
            "",
            "certain",
        )
    if not shape.clean or shape.lead != "+" or not shape.removable:
        return None
    digits, judgement = international(shape)
    kinds = list(shape.removable)
    if digits == shape.trunk_digits:  # the 0 belongs to the number: only the brackets go
        kinds.remove("the trunk prefix (0)")
        if "parentheses" not in kinds:
            kinds.append("parentheses")
    message = (
        f"Phone number contains {_words(kinds)}; Motimate accepts only '+', the country code "
        "and digits with nothing between them: remove them"
    )
    if judgement.status == "valid":
        return Issue(message, "+" + digits, "certain")
    if judgement.status == "not_canonical":
        return Issue(
            message + ", and drop the national trunk prefix 0 after the country code",
            judgement.e164,
            "probable",
        )
    if judgement.status == "invalid":
        return Issue(
            message + f". The number is not valid in {judgement.region}'s numbering plan "
            "either: check it with the user",
            "+" + digits,
            "certain",
        )
    return None


def _missing_plus_fix(shape: Shape, region: str | None, source: str) -> Issue:
    """The P001 issue: how the number could be completed, and whether that is safe."""
    message = (
        "Phone number has no leading '+' and country code; Motimate needs '+', the country code "
        "and digits"
    )
    if not shape.digits:
        return Issue(
            message + ". It has no digits at all: clear the field if the user has no mobile number"
        )
    if not shape.clean:
        return Issue(message + ". It also contains other characters: correct it in Entra")
    digits = shape.digits
    if digits.startswith("00"):
        judgement = judge(digits[2:])
        if judgement.status == "valid":
            return Issue(
                message + ": the leading 00 is the international prefix, replace it with '+'",
                judgement.e164,
                "certain",
            )
        return Issue(
            message
            + ": after the international prefix 00 it is not a valid number; correct it in Entra"
        )

    as_dialled = judge(digits, region) if region else None
    as_international = judge(digits) if not digits.startswith("0") else None
    national_ok = as_dialled is not None and as_dialled.status == "valid"
    international_ok = as_international is not None and as_international.status == "valid"
    if shape.lead == "@":
        message += ": the '@' stands where the '+' belongs"
    if national_ok and international_ok and as_dialled.e164 != as_international.e164:
        return Issue(
            message + f"; it is valid both as a number in {region} and as an international "
            "number, so it cannot be completed safely: correct it in Entra"
        )
    if national_ok:
        if as_international is not None and as_dialled.e164 == as_international.e164:
            how = (
                f"; its digits begin with the country code of {source} ({region}): add '+' in front"
            )
        else:
            how = f"; the fix adds the country code of {source} ({region})"
        return Issue(message + how, as_dialled.e164, "probable")
    if international_ok and region is None:
        return Issue(
            message + "; its digits begin with a valid country code and no region is known to "
            "read it otherwise: add '+' in front",
            as_international.e164,
            "probable",
        )
    if international_ok:
        return Issue(
            message + f"; it is not a valid number in {region} ({source}), but with '+' in front "
            f"it reads as a valid number from {as_international.region}: check with the user "
            "and correct mobile in Entra"
        )
    if region is None:
        return Issue(
            message + "; no usage location, country or default region is known to complete it, "
            "and it is not valid as an international number: add '+' and the country code in Entra"
        )
    return Issue(
        message + f"; it is not a valid number in {region} ({source}) nor as an international "
        "number: correct it in Entra"
    )


@rule("P001", Severity.ERROR, scope="user", attributes=PHONE, exclusive=True)
def p001_missing_plus(value: str | None, record: UserRecord, ctx: CheckContext) -> Issue | None:
    """The phone number does not start with `+` and the country code.

    The guide: phone numbers "must start with "+" and the country code", and names as invalid
    `99999999`, `004799999999`, `4799999999` and `@4799999999`. A value that also has spaces
    (`987 65 432`, `0047 987 65 432`) lands here: the missing country code is the bigger problem.

    Fix, only when the result is a valid number:
    - `00` international prefix → `+` (certain): `004799999999` → `+4799999999`.
    - a national number completed with the user's region — usage location, else country, else
      `--region` (probable): `98765432` in NO → `+4798765432`, `020 7946 0958` in GB →
      `+442079460958`.
    - a country code typed without `+`, or with `@` in its place (probable), when the digits are
      a valid international number and either agree with the user's region or no region is
      known: `4799999999` → `+4799999999`.
    No fix when the two readings give different valid numbers, when no region is known and the
    digits are no valid international number (`98765432` alone), or when the region disagrees:
    `12025550143` for a user in NO is not `+4712025550143` (invalid), and although it reads as
    the US number `+12025550143`, that is not suggested — the message says so, a person decides.
    """
    if not value or _FAST_E164.fullmatch(value):
        return None
    shape = shape_of(value)
    if shape.blank_only or shape.lead == "+":
        return None
    region, source = user_region(record, ctx)
    return _missing_plus_fix(shape, region, source)


@rule("P003", Severity.ERROR, scope="user", attributes=PHONE, exclusive=True)
def p003_unknown_country_code(
    value: str | None, record: UserRecord, ctx: CheckContext
) -> Issue | None:
    """The phone number's country calling code does not exist.

    After the `+` must come an assigned country calling code. Bad: `+999123456`, `+0047…`
    (a `+` typed in front of the international prefix `00`). Good: `+4798765432`.

    Fix: for `+00…`, the number without the `00` when that is valid (probable); otherwise none —
    check the number with the user.
    """
    shape = None
    digits = value[1:] if value else ""
    judgement = _plain_international(value)
    if judgement is None:
        shape = _lead_plus(value)
        if shape is None:
            return None
        digits, judgement = international(shape)
    if judgement.status != "unknown_code":
        return None
    also = _also_remove(shape) if shape else ""
    message = "Phone number has no known country calling code after the '+'"
    if digits.startswith("00"):
        after = judge(digits[2:])
        if after.status == "valid":
            return Issue(
                f"{message}: a '+' was typed in front of the international prefix 00; drop the "
                f"00{also}",
                after.e164,
                "probable",
            )
    return Issue(f"{message}: check the number with the user{also}")


@rule("P004", Severity.ERROR, scope="user", attributes=PHONE, exclusive=True)
def p004_impossible_length(
    value: str | None, record: UserRecord, ctx: CheckContext
) -> Issue | None:
    """The phone number is too long or too short for E.164 or for its country.

    E.164 allows at most 15 digits after the `+`, and each country has its own lengths; a
    number outside them cannot be dialled. Bad: `+47987654321234567` (17 digits), `+479877`,
    `+1202555` (US number without its last digits). Good: `+4798765432`, `+12025550143`.

    Fix: none automatic — digits are missing or extra; check the number with the user.
    """
    judgement = _plain_international(value)
    shape = None
    if judgement is None:
        shape = _lead_plus(value)
        if shape is None:
            return None
        judgement = international(shape)[1]
    if judgement.status != "bad_length":
        return None
    also = _also_remove(shape) if shape else ""
    return Issue(
        f"Phone number has an impossible length: {judgement.reason}; check the number with the "
        f"user{also}"
    )


@rule("P007", Severity.WARNING, scope="user", attributes=PHONE, exclusive=True)
def p007_not_valid_in_country(
    value: str | None, record: UserRecord, ctx: CheckContext
) -> Issue | None:
    """The phone number meets Motimate's format but is not valid in its country's numbering plan.

    Motimate checks the format only (`+`, country code, digits), so the user syncs; but
    libphonenumber knows no such number, so SMS or calls will probably not reach it. Example:
    `+4700000000`, the guide's own example, syncs fine. Also here: a number written with its
    national trunk 0 after the country code (`+4402079460958`), which libphonenumber reads as
    `+442079460958`.

    Fix: the E.164 form without the trunk 0 (probable); otherwise none — check the number with
    the user.
    """
    judgement = _plain_international(value)
    if judgement is None:
        return None
    if judgement.status == "invalid":
        return Issue(
            f"Phone number meets Motimate's format but is not a valid number in "
            f"{judgement.region}'s numbering plan: check it with the user"
        )
    if judgement.status == "not_canonical":
        return Issue(
            "Phone number meets Motimate's format, but the 0 after the country code is a national "
            "trunk prefix that is not dialled from abroad: drop it",
            judgement.e164,
            "probable",
        )
    return None
