"""What a product plugin returns for one cluster: its nodes, the settings that name servers, the endpoints to meet.

Plain data, no I/O: the collect stage turns a plan into the snapshot's clusters once it has resolved
every name and fetched every certificate. Kept apart from :mod:`confcheck.collect`, which loads the
plugins, so that the hook specifications and the plugins can name these types without an import circle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from confcheck.model import Role, Setting

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
