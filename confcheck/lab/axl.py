"""The lab's CUCM publisher services: AXL at ``/axl/`` and UDS's version and servers, as pure functions.

What it imitates, and on what authority (notes/cisco-domain.md §3, notes/current-releases.md):

* HTTP Basic auth with Tomcat's HTML 401 page; AXL throttling as HTTP 503 with Tomcat's page.
* The AXL version a request speaks: its SOAPAction header's ``ver=`` when there is one (Cisco's AXL
  versioning page: "specify the schema ... in the SOAP Action Header"), else its body's namespace.
* Which versions each release accepts (:data:`ACCEPTS`): Cisco's versioning table for 8.5(1) to
  12.0(1) (8.6 speaks 8.5's schema; 10.5 keeping a 10.5 schema is inferred from "new AXL schemas
  will be added in each major and minor release", the table having no 10.5 column); a CUCM 15
  page for 15 (``12.x, 14.0 and 15.0``, Unhall0w3d/aletheiauc's tests). 12.5 and 14 are
  *modelled* on Cisco's rule that a release keeps the schemas of the two major releases before it.
* HTTP 599 "Incorrect axl version" for any other version. From 12.5 the page has the shape of the
  captured CUCM 15 page (``<!-- custom Cisco error page -->``, a ``content-header`` div and a
  Message paragraph), listing a whole earlier major as ``N.x``; earlier releases answer with
  Tomcat's error report. Which releases use which page, and the ``N.x`` grouping outside 15, are
  *modelled*.
* Answers shaped like CUCM's (``<ns:opResponse xmlns:ns=...><return>``, only the ``returnedTags``
  asked for); SOAP Faults with ``<detail><axlError>`` carrying an axlcode. Its answers validate
  against Cisco's XSD (tested), except where a release is known not to: AXL 11.5's listProcessNode
  answer does not follow its schema's order (ciscocucmapi ``AXL_DEFECTS.rst``); which order it uses
  is not published, so the lab sends the fields alphabetically (*modelled*).
* The EnterpriseWideData pseudo-node in every listProcessNode answer, with the uuid and usage of
  a captured AXL 14.0 answer (aletheiauc's tests); IM and Presence nodes in System > Server from
  10.0, told apart by ``processNodeRole``.
* UDS (``/cucm-uds/version`` and ``/cucm-uds/servers``, no credentials) from 10.0, the release that
  brought it; 404 before. The answers follow Cisco's UDS developer guide (``versionInformation``
  with the UDS schema's version as attribute and the release as ``<version>``; ``capabilities``
  from 11.5) and the UDS 14 schemas as SeeYouCM-Thief's tests quote them (``servers``).

Codes for requests CUCM would reject in ways nobody has published (unknown operation, unreadable
XML, a SOAPAction and a namespace that disagree) are the lab's choice: axlcode 5000 with a plain
message. The HTTPS server around this is :mod:`confcheck.lab.servers`.
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

from confcheck import records
from confcheck.transport import xmlparser

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
AXL_NS = re.compile(r"http://www\.cisco\.com/AXL/API/(\d+\.\d+)")
SOAP_ACTION = re.compile(r"ver=(\d+\.\d+)")
AXL_VERSIONS = (
    "7.0", "7.1", "8.0", "8.5", "9.0", "9.1", "10.0", "10.5", "11.0", "11.5", "12.0", "12.5", "14.0", "15.0"
)  # fmt: skip
"""Every AXL version the lab knows of (CUCM 13 was never released)."""
ACCEPTS: tuple[tuple[tuple[int, int], tuple[str, ...]], ...] = (
    ((8, 0), ("7.1", "8.0")),  # Cisco's table (and 6.x schemas the lab does not know)
    ((8, 5), ("7.0", "7.1", "8.0", "8.5")),  # Cisco's table; 8.6 the same (no 8.6 schema)
    ((9, 0), ("7.1", "8.0", "8.5", "9.0")),  # Cisco's table
    ((9, 1), ("7.1", "8.0", "8.5", "9.0", "9.1")),  # Cisco's table
    ((10, 0), ("8.0", "8.5", "9.0", "9.1", "10.0")),  # Cisco's table
    ((10, 5), ("8.0", "8.5", "9.0", "9.1", "10.0", "10.5")),  # Cisco's table + its own schema
    ((11, 0), ("9.0", "9.1", "10.0", "10.5", "11.0")),  # Cisco's table ("9.x, 10.x and 11.0")
    ((11, 5), ("9.0", "9.1", "10.0", "10.5", "11.0", "11.5")),  # Cisco's table
    ((12, 0), ("10.0", "10.5", "11.0", "11.5", "12.0")),  # Cisco's table
    ((12, 5), ("10.0", "10.5", "11.0", "11.5", "12.0", "12.5")),  # modelled: 12.0's and its own
    ((14, 0), ("11.0", "11.5", "12.0", "12.5", "14.0")),  # modelled: the two majors before 14
    ((15, 0), ("12.0", "12.5", "14.0", "15.0")),  # a CUCM 15 page: "12.x, 14.0 and 15.0"
)
"""Release (major, minor) -> the AXL versions it accepts; a release takes the row at or below it."""
OUT_OF_ORDER = frozenset({("11.5", "listProcessNode")})
"""(AXL version, operation) whose answers break their schema's element order (a known defect)."""
MAX_REQUEST = 1024 * 1024
XML = "text/xml; charset=utf-8"
HTML = "text/html; charset=utf-8"
PSEUDO_NODE = "EnterpriseWideData"
"""CUCM's processnode table always holds this row (systemnode 't'); it is not a server."""
PSEUDO_NODE_UUID = "{00000000-1111-0000-0000-000000000000}"
"""Its uuid in a captured AXL 14.0 answer."""
VOICE_VIDEO = "CUCM Voice/Video"
IM_AND_PRESENCE = "CUCM IM and Presence"

Answer = tuple[int, str, bytes]


@records.record
class AxlProcessNode:
    """A System > Server entry."""

    name: str
    usage: str = "Subscriber"
    """``Publisher`` or ``Subscriber``."""
    description: str = ""
    role: str = VOICE_VIDEO
    """``CUCM Voice/Video`` or ``CUCM IM and Presence`` (answered from AXL 10.0)."""


@records.record
class AxlUcService:
    """A UC service (CUCM 9.0 and later)."""

    service_type: str
    product_type: str
    name: str
    hostnameorip: str
    port: int | None = None
    protocol: str | None = None
    description: str = ""
    xml: tuple[tuple[str, str], ...] = ()
    """``ucServiceXml`` (getUcService): (path, text) of each parameter, e.g.
    ``("Voicemail/VoicemailPrimaryServer", "{cuc1.ip}")`` for a Jabber Client Configuration service."""


@records.record
class AxlProfileEntry:
    """One kind of UC service in a service profile (``profileName``) and the services it names."""

    profile_name: str
    primary: str = ""
    secondary: str = ""
    tertiary: str = ""


@records.record
class AxlServiceProfile:
    """A service profile (CUCM 9.0 and later); ``jabber`` (12.5+): the common, desktop and mobile
    Jabber Client Configuration services it hands out."""

    name: str
    description: str = ""
    is_default: bool = False
    entries: tuple[AxlProfileEntry, ...] = ()
    jabber: tuple[str, str, str] | None = None


@dataclass
class AxlData:
    """What one lab CUCM knows and how it behaves; ``throttle`` counts down as 503s are sent."""

    version: str = "9.1.2.10000-28"
    username: str = "axladmin"
    password: str = field(default="", repr=False)
    process_nodes: list[AxlProcessNode] = field(default_factory=list)
    uc_services: list[AxlUcService] = field(default_factory=list)
    service_profiles: list[AxlServiceProfile] = field(default_factory=list)
    throttle: int = 0
    """Answer this many more requests with HTTP 503."""
    supported_versions: tuple[str, ...] = ()
    """AXL versions accepted; empty: what the release accepts (:data:`ACCEPTS`)."""
    unlisted_599: bool = False
    """Answer 599 with a page that lists no version (a page confcheck cannot read)."""

    def supported(self) -> tuple[str, ...]:
        """The AXL versions this server accepts."""
        if self.supported_versions:
            return self.supported_versions
        release = _major_minor(self.version)
        fitting = [accepted for key, accepted in ACCEPTS if key <= release]
        return fitting[-1] if fitting else ACCEPTS[0][1]

    def listed(self) -> str:
        """The supported versions as a 599 page lists them: a whole earlier major as ``N.x``."""
        supported = self.supported()
        own = _major_minor(self.version)[0]
        items: list[str] = []
        for version in supported:
            major = version.split(".")[0]
            family = [v for v in AXL_VERSIONS if v.split(".")[0] == major]
            whole = int(major) != own and len(family) > 1 and all(v in supported for v in family)
            item = f"{major}.x" if whole else version
            if item not in items:
                items.append(item)
        return _and_list(tuple(items))


class _Fault(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def respond(
    body: bytes, headers: Mapping[str, str], data: AxlData, handlers: Mapping[str, Handler] | None = None
) -> Answer:
    """Answer one POST to ``/axl/``: (HTTP status, content type, body); ``handlers``: the operations
    served (CUCM's by default; IM and Presence's AXL service has its own, :mod:`confcheck.lab.imp_axl`)."""
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
    action = SOAP_ACTION.search(_header(headers, "soapaction"))
    if action is not None and action[1] != version:
        message = f"SOAPAction asks for AXL {action[1]} but the request is in AXL {version}'s namespace"
        return _fault_answer(_Fault(5000, message), operation)
    if version not in data.supported():
        return 599, HTML, _incorrect_version(data)
    handler = (_HANDLERS if handlers is None else handlers).get(operation)
    if handler is None or (operation in _SINCE_9 and _major_minor(version) < (9, 0)):
        return _fault_answer(
            _Fault(5000, f"Unknown request: {operation} does not exist in AXL {version}"), operation
        )
    try:
        result = handler(request, data, version)
    except _Fault as fault:
        return _fault_answer(fault, operation)
    if (version, operation) in OUT_OF_ORDER:
        for item in result:
            item[:] = sorted(item, key=lambda e: str(e.tag))
    answer = etree.Element(f"{{{match[0]}}}{operation}Response", nsmap={"ns": match[0]})
    if request.get("sequence") is not None:
        answer.set("sequence", request.get("sequence"))
    answer.append(result)
    return 200, XML, _envelope(answer)


def uds(path: str, host: str, data: AxlData) -> Answer:
    """Answer one GET under ``/cucm-uds/``: the release's version and the CUCM servers (no credentials)."""
    resource = path.split("?", 1)[0].rstrip("/")
    release = _major_minor(data.version)
    if release < (10, 0) or resource not in ("/cucm-uds/version", "/cucm-uds/servers"):
        return 404, HTML, _tomcat(404, path, "The requested resource is not available.")
    uri = f"https://{host}{resource}"
    if resource.endswith("/version"):
        root = etree.Element("versionInformation", uri=uri, version="10.0.0")
        etree.SubElement(root, "version").text = ".".join(re.findall(r"\d+", data.version)[:3])
        if release >= (11, 5):
            capabilities = etree.SubElement(root, "capabilities")
            etree.SubElement(capabilities, "usersResourceAuthEnabled").text = "false"
            if release >= (14, 0):
                etree.SubElement(capabilities, "upgradeInProgress").text = "false"
    else:
        root = etree.Element("servers", uri=uri, version="{}.{}".format(*release))
        for node in data.process_nodes:
            if node.role == VOICE_VIDEO:
                etree.SubElement(root, "server").text = node.name
    document = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return 200, "application/xml", bytes(document)


# --- operations -------------------------------------------------------------------------------


def _get_ccm_version(request: Any, data: AxlData, version: str) -> Any:
    result = etree.Element("return")
    etree.SubElement(etree.SubElement(result, "componentVersion"), "version").text = data.version
    return result


def _list_process_node(request: Any, data: AxlData, version: str) -> Any:
    wanted = _wanted(request)
    name = request.findtext("searchCriteria/name")
    description = request.findtext("searchCriteria/description")
    role = request.findtext("searchCriteria/processNodeRole")
    result = etree.Element("return")
    for node in [AxlProcessNode(PSEUDO_NODE), *data.process_nodes]:
        if not (_like(name, node.name) and _like(description, node.description) and _like(role, node.role)):
            continue
        values = {"name": node.name, "description": node.description, "ipv6Name": "", "nodeUsage": node.usage}
        if version != "8.5":
            values["lbmHubGroup"] = ""
        if _major_minor(version) >= (10, 0):
            values["processNodeRole"] = node.role
        key = PSEUDO_NODE_UUID if node.name == PSEUDO_NODE else _uuid("processnode", node.name)
        element = etree.SubElement(result, "processNode", uuid=key)
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
            wanted = _wanted(request)
            _fields(element, _uc_values(service), wanted)
            if service.xml and (wanted is None or "ucServiceXml" in wanted):
                _paths(etree.SubElement(element, "ucServiceXml"), service.xml)
            return result
    raise _Fault(5007, "Item not valid: The specified UC Service was not found")


def _list_service_profile(request: Any, data: AxlData, version: str) -> Any:
    wanted = _wanted(request)
    name = request.findtext("searchCriteria/name")
    description = request.findtext("searchCriteria/description")
    result = etree.Element("return")
    for profile in data.service_profiles:
        if _like(name, profile.name) and _like(description, profile.description):
            element = etree.SubElement(result, "serviceProfile", uuid=_uuid("ucserviceprofile", profile.name))
            _fields(element, _profile_values(profile), wanted)
    return result


def _get_service_profile(request: Any, data: AxlData, version: str) -> Any:
    name, key = request.findtext("name"), request.findtext("uuid")
    for profile in data.service_profiles:
        if profile.name == name or (key and key.upper() == _uuid("ucserviceprofile", profile.name)):
            result = etree.Element("return")
            element = etree.SubElement(result, "serviceProfile", uuid=_uuid("ucserviceprofile", profile.name))
            wanted = _wanted(request)
            _fields(element, _profile_values(profile), wanted)
            if wanted is None or "serviceProfileInfos" in wanted:
                infos = etree.SubElement(element, "serviceProfileInfos")
                for entry in profile.entries:
                    info = etree.SubElement(infos, "serviceProfileInfo")
                    names = ("profileName", "primary", "secondary", "tertiary")
                    values = (entry.profile_name, entry.primary, entry.secondary, entry.tertiary)
                    for tag, value in zip(names, values, strict=True):
                        etree.SubElement(info, tag).text = value or None
                if profile.jabber is not None and _major_minor(version) >= (12, 5):
                    jabber = etree.SubElement(infos, "jabberClientConfigurationProfileInfo")
                    for tag, value in zip(("common", "desktop", "mobile"), profile.jabber, strict=True):
                        etree.SubElement(jabber, tag).text = value or None
            return result
    raise _Fault(5007, "Item not valid: The specified Service Profile was not found")


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


Handler = Callable[[Any, AxlData, str], Any]
"""Builds the ``<return>`` of one operation from the request, the server's data and the AXL version."""
_HANDLERS: dict[str, Handler] = {
    "getCCMVersion": _get_ccm_version,
    "listProcessNode": _list_process_node,
    "executeSQLQuery": _execute_sql_query,
    "listUcService": _list_uc_service,
    "getUcService": _get_uc_service,
    "listServiceProfile": _list_service_profile,
    "getServiceProfile": _get_service_profile,
}
_SINCE_9 = frozenset({"listUcService", "getUcService", "listServiceProfile", "getServiceProfile"})


# --- helpers ----------------------------------------------------------------------------------


def _authorized(headers: Mapping[str, str], data: AxlData) -> bool:
    value = _header(headers, "authorization")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, _, password = base64.b64decode(token.strip(), validate=True).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    expected = f"{data.username}:{data.password}".encode()
    return hmac.compare_digest(f"{user}:{password}".encode(), expected)


def _header(headers: Mapping[str, str], name: str) -> str:
    return next((v for k, v in headers.items() if k.lower() == name), "")


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


def _profile_values(profile: AxlServiceProfile) -> dict[str, str | None]:
    return {
        "name": profile.name,
        "description": profile.description,
        "isDefault": "t" if profile.is_default else "f",
    }


def _paths(element: Any, items: tuple[tuple[str, str], ...]) -> None:
    """Elements for (``Section/Parameter``, text) pairs, sections shared in order of first use."""
    for path, value in items:
        parent = element
        *sections, leaf = path.split("/")
        for section in sections:
            found = parent.find(section)
            parent = etree.SubElement(parent, section) if found is None else found
        etree.SubElement(parent, leaf).text = value or None


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


def _incorrect_version(data: AxlData) -> bytes:
    """The 599 page: from 12.5 the shape of a captured CUCM 15 page, Tomcat's error report before."""
    message = "Incorrect axl version."
    if not data.unlisted_599:
        message += f" Supported axl versions are {data.listed()}"
    if _major_minor(data.version) < (12, 5):
        return _tomcat(599, message, message)
    text = html.escape(message)
    return (
        "<!-- custom Cisco error page --><html>\n<body>\n"
        f'<div id="content-header">HTTP Status 599 - {text}</div>\n'
        f"<p><b>Message:</b> {text}</p>\n</body>\n</html>"
    ).encode()


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
