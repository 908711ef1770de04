"""Benchmark: start-up of offline commands, whole process, against ``python -c pass``.

Each command runs as a new process (the console script's own ``python -m confcheck``), interleaved
with the floor ``python -c pass`` so that other jobs on the machine slow both alike. Printed per
command: the median wall seconds, the median CPU seconds (user + system, from ``wait4``: less
sensitive than wall time to other jobs on a shared machine), and the median of the paired ratios
against the floor's wall time.

Goal (issue 13): ``confcheck lint examples/demo-snapshot.json --format json`` in at most 0.15 s.
``confcheck demo`` is timed by ``audit_lab.py``; ``confcheck cert`` against servers by ``cert_nginx.py``
(its row here reads a PEM file: the same start-up, without a network).

    python benchmarks/startup.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL = 0.15
FLOOR = ("python -c pass", ["-c", "pass"])
COMMANDS = {
    "confcheck --version": ["-m", "confcheck", "--version"],
    "confcheck lint demo --format json": [
        "-m",
        "confcheck",
        "lint",
        str(ROOT / "examples" / "demo-snapshot.json"),
        "--format",
        "json",
    ],
    "confcheck rules": ["-m", "confcheck", "rules"],
    "confcheck cert FILE": ["-m", "confcheck", "cert", str(ROOT / "examples" / "certificates-trust.pem")],
}


def run(arguments: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one ``python ARGUMENTS`` process."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, *arguments], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        error = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"python {' '.join(arguments)} failed: {error}")
    if process.stderr:
        process.stderr.close()
    return elapsed, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    for arguments in [FLOOR[1], *COMMANDS.values()]:
        run(arguments)  # warm up: bytecode caches, the page cache
    floor: list[tuple[float, float]] = []
    results: dict[str, list[tuple[float, float]]] = {label: [] for label in COMMANDS}
    ratios: dict[str, list[float]] = {label: [] for label in COMMANDS}
    for _ in range(args.repeat):
        for label, arguments in COMMANDS.items():
            before = run(FLOOR[1])
            result = run(arguments)
            floor.append(before)
            results[label].append(result)
            ratios[label].append(result[0] / before[0])
    print(f"start-up, whole process, median of {args.repeat} (wall s, CPU s, wall / {FLOOR[0]}):")
    print(
        f"  {FLOOR[0]:<36} {statistics.median(w for w, _ in floor):6.3f}  "
        f"{statistics.median(c for _, c in floor):6.3f}"
    )
    for label, runs in results.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        goal = f"   (goal: at most {GOAL} s)" if label.startswith("confcheck lint") else ""
        print(f"  {label:<36} {wall:6.3f}  {cpu:6.3f}  x{statistics.median(ratios[label]):5.1f}{goal}")


if __name__ == "__main__":
    main()
