"""Cisco Unity Connection 10.x and later: no setting to change; the voicemail names CUCM hands out
(UC services, Jabber configuration parameters) meet its Tomcat certificate. Its release is read from
CUPI when the inventory does not give it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from confcheck import hookimpl
from confcheck.catalog import ProductLine
from confcheck.model import major_version
from confcheck.plugins import _common
from confcheck.plugins.unity import ADMIN, OS_ADMIN, SERVICEABILITY

if TYPE_CHECKING:
    from confcheck.collect_context import CollectContext
    from confcheck.collect_plan import ClusterPlan
    from confcheck.config import ClusterConfig

LINE = ProductLine(
    id="unity10",
    product="unity",
    versions="10.x and later",
    min_major=10,
    max_major=None,
    admin=ADMIN,
    os_admin=OS_ADMIN,
    serviceability=SERVICEABILITY,
    certificate_services=((_common.TOMCAT, "Cisco Tomcat"),),
    note=(
        "No setting to change: the names CUCM 10.x and later hand out for voicemail and the mail store "
        "(UC Services; the Jabber Client Configuration parameters VoicemailPrimaryServer, "
        "VoicemailBackup1Server and VoicemailBackup2Server) are checked against the Tomcat certificate "
        "each Unity Connection node presents."
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
    from confcheck.plugins import _unity

    if cluster.product != LINE.product or not LINE.covers(major_version(cluster.version or "")):
        return None
    return _unity.collect(cluster)
