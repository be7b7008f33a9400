"""Realistic synthetic user exports of any size, deterministic by seed, written as a stream.

    python bench/generate.py --users 1000000 --format csv  --out /tmp/users-1m.csv
    python bench/generate.py --users 1000000 --format json --out /tmp/users-1m.json

`csv` is the Entra admin center "Download users" file (the current 29 headers, UTF-8 with a
BOM, CRLF, quoted only where needed); `json` is Graph `/users` pages of 999 users, one after
the other, as `Get-MgUser`/paging scripts save them. The same seed gives the same users in both.

What is in it (per user, independently drawn): ~10 % phone numbers broken in many shapes
(spaces, no '+', '00', spreadsheet damage, extensions, letters, unknown country codes, wrong
lengths, trunk 0, only whitespace), ~8 % empty phones, some empty mail/givenName, ~3 % guests
(`#EXT#` UPNs), ~0.5 % case-only duplicate UPN/mail of an earlier user, names with ø/å/ä/ß/é,
job titles with quoted commas and case/space variants, multi-line street addresses, and a few
(~0.01 %) rows with an unquoted comma that breaks the column count.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import uuid
from collections.abc import Iterator
from typing import TextIO

HEADER = [
    "id",
    "userPrincipalName",
    "displayName",
    "surname",
    "mail",
    "givenName",
    "userType",
    "jobTitle",
    "department",
    "accountEnabled",
    "usageLocation",
    "streetAddress",
    "state",
    "country",
    "officeLocation",
    "city",
    "postalCode",
    "telephoneNumber",
    "mobilePhone",
    "alternateEmailAddress",
    "ageGroup",
    "consentProvidedForMinor",
    "legalAgeGroupClassification",
    "companyName",
    "creationType",
    "directorySynced",
    "invitationState",
    "identityIssuer",
    "createdDateTime",
]

GIVEN = [
    "Kari",
    "Ola",
    "Åse",
    "Bjørn",
    "Øystein",
    "Ingrid",
    "Sigrid",
    "Lars",
    "Jürgen",
    "Björn",
    "Märta",
    "Åsa",
    "Søren",
    "Mette",
    "Jörg",
    "Anneliese",
    "Renée",
    "José",
    "Zoë",
    "Ruth",
    "Émile",
    "Chloé",
    "Mohammed",
    "Aisha",
    "Tomasz",
    "Agnieszka",
    "Ji-ho",
    "Li",
    "Nils",
    "Fredrik",
    "Kristin",
    "Heidi",
    "Maja",
    "Håkon",
    "Eirik",
    "Sofía",
    "Günther",
    "Frida",
]
SURNAME = [
    "Nordmann",
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Berg",
    "Haugen",
    "Hagen",
    "Johannessen",
    "Andreassen",
    "Jacobsen",
    "Dahl",
    "Jørgensen",
    "Halvorsen",
    "Lægreid",
    "Strauß",
    "Müller",
    "Weiß",
    "Größer",
    "Schäfer",
    "Åkesson",
    "Öberg",
    "Lindström",
    "Ødegård",
    "Sæther",
    "Bræk",
    "O'Brien",
    "Nowak",
    "Kowalski",
    "Dubois",
    "García",
]
TITLES = (
    "Daglig leder",
    "Lagerarbeider",
    "Butikkmedarbeider",
    "Sales Manager",
    "Head of Sales, Nordics",
    "Engineer, Backend",
    "Konsulent",
    "HR-rådgiver",
    "Økonomisjef",
    "Sjåfør",
    "Kundebehandler",
    "Teamleder",
    "Prosjektleder",
    "Software Engineer",
    "Vice President, Finance",
    "Geschäftsführer",
    "",
)
# Spellings that T001 should flag: case and spacing variants of a common title.
TITLE_VARIANTS = ("sales manager", "Sales  Manager", "SALES MANAGER", "Teamleder ", "teamleder")
DEPARTMENTS = ("Ledelse", "Lager", "Butikk", "Salg", "IT", "HR", "Økonomi", "Kundeservice", "")
DOMAINS = ("example.com", "example.no", "eksempel.no", "contoso.com", "fabrikam.se", "exämple.de")
DOMAIN_WEIGHTS = (30, 30, 15, 15, 9, 1)  # an internationalised domain is rare

# region → (country name, calling code, mobile national-number generator)
REGIONS: dict[str, tuple[str, str, str]] = {
    "NO": ("Norway", "47", "9#######"),
    "SE": ("Sweden", "46", "70#######"),
    "DK": ("Denmark", "45", "2#######"),
    "DE": ("Germany", "49", "151########"),
    "GB": ("United Kingdom", "44", "79########"),
    "FI": ("Finland", "358", "40#######"),
    "US": ("United States", "1", "20255501##"),
    "PL": ("Poland", "48", "60#######"),
}
REGION_WEIGHTS = (50, 15, 8, 8, 6, 5, 5, 3)
_ASCII_FOLD = str.maketrans(
    {"ø": "o", "å": "a", "æ": "ae", "ä": "a", "ö": "o", "ü": "u", "ß": "ss", "é": "e", "ë": "e"}
    | {"í": "i", "ó": "o", "á": "a"}
)


def _digits(pattern: str, rnd: random.Random) -> str:
    return "".join(str(rnd.randrange(10)) if c == "#" else c for c in pattern)


def broken_phone(rnd: random.Random, code: str, national: str) -> str:
    """A damaged mobile number: each shape a real export has been seen to contain."""
    e164 = f"+{code}{national}"
    shape = rnd.randrange(20)
    if shape == 0:
        return f"+{code} {national[:3]} {national[3:5]} {national[5:]}"
    if shape == 1:
        return national  # national number without country code
    if shape == 2:
        return f"00{code}{national}"
    if shape == 3:
        return f"{code}{national}"
    if shape == 4:
        return f"{int(code + national):.5E}".replace("E+0", "E+")  # spreadsheet
    if shape == 5:
        return f"{code}{national}.0"
    if shape == 6:
        return f"{e164} ext {rnd.randrange(10, 999)}"
    if shape == 7:
        return f"Mob: {e164}"
    if shape == 8:
        return f"+999{national}"  # unknown country code
    if shape == 9:
        return e164[:-3]  # too short
    if shape == 10:
        return e164 + "12345678"  # too long
    if shape == 11:
        return f"+{code}0{national}"  # trunk 0 kept
    if shape == 12:
        return f"+{code}-{national[:3]}-{national[3:]}"
    if shape == 13:
        return f" {e164}"
    if shape == 14:
        return f"+{code}0000000"  # format ok, not valid in the country
    if shape == 15:
        return "\u00a0"
    if shape == 16:
        return f"@{code}{national}"
    if shape == 17:
        return f"tel:{e164}"
    if shape == 18:
        return f"+{code} (0) {national}"
    return f"{e164} / +{code}{_digits('4#######', rnd)}"


def users(count: int, seed: int) -> Iterator[dict[str, str]]:
    """`count` users as Entra portal rows (header → text), drawn from `seed`."""
    rnd = random.Random(seed)
    regions = list(REGIONS)
    recent: list[tuple[str, str]] = []  # (upn, mail) of recent users, for duplicates
    for index in range(count):
        region = rnd.choices(regions, REGION_WEIGHTS)[0]
        country, code, pattern = REGIONS[region]
        given = rnd.choice(GIVEN)
        surname = rnd.choice(SURNAME)
        domain = rnd.choices(DOMAINS, DOMAIN_WEIGHTS)[0]
        local = f"{given}.{surname}{index}".lower().replace("'", "")
        if rnd.random() > 0.005:  # Entra UPNs are nearly always ASCII; a few are not
            local = local.translate(_ASCII_FOLD)
        guest = rnd.random() < 0.03
        if guest:
            upn = f"{local}_{domain}#EXT#@tenant.onmicrosoft.com"
            mail = f"{local}@{domain}"
        else:
            upn = f"{local}@{domain}"
            mail = upn
        draw = rnd.random()
        if draw < 0.005 and recent:
            # A case-only duplicate of an earlier user (U003/E004).
            upn, mail = (s.upper() if rnd.random() < 0.5 else s.title() for s in rnd.choice(recent))
        elif draw < 0.01:
            mail = rnd.choice(("", f"{local}@@{domain}", f"{local}@{domain.split('.')[0]}", "  "))
        elif draw < 0.015:
            mail = f" {mail}"
        if len(recent) < 1000:
            recent.append((upn, mail))
        elif rnd.random() < 0.01:
            recent[rnd.randrange(1000)] = (upn, mail)

        national = _digits(pattern, rnd)
        draw = rnd.random()
        if draw < 0.08:
            mobile = ""
        elif draw < 0.18:
            mobile = broken_phone(rnd, code, national)
        else:
            mobile = f"+{code}{national}"
        draw = rnd.random()
        title = rnd.choice(TITLE_VARIANTS) if draw < 0.01 else rnd.choice(TITLES)
        street = f"{rnd.choice(SURNAME)}veien {rnd.randrange(1, 200)}"
        if rnd.random() < 0.01:
            street += "\nPostboks " + str(rnd.randrange(1, 999))
        object_id = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
        if rnd.random() < 0.001:
            object_id = object_id.upper()[:-2]  # X002
        yield {
            "id": object_id,
            "userPrincipalName": upn,
            "displayName": f"{given} {surname}",
            "surname": surname if rnd.random() > 0.01 else "",
            "mail": mail,
            "givenName": given if rnd.random() > 0.01 else "",
            "userType": "Guest" if guest else "Member",
            "jobTitle": title,
            "department": rnd.choice(DEPARTMENTS),
            "accountEnabled": "False" if rnd.random() < 0.05 else "True",
            "usageLocation": region if rnd.random() > 0.05 else "",
            "streetAddress": street,
            "state": "",
            "country": country,
            "officeLocation": "",
            "city": "Oslo" if region == "NO" else "",
            "postalCode": f"{rnd.randrange(1000, 9999)}",
            "telephoneNumber": "" if rnd.random() < 0.7 else f"+{code} 22 00 00 {index % 100:02d}",
            "mobilePhone": mobile,
            "alternateEmailAddress": "",
            "ageGroup": "",
            "consentProvidedForMinor": "",
            "legalAgeGroupClassification": "",
            "companyName": "Eksempel AS",
            "creationType": "Invitation" if guest else "",
            "directorySynced": "True" if rnd.random() < 0.3 else "",
            "invitationState": "Accepted" if guest else "",
            "identityIssuer": domain,
            "createdDateTime": f"2024-{1 + index % 12:02d}-{1 + index % 28:02d}T08:15:00Z",
        }


def _csv_cell(text: str) -> str:
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_csv(out: TextIO, count: int, seed: int) -> None:
    """The Entra portal download: BOM, CRLF, minimal quoting; a few rows with a stray comma."""
    rnd = random.Random(seed ^ 0x5EED)
    out.write("\ufeff" + ",".join(HEADER) + "\r\n")
    lines: list[str] = []
    for user in users(count, seed):
        cells = [_csv_cell(user[h]) for h in HEADER]
        if rnd.random() < 0.0001:
            cells[8] = user["department"] + ", Oslo"  # unquoted comma: F004
        lines.append(",".join(cells))
        if len(lines) == 1000:
            out.write("\r\n".join(lines) + "\r\n")
            lines.clear()
    if lines:
        out.write("\r\n".join(lines) + "\r\n")


GRAPH_KEYS = (
    "id",
    "userPrincipalName",
    "displayName",
    "surname",
    "mail",
    "givenName",
    "userType",
    "jobTitle",
    "department",
    "accountEnabled",
    "usageLocation",
    "country",
    "city",
    "mobilePhone",
    "businessPhones",
    "onPremisesSyncEnabled",
    "createdDateTime",
)


def _graph_user(user: dict[str, str]) -> dict[str, object]:
    def text(header: str) -> str | None:
        return user[header] or None

    return {
        "id": user["id"],
        "userPrincipalName": user["userPrincipalName"],
        "displayName": user["displayName"],
        "surname": text("surname"),
        "mail": text("mail"),
        "givenName": text("givenName"),
        "userType": user["userType"],
        "jobTitle": text("jobTitle"),
        "department": text("department"),
        "accountEnabled": user["accountEnabled"] == "True",
        "usageLocation": text("usageLocation"),
        "country": text("country"),
        "city": text("city"),
        "mobilePhone": text("mobilePhone"),
        "businessPhones": [user["telephoneNumber"]] if user["telephoneNumber"] else [],
        "onPremisesSyncEnabled": True if user["directorySynced"] else None,
        "createdDateTime": user["createdDateTime"],
    }


def write_graph_json(out: TextIO, count: int, seed: int, page_size: int = 999) -> None:
    """Graph `/users` pages of `page_size`, one JSON document per page, one after the other."""
    page: list[str] = []
    pages = 0

    def flush(last: bool) -> None:
        nonlocal pages
        pages += 1
        link = (
            ""
            if last
            else f',\n  "@odata.nextLink": "https://graph.microsoft.com/v1.0/users?$skiptoken=p{pages}"'
        )
        out.write(
            '{\n  "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users",\n'
            '  "value": [\n    ' + ",\n    ".join(page) + f"\n  ]{link}\n}}\n"
        )
        page.clear()

    for written, user in enumerate(users(count, seed), start=1):
        page.append(json.dumps(_graph_user(user), ensure_ascii=False))
        if len(page) == page_size:
            flush(written == count)
    if page:
        flush(True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--format", choices=("csv", "json"), default="csv")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--out", default="-", help="file to write (default: stdout)")
    args = parser.parse_args(argv)
    writer = write_csv if args.format == "csv" else write_graph_json
    if args.out == "-":
        sys.stdout.reconfigure(encoding="utf-8", newline="")
        writer(sys.stdout, args.users, args.seed)
    else:
        with open(args.out, "w", encoding="utf-8", newline="") as out:
            writer(out, args.users, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
