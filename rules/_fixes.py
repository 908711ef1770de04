"""Fix builders the rule families share: change a setting, reissue a certificate, make DNS agree."""

from __future__ import annotations

from confcheck import identity
from confcheck.engine import Context, ReferenceCheck, TargetCheck
from confcheck.findings import DnsNeed, Fix, Phase
from confcheck.model import PRODUCT_TITLES, Cluster, Node


def node_label(node: Node) -> str:
    """A node as a consultant names it: as configured, with its FQDN when that differs."""
    fqdn = node.fqdn
    return f"{node.name} ({fqdn})" if fqdn and fqdn.lower() != node.name.lower() else node.name


PURPOSES = {"tomcat": "Tomcat", "mailstore": "mail store"}


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


def service_update(target: TargetCheck) -> tuple[str, ...]:
    """Cisco's guide: apply the release's latest service update before the certificate signing process."""
    if target.cluster is None:
        return ()
    release = ".".join(target.cluster.version.split(".")[:2])
    title = PRODUCT_TITLES[target.cluster.product]
    return (
        f"Apply the latest service update of {title} {release} (it runs {target.cluster.version}) first.",
    )


def reissue_certificate(ctx: Context, check: ReferenceCheck, target: TargetCheck, why: str) -> Fix:
    """Have the target's certificate reissued so that it names the configured value in SAN dNSName."""
    node, purpose = target.node, check.reference.location.target.purpose
    name = check.reference.value
    cert = target.endpoint.certificate if target.endpoint else None
    names = identity.identities(cert, check.reference.location.profile) if cert else ()
    current = ", ".join(f"{field} {value}" for field, value in names) or None
    title = purpose_title(purpose)
    return Fix(
        phase=Phase.CERTIFICATES,
        action=f"Reissue the {title} certificate of {node_label(node)} with {name} as a SAN dNSName ({why})",
        where=certificate_where(ctx, target.cluster, node),
        current=current,
        proposed=f"dNSName {name}",
        preconditions=(
            f"For a CA-signed certificate, generate the {purpose} CSR on {node.name} naming {name}.",
            *service_update(target),
        ),
        impact=certificate_restart(ctx, target.cluster, purpose, node.name),
        replaces=replaced_certificate(node, purpose),
    )
