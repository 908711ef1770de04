"""End to end: every lab scenario, collected like a real deployment and checked against its golden findings.

The lab runs real servers on loopback (AXL over HTTPS, admin pages, XMPP STARTTLS, IMAPS, DNS);
collection goes through the same plugins, transports and DNS a real audit uses. Addresses are
random per run, so golden files name them by host (``{cucm1.ip}``). To accept a change on
purpose: ``CONFCHECK_UPDATE_GOLDEN=1 pytest tests/test_lab_scenarios.py``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Run

from confcheck import collect, config, engine, plugin_manager
from confcheck.engine import LintResult
from confcheck.lab import scenario
from confcheck.lab.runtime import Lab
from confcheck.model import Deployment

GOLDEN = Path(__file__).parent / "golden"


_AUDITS: dict[str, tuple[Lab, Deployment, LintResult]] = {}


def audit(name: str) -> tuple[Lab, Deployment, LintResult]:
    """Run the scenario's lab, collect and lint it; once per scenario per session (the lab is stopped after)."""
    if name not in _AUDITS:
        with Lab.of(name) as lab:
            saved = {k: os.environ.get(k) for k in lab.environment}
            os.environ.update(lab.environment)
            try:
                deployment = collect.collect(config.load(lab.config_path, ask=False))
            finally:
                for key, value in saved.items():
                    if value is None:
                        del os.environ[key]
                    else:
                        os.environ[key] = value
        _AUDITS[name] = (
            lab,
            deployment,
            engine.lint(deployment, plugin_manager.catalog(), plugin_manager.rules()),
        )
    return _AUDITS[name]


def normalized(lab: Lab, text: str | None) -> str | None:
    """Lab addresses back to placeholders: ``127.x.y.11`` -> ``{cucm1.ip}``."""
    if text is None:
        return None
    for host, placed in sorted(lab.hosts.items(), key=lambda kv: -len(kv[1].address)):
        text = text.replace(placed.address, f"{{{host}.ip}}")
    return text


def summary(lab: Lab, result: LintResult) -> dict[str, Any]:
    findings = [
        {
            "rule": f.rule,
            "cluster": f.cluster,
            "location": f.location,
            "instance": f.instance,
            "value": normalized(lab, f.value),
            "node": normalized(lab, f.node),
            "where": f.fix.where if f.fix else None,
            "proposed": normalized(lab, f.fix.proposed) if f.fix else None,
        }
        for f in result.findings
    ]
    key = json.dumps
    return {"incomplete": result.incomplete, "findings": sorted(findings, key=key)}


@pytest.mark.parametrize("name", scenario.names())
def test_scenario_matches_its_golden_findings(name: str) -> None:
    lab, _, result = audit(name)
    got = summary(lab, result)
    golden = GOLDEN / f"{name}.json"
    if os.environ.get("CONFCHECK_UPDATE_GOLDEN"):
        golden.write_text(json.dumps(got, indent=1) + "\n")
    assert golden.exists(), f"no {golden.name}: run with CONFCHECK_UPDATE_GOLDEN=1, review it, commit it"
    assert got == json.loads(golden.read_text())


def test_clean_audits_to_exit_zero() -> None:
    _, deployment, result = audit("clean")
    assert result.findings == ()
    assert not result.incomplete
    assert len(deployment.clusters) == 3
    assert all(e.chain for c in deployment.clusters for n in c.nodes for e in n.endpoints)


def test_faults_are_incomplete_but_the_healthy_nodes_are_still_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, deployment, result = audit("faults")
    assert result.incomplete
    kinds = {(p.cluster, p.kind) for p in deployment.problems}
    assert kinds == {("branch-imp", "auth")}
    errors = {
        n.name: e.error.kind for c in deployment.clusters for n in c.nodes for e in n.endpoints if e.error
    }
    assert errors == {"cucm3.acme.example": "refused", "imp3.acme.example": "timeout"}
    healthy = [
        n
        for c in deployment.clusters
        for n in c.nodes
        if n.name.split(".")[0] in ("cucm1", "cucm2", "imp2", "cuc1")
    ]
    assert len(healthy) == 4
    assert all(e.chain for n in healthy for e in n.endpoints)
    hq = deployment.cluster("hq-cucm")
    assert hq is not None
    assert [n.name for n in hq.nodes] == [
        "cucm1.acme.example",
        "cucm2.acme.example",
        "cucm3.acme.example",
    ]  # AXL answered after 503s


def test_pre_migration_breaks_every_kind_of_location_it_configures() -> None:
    _, _, result = audit("pre-migration")
    broken = {f.location for f in result.findings if f.location}
    assert broken == {
        "cucm9.node-name",
        "cucm9.uc-service-imp",
        "cucm9.uc-service-voicemail",
        "cucm9.uc-service-mailstore",
        "imp9.node-name",
        "imp9.tftp-primary",
        "imp9.tftp-backup",
        "imp9.ccmcip-primary",
        "imp9.ccmcip-backup",
    }


def test_legacy_reads_cup8_jabber_pages_and_cucm8_over_axl_8_5() -> None:
    _, deployment, result = audit("legacy")
    cup = deployment.cluster("legacy-cup")
    assert cup is not None
    assert cup.version == "8.6.4.10000-12"
    locations = {s.location for s in cup.settings}
    assert {
        "cup8.tftp-primary",
        "cup8.voicemail",
        "cup8.mailstore",
        "cup8.conferencing",
        "cup8.xmpp-domain",
    } <= locations
    wheres = {f.fix.where for f in result.findings if f.fix and f.cluster == "legacy-cup"}
    assert "Cisco Unified Presence Administration > Application > Cisco Jabber > Voicemail Server" in wheres
    cucm = deployment.cluster("legacy-cucm")
    assert cucm is not None
    assert cucm.version == "8.6.2.20000-2"


def test_confcheck_demo_prints_the_fix_list_and_writes_reports(
    confcheck: Callable[..., Run], tmp_path: Path
) -> None:
    out = tmp_path / "demo"
    result = confcheck("demo", "--output-dir", str(out))
    assert result.code == 1
    assert "Fix list" in result.out
    assert "Rename node {" not in result.out
    assert sorted(p.name for p in out.iterdir()) == [
        "report.html",
        "report.json",
        "report.md",
        "report.sarif",
        "report.txt",
        "snapshot.json",
    ]
    report = json.loads((out / "report.json").read_text())
    assert report["summary"]["findings"] == len(report["findings"]) > 0
    wheres = {(f["fix"]["where"], f["fix"]["field"]) for f in report["findings"]}
    assert ("Cisco Unified CM Administration > System > Server", "Host Name/IP Address") in wheres
    legacy = "Cisco Unified CM IM and Presence Administration > Application > Legacy Clients > Settings"
    assert (legacy, "Primary TFTP Server") in wheres
    assert (out / "report.txt").read_text() in result.out
    assert confcheck("lint", str(out / "snapshot.json")).code == 1  # the snapshot re-lints offline


def test_demo_refuses_to_write_into_the_source_tree(confcheck: Callable[..., Run]) -> None:
    reports = Path(__file__).parents[1] / "reports"
    result = confcheck("demo", "--output-dir", str(reports))
    assert result.code == 2
    assert "refusing to write demo output" in result.err
