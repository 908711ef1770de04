"""Benchmark: ``confcheck audit`` of a 15.x lab of 5 clusters and 40 nodes, concurrent vs one at a time.

The lab's ``release-15`` scenario (CUCM, IM and Presence and Unity Connection 15, UC services of every
type, a service profile, the Jabber Client Configuration service), grown to two sites: per site a CUCM
15 cluster of 10 nodes and an IM and Presence 15 cluster of 8 nodes, and a Unity Connection 15 cluster
of 4 nodes; all on loopback with real certificates, AXL (version negotiated through UDS), IM and
Presence's own AXL, CUPI, admin pages, XMPP STARTTLS and DNS. ``--release 9`` audits the same shape
at 9.x instead (fixed AXL versions, admin pages only). Each audit runs as a whole process; printed:
wall time and peak RSS with the default limits, then with ``concurrency = 1`` and ``per_host = 1``.
Goal: under 10 s.

Then what AXL version negotiation costs (issue 9): the lab counts the requests each cluster's
publisher answered during one audit. The round trips spent only on choosing an AXL version are ``GET
/cucm-uds/version`` and every request refused with HTTP 599; the version query itself (getCCMVersion,
getCUPVersion) is not one of them: it reads the full release the snapshot records, at 9.x as at 15.
Goal: at most one such extra round trip per cluster.

Last, ``confcheck demo`` as users run it (the built-in pre-migration lab, started and stopped in a
child process the demo forks, and seven reports written), whole process: wall time, and the CPU time
of the demo and of its child together (``wait4`` counts the children a process has reaped). Goal
(issue 13): at most 0.7 s.

    python benchmarks/audit_lab.py [--repeat 3] [--release 15|9] [--demo-only]
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from confcheck.lab import runtime
from confcheck.lab import scenario as scenarios
from confcheck.lab.runtime import Lab
from confcheck.lab.scenario import ClusterSpec, NodeSpec, Scenario, UcServiceSpec
from confcheck.lab.servers import HttpsServer, Request, Response

DEMO_GOAL = 0.7


def scenario_15() -> Scenario:
    """release-15 grown to 5 clusters and 40 nodes (two sites and a Unity Connection cluster)."""
    base = scenarios.load("release-15")
    cucm, imp, unity = (next(c for c in base.clusters if c.product == p) for p in ("cucm", "imp", "unity"))
    clusters = []
    for site in ("a", "b"):
        hosts = {"cucm1": f"cucm{site}1", "cucm2": f"cucm{site}2", "imp1": f"imp{site}1"}

        def moved(text: str, hosts: Mapping[str, str] = hosts) -> str:
            return re.sub(r"\{(\w+)\.", lambda m: "{" + hosts.get(m[1], m[1]) + ".", text)

        services = tuple(
            replace(s, host=moved(s.host), params=tuple((k, moved(v)) for k, v in s.params))
            for s in cucm.uc_services
        )
        clusters.append(
            replace(
                cucm,
                name=f"cucm-{site}",
                nodes=_nodes(f"cucm{site}", 10, cucm.nodes[0]),
                uc_services=services,
            )
        )
        clusters.append(replace(imp, name=f"imp-{site}", nodes=_nodes(f"imp{site}", 8), cucm=f"cucm-{site}"))
    clusters.append(replace(unity, name="cuc", nodes=_nodes("cuc", 4)))
    return replace(base, name="bench-15-40", description="release-15 at 40 nodes", clusters=tuple(clusters))


def scenario_9() -> Scenario:
    """The same shape at 9.x: names configured as FQDNs except a few IP addresses."""
    clusters = []
    for site in ("a", "b"):
        voicemail = UcServiceSpec("Voicemail", "Unity Connection", "VM", "{cuc1.fqdn}", 8443, "HTTPS")
        clusters.append(
            ClusterSpec(f"cucm-{site}", "cucm", "9.1.2.10000-28", _nodes(f"cucm{site}", 10), (voicemail,))
        )
        clusters.append(
            ClusterSpec(
                f"imp-{site}",
                "imp",
                "9.1.1.20000-5",
                _nodes(f"imp{site}", 8),
                tftp=(f"{{cucm{site}1.fqdn}}", f"{{cucm{site}2.ip}}"),
                ccmcip=(("Default", f"{{cucm{site}1.fqdn}}", f"{{cucm{site}2.fqdn}}"),),
            )
        )
    clusters.append(ClusterSpec("cuc", "unity", "9.1.2.10000-28", _nodes("cuc", 4)))
    return Scenario("bench-9-40", "40 nodes", "bench.example", tuple(clusters))


def _nodes(prefix: str, count: int, first: NodeSpec | None = None) -> tuple[NodeSpec, ...]:
    """``count`` nodes, every fifth configured by IP address; ``first`` shapes the publisher."""
    return tuple(
        replace(first or NodeSpec(""), host=f"{prefix}{i}", name="{ip}" if i % 5 == 0 else "{fqdn}")
        for i in range(1, count + 1)
    )


class Counted:
    """Every request the lab's HTTPS servers answer, by server address: what, and with what status."""

    def __init__(self) -> None:
        self.requests: dict[str, list[tuple[str, int]]] = collections.defaultdict(list)

    def install(self) -> None:
        """Make the lab's HTTPS servers count (before the lab starts)."""
        counted = self

        class CountingServer(HttpsServer):
            def __init__(self, address: str, port: int, tls: Any, routes: Mapping[str, Any]) -> None:
                wrapped = {prefix: counted.wrap(address, app) for prefix, app in routes.items()}
                super().__init__(address, port, tls, wrapped)

        runtime.HttpsServer = CountingServer  # type: ignore[attr-defined]  # counted for the benchmark only

    def wrap(self, address: str, app: Any) -> Any:
        def counting(request: Request) -> Response:
            response: Response = app(request)
            self.requests[address].append((_what(request), response.status))
            return response

        return counting


def _what(request: Request) -> str:
    """``GET /cucm-uds/version`` or the SOAP operation a POST carries (``getCCMVersion``)."""
    if request.method != "POST":
        return f"{request.method} {request.path.split('?', 1)[0]}"
    found = re.search(rb"<(?:[\w.-]+:)?Body[^>]*>\s*<(?:[\w.-]+:)?([\w.-]+)", request.body)
    return found[1].decode() if found else f"POST {request.path}"


NEGOTIATION = ("GET /cucm-uds/version",)
"""Requests made only to choose the AXL version (with those refused by HTTP 599)."""


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


def demo(repeat: int) -> tuple[float, float]:
    """Median wall and CPU seconds (user + system) of ``confcheck demo`` into a new directory, whole process."""
    walls, cpus = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as out:
            started = time.perf_counter()
            process = subprocess.Popen(
                [sys.executable, "-m", "confcheck", "demo", "--output-dir", out],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            _, _, usage = os.wait4(process.pid, 0)
            walls.append(time.perf_counter() - started)
            cpus.append(usage.ru_utime + usage.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--release", choices=("15", "9"), default="15")
    parser.add_argument("--demo-only", action="store_true", help="time confcheck demo only")
    args = parser.parse_args()
    if not args.demo_only:
        labs(args)
    seconds, cpu = demo(max(args.repeat, 3))
    print(
        f"confcheck demo (pre-migration lab, whole process, median of {max(args.repeat, 3)}): {seconds:.2f} s, "
        f"{cpu:.2f} s CPU (goal: at most {DEMO_GOAL} s)"
    )


def labs(args: argparse.Namespace) -> None:
    """The 40-node audits, concurrent and one endpoint at a time, and the requests each publisher answered."""
    counted = Counted()
    counted.install()
    with Lab(scenario_15() if args.release == "15" else scenario_9()) as lab:
        env = dict(os.environ) | lab.environment
        assert lab.workdir is not None
        serial = lab.workdir / "serial.toml"
        serial.write_text(
            lab.config_text.replace("[collect]\n", "[collect]\nconcurrency = 1\nper_host = 1\n", 1)
        )
        nodes = sum(len(c.nodes) for c in lab.scenario.clusters)
        audit(lab.config_path, env)  # warm up; and the audit whose requests are counted
        publishers = {lab.hosts[c.nodes[0].host].address: c for c in lab.scenario.clusters}
        calls = {address: list(counted.requests.get(address, ())) for address in publishers}
        runs = {
            "concurrent (defaults)": [audit(lab.config_path, env) for _ in range(args.repeat)],
            "one endpoint at a time": [audit(serial, env) for _ in range(args.repeat)],
        }
    print(
        f"audit of a {args.release}.x lab with {len(lab.scenario.clusters)} clusters / {nodes} nodes, "
        f"whole process, median of {args.repeat}:"
    )
    for label, results in runs.items():
        seconds = statistics.median(r[0] for r in results)
        print(
            f"  {label:<24} {seconds:6.2f} s   peak RSS {max(r[1] for r in results):5.0f} MB   (goal: under 10 s)"
        )
    print(
        "requests each publisher answered in one audit (extra for the AXL version: GET /cucm-uds/version, 599s):"
    )
    worst = 0
    for address, cluster in publishers.items():
        answered = calls[address]
        extra = sum(1 for what, status in answered if what in NEGOTIATION or status == 599)
        worst = max(worst, extra)
        kinds = collections.Counter(what for what, _ in answered)
        shown = ", ".join(f"{what} x{n}" if n > 1 else what for what, n in sorted(kinds.items())) or "none"
        print(
            f"  {cluster.name:<8} {cluster.product} {cluster.version:<18} {len(answered):>3} requests, "
            f"{extra} extra: {shown}"
        )
    print(f"  at most {worst} extra round trip per cluster (goal: at most 1)")


if __name__ == "__main__":
    main()
