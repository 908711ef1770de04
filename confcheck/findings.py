"""Findings and the fixes they carry: what is wrong, where to change it, and in which order."""

from __future__ import annotations

import hashlib
from dataclasses import field as attribute
from dataclasses import fields
from datetime import date
from enum import Enum, IntEnum
from operator import attrgetter
from typing import Any

from confcheck import records


class Severity(Enum):
    """How much a finding matters; ``--fail-on`` compares against these."""

    ERROR = "error"
    """Jabber prompts users or refuses to connect, or a reference cannot be checked at all."""
    WARNING = "warning"
    """Works today for some clients but is fragile: wildcards, CN-only identities."""
    INFO = "info"
    """Worth knowing for the audit; no client behaviour depends on it."""

    @property
    def rank(self) -> int:
        """Higher is more severe."""
        return _RANKS[self.value]

    @classmethod
    def parse(cls, text: str) -> Severity:
        """``error``/``warning``/``info``, case-insensitive; ValueError otherwise."""
        return cls(text.strip().lower())


class Phase(IntEnum):
    """The safe order of remediation: what must be true before the next step is taken."""

    AUDIT = 0
    DNS = 1
    CERTIFICATES = 2
    NODE_NAMES = 3
    CLIENT_SETTINGS = 4
    XMPP_DOMAIN = 5

    @property
    def title(self) -> str:
        """Human name of the phase."""
        return _PHASE_TITLES[self.value]


_RANKS = {"error": 3, "warning": 2, "info": 1}
_PHASE_TITLES = {
    0: "complete the audit",
    1: "DNS records",
    2: "certificates",
    3: "node and server names",
    4: "client-facing settings",
    5: "XMPP domain",
}


def _cached_hash(value: object) -> int:
    """The hash of a frozen value, computed when first asked for and kept: findings and fixes are dict
    keys many times over (the plan merges them, reports link them), and a fix can hold many renewals,
    yet most findings of a large run are never hashed at all (a rule's unstamped findings, the JSON
    report's), so none is hashed when it is made."""
    compared = _COMPARED.get(type(value))
    if compared is None:  # the compared fields of each class, read once and fetched in one C call
        names = [f.name for f in fields(value) if f.compare]  # type: ignore[arg-type]
        compared = _COMPARED[type(value)] = attrgetter(names[0], *names[1:])
    found = hash(compared(value))
    object.__setattr__(value, "_hash", found)
    return found


_COMPARED: dict[type, attrgetter[Any]] = {}


@records.record
class Suppression:
    """A finding kept out of the verdict, and why: a waiver (with its reason) or the baseline."""

    finding: Finding
    kind: str
    """``waiver`` or ``baseline``."""
    reason: str
    expires: date | None = None


@records.record
class DnsNeed:
    """A DNS record a fix needs before it is made: ``name`` resolving to ``address`` (and back, if ``reverse``)."""

    name: str
    address: str
    reverse: bool = False


@records.record
class Renewal:
    """A certificate to replace, and what its successor must be.

    Rules say why (``demands``) and what (names, key, subject, signer); :mod:`confcheck.renewal`
    merges the renewals of one certificate and writes the one procedure that meets them all. How
    the product makes certificates comes with it as data (``trust_store``, ``regenerate``), so the
    core stays free of product knowledge.
    """

    certificate: str
    """The certificate as people name it, and the key renewals merge on: ``the Tomcat certificate of cucm1``."""
    node: str
    """The node as configured."""
    label: str
    """The node as a sentence names it: ``10.0.0.11 (cucm1.example.com)``."""
    purpose: str
    cluster: str | None
    where: str
    """Where the node's certificates are managed."""
    impact: str
    """What presenting the new certificate costs (the service to restart)."""
    fqdn: str | None = None
    """The node's own FQDN: the name a regenerated self-signed certificate carries."""
    automatic: tuple[str, ...] = ()
    """Other names the product puts into a regenerated certificate itself (the XMPP domain in cup-xmpp)."""
    self_signed: bool = False
    """How the certificate presented today is signed."""
    demands: tuple[str, ...] = ()
    """Why it is replaced, one phrase per demand: ``it has expired``, ``a 1024-bit RSA key``."""
    names: tuple[str, ...] = ()
    """SAN dNSNames the successor must carry."""
    without: tuple[str, ...] = ()
    """Identities it must no longer carry (IP addresses)."""
    subject: tuple[tuple[str, str], ...] = ()
    """Subject fields to request, e.g. (("O", "Acme"),)."""
    min_rsa_bits: int | None = None
    request: bool = False
    """It must come from a CA (a CSR), even if today's is self-signed."""
    signer: str | None = None
    """The CA that should sign it, when one is known (the CA of the cluster's other nodes)."""
    pinned: bool | None = False
    """The clients hold today's exact certificate (method 2); None: unknown (no trust store given)."""
    trust_store: str | None = None
    """Where the node keeps the CA certificates of this purpose (``tomcat-trust``); None: not a Cisco server."""
    regenerate: str | None = None
    """How to regenerate a self-signed one (``CLI: set cert regen tomcat``); None: it cannot be."""
    subject_command: str | None = None
    """How the node's request fields are set (``set web-security ...``), when ``subject`` asks for values."""
    prepare: tuple[str, ...] = ()
    """Steps before the request or the regeneration."""
    notes: tuple[str, ...] = ()
    """Said after the procedure."""
    required: bool = True
    """False: only if the certificate is replaced anyway (a chain to mend, a subject to align)."""
    multi_server: str | None = None
    """The CN of a multi-server (SAN) certificate (``cucm1-ms.example.com``): one certificate for every
    node it names, requested or generated once on the publisher (``node``) with Distribution
    "Multi-server (SAN)"; ``names`` then lists every node's FQDN. None: the node's own certificate."""
    signing: tuple[str, ...] = ()
    """What the CA must give the certificate as it signs it, which no request asks for: ``valid for 825
    days or fewer``, ``signed with SHA-256``; said in the signing step."""
    _hash: int = attribute(default=0, init=False, repr=False, compare=False)

    def __hash__(self) -> int:
        return self._hash or _cached_hash(self)


@records.record
class Fix:
    """One remediation step: where to go, what to change from what to what, and what it costs."""

    phase: Phase
    action: str
    """Imperative summary, e.g. ``Change the server name to cucm1.example.com``."""
    where: str
    """Full admin menu path for that product and version."""
    field: str | None = None
    current: str | None = None
    proposed: str | None = None
    preconditions: tuple[str, ...] = ()
    impact: str = ""
    steps: tuple[str, ...] = ()
    """Ordered sub-steps when one change is a procedure (XMPP certificate settings)."""
    dns: tuple[DnsNeed, ...] = ()
    """DNS records that must exist first; the plan turns them into its first phase."""
    renewals: tuple[Renewal, ...] = ()
    """The certificates this fix replaces, each with what its successor must be. The plan makes every
    demand on one certificate a single step (:mod:`confcheck.renewal`): one new certificate answers
    them all. A fix whose renewals are all optional stays a step of its own unless each of its
    certificates is replaced anyway."""
    once_per_cluster: tuple[int, int] = (0, 0)
    """How many of :attr:`steps` open and close a procedure that every such change in the cluster
    shares (its location's :attr:`~confcheck.catalog.Location.once_per_cluster`): a fix list says them
    once."""
    after_subscribers: bool = False
    """The rename of a cluster's publisher: a fix list puts it after the renames of its subscribers."""

    _hash: int = attribute(default=0, init=False, repr=False, compare=False)

    def __hash__(self) -> int:
        return self._hash or _cached_hash(self)

    @property
    def replaces(self) -> tuple[str, ...]:
        """The certificates this fix replaces, as people name them."""
        return tuple(r.certificate for r in self.renewals)


@records.record
class Finding:
    """One problem, about one reference or certificate, with the fix for it."""

    message: str
    rule: str = ""
    """Filled in by :meth:`confcheck.rule.Rule.run`, as are ``name`` and ``severity``."""
    name: str = ""
    severity: Severity = Severity.ERROR
    cluster: str | None = None
    product: str | None = None
    version: str | None = None
    location: str | None = None
    instance: str | None = None
    node: str | None = None
    """The node the finding is about (for a reference: the node it points to)."""
    value: str | None = None
    certificate: str | None = None
    """SHA-256 of the certificate involved, when there is one."""
    subject: str | None = None
    """What tells apart several findings about one value (the node, for the XMPP domain's per-node checks)."""
    evidence: tuple[tuple[str, str], ...] = ()
    fix: Fix | None = None

    _hash: int = attribute(default=0, init=False, repr=False, compare=False)
    _fingerprint: str = attribute(default="", init=False, repr=False, compare=False)

    def __hash__(self) -> int:
        return self._hash or _cached_hash(self)

    def stamped(self, rule: str, name: str, severity: Severity) -> Finding:
        """This finding as rule ``rule`` (``name``, ``severity``) reports it: what ``dataclasses.replace``
        gives, made directly (every finding of a run is stamped so: replace's generic copy costs more)."""
        if rule == self.rule and name == self.name and severity is self.severity:
            return self
        return Finding(
            self.message,
            rule,
            name,
            severity,
            self.cluster,
            self.product,
            self.version,
            self.location,
            self.instance,
            self.node,
            self.value,
            self.certificate,
            self.subject,
            self.evidence,
            self.fix,
        )

    @property
    def fingerprint(self) -> str:
        """See :meth:`_fingerprinted`; computed once per finding (every report format and the gate ask)."""
        if not self._fingerprint:
            object.__setattr__(self, "_fingerprint", self._fingerprinted())
        return self._fingerprint

    def _fingerprinted(self) -> str:
        """Stable identity made of content, never of position: survives re-ordering and re-collection.

        A finding about a configured value is keyed by that value, not by the server or certificate
        it was checked against: renaming the target or renewing a certificate that still mismatches
        keeps the same finding, and so does its place in a baseline.
        """
        parts = [self.rule, self.cluster, self.location, self.instance, self.subject, self.value]
        if self.value is None:
            parts.append(self.certificate)
        text = "\x1f".join(p or "" for p in parts)
        # surrogatepass: a lone surrogate (only a finding made in memory, by a plugin's rule, can hold one:
        # files that do are refused) hashes as its code point, where valid text hashes as UTF-8 alone
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


_FINDING_VALUES, _FIX_VALUES = records.values(Finding), records.values(Fix)
_DNS_VALUES = records.values(DnsNeed)
RENEWAL_FIELDS = records.made_from(Renewal)
"""A renewal's fields in the order it is made: what a marshalled finding and the JSON and SARIF reports
carry, in that order."""
renewal_values = records.values(Renewal)
"""A renewal's values, in the order of :data:`RENEWAL_FIELDS`."""
_SEVERITY_AT, _FIX_AT = map(records.made_from(Finding).index, ("severity", "fix"))
_PHASE_AT, _DNS_AT, _RENEWALS_AT = (
    records.made_from(Fix).index(name) for name in ("phase", "dns", "renewals")
)
_SEVERITIES = {severity.value: severity for severity in Severity}


def marshalled(finding: Finding) -> tuple[Any, ...]:
    """``finding`` as :mod:`marshal` writes it (its fields in order, as plain tuples, strings, numbers):
    what a forked child that ran rules sends back (see :mod:`confcheck.parallel`). A field a rule filled
    with anything else makes marshal refuse it, and the rule's family is run again by the parent."""
    values = list(_FINDING_VALUES(finding))
    values[_SEVERITY_AT] = finding.severity.value
    fix = finding.fix
    if fix is not None:
        parts = list(_FIX_VALUES(fix))
        parts[_PHASE_AT] = int(fix.phase)
        parts[_DNS_AT] = tuple(_DNS_VALUES(need) for need in fix.dns)
        parts[_RENEWALS_AT] = tuple(renewal_values(renewal) for renewal in fix.renewals)
        values[_FIX_AT] = tuple(parts)
    return tuple(values)


def from_marshalled(value: tuple[Any, ...]) -> Finding:
    """The finding that :func:`marshalled` wrote, equal to the one it was given."""
    values = list(value)
    values[_SEVERITY_AT] = _SEVERITIES[values[_SEVERITY_AT]]
    parts = values[_FIX_AT]
    if parts is not None:
        parts = list(parts)
        parts[_PHASE_AT] = Phase(parts[_PHASE_AT])
        parts[_DNS_AT] = tuple(DnsNeed(*need) for need in parts[_DNS_AT])
        parts[_RENEWALS_AT] = tuple(Renewal(*renewal) for renewal in parts[_RENEWALS_AT])
        values[_FIX_AT] = Fix(*parts)
    return Finding(*values)
