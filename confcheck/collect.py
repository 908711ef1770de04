"""The collect stage, the only one that does I/O: inventory in, deployment (a snapshot) out.

Product plugins read each cluster's configuration (AXL, admin pages) through a
:class:`~confcheck.collect_context.CollectContext` into a :class:`~confcheck.collect_plan.ClusterPlan`:
its nodes, the settings that name servers, and which endpoints to meet. This module then resolves
every name through DNS, fetches every certificate concurrently, and assembles the
:class:`~confcheck.model.Deployment`. Nothing aborts the run: a cluster that cannot be read
becomes a :class:`~confcheck.model.Problem` (and its publisher's certificates are still fetched
when its version is known), an endpoint that cannot be reached becomes an error on the endpoint.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from confcheck import identity, plugin_manager
from confcheck.collect_context import CollectContext
from confcheck.collect_plan import ClusterPlan, EndpointPlan, NodePlan, Progress
from confcheck.config import ClusterConfig, Inventory
from confcheck.errors import ConfcheckError
from confcheck.model import (
    Cluster,
    Deployment,
    Endpoint,
    EndpointError,
    Node,
    Problem,
    major_version,
)
from confcheck.transport import tls


def collect(inventory: Inventory, progress: Progress | None = None) -> Deployment:
    """Collect every cluster of the inventory into a deployment."""
    report = progress or (lambda stage, done, total: None)
    context = CollectContext(inventory)
    problems: list[Problem] = []
    plans: list[ClusterPlan] = []
    report("clusters", 0, len(inventory.clusters))
    with ThreadPoolExecutor(
        max_workers=min(4, len(inventory.clusters)), thread_name_prefix="collect"
    ) as pool:
        for done, (plan, found) in enumerate(
            pool.map(lambda c: _plan(c, context), inventory.clusters), start=1
        ):
            problems += found
            if plan is not None:
                plans.append(plan)
            report("clusters", done, len(inventory.clusters))
    externals = _place_hints(plans, inventory, context)
    nodes = [(plan, node) for plan in plans for node in plan.nodes] + [(None, node) for node in externals]
    placed = _resolve(nodes, context)
    endpoints = _fetch(placed, inventory, context, report)
    _observe_dns(plans, placed, endpoints, context)
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
    return Deployment(
        clusters=clusters,
        externals=tuple(endpoints[id(node)] for node in externals),
        dns=tuple(sorted(context.records.values(), key=lambda r: (r.name, r.type))),
        collected_at=datetime.now(timezone.utc).replace(microsecond=0),
        problems=tuple(problems),
    )


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
        problem = Problem(kind, str(exc), cluster.name)
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


def _place_hints(plans: list[ClusterPlan], inventory: Inventory, context: CollectContext) -> list[NodePlan]:
    """Hints that name an inventory node become endpoints of it; the rest, external servers."""
    by_address: dict[str, NodePlan] = {}
    by_name: dict[str, NodePlan] = {}
    for plan in plans:
        for node in plan.nodes:
            by_name[node.name.lower()] = node
            for address in context.addresses(node.name):
                by_address[address] = node
    externals: dict[str, NodePlan] = {}
    for plan in plans:
        for hint in plan.hints:
            named = by_name.get(hint.name.lower()) or next(
                (by_address[a] for a in context.addresses(hint.name) if a in by_address), None
            )
            if named is None:
                named = externals.setdefault(hint.name.lower(), NodePlan(hint.name, "subscriber"))
            if not any(e.purpose == hint.purpose for e in named.endpoints):
                named.endpoints.append(EndpointPlan(hint.purpose, hint.scheme, hint.port))
    for external in inventory.externals:
        target = tls.parse_url(external.url)
        node = externals.setdefault(external.name.lower(), NodePlan(external.name, "subscriber"))
        node.endpoints = [e for e in node.endpoints if e.purpose != external.purpose]
        node.endpoints.append(EndpointPlan(external.purpose, target.scheme, target.port, target.host))
    return list(externals.values())


@dataclass
class _Placed:
    """A planned node with what DNS says about it."""

    plan: ClusterPlan | None
    node: NodePlan
    addresses: list[str]
    hostname: str | None
    domain: str | None


def _resolve(nodes: Iterable[tuple[ClusterPlan | None, NodePlan]], context: CollectContext) -> list[_Placed]:
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

    with ThreadPoolExecutor(max_workers=min(16, max(1, len(items))), thread_name_prefix="dns") as pool:
        placed = list(pool.map(one, [i for i in items if not is_short(i)]))
        domains: dict[int, list[str]] = {}
        for item in placed:
            if item.domain:
                domains.setdefault(id(item.plan), []).append(item.domain)
        everywhere = [d for found in domains.values() for d in found]

        def search(item: tuple[ClusterPlan | None, NodePlan]) -> tuple[str, ...]:
            """The cluster's own domains first, then every other domain seen."""
            return tuple(dict.fromkeys(domains.get(id(item[0]), []) + everywhere))

        short = [i for i in items if is_short(i)]
        placed += list(pool.map(lambda i: one(i, search(i)), short))
    order = {id(node): index for index, (_, node) in enumerate(items)}
    return sorted(placed, key=lambda p: order[id(p.node)])


def _fetch(
    placed: list[_Placed], inventory: Inventory, context: CollectContext, report: Progress
) -> dict[int, Node]:
    """Fetch every planned endpoint at once (bounded by the inventory's limits); nodes by id of their plan."""
    jobs: list[tuple[_Placed, EndpointPlan, tls.Target | None]] = []
    for item in placed:
        for plan in item.node.endpoints:
            name = plan.name or (None if identity.is_ip(item.node.name) else item.node.name)
            host = item.addresses[0] if item.addresses else None
            jobs.append((item, plan, tls.Target(plan.scheme, host, plan.port, name) if host else None))
    policy = tls.Policy(
        connect_timeout=inventory.timeout,
        read_timeout=inventory.timeout,
        deadline=max(4 * inventory.timeout, 10.0),
        concurrency=inventory.concurrency,
        per_host=inventory.per_host,
    )
    targets = [target for _, _, target in jobs if target is not None]
    report("certificates", 0, len(targets))
    fetched = iter(tls.fetch_all(targets, policy))
    endpoints: dict[int, list[Endpoint]] = {id(item.node): [] for item in placed}
    for item, plan, target in jobs:
        if target is None:
            error = EndpointError("dns", f"{item.node.name} does not resolve")
            endpoint = Endpoint(
                plan.purpose, _protocol(plan.scheme), item.node.name, plan.port, plan.name, (), error
            )
        else:
            endpoint = replace(next(fetched), purpose=plan.purpose)
        endpoints[id(item.node)].append(endpoint)
    report("certificates", len(targets), len(targets))
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


SRV_SERVICES = ("_cisco-uds._tcp", "_cuplogin._tcp")
"""Service records Jabber looks up in each domain; ``_xmpp-client._tcp`` is looked up in the XMPP domain."""


def _observe_dns(
    plans: list[ClusterPlan], placed: list[_Placed], nodes: dict[int, Node], context: CollectContext
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
    with ThreadPoolExecutor(max_workers=16, thread_name_prefix="dns") as pool:
        list(pool.map(context.reverse, sorted(addresses)))
        targets: set[str] = set()
        for record in pool.map(context.resolver.srv, services):
            context.record(record)
            targets |= {answer.split()[-1].rstrip(".").lower() for answer in record.answers}
        list(pool.map(context.addresses, sorted(names | targets)))


def _protocol(scheme: str) -> str:
    return tls.SCHEMES.get(scheme, ("https", 0))[0]
