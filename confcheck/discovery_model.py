"""What Jabber's service discovery found, as the snapshot holds it: DNS answers per view, UDS and TFTP
fetches, the clients in use (:attr:`confcheck.model.Deployment.discovery`).

Apart from :mod:`confcheck.model` because most snapshots have no discovery: a lint of one does not
create these classes (each dataclass is about a millisecond of start-up).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from confcheck import records
from confcheck.model import REJECT_AND_NOTIFY

if TYPE_CHECKING:
    from confcheck.certs import Certificate
    from confcheck.model import DnsRecord, EndpointError


@records.record
class DnsView:
    """What one DNS server answered for a services domain: the office's (``internal``) or the
    Internet's (``external``), as a Jabber client in that place would be answered."""

    view: str
    """``internal`` or ``external``."""
    server: str | None
    """``ip:port`` of the server asked; None: the system resolver."""
    records: tuple[DnsRecord, ...] = ()


FETCH_KINDS = ("uds-servers", "tftp-config", "config-file")
"""What discovery reads: UDS's server list (``/cucm-uds/servers``, no credentials), ``jabber-config.xml``
from TFTP (HTTP 6970, HTTPS 6972), and a jabber-config.xml file the inventory names (``file:PATH``)."""


@records.record
class Fetch:
    """One answer discovery asked a server for, as the server gave it (or why there is none)."""

    kind: str
    """One of :data:`FETCH_KINDS`."""
    url: str
    """What was asked, with the name Jabber uses as the host (``https://cucm1.example.com:8443/cucm-uds/servers``)."""
    status: int | None = None
    """The HTTP status; None when no answer came."""
    names: tuple[tuple[str, str], ...] = ()
    """What the answer names, in its order: ``("server", "cucm1.example.com")`` for UDS, the parameter and
    its value (``("VoicemailPrimaryServer", "10.0.0.5")``) for jabber-config.xml."""
    error: EndpointError | None = None
    """Why the answer is not what Jabber expects (``html``, ``redirect``, ``oversized``, ``malformed``,
    ``unexpected``, ``http``) or could not be had (``refused``, ``timeout``, ...); quiet kinds
    (:data:`~confcheck.model.QUIET_ERRORS`, ``absent``) say nothing failed."""
    chain: tuple[Certificate, ...] = ()
    """For HTTPS: the chain the server presented on that port, leaf first."""


ABSENT = "absent"
"""The fetch error kind of a file the server does not have (HTTP 404 for jabber-config.xml): Jabber
works without it, so it is no failure."""


@records.record
class Client:
    """A Jabber client in use: its platform (:data:`~confcheck.model.PLATFORMS`) and release, when known."""

    platform: str
    version: str | None = None


@records.record
class Discovery:
    """How Jabber users of one services domain find their servers, as collected: what each SRV record
    answered in each DNS view, what UDS and TFTP served, and which service profile users get.

    The settings the clients hold (installer arguments, jabber-config.xml) are those of the cluster
    named ``jabber`` (product ``jabber``).
    """

    jabber: str
    """The name of the ``jabber`` cluster holding the clients' settings."""
    services_domain: str
    xmpp_domains: tuple[str, ...] = ()
    home: str | None = None
    """The CUCM cluster the users' UDS answers come from (the inventory's, else the SRV targets')."""
    views: tuple[DnsView, ...] = ()
    fetches: tuple[Fetch, ...] = ()
    service_profile: str | None = None
    """The service profile whose UC services the journey follows; None: not known."""
    profile_source: str | None = None
    """``inventory`` (the profile the inventory names for its test user) or ``default`` (CUCM's default)."""
    clients: tuple[Client, ...] = ()
    """The clients in use; empty: not given (every platform, versions that validate, is assumed)."""
    invalid_certificate_behavior: str | None = None
    """``RejectAndNotify`` or ``PromptPerSession`` when the inventory says how clients are installed."""

    @property
    def refuses(self) -> bool:
        """Whether the clients refuse to connect where they would prompt (:data:`REJECT_AND_NOTIFY`);
        without the setting they prompt (the default, modelled)."""
        return self.invalid_certificate_behavior == REJECT_AND_NOTIFY

    def view(self, name: str) -> DnsView | None:
        """The DNS view called ``name`` (``internal``, ``external``), if it was asked."""
        return next((v for v in self.views if v.view == name), None)
