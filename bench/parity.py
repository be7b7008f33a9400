"""Fast path versus oracle on a generated (or given) export: identical findings, or a diff.

    python bench/parity.py --users 200000            # generate, then compare
    python bench/parity.py --file /tmp/users-1m.csv  # compare on an existing export

The oracle is `Checker(fast=False)`: every rule called on every value, phonenumbers and
email-validator called through their public APIs, uncached. Not run in CI (tests/test_parity.py
is the small version).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from checks.engine import Checker, batched, select_rules
from checks.model import CheckContext, Finding

FIELDS = (
    "rule",
    "severity",
    "message",
    "source",
    "row",
    "line",
    "pointer",
    "user_principal_name",
    "object_id",
    "attribute",
    "column",
    "value",
    "fix",
    "fix_confidence",
    "related_rows",
)


def findings(
    path: str,
    *,
    fast: bool,
    region: str | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
) -> list[tuple]:
    """Every user and population finding for `path`, as comparable tuples, in report order
    (of the rules `select` and `ignore` choose, as `--select`/`--ignore` do)."""
    from motiscim_cli.loaders import open_export

    rules = select_rules(select, ignore)
    checker = Checker(rules, CheckContext(default_region=region), fast=fast)
    found: list[Finding] = []
    export = open_export(path)
    if fast:  # as `motiscim check` reads: a batch of records at a time
        for batch in batched(export.records()):
            found.extend(checker.check_many(batch))
    else:  # the plain way: every rule on every value, one record at a time
        for record in export.records():
            found.extend(checker.check(record))
    found.extend(checker.finish())
    rows = [tuple(getattr(f, name) for name in FIELDS) for f in found]
    rows = [(*r[:-1], tuple(r[-1])) for r in rows]
    rows.sort(key=lambda r: (r[3] or "", r[4] if r[4] is not None else -1, r[0]))
    return rows


def compare(path: str, region: str | None = None) -> int:
    started = time.monotonic()
    fast = findings(path, fast=True, region=region)
    middle = time.monotonic()
    plain = findings(path, fast=False, region=region)
    done = time.monotonic()
    print(
        f"{path}: fast {len(fast)} findings in {middle - started:.1f} s, "
        f"oracle {len(plain)} in {done - middle:.1f} s"
    )
    if fast == plain:
        print("identical")
        return 0
    only_fast = set(fast) - set(plain)
    only_plain = set(plain) - set(fast)
    print(f"DIFFERENT: {len(only_fast)} only in fast, {len(only_plain)} only in oracle")
    for row in sorted(only_fast, key=str)[:10]:
        print("  fast  ", row)
    for row in sorted(only_plain, key=str)[:10]:
        print("  oracle", row)
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--file")
    parser.add_argument("--users", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--format", choices=("csv", "json"), default="csv")
    parser.add_argument("--region", default=None)
    args = parser.parse_args(argv)
    if args.file:
        return compare(args.file, args.region)
    from bench.generate import write_csv, write_graph_json

    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, f"users.{args.format}")
        writer = write_csv if args.format == "csv" else write_graph_json
        with open(path, "w", encoding="utf-8", newline="") as out:
            writer(out, args.users, args.seed)
        return compare(path, args.region)


if __name__ == "__main__":
    raise SystemExit(main())
