"""Reading an IM and Presence 10.x and later cluster, and learning any IM and Presence release.

Where things are from 10.0 (notes: research.md §B): the nodes are named in CUCM's System > Server
(IM and Presence Administration keeps a read-only System > Presence Topology); the presence (XMPP)
domain is the Default Domain of Presence > Settings > Advanced Configuration. IM and Presence 11.5
and later answer AXL of their own (:mod:`confcheck.transport.axl.presence`): getCUPVersion gives the
release and getClusterInfo the node names, so neither the home page nor Presence Topology is
scraped. The default domain has no AXL operation (which database table holds it is not known), so
it is read from its page; so are the nodes of 10.x and 11.0, from Presence Topology. Those page
paths and labels are confcheck's model (:mod:`confcheck.plugins._presence`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from confcheck import identity
from confcheck.collect_plan import ClusterPlan, EndpointPlan, NodePlan
from confcheck.model import Setting
from confcheck.plugins import _common, _presence

if TYPE_CHECKING:
    from confcheck.collect_context import CollectContext
    from confcheck.config import ClusterConfig


def detect_version(cluster: ClusterConfig, context: CollectContext) -> str | None:
    """IM and Presence's release: getCUPVersion (11.5 and later), else the admin home page."""
    if cluster.product != "imp":
        return None
    from confcheck.transport.axl import AxlError

    try:
        with context.presence_axl(cluster) as client:
            return client.cup_version()
    except AxlError as exc:  # older releases, or AXL not open to this account: the home page says it
        import logging  # only collection logs; a lint, which imports this module too, does not

        logging.getLogger(__name__).debug(
            "%s: no release from IM and Presence AXL (%s); reading the admin home page", cluster.name, exc
        )
    return _presence.detect_version(cluster, context)


def collect(cluster: ClusterConfig, context: CollectContext, line: str) -> ClusterPlan:
    """Nodes (AXL from 11.5, Presence Topology before), the default domain, Tomcat and cup-xmpp endpoints."""
    from confcheck.transport.axl.presence import answers_axl

    session = context.admin(cluster, _presence.APP)
    session.login(_presence.HOME)
    domain = (session.page(_presence.DEFAULT_DOMAIN).field(_presence.PRESENCE_DOMAIN) or "").strip()
    if domain.upper() == _presence.DOMAIN_NOT_SET:
        domain = ""
    if answers_axl(cluster.version or ""):
        with context.presence_axl(cluster) as client:
            names = list(dict.fromkeys(client.cluster_info().presence))
        publisher = _publisher(names, cluster, context)
        nodes = [(n, n == publisher) for n in names]
    else:
        rows = session.page(_presence.PRESENCE_TOPOLOGY).table(_presence.TOPOLOGY_NODE, _presence.NODE_TYPE)
        nodes = [(r[_presence.TOPOLOGY_NODE], "publisher" in r[_presence.NODE_TYPE].lower()) for r in rows]
        nodes = [(n, p) for n, p in nodes if n]
    nodes.sort(key=lambda item: not item[1])
    plans = [
        NodePlan(
            name,
            "publisher" if publisher else "subscriber",
            [
                EndpointPlan(_common.TOMCAT, "https", cluster.tomcat_port),
                EndpointPlan(_common.CUP_XMPP, "xmpp", cluster.xmpp_port, domain or None),
            ],
        )
        for name, publisher in nodes
    ]
    settings = [Setting(f"{line}.xmpp-domain", domain)] if domain else []
    return ClusterPlan(
        cluster.name, cluster.product, cluster.version or "", plans, settings, {"presence.domain": domain}
    )


def _publisher(names: list[str], cluster: ClusterConfig, context: CollectContext) -> str | None:
    """The name among ``names`` that is the inventory's publisher: by name, else by address; None if none."""
    wanted = identity.normalize(cluster.publisher) or cluster.publisher.lower()
    for name in names:
        if (identity.normalize(name) or name.lower()) == wanted:
            return name
    addresses = set(context.addresses(cluster.publisher))
    return next((n for n in names if addresses & set(context.addresses(n))), None)
