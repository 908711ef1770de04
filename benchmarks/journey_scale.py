"""Benchmark: Jabber's journey at scale, against the lint of the same snapshot.

The deployments are lint_scale.py's sites with the journey example's Jabber, Expressway and discovery
added (``examples/journey-snapshot.json``: three services domains, Expressway-E and -C, the HQ cluster
as home of one). Each ``confcheck journey --format json`` runs as a whole process, interleaved with
``confcheck lint --format json`` of the same snapshot (which makes the same journeys for a report
that draws them, and the findings they are linked to); printed: the medians and the journey's share
over the lint's. Without a home cluster, Expressway-C's hops are the node names of every CUCM and IM
and Presence cluster, so the journey grows with the deployment: linear is the goal (it was quadratic
until the twelfth session: a second at 3,000 clusters).

    python benchmarks/journey_scale.py [--sites 100,1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import lint_scale  # the benchmarks' own deployments, beside this file

from confcheck import snapshot

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "journey-snapshot.json"


def with_journey(sites: int, path: Path) -> int:
    """Write lint_scale's deployment of ``sites`` sites, with the journey example's clusters, external
    servers, DNS answers, certificates and discovery added, to ``path``; its clusters are returned."""
    data = json.loads(snapshot.dumps(lint_scale.build(sites)))
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    for key in ("clusters", "externals", "dns"):
        data[key] = example.get(key, []) + data.get(key, [])
    data["certificates"] = {**example["certificates"], **data["certificates"]}
    data["discovery"] = example["discovery"]
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return len(data["clusters"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sites", default="100,1000", help="comma-separated site counts (3 clusters per site)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command per size (the median)")
    args = parser.parse_args()
    lint_scale.fresh_bytecode()
    confcheck = [sys.executable, "-m", "confcheck"]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for sites in (int(s) for s in args.sites.split(",")):
            path = Path(tmp) / f"{sites}.json"
            clusters = with_journey(sites, path)
            times: dict[str, list[float]] = {"lint": [], "journey": []}
            for _ in range(args.repeat):
                times["lint"].append(
                    lint_scale.run([*confcheck, "lint", str(path), "--format", "json", "--fail-on", "never"])[
                        0
                    ]
                )
                times["journey"].append(
                    lint_scale.run([*confcheck, "journey", str(path), "--format", "json", "--no-progress"])[0]
                )
            rows.append((clusters, {name: statistics.median(t) for name, t in times.items()}))
    print(f"whole processes, median of {args.repeat}, interleaved:")
    print(f"{'clusters':>8} {'lint':>8} {'journey':>8} {'journey / lint':>15}")
    for clusters, median in rows:
        print(
            f"{clusters:>8} {median['lint']:>7.2f}s {median['journey']:>7.2f}s {median['journey'] / median['lint']:>14.2f}x"
        )
    if len(rows) > 1:
        (small, first), (large, last) = rows[0], rows[-1]
        print(
            f"scaling: {large / small:.1f}x the clusters took {last['journey'] / first['journey']:.1f}x the "
            f"journey's time (goal: linear, at most {1.1 * large / small:.1f}x)"
        )


if __name__ == "__main__":
    main()
