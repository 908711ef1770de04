"""Each rule, positive and negative, on deployments with real certificates."""

from __future__ import annotations

import functools

import pytest
from helpers import cert, cluster, codes, deployment, lint, node, tomcat, xmpp

from confcheck.certs import Certificate
from confcheck.findings import Phase
from confcheck.lint import LintResult
from confcheck.model import Deployment, DnsRecord, Endpoint, Setting

DOMAIN = "example.com"


@functools.cache
def cucm1_cert() -> Certificate:
    return cert("cucm1.example.com", dns=["cucm1.example.com"])


def cucm(name: str = "cucm1.example.com", *settings: Setting, leaf: Certificate | None = None) -> Deployment:
    """One CUCM 9 cluster whose publisher is configured as ``name`` and presents ``leaf``."""
    publisher = node(
        name,
        tomcat(name, leaf or cucm1_cert()),
        hostname="cucm1",
        domain=DOMAIN,
        addresses=["10.0.0.11"],
    )
    return deployment(cluster("cucm", "cucm", "9.1.2.10000-28", [publisher], *settings))


def names_only(result: LintResult) -> list[str]:
    """The codes of the name rules (CC1xx), leaving certificate hygiene aside."""
    return [c for c in codes(result) if c.startswith("CC1")]


def only(result_codes: list[str], code: str) -> None:
    assert result_codes == [code], result_codes


# --- CC101 name-mismatch ----------------------------------------------------------------------


def test_cc101_fires_for_an_fqdn_the_certificate_does_not_name() -> None:
    result = lint(cucm("cucm1.corp.example.com"))
    only(codes(result), "CC101")
    finding = result.findings[0]
    assert finding.value == "cucm1.corp.example.com"
    assert "cucm1.example.com (dNSName)" in finding.message
    assert finding.fix is not None
    assert finding.fix.proposed == "cucm1.example.com"
    assert finding.fix.phase is Phase.NODE_NAMES
    assert finding.fix.where == "Cisco Unified CM Administration > System > Server"


def test_cc101_silent_when_the_name_is_in_the_certificate() -> None:
    assert codes(lint(cucm("cucm1.example.com"))) == []


def test_cc101_without_an_fqdn_in_the_certificate_proposes_reissuing_it() -> None:
    result = lint(cucm("cucm1.example.com", leaf=cert("cucm1")))
    only(codes(result), "CC101")
    fix = result.findings[0].fix
    assert fix is not None
    assert fix.phase is Phase.CERTIFICATES
    assert fix.where == "Cisco Unified OS Administration > Security > Certificate Management"
    assert "Cisco Tomcat" in fix.impact


# --- CC102 ip-address-not-fqdn ----------------------------------------------------------------


def test_cc102_ip_node_name_proposes_the_certificate_fqdn_with_dns_first() -> None:
    result = lint(cucm("10.0.0.11"))
    only(codes(result), "CC102")
    fix = result.findings[0].fix
    assert fix is not None
    assert (fix.current, fix.proposed) == ("10.0.0.11", "cucm1.example.com")
    assert any("A record for cucm1.example.com must resolve to 10.0.0.11" in p for p in fix.preconditions)
    assert fix.action == "Rename node 10.0.0.11 to cucm1.example.com"


def test_cc102_ip_tftp_setting_resolves_by_address_and_proposes_fqdn() -> None:
    imp_node = node(
        "imp1.example.com",
        tomcat("imp1.example.com", cert("imp1.example.com", dns=["imp1.example.com"])),
        addresses=["10.0.0.21"],
    )
    imp = cluster("imp", "imp", "9.1.1", [imp_node], Setting("imp9.tftp-primary", "10.0.0.11"))
    result = lint(Deployment((*cucm().clusters, imp)))
    only(codes(result), "CC102")
    finding = result.findings[0]
    assert finding.cluster == "imp"
    assert finding.node == "cucm1.example.com"
    assert finding.fix is not None
    assert finding.fix.proposed == "cucm1.example.com"
    assert finding.fix.phase is Phase.CLIENT_SETTINGS
    assert finding.fix.where.endswith("Application > Legacy Clients > Settings")


def test_cc102_silent_when_the_certificate_names_the_ip_in_its_cn() -> None:
    # An IP matches an identical CN when the certificate has no dNSName: that is CN-only (CC106), not CC102.
    result = lint(cucm("10.0.0.11", leaf=cert("10.0.0.11")))
    assert "CC102" not in codes(result)
    assert names_only(result) == ["CC106"]
    assert "CC307" in codes(result)  # the certificate hygiene rule flags the IP identity itself


# --- CC103 short-name-not-fqdn ----------------------------------------------------------------


def test_cc103_short_name_proposes_the_fqdn() -> None:
    result = lint(cucm("cucm1"))
    only(codes(result), "CC103")
    fix = result.findings[0].fix
    assert fix is not None
    assert fix.proposed == "cucm1.example.com"


def test_cc103_silent_for_an_fqdn() -> None:
    assert "CC103" not in codes(lint(cucm("cucm1.example.com")))


# --- CC104 xmpp-domain-not-in-certificate -----------------------------------------------------


def presence(
    *xmpp_certs: Certificate, domain: str = DOMAIN, product: str = "imp", version: str = "9.1.1"
) -> Deployment:
    nodes = []
    for number, leaf in enumerate(xmpp_certs, start=1):
        fqdn = f"imp{number}.{DOMAIN}"
        nodes.append(node(fqdn, tomcat(fqdn, cert(fqdn, dns=[fqdn])), xmpp(fqdn, leaf, domain)))
    line = "imp9" if product == "imp" else "cup8"
    return deployment(cluster("presence", product, version, nodes, Setting(f"{line}.xmpp-domain", domain)))


def test_cc104_fires_for_each_node_whose_cup_xmpp_lacks_the_domain() -> None:
    good = cert("imp1.example.com", dns=["imp1.example.com"], xmpp_addr=[DOMAIN])
    bad = cert("imp2.example.com", dns=["imp2.example.com"])
    result = lint(presence(good, bad))
    only(codes(result), "CC104")
    finding = result.findings[0]
    assert finding.node == "imp2.example.com"
    assert finding.fix is not None
    # the node's cup-xmpp certificate is replaced, and before 10.0 the security setting comes first
    assert finding.fix.phase is Phase.CERTIFICATES
    assert finding.fix.replaces == ("the cup-xmpp certificate of imp2.example.com",)
    first, *rest = finding.fix.steps
    assert "Use Domain Name for XMPP Certificate Subject Alternative Name" in first
    assert any("SAN dNSName imp2.example.com, example.com" in s for s in rest)
    assert "Restart (not Stop and Start) Cisco XCP Router on imp2.example.com" in finding.fix.impact


def test_cc104_on_cup8_uses_the_cup_service_names() -> None:
    result = lint(presence(cert("imp1.example.com"), product="cup", version="8.6.4"))
    only(codes(result), "CC104")
    fix = result.findings[0].fix
    assert fix is not None
    assert fix.steps[0].startswith(
        "Once for the cluster, if not done yet: in Cisco Unified Presence Administration > System > "
        "Security > Settings"
    )
    assert "Cisco UP XCP Router" in fix.impact


@pytest.mark.parametrize(
    "identities",
    [
        {"xmpp_addr": [DOMAIN]},
        {"srv_name": [f"_xmpp-client.{DOMAIN}"]},
        {"dns": [DOMAIN]},
    ],
    ids=["xmppAddr", "SRVName", "dNSName"],
)
def test_cc104_silent_when_the_domain_is_in_an_xmpp_identity(identities: dict[str, list[str]]) -> None:
    leaf = cert("imp1.example.com", **identities)  # type: ignore[arg-type]
    assert codes(lint(presence(leaf))) == []


def test_cc104_xmpp_server_srvname_does_not_identify_the_client_service() -> None:
    leaf = cert("imp1.example.com", dns=["imp1.example.com"], srv_name=[f"_xmpp-server.{DOMAIN}"])
    only(codes(lint(presence(leaf))), "CC104")


# --- CC105 wildcard-match ---------------------------------------------------------------------


def test_cc105_fires_when_only_a_wildcard_matches() -> None:
    result = lint(cucm("cucm1.example.com", leaf=cert("*.example.com", dns=["*.example.com"])))
    only(codes(result), "CC105")
    finding = result.findings[0]
    assert finding.severity.value == "warning"
    assert "*.example.com" in finding.message
    assert finding.fix is not None
    assert finding.fix.phase is Phase.CERTIFICATES


def test_cc105_silent_when_an_exact_name_sits_beside_the_wildcard() -> None:
    leaf = cert("cucm1.example.com", dns=["*.example.com", "cucm1.example.com"])
    assert codes(lint(cucm("cucm1.example.com", leaf=leaf))) == []


# --- CC106 cn-only-match ----------------------------------------------------------------------


def test_cc106_fires_for_a_cn_only_certificate() -> None:
    result = lint(cucm("cucm1.example.com", leaf=cert("cucm1.example.com", self_signed=True)))
    only(names_only(result), "CC106")
    assert result.findings[0].fix is not None


def test_cc106_silent_with_a_san_dnsname() -> None:
    assert codes(lint(cucm("cucm1.example.com"))) == []


def test_cc106_for_xmpp_points_to_the_xmpp_certificate_procedure() -> None:
    result = lint(presence(cert(DOMAIN)))
    only(codes(result), "CC106")
    fix = result.findings[0].fix
    assert fix is not None
    assert fix.replaces == ("the cup-xmpp certificate of imp1.example.com",)
    assert any("SAN dNSName imp1.example.com, example.com" in s for s in fix.steps)


# --- CC201 unknown-target ---------------------------------------------------------------------


def test_cc201_fires_for_a_name_of_no_known_server() -> None:
    result = lint(cucm("cucm1.example.com", Setting("cucm9.uc-service-voicemail", "cuc9.example.com", "VM")))
    only(codes(result), "CC201")
    finding = result.findings[0]
    assert finding.instance == "VM"
    assert "cuc9.example.com" in finding.message
    assert finding.fix is not None
    assert finding.fix.phase is Phase.AUDIT


def test_cc201_silent_when_dns_ties_the_name_to_a_known_server() -> None:
    unity_node = node(
        "cuc1.example.com",
        tomcat("cuc1.example.com", cert("vm.example.com", dns=["vm.example.com"])),
        addresses=["10.0.0.31"],
    )
    unity = cluster("cuc", "unity", "9.1.2", [unity_node])
    cucm_cluster = cucm(
        "cucm1.example.com", Setting("cucm9.uc-service-voicemail", "vm.example.com", "VM")
    ).clusters[0]
    result = lint(deployment(cucm_cluster, unity, dns=[DnsRecord("vm.example.com", "A", ("10.0.0.31",))]))
    assert codes(result) == []


# --- CC202 no-certificate ---------------------------------------------------------------------


def test_cc202_fires_for_an_unreachable_endpoint_and_marks_the_run_incomplete() -> None:
    bad = node("cucm1.example.com", tomcat("cucm1.example.com", None, error="timed out after 5 s"))
    result = lint(deployment(cluster("cucm", "cucm", "9.1", [bad])))
    only(codes(result), "CC202")
    assert "timed out after 5 s" in result.findings[0].message
    assert result.incomplete


def test_cc202_fires_when_no_endpoint_was_collected() -> None:
    result = lint(deployment(cluster("cucm", "cucm", "9.1", [node("cucm1.example.com")])))
    only(codes(result), "CC202")
    assert "no Tomcat endpoint" in result.findings[0].message
    assert not result.incomplete


def test_cc202_silent_when_a_certificate_was_presented() -> None:
    result = lint(cucm())
    assert codes(result) == []
    assert not result.incomplete


# --- across rules -----------------------------------------------------------------------------


def test_mail_store_and_conferencing_resolve_to_external_servers() -> None:
    mail = node(
        "mail.example.com",
        Endpoint(
            "mailstore",
            "imaps",
            "mail.example.com",
            993,
            chain=(cert("x.example.com", dns=["x.example.com"]),),
        ),
    )
    result = lint(
        deployment(
            *cucm(
                "cucm1.example.com", Setting("cucm9.uc-service-mailstore", "mail.example.com", "MS")
            ).clusters,
            externals=[mail],
        )
    )
    only(codes(result), "CC101")
    assert result.findings[0].node == "mail.example.com"


def test_each_reference_and_target_gets_exactly_one_verdict() -> None:
    """The CC1 rules partition outcomes: a bad reference is reported once, by its most specific rule."""
    result = lint(cucm("10.0.0.11", leaf=cert("cucm1", dns=["*.example.com"])))
    assert len(result.findings) == 1


def _with_facts(dep: Deployment, version: str, **facts: str) -> Deployment:
    from dataclasses import replace

    [presence_cluster] = dep.clusters
    return replace(dep, clusters=(replace(presence_cluster, version=version, facts=tuple(facts.items())),))


def test_cc104_box_unticked_asks_for_the_whole_procedure() -> None:
    dep = _with_facts(presence(cert("imp1.example.com")), "9.1.1", **{"xmpp.use_domain_san": "false"})
    [finding] = lint(dep).findings
    assert (
        "the box 'Use Domain Name for XMPP Certificate Subject Alternative Name' is unticked"
        in finding.message
    )
    assert finding.fix is not None
    assert len(finding.fix.steps) == 5


def test_cc104_box_ticked_but_certificate_older_asks_only_to_regenerate_it() -> None:
    dep = _with_facts(presence(cert("imp1.example.com")), "9.1.1", **{"xmpp.use_domain_san": "true"})
    [finding] = lint(dep).findings
    assert "is ticked: this cup-xmpp certificate was made before it was" in finding.message
    assert finding.fix is not None
    # a new cup-xmpp certificate carries the domain: the node's certificate is renewed through its CA
    assert finding.fix.action == (
        "Renew the cup-xmpp certificate of imp1.example.com: it does not identify the XMPP domain example.com"
    )
    assert finding.fix.steps[0].startswith(
        "Generate a cup-xmpp certificate signing request (CSR) on imp1.example.com with CN imp1.example.com "
        "and SAN dNSName imp1.example.com, example.com"
    )
    assert "Restart (not Stop and Start) Cisco XCP Router on imp1.example.com" in finding.fix.impact
    assert not any("System > Security > Settings" in s for s in finding.fix.steps)  # the box is ticked


def test_cc104_from_10_0_there_is_no_box() -> None:
    dep = _with_facts(presence(cert("imp1.example.com")), "10.5.2")
    [finding] = lint(dep).findings
    assert "10.0 and later add the domain" in finding.message
    assert finding.fix is not None
    assert finding.fix.action.endswith("it does not identify the XMPP domain example.com")
    assert not any("System > Security > Settings" in s for s in finding.fix.steps)  # there is no box
