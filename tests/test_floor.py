"""bench/floor.py, the lower bound quoted in the README: it must count what it claims to."""

from __future__ import annotations

from pathlib import Path

from bench.floor import bare, floor, libraries

HEADER = "id,userPrincipalName,mail,mobilePhone,telephoneNumber,givenName,surname,displayName\n"


def test_floor_hands_on_exactly_the_values_its_shapes_do_not_clear(tmp_path: Path) -> None:
    export = tmp_path / "users.csv"
    export.write_text(
        HEADER
        + "1,kari@example.com,kari@example.com,+4741234567,+47 22 00 00 01,Kari,Nordmann,Kari\n"
        + "2,per@example.com,per@exämple.de,98765432,,Per ,Berg,Per Berg\n"
        + "3,Kari@Example.com,,Mob: +4741234568,+4700000000,Ola,Hansen,Ola Hansen\n",
        encoding="utf-8-sig",
    )
    assert bare(str(export)) == 3
    users, phones, emails, looked_at = floor(str(export))
    assert (users, phones, emails) == (3, ["98765432", "Mob: +4741234568"], ["per@exämple.de"])
    # 'Per ' has an outer blank; kari@example.com repeats as a UPN (case aside), not as a mail
    assert looked_at == 2
    # '98765432' has no country code; phonenumbers finds +4741234568 in 'Mob: …' (motiscim's
    # own rules report the label); the internationalised domain is valid
    assert libraries(phones, emails) == 1
