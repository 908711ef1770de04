"""Benchmark: rendering every report format for large deployments, and how that scales.

Uses the synthetic sites of ``lint_scale.py`` (3 clusters and 7 findings each), judges them once,
then renders each format into memory. Reports used to lay out each cluster by scanning the whole
report (quadratic); the goal is linear: 10x the sites in at most 11x the time, per format.

    python benchmarks/report_formats.py [--sites 100,1000]
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from lint_scale import build

from confcheck import plugin_manager
from confcheck.verdict import Options, judge


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sites", default="100,1000", help="comma-separated site counts (3 clusters per site)"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sites.split(",")]
    reporters = plugin_manager.reporters()
    timings: dict[str, list[float]] = {name: [] for name in reporters}
    findings = []
    for sites in sizes:
        report = judge(build(sites), Options(), "benchmark")
        findings.append(len(report.findings))
        for name, reporter in reporters.items():
            started = time.perf_counter()
            reporter.write(report, io.StringIO())
            timings[name].append(time.perf_counter() - started)
    header = "".join(f"{f'{s * 3} clusters':>16}" for s in sizes)
    print(f"{'format':<10}{header}   scaling (goal: at most {1.1 * sizes[-1] / sizes[0]:.0f}x)")
    for name, seconds in timings.items():
        cells = "".join(f"{t:>15.2f}s" for t in seconds)
        scaling = f"{seconds[-1] / seconds[0]:.1f}x" if len(seconds) > 1 and seconds[0] > 0 else "-"
        print(f"{name:<10}{cells}   {scaling}")
    print(f"findings: {', '.join(str(n) for n in findings)}")


if __name__ == "__main__":
    main()
