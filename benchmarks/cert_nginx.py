"""Benchmark: ``confcheck cert`` on 256 nginx endpoints against a bare threaded ssl loop, whole process each.

nginx (Debian's, started privately on loopback) serves 256 HTTPS servers, each on its own address
with its own certificate (and the issuing CA's). Timed, each as a whole process, interleaved:

* ``confcheck cert tls://ADDRESS:PORT ...`` with all 256 endpoints (text output);
* the floor: a bare Python process doing the same TLS handshakes with the standard library only,
  64 at a time as confcheck does (``[collect] concurrency``), keeping each presented leaf's DER.

Both are timed again with one endpoint: what confcheck costs beyond the floor there is its start-up
(imports, the certificate parser, one chain), which the whole run pays once; the rest of the gap is
paid per endpoint. confcheck's modules are compiled first, as an install does (pip writes them), so
that no run pays for compiling them (with PYTHONDONTWRITEBYTECODE set, every run would).

Goal: ``confcheck cert`` at most 1.5 times the bare loop.

    python benchmarks/cert_nginx.py [--endpoints 256] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from confcheck import pki

GOAL = 1.5

BARE = """
import socket, ssl, sys
from concurrent.futures import ThreadPoolExecutor

context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE

def leaf(endpoint):
    host, port = endpoint.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        with context.wrap_socket(sock, server_hostname=host) as tls:
            return tls.getpeercert(binary_form=True)

with ThreadPoolExecutor(64) as pool:
    leaves = list(pool.map(leaf, sys.argv[1:]))
assert all(leaves), "an endpoint presented no certificate"
"""


def nginx_binary() -> str:
    for candidate in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and Path(candidate).exists():
            return candidate
    raise SystemExit("nginx is not installed (apt-get install nginx): nothing to measure")


def start_nginx(base: Path, count: int) -> tuple[subprocess.Popen[bytes], list[str]]:
    """nginx serving ``count`` HTTPS servers on 127.5.x.y, one certificate each; returns it and the endpoints."""
    for sub in ("logs", "tmp", "certs"):
        (base / sub).mkdir(parents=True)
    issuer = pki.ca("Bench Issuing CA")
    key = pki.new_key()  # one key for all: keys are the slow part of making certificates
    addresses = [f"127.5.{n // 250}.{n % 250 + 1}" for n in range(count)]
    with socket.socket() as probe:
        probe.bind((addresses[0], 0))
        port = int(probe.getsockname()[1])
    servers = []
    for number, address in enumerate(addresses):
        name = f"node{number}.example.com"
        issued = pki.server(name, dns=[name], issuer=issuer, key=key)
        cert, private = base / "certs" / f"{number}.pem", base / "certs" / f"{number}.key"
        cert.write_text(issued.pem + issuer.pem)
        private.write_text(issued.key_pem)
        servers.append(
            f"  server {{ listen {address}:{port} ssl; server_name {name}; "
            f"ssl_certificate {cert}; ssl_certificate_key {private}; location / {{ return 200; }} }}"
        )
    temp = " ".join(
        f"{kind}_temp_path {base}/tmp/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    config = base / "nginx.conf"
    config.write_text(
        f"daemon off; master_process on; worker_processes 1; pid {base}/nginx.pid;\n"
        f"error_log {base}/logs/error.log notice;\nevents {{ worker_connections 1024; }}\n"
        f"http {{ access_log off; {temp} ssl_protocols TLSv1.2 TLSv1.3;\n" + "\n".join(servers) + "\n}\n"
    )
    log = base / "logs" / "error.log"
    process = subprocess.Popen(
        [nginx_binary(), "-e", str(log), "-p", str(base), "-c", str(config)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 15
    for address in addresses:
        while True:
            try:
                with socket.create_connection((address, port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    raise SystemExit(
                        f"nginx did not start: {log.read_text(errors='replace')[-500:]}"
                    ) from None
                time.sleep(0.02)
    return process, [f"{address}:{port}" for address in addresses]


def fresh_bytecode() -> None:
    """Compile confcheck's modules as an install does, so that no timed run compiles them."""
    import importlib.util

    spec = importlib.util.find_spec("confcheck")
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", *folders], env=env, check=False, stdout=subprocess.DEVNULL
    )


def timed(argv: list[str]) -> float:
    """Wall seconds of one process, which must succeed."""
    started = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--endpoints", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each (the median is reported)")
    args = parser.parse_args()
    fresh_bytecode()
    confcheck = [sys.executable, "-m", "confcheck", "cert"]
    with tempfile.TemporaryDirectory() as workdir:
        process, endpoints = start_nginx(Path(workdir) / "nginx", args.endpoints)
        try:
            runs = {
                "ours": [*confcheck, *(f"tls://{e}" for e in endpoints)],
                "bare": [sys.executable, "-c", BARE, *endpoints],
                "ours1": [*confcheck, f"tls://{endpoints[0]}"],
                "bare1": [sys.executable, "-c", BARE, endpoints[0]],
            }
            timed(runs["ours"])  # warm up: page cache, nginx's session state
            times: dict[str, list[float]] = {name: [] for name in runs}
            for _ in range(args.repeat):
                for name, argv in runs.items():
                    times[name].append(timed(argv))
        finally:
            process.terminate()
            process.wait(timeout=10)
    ours, bare, ours1, bare1 = (statistics.median(times[name]) for name in ("ours", "bare", "ours1", "bare1"))
    ratio = ours / bare
    start_up = ours1 - bare1
    print(f"{args.endpoints} nginx HTTPS endpoints, whole process each, median of {args.repeat}:")
    print(f"  bare threaded ssl loop  {bare:7.3f} s   (64 handshakes at a time, stdlib only)")
    print(f"  confcheck cert          {ours:7.3f} s   ({ratio:.2f}x the bare loop; goal at most {GOAL}x)")
    print(
        f"  of the {ours - bare:.3f} s gap: {start_up:.3f} s start-up (one endpoint: {ours1:.3f} s vs "
        f"{bare1:.3f} s), {ours - bare - start_up:.3f} s per endpoint "
        f"({(ours - bare - start_up) / max(args.endpoints - 1, 1) * 1000:.2f} ms each)"
    )


if __name__ == "__main__":
    main()
