"""Findings and the fixes they carry: what is wrong, where to change it, and in which order."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from enum import Enum, IntEnum


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
        return {"error": 3, "warning": 2, "info": 1}[self.value]

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
        return {
            0: "complete the audit",
            1: "DNS records",
            2: "certificates",
            3: "node and server names",
            4: "client-facing settings",
            5: "XMPP domain",
        }[self.value]


@dataclass(frozen=True, slots=True)
class Suppression:
    """A finding kept out of the verdict, and why: a waiver (with its reason) or the baseline."""

    finding: Finding
    kind: str
    """``waiver`` or ``baseline``."""
    reason: str
    expires: date | None = None


@dataclass(frozen=True, slots=True)
class DnsNeed:
    """A DNS record a fix needs before it is made: ``name`` resolving to ``address`` (and back, if ``reverse``)."""

    name: str
    address: str
    reverse: bool = False


@dataclass(frozen=True, slots=True)
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
    replaces: str | None = None
    """The certificate this fix has replaced (``the Tomcat certificate of cucm1``): the plan makes every
    fix that replaces one certificate a single step, since one new certificate answers them all."""


@dataclass(frozen=True, slots=True)
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

    @property
    def fingerprint(self) -> str:
        """Stable identity made of content, never of position: survives re-ordering and re-collection.

        A finding about a configured value is keyed by that value, not by the server or certificate
        it was checked against: renaming the target or renewing a certificate that still mismatches
        keeps the same finding, and so does its place in a baseline.
        """
        parts = [self.rule, self.cluster, self.location, self.instance, self.subject, self.value]
        if self.value is None:
            parts.append(self.certificate)
        text = "\x1f".join(p or "" for p in parts)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
