"""End to end: Jabber's sign-in journey of the lab scenarios that describe one, collected like a real deployment.

The lab serves UDS, TFTP (jabber-config.xml over HTTP 6970 and HTTPS 6972), Expressway-E and -C
stand-ins and two DNS servers (the office's and the Internet's view). Each journey is checked against
its golden file in ``tests/golden/journey/``: per path, every hop with its verdict per platform.
Addresses are random per run, so they are named by host (``{cucm2.ip}``). To accept a change on
purpose: ``CONFCHECK_UPDATE_GOLDEN=1 pytest tests/test_lab_journey.py``.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Run
from test_lab_scenarios import normalized

from confcheck import collect, config, plugin_manager, snapshot
from confcheck.engine import CheckOptions
from confcheck.journey import Journey
from confcheck.lab import scenario
from confcheck.lab.runtime import Lab
from confcheck.model import Deployment
from confcheck.report import Report
from confcheck.verdict import Options, judge

GOLDEN = Path(__file__).parent / "golden" / "journey"
SCENARIOS = [n for n in scenario.names() if scenario.load(n).jabber]


_RUNS: dict[str, tuple[Lab, Deployment, CheckOptions]] = {}


def collected(name: str) -> tuple[Lab, Deployment, CheckOptions]:
    """Run the scenario's lab and collect it as ``confcheck audit`` does, with its inventory's [check]
    (the trust stores per platform, made with this run's CAs); once per scenario per session."""
    if name not in _RUNS:
        with Lab.of(name) as lab:
            saved = {k: os.environ.get(k) for k in lab.environment}
            os.environ.update(lab.environment)
            try:
                inventory = config.load(lab.config_path, ask=False)
                deployment = collect.collect(inventory)
            finally:
                for key, value in saved.items():
                    if value is None:
                        del os.environ[key]
                    else:
                        os.environ[key] = value
        _RUNS[name] = (lab, deployment, inventory.check)
    return _RUNS[name]


def journeys(name: str) -> tuple[Lab, tuple[Journey, ...], Report]:
    """The scenario's journeys as ``confcheck audit`` draws them."""
    lab, deployment, check = collected(name)
    report = judge(deployment, Options(check=check), name)
    return lab, report.journeys, report


def shape(lab: Lab, found: tuple[Journey, ...]) -> list[dict[str, Any]]:
    def hop(h: Any) -> dict[str, Any]:
        verdicts = {o.platform: o.verdict for o in h.outcomes}
        return {
            "title": normalized(lab, h.title),
            "name": normalized(lab, h.name),
            "verdicts": verdicts,
            "rules": sorted({f.rule for f in h.findings}),
        }

    return [
        {
            "services_domain": j.services_domain,
            "paths": [
                {
                    "side": p.side,
                    "stages": [{"title": s.title, "hops": [hop(h) for h in s.hops]} for s in p.stages],
                    "summary": [[c.platform, text] for c, text in j.summary(p)],
                }
                for p in j.paths
            ],
        }
        for j in found
    ]


@pytest.mark.parametrize("name", SCENARIOS)
def test_journey_matches_its_golden_file(name: str) -> None:
    lab, found, _ = journeys(name)
    got = shape(lab, found)
    golden = GOLDEN / f"{name}.json"
    if os.environ.get("CONFCHECK_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(json.dumps(got, indent=1) + "\n")
    assert golden.exists(), f"no {golden.name}: run with CONFCHECK_UPDATE_GOLDEN=1, review it, commit it"
    assert got == json.loads(golden.read_text())


def test_the_scenarios_with_a_journey_are_the_three_that_describe_one() -> None:
    assert sorted(SCENARIOS) == ["discovery-faults", "mra", "mra-office-prompts"]


def _verdicts(found: tuple[Journey, ...], side: str, kind: str) -> list[dict[str, str]]:
    return [
        {o.platform: o.verdict for o in h.outcomes}
        for j in found
        for p in j.paths
        if p.side == side
        for h in p.hops()
        if h.kind == kind
    ]


def test_mra_users_on_a_mac_prompt_at_the_edge_and_office_users_do_not() -> None:
    _, found, report = journeys("mra")
    inside = [h for p in found[0].paths if p.side == "inside" for h in p.hops()]
    assert not any(h.bad for h in inside)
    (edge,) = _verdicts(found, "outside", "expressway-e")
    assert edge == {"windows": "ok", "mac": "prompt", "iphone": "ok", "android": "silent"}
    assert [f.rule for f in report.findings] == ["CC403"]


def test_the_reverse_office_users_prompt_and_mra_users_do_not() -> None:
    _, found, _ = journeys("mra-office-prompts")
    outside = [h for p in found[0].paths if p.side == "outside" for h in p.hops()]
    assert not any(h.bad for h in outside)
    uds = _verdicts(found, "inside", "uds")
    # cucm1's certificate is in Windows' Enterprise Trust (method 2): Windows trusts it, the Macs do not
    assert uds == [{"windows": "ok", "mac": "prompt"}, {"windows": "prompt", "mac": "prompt"}]


def test_discovery_faults_are_findings_and_the_audit_stays_complete() -> None:
    _, found, report = journeys("discovery-faults")
    assert not report.incomplete
    kinds = {
        (d.jabber, f.url.split("/")[-1], f.error.kind if f.error else None)
        for d in report.deployment.discovery
        for f in d.fetches
    }
    assert ("jabber-acme.example", "servers", "html") in kinds
    assert ("jabber-acme.example", "jabber-config.xml", "redirect") in kinds
    assert ("jabber-acme.example", "jabber-config.xml", "malformed") in kinds
    branch = next(j for j in found if j.jabber == "jabber-branch")
    (inside, _) = branch.paths
    assert [h.kind for h in inside.hops()] == ["srv"]  # nothing to follow without _cisco-uds
    assert {o.verdict for o in inside.hops()[0].outcomes} == {"fail"}


def test_the_snapshot_keeps_the_discovery_and_reads_it_back(tmp_path: Path) -> None:
    _, deployment, _ = collected("mra")
    path = tmp_path / "snap.json"
    snapshot.write(deployment, path)
    again = snapshot.read(path, plugin_manager.catalog())
    assert again.discovery == deployment.discovery
    assert [c.product for c in again.clusters][-3:] == ["expressway-e", "expressway-c", "jabber"]
    views = {v.view: v for v in again.discovery[0].views}
    assert set(views) == {"internal", "external"}
    tftps = [
        f for f in again.discovery[0].fetches if f.url.startswith("https://") and f.kind == "tftp-config"
    ]
    assert tftps
    assert all(f.chain for f in tftps)  # HTTPS TFTP presented Tomcat's certificate


def test_confcheck_journey_collects_and_exits_1_where_a_platform_prompts(
    confcheck: Callable[..., Run], tmp_path: Path
) -> None:
    with Lab.of("mra") as lab:
        saved = {k: os.environ.get(k) for k in lab.environment}
        os.environ.update(lab.environment)
        try:
            result = confcheck(
                "journey",
                "--config",
                str(lab.config_path),
                "--no-progress",
                "-o",
                f"svg={tmp_path / 'j.svg'}",
            )
        finally:
            for key, value in saved.items():
                if value is None:
                    del os.environ[key]
                else:
                    os.environ[key] = value
    assert result.code == 1, result.err
    assert "Mac PROMPT" in result.out
    assert "Jabber for Windows 14.1.3: no prompt" in result.out
    root = ET.fromstring((tmp_path / "j.svg").read_bytes())  # well-formed, standalone
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "<script" not in (tmp_path / "j.svg").read_text()


def test_demo_of_the_mra_scenario_prints_a_hop_one_platform_prompts_at_and_another_does_not(
    confcheck: Callable[..., Run], tmp_path: Path
) -> None:
    result = confcheck("demo", "--scenario", "mra", "--output-dir", str(tmp_path / "demo"))
    assert result.code == 1, result.err
    assert "Jabber sign-in journey · acme.example" in result.out
    split = [line for line in result.out.splitlines() if "PROMPT" in line and " ok" in line]
    assert split, "no hop where one platform prompts and another does not"
    page = (tmp_path / "demo" / "report.html").read_text()
    assert page.count("<svg") == 2
    assert '<section class="cluster" id="journey">' in page
