"""Offline commands import nothing they do not use: no HTTP stack, no SOAP client, no HTML parser.

``lint``, ``report``, ``rules``, ``locations`` and ``explain`` never talk to a server, so importing
requests, urllib3, zeep or lxml.html would only cost every run its start-up time (about 80 ms). Each
command runs in a fresh interpreter, and the modules it loaded are read from ``sys.modules`` there.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
HEAVY = ("requests", "urllib3", "zeep", "lxml.html")

CHILD = """
import contextlib, io, json, sys
from confcheck import cli
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    code = cli.main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def loaded(*args: str) -> tuple[int, set[str]]:
    """The exit code of ``confcheck ARGS`` in a fresh interpreter, and every module it imported."""
    run = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True, check=True)
    result = json.loads(run.stdout.splitlines()[-1])
    return int(result["code"]), set(result["modules"])


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("lint", str(EXAMPLES / "demo-snapshot.json")), id="lint"),
        pytest.param(
            (
                "lint",
                str(EXAMPLES / "current-releases-snapshot.json"),
                "--format",
                "json",
                "-o",
                "html={tmp}/report.html",
                "-o",
                "markdown={tmp}/report.markdown",
                "-o",
                "sarif={tmp}/report.sarif",
                "-o",
                "junit={tmp}/report.junit",
                "-o",
                "csv={tmp}/report.csv",
            ),
            id="lint-every-format",
        ),
        pytest.param(("report", str(EXAMPLES / "demo-snapshot.json"), "--format", "html"), id="report"),
        pytest.param(("rules",), id="rules"),
        pytest.param(("locations",), id="locations"),
        pytest.param(("explain", "CC101"), id="explain"),
    ],
)
def test_an_offline_command_imports_no_network_or_html_library(args: tuple[str, ...], tmp_path: Path) -> None:
    code, modules = loaded(*(arg.format(tmp=tmp_path) for arg in args))
    assert code in (0, 1), f"confcheck {' '.join(args)} exited {code}"
    assert "confcheck.cli" in modules  # the child did run confcheck
    imported = sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))
    assert imported == [], f"confcheck {args[0]} imported {', '.join(imported)}"


def test_collecting_still_imports_the_http_stack() -> None:
    """The check above could not fail if confcheck never imported requests at all: collecting does."""
    code = "import sys, confcheck.transport.adminweb; print('requests' in sys.modules, 'lxml.html' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["True", "True"]
