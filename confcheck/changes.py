"""Proposed changes, checked before they are made: ``confcheck lint SNAPSHOT --changes CHANGES.toml``.

A pipeline gating a configuration change applies it to the last snapshot and asks what it fixes
and what it breaks. A change file lists the edits, in the admin's terms::

    [[change]]                      # set a client-facing setting
    cluster = "hq-imp"
    set = "imp9.tftp-primary"       # a location id (confcheck locations)
    value = "cucm1.acme.example"

    [[change]]                      # rename a node (System > Server, Cluster Topology)
    cluster = "hq-cucm"
    rename = "10.10.0.11"
    to = "cucm1.acme.example"

    [[change]]                      # replace the certificate a node presents
    cluster = "hq-cuc"              # or: external = "mail.acme.example"
    node = "cuc1.acme.example"
    purpose = "tomcat"
    certificate = "cuc1-new.pem"    # PEM chain, leaf first, relative to this file
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from confcheck import certs, inputs
from confcheck.catalog import Catalog
from confcheck.config import key_lines
from confcheck.errors import InputError
from confcheck.model import Cluster, Deployment, Node, Setting
from confcheck.records import replace


def apply(deployment: Deployment, path: str | Path, catalog: Catalog) -> tuple[Deployment, tuple[str, ...]]:
    """``deployment`` with the change file's edits applied, and one sentence per edit."""
    path = Path(path)
    text, data = inputs.read_toml(path, "a change file", InputError)
    lines = key_lines(text)
    entries = data.get("change")
    if set(data) - {"change"} or not isinstance(entries, list) or not entries:
        raise InputError(f"{path}: expected one or more [[change]] tables and nothing else")
    described = []
    for index, entry in enumerate(entries, start=1):
        fail = _Failure(f"{path}:{lines.get((('change', index), None), 0)}: change[{index}]")
        deployment, sentence = _one(deployment, entry, path.parent, catalog, fail)
        described.append(sentence)
    return deployment, tuple(described)


class _Failure:
    """Makes the error for one change, naming the file, line and change."""

    def __init__(self, where: str) -> None:
        self.where = where

    def __call__(self, message: str) -> InputError:
        return InputError(f"{self.where}: {message}")


def _one(
    deployment: Deployment, entry: Any, base: Path, catalog: Catalog, fail: _Failure
) -> tuple[Deployment, str]:
    if not isinstance(entry, dict) or not all(isinstance(v, str) for v in entry.values()):
        raise fail("every key takes a string")
    kinds = [k for k in ("set", "rename", "certificate") if k in entry]
    if len(kinds) != 1:
        raise fail("give exactly one of set, rename or certificate")
    allowed = {"set": {"cluster", "set", "value", "instance"}, "rename": {"cluster", "rename", "to"}}
    allowed["certificate"] = {"cluster", "external", "node", "purpose", "certificate"}
    if unknown := set(entry) - allowed[kinds[0]]:
        raise fail(f"unknown key {sorted(unknown)[0]!r} for a {kinds[0]} change")
    if kinds[0] == "certificate":
        return _certificate(deployment, entry, base, fail)
    cluster = _cluster(deployment, entry, fail)
    if kinds[0] == "set":
        return _set(deployment, cluster, entry, catalog, fail)
    return _rename(deployment, cluster, entry, fail)


def _cluster(deployment: Deployment, entry: dict[str, str], fail: _Failure) -> Cluster:
    name = entry.get("cluster")
    if name is None:
        raise fail("cluster: required")
    cluster = deployment.cluster(name)
    if cluster is None:
        raise fail(f"cluster: no cluster {name!r} in the snapshot")
    return cluster


def _set(
    deployment: Deployment, cluster: Cluster, entry: dict[str, str], catalog: Catalog, fail: _Failure
) -> tuple[Deployment, str]:
    location, value, instance = entry["set"], entry.get("value"), entry.get("instance")
    if value is None:
        raise fail("value: required")
    found = catalog.location(location)
    line = catalog.line_for(cluster.product, cluster.major)
    if found is None or found[0] is not line:
        raise fail(f"set: {location!r} is not a location of {cluster.name} (see confcheck locations)")
    if found[1].target.scope == "node":
        raise fail(f"set: {location!r} is a node's name: use rename")
    settings = list(cluster.settings)
    matching = [
        i
        for i, s in enumerate(settings)
        if s.location == location and (instance is None or s.instance == instance)
    ]
    if len(matching) > 1:
        raise fail(f"set: {cluster.name} has {len(matching)} {location} settings: say which with instance")
    before = settings[matching[0]].value if matching else None
    if matching:
        settings[matching[0]] = replace(settings[matching[0]], value=value)
    else:
        settings.append(Setting(location, value, instance))
    what = f"{location}" + (f" ({instance})" if instance else "")
    sentence = (
        f"{cluster.name}: set {what} from {before} to {value}"
        if before
        else f"{cluster.name}: set {what} to {value}"
    )
    return _replace_cluster(deployment, replace(cluster, settings=tuple(settings))), sentence


def _rename(
    deployment: Deployment, cluster: Cluster, entry: dict[str, str], fail: _Failure
) -> tuple[Deployment, str]:
    old, new = entry["rename"], entry.get("to")
    if not new:
        raise fail("to: required")
    nodes = list(cluster.nodes)
    index = next((i for i, n in enumerate(nodes) if n.name.lower() == old.lower()), None)
    if index is None:
        raise fail(f"rename: {cluster.name} has no node {old!r}")
    node = nodes[index]
    from confcheck import identity

    addresses = node.addresses or ((old,) if identity.is_ip(old) else ())
    nodes[index] = replace(node, name=new, addresses=addresses)
    return _replace_cluster(
        deployment, replace(cluster, nodes=tuple(nodes))
    ), f"{cluster.name}: rename node {old} to {new}"


def _certificate(
    deployment: Deployment, entry: dict[str, str], base: Path, fail: _Failure
) -> tuple[Deployment, str]:
    name, purpose = entry.get("node"), entry.get("purpose")
    if not name or not purpose:
        raise fail("node and purpose: required for a certificate change")
    try:
        chain = certs.read(base / entry["certificate"])
    except certs.CertificateError as exc:
        raise fail(f"certificate: {exc}") from None

    def swap(node: Node) -> Node:
        endpoints = [e for e in node.endpoints if e.purpose == purpose]
        if not endpoints:
            raise fail(f"{name} has no {purpose} endpoint")
        changed = tuple(
            replace(e, chain=chain, error=None) if e.purpose == purpose else e for e in node.endpoints
        )
        return replace(node, endpoints=changed)

    sentence = f"replace the {purpose} certificate of {name} with {chain[0].subject} ({entry['certificate']})"
    if "external" in entry:
        externals = list(deployment.externals)
        index = next(
            (i for i, n in enumerate(externals) if n.name.lower() == entry["external"].lower()), None
        )
        if index is None:
            raise fail(f"external: no external server {entry['external']!r} in the snapshot")
        externals[index] = swap(externals[index])
        return replace(deployment, externals=tuple(externals)), sentence
    cluster = _cluster(deployment, entry, fail)
    nodes = list(cluster.nodes)
    index = next((i for i, n in enumerate(nodes) if n.name.lower() == name.lower()), None)
    if index is None:
        raise fail(f"node: {cluster.name} has no node {name!r}")
    nodes[index] = swap(nodes[index])
    return _replace_cluster(deployment, replace(cluster, nodes=tuple(nodes))), f"{cluster.name}: {sentence}"


def _replace_cluster(deployment: Deployment, cluster: Cluster) -> Deployment:
    return replace(
        deployment, clusters=tuple(cluster if c.name == cluster.name else c for c in deployment.clusters)
    )
