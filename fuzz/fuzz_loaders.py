"""Coverage-guided fuzzing of the export loaders (CSV and Graph JSON) and the per-user rules.

Each input is written to a file and read the way `motiscim check` reads it: `open_export`, every
record, `file_findings()`, and every per-user rule on every record. `UnreadableExport` (F001) is
a correct answer; any other exception is a crash, which libFuzzer saves as `crash-*` and which
belongs in `tests/test_fuzz_regressions.py`. The first byte of an input picks a forced
`--input-format` (most values: auto-detect), so the shape-specific paths are fuzzed too.

    /tmp/v0/bin/python fuzz/fuzz_loaders.py                       # 60 s, seeds from tests/nasty
    /tmp/v0/bin/python fuzz/fuzz_loaders.py -max_total_time=600 fuzz/corpus
    /tmp/v0/bin/python fuzz/fuzz_loaders.py crash-1234abcd         # replay one input

See fuzz/README.md. Not run in CI.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["motiscim_cli", "checks"]):
    # The loaders and rules are imported lazily by the code; import them here so that they
    # are instrumented (coverage feedback exists only for modules imported in this block).
    import checks.rules
    import checks.text  # noqa: F401
    import motiscim_cli.loaders.csv_export
    import motiscim_cli.loaders.json_export
    import motiscim_cli.loaders.observe  # noqa: F401
    from checks.engine import Checker, select_rules
    from checks.model import CheckContext
    from motiscim_cli.loaders import FORMATS, UnreadableExport, open_export

ROOT = Path(__file__).resolve().parent.parent
SEED_LIMIT = 256 * 1024  # seeds larger than this (the 10 MB line, 100k-deep JSON) are skipped
# Inputs are written here; /dev/shm keeps it off the disk where there is one.
SCRATCH = Path(
    tempfile.mkdtemp(prefix="motiscim-fuzz-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None)
)
INPUT = SCRATCH / "input"
CHECKER = Checker(select_rules(None, ()), CheckContext(default_region="NO"))
FORMAT_BY_BYTE = {index: name for index, name in enumerate(FORMATS)}  # else: auto-detect


def read_everything(data: bytes) -> None:
    forced = FORMAT_BY_BYTE.get(data[0]) if data else None
    INPUT.write_bytes(data[1:] if data else data)
    try:
        export = open_export(str(INPUT), format=forced)
    except UnreadableExport as error:
        assert "\n" not in str(error)
        return
    with export:
        for record in export.records():
            CHECKER.check(record)
        export.file_findings()


def seed_corpus(directory: Path) -> None:
    """Seed the working corpus with the nasty corpus and the samples (once, when empty)."""
    sys.path.insert(0, str(ROOT))
    from tests.nasty.make_nasty import NASTY

    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.iterdir()):
        return
    seeds = {name: make() for name, make in NASTY.items()}
    for sample in (
        sorted((ROOT / "sample_exports").glob("*")) if (ROOT / "sample_exports").is_dir() else ()
    ):
        if sample.is_file():
            seeds[sample.name] = sample.read_bytes()
    for name, data in seeds.items():
        if len(data) <= SEED_LIMIT:
            (directory / name).write_bytes(b"\xff" + data)  # 0xff: auto-detect the shape


def main() -> None:
    arguments = sys.argv[1:]
    if not any(a.startswith("-max_total_time") or a.startswith("-runs") for a in arguments):
        arguments.insert(0, "-max_total_time=60")
    if not any(a.startswith("-max_len") for a in arguments):
        arguments.insert(0, "-max_len=65536")
    if not any(a.startswith("-artifact_prefix") for a in arguments):
        arguments.insert(0, f"-artifact_prefix={ROOT / 'fuzz'}/")  # crash-* land in fuzz/
    if not any(a.startswith("-dict") for a in arguments):
        arguments.insert(0, f"-dict={ROOT / 'fuzz' / 'loaders.dict'}")
    if not any(not a.startswith("-") for a in arguments):
        corpus = ROOT / "fuzz" / "corpus"
        seed_corpus(corpus)
        arguments.append(str(corpus))
    atheris.Setup([sys.argv[0], *arguments], read_everything)
    try:
        atheris.Fuzz()
    finally:
        INPUT.unlink(missing_ok=True)
        os.rmdir(SCRATCH)


if __name__ == "__main__":
    main()
