"""Audits of lab CUCMs of each release from 9.1 to 15: the version is learned, negotiated and collected.

The lab plays each release's AXL acceptance, UDS and 599 page (confcheck/lab/axl.py says which of
that is confirmed and which modelled); collection goes through the same plugins, transports and
DNS a real audit uses, and its debug log says which AXL version each request spoke.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import pytest

from confcheck import collect, config, lint, plugin_manager
from confcheck.lab import scenario
from confcheck.lab.runtime import Lab
from confcheck.model import Deployment

SCENARIO = """
description = "One CUCM cluster of a given release, its names typed in mixed case."
domain = "acme.example"

[[cluster]]
name = "hq-cucm"
product = "cucm"
version = "{version}"
[[cluster.node]]
host = "cucm1"
[[cluster.node]]
host = "cucm2"
name = "CUCM2.{{domain}}"
"""
CALL = re.compile(r"AXL \S+ (\w+) in AXL (\S+): HTTP (\d+)")


def audit(
    release: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> tuple[Deployment, list[tuple[str, str, str]]]:
    """Collect a lab of one CUCM cluster of ``release``; the deployment and every AXL call (operation, version, status)."""
    spec = tmp_path / "release.toml"
    spec.write_text(SCENARIO.format(version=release))
    caplog.set_level(logging.DEBUG, logger="confcheck.transport.axl")
    with Lab(scenario.load(str(spec))) as lab:
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
    return deployment, CALL.findall(caplog.text)


def test_an_audit_of_a_cucm_14_negotiates_14_and_collects_its_server_names(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    deployment, calls = audit("14.0.1.11900-132", tmp_path, caplog)
    assert deployment.problems == ()
    [cluster] = deployment.clusters
    assert cluster.version == "14.0.1.11900-132"  # getCCMVersion's full version, not UDS's 14.0.1
    assert [(n.name, n.role) for n in cluster.nodes] == [
        ("cucm1.acme.example", "publisher"),
        ("CUCM2.acme.example", "subscriber"),  # exactly as configured
    ]
    assert calls == [
        ("getCCMVersion", "14.0", "200"),
        ("listProcessNode", "14.0", "200"),
        ("listUcService", "14.0", "200"),
        ("listServiceProfile", "14.0", "200"),  # 10.x and later: which UC services reach Jabber
    ]
    assert re.search(r"UDS https://\S+/cucm-uds/version: version 14\.0\.1$", caplog.text, re.MULTILINE)
    result = lint.lint(deployment, plugin_manager.catalog(), plugin_manager.rules())
    assert result.findings == ()
    assert not result.incomplete


@pytest.mark.parametrize(
    ("release", "spoken"),
    [
        ("9.1.2.10000-28", ["8.5", "9.1", "9.1"]),  # no UDS before 10.0: a blind 8.5, then the release's own
        ("10.5.2.10000-5", ["10.5"] * 4),  # 10.x and later read the service profiles too
        ("11.5.1.12900-21", ["11.5"] * 4),  # its listProcessNode answer comes out of order
        ("12.5.1.11900-146", ["12.5"] * 4),
        ("15.0.1.10000-32", ["15.0"] * 4),
        ("16.0.1.10000-1", ["15.0"] * 4),  # a release newer than confcheck: its newest version
    ],
)
def test_every_release_is_collected_in_the_newest_version_both_sides_have(
    release: str, spoken: list[str], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    deployment, calls = audit(release, tmp_path, caplog)
    assert deployment.problems == ()
    assert [n.name for n in deployment.clusters[0].nodes] == ["cucm1.acme.example", "CUCM2.acme.example"]
    assert [version for _, version, _ in calls] == spoken
    assert {status for _, _, status in calls} == {"200"}
