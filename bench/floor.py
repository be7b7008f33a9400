"""The least a pure-Python check of an Entra CSV can cost, next to a bare `csv.reader` pass.

    python bench/floor.py /tmp/users-1m.csv

Not motiscim: a lower bound for any checker written in Python on the same reader. Per user it
only does what every checker must — read the row with `csv.reader`, test the clean shape of
the two phone columns (spaces left out) and the two address columns with a compiled regex,
look at the three name columns for outer blanks, and keep a 64-bit hash of three uniqueness
keys — and at the end counts the hashes once. It builds no record, calls neither phonenumbers
nor email-validator, tests no phone number against its region's numbering plan, writes no
finding and no report. One process; times are wall seconds on an idle machine.

`--libraries` adds what no checker can skip while its verdicts must equal the libraries':
phonenumbers (parse, is_valid_number) and email-validator (no DNS) on each distinct phone and
address value the clean shapes did not clear. motiscim's column tests clear more values than
these regexes (a '+' number's verdict is remembered by its country code, length and leading
digits), so this part is an upper bound of that cost.
"""

from __future__ import annotations

import argparse
import csv
import re
import time
from array import array
from collections import Counter

_PHONE = re.compile(r"\+[1-9][0-9]{6,14}")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+")


def bare(path: str) -> int:
    users = -1
    with open(path, newline="", encoding="utf-8-sig") as handle:
        for _ in csv.reader(handle):
            users += 1
    return users


def floor(path: str) -> tuple[int, list[str], list[str], int]:
    """Users read, the phone and address values no clean shape cleared (those a real checker
    hands on to the libraries), and how many names and repeated keys it would look at."""
    phone_ok, email_ok = _PHONE.fullmatch, _EMAIL.fullmatch
    keys = (array("q"), array("q"), array("q"))
    upn_keys, mail_keys, id_keys = (k.append for k in keys)
    unclear_phones: list[str] = []
    unclear_emails: list[str] = []
    unclear = 0
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        at = {name: header.index(name) for name in header}
        upn, mail, oid = at["userPrincipalName"], at["mail"], at["id"]
        phones = (at["mobilePhone"], at["telephoneNumber"])
        names = (at["givenName"], at["surname"], at["displayName"])
        users = 0
        for cells in reader:
            users += 1
            for i in phones:
                value = cells[i]
                if value and not phone_ok(value) and not phone_ok(value.replace(" ", "")):
                    unclear_phones.append(value)
            for i in (upn, mail):
                value = cells[i]
                if value and not email_ok(value):
                    unclear_emails.append(value)
            for i in names:
                value = cells[i]
                if value != value.strip():
                    unclear += 1
            upn_keys(hash(cells[upn].casefold()))
            mail_keys(hash(cells[mail].casefold()))
            id_keys(hash(cells[oid]))
    for hashes in keys:
        unclear += sum(1 for count in Counter(hashes).values() if count > 1)
    return users, unclear_phones, unclear_emails, unclear


def libraries(phones: list[str], emails: list[str]) -> int:
    """The libraries' verdicts on the values the shapes left, as a checker must get them:
    how many distinct values they refuse."""
    import phonenumbers
    from email_validator import EmailNotValidError, validate_email

    refused = 0
    for value in set(phones):  # a checker remembers the verdict per distinct text
        try:
            refused += not phonenumbers.is_valid_number(phonenumbers.parse(value, None))
        except phonenumbers.NumberParseException:
            refused += 1
    for value in set(emails):
        try:
            validate_email(value, check_deliverability=False)
        except EmailNotValidError:
            refused += 1
    return refused


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", help="an Entra CSV export (bench/generate.py --format csv)")
    parser.add_argument("--libraries", action="store_true", help="also time the libraries")
    arguments = parser.parse_args()
    path = arguments.file
    started = time.perf_counter()
    users = bare(path)
    bare_s = time.perf_counter() - started
    started = time.perf_counter()
    read, phones, emails, looked_at = floor(path)
    floor_s = time.perf_counter() - started
    print(f"users: {users}")
    print(f"bare csv.reader pass: {bare_s:6.2f} s  ({bare_s / users * 1e6:.1f} µs/user)")
    print(f"floor, one process:   {floor_s:6.2f} s  ({floor_s / read * 1e6:.1f} µs/user)")
    print(f"ratio floor/bare: {floor_s / bare_s:.2f}x in one process")
    print(f"left for the libraries: {len(phones)} phones, {len(emails)} addresses", end="")
    print(f" ({len(set(phones))} and {len(set(emails))} distinct)")
    print(f"names with outer blanks and repeated keys: {looked_at}")
    if arguments.libraries:
        started = time.perf_counter()
        refused = libraries(phones, emails)
        library_s = time.perf_counter() - started
        values = len(set(phones)) + len(set(emails))
        per_value = library_s / values * 1e6
        print(f"libraries on them:    {library_s:6.2f} s  ({per_value:.1f} µs/value)")
        print(f"refused by them: {refused} of {values} distinct values")
        total = floor_s + library_s
        print(f"floor + libraries:    {total:6.2f} s  ({total / bare_s:.2f}x the bare pass)")


if __name__ == "__main__":
    main()
