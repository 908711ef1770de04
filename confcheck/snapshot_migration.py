"""Older snapshots, brought up to the current ``schema_version`` as they are read.

Why: a snapshot is the contract a pipeline keeps for months (a baseline, last quarter's audit), so
a new confcheck must still lint what an older one wrote. Version 2 changed two things:

* CUCM, IM and Presence and Unity Connection 10.x and later got product lines of their own
  (``cucm10``, ``imp10``, ``unity10``). Version 1 filed a 12.5 cluster's settings under the 9.x
  lines (``cucm9.uc-service-voicemail``); each such id is moved to the line that now covers the
  cluster's version when that line has the same setting (``cucm10.uc-service-voicemail``). A
  setting the new line does not have (IM and Presence 10.x has no Legacy Clients page in
  confcheck's catalog) cannot be moved: the snapshot is refused, naming the setting, and the
  cluster must be collected again.
* A setting may carry the service profiles of its UC service (``profiles``). Version 1 never read
  them, so migrated settings have none: their UC services are judged as before, never reported as
  unused on a guess.

Only well-formed parts are touched; everything else is left for :func:`confcheck.snapshot.from_dict`
to refuse with its path, as it would a current snapshot.
"""

from __future__ import annotations

from typing import Any

from confcheck.catalog import Catalog
from confcheck.model import major_version

READS = (1,)
"""The older schema versions this confcheck migrates."""


def upgrade(root: dict[str, Any], catalog: Catalog) -> dict[str, Any]:
    """A version-2 snapshot (decoded JSON) made from a version-1 one; SnapshotError where impossible."""
    clusters = root.get("clusters")
    moved = dict(root, schema_version=2)
    if isinstance(clusters, list):
        moved["clusters"] = [
            _cluster(c, f"clusters[{i}]", catalog) if isinstance(c, dict) else c
            for i, c in enumerate(clusters)
        ]
    return moved


def _cluster(cluster: dict[str, Any], path: str, catalog: Catalog) -> dict[str, Any]:
    product, version, settings = cluster.get("product"), cluster.get("version"), cluster.get("settings")
    if not isinstance(product, str) or not isinstance(version, str) or not isinstance(settings, list):
        return cluster
    try:
        line = catalog.line_for(product, major_version(version))
    except ValueError:
        return cluster
    if line is None:
        return cluster
    moved = []
    for index, setting in enumerate(settings):
        location = setting.get("location") if isinstance(setting, dict) else None
        if not isinstance(location, str):
            moved.append(setting)
            continue
        entry = catalog.location(location)
        if entry is not None and entry[0] is line:
            moved.append(setting)
            continue
        _, dot, key = location.partition(".")
        counterpart = catalog.location(f"{line.id}.{key}") if dot else None
        if counterpart is not None and counterpart[0] is line:
            moved.append(dict(setting, location=counterpart[1].id))
        elif entry is not None:  # a known setting of another line, with no counterpart on this one
            from confcheck.snapshot import SnapshotError

            raise SnapshotError(
                f"{path}.settings[{index}].location: {location!r} (schema_version 1) has no counterpart "
                f"for {product} {version}, which confcheck now reads as {line.id} ({line.versions}, "
                f"see confcheck locations): collect the cluster again"
            )
        else:
            moved.append(setting)  # unknown anywhere: from_dict says so, with its path
    return dict(cluster, settings=moved)
