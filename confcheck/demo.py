"""``confcheck demo``: audit the pre-migration lab from start to finish, the way a consultant would.

It starts the lab in this process, collects it through AXL, the admin pages, DNS and TLS exactly
as a real audit does, prints the findings with their fix list, and writes the snapshot and the
reports into the output directory.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

from confcheck import collect, config, plugin_manager, snapshot
from confcheck.errors import ExitCode, InputError
from confcheck.lab.runtime import Lab
from confcheck.progress import display
from confcheck.verdict import Options, judge

PACKAGE = Path(__file__).resolve().parent
REPORTS = (
    ("json", "report.json"),
    ("terminal", "report.txt"),
    ("html", "report.html"),
    ("markdown", "report.md"),
    ("sarif", "report.sarif"),
    ("junit", "report.junit.xml"),
    ("csv", "report.csv"),
)
"""Report files the demo writes, by format (each when its reporter is installed)."""


def run(scenario: str, output_dir: str | Path, progress: bool = True) -> ExitCode:
    """Audit the lab scenario; print the terminal report; write snapshot and reports to ``output_dir``."""
    out = Path(output_dir).resolve()
    if (
        out == PACKAGE
        or PACKAGE in out.parents
        or (out.name == "reports" and (out.parent / "rules").is_dir())
    ):
        raise InputError(f"{out}: refusing to write demo output into confcheck's own source tree")
    out.mkdir(parents=True, exist_ok=True)
    with Lab.of(scenario) as lab:
        print(f"confcheck: lab '{scenario}' running on {lab.block}.0/24; auditing it", file=sys.stderr)
        saved = {k: os.environ.get(k) for k in lab.environment}
        os.environ.update(lab.environment)
        try:
            inventory = config.load(lab.config_path, ask=False)
            with display(progress) as update:
                deployment = collect.collect(inventory, update)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    snapshot.write(deployment, out / "snapshot.json")
    report = judge(deployment, Options(check=inventory.check, cover=inventory.cover), f"lab:{scenario}")
    reporters = plugin_manager.reporters()
    written = ["snapshot.json"]
    for name, filename in REPORTS:
        if name in reporters:
            buffer = io.StringIO()
            reporters[name].write(report, buffer)
            snapshot.write_atomic(out / filename, buffer.getvalue())
            written.append(filename)
    reporters["terminal"].write(report, sys.stdout)
    print(f"confcheck: wrote {', '.join(written)} to {out}", file=sys.stderr)
    return report.exit_code
