"""CC4xx: the trust prediction, on chains built here, agrees with cryptography's own verifier.

Each scenario builds a real chain and asserts two verdicts: the rules' (through ``lint.lint``)
and cryptography's server verifier called directly. Where they differ on purpose (a self-signed
leaf pinned in the store, a leaf without a subjectAltName) the test says so and why.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError
from helpers import cluster, deployment, issuing, node, other_root, parse, rekeyed_root, root

from confcheck import lint as linting
from confcheck import pki, plugin_manager
from confcheck.engine import CheckOptions
from confcheck.findings import Finding, Phase, Severity
from confcheck.model import Deployment, Endpoint, Node, Setting
from confcheck.rule import SECTIONS, Rule
from confcheck.rules import certificates, names, trust

NOW = datetime.now(timezone.utc)
DOMAIN = "example.com"
FQDN = "cucm1.example.com"
LONG_AGO = NOW - timedelta(days=800)
"""With ``days=730``: a certificate that expired 70 days ago."""


# --- the PKI ----------------------------------------------------------------------------------


@functools.cache
def leaf() -> pki.Issued:
    return pki.server(FQDN, dns=[FQDN], issuer=issuing())


@functools.cache
def expired_root() -> pki.Issued:
    """``root()`` as it was, same name and key, expired."""
    return pki.ca("Corp Root CA", key=root().key, not_before=LONG_AGO, days=730)


@functools.cache
def expired_issuing() -> pki.Issued:
    """``issuing()`` as it was, same name and key (so it still signs ``leaf()``), expired."""
    return pki.ca("Corp Issuing CA", issuer=root(), key=issuing().key, not_before=LONG_AGO, days=730)


@functools.cache
def expired_leaf() -> pki.Issued:
    return pki.server(FQDN, dns=[FQDN], issuer=issuing(), not_before=LONG_AGO, days=730)


@functools.cache
def future_leaf() -> pki.Issued:
    return pki.server(FQDN, dns=[FQDN], issuer=issuing(), not_before=NOW + timedelta(days=10))


@functools.cache
def self_signed() -> pki.Issued:
    return pki.server(FQDN, dns=[FQDN])


@functools.cache
def ca_as_leaf() -> pki.Issued:
    """A CA certificate (basicConstraints cA) carrying the server's name, used as the server's certificate."""
    key = pki.new_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(pki.name(FQDN))
        .issuer_name(issuing().cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(FQDN)]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuing().key.public_key()), critical=False
        )
        .sign(issuing().key, hashes.SHA256())
    )
    return pki.Issued(cert, key)


# --- running both verdicts --------------------------------------------------------------------


def tomcat_chain(host: str, *chain: pki.Issued) -> Endpoint:
    return Endpoint("tomcat", "https", host, 8443, chain=tuple(parse(c) for c in chain))


def cucm(*chain: pki.Issued, settings: Sequence[Setting] = (), more: Sequence[Node] = ()) -> Deployment:
    """One CUCM 9 cluster whose publisher cucm1 presents ``chain`` (leaf first) on Tomcat."""
    publisher = node(
        FQDN, tomcat_chain(FQDN, *chain), hostname="cucm1", domain=DOMAIN, addresses=["10.0.0.11"]
    )
    return deployment(cluster("cucm", "cucm", "9.1.2.10000-28", [publisher, *more], *settings))


def lint(
    dep: Deployment, store: Sequence[pki.Issued] | None, rules: Sequence[Rule] = trust.RULES
) -> list[Finding]:
    """The findings of ``rules`` with the clients trusting ``store`` (None: the store is unknown)."""
    options = CheckOptions(now=NOW, trust_store=None if store is None else tuple(parse(c) for c in store))
    return list(linting.lint(dep, plugin_manager.catalog(), rules, options).findings)


def verifier_trusts(chain: Sequence[pki.Issued], store: Sequence[pki.Issued], name: str = FQDN) -> bool:
    """cryptography's own verdict, called directly, for the name the leaf carries."""
    builder = PolicyBuilder().store(Store([c.cert for c in store])).time(NOW)
    try:
        builder.build_server_verifier(x509.DNSName(name)).verify(chain[0].cert, [c.cert for c in chain[1:]])
    except VerificationError:
        return False
    return True


def rule_trusts(findings: Sequence[Finding]) -> bool:
    """The rules' verdict: CC401 for the path, CC301 for an expired certificate the server sends."""
    return not any(f.rule in ("CC401", "CC301") for f in findings)


EXPIRY_TOO = (*trust.RULES, certificates.certificate_expired)


def one(findings: Sequence[Finding], code: str) -> Finding:
    assert [f.rule for f in findings] == [code], [(f.rule, f.message) for f in findings]
    return findings[0]


Chain = Callable[[], tuple[pki.Issued, ...]]

SCENARIOS: dict[str, tuple[Chain, Chain, bool]] = {
    "root in store, intermediate sent": (lambda: (leaf(), issuing()), lambda: (root(),), True),
    "root sent as well, and in store": (lambda: (leaf(), issuing(), root()), lambda: (root(),), True),
    "intermediate not sent but in store": (lambda: (leaf(),), lambda: (root(), issuing()), True),
    "root not in store": (lambda: (leaf(), issuing()), lambda: (other_root(),), False),
    "root sent, not in store": (lambda: (leaf(), issuing(), root()), lambda: (other_root(),), False),
    "intermediate not sent": (lambda: (leaf(),), lambda: (root(),), False),
    "store root re-keyed": (lambda: (leaf(), issuing()), lambda: (rekeyed_root(),), False),
    "expired leaf": (lambda: (expired_leaf(), issuing()), lambda: (root(),), False),
    "leaf not yet valid": (lambda: (future_leaf(), issuing()), lambda: (root(),), False),
    "expired intermediate": (lambda: (leaf(), expired_issuing()), lambda: (root(),), False),
    "expired root in store": (lambda: (leaf(), issuing()), lambda: (expired_root(),), False),
    "CA certificate as leaf": (lambda: (ca_as_leaf(), issuing()), lambda: (root(),), False),
    "self-signed, not in store": (lambda: (self_signed(),), lambda: (root(),), False),
}


@pytest.mark.parametrize(("chain", "store", "trusted"), SCENARIOS.values(), ids=SCENARIOS.keys())
def test_the_prediction_agrees_with_cryptographys_verifier(chain: Chain, store: Chain, trusted: bool) -> None:
    assert verifier_trusts(chain(), store()) is trusted
    assert rule_trusts(lint(cucm(*chain()), store(), EXPIRY_TOO)) is trusted


# --- what CC401 says --------------------------------------------------------------------------


def test_root_in_store_is_silent() -> None:
    assert lint(cucm(leaf(), issuing()), [root()]) == []


def test_root_missing_names_the_root_and_pushes_it_to_the_clients() -> None:
    finding = one(lint(cucm(leaf(), issuing()), [other_root()]), "CC401")
    assert finding.severity is Severity.ERROR
    assert finding.message.startswith(
        "Jabber will prompt for the Tomcat certificate of cucm1.example.com (met by Node name cucm1.example.com)"
    )
    assert (
        "the root CA Corp Root CA that issued the intermediate CA Corp Issuing CA is not in the clients' trust store"
        in (finding.message)
    )
    assert finding.node == FQDN
    assert finding.certificate == parse(leaf()).sha256
    fix = finding.fix
    assert fix is not None
    assert fix.phase is Phase.CERTIFICATES
    # a root goes to the clients' trusted roots (method 3), never to Enterprise Trust (method 2)
    assert fix.action.startswith(
        "Add the root CA Corp Root CA to the Jabber clients' trusted root CAs "
        "(Windows: Trusted Root Certification Authorities)"
    )
    assert not any("Enterprise Trust" in step for step in (fix.action, *fix.steps))
    assert any("Trusted Root Certification Authorities" in step for step in fix.steps)
    assert any("[check] trust_store" in step for step in fix.steps)


def test_a_root_the_server_sends_is_still_not_trusted() -> None:
    finding = one(lint(cucm(leaf(), issuing(), root()), [other_root()]), "CC401")
    assert (
        "the root CA Corp Root CA is not in the clients' trust store (the server sends it" in finding.message
    )


def test_an_intermediate_the_server_does_not_send_is_named_with_the_upload_fix() -> None:
    # cucm2 sends the whole chain, so the snapshot knows the intermediate cucm1 leaves out.
    cucm2 = node(
        "cucm2.example.com",
        tomcat_chain(
            "cucm2.example.com",
            pki.server("cucm2.example.com", dns=["cucm2.example.com"], issuer=issuing()),
            issuing(),
        ),
    )
    dep = cucm(leaf(), more=[cucm2])
    assert not verifier_trusts([leaf()], [root()])
    finding = one(lint(dep, [root()]), "CC401")
    assert "the server does not send the intermediate CA Corp Issuing CA" in finding.message
    fix = finding.fix
    assert fix is not None
    assert fix.action == (
        "Upload the intermediate CA Corp Issuing CA to cucm1.example.com as tomcat-trust and re-upload "
        "the Tomcat certificate, so that the node sends the whole chain"
    )
    assert fix.where == "Cisco Unified OS Administration > Security > Certificate Management"
    assert "Cisco Tomcat" in fix.impact
    assert (
        "path",
        "cucm1.example.com (leaf) → Corp Issuing CA (not sent) → Corp Root CA (in the trust store)",
    ) in (finding.evidence)
    # ... and once cucm1 sends it, it is trusted, by both.
    assert verifier_trusts([leaf(), issuing()], [root()])
    assert lint(cucm(leaf(), issuing(), more=[cucm2]), [root()]) == []


def test_an_issuer_met_nowhere_is_named_with_both_possible_fixes() -> None:
    finding = one(lint(cucm(leaf()), [root()]), "CC401")
    assert (
        "the CA that issued the certificate, Corp Issuing CA, is neither sent by the server"
        in finding.message
    )
    assert finding.fix is not None
    assert "if it is an intermediate, upload it to cucm1.example.com as tomcat-trust" in finding.fix.action
    assert (
        "if it is the root, add it to the Jabber clients' trusted root CAs "
        "(Windows: Trusted Root Certification Authorities)" in finding.fix.action
    )


def test_a_root_of_the_same_name_with_another_key_is_called_out() -> None:
    finding = one(lint(cucm(leaf(), issuing()), [rekeyed_root()]), "CC401")
    assert (
        "holds a CA named Corp Root CA, but not the one that signed the intermediate CA Corp Issuing CA"
        in (finding.message)
    )


def test_an_expired_certificate_the_server_sends_is_left_to_cc301() -> None:
    # One problem, one finding: CC301 reports the expiry with its fix, CC401 adds nothing.
    findings = lint(cucm(expired_leaf(), issuing()), [root()], EXPIRY_TOO)
    assert [f.rule for f in findings] == ["CC301"]
    assert [f.rule for f in lint(cucm(leaf(), expired_issuing()), [root()], EXPIRY_TOO)] == ["CC301"]


def test_an_expired_root_in_the_store_is_named() -> None:
    top = one(lint(cucm(leaf(), issuing()), [expired_root()]), "CC401")
    assert "the root CA Corp Root CA expired on" in top.message
    assert top.fix is not None
    assert "the renewed root CA Corp Root CA" in top.fix.action or "Corp Root CA" in top.fix.action


def test_leaf_not_yet_valid() -> None:
    finding = one(lint(cucm(future_leaf(), issuing()), [root()]), "CC401")
    assert "the certificate is not valid until" in finding.message


def test_a_ca_certificate_as_leaf_is_a_web_pki_rejection() -> None:
    finding = one(lint(cucm(ca_as_leaf(), issuing()), [root()]), "CC401")
    assert (
        "the verifier rejects the certificate: it is a CA certificate (basicConstraints cA)"
        in finding.message
    )
    assert finding.fix is not None
    assert finding.fix.action.startswith("Renew the Tomcat certificate of cucm1.example.com: ")
    assert finding.fix.action.endswith("it must be a TLS server certificate")


def test_every_missing_piece_is_named_with_its_fix_in_order() -> None:
    finding = one(lint(cucm(leaf()), [other_root()]), "CC401")
    assert "the CA that issued the certificate, Corp Issuing CA" in finding.message
    both = lint(cucm(expired_leaf(), issuing()), [other_root()], EXPIRY_TOO)
    assert sorted(f.rule for f in both) == ["CC301", "CC401"]  # the expiry is CC301's alone
    untrusted = one([f for f in both if f.rule == "CC401"], "CC401")
    assert "expired" not in untrusted.message
    assert "the root CA Corp Root CA that issued" in untrusted.message
    several = one(lint(cucm(future_leaf(), issuing()), [other_root()]), "CC401")
    assert "the certificate is not valid until" in several.message
    assert several.fix is not None
    assert len(several.fix.steps) == 2
    assert several.fix.steps[1].startswith("Add the root CA Corp Root CA to the Jabber clients' trusted root")


# --- self-signed: the guide's method 2 --------------------------------------------------------


def test_self_signed_in_the_store_is_trusted_and_left_to_cc303_as_method_2() -> None:
    # cryptography refuses a self-signed leaf even when it is in the store; Jabber trusts it.
    assert not verifier_trusts([self_signed()], [self_signed()])
    findings = lint(
        cucm(self_signed()), [self_signed(), root()], (*trust.RULES, certificates.self_signed_certificate)
    )
    finding = one(findings, "CC303")
    assert "(method 2)" in finding.message


def test_self_signed_not_in_the_store() -> None:
    finding = one(lint(cucm(self_signed()), [root()]), "CC401")
    assert "the certificate is self-signed and not in the clients' trust store" in finding.message
    # the verifier's words name the certificate as the report does, not by Python's representation
    verifier = dict(finding.evidence)["verifier"]
    assert "<Certificate(" not in verifier
    assert "<Name(" not in verifier
    assert f"(at the certificate CN={FQDN}" in verifier
    assert finding.fix is not None
    # method 3: a CSR signed by a CA the clients trust; or method 2: this certificate to Enterprise Trust
    assert finding.fix.action.startswith("Replace the self-signed Tomcat certificate of cucm1.example.com")
    assert any("certificate signing request" in step for step in finding.fix.steps)
    [alternative] = [step for step in finding.fix.steps if "method 2" in step]
    assert "Enterprise Trust" in alternative
    assert "HKCU\\Software\\Microsoft\\SystemCertificates\\Trust\\Certificates" in alternative
    assert "certmgr.msc" in alternative
    assert "Group Policy" in alternative


def test_expired_self_signed_in_the_store_still_prompts() -> None:
    old = pki.server(FQDN, dns=[FQDN], not_before=LONG_AGO, days=730)
    assert not rule_trusts(lint(cucm(old), [old], EXPIRY_TOO))
    assert trust.assess([parse(old)], [parse(old)], NOW).gaps[0].kind == "expired"


def test_a_pinned_ca_signed_leaf_is_method_2_only_when_its_chain_would_fail() -> None:
    assert verifier_trusts([leaf()], [leaf()])  # cryptography accepts a store certificate as the anchor
    finding = one(lint(cucm(leaf()), [leaf()]), "CC402")
    assert finding.severity is Severity.INFO
    assert "only because this exact certificate is in the clients' trust store" in finding.message
    assert (
        "its chain alone would not be trusted (the CA that issued the certificate, Corp Issuing CA"
        in finding.message
    )
    assert lint(cucm(leaf(), issuing()), [leaf(), root()]) == []


def test_a_pinned_leaf_is_fixed_by_mending_its_chain_not_by_a_new_certificate() -> None:
    # the clients hold the root and (pushed by hand) the leaf; the server omits the intermediate
    pinned = one(lint(cucm(leaf()), [root(), leaf()]), "CC402")
    untrusted = one(lint(cucm(leaf()), [root()]), "CC401")
    assert pinned.fix is not None
    assert untrusted.fix is not None
    # the same repair as when nothing was pinned
    assert (pinned.fix.action, pinned.fix.steps) == (untrusted.fix.action, untrusted.fix.steps)
    assert pinned.fix.action.startswith(
        "Find the CA certificate Corp Issuing CA: if it is an intermediate, upload"
    )
    # the certificate itself stays: only a replacement made for another reason would absorb this step
    assert not any(r.required for r in pinned.fix.renewals)


# --- what is not judged -----------------------------------------------------------------------


def test_nothing_is_judged_while_the_trust_store_is_unknown() -> None:
    for chain in [(self_signed(),), (leaf(),), (expired_leaf(), issuing())]:
        assert lint(cucm(*chain), None) == []


def test_an_empty_trust_store_trusts_nothing() -> None:
    options = CheckOptions(now=NOW, trust_store=())
    result = linting.lint(cucm(leaf(), issuing()), plugin_manager.catalog(), trust.RULES, options)
    assert [f.rule for f in result.findings] == ["CC401"]


def test_the_configured_name_is_the_name_rules_business() -> None:
    # Configured by IP: CC102 says so; the chain itself is trusted, so no CC401 repeats it.
    dep = cucm(leaf(), issuing())
    renamed = deployment(
        cluster(
            "cucm",
            "cucm",
            "9.1.2.10000-28",
            [node("10.0.0.11", tomcat_chain("10.0.0.11", leaf(), issuing()))],
        )
    )
    assert lint(dep, [root()], [*names.RULES, *trust.RULES]) == []
    assert [f.rule for f in lint(renamed, [root()], [*names.RULES, *trust.RULES])] == ["CC102"]


def test_a_leaf_without_subject_alt_name_has_its_chain_verified_without_a_name() -> None:
    cn_only = pki.server(FQDN, issuer=issuing())
    # The server verifier refuses any leaf without a SAN; Jabber falls back to the CN, and CC106
    # already warns about that, so the trust rules judge the chain alone and find it complete.
    assert not verifier_trusts([cn_only, issuing()], [root()])
    found = lint(cucm(cn_only, issuing()), [root()], [*names.RULES, *trust.RULES])
    assert [f.rule for f in found] == ["CC106"]
    # ... and a broken chain is still found.
    assert [f.rule for f in lint(cucm(cn_only, issuing()), [other_root()])] == ["CC401"]


def test_a_wildcard_leaf_is_verified_for_a_name_under_it() -> None:
    wildcard = pki.server("*.example.com", dns=["*.example.com"], issuer=issuing())
    assert verifier_trusts([wildcard, issuing()], [root()], name="cucm1.example.com")
    assert lint(cucm(wildcard, issuing()), [root()]) == []


# --- one finding per chain --------------------------------------------------------------------


def imp_pointing_at_cucm1() -> Node:
    return node(
        "imp1.example.com",
        tomcat_chain(
            "imp1.example.com",
            pki.server("imp1.example.com", dns=["imp1.example.com"], issuer=issuing()),
            issuing(),
        ),
    )


def test_one_finding_per_chain_naming_every_reference_that_meets_it() -> None:
    imp = cluster("imp", "imp", "9.1.1", [imp_pointing_at_cucm1()], Setting("imp9.tftp-primary", FQDN))
    dep = Deployment((*cucm(leaf(), issuing()).clusters, imp))
    findings = lint(dep, [other_root()])
    cc401 = [f for f in findings if f.node == FQDN]
    assert len(cc401) == 1
    assert (
        "(met by Node name cucm1.example.com and Primary TFTP Server cucm1.example.com in imp)"
        in cc401[0].message
    )
    assert [v for k, v in cc401[0].evidence if k == "met by"] == [
        "Node name cucm1.example.com",
        "Primary TFTP Server cucm1.example.com in imp",
    ]
    assert cc401[0].cluster == "cucm"
    # imp1's own chain shares the missing root: its own finding, apart.
    assert {f.node for f in findings} == {FQDN, "imp1.example.com"}
    assert len({f.fingerprint for f in findings}) == 2


def test_xmpp_domain_chains_with_only_xmpp_addr_are_verified_chain_only() -> None:
    xmpp_leaf = pki.server("imp1.example.com", xmpp_addr=[DOMAIN], issuer=issuing())
    imp1 = node(
        "imp1.example.com",
        tomcat_chain(
            "imp1.example.com",
            pki.server("imp1.example.com", dns=["imp1.example.com"], issuer=issuing()),
            issuing(),
        ),
        Endpoint(
            "cup-xmpp", "xmpp-client", "imp1.example.com", 5222, DOMAIN, (parse(xmpp_leaf), parse(issuing()))
        ),
    )
    dep = deployment(cluster("imp", "imp", "9.1.1", [imp1], Setting("imp9.xmpp-domain", DOMAIN)))
    assert lint(dep, [root()]) == []
    missing = [f for f in lint(dep, [other_root()]) if f.subject == "imp1.example.com cup-xmpp"]
    finding = one(missing, "CC401")
    assert "the cup-xmpp certificate of imp1.example.com" in finding.message
    assert "chain only" in dict(finding.evidence)["verifier"]
    assert finding.fix is not None
    assert finding.fix.where.startswith("the Jabber clients: Group Policy for Windows")


# --- documentation ----------------------------------------------------------------------------


@pytest.mark.parametrize("rule", trust.RULES, ids=[r.code for r in trust.RULES])
def test_each_rule_is_documented_in_the_four_sections(rule: Rule) -> None:
    assert rule.code.startswith("CC4")
    assert rule.summary.endswith(".")
    for heading in SECTIONS:
        assert rule.sections.get(heading), f"{rule.code} lacks '## {heading}'"


def test_an_unsent_intermediate_is_found_among_the_certificates_met_elsewhere_each_kept_once() -> None:
    # a deployment of thousands of clusters meets its issuing CA in thousands of chains: it is kept
    # once, found by its subject, and a namesake with another key is not taken for it
    namesake = pki.ca("Corp Issuing CA", issuer=root())
    known = trust.Known([parse(namesake)] * 3 + [parse(issuing())] * 500 + [parse(other_root())])
    subject = x509.load_pem_x509_certificate(issuing().pem.encode()).subject
    assert len(known.named(subject)) == 2  # the issuing CA and its namesake, each once
    verdict = trust.assess([parse(leaf())], [parse(root())], NOW, known)
    assert [g.kind for g in verdict.gaps] == ["not-sent"]
    assert verdict.path == (
        "cucm1.example.com (leaf) → Corp Issuing CA (not sent) → Corp Root CA (in the trust store)"
    )


def test_a_certificate_met_elsewhere_is_found_by_the_name_cryptography_compares_and_only_by_it() -> None:
    """The certificates met elsewhere are indexed by their attributes, none of them loaded: a name is
    found whatever the order of a multi-valued RDN's attributes (cryptography's Name compares them as a
    set), and never a certificate with the same attributes in other RDNs."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    from confcheck import certs

    def made(subject: x509.Name) -> str:
        key = ec.generate_private_key(ec.SECP256R1())
        built = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW - timedelta(days=1))
            .not_valid_after(NOW + timedelta(days=30))
            .sign(key, hashes.SHA256())
        )
        return built.public_bytes(serialization.Encoding.PEM).decode()

    cn = x509.NameAttribute(NameOID.COMMON_NAME, "Corp CA")
    org = x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Corp")
    one_rdn = x509.Name([x509.RelativeDistinguishedName([cn, org])])
    two_rdns = x509.Name([x509.RelativeDistinguishedName([cn]), x509.RelativeDistinguishedName([org])])
    reordered = x509.Name([x509.RelativeDistinguishedName([org, cn])])
    assert reordered == one_rdn
    assert reordered.rfc4514_string() != one_rdn.rfc4514_string()  # its text is another
    met = [certs.from_pem(made(name)) for name in (x509.Name([org]), two_rdns, one_rdn)]
    for name, found in (
        (reordered, [one_rdn]),
        (one_rdn, [one_rdn]),
        (two_rdns, [two_rdns]),
        (x509.Name([cn]), []),
    ):
        assert [c.subject for c in trust.Known(met).named(name)] == found
