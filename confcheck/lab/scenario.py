"""Lab scenarios: one TOML data file per situation, in ``confcheck/lab/scenarios/``.

A scenario describes clusters, nodes and the settings an admin typed, with placeholders that the
lab fills in once it has given every node an address: ``{ip}``, ``{fqdn}``, ``{host}`` of the node
itself, ``{cucm1.ip}`` of another node, ``{domain}`` of the deployment. Certificates are described
by the identities they hold and who signed them; the lab makes them, real, at start.

A certificate is a table: a node's ``tomcat`` and ``xmpp`` (cup-xmpp), an external's ``cert``.
Every key is optional; the defaults make a healthy CA-signed certificate for the node's FQDN::

    [cluster.node.tomcat]
    cn = "{fqdn}"              # the Subject CN; "" for none
    dns = ["{fqdn}"]           # SAN dNSNames; also xmpp_addr = [...] and srv_name = [...]
    signer = "ca"              # "ca": the lab's issuing CA (under the lab root), or "self"
    expires_in_days = 10       # days left from the lab's start; negative: expired that long ago
    expired = true             # expired a year ago (expires_in_days = -370); not with expires_in_days
    key = "rsa:1024"           # "ec" (P-256, the default) or "rsa:1024", "rsa:2048", "rsa:3072", "rsa:4096"
    subject = { O = "Acme, Inc.", OU = "UC", L = "Springfield", ST = "Illinois", C = "US" }
                               # the fields before the CN, in this order (default O=confcheck, OU=lab)
    send_chain = false         # the server sends only its leaf, not the CA certificates above it
    shared = "cucm4-5"         # one certificate for every table with this label (described alike,
                               # placeholders filled by the first of them in the file)
    pushed = true              # the clients' trust store holds this exact certificate (method 2)
    eku = ["server"]           # the extended key usages: "server", "client", "ipsec" (default server
                               # and client, as Cisco's requests ask)

Current releases hold two certificates per service, an RSA one and its ECDSA twin, and serve the
one the client's offer allows. A node's ``tomcat_ecdsa`` and ``xmpp_ecdsa`` tables describe the twin
(an EC key, the same keys as above otherwise); with one, the node's server holds both and picks by
the client's offer, as Tomcat does when the HTTPS Ciphers enterprise parameter allows EC ciphers.
Without one, the node serves its RSA or EC certificate alone (give the RSA one ``key = "rsa:2048"``
to play a current release faithfully). A CUCM node's ``sip_oauth = true`` serves its Tomcat
certificates on the SIP OAuth ports 5090 and 5091 too (5091 asks for a client certificate, as
Expressway-C's mutual TLS does); ``[cluster.node.sip_oauth]``, a certificate table, serves that
certificate there instead: CallManager not restarted since Tomcat's certificate was replaced. A
multi-server certificate is one ``shared`` certificate whose CN is ``{cucm1.host}-ms.{domain}``.

Host names are DNS labels (``cucm1``: letters, digits and inner hyphens, at most 63), the domain a
DNS name made of such labels, and an external server's purpose ``mailstore`` or ``conferencing``:
the lab names its certificate and key files after them, so nothing in a scenario file can point a
file outside the lab's work directory.

CUCM 10.x and later (``version``) answer as those releases do (see :mod:`confcheck.lab.axl`), and a
cluster describes what they add::

    [[cluster.uc_service]]     # any UC service type; host, port and protocol are optional
    type = "Jabber Client Configuration (jabber-config.xml)"
    product = "Jabber"
    name = "JC-HQ"
    params.Voicemail.VoicemailPrimaryServer = "{cuc1.ip}"   # section, parameter, value
    params.Phone.TftpServer1 = "{cucm1.fqdn}"

    [[cluster.service_profile]]
    name = "SP-HQ"
    default = true             # "Make this the default service profile for the system"
    services = ["IMP-HQ", "VM-HQ"]   # UC services it lists, primary first within each type
    jabber = { common = "JC-HQ" }    # 12.5 and later: common, desktop, mobile

An IM and Presence cluster of 10.x or later has its nodes named in a CUCM cluster's System > Server:
``cucm = "hq-cucm"`` names that cluster (default: the scenario's only CUCM cluster of 10.x or later).
From 11.5 its publisher answers IM and Presence's own AXL (getCUPVersion, getClusterInfo); before,
its nodes show on the Presence Topology page. A Unity Connection cluster of 10.x or later answers
CUPI's ``/vmrest/version/product/`` (with the lab's credentials), and the lab's inventory leaves its
version out, so that confcheck reads it there.

A scenario's ``[check]`` table says what the lab's inventory asks of the checks: with
``trust_store = true`` its ``[check] trust_store`` names what the Jabber clients trust, the lab's
root CA and every certificate marked ``pushed``, so that the trust rules (CC4xx) judge the chains.
``trust_stores`` gives each client platform its own store (``windows``, ``windows_enterprise``,
``macos``, ``ios``, ``android``), each a list of ``lab`` (the lab's root CA), ``public`` (the lab's
second root, which signs certificates with ``signer = "public"``, as a public CA would) and
``pushed``.

Jabber's sign-in journey (``[[jabber]]``) needs more of the deployment, and a scenario can describe it::

    [[cluster]]                # Expressway stand-ins: HTTPS on 8443 with the node's "tomcat" certificate
    name = "edge"
    product = "expressway-e"   # or "expressway-c", which also takes:
    version = "X15.0.1"        # unified_cm = ["{cucm1.fqdn}"], im_and_presence = [...], tls_verify = true

    [[cluster]]                # a CUCM cluster: its nodes serve jabber-config.xml over TFTP (HTTP 6970,
    jabber_config = '<config version="1.0">...</config>'   # HTTPS 6972) when the scenario has [[jabber]]
    [[cluster.node]]
    uds = "html"               # faults of a node's answers: "html", "redirect", "oversized", "malformed";
    tftp = "malformed"         # tftp also "none" (no TFTP on that node)

    [[jabber]]                 # becomes the inventory's [[jabber]] (placeholders filled)
    services_domain = "{domain}"
    clients = [{ platform = "mac", version = "14.1" }]
    external_dns = true        # the lab's second DNS server, answering as the Internet does

    [dns]
    external_srv = [{ service = "_collab-edge._tls", target = "expe1" }]   # default: every Expressway-E node
    without = ["_cisco-uds._tcp"]   # records the internal zone leaves out
"""

from __future__ import annotations

import re
import sys
from dataclasses import field
from importlib import resources
from pathlib import Path
from typing import Any

from confcheck import records
from confcheck.errors import InputError
from confcheck.records import replace

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


@records.record
class CertSpec:
    """A certificate to make: its identities (with placeholders) and who signs it."""

    cn: str | None = "{fqdn}"
    dns: tuple[str, ...] = ("{fqdn}",)
    xmpp_addr: tuple[str, ...] = ()
    srv_name: tuple[str, ...] = ()
    signer: str = "ca"
    """``ca`` (the lab's issuing CA, under the lab's root), ``public`` (the lab's second root, as a
    public CA) or ``self``."""
    expired: bool = False
    """Expired a year ago: the same as ``expires_in_days = -370``."""
    expires_in_days: int | None = None
    """Days from the lab's start to the end of validity (negative: expired); None: two years ahead."""
    key: str = "ec"
    """``ec`` (P-256) or ``rsa:BITS``, BITS one of :data:`RSA_BITS`."""
    subject: tuple[tuple[str, str], ...] | None = None
    """The subject's fields before the CN, in order (O, OU, L, ST, C); None: O=confcheck, OU=lab."""
    send_chain: bool = True
    """False: the server sends its own certificate only, not the CA certificates that signed it."""
    shared: str | None = None
    """A label: every certificate with this label is one and the same (one key, one serial)."""
    pushed: bool = False
    """The clients' trust store holds this exact certificate (needs the scenario's trust store)."""
    eku: tuple[str, ...] = ("server", "client")
    """The extended key usages, of :data:`EKU`."""

    @property
    def days_left(self) -> int | None:
        """Days from the lab's start to the end of validity; None: the default two years."""
        return -EXPIRED_DAYS if self.expired else self.expires_in_days

    @property
    def rsa_bits(self) -> int | None:
        """The RSA key size; None for an EC key."""
        kind, _, bits = self.key.partition(":")
        return int(bits) if kind == "rsa" else None


EXPIRED_DAYS = 370
"""How long ago an ``expired = true`` certificate expired."""
RSA_BITS = (1024, 2048, 3072, 4096)
EKU = {"server": "serverAuth", "client": "clientAuth", "ipsec": "ipsecEndSystem"}
"""A certificate table's ``eku`` values, and the extended key usages they stand for."""
SUBJECT_FIELDS = ("O", "OU", "L", "ST", "C")
CERT_KEYS = frozenset(
    {
        "cn",
        "dns",
        "xmpp_addr",
        "srv_name",
        "signer",
        "expired",
        "expires_in_days",
        "key",
        "subject",
        "send_chain",
        "shared",
        "pushed",
        "eku",
    }
)


@records.record
class NodeSpec:
    """A server of a cluster (or an external one)."""

    host: str
    name: str = "{fqdn}"
    """How the admin configured it (System > Server, Cluster Topology)."""
    tomcat: CertSpec = field(default_factory=CertSpec)
    xmpp: CertSpec | None = None
    """The cup-xmpp certificate (CUP and IM and Presence nodes); None: the default for the cluster."""
    tomcat_ecdsa: CertSpec | None = None
    """The ECDSA twin of the Tomcat certificate; None: the node serves its Tomcat certificate alone."""
    xmpp_ecdsa: CertSpec | None = None
    """The ECDSA twin of the cup-xmpp certificate."""
    sip_oauth: bool = False
    """Serve the SIP OAuth ports 5090 and 5091 (CUCM nodes)."""
    sip_oauth_cert: CertSpec | None = None
    """What the SIP OAuth ports present instead of the Tomcat certificates (a restart not yet made)."""
    fault: str | None = None
    """``down`` (nothing listens) or ``slow`` (accepts, never answers)."""
    uds: str | None = None
    """How the node's UDS answers wrongly (:data:`ANSWER_FAULTS`); None: as CUCM does."""
    tftp: str | None = None
    """How the node's TFTP answers wrongly (:data:`ANSWER_FAULTS`, or ``none``: no TFTP there)."""


ANSWER_FAULTS = ("html", "redirect", "oversized", "malformed")
"""How a lab server can answer what Jabber cannot use: a login page, a redirect, too much, broken XML."""


@records.record
class UcServiceSpec:
    """A CUCM UC service (9.0 and later)."""

    type: str
    product: str
    name: str
    host: str = ""
    port: int | None = None
    protocol: str = ""
    params: tuple[tuple[str, str], ...] = ()
    """``ucServiceXml`` parameters as (``Section/Parameter``, value), e.g. of a Jabber Client Configuration."""


@records.record
class ProfileSpec:
    """A CUCM service profile: the UC services it hands to Jabber."""

    name: str
    default: bool = False
    services: tuple[str, ...] = ()
    jabber: tuple[str, str, str] | None = None
    """(common, desktop, mobile) Jabber Client Configuration services, 12.5 and later."""


@records.record
class ServerEntry:
    """A CUP 8.x voicemail, mail store or conferencing server entry (name, host, port, protocol)."""

    name: str
    host: str
    port: int
    protocol: str


@records.record
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
    service_profiles: tuple[ProfileSpec, ...] = ()
    cucm: str | None = None
    """IM and Presence 10.x and later: the CUCM cluster whose System > Server names its nodes."""
    jabber_config: str | None = None
    """CUCM: the jabber-config.xml its TFTP serves (placeholders filled); None: none (HTTP 404)."""
    unified_cm: tuple[str, ...] = ()
    """Expressway-C: the Unified CM publisher addresses it is configured with."""
    im_and_presence: tuple[str, ...] = ()
    unity_connection: tuple[str, ...] = ()
    tls_verify: bool = True

    @property
    def major(self) -> int:
        """The release's major number (``14`` for ``14.0.1.11900-132``)."""
        found = re.match(r"\s*(\d+)", self.version)
        return int(found[1]) if found else 0


@records.record
class ExternalSpec:
    """A server outside the clusters: a mail store (IMAPS) or a conferencing server (HTTPS)."""

    host: str
    purpose: str
    port: int
    cert: CertSpec = field(default_factory=CertSpec)


@records.record
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
    external_srv: tuple[tuple[str, str], ...] | None = None
    """(service, host): the external view's SRV records; None: ``_collab-edge._tls`` to every Expressway-E node."""
    without: tuple[str, ...] = ()
    """SRV records (``_cisco-uds._tcp``) the internal zone leaves out."""


@records.record
class CheckSpec:
    """What the lab's inventory sets in its ``[check]`` table."""

    trust_store: bool = False
    """Name the clients' trust store (the lab root CA and every pushed certificate)."""
    trust_stores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Per platform store (``windows``, ``windows_enterprise``, ``macos``, ``ios``, ``android``): what it holds,
    of ``lab``, ``public`` and ``pushed``."""


@records.record
class JabberSpec:
    """A services domain the lab's inventory names in ``[[jabber]]`` (placeholders filled by the lab)."""

    services_domain: str = "{domain}"
    name: str | None = None
    xmpp_domains: tuple[str, ...] = ()
    clients: tuple[tuple[str, str | None], ...] = ()
    external_dns: bool = False
    service_profile: str | None = None
    bootstrap: tuple[tuple[str, str], ...] = ()
    invalid_certificate_behavior: str | None = None
    cluster: str | None = None


@records.record
class Scenario:
    """A whole simulated deployment."""

    name: str
    description: str
    domain: str
    clusters: tuple[ClusterSpec, ...]
    externals: tuple[ExternalSpec, ...] = ()
    dns: DnsSpec = field(default_factory=DnsSpec)
    check: CheckSpec = field(default_factory=CheckSpec)
    jabber: tuple[JabberSpec, ...] = ()

    def certificates(self) -> list[tuple[str, CertSpec]]:
        """Every certificate the scenario describes, with where: ``node cucm1 tomcat``, ..."""
        found: list[tuple[str, CertSpec]] = []
        for cluster in self.clusters:
            for node in cluster.nodes:
                found.append((f"node {node.host} tomcat", node.tomcat))
                more = {
                    "xmpp": node.xmpp,
                    "tomcat_ecdsa": node.tomcat_ecdsa,
                    "xmpp_ecdsa": node.xmpp_ecdsa,
                    "sip_oauth": node.sip_oauth_cert,
                }
                found += [(f"node {node.host} {key}", spec) for key, spec in more.items() if spec is not None]
        found += [(f"external {e.host} cert", e.cert) for e in self.externals]
        return found


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


LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
"""One DNS label: what a host name in a scenario must be."""
EXTERNAL_PURPOSES = ("mailstore", "conferencing")


def host_name(value: Any, where: str) -> str:
    """``value`` if it is one DNS label; ValueError naming ``where`` otherwise."""
    if not isinstance(value, str) or not LABEL.fullmatch(value):
        raise ValueError(
            f"{where}: host {value!r} is not a host name "
            "(one DNS label: letters, digits and inner hyphens, at most 63)"
        )
    return value


def domain_name(value: Any) -> str:
    """``value`` if it is a DNS name of labels; ValueError otherwise."""
    labels = value.split(".") if isinstance(value, str) else []
    if not labels or len(value) > 253 or not all(LABEL.fullmatch(label) for label in labels):
        raise ValueError(f"domain {value!r} is not a DNS domain name (labels separated by dots)")
    return str(value)


def _external(data: dict[str, Any]) -> ExternalSpec:
    host = host_name(data["host"], "external")
    purpose = data["purpose"]
    if purpose not in EXTERNAL_PURPOSES:
        raise ValueError(f"external {host}: purpose must be one of {', '.join(EXTERNAL_PURPOSES)}")
    return ExternalSpec(
        host, purpose, int(data["port"]), _cert(data.get("cert", {}), f"external {host} cert")
    )


def _scenario(name: str, data: dict[str, Any]) -> Scenario:
    found = Scenario(
        name=name,
        description=data.get("description", ""),
        domain=domain_name(data["domain"]),
        clusters=tuple(_cluster(c) for c in data["cluster"]),
        externals=tuple(_external(e) for e in data.get("external", [])),
        dns=_dns(data.get("dns", {})),
        check=_check(data.get("check", {})),
        jabber=tuple(_jabber(j) for j in data.get("jabber", [])),
    )
    _check_certificates(found)
    hosts = [n.host.lower() for c in found.clusters for n in c.nodes] + [
        e.host.lower() for e in found.externals
    ]
    twice = sorted({h for h in hosts if hosts.count(h) > 1})
    if twice:
        raise ValueError(f"host {twice[0]!r} is described twice; every host name is one server")
    return _attach_presence(found)


def _attach_presence(found: Scenario) -> Scenario:
    """Give every IM and Presence cluster of 10.x or later the CUCM cluster that names its nodes."""
    current = [c.name for c in found.clusters if c.product == "cucm" and c.major >= 10]
    clusters = []
    for given in found.clusters:
        cluster = given
        if cluster.product == "imp" and cluster.major >= 10:
            if cluster.cucm is None and len(current) == 1:
                cluster = replace(cluster, cucm=current[0])
            elif cluster.cucm is not None and cluster.cucm not in current:
                raise ValueError(
                    f"cluster {cluster.name}: cucm = {cluster.cucm!r} is not a CUCM cluster of 10.x or later "
                    f"in this scenario (there are: {', '.join(current) or 'none'})"
                )
        elif cluster.cucm is not None:
            raise ValueError(f"cluster {cluster.name}: cucm is for IM and Presence clusters of 10.x or later")
        clusters.append(cluster)
    return replace(found, clusters=tuple(clusters))


def _check(data: dict[str, Any]) -> CheckSpec:
    unknown = sorted(set(data) - {"trust_store", "trust_stores"})
    if unknown:
        raise ValueError(f"[check]: unknown key {unknown[0]!r} (known: trust_store, trust_stores)")
    trust_store = data.get("trust_store", False)
    if not isinstance(trust_store, bool):
        raise ValueError("[check]: trust_store must be true or false")
    stores = data.get("trust_stores", {})
    keys = ("windows", "windows_enterprise", "macos", "ios", "android")
    if not isinstance(stores, dict) or set(stores) - set(keys):
        raise ValueError(f"[check]: trust_stores must be a table of {', '.join(keys)}")
    for key, held in stores.items():
        if not isinstance(held, list) or set(held) - {"lab", "public", "pushed"}:
            raise ValueError(f"[check]: trust_stores.{key} must be a list of 'lab', 'public' and 'pushed'")
    return CheckSpec(trust_store=trust_store, trust_stores=tuple((k, tuple(v)) for k, v in stores.items()))


JABBER_KEYS = frozenset(
    {
        "services_domain",
        "name",
        "xmpp_domains",
        "clients",
        "external_dns",
        "service_profile",
        "bootstrap",
        "invalid_certificate_behavior",
        "cluster",
    }
)


def _jabber(data: dict[str, Any]) -> JabberSpec:
    unknown = sorted(set(data) - JABBER_KEYS)
    if unknown:
        raise ValueError(f"[[jabber]]: unknown key {unknown[0]!r} (known: {', '.join(sorted(JABBER_KEYS))})")
    clients = data.get("clients", [])
    if not isinstance(clients, list) or not all(isinstance(c, dict) and "platform" in c for c in clients):
        raise ValueError(
            '[[jabber]]: clients must be a list of tables, e.g. [{ platform = "mac", version = "14.1" }]'
        )
    bootstrap = data.get("bootstrap", {})
    if not isinstance(bootstrap, dict):
        raise ValueError("[[jabber]]: bootstrap must be a table of installer arguments")
    return JabberSpec(
        services_domain=str(data.get("services_domain", "{domain}")),
        name=data.get("name"),
        xmpp_domains=tuple(str(x) for x in data.get("xmpp_domains", ())),
        clients=tuple((str(c["platform"]), c.get("version")) for c in clients),
        external_dns=_flag(data, "external_dns", False, "[[jabber]]"),
        service_profile=data.get("service_profile"),
        bootstrap=tuple((str(k), str(v)) for k, v in bootstrap.items()),
        invalid_certificate_behavior=data.get("invalid_certificate_behavior"),
        cluster=data.get("cluster"),
    )


def _check_certificates(found: Scenario) -> None:
    """What no single certificate table can say: sharing labels and pushed certificates."""
    shared: dict[str, list[tuple[str, CertSpec]]] = {}
    for where, spec in found.certificates():
        if spec.pushed and not (
            found.check.trust_store or any("pushed" in v for _, v in found.check.trust_stores)
        ):
            raise ValueError(
                f"{where}: pushed = true needs trust_store = true in the scenario's [check] table"
            )
        if spec.shared is not None:
            shared.setdefault(spec.shared, []).append((where, spec))
    for label, specs in shared.items():
        if len(specs) < 2:
            raise ValueError(f"{specs[0][0]}: shared = {label!r} is the only certificate with that label")
        first_where, first = specs[0]
        for where, spec in specs[1:]:
            if spec != first:
                raise ValueError(
                    f"{where}: shared = {label!r} is described differently from {first_where}: "
                    "certificates sharing a label must be described alike"
                )


def _dns(data: dict[str, Any]) -> DnsSpec:
    external = data.get("external_srv")
    return DnsSpec(
        missing=tuple(data.get("missing", ())),
        elsewhere=tuple(data.get("elsewhere", {}).items()),
        ptr=tuple(data.get("ptr", {}).items()),
        srv=tuple((s["service"], s["target"]) for s in data.get("srv", [])),
        external_srv=None if external is None else tuple((s["service"], s["target"]) for s in external),
        without=tuple(data.get("without", ())),
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
        uc_services=tuple(_uc_service(u) for u in data.get("uc_service", [])),
        service_profiles=tuple(_profile(p, data["name"]) for p in data.get("service_profile", [])),
        cucm=data.get("cucm"),
        tftp=tuple(data.get("tftp", ())),
        ccmcip=tuple((c["name"], c["primary"], c.get("backup", "")) for c in data.get("ccmcip", [])),
        xmpp_domain=data.get("xmpp_domain", "{domain}"),
        use_domain_san=bool(data.get("use_domain_san", True)),
        voicemail=entries("voicemail"),
        mailstores=entries("mailstore"),
        conferencing=entries("conferencing"),
        axl_throttle=int(data.get("axl_throttle", 0)),
        rejects_password=bool(data.get("rejects_password", False)),
        jabber_config=data.get("jabber_config"),
        unified_cm=tuple(data.get("unified_cm", ())),
        im_and_presence=tuple(data.get("im_and_presence", ())),
        unity_connection=tuple(data.get("unity_connection", ())),
        tls_verify=bool(data.get("tls_verify", True)),
    )


def _uc_service(data: dict[str, Any]) -> UcServiceSpec:
    where = f"uc_service {data.get('name')!r}"
    params = data.get("params", {})
    if not isinstance(params, dict) or not all(isinstance(v, dict) for v in params.values()):
        raise ValueError(
            f'{where}: params must be a table of sections, e.g. params.Phone.TftpServer1 = "..."'
        )
    pairs = []
    for section, values in params.items():
        for parameter, value in values.items():
            if not isinstance(value, str):
                raise ValueError(f"{where}: params.{section}.{parameter} must be a string")
            pairs.append((f"{section}/{parameter}", value))
    port = data.get("port")
    return UcServiceSpec(
        str(data["type"]),
        str(data["product"]),
        str(data["name"]),
        str(data.get("host", "")),
        None if port is None else int(port),
        str(data.get("protocol", "")),
        tuple(pairs),
    )


def _profile(data: dict[str, Any], cluster: str) -> ProfileSpec:
    where = f"cluster {cluster}: service_profile {data.get('name')!r}"
    unknown = sorted(set(data) - {"name", "default", "services", "jabber"})
    if unknown:
        raise ValueError(f"{where}: unknown key {unknown[0]!r} (known: default, jabber, name, services)")
    jabber = data.get("jabber")
    if jabber is not None:
        if not isinstance(jabber, dict) or set(jabber) - {"common", "desktop", "mobile"}:
            raise ValueError(
                f'{where}: jabber must be a table of common, desktop and mobile, e.g. {{ common = "JC" }}'
            )
        jabber = (jabber.get("common", ""), jabber.get("desktop", ""), jabber.get("mobile", ""))
    return ProfileSpec(
        str(data["name"]),
        _flag(data, "default", False, where),
        tuple(str(s) for s in data.get("services", ())),
        jabber,
    )


def _node(data: dict[str, Any]) -> NodeSpec:
    fault = data.get("fault")
    if fault not in (None, "down", "slow"):
        raise ValueError(f"node {data.get('host')}: fault must be 'down' or 'slow'")
    for key, allowed in (("uds", ANSWER_FAULTS), ("tftp", (*ANSWER_FAULTS, "none"))):
        if data.get(key) not in (None, *allowed):
            raise ValueError(f"node {data.get('host')}: {key} must be one of {', '.join(allowed)}")
    host_name(data.get("host"), f"cluster node {data.get('host')!r}")
    host = data["host"]
    twins = {
        key: _twin(data[key], f"node {host} {key}") for key in ("tomcat_ecdsa", "xmpp_ecdsa") if key in data
    }
    sip = data.get("sip_oauth", False)
    if not isinstance(sip, bool | dict):
        raise ValueError(f"node {host} sip_oauth: expected true, false or a table of certificate settings")
    found = NodeSpec(
        host=host,
        name=data.get("name", "{fqdn}"),
        tomcat=_cert(data.get("tomcat", {}), f"node {host} tomcat"),
        xmpp=_cert(data["xmpp"], f"node {host} xmpp") if "xmpp" in data else None,
        tomcat_ecdsa=twins.get("tomcat_ecdsa"),
        xmpp_ecdsa=twins.get("xmpp_ecdsa"),
        sip_oauth=sip is not False,
        sip_oauth_cert=_cert(sip, f"node {host} sip_oauth") if isinstance(sip, dict) else None,
        fault=fault,
        uds=data.get("uds"),
        tftp=data.get("tftp"),
    )
    for key, spec in (("tomcat", found.tomcat), ("xmpp", found.xmpp)):
        if f"{key}_ecdsa" in twins and (spec is None or spec.rsa_bits is None):
            raise ValueError(
                f'node {host} {key}: give it key = "rsa:2048" beside {key}_ecdsa: a server holds one '
                "certificate per key type, and the twin is the EC one"
            )
    return found


def _twin(data: dict[str, Any], where: str) -> CertSpec:
    """An ECDSA twin's table: a certificate table whose key is EC."""
    spec = _cert(data, where)
    if spec.key != "ec":
        raise ValueError(f"{where}: key must be 'ec' (an ECDSA twin), not {spec.key!r}")
    return spec


def _cert(data: dict[str, Any], where: str = "certificate") -> CertSpec:
    """A certificate table; ``where`` (``node cucm1 tomcat``) starts every error message."""
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected a table of certificate settings")
    unknown = sorted(set(data) - CERT_KEYS)
    if unknown:
        raise ValueError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(CERT_KEYS))})")
    signer = data.get("signer", "ca")
    if signer not in ("ca", "public", "self"):
        raise ValueError(f"{where}: signer must be 'ca', 'public' or 'self'")
    expired = _flag(data, "expired", False, where)
    expires_in_days = data.get("expires_in_days")
    if expires_in_days is not None:
        if not isinstance(expires_in_days, int) or isinstance(expires_in_days, bool):
            raise ValueError(
                f"{where}: expires_in_days must be a whole number of days, not {expires_in_days!r}"
            )
        if expires_in_days == 0:
            raise ValueError(
                f"{where}: expires_in_days must not be 0 (negative: expired that many days ago; "
                "positive: expires in that many days)"
            )
        if abs(expires_in_days) > 36500:
            raise ValueError(f"{where}: expires_in_days must be within 100 years (36500 days)")
        if expired:
            raise ValueError(f"{where}: give expired = true or expires_in_days, not both")
    cn = data.get("cn", "{fqdn}")
    subject = _subject(data["subject"], where) if "subject" in data else None
    if subject == () and not cn:
        raise ValueError(
            f'{where}: cn = "" and subject = {{}} would leave the subject empty; give one of them'
        )
    shared = data.get("shared")
    if shared is not None and (not isinstance(shared, str) or not shared):
        raise ValueError(f'{where}: shared must be a non-empty label, e.g. shared = "cucm-pair"')
    return CertSpec(
        cn=cn,
        dns=tuple(data.get("dns", ("{fqdn}",))),
        xmpp_addr=tuple(data.get("xmpp_addr", ())),
        srv_name=tuple(data.get("srv_name", ())),
        signer=signer,
        expired=expired,
        expires_in_days=expires_in_days,
        key=_key(data.get("key", "ec"), where),
        subject=subject,
        send_chain=_flag(data, "send_chain", True, where),
        shared=shared,
        pushed=_flag(data, "pushed", False, where),
        eku=_eku(data.get("eku", ["server", "client"]), where),
    )


def _eku(value: Any, where: str) -> tuple[str, ...]:
    known = ", ".join(f"'{k}'" for k in EKU)
    if not isinstance(value, list) or not value or not all(v in EKU for v in value):
        raise ValueError(f"{where}: eku must be a non-empty list of {known}, not {value!r}")
    return tuple(dict.fromkeys(value))


def _flag(data: dict[str, Any], key: str, default: bool, where: str) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise ValueError(f"{where}: {key} must be true or false, not {value!r}")
    return value


def _key(value: Any, where: str) -> str:
    allowed = "'ec' or " + ", ".join(f"'rsa:{b}'" for b in RSA_BITS)
    if value == "ec":
        return "ec"
    if isinstance(value, str):
        kind, _, bits = value.partition(":")
        if kind == "rsa" and bits.isdigit() and int(bits) in RSA_BITS:
            return f"rsa:{int(bits)}"
    raise ValueError(f"{where}: key must be {allowed}, not {value!r}")


def _subject(value: Any, where: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise ValueError(f'{where}: subject must be a table, e.g. {{ O = "Acme", C = "US" }}')
    fields = []
    for name, text in value.items():
        if name not in SUBJECT_FIELDS:
            raise ValueError(
                f"{where}: subject field {name!r} is not one of {', '.join(SUBJECT_FIELDS)} (the CN is cn)"
            )
        if not isinstance(text, str) or not text:
            raise ValueError(f"{where}: subject {name} must be a non-empty string")
        if name == "C" and not re.fullmatch(r"[A-Z]{2}", text):
            raise ValueError(
                f"{where}: subject C must be a two-letter country code such as 'US', not {text!r}"
            )
        fields.append((name, text))
    return tuple(fields)


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
