"""CC3xx certificate hygiene, positive and negative, on real certificates made by confcheck.pki."""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable
from dataclasses import fields
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa
from helpers import cluster, deployment, node, root_ca, tomcat, xmpp
from test_certs_snapshot_reader import ECDSA_SHA, algorithm, parts_of, signed

from confcheck import apple as apple_rules
from confcheck import certs, certs_der, lint, pki, plan, plugin_manager
from confcheck.certs import Certificate
from confcheck.engine import CheckOptions
from confcheck.findings import Finding, Phase, Severity
from confcheck.model import Cluster, Deployment, Endpoint, Node, Setting
from confcheck.rule import SECTIONS
from confcheck.rules.certificates import RULES

NOW = datetime.now(timezone.utc)
DOMAIN = "example.com"
CERT_MANAGEMENT = "Cisco Unified OS Administration > Security > Certificate Management"


# --- making certificates and deployments ---------------------------------------------------------


def make(
    cn: str | None,
    dns: Iterable[str] = (),
    *,
    ips: Iterable[str] = (),
    issuer: pki.Issued | None = None,
    self_signed: bool = False,
    key: pki.PrivateKey | None = None,
    not_before: datetime | None = None,
    days: int = 730,
    subject: x509.Name | None = None,
) -> Certificate:
    """A parsed server certificate: CA-signed by the test root (or ``issuer``) unless self-signed."""
    signer = None if self_signed else issuer or root_ca()
    start = not_before or NOW - timedelta(days=1)
    return parse(
        pki.server(cn, dns, ips, issuer=signer, key=key, not_before=start, days=days, subject=subject)
    )


def parse(issued: pki.Issued) -> Certificate:
    return certs.load(issued.pem.encode(), "test")[0]


def fqdn_cert(host: str, **kwargs: Any) -> Certificate:
    return make(f"{host}.{DOMAIN}", [f"{host}.{DOMAIN}"], **kwargs)


@functools.cache
def good(host: str) -> Certificate:
    """A valid CA-signed certificate naming ``host``.example.com (cached: keys are the slow part)."""
    return fqdn_cert(host)


@functools.cache
def intermediate(cn: str = "confcheck Issuing CA", days: int = 3650, back: int = 1) -> pki.Issued:
    return pki.ca(cn, issuer=root_ca(), not_before=NOW - timedelta(days=back), days=days)


def https(host: str, *chain: Certificate) -> Endpoint:
    """A Tomcat endpoint that sent ``chain`` (leaf first)."""
    return Endpoint("tomcat", "https", host, 8443, chain=chain)


def cucm_node(host: str, *endpoints: Endpoint) -> Node:
    fqdn = f"{host}.{DOMAIN}"
    return node(fqdn, *(endpoints or (tomcat(fqdn, good(host)),)), hostname=host, domain=DOMAIN)


def cucm(*nodes: Node, settings: Iterable[Setting] = ()) -> Cluster:
    return cluster("hq-cucm", "cucm", "9.1.2.10000-28", nodes, *settings)


def imp_node(host: str, tomcat_leaf: Certificate, xmpp_leaf: Certificate) -> Node:
    fqdn = f"{host}.{DOMAIN}"
    return node(fqdn, tomcat(fqdn, tomcat_leaf), xmpp(fqdn, xmpp_leaf, DOMAIN), hostname=host, domain=DOMAIN)


def imp(*nodes: Node) -> Cluster:
    return cluster("hq-imp", "imp", "9.1.1.20000-5", nodes)


def run(d: Deployment, **options: Any) -> list[Finding]:
    """The findings of the CC3xx rules alone, run the way the engine runs every rule."""
    result = lint.lint(d, plugin_manager.catalog(), RULES, CheckOptions(now=NOW, **options))
    return list(result.findings)


def of(findings: list[Finding], code: str) -> list[Finding]:
    return [f for f in findings if f.rule == code]


def one(findings: list[Finding], code: str) -> Finding:
    found = of(findings, code)
    assert len(found) == 1, [(f.rule, f.message) for f in findings]
    return found[0]


# --- documentation ------------------------------------------------------------------------------


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_every_rule_is_a_documented_cc3xx(rule: Any) -> None:
    assert re.fullmatch(r"CC3\d\d", rule.code)
    assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)*", rule.name)
    assert rule.summary.endswith(".")
    for heading in SECTIONS:
        assert rule.sections.get(heading), f"{rule.code} lacks '## {heading}'"


def test_codes_names_and_severities_are_the_ones_promised() -> None:
    assert [(r.code, r.name, r.severity.value) for r in RULES] == [
        ("CC301", "certificate-expired", "error"),
        ("CC302", "certificate-expiring", "warning"),
        ("CC303", "self-signed-certificate", "info"),
        ("CC304", "validation-method", "info"),
        ("CC305", "shared-certificate", "warning"),
        ("CC306", "mixed-signing", "warning"),
        ("CC307", "ip-address-identity", "warning"),
        ("CC308", "subject-special-characters", "warning"),
        ("CC309", "weak-key", "warning"),
        ("CC310", "inconsistent-subject", "info"),
        ("CC311", "multi-server-certificate", "info"),
        ("CC312", "self-signed-ecdsa-twin", "warning"),
        ("CC313", "multi-server-node-missing", "warning"),
        ("CC314", "extended-key-usage", "error"),
        ("CC315", "restart-pending", "warning"),
        ("CC316", "apple-tls-requirements", "warning"),
    ]


def test_the_module_is_a_rules_plugin() -> None:
    from confcheck.rules import certificates

    assert certificates.confcheck_rules() == list(RULES)


# --- the Certificate model: subject attributes ---------------------------------------------------


def test_subject_attributes_are_the_values_not_the_escaped_rfc4514_text() -> None:
    subject = pki.name("cucm1.example.com", O="Smith & Sons, Inc.", OU='The "Lab"', L="Zürich", C="CH")
    cert = make(None, ["cucm1.example.com"], subject=subject)
    assert cert.subject_attributes == (
        ("O", "Smith & Sons, Inc."),
        ("OU", 'The "Lab"'),
        ("L", "Zürich"),
        ("C", "CH"),
        ("CN", "cucm1.example.com"),
    )
    assert "\\," in cert.subject
    assert "\\" in cert.subject  # the escaping CC308 must not be fooled by
    assert certs.to_dict(cert)["subject_attributes"] == [list(pair) for pair in cert.subject_attributes]


def test_certificates_built_without_subject_attributes_still_work() -> None:
    cert = good("cucm1")
    bare = Certificate(
        **{f.name: getattr(cert, f.name) for f in fields(Certificate) if f.name != "subject_attributes"}
    )
    assert bare.subject_attributes == ()
    assert run(deployment(cucm(cucm_node("cucm1", https("cucm1.example.com", bare))))) == run(
        deployment(cucm(cucm_node("cucm1", https("cucm1.example.com", cert))))
    )


# --- CC301 certificate-expired ------------------------------------------------------------------


def expired(host: str, **kwargs: Any) -> Certificate:
    return fqdn_cert(host, not_before=NOW - timedelta(days=400), days=365, **kwargs)


def test_cc301_expired_ca_signed_leaf_asks_for_a_reissue_through_certificate_management() -> None:
    findings = run(deployment(cucm(cucm_node("cucm1", https("cucm1.example.com", expired("cucm1"))))))
    finding = one(findings, "CC301")
    assert finding.severity is Severity.ERROR
    assert (finding.cluster, finding.node, finding.instance) == ("hq-cucm", "cucm1.example.com", "tomcat")
    assert "expired on" in finding.message
    assert "35 days ago" in finding.message
    fix = finding.fix
    assert fix is not None
    assert fix.phase is Phase.CERTIFICATES
    assert fix.where == CERT_MANAGEMENT
    assert fix.action == "Renew the Tomcat certificate of cucm1.example.com: it has expired"
    assert any("certificate signing request" in s for s in fix.steps)
    assert any(s == "Have confcheck Test Root CA sign it." for s in fix.steps)
    assert "Restart Cisco Tomcat on cucm1.example.com" in fix.impact


def test_cc301_expired_self_signed_leaf_is_regenerated() -> None:
    leaf = expired("cucm1", self_signed=True)
    fix = one(run(deployment(cucm(cucm_node("cucm1", https("cucm1", leaf))))), "CC301").fix
    assert fix is not None
    assert fix.action.startswith("Regenerate the self-signed Tomcat certificate")
    assert any("set cert regen tomcat" in s for s in fix.steps)


def test_cc301_expired_cup_xmpp_restarts_the_xcp_router() -> None:
    node_ = imp_node("imp1", good("imp1"), expired("imp1"))
    finding = one(run(deployment(imp(node_))), "CC301")
    assert finding.instance == "cup-xmpp"
    assert finding.fix is not None
    assert "Cisco XCP Router" in finding.fix.impact


def test_cc301_expired_intermediate_in_the_chain_the_server_sends() -> None:
    old_ca = intermediate("Old Issuing CA", days=365, back=400)
    leaf = make("cucm1.example.com", ["cucm1.example.com"], issuer=old_ca)
    findings = run(deployment(cucm(cucm_node("cucm1", https("cucm1", leaf, parse(old_ca))))))
    finding = one(findings, "CC301")
    assert finding.certificate == parse(old_ca).sha256
    assert finding.message.startswith("The CA certificate CN=Old Issuing CA")
    assert finding.fix is not None
    assert finding.fix.action.startswith("Replace the CA certificate CN=Old Issuing CA")
    assert any("tomcat-trust" in s for s in finding.fix.steps)


def test_cc301_one_finding_per_node_purpose_and_certificate_not_per_reference() -> None:
    # The node is named by its own node name and by three settings; the certificate is reported once.
    leaf = expired("cucm1")
    settings = [
        Setting("cucm9.uc-service-voicemail", "cucm1.example.com", "VM"),
        Setting("cucm9.uc-service-voicemail", "cucm1.example.com", "VM2"),
    ]
    d = deployment(cucm(cucm_node("cucm1", https("cucm1", leaf, leaf)), settings=settings))
    assert len(of(run(d), "CC301")) == 1


def test_cc301_a_ca_certificate_several_nodes_send_is_one_plan_step() -> None:
    old_ca = intermediate("Old Issuing CA", days=365, back=400)
    nodes = [
        cucm_node(h, https(h, make(f"{h}.{DOMAIN}", [f"{h}.{DOMAIN}"], issuer=old_ca), parse(old_ca)))
        for h in ("cucm1", "cucm2")
    ]
    findings = of(run(deployment(cucm(*nodes))), "CC301")
    assert [f.node for f in findings] == ["cucm1.example.com", "cucm2.example.com"]
    assert len({f.fingerprint for f in findings}) == 2
    steps = plan.build(findings).steps
    assert len(steps) == 1
    assert len(steps[0].findings) == 2


def test_cc301_external_server_fix_points_to_its_own_certificate_store() -> None:
    mail = node(
        "mail.example.com", Endpoint("mailstore", "imaps", "mail.example.com", 993, chain=(expired("mail"),))
    )
    finding = one(run(deployment(externals=[mail])), "CC301")
    assert finding.cluster is None
    assert finding.fix is not None
    assert finding.fix.where == "the certificate store of mail.example.com"


def test_cc301_silent_for_valid_certificates_and_endpoints_that_sent_nothing() -> None:
    nodes = [
        cucm_node("cucm1"),
        node("cucm2.example.com", tomcat("cucm2.example.com", None, error="timed out")),
    ]
    assert of(run(deployment(cucm(*nodes))), "CC301") == []


# --- CC302 certificate-expiring -----------------------------------------------------------------


@functools.cache
def expiring() -> Certificate:
    return fqdn_cert("cucm1", not_before=NOW - timedelta(days=5), days=15)


def test_cc302_warns_within_the_warning_period() -> None:
    finding = one(run(deployment(cucm(cucm_node("cucm1", https("cucm1", expiring()))))), "CC302")
    assert finding.severity is Severity.WARNING
    assert "in 10 days" in finding.message
    assert finding.fix is not None
    assert finding.fix.phase is Phase.CERTIFICATES
    assert "expires on" in finding.fix.action


def test_cc302_respects_expiry_warning_days() -> None:
    d = deployment(cucm(cucm_node("cucm1", https("cucm1", expiring()))))
    assert of(run(d, expiry_warning_days=9), "CC302") == []
    assert len(of(run(d, expiry_warning_days=10), "CC302")) == 1


def test_cc302_covers_the_chain_and_leaves_expired_ones_to_cc301() -> None:
    soon_ca = intermediate("Soon Issuing CA", days=20, back=1)
    leaf = make("cucm1.example.com", ["cucm1.example.com"], issuer=soon_ca, days=10)
    d = deployment(
        cucm(
            cucm_node("cucm1", https("cucm1", leaf, parse(soon_ca))),
            cucm_node("cucm2", https("cucm2", expired("cucm2"))),
        )
    )
    findings = run(d)
    assert sorted(f.certificate or "" for f in of(findings, "CC302")) == sorted(
        [leaf.sha256, parse(soon_ca).sha256]
    )
    assert [f.node for f in of(findings, "CC301")] == ["cucm2.example.com"]


def test_cc302_silent_for_a_certificate_with_a_year_left() -> None:
    assert of(run(deployment(cucm(cucm_node("cucm1")))), "CC302") == []


# --- CC303 self-signed-certificate --------------------------------------------------------------


@functools.cache
def self_signed(host: str) -> Certificate:
    return fqdn_cert(host, self_signed=True)


def test_cc303_reports_each_node_and_purpose_presenting_a_self_signed_certificate() -> None:
    nodes = [
        imp_node("imp1", self_signed("imp1"), good("imp1")),
        imp_node("imp2", good("imp2"), self_signed("imp2")),
    ]
    findings = of(run(deployment(imp(*nodes))), "CC303")
    assert sorted((f.node, f.instance) for f in findings) == [
        ("imp1.example.com", "tomcat"),
        ("imp2.example.com", "cup-xmpp"),
    ]
    assert all(f.severity is Severity.INFO for f in findings)
    fix = findings[0].fix
    assert fix is not None
    assert fix.where.endswith("OS Administration > Security > Certificate Management")
    assert "with a CA-signed one" in fix.action
    assert fix.impact


def test_cc303_says_whether_the_clients_trust_store_holds_it() -> None:
    d = deployment(cucm(cucm_node("cucm1", https("cucm1", self_signed("cucm1")))))
    assert "trust store" not in one(run(d), "CC303").message
    assert "(method 2)" in one(run(d, trust_store=(self_signed("cucm1"),)), "CC303").message
    assert "(method 1)" in one(run(d, trust_store=(parse(root_ca()),)), "CC303").message


def test_cc303_silent_for_ca_signed_certificates() -> None:
    assert of(run(deployment(cucm(cucm_node("cucm1")))), "CC303") == []


# --- CC304 validation-method --------------------------------------------------------------------


def test_cc304_is_silent_for_a_cluster_wholly_on_method_3() -> None:
    d = deployment(
        imp(imp_node("imp1", good("imp1"), good("imp1")), imp_node("imp2", good("imp2"), good("imp2")))
    )
    assert of(run(d), "CC304") == []


def test_cc304_reports_once_per_cluster_with_every_certificate_as_evidence() -> None:
    d = deployment(
        imp(
            imp_node("imp1", self_signed("imp1"), good("imp1")),
            imp_node("imp2", good("imp2"), good("imp2")),
        )
    )
    finding = one(run(d), "CC304")
    assert finding.severity is Severity.INFO
    assert len(finding.evidence) == 4


def test_cc304_self_signed_without_a_trust_store_cannot_tell_1_from_2() -> None:
    d = deployment(cucm(cucm_node("cucm1", https("cucm1", self_signed("cucm1")))))
    finding = one(run(d), "CC304")
    assert "method 1 or 2" in finding.message
    assert "cannot be told" in finding.message
    assert finding.fix is None  # a summary: the step that moves cucm1 to method 3 is CC303's
    [step] = one(run(d), "CC303").fix.replaces  # type: ignore[union-attr]
    assert step == "the Tomcat certificate of cucm1.example.com"


def test_cc304_self_signed_with_a_trust_store_is_method_1_or_method_2() -> None:
    d = deployment(cucm(cucm_node("cucm1", https("cucm1", self_signed("cucm1")))))
    assert "is on method 1 " in one(run(d, trust_store=()), "CC304").message
    assert "is on method 2 " in one(run(d, trust_store=(self_signed("cucm1"),)), "CC304").message


def test_cc304_mixed_cluster_says_which_node_is_on_which_method() -> None:
    d = deployment(cucm(cucm_node("cucm1"), cucm_node("cucm2", https("cucm2", self_signed("cucm2")))))
    message = one(run(d, trust_store=(parse(root_ca()),)), "CC304").message
    assert "mixes" in message
    assert "method 1 for cucm2.example.com Tomcat" in message
    assert "method 3 for cucm1.example.com Tomcat" in message


def test_cc304_method_3_leaves_whether_clients_trust_the_ca_to_the_trust_rules() -> None:
    # Whether the CA's root is in the clients' store is CC401's to judge; CC304 only names the method.
    d = deployment(cucm(cucm_node("cucm1")))
    for store in ((self_signed("cucm9"),), (parse(root_ca()),), None):
        assert of(run(d, trust_store=store), "CC304") == []


def test_cc304_silent_for_a_cluster_that_presented_no_certificate() -> None:
    d = deployment(cucm(node("cucm1.example.com", tomcat("cucm1.example.com", None, error="refused"))))
    assert of(run(d), "CC304") == []


# --- CC305 shared-certificate -------------------------------------------------------------------


def test_cc305_two_nodes_one_certificate_is_one_finding() -> None:
    shared = good("cucm1")
    d = deployment(cucm(cucm_node("cucm1"), cucm_node("cucm2", https("cucm2", shared)), cucm_node("cucm3")))
    finding = one(run(d), "CC305")
    assert finding.severity is Severity.WARNING
    assert finding.certificate == shared.sha256
    assert finding.instance == "tomcat"
    assert "cucm1.example.com and cucm2.example.com" in finding.message
    assert "does not name cucm2.example.com" in finding.message
    assert finding.fix is not None
    assert "its own Tomcat certificate" in finding.fix.action


def test_cc305_multi_server_certificate_says_it_names_them_all() -> None:
    both = make("cucm1.example.com", ["cucm1.example.com", "cucm2.example.com"])
    d = deployment(cucm(cucm_node("cucm1", https("cucm1", both)), cucm_node("cucm2", https("cucm2", both))))
    assert "names all of them" in one(run(d), "CC305").message


def test_cc305_silent_when_each_node_has_its_own() -> None:
    assert of(run(deployment(cucm(cucm_node("cucm1"), cucm_node("cucm2")))), "CC305") == []


# --- CC306 mixed-signing ------------------------------------------------------------------------


def test_cc306_some_self_signed_some_ca_signed() -> None:
    d = deployment(
        cucm(cucm_node("cucm1"), cucm_node("cucm2", https("cucm2", self_signed("cucm2"))), cucm_node("cucm3"))
    )
    finding = one(run(d), "CC306")
    assert finding.severity is Severity.WARNING
    assert "self-signed on cucm2.example.com" in finding.message
    fix = finding.fix
    assert fix is not None
    assert fix.action == (
        "Replace the self-signed Tomcat certificate of cucm2.example.com with a CA-signed one: "
        "the other nodes' are signed by confcheck Test Root CA"
    )


def test_cc306_for_one_node_joins_that_certificates_replacement_step() -> None:
    d = deployment(
        cucm(cucm_node("cucm1"), cucm_node("cucm2", https("cucm2", self_signed("cucm2"))), cucm_node("cucm3"))
    )
    findings = run(d)
    steps = [s for s in plan.build(findings).steps if any(f.node == "cucm2.example.com" for f in s.findings)]
    # CC303 (self-signed) and CC306 (signed unlike the others): both are
    # answered by one CA-signed certificate for cucm2, requested through the CA the other nodes use
    [replacement] = [s for s in steps if s.fix and s.fix.replaces]
    assert {f.rule for f in replacement.findings} == {"CC303", "CC306"}
    assert replacement.action.startswith(
        "Replace the self-signed Tomcat certificate of cucm2.example.com with a CA-signed one: "
    )
    assert replacement.fix is not None
    assert "Have confcheck Test Root CA sign it." in replacement.fix.steps
    assert len(steps) == 1


def test_cc306_different_issuing_cas() -> None:
    other = make("cucm2.example.com", ["cucm2.example.com"], issuer=intermediate("Other Issuing CA"))
    d = deployment(cucm(cucm_node("cucm1"), cucm_node("cucm2", https("cucm2", other))))
    assert "signed by Other Issuing CA on cucm2.example.com" in one(run(d), "CC306").message


def test_cc306_silent_when_every_node_is_signed_alike() -> None:
    assert of(run(deployment(cucm(cucm_node("cucm1"), cucm_node("cucm2")))), "CC306") == []
    all_self = [cucm_node(h, https(h, self_signed(h))) for h in ("cucm1", "cucm2")]
    assert of(run(deployment(cucm(*all_self))), "CC306") == []


def test_cc306_compares_within_a_purpose_only() -> None:
    # Tomcat CA-signed and cup-xmpp self-signed on every node: consistent per purpose.
    nodes = [imp_node(h, good(h), self_signed(h)) for h in ("imp1", "imp2")]
    assert of(run(deployment(imp(*nodes))), "CC306") == []


# --- CC307 ip-address-identity ------------------------------------------------------------------


def test_cc307_ip_address_as_cn() -> None:
    leaf = make("10.0.0.11", self_signed=True)
    finding = one(run(deployment(cucm(cucm_node("cucm1", https("10.0.0.11", leaf))))), "CC307")
    assert "10.0.0.11" in finding.message
    assert finding.fix is not None
    assert finding.fix.current == "10.0.0.11"
    assert finding.fix.proposed == "self-signed; SAN dNSName cucm1.example.com; no 10.0.0.11"
    assert finding.fix.preconditions
    # self-signed in a cluster with no CA: regenerated, and a regenerated certificate names the host name
    assert any("set cert regen tomcat" in s and "cucm1.example.com" in s for s in finding.fix.steps)


def test_cc307_asks_for_the_settings_to_change_only_when_one_names_the_node_by_address() -> None:
    leaf = make("10.0.0.11", self_signed=True)
    by_fqdn = one(run(deployment(cucm(cucm_node("cucm1", https("10.0.0.11", leaf))))), "CC307")
    assert by_fqdn.fix is not None
    assert by_fqdn.fix.preconditions == ("DNS resolves cucm1.example.com to the node.",)
    by_address = node(
        "10.0.0.11", https("10.0.0.11", leaf), hostname="cucm1", domain=DOMAIN, addresses=["10.0.0.11"]
    )
    finding = one(run(deployment(cucm(by_address))), "CC307")
    assert finding.fix is not None
    assert (
        "the settings that name it by address change to the FQDN in the same window (CC102)"
        in (finding.fix.preconditions[0])
    )


def test_cc307_an_ip_san_beside_the_fqdn_only_has_to_go() -> None:
    leaf = make("cucm1.example.com", ["cucm1.example.com"], ips=["10.0.0.11", "2001:db8::11"])
    finding = one(run(deployment(cucm(cucm_node("cucm1", https("cucm1", leaf))))), "CC307")
    assert "names the IP address 10.0.0.11, 2001:db8::11 beside cucm1.example.com" in finding.message
    assert finding.fix is not None
    assert finding.fix.action == (
        "Renew the Tomcat certificate of cucm1.example.com: it names the IP address 10.0.0.11, 2001:db8::11"
    )
    assert finding.fix.proposed == (
        "signed by confcheck Test Root CA; SAN dNSName cucm1.example.com; no 10.0.0.11, 2001:db8::11"
    )
    assert finding.fix.current == "10.0.0.11, 2001:db8::11 and dNSName cucm1.example.com"


def test_cc307_silent_for_fqdn_identities() -> None:
    assert of(run(deployment(cucm(cucm_node("cucm1")))), "CC307") == []


# --- CC308 subject-special-characters -----------------------------------------------------------


def with_subject(**attributes: str) -> Certificate:
    return make(None, ["cucm1.example.com"], subject=pki.name("cucm1.example.com", **attributes))


def test_cc308_special_characters_in_the_organisation() -> None:
    leaf = with_subject(O="Smith & Sons, Inc.", OU="Voice")
    finding = one(run(deployment(cucm(cucm_node("cucm1", https("cucm1", leaf))))), "CC308")
    assert "'&' and ','" in finding.message
    assert "O='Smith & Sons, Inc.'" in finding.message
    assert "OU" not in finding.message
    assert ("O", "Smith & Sons, Inc.") in finding.evidence
    fix = finding.fix
    assert fix is not None
    assert fix.where == CERT_MANAGEMENT
    assert fix.current == "O=Smith & Sons, Inc."
    # the request fields are set first, without the characters, then the CSR carries them
    assert fix.steps[0] == (
        "On cucm1.example.com, run set web-security orgunit orgname locality state country so that the "
        "new certificate has O=Smith and Sons Inc.."
    )
    assert "O=Smith and Sons Inc." in fix.steps[1]
    assert "Cisco Tomcat" in fix.impact


@pytest.mark.parametrize("value", ["Example @ HQ", "Go!", "A&B", "Example, Inc."])
def test_cc308_each_character_in_any_request_field(value: str) -> None:
    leaf = with_subject(O="Example", L=value)
    assert len(of(run(deployment(cucm(cucm_node("cucm1", https("cucm1", leaf))))), "CC308")) == 1


def test_cc308_a_cn_with_special_characters_is_a_reissue() -> None:
    leaf = make("cucm1!.example.com", ["cucm1.example.com"])
    fix = one(run(deployment(cucm(cucm_node("cucm1", https("cucm1", leaf))))), "CC308").fix
    assert fix is not None
    assert fix.action == "Renew the Tomcat certificate of cucm1.example.com: '!' in CN='cucm1!.example.com'"
    assert not any("set web-security" in s for s in fix.steps)  # the CN is the node's name, not a field


def test_cc308_silent_for_characters_rfc4514_escapes() -> None:
    # The subject's RFC 4514 text is full of backslashes; the values hold none of @ & ! ,
    leaf = with_subject(O='Example "Quoted" + Co; =Ltd', OU="#Voice", ST="Zürich", C="CH")
    assert "\\" in leaf.subject
    assert of(run(deployment(cucm(cucm_node("cucm1", https("cucm1", leaf))))), "CC308") == []


# --- CC309 weak-key -----------------------------------------------------------------------------


def test_cc309_small_rsa_key() -> None:
    leaf = fqdn_cert("cucm1", key=pki.new_key("rsa", 1024))
    finding = one(run(deployment(cucm(cucm_node("cucm1", https("cucm1", leaf))))), "CC309")
    assert "1024-bit RSA key, below 2048 bits" in finding.message
    assert finding.fix is not None
    assert (
        finding.fix.action == "Renew the Tomcat certificate of cucm1.example.com: it has a 1024-bit RSA key"
    )
    assert "an RSA key of at least 2048 bits" in (finding.fix.proposed or "")
    assert any("an RSA key of at least 2048 bits" in s for s in finding.fix.steps)


@functools.cache
def rsa_2048() -> Certificate:
    return fqdn_cert("cucm1", key=pki.new_key("rsa", 2048))


def test_cc309_respects_min_rsa_bits() -> None:
    d = deployment(cucm(cucm_node("cucm1", https("cucm1", rsa_2048()))))
    assert of(run(d), "CC309") == []
    assert "below 3072 bits" in one(run(d, min_rsa_bits=3072), "CC309").message


def test_cc309_any_dsa_key() -> None:
    key = dsa.generate_private_key(2048)
    root = root_ca()
    built = (
        x509.CertificateBuilder()
        .subject_name(pki.name("cucm1.example.com"))
        .issuer_name(root.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=365))
        .sign(root.key, hashes.SHA256())
    )
    leaf = certs.parse(built)
    assert (
        "DSA key (2048 bits)"
        in one(run(deployment(cucm(cucm_node("cucm1", https("cucm1", leaf))))), "CC309").message
    )


def test_cc309_weak_ca_certificate_in_the_chain() -> None:
    weak_ca = pki.ca("Weak Issuing CA", issuer=root_ca(), key=pki.new_key("rsa", 1024))
    leaf = make("cucm1.example.com", ["cucm1.example.com"], issuer=weak_ca)
    finding = one(run(deployment(cucm(cucm_node("cucm1", https("cucm1", leaf, parse(weak_ca)))))), "CC309")
    assert finding.certificate == parse(weak_ca).sha256
    assert finding.fix is not None
    assert finding.fix.action.startswith("Replace the CA certificate CN=Weak Issuing CA")


def test_cc309_silent_for_ec_keys() -> None:
    assert of(run(deployment(cucm(cucm_node("cucm1")))), "CC309") == []


# --- CC310 inconsistent-subject -----------------------------------------------------------------


def org(host: str, **attributes: str) -> Certificate:
    return make(None, [f"{host}.{DOMAIN}"], subject=pki.name(f"{host}.{DOMAIN}", **attributes))


def test_cc310_organisation_differs_across_nodes() -> None:
    nodes = [
        cucm_node("cucm1", https("cucm1", org("cucm1", O="Example Inc", L="Bern"))),
        cucm_node("cucm2", https("cucm2", org("cucm2", O="Example Inc", L="Bern"))),
        cucm_node("cucm3", https("cucm3", org("cucm3", O="Example", L="Bern"))),
    ]
    finding = one(run(deployment(cucm(*nodes))), "CC310")
    assert finding.severity is Severity.INFO
    assert "differ in O:" in finding.message
    assert "'Example' on cucm3.example.com Tomcat" in finding.message
    fix = finding.fix
    assert fix is not None
    assert fix.proposed == "O=Example Inc"
    assert fix.where == "the command line interface of cucm3.example.com"
    assert fix.field == "set web-security"


def test_cc310_a_field_missing_on_one_node_differs_too() -> None:
    nodes = [
        cucm_node("cucm1", https("cucm1", org("cucm1", O="Example", OU="Voice"))),
        cucm_node("cucm2", https("cucm2", org("cucm2", O="Example"))),
    ]
    assert "'(none)' on cucm2.example.com Tomcat" in one(run(deployment(cucm(*nodes))), "CC310").message


def test_cc310_proposes_a_value_even_when_most_nodes_lack_the_field() -> None:
    nodes = [
        cucm_node("cucm1", https("cucm1", org("cucm1", O="Example", OU="Voice"))),
        cucm_node("cucm2", https("cucm2", org("cucm2", O="Example"))),
        cucm_node("cucm3", https("cucm3", org("cucm3", O="Example"))),
    ]
    fix = one(run(deployment(cucm(*nodes))), "CC310").fix
    assert fix is not None
    assert fix.proposed == "OU=Voice"


def test_cc310_silent_when_the_nodes_agree() -> None:
    nodes = [cucm_node(h, https(h, org(h, O="Example", L="Bern"))) for h in ("cucm1", "cucm2")]
    assert of(run(deployment(cucm(*nodes))), "CC310") == []


def test_cc310_silent_when_only_the_purposes_of_each_node_differ() -> None:
    nodes = [imp_node(h, org(h, O="Example"), org(h, O="Example XMPP")) for h in ("imp1", "imp2")]
    assert of(run(deployment(imp(*nodes))), "CC310") == []


# --- CC311 multi-server-certificate -------------------------------------------------------------


def test_cc311_a_certificate_on_two_nodes_naming_both_is_one_finding() -> None:
    both = make("imp1.example.com", ["imp1.example.com", "imp2.example.com", DOMAIN], self_signed=False)
    nodes = [imp_node(h, good(h), both) for h in ("imp1", "imp2")]
    findings = of(run(deployment(imp(*nodes))), "CC311")
    assert [(f.node, f.instance) for f in findings] == [("imp1.example.com", "cup-xmpp")]
    assert "names 2 servers: imp1.example.com, imp2.example.com" in findings[0].message
    assert "multi-SAN" in findings[0].message
    fix = findings[0].fix
    assert fix is not None
    assert "naming imp1.example.com and imp2.example.com, or one certificate per node" in fix.action


def test_cc311_counts_servers_of_other_clusters_and_external_servers() -> None:
    leaf = make("cucm1.example.com", ["cucm1.example.com", "mail.example.com"])
    mail = node(
        "mail.example.com", Endpoint("mailstore", "imaps", "mail.example.com", 993, chain=(good("mail"),))
    )
    d = deployment(cucm(cucm_node("cucm1", https("cucm1", leaf))), externals=[mail])
    assert one(run(d), "CC311").node == "cucm1.example.com"


def test_cc311_counts_the_cn_beside_the_san_and_a_name_written_twice_once() -> None:
    cn_and_san = make("cucm1.example.com", ["cucm2.example.com"])  # two names: one in the CN
    twice = make("cucm1.example.com", ["cucm1.example.com", "CUCM1.example.com."])  # one server
    d = deployment(
        cucm(cucm_node("cucm1", https("cucm1", cn_and_san)), cucm_node("cucm2", https("cucm2", twice)))
    )
    findings = of(run(d), "CC311")
    assert [f.node for f in findings] == ["cucm1.example.com"]
    assert "names 2 servers: cucm1.example.com, cucm2.example.com" in findings[0].message


def test_cc311_silent_for_aliases_domains_and_wildcards() -> None:
    leaf = make("cucm1.example.com", ["cucm1.example.com", "tftp.example.com", DOMAIN, "*.example.com"])
    d = deployment(cucm(cucm_node("cucm1", https("cucm1", leaf)), cucm_node("cucm2")))
    assert of(run(d), "CC311") == []


# --- the family together ------------------------------------------------------------------------


def test_every_finding_carries_a_complete_fix_and_a_distinct_fingerprint() -> None:
    old_ca = intermediate("Old Issuing CA", days=365, back=400)
    shared = make("cucm2.example.com", ["cucm2.example.com", "cucm3.example.com"], subject=None)
    nodes = [
        cucm_node("cucm1", https("cucm1", make("10.0.0.11", key=pki.new_key("rsa", 1024), self_signed=True))),
        cucm_node("cucm2", https("cucm2", shared, parse(old_ca))),
        cucm_node("cucm3", https("cucm3", shared)),
        cucm_node("cucm4", https("cucm4", with_subject(O="A, B"))),
        cucm_node("cucm5", https("cucm5", expiring())),
    ]
    mail = node(
        "mail.example.com", Endpoint("mailstore", "imaps", "mail.example.com", 993, chain=(expired("mail"),))
    )
    findings = run(deployment(cucm(*nodes), externals=[mail]), trust_store=())
    # the rules of current releases (CC312-CC315) need 10.x and later: tests/test_rules_current_releases.py
    assert {f.rule for f in findings} == {r.code for r in RULES if r.code <= "CC311"}
    for finding in findings:
        fix = finding.fix
        if (
            finding.rule == "CC304"
        ):  # a summary of the cluster's methods: the work is CC303's, per certificate
            assert fix is None
            continue
        assert fix is not None, finding.rule
        assert fix.phase is Phase.CERTIFICATES
        assert fix.where, finding.rule
        assert fix.action, finding.rule
        assert fix.impact, finding.rule
    assert len({f.fingerprint for f in findings}) == len(findings)


def test_a_clean_ca_signed_deployment_has_no_certificate_findings() -> None:
    d = deployment(
        cucm(cucm_node("cucm1"), cucm_node("cucm2")), imp(imp_node("imp1", good("imp1"), good("imp1")))
    )
    assert run(d) == []


# --- CC316 apple-tls-requirements ---------------------------------------------------------------

CURRENT = "12.5.1.10000-22"
APPLE = "Jabber for Mac, iPhone and iPad"


def issued(
    host: str,
    *,
    days: int = 730,
    not_before: datetime | None = None,
    eku: Iterable[str] | None = pki.SERVER_EKU,
    self_signed: bool = False,
) -> Certificate:
    fqdn = f"{host}.{DOMAIN}"
    start = not_before or NOW - timedelta(days=1)
    signer = None if self_signed else root_ca()
    return parse(pki.server(fqdn, [fqdn], issuer=signer, not_before=start, days=days, eku=eku))


def sha1_signed(issued: pki.Issued, signer: pki.PrivateKey) -> Certificate:
    """``issued`` signed again by ``signer`` with ecdsa-with-SHA1, which cryptography no longer signs with."""
    sha1 = algorithm(ECDSA_SHA["SHA1"])
    der = issued.cert.public_bytes(serialization.Encoding.DER)
    return parse_der(signed(parts_of(der)._replace(inner=sha1, outer=sha1), signer))


def parse_der(der: bytes) -> Certificate:
    return certs.load(certs_der.pem(der).encode(), "test")[0]


def apple(
    *leaves: Certificate | tuple[Certificate, ...], version: str = "9.1.2.10000-28", **options: Any
) -> list[Finding]:
    """CC316's findings for a cluster whose nodes cucm1, cucm2, ... present ``leaves`` (or chains)."""
    nodes = [
        cucm_node(f"cucm{i}", https(f"cucm{i}.{DOMAIN}", *(chain if isinstance(chain, tuple) else (chain,))))
        for i, chain in enumerate(leaves, start=1)
    ]
    return of(run(deployment(cluster("hq-cucm", "cucm", version, nodes)), **options), "CC316")


def test_a_certificate_valid_longer_than_apple_allows_is_renewed_for_825_days_or_fewer() -> None:
    found = apple(issued("cucm1", days=1826))
    assert [f.message for f in found] == [
        "The Tomcat certificate of cucm1.example.com breaks Apple's rules for TLS server certificates (it is "
        "valid for 1826 days, longer than the 825 days Apple allows): Jabber for Mac, iPhone and iPad do not "
        "trust it even with its CA's root in their trust store, and prompt."
    ]
    finding = found[0]
    assert finding.severity is Severity.WARNING
    assert ("Apple's rules", "HT210176: iOS 13, iPadOS 13 and macOS 10.15 and later") in finding.evidence
    assert finding.fix is not None
    assert finding.fix.phase is Phase.CERTIFICATES
    (renewal,) = finding.fix.renewals
    assert renewal.demands == ("it is valid for 1826 days, longer than the 825 days Apple allows",)
    assert renewal.request
    assert renewal.signing == ("valid for 825 days or fewer",)
    assert "Have confcheck Test Root CA sign it, valid for 825 days or fewer." in finding.fix.steps
    assert finding.fix.proposed == (
        "signed by confcheck Test Root CA; SAN dNSName cucm1.example.com; valid for 825 days or fewer"
    )


def test_the_limit_is_825_days_and_an_hour_from_certificates_issued_after_1_july_2019() -> None:
    base = issued("cucm1", days=825)
    limit = dataclasses.replace(base, not_after=base.not_before + timedelta(days=825, hours=1))
    over = dataclasses.replace(limit, not_after=limit.not_after + timedelta(seconds=1))
    assert apple_rules.breaches(base, leaf=True) == ()
    assert apple_rules.breaches(limit, leaf=True) == ()
    assert [b.reason for b in apple_rules.breaches(over, leaf=True)] == [
        "it is valid for 825 days and 1 hour, longer than the 825 days Apple allows"
    ]
    assert apple_rules.breaches(over, leaf=False) == ()  # a CA certificate's validity is not limited
    july = datetime(2019, 7, 1, tzinfo=timezone.utc)
    ten_years = timedelta(days=3650)
    on_the_day = dataclasses.replace(base, not_before=july, not_after=july + ten_years)
    after = dataclasses.replace(base, not_before=july + timedelta(seconds=1), not_after=july + ten_years)
    assert apple_rules.breaches(on_the_day, leaf=True) == ()  # Apple: issued *after* 1 July 2019
    assert len(apple_rules.breaches(after, leaf=True)) == 1


def test_a_certificate_trusted_by_itself_is_not_held_to_the_validity_limit() -> None:
    self_signed = issued("cucm1", days=1826, self_signed=True)
    pushed = issued("cucm2", days=1826)
    assert apple(self_signed) == []  # its own anchor, as Apple's trust daemon treats it
    stores = (("macos", (pushed,)), ("ios", (pushed,)))
    assert apple(pushed, platform_stores=stores) == []
    (iphones,) = apple(pushed, platform_stores=stores[:1])  # the iPhones' store does not hold it
    assert "Jabber for iPhone and iPad do not trust it" in iphones.message
    (macs,) = apple(pushed, platform_stores=stores[1:])
    assert macs.message.endswith(
        ": Jabber for Mac does not trust it even with its CA's root in its trust store, and prompts."
    )
    assert apple(pushed, trust_store=(pushed,)) == []


def test_expressway_c_whose_certificate_jabber_never_meets_is_not_judged() -> None:
    core = cluster(
        "core",
        "expressway-c",
        "X15.0.1",
        [node("expc1.example.com", https("expc1.example.com", issued("expc1", days=1826)))],
    )
    assert of(run(deployment(core)), "CC316") == []


def test_an_extended_key_usage_without_server_auth_is_left_to_cc314_and_cc401() -> None:
    """Every platform refuses it, not only Apple's; a certificate without the extension, which Apple's
    checks for a chain under a user or admin root accept, is not reported either."""
    assert apple(issued("cucm1", eku=("clientAuth",)), issued("cucm2", eku=None)) == []
    assert apple(issued("cucm1", eku=("clientAuth",)), version=CURRENT) == []


def test_sha1_signatures_are_reported_on_the_leaf_and_ca_certificates_not_a_self_signed_leaf() -> None:
    root = root_ca()
    old_ca = pki.ca("Old Issuing CA", issuer=root)
    leaf_under_it = parse(pki.server("cucm2.example.com", ["cucm2.example.com"], issuer=old_ca))
    own = pki.server("cucm3.example.com", ["cucm3.example.com"])
    old_ca_sha1 = sha1_signed(old_ca, root.key)
    found = apple(
        sha1_signed(pki.server("cucm1.example.com", ["cucm1.example.com"], issuer=root), root.key),
        (leaf_under_it, old_ca_sha1),
        sha1_signed(own, own.key),
    )
    assert [f.message for f in found] == [
        "The Tomcat certificate of cucm1.example.com breaks Apple's rules for TLS server certificates (it is "
        "signed with ecdsa-with-SHA1, a hash Apple no longer accepts): Jabber for Mac, iPhone and iPad do not "
        "trust it even with its CA's root in their trust store, and prompt.",
        "The CA certificate CN=Old Issuing CA,O=confcheck that cucm2.example.com sends with its Tomcat "
        "certificate breaks Apple's rules for TLS server certificates (it is signed with ecdsa-with-SHA1, a "
        "hash Apple no longer accepts): Jabber for Mac, iPhone and iPad do not trust the chain even with its "
        "root in their trust store, and prompt.",
    ]
    assert found[0].fix is not None
    assert "Have confcheck Test Root CA sign it, using SHA-256." in found[0].fix.steps
    assert found[1].fix is not None
    assert found[1].fix.action == (
        "Replace the CA certificate CN=Old Issuing CA,O=confcheck in the Tomcat chain (signed with SHA-256)"
    )
    # the journey's verdict for Apple's platforms says the same of the chain (confcheck.apple)
    assert apple_rules.refusal((leaf_under_it, old_ca_sha1)) == (
        "Apple's rules for TLS server certificates refuse it (the CA certificate CN=Old Issuing CA,O=confcheck: "
        "it is signed with ecdsa-with-SHA1, a hash Apple no longer accepts)"
    )
    assert apple_rules.refusal((leaf_under_it, parse(old_ca))) is None
    assert apple_rules.refusal((old_ca_sha1,)) is None  # a CA certificate alone is no server's


def test_signing_terms_merge_once_each_in_order() -> None:
    from confcheck import renewal as renewals

    first = apple(issued("cucm1", days=1826))[0].fix
    assert first is not None
    one = first.renewals[0]
    two = dataclasses.replace(one, signing=("using SHA-256", "valid for 825 days or fewer"), demands=("b",))
    merged = renewals.merge([one, two])
    assert merged.signing == ("valid for 825 days or fewer", "using SHA-256")
    assert renewals.signing_terms(merged) == "valid for 825 days or fewer and using SHA-256"


def test_a_sha1_signed_leaf_is_said_to_be_rejected_for_its_algorithm_not_for_another_key() -> None:
    """CC401 walked no path to a SHA-1 signature (cryptography does not verify one) and said the store's CA
    of that name had another key; the CA's key did sign it."""
    root = root_ca()
    leaf = sha1_signed(pki.server("cucm1.example.com", ["cucm1.example.com"], issuer=root), root.key)
    nodes = [cucm_node("cucm1", https("cucm1.example.com", leaf))]
    d = deployment(cluster("hq-cucm", "cucm", "9.1.2.10000-28", nodes))
    result = lint.lint(
        d, plugin_manager.catalog(), plugin_manager.rules(), CheckOptions(now=NOW, trust_store=(parse(root),))
    )
    (cc401,) = [f for f in result.findings if f.rule == "CC401"]
    assert "another key" not in cc401.message
    assert cc401.message.endswith(
        "the verifier rejects the chain: a certificate of the chain is signed with an algorithm it no longer "
        "accepts (SHA-1 or older)."
    )
