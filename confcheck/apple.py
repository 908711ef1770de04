"""Apple's rules for TLS server certificates: what Jabber for Mac, iPhone and iPad refuse although the
CA's root is in their trust store.

iOS 13, iPadOS 13 and macOS 10.15 and later apply these to TLS server certificates on top of their
trust stores (Apple support article HT210176, "Requirements for trusted certificates in iOS 13 and
macOS 10.15"; how they apply them is read from Apple's trust daemon, ``SecPolicyServer.c``). Of those
rules, this module holds the two no other check covers:

* a CA-signed server certificate issued after 1 July 2019 must be valid for at most 825 days (Apple
  allows an hour's slip). Apple does not hold a certificate the device trusts by itself (the guide's
  method 2) to it, so neither does confcheck hold a self-signed one, or one a platform's trust store
  holds; a certificate from a CA Apple ships meets stricter limits (398 days from September 2020),
  which public CAs keep;
* no certificate of the chain but its root may be signed with MD5 or SHA-1.

An RSA key under 2048 bits and a name only in the Subject CN, which Apple refuses too, are judged where
confcheck judges keys and names (CC309, CC106 and the journey); an extended key usage without TLS Web
Server Authentication is refused by every platform (CC314, CC401). Read by CC316 and by the per-platform
verdicts of Jabber's journey (:class:`confcheck.platforms.Trust`), so that both say the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

from confcheck import records
from confcheck.certs import Certificate

PLATFORMS = frozenset({"mac", "iphone", "ipad"})
"""The Jabber platforms that validate through Apple's rules (:data:`confcheck.platforms.PLATFORM_TITLES`)."""
CLIENTS = "Jabber for Mac, iPhone and iPad"
STORES = ("macos", "ios")
"""Their trust stores' keys in ``[check.trust_stores]``."""
SINCE = datetime(2019, 7, 1, tzinfo=timezone.utc)
"""The validity limit binds certificates issued after this moment (their notBefore)."""
MAX_DAYS = 825
_LONGEST = timedelta(days=MAX_DAYS, hours=1)
"""825 days and the hour's slip Apple allows."""
WEAK_SIGNATURES = frozenset(
    {
        "sha1WithRSAEncryption",
        "ecdsa-with-SHA1",
        "dsa-with-sha1",
        "md5WithRSAEncryption",
        "1.2.840.113549.1.1.2",  # md2WithRSAEncryption
        "1.2.840.113549.1.1.3",  # md4WithRSAEncryption
        "1.2.840.113549.1.1.4",  # md5WithRSAEncryption, named by its OID where cryptography names none
        "1.3.14.3.2.29",  # sha1WithRSASignature (OIW)
    }
)
"""Signature algorithms whose hash Apple no longer accepts (SHA-1 and older)."""
SOURCE = "HT210176: iOS 13, iPadOS 13 and macOS 10.15 and later"


@records.record
class Breach:
    """One rule a certificate breaks."""

    reason: str
    """Why, of the certificate: ``it is valid for 1826 days, longer than the 825 days Apple allows``."""
    needs: str
    """What the CA must give its successor: ``valid for 825 days or fewer``."""


def breaches(cert: Certificate, leaf: bool, trusted_itself: bool = False) -> tuple[Breach, ...]:
    """The rules ``cert`` breaks, as the server's own certificate (``leaf``) or a CA certificate sent with
    it; ``trusted_itself``: the leaf is in the devices' trust store (then its validity is not limited).
    A self-signed certificate is its own anchor: neither its signature nor its validity is held to them."""
    if cert.self_signed:
        return ()
    weak = cert.signature_algorithm in WEAK_SIGNATURES
    long = (
        leaf
        and not trusted_itself
        and cert.not_before > SINCE
        and cert.not_after - cert.not_before > _LONGEST
    )
    if not weak and not long:
        return ()  # what nearly every certificate is: said without making anything
    found = []
    if weak:
        found.append(
            Breach(
                f"it is signed with {cert.signature_algorithm}, a hash Apple no longer accepts",
                "using SHA-256",
            )
        )
    if long:
        found.append(
            Breach(
                f"it is valid for {_span(cert.not_after - cert.not_before)}, longer than the {MAX_DAYS} days "
                "Apple allows",
                f"valid for {MAX_DAYS} days or fewer",
            )
        )
    return tuple(found)


def refusal(chain: Sequence[Certificate], trusted_itself: bool = False) -> str | None:
    """Why Apple's platforms refuse ``chain`` (leaf first) although they trust its root; None when they do
    not. A chain whose first certificate is a CA's is no server's: nothing is said of it. Besides
    :func:`breaches`, an RSA key under 2048 bits (which CC309 reports, by ``[check] min_rsa_bits``)."""
    if not chain or chain[0].is_ca:
        return None
    said = []
    for position, cert in enumerate(chain):
        found = [b.reason for b in breaches(cert, position == 0, trusted_itself)]
        if (
            cert.key.type == "RSA"
            and cert.key.bits is not None
            and cert.key.bits < 2048
            and not cert.self_signed
        ):
            found.append(
                f"it has a {cert.key.bits}-bit RSA key, under the 2048 bits Apple requires"
            )  # CC309's
        reasons = "; ".join(found)
        if reasons:
            said.append(reasons if position == 0 else f"the CA certificate {cert.subject}: {reasons}")
    if not said:
        return None
    return f"Apple's rules for TLS server certificates refuse it ({'; '.join(said)})"


def _span(delta: timedelta) -> str:
    """``1826 days``, ``825 days and 2 hours``: whole hours, enough to show a period just over the limit."""
    days, rest = divmod(delta, timedelta(days=1))
    hours = rest // timedelta(hours=1)
    return f"{days} days" + (f" and {hours} hour{'s' if hours > 1 else ''}" if hours else "")
