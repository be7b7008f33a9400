"""The bundled sample exports: reproducible from make_samples.py, and read as README.md says."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from motiscim_cli.loaders import open_export

SAMPLES = Path(__file__).resolve().parent.parent / "sample_exports"


def _make_samples() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_samples", SAMPLES / "make_samples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module


MAKE = _make_samples()

# file: (format, encoding, delimiter, records, file finding codes, malformed (row, line, upn))
EXPECTED = {
    "entra-users-download.csv": (
        "entra-portal-csv", "utf-8-sig", ",", 26, [], [(16, 17, "henrik.strand@example.com")],
    ),
    "entra-users-download-legacy.csv": (
        "entra-portal-csv-legacy", "utf-8", ",", 7, [], [(6, 7, "hanne.bakken@example.com")],
    ),
    "entra-users-excel.csv": (
        "entra-portal-csv", "cp1252", ";", 26, [], [(16, 17, "henrik.strand@example.com")],
    ),
    "graph-users-page.json": ("graph-json", "utf-8", None, 7, [], []),
    "graph-users-pages.json": ("graph-json", "utf-8", None, 9, ["F003"], []),
    "graph-users.jsonl": ("graph-jsonl", "utf-8", None, 8, [], []),
    "mggraph-users.csv": ("mggraph-csv", "utf-8", ",", 7, ["F005"], []),
    "mggraph-users-unicode.csv": ("mggraph-csv", "utf-16-le", ",", 7, [], []),
    "azuread-users.csv": ("azuread-csv", "utf-8-sig", ",", 7, [], []),
    "adsi-users.csv": ("adsi-csv", "utf-8-sig", ",", 6, [], []),
}  # fmt: skip


def test_every_generated_sample_is_committed_byte_for_byte() -> None:
    assert set(MAKE.FILES) == set(EXPECTED)
    for name, build in MAKE.FILES.items():
        assert (SAMPLES / name).read_bytes() == build(), f"{name}: run make_samples.py"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_is_read_as_the_readme_says(name: str) -> None:
    form, encoding, delimiter, count, file_codes, malformed = EXPECTED[name]
    export = open_export(str(SAMPLES / name))
    records = list(export.records())
    assert (export.info.format, export.info.encoding, export.info.delimiter) == (
        form,
        encoding,
        delimiter,
    )
    assert export.info.records == len(records) == count
    assert [r.row for r in records] == list(range(1, count + 1))
    assert [f.rule for f in export.file_findings()] == file_codes
    assert [
        (r.row, r.line, r.user_principal_name) for r in records if r.malformed is not None
    ] == malformed
    assert all(r.object_id for r in records)  # every user keeps its object ID


def test_main_sample_planted_values_arrive_raw() -> None:
    export = open_export(str(SAMPLES / "entra-users-download.csv"))
    by_upn = {r.user_principal_name: r for r in export.records()}
    assert by_upn["ola.nordmann@example.com"].values["phone_number"] == "98765432"
    assert by_upn["nils.haugen@example.com"].values["phone_number"] == "4.79877E+09"
    assert by_upn["lars.eriksen@example.com "].values["employee_number"] == (
        "lars.eriksen@example.com "
    )
    assert by_upn["sofia.lindqvist@example.com"].values["email"] == "sofia.lindqvist@example.com "
    assert by_upn["mette.dahl@example.com"].values["email"] is None
    assert by_upn["terje.solberg@example.com"].account_enabled is False
    guest = by_upn["anna.svensson_example.org#EXT#@example.com"]
    assert (guest.user_type, guest.values["first_name"], guest.region) == ("Guest", None, None)
    assert by_upn["soren.kristensen@example.com"].values["first_name"] == "SÃ¸ren"
    assert by_upn["juergen.weiss@example.com"].region == "DE"
    assert by_upn["kari.nordmann@example.com"].directory_synced is True
    assert by_upn["kari.nordmann@example.com"].raw["telephoneNumber"] == "22 00 00 01"  # type: ignore[index]


def test_excel_copy_lost_the_plus_of_every_plain_number() -> None:
    export = open_export(str(SAMPLES / "entra-users-excel.csv"))
    phones = {r.user_principal_name: r.values.get("phone_number") for r in export.records()}
    assert phones["kari.nordmann@example.com"] == "4741234567"
    assert phones["ase.odegard@example.com"] == "4741234568"
    assert phones["nils.haugen@example.com"] == "4,79877E+09"
    assert phones["jorgen.brathen@example.com"] == "+47 987 65 431"  # text: Excel left it alone
    assert MAKE.excel_number("+4915123456789") == "4,91512E+12"
