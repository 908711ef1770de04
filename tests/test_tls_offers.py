"""Offering only RSA or only ECDSA: which of a server's certificates each probe meets, over real TLS.

The servers are the lab's own (confcheck.lab.servers) on 127.0.0.1: one OpenSSL context holding an
RSA certificate, an EC one, or both (as a Cisco node holds tomcat and tomcat-ECDSA), and one that
speaks TLS 1.3 only, where the stdlib cannot restrict the offer to a key type.
"""

from __future__ import annotations

import functools
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from confcheck import certs, pki
from confcheck.lab.servers import SilentServer, TlsServer, XmppServer, context
from confcheck.model import NOT_OFFERED, NOT_OPEN
from confcheck.transport import tls
from confcheck.transport.tls import Policy, Target

FAST = Policy(connect_timeout=1.0, read_timeout=1.0, deadline=3.0, retries=2, backoff=0.05)


@functools.cache
def _issued() -> dict[str, pki.Issued]:
    ca = pki.ca("Offers Root CA")
    return {
        "rsa": pki.server("rsa.example.com", dns=["rsa.example.com"], issuer=ca, key=pki.new_key("rsa")),
        "ec": pki.server("ec.example.com", dns=["ec.example.com"], xmpp_addr=["example.com"], issuer=ca),
    }


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    directory = tmp_path_factory.mktemp("offers")
    found = {}
    for kind, issued in _issued().items():
        (directory / f"{kind}.pem").write_text(issued.pem)
        (directory / f"{kind}.key").write_text(issued.key_pem)
        found[kind] = (directory / f"{kind}.pem", directory / f"{kind}.key")
    return found


@pytest.fixture(scope="module")
def servers(files: dict[str, tuple[Path, Path]]) -> Iterator[dict[str, int]]:
    """Ports of TLS servers holding both certificates, the RSA one alone, the EC one alone, and
    both behind TLS 1.3 only."""
    tls13 = context(*files["rsa"], files["ec"])
    tls13.minimum_version = ssl.TLSVersion.TLSv1_3
    running = {
        "both": TlsServer("127.0.0.1", 0, context(*files["rsa"], files["ec"])),
        "rsa": TlsServer("127.0.0.1", 0, context(*files["rsa"])),
        "ec": TlsServer("127.0.0.1", 0, context(*files["ec"])),
        "tls13": TlsServer("127.0.0.1", 0, tls13),
        "xmpp": XmppServer("127.0.0.1", 0, {"example.com": context(*files["rsa"], files["ec"])}),
    }
    yield {name: server.port for name, server in running.items()}
    for server in running.values():
        server.stop()


def _met(port: int, offer: str, scheme: str = "tls", name: str | None = None) -> str:
    endpoint = tls.fetch(Target(scheme, "127.0.0.1", port, name, offer), FAST)
    assert endpoint.error is None, endpoint.error
    return endpoint.chain[0].subject_cn[0]


def test_each_offer_meets_the_certificate_of_its_key_type_on_a_server_holding_both(
    servers: dict[str, int],
) -> None:
    assert _met(servers["both"], "rsa") == "rsa.example.com"
    assert _met(servers["both"], "ecdsa") == "ec.example.com"


def test_the_full_offer_meets_one_of_the_two_only(servers: dict[str, int]) -> None:
    """What a client offering everything (TLS 1.3) gets from OpenSSL holding both: its EC certificate.
    Why each key type gets its own probe: the full offer shows one of the two certificates only."""
    assert _met(servers["both"], "any") == "ec.example.com"


def test_xmpp_starttls_probes_each_key_type(servers: dict[str, int]) -> None:
    assert _met(servers["xmpp"], "rsa", "xmpp", "example.com") == "rsa.example.com"
    assert _met(servers["xmpp"], "ecdsa", "xmpp", "example.com") == "ec.example.com"


def test_an_ecdsa_offer_to_an_rsa_only_server_is_not_offered_not_a_failure(servers: dict[str, int]) -> None:
    endpoint = tls.fetch(Target("tls", "127.0.0.1", servers["rsa"], offer="ecdsa"), FAST, "tomcat-ECDSA")
    assert endpoint.error is not None
    assert endpoint.error.kind == NOT_OFFERED
    assert "offering only ECDSA: it offers no ECDSA certificate" in endpoint.error.message
    assert endpoint.purpose == "tomcat-ECDSA"


def test_an_rsa_offer_to_an_ec_only_server_falls_back_to_the_full_offer(servers: dict[str, int]) -> None:
    """A server without an RSA certificate (the lab's defaults, non-Cisco servers) still shows its certificate."""
    assert _met(servers["ec"], "rsa") == "ec.example.com"


def test_a_tls13_only_server_is_met_by_the_rsa_probe_and_says_why_the_ecdsa_probe_could_not_be_made(
    servers: dict[str, int],
) -> None:
    assert _met(servers["tls13"], "rsa") in ("rsa.example.com", "ec.example.com")
    endpoint = tls.fetch(Target("tls", "127.0.0.1", servers["tls13"], offer="ecdsa"), FAST)
    assert endpoint.error is not None
    assert endpoint.error.kind == NOT_OFFERED
    assert "TLS 1.3 only" in endpoint.error.message
    assert "was not seen" in endpoint.error.message


def test_restricted_offers_stop_at_tls12_and_name_one_key_type() -> None:
    for offer, wanted in (("rsa", "RSA"), ("ecdsa", "ECDSA")):
        context = tls._inspection_context(offer)
        assert context.maximum_version is ssl.TLSVersion.TLSv1_2
        suites = [c for c in context.get_ciphers() if c["protocol"] != "TLSv1.3"]
        assert suites
        assert all(c["auth"] == f"auth-{wanted.lower()}" for c in suites), {c["auth"] for c in suites}
    with pytest.raises(ValueError, match="unknown offer"):
        tls._inspection_context("dsa")


def test_a_closed_optional_port_is_not_open_at_once_without_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    monkeypatch.setattr("confcheck.transport.tls.time.sleep", waits.append)
    port = _closed_port()
    endpoint = tls.fetch(Target("tls", "127.0.0.1", port, optional=True), FAST, "tomcat")
    assert endpoint.error is not None
    assert endpoint.error.kind == NOT_OPEN
    assert "the port is not open" in endpoint.error.message
    assert waits == []  # refused is final for a port that may well be closed
    required = tls.fetch(Target("tls", "127.0.0.1", port), FAST, "tomcat")
    assert required.error is not None
    assert required.error.kind == "refused"
    assert len(waits) == FAST.retries


def test_a_mutual_tls_port_still_shows_its_certificate(files: dict[str, tuple[Path, Path]]) -> None:
    """SIP OAuth 5091 asks Expressway-C for a client certificate. confcheck has none: the TLS 1.2 RSA
    probe is refused, and the full offer (TLS 1.3, where the client finishes before the server judges
    its certificate) shows the server's chain."""
    ca_file = files["rsa"][0]  # any CA: confcheck sends no certificate at all
    server = TlsServer("127.0.0.1", 0, context(*files["rsa"], files["ec"], client_ca=ca_file))
    try:
        endpoint = tls.fetch(Target("tls", "127.0.0.1", server.port, offer="rsa"), FAST)
    finally:
        server.stop()
    assert endpoint.error is None, endpoint.error
    assert endpoint.chain[0].subject_cn[0] in ("rsa.example.com", "ec.example.com")


def test_the_lab_context_holds_one_certificate_per_key_type(files: dict[str, tuple[Path, Path]]) -> None:
    """Loading two chains of one key type keeps the last: a twin must be the other type."""
    server = TlsServer("127.0.0.1", 0, context(*files["ec"], files["rsa"]))
    try:
        leaves = {
            offer: tls.fetch(Target("tls", "127.0.0.1", server.port, offer=offer), FAST).chain[0]
            for offer in ("rsa", "ecdsa")
        }
    finally:
        server.stop()
    assert (leaves["rsa"].key.type, leaves["ecdsa"].key.type) == ("RSA", "EC")
    assert leaves["rsa"].sha256 == certs.load(_issued()["rsa"].pem.encode(), "x")[0].sha256


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_optional_port_that_drops_the_connection_is_not_open_but_one_that_hangs_after_is_a_failure() -> (
    None
):
    """A firewall that drops SIP OAuth is not a failure of the audit; CallManager accepting and then
    saying nothing is."""
    quick = Policy(connect_timeout=0.3, read_timeout=0.3, deadline=2.0, retries=0)
    full = socket.socket()  # a backlog that is full drops further connection attempts, as a firewall does
    full.bind(("127.0.0.1", 0))
    full.listen(0)
    queued = []
    for _ in range(4):
        pending = socket.socket()
        pending.setblocking(False)
        pending.connect_ex(full.getsockname())
        queued.append(pending)
    try:
        dropped = tls.fetch(Target("tls", "127.0.0.1", full.getsockname()[1], optional=True), quick)
    finally:
        for each in (*queued, full):
            each.close()
    assert dropped.error is not None
    assert (dropped.error.kind, "no answer: filtered, or not open" in dropped.error.message) == (
        NOT_OPEN,
        True,
    )
    silent = SilentServer("127.0.0.1", 0)
    try:
        hung = tls.fetch(Target("tls", "127.0.0.1", silent.port, optional=True), quick)
    finally:
        silent.stop()
    assert hung.error is not None
    assert hung.error.kind == "timeout"
