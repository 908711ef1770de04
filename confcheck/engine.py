"""The check stage: resolve every reference to the server it names, match it, and run the rules.

Everything here is a pure function of the deployment: no network, no knowledge of which plugin
collected what. The :class:`Context` computes the shared analysis once (references, targets,
identity matches); rules only read it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import field
from datetime import datetime, timezone
from functools import cached_property
from typing import Any, TypeVar, cast

from confcheck import identity, parallel, records
from confcheck.catalog import Catalog, Location, ProductLine
from confcheck.certs import Certificate
from confcheck.errors import InputError
from confcheck.findings import Finding, Fix
from confcheck.identity import IdentityMatch
from confcheck.model import QUIET_ERRORS, Cluster, Deployment, Endpoint, Node, twin

T = TypeVar("T")


@records.record
class Reference:
    """One name handed to clients: a setting, or a node's configured name."""

    cluster: Cluster
    line: ProductLine
    location: Location
    value: str
    instance: str | None = None
    node: Node | None = None
    """For node-name locations: the node whose name this is."""

    @property
    def where(self) -> str:
        """Full admin menu path of the setting."""
        return self.line.where(self.location)


@records.record
class TargetCheck:
    """One server a reference points to, the endpoint checked, and the identity verdict."""

    cluster: Cluster | None
    """None for external servers."""
    node: Node
    endpoint: Endpoint | None
    match: IdentityMatch | None
    """None when the endpoint is missing or presented no certificate."""
    primary: bool = True
    """False for the ECDSA twin (``tomcat-ECDSA``) of the endpoint checked: another certificate the same
    server may present to the same client. A twin is checked only when it differs from the first."""


@records.record
class ReferenceCheck:
    """A reference with every target it resolved to; ``problem`` says why there are none."""

    reference: Reference
    targets: tuple[TargetCheck, ...]
    resolved_by: str
    problem: str | None = None

    def finding(
        self,
        message: str,
        target: TargetCheck | None = None,
        fix: Fix | None = None,
        evidence: Iterable[tuple[str, str]] = (),
    ) -> Finding:
        """A finding about this reference (and, when given, the target it was checked against)."""
        ref = self.reference
        cert = target.endpoint.certificate if target and target.endpoint else None
        about = target.node.name if target and ref.location.target.scope == "cluster" else None
        if target is not None and not target.primary and target.endpoint is not None:
            about = f"{target.node.name} {target.endpoint.purpose} {target.endpoint.port}"
        return Finding(
            message,
            cluster=ref.cluster.name,
            product=ref.cluster.product,
            version=ref.cluster.version,
            location=ref.location.id,
            instance=ref.instance,
            node=target.node.name if target else None,
            value=ref.value,
            subject=about,
            certificate=cert.sha256 if cert else None,
            evidence=tuple(evidence),
            fix=fix,
        )


@records.record
class CheckOptions:
    """What the checks judge against besides the deployment: time, thresholds, the clients' trust store.

    Set in confcheck.toml's ``[check]`` table; lint is offline, so all of it comes from there.
    """

    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    expiry_warning_days: int = 30
    min_rsa_bits: int = 2048
    trust_store: tuple[Certificate, ...] | None = None
    """The certificates Jabber clients trust (trusted root CAs, and on Windows the Enterprise Trust store);
    None: unknown."""
    platform_stores: tuple[tuple[str, tuple[Certificate, ...]], ...] = ()
    """``[check.trust_stores]``: a store per client platform (``windows``, ``windows_enterprise``, ``macos``,
    ``ios``, ``android``) where it differs from ``trust_store``; the journey judges each platform by its own."""


class Context:
    """The analysed deployment that rules read; every view is computed once, on first use."""

    def __init__(self, deployment: Deployment, catalog: Catalog, options: CheckOptions | None = None) -> None:
        self.deployment = deployment
        self.catalog = catalog
        self.options = options or CheckOptions()
        self._memo: dict[Hashable, Any] = {}
        self._lines: dict[tuple[str, str], ProductLine] = {}
        self._matches: dict[tuple[str, str, str], IdentityMatch] = {}
        self._met: dict[tuple[int, str], list[Endpoint | None]] = {}
        ahead = _prepared
        if ahead is not None and ahead.catalog is catalog and ahead._serves(deployment):
            self._lines = ahead._lines
            vars(self).update(references=ahead.references, _index=ahead._index)

    def _serves(self, deployment: Deployment) -> bool:
        """Whether ``deployment`` has this context's very servers and DNS records: what the two make of
        names and settings alone (:func:`prepare`) is then the same."""
        mine = self.deployment
        return (
            mine.clusters is deployment.clusters
            and mine.externals is deployment.externals
            and mine.dns is deployment.dns
        )

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, once per context: for analyses several rules of a family share."""
        if key not in self._memo:
            self._memo[key] = compute()
        return cast(T, self._memo[key])

    def line(self, cluster: Cluster) -> ProductLine:
        """The product line describing ``cluster`` (snapshot loading guarantees there is one); looked up
        once per product and version, which thousands of clusters share."""
        line = self._lines.get((cluster.product, cluster.version))
        if line is None:
            line = self.catalog.line_for(cluster.product, cluster.major)
            if line is None:
                raise InputError(
                    f"cluster {cluster.name}: no plugin describes {cluster.product} {cluster.version}"
                )
            self._lines[(cluster.product, cluster.version)] = line
        return line

    @cached_property
    def references(self) -> tuple[Reference, ...]:
        """Every reference: node names (one per node) and the settings, cluster by cluster.

        Not made: a setting of a UC service no service profile hands out (``Setting.profiles`` is
        empty: it reaches no client; CC205 reports the service), and a ``peer`` setting naming a
        node whose own cluster is in the snapshot (that node's name reference judges it, once).
        """
        found: list[Reference] = []
        for cluster in self.deployment.clusters:
            if not cluster.configuration_read:
                continue  # its nodes are the inventory's, not names handed to clients
            line = self.line(cluster)
            for location in line.locations:
                if location.target.scope == "node":
                    found += [Reference(cluster, line, location, n.name, node=n) for n in cluster.nodes]
            for setting in cluster.settings:
                entry = self.catalog.location(setting.location)
                if entry is None:
                    raise InputError(f"cluster {cluster.name}: unknown location {setting.location!r}")
                if setting.profiles == ():
                    continue
                if entry[1].target.scope == "peer" and self._judged_as_node(setting.value, entry[1]):
                    continue
                found.append(Reference(cluster, line, entry[1], setting.value, setting.instance))
        return tuple(found)

    def _judged_as_node(self, value: str, location: Location) -> bool:
        """Whether ``value`` leads to a node of a cluster of the location's products that was read in full
        (by name or address, so a node renamed by a proposed change is still that node)."""
        found, _, _ = self._index.find(value, location.target.products)
        return any(c is not None and c.configuration_read for c, _ in found)

    @cached_property
    def checks(self) -> tuple[ReferenceCheck, ...]:
        """Every reference resolved to its targets and matched against their certificates (a large
        deployment's shared with forked processes, which send each check back as numbers: see
        :class:`_Places` and :mod:`confcheck.parallel`)."""
        places = _Places(self.deployment)
        if self.references:
            self._index  # noqa: B018 (made before any fork: each process then has it, and none makes it again)
        checked = parallel.map_forked(
            self._check,
            self.references,
            places.encode,
            places.decode,
            REFERENCES_A_PROCESS,
            REFERENCES_A_CHUNK,
        )
        return tuple(checked)

    @cached_property
    def unmet(self) -> tuple[tuple[Cluster | None, Node, Endpoint], ...]:
        """Every endpoint that presented no certificate because it could not be met, with its node."""
        located: list[Located] = [(c, n) for c in self.deployment.clusters for n in c.nodes]
        located += [(None, n) for n in self.deployment.externals]
        return tuple(
            (c, n, e)
            for c, n in located
            for e in n.endpoints
            if e.error is not None and e.error.kind not in QUIET_ERRORS
        )

    @cached_property
    def missing(self) -> tuple[str, ...]:
        """What collection could not read or meet, one line each: why the audit is incomplete (exit 3)."""
        lines = [f"{p.cluster}: {p.message}" if p.cluster else p.message for p in self.deployment.problems]
        for cluster, node, endpoint in self.unmet:
            assert endpoint.error is not None
            owner = f"{cluster.name}: " if cluster else "external server "
            lines.append(
                f"{owner}{node.name}, {endpoint.purpose} at {_host_port(endpoint)}: {endpoint.error.message}"
            )
        return tuple(lines)

    @property
    def incomplete(self) -> bool:
        """True when collection could not read something: a recorded problem or an endpoint not met.

        An endpoint confcheck chose not to fetch (:data:`~confcheck.model.NOT_FETCHED`) does not count:
        nothing failed, and collecting again would not change it; the references it leaves unchecked are
        CC202 errors that say why, and the fix is the user's decision (allow it, or correct the setting).
        Nor do an optional port that is closed (``not-open``) or an ECDSA certificate the server does not
        offer (``not-offered``): see :data:`~confcheck.model.QUIET_ERRORS`.
        """
        return bool(self.missing)

    def _check(self, ref: Reference) -> ReferenceCheck:
        target = ref.location.target
        if target.scope == "node":
            assert ref.node is not None
            pairs: Sequence[Located] = [(ref.cluster, ref.node)]
            how, problem = "the node itself", None
        elif target.scope == "cluster":
            pairs = [(ref.cluster, n) for n in ref.cluster.nodes]
            how, problem = "every node of the cluster", None if pairs else "the cluster has no nodes"
        elif not target.purpose:  # a name only: tied to a server, never to a certificate
            if not target.products:
                return ReferenceCheck(ref, (), "recorded only")
            _, how, problem = self._index.find(ref.value, target.products, ref.cluster)
            return ReferenceCheck(ref, (), how, problem)
        else:  # named, or a peer node whose own cluster is not in the snapshot
            pairs, how, problem = self._index.find(ref.value, target.products, ref.cluster)
        checked = []
        profile = ref.location.profile
        for cluster, node in pairs:
            for index, endpoint in enumerate(self._meets(node, target.purpose)):
                cert = endpoint.certificate if endpoint else None
                verdict = self._match(ref.value, cert, profile) if cert else None
                checked.append(TargetCheck(cluster, node, endpoint, verdict, index == 0))
        return ReferenceCheck(ref, tuple(checked), how, problem)

    def _match(self, value: str, cert: Certificate, profile: identity.Profile) -> IdentityMatch:
        """:func:`identity.match`, once per distinct (value, certificate, profile) of the run: a node's name
        is also the value of the settings that point to it (TFTP, CCMCIP, UC services)."""
        key = (value, cert.sha256, profile)
        found = self._matches.get(key)
        if found is None:
            found = self._matches[key] = identity.match(value, cert, profile)
        return found

    def _meets(self, node: Node, purpose: str) -> list[Endpoint | None]:
        """:func:`meets`, once per node and purpose of the run (several references point to each node)."""
        key = (id(node), purpose)  # the deployment, and so every node, lives as long as the context
        found = self._met.get(key)
        if found is None:
            found = self._met[key] = meets(node, purpose)
        return found

    def resolve(self, value: str, products: tuple[str, ...]) -> list[tuple[Cluster | None, Node]]:
        """The servers a name or address given to clients outside any setting (an SRV target) leads to."""
        return self._index.find(value, products)[0]

    @cached_property
    def _index(self) -> _NodeIndex:
        return _NodeIndex(self.deployment)


_prepared: Context | None = None
"""The context :func:`prepare` made last, whose references and node index the contexts of the same servers
take as theirs."""


def prepare(deployment: Deployment, catalog: Catalog) -> None:
    """Make now what the checks derive from names and settings alone (the references and the node index,
    0.3 to 0.5 s at 10,000 clusters) for every later :class:`Context` of the same servers and DNS records:
    a large snapshot's loader has it done while forked processes read the certificates, which none of it
    needs (``snapshot.read``'s ``meanwhile``), rather than alone before the checks. Raises nothing: what
    fails here fails again in that context, where it would have without this."""
    global _prepared  # noqa: PLW0603 (one analysis kept, replaced by the next)
    context = Context(deployment, catalog)
    try:
        context.references  # noqa: B018
        context._index  # noqa: B018
    except Exception:  # an unknown product or location: the lint's own context raises it in its place
        return
    _prepared = context


Located = tuple[Cluster | None, Node]


REFERENCES_A_PROCESS = 2_000
"""The fewest references worth checking in a forked process of their own (some 50 ms of work)."""
REFERENCES_A_CHUNK = 512
"""References claimed at a time by a process that checks them (some 15 ms of work)."""


class _Places:
    """Where each cluster, node and endpoint is in the deployment, so that a reference's check crosses
    from a forked child to its parent as numbers (the parent has the same deployment, so the same
    objects at the same places) and each identity verdict as its plain values."""

    def __init__(self, deployment: Deployment) -> None:
        self._deployment = deployment
        self._places: dict[int, int] = {}
        self._sent: dict[int, tuple[Any, ...]] = {}
        self._verdicts: dict[tuple[Any, ...], IdentityMatch] = {}

    def encode(self, check: ReferenceCheck, _: Reference) -> tuple[Any, ...]:
        """The check as numbers and strings (:mod:`marshal` writes them); in the child. A KeyError for an
        object held at two places (never in a deployment read from a snapshot): the parent checks it."""
        places = self._places or self._number()
        sent = self._sent
        targets = []
        for t in check.targets:
            verdict = None
            if t.match is not None:  # the engine makes one verdict per distinct match: sent once each
                verdict = sent.get(id(t.match))
                if verdict is None:
                    verdict = sent[id(t.match)] = _verdict(t.match)
            targets.append(
                (
                    -1 if t.cluster is None else places[id(t.cluster)],
                    places[id(t.node)],
                    -1 if t.endpoint is None else places[id(t.endpoint)],
                    verdict,
                    t.primary,
                )
            )
        return tuple(targets), check.resolved_by, check.problem

    def decode(self, value: tuple[Any, ...], ref: Reference) -> ReferenceCheck:
        """The check :meth:`encode` wrote, with the parent's own clusters, nodes and endpoints."""
        targets, resolved_by, problem = value
        clusters, externals = self._deployment.clusters, self._deployment.externals
        checked = []
        for cluster_at, node_at, endpoint_at, verdict, primary in targets:
            cluster = None if cluster_at < 0 else clusters[cluster_at]
            node = (externals if cluster is None else cluster.nodes)[node_at]
            endpoint = None if endpoint_at < 0 else node.endpoints[endpoint_at]
            match = None
            if verdict is not None:  # one verdict object for each distinct verdict, as the engine makes them
                match = self._verdicts.get(verdict)
                if match is None:
                    match = self._verdicts[verdict] = IdentityMatch(*verdict)
            checked.append(TargetCheck(cluster, node, endpoint, match, primary))
        return ReferenceCheck(ref, tuple(checked), resolved_by, problem)

    def _number(self) -> dict[int, int]:
        """Each cluster's place in the deployment, each node's in its cluster (an external server's among
        the external servers), each endpoint's in its node, by the object's identity; an object held at
        two places is left out (its checks are then made by the parent: see :meth:`encode`)."""
        places, twice = self._places, set()

        def place(thing: object, at: int) -> None:
            if places.setdefault(id(thing), at) != at or id(thing) in twice:
                twice.add(id(thing))

        members: list[tuple[Node, ...]] = []
        for at, cluster in enumerate(self._deployment.clusters):
            place(cluster, at)
            members.append(cluster.nodes)
        members.append(self._deployment.externals)
        for nodes in members:
            for at, node in enumerate(nodes):
                place(node, at)
                for index, endpoint in enumerate(node.endpoints):
                    place(endpoint, index)
        for key in twice:
            del places[key]
        return places


_verdict = records.values(IdentityMatch)


def meets(node: Node, purpose: str) -> list[Endpoint | None]:
    """The endpoints of ``node`` a client sent there for ``purpose`` may meet, the primary one first.

    The primary is the node's first ``purpose`` endpoint (None when there is none). A client that may
    negotiate either key type may also get its ECDSA twin on that port (``tomcat-ECDSA``), listed when
    it presented a certificate other than the primary's, so that one certificate is judged once.
    The same purpose on another port (SIP OAuth) is not listed: it presents the primary's certificate,
    judged here already, or an older one, which is a restart not yet made (CC315), not a name to fix.
    """
    primary = node.endpoint(purpose)
    found: list[Endpoint | None] = [primary]
    if primary is None:
        return found
    seen = primary.certificate.sha256 if primary.certificate else None
    for endpoint in node.endpoints:
        cert = endpoint.certificate
        if cert is None or cert.sha256 == seen or endpoint.port != primary.port:
            continue
        if endpoint.purpose == twin(purpose):
            found.append(endpoint)
            break
    return found


class _NodeIndex:
    """Finds the servers a configured value names: by address, configured name or FQDN, short host
    name, or a recorded DNS answer, in that order. A name several servers answer to is narrowed to
    those in the referencing cluster's own domains (a client resolves short names through its
    search domain); if that still leaves several, the value is ambiguous and resolves to none."""

    def __init__(self, deployment: Deployment) -> None:
        self._by_name: dict[str, list[Located]] = defaultdict(list)
        self._by_host: dict[str, list[Located]] = defaultdict(list)
        self._by_address: dict[str, list[Located]] = defaultdict(list)
        self._dns: dict[str, list[str]] = defaultdict(list)
        entries: list[Located] = [(c, n) for c in deployment.clusters for n in c.nodes]
        entries += [(None, n) for n in deployment.externals]
        for entry in entries:
            node = entry[1]
            name, fqdn = _key(node.name), _key(node.fqdn)
            if name is not None:
                self._by_name[name].append(entry)
            if fqdn is not None and fqdn != name:
                self._by_name[fqdn].append(entry)
            if node.hostname and (host := _key(node.hostname)):
                self._by_host[host].append(entry)
            for address in {*node.addresses, node.name}:
                if (canonical := identity.canonical_ip(address)) is not None:
                    self._by_address[canonical].append(entry)
        for record in deployment.dns:
            name = _key(record.name)
            if name and record.type in ("A", "AAAA"):
                self._dns[name] += [a for a in (identity.canonical_ip(x) for x in record.answers) if a]
        self._groups: dict[tuple[str, str, tuple[str, ...]], _Group] = {}
        self._domains: dict[int, set[str | None]] = {}

    def find(
        self, value: str, products: tuple[str, ...], near: Cluster | None = None
    ) -> tuple[list[Located], str, str | None]:
        """The servers ``value`` names among clusters of ``products`` and external servers."""
        address = identity.canonical_ip(value)
        if address is not None:
            candidates = [("address", address)]
        elif (name := _key(value)) is not None:
            candidates = [("name", name), ("host name", name), ("DNS", name)]
        else:
            return [], "", f"{value!r} is not a host name or address"
        for how, key in candidates:
            found, by_domain = self._group(how, key, products)
            if len(found) > 1 and near is not None:
                # a short name reused by every site's cluster: the index by domain keeps this linear
                picked = sorted(i for d in self._near_domains(near) for i in by_domain.get(d, ()))
                found = [found[i] for i in picked] or found
            if len(found) > 1:
                names = ", ".join(sorted(n.fqdn or n.name for _, n in found)[:4])
                return [], how, f"{value} is ambiguous: {len(found)} servers answer to it ({names}, ...)"
            if found:
                return list(found), how, None
        missing = "has the address" if address is not None else "is called"
        return [], "", f"no known server {missing} {value}"

    def _group(self, how: str, key: str, products: tuple[str, ...]) -> _Group:
        """The servers of ``products`` found ``how`` by ``key``, once each, with their positions by domain."""
        cached = self._groups.get((how, key, products))
        if cached is not None:
            return cached
        if how == "address":
            located = self._by_address.get(key, [])
        elif how == "DNS":
            located = [n for a in self._dns.get(key, ()) for n in self._by_address.get(a, ())]
        else:
            located = (self._by_name if how == "name" else self._by_host).get(key, [])
        found = list({id(n): (c, n) for c, n in located if c is None or c.product in products}.values())
        by_domain: dict[str | None, list[int]] = defaultdict(list)
        for index, (_, node) in enumerate(found):
            by_domain[_key(node.domain)].append(index)
        group = self._groups[(how, key, products)] = (found, by_domain)
        return group

    def _near_domains(self, cluster: Cluster) -> set[str | None]:
        """The domains a cluster's clients search: those of its nodes, configured or in their names."""
        domains = self._domains.get(id(cluster))
        if domains is None:
            domains = {_key(n.domain) for n in cluster.nodes if n.domain} | {
                _key(n.name.partition(".")[2]) for n in cluster.nodes if "." in n.name
            }
            self._domains[id(cluster)] = domains
        return domains


_Group = tuple[list[Located], dict[str | None, list[int]]]
"""Servers found for one key, and their positions in that list by normalized domain."""


def _host_port(endpoint: Endpoint) -> str:
    host = f"[{endpoint.host}]" if ":" in endpoint.host else endpoint.host
    return f"{host}:{endpoint.port}"


def _key(name: str | None) -> str | None:
    return identity.normalize(name) if name else None
