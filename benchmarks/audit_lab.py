"""Benchmark: ``confcheck audit`` of a lab with 5 clusters and 40 nodes, concurrent vs one at a time.

Two CUCM 9.x clusters of 10 nodes, two IM and Presence 9.x clusters of 8 nodes (Tomcat and
cup-xmpp each) and a Unity Connection cluster of 4 nodes, all on loopback with real certificates,
AXL, admin pages, XMPP STARTTLS and DNS. Each audit runs as a whole process; printed: wall time and
peak RSS with the default limits, then with ``concurrency = 1`` and ``per_host = 1`` (one endpoint
at a time). Goal: under 10 s.

    python benchmarks/audit_lab.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from confcheck.lab.runtime import Lab
from confcheck.lab.scenario import ClusterSpec, NodeSpec, Scenario, UcServiceSpec


def scenario() -> Scenario:
    """5 clusters, 40 nodes, names configured as FQDNs except a few IP addresses."""

    def nodes(prefix: str, count: int) -> tuple[NodeSpec, ...]:
        return tuple(
            NodeSpec(f"{prefix}{i}", "{ip}" if i % 5 == 0 else "{fqdn}") for i in range(1, count + 1)
        )

    clusters = []
    for site in ("a", "b"):
        voicemail = UcServiceSpec("Voicemail", "Unity Connection", "VM", "{cuc1.fqdn}", 8443, "HTTPS")
        clusters.append(
            ClusterSpec(f"cucm-{site}", "cucm", "9.1.2.10000-28", nodes(f"cucm{site}", 10), (voicemail,))
        )
        clusters.append(
            ClusterSpec(
                f"imp-{site}",
                "imp",
                "9.1.1.20000-5",
                nodes(f"imp{site}", 8),
                tftp=(f"{{cucm{site}1.fqdn}}", f"{{cucm{site}2.ip}}"),
                ccmcip=(("Default", f"{{cucm{site}1.fqdn}}", f"{{cucm{site}2.fqdn}}"),),
            )
        )
    clusters.append(ClusterSpec("cuc", "unity", "9.1.2.10000-28", nodes("cuc", 4)))
    return Scenario("bench-40", "40 nodes", "bench.example", tuple(clusters))


def audit(config: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one ``confcheck audit`` process."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "confcheck",
            "audit",
            "--config",
            str(config),
            "--format",
            "json",
            "--no-progress",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"audit failed: {process.stderr.read().decode() if process.stderr else ''}")
    return elapsed, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with Lab(scenario()) as lab:
        env = dict(os.environ) | lab.environment
        assert lab.workdir is not None
        serial = lab.workdir / "serial.toml"
        serial.write_text(
            lab.config_text.replace("[collect]\n", "[collect]\nconcurrency = 1\nper_host = 1\n", 1)
        )
        nodes = sum(len(c.nodes) for c in lab.scenario.clusters)
        runs = {
            "concurrent (defaults)": [audit(lab.config_path, env) for _ in range(args.repeat)],
            "one endpoint at a time": [audit(serial, env) for _ in range(args.repeat)],
        }
    print(
        f"audit of a lab with {len(lab.scenario.clusters)} clusters / {nodes} nodes, whole process, median of {args.repeat}:"
    )
    for label, results in runs.items():
        seconds = statistics.median(r[0] for r in results)
        print(
            f"  {label:<24} {seconds:6.2f} s   peak RSS {max(r[1] for r in results):5.0f} MB   (goal: under 10 s)"
        )


if __name__ == "__main__":
    main()
