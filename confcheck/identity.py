"""The identity contract: does a name, exactly as an admin configured it, identify a certificate?

This is the question Jabber asks before it prompts. The rules (see DESIGN.md, "The identity contract"):

* ``http`` (Tomcat): SAN dNSName; the Subject CN only when the certificate has no dNSName at all.
* ``xmpp`` (cup-xmpp): SAN xmppAddr (a bare domain), SAN SRVName ``_xmpp-client.<domain>``, SAN
  dNSName; the Subject CN only when none of those three is present.
* Case-insensitive, compared as IDNA A-labels; one trailing dot on the configured name is ignored;
  control characters never match.
* Wildcards only in dNSName or CN, only as the whole left-most label, covering exactly one label,
  never the bare parent, never over fewer than two labels (``*.com``).
* An IP address as configured matches only an identical (eligible) CN, never an FQDN or an
  iPAddress SAN: the guide lists no iPAddress field, and DNS is not consulted.
* A subjectAltName that cannot be parsed matches nothing: it never falls back to the CN.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from typing import Literal

from confcheck import records
from confcheck.certs import Certificate

Profile = Literal["http", "xmpp"]
Field = Literal["dNSName", "xmppAddr", "SRVName", "CN"]
NameKind = Literal["fqdn", "short", "ip", "invalid"]

PROFILES: tuple[Profile, ...] = ("http", "xmpp")
XMPP_CLIENT_SRV = "_xmpp-client."

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_cache = functools.lru_cache(maxsize=1 << 16)
"""The same few names recur across thousands of references: normalize each once."""
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")
"""Four decimal octets up to 255 without leading zeros: the IPv4 literals ipaddress reads."""
_ASCII_NAME = re.compile(rf"{_LABEL.pattern}(?:\.{_LABEL.pattern})*")
"""Labels that each match :data:`_LABEL`, joined by dots."""


@records.record
class IdentityMatch:
    """The verdict for one configured name against one certificate, with the field that decided it."""

    name: str
    profile: Profile
    matched: bool
    field: Field | None
    identity: str | None
    wildcard: bool
    reason: str
    """One sentence a consultant can paste into a report: what matched, or why nothing did."""


def match(name: str, cert: Certificate, profile: Profile) -> IdentityMatch:
    """Match a configured name against ``cert`` under ``profile``."""

    if cert.san_error is not None:
        return IdentityMatch(
            name, profile, False, None, None, False, f"{cert.san_error}; it identifies nothing"
        )
    kind = name_kind(name)
    if kind == "invalid":
        reason = f"{_show(name)} is not a valid host name or IP address"
        return IdentityMatch(name, profile, False, None, None, False, reason)
    reference = canonical_ip(name) if kind == "ip" else normalize(name)
    assert reference is not None  # name_kind() said it is valid
    candidates = identities(cert, profile)
    for field, identity in candidates:
        if _exact(reference, kind, field, identity):
            return IdentityMatch(name, profile, True, field, identity, False, f"{field} {identity} matches")
    if kind != "ip":
        for field, identity in candidates:
            if field in ("dNSName", "CN") and _wildcard(reference, field, identity):
                reason = f"{field} {identity} matches through a wildcard"
                return IdentityMatch(name, profile, True, field, identity, True, reason)
    reason = _mismatch_reason(name, reference, kind, cert, candidates, profile)
    return IdentityMatch(name, profile, False, None, None, False, reason)


def identities(cert: Certificate, profile: Profile) -> tuple[tuple[Field, str], ...]:
    """The (field, value) pairs a client looks at for ``profile``, in the order it looks at them."""
    if cert.san_error is not None:
        return ()
    san = cert.san
    found: list[tuple[Field, str]] = []
    if profile == "xmpp" and san is not None:
        found += [("xmppAddr", v) for v in san.xmpp_addr]
        found += [("SRVName", v) for v in san.srv_name]
    if san is not None:
        found += [("dNSName", v) for v in san.dns]
    if not found:
        found += [("CN", v) for v in cert.subject_cn]
    return tuple(found)


@_cache
def name_kind(name: str) -> NameKind:
    """Classify a configured name: an FQDN, a short (single-label) host name, an IP address, or invalid."""
    if canonical_ip(name) is not None:
        return "ip"
    normalized = normalize(name)
    if normalized is None:
        return "invalid"
    return "fqdn" if "." in normalized else "short"


@_cache
def normalize(name: str) -> str | None:
    """The comparable form of a configured host name (A-labels, lower case, no trailing dot), or None."""
    if name.endswith(".") and not name.endswith(".."):
        name = name[:-1]
    normalized = _alabels_of(name)  # remembered by normalize itself
    if normalized is None or normalized.rsplit(".", 1)[-1].isdigit():
        return None  # an all-numeric top label is an IP-like string, not a host name (e.g. "127.1")
    return normalized


def is_ip(name: str) -> bool:
    """True for an IPv4 or IPv6 literal, an IPv6 one optionally in brackets."""
    return canonical_ip(name) is not None


@_cache
def canonical_ip(text: str) -> str | None:
    """The canonical text of an IPv4 or IPv6 literal (an IPv6 one may be bracketed), else None."""
    if ":" not in text:
        # most names: not IPv6 (no colon) nor IPv4 (digits and dots only), refused without an exception;
        # an IPv4 literal as ipaddress reads it, which writes it back the same
        return text if _IPV4.fullmatch(text) else None
    if _CONTROL.search(text):
        return None
    bracketed = text.startswith("[") and text.endswith("]")
    try:
        address = ipaddress.ip_address(text[1:-1] if bracketed else text)
    except ValueError:
        return None
    return None if bracketed and address.version != 6 else str(address)


def preferred_fqdn(cert: Certificate, profile: Profile = "http", hint: str | None = None) -> str | None:
    """The FQDN a setting should carry to match ``cert``: a non-wildcard identity, ``hint``'s host first.

    ``hint`` is a short host name (``cucm1``) or FQDN known for the node; an identity whose first
    label equals its first label is preferred, so a SAN certificate listing several nodes still
    yields this node's name.
    """
    names = [_presented_name(field, value) for field, value in identities(cert, profile)]
    fqdns = [n for n in names if n is not None and not n.startswith("*") and name_kind(n) == "fqdn"]
    if hint:
        first = hint.split(".", 1)[0].lower()
        for fqdn in fqdns:
            if fqdn.split(".", 1)[0] == first:
                return fqdn
    return fqdns[0] if fqdns else None


def _xmpp_domain(field: Field, value: str) -> str | None:
    if field == "xmppAddr":
        return None if "@" in value or "/" in value else value
    if field == "SRVName":
        return value[len(XMPP_CLIENT_SRV) :] if value.lower().startswith(XMPP_CLIENT_SRV) else None
    return None


def _presented_name(field: Field, value: str) -> str | None:
    """The host name an identity stands for, comparable with :func:`normalize`; None if it names none.

    xmppAddr and SRVName stand for their XMPP domain; a dNSName is an IA5String of A-labels (RFC
    5280), so one holding U-labels is malformed and names nothing.
    """
    if field in ("xmppAddr", "SRVName"):
        domain = _xmpp_domain(field, value)
        return None if domain is None else _alabels(domain)
    if field == "dNSName" and not value.isascii():
        return None
    if value.startswith("*."):
        parent = _alabels(value[2:])
        return None if parent is None else f"*.{parent}"
    return _alabels(value)


def _exact(reference: str, kind: NameKind, field: Field, identity: str) -> bool:
    if kind == "ip":
        return field == "CN" and canonical_ip(identity) == reference
    return _presented_name(field, identity) == reference


def _wildcard(reference: str, field: Field, identity: str) -> bool:
    presented = _presented_name(field, identity)
    if presented is None or not presented.startswith("*."):
        return False
    parent = presented[2:]
    if parent is None or "." not in parent:
        return False  # never over a single-label suffix such as *.com
    first, _, rest = reference.partition(".")
    return bool(first) and rest == parent


def _alabels_of(name: str) -> str | None:
    """Lower-case A-label form of a dotted name; None if any label is empty or not a host label."""
    if name.isascii():  # the usual name: every label checked by one match (no control character passes it)
        lowered = name.lower()
        return lowered if len(lowered) <= 253 and _ASCII_NAME.fullmatch(lowered) else None
    if _CONTROL.search(name):
        return None
    import idna  # only for a name that is not ASCII: the usual ones never need it

    labels = []
    for raw in name.split("."):
        try:
            label = (raw if raw.isascii() else idna.encode(raw, uts46=True).decode("ascii")).lower()
        except (UnicodeError, idna.IDNAError):
            return None
        if not _LABEL.fullmatch(label):
            return None
        labels.append(label)
    joined = ".".join(labels)
    return joined if len(joined) <= 253 else None


_alabels = _cache(_alabels_of)
""":func:`_alabels_of`, remembered: the names certificates present recur in every reference to them."""


def _mismatch_reason(
    name: str,
    reference: str,
    kind: NameKind,
    cert: Certificate,
    candidates: tuple[tuple[Field, str], ...],
    profile: Profile,
) -> str:
    if not candidates:
        return f"the certificate carries no identity a client checks for the {profile} profile"
    shown = ", ".join(f"{value} ({field})" for field, value in candidates[:6])
    more = f" and {len(candidates) - 6} more" if len(candidates) > 6 else ""
    reason = f"the certificate names {shown}{more}, not {_show(name)}"
    unused_cn = not any(field == "CN" for field, _ in candidates)
    if kind == "ip" and unused_cn and any(canonical_ip(cn) == reference for cn in cert.subject_cn):
        reason += "; the CN holds the address but is not used, because the certificate has SAN identities"
    if any(field == "dNSName" and not value.isascii() for field, value in candidates):
        reason += "; a dNSName holding non-ASCII (U-label) text is malformed and names nothing"
    return reason


def _show(name: str) -> str:
    return repr(name) if _CONTROL.search(name) or not name.strip() else name
