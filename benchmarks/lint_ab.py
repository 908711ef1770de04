"""Benchmark: this tree's lint against another revision's, run in turns on the same snapshot.

On a machine whose speed moves by a quarter from one minute to the next, two medians taken minutes apart
cannot tell a change of a few percent; runs of both revisions taken in turns, each pair within seconds, can.
The synthetic deployment of ``lint_scale.py`` is linted as a whole ``confcheck lint`` process by this tree
and by ``--against`` (a git revision, checked out in a temporary worktree and run from it with this
interpreter and its installed dependencies), alternating which goes first. Printed: each revision's median
wall and CPU time (its children's included), the median of the paired differences and how many pairs this
tree won, and each against the floor of ``lint_scale.py`` measured in the same rounds.

    python benchmarks/lint_ab.py [--against HEAD~1] [--sites 3333] [--pairs 10]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from lint_scale import FLOOR, LIFTED, build, fresh_bytecode
from pack_scale import run as measured

from confcheck import snapshot

ROOT = Path(__file__).resolve().parents[1]

RUN_FROM = """
import sys
tree = sys.argv.pop(1)
sys.path.insert(0, tree)
import confcheck
confcheck.__path__.insert(0, tree)  # its plugins, rules and reports, as the project maps them
"""
"""Run ``confcheck`` from a checked-out tree (its first argument) rather than the installed one: the
package from the tree, and its mapped packages (``confcheck.plugins`` from ``plugins/``, ...) too."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--against", default="HEAD~1", help="the git revision to compare with (default HEAD~1)"
    )
    parser.add_argument(
        "--sites", type=int, default=3333, help="sites of the synthetic deployment (3 clusters each)"
    )
    parser.add_argument(
        "--pairs", type=int, default=10, help="rounds, each one run of either revision and a floor"
    )
    args = parser.parse_args()
    fresh_bytecode()
    with tempfile.TemporaryDirectory() as tmp:
        other = Path(tmp) / "other"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(other), args.against],
            check=True,
        )
        try:
            fresh_bytecode(other)
            deployment = build(args.sites)
            path = Path(tmp) / "snapshot.json"
            snapshot.write(deployment, path)
            del deployment
            lint = ["lint", str(path), "--format", "json", "--fail-on", "never"]
            mine = [sys.executable, "-c", LIFTED, *lint]
            theirs = [sys.executable, "-c", RUN_FROM + LIFTED, str(other), *lint]
            results: dict[str, list[tuple[float, float, float]]] = {"this tree": [], args.against: []}
            floors = []
            for round_ in range(args.pairs):
                floors.append(measured([sys.executable, "-c", FLOOR, str(path)])[0])
                order = [("this tree", mine), (args.against, theirs)]
                for name, argv in order if round_ % 2 == 0 else order[::-1]:
                    results[name].append(measured(argv))  # wall, CPU (children's included), peak RSS
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(other)], check=False)
    floor = statistics.median(floors)
    print(
        f"confcheck lint of {args.sites * 3:,} clusters, {args.pairs} rounds in turns (children's time included):"
    )
    for name, runs in results.items():
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        print(f"{name:>12}: {wall:6.2f} s ({wall / floor:.2f}x the floor), {cpu:6.2f} s of CPU")
    differences = [a[0] - b[0] for a, b in zip(results["this tree"], results[args.against], strict=True)]
    won = sum(d < 0 for d in differences)
    print(
        f"this tree minus {args.against}, pair by pair: median {statistics.median(differences):+.3f} s; "
        f"faster in {won} of {len(differences)} pairs"
    )
    print(f"floor (lint_scale.py's, one process): median {floor:.2f} s")


if __name__ == "__main__":
    main()
