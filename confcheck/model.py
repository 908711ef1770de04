"""The deployment as collected: plain values, no I/O, the same whether it came off the wire or a snapshot.

What one endpoint presented (:class:`Endpoint`, :class:`EndpointError` and the quiet error kinds) is
defined in :mod:`confcheck.endpoint` and named here too.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from confcheck import endpoint, records

if TYPE_CHECKING:
    from confcheck.discovery_model import Discovery

Endpoint = endpoint.Endpoint
EndpointError = endpoint.EndpointError
NOT_FETCHED = endpoint.NOT_FETCHED
NOT_OPEN = endpoint.NOT_OPEN
NOT_OFFERED = endpoint.NOT_OFFERED
QUIET_ERRORS = endpoint.QUIET_ERRORS

Product = Literal["cucm", "cup", "imp", "unity", "expressway-e", "expressway-c", "jabber"]
REJECT_AND_NOTIFY = "RejectAndNotify"
"""The InvalidCertificateBehavior (``[[jabber]]``) under which Jabber refuses to connect where it would
prompt (:attr:`~confcheck.discovery_model.Discovery.refuses`)."""
PRODUCTS: tuple[Product, ...] = ("cucm", "cup", "imp", "unity", "expressway-e", "expressway-c", "jabber")
INVENTORY_PRODUCTS: tuple[Product, ...] = ("cucm", "cup", "imp", "unity", "expressway-e", "expressway-c")
"""What a ``[[cluster]]`` of the inventory may be; ``jabber`` is made from ``[[jabber]]``: the settings the
clients themselves hold (installer arguments, jabber-config.xml), which have no nodes."""
PRODUCT_TITLES: dict[str, str] = {
    "cucm": "Cisco Unified Communications Manager",
    "cup": "Cisco Unified Presence",
    "imp": "Cisco Unified CM IM and Presence",
    "unity": "Cisco Unity Connection",
    "expressway-e": "Cisco Expressway-E",
    "expressway-c": "Cisco Expressway-C",
    "jabber": "Cisco Jabber clients",
}
Role = Literal["publisher", "subscriber"]
ROLES: tuple[Role, ...] = ("publisher", "subscriber")

PROTOCOLS = ("https", "tls", "xmpp-client", "imap", "imaps")
"""How an endpoint was met: direct TLS (``https``, ``tls``) or STARTTLS (``xmpp-client``, ``imap``)."""


ECDSA = "-ECDSA"
"""What Cisco appends to the name of a certificate's elliptic-curve twin (``tomcat-ECDSA``)."""


def twin(purpose: str) -> str:
    """The purpose of ``purpose``'s ECDSA twin: ``tomcat`` -> ``tomcat-ECDSA``."""
    return purpose + ECDSA


def family(purpose: str) -> str:
    """The purpose a twin stands beside: ``tomcat-ECDSA`` -> ``tomcat``; others are their own."""
    return purpose.removesuffix(ECDSA)


SIP_OAUTH_PORTS = (5090, 5091)
"""CallManager's SIP OAuth ports, which present the Tomcat certificate (Cisco doc 215572 "Cisco Jabber
and SIP OAuth Mode"): 5090 for Jabber on premises, 5091 for Expressway-C (mutual TLS). These are the
defaults (CUCM Administration > System > Cisco Unified CM); a node configured with other ports is
not probed there."""


@records.record
class Node:
    """A server: its name exactly as configured, what else it is known as, and its endpoints."""

    name: str
    """As configured (CUCM System > Server; IM and Presence Cluster Topology before 10.0); may be an
    IP address."""
    role: Role = "subscriber"
    hostname: str | None = None
    """The platform host name (``cucm1``), when known."""
    domain: str | None = None
    addresses: tuple[str, ...] = ()
    endpoints: tuple[Endpoint, ...] = ()

    @property
    def fqdn(self) -> str | None:
        """``hostname.domain`` when both are known."""
        return f"{self.hostname}.{self.domain}" if self.hostname and self.domain else None

    def endpoint(self, purpose: str) -> Endpoint | None:
        """The endpoint collected for ``purpose``, if any."""
        return next((e for e in self.endpoints if e.purpose == purpose), None)


@records.record
class Setting:
    """One admin setting that hands a server name to clients, exactly as configured."""

    location: str
    """The catalog location id (see ``confcheck locations``)."""
    value: str
    instance: str | None = None
    """Which object holds the setting when there can be several: a UC service, a CCMCIP profile."""
    profiles: tuple[str, ...] | None = None
    """The service profiles that hand this setting's UC service to Jabber (read from CUCM 10.x on).
    ``()``: no profile does, so the setting reaches no client and is not judged; None: not known
    (not a UC service, or a release whose profiles confcheck does not read)."""


@records.record
class Cluster:
    """One cluster of one product; ``nodes`` lists the publisher first."""

    name: str
    product: Product
    version: str
    nodes: tuple[Node, ...] = ()
    settings: tuple[Setting, ...] = ()
    facts: tuple[tuple[str, str], ...] = ()
    """Other settings the checks need that hand no name to clients (XMPP certificate settings), by key."""
    configuration_read: bool = True
    """False when the configuration could not be read (a failed login): the nodes are the inventory's,
    met for their certificates only, and no node name or setting of the cluster is judged."""

    @property
    def major(self) -> int:
        """The major version (``9`` for ``9.1.2.10000-28``)."""
        return major_version(self.version)


@records.record
class DnsRecord:
    """One DNS observation made at collection time, so checks stay offline."""

    name: str
    type: str
    answers: tuple[str, ...] = ()
    error: str | None = None


@records.record
class Problem:
    """Something collection could not read (a failed login, an unreachable AXL service)."""

    kind: str
    message: str
    cluster: str | None = None


PLATFORMS = ("windows", "mac", "iphone", "ipad", "android")
"""Jabber's client platforms, as Table 1 of Cisco's certificate validation guide (doc 116917) lists them."""


@records.record
class Deployment:
    """Everything collected: the clusters, external servers (mail store, conferencing) and DNS answers."""

    clusters: tuple[Cluster, ...] = ()
    externals: tuple[Node, ...] = ()
    dns: tuple[DnsRecord, ...] = ()
    collected_at: datetime | None = None
    problems: tuple[Problem, ...] = ()
    """What collection could not read; any problem makes the audit incomplete (exit 3)."""
    discovery: tuple[Discovery, ...] = ()
    """Jabber's service discovery per services domain (``[[jabber]]`` in the inventory)."""

    def cluster(self, name: str) -> Cluster | None:
        """The cluster called ``name``."""
        return next((c for c in self.clusters if c.name == name), None)


_MAJOR = re.compile(r"\s*[Xx]?(\d{1,3})(?:[.(\s-]|$)")


def major_version(version: str) -> int:
    """The leading number of a Cisco version string (``X`` before it, as Expressway writes ``X14.2``,
    allowed); ValueError if there is none."""
    found = _MAJOR.match(version)
    if found is None:
        raise ValueError(f"not a version: {version!r}")
    return int(found.group(1))
