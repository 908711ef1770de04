"""AXL: the client against the lab's responder over real HTTP(S) on 127.0.0.1, both held to Cisco's XSD.

Cisco's schema files (../shared/axl-schema) are the referee: every request the client sends and
every answer the lab gives must validate against the real AXLSoap.xsd of its version, for every
version from 8.5 to 15.0, so neither side can drift into agreeing with the other on something CUCM
would not say. (Version negotiation, UDS and deadlines: tests/test_axl_negotiation.py.)
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import logging
import socket
import ssl
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from helpers import shared
from lxml import etree

from confcheck import pki
from confcheck.errors import InputError
from confcheck.lab.axl import (
    AxlData,
    AxlProcessNode,
    AxlProfileEntry,
    AxlServiceProfile,
    AxlUcService,
    respond,
)
from confcheck.transport import axl
from confcheck.transport.axl import (
    AxlClient,
    AxlError,
    AxlSettings,
    JabberConfiguration,
    ProcessNode,
    ServiceProfile,
    ServiceProfileEntry,
    UcService,
    version_line,
)
from confcheck.transport.https import TlsPolicy

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
AXL85 = "http://www.cisco.com/AXL/API/8.5"
USER = "axladmin"
PASSWORD = "Pa55-w0rd-n3ver-sh0wn"
CREDENTIALS = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
CUCM = {
    "8.5": "8.6.2.20000-2",
    "9.0": "9.0.1.10000-37",
    "9.1": "9.1.2.10000-28",
    "10.0": "10.0.1.10000-24",
    "10.5": "10.5.2.10000-5",
    "11.0": "11.0.1.10000-10",
    "11.5": "11.5.1.12900-21",
    "12.0": "12.0.1.10000-10",
    "12.5": "12.5.1.11900-146",
    "14.0": "14.0.1.11900-132",
    "15.0": "15.0.1.10000-32",
}
"""A release of each AXL version's CUCM."""
JABBER_CONFIG = "Jabber Client Configuration (jabber-config.xml)"
App = Callable[[bytes, Mapping[str, str]], tuple[int, str, bytes]]


def lab_data(version: str = "9.1.2.10000-28", **kwargs: Any) -> AxlData:
    """A two-node cluster with voicemail and a mail store, as the lab serves it."""
    return AxlData(
        version=version,
        username=USER,
        password=PASSWORD,
        process_nodes=[
            AxlProcessNode("cucm1.example.com", "Publisher", "CUCM publisher"),
            AxlProcessNode("10.0.0.12", "Subscriber"),
        ],
        uc_services=[
            AxlUcService("Voicemail", "Unity Connection", "VM1", "cuc1.example.com", 443, "HTTPS"),
            AxlUcService("IM and Presence", "Unified CM (IM and Presence)", "IMP", "imp1.example.com"),
            AxlUcService(
                JABBER_CONFIG,
                "Jabber",
                "JC-Common",
                "",
                xml=(
                    ("Voicemail/VoicemailPrimaryServer", "10.0.0.30"),
                    ("Options/AdminConfiguredBot", "bot%40example.com"),
                ),
            ),
        ],
        service_profiles=[
            AxlServiceProfile(
                "SP-Standard",
                "every user",
                is_default=True,
                entries=(
                    AxlProfileEntry("Voicemail Profile", "VM1"),
                    AxlProfileEntry("IM and Presence Profile", "IMP", "IMP"),
                ),
                jabber=("JC-Common", "", ""),
            )
        ],
        **kwargs,
    )


@dataclass
class Served:
    """A loopback server and the requests it received (headers, body)."""

    url: str
    seen: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Handshakes the client refuses are the point of some tests: no tracebacks on stderr."""


@contextlib.contextmanager
def serve(app: App, tls: ssl.SSLContext | None = None) -> Iterator[Served]:
    """An HTTP(S) server on 127.0.0.1 answering every POST with ``app``."""
    served = Served("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = dict(self.headers.items())
            served.seen.append((headers, body))
            status, content_type, answer = app(body, headers)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = _QuietServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        httpd.socket = tls.wrap_socket(httpd.socket, server_side=True, do_handshake_on_connect=False)
    scheme = "https" if tls else "http"
    served.url = f"{scheme}://127.0.0.1:{httpd.server_address[1]}/axl/"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        httpd.shutdown()
        httpd.server_close()


def lab(data: AxlData, tls: ssl.SSLContext | None = None) -> contextlib.AbstractContextManager[Served]:
    return serve(lambda body, headers: respond(body, headers, data), tls)


def canned(status: int, body: bytes, content_type: str = "text/xml; charset=utf-8") -> App:
    return lambda _body, _headers: (status, content_type, body)


def settings(url: str, **kwargs: Any) -> AxlSettings:
    return AxlSettings(url, USER, PASSWORD, **{"timeout": 5.0, "backoff": 0.01, **kwargs})


def failure(call: Callable[[], object]) -> AxlError:
    with pytest.raises(AxlError) as caught:
        call()
    assert PASSWORD not in str(caught.value)
    assert CREDENTIALS not in str(caught.value)
    assert "\n" not in str(caught.value)
    return caught.value


@functools.cache
def cisco_schema(version: str) -> Any:
    """Cisco's AXLSoap.xsd of ``version`` (skips when the shared material is absent)."""
    return etree.XMLSchema(etree.parse(str(shared(f"axl-schema/{version}/AXLSoap.xsd"))))


def body_element(message: bytes) -> Any:
    root = etree.fromstring(message, etree.XMLParser(resolve_entities=False, no_network=True))
    assert root.tag == f"{{{SOAP_ENV}}}Envelope"
    (element,) = root.find(f"{{{SOAP_ENV}}}Body")
    return element


def assert_valid(version: str, element: Any) -> None:
    schema = cisco_schema(version)
    document = etree.ElementTree(etree.fromstring(etree.tostring(element)))
    assert schema.validate(document), f"{etree.tostring(element)[:300]!r}: {schema.error_log}"


def envelope(version: str, operation: str, inner: str = "", sequence: str | None = None) -> bytes:
    attribute = f' sequence="{sequence}"' if sequence else ""
    return (
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:ns="http://www.cisco.com/AXL/API/{version}">'
        f"<soapenv:Body><ns:{operation}{attribute}>{inner}</ns:{operation}></soapenv:Body></soapenv:Envelope>"
    ).encode()


def authorized() -> dict[str, str]:
    return {"Authorization": f"Basic {CREDENTIALS}"}


# --- what goes on the wire, held to Cisco's schema ------------------------------------------------


def exercise(client: AxlClient) -> None:
    """Every operation the client has, successes and a fault."""
    client.ccm_version()
    client.process_nodes()
    client.sql("select name, tknodeusage from processnode")
    client.uc_services()
    client.service_profiles()
    if client.version != "8.5":
        client.uc_service("VM1")
        client.uc_service("JC-Common")
        client.service_profile("SP-Standard")
        with pytest.raises(AxlError):
            client.uc_service("no such service")


EVERY_OPERATION = {
    "getCCMVersion",
    "listProcessNode",
    "executeSQLQuery",
    "listUcService",
    "getUcService",
    "listServiceProfile",
    "getServiceProfile",
}


@pytest.mark.parametrize("version", axl.VERSIONS)
def test_every_request_validates_against_ciscos_schema(version: str) -> None:
    with lab(lab_data(CUCM[version])) as server:
        exercise(AxlClient(settings(server.url, version=version)))
    operations = set()
    for headers, body in server.seen:
        element = body_element(body)
        operation = etree.QName(element).localname
        operations.add(operation)
        assert etree.QName(element).namespace == f"http://www.cisco.com/AXL/API/{version}"
        assert headers["SOAPAction"] == f'"CUCM:DB ver={version} {operation}"'
        assert_valid(version, element)
    expected = {"getCCMVersion", "listProcessNode", "executeSQLQuery"}
    assert operations == (expected if version == "8.5" else EVERY_OPERATION)


def test_every_axl_version_confcheck_speaks_has_a_cisco_schema() -> None:
    """The 11 versions of ../shared/axl-schema, no fewer and no more."""
    folder = shared("axl-schema")
    cisco = sorted((p.name for p in folder.iterdir() if (p / "AXLSoap.xsd").is_file()), key=axl.major_minor)
    assert tuple(cisco) == axl.VERSIONS


def test_the_schema_check_has_teeth() -> None:
    """An empty ``<mac/>`` breaks Cisco's pattern for MAC addresses: the client never asks for it."""
    bad = envelope("9.1", "listProcessNode", "<searchCriteria/><returnedTags><mac/></returnedTags>")
    good = envelope("9.1", "listProcessNode", "<searchCriteria/><returnedTags><name/></returnedTags>")
    schema = cisco_schema("9.1")
    assert schema.validate(etree.ElementTree(etree.fromstring(etree.tostring(body_element(good)))))
    assert not schema.validate(etree.ElementTree(etree.fromstring(etree.tostring(body_element(bad)))))
    assert "Element 'mac': [facet 'pattern']" in str(schema.error_log)


def lab_requests(version: str) -> list[tuple[str, str]]:
    """Requests covering every answer shape: all tags, some tags, no match, by name and by uuid."""
    ten = axl.major_minor(version) >= (10, 0)
    node_tags = "<name/><description/><mac/><ipv6Name/><nodeUsage/>" + (
        "" if version == "8.5" else "<lbmHubGroup/>"
    )
    node_tags += "<processNodeRole/>" if ten else ""
    uc_tags = "<serviceType/><productType/><name/><description/><hostnameorip/><port/><protocol/>"
    requests = [
        ("getCCMVersion", ""),
        ("getCCMVersion", "<processNodeName>cucm1.example.com</processNodeName>"),
        (
            "listProcessNode",
            f"<searchCriteria><name>%</name></searchCriteria><returnedTags>{node_tags}</returnedTags>",
        ),
        (
            "listProcessNode",
            "<searchCriteria><name>cucm_.%</name></searchCriteria><returnedTags><name/></returnedTags>",
        ),
        (
            "listProcessNode",
            "<searchCriteria><name>none%</name></searchCriteria><returnedTags><name/></returnedTags>",
        ),
        ("executeSQLQuery", "<sql>select * from processnode</sql>"),
        ("executeSQLQuery", "<sql>select name, tknodeusage from processnode where systemnode = 'f'</sql>"),
        ("executeSQLQuery", "<sql>select name from processnode where nodeid = 99</sql>"),
    ]
    if ten:
        requests.append(
            (
                "listProcessNode",
                "<searchCriteria><processNodeRole>CUCM Voice/Video</processNodeRole></searchCriteria>"
                "<returnedTags><name/><nodeUsage/><processNodeRole/></returnedTags>",
            )
        )
    if version != "8.5":
        uuid = axl_uuid("VM1")
        requests += [
            (
                "listUcService",
                f"<searchCriteria><name>%</name></searchCriteria><returnedTags>{uc_tags}</returnedTags>",
            ),
            (
                "listUcService",
                "<searchCriteria><name>x%</name></searchCriteria><returnedTags><name/></returnedTags>",
            ),
            ("getUcService", "<name>VM1</name>"),
            ("getUcService", "<name>IMP</name>"),
            ("getUcService", "<name>JC-Common</name>"),
            (
                "getUcService",
                f"<uuid>{uuid}</uuid><returnedTags><name/><hostnameorip/><port/></returnedTags>",
            ),
            (
                "listServiceProfile",
                "<searchCriteria><name>%</name></searchCriteria>"
                "<returnedTags><name/><description/><isDefault/></returnedTags>",
            ),
            ("getServiceProfile", "<name>SP-Standard</name>"),
        ]
    return requests


def axl_uuid(name: str) -> str:
    """The uuid the lab gives the UC service ``name``, as listUcService reports it."""
    search = f"<searchCriteria><name>{name}</name></searchCriteria><returnedTags/>"
    status, _, answer = respond(envelope("9.1", "listUcService", search), authorized(), lab_data())
    assert status == 200
    return str(body_element(answer).find("return/ucService").get("uuid"))


SCHEMA_ORDER = ("name", "description", "mac", "ipv6Name", "nodeUsage", "lbmHubGroup", "processNodeRole")


@pytest.mark.parametrize("version", axl.VERSIONS)
def test_every_lab_answer_validates_against_ciscos_schema(version: str) -> None:
    data = lab_data(CUCM[version])
    shuffled: list[str] = []
    for operation, inner in lab_requests(version):
        status, content_type, answer = respond(envelope(version, operation, inner, "7"), authorized(), data)
        assert (status, content_type) == (200, "text/xml; charset=utf-8"), answer
        element = body_element(answer)
        assert etree.QName(element).localname == f"{operation}Response"
        assert element.get("sequence") == "7"
        nodes = list(element.iter("processNode"))
        if any([e.tag for e in n] != sorted((e.tag for e in n), key=SCHEMA_ORDER.index) for n in nodes):
            # 11.5's known defect, reproduced: out of the schema's order, valid once put back in it
            assert (version, operation) == ("11.5", "listProcessNode")
            shuffled.append(operation)
            assert not cisco_schema(version).validate(
                etree.ElementTree(etree.fromstring(etree.tostring(element)))
            )
            for node in nodes:
                node[:] = sorted(node, key=lambda e: SCHEMA_ORDER.index(e.tag))
        assert_valid(version, element)
    assert bool(shuffled) == (version == "11.5")


def test_only_axl_11_5_answers_process_nodes_out_of_order() -> None:
    tags = "<name/><description/><nodeUsage/>"
    inner = f"<searchCriteria><name>%</name></searchCriteria><returnedTags>{tags}</returnedTags>"
    orders = {}
    for version in ("11.0", "11.5", "12.0"):
        _, _, answer = respond(
            envelope(version, "listProcessNode", inner), authorized(), lab_data(CUCM["12.0"])
        )
        first = body_element(answer).find("return/processNode")
        orders[version] = [child.tag for child in first]
    assert orders["11.0"] == orders["12.0"] == ["name", "description", "nodeUsage"]
    assert orders["11.5"] == ["description", "name", "nodeUsage"]


@pytest.mark.parametrize(
    ("version", "operation", "inner", "code"),
    [
        ("9.1", "getUcService", "<name>nope</name>", 5007),
        ("9.1", "executeSQLQuery", "<sql>drop table processnode</sql>", -201),
        ("9.1", "executeSQLQuery", "<sql>select * from enduser</sql>", -206),
        ("9.1", "executeSQLQuery", "<sql>select secret from processnode</sql>", -217),
        ("9.1", "addPhone", "<phone/>", 5000),
        ("8.5", "listUcService", "<searchCriteria/><returnedTags/>", 5000),
        ("8.5", "getServiceProfile", "<name>SP-Standard</name>", 5000),
        ("14.0", "getServiceProfile", "<name>nope</name>", 5007),
    ],
)
def test_lab_faults_have_cucms_shape(version: str, operation: str, inner: str, code: int) -> None:
    status, content_type, answer = respond(
        envelope(version, operation, inner),
        authorized(),
        lab_data(CUCM["14.0" if version == "14.0" else "9.1"]),
    )
    assert (status, content_type) == (500, "text/xml; charset=utf-8")
    assert_fault(answer, code, operation)


def assert_fault(answer: bytes, code: int, operation: str) -> None:
    fault = body_element(answer)
    assert fault.tag == f"{{{SOAP_ENV}}}Fault"
    assert [child.tag for child in fault] == ["faultcode", "faultstring", "detail"]  # unqualified, in order
    prefix, _, local = fault.findtext("faultcode").partition(":")
    assert (fault.nsmap[prefix], local) == (SOAP_ENV, "Client")
    (axl_error,) = fault.find("detail")
    assert axl_error.tag == "axlError"
    assert [child.tag for child in axl_error] == ["axlcode", "axlmessage", "request"]
    assert int(axl_error.findtext("axlcode")) == code
    assert axl_error.findtext("axlmessage") == fault.findtext("faultstring")
    assert axl_error.findtext("request") == operation


# --- the lab on its own ------------------------------------------------------------------------------


def test_lab_refuses_bad_credentials_with_tomcats_page() -> None:
    request = envelope("9.1", "getCCMVersion")
    for headers in ({}, {"authorization": "Basic " + base64.b64encode(b"axladmin:wrong").decode()}):
        status, content_type, answer = respond(request, headers, lab_data())
        assert (status, content_type) == (401, "text/html; charset=utf-8")
        assert b"HTTP Status 401" in answer


def test_lab_answers_599_for_a_version_it_does_not_support() -> None:
    status, _, answer = respond(envelope("9.1", "getCCMVersion"), authorized(), lab_data(CUCM["8.5"]))
    assert status == 599
    assert b"Incorrect axl version. Supported axl versions are 7.x, 8.0 and 8.5" in answer
    assert b"Apache Tomcat" in answer  # releases before 12.5 answer with Tomcat's error report


def test_lab_599_page_of_cucm_15_has_the_captured_shape() -> None:
    """The page a CUCM 15 sent (Unhall0w3d/aletheiauc's tests), up to white space."""
    status, content_type, answer = respond(
        envelope("11.5", "getCCMVersion"), authorized(), lab_data(CUCM["15.0"])
    )
    assert (status, content_type) == (599, "text/html; charset=utf-8")
    captured = (
        '<!-- custom Cisco error page --><html><body><div id="content-header">HTTP Status 599 - Incorrect axl '
        "version. Supported axl versions are 12.x, 14.0 and 15.0</div><p><b>Message:</b> Incorrect axl version. "
        "Supported axl versions are 12.x, 14.0 and 15.0</p></body></html>"
    )
    assert answer.decode().replace("\n", "") == captured


@pytest.mark.parametrize(
    ("release", "accepted", "refused"),
    [
        ("8.6.2.20000-2", {"7.0", "7.1", "8.0", "8.5"}, {"9.0"}),  # Cisco's table: 8.6 speaks 8.5
        ("9.1.2.10000-28", {"7.1", "8.0", "8.5", "9.0", "9.1"}, {"7.0", "10.0"}),
        ("10.5.2.10000-5", {"8.0", "8.5", "9.0", "9.1", "10.0", "10.5"}, {"7.1", "11.0"}),
        ("11.5.1.12900-21", {"9.0", "9.1", "10.0", "10.5", "11.0", "11.5"}, {"8.5", "12.0"}),
        ("12.0.1.10000-10", {"10.0", "10.5", "11.0", "11.5", "12.0"}, {"9.1", "12.5"}),
        ("12.5.1.11900-146", {"10.0", "10.5", "11.0", "11.5", "12.0", "12.5"}, {"9.1", "14.0"}),
        ("14.0.1.11900-132", {"11.0", "11.5", "12.0", "12.5", "14.0"}, {"10.5", "15.0"}),
        ("15.0.1.10000-32", {"12.0", "12.5", "14.0", "15.0"}, {"11.5"}),
    ],
)
def test_lab_releases_accept_what_they_should(release: str, accepted: set[str], refused: set[str]) -> None:
    data = lab_data(release)
    for version in accepted | refused:
        status, _, _ = respond(envelope(version, "getCCMVersion"), authorized(), data)
        assert (status == 200) == (version in accepted), (release, version)


def test_lab_takes_the_version_from_soapaction_and_refuses_a_disagreeing_namespace() -> None:
    data = lab_data(CUCM["15.0"])
    agreeing = {**authorized(), "SOAPAction": '"CUCM:DB ver=15.0 getCCMVersion"'}
    disagreeing = {**authorized(), "SOAPAction": '"CUCM:DB ver=11.5 getCCMVersion"'}
    assert respond(envelope("15.0", "getCCMVersion"), agreeing, data)[0] == 200
    status, _, answer = respond(envelope("15.0", "getCCMVersion"), disagreeing, data)
    assert status == 500
    assert_fault(answer, 5000, "getCCMVersion")


def test_lab_refuses_unreadable_and_dtd_requests_without_expanding() -> None:
    dtd = b'<!DOCTYPE x [<!ENTITY e "EXPANDED">]>' + envelope("9.1", "executeSQLQuery", "<sql>&e;</sql>")
    for body in (b"<not xml", dtd, b"<a/>", b"x" * (2 * 1024 * 1024)):
        status, _, answer = respond(body, authorized(), lab_data())
        assert status == 500
        assert_fault(answer, 5000, "unknown")
        assert b"EXPANDED" not in answer


def test_lab_sql_selects_columns_and_filters() -> None:
    with lab(lab_data()) as server:
        client = AxlClient(settings(server.url, version="9.1"))
        rows = client.sql(
            "SELECT name, tknodeusage, systemnode FROM processnode WHERE systemnode = 'f' AND nodeid = 2"
        )
        everything = client.sql("select * from processnode")
    assert rows == [{"name": "cucm1.example.com", "tknodeusage": "0", "systemnode": "f"}]
    assert [row["name"] for row in everything] == ["EnterpriseWideData", "cucm1.example.com", "10.0.0.12"]
    assert everything[2]["description"] is None  # an empty column is None, not ""


# --- the client end to end -----------------------------------------------------------------------------


@pytest.mark.parametrize("version", axl.VERSIONS)
def test_happy_path(version: str) -> None:
    role = "CUCM Voice/Video" if axl.major_minor(version) >= (10, 0) else None
    with lab(lab_data(CUCM[version])) as server, AxlClient(settings(server.url, version=version)) as client:
        assert client.ccm_version() == CUCM[version]
        assert version_line(client.ccm_version()) == version
        assert client.version == version
        assert client.process_nodes() == [
            ProcessNode("cucm1.example.com", "Publisher", "CUCM publisher", role),
            ProcessNode("10.0.0.12", "Subscriber", None, role),
        ]
        before = len(server.seen)
        services = client.uc_services()
        profiles = client.service_profiles()
        if version == "8.5":
            assert services == []
            assert profiles == []
            assert len(server.seen) == before  # UcService does not exist in 8.5: nothing asked
        else:
            assert services == [
                UcService("Voicemail", "Unity Connection", "VM1", "cuc1.example.com", 443, "HTTPS"),
                UcService(
                    "IM and Presence", "Unified CM (IM and Presence)", "IMP", "imp1.example.com", None, None
                ),
                UcService(JABBER_CONFIG, "Jabber", "JC-Common", ""),
            ]
            assert client.uc_service("VM1") == services[0]
            assert profiles == [ServiceProfile("SP-Standard", "every user")]
        assert client.sql("select name from processnode where name = 'nothing'") == []


@pytest.mark.parametrize("version", ["9.0", "12.5", "15.0"])
def test_uc_services_of_every_type_and_service_profiles_with_their_parameters(version: str) -> None:
    """What the service-profile work needs: ucServiceXml parameters, and from 12.5 the Jabber config profiles."""
    with lab(lab_data(CUCM[version])) as server, AxlClient(settings(server.url, version=version)) as client:
        jabber = client.uc_service("JC-Common")
        profile = client.service_profile("SP-Standard")
    assert jabber.service_type == JABBER_CONFIG
    assert jabber.xml == (
        ("Voicemail/VoicemailPrimaryServer", "10.0.0.30"),
        ("Options/AdminConfiguredBot", "bot%40example.com"),
    )
    assert profile == ServiceProfile(
        "SP-Standard",
        "every user",
        True,
        (
            ServiceProfileEntry("Voicemail Profile", "VM1"),
            ServiceProfileEntry("IM and Presence Profile", "IMP", "IMP"),
        ),
        JabberConfiguration("JC-Common") if version != "9.0" else None,
    )


def canned_nodes(version: str, *nodes: str) -> bytes:
    """A listProcessNodeResponse holding the ``<processNode>`` elements given, as written."""
    return (
        f'<s:Envelope xmlns:s="{SOAP_ENV}"><s:Body>'
        f'<ns:listProcessNodeResponse xmlns:ns="http://www.cisco.com/AXL/API/{version}"><return>'
        + "".join(nodes)
        + "</return></ns:listProcessNodeResponse></s:Body></s:Envelope>"
    ).encode()


def test_answers_out_of_the_schemas_order_are_read_by_name() -> None:
    """Elements in reverse order (and one in no namespace we know) are still read; a strict schema reader refuses this."""
    answer = canned_nodes(
        "11.5",
        '<processNode uuid="{1}"><processNodeRole>CUCM Voice/Video</processNodeRole><nodeUsage>Publisher</nodeUsage>'
        "<description>pub</description><name>cucm1.example.com</name><unknownTag>x</unknownTag></processNode>",
        "<processNode><nodeUsage>Subscriber</nodeUsage><name>cucm2.example.com</name></processNode>",
    )
    with serve(canned(200, answer)) as server:
        nodes = AxlClient(settings(server.url, version="11.5")).process_nodes()
    assert nodes == [
        ProcessNode("cucm1.example.com", "Publisher", "pub", "CUCM Voice/Video"),
        ProcessNode("cucm2.example.com", "Subscriber"),
    ]


def test_the_lab_11_5_answers_out_of_order_and_the_client_reads_it_all() -> None:
    with lab(lab_data(CUCM["11.5"])) as server, AxlClient(settings(server.url, version="11.5")) as client:
        nodes = client.process_nodes()
    assert len(server.seen) == 1
    assert nodes == [
        ProcessNode("cucm1.example.com", "Publisher", "CUCM publisher", "CUCM Voice/Video"),
        ProcessNode("10.0.0.12", "Subscriber", None, "CUCM Voice/Video"),
    ]


def test_enterprise_wide_data_is_never_a_node_in_any_case() -> None:
    """A captured AXL 14.0 answer has the pseudo-node first, and names in the case they were typed (aletheiauc)."""
    answer = canned_nodes(
        "14.0",
        '<processNode uuid="{00000000-1111-0000-0000-000000000000}"><name>EnterpriseWideData</name>'
        "<description/><nodeUsage>Subscriber</nodeUsage></processNode>",
        "<processNode><name>enterprisewidedata</name><nodeUsage>Subscriber</nodeUsage></processNode>",
        '<processNode uuid="{00000000-1111-0000-0000-000000000000}"><name>renamed</name></processNode>',
        '<processNode uuid="{100425D0-8780-F699-9C0F-9BA20D7C8DB7}"><name>HS-UCM-SUB.Yorktown.org</name>'
        "<description>HS-UCM-SUB</description><nodeUsage>Subscriber</nodeUsage></processNode>",
        '<processNode uuid="{953D3FCA-EAB5-4B3C-928B-450C6884CE26}"><name>YT-CUCM-PUB.yorktown.org</name>'
        "<description>UCM-PUB</description><nodeUsage>Publisher</nodeUsage></processNode>",
    )
    with serve(canned(200, answer)) as server:
        nodes = AxlClient(settings(server.url, version="14.0")).process_nodes()
    assert [(n.name, n.is_publisher) for n in nodes] == [
        ("HS-UCM-SUB.Yorktown.org", False),
        ("YT-CUCM-PUB.yorktown.org", True),
    ]


def test_ciscos_own_wsdl_can_be_used_instead() -> None:
    wsdl = shared("axl-schema/9.1/AXLAPI.wsdl")
    with lab(lab_data()) as server, AxlClient(settings(server.url, version="9.1", wsdl=wsdl)) as client:
        assert client.ccm_version() == "9.1.2.10000-28"
        assert [n.name for n in client.process_nodes()] == ["cucm1.example.com", "10.0.0.12"]
        assert client.uc_services()[0] == UcService(
            "Voicemail", "Unity Connection", "VM1", "cuc1.example.com", 443, "HTTPS"
        )
        assert client.sql("select name from processnode where nodeid = 1") == [{"name": "EnterpriseWideData"}]


def test_a_missing_or_broken_user_wsdl_is_an_input_error(tmp_path: Path) -> None:
    broken = tmp_path / "AXLAPI.wsdl"
    broken.write_text("<definitions")
    for wsdl in (tmp_path / "missing.wsdl", broken):
        with pytest.raises(InputError, match="WSDL"):
            AxlClient(settings("https://cucm1.example.com:8443/axl/", wsdl=wsdl))


def test_the_wsdl_is_parsed_once_per_process() -> None:
    AxlClient(settings("https://cucm1.example.com:8443/axl/", version="9.0"))
    misses = axl._document.cache_info().misses
    for _ in range(20):
        AxlClient(settings("https://cucm1.example.com:8443/axl/", version="9.0"))
    assert axl._document.cache_info().misses == misses


def test_clients_asking_for_one_wsdl_at_once_share_one_parse(tmp_path: Path) -> None:
    """Collection reads clusters in threads: clients of two clusters of one release that start at the
    same moment wait for one parse of their WSDL instead of each parsing it."""
    for name in ("AXLAPI.wsdl", "AXLSoap.xsd"):
        (tmp_path / name).write_bytes((axl.WSDL_DIR / "12.5" / name).read_bytes())
    misses = axl._document.cache_info().misses
    start = threading.Barrier(6)

    def make() -> None:
        start.wait()
        AxlClient(settings("https://cucm1.example.com:8443/axl/", wsdl=tmp_path / "AXLAPI.wsdl"))

    threads = [threading.Thread(target=make) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert axl._document.cache_info().misses == misses + 1


def test_401_is_auth() -> None:
    with lab(lab_data()) as server:
        client = AxlClient(AxlSettings(server.url, USER, "wrong"))
        error = failure(client.ccm_version)
    assert error.kind == "auth"
    assert error.exit_code == 3
    assert str(error) == (
        f"AXL {server.url}: HTTP 401: user 'axladmin' was refused "
        "(check the password and that the user has the Standard AXL API Access role)"
    )


def test_503_is_retried_with_backoff() -> None:
    data = lab_data(throttle=2)
    with lab(data) as server:
        assert AxlClient(settings(server.url, retries=2)).ccm_version() == "9.1.2.10000-28"
    assert len(server.seen) == 3


def test_503_until_retries_run_out_is_throttled() -> None:
    with lab(lab_data(throttle=100)) as server:
        error = failure(AxlClient(settings(server.url, retries=2)).process_nodes)
    assert error.kind == "throttled"
    assert "listProcessNode: HTTP 503 3 times" in str(error)
    assert len(server.seen) == 3


def test_599_with_no_version_in_common_lists_both_sides() -> None:
    with lab(lab_data(CUCM["8.5"], supported_versions=("7.0", "8.0"))) as server:
        error = failure(AxlClient(settings(server.url, version="9.1")).ccm_version)
    assert error.kind == "version"
    assert error.supported == ("7.0", "8.0")
    assert str(error).endswith(
        "HTTP 599: no AXL version in common: the server accepts 7.0 and 8.0, confcheck speaks "
        "8.5, 9.0, 9.1, 10.0, 10.5, 11.0, 11.5, 12.0, 12.5, 14.0 and 15.0"
    )
    assert len(server.seen) == 1


def test_soap_fault_is_fault_with_the_axlcode() -> None:
    with lab(lab_data()) as server:
        client = AxlClient(settings(server.url, version="9.1"))
        missing = failure(lambda: client.uc_service("nope"))
        syntax = failure(lambda: client.sql("delete from processnode"))
    assert (missing.kind, missing.axlcode) == ("fault", 5007)
    assert str(missing).endswith(
        "getUcService: AXL fault 5007: Item not valid: The specified UC Service was not found"
    )
    assert (syntax.kind, syntax.axlcode) == ("fault", -201)


def test_a_fault_without_axl_detail_is_still_a_fault() -> None:
    body = (
        f'<s:Envelope xmlns:s="{SOAP_ENV}"><s:Body><s:Fault><faultcode>s:Server</faultcode>'
        "<faultstring>Internal error</faultstring></s:Fault></s:Body></s:Envelope>"
    ).encode()
    with serve(canned(500, body)) as server:
        error = failure(AxlClient(settings(server.url)).ccm_version)
    assert (error.kind, error.axlcode) == ("fault", None)
    assert str(error).endswith("getCCMVersion: SOAP fault s:Server: Internal error")


@pytest.mark.parametrize(
    ("status", "body", "kind", "says"),
    [
        (404, b"<html><body>Not Found</body></html>", "http", "getCCMVersion: HTTP 404 Not Found"),
        (302, b"", "http", "HTTP 302"),
        (200, b"<html><body>Login</body></html>", "protocol", "not a SOAP envelope"),
        (200, b"\x00\x01 not xml", "protocol", "not a SOAP envelope"),
        (
            200,
            f'<s:Envelope xmlns:s="{SOAP_ENV}"><s:Body><x/></s:Body></s:Envelope>'.encode(),
            "protocol",
            "getCCMVersion: the SOAP body holds <x>, not getCCMVersionResponse",
        ),
        (
            200,
            f'<s:Envelope xmlns:s="{SOAP_ENV}"><s:Body></s:Body></s:Envelope>'.encode(),
            "protocol",
            "the SOAP body holds nothing",
        ),
        (
            200,
            f'<s:Envelope xmlns:s="{SOAP_ENV}"><s:Body><ns:getCCMVersionResponse xmlns:ns="{AXL85}">'
            "<return><bogus/></return></ns:getCCMVersionResponse></s:Body></s:Envelope>".encode(),
            "protocol",
            "getCCMVersion: the answer holds no version",
        ),
    ],
)
def test_other_answers(status: int, body: bytes, kind: str, says: str) -> None:
    with serve(canned(status, body)) as server:
        error = failure(AxlClient(settings(server.url)).ccm_version)
    assert error.kind == kind
    assert says in str(error)


def test_an_oversized_answer_is_refused() -> None:
    data = lab_data()
    data.process_nodes += [AxlProcessNode(f"node{i}.example.com") for i in range(200)]
    with lab(data) as server:
        error = failure(AxlClient(settings(server.url, max_response=4096)).process_nodes)
    assert error.kind == "protocol"
    assert "larger than 4096 bytes" in str(error)


def test_connection_refused_is_connect() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = failure(AxlClient(settings(f"http://127.0.0.1:{port}/axl/")).ccm_version)
    assert error.kind == "connect"
    assert str(error) == f"AXL http://127.0.0.1:{port}/axl/: cannot connect (connection refused)"


def test_a_silent_server_is_timeout() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # the kernel accepts; nobody ever answers
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/axl/"
        error = failure(AxlClient(settings(url, timeout=0.3)).ccm_version)
    assert error.kind == "timeout"
    assert str(error).endswith("getCCMVersion: no answer within 0.3 s")


ENTITY = '<!DOCTYPE s:Envelope [<!ENTITY x "EXPANDED-ENTITY">]>'
SECRET_FILE = '<!DOCTYPE s:Envelope [<!ENTITY x SYSTEM "file://{path}">]>'
LAUGHS = (
    '<!DOCTYPE s:Envelope [<!ENTITY a "EXPANDED-ENTITY"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY x "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
)


@pytest.mark.parametrize("doctype", [ENTITY, SECRET_FILE, LAUGHS])
@pytest.mark.parametrize("status", [200, 500])
def test_dtds_and_entities_in_answers_are_refused_not_expanded(
    doctype: str, status: int, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("EXPANDED-FILE")
    inner = (
        '<ns:getCCMVersionResponse xmlns:ns="http://www.cisco.com/AXL/API/8.5"><return><componentVersion>'
        "<version>&x;</version></componentVersion></return></ns:getCCMVersionResponse>"
        if status == 200
        else "<s:Fault><faultcode>s:Client</faultcode><faultstring>&x;</faultstring><detail><axlError>"
        "<axlcode>1</axlcode><axlmessage>&x;</axlmessage></axlError></detail></s:Fault>"
    )
    body = (
        f'{doctype.format(path=secret)}<s:Envelope xmlns:s="{SOAP_ENV}"><s:Body>{inner}</s:Body></s:Envelope>'
    )
    with serve(canned(status, body.encode())) as server:
        error = failure(AxlClient(settings(server.url)).ccm_version)
    assert error.kind == "protocol"
    assert "declares a DTD" in str(error)
    assert "EXPANDED" not in str(error)


def test_the_password_never_shows(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        refused = f"http://127.0.0.1:{probe.getsockname()[1]}/axl/"
    data = lab_data(throttle=1, supported_versions=("9.1",))
    with lab(data) as server, lab(lab_data(supported_versions=("7.1",))) as old:
        client = AxlClient(settings(server.url, version="9.1", retries=1))
        client.ccm_version()  # after one 503
        client.uc_services()
        AxlClient(settings(server.url, version="8.5")).ccm_version()  # after one 599 (negotiated)
        errors = [
            failure(AxlClient(AxlSettings(server.url, USER, PASSWORD + "x")).ccm_version),
            failure(lambda: client.uc_service("nope")),
            failure(lambda: client.sql("bad")),
            failure(AxlClient(settings(old.url, version="8.5")).ccm_version),
            failure(AxlClient(settings(refused)).ccm_version),
        ]
        data.throttle = 10
        errors.append(failure(AxlClient(settings(server.url, version="9.1", retries=1)).ccm_version))
    assert [e.kind for e in errors] == ["auth", "fault", "fault", "version", "connect", "throttled"]
    with pytest.raises(ValueError, match="credentials") as bad_url:
        AxlSettings(f"https://{USER}:{PASSWORD}@cucm1/axl/", USER, PASSWORD)
    texts = [str(bad_url.value), repr(client.settings), repr(AxlData(password=PASSWORD))]
    texts += [repr(e) for e in errors]
    assert "HTTP 503" in caplog.text  # debug logging did happen
    assert "retrying once in AXL 9.1" in caplog.text
    for text in [caplog.text, *texts]:
        assert PASSWORD not in text
        assert CREDENTIALS not in text


def test_version_lines() -> None:
    """The newest version confcheck ships that the release has."""
    lines = {
        "7.1.5.10000-12": "8.5",
        "8.6.2.20000-2": "8.5",
        "8.6(2a)": "8.5",
        "9.0.1.10000-37": "9.0",
        "9.1.2.10000-28": "9.1",
        "10.0.1.10000-24": "10.0",
        "10.5.2.10000-5": "10.5",
        "11.0.1.10000-10": "11.0",
        "11.5.1.12900-21": "11.5",
        "12.0.1.10000-10": "12.0",
        "12.5.1.11900-146": "12.5",
        "14.0.1.12900-161": "14.0",
        "14": "14.0",
        "15.0.1.10000-32": "15.0",
        "16.0.1.10000-1": "15.0",
    }
    assert {full: version_line(full) for full in lines} == lines
    with pytest.raises(ValueError, match="not a CUCM version"):
        version_line("unknown")


@pytest.mark.parametrize(
    ("url", "kwargs", "says"),
    [
        ("ftp://cucm1/axl/", {}, "expected https://host:8443/axl/"),
        ("https://cucm1:8443/axl/", {"version": "13.0"}, "expected one of 8.5, 9.0, 9.1, 10.0, 10.5,"),
        ("https://cucm1:8443/axl/", {"retries": -1}, "not negative"),
        ("https://cucm1:8443/axl/", {"deadline": 0}, "deadline must be positive"),
    ],
)
def test_settings_are_checked(url: str, kwargs: dict[str, Any], says: str) -> None:
    with pytest.raises(ValueError, match=says):
        AxlSettings(url, USER, PASSWORD, **kwargs)


# --- TLS ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tls:
    context: ssl.SSLContext
    ca_bundle: Path
    fingerprint: str


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    """A CA-signed certificate for 127.0.0.1 and cucm1.example.com, its CA bundle and its SHA-256."""
    directory = tmp_path_factory.mktemp("axl-tls")
    ca = pki.ca("confcheck AXL test CA")
    leaf = pki.server("cucm1.example.com", dns=["cucm1.example.com"], ips=["127.0.0.1"], issuer=ca)
    (directory / "leaf.pem").write_text(leaf.pem)
    (directory / "leaf.key").write_text(leaf.key_pem)
    (directory / "ca.pem").write_text(ca.pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(directory / "leaf.pem", directory / "leaf.key")
    digest = hashlib.sha256(leaf.cert.public_bytes(Encoding.DER)).hexdigest()
    return Tls(context, directory / "ca.pem", ":".join(digest[i : i + 2] for i in range(0, 64, 2)).upper())


@pytest.mark.parametrize(
    "policy",
    ["ca_bundle", "fingerprint", "bare fingerprint", "insecure", "server name"],
)
def test_https_trusted(tls: Tls, policy: str) -> None:
    chosen = {
        "ca_bundle": TlsPolicy(ca_bundle=tls.ca_bundle),
        "fingerprint": TlsPolicy(fingerprint=tls.fingerprint),
        "bare fingerprint": TlsPolicy(fingerprint=tls.fingerprint.replace(":", "").lower()),
        "insecure": TlsPolicy(insecure=True),
        "server name": TlsPolicy(ca_bundle=tls.ca_bundle),
    }[policy]
    name = "cucm1.example.com" if policy == "server name" else None
    with lab(lab_data(), tls.context) as server:
        client = AxlClient(settings(server.url, tls=chosen, server_name=name))
        assert client.ccm_version() == "9.1.2.10000-28"


def test_https_fingerprint_mismatch_is_tls(tls: Tls) -> None:
    with lab(lab_data(), tls.context) as server:
        error = failure(AxlClient(settings(server.url, tls=TlsPolicy(fingerprint="ab" * 32))).ccm_version)
    assert error.kind == "tls"
    digest = tls.fingerprint.replace(":", "").lower()
    assert str(error) == (
        f"AXL {server.url}: TLS: the certificate does not match the pinned SHA-256 fingerprint (it presented {digest})"
    )
    assert server.seen == []  # nothing, credentials least of all, went to an unverified server


def test_https_unverifiable_certificate_is_tls(tls: Tls) -> None:
    with lab(lab_data(), tls.context) as server:
        untrusted = failure(AxlClient(settings(server.url)).ccm_version)
        wrong_name = failure(
            AxlClient(
                settings(server.url, tls=TlsPolicy(ca_bundle=tls.ca_bundle), server_name="cucm2.example.com")
            ).ccm_version
        )
    assert untrusted.kind == wrong_name.kind == "tls"
    assert (
        "certificate verification failed (unable to get local issuer certificate) against the system trust store"
        in str(untrusted)
    )
    assert "certificate verification failed (hostname 'cucm2.example.com' doesn't match" in str(wrong_name)
    assert server.seen == []
