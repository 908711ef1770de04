"""One endpoint as met on the wire: the chain it presented, or why it presented none.

Part of the deployment's model (:mod:`confcheck.model` names all of it), kept apart because it is
all the TLS transport makes: ``confcheck cert`` reads endpoints without creating the rest of the
model's classes (some 10 ms of its start-up).
"""

from __future__ import annotations

from confcheck import records
from confcheck.certs import Certificate

NOT_FETCHED = "not-fetched"
"""The endpoint error kind of a server confcheck chose not to connect to: a settings-named host or port
outside what Jabber would use or the inventory allows. Checked by name; not a failure of collection."""
NOT_OPEN = "not-open"
"""The endpoint error kind of an optional port that refused or dropped the connection (SIP OAuth
5090/5091 on a node where CallManager does not listen, or behind a firewall): nothing to check, and
not a failure of collection."""
NOT_OFFERED = "not-offered"
"""The endpoint error kind of a probe for a certificate type the server does not offer: a TLS 1.2
handshake offering only ECDSA, refused because Tomcat serves RSA only (the HTTPS Ciphers enterprise
parameter's default). Nothing to check, and not a failure of collection."""
QUIET_ERRORS = frozenset({NOT_FETCHED, NOT_OPEN, NOT_OFFERED})
"""Endpoint error kinds that say nothing failed: collecting again would not change them."""


@records.record
class EndpointError:
    """Why an endpoint presented no certificate: a machine-readable kind and a one-line message."""

    kind: str
    message: str


@records.record
class Endpoint:
    """A service a client connects to, and the chain it presented (leaf first) or why it did not."""

    purpose: str
    """The certificate's job, in Cisco's words where there are some: ``tomcat``, ``cup-xmpp``, ..."""
    protocol: str
    host: str
    port: int
    server_name: str | None = None
    """The name sent to the server: TLS SNI, or the XMPP stream's ``to``."""
    chain: tuple[Certificate, ...] = ()
    error: EndpointError | None = None

    @property
    def certificate(self) -> Certificate | None:
        """The leaf certificate, if the endpoint presented one."""
        return self.chain[0] if self.chain else None
