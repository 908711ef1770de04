"""One procedure per replaced certificate, whatever the number of findings that ask for it.

Several rules may each want the same certificate replaced: it has expired, it names an IP address,
its key is weak, it is self-signed in a cluster whose other nodes are CA-signed. Each says so with a
:class:`~confcheck.findings.Renewal`: which certificate, and what its successor must be. The plan
merges every renewal of one certificate into one, and this module writes the single procedure that
meets all of its demands, in the order it is done: prepare, then regenerate; or prepare, generate a
CSR, have it signed, upload the CA's certificates, upload the signed certificate. A rule's own fix
is written by the same function, so a finding's fix and the plan's step read alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from confcheck.findings import DnsNeed, Fix, Phase, Renewal
from confcheck.ordered import once
from confcheck.records import replace

PUBLIC_CA_ONE_PER_FQDN = (
    "Some public CAs sign only one certificate per FQDN, and this node needs two ({purposes}) naming "
    "{fqdn}: with such a CA, send the two CSRs to different CAs (Cisco's guide, CSR section)."
)


CA_ALTERNATIVE = (
    "Cisco recommends CA-signed certificates (the guide's method 3): to move this node now, request a "
    "certificate with the same contents from a CA instead of regenerating it (a CSR, signed, uploaded with the "
    "CA's root and intermediate certificates), and make sure the clients trust the CA's root."
)


def merge(renewals: Sequence[Renewal]) -> Renewal:
    """One renewal meeting every demand of ``renewals`` (all of one certificate), in their order."""
    first = renewals[0]
    if len(renewals) == 1 and _merged(first):
        return first  # most certificates have one renewal: it is its own merge, not made again
    subject: dict[str, str] = {}
    for r in renewals:
        subject.update(dict(r.subject))
    return Renewal(
        certificate=first.certificate,
        node=first.node,
        label=first.label,
        purpose=first.purpose,
        cluster=first.cluster,
        where=first.where,
        impact=first.impact,
        fqdn=next((r.fqdn for r in renewals if r.fqdn), None),
        automatic=once(n for r in renewals for n in r.automatic),
        self_signed=first.self_signed,
        demands=once(d for r in renewals for d in r.demands),
        names=once(n for r in renewals for n in r.names),
        without=once(n for r in renewals for n in r.without),
        subject=tuple(subject.items()),
        min_rsa_bits=max((r.min_rsa_bits for r in renewals if r.min_rsa_bits), default=None),
        request=any(r.request for r in renewals),
        signer=next((r.signer for r in renewals if r.signer), None),
        pinned=_pinned(renewals),
        trust_store=next((r.trust_store for r in renewals if r.trust_store), None),
        regenerate=next((r.regenerate for r in renewals if r.regenerate), None),
        subject_command=next((r.subject_command for r in renewals if r.subject_command), None),
        prepare=once(s for r in renewals for s in r.prepare),
        notes=once(n for r in renewals for n in r.notes),
        required=any(r.required for r in renewals),
        multi_server=next((r.multi_server for r in renewals if r.multi_server), None),
        signing=once(s for r in renewals for s in r.signing),
    )


def _merged(r: Renewal) -> bool:
    """Whether ``r`` is already what :func:`merge` makes of it alone: no item said twice, no subject field
    given twice, and no empty value that merging reads as none."""
    for items in (r.automatic, r.demands, r.names, r.without, r.prepare, r.notes, r.signing):
        if len(items) > 1 and len(set(items)) != len(items):  # most hold none or one
            return False
    if len(r.subject) > 1 and len(dict(r.subject)) != len(r.subject):
        return False
    optional = (
        r.fqdn,
        r.min_rsa_bits,
        r.signer,
        r.trust_store,
        r.regenerate,
        r.subject_command,
        r.multi_server,
    )
    return all(value is None or value for value in optional)


def as_alternative(renewal: Renewal) -> Renewal:
    """A recommendation to request a CA-signed certificate, joining a regeneration: said, not imposed."""
    return replace(renewal, request=False, demands=(), notes=(*renewal.notes, CA_ALTERNATIVE))


def requests(renewal: Renewal) -> bool:
    """Whether the successor must come from a CA (a CSR) rather than be regenerated self-signed.

    A CA-signed certificate is renewed through its CA; a self-signed one is regenerated unless a
    demand needs a CA (the cluster's other nodes are CA-signed, the clients must trust it), or a
    name other than the node's own FQDN, which a regenerated certificate cannot carry.
    """
    if renewal.request or not renewal.self_signed or renewal.regenerate is None:
        return True
    if renewal.multi_server:
        return False  # a self-signed multi-server certificate is generated with every name it needs
    own = {n.lower().rstrip(".") for n in (renewal.fqdn or "", *renewal.automatic)}
    return any(name.lower().rstrip(".") not in own for name in renewal.names)


def fix(renewal: Renewal, preconditions: Iterable[str] = (), dns: Iterable[DnsNeed] = ()) -> Fix:
    """The step that replaces the certificate: what it must be, and the one procedure that gets it
    (after ``preconditions``, and the DNS records in ``dns``)."""
    csr = requests(renewal)
    contents = _contents(renewal)
    return Fix(  # by position: a report's plan makes one per replaced certificate
        Phase.CERTIFICATES,
        _action(renewal, csr),
        renewal.where,
        None,  # field
        None,  # current
        _successor(renewal, csr, contents),  # proposed
        tuple(preconditions),
        renewal.impact,
        _steps(renewal, csr, contents),
        tuple(dns),
        (renewal,),
    )


def _action(r: Renewal, csr: bool) -> str:
    title = _title(r.purpose)
    if r.multi_server:
        title = f"multi-server {title}"
        held = f"{r.multi_server} (on {r.label} and every node it names)"
        if not r.self_signed:
            verb = f"Renew the {title} certificate {held}"
        elif csr:
            verb = f"Replace the self-signed {title} certificate {held} with a CA-signed one"
        else:
            verb = f"Regenerate the self-signed {title} certificate {held}"
        return f"{verb}: {'; '.join(r.demands)}" if r.demands else verb
    if not r.self_signed:
        verb = f"Renew the {title} certificate of {r.label}"
    elif csr:
        verb = f"Replace the self-signed {title} certificate of {r.label} with a CA-signed one"
    else:
        verb = f"Regenerate the self-signed {title} certificate of {r.label}"
    return f"{verb}: {'; '.join(r.demands)}" if r.demands else verb


def _successor(r: Renewal, csr: bool, contents: list[str]) -> str:
    """The new certificate in one line: how it is signed, its names, its key, its subject (``contents``:
    :func:`_contents`)."""
    parts = []
    if csr:
        parts.append(f"signed by {r.signer}" if r.signer else "CA-signed")
    else:
        parts.append("self-signed")
    if r.multi_server:
        parts.append(f"multi-server (SAN), CN {r.multi_server}")
    return "; ".join(parts + contents + (list(r.signing) if csr else []))


def _contents(r: Renewal) -> list[str]:
    """What the new certificate carries beyond its CN: names, what it must not name, key, subject."""
    parts = []
    names = r.names or tuple(n for n in (r.fqdn, *r.automatic) if n)
    if names:
        parts.append("SAN dNSName " + ", ".join(names))
    if r.without:
        parts.append("no " + ", ".join(r.without))
    if r.min_rsa_bits:
        parts.append(f"an RSA key of at least {r.min_rsa_bits} bits")
    if r.subject:
        parts.append(", ".join(f"{k}={v}" for k, v in r.subject))
    return parts


def _steps(r: Renewal, csr: bool, contents: list[str]) -> tuple[str, ...]:
    steps = list(r.prepare)
    if r.subject:
        fields = ", ".join(f"{k}={v}" for k, v in r.subject)
        how = f"run {r.subject_command}" if r.subject_command else "set the certificate request fields"
        steps.append(f"On {r.node}, {how} so that the new certificate has {fields}.")
    node = r.node
    if r.multi_server:
        return tuple(steps) + _multi_server_steps(r, csr) + r.notes
    if not csr:
        key = f", with a key of at least {r.min_rsa_bits} bits" if r.min_rsa_bits else ""
        named = f": it names the node's host name {_and([r.fqdn, *r.automatic])}" if r.fqdn else ""
        steps.append(f"Regenerate the {r.purpose} certificate of {node} ({r.regenerate}){key}{named}.")
        steps += _push_again(r)
        return tuple(steps) + r.notes
    cn = r.names[0] if r.names else r.fqdn
    described_by = ([f"CN {cn}"] if cn else []) + contents
    described = f" with {_and(described_by)}" if described_by else ""
    signer = r.signer or "the CA"
    if r.trust_store is None:  # not a Cisco server: its own tools, in its own words
        steps += [
            f"Generate a certificate signing request on {node}{described}.",
            f"Have {signer} sign it{_signing(r)}.",
            f"Install the CA's root and intermediate certificates and the signed certificate on {node}.",
        ]
    else:
        steps += [
            f"Generate a {r.purpose} certificate signing request (CSR) on {node}{described}, and download it.",
            f"Have {signer} sign it{_signing(r)}.",
            f"Upload the CA's root and intermediate certificates to {node} as {r.trust_store}.",
            f"Upload the signed certificate to {node} as {r.purpose}.",
        ]
    if r.signer is None:
        steps.append(
            "Make sure the Jabber clients trust the CA's root: a public CA's root is on the devices already; "
            "push a private CA's root to them (Windows: Trusted Root Certification Authorities)."
        )
    return tuple(steps) + r.notes


def signing_terms(r: Renewal) -> str:
    """What the CA must give the certificate beyond the request, in words (the signing step, the CSR
    plan): ``using SHA-256 and valid for 825 days or fewer``; empty when nothing."""
    return _and(list(r.signing)) if r.signing else ""


def _signing(r: Renewal) -> str:
    return f", {signing_terms(r)}" if r.signing else ""


def _multi_server_steps(r: Renewal, csr: bool) -> tuple[str, ...]:
    """One certificate for every node it names, made once on the publisher (Cisco doc 118731)."""
    contents = ["Distribution 'Multi-server (SAN)'", f"CN {r.multi_server}"]
    if r.names:
        contents.append("SAN dNSName " + ", ".join(r.names))
    if r.without:
        contents.append("no " + ", ".join(r.without))
    if r.min_rsa_bits:
        contents.append(f"an RSA key of at least {r.min_rsa_bits} bits")
    if r.subject:
        contents.append(", ".join(f"{k}={v}" for k, v in r.subject))
    described = _and(contents)
    every = "every node it names"
    if not csr:
        return (
            f"On {r.node}, the publisher, generate a self-signed {r.purpose} certificate with {described}; it "
            f"replaces the {r.purpose} certificate of {every}.",
            *_push_again(r),
        )
    steps = [
        f"On {r.node}, the publisher, generate one {r.purpose} certificate signing request (CSR) with "
        f"{described}, and download it: one CSR for {every}, not one per node.",
        f"Have {r.signer or 'the CA'} sign it{_signing(r)}.",
        f"Upload the CA's root and intermediate certificates to {r.node} as {r.trust_store or 'trust certificates'}.",
        f"Upload the signed certificate to {r.node} as {r.purpose}: it becomes the {r.purpose} certificate of "
        f"{every}.",
    ]
    if r.signer is None:
        steps.append(
            "Make sure the Jabber clients trust the CA's root: a public CA's root is on the devices already; "
            "push a private CA's root to them (Windows: Trusted Root Certification Authorities)."
        )
    return tuple(steps)


def _push_again(r: Renewal) -> tuple[str, ...]:
    """Method 2: a regenerated certificate must reach the clients' Enterprise Trust store again."""
    if r.pinned is False:
        return ()
    condition = "" if r.pinned else "If the clients' trust store holds the old certificate (method 2), "
    push = "push" if condition else "Push"
    return (
        f"{condition}{push} the new certificate to the clients' Enterprise Trust store as the old one was "
        "(method 2), or no client trusts it.",
    )


def one_per_fqdn(renewals: Sequence[Renewal]) -> dict[str, str]:
    """The guide's CSR note, by certificate, for nodes that need more than one CA-signed certificate."""
    by_node: dict[tuple[str | None, str], list[Renewal]] = {}
    for r in renewals:
        if requests(r) and r.trust_store is not None:
            by_node.setdefault((r.cluster, r.node), []).append(r)
    notes = {}
    for group in by_node.values():
        purposes = sorted({r.purpose for r in group})
        if len(purposes) > 1:
            fqdn = group[0].fqdn or group[0].node
            note = PUBLIC_CA_ONE_PER_FQDN.format(purposes=" and ".join(purposes), fqdn=fqdn)
            notes.update({r.certificate: note for r in group})
    return notes


def _pinned(renewals: Sequence[Renewal]) -> bool | None:
    values = {r.pinned for r in renewals}
    return True if True in values else None if None in values else False


def _title(purpose: str) -> str:
    return {"tomcat": "Tomcat", "mailstore": "mail store"}.get(purpose, purpose)


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" and {items[-1]}"
