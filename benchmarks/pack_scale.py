"""Benchmark: ``confcheck pack`` against ``confcheck lint`` of the same synthetic snapshot.

The deployments are lint_scale.py's (three clusters per site, every Table 3 setting, real EC
certificates); 1,000 sites are the 3,000-cluster snapshot. Both commands run as whole processes, as
users run them, one after the other, the median of ``--repeat`` runs each. Packing judges the
snapshot exactly as lint does, then builds the plan, the CSR plan, walks every chain presented to
its root (one signature verification per link) and writes the directory. Goal: packing takes at
most twice the time of linting.

    python benchmarks/pack_scale.py [--sites 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from lint_scale import build

from confcheck import snapshot


def run(argv: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MiB) of one confcheck process.

    CPU time is reported beside wall time because the machine is shared: other jobs stretch the wall
    time of whichever command they happen to overlap, not the work each command does.
    """
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{argv}: exit {code}: {process.stderr.read().decode() if process.stderr else ''}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sites", type=int, default=1000, help="sites (3 clusters each); 1000 = 3,000 clusters"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per command (the median is reported)")
    args = parser.parse_args()
    confcheck = [sys.executable, "-m", "confcheck"]
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        deployment = build(args.sites)
        path = Path(tmp) / "snapshot.json"
        snapshot.write(deployment, path)
        print(
            f"{len(deployment.clusters)} clusters, snapshot {path.stat().st_size / 2**20:.1f} MB, "
            f"generated in {time.perf_counter() - started:.1f}s",
            flush=True,
        )
        lint_runs, pack_runs = [], []
        for number in range(args.repeat):  # interleaved, so that machine load hits both alike
            lint_runs.append(run([*confcheck, "lint", str(path), "--format", "json", "--fail-on", "never"]))
            out = Path(tmp) / f"pack-{number}"
            pack_runs.append(run([*confcheck, "pack", str(path), "--output-dir", str(out)]))
        files = sum(1 for p in (Path(tmp) / "pack-0").rglob("*") if p.is_file())
    print(f"{'command':<8} {'wall':>8} {'CPU':>8} {'peak RSS':>9}")
    medians = {}
    for name, runs in (("lint", lint_runs), ("pack", pack_runs)):
        wall, cpu = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
        medians[name] = (wall, cpu)
        print(f"{name:<8} {wall:>7.2f}s {cpu:>7.2f}s {max(r[2] for r in runs):>7.0f}MB")
    (lint_wall, lint_cpu), (pack_wall, pack_cpu) = medians["lint"], medians["pack"]
    print(
        f"pack / lint: {pack_wall / lint_wall:.2f}x wall, {pack_cpu / lint_cpu:.2f}x CPU ({files} files written; goal: at most 2x)"
    )


if __name__ == "__main__":
    main()
