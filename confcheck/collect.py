"""The collect stage, the only one that does I/O: inventory in, deployment (a snapshot) out.

Product plugins read each cluster's configuration (AXL, admin pages) through a
:class:`~confcheck.collect_context.CollectContext` into a :class:`~confcheck.collect_plan.ClusterPlan`:
its nodes, the settings that name servers, and which endpoints to meet. This module then resolves
every name through DNS, fetches every certificate concurrently, and assembles the
:class:`~confcheck.model.Deployment`. Nothing aborts the run: a cluster that cannot be read
becomes a :class:`~confcheck.model.Problem` (and its publisher's certificates are still fetched
when its version is known), an endpoint that cannot be reached becomes an error on the endpoint.

Every phase (reading clusters, resolving names, fetching certificates, the DNS observations)
runs within ``[collect] concurrency`` and reports its progress as each piece finishes.

Servers answer what they like, and settings read off them name other servers (UC services, CUP
voicemail, mail store and conferencing servers: :class:`~confcheck.collect_plan.ExternalHint`).
confcheck fetches such a server only as a Jabber client would meet it and only where the user
said confcheck may go (see :func:`_Scope.refusal`); anything else is recorded on its endpoint as
``not-fetched`` with the reason, and the name is still checked (CC202 says why it could not be).
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TypeVar

from confcheck import identity, plugin_manager, records
from confcheck.collect_context import CollectContext
from confcheck.collect_plan import (
    ClusterPlan,
    EndpointPlan,
    ExternalHint,
    NodePlan,
    Progress,
    add_current_endpoints,
)
from confcheck.config import ClusterConfig, Inventory
from confcheck.discovery_model import Discovery
from confcheck.errors import MESSAGE_LIMIT, ConfcheckError, cut
from confcheck.model import (
    ECDSA,
    NOT_FETCHED,
    Cluster,
    Deployment,
    Endpoint,
    EndpointError,
    Node,
    Problem,
    major_version,
)
from confcheck.records import replace
from confcheck.transport import tls

T = TypeVar("T")
R = TypeVar("R")

HINT_PORTS: dict[str, tuple[int, ...]] = {
    "tomcat": (443, 8443),
    "mailstore": (443, 8443, 143, 993, 7993),
    "conferencing": (443, 8443),
}
"""The ports a server named by a setting is fetched on, by the purpose of its certificate.

* 443: Jabber (CUCM 9.x UC services and CUP 8.x servers alike) ignores the Port and Protocol
  fields of voicemail and mail store servers and always connects with HTTPS to 443 (Cisco Jabber
  11.0 Deployment and Installation Guide, "Configure Voicemail"); conferencing web servers
  (MeetingPlace, WebEx Meetings Server) are HTTPS on 443 (modelled, not confirmed from a Cisco
  document).
* 8443: the HTTPS port of Tomcat on every Cisco UC server (what ``tomcat_port`` defaults to).
* 143, 993: IMAP with STARTTLS and IMAP over TLS (RFC 3501, RFC 8314), for mail stores that
  older clients read over IMAP; 7993: Unity Connection's IMAP over TLS (modelled, as the lab
  serves it; not confirmed from a Cisco document here).

Any other port a server answers with is not probed; the inventory's ``tomcat_port`` values are
also accepted for Tomcat. A server on another port is fetched when the inventory names it
(``[[external]]`` with its URL).
"""

PURPOSE_NAMES = {
    "tomcat": "Tomcat (HTTPS)",
    "mailstore": "a mail store",
    "conferencing": "a conferencing server",
}

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def prepare() -> None:
    """Import now what collecting imports on first use: every plugin, dnspython's resolver, zeep's SOAP
    bindings (zeep imports them at the first WSDL it reads) and lxml's HTML parser (admin pages).

    For a caller with time to spare before it collects (``confcheck demo``, while its lab starts):
    otherwise the first workers import them, each waiting for the others under the import locks. It
    raises what collecting would raise first (a plugin that fails to load), and nothing else: the
    catalog, whose errors collecting reports per cluster, is left to collecting.
    """
    plugin_manager.plugin_manager()
    import dns.resolver  # noqa: F401  # confcheck.transport.dns asks through it
    import zeep.wsdl.bindings  # noqa: F401

    from confcheck.transport import adminweb  # noqa: F401


def collect(inventory: Inventory, progress: Progress | None = None) -> Deployment:
    """Collect every cluster of the inventory into a deployment."""
    report = progress or (lambda stage, done, total: None)
    context = CollectContext(inventory)
    problems: list[Problem] = []
    plans: list[ClusterPlan] = []
    # One pool for every phase below: a phase's workers are the last one's, not new threads each time.
    with ThreadPoolExecutor(max_workers=max(1, inventory.concurrency), thread_name_prefix="collect") as pool:
        reading = _Phase(report, "clusters", len(inventory.clusters))
        for plan, found in _each(inventory.clusters, lambda c: _plan(c, context), pool, reading):
            problems += found
            if plan is not None:
                add_current_endpoints(plan)  # ECDSA twins, SIP OAuth ports
                plans.append(plan)
        names = _Phase(report, "names")
        externals, hinted = _place_hints(plans, inventory, context, names, pool)
        nodes = [(plan, node) for plan in plans for node in plan.nodes] + [(None, node) for node in externals]
        placed = _resolve(nodes, context, names, pool)
        scope = _Scope.of(inventory, context)
        refused = {
            id(plan): reason
            for item in placed
            for plan in item.node.endpoints
            if id(plan) in hinted and (reason := scope.refusal(hinted[id(plan)], item.addresses)) is not None
        }
        endpoints = _fetch(placed, inventory, report, refused, pool)
        _observe_dns(plans, placed, endpoints, context, _Phase(report, "dns"), pool)
    clusters = tuple(
        Cluster(
            plan.name,
            plan.product,  # type: ignore[arg-type]  # plugins only plan products the model knows
            plan.version,
            tuple(endpoints[id(node)] for node in plan.nodes),
            tuple(plan.settings),
            tuple(sorted(plan.facts.items())),
            plan.configuration_read,
        )
        for plan in plans
    )
    jabber, discovery, unmet = _discover(inventory, clusters, report)
    return Deployment(
        clusters=clusters + jabber,
        externals=tuple(endpoints[id(node)] for node in externals),
        dns=tuple(sorted(context.records.values(), key=lambda r: (r.name, r.type))),
        collected_at=datetime.now(timezone.utc).replace(microsecond=0),
        problems=tuple(problems) + unmet,
        discovery=discovery,
    )


def _discover(
    inventory: Inventory, clusters: tuple[Cluster, ...], report: Progress
) -> tuple[tuple[Cluster, ...], tuple[Discovery, ...], tuple[Problem, ...]]:
    """Jabber's service discovery (``[[jabber]]``): its clusters, discoveries and problems. Its module and
    HTTP transport are imported only for an inventory that asks for it (13 million instructions, 1 percent
    of the demo's imports, saved for every other run)."""
    if not inventory.jabber:
        return (), (), ()
    from confcheck import discovery

    discovered = discovery.collect(inventory, clusters, report)
    return discovered.clusters, discovered.discovery, discovered.problems


def _plan(cluster: ClusterConfig, context: CollectContext) -> tuple[ClusterPlan | None, list[Problem]]:
    """The plugin's plan for one cluster; a failure becomes a problem and, if possible, a fallback plan."""
    hook = plugin_manager.plugin_manager().hook
    version = cluster.version
    try:
        if version is None:
            version = hook.confcheck_detect_version(cluster=cluster, context=context)
            if version is None:
                message = f"no installed plugin can detect the version of {cluster.product}; set version in confcheck.toml"
                return None, [Problem("version", message, cluster.name)]
        major_version(version)
        line = plugin_manager.catalog().line_for(cluster.product, major_version(version))
        if line is None:
            return None, [
                Problem("plugin", f"no installed plugin describes {cluster.product} {version}", cluster.name)
            ]
        plan = hook.confcheck_collect(cluster=replace(cluster, version=version), context=context)
        if plan is None:
            return None, [
                Problem("plugin", f"no installed plugin collects {cluster.product} {version}", cluster.name)
            ]
        return plan, []
    except ConfcheckError as exc:
        kind = getattr(exc, "kind", "collect")
        problem = Problem(kind, cut(str(exc)), cluster.name)
    except ValueError:
        return None, [
            Problem("version", f"{cluster.product} reported an unreadable version {version!r}", cluster.name)
        ]
    if version is None:
        return None, [problem]
    return _fallback(cluster, version), [problem]


def _fallback(cluster: ClusterConfig, version: str) -> ClusterPlan:
    """When the configuration cannot be read: the publisher alone, so its certificates are still checked."""
    endpoints = [EndpointPlan("tomcat", "https", cluster.tomcat_port)]
    nodes = [NodePlan(cluster.publisher, "publisher", endpoints)]
    return ClusterPlan(cluster.name, cluster.product, version, nodes, configuration_read=False)


def _place_hints(
    plans: list[ClusterPlan],
    inventory: Inventory,
    context: CollectContext,
    phase: _Phase,
    pool: ThreadPoolExecutor,
) -> tuple[list[NodePlan], dict[int, ExternalHint]]:
    """Hints that name an inventory node become endpoints of it; the rest, external servers.

    Returns the external servers, and the hint behind each endpoint planned from one (by ``id``
    of its plan), to be judged by :meth:`_Scope.refusal` once every name is resolved. Every name
    involved is looked up first, all at once.
    """
    hints = [hint for plan in plans for hint in plan.hints]
    lookups = [node.name for plan in plans for node in plan.nodes] + [hint.name for hint in hints]
    lookups += _inventory_names(inventory)
    unique = list(dict.fromkeys(name.lower().rstrip(".") for name in lookups))
    phase.add(len(unique))
    _each(unique, context.addresses, pool, phase)
    by_address: dict[str, NodePlan] = {}
    by_name: dict[str, NodePlan] = {}
    for plan in plans:
        for node in plan.nodes:
            by_name[node.name.lower()] = node
            for address in context.addresses(node.name):
                by_address[address] = node
    externals: dict[str, NodePlan] = {}
    hinted: dict[int, ExternalHint] = {}
    for hint in hints:
        named = by_name.get(hint.name.lower()) or next(
            (by_address[a] for a in context.addresses(hint.name) if a in by_address), None
        )
        if named is None:
            named = externals.setdefault(hint.name.lower(), NodePlan(hint.name, "subscriber"))
        if not any(e.purpose == hint.purpose for e in named.endpoints):
            endpoint = EndpointPlan(hint.purpose, hint.scheme, hint.port)
            named.endpoints.append(endpoint)
            hinted[id(endpoint)] = hint
    for external in inventory.externals:
        target = tls.parse_url(external.url)
        node = externals.setdefault(external.name.lower(), NodePlan(external.name, "subscriber"))
        node.endpoints = [e for e in node.endpoints if e.purpose != external.purpose]
        node.endpoints.append(EndpointPlan(external.purpose, target.scheme, target.port, target.host))
    return list(externals.values()), hinted


def _inventory_names(inventory: Inventory) -> list[str]:
    """Every server the inventory itself names: publishers, listed nodes, external servers."""
    names = [c.publisher for c in inventory.clusters] + [n for c in inventory.clusters for n in c.nodes]
    names += [external.name for external in inventory.externals]
    return names + [tls.parse_url(external.url).host for external in inventory.externals]


@records.record
class _Scope:
    """Where a server named by a setting may be fetched: the inventory's own servers and networks,
    and what ``[collect] allow`` adds.

    The inventory's networks are the /24 (IPv4) or /64 (IPv6) around every address the
    inventory's own names resolve to (publishers, listed nodes, external servers): the subnets
    its servers live in. Node lists read off the clusters do not widen them, since a server's
    answer must not choose where confcheck goes.
    """

    hosts: frozenset[str]
    networks: tuple[Network, ...]
    allowed: tuple[Network, ...]
    tomcat_ports: tuple[int, ...] = field(default=())

    @classmethod
    def of(cls, inventory: Inventory, context: CollectContext) -> _Scope:
        names = _inventory_names(inventory)
        networks: dict[Network, None] = {}
        for name in names:
            for address in context.addresses(name):
                ip = ipaddress.ip_address(address)
                networks[ipaddress.ip_network(f"{ip}/{24 if ip.version == 4 else 64}", strict=False)] = None
        return cls(
            hosts=frozenset(n.lower().rstrip(".") for n in names) | inventory.allow_hosts,
            networks=tuple(networks),
            allowed=inventory.allow_networks,
            tomcat_ports=tuple(c.tomcat_port for c in inventory.clusters),
        )

    def refusal(self, hint: ExternalHint, addresses: Sequence[str]) -> str | None:
        """Why the server ``hint`` names must not be fetched; None if it may be.

        The port must be one Jabber uses for that kind of server (:data:`HINT_PORTS`), and the
        server must be named by the inventory or ``[collect] allow``, or every address it resolved
        to (``addresses``, a short name's through the search domains included) lie in the
        inventory's networks or an allowed one. A name that does not resolve is not refused here:
        nothing is fetched from it anyway, and the snapshot says it does not resolve.
        """
        ports = HINT_PORTS.get(hint.purpose, (443, 8443))
        if hint.purpose == "tomcat":
            ports = tuple(dict.fromkeys(ports + self.tomcat_ports))
        kind = PURPOSE_NAMES.get(hint.purpose, hint.purpose)
        if hint.port not in ports:
            listed = ", ".join(str(p) for p in ports)
            return (
                f"not fetched: port {hint.port} is not a port Jabber uses for {kind} ({listed}); "
                "to fetch it there anyway, name the server in confcheck.toml's [[external]]"
            )
        if hint.name.lower().rstrip(".") in self.hosts or not addresses:
            return None
        outside = [
            a
            for a in addresses
            if not any(ipaddress.ip_address(a) in n for n in self.networks + self.allowed)
        ]
        if not outside:
            return None
        return (
            f"not fetched: {hint.name} ({', '.join(outside[:3])}) is outside the inventory's networks "
            f"({_networks(self.networks)}) and [collect] allow; if it is one of yours, add it to [collect] allow"
        )


def _networks(networks: Sequence[Network]) -> str:
    shown = ", ".join(str(n) for n in networks[:3])
    return (shown + (f" and {len(networks) - 3} more" if len(networks) > 3 else "")) or "none resolved"


class _Phase:
    """One phase's progress: how much of how much is done, reported as each piece finishes."""

    def __init__(self, report: Progress, stage: str, total: int = 0) -> None:
        self.report, self.stage, self.total, self.done = report, stage, total, 0
        self._lock = threading.Lock()
        report(stage, 0, total)

    def add(self, more: int) -> None:
        """More pieces became known."""
        with self._lock:
            self.total += more
            self.report(self.stage, self.done, self.total)

    def step(self, count: int = 1) -> None:
        """Pieces finished."""
        with self._lock:
            self.done += count
            self.report(self.stage, self.done, self.total)


def _each(
    items: Iterable[T], work: Callable[[T], R], pool: ThreadPoolExecutor, phase: _Phase | None = None
) -> list[R]:
    """``work(item)`` for every item, as many at once as ``pool`` has workers; results in input order.

    Progress is reported from the calling thread as each item finishes, in whatever order. ``work``
    must not wait for the pool itself.
    """
    items = list(items)
    if not items:
        return []
    results: list[R | None] = [None] * len(items)
    futures = {pool.submit(work, item): index for index, item in enumerate(items)}
    try:
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            if phase is not None:
                phase.step()
    finally:
        wait(futures)  # after a failure too, nothing of a phase outlives it (as when each had its own pool)
    return results  # type: ignore[return-value]  # every slot was filled


@dataclass
class _Placed:
    """A planned node with what DNS says about it."""

    plan: ClusterPlan | None
    node: NodePlan
    addresses: list[str]
    hostname: str | None
    domain: str | None


def _resolve(
    nodes: Iterable[tuple[ClusterPlan | None, NodePlan]],
    context: CollectContext,
    phase: _Phase,
    pool: ThreadPoolExecutor,
) -> list[_Placed]:
    """Addresses (A/AAAA, or the name itself) and host name/domain (the name, or PTR) of every node.

    A short name is tried as given, then in the domains the cluster's other nodes turned out to
    be in (their FQDNs, or what PTR said of their addresses): as a client's search domain would.
    """
    items = list(nodes)

    def one(item: tuple[ClusterPlan | None, NodePlan], domains: tuple[str, ...] = ()) -> _Placed:
        plan, node = item
        addresses = context.addresses(node.name)
        fqdn = node.name if "." in node.name and not identity.is_ip(node.name) else None
        if identity.is_ip(node.name):
            fqdn = context.reverse(addresses[0])
        elif fqdn is None and not addresses:
            for domain in domains:
                if found := context.addresses(f"{node.name}.{domain}"):
                    addresses, fqdn = found, f"{node.name}.{domain}"
                    break
        if fqdn is None:
            return _Placed(plan, node, addresses, None if identity.is_ip(node.name) else node.name, None)
        hostname, _, domain = fqdn.partition(".")
        return _Placed(plan, node, addresses, hostname, domain or None)

    def is_short(item: tuple[ClusterPlan | None, NodePlan]) -> bool:
        return "." not in item[1].name and not identity.is_ip(item[1].name)

    short = [i for i in items if is_short(i)]
    phase.add(len(items))
    placed = _each([i for i in items if not is_short(i)], one, pool, phase)
    domains: dict[int, list[str]] = {}
    for item in placed:
        if item.domain:
            domains.setdefault(id(item.plan), []).append(item.domain)
    everywhere = [d for found in domains.values() for d in found]

    def search(item: tuple[ClusterPlan | None, NodePlan]) -> tuple[str, ...]:
        """The cluster's own domains first, then every other domain seen."""
        return tuple(dict.fromkeys(domains.get(id(item[0]), []) + everywhere))

    placed += _each(short, lambda i: one(i, search(i)), pool, phase)
    order = {id(node): index for index, (_, node) in enumerate(items)}
    return sorted(placed, key=lambda p: order[id(p.node)])


def _fetch(
    placed: list[_Placed],
    inventory: Inventory,
    report: Progress,
    refused: dict[int, str],
    pool: ThreadPoolExecutor,
) -> dict[int, Node]:
    """Fetch every planned endpoint at once (bounded by the inventory's limits) in the collection's
    threads; nodes by id of their plan.

    An endpoint in ``refused`` is not fetched: it gets a ``not-fetched`` error with the reason.
    """
    jobs: list[tuple[_Placed, EndpointPlan, tls.Target | None]] = []
    for item in placed:
        for plan in item.node.endpoints:
            name = plan.name or (None if identity.is_ip(item.node.name) else item.node.name)
            host = item.addresses[0] if item.addresses and id(plan) not in refused else None
            target = (
                tls.Target(plan.scheme, host, plan.port, name, plan.offer, plan.optional) if host else None
            )
            jobs.append((item, plan, target))
    policy = tls.Policy(
        connect_timeout=inventory.timeout,
        read_timeout=inventory.timeout,
        deadline=max(4 * inventory.timeout, 10.0),
        concurrency=inventory.concurrency,
        per_host=inventory.per_host,
    )
    targets = [target for _, _, target in jobs if target is not None]
    report("certificates", 0, len(targets))
    fetched = iter(
        tls.fetch_all(targets, policy, done=lambda n: report("certificates", n, len(targets)), pool=pool)
    )
    endpoints: dict[int, list[Endpoint]] = {id(item.node): [] for item in placed}
    for item, plan, target in jobs:
        if target is None:
            error = (
                EndpointError(NOT_FETCHED, refused[id(plan)])
                if id(plan) in refused
                else EndpointError("dns", f"{item.node.name} does not resolve")
            )
            endpoint = Endpoint(
                plan.purpose, _protocol(plan.scheme), item.node.name, plan.port, plan.name, (), error
            )
        else:
            endpoint = replace(next(fetched), purpose=plan.purpose)
            if endpoint.error is not None and len(endpoint.error.message) > MESSAGE_LIMIT:
                endpoint = replace(
                    endpoint, error=replace(endpoint.error, message=cut(endpoint.error.message))
                )
        endpoints[id(item.node)].append(endpoint)
    report("certificates", len(targets), len(targets))
    for item in placed:
        endpoints[id(item.node)] = _without_unmet_twins(endpoints[id(item.node)])
    return {
        id(item.node): Node(
            name=item.node.name,
            role=item.node.role,
            hostname=item.hostname,
            domain=item.domain,
            addresses=tuple(item.addresses),
            endpoints=tuple(endpoints[id(item.node)]),
        )
        for item in placed
    }


def _without_unmet_twins(endpoints: list[Endpoint]) -> list[Endpoint]:
    """A node's endpoints, less the ECDSA probes of an endpoint that could not be met at all: the
    failure is said once, by the endpoint itself."""
    failed = {(e.purpose, e.port) for e in endpoints if e.error is not None}
    return [
        e
        for e in endpoints
        if not (e.purpose.endswith(ECDSA) and (e.purpose.removesuffix(ECDSA), e.port) in failed)
    ]


SRV_SERVICES = ("_cisco-uds._tcp", "_cuplogin._tcp")
"""Service records Jabber looks up in each domain; ``_xmpp-client._tcp`` is looked up in the XMPP domain."""


def _observe_dns(
    plans: list[ClusterPlan],
    placed: list[_Placed],
    nodes: dict[int, Node],
    context: CollectContext,
    phase: _Phase,
    pool: ThreadPoolExecutor,
) -> None:
    """What the DNS checks need, recorded so that lint stays offline: the names certificates hold
    (the names a fix would propose) and the reverse records of every node's addresses, plus the
    service records Jabber uses to find its servers."""
    names: set[str] = set()
    for node in nodes.values():
        for endpoint in node.endpoints:
            if endpoint.certificate is not None:
                names |= {
                    n for _, n in identity.identities(endpoint.certificate, "http") if not n.startswith("*")
                }
    names = {n for n in names if "." in n and not identity.is_ip(n)}
    addresses = {a for item in placed for a in item.addresses} - {
        r.name for r in context.records.values() if r.type == "PTR"
    }
    domains = {item.domain for item in placed if item.domain and item.plan is not None}
    xmpp = {p.facts.get("xmpp.domain") for p in plans} | {
        s.value for p in plans for s in p.settings if s.location.endswith(".xmpp-domain")
    }
    services = [f"{s}.{d}" for d in sorted(domains) for s in SRV_SERVICES]
    services += [f"_xmpp-client._tcp.{d}" for d in sorted(x for x in xmpp if x)]
    phase.add(len(addresses) + len(services))
    _each(sorted(addresses), context.reverse, pool, phase)
    targets: set[str] = set()
    for record in _each(services, context.resolver.srv, pool, phase):
        context.record(record)
        targets |= {answer.split()[-1].rstrip(".").lower() for answer in record.answers}
    phase.add(len(names | targets))
    _each(sorted(names | targets), context.addresses, pool, phase)


def _protocol(scheme: str) -> str:
    return tls.SCHEMES.get(scheme, ("https", 0))[0]
