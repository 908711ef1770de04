"""Benchmark: lint with the clients' trust stores configured, against the same lint without them.

The deployments are lint_scale.py's (CUCM, IM and Presence, Unity, a mail store and a conferencing
server per site, every chain from one issuing CA that the servers send); the trust stores are the
examples': ``examples/journey.toml`` (``[check.trust_stores]``: Windows and macOS, judged by CC403 for
every chain) and ``examples/certificates.toml`` (``[check] trust_store``: CC401, whose findings show
cryptography's verifier's words for every chain). Neither store holds the sites' CA, so every chain is
untrusted and reported: the configured lint writes more findings as well as judging every chain. Each
lint runs as a whole ``confcheck lint --format json`` process, interleaved with the lint without
``--config``; printed: the median of ``--repeat`` runs and the ratio to the lint without trust stores.

    python benchmarks/trust_scale.py [--sites 100,1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import lint_scale  # the benchmarks' own deployments, beside this file

from confcheck import snapshot

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
CONFIGS = {"journey.toml": EXAMPLES / "journey.toml", "certificates.toml": EXAMPLES / "certificates.toml"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sites", default="100,1000", help="comma-separated site counts (3 clusters per site)"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each lint per size (the median is reported)"
    )
    args = parser.parse_args()
    lint_scale.fresh_bytecode()
    lint = [sys.executable, "-m", "confcheck", "lint"]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for sites in (int(s) for s in args.sites.split(",")):
            deployment = lint_scale.build(sites)
            path = Path(tmp) / f"{sites}.json"
            snapshot.write(deployment, path)
            clusters = len(deployment.clusters)
            del deployment
            times: dict[str, list[float]] = {"none": [], **{name: [] for name in CONFIGS}}
            for _ in range(args.repeat):
                for name, config in [("none", None), *CONFIGS.items()]:
                    options = ["--config", str(config)] if config else []
                    argv = [*lint, str(path), "--format", "json", "--fail-on", "never", *options]
                    times[name].append(lint_scale.run(argv)[0])
            rows.append((clusters, {name: statistics.median(t) for name, t in times.items()}))
    print(f"confcheck lint --format json, whole process, median of {args.repeat}, interleaved:")
    print(f"{'clusters':>8} {'no --config':>12} " + " ".join(f"{name:>26}" for name in CONFIGS))
    for clusters, median in rows:
        cells = " ".join(
            f"{median[name]:>8.2f}s ({median[name] / median['none']:>4.1f}x no config)" for name in CONFIGS
        )
        print(f"{clusters:>8} {median['none']:>11.2f}s {cells}")


if __name__ == "__main__":
    main()
