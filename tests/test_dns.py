"""DNS lookups through a chosen server: the lab's own DNS server, and a real dnsmasq on loopback."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from peers import dnsmasq

from confcheck.lab.dns import DnsServer, Zone
from confcheck.model import DnsRecord
from confcheck.transport.dns import Resolver


@pytest.fixture(scope="module")
def lab_dns() -> Iterator[tuple[str, int]]:
    zone = Zone("acme.example")
    zone.add_host("cucm1.acme.example", "127.0.0.11")
    zone.add_host("cucm1.acme.example", "::1")
    zone.srv["_cisco-uds._tcp.acme.example"] = [(0, 10, 8443, "cucm1.acme.example")]
    server = DnsServer("127.0.0.1", zone)
    server.start()
    yield (server.address, server.port)
    server.stop()


def test_forward_lookups_answer_a_and_aaaa(lab_dns: tuple[str, int]) -> None:
    addresses, records = Resolver(lab_dns, timeout=2).addresses("cucm1.acme.example")
    assert addresses == ["127.0.0.11", "::1"]
    assert records == [
        DnsRecord("cucm1.acme.example", "A", ("127.0.0.11",)),
        DnsRecord("cucm1.acme.example", "AAAA", ("::1",)),
    ]


def test_reverse_lookups_answer_ptr(lab_dns: tuple[str, int]) -> None:
    name, record = Resolver(lab_dns, timeout=2).reverse("127.0.0.11")
    assert name == "cucm1.acme.example"
    assert record == DnsRecord("127.0.0.11", "PTR", ("cucm1.acme.example",))


def test_srv_records(lab_dns: tuple[str, int]) -> None:
    record = Resolver(lab_dns, timeout=2).srv("_cisco-uds._tcp.acme.example")
    assert record.answers == ("0 10 8443 cucm1.acme.example",)


def test_unknown_names_and_foreign_names_are_recorded_failures(lab_dns: tuple[str, int]) -> None:
    resolver = Resolver(lab_dns, timeout=2)
    addresses, records = resolver.addresses("nope.acme.example")
    assert addresses == []
    assert records[0].error == "NXDOMAIN: the name does not exist"
    _, foreign = resolver.addresses("www.example.org")
    assert foreign[0].error is not None
    assert "refused" in foreign[0].error
    name, ptr = resolver.reverse("127.0.0.99")
    assert name is None
    assert ptr.error == "NXDOMAIN: the name does not exist"


def test_a_silent_server_times_out_as_a_recorded_failure() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        _, records = Resolver(("127.0.0.1", silent.getsockname()[1]), timeout=0.5).addresses(
            "cucm1.acme.example"
        )
    assert records[0].error is not None
    assert "no answer from 127.0.0.1" in records[0].error


@pytest.mark.real_servers
def test_against_a_real_dnsmasq(tmp_path: Path) -> None:
    hosts = {"cucm1.example.com": "127.0.0.2", "imp1.example.com": "127.0.0.3"}
    srv = ["_xmpp-client._tcp.example.com,imp1.example.com,5222,0,5"]
    with dnsmasq(tmp_path, hosts, srv) as server:
        resolver = Resolver(server, timeout=2)
        assert resolver.addresses("cucm1.example.com")[0] == ["127.0.0.2"]
        assert resolver.reverse("127.0.0.3")[0] == "imp1.example.com"
        assert resolver.srv("_xmpp-client._tcp.example.com").answers == ("0 5 5222 imp1.example.com",)
        missing = resolver.addresses("nope.example.com")[1][0]
        assert missing.error == "NXDOMAIN: the name does not exist"
