"""Build deployments with real certificates in a few lines, and lint them with the installed plugins."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from confcheck import certs, pki, plugin_manager
from confcheck import lint as linting
from confcheck.certs import Certificate
from confcheck.findings import Severity
from confcheck.lint import LintResult
from confcheck.model import Cluster, Deployment, DnsRecord, Endpoint, EndpointError, Node, Setting
from confcheck.report import Report

SHARED = Path(os.environ.get("CONFCHECK_SHARED", Path(__file__).resolve().parents[2] / "shared"))
"""The team's shared material (conformance data, schemas); tests may read it, the product never does."""


DATA = Path(__file__).resolve().parent / "data"
"""Third-party test data copied into the project (tests/data/README.md: provenance and licences)."""


def shared(relative: str) -> Path:
    """A path under the shared material; skips the test, saying why, when it is not there."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(
            f"{path} is missing: check out the shared material beside the project or set CONFCHECK_SHARED"
        )
    return path


def find_data(relative: str) -> Path | None:
    """``relative`` in tests/data, else in the shared material, else None."""
    for base in (DATA, SHARED):
        if (base / relative).exists():
            return base / relative
    return None


def data(relative: str) -> Path:
    """:func:`find_data`, skipping the test with a reason naming the file when it is in neither place."""
    return find_data(relative) or shared(relative)


@functools.cache
def root_ca() -> pki.Issued:
    """One test CA per session: keys are the slow part."""
    return pki.ca("confcheck Test Root CA")


# --- the trust tests' PKI (tests/test_rules_trust.py, tests/test_trust_verdicts.py) ---------------


@functools.cache
def root() -> pki.Issued:
    return pki.ca("Corp Root CA")


@functools.cache
def issuing() -> pki.Issued:
    return pki.ca("Corp Issuing CA", issuer=root())


@functools.cache
def other_root() -> pki.Issued:
    return pki.ca("Other Root CA")


@functools.cache
def rekeyed_root() -> pki.Issued:
    """A root with the same name as ``root()`` and another key: it signed nothing here."""
    return pki.ca("Corp Root CA")


def cert(
    cn: str | None,
    dns: Iterable[str] = (),
    ips: Iterable[str] = (),
    xmpp_addr: Iterable[str] = (),
    srv_name: Iterable[str] = (),
    self_signed: bool = False,
) -> Certificate:
    """A parsed certificate issued by the test CA (or self-signed)."""
    issued = pki.server(cn, dns, ips, xmpp_addr, srv_name, issuer=None if self_signed else root_ca())
    return parse(issued)


def parse(issued: pki.Issued) -> Certificate:
    """The confcheck view of an issued certificate."""
    return certs.load(issued.pem.encode(), "test")[0]


def tomcat(host: str, leaf: Certificate | None, error: str | None = None) -> Endpoint:
    """A Tomcat (HTTPS 8443) endpoint that presented ``leaf``, or failed with ``error``."""
    return Endpoint(
        "tomcat",
        "https",
        host,
        8443,
        chain=(leaf,) if leaf else (),
        error=EndpointError("timeout", error) if error else None,
    )


def xmpp(host: str, leaf: Certificate, domain: str) -> Endpoint:
    """A cup-xmpp (XMPP STARTTLS 5222) endpoint that presented ``leaf`` to ``domain``."""
    return Endpoint("cup-xmpp", "xmpp-client", host, 5222, server_name=domain, chain=(leaf,))


def node(
    name: str,
    *endpoints: Endpoint,
    hostname: str | None = None,
    domain: str | None = None,
    addresses: Iterable[str] = (),
    role: str = "subscriber",
) -> Node:
    """A node as configured, with its endpoints."""
    return Node(name, role, hostname, domain, tuple(addresses), endpoints)  # type: ignore[arg-type]


def cluster(name: str, product: str, version: str, nodes: Iterable[Node], *settings: Setting) -> Cluster:
    """A cluster; the first node is the publisher."""
    nodes = list(nodes)
    if nodes:
        first = nodes[0]
        nodes[0] = Node(
            first.name, "publisher", first.hostname, first.domain, first.addresses, first.endpoints
        )
    return Cluster(name, product, version, tuple(nodes), settings)  # type: ignore[arg-type]


def deployment(
    *clusters: Cluster, externals: Iterable[Node] = (), dns: Iterable[DnsRecord] = ()
) -> Deployment:
    """A deployment of ``clusters``."""
    return Deployment(tuple(clusters), tuple(externals), tuple(dns))


def lint(deployment: Deployment) -> LintResult:
    """Lint with the installed catalog and rules, as ``confcheck lint`` does."""
    return linting.lint(deployment, plugin_manager.catalog(), plugin_manager.rules())


def codes(result: LintResult) -> list[str]:
    """The rule codes of the findings, in report order."""
    return [f.rule for f in result.findings]


def report(deployment: Deployment, fail_on: str = "error", **extra: Any) -> Report:
    """The Report reporters receive for ``deployment``, as ``confcheck lint`` builds it."""
    result = lint(deployment)
    return Report(
        deployment=deployment,
        findings=result.findings,
        references=result.references,
        incomplete=result.incomplete,
        missing=result.missing,
        fail_on=None if fail_on == "never" else Severity.parse(fail_on),
        source=extra.pop("source", "test-snapshot.json"),
        **extra,
    )


def demo_deployment() -> Deployment:
    """The example snapshot in which every rule fires (examples/demo-snapshot.json)."""
    from confcheck import snapshot

    return snapshot.read(
        Path(__file__).parents[1] / "examples" / "demo-snapshot.json", plugin_manager.catalog()
    )
