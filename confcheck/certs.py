"""Parsed, serialisable views of the X.509 certificates servers present.

Everything the rules need is read once into plain values; the PEM is kept so a snapshot can always
be re-parsed. A subjectAltName extension that cannot be parsed is recorded as ``san_error`` and never
silently replaced by the Subject CN. The reading itself, with cryptography, is in
:mod:`confcheck.certs_x509` (names and keys straight from the DER in :mod:`confcheck.certs_der`, which
reads a snapshot's certificates wholly where it vouches for them), imported by the functions here
when they are first called: the model, the rules' documentation and the catalog use these values
without importing cryptography.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from confcheck import inputs, records
from confcheck.errors import InputError

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.x509.oid import ObjectIdentifier

XMPP_ADDR = "1.3.6.1.5.5.7.8.5"
"""id-on-xmppAddr (RFC 6120): a UTF8String JID (``XMPP_ADDR_OID``: as a cryptography ObjectIdentifier)."""
SRV_NAME = "1.3.6.1.5.5.7.8.7"
"""id-on-dnsSRV (RFC 4985): an IA5String such as ``_xmpp-client.example.com`` (``SRV_NAME_OID``)."""

MAX_INPUT_BYTES = inputs.CERTIFICATE_BYTES
"""Certificate files larger than this are refused: real chains are a few kilobytes."""


class CertificateError(InputError):
    """Bytes that are not a usable certificate (or chain)."""


EKU_LABELS = {"serverAuth": "TLS Web Server Authentication", "clientAuth": "TLS Web Client Authentication"}
"""The extended key usages Cisco's certificates carry, as Cisco's and the clients' dialogs name them."""


@records.record
class SubjectAltNames:
    """The subjectAltName values confcheck understands, in certificate order."""

    dns: tuple[str, ...] = ()
    ip: tuple[str, ...] = ()
    xmpp_addr: tuple[str, ...] = ()
    srv_name: tuple[str, ...] = ()
    uri: tuple[str, ...] = ()
    email: tuple[str, ...] = ()


@records.record
class KeyInfo:
    """The subject public key: algorithm family and size in bits (None when unknown)."""

    type: str
    bits: int | None


@records.record
class Certificate:
    """One certificate as a server presented it."""

    subject: str
    subject_cn: tuple[str, ...]
    issuer: str
    serial: str
    not_before: datetime
    not_after: datetime
    key: KeyInfo
    signature_algorithm: str
    sha256: str
    self_signed: bool
    is_ca: bool
    san: SubjectAltNames | None
    """None when the certificate has no subjectAltName extension (or it cannot be parsed)."""
    san_error: str | None
    """Why the subjectAltName (or the extensions holding it) could not be read."""
    pem: str
    subject_attributes: tuple[tuple[str, str], ...] = ()
    issuer_label: str = ""
    """The issuer as people call it: its CN, else its whole name (``Acme Issuing CA``)."""
    extended_key_usage: tuple[str, ...] | None = None
    """The extendedKeyUsage purposes, named as in RFC 5280 (``serverAuth``, ``clientAuth``, ...) or by
    dotted OID; None when the certificate has no such extension (any use is then allowed)."""
    """Every subject attribute as (short name, value), in certificate order: ``("O", "Example, Inc.")``.

    The values as encoded, not the RFC 4514 string, whose escaping adds backslashes; short names as
    RFC 4514 spells them (``CN``, ``O``, ``OU``, ``L``, ``ST``, ``C``), else the dotted OID.
    """


def parse(cert: x509.Certificate, pem: str | None = None, der: bytes | None = None) -> Certificate:
    """Read everything confcheck uses from a cryptography certificate (see :mod:`confcheck.certs_x509`)."""
    from confcheck import certs_x509

    return certs_x509.parse(cert, pem, der)


def from_pem(pem: str) -> Certificate:
    """Parse exactly one PEM certificate, as snapshots store them (the hot path of loading one).

    A snapshot's certificate, in the PEM confcheck writes, is read straight from its DER
    (:func:`confcheck.certs_der.certificate`) when that reader is sure of every part of it, without
    importing cryptography's x509 package (a large part of a lint's start-up); any other with cryptography.
    """
    canonical_der, certificate = _der_reader()
    der = canonical_der(pem.encode("utf-8", "replace"))
    if der is not None:
        cert = certificate(der, pem)
        if cert is not None:
            return cert
    from confcheck import certs_x509

    return certs_x509.from_pem(pem)


@functools.cache
def _der_reader() -> tuple[Callable[[bytes], bytes | None], Callable[[bytes, str], Certificate | None]]:
    """:mod:`confcheck.certs_der`'s two functions :func:`from_pem` calls, imported once: an import statement
    in a function runs the import machinery at every call (some 0.6 us, a certificate's hundredth)."""
    from confcheck import certs_der

    return certs_der.canonical_der, certs_der.certificate


def read(path: str | Path) -> tuple[Certificate, ...]:
    """Read a certificate or a chain (leaf first) from a PEM, DER or PKCS#7 file."""
    data = inputs.read_bytes(path, MAX_INPUT_BYTES, "a certificate file", CertificateError)
    return load(data, str(path))


def load(data: bytes, source: str) -> tuple[Certificate, ...]:
    """Parse PEM (one or more CERTIFICATE blocks, or PKCS7), DER, or DER PKCS#7 bytes."""
    from confcheck import certs_x509

    return certs_x509.load(data, source)


def chain_order(certs: list[x509.Certificate]) -> list[x509.Certificate]:
    """Order an unordered set of certificates as a chain: the leaf, then its issuer, and so on."""
    from confcheck import certs_x509

    return certs_x509.chain_order(certs)


def is_self_signed(cert: x509.Certificate) -> bool:
    """Issuer equals subject and the signature verifies with the certificate's own key."""
    from confcheck import certs_x509

    return certs_x509.is_self_signed(cert)


def label(name: x509.Name) -> str:
    """A certificate name as people say it: its CN, else the whole name."""
    from confcheck import certs_x509

    return certs_x509.label(name)


def __getattr__(name: str) -> ObjectIdentifier:
    """``XMPP_ADDR_OID`` and ``SRV_NAME_OID``, made when first asked for (they need cryptography)."""
    if name in ("XMPP_ADDR_OID", "SRV_NAME_OID"):
        from confcheck import certs_x509

        oid: ObjectIdentifier = getattr(certs_x509, name)
        return oid
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# The DER tags of the strings a subjectAltName's otherName holds (xmppAddr a UTF8String, SRVName an
# IA5String), shared with der_string by both certificate readers, certs_x509 and certs_der.
UTF8_STRING = 0x0C
IA5_STRING = 0x16


def der_string(der: bytes, tag: int, what: str) -> str:
    """Decode the inner DER string of an otherName (cryptography strips only the [0] wrapper)."""
    if len(der) < 2 or der[0] != tag:
        raise ValueError(f"{what} is not a {'UTF8String' if tag == UTF8_STRING else 'IA5String'}")
    length, offset = der[1], 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or len(der) < 2 + count:
            raise ValueError(f"{what} has a malformed length")
        length, offset = int.from_bytes(der[2 : 2 + count], "big"), 2 + count
    if offset + length != len(der):
        raise ValueError(f"{what} has a length that does not match its content")
    body = der[offset:]
    try:
        return body.decode("utf-8") if tag == UTF8_STRING else body.decode("ascii")
    except UnicodeDecodeError:
        raise ValueError(f"{what} is not valid {'UTF-8' if tag == UTF8_STRING else 'ASCII'}") from None


def to_dict(cert: Certificate) -> dict[str, Any]:
    """The JSON view of a certificate (``confcheck cert --format json``)."""
    return {
        "subject": cert.subject,
        "subject_cn": list(cert.subject_cn),
        "subject_attributes": [list(pair) for pair in cert.subject_attributes],
        "issuer": cert.issuer,
        "serial": cert.serial,
        "self_signed": cert.self_signed,
        "is_ca": cert.is_ca,
        "not_before": _iso(cert.not_before),
        "not_after": _iso(cert.not_after),
        "sha256": cert.sha256,
        "signature_algorithm": cert.signature_algorithm,
        "key": {"type": cert.key.type, "bits": cert.key.bits},
        "san": {
            "dns": list(cert.san.dns) if cert.san else [],
            "ip": list(cert.san.ip) if cert.san else [],
            "xmpp_addr": list(cert.san.xmpp_addr) if cert.san else [],
            "srv_name": list(cert.san.srv_name) if cert.san else [],
        },
        "san_error": cert.san_error,
        "extended_key_usage": None if cert.extended_key_usage is None else list(cert.extended_key_usage),
    }


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


def marshalled(cert: Certificate, pem: str) -> tuple[Any, ...]:
    """``cert`` as :mod:`marshal` writes it (plain tuples, strings and numbers), less its PEM when that is
    ``pem``: what a forked reader of a snapshot's certificates sends back (see :mod:`confcheck.parallel`)."""
    san = cert.san
    return (
        cert.subject,
        cert.subject_cn,
        cert.issuer,
        cert.serial,
        (cert.not_before - _EPOCH) // _MICROSECOND,
        (cert.not_after - _EPOCH) // _MICROSECOND,
        cert.key.type,
        cert.key.bits,
        cert.signature_algorithm,
        cert.sha256,
        cert.self_signed,
        cert.is_ca,
        None if san is None else (san.dns, san.ip, san.xmpp_addr, san.srv_name, san.uri, san.email),
        cert.san_error,
        None if cert.pem == pem else cert.pem,
        cert.subject_attributes,
        cert.issuer_label,
        cert.extended_key_usage,
    )


def from_marshalled(value: tuple[Any, ...], pem: str, into: Certificate | None = None) -> Certificate:
    """The certificate that :func:`marshalled` wrote, equal to the one it was given; made in ``into`` when
    given (a placeholder of :func:`confcheck.records.placeholder`, which others already hold)."""
    (subject, cn, issuer, serial, not_before, not_after, key_type, bits, algorithm, sha256, self_signed,
     is_ca, san, san_error, own_pem, attributes, issuer_label, purposes) = value  # fmt: skip
    made = Certificate.__new__(Certificate) if into is None else into
    Certificate.__init__(
        made,
        subject,
        cn,
        issuer,
        serial,
        _moment(not_before),
        _moment(not_after),
        key_info(key_type, bits),
        algorithm,
        sha256,
        self_signed,
        is_ca,
        None if san is None else SubjectAltNames(*san),
        san_error,
        pem if own_pem is None else own_pem,
        attributes,
        issuer_label,
        purposes,
    )
    return made


_MOMENTS: dict[int, datetime] = {}
_KEYS: dict[tuple[str, int | None], KeyInfo] = {}


def _moment(microseconds: int) -> datetime:
    """One datetime for each moment: certificates of one batch share their validity's (memory)."""
    moment = _MOMENTS.get(microseconds)
    if moment is None:
        if len(_MOMENTS) >= 65_536:
            _MOMENTS.clear()
        moment = _MOMENTS[microseconds] = _EPOCH + timedelta(microseconds=microseconds)
    return moment


def key_info(kind: str, bits: int | None) -> KeyInfo:
    """One :class:`KeyInfo` per kind and size, shared by every certificate with such a key (both the DER
    reader and the certificates a forked reader sends back make them here)."""
    key = _KEYS.get((kind, bits))
    if key is None:
        key = _KEYS[kind, bits] = KeyInfo(kind, bits)
    return key


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
