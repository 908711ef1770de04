"""The identity contract (DESIGN.md, "The identity contract"), one behaviour per case.

Every certificate here is a real one, issued by the test CA through ``confcheck.pki`` and parsed by
``confcheck.certs``, exactly as a server would present it. A case says what the certificate holds,
the name an admin configured, the profile, and the verdict: which field and identity matched (and
whether through a wildcard), or nothing.
"""

from __future__ import annotations

import dataclasses
import functools

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from helpers import cert, root_ca

from confcheck import certs, identity, pki
from confcheck.certs import Certificate
from confcheck.identity import Field, IdentityMatch, NameKind, Profile


@dataclasses.dataclass(frozen=True)
class Holds:
    """What a test certificate holds: its Subject CN and its SAN entries, in certificate order."""

    cn: str | None = None
    dns: tuple[str, ...] = ()
    ips: tuple[str, ...] = ()
    xmpp_addr: tuple[str, ...] = ()
    srv_name: tuple[str, ...] = ()


@functools.cache
def issued(holds: Holds) -> Certificate:
    """The real certificate holding ``holds``, made once per module (keys are the slow part)."""
    return cert(holds.cn, dns=holds.dns, ips=holds.ips, xmpp_addr=holds.xmpp_addr, srv_name=holds.srv_name)


@functools.cache
def ulabel_dnsname_cert() -> Certificate:
    """A certificate whose only dNSName holds U-labels (``bücher.example.com``) and whose CN is that name.

    cryptography refuses to issue one, so the DER of a certificate issued for ``bZZcher.example.com``
    is patched in place (same length in UTF-8); the signature no longer verifies, which identity
    matching does not look at. Such certificates exist: x509-limbo's ``webpki::san::unicode-emoji-san``.
    """
    der = pki.server("bücher.example.com", ["bZZcher.example.com"], issuer=root_ca()).cert.public_bytes(
        Encoding.DER
    )
    assert der.count(b"bZZcher") == 1
    return certs.load(der.replace(b"bZZcher", "bücher".encode()), "u-label dNSName")[0]


@dataclasses.dataclass(frozen=True)
class Verdict:
    """The expected outcome: the field and identity that matched (None: nothing matched)."""

    field: Field | None = None
    identity: str | None = None
    wildcard: bool = False


NOTHING = Verdict()


def yes(
    profile: Profile, name: str, holds: Holds, field: Field, value: str, *, wildcard: bool = False, id: str
) -> object:
    """A case where ``name`` matches ``value`` in ``field``."""
    return pytest.param(profile, name, holds, Verdict(field, value, wildcard), id=id)


def no(profile: Profile, name: str, holds: Holds, *, id: str) -> object:
    """A case where nothing in the certificate identifies ``name``."""
    return pytest.param(profile, name, holds, NOTHING, id=id)


CASE = ("profile", "name", "holds", "expected")


def check(profile: Profile, name: str, leaf: Certificate, expected: Verdict) -> IdentityMatch:
    result = identity.match(name, leaf, profile)
    assert (result.name, result.profile) == (name, profile)
    assert result.matched is (expected.field is not None), result.reason
    assert (result.field, result.identity, result.wildcard) == (
        expected.field,
        expected.identity,
        expected.wildcard,
    ), result.reason
    return result


# --- which field a profile looks at -----------------------------------------------------------

XMPP_ALL = Holds(
    cn="im.example.com",
    dns=("im.example.com",),
    xmpp_addr=("im.example.com",),
    srv_name=("_xmpp-client.im.example.com",),
)


@pytest.mark.parametrize(
    CASE,
    [
        # http: the SAN dNSName; the CN only when the certificate has no dNSName at all
        yes(
            "http",
            "cucm1.example.com",
            Holds(cn="cucm1.example.com", dns=("cucm1.example.com",)),
            "dNSName",
            "cucm1.example.com",
            id="http-dnsname",
        ),
        yes(
            "http",
            "cucm1.example.com",
            Holds(cn="cluster.example.com", dns=("cucm2.example.com", "cucm1.example.com")),
            "dNSName",
            "cucm1.example.com",
            id="http-any-dnsname-in-the-list",
        ),
        no(
            "http",
            "cucm1.example.com",
            Holds(cn="cucm1.example.com", dns=("cucm2.example.com",)),
            id="http-cn-ignored-when-a-dnsname-exists",
        ),
        yes(
            "http",
            "cucm1.example.com",
            Holds(cn="cucm1.example.com"),
            "CN",
            "cucm1.example.com",
            id="http-cn-without-san",
        ),
        yes(
            "http",
            "cucm1.example.com",
            Holds(cn="cucm1.example.com", ips=("10.0.0.11",)),
            "CN",
            "cucm1.example.com",
            id="http-cn-when-san-holds-only-ipaddress",
        ),
        no(
            "http",
            "im.example.com",
            Holds(
                cn="cucm1.example.com",
                xmpp_addr=("im.example.com",),
                srv_name=("_xmpp-client.im.example.com",),
            ),
            id="http-ignores-xmppaddr-and-srvname",
        ),
        yes(
            "http",
            "cucm1.example.com",
            Holds(cn="cucm1.example.com", xmpp_addr=("im.example.com",)),
            "CN",
            "cucm1.example.com",
            id="http-cn-when-san-holds-no-dnsname",
        ),
        no("http", "cucm1.example.com", Holds(), id="http-no-identity-at-all"),
        # xmpp: xmppAddr, then SRVName _xmpp-client, then dNSName; the CN only when none of the three
        yes("xmpp", "im.example.com", XMPP_ALL, "xmppAddr", "im.example.com", id="xmpp-xmppaddr-first"),
        yes(
            "xmpp",
            "im.example.com",
            dataclasses.replace(XMPP_ALL, xmpp_addr=()),
            "SRVName",
            "_xmpp-client.im.example.com",
            id="xmpp-srvname-second",
        ),
        yes(
            "xmpp",
            "im.example.com",
            dataclasses.replace(XMPP_ALL, xmpp_addr=(), srv_name=()),
            "dNSName",
            "im.example.com",
            id="xmpp-dnsname-third",
        ),
        yes("xmpp", "im.example.com", Holds(cn="im.example.com"), "CN", "im.example.com", id="xmpp-cn-last"),
        yes(
            "xmpp",
            "im.example.com",
            Holds(cn="im.example.com", ips=("10.0.0.21",)),
            "CN",
            "im.example.com",
            id="xmpp-cn-when-san-holds-only-ipaddress",
        ),
        no(
            "xmpp",
            "im.example.com",
            Holds(cn="im.example.com", dns=("other.example.com",)),
            id="xmpp-cn-ignored-when-a-dnsname-exists",
        ),
        # present is enough: even an identity that never identifies a server takes the CN's place
        no(
            "xmpp",
            "im.example.com",
            Holds(cn="im.example.com", xmpp_addr=("user@im.example.com",)),
            id="xmpp-cn-ignored-when-an-xmppaddr-exists",
        ),
        no(
            "xmpp",
            "im.example.com",
            Holds(cn="im.example.com", srv_name=("_xmpp-server.im.example.com",)),
            id="xmpp-cn-ignored-when-an-srvname-exists",
        ),
        # exact identities win over wildcards, whatever their order in the certificate
        yes(
            "xmpp",
            "im.example.com",
            Holds(cn="x", dns=("*.example.com",), srv_name=("_xmpp-client.im.example.com",)),
            "SRVName",
            "_xmpp-client.im.example.com",
            id="xmpp-exact-srvname-before-wildcard-dnsname",
        ),
        yes(
            "xmpp",
            "im.example.com",
            Holds(cn="x", dns=("*.example.com", "im.example.com")),
            "dNSName",
            "im.example.com",
            id="xmpp-exact-dnsname-before-earlier-wildcard",
        ),
        yes(
            "http",
            "cucm1.example.com",
            Holds(dns=("*.example.com", "cucm1.example.com")),
            "dNSName",
            "cucm1.example.com",
            id="http-exact-dnsname-before-earlier-wildcard",
        ),
        yes(
            "xmpp",
            "im.example.com",
            Holds(cn="x", dns=("*.example.com",), xmpp_addr=("user@im.example.com",)),
            "dNSName",
            "*.example.com",
            wildcard=True,
            id="xmpp-wildcard-dnsname",
        ),
    ],
)
def test_fields_each_profile_checks(profile: Profile, name: str, holds: Holds, expected: Verdict) -> None:
    check(profile, name, issued(holds), expected)


@pytest.mark.parametrize(
    CASE,
    [
        no(
            "xmpp",
            "im.example.com",
            Holds(cn="x", xmpp_addr=("user@im.example.com",)),
            id="xmppaddr-with-localpart",
        ),
        no(
            "xmpp",
            "im.example.com",
            Holds(cn="x", xmpp_addr=("im.example.com/resource",)),
            id="xmppaddr-with-resource",
        ),
        no(
            "xmpp",
            "im.example.com",
            Holds(cn="x", xmpp_addr=("user@im.example.com/resource",)),
            id="xmppaddr-full-jid",
        ),
        no(
            "xmpp",
            "im.example.com",
            Holds(cn="x", srv_name=("_xmpp-server.im.example.com",)),
            id="srvname-xmpp-server",
        ),
        no(
            "xmpp",
            "im.example.com",
            Holds(cn="x", srv_name=("_dns.im.example.com",)),
            id="srvname-other-service",
        ),
        yes(
            "xmpp",
            "im.example.com",
            Holds(cn="x", srv_name=("_XMPP-Client.im.example.com",)),
            "SRVName",
            "_XMPP-Client.im.example.com",
            id="srvname-service-case-insensitive",
        ),
        no(
            "xmpp",
            "_xmpp-client.im.example.com",
            Holds(cn="x", srv_name=("_xmpp-client.im.example.com",)),
            id="srvname-whole-value-is-not-a-domain",
        ),
    ],
)
def test_xmpp_server_identities(profile: Profile, name: str, holds: Holds, expected: Verdict) -> None:
    """A server is identified by a bare-domain xmppAddr and by an ``_xmpp-client.`` SRVName only."""
    check(profile, name, issued(holds), expected)


# --- comparison: case, IDNA, trailing dots, control characters --------------------------------


@pytest.mark.parametrize(
    CASE,
    [
        yes(
            "http",
            "CUCM1.Example.COM",
            Holds(dns=("cucm1.example.com",)),
            "dNSName",
            "cucm1.example.com",
            id="configured-upper",
        ),
        yes(
            "http",
            "cucm1.example.com",
            Holds(dns=("CUCM1.EXAMPLE.COM",)),
            "dNSName",
            "CUCM1.EXAMPLE.COM",
            id="dnsname-upper",
        ),
        yes(
            "http",
            "cucm1.example.com",
            Holds(cn="CUCM1.Example.com"),
            "CN",
            "CUCM1.Example.com",
            id="cn-mixed",
        ),
        yes(
            "xmpp",
            "IM.example.com",
            Holds(cn="x", xmpp_addr=("im.EXAMPLE.com",)),
            "xmppAddr",
            "im.EXAMPLE.com",
            id="xmppaddr-mixed",
        ),
        yes(
            "xmpp",
            "im.example.com",
            Holds(cn="x", srv_name=("_xmpp-client.IM.EXAMPLE.COM",)),
            "SRVName",
            "_xmpp-client.IM.EXAMPLE.COM",
            id="srvname-domain-upper",
        ),
        yes(
            "http",
            "A.EXAMPLE.COM",
            Holds(dns=("*.Example.Com",)),
            "dNSName",
            "*.Example.Com",
            wildcard=True,
            id="wildcard-mixed",
        ),
    ],
)
def test_case_insensitive(profile: Profile, name: str, holds: Holds, expected: Verdict) -> None:
    check(profile, name, issued(holds), expected)


@pytest.mark.parametrize(
    CASE,
    [
        yes(
            "http",
            "bücher.example.com",
            Holds(dns=("xn--bcher-kva.example.com",)),
            "dNSName",
            "xn--bcher-kva.example.com",
            id="u-label-configured-a-label-dnsname",
        ),
        yes(
            "http",
            "BÜCHER.example.com",
            Holds(dns=("xn--bcher-kva.example.com",)),
            "dNSName",
            "xn--bcher-kva.example.com",
            id="u-label-configured-upper",
        ),
        yes(
            "http",
            "xn--bcher-kva.example.com",
            Holds(dns=("xn--bcher-kva.example.com",)),
            "dNSName",
            "xn--bcher-kva.example.com",
            id="a-label-configured",
        ),
        yes(
            "http",
            "www.bücher.example.com",
            Holds(dns=("*.xn--bcher-kva.example.com",)),
            "dNSName",
            "*.xn--bcher-kva.example.com",
            wildcard=True,
            id="u-label-configured-wildcard",
        ),
        # the CN is a DirectoryString and may hold Unicode: it is compared as A-labels too
        yes(
            "http",
            "xn--bcher-kva.example.com",
            Holds(cn="bücher.example.com"),
            "CN",
            "bücher.example.com",
            id="u-label-cn",
        ),
        # an xmppAddr is a UTF8String JID: its domain may hold U-labels
        yes(
            "xmpp",
            "xn--bcher-kva.example.com",
            Holds(cn="x", xmpp_addr=("bücher.example.com",)),
            "xmppAddr",
            "bücher.example.com",
            id="u-label-xmppaddr",
        ),
    ],
)
def test_idna(profile: Profile, name: str, holds: Holds, expected: Verdict) -> None:
    check(profile, name, issued(holds), expected)


@pytest.mark.parametrize("name", ["bücher.example.com", "xn--bcher-kva.example.com"])
def test_dnsname_holding_u_labels_never_matches(name: str) -> None:
    """A dNSName is an IA5String of A-labels (RFC 5280): one holding U-labels is malformed.

    It still is a dNSName, so the CN (which holds the same name) is not consulted either.
    """
    leaf = ulabel_dnsname_cert()
    assert leaf.san is not None
    assert leaf.san.dns == ("bücher.example.com",)
    check("http", name, leaf, NOTHING)


@pytest.mark.parametrize(
    CASE,
    [
        yes(
            "http",
            "cucm1.example.com.",
            Holds(dns=("cucm1.example.com",)),
            "dNSName",
            "cucm1.example.com",
            id="one-dot-ignored",
        ),
        yes("http", "cucm1.", Holds(cn="cucm1"), "CN", "cucm1", id="one-dot-ignored-short-name"),
        yes(
            "xmpp",
            "im.example.com.",
            Holds(cn="x", xmpp_addr=("im.example.com",)),
            "xmppAddr",
            "im.example.com",
            id="one-dot-ignored-xmppaddr",
        ),
        no("http", "cucm1.example.com..", Holds(dns=("cucm1.example.com",)), id="two-dots"),
        no("http", "cucm1.example.com..", Holds(dns=("cucm1.example.com.",)), id="two-dots-vs-one"),
        no("http", ".", Holds(dns=("cucm1.example.com",)), id="only-a-dot"),
        # Only the configured name is forgiven its dot: in a presented dNSName it is an empty label,
        # which makes the identity malformed (hostname-cases go-085 accepts it: a listed deviation).
        no("http", "cucm1.example.com", Holds(dns=("cucm1.example.com.",)), id="presented-dot-not-forgiven"),
        no("http", "cucm1.example.com.", Holds(dns=("cucm1.example.com.",)), id="dot-on-both-sides"),
    ],
)
def test_trailing_dot(profile: Profile, name: str, holds: Holds, expected: Verdict) -> None:
    check(profile, name, issued(holds), expected)


@pytest.mark.parametrize(
    CASE,
    [
        # in the configured name: never a match, even against the very same string (CVE-2013-4073)
        no("http", "cucm1.example.com\x00", Holds(cn="cucm1.example.com\x00"), id="nul-in-both"),
        no("http", "cucm1\x00.example.com", Holds(cn="cucm1\x00.example.com"), id="nul-inside-both"),
        no("http", "cucm1.example.com\n", Holds(cn="cucm1.example.com\n"), id="newline-in-both"),
        no("http", "cucm1.example.com\x7f", Holds(cn="cucm1.example.com\x7f"), id="del-in-both"),
        no("http", "10.0.0.11\x00", Holds(cn="10.0.0.11\x00"), id="nul-after-ip-in-both"),
        # in the identity only: no prefix or trimmed match
        no("http", "cucm1.example.com", Holds(cn="cucm1.example.com\x00.evil.com"), id="nul-in-cn"),
        no("http", "cucm1.example.com", Holds(cn="cucm1.example.com\n"), id="newline-in-cn"),
        no("http", "cucm1.example.com", Holds(dns=("cucm1.example.com\x00",)), id="nul-in-dnsname"),
        no("http", "cucm1.example.com", Holds(dns=("cucm1.example.com\x7f",)), id="del-in-dnsname"),
        no("http", "cucm1.example.com", Holds(cn="*.example.com\x00"), id="nul-in-wildcard-cn"),
        no("http", "10.0.0.11", Holds(cn="10.0.0.11\n"), id="newline-after-ip-cn"),
        no("xmpp", "im.example.com", Holds(cn="x", xmpp_addr=("im.example.com\x7f",)), id="del-in-xmppaddr"),
        no(
            "xmpp",
            "im.example.com",
            Holds(cn="x", srv_name=("_xmpp-client.im.example.com\x00",)),
            id="nul-in-srvname",
        ),
    ],
)
def test_control_characters_never_match(profile: Profile, name: str, holds: Holds, expected: Verdict) -> None:
    check(profile, name, issued(holds), expected)


# --- wildcards --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    CASE,
    [
        yes(
            "http",
            "a.example.com",
            Holds(dns=("*.example.com",)),
            "dNSName",
            "*.example.com",
            wildcard=True,
            id="one-label",
        ),
        no("http", "example.com", Holds(dns=("*.example.com",)), id="not-the-bare-parent"),
        no("http", "a.b.example.com", Holds(dns=("*.example.com",)), id="not-two-labels"),
        no("http", "cucm1", Holds(dns=("*.example.com",)), id="not-a-short-name"),
        no("http", "foo.example.com", Holds(dns=("f*.example.com",)), id="partial-prefix"),
        no("http", "foo.example.com", Holds(dns=("*oo.example.com",)), id="partial-suffix"),
        no("http", "foo.example.com", Holds(dns=("f*o.example.com",)), id="partial-embedded"),
        no("http", "a.b.example.com", Holds(dns=("a.*.example.com",)), id="not-left-most"),
        no("http", "a.b.example.com", Holds(dns=("*.*.example.com",)), id="two-wildcards"),
        no("http", "example.com", Holds(dns=("*.com",)), id="over-single-label-suffix"),
        no("http", "foo.localhost", Holds(dns=("*.localhost",)), id="over-localhost"),
        no("http", "com", Holds(dns=("*",)), id="bare-star"),
        no("http", "*.example.com", Holds(dns=("*.example.com",)), id="configured-wildcard-is-not-a-name"),
        yes(
            "http",
            "a.example.com",
            Holds(cn="*.example.com"),
            "CN",
            "*.example.com",
            wildcard=True,
            id="in-an-eligible-cn",
        ),
        no(
            "http",
            "a.example.com",
            Holds(cn="*.example.com", dns=("other.example.com",)),
            id="not-in-an-ineligible-cn",
        ),
        no("http", "example.com", Holds(cn="*.com"), id="cn-over-single-label-suffix"),
        no("xmpp", "a.example.com", Holds(cn="x", xmpp_addr=("*.example.com",)), id="never-in-xmppaddr"),
        no(
            "xmpp",
            "a.example.com",
            Holds(cn="x", srv_name=("_xmpp-client.*.example.com",)),
            id="never-in-srvname",
        ),
    ],
)
def test_wildcards(profile: Profile, name: str, holds: Holds, expected: Verdict) -> None:
    check(profile, name, issued(holds), expected)


# --- IP addresses as configured ---------------------------------------------------------------


@pytest.mark.parametrize(
    CASE,
    [
        yes("http", "10.0.0.11", Holds(cn="10.0.0.11"), "CN", "10.0.0.11", id="identical-cn"),
        # an iPAddress SAN is not a dNSName: the CN stays eligible, and the SAN itself is never used
        yes(
            "http",
            "10.0.0.11",
            Holds(cn="10.0.0.11", ips=("10.0.0.11",)),
            "CN",
            "10.0.0.11",
            id="cn-beside-ipaddress-san",
        ),
        no("http", "10.0.0.11", Holds(cn="cucm1.example.com", ips=("10.0.0.11",)), id="never-ipaddress-san"),
        no(
            "xmpp",
            "10.0.0.11",
            Holds(cn="cucm1.example.com", ips=("10.0.0.11",)),
            id="never-ipaddress-san-xmpp",
        ),
        no("http", "10.0.0.11", Holds(cn="10.0.0.11", dns=("cucm1.example.com",)), id="cn-not-eligible"),
        no("http", "10.0.0.11", Holds(cn="cucm1.example.com"), id="never-an-fqdn"),
        no("http", "10.0.0.11", Holds(dns=("10.0.0.11",)), id="never-ip-text-in-dnsname"),
        no("xmpp", "10.0.0.11", Holds(cn="x", xmpp_addr=("10.0.0.11",)), id="never-xmppaddr"),
        no("http", "10.0.0.11", Holds(cn="10.0.0.12"), id="other-address"),
        no("http", "10.0.0.11", Holds(cn="*.0.0.11"), id="never-a-wildcard"),
        yes("xmpp", "10.0.0.21", Holds(cn="10.0.0.21"), "CN", "10.0.0.21", id="identical-cn-xmpp"),
        yes("http", "2001:db8::11", Holds(cn="2001:db8::11"), "CN", "2001:db8::11", id="ipv6"),
        yes("http", "[2001:db8::11]", Holds(cn="2001:db8::11"), "CN", "2001:db8::11", id="ipv6-bracketed"),
        # "Identical" is read as "the same address": identity.match parses both sides with
        # ipaddress.ip_address() and compares the canonical (RFC 5952) forms, so an IPv6 CN written
        # in upper case or uncompressed still identifies the address. (x509-limbo's webpki::cn::ipv6-*
        # cases fail these certificates for a Web-PKI consistency rule, listed as deviations there.)
        yes(
            "http",
            "2001:db8::11",
            Holds(cn="2001:DB8:0:0:0:0:0:11"),
            "CN",
            "2001:DB8:0:0:0:0:0:11",
            id="ipv6-cn-uncompressed-upper",
        ),
        yes(
            "http",
            "2001:0DB8:0000:0000::0011",
            Holds(cn="2001:db8::11"),
            "CN",
            "2001:db8::11",
            id="ipv6-configured-uncompressed",
        ),
        no("http", "::ffff:10.0.0.11", Holds(cn="10.0.0.11"), id="ipv4-mapped-is-another-address"),
        # leading zeros are ambiguous (octal to some resolvers): such a CN is not an address
        no("http", "10.0.0.11", Holds(cn="010.000.000.011"), id="cn-with-leading-zeros"),
        no("http", "[10.0.0.11]", Holds(cn="10.0.0.11"), id="ipv4-in-brackets-invalid"),
        # neither an address (inet_aton would read 127.0.0.1) nor a host name (numeric top label)
        no("http", "127.1", Holds(cn="127.1"), id="127.1-invalid"),
    ],
)
def test_ip_addresses(profile: Profile, name: str, holds: Holds, expected: Verdict) -> None:
    check(profile, name, issued(holds), expected)


@pytest.mark.parametrize(("name", "matched"), [("2001:db8::11", True), ("10.0.0.11", False)])
def test_a_bracketed_ipv6_cn_is_the_same_address(name: str, matched: bool) -> None:
    result = identity.match(name, issued(Holds(cn="[2001:db8::11]")), "http")
    assert result.matched is matched


# --- names that are not names, and certificates that cannot be read ---------------------------


@pytest.mark.parametrize(
    ("name", "holds"),
    [
        pytest.param("", Holds(cn="cucm1.example.com"), id="empty"),
        pytest.param(" ", Holds(cn=" "), id="blank"),
        pytest.param("cucm1 .example.com", Holds(cn="cucm1 .example.com"), id="space"),
        pytest.param("-cucm1.example.com", Holds(dns=("-cucm1.example.com",)), id="leading-hyphen"),
        pytest.param("cucm1..example.com", Holds(dns=("cucm1..example.com",)), id="empty-label"),
        pytest.param("a" * 64 + ".example.com", Holds(dns=("a" * 64 + ".example.com",)), id="label-too-long"),
        pytest.param("1.2.3.4.5", Holds(cn="1.2.3.4.5"), id="numeric-top-label"),
        pytest.param("cucm1.example.com:8443", Holds(cn="cucm1.example.com:8443"), id="with-port"),
    ],
)
def test_invalid_names_never_match(name: str, holds: Holds) -> None:
    """Not a host name nor an IP address: no match, even against an identical string."""
    assert identity.name_kind(name) == "invalid"
    result = check("http", name, issued(holds), NOTHING)
    assert "is not a valid host name or IP address" in result.reason


@pytest.mark.parametrize("profile", ["http", "xmpp"])
@pytest.mark.parametrize(
    "holds",
    [
        pytest.param(Holds(cn="cucm1.example.com", dns=("cucm1.example.com",)), id="dnsname-and-cn"),
        pytest.param(Holds(cn="cucm1.example.com", ips=("10.0.0.11",)), id="cn"),
    ],
)
def test_unparsable_san_matches_nothing(profile: Profile, holds: Holds) -> None:
    """A SAN that cannot be parsed identifies nothing, and never falls back to the CN."""
    error = "the subjectAltName cannot be parsed: bad length"
    leaf = dataclasses.replace(issued(holds), san=None, san_error=error)
    assert identity.identities(leaf, profile) == ()
    result = check(profile, "cucm1.example.com", leaf, NOTHING)
    assert error in result.reason
    assert check(profile, "10.0.0.11", leaf, NOTHING).reason == result.reason


# --- name_kind, preferred_fqdn ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("cucm1.example.com", "fqdn"),
        ("CUCM1.Example.com.", "fqdn"),
        ("bücher.example.com", "fqdn"),
        ("cucm1", "short"),
        ("cucm1.", "short"),
        ("10.0.0.11", "ip"),
        ("2001:db8::11", "ip"),
        ("[2001:db8::11]", "ip"),
        ("[10.0.0.11]", "invalid"),
        ("127.1", "invalid"),
        ("10.0.0.011", "invalid"),
        ("", "invalid"),
        ("cucm1.example.com..", "invalid"),
        ("cucm1.example.com\x00", "invalid"),
        ("*.example.com", "invalid"),
        ("cucm1 .example.com", "invalid"),
    ],
)
def test_name_kind(name: str, kind: NameKind) -> None:
    assert identity.name_kind(name) == kind


NODES = Holds(cn="cluster.example.com", dns=("*.example.com", "cucm1.example.com", "cucm2.example.com"))


@pytest.mark.parametrize(
    ("profile", "holds", "hint", "fqdn"),
    [
        pytest.param("http", NODES, "cucm2", "cucm2.example.com", id="hint-short-name"),
        pytest.param("http", NODES, "CUCM2.corp.example.net", "cucm2.example.com", id="hint-first-label"),
        pytest.param("http", NODES, None, "cucm1.example.com", id="no-hint-first-non-wildcard"),
        pytest.param("http", NODES, "cucm9", "cucm1.example.com", id="unknown-hint-first-non-wildcard"),
        pytest.param("http", NODES, "*", "cucm1.example.com", id="wildcard-never-proposed"),
        pytest.param("http", Holds(cn="x", dns=("*.example.com",)), None, None, id="only-a-wildcard"),
        pytest.param("http", Holds(cn="cucm1"), "cucm1", None, id="only-a-short-name"),
        pytest.param("http", Holds(cn="10.0.0.11"), "cucm1", None, id="an-ip-address-cn-is-no-fqdn"),
        pytest.param("http", Holds(cn="CUCM1.Example.com"), None, "cucm1.example.com", id="normalized-cn"),
        pytest.param(
            "http",
            Holds(cn="cucm1.example.com", dns=("cucm2.example.com",)),
            "cucm1",
            "cucm2.example.com",
            id="ineligible-cn-not-proposed",
        ),
        pytest.param(
            "xmpp",
            Holds(cn="x", xmpp_addr=("imp1@example.com", "imp1.example.com")),
            "imp1",
            "imp1.example.com",
            id="xmpp-bare-xmppaddr",
        ),
        pytest.param(
            "xmpp",
            Holds(cn="x", srv_name=("_xmpp-client.example.com",)),
            None,
            "example.com",
            id="xmpp-srvname-domain",
        ),
    ],
)
def test_preferred_fqdn(profile: Profile, holds: Holds, hint: str | None, fqdn: str | None) -> None:
    leaf = issued(holds)
    assert identity.preferred_fqdn(leaf, profile, hint) == fqdn
    if fqdn is not None:  # the name proposed as a fix must itself pass the check
        assert identity.match(fqdn, leaf, profile).matched


def test_preferred_fqdn_never_proposes_an_xmpp_server_srvname() -> None:
    """The SRVName is present, so the CN is not used; the only identity names another service: nothing to propose."""
    leaf = issued(Holds(cn="im.example.com", srv_name=("_xmpp-server.im.example.com",)))
    assert identity.preferred_fqdn(leaf, "xmpp") is None


# --- the reason sentence ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "name", "holds", "parts"),
    [
        pytest.param(
            "http",
            "cucm1.corp.example.com",
            Holds(cn="cucm1.corp.example.com", dns=("cucm1.example.com", "cucm2.example.com")),
            ["cucm1.example.com (dNSName)", "cucm2.example.com (dNSName)", "not cucm1.corp.example.com"],
            id="lists-the-dnsnames",
        ),
        pytest.param(
            "http",
            "cucm1.corp.example.com",
            Holds(cn="cucm1.example.com"),
            ["cucm1.example.com (CN)", "not cucm1.corp.example.com"],
            id="lists-the-cn",
        ),
        pytest.param(
            "xmpp",
            "im.corp.example.com",
            Holds(cn="x", xmpp_addr=("im.example.com",), srv_name=("_xmpp-client.im.example.com",)),
            ["im.example.com (xmppAddr)", "_xmpp-client.im.example.com (SRVName)"],
            id="lists-xmpp-identities",
        ),
        pytest.param(
            "http",
            "cucm1.corp.example.com",
            Holds(dns=tuple(f"cucm{n}.example.com" for n in range(1, 9))),
            ["cucm6.example.com (dNSName) and 2 more, not cucm1.corp.example.com"],
            id="long-list-shortened",
        ),
        pytest.param(
            "http",
            "10.0.0.11",
            Holds(cn="10.0.0.11", dns=("cucm1.example.com",)),
            ["cucm1.example.com (dNSName)", "the CN holds the address but is not used"],
            id="says-why-an-ip-cn-is-not-used",
        ),
        pytest.param(
            "http",
            "cucm1.example.com",
            Holds(ips=("10.0.0.11",)),
            ["the certificate carries no identity a client checks for the http profile"],
            id="nothing-to-check",
        ),
        pytest.param(
            "http",
            "cucm1.example.com\x00",
            Holds(cn="cucm1.example.com"),
            ["'cucm1.example.com\\x00' is not a valid host name"],
            id="control-characters-shown-escaped",
        ),
    ],
)
def test_reason_names_what_the_certificate_holds(
    profile: Profile, name: str, holds: Holds, parts: list[str]
) -> None:
    result = check(profile, name, issued(holds), NOTHING)
    for part in parts:
        assert part in result.reason


@pytest.mark.parametrize(
    ("name", "holds", "reason"),
    [
        pytest.param(
            "cucm1.example.com",
            Holds(dns=("cucm1.example.com",)),
            "dNSName cucm1.example.com matches",
            id="exact",
        ),
        pytest.param(
            "cucm1.example.com",
            Holds(dns=("*.example.com",)),
            "dNSName *.example.com matches through a wildcard",
            id="wildcard",
        ),
    ],
)
def test_reason_when_matched(name: str, holds: Holds, reason: str) -> None:
    assert identity.match(name, issued(holds), "http").reason == reason


@pytest.mark.parametrize(
    "text",
    [
        "10.0.0.1",
        "010.0.0.1",
        "1.2.3",
        "1.2.3.4.",
        "cucm1",
        "cucm1.example.com",
        "127.1",
        "fe80::1",
        "fe80::1%eth0",
        "[fe80::1]",
        "[10.0.0.1]",
        "::ffff:10.0.0.1",
        " 10.0.0.1",
        "10.0.0.1\n",
        "",
        "1e3",
        "\u0661\u0662.\u0660.\u0660.\u0661",
        "256.0.0.1",
    ],
)
def test_canonical_ip_agrees_with_ipaddress(text: str) -> None:
    """The quick refusal of names that cannot be addresses refuses no address."""
    import ipaddress

    bracketed = text.startswith("[") and text.endswith("]")
    try:
        address = ipaddress.ip_address(text[1:-1] if bracketed else text)
        expected = None if (bracketed and address.version != 6) or "\n" in text else str(address)
    except ValueError:
        expected = None
    assert identity.canonical_ip(text) == expected


def test_an_ipv4_literal_is_read_as_ipaddress_reads_it() -> None:
    """Text without a colon is judged without ipaddress (the node index reads thousands of addresses): the same
    verdict and the same text as ipaddress gives, for every shape of octet."""
    import ipaddress
    import random

    rng = random.Random(13)
    texts = [
        "0.0.0.0",
        "255.255.255.255",
        "00.1.2.3",
        "1.2.3.04",
        "1.2.3.4.",
        ".1.2.3",
        "1..2.3",
        "1000.1.1.1",
    ]
    for _ in range(20_000):
        texts.append(
            "".join(rng.choice("0123456789.0123456789. a\n\u0661") for _ in range(rng.randint(0, 15)))
        )
        octets = [
            rng.choice([str(rng.randint(0, 300)), f"0{rng.randint(0, 99)}"])
            for _ in range(rng.choice([3, 4, 4, 5]))
        ]
        texts.append(".".join(octets))
    for text in texts:
        try:
            expected: str | None = str(ipaddress.ip_address(text))
        except ValueError:
            expected = None
        assert identity.canonical_ip.__wrapped__(text) == expected, text


def test_an_ascii_name_is_checked_as_label_by_label() -> None:
    """An ASCII name is checked by one match over the whole name: the same verdict as checking each label,
    for names with empty, long, hyphenated and underscored labels, controls and upper case."""
    import random
    import re

    label = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")

    def by_label(name: str) -> str | None:
        if not name or re.search(r"[\x00-\x1f\x7f]", name):
            return None
        labels = name.lower().split(".")
        joined = ".".join(labels)
        return joined if all(label.fullmatch(x) for x in labels) and len(joined) <= 253 else None

    rng = random.Random(17)
    names = ["a" * 63 + ".b", "a" * 64 + ".b", ".".join(["abcdefghi"] * 25), ".".join(["abcdefghi"] * 26)]
    names += ["".join(rng.choice("abXY09_-.\n *") for _ in range(rng.randint(0, 20))) for _ in range(20_000)]
    for name in names:
        assert identity._alabels.__wrapped__(name) == by_label(name), name
