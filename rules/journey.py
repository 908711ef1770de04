"""Jabber's sign-in journey: discovery records, what UDS and TFTP answer, Expressway-E, client platforms.

The journey itself (:mod:`confcheck.journey`) shows every hop; these rules report what needs fixing
on it, in the families their problems belong to:

* CC107: Expressway-E's certificate lacks the services domain (or ``collab-edge.<domain>``) or an
  XMPP domain, a name Jabber checks outside the office;
* CC206: UDS or TFTP answered something Jabber cannot read (an HTML page, a redirect, too much,
  malformed XML);
* CC403: a chain is not trusted by one platform's store (``[check.trust_stores]``), or Expressway-E's
  chain by the clients' store;
* CC507, CC508, CC509: the SRV records discovery needs, in the right DNS view.

Everything is judged from the discovery recorded at collection (``[[jabber]]``); nothing is asked.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from confcheck import hookimpl
from confcheck.certs import Certificate
from confcheck.engine import Context
from confcheck.findings import Finding, Fix, Phase, Severity
from confcheck.model import Cluster, DnsRecord, Endpoint, Node
from confcheck.platforms import PLATFORM_TITLES, STORE_KEYS, STORE_TITLES, anchors, enterprise_trust
from confcheck.records import replace
from confcheck.rule import Rule, rule
from confcheck.rules._fixes import node_label, purpose_title, renew, renewal_fix
from confcheck.rules._reaction import reaction, reacts

if TYPE_CHECKING:
    from confcheck.discovery_model import Discovery
    from confcheck.rules.trust import Verdict

RECORDS = ("_cisco-uds._tcp", "_cuplogin._tcp", "_collab-edge._tls")
UNREADABLE = frozenset({"html", "redirect", "oversized", "malformed", "unexpected", "http"})
"""Fetch error kinds that mean the server answered, but not what Jabber can use."""
DNS_FAILURES = ("no answer from", "the server refused or failed")
"""A DNS record whose error starts so was not answered: collection failed (CC203), nothing is judged."""
EXTERNAL_DNS = "the DNS servers the Internet uses (the external view of the services domain)"
INTERNAL_DNS = "the DNS servers the office's Jabber clients use (the internal view)"


def _records(view_records: Sequence[DnsRecord], domain: str) -> dict[str, DnsRecord]:
    found = {}
    for record in view_records:
        if record.type == "SRV" and record.name.lower().endswith("." + domain):
            found[".".join(record.name.split(".")[:2]).lower()] = record
    return found


def _answered(d: Discovery, view: str) -> dict[str, DnsRecord] | None:
    """The SRV records of one view; None when the view was not asked or did not answer."""
    found = d.view(view)
    if found is None or any(
        r.error and r.error.startswith(DNS_FAILURES) for r in found.records if r.type == "SRV"
    ):
        return None
    return _records(found.records, d.services_domain)


def _jabber(ctx: Context, d: Discovery) -> Cluster | None:
    return ctx.deployment.cluster(d.jabber)


def _about(
    ctx: Context, d: Discovery, message: str, value: str, fix: Fix, evidence: Sequence[tuple[str, str]] = ()
) -> Finding:
    cluster = _jabber(ctx, d)
    return Finding(
        message,
        cluster=d.jabber,
        product="jabber",
        version=cluster.version if cluster else None,
        value=value,
        evidence=tuple(evidence),
        fix=fix,
    )


def _edges(ctx: Context) -> list[tuple[Cluster, Node]]:
    return [(c, n) for c in ctx.deployment.clusters if c.product == "expressway-e" for n in c.nodes]


@rule("CC107", "expressway-domain-not-in-certificate", Severity.ERROR)
def expressway_domain_not_in_certificate(ctx: Context) -> Iterator[Finding]:
    """Expressway-E's certificate lacks the services domain or an XMPP domain.

    ## What it checks
    For every services domain collected (`[[jabber]]`), the certificate of each Expressway-E node its
    external `_collab-edge` record leads to (every Expressway-E of the inventory when the external DNS
    was not asked): its SAN dNSNames must hold the services domain or
    `collab-edge.<services domain>`, and every XMPP domain. Wildcards do not count. The SRV target's
    own name is checked by the journey like any name.

    ## Why it matters
    Outside the office Jabber meets Expressway-E first. Cisco's MRA certificate guide (doc 213872)
    requires the domain (or `collab-edge.<domain>`) in its SAN: without it Jabber prompts every
    remote user. The Preferred Architecture lists the XMPP domains there too; that Jabber prompts
    when one is missing is modelled.

    ## Example
    `_collab-edge._tls.acme.example` points to `expe1.acme.example`, whose certificate names only
    `expe1.acme.example`.

    ## How to fix
    Request a new certificate for Expressway-E (Maintenance > Security > Server certificate:
    generate a CSR) that adds `collab-edge.<domain>` (or the domain itself) and each XMPP domain as
    SAN dNSNames, have the CA sign it, upload it and restart Expressway-E.
    """
    if not ctx.deployment.discovery:
        return
    from confcheck.journey import edge_demands  # the journey's model, only where there is discovery

    for d in ctx.deployment.discovery:
        for cluster, node in _serving(ctx, d):
            endpoint = node.endpoint("expressway")
            if endpoint is None or not endpoint.chain:
                continue
            cert = endpoint.chain[0]
            for wanted, demand in edge_demands(cert, d.services_domain, d.xmpp_domains):
                yield _edge_finding(ctx, cluster, node, cert, d, demand, wanted)


def _serving(ctx: Context, d: Discovery) -> list[tuple[Cluster, Node]]:
    """The Expressway-E nodes a services domain's users meet: those its external ``_collab-edge`` record
    leads to; when the external DNS was not asked, every Expressway-E of the inventory (modelled: which
    domains an Expressway serves is its configuration, which confcheck does not read)."""
    view = d.view("external")
    if view is None:
        return _edges(ctx)
    record = _records(view.records, d.services_domain).get("_collab-edge._tls")
    targets = {a.split()[-1].rstrip(".").lower() for a in (record.answers if record else ())}
    found = []
    for target in sorted(targets):
        found += [(c, n) for c, n in ctx.resolve(target, ("expressway-e",)) if c is not None]
    return list({id(n): (c, n) for c, n in found}.values())


def _edge_finding(
    ctx: Context, cluster: Cluster, node: Node, cert: Certificate, d: Discovery, demand: str, wanted: str
) -> Finding:
    kept = tuple(n for n in (cert.san.dns if cert.san else ()) if not n.startswith("*"))
    successor = renew(ctx, cluster, node, "expressway", cert, demand, names=(*kept, wanted), request=True)
    return Finding(
        f"Jabber outside the office {reaction(d.refuses, 'prompts at', 'refuses')} "
        f"Expressway-E {node_label(node)} for {d.services_domain}: "
        f"its certificate {demand.removeprefix('it ')}.",
        cluster=cluster.name,
        product=cluster.product,
        version=cluster.version,
        node=node.name,
        value=wanted,
        subject=node.name,
        certificate=cert.sha256,
        evidence=(
            ("SAN dNSNames", ", ".join(cert.san.dns) if cert.san else "none"),
            ("services domain", d.services_domain),
        ),
        fix=renewal_fix(successor, cluster),
    )


@rule("CC206", "discovery-answer-unusable", Severity.ERROR)
def discovery_answer_unusable(ctx: Context) -> Iterator[Finding]:
    """UDS or TFTP answered something Jabber cannot use.

    ## What it checks
    What discovery read at collection: UDS's server list (`/cucm-uds/servers`) from each
    `_cisco-uds` target, and `jabber-config.xml` from the TFTP servers (HTTP 6970, HTTPS 6972).
    An answer that is an HTML page (a login or error page), a redirect, larger than Jabber's files
    ever are, malformed XML, XML of another kind, or another HTTP status than 200 is reported. A
    TFTP server without jabber-config.xml (HTTP 404) or without TFTP at all is not.

    ## Why it matters
    Jabber reads these answers to find its home cluster's servers and its configuration. An
    unusable answer stops sign-in there, or leaves the client without the configuration the
    administrators wrote, whatever the certificates say.

    ## Example
    `https://cucm1.acme.example:8443/cucm-uds/servers` answers a load balancer's HTML login page.

    ## How to fix
    For UDS: make the node itself answer (no proxy or load balancer page in between; Cisco Tomcat
    and the UDS service running). For jabber-config.xml: correct the file (it must be well-formed
    XML with a `<config>` root), upload it to every TFTP server (Cisco Unified OS Administration >
    Software Upgrades > TFTP File Management) and restart Cisco TFTP.
    """
    for d in ctx.deployment.discovery:
        for fetch in d.fetches:
            if fetch.error is None or fetch.error.kind not in UNREADABLE:
                continue
            if fetch.kind == "uds-servers":
                what, fix = (
                    "UDS's server list",
                    Fix(
                        phase=Phase.CLIENT_SETTINGS,
                        action=f"Make {fetch.url} answer UDS's server list itself (no proxy, redirect or login page in between)",
                        where="the CUCM node (Cisco Unified Serviceability: Cisco Tomcat, Cisco User Data Services), and "
                        "anything in front of it",
                        impact="None on the clients until it answers; then Jabber finds the home cluster's servers.",
                    ),
                )
            else:
                what, fix = (
                    "jabber-config.xml",
                    Fix(
                        phase=Phase.CLIENT_SETTINGS,
                        action="Upload a well-formed jabber-config.xml (a <config> root) to every TFTP server and restart "
                        "Cisco TFTP",
                        where="Cisco Unified OS Administration > Software Upgrades > TFTP File Management",
                        impact="Jabber reads it at sign-in: users sign out and back in.",
                    ),
                )
            yield _about(
                ctx,
                d,
                f"{fetch.url} {fetch.error.message}: Jabber cannot read {what} there.",
                fetch.url,
                fix,
                (("error kind", fetch.error.kind),)
                + ((("HTTP status", str(fetch.status)),) if fetch.status else ()),
            )


Judged = tuple[Cluster | None, Node, Endpoint, list[tuple[str, "Verdict"]]]
"""A chain Jabber meets, where, and its verdict by each platform's store that judges it."""


def _on_platforms(ctx: Context) -> list[Judged]:
    return ctx.memo((__name__, "platforms"), lambda: _judge_platforms(ctx))


def _judge_platforms(ctx: Context) -> list[Judged]:
    """Every chain a configured name meets, each ``_cisco-uds`` target's and Expressway-E's, with its
    verdict by each platform's store (Expressway-E's by ``[check] trust_store`` where a platform has none:
    CC401 never sees that chain). Each distinct chain is judged once for all its stores, on every CPU
    (:func:`confcheck.rules.trust.judge_all`), however many nodes present it (a multi-server certificate)."""
    from confcheck.rules import trust

    stores = dict(ctx.options.platform_stores)
    fallback = ctx.options.trust_store
    if not stores and fallback is None:
        return []  # no store to judge any chain by
    met: dict[tuple[int, str, tuple[str, ...]], tuple[Cluster | None, Node, Endpoint, bool]] = {}
    for check in ctx.checks:
        for target in check.targets:
            found = target.endpoint
            if found is not None and found.chain:
                chain = (id(target.node), found.purpose, tuple(c.sha256 for c in found.chain))
                met.setdefault(chain, (target.cluster, target.node, found, False))
    for edge_cluster, edge_node in _edges(ctx):
        found = edge_node.endpoint("expressway")
        if found is not None and found.chain:
            chain = (id(edge_node), found.purpose, tuple(c.sha256 for c in found.chain))
            met.setdefault(chain, (edge_cluster, edge_node, found, True))
    enterprise = enterprise_trust(ctx.options)
    # per distinct chain: what each store it is judged by anchors it with (by the store's identity)
    chains: dict[
        tuple[str, ...], tuple[Sequence[Certificate], dict[tuple[str, int], Sequence[Certificate]]]
    ] = {}
    picked: list[tuple[Cluster | None, Node, Endpoint, tuple[str, ...], list[tuple[str, int]]]] = []
    for (_, _, fingerprints), (cluster, node, endpoint, edge) in met.items():
        by_store = chains.setdefault(fingerprints, (endpoint.chain, {}))[1]
        keys: list[tuple[str, int]] = []
        for key in ("windows", "macos", "ios", "android"):
            store = stores.get(key)
            if store is None and edge and fallback is not None:
                store = fallback  # CC401 never sees Expressway-E's chain
            if store is None:
                continue
            anchored = (key, id(store))  # on Windows, the leaf too when it is in Enterprise Trust
            if anchored not in by_store:
                by_store[anchored] = anchors(ctx.options, key, store, endpoint.chain, enterprise)
            keys.append(anchored)
        picked.append((cluster, node, endpoint, fingerprints, keys))
    judging = [
        (fingerprints, chain, by_store) for fingerprints, (chain, by_store) in chains.items() if by_store
    ]
    judged = trust.judge_all(
        ctx, [(chain, tuple(by_store.values())) for _, chain, by_store in judging], words=False
    )
    verdicts = {
        (fingerprints, anchored): verdict
        for (fingerprints, _, by_store), by_each in zip(judging, judged, strict=True)
        for anchored, verdict in zip(by_store, by_each, strict=True)
    }
    return [
        (cluster, node, endpoint, [(anchored[0], verdicts[(fingerprints, anchored)]) for anchored in keys])
        for cluster, node, endpoint, fingerprints, keys in picked
    ]


@rule("CC403", "untrusted-on-platform", Severity.ERROR, prepare=_on_platforms)
def untrusted_on_platform(ctx: Context) -> Iterator[Finding]:
    """A chain Jabber meets is not trusted on some client platforms.

    ## What it checks
    With a trust store per platform (`[check.trust_stores]`: `windows` for Trusted Root
    Certification Authorities, `windows_enterprise` for Enterprise Trust, `macos`, `ios`,
    `android`), every chain a configured name meets, each `_cisco-uds` target's, and Expressway-E's,
    judged once per store as CC401 judges it. On Windows a server certificate in Enterprise Trust
    is trusted by that fact (the guide's method 2); a CA certificate there anchors nothing
    (modelled). Expressway-E's chain, which no configured name meets, is also judged against
    `[check] trust_store` for the platforms without a store of their own.

    ## Why it matters
    Each platform trusts what its own store holds: a root pushed to Windows by Group Policy does not
    reach the Macs, iPhones or Android phones, whose users are prompted. Clients older than the first
    release that validates certificates (Cisco doc 116917, Table 1) are never prompted.

    ## Example
    The clients' Windows store holds `Acme Root CA`; the macOS keychain does not: Jabber for Mac
    prompts for every server Acme's CA signed, Jabber for Windows does not.

    ## How to fix
    Add the missing root to the stores of the platforms named (macOS: the System keychain; iOS,
    iPadOS and Android: a trusted CA profile through device management; Windows: Trusted Root
    Certification Authorities), or have the certificate signed by a CA they already trust. For a
    self-signed certificate on Windows, push it to Enterprise Trust (method 2).
    """
    from confcheck.rules import trust

    in_use = {c.platform for d in ctx.deployment.discovery for c in d.clients} or set(PLATFORM_TITLES)
    for cluster, node, endpoint, judged in _on_platforms(ctx):
        untrusted: list[tuple[str, trust.Verdict]] = []
        for key, verdict in judged:
            gaps = [g for g in verdict.gaps if not (g.kind == "expired" and g.sent)]
            if not verdict.trusted and gaps:
                untrusted.append(
                    (key, verdict if len(gaps) == len(verdict.gaps) else replace(verdict, gaps=tuple(gaps)))
                )
        if not untrusted:
            continue
        platforms = [p for p in PLATFORM_TITLES if STORE_KEYS[p] in {k for k, _ in untrusted} and p in in_use]
        if not platforms:
            continue  # only platforms nobody uses
        who = ", ".join(PLATFORM_TITLES[p] for p in platforms)
        clauses = "; ".join(f"{STORE_TITLES[k]}: {'; '.join(g.text for g in v.gaps)}" for k, v in untrusted)
        purpose = purpose_title(endpoint.purpose)
        first = untrusted[0][1]
        fix = trust.chain_fix(ctx, cluster, node, endpoint, first)
        steps = tuple(
            s.replace(
                "confcheck's [check] trust_store",
                "confcheck's [check.trust_stores] of the platforms that lack it",
            )
            for s in fix.steps
        )
        if steps != fix.steps:
            fix = replace(fix, steps=steps)
        yield Finding(
            f"Jabber for {who} (releases that validate certificates) "
            f"{reacts(ctx, 'prompts for', 'refuses')} the {purpose} certificate of "
            f"{node_label(node)}: not trusted by {clauses}.",
            cluster=cluster.name if cluster else None,
            product=cluster.product if cluster else None,
            version=cluster.version if cluster else None,
            node=node.name,
            subject=f"{node.name} {endpoint.purpose}",
            certificate=endpoint.chain[0].sha256,
            evidence=tuple((STORE_TITLES[k], v.path) for k, v in untrusted),
            fix=fix,
        )


@rule("CC507", "no-discovery-records", Severity.ERROR)
def no_discovery_records(ctx: Context) -> Iterator[Finding]:
    """A services domain has none of the SRV records Jabber discovers its servers through.

    ## What it checks
    For every services domain collected (`[[jabber]]`), the answers recorded in each DNS view for
    `_cisco-uds._tcp`, `_cuplogin._tcp` and `_collab-edge._tls`: when none of them answers in any
    view, one finding names the records to create. A view whose DNS server did not answer is not
    judged (CC203 reports it).

    ## Why it matters
    Jabber finds its servers through these records (Planning Guide for Cisco Jabber, Service
    Discovery): `_cisco-uds` inside the office, `_collab-edge` outside. Without them a user who
    signs in with `user@domain` reaches nothing, unless every client is configured by hand.

    ## Example
    Neither the internal nor the external DNS answers any SRV record for `acme.example`.

    ## How to fix
    Create `_cisco-uds._tcp.<domain>` in the internal DNS, pointing at the home cluster's CUCM nodes
    on port 8443, and, for mobile and remote access, `_collab-edge._tls.<domain>` in the external
    DNS, pointing at Expressway-E on port 8443.
    """
    for d in ctx.deployment.discovery:
        views = [_answered(d, v) for v in ("internal", "external") if d.view(v) is not None]
        if not views or any(v is None for v in views):
            continue
        if any(r.answers for v in views if v is not None for r in v.values()):
            continue
        home = ctx.deployment.cluster(d.home) if d.home else None
        nodes = ", ".join(n.name for n in home.nodes) if home else "the home cluster's CUCM nodes"
        steps = [f"In {INTERNAL_DNS}: _cisco-uds._tcp.{d.services_domain} → {nodes}, port 8443."]
        edges = ", ".join(n.name for _, n in _edges(ctx))
        if edges:
            steps.append(f"In {EXTERNAL_DNS}: _collab-edge._tls.{d.services_domain} → {edges}, port 8443.")
        names = ", ".join(f"{r}.{d.services_domain}" for r in RECORDS)
        yield _about(
            ctx,
            d,
            f"Jabber users of {d.services_domain} cannot discover any server: no DNS view answers {names}.",
            d.services_domain,
            Fix(
                phase=Phase.DNS,
                action=f"Create the SRV record _cisco-uds._tcp.{d.services_domain}"
                + (f" (and _collab-edge._tls.{d.services_domain} outside)" if edges else ""),
                where=INTERNAL_DNS + (" and " + EXTERNAL_DNS if edges else ""),
                impact="None on the servers; clients find them at their next sign-in.",
                steps=tuple(steps),
            ),
        )


@rule("CC508", "internal-record-outside", Severity.ERROR)
def internal_record_outside(ctx: Context) -> Iterator[Finding]:
    """`_cisco-uds` or `_cuplogin` resolves in the external DNS.

    ## What it checks
    The external view of each services domain (`[[jabber]]` external_dns): `_cisco-uds._tcp` and
    `_cuplogin._tcp` must not answer there.

    ## Why it matters
    Jabber prefers `_cisco-uds` to `_collab-edge` (Planning Guide for Cisco Jabber, Service
    Discovery). A client outside the office that finds it tries to sign in to CUCM directly,
    which it cannot reach, instead of going through Expressway.

    ## Example
    The Internet's DNS answers `_cisco-uds._tcp.acme.example` with `cucm1.acme.example`.

    ## How to fix
    Remove the record from the external DNS (split DNS: it belongs in the internal view only).
    """
    for d in ctx.deployment.discovery:
        records = _answered(d, "external")
        if records is None:
            continue
        for service in ("_cisco-uds._tcp", "_cuplogin._tcp"):
            record = records.get(service)
            if record is None or not record.answers:
                continue
            name = f"{service}.{d.services_domain}"
            yield _about(
                ctx,
                d,
                f"{name} resolves outside the office ({', '.join(record.answers[:3])}): clients there try to sign "
                "in directly instead of through Expressway.",
                f"external {name}",
                Fix(
                    phase=Phase.DNS,
                    action=f"Remove {name} from the external DNS",
                    where=EXTERNAL_DNS,
                    impact="None inside the office; outside, clients use _collab-edge at their next sign-in.",
                ),
            )


@rule("CC509", "no-collab-edge-record", Severity.WARNING)
def no_collab_edge_record(ctx: Context) -> Iterator[Finding]:
    """The inventory has an Expressway-E, but the external DNS has no `_collab-edge` record.

    ## What it checks
    The external view of each services domain, when the inventory names an Expressway-E:
    `_collab-edge._tls.<domain>` must answer there. (When no record answers at all, CC507 says so
    instead.)

    ## Why it matters
    Outside the office Jabber finds Expressway-E only through this record: without it there is no
    mobile and remote access, whatever Expressway's certificates are.

    ## Example
    `expe1.acme.example` is the inventory's Expressway-E; the Internet's DNS answers NXDOMAIN for
    `_collab-edge._tls.acme.example`.

    ## How to fix
    Create `_collab-edge._tls.<domain>` in the external DNS, pointing at each Expressway-E node on
    port 8443.
    """
    edges = _edges(ctx)
    if not edges:
        return
    for d in ctx.deployment.discovery:
        external = _answered(d, "external")
        internal = _answered(d, "internal")
        if external is None:
            continue
        edge = external.get("_collab-edge._tls")
        if edge is not None and edge.answers:
            continue
        if not any(r.answers for v in (external, internal or {}) for r in v.values()):
            continue  # nothing at all: CC507
        name = f"_collab-edge._tls.{d.services_domain}"
        targets = ", ".join(n.name for _, n in edges)
        yield _about(
            ctx,
            d,
            f"{name} does not resolve outside the office ({edge.error if edge and edge.error else 'no record'}): "
            f"Jabber cannot find Expressway-E ({targets}).",
            f"external {name}",
            Fix(
                phase=Phase.DNS,
                action=f"Create the SRV record {name} → {targets}, port 8443",
                where=EXTERNAL_DNS,
                impact="None on the servers; remote clients find Expressway at their next sign-in.",
            ),
        )


RULES: tuple[Rule, ...] = (
    expressway_domain_not_in_certificate,
    discovery_answer_unusable,
    untrusted_on_platform,
    no_discovery_records,
    internal_record_outside,
    no_collab_edge_record,
)


@hookimpl
def confcheck_rules() -> list[Rule]:
    return list(RULES)
