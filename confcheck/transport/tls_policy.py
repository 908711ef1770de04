"""How a credentialed connection trusts its server, as the inventory says it: light enough for every command.

The inventory names a CA bundle, a pinned fingerprint or an explicit ``insecure`` choice per
cluster; reading it must not import the HTTP stack (requests, urllib3), which only collecting
needs. :mod:`confcheck.transport.https` builds sessions from this policy.
"""

from __future__ import annotations

import re
from pathlib import Path

from confcheck import records


@records.record
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
        if self.fingerprint is not None and not re.fullmatch(
            r"[0-9a-fA-F]{64}", fingerprint_hex(self.fingerprint)
        ):
            raise ValueError("fingerprint must be a SHA-256: 64 hex digits, colons allowed")

    @property
    def describe(self) -> str:
        """One phrase for messages: how the server is trusted."""
        if self.insecure:
            return "not verified (insecure = true)"
        if self.fingerprint:
            return f"pinned SHA-256 {fingerprint_hex(self.fingerprint)[:16]}..."
        return f"CA bundle {self.ca_bundle}" if self.ca_bundle else "system trust store"


def fingerprint_hex(fingerprint: str) -> str:
    """A fingerprint as bare hex digits: colons and surrounding blanks dropped."""
    return fingerprint.replace(":", "").strip()


MAX_CA_BUNDLE = 4 * 1024 * 1024
"""A CA bundle larger than this is not one (the Mozilla bundle is about 220 KB)."""


def check_ca_bundle(path: Path) -> int:
    """The number of certificates in the CA bundle at ``path``; ValueError saying why it is unusable.

    Checked when the inventory is read, so that a wrong file fails there, naming itself, and not
    later as a TLS error on every cluster: empty, not PEM certificates, or holding a private key
    (a key file picked by mistake, which has no business being passed around as trust).
    """
    from cryptography import x509

    try:
        with path.open("rb") as file:
            data = file.read(MAX_CA_BUNDLE + 1)
    except OSError as exc:
        raise ValueError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if len(data) > MAX_CA_BUNDLE:
        raise ValueError(f"{path}: larger than {MAX_CA_BUNDLE // 2**20} MiB; not a CA bundle")
    if b"PRIVATE KEY-----" in data:
        raise ValueError(f"{path}: holds a private key; a CA bundle holds only the CA certificates to trust")
    if not data.strip():
        raise ValueError(f"{path}: is empty; a CA bundle holds the PEM certificates of the CAs to trust")
    if b"-----BEGIN CERTIFICATE-----" not in data:
        raise ValueError(f"{path}: holds no PEM certificate")
    try:
        found = x509.load_pem_x509_certificates(data)
    except ValueError:
        raise ValueError(f"{path}: a certificate in it is not a readable PEM certificate") from None
    return len(found)
