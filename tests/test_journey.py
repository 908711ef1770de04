"""The journey and its rules, on snapshots built in a few lines: platforms, Table 1, Expressway, DNS views."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from helpers import cert, cluster, node, root_ca, tomcat, xmpp

from confcheck import certs, journey, journey_command, pki, plugin_manager, snapshot
from confcheck.discovery_model import Client, Discovery, DnsView, Fetch
from confcheck.engine import CheckOptions, Context
from confcheck.findings import Finding
from confcheck.journey import Hop, Journey
from confcheck.lint import lint
from confcheck.model import Cluster, Deployment, DnsRecord, Endpoint, EndpointError, Setting
from confcheck.platforms import validates
from confcheck.snapshot import SnapshotError
from confcheck.verdict import Options, judge

DOMAIN = "example.com"


def srv(service: str, *targets: str, domain: str = DOMAIN) -> DnsRecord:
    name = f"{service}.{domain}"
    if not targets:
        return DnsRecord(name, "SRV", (), "NXDOMAIN: the name does not exist")
    return DnsRecord(name, "SRV", tuple(f"0 10 8443 {t}" for t in targets))


def edge_endpoint(host: str, leaf: Any) -> Endpoint:
    return Endpoint("expressway", "https", host, 8443, chain=(leaf,))


def build(
    *,
    cucm_name: str = "cucm1.example.com",
    cucm_cert: Any = None,
    edge_cert: Any = None,
    external: tuple[DnsRecord, ...] | None = (srv("_collab-edge._tls", "expe1.example.com"),),
    internal: tuple[DnsRecord, ...] = (srv("_cisco-uds._tcp", "cucm1.example.com"),),
    clients: tuple[Client, ...] = (),
    fetches: tuple[Fetch, ...] = (),
    core_settings: tuple[Setting, ...] = (Setting("expressway-c.unified-cm", "cucm1.example.com"),),
    tls_verify: str = "true",
    behavior: str | None = None,
) -> Deployment:
    leaf = cucm_cert or cert("cucm1.example.com", dns=["cucm1.example.com"])
    edge = edge_cert or cert("expe1.example.com", dns=["expe1.example.com", f"collab-edge.{DOMAIN}", DOMAIN])
    cucm = cluster(
        "hq-cucm",
        "cucm",
        "14.0.1",
        [node(cucm_name, tomcat(cucm_name, leaf), hostname="cucm1", domain=DOMAIN, addresses=["10.0.0.11"])],
    )
    expe = cluster(
        "edge",
        "expressway-e",
        "X15.0.1",
        [node("expe1.example.com", edge_endpoint("expe1.example.com", edge))],
    )
    core = Cluster(
        "core",
        "expressway-c",
        "X15.0.1",
        (
            node(
                "expc1.example.com",
                edge_endpoint("expc1.example.com", cert("expc1.example.com", dns=["expc1.example.com"])),
            ),
        ),
        core_settings,
        (("tls_verify", tls_verify),),
    )
    jabber = Cluster("jabber-example.com", "jabber", "14.1")
    views = [DnsView("internal", "10.0.0.53:53", internal)]
    if external is not None:
        views.append(DnsView("external", "192.0.2.53:53", external))
    discovery = Discovery(
        "jabber-example.com",
        DOMAIN,
        (DOMAIN,),
        "hq-cucm",
        tuple(views),
        fetches,
        None,
        None,
        clients,
        behavior,
    )
    return Deployment((cucm, expe, core, jabber), discovery=(discovery,))


def run(deployment: Deployment, options: CheckOptions | None = None) -> tuple[Journey, tuple[Finding, ...]]:
    report = judge(deployment, Options(fail_on="never", check=options or CheckOptions()), "test")
    (found,) = report.journeys
    return found, report.findings


def hops(found: Journey, side: str, kind: str) -> list[Hop]:
    return [h for p in found.paths if p.side == side for h in p.hops() if h.kind == kind]


def verdicts(hop: Hop) -> dict[str, str]:
    return {o.platform: o.verdict for o in hop.outcomes}


# --- Table 1 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("platform", "version", "validating"),
    [
        ("mac", "9.1.9", False),
        ("mac", "9.2", True),
        ("windows", "9.2.4", False),
        ("windows", "9.2.5", True),
        ("iphone", "9.5", True),  # the extra iPhone 9.5 row of Table 1
        ("ipad", "9.5", False),
        ("ipad", "9.6", True),
        ("android", "9.5.1", False),
        ("android", "9.6", True),
        ("android", None, True),
    ],
)
def test_table_1_first_validating_releases(platform: str, version: str | None, validating: bool) -> None:
    assert validates(Client(platform, version)) is validating


def test_a_client_older_than_table_1_never_prompts_and_the_journey_says_so() -> None:
    wrong = cert("other.example.com", dns=["other.example.com"])
    found, _ = run(build(cucm_cert=wrong, clients=(Client("windows", "14.1"), Client("android", "9.5"))))
    (uds,) = hops(found, "inside", "uds")
    assert verdicts(uds) == {"windows": "prompt", "android": "silent"}
    assert any("predates certificate validation" in n for n in found.notes)
    (inside, _) = found.paths
    assert {c.platform: t for c, t in found.summary(inside)}["android"].startswith("never prompts")


# --- platforms and their stores ----------------------------------------------------------------------


def test_each_platform_is_judged_by_its_own_store() -> None:
    public = pki.ca("Public Test CA")
    edge = certs.load(
        pki.server("expe1.example.com", dns=["expe1.example.com", DOMAIN], issuer=public).pem.encode(), "t"
    )[0]
    root = certs.load(root_ca().pem.encode(), "root")[0]
    ours = certs.load(public.pem.encode(), "public")[0]
    options = CheckOptions(
        platform_stores=(("windows", (root, ours)), ("macos", (root,))), trust_store=(root, ours)
    )
    found, findings = run(
        build(edge_cert=edge, clients=(Client("windows"), Client("mac"), Client("iphone"))), options
    )
    (expe,) = hops(found, "outside", "expressway-e")
    # iPhone has no store of its own: it judges by [check] trust_store, which holds the public CA
    assert verdicts(expe) == {"windows": "ok", "mac": "prompt", "iphone": "ok"}
    assert "macOS keychain" in next(o.reason for o in expe.outcomes if o.platform == "mac")
    (cc403,) = [f for f in findings if f.rule == "CC403"]
    assert cc403.message.startswith("Jabber for Mac ")
    assert cc403 in expe.findings
    assert cc403.fix is not None
    assert "Public Test CA" in cc403.fix.action  # CC401's remedy for the gap: the same words


def test_windows_trusts_a_server_certificate_in_enterprise_trust_but_not_a_ca_put_there() -> None:
    self_signed = cert("cucm1.example.com", dns=["cucm1.example.com"], self_signed=True)
    root = certs.load(root_ca().pem.encode(), "root")[0]
    pushed = CheckOptions(
        platform_stores=(("windows", ()), ("windows_enterprise", (self_signed,)), ("macos", (root,)))
    )
    found, _ = run(build(cucm_cert=self_signed, clients=(Client("windows"), Client("mac"))), pushed)
    (uds,) = hops(found, "inside", "uds")
    assert verdicts(uds) == {"windows": "ok", "mac": "prompt"}
    ca_signed = cert("cucm1.example.com", dns=["cucm1.example.com"])
    misplaced = CheckOptions(platform_stores=(("windows", ()), ("windows_enterprise", (root,))))
    found, _ = run(build(cucm_cert=ca_signed, clients=(Client("windows"),)), misplaced)
    (uds,) = hops(found, "inside", "uds")
    assert verdicts(uds) == {"windows": "prompt"}  # a root in Enterprise Trust anchors nothing (modelled)


def test_apples_rules_make_mac_iphone_and_ipad_prompt_although_their_store_anchors_the_chain() -> None:
    """CC316's certificate as the journey sees it: trusted on Windows; refused on Apple's platforms even
    where their store holds the root, and where no store is given (which is otherwise 'unknown'); not
    refused where the store holds the certificate itself (Apple does not limit its validity)."""
    five_years = certs.load(
        pki.server("cucm1.example.com", dns=["cucm1.example.com"], issuer=root_ca(), days=1826).pem.encode(),
        "t",
    )[0]
    root = certs.load(root_ca().pem.encode(), "root")[0]
    options = CheckOptions(platform_stores=(("windows", (root,)), ("macos", (root,))))
    clients = (Client("windows"), Client("mac"), Client("iphone"), Client("android"))
    found, findings = run(build(cucm_cert=five_years, clients=clients), options)
    (uds,) = hops(found, "inside", "uds")
    assert verdicts(uds) == {"windows": "ok", "mac": "prompt", "iphone": "prompt", "android": "unknown"}
    refused = (
        "prompts: Apple's rules for TLS server certificates refuse it (it is valid for 1826 days, longer than "
        "the 825 days Apple allows)"
    )
    reasons = {o.platform: o.reason for o in uds.outcomes}
    assert reasons["mac"] == f"{refused}, although the macOS keychain trusts it"
    assert reasons["iphone"] == refused
    assert [f.node for f in findings if f.rule == "CC316"] == ["cucm1.example.com"]
    # the store's own verdict is kept beside Apple's: fixing the validity alone would not do
    other = CheckOptions(platform_stores=(("macos", ()),))
    found, _ = run(build(cucm_cert=five_years, clients=(Client("mac"),)), other)
    (uds,) = hops(found, "inside", "uds")
    (reason,) = [o.reason for o in uds.outcomes]
    assert reason.startswith("prompts: not trusted by the macOS keychain: ")
    assert reason.endswith(
        "; and Apple's rules for TLS server certificates refuse it (it is valid for 1826 days, longer than the 825 days Apple allows)"
    )
    # the certificate itself in the Mac's store: trusted by itself, its validity is not limited
    pinned = CheckOptions(platform_stores=(("macos", (five_years,)),))
    found, _ = run(build(cucm_cert=five_years, clients=(Client("mac"),)), pinned)
    (uds,) = hops(found, "inside", "uds")
    assert verdicts(uds) == {"mac": "ok"}
    # a certificate within Apple's rules is judged by the store alone, as before
    found, _ = run(build(clients=clients), options)
    (uds,) = hops(found, "inside", "uds")
    assert verdicts(uds) == {"windows": "ok", "mac": "ok", "iphone": "unknown", "android": "unknown"}


def test_an_rsa_key_under_2048_bits_prompts_on_apples_platforms_whatever_min_rsa_bits_says() -> None:
    weak = certs.load(
        pki.server(
            "cucm1.example.com", dns=["cucm1.example.com"], issuer=root_ca(), key=pki.new_key("rsa", 1024)
        ).pem.encode(),
        "t",
    )[0]
    root = certs.load(root_ca().pem.encode(), "root")[0]
    options = CheckOptions(trust_store=(root,), min_rsa_bits=1024)  # CC309 told to let it pass
    found, findings = run(build(cucm_cert=weak, clients=(Client("windows"), Client("mac"))), options)
    (uds,) = hops(found, "inside", "uds")
    assert verdicts(uds) == {"windows": "ok", "mac": "prompt"}
    assert "it has a 1024-bit RSA key, under the 2048 bits Apple requires" in uds.outcomes[1].reason
    assert not [f for f in findings if f.rule in ("CC309", "CC316")]


def test_a_name_only_in_the_subject_cn_prompts_on_apples_platforms_only() -> None:
    cn_only = cert("cucm1.example.com")  # no SAN at all: the name matches through the CN (CC106)
    root = certs.load(root_ca().pem.encode(), "root")[0]
    options = CheckOptions(trust_store=(root,))
    found, findings = run(build(cucm_cert=cn_only, clients=(Client("windows"), Client("ipad"))), options)
    (uds,) = hops(found, "inside", "uds")
    assert verdicts(uds) == {"windows": "ok", "ipad": "prompt"}
    assert {o.platform: o.reason for o in uds.outcomes}["ipad"] == (
        "prompts: cucm1.example.com is only in the certificate's Subject CN, which Apple's rules for TLS server "
        "certificates no longer accept"
    )
    said = {f.cluster: f.message for f in findings if f.rule == "CC106"}
    assert said["hq-cucm"].endswith(
        "and Jabber for Mac, iPhone and iPad refuse a name only in the CN (Apple's rules for TLS server certificates)."
    )
    # the name Expressway-C is configured with: its TLS verify meets it, no Jabber client does
    assert said["core"].endswith(
        "the certificate has no SAN identity; core's TLS verify checks this name, no Jabber client does, and "
        "whether it accepts a name only in the CN is not confirmed (verifiers following RFC 9525 do not)."
    )


def test_a_configured_name_only_in_the_subject_cn_prompts_on_apples_platforms() -> None:
    """The hop of a configured name (the journey example's voicemail UC service, cuc1.acme.example) carries
    the field its reference matched by: a name only in the CN is refused by Apple's platforms there too."""
    path = Path(__file__).parents[1] / "examples" / "journey-snapshot.json"
    deployment = snapshot.read(path, plugin_manager.catalog())
    cn_only = cert("cuc1.acme.example")  # no SAN: CC106's case

    def swapped(c: Cluster) -> Cluster:
        nodes = tuple(
            replace(n, endpoints=tuple(replace(e, chain=(cn_only,)) for e in n.endpoints))
            if n.name == "cuc1.acme.example"
            else n
            for n in c.nodes
        )
        return replace(c, nodes=nodes)

    changed = replace(deployment, clusters=tuple(swapped(c) for c in deployment.clusters))
    report = judge(changed, Options(fail_on="never", check=CheckOptions()), "test")
    services = [
        h for j in report.journeys for h in hops(j, "inside", "service") if h.title.startswith("Host Name/IP")
    ]
    assert services
    for hop in services:
        outcomes = {o.platform: o for o in hop.outcomes}
        for platform in ("mac", "iphone"):
            if platform in outcomes:
                assert outcomes[platform].verdict == "prompt"
                assert (
                    "cuc1.acme.example is only in the certificate's Subject CN" in outcomes[platform].reason
                )
        assert outcomes["windows"].verdict == "unknown"  # no store: trust is not judged, the name matches


def test_an_xmpp_domain_only_in_the_cup_xmpp_certificates_cn_prompts_on_apples_platforms() -> None:
    """The XMPP hop passes the field the XMPP domain matched by: only the CN, and Apple's platforms refuse."""
    imp_fqdn = f"imp1.{DOMAIN}"
    cn_only = cert(DOMAIN)  # no SAN: the XMPP domain only in the CN
    imp = cluster(
        "hq-imp",
        "imp",
        "14.0.1",
        [
            node(
                imp_fqdn,
                tomcat(imp_fqdn, cert(imp_fqdn, dns=[imp_fqdn])),
                xmpp(imp_fqdn, cn_only, DOMAIN),
                hostname="imp1",
                domain=DOMAIN,
                addresses=["10.0.0.21"],
            )
        ],
        Setting("imp10.xmpp-domain", DOMAIN),
    )
    base = build(clients=(Client("windows"), Client("mac")))
    (cucm, *others) = base.clusters
    cucm = replace(cucm, settings=(*cucm.settings, Setting("cucm10.uc-service-imp", imp_fqdn, "IMP")))
    found, _ = run(replace(base, clusters=(cucm, imp, *others)))
    (hop,) = hops(found, "inside", "xmpp")
    outcomes = {o.platform: o for o in hop.outcomes}
    assert outcomes["mac"].verdict == "prompt"
    assert f"{DOMAIN} is only in the certificate's Subject CN" in outcomes["mac"].reason
    assert outcomes["windows"].verdict == "unknown"


def test_without_a_store_names_are_judged_and_trust_is_said_to_be_unknown() -> None:
    found, _ = run(build(clients=(Client("mac"),)))
    (uds,) = hops(found, "inside", "uds")
    assert verdicts(uds) == {"mac": "unknown"}
    assert any(n.startswith("Trust is not judged for Jabber for Mac") for n in found.notes)


def test_a_name_the_certificate_lacks_prompts_everyone_and_reject_and_notify_refuses() -> None:
    wrong = cert("cucm-old.example.com", dns=["cucm-old.example.com"])
    found, _ = run(build(cucm_cert=wrong, behavior="RejectAndNotify"))
    (uds,) = hops(found, "inside", "uds")
    assert set(verdicts(uds).values()) == {"refuse"}
    assert uds.bad
    assert all(
        o.reason.startswith("refuses (RejectAndNotify): cucm1.example.com is not in the certificate")
        for o in uds.outcomes
    )
    inside = next(p for p in found.paths if p.side == "inside")
    assert {text for _, text in found.summary(inside)} == {"refuses to connect at 2 hops"}  # UDS and TFTP
    text = journey_command.render((found,), "text")
    assert "Windows REFUSES" in text
    assert "PROMPT" not in text
    svg = journey_command.render((found,), "svg")
    assert ">REFUSES<" in svg
    assert "refuses to connect" in svg
    assert ">PROMPT<" not in svg
    prompting, _ = run(build(cucm_cert=wrong))
    (uds,) = hops(prompting, "inside", "uds")
    assert set(verdicts(uds).values()) == {"prompt"}
    assert "REFUSES" not in journey_command.render((prompting,), "svg")
    assert set(verdicts(uds)) == {
        "windows",
        "mac",
        "iphone",
        "ipad",
        "android",
    }  # none listed: every platform


# --- Expressway -----------------------------------------------------------------------------------------


def test_behind_expressway_c_a_node_named_by_ip_fails_for_every_platform() -> None:
    found, _ = run(build(cucm_name="10.0.0.11"))
    behind = hops(found, "outside", "behind")
    by_ip = next(h for h in behind if h.name == "10.0.0.11")
    assert by_ip.judged_by == "core"
    assert set(verdicts(by_ip).values()) == {"fail"}
    assert "core's TLS verify fails" in by_ip.outcomes[0].reason
    assert {f.rule for f in by_ip.findings} == {"CC102"}  # the node's rename is the fix


def test_tls_verify_off_checks_no_name_and_says_cisco_recommends_on() -> None:
    found, _ = run(build(cucm_name="10.0.0.11", tls_verify="false"))
    by_ip = next(h for h in hops(found, "outside", "behind") if h.name == "10.0.0.11")
    assert set(verdicts(by_ip).values()) == {"ok"}
    assert "Cisco recommends On" in by_ip.outcomes[0].reason


def test_expressway_e_without_the_services_domain_prompts_and_is_cc107() -> None:
    bare = cert("expe1.example.com", dns=["expe1.example.com"])
    found, findings = run(build(edge_cert=bare))
    (expe,) = hops(found, "outside", "expressway-e")
    assert set(verdicts(expe).values()) == {"prompt"}
    (cc107,) = [f for f in findings if f.rule == "CC107"]
    assert cc107.value == "collab-edge.example.com"
    assert cc107.fix is not None
    assert "Maintenance > Security > Server certificate" in cc107.fix.where
    assert cc107 in expe.findings


def test_edge_demands_count_the_domain_collab_edge_and_each_xmpp_domain() -> None:
    both = cert("e", dns=["e.example.com", "collab-edge.example.com"])
    assert journey.edge_demands(both, DOMAIN, (DOMAIN,)) == [
        ("example.com", "it does not carry the XMPP domain example.com (modelled)")
    ]
    full = cert("e", dns=["e.example.com", "example.com", "chat.example.com"])
    assert journey.edge_demands(full, DOMAIN, (DOMAIN, "chat.example.com")) == []
    wildcard = cert("e", dns=["*.example.com"])
    assert [n for n, _ in journey.edge_demands(wildcard, DOMAIN, (DOMAIN,))] == ["collab-edge.example.com"]


def test_outside_without_the_internets_dns_says_so_and_judges_the_inventorys_expressway() -> None:
    found, _ = run(build(external=None))
    (_, outside) = found.paths
    assert "was not asked" in outside.title
    assert [h.kind for h in outside.stages[1].hops] == ["expressway-e"]


def test_cisco_uds_outside_fails_there_and_is_cc508_linked_to_the_hop() -> None:
    external = (srv("_collab-edge._tls", "expe1.example.com"), srv("_cisco-uds._tcp", "cucm1.example.com"))
    found, findings = run(build(external=external))
    leaked = next(h for h in hops(found, "outside", "srv") if h.title.startswith("_cisco-uds"))
    assert set(verdicts(leaked).values()) == {"fail"}
    assert [f.rule for f in leaked.findings] == ["CC508"]
    assert {f.rule for f in findings} == {"CC508"}


# --- DNS and answers ------------------------------------------------------------------------------------


def test_no_record_in_any_view_is_one_cc507_naming_the_records_to_create() -> None:
    none = tuple(srv(s) for s in ("_cisco-uds._tcp", "_cuplogin._tcp", "_collab-edge._tls"))
    found, findings = run(build(internal=none, external=none))
    (cc507,) = [f for f in findings if f.rule.startswith("CC50")]
    assert cc507.rule == "CC507"
    assert "_cisco-uds._tcp.example.com" in cc507.message
    assert cc507.fix is not None
    assert any("_collab-edge._tls.example.com → expe1.example.com" in s for s in cc507.fix.steps)
    (inside, _) = found.paths
    assert [h.kind for h in inside.hops()] == ["srv"]
    assert cc507 in inside.hops()[0].findings


def test_a_view_whose_server_did_not_answer_is_not_judged() -> None:
    silent = tuple(
        DnsRecord(f"{s}.{DOMAIN}", "SRV", (), "no answer from 10.0.0.53:53 within 5 s")
        for s in ("_cisco-uds._tcp", "_cuplogin._tcp", "_collab-edge._tls")
    )
    _, findings = run(build(internal=silent, external=silent))
    assert not [f for f in findings if f.rule in ("CC507", "CC508", "CC509")]


def test_no_collab_edge_outside_with_an_expressway_is_cc509() -> None:
    _, findings = run(build(external=(srv("_collab-edge._tls"),)))
    assert [f.rule for f in findings if f.rule.startswith("CC5")] == ["CC509"]


def test_an_unusable_uds_answer_fails_its_hop_and_is_cc206() -> None:
    bad = Fetch(
        "uds-servers",
        "https://cucm1.example.com:8443/cucm-uds/servers",
        200,
        error=EndpointError("html", "answered an HTML page, not XML"),
    )
    absent = Fetch(
        "tftp-config",
        "http://cucm1.example.com:6970/jabber-config.xml",
        404,
        error=EndpointError("absent", "not there (HTTP 404)"),
    )
    found, findings = run(build(fetches=(bad, absent)))
    (uds,) = hops(found, "inside", "uds")
    assert set(verdicts(uds).values()) == {"fail"}
    (cc206,) = [f for f in findings if f.rule == "CC206"]  # a missing jabber-config.xml is normal
    assert cc206.value == bad.url
    assert cc206 in uds.findings


def test_a_deployment_without_discovery_has_no_journey() -> None:
    deployment = build()
    plain = replace(deployment, discovery=(), clusters=deployment.clusters[:1])
    assert journey.build(Context(plain, plugin_manager.catalog(), CheckOptions()), ()) == ()


# --- the snapshot ------------------------------------------------------------------------------------


def test_discovery_goes_through_the_snapshot_unchanged() -> None:
    tftp = Fetch(
        "tftp-config",
        "https://cucm1.example.com:6972/jabber-config.xml",
        200,
        (("VoicemailPrimaryServer", "cuc1.example.com"),),
        chain=(cert("cucm1.example.com", dns=["cucm1.example.com"]),),
    )
    deployment = build(fetches=(tftp,), clients=(Client("mac", "14.1"),), behavior="PromptPerSession")
    again = snapshot.loads(snapshot.dumps(deployment), plugin_manager.catalog())
    assert again.discovery == deployment.discovery


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["discovery"][0].update(jabber="nobody"),
            "no cluster of product jabber is called 'nobody'",
        ),
        (
            lambda d: d["discovery"][0]["views"][0].update(view="dmz"),
            "'dmz' is not one of internal, external",
        ),
        (lambda d: d["discovery"][0]["fetches"][0].update(kind="ftp"), "'ftp' is not one of uds-servers"),
        (lambda d: d["discovery"][0]["fetches"][0].update(status=99), "expected an HTTP status"),
        (lambda d: d["discovery"][0]["fetches"][0].update(names=[["a"]]), "expected a pair"),
        (lambda d: d["discovery"][0]["fetches"][0].update(chain=["0" * 64]), "no certificate"),
        (lambda d: d["discovery"][0]["clients"].append({"platform": "beos"}), "'beos' is not one of"),
        (lambda d: d["discovery"][0].update(extra=1), "discovery[0].extra: unknown key"),
    ],
)
def test_a_bad_discovery_element_is_refused_by_its_path(change: Any, message: str) -> None:
    fetch = Fetch("uds-servers", "https://cucm1.example.com:8443/cucm-uds/servers", 200, (("server", "x"),))
    data = snapshot.to_dict(build(fetches=(fetch,), clients=(Client("mac"),)))
    change(data)
    with pytest.raises(SnapshotError) as caught:
        snapshot.from_dict(data, plugin_manager.catalog())
    assert message in str(caught.value)


def test_the_snapshot_schema_describes_a_snapshot_with_discovery() -> None:
    import json
    from pathlib import Path

    import jsonschema

    schema = json.loads(
        (Path(__file__).parents[1] / "confcheck" / "schemas" / "snapshot.schema.json").read_text()
    )
    fetch = Fetch(
        "tftp-config",
        "https://cucm1.example.com:6972/jabber-config.xml",
        200,
        (("VoicemailPrimaryServer", "cuc1"),),
        EndpointError("malformed", "x"),
        (cert("cucm1.example.com", dns=["cucm1.example.com"]),),
    )
    data = snapshot.to_dict(build(fetches=(fetch,), clients=(Client("mac", "14.1"),)))
    jsonschema.validate(data, schema)


def test_the_journey_reads_the_lints_own_checks() -> None:
    """Built on the lint's own analysis: no reference is checked a second time for the journey."""
    checked: list[object] = []
    check = Context._check

    def counted(self: Context, ref: Any) -> Any:
        checked.append(ref)
        return check(self, ref)

    with mock.patch.object(Context, "_check", counted):
        report = judge(build(), Options(fail_on="never"), "test")
    assert report.journeys
    assert len(checked) == report.references


class _Passes(tuple):  # type: ignore[type-arg]
    """A tuple that counts the passes made over it."""

    passes = 0

    def __iter__(self) -> Any:
        self.passes += 1
        return super().__iter__()


def test_the_journey_passes_over_the_checks_as_often_however_many_clusters_there_are() -> None:
    """Without a home cluster every CUCM cluster's nodes are hops behind Expressway-C: each cluster's
    checks are found by their cluster, not by one pass over all the checks per cluster (quadratic: a
    second at 3,000 clusters, some ten at 10,000)."""
    base = build()
    leaf = cert("cucm.example.com", dns=["cucm.example.com"])
    passes = []
    for count in (1, 30):
        sites = tuple(
            cluster(
                f"site{i}",
                "cucm",
                "14.0.1",
                [node(f"cucm{i}.example.com", tomcat(f"cucm{i}.example.com", leaf))],
            )
            for i in range(count)
        )
        homeless = replace(base.discovery[0], home=None)
        deployment = replace(base, clusters=base.clusters + sites, discovery=(homeless,))
        result = lint(deployment, plugin_manager.catalog(), plugin_manager.rules())
        counted = _Passes(result.context.checks)
        vars(result.context)["checks"] = counted
        (found,) = journey.build(result.context, result.findings)
        behind = {h.title for h in hops(found, "outside", "behind")}
        assert {f"site{i} node cucm{i}.example.com" for i in range(count)} <= behind
        passes.append(counted.passes)
    assert passes[0] == passes[1]
