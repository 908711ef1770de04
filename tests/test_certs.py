"""Reading certificates users hand us: every file format, every parsed field, and every way input is bad.

All certificates are real (made with cryptography through ``confcheck.pki``); keys are made once per
module. Bad input must give ``certs.CertificateError`` with one line naming the source, and through the
CLI exit code 2 with one ``confcheck: error:`` line and never a traceback.
"""

from __future__ import annotations

import base64
import functools
import json
import random
import warnings
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import Run
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID
from helpers import data

from confcheck import certs, certs_der, certs_x509, identity, pki
from confcheck.certs import SRV_NAME_OID, XMPP_ADDR_OID, Certificate, CertificateError

START = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
"""A fixed validity start: certificates store whole seconds, so this survives the round trip exactly."""
DOMAIN = "example.com"
LEAF_NAME = "cucm1.example.com"
LONG_XMPP = "chat-" + "x" * 150 + ".example.com"
"""> 127 bytes: its DER length takes the long form (0x81 nn)."""
LONGER_XMPP = "jabber-" + "é" * 150 + ".example.com"
"""> 255 bytes of UTF-8 (two-byte characters): the long form with two length octets (0x82 nnnn)."""


# --- certificates, made once per module --------------------------------------------------------


@functools.cache
def ec_key() -> pki.PrivateKey:
    return pki.new_key()


@functools.cache
def rsa_key() -> pki.PrivateKey:
    return pki.new_key("rsa", 2048)


@functools.cache
def root() -> pki.Issued:
    return pki.ca("confcheck Certs Root CA", not_before=START)


@functools.cache
def intermediate() -> pki.Issued:
    return pki.ca("confcheck Certs Issuing CA", issuer=root(), not_before=START)


@functools.cache
def leaf() -> pki.Issued:
    """A CA-signed leaf with every SAN type confcheck reads, long enough to sort after the CAs in DER."""
    return pki.server(
        LEAF_NAME,
        dns=[LEAF_NAME, "cucm1", "*.cucm.example.com"],
        ips=["10.0.0.11", "2001:db8::11"],
        xmpp_addr=[DOMAIN, LONG_XMPP, LONGER_XMPP],
        srv_name=[f"_xmpp-client.{DOMAIN}"],
        issuer=intermediate(),
        key=ec_key(),
        not_before=START,
        days=30,
    )


@functools.cache
def cn_only() -> pki.Issued:
    """Self-signed, no subjectAltName extension at all."""
    return pki.server("legacy.example.com", key=ec_key(), not_before=START)


def pem_of(*getters: Callable[[], pki.Issued]) -> bytes:
    return "".join(get().pem for get in getters).encode()


def pem_chain() -> bytes:
    return pem_of(leaf, intermediate, root)


def der(issued: pki.Issued) -> bytes:
    return issued.cert.public_bytes(serialization.Encoding.DER)


def parsed(issued: pki.Issued) -> Certificate:
    (only,) = certs.load(issued.pem.encode(), "test")
    return only


def build(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: Any,
    signer: Any,
    san: list[x509.GeneralName] | None = None,
) -> x509.Certificate:
    """A certificate built directly with cryptography, for shapes ``pki`` will not make."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(START)
        .not_valid_after(START + timedelta(days=30))
    )
    if san is not None:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    algorithm = None if isinstance(signer, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return builder.sign(signer, algorithm)


def load_one(cert: x509.Certificate) -> Certificate:
    (only,) = certs.load(cert.public_bytes(serialization.Encoding.PEM), "built")
    return only


def subjects(chain: tuple[Certificate, ...]) -> list[str]:
    return [c.subject for c in chain]


# --- formats ---------------------------------------------------------------------------------------

BAG_ATTRIBUTES = """Bag Attributes
    localKeyID: 5F 3A 11 09 C2 7E 4B 1D 00 6A 3C 2B 9E 8F 71 44 1A 2C 3D 4E
    friendlyName: tomcat
subject=C = US, O = confcheck, OU = lab, CN = cucm1.example.com

issuer=O = confcheck, CN = confcheck Certs Issuing CA

"""


Getter = Callable[[], pki.Issued]


def formats() -> dict[str, tuple[Callable[[], bytes], tuple[Getter, ...]]]:
    """Format name -> (the file's bytes, the certificates expected, in order)."""
    everything = (leaf, intermediate, root)
    return {
        "pem-single": (lambda: pem_of(leaf), (leaf,)),
        "pem-chain": (pem_chain, everything),
        "pem-chain-crlf": (lambda: pem_chain().replace(b"\n", b"\r\n"), everything),
        # order kept as given, never re-sorted
        "pem-chain-reversed": (
            lambda: pem_of(root, intermediate, leaf),
            everything[::-1],
        ),
        "der": (lambda: der(leaf()), (leaf,)),
        "pem-openssl-bag-attributes": (
            lambda: (
                BAG_ATTRIBUTES.encode()
                + pem_of(leaf)
                + b"Bag Attributes\n    friendlyName: issuing\nsubject=O = confcheck\n\n"
                + pem_of(intermediate)
                + b"trailing text after the last block\n"
            ),
            (leaf, intermediate),
        ),
        "pem-with-private-key-too": (lambda: leaf().key_pem.encode() + pem_of(leaf), (leaf,)),
    }


@pytest.mark.parametrize("fmt", list(formats()))
def test_every_format_reads_the_same_from_a_file_and_from_bytes(fmt: str, tmp_path: Path) -> None:
    data, expected = formats()[fmt]
    path = tmp_path / "cert.bin"
    path.write_bytes(data())
    from_file = certs.read(path)
    from_bytes = certs.load(data(), "bytes")
    assert [c.sha256 for c in from_file] == [parsed(get()).sha256 for get in expected]
    assert from_file == from_bytes
    assert certs.read(str(path)) == from_file  # str paths as the CLI passes them


@pytest.mark.parametrize("encoding", [serialization.Encoding.PEM, serialization.Encoding.DER], ids=str)
def test_pkcs7_bundles_hold_the_whole_chain(encoding: serialization.Encoding, tmp_path: Path) -> None:
    data = pkcs7.serialize_certificates([leaf().cert, intermediate().cert, root().cert], encoding)
    path = tmp_path / "chain.p7b"
    path.write_bytes(data)
    from_file = certs.read(path)
    assert from_file == certs.load(data, "bytes")
    assert sorted(c.sha256 for c in from_file) == sorted(
        parsed(i).sha256 for i in (leaf(), intermediate(), root())
    )


@pytest.mark.parametrize("encoding", [serialization.Encoding.PEM, serialization.Encoding.DER], ids=str)
def test_pkcs7_bundles_are_returned_leaf_first(encoding: serialization.Encoding) -> None:
    data = pkcs7.serialize_certificates([leaf().cert, intermediate().cert, root().cert], encoding)
    chain = certs.load(data, "chain.p7b")
    assert subjects(chain) == [parsed(i).subject for i in (leaf(), intermediate(), root())]


def test_cli_matches_the_leaf_of_a_pkcs7_bundle(tmp_path: Path, confcheck: Callable[..., Run]) -> None:
    path = tmp_path / "chain.p7b"
    path.write_bytes(
        pkcs7.serialize_certificates(
            [leaf().cert, intermediate().cert, root().cert], serialization.Encoding.PEM
        )
    )
    result = confcheck("cert", str(path), "--name", LEAF_NAME, "--format", "json")
    assert json.loads(result.out)[0]["certificate"]["subject"] == parsed(leaf()).subject
    assert result.code == 0


def _tlv(tag: int, body: bytes) -> bytes:
    size = len(body)
    if size < 0x80:
        return bytes([tag, size]) + body
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + body


def openssl_style_pkcs7(chain: list[bytes]) -> bytes:
    """A degenerate PKCS#7 SignedData as ``openssl crl2pkcs7 -certfile`` writes it: certificates in file order."""
    signed_data = bytes.fromhex("06092a864886f70d010702")
    data = bytes.fromhex("06092a864886f70d010701")
    body = (
        _tlv(0x02, b"\x01")
        + _tlv(0x31, b"")
        + _tlv(0x30, data)
        + _tlv(0xA0, b"".join(chain))
        + _tlv(0x31, b"")
    )
    return _tlv(0x30, signed_data + _tlv(0xA0, _tlv(0x30, body)))


def test_an_openssl_pkcs7_bundle_in_chain_order_reads_leaf_first() -> None:
    chain = [der(leaf()), der(intermediate()), der(root())]
    assert chain != sorted(chain)  # not in DER SET order, as OpenSSL leaves it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        read = certs.load(openssl_style_pkcs7(chain), "openssl.p7b")
    assert subjects(read) == [parsed(i).subject for i in (leaf(), intermediate(), root())]


def test_an_openssl_pkcs7_bundle_reads_without_library_warnings() -> None:
    chain = [der(leaf()), der(intermediate()), der(root())]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        certs.load(openssl_style_pkcs7(chain), "openssl.p7b")


# --- parsed fields -----------------------------------------------------------------------------------


def test_subject_and_issuer_are_rfc4514_and_every_cn_is_kept_in_order() -> None:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Acme, Inc."),
            x509.NameAttribute(NameOID.COMMON_NAME, "one.example.com"),
            x509.NameAttribute(NameOID.COMMON_NAME, 'two "x"+y'),
        ]
    )
    cert = parsed(pki.server(None, subject=name, issuer=intermediate(), key=ec_key()))
    assert cert.subject == 'CN=two \\"x\\"\\+y,CN=one.example.com,O=Acme\\, Inc.'
    assert cert.subject_cn == ("one.example.com", 'two "x"+y')
    assert cert.issuer == "CN=confcheck Certs Issuing CA,O=confcheck"
    assert parsed(leaf()).subject == f"CN={LEAF_NAME},OU=lab,O=confcheck"


def test_no_common_name_gives_an_empty_tuple() -> None:
    cert = parsed(pki.server(None, dns=["a.example.com"], key=ec_key()))
    assert cert.subject_cn == ()
    assert cert.subject == "OU=lab,O=confcheck"


def test_subject_alt_names_in_certificate_order_including_long_der_lengths() -> None:
    san = parsed(leaf()).san
    assert san is not None
    assert san.dns == (LEAF_NAME, "cucm1", "*.cucm.example.com")
    assert san.ip == ("10.0.0.11", "2001:db8::11")
    assert san.xmpp_addr == (DOMAIN, LONG_XMPP, LONGER_XMPP)
    assert len(LONG_XMPP.encode()) > 127
    assert len(LONGER_XMPP.encode()) > 255
    assert san.srv_name == (f"_xmpp-client.{DOMAIN}",)
    assert parsed(leaf()).san_error is None


def test_long_srv_name_and_xmpp_addr_alone() -> None:
    srv = "_xmpp-client." + "s" * 200 + ".example.com"
    cert = parsed(pki.server("x.example.com", srv_name=[srv], xmpp_addr=[LONG_XMPP], key=ec_key()))
    assert cert.san is not None
    assert cert.san.srv_name == (srv,)
    assert cert.san.xmpp_addr == (LONG_XMPP,)
    assert cert.san.dns == ()


def test_validity_is_utc_aware() -> None:
    cert = parsed(leaf())
    assert cert.not_before == START
    assert cert.not_after == START + timedelta(days=30)
    for moment in (cert.not_before, cert.not_after):
        assert moment.tzinfo is not None
        assert moment.utcoffset() == timedelta(0)


@functools.cache
def ed25519_cert() -> x509.Certificate:
    key = ed25519.Ed25519PrivateKey.generate()
    name = pki.name("ed.example.com")
    return build(name, name, key.public_key(), key)


@pytest.mark.parametrize(
    ("kind", "key_type", "bits", "algorithm"),
    [
        ("ec", "EC", 256, "ecdsa-with-SHA256"),
        ("rsa", "RSA", 2048, "sha256WithRSAEncryption"),
        ("ed25519", "Ed25519", 256, "ed25519"),
    ],
)
def test_key_type_bits_and_signature_algorithm(kind: str, key_type: str, bits: int, algorithm: str) -> None:
    if kind == "ed25519":
        cert = load_one(ed25519_cert())
    else:
        key = ec_key() if kind == "ec" else rsa_key()
        cert = parsed(pki.server(f"{kind}.example.com", key=key, not_before=START))
    assert (cert.key.type, cert.key.bits) == (key_type, bits)
    assert cert.signature_algorithm == algorithm
    assert cert.self_signed


@pytest.mark.parametrize("which", ["leaf", "intermediate", "root", "cn_only"])
def test_sha256_is_cryptographys_fingerprint_and_the_pem_round_trips(which: str) -> None:
    issued = {"leaf": leaf, "intermediate": intermediate, "root": root, "cn_only": cn_only}[which]()
    cert = parsed(issued)
    assert cert.sha256 == issued.cert.fingerprint(hashes.SHA256()).hex()
    assert len(cert.sha256) == 64
    assert cert.sha256 == cert.sha256.lower()
    assert cert.pem == issued.pem
    assert cert.serial == format(issued.cert.serial_number, "x")


def test_self_signed_needs_the_names_to_match_and_the_signature_to_verify() -> None:
    assert parsed(root()).self_signed
    assert parsed(cn_only()).self_signed
    assert not parsed(intermediate()).self_signed
    assert not parsed(leaf()).self_signed
    # issuer == subject, but signed by another key: looks self-signed, is not
    name = pki.name("forged.example.com", O="confcheck")
    forged = load_one(build(name, name, ec_key().public_key(), intermediate().key))
    assert forged.subject == forged.issuer
    assert not forged.self_signed
    # signed by its own key but naming another issuer: not self-signed either
    other = load_one(build(name, pki.name("someone else"), ec_key().public_key(), ec_key()))
    assert not other.self_signed


def reference(cert: x509.Certificate) -> dict[str, Any]:
    """What parsing must give, read plainly through cryptography's API (as confcheck once did)."""
    cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    issuer_cns = cert.issuer.get_attributes_for_oid(NameOID.COMMON_NAME)
    return {
        "subject": cert.subject.rfc4514_string(),
        "subject_cn": tuple(str(a.value) for a in cns),
        "subject_attributes": tuple((a.rfc4514_attribute_name, str(a.value)) for a in cert.subject),
        "issuer": cert.issuer.rfc4514_string(),
        "issuer_label": str(issuer_cns[0].value) if issuer_cns else cert.issuer.rfc4514_string(),
        "sha256": cert.fingerprint(hashes.SHA256()).hex(),
        "pem": cert.public_bytes(serialization.Encoding.PEM).decode(),
    }


def fields_of(cert: Certificate) -> dict[str, Any]:
    return {key: getattr(cert, key) for key in reference(x509.load_pem_x509_certificate(cert.pem.encode()))}


def test_issuers_read_once_are_told_apart_by_their_encoding() -> None:
    """An issuer's name is read once and remembered: certificates of other issuers never get it."""
    name = pki.name("shared.example.com", O="confcheck")
    first = build(name, pki.name("Issuer One", O="confcheck"), ec_key().public_key(), ec_key())
    second = build(name, pki.name("Issuer Two", O="confcheck"), ec_key().public_key(), ec_key())
    same_text = build(name, pki.name("Issuer One", O="confcheck\u00a0"), ec_key().public_key(), ec_key())
    for cert in [first, second, first, same_text, second, same_text]:
        assert fields_of(load_one(cert)) == reference(cert)
    assert load_one(first).issuer_label == "Issuer One"
    assert load_one(second).issuer_label == "Issuer Two"


def test_a_version_1_certificate_without_a_version_field_reads_its_issuer() -> None:
    """X.509 v1 has no ``[0] version``: the issuer is then the third element of the TBSCertificate."""
    cert = build(pki.name("v1.example.com"), pki.name("Old CA"), ec_key().public_key(), ec_key())
    tbs = cert.tbs_certificate_bytes
    content = 2 + (tbs[1] & 0x7F if tbs[1] & 0x80 else 0)
    assert tbs[content] == 0xA0  # v3: [0] version first; drop it to get the shape of a v1 TBSCertificate
    v1 = _tlv(0x30, tbs[content + 2 + tbs[content + 1] :])
    assert certs_x509._issuer_der(tbs) == cert.issuer.public_bytes()
    assert certs_x509._issuer_der(v1) == cert.issuer.public_bytes()
    assert certs_x509._issuer_der(b"\x30\x03\x02\x01") is None  # truncated: not recognised, read the slow way


@pytest.mark.parametrize(
    "spelling",
    ["canonical", "crlf", "76-column lines", "leading blank line", "no final newline", "text before"],
)
def test_any_pem_spelling_reads_the_same_and_is_stored_canonical(spelling: str) -> None:
    """Snapshots store canonical PEM and read it without encoding it again; other spellings still read the
    same certificate, stored as cryptography writes it."""
    issued = leaf()
    body = base64.b64encode(der(issued)).decode()
    text = {
        "canonical": issued.pem,
        "crlf": issued.pem.replace("\n", "\r\n"),
        "76-column lines": "-----BEGIN CERTIFICATE-----\n"
        + "\n".join(body[i : i + 76] for i in range(0, len(body), 76))
        + "\n-----END CERTIFICATE-----\n",
        "leading blank line": "\n" + issued.pem,
        "no final newline": issued.pem.rstrip("\n"),
        "text before": "subject=CN = cucm1\n" + issued.pem,
    }[spelling]
    cert = certs.from_pem(text)
    assert cert == parsed(issued)
    assert fields_of(cert) == reference(issued.cert)
    assert cert.pem == issued.pem


def test_only_the_pem_that_would_be_written_again_counts_as_canonical() -> None:
    """``canonical_der`` tells a canonical PEM without writing it again: it must say yes exactly when
    ``pem`` of the DER inside gives the same bytes, whatever the lengths and however a PEM is altered."""
    rng = random.Random(5)
    spellings = 0
    for size in [*range(0, 160), 575, 1000, 1024]:
        pem = certs_der.pem(bytes(rng.randrange(256) for _ in range(size))).encode()
        for attempt in range(12):
            text = bytearray(pem)
            if attempt:
                where = rng.randrange(20, len(text) - 20)
                change = rng.randrange(4)
                if change == 3:  # a line cut elsewhere: a newline moved by a few places
                    newline = text.index(b"\n", where) if b"\n" in text[where:-30] else text.index(b"\n", 28)
                    del text[newline]
                    text.insert(newline + rng.choice([-2, -1, 1, 2]), 10)
                elif change == 0:
                    text.insert(where, rng.choice(b"\nA=+/ \r"))
                elif change == 1:
                    del text[where]
                else:
                    text[where] = rng.choice(b"\nA=+/ \rB")
            data = bytes(text)
            body = data[len(certs_der.PEM_HEAD) : -len(certs_der.PEM_TAIL)]
            try:
                expected = base64.b64decode(body)
            except ValueError:
                expected = None
            if expected is not None and certs_der.pem(expected).encode() != data:
                expected = None
            spellings += expected is not None
            assert certs_der.canonical_der(data) == expected, data
    assert spellings >= 163


def test_is_ca_comes_from_basic_constraints() -> None:
    assert parsed(root()).is_ca
    assert parsed(intermediate()).is_ca
    assert not parsed(leaf()).is_ca
    assert not load_one(ed25519_cert()).is_ca  # no BasicConstraints at all


def test_no_san_extension_means_san_is_none_not_empty() -> None:
    cert = parsed(cn_only())
    assert cert.san is None
    assert cert.san_error is None
    assert identity.match("legacy.example.com", cert, "http").field == "CN"


# --- malformed subjectAltName ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("oid", "inner", "complaint"),
    [
        (XMPP_ADDR_OID, bytes([0x16, 11]) + b"example.com", "xmppAddr is not a UTF8String"),
        (XMPP_ADDR_OID, bytes([0x0C, 3]) + b"\xff\xfe\xfd", "xmppAddr is not valid UTF-8"),
        (XMPP_ADDR_OID, bytes.fromhex("300d0c0b") + b"example.com", "xmppAddr is not a UTF8String"),
        (SRV_NAME_OID, bytes([0x0C, 24]) + b"_xmpp-client.example.com", "SRVName is not a IA5String"),
        (SRV_NAME_OID, bytes([0x16, 2]) + "é".encode(), "SRVName is not valid ASCII"),
    ],
    ids=["xmpp-ia5", "xmpp-bad-utf8", "xmpp-sequence", "srv-utf8string", "srv-non-ascii"],
)
def test_a_malformed_other_name_is_a_san_error_never_an_empty_san(
    oid: x509.ObjectIdentifier, inner: bytes, complaint: str
) -> None:
    key = ec_key()
    name = pki.name("chat.example.com")
    san: list[x509.GeneralName] = [x509.DNSName("chat.example.com"), x509.OtherName(oid, inner)]
    cert = load_one(build(name, name, key.public_key(), key, san))
    assert cert.san is None
    assert cert.san_error is not None
    assert "subjectAltName" in cert.san_error
    assert complaint in cert.san_error
    for profile in identity.PROFILES:
        assert not identity.match("chat.example.com", cert, profile).matched  # no fallback to the CN


@pytest.mark.parametrize(
    "length", [bytes([0x0B]), bytes([0x0D]), bytes([0x8C])], ids=["short", "long", "bad-long-form"]
)
def test_an_xmpp_addr_with_a_wrong_der_length_is_a_san_error(length: bytes) -> None:
    """cryptography refuses to build such a value, so the DER is edited by hand (the signature breaks)."""
    good = der(pki.server("cn.example.com", xmpp_addr=["chat.example"], key=ec_key()))
    assert good.count(b"\x0c\x0cchat.example") == 1
    bad = good.replace(b"\x0c\x0cchat.example", b"\x0c" + length + b"chat.example")
    (cert,) = certs.load(bad, "edited.der")
    assert cert.san is None
    assert cert.san_error is not None
    assert "subjectAltName" in cert.san_error
    assert not identity.match("chat.example", cert, "xmpp").matched


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        (bytes([0x0C, 5]) + b"abc", "does not match"),
        (bytes([0x0C, 1]) + b"abc", "does not match"),
        (bytes([0x0C, 0x80]) + b"abc", "malformed length"),
        (bytes([0x0C, 0x85, 0, 0, 0, 0, 3]) + b"abc", "malformed length"),
        (bytes([0x0C, 0x82, 0x01]), "malformed length"),
        (bytes([0x0C]), "not a UTF8String"),
        (b"", "not a UTF8String"),
    ],
    ids=["too-long", "too-short", "indefinite", "five-octets", "truncated-length", "tag-only", "empty"],
)
def test_the_other_name_decoder_checks_lengths(value: bytes, complaint: str) -> None:
    """Values cryptography will not even build: the decoder's own length checks, exercised directly."""
    with pytest.raises(ValueError, match=complaint):
        certs.der_string(value, 0x0C, "xmppAddr")


def test_the_other_name_decoder_reads_long_form_lengths() -> None:
    body = "é".encode() * 200
    assert certs.der_string(bytes([0x0C, 0x82, 0x01, 0x90]) + body, 0x0C, "xmppAddr") == "é" * 200
    assert certs.der_string(bytes([0x16, 0x81, 0x80]) + b"a" * 128, 0x16, "SRVName") == "a" * 128


def test_a_san_extension_that_cannot_be_parsed_matches_nothing() -> None:
    """x509-limbo rfc5280::san::malformed: the SAN holds ASCII bytes instead of DER."""
    limbo = json.loads(data("conformance/limbo-names.json").read_text())
    case = next(c for c in limbo["testcases"] if c["id"] == "rfc5280::san::malformed")
    (cert,) = certs.load(case["peer_certificate"].encode(), "limbo")
    assert cert.san is None
    assert cert.san_error is not None
    assert "subjectAltName" in cert.san_error
    assert "\n" not in cert.san_error
    (cn,) = cert.subject_cn
    verdict = identity.match(cn, cert, "http")
    assert not verdict.matched
    assert verdict.field is None
    assert not identity.match(case["expected_peer_name"]["value"], cert, "xmpp").matched


# --- bad input -----------------------------------------------------------------------------------


def _bad_bytes() -> dict[str, tuple[Callable[[], bytes], str]]:
    """Bad file content -> what the one-line message says."""

    def truncated() -> bytes:
        return leaf().pem.encode().split(b"-----END")[0]

    def bad_base64() -> bytes:
        lines = leaf().pem.splitlines(keepends=True)
        lines[3] = "!!!!" + lines[3][4:]
        return "".join(lines).encode()

    def csr() -> bytes:
        request = x509.CertificateSigningRequestBuilder().subject_name(pki.name(LEAF_NAME))
        return request.sign(ec_key(), hashes.SHA256()).public_bytes(serialization.Encoding.PEM)

    def pkcs8_private_key() -> bytes:
        return leaf().key_pem.encode()

    def ec_private_key() -> bytes:
        return ec_key().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )

    return {
        "empty": (lambda: b"", "empty"),
        "whitespace": (lambda: b" \n\t\r\n  \n", "empty"),
        "truncated-pem": (truncated, "truncated PEM"),
        "pem-invalid-base64": (bad_base64, "cannot be parsed"),
        "pem-empty-block": (
            lambda: b"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
            "cannot be parsed",
        ),
        "pkcs8-private-key": (pkcs8_private_key, "private key"),
        "ec-private-key": (ec_private_key, "private key"),
        "csr": (csr, "signing request"),
        "public-key-only": (
            lambda: (
                ec_key()
                .public_key()
                .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            ),
            "no certificate in the PEM data (found PUBLIC KEY)",
        ),
        "pem-header-too-long": (lambda: b"-----BEGIN " + b"A" * 100 + b"-----\n", "malformed PEM header"),
        "pem-header-unterminated": (lambda: b"junk\n-----BEGIN CERTIFICATE\n", "malformed PEM header"),
        "random-5MiB": (lambda: random.Random(5).randbytes(5 * 2**20), "larger than 4 MiB"),
        "random-3MiB": (lambda: random.Random(3).randbytes(3 * 2**20), "neither a PEM nor a DER"),
        "text": (lambda: b"hello, this is not a certificate\n", "neither a PEM nor a DER"),
        "der-csr": (
            lambda: x509.load_pem_x509_csr(csr()).public_bytes(serialization.Encoding.DER),
            "neither",
        ),
        "der-with-trailing-garbage": (lambda: der(leaf()) + b"\x00junk", "neither a PEM nor a DER"),
        # 200,000 BEGIN lines without END: over the size limit, refused before any scanning
        "begin-lines-200000": (lambda: b"-----BEGIN CERTIFICATE-----\n" * 200_000, ""),
        # just under the limit: a scanner that re-searched for the END from every BEGIN would take minutes
        "begin-lines-140000": (lambda: b"-----BEGIN CERTIFICATE-----\n" * 140_000, "truncated PEM"),
        "unknown-blocks-90000": (
            lambda: b"-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n" * 90_000,
            "no certificate in the PEM data (found FOO)",
        ),
    }


BAD_BYTES = list(_bad_bytes())
BAD_PATHS = {"directory": "is a directory", "missing": "no such file"}


def bad_path(case: str, tmp_path: Path) -> tuple[Path, str]:
    """A path to bad input, and what the message must say."""
    if case == "directory":
        return tmp_path, BAD_PATHS[case]
    if case == "missing":
        return tmp_path / "missing.pem", BAD_PATHS[case]
    data, says = _bad_bytes()[case]
    path = tmp_path / f"{case}.pem"
    path.write_bytes(data())
    return path, says


def assert_one_line_naming(exc: CertificateError, source: str, says: str) -> None:
    message = str(exc)
    assert message.startswith(f"{source}: "), message
    assert says in message
    assert "\n" not in message
    assert len(message) < 400


@pytest.mark.parametrize("case", BAD_BYTES + list(BAD_PATHS))
def test_bad_files_raise_one_line_naming_the_file(case: str, tmp_path: Path) -> None:
    path, says = bad_path(case, tmp_path)
    with pytest.raises(CertificateError) as caught:
        certs.read(path)
    assert_one_line_naming(caught.value, str(path), says)


@pytest.mark.parametrize("case", BAD_BYTES)
def test_bad_bytes_raise_one_line_naming_the_source(case: str) -> None:
    data, says = _bad_bytes()[case]
    with pytest.raises(CertificateError) as caught:
        certs.load(data(), "upload #3")
    assert_one_line_naming(caught.value, "upload #3", says)


def test_a_huge_file_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    path = tmp_path / "huge.bin"
    with path.open("wb") as handle:
        handle.truncate(64 * 2**20)  # 64 MiB (sparse): sixteen times the limit
    with pytest.raises(CertificateError, match="larger than 4 MiB"):
        certs.read(path)


def test_a_der_certificate_containing_pem_marker_text_is_still_der() -> None:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "-----BEGIN CERTIFICATE-----"),
            x509.NameAttribute(NameOID.COMMON_NAME, "odd.example.com"),
        ]
    )
    issued = pki.server(None, subject=name, key=ec_key(), not_before=START)
    (cert,) = certs.load(der(issued), "odd.der")
    assert cert.subject_cn == ("odd.example.com",)


# --- confcheck cert --------------------------------------------------------------------------------


def assert_one_error_line(result: Run, *mentions: str) -> None:
    assert result.code == 2
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("confcheck: error:")
    assert "Traceback" not in result.err
    assert "internal error" not in result.err
    for mention in mentions:
        assert mention in lines[0]


@pytest.mark.parametrize("case", BAD_BYTES + list(BAD_PATHS))
def test_cli_bad_input_exits_two_with_one_line(
    case: str, tmp_path: Path, confcheck: Callable[..., Run]
) -> None:
    path, says = bad_path(case, tmp_path)
    result = confcheck("cert", str(path))
    assert_one_error_line(result, str(path), says)
    assert result.out == ""
    result = confcheck("cert", str(path), "--name", LEAF_NAME, "--format", "json")
    assert_one_error_line(result, str(path), says)
    (entry,) = json.loads(result.out)
    assert entry["source"] == str(path)
    assert "certificate" not in entry
    assert says in json.dumps(entry["error"], ensure_ascii=False)  # the same message, as data


CERT_KEYS = {
    "subject",
    "subject_cn",
    "issuer",
    "self_signed",
    "not_before",
    "not_after",
    "sha256",
    "key",
    "san",
}


def assert_cert_shape(obj: dict[str, Any], expected: Certificate) -> None:
    assert set(obj) >= CERT_KEYS
    assert obj["subject"] == expected.subject
    assert obj["subject_cn"] == list(expected.subject_cn)
    assert obj["issuer"] == expected.issuer
    assert obj["self_signed"] is expected.self_signed
    assert obj["sha256"] == expected.sha256
    assert obj["key"] == {"type": expected.key.type, "bits": expected.key.bits}
    assert datetime.fromisoformat(obj["not_before"].replace("Z", "+00:00")) == expected.not_before
    assert datetime.fromisoformat(obj["not_after"].replace("Z", "+00:00")) == expected.not_after
    assert {"dns", "ip", "xmpp_addr", "srv_name"} <= set(obj["san"])
    san = expected.san
    assert obj["san"]["dns"] == (list(san.dns) if san else [])
    assert obj["san"]["ip"] == (list(san.ip) if san else [])
    assert obj["san"]["xmpp_addr"] == (list(san.xmpp_addr) if san else [])
    assert obj["san"]["srv_name"] == (list(san.srv_name) if san else [])


@pytest.fixture
def chain_file(tmp_path: Path) -> Path:
    path = tmp_path / "chain.pem"
    path.write_bytes(pem_chain())
    return path


@pytest.fixture
def cn_only_file(tmp_path: Path) -> Path:
    path = tmp_path / "legacy.der"
    path.write_bytes(der(cn_only()))
    return path


def test_cli_json_contract_with_a_name(chain_file: Path, confcheck: Callable[..., Run]) -> None:
    result = confcheck("cert", str(chain_file), "--name", DOMAIN, "--profile", "xmpp", "--format", "json")
    assert (result.code, result.err) == (0, "")
    (entry,) = json.loads(result.out)
    assert entry["source"] == str(chain_file)
    expected = [parsed(i) for i in (leaf(), intermediate(), root())]
    assert_cert_shape(entry["certificate"], expected[0])
    assert len(entry["chain"]) == 3
    for obj, cert in zip(entry["chain"], expected, strict=True):
        assert_cert_shape(obj, cert)
    match = entry["match"]
    assert {"name", "profile", "matched", "field", "identity", "wildcard"} <= set(match)
    assert match["name"] == DOMAIN
    assert match["profile"] == "xmpp"
    assert match["matched"] is True
    assert (match["field"], match["identity"], match["wildcard"]) == ("xmppAddr", DOMAIN, False)


def test_cli_json_wildcard_and_mismatch(chain_file: Path, confcheck: Callable[..., Run]) -> None:
    result = confcheck("cert", str(chain_file), "--name", "a.cucm.example.com", "--format", "json")
    assert result.code == 0
    match = json.loads(result.out)[0]["match"]
    assert (match["matched"], match["field"], match["identity"], match["wildcard"]) == (
        True,
        "dNSName",
        "*.cucm.example.com",
        True,
    )
    result = confcheck("cert", str(chain_file), "--name", "10.0.0.11", "--format", "json")
    assert result.code == 1
    match = json.loads(result.out)[0]["match"]
    assert (match["matched"], match["field"], match["identity"]) == (False, None, None)


def test_cli_json_without_a_name_has_no_match(
    chain_file: Path, cn_only_file: Path, confcheck: Callable[..., Run]
) -> None:
    result = confcheck("cert", str(chain_file), str(cn_only_file), "--format", "json")
    assert (result.code, result.err) == (0, "")
    entries = json.loads(result.out)
    assert isinstance(entries, list)
    assert [e["source"] for e in entries] == [str(chain_file), str(cn_only_file)]
    assert all("match" not in e for e in entries)
    assert_cert_shape(entries[1]["certificate"], parsed(cn_only()))
    assert entries[1]["certificate"]["self_signed"] is True
    assert len(entries[1]["chain"]) == 1


def test_cli_exit_codes(
    chain_file: Path, cn_only_file: Path, tmp_path: Path, confcheck: Callable[..., Run]
) -> None:
    assert confcheck("cert", str(chain_file), "--name", LEAF_NAME).code == 0
    assert confcheck("cert", str(chain_file), "--name", "cucm2.example.com").code == 1
    # one matches, one does not: 1
    assert confcheck("cert", str(chain_file), str(cn_only_file), "--name", LEAF_NAME).code == 1
    # one unreadable: 2, and the others are still reported
    missing = tmp_path / "missing.pem"
    result = confcheck(
        "cert", str(chain_file), str(missing), str(cn_only_file), "--name", LEAF_NAME, "--format", "json"
    )
    assert_one_error_line(result, str(missing))
    entries = json.loads(result.out)
    assert [e["source"] for e in entries] == [str(chain_file), str(missing), str(cn_only_file)]
    assert entries[0]["match"]["matched"] is True
    assert entries[2]["match"]["matched"] is False
    assert "certificate" not in entries[1]
    result = confcheck("cert", str(missing), str(chain_file), "--name", LEAF_NAME)
    assert result.code == 2
    assert str(chain_file) in result.out


def test_cli_text_output(chain_file: Path, cn_only_file: Path, confcheck: Callable[..., Run]) -> None:
    result = confcheck("cert", str(chain_file), "--name", LEAF_NAME)
    assert (result.code, result.err) == (0, "")
    out = result.out
    assert f"CN={LEAF_NAME},OU=lab,O=confcheck" in out
    for value in (LEAF_NAME, "10.0.0.11", "2001:db8::11", LONG_XMPP, f"_xmpp-client.{DOMAIN}"):
        assert value in out
    assert "MATCH" in out
    assert "NO MATCH" not in out
    assert "3 certificates" in out

    result = confcheck("cert", str(cn_only_file), "--name", LEAF_NAME)
    assert result.code == 1
    assert "CN=legacy.example.com" in result.out
    assert "NO MATCH" in result.out
    assert "fall back to the Subject CN" in result.out  # no SAN: says so

    result = confcheck("cert", str(chain_file))
    assert result.code == 0
    assert "MATCH" not in result.out


def test_a_file_name_with_a_newline_still_gives_one_error_line(
    tmp_path: Path, confcheck: Callable[..., Run]
) -> None:
    result = confcheck("cert", str(tmp_path / "no\nsuch.pem"))
    assert result.code == 2
    assert result.err.count("\n") == 1
    assert "no\\nsuch.pem: no such file" in result.err
