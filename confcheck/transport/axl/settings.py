"""Where an AXL service is, who confcheck is there, how to trust it and how patiently to ask."""

from __future__ import annotations

import re
from dataclasses import field
from pathlib import Path
from urllib.parse import urlsplit

from confcheck import records
from confcheck.transport.axl.versions import BLIND, VERSIONS
from confcheck.transport.https import TlsPolicy


@records.record
class AxlSettings:
    """One AXL endpoint and the limits every exchange with it keeps."""

    url: str
    """``https://host:8443/axl/``"""
    username: str
    password: str = field(repr=False)
    """Sent only in the Authorization header: never in a repr, a log line or a message."""
    version: str = BLIND
    """The AXL version of the first request; a 599 answer may move a client to another (see
    :class:`~confcheck.transport.axl.versions.Negotiation`)."""
    tls: TlsPolicy = field(default_factory=TlsPolicy)
    server_name: str | None = None
    """The server's name when ``url`` holds its address: sent as SNI and verified in its certificate."""
    connect_timeout: float = 5.0
    timeout: float = 30.0
    """Seconds to wait for each read of an answer."""
    deadline: float = 60.0
    """Seconds one call may take in all (its 503 retries and the wait between them included):
    a server that sends one byte every few seconds never trips ``timeout``, but trips this."""
    retries: int = 3
    """Extra attempts after HTTP 503, CUCM's AXL throttle."""
    backoff: float = 1.0
    """Seconds before the first retry after a 503; doubles each time."""
    wsdl: Path | None = None
    """Cisco's full ``AXLAPI.wsdl`` (AXL toolkit) to use instead of confcheck's compact one; it
    speaks one version only, so a client built on it never switches versions."""
    max_response: int = 32 * 1024 * 1024
    """Bytes an answer may have (CUCM caps its own at about 8 MB)."""

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"AXL URL {self.url!r}: expected https://host:8443/axl/")
        if parts.username is not None or parts.password is not None:
            raise ValueError("the AXL URL must not hold credentials: give username and password")
        known = self.version in VERSIONS or (
            self.wsdl is not None and re.fullmatch(r"\d+\.\d+", self.version)
        )
        if not known:
            raise ValueError(f"AXL version {self.version!r}: expected one of {', '.join(VERSIONS)}")
        if (
            self.retries < 0
            or self.backoff < 0
            or self.connect_timeout <= 0
            or self.timeout <= 0
            or self.deadline <= 0
        ):
            raise ValueError("timeouts and the deadline must be positive, retries and backoff not negative")
