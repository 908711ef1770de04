"""Make real X.509 certificates: a private CA, intermediates, and server certificates of every shape.

The lab, the demo snapshot, the tests and the benchmarks all need certificates a Cisco server might
present: CA-signed or self-signed, SAN or CN-only, wildcards, xmppAddr and SRVName identities,
expired ones, the extended key usages of Cisco's requests or fewer, and multi-server (SAN)
certificates. EC P-256 keys keep generation fast (and make the ``-ECDSA`` twins); RSA is there for
the RSA certificates of current releases and for key-size checks.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from confcheck import records
from confcheck.certs import SRV_NAME_OID, XMPP_ADDR_OID

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

SERVER_EKU = ("serverAuth", "clientAuth")
"""What Cisco's Tomcat, cup-xmpp and CallManager certificates carry: TLS Web Server and TLS Web Client
Authentication (Preferred Architecture 12.x, Security chapter, Table 7-10)."""
_EKU_OIDS = {
    "serverAuth": ExtendedKeyUsageOID.SERVER_AUTH,
    "clientAuth": ExtendedKeyUsageOID.CLIENT_AUTH,
    "ipsecEndSystem": x509.ObjectIdentifier("1.3.6.1.5.5.7.3.5"),
}


@records.record
class Issued:
    """A certificate with its private key."""

    cert: x509.Certificate
    key: PrivateKey

    @property
    def pem(self) -> str:
        """The certificate as PEM."""
        return self.cert.public_bytes(serialization.Encoding.PEM).decode("ascii")

    @property
    def key_pem(self) -> str:
        """The private key as unencrypted PKCS#8 PEM (for loopback test servers only)."""
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode("ascii")


def new_key(kind: str = "ec", bits: int = 2048) -> PrivateKey:
    """A fresh private key: ``ec`` (P-256) or ``rsa`` of ``bits``."""
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return ec.generate_private_key(ec.SECP256R1())


def name(cn: str | None = None, **attributes: str) -> x509.Name:
    """A subject or issuer name; keyword attributes are O, OU, L, ST, C."""
    oids = {
        "O": NameOID.ORGANIZATION_NAME,
        "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
        "L": NameOID.LOCALITY_NAME,
    }
    oids |= {"ST": NameOID.STATE_OR_PROVINCE_NAME, "C": NameOID.COUNTRY_NAME}
    parts = [x509.NameAttribute(oids[key], value) for key, value in attributes.items()]
    if cn is not None:
        parts.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(parts)


def ca(
    cn: str = "confcheck Test Root CA",
    issuer: Issued | None = None,
    key: PrivateKey | None = None,
    not_before: datetime | None = None,
    days: int = 3650,
) -> Issued:
    """A root CA (``issuer`` None) or an intermediate CA signed by ``issuer``."""
    key = key or new_key()
    start = not_before or datetime.now(timezone.utc) - timedelta(days=1)
    subject = name(cn, O="confcheck")
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    signer = issuer.key if issuer else key
    return Issued(builder.sign(signer, hashes.SHA256()), key)


def server(
    cn: str | None,
    dns: Iterable[str] = (),
    ips: Iterable[str] = (),
    xmpp_addr: Iterable[str] = (),
    srv_name: Iterable[str] = (),
    issuer: Issued | None = None,
    key: PrivateKey | None = None,
    not_before: datetime | None = None,
    days: int = 730,
    subject: x509.Name | None = None,
    eku: Iterable[str] | None = SERVER_EKU,
) -> Issued:
    """A server certificate; self-signed when ``issuer`` is None. No SAN extension when all SANs are empty.

    ``eku``: the extendedKeyUsage purposes (``serverAuth``, ``clientAuth``, ``ipsecEndSystem``); None
    for a certificate without the extension.
    """
    key = key or new_key()
    start = not_before or datetime.now(timezone.utc) - timedelta(days=1)
    subject = subject or name(cn, O="confcheck", OU="lab")
    san = _san(dns, ips, xmpp_addr, srv_name)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    )
    if eku is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([_EKU_OIDS[e] for e in eku]), critical=False)
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=not subject)
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False
        )
    return Issued(builder.sign(issuer.key if issuer else key, hashes.SHA256()), key)


def multi_server_cn(publisher: str) -> str:
    """The CN Cisco gives a multi-server (SAN) certificate requested on ``publisher`` (an FQDN): ``-ms``
    after its host part, ``cucm1.example.com`` -> ``cucm1-ms.example.com`` (PA 12.x, Security chapter)."""
    host, _, domain = publisher.partition(".")
    return f"{host}-ms.{domain}" if domain else f"{host}-ms"


def multi_server(
    publisher: str, nodes: Iterable[str], issuer: Issued | None = None, **options: Any
) -> Issued:
    """A multi-server (SAN) certificate as a Cisco publisher requests it: CN ``<publisher host>-ms.<domain>``,
    SAN dNSNames the CN, each of ``nodes`` and the parent domain. ``options`` go to :func:`server`."""
    cn = multi_server_cn(publisher)
    domain = publisher.partition(".")[2]
    dns = list(dict.fromkeys([cn, *nodes, *([domain] if domain else [])]))
    return server(cn, dns=dns, issuer=issuer, **options)


def _san(
    dns: Iterable[str], ips: Iterable[str], xmpp_addr: Iterable[str], srv_name: Iterable[str]
) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = [x509.DNSName(d) for d in dns]
    names += [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    names += [x509.OtherName(XMPP_ADDR_OID, _der(0x0C, a.encode("utf-8"))) for a in xmpp_addr]
    names += [x509.OtherName(SRV_NAME_OID, _der(0x16, s.encode("ascii"))) for s in srv_name]
    return names


def _der(tag: int, body: bytes) -> bytes:
    """A DER TLV: the inner value of an otherName (cryptography adds the [0] wrapper)."""
    size = len(body)
    if size < 0x80:
        return bytes([tag, size]) + body
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + body
