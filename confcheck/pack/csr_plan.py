"""The CSR plan: one row per certificate to request from a CA, in the order of the fix list.

The plan has already merged every demand on one certificate into one renewal
(:mod:`confcheck.renewal`); a row is that renewal written as the fields of a certificate request:
where to generate it, the subject, the SANs, the key, the extended key usages, and the guide's
notes that apply. Self-signed certificates the plan regenerates are not requested from anyone, so
they are not rows (the runbook has them).

Subjects are made consistent per cluster with the values CC308 and CC310 propose
(:func:`confcheck.rules.certificates.subject_values`), so every request of a cluster names the
organisation the same way and none holds ``@ & ! ,``. The CSV is guarded against formula injection
like the CSV report.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from typing import Any

from confcheck import __version__, identity, records, renewal
from confcheck.certs import EKU_LABELS
from confcheck.findings import Renewal
from confcheck.model import Cluster, Deployment, major_version
from confcheck.ordered import once
from confcheck.plan import Plan
from confcheck.reports.csv import safe
from confcheck.rules._fixes import service_update
from confcheck.rules.certificates import SPECIAL_CHARACTERS, clean_subject_value

SCHEMA_VERSION = 1

ORGANISATION = ("O", "OU", "L", "ST", "C")

SERVER_AUTH = (EKU_LABELS["serverAuth"], "1.3.6.1.5.5.7.3.1")
CLIENT_AUTH = (EKU_LABELS["clientAuth"], "1.3.6.1.5.5.7.3.2")
SERVER_AND_CLIENT = ("tomcat", "cup-xmpp", "cup-xmpp-s2s", "cup", "callmanager")
"""Purposes whose certificates need both EKUs (Preferred Architecture for Cisco Collaboration 12.x,
Security chapter, Table 7-10: without TLS Web Client Authentication, ILS and UDS between servers
fail); their -ECDSA twins too."""

MULTI_SERVER_FROM = (10, 5)
"""Cisco servers generate multi-server (SAN) CSRs from 10.5 (Cisco doc 118731)."""

XMPP_DOMAIN_AUTOMATIC = 10
"""From this major release IM and Presence adds the XMPP domain to cup-xmpp itself (Cisco's Jabber guide:
"Provide XMPP Domain to Clients" is not required from 10.0); how, in which SAN type, is not confirmed."""

EC_BITS = 256
"""The smallest EC key the -ECDSA certificates of Cisco servers offer (P-256); modelled."""

COLUMNS = (
    "step",
    "cluster",
    "product",
    "version",
    "node",
    "purpose",
    "required",
    "where",
    "subject_cn",
    "subject_o",
    "subject_ou",
    "subject_l",
    "subject_st",
    "subject_c",
    "san_dns",
    "must_not_name",
    "key_type",
    "key_bits",
    "ekus",
    "multi_server",
    "signer",
    "reasons",
    "notes",
)


@records.record
class Row:
    """One certificate to request: what the CSR must hold and where it is generated."""

    step: int
    """The step of the runbook (and of the plan) that replaces it."""
    cluster: str | None
    """None for a server outside the clusters (mail store, conferencing)."""
    product: str | None
    version: str | None
    node: str
    fqdn: str | None
    purpose: str
    certificate: str
    """The certificate as the fix list names it."""
    required: bool
    """False: Cisco's recommendation (method 3), not needed to fix a finding."""
    where: str
    subject: tuple[tuple[str, str], ...]
    """CN first, then O, OU, L, ST and C as far as they are known."""
    san_dns: tuple[str, ...]
    must_not_name: tuple[str, ...]
    key_type: str
    key_bits: int
    ekus: tuple[tuple[str, str], ...]
    """(name, OID)."""
    multi_server: bool
    signer: str | None
    reasons: tuple[str, ...]
    notes: tuple[str, ...]
    renewal: Renewal
    """The merged renewal the row was written from."""


SubjectValues = Callable[[str | None], dict[str, str]]
"""A cluster's consistent organisation fields, by cluster name (empty when unknown)."""


def rows(plan: Plan, deployment: Deployment, subjects: SubjectValues, min_rsa_bits: int) -> list[Row]:
    """Every certificate the plan has requested from a CA, in plan order, once each."""
    wanted: dict[tuple[str | None, str], dict[bool, list[tuple[int, Renewal]]]] = {}
    for number, step in enumerate(plan.steps, start=1):
        if step.fix is None:
            continue
        for r in step.fix.renewals:
            if not (r.required or (r.self_signed and r.request)):
                continue  # advice for whenever it is replaced (a subject to align, a chain to mend)
            found = wanted.setdefault((r.cluster, r.certificate), {True: [], False: []})
            found[r.required].append((number, r))
    merged = []
    for found in wanted.values():
        group = found[True] or found[False]  # what must be done; else what is recommended
        whole = renewal.merge([r for _, r in group])
        if renewal.requests(whole):
            merged.append((group[0][0], whole))
    merged.sort(key=lambda item: item[0])  # the order of the fix list
    notes = renewal.one_per_fqdn([r for _, r in merged])
    servers = _servers(deployment)
    clusters = {c.name: c for c in deployment.clusters}
    return [
        _row(
            number,
            r,
            clusters.get(r.cluster or ""),
            subjects,
            min_rsa_bits,
            servers,
            notes,
        )
        for number, r in merged
    ]


def _row(
    number: int,
    r: Renewal,
    cluster: Cluster | None,
    subjects: SubjectValues,
    min_rsa_bits: int,
    servers: dict[str, int],
    one_per_fqdn: dict[str, str],
) -> Row:
    cn = r.names[0] if r.names else r.fqdn or r.node
    sans = once([*(r.names or ([r.fqdn] if r.fqdn else [])), *r.automatic])
    values = dict(subjects(r.cluster))
    values.update(dict(r.subject))
    subject = [("CN", cn)] + [(name, values[name]) for name in ORGANISATION if values.get(name)]
    cleaned = tuple((name, clean_subject_value(value)) for name, value in subject)
    ecdsa = r.purpose.lower().endswith("-ecdsa")
    bits = EC_BITS if ecdsa else max(2048, min_rsa_bits, r.min_rsa_bits or 0)
    multi = len({servers[k] for k in (identity.normalize(n) for n in sans) if k in servers}) > 1
    notes = list(service_update(cluster) if cluster is not None and r.trust_store is not None else ())
    notes += r.prepare
    if r.subject and r.subject_command:
        fields = ", ".join(f"{k}={clean_subject_value(v)}" for k, v in r.subject)
        notes.append(
            f"On {r.node}, run {r.subject_command} with {fields} first: the CSR takes these fields from it."
        )
    if cleaned[0] != subject[0]:
        notes.append(
            f"The CN {subject[0][1]!r} holds a character a CA request may not hold: check the node's name."
        )
    if r.purpose.lower().startswith("cup-xmpp") and not r.automatic:
        notes.append(
            "The snapshot names no XMPP domain for this cluster: add the XMPP domain as a SAN dNSName."
        )
    elif r.automatic and cluster is not None and cluster.major >= XMPP_DOMAIN_AUTOMATIC:
        notes.append(
            f"IM and Presence {XMPP_DOMAIN_AUTOMATIC}.0 and later put the XMPP domain into the cup-xmpp request "
            "themselves (modelled: Cisco's guide drops the manual step from 10.0): check that the CSR lists "
            f"{', '.join(r.automatic)}."
        )
    if multi:
        notes += _multi_server(r, cluster)
    if r.certificate in one_per_fqdn:
        notes.append(one_per_fqdn[r.certificate])
    if r.signing:
        notes.append(f"Ask the CA to issue it {renewal.signing_terms(r)}.")
    notes += r.notes
    return Row(
        step=number,
        cluster=r.cluster,
        product=cluster.product if cluster else None,
        version=cluster.version if cluster else None,
        node=r.node,
        fqdn=r.fqdn,
        purpose=r.purpose,
        certificate=r.certificate,
        required=r.required,
        where=f"{r.where} > Generate CSR" if r.trust_store is not None else r.where,
        subject=cleaned,
        san_dns=tuple(sans),
        must_not_name=r.without,
        key_type="EC" if ecdsa else "RSA",
        key_bits=bits,
        ekus=(SERVER_AUTH, CLIENT_AUTH) if _both(r.purpose) else (SERVER_AUTH,),
        multi_server=multi,
        signer=r.signer,
        reasons=r.demands,
        notes=once(notes),
        renewal=r,
    )


def _both(purpose: str) -> bool:
    return purpose.lower().removesuffix("-ecdsa") in SERVER_AND_CLIENT


def _multi_server(r: Renewal, cluster: Cluster | None) -> list[str]:
    """How a request naming several servers is made on this release."""
    if cluster is None or r.trust_store is None:
        return ["It names several servers: ask the CA for a multi-server (SAN) certificate."]
    if _release(cluster.version) >= MULTI_SERVER_FROM:
        return [
            "It names several servers: generate it once, on the publisher, with Distribution 'Multi-server "
            "(SAN)'; the server appends -ms to the host part of the CN, and the CA must issue a multi-SAN "
            "certificate (Cisco doc 118731)."
        ]
    return [
        f"It names several servers, but {cluster.version} cannot generate a multi-server CSR (10.5 and later "
        "can): request one certificate per node instead."
    ]


def _release(version: str) -> tuple[int, int]:
    found = re.match(r"\s*\d+\.(\d+)", version)
    return major_version(version), int(found.group(1)) if found else 0


def _servers(deployment: Deployment) -> dict[str, int]:
    """Each server's names (configured, FQDN), normalised, to one number per server."""
    nodes = [n for c in deployment.clusters for n in c.nodes] + list(deployment.externals)
    found: dict[str, int] = {}
    for number, node in enumerate(nodes):
        for name in (node.name, node.fqdn):
            if name and identity.name_kind(name) == "fqdn" and (key := identity.normalize(name)):
                found.setdefault(key, number)
    return found


# --- output -----------------------------------------------------------------------------------


def to_json(found: Sequence[Row], source: str, complete: bool) -> dict[str, Any]:
    """The CSR plan as JSON (``confcheck/schemas/csr-plan.schema.json``)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "confcheck", "version": __version__},
        "source": source,
        "subjects_complete": complete,
        "forbidden_characters": SPECIAL_CHARACTERS,
        "rows": [_row_dict(r) for r in found],
    }


def _row_dict(row: Row) -> dict[str, Any]:
    return {
        "step": row.step,
        "cluster": row.cluster,
        "product": row.product,
        "version": row.version,
        "node": row.node,
        "fqdn": row.fqdn,
        "purpose": row.purpose,
        "certificate": row.certificate,
        "required": row.required,
        "where": row.where,
        "subject": dict(row.subject),
        "san_dns": list(row.san_dns),
        "must_not_name": list(row.must_not_name),
        "key": {"type": row.key_type, "bits": row.key_bits},
        "ekus": [{"name": name, "oid": oid} for name, oid in row.ekus],
        "multi_server": row.multi_server,
        "signer": row.signer,
        "reasons": list(row.reasons),
        "notes": list(row.notes),
    }


def to_csv(found: Sequence[Row]) -> str:
    """The CSR plan as CSV, one row per certificate, every cell guarded against formula injection."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in found:
        subject = dict(row.subject)
        cells: list[object | None] = [
            row.step,
            row.cluster,
            row.product,
            row.version,
            row.node,
            row.purpose,
            "yes" if row.required else "recommended",
            row.where,
            *(subject.get(name) for name in ("CN", *ORGANISATION)),
            " ".join(row.san_dns),
            " ".join(row.must_not_name),
            row.key_type,
            row.key_bits,
            "; ".join(name for name, _ in row.ekus),
            "yes" if row.multi_server else "no",
            row.signer,
            "; ".join(row.reasons),
            " | ".join(row.notes),
        ]
        writer.writerow([safe(c) for c in cells])
    return out.getvalue()
