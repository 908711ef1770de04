"""Fetching chains from real servers on loopback: prosody (XMPP STARTTLS), nginx (HTTPS), dovecot (IMAP).

Marked ``real_servers``: CI installs the servers and always runs these; elsewhere they skip with
the command that installs them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import Run
from peers import Https, Xmpp, dovecot, nginx, prosody

from confcheck import pki
from confcheck.model import NOT_OFFERED
from confcheck.transport import tls

pytestmark = pytest.mark.real_servers

DOMAIN = "example.com"


@pytest.fixture(scope="module")
def ca() -> pki.Issued:
    return pki.ca("Real Peers Root CA")


@pytest.fixture(scope="module")
def xmpp_server(tmp_path_factory: pytest.TempPathFactory, ca: pki.Issued) -> Iterator[Xmpp]:
    vhosts = {
        DOMAIN: pki.server(
            f"imp1.{DOMAIN}",
            dns=[f"imp1.{DOMAIN}"],
            xmpp_addr=[DOMAIN],
            srv_name=[f"_xmpp-client.{DOMAIN}"],
            issuer=ca,
            key=pki.new_key("rsa"),
        ),
        "example.org": pki.server(
            "imp.example.org", dns=["imp.example.org"], issuer=ca, key=pki.new_key("rsa")
        ),
    }
    with prosody(tmp_path_factory.mktemp("xmpp"), vhosts) as server:
        yield server


@pytest.fixture(scope="module")
def https_nodes(tmp_path_factory: pytest.TempPathFactory, ca: pki.Issued) -> Iterator[Https]:
    intermediate = pki.ca("Real Peers Issuing CA", issuer=ca)
    expired_start = datetime.now(timezone.utc) - timedelta(days=400)
    nodes = {
        "cucm1.example.com": (
            "127.0.0.2",
            [pki.server("cucm1.example.com", dns=["cucm1.example.com"], issuer=ca)],
        ),
        "cucm2.example.com": (
            "127.0.0.3",
            [pki.server("cucm2.example.com", dns=["cucm2.example.com"], issuer=ca)],
        ),
        "expired.example.com": (
            "127.0.0.4",
            [
                pki.server(
                    "expired.example.com",
                    dns=["expired.example.com"],
                    issuer=ca,
                    not_before=expired_start,
                    days=30,
                )
            ],
        ),
        "chain.example.com": (
            "127.0.0.5",
            [
                pki.server("chain.example.com", dns=["chain.example.com"], issuer=intermediate),
                intermediate,
                ca,
            ],
        ),
    }
    with nginx(tmp_path_factory.mktemp("https"), nodes) as server:
        yield server


@pytest.fixture(scope="module")
def imap_server(tmp_path_factory: pytest.TempPathFactory, ca: pki.Issued) -> Iterator[tuple[str, int]]:
    issued = pki.server("mail.example.com", dns=["mail.example.com"], issuer=ca, key=pki.new_key("rsa"))
    with dovecot(tmp_path_factory.mktemp("imap"), issued) as address:
        yield address


# --- XMPP STARTTLS against prosody -------------------------------------------------------------


def test_cert_matches_the_xmpp_domain_through_xmppaddr(
    confcheck: Callable[..., Run], xmpp_server: Xmpp
) -> None:
    """The issue's acceptance test, verbatim."""
    url = f"xmpp://127.0.0.1:{xmpp_server.port}"
    result = confcheck("cert", url, "--name", DOMAIN, "--profile", "xmpp", "--format", "json")
    assert result.code == 0, result.err
    [entry] = json.loads(result.out)
    assert entry["match"]["matched"] is True
    assert entry["match"]["field"] == "xmppAddr"
    assert entry["certificate"]["san"]["srv_name"] == [f"_xmpp-client.{DOMAIN}"]
    assert entry["certificate"]["san"]["dns"] == [f"imp1.{DOMAIN}"]


def test_the_stream_to_picks_the_virtual_host(xmpp_server: Xmpp) -> None:
    endpoint = tls.fetch(tls.parse_url(f"xmpp://127.0.0.1:{xmpp_server.port}", "example.org"))
    assert endpoint.error is None
    assert endpoint.chain[0].subject_cn == ("imp.example.org",)


def test_an_unknown_xmpp_domain_is_a_host_unknown_error(
    confcheck: Callable[..., Run], xmpp_server: Xmpp
) -> None:
    url = f"xmpp://127.0.0.1:{xmpp_server.port}"
    result = confcheck("cert", url, "--name", "unknown.net", "--profile", "xmpp", "--format", "json")
    assert result.code == 3
    [entry] = json.loads(result.out)
    assert entry["error"]["kind"] == "xmpp"
    assert "host-unknown" in entry["error"]["message"]
    assert result.err.count("\n") == 1


def test_text_output_and_a_mismatching_domain(confcheck: Callable[..., Run], xmpp_server: Xmpp) -> None:
    """The text view says which field matched; a domain the certificate does not name exits 1."""
    url = f"xmpp://127.0.0.1:{xmpp_server.port}"
    ok = confcheck("cert", url, "--name", DOMAIN, "--profile", "xmpp")
    assert ok.code == 0
    assert "MATCH: xmppAddr example.com matches" in ok.out
    other = confcheck("cert", url, "--name", "example.org", "--profile", "xmpp", "--format", "json")
    assert other.code == 1
    assert json.loads(other.out)[0]["match"]["matched"] is False


# --- HTTPS against nginx ------------------------------------------------------------------------


def test_each_node_presents_its_own_certificate(https_nodes: Https) -> None:
    targets = [tls.parse_url(f"https://{address}:{port}") for address, port in https_nodes.nodes.values()]
    endpoints = tls.fetch_all(targets)
    subjects = [e.chain[0].subject_cn[0] for e in endpoints]
    assert subjects == list(https_nodes.nodes)


def test_a_three_certificate_chain_arrives_leaf_first(https_nodes: Https) -> None:
    address, port = https_nodes.nodes["chain.example.com"]
    endpoint = tls.fetch(tls.parse_url(f"https://{address}:{port}"))
    assert [c.subject_cn[0] for c in endpoint.chain] == [
        "chain.example.com",
        "Real Peers Issuing CA",
        "Real Peers Root CA",
    ]
    assert endpoint.chain[2].self_signed


def test_an_expired_certificate_is_fetched_and_shown_as_expired(
    confcheck: Callable[..., Run], https_nodes: Https
) -> None:
    address, port = https_nodes.nodes["expired.example.com"]
    result = confcheck("cert", f"https://{address}:{port}", "--name", "expired.example.com")
    assert result.code == 0
    assert "EXPIRED" in result.out


def test_several_sources_at_once_with_files_and_failures(
    confcheck: Callable[..., Run], https_nodes: Https, tmp_path: Path
) -> None:
    cert_file = tmp_path / "x.pem"
    cert_file.write_text(pki.server("file.example.com", dns=["file.example.com"]).pem)
    urls = [f"https://{a}:{p}" for a, p in https_nodes.nodes.values()]
    closed = "https://127.0.0.9:1"
    result = confcheck("cert", *urls, str(cert_file), closed, "--format", "json", "--timeout", "2")
    entries = json.loads(result.out)
    assert [e["source"] for e in entries] == [*urls, str(cert_file), closed]
    assert entries[-1]["error"]["kind"] == "refused"
    assert result.code == 3


# --- IMAP STARTTLS against dovecot --------------------------------------------------------------


def test_imap_starttls_fetches_the_mail_store_certificate(
    confcheck: Callable[..., Run], imap_server: tuple[str, int]
) -> None:
    host, port = imap_server
    result = confcheck("cert", f"imap://{host}:{port}", "--name", "mail.example.com", "--format", "json")
    assert result.code == 0, result.err
    [entry] = json.loads(result.out)
    assert entry["match"]["field"] == "dNSName"
    assert entry["certificate"]["key"] == {"type": "RSA", "bits": 2048}


# --- an RSA certificate and its ECDSA twin in nginx -------------------------------------------------


@pytest.fixture(scope="module")
def twin_nodes(tmp_path_factory: pytest.TempPathFactory, ca: pki.Issued) -> Iterator[Https]:
    """cucm1 holds an RSA certificate and a self-signed ECDSA twin; cucm2 an RSA certificate only."""
    key = pki.new_key("rsa")
    rsa = pki.server("cucm1.example.com", dns=["cucm1.example.com"], issuer=ca, key=key)
    ecdsa = pki.server("cucm1.example.com", dns=["cucm1.example.com"], subject=pki.name("cucm1-ecdsa"))
    alone = pki.server("cucm2.example.com", dns=["cucm2.example.com"], issuer=ca, key=key)
    nodes = {"cucm1.example.com": ("127.0.0.6", [rsa, ca]), "cucm2.example.com": ("127.0.0.7", [alone, ca])}
    with nginx(tmp_path_factory.mktemp("twins"), nodes, {"cucm1.example.com": [ecdsa]}) as server:
        yield server


def test_nginx_with_both_certificates_shows_each_to_the_probe_of_its_key_type(
    twin_nodes: Https,
) -> None:
    """The probes confcheck sends to a current release, against a real server holding tomcat and
    tomcat-ECDSA: each meets its own certificate, and the ECDSA one here is self-signed."""
    address, port = twin_nodes.nodes["cucm1.example.com"]
    met = {
        offer: tls.fetch(tls.Target("https", address, port, "cucm1.example.com", offer), purpose=purpose)
        for offer, purpose in (("rsa", "tomcat"), ("ecdsa", "tomcat-ECDSA"))
    }
    assert met["rsa"].error is None, met["rsa"].error
    assert met["ecdsa"].error is None, met["ecdsa"].error
    assert (met["rsa"].chain[0].key.type, met["rsa"].chain[0].self_signed) == ("RSA", False)
    assert [c.subject_cn[0] for c in met["rsa"].chain] == ["cucm1.example.com", "Real Peers Root CA"]
    assert (met["ecdsa"].chain[0].key.type, met["ecdsa"].chain[0].self_signed) == ("EC", True)
    assert met["ecdsa"].purpose == "tomcat-ECDSA"


def test_nginx_with_an_rsa_certificate_only_does_not_offer_ecdsa(twin_nodes: Https) -> None:
    address, port = twin_nodes.nodes["cucm2.example.com"]
    ecdsa = tls.fetch(
        tls.Target("https", address, port, "cucm2.example.com", "ecdsa"), purpose="tomcat-ECDSA"
    )
    assert ecdsa.error is not None
    assert ecdsa.error.kind == NOT_OFFERED
    assert tls.fetch(tls.Target("https", address, port, offer="rsa")).chain[0].key.type == "RSA"


def test_an_ec_only_server_is_met_by_the_rsa_probe_through_the_full_offer(https_nodes: Https) -> None:
    address, port = https_nodes.nodes["cucm1.example.com"]  # pki's default keys are EC
    rsa = tls.fetch(tls.Target("https", address, port, offer="rsa"))
    assert rsa.error is None
    assert rsa.chain[0].key.type == "EC"
