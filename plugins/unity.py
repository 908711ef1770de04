"""Cisco Unity Connection 9.x and earlier: no setting to change; voicemail names meet its Tomcat certificate."""

from __future__ import annotations

from typing import TYPE_CHECKING

from confcheck import hookimpl
from confcheck.catalog import ProductLine
from confcheck.model import major_version
from confcheck.plugins import _common

if TYPE_CHECKING:
    from confcheck.collect_context import CollectContext
    from confcheck.collect_plan import ClusterPlan
    from confcheck.config import ClusterConfig

ADMIN = "Cisco Unity Connection Administration"
OS_ADMIN = "Cisco Unified OS Administration"
SERVICEABILITY = "Cisco Unity Connection Serviceability"

LINE = ProductLine(
    id="unity",
    product="unity",
    versions="9.x and earlier",
    min_major=None,
    max_major=9,
    admin=ADMIN,
    os_admin=OS_ADMIN,
    serviceability=SERVICEABILITY,
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
def confcheck_detect_version(cluster: ClusterConfig, context: CollectContext) -> str | None:
    from confcheck.plugins import _unity

    return _unity.detect_version(cluster, context)


@hookimpl
def confcheck_collect(cluster: ClusterConfig) -> ClusterPlan | None:
    """Unity Connection hands no name to clients itself: the inventory names its nodes."""
    from confcheck.plugins import _unity

    if cluster.product != LINE.product or not LINE.covers(major_version(cluster.version or "")):
        return None
    return _unity.collect(cluster)
