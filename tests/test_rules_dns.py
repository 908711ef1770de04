"""CC5xx: proposed names against recorded DNS answers, and Jabber's SRV records against certificates."""

from __future__ import annotations

from helpers import cert, cluster, deployment, node, tomcat, xmpp

from confcheck import lint, plugin_manager
from confcheck.findings import Finding, Phase
from confcheck.model import Deployment, DnsRecord, Setting
from confcheck.rules import dns


def run(dep: Deployment) -> list[Finding]:
    return list(lint.lint(dep, plugin_manager.catalog(), dns.RULES).findings)


def renamed(*records: DnsRecord) -> Deployment:
    """A publisher configured as 10.0.0.11 whose certificate names cucm1.example.com; TFTP by IP too."""
    leaf = cert("cucm1.example.com", dns=["cucm1.example.com"])
    publisher = node("10.0.0.11", tomcat("10.0.0.11", leaf), addresses=["10.0.0.11"])
    imp_leaf = cert("imp1.example.com", dns=["imp1.example.com"])
    imp = cluster(
        "imp",
        "imp",
        "9.1",
        [node("imp1.example.com", tomcat("imp1.example.com", imp_leaf))],
        Setting("imp9.tftp-primary", "10.0.0.11"),
    )
    return deployment(cluster("cucm", "cucm", "9.1", [publisher]), imp, dns=records)


A_OK = DnsRecord("cucm1.example.com", "A", ("10.0.0.11",))
PTR_OK = DnsRecord("10.0.0.11", "PTR", ("cucm1.example.com",))


def test_silent_when_dns_already_agrees_or_was_never_asked() -> None:
    assert run(renamed(A_OK, PTR_OK)) == []
    assert run(renamed()) == []  # nothing observed: nothing judged


def test_cc501_a_proposed_name_that_does_not_resolve_yet() -> None:
    missing = DnsRecord("cucm1.example.com", "A", (), "NXDOMAIN: the name does not exist")
    [finding] = run(renamed(missing, PTR_OK))
    assert finding.rule == "CC501"
    assert finding.value == "cucm1.example.com"
    assert "does not resolve (NXDOMAIN: the name does not exist)" in finding.message
    assert [v for _, v in finding.evidence] == [
        "the name of node 10.0.0.11",
        "Primary TFTP Server",
    ]  # once, for both
    assert finding.fix is not None
    assert finding.fix.phase is Phase.DNS
    assert finding.fix.action == "Create an A record cucm1.example.com → 10.0.0.11"


def test_cc502_a_proposed_name_that_resolves_elsewhere() -> None:
    [finding] = run(renamed(DnsRecord("cucm1.example.com", "A", ("10.0.0.99",)), PTR_OK))
    assert finding.rule == "CC502"
    assert "resolves to 10.0.0.99" in finding.message
    assert finding.severity.value == "error"


def test_cc503_the_reverse_record_of_a_node_to_be_renamed() -> None:
    [finding] = run(renamed(A_OK, DnsRecord("10.0.0.11", "PTR", ("cucm-old.example.com",))))
    assert finding.rule == "CC503"
    assert (
        "10.0.0.11 resolves back to cucm-old.example.com; it should name cucm1.example.com" in finding.message
    )
    missing = DnsRecord("10.0.0.11", "PTR", (), "NXDOMAIN: the name does not exist")
    assert [f.rule for f in run(renamed(A_OK, missing))] == ["CC503"]


def test_cc503_only_for_renames() -> None:
    """A TFTP setting changing to the FQDN needs the A record, not the PTR."""
    leaf = cert("cucm1.example.com", dns=["cucm1.example.com"])
    publisher = node("cucm1.example.com", tomcat("cucm1.example.com", leaf), addresses=["10.0.0.11"])
    imp_leaf = cert("imp1.example.com", dns=["imp1.example.com"])
    imp = cluster(
        "imp",
        "imp",
        "9.1",
        [node("imp1.example.com", tomcat("imp1.example.com", imp_leaf))],
        Setting("imp9.tftp-primary", "10.0.0.11"),
    )
    wrong_ptr = DnsRecord("10.0.0.11", "PTR", ("other.example.com",))
    assert run(deployment(cluster("cucm", "cucm", "9.1", [publisher]), imp, dns=[A_OK, wrong_ptr])) == []


def srv_deployment(*records: DnsRecord) -> Deployment:
    domain = "example.com"
    good_xmpp = cert("imp1.example.com", dns=["imp1.example.com"], xmpp_addr=[domain])
    bad_xmpp = cert("imp2.example.com", dns=["imp2.example.com"])
    imp_nodes = [
        node(
            "imp1.example.com",
            tomcat("imp1.example.com", cert("imp1.example.com", dns=["imp1.example.com"])),
            xmpp("imp1.example.com", good_xmpp, domain),
        ),
        node(
            "imp2.example.com",
            tomcat("imp2.example.com", cert("imp2.example.com", dns=["imp2.example.com"])),
            xmpp("imp2.example.com", bad_xmpp, domain),
        ),
    ]
    pub = cert("cucm-pub.example.com", dns=["cucm-pub.example.com"])
    cucm = cluster("cucm", "cucm", "9.1", [node("cucm1.example.com", tomcat("cucm1.example.com", pub))])
    return deployment(cucm, cluster("imp", "imp", "9.1", imp_nodes), dns=records)


def test_cc504_srv_targets_whose_certificates_do_not_carry_the_name() -> None:
    uds = DnsRecord("_cisco-uds._tcp.example.com", "SRV", ("0 10 8443 cucm1.example.com",))
    xmpp_srv = DnsRecord(
        "_xmpp-client._tcp.example.com", "SRV", ("0 10 5222 imp1.example.com", "0 10 5222 imp2.example.com")
    )
    login = DnsRecord("_cuplogin._tcp.example.com", "SRV", ("0 10 8443 imp1.example.com",))
    findings = run(srv_deployment(uds, xmpp_srv, login))
    # _cisco-uds and _cuplogin are how Jabber discovers its servers (CC504); _xmpp-client serves
    # third-party XMPP clients, not Jabber, and is information only (CC506)
    assert sorted((f.rule, f.node, f.severity.value) for f in findings) == [
        ("CC504", "cucm1.example.com", "error"),
        ("CC506", "imp2.example.com", "info"),
    ]
    xmpp_finding = next(f for f in findings if f.node == "imp2.example.com")
    assert "does not identify example.com" in xmpp_finding.message
    assert "third-party XMPP clients" in xmpp_finding.message
    assert xmpp_finding.fix is not None
    assert xmpp_finding.fix.where == "the DNS servers the XMPP clients use"


def test_cc505_srv_targets_that_are_no_node() -> None:
    old = DnsRecord("_cuplogin._tcp.example.com", "SRV", ("0 10 8443 imp9.example.com",))
    [finding] = run(srv_deployment(old))
    assert finding.rule == "CC505"
    assert "imp9.example.com, which is no node of the snapshot" in finding.message
