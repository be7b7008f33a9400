"""The fast paths give exactly the findings of the plain implementation (the oracle).

Oracle: `Checker(fast=False)` calls every rule on every value, and the rules' helpers call
phonenumbers and email-validator through their public APIs, uncached. A bigger run than CI's:
`python bench/parity.py --users 1000000`.
"""

from __future__ import annotations

import random
from pathlib import Path

import phonenumbers
import pytest

from bench.generate import write_csv, write_graph_json
from bench.parity import findings
from checks import fast
from checks.rules.email import address_problem, validated_problem
from checks.rules.phone import judge, judge_plain
from checks.text import BLANK, is_blank_char


@pytest.fixture(autouse=True)
def _fast_paths_back_on():
    yield
    fast.set_enabled(True)


def _corpus(tmp_path: Path, users: int, kind: str, seed: int) -> str:
    path = tmp_path / f"users.{kind}"
    with path.open("w", encoding="utf-8", newline="") as out:
        (write_csv if kind == "csv" else write_graph_json)(out, users, seed)
    return str(path)


def test_generated_csv_same_findings_as_oracle(tmp_path: Path) -> None:
    path = _corpus(tmp_path, 20_000, "csv", seed=8)
    quick = findings(path, fast=True)
    plain = findings(path, fast=False)
    assert len(plain) > 3_000  # the corpus really has problems of every kind
    assert {f[0] for f in plain} >= {
        *("P001", "P002", "P003", "P004", "P005", "P006", "P007"),
        *("E001", "E002", "E003", "E004", "U003", "U004", "N001", "X002", "A001", "F004"),
    }
    assert quick == plain


def test_generated_graph_json_same_findings_as_oracle(tmp_path: Path) -> None:
    path = _corpus(tmp_path, 4_000, "json", seed=9)
    assert findings(path, fast=True, region="NO") == findings(path, fast=False, region="NO")


@pytest.mark.parametrize(
    ("select", "ignore"),
    [
        (None, ["P006", "P005", "E003", "U001", "X001"]),  # the claiming rules ignored
        (["P001", "E001", "U002", "X002", "N002"], []),  # later rules of each chain alone
    ],
)
def test_selection_same_findings_as_oracle(tmp_path: Path, select, ignore) -> None:
    """A rule that claims a value unreported skips the clean tests' shortcut in neither path."""
    path = _corpus(tmp_path, 4_000, "csv", seed=10)
    quick = findings(path, fast=True, select=select, ignore=ignore)
    assert len(quick) > 50  # the corpus has values for each chosen rule
    assert quick == findings(path, fast=False, select=select, ignore=ignore)


def test_blank_regex_is_is_blank_char_on_every_code_point() -> None:
    differ = [
        c for c in range(0x110000) if is_blank_char(chr(c)) != (BLANK.match(chr(c)) is not None)
    ]
    assert differ == []


def _phone_samples() -> list[str]:
    """Example numbers of every region and type, and variations of their digits."""
    rnd = random.Random(8)
    samples: list[str] = []
    types = [v for k, v in vars(phonenumbers.PhoneNumberType).items() if k.isupper()]
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in types:
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            digits = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)[1:]
            samples.append(digits)
            for _ in range(3):  # same prefix, other tail; one digit longer and shorter
                cut = rnd.randrange(1, len(digits))
                tail = "".join(str(rnd.randrange(10)) for _ in range(len(digits) - cut))
                samples += [digits[:cut] + tail, digits + str(rnd.randrange(10)), digits[:-1]]
    return samples


def test_judge_by_prefix_equals_phonenumbers() -> None:
    samples = _phone_samples()
    assert len(samples) > 5_000
    fast.set_enabled(True)
    fast._judged.clear()
    fast._asked[0] = fast._WARM_UP  # past the warm-up: the shortcut is on from the start
    random.Random(9).shuffle(samples)  # which number of a prefix class is judged first varies
    quick = [judge(d) for d in samples]
    plain = [judge_plain(d) for d in samples]
    assert quick == plain
    reused = sum(1 for d in samples if fast.judge_international(d) is not None)
    assert reused > len(samples) // 2  # the shortcut was really taken


@pytest.mark.parametrize(
    "address",
    [
        "kari.nordmann@example.com",
        "o'brien+tag@example.no",
        "KARI@EXAMPLE.COM",
        "a" * 64 + "@example.com",
        "a" * 65 + "@example.com",
        "kari@" + "d" * 63 + "." + "e" * 63 + "." + "f" * 63 + ".com",
        "k" * 60 + "@" + "d" * 63 + "." + "e" * 63 + "." + "f" * 60 + ".no",
        "kari@exämple.de",
        "kari..nordmann@example.com",
        ".kari@example.com",
        "kari.@example.com",
        "kari@example",
        "kari@example.com.",
        "kari@@example.com",
        "kari@localhost",
        "kari@example.invalid",
        "kari@123.456",
        "kari@-example.com",
        "postmaster@example.com",
        "åse@example.no",
        "kari@[127.0.0.1]",
        '"kari"@example.com',
        "Kari <kari@example.com>",
        "kari@xn--exmple-cua.de",
    ],
)
def test_plain_address_shortcut_only_accepts_what_email_validator_accepts(address: str) -> None:
    fast.set_enabled(True)
    assert address_problem(address) == validated_problem(address)[0]
    if fast.address_accepted(address):
        assert validated_problem(address)[0] is None


def test_the_phone_shortcut_switches_off_under_another_phonenumbers_series(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The horizon proof reads phonenumbers' metadata the way the pinned series uses it; a
    different series (installed against the pin) must send every number to phonenumbers."""
    assert phonenumbers.__version__.startswith(fast.PHONENUMBERS_SERIES)
    monkeypatch.setattr(fast, "_code_patterns", {})
    monkeypatch.setattr(fast, "_prefix_horizon", {})
    assert fast.code_horizon(47) < fast._INFINITE  # Norway's numbers are shortcut today
    monkeypatch.setattr(fast, "_code_patterns", {})
    monkeypatch.setattr(fast, "_prefix_horizon", {})
    monkeypatch.setattr(phonenumbers, "__version__", "9.1.0")
    assert fast.code_horizon(47) == fast._INFINITE
    assert judge("+4791234567") == judge_plain("+4791234567")
