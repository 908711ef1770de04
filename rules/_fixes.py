"""Fix builders the rule families share: change a setting, reissue a certificate, make DNS agree."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

from confcheck import identity, renewal
from confcheck.certs import Certificate
from confcheck.engine import Context, ReferenceCheck, TargetCheck
from confcheck.findings import DnsNeed, Fix, Renewal
from confcheck.model import PRODUCT_TITLES, Cluster, Node


def node_label(node: Node) -> str:
    """A node as a consultant names it: as configured, with its FQDN when that differs."""
    fqdn = node.fqdn
    return f"{node.name} ({fqdn})" if fqdn and fqdn.lower() != node.name.lower() else node.name


PURPOSES = {"tomcat": "Tomcat", "mailstore": "mail store"}
TRUST_STORES = {"tomcat": "tomcat-trust", "cup-xmpp": "cup-xmpp-trust"}
"""Where a Cisco server keeps the CA certificates it sends along with a purpose's certificate."""

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
    service = ctx.line(cluster).restart_after_certificate(purpose) if cluster else None
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
    """The certificate checked: ``its Tomcat certificate`` for a node's own name, else whose it is."""
    purpose = purpose_title(check.reference.location.target.purpose)
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
    return identity.preferred_fqdn(cert, check.reference.location.profile, hint)


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
        preconditions=dns_preconditions(check, target, proposed) + ref.location.preconditions,
        dns=dns_needs(check, target, proposed),
        impact=ref.location.impact,
        steps=tuple(
            s.replace("{value}", ref.value).replace("{proposed}", proposed) for s in ref.location.steps
        ),
    )


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
    domains = xmpp_domains(cluster) if cluster is not None and purpose == "cup-xmpp" else ()
    base = Renewal(
        certificate=replaced_certificate(node, purpose),
        node=node.name,
        label=node_label(node),
        purpose=purpose,
        cluster=cluster.name if cluster else None,
        where=certificate_where(ctx, cluster, node),
        impact=certificate_restart(ctx, cluster, purpose, node.name),
        fqdn=own_fqdn(node),
        automatic=domains,  # modelled: IM and Presence puts the XMPP domain into cup-xmpp as a dNSName
        self_signed=cert.self_signed,
        demands=(demand,) if demand else (),
        request=request,
        signer=signer,
        pinned=_pinned(ctx, cert),
        trust_store=TRUST_STORES.get(purpose) if cisco else None,
        regenerate=f"CLI: set cert regen {purpose}" if cisco else None,
    )
    if (
        domains
        and cluster is not None
        and cluster.major < 10
        and dict(cluster.facts).get("xmpp.use_domain_san") != "true"
    ):
        base = replace(base, prepare=(_xmpp_san_first(ctx, cluster, domains),))
    return replace(base, **wanted)


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
    """A finding's fix that replaces certificates, written as the plan writes it (one per certificate)."""
    found = renewals if isinstance(renewals, tuple) else (renewals,)
    action = extra.pop("action", None)  # for several certificates; one is named by its own procedure
    fix = renewal.fix(found[0], service_update(cluster) if renewal.requests(found[0]) else ())
    if len(found) > 1:
        steps = tuple(f"{renewal.fix(r).action}." for r in found)
        fix = replace(fix, action=action or fix.action, steps=steps, proposed=None)
    return replace(fix, renewals=found, **extra)


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


def reissue_certificate(ctx: Context, check: ReferenceCheck, target: TargetCheck, why: str) -> Fix:
    """Have the target's certificate reissued so that it names the configured value in SAN dNSName."""
    cert = target.endpoint.certificate if target.endpoint else None
    assert cert is not None
    purpose = check.reference.location.target.purpose
    name = check.reference.value
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
    return replace(renewal_fix(successor, target.cluster), current=current)
