"""Time `motiscim check FILE --format json --output OUT` against a bare `csv.reader` pass.

    python bench/run.py /tmp/users-1m.csv [--motiscim /tmp/v0/bin/motiscim] [--users 1000000]
    python bench/run.py /tmp/users-1m.json --no-baseline --users 1000000

Both run as subprocesses, one after the other, in the same run. For each: wall time (monotonic
clock around the child), peak RSS of the whole process tree, and users per second.

Peak RSS method: a sampler thread reads /proc/<pid>/status (VmRSS) of the child and of every
descendant (found through /proc/<pid>/task/*/children) every 5 ms and keeps the largest *sum*
over the tree seen at one instant; that covers worker processes, which
`getrusage(RUSAGE_CHILDREN).ru_maxrss` does not (it reports only the largest single process).
The largest single-process VmHWM seen and `ru_maxrss` are printed alongside as a cross-check:
the tree sum can miss a peak shorter than the sampling interval, VmHWM cannot.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass

BARE_CSV = """
import csv, sys
users = -1
with open(sys.argv[1], newline="", encoding="utf-8-sig") as handle:
    for _ in csv.reader(handle):
        users += 1
print(users)
"""


@dataclass
class Measurement:
    label: str
    wall: float
    cpu: float  # user + system seconds of the child and the children it waited for
    tree_peak_kib: int  # largest sum of VmRSS over the process tree at one sample
    single_hwm_kib: int  # largest VmHWM of any one process in the tree
    returncode: int
    processes: int  # distinct pids seen


def _status_kib(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    todo.extend(int(c) for c in children.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return pids


def measure(label: str, command: list[str], interval: float = 0.005) -> Measurement:
    start = time.monotonic()
    with tempfile.TemporaryFile() as stderr:
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
        peak = hwm = 0
        seen: set[int] = set()
        done = threading.Event()

        def sample() -> None:
            nonlocal peak, hwm
            while not done.is_set():
                pids = _tree(child.pid)
                seen.update(pids)
                peak = max(peak, sum(_status_kib(p, "VmRSS:") for p in pids))
                hwm = max([hwm, *(_status_kib(p, "VmHWM:") for p in pids)])
                time.sleep(interval)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        # wait4 gives this child's own rusage (its CPU time, and that of the workers it
        # waited for), which stays meaningful when other work shares the machine.
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - start
        done.set()
        sampler.join()
        if child.returncode not in (0, 1):
            stderr.seek(0)
            sys.stderr.write(stderr.read().decode(errors="replace"))
    cpu = usage.ru_utime + usage.ru_stime
    return Measurement(label, wall, cpu, peak, hwm, child.returncode, len(seen))


def count_users(path: str) -> int:
    out = subprocess.run(
        [sys.executable, "-c", BARE_CSV, path], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("file", help="export to check (CSV or Graph JSON)")
    parser.add_argument("--motiscim", default=shutil.which("motiscim") or "motiscim")
    parser.add_argument("--users", type=int, help="users in the file (default: counted)")
    parser.add_argument("--csv", help="CSV for the bare csv.reader pass (default: FILE)")
    parser.add_argument("--output", help="where the JSON report goes (default: a temp file)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the csv.reader pass")
    args = parser.parse_args(argv)

    baseline_file = args.csv or args.file
    users = args.users
    rows: list[Measurement] = []
    with tempfile.TemporaryDirectory() as scratch:
        output = args.output or os.path.join(scratch, "report.json")
        if not args.no_baseline:
            rows.append(measure("csv.reader", [sys.executable, "-c", BARE_CSV, baseline_file]))
        rows.append(
            measure(
                "motiscim check",
                [args.motiscim, "check", args.file, "--format", "json", "--output", output],
            )
        )
        size = os.path.getsize(output) if os.path.exists(output) else 0
    if users is None:
        users = count_users(baseline_file) if baseline_file.endswith(".csv") else None

    ru = __import__("resource").getrusage(__import__("resource").RUSAGE_CHILDREN).ru_maxrss
    print(f"file: {args.file} ({os.path.getsize(args.file) / 2**20:.1f} MiB), users: {users}")
    print(
        f"{'':16} {'wall s':>8} {'cpu s':>8} {'users/s':>10} {'tree peak MiB':>14} "
        f"{'max HWM MiB':>12} pids"
    )
    for m in rows:
        rate = f"{users / m.wall:,.0f}" if users else "?"
        print(
            f"{m.label:16} {m.wall:8.2f} {m.cpu:8.2f} {rate:>10} {m.tree_peak_kib / 1024:14.1f} "
            f"{m.single_hwm_kib / 1024:12.1f} {m.processes:4d}  (exit {m.returncode})"
        )
    if len(rows) == 2:
        print(
            f"ratio check/csv.reader: wall {rows[1].wall / rows[0].wall:.2f}x, "
            f"cpu {rows[1].cpu / rows[0].cpu:.2f}x"
        )
    print(f"load average at the end: {os.getloadavg()[0]:.2f} (nproc {os.cpu_count()})")
    print(f"RUSAGE_CHILDREN ru_maxrss (largest single child): {ru / 1024:.1f} MiB")
    print(f"JSON report: {size / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
