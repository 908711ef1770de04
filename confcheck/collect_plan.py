"""What a product plugin returns for one cluster: its nodes, the settings that name servers, the endpoints to meet.

Plain data, no I/O: the collect stage turns a plan into the snapshot's clusters once it has resolved
every name and fetched every certificate. Kept apart from :mod:`confcheck.collect`, which loads the
plugins, so that the hook specifications and the plugins can name these types without an import circle.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from confcheck.model import SIP_OAUTH_PORTS, Role, Setting, twin

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: called as the collection advances."""


@dataclass
class EndpointPlan:
    """An endpoint to meet: its certificate's purpose, how to connect, and the name to present."""

    purpose: str
    scheme: str
    """A :mod:`confcheck.transport.tls` URL scheme: ``https``, ``xmpp``, ``imap``, ``imaps``, ``tls``."""
    port: int
    name: str | None = None
    """SNI, or the XMPP domain; None: the node's own name when it is a name."""
    offer: str = "any"
    """What the ClientHello offers (:data:`confcheck.transport.tls.OFFERS`): ``rsa`` and ``ecdsa`` meet
    one of a server's two certificates for the same service (``tomcat`` and ``tomcat-ECDSA``)."""
    optional: bool = False
    """A port that may be closed (SIP OAuth): refused is recorded as ``not-open``, not as a failure."""


@dataclass
class NodePlan:
    """A node as its cluster's configuration lists it."""

    name: str
    role: Role
    endpoints: list[EndpointPlan] = field(default_factory=list)


@dataclass
class ExternalHint:
    """A server a setting names that may be outside the inventory (a mail store, a conferencing server)."""

    name: str
    purpose: str
    scheme: str
    port: int


@dataclass
class ClusterPlan:
    """What a product plugin read from one cluster, before any certificate is fetched."""

    name: str
    product: str
    version: str
    nodes: list[NodePlan] = field(default_factory=list)
    settings: list[Setting] = field(default_factory=list)
    facts: dict[str, str] = field(default_factory=dict)
    hints: list[ExternalHint] = field(default_factory=list)
    configuration_read: bool = True
    """False for the fallback plan of a cluster that could not be read: its certificates, nothing more."""


TWINNED = {"tomcat": ("cucm", "imp", "unity"), "cup-xmpp": ("imp",)}
"""Certificates that have an ECDSA twin (``tomcat-ECDSA``, ``cup-xmpp-ECDSA``), by the products that
make one, from release 11.0 (:data:`TWINS_FROM`). Cisco's IM and Presence 12.5(1)SU2 configuration
guide lists both pairs; Unity Connection's OS administration guide lists tomcat-ECDSA. The first
release with the twins is not confirmed from a Cisco document (11.x is when they are first met)."""
TWINS_FROM = (11, 0)
SIP_OAUTH_FROM = (12, 5)


def release(version: str) -> tuple[int, int]:
    """``(12, 5)`` for ``12.5.1.10000-22``; a version without a minor number is ``(major, 0)``."""
    found = re.match(r"\s*(\d{1,3})(?:\.(\d{1,3}))?", version)
    if found is None:
        raise ValueError(f"not a version: {version!r}")
    return int(found.group(1)), int(found.group(2) or 0)


def add_current_endpoints(plan: ClusterPlan) -> None:
    """Plan what current releases present besides what the product plugin planned.

    * From 11.0, a Tomcat (and IM and Presence cup-xmpp) endpoint is met twice: once offering only
      RSA, as ``tomcat``, and once offering only ECDSA, as ``tomcat-ECDSA`` (Cisco's names), since a
      client may get either. Earlier releases and other products are met once, with the full offer.
    * From CUCM 12.5, every node's SIP OAuth ports (:data:`~confcheck.model.SIP_OAUTH_PORTS`) are met as ``tomcat``
      endpoints over TLS, offering RSA like the Tomcat endpoint; a closed port is ``not-open``.

    Endpoints the plugin planned itself are kept as planned; nothing is added twice.
    """
    try:
        current = release(plan.version)
    except ValueError:
        return
    for node in plan.nodes:
        planned: list[EndpointPlan] = []
        taken = {(e.purpose, e.port) for e in node.endpoints}
        first = {e.purpose: e for e in reversed(node.endpoints)}  # the twin stands beside the first
        for endpoint in node.endpoints:
            planned.append(endpoint)
            products = TWINNED.get(endpoint.purpose, ())
            if plan.product not in products or current < TWINS_FROM or endpoint.offer != "any":
                continue
            if first[endpoint.purpose] is not endpoint:
                continue
            endpoint.offer = "rsa"
            if (twin(endpoint.purpose), endpoint.port) not in taken:
                planned.append(
                    EndpointPlan(
                        twin(endpoint.purpose), endpoint.scheme, endpoint.port, endpoint.name, "ecdsa"
                    )
                )
        if plan.product == "cucm" and current >= SIP_OAUTH_FROM:
            planned += [
                EndpointPlan("tomcat", "tls", port, offer="rsa", optional=True)
                for port in SIP_OAUTH_PORTS
                if ("tomcat", port) not in taken
            ]
        node.endpoints = planned
