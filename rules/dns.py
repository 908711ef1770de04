"""CC5xx: DNS as the guide needs it, judged from the answers recorded at collection.

Before a setting or a node name becomes an FQDN, that FQDN must resolve to the server (and, for a
node's own name, its address must resolve back), or clients fail and renamed servers stay in
"starting". Jabber also finds its servers through SRV records, and meets whatever they point at:
that server's certificate must carry the name (or, for XMPP, the domain). Nothing here asks DNS:
names nobody asked about at collection are not judged.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from confcheck import hookimpl, identity, records
from confcheck.engine import Context, ReferenceCheck, TargetCheck
from confcheck.findings import DnsNeed, Finding, Fix, Phase, Severity
from confcheck.identity import Profile
from confcheck.model import Cluster, DnsRecord, Node
from confcheck.rule import Rule, rule
from confcheck.rules._fixes import node_label, proposed_name, setting_label

SERVICES: dict[str, tuple[str, Profile, tuple[str, ...], str]] = {
    "_cisco-uds._tcp": ("tomcat", "http", ("cucm",), "CUCM User Data Services, Jabber's service discovery"),
    "_cuplogin._tcp": (
        "tomcat",
        "http",
        ("imp", "cup"),
        "IM and Presence sign-in, Jabber's legacy discovery",
    ),
    "_xmpp-client._tcp": ("cup-xmpp", "xmpp", ("imp", "cup"), "discovery for third-party XMPP clients"),
}
"""The service records recorded at collection: (certificate purpose, profile, products, what they are for).

Jabber discovers its servers through ``_cisco-uds`` (and ``_collab-edge`` from outside), with ``_cuplogin``
as the legacy IM and Presence path (Cisco Jabber Planning Guide 14.1, Service Discovery); no Jabber guide
lists ``_xmpp-client``, which serves other XMPP clients.
"""
JABBER_SERVICES = ("_cisco-uds._tcp", "_cuplogin._tcp")


@records.record
class _Proposal:
    """An FQDN a fix proposes for references to one node, with those references."""

    name: str
    node: Node
    cluster: Cluster | None
    checks: tuple[ReferenceCheck, ...]
    rename: bool
    """True when a node's own name would change (then the reverse record matters too)."""


def _records(ctx: Context) -> dict[tuple[str, str], DnsRecord]:
    return ctx.memo(
        "dns.records", lambda: {(r.name.lower().rstrip("."), r.type): r for r in ctx.deployment.dns}
    )


def _proposals(ctx: Context) -> list[_Proposal]:
    """Every FQDN the name rules propose, grouped by (name, node)."""

    def compute() -> list[_Proposal]:
        found: dict[tuple[str, int], list[tuple[ReferenceCheck, TargetCheck]]] = {}
        for check in ctx.checks:
            if check.reference.location.profile != "http":
                continue
            for target in check.targets:
                if target.match is None or target.match.matched or not target.primary:
                    continue  # a twin's names are the name rules' business, never a rename
                proposed = proposed_name(check, target)
                if proposed and identity.normalize(proposed) != identity.normalize(check.reference.value):
                    found.setdefault((proposed, id(target.node)), []).append((check, target))
        return [
            _Proposal(
                name,
                pairs[0][1].node,
                pairs[0][1].cluster,
                tuple(c for c, _ in pairs),
                any(c.reference.node is not None for c, _ in pairs),
            )
            for (name, _), pairs in found.items()
        ]

    return ctx.memo("dns.proposals", compute)


def _addresses(node: Node) -> set[str]:
    found = {identity.canonical_ip(a) or a for a in node.addresses}
    if identity.is_ip(node.name):
        found.add(identity.canonical_ip(node.name) or node.name)
    return found


def _finding(proposal: _Proposal, message: str, fix: Fix) -> Finding:
    cluster = proposal.cluster
    return Finding(
        message,
        cluster=cluster.name if cluster else None,
        product=cluster.product if cluster else None,
        version=cluster.version if cluster else None,
        node=proposal.node.name,
        value=proposal.name,
        evidence=tuple(("proposed for", setting_label(c)) for c in proposal.checks),
        fix=fix,
    )


def _dns_fix(action: str, needs: Iterable[DnsNeed] = ()) -> Fix:
    """A DNS change; with ``needs``, the plan makes it one step with every other fix needing those records."""
    return Fix(
        phase=Phase.DNS,
        action=action,
        where="the DNS servers the nodes and the Jabber clients use",
        impact="None by itself; the settings that will use the name wait for it.",
        dns=tuple(needs),
    )


@rule("CC501", "proposed-name-not-in-dns", Severity.WARNING)
def proposed_name_not_in_dns(ctx: Context) -> Iterator[Finding]:
    """An FQDN the fix list proposes does not resolve yet.

    ## What it checks
    Every FQDN the name rules propose (the name a certificate holds, to replace an IP address, a
    short name or another name in a setting or a node name) against the A and AAAA answers
    recorded at collection: an NXDOMAIN or an empty answer means the name does not exist yet.

    ## Why it matters
    Changing a setting to a name that does not resolve moves the problem from a certificate
    prompt to a client that cannot connect; renaming a node to it leaves the servers in
    "starting". The DNS record comes first.

    ## Example
    The fix list proposes `cucm3.acme.example` for the Primary TFTP Server, and DNS answered
    NXDOMAIN for it.

    ## How to fix
    Create the A (or AAAA) record, and for a node's own name the PTR record too, on the DNS
    servers the nodes and the clients use; collect again to confirm.
    """
    records = _records(ctx)
    for proposal in _proposals(ctx):
        forward = [records.get((proposal.name, kind)) for kind in ("A", "AAAA")]
        observed = [r for r in forward if r is not None]
        if not observed or any(r.answers for r in observed):
            continue
        why = next((r.error for r in observed if r.error), "no A or AAAA record")
        to = ", ".join(sorted(_addresses(proposal.node))) or "the server's address"
        yield _finding(
            proposal,
            f"{proposal.name}, proposed for {node_label(proposal.node)}, does not resolve ({why}): "
            f"create it before the change.",
            _dns_fix(
                f"Create an A record {proposal.name} → {to}",
                (DnsNeed(proposal.name, a, proposal.rename) for a in sorted(_addresses(proposal.node))),
            ),
        )


@rule("CC502", "proposed-name-elsewhere", Severity.ERROR)
def proposed_name_elsewhere(ctx: Context) -> Iterator[Finding]:
    """An FQDN the fix list proposes resolves, but not to the server it would name.

    ## What it checks
    Every FQDN the name rules propose against the A and AAAA answers recorded at collection:
    when the name resolves, one of its addresses must be the server's.

    ## Why it matters
    A setting changed to this name would send clients to another server, whose certificate
    does not match; a node renamed to it would register under someone else's address.

    ## Example
    `cucm1.acme.example` is proposed for the node at `10.0.0.11`, and DNS answers `10.0.0.99`.

    ## How to fix
    Correct the DNS record to the server's address (or find out which server the name really
    belongs to) before any setting uses it.
    """
    records = _records(ctx)
    for proposal in _proposals(ctx):
        answers = {
            identity.canonical_ip(a) or a
            for k in ("A", "AAAA")
            if (r := records.get((proposal.name, k)))
            for a in r.answers
        }
        ours = _addresses(proposal.node)
        if not answers or not ours or answers & ours:
            continue
        yield _finding(
            proposal,
            f"{proposal.name}, proposed for node {proposal.node.name}, resolves to {', '.join(sorted(answers))}, "
            f"not to the node's address {', '.join(sorted(ours))}.",
            _dns_fix(
                f"Point {proposal.name} at {', '.join(sorted(ours))}",
                (DnsNeed(proposal.name, a, proposal.rename) for a in sorted(ours)),
            ),
        )


@rule("CC503", "reverse-lookup-disagrees", Severity.WARNING)
def reverse_lookup_disagrees(ctx: Context) -> Iterator[Finding]:
    """A node that would be renamed has an address whose PTR record names something else.

    ## What it checks
    For every node rename the fix list proposes, the PTR records recorded at collection for the
    node's addresses: each must name the proposed FQDN.

    ## Why it matters
    Cisco's procedure for changing a server's name asks for forward and reverse records that
    agree; services that look a peer up by address find the old name, or none.

    ## Example
    Node `10.0.0.11` would become `cucm1.acme.example`, and `11.0.0.10.in-addr.arpa` points to
    `cucm-old.acme.example`.

    ## How to fix
    Create or correct the PTR record so the address resolves back to the new name.
    """
    records = _records(ctx)
    for proposal in _proposals(ctx):
        if not proposal.rename:
            continue
        for address in sorted(_addresses(proposal.node)):
            record = records.get((address, "PTR"))
            if record is None or proposal.name in (a.lower().rstrip(".") for a in record.answers):
                continue
            says = f"resolves back to {', '.join(record.answers)}" if record.answers else "has no PTR record"
            yield _finding(
                proposal,
                f"{address} {says}; it should name {proposal.name}, the name node {proposal.node.name} would get.",
                _dns_fix(
                    f"Create the PTR record {address} → {proposal.name}",
                    (DnsNeed(proposal.name, address, True),),
                ),
            )


@rule("CC504", "srv-target-mismatch", Severity.ERROR)
def srv_target_mismatch(ctx: Context) -> Iterator[Finding]:
    """A service record points Jabber at a server whose certificate does not carry the name it was given.

    ## What it checks
    The SRV records Jabber discovers its servers through, recorded at collection for each
    domain the deployment uses: `_cisco-uds._tcp` (CUCM User Data Services, how Jabber finds
    its home cluster) and `_cuplogin._tcp` (IM and Presence sign-in, the legacy path), against
    the Tomcat certificate of the server each target names. `_xmpp-client._tcp` is not a Jabber
    record: CC506 reports it.

    ## Why it matters
    Jabber connects to the target the SRV record gives and checks the certificate against that
    name: a target whose certificate does not match makes every client prompt at discovery,
    before any setting is read.

    ## Example
    `_cisco-uds._tcp.acme.example` points to `cucm1.acme.example`, whose Tomcat certificate
    names only `cucm-pub.acme.example`.

    ## How to fix
    Point the record at a name the server's certificate holds, or reissue the certificate to
    hold the target's name.
    """
    yield from _mismatches(ctx, jabber=True)


def _mismatches(ctx: Context, jabber: bool) -> Iterator[Finding]:
    """SRV targets whose certificate does not identify the name (or, for XMPP, the domain) given."""
    for record, service, target, node, purpose, profile, what in _srv_targets(ctx):
        if node is None or (service in JABBER_SERVICES) != jabber:
            continue
        endpoint = node.endpoint(purpose)
        cert = endpoint.certificate if endpoint else None
        if cert is None:
            continue
        domain = record.name.split(".", 2)[2]
        name = domain if profile == "xmpp" else target
        verdict = identity.match(name, cert, profile)
        if verdict.matched:
            continue
        yield Finding(
            f"{record.name} ({what}) points to {target}, but the {purpose} certificate there does not "
            f"identify {name}: {verdict.reason}.",
            node=node.name,
            value=f"{service} {target}",
            location=None,
            certificate=cert.sha256,
            fix=Fix(
                phase=Phase.DNS,
                action=f"Point {record.name} at a name {node_label(node)}'s certificate holds, "
                f"or reissue the certificate to identify {name}",
                where=f"the DNS servers the {'Jabber' if jabber else 'XMPP'} clients use",
            ),
        )


@rule("CC505", "srv-target-unknown", Severity.WARNING)
def srv_target_unknown(ctx: Context) -> Iterator[Finding]:
    """A service record points Jabber at a server that is not in the snapshot.

    ## What it checks
    The targets of the `_cisco-uds._tcp` and `_cuplogin._tcp` records recorded at collection,
    the records Jabber discovers its servers through: each should be a node of the inventory's
    clusters, so that its certificate could be checked.

    ## Why it matters
    A target nobody audits may be a decommissioned server, a typo, or a cluster missing from
    the inventory; clients discovering it may fail or prompt.

    ## Example
    `_cuplogin._tcp.acme.example` points to `imp9.acme.example`, which no cluster lists.

    ## How to fix
    Correct the SRV record, or add the server's cluster to the inventory and collect again.
    """
    for record, service, target, node, _, _, what in _srv_targets(ctx):
        if node is not None or service not in JABBER_SERVICES:
            continue
        yield Finding(
            f"{record.name} ({what}) points to {target}, which is no node of the snapshot.",
            value=f"{service} {target}",
            fix=Fix(
                phase=Phase.AUDIT,
                action=f"Correct {record.name}, or add {target}'s cluster to the inventory",
                where="the DNS servers the Jabber clients use, and confcheck.toml",
            ),
        )


def _srv_targets(
    ctx: Context,
) -> Iterator[tuple[DnsRecord, str, str, Node | None, str, Profile, str]]:
    """(record, service, target, the node it names or None, purpose, profile, description) per SRV target."""
    for record in ctx.deployment.dns:
        if record.type != "SRV":
            continue
        service = ".".join(record.name.split(".")[:2])
        if service not in SERVICES:
            continue
        purpose, profile, products, what = SERVICES[service]
        for answer in record.answers:
            target = answer.split()[-1].rstrip(".").lower()
            found = ctx.resolve(target, products)
            yield record, service, target, found[0][1] if len(found) == 1 else None, purpose, profile, what


@rule("CC506", "xmpp-client-srv-mismatch", Severity.INFO)
def xmpp_client_srv_mismatch(ctx: Context) -> Iterator[Finding]:
    """The `_xmpp-client` record points at a server whose cup-xmpp certificate lacks the XMPP domain.

    ## What it checks
    The `_xmpp-client._tcp` SRV records of each XMPP domain, recorded at collection, against
    the cup-xmpp certificate of the server each target names, which must identify the XMPP
    domain (xmppAddr, SRVName, dNSName).

    ## Why it matters
    Jabber does not use this record: it discovers its servers through `_cisco-uds` (and
    `_collab-edge` from outside), and learns the IM and Presence servers from CUCM (Cisco
    Jabber Planning Guide, Service Discovery). Third-party XMPP clients do use it, and they
    prompt or refuse when the certificate does not identify the domain. Nothing Jabber users
    see depends on it.

    ## Example
    `_xmpp-client._tcp.acme.example` points to `imp1.acme.example`, whose cup-xmpp certificate
    names only `imp1.acme.example`.

    ## How to fix
    If third-party XMPP clients connect, put the XMPP domain into the cup-xmpp certificate of
    the target (see CC104), or point the record at a node whose certificate holds it. If none
    do, nothing needs to change.
    """
    yield from _mismatches(ctx, jabber=False)


RULES: tuple[Rule, ...] = (
    proposed_name_not_in_dns,
    proposed_name_elsewhere,
    reverse_lookup_disagrees,
    srv_target_mismatch,
    srv_target_unknown,
    xmpp_client_srv_mismatch,
)


@hookimpl
def confcheck_rules() -> list[Rule]:
    return list(RULES)
