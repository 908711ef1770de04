"""Offline commands import nothing they do not use: no HTTP stack, no SOAP client, no HTML parser.

``lint``, ``report``, ``rules``, ``locations`` and ``explain`` never talk to a server, so importing
requests, urllib3, zeep or lxml.html would only cost every run its start-up time (about 80 ms). Each
command runs in a fresh interpreter, and the modules it loaded are read from ``sys.modules`` there.

Built-in plugins are imported by kind, when their hooks are first called (see
:mod:`confcheck.plugin_manager`): a lint imports the reporter it writes with and no other, and no
collection code; third-party plugins are all imported, and work, as before.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from confcheck import plugin_manager

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


def imported_by(module: str) -> set[str]:
    """Every module a fresh interpreter has after importing ``module`` alone (what a library brings)."""
    code = f"import sys, {module}; print(' '.join(sys.modules))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(run.stdout.split())


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


def test_a_lint_imports_one_reporter_and_nothing_of_collection_or_the_inventory() -> None:
    code, modules = loaded("lint", str(EXAMPLES / "demo-snapshot.json"), "--format", "json")
    assert code == 1
    reporters = sorted(m for m in modules if m.startswith("confcheck.reports."))
    assert reporters == ["confcheck.reports.json"]
    unused = (
        "confcheck.config",
        "confcheck.changes",
        "confcheck.collect",
        "rich",
        "getpass",
        "tempfile",
        "shutil",
    )
    assert [m for m in unused if m in modules] == []
    # a snapshot's certificates come with their DER: nothing is encoded again, so no serialization package
    # (cryptography before 50 imports it with its x509 package: then it is not confcheck's to avoid)
    if "cryptography.hazmat.primitives.serialization" not in imported_by("cryptography.x509"):
        assert "cryptography.hazmat.primitives.serialization" not in modules
    # the built-in plugins' entry points are read from their file (confcheck.entry_points)
    assert "importlib.metadata" not in modules
    assert "logging" not in modules  # only collection logs
    # a current snapshot needs no migration; a report is written, not read back against its schema
    assert "confcheck.snapshot_migration" not in modules
    assert "confcheck.schema_check" not in modules
    # no discovery in the snapshot: no journey to build, neither its model nor discovery's classes imported
    assert "confcheck.journey" not in modules
    assert "confcheck.discovery_model" not in modules
    assert "idna" not in modules  # every name in it is ASCII
    assert "confcheck.rules.trust" in modules  # every rule still runs
    assert "confcheck.plugins.cucm10" in modules  # and every product line is known
    # what a product line collects with is imported by its collect hooks: a lint reads the catalog alone
    collecting = ("collect_plan", "plugins._cucm", "plugins._imp", "plugins._presence", "plugins._unity")
    assert [m for m in collecting if f"confcheck.{m}" in modules] == []


def test_a_report_rendered_again_from_a_json_report_judges_nothing(tmp_path: Path) -> None:
    """A JSON report holds its verdict: no snapshot is read, no rule is run (about 18 percent of it)."""
    code, _ = loaded(
        "lint", str(EXAMPLES / "demo-snapshot.json"), "--format", "json", "-o", f"json={tmp_path}/r.json"
    )
    assert code == 1
    code, modules = loaded("report", str(tmp_path / "r.json"), "--format", "terminal")
    assert code == 1
    assert "confcheck.reports.terminal" in modules
    judging = (
        "confcheck.snapshot",
        "confcheck.verdict",
        "confcheck.engine",
        "confcheck.rule",
        "confcheck.catalog",
    )
    assert [m for m in judging if m in modules] == []


def test_cert_makes_endpoints_without_the_rest_of_the_model_or_any_plugin() -> None:
    code, modules = loaded("cert", "tls://127.0.0.1:1", "--timeout", "2")  # refused: nothing listens there
    assert code == 3
    assert "confcheck.transport.tls" in modules  # endpoints are read with the TLS transport
    assert "confcheck.endpoint" in modules
    assert [m for m in ("confcheck.model", "confcheck.plugin_manager", "pluggy") if m in modules] == []


def test_cert_reads_a_file_without_the_network_stack() -> None:
    """TLS, its transport and the worker threads are for endpoints: a file needs none of them."""
    code, modules = loaded("cert", str(EXAMPLES / "certificates-trust.pem"))
    assert code == 0
    assert "cryptography.x509" in modules  # the certificates were read
    unused = ("ssl", "concurrent.futures", "confcheck.transport.tls", "confcheck.model", "pluggy")
    assert [m for m in unused if m in modules] == []


def test_rules_imports_no_product_plugin_and_no_reporter() -> None:
    code, modules = loaded("rules")
    assert code == 0
    assert sorted(m for m in modules if m.startswith(("confcheck.plugins.", "confcheck.reports."))) == []


@pytest.mark.parametrize("args", [("rules",), ("explain", "CC401"), ("locations",)], ids=lambda a: a[0])
def test_what_confcheck_knows_is_shown_without_cryptography(args: tuple[str, ...]) -> None:
    """Rule docs and the catalog need no certificate read: cryptography.x509 was 30 percent of start-up."""
    code, modules = loaded(*args)
    assert code == 0
    assert "confcheck.rules.trust" in modules or args[0] == "locations"  # the trust rules were documented
    assert sorted(m for m in modules if m.split(".")[0] == "cryptography") == []


def test_a_snapshot_without_certificates_is_linted_without_cryptography(tmp_path: Path) -> None:
    """cryptography reads certificates (and checks self-signed ones): none to read, none imported."""
    data = json.loads((EXAMPLES / "incomplete-snapshot.json").read_text())
    for cluster in data["clusters"]:
        for node in cluster["nodes"]:
            for endpoint in node["endpoints"]:
                endpoint["chain"] = []
                endpoint["error"] = {"kind": "refused", "message": "connection refused"}
    data["certificates"] = {}
    snapshot = tmp_path / "snapshot.json"
    snapshot.write_text(json.dumps(data))
    code, modules = loaded("lint", str(snapshot), "--format", "json")
    assert code == 3  # the lint did run: the collection problems it judges make it incomplete
    assert "confcheck.rules.trust" in modules
    assert sorted(m for m in modules if m.split(".")[0] == "cryptography") == []


def test_each_built_in_plugin_implements_only_the_hooks_of_its_kind() -> None:
    """What lets the plugin manager import a built-in only when the hooks of its kind are called."""
    import importlib.metadata

    pm = plugin_manager.plugin_manager()
    built_in = [
        ep for ep in importlib.metadata.distribution("confcheck").entry_points if ep.group == "confcheck"
    ]
    assert len(built_in) > 20
    for ep in built_in:
        kind = plugin_manager.kind(ep)
        assert kind is not None, f"{ep.name}: {ep.value} is not in a package of a built-in kind"
        module = ep.load()
        hooks = {h.name for h in pm.get_hookcallers(module) or []}
        assert hooks, f"{ep.name} implements no hook"
        assert hooks <= plugin_manager.HOOKS[kind], f"{ep.name} implements {sorted(hooks)}"
        if kind == "reports":
            formats = [r.name for r in module.confcheck_reporters()]
            assert [plugin_manager.REPORT_PREFIX + f for f in formats] == [ep.name]


THIRD_PARTY = """
from confcheck import hookimpl
from confcheck.findings import Finding, Severity
from confcheck.report import Reporter
from confcheck.rule import rule


@rule("CC801", "third-party-rule", Severity.INFO)
def _always(context):
    \"\"\"Always says hello.

    ## What it checks
    Nothing.

    ## Why it matters
    It proves a third-party rule runs.

    ## Example
    Any snapshot.

    ## How to fix
    Uninstall it.
    \"\"\"
    return iter(())


def _write(report, stream):
    stream.write(f"third-party: {len(report.findings)} findings\\n")


@hookimpl
def confcheck_rules():
    return [_always]


@hookimpl
def confcheck_reporters():
    return [Reporter("{name}", "a third-party format", _write)]
"""


def _third_party(tmp_path: Path, format_name: str) -> dict[str, str]:
    """An installed third-party plugin (a dist-info with its entry point), and the environment to see it."""
    (tmp_path / "cc_third_party.py").write_text(THIRD_PARTY.replace("{name}", format_name))
    info = tmp_path / "cc_third_party-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: cc-third-party\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[confcheck]\nthird = cc_third_party\n")
    return {**os.environ, "PYTHONPATH": str(tmp_path)}


def _confcheck(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "confcheck", *args], capture_output=True, text=True, env=env, check=False
    )


def test_a_third_party_plugin_is_loaded_its_format_used_and_listed(tmp_path: Path) -> None:
    env = _third_party(tmp_path, "thirdformat")
    run = _confcheck(env, "lint", str(EXAMPLES / "demo-snapshot.json"), "--format", "thirdformat")
    assert (run.returncode, run.stderr) == (1, "")
    assert run.stdout.startswith("third-party: ")
    assert "third " in _confcheck(env, "plugins").stdout
    assert "CC801" in _confcheck(env, "rules").stdout
    assert "third-party-rule" in _confcheck(env, "explain", "CC801").stdout
    blocked = {**env, "CONFCHECK_DISABLE_PLUGINS": "third"}
    run = _confcheck(blocked, "lint", str(EXAMPLES / "demo-snapshot.json"), "--format", "thirdformat")
    assert run.returncode == 2
    assert "unknown format 'thirdformat'" in run.stderr


def test_a_third_party_format_that_a_built_in_declares_is_refused_whatever_format_is_asked(
    tmp_path: Path,
) -> None:
    """Built-in reporters other than the one asked for are not imported, yet a clash is still found."""
    env = _third_party(tmp_path, "sarif")
    run = _confcheck(env, "lint", str(EXAMPLES / "demo-snapshot.json"), "--format", "json")
    assert run.returncode == 2
    assert "output format 'sarif' is declared twice" in run.stderr


RACE = """
import threading
from confcheck import plugin_manager
start, seen = threading.Barrier(8), []
def ask():
    start.wait()
    seen.append((len(plugin_manager.plugin_manager().get_plugins()), len(plugin_manager.catalog().lines)))
threads = [threading.Thread(target=ask) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(sorted(set(seen)))
"""


def test_threads_that_ask_for_the_plugins_at_once_each_get_all_of_them() -> None:
    """Collection reads clusters in threads; each asks for the plugin manager (and the catalog)."""
    for _ in range(3):
        run = subprocess.run([sys.executable, "-c", RACE], capture_output=True, text=True, check=True)
        plugins, lines = (
            len(plugin_manager.plugin_manager().get_plugins()),
            len(plugin_manager.catalog().lines),
        )
        assert run.stdout.strip() == str([(plugins, lines)])
