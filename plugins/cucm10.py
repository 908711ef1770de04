"""Cisco Unified Communications Manager 10.x and later: System > Server (CUCM and IM and Presence
nodes), UC services of every type, Jabber Client Configuration parameters, service profiles.

From 10.0 System > Server lists IM and Presence nodes too (``processNodeRole``, AXL 10.0 and
later; Cisco's 12.5 and 14 installation and administration guides): they are named there, so the
setting is CUCM's, but the certificate it must match is the IM and Presence node's. Such a name is
judged once: by the IM and Presence cluster's own node-name reference when that cluster is in the
snapshot, by this line's ``imp-node-name`` setting when it is not (see ``peer`` in
:class:`~confcheck.catalog.Target`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from confcheck import hookimpl
from confcheck.catalog import Location, ProductLine, Target
from confcheck.findings import Phase
from confcheck.model import Setting, major_version
from confcheck.plugins import _common, _uc_services
from confcheck.plugins.cucm8 import ADMIN, CERTIFICATE_SERVICES, OS_ADMIN, SERVICEABILITY

if TYPE_CHECKING:
    from confcheck.collect_context import CollectContext
    from confcheck.collect_plan import ClusterPlan
    from confcheck.config import ClusterConfig

ID = "cucm10"
IMP_ADMIN = "Cisco Unified CM IM and Presence Administration"
IMP_ROLE = "CUCM IM and Presence"
JABBER_CONFIG = f"{_common.UC_SERVICE} (Jabber Client Configuration (jabber-config.xml)) > Jabber Configuration Parameters"
JABBER_NOTE = (
    "CUCM 12.5 and later. One row of Jabber Configuration Parameters (Section, Parameter, Value); "
    "the value is what Jabber connects to."
)
NAME_ONLY = "no certificate: the name must lead to {what} (CC201 when it leads nowhere)"
DEFAULT_PROFILE = "service-profile.default"
"""The cluster fact naming CUCM's default service profile ("Make this the default service profile")."""


def server_name() -> Location:
    """System > Server, CUCM nodes: renamed the way Cisco doc 211393 (CUCM 10.x and later) says."""
    return _common.node_name(
        ID,
        "System > Server",
        _common.SERVER_FIELD,
        impact=(
            "TFTP configuration files and UDS carry this name: restart Cisco TFTP on every TFTP node, then "
            "Cisco CallManager on every node; phones and clients re-register. Plan a maintenance window."
        ),
        preconditions=(
            "Forward and reverse DNS records exist for every node, and 'utils diagnose module "
            "validate_network' passes on each.",
            _common.REPLICATION_HEALTHY,
            "Phones get DNS servers through DHCP, so they can resolve the FQDN.",
        ),
        steps=(
            f"Change '{_common.SERVER_FIELD}' from {{value}} to {{proposed}} and save.",
            f"In {SERVICEABILITY} > Tools > Control Center - Feature Services, restart Cisco TFTP on every "
            "TFTP node, then Cisco CallManager on every node.",
            "Check that 'run sql select name,nodeid from processnode' shows the new name on every node.",
        ),
        once_per_cluster=(0, 2),  # the restarts and the check, after the last rename of the cluster
        note=_common.SERVER_FIELD_NOTE,
    )


def imp_node_name() -> Location:
    """An IM and Presence node as CUCM's System > Server names it, when its own cluster is not collected."""
    return Location(
        id=f"{ID}.imp-node-name",
        menu="System > Server",
        field=_common.SERVER_FIELD,
        profile="http",
        target=Target("peer", _common.TOMCAT, ("imp",)),
        checked_against="the Tomcat certificate of the IM and Presence node it names",
        phase=Phase.NODE_NAMES,
        impact=_common.IMP_RENAME_IMPACT,
        preconditions=(_common.REPLICATION_HEALTHY,),
        order=_common.IMP_RENAME_ORDER,
        steps=_common.imp_rename_steps(ADMIN, IMP_ADMIN),
        note=(
            "Server Type 'CUCM IM and Presence'. Judged here only when the IM and Presence cluster is not "
            "in the snapshot; otherwise as that cluster's node name (imp10.node-name). "
            + _common.SERVER_FIELD_NOTE
        ),
    )


def _uc_service(
    key: str, service_type: str, target: Target, checked_against: str, note: str = ""
) -> Location:
    return _common.uc_service(ID, key, service_type, "Host Name/IP Address", target, checked_against, note)


def _jabber(key: str, parameter: str, target: Target, checked_against: str, note: str = "") -> Location:
    return Location(
        id=f"{ID}.jabber-{key}",
        menu=JABBER_CONFIG,
        field=parameter,
        profile="http",
        target=target,
        checked_against=checked_against,
        impact=_common.UC_SERVICE_IMPACT,
        note=f"{JABBER_NOTE} {note}".strip(),
    )


TOMCAT_OF_CUCM = Target("named", _common.TOMCAT, ("cucm",))
TOMCAT_OF_UNITY = Target("named", _common.TOMCAT, ("unity",))
CTI = Target("named", "", ("cucm",))
DIRECTORY = Target("named", "")
CTI_NOTE = (
    "Jabber reaches CTIManager on TCP 2748, where it meets no certificate confcheck checks (modelled); "
    "the name must still lead to a CUCM node."
)
DIRECTORY_NOTE = "Names an LDAP directory (Active Directory), not a Cisco server: recorded, not judged."
UDS_SERVERS_NOTE = (
    "CUCM serves the names of its CUCM nodes to Jabber from System > Server: UDS (/cucm-uds/servers) and "
    "the TFTP configuration files carry them."
)


def _locations() -> tuple[Location, ...]:
    cucm_tomcat = "the Tomcat certificate of the CUCM node it names"
    unity_tomcat = "the Tomcat certificate of the Unity Connection node it names"
    return (
        server_name(),
        imp_node_name(),
        _uc_service(
            "imp",
            "IM and Presence",
            Target("named", _common.TOMCAT, ("imp", "cup")),
            "the Tomcat certificate of the IM and Presence node it names",
        ),
        _uc_service("voicemail", "Voicemail", TOMCAT_OF_UNITY, unity_tomcat),
        _uc_service(
            "mailstore",
            "MailStore",
            Target("named", _common.MAILSTORE, ("unity",)),
            "the certificate of the mail store it names (IMAP)",
        ),
        _uc_service(
            "conferencing",
            "Conferencing",
            Target("named", _common.CONFERENCING),
            "the certificate of the conferencing server it names",
            note="MeetingPlace; WebEx product types name Cisco's cloud and are not collected.",
        ),
        _uc_service(
            "scheduling-portal",
            "Video Conference Scheduling Portal",
            Target("named", _common.CONFERENCING),
            "the certificate of the TelePresence Management System web server it names",
            note="CUCM 10.0 and later (Telepresence Management System product type); HTTPS modelled.",
        ),
        _uc_service("cti", "CTI", CTI, NAME_ONLY.format(what="a CUCM node"), CTI_NOTE),
        _uc_service("directory", "Directory", DIRECTORY, "nothing: recorded only", DIRECTORY_NOTE),
        _jabber(
            "voicemail-primary", "VoicemailPrimaryServer", TOMCAT_OF_UNITY, unity_tomcat, "Section Voicemail."
        ),
        _jabber(
            "voicemail-backup1", "VoicemailBackup1Server", TOMCAT_OF_UNITY, unity_tomcat, "Section Voicemail."
        ),
        _jabber(
            "voicemail-backup2", "VoicemailBackup2Server", TOMCAT_OF_UNITY, unity_tomcat, "Section Voicemail."
        ),
        _jabber(
            "tftp-1",
            "TftpServer1",
            TOMCAT_OF_CUCM,
            cucm_tomcat,
            "Section Phone. TFTP's HTTPS port presenting Tomcat is inferred (Cisco: restart TFTP after a "
            "Tomcat upload).",
        ),
        _jabber("tftp-2", "TftpServer2", TOMCAT_OF_CUCM, cucm_tomcat, "Section Phone."),
        _jabber("ccmcip-1", "CcmcipServer1", TOMCAT_OF_CUCM, cucm_tomcat, "Section Phone."),
        _jabber("ccmcip-2", "CcmcipServer2", TOMCAT_OF_CUCM, cucm_tomcat, "Section Phone."),
        _jabber("uds", "UdsServer", TOMCAT_OF_CUCM, cucm_tomcat, "Section Directory (UDS)."),
        _jabber(
            "cti-1", "CtiServer1", CTI, NAME_ONLY.format(what="a CUCM node"), f"Section Phone. {CTI_NOTE}"
        ),
        _jabber(
            "cti-2", "CtiServer2", CTI, NAME_ONLY.format(what="a CUCM node"), f"Section Phone. {CTI_NOTE}"
        ),
        _jabber(
            "directory-primary", "PrimaryServerName", DIRECTORY, "nothing: recorded only", DIRECTORY_NOTE
        ),
        _jabber(
            "directory-secondary", "SecondaryServerName", DIRECTORY, "nothing: recorded only", DIRECTORY_NOTE
        ),
        _jabber("directory-bdi", "BDIPrimaryServerName", DIRECTORY, "nothing: recorded only", DIRECTORY_NOTE),
    )


LINE = ProductLine(
    id=ID,
    product="cucm",
    versions="10.x and later",
    min_major=10,
    max_major=None,
    admin=ADMIN,
    os_admin=OS_ADMIN,
    serviceability=SERVICEABILITY,
    locations=_locations(),
    certificate_services=CERTIFICATE_SERVICES,
    note=UDS_SERVERS_NOTE,
)


def collect(cluster: ClusterConfig, context: CollectContext) -> ClusterPlan:
    """System > Server (CUCM nodes as nodes, IM and Presence nodes as settings), then every UC service
    with the service profiles that hand it out."""
    from confcheck.collect_plan import ClusterPlan, EndpointPlan, ExternalHint, NodePlan

    plan = ClusterPlan(cluster.name, cluster.product, cluster.version or "")
    with context.axl(cluster) as client:
        nodes = client.process_nodes()
        voice = sorted((n for n in nodes if n.role != IMP_ROLE), key=lambda n: not n.is_publisher)
        plan.nodes = [
            NodePlan(
                n.name,
                "publisher" if n.is_publisher else "subscriber",
                [EndpointPlan(_common.TOMCAT, "https", cluster.tomcat_port)],
            )
            for n in voice
        ]
        for node in (n for n in nodes if n.role == IMP_ROLE):
            plan.settings.append(Setting(f"{ID}.imp-node-name", node.name))
            plan.hints.append(ExternalHint(node.name, _common.TOMCAT, "https", cluster.tomcat_port))
        services = client.uc_services()
        profiles = [client.service_profile(p.name) for p in client.service_profiles()]
        default = next((p.name for p in profiles if p.is_default), None)
        if default:  # the profile users get unless another is assigned: the one Jabber's journey follows
            plan.facts[DEFAULT_PROFILE] = default
        using = _uc_services.memberships(profiles)
        known = {s.name.strip().casefold() for s in services}
        # profiles that name only services that do not exist mean the names were not matched (a release
        # that answers them otherwise): then no service is called unused on that evidence
        trusted = not using or bool(set(using) & known)
        for listed in services:
            # a Jabber Client Configuration service's parameters come with getUcService only
            service = client.uc_service(listed.name) if _uc_services.is_jabber_config(listed) else listed
            used = using.get(service.name.strip().casefold(), ()) if trusted else None
            settings, hints = _uc_services.service_settings(ID, service, used, cluster.tomcat_port)
            plan.settings += settings
            plan.hints += hints
    return plan


@hookimpl
def confcheck_product_lines() -> list[ProductLine]:
    return [LINE]


@hookimpl
def confcheck_collect(cluster: ClusterConfig, context: CollectContext) -> ClusterPlan | None:
    if cluster.product != LINE.product or not LINE.covers(major_version(cluster.version or "")):
        return None
    return collect(cluster, context)


@hookimpl
def confcheck_detect_version(cluster: ClusterConfig, context: CollectContext) -> str | None:
    from confcheck.plugins import _cucm

    return _cucm.detect_version(cluster, context)
