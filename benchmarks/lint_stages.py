"""Benchmark: where a large lint's time goes, stage by stage, next to the floor's two parts.

``lint_scale.py`` measures whole ``confcheck lint`` processes against the goals of issue 13; this script
says where the time of one goes, to choose the next saving. It runs the stages of a lint one after the
other in a process of its own (a fresh one for each run, as each lint has), on the same synthetic
deployment (``lint_scale.build``) written as a snapshot, with the collector paused as the command line
pauses it, and times each: the JSON read, the
certificates, the rest of the model, the shared analysis (references, then each resolved to its
servers and matched against their certificates), each family of rules, and the JSON report (of the
same lint as ``judge`` runs it, sorted and gated, whose time is printed apart). Then the floor's two
parts: ``json.loads`` and cryptography's load of every PEM. Printed: the median of ``--repeat`` runs of each stage, its share of the lint, and its
cost per certificate, reference or finding.

What a process adds (start-up, imports, reading the file, the exit) is not here: ``lint_scale.py`` and
``startup.py`` measure those.

    python benchmarks/lint_stages.py [--sites 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from lint_scale import build

from confcheck import certs, gc_pause, inputs, plugin_manager, snapshot
from confcheck.engine import Context
from confcheck.verdict import Options, judge

FAMILIES = {
    "CC1": "rules CC1xx, names",
    "CC2": "rules CC2xx, targets",
    "CC3": "rules CC3xx, certificates",
    "CC4": "rules CC4xx, trust",
    "CC5": "rules CC5xx, DNS and discovery",
}


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def stages(path: Path) -> tuple[dict[str, float], dict[str, Any]]:
    """Seconds of each stage of one lint of the snapshot at ``path``, and what it holds."""
    catalog = plugin_manager.catalog()
    rules = plugin_manager.rules()
    write_json = plugin_manager.reporters()["json"].write
    seconds: dict[str, float] = defaultdict(float)
    raw = path.read_bytes()
    with gc_pause.paused():
        text = inputs.decode(raw, str(path), snapshot.SnapshotError)
        seconds["read the JSON"], data = timed(
            lambda: inputs.parse_json(text, str(path), snapshot.SnapshotError)
        )
        pems = list(data["certificates"].values())
        seconds["certificates"], _ = timed(lambda: len([certs.from_pem(pem) for pem in pems]))
        model, deployment = timed(lambda: snapshot.from_data(data, catalog, str(path)))
        seconds["model (the rest)"] = model - seconds["certificates"]
        ctx = Context(deployment, catalog)
        seconds["references"], references = timed(lambda: ctx.references)
        seconds["resolved (node index) and matched"], _ = timed(lambda: ctx.checks)
        found: dict[str, int] = defaultdict(int)
        for rule in rules:
            if rule.check is None:
                continue  # reported by the gate (CC9xx), not a check of the snapshot
            family = FAMILIES.get(rule.code[:3], "other rules")
            started = time.perf_counter()
            findings = rule.run(ctx)
            seconds[family] += time.perf_counter() - started
            found[family] += len(findings)
        # the report: the lint again, sorted and gated (not counted above: its stages are those timed)
        judged, report = timed(lambda: judge(deployment, Options(), str(path)))
        seconds["JSON report"], _ = timed(lambda: write_json(report, io.StringIO()))
    counts = {"certificates": len(pems), "references": len(references), "findings": len(report.findings)}
    counts.update(found)
    return dict(seconds), counts | {"judged": judged}


def floor(path: Path) -> dict[str, float]:
    """The floor's two parts, as ``lint_scale.py``'s floor process runs them."""
    from cryptography import x509

    text = path.read_bytes()
    loads, data = timed(lambda: json.loads(text))
    pems = [pem.encode() for pem in data["certificates"].values()]
    loaded, _ = timed(lambda: [x509.load_pem_x509_certificate(pem) for pem in pems])
    return {"json.loads": loads, "x509 load of every PEM": loaded}


ONE_PROCESS = {**os.environ, "CONFCHECK_JOBS": "1"}
"""Each stage's cost in one process: what a saving in it would save (a large lint shares some stages with
forked processes, whose time ``lint_scale.py`` measures)."""

PER = {
    "certificates": "certificates",
    "model (the rest)": "certificates",
    "references": "references",
    "resolved (node index) and matched": "references",
    "JSON report": "findings",
}
"""What each stage's cost is counted per (the rules: per finding)."""


def measure(kind: str, path: Path, clusters: int) -> None:
    """One run in this fresh process (as a lint runs in its own), printed as JSON for :func:`main`."""
    if clusters > snapshot.LIMITS.clusters:  # as lint_scale.py's LIFTED: nothing else differs
        import dataclasses

        snapshot.LIMITS = dataclasses.replace(snapshot.LIMITS, clusters=clusters)
    result = stages(path) if kind == "stages" else (floor(path), {})
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--sites", type=int, default=1000, help="sites (3 clusters each)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each stage (the median is printed)")
    parser.add_argument("--measure", choices=("stages", "floor"), help=argparse.SUPPRESS)
    parser.add_argument("--snapshot", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--clusters", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure, args.snapshot, args.clusters)
        return
    runs: list[tuple[dict[str, float], dict[str, Any]]] = []
    floors: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "snapshot.json"
        deployment = build(args.sites)
        clusters = len(deployment.clusters)
        snapshot.write(deployment, path)
        del deployment
        for _ in range(args.repeat):  # each in a process of its own, as each lint is: no heap of building
            for kind in ("stages", "floor"):
                argv = [sys.executable, __file__, "--measure", kind, "--snapshot", str(path)]
                argv += ["--clusters", str(clusters)]
                done = subprocess.run(argv, capture_output=True, text=True, check=False, env=ONE_PROCESS)
                if done.returncode:
                    raise SystemExit(f"{kind}: {done.stderr.strip()}")
                seconds, counts = json.loads(done.stdout)
                if kind == "stages":
                    runs.append((seconds, counts))
                else:
                    floors.append(seconds)
    counts = runs[0][1]
    names = list(runs[0][0])
    medians = {name: statistics.median(run[0][name] for run in runs) for name in names}
    total = sum(medians.values())
    print(
        f"lint stages, {clusters:,} clusters ({counts['certificates']:,} certificates, "
        f"{counts['references']:,} references, {counts['findings']:,} findings), a process for each run, "
        f"median of {args.repeat}:"
    )
    print(f"{'stage':<34}{'seconds':>9}{'share':>8}   per item")
    for name in names:
        per = PER.get(name)
        if per is None and name in counts:  # a family of rules: per finding it made
            per = name
        unit = "finding" if name.startswith("rules") else (per or "")[:-1]
        cost = f"{medians[name] / counts[per] * 1e6:6.1f} µs a {unit}" if per and counts[per] else ""
        print(f"{name:<34}{medians[name]:>9.3f}{medians[name] / total:>7.0%}   {cost}")
    print(f"{'lint, these stages':<34}{total:>9.3f}")
    judged = statistics.median(run[1]["judged"] for run in runs)
    print(f"(the same lint as judge() runs it, sorted and gated, for the report: {judged:.3f} s)")
    floor_parts = {name: statistics.median(f[name] for f in floors) for name in floors[0]}
    parts = ", ".join(f"{name} {value:.3f} s" for name, value in floor_parts.items())
    print(
        f"floor: {parts}; together {sum(floor_parts.values()):.3f} s ({total / sum(floor_parts.values()):.1f}x)"
    )


if __name__ == "__main__":
    main()
