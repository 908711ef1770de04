"""What collection meets on current releases: the ECDSA probes and the SIP OAuth ports, by product and release."""

from __future__ import annotations

import pytest

from confcheck import collect
from confcheck.collect_plan import ClusterPlan, EndpointPlan, NodePlan, add_current_endpoints, release
from confcheck.model import Endpoint, EndpointError


def planned(product: str, version: str, *endpoints: EndpointPlan) -> list[tuple[str, str, int, str, bool]]:
    plan = ClusterPlan("c", product, version, [NodePlan("n1", "publisher", list(endpoints))])
    add_current_endpoints(plan)
    return [(e.purpose, e.scheme, e.port, e.offer, e.optional) for e in plan.nodes[0].endpoints]


TOMCAT = ("tomcat", "https", 8443)
XMPP = ("cup-xmpp", "xmpp", 5222)


@pytest.mark.parametrize(
    ("product", "version", "expected"),
    [
        ("cucm", "10.5.2.10000-5", [("tomcat", "https", 8443, "any", False)]),
        (
            "cucm",
            "11.5.1.10000-6",
            [("tomcat", "https", 8443, "rsa", False), ("tomcat-ECDSA", "https", 8443, "ecdsa", False)],
        ),
        (
            "cucm",
            "12.0.1.10000-10",
            [("tomcat", "https", 8443, "rsa", False), ("tomcat-ECDSA", "https", 8443, "ecdsa", False)],
        ),
        (
            "cucm",
            "12.5.1.10000-22",
            [
                ("tomcat", "https", 8443, "rsa", False),
                ("tomcat-ECDSA", "https", 8443, "ecdsa", False),
                ("tomcat", "tls", 5090, "rsa", True),
                ("tomcat", "tls", 5091, "rsa", True),
            ],
        ),
        (
            "unity",
            "14.0.1.10000-1",
            [("tomcat", "https", 8443, "rsa", False), ("tomcat-ECDSA", "https", 8443, "ecdsa", False)],
        ),
        ("cucm", "9.1.2.10000-28", [("tomcat", "https", 8443, "any", False)]),
        ("cucm", "not a version", [("tomcat", "https", 8443, "any", False)]),
    ],
)
def test_tomcat_probes_by_product_and_release(
    product: str, version: str, expected: list[tuple[str, str, int, str, bool]]
) -> None:
    assert planned(product, version, EndpointPlan(*TOMCAT)) == expected


def test_im_and_presence_has_twins_for_tomcat_and_cup_xmpp_and_no_sip_oauth() -> None:
    got = planned("imp", "15.0.1.12900-11", EndpointPlan(*TOMCAT), EndpointPlan(*XMPP, "example.com"))
    assert got == [
        ("tomcat", "https", 8443, "rsa", False),
        ("tomcat-ECDSA", "https", 8443, "ecdsa", False),
        ("cup-xmpp", "xmpp", 5222, "rsa", False),
        ("cup-xmpp-ECDSA", "xmpp", 5222, "ecdsa", False),
    ]
    assert planned("cup", "8.6.4.10000-12", EndpointPlan(*TOMCAT), EndpointPlan(*XMPP)) == [
        ("tomcat", "https", 8443, "any", False),
        ("cup-xmpp", "xmpp", 5222, "any", False),
    ]


def test_the_twin_keeps_the_xmpp_domain_and_what_a_plugin_planned_stays_as_planned() -> None:
    plan = ClusterPlan(
        "c", "imp", "14.0", [NodePlan("n1", "publisher", [EndpointPlan(*XMPP, "example.com")])]
    )
    add_current_endpoints(plan)
    assert [e.name for e in plan.nodes[0].endpoints] == ["example.com", "example.com"]
    own = planned(
        "cucm",
        "14.0",
        EndpointPlan(*TOMCAT, offer="rsa"),
        EndpointPlan("tomcat", "tls", 5090, offer="any"),
    )
    assert own == [
        ("tomcat", "https", 8443, "rsa", False),  # a plugin that chose its offer plans its own twin
        ("tomcat", "tls", 5090, "any", False),
        ("tomcat", "tls", 5091, "rsa", True),
    ]


def test_adding_is_idempotent() -> None:
    plan = ClusterPlan("c", "cucm", "15.0", [NodePlan("n1", "publisher", [EndpointPlan(*TOMCAT)])])
    add_current_endpoints(plan)
    first = [(e.purpose, e.port, e.offer) for e in plan.nodes[0].endpoints]
    add_current_endpoints(plan)
    assert [(e.purpose, e.port, e.offer) for e in plan.nodes[0].endpoints] == first


@pytest.mark.parametrize(
    ("version", "expected"), [("12.5.1.10000-22", (12, 5)), ("15", (15, 0)), (" 9.1(2)", (9, 1))]
)
def test_release_reads_major_and_minor(version: str, expected: tuple[int, int]) -> None:
    assert release(version) == expected


def test_an_ecdsa_probe_of_an_endpoint_that_could_not_be_met_is_not_kept() -> None:
    """One failure, said once: a node that timed out is not reported twice (CC204) for its twin."""
    timeout = EndpointError("timeout", "no answer")
    endpoints = [
        Endpoint("tomcat", "https", "n1", 8443, error=timeout),
        Endpoint("tomcat-ECDSA", "https", "n1", 8443, error=timeout),
        Endpoint("cup-xmpp", "xmpp-client", "n1", 5222),
        Endpoint("cup-xmpp-ECDSA", "xmpp-client", "n1", 5222, error=timeout),
    ]
    kept = collect._without_unmet_twins(endpoints)
    assert [(e.purpose, e.port) for e in kept] == [
        ("tomcat", 8443),
        ("cup-xmpp", 5222),
        ("cup-xmpp-ECDSA", 5222),
    ]
