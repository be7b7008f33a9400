"""Build the sample exports in this directory, byte for byte, from the people listed below.

    python sample_exports/make_samples.py

Every person is synthetic: names are common Nordic/German names, domains are example.com /
example.org / example.net, and phone numbers come from ranges no subscriber has (Norwegian
mobiles +47 4xx xx xxx / 9xx xx xxx that libphonenumber accepts as valid but that are made up
here, the UK drama range 07700 900xxx, US 555-01xx). GUIDs are uuid5 of the user's key, so the
files are reproducible. Each writer copies a real tool's habits (quoting, BOM, line ends,
encoding, `#TYPE` line); README.md lists what each file has planted in it.
"""

from __future__ import annotations

import codecs
import json
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
_NAMESPACE = uuid.UUID("6f1c1a52-3c4e-4a4e-9a51-6d6f74697363")


def guid(key: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, key))


@dataclass(frozen=True)
class Person:
    key: str
    given: str
    surname: str
    upn: str
    mail: str
    mobile: str = ""
    title: str = "Konsulent"
    department: str = "Drift"
    usage: str = "NO"
    country: str = "Norway"
    city: str = "Oslo"
    telephone: str = ""  # business phone: never mapped, never checked
    enabled: bool = True
    user_type: str = "Member"
    synced: bool = False
    display: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def object_id(self) -> str:
        return guid(self.key)

    @property
    def display_name(self) -> str:
        if self.display is not None:
            return self.display
        return f"{self.given} {self.surname}".strip()


# ---- the main sample: an Entra admin center download with the usual problems -----------------

MAIN: list[Person] = [
    Person("kari", "Kari", "Nordmann", "kari.nordmann@example.com", "kari.nordmann@example.com",
           mobile="+4741234567", title="Daglig leder", department="Ledelse",
           telephone="22 00 00 01", synced=True),
    Person("ola", "Ola", "Nordmann", "ola.nordmann@example.com", "ola.nordmann@example.com",
           mobile="98765432", title="Lagerarbeider", department="Lager"),  # P001, fix +47…
    Person("jorgen", "Jørgen", "Bråthen", "jorgen.brathen@example.com",
           "jorgen.brathen@example.com", mobile="+47 987 65 431", title="Sjåfør",
           department="Transport"),  # P002, fix +4798765431
    Person("ase", "Åse", "Ødegård", "ase.odegard@example.com", "ase.odegard@example.com",
           mobile="004741234568", title="Regnskapsfører", department="Økonomi",
           city="Bergen"),  # P001 (00 instead of +)
    Person("bjorn", "Björn", "Lindqvist", "bjorn.lindqvist@example.com",
           "bjorn.lindqvist@example.com", mobile="+46701234567", title="Säljare",
           department="Försäljning", usage="SE", country="Sweden", city="Göteborg"),  # clean
    Person("sofia", "Sofia", "Lindqvist", "sofia.lindqvist@example.com",
           "sofia.lindqvist@example.com ", mobile="+46731234567", title="Ekonom",
           department="Ekonomi", usage="SE", country="Sweden", city="Malmö"),  # E002
    Person("jurgen", "Jürgen", "Weiß", "juergen.weiss@example.com", "juergen.weiss@example.com",
           mobile="+49 (0) 151 23456789", title="Außendienst", department="Vertrieb",
           usage="DE", country="Germany", city="Hamburg"),  # P002, fix +4915123456789
    Person("nils", "Nils", "Haugen", "nils.haugen@example.com", "nils.haugen@example.com",
           mobile="4.79877E+09", title="Tekniker", department="Service"),  # P006, no fix
    Person("ingrid", "Ingrid", "Haugen", "ingrid.haugen@example.com", "ingrid.haugen@example",
           mobile="+4792345678", title="Tekniker", department="Service"),  # E001
    Person("per", "Per", "Hansen", "Per.Hansen@example.com", "per.hansen@example.com",
           mobile="+4741234570", title="Butikksjef", department="Butikk"),  # U003 with per2
    Person("per2", "Per", "Hansen", "per.hansen@example.com", "per.hansen2@example.com",
           mobile="+4741234571", title="Butikkmedarbeider", department="Butikk",
           city="Trondheim"),  # U003 with per (same UPN but for case); E004? no: mails differ
    Person("lars", "Lars", "Eriksen", "lars.eriksen@example.com ", "lars.eriksen@example.com",
           mobile="+4741234572", title="Lærling", department="Verksted"),  # U002
    Person("anna", "", "", "anna.svensson_example.org#EXT#@example.com",
           "anna.svensson@example.org", title="", department="", usage="", country="", city="",
           user_type="Guest", display="Anna Svensson"),  # U004, N001 (given and surname)
    Person("mette", "Mette", "Dahl", "mette.dahl@example.com", "",
           mobile="+4741234573", title="Renholder", department="Drift"),  # E003
    Person("terje", "Terje", "Solberg", "terje.solberg@example.com", "terje.solberg@example.com",
           mobile="+4741234574", title="Pensjonist", department="Drift",
           enabled=False),  # A001
    Person("henrik", "Henrik", "Strand", "henrik.strand@example.com",
           "henrik.strand@example.com", mobile="+4741234575",
           title="Head of Sales, Nordics", department="Salg"),  # F004: unquoted comma
    Person("soren", "SÃ¸ren", "Kristensen", "soren.kristensen@example.com",
           "soren.kristensen@example.com", mobile="+4741234576", title="Kokk",
           department="Kantine"),  # N004, fix Søren
    Person("frida", "Frida", "Berg", "frida.berg@example.com", "frida.berg@example.com",
           mobile="+4741234577", title="=SUM(A1)", department="Økonomi"),  # N003
    Person("marit", "Marit", "Johansen", "marit.johansen@example.com",
           "marit.johansen@example.com", mobile="+4741234578", title="Sales manager",
           department="Salg"),  # T001 with emil
    Person("emil", "Emil", "Nilsen", "emil.nilsen@example.com", "emil.nilsen@example.com",
           mobile="+4741234579", title="Sales Manager", department="Salg"),  # T001
    Person("liv", "Liv", "Andersen", "liv.andersen@example.com", "liv.andersen@example.com",
           mobile="+4700000000", title="Resepsjonist", department="Drift"),  # P007 (the guide's)
    Person("ole", "Ole", "Pedersen", "ole.pedersen@example.com", "ole.pedersen@example.com",
           mobile="+4741234580 ext. 12", title="Innkjøper", department="Innkjøp"),  # P005
    Person("emily", "Emily", "Carter", "emily.carter@example.com", "emily.carter@example.com",
           mobile="(202) 555-0143", title="Account manager", department="Sales",
           usage="US", country="United States", city="Washington"),  # P001, fix +12025550143
    Person("mikkel", "Mikkel", "Lunde", "mikkel.lunde@example.com", "mikkel.lunde@example.com",
           mobile="41234581", title="Snekker", department="Verksted", usage="",
           country=""),  # P001 without a fix (no usageLocation: try --region NO)
    Person("hanne", "Hanne", "Bakken", "hanne.bakken@example.com", "hanne.bakken@example.com",
           mobile="+4792345679", title="HR-rådgiver", department="HR",
           telephone="+47 22 00 00 02", synced=True),  # clean
    Person("karl", "Karl", "Olsen", "karl.olsen@example.com", "karl.olsen@example.com",
           title="Vaktmester", department="Drift"),  # clean, no mobile (fine)
]  # fmt: skip


def by_key(*keys: str) -> list[Person]:
    people = {p.key: p for p in MAIN}
    return [people[k] for k in keys]


# ---- writers ----------------------------------------------------------------------------------

PORTAL_HEADER = [
    "id", "userPrincipalName", "displayName", "surname", "mail", "givenName", "userType",
    "jobTitle", "department", "accountEnabled", "usageLocation", "streetAddress", "state",
    "country", "officeLocation", "city", "postalCode", "telephoneNumber", "mobilePhone",
    "alternateEmailAddress", "ageGroup", "consentProvidedForMinor",
    "legalAgeGroupClassification", "companyName", "creationType", "directorySynced",
    "invitationState", "identityIssuer", "createdDateTime",
]  # fmt: skip

LEGACY_HEADER = [
    "userPrincipalName", "displayName", "surname", "mail", "givenName", "objectId", "userType",
    "jobTitle", "department", "accountEnabled", "usageLocation", "streetAddress", "state",
    "country", "physicalDeliveryOfficeName", "city", "postalCode", "telephoneNumber", "mobile",
    "authenticationPhoneNumber", "authenticationAlternativePhoneNumber", "authenticationEmail",
    "alternateEmailAddress", "ageGroup", "consentProvidedForMinor", "legalAgeGroupClassification",
]  # fmt: skip


def _bool(value: bool) -> str:
    return "True" if value else "False"


def portal_values(person: Person) -> dict[str, str]:
    guest = person.user_type == "Guest"
    return {
        "id": person.object_id,
        "objectId": person.object_id,
        "userPrincipalName": person.upn,
        "displayName": person.display_name,
        "surname": person.surname,
        "mail": person.mail,
        "givenName": person.given,
        "userType": person.user_type,
        "jobTitle": person.title,
        "department": person.department,
        "accountEnabled": _bool(person.enabled),
        "usageLocation": person.usage,
        "country": person.country,
        "city": person.city,
        "telephoneNumber": person.telephone,
        "mobilePhone": person.mobile,
        "mobile": person.mobile,
        "companyName": "" if guest else "Eksempel AS",
        "creationType": "Invitation" if guest else "",
        "directorySynced": "True" if person.synced else "",
        "invitationState": "Accepted" if guest else "",
        "identityIssuer": "ExternalAzureAD" if guest else "example.com",
        "createdDateTime": "2024-03-04T08:15:00Z",
        **person.extra,
    }


def unquoted_csv(header: Sequence[str], rows: Iterable[dict[str, str]]) -> str:
    """The Entra admin center download: comma-separated and never quoted, CRLF line ends."""
    lines = [",".join(header)]
    lines += [",".join(row.get(column, "") for column in header) for row in rows]
    return "\r\n".join(lines) + "\r\n"


def quoted_csv(
    header: Sequence[str], rows: Iterable[dict[str, str]], *, type_line: str | None = None
) -> str:
    """PowerShell Export-Csv: every field in double quotes, quotes doubled, CRLF line ends."""

    def quote(text: str) -> str:
        return '"' + text.replace('"', '""') + '"'

    lines = [type_line] if type_line else []
    lines.append(",".join(quote(h) for h in header))
    lines += [",".join(quote(row.get(h, "")) for h in header) for row in rows]
    return "\r\n".join(lines) + "\r\n"


def excel_csv(header: Sequence[str], rows: Iterable[list[str]]) -> str:
    """Excel (Norwegian locale) "CSV (semicolon separated)": quotes only where needed."""

    def cell(text: str) -> str:
        if any(c in text for c in ';"\r\n'):
            return '"' + text.replace('"', '""') + '"'
        return text

    lines = [";".join(cell(h) for h in header)]
    lines += [";".join(cell(c) for c in row) for row in rows]
    return "\r\n".join(lines) + "\r\n"


def excel_number(text: str) -> str:
    """What Excel shows (and saves) for a cell it took for a number: `+4741234567` → 4741234567,
    `004741234568` → 4741234568, `+4915123456789` → `4,91512E+12` (Norwegian decimal comma)."""
    compact = text.strip()
    if re.fullmatch(r"\d+\.\d+E\+\d+", compact):
        return compact.replace(".", ",")
    if not re.fullmatch(r"\+?\d+", compact):
        return text  # spaces, brackets, letters: Excel keeps it as text
    digits = compact.lstrip("+").lstrip("0") or "0"
    if len(digits) <= 11:
        return digits
    mantissa = f"{int(digits) / 10 ** (len(digits) - 1):.5f}".rstrip("0").rstrip(".")
    return f"{mantissa.replace('.', ',')}E+{len(digits) - 1:02d}"


def write(name: str, data: bytes) -> None:
    (HERE / name).write_bytes(data)


# ---- the files --------------------------------------------------------------------------------


def entra_download() -> str:
    return unquoted_csv(PORTAL_HEADER, (portal_values(p) for p in MAIN))


def entra_excel() -> bytes:
    """The main download opened in Excel and saved as CSV: cp1252, `;`, phones as numbers.

    The unquoted comma of the download already split one job title into two cells when Excel
    opened the file, so that row keeps its extra field (F004) in the copy."""
    header = PORTAL_HEADER
    rows = []
    for person in MAIN:
        values = portal_values(person)
        values["mobilePhone"] = excel_number(values["mobilePhone"])
        cells = [values.get(column, "") for column in header]
        if "," in values["jobTitle"]:
            at = header.index("jobTitle")
            cells[at : at + 1] = values["jobTitle"].split(",", 1)
        rows.append(cells)
    return excel_csv(header, rows).encode("cp1252")


def legacy_download() -> str:
    people = [
        *by_key("kari", "ola", "ase", "lars", "terje"),
        replace(
            by_key("hanne")[0],
            display="Bakken, Hanne",  # "Surname, Given" display names: F004 in an unquoted file
        ),
        replace(by_key("bjorn")[0], mobile="070-123 45 67"),  # P001, fix +46701234567
    ]
    rows = []
    for person in people:
        values = portal_values(person)
        if person.key == "kari":
            values["authenticationPhoneNumber"] = "+47 41234567"  # MFA phone: never checked
        rows.append(values)
    return unquoted_csv(LEGACY_HEADER, rows)


def graph_user(person: Person, select: Sequence[str] | None = None) -> dict[str, object]:
    user: dict[str, object] = {
        "id": person.object_id,
        "userPrincipalName": person.upn,
        "displayName": person.display_name,
        "givenName": person.given or None,
        "surname": person.surname or None,
        "mail": person.mail or None,
        "mobilePhone": person.mobile or None,
        "businessPhones": [person.telephone] if person.telephone else [],
        "jobTitle": person.title or None,
        "accountEnabled": person.enabled,
        "userType": person.user_type,
        "usageLocation": person.usage or None,
        "country": person.country or None,
        "onPremisesSyncEnabled": True if person.synced else None,
    }
    if select is not None:
        user = {key: user[key] for key in select}
    return user


GRAPH_SELECT = (
    "id,userPrincipalName,displayName,givenName,surname,mail,mobilePhone,businessPhones,"
    "jobTitle,accountEnabled,userType,usageLocation,country,onPremisesSyncEnabled"
)
GRAPH_USERS = f"https://graph.microsoft.com/v1.0/$metadata#users({GRAPH_SELECT})"


def graph_page() -> str:
    people = by_key("kari", "ola", "bjorn", "anna", "terje", "liv", "hanne")
    page = {"@odata.context": GRAPH_USERS, "value": [graph_user(p) for p in people]}
    return json.dumps(page, ensure_ascii=False, indent=2) + "\n"


def graph_pages() -> str:
    """Three pages appended by a paging loop (`>>`), one compact page per line. The account
    that ran it had only User.ReadBasic.All, so mobilePhone came back null for everyone."""
    people = by_key("kari", "jorgen", "ase", "bjorn", "jurgen", "mette", "marit", "emil", "karl")
    fields = ("id", "userPrincipalName", "givenName", "surname", "mail", "mobilePhone",
              "jobTitle", "accountEnabled", "usageLocation")  # fmt: skip
    pages = []
    for index in range(3):
        chunk = people[index * 3 : index * 3 + 3]
        users = [{**graph_user(p, fields), "mobilePhone": None} for p in chunk]
        page: dict[str, object] = {"@odata.context": GRAPH_USERS, "value": users}
        if index < 2:
            page["@odata.nextLink"] = (
                f"https://graph.microsoft.com/v1.0/users?$select={GRAPH_SELECT}"
                f"&$top=3&$skiptoken=RFNwdAIAAQAAAB{index}"
            )
        pages.append(json.dumps(page, ensure_ascii=False, separators=(",", ":")))
    return "\n".join(pages) + "\n"


def graph_jsonl() -> str:
    people = [
        *by_key("kari", "jorgen", "per", "per2", "lars", "emily", "mikkel"),
        replace(by_key("liv")[0], upn="liv.andersen@example.com\u200b"),  # U002: zero-width space
    ]
    return "".join(json.dumps(graph_user(p), ensure_ascii=False) + "\n" for p in people)


MG_HEADER = [
    "Id", "AccountEnabled", "BusinessPhones", "City", "Country", "Department", "DisplayName",
    "GivenName", "JobTitle", "Mail", "MailNickname", "MobilePhone", "OnPremisesSyncEnabled",
    "Surname", "UsageLocation", "UserPrincipalName", "UserType", "AdditionalProperties",
]  # fmt: skip


# What Export-Csv writes for a dictionary-valued property.
DICTIONARY = "System.Collections.Generic.Dictionary`2[System.String,System.{}]"


def mg_values(person: Person) -> dict[str, str]:
    return {
        "Id": person.object_id,
        "AccountEnabled": _bool(person.enabled),
        "BusinessPhones": "System.String[]",  # what Export-Csv makes of an array
        "City": person.city,
        "Country": person.country,
        "Department": person.department,
        "DisplayName": person.display_name,
        "GivenName": person.given,
        "JobTitle": person.title,
        "Mail": person.mail,
        "MailNickname": person.upn.split("@")[0].strip(),
        "MobilePhone": person.mobile,
        "OnPremisesSyncEnabled": _bool(person.synced) if person.synced else "",
        "Surname": person.surname,
        "UsageLocation": person.usage,
        "UserPrincipalName": person.upn,
        "UserType": person.user_type,
        "AdditionalProperties": DICTIONARY.format("Object"),
    }


def mggraph_ascii() -> bytes:
    """Windows PowerShell 5.1: `Get-MgUser -All -Property … | Export-Csv users.csv` — the
    default encoding is ASCII, so every letter outside it became `?`, and a #TYPE line leads."""
    people = by_key("kari", "jorgen", "ase", "bjorn", "jurgen", "ola", "hanne")
    text = quoted_csv(
        MG_HEADER,
        (mg_values(p) for p in people),
        type_line="#TYPE Microsoft.Graph.PowerShell.Models.MicrosoftGraphUser",
    )
    return text.encode("ascii", errors="replace")


def mggraph_unicode() -> bytes:
    """`Export-Csv -NoTypeInformation -Encoding Unicode`: UTF-16 LE with a BOM."""
    people = by_key("kari", "jorgen", "ase", "sofia", "jurgen", "nils", "frida")
    text = quoted_csv(MG_HEADER, (mg_values(p) for p in people))
    return codecs.BOM_UTF16_LE + text.encode("utf-16-le")


AZUREAD_HEADER = [
    "ExtensionProperty", "DeletionTimestamp", "ObjectId", "ObjectType", "AccountEnabled",
    "City", "Country", "Department", "DirSyncEnabled", "DisplayName", "GivenName", "JobTitle",
    "Mail", "MailNickName", "Mobile", "Surname", "TelephoneNumber", "UsageLocation",
    "UserPrincipalName", "UserType",
]  # fmt: skip


def azuread_csv() -> bytes:
    """`Get-AzureADUser -All $true | Export-Csv -NoTypeInformation -Encoding UTF8` (BOM)."""
    people = [
        *by_key("kari", "ola", "ase", "hanne"),
        replace(by_key("jorgen")[0], mobile="+47-987-65-431"),  # P002 (dashes)
        replace(by_key("karl")[0], mail="karl.olsen@example.com", mobile="tel:+4741234582"),
        replace(by_key("marit")[0], mail="kari.nordmann@example.com"),  # E004 with kari
    ]
    rows = []
    for person in people:
        rows.append(
            {
                "ExtensionProperty": DICTIONARY.format("String"),
                "ObjectId": person.object_id,
                "ObjectType": "User",
                "AccountEnabled": _bool(person.enabled),
                "City": person.city,
                "Country": person.country,
                "Department": person.department,
                "DirSyncEnabled": "True" if person.synced else "",
                "DisplayName": person.display_name,
                "GivenName": person.given,
                "JobTitle": person.title,
                "Mail": person.mail,
                "MailNickName": person.upn.split("@")[0],
                "Mobile": person.mobile,
                "Surname": person.surname,
                "TelephoneNumber": person.telephone,
                "UsageLocation": person.usage,
                "UserPrincipalName": person.upn,
                "UserType": person.user_type,
            }
        )
    return codecs.BOM_UTF8 + quoted_csv(AZUREAD_HEADER, rows).encode("utf-8")


ADSI_HEADER = [
    "DistinguishedName", "Enabled", "GivenName", "mail", "mobile", "Name", "ObjectClass",
    "ObjectGUID", "SamAccountName", "SID", "sn", "Surname", "title", "UserPrincipalName", "c",
]  # fmt: skip


def adsi_csv() -> bytes:
    """On-prem AD: `Get-ADUser -Filter * -Properties mail,mobile,title,sn,c |
    Export-Csv -NoTypeInformation -Encoding UTF8` (BOM)."""
    people = [
        replace(by_key("kari")[0], mobile="+47 41 23 45 67"),  # P002
        replace(by_key("ola")[0], mobile="987 65 432"),  # P001 (c=NO gives the fix)
        *by_key("ase", "hanne"),
        replace(by_key("terje")[0], mail=""),  # A001 and E003
        replace(by_key("bjorn")[0], mobile="+46 70 123 45 67"),  # P002 (c=SE)
    ]
    rows = []
    for number, person in enumerate(people, start=1101):
        sam = person.upn.split("@")[0].replace(".", "")[:20]
        rows.append(
            {
                "DistinguishedName": (
                    f"CN={person.display_name},OU=Brukere,DC=ad,DC=example,DC=com"
                ),
                "Enabled": _bool(person.enabled),
                "GivenName": person.given,
                "mail": person.mail,
                "mobile": person.mobile,
                "Name": person.display_name,
                "ObjectClass": "user",
                "ObjectGUID": guid("ad-" + person.key),
                "SamAccountName": sam,
                "SID": f"S-1-5-21-1004336348-1177238915-682003330-{number}",
                "sn": person.surname,
                "Surname": person.surname,
                "title": person.title,
                "UserPrincipalName": person.upn,
                "c": {"Norway": "NO", "Sweden": "SE"}.get(person.country, ""),
            }
        )
    return codecs.BOM_UTF8 + quoted_csv(ADSI_HEADER, rows).encode("utf-8")


FILES: dict[str, Callable[[], bytes]] = {
    "entra-users-download.csv": lambda: codecs.BOM_UTF8 + entra_download().encode("utf-8"),
    "entra-users-download-legacy.csv": lambda: legacy_download().encode("utf-8"),
    "entra-users-excel.csv": entra_excel,
    "graph-users-page.json": lambda: graph_page().encode("utf-8"),
    "graph-users-pages.json": lambda: graph_pages().encode("utf-8"),
    "graph-users.jsonl": lambda: graph_jsonl().encode("utf-8"),
    "mggraph-users.csv": mggraph_ascii,
    "mggraph-users-unicode.csv": mggraph_unicode,
    "azuread-users.csv": azuread_csv,
    "adsi-users.csv": adsi_csv,
}


def main() -> None:
    for name, build in FILES.items():
        write(name, build())
        print(f"wrote sample_exports/{name}")


if __name__ == "__main__":
    main()
