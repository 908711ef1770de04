"""Third-party identity vectors (tests/data/conformance, else ../shared/conformance) run through ``identity.match``.

Three suites: name-level cases collected from CPython, Go, HttpClient, Openfire, bettertls, the RFCs and
x509-limbo (``hostname-cases.json``); XMPP certificates from seven projects (``xmpp-identity/``); and
x509-limbo's peer-name cases with their real certificates (``limbo-names.json``).

Where a vector disagrees with the identity contract (DESIGN.md), the contract wins. Each suite keeps
its disagreements in ``DEVIATIONS`` (case id -> why), grouped by cause. A listed case must really
disagree, and an unlisted one must agree, so the lists stay exact: a change to the matcher that
flips any verdict fails here, whichever way it flips.

The vectors whose licences allow it are copied into tests/data (its README gives their provenance);
the other XMPP certificates stay in the shared material, and their cases skip, naming the file, without it.
"""

from __future__ import annotations

import functools
import json
from datetime import datetime, timezone
from typing import Any

import pytest
from helpers import data, find_data

from confcheck import certs, identity
from confcheck.certs import Certificate, KeyInfo, SubjectAltNames
from confcheck.identity import Profile

Case = dict[str, Any]

HOSTNAME = "conformance/hostname-cases.json"
XMPP = "conformance/xmpp-identity/cases.json"
XMPP_CERTS = "conformance/xmpp-identity/certs"
LIMBO = "conformance/limbo-names.json"


def _load(relative: str) -> Any:
    """The parsed JSON file, or None when it is neither in tests/data nor in the shared material."""
    path = find_data(relative)
    return json.loads(path.read_text(encoding="utf-8")) if path else None


def hostname_cases() -> list[Case]:
    data = _load(HOSTNAME)
    return [] if data is None else list(data["cases"])


def xmpp_cases() -> list[Case]:
    data = _load(XMPP)
    return [] if data is None else list(data["cases"])


def limbo_cases() -> list[Case]:
    """The peer-name cases a server check can run (name constraints are not identity matching)."""
    data = _load(LIMBO)
    if data is None:
        return []
    category = data["_meta"]["category_by_id"]
    return [
        case
        for case in data["testcases"]
        if category[case["id"]] == "peer-name"
        and case["validation_kind"] == "SERVER"
        and case["expected_peer_name"] is not None
    ]


def params(cases: list[Case]) -> list[Any]:
    """One param per case, id = case id; a single placeholder (which skips) when the file is missing."""
    if not cases:
        return [pytest.param(None, id="missing")]
    return [pytest.param(case, id=case["id"]) for case in cases]


def check(case_id: str, got: bool, expected: bool, deviations: dict[str, str], reason: str) -> None:
    """Agree with the vector, or disagree exactly where ``deviations`` says the contract differs."""
    if case_id in deviations:
        assert got != expected, (
            f"{case_id} now agrees with the vector ({expected}): "
            f"remove it from DEVIATIONS ({deviations[case_id]}); {reason}"
        )
    else:
        assert got == expected, f"{case_id}: expected {expected}, confcheck says {got}: {reason}"


# --- why the contract differs, one cause each -------------------------------------------------

IP_SAN = "an iPAddress SAN never matches an IP as configured: only an identical CN does"
PARTIAL_WILDCARD = "partial-label wildcards (f*.example.com, *baz, b*z) never match"
SINGLE_LABEL_SUFFIX = "no wildcard over a single-label suffix (*.com, *.localhost)"
ONE_LABEL = "a wildcard covers exactly one label, never the bare parent (Openfire's lax helper)"
NO_PUBLIC_SUFFIX_LIST = "no public-suffix list: a wildcard over two or more labels (*.co.uk) matches"
CN_FALLBACK = "the CN fallback is part of the Cisco contract (bettertls SOFT_FAIL; Web PKI has none)"
WEB_PKI = "a Web-PKI profile rule, not identity matching (CN must equal a SAN, SAN criticality, underscore)"
NUL = "control characters (NUL) never match"
PRESENTED_DOTS = "trailing dots and empty labels in presented names never match"
NOT_A_HOST_NAME = (
    "not a host name (Go compares such strings verbatim); the contract matches host names and IPs"
)
XMPP_SERVER = "xmpp-server is outside the contract: Jabber is a client, confcheck checks _xmpp-client only"


# --- hostname-cases.json ----------------------------------------------------------------------

HOSTNAME_DEVIATIONS: dict[str, str] = {
    **dict.fromkeys(
        [
            "cpython-041",
            "cpython-042",
            "cpython-048",
            "cpython-049",
            "go-102",
            "go-103",
            "go-104",
            "bettertls-156",
            "bettertls-158",
            "bettertls-159",
            "bettertls-160",
            "bettertls-161",
            "bettertls-162",
            "bettertls-163",
            "x509-limbo-200",
        ],
        IP_SAN,
    ),
    **dict.fromkeys(["httpclient-116", "httpclient-118", "rfc-176", "rfc-177", "rfc-178"], PARTIAL_WILDCARD),
    # go-089 configures example.com. : the dot is forgiven, *.com is not
    **dict.fromkeys(["go-088", "go-089"], SINGLE_LABEL_SUFFIX),
    **dict.fromkeys(["openfire-110", "openfire-111"], ONE_LABEL),
    **dict.fromkeys(
        ["httpclient-120", "httpclient-123", "x509-limbo-206", "x509-limbo-207"], NO_PUBLIC_SUFFIX_LIST
    ),
    # 129 and 165: an iPAddress SAN is no dNSName, so the CN is still eligible; 214: no SAN at all
    **dict.fromkeys(
        ["bettertls-125", "bettertls-129", "bettertls-149", "bettertls-165", "x509-limbo-214"], CN_FALLBACK
    ),
    **dict.fromkeys(
        [
            "x509-limbo-186",  # empty subject with a non-critical SAN
            "x509-limbo-187",  # underscore in a dNSName
            "x509-limbo-192",  # CN not a SAN: IPv6 upper case (the same address: the CN matches)
            "x509-limbo-193",  # ... uncompressed
            "x509-limbo-194",  # ... not RFC 5952
            "x509-limbo-195",  # CN not a SAN: another punycode name
            "x509-limbo-196",  # ... the U-label form of the SAN
            "x509-limbo-197",  # ... another name
            "x509-limbo-198",  # ... another case
            "x509-limbo-215",  # critical SAN with a non-empty subject
        ],
        WEB_PKI,
    ),
    "cpython-017": NUL,
    **dict.fromkeys(["go-074", "go-085"], PRESENTED_DOTS),
    "go-090": NOT_A_HOST_NAME,
}

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def synthetic(presented: dict[str, Any]) -> Certificate:
    """A certificate value holding ``presented``: name-level cases come without certificates.

    ``otherName`` entries (placeholders) make a SAN that holds no dNSName; ``san_parse_error`` becomes
    ``san_error``; ``san_critical`` does not matter to identity matching. No key, no signature:
    matching reads neither.
    """
    error = presented.get("san_parse_error")
    has_san = any(key in presented for key in ("dNSName", "iPAddress", "otherName"))
    san = (
        SubjectAltNames(dns=tuple(presented.get("dNSName", ())), ip=tuple(presented.get("iPAddress", ())))
        if has_san and error is None
        else None
    )
    cns = tuple(presented.get("CN", ()))
    return Certificate(
        subject=",".join(f"CN={cn}" for cn in cns),
        subject_cn=cns,
        issuer="CN=conformance",
        serial="1",
        not_before=EPOCH,
        not_after=EPOCH,
        key=KeyInfo("unknown", None),
        signature_algorithm="",
        sha256="",
        self_signed=False,
        is_ca=False,
        san=san,
        san_error=None if error is None else f"the subjectAltName cannot be parsed: {error}",
        pem="",
    )


@pytest.mark.parametrize("case", params(hostname_cases()))
def test_hostname_case(case: Case | None) -> None:
    data(HOSTNAME)
    assert case is not None
    result = identity.match(case["reference"], synthetic(case["presented"]), "http")
    check(case["id"], result.matched, case["expected"], HOSTNAME_DEVIATIONS, result.reason)


# --- xmpp-identity/cases.json -----------------------------------------------------------------

XMPP_DEVIATIONS: dict[str, str] = {
    # The other xmpp-server cases (027, 033, 040, 043, 044) run under the xmpp profile and agree: their
    # verdicts do not depend on the SRV service. These three do.
    **dict.fromkeys(["xmpp-010", "xmpp-015", "xmpp-031"], XMPP_SERVER),
    "xmpp-045": SINGLE_LABEL_SUFFIX,  # foo.localhost against dNSName *.localhost (ejabberd)
}

PROFILE_BY_SERVICE: dict[str | None, Profile] = {"xmpp-client": "xmpp", "xmpp-server": "xmpp", None: "http"}


@functools.cache
def xmpp_cert(relative: str) -> Certificate:
    """The leaf in a third-party PEM (most are expired: identity matching does not mind)."""
    return certs.read(data(f"{XMPP_CERTS}/{relative}"))[0]


@pytest.mark.parametrize("case", params(xmpp_cases()))
def test_xmpp_case(case: Case | None) -> None:
    data(XMPP)
    assert case is not None
    profile = PROFILE_BY_SERVICE[case["service"]]
    result = identity.match(case["reference"], xmpp_cert(case["cert"]), profile)
    check(case["id"], result.matched, case["expected"], XMPP_DEVIATIONS, result.reason)


# --- limbo-names.json (peer-name cases) -------------------------------------------------------

LIMBO_DEVIATIONS: dict[str, str] = {
    "webpki::san::exact-localhost-ip-san": IP_SAN,
    **dict.fromkeys(
        [
            "webpki::san::public-suffix-multi-label-wildcard-san",
            "webpki::san::public-suffix-private-namespace-wildcard-san",
        ],
        NO_PUBLIC_SUFFIX_LIST,
    ),
    "webpki::san::no-san": CN_FALLBACK,
    **dict.fromkeys(
        [
            "rfc5280::san::noncritical-with-empty-subject",
            "webpki::san::san-critical-with-nonempty-subject",
            "rfc5280::san::underscore-dns",
            # the SAN holds only an iPAddress, so the CN is eligible: the same address, written otherwise
            "webpki::cn::ipv6-uppercase-mismatch",
            "webpki::cn::ipv6-uncompressed-mismatch",
            "webpki::cn::ipv6-non-rfc5952-mismatch",
            # the dNSName matches; limbo fails the certificate for a CN that is not one of its SANs
            "webpki::cn::punycode-not-in-san",
            "webpki::cn::utf8-vs-punycode-mismatch",
            "webpki::cn::not-in-san",
            "webpki::cn::case-mismatch",
        ],
        WEB_PKI,
    ),
}


@pytest.mark.parametrize("case", params(limbo_cases()))
def test_limbo_peer_name_case(case: Case | None) -> None:
    data(LIMBO)
    assert case is not None
    leaf = certs.load(case["peer_certificate"].encode("ascii"), case["id"])[0]
    result = identity.match(case["expected_peer_name"]["value"], leaf, "http")
    check(case["id"], result.matched, case["expected_result"] == "SUCCESS", LIMBO_DEVIATIONS, result.reason)


# --- the lists themselves ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("relative", "cases", "deviations"),
    [
        pytest.param(HOSTNAME, hostname_cases, HOSTNAME_DEVIATIONS, id="hostname"),
        pytest.param(XMPP, xmpp_cases, XMPP_DEVIATIONS, id="xmpp"),
        pytest.param(LIMBO, limbo_cases, LIMBO_DEVIATIONS, id="limbo"),
    ],
)
def test_deviations_name_cases_that_exist(relative: str, cases: Any, deviations: dict[str, str]) -> None:
    """A renamed or dropped vector must leave its DEVIATIONS entry behind loudly, not silently."""
    data(relative)
    assert set(deviations) - {case["id"] for case in cases()} == set()


def test_malformed_san_in_limbo_is_an_error_not_a_cn_fallback() -> None:
    """rfc5280::san::malformed agrees for the right reason: the SAN is an error, and the CN is not used."""
    data(LIMBO)
    (case,) = [c for c in limbo_cases() if c["id"] == "rfc5280::san::malformed"]
    leaf = certs.load(case["peer_certificate"].encode("ascii"), case["id"])[0]
    assert leaf.san is None
    assert leaf.san_error is not None
    assert leaf.subject_cn == (case["expected_peer_name"]["value"],)
    assert not identity.match(case["expected_peer_name"]["value"], leaf, "http").matched
