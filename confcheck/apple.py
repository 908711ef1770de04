"""Apple's rules for TLS server certificates: what Jabber for Mac, iPhone and iPad refuse whatever they trust.

iOS 13, iPadOS 13 and macOS 10.15 and later apply these to every TLS server certificate, on top of
their trust stores (Apple support article HT210176, "Requirements for trusted certificates in iOS 13
and macOS 10.15"). Of that article, this module holds the rules no other check covers: validity and
extended key usage for certificates issued from 1 July 2019, and SHA-1 signatures. RSA keys under 2048
bits and names only in the Subject CN, which Apple refuses too, are judged wherever confcheck judges
keys and names. Read by CC316 and by the per-platform verdicts of Jabber's journey
(:class:`confcheck.platforms.Trust`), so that both say the same of one certificate.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

from confcheck import records
from confcheck.certs import Certificate

PLATFORMS = frozenset({"mac", "iphone", "ipad"})
"""The Jabber platforms that validate through Apple's rules (:data:`confcheck.platforms.PLATFORM_TITLES`)."""
CLIENTS = "Jabber for Mac, iPhone and iPad"
SINCE = datetime(2019, 7, 1, tzinfo=timezone.utc)
"""Validity and extended key usage bind certificates issued from this day (their notBefore)."""
MAX_DAYS = 825
"""The longest validity, in days, of a TLS server certificate issued from :data:`SINCE`."""
_LONGEST = timedelta(days=MAX_DAYS)
SHA1_SIGNATURES = frozenset({"sha1WithRSAEncryption", "ecdsa-with-SHA1", "dsa-with-sha1"})
SOURCE = "HT210176: iOS 13, iPadOS 13 and macOS 10.15 and later"


@records.record
class Breach:
    """One rule a certificate breaks."""

    reason: str
    """Why, of the certificate: ``it is valid for 1826 days, more than 825``."""
    needs: str
    """What the CA must give its successor: ``valid for 825 days or fewer``."""
    server_auth: bool = False
    """The extended key usage lacks TLS Web Server Authentication (which CC314 also judges)."""


def breaches(cert: Certificate, leaf: bool) -> tuple[Breach, ...]:
    """The rules ``cert`` breaks, as the server's own certificate (``leaf``) or a CA certificate sent with
    it. A self-signed certificate's signature over itself is not checked: it is the anchor."""
    sha1 = cert.signature_algorithm in SHA1_SIGNATURES and not cert.self_signed
    bound = leaf and cert.not_before >= SINCE
    usages = cert.extended_key_usage
    if not sha1 and (
        not bound
        or (
            cert.not_after - cert.not_before <= _LONGEST
            and usages is not None
            and ("serverAuth" in usages or "anyExtendedKeyUsage" in usages)
        )
    ):
        return ()  # what nearly every certificate is: said without making anything
    found = []
    if sha1:
        found.append(Breach(f"it is signed with SHA-1 ({cert.signature_algorithm})", "signed with SHA-256"))
    if bound:
        validity = cert.not_after - cert.not_before
        if validity > _LONGEST:
            days = round(validity / timedelta(days=1))
            found.append(
                Breach(
                    f"it is valid for {days} days, more than {MAX_DAYS}",
                    f"valid for {MAX_DAYS} days or fewer",
                )
            )
        if usages is None:
            why = "it has no extended key usage extension listing TLS Web Server Authentication"
        elif "serverAuth" not in usages and "anyExtendedKeyUsage" not in usages:
            why = "its extended key usage lacks TLS Web Server Authentication"
        else:
            why = ""
        if why:  # anyExtendedKeyUsage: whether Apple accepts it is not known, so it is not reported
            found.append(Breach(why, "with TLS Web Server Authentication in its extended key usage", True))
    return tuple(found)


def refusal(chain: Sequence[Certificate]) -> str | None:
    """Why Apple's platforms refuse ``chain`` (leaf first) whatever they trust; None when they do not."""
    said = []
    for position, cert in enumerate(chain):
        reasons = "; ".join(b.reason for b in breaches(cert, position == 0))
        if reasons:
            said.append(reasons if position == 0 else f"the CA certificate {cert.subject}: {reasons}")
    if not said:
        return None
    return f"Apple's rules for TLS server certificates refuse it ({'; '.join(said)})"
