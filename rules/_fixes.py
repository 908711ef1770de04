"""Fix builders the rule families share: change a setting, reissue a certificate, make DNS agree."""

from __future__ import annotations

from collections import Counter
from typing import Any

from confcheck import identity, renewal
from confcheck.certs import Certificate
from confcheck.engine import Context, Reference, ReferenceCheck, TargetCheck
from confcheck.findings import DnsNeed, Fix, Renewal
from confcheck.model import PRODUCT_TITLES, SIP_OAUTH_PORTS, Cluster, Endpoint, Node, family
from confcheck.records import replace


def node_label(node: Node) -> str:
    """A node as a consultant names it: as configured, with its FQDN when that differs."""
    fqdn = node.fqdn
    return f"{node.name} ({fqdn})" if fqdn and fqdn.lower() != node.name.lower() else node.name


PURPOSES = {"tomcat": "Tomcat", "mailstore": "mail store", "expressway": "Expressway server"}
TRUST_STORES = {
    "tomcat": "tomcat-trust",
    "tomcat-ECDSA": "tomcat-trust",
    "cup-xmpp": "cup-xmpp-trust",
    "cup-xmpp-ECDSA": "cup-xmpp-trust",
}
"""Where a Cisco server keeps the CA certificates it sends along with a purpose's certificate (the
RSA and ECDSA certificates of a service share one trust store: Cisco's PA 12.x, Security chapter)."""

ROOT_STORE = "the Jabber clients' trusted root CAs (Windows: Trusted Root Certification Authorities)"
"""Where a CA's root goes on the clients (the guide's method 3)."""
SERVER_STORE = "the Jabber clients' Enterprise Trust store (Windows)"
"""Where a self-signed server certificate goes on the clients (the guide's method 2)."""
METHOD_2_STEPS = (
    "On a Windows client, import the certificate into Enterprise Trust > Certificates with certmgr.msc.",
    "Export the registry key HKCU\\Software\\Microsoft\\SystemCertificates\\Trust\\Certificates as a "
    ".reg file.",
    "Push the .reg file to every Jabber client by Group Policy.",
)
"""Cisco's guide, method 2: how a self-signed server certificate reaches the clients' Enterprise Trust."""


def purpose_title(purpose: str) -> str:
    """A certificate purpose as people say it (``Tomcat``, ``cup-xmpp``, ``mail store``)."""
    return PURPOSES.get(purpose, purpose)


def replaced_certificate(node: Node, purpose: str) -> str:
    """``the Tomcat certificate of cucm1``: what :attr:`Fix.replaces` names, one key per certificate."""
    return f"the {purpose_title(purpose)} certificate of {node_label(node)}"


def certificate_where(ctx: Context, cluster: Cluster | None, node: Node) -> str:
    """Where a node's certificates are generated, signed and uploaded."""
    return ctx.line(cluster).certificate_management if cluster else f"the certificate store of {node.name}"


def certificate_restart(
    ctx: Context, cluster: Cluster | None, purpose: str, nodes: str, what: str = "certificate"
) -> str:
    """The cost of presenting a new ``purpose`` certificate (or ``chain``) on ``nodes``."""
    line = ctx.line(cluster) if cluster else None
    service = (
        line.restart_after_certificate(purpose) or line.restart_after_certificate(family(purpose))
        if line
        else None
    )
    service = service or f"the {purpose_title(purpose)} service"
    if purpose == "cup-xmpp" and cluster is not None:  # the XCP Router takes every XCP service with it
        return (
            f"Restart (not Stop and Start) {service} on {nodes} to present the new {what}: it restarts every "
            "XCP service there, so IM and presence are interrupted; plan a maintenance window."
        )
    return (
        f"Restart {service} on {nodes} to present the new {what}; the service is briefly unavailable there."
    )


def setting_label(check: ReferenceCheck) -> str:
    """The setting as its admin page shows it, with the object holding it (``Primary CCMCIP Host (Default)``)."""
    ref = check.reference
    if ref.node is not None:
        return f"the name of node {ref.node.name}"
    field = ref.location.field or ref.location.id
    return f"{field} ({ref.instance})" if ref.instance else field


def subject(check: ReferenceCheck) -> str:
    """What a finding is about, value included: ``Node name 10.0.0.11``, ``Primary TFTP Server 10.0.0.11``."""
    ref = check.reference
    if ref.node is not None:
        return f"Node name {ref.value}"
    return f"{setting_label(check)} {ref.value}"


def certificate_of(check: ReferenceCheck, target: TargetCheck) -> str:
    """The certificate checked: ``its Tomcat certificate`` for a node's own name, else whose it is.

    An ECDSA twin is named by its own purpose (``its tomcat-ECDSA certificate``).
    """
    endpoint = target.endpoint
    purpose = purpose_title(endpoint.purpose if endpoint else check.reference.location.target.purpose)
    if check.reference.node is target.node:
        return f"its {purpose} certificate"
    return f"the {purpose} certificate of {node_label(target.node)}"


def proposed_name(check: ReferenceCheck, target: TargetCheck) -> str | None:
    """The FQDN the setting should hold to match the target's certificate, if the certificate names one."""
    cert = target.endpoint.certificate if target.endpoint else None
    if cert is None:
        return None
    value = check.reference.value
    hint = target.node.hostname or target.node.fqdn
    if hint is None and identity.name_kind(value) in ("short", "fqdn"):
        hint = value
    profile = check.reference.location.profile
    key = (cert.sha256, profile, hint)
    if key in _PROPOSED:
        return _PROPOSED[key]
    fqdn = identity.preferred_fqdn(cert, profile, hint)
    if fqdn and hint and multi_server(cert) and fqdn.split(".")[0].lower() != hint.split(".")[0].lower():
        fqdn = None  # another node's name, in a certificate every node presents: the certificate must change
    if len(_PROPOSED) >= _PROPOSED_KEPT:
        _PROPOSED.clear()
    _PROPOSED[key] = fqdn
    return fqdn


_PROPOSED: dict[tuple[str, str, str | None], str | None] = {}
""":func:`proposed_name` by (certificate SHA-256, profile, hint), all it depends on: the rules of one run ask
it for the same reference and target several times (the outcome, the finding, its fix)."""
_PROPOSED_KEPT = 1 << 16


def _addresses(check: ReferenceCheck, target: TargetCheck) -> list[str]:
    node = target.node
    addresses = list(node.addresses) or ([node.name] if identity.is_ip(node.name) else [])
    if identity.is_ip(check.reference.value) and check.reference.value not in addresses:
        addresses.append(check.reference.value)
    return addresses


def dns_needs(check: ReferenceCheck, target: TargetCheck, fqdn: str) -> tuple[DnsNeed, ...]:
    """The records ``fqdn`` needs: an A/AAAA to each address; for a node's own name, the PTR back too."""
    renaming = check.reference.node is not None
    return tuple(DnsNeed(fqdn, address, renaming) for address in _addresses(check, target))


def dns_preconditions(check: ReferenceCheck, target: TargetCheck, fqdn: str) -> tuple[str, ...]:
    """What DNS must answer before ``fqdn`` replaces the configured value."""
    node = target.node
    addresses = _addresses(check, target)
    to = ", ".join(addresses) if addresses else f"the address of {node_label(node)}"
    if check.reference.node is not None:
        return (
            f"An A record for {fqdn} must resolve to {to}, with a PTR record back to {fqdn}, on the DNS "
            "servers of every node before you rename the node, or the servers stay in 'starting'.",
        )
    return (f"{fqdn} must resolve to {to} in the DNS your Jabber clients use.",)


def change_setting(check: ReferenceCheck, target: TargetCheck, proposed: str) -> Fix:
    """Change the configured value to ``proposed`` (a node rename for node-name locations)."""
    ref = check.reference
    if ref.node is not None:
        action = f"Rename node {ref.node.name} to {proposed}"
    else:
        action = f"Set {setting_label(check)} to {proposed}"
    return Fix(
        phase=ref.location.phase,
        action=action,
        where=ref.where,
        field=ref.location.field,
        current=ref.value,
        proposed=proposed,
        preconditions=dns_preconditions(check, target, proposed) + ref.location.preconditions + _order(ref),
        dns=dns_needs(check, target, proposed),
        impact=ref.location.impact,
        steps=tuple(
            s.replace("{value}", ref.value).replace("{proposed}", proposed) for s in ref.location.steps
        ),
        once_per_cluster=ref.location.once_per_cluster,
        after_subscribers=ref.node is not None and ref.node.role == "publisher",
    )


def _order(ref: Reference) -> tuple[str, ...]:
    """The order of a cluster's renames (:attr:`~confcheck.catalog.Location.order`), unless the node renamed
    is its cluster's only one."""
    alone = ref.node is not None and len(ref.cluster.nodes) == 1
    return (ref.location.order,) if ref.location.order and not alone else ()


def service_update(cluster: Cluster | None) -> tuple[str, ...]:
    """Cisco's guide: apply the release's latest service update before the certificate signing process."""
    if cluster is None:
        return ()
    release = ".".join(cluster.version.split(".")[:2])
    title = PRODUCT_TITLES[cluster.product]
    return (f"Apply the latest service update of {title} {release} (it runs {cluster.version}) first.",)


def own_fqdn(node: Node) -> str | None:
    """The node's FQDN: what its host name and domain make, or its configured name when that is one."""
    if node.fqdn:
        return node.fqdn
    return node.name if identity.name_kind(node.name) == "fqdn" else None


def renew(
    ctx: Context,
    cluster: Cluster | None,
    node: Node,
    purpose: str,
    cert: Certificate,
    demand: str,
    **wanted: Any,
) -> Renewal:
    """A renewal of ``node``'s ``purpose`` certificate for ``demand``, signed the way its cluster is.

    A CA-signed certificate is renewed by its CA. A self-signed one is replaced through a CSR when
    the cluster's other nodes are CA-signed for that purpose (by the CA most of them use), and
    regenerated otherwise. ``wanted`` sets the other :class:`~confcheck.findings.Renewal` fields.
    """
    signer, request = None, False
    if not cert.self_signed:
        signer, request = cert.issuer_label or cert.issuer or None, True
    elif cluster is not None:
        signer = _cluster_ca(ctx, cluster, purpose)
        request = signer is not None
    cisco = cluster is not None and purpose in TRUST_STORES
    domains = xmpp_domains(cluster) if cluster is not None and family(purpose) == "cup-xmpp" else ()
    shared = multi_server(cert) if cisco else None
    served = [node]
    if shared is not None and cluster is not None:
        cluster, node, served = multi_server_home(ctx, cert, purpose)
    impact = certificate_restart(ctx, cluster, purpose, _names([n.name for n in served]))
    if family(purpose) == purpose and any(_sip_oauth(n, purpose) for n in served):
        impact += (
            " Restart Cisco CallManager there too: its SIP OAuth ports present the Tomcat certificate and keep "
            "the old one until CallManager restarts (Cisco doc 215572)."
        )
    values: dict[str, Any] = {
        "certificate": replaced_certificate(node, purpose)
        if shared is None
        else f"the multi-server {purpose_title(purpose)} certificate {shared}",
        "node": node.name,
        "label": node_label(node),
        "purpose": purpose,
        "cluster": cluster.name if cluster else None,
        "where": certificate_where(ctx, cluster, node),
        "impact": impact,
        "fqdn": own_fqdn(node) if shared is None else None,
        "automatic": domains,  # modelled: IM and Presence puts the XMPP domain into cup-xmpp as a dNSName
        "self_signed": cert.self_signed,
        "demands": (demand,) if demand else (),
        "request": request,
        "signer": signer,
        "pinned": _pinned(ctx, cert),
        "trust_store": TRUST_STORES.get(purpose) if cisco else None,
        "regenerate": f"CLI: set cert regen {purpose}" if cisco else None,
        "multi_server": shared,
        "names": _multi_server_names(cert, shared, served) if shared else (),
    }
    if (
        domains
        and cluster is not None
        and cluster.major < 10
        and dict(cluster.facts).get("xmpp.use_domain_san") != "true"
    ):
        values["prepare"] = (_xmpp_san_first(ctx, cluster, domains),)
    if shared is not None and "names" in wanted:  # a multi-server certificate keeps naming every node
        wanted["names"] = tuple(dict.fromkeys((*values["names"], *wanted["names"])))
    return Renewal(**(values | wanted))  # made once (a renewal per finding: replace's copies cost)


def multi_server(cert: Certificate) -> str | None:
    """The CN of a Cisco multi-server (SAN) certificate, None for any other certificate.

    Cisco appends ``-ms`` to the host part of the CN of a multi-server certificate (Preferred
    Architecture 12.x, Security chapter: "With a multi-server certificate, a '-ms' is appended after
    the hostname portion of the FQDN").
    """
    for cn in cert.subject_cn:
        host, dot, domain = cn.partition(".")
        if dot and domain and host.lower().endswith("-ms") and len(host) > 3:
            return cn
    return None


def multi_server_home(ctx: Context, cert: Certificate, purpose: str) -> tuple[Cluster, Node, list[Node]]:
    """Where a multi-server certificate is requested, and every node it serves.

    It is requested on the publisher of the cluster that owns it (Cisco doc 118731 and PA 12.x: the
    Tomcat one on the Unified CM publisher, for the CUCM and IM and Presence nodes; cup-xmpp on the IM
    and Presence publisher), and serves every node of that cluster and every other node that presents it.
    """

    def compute() -> tuple[Cluster, Node, list[Node]]:
        found = presenting_nodes(ctx, cert, purpose, by_family=True)
        owners = [cluster for cluster, _ in found]
        wanted = ("cucm",) if family(purpose) == "tomcat" else ("imp", "cup")
        home = next((c for c in owners if c.product in wanted), owners[0])
        served = list(home.nodes) + [n for _, n in found if n not in home.nodes]
        return home, home.nodes[0], list(dict.fromkeys(served))

    return ctx.memo(("multi-server home", cert.sha256, family(purpose)), compute)


def presenting_nodes(
    ctx: Context, cert: Certificate, purpose: str, by_family: bool
) -> list[tuple[Cluster, Node]]:
    """The cluster nodes that present ``cert`` for ``purpose`` (``by_family``: for any purpose of its family,
    ``tomcat-ECDSA`` for ``tomcat``), in snapshot order. Indexed once per run: asked once per certificate,
    a scan of every node each time made a deployment of many multi-server certificates quadratic."""
    index = ctx.memo(("presenting", by_family), lambda: _presenting(ctx, by_family))
    return index.get((family(purpose) if by_family else purpose, cert.sha256), [])


def _presenting(ctx: Context, by_family: bool) -> dict[tuple[str, str], list[tuple[Cluster, Node]]]:
    index: dict[tuple[str, str], list[tuple[Cluster, Node]]] = {}
    for cluster in ctx.deployment.clusters:
        for node in cluster.nodes:
            keys = dict.fromkeys(
                (family(e.purpose) if by_family else e.purpose, e.certificate.sha256)
                for e in node.endpoints
                if e.certificate is not None
            )
            for key in keys:
                index.setdefault(key, []).append((cluster, node))
    return index


def _multi_server_names(cert: Certificate, cn: str, served: list[Node]) -> tuple[str, ...]:
    """What a multi-server certificate's successor names: its CN, every node it serves, and the other
    names the current one carries (the parent domain the request form fills in, aliases)."""
    kept = [n for n in (cert.san.dns if cert.san else ()) if not n.startswith("*") and not identity.is_ip(n)]
    nodes = [n for n in (own_fqdn(s) for s in served) if n]
    found: dict[str, str] = {}
    for name in (cn, *nodes, *kept):
        found.setdefault(name.lower().rstrip("."), name)
    return tuple(found.values())


def _sip_oauth(node: Node, purpose: str) -> bool:
    """Whether ``node`` presented its ``purpose`` certificate on a SIP OAuth port."""
    return any(_is_sip_oauth(e) and e.purpose == purpose and e.chain for e in node.endpoints)


def _is_sip_oauth(endpoint: Endpoint) -> bool:
    return endpoint.protocol == "tls" and endpoint.port in SIP_OAUTH_PORTS


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"


def _xmpp_san_first(ctx: Context, cluster: Cluster, domains: tuple[str, ...]) -> str:
    """Before 10.0, cup-xmpp carries the XMPP domain only once the security settings say so."""
    return (
        f"Once for the cluster, if not done yet: in {ctx.line(cluster).admin} > System > Security > Settings, "
        f"enter {domains[0]} in 'Domain name for XMPP Server-to-Server Certificate Subject Alternative Name', "
        "tick 'Use Domain Name for XMPP Certificate Subject Alternative Name' and save; without it the new "
        "certificate does not carry the domain."
    )


def xmpp_domains(cluster: Cluster) -> tuple[str, ...]:
    """The XMPP domains a presence cluster's cup-xmpp certificates must identify."""
    return tuple(dict.fromkeys(s.value for s in cluster.settings if s.location.endswith(".xmpp-domain")))


def renewal_fix(renewals: Renewal | tuple[Renewal, ...], cluster: Cluster | None = None, **extra: Any) -> Fix:
    """A finding's fix that replaces certificates, written as the plan writes it (one per certificate);
    ``extra`` sets other :class:`~confcheck.findings.Fix` fields (``current=``, ``proposed=``).

    Copied once at most: ``renewal.fix`` makes the fix of one certificate as it is wanted here, and a
    copy (``records.replace``) makes every field again (one per finding of a large deployment)."""
    found = renewals if isinstance(renewals, tuple) else (renewals,)
    action = extra.pop("action", None)  # for several certificates; one is named by its own procedure
    fix = renewal.fix(found[0], service_update(cluster) if renewal.requests(found[0]) else ())
    if len(found) > 1:
        steps = tuple(f"{renewal.fix(r).action}." for r in found)
        extra = {"action": action or fix.action, "steps": steps, "proposed": None} | extra
    return replace(fix, renewals=found, **extra) if extra or fix.renewals != found else fix


def _cluster_ca(ctx: Context, cluster: Cluster, purpose: str) -> str | None:
    """The CA most of the cluster's nodes have their ``purpose`` certificates signed by, if any."""

    def compute() -> str | None:
        issuers: Counter[str] = Counter()
        for node in cluster.nodes:
            endpoint = node.endpoint(purpose)
            cert = endpoint.certificate if endpoint else None
            if cert is not None and not cert.self_signed:
                issuers[cert.issuer_label or cert.issuer] += 1
        return issuers.most_common(1)[0][0] if issuers else None

    return ctx.memo(("cluster CA", id(cluster), purpose), compute)


def _pinned(ctx: Context, cert: Certificate) -> bool | None:
    """Whether the clients' trust store holds ``cert`` itself; None when it is unknown."""
    store = ctx.options.trust_store
    if store is None:
        return None
    return cert.sha256 in ctx.memo("trust store fingerprints", lambda: {c.sha256 for c in store})


def reissue_certificate(
    ctx: Context, check: ReferenceCheck, target: TargetCheck, why: str, name: str | None = None
) -> Fix:
    """Have the target's certificate reissued so that it names ``name`` (the configured value unless
    given) in SAN dNSName."""
    endpoint = target.endpoint
    cert = endpoint.certificate if endpoint else None
    assert endpoint is not None
    assert cert is not None
    purpose = endpoint.purpose
    name = name or check.reference.value
    names = identity.identities(cert, check.reference.location.profile)
    current = ", ".join(f"{field} {value}" for field, value in names) or None
    kept = tuple(v for f, v in names if f == "dNSName" and not v.startswith("*"))
    successor = renew(
        ctx,
        target.cluster,
        target.node,
        purpose,
        cert,
        why,
        names=(*kept, name) if name not in kept else kept,
    )
    return renewal_fix(successor, target.cluster, current=current)
