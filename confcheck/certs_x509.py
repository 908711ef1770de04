"""Reading X.509 certificates with cryptography into :class:`~confcheck.certs.Certificate`.

Apart from :mod:`confcheck.certs` (the plain values everything else uses) so that only the commands
that read certificates import cryptography, and ``confcheck cert`` imports it while its first
handshakes are on the wire. Everything the rules need is read once, here, into plain values; the PEM
is kept so a snapshot can always be re-parsed. A subjectAltName extension that cannot be parsed is
recorded as ``san_error`` and never silently replaced by the Subject CN.
"""

from __future__ import annotations

import hashlib
import warnings
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.oid import ExtensionOID, NameOID, ObjectIdentifier

from confcheck import certs_der
from confcheck.certs import (
    IA5_STRING,
    MAX_INPUT_BYTES,
    SRV_NAME,
    UTF8_STRING,
    XMPP_ADDR,
    Certificate,
    CertificateError,
    KeyInfo,
    SubjectAltNames,
    der_string,
)
from confcheck.certs_der import purpose_names

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.serialization import Encoding

XMPP_ADDR_OID = ObjectIdentifier(XMPP_ADDR)
"""id-on-xmppAddr (RFC 6120): a UTF8String JID."""
SRV_NAME_OID = ObjectIdentifier(SRV_NAME)
"""id-on-dnsSRV (RFC 4985): an IA5String such as ``_xmpp-client.example.com``."""


def parse(cert: x509.Certificate, pem: str | None = None, der: bytes | None = None) -> Certificate:
    """Read everything confcheck uses from a cryptography certificate (``pem``: its PEM, ``der``: its
    DER encoding, if at hand; either saves encoding it again).

    A snapshot of thousands of clusters holds tens of thousands of certificates, so this is written for
    speed: the names, the key and the extensions read straight from the DER where
    :mod:`confcheck.certs_der` vouches for them (else with cryptography, the issuer's name once per
    distinct issuer: :func:`_issuer`, the extensions in one pass), the fingerprint hashed from the DER.
    """
    if der is None:
        der = cert.public_bytes(_encodings().DER)
    fields = certs_der.read(der)
    if fields is not None:
        subject_text, common_names, attributes = (
            fields.subject.text,
            fields.subject.common_names,
            fields.subject.attributes,
        )
        issuer, issuer_label = fields.issuer.text, fields.issuer.label
        key = fields.key or _key_info(cert)
    else:
        subject = cert.subject
        common_names, attributes = _subject_values(subject)
        subject_text = _name(subject)
        issuer, issuer_label = _issuer(cert)
        key = _key_info(cert)
    read = fields.extensions if fields is not None else None
    if read is not None:
        san, san_error, is_ca = read.san, read.san_error, read.is_ca
        purposes = read.extended_key_usage
    else:
        san, san_error, is_ca, purposes = _extension_values(cert)
    return Certificate(
        subject=subject_text,
        subject_cn=common_names,
        issuer=issuer,
        serial=format(cert.serial_number, "x"),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        key=key,
        signature_algorithm=_signature_algorithm(cert.signature_algorithm_oid),
        sha256=hashlib.sha256(der).hexdigest(),
        # names compared as their RFC 4514 strings, which are at hand (comparing Name objects is not cheap)
        self_signed=issuer == subject_text and _signed_by_itself(cert, der),
        is_ca=is_ca,
        san=san,
        san_error=san_error,
        pem=pem or certs_der.pem(der),
        subject_attributes=attributes,
        issuer_label=issuer_label,
        extended_key_usage=purpose_names(purposes) if purposes is not None else None,
    )


def _extension_values(
    cert: x509.Certificate,
) -> tuple[SubjectAltNames | None, str | None, bool, tuple[str, ...] | None]:
    """(subjectAltName values, why they cannot be used, basicConstraints' cA, extendedKeyUsage purposes as
    dotted OIDs) from cryptography's objects, in one pass over the extensions."""
    try:
        extensions = cert.extensions
        extension_error = None
    except (ValueError, x509.DuplicateExtension, x509.UnsupportedGeneralNameType) as exc:
        extensions = x509.Extensions([])
        extension_error = str(exc)
    san_extension, eku, constraints = _wanted_extensions(extensions)
    san, san_error = _san_values(san_extension)
    if extension_error is not None:
        what = (
            "subjectAltName"
            if "subject_alt" in extension_error or "subjectAltName" in extension_error
            else "certificate extensions (which hold the subjectAltName)"
        )
        san_error = f"the {what} cannot be parsed: {extension_error}"
    return (
        san,
        san_error,
        constraints.ca if constraints is not None else False,
        tuple(oid.dotted_string for oid in eku) if eku is not None else None,
    )


_SIGNATURE_ALGORITHMS: dict[ObjectIdentifier, str] = {}
"""Names of the signature algorithms seen (a deployment uses two or three)."""


def _signature_algorithm(oid: ObjectIdentifier) -> str:
    """:func:`_oid_name`, remembered (looking a name up in cryptography's table costs a few microseconds)."""
    name = _SIGNATURE_ALGORITHMS.get(oid)
    if name is None:
        name = _oid_name(oid)
        if len(_SIGNATURE_ALGORITHMS) < 256:
            _SIGNATURE_ALGORITHMS[oid] = name
    return name


def _encodings() -> type[Encoding]:
    """cryptography's encodings, imported when a certificate must be encoded again (a certificate file's
    PEM block, a PEM not in canonical form): the serialization package costs every start some 10 ms, and
    the certificates confcheck reads most (snapshots, presented chains) come with their DER at hand."""
    from cryptography.hazmat.primitives.serialization import Encoding

    return Encoding


def from_pem(pem: str) -> Certificate:
    """Parse exactly one PEM certificate, as snapshots store them (the hot path of loading one)."""
    data = pem.encode("utf-8", "replace")
    der = certs_der.canonical_der(data)
    if der is not None:
        try:
            loaded = x509.load_der_x509_certificate(der)
        except ValueError:
            pass  # let load() explain what is wrong
        else:
            return parse(loaded, pem, der)
    if data.count(b"-----BEGIN ") == 1 and data.lstrip().startswith(b"-----BEGIN CERTIFICATE-----"):
        try:
            cert = x509.load_pem_x509_certificate(data)
        except ValueError:
            pass  # let load() explain what is wrong
        else:
            canonical = cert.public_bytes(_encodings().PEM)
            return parse(cert, pem if data == canonical else canonical.decode("ascii"))
    certs = load(data, "certificate")
    if len(certs) != 1:
        raise CertificateError(f"expected one certificate, found {len(certs)}")
    return certs[0]


def load(data: bytes, source: str) -> tuple[Certificate, ...]:
    """Parse PEM (one or more CERTIFICATE blocks, or PKCS7), DER, or DER PKCS#7 bytes."""
    if len(data) > MAX_INPUT_BYTES:
        raise CertificateError(
            f"{source}: larger than {MAX_INPUT_BYTES // 1024 // 1024} MiB; not a certificate"
        )
    if not data.strip():
        raise CertificateError(f"{source}: empty, no certificate in it")
    looks_der = data[:1] == b"\x30"  # a DER SEQUENCE: its fields may hold any text, "-----BEGIN " included
    if looks_der and data in _DER_READ:
        return _DER_READ[data]
    if looks_der or b"-----BEGIN " not in data:
        raw = _der_certificates(data, source)
        der = data if raw[0] is not None else None  # one DER certificate: its encoding is ``data``
        parsed = (parse(raw[0], der=der),) if raw[0] is not None else tuple(parse(c) for c in raw[1])
    else:
        parsed = tuple(parse(c) for c in _pem_certificates(data, source))
    if looks_der and len(data) <= _DER_KEPT_BYTES:
        if len(_DER_READ) >= _DER_KEPT:
            _DER_READ.clear()
        _DER_READ[data] = parsed
    return parsed


_DER_READ: dict[bytes, tuple[Certificate, ...]] = {}
"""DER certificates already read, by their bytes: every endpoint of a deployment presents the same few
CA certificates after its own, and collecting reads each chain as DER."""
_DER_KEPT = 1024
_DER_KEPT_BYTES = 64 * 1024


def _pem_certificates(data: bytes, source: str) -> list[x509.Certificate]:
    blocks = list(_pem_blocks(data, source))
    certs: list[x509.Certificate] = []
    for number, (label, block) in enumerate(blocks, start=1):
        try:
            if label in ("CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"):
                certs.append(x509.load_pem_x509_certificate(block))
            elif label == "PKCS7":
                certs.extend(_pkcs7(block, pem=True))
        except ValueError as exc:
            raise CertificateError(
                f"{source}: PEM block {number} ({label}) cannot be parsed: {_first_line(exc)}"
            ) from None
    if certs:
        return certs
    labels = {label for label, _ in blocks}
    if any("PRIVATE KEY" in label for label in labels):
        raise CertificateError(f"{source}: holds a private key, not a certificate")
    if any("CERTIFICATE REQUEST" in label for label in labels):
        raise CertificateError(f"{source}: is a certificate signing request (CSR), not a certificate")
    found = ", ".join(sorted(labels)) or "nothing"
    raise CertificateError(f"{source}: no certificate in the PEM data (found {found})")


def _pem_blocks(data: bytes, source: str) -> list[tuple[str, bytes]]:
    """Split PEM text into (label, block) pairs in one linear pass; a block without its END is an error."""
    blocks: list[tuple[str, bytes]] = []
    pos = 0
    while (start := data.find(b"-----BEGIN ", pos)) != -1:
        label_end = data.find(b"-----", start + 11)
        if label_end == -1 or label_end - start > 80:
            raise CertificateError(f"{source}: malformed PEM header")
        label = data[start + 11 : label_end]
        footer = b"-----END " + label + b"-----"
        end = data.find(footer, label_end)
        if end == -1:
            shown = label.decode("ascii", "replace")
            raise CertificateError(f"{source}: truncated PEM: '-----BEGIN {shown}-----' has no END line")
        blocks.append((label.decode("ascii", "replace"), data[start : end + len(footer)]))
        pos = end + len(footer)
    return blocks


def _der_certificates(data: bytes, source: str) -> tuple[x509.Certificate | None, list[x509.Certificate]]:
    """(the certificate ``data`` is, None) or (None, the certificates of the PKCS#7 bundle ``data`` is)."""
    try:
        return x509.load_der_x509_certificate(data), []  # the loader refuses trailing bytes
    except ValueError as exc:
        der_error = _first_line(exc)
    try:
        return None, _pkcs7(data, pem=False)
    except ValueError:
        pass
    raise CertificateError(f"{source}: neither a PEM nor a DER certificate ({der_error})")


def _pkcs7(data: bytes, pem: bool) -> list[x509.Certificate]:
    """A PKCS#7 bundle's certificates in chain order, leaf first.

    PKCS#7 holds a SET, which DER sorts by encoding, so the file order says nothing about the
    chain. Bundles OpenSSL writes in file order are BER, not DER: cryptography reads them with a
    warning that is not the user's business.
    """
    from cryptography.hazmat.primitives.serialization import pkcs7  # rare: import on demand

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        found = (pkcs7.load_pem_pkcs7_certificates if pem else pkcs7.load_der_pkcs7_certificates)(data)
    return chain_order(list(found))


def chain_order(certs: list[x509.Certificate]) -> list[x509.Certificate]:
    """Order an unordered set of certificates as a chain: the leaf, then its issuer, and so on.

    The leaf is the certificate that issued none of the others; certificates off the chain keep
    their order at the end. Names decide (issuer equals subject), which is how bundles are meant.
    """
    remaining = list(certs)
    issuers = {c.issuer for c in remaining if c.issuer != c.subject}
    leaves = [c for c in remaining if c.subject not in issuers] or remaining[:1]
    ordered = [leaves[0]]
    remaining.remove(leaves[0])
    while remaining:
        current = ordered[-1]
        parent = next(
            (c for c in remaining if c.subject == current.issuer and current.issuer != current.subject), None
        )
        if parent is None:
            break
        ordered.append(parent)
        remaining.remove(parent)
    return ordered + remaining


def _wanted_extensions(
    extensions: x509.Extensions,
) -> tuple[
    x509.Extension[x509.ExtensionType] | None, x509.ExtendedKeyUsage | None, x509.BasicConstraints | None
]:
    """The subjectAltName extension, the extendedKeyUsage and basicConstraints values (None when absent),
    found in one pass: the first of each, as ``get_extension_for_oid`` and ``get_extension_for_class`` do."""
    san: x509.Extension[x509.ExtensionType] | None = None
    eku: x509.ExtendedKeyUsage | None = None
    constraints: x509.BasicConstraints | None = None
    for extension in extensions:
        value = extension.value
        if san is None and extension.oid == ExtensionOID.SUBJECT_ALTERNATIVE_NAME:
            san = extension
        if eku is None and isinstance(value, x509.ExtendedKeyUsage):
            eku = value
        elif constraints is None and isinstance(value, x509.BasicConstraints):
            constraints = value
    return san, eku, constraints


def _san_values(ext: x509.Extension[x509.ExtensionType] | None) -> tuple[SubjectAltNames | None, str | None]:
    if ext is None:
        return None, None
    value = ext.value
    if not isinstance(value, x509.SubjectAlternativeName):  # UnrecognizedExtension
        return None, "the subjectAltName cannot be parsed"
    dns: list[str] = []
    ip: list[str] = []
    uri: list[str] = []
    email: list[str] = []
    others: list[x509.OtherName] = []
    for name in value:  # one pass, each kind in certificate order
        if isinstance(name, x509.DNSName):
            dns.append(name.value)
        elif isinstance(name, x509.IPAddress):
            ip.append(str(name.value))
        elif isinstance(name, x509.OtherName):
            others.append(name)
        elif isinstance(name, x509.UniformResourceIdentifier):
            uri.append(name.value)
        elif isinstance(name, x509.RFC822Name):
            email.append(name.value)
    xmpp_addr: list[str] = []
    srv_name: list[str] = []
    try:
        for other in others:
            if other.type_id == XMPP_ADDR_OID:
                xmpp_addr.append(der_string(other.value, UTF8_STRING, "xmppAddr"))
            elif other.type_id == SRV_NAME_OID:
                srv_name.append(der_string(other.value, IA5_STRING, "SRVName"))
    except ValueError as exc:
        return None, f"the subjectAltName cannot be parsed: {exc}"
    return (
        SubjectAltNames(
            dns=tuple(dns),
            ip=tuple(ip),
            xmpp_addr=tuple(xmpp_addr),
            srv_name=tuple(srv_name),
            uri=tuple(uri),
            email=tuple(email),
        ),
        None,
    )


def _subject_values(subject: x509.Name) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """The subject's common names and its (short name, value) attributes, in one pass over it."""
    common_names: list[str] = []
    attributes: list[tuple[str, str]] = []
    for attribute in subject:
        value = attribute_value(attribute.value)
        if attribute.oid == NameOID.COMMON_NAME:
            common_names.append(value)
        attributes.append((attribute.rfc4514_attribute_name, value))
    return tuple(common_names), tuple(attributes)


_ISSUERS: dict[bytes, tuple[str, str]] = {}
"""Issuer names already read, by their DER encoding: (RFC 4514 string, label). A deployment's
certificates come from a handful of issuers, and reading a name is most of the cost of parsing."""
_ISSUERS_KEPT = 4096


def _issuer(cert: x509.Certificate) -> tuple[str, str]:
    """The issuer's RFC 4514 string and its label, read once per distinct issuer."""
    key = _issuer_der(cert.tbs_certificate_bytes)
    found = _ISSUERS.get(key) if key is not None else None
    if found is None:
        name = cert.issuer
        found = (_name(name), label(name))
        if key is not None:
            if len(_ISSUERS) >= _ISSUERS_KEPT:
                _ISSUERS.clear()
            _ISSUERS[key] = found
    return found


def _issuer_der(tbs: bytes) -> bytes | None:
    """The issuer Name's DER in a TBSCertificate (RFC 5280 4.1): after the optional version, the serial
    number and the signature algorithm. None when the bytes are not laid out so (cryptography has read
    them already; this only finds where the name is, to recognise an issuer seen before)."""
    outer = _header(tbs, 0)
    if outer is None or tbs[0] != 0x30:
        return None
    offset = outer[0]
    if offset < len(tbs) and tbs[offset] == 0xA0:  # [0] version
        version = _header(tbs, offset)
        if version is None:
            return None
        offset = version[1]
    for tag in (0x02, 0x30):  # the serial number, the signature algorithm
        element = _header(tbs, offset) if offset < len(tbs) and tbs[offset] == tag else None
        if element is None:
            return None
        offset = element[1]
    issuer = _header(tbs, offset) if offset < len(tbs) and tbs[offset] == 0x30 else None
    return tbs[offset : issuer[1]] if issuer is not None else None


def _header(der: bytes, offset: int) -> tuple[int, int] | None:
    """(start of the content, end of the element) of the DER element at ``offset``, or None."""
    if offset + 2 > len(der):
        return None
    length = der[offset + 1]
    start = offset + 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or start + count > len(der):
            return None
        length = int.from_bytes(der[start : start + count], "big")
        start += count
    end = start + length
    return (start, end) if end <= len(der) else None


_SHA1_SIGNATURES = ("1.2.840.113549.1.1.5", "1.2.840.10045.4.1", "1.2.840.10040.4.3")
"""sha1WithRSAEncryption, ecdsa-with-SHA1 and dsa-with-sha1, which ``verify_directly_issued_by`` no longer
verifies."""


def _signed_by_itself(cert: x509.Certificate, der: bytes | None = None) -> bool:
    """The signature verifies with the certificate's own key (its names are known to match), as
    ``verify_directly_issued_by`` has it (``der``: the certificate's DER, if at hand).

    cryptography refuses to verify a SHA-1 signature ("Unsupported signature algorithm"), yet a
    certificate signed with SHA-1 by its own key, as older servers still present, is self-signed all the
    same: :func:`sha1_signed_by` makes the same checks with cryptography's primitives."""
    if sha1_signed(cert):
        try:
            key = cert.public_key()
        except (ValueError, UnsupportedAlgorithm):
            return False
        return sha1_signed_by(cert, key, der)
    try:
        cert.verify_directly_issued_by(cert)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def sha1_signed(cert: x509.Certificate) -> bool:
    """Whether the certificate is signed with SHA-1, which ``verify_directly_issued_by`` does not verify."""
    return cert.signature_algorithm_oid.dotted_string in _SHA1_SIGNATURES


def sha1_signed_by(cert: x509.Certificate, key: Any, der: bytes | None = None) -> bool:
    """What ``verify_directly_issued_by`` checks, for a SHA-1 signature by ``key`` (the issuer's public
    key): the signature algorithm the same inside the TBSCertificate and out, the key's kind that of the
    algorithm, and the signature verifying with the key (PKCS#1 v1.5, ECDSA or DSA, with SHA-1), by
    cryptography's primitives, which still verify SHA-1."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    if not certs_der.signature_algorithms_agree(der or cert.public_bytes(_encodings().DER)):
        return False  # cryptography: "Inner and outer signature algorithms do not match"
    algorithm, signature, tbs = (
        cert.signature_algorithm_oid.dotted_string,
        cert.signature,
        cert.tbs_certificate_bytes,
    )
    try:
        if algorithm == _SHA1_SIGNATURES[0] and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, tbs, padding.PKCS1v15(), hashes.SHA1())
        elif algorithm == _SHA1_SIGNATURES[1] and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, tbs, ec.ECDSA(hashes.SHA1()))
        elif algorithm == _SHA1_SIGNATURES[2] and isinstance(key, dsa.DSAPublicKey):
            key.verify(signature, tbs, hashes.SHA1())
        else:
            return False  # cryptography: "Signature algorithm does not match issuer key type"
    except (InvalidSignature, ValueError, UnsupportedAlgorithm):
        return False
    return True


def is_self_signed(cert: x509.Certificate) -> bool:
    """Issuer equals subject and the signature verifies with the certificate's own key."""
    return cert.issuer == cert.subject and _signed_by_itself(cert)


def _key_info(cert: x509.Certificate) -> KeyInfo:
    try:
        key = cert.public_key()
    except (ValueError, UnsupportedAlgorithm):
        return KeyInfo("unknown", None)
    if isinstance(key, rsa.RSAPublicKey):
        return KeyInfo("RSA", key.key_size)
    if isinstance(key, ec.EllipticCurvePublicKey):
        return KeyInfo("EC", key.key_size)
    if isinstance(key, ed25519.Ed25519PublicKey):
        return KeyInfo("Ed25519", 256)
    if isinstance(key, ed448.Ed448PublicKey):
        return KeyInfo("Ed448", 456)
    if isinstance(key, dsa.DSAPublicKey):
        return KeyInfo("DSA", key.key_size)
    return KeyInfo(type(key).__name__, None)


def _name(name: x509.Name) -> str:
    try:
        return name.rfc4514_string()
    except ValueError:
        return "<unreadable name>"


def label(name: x509.Name) -> str:
    """A certificate name as people say it: its CN, else the whole name."""
    try:
        cns = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    except ValueError:
        return "<unreadable name>"
    value = attribute_value(cns[0].value) if cns else None
    return value or _name(name) or "(empty name)"


def attribute_value(value: str | bytes) -> str:
    """A name attribute's value as text, as ``Certificate.subject_attributes`` holds it."""
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def _oid_name(oid: ObjectIdentifier) -> str:
    name = oid._name
    return oid.dotted_string if name == "Unknown OID" else name


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
