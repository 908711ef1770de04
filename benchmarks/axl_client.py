"""Benchmark: time to a ready AXL client, confcheck's compact WSDL against Cisco's full toolkit WSDL.

Each measurement is a fresh Python process, so nothing is cached: the process imports
``confcheck.transport.axl`` (zeep, lxml, requests), then times ``AxlClient(settings)``, which parses
the WSDL and its schema and builds the service. That is the cost a ``confcheck`` run pays once per
AXL version line. Cisco's WSDL for the same version comes from ../shared/axl-schema (or
$CONFCHECK_SHARED); without it only the compact figure is printed.

Goals: compact under 50 ms; at least 10x faster than Cisco's WSDL.

    python benchmarks/axl_client.py [--version 9.1] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

SHARED = Path(os.environ.get("CONFCHECK_SHARED", Path(__file__).resolve().parents[2] / "shared"))

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default="9.1", choices=("8.5", "9.0", "9.1"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    compact = statistics.median(ready_client(args.version, None) for _ in range(args.repeat))
    print(f"ready AXL {args.version} client, fresh process each, median of {args.repeat}:")
    print(f"  confcheck compact WSDL   {compact:7.3f} s   (goal under 0.050 s)")
    cisco_wsdl = SHARED / "axl-schema" / args.version / "AXLAPI.wsdl"
    if not cisco_wsdl.is_file():
        print(f"  Cisco's WSDL             not found at {cisco_wsdl}; skipped")
        return
    cisco = statistics.median(ready_client(args.version, cisco_wsdl) for _ in range(args.repeat))
    print(
        f"  Cisco's toolkit WSDL     {cisco:7.3f} s   (compact is {cisco / compact:.0f}x faster; goal at least 10x)"
    )


if __name__ == "__main__":
    main()
