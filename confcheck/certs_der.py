"""Reading a certificate's names, key and extensions straight from its DER, without cryptography's objects.

A snapshot of thousands of clusters holds tens of thousands of certificates. Of reading one with
cryptography, building the Python objects of its names (and their RFC 4514 strings), of its public
key and of its extensions is the largest part; this reader takes those from the DER instead (reading
a certificate as snapshots store it took 128 µs, then 81 µs with the names and key read here, about
55 µs with the extensions too, on the benchmark's certificates). What repeats from certificate to
certificate (an issuer, an RDN such as the organisation, an extension such as the CA's key identifier)
is read once per distinct encoding. It vouches for the names, keys and
extensions servers really present — attributes in UTF8String, PrintableString or IA5String, RSA and
NIST-curve EC keys; subjectAltName, extendedKeyUsage, basicConstraints, keyUsage and the key
identifiers, in the shapes cryptography reads without fail — and gives up (:func:`read` returns None,
or a None key or extensions) on anything else, which is then read with cryptography as before.
:func:`read` is never the only check: its caller (``certs_x509.parse``) has had cryptography load the
same bytes first, so malformed certificates are refused exactly as they always were.

:func:`certificate` reads the whole certificate, serial number, validity and signature included, for a
snapshot's certificates (``certs.from_pem``): a lint then need not import cryptography's x509 package,
a large part of its start-up. It checks every element as strictly as cryptography's DER parser does and
declines (None) whatever it is not sure cryptography reads alike and without a warning; those are read
with cryptography as before (see the comment above :func:`certificate`).

Each value equals what cryptography gives for the same certificate (tests compare the two over many
generated certificates and hostile extension values): RFC 4514 strings as ``Name.rfc4514_string``
writes them, attribute values as decoded, key sizes as ``key_size``, extensions as
``certs_x509`` takes them from cryptography's objects.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import ipaddress
import re
from datetime import datetime, timezone
from operator import itemgetter
from typing import TYPE_CHECKING, NamedTuple

from confcheck.certs import (
    IA5_STRING,
    SRV_NAME,
    UTF8_STRING,
    XMPP_ADDR,
    Certificate,
    KeyInfo,
    SubjectAltNames,
    der_string,
    key_info,
)

if TYPE_CHECKING:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec


class _Unsupported(Exception):
    """Not a shape this reader vouches for: read the certificate with cryptography instead."""


class Name(NamedTuple):
    """A distinguished name as confcheck uses it.

    This and the two records below are named tuples, not frozen dataclasses: three are made for every
    certificate read, and a tuple costs a third of what a frozen dataclass costs to make."""

    text: str
    """The RFC 4514 string: RDNs last first, multi-valued RDNs joined by ``+``, values escaped."""
    attributes: tuple[tuple[str, str], ...]
    """(short name, value) in certificate order."""
    common_names: tuple[str, ...]

    @property
    def label(self) -> str:
        """As people say it: the first CN, else the whole name (``certs_x509.label``)."""
        return (self.common_names[0] if self.common_names else "") or self.text or "(empty name)"


class Extensions(NamedTuple):
    """What confcheck takes from a certificate's extensions, as :mod:`confcheck.certs_x509` takes it from
    cryptography's objects."""

    san: SubjectAltNames | None
    """None when there is no subjectAltName extension, or it cannot be parsed (``san_error``)."""
    san_error: str | None
    extended_key_usage: tuple[str, ...] | None
    """The extendedKeyUsage purposes as dotted OIDs; None without the extension."""
    is_ca: bool
    """basicConstraints' cA (False without the extension)."""


class Fields(NamedTuple):
    """What this reader takes from a certificate."""

    subject: Name
    issuer: Name
    key: KeyInfo | None
    """None when the key is of a kind this reader leaves to cryptography."""
    extensions: Extensions | None = None
    """None when an extension is of a kind (or a shape) this reader leaves to cryptography."""


def read(der: bytes) -> Fields | None:
    """The names and key of the certificate ``der``, or None when this reader does not vouch for them
    (read them with cryptography)."""
    try:
        return _certificate(der)
    except (_Unsupported, ValueError, IndexError):  # UnicodeDecodeError is a ValueError
        return None


_ISSUERS: dict[bytes, Name] = {}
"""Issuer names already read, by their DER: a deployment's certificates come from a handful of issuers."""
_ISSUERS_KEPT = 4096


# --- DER ----------------------------------------------------------------------------------------


def _children(der: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    """(tag, start of the content, end) of each element filling ``der[start:end]`` exactly; single-byte
    tags and DER (definite, minimal) lengths only. One function for the whole walk: this is the hot loop."""
    found: list[tuple[int, int, int]] = []
    append = found.append
    while start < end:
        tag = der[start]
        length = der[start + 1]
        offset = start + 2
        if length > 0x7F:
            count = length - 0x80
            if count == 0 or count > 4 or der[offset] == 0:
                raise _Unsupported("indefinite or non-minimal length")
            length = int.from_bytes(der[offset : offset + count], "big")
            if length < 0x80:
                raise _Unsupported("non-minimal length")
            offset += count
        start = offset + length
        if start > end or tag & 0x1F == 0x1F:
            raise _Unsupported("length beyond its container, or a multi-byte tag")
        append((tag, offset, start))
    return found


def _whole(der: bytes, tag: int) -> list[tuple[int, int, int]]:
    """The children of the single element of ``tag`` that fills ``der``."""
    outer = _children(der, 0, len(der))
    if len(outer) != 1 or outer[0][0] != tag:
        raise _Unsupported(f"expected one element of tag {tag:#x}")
    return _children(der, outer[0][1], outer[0][2])


_OIDS: dict[bytes, str] = {}
_OID_ARC_BITS = 63
"""Arcs of at most 63 bits: cryptography's parsers set a bound (and have moved it between releases)."""


def _oid(body: bytes) -> str:
    """A dotted OID from its DER content (minimal sub-identifiers only), remembered by its bytes."""
    dotted = _OIDS.get(body)
    if dotted is not None:
        return dotted
    if not body or len(body) > 32 or body[-1] & 0x80:
        raise _Unsupported("malformed OID")
    arcs: list[int] = []
    value = 0
    fresh = True
    for byte in body:
        if fresh and byte == 0x80:
            raise _Unsupported("non-minimal OID arc")
        value = value << 7 | byte & 0x7F
        fresh = not byte & 0x80
        if fresh:
            arcs.append(value)
            value = 0
    if len(body) > 9 and any(arc >> _OID_ARC_BITS for arc in arcs):
        raise _Unsupported("an OID arc too large")
    first = min(arcs[0] // 40, 2)
    dotted = ".".join(map(str, [first, arcs[0] - 40 * first, *arcs[1:]]))
    if len(_OIDS) < 4096:
        _OIDS[body] = dotted
    return dotted


def _positive_integer(body: bytes) -> int:
    if not body or body[0] & 0x80 or (len(body) > 1 and body[0] == 0 and not body[1] & 0x80):
        raise _Unsupported("not a minimal positive INTEGER")
    return int.from_bytes(body, "big")


# --- the certificate --------------------------------------------------------------------------------

_V3 = b"\xa0\x03\x02\x01\x02"
_TBS_TAGS = (0x02, 0x30, 0x30, 0x30, 0x30, 0x30)
"""serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo."""
_TAG = itemgetter(0)


def _certificate(der: bytes) -> Fields:
    tbs_start, tbs_end = _tbs(der)
    elements = _children(der, tbs_start, tbs_end)
    v3 = der.startswith(_V3, tbs_start)
    return _fields(der, elements[1:] if v3 else elements, v3)


def _fields(der: bytes, elements: list[tuple[int, int, int]], v3: bool) -> Fields:
    """The names, key and extensions of a TBSCertificate whose elements after the version are ``elements``."""
    if tuple(map(_TAG, elements[:6])) != _TBS_TAGS:
        raise _Unsupported("TBSCertificate layout")
    _, algorithm, issuer_tlv, _, subject_tlv, key_tlv = elements[:6]
    issuer_der = der[algorithm[2] : issuer_tlv[2]]
    issuer = _ISSUERS.get(issuer_der)
    if issuer is None:
        issuer = _name(der, issuer_tlv[1], issuer_tlv[2])
        if len(_ISSUERS) >= _ISSUERS_KEPT:
            _ISSUERS.clear()
        _ISSUERS[issuer_der] = issuer
    return Fields(
        _name(der, subject_tlv[1], subject_tlv[2]),
        issuer,
        _key(der, key_tlv[1], key_tlv[2]),
        _extensions(der, elements[6:]) if v3 else None if elements[6:] else _NO_EXTENSIONS,
    )


def _tbs(der: bytes) -> tuple[int, int]:
    """(start, end) of the TBSCertificate's content in the Certificate ``der`` (see :func:`_outline`)."""
    _, tbs_start, tbs_end, _ = _outline(der)
    return tbs_start, tbs_end


def _outline(der: bytes) -> tuple[int, int, int, list[tuple[int, int, int]]]:
    """(where the TBSCertificate starts, where its content starts, where it ends, the two elements after
    it) in the Certificate ``der``: one SEQUENCE filling ``der`` of three elements, the first a SEQUENCE
    (RFC 5280 4.1). Certificates of a few kilobytes have lengths of two bytes: those are read here in
    place, anything else by :func:`_children`."""
    if der[:2] == b"\x30\x82" and der[4:6] == b"\x30\x82" and int.from_bytes(der[2:4], "big") == len(der) - 4:
        tbs_end = 8 + int.from_bytes(der[6:8], "big")
        if der[6] and der[2] and tbs_end <= len(der):  # minimal lengths (at least 256 bytes)
            rest = _children(der, tbs_end, len(der))  # the signature's algorithm and value
            if len(rest) == 2:
                return 4, 8, tbs_end, rest
            raise _Unsupported("Certificate layout")
    outer = _children(der, 0, len(der))
    if len(outer) != 1 or outer[0][0] != 0x30:
        raise _Unsupported("not one SEQUENCE")
    parts = _children(der, outer[0][1], outer[0][2])
    if len(parts) != 3 or parts[0][0] != 0x30:
        raise _Unsupported("Certificate layout")
    return outer[0][1], parts[0][1], parts[0][2], parts[1:]


# --- names ----------------------------------------------------------------------------------------

_SHORT_NAMES = {
    "2.5.4.3": "CN",
    "2.5.4.7": "L",
    "2.5.4.8": "ST",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "2.5.4.6": "C",
    "2.5.4.9": "STREET",
    "0.9.2342.19200300.100.1.25": "DC",
    "0.9.2342.19200300.100.1.1": "UID",
}
"""RFC 4514's short names, as cryptography writes them; other attributes by dotted OID."""
_COMMON_NAME = "2.5.4.3"
_LENGTH_LIMITS = {"2.5.4.6": (2, 2), "1.3.6.1.4.1.311.60.2.1.3": (2, 2), _COMMON_NAME: (1, 64)}
"""Attributes whose length cryptography checks (and warns about): left to it when outside."""
_STRING_TAGS = {0x0C, 0x13, 0x16}
"""UTF8String, PrintableString and IA5String: decoded as UTF-8, as cryptography does."""


def _name(der: bytes, start: int, end: int) -> Name:
    """The name filling ``der[start:end]``: the usual shape (one attribute per RDN, every length under
    128 bytes) in one flat pass, anything else by :func:`_any_name`, which the flat pass equals.

    Each RDN is read once per distinct encoding (:data:`_RDNS`): a deployment's certificates repeat the
    same organisation, unit, locality, state and country, and only the CN differs.
    """
    rdns: list[str] = []
    attributes: list[tuple[str, str]] = []
    common_names: list[str] = []
    pos = start
    try:
        while pos < end:
            rdn_end = pos + 2 + der[pos + 1]
            if der[pos + 1] & 0x80 or rdn_end > end:
                return _any_name(der, start, end)
            encoded = der[pos:rdn_end]
            read = _RDNS.get(encoded)
            if read is None:
                read = _rdn(encoded)
                if read is None:
                    return _any_name(der, start, end)
                if len(_RDNS) >= _RDNS_KEPT:
                    _RDNS.clear()
                _RDNS[encoded] = read
            pair, text, common = read
            if common:
                common_names.append(pair[1])
            attributes.append(pair)
            rdns.append(text)
            pos = rdn_end
    except IndexError:  # bytes that end inside an element
        return _any_name(der, start, end)
    rdns.reverse()
    return Name(",".join(rdns), tuple(attributes), tuple(common_names))


_RDNS: dict[bytes, tuple[tuple[str, str], str, bool]] = {}
"""Single-valued RDNs already read, by their DER: ((short name, value), ``short=escaped value``, is a CN)."""
_RDNS_KEPT = 4096


def _rdn(der: bytes) -> tuple[tuple[str, str], str, bool] | None:
    """The RDN ``der`` is, when it is one attribute with every length in one byte (else None):
    SET { SEQUENCE { OID, string } }."""
    sequence_end = 4 + der[3]
    oid_end = 6 + der[5]
    value_end = oid_end + 2 + der[oid_end + 1]
    if (
        der[0] != 0x31
        or der[2] != 0x30
        or der[4] != 0x06
        or der[oid_end] not in _STRING_TAGS
        or (der[3] | der[5] | der[oid_end + 1]) & 0x80
        or not value_end == sequence_end == len(der)
    ):
        return None
    oid = _oid(der[6:oid_end])
    value = der[oid_end + 2 : value_end].decode("utf-8")
    limits = _LENGTH_LIMITS.get(oid)
    if limits is not None and not limits[0] <= value_end - oid_end - 2 <= limits[1]:
        raise _Unsupported("attribute length")
    short = _SHORT_NAMES.get(oid, oid)
    return (short, value), f"{short}={escape(value)}", oid == _COMMON_NAME


def _any_name(der: bytes, start: int, end: int) -> Name:
    rdns: list[str] = []
    attributes: list[tuple[str, str]] = []
    common_names: list[str] = []
    for tag, rdn_start, rdn_end in _children(der, start, end):
        if tag != 0x31:
            raise _Unsupported("RDN")
        parts: list[str] = []
        seen: set[tuple[str, str]] = set()
        previous, header = b"", rdn_start
        for attribute_tag, attribute_start, attribute_end in _children(der, rdn_start, rdn_end):
            if attribute_tag != 0x30:
                raise _Unsupported("attribute")
            encoded, header = der[header:attribute_end], attribute_end
            if encoded < previous:
                raise _Unsupported("a SET not in DER order")  # cryptography refuses the certificate
            previous = encoded
            pair = _children(der, attribute_start, attribute_end)
            if len(pair) != 2 or pair[0][0] != 0x06 or pair[1][0] not in _STRING_TAGS:
                raise _Unsupported("attribute type and value")
            oid = _oid(der[pair[0][1] : pair[0][2]])
            value = der[pair[1][1] : pair[1][2]].decode("utf-8")
            limits = _LENGTH_LIMITS.get(oid)
            if limits is not None and not limits[0] <= pair[1][2] - pair[1][1] <= limits[1]:
                raise _Unsupported("attribute length")
            if (oid, value) in seen:
                raise _Unsupported("duplicate attribute in an RDN")
            seen.add((oid, value))
            short = _SHORT_NAMES.get(oid, oid)
            if oid == _COMMON_NAME:
                common_names.append(value)
            attributes.append((short, value))
            parts.append(f"{short}={escape(value)}")
        if not parts:
            raise _Unsupported("empty RDN")
        rdns.append("+".join(parts))
    return Name(",".join(reversed(rdns)), tuple(attributes), tuple(common_names))


def escape(value: str) -> str:
    """An attribute value escaped for an RFC 4514 string, exactly as cryptography escapes it."""
    if _PLAIN.fullmatch(value):
        return value  # most values: nothing to escape, found by one match
    if not value:
        return ""
    for special, escaped in _ESCAPES:
        if special in value:
            value = value.replace(special, escaped)
    if value[0] == "#" or (value[0] == " " and len(value) > 1):
        value = "\\" + value
    if value[-1] == " ":
        value = value[:-1] + "\\ "
    return value


_PLAIN = re.compile(r'[^\\"+,;<>\x00# ](?:[^\\"+,;<>\x00]*[^\\"+,;<>\x00 ])?')
"""A value :func:`escape` leaves as it is: no special character, no ``#`` or space first, no space last."""
_ESCAPES = (
    ("\\", "\\\\"),
    ('"', '\\"'),
    ("+", "\\+"),
    (",", "\\,"),
    (";", "\\;"),
    ("<", "\\<"),
    (">", "\\>"),
    ("\0", "\\00"),
)


# --- the public key -------------------------------------------------------------------------------

_RSA = "1.2.840.113549.1.1.1"
_EC = "1.2.840.10045.2.1"
_CURVES = {
    # dotted OID: (bits, p, b) of the NIST prime curves y^2 = x^3 - 3x + b (mod p), SEC 2
    "1.2.840.10045.3.1.7": (
        256,
        0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF,
        0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B,
    ),
    "1.3.132.0.34": (
        384,
        2**384 - 2**128 - 2**96 + 2**32 - 1,
        0xB3312FA7E23EE7E4988E056BE3F82D19181D9C6EFE8141120314088F5013875AC656398D8A2ED19D2A85C8EDD3EC2AEF,
    ),
    "1.3.132.0.35": (
        521,
        2**521 - 1,
        0x0051953EB9618E1C9A1F929A21A0B68540EEA2DA725B99B315F3B8B489918EF109E156193951EC7E937B1652C0BD3BB1BF073573DF883D2C34F1EF451FD46B503F00,
    ),
}


def _key(der: bytes, start: int, end: int) -> KeyInfo | None:
    """RSA and NIST-curve EC keys, checked as OpenSSL checks them when cryptography loads them (an EC
    point on its curve); None for every other key, which cryptography reads.

    Their AlgorithmIdentifier is one of four encodings (:data:`_ALGORITHMS`: DER allows no other), found
    whole by one look-up; any other is of a kind left to cryptography."""
    algorithm_end = start + 2 + der[start + 1]
    known = _ALGORITHMS.get(der[start:algorithm_end])
    if known is None:
        return None
    kind, curve_oid = known
    bit_string = _children(der, algorithm_end, end)
    if len(bit_string) != 1 or bit_string[0][0] != 0x03:
        return None
    _, bits_start, bits_end = bit_string[0]
    if bits_end - bits_start < 2 or der[bits_start] != 0:
        return None
    key = der[bits_start + 1 : bits_end]
    if kind == _RSA:
        numbers = _whole(key, 0x30)
        if len(numbers) != 2 or numbers[0][0] != 0x02 or numbers[1][0] != 0x02:
            return None
        modulus = _positive_integer(key[numbers[0][1] : numbers[0][2]])
        exponent = _positive_integer(key[numbers[1][1] : numbers[1][2]])
        bits = modulus.bit_length()
        if not (1024 <= bits <= 8192 and modulus & 1 and exponent & 1 and 3 <= exponent < modulus):
            return None
        return key_info("RSA", bits)
    if kind == _EC:
        curve = _CURVES.get(curve_oid)
        if curve is None:
            return None
        bits, p, b = curve
        size = (bits + 7) // 8
        if len(key) != 1 + 2 * size or key[0] != 4:
            return None  # compressed or hybrid points: cryptography reads those
        x = int.from_bytes(key[1 : 1 + size], "big")
        y = int.from_bytes(key[1 + size :], "big")
        if x >= p or y >= p or (y * y - (x * x * x - 3 * x + b)) % p:
            return None
        return key_info("EC", bits)
    return None


def _oid_der(dotted: str) -> bytes:
    """The DER of an OBJECT IDENTIFIER (tag, length, content): the inverse of :func:`_oid`."""
    arcs = [int(arc) for arc in dotted.split(".")]
    body = bytearray()
    for arc in [40 * arcs[0] + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        while arc := arc >> 7:
            chunk.append(arc & 0x7F | 0x80)
        body += bytes(reversed(chunk))
    return bytes([0x06, len(body)]) + bytes(body)


def _algorithm_der(kind: str, parameters: bytes) -> bytes:
    content = _oid_der(kind) + parameters
    return bytes([0x30, len(content)]) + content


_ALGORITHMS = {
    _algorithm_der(_RSA, b"\x05\x00"): (_RSA, ""),
    **{_algorithm_der(_EC, _oid_der(curve)): (_EC, curve) for curve in _CURVES},
}
"""The DER AlgorithmIdentifier of an RSA key (NULL parameters) and of an EC key on each curve of
:data:`_CURVES`: (kind, curve OID)."""


# --- the extensions -------------------------------------------------------------------------------
#
# cryptography parses every extension it knows when its ``extensions`` are first asked for, and refuses
# the whole list (a ValueError, which ``certs_x509.parse`` turns into ``san_error``) if one of them does
# not parse or makes one of its constructors fail. This reader therefore vouches for a list only when
# every extension in it is one of the six below, once each, in a shape cryptography reads without fail;
# anything else (another extension, a constructor's refusal, an unusual encoding) leaves the whole list
# to cryptography (:func:`_extensions` returns None).

_BASIC_CONSTRAINTS = "2.5.29.19"
_EXTENDED_KEY_USAGE = "2.5.29.37"
_SUBJECT_ALT_NAME = "2.5.29.17"
_KEY_USAGE = "2.5.29.15"
_SUBJECT_KEY_IDENTIFIER = "2.5.29.14"
_AUTHORITY_KEY_IDENTIFIER = "2.5.29.35"
_NO_EXTENSIONS = Extensions(None, None, None, False)
_CRITICAL = b"\x01\x01\xff"
"""The only critical flag DER allows: TRUE (FALSE is the default, which DER leaves out)."""


def _extensions(der: bytes, rest: list[tuple[int, int, int]]) -> Extensions | None:
    """The extensions of a TBSCertificate whose elements after the subject public key are ``rest``.

    Each extension other than the subjectAltName and the subject key identifier is read once per
    distinct encoding (:data:`_READ`): a CA's certificates repeat the same basicConstraints, key usage,
    extendedKeyUsage and authority key identifier.
    """
    if not rest:
        return _NO_EXTENSIONS
    if len(rest) != 1 or rest[0][0] != 0xA3:
        return None  # unique identifiers (v2): cryptography's
    wrapper = _children(der, rest[0][1], rest[0][2])
    if len(wrapper) != 1 or wrapper[0][0] != 0x30:
        return None
    items = _children(der, wrapper[0][1], wrapper[0][2])
    if not items:
        return None
    seen: list[str] = []
    san: SubjectAltNames | None = None
    san_error: str | None = None
    purposes: tuple[str, ...] | None = None
    is_ca = False
    for tag, start, end in items:
        if tag != 0x30:
            return None
        encoded = der[start:end]
        read = _READ.get(encoded)
        if read is None:
            read = _read_extension(der, start, end)
            if read is None:
                return None
            if read[0] not in _DISTINCT:
                if len(_READ) >= _READ_KEPT:
                    _READ.clear()
                _READ[encoded] = read
        oid, value = read
        if oid in seen:
            return None  # cryptography refuses a list naming an extension twice
        seen.append(oid)
        if oid == _SUBJECT_ALT_NAME:
            san, san_error = value  # type: ignore[misc]
        elif oid == _EXTENDED_KEY_USAGE:
            purposes = value  # type: ignore[assignment]
        elif oid == _BASIC_CONSTRAINTS:
            is_ca = value is True
    return Extensions(san, san_error, purposes, is_ca)


_Read = tuple[str, object]
"""An extension as read: its extnID and what confcheck takes from it (the subjectAltName's (names, error),
the extendedKeyUsage purposes, basicConstraints' cA; None from the others)."""
_READ: dict[bytes, _Read] = {}
"""Extensions already read, by the DER of their content."""
_READ_KEPT = 4096
_DISTINCT = frozenset({_SUBJECT_ALT_NAME, _SUBJECT_KEY_IDENTIFIER})
"""subjectAltName and subjectKeyIdentifier: different in every certificate, so not kept."""


def _read_extension(der: bytes, start: int, end: int) -> _Read | None:
    """What confcheck takes from the Extension whose content is ``der[start:end]``; None when it is of a
    kind (or a shape) left to cryptography."""
    extension = _extension(der, start, end)
    if extension is None:
        return None
    oid, value_tag, value_start, value_end = extension
    if oid == _SUBJECT_ALT_NAME and value_tag == 0x30:
        names = _subject_alt_names(der, value_start, value_end)
        return None if names is None else (oid, names)
    if oid == _EXTENDED_KEY_USAGE and value_tag == 0x30:
        purposes = _purposes(der, value_start, value_end)
        return (oid, purposes) if purposes else None
    if oid == _BASIC_CONSTRAINTS and value_tag == 0x30 and value_end - value_start in (0, 3):
        if value_end > value_start and der[value_start:value_end] != _CRITICAL:
            return None  # cA written FALSE (DER leaves it out), or not a BOOLEAN
        return oid, value_end > value_start  # the usual: no path length
    if oid == _BASIC_CONSTRAINTS and value_tag == 0x30:
        constraints = _children(der, value_start, value_end)
        if constraints and der[constraints[0][1] - 2 : constraints[0][2]] == _CRITICAL:
            is_ca, constraints = True, constraints[1:]
        else:
            is_ca = False
        if constraints and (not is_ca or len(constraints) > 1 or constraints[0][0] != 0x02):
            return None  # a path length without cA: BasicConstraints refuses it
        if constraints and _positive_integer(der[constraints[0][1] : constraints[0][2]]) >= 1 << 63:
            return None
        return oid, is_ca
    if oid == _KEY_USAGE and value_tag == 0x03:
        return (oid, None) if _key_usage_reads(der[value_start:value_end]) else None
    if oid == _SUBJECT_KEY_IDENTIFIER and value_tag == 0x04:
        return oid, None
    if oid == _AUTHORITY_KEY_IDENTIFIER and value_tag == 0x30:
        length = der[value_start + 1]
        if der[value_start] == 0x80 and length < 0x80 and value_start + 2 + length == value_end:
            return oid, None  # the usual: a [0] keyIdentifier alone, shorter than 128 bytes
        identifier = _children(der, value_start, value_end)
        if len(identifier) > 1 or (identifier and identifier[0][0] != 0x80):
            return None  # an issuer and serial number: left to cryptography
        return oid, None
    return None


def _extension(der: bytes, start: int, end: int) -> tuple[str, int, int, int] | None:
    """(extnID, then the tag, start and end of the one element its extnValue holds) of the Extension whose
    content is ``der[start:end]``; None when it is not laid out so. Lengths of one byte are read in one
    flat pass (an extension under 128 bytes, most of them), others by :func:`_children`."""
    oid_end = start + 2 + der[start + 1]
    flag = der[oid_end : oid_end + 3]
    octets = oid_end + 3 if flag == _CRITICAL else oid_end
    value = octets + 2
    value_end = value + 2 + der[value + 1]
    if not (der[start + 1] | der[octets + 1] | der[value + 1]) & 0x80:
        if der[start] != 0x06 or der[octets] != 0x04 or not value_end == value + der[octets + 1] == end:
            return None
        return _oid(der[start + 2 : oid_end]), der[value], value + 2, value_end
    parts = _children(der, start, end)
    if len(parts) == 3 and der[parts[1][1] - 2 : parts[1][2]] != _CRITICAL:
        return None
    if len(parts) not in (2, 3) or parts[0][0] != 0x06 or parts[-1][0] != 0x04:
        return None
    inner = _children(der, parts[-1][1], parts[-1][2])
    if len(inner) != 1:
        return None
    return _oid(der[parts[0][1] : parts[0][2]]), *inner[0]


def _purposes(der: bytes, start: int, end: int) -> tuple[str, ...]:
    """The OIDs filling ``der[start:end]`` (an extendedKeyUsage), each shorter than 128 bytes."""
    purposes: list[str] = []
    while start < end:
        length = der[start + 1]
        stop = start + 2 + length
        if der[start] != 0x06 or length & 0x80 or stop > end:
            raise _Unsupported("extendedKeyUsage")
        purposes.append(_oid(der[start + 2 : stop]))
        start = stop
    return tuple(purposes)


def _key_usage_reads(body: bytes) -> bool:
    """Whether cryptography makes a KeyUsage of this BIT STRING content: padding bits zero, and
    encipherOnly or decipherOnly only with keyAgreement (its constructor refuses them otherwise)."""
    if not 2 <= len(body) <= 3 or body[0] > 7 or body[-1] & ((1 << body[0]) - 1):
        return False
    bits = int.from_bytes(body[1:].ljust(2, b"\0"), "big")
    agreement, encipher_only, decipher_only = bits & 0x0800, bits & 0x0100, bits & 0x0080
    return bool(agreement or not (encipher_only or decipher_only))


def _subject_alt_names(der: bytes, start: int, end: int) -> tuple[SubjectAltNames | None, str | None] | None:
    """(the names, None) or (None, why they cannot be used) as ``certs_x509._san_values`` gives them; None
    when a name is of a kind left to cryptography."""
    dns: list[str] = []
    ip: list[str] = []
    uri: list[str] = []
    email: list[str] = []
    others: list[tuple[str, bytes]] = []
    for tag, name_start, name_end in _children(der, start, end):
        body = der[name_start:name_end]
        if tag in (0x82, 0x86, 0x81):  # dNSName, URI, rfc822Name: IA5String
            if not body.isascii():
                return None
            (dns if tag == 0x82 else uri if tag == 0x86 else email).append(body.decode("ascii"))
        elif tag == 0x87:  # iPAddress
            if len(body) not in (4, 16):
                return None  # a network (name constraints' form): cryptography's
            ip.append(str(ipaddress.ip_address(body)))
        elif tag == 0xA0:  # otherName: type-id, [0] EXPLICIT value
            parts = _children(der, name_start, name_end)
            if len(parts) != 2 or parts[0][0] != 0x06 or parts[1][0] != 0xA0:
                return None
            if len(_children(der, parts[1][1], parts[1][2])) != 1:
                return None
            others.append((_oid(der[parts[0][1] : parts[0][2]]), der[parts[1][1] : parts[1][2]]))
        else:
            return None
    xmpp_addr: list[str] = []
    srv_name: list[str] = []
    try:
        for type_id, value in others:
            if type_id == XMPP_ADDR:
                xmpp_addr.append(der_string(value, UTF8_STRING, "xmppAddr"))
            elif type_id == SRV_NAME:
                srv_name.append(der_string(value, IA5_STRING, "SRVName"))
    except ValueError as exc:
        return None, f"the subjectAltName cannot be parsed: {exc}"
    names = SubjectAltNames(
        tuple(dns), tuple(ip), tuple(xmpp_addr), tuple(srv_name), tuple(uri), tuple(email)
    )
    return names, None


# --- the whole certificate -------------------------------------------------------------------------
#
# A snapshot's certificates were read with cryptography when they were collected; reading them again
# when a snapshot is loaded need not import cryptography's x509 package (the largest part of a lint's
# start-up). :func:`certificate` reads every element of the Certificate as strictly as cryptography's
# DER parser (rust-asn1) does: definite minimal lengths, minimal INTEGERs, BOOLEAN 00 or FF, no DEFAULT
# value written out (a v1 version, a FALSE critical flag), SET elements in DER order, OID arcs of at most
# 63 bits, times ``YYMMDDHHMMSSZ`` and ``YYYYMMDDHHMMSSZ`` only, no byte after the Certificate. It gives
# up on whatever it is not sure cryptography reads alike and without a warning: a version other than
# 1 and 3, unique identifiers, a serial number of 0 or less (cryptography warns of those), a signature
# algorithm not in :data:`SIGNATURE_ALGORITHMS` (ECDSA with parameters, RSA without its NULL, RSA-PSS,
# DSA, EdDSA), a signature with padding bits, and every key, name and extension :func:`read`
# leaves to cryptography (unknown or duplicate extensions among them). Tests compare it with
# cryptography over real certificates and DER mutated element by element and byte by byte.


class SignatureAlgorithm(NamedTuple):
    """A signature algorithm this reader knows: cryptography's name for it, how to verify it."""

    name: str
    """As ``certs_x509._oid_name`` gives it (cryptography's name of the OID)."""
    oid: str
    key: str
    """The kind of key it takes (its OID): :data:`_RSA` (PKCS#1 v1.5) or :data:`_EC` (ECDSA)."""
    hash: str
    """The name of the hash's class in ``cryptography.hazmat.primitives.hashes``. SHA-1 too: cryptography's
    ``verify_directly_issued_by`` no longer verifies SHA-1 signatures ("Unsupported signature algorithm",
    47 and 50 alike), but its primitives do, and a certificate signed with SHA-1 by its own key (as older
    servers still present) is self-signed all the same."""


_SIGNATURE_KINDS = (
    # (cryptography's name, dotted OID, key, hash): RSA with NULL parameters, ECDSA without (RFC 5758)
    ("sha1WithRSAEncryption", "1.2.840.113549.1.1.5", "RSA", "SHA1"),
    ("sha224WithRSAEncryption", "1.2.840.113549.1.1.14", "RSA", "SHA224"),
    ("sha256WithRSAEncryption", "1.2.840.113549.1.1.11", "RSA", "SHA256"),
    ("sha384WithRSAEncryption", "1.2.840.113549.1.1.12", "RSA", "SHA384"),
    ("sha512WithRSAEncryption", "1.2.840.113549.1.1.13", "RSA", "SHA512"),
    ("ecdsa-with-SHA1", "1.2.840.10045.4.1", "EC", "SHA1"),
    ("ecdsa-with-SHA224", "1.2.840.10045.4.3.1", "EC", "SHA224"),
    ("ecdsa-with-SHA256", "1.2.840.10045.4.3.2", "EC", "SHA256"),
    ("ecdsa-with-SHA384", "1.2.840.10045.4.3.3", "EC", "SHA384"),
    ("ecdsa-with-SHA512", "1.2.840.10045.4.3.4", "EC", "SHA512"),
)


def _signature_algorithms() -> dict[bytes, SignatureAlgorithm]:
    table: dict[bytes, SignatureAlgorithm] = {}
    for name, oid, key, digest in _SIGNATURE_KINDS:
        parameters = b"\x05\x00" if key == "RSA" else b""
        table[_algorithm_der(oid, parameters)] = SignatureAlgorithm(
            name, oid, _RSA if key == "RSA" else _EC, digest
        )
    return table


def certificate(der: bytes, pem: str) -> Certificate | None:
    """The certificate ``der`` (whose PEM is ``pem``) read without cryptography's x509 package, equal to
    what ``certs_x509.parse`` gives; None when this reader is not sure cryptography would read it, and
    read it alike (read it with cryptography)."""
    try:
        return _read_certificate(der, pem)
    except (_Unsupported, ValueError, IndexError):
        return None


def _read_certificate(der: bytes, pem: str) -> Certificate:
    tbs_header, tbs_start, tbs_end, rest = _outline(der)
    (algorithm_tag, _, algorithm_end), (bits_tag, bits_start, bits_end) = rest
    outer_algorithm = der[tbs_end:algorithm_end]
    algorithm = SIGNATURE_ALGORITHMS.get(outer_algorithm)
    if algorithm is None or algorithm_tag != 0x30:
        raise _Unsupported("signature algorithm")
    if bits_tag != 0x03 or bits_start == bits_end or der[bits_start]:
        raise _Unsupported("signature: not a BIT STRING, or with padding bits")
    elements = _children(der, tbs_start, tbs_end)
    v3 = elements[0][0] == 0xA0
    if v3 and not der.startswith(_V3, tbs_start):
        raise _Unsupported("version")  # [0] 0 is a DEFAULT written out, 1 (v2) cryptography refuses
    body = elements[1:] if v3 else elements
    fields = _fields(der, body, v3)
    key, extensions = fields.key, fields.extensions
    if key is None or extensions is None:
        raise _Unsupported("a key or an extension cryptography reads")
    serial, inner, issuer_tlv, validity, subject_tlv, key_tlv = body[:6]
    inner_algorithm = der[serial[2] : inner[2]]
    if inner_algorithm not in SIGNATURE_ALGORITHMS:
        raise _Unsupported("signature algorithm")
    number = der[serial[1] : serial[2]]
    if not number or number[0] & 0x80 or (number[0] == 0 and (len(number) == 1 or not number[1] & 0x80)):
        raise _Unsupported("serial number")  # not minimal, or not positive (cryptography warns of 0 and less)
    not_before, not_after = _validity(der, validity[1], validity[2])
    subject, issuer = fields.subject, fields.issuer
    # self-signed as verify_directly_issued_by has it: the same algorithm inside and out, the same name
    # (as encoded), and the signature verifies with the certificate's own key
    self_signed = (
        issuer.text == subject.text
        and inner_algorithm == outer_algorithm
        and der[inner[2] : issuer_tlv[2]] == der[validity[2] : subject_tlv[2]]
        and _signed_by_itself(
            der[subject_tlv[2] : key_tlv[2]],
            algorithm,
            der[bits_start + 1 : bits_end],
            der[tbs_header:tbs_end],
        )
    )
    purposes = extensions.extended_key_usage
    return Certificate(  # by position (the fields' order): the hot path of loading a snapshot
        subject.text,
        subject.common_names,
        issuer.text,
        number.hex().lstrip("0"),
        not_before,
        not_after,
        key,
        algorithm.name,
        hashlib.sha256(der).hexdigest(),
        self_signed,
        extensions.is_ca,
        extensions.san,
        extensions.san_error,
        pem,
        subject.attributes,
        issuer.label,
        purpose_names(purposes) if purposes is not None else None,
    )


def signature_algorithms_agree(der: bytes) -> bool:
    """Whether the Certificate ``der``'s signatureAlgorithm is, byte for byte, the signature field of its
    TBSCertificate (RFC 5280 4.1.1.2), as ``verify_directly_issued_by`` requires; False when unsure."""
    try:
        _, tbs_start, tbs_end, rest = _outline(der)
        elements = _children(der, tbs_start, tbs_end)
    except (_Unsupported, IndexError):
        return False
    first = 1 if elements and elements[0][0] == 0xA0 else 0  # after the version, when written
    if len(elements) < first + 2:
        return False
    inner = der[elements[first][2] : elements[first + 1][2]]
    return inner == der[tbs_end : rest[0][2]]


def _validity(der: bytes, start: int, end: int) -> tuple[datetime, datetime]:
    """notBefore and notAfter of the Validity whose content is ``der[start:end]``: two times, each read
    once per distinct encoding (:data:`_TIMES`; a CA issues many certificates the same day)."""
    middle = start + 2 + der[start + 1]
    if middle + 2 + der[middle + 1] != end or (der[start + 1] | der[middle + 1]) & 0x80:
        raise _Unsupported("Validity")
    first, second = der[start:middle], der[middle:end]
    not_before = _TIMES.get(first) or _time(first)
    not_after = _TIMES.get(second) or _time(second)
    return not_before, not_after


_TIMES: dict[bytes, datetime] = {}
"""Times already read, by their DER."""
_TIMES_KEPT = 4096
_UTC = timezone.utc


def _time(encoded: bytes) -> datetime:
    """The UTCTime ``YYMMDDHHMMSSZ`` (years 1950 to 2049) or GeneralizedTime ``YYYYMMDDHHMMSSZ`` that
    ``encoded`` is (tag, length, text), as cryptography reads them: no other form (no fraction, offset or
    missing seconds)."""
    digits = encoded[2:-1]
    if encoded[-1] != 0x5A or not digits.isdigit():  # ASCII digits (bytes.isdigit knows no others)
        raise _Unsupported("time")
    if encoded[0] == 0x17 and len(digits) == 12:
        year = int(digits[:2])
        year += 1900 if year >= 50 else 2000
    elif encoded[0] == 0x18 and len(digits) == 14:
        year = int(digits[:4])
        digits = digits[2:]
    else:
        raise _Unsupported("time")
    number = int(digits[2:])  # MMDDHHMMSS
    number, second = divmod(number, 100)
    number, minute = divmod(number, 100)
    number, hour = divmod(number, 100)
    month, day = divmod(number, 100)
    # datetime refuses what cryptography refuses: a 13th month, a 30th of February, 24:00, a 60th second
    moment = datetime(year, month, day, hour, minute, second, 0, _UTC)
    if len(_TIMES) >= _TIMES_KEPT:
        _TIMES.clear()
    _TIMES[encoded] = moment
    return moment


def _signed_by_itself(key: bytes, algorithm: SignatureAlgorithm, signature: bytes, tbs: bytes) -> bool:
    """Whether ``signature`` over ``tbs`` verifies with the SubjectPublicKeyInfo ``key`` (one :func:`_key`
    vouched for), as ``verify_directly_issued_by`` verifies it: the key's kind that of the algorithm, then
    PKCS#1 v1.5 or ECDSA with the algorithm's hash, by cryptography's primitives.

    The key is made from its numbers (RSA) or its point (EC), which :func:`_key` has checked as OpenSSL
    checks them, not by ``load_der_public_key``: the serialization package would cost every lint of a
    snapshot with a self-signed certificate some 20 million instructions. The primitives of the key's
    kind are imported here, when a self-issued certificate is first read; they cost a fraction of
    cryptography's x509 package."""
    (_, algorithm_start, algorithm_end), (_, bits_start, bits_end) = _whole(key, 0x30)
    kind, curve = _ALGORITHMS[key[algorithm_start - 2 : algorithm_end]]
    if kind != algorithm.key:
        return False  # cryptography: "Signature algorithm does not match issuer key type"
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes

    digest: hashes.HashAlgorithm = getattr(hashes, algorithm.hash)()
    point = key[bits_start + 1 : bits_end]  # (or the RSAPublicKey)
    try:
        if kind == _RSA:
            from cryptography.hazmat.primitives.asymmetric import padding, rsa

            numbers = _whole(point, 0x30)
            modulus = int.from_bytes(point[numbers[0][1] : numbers[0][2]], "big")
            exponent = int.from_bytes(point[numbers[1][1] : numbers[1][2]], "big")
            rsa_key = rsa.RSAPublicNumbers(exponent, modulus).public_key()
            rsa_key.verify(signature, tbs, padding.PKCS1v15(), digest)
        else:
            from cryptography.hazmat.primitives.asymmetric import ec

            ec_key = ec.EllipticCurvePublicKey.from_encoded_point(getattr(ec, _CURVE_CLASSES[curve])(), point)
            ec_key.verify(signature, tbs, _verifying_ecdsa()(digest))
    except InvalidSignature:
        return False  # anything else (a ValueError) is not sure: read the certificate with cryptography
    return True


@functools.cache
def _verifying_ecdsa() -> type[ec.ECDSA]:
    """``ec.ECDSA`` for verifying, made without ECDSA's constructor: that imports cryptography's OpenSSL
    backend module (with its cipher modules, some 20 million instructions of a lint) only to ask whether
    deterministic signing, which verifying does not use, is supported. The subclass gives the public
    properties a verification reads; tests compare every verdict with ``verify_directly_issued_by``."""
    from cryptography.hazmat.primitives.asymmetric import ec

    class VerifyingECDSA(ec.ECDSA):
        def __init__(self, algorithm: hashes.HashAlgorithm) -> None:
            self._digest = algorithm

        @property
        def algorithm(self) -> hashes.HashAlgorithm:
            return self._digest

        @property
        def deterministic_signing(self) -> bool:
            return False

    return VerifyingECDSA


_CURVE_CLASSES = {
    "1.2.840.10045.3.1.7": "SECP256R1",
    "1.3.132.0.34": "SECP384R1",
    "1.3.132.0.35": "SECP521R1",
}
"""The class in ``cryptography.hazmat.primitives.asymmetric.ec`` of each curve of :data:`_CURVES`."""
SIGNATURE_ALGORITHMS = _signature_algorithms()
"""The signature algorithms this reader knows, by the DER of their AlgorithmIdentifier."""


# --- PEM, and the names of extendedKeyUsage purposes (both readers) ---------------------------------

PEM_HEAD = b"-----BEGIN CERTIFICATE-----\n"
PEM_TAIL = b"-----END CERTIFICATE-----\n"


def pem(der: bytes) -> str:
    """The PEM encoding cryptography (and OpenSSL) write: base64 in lines of 64, LF line ends."""
    body = base64.b64encode(der)
    lines = b"\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    return (PEM_HEAD + lines + b"\n" + PEM_TAIL).decode("ascii")


def canonical_der(data: bytes) -> bytes | None:
    """The DER inside ``data`` when ``data`` is exactly the PEM that :func:`pem` writes for it, else None.

    Snapshots store each certificate that way: such a PEM is read without encoding it again to compare.
    """
    if not (data.startswith(PEM_HEAD) and data.endswith(PEM_TAIL)):
        return None
    body = data[len(PEM_HEAD) : -len(PEM_TAIL)]
    text = body.replace(b"\n", b"")
    try:
        der = binascii.a2b_base64(text)
    except binascii.Error:
        return None
    # equal to pem(der) without writing it again: the same base64 text, with a newline at every 65th
    # place and at the end and nowhere else (the lengths say how many), each test one call into C
    lines = max(1, -(-len(text) // 64))
    canonical = (
        len(body) == len(text) + lines
        and body.endswith(b"\n")
        and body[64::65] == b"\n" * len(range(64, len(body), 65))
        and binascii.b2a_base64(der, newline=False) == text
    )
    return der if canonical else None


EKU_NAMES = {
    "1.3.6.1.5.5.7.3.1": "serverAuth",
    "1.3.6.1.5.5.7.3.2": "clientAuth",
    "1.3.6.1.5.5.7.3.3": "codeSigning",
    "1.3.6.1.5.5.7.3.4": "emailProtection",
    "1.3.6.1.5.5.7.3.5": "ipsecEndSystem",
    "1.3.6.1.5.5.7.3.8": "timeStamping",
    "1.3.6.1.5.5.7.3.9": "OCSPSigning",
    "2.5.29.37.0": "anyExtendedKeyUsage",
}
"""RFC 5280's names for the extendedKeyUsage purposes a server certificate may carry (Cisco's CSRs add
IPSec End System, 1.3.6.1.5.5.7.3.5)."""


def purpose_names(purposes: tuple[str, ...]) -> tuple[str, ...]:
    """The extendedKeyUsage purposes named as :data:`EKU_NAMES` names them, once per distinct list (a
    deployment's certificates carry two or three)."""
    named = _PURPOSE_NAMES.get(purposes)
    if named is None:
        named = tuple(EKU_NAMES.get(oid, oid) for oid in purposes)
        if len(_PURPOSE_NAMES) < 256:
            _PURPOSE_NAMES[purposes] = named
    return named


_PURPOSE_NAMES: dict[tuple[str, ...], tuple[str, ...]] = {}
