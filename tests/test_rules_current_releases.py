"""Certificates of current releases, checked: ECDSA twins, SIP OAuth ports, multi-server (SAN)
certificates, extended key usage, and a restart not yet made. Real certificates made by confcheck.pki."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import jsonschema
from conftest import Run
from helpers import root_ca

from confcheck import certs, lint, pki, plan, plugin_manager, renewal
from confcheck.certs import Certificate
from confcheck.discovery_model import Discovery
from confcheck.engine import CheckOptions, Context, meets
from confcheck.findings import Finding, Phase, Renewal
from confcheck.model import (
    NOT_OFFERED,
    NOT_OPEN,
    Cluster,
    Deployment,
    Endpoint,
    EndpointError,
    Node,
    Setting,
)
from confcheck.reports import json as json_report
from confcheck.rules.certificates import RULES as CERTIFICATE_RULES

ROOT = Path(__file__).parents[1]
REPORT_SCHEMA = json.loads((ROOT / "confcheck" / "schemas" / "report.schema.json").read_text())

NOW = datetime.now(timezone.utc)
DOMAIN = "example.com"
RELEASE = "15.0.1.12900-234"


def parse(issued: pki.Issued) -> Certificate:
    return certs.load(issued.pem.encode(), "test")[0]


@functools.cache
def rsa_key() -> pki.PrivateKey:
    return pki.new_key("rsa")


def leaf(host: str, *, rsa: bool = False, self_signed: bool = False, **kwargs: Any) -> Certificate:
    """A certificate for ``host``.example.com: EC unless ``rsa``, CA-signed unless ``self_signed``."""
    fqdn = f"{host}.{DOMAIN}"
    kwargs.setdefault("dns", [fqdn])
    key = rsa_key() if rsa else None
    return parse(pki.server(fqdn, issuer=None if self_signed else root_ca(), key=key, **kwargs))


def ms(*hosts: str, publisher: str = "cucm1", **kwargs: Any) -> Certificate:
    """A multi-server certificate requested on ``publisher`` naming ``hosts``."""
    nodes = [f"{h}.{DOMAIN}" for h in hosts]
    return parse(pki.multi_server(f"{publisher}.{DOMAIN}", nodes, issuer=root_ca(), key=rsa_key(), **kwargs))


def ep(
    purpose: str, cert: Certificate | None, port: int = 8443, protocol: str = "https", error: str = ""
) -> Endpoint:
    failed = EndpointError(error, f"{error} at {port}") if error else None
    return Endpoint(purpose, protocol, "10.0.0.1", port, chain=(cert,) if cert else (), error=failed)


def sip(cert: Certificate | None, port: int = 5090, error: str = "") -> Endpoint:
    return ep("tomcat", cert, port, "tls", error)


def cnode(host: str, *endpoints: Endpoint) -> Node:
    return Node(f"{host}.{DOMAIN}", "subscriber", host, DOMAIN, ("10.0.0.1",), tuple(endpoints))


def cucm(*nodes: Node, version: str = RELEASE, name: str = "dc-cucm") -> Cluster:
    first = nodes[0]
    return Cluster(name, "cucm", version, (replace(first, role="publisher"), *nodes[1:]))


def impc(*nodes: Node, version: str = RELEASE) -> Cluster:
    first = nodes[0]
    return Cluster(
        "dc-imp",
        "imp",
        version,
        (replace(first, role="publisher"), *nodes[1:]),
        (Setting("imp9.xmpp-domain", DOMAIN),),
    )


def deployment(*clusters: Cluster) -> Deployment:
    return Deployment(clusters=clusters, collected_at=NOW)


def run(d: Deployment, rules: Iterable[Any] | None = None, **options: Any) -> list[Finding]:
    chosen = list(rules) if rules is not None else plugin_manager.rules()
    return list(lint.lint(d, plugin_manager.catalog(), chosen, CheckOptions(now=NOW, **options)).findings)


def of(findings: list[Finding], code: str) -> list[Finding]:
    return [f for f in findings if f.rule == code]


def one(findings: list[Finding], code: str) -> Finding:
    found = of(findings, code)
    assert len(found) == 1, [(f.rule, f.message) for f in findings]
    return found[0]


def context(d: Deployment) -> Context:
    return Context(d, plugin_manager.catalog(), CheckOptions(now=NOW))


# --- which certificates a reference meets ----------------------------------------------------------


def test_a_reference_meets_the_twin_when_it_differs_and_never_the_sip_oauth_ports() -> None:
    rsa, twin, old = leaf("cucm1", rsa=True), leaf("cucm1"), leaf("cucm1", days=800)
    node = cnode("cucm1", ep("tomcat", rsa), ep("tomcat-ECDSA", twin), sip(rsa), sip(old, 5091))
    assert meets(node, "tomcat") == [node.endpoints[0], node.endpoints[1]]
    same = cnode("cucm1", ep("tomcat", twin), ep("tomcat-ECDSA", twin))
    assert meets(same, "tomcat") == [same.endpoints[0]]
    unseen = cnode("cucm1", ep("tomcat", rsa), ep("tomcat-ECDSA", None, error=NOT_OFFERED))
    assert meets(unseen, "tomcat") == [unseen.endpoints[0]]
    assert meets(cnode("cucm1"), "tomcat") == [None]


def test_a_twin_that_does_not_name_the_node_is_cc101_with_a_reissue_of_the_twin_only() -> None:
    rsa = leaf("cucm1", rsa=True)
    twin = leaf("cucm1", dns=["other.example.com"])
    d = deployment(cucm(cnode("cucm1", ep("tomcat", rsa), ep("tomcat-ECDSA", twin))))
    found = run(d)
    finding = one(found, "CC101")
    assert "is not in its tomcat-ECDSA certificate" in finding.message
    assert finding.fix is not None
    assert [r.purpose for r in finding.fix.renewals] == ["tomcat-ECDSA"]
    assert finding.fix.renewals[0].names[-1] == "cucm1.example.com"
    assert not of(found, "CC102")
    assert not of(found, "CC103")
    assert (
        finding.subject == "cucm1.example.com tomcat-ECDSA 8443"
    )  # its own fingerprint beside the RSA one's


def test_a_twin_follows_the_rename_the_rsa_certificate_asks_for() -> None:
    """The node is configured by address; the RSA certificate names the FQDN: CC102 proposes it. A twin
    naming the FQDN too says nothing more; a twin that does not is reissued with the FQDN, not the address."""
    rsa = leaf("cucm1", rsa=True)
    configured = Node("10.0.0.11", "publisher", "cucm1", DOMAIN, ("10.0.0.11",))
    with_fqdn = Node(
        **{**_fields(configured), "endpoints": (ep("tomcat", rsa), ep("tomcat-ECDSA", leaf("cucm1")))}
    )
    found = run(deployment(Cluster("c", "cucm", RELEASE, (with_fqdn,))))
    assert one(found, "CC102").fix is not None
    assert not of(found, "CC101")
    odd = leaf("cucm1", dns=["cucm1-old.example.com"])
    without = Node(**{**_fields(configured), "endpoints": (ep("tomcat", rsa), ep("tomcat-ECDSA", odd))})
    found = run(deployment(Cluster("c", "cucm", RELEASE, (without,))))
    assert one(found, "CC102").fix is not None
    twin = one(found, "CC101")
    assert twin.message.endswith(
        "is to become cucm1.example.com, which its tomcat-ECDSA certificate does not name either: clients "
        "that get this certificate would still prompt."
    )
    refused = run(refusing(deployment(Cluster("c", "cucm", RELEASE, (without,))), "RejectAndNotify"))
    assert one(refused, "CC101").message.endswith(
        ": clients that get this certificate would still refuse to connect."
    )
    assert twin.fix is not None
    assert twin.fix.renewals[0].purpose == "tomcat-ECDSA"
    assert "10.0.0.11" not in twin.fix.renewals[0].names
    assert "cucm1.example.com" in twin.fix.renewals[0].names


def _fields(node: Node) -> dict[str, Any]:
    return {f: getattr(node, f) for f in ("name", "role", "hostname", "domain", "addresses", "endpoints")}


def test_a_cup_xmpp_twin_without_the_xmpp_domain_is_cc104_renewing_the_twin() -> None:
    xmpp = leaf("imp1", rsa=True, dns=["imp1.example.com", DOMAIN], xmpp_addr=[DOMAIN])
    twin = leaf("imp1")
    node = cnode(
        "imp1",
        ep("tomcat", leaf("imp1", rsa=True)),
        ep("cup-xmpp", xmpp, 5222, "xmpp-client"),
        ep("cup-xmpp-ECDSA", twin, 5222, "xmpp-client"),
    )
    finding = one(run(deployment(impc(node))), "CC104")
    assert "cup-xmpp-ECDSA certificate of imp1.example.com" in finding.message
    assert finding.fix is not None
    [successor] = finding.fix.renewals
    assert (successor.purpose, successor.trust_store, successor.automatic) == (
        "cup-xmpp-ECDSA",
        "cup-xmpp-trust",
        (DOMAIN,),
    )


def test_one_certificate_met_by_both_probes_is_judged_once() -> None:
    """A server without an RSA certificate: the RSA probe fell back, both probes met the same one."""
    same = leaf("cucm1", self_signed=True)
    found = run(deployment(cucm(cnode("cucm1", ep("tomcat", same), ep("tomcat-ECDSA", same)))))
    assert len(of(found, "CC303")) == 1
    assert of(found, "CC303")[0].instance == "tomcat"
    assert not of(found, "CC312")


def test_closed_ports_and_twins_not_offered_leave_the_audit_complete() -> None:
    node = cnode(
        "cucm1",
        ep("tomcat", leaf("cucm1", rsa=True)),
        ep("tomcat-ECDSA", None, error=NOT_OFFERED),
        sip(None, error=NOT_OPEN),
    )
    ctx = context(deployment(cucm(node)))
    assert not ctx.incomplete
    assert run(deployment(cucm(node))) == []
    timed_out = cnode("cucm1", ep("tomcat", leaf("cucm1", rsa=True)), sip(None, error="timeout"))
    assert context(deployment(cucm(timed_out))).incomplete  # a port that did not answer was not read


# --- CC312 self-signed ECDSA twin --------------------------------------------------------------------


def test_cc312_a_self_signed_twin_beside_a_ca_signed_rsa_certificate() -> None:
    twin = leaf("cucm1", self_signed=True)
    node = cnode("cucm1", ep("tomcat", leaf("cucm1", rsa=True)), ep("tomcat-ECDSA", twin))
    finding = one(run(deployment(cucm(node)), CERTIFICATE_RULES, trust_store=(parse(root_ca()),)), "CC312")
    assert finding.instance == "tomcat-ECDSA"
    assert "serves a self-signed tomcat-ECDSA certificate to clients that negotiate ECDSA" in finding.message
    assert "does not hold it: those clients prompt" in finding.message
    assert finding.fix is not None
    [successor] = finding.fix.renewals
    assert successor.request
    assert successor.signer == "confcheck Test Root CA"
    assert successor.trust_store == "tomcat-trust"
    assert any("HTTPS Ciphers" in s for s in finding.fix.steps)


def test_cc312_silent_when_both_are_self_signed_or_the_twin_is_not_served() -> None:
    both = cnode(
        "cucm1",
        ep("tomcat", leaf("cucm1", rsa=True, self_signed=True)),
        ep("tomcat-ECDSA", leaf("cucm1", self_signed=True)),
    )
    unseen = cnode(
        "cucm1", ep("tomcat", leaf("cucm1", rsa=True)), ep("tomcat-ECDSA", None, error=NOT_OFFERED)
    )
    for node in (both, unseen):
        assert of(run(deployment(cucm(node)), CERTIFICATE_RULES), "CC312") == []


def test_cc312_and_the_method_3_advice_on_the_twin_are_one_step_in_the_plan() -> None:
    node = cnode(
        "cucm1", ep("tomcat", leaf("cucm1", rsa=True)), ep("tomcat-ECDSA", leaf("cucm1", self_signed=True))
    )
    found = run(deployment(cucm(node)))
    assert {"CC303", "CC312"} <= {f.rule for f in found}
    steps = [s for s in plan.build(found).steps if s.fix and s.fix.renewals]
    assert [s.fix.renewals[0].certificate for s in steps if s.fix] == [
        "the tomcat-ECDSA certificate of cucm1.example.com"
    ]


# --- CC313 multi-server certificates -----------------------------------------------------------------


def test_a_multi_server_certificate_is_shared_by_design_not_cc305_nor_cc311() -> None:
    shared = ms("cucm1", "cucm2")
    found = run(deployment(cucm(cnode("cucm1", ep("tomcat", shared)), cnode("cucm2", ep("tomcat", shared)))))
    assert found == []


def test_a_shared_certificate_without_ms_is_still_cc305() -> None:
    shared = leaf("cucm1", rsa=True, dns=["cucm1.example.com", "cucm2.example.com"])
    found = run(deployment(cucm(cnode("cucm1", ep("tomcat", shared)), cnode("cucm2", ep("tomcat", shared)))))
    assert {"CC305", "CC311"} <= {f.rule for f in found}


def test_cc313_a_node_that_presents_the_certificate_but_is_not_named() -> None:
    shared = ms("cucm1", "cucm2")
    d = deployment(cucm(*(cnode(h, ep("tomcat", shared)) for h in ("cucm1", "cucm2", "cucm3"))))
    found = run(d)
    finding = one(found, "CC313")
    assert finding.cluster == "dc-cucm"
    assert finding.node is None  # about the cluster's certificate, not a node
    assert (
        "multi-server Tomcat certificate cucm1-ms.example.com of dc-cucm does not name cucm3.example.com"
        in finding.message
    )
    assert "cucm3.example.com presents it: clients sent there prompt" in finding.message
    name = one(found, "CC101")
    assert name.value == "cucm3.example.com"
    assert name.fix is not None
    assert name.fix.renewals, "a node is never renamed to another node's name"
    # one certificate, one step: on the publisher, naming every node
    steps = [s for s in plan.build(found).steps if s.fix and s.fix.renewals]
    assert len(steps) == 1
    step = steps[0]
    assert step.fix is not None
    assert {f.rule for f in step.findings} == {"CC101", "CC313"}
    [successor] = step.fix.renewals
    assert successor.certificate == "the multi-server Tomcat certificate cucm1-ms.example.com"
    assert successor.node == "cucm1.example.com"
    assert successor.multi_server == "cucm1-ms.example.com"
    assert {"cucm1.example.com", "cucm2.example.com", "cucm3.example.com"} <= set(successor.names)
    assert step.action.startswith(
        "Renew the multi-server Tomcat certificate cucm1-ms.example.com (on cucm1.example.com"
    )
    csr = [line for line in step.fix.steps if "certificate signing request" in line]
    assert len(csr) == 1
    assert "On cucm1.example.com, the publisher" in csr[0]
    assert "Distribution 'Multi-server (SAN)'" in csr[0]
    assert "not one per node" in csr[0]
    assert (
        "Restart Cisco Tomcat on cucm1.example.com, cucm2.example.com and cucm3.example.com"
        in step.fix.impact
    )


def test_cc313_a_node_of_the_cluster_with_its_own_certificate() -> None:
    shared = ms("cucm1", "cucm2")
    d = deployment(
        cucm(
            cnode("cucm1", ep("tomcat", shared)),
            cnode("cucm2", ep("tomcat", shared)),
            cnode("cucm3", ep("tomcat", leaf("cucm3", rsa=True))),
        )
    )
    found = run(d)
    finding = one(found, "CC313")
    assert "cucm3.example.com presents a certificate of its own" in finding.message
    assert not of(found, "CC101")
    assert ("cucm3.example.com", "not named, presents its own") in finding.evidence


def test_cc313_the_tomcat_certificate_of_cucm_serves_im_and_presence_nodes_too() -> None:
    """Cisco doc 118731: the Tomcat multi-server CSR on the CUCM publisher lists the CUCM and IM and
    Presence nodes. An IM and Presence node presenting it is one of the nodes it serves."""
    shared = ms("cucm1", "imp1")
    d = deployment(
        cucm(cnode("cucm1", ep("tomcat", shared))),
        impc(cnode("imp1", ep("tomcat", shared)), cnode("imp2", ep("tomcat", shared))),
    )
    finding = one(run(d, CERTIFICATE_RULES), "CC313")
    assert finding.cluster == "dc-cucm"
    assert "does not name imp2.example.com" in finding.message
    assert finding.fix is not None
    [successor] = finding.fix.renewals
    assert successor.node == "cucm1.example.com"
    assert {"cucm1.example.com", "imp1.example.com", "imp2.example.com"} <= set(successor.names)


def test_cc313_cup_xmpp_is_requested_on_the_im_and_presence_publisher() -> None:
    shared = ms("imp1", publisher="imp1", xmpp_addr=[DOMAIN])
    d = deployment(
        impc(
            *(
                cnode(h, ep("tomcat", leaf(h, rsa=True)), ep("cup-xmpp", shared, 5222, "xmpp-client"))
                for h in ("imp1", "imp2")
            )
        )
    )
    finding = one(run(d, CERTIFICATE_RULES), "CC313")
    assert finding.instance == "cup-xmpp"
    assert finding.fix is not None
    [successor] = finding.fix.renewals
    assert (successor.node, successor.trust_store) == ("imp1.example.com", "cup-xmpp-trust")


def test_an_expired_multi_server_certificate_is_one_renewal_for_every_node() -> None:
    shared = ms("cucm1", "cucm2", not_before=NOW - timedelta(days=800), days=730)
    found = run(deployment(cucm(cnode("cucm1", ep("tomcat", shared)), cnode("cucm2", ep("tomcat", shared)))))
    assert len(of(found, "CC301")) == 2  # each node presents it
    steps = [s for s in plan.build(found).steps if s.fix and s.fix.renewals]
    assert len(steps) == 1
    assert steps[0].fix is not None
    assert steps[0].fix.renewals[0].multi_server == "cucm1-ms.example.com"


def test_a_self_signed_multi_server_certificate_is_generated_once_on_the_publisher() -> None:
    cert = parse(
        pki.multi_server(
            "cucm1.example.com",
            ["cucm1.example.com", "cucm2.example.com"],
            key=rsa_key(),
            not_before=NOW - timedelta(days=800),
            days=730,
        )
    )
    found = run(deployment(cucm(cnode("cucm1", ep("tomcat", cert)), cnode("cucm2", ep("tomcat", cert)))))
    [step] = [s for s in plan.build(found).steps if s.fix and s.fix.renewals]
    assert step.fix is not None
    assert step.action.startswith(
        "Regenerate the self-signed multi-server Tomcat certificate cucm1-ms.example.com"
    )
    assert step.fix.steps[0].startswith(
        "On cucm1.example.com, the publisher, generate a self-signed tomcat certificate"
    )
    assert not any("certificate signing request" in s for s in step.fix.steps)


# --- CC314 extended key usage ------------------------------------------------------------------------


def test_cc314_tomcat_without_client_authentication() -> None:
    cert = leaf("cucm1", rsa=True, eku=("serverAuth",))
    finding = one(run(deployment(cucm(cnode("cucm1", ep("tomcat", cert)))), CERTIFICATE_RULES), "CC314")
    assert "lacks TLS Web Client Authentication" in finding.message
    assert "(ILS, UDS) fail" in finding.message
    assert finding.fix is not None
    assert finding.fix.renewals[0].demands == ("it lacks TLS Web Client Authentication",)
    assert any("keep both extended key usages" in s for s in finding.fix.steps)


def test_cc314_without_server_authentication_and_on_a_twin() -> None:
    twin = leaf("cucm1", eku=("clientAuth",))
    node = cnode("cucm1", ep("tomcat", leaf("cucm1", rsa=True)), ep("tomcat-ECDSA", twin))
    finding = one(run(deployment(cucm(node)), CERTIFICATE_RULES), "CC314")
    assert finding.instance == "tomcat-ECDSA"
    assert "lacks TLS Web Server Authentication" in finding.message
    assert "refuse it for a server" in finding.message


def test_cc314_silent_for_both_usages_any_usage_no_extension_old_releases_and_other_servers() -> None:
    cases = [
        leaf("cucm1", rsa=True),
        leaf("cucm1", rsa=True, eku=("serverAuth", "clientAuth", "ipsecEndSystem")),
        leaf("cucm1", rsa=True, eku=None),
    ]
    for cert in cases:
        assert of(run(deployment(cucm(cnode("cucm1", ep("tomcat", cert)))), CERTIFICATE_RULES), "CC314") == []
    narrow = leaf("cucm1", rsa=True, eku=("serverAuth",))
    old = cucm(cnode("cucm1", ep("tomcat", narrow)), version="9.1.2.10000-28")
    assert of(run(deployment(old), CERTIFICATE_RULES), "CC314") == []
    mail = Node("mail.example.com", endpoints=(ep("mailstore", narrow, 993, "imaps"),))
    assert of(run(Deployment(externals=(mail,), collected_at=NOW), CERTIFICATE_RULES), "CC314") == []


def test_the_extended_key_usage_is_read_from_the_certificate() -> None:
    assert leaf("cucm1").extended_key_usage == ("serverAuth", "clientAuth")
    assert leaf("cucm1", eku=None).extended_key_usage is None
    ipsec = leaf("cucm1", eku=("serverAuth", "clientAuth", "ipsecEndSystem"))
    assert ipsec.extended_key_usage == ("serverAuth", "clientAuth", "ipsecEndSystem")


# --- CC315 restart pending ---------------------------------------------------------------------------


def test_cc315_an_older_certificate_on_the_sip_oauth_ports_is_a_callmanager_restart() -> None:
    current = leaf("cucm1", rsa=True)
    before = leaf("cucm1", rsa=True, not_before=NOW - timedelta(days=700), days=730)
    node = cnode("cucm1", ep("tomcat", current), sip(before), sip(before, 5091))
    found = run(deployment(cucm(node)))
    finding = one(found, "CC315")
    assert (
        "SIP OAuth ports 5090 and 5091 present an older Tomcat certificate than Tomcat presents on port 8443"
        in finding.message
    )
    assert "Cisco CallManager has not been restarted" in finding.message
    assert finding.fix is not None
    assert finding.fix.action.startswith("Restart Cisco CallManager on cucm1.example.com")
    assert finding.fix.where == "Cisco Unified Serviceability > Tools > Control Center - Feature Services"
    assert finding.fix.renewals == ()
    assert not of(found, "CC301")
    assert not of(found, "CC302")
    assert "does not name" not in finding.message
    nameless = leaf("other", rsa=True, not_before=NOW - timedelta(days=700), days=730)
    found = run(deployment(cucm(cnode("cucm1", ep("tomcat", current), sip(nameless)))))
    assert (
        "Until then, clients meet a certificate there that does not name cucm1.example.com"
        in one(found, "CC315").message
    )
    assert not of(found, "CC101")  # the restart is the fix, not a rename or a new certificate


def test_cc315_a_newer_certificate_on_the_sip_oauth_port_is_a_tomcat_restart() -> None:
    current = leaf("cucm1", rsa=True)
    older = leaf("cucm1", rsa=True, not_before=NOW - timedelta(days=700), days=730)
    finding = one(
        run(deployment(cucm(cnode("cucm1", ep("tomcat", older), sip(current)))), CERTIFICATE_RULES), "CC315"
    )
    assert "Cisco Tomcat has not been restarted" in finding.message
    assert finding.fix is not None
    assert finding.fix.field == "utils service restart Cisco Tomcat"


def refusing(d: Deployment, *behaviors: str | None) -> Deployment:
    """``d`` with a ``[[jabber]]`` entry per InvalidCertificateBehavior in ``behaviors``."""
    entries = tuple(
        Discovery(f"jabber-{n}", f"d{n}.example.com", (), None, (), (), None, None, (), behavior)
        for n, behavior in enumerate(behaviors)
    )
    return replace(d, discovery=entries)


def test_what_the_clients_do_follows_invalid_certificate_behavior_in_cc312_cc313_and_cc315() -> None:
    twin = cnode(
        "cucm1", ep("tomcat", leaf("cucm1", rsa=True)), ep("tomcat-ECDSA", leaf("cucm1", self_signed=True))
    )
    shared = ms("cucm1", "cucm2")
    multi = [cnode(h, ep("tomcat", shared)) for h in ("cucm1", "cucm2", "cucm3")]
    older = leaf("cucm1", rsa=True, not_before=NOW - timedelta(days=700), days=730)
    restart = cnode("cucm1", ep("tomcat", older), sip(leaf("other", rsa=True)))
    store = (parse(root_ca()),)
    said = {
        "CC312": ("those clients prompt.", "those clients refuse to connect."),
        "CC313": ("clients sent there prompt", "clients sent there refuse to connect"),
        "CC315": (
            "after the restart, port 8443 prompts too.",
            "after the restart, the clients refuse port 8443 too.",
        ),
    }
    for behaviors, expected in (
        ((), 0),
        (("PromptPerSession", None), 0),
        (("RejectAndNotify",), 1),
        (("RejectAndNotify", "PromptPerSession"), None),
    ):
        for node_list, rule in (([twin], "CC312"), (multi, "CC313"), ([restart], "CC315")):
            d = refusing(deployment(cucm(*node_list)), *behaviors)
            message = one(run(d, CERTIFICATE_RULES, trust_store=store), rule).message
            prompting, refusing_words = said[rule]
            if expected is None:
                assert "(or, under RejectAndNotify, " in message, message
            else:
                assert (refusing_words if expected else prompting) in message, message
                assert "RejectAndNotify" not in message


def test_cc315_silent_when_the_ports_present_tomcats_certificates_or_are_closed() -> None:
    rsa, twin = leaf("cucm1", rsa=True), leaf("cucm1")
    node = cnode("cucm1", ep("tomcat", rsa), ep("tomcat-ECDSA", twin), sip(rsa), sip(twin, 5091))
    closed = cnode("cucm1", ep("tomcat", rsa), sip(None, error=NOT_OPEN), sip(None, 5091, NOT_OPEN))
    for each in (node, closed):
        assert of(run(deployment(cucm(each)), CERTIFICATE_RULES), "CC315") == []


def test_a_tomcat_renewal_on_a_sip_oauth_node_says_to_restart_callmanager() -> None:
    expired = leaf("cucm1", rsa=True, not_before=NOW - timedelta(days=800), days=730)
    finding = one(
        run(deployment(cucm(cnode("cucm1", ep("tomcat", expired), sip(expired)))), CERTIFICATE_RULES), "CC301"
    )
    assert finding.fix is not None
    assert "Restart Cisco CallManager there too" in finding.fix.impact
    plain = one(run(deployment(cucm(cnode("cucm1", ep("tomcat", expired))))), "CC301")
    assert plain.fix is not None
    assert "CallManager" not in plain.fix.impact


# --- renewals -----------------------------------------------------------------------------------


def test_merging_keeps_the_multi_server_cn() -> None:
    base = renewal.merge(
        [
            _renewal(multi_server=None),
            _renewal(multi_server="cucm1-ms.example.com", names=("cucm1.example.com",)),
        ]
    )
    assert base.multi_server == "cucm1-ms.example.com"
    assert not renewal.requests(
        _renewal(multi_server="cucm1-ms.example.com", self_signed=True, names=("x.example.com",))
    )


def _renewal(**fields: Any) -> Renewal:
    values: dict[str, Any] = {
        "certificate": "the multi-server Tomcat certificate cucm1-ms.example.com",
        "node": "cucm1.example.com",
        "label": "cucm1.example.com",
        "purpose": "tomcat",
        "cluster": "c",
        "where": "w",
        "impact": "i",
        "trust_store": "tomcat-trust",
        "regenerate": "CLI: set cert regen tomcat",
    }
    return Renewal(**(values | fields))


def test_every_finding_of_the_family_has_a_complete_fix_and_its_own_fingerprint() -> None:
    shared = ms("cucm1", "cucm2")
    before = leaf("cucm2", rsa=True, not_before=NOW - timedelta(days=700), days=730)
    d = deployment(
        cucm(
            cnode("cucm1", ep("tomcat", shared), ep("tomcat-ECDSA", leaf("cucm1", self_signed=True))),
            cnode("cucm2", ep("tomcat", shared), ep("tomcat-ECDSA", leaf("cucm2")), sip(before)),
            cnode("cucm3", ep("tomcat", shared), ep("tomcat-ECDSA", leaf("cucm3", eku=("serverAuth",)))),
        )
    )
    found = [f for f in run(d, CERTIFICATE_RULES) if f.rule in ("CC312", "CC313", "CC314", "CC315")]
    assert {f.rule for f in found} == {"CC312", "CC313", "CC314", "CC315"}
    for finding in found:
        assert finding.fix is not None
        assert finding.fix.phase is Phase.CERTIFICATES
        assert finding.fix.where, finding.rule
        assert finding.fix.action, finding.rule
        assert finding.fix.impact, finding.rule
    assert len({f.fingerprint for f in found}) == len(found)


def test_a_multi_server_renewal_survives_the_json_report(confcheck: Callable[..., Run]) -> None:
    """The report schema knows the field, and a report read back (``confcheck report``) keeps it."""
    example = str(ROOT / "examples" / "current-releases-snapshot.json")
    result = confcheck("lint", example, "--format", "json", "--at", "2026-12-01")
    report = json.loads(result.out)
    jsonschema.validate(report, REPORT_SCHEMA, cls=jsonschema.Draft202012Validator)
    shared = [
        r for f in report["findings"] for r in (f["fix"] or {}).get("renewals", []) if r["multi_server"]
    ]
    assert {r["multi_server"] for r in shared} == {"cucm1-ms.acme.example"}
    back = json_report.read(report, "report.json")
    renewals = [r for f in back.findings if f.fix for r in f.fix.renewals if r.multi_server]
    assert {r.multi_server for r in renewals} == {"cucm1-ms.acme.example"}


def test_an_old_self_signed_certificate_on_a_sip_oauth_port_is_a_restart_not_a_chain_to_mend() -> None:
    current = leaf("cucm1", rsa=True)
    before = leaf("cucm1", rsa=True, self_signed=True, not_before=NOW - timedelta(days=700), days=730)
    found = run(
        deployment(cucm(cnode("cucm1", ep("tomcat", current), sip(before)))), trust_store=(parse(root_ca()),)
    )
    assert {f.rule for f in found} == {"CC315"}
    untrusted_twin = cnode(
        "cucm1", ep("tomcat", current), ep("tomcat-ECDSA", leaf("cucm1", self_signed=True))
    )
    found = run(deployment(cucm(untrusted_twin)), trust_store=(parse(root_ca()),))
    assert "CC401" in {f.rule for f in found}  # a twin clients may negotiate is judged like any chain
