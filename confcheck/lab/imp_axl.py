"""The lab's IM and Presence AXL service (11.5 and later): getCUPVersion and getClusterInfo.

It is CUCM's responder (:func:`confcheck.lab.axl.respond`: Basic auth, 503, the 599 page, faults)
with IM and Presence's operations. Their answers follow Cisco's IM and Presence AXL schema 11.5
and 12.5 (the tests validate them). What the lab models: which AXL versions a release accepts (the
CUCM rule), and that ``servername`` holds each node's name exactly as System > Server has it (the
IM and Presence database replicates CUCM's processnode table; the schema says only "servername").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lxml import etree

from confcheck.lab import axl
from confcheck.lab.axl import IM_AND_PRESENCE, AxlData


def _get_cup_version(request: Any, data: AxlData, version: str) -> Any:
    result = etree.Element("return")
    etree.SubElement(result, "version").text = data.version
    return result


def _get_cluster_info(request: Any, data: AxlData, version: str) -> Any:
    result = etree.Element("return")
    info = etree.SubElement(result, "ServerInformation")
    presence = etree.SubElement(info, "cupservernames")
    cucm = etree.SubElement(info, "cucmservernames")
    for node in data.process_nodes:
        parent = presence if node.role == IM_AND_PRESENCE else cucm
        etree.SubElement(parent, "servername").text = node.name
    return result


HANDLERS: dict[str, axl.Handler] = {
    "getCUPVersion": _get_cup_version,
    "getClusterInfo": _get_cluster_info,
}


def respond(body: bytes, headers: Mapping[str, str], data: AxlData) -> axl.Answer:
    """Answer one POST to an IM and Presence publisher's ``/axl/``; ``data.version`` is its release and
    ``data.process_nodes`` the System > Server rows it replicates (its own nodes and CUCM's)."""
    return axl.respond(body, headers, data, HANDLERS)
