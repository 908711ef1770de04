"""What AXL answers mean, read by element name: nodes, UC services, service profiles, SQL rows.

Why by name: real releases do not always send elements in their schema's order (11.5's
listProcessNode answer, ciscocucmapi's ``AXL_DEFECTS.rst``), and Cisco's developer guidelines
tell clients not to depend on element order. A schema-driven reader either refuses such an answer
(strict) or silently drops the elements it met out of turn; this one looks each element up by its
local name, in any order and any namespace, and ignores elements it does not know.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lxml import etree

from confcheck import records

PSEUDO_NODE = "EnterpriseWideData"
"""The processnode row that holds cluster-wide settings (any case; uuid
``{00000000-1111-0000-0000-000000000000}`` in a captured AXL 14.0 answer): not a server."""
PSEUDO_NODE_UUID = "{00000000-1111-0000-0000-000000000000}"


@records.record
class ProcessNode:
    """A server of the cluster as System > Server names it (the name exactly as configured)."""

    name: str
    node_usage: str
    """``Publisher`` or ``Subscriber``."""
    description: str | None = None
    role: str | None = None
    """``CUCM Voice/Video`` or ``CUCM IM and Presence`` (AXL 10.0 and later: IM and Presence nodes
    are added in CUCM's System > Server from 10.0); None before."""

    @property
    def is_publisher(self) -> bool:
        return self.node_usage.strip().lower() == "publisher"


@records.record
class UcService:
    """A UC service (User Management > User Settings > UC Service, CUCM 9.0 and later)."""

    service_type: str
    """``Voicemail``, ``MailStore`` (9.0: ``Visual Voicemail``), ``Conferencing``, ``IM and Presence``,
    ``CTI``, ``Directory``, ``Jabber Client Configuration (jabber-config.xml)`` (12.5+)..."""
    product_type: str
    name: str
    hostnameorip: str
    port: int | None = None
    protocol: str | None = None
    xml: tuple[tuple[str, str], ...] = ()
    """The service's own parameters (``ucServiceXml``, getUcService only) as (path, text) of each
    leaf element, in document order: e.g. ``("Voicemail/VoicemailPrimaryServer", "cuc1.example.com")``
    for a Jabber Client Configuration service."""


@records.record
class ServiceProfileEntry:
    """One kind of UC service in a service profile: which services it hands out, in order."""

    profile_name: str
    """The kind, as AXL names it (``Voicemail Profile``, ``IM and Presence Profile``...)."""
    primary: str | None = None
    secondary: str | None = None
    tertiary: str | None = None
    certificate_verification: str | None = None


@records.record
class JabberConfiguration:
    """The Jabber Client Configuration (jabber-config.xml) UC services a profile hands out (12.5+)."""

    common: str | None = None
    desktop: str | None = None
    mobile: str | None = None


@records.record
class ServiceProfile:
    """A service profile (User Management > User Settings > Service Profile): how UC services reach users."""

    name: str
    description: str | None = None
    is_default: bool | None = None
    entries: tuple[ServiceProfileEntry, ...] = ()
    """getServiceProfile only; () from listServiceProfile."""
    jabber: JabberConfiguration | None = None
    """getServiceProfile on AXL 12.5 and later only."""


def children(element: Any, name: str) -> Iterator[Any]:
    """The child elements of ``element`` whose local name is ``name``."""
    if element is None:
        return
    for child in element:
        if isinstance(child.tag, str) and etree.QName(child).localname == name:
            yield child


def child(element: Any, name: str) -> Any:
    """The first child element called ``name``; None when there is none."""
    return next(children(element, name), None)


def text(element: Any, name: str) -> str | None:
    """The text of the child called ``name``; None when it is missing or empty."""
    found = child(element, name)
    return found.text if found is not None and found.text else None


def ccm_version(answer: Any) -> str | None:
    """getCCMVersion: ``return/componentVersion/version``."""
    version = text(child(child(answer, "return"), "componentVersion"), "version")
    return version.strip() if version and version.strip() else None


def is_pseudo_node(name: str, uuid: str | None = None) -> bool:
    return name.strip().lower() == PSEUDO_NODE.lower() or (uuid or "").upper() == PSEUDO_NODE_UUID


def process_nodes(answer: Any) -> list[ProcessNode]:
    """listProcessNode, without the EnterpriseWideData pseudo-node and nameless rows."""
    nodes = []
    for node in children(child(answer, "return"), "processNode"):
        name = text(node, "name")
        if not name or is_pseudo_node(name, node.get("uuid")):
            continue
        nodes.append(
            ProcessNode(
                name, text(node, "nodeUsage") or "", text(node, "description"), text(node, "processNodeRole")
            )
        )
    return nodes


def uc_service(element: Any) -> UcService:
    """One ``ucService`` element (listUcService or getUcService)."""
    port = (text(element, "port") or "").strip()
    return UcService(
        service_type=text(element, "serviceType") or "",
        product_type=text(element, "productType") or "",
        name=text(element, "name") or "",
        hostnameorip=text(element, "hostnameorip") or "",
        port=int(port) if port.isdigit() else None,
        protocol=text(element, "protocol"),
        xml=tuple(_leaves(child(element, "ucServiceXml"))),
    )


def uc_services(answer: Any) -> list[UcService]:
    return [uc_service(s) for s in children(child(answer, "return"), "ucService")]


def service_profile(element: Any) -> ServiceProfile:
    """One ``serviceProfile`` element (listServiceProfile or getServiceProfile)."""
    infos = child(element, "serviceProfileInfos")
    jabber = child(infos, "jabberClientConfigurationProfileInfo")
    return ServiceProfile(
        name=text(element, "name") or "",
        description=text(element, "description"),
        is_default=_boolean(text(element, "isDefault")),
        entries=tuple(
            ServiceProfileEntry(
                text(info, "profileName") or "",
                text(info, "primary"),
                text(info, "secondary"),
                text(info, "tertiary"),
                text(info, "serverCertificateVerification"),
            )
            for info in children(infos, "serviceProfileInfo")
        ),
        jabber=None
        if jabber is None
        else JabberConfiguration(text(jabber, "common"), text(jabber, "desktop"), text(jabber, "mobile")),
    )


def service_profiles(answer: Any) -> list[ServiceProfile]:
    return [service_profile(p) for p in children(child(answer, "return"), "serviceProfile")]


def rows(answer: Any) -> list[dict[str, str | None]]:
    """executeSQLQuery: each row as lower-case column → text, None when empty."""
    return [
        {
            etree.QName(column).localname.lower(): column.text or None
            for column in row
            if isinstance(column.tag, str)
        }
        for row in children(child(answer, "return"), "row")
    ]


def _leaves(element: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    if element is None:
        return
    for item in element:
        if not isinstance(item.tag, str):
            continue
        path = f"{prefix}{etree.QName(item).localname}"
        if len(item):
            yield from _leaves(item, f"{path}/")
        else:
            yield path, (item.text or "").strip()


def _boolean(value: str | None) -> bool | None:
    if value is None:
        return None
    return {"t": True, "true": True, "1": True, "f": False, "false": False, "0": False}.get(
        value.strip().lower()
    )
