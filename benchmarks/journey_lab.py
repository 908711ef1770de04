"""Benchmark: Jabber's sign-in journey of a 40-node lab with MRA, against today's audit of the same lab.

The lab: a CUCM 14 cluster of 20 nodes (UDS and TFTP on every node, jabber-config.xml), an IM and
Presence 14 cluster of 8 nodes, Unity Connection with 4, and Expressway-E and -C pairs of 4 nodes each,
with an internal and an external DNS server; per-platform trust stores. Three whole processes, each
collecting the lab from scratch, interleaved, median of ``--repeat``:

* today's audit: ``confcheck audit`` of the inventory without ``[[jabber]]`` (no discovery, no journey);
* ``confcheck journey --config``: the same collection plus discovery (SRV in both views, UDS from every
  ``_cisco-uds`` target, jabber-config.xml over HTTP and HTTPS from every TFTP server), then the journey;
* ``confcheck audit`` with ``[[jabber]]``: all of that, and every report section.

Goal: the journey within 1.5 times today's audit. A benchmark, not a timed test: figures on a shared
machine vary from run to run.

    python benchmarks/journey_lab.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time

from confcheck.lab.runtime import Lab
from confcheck.lab.scenario import (
    CertSpec,
    CheckSpec,
    ClusterSpec,
    JabberSpec,
    NodeSpec,
    ProfileSpec,
    Scenario,
    UcServiceSpec,
)

CONFIG = '<config version="1.0"><Voicemail><VoicemailPrimaryServer>{cuc1.fqdn}</VoicemailPrimaryServer></Voicemail></config>'


def scenario() -> Scenario:
    """40 nodes with MRA: CUCM 20, IM and Presence 8, Unity Connection 4, Expressway-E 4, Expressway-C 4."""

    def nodes(prefix: str, count: int, tomcat: CertSpec | None = None) -> tuple[NodeSpec, ...]:
        spec = tomcat or CertSpec(key="rsa:2048")
        return tuple(NodeSpec(f"{prefix}{i}", tomcat=spec) for i in range(1, count + 1))

    services = (
        UcServiceSpec("IM and Presence", "Unified CM (IM and Presence)", "IMP", "{imp1.fqdn}"),
        UcServiceSpec("Voicemail", "Unity Connection", "VM", "{cuc1.fqdn}", 443, "HTTPS"),
    )
    edge = CertSpec(signer="public", key="rsa:2048", dns=("{fqdn}", "collab-edge.{domain}", "{domain}"))
    clusters = (
        ClusterSpec(
            "hq-cucm",
            "cucm",
            "14.0.1.11900-132",
            nodes("cucm", 20),
            services,
            service_profiles=(ProfileSpec("SP", True, ("IMP", "VM")),),
            jabber_config=CONFIG,
        ),
        ClusterSpec("hq-imp", "imp", "14.0.1.11900-13", nodes("imp", 8)),
        ClusterSpec("hq-cuc", "unity", "14.0.1.11900-25", nodes("cuc", 4)),
        ClusterSpec("edge", "expressway-e", "X15.0.1", nodes("expe", 4, edge)),
        ClusterSpec("core", "expressway-c", "X15.0.1", nodes("expc", 4), unified_cm=("{cucm1.fqdn}",)),
    )
    stores = (("windows", ("lab", "public")), ("macos", ("lab",)))
    jabber = (JabberSpec(external_dns=True, clients=(("windows", "14.1.3"), ("mac", "14.1.2"))),)
    return Scenario(
        "bench-journey",
        "40 nodes with MRA",
        "bench.example",
        clusters,
        check=CheckSpec(trust_stores=stores),
        jabber=jabber,
    )


def run(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds of one whole ``confcheck`` process."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "confcheck", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{args[0]} failed: {process.stderr.read().decode() if process.stderr else ''}")
    return elapsed, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with Lab(scenario()) as lab:
        env = dict(os.environ) | lab.environment | {"NO_COLOR": "1"}
        assert lab.workdir is not None
        today = lab.workdir / "today.toml"
        today.write_text(re.sub(r"\[\[jabber\]\].*", "", lab.config_text, flags=re.S))
        commands = {
            "today's audit (no [[jabber]])": [
                "audit",
                "--config",
                str(today),
                "--format",
                "json",
                "--no-progress",
            ],
            "confcheck journey --config": ["journey", "--config", str(lab.config_path), "--no-progress"],
            "audit with [[jabber]]": [
                "audit",
                "--config",
                str(lab.config_path),
                "--format",
                "terminal",
                "--no-progress",
            ],
        }
        results: dict[str, list[tuple[float, float]]] = {label: [] for label in commands}
        for _ in range(args.repeat):
            for label, command in commands.items():
                results[label].append(run(command, env))
        nodes = sum(len(c.nodes) for c in lab.scenario.clusters)
    baseline = statistics.median(r[0] for r in results["today's audit (no [[jabber]])"])
    print(
        f"a lab of {len(lab.scenario.clusters)} clusters / {nodes} nodes with MRA, whole processes, median of {args.repeat}:"
    )
    for label, found in results.items():
        wall = statistics.median(r[0] for r in found)
        cpu = statistics.median(r[1] for r in found)
        print(f"  {label:<31} {wall:6.2f} s  (CPU {cpu:5.2f} s)  {wall / baseline:4.2f} x today's audit")
    print("goal: confcheck journey within 1.5 x today's audit")


if __name__ == "__main__":
    main()
