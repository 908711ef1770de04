"""What each client platform must trust once the plan is carried out, from the chains actually presented.

Two kinds of certificate reach the clients (Cisco's guide):

* **roots** of the CAs that sign the servers' certificates (method 3): every CA-signed certificate
  the plan keeps leads to one, and so does every CA the CSR plan sends requests to. Each chain is
  walked from the leaf by names and signatures, through what the server sends, the clients' trust
  store (``[check] trust_store``) and the other certificates of the snapshot; a root is taken only
  when the signature of the certificate below it verifies with its key.
* **self-signed server certificates** the plan keeps (method 2), for the Windows clients'
  Enterprise Trust store. One the plan replaces through a CA is not needed; one it regenerates does
  not exist yet, and is named so that it is pushed once regenerated.

A root only some server sent is not vouched for by anyone: the files say where each came from, and
that its fingerprint must be checked with the CA's owner before it is distributed.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm

from confcheck import records, renewal
from confcheck.certs import Certificate
from confcheck.model import Cluster, Deployment, Node
from confcheck.pack.csr_plan import Row
from confcheck.plan import Plan

MAX_DEPTH = 8
"""Longer chains than this are not walked (real ones have two to four certificates)."""

Key = tuple[str | None, str, str]
"""(cluster, node name in lower case, purpose): one certificate of one server."""


@dataclass(slots=True)
class Root:
    """A CA certificate the clients must trust, and why."""

    cert: Certificate
    source: str
    """``trust store`` (the clients already hold it), ``sent`` (a server sends it) or ``snapshot``
    (met in another server's chain)."""
    needed_by: list[str] = field(default_factory=list)
    """The certificates the plan keeps that lead to it: ``hq-cucm: cucm1 tomcat``."""
    signs_new: list[str] = field(default_factory=list)
    """The certificates the CSR plan requests from its CA."""

    @property
    def self_signed(self) -> bool:
        """False when the trust store holds an intermediate CA as its anchor."""
        return self.cert.self_signed


@records.record
class Pushed:
    """A self-signed server certificate the plan keeps: method 2 puts it in Enterprise Trust."""

    cert: Certificate
    who: str
    """``hq-cucm: cucm1 tomcat``."""
    optional_step: int | None
    """The step that would replace it, when replacing it is recommended rather than required."""
    trusted: bool
    """Already in the clients' trust store."""


@dataclass(slots=True)
class TrustPlan:
    """Everything the trust files are written from."""

    roots: list[Root] = field(default_factory=list)
    pushed: list[Pushed] = field(default_factory=list)
    missing: dict[str, list[str]] = field(default_factory=dict)
    """CA names whose certificate the snapshot and the trust store do not hold, with who needs them."""
    regenerated: list[tuple[str, int]] = field(default_factory=list)
    """Self-signed certificates the plan regenerates, with their step: pushed once they exist."""
    unknown_ca: list[tuple[str, int]] = field(default_factory=list)
    """CSR rows whose CA is not named: its root is for the user to add."""


def build(deployment: Deployment, store: Sequence[Certificate], plan: Plan, rows: Sequence[Row]) -> TrustPlan:
    """The roots and server certificates the clients need after ``plan``."""
    walker = _Walker(deployment, store)
    replaced = {_key(r.cluster, r.node, r.purpose) for r in rows if r.required}
    optional = {_key(r.cluster, r.node, r.purpose): r.step for r in rows if not r.required}
    regenerated = _regenerated(plan)
    trusted = {c.sha256 for c in store}
    found = TrustPlan()
    roots: dict[str, Root] = {}
    for cluster, node, purpose, chain in _chains(deployment):
        key = _key(cluster.name if cluster else None, node.name, purpose)
        who = f"{cluster.name}: {node.name} {purpose}" if cluster else f"{node.name} {purpose}"
        leaf = chain[0]
        if leaf.self_signed:
            if key in regenerated:
                found.regenerated.append((who, regenerated[key]))
            elif key not in replaced:
                found.pushed.append(Pushed(leaf, who, optional.get(key), leaf.sha256 in trusted))
            continue
        if key in replaced:
            walker.learn(chain)  # the CA the replacement comes from, when no kept chain has named it yet
            continue
        anchor = walker.anchor(chain)
        if isinstance(anchor, str):
            found.missing.setdefault(anchor, []).append(who)
        else:
            roots.setdefault(anchor[0].sha256, Root(*anchor)).needed_by.append(who)
    for row in rows:
        if row.signer is None:
            found.unknown_ca.append((row.certificate, row.step))
            continue
        leads = walker.anchor_of_issuer(row.signer)
        new = f"the replacement of {row.certificate}"
        if leads is None or isinstance(leads, str):
            found.missing.setdefault(leads or row.signer, []).append(new)
        else:
            roots.setdefault(leads[0].sha256, Root(*leads)).signs_new.append(new)
    found.roots = list(roots.values())
    return found


def _key(cluster: str | None, node: str, purpose: str) -> Key:
    return cluster, node.lower(), purpose


def _regenerated(plan: Plan) -> dict[Key, int]:
    """The certificates the plan regenerates self-signed, with their step."""
    found: dict[Key, int] = {}
    for number, step in enumerate(plan.steps, start=1):
        for r in step.fix.renewals if step.fix else ():
            if r.required and r.self_signed and not renewal.requests(r):
                found.setdefault(_key(r.cluster, r.node, r.purpose), number)
    return found


def _chains(deployment: Deployment) -> Iterable[tuple[Cluster | None, Node, str, tuple[Certificate, ...]]]:
    located: list[tuple[Cluster | None, Node]] = [(c, n) for c in deployment.clusters for n in c.nodes]
    located += [(None, n) for n in deployment.externals]
    for cluster, node in located:
        for endpoint in node.endpoints:
            if endpoint.chain:
                yield cluster, node, endpoint.purpose, endpoint.chain


Anchor = tuple[Certificate, str]
"""A CA certificate the path ends in, and where it was found."""


class _Walker:
    """Walks chains to their anchor by names and verified signatures, each link verified once."""

    def __init__(self, deployment: Deployment, store: Sequence[Certificate]) -> None:
        self.store = {c.sha256: c for c in store}
        self.known: dict[str, Certificate] = {}
        self.sent: set[str] = set()
        for _, _, _, chain in _chains(deployment):
            for cert in chain:
                self.known.setdefault(cert.sha256, cert)
            self.sent.update(c.sha256 for c in chain[1:])
        self.store_by_subject = _by_subject(self.store.values())
        self.known_by_subject = _by_subject(self.known.values())
        self.by_issuer: dict[str, Anchor | str] = {}
        """What a leaf's issuer (as people name it, and in full) was found to lead to."""
        self._links: dict[tuple[str, str], bool] = {}

    def anchor(self, chain: Sequence[Certificate]) -> Anchor | str:
        """The anchor ``chain`` leads to, or the name of the CA certificate that is missing."""
        leaf = chain[0]
        found = self._walk(chain)
        for name in (leaf.issuer_label, leaf.issuer):
            if not isinstance(self.by_issuer.get(name), tuple):
                self.by_issuer[name] = found  # a path found once is the CA's, whatever other chains lack
        return found

    def learn(self, chain: Sequence[Certificate]) -> None:
        """Walk ``chain`` only if what its issuer leads to is not known yet (one walk per CA is enough)."""
        if not isinstance(self.by_issuer.get(chain[0].issuer_label), tuple):
            self.anchor(chain)

    def anchor_of_issuer(self, name: str) -> Anchor | str | None:
        """What the CA that signed some walked leaf leads to, by the name the plan gives it (None: unknown)."""
        return self.by_issuer.get(name)

    def _walk(self, chain: Sequence[Certificate]) -> Anchor | str:
        current, seen = chain[0], {chain[0].sha256}
        for _ in range(MAX_DEPTH):
            parent = self._issuer(current, chain[1:])
            if parent is None:
                return current.issuer_label or current.issuer
            if parent.self_signed or parent.sha256 in self.store:
                return parent, self._source(parent)
            if parent.sha256 in seen:
                return parent.issuer_label or parent.issuer
            seen.add(parent.sha256)
            current = parent
        return current.issuer_label or current.issuer

    def _source(self, cert: Certificate) -> str:
        if cert.sha256 in self.store:
            return "trust store"
        return "sent" if cert.sha256 in self.sent else "snapshot"

    def _issuer(self, child: Certificate, sent: Sequence[Certificate]) -> Certificate | None:
        candidates = [c for c in sent if c.subject == child.issuer]
        candidates += self.store_by_subject.get(child.issuer, [])
        candidates += self.known_by_subject.get(child.issuer, [])
        tried = {child.sha256}
        for candidate in candidates:  # sent first, then trusted, then met elsewhere
            if candidate.sha256 not in tried:
                tried.add(candidate.sha256)
                if self._signed(child, candidate):
                    return candidate
        return None

    def _signed(self, child: Certificate, parent: Certificate) -> bool:
        link = (child.sha256, parent.sha256)
        if link not in self._links:
            try:
                _load(child.pem).verify_directly_issued_by(_load(parent.pem))
                self._links[link] = True
            except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
                self._links[link] = False
        return self._links[link]


def _by_subject(certs: Iterable[Certificate]) -> dict[str, list[Certificate]]:
    found: dict[str, list[Certificate]] = {}
    for cert in certs:
        found.setdefault(cert.subject, []).append(cert)
    return found


@functools.lru_cache(maxsize=8192)
def _load(pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode("ascii"))
