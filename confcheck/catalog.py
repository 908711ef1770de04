"""The location catalog: every admin setting that hands a server name to clients (Cisco's Table 3).

Product plugins declare a :class:`ProductLine` per product and version line; the core knows no
product. A :class:`Location` is one field on one admin page, the identity profile it is checked
with, and what it must match.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from confcheck import records
from confcheck.errors import CatalogError
from confcheck.findings import Phase
from confcheck.identity import Profile

Scope = Literal["node", "cluster", "named", "peer"]


@records.record
class Target:
    """What a configured name must match.

    ``node``: the node whose name this is (the value *is* the node name, one reference per node).
    ``cluster``: every node of the setting's own cluster (the XMPP domain).
    ``named``: the server the value names: a node of a cluster of one of ``products``, or an
    external server (mail store, conferencing) of the deployment.
    ``peer``: the configured name of a node of a cluster of ``products``, set here (CUCM 10.x and
    later name their IM and Presence nodes in System > Server). A name is judged once: when a
    cluster of ``products`` in the snapshot has a node configured with this name, that cluster's
    own node-name reference judges it and this setting makes none; otherwise it is ``named``.
    ``purpose`` picks the endpoint whose certificate is checked (``tomcat``, ``cup-xmpp``, ...).
    An empty ``purpose`` checks no certificate, because Jabber meets none of confcheck's there (CTI,
    an LDAP directory): the name is only tied to a server of ``products`` (CC201 when it names
    none), and with no ``products`` either it is recorded and not judged.
    """

    scope: Scope
    purpose: str
    products: tuple[str, ...] = ()


@records.record
class Location:
    """One place in an admin interface that hands a server name to clients."""

    id: str
    menu: str
    """Menu path inside the admin application, e.g. ``System > Server``."""
    field: str | None
    profile: Profile
    target: Target
    checked_against: str
    """Table 3's words for what the value must match."""
    phase: Phase = Phase.CLIENT_SETTINGS
    impact: str = ""
    """What changing this setting costs (restarts, client sign-in), shown on every fix."""
    preconditions: tuple[str, ...] = ()
    """What must be true before the change, beyond DNS (which the rules state themselves)."""
    order: str = ""
    """In what order a cluster's nodes are renamed (IM and Presence: the subscribers first, the publisher
    last, one at a time): said after :attr:`preconditions` for the node of a cluster of several, never for
    the only node of one."""
    steps: tuple[str, ...] = ()
    """The procedure, when changing this setting takes more than typing a value.

    ``{value}`` stands for the configured value and ``{proposed}`` for the proposed one.
    """
    once_per_cluster: tuple[int, int] = (0, 0)
    """How many of :attr:`steps` open and close the procedure for every change of this setting in one
    cluster (CUCM's System > Server: restart the services and check the names after the last rename):
    a fix list says those once per cluster (:mod:`confcheck.plan`), not once per change."""
    note: str = ""
    admin: str | None = None
    """The admin application the setting is changed in, when it is not its product line's: IM and
    Presence 10.x nodes are named in Cisco Unified CM Administration. None: the line's."""


@records.record
class ProductLine:
    """One product and version line, e.g. CUCM 10.x and later, with the names of its admin applications."""

    id: str
    product: str
    versions: str
    """Human form of the version range, e.g. ``10.x and later``."""
    min_major: int | None
    max_major: int | None
    admin: str
    """The admin application whose menus the locations are in."""
    os_admin: str
    serviceability: str
    locations: tuple[Location, ...] = ()
    certificate_services: tuple[tuple[str, str], ...] = ()
    """(certificate purpose, service to restart after replacing it), e.g. ("tomcat", "Cisco Tomcat")."""
    note: str = ""
    """Anything Table 3 says about the line as a whole (Unity Connection: no setting to change)."""
    certificates_menu: str | None = None
    """Where certificates are managed, when it is not ``<os_admin> > Security > Certificate Management``
    (Expressway: Maintenance > Security > Server certificate)."""

    def covers(self, major: int) -> bool:
        """Whether this line describes version ``major`` of its product."""
        return (self.min_major is None or major >= self.min_major) and (
            self.max_major is None or major <= self.max_major
        )

    def where(self, location: Location) -> str:
        """The full menu path of ``location``, application included."""
        return f"{self.admin_of(location)} > {location.menu}"

    def admin_of(self, location: Location) -> str:
        """The admin application ``location`` is changed in: its own when it names one, else the line's."""
        return location.admin or self.admin

    @property
    def certificate_management(self) -> str:
        """Where certificates are generated, signed and uploaded on this product line."""
        return f"{self.os_admin} > {self.certificates_menu or 'Security > Certificate Management'}"

    def restart_after_certificate(self, purpose: str) -> str | None:
        """The service to restart once a ``purpose`` certificate is replaced."""
        return dict(self.certificate_services).get(purpose)


class Catalog:
    """All product lines the installed plugins declare, checked for consistency once."""

    def __init__(self, lines: Iterable[ProductLine]) -> None:
        self.lines: tuple[ProductLine, ...] = tuple(
            sorted(lines, key=lambda pl: (pl.product, pl.min_major or 0))
        )
        self._locations: dict[str, tuple[ProductLine, Location]] = {}
        for line in self.lines:
            for other in self.lines:
                if other is not line and other.product == line.product and _overlap(line, other):
                    raise CatalogError(
                        f"product lines {line.id} and {other.id} both cover {line.product} versions"
                    )
            for location in line.locations:
                if location.id in self._locations:
                    raise CatalogError(f"location id {location.id!r} is declared twice")
                self._locations[location.id] = (line, location)

    def line_for(self, product: str, major: int) -> ProductLine | None:
        """The line covering ``product`` at ``major``, or None if no plugin knows it."""
        return next((pl for pl in self.lines if pl.product == product and pl.covers(major)), None)

    def location(self, location_id: str) -> tuple[ProductLine, Location] | None:
        """The location with this id and its line, or None."""
        return self._locations.get(location_id)

    @property
    def locations(self) -> list[tuple[ProductLine, Location]]:
        """Every location, grouped by product line."""
        return list(self._locations.values())


def _overlap(a: ProductLine, b: ProductLine) -> bool:
    low = max(a.min_major or 0, b.min_major or 0)
    high = min(
        a.max_major if a.max_major is not None else 10**6, b.max_major if b.max_major is not None else 10**6
    )
    return low <= high
