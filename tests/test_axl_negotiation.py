"""AXL version negotiation, UDS and deadlines, against the lab's CUCM and misbehaving servers on 127.0.0.1.

A CUCM 12.5, 14 or 15 refuses the AXL versions of 8.x and 9.x with HTTP 599 and the list of what it
accepts; confcheck must learn the release first (UDS, no credentials), speak the best version both
sides have, retry at most once, and remember the outcome for the cluster. Every exchange, UDS's
included, ends by its deadline however slowly the server drips its answer.
"""

from __future__ import annotations

import base64
import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import Run
from helpers import shared

from confcheck import collect, lint, pki, plugin_manager
from confcheck.collect_context import CollectContext
from confcheck.config import ClusterConfig, Inventory
from confcheck.lab.axl import AxlData, AxlProcessNode, respond, uds
from confcheck.plugins import _cucm
from confcheck.transport import axl
from confcheck.transport.axl import AxlClient, AxlError, AxlSettings, Negotiation
from confcheck.transport.axl import uds as uds_client
from confcheck.transport.axl.versions import best_common, expand, step_back, supported_versions
from confcheck.transport.https import TlsPolicy

USER = "axladmin"
PASSWORD = "N3gotiate-but-never-show"
CREDENTIALS = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
CUCM14 = "14.0.1.11900-132"
CAPTURED_599 = (
    b'<!-- custom Cisco error page --><html>\n<body>\n<div id="content-header">\n'
    b"HTTP Status 599 - Incorrect axl version. Supported axl versions are 12.x, 14.0 and 15.0\n</div>\n"
    b"<p><b>Message:</b> Incorrect axl version. Supported axl versions are 12.x, 14.0 and 15.0</p>\n"
    b"</body>\n</html>"
)
"""A CUCM 15's 599 page as Unhall0w3d/aletheiauc's tests hold it."""


def cucm(version: str = CUCM14, **kwargs: Any) -> AxlData:
    """A lab CUCM of ``version`` with a publisher and a subscriber (names in mixed case, as typed)."""
    return AxlData(
        version=version,
        username=USER,
        password=PASSWORD,
        process_nodes=[
            AxlProcessNode("CUCM1.example.com", "Publisher"),
            AxlProcessNode("cucm2.example.com", "Subscriber"),
            AxlProcessNode("imp1.example.com", "Subscriber", role="CUCM IM and Presence"),
        ],
        **kwargs,
    )


@dataclass
class Seen:
    """One request a server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def soapaction(self) -> str:
        return self.headers.get("SOAPAction", "")


@dataclass
class Server:
    """A loopback HTTP(S) server playing a lab CUCM: UDS on GET, AXL on POST."""

    url: str
    port: int
    seen: list[Seen] = field(default_factory=list)

    @property
    def axl(self) -> str:
        return f"{self.url}/axl/"

    def posts(self) -> list[Seen]:
        return [s for s in self.seen if s.method == "POST"]

    def gets(self) -> list[Seen]:
        return [s for s in self.seen if s.method == "GET"]


class _Quiet(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


Handler = Callable[[str, str, dict[str, str], bytes], tuple[int, str, bytes]]


def lab_handler(data: AxlData, uds_status: int | None = None) -> Handler:
    """The lab's CUCM: ``uds_status`` replaces UDS's answer with a bare status (e.g. 404)."""

    def handle(method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, str, bytes]:
        if method == "GET":
            if uds_status is not None:
                return uds_status, "text/html", b"<html>nope</html>"
            return uds(path, headers.get("Host", ""), data)
        return respond(body, headers, data)

    return handle


@contextlib.contextmanager
def serve(handle: Handler, tls: ssl.SSLContext | None = None) -> Iterator[Server]:
    server = Server("", 0)

    class RequestHandler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
            headers = dict(self.headers.items())
            server.seen.append(Seen(self.command, self.path, headers, body))
            status, content_type, answer = handle(self.command, self.path, headers, body)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        do_GET = do_POST = _any

        def log_message(self, *args: Any) -> None:
            pass

    httpd = _Quiet(("127.0.0.1", 0), RequestHandler)
    if tls is not None:
        httpd.socket = tls.wrap_socket(httpd.socket, server_side=True, do_handshake_on_connect=False)
    server.port = int(httpd.server_address[1])
    server.url = f"{'https' if tls else 'http'}://127.0.0.1:{server.port}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def tls_context(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    directory = tmp_path_factory.mktemp("negotiation-tls")
    leaf = pki.server("cucm1.example.com", dns=["cucm1.example.com"], ips=["127.0.0.1"])
    (directory / "leaf.pem").write_text(leaf.pem)
    (directory / "leaf.key").write_text(leaf.key_pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(directory / "leaf.pem", directory / "leaf.key")
    return context


def client(url: str, version: str = "8.5", **kwargs: Any) -> AxlClient:
    fields = {"timeout": 5.0, "backoff": 0.01, "version": version, **kwargs}
    return AxlClient(AxlSettings(url, USER, PASSWORD, **fields))


def versions_spoken(server: Server) -> list[str]:
    """The ``ver=`` of each AXL request, in order."""
    return [s.soapaction.split("ver=")[1].split()[0] for s in server.posts()]


def failure(call: Callable[[], object]) -> AxlError:
    with pytest.raises(AxlError) as caught:
        call()
    assert PASSWORD not in str(caught.value)
    assert "\n" not in str(caught.value)
    return caught.value


# --- reading the 599 page --------------------------------------------------------------------------


def test_the_captured_599_page_lists_12_x_14_and_15() -> None:
    assert supported_versions(CAPTURED_599) == ("12.x", "14.0", "15.0")
    assert expand(("12.x", "14.0", "15.0")) == {"12.0", "12.5", "14.0", "15.0"}
    assert best_common(axl.VERSIONS, ("12.x", "14.0", "15.0")) == "15.0"
    assert best_common(axl.VERSIONS[:9], ("12.x", "14.0", "15.0")) == "12.5"  # confcheck without 14 and 15
    assert best_common(axl.VERSIONS, ("7.0", "7.1")) is None


@pytest.mark.parametrize(
    ("page", "listed"),
    [
        (
            b"<h1>HTTP Status 599 - Incorrect axl version. Supported axl versions are 7.0, 8.5 and 9.1</h1>",
            ("7.0", "8.5", "9.1"),
        ),
        (b"Supported axl versions are 11.x,12.x and 14", ("11.x", "12.x", "14")),
        (b"SUPPORTED AXL VERSIONS ARE 12.X", ("12.x",)),
        (b"<html>Incorrect axl version.</html>", ()),
        (b"\xff\xfe garbage", ()),
    ],
)
def test_599_pages_in_other_shapes(page: bytes, listed: tuple[str, ...]) -> None:
    assert supported_versions(page) == listed


def test_step_back_is_the_newest_version_of_the_major_before() -> None:
    assert [step_back(v) for v in ("15.0", "14.0", "12.5", "10.0", "9.1", "8.5")] == [
        "14.0",
        "12.5",
        "11.5",
        "9.1",
        "8.5",
        None,
    ]


# --- the client negotiates -----------------------------------------------------------------------------


def test_a_cucm_15_refusing_8_5_is_answered_in_15_after_one_retry() -> None:
    with serve(lab_handler(cucm("15.0.1.10000-32"))) as server, client(server.axl, "8.5") as axl_client:
        assert axl_client.ccm_version() == "15.0.1.10000-32"
        assert axl_client.version == "15.0"
        axl_client.process_nodes()
        axl_client.uc_services()
    assert versions_spoken(server) == ["8.5", "15.0", "15.0", "15.0"]
    assert axl_client.negotiation.refused == ["8.5"]


def test_a_cucm_14_asked_in_a_version_newer_than_it_knows_moves_to_14() -> None:
    with serve(lab_handler(cucm())) as server, client(server.axl, "15.0") as axl_client:
        names = [n.name for n in axl_client.process_nodes()]
    assert names == ["CUCM1.example.com", "cucm2.example.com", "imp1.example.com"]
    assert versions_spoken(server) == ["15.0", "14.0"]


def test_a_blind_8_5_call_to_a_9_1_server_moves_up_once_the_release_is_known() -> None:
    """8.5 works on 9.1, but 9.1 is what the release has: speak it from the next call on."""
    with serve(lab_handler(cucm("9.1.2.10000-28"))) as server, client(server.axl, "8.5") as axl_client:
        axl_client.ccm_version()
        axl_client.uc_services()
    assert versions_spoken(server) == ["8.5", "9.1"]


def test_a_version_the_server_listed_is_not_traded_for_confcheck_s_model_of_the_release() -> None:
    """A CUCM 14 that lists only 12.x: after the retry, learning "14.0.1" must not move the client to 14.0."""
    data = cucm(supported_versions=("12.0", "12.5"))
    with serve(lab_handler(data)) as server, client(server.axl, "8.5") as axl_client:
        assert axl_client.ccm_version() == CUCM14
        axl_client.process_nodes()
    assert versions_spoken(server) == ["8.5", "12.5", "12.5"]


def test_an_unreadable_599_page_gets_one_retry_a_major_back() -> None:
    data = cucm("12.5.1.11900-146", unlisted_599=True)
    with serve(lab_handler(data)) as server, client(server.axl, "14.0") as axl_client:
        assert axl_client.ccm_version() == "12.5.1.11900-146"
    assert versions_spoken(server) == ["14.0", "12.5"]


def test_an_unreadable_599_page_twice_is_a_version_error_after_two_requests() -> None:
    with serve(lab_handler(cucm("11.5.1.12900-21", unlisted_599=True))) as server:
        error = failure(client(server.axl, "14.0").ccm_version)
    assert error.kind == "version"
    assert versions_spoken(server) == ["14.0", "12.5"]
    assert str(error).endswith(
        "HTTP 599: the server refused AXL 14.0 and 12.5; supported axl versions are not listed; "
        "confcheck speaks 8.5, 9.0, 9.1, 10.0, 10.5, 11.0, 11.5, 12.0, 12.5, 14.0 and 15.0"
    )
    assert error.exit_code == 3


def test_an_unreadable_599_for_the_oldest_version_is_not_retried() -> None:
    with serve(lab_handler(cucm(unlisted_599=True))) as server:
        error = failure(client(server.axl, "8.5").ccm_version)
    assert error.kind == "version"
    assert len(server.posts()) == 1


def test_a_599_after_the_retry_is_not_retried_again() -> None:
    """The server lists 14.0, then refuses it too: two requests, never a third."""
    data = cucm(supported_versions=("12.x", "14.0"))

    def fickle(method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, str, bytes]:
        data.supported_versions = ("12.x", "14.0") if b"API/8.5" in body else ("12.0",)
        return respond(body, headers, data)

    with serve(fickle) as server:
        error = failure(client(server.axl, "8.5").ccm_version)
    assert versions_spoken(server) == ["8.5", "14.0"]
    assert "the server refused AXL 8.5 and 14.0; supported axl versions are 12.0" in str(error)


def test_a_version_that_worked_is_kept_a_later_599_is_an_error() -> None:
    data = cucm()
    with serve(lab_handler(data)) as server, client(server.axl, "14.0") as axl_client:
        axl_client.ccm_version()
        data.supported_versions = ("12.x",)  # an upgrade mid-run, say
        error = failure(axl_client.process_nodes)
    assert error.kind == "version"
    assert versions_spoken(server) == ["14.0", "14.0"]


def test_a_users_own_wsdl_never_switches_version() -> None:
    wsdl = shared("axl-schema/9.1/AXLAPI.wsdl")
    with serve(lab_handler(cucm())) as server:
        error = failure(client(server.axl, "9.1", wsdl=wsdl).ccm_version)
    assert error.kind == "version"
    assert error.supported == ("11.x", "12.x", "14.0")
    assert len(server.posts()) == 1


def test_the_negotiation_is_shared_by_the_clients_of_a_cluster() -> None:
    negotiation = Negotiation.start(None)
    with serve(lab_handler(cucm())) as server:
        settings = AxlSettings(server.axl, USER, PASSWORD, version=negotiation.version)
        with AxlClient(settings, negotiation) as first:
            first.ccm_version()
        with AxlClient(settings, negotiation) as second:
            second.process_nodes()
    assert versions_spoken(server) == ["8.5", "14.0", "14.0"]
    assert (negotiation.version, negotiation.settled, negotiation.retried) == ("14.0", True, True)


# --- UDS -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "version"),
    [
        (  # Cisco's UDS developer guide, 11.5(1)
            b'<?xml version="1.0" encoding="UTF-8"?> <versionInformation uri= "https://{host}/cucm-uds/version" '
            b'version= "10.0.0" > <version> 11.5.1 </version> <capabilities> <usersResourceAuthEnabled> true '
            b"</usersResourceAuthEnabled> </capabilities> </versionInformation>",
            "11.5.1",
        ),
        (b'<versionInformation version="14.0.1.11900-132" uri="x"/>', "14.0.1.11900-132"),
        (b'<versionInformation version="10.0.0"><version>15.0.1</version></versionInformation>', "15.0.1"),
        (b"<versionInformation><version>unknown</version></versionInformation>", None),
        (b"<html><body>Not Found</body></html>", None),
        (
            b'<!DOCTYPE x [<!ENTITY e "14.0.1">]><versionInformation><version>&e;</version></versionInformation>',
            None,
        ),
        (b"\x00 not xml", None),
    ],
)
def test_uds_version_answers(answer: bytes, version: str | None) -> None:
    assert uds_client.parse(answer) == version


def test_the_lab_serves_uds_from_10_0_as_cisco_documents_it() -> None:
    old = uds("/cucm-uds/version", "cucm1:8443", cucm("9.1.2.10000-28"))
    ten = uds("/cucm-uds/version", "cucm1:8443", cucm("10.5.2.10000-5"))
    fourteen = uds("/cucm-uds/version", "cucm1:8443", cucm())
    servers = uds("/cucm-uds/servers", "cucm1:8443", cucm())
    assert old[0] == 404
    assert ten == (
        200,
        "application/xml",
        b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        b'<versionInformation uri="https://cucm1:8443/cucm-uds/version" version="10.0.0">'
        b"<version>10.5.2</version></versionInformation>",
    )
    assert b"<capabilities><usersResourceAuthEnabled>false</usersResourceAuthEnabled>" in fourteen[2]
    assert uds_client.parse(fourteen[2]) == "14.0.1"
    assert servers[2].endswith(
        b'<servers uri="https://cucm1:8443/cucm-uds/servers" version="14.0">'
        b"<server>CUCM1.example.com</server><server>cucm2.example.com</server></servers>"
    )  # IM and Presence nodes are in System > Server, but UDS runs on CUCM nodes only
    assert uds("/cucm-uds/users", "cucm1:8443", cucm())[0] == 404


def test_the_uds_get_never_carries_credentials(tls_context: ssl.SSLContext) -> None:
    with serve(lab_handler(cucm()), tls_context) as server:
        found = uds_client.ccm_version(f"{server.url}/cucm-uds/version", TlsPolicy(insecure=True))
    assert found == "14.0.1"
    [get] = server.gets()
    assert "Authorization" not in get.headers
    assert not any(CREDENTIALS in v or PASSWORD in v for v in get.headers.values())


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (302, b""),
        (404, b"<html/>"),
        (200, b"<versionInformation>" + b"<x/>" * 40000 + b"</versionInformation>"),
    ],
)
def test_uds_that_does_not_answer_usefully_is_none(status: int, body: bytes) -> None:
    def handle(method: str, path: str, headers: dict[str, str], request: bytes) -> tuple[int, str, bytes]:
        return status, "application/xml", body

    with serve(handle) as server:
        assert uds_client.ccm_version(f"{server.url}/cucm-uds/version", TlsPolicy()) is None
    assert len(server.seen) == 1  # a redirect is not followed


# --- the collect context remembers the negotiation per cluster -------------------------------------------


def inventory(port: int, version: str | None = None, timeout: float = 2.0) -> Inventory:
    cluster = ClusterConfig(
        name="hq-cucm",
        product="cucm",
        publisher="127.0.0.1",
        version=version,
        username=USER,
        password=PASSWORD,
        tls=TlsPolicy(insecure=True),
        axl_port=port,
        tomcat_port=port,
    )
    return Inventory(path=Path("confcheck.toml"), clusters=(cluster,), timeout=timeout)


def collect_cluster(server: Server, version: str | None = None) -> tuple[str, list[str]]:
    """Detect (unless ``version``) and collect the cluster as collection does: version, node names."""
    context = CollectContext(inventory(server.port, version))
    cluster = context.inventory.clusters[0]
    detected = version or _cucm.detect_version(cluster, context)
    assert detected is not None
    plan = _cucm.collect(replace(cluster, version=detected), context, "cucm9")
    return detected, [n.name for n in plan.nodes]


def test_a_cucm_14_is_learned_from_uds_and_spoken_to_in_14(tls_context: ssl.SSLContext) -> None:
    with serve(lab_handler(cucm()), tls_context) as server:
        version, nodes = collect_cluster(server)
    assert version == CUCM14
    assert nodes == ["CUCM1.example.com", "cucm2.example.com", "imp1.example.com"]
    assert [s.path for s in server.gets()] == ["/cucm-uds/version"]
    assert versions_spoken(server) == [
        "14.0",
        "14.0",
        "14.0",
    ]  # getCCMVersion, listProcessNode, listUcService
    assert "Authorization" not in server.gets()[0].headers
    assert all(s.headers["Authorization"] == f"Basic {CREDENTIALS}" for s in server.posts())


def test_without_uds_one_599_per_cluster_is_all_it_costs(tls_context: ssl.SSLContext) -> None:
    with serve(lab_handler(cucm(), uds_status=404), tls_context) as server:
        version, nodes = collect_cluster(server)
    assert version == CUCM14
    assert len(nodes) == 3
    assert versions_spoken(server) == ["8.5", "14.0", "14.0", "14.0"]


def test_a_configured_version_is_trusted_first_and_corrected_by_the_599(tls_context: ssl.SSLContext) -> None:
    with serve(lab_handler(cucm()), tls_context) as server:
        _, nodes = collect_cluster(server, version="9.1.2.10000-28")
    assert server.gets() == []  # the inventory said which release: no UDS
    assert versions_spoken(server) == ["9.1", "14.0", "14.0"]
    assert len(nodes) == 3


def test_a_cluster_whose_599_pages_say_nothing_is_cc203_after_two_requests(
    tls_context: ssl.SSLContext,
) -> None:
    with serve(lab_handler(cucm("11.5.1.12900-21", unlisted_599=True)), tls_context) as server:
        deployment = collect.collect(inventory(server.port, version=CUCM14))
    assert versions_spoken(server) == ["14.0", "12.5"]
    [problem] = deployment.problems
    assert (problem.kind, problem.cluster) == ("version", "hq-cucm")
    assert "the server refused AXL 14.0 and 12.5; supported axl versions are not listed" in problem.message
    result = lint.lint(deployment, plugin_manager.catalog(), plugin_manager.rules())
    assert "CC203" in [f.rule for f in result.findings]
    assert result.incomplete


# --- deadlines ---------------------------------------------------------------------------------------------


ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 300\r\n\r\n"
    + b"<s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/'><s:Body>"
    + b" " * 300
)


@contextlib.contextmanager
def dripping(
    payload: bytes, interval: float, tls: ssl.SSLContext | None = None, after_headers: int = 0
) -> Iterator[int]:
    """A server that reads a request, then sends ``payload`` one byte every ``interval`` seconds
    (the first ``after_headers`` bytes at once). Yields its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    stop = threading.Event()

    def one(conn: socket.socket) -> None:
        with contextlib.suppress(OSError, ssl.SSLError):
            if tls is not None:
                conn = tls.wrap_socket(conn, server_side=True)
            received = b""
            while b"\r\n\r\n" not in received:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                received += chunk
            conn.sendall(payload[:after_headers])
            for byte in payload[after_headers:]:
                if stop.is_set():
                    return
                conn.sendall(bytes([byte]))
                time.sleep(interval)
        conn.close()

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=one, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        listener.close()


@contextlib.contextmanager
def drip_proxy(upstream: int, interval: float) -> Iterator[int]:
    """Forwards to 127.0.0.1:``upstream``, sending the upstream's bytes back one every ``interval``
    seconds: a TLS handshake through it drips."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)

    def pipe(source: socket.socket, target: socket.socket, slow: bool) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(4096):
                for index in range(len(data)) if slow else [None]:
                    target.sendall(data if index is None else data[index : index + 1])
                    if slow:
                        time.sleep(interval)

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            far = socket.create_connection(("127.0.0.1", upstream))
            threading.Thread(target=pipe, args=(conn, far, False), daemon=True).start()
            threading.Thread(target=pipe, args=(far, conn, True), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        listener.close()


def timed_failure(call: Callable[[], object]) -> tuple[AxlError, float]:
    started = time.monotonic()
    error = failure(call)
    return error, time.monotonic() - started


def test_headers_dripping_a_byte_at_a_time_end_at_the_deadline() -> None:
    """Each byte comes well within the read timeout; only the overall deadline can end this."""
    with dripping(ANSWER, 0.2) as port:
        error, took = timed_failure(
            client(f"http://127.0.0.1:{port}/axl/", timeout=5.0, deadline=1.0).ccm_version
        )
    assert error.kind == "timeout"
    assert str(error).endswith("getCCMVersion: no complete answer within the overall deadline of 1 s")
    assert 0.9 < took < 2.0


def test_a_body_dripping_over_https_ends_at_the_deadline(tls_context: ssl.SSLContext) -> None:
    with dripping(ANSWER, 0.2, tls_context, after_headers=ANSWER.index(b"\r\n\r\n") + 4) as port:
        settings: dict[str, Any] = {"timeout": 5.0, "deadline": 1.0, "tls": TlsPolicy(insecure=True)}
        error, took = timed_failure(client(f"https://127.0.0.1:{port}/axl/", **settings).process_nodes)
    assert error.kind == "timeout"
    assert "listProcessNode: no complete answer within the overall deadline of 1 s" in str(error)
    assert took < 2.0


def test_a_tls_handshake_dripping_ends_at_the_deadline(tls_context: ssl.SSLContext) -> None:
    with serve(lab_handler(cucm()), tls_context) as server, drip_proxy(server.port, 0.05) as port:
        settings: dict[str, Any] = {"timeout": 5.0, "deadline": 1.0, "tls": TlsPolicy(insecure=True)}
        error, took = timed_failure(client(f"https://127.0.0.1:{port}/axl/", **settings).ccm_version)
    assert error.kind == "timeout"
    assert "overall deadline of 1 s" in str(error)
    assert took < 2.0


def test_uds_dripping_is_none_by_its_deadline() -> None:
    with dripping(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b"<" * 100, 0.2) as port:
        started = time.monotonic()
        found = uds_client.ccm_version(
            f"http://127.0.0.1:{port}/cucm-uds/version", TlsPolicy(), timeout=5.0, deadline=1.0
        )
    assert found is None
    assert time.monotonic() - started < 2.0


def test_throttling_longer_than_the_deadline_is_reported_without_waiting_it_out() -> None:
    data = cucm(throttle=100)
    with serve(lab_handler(data)) as server:
        error, took = timed_failure(
            client(server.axl, "14.0", backoff=0.4, retries=5, deadline=1.0).ccm_version
        )
    assert error.kind == "throttled"
    assert len(server.posts()) == 2  # 0.4 s, then 0.8 s would pass the deadline
    assert took < 1.0


DRIP_CONFIG = """
[collect]
timeout = 0.25

[[cluster]]
name = "drip"
product = "cucm"
publisher = "127.0.0.1"
version = "14.0.1.11900-132"
username = "axladmin"
password_env = "CONFCHECK_DRIP_PASSWORD"
axl_port = {port}
tomcat_port = {port}
[cluster.tls]
insecure = true
"""


def test_an_audit_of_a_dripping_cucm_is_cc203_and_exit_3(
    confcheck: Callable[..., Run],
    tls_context: ssl.SSLContext,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One byte every 0.5 s would keep each read alive for ever: the cluster is CC203 after 12 times the timeout."""
    monkeypatch.setenv("CONFCHECK_DRIP_PASSWORD", PASSWORD)
    with dripping(ANSWER, 0.5, tls_context) as port:
        config = tmp_path / "confcheck.toml"
        config.write_text(DRIP_CONFIG.format(port=port))
        started = time.monotonic()
        result = confcheck("audit", "--config", str(config), "--format", "json", "--fail-on", "never")
        took = time.monotonic() - started
    assert result.code == 3, result.err
    assert '"rule": "CC203"' in result.out
    assert "listProcessNode: no complete answer within the overall deadline of 3 s" in result.out
    assert PASSWORD not in result.out + result.err
    assert took < 8.0


def test_a_giant_axl_fault_is_cut_before_it_reaches_the_report(
    confcheck: Callable[..., Run],
    tls_context: ssl.SSLContext,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A server chooses what its fault says: 5 MB of it would make every report megabytes long."""
    monkeypatch.setenv("CONFCHECK_DRIP_PASSWORD", PASSWORD)
    text = "A" * 5_000_000
    fault = (
        '<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
        "<soapenv:Body><soapenv:Fault><faultcode>soapenv:Client</faultcode>"
        f"<faultstring>{text}</faultstring><detail><axlError><axlcode>5007</axlcode>"
        f"<axlmessage>{text}</axlmessage></axlError></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    ).encode()
    with serve(lambda *_: (500, "text/xml", fault), tls_context) as server:
        config = tmp_path / "confcheck.toml"
        config.write_text(DRIP_CONFIG.replace("timeout = 0.25", "timeout = 5").format(port=server.port))
        result = confcheck("audit", "--config", str(config), "--format", "terminal", "--fail-on", "never")
    assert result.code == 3, result.err
    assert "AXL fault 5007" in result.out
    assert "5,000,0" in result.out
    assert "characters in all, cut by confcheck" in result.out
    assert len(result.out) < 50_000
