"""Benchmark: rendering every report format for large deployments, against the JSON report's cost.

Uses the synthetic sites of ``lint_scale.py`` (3 clusters and 7 findings each), judges them once,
then renders each format into memory, interleaved with the JSON report: each format's time is
compared with the JSON renderings just before and after it, so that other jobs on the machine slow
both sides of each ratio alike. Printed per format: the median time (CPU seconds of this process),
the median of those paired ratios, and how the time grows with 10 times the sites.

Goals: terminal, HTML, SARIF and Markdown (issue 13) and JUnit each at most 3 times the JSON report.
How the time grows is printed beside the JSON report's own growth, its reference: no goal is set for it
(the smaller size's renderings take hundredths of a second, and the JSON report itself has grown 10.7 to
13.4 times for 10 times the sites on the 2-core machine). Also printed, as ``read back``: reading the
JSON report back (``confcheck report REPORT.json``: decoding it, checking it against the shipped schema,
rebuilding the report), against writing it.

The deployment and the judged report stay in memory throughout, as in ``confcheck lint``, and are
moved out of the garbage collector's way first (``gc.freeze``): what is timed is each format's own work.
Every format is rendered with the collector paused, as ``confcheck lint`` and ``audit`` render them
(``cli``'s judge-and-write runs under :func:`confcheck.gc_pause.paused`). Every format is rendered in
this one process (``CONFCHECK_JOBS=1``): a large JSON report's batches are otherwise shared with forked
processes (``confcheck/parallel.py``), whose CPU time this process's clock does not count.

    python benchmarks/report_formats.py [--sites 100,1000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TextIO

sys.path.insert(0, str(Path(__file__).parent))
os.environ["CONFCHECK_JOBS"] = "1"  # see above: each format's own work, in this process

from lint_scale import build

from confcheck import gc_pause, inputs, plugin_manager
from confcheck.report import Report
from confcheck.reports import json as json_report
from confcheck.verdict import Options, judge

GOAL = 3.0
GOALS = ("terminal", "html", "sarif", "markdown", "junit")
"""The formats issue 13 sets the goal for; the other (CSV) is printed for comparison."""
FLOOR = "json"


READ_BACK = "read back"
"""Reading the JSON report back, timed as if it were a format (see the module's docstring)."""


def reading_back(report: Report) -> Callable[[Report, TextIO], None]:
    """A "writer" that reads ``report``'s JSON text back as ``confcheck report REPORT.json`` does."""
    written = io.StringIO()
    plugin_manager.reporters()[FLOOR].write(report, written)
    text = written.getvalue()

    def read(_report: Report, _out: TextIO) -> None:
        json_report.read(inputs.parse_json(text, "benchmark"), "benchmark")

    return read


def cpu(write: Callable[[Report, TextIO], None], report: Report) -> float:
    """CPU seconds this process spends rendering ``report`` into memory."""
    started = time.process_time()
    write(report, io.StringIO())
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument(
        "--sites", default="100,1000", help="comma-separated site counts (3 clusters per site)"
    )
    parser.add_argument("--repeat", type=int, default=5, help="renderings of each format per size")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sites.split(",")]
    reporters: dict[str, Any] = dict(plugin_manager.reporters())
    names = [FLOOR, *sorted(n for n in reporters if n != FLOOR), READ_BACK]
    medians: dict[str, list[float]] = {name: [] for name in names}
    ratios: dict[str, list[float]] = {name: [] for name in names}
    findings = []
    for sites in sizes:
        report = judge(build(sites), Options(), "benchmark")
        findings.append(len(report.findings))
        reporters[READ_BACK] = SimpleNamespace(write=reading_back(report))
        gc.collect()
        gc.freeze()  # the model stays for the whole run, as in confcheck lint: out of the collector's way
        times: dict[str, list[float]] = {name: [] for name in names}
        paired: dict[str, list[float]] = {name: [] for name in names}
        with gc_pause.paused():  # as the CLI writes its reports
            for _ in range(args.repeat):
                for name in names[1:]:
                    before = cpu(reporters[FLOOR].write, report)
                    seconds = cpu(reporters[name].write, report)
                    after = cpu(reporters[FLOOR].write, report)
                    times[FLOOR] += [before, after]
                    times[name].append(seconds)
                    paired[name].append(seconds / ((before + after) / 2))
        for name in names:
            medians[name].append(statistics.median(times[name]))
            ratios[name].append(statistics.median(paired[name]) if paired[name] else 1.0)
        del report
        gc.unfreeze()
        gc.collect()
    print(
        f"report formats, CPU seconds, median of {args.repeat} (JSON: of {2 * args.repeat * (len(names) - 1)})"
    )
    header = "".join(f"{f'{s * 3} clusters':>16}" for s in sizes)
    print(
        f"{'format':<10}{header}   {'x JSON':>7}   growth for {sizes[-1] / sizes[0]:.0f}x the sites (no goal)"
    )
    for name in names:
        cells = "".join(f"{t:>15.2f}s" for t in medians[name])
        ratio = ratios[name][-1]
        scaling = (
            f"{medians[name][-1] / medians[name][0]:.1f}x" if len(sizes) > 1 and medians[name][0] > 0 else "-"
        )
        mark = "  (goal missed)" if name in GOALS and ratio > GOAL else ""
        print(f"{name:<10}{cells}   {ratio:>6.2f}x   {scaling}{mark}")
    print(f"findings: {', '.join(str(n) for n in findings)}")
    print(
        f"x JSON: the median of each rendering's time over the JSON renderings next to it, at "
        f"{sizes[-1] * 3} clusters (goal: at most {GOAL:.0f}x)"
    )


if __name__ == "__main__":
    main()
