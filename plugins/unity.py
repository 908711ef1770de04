"""Cisco Unity Connection, all versions: no setting to change; voicemail names meet its Tomcat certificate."""

from __future__ import annotations

from confcheck import hookimpl
from confcheck.catalog import ProductLine
from confcheck.collect_plan import ClusterPlan, EndpointPlan, NodePlan
from confcheck.config import ClusterConfig
from confcheck.plugins import _common

LINE = ProductLine(
    id="unity",
    product="unity",
    versions="all versions",
    min_major=None,
    max_major=None,
    admin="Cisco Unity Connection Administration",
    os_admin="Cisco Unified OS Administration",
    serviceability="Cisco Unity Connection Serviceability",
    certificate_services=((_common.TOMCAT, "Cisco Tomcat"),),
    note=(
        "No setting to change: the voicemail and mail store names configured on CUCM 9.x UC Services "
        "and CUP 8.x are checked against the Tomcat certificate each Unity Connection node presents."
    ),
)


@hookimpl
def confcheck_product_lines() -> list[ProductLine]:
    return [LINE]


@hookimpl
def confcheck_collect(cluster: ClusterConfig) -> ClusterPlan | None:
    """Unity Connection has no interface listing its nodes: the inventory names them."""
    if cluster.product != LINE.product:
        return None
    names = [cluster.publisher, *cluster.nodes]
    nodes = [
        NodePlan(
            name,
            "publisher" if i == 0 else "subscriber",
            [EndpointPlan("tomcat", "https", cluster.tomcat_port)],
        )
        for i, name in enumerate(names)
    ]
    return ClusterPlan(cluster.name, cluster.product, cluster.version or "", nodes)
