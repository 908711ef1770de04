"""Reading a Unity Connection cluster: its release from CUPI (when the inventory does not say it),
its nodes from the inventory.

Why the inventory names the nodes: no setting on Unity Connection hands a name to Jabber (the
voicemail names live on CUCM and in Jabber's configuration), so confcheck needs the nodes only to
meet their Tomcat certificates. CUPI's cluster resource (``/vmrest/cluster``) would list them with
an administrator account; confcheck does not read it yet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from confcheck.collect_plan import ClusterPlan, EndpointPlan, NodePlan
from confcheck.plugins import _common

if TYPE_CHECKING:
    from confcheck.collect_context import CollectContext
    from confcheck.config import ClusterConfig


def detect_version(cluster: ClusterConfig, context: CollectContext) -> str | None:
    """The release CUPI reports (``/vmrest/version/product/``); None for other products."""
    return context.unity_version(cluster) if cluster.product == "unity" else None


def collect(cluster: ClusterConfig) -> ClusterPlan:
    """The publisher and the nodes the inventory names, each met on Tomcat."""
    names = [cluster.publisher, *cluster.nodes]
    nodes = [
        NodePlan(
            name,
            "publisher" if i == 0 else "subscriber",
            [EndpointPlan(_common.TOMCAT, "https", cluster.tomcat_port)],
        )
        for i, name in enumerate(names)
    ]
    return ClusterPlan(cluster.name, cluster.product, cluster.version or "", nodes)
