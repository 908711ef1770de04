"""What CUP 8.x and IM and Presence 9.x and later admin pages look like to confcheck: paths, labels,
and reading them.

The settings Jabber reads live in the presence server's own database, behind the ``cupadmin``
web application (there is no AXL for them). confcheck logs in like an admin and reads the
fields by their visible labels, so layout changes do not matter; only these page paths and
labels would need adjusting if a release moved them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from confcheck import records
from confcheck.collect_plan import ClusterPlan, EndpointPlan, ExternalHint, NodePlan
from confcheck.model import Setting

if TYPE_CHECKING:
    from confcheck.collect_context import CollectContext
    from confcheck.config import ClusterConfig
    from confcheck.transport.adminweb import AdminSession, Page

APP = "cupadmin"
HOME = f"/{APP}/showHome.do"
TOPOLOGY = f"/{APP}/clusterTopology.do"
LEGACY_SETTINGS = f"/{APP}/legacyClientSettings.do"
"""IM and Presence 9.x: Application > Legacy Clients > Settings."""
JABBER_SETTINGS = f"/{APP}/cupcSettings.do"
"""CUP 8.x: Application > Cisco Jabber > Settings."""
CCMCIP_PROFILES = f"/{APP}/ccmcipProfileFindList.do"
SECURITY_SETTINGS = f"/{APP}/securitySettings.do"
PRESENCE_SETTINGS = f"/{APP}/presenceSettings.do"
VOICEMAIL_SERVERS = f"/{APP}/voicemailServerFindList.do"
MAILSTORES = f"/{APP}/mailstoreFindList.do"
CONFERENCING_SERVERS = f"/{APP}/conferencingServerFindList.do"
PRESENCE_TOPOLOGY = f"/{APP}/presenceTopology.do"
"""IM and Presence 10.x: System > Presence Topology, read only when its AXL cannot be (before 11.5)."""
DEFAULT_DOMAIN = f"/{APP}/presenceDefaultDomain.do"
"""IM and Presence 10.x: Presence > Settings > Advanced Configuration > Default Domain."""

NODE_NAME = "Fully Qualified Domain Name/IP Address"
NODE_TYPE = "Node Type"
PRIMARY_TFTP = "Primary TFTP Server"
BACKUP_TFTP = "Backup TFTP Server"
PROFILE_NAME = "Name"
PRIMARY_CCMCIP = "Primary CCMCIP Host"
BACKUP_CCMCIP = "Backup CCMCIP Host"
XMPP_SAN_DOMAIN = "Domain name for XMPP Server-to-Server Certificate Subject Alternative Name"
XMPP_SAN_CHECKBOX = "Use Domain Name for XMPP Certificate Subject Alternative Name"
PRESENCE_DOMAIN = "Domain Name"
TOPOLOGY_NODE = "Node"
DOMAIN_NOT_SET = "DOMAIN.NOT.SET"
"""What IM and Presence 10.x shows as its default domain when setting it failed (Cisco's
Configuration and Administration of IM and Presence 12.5(1)SU2, "Configure the Domain")."""
HOST = "Hostname/IP Address"
PORT = "Port"
PROTOCOL = "Protocol"
VERSION_PREFIX = "System version:"


@records.record
class TopologyNode:
    """A node as Cluster Topology lists it."""

    name: str
    publisher: bool


def version(home: Page) -> str | None:
    """The release the home page shows (``System version: 9.1.1.20000-5``)."""
    for line in home.text.splitlines():
        if VERSION_PREFIX in line:
            return line.split(VERSION_PREFIX, 1)[1].strip() or None
    return None


def topology(session: AdminSession) -> list[TopologyNode]:
    """System > Cluster Topology: every node's configured name, publisher first."""
    rows = session.page(TOPOLOGY).table(NODE_NAME, NODE_TYPE)
    nodes = [TopologyNode(r[NODE_NAME], "publisher" in r[NODE_TYPE].lower()) for r in rows if r[NODE_NAME]]
    return sorted(nodes, key=lambda n: not n.publisher)


def tftp_servers(session: AdminSession, path: str) -> list[str | None]:
    """Primary TFTP Server, then the Backup TFTP Server fields (two share that label)."""
    page = session.page(path)
    return [page.field(PRIMARY_TFTP), *page.fields(BACKUP_TFTP)]


def ccmcip_profiles(session: AdminSession) -> list[dict[str, str]]:
    """Every CCMCIP profile with its primary and backup host."""
    return session.page(CCMCIP_PROFILES).table(PROFILE_NAME, PRIMARY_CCMCIP, BACKUP_CCMCIP)


def xmpp_settings(session: AdminSession) -> tuple[str | None, bool | None, str | None]:
    """(XMPP SAN domain field, the "Use Domain Name ..." checkbox, the presence domain)."""
    security = session.page(SECURITY_SETTINGS)
    presence = session.page(PRESENCE_SETTINGS)
    return (
        security.field(XMPP_SAN_DOMAIN),
        security.checkbox(XMPP_SAN_CHECKBOX),
        presence.field(PRESENCE_DOMAIN),
    )


def servers(session: AdminSession, path: str) -> list[dict[str, str]]:
    """A find-list of servers (CUP 8.x voicemail, mail store, conferencing): name, host, port, protocol."""
    return session.page(path).table(PROFILE_NAME, HOST, PORT, PROTOCOL)


def collect(cluster: ClusterConfig, context: CollectContext, line: str, settings_page: str) -> ClusterPlan:
    """Read a CUP 8.x or IM and Presence 9.x cluster through its admin pages."""
    session = context.admin(cluster, APP)
    session.login(HOME)
    nodes = topology(session)
    san_domain, checkbox, presence_domain = xmpp_settings(session)
    xmpp_domain = san_domain or presence_domain
    settings: list[Setting] = []
    primary, *backups = tftp_servers(session, settings_page)
    if primary:
        settings.append(Setting(f"{line}.tftp-primary", primary))
    settings += [Setting(f"{line}.tftp-backup", v, str(i)) for i, v in enumerate(backups, start=1) if v]
    for profile in ccmcip_profiles(session):
        for key, column in (("ccmcip-primary", PRIMARY_CCMCIP), ("ccmcip-backup", BACKUP_CCMCIP)):
            if profile[column]:
                settings.append(Setting(f"{line}.{key}", profile[column], profile[PROFILE_NAME]))
    if xmpp_domain:
        settings.append(Setting(f"{line}.xmpp-domain", xmpp_domain))
    facts = {"xmpp.use_domain_san": str(bool(checkbox)).lower(), "xmpp.san_domain": san_domain or ""}
    facts["presence.domain"] = presence_domain or ""
    plans = [
        NodePlan(
            node.name,
            "publisher" if node.publisher else "subscriber",
            [
                EndpointPlan("tomcat", "https", cluster.tomcat_port),
                EndpointPlan("cup-xmpp", "xmpp", cluster.xmpp_port, xmpp_domain or None),
            ],
        )
        for node in nodes
    ]
    plan = ClusterPlan(cluster.name, cluster.product, cluster.version or "", plans, settings, facts)
    if line == "cup8":
        for path, key, purpose in (
            (VOICEMAIL_SERVERS, "voicemail", "tomcat"),
            (MAILSTORES, "mailstore", "mailstore"),
            (CONFERENCING_SERVERS, "conferencing", "conferencing"),
        ):
            for row in servers(session, path):
                if not row[HOST]:
                    continue
                plan.settings.append(Setting(f"cup8.{key}", row[HOST], row[PROFILE_NAME] or None))
                plan.hints.append(
                    ExternalHint(row[HOST], purpose, scheme(purpose, row[PROTOCOL]), port(row[PORT]))
                )
    return plan


def detect_version(cluster: ClusterConfig, context: CollectContext) -> str | None:
    """The release the admin home page shows, after signing in."""
    session = context.admin(cluster, APP)
    return version(session.login(HOME))


def scheme(purpose: str, protocol: str) -> str:
    """How to meet a server a setting names: IMAP (STARTTLS) or IMAPS for a mail store, else HTTPS."""
    if purpose == "mailstore":
        return "imaps" if protocol.upper() in ("TLS", "SSL") else "imap"
    return "https"


def port(text: str | int | None, default: int = 443) -> int:
    """A port from a page or AXL field, or ``default`` when empty or nonsense."""
    try:
        value = int(str(text).strip())
    except ValueError:
        return default
    return value if 0 < value < 65536 else default
