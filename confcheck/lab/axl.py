"""The lab's AXL service: answers a SOAP request the way CUCM's ``/axl/`` does, as a pure function.

What it imitates (notes/cisco-domain.md §3): HTTP Basic auth with Tomcat's HTML 401 page; AXL
throttling as HTTP 503 with Tomcat's page; the request body's namespace selecting the AXL version,
HTTP 599 "Incorrect axl version" for one the server does not support; SOAP 1.1 answers shaped like
CUCM's (``<ns:opResponse xmlns:ns=...><return>``, only the ``returnedTags`` asked for); SOAP Faults
with ``<detail><axlError>`` carrying an axlcode. Its answers validate against Cisco's XSD (tested).

Codes for requests CUCM would reject in ways nobody has published (unknown operation, unreadable
XML) are the lab's choice: axlcode 5000 with a plain message. The HTTPS server around this is
:mod:`confcheck.lab.servers`.
"""

from __future__ import annotations

import base64
import hmac
import html
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from confcheck.transport import xmlparser

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
AXL_NS = re.compile(r"http://www\.cisco\.com/AXL/API/(\d+\.\d+)")
AXL_LINES = ("7.0", "7.1", "8.0", "8.5", "9.0", "9.1")
"""AXL versions a lab server of version N accepts by default: those up to N's major.minor."""
MAX_REQUEST = 1024 * 1024
XML = "text/xml; charset=utf-8"
HTML = "text/html; charset=utf-8"
PSEUDO_NODE = "EnterpriseWideData"
"""CUCM's processnode table always holds this row (systemnode 't'); it is not a server."""

Answer = tuple[int, str, bytes]


@dataclass(frozen=True, slots=True)
class AxlProcessNode:
    """A System > Server entry."""

    name: str
    usage: str = "Subscriber"
    """``Publisher`` or ``Subscriber``."""
    description: str = ""


@dataclass(frozen=True, slots=True)
class AxlUcService:
    """A UC service (CUCM 9.0 and later)."""

    service_type: str
    product_type: str
    name: str
    hostnameorip: str
    port: int | None = None
    protocol: str | None = None
    description: str = ""


@dataclass
class AxlData:
    """What one lab CUCM knows and how it behaves; ``throttle`` counts down as 503s are sent."""

    version: str = "9.1.2.10000-28"
    username: str = "axladmin"
    password: str = field(default="", repr=False)
    process_nodes: list[AxlProcessNode] = field(default_factory=list)
    uc_services: list[AxlUcService] = field(default_factory=list)
    throttle: int = 0
    """Answer this many more requests with HTTP 503."""
    supported_versions: tuple[str, ...] = ()
    """AXL versions accepted; empty: :data:`AXL_LINES` up to the server's own version."""

    def supported(self) -> tuple[str, ...]:
        """The AXL versions this server accepts."""
        if self.supported_versions:
            return self.supported_versions
        own = _major_minor(self.version)
        return tuple(line for line in AXL_LINES if _major_minor(line) <= own)


class _Fault(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def respond(body: bytes, headers: Mapping[str, str], data: AxlData) -> Answer:
    """Answer one POST to ``/axl/``: (HTTP status, content type, body)."""
    if not _authorized(headers, data):
        return 401, HTML, _tomcat(401, "", "This request requires HTTP authentication.")
    if data.throttle > 0:
        data.throttle -= 1
        return 503, HTML, _tomcat(503, "", "The requested service is not currently available.")
    try:
        request = _operation(body)
    except _Fault as fault:
        return _fault_answer(fault, "unknown")
    operation = etree.QName(request).localname
    match = AXL_NS.fullmatch(etree.QName(request).namespace or "")
    if match is None:
        return _fault_answer(_Fault(5000, f"{operation} is not an AXL request"), operation)
    version = match[1]
    if version not in data.supported():
        message = f"Incorrect axl version. Supported axl versions are {_and_list(data.supported())}"
        return 599, HTML, _tomcat(599, message, message)
    handler = _HANDLERS.get(operation)
    if handler is None or (operation.endswith("UcService") and _major_minor(version) < (9, 0)):
        return _fault_answer(
            _Fault(5000, f"Unknown request: {operation} does not exist in AXL {version}"), operation
        )
    try:
        result = handler(request, data, version)
    except _Fault as fault:
        return _fault_answer(fault, operation)
    answer = etree.Element(f"{{{match[0]}}}{operation}Response", nsmap={"ns": match[0]})
    if request.get("sequence") is not None:
        answer.set("sequence", request.get("sequence"))
    answer.append(result)
    return 200, XML, _envelope(answer)


# --- operations -------------------------------------------------------------------------------


def _get_ccm_version(request: Any, data: AxlData, version: str) -> Any:
    result = etree.Element("return")
    etree.SubElement(etree.SubElement(result, "componentVersion"), "version").text = data.version
    return result


def _list_process_node(request: Any, data: AxlData, version: str) -> Any:
    wanted = _wanted(request)
    name = request.findtext("searchCriteria/name")
    description = request.findtext("searchCriteria/description")
    result = etree.Element("return")
    for node in [AxlProcessNode(PSEUDO_NODE), *data.process_nodes]:
        if not (_like(name, node.name) and _like(description, node.description)):
            continue
        values = {"name": node.name, "description": node.description, "ipv6Name": "", "nodeUsage": node.usage}
        if version != "8.5":
            values["lbmHubGroup"] = ""
        element = etree.SubElement(result, "processNode", uuid=_uuid("processnode", node.name))
        _fields(element, values, wanted)  # ``mac`` is never answered: these nodes have none
    return result


def _list_uc_service(request: Any, data: AxlData, version: str) -> Any:
    wanted = _wanted(request)
    name = request.findtext("searchCriteria/name")
    result = etree.Element("return")
    for service in data.uc_services:
        if _like(name, service.name):
            element = etree.SubElement(result, "ucService", uuid=_uuid("ucservice", service.name))
            _fields(element, _uc_values(service), wanted)
    return result


def _get_uc_service(request: Any, data: AxlData, version: str) -> Any:
    name, key = request.findtext("name"), request.findtext("uuid")
    for service in data.uc_services:
        if service.name == name or (key and key.upper() == _uuid("ucservice", service.name)):
            result = etree.Element("return")
            element = etree.SubElement(result, "ucService", uuid=_uuid("ucservice", service.name))
            _fields(element, _uc_values(service), _wanted(request))
            return result
    raise _Fault(5007, "Item not valid: The specified UC Service was not found")


_SELECT = re.compile(
    r"\s*select\s+(?P<columns>.+?)\s+from\s+(?P<table>\w+)(?:\s+where\s+(?P<where>.+?))?\s*;?\s*",
    re.IGNORECASE | re.DOTALL,
)
_CONDITION = re.compile(r"\s*(\w+)\s*=\s*(?:'([^']*)'|(-?\d+))\s*", re.IGNORECASE)
_SYNTAX = "A syntax error has occurred."


def _execute_sql_query(request: Any, data: AxlData, version: str) -> Any:
    """``select <columns | *> from processnode [where col = value [and ...]]``, as Informix answers."""
    match = _SELECT.fullmatch(request.findtext("sql") or "")
    if match is None:
        raise _Fault(-201, _SYNTAX)
    if match["table"].lower() != "processnode":
        raise _Fault(-206, f"The specified table ({match['table']}) is not in the database.")
    rows = _processnode_rows(data)
    known = list(rows[0])
    columns = (
        known if match["columns"].strip() == "*" else [c.strip().lower() for c in match["columns"].split(",")]
    )
    conditions = []
    parts = re.split(r"\s+and\s+", match["where"], flags=re.IGNORECASE) if match["where"] else []
    for part in parts:
        condition = _CONDITION.fullmatch(part)
        if condition is None:
            raise _Fault(-201, _SYNTAX)
        conditions.append((condition[1].lower(), condition[2] if condition[2] is not None else condition[3]))
    for column in [*columns, *(c for c, _ in conditions)]:
        if not re.fullmatch(r"\w+", column):
            raise _Fault(-201, _SYNTAX)
        if column not in known:
            raise _Fault(
                -217, f"Column ({column}) not found in any table in the query (or SLV is undefined)."
            )
    result = etree.Element("return")
    for row in rows:
        if all(row[column] == value for column, value in conditions):
            element = etree.SubElement(result, "row")
            for column in columns:
                etree.SubElement(element, column).text = row[column] or None
    return result


def _processnode_rows(data: AxlData) -> list[dict[str, str]]:
    nodes = [AxlProcessNode(PSEUDO_NODE), *data.process_nodes]
    return [
        {
            "pkid": _uuid("processnode", node.name).strip("{}").lower(),
            "name": node.name,
            "mac": "",
            "systemnode": "t" if node.name == PSEUDO_NODE else "f",
            "description": node.description,
            "isactive": "t",
            "nodeid": str(index + 1),
            "tknodeusage": "0" if node.usage == "Publisher" else "1",
            "ipv6name": "",
        }
        for index, node in enumerate(nodes)
    ]


_HANDLERS: dict[str, Callable[[Any, AxlData, str], Any]] = {
    "getCCMVersion": _get_ccm_version,
    "listProcessNode": _list_process_node,
    "executeSQLQuery": _execute_sql_query,
    "listUcService": _list_uc_service,
    "getUcService": _get_uc_service,
}


# --- helpers ----------------------------------------------------------------------------------


def _authorized(headers: Mapping[str, str], data: AxlData) -> bool:
    value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, _, password = base64.b64decode(token.strip(), validate=True).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    expected = f"{data.username}:{data.password}".encode()
    return hmac.compare_digest(f"{user}:{password}".encode(), expected)


def _operation(body: bytes) -> Any:
    """The element inside the SOAP Body, parsed without DTDs, entities or network, size-bounded."""
    if len(body) > MAX_REQUEST:
        raise _Fault(5000, f"Request too large (over {MAX_REQUEST} bytes)")
    parser = xmlparser.hardened()
    try:
        root = etree.fromstring(body, parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise _Fault(5000, f"Unable to parse the request: {exc}") from None
    if root.getroottree().docinfo.doctype:
        raise _Fault(5000, "Unable to parse the request: DOCTYPE is not allowed")
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise _Fault(5000, "Unable to parse the request: not a SOAP 1.1 envelope")
    soap_body = root.find(f"{{{SOAP_ENV}}}Body")
    operation = None if soap_body is None else next(iter(soap_body), None)
    if operation is None:
        raise _Fault(5000, "Unable to parse the request: empty SOAP Body")
    return operation


def _wanted(request: Any) -> set[str] | None:
    """The tags ``returnedTags`` asks for; None (everything) when it is absent."""
    tags = request.find("returnedTags")
    return None if tags is None else {etree.QName(t).localname for t in tags}


def _fields(element: Any, values: Mapping[str, str | None], wanted: set[str] | None) -> None:
    for tag, value in values.items():
        if wanted is None or tag in wanted:
            etree.SubElement(element, tag).text = value or None


def _uc_values(service: AxlUcService) -> dict[str, str | None]:
    return {
        "serviceType": service.service_type,
        "productType": service.product_type,
        "name": service.name,
        "description": service.description,
        "hostnameorip": service.hostnameorip,
        "port": None if service.port is None else str(service.port),
        "protocol": service.protocol,
    }


def _like(pattern: str | None, value: str) -> bool:
    """SQL LIKE as AXL search criteria use it: ``%`` any run, ``_`` one character, case-insensitive."""
    if pattern is None:
        return True
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE | re.DOTALL) is not None


def _uuid(table: str, name: str) -> str:
    """A stable ``{XXXXXXXX-...}`` pkid, the way AXL writes uuids."""
    return "{" + str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{table}/{name.lower()}")).upper() + "}"


def _major_minor(version: str) -> tuple[int, int]:
    match = re.match(r"\s*(\d+)\.(\d+)", version)
    return (int(match[1]), int(match[2])) if match else (0, 0)


def _and_list(items: tuple[str, ...]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _envelope(content: Any) -> bytes:
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soapenv": SOAP_ENV})
    etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body").append(content)
    return bytes(etree.tostring(envelope, xml_declaration=True, encoding="UTF-8"))


def _fault_answer(fault: _Fault, operation: str) -> Answer:
    """HTTP 500 with a SOAP Fault, as CUCM sends for every AXL error."""
    element = etree.Element(f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(element, "faultcode").text = "soapenv:Client"
    etree.SubElement(element, "faultstring").text = fault.message
    axl_error = etree.SubElement(etree.SubElement(element, "detail"), "axlError")
    etree.SubElement(axl_error, "axlcode").text = str(fault.code)
    etree.SubElement(axl_error, "axlmessage").text = fault.message
    etree.SubElement(axl_error, "request").text = operation
    return 500, XML, _envelope(element)


def _tomcat(status: int, message: str, description: str) -> bytes:
    """Tomcat's error report page (its ``<HR>`` is not closed: the page is not XML)."""
    message, description = html.escape(message), html.escape(description)
    return (
        f"<html><head><title>Apache Tomcat/7.0.54 - Error report</title></head><body>"
        f'<h1>HTTP Status {status} - {message}</h1><HR size="1" noshade="noshade">'
        f"<p><b>type</b> Status report</p><p><b>message</b> <u>{message}</u></p>"
        f"<p><b>description</b> <u>{description}</u></p>"
        f'<HR size="1" noshade="noshade"><h3>Cisco Systems, Inc.</h3></body></html>'
    ).encode()
