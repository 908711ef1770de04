"""A snapshot's certificates are read without cryptography's x509 package, exactly as with it.

``certs.from_pem`` reads a certificate in the PEM snapshots hold with ``certs_der.certificate``, which
reads every element of the DER itself and declines (None) whatever it is not sure cryptography reads
alike; the others take the path they always took (``certs_x509``: cryptography loads the DER). The
property tested here, on real certificates and on DER mutated element by element and byte by byte:
whenever the reader gives a certificate, cryptography loads the same DER, without a warning, and today's
path gives an equal :class:`~confcheck.certs.Certificate`, field by field; so whenever cryptography
refuses a certificate, the reader declines it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import random
import subprocess
import sys
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import NamedTuple

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from confcheck import certs, certs_der, certs_x509, pki
from confcheck.certs import Certificate

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
FIELDS = tuple(Certificate.__annotations__)
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


# --- the oracle -----------------------------------------------------------------------------------


def today(der: bytes) -> Certificate | None:
    """What ``certs_x509.from_pem`` gives for the snapshot PEM of ``der`` (cryptography loads the DER), or
    None when it refuses the DER or loading it warns (a warning users would see on stderr)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            loaded = x509.load_der_x509_certificate(der)
            return certs_x509.parse(loaded, certs_der.pem(der), der)
        except (ValueError, Warning):
            return None


def same(new: Certificate, old: Certificate) -> None:
    assert new == old
    for field in FIELDS:
        mine, theirs = getattr(new, field), getattr(old, field)
        assert mine == theirs, field
        assert type(mine) is type(theirs), field
        if isinstance(mine, datetime):
            assert mine.isoformat() == theirs.isoformat(), field
            assert mine.utcoffset() == theirs.utcoffset() == timedelta(0), field


def agrees(der: bytes) -> Certificate | None:
    """The reader's certificate for ``der`` (None when it declines), checked against today's path."""
    new = certs_der.certificate(der, certs_der.pem(der))
    if new is not None:
        old = today(der)
        assert old is not None, f"the reader read what cryptography refuses (or warns about): {der.hex()}"
        same(new, old)
        same(certs.from_pem(certs_der.pem(der)), old)
    return new


# --- DER, element by element ----------------------------------------------------------------------


def tlv(tag: int, body: bytes) -> bytes:
    if len(body) < 0x80:
        return bytes([tag, len(body)]) + body
    size = (len(body).bit_length() + 7) // 8
    return bytes([tag, 0x80 | size]) + len(body).to_bytes(size, "big") + body


def integer(value: int) -> bytes:
    size = max(1, (value + (value < 0)).bit_length() // 8 + 1)
    return tlv(0x02, value.to_bytes(size, "big", signed=True))


def oid(dotted: str) -> bytes:
    return certs_der._oid_der(dotted)


def algorithm(dotted: str, parameters: bytes = b"") -> bytes:
    return tlv(0x30, oid(dotted) + parameters)


NULL = b"\x05\x00"
RSA_SHA = {
    "SHA1": "1.2.840.113549.1.1.5",
    "SHA224": "1.2.840.113549.1.1.14",
    "SHA256": "1.2.840.113549.1.1.11",
    "SHA384": "1.2.840.113549.1.1.12",
    "SHA512": "1.2.840.113549.1.1.13",
}
ECDSA_SHA = {
    "SHA1": "1.2.840.10045.4.1",
    "SHA224": "1.2.840.10045.4.3.1",
    "SHA256": "1.2.840.10045.4.3.2",
    "SHA384": "1.2.840.10045.4.3.3",
    "SHA512": "1.2.840.10045.4.3.4",
}


class Parts(NamedTuple):
    """A certificate as its elements (each a whole TLV), to change one and sign again."""

    version: bytes
    serial: bytes
    inner: bytes
    issuer: bytes
    validity: bytes
    subject: bytes
    spki: bytes
    unique_ids: bytes
    extensions: tuple[bytes, ...] | None
    outer: bytes

    def tbs(self) -> bytes:
        wrapped = b"" if self.extensions is None else tlv(0xA3, tlv(0x30, b"".join(self.extensions)))
        fields = (self.version, self.serial, self.inner, self.issuer, self.validity, self.subject, self.spki)
        return tlv(0x30, b"".join(fields) + self.unique_ids + wrapped)


def elements(der: bytes, start: int, end: int) -> list[bytes]:
    found, header = [], start
    for _, _, stop in certs_der._children(der, start, end):
        found.append(der[header:stop])
        header = stop
    return found


def parts_of(der: bytes) -> Parts:
    tbs, outer, _ = elements(der, 4 if der[1] == 0x82 else 2 + (der[1] & 0x7F), len(der))
    inner = elements(tbs, 4 if tbs[1] == 0x82 else 2 + (tbs[1] & 0x7F), len(tbs))
    version = inner.pop(0) if inner[0][0] == 0xA0 else b""
    extensions = None
    if inner[-1][0] == 0xA3:
        wrapper = inner.pop()
        sequence = elements(wrapper, 2 if wrapper[1] < 0x80 else 2 + (wrapper[1] & 0x7F), len(wrapper))[0]
        extensions = tuple(
            elements(sequence, 2 if sequence[1] < 0x80 else 2 + (sequence[1] & 0x7F), len(sequence))
        )
    serial, inner_algorithm, issuer, validity, subject, spki = inner[:6]
    unique_ids = b"".join(inner[6:])
    return Parts(
        version, serial, inner_algorithm, issuer, validity, subject, spki, unique_ids, extensions, outer
    )


def hash_of(outer: bytes) -> hashes.HashAlgorithm:
    for table in (RSA_SHA, ECDSA_SHA):
        for name, dotted in table.items():
            if oid(dotted) in outer:
                return getattr(hashes, name)()  # type: ignore[no-any-return]
    return hashes.SHA256()


def signed(parts: Parts, key: PrivateKey, signature: bytes | None = None, padding_bits: int = 0) -> bytes:
    """The certificate of ``parts`` signed by ``key`` with the hash its outer algorithm names (or with the
    ``signature`` given)."""
    tbs = parts.tbs()
    if signature is None:
        if isinstance(key, rsa.RSAPrivateKey):
            signature = key.sign(tbs, padding.PKCS1v15(), hash_of(parts.outer))
        else:
            signature = key.sign(tbs, ec.ECDSA(hash_of(parts.outer)))
    return tlv(0x30, tbs + parts.outer + tlv(0x03, bytes([padding_bits]) + signature))


# --- real certificates ----------------------------------------------------------------------------

START = datetime(2025, 3, 4, 5, 6, 7, tzinfo=timezone.utc)


@functools.cache
def key(kind: str) -> PrivateKey:
    if kind.startswith("rsa"):
        return rsa.generate_private_key(65537, int(kind[3:]))
    return ec.generate_private_key(
        {"p256": ec.SECP256R1(), "p384": ec.SECP384R1(), "p521": ec.SECP521R1()}[kind]
    )


KINDS = ("rsa2048", "rsa3072", "rsa4096", "p256", "p384", "p521")


def built(
    kind: str,
    issuer_kind: str | None = None,
    start: datetime = START,
    days: int = 730,
    serial: int = 0x1234,
    extensions: bool = True,
    digest: hashes.SHA224 | hashes.SHA256 | hashes.SHA384 | hashes.SHA512 | None = None,
) -> x509.Certificate:
    """A certificate made with cryptography: self-signed when ``issuer_kind`` is None."""
    subject = pki.name(f"{kind}.example.com", O="confcheck", OU="lab")
    issuer = subject if issuer_kind is None else pki.name(f"{issuer_kind} CA", O="confcheck")
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key(kind).public_key())
        .serial_number(serial)
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
    )
    if extensions:
        builder = builder.add_extension(x509.BasicConstraints(issuer_kind is None, None), critical=True)
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        )
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(f"{kind}.example.com")]), critical=False
        )
    return builder.sign(key(issuer_kind or kind), digest or hashes.SHA256())


def der_of(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("issuer", [None, "p256", "rsa2048"])
def test_real_certificates_are_the_readers_and_equal_todays(kind: str, issuer: str | None) -> None:
    for options in (
        {},
        {"extensions": False},
        {"start": datetime(2049, 12, 31, 23, 59, 59, tzinfo=timezone.utc)},
    ):
        cert = built(kind, issuer, **options)
        read = agrees(der_of(cert))
        assert read is not None, options
        assert read.self_signed is (issuer is None)


@pytest.mark.parametrize("digest", ["SHA224", "SHA256", "SHA384", "SHA512"])
@pytest.mark.parametrize("kind", ["rsa2048", "p384"])
def test_every_hash_of_a_self_signed_certificate_is_verified(kind: str, digest: str) -> None:
    read = agrees(der_of(built(kind, digest=getattr(hashes, digest)())))
    assert read is not None
    assert read.self_signed
    assert digest in read.signature_algorithm.upper()


@st.composite
def real_certificates(draw: st.DrawFn) -> x509.Certificate:
    """Certificates made with cryptography as servers and CAs have them: any key of :data:`KINDS`,
    self-signed or issued, any mix of the usual extensions, UTCTime and GeneralizedTime validity."""
    kind = draw(st.sampled_from(KINDS))
    issuer_kind = draw(st.sampled_from([None, None, "p256", "p384", "rsa2048"]))
    subject = pki.name(
        draw(st.sampled_from(["cucm1.example.com", "Acme Root CA", "ü.example"])), O="confcheck"
    )
    issuer = subject if issuer_kind is None else pki.name(f"{issuer_kind} CA", O="confcheck", C="US")
    start = draw(st.datetimes(datetime(1950, 1, 1), datetime(2100, 1, 1), timezones=st.just(timezone.utc)))
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key(kind).public_key())
        .serial_number(draw(st.integers(1, 2**159 - 1)))
        .not_valid_before(start.replace(microsecond=0))
        .not_valid_after(
            start.replace(microsecond=0) + timedelta(days=draw(st.sampled_from([1, 398, 3650, 36500])))
        )
    )
    if draw(st.booleans()):
        ca = draw(st.booleans())
        builder = builder.add_extension(
            x509.BasicConstraints(ca, draw(st.sampled_from([None, 0, 2])) if ca else None),
            critical=draw(st.booleans()),
        )
    if draw(st.booleans()):
        purposes = draw(
            st.lists(
                st.sampled_from(
                    [
                        ExtendedKeyUsageOID.SERVER_AUTH,
                        ExtendedKeyUsageOID.CLIENT_AUTH,
                        ObjectIdentifier("1.3.6.1.5.5.7.3.5"),
                    ]
                ),
                min_size=1,
                max_size=3,
                unique=True,
            )
        )
        builder = builder.add_extension(x509.ExtendedKeyUsage(purposes), critical=False)
    if draw(st.booleans()):
        names = [x509.DNSName(f"n{number}.example.com") for number in range(draw(st.integers(1, 4)))]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=draw(st.booleans()))
    if draw(st.booleans()):
        builder = builder.add_extension(
            x509.KeyUsage(True, False, True, False, False, False, False, False, False), True
        )
    if draw(st.booleans()):
        builder = builder.add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key(kind).public_key()), False
        )
    digests: list[hashes.SHA256 | hashes.SHA384 | hashes.SHA512] = [
        hashes.SHA256(),
        hashes.SHA384(),
        hashes.SHA512(),
    ]
    return builder.sign(key(issuer_kind or kind), draw(st.sampled_from(digests)))


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(real_certificates())
def test_real_certificates_of_every_shape_are_the_readers_and_equal_todays(cert: x509.Certificate) -> None:
    read = agrees(der_of(cert))
    assert read is not None
    assert read.self_signed is (cert.issuer == cert.subject)


def test_the_project_certificates_are_the_readers() -> None:
    """What pki makes (the lab, the demo, the benchmarks) is read by the reader, every field equal."""
    root = pki.ca("Root CA")
    intermediate = pki.ca("Issuing CA", issuer=root)
    made = [
        root,
        intermediate,
        pki.server("cucm1.example.com", ["cucm1.example.com", "*.example.com"], ["10.0.0.1", "fe80::1"]),
        pki.server("imp1.example.com", [], xmpp_addr=["example.com"], srv_name=["_xmpp-client.example.com"]),
        pki.server(None, ["cuc1.example.com"], issuer=intermediate, eku=None),
        pki.server("rsa.example.com", issuer=root, key=pki.new_key("rsa", 2048)),
        pki.server("selfrsa.example.com", key=pki.new_key("rsa", 2048)),
        pki.multi_server("cucm1.example.com", ["cucm2.example.com"], issuer=root),
    ]
    for issued in made:
        read = agrees(der_of(issued.cert))
        assert read is not None
        assert read.pem == issued.pem
    assert agrees(der_of(root.cert)).self_signed  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("start", "days"),
    [
        (datetime(1950, 1, 1, tzinfo=timezone.utc), 1),  # UTCTime's first year
        (datetime(2049, 12, 31, 23, 59, 59, tzinfo=timezone.utc), 1),  # GeneralizedTime from 2050 on
        (START, 365 * 80),
        (datetime(2024, 2, 29, 12, tzinfo=timezone.utc), 366),
        (datetime(9999, 12, 30, tzinfo=timezone.utc), 1),
    ],
)
def test_utctime_and_generalizedtime_read_as_cryptography_reads_them(start: datetime, days: int) -> None:
    read = agrees(der_of(built("p256", "p256", start=start, days=days)))
    assert read is not None
    assert read.not_before == start
    assert read.not_after == start + timedelta(days=days)


@pytest.mark.parametrize("serial", [1, 0x7F, 0x80, 0xFF, 0x100, 2**63, 2**158 + 12345, 2**159 - 1])
def test_serial_numbers_cryptography_lets_one_build_read_alike(serial: int) -> None:
    read = agrees(der_of(built("p256", serial=serial)))
    assert read is not None
    assert read.serial == format(serial, "x")


def test_a_v1_certificate_is_the_readers() -> None:
    parts = parts_of(der_of(built("p256", extensions=False)))._replace(version=b"")
    read = agrees(signed(parts, key("p256")))
    assert read is not None
    assert read.self_signed
    assert read.san is None
    assert read.extended_key_usage is None


# --- element by element: what the reader reads, and what it declines -----------------------------

CRITICAL_FALSE = b"\x01\x01\x00"


def ext(dotted: str, value: bytes, flag: bytes = b"") -> bytes:
    return tlv(0x30, oid(dotted) + flag + tlv(0x04, value))


@functools.cache
def base_parts(kind: str = "p256", issued: bool = False) -> Parts:
    return parts_of(der_of(built(kind, "p256" if issued else None)))


def time_der(text: str) -> bytes:
    return tlv(0x17 if len(text) == 13 else 0x18, text.encode())


def validity(before: bytes, after: bytes) -> bytes:
    return tlv(0x30, before + after)


UTC_START, UTC_END = time_der("250304050607Z"), time_der("270304050607Z")


def rdn(*attributes: tuple[str, int, bytes]) -> bytes:
    return tlv(0x31, b"".join(tlv(0x30, oid(dotted) + tlv(tag, value)) for dotted, tag, value in attributes))


def name(*rdns: bytes) -> bytes:
    return tlv(0x30, b"".join(rdns))


CN = "2.5.4.3"
ORGANIZATION = "2.5.4.10"
BC = "2.5.29.19"
RSA_KEY_OID = "1.2.840.113549.1.1.1"


class Case(NamedTuple):
    change: dict[str, object]
    read: bool
    """Whether the reader reads the certificate (else it declines; either way it must agree)."""
    self_signed: bool | None = None


@functools.cache
def cases() -> dict[str, Case]:
    p256 = base_parts()
    one_ext = p256.extensions or ()
    cn_printable, cn_utf8 = name(rdn((CN, 0x13, b"x.example"))), name(rdn((CN, 0x0C, b"x.example")))
    return {
        "as built": Case({}, True, True),
        "v1 written out (DEFAULT encoded)": Case(
            {"version": b"\xa0\x03\x02\x01\x00", "extensions": None}, False
        ),
        "v2": Case({"version": b"\xa0\x03\x02\x01\x01"}, False),
        "v4": Case({"version": b"\xa0\x03\x02\x01\x03"}, False),
        "version non-minimal": Case({"version": b"\xa0\x04\x02\x02\x00\x02"}, False),
        "v1 with extensions": Case({"version": b""}, False),
        "serial zero (a warning)": Case({"serial": integer(0)}, False),
        "serial of 20 bytes": Case({"serial": integer(2**159 + 1)}, True, True),
        "serial of 40 bytes": Case({"serial": integer(2**319 + 5)}, True, True),
        "serial negative": Case({"serial": integer(-5)}, False),
        "serial negative long": Case({"serial": integer(-(2**100))}, False),
        "serial non-minimal": Case({"serial": b"\x02\x02\x00\x01"}, False),
        "serial non-minimal negative": Case({"serial": b"\x02\x02\xff\x80"}, False),
        "serial empty": Case({"serial": b"\x02\x00"}, False),
        "serial BOOLEAN": Case({"serial": b"\x01\x01\xff"}, False),
        "ECDSA with NULL parameters (a warning)": Case(
            {"inner": algorithm(ECDSA_SHA["SHA256"], NULL), "outer": algorithm(ECDSA_SHA["SHA256"], NULL)},
            False,
        ),
        "ECDSA with NULL parameters outside": Case({"outer": algorithm(ECDSA_SHA["SHA256"], NULL)}, False),
        "ecdsa-with-SHA1": Case(
            {"inner": algorithm(ECDSA_SHA["SHA1"]), "outer": algorithm(ECDSA_SHA["SHA1"])}, True, True
        ),
        "sha1WithRSAEncryption with an EC key": Case(
            {"inner": algorithm(RSA_SHA["SHA1"], NULL), "outer": algorithm(RSA_SHA["SHA1"], NULL)},
            True,
            False,
        ),
        "ecdsa-with-SHA1 with NULL parameters": Case(
            {"inner": algorithm(ECDSA_SHA["SHA1"], NULL), "outer": algorithm(ECDSA_SHA["SHA1"], NULL)}, False
        ),
        "RSA without NULL parameters": Case(
            {"inner": algorithm(RSA_SHA["SHA256"]), "outer": algorithm(RSA_SHA["SHA256"])}, False
        ),
        "inner and outer algorithms differ": Case({"inner": algorithm(ECDSA_SHA["SHA384"])}, True, False),
        "unknown signature algorithm": Case(
            {"inner": algorithm("1.2.3.4"), "outer": algorithm("1.2.3.4")}, False
        ),
        "RSA-PSS named": Case({"outer": algorithm("1.2.840.113549.1.1.10")}, False),
        "RSA algorithm with an EC key": Case(
            {"inner": algorithm(RSA_SHA["SHA256"], NULL), "outer": algorithm(RSA_SHA["SHA256"], NULL)},
            True,
            False,
        ),
        "GeneralizedTime 2049": Case(
            {"validity": validity(time_der("20490101000000Z"), UTC_END)}, True, True
        ),
        "GeneralizedTime 1900": Case(
            {"validity": validity(time_der("19000101000000Z"), UTC_END)}, True, True
        ),
        "GeneralizedTime year 0": Case({"validity": validity(time_der("00000101000000Z"), UTC_END)}, False),
        "UTCTime 1950": Case({"validity": validity(time_der("500101000000Z"), UTC_END)}, True, True),
        "UTCTime 2049": Case({"validity": validity(UTC_START, time_der("491231235959Z"))}, True, True),
        "UTCTime without seconds": Case({"validity": validity(tlv(0x17, b"2503040506Z"), UTC_END)}, False),
        "UTCTime +0100": Case({"validity": validity(tlv(0x17, b"250304050607+0100"), UTC_END)}, False),
        "UTCTime lowercase z": Case({"validity": validity(tlv(0x17, b"250304050607z"), UTC_END)}, False),
        "UTCTime no zone": Case({"validity": validity(tlv(0x17, b"250304050607"), UTC_END)}, False),
        "GeneralizedTime fraction": Case(
            {"validity": validity(tlv(0x18, b"20250304050607.5Z"), UTC_END)}, False
        ),
        "GeneralizedTime +0100": Case(
            {"validity": validity(tlv(0x18, b"20250304050607+0100"), UTC_END)}, False
        ),
        "GeneralizedTime without seconds": Case(
            {"validity": validity(tlv(0x18, b"202503040506Z"), UTC_END)}, False
        ),
        "UTCTime of 15 digits": Case({"validity": validity(tlv(0x17, b"20250304050607Z"), UTC_END)}, False),
        "30 February": Case({"validity": validity(time_der("250230000000Z"), UTC_END)}, False),
        "29 February 2024": Case({"validity": validity(time_der("240229000000Z"), UTC_END)}, True, True),
        "29 February 2100": Case({"validity": validity(time_der("21000229000000Z"), UTC_END)}, False),
        "24:00": Case({"validity": validity(time_der("250304240000Z"), UTC_END)}, False),
        "second 60": Case({"validity": validity(time_der("250304235960Z"), UTC_END)}, False),
        "month 13": Case({"validity": validity(time_der("251304000000Z"), UTC_END)}, False),
        "day 00": Case({"validity": validity(time_der("250300000000Z"), UTC_END)}, False),
        "digits with a sign": Case({"validity": validity(tlv(0x17, b"25030405060+Z"), UTC_END)}, False),
        "three times": Case({"validity": validity(UTC_START, UTC_END + UTC_END)}, False),
        "critical written FALSE": Case({"extensions": (ext(BC, b"\x30\x00", CRITICAL_FALSE),)}, False),
        "critical as BOOLEAN 0x01": Case({"extensions": (ext(BC, b"\x30\x00", b"\x01\x01\x01"),)}, False),
        "duplicate extensions": Case({"extensions": (*one_ext, one_ext[0])}, False),
        "unknown critical extension": Case(
            {"extensions": (*one_ext, ext("1.2.3.4", NULL, b"\x01\x01\xff"))}, False
        ),
        "unknown extension": Case({"extensions": (*one_ext, ext("1.2.3.4", NULL))}, False),
        "no extension in [3]": Case({"extensions": ()}, False),
        "unique identifiers": Case({"unique_ids": b"\x81\x02\x00\xab\x82\x02\x00\xcd"}, False),
        "same names as text, not as DER": Case({"issuer": cn_printable, "subject": cn_utf8}, True, False),
        "same names as DER": Case({"issuer": cn_utf8, "subject": cn_utf8}, True, True),
        "multi-valued RDN in order": Case(
            {
                "subject": name(rdn((CN, 0x0C, b"a"), (ORGANIZATION, 0x0C, b"b"))),
                "issuer": name(rdn((CN, 0x0C, b"a"), (ORGANIZATION, 0x0C, b"b"))),
            },
            True,
            True,
        ),
        "multi-valued RDN out of order": Case(
            {
                "subject": name(rdn((ORGANIZATION, 0x0C, b"b"), (CN, 0x0C, b"a"))),
                "issuer": name(rdn((ORGANIZATION, 0x0C, b"b"), (CN, 0x0C, b"a"))),
            },
            False,
        ),
        "empty names": Case({"subject": name(), "issuer": name()}, True, True),
        "RSA key without NULL": Case({"spki": _rsa_spki_without_null()}, False),
        "name OID arc of 64 bits": Case({"subject": name(rdn((f"1.2.{2**64}", 0x0C, b"a")))}, False),
    }


def _rsa_spki_without_null() -> bytes:
    spki = parts_of(der_of(built("rsa2048"))).spki
    _, bits = elements(spki, 4, len(spki))
    return tlv(0x30, algorithm(RSA_KEY_OID) + bits)


@pytest.mark.parametrize("case", sorted(cases()))
def test_each_element_is_read_as_cryptography_reads_it_or_declined(case: str) -> None:
    change, read, self_signed = cases()[case]
    parts = base_parts()._replace(**change)  # type: ignore[arg-type]
    der = signed(parts, key("p256"))
    result = agrees(der)
    assert (result is not None) is read, case
    if result is not None:
        assert result.self_signed is self_signed


@pytest.mark.parametrize("case", sorted(cases()))
def test_each_element_of_an_rsa_certificate_is_read_as_cryptography_reads_it_or_declined(case: str) -> None:
    parts = base_parts("rsa2048")._replace(**cases()[case].change)  # type: ignore[arg-type]
    agrees(signed(parts, key("rsa2048")))


def test_a_signature_of_another_key_or_with_padding_bits_is_not_self_signed_or_declined() -> None:
    parts = base_parts()
    wrong = agrees(signed(parts, key("p384")))
    assert wrong is not None
    assert not wrong.self_signed
    garbage = agrees(signed(parts, key("p256"), signature=b"\x30\x06\x02\x01\x01\x02\x01\x01"))
    assert garbage is not None
    assert not garbage.self_signed
    assert agrees(signed(parts, key("p256"), signature=b"")) is not None
    assert agrees(signed(parts, key("p256"), padding_bits=1)) is None
    rsa_parts = base_parts("rsa2048")
    short = agrees(signed(rsa_parts, key("rsa2048"), signature=b"\x01" * 255))
    assert short is not None
    assert not short.self_signed


@pytest.mark.parametrize("kind", ["rsa2048", "p256"])
def test_a_certificate_signed_with_sha1_by_its_own_key_is_self_signed(kind: str, tmp_path: Path) -> None:
    """cryptography does not verify SHA-1 signatures ("Unsupported signature algorithm"), yet such a
    certificate is self-signed: both readers say so (they called it CA-signed before, so its findings and
    fixes were those of a CA-signed certificate), and so does ``confcheck cert``. A SHA-1 signature that
    does not verify is not self-signed."""
    sha1 = algorithm(RSA_SHA["SHA1"], NULL) if kind.startswith("rsa") else algorithm(ECDSA_SHA["SHA1"])
    der = signed(base_parts(kind)._replace(inner=sha1, outer=sha1), key(kind))
    loaded = x509.load_der_x509_certificate(der)
    with pytest.raises(ValueError, match="Unsupported signature algorithm"):
        loaded.verify_directly_issued_by(loaded)
    read = agrees(der)
    assert read is not None
    assert read.self_signed
    assert certs_x509.is_self_signed(loaded)
    assert read.signature_algorithm == (
        "sha1WithRSAEncryption" if kind.startswith("rsa") else "ecdsa-with-SHA1"
    )
    (tmp_path / "old.pem").write_text(certs_der.pem(der))
    shown = subprocess.run(
        [sys.executable, "-m", "confcheck", "cert", str(tmp_path / "old.pem")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "self-signed    yes" in shown.stdout, shown.stdout
    forged = der[:-8] + bytes(b ^ 0x55 for b in der[-8:])  # the signature's last bytes
    assert not certs_x509.is_self_signed(x509.load_der_x509_certificate(forged))
    forged_read = agrees(forged)
    assert forged_read is None or not forged_read.self_signed


@pytest.mark.parametrize("kind", ["rsa2048", "p256"])
@pytest.mark.parametrize("shape", ["unknown extension", "BMPString names"])
def test_a_sha1_self_signed_certificate_the_der_reader_declines_is_self_signed(kind: str, shape: str) -> None:
    """Read with cryptography (the DER reader declines its shape), a certificate signed with SHA-1 by its
    own key is self-signed too (it was called signed by its issuer: cryptography does not verify SHA-1);
    one whose signature does not verify, or whose two signature algorithms differ, is not."""
    sha1 = algorithm(RSA_SHA["SHA1"], NULL) if kind.startswith("rsa") else algorithm(ECDSA_SHA["SHA1"])
    parts = base_parts(kind)._replace(inner=sha1, outer=sha1)
    if shape == "unknown extension":
        parts = parts._replace(extensions=(*(parts.extensions or ()), ext("1.2.3.4", NULL)))
    else:
        bmp = name(rdn((CN, 0x1E, f"{kind}.example.com".encode("utf-16-be"))))
        parts = parts._replace(subject=bmp, issuer=bmp)
    der = signed(parts, key(kind))
    assert certs_der.certificate(der, certs_der.pem(der)) is None  # left to cryptography
    loaded = x509.load_der_x509_certificate(der)
    assert certs_x509.is_self_signed(loaded)
    assert certs_x509.parse(loaded).self_signed
    assert certs.from_pem(certs_der.pem(der)).self_signed  # as a snapshot's certificate
    forged = der[:-8] + bytes(b ^ 0x55 for b in der[-8:])
    assert not certs_x509.is_self_signed(x509.load_der_x509_certificate(forged))
    other = algorithm(RSA_SHA["SHA256"], NULL) if kind.startswith("rsa") else algorithm(ECDSA_SHA["SHA256"])
    mixed = signed(parts._replace(inner=other), key(kind))  # signed with SHA-1, says SHA-256 inside
    assert not certs_x509.is_self_signed(x509.load_der_x509_certificate(mixed))


def test_the_signature_algorithm_names_are_cryptographys() -> None:
    for encoded, known in certs_der.SIGNATURE_ALGORITHMS.items():
        assert ObjectIdentifier(known.oid)._name == known.name
        assert certs_x509._oid_name(ObjectIdentifier(known.oid)) == known.name
        assert encoded == algorithm(known.oid, NULL if known.key == RSA_KEY_OID else b"")
    assert {known.name for known in certs_der.SIGNATURE_ALGORITHMS.values()} >= {
        "sha256WithRSAEncryption",
        "ecdsa-with-SHA256",
    }


# --- mutated DER ------------------------------------------------------------------------------------


@functools.cache
def seeds() -> tuple[bytes, ...]:
    """Certificates to mutate: self-signed and issued, RSA and EC, v1 and v3, UTCTime and GeneralizedTime."""
    made = [der_of(built(kind, issuer)) for kind in ("rsa2048", "p256", "p384") for issuer in (None, "p256")]
    made.append(der_of(built("p521", None, start=datetime(2049, 6, 1, tzinfo=timezone.utc), days=3650)))
    made.append(signed(parts_of(made[1])._replace(version=b"", extensions=None), key("p256")))
    made.append(der_of(pki.server("imp1.example.com", ["imp1.example.com"], xmpp_addr=["example.com"]).cert))
    return tuple(made)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    der = bytearray(draw(st.sampled_from(seeds())))
    for _ in range(draw(st.integers(1, 3))):
        how = draw(st.sampled_from(["flip", "length", "truncate", "trail", "insert", "delete"]))
        where = draw(st.integers(0, len(der) - 1))
        if how == "flip":
            der[where] ^= draw(st.sampled_from([0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xFF]))
        elif how == "length":
            der[where] = (der[where] + draw(st.sampled_from([-2, -1, 1, 2]))) % 256
        elif how == "truncate":
            del der[where:]
        elif how == "trail":
            der += draw(st.binary(min_size=1, max_size=4))
        elif how == "insert":
            der[where:where] = draw(st.binary(min_size=1, max_size=3))
        else:
            del der[where : where + draw(st.integers(1, 3))]
        if not der:
            break
    return bytes(der)


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_der_is_read_as_cryptography_reads_it_or_declined(der: bytes) -> None:
    agrees(der)


@st.composite
def rebuilt(draw: st.DrawFn) -> bytes:
    """A certificate whose elements are drawn one by one (valid, unusual, wrong), then signed."""
    kind = draw(st.sampled_from(["p256", "rsa2048"]))
    parts = base_parts(kind, issued=draw(st.booleans()))
    options = cases()
    change = draw(st.lists(st.sampled_from(sorted(options)), min_size=1, max_size=3))
    for named in change:
        parts = parts._replace(**options[named].change)  # type: ignore[arg-type]
    signer = key(draw(st.sampled_from([kind, "p256", "rsa2048"])))
    return signed(parts, signer, padding_bits=draw(st.sampled_from([0, 0, 0, 1])))


@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(rebuilt())
def test_certificates_rebuilt_element_by_element_read_as_cryptography_reads_them(der: bytes) -> None:
    agrees(der)


def test_the_mutations_reach_both_outcomes() -> None:
    """The properties above could hold by the reader declining everything: over the same kinds of
    mutation, it reads a good share and declines a good share."""
    rng = random.Random(13)
    read = declined = 0
    for _ in range(300):
        der = bytearray(rng.choice(seeds()))
        where = rng.randrange(len(der))
        der[where] ^= 1 << rng.randrange(8)
        if agrees(bytes(der)) is None:
            declined += 1
        else:
            read += 1
    assert read >= 30
    assert declined >= 100


# --- a lint does not import cryptography.x509 ------------------------------------------------------


def test_a_lint_of_a_snapshot_imports_no_x509() -> None:
    from test_imports import loaded

    code, modules = loaded("lint", str(EXAMPLES / "demo-snapshot.json"), "--format", "json")
    assert code == 1
    assert "confcheck.certs" in modules  # the snapshot's certificates were read
    assert [m for m in modules if m.startswith("cryptography.x509")] == []
    assert "confcheck.certs_x509" not in modules
    assert "cryptography.hazmat.primitives.serialization" not in modules
    # its self-signed EC certificate was verified without ec.ECDSA's constructor, which imports the backend
    assert "cryptography.hazmat.primitives.asymmetric.ec" in modules
    assert "cryptography.hazmat.backends.openssl.backend" not in modules


def test_a_certificate_the_reader_declines_is_read_with_cryptography_in_a_lint(tmp_path: Path) -> None:
    """The check above could not fail if nothing ever imported cryptography.x509 in a lint: a snapshot
    holding a certificate the reader declines (a negative serial) reads it with cryptography."""
    run = subprocess.run(
        [sys.executable, "-c", "import sys, confcheck.certs_x509; print('cryptography.x509' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert run.stdout.split() == ["True"]
    parts = base_parts()._replace(serial=integer(-5))
    der = signed(parts, key("p256"))
    assert certs_der.certificate(der, certs_der.pem(der)) is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert certs.from_pem(certs_der.pem(der)).serial == "-5"


def test_a_lint_reports_a_sha1_self_signed_certificate_as_self_signed(tmp_path: Path) -> None:
    """The demo's self-signed cup-xmpp certificate of imp2, signed again with SHA-1 by a key of its own:
    before, the lint called it signed by imp2.acme.example, left out CC303 and CC304, and had the node
    itself sign the request for its successor."""
    data = json.loads((EXAMPLES / "demo-snapshot.json").read_text())
    old_key, old_pem = next(
        (fingerprint, pem)
        for fingerprint, pem in data["certificates"].items()
        if (read := certs.from_pem(pem)).self_signed and read.subject_cn == ("imp2.acme.example",)
    )
    new_key = key("p256")
    spki = new_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    sha1 = algorithm(ECDSA_SHA["SHA1"])
    der = signed(
        parts_of(certs_der.canonical_der(old_pem.encode()) or b"")._replace(
            spki=spki, inner=sha1, outer=sha1
        ),
        new_key,
    )
    new_pem = certs_der.pem(der)
    text = (EXAMPLES / "demo-snapshot.json").read_text()
    text = text.replace(json.dumps(old_pem)[1:-1], json.dumps(new_pem)[1:-1])
    text = text.replace(old_key, hashlib.sha256(der).hexdigest())
    (tmp_path / "snapshot.json").write_text(text)
    run = subprocess.run(
        [sys.executable, "-m", "confcheck", "lint", str(tmp_path / "snapshot.json"), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1, run.stderr
    findings = json.loads(run.stdout)["findings"]
    assert any(f["rule"] == "CC303" and f["node"] == "imp2.acme.example" for f in findings)
    assert "Have imp2.acme.example sign it" not in run.stdout
