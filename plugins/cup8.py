"""Cisco Unified Presence 8.x and earlier: Cluster Topology and the Application > Cisco Jabber pages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from confcheck import hookimpl
from confcheck.catalog import Location, ProductLine, Target
from confcheck.model import major_version
from confcheck.plugins import _common

if TYPE_CHECKING:
    from confcheck.collect_context import CollectContext
    from confcheck.collect_plan import ClusterPlan
    from confcheck.config import ClusterConfig

ADMIN = "Cisco Unified Presence Administration"
OS_ADMIN = "Cisco Unified OS Administration"
SERVICEABILITY = "Cisco Unified Serviceability"
XCP_ROUTER = "Cisco UP XCP Router"
JABBER = "Application > Cisco Jabber"
"""Older 8.x releases call this menu Application > Cisco Unified Personal Communicator."""
BACKUP_TFTP_NOTE = "Two fields share this label; the instance (1 or 2) tells them apart."


def _server(key: str, page: str, target: Target, checked_against: str, note: str = "") -> Location:
    return Location(
        id=f"cup8.{key}",
        menu=f"{JABBER} > {page}",
        field="Hostname/IP Address",
        profile="http",
        target=target,
        checked_against=checked_against,
        impact=_common.CLIENT_PICKUP,
        note=note,
    )


LINE = ProductLine(
    id="cup8",
    product="cup",
    versions="8.x and earlier",
    min_major=None,
    max_major=8,
    admin=ADMIN,
    os_admin=OS_ADMIN,
    serviceability=SERVICEABILITY,
    locations=(
        _common.presence_node_name(
            "cup8",
            SERVICEABILITY,
            "Cisco UP SIP Proxy, Cisco UP Presence Engine and the XCP services",
            XCP_ROUTER,
        ),
        _common.cucm_node_setting(
            "cup8", "tftp-primary", f"{JABBER} > Settings", "Primary TFTP Server", "TFTP"
        ),
        _common.cucm_node_setting(
            "cup8", "tftp-backup", f"{JABBER} > Settings", "Backup TFTP Server", "TFTP", BACKUP_TFTP_NOTE
        ),
        _common.cucm_node_setting(
            "cup8", "ccmcip-primary", f"{JABBER} > CCMCIP Profile", "Primary CCMCIP Host", "CCMCIP"
        ),
        _common.cucm_node_setting(
            "cup8", "ccmcip-backup", f"{JABBER} > CCMCIP Profile", "Backup CCMCIP Host", "CCMCIP"
        ),
        _server(
            "voicemail",
            "Voicemail Server",
            Target("named", _common.TOMCAT, ("unity",)),
            "the Tomcat certificate of the Unity Connection node it names",
        ),
        _server(
            "mailstore",
            "Mailstore",
            Target("named", _common.MAILSTORE, ("unity",)),
            "the certificate of the mail store it names (IMAP)",
        ),
        _server(
            "conferencing",
            "Conferencing Server",
            Target("named", _common.CONFERENCING),
            "the certificate of the conferencing server it names",
            note="MeetingPlace only.",
        ),
        _common.xmpp_domain("cup8", ADMIN, OS_ADMIN, SERVICEABILITY, XCP_ROUTER),
    ),
    certificate_services=((_common.TOMCAT, "Cisco Tomcat"), (_common.CUP_XMPP, XCP_ROUTER)),
)


@hookimpl
def confcheck_product_lines() -> list[ProductLine]:
    return [LINE]


@hookimpl
def confcheck_detect_version(cluster: ClusterConfig, context: CollectContext) -> str | None:
    from confcheck.plugins import _presence

    return _presence.detect_version(cluster, context) if cluster.product == "cup" else None


@hookimpl
def confcheck_collect(cluster: ClusterConfig, context: CollectContext) -> ClusterPlan | None:
    from confcheck.plugins import _presence

    if cluster.product != LINE.product or not LINE.covers(major_version(cluster.version or "")):
        return None
    return _presence.collect(cluster, context, LINE.id, _presence.JABBER_SETTINGS)
