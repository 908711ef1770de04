"""Reading a CUCM 8.x or 9.x cluster over AXL: System > Server names and (9.x) UC services.

CUCM 10.x and later: :mod:`confcheck.plugins.cucm10`.

The plugins never name an AXL version: the collect context hands them a client that speaks the
one negotiated for the cluster (learned from UDS or the inventory, moved once by a 599 answer).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from confcheck.collect_plan import ClusterPlan, EndpointPlan, ExternalHint, NodePlan
from confcheck.model import Setting
from confcheck.plugins._presence import port, scheme

if TYPE_CHECKING:
    from confcheck.collect_context import CollectContext
    from confcheck.config import ClusterConfig

UC_SERVICE_LOCATIONS = {
    "IM and Presence": ("uc-service-imp", "tomcat"),
    "Voicemail": ("uc-service-voicemail", "tomcat"),
    "MailStore": ("uc-service-mailstore", "mailstore"),
    "Visual Voicemail": ("uc-service-mailstore", "mailstore"),  # AXL 9.0's name for MailStore
    "Conferencing": ("uc-service-conferencing", "conferencing"),
}
"""UC service type -> (location key, certificate purpose); Directory and CTI hand no checked name."""


def detect_version(cluster: ClusterConfig, context: CollectContext) -> str | None:
    """``getCCMVersion``, in the AXL version the context negotiates for the cluster."""
    if cluster.product != "cucm":
        return None
    with context.axl(cluster) as client:
        return client.ccm_version()


def collect(cluster: ClusterConfig, context: CollectContext, line: str) -> ClusterPlan:
    """System > Server names, publisher first, and (``cucm9``) the UC services that name servers."""
    plan = ClusterPlan(cluster.name, cluster.product, cluster.version or "")
    with context.axl(cluster) as client:
        nodes = sorted(client.process_nodes(), key=lambda n: not n.is_publisher)
        plan.nodes = [
            NodePlan(
                n.name,
                "publisher" if n.is_publisher else "subscriber",
                [EndpointPlan("tomcat", "https", cluster.tomcat_port)],
            )
            for n in nodes
        ]
        if line == "cucm9":
            for service in client.uc_services():
                if service.service_type not in UC_SERVICE_LOCATIONS or not service.hostnameorip:
                    continue
                key, purpose = UC_SERVICE_LOCATIONS[service.service_type]
                plan.settings.append(Setting(f"{line}.{key}", service.hostnameorip, service.name))
                default = 7993 if purpose == "mailstore" else 443
                plan.hints.append(
                    ExternalHint(
                        service.hostnameorip,
                        purpose,
                        scheme(purpose, service.protocol or ""),
                        port(service.port, default),
                    )
                )
    return plan
