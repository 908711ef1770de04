"""Cisco Unified Communications Manager 8.x and earlier: the server names of System > Server."""

from __future__ import annotations

from typing import TYPE_CHECKING

from confcheck import hookimpl
from confcheck.catalog import Location, ProductLine
from confcheck.model import major_version
from confcheck.plugins import _common

if TYPE_CHECKING:
    from confcheck.collect_context import CollectContext
    from confcheck.collect_plan import ClusterPlan
    from confcheck.config import ClusterConfig

ADMIN = "Cisco Unified CM Administration"
OS_ADMIN = "Cisco Unified OS Administration"
SERVICEABILITY = "Cisco Unified Serviceability"
CERTIFICATE_SERVICES = ((_common.TOMCAT, "Cisco Tomcat"),)


def server_name(line: str) -> Location:
    """System > Server: the name CUCM hands to devices and clients for each node (8.x and 9.x alike)."""
    return _common.node_name(
        line,
        "System > Server",
        "Host Name/IP Address",
        impact=(
            "TFTP configuration files carry this name: restart Cisco TFTP on every CUCM node, then Cisco "
            "CallManager on every node; phones and clients re-register. Plan a maintenance window."
        ),
        preconditions=(
            _common.REPLICATION_HEALTHY,
            "Phones get DNS servers through DHCP, so they can resolve the FQDN.",
        ),
        steps=(
            "Change 'Host Name/IP Address' from {value} to {proposed} and save.",
            f"In {SERVICEABILITY} > Tools > Control Center - Feature Services, restart Cisco TFTP on every "
            "node, then Cisco CallManager on every node.",
            "Check that 'run sql select name from processnode' shows the new name on every node.",
        ),
        once_per_cluster=(0, 2),  # the restarts and the check, after the last rename of the cluster
    )


LINE = ProductLine(
    id="cucm8",
    product="cucm",
    versions="8.x and earlier",
    min_major=None,
    max_major=8,
    admin=ADMIN,
    os_admin=OS_ADMIN,
    serviceability=SERVICEABILITY,
    locations=(server_name("cucm8"),),
    certificate_services=CERTIFICATE_SERVICES,
)


@hookimpl
def confcheck_product_lines() -> list[ProductLine]:
    return [LINE]


@hookimpl
def confcheck_collect(cluster: ClusterConfig, context: CollectContext) -> ClusterPlan | None:
    from confcheck.plugins import _cucm

    if cluster.product != LINE.product or not LINE.covers(major_version(cluster.version or "")):
        return None
    return _cucm.collect(cluster, context, LINE.id)
