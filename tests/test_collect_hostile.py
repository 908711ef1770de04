"""Collection against servers whose answers name other servers, and against DNS that never answers.

A CUCM's UC services (read over AXL from the lab) point confcheck at ports and hosts of their
choosing; real listeners on other loopback addresses record whether confcheck came. A silent UDP
socket plays a DNS server that never answers, so that bulk collection shows whether its lookups
and cluster reads overlap (timings are loose bounds, far below one-at-a-time).
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import Run
from helpers import lint
from hostile import Listener

from confcheck import collect, config, progress
from confcheck.lab.runtime import Lab
from confcheck.model import Deployment, Endpoint

UC_SERVICE = """
[[cluster.uc_service]]
type = "{type}"
product = "Unity Connection"
name = "{name}"
host = "{host}"
port = {port}
protocol = "{protocol}"
"""

HOSTILE = """
description = "a CUCM whose UC services point confcheck at other hosts and ports"
domain = "hostile.example"
[[cluster]]
name = "hq-cucm"
product = "cucm"
version = "9.1.2.10000-28"
[[cluster.node]]
host = "cucm1"
{services}
[[external]]
host = "mail"
purpose = "mailstore"
port = 7993
"""


def free_8443() -> str:
    """A loopback address outside any lab block whose port 8443 is free (the port Jabber would use)."""
    for last in range(7, 60):
        address = f"127.0.0.{last}"
        with socket.socket() as probe:
            try:
                probe.bind((address, 8443))
            except OSError:
                continue
            return address
    pytest.skip("no loopback address with port 8443 free")


class Hostile:
    """The lab and the listeners its UC services point at."""

    def __init__(self, tmp_path: Path) -> None:
        self.redis = Listener("127.0.0.5")  # a port no Jabber client uses, on a host outside the inventory
        self.ssh = Listener("127.0.0.6")
        self.outside = Listener(free_8443(), serve=lambda conn: None, port=8443)  # hangs up at once
        self.far = Listener(free_8443(), port=8443)
        services = [
            UC_SERVICE.format(
                type="Voicemail", name="VM-REDIS", host="127.0.0.5", port=self.redis.port, protocol="HTTPS"
            ),
            UC_SERVICE.format(
                type="MailStore", name="MAIL-SSH", host="127.0.0.6", port=self.ssh.port, protocol="TCP"
            ),
            UC_SERVICE.format(
                type="Conferencing", name="MEET-OUT", host=self.outside.address, port=8443, protocol="HTTPS"
            ),
            UC_SERVICE.format(
                type="MailStore", name="MAIL-OK", host="{mail.fqdn}", port=7993, protocol="TLS"
            ),
            # a short name, found only through the search domain, at an address outside the inventory
            UC_SERVICE.format(type="Voicemail", name="VM-SHORT", host="far", port=8443, protocol="HTTPS"),
        ]
        path = tmp_path / "hostile.toml"
        path.write_text(HOSTILE.format(services="".join(services)), encoding="utf-8")
        self.lab = Lab.of(str(path), tmp_path / "lab").start()
        self.lab.dns.zone.add_host("far.hostile.example", self.far.address)

    def inventory(self, monkeypatch: pytest.MonkeyPatch, allow: str = "") -> config.Inventory:
        for variable, value in self.lab.environment.items():
            monkeypatch.setenv(variable, value)
        text = self.lab.config_text.replace("[collect]\n", f"[collect]\n{allow}\n", 1)
        self.lab.config_path.write_text(text, encoding="utf-8")
        return config.load(self.lab.config_path, ask=False)

    def stop(self) -> None:
        self.lab.stop()
        for listener in (self.redis, self.ssh, self.outside, self.far):
            listener.stop()


@pytest.fixture
def hostile(tmp_path: Path) -> Iterator[Hostile]:
    setup = Hostile(tmp_path)
    yield setup
    setup.stop()


def endpoints(deployment: Deployment) -> dict[str, Endpoint]:
    """The endpoint of every external server, by the server's name as the setting gave it."""
    return {node.name: e for node in deployment.externals for e in node.endpoints}


def test_servers_named_by_a_uc_service_are_fetched_only_on_jabber_ports_inside_the_inventory(
    hostile: Hostile, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployment = collect.collect(hostile.inventory(monkeypatch))
    time.sleep(0.1)
    assert not hostile.redis.contacted
    assert not hostile.ssh.contacted
    assert not hostile.outside.contacted
    found = endpoints(deployment)
    redis, ssh, outside = found["127.0.0.5"], found["127.0.0.6"], found[hostile.outside.address]
    assert redis.error is not None
    assert redis.error.kind == "not-fetched"
    assert (
        f"port {hostile.redis.port} is not a port Jabber uses for Tomcat (HTTPS) (443, 8443)"
        in redis.error.message
    )
    assert ssh.error is not None
    assert f"port {hostile.ssh.port} is not a port Jabber uses for a mail store" in ssh.error.message
    assert outside.error is not None
    assert outside.error.kind == "not-fetched"
    assert (
        f"{hostile.outside.address} ({hostile.outside.address}) is outside the inventory's networks"
        in outside.error.message
    )
    assert "[collect] allow" in outside.error.message
    short = found["far"]
    assert short.error is not None
    assert short.error.kind == "not-fetched"
    assert f"far ({hostile.far.address}) is outside the inventory's networks" in short.error.message
    assert not hostile.far.contacted
    mail = found["mail.hostile.example"]
    assert mail.error is None  # in the inventory's network, on a mail store port: fetched as before
    assert mail.certificate is not None


def test_a_server_not_fetched_is_still_checked_by_name_and_leaves_the_audit_complete(
    hostile: Hostile, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = lint(collect.collect(hostile.inventory(monkeypatch)))
    assert not result.incomplete
    not_fetched = [f for f in result.findings if f.rule == "CC202"]
    assert sorted(str(f.value) for f in not_fetched) == sorted(
        ["127.0.0.5", "127.0.0.6", hostile.outside.address, "far"]
    )
    for finding in not_fetched:
        assert "was not fetched:" in finding.message
        assert "failed" not in finding.message
        assert ("error kind", "not-fetched") in finding.evidence
        assert finding.fix is not None
        assert "allow it in confcheck.toml" in finding.fix.action


def test_allow_lets_confcheck_fetch_a_host_outside_the_inventory_but_not_a_foreign_port(
    hostile: Hostile, monkeypatch: pytest.MonkeyPatch
) -> None:
    inventory = hostile.inventory(monkeypatch, f'allow = ["{hostile.outside.address}", "127.0.0.0/24"]')
    found = endpoints(collect.collect(inventory))
    assert hostile.outside.contacted
    met, refused = found[hostile.outside.address].error, found["127.0.0.5"].error
    assert met is not None
    assert met.kind != "not-fetched"  # met, and it hung up
    assert not hostile.redis.contacted  # an allowed host, but a port no Jabber client uses
    assert refused is not None
    assert refused.kind == "not-fetched"


def test_the_audit_exits_1_not_3_and_says_not_fetched(
    hostile: Hostile, monkeypatch: pytest.MonkeyPatch, confcheck: Callable[..., Run]
) -> None:
    hostile.inventory(monkeypatch)
    run = confcheck("audit", "--config", str(hostile.lab.config_path), "--format", "json", "--no-progress")
    assert run.code == 1, run.err
    report = json.loads(run.out)
    assert report["summary"]["incomplete"] is False
    messages = [f["message"] for f in report["findings"] if f["rule"] == "CC202"]
    assert len(messages) == 4
    assert all("not fetched" in m for m in messages)


# --- bulk collection against a DNS server that never answers -------------------------------------------


@pytest.fixture
def silent_dns() -> Iterator[str]:
    """A UDP socket that takes every query and answers none."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    yield f"127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


BULK = """
description = "a CUCM whose UC services name a hundred servers"
domain = "bulk.example"
[[cluster]]
name = "bulk"
product = "cucm"
version = "9.1.2.10000-28"
[[cluster.node]]
host = "cucm1"
{services}
"""


def test_names_from_a_hundred_settings_are_looked_up_together(
    tmp_path: Path, silent_dns: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = 100
    services = "".join(
        UC_SERVICE.format(
            type="Voicemail", name=f"VM{i}", host=f"vm{i}.bulk.example", port=443, protocol="HTTPS"
        )
        for i in range(names)
    )
    path = tmp_path / "bulk.toml"
    path.write_text(BULK.format(services=services), encoding="utf-8")
    with Lab.of(str(path), tmp_path / "lab") as lab:
        ((variable, password),) = lab.environment.items()
        monkeypatch.setenv(variable, password)
        inventory_file = tmp_path / "confcheck.toml"
        inventory_file.write_text(
            f'[collect]\ndns_server = "{silent_dns}"\ntimeout = 0.2\nconcurrency = 64\n'
            '[[cluster]]\nname = "bulk"\nproduct = "cucm"\nversion = "9.1.2.10000-28"\n'
            f'publisher = "{lab.hosts["cucm1"].address}"\nusername = "labadmin"\npassword_env = "{variable}"\n'
            f'[cluster.tls]\nfingerprint = "{lab.fingerprints["cucm1"]}"\n',
            encoding="utf-8",
        )
        reports: list[tuple[str, int, int]] = []
        started = time.monotonic()
        deployment = collect.collect(config.load(inventory_file, ask=False), lambda *r: reports.append(r))
        elapsed = time.monotonic() - started
    assert len(deployment.externals) == names
    assert all(
        e.error is not None and e.error.kind == "dns" for n in deployment.externals for e in n.endpoints
    )
    # one at a time: at least 100 x 0.2 s; together, 64 at once, a few rounds of 0.2 s
    assert elapsed < 6.0, f"{elapsed:.1f} s"
    looked_up = [(done, total) for stage, done, total in reports if stage == "names"]
    assert looked_up[-1][0] == looked_up[-1][1] >= names
    assert any(0 < done < total for done, total in looked_up)  # the bar moves as names come back
    assert [d for d, _ in looked_up] == sorted(d for d, _ in looked_up)
    assert {stage for stage, _, _ in reports} <= set(progress.LABELS)
    assert {stage for stage, _, _ in reports} >= {"clusters", "names", "certificates", "dns"}


def test_clusters_are_read_within_the_configured_concurrency(
    tmp_path: Path, silent_dns: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """64 publishers whose names never resolve, 0.5 s each: 4 at a time would take 8 s."""
    monkeypatch.setenv("BULK_PASSWORD", "x")
    clusters = "".join(
        f'[[cluster]]\nname = "c{i}"\nproduct = "cucm"\nversion = "9.1.2.10000-28"\n'
        f'publisher = "p{i}.nowhere.example"\nusername = "u"\npassword_env = "BULK_PASSWORD"\n'
        for i in range(64)
    )
    path = tmp_path / "confcheck.toml"
    path.write_text(
        f'[collect]\ndns_server = "{silent_dns}"\ntimeout = 0.5\nconcurrency = 64\n{clusters}',
        encoding="utf-8",
    )
    reports: list[tuple[str, int, int]] = []
    started = time.monotonic()
    deployment = collect.collect(config.load(path, ask=False), lambda *r: reports.append(r))
    elapsed = time.monotonic() - started
    assert len(deployment.problems) == 64
    assert all("does not resolve" in p.message for p in deployment.problems)
    assert elapsed < 4.0, f"{elapsed:.1f} s"
    read = [(done, total) for stage, done, total in reports if stage == "clusters"]
    assert read[0] == (0, 64)
    assert read[-1] == (64, 64)
