"""Loaders on real bytes: every shape, encoding and delimiter we claim to read, written to disk
exactly as the exporting tool (or Excel) writes it, then read back through `open_export`."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from checks.model import MOTIMATE_ATTRIBUTES, Finding, UserRecord
from motiscim_cli.loaders import FORMATS, LoadedExport, UnreadableExport, open_export

PORTAL_HEADER = (
    "id,userPrincipalName,displayName,surname,mail,givenName,userType,jobTitle,department,"
    "accountEnabled,usageLocation,streetAddress,state,country,officeLocation,city,postalCode,"
    "telephoneNumber,mobilePhone,alternateEmailAddress,ageGroup,consentProvidedForMinor,"
    "legalAgeGroupClassification,companyName,creationType,directorySynced,invitationState,"
    "identityIssuer,createdDateTime"
)
KARI_ID = "0f8fad5b-d9cb-469f-a165-70867728950e"
OLA_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
ASE_ID = "16fd2706-8baf-433b-82eb-8c7fada847da"


def portal_row(
    object_id: str,
    upn: str,
    given: str,
    surname: str,
    *,
    mail: str = "",
    title: str = "Engineer",
    enabled: str = "True",
    usage: str = "NO",
    telephone: str = "",
    mobile: str = "",
    synced: str = "",
    user_type: str = "Member",
) -> str:
    cells = [
        object_id, upn, f"{given} {surname}", surname, mail, given, user_type, title, "R&D",
        enabled, usage, "", "", "Norway", "", "Oslo", "0150", telephone, mobile, "", "", "", "",
        "Example AS", "", synced, "", "example.com", "2023-01-05T10:00:00Z",
    ]  # fmt: skip
    return ",".join(cells)


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def read_all(path: str, **options: object) -> tuple[LoadedExport, list[UserRecord], list[Finding]]:
    export = open_export(path, **options)  # type: ignore[arg-type]
    records = list(export.records())
    return export, records, export.file_findings()


def codes(findings: list[Finding]) -> list[str]:
    return [f.rule for f in findings]


def unreadable(path: str, **options: object) -> str:
    with pytest.raises(UnreadableExport) as caught:
        open_export(path, **options)  # type: ignore[arg-type]
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert caught.value.path == path
    return caught.value.reason


# ---- the Entra admin center download -----------------------------------------------------------


def test_current_portal_download_maps_every_attribute(tmp_path: Path) -> None:
    text = "\n".join(
        [
            PORTAL_HEADER,
            portal_row(
                KARI_ID, "kari.nordmann@example.com", "Kari", "Nordmann",
                mail="kari.nordmann@example.com", title="Sales manager",
                telephone="+47 22 00 00 00", mobile="+4741234567", synced="True",
            ),
            portal_row(
                OLA_ID, "ola@example.com", "Ola", "Nordmann", enabled="False", usage="SE",
                mobile="98765432",
            ),
        ]
    ) + "\n"  # fmt: skip
    path = write(tmp_path, "users.csv", text.encode("utf-8"))
    export, records, findings = read_all(path)

    assert export.info.format == "entra-portal-csv"
    assert (export.info.encoding, export.info.delimiter) == ("utf-8", ",")
    assert export.info.records == 2
    assert export.info.columns == {
        "employee_number": "userPrincipalName",
        "first_name": "givenName",
        "last_name": "surname",
        "email": "mail",
        "phone_number": "mobilePhone",
        "position": "jobTitle",
        "external_id": "id",
        "active": "accountEnabled",
    }
    kari, ola = records
    assert (kari.source, kari.row, kari.line, kari.pointer) == (path, 1, 2, None)
    assert kari.values == {
        "employee_number": "kari.nordmann@example.com",
        "first_name": "Kari",
        "last_name": "Nordmann",
        "email": "kari.nordmann@example.com",
        "phone_number": "+4741234567",
        "position": "Sales manager",
        "external_id": KARI_ID,
        "active": "True",
    }
    assert kari.user_principal_name == "kari.nordmann@example.com"
    assert kari.object_id == KARI_ID
    assert (kari.account_enabled, kari.directory_synced) == (True, True)
    assert (kari.user_type, kari.usage_location, kari.country) == ("Member", "NO", "Norway")
    assert kari.region == "NO"
    assert kari.malformed is None
    assert kari.raw is not None and kari.raw["telephoneNumber"] == "+47 22 00 00 00"
    assert kari.columns is ola.columns is export.info.columns  # one shared dict per source
    # the unmapped business phone is never a value to check
    assert "+47 22 00 00 00" not in kari.values.values()
    assert (ola.row, ola.line, ola.account_enabled, ola.directory_synced) == (2, 3, False, None)
    assert ola.values["email"] is None and ola.values["phone_number"] == "98765432"
    assert ola.region == "SE"
    assert findings == []


def test_legacy_portal_download_reads_mobile_not_the_other_phones(tmp_path: Path) -> None:
    header = (
        "userPrincipalName,displayName,surname,mail,givenName,objectId,userType,jobTitle,"
        "department,accountEnabled,usageLocation,streetAddress,state,country,"
        "physicalDeliveryOfficeName,city,postalCode,telephoneNumber,mobile,"
        "authenticationPhoneNumber,authenticationAlternativePhoneNumber,authenticationEmail,"
        "alternateEmailAddress,ageGroup,consentProvidedForMinor,legalAgeGroupClassification"
    )
    row = (
        f"ase@example.com,Åse Ødegård,Ødegård,ase@example.com,Åse,{ASE_ID},Member,Konsulent,IT,"
        "True,NO,,,Norway,,Bergen,5003,+47 55 00 00 00,+47 412 34 567,+47 400 00 000,,,,,,"
    )
    path = write(tmp_path, "legacy.csv", f"{header}\r\n{row}\r\n".encode())
    export, records, findings = read_all(path)
    assert export.info.format == "entra-portal-csv-legacy"
    assert export.info.columns["phone_number"] == "mobile"
    assert export.info.columns["external_id"] == "objectId"
    (ase,) = records
    assert ase.values["phone_number"] == "+47 412 34 567"
    assert ase.values["first_name"] == "Åse" and ase.values["last_name"] == "Ødegård"
    assert ase.object_id == ASE_ID
    assert "+47 400 00 000" not in ase.values.values()
    assert findings == []


def test_utf8_bom_and_header_cells_with_nbsp_spaces_and_case(tmp_path: Path) -> None:
    header = (
        "\ufeffUser Principal Name,\u00a0Object ID ,GIVENNAME,Sur\u00a0name,Mobile Phone,jobtitle"
    )
    text = f"{header}\nkari@example.com,{KARI_ID},Kari,Nordmann,+4741234567,Lead\n"
    path = write(tmp_path, "bom.csv", codecs.BOM_UTF8 + text.encode("utf-8"))
    export, records, findings = read_all(path)
    assert export.info.encoding == "utf-8-sig"
    assert export.info.columns == {
        "employee_number": "User Principal Name",
        "first_name": "GIVENNAME",
        "last_name": "Sur\u00a0name",
        "phone_number": "Mobile Phone",
        "position": "jobtitle",
        "external_id": "\u00a0Object ID ",
    }
    assert records[0].values["employee_number"] == "kari@example.com"
    assert records[0].object_id == KARI_ID
    # mail and accountEnabled are missing: two F003 warnings, one per attribute
    assert [(f.rule, f.column) for f in findings] == [("F003", None), ("F003", None)]
    assert "email" in findings[0].message and "active" in findings[1].message


def test_column_overrides_win_but_context_fields_stay(tmp_path: Path) -> None:
    text = (
        "userPrincipalName,id,mail,mobile,telephoneNumber\n"
        f"kari@example.com,{KARI_ID},kari.n@example.com,,+4722000000\n"
    )
    path = write(tmp_path, "o.csv", text.encode())
    overrides = {"phone_number": "TelephoneNumber", "employee_number": "mail"}
    export, records, _ = read_all(path, column_overrides=overrides)
    assert export.info.columns["phone_number"] == "telephoneNumber"
    assert export.info.columns["employee_number"] == "mail"
    (kari,) = records
    assert kari.values["phone_number"] == "+4722000000"
    assert kari.values["employee_number"] == "kari.n@example.com"
    assert kari.user_principal_name == "kari@example.com"  # raw UPN, whatever the mapping


def test_override_naming_a_missing_column(tmp_path: Path) -> None:
    text = f"userPrincipalName,id\nkari@example.com,{KARI_ID}\n"
    path = write(tmp_path, "o.csv", text.encode())
    _, _, findings = read_all(
        path, column_overrides={"phone_number": "telephoneNumbr", "external_id": "guid"}
    )
    named = "named for {} (--column, or columns: in motiscim.yaml) is not in the header, so {}"
    assert sorted(f.message for f in findings if f.rule == "F002") == [
        f"The column 'guid' {named.format('external_id', 'object IDs (externalId)')} cannot be "
        "checked: check its spelling against the export's first line.",
        f"The column 'telephoneNumbr' {named.format('phone_number', 'phone numbers')} cannot be "
        "checked: check its spelling against the export's first line.",
    ]
    assert not [f for f in findings if f.rule == "F003" and "phone_number" in f.message]


def test_override_naming_a_missing_property_of_a_graph_export(tmp_path: Path) -> None:
    users = {"value": [{"id": KARI_ID, "userPrincipalName": "kari@example.com"}]}
    path = write(tmp_path, "o.json", json.dumps(users).encode())
    _, _, findings = read_all(path, column_overrides={"position": "title2"})
    assert [f.message for f in findings if f.rule == "F002"] == [
        "The property 'title2' named for position (--column, or columns: in motiscim.yaml) is "
        "not among the users' properties, so job titles cannot be checked: check its spelling "
        "against the export's property names."
    ]


def test_unknown_override_attribute_and_format_are_usage_errors(tmp_path: Path) -> None:
    path = write(tmp_path, "o.csv", f"userPrincipalName,id\nk@example.com,{KARI_ID}\n".encode())
    with pytest.raises(ValueError, match="phone"):
        open_export(path, column_overrides={"phone": "mobile"})
    with pytest.raises(ValueError, match="entra-portal-csv"):
        open_export(path, format="xlsx")


# ---- PowerShell and Excel copies ---------------------------------------------------------------


def test_utf16_le_bom_powershell_export_with_type_line(tmp_path: Path) -> None:
    lines = [
        "#TYPE Microsoft.Graph.PowerShell.Models.MicrosoftGraphUser",
        '"Id","UserPrincipalName","GivenName","Surname","Mail","MobilePhone","JobTitle",'
        '"AccountEnabled","UsageLocation","BusinessPhones","OnPremisesSyncEnabled"',
        f'"{KARI_ID}","kari@example.com","Kari","Nordmann","kari@example.com","+47 412 34 567",'
        '"Rådgiver","True","NO","System.String[]","True"',
        f'"{OLA_ID}","jorgen@example.com","Jørgen","Müller","","","Straße","False","DE","",""',
    ]
    data = codecs.BOM_UTF16_LE + ("\r\n".join(lines) + "\r\n").encode("utf-16-le")
    path = write(tmp_path, "mg.csv", data)
    export, records, findings = read_all(path)
    assert (export.info.format, export.info.encoding) == ("mggraph-csv", "utf-16-le")
    assert export.info.columns["external_id"] == "Id"
    assert export.info.columns["phone_number"] == "MobilePhone"
    kari, jorgen = records
    assert (kari.row, kari.line) == (1, 3)  # the #TYPE line comes first, the header is line 2
    assert (jorgen.row, jorgen.line) == (2, 4)
    assert kari.values["position"] == "Rådgiver"
    assert (jorgen.values["first_name"], jorgen.values["last_name"]) == ("Jørgen", "Müller")
    assert jorgen.values["position"] == "Straße"
    assert (kari.directory_synced, jorgen.account_enabled) == (True, False)
    assert findings == []


def test_utf16_be_bom(tmp_path: Path) -> None:
    text = f"userPrincipalName,objectId,givenName\r\nase@example.com,{ASE_ID},Åse\r\n"
    path = write(tmp_path, "be.csv", codecs.BOM_UTF16_BE + text.encode("utf-16-be"))
    export, records, _ = read_all(path)
    assert export.info.encoding == "utf-16-be"
    assert records[0].values["first_name"] == "Åse"


def test_utf16_le_without_bom_is_recognised_by_its_nul_pattern(tmp_path: Path) -> None:
    text = f"userPrincipalName,objectId,givenName\r\nase@example.com,{ASE_ID},Åse\r\n"
    path = write(tmp_path, "nobom.csv", text.encode("utf-16-le"))
    export, records, _ = read_all(path)
    assert export.info.encoding == "utf-16-le"
    assert records[0].values["first_name"] == "Åse"
    assert records[0].line == 2


def test_excel_cp1252_semicolons_with_sep_line(tmp_path: Path) -> None:
    lines = [
        "sep=;",
        "id;userPrincipalName;givenName;surname;mail;mobilePhone;jobTitle;accountEnabled",
        f"{KARI_ID};jorgen@example.com;Jørgen;Bråthen;jorgen@example.com;4,79877E+09;Sjåfør;TRUE",
        f"{OLA_ID};bjorn@example.com;Björn;Weiß;bjorn@example.com;98765432;Lærling, 2. år;FALSE",
    ]
    path = write(tmp_path, "excel.csv", ("\r\n".join(lines) + "\r\n").encode("cp1252"))
    export, records, findings = read_all(path)
    assert (export.info.encoding, export.info.delimiter) == ("cp1252", ";")
    assert export.info.format == "entra-portal-csv"  # the portal's names, trimmed by hand
    jorgen, bjorn = records
    assert (jorgen.line, bjorn.line) == (3, 4)  # sep= line, header, then the users
    assert jorgen.values["first_name"] == "Jørgen" and jorgen.values["last_name"] == "Bråthen"
    assert jorgen.values["phone_number"] == "4,79877E+09"  # Excel's damage is kept as text
    assert jorgen.account_enabled is True and bjorn.account_enabled is False
    # a comma is not the delimiter here, so the title is one value
    assert bjorn.values["position"] == "Lærling, 2. år" and bjorn.malformed is None
    assert bjorn.values["last_name"] == "Weiß"
    assert findings == []


def test_excel_semicolons_without_sep_line_are_sniffed(tmp_path: Path) -> None:
    lines = [
        "userPrincipalName;objectId;givenName;mobile",
        f"kari@example.com;{KARI_ID};Kari;4.79877E+09",
        ";;;",
        ";;;",
    ]
    path = write(tmp_path, "excel.csv", ("\r\n".join(lines) + "\r\n").encode("cp1252"))
    export, records, _ = read_all(path)
    # plain ASCII is valid UTF-8: that is what we report
    assert (export.info.encoding, export.info.delimiter) == ("utf-8", ";")
    assert len(records) == 1  # Excel's empty ';;;' rows are not users
    assert records[0].values["phone_number"] == "4.79877E+09"


def test_tab_delimited(tmp_path: Path) -> None:
    text = f"userPrincipalName\tobjectId\tgivenName\nkari@example.com\t{KARI_ID}\tKari\n"
    export, records, _ = read_all(write(tmp_path, "t.tsv", text.encode()))
    assert export.info.delimiter == "\t"
    assert records[0].values["first_name"] == "Kari"


def test_azuread_module_export(tmp_path: Path) -> None:
    text = (
        '"ExtensionProperty","ObjectId","AccountEnabled","DirSyncEnabled","GivenName","JobTitle",'
        '"Mail","MailNickName","Mobile","Surname","TelephoneNumber","UsageLocation",'
        '"UserPrincipalName","UserType"\n'
        f'"System.Collections.Generic.Dictionary`2[System.String,System.String]","{ASE_ID}","True",'
        '"True","Åse","Lærer","ase@example.com","ase","+4741234567","Ødegård","+4722000000","NO",'
        '"ase@example.com","Member"\n'
    )
    export, records, findings = read_all(write(tmp_path, "azuread.csv", text.encode("utf-8")))
    assert export.info.format == "azuread-csv"
    assert export.info.columns["external_id"] == "ObjectId"
    assert export.info.columns["phone_number"] == "Mobile"
    (ase,) = records
    assert (ase.directory_synced, ase.account_enabled, ase.usage_location) == (True, True, "NO")
    assert ase.values["phone_number"] == "+4741234567"
    assert findings == []


def test_get_aduser_export(tmp_path: Path) -> None:
    text = (
        "#TYPE Microsoft.ActiveDirectory.Management.ADUser\n"
        '"DistinguishedName","Enabled","GivenName","mail","mobile","Name","ObjectClass",'
        '"ObjectGUID","SamAccountName","sn","title","UserPrincipalName","c"\n'
        '"CN=Kari Nordmann,OU=Users,DC=example,DC=com","False","Kari","kari@example.com",'
        f'"+47 412 34 567","Kari Nordmann","user","{KARI_ID}","kari","Nordmann","CTO",'
        '"kari@example.com","NO"\n'
    )
    export, records, findings = read_all(write(tmp_path, "ad.csv", text.encode("utf-8")))
    assert export.info.format == "adsi-csv"
    assert export.info.columns == {
        "employee_number": "UserPrincipalName",
        "first_name": "GivenName",
        "last_name": "sn",
        "email": "mail",
        "phone_number": "mobile",
        "position": "title",
        "external_id": "ObjectGUID",
        "active": "Enabled",
    }
    (kari,) = records
    assert (kari.line, kari.account_enabled, kari.country, kari.region) == (3, False, "NO", "NO")
    assert kari.values["position"] == "CTO"
    assert findings == []


def test_format_override_is_reported(tmp_path: Path) -> None:
    path = write(
        tmp_path, "u.csv", f"userPrincipalName,objectId\nk@example.com,{KARI_ID}\n".encode()
    )
    export, _, _ = read_all(path, format="azuread-csv")
    assert export.info.format == "azuread-csv"
    assert set(FORMATS) >= {"entra-portal-csv", "graph-json", "graph-jsonl", "csv"}


# ---- rows and lines ----------------------------------------------------------------------------


def test_quoted_line_breaks_blank_lines_and_physical_lines(tmp_path: Path) -> None:
    text = (
        "userPrincipalName,objectId,streetAddress,givenName\r\n"  # line 1
        f'a@example.com,{KARI_ID},"Storgata 1\r\n0150 Oslo",Anna\r\n'  # lines 2-3
        "\r\n"  # line 4: blank, not a user
        f'b@example.com,{OLA_ID},"c/o ""Nordmann""\r\nBox 1\r\nOslo",Bo\r\n'  # lines 5-7
        f"c@example.com,{ASE_ID},,Cato\r\n"  # line 8
        "\r\n\r\n"
    )
    export, records, _ = read_all(write(tmp_path, "q.csv", text.encode()))
    assert [(r.row, r.line, r.values["first_name"]) for r in records] == [
        (1, 2, "Anna"),
        (2, 5, "Bo"),
        (3, 8, "Cato"),
    ]
    assert records[1].raw is not None
    assert records[1].raw["streetAddress"] == 'c/o "Nordmann"\r\nBox 1\r\nOslo'
    assert export.info.records == 3


def test_malformed_rows_are_yielded_with_reason_and_reliable_identity(tmp_path: Path) -> None:
    text = "\n".join(
        [
            PORTAL_HEADER,
            portal_row(KARI_ID, "kari@example.com", "Kari", "Nordmann", title="Sales manager"),
            portal_row(OLA_ID, "ola@example.com", "Ola", "N", title="Head of Sales, Nordics"),
            portal_row(ASE_ID, "ase@example.com", "Åse", "Ødegård", title="A, B, C"),
        ]
    ) + "\n" + f"{KARI_ID},short@example.com,too few\n"  # fmt: skip
    export, records, findings = read_all(write(tmp_path, "m.csv", text.encode()))
    assert [r.row for r in records] == [1, 2, 3, 4]
    assert [r.line for r in records] == [2, 3, 4, 5]
    assert export.info.records == 4
    ok, comma, two, short = records
    assert ok.malformed is None
    assert comma.malformed is not None and comma.malformed.startswith(
        "Row has 30 fields, the header has 29: a comma inside an unquoted value"
    )
    assert comma.values == {}  # nothing misaligned reaches a rule
    assert (comma.user_principal_name, comma.object_id) == ("ola@example.com", OLA_ID)
    assert (comma.account_enabled, comma.usage_location) == (None, None)
    assert two.malformed is not None and two.malformed.startswith("Row has 31 fields")
    assert short.malformed is not None and short.malformed.startswith(
        "Row has 3 fields, the header has 29: a missing comma"
    )
    # F004 is the engine's to report from `malformed`; the file findings do not repeat it
    assert "F004" not in codes(findings)


def test_malformed_identity_from_the_right_when_the_stray_comma_comes_first(
    tmp_path: Path,
) -> None:
    header = "userPrincipalName,displayName,surname,mail,givenName,objectId,jobTitle"
    rows = [
        f"kari@example.com,Nordmann, Kari,Nordmann,kari@example.com,Kari,{KARI_ID},CTO",
        # two plausible-looking but different UPNs: neither is trusted
        f"x@example.com,y@example.com,,,,{OLA_ID},CTO,extra",
    ]
    text = header + "\n" + "\n".join(rows) + "\n"
    _, records, _ = read_all(write(tmp_path, "legacy.csv", text.encode()))
    kari, odd = records
    assert (kari.user_principal_name, kari.object_id) == ("kari@example.com", KARI_ID)
    assert odd.user_principal_name is None
    assert odd.malformed is not None


def test_unclosed_quote_names_the_swallowed_lines_and_reads_them_again(tmp_path: Path) -> None:
    text = (
        "userPrincipalName,objectId,givenName\n"
        f"a@example.com,{KARI_ID},Anna\n"
        f'b@example.com,{OLA_ID},"Bo\n'
        f"c@example.com,{ASE_ID},Cato\n"
        f"d@example.com,{ASE_ID},Dag\n"
    )
    export, records, _ = read_all(write(tmp_path, "u.csv", text.encode()))
    assert [(r.row, r.line, r.user_principal_name) for r in records] == [
        (1, 2, "a@example.com"),
        (2, 3, "b@example.com"),
        (3, 4, "c@example.com"),
        (4, 5, "d@example.com"),
    ]
    assert export.info.records == 4
    broken = records[1]
    assert broken.malformed == (
        "An opening double quote in this row is never closed: it swallowed the next 2 lines "
        "(lines 4–5) into one value. Those lines were read again on their own, so their users "
        "are checked; this row was not. Remove the stray quote, or quote the whole value and "
        'double the quote inside it ("").'
    )
    assert broken.values == {}
    assert (broken.user_principal_name, broken.object_id) == ("b@example.com", OLA_ID)
    # the swallowed users are read as the file has them, and checked
    assert [r.malformed for r in records[2:]] == [None, None]
    assert [r.values["first_name"] for r in records[2:]] == ["Cato", "Dag"]


def test_stray_quote_closed_by_a_later_quote_in_a_crlf_file(tmp_path: Path) -> None:
    # The portal does not quote: a title that starts with '"' runs on to the next '"', here in
    # a display name four lines later; every line in between is a user of its own.
    header = "userPrincipalName,objectId,displayName,jobTitle,mobile"
    rows = [
        f'a@example.com,{KARI_ID},Anna,"Acting" lead,+4791234567',  # closed in its own value
        f'b@example.com,{OLA_ID},Bo,"Boss,+4791234568',
        f"c@example.com,{ASE_ID},Cato,CTO,+4791234569",
        f"d@example.com,{KARI_ID},Dag,CEO,98765432",
        f'e@example.com,{OLA_ID},Kari "KJ" Nordmann,CFO,+4791234560',
        f"f@example.com,{ASE_ID},Frida,COO,+4791234561",
    ]
    text = "\r\n".join([header, *rows]) + "\r\n"
    export, records, _ = read_all(write(tmp_path, "q.csv", text.encode()))
    assert [(r.row, r.line, r.malformed is None) for r in records] == [
        (1, 2, True),
        (2, 3, False),
        (3, 4, True),
        (4, 5, True),
        (5, 6, True),
        (6, 7, True),
    ]
    assert records[1].malformed is not None
    assert "it swallowed the next 3 lines (lines 4–6)" in records[1].malformed
    assert records[3].values["phone_number"] == "98765432"  # checked, so P001 will fire
    assert records[4].raw is not None and records[4].raw["displayName"] == 'Kari "KJ" Nordmann'
    assert export.info.records == 6


def test_quote_left_open_at_the_end_of_the_file(tmp_path: Path) -> None:
    text = (
        "userPrincipalName,objectId,givenName\n"
        f"a@example.com,{KARI_ID},Anna\n"
        f'b@example.com,{OLA_ID},"Bo\n'
        f"c@example.com,{ASE_ID}\n"  # too few fields even on its own
    )
    _, records, _ = read_all(write(tmp_path, "eof.csv", text.encode()))
    assert [(r.row, r.line) for r in records] == [(1, 2), (2, 3), (3, 4)]
    assert records[1].malformed is not None
    assert "swallowed the next 1 line (line 4)" in records[1].malformed
    assert records[2].malformed is not None
    assert records[2].malformed.startswith("Row has 2 fields, the header has 3")


def test_a_quoted_multi_line_value_is_not_a_stray_quote(tmp_path: Path) -> None:
    # Export-Csv quotes every value: a line break (even one that ends the value, or a line
    # with a row's worth of commas) inside quotes is part of the value.
    header = '"userPrincipalName","objectId","streetAddress","givenName"'
    rows = [
        f'"a@example.com","{KARI_ID}","Box 1\n","Anna"',
        f'"b@example.com","{OLA_ID}","x,y,z\n1,2,3","Bo"',
        f'"c@example.com","{ASE_ID}","Gate 2\nOslo","Cato"',
    ]
    text = "\n".join([header, *rows]) + "\n"
    _, records, _ = read_all(write(tmp_path, "ml.csv", text.encode()))
    assert [(r.row, r.line, r.malformed) for r in records] == [
        (1, 2, None),
        (2, 4, None),
        (3, 6, None),
    ]
    assert records[1].raw is not None and records[1].raw["streetAddress"] == "x,y,z\n1,2,3"


def test_a_huge_swallowed_region_is_read_again(tmp_path: Path) -> None:
    # No quote closes it: the value passes the reader's 131072-character limit first.
    rows = [f"u{i}@example.com,{KARI_ID},Name{i}" for i in range(3000)]
    text = (
        "userPrincipalName,objectId,givenName\n"
        f'a@example.com,{OLA_ID},"Anna\n' + "\n".join(rows) + "\n"
    )
    export, records, _ = read_all(write(tmp_path, "huge.csv", text.encode()))
    assert export.info.records == len(records) == 3001
    first = records[0]
    assert (first.row, first.line, first.user_principal_name) == (1, 2, "a@example.com")
    assert first.malformed is not None
    assert "more than 131,072 characters" in first.malformed
    assert [r.malformed for r in records[1:]] == [None] * 3000
    assert [(r.row, r.line) for r in records[1:3]] == [(2, 3), (3, 4)]
    assert (records[-1].row, records[-1].line, records[-1].values["first_name"]) == (
        3001,
        3002,
        "Name2999",
    )


def test_a_huge_unterminated_value_does_not_stop_the_file(tmp_path: Path) -> None:
    text = (
        "userPrincipalName,objectId,givenName\n"
        f'a@example.com,{KARI_ID},"' + "x" * 200_000 + "\n"
        f"b@example.com,{OLA_ID},Bo\n"
    )
    _, records, _ = read_all(write(tmp_path, "big.csv", text.encode()))
    assert len(records) == 2
    assert records[0].malformed == (
        "A field of this row is longer than 131,072 characters and its opening double quote is "
        "never closed: line 3 holds a row of its own and was read as one (line 2 is this row). "
        "No user attribute is that long (a value pasted by mistake, or a damaged export?), so "
        "its fields were not checked. Remove the stray quote, or quote the whole value and "
        'double the quote inside it ("").'
    )
    assert records[0].line == 2
    assert (records[1].line, records[1].values["first_name"]) == (3, "Bo")


def test_unquoted_line_break_is_one_user_not_a_phantom(tmp_path: Path) -> None:
    text = "\n".join(
        [
            PORTAL_HEADER,
            portal_row(KARI_ID, "kari@example.com", "Kari", "Nordmann", title="Head of\nSales"),
            portal_row(OLA_ID, "ola@example.com", "Ola", "N", title="Three\nline\ntitle"),
            portal_row(ASE_ID, "ase@example.com", "Åse", "Ødegård", mobile="+4791234569"),
        ]
    ) + "\n"  # fmt: skip
    export, records, _ = read_all(write(tmp_path, "split.csv", text.encode()))
    assert [(r.row, r.line, r.user_principal_name, r.object_id) for r in records] == [
        (1, 2, "kari@example.com", KARI_ID),
        (2, 4, "ola@example.com", OLA_ID),
        (3, 7, "ase@example.com", ASE_ID),
    ]
    assert export.info.records == 3
    kari, ola, ase = records
    assert kari.malformed == (
        "This row is split over lines 2–3 by a line break inside the unquoted value of "
        "'jobTitle': its lines have 8 + 22 fields, the header's 29 once that value is joined. "
        "It was read as one user, but its fields were not checked: remove the line break from "
        "the value (or quote it), or export with Graph or PowerShell Export-Csv."
    )
    assert kari.values == {}
    assert ola.malformed is not None
    assert ola.malformed.startswith("This row is split over lines 4–6 by a line break")
    assert "its lines have 8 + 1 + 22 fields" in ola.malformed
    assert ase.malformed is None and ase.values["phone_number"] == "+4791234569"


def test_short_rows_that_do_not_add_up_stay_separate(tmp_path: Path) -> None:
    header = "userPrincipalName,objectId,givenName,surname"
    rows = [
        f"a@example.com,{KARI_ID}",  # 2 fields
        f"b@example.com,{OLA_ID},Bo",  # 3 fields: 2 + 3 - 1 = 4, but it starts a user
        f"c@example.com,{ASE_ID},Cato,Berg",
        "x,y",  # 2 + 2 - 1 = 3: not a split of one row
        "z,w",
        f"d@example.com,{ASE_ID},Dag,Dahl",
    ]
    text = header + "\n" + "\n".join(rows) + "\n"
    export, records, _ = read_all(write(tmp_path, "short.csv", text.encode()))
    assert [(r.row, r.line, r.malformed is None) for r in records] == [
        (1, 2, False),
        (2, 3, False),
        (3, 4, True),
        (4, 5, False),
        (5, 6, False),
        (6, 7, True),
    ]
    assert records[0].malformed is not None
    assert records[0].malformed.startswith("Row has 2 fields, the header has 4")
    assert (records[0].user_principal_name, records[0].object_id) == ("a@example.com", KARI_ID)
    assert records[2].values["last_name"] == "Berg"  # read again after the look-ahead
    assert records[5].values["last_name"] == "Dahl"
    assert export.info.records == 6


def test_repeated_header_rows_are_not_users(tmp_path: Path) -> None:
    first = codecs.BOM_UTF8.decode() + PORTAL_HEADER
    one = portal_row(KARI_ID, "kari@example.com", "Kari", "Nordmann")
    two = portal_row(OLA_ID, "ola@example.com", "Ola", "Nordmann")
    three = portal_row(ASE_ID, "ase@example.com", "Åse", "Berg")
    # `cat a.csv b.csv c.csv` of three portal downloads, each with its BOM
    text = "\r\n".join([first, one, first, two, first, three]) + "\r\n"
    export, records, findings = read_all(write(tmp_path, "cat.csv", text.encode()))
    assert [(r.row, r.line, r.user_principal_name) for r in records] == [
        (1, 2, "kari@example.com"),
        (2, 4, "ola@example.com"),
        (3, 6, "ase@example.com"),
    ]
    assert all(r.malformed is None for r in records)
    assert export.info.records == 3
    f008 = [f for f in findings if f.rule == "F008"]
    assert [(f.line, f.row, f.severity.value) for f in f008] == [
        (3, None, "warning"),
        (5, None, "warning"),
    ]
    assert f008[0].message == (
        "Line 3 repeats the header row of line 1: two exports were joined into one file. It is "
        "not a user and was skipped; the rows after it were read. Delete the line, or check the "
        "exports one by one."
    )


def test_repeated_powershell_header_with_its_type_line(tmp_path: Path) -> None:
    type_line = "#TYPE Microsoft.Graph.PowerShell.Models.MicrosoftGraphUser"
    header = '"Id","UserPrincipalName","GivenName","Surname","Mail","MobilePhone"'
    kari = f'"{KARI_ID}","kari@example.com","Kari","Nordmann","kari@example.com","+4791234567"'
    ola = f'"{OLA_ID}","ola@example.com","Ola","Hansen","ola@example.com","+4791234568"'
    other = '"displayName","userPrincipalName","mail"'  # a different export joined after
    ase = '"Åse Berg","ase@example.com","ase@example.com"'
    text = "\r\n".join([type_line, header, kari, type_line, header, ola, other, ase]) + "\r\n"
    export, records, findings = read_all(write(tmp_path, "ps.csv", text.encode()))
    assert export.info.format == "mggraph-csv"
    assert [(r.row, r.line, r.malformed is None) for r in records] == [
        (1, 3, True),
        (2, 6, True),
        (3, 8, False),  # lined up with the first header it is not: F004
    ]
    f008 = [(f.line, f.message) for f in findings if f.rule == "F008"]
    assert f008 == [
        (
            5,
            "Line 5 repeats the header row of line 2 (after the #TYPE or sep= line on line 4): "
            "two exports were joined into one file. It is not a user and was skipped; the rows "
            "after it were read. Delete the line, or check the exports one by one.",
        ),
        (
            7,
            "Line 7 is a header row with other columns than the header on line 2: two different "
            "exports were joined, and the rows under it do not line up with the first header. "
            "Check the exports one by one.",
        ),
    ]


def test_many_rows_stream_and_are_all_counted(tmp_path: Path) -> None:
    rows = [f"u{i}@example.com,{KARI_ID},Name{i},+4741{i:06d}" for i in range(20_000)]
    text = "userPrincipalName,objectId,givenName,mobile\n" + "\n".join(rows) + "\n"
    export, records, _ = read_all(write(tmp_path, "many.csv", text.encode()))
    assert export.info.records == len(records) == 20_000
    assert (records[-1].row, records[-1].line) == (20_000, 20_001)
    assert records[-1].values["phone_number"] == "+4741019999"


def test_records_can_be_read_once(tmp_path: Path) -> None:
    export = open_export(write(tmp_path, "u.csv", f"upn,id\n,{KARI_ID}\n".encode()))
    list(export.records())
    with pytest.raises(RuntimeError):
        export.records()


# ---- file findings -----------------------------------------------------------------------------


def test_f002_required_columns_missing_and_records_still_yielded(tmp_path: Path) -> None:
    text = "displayName,mail,givenName\nKari,kari@example.com,Kari\n"
    _, records, findings = read_all(write(tmp_path, "f2.csv", text.encode()))
    assert len(records) == 1 and records[0].values["email"] == "kari@example.com"
    f002 = [f for f in findings if f.rule == "F002"]
    assert [f.message.split(":")[0] for f in f002] == [
        "No 'userPrincipalName' column",
        "No 'objectId', 'id' or 'objectGUID' column",
    ]
    assert all(f.row is None and f.source.endswith("f2.csv") for f in f002)
    assert all(f.severity.value == "error" for f in f002)


def test_f003_column_empty_in_every_row(tmp_path: Path) -> None:
    text = "\n".join(
        [
            PORTAL_HEADER,
            portal_row(KARI_ID, "kari@example.com", "Kari", "Nordmann", mail="k@example.com"),
            portal_row(OLA_ID, "ola@example.com", "Ola", "Nordmann", mail="o@example.com"),
        ]
    )
    _, _, findings = read_all(write(tmp_path, "f3.csv", text.encode()))
    assert [(f.rule, f.column, f.line) for f in findings] == [("F003", "mobilePhone", None)]
    assert findings[0].message.startswith(
        "The column 'mobilePhone' (phone_number) is empty for all 2 users"
    )
    assert findings[0].severity.value == "warning"


def test_f005_lossy_export_signs(tmp_path: Path) -> None:
    rows = [
        f"j@example.com,{KARI_ID},J?rgen,Hansen,J?rgen Hansen",
        f"b@example.com,{OLA_ID},Bjørn,Ødegård,Bjørn Ødegård",
        f"r@example.com,{ASE_ID},Ren\ufffd,Dubois,Ren\ufffd Dubois",
        f"q@example.com,{ASE_ID},Who?,Asks,Who? Asks",  # a question mark after a word is fine
        f"s@example.com,{ASE_ID},???,Li,??? Li",
    ]
    text = "userPrincipalName,objectId,givenName,surname,displayName\n" + "\n".join(rows) + "\n"
    _, _, findings = read_all(write(tmp_path, "f5.csv", text.encode()))
    lossy = [f for f in findings if f.rule == "F005"]
    assert len(lossy) == 1
    assert lossy[0].line is None
    assert lossy[0].message.startswith(
        "3 users have '?' where letters should be and the replacement character U+FFFD "
        "(lines 2, 4, 6)"
    )


def test_f006_duplicate_header_first_one_used(tmp_path: Path) -> None:
    text = (
        f"userPrincipalName,objectId,mobile,givenName,Mobile\n"
        f"k@example.com,{KARI_ID},+4741234567,Kari,98765432\n"
    )
    _, records, findings = read_all(write(tmp_path, "f6.csv", text.encode()))
    assert records[0].values["phone_number"] == "+4741234567"
    f006 = [f for f in findings if f.rule == "F006"]
    assert [(f.column, f.line) for f in f006] == [("mobile", 1)]
    assert f006[0].message.startswith(
        "Header 'mobile' appears 2 times (columns 3 (C), 5 (E)): only column 3 (C) is read."
    )


# ---- F001: not an export -----------------------------------------------------------------------


def test_f001_missing_file_and_directory(tmp_path: Path) -> None:
    assert unreadable(str(tmp_path / "nope.csv")) == "no such file"
    assert unreadable(str(tmp_path)).startswith("this is a directory")


def test_f001_excel_workbook_zip_xls_pdf(tmp_path: Path) -> None:
    xlsx = (
        b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 22 + b"[Content_Types].xml" + b"xl/workbook.xml"
    )
    reason = unreadable(write(tmp_path, "users.csv", xlsx))
    assert reason.startswith("this is an Excel workbook (.xlsx)")
    assert "CSV UTF-8" in reason
    assert unreadable(write(tmp_path, "a.zip", b"PK\x03\x04" + b"\x00" * 26 + b"users.csv"))
    assert "ZIP archive" in unreadable(write(tmp_path, "a.zip", b"PK\x03\x04" + b"\x00" * 40))
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100
    assert unreadable(write(tmp_path, "u.xls", ole)).startswith("this is an old Excel workbook")
    assert unreadable(write(tmp_path, "u.pdf", b"%PDF-1.7\n%\xe2\xe3")).startswith(
        "this is a PDF document"
    )


def test_f001_empty_whitespace_and_header_only(tmp_path: Path) -> None:
    assert unreadable(write(tmp_path, "e.csv", b"")).startswith("the file is empty (0 bytes)")
    assert unreadable(write(tmp_path, "w.csv", b"\xef\xbb\xbf \r\n\r\n")) == (
        "the file contains no data (only whitespace)"
    )
    header_only = write(tmp_path, "h.csv", PORTAL_HEADER.encode() + b"\r\n\r\n")
    assert unreadable(header_only) == "the file has a header row but no users under it"


def test_f001_not_user_data(tmp_path: Path) -> None:
    reason = unreadable(write(tmp_path, "x.csv", b"name,price\napple,3\n"))
    assert reason.startswith("none of its headers is a user attribute motiscim knows")
    html = b"<!DOCTYPE html>\n<html><head><title>Sign in to your account</title>"
    assert unreadable(write(tmp_path, "u.csv", html)).startswith("this is an HTML web page")
    clixml = b'<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
    assert "Export-Clixml" in unreadable(write(tmp_path, "u.xml", clixml))


def test_f001_graph_error_body(tmp_path: Path) -> None:
    body = (
        b'{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to '
        b'complete the operation.","innerError":{"date":"2024-05-01T10:00:00",'
        b'"request-id":"5f1c","client-request-id":"5f1c"}}}'
    )
    reason = unreadable(write(tmp_path, "users.json", body))
    assert reason == (
        "this is a Microsoft Graph error response (Authorization_RequestDenied: Insufficient "
        "privileges to complete the operation.), not users: the account that exported it lacks "
        "permission to read users (User.Read.All or Directory.Read.All): grant it, then export "
        "again"
    )


def test_f001_json_that_is_not_a_users_export(tmp_path: Path) -> None:
    no_value = b'{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users/$count"}'
    assert unreadable(write(tmp_path, "a.json", no_value)).startswith(
        'this is a Microsoft Graph response without a "value" array of users'
    )
    assert unreadable(write(tmp_path, "b.json", b'{"foo": 1}')).startswith(
        'this is a JSON object with neither a "value" array nor user properties'
    )
    assert unreadable(write(tmp_path, "c.json", b'{"value": []}')) == (
        'the JSON holds no users (an empty "value" array?)'
    )
    assert unreadable(write(tmp_path, "d.json", b'{\n"value": [\n{"id": }\n]}')) == (
        "not valid JSON (Expecting value on line 3)"
    )
    assert unreadable(write(tmp_path, "e.json", b"[1, 2]")).startswith(
        "the JSON's first entry is a string or number, not a user object"
    )


# ---- Microsoft Graph JSON ----------------------------------------------------------------------

GRAPH_PAGE = """{
  "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users(id,userPrincipalName)",
  "value": [
    {
      "businessPhones": ["+47 22 00 00 00"],
      "givenName": "Kari",
      "surname": "Nordmann",
      "jobTitle": null,
      "mail": "kari@example.com",
      "mobilePhone": "+47 412 34 567",
      "userPrincipalName": "kari@example.com",
      "id": "KARI_ID",
      "accountEnabled": false,
      "usageLocation": "NO",
      "onPremisesSyncEnabled": true,
      "userType": "Member"
    },
    {"givenName": "Ola", "surname": "", "jobTitle": "CEO", "mail": null, "mobilePhone": 4.79877E+09,
     "userPrincipalName": "ola@example.com", "id": "OLA_ID", "accountEnabled": true,
     "usageLocation": null, "onPremisesSyncEnabled": null, "userType": "Member",
     "businessPhones": []}
  ],
  "@odata.nextLink": "https://graph.microsoft.com/v1.0/users?$skiptoken=RFNwdAIAAQAAAD"
}
""".replace("KARI_ID", KARI_ID).replace("OLA_ID", OLA_ID)


def test_graph_one_page(tmp_path: Path) -> None:
    export, records, findings = read_all(write(tmp_path, "page.json", GRAPH_PAGE.encode()))
    assert (export.info.format, export.info.encoding, export.info.delimiter) == (
        "graph-json",
        "utf-8",
        None,
    )
    assert export.info.columns == {
        "employee_number": "userPrincipalName",
        "first_name": "givenName",
        "last_name": "surname",
        "email": "mail",
        "phone_number": "mobilePhone",
        "position": "jobTitle",
        "external_id": "id",
        "active": "accountEnabled",
    }
    kari, ola = records
    assert (kari.row, kari.pointer, kari.line) == (1, "/value/0", 4)
    assert (ola.row, ola.pointer, ola.line) == (2, "/value/1", 18)
    assert kari.values == {
        "employee_number": "kari@example.com",
        "first_name": "Kari",
        "last_name": "Nordmann",
        "email": "kari@example.com",
        "phone_number": "+47 412 34 567",
        "position": None,
        "external_id": KARI_ID,
        "active": "false",
    }
    assert (kari.account_enabled, kari.directory_synced, kari.usage_location) == (False, True, "NO")
    assert ola.values["phone_number"] == "4.79877E+09"  # the number's text, as written
    assert (ola.values["last_name"], ola.values["email"], ola.values["active"]) == (
        None,
        None,
        "true",
    )
    assert (ola.account_enabled, ola.directory_synced, ola.usage_location) == (True, None, None)
    assert kari.raw is not None and kari.raw["businessPhones"] == ["+47 22 00 00 00"]
    # the page still has an @odata.nextLink: only the first page was saved
    assert [(f.rule, f.line, f.row) for f in findings] == [("F007", 23, None)]


def test_graph_array_of_pages_and_bare_array(tmp_path: Path) -> None:
    page1 = '{"value": [{"id": "a", "userPrincipalName": "a@example.com"}]}'
    page2 = (
        '{"value": [{"id": "b", "userPrincipalName": "b@example.com"}, '
        '{"id": "c", "userPrincipalName": "c@example.com"}]}'
    )
    export, records, _ = read_all(write(tmp_path, "pages.json", f"[{page1},\n{page2}]".encode()))
    assert export.info.format == "graph-json"
    assert [(r.row, r.pointer, r.line) for r in records] == [
        (1, "/0/value/0", 1),
        (2, "/1/value/0", 2),
        (3, "/1/value/1", 2),
    ]
    bare = '[\n {"id": "a", "userPrincipalName": "a@example.com"},\n {"id": "b"}\n]'
    export, records, _ = read_all(write(tmp_path, "bare.json", bare.encode()))
    assert [(r.row, r.pointer, r.line, r.object_id) for r in records] == [
        (1, "/0", 2, "a"),
        (2, "/1", 3, "b"),
    ]


def test_graph_concatenated_pages_pointer_is_within_each_page(tmp_path: Path) -> None:
    second = '{"value": [{"id": "x", "userPrincipalName": "x@example.com"}]}'
    text = GRAPH_PAGE + second + "\n" + second
    export, records, findings = read_all(write(tmp_path, "concat.json", text.encode()))
    assert export.info.format == "graph-json"
    assert [(r.row, r.pointer, r.line) for r in records] == [
        (1, "/value/0", 4),
        (2, "/value/1", 18),
        (3, "/value/0", 25),
        (4, "/value/0", 26),
    ]
    assert export.info.records == 4
    assert findings == []


def test_graph_json_lines(tmp_path: Path) -> None:
    lines = [
        f'{{"id": "{KARI_ID}", "userPrincipalName": "kari@example.com", "mobilePhone": null}}',
        "",
        f'{{"id": "{OLA_ID}", "userPrincipalName": "ola@example.com", "mobilePhone": "98765432"}}',
    ]
    path = write(tmp_path, "users.jsonl", ("\n".join(lines) + "\n").encode())
    export, records, findings = read_all(path)
    assert export.info.format == "graph-jsonl"
    assert [(r.row, r.pointer, r.line) for r in records] == [(1, "", 1), (2, "", 3)]
    assert records[1].values["phone_number"] == "98765432"
    # no givenName, surname, mail, jobTitle or accountEnabled properties
    assert codes(findings) == ["F003"] * 5
    assert all("property" in f.message for f in findings)


F007_NEXT = (
    "https://graph.microsoft.com/v1.0/users?$select=id,userPrincipalName&$top=2"
    "&$skiptoken=RFNwdAIAAQAAACpVc2VyXzE"
)


def _graph_page(users: list[str], next_link: str | None) -> str:
    body = [f'{{"id": "{u}", "userPrincipalName": "{u}@example.com"}}' for u in users]
    link = f',\n  "@odata.nextLink": "{next_link}"' if next_link else ""
    return (
        '{\n  "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users",\n'
        f'  "value": [{", ".join(body)}]{link}\n}}'
    )


def test_f007_graph_export_that_stops_before_the_last_page(tmp_path: Path) -> None:
    # two pages appended by a loop that stopped early: the second still has a nextLink
    text = _graph_page(["a", "b"], F007_NEXT) + "\n" + _graph_page(["c", "d"], F007_NEXT) + "\n"
    export, records, findings = read_all(write(tmp_path, "stopped.json", text.encode()))
    assert export.info.records == len(records) == 4
    assert all(r.malformed is None for r in records)  # the users present are still checked
    f007 = [f for f in findings if f.rule == "F007"]
    assert [(f.line, f.row, f.severity.value) for f in f007] == [(9, None, "error")]
    assert f007[0].message == (
        "The export is incomplete: it stops after 2 pages (4 users), and its last page still "
        "has an @odata.nextLink (https://graph.microsoft.com/v1.0/users), so the rest of the "
        "users were never downloaded and are not checked. Export all pages: Get-MgUser -All, "
        "or follow @odata.nextLink until a page has none and save every page."
    )
    assert "skiptoken" not in f007[0].message and "$select" not in f007[0].message


@pytest.mark.parametrize("joined", ["concatenated", "array"])
def test_f007_not_raised_when_the_last_page_has_no_next_link(tmp_path: Path, joined: str) -> None:
    pages = [_graph_page(["a"], F007_NEXT), _graph_page(["b"], F007_NEXT), _graph_page(["c"], None)]
    text = "\n".join(pages) if joined == "concatenated" else "[" + ",\n".join(pages) + "]"
    _, records, findings = read_all(write(tmp_path, "all.json", text.encode()))
    assert [r.object_id for r in records] == ["a", "b", "c"]
    assert "F007" not in codes(findings)
    # the same pages in an array, the last one cut off with its nextLink: incomplete
    text = "[" + ",\n".join(pages[:2]) + "]"
    _, _, findings = read_all(write(tmp_path, "two.json", text.encode()))
    assert [(f.rule, f.line) for f in findings if f.rule == "F007"] == [("F007", 9)]


def test_json_lines_with_null_and_other_non_objects(tmp_path: Path) -> None:
    lines = [
        "null",
        f'{{"id": "{KARI_ID}", "userPrincipalName": "kari@example.com"}}',
        "null",
        "42",
        '"x"',
        "",
        f'{{"id": "{OLA_ID}", "userPrincipalName": "ola@example.com"}}',
    ]
    path = write(tmp_path, "nulls.jsonl", ("\n".join(lines) + "\n").encode())
    export, records, findings = read_all(path)
    assert export.info.format == "graph-jsonl"
    assert [(r.row, r.line, r.object_id, r.malformed is None) for r in records] == [
        (1, 1, None, False),
        (2, 2, KARI_ID, True),
        (3, 3, None, False),
        (4, 4, None, False),
        (5, 5, None, False),
        (6, 7, OLA_ID, True),
    ]
    assert records[0].malformed == (
        "Line 1 holds null instead of a user object, so there is no user to check here (a user "
        "the exporting script failed to read?). The lines after it were read. Remove the line, "
        "or export the users again."
    )
    assert records[3].malformed is not None
    assert records[3].malformed.startswith("Line 4 holds a string or number instead")
    assert export.info.records == 6
    assert "F004" not in codes(findings)  # the engine reports them, one per line


def test_json_lines_of_only_nulls_is_not_an_export(tmp_path: Path) -> None:
    assert unreadable(write(tmp_path, "n.json", b"null\nnull\n"), format="graph-jsonl") == (
        "the JSON's first entry is null, not a user object: not a Microsoft Graph /users export"
    )


def test_graph_json_with_bom_and_in_utf16(tmp_path: Path) -> None:
    export, records, _ = read_all(
        write(tmp_path, "bom.json", codecs.BOM_UTF8 + GRAPH_PAGE.encode())
    )
    assert export.info.encoding == "utf-8-sig" and len(records) == 2
    utf16 = codecs.BOM_UTF16_LE + GRAPH_PAGE.replace("Kari", "Kåre").encode("utf-16-le")
    export, records, _ = read_all(write(tmp_path, "u16.json", utf16))
    assert export.info.encoding == "utf-16-le"
    assert records[0].values["first_name"] == "Kåre"
    assert [r.line for r in records] == [4, 18]


def test_graph_problems_after_the_first_page(tmp_path: Path) -> None:
    error = '{"error": {"code": "TooManyRequests", "message": "Too many requests."}}'
    page = '{"value": [{"id": "x", "userPrincipalName": "x@example.com"}, 42, null]}'
    broken = '{"value": [{"id": "y", "userPrincipalName": "y@example.com"},\n {"id": '
    text = "\n".join([page, error, page, broken])
    export, records, findings = read_all(write(tmp_path, "p.json", text.encode()))
    assert [(r.row, r.line, r.pointer, r.malformed is None) for r in records] == [
        (1, 1, "/value/0", True),
        (2, 1, "/value/1", False),
        (3, 1, "/value/2", False),
        (4, 3, "/value/0", True),
        (5, 3, "/value/1", False),
        (6, 3, "/value/2", False),
        (7, 4, "/value/0", True),
    ]
    assert records[1].malformed == (
        'This element of the "value" array is a string or number, not a user object, so there '
        "is no user to check here. Export the users again."
    )
    assert records[2].malformed is not None and "is null" in records[2].malformed
    f004 = [f for f in findings if f.rule == "F004"]
    assert [(f.line, f.row) for f in f004] == [(2, None), (5, None)]
    assert f004[0].message.startswith(
        "This JSON document is a Microsoft Graph error response (TooManyRequests: Too many "
        "requests.) instead of a page of users"
    )
    assert f004[1].message.startswith("The JSON is broken on line 5 (")
    assert export.info.records == 7


def test_graph_lossy_and_replacement_characters(tmp_path: Path) -> None:
    users = [
        {"id": "a", "userPrincipalName": "a@example.com", "givenName": "J?rgen"},
        {"id": "b", "userPrincipalName": "b@example.com", "displayName": "Bj\ufffdrn"},
        {"id": "c", "userPrincipalName": "c@example.com", "givenName": "Åse"},
    ]
    import json

    text = json.dumps({"value": users}, ensure_ascii=False, indent=1)
    _, _, findings = read_all(write(tmp_path, "l.json", text.encode()))
    lossy = [f for f in findings if f.rule == "F005"]
    assert len(lossy) == 1 and "(lines 3, 8)" in lossy[0].message


def test_every_value_is_keyed_by_motimate_attribute(tmp_path: Path) -> None:
    for name, data in [
        ("a.csv", f"userPrincipalName,objectId,telephoneNumber\nk@example.com,{KARI_ID},1\n"),
        ("a.json", '{"value": [{"id": "x", "userPrincipalName": "x@e.com", "displayName": "X"}]}'),
    ]:
        _, records, _ = read_all(write(tmp_path, name, data.encode()))
        assert tuple(records[0].values) == MOTIMATE_ATTRIBUTES


@pytest.mark.parametrize(
    ("first_line", "delimiter"),
    [("sep=\t", "\t"), ('"sep=;"', ";"), ("SEP=|", "|"), ("sep=;;;", ";")],
)
def test_excel_sep_line_variants(tmp_path: Path, first_line: str, delimiter: str) -> None:
    header = delimiter.join(["userPrincipalName", "objectId", "givenName"])
    row = delimiter.join(["kari@example.com", KARI_ID, "Kari, K."])
    text = f"{first_line}\r\n{header}\r\n{row}\r\n"
    export, records, _ = read_all(write(tmp_path, "sep.csv", text.encode()))
    assert export.info.delimiter == delimiter
    assert (records[0].line, records[0].values["first_name"]) == (3, "Kari, K.")


def test_m365_admin_center_block_credential_means_disabled(tmp_path: Path) -> None:
    text = (
        "User principal name,Object Id,First name,Last name,Mobile Phone,Title,Block credential\n"
        f"kari@example.com,{KARI_ID},Kari,Nordmann,+4741234567,CTO,True\n"
        f"ola@example.com,{OLA_ID},Ola,Nordmann,,CEO,False\n"
    )
    export, records, _ = read_all(write(tmp_path, "m365.csv", text.encode()))
    assert export.info.format == "csv"
    assert [r.account_enabled for r in records] == [False, True]
    assert export.info.columns["first_name"] == "First name"
    assert export.info.columns["position"] == "Title"
    assert "active" not in export.info.columns  # only accountEnabled/Enabled feed `active`


def test_a_user_with_an_error_property_is_a_user(tmp_path: Path) -> None:
    # found by the property test: `{"id": …, "error": {}}` was taken for a Graph error response
    line = f'{{"id": "{KARI_ID}", "userPrincipalName": "kari@example.com", "error": {{}}}}\n'
    export, records, _ = read_all(write(tmp_path, "e.jsonl", line.encode()))
    assert [(r.row, r.object_id, r.malformed) for r in records] == [(1, KARI_ID, None)]
    assert export.info.format == "graph-jsonl"
