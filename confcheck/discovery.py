"""Collect Jabber's service discovery, as a client of each ``[[jabber]]`` services domain does it.

Part of the collect stage (:func:`confcheck.collect.collect` calls :func:`collect` once the clusters
and their certificates are in). What is recorded, per services domain:

* **DNS, in each view.** ``_cisco-uds._tcp``, ``_cuplogin._tcp`` and ``_collab-edge._tls`` asked of the
  office's DNS server (``internal_dns``, else ``[collect] dns_server``, else the system resolver) and,
  when the inventory names one, of a server that answers as the Internet does (``external_dns``),
  with the addresses of every target (Planning Guide for Cisco Jabber 14.1, "Service Discovery":
  the client asks for ``_cisco-uds`` and ``_collab-edge``; ``_cuplogin`` is IM and Presence's legacy
  record).
* **UDS's server list** (``/cucm-uds/servers``, no credentials) from each ``_cisco-uds`` target, as
  the answer came: the names of the home cluster's nodes, or why it is not what Jabber expects.
* **jabber-config.xml from TFTP**, over HTTP 6970 and HTTPS 6972 (CUCM's port list), with the chain
  6972 presents, from the TFTP servers the clients are given: the ``TFTP`` installer argument and
  the ``TftpServer1``/``TftpServer2`` parameters of the profile's Jabber configuration, else the
  nodes UDS lists (which TFTP servers Jabber reads when nothing names them is modelled). A file the
  inventory names instead is parsed the same way. Server-naming parameters become settings of the
  services domain's ``jabber`` cluster, checked like every other location.
* **The service profile** users get: the inventory's (its test user's) or CUCM's default.

Where confcheck connects: only to nodes of the inventory's CUCM clusters (a ``_cisco-uds`` target,
a TFTP server) on the ports Jabber uses (UDS 443, 8443, 9443 and the cluster's ``tomcat_port``;
TFTP 6970 and 6972), and to the DNS servers the inventory names. A target elsewhere is recorded as
``not-fetched`` with the reason; Expressway-E is met as the inventory's cluster, never through an
SRV answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from confcheck import identity, records
from confcheck.certs import Certificate
from confcheck.collect_plan import Progress
from confcheck.config import ClusterConfig, Inventory, JabberConfig
from confcheck.discovery_model import ABSENT, Client, Discovery, DnsView, Fetch
from confcheck.model import (
    NOT_FETCHED,
    NOT_OPEN,
    Cluster,
    DnsRecord,
    Endpoint,
    EndpointError,
    Node,
    Problem,
    Setting,
)
from confcheck.transport import discovery as http
from confcheck.transport import tls
from confcheck.transport.dns import Resolver

T = TypeVar("T")
R = TypeVar("R")

RECORDS = ("_cisco-uds._tcp", "_cuplogin._tcp", "_collab-edge._tls")
"""The SRV records Jabber's service discovery asks for, in the order its answers are weighed."""
UDS_PORTS = (443, 8443, 9443)
"""UDS's ports (CUCM's port list; 9443 when contact search authentication is on)."""
TFTP_HTTP, TFTP_HTTPS = 6970, 6972
DEFAULT_PROFILE = "service-profile.default"
"""The CUCM cluster fact naming its default service profile (written by the cucm10 plugin)."""
TFTP_PARAMETERS = ("tftpserver1", "tftpserver2")
JABBER_VERSION_UNKNOWN = "9.6 and later (client versions not given)"
"""The ``jabber`` cluster's version when the inventory lists no client: every platform validates from
9.6 (Table 1), and that is what the journey assumes."""
FAILED = frozenset({"timeout", "tls", "connect"})
"""Fetch error kinds that make the audit incomplete: the server did not answer as a server would."""
PLATFORM_TITLES = {
    "windows": "Windows",
    "mac": "Mac",
    "iphone": "iPhone",
    "ipad": "iPad",
    "android": "Android",
}


@records.record
class Collected:
    """What discovery adds to the deployment."""

    clusters: tuple[Cluster, ...]
    """One ``jabber`` cluster per services domain: the clients' own settings."""
    discovery: tuple[Discovery, ...]
    problems: tuple[Problem, ...]


def collect(inventory: Inventory, clusters: Sequence[Cluster], report: Progress | None = None) -> Collected:
    """Discovery for every ``[[jabber]]`` of the inventory (nothing when there is none)."""
    if not inventory.jabber:
        return Collected((), (), ())
    progress = report or (lambda stage, done, total: None)
    found = [_Domain(inventory, entry, clusters).run(progress) for entry in inventory.jabber]
    return Collected(
        tuple(c for c, _, _ in found),
        tuple(d for _, d, _ in found),
        tuple(p for _, _, ps in found for p in ps),
    )


class _Domain:
    """Discovery of one services domain."""

    def __init__(self, inventory: Inventory, entry: JabberConfig, clusters: Sequence[Cluster]) -> None:
        self.inventory, self.entry, self.clusters = inventory, entry, clusters
        self.timeout = inventory.timeout
        self.problems: list[Problem] = []
        self.cucm = [c for c in clusters if c.product == "cucm"]
        self.configs = {c.name: c for c in inventory.clusters}

    def run(self, progress: Progress) -> tuple[Cluster, Discovery, list[Problem]]:
        entry = self.entry
        progress("discovery", 0, 1)
        views = [self._view("internal", entry.internal_dns or self.inventory.dns_server)]
        if entry.external_dns is not None:
            views.append(self._view("external", entry.external_dns))
        internal = views[0]
        home = self._home(internal)
        profile, source = self._profile(home)
        uds = self._uds(internal)
        tftp = self._tftp(home, profile, uds, discovered=bool(uds))
        fetches = uds + tftp + self._file()
        settings = self._settings(fetches)
        discovery = Discovery(
            jabber=entry.name,
            services_domain=entry.services_domain,
            xmpp_domains=entry.xmpp_domains,
            home=home.name if home else None,
            views=tuple(views),
            fetches=tuple(fetches),
            service_profile=profile,
            profile_source=source,
            clients=entry.clients,
            invalid_certificate_behavior=entry.invalid_certificate_behavior,
        )
        cluster = Cluster(
            entry.name,
            "jabber",
            jabber_version(entry.clients),
            (),
            tuple(settings),
            (("services.domain", entry.services_domain),),
        )
        progress("discovery", 1, 1)
        return cluster, discovery, self.problems

    # --- DNS -------------------------------------------------------------------------------------

    def _view(self, name: str, server: tuple[str, int] | None) -> DnsView:
        """The three SRV records in one view, and the addresses of their targets."""
        resolver = Resolver(server, self.timeout)
        records = _each([f"{r}.{self.entry.services_domain}" for r in RECORDS], resolver.srv, 8)
        targets = sorted({srv_target(a)[0] for r in records for a in r.answers} - {""})
        found: list[DnsRecord] = list(records)
        for addresses in _each(targets, resolver.addresses, 8):
            found += addresses[1]
        shown = f"{server[0]}:{server[1]}" if server else None
        for record in found:
            if record.error and record.error.startswith(("no answer from", "the server refused or failed")):
                self.problems.append(
                    Problem(
                        "discovery",
                        f"{name} DNS ({shown or 'system resolver'}): {record.name} {record.type}: {record.error}",
                        self.entry.name,
                    )
                )
        return DnsView(name, shown, tuple(found))

    # --- the home cluster and its profile --------------------------------------------------------

    def _home(self, internal: DnsView) -> Cluster | None:
        """The inventory's CUCM cluster for this domain, else the one the ``_cisco-uds`` targets lead to,
        else the only CUCM cluster."""
        if self.entry.home is not None:
            return next((c for c in self.cucm if c.name == self.entry.home), None)
        for record in internal.records:
            if record.type == "SRV" and record.name.startswith("_cisco-uds."):
                for answer in record.answers:
                    located = self._node(srv_target(answer)[0], internal)
                    if located is not None:
                        return located[0]
        return self.cucm[0] if len(self.cucm) == 1 else None

    def _profile(self, home: Cluster | None) -> tuple[str | None, str | None]:
        if self.entry.service_profile is not None:
            return self.entry.service_profile, "inventory"
        default = dict(home.facts).get(DEFAULT_PROFILE) if home else None
        return (default, "default") if default else (None, None)

    def _node(self, name: str, view: DnsView | None = None) -> tuple[Cluster, Node] | None:
        """The inventory CUCM node ``name`` is (by configured name, FQDN or an address it resolves to)."""
        key = identity.normalize(name) if not identity.is_ip(name) else identity.canonical_ip(name)
        addresses = {identity.canonical_ip(name)} if identity.is_ip(name) else set()
        if view is not None:
            addresses |= {
                identity.canonical_ip(a)
                for r in view.records
                if r.type in ("A", "AAAA") and identity.normalize(r.name) == key
                for a in r.answers
            }
        addresses.discard(None)
        for cluster in self.cucm:
            for node in cluster.nodes:
                names = {identity.normalize(node.name), identity.normalize(node.fqdn or "")}
                if key in names or addresses & {identity.canonical_ip(a) for a in node.addresses}:
                    return cluster, node
        return None

    # --- UDS -------------------------------------------------------------------------------------

    def _uds(self, internal: DnsView) -> list[Fetch]:
        """``/cucm-uds/servers`` from the ``_cisco-uds`` targets in the record's order (priority, then
        weight), as Jabber asks them: the next only when one cannot be used. Every target's certificate
        is met anyway, as its node's."""
        record = next(
            (r for r in internal.records if r.type == "SRV" and r.name.startswith("_cisco-uds.")), None
        )
        found = []
        for name, port in srv_order(record.answers if record else ()):
            shown = f"https://{name}:{port}{http.UDS_SERVERS}"
            located = self._node(name, internal)
            refusal = None
            if located is None:
                refusal = f"not fetched: {name} is no node of the inventory's CUCM clusters"
            elif port not in (*UDS_PORTS, self._tomcat_port(located[0])):
                refusal = f"not fetched: port {port} is not a port UDS uses (443, 8443, 9443)"
            address = located[1].addresses[0] if located and located[1].addresses else None
            if refusal is None and address is None:
                refusal = f"not fetched: {name} has no address"
            url = f"https://{_bracket(address)}:{port}{http.UDS_SERVERS}" if address and not refusal else None
            fetch = self._uds_one((shown, url, name, refusal))
            found.append(fetch)
            if fetch.error is None:
                break
        return found

    def _uds_one(self, job: tuple[str, str | None, str, str | None]) -> Fetch:
        shown, url, name, refusal = job
        if url is None:
            return Fetch("uds-servers", shown, error=EndpointError(NOT_FETCHED, refusal or "not fetched"))
        answer = http.get(url, name, self.timeout, max(4 * self.timeout, 10.0))
        if answer.error is not None or answer.body is None:
            error = answer.error or EndpointError("http", "no answer")
            if error.kind == ABSENT:  # UDS missing from a node Jabber was sent to: not what Jabber expects
                error = EndpointError(
                    "http", "answered HTTP 404: no UDS there (CUCM 10.0 and later serve it)"
                )
            self._failed(shown, error)
            return Fetch("uds-servers", shown, answer.status, error=error)
        names, unusable = http.parse_servers(answer.body)
        return Fetch("uds-servers", shown, answer.status, names, unusable)

    # --- TFTP ------------------------------------------------------------------------------------

    def _tftp(
        self, home: Cluster | None, profile: str | None, uds: Sequence[Fetch], discovered: bool
    ) -> list[Fetch]:
        """jabber-config.xml over HTTP and HTTPS from each TFTP server the clients are given: the
        bootstrap's, else (once ``_cisco-uds`` led somewhere) the profile's, UDS's or the home cluster's."""
        named = [v for k, v in self.entry.bootstrap if k == "TFTP"]
        if not named and not discovered:
            return []
        if home is not None:
            named += [
                s.value
                for s in home.settings
                if s.location.rsplit(".", 1)[-1] in ("jabber-tftp-1", "jabber-tftp-2")
                and (profile is None or s.profiles is None or profile in s.profiles)
            ]
        explicit = bool(named)
        if not named:
            named = [n for f in uds if f.error is None for _, n in f.names]
        if not named and home is not None:
            named = [n.name for n in home.nodes]
        servers: dict[str, tuple[str, Node | None]] = {}
        for name in named:
            located = self._node(name)
            servers.setdefault(
                (identity.normalize(name) or name).lower(), (name, located[1] if located else None)
            )
        if explicit:  # every server the clients are given: each may serve another file
            jobs = [(name, node, port) for name, node in servers.values() for port in (TFTP_HTTP, TFTP_HTTPS)]
            chains = self._chains([(name, node) for name, node in servers.values() if node is not None])
            return _each(jobs, lambda job: self._tftp_one(*job, chains), 8)
        found = []  # none named: the nodes in order, until one runs TFTP (modelled)
        for name, node in servers.values():
            first = self._tftp_one(name, node, TFTP_HTTP, {})
            found.append(first)
            if first.error is not None and first.error.kind in (NOT_OPEN, NOT_FETCHED):
                continue
            chains = self._chains([(name, node)] if node is not None else [])
            found.append(self._tftp_one(name, node, TFTP_HTTPS, chains))
            break
        return found

    def _chains(self, servers: Sequence[tuple[str, Node]]) -> dict[str, Endpoint]:
        """The chain each TFTP server presents on 6972, fetched as every certificate is."""
        targets = [
            tls.Target(
                "https", node.addresses[0], TFTP_HTTPS, None if identity.is_ip(name) else name, optional=True
            )
            for name, node in servers
            if node.addresses
        ]
        policy = tls.Policy(
            connect_timeout=self.timeout,
            read_timeout=self.timeout,
            deadline=max(4 * self.timeout, 10.0),
            concurrency=self.inventory.concurrency,
            per_host=self.inventory.per_host,
        )
        fetched = tls.fetch_all(targets, policy) if targets else []
        return {f"{t.host}:{t.port}": e for t, e in zip(targets, fetched, strict=True)}

    def _tftp_one(self, name: str, node: Node | None, port: int, chains: dict[str, Endpoint]) -> Fetch:
        scheme = "https" if port == TFTP_HTTPS else "http"
        shown = f"{scheme}://{_bracket(name)}:{port}{http.JABBER_CONFIG}"
        if node is None or not node.addresses:
            why = "is no node of the inventory's CUCM clusters" if node is None else "has no address"
            return Fetch("tftp-config", shown, error=EndpointError(NOT_FETCHED, f"not fetched: {name} {why}"))
        address = node.addresses[0]
        chain: tuple[Certificate, ...] = ()
        if port == TFTP_HTTPS:
            met = chains.get(f"{address}:{port}")
            if met is not None and met.error is not None and met.error.kind == NOT_OPEN:
                return Fetch(
                    "tftp-config",
                    shown,
                    error=EndpointError(NOT_OPEN, "nothing listens there (no HTTPS TFTP)"),
                )
            chain = met.chain if met is not None else ()
        url = f"{scheme}://{_bracket(address)}:{port}{http.JABBER_CONFIG}"
        answer = http.get(
            url, None if identity.is_ip(name) else name, self.timeout, max(4 * self.timeout, 10.0)
        )
        if answer.error is not None and answer.error.kind == "refused":
            return Fetch(
                "tftp-config",
                shown,
                error=EndpointError(NOT_OPEN, "connection refused (no TFTP there)"),
                chain=chain,
            )
        if answer.error is not None or answer.body is None:
            error = answer.error or EndpointError("http", "no answer")
            self._failed(shown, error)
            return Fetch("tftp-config", shown, answer.status, error=error, chain=chain)
        names, unusable = http.parse_config(answer.body, _server_parameters())
        return Fetch("tftp-config", shown, answer.status, names, unusable, chain)

    def _file(self) -> list[Fetch]:
        """The jabber-config.xml the inventory names, parsed as TFTP's would be."""
        if self.entry.jabber_config is None:
            return []
        path, content = self.entry.jabber_config
        names, error = http.parse_config(content, _server_parameters())
        return [Fetch("config-file", f"file:{path}", None, names, error)]

    def _failed(self, url: str, error: EndpointError) -> None:
        if error.kind in FAILED:
            self.problems.append(Problem("discovery", f"{url}: {error.message}", self.entry.name))

    def _tomcat_port(self, cluster: Cluster) -> int:
        config = self.configs.get(cluster.name)
        return config.tomcat_port if isinstance(config, ClusterConfig) else 8443

    # --- the clients' settings ---------------------------------------------------------------------

    def _settings(self, fetches: Sequence[Fetch]) -> list[Setting]:
        """The bootstrap values, then every server-naming parameter of jabber-config.xml (once each)."""
        from confcheck.plugins.jabber import BOOTSTRAP_LOCATIONS, config_location

        found = [
            Setting(BOOTSTRAP_LOCATIONS[k], v, self.entry.bootstrap_source) for k, v in self.entry.bootstrap
        ]
        seen: set[tuple[str, str]] = set()
        for fetch in fetches:
            if fetch.error is not None or fetch.kind not in ("tftp-config", "config-file"):
                continue
            source = (
                "jabber-config.xml (TFTP)"
                if fetch.kind == "tftp-config"
                else f"jabber-config.xml ({fetch.url[5:]})"
            )
            for parameter, value in fetch.names:
                location = config_location(parameter)
                if location is not None and (location, value) not in seen:
                    seen.add((location, value))
                    found.append(Setting(location, value, source))
        return found


def _server_parameters() -> frozenset[str]:
    from confcheck.plugins._uc_services import JABBER_PARAMETERS

    return frozenset(JABBER_PARAMETERS)


def jabber_version(clients: Iterable[Client]) -> str:
    """The ``jabber`` cluster's version: the releases in use, oldest first (``9.5 (iPhone), 14.1 (Windows)``)."""
    known = sorted({(release(c.version), c.version, c.platform) for c in clients if c.version})
    if not known:
        return JABBER_VERSION_UNKNOWN
    by_version: dict[str, list[str]] = {}
    for _, version, platform in known:
        by_version.setdefault(version, []).append(PLATFORM_TITLES.get(platform, platform))
    return ", ".join(f"{v} ({', '.join(p)})" for v, p in by_version.items())


def release(version: str | None) -> tuple[int, ...]:
    """``(14, 1, 3)`` for ``14.1.3``; ``()`` when unknown or unreadable."""
    if not version:
        return ()
    parts = []
    for part in version.split("."):
        if not part.isdigit():
            break
        parts.append(int(part))
    return tuple(parts)


def srv_order(answers: Iterable[str]) -> list[tuple[str, int]]:
    """The (target, port) of SRV answers in the order a client tries them: priority, then weight
    (highest first; RFC 2782 picks among equal priorities at random, weighted), then name."""
    found: dict[tuple[str, int], tuple[int, int, tuple[str, int]]] = {}
    for answer in answers:
        fields = answer.split()
        if len(fields) == 4 and fields[0].isdigit() and fields[1].isdigit():
            target = srv_target(answer)
            found.setdefault(target, (int(fields[0]), -int(fields[1]), target))
    return [target for *_, target in sorted(found.values())]


def srv_target(answer: str) -> tuple[str, int]:
    """(target, port) of an SRV answer ``priority weight port target``; ("", 0) when unreadable."""
    fields = answer.split()
    if len(fields) != 4 or not fields[2].isdigit():
        return "", 0
    return fields[3].rstrip(".").lower(), int(fields[2])


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _each(items: Iterable[T], work: Callable[[T], R], workers: int) -> list[R]:
    """``work(item)`` for every item, at most ``workers`` at once; results in input order."""
    items = list(items)
    if not items:
        return []
    with ThreadPoolExecutor(
        max_workers=max(1, min(workers, len(items))), thread_name_prefix="discovery"
    ) as pool:
        return list(pool.map(work, items))
