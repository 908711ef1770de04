"""HTTPS sessions for connections that carry credentials (AXL, admin pages).

Credentials are sent on these connections, so they verify TLS unless the user explicitly opts out:
against the system trust store by default, a CA bundle, or a pinned SHA-256 fingerprint of the
server's certificate (typical for the self-signed Tomcat certificates audits run into). The
explicit ``insecure`` choice is the caller's to announce.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter


@dataclass(frozen=True, slots=True)
class TlsPolicy:
    """How to trust the server: system store (default), ``ca_bundle``, ``fingerprint`` or ``insecure``."""

    ca_bundle: Path | None = None
    fingerprint: str | None = None
    """SHA-256 of the server's leaf certificate, hex, colons allowed."""
    insecure: bool = False

    def __post_init__(self) -> None:
        chosen = sum((self.ca_bundle is not None, self.fingerprint is not None, self.insecure))
        if chosen > 1:
            raise ValueError("choose one of ca_bundle, fingerprint and insecure")
        if self.fingerprint is not None and not re.fullmatch(r"[0-9a-fA-F]{64}", _hex(self.fingerprint)):
            raise ValueError("fingerprint must be a SHA-256: 64 hex digits, colons allowed")

    @property
    def describe(self) -> str:
        """One phrase for messages: how the server is trusted."""
        if self.insecure:
            return "not verified (insecure = true)"
        if self.fingerprint:
            return f"pinned SHA-256 {_hex(self.fingerprint)[:16]}..."
        return f"CA bundle {self.ca_bundle}" if self.ca_bundle else "system trust store"


class _Adapter(HTTPAdapter):
    """Pins a certificate fingerprint, and/or names the server when connecting to its address.

    Connecting to an address (resolved through the inventory's DNS server) while verifying the
    certificate against the server's name is what a client does after its own DNS lookup.
    """

    def __init__(self, fingerprint: str | None, server_name: str | None, **kwargs: Any) -> None:
        self._fingerprint = _hex(fingerprint).lower() if fingerprint else None
        self._server_name = server_name
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        if self._fingerprint:
            kwargs["assert_fingerprint"] = self._fingerprint
            kwargs["cert_reqs"] = "CERT_NONE"
        if self._server_name:
            kwargs["server_hostname"] = self._server_name
            kwargs["assert_hostname"] = False if self._fingerprint else self._server_name
        super().init_poolmanager(*args, **kwargs)


def session(policy: TlsPolicy, server_name: str | None = None) -> requests.Session:
    """A requests session that verifies TLS as ``policy`` says.

    ``server_name``: the server's name when URLs carry its address; sent as SNI and checked against
    the certificate (unless a fingerprint is pinned, which identifies the server by itself).
    """
    http = requests.Session()
    http.trust_env = False  # no proxies or CA paths from the environment: talk only to the inventory
    if policy.insecure:
        http.verify = False
        # The user chose this and is told once by the caller; not on every request.
        warnings.filterwarnings("ignore", category=urllib3.exceptions.InsecureRequestWarning)
    elif policy.fingerprint:
        http.verify = False
    elif policy.ca_bundle is not None:
        http.verify = str(policy.ca_bundle)
    if policy.fingerprint or server_name:
        http.mount("https://", _Adapter(None if policy.insecure else policy.fingerprint, server_name))
    return http


def _hex(fingerprint: str) -> str:
    return fingerprint.replace(":", "").strip()
