"""Benchmark: time to a ready AXL client for every AXL version, compact WSDL against Cisco's toolkit WSDL.

Each measurement is a fresh Python process, so nothing is cached: the process imports
``confcheck.transport.axl`` (zeep, lxml, requests), then times ``AxlClient(settings)``, which parses
the WSDL and its schema, builds zeep's service and opens a session. That is the cost a
``confcheck`` run pays once per AXL version it speaks. Cisco's WSDL for the same version comes from
../shared/axl-schema (or $CONFCHECK_SHARED); without it, or with ``--compact-only``, only the
compact figures are printed.

Goals: compact under 50 ms for every version; at least 10x faster than Cisco's WSDL.

    python benchmarks/axl_client.py [--version 14.0 ...] [--repeat 3] [--compact-only]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

from confcheck.transport.axl import VERSIONS

SHARED = Path(os.environ.get("CONFCHECK_SHARED", Path(__file__).resolve().parents[2] / "shared"))
GOAL = 0.050

CHILD = """
import sys, time
from pathlib import Path
from confcheck.transport.axl import AxlClient, AxlSettings

wsdl = Path(sys.argv[2]) if sys.argv[2] else None
started = time.perf_counter()
AxlClient(AxlSettings("https://cucm1.example.com:8443/axl/", "axl", "-", version=sys.argv[1], wsdl=wsdl))
print(time.perf_counter() - started)
"""


def ready_client(version: str, wsdl: Path | None) -> float:
    """Seconds to a ready client in a fresh process (imports excluded)."""
    run = subprocess.run(
        [sys.executable, "-c", CHILD, version, str(wsdl or "")], capture_output=True, text=True, check=True
    )
    return float(run.stdout.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--version", nargs="*", default=list(VERSIONS), choices=VERSIONS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--compact-only", action="store_true", help="skip Cisco's WSDLs (slow)")
    args = parser.parse_args()

    print(f"ready AXL client, fresh process each, median of {args.repeat}:")
    print(f"  {'AXL':>5}  {'compact':>9}  {'Cisco':>8}  ratio")
    slowest = 0.0
    for version in args.version:
        compact = statistics.median(ready_client(version, None) for _ in range(args.repeat))
        slowest = max(slowest, compact)
        cisco_wsdl = SHARED / "axl-schema" / version / "AXLAPI.wsdl"
        if args.compact_only or not cisco_wsdl.is_file():
            print(f"  {version:>5}  {compact:7.3f} s  {'-':>8}")
            continue
        cisco = statistics.median(ready_client(version, cisco_wsdl) for _ in range(args.repeat))
        print(f"  {version:>5}  {compact:7.3f} s  {cisco:6.3f} s  {cisco / compact:4.0f}x")
    verdict = "met" if slowest < GOAL else "MISSED"
    print(
        f"slowest compact client {slowest:.3f} s (goal under {GOAL:.3f} s: {verdict}; Cisco's at least 10x slower)"
    )
    return 0 if slowest < GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
