"""Lab scenarios: one TOML data file per situation, in ``confcheck/lab/scenarios/``.

A scenario describes clusters, nodes and the settings an admin typed, with placeholders that the
lab fills in once it has given every node an address: ``{ip}``, ``{fqdn}``, ``{host}`` of the node
itself, ``{cucm1.ip}`` of another node, ``{domain}`` of the deployment. Certificates are described
by the identities they hold and who signed them; the lab makes them, real, at start.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from confcheck.errors import InputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


@dataclass(frozen=True, slots=True)
class CertSpec:
    """A certificate to make: its identities (with placeholders) and who signs it."""

    cn: str | None = "{fqdn}"
    dns: tuple[str, ...] = ("{fqdn}",)
    xmpp_addr: tuple[str, ...] = ()
    srv_name: tuple[str, ...] = ()
    signer: str = "ca"
    """``ca`` (the lab's issuing CA) or ``self``."""
    expired: bool = False


@dataclass(frozen=True, slots=True)
class NodeSpec:
    """A server of a cluster (or an external one)."""

    host: str
    name: str = "{fqdn}"
    """How the admin configured it (System > Server, Cluster Topology)."""
    tomcat: CertSpec = field(default_factory=CertSpec)
    xmpp: CertSpec | None = None
    """The cup-xmpp certificate (CUP and IM and Presence nodes); None: the default for the cluster."""
    fault: str | None = None
    """``down`` (nothing listens) or ``slow`` (accepts, never answers)."""


@dataclass(frozen=True, slots=True)
class UcServiceSpec:
    """A CUCM 9.x UC service."""

    type: str
    product: str
    name: str
    host: str
    port: int
    protocol: str


@dataclass(frozen=True, slots=True)
class ServerEntry:
    """A CUP 8.x voicemail, mail store or conferencing server entry (name, host, port, protocol)."""

    name: str
    host: str
    port: int
    protocol: str


@dataclass(frozen=True, slots=True)
class ClusterSpec:
    """One cluster of the scenario."""

    name: str
    product: str
    version: str
    nodes: tuple[NodeSpec, ...]
    uc_services: tuple[UcServiceSpec, ...] = ()
    tftp: tuple[str, ...] = ()
    ccmcip: tuple[tuple[str, str, str], ...] = ()
    xmpp_domain: str = "{domain}"
    use_domain_san: bool = True
    """The "Use Domain Name for XMPP Certificate Subject Alternative Name" box (and its effect on cup-xmpp)."""
    voicemail: tuple[ServerEntry, ...] = ()
    mailstores: tuple[ServerEntry, ...] = ()
    conferencing: tuple[ServerEntry, ...] = ()
    axl_throttle: int = 0
    """Answer this many AXL requests with HTTP 503 before serving."""
    rejects_password: bool = False
    """The lab expects a different password than the one it hands out (a failed login)."""


@dataclass(frozen=True, slots=True)
class ExternalSpec:
    """A server outside the clusters: a mail store (IMAPS) or a conferencing server (HTTPS)."""

    host: str
    purpose: str
    port: int
    cert: CertSpec = field(default_factory=CertSpec)


@dataclass(frozen=True, slots=True)
class DnsSpec:
    """How the lab's DNS departs from a tidy zone (by default every host has its A and PTR records)."""

    missing: tuple[str, ...] = ()
    """Hosts without A or PTR records."""
    elsewhere: tuple[tuple[str, str], ...] = ()
    """(host, other host): the first's A record holds the second's address."""
    ptr: tuple[tuple[str, str], ...] = ()
    """(host, name): the PTR record of the host's address names ``name`` (in the domain) instead."""
    srv: tuple[tuple[str, str], ...] = ()
    """(service, host): extra SRV targets, e.g. ("_cisco-uds._tcp", "cucm-old")."""


@dataclass(frozen=True, slots=True)
class Scenario:
    """A whole simulated deployment."""

    name: str
    description: str
    domain: str
    clusters: tuple[ClusterSpec, ...]
    externals: tuple[ExternalSpec, ...] = ()
    dns: DnsSpec = field(default_factory=DnsSpec)


def names() -> list[str]:
    """The built-in scenarios."""
    folder = resources.files("confcheck.lab") / "scenarios"
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


def load(name_or_path: str) -> Scenario:
    """A built-in scenario by name, or a scenario file by path."""
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.exists():
        text, name = path.read_text(encoding="utf-8"), path.stem
    else:
        resource = resources.files("confcheck.lab") / "scenarios" / f"{name_or_path}.toml"
        if not resource.is_file():
            raise InputError(f"unknown scenario {name_or_path!r} (built-in: {', '.join(names())})")
        text, name = resource.read_text(encoding="utf-8"), name_or_path
    try:
        return _scenario(name, tomllib.loads(text))
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise InputError(f"scenario {name}: {exc}") from None


def _scenario(name: str, data: dict[str, Any]) -> Scenario:
    return Scenario(
        name=name,
        description=data.get("description", ""),
        domain=data["domain"],
        clusters=tuple(_cluster(c) for c in data["cluster"]),
        externals=tuple(
            ExternalSpec(e["host"], e["purpose"], int(e["port"]), _cert(e.get("cert", {})))
            for e in data.get("external", [])
        ),
        dns=_dns(data.get("dns", {})),
    )


def _dns(data: dict[str, Any]) -> DnsSpec:
    return DnsSpec(
        missing=tuple(data.get("missing", ())),
        elsewhere=tuple(data.get("elsewhere", {}).items()),
        ptr=tuple(data.get("ptr", {}).items()),
        srv=tuple((s["service"], s["target"]) for s in data.get("srv", [])),
    )


def _cluster(data: dict[str, Any]) -> ClusterSpec:
    def entries(key: str) -> tuple[ServerEntry, ...]:
        return tuple(
            ServerEntry(e["name"], e["host"], int(e["port"]), e["protocol"]) for e in data.get(key, [])
        )

    return ClusterSpec(
        name=data["name"],
        product=data["product"],
        version=data["version"],
        nodes=tuple(_node(n) for n in data["node"]),
        uc_services=tuple(
            UcServiceSpec(u["type"], u["product"], u["name"], u["host"], int(u["port"]), u["protocol"])
            for u in data.get("uc_service", [])
        ),
        tftp=tuple(data.get("tftp", ())),
        ccmcip=tuple((c["name"], c["primary"], c.get("backup", "")) for c in data.get("ccmcip", [])),
        xmpp_domain=data.get("xmpp_domain", "{domain}"),
        use_domain_san=bool(data.get("use_domain_san", True)),
        voicemail=entries("voicemail"),
        mailstores=entries("mailstore"),
        conferencing=entries("conferencing"),
        axl_throttle=int(data.get("axl_throttle", 0)),
        rejects_password=bool(data.get("rejects_password", False)),
    )


def _node(data: dict[str, Any]) -> NodeSpec:
    fault = data.get("fault")
    if fault not in (None, "down", "slow"):
        raise ValueError(f"node {data.get('host')}: fault must be 'down' or 'slow'")
    return NodeSpec(
        host=data["host"],
        name=data.get("name", "{fqdn}"),
        tomcat=_cert(data.get("tomcat", {})),
        xmpp=_cert(data["xmpp"]) if "xmpp" in data else None,
        fault=fault,
    )


def _cert(data: dict[str, Any]) -> CertSpec:
    signer = data.get("signer", "ca")
    if signer not in ("ca", "self"):
        raise ValueError("signer must be 'ca' or 'self'")
    return CertSpec(
        cn=data.get("cn", "{fqdn}"),
        dns=tuple(data.get("dns", ("{fqdn}",))),
        xmpp_addr=tuple(data.get("xmpp_addr", ())),
        srv_name=tuple(data.get("srv_name", ())),
        signer=signer,
        expired=bool(data.get("expired", False)),
    )


_PLACEHOLDER = re.compile(r"\{([a-z0-9-]+)(?:\.([a-z]+))?\}")


def fill(template: str, own: dict[str, str], hosts: dict[str, dict[str, str]]) -> str:
    """Replace ``{ip}``/``{fqdn}``/``{host}``/``{domain}`` (this node) and ``{cucm1.ip}`` (another)."""

    def one(found: re.Match[str]) -> str:
        first, second = found.group(1), found.group(2)
        if second is None:
            if first not in own:
                raise ValueError(f"unknown placeholder {{{first}}} in {template!r}")
            return own[first]
        if first not in hosts or second not in hosts[first]:
            raise ValueError(f"unknown placeholder {{{first}.{second}}} in {template!r}")
        return hosts[first][second]

    return _PLACEHOLDER.sub(one, template)
