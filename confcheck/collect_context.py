"""What product plugins collect with: the transports built from the inventory, and DNS.

The only door from a plugin to the network. Kept apart from :mod:`confcheck.collect`, which loads the
plugins, so that the hook specifications and the plugins can name it without an import circle.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from confcheck import identity
from confcheck.config import ClusterConfig, Inventory
from confcheck.errors import ConfcheckError
from confcheck.model import DnsRecord
from confcheck.transport.dns import Resolver

if TYPE_CHECKING:
    from confcheck.transport.adminweb import AdminSession
    from confcheck.transport.axl import AxlClient, AxlSettings, Negotiation
    from confcheck.transport.axl.presence import PresenceAxlClient, PresenceNegotiation


class CollectContext:
    """What product plugins collect with: transports built from the inventory, and DNS."""

    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory
        self.resolver = Resolver(inventory.dns_server, inventory.timeout)
        self.records: dict[tuple[str, str], DnsRecord] = {}
        self._addresses: dict[str, list[str]] = {}
        self._negotiations: dict[str, Negotiation] = {}
        self._presence: dict[str, PresenceNegotiation] = {}
        self._admin: dict[tuple[str, str], AdminSession] = {}
        self._lock = threading.Lock()

    def addresses(self, name: str) -> list[str]:
        """The addresses of ``name`` (an address is its own), looked up once and recorded."""
        if identity.is_ip(name):
            return [identity.canonical_ip(name) or name]
        key = name.lower().rstrip(".")
        with self._lock:
            if key in self._addresses:
                return self._addresses[key]
        found, records = self.resolver.addresses(key)
        with self._lock:
            self._addresses[key] = found
            for record in records:
                self.records[(record.name, record.type)] = record
        return found

    def reverse(self, address: str) -> str | None:
        """The name a PTR record gives ``address``, recorded."""
        name, record = self.resolver.reverse(address)
        self.record(record)
        return name

    def record(self, record: DnsRecord) -> None:
        """Keep a DNS observation for the snapshot."""
        with self._lock:
            self.records[(record.name, record.type)] = record

    def url(self, cluster: ClusterConfig, port: int, path: str = "") -> tuple[str, str | None]:
        """``https://address:port/path`` for the publisher, and its name to verify the certificate against."""
        host = cluster.publisher
        if identity.is_ip(host):
            return f"https://{_bracket(host)}:{port}{path}", None
        addresses = self.addresses(host)
        if not addresses:
            raise ConfcheckError(f"{cluster.name}: the publisher {host} does not resolve")
        return f"https://{_bracket(addresses[0])}:{port}{path}", host

    def axl(self, cluster: ClusterConfig) -> AxlClient:
        """An AXL client for the cluster's publisher, speaking the AXL version negotiated for the cluster.

        The first call for a cluster learns which version to speak: from the inventory's version,
        else from UDS (one GET without credentials); a 599 answer then moves it once. Every later
        client of the cluster in this run starts where the last one ended.
        """
        from confcheck.transport.axl import AxlClient

        negotiation = self._negotiation(cluster)
        return AxlClient(self._axl_settings(cluster, negotiation.version), negotiation)

    def presence_axl(self, cluster: ClusterConfig) -> PresenceAxlClient:
        """A client of IM and Presence's own AXL service (11.5 and later) on the cluster's publisher,
        speaking the version negotiated for the cluster (12.5 first, one retry in 11.5 on a 599)."""
        from confcheck.transport.axl.presence import PresenceAxlClient, PresenceNegotiation

        with self._lock:
            negotiation = self._presence.setdefault(cluster.name, PresenceNegotiation())
        return PresenceAxlClient(self._axl_settings(cluster, negotiation.version), negotiation)

    def unity_version(self, cluster: ClusterConfig) -> str:
        """Unity Connection's release from its provisioning interface (CUPI ``/vmrest/version/product/``)
        on the publisher, with the inventory's credentials when it has some (see :mod:`~confcheck.transport.cupi`)."""
        from confcheck.transport import cupi

        base, name = self.url(cluster, cluster.tomcat_port)
        credentials = (cluster.username, cluster.password or "") if cluster.username else None
        timeout = self.inventory.timeout
        return cupi.product_version(base, cluster.tls, name, credentials, timeout, max(4 * timeout, 10.0))

    def _axl_settings(self, cluster: ClusterConfig, version: str) -> AxlSettings:
        from confcheck.transport.axl import AxlSettings

        url, name = self.url(cluster, cluster.axl_port, "/axl/")
        return AxlSettings(
            url=url,
            username=cluster.username or "",
            password=cluster.password or "",
            version=version,
            tls=cluster.tls,
            server_name=name,
            connect_timeout=self.inventory.timeout,
            timeout=max(self.inventory.timeout, 10.0),
            deadline=12 * self.inventory.timeout,
            backoff=self.inventory.timeout / 4,
        )

    def _negotiation(self, cluster: ClusterConfig) -> Negotiation:
        from confcheck.transport.axl import Negotiation, uds

        with self._lock:
            known = self._negotiations.get(cluster.name)
        if known is not None:
            return known
        release = cluster.version
        if release is None:
            url, name = self.url(cluster, cluster.tomcat_port, uds.PATH)
            timeout = self.inventory.timeout
            release = uds.ccm_version(url, cluster.tls, name, timeout=timeout, deadline=4 * timeout)
        with self._lock:
            return self._negotiations.setdefault(cluster.name, Negotiation.start(release))

    def admin(self, cluster: ClusterConfig, app: str) -> AdminSession:
        """The session to the publisher's admin application ``app``, one per cluster and application for
        the run: what detecting the version signed in to, reading the configuration goes on with (its
        sign-in then finds the session open: one request instead of three, as a browser's would)."""
        key = (cluster.name, app)
        with self._lock:
            known = self._admin.get(key)
        if known is not None:
            return known
        from confcheck.transport.adminweb import AdminSession, AdminSettings

        url, name = self.url(cluster, cluster.admin_port)
        settings = AdminSettings(
            base_url=url,
            app=app,
            username=cluster.username or "",
            password=cluster.password or "",
            tls=cluster.tls,
            timeout=max(self.inventory.timeout, 5.0),
            server_name=name,
        )
        with self._lock:
            return self._admin.setdefault(key, AdminSession(settings))


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host
