"""Cisco Unified CM IM and Presence 10.x and later: node names (set in CUCM's System > Server) and
the presence (XMPP) domain.

What changed from 9.x (notes: research.md §B): the nodes are added and renamed in Cisco Unified CM
Administration > System > Server, not in a Cluster Topology page of IM and Presence's own; the XMPP
domain is the Default Domain (Presence > Settings > Advanced Configuration), and IM and Presence
puts it into cup-xmpp itself, so the XMPP certificate settings of 9.x (System > Security >
Settings) are not needed. Application > Legacy Clients (TFTP servers, CCMCIP profiles) is not in
this line: whether 10.x to 15.x still show it is not established, and Jabber with CUCM 10.x and
later finds its servers through UDS and UC services instead; confcheck does not read it (modelled).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from confcheck import hookimpl
from confcheck.catalog import Location, ProductLine, Target
from confcheck.findings import Phase
from confcheck.model import major_version
from confcheck.plugins import _common
from confcheck.plugins.cucm8 import ADMIN as CUCM_ADMIN
from confcheck.plugins.imp9 import ADMIN, OS_ADMIN, SERVICEABILITY, XCP_ROUTER

if TYPE_CHECKING:
    from confcheck.collect_context import CollectContext
    from confcheck.collect_plan import ClusterPlan
    from confcheck.config import ClusterConfig

ID = "imp10"

LINE = ProductLine(
    id=ID,
    product="imp",
    versions="10.x and later",
    min_major=10,
    max_major=None,
    admin=ADMIN,
    os_admin=OS_ADMIN,
    serviceability=SERVICEABILITY,
    locations=(
        _common.node_name(
            ID,
            "System > Server",
            _common.SERVER_FIELD,
            impact=_common.IMP_RENAME_IMPACT,
            preconditions=(_common.REPLICATION_HEALTHY,),
            order=_common.IMP_RENAME_ORDER,
            steps=_common.imp_rename_steps(CUCM_ADMIN, ADMIN),
            note=(
                "Changed on the CUCM publisher of the cluster the IM and Presence nodes belong to (Server "
                f"Type 'CUCM IM and Presence'); {ADMIN} > System > Presence Topology only shows it. "
                + _common.SERVER_FIELD_NOTE
            ),
            admin=CUCM_ADMIN,
        ),
        Location(
            id=f"{ID}.xmpp-domain",
            menu="Presence > Settings > Advanced Configuration > Default Domain",
            field="Domain Name",
            profile="xmpp",
            target=Target("cluster", _common.CUP_XMPP),
            checked_against="every node's cup-xmpp certificate (by the XMPP domain, not the node FQDN)",
            phase=Phase.XMPP_DOMAIN,
            impact=_common.xcp_router_restart(XCP_ROUTER),
            note=(
                "IM and Presence 10.0 and later put this domain into cup-xmpp when the certificate is "
                "generated: a certificate without it is regenerated; the setting itself stays. Further IM "
                "address domains (Presence > Domains) are not read."
            ),
        ),
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
    from confcheck.plugins import _imp

    if cluster.product != LINE.product or not LINE.covers(major_version(cluster.version or "")):
        return None
    return _imp.collect(cluster, context, ID)
