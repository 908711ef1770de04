"""The snapshot: the versioned JSON contract between collecting and checking.

A snapshot holds everything the checks need and no secret. Certificates are stored once, as PEM,
keyed by SHA-256, and re-parsed on load, so the PEM is the only source of truth. Loading checks
every element and names the bad one by its path (``clusters[1].nodes[0].name: expected a string``).
The JSON Schema shipped beside this module (``schemas/snapshot.schema.json``) describes the same
format for other tools.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from confcheck import __version__, certs, snapshot_migration
from confcheck.catalog import Catalog
from confcheck.certs import Certificate
from confcheck.errors import InputError
from confcheck.model import (
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

SCHEMA_VERSION = 2
MAX_BYTES = 512 * 1024 * 1024
DNS_TYPES = ("A", "AAAA", "CNAME", "PTR", "SRV")

T = TypeVar("T")


class SnapshotError(InputError):
    """A snapshot that cannot be read; the message names the file and the bad element's path."""


def read(path: str | Path, catalog: Catalog) -> Deployment:
    """Load a snapshot file (``-`` reads standard input)."""
    source = str(path)
    try:
        if source == "-":
            text = sys.stdin.buffer.read(MAX_BYTES + 1)
        else:
            if Path(path).is_dir():
                raise SnapshotError(f"{source}: is a directory, not a snapshot file")
            with open(path, "rb") as handle:
                text = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise SnapshotError(f"{source}: no such file") from None
    except OSError as exc:
        raise SnapshotError(f"{source}: cannot read ({exc.strerror or exc})") from None
    if len(text) > MAX_BYTES:
        raise SnapshotError(f"{source}: larger than {MAX_BYTES // 2**20} MiB")
    return loads(text, catalog, source)


def loads(text: str | bytes, catalog: Catalog, source: str = "snapshot") -> Deployment:
    """Parse snapshot JSON text."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SnapshotError(
            f"{source}: not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None
    except UnicodeDecodeError:
        raise SnapshotError(f"{source}: not JSON (not UTF-8 text)") from None
    except RecursionError:
        raise SnapshotError(f"{source}: not a snapshot (JSON nested too deeply)") from None
    try:
        return from_dict(data, catalog)
    except SnapshotError as exc:
        raise SnapshotError(f"{source}: {exc}") from None


def from_dict(data: Any, catalog: Catalog) -> Deployment:
    """Build a deployment from decoded JSON, validating every element."""
    root = _object(data, "", required=("schema_version", "clusters"), optional=_ROOT_OPTIONAL)
    version = root["schema_version"]
    if not isinstance(version, bool) and version in snapshot_migration.READS:  # older: migrated first
        root = snapshot_migration.upgrade(root, catalog)
        version = root["schema_version"]
    if isinstance(version, bool) or version != SCHEMA_VERSION:
        raise SnapshotError(
            f"schema_version: unsupported version {version!r} (this confcheck reads {SCHEMA_VERSION})"
        )
    if "tool" in root:
        for key, value in _object(root["tool"], "tool").items():
            _string(value, f"tool.{key}")
    pems = _object(root.get("certificates", {}), "certificates")
    store = {key: _certificate(key, pem) for key, pem in pems.items()}
    clusters = _list(root["clusters"], "clusters", lambda v, p: _cluster(v, p, store, catalog))
    names = [c.name for c in clusters]
    for index, name in enumerate(names):
        if names.index(name) != index:
            raise SnapshotError(f"clusters[{index}].name: duplicate cluster name {name!r}")
    return Deployment(
        clusters=tuple(clusters),
        externals=tuple(
            _list(root.get("externals", []), "externals", lambda v, p: _node(v, p, store, external=True))
        ),
        dns=tuple(_list(root.get("dns", []), "dns", _dns_record)),
        collected_at=_timestamp(root["collected_at"], "collected_at") if "collected_at" in root else None,
        problems=tuple(_list(root.get("problems", []), "problems", _problem)),
    )


def to_dict(deployment: Deployment) -> dict[str, Any]:
    """The JSON form of ``deployment`` (certificates stored once each, keyed by SHA-256)."""
    store: dict[str, str] = {}

    def node(n: Node, external: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"name": n.name}
        if not external:
            out["role"] = n.role
        for key in ("hostname", "domain"):
            if getattr(n, key):
                out[key] = getattr(n, key)
        out["addresses"] = list(n.addresses)
        out["endpoints"] = [endpoint(e) for e in n.endpoints]
        return out

    def endpoint(e: Endpoint) -> dict[str, Any]:
        for cert in e.chain:
            store[cert.sha256] = cert.pem
        out: dict[str, Any] = {"purpose": e.purpose, "protocol": e.protocol, "host": e.host, "port": e.port}
        if e.server_name:
            out["server_name"] = e.server_name
        out["chain"] = [c.sha256 for c in e.chain]
        if e.error:
            out["error"] = {"kind": e.error.kind, "message": e.error.message}
        return out

    def setting(s: Setting) -> dict[str, Any]:
        out: dict[str, Any] = {"location": s.location, "value": s.value}
        if s.instance is not None:
            out["instance"] = s.instance
        if s.profiles is not None:
            out["profiles"] = list(s.profiles)
        return out

    clusters = [
        {
            "name": c.name,
            "product": c.product,
            "version": c.version,
            "nodes": [node(n) for n in c.nodes],
            "settings": [setting(s) for s in c.settings],
            **({"facts": dict(c.facts)} if c.facts else {}),
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
    data["dns"] = [
        {
            "name": r.name,
            "type": r.type,
            "answers": list(r.answers),
            **({"error": r.error} if r.error else {}),
        }
        for r in deployment.dns
    ]
    data["problems"] = [
        {"kind": p.kind, "message": p.message, **({"cluster": p.cluster} if p.cluster else {})}
        for p in deployment.problems
    ]
    data["certificates"] = dict(sorted(store.items()))
    return data


def dumps(deployment: Deployment) -> str:
    """Snapshot JSON text, stable and diff-friendly."""
    return json.dumps(to_dict(deployment), indent=1, ensure_ascii=False) + "\n"


def write(deployment: Deployment, path: str | Path) -> None:
    """Write a snapshot atomically: the file is either the old one or the complete new one."""
    write_atomic(Path(path), dumps(deployment))


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step, never leaving a half-written file behind."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _mode_for(path))
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"{path}: cannot write ({exc.strerror or exc})") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _mode_for(path: Path) -> int:
    """Keep the permissions of the file replaced; a new file gets the usual 0666 less the umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


# --- reading, element by element --------------------------------------------------------------

_ROOT_OPTIONAL = ("tool", "collected_at", "externals", "dns", "problems", "certificates")


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
    nodes = _list(obj.get("nodes", []), f"{path}.nodes", lambda v, p: _node(v, p, store))
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
        profiles = tuple(_list(s["profiles"], f"{p}.profiles", _string)) if "profiles" in s else None
        return Setting(location_id, _text(s, "value", p), _optional_text(s, "instance", p), profiles)

    settings = _list(obj.get("settings", []), f"{path}.settings", setting)
    facts = _object(obj.get("facts", {}), f"{path}.facts")
    pairs = tuple((key, _string(value, f"{path}.facts.{key}")) for key, value in facts.items())
    read = obj.get("configuration_read", True)
    if not isinstance(read, bool):
        raise SnapshotError(f"{path}.configuration_read: expected true or false")
    if not read and settings:
        raise SnapshotError(f"{path}.settings: a cluster whose configuration was not read has no settings")
    return Cluster(name, product, version, tuple(nodes), tuple(settings), pairs, read)


def _node(value: Any, path: str, store: Mapping[str, Certificate], external: bool = False) -> Node:
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
        addresses=tuple(_list(obj.get("addresses", []), f"{path}.addresses", _string)),
        endpoints=tuple(
            _list(obj.get("endpoints", []), f"{path}.endpoints", lambda v, p: _endpoint(v, p, store))
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

    def chain_entry(v: Any, p: str) -> Certificate:
        key = _string(v, p)
        if key not in store:
            raise SnapshotError(f"{p}: no certificate {key!r} in 'certificates'")
        return store[key]

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
        chain=tuple(_list(obj.get("chain", []), f"{path}.chain", chain_entry)),
        error=error,
    )


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
        answers=tuple(_list(obj.get("answers", []), f"{path}.answers", _string)),
        error=_optional_text(obj, "error", path),
    )


def _certificate(key: str, pem: Any) -> Certificate:
    path = f"certificates.{key}"
    try:
        cert = certs.from_pem(_string(pem, path))
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
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)


def _object(
    value: Any, path: str, required: tuple[str, ...] = (), optional: tuple[str, ...] | None = None
) -> dict[str, Any]:
    """A JSON object with the required keys and no unknown ones (``optional=None``: any keys)."""
    if not isinstance(value, dict):
        raise SnapshotError(f"{path or 'snapshot'}: expected an object, found {_kind(value)}")
    prefix = f"{path}." if path else ""
    for key in required:
        if key not in value:
            raise SnapshotError(f"{prefix}{key}: required")
    if optional is not None:
        unknown = sorted(set(value) - set(required) - set(optional))
        if unknown:
            raise SnapshotError(f"{prefix}{unknown[0]}: unknown key")
    return value


def _list(value: Any, path: str, item: Callable[[Any, str], T]) -> list[T]:
    if not isinstance(value, list):
        raise SnapshotError(f"{path}: expected a list, found {_kind(value)}")
    return [item(v, f"{path}[{i}]") for i, v in enumerate(value)]


def _string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise SnapshotError(f"{path}: expected a string, found {_kind(value)}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise SnapshotError(f"{path}: not valid Unicode text (a lone surrogate escape)") from None
    return value


def _text(obj: Mapping[str, Any], key: str, path: str) -> str:
    return _string(obj.get(key), f"{path}.{key}" if path else key)


def _optional_text(obj: Mapping[str, Any], key: str, path: str) -> str | None:
    """An optional string: absent is None; present, it must be a string (null is not)."""
    return _text(obj, key, path) if key in obj else None


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number" if isinstance(value, int | float) else type(value).__name__)
