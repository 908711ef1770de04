"""The snapshot: the versioned JSON contract between collecting and checking.

A snapshot holds everything the checks need and no secret. Certificates are stored once, as PEM,
keyed by SHA-256, and re-parsed on load, so the PEM is the only source of truth. Loading checks
every element and names the bad one by its path (``clusters[1].nodes[0].name: expected a string``).
The JSON Schema shipped beside this module (``schemas/snapshot.schema.json``) describes the same
format for other tools.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard, TypeVar

from confcheck import __version__, certs, errors, fast_exit, gc_pause, inputs, output_files, parallel, records
from confcheck.catalog import Catalog
from confcheck.certs import Certificate
from confcheck.errors import InputError
from confcheck.model import (
    PLATFORMS,
    PRODUCTS,
    PROTOCOLS,
    ROLES,
    Cluster,
    Deployment,
    DnsRecord,
    Endpoint,
    EndpointError,
    Node,
    Problem,
    Setting,
    major_version,
)
from confcheck.records import replace

if TYPE_CHECKING:
    from confcheck.discovery_model import Discovery, Fetch

SCHEMA_VERSION = 2
MAX_BYTES = inputs.SNAPSHOT_BYTES
"""A snapshot file larger than this is refused before it is read."""
DNS_TYPES = ("A", "AAAA", "CNAME", "PTR", "SRV")

T = TypeVar("T")


@records.record
class Limits:
    """What a snapshot may hold: checked while reading, before the model, lint and reports spend memory.

    Each is several times what a real deployment needs (Cisco's largest clusters have 21 nodes) and
    above the 3,000-cluster benchmark deployment (7,000 nodes, 10,000 settings, 11,000
    certificates), yet keeps ``confcheck lint`` within seconds and a few hundred megabytes.
    """

    containers: int = 1_000_000
    """JSON objects and lists in the file (counted as ``{`` and ``[`` before parsing)."""
    clusters: int = 5_000
    nodes: int = 25_000
    """Nodes of all clusters together."""
    nodes_per_cluster: int = 100
    externals: int = 10_000
    endpoints: int = 50_000
    """Endpoints of all nodes and external servers together."""
    endpoints_per_node: int = 16
    settings: int = 50_000
    """Settings of all clusters together."""
    settings_per_cluster: int = 1_000
    profiles_per_setting: int = 256
    facts_per_cluster: int = 256
    addresses_per_node: int = 64
    dns: int = 50_000
    answers_per_record: int = 64
    problems: int = 10_000
    certificates: int = 50_000
    chain: int = 16
    """Certificates in one presented chain."""
    endpoints_per_certificate: int = 1_000
    """Endpoints presenting the same leaf certificate."""
    string: int = 65_536
    """Characters in one string (a name, a value, a message)."""
    pem: int = 1_048_576
    """Characters in one certificate's PEM."""
    discovery: int = 1_000
    """Services domains whose discovery was collected."""
    views_per_discovery: int = 4
    records_per_view: int = 1_000
    fetches_per_discovery: int = 1_000
    names_per_fetch: int = 256
    clients_per_discovery: int = 64


LIMITS = Limits()


class SnapshotError(InputError):
    """A snapshot that cannot be read; the message names the file and the bad element's path."""


Meanwhile = Callable[[Deployment, Catalog], object]
"""Work of the loader's caller on a deployment's servers and settings, done while its certificates are read
(a large snapshot's, by forked processes): given the deployment before its certificates are in place, so
it may read every name, address, setting and DNS record, and no endpoint's certificate, and the catalog it
is read with. It must not raise (what it computes is computed again where it fails: see
:func:`confcheck.engine.prepare`)."""


def read(path: str | Path, catalog: Catalog, meanwhile: Meanwhile | None = None) -> Deployment:
    """Load a snapshot file (``-`` reads standard input), within :data:`confcheck.inputs.SNAPSHOT_BYTES`;
    ``meanwhile``, when given, is called once with the deployment, before its certificates are in place,
    unless the snapshot's servers, DNS records or problems cannot be read."""
    data = inputs.read_bytes(path, MAX_BYTES, "a snapshot file", SnapshotError, stdin=True)
    return loads(data, catalog, str(path), meanwhile)


_NOT_OPENING = bytes(range(256)).translate(None, b"{[")
"""Every byte but those of ``{`` and ``[``, which open a JSON object or list (never part of another
character's UTF-8)."""


def loads(
    text: str | bytes, catalog: Catalog, source: str = "snapshot", meanwhile: Meanwhile | None = None
) -> Deployment:
    """Parse snapshot JSON text (``meanwhile``: as :func:`read` calls it)."""
    if isinstance(text, bytes):
        data, text = text, inputs.decode(text, source, SnapshotError)
        containers = len(data.translate(None, _NOT_OPENING))  # the same count in UTF-8, in one pass
    else:
        containers = text.count("{") + text.count("[")
    if containers > LIMITS.containers:
        raise SnapshotError(
            f"{source}: {containers:,} objects and lists ('{{' and '['), "
            f"more than the limit of {LIMITS.containers:,} for a snapshot"
        )
    with gc_pause.paused():  # a large snapshot is millions of objects, none of them in a cycle
        found = _stored_certificates(text)
        if found is not None:
            return _loads_reading_ahead(text, found, catalog, source, meanwhile)
        return from_data(inputs.parse_json(text, source, SnapshotError), catalog, source, meanwhile)


def from_data(data: Any, catalog: Catalog, source: str, meanwhile: Meanwhile | None = None) -> Deployment:
    """:func:`from_dict`, with ``source`` (the file name) in front of every error."""
    with _named(source):
        return from_dict(data, catalog, meanwhile)


def from_dict(data: Any, catalog: Catalog, meanwhile: Meanwhile | None = None) -> Deployment:
    """Build a deployment from decoded JSON, validating every element (``meanwhile``: as :func:`read`
    calls it)."""
    loading = _Loading(data, catalog, meanwhile)
    return loading.deployment(_certificates(loading.pems, loading.build_early))


@contextmanager
def _named(source: str) -> Iterator[None]:
    """A :class:`SnapshotError` raised in the body, with ``source`` (the file name) in front."""
    try:
        yield
    except SnapshotError as exc:
        raise SnapshotError(f"{source}: {exc}") from None


class _Loading:
    """A snapshot's decoded JSON on its way to a deployment: its root checked (the version, the totals,
    the certificates' count) when made; then the parts of the model that need no certificate
    (:meth:`build_early`, done while the certificates are read, with the caller's ``meanwhile``); then
    the deployment (:meth:`deployment`), once the certificates are read."""

    def __init__(self, data: Any, catalog: Catalog, meanwhile: Meanwhile | None = None) -> None:
        root = _object(data, "", required=("schema_version", "clusters"), optional=_ROOT_OPTIONAL)
        version = root["schema_version"]
        if not isinstance(version, bool) and version != SCHEMA_VERSION:
            from confcheck import snapshot_migration  # an older snapshot: imported only to migrate one

            if version in snapshot_migration.READS:
                root = snapshot_migration.upgrade(root, catalog)
                version = root["schema_version"]
        if isinstance(version, bool) or version != SCHEMA_VERSION:
            raise SnapshotError(
                f"schema_version: unsupported version {version!r} (this confcheck reads {SCHEMA_VERSION})"
            )
        if "tool" in root:
            for key, value in _object(root["tool"], "tool").items():
                _string(value, f"tool.{key}")
        _check_totals(root)
        self.pems = _object(root.get("certificates", {}), "certificates")
        _count(self.pems, "certificates", LIMITS.certificates, "certificates")
        self.placeholders: dict[str, Certificate] = {}
        """Each certificate by its key, held by the endpoints before it is read (see :meth:`build_early`)."""
        self._root = root
        self._catalog = catalog
        self._meanwhile = meanwhile
        self._early: dict[str, Any] = {}
        self._crowded: SnapshotError | None = None

    def build_early(self) -> None:
        """What needs no certificate (most of the model), built while the certificates are read, then the
        caller's ``meanwhile`` on it; an error is kept, and raised where the snapshot's order puts it:
        after any of the certificates'. Each endpoint's chain holds its certificates' :attr:`placeholders`,
        given their values once read (:meth:`deployment`)."""
        root = self._root
        self.placeholders = {key: records.placeholder(Certificate) for key in self.pems}
        steps: dict[str, Callable[[Mapping[str, Any]], Any]] = {
            "servers": lambda r: _servers(r, self.placeholders, self._catalog),
            "dns": lambda r: tuple(_list(r.get("dns", []), "dns", _dns_record, LIMITS.dns)),
            "problems": lambda r: tuple(_list(r.get("problems", []), "problems", _problem, LIMITS.problems)),
        }
        for name, step in steps.items():
            try:
                self._early[name] = step(root)
            except SnapshotError as exc:
                self._early[name] = exc
        if not isinstance(self._early["servers"], SnapshotError):
            clusters, externals = self._early["servers"]
            self._crowded = _crowded(clusters, externals, self.placeholders)
        # what the deployment no longer needs of the decoded JSON is let go first: freed now, when the
        # caller holds none of it (a large snapshot's), so the caller's work takes the memory it held
        self._root = {key: root[key] for key in ("discovery", "collected_at") if key in root}
        del root
        if self._meanwhile is not None and not any(
            isinstance(v, SnapshotError) for v in self._early.values()
        ):
            clusters, externals = self._early["servers"]
            # the very tuples the deployment will hold, so what the caller made of them is known as its
            self._meanwhile(
                Deployment(clusters, externals, self._early["dns"], problems=self._early["problems"]),
                self._catalog,
            )

    def _built(self, name: str) -> Any:
        if isinstance(self._early[name], SnapshotError):
            raise self._early[name]
        return self._early[name]

    def deployment(self, store: Mapping[str, Certificate]) -> Deployment:
        """The deployment, given every certificate of :attr:`pems` by its key (its placeholder itself, when
        already settled)."""
        root = self._root
        clusters, externals = self._built("servers")
        placeholders = self.placeholders
        for key, placeholder in placeholders.items():
            read = store[key]
            if read is not placeholder:
                records.settle(placeholder, read)
        if self._crowded is not None:
            raise self._crowded
        discovery = _list(
            root.get("discovery", []),
            "discovery",
            lambda v, p: _discovery(v, p, placeholders),
            LIMITS.discovery,
        )
        jabber = {c.name for c in clusters if c.product == "jabber"}
        for index, entry in enumerate(discovery):
            if entry.jabber not in jabber:
                raise SnapshotError(
                    f"discovery[{index}].jabber: no cluster of product jabber is called {entry.jabber!r}"
                )
        dns = self._built("dns")
        collected_at = _timestamp(root["collected_at"], "collected_at") if "collected_at" in root else None
        return Deployment(
            clusters=clusters,
            externals=externals,
            dns=dns,
            collected_at=collected_at,
            problems=self._built("problems"),
            discovery=tuple(discovery),
        )


def _servers(
    root: Mapping[str, Any], store: Mapping[str, Certificate], catalog: Catalog
) -> tuple[tuple[Cluster, ...], tuple[Node, ...]]:
    """The clusters and external servers, built before their certificates are read (the largest part of
    the model, built while forked children read the certificates), with the certificates of ``store``
    (placeholders until they are read)."""
    clusters = _list(
        root["clusters"], "clusters", lambda v, p: _cluster(v, p, store, catalog), LIMITS.clusters
    )
    seen: set[str] = set()
    for index, cluster in enumerate(clusters):
        if cluster.name in seen:
            raise SnapshotError(f"clusters[{index}].name: duplicate cluster name {cluster.name!r}")
        seen.add(cluster.name)
    externals = _list(
        root.get("externals", []),
        "externals",
        lambda v, p: _node(v, p, store, external=True),
        LIMITS.externals,
    )
    return tuple(clusters), tuple(externals)


def _crowded(
    clusters: tuple[Cluster, ...], externals: tuple[Node, ...], placeholders: Mapping[str, Certificate]
) -> SnapshotError | None:
    """The error for a leaf certificate presented by more endpoints than
    :attr:`Limits.endpoints_per_certificate` (the first in the snapshot's order), if one is."""
    nodes = itertools.chain.from_iterable((*(c.nodes for c in clusters), externals))
    leaves = Counter(id(e.chain[0]) for n in nodes for e in n.endpoints if e.chain)
    limit = LIMITS.endpoints_per_certificate
    for leaf, count in leaves.items():  # in the order the endpoints present them
        if count > limit:
            key = next(k for k, c in placeholders.items() if id(c) == leaf)
            return SnapshotError(
                f"certificates.{key}: presented by {count:,} endpoints, more than the limit of {limit:,}"
            )
    return None


def to_dict(deployment: Deployment) -> dict[str, Any]:
    """The JSON form of ``deployment`` (certificates stored once each, keyed by SHA-256).

    Text longer than :attr:`Limits.string` (what a server sent, or an error message) is cut, with a
    visible mark, so that every snapshot confcheck writes is one it can read back.
    """
    store: dict[str, str] = {}

    def node(n: Node, external: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"name": cut(n.name)}
        if not external:
            out["role"] = n.role
        for key in ("hostname", "domain"):
            if getattr(n, key):
                out[key] = cut(getattr(n, key))
        out["addresses"] = [cut(a) for a in n.addresses]
        out["endpoints"] = [endpoint(e) for e in n.endpoints]
        return out

    def endpoint(e: Endpoint) -> dict[str, Any]:
        for cert in e.chain:
            store[cert.sha256] = cert.pem
        out: dict[str, Any] = {
            "purpose": cut(e.purpose),
            "protocol": e.protocol,
            "host": cut(e.host),
            "port": e.port,
        }
        if e.server_name:
            out["server_name"] = cut(e.server_name)
        out["chain"] = [c.sha256 for c in e.chain]
        if e.error:
            out["error"] = {"kind": cut(e.error.kind), "message": cut(e.error.message)}
        return out

    def setting(s: Setting) -> dict[str, Any]:
        out: dict[str, Any] = {"location": s.location, "value": cut(s.value)}
        if s.instance is not None:
            out["instance"] = cut(s.instance)
        if s.profiles is not None:
            out["profiles"] = [cut(p) for p in s.profiles]
        return out

    clusters = [
        {
            "name": cut(c.name),
            "product": c.product,
            "version": cut(c.version),
            "nodes": [node(n) for n in c.nodes],
            "settings": [setting(s) for s in c.settings],
            **({"facts": {k: cut(v) for k, v in c.facts}} if c.facts else {}),
            **({} if c.configuration_read else {"configuration_read": False}),
        }
        for c in deployment.clusters
    ]
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "confcheck", "version": __version__},
    }
    if deployment.collected_at:
        stamp = deployment.collected_at  # a naive time is UTC, as on load
        stamp = stamp.replace(tzinfo=timezone.utc) if stamp.tzinfo is None else stamp.astimezone(timezone.utc)
        data["collected_at"] = stamp.isoformat().replace("+00:00", "Z")
    data["clusters"] = clusters
    data["externals"] = [node(n, external=True) for n in deployment.externals]

    def dns_record(r: DnsRecord) -> dict[str, Any]:
        return {
            "name": cut(r.name),
            "type": r.type,
            "answers": [cut(a) for a in r.answers],
            **({"error": cut(r.error)} if r.error else {}),
        }

    data["dns"] = [dns_record(r) for r in deployment.dns]
    data["problems"] = [
        {"kind": cut(p.kind), "message": cut(p.message), **({"cluster": cut(p.cluster)} if p.cluster else {})}
        for p in deployment.problems
    ]
    if deployment.discovery:
        data["discovery"] = [_discovery_dict(d, store, dns_record) for d in deployment.discovery]
    data["certificates"] = dict(sorted(store.items()))
    return data


def cut(text: str) -> str:
    """``text``, or its start and a mark saying how much was cut when it exceeds :attr:`Limits.string`."""
    return errors.cut(text, LIMITS.string)


def dumps(deployment: Deployment) -> str:
    """Snapshot JSON text, stable and diff-friendly."""
    return json.dumps(to_dict(deployment), indent=1, ensure_ascii=False) + "\n"


def write(deployment: Deployment, path: str | Path) -> None:
    """Write a snapshot atomically: the file is either the old one or the complete new one."""
    write_atomic(Path(path), dumps(deployment))


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step, never leaving a half-written file behind.

    The target is checked as every output is (:mod:`confcheck.output_files`): a link, a FIFO, a
    device or a directory is refused, never replaced.
    """
    output_files.write(output_files.check(path, ""), text, "")


# --- reading, element by element --------------------------------------------------------------

_ROOT_OPTIONAL = ("tool", "collected_at", "externals", "dns", "problems", "discovery", "certificates")


def _cluster(value: Any, path: str, store: Mapping[str, Certificate], catalog: Catalog) -> Cluster:
    obj = _object(
        value,
        path,
        required=("name", "product", "version"),
        optional=("nodes", "settings", "facts", "configuration_read"),
    )
    name = _text(obj, "name", path)
    product = _text(obj, "product", path)
    if product not in PRODUCTS:
        raise SnapshotError(f"{path}.product: {product!r} is not one of {', '.join(PRODUCTS)}")
    version = _text(obj, "version", path)
    try:
        major = major_version(version)
    except ValueError:
        raise SnapshotError(f"{path}.version: {version!r} does not start with a version number") from None
    line = catalog.line_for(product, major)
    if line is None:
        raise SnapshotError(
            f"{path}: no installed plugin describes {product} {version} (see confcheck locations)"
        )
    nodes = _list(
        obj.get("nodes", []), f"{path}.nodes", lambda v, p: _node(v, p, store), LIMITS.nodes_per_cluster
    )
    for index, node in enumerate(nodes):
        if node.role == "publisher" and index != 0:
            raise SnapshotError(f"{path}.nodes[{index}].role: the publisher must be the first node")
    if nodes and not any("role" in n for n in obj["nodes"]):
        nodes[0] = replace(nodes[0], role="publisher")  # roles left out: the first node is the publisher

    def setting(v: Any, p: str) -> Setting:
        s = _object(v, p, required=("location", "value"), optional=("instance", "profiles"))
        location_id = _text(s, "location", p)
        entry = catalog.location(location_id)
        if entry is None:
            raise SnapshotError(f"{p}.location: unknown location {location_id!r} (see confcheck locations)")
        if entry[0] is not line:
            raise SnapshotError(
                f"{p}.location: {location_id!r} belongs to {entry[0].product} {entry[0].versions}, "
                f"not {product} {version}"
            )
        if entry[1].target.scope == "node":
            raise SnapshotError(
                f"{p}.location: {location_id!r} is each node's name; set the node's name instead"
            )
        profiles = (
            _strings(s["profiles"], f"{p}.profiles", LIMITS.profiles_per_setting) if "profiles" in s else None
        )
        return Setting(location_id, _text(s, "value", p), _optional_text(s, "instance", p), profiles)

    settings = _list(obj.get("settings", []), f"{path}.settings", setting, LIMITS.settings_per_cluster)
    facts = _object(obj.get("facts", {}), f"{path}.facts")
    _count(facts, f"{path}.facts", LIMITS.facts_per_cluster, "facts")
    pairs = tuple((key, _string(value, f"{path}.facts.{key}")) for key, value in facts.items())
    read = obj.get("configuration_read", True)
    if not isinstance(read, bool):
        raise SnapshotError(f"{path}.configuration_read: expected true or false")
    if not read and settings:
        raise SnapshotError(f"{path}.settings: a cluster whose configuration was not read has no settings")
    return Cluster(name, product, version, tuple(nodes), tuple(settings), pairs, read)


_NODE_KEYS = frozenset({"name", "role", "hostname", "domain", "addresses", "endpoints"})
_EXTERNAL_KEYS = _NODE_KEYS - {"role"}
_ENDPOINT_REQUIRED = frozenset({"purpose", "protocol", "host", "port"})
_ENDPOINT_KEYS = _ENDPOINT_REQUIRED | {"server_name", "chain", "error"}
_PROTOCOLS = frozenset(PROTOCOLS)
_ABSENT: Any = object()
"""A key an object does not have (``obj.get(key, _ABSENT)``), where JSON's null is a value of its own."""


def _usual(text: Any, limit: int) -> TypeGuard[str]:
    """Whether ``text`` is a string taken at once, without a path made for it (ASCII, which holds no lone
    surrogate, within the limit): the usual string, of every reader below."""
    return type(text) is str and len(text) <= limit and text.isascii()


def _usual_node(value: Any, store: Mapping[str, Certificate], external: bool) -> Node | None:
    """The node ``value`` holds when it is in the usual shape (strings in ASCII, every endpoint usual),
    made in one pass; None for anything else, which :func:`_node` reads element by element and says what
    is wrong with. Tens of thousands of nodes and endpoints are read so in a large snapshot."""
    if type(value) is not dict or not value.keys() <= (_EXTERNAL_KEYS if external else _NODE_KEYS):
        return None
    limits, name = LIMITS, value.get("name", _ABSENT)
    limit, role = limits.string, value.get("role", "subscriber")
    hostname, domain = value.get("hostname", _ABSENT), value.get("domain", _ABSENT)
    addresses, endpoints = value.get("addresses", _NONE), value.get("endpoints", _NONE)
    if not (
        _usual(name, limit)
        and role in ROLES
        and (hostname is _ABSENT or _usual(hostname, limit))
        and (domain is _ABSENT or _usual(domain, limit))
        and type(addresses) is list
        and len(addresses) <= limits.addresses_per_node
        and all(_usual(address, limit) for address in addresses)
        and type(endpoints) is list
        and len(endpoints) <= limits.endpoints_per_node
    ):
        return None
    made = []
    for item in endpoints:
        endpoint = _usual_endpoint(item, store)
        if endpoint is None:
            return None
        made.append(endpoint)
    return Node(
        name,
        role,
        None if hostname is _ABSENT else hostname,
        None if domain is _ABSENT else domain,
        tuple(addresses),
        tuple(made),
    )


_NONE: list[Any] = []
"""An absent list, read as empty (never changed)."""


def _usual_endpoint(value: Any, store: Mapping[str, Certificate]) -> Endpoint | None:
    """The endpoint ``value`` holds when it is in the usual shape (see :func:`_usual_node`), else None."""
    if (
        type(value) is not dict
        or not value.keys() <= _ENDPOINT_KEYS
        or not value.keys() >= _ENDPOINT_REQUIRED
        or value.get("error") is not None
    ):
        return None
    limits, purpose, protocol, host, port = (
        LIMITS,
        value["purpose"],
        value["protocol"],
        value["host"],
        value["port"],
    )
    server_name = value.get("server_name", _ABSENT)
    keys, limit = value.get("chain", _NONE), limits.string
    if not (
        _usual(purpose, limit)
        and type(protocol) is str
        and protocol in _PROTOCOLS
        and _usual(host, limit)
        and type(port) is int
        and 0 < port < 65536
        and (server_name is _ABSENT or _usual(server_name, limit))
        and type(keys) is list
        and len(keys) <= limits.chain
    ):
        return None
    try:
        chain = tuple([store[key] for key in keys])
    except (KeyError, TypeError):  # a key that names no certificate, or is no string
        return None
    return Endpoint(purpose, protocol, host, port, None if server_name is _ABSENT else server_name, chain)


def _node(value: Any, path: str, store: Mapping[str, Certificate], external: bool = False) -> Node:
    usual = _usual_node(value, store, external)
    return usual if usual is not None else _read_node(value, path, store, external)


def _read_node(value: Any, path: str, store: Mapping[str, Certificate], external: bool = False) -> Node:
    """A node read element by element, saying what is wrong and where (what :func:`_usual_node` gives
    for a node in the usual shape)."""
    optional = ("hostname", "domain", "addresses", "endpoints") + (() if external else ("role",))
    obj = _object(value, path, required=("name",), optional=optional)
    role = _optional_text(obj, "role", path) or "subscriber"
    if role not in ROLES:
        raise SnapshotError(f"{path}.role: {role!r} is not one of {', '.join(ROLES)}")
    return Node(
        name=_text(obj, "name", path),
        role=role,
        hostname=_optional_text(obj, "hostname", path),
        domain=_optional_text(obj, "domain", path),
        addresses=_strings(obj.get("addresses", []), f"{path}.addresses", LIMITS.addresses_per_node),
        endpoints=tuple(
            _list(
                obj.get("endpoints", []),
                f"{path}.endpoints",
                lambda v, p: _endpoint(v, p, store),
                LIMITS.endpoints_per_node,
            )
        ),
    )


def _endpoint(value: Any, path: str, store: Mapping[str, Certificate]) -> Endpoint:
    obj = _object(
        value,
        path,
        required=("purpose", "protocol", "host", "port"),
        optional=("server_name", "chain", "error"),
    )
    protocol = _text(obj, "protocol", path)
    if protocol not in PROTOCOLS:
        raise SnapshotError(f"{path}.protocol: {protocol!r} is not one of {', '.join(PROTOCOLS)}")
    port = obj["port"]
    if isinstance(port, float) and port.is_integer():
        port = int(port)  # JSON has one number type: 8443.0 is 8443
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise SnapshotError(f"{path}.port: expected a port number (1-65535)")

    error = None
    if obj.get("error") is not None:
        e = _object(obj["error"], f"{path}.error", required=("kind", "message"))
        error = EndpointError(_text(e, "kind", f"{path}.error"), _text(e, "message", f"{path}.error"))
    return Endpoint(
        purpose=_text(obj, "purpose", path),
        protocol=protocol,
        host=_text(obj, "host", path),
        port=port,
        server_name=_optional_text(obj, "server_name", path),
        chain=_chain(obj.get("chain", []), f"{path}.chain", store),
        error=error,
    )


def _chain(value: Any, path: str, store: Mapping[str, Certificate]) -> tuple[Certificate, ...]:
    """The certificates a chain names by their keys in ``certificates``."""
    if type(value) is list and len(value) <= LIMITS.chain:
        try:
            return tuple([store[key] for key in value])  # the usual chain: every key a certificate's
        except (KeyError, TypeError):
            pass  # a key that names none, or is no string: said below, with its path

    def chain_entry(v: Any, p: str) -> Certificate:
        key = _string(v, p)
        if key not in store:
            raise SnapshotError(f"{p}: no certificate {key!r} in 'certificates'")
        return store[key]

    return tuple(_list(value, path, chain_entry, LIMITS.chain))


def _problem(value: Any, path: str) -> Problem:
    obj = _object(value, path, required=("kind", "message"), optional=("cluster",))
    return Problem(
        _text(obj, "kind", path), _text(obj, "message", path), _optional_text(obj, "cluster", path)
    )


def _dns_record(value: Any, path: str) -> DnsRecord:
    obj = _object(value, path, required=("name", "type"), optional=("answers", "error"))
    kind = _text(obj, "type", path)
    if kind not in DNS_TYPES:
        raise SnapshotError(f"{path}.type: {kind!r} is not one of {', '.join(DNS_TYPES)}")
    return DnsRecord(
        name=_text(obj, "name", path),
        type=kind,
        answers=_strings(obj.get("answers", []), f"{path}.answers", LIMITS.answers_per_record),
        error=_optional_text(obj, "error", path),
    )


def _discovery_dict(
    d: Discovery, store: dict[str, str], dns_record: Callable[[DnsRecord], dict[str, Any]]
) -> dict[str, Any]:
    """The JSON form of one services domain's discovery (certificates go to ``store``)."""

    def fetch(f: Fetch) -> dict[str, Any]:
        for cert in f.chain:
            store[cert.sha256] = cert.pem
        out: dict[str, Any] = {"kind": f.kind, "url": cut(f.url)}
        if f.status is not None:
            out["status"] = f.status
        out["names"] = [[cut(k), cut(v)] for k, v in f.names]
        if f.error:
            out["error"] = {"kind": cut(f.error.kind), "message": cut(f.error.message)}
        if f.chain:
            out["chain"] = [c.sha256 for c in f.chain]
        return out

    out: dict[str, Any] = {
        "jabber": cut(d.jabber),
        "services_domain": cut(d.services_domain),
        "xmpp_domains": [cut(x) for x in d.xmpp_domains],
    }
    if d.home is not None:
        out["home"] = cut(d.home)
    out["views"] = [
        {
            "view": v.view,
            **({"server": cut(v.server)} if v.server else {}),
            "records": [dns_record(r) for r in v.records],
        }
        for v in d.views
    ]
    out["fetches"] = [fetch(f) for f in d.fetches]
    for key in ("service_profile", "profile_source", "invalid_certificate_behavior"):
        if getattr(d, key) is not None:
            out[key] = cut(getattr(d, key))
    out["clients"] = [
        {"platform": c.platform, **({"version": cut(c.version)} if c.version else {})} for c in d.clients
    ]
    return out


def _discovery(value: Any, path: str, store: Mapping[str, Certificate]) -> Discovery:
    from confcheck.discovery_model import FETCH_KINDS, Client, Discovery, DnsView, Fetch

    obj = _object(
        value,
        path,
        required=("jabber", "services_domain"),
        optional=(
            "xmpp_domains",
            "home",
            "views",
            "fetches",
            "service_profile",
            "profile_source",
            "clients",
            "invalid_certificate_behavior",
        ),
    )

    def view(v: Any, p: str) -> DnsView:
        o = _object(v, p, required=("view",), optional=("server", "records"))
        name = _text(o, "view", p)
        if name not in ("internal", "external"):
            raise SnapshotError(f"{p}.view: {name!r} is not one of internal, external")
        records = _list(o.get("records", []), f"{p}.records", _dns_record, LIMITS.records_per_view)
        return DnsView(name, _optional_text(o, "server", p), tuple(records))

    def fetch(v: Any, p: str) -> Fetch:
        o = _object(v, p, required=("kind", "url"), optional=("status", "names", "error", "chain"))
        kind = _text(o, "kind", p)
        if kind not in FETCH_KINDS:
            raise SnapshotError(f"{p}.kind: {kind!r} is not one of {', '.join(FETCH_KINDS)}")
        status = o.get("status")
        if status is not None and (
            isinstance(status, bool) or not isinstance(status, int) or not 100 <= status < 600
        ):
            raise SnapshotError(f"{p}.status: expected an HTTP status (100-599)")

        def pair(item: Any, q: str) -> tuple[str, str]:
            if not isinstance(item, list) or len(item) != 2:
                raise SnapshotError(f"{q}: expected a pair [name, value]")
            return _string(item[0], f"{q}[0]"), _string(item[1], f"{q}[1]")

        def chain_entry(item: Any, q: str) -> Certificate:
            key = _string(item, q)
            if key not in store:
                raise SnapshotError(f"{q}: no certificate {key!r} in 'certificates'")
            return store[key]

        error = None
        if o.get("error") is not None:
            e = _object(o["error"], f"{p}.error", required=("kind", "message"))
            error = EndpointError(_text(e, "kind", f"{p}.error"), _text(e, "message", f"{p}.error"))
        return Fetch(
            kind,
            _text(o, "url", p),
            status,
            tuple(_list(o.get("names", []), f"{p}.names", pair, LIMITS.names_per_fetch)),
            error,
            tuple(_list(o.get("chain", []), f"{p}.chain", chain_entry, LIMITS.chain)),
        )

    def client(v: Any, p: str) -> Client:
        o = _object(v, p, required=("platform",), optional=("version",))
        platform = _text(o, "platform", p)
        if platform not in PLATFORMS:
            raise SnapshotError(f"{p}.platform: {platform!r} is not one of {', '.join(PLATFORMS)}")
        return Client(platform, _optional_text(o, "version", p))

    source = _optional_text(obj, "profile_source", path)
    if source is not None and source not in ("inventory", "default"):
        raise SnapshotError(f"{path}.profile_source: {source!r} is not one of inventory, default")
    return Discovery(
        jabber=_text(obj, "jabber", path),
        services_domain=_text(obj, "services_domain", path),
        xmpp_domains=tuple(_list(obj.get("xmpp_domains", []), f"{path}.xmpp_domains", _string, 64)),
        home=_optional_text(obj, "home", path),
        views=tuple(_list(obj.get("views", []), f"{path}.views", view, LIMITS.views_per_discovery)),
        fetches=tuple(_list(obj.get("fetches", []), f"{path}.fetches", fetch, LIMITS.fetches_per_discovery)),
        service_profile=_optional_text(obj, "service_profile", path),
        profile_source=source,
        clients=tuple(_list(obj.get("clients", []), f"{path}.clients", client, LIMITS.clients_per_discovery)),
        invalid_certificate_behavior=_optional_text(obj, "invalid_certificate_behavior", path),
    )


CERTIFICATES_A_PROCESS = 1_000
"""The fewest of a snapshot's certificates worth reading in a forked process of their own (about 70 ms
of work, against a few milliseconds to fork and to send back what was read; see :mod:`confcheck.parallel`)."""


CERTIFICATES_A_CHUNK = 256
"""Certificates claimed at a time by a process that reads them (some 20 ms of work)."""


def _certificates(pems: dict[str, Any], meanwhile: Callable[[], object]) -> dict[str, Certificate]:
    """Every certificate of the snapshot by its key, read on as many cores as that saves time on, while
    this process first does ``meanwhile`` (see :func:`confcheck.parallel.map_forked`)."""
    entries = list(pems.items())
    read = parallel.map_forked(
        lambda entry: _certificate(*entry),
        entries,
        lambda cert, entry: certs.marshalled(cert, entry[1]),
        lambda value, entry: certs.from_marshalled(value, entry[1]),
        CERTIFICATES_A_PROCESS,
        CERTIFICATES_A_CHUNK,
        meanwhile,
    )
    return {key: cert for (key, _), cert in zip(entries, read, strict=True)}


def _certificate_or_error(entry: tuple[str, Any]) -> Certificate | SnapshotError:
    """:func:`_certificate`, its error given rather than raised: read ahead, an entry may prove not to be
    the snapshot's (see :func:`_loads_reading_ahead`), and only the snapshot's errors are raised."""
    try:
        return _certificate(*entry)
    except SnapshotError as exc:
        return exc


def _sent(read: Certificate | SnapshotError, entry: tuple[str, Any]) -> Any:
    """What a forked process sends of :func:`_certificate_or_error`: the error's message, or the certificate
    less its PEM (the parent has it)."""
    return str(read) if isinstance(read, SnapshotError) else certs.marshalled(read, entry[1])


def _received(value: Any, entry: tuple[str, Any]) -> Certificate | SnapshotError:
    """What :func:`_sent` sent, made again."""
    return SnapshotError(value) if type(value) is str else certs.from_marshalled(value, entry[1])


_STORED = '\n "certificates": {'
"""Where :func:`dumps` writes the certificates: the last key of the root object, indented by one."""
_PEM_CHARS = 500
"""Fewer characters than a server certificate's PEM usually takes (an EC one some 700, an RSA one 1,200 or
more): a text shorter than twice :data:`CERTIFICATES_A_PROCESS` of them is not worth looking in."""
_JSON_SPACE = " \t\n\r"


@records.record
class _Found:
    """The certificates object of a large snapshot, found in its text and decoded alone (see
    :func:`_stored_certificates`)."""

    certificates: dict[str, Any]
    head: int | None
    """When the object found is the root object's last member, as :func:`dumps` writes it, where the text
    of the root's other members ends (the comma before the certificates); else None."""


def _stored_certificates(text: str) -> _Found | None:
    """The certificates object of a large snapshot as :func:`dumps` writes it, found in its text and decoded
    alone (a fifth or less of the time decoding the whole takes, for more than half its text), so that
    forked processes read them while this one decodes the rest; None when the text is small, laid out
    otherwise, or holds too few certificates to share. A guess: :func:`_loads_reading_ahead` uses it only
    when the whole text, decoded, holds the same certificates in the same order."""
    if len(text) < 2 * CERTIFICATES_A_PROCESS * _PEM_CHARS:
        return None
    if parallel.processes(2 * CERTIFICATES_A_PROCESS, CERTIFICATES_A_PROCESS) == 1:
        return None  # one process reads them all, however many (one CPU, CONFCHECK_JOBS=1): no guess
    at = text.rfind(_STORED)
    if at < 0:
        return None
    try:
        stored, end = inputs.STRICT.raw_decode(text, at + len(_STORED) - 1)
    except Exception:  # not JSON there, or JSON a snapshot refuses: the whole text's decoding says why
        return None
    if type(stored) is not dict or parallel.processes(len(stored), CERTIFICATES_A_PROCESS) == 1:
        return None
    last = text[at - 1 : at] == "," and text[end:].strip(_JSON_SPACE) == "}"
    return _Found(stored, at - 1 if last else None)


def _decoded(text: str, found: _Found, source: str) -> Any:
    """The whole text decoded, as :func:`inputs.parse_json` decodes it. When the certificates found are the
    root's last member, only the text before them is decoded, as an object of the root's other members,
    and the certificates already decoded are put last: what decoding the whole gives, without decoding
    the certificates (more than half a large snapshot's text) a second time. Anything else (that text
    is not such an object, or it holds certificates too) is left to decoding the whole text, which says
    what is wrong and where."""
    if found.head is not None:
        try:
            root = inputs.STRICT.decode(text[: found.head] + "}")
        except Exception:  # the whole text's decoding says why
            root = None
        if type(root) is dict and root and "certificates" not in root:
            root["certificates"] = found.certificates
            return root
    return inputs.parse_json(text, source, SnapshotError)


def _loads_reading_ahead(
    text: str, found: _Found, catalog: Catalog, source: str, meanwhile: Meanwhile | None
) -> Deployment:
    """:func:`loads` of a large snapshot whose certificates :func:`_stored_certificates` found: forked
    processes read them while this one decodes the whole text and builds the parts of the model that need
    no certificate, then takes its share. The same deployment, and the same first error, as decoding first:
    the whole text's errors and the root's come before any certificate's, and when the whole text proves
    to hold other certificates than those found (a snapshot not written by confcheck) they are read again
    from it, as :func:`from_dict` reads them."""
    stored = found.certificates
    entries = list(stored.items())
    loaded: list[_Loading] = []
    placeholders: dict[str, Certificate] = {}  # the snapshot's, once known to hold the certificates found

    def decode_and_build() -> None:  # all of it while the children read: freeing the decoded JSON too
        data = _decoded(text, found, source)  # its errors name the file already
        with _named(source):
            loading = _Loading(data, catalog, meanwhile)
        del data  # (build_early lets go of what it no longer needs)
        loading.build_early()
        if list(loading.pems.items()) == entries:  # the certificates found are the snapshot's:
            loading.pems = stored  # one copy of their PEMs is enough
            placeholders.update(loading.placeholders)
        loaded.append(loading)

    def received(value: Any, entry: tuple[str, Any]) -> Certificate | SnapshotError:
        """A certificate a child read, settled in its placeholder as it comes, while this process still
        reads its own share (not all of them once every one is read, while the other CPUs wait)."""
        placeholder = placeholders.get(entry[0])
        if placeholder is None or type(value) is str:
            return _received(value, entry)
        return certs.from_marshalled(value, entry[1], placeholder)

    read = parallel.map_forked(
        _certificate_or_error,
        entries,
        _sent,
        received,
        CERTIFICATES_A_PROCESS,
        CERTIFICATES_A_CHUNK,
        decode_and_build,
    )
    loading = loaded[0]
    with _named(source):
        if loading.pems is not stored:
            return loading.deployment(_certificates(loading.pems, lambda: None))
        store: dict[str, Certificate] = {}
        for (key, _), cert in zip(entries, read, strict=True):
            if isinstance(cert, SnapshotError):
                raise cert
            store[key] = cert
        # what was needed to read the certificates is held to an armed process's end: freed here, its
        # tens of thousands of entries would be let go one by one while the other CPUs wait
        fast_exit.keep((entries, read, store, loading))
        return loading.deployment(store)


def _certificate(key: str, pem: Any) -> Certificate:
    path = f"certificates.{key}"
    try:
        cert = certs.from_pem(_string(pem, path, LIMITS.pem))
    except certs.CertificateError as exc:
        raise SnapshotError(f"{path}: {str(exc).removeprefix('certificate: ')}") from None
    if cert.sha256 != key:
        raise SnapshotError(f"{path}: the key is not the SHA-256 of the certificate ({cert.sha256})")
    return cert


def _timestamp(value: Any, path: str) -> datetime:
    text = _string(value, path)
    try:
        stamp = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        raise SnapshotError(f"{path}: expected an ISO 8601 time such as 2026-11-27T06:00:00Z") from None
    try:  # one clock for every report: UTC (0001-01-01T00:00:00+23:59 has no UTC time)
        return stamp.astimezone(timezone.utc) if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)
    except OverflowError:
        raise SnapshotError(f"{path}: {text!r} is outside the years 1 to 9999 in UTC") from None


def _check_totals(root: Mapping[str, Any]) -> None:
    """The limits on all clusters together, from list lengths alone, before any element is built."""

    def entries(items: Any, key: str) -> list[Any]:
        return [i.get(key) for i in items if isinstance(i, dict)] if isinstance(items, list) else []

    def total(lists: list[Any]) -> int:
        return sum(len(x) for x in lists if isinstance(x, list))

    clusters = root.get("clusters")
    nodes = [n for ns in entries(clusters, "nodes") if isinstance(ns, list) for n in ns]
    externals = root.get("externals", [])
    for count, limit, what in (
        (total(entries(clusters, "nodes")), LIMITS.nodes, "nodes"),
        (total(entries(clusters, "settings")), LIMITS.settings, "settings"),
        (total(entries(nodes, "endpoints") + entries(externals, "endpoints")), LIMITS.endpoints, "endpoints"),
    ):
        if count > limit:
            raise SnapshotError(f"clusters: {count:,} {what} in all, more than the limit of {limit:,}")


def _object(
    value: Any, path: str, required: tuple[str, ...] = (), optional: tuple[str, ...] | None = None
) -> dict[str, Any]:
    """A JSON object with the required keys and no unknown ones (``optional=None``: any keys)."""
    if not isinstance(value, dict):
        raise SnapshotError(f"{path or 'snapshot'}: expected an object, found {_kind(value)}")
    for key in required:
        if key not in value:
            raise SnapshotError(f"{path}.{key}: required" if path else f"{key}: required")
    if optional is not None:
        allowed = _ALLOWED.get((required, optional))
        if allowed is None:
            allowed = _ALLOWED[(required, optional)] = frozenset(required) | frozenset(optional)
        if not value.keys() <= allowed:
            key = sorted(set(value) - allowed)[0]
            raise SnapshotError(f"{path}.{key}: unknown key" if path else f"{key}: unknown key")
    return value


_ALLOWED: dict[tuple[tuple[str, ...], tuple[str, ...]], frozenset[str]] = {}
"""The keys an object may have, by its (required, optional) keys: made once, not for every object."""


def _list(value: Any, path: str, item: Callable[[Any, str], T], limit: int) -> list[T]:
    if not isinstance(value, list):
        raise SnapshotError(f"{path}: expected a list, found {_kind(value)}")
    _count(value, path, limit, "entries")
    return [item(v, f"{path}[{i}]") for i, v in enumerate(value)]


def _strings(value: Any, path: str, limit: int) -> tuple[str, ...]:
    """A list of strings (``_list`` of ``_string``): the usual list, of short ASCII strings, is checked in
    one pass without a path for each entry (paths are made only to say what is wrong)."""
    if type(value) is list and len(value) <= limit and all(_usual(v, LIMITS.string) for v in value):
        return tuple(value)
    return tuple(_list(value, path, _string, limit))


def _count(value: Any, path: str, limit: int, what: str) -> None:
    """Refuse a list or object with more than ``limit`` entries, before any of them is read."""
    if len(value) > limit:
        raise SnapshotError(f"{path}: {len(value):,} {what}, more than the limit of {limit:,}")


def _string(value: Any, path: str, limit: int | None = None) -> str:
    limit = limit or LIMITS.string
    if _usual(value, limit):
        return value  # the usual string, checked at once (ASCII holds no lone surrogate)
    if not isinstance(value, str):
        raise SnapshotError(f"{path}: expected a string, found {_kind(value)}")
    if len(value) > limit:
        raise SnapshotError(
            f"{path}: a string of {len(value):,} characters, more than the limit of {limit:,}"
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise SnapshotError(f"{path}: not valid Unicode text (a lone surrogate escape)") from None
    return value


def _text(obj: Mapping[str, Any], key: str, path: str) -> str:
    value = obj.get(key)
    if _usual(value, LIMITS.string):
        return value  # the usual string: its path is made only for an error
    return _string(value, f"{path}.{key}" if path else key)


def _optional_text(obj: Mapping[str, Any], key: str, path: str) -> str | None:
    """An optional string: absent is None; present, it must be a string (null is not)."""
    return _text(obj, key, path) if key in obj else None


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number" if isinstance(value, int | float) else type(value).__name__)
