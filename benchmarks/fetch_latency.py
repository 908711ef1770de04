"""Benchmark: fetching 64 chains (HTTPS and XMPP STARTTLS mixed) over a link with 50 ms each way.

The endpoints are TLS and XMPP servers in this process, each on its own loopback address, reached
through an in-process TCP proxy that delays every chunk by 50 ms in each direction (this kernel
has no netem). Printed, all measured in this process:

* confcheck's collector (``transport.tls.fetch_all``, default policy);
* a one-at-a-time loop over the same endpoints (the baseline);
* the ideal: the slowest endpoint's round trips times the round-trip time, plus the handshake CPU
  of all endpoints (measured without the proxy) spread over the machine's cores.

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

    python benchmarks/fetch_latency.py [--endpoints 64] [--latency 0.05] [--sslyze VENV]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import queue
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from confcheck import pki
from confcheck.transport import tls

FEATURES = (
    b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
    b"id='b' version='1.0'><stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>"
)
PROCEED = b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
ROUND_TRIPS = {"https": 1, "xmpp": 3}
"""Delayed round trips: the TLS 1.3 hello; XMPP adds the stream header and STARTTLS. The proxy delays
data, not the TCP handshake itself, so connecting costs no delayed round trip."""
TLS12_ROUND_TRIPS = {"https": 2, "xmpp": 4}
"""The same with a TLS 1.2 handshake (the per-key-type probes): one round trip more."""


def _listen(address: str) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((address, 0))
    sock.listen(128)
    return sock


def _accept_forever(listener: socket.socket, handle: Callable[[socket.socket], None]) -> None:
    def loop() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=_guard, args=(handle, conn), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()


def _guard(handle: Callable[[socket.socket], None], conn: socket.socket) -> None:
    try:
        handle(conn)
    except (OSError, ssl.SSLError):
        pass
    finally:
        conn.close()


def start_server(address: str, scheme: str, context: ssl.SSLContext) -> int:
    """A TLS (https) or XMPP STARTTLS server on ``address``; returns its port."""

    def https(conn: socket.socket) -> None:
        with context.wrap_socket(conn, server_side=True) as tls_conn:
            tls_conn.recv(1)

    def xmpp(conn: socket.socket) -> None:
        conn.recv(4096)
        conn.sendall(FEATURES)
        conn.recv(4096)
        conn.sendall(PROCEED)
        https(conn)

    listener = _listen(address)
    _accept_forever(listener, https if scheme == "https" else xmpp)
    return int(listener.getsockname()[1])


def start_delay_proxy(address: str, upstream: tuple[str, int], delay: float) -> int:
    """A TCP proxy on ``address`` delaying every chunk by ``delay`` seconds each way; returns its port."""

    def pump(source: socket.socket, sink: socket.socket) -> None:
        chunks: queue.Queue[tuple[float, bytes]] = queue.Queue()

        def writer() -> None:
            while True:
                due, data = chunks.get()
                if not data:
                    break
                time.sleep(max(0.0, due - time.monotonic()))
                try:
                    sink.sendall(data)
                except OSError:
                    break
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)

        thread = threading.Thread(target=writer, daemon=True)
        thread.start()
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            chunks.put((time.monotonic() + delay, data))
            if not data:
                break
        thread.join()

    def handle(client: socket.socket) -> None:
        with socket.create_connection(upstream) as server:
            back = threading.Thread(target=pump, args=(server, client), daemon=True)
            back.start()
            pump(client, server)
            back.join()

    listener = _listen(address)
    _accept_forever(listener, handle)
    return int(listener.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--endpoints", type=int, default=64)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added in each direction")
    parser.add_argument(
        "--sslyze", default=os.environ.get("SSLYZE_VENV"), help="virtualenv with sslyze installed"
    )
    args = parser.parse_args()

    issuer = pki.ca("Bench CA")
    workdir = Path(tempfile.mkdtemp())
    direct: list[tls.Target] = []
    delayed: list[tls.Target] = []
    rtts: list[int] = []
    for number in range(args.endpoints):
        scheme = "https" if number % 2 == 0 else "xmpp"
        address = f"127.0.1.{number + 1}"
        name = f"node{number}.example.com"
        issued = pki.server(name, dns=[name], xmpp_addr=[name] if scheme == "xmpp" else [], issuer=issuer)
        (workdir / f"{number}.pem").write_text(issued.pem + issuer.pem)
        (workdir / f"{number}.key").write_text(issued.key_pem)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(workdir / f"{number}.pem", workdir / f"{number}.key")
        port = start_server(address, scheme, context)
        proxy = start_delay_proxy(f"127.0.2.{number + 1}", (address, port), args.latency)
        direct.append(tls.Target(scheme, address, port, name))
        delayed.append(tls.Target(scheme, f"127.0.2.{number + 1}", proxy, name))
        rtts.append(ROUND_TRIPS[scheme])

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
    serial = timed(lambda: [tls.fetch(t) for t in delayed])
    ideal = max(rtts) * 2 * args.latency + cpu / (os.cpu_count() or 1)
    print(
        f"{args.endpoints} endpoints (HTTPS and XMPP STARTTLS), {args.latency * 1000:.0f} ms added each way"
    )
    print(
        f"  confcheck collector   {collector:7.3f} s   ({collector / ideal:.2f}x the ideal; goal at most 1.5x)"
    )
    print(
        f"  one at a time         {serial:7.3f} s   (collector is {serial / collector:.1f}x faster; goal at least 10x)"
    )
    print(
        f"  ideal                 {ideal:7.3f} s   ({max(rtts)} round trips + {cpu:.3f} s handshake CPU / {os.cpu_count()} cores)"
    )

    twins(args.endpoints, args.latency, issuer, workdir)

    if args.sslyze:
        compare_sslyze(Path(args.sslyze), [t for t in direct if t.scheme == "https"][:16])


def twins(count: int, latency: float, issuer: pki.Issued, workdir: Path) -> None:
    """Current releases: each endpoint met twice (RSA only, ECDSA only) against once (full offer)."""
    rsa_key = pki.new_key("rsa")  # one RSA key for every RSA certificate: keys are the slow part
    single: list[tls.Target] = []
    probes: list[tls.Target] = []
    direct: list[tls.Target] = []
    rtts: list[int] = []
    for number in range(count):
        scheme = "https" if number % 2 == 0 else "xmpp"
        name = f"twin{number}.example.com"
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        for kind, key in (("rsa", rsa_key), ("ec", None)):
            issued = pki.server(name, dns=[name], issuer=issuer, key=key)
            chain, private = workdir / f"twin{number}-{kind}.pem", workdir / f"twin{number}-{kind}.key"
            chain.write_text(issued.pem + issuer.pem)
            private.write_text(issued.key_pem)
            context.load_cert_chain(chain, private)
        address, delayed = f"127.0.3.{number + 1}", f"127.0.4.{number + 1}"
        port = start_server(address, scheme, context)
        proxy = start_delay_proxy(delayed, (address, port), latency)
        single.append(tls.Target(scheme, delayed, proxy, name))
        for offer in ("rsa", "ecdsa"):
            probes.append(tls.Target(scheme, delayed, proxy, name, offer))
            direct.append(tls.Target(scheme, address, port, name, offer))
        rtts.append(TLS12_ROUND_TRIPS[scheme])

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
