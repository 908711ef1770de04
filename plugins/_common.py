"""Locations that several product lines share, built with each line's own menu paths and service names."""

from __future__ import annotations

from confcheck.catalog import Location, Target
from confcheck.findings import Phase

TOMCAT = "tomcat"
CUP_XMPP = "cup-xmpp"
MAILSTORE = "mailstore"
CONFERENCING = "conferencing"

CLIENT_PICKUP = (
    "Jabber reads this at sign-in: users sign out and back in (or reset Jabber) to pick it up. "
    "No server restart."
)
REPLICATION_HEALTHY = (
    "Database replication is healthy: 'utils dbreplication runtimestate' shows state 2 on every node; "
    "take a DRS backup first."
)
TOMCAT_RESTART = (
    "'utils service restart Cisco Tomcat', publisher first, then one subscriber at a time: the node's admin "
    "pages and the HTTPS services clients use (UDS, CCMCIP, sign-in) pause for a few minutes; SSO sign-in "
    "and phone HTTPS services may need attention."
)


def xcp_router_restart(service: str) -> str:
    """What restarting the XCP Router costs (use Restart: Stop then Start leaves the XCP services down)."""
    return (
        f"Restart (not Stop and Start) {service}: it restarts every XCP service of the node, so IM and "
        "presence are interrupted there; plan a maintenance window."
    )


def node_name(
    line: str,
    menu: str,
    field: str,
    impact: str,
    preconditions: tuple[str, ...],
    steps: tuple[str, ...] = (),
    note: str = "",
    admin: str | None = None,
    once_per_cluster: tuple[int, int] = (0, 0),
    order: str = "",
) -> Location:
    """The node's own name, checked against that node's Tomcat certificate."""
    return Location(
        id=f"{line}.node-name",
        menu=menu,
        field=field,
        profile="http",
        target=Target("node", TOMCAT),
        checked_against="that node's Tomcat certificate",
        phase=Phase.NODE_NAMES,
        impact=impact,
        preconditions=preconditions,
        order=order,
        steps=steps,
        once_per_cluster=once_per_cluster,
        note=note,
        admin=admin,
    )


SERVER_FIELD = "Fully Qualified Domain Name/IP Address"
"""CUCM 10.x and later, System > Server edit page (Installation Guide for CUCM and IM and Presence
12.5(1)SU5, Add Subscriber Nodes; Cisco doc 212647)."""
SERVER_FIELD_NOTE = (
    "The server list (Find and List Servers) shows this field as 'Host Name/IP Address', as do some "
    "Cisco documents (doc 211393, the 14 administration guide); the edit page's label is confcheck's "
    "reading of Cisco's documents, not confirmed on every release."
)
IMP_RENAME_IMPACT = (
    "IM and presence are interrupted on the node while it takes its new name; rename in a maintenance window."
)


IMP_RENAME_ORDER = (
    "Rename the subscribers first and the IM and Presence database publisher last, one node at a time."
)
"""The order of IM and Presence 10.x renames (Administration Guide for CUCM and IM and Presence 14)."""
PRESENCE_RENAME_ORDER = "Rename the subscribers first and the database publisher last, one node at a time."
"""The order of CUP 8.x and IM and Presence 9.x renames."""


def imp_rename_steps(cucm_admin: str, imp_admin: str) -> tuple[str, ...]:
    """Renaming an IM and Presence 10.x node, which CUCM's System > Server names (Cisco's Administration
    Guide for CUCM and IM and Presence 14, "Domain Name and Node Name Changes"): no routine replication
    reset; Cisco doc 212647's 'utils dbreplication reset all' only when replication does not converge."""
    return (
        f"In {cucm_admin} > System > Server (on the CUCM publisher), open the IM and Presence node and "
        f"change '{SERVER_FIELD}' from {{value}} to {{proposed}}; save.",
        "On every node of the IM and Presence cluster, check that 'run sql select name from processnode' "
        "lists {proposed}. Only if it does not: check 'utils dbreplication runtimestate' on the CUCM "
        "publisher, and only if replication does not return to state 2 there, run 'utils dbreplication "
        "reset all' on the CUCM publisher and wait for state 2 (Cisco doc 212647).",
        f"In {imp_admin} > System > Presence Topology, check that the node shows as {{proposed}}.",
        f"In {cucm_admin} > System > Application Server, update the node's IM and Presence entry to "
        "{proposed}; if single sign-on is on, upload the SAML SP metadata again.",
    )


def presence_node_name(line: str, serviceability: str, services: str, xcp_router: str) -> Location:
    """Cluster Topology on CUP 8.x and IM and Presence 9.x: renaming a node stops its presence services."""
    return node_name(
        line,
        "System > Cluster Topology",
        "Fully Qualified Domain Name/IP Address",
        impact="IM and presence are down on the cluster for the whole change; plan a maintenance window.",
        preconditions=(REPLICATION_HEALTHY,),
        order=PRESENCE_RENAME_ORDER,
        steps=(
            f"In {serviceability} > Tools > Control Center, stop {services}, then {xcp_router}, "
            "on every node.",
            "Change 'Fully Qualified Domain Name/IP Address' from {value} to {proposed} and save.",
            "Run 'utils dbreplication runtimestate' on the publisher until every node shows replication state "
            "2. Only if it does not get there, run 'utils dbreplication reset all' on the publisher and wait "
            "for state 2 again (Cisco doc 212647).",
            f"Start {xcp_router}, then the other services again.",
        ),
    )


def cucm_node_setting(line: str, key: str, menu: str, field: str, what: str, note: str = "") -> Location:
    """A setting naming a CUCM node (TFTP, CCMCIP), checked against that node's Tomcat certificate."""
    return Location(
        id=f"{line}.{key}",
        menu=menu,
        field=field,
        profile="http",
        target=Target("named", TOMCAT, ("cucm",)),
        checked_against=f"the Tomcat certificate of the CUCM {what} node it names",
        impact=CLIENT_PICKUP,
        note=note,
    )


def xmpp_domain(line: str, admin: str, os_admin: str, serviceability: str, xcp_router: str) -> Location:
    """The XMPP domain, checked against every node's cup-xmpp certificate (xmpp profile)."""
    return Location(
        id=f"{line}.xmpp-domain",
        menu="System > Security > Settings",
        field="Domain name for XMPP Server-to-Server Certificate Subject Alternative Name",
        profile="xmpp",
        target=Target("cluster", CUP_XMPP),
        checked_against="every node's cup-xmpp certificate (by the XMPP domain, not the node FQDN)",
        phase=Phase.XMPP_DOMAIN,
        impact=xcp_router_restart(xcp_router),
        steps=(
            f"In {admin}, open System > Security > Settings.",
            "Under XMPP Certificate Settings, enter {value} in 'Domain name for XMPP Server-to-Server "
            "Certificate Subject Alternative Name'.",
            "Tick 'Use Domain Name for XMPP Certificate Subject Alternative Name' and click Save.",
            f"In {os_admin} > Security > Certificate Management, regenerate the cup-xmpp certificate on "
            "every node (or generate a CSR, have it signed and upload it).",
            f"In {serviceability} > Tools > Control Center - Network Services, restart {xcp_router} "
            "on every node.",
        ),
        note="IM and Presence 10.0 and later put the domain in the cup-xmpp certificate themselves.",
    )


UC_SERVICE = "User Management > User Settings > UC Service"
UC_SERVICE_IMPACT = (
    "Jabber reads UC services from its service profile at sign-in: users sign out and back in (or reset "
    "Jabber) to pick up the change. No server restart."
)


def uc_service(
    line: str, key: str, service_type: str, field: str, target: Target, checked_against: str, note: str = ""
) -> Location:
    """A UC service's server field (CUCM 9.x and later): ``field`` is the label of that line's page."""
    return Location(
        id=f"{line}.uc-service-{key}",
        menu=f"{UC_SERVICE} ({service_type})",
        field=field,
        profile="http",
        target=target,
        checked_against=checked_against,
        impact=UC_SERVICE_IMPACT,
        note=note,
    )
