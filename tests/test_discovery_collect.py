"""Discovery connects only where the inventory allows: an SRV answer or a setting cannot send it anywhere else."""

from __future__ import annotations

import random
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from confcheck import config, discovery
from confcheck.lab.dns import DnsServer, Zone
from confcheck.model import NOT_FETCHED, Cluster, Node


class Listener:
    """Accepts on one address and port and counts who came."""

    def __init__(self, address: str, port: int) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((address, port))
        self.sock.listen(8)
        self.accepted = 0
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def block() -> str:
    for _ in range(50):
        candidate = f"127.{random.randint(100, 250)}.{random.randint(1, 250)}"
        with socket.socket() as probe:
            try:
                probe.bind((f"{candidate}.99", 8443))
            except OSError:
                continue
        return candidate
    pytest.skip("no free loopback block")


@pytest.fixture
def rogue(block: str) -> Iterator[list[Listener]]:
    listeners = [Listener(f"{block}.99", port) for port in (8443, 6970, 6972)]
    try:
        yield listeners
    finally:
        for listener in listeners:
            listener.close()


def test_an_srv_target_or_a_tftp_server_outside_the_inventory_is_never_contacted(
    block: str, rogue: list[Listener], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    zone = Zone("example.test")
    zone.add_host("rogue.example.test", f"{block}.99")
    zone.add_host("cucm1.example.test", f"{block}.11")
    zone.srv["_cisco-uds._tcp.example.test"] = [(0, 10, 8443, "rogue.example.test")]
    dns = DnsServer(f"{block}.53", zone)
    dns.start()
    try:
        monkeypatch.setenv("DISCOVERY_TEST_PASSWORD", "x")
        path = tmp_path / "confcheck.toml"
        path.write_text(
            f'[collect]\ndns_server = "{dns.address}:{dns.port}"\ntimeout = 1\n'
            '[[cluster]]\nname = "hq"\nproduct = "cucm"\npublisher = "cucm1.example.test"\n'
            'username = "u"\npassword_env = "DISCOVERY_TEST_PASSWORD"\n'
            '[[jabber]]\nservices_domain = "example.test"\nbootstrap = { TFTP = "rogue.example.test" }\n'
        )
        inventory = config.load(path, ask=False)
        hq = Cluster(
            "hq", "cucm", "14.0.1", (Node("cucm1.example.test", "publisher", addresses=(f"{block}.11",)),)
        )
        found = discovery.collect(inventory, (hq,))
    finally:
        dns.stop()
    (record,) = found.discovery
    assert [listener.accepted for listener in rogue] == [0, 0, 0]
    errors = {(f.kind, f.url): f.error.kind if f.error else None for f in record.fetches}
    assert errors == {
        ("uds-servers", "https://rogue.example.test:8443/cucm-uds/servers"): NOT_FETCHED,
        ("tftp-config", "http://rogue.example.test:6970/jabber-config.xml"): NOT_FETCHED,
        ("tftp-config", "https://rogue.example.test:6972/jabber-config.xml"): NOT_FETCHED,
    }
    assert "no node of the inventory's CUCM clusters" in record.fetches[0].error.message  # type: ignore[union-attr]
    assert found.problems == ()  # nothing failed: confcheck chose not to go there
    (jabber,) = found.clusters
    assert jabber.product == "jabber"
    assert [(s.location, s.value) for s in jabber.settings] == [
        ("jabber.bootstrap-tftp", "rogue.example.test")
    ]


def test_without_jabber_in_the_inventory_discovery_asks_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISCOVERY_TEST_PASSWORD", "x")
    path = tmp_path / "confcheck.toml"
    path.write_text(
        '[[cluster]]\nname = "hq"\nproduct = "cucm"\npublisher = "cucm1.example.test"\n'
        'username = "u"\npassword_env = "DISCOVERY_TEST_PASSWORD"\n'
    )
    found = discovery.collect(config.load(path, ask=False), ())
    assert (found.clusters, found.discovery, found.problems) == ((), (), ())


def test_the_jabber_clusters_version_names_the_clients_oldest_first() -> None:
    from confcheck.discovery_model import Client

    clients = (Client("windows", "14.1.3"), Client("android", "9.5"), Client("mac", "14.1.3"), Client("ipad"))
    assert discovery.jabber_version(clients) == "9.5 (Android), 14.1.3 (Mac, Windows)"
    assert discovery.jabber_version(()) == discovery.JABBER_VERSION_UNKNOWN
