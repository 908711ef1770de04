"""CC3xx: certificate hygiene: what each server presents, whatever names point to it.

The CC1xx rules ask whether a name handed to clients is in the certificate it meets; these ask
whether the certificates themselves will hold up: valid dates, keys, how they are signed, and
whether a public CA would sign them as they are (Cisco's guide: public CAs want an FQDN as the
server identity, and the CA request fields have rules of their own).

They read the chains the nodes sent, never the references, so a certificate problem is reported
once per (node, purpose, certificate) however many settings name that node. The cluster-wide
rules (CC304, CC305, CC306, CC310) compare the leaves of a cluster's nodes and speak once per
cluster, or once per cluster and purpose.

A node of a current release may present two certificates for one service, an RSA one and its ECDSA
twin (``tomcat`` and ``tomcat-ECDSA``): each is judged as a certificate of its own, and one
certificate met by both probes is judged once. The same purpose met on another port (SIP OAuth) is
judged once too: a different certificate there is a restart not yet made (CC315), not a second
certificate to renew.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from confcheck import apple, hookimpl, identity, records
from confcheck.certs import EKU_LABELS, Certificate
from confcheck.engine import Context
from confcheck.findings import Finding, Fix, Phase, Severity
from confcheck.model import ECDSA, REJECT_AND_NOTIFY, SIP_OAUTH_PORTS, Cluster, Endpoint, Node, family
from confcheck.records import replace
from confcheck.rule import Rule, rule
from confcheck.rules._fixes import (
    SERVER_STORE,
    TRUST_STORES,
    certificate_restart,
    certificate_where,
    multi_server,
    multi_server_home,
    node_label,
    own_fqdn,
    presenting_nodes,
    purpose_title,
    renew,
    renewal_fix,
)
from confcheck.rules._reaction import reacts, refusal_of

SPECIAL_CHARACTERS = "@&!,"
"""What Cisco's guide says the CA request fields must not hold."""
_SPECIAL = frozenset(SPECIAL_CHARACTERS)
REQUEST_FIELDS = ("O", "OU", "L", "ST", "C", "CN")
"""The subject fields of a certificate request, as a Cisco server fills them in."""
ORGANISATION_FIELDS = ("O", "OU", "L", "ST", "C")
"""Set per node (``set web-security``), so they can drift apart across a cluster's nodes."""
NO_VALUE = "(none)"
"""How a subject field a certificate lacks is shown."""
SUBJECT_COMMAND = "set web-security orgunit orgname locality state country"
"""How a Cisco node's certificate request fields are set (each node keeps its own)."""

Method = Literal["1", "2", "3", "1 or 2"]
METHODS: dict[Method, str] = {
    "1": "method 1 (users accept each self-signed certificate at a prompt)",
    "2": f"method 2 (self-signed certificates pushed to {SERVER_STORE})",
    "1 or 2": "method 1 or 2 (self-signed certificates: users accept prompts, or the certificates were "
    f"pushed to {SERVER_STORE})",
    "3": "method 3 (CA-signed certificates, Cisco's recommendation)",
}


@records.record(eq=False)
class Presented:
    """One certificate one node sent for one purpose: the leaf (position 0) or one of its chain.

    Compared by identity: each is made once per run, and hashing a whole cluster would be waste.
    """

    cluster: Cluster | None
    """None for external servers (mail store, conferencing)."""
    node: Node
    endpoint: Endpoint
    cert: Certificate
    position: int

    @property
    def purpose(self) -> str:
        """The certificate's job: ``tomcat``, ``cup-xmpp``, ..."""
        return self.endpoint.purpose

    @property
    def leaf(self) -> bool:
        """Whether this is the server's own certificate rather than a CA certificate of its chain."""
        return self.position == 0

    @property
    def label(self) -> str:
        """``cucm1.example.com Tomcat``: the node and purpose, as evidence lists them."""
        return f"{self.node.name} {purpose_title(self.purpose)}"


def _presented(ctx: Context) -> tuple[Presented, ...]:
    """Every certificate every node sent, once per (node, purpose, certificate); computed once per run."""
    return ctx.memo((__name__, "presented"), lambda: tuple(_collect(ctx)))


def _collect(ctx: Context) -> Iterator[Presented]:
    seen: set[tuple[int, str, str]] = set()
    located: list[tuple[Cluster | None, Node]] = [(c, n) for c in ctx.deployment.clusters for n in c.nodes]
    located += [(None, n) for n in ctx.deployment.externals]
    for cluster, node in located:
        first: dict[str, Endpoint] = {}  # each purpose's first endpoint (Node.endpoint), found in one pass
        for endpoint in node.endpoints:
            first.setdefault(endpoint.purpose, endpoint)
        for endpoint in node.endpoints:
            met = first[endpoint.purpose]
            if met is not endpoint and met.certificate is not None:
                continue  # the purpose met again on another port (_elsewhere)
            kind = family(endpoint.purpose)
            for position, cert in enumerate(endpoint.chain):
                key = (id(node), kind, cert.sha256)  # one certificate, however met
                if key not in seen:
                    seen.add(key)
                    yield Presented(cluster, node, endpoint, cert, position)


def _elsewhere(node: Node, endpoint: Endpoint) -> bool:
    """Whether ``endpoint`` is its purpose met again on another port, while the first met a certificate."""
    first = node.endpoint(endpoint.purpose)
    return first is not None and first is not endpoint and first.certificate is not None


def _leaves(ctx: Context) -> tuple[Presented, ...]:
    """The leaf certificates of :func:`_presented`; picked once per run (a dozen rules read them)."""
    return ctx.memo((__name__, "leaves"), lambda: tuple(p for p in _presented(ctx) if p.leaf))


def _by_cluster(ctx: Context) -> list[tuple[Cluster, list[Presented]]]:
    """Each cluster with the leaves its nodes presented, clusters with none left out; grouped once per run."""
    return ctx.memo((__name__, "by cluster"), lambda: _group(ctx))


def _group(ctx: Context) -> list[tuple[Cluster, list[Presented]]]:
    leaves: dict[int, list[Presented]] = {}
    for p in _leaves(ctx):
        if p.cluster is not None:
            leaves.setdefault(id(p.cluster), []).append(p)
    return [(c, leaves[id(c)]) for c in ctx.deployment.clusters if id(c) in leaves]


def _by_purpose(leaves: Iterable[Presented]) -> dict[str, list[Presented]]:
    found: dict[str, list[Presented]] = {}
    for p in leaves:
        found.setdefault(p.purpose, []).append(p)
    return found


def _now(ctx: Context) -> datetime:
    now = ctx.options.now
    return now if now.tzinfo is not None else now.replace(tzinfo=timezone.utc)


def _trusted(ctx: Context, cert: Certificate) -> bool | None:
    """Whether the clients' trust store holds ``cert`` itself; None when the trust store is unknown."""
    store = ctx.options.trust_store
    if store is None:
        return None
    return cert.sha256 in ctx.memo((__name__, "trusted"), lambda: {c.sha256 for c in store})


# --- how findings and fixes read -----------------------------------------------------------------


def _short(cert: Certificate) -> str:
    return f"{cert.subject or '(empty subject)'} (SHA-256 {cert.sha256[:16]}…)"


def _what(p: Presented) -> str:
    """The certificate as a sentence names it."""
    title = purpose_title(p.purpose)
    if p.leaf:
        return f"the {title} certificate of {node_label(p.node)}"
    return f"the CA certificate {p.cert.subject} that {node_label(p.node)} sends with its {title} certificate"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


def _days(delta: timedelta) -> str:
    """A duration in whole days, rounded: validity dates are kept to the second, the check's time is not."""
    days = round(delta.total_seconds() / 86400)
    return "less than a day" if delta < timedelta(days=1) else "1 day" if days == 1 else f"{days} days"


def _join(items: Iterable[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    found = list(dict.fromkeys(items))
    return found[0] if len(found) == 1 else ", ".join(found[:-1]) + f" and {found[-1]}"


def _names(nodes: Sequence[Node]) -> str:
    return _join(n.name for n in nodes)


def _evidence(p: Presented) -> tuple[tuple[str, str], ...]:
    endpoint, cert = p.endpoint, p.cert
    return (
        ("endpoint", f"{endpoint.protocol}://{endpoint.host}:{endpoint.port} ({endpoint.purpose})"),
        ("certificate", _short(cert) + ("" if p.leaf else f", certificate {p.position + 1} of the chain")),
        ("issuer", "itself (self-signed)" if cert.self_signed else cert.issuer_label or cert.issuer),
        ("valid", f"{cert.not_before.isoformat()} to {cert.not_after.isoformat()}"),
    )


def _finding(p: Presented, message: str, fix: Fix, evidence: Iterable[tuple[str, str]] = ()) -> Finding:
    """A finding about one certificate one node sent for one purpose."""
    cluster = p.cluster
    return Finding(
        message,
        cluster=cluster.name if cluster else None,
        product=cluster.product if cluster else None,
        version=cluster.version if cluster else None,
        instance=p.purpose,
        node=p.node.name,
        subject=p.node.name,
        certificate=p.cert.sha256,
        evidence=_evidence(p) + tuple(evidence),
        fix=fix,
    )


def _cluster_finding(
    cluster: Cluster,
    message: str,
    fix: Fix | None,
    evidence: Iterable[tuple[str, str]],
    purpose: str | None = None,
    certificate: str | None = None,
) -> Finding:
    """A finding about a cluster as a whole (or one purpose of it)."""
    return Finding(
        message,
        cluster=cluster.name,
        product=cluster.product,
        version=cluster.version,
        instance=purpose,
        certificate=certificate,
        evidence=tuple(evidence),
        fix=fix,
    )


def _reissue(ctx: Context, p: Presented, demand: str, **wanted: Any) -> Fix:
    """Replace a node's own (leaf) certificate, signed the way its cluster signs: regenerate, or a CSR."""
    successor = renew(ctx, p.cluster, p.node, p.purpose, p.cert, demand, **wanted)
    return renewal_fix(successor, p.cluster, current=_short(p.cert))


def _replace_ca(ctx: Context, p: Presented, need: str) -> Fix:
    """Replace a CA certificate of the chain; the same fix for every node of the cluster that sends it."""
    title, purpose = purpose_title(p.purpose), p.purpose
    senders = f"every node of {p.cluster.name} that sends it" if p.cluster else p.node.name
    trust = TRUST_STORES.get(purpose, "a trusted CA certificate")
    return Fix(
        phase=Phase.CERTIFICATES,
        action=f"Replace the CA certificate {p.cert.subject} in the {title} chain ({need})",
        where=certificate_where(ctx, p.cluster, p.node),
        current=_short(p.cert),
        steps=(
            f"Get the CA's new certificate for {p.cert.subject}.",
            f"Upload it as {trust} on {senders}.",
            f"If the CA's key changed, reissue the {purpose} certificates it signed.",
        ),
        impact=certificate_restart(ctx, p.cluster, purpose, senders),
    )


# --- validity ------------------------------------------------------------------------------------


@rule("CC301", "certificate-expired", Severity.ERROR)
def certificate_expired(ctx: Context) -> Iterator[Finding]:
    """A server presents an expired certificate, or an expired CA certificate in its chain.

    ## What it checks
    Every certificate each node and external server sends, for each purpose (Tomcat, cup-xmpp,
    mail store, conferencing): the server's own certificate and every CA certificate of the
    chain it sends, against the time of the check. Each certificate is reported once per node
    and purpose, however many settings name the node.

    ## Why it matters
    Jabber validates the whole chain: an expired server or intermediate certificate fails
    validation whatever the names say, so every user is prompted (or refused) when connecting
    to that service, and a certificate accepted at a prompt today fails again once replaced.

    ## Example
    cucm1's Tomcat certificate, CA-signed two years ago, expired on 2024-03-01; or imp1 sends
    its cup-xmpp certificate with an intermediate CA certificate that expired last week.

    ## How to fix
    In the product's Certificate Management, regenerate a self-signed certificate, or generate
    a CSR on the node, have the CA sign it and upload it (an expired CA certificate of the
    chain: upload the CA's renewed certificate to the purpose's trust store). Restart the
    service of that purpose (Cisco Tomcat, Cisco XCP Router) to present it.
    """
    now = _now(ctx)
    for p in _presented(ctx):
        if p.cert.not_after >= now:
            continue
        when = f"expired on {_day(p.cert.not_after)} ({_days(now - p.cert.not_after)} ago)"
        fix = _reissue(ctx, p, "it has expired") if p.leaf else _replace_ca(ctx, p, "it has expired")
        yield _finding(p, f"{_cap(_what(p))} {when}: Jabber cannot validate it.", fix)


@rule("CC302", "certificate-expiring", Severity.WARNING)
def certificate_expiring(ctx: Context) -> Iterator[Finding]:
    """A server's certificate, or a CA certificate in its chain, expires soon.

    ## What it checks
    Every certificate each node and external server sends, for each purpose, the server's own
    and the CA certificates of its chain: whether it expires within the warning period
    (`expiry_warning_days` in confcheck.toml's `[check]` table, 30 days unless set). Expired
    ones are CC301's.

    ## Why it matters
    The day it expires, every Jabber client connecting to the service prompts or fails. A
    CA-signed renewal takes a CSR, the CA's turnaround and a service restart in a maintenance
    window: it needs to start before the last week.

    ## Example
    imp2's cup-xmpp certificate expires on 2025-07-14, in 12 days.

    ## How to fix
    Renew it now: regenerate the self-signed certificate, or generate a CSR on the node and
    have the CA sign it (for a CA certificate of the chain, upload the CA's renewed one to the
    purpose's trust store), then restart the service of that purpose.
    """
    now = _now(ctx)
    horizon = now + timedelta(days=ctx.options.expiry_warning_days)
    for p in _presented(ctx):
        if not now <= p.cert.not_after <= horizon:
            continue
        when = f"expires on {_day(p.cert.not_after)}, in {_days(p.cert.not_after - now)}"
        need = f"it expires on {_day(p.cert.not_after)}"
        fix = _reissue(ctx, p, need) if p.leaf else _replace_ca(ctx, p, need)
        yield _finding(p, f"{_cap(_what(p))} {when}.", fix)


# --- how the certificates are signed -------------------------------------------------------------


@rule("CC303", "self-signed-certificate", Severity.INFO)
def self_signed_certificate(ctx: Context) -> Iterator[Finding]:
    """A node presents a self-signed certificate.

    ## What it checks
    The certificate each node presents for each purpose (Tomcat, cup-xmpp, and the mail store
    and conferencing servers'): whether it is self-signed, that is issued by itself and
    verifiable with its own key. When the clients' trust store is known
    (`trust_store` in `[check]`), the finding says whether it holds the certificate.

    ## Why it matters
    A client can only trust a self-signed certificate it already holds: either each user
    accepts it at a prompt (method 1 of Cisco's guide), or it is pushed to every client's
    Enterprise Trust store (method 2), and again every time it is regenerated. Cisco recommends
    CA-signed certificates (method 3).

    ## Example
    cucm2 presents its install-time self-signed Tomcat certificate, CN `cucm2.example.com`.

    ## How to fix
    Nothing is wrong as such. To move to method 3, generate a CSR for the purpose on the node,
    have the CA sign it, upload the CA's certificates to the purpose's trust store and the
    signed certificate, and restart the service of that purpose.
    """
    for p in _leaves(ctx):
        if not p.cert.self_signed:
            continue
        trusted = _trusted(ctx, p.cert)
        clients = {
            None: "",
            True: " The clients' trust store holds it (method 2).",
            False: " The clients' trust store does not hold it: "
            + reacts(
                ctx,
                "each user accepts it at a prompt (method 1).",
                f"the clients refuse it ({REJECT_AND_NOTIFY}: no user can accept it at a prompt, as method 1 needs).",
                f"each user accepts it at a prompt (method 1), except where the clients are installed with "
                f"{REJECT_AND_NOTIFY}: those refuse it.",
            ),
        }[trusted]
        title = purpose_title(p.purpose)
        # Cisco's recommendation, not a requirement: it joins a replacement made through a CA anyway,
        # and is said as the alternative when the certificate is regenerated for another reason
        fix = _reissue(ctx, p, METHOD_3, request=True, required=p.cluster is None)
        yield _finding(p, f"{node_label(p.node)} presents a self-signed {title} certificate.{clients}", fix)


METHOD_3 = "Cisco recommends CA-signed certificates (method 3)"


def _method(ctx: Context, p: Presented) -> Method:
    if not p.cert.self_signed:
        return "3"
    trusted = _trusted(ctx, p.cert)
    return "1 or 2" if trusted is None else "2" if trusted else "1"


@rule("CC304", "validation-method", Severity.INFO)
def validation_method(ctx: Context) -> Iterator[Finding]:
    """Which of the certificate validation methods of Cisco's guide each cluster is on.

    ## What it checks
    The certificates a cluster's nodes present (Tomcat, cup-xmpp), once per cluster, sorted
    into the three methods of Cisco's guide: 1, self-signed certificates users accept at a
    prompt (not in the clients' trust store); 2, self-signed certificates pushed to the
    clients' Enterprise Trust store (in the trust store given as `trust_store` in `[check]`);
    3, CA-signed certificates. Without a trust store, methods 1 and 2 cannot be told apart and
    the finding says so. A cluster whose nodes are on different methods is reported as mixed;
    a cluster wholly on method 3 is not reported.

    ## Why it matters
    The method decides what every certificate change costs: on method 1 each user answers a
    prompt per server and certificate, on method 2 every regenerated certificate must be pushed
    to every client again, on method 3 only the CA's root must be trusted. Cisco recommends
    method 3.

    ## Example
    `hq-imp` is on method 1: imp1 and imp2 present self-signed Tomcat and cup-xmpp
    certificates that the clients' trust store does not hold.

    ## How to fix
    Nothing is wrong as such. To move to method 3, have each node's Tomcat and cup-xmpp
    certificates signed by a CA (a CSR per node and purpose), make sure clients trust the CA's
    root (a public CA's is already on the devices; push a private CA's root), and restart the
    services. To stay on self-signed certificates without prompts, push each of them to the
    clients' Enterprise Trust store (method 2).
    """
    for cluster, leaves in _by_cluster(ctx):
        methods = {p: _method(ctx, p) for p in leaves}
        found = sorted(set(methods.values()), key=lambda m: list(METHODS).index(m))
        if found == ["3"]:
            continue  # Cisco's recommendation: nothing to say
        evidence = [(p.label, METHODS[methods[p]].split(" (")[0] + f": {_signer(p.cert)}") for p in leaves]
        if len(found) == 1:
            message = f"{cluster.name} is on {METHODS[found[0]]}."
            if found[0] == "1 or 2":
                message += (
                    " Which of the two cannot be told without the clients' trust store (trust_store in "
                    "confcheck.toml's [check] table)."
                )
        else:
            parts = [
                f"{METHODS[m].split(' (')[0]} for {', '.join(p.label for p in leaves if methods[p] == m)}"
                for m in found
            ]
            message = f"{cluster.name} mixes the validation methods of Cisco's guide: {'; '.join(parts)}."
        if {"1", "1 or 2"} & set(found) and refusal_of(ctx) is not False:
            message += reacts(
                ctx,
                "",
                f" The Jabber clients are installed with {REJECT_AND_NOTIFY}: no user can accept a certificate at a prompt, "
                "so where method 1 is used they refuse to connect.",
                f" Clients installed with {REJECT_AND_NOTIFY} cannot accept a certificate at a prompt: where method 1 is "
                "used, they refuse to connect.",
            )
        # a summary: the work is each self-signed certificate's CC303 step, said once per certificate
        yield _cluster_finding(cluster, message, None, evidence)


def _signer(cert: Certificate) -> str:
    return "self-signed" if cert.self_signed else f"signed by {cert.issuer_label or cert.issuer}"


@rule("CC305", "shared-certificate", Severity.WARNING)
def shared_certificate(ctx: Context) -> Iterator[Finding]:
    """Two or more nodes of a cluster present the same certificate for one purpose.

    ## What it checks
    For each cluster and purpose, the certificates its nodes present: the same certificate
    (same SHA-256) presented by several nodes is reported once, naming the nodes.

    ## Why it matters
    Cisco's guide: "Each node in a cluster ... runs a Tomcat service and can present the client
    with an HTTP certificate. You should plan to sign the certificates for each node." One
    certificate on several nodes names at most some of them unless it was issued as a
    multi-server (multi-SAN) certificate, so clients reaching the others prompt; and one key on
    several servers is one key to lose for all. It can also mean two inventory entries lead to
    the same server, which the inventory's addresses will show.

    ## Example
    cucm1 and cucm2 of `hq-cucm` both present the Tomcat certificate of `cucm1.example.com`.

    ## How to fix
    Give each node its own certificate: regenerate it, or generate a CSR on each node and have
    it signed.

    A Cisco multi-server (SAN) certificate (10.5 and later: one certificate for the nodes of a
    cluster, the host part of its CN ending in `-ms`) is shared by design and not reported here;
    CC313 checks that it names every node that presents it.
    """
    for cluster, leaves in _by_cluster(ctx):
        for purpose, group in _by_purpose(leaves).items():
            by_cert: dict[str, list[Presented]] = {}
            for p in group:
                by_cert.setdefault(p.cert.sha256, []).append(p)
            for sharing in by_cert.values():
                if len(sharing) > 1 and multi_server(sharing[0].cert) is None:
                    yield _shared(ctx, cluster, purpose, sharing)


def _shared(ctx: Context, cluster: Cluster, purpose: str, sharing: list[Presented]) -> Finding:
    title, cert = purpose_title(purpose), sharing[0].cert
    nodes = [p.node for p in sharing]
    unnamed = [n for n in nodes if not _names_node(cert, n)]
    if not unnamed:
        why = (
            " It names all of them: if it is a multi-server SAN certificate issued for them on purpose, "
            "waive this finding."
        )
    else:
        why = f" It does not name {_names(unnamed)}."
    renewals = tuple(
        renew(
            ctx,
            cluster,
            p.node,
            purpose,
            cert,
            _shared_with([n for n in nodes if n is not p.node]),
            names=(fqdn,) if (fqdn := own_fqdn(p.node)) else (),
        )
        for p in sharing
    )
    fix = renewal_fix(
        renewals,
        cluster,
        action=f"Give each of {_names(nodes)} its own {title} certificate",
        current=_short(cert),
    )
    return _cluster_finding(
        cluster,
        f"{len(nodes)} nodes of {cluster.name} present the same {title} certificate "
        f"({_short(cert)}): {_names(nodes)}.{why}",
        fix,
        [("node", p.label) for p in sharing],
        purpose,
        cert.sha256,
    )


def _shared_with(others: Sequence[Node]) -> str:
    """Why a shared certificate is renewed, naming the others only while that stays short (linear reports)."""
    if len(others) <= 3:
        return f"{_names(others)} {'presents' if len(others) == 1 else 'present'} the same certificate"
    return f"{len(others)} other nodes present the same certificate"


def _names_node(cert: Certificate, node: Node) -> bool:
    """Whether ``cert`` names ``node`` (its configured name or FQDN) in a SAN dNSName or the CN."""
    wanted = {identity.normalize(n) for n in (node.name, node.fqdn) if n}
    return bool(wanted & _dns_names(cert))


def _dns_names(cert: Certificate) -> set[str]:
    """The host names a certificate names, normalised: SAN dNSNames and CNs, wildcards and IPs left out."""
    values = (*(cert.san.dns if cert.san else ()), *cert.subject_cn)
    return {
        name
        for v in values
        if not v.startswith("*") and not identity.is_ip(v) and (name := identity.normalize(v)) is not None
    }


@rule("CC306", "mixed-signing", Severity.WARNING)
def mixed_signing(ctx: Context) -> Iterator[Finding]:
    """The nodes of a cluster have their certificates for one purpose signed differently.

    ## What it checks
    For each cluster and purpose, who signed each node's certificate: itself (self-signed) or
    a CA, told apart by the issuer's name. Some nodes self-signed and others CA-signed, or
    signed by different issuing CAs, is reported once per cluster and purpose.

    ## Why it matters
    Clients validate each node on its own: a user who never sees a prompt on the CA-signed
    publisher is prompted by the self-signed subscriber the day it takes over, and a second CA
    must be trusted by every client too. A half-finished migration to CA-signed certificates
    usually looks like this.

    ## Example
    In `hq-imp`, imp1's cup-xmpp certificate is signed by `CN=Example Issuing CA`; imp2's is
    still self-signed.

    ## How to fix
    Have the odd nodes' certificates signed by the CA the others use (the fix names them):
    generate a CSR on each, have it signed, upload it, and restart the service of that purpose.
    """
    for cluster, leaves in _by_cluster(ctx):
        for purpose, group in _by_purpose(leaves).items():
            signers: dict[str, list[Presented]] = {}
            for p in group:
                signers.setdefault(_signer(p.cert), []).append(p)
            if len(signers) > 1:
                yield _mixed(ctx, cluster, purpose, signers)


def _mixed(ctx: Context, cluster: Cluster, purpose: str, signers: dict[str, list[Presented]]) -> Finding:
    title = purpose_title(purpose)
    by_ca = Counter({s: len(ps) for s, ps in signers.items() if s != "self-signed"})
    target = by_ca.most_common(1)[0][0]  # ties: the signer met first, i.e. nearest the publisher
    odd = [p.node for s, ps in signers.items() if s != target for p in ps]
    ca = target.removeprefix("signed by ")
    demand = f"the other nodes' are signed by {ca}"
    renewals = tuple(
        renew(ctx, cluster, p.node, purpose, p.cert, demand, request=True, signer=ca)
        for s, ps in signers.items()
        if s != target
        for p in ps
    )
    plural = "s" if len(odd) > 1 else ""
    action = f"Have the {title} certificate{plural} of {_names(odd)} signed by {ca}, like the other nodes'"
    fix = renewal_fix(renewals, cluster, action=action, proposed=target)
    parts = [f"{signer} on {_names([p.node for p in ps])}" for signer, ps in signers.items()]
    return _cluster_finding(
        cluster,
        f"The {title} certificates of {cluster.name}'s nodes are signed differently: {'; '.join(parts)}.",
        fix,
        [(p.label, signer) for signer, ps in signers.items() for p in ps],
        purpose,
    )


# --- public-CA readiness -------------------------------------------------------------------------


@rule("CC307", "ip-address-identity", Severity.WARNING)
def ip_address_identity(ctx: Context) -> Iterator[Finding]:
    """A certificate identifies its server by an IP address.

    ## What it checks
    The certificate each node presents for each purpose: an IPv4 or IPv6 address as its
    Subject CN, as a SAN iPAddress, or written into a SAN dNSName.

    ## Why it matters
    Cisco's guide: public CAs require an FQDN as the server identity, not an IP address, so the
    certificate cannot be renewed with a public CA as it is. Jabber matches an address only
    when a setting names that exact address, which is itself what makes clients prompt once
    the certificates name FQDNs (CC102).

    ## Example
    cucm1 was installed without DNS; its self-signed Tomcat certificate has CN `10.0.0.11`.

    ## How to fix
    Reissue the certificate with the node's FQDN as CN and SAN dNSName (create its DNS records
    first), and change the settings that name the node by address to that FQDN.
    """
    for p in _leaves(ctx):
        cert = p.cert
        addresses = [v for v in cert.subject_cn if identity.is_ip(v)]
        addresses += [*(cert.san.ip if cert.san else ())]
        addresses += [v for v in (cert.san.dns if cert.san else ()) if identity.is_ip(v)]
        if not addresses:
            continue
        shown = ", ".join(dict.fromkeys(addresses))
        fqdn = own_fqdn(p.node)
        demand = f"it names the IP address {shown}"
        if fqdn and identity.normalize(fqdn) in _dns_names(cert):
            # the FQDN is there already: only the address has to go
            fix = _reissue(ctx, p, demand, names=(fqdn,), without=tuple(dict.fromkeys(addresses)))
            yield _finding(
                p,
                f"{_cap(_what(p))} names the IP address {shown} beside {fqdn}: public CAs do not sign IP "
                "addresses, so it cannot be renewed as it is.",
                replace(fix, current=f"{shown} and dNSName {fqdn}"),
            )
            continue
        fix = _reissue(ctx, p, demand, names=(fqdn,) if fqdn else (), without=tuple(dict.fromkeys(addresses)))
        dns = f"DNS resolves {fqdn or 'the FQDN'} to the node" + (
            ", and the settings that name it by address change to the FQDN in the same window (CC102)."
            if _named_by_address(ctx, p.node)
            else "."
        )
        yield _finding(
            p,
            f"{_cap(_what(p))} names the IP address {shown} as server identity: public CAs require an FQDN.",
            replace(fix, current=shown, preconditions=(dns, *fix.preconditions)),
        )


def _named_by_address(ctx: Context, node: Node) -> bool:
    """Whether a configured setting or node name points to ``node`` by an IP address (the nodes so named
    found once per run: asked for every certificate naming an address, a scan of every reference each
    time was quadratic)."""
    named = ctx.memo(
        (__name__, "named by address"),
        lambda: {id(t.node) for c in ctx.checks if identity.is_ip(c.reference.value) for t in c.targets},
    )
    return id(node) in named


def _request_fields(cert: Certificate) -> tuple[tuple[str, str], ...]:
    """The subject's request fields; a certificate built without attributes still has its CNs."""
    attributes = cert.subject_attributes or tuple(("CN", cn) for cn in cert.subject_cn)
    return tuple((name, value) for name, value in attributes if name in REQUEST_FIELDS)


@rule("CC308", "subject-special-characters", Severity.WARNING)
def subject_special_characters(ctx: Context) -> Iterator[Finding]:
    """A certificate's subject has @, &, ! or a comma in a field of the CA request.

    ## What it checks
    The subject of the certificate each node presents for each purpose: the values of O, OU,
    L, ST, C and CN, as encoded (not the RFC 4514 text, whose escaping adds backslashes), for
    any of `@ & ! ,`.

    ## Why it matters
    Cisco's guide lists these characters as not allowed in the fields of a CA request; CAs
    refuse such requests or change the values. On the Cisco servers the fields come from the
    platform's certificate information, where a comma separates several units: `Example,
    Inc.` becomes two organisational units in the next CSR.

    ## Example
    cuc1's Tomcat certificate has `O=Smith & Sons, Inc.`.

    ## How to fix
    Set the organisation fields again without those characters (on a Cisco server, the CLI
    command `set web-security orgunit orgname locality state country`), then regenerate the
    certificate or generate a new CSR and have it signed.
    """
    for p in _leaves(ctx):
        subject = p.cert.subject  # every value is in it, RFC 4514-escaped: a comma as "\,", @ & ! as they are
        if "@" not in subject and "&" not in subject and "!" not in subject and "\\," not in subject:
            continue  # none in any field: most certificates, said without reading their fields one by one
        bad = [(n, v) for n, v in _request_fields(p.cert) if not _SPECIAL.isdisjoint(v)]
        if not bad:
            continue
        found = _join(f"'{c}'" for c in SPECIAL_CHARACTERS if any(c in v for _, v in bad))
        shown = ", ".join(f"{n}={v!r}" for n, v in bad)
        yield _finding(
            p,
            f"{_cap(_what(p))} has {found} in {shown}: a CA request may not hold them.",
            _subject_fix(ctx, p, bad, f"{found} in {shown}"),
            [(n, v) for n, v in bad],
        )


def _subject_fix(ctx: Context, p: Presented, bad: Sequence[tuple[str, str]], demand: str) -> Fix:
    """Renew the certificate with request fields free of the characters, as the rest of the cluster has them."""
    wanted = _subject_targets(ctx, p.cluster)
    subject = {n: wanted.get(n) or _clean(v) for n, v in bad if n != "CN"}
    fix = _reissue(
        ctx,
        p,
        demand,
        subject=tuple(subject.items()),
        subject_command=SUBJECT_COMMAND if p.cluster else None,
    )
    return replace(fix, current="; ".join(f"{n}={v}" for n, v in bad))


def _clean(value: str) -> str:
    """A request field without the characters Cisco's guide forbids: ``Smith & Sons, Inc.`` → ``Smith and Sons Inc.``."""
    words = value.replace("&", " and ").replace("@", " at ").replace(",", " ").replace("!", " ")
    return " ".join(words.split())


def _subject_targets(ctx: Context, cluster: Cluster | None) -> dict[str, str]:
    """Per organisation field, the value the cluster's requests should carry: the one most of its
    certificates have, without the forbidden characters. CC308 and CC310 propose the same values."""
    if cluster is None:
        return {}

    def compute() -> dict[str, str]:
        leaves = next((ps for c, ps in _by_cluster(ctx) if c is cluster), [])
        found: dict[str, Counter[str]] = {}
        for p in leaves:
            for name, value in p.cert.subject_attributes:
                if name in ORGANISATION_FIELDS and _clean(value):
                    found.setdefault(name, Counter())[_clean(value)] += 1
        return {name: counts.most_common(1)[0][0] for name, counts in found.items()}

    return ctx.memo((__name__, "subject targets", id(cluster)), compute)


def subject_values(ctx: Context, cluster: Cluster | None) -> dict[str, str]:
    """The organisation fields (O, OU, L, ST, C) a cluster's certificate requests should carry, the
    values CC308 and CC310 propose: what most of its certificates have, free of ``@ & ! ,``. Empty for
    no cluster. Public so that the remediation pack's CSR plan requests exactly what the fixes propose."""
    return _subject_targets(ctx, cluster)


def clean_subject_value(value: str) -> str:
    """A request field without the characters Cisco's guide forbids (see :func:`subject_values`)."""
    return _clean(value)


@rule("CC309", "weak-key", Severity.WARNING)
def weak_key(ctx: Context) -> Iterator[Finding]:
    """A server's certificate, or a CA certificate in its chain, has a weak key.

    ## What it checks
    Every certificate each node and external server sends, for each purpose: an RSA key
    smaller than `min_rsa_bits` (`[check]` in confcheck.toml, 2048 unless set), or a DSA key of
    any size.

    ## Why it matters
    Public CAs do not sign requests for RSA keys under 2048 bits, and current clients and TLS
    libraries reject such certificates, and DSA ones altogether: the service stops working for
    clients the day they update, and a CA-signed renewal is refused.

    ## Example
    cucm1's Tomcat certificate, generated years ago, has a 1024-bit RSA key.

    ## How to fix
    Generate a new key pair: regenerate the certificate, or generate a CSR with a key length
    of at least the minimum, have it signed and upload it, then restart the service. A weak CA
    certificate of the chain must be replaced by the CA, and the certificates it signed
    reissued.
    """
    minimum = ctx.options.min_rsa_bits
    for p in _presented(ctx):
        key = p.cert.key
        if key.type == "RSA" and key.bits is not None and key.bits < minimum:
            why = f"a {key.bits}-bit RSA key, below {minimum} bits"
        elif key.type == "DSA":
            why = f"a DSA key{f' ({key.bits} bits)' if key.bits else ''}, which clients and CAs no longer accept"
        else:
            continue
        need = f"an RSA key of at least {minimum} bits"
        if p.leaf:
            fix = _reissue(ctx, p, f"it has {why.split(',')[0]}", min_rsa_bits=minimum)
        else:
            fix = _replace_ca(ctx, p, f"re-keyed with {need}")
        yield _finding(p, f"{_cap(_what(p))} has {why}.", fix)


@rule("CC310", "inconsistent-subject", Severity.INFO)
def inconsistent_subject(ctx: Context) -> Iterator[Finding]:
    """The organisation fields of the certificates differ across the nodes of a cluster.

    ## What it checks
    For each cluster, the O, OU, L, ST and C of the certificates its nodes present (all
    purposes): a field with different values on different nodes, or present on some and
    missing on others, is reported once per cluster, with the values and where each is.

    ## Why it matters
    A CA validates the organisation named in each request; requests for one cluster that
    name it differently are queried or refused, and the certificates that come back describe
    the organisation inconsistently. On the Cisco servers each node keeps these fields itself
    (set at installation), so they drift apart node by node.

    ## Example
    In `hq-cucm`, cucm1's Tomcat certificate has `O=Example Inc` and cucm2's `O=Example`.

    ## How to fix
    Nothing is wrong as such. Before requesting CA-signed certificates, set the same values on
    every node (on a Cisco server, `set web-security orgunit orgname locality state country`),
    then regenerate the certificates or generate the CSRs.
    """
    for cluster, leaves in _by_cluster(ctx):
        if len({_organisation(p.cert) for p in leaves}) == 1:
            continue  # every certificate names the organisation alike: no field can differ
        differing: dict[str, dict[str, list[Presented]]] = {}
        fields = [(p, _fields(p.cert)) for p in leaves]
        for name in ORGANISATION_FIELDS:
            values: dict[str, list[Presented]] = {}
            per_node: dict[int, set[str]] = {}
            for p, held in fields:
                value = " + ".join(held.get(name, ())) or NO_VALUE
                values.setdefault(value, []).append(p)
                per_node.setdefault(id(p.node), set()).add(value)
            if len({frozenset(v) for v in per_node.values()}) > 1:  # nodes differ, not just purposes
                differing[name] = values
        if differing:
            yield _inconsistent(ctx, cluster, differing)


def _organisation(cert: Certificate) -> tuple[tuple[str, str], ...]:
    """The subject's organisation fields as (name, value), in certificate order."""
    return tuple(pair for pair in cert.subject_attributes if pair[0] in ORGANISATION_FIELDS)


def _fields(cert: Certificate) -> dict[str, list[str]]:
    """The subject's values by attribute name, in certificate order (one pass, not one per field)."""
    held: dict[str, list[str]] = {}
    for name, value in cert.subject_attributes:
        held.setdefault(name, []).append(value)
    return held


def _most_common(values: dict[str, list[Presented]]) -> str:
    """The value most nodes hold; a field some nodes lack is proposed as the value the others set."""
    present = {v: ps for v, ps in values.items() if v != NO_VALUE} or values
    return max(present, key=lambda v: len(present[v]))


def _inconsistent(
    ctx: Context, cluster: Cluster, differing: dict[str, dict[str, list[Presented]]]
) -> Finding:
    wanted = _subject_targets(ctx, cluster)
    proposed = {name: wanted.get(name) or _most_common(values) for name, values in differing.items()}
    off = [
        p
        for name, values in differing.items()
        for value, ps in values.items()
        if _clean(value) != proposed[name]
        for p in ps
    ]
    off = list(dict.fromkeys(off))
    odd = list(dict.fromkeys(p.node for p in off))
    parts = [
        f"{name} is "
        + " and ".join(f"{value!r} on {', '.join(p.label for p in ps)}" for value, ps in values.items())
        for name, values in differing.items()
    ]
    line = ctx.line(cluster)
    target = ", ".join(f"{n}={v}" for n, v in proposed.items())
    renewals = tuple(
        renew(
            ctx,
            cluster,
            p.node,
            p.purpose,
            p.cert,
            f"its {', '.join(differing)} {'differs' if len(differing) == 1 else 'differ'} from the rest of "
            f"{cluster.name}",
            subject=tuple(proposed.items()),
            subject_command=SUBJECT_COMMAND,
            required=False,  # nothing is wrong as such: aligned when the certificate is replaced anyway
        )
        for p in off
    )
    fix = Fix(
        phase=Phase.CERTIFICATES,
        action=f"Give every node of {cluster.name} the same {', '.join(differing)} ({target}) before "
        "certificates are requested",
        where=f"the command line interface of {_names(odd)}",
        field="set web-security",
        proposed=target,
        steps=(
            f"On {_names(odd)}, run {SUBJECT_COMMAND} with those values.",
            f"Certificates regenerated or requested in {line.certificate_management} from then on carry "
            "them; the certificates presented now keep theirs until they are replaced.",
        ),
        impact="None until certificates are replaced.",
        renewals=renewals,
    )
    evidence = [
        (f"{name} {value!r}", ", ".join(p.label for p in ps))
        for name, vs in differing.items()
        for value, ps in vs.items()
    ]
    return _cluster_finding(
        cluster,
        f"The certificates of {cluster.name}'s nodes differ in {', '.join(differing)}: {'; '.join(parts)}.",
        fix,
        evidence,
    )


@rule("CC311", "multi-server-certificate", Severity.INFO)
def multi_server_certificate(ctx: Context) -> Iterator[Finding]:
    """A certificate names the FQDNs of several servers.

    ## What it checks
    The certificate each node presents for each purpose: whether its SAN dNSNames and CN name
    two or more servers of the snapshot (cluster nodes and external servers, by configured name
    or FQDN). Wildcards, the XMPP domain and aliases that are no server's name do not count. A
    certificate several nodes present is reported once (CC305 names the nodes). A Cisco
    multi-server certificate (the host part of its CN ending in `-ms`) was requested as one
    already: CC313 checks it.

    ## Why it matters
    A public CA issues one certificate per FQDN unless a multi-server (multi-SAN) certificate
    is asked for, and priced, as such: renewing this certificate the way it was made needs that
    request, or one certificate per node. IM and Presence generates multi-server certificate
    requests from release 10.5.

    ## Example
    imp1's cup-xmpp certificate names `imp1.example.com`, `imp2.example.com` and `example.com`.

    ## How to fix
    Nothing is wrong as such. When a public CA is to sign it, ask for a multi-server SAN
    certificate naming those servers, or generate one CSR per node naming that node only.
    """
    presenting: dict[tuple[int, str, str], list[Presented]] = {}
    for p in _leaves(ctx):
        san = p.cert.san
        if len({*(san.dns if san else ()), *p.cert.subject_cn}) < 2:
            continue  # one name (the usual certificate) names one server at most: normalised, none more
        presenting.setdefault((id(p.cluster), p.purpose, p.cert.sha256), []).append(p)
    for group in presenting.values():
        p = group[0]  # one finding per certificate, however many nodes present it (CC305 says who)
        if multi_server(p.cert) is not None:
            continue  # requested as a multi-server certificate already (CC313 checks its names)
        servers = ctx.memo((__name__, "servers"), lambda: _server_names(ctx))
        named = {servers[n]: n for n in _dns_names(p.cert) if n in servers}
        if len(named) < 2:
            continue
        names = sorted(named.values())
        title = purpose_title(p.purpose)
        # advice for the next request: part of a replacement of the certificate when there is one
        renewals = tuple(renew(ctx, q.cluster, q.node, q.purpose, q.cert, "", required=False) for q in group)
        fix = Fix(
            phase=Phase.CERTIFICATES,
            action=f"When a public CA next signs this {title} certificate, request a multi-server (SAN) "
            f"certificate naming {_join(names)}, or one certificate per node instead",
            where=certificate_where(ctx, p.cluster, p.node),
            current=_short(p.cert),
            impact="A public CA issues one certificate per FQDN unless a multi-SAN certificate is requested.",
            renewals=renewals,
        )
        yield _finding(
            p,
            f"{_cap(_what(p))} names {len(names)} servers: {', '.join(names)}. A public CA issues one "
            "certificate per FQDN unless a multi-SAN certificate is asked for.",
            fix,
        )


def _server_names(ctx: Context) -> dict[str, int]:
    """Every server's names (configured name, FQDN), normalised, to one key per server."""
    nodes = [n for c in ctx.deployment.clusters for n in c.nodes] + list(ctx.deployment.externals)
    found: dict[str, int] = {}
    for number, node in enumerate(nodes):
        for name in (node.name, node.fqdn):
            if name and identity.name_kind(name) == "fqdn" and (key := identity.normalize(name)):
                found.setdefault(key, number)
    return found


# --- current releases: ECDSA twins, multi-server certificates, extended key usage, restarts ------


@rule("CC312", "self-signed-ecdsa-twin", Severity.WARNING)
def self_signed_ecdsa_twin(ctx: Context) -> Iterator[Finding]:
    """A node serves a self-signed ECDSA certificate beside a CA-signed RSA one.

    ## What it checks
    Nodes of 11.0 and later hold two certificates for Tomcat and for IM and Presence's XMPP
    service: an RSA one (`tomcat`, `cup-xmpp`) and its ECDSA twin (`tomcat-ECDSA`,
    `cup-xmpp-ECDSA`). confcheck meets each such endpoint twice, once offering only RSA and once
    only ECDSA. This rule reports a node whose ECDSA probe got a self-signed certificate while its
    RSA probe got a CA-signed one. A twin the server does not serve is not met and not reported:
    Tomcat serves ECDSA only when the HTTPS Ciphers enterprise parameter allows EC ciphers (not the
    default).

    ## Why it matters
    A client that negotiates ECDSA gets the self-signed twin, not the CA-signed certificate: on
    method 3 (the clients trust the CA's root) it leads to nothing they trust, and they prompt.
    Cisco does not say whether Jabber negotiates ECDSA when the server offers both; most TLS
    clients list ECDSA first.

    ## Example
    cucm1's Tomcat certificate is signed by the enterprise CA. HTTPS Ciphers was set to "All
    Supported EC and RSA Ciphers", and cucm1 now serves its install-time self-signed tomcat-ECDSA
    certificate to clients that offer ECDSA.

    ## How to fix
    Have the twin signed by the same CA: generate a tomcat-ECDSA (or cup-xmpp-ECDSA) CSR on the
    node, have it signed, upload it as tomcat-ECDSA (cup-xmpp-ECDSA) and restart the service. Or,
    if no client needs ECDSA, set HTTPS Ciphers back to "RSA Ciphers only" and restart Cisco
    Tomcat on every node.
    """
    for p in _leaves(ctx):
        if p.cluster is None or not p.purpose.endswith(ECDSA) or not p.cert.self_signed:
            continue
        rsa = p.node.endpoint(family(p.purpose))
        beside = rsa.certificate if rsa is not None else None
        if beside is None or beside.self_signed or beside.sha256 == p.cert.sha256:
            continue
        ca = beside.issuer_label or beside.issuer
        title = purpose_title(family(p.purpose))
        trusted = _trusted(ctx, p.cert)
        clients = {
            None: "",
            True: " The clients' trust store holds it (method 2), so they accept it.",
            False: f" The clients' trust store does not hold it: those clients {reacts(ctx, 'prompt', 'refuse to connect')}.",
        }[trusted]
        notes = (HTTPS_CIPHERS_NOTE,) if family(p.purpose) == "tomcat" else ()
        fix = _reissue(
            ctx, p, f"the {title} certificate beside it is signed by {ca}", request=True, signer=ca
        )
        fix = replace(fix, steps=(*fix.steps, *notes)) if notes else fix
        yield _finding(
            p,
            f"{node_label(p.node)} serves a self-signed {p.purpose} certificate to clients that negotiate "
            f"ECDSA, beside its {title} certificate signed by {ca}.{clients}",
            fix,
            [(f"{title} certificate", _short(beside))],
        )


HTTPS_CIPHERS_NOTE = (
    "Or, if no client needs ECDSA: set the HTTPS Ciphers enterprise parameter back to 'RSA Ciphers only' "
    "(its default) and restart Cisco Tomcat on every node of the cluster; the twin is then no longer served."
)


@rule("CC313", "multi-server-node-missing", Severity.WARNING)
def multi_server_node_missing(ctx: Context) -> Iterator[Finding]:
    """A multi-server (SAN) certificate does not name every node it is for.

    ## What it checks
    Cisco multi-server certificates (10.5 and later; the host part of the CN ends in `-ms`): one
    certificate, requested once on the publisher, for the nodes of a cluster (Tomcat: the CUCM
    nodes, and the IM and Presence nodes that present it; cup-xmpp: the IM and Presence nodes).
    Every node that presents it, and every node of the cluster that requested it, must be named by
    a SAN dNSName or the CN (its configured name or FQDN).

    ## Why it matters
    A node that presents the certificate without being named in it makes every client sent to
    that node prompt (CC101 reports each name that does). A node added after the certificate was
    made keeps a certificate of its own, signed differently from its neighbours, until a new
    multi-server CSR names it: Cisco's procedure for adding a node is a new multi-server CSR.

    ## Example
    `cucm1-ms.example.com` names cucm1 and cucm2; cucm3, added last year, presents it too.

    ## How to fix
    On the publisher, generate one new CSR for the purpose with Distribution "Multi-server (SAN)":
    it lists every node of the cluster. Have it signed, upload it on the publisher, and restart the
    service on every node. Not one CSR per node.
    """
    groups: dict[tuple[str, str], list[Presented]] = {}
    for p in _leaves(ctx):
        if p.cluster is not None and multi_server(p.cert) is not None:
            groups.setdefault((p.purpose, p.cert.sha256), []).append(p)
    for (purpose, _), group in groups.items():
        first = group[0]
        cert = first.cert
        home, publisher, served = multi_server_home(ctx, cert, purpose)
        missing = [n for n in served if not _names_node(cert, n)]
        if not missing:
            continue
        presenting = {id(n) for _, n in presenting_nodes(ctx, cert, purpose, by_family=False)}
        title = purpose_title(purpose)
        wearing = [n for n in missing if id(n) in presenting]
        own = [n for n in missing if id(n) not in presenting]
        parts = []
        if wearing:
            parts.append(
                f"{_names(wearing)} {'presents' if len(wearing) == 1 else 'present'} it: clients sent there "
                + reacts(ctx, "prompt", "refuse to connect")
            )
        if own:
            parts.append(
                f"{_names(own)} {'presents a certificate of its' if len(own) == 1 else 'present certificates of their'} own"
            )
        demand = f"it does not name {_names(missing)}"
        successor = renew(ctx, first.cluster, first.node, purpose, cert, demand)
        fix = renewal_fix(successor, home, current=_short(cert))
        evidence = [
            (
                n.name,
                ("named" if n not in missing else "not named")
                + ("" if id(n) in presenting else ", presents its own"),
            )
            for n in served
        ]
        yield _cluster_finding(
            home,
            f"The multi-server {title} certificate {multi_server(cert)} of {home.name} does not name "
            f"{_names(missing)}: {'; '.join(parts)}. One new multi-server CSR on {publisher.name} names every node.",
            fix,
            evidence,
            purpose,
            cert.sha256,
        )


EKU_NOTE = (
    "The signed certificate must keep both extended key usages of the request, TLS Web Server and TLS Web "
    "Client Authentication: have the CA use a certificate profile (template) that issues both; one meant for "
    "web servers may issue TLS Web Server Authentication only."
)


@rule("CC314", "extended-key-usage", Severity.ERROR)
def extended_key_usage(ctx: Context) -> Iterator[Finding]:
    """A Tomcat or cup-xmpp certificate lacks TLS Web Server or TLS Web Client Authentication.

    ## What it checks
    The Tomcat and cup-xmpp certificates, and their ECDSA twins, that the nodes of 10.0 and later
    clusters present: a certificate with an extended key usage extension must list both TLS Web
    Server Authentication (serverAuth) and TLS Web Client Authentication (clientAuth), or
    anyExtendedKeyUsage. A certificate without the extension may be used for anything and is not
    reported.

    ## Why it matters
    Cisco requires both for these certificates (Preferred Architecture 12.x, Security chapter): the
    servers also use the Tomcat certificate as a TLS client, and without TLS Web Client
    Authentication inter-server connections such as ILS and UDS fail to set up. Without TLS Web
    Server Authentication, TLS clients that check a certificate's purpose refuse it for a server.
    CA profiles meant for web servers often issue server authentication only.

    ## Example
    The enterprise CA signed cucm1's Tomcat CSR with its web server template, which keeps TLS Web
    Server Authentication only.

    ## How to fix
    Have the CA sign the node's CSR again with a profile that keeps both extended key usages of the
    request (Cisco's CSRs ask for both), upload it and restart the service. A regenerated
    self-signed certificate has both.
    """
    for p in _leaves(ctx):
        usages = p.cert.extended_key_usage
        cluster = p.cluster
        if usages is None or cluster is None or cluster.major < 10:
            continue
        if family(p.purpose) not in ("tomcat", "cup-xmpp") or "anyExtendedKeyUsage" in usages:
            continue
        lacking = [e for e in ("serverAuth", "clientAuth") if e not in usages]
        if not lacking:
            continue
        shown = ", ".join(EKU_LABELS.get(u, u) for u in usages) or "none"
        why = []
        if "clientAuth" in lacking:
            why.append("the servers' own TLS connections that use it as a client certificate (ILS, UDS) fail")
        if "serverAuth" in lacking:
            why.append("TLS clients that check a certificate's purpose refuse it for a server")
        missing = " and ".join(EKU_LABELS[e] for e in lacking)
        fix = _reissue(ctx, p, f"it lacks {missing}", notes=(EKU_NOTE,))
        yield _finding(
            p,
            f"{_cap(_what(p))} lacks {missing} (its extended key usage: {shown}): {' and '.join(why)}.",
            fix,
            [("extended key usage", shown)],
        )


@rule("CC316", "apple-tls-requirements", Severity.WARNING)
def apple_tls_requirements(ctx: Context) -> Iterator[Finding]:
    """A certificate breaks the rules Apple's platforms set for TLS server certificates.

    ## What it checks
    Every certificate the nodes and external servers present to Jabber (not Expressway-C's, which
    Jabber never meets), against the rules that iOS 13, iPadOS 13 and macOS 10.15 and later apply
    on top of their trust stores (Apple support article HT210176; how, from Apple's trust daemon):

    - a CA-signed server certificate issued after 1 July 2019 (its notBefore) must be valid for at
      most 825 days (and an hour). Apple does not hold a certificate the device trusts by itself to
      this: a self-signed one is not reported, nor one for the platforms whose trust store given in
      confcheck.toml holds it (macOS: Jabber for Mac; iOS: Jabber for iPhone and iPad);
    - no certificate sent but the root may be signed with SHA-1 or MD5.

    Apple's other rules are reported where confcheck judges the same thing for every platform: an
    RSA key under 2048 bits (CC309), a name only in the Subject CN (CC106), an extended key usage
    without TLS Web Server Authentication (CC314, CC401). The stricter limits for certificates from
    CAs Apple ships (398 days from September 2020, HT211025) are kept by public CAs and not checked.

    ## Why it matters
    Jabber for Mac, iPhone and iPad validate certificates through their platform (the Keychain on a
    Mac): a certificate that breaks these rules is not trusted there even with its CA's root in the
    device's store, so users on those platforms are prompted where users of Jabber for Windows are
    not. Enterprise CA templates valid for several years are the usual cause.

    ## Example
    The enterprise CA issues server certificates valid for five years: cucm1's Tomcat certificate,
    issued in 2024, is valid for 1,826 days.

    ## How to fix
    Have the CA issue the certificate again, valid for 825 days or fewer and signed with SHA-256,
    upload it and restart the service. A CA certificate signed with SHA-1 is replaced by the CA.
    """
    on_mac, on_ios = _apple_pinned(ctx)
    breaches = apple.breaches
    for p in _presented(ctx):
        leaf, sha256 = p.position == 0, p.cert.sha256
        mac = breaches(p.cert, leaf, sha256 in on_mac)
        ios = mac if on_mac is on_ios else breaches(p.cert, leaf, sha256 in on_ios)  # one store: once
        if not (mac or ios) or (p.cluster is not None and p.cluster.product == "expressway-c"):
            continue
        # what the platforms say differs only in the validity, which a store holding the certificate excuses
        broken = mac if len(mac) >= len(ios) else ios
        who = apple.CLIENTS if mac and ios else "Jabber for Mac" if mac else "Jabber for iPhone and iPad"
        one = who == "Jabber for Mac"  # one client: "does not ... its"
        why = "; ".join(b.reason for b in broken)
        if p.leaf:
            fix = _reissue(ctx, p, why, request=True, signing=tuple(b.needs for b in broken))
            whom = "it even with its CA's root"
        else:
            fix = _replace_ca(ctx, p, "signed with SHA-256")
            whom = "the chain even with its root"
        yield _finding(
            p,
            f"{_cap(_what(p))} breaks Apple's rules for TLS server certificates ({why}): {who} "
            + (
                f"does not trust {whom} in its trust store, and {reacts(ctx, 'prompts', 'refuses to connect')}."
                if one
                else f"do not trust {whom} in their trust store, and {reacts(ctx, 'prompt', 'refuse to connect')}."
            ),
            fix,
            [("Apple's rules", apple.SOURCE)],
        )


def _apple_pinned(ctx: Context) -> tuple[frozenset[str], frozenset[str]]:
    """The certificates the macOS and the iOS trust stores hold themselves ([check.trust_stores], else
    [check] trust_store; the same set when both are the same store): Apple does not limit the validity
    of a certificate trusted by itself. A store not given holds nothing known."""
    stores = dict(ctx.options.platform_stores)
    found = []
    for key in apple.STORES:
        store = stores.get(key, ctx.options.trust_store)
        found.append(frozenset(c.sha256 for c in store) if store is not None else frozenset())
    mac, ios = found
    return (mac, mac) if mac == ios else (mac, ios)


SERVICE_CONTROL = "Cisco Unified Serviceability > Tools > Control Center - Feature Services"


@rule("CC315", "restart-pending", Severity.WARNING)
def restart_pending(ctx: Context) -> Iterator[Finding]:
    """A SIP OAuth port presents another Tomcat certificate than Tomcat does: a restart is pending.

    ## What it checks
    From CUCM 12.5, the CallManager service's SIP OAuth ports (5090 for Jabber on premises, 5091
    for Expressway-C) present the node's Tomcat certificate. confcheck meets them beside Tomcat's
    own port; a certificate there that is neither of the certificates Tomcat presents (RSA, or the
    ECDSA twin) is reported once per node and certificate, with which of the two is newer, and
    whether it names the node's configured name (the name Jabber connects to there). A closed port
    is not reported.

    ## Why it matters
    After the Tomcat certificate is replaced, "the CallManager process must be restarted" (Cisco
    doc 215572, Cisco Jabber and SIP OAuth Mode). Until then Jabber's SIP registration meets the
    old certificate: if it is expired, untrusted, or lacks the node's name, Jabber fails or
    prompts although Tomcat's own port looks right. It is the one place where confcheck sees that
    a certificate is installed but not yet served, without an interface for installed certificates.

    ## Example
    cucm2's Tomcat certificate was renewed last week; port 5090 still presents the previous one.

    ## How to fix
    Restart Cisco CallManager on the node (Cisco Unified Serviceability > Tools > Control Center -
    Feature Services) in a maintenance window. If the SIP OAuth port presents the newer
    certificate, Tomcat is the one that was not restarted: restart Cisco Tomcat on the node
    (`utils service restart Cisco Tomcat`).
    """
    for cluster in ctx.deployment.clusters:
        for node in cluster.nodes:
            stale: dict[str, list[Endpoint]] = {}
            for endpoint in node.endpoints:
                cert = endpoint.certificate
                if cert is None or not _elsewhere(node, endpoint):
                    continue
                first = node.endpoint(endpoint.purpose)
                assert first is not None
                served = {
                    e.certificate.sha256
                    for e in node.endpoints
                    if e.certificate and e.port == first.port and family(e.purpose) == family(first.purpose)
                }
                if cert.sha256 not in served:
                    stale.setdefault(cert.sha256, []).append(endpoint)
            for endpoints in stale.values():
                yield _restart(ctx, cluster, node, endpoints)


def _restart(ctx: Context, cluster: Cluster, node: Node, endpoints: list[Endpoint]) -> Finding:
    other = endpoints[0]
    first = node.endpoint(other.purpose)
    assert first is not None
    assert first.certificate is not None
    assert other.certificate is not None
    tomcat, elsewhere = first.certificate, other.certificate
    title = purpose_title(other.purpose)
    ports = _join(str(e.port) for e in endpoints)
    plural = "s" if len(endpoints) > 1 else ""
    present = "present" if plural else "presents"
    sip = all(_sip_oauth(e) for e in endpoints)
    where = f"SIP OAuth port{plural} {ports}" if sip else f"port{plural} {ports}"
    label = node_label(node)
    if tomcat.not_before >= elsewhere.not_before:
        service = "Cisco CallManager" if sip else f"the service listening on port{plural} {ports}"
        message = (
            f"{label}'s {where} {present} an older {title} certificate than Tomcat presents on port "
            f"{first.port}: {service} has not been restarted since the {title} certificate was replaced."
        )
        if not _names_value(elsewhere, node.name):
            message += f" Until then, clients meet a certificate there that does not name {node.name}."
        fix = Fix(
            phase=Phase.CERTIFICATES,
            action=f"Restart {service} on {label}, so that its {where} {present} the current {title} certificate",
            where=SERVICE_CONTROL if sip else f"the service control of {node.name}",
            current=_dated(elsewhere),
            proposed=f"the {title} certificate port {first.port} presents",
            impact=(
                f"CallManager on {node.name} stops while it restarts: devices registered there move to the next "
                "node of their Cisco Unified CM group, or are down until it is back. Do it in a maintenance window."
                if sip
                else f"The service on {node.name} is briefly unavailable."
            ),
        )
    else:
        message = (
            f"{label}'s {where} {present} a newer {title} certificate than Tomcat presents on port "
            f"{first.port}: Cisco Tomcat has not been restarted since the {title} certificate was replaced."
        )
        if not _names_value(elsewhere, node.name):
            port = first.port
            message += f" The newer certificate does not name {node.name}: after the restart, " + reacts(
                ctx,
                f"port {port} prompts too.",
                f"the clients refuse port {port} too.",
                f"port {port} prompts too (or, under {REJECT_AND_NOTIFY}, is refused).",
            )
        fix = Fix(
            phase=Phase.CERTIFICATES,
            action=f"Restart Cisco Tomcat on {label}, so that port {first.port} presents the current {title} "
            "certificate",
            where=f"the command line interface of {node.name}",
            field="utils service restart Cisco Tomcat",
            current=_dated(tomcat),
            proposed=f"the {title} certificate the {where} {present}",
            impact=f"The web pages and services of {node.name} (administration, UDS) are unavailable for a few "
            "minutes.",
        )
    evidence = [
        (f"port {first.port}", f"{_short(tomcat)}, valid from {tomcat.not_before.isoformat()}"),
        *(
            (f"port {e.port}", f"{_short(elsewhere)}, valid from {elsewhere.not_before.isoformat()}")
            for e in endpoints
        ),
    ]
    return Finding(
        message,
        cluster=cluster.name,
        product=cluster.product,
        version=cluster.version,
        instance=other.purpose,
        node=node.name,
        subject=f"{node.name} {other.purpose} {ports}",
        certificate=elsewhere.sha256,
        evidence=tuple(evidence),
        fix=fix,
    )


def _names_value(cert: Certificate, value: str) -> bool:
    """Whether ``value`` (a node's configured name) matches ``cert`` the way Jabber checks it."""
    return identity.match(value, cert, "http").matched


def _dated(cert: Certificate) -> str:
    return f"{_short(cert)}, valid from {_day(cert.not_before)}"


def _sip_oauth(endpoint: Endpoint) -> bool:
    return endpoint.protocol == "tls" and endpoint.port in SIP_OAUTH_PORTS


RULES: tuple[Rule, ...] = (
    certificate_expired,
    certificate_expiring,
    self_signed_certificate,
    validation_method,
    shared_certificate,
    mixed_signing,
    ip_address_identity,
    subject_special_characters,
    weak_key,
    inconsistent_subject,
    multi_server_certificate,
    self_signed_ecdsa_twin,
    multi_server_node_missing,
    extended_key_usage,
    restart_pending,
    apple_tls_requirements,
)


@hookimpl
def confcheck_rules() -> list[Rule]:
    return list(RULES)
