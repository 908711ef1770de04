"""Cisco Expressway-E and Expressway-C, as Jabber's mobile and remote access (MRA) meets them.

What confcheck reads, and from where:

* **Nothing through Expressway's own interface.** Cisco documents a REST API (the *Cisco Expressway
  REST API Reference Guide*, X8.10: ``/controller/server/cucm``, ``/controller/server/imp``,
  ``/common/domain`` ...) and administrator accounts have API access by default (*Expressway
  Administrator Guide X15.3*, "Expressway Interfaces"). Its full base path and whether a read-only
  administrator may read those resources were not confirmed from a Cisco document, so confcheck
  does not log in there. The inventory says which nodes the clusters have and, for Expressway-C,
  which Unified CM, IM and Presence and Unity Connection servers it is configured with.
* **The certificates, by handshake**, as every other server's: HTTPS on the cluster's
  ``tomcat_port`` (8443: Expressway-E's MRA port, which ``_collab-edge`` points at). That an
  Expressway presents its one server certificate on every TLS port is modelled.

The checks (confirmed, Cisco doc 213872 and the Preferred Architecture for Cisco Collaboration 12.x):
Expressway-E's certificate carries the services domain or ``collab-edge.<domain>`` (Jabber prompts
otherwise) and the XMPP domains; Expressway-C reaches CUCM and IM and Presence by names their
certificates hold, which with TLS verify on fails for a node named by IP address. Which names
Expressway-C uses after discovery (the System > Server names) is inferred.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from confcheck import hookimpl
from confcheck.catalog import Location, ProductLine, Target
from confcheck.model import Setting

if TYPE_CHECKING:
    from confcheck.collect_plan import ClusterPlan
    from confcheck.config import ClusterConfig

PURPOSE = "expressway"
"""The purpose of an Expressway's server certificate (Maintenance > Security > Server certificate)."""
CERTIFICATES_MENU = "Maintenance > Security > Server certificate"
RESTART = "Expressway (Maintenance > Restart options)"
UC_MENU = "Configuration > Unified Communications"
UC_IMPACT = (
    "Save, then 'Refresh servers' on the same page: Expressway-C rediscovers the server; MRA clients "
    "reconnect. (Modelled.)"
)
TLS_VERIFY_NOTE = (
    "With TLS verify mode On (Cisco's recommendation), Expressway-C checks the certificate against this "
    "name: an IP address fails (Cisco doc 213872)."
)


def _server(key: str, menu: str, field: str, product: str, what: str) -> Location:
    return Location(
        id=f"expressway-c.{key}",
        menu=f"{UC_MENU} > {menu}",
        field=field,
        profile="http",
        target=Target("named", "tomcat", (product,)),
        checked_against=f"the Tomcat certificate of the {what} it names (Expressway-C's TLS verify)",
        impact=UC_IMPACT,
        note=TLS_VERIFY_NOTE,
    )


EDGE = ProductLine(
    id="expressway-e",
    product="expressway-e",
    versions="X8.1 and later",
    min_major=None,
    max_major=None,
    admin="Cisco Expressway-E",
    os_admin="Cisco Expressway-E",
    serviceability="Cisco Expressway-E",
    certificate_services=((PURPOSE, RESTART),),
    certificates_menu=CERTIFICATES_MENU,
    note=(
        "No setting hands its name to Jabber: clients outside find it through the _collab-edge._tls SRV "
        "record. Its certificate must name the SRV target, and carry the services domain or "
        "collab-edge.<domain> and the XMPP domains (CC107). Read from the inventory and by handshake, not "
        "through Expressway's API."
    ),
)

CORE = ProductLine(
    id="expressway-c",
    product="expressway-c",
    versions="X8.1 and later",
    min_major=None,
    max_major=None,
    admin="Cisco Expressway-C",
    os_admin="Cisco Expressway-C",
    serviceability="Cisco Expressway-C",
    locations=(
        _server("unified-cm", "Unified CM servers", "Unified CM publisher address", "cucm", "CUCM node"),
        _server(
            "im-and-presence",
            "IM and Presence Service nodes",
            "IM and Presence Service publisher address",
            "imp",
            "IM and Presence node",
        ),
        _server(
            "unity-connection",
            "Unity Connection servers",
            "Host name / IP address",
            "unity",
            "Unity Connection node",
        ),
    ),
    certificate_services=((PURPOSE, RESTART),),
    certificates_menu=CERTIFICATES_MENU,
    note=(
        "The servers Expressway-C is configured with come from the inventory (unified_cm, im_and_presence, "
        "unity_connection), not from Expressway's API. After discovery it reaches each CUCM and IM and "
        "Presence node by its System > Server name (inferred): those names are judged as the nodes' own."
    ),
)

SETTINGS = (
    ("unified-cm", "unified_cm"),
    ("im-and-presence", "im_and_presence"),
    ("unity-connection", "unity_connection"),
)


def collect(cluster: ClusterConfig) -> ClusterPlan:
    """The inventory's nodes, met for their server certificates, and (Expressway-C) the servers it names.

    No I/O here: nothing is read from Expressway (see the module's docstring).
    """
    from confcheck.collect_plan import ClusterPlan, EndpointPlan, NodePlan

    plan = ClusterPlan(cluster.name, cluster.product, cluster.version or "")
    for index, name in enumerate((cluster.publisher, *cluster.nodes)):
        endpoints = [EndpointPlan(PURPOSE, "https", cluster.tomcat_port)]
        plan.nodes.append(NodePlan(name, "publisher" if index == 0 else "subscriber", endpoints))
    if cluster.product == CORE.product:
        for key, attribute in SETTINGS:
            plan.settings += [Setting(f"expressway-c.{key}", value) for value in getattr(cluster, attribute)]
        plan.facts["tls_verify"] = "true" if cluster.tls_verify else "false"
    return plan


@hookimpl
def confcheck_product_lines() -> list[ProductLine]:
    return [EDGE, CORE]


@hookimpl
def confcheck_collect(cluster: ClusterConfig) -> ClusterPlan | None:
    if cluster.product not in (EDGE.product, CORE.product):
        return None
    return collect(cluster)
