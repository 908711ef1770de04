"""Audits of lab deployments of 10.x and later: IM and Presence read over its own AXL (11.5 and later) or
its Presence Topology page (10.x, 11.0), Unity Connection's version read from CUPI, scenario keys
for service profiles, Jabber parameters and the CUCM cluster that names IM and Presence nodes."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run

from confcheck import collect, config, lint, plugin_manager
from confcheck.errors import ExitCode, InputError
from confcheck.lab import axl as lab_axl
from confcheck.lab import scenario
from confcheck.lab.axl import AxlData
from confcheck.lab.runtime import Lab
from confcheck.model import Deployment

SCENARIO = """
description = "CUCM, IM and Presence and Unity Connection of one release."
domain = "acme.example"

[[cluster]]
name = "hq-cucm"
product = "cucm"
version = "{cucm}"
[[cluster.node]]
host = "cucm1"

[[cluster]]
name = "hq-imp"
product = "imp"
version = "{imp}"
[[cluster.node]]
host = "imp2"
name = "IMP2.{{domain}}"
[[cluster.node]]
host = "imp1"

[[cluster]]
name = "hq-cuc"
product = "unity"
version = "{unity}"
[[cluster.node]]
host = "cuc1"
"""
IMP_CALL = re.compile(r"AXL https://\S+ (getCUPVersion|getClusterInfo) in AXL (\S+): HTTP (\d+)")


def collected(lab: Lab) -> Deployment:
    """Collect a running lab with its inventory, as ``confcheck snapshot`` does."""
    saved = {k: os.environ.get(k) for k in lab.environment}
    os.environ.update(lab.environment)
    try:
        return collect.collect(config.load(lab.config_path, ask=False))
    finally:
        for key, value in saved.items():
            if value is None:
                del os.environ[key]
            else:
                os.environ[key] = value


def audit(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    edit: Callable[[str], str] = lambda t: t,
    **versions: str,
) -> tuple[Lab, Deployment, list[tuple[str, str, str]]]:
    spec = tmp_path / "current.toml"
    spec.write_text(SCENARIO.format(**versions))
    caplog.set_level(logging.DEBUG, logger="confcheck")
    with Lab(scenario.load(str(spec))) as lab:
        lab.config_path.write_text(edit(lab.config_path.read_text()))
        deployment = collected(lab)
    return lab, deployment, IMP_CALL.findall(caplog.text)


def test_im_and_presence_14_is_read_over_its_own_axl(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _lab, deployment, calls = audit(
        tmp_path, caplog, cucm="14.0.1.11900-132", imp="14.0.1.11900-9", unity="14.0.1.11900-14"
    )
    assert deployment.problems == ()
    imp = deployment.cluster("hq-imp")
    assert imp is not None
    assert imp.version == "14.0.1.11900-9"  # the inventory gives none: getCUPVersion said so
    # names exactly as System > Server has them; the publisher is the one the inventory names (any case)
    assert [(n.name, n.role) for n in imp.nodes] == [
        ("IMP2.acme.example", "publisher"),
        ("imp1.acme.example", "subscriber"),
    ]
    assert [(s.location, s.value) for s in imp.settings] == [("imp10.xmpp-domain", "acme.example")]
    assert calls == [("getCUPVersion", "12.5", "200"), ("getClusterInfo", "12.5", "200")]
    cucm = deployment.cluster("hq-cucm")
    assert cucm is not None
    assert [n.name for n in cucm.nodes] == ["cucm1.acme.example"]  # IM and Presence nodes are not CUCM's
    assert {s.value for s in cucm.settings if s.location == "cucm10.imp-node-name"} == {
        "imp1.acme.example",
        "IMP2.acme.example",
    }
    cuc = deployment.cluster("hq-cuc")
    assert cuc is not None
    assert cuc.version == "14.0.1.11900-14"
    result = lint.lint(deployment, plugin_manager.catalog(), plugin_manager.rules())
    assert result.findings == ()
    assert result.references == 4  # cucm1, imp1, IMP2 (once each) and the XMPP domain


def test_im_and_presence_11_5_refuses_12_5_and_is_read_in_11_5(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _, deployment, calls = audit(
        tmp_path, caplog, cucm="11.5.1.12900-21", imp="11.5.1.10000-6", unity="11.5.1.10000-7"
    )
    assert deployment.problems == ()
    assert calls == [
        ("getCUPVersion", "12.5", "599"),
        ("getCUPVersion", "11.5", "200"),
        ("getClusterInfo", "11.5", "200"),
    ]


def test_im_and_presence_11_0_is_read_from_its_pages(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _, deployment, calls = audit(
        tmp_path, caplog, cucm="11.0.1.10000-10", imp="11.0.1.10000-10", unity="11.0.1.10000-3"
    )
    assert deployment.problems == ()
    imp = deployment.cluster("hq-imp")
    assert imp is not None
    assert imp.version == "11.0.1.10000-10"
    assert [(n.name, n.role) for n in imp.nodes] == [
        ("IMP2.acme.example", "publisher"),  # Presence Topology marks the publisher itself
        ("imp1.acme.example", "subscriber"),
    ]
    assert [c[0] for c in calls] == ["getCUPVersion"]  # tried once for the version, never for the nodes


def test_a_unity_connection_that_refuses_the_password_is_incomplete_naming_what_to_set(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def wrong(text: str) -> str:
        return text.replace('password_env = "CONFCHECK_LAB_HQ_CUC_PASSWORD"', 'password_env = "WRONG_CUC"')

    os.environ["WRONG_CUC"] = "not-the-password"
    try:
        _, deployment, _ = audit(
            tmp_path, caplog, wrong, cucm="15.0.1.10000-32", imp="15.0.1.10000-9", unity="15.0.1.10000-18"
        )
    finally:
        del os.environ["WRONG_CUC"]
    [problem] = deployment.problems
    assert (problem.cluster, problem.kind) == ("hq-cuc", "auth")
    assert "HTTP 401 to /vmrest/version/product/ (user 'labadmin' was refused)" in problem.message
    assert "or version, in confcheck.toml" in problem.message
    assert "not-the-password" not in problem.message
    assert deployment.cluster("hq-cuc") is None  # no version: nothing is guessed


def test_a_version_in_the_inventory_overrides_cupi(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    def pinned(text: str) -> str:
        return text.replace('name = "hq-cuc"', 'name = "hq-cuc"\nversion = "15.0.1.99999-1"')

    _, deployment, _ = audit(
        tmp_path, caplog, pinned, cucm="15.0.1.10000-32", imp="15.0.1.10000-9", unity="15.0.1.10000-18"
    )
    cuc = deployment.cluster("hq-cuc")
    assert cuc is not None
    assert cuc.version == "15.0.1.99999-1"
    assert "/vmrest/" not in caplog.text


def test_demo_of_the_15_scenario_prints_15_menu_paths(tmp_path: Path, confcheck: Callable[..., Run]) -> None:
    result = confcheck("demo", "--scenario", "release-15", "--output-dir", str(tmp_path))
    assert result.code == ExitCode.FINDINGS
    out = result.out
    assert "Cisco Unified Communications Manager 15.0.1.10000-32" in out
    assert "Cisco Unified CM IM and Presence 15.0.1.10000-9" in out
    assert "Cisco Unified CM Administration > System > Server — Fully Qualified Domain Name/IP Address" in out
    assert "Jabber Configuration Parameters — VoicemailPrimaryServer" in out
    assert "CC205 unused-uc-service" in out
    for old in ("Cluster Topology", "Legacy Clients", "System > Security > Settings", "cucm9.", "imp9."):
        assert old not in out
    html = (tmp_path / "report.html").read_text()  # the IM and Presence node is renamed in CUCM's application
    assert "IM and Presence Administration</strong> &#8250; System &#8250; Server" not in html
    assert html.count("Unified CM Administration</strong> &#8250; System &#8250; Server") >= 3


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('version = "14.0.1.11900-9"', 'version = "14.0.1.11900-9"\ncucm = "hq-nope"'),
            "cucm = 'hq-nope' is not a CUCM",
        ),
        (('name = "hq-cuc"', 'name = "hq-cuc"\ncucm = "hq-cucm"'), "cucm is for IM and Presence clusters"),
        (
            ('host = "cucm1"', 'host = "cucm1"\n[[cluster.service_profile]]\nname = "SP"\njabber = ["JC"]'),
            "jabber must be a table of common, desktop and mobile",
        ),
        (
            ('host = "cucm1"', 'host = "cucm1"\n[[cluster.service_profile]]\nname = "SP"\nusers = 3'),
            "unknown key 'users'",
        ),
        (
            (
                'host = "cucm1"',
                'host = "cucm1"\n[[cluster.uc_service]]\ntype = "CTI"\nproduct = "CTI"\nname = "C"\nparams = 3',
            ),
            "params must be a table of sections",
        ),
    ],
)
def test_bad_scenario_keys_are_named(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    text = SCENARIO.format(cucm="14.0.1.11900-132", imp="14.0.1.11900-9", unity="14.0.1.11900-14")
    spec = tmp_path / "bad.toml"
    spec.write_text(text.replace(*change, 1))
    with pytest.raises(InputError, match=re.escape(message)):
        scenario.load(str(spec))


PROFILES = """
[[cluster.uc_service]]
type = "Voicemail"
product = "Unity Connection"
name = "VM-HQ"
host = "{{cuc1.ip}}"
[[cluster.service_profile]]
name = "SP-HQ"
services = [SERVICES]
"""


@pytest.mark.parametrize(
    ("services", "rules"),
    [
        ('"VM-HQ"', ["CC102"]),  # used: judged
        ("", ["CC205"]),  # a profile lists nothing: VM-HQ reaches no client
        ('"vm-hq-renamed"', ["CC102"]),  # the profiles name no service there is: membership unknown, judged
    ],
)
def test_service_profiles_decide_whether_a_uc_service_is_judged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, services: str, rules: list[str]
) -> None:
    spec = SCENARIO.replace(
        'host = "cucm1"\n', 'host = "cucm1"\n' + PROFILES.replace("SERVICES", services), 1
    )
    path = tmp_path / "profiles.toml"
    path.write_text(spec.format(cucm="14.0.1.11900-132", imp="14.0.1.11900-9", unity="14.0.1.11900-14"))
    with Lab(scenario.load(str(path))) as lab:
        deployment = collected(lab)
    result = lint.lint(deployment, plugin_manager.catalog(), plugin_manager.rules())
    assert [f.rule for f in result.findings] == rules


def test_a_uc_service_that_cannot_be_read_is_cc203_and_nothing_of_the_cluster_is_judged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(request: object, data: AxlData, version: str) -> object:
        raise lab_axl._Fault(5007, "Item not valid: The specified UC Service was not found")

    monkeypatch.setitem(lab_axl._HANDLERS, "getUcService", broken)
    with Lab.of("release-15") as lab:
        deployment = collected(lab)
    [problem] = deployment.problems
    assert (problem.cluster, problem.kind) == ("hq-cucm", "fault")
    assert "getUcService: AXL fault 5007" in problem.message
    cucm = deployment.cluster("hq-cucm")
    assert cucm is not None
    assert not cucm.configuration_read
    result = lint.lint(deployment, plugin_manager.catalog(), plugin_manager.rules())
    assert [f.rule for f in result.findings if f.cluster == "hq-cucm"] == ["CC203"]
    assert result.incomplete
