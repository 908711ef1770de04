"""Benchmark: lint time and peak memory on synthetic deployments of 300, 3,000 and 9,999 clusters.

Each site is a CUCM 9.x cluster (publisher + 3 subscribers), an IM and Presence 9.x cluster (2
nodes, Tomcat and cup-xmpp), a Unity Connection node, a mail store and a conferencing server,
with every Table 3 setting, real certificates (EC keys), and the usual pre-migration mix of IP
addresses, short names and a missing XMPP domain. Each lint runs as a whole ``confcheck lint``
process, as users run it, interleaved with the floor: a bare process that only ``json.loads`` the
snapshot and loads every PEM with cryptography (what no lint can skip). Printed: the median of
``--repeat`` runs of each, lint's ratio to the floor, peak RSS, and how time grows with the clusters.

Goals (issue 13): at most 4 times the floor and 600 MB at 9,999 clusters; linear (10x the clusters in
at most 11x the time). A snapshot of 9,999 clusters is beyond the limits a snapshot may hold (5,000
clusters, 32 MiB; see README, Limits), so for sizes beyond them the lint process raises those two
limits before it runs (``LIFTED``); nothing else differs. Also printed: ``confcheck --version`` and
``confcheck lint`` of the demo snapshot against a bare interpreter (goal for the latter: 0.15 s).

A large lint shares its work with forked processes, one per CPU (see ``confcheck/parallel.py``), while the
floor runs in one: ``--jobs 1`` measures the lint in one process too (``CONFCHECK_JOBS=1``).

    python benchmarks/lint_scale.py [--sites 100,1000,3333] [--repeat 3] [--config FILE] [--jobs N]
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from confcheck import certs, pki, snapshot
from confcheck.certs import Certificate
from confcheck.model import Cluster, Deployment, DnsRecord, Endpoint, Node, Setting

KEYS = [pki.new_key() for _ in range(8)]


def _cert(issuer: pki.Issued, number: int, cn: str, dns: list[str], **kw: list[str]) -> Certificate:
    issued = pki.server(cn, dns, issuer=issuer, key=KEYS[number % len(KEYS)], **kw)  # type: ignore[arg-type]
    return certs.load(issued.pem.encode(), cn)[0]


def site(
    number: int, issuer: pki.Issued, ca: Certificate
) -> tuple[list[Cluster], list[Node], list[DnsRecord]]:
    """One site: CUCM 4 nodes, IM&P 2 nodes, Unity 1 node, mail store and conferencing server."""
    domain = f"site{number}.example.com"
    net = f"10.{number // 250}.{number % 250}"

    def tomcat(host: str, cn: str, dns: list[str]) -> Endpoint:
        return Endpoint("tomcat", "https", host, 8443, chain=(_cert(issuer, number, cn, dns), ca))

    cucm_nodes = []
    for index in range(4):
        fqdn = f"cucm{index + 1}.{domain}"
        name = f"{net}.{11 + index}" if index == 0 else fqdn if index < 3 else f"cucm{index + 1}"
        cucm_nodes.append(
            Node(
                name,
                "publisher" if index == 0 else "subscriber",
                f"cucm{index + 1}",
                domain,
                (f"{net}.{11 + index}",),
                (tomcat(name, fqdn, [fqdn]),),
            )
        )
    imp_nodes = []
    for index in range(2):
        fqdn = f"imp{index + 1}.{domain}"
        xmpp_ids = {"xmpp_addr": [domain], "srv_name": [f"_xmpp-client.{domain}"]} if index == 0 else {}
        xmpp_cert = _cert(issuer, number, fqdn, [fqdn], **xmpp_ids)
        imp_nodes.append(
            Node(
                fqdn,
                "publisher" if index == 0 else "subscriber",
                f"imp{index + 1}",
                domain,
                (f"{net}.{21 + index}",),
                (
                    tomcat(fqdn, fqdn, [fqdn]),
                    Endpoint("cup-xmpp", "xmpp-client", fqdn, 5222, domain, (xmpp_cert, ca)),
                ),
            )
        )
    cuc = f"cuc1.{domain}"
    unity = Node(
        cuc, "publisher", "cuc1", domain, (f"{net}.31",), (tomcat(cuc, f"*.{domain}", [f"*.{domain}"]),)
    )
    mail = Node(
        f"mail.{domain}",
        addresses=(f"{net}.41",),
        endpoints=(
            Endpoint(
                "mailstore",
                "imaps",
                f"mail.{domain}",
                993,
                chain=(_cert(issuer, number, f"mail.{domain}", []),),
            ),
        ),
    )
    meet = Node(
        f"meet.{domain}",
        addresses=(f"{net}.51",),
        endpoints=(
            Endpoint(
                "conferencing",
                "https",
                f"meet.{domain}",
                443,
                chain=(_cert(issuer, number, f"meet.{domain}", [f"meet.{domain}"]),),
            ),
        ),
    )
    clusters = [
        Cluster(
            f"cucm-{number}",
            "cucm",
            "9.1.2.10000-28",
            tuple(cucm_nodes),
            (
                Setting("cucm9.uc-service-imp", f"imp1.{domain}", "IMP"),
                Setting("cucm9.uc-service-voicemail", cuc, "VM"),
                Setting("cucm9.uc-service-mailstore", f"mail.{domain}", "MAIL"),
                Setting("cucm9.uc-service-conferencing", f"meet.{domain}", "MEET"),
            ),
        ),
        Cluster(
            f"imp-{number}",
            "imp",
            "9.1.1.20000-5",
            tuple(imp_nodes),
            (
                Setting("imp9.tftp-primary", f"{net}.11"),
                Setting("imp9.tftp-backup", f"cucm2.{domain}", "1"),
                Setting("imp9.tftp-backup", f"cucm3.{domain}", "2"),
                Setting("imp9.ccmcip-primary", "cucm4", "Default"),
                Setting("imp9.ccmcip-backup", f"cucm2.{domain}", "Default"),
                Setting("imp9.xmpp-domain", domain),
            ),
        ),
        Cluster(f"cuc-{number}", "unity", "9.1.2.10000-28", (unity,)),
    ]
    dns = [DnsRecord(f"cucm{i + 1}.{domain}", "A", (f"{net}.{11 + i}",)) for i in range(4)]
    return clusters, [mail, meet], dns


def build(sites: int) -> Deployment:
    """A deployment of ``sites`` sites (three clusters each)."""
    issuer = pki.ca("Bench Issuing CA", key=KEYS[0])
    ca = certs.load(issuer.pem.encode(), "ca")[0]
    clusters: list[Cluster] = []
    externals: list[Node] = []
    dns: list[DnsRecord] = []
    for number in range(sites):
        c, e, d = site(number, issuer, ca)
        clusters += c
        externals += e
        dns += d
    return Deployment(tuple(clusters), tuple(externals), tuple(dns))


class Row(NamedTuple):
    """One size's measurements: lint (median) against its floor (median), and the spread of the pairs."""

    clusters: int
    size: float
    """MiB of the snapshot."""
    certificates: int
    generated: float
    floor: float
    seconds: float
    lowest: float
    """The lowest ratio of a lint to the floor run just before it."""
    highest: float
    rss: float
    lifted: bool


LIFTED = """
import dataclasses, sys
from confcheck import cli, snapshot
snapshot.LIMITS = dataclasses.replace(snapshot.LIMITS, clusters=20_000)
snapshot.MAX_BYTES = 256 * 2**20
sys.exit(cli.main())
"""
"""``confcheck`` with the two limits a 9,999-cluster snapshot exceeds raised, and nothing else changed: run as
the program, as the console script runs it (``main()`` reads ``sys.argv``), so its exit is the same too."""

FLOOR = """
import json, sys
from cryptography import x509
data = json.loads(open(sys.argv[1], "rb").read())
certificates = [x509.load_pem_x509_certificate(pem.encode()) for pem in data["certificates"].values()]
"""
"""What no lint can skip: reading the JSON and loading every certificate."""


def fresh_bytecode(tree: Path | None = None) -> None:
    """Compile confcheck's modules as an install does (pip writes them), so no run pays for compiling:
    with PYTHONDONTWRITEBYTECODE set, stale caches would be compiled again by every process. ``tree``: a
    checked-out tree's modules rather than the installed ones (``lint_ab.py``'s other revision)."""
    import importlib.util

    packages = {"confcheck": "confcheck", "confcheck.plugins": "plugins", "confcheck.rules": "rules"}
    packages["confcheck.reports"] = "reports"
    folders = (
        [str(tree / folder) for folder in packages.values()]
        if tree is not None
        else [
            str(Path(location))
            for package in packages
            for spec in [importlib.util.find_spec(package)]
            if spec is not None and spec.submodule_search_locations
            for location in spec.submodule_search_locations
        ]
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", *folders], env=env, check=False, stdout=subprocess.DEVNULL
    )


def run(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MiB) and exit code of one confcheck process (its children's included)."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        raise SystemExit(
            f"{argv}: exit {process.returncode}: {process.stderr.read().decode() if process.stderr else ''}"
        )
    return elapsed, usage.ru_maxrss / 1024, process.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sites", default="100,1000,3333", help="comma-separated site counts (3 clusters per site)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="lint runs per size (the median is reported)")
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="lint with this confcheck.toml, e.g. examples/journey.toml (per-platform trust stores: CC403 "
        "judges every chain for each platform); the goals of issue 13 are for lint without one",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        help="CONFCHECK_JOBS for the lint processes (1: one process, nothing forked); default: every CPU",
    )
    args = parser.parse_args()
    options = ["--config", str(Path(args.config).resolve())] if args.config else []
    env = {**os.environ, "CONFCHECK_JOBS": str(args.jobs)} if args.jobs else None
    fresh_bytecode()
    confcheck = [sys.executable, "-m", "confcheck"]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        for sites in (int(s) for s in args.sites.split(",")):
            started = time.perf_counter()
            deployment = build(sites)
            path = Path(tmp) / f"{sites}.json"
            snapshot.write(deployment, path)
            generated = time.perf_counter() - started
            lifted = (
                len(deployment.clusters) > snapshot.LIMITS.clusters
                or path.stat().st_size > snapshot.MAX_BYTES
            )
            lint = [sys.executable, "-c", LIFTED] if lifted else confcheck
            floors, runs = [], []
            for _ in range(args.repeat):
                floors.append(run([sys.executable, "-c", FLOOR, str(path)]))
                runs.append(
                    run([*lint, "lint", str(path), "--format", "json", "--fail-on", "never", *options], env)
                )
            seconds = statistics.median(r[0] for r in runs)
            floor = statistics.median(r[0] for r in floors)
            pairs = [lint_run[0] / floor_run[0] for floor_run, lint_run in zip(floors, runs, strict=True)]
            rss = max(r[1] for r in runs)
            certificates = sum(
                len(e.chain) for c in deployment.clusters for n in c.nodes for e in n.endpoints
            )
            rows.append(
                Row(
                    len(deployment.clusters),
                    path.stat().st_size / 2**20,
                    certificates,
                    generated,
                    floor,
                    seconds,
                    min(pairs),
                    max(pairs),
                    rss,
                    lifted,
                )
            )
            del deployment
    _table(rows, args)
    baseline = statistics.median(run([sys.executable, "-c", "pass"])[0] for _ in range(7))
    version = statistics.median(run([*confcheck, "--version"])[0] for _ in range(7))
    demo_snapshot = Path(__file__).resolve().parents[1] / "examples" / "demo-snapshot.json"
    demo = statistics.median(
        run([*confcheck, "lint", str(demo_snapshot), "--format", "json"])[0] for _ in range(7)
    )
    print(f"bare interpreter start (python -c pass): {baseline:.3f}s, median of 7")
    print(f"confcheck --version: {version:.3f}s ({version / baseline:.1f}x)")
    print(
        f"confcheck lint examples/demo-snapshot.json --format json: {demo:.3f}s ({demo / baseline:.1f}x; "
        "goal at most 0.15 s)"
    )


def _table(rows: list[Row], args: argparse.Namespace) -> None:
    """The table of lint against its floor by size, and how the time grows."""
    with_config = f" with --config {args.config}" if args.config else ""
    from confcheck import parallel

    share = (
        f"CONFCHECK_JOBS={args.jobs}" if args.jobs else f"work shared by up to {parallel.cpus()} processes"
    )
    print(
        f"confcheck lint{with_config}, whole process ({share}), median of {args.repeat}, "
        "interleaved with the floor (one process):"
    )
    print(
        f"{'clusters':>8} {'snapshot':>9} {'chain certs':>11} {'generate':>9} {'floor':>7} {'lint':>8} "
        f"{'x floor':>8} {'each pair':>10} {'peak RSS':>9}"
    )
    for r in rows:
        note = "  (limits raised)" if r.lifted else ""
        spread = f"{r.lowest:.1f}-{r.highest:.1f}x"
        print(
            f"{r.clusters:>8} {r.size:>7.1f}MB {r.certificates:>11} {r.generated:>8.1f}s {r.floor:>6.2f}s "
            f"{r.seconds:>7.2f}s {r.seconds / r.floor:>7.1f}x {spread:>10} {r.rss:>7.0f}MB{note}"
        )
    print("floor: json.loads of the snapshot and cryptography's load of every PEM, whole process")
    print(
        "x floor: the median lint over the median floor (the goal's measure); each pair: the lowest and "
        "highest of each lint over the floor run just before it (how much the machine's speed moved)"
    )
    if args.config:
        print("goals (issue 13) are for lint without --config: here, only that time grows linearly")
    else:
        print("goals at the largest size: at most 4x the floor, at most 600 MB")
    if len(rows) >= 2:
        for before, after in itertools.pairwise(rows):
            grown = after.clusters / before.clusters
            print(
                f"scaling: {grown:.1f}x the clusters took {after.seconds / before.seconds:.1f}x the time "
                f"(goal: at most {1.1 * grown:.1f}x)"
            )


if __name__ == "__main__":
    main()
