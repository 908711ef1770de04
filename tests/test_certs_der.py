"""The DER reader (``confcheck.certs_der``) gives exactly what cryptography's objects give.

Hundreds of certificates are generated with cryptography (seeded, so a failure repeats): RSA and EC
keys of every size and curve, unicode names, multi-valued RDNs, every character RFC 4514 escapes, IP
and otherName SANs, wildcard names, missing and unusual extensions (read by cryptography, beside the
reader). Each is read both ways and the two
:class:`~confcheck.certs.Certificate` values must be equal; the shapes the reader vouches for must be
read by it (else it would be dead code), and the shapes it leaves to cryptography must be left.
"""

from __future__ import annotations

import functools
import ipaddress
import random
import warnings
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from unittest import mock

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from confcheck import certs, certs_der, certs_x509, pki
from confcheck.certs import SRV_NAME_OID, XMPP_ADDR_OID

START = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
BMP = x509.name._ASN1Type.BMPString
BIT_STRING = x509.name._ASN1Type.BitString
PRINTABLE = x509.name._ASN1Type.PrintableString
IA5 = x509.name._ASN1Type.IA5String


@functools.cache
def keys() -> dict[str, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey]:
    return {
        "rsa1024": rsa.generate_private_key(65537, 1024),
        "rsa2048": rsa.generate_private_key(65537, 2048),
        "rsa3072": rsa.generate_private_key(3, 3072),
        "p256": ec.generate_private_key(ec.SECP256R1()),
        "p384": ec.generate_private_key(ec.SECP384R1()),
        "p521": ec.generate_private_key(ec.SECP521R1()),
    }


NAME_ATTRIBUTES = [
    NameOID.COMMON_NAME,
    NameOID.ORGANIZATION_NAME,
    NameOID.ORGANIZATIONAL_UNIT_NAME,
    NameOID.LOCALITY_NAME,
    NameOID.STATE_OR_PROVINCE_NAME,
    NameOID.COUNTRY_NAME,
    NameOID.STREET_ADDRESS,
    NameOID.DOMAIN_COMPONENT,
    NameOID.USER_ID,
    NameOID.EMAIL_ADDRESS,
    NameOID.SERIAL_NUMBER,
    NameOID.TITLE,
    ObjectIdentifier("1.3.6.1.4.1.99999.1"),
]
PIECES = [
    "cucm1",
    ".example.com",
    "Zürich",
    "東京",
    "Ωmega",
    "🙂",
    ",",
    "+",
    '"',
    "\\",
    ";",
    "<",
    ">",
    "=",
    "#",
    " ",
    "\0",
    "a b",
    "*.",
]


def text(rng: random.Random, ascii_only: bool = False) -> str:
    while True:
        value = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 5)))
        if ascii_only:
            value = value.encode("ascii", "ignore").decode().replace("\0", "") or "x"
        if 1 <= len(value.encode()) <= 64:
            return value


def attribute(rng: random.Random, oid: ObjectIdentifier) -> x509.NameAttribute[str]:
    if oid == NameOID.COUNTRY_NAME:
        return x509.NameAttribute(oid, rng.choice(["US", "DE", "CH"]))
    if oid in (NameOID.EMAIL_ADDRESS, NameOID.DOMAIN_COMPONENT, NameOID.SERIAL_NUMBER):
        value = text(rng, ascii_only=True)
        if oid == NameOID.SERIAL_NUMBER:  # PrintableString
            value = "".join(c for c in value if c.isalnum() or c in " '()+,-./:=?") or "1234"
        return x509.NameAttribute(oid, value)
    kind = rng.choice([None, None, PRINTABLE, IA5])
    value = text(rng, ascii_only=kind is not None)
    if kind is PRINTABLE:
        value = "".join(c for c in value if c.isalnum() or c in " '()+,-./:=?") or "x"
    return x509.NameAttribute(oid, value, kind) if kind else x509.NameAttribute(oid, value)


def random_name(rng: random.Random) -> x509.Name:
    rdns = []
    for _ in range(rng.randint(0, 5)):
        oids = rng.sample(NAME_ATTRIBUTES, rng.choice([1, 1, 1, 2, 3]))
        rdns.append(x509.RelativeDistinguishedName([attribute(rng, oid) for oid in oids]))
    return x509.Name(rdns)


def random_san(rng: random.Random) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for _ in range(rng.randint(0, 6)):
        kind = rng.randrange(8)
        if kind == 0:
            names.append(x509.DNSName(rng.choice(["cucm1.example.com", "*.example.com", "imp", "x" * 200])))
        elif kind == 1:
            names.append(x509.IPAddress(ipaddress.ip_address(rng.choice(["10.1.2.3", "::1", "2001:db8::5"]))))
        elif kind == 2:
            jid = rng.choice(["example.com", "chat-" + "é" * 150 + ".example.com"])
            names.append(x509.OtherName(XMPP_ADDR_OID, pki._der(0x0C, jid.encode())))
        elif kind == 3:
            names.append(x509.OtherName(SRV_NAME_OID, pki._der(0x16, b"_xmpp-client.example.com")))
        elif kind == 4:
            names.append(x509.UniformResourceIdentifier("https://cucm1.example.com/x"))
        elif kind == 5:
            names.append(x509.RFC822Name("admin@example.com"))
        elif kind == 6:
            names.append(x509.OtherName(ObjectIdentifier("1.3.6.1.4.1.311.20.2.3"), pki._der(0x0C, b"upn")))
        else:
            names.append(x509.DNSName("cucm2.example.com"))
    return names


def random_certificate(rng: random.Random) -> x509.Certificate:
    key_name = rng.choice(sorted(keys()))
    key = keys()[key_name]
    subject = random_name(rng)
    issuer = subject if rng.random() < 0.2 else random_name(rng)
    start = rng.choice([START, datetime(1999, 12, 31, 23, 59, 59, tzinfo=timezone.utc)])
    days = rng.choice([1, 730, 365 * 40, 365 * 60])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(rng.choice([1, 0x7F, 0x80, x509.random_serial_number()]))
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
    )
    if rng.random() < 0.8:
        ca = rng.random() < 0.3
        length = rng.choice([None, 0, 3]) if ca else None
        builder = builder.add_extension(x509.BasicConstraints(ca, length), critical=rng.random() < 0.5)
    if rng.random() < 0.7:
        agreement = rng.random() < 0.3
        builder = builder.add_extension(
            x509.KeyUsage(
                rng.random() < 0.5,
                rng.random() < 0.5,
                rng.random() < 0.5,
                rng.random() < 0.5,
                agreement,
                rng.random() < 0.5,
                rng.random() < 0.5,
                agreement and rng.random() < 0.5,
                agreement and rng.random() < 0.5,
            ),
            critical=True,
        )
    if rng.random() < 0.7:
        purposes = [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
        purposes += [ObjectIdentifier("1.3.6.1.5.5.7.3.5"), ObjectIdentifier("1.3.6.1.4.1.99999.7")]
        builder = builder.add_extension(
            x509.ExtendedKeyUsage(rng.sample(purposes, rng.randint(1, 4))), critical=False
        )
    san = random_san(rng)
    if san or rng.random() < 0.1:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=rng.random() < 0.5)
    if rng.random() < 0.5:
        builder = builder.add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        )
    if rng.random() < 0.5:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False
        )
    algorithms: list[hashes.SHA256 | hashes.SHA384 | hashes.SHA512] = [
        hashes.SHA256(),
        hashes.SHA384(),
        hashes.SHA512(),
    ]
    algorithm = rng.choice(algorithms)
    return builder.sign(key, algorithm)


def both_ways(cert: x509.Certificate) -> tuple[certs.Certificate, certs.Certificate, bool]:
    """(read with the DER reader where it vouches, read with cryptography's objects alone, whether the
    reader vouched for the names and the key)."""
    der = cert.public_bytes(serialization.Encoding.DER)
    fast = certs_x509.parse(cert, der=der)
    with mock.patch.object(certs_der, "read", return_value=None):
        slow = certs_x509.parse(cert, der=der)
    fields = certs_der.read(der)
    return fast, slow, fields is not None and fields.key is not None


@pytest.mark.parametrize("seed", range(8))
def test_the_der_reader_equals_cryptography_over_generated_certificates(seed: int) -> None:
    rng = random.Random(seed)
    read = 0
    for _ in range(60):
        cert = random_certificate(rng)
        fast, slow, vouched = both_ways(cert)
        assert fast == slow, cert.public_bytes(serialization.Encoding.PEM).decode()
        read += vouched
    assert read >= 30  # most generated shapes are the reader's (the others: unusual OIDs, dirName...)


def test_the_project_certificates_are_read_by_the_der_reader_and_equal() -> None:
    """What pki makes (the lab, the tests, the benchmark): every shape of it is the reader's."""
    root = pki.ca("Root CA")
    issued = [
        root,
        pki.ca("Issuing CA", issuer=root),
        pki.server("cucm1.example.com", ["cucm1.example.com", "*.example.com"], ["10.0.0.1", "fe80::1"]),
        pki.server("imp1.example.com", [], xmpp_addr=["example.com"], srv_name=["_xmpp-client.example.com"]),
        pki.server(None, ["cuc1.example.com"], issuer=root, eku=None),
        pki.server("rsa.example.com", issuer=root, key=pki.new_key("rsa", 2048)),
        pki.multi_server("cucm1.example.com", ["cucm2.example.com"], issuer=root),
    ]
    for item in issued:
        fast, slow, vouched = both_ways(item.cert)
        assert vouched
        assert fast == slow
    assert both_ways(root.cert)[0].self_signed


def long_cn() -> x509.Name:
    """Longer than cryptography allows a CN: it warns about it when it reads the name."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "x" * 65, _validate=False)])


def cert_with(**options: object) -> x509.Certificate:
    key = options.pop("key", None) or keys()["p256"]
    builder = (
        x509.CertificateBuilder()
        .subject_name(options.pop("subject", pki.name("x.example.com")))  # type: ignore[arg-type]
        .issuer_name(pki.name("CA"))
        .public_key(key.public_key())  # type: ignore[attr-defined]
        .serial_number(options.pop("serial", 5))  # type: ignore[arg-type]
        .not_valid_before(START)
        .not_valid_after(START + timedelta(days=1))
    )
    for extension in options.pop("extensions", []):  # type: ignore[attr-defined]
        builder = builder.add_extension(extension, critical=False)
    return builder.sign(keys()["p256"], hashes.SHA256())


UNUSUAL: dict[str, Callable[[], x509.Certificate]] = {
    "ed25519": lambda: cert_with(key=ed25519.Ed25519PrivateKey.generate()),
    "secp256k1": lambda: cert_with(key=ec.generate_private_key(ec.SECP256K1())),
    "dirName": lambda: cert_with(
        extensions=[x509.SubjectAlternativeName([x509.DirectoryName(pki.name("d"))])]
    ),
    "ip-network": lambda: cert_with(
        extensions=[x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_network("10.0.0.0/8"))])]
    ),
    "registeredID": lambda: cert_with(
        extensions=[x509.SubjectAlternativeName([x509.RegisteredID(ObjectIdentifier("1.2.3"))])]
    ),
    "long-cn": lambda: cert_with(subject=long_cn()),
    "crl-dp": lambda: cert_with(
        extensions=[
            x509.CRLDistributionPoints([x509.DistributionPoint([x509.DNSName("a")], None, None, None)])
        ]
    ),
    "bmp-string": lambda: cert_with(subject=x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "b", BMP)])),
    "bit-string": lambda: cert_with(
        subject=x509.Name([x509.NameAttribute(NameOID.X500_UNIQUE_IDENTIFIER, b"\x01", BIT_STRING)])
    ),
}
"""Certificates of shapes the reader leaves (wholly or in part) to cryptography."""


@pytest.mark.filterwarnings("ignore:Attribute's length:UserWarning")
@pytest.mark.parametrize("shape", sorted(UNUSUAL))
def test_shapes_the_reader_leaves_to_cryptography_still_read_the_same(shape: str) -> None:
    fast, slow, _ = both_ways(UNUSUAL[shape]())
    assert fast == slow


def test_the_reader_leaves_unusual_shapes_to_cryptography() -> None:
    for shape in ("ed25519", "secp256k1", "bmp-string", "bit-string", "long-cn"):
        fields = certs_der.read(UNUSUAL[shape]().public_bytes(serialization.Encoding.DER))
        assert fields is None or (shape in ("ed25519", "secp256k1") and fields.key is None), shape
    for shape in ("dirName", "ip-network", "registeredID", "crl-dp"):  # extensions are cryptography's
        assert certs_der.read(UNUSUAL[shape]().public_bytes(serialization.Encoding.DER)) is not None


def test_an_ec_point_off_its_curve_is_left_to_cryptography() -> None:
    der = bytearray(cert_with().public_bytes(serialization.Encoding.DER))
    point = der.index(b"\x03\x42\x00\x04") + 4
    der[point + 63] ^= 1  # the last byte of y
    cert = x509.load_der_x509_certificate(bytes(der))
    fields = certs_der.read(bytes(der))
    assert fields is not None
    assert fields.key is None
    assert certs_x509.parse(cert, der=bytes(der)).key == certs_x509._key_info(cert)


def test_escape_matches_cryptography() -> None:
    rng = random.Random(7)
    for _ in range(5000):
        value = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 4)))
        assert certs_der.escape(value) == x509.name._escape_dn_value(value)


@pytest.mark.parametrize(
    "der", [b"", b"\x30", b"\x30\x80\x00\x00", b"\x30\x81\x05abcde", b"\x31\x00", b"\x30\x00"]
)
def test_bytes_that_are_no_certificate_give_none(der: bytes) -> None:
    assert certs_der.read(der) is None


def test_the_flat_pass_over_a_name_equals_the_general_walk() -> None:
    """Names of one attribute per RDN (the usual shape) are read in one flat pass; every other name, and
    every name the flat pass gives up on, by the general walk: both give the same for the same bytes."""
    rng = random.Random(11)
    flat = 0
    for _ in range(400):
        name = random_name(rng)
        der = name.public_bytes()
        try:
            general = certs_der._any_name(der, 2 if der[1] < 0x80 else 2 + (der[1] & 0x7F), len(der))
        except (certs_der._Unsupported, ValueError):
            continue
        with mock.patch.object(certs_der, "_any_name", side_effect=AssertionError("not flat")):
            try:
                read = certs_der._name(der, 2 if der[1] < 0x80 else 2 + (der[1] & 0x7F), len(der))
                flat += 1
            except AssertionError:
                read = general
        assert read == general
    assert flat >= 100


def test_most_generated_extension_lists_are_the_readers() -> None:
    """The extensions confcheck uses (subjectAltName, extendedKeyUsage, basicConstraints) are read from the
    DER when every extension of the certificate is one the reader knows (the random certificates above have
    nothing else), and then equal cryptography's reading of them."""
    rng = random.Random(3)
    vouched = 0
    for _ in range(120):
        cert = random_certificate(rng)
        fast, slow, _ = both_ways(cert)
        assert fast == slow
        fields = certs_der.read(cert.public_bytes(serialization.Encoding.DER))
        vouched += fields is not None and fields.extensions is not None
    assert vouched >= 60


def raw_extensions(*extensions: tuple[str, bytes], critical: bool = False) -> x509.Certificate:
    """A certificate holding each (dotted OID, DER value) as written, whatever cryptography makes of it."""
    return cert_with(
        extensions=[x509.UnrecognizedExtension(ObjectIdentifier(oid), value) for oid, value in extensions]
    )


SAN, EKU, BC, KU, SKI, AKI = "2.5.29.17", "2.5.29.37", "2.5.29.19", "2.5.29.15", "2.5.29.14", "2.5.29.35"
HOSTILE_EXTENSIONS: dict[str, tuple[tuple[str, bytes], ...]] = {
    "bc-path-length-without-ca": ((BC, b"\x30\x03\x02\x01\x00"),),
    "bc-explicit-false": ((BC, b"\x30\x03\x01\x01\x00"),),
    "bc-negative-path-length": ((BC, b"\x30\x06\x01\x01\xff\x02\x01\xff"),),
    "bc-huge-path-length": ((BC, b"\x30\x0e\x01\x01\xff\x02\x09\x01" + b"\x00" * 8),),
    "bc-ca-path-length": ((BC, b"\x30\x06\x01\x01\xff\x02\x01\x03"),),
    "bc-trailing": ((BC, b"\x30\x00\x05\x00"),),
    "ku-encipher-only-without-agreement": ((KU, b"\x03\x02\x00\x01"),),
    "ku-decipher-only-without-agreement": ((KU, b"\x03\x03\x07\x00\x80"),),
    "ku-decipher-only-with-agreement": ((KU, b"\x03\x03\x07\x08\x80"),),
    "ku-padding-bits-set": ((KU, b"\x03\x02\x07\x81"),),
    "ku-padding-too-large": ((KU, b"\x03\x02\x08\x80"),),
    "ku-empty": ((KU, b"\x03\x01\x00"),),
    "ku-trailing-zero-byte": ((KU, b"\x03\x03\x00\x80\x00"),),
    "aki-issuer-without-serial": ((AKI, b"\x30\x0b\xa1\x09\xa4\x07\x30\x05\x31\x03\x30\x01\x00"),),
    "aki-serial-only": ((AKI, b"\x30\x03\x82\x01\x05"),),
    "aki-empty": ((AKI, b"\x30\x00"),),
    "ski-not-octets": ((SKI, b"\x02\x01\x05"),),
    "eku-empty": ((EKU, b"\x30\x00"),),
    "eku-not-an-oid": ((EKU, b"\x30\x03\x02\x01\x05"),),
    "eku-huge-arc": ((EKU, b"\x30\x0e\x06\x0c\x2b" + b"\xff" * 10 + b"\x01"),),
    "san-empty": ((SAN, b"\x30\x00"),),
    "san-utf8-dns-name": ((SAN, b"\x30\x04\x82\x02\xc3\xa9"),),
    "san-not-utf8-dns-name": ((SAN, b"\x30\x03\x82\x01\xff"),),
    "san-constructed-dns-name": ((SAN, b"\x30\x05\xa2\x03\x16\x01a"),),
    "san-ip-of-five-bytes": ((SAN, b"\x30\x07\x87\x05\x0a\x00\x00\x01\x02"),),
    "san-ip-network": ((SAN, b"\x30\x0a\x87\x08\x0a\x00\x00\x00\xff\x00\x00\x00"),),
    "san-xmpp-addr-not-utf8string": (
        (SAN, b"\x30\x13\xa0\x11\x06\x08+\x06\x01\x05\x05\x07\x08\x05\xa0\x05\x16\x03a.b"),
    ),
    "san-other-name-two-values": (
        (SAN, b"\x30\x16\xa0\x14\x06\x08+\x06\x01\x05\x05\x07\x08\x05\xa0\x08\x0c\x01a\x0c\x01b\x05\x00"),
    ),
    "san-other-name-implicit": ((SAN, b"\x30\x11\xa0\x0f\x06\x08+\x06\x01\x05\x05\x07\x08\x05\x80\x03a.b"),),
    "san-uri-and-email": ((SAN, b"\x30\x0a\x86\x03x:y\x81\x03a@b"),),
    "san-trailing": ((SAN, b"\x30\x03\x82\x01a\x05\x00"),),
    "san-long": ((SAN, b"\x30\x81\x83\x82\x81\x80" + b"a" * 128),),
    "unknown-extension": (("1.2.3.4", b"\x05\x00"), (SAN, b"\x30\x03\x82\x01a")),
    "known-but-unread-extension": (("2.5.29.32", b"\x30\x00"),),
}
"""Extension values cryptography may refuse (a constructor's check, strict DER) or reads another way: the
DER reader must agree with it on each, by leaving the list to it or reading the same."""


@pytest.mark.parametrize("shape", sorted(HOSTILE_EXTENSIONS))
def test_hostile_extension_values_read_as_cryptography_reads_them(shape: str) -> None:
    cert = raw_extensions(*HOSTILE_EXTENSIONS[shape])
    fast, slow, _ = both_ways(cert)
    assert fast == slow


def patched(cert: x509.Certificate, old: bytes, new: bytes) -> x509.Certificate | None:
    """``cert`` with the bytes ``old`` replaced by ``new`` (same length), or None if cryptography refuses it."""
    der = cert.public_bytes(serialization.Encoding.DER)
    assert der.count(old) == 1
    try:
        return x509.load_der_x509_certificate(der.replace(old, new))
    except ValueError:
        return None


def test_an_extension_named_twice_or_explicitly_not_critical_reads_as_cryptography_reads_it() -> None:
    twice = patched(
        raw_extensions((BC, b"\x30\x00"), ("2.5.29.98", b"\x30\x00")),
        b"\x06\x03\x55\x1d\x62",
        b"\x06\x03\x55\x1d\x13",
    )
    assert twice is not None
    fast, slow, _ = both_ways(twice)
    assert fast == slow
    assert fast.san_error is not None  # cryptography refuses the list: the SAN cannot be trusted
    critical = cert_with(extensions=[])
    built = (
        x509.CertificateBuilder()
        .subject_name(pki.name("x.example.com"))
        .issuer_name(pki.name("CA"))
        .public_key(keys()["p256"].public_key())
        .serial_number(5)
        .not_valid_before(START)
        .not_valid_after(START + timedelta(days=1))
        .add_extension(x509.BasicConstraints(True, None), critical=True)
        .sign(keys()["p256"], hashes.SHA256())
    )
    assert critical is not None
    explicit_false = patched(built, b"\x06\x03\x55\x1d\x13\x01\x01\xff", b"\x06\x03\x55\x1d\x13\x01\x01\x00")
    if explicit_false is not None:
        try:
            slow_reading = certs_x509.parse(explicit_false)
        except ValueError:
            return
        fast, slow, _ = both_ways(explicit_false)
        assert fast == slow == slow_reading


@pytest.mark.parametrize(
    "value",
    [
        b"\x30\x81\x83\x80\x81\x80" + b"k" * 128,  # a keyIdentifier of 128 bytes: a two-byte length
        b"\x30\x81\x83\x80\x81\x81" + b"k" * 128,  # its length says one byte more than there is
        b"\x30\x81\x83\x80\x81\x7f" + b"k" * 128,  # a length that fits in one byte, written in two
    ],
)
def test_an_authority_key_identifier_with_a_long_length_reads_as_cryptography_reads_it(value: bytes) -> None:
    fast, slow, _ = both_ways(raw_extensions((AKI, value)))
    assert fast == slow


def test_rdns_and_extensions_read_once_per_encoding_read_alike_every_time() -> None:
    """A deployment's certificates repeat their organisation's RDNs and their CA's extensions, so the
    reader keeps what it read of each encoding: what it gives from those is what it gives the first time,
    and what cryptography gives, for certificates that share some RDNs and extensions and not others."""
    rng = random.Random(21)
    root = pki.ca("Shared Root CA")
    shared = [
        pki.server(f"node{number}.example.com", [f"node{number}.example.com"], issuer=root).cert
        for number in range(6)
    ]
    generated = [random_certificate(rng) for _ in range(40)]
    ders = [c.public_bytes(serialization.Encoding.DER) for c in shared + generated]
    for cache in (certs_der._RDNS, certs_der._READ, certs_der._ISSUERS):
        cache.clear()
    first = [certs_der.read(der) for der in ders]
    assert certs_der._RDNS  # kept: the shared O and OU
    assert certs_der._READ  # and the CA's extensions
    again = [certs_der.read(der) for der in ders]
    assert again == first
    assert all(fields is not None and fields.extensions is not None for fields in first[: len(shared)])
    for cert in shared + generated:
        fast, slow, _ = both_ways(cert)
        assert fast == slow


@pytest.mark.parametrize("kind", ["rsa1024", "rsa2048", "rsa3072", "p256", "p384", "p521"])
def test_every_rsa_and_nist_curve_key_is_the_readers_and_reads_as_cryptography_reads_it(kind: str) -> None:
    """RSA and NIST-curve keys are recognised by their AlgorithmIdentifier's whole encoding (one look-up):
    each of the four encodings DER allows must be the one cryptography writes."""
    cert = cert_with(key=keys()[kind])
    fields = certs_der.read(cert.public_bytes(serialization.Encoding.DER))
    assert fields is not None
    assert fields.key is not None
    assert fields.key == certs_x509._key_info(cert)


def test_an_rsa_key_with_absent_parameters_is_left_to_cryptography() -> None:
    der = cert_with(key=keys()["rsa2048"]).public_bytes(serialization.Encoding.DER)
    # the AlgorithmIdentifier without its NULL: shorter by two bytes, and so every length around it
    algorithm = bytes.fromhex("300d06092a864886f70d0101010500")
    assert algorithm in der
    fields = certs_der.read(der.replace(algorithm, bytes.fromhex("300b06092a864886f70d010101")))
    assert fields is None or fields.key is None


def general_tbs(der: bytes) -> tuple[int, int]:
    outer = certs_der._children(der, 0, len(der))
    assert len(outer) == 1
    assert outer[0][0] == 0x30
    parts = certs_der._children(der, outer[0][1], outer[0][2])
    assert len(parts) == 3
    assert parts[0][0] == 0x30
    return parts[0][1], parts[0][2]


def test_the_certificate_layout_read_in_place_equals_the_general_walk() -> None:
    """Certificates of 260 bytes to 64 KiB have two-byte lengths, read in place (``_tbs``); the others,
    and any layout the in-place read refuses, by the general walk, which must agree or refuse too."""
    rng = random.Random(5)
    for _ in range(40):
        der = random_certificate(rng).public_bytes(serialization.Encoding.DER)
        assert certs_der._tbs(der) == general_tbs(der)
    der = cert_with().public_bytes(serialization.Encoding.DER)
    assert der[1] == 0x82
    assert len(certs_der._children(der, general_tbs(der)[1], len(der))) == 2  # the signature's two
    tampered = [
        der + b"\x05\x00",  # bytes after the certificate
        der[:2] + (int.from_bytes(der[2:4], "big") + 2).to_bytes(2, "big") + der[4:] + b"\x05\x00",  # 4 parts
        der[:2] + (int.from_bytes(der[2:4], "big") - 1).to_bytes(2, "big") + der[4:],  # a short outer length
        der[:1] + b"\x83\x00" + der[2:],  # a length of three bytes, not minimal
    ]
    for bad in tampered:
        assert certs_der.read(bad) is None
