"""Cisco Unified CM IM and Presence 9.x: Cluster Topology, Legacy Clients and the XMPP domain (10.x and
later: :mod:`confcheck.plugins.imp10`)."""

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
from confcheck.plugins.cup8 import BACKUP_TFTP_NOTE

ADMIN = "Cisco Unified CM IM and Presence Administration"
OS_ADMIN = "Cisco Unified IM and Presence OS Administration"
SERVICEABILITY = "Cisco Unified IM and Presence Serviceability"
XCP_ROUTER = "Cisco XCP Router"
LEGACY = "Application > Legacy Clients"
LEGACY_NOTE = (
    "Read by legacy clients; Jabber that finds CUCM 9.x through _cisco-uds uses UC services instead."
)

LINE = ProductLine(
    id="imp9",
    product="imp",
    versions="9.x",
    min_major=9,
    max_major=9,
    admin=ADMIN,
    os_admin=OS_ADMIN,
    serviceability=SERVICEABILITY,
    locations=(
        _common.presence_node_name(
            "imp9", SERVICEABILITY, "Cisco SIP Proxy, Cisco Presence Engine and the XCP services", XCP_ROUTER
        ),
        _common.cucm_node_setting(
            "imp9", "tftp-primary", f"{LEGACY} > Settings", "Primary TFTP Server", "TFTP", LEGACY_NOTE
        ),
        _common.cucm_node_setting(
            "imp9",
            "tftp-backup",
            f"{LEGACY} > Settings",
            "Backup TFTP Server",
            "TFTP",
            f"{LEGACY_NOTE} {BACKUP_TFTP_NOTE}",
        ),
        _common.cucm_node_setting(
            "imp9",
            "ccmcip-primary",
            f"{LEGACY} > CCMCIP Profile",
            "Primary CCMCIP Host",
            "CCMCIP",
            LEGACY_NOTE,
        ),
        _common.cucm_node_setting(
            "imp9", "ccmcip-backup", f"{LEGACY} > CCMCIP Profile", "Backup CCMCIP Host", "CCMCIP", LEGACY_NOTE
        ),
        _common.xmpp_domain("imp9", ADMIN, OS_ADMIN, SERVICEABILITY, XCP_ROUTER),
    ),
    certificate_services=((_common.TOMCAT, "Cisco Tomcat"), (_common.CUP_XMPP, XCP_ROUTER)),
)


@hookimpl
def confcheck_product_lines() -> list[ProductLine]:
    return [LINE]


@hookimpl
def confcheck_detect_version(cluster: ClusterConfig, context: CollectContext) -> str | None:
    from confcheck.plugins import _imp

    return _imp.detect_version(cluster, context)


@hookimpl
def confcheck_collect(cluster: ClusterConfig, context: CollectContext) -> ClusterPlan | None:
    from confcheck.plugins import _presence

    if cluster.product != LINE.product or not LINE.covers(major_version(cluster.version or "")):
        return None
    return _presence.collect(cluster, context, LINE.id, _presence.LEGACY_SETTINGS)
