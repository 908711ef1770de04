"""Benchmark: fetching 64, 256 and 1,024 chains (HTTPS and XMPP STARTTLS mixed) over a link with 50 ms each way.

The endpoints are TLS and XMPP servers, each on its own loopback address, reached through a TCP
proxy that delays every chunk by 50 ms in each direction (this kernel has no netem); servers and
proxies run on one asyncio loop in a process of their own (``tls_farm.py``), so that they take
nothing from the collector's interpreter. Printed for each count, measured in this process:

* confcheck's collector (``transport.tls.fetch_all``, default policy);
* a one-at-a-time loop over the same endpoints (the baseline; for the first count only, as it takes
  N times the round trips);
* the ideal: the round trips the collector must wait for, at most ``concurrency`` endpoints at a time
  (``[collect] concurrency``, 64): the slowest endpoint's, or all endpoints' round trips shared by the
  64 slots when there are more endpoints than slots; plus the handshake CPU of all endpoints
  (measured without the proxy) spread over the machine's cores.

Goals: within 1.5x of the ideal, at least 10x faster than one at a time.

Then the same endpoints as current releases serve them, each server holding an RSA certificate and
its ECDSA twin (``tomcat`` and ``tomcat-ECDSA``): confcheck meets each twice, offering only RSA and
only ECDSA. Those probes are TLS 1.2 (Python cannot restrict a TLS 1.3 offer to one key type), one
round trip longer than TLS 1.3 for HTTPS, and twice as many handshakes fill the collector's
concurrency twice as often. Printed against one full-offer probe per endpoint (the cost of the twins)
and against their own ideal (round trips per wave of ``concurrency`` probes, plus the handshakes'
CPU spread over the cores), measured in the same process; goal: within 1.5x of the ideal.

When sslyze is installed
in a separate virtualenv (``--sslyze PATH`` or $SSLYZE_VENV; it pins an older cryptography), it also
compares ``sslyze --certinfo`` with ``confcheck cert`` on 16 direct-TLS endpoints, whole process each.

    python benchmarks/fetch_latency.py [--endpoints 64,256,1024] [--latency 0.05] [--sslyze VENV]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from tls_farm import Farm, Spec

from confcheck import pki
from confcheck.transport import tls

ROUND_TRIPS = {"https": 1, "xmpp": 3}
"""Delayed round trips: the TLS 1.3 hello; XMPP adds the stream header and STARTTLS. The proxy delays
data, not the TCP handshake itself, so connecting costs no delayed round trip."""
TLS12_ROUND_TRIPS = {"https": 2, "xmpp": 4}
"""The same with a TLS 1.2 handshake (the per-key-type probes): one round trip more."""


def address(network: int, number: int) -> str:
    """The loopback address of endpoint ``number`` in ``network`` (127.network.0.0/16): any count."""
    return f"127.{network}.{number // 250}.{number % 250 + 1}"


def round_trips(rtts: list[int], at_once: int) -> float:
    """The delayed round trips no collector can avoid, ``at_once`` endpoints at a time.

    With more endpoints than slots, the slots share all the endpoints' round trips (a slot takes the
    next endpoint as soon as one ends); never fewer than the slowest endpoint's own."""
    return max(*rtts, sum(rtts) / at_once)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--endpoints", default="64,256,1024", help="comma-separated endpoint counts")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added in each direction")
    parser.add_argument(
        "--sslyze", default=os.environ.get("SSLYZE_VENV"), help="virtualenv with sslyze installed"
    )
    args = parser.parse_args()
    counts = [int(n) for n in args.endpoints.split(",")]
    farm = Farm()  # before this process starts any thread
    issuer = pki.ca("Bench CA")
    workdir = Path(tempfile.mkdtemp())
    for index, count in enumerate(counts):
        direct = chains(farm, count, args.latency, issuer, workdir, serial=index == 0, network=1 + 2 * index)
    twins(farm, counts[0], args.latency, issuer, workdir, network=1 + 2 * len(counts))

    if args.sslyze:
        compare_sslyze(Path(args.sslyze), [t for t in direct if t.scheme == "https"][:16])


def chains(
    farm: Farm, count: int, latency: float, issuer: pki.Issued, workdir: Path, serial: bool, network: int
) -> list[tls.Target]:
    """``count`` endpoints behind the delaying proxy: the collector against its ideal (and, with
    ``serial``, against one at a time). Returns the endpoints without the proxy."""
    specs: list[Spec] = []
    names: list[str] = []
    rtts: list[int] = []
    key = pki.new_key()
    for number in range(count):
        scheme = "https" if number % 2 == 0 else "xmpp"
        name = f"node{number}.example.com"
        issued = pki.server(
            name, dns=[name], xmpp_addr=[name] if scheme == "xmpp" else [], issuer=issuer, key=key
        )
        chain, private = workdir / f"{network}-{number}.pem", workdir / f"{network}-{number}.key"
        chain.write_text(issued.pem + issuer.pem)
        private.write_text(issued.key_pem)
        specs.append(
            Spec(
                scheme,
                address(network, number),
                ((str(chain), str(private)),),
                address(network + 1, number),
                latency,
            )
        )
        names.append(name)
        rtts.append(ROUND_TRIPS[scheme])
    ports = farm.start(specs)
    direct = [
        tls.Target(spec.scheme, spec.address, port, name)
        for spec, (port, _), name in zip(specs, ports, names, strict=True)
    ]
    delayed = [
        tls.Target(spec.scheme, spec.proxy_address or "", proxy or 0, name)
        for spec, (_, proxy), name in zip(specs, ports, names, strict=True)
    ]

    def timed(work: Callable[[], list[object]]) -> float:
        started = time.perf_counter()
        results = work()
        elapsed = time.perf_counter() - started
        failed = [r for r in results if getattr(r, "error", None)]
        if failed:
            raise SystemExit(f"benchmark endpoints failed: {failed[0]}")
        return elapsed

    timed(lambda: list(tls.fetch_all(direct)))  # warm up: imports, contexts, server threads
    cpu = statistics.median(timed(lambda: [tls.fetch(t) for t in direct]) for _ in range(3))
    collector = statistics.median(timed(lambda: list(tls.fetch_all(delayed))) for _ in range(3))
    at_once = tls.Policy().concurrency
    waits = round_trips(rtts, at_once)
    ideal = waits * 2 * latency + cpu / (os.cpu_count() or 1)
    print(f"{count} endpoints (HTTPS and XMPP STARTTLS), {latency * 1000:.0f} ms added each way")
    print(
        f"  confcheck collector   {collector:7.3f} s   ({collector / ideal:.2f}x the ideal; goal at most 1.5x)"
    )
    if serial:
        alone = timed(lambda: [tls.fetch(t) for t in delayed])
        print(
            f"  one at a time         {alone:7.3f} s   (collector is {alone / collector:.1f}x faster; goal at least 10x)"
        )
    print(
        f"  ideal                 {ideal:7.3f} s   ({waits:.1f} round trips, {at_once} endpoints at a time, + "
        f"{cpu:.3f} s handshake CPU / {os.cpu_count()} cores)"
    )
    return direct


def twins(farm: Farm, count: int, latency: float, issuer: pki.Issued, workdir: Path, network: int) -> None:
    """Current releases: each endpoint met twice (RSA only, ECDSA only) against once (full offer)."""
    rsa_key = pki.new_key("rsa")  # one RSA key for every RSA certificate: keys are the slow part
    single: list[tls.Target] = []
    probes: list[tls.Target] = []
    direct: list[tls.Target] = []
    rtts: list[int] = []
    specs: list[Spec] = []
    names: list[str] = []
    ec_key = pki.new_key()
    for number in range(count):
        scheme = "https" if number % 2 == 0 else "xmpp"
        name = f"twin{number}.example.com"
        files = []
        for kind, key in (("rsa", rsa_key), ("ec", ec_key)):
            issued = pki.server(name, dns=[name], issuer=issuer, key=key)
            chain, private = workdir / f"twin{number}-{kind}.pem", workdir / f"twin{number}-{kind}.key"
            chain.write_text(issued.pem + issuer.pem)
            private.write_text(issued.key_pem)
            files.append((str(chain), str(private)))
        specs.append(
            Spec(scheme, address(network, number), tuple(files), address(network + 1, number), latency)
        )
        names.append(name)
        rtts.append(TLS12_ROUND_TRIPS[scheme])
    for spec, (port, proxy), name in zip(specs, farm.start(specs), names, strict=True):
        single.append(tls.Target(spec.scheme, spec.proxy_address or "", proxy or 0, name))
        for offer in ("rsa", "ecdsa"):
            probes.append(tls.Target(spec.scheme, spec.proxy_address or "", proxy or 0, name, offer))
            direct.append(tls.Target(spec.scheme, spec.address, port, name, offer))

    def timed(targets: list[tls.Target]) -> float:
        started = time.perf_counter()
        results = tls.fetch_all(targets)
        elapsed = time.perf_counter() - started
        failed = [r for r in results if r.error]
        if failed:
            raise SystemExit(f"benchmark endpoints failed: {failed[0]}")
        kinds = {(t.offer, r.chain[0].key.type) for t, r in zip(targets, results, strict=True)}
        if ("rsa", "EC") in kinds or ("ecdsa", "RSA") in kinds:
            raise SystemExit(f"a probe met the other key type: {sorted(kinds)}")
        return elapsed

    timed(single)  # warm up
    once = statistics.median(timed(single) for _ in range(3))
    both = statistics.median(timed(probes) for _ in range(3))
    cpu = statistics.median(timed_serial(direct) for _ in range(3))
    at_once = tls.Policy().concurrency
    waves = -(-len(probes) // at_once)  # endpoints fetched at once are bounded: politeness costs waves
    ideal = waves * max(rtts) * 2 * latency + cpu / (os.cpu_count() or 1)
    print(f"{count} endpoints of current releases (an RSA certificate and its ECDSA twin each)")
    print(f"  one full-offer probe  {once:7.3f} s")
    print(
        f"  RSA and ECDSA probes  {both:7.3f} s   ({both / once:.2f}x one probe; {both / ideal:.2f}x their "
        "ideal, goal at most 1.5x)"
    )
    print(
        f"  their ideal           {ideal:7.3f} s   ({waves} x {max(rtts)} TLS 1.2 round trips, {at_once} probes at "
        f"a time, + {cpu:.3f} s handshake CPU for {len(direct)} probes / {os.cpu_count()} cores)"
    )


def timed_serial(targets: list[tls.Target]) -> float:
    """Seconds to fetch ``targets`` one at a time, without added latency: the handshakes' CPU."""
    started = time.perf_counter()
    for target in targets:
        tls.fetch(target)
    return time.perf_counter() - started


def compare_sslyze(venv: Path, targets: list[tls.Target]) -> None:
    """``sslyze --certinfo`` against ``confcheck cert`` on the same direct-TLS endpoints, whole process each."""
    sslyze = venv / "bin" / "sslyze"
    if not sslyze.exists():
        print(f"sslyze: not found in {venv}; skipped")
        return
    confcheck = shutil.which("confcheck") or str(Path(sys.executable).with_name("confcheck"))
    endpoints = [f"{t.host}:{t.port}" for t in targets]

    def run(argv: list[str]) -> float:
        started = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        return time.perf_counter() - started

    theirs = statistics.median(run([str(sslyze), "--certinfo", "--quiet", *endpoints]) for _ in range(5))
    ours = statistics.median(run([confcheck, "cert", *(f"tls://{e}" for e in endpoints)]) for _ in range(5))
    print(f"{len(endpoints)} direct-TLS endpoints, whole process each (median of 5):")
    print(f"  sslyze --certinfo     {theirs:7.3f} s")
    print(f"  confcheck cert        {ours:7.3f} s   ({theirs / ours:.1f}x faster; goal at least 5x)")


if __name__ == "__main__":
    main()
