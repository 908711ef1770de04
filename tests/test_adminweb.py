"""Admin web pages: form sign-in, the presence readers, errors and hostile pages, over real HTTPS on 127.0.0.1.

The lab's ``cupadmin`` app (IM and Presence 9.x and CUP 8.x data) and a small app serving broken and
hostile pages run behind the lab's HttpsServer, presenting a certificate from confcheck.pki for
``imp1.example.com`` (no IP address in it: connecting to 127.0.0.1 needs ``server_name``).
"""

from __future__ import annotations

import gzip
import json
import logging
import socket
import ssl
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from conftest import Run
from cryptography.hazmat.primitives import hashes
from hostile import Listener, dripping_https

from confcheck import pki
from confcheck.lab.adminweb import AdminApp, PresenceData
from confcheck.lab.servers import App, HttpsServer, Request, Response, Server, SilentServer, context
from confcheck.plugins import _presence as presence
from confcheck.transport.adminweb import MAX_PAGE, AdminError, AdminSession, AdminSettings, Page
from confcheck.transport.https import TlsPolicy

USER = "ccmadministrator"
PASSWORD = "Pr3sence-n3ver-sh0wn"
WRONG_PASSWORD = "Wr0ng-but-st1ll-s3cret"
SERVER_NAME = "imp1.example.com"
SECRET = "TOP-SECRET-5f3a9c"
LOGIN = f"/{presence.APP}/j_security_check"


def imp9_data() -> PresenceData:
    """IM and Presence 9.x: the publisher listed second, all TFTP servers set, the SAN box ticked."""
    return PresenceData(
        product="imp",
        version="9.1.1.20000-5",
        username=USER,
        password=PASSWORD,
        nodes=[("imp2.example.com", False), ("imp1.example.com", True), ("10.0.0.33", False)],
        tftp=["cucm1.example.com", "cucm2.example.com", "10.0.0.13"],
        ccmcip=[("Default", "cucm1.example.com", "cucm2.example.com"), ("Branch", "10.0.0.12", "")],
        presence_domain="example.com",
        xmpp_san_domain="chat.example.com",
        xmpp_san_checkbox=True,
    )


def cup8_data() -> PresenceData:
    """CUP 8.x: only a primary TFTP server, the SAN box unticked, find-lists of external servers."""
    return PresenceData(
        product="cup",
        version="8.6.4.10000-12",
        username=USER,
        password=PASSWORD,
        nodes=[("cup1.example.org", True), ("cup2", False)],
        tftp=["cucm1"],
        ccmcip=[("Default", "10.1.0.11", "cucm2.example.org")],
        presence_domain="example.org",
        voicemail=[("VM", "cuc1.example.org", 8443, "HTTPS")],
        mailstores=[("MAIL", "mail.example.org", 7993, "TLS"), ("MAIL2", "10.1.0.40", 143, "TCP")],
        conferencing=[("MEET", "meet.example.org", 443, "HTTPS")],
    )


# --- servers ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tls:
    """The server's certificate files, the CA that issued it and the leaf's SHA-256 fingerprint."""

    cert_file: Path
    key_file: Path
    ca_bundle: Path
    fingerprint: str


@dataclass
class Lab:
    """A cupadmin app served over HTTPS, and every request it received (method, path, body)."""

    url: str
    app: AdminApp
    seen: list[tuple[str, str, bytes]] = field(default_factory=list)

    def __call__(self, request: Request) -> Response:
        self.seen.append((request.method, request.path, request.body))
        return self.app(request)


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    directory = tmp_path_factory.mktemp("adminweb-tls")
    root = pki.ca("Admin Web Test Root CA")
    leaf = pki.server(SERVER_NAME, dns=[SERVER_NAME], issuer=root)
    fingerprint = leaf.cert.fingerprint(hashes.SHA256()).hex()
    files = Tls(directory / "tomcat.pem", directory / "tomcat.key", directory / "ca.pem", fingerprint)
    files.cert_file.write_text(leaf.pem)
    files.key_file.write_text(leaf.key_pem)
    files.ca_bundle.write_text(root.pem)
    return files


@pytest.fixture(scope="module")
def started() -> Iterator[Callable[[Server], Server]]:
    """Registers servers to stop at the end of the module, all at once (each stop waits for its loop)."""
    servers: list[Server] = []

    def start(server: Server) -> Server:
        servers.append(server)
        return server

    yield start
    stopping = [threading.Thread(target=server.stop) for server in servers]
    for thread in stopping:
        thread.start()
    for thread in stopping:
        thread.join()


def https(tls: Tls, started: Callable[[Server], Server], routes: dict[str, App]) -> str:
    """Serve ``routes`` over HTTPS on 127.0.0.1; returns the base URL."""
    server = started(HttpsServer("127.0.0.1", 0, context(tls.cert_file, tls.key_file), routes))
    return f"https://127.0.0.1:{server.port}"


def serve_lab(data: PresenceData, tls: Tls, started: Callable[[Server], Server]) -> Lab:
    lab = Lab("", AdminApp(data))
    lab.url = https(tls, started, {f"/{presence.APP}": lab})
    return lab


@pytest.fixture(scope="module")
def labs(tls: Tls, started: Callable[[Server], Server]) -> dict[str, Lab]:
    return {"imp9": serve_lab(imp9_data(), tls, started), "cup8": serve_lab(cup8_data(), tls, started)}


@pytest.fixture(scope="module")
def forgetful_url(tls: Tls, started: Callable[[Server], Server]) -> str:
    """A cupadmin that forgets every session as soon as it has served a page with it."""
    app = AdminApp(imp9_data())

    def forget(request: Request) -> Response:
        response = app(request)
        if request.method == "GET":
            app.sessions.clear()
        return response

    return https(tls, started, {f"/{presence.APP}": forget})


@pytest.fixture(scope="module")
def refused_url() -> str:
    """A loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"https://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def silent_url(started: Callable[[Server], Server]) -> str:
    """Accepts connections and never says a word (not even the TLS handshake)."""
    return f"https://127.0.0.1:{started(SilentServer('127.0.0.1', 0)).port}"


# --- pages ------------------------------------------------------------------------------------------

LABELS = b"""<!DOCTYPE html><html><body><form name="edit"><table>
<tr><td class="label">Primary TFTP Server:</td><td><input type="text" name="p" value="cucm1.example.com"></td></tr>
<tr><td class="label">Device Pool*</td><td><input type="text" name="d" value="Default"></td></tr>
<tr><th>Mail Host: *</th><td><input type="text" name="m" value="mail.example.com"></td></tr>
<tr><td>Protocol</td><td><select name="proto"><option value="TCP">TCP</option>
  <option value="TLS" selected>TLS</option><option value="SSL">SSL</option></select></td></tr>
<tr><td>Transport</td><td><select name="t"><option value="UDP">UDP</option><option>TCP</option></select></td></tr>
<tr><td>Description</td><td><input type="text" name="desc" value=""></td></tr>
<tr><td>Notes</td><td><textarea name="notes">  some
  notes </textarea></td></tr>
<tr><td><input type="checkbox" id="on" name="on" checked><label for="on">Enable Failover</label></td></tr>
<tr><td><input type="checkbox" id="off" name="off"><label for="off">Use Domain Name</label></td></tr>
<tr><td><span class="label">Presence Domain</span></td><td><input type="text" name="pd" value="example.com"></td></tr>
<tr><td><label>Proxy Domain</label></td><td><input type="text" name="xd" value="proxy.example.com"></td></tr>
</table></form></body></html>"""

TABLES = b"""<html><body>
<table class="results"><tr><th>Name</th><th>Hostname/IP Address</th></tr>
  <tr><td>decoy</td><td>decoy.example.com</td></tr></table>
<table class="results"><tr><th>Name</th><th>Hostname/IP Address</th><th>Port</th><th>Protocol</th></tr>
  <tr><td>VM</td><td>cuc1.example.com</td><td>8443</td><td>HTTPS</td></tr>
  <tr><td>VM2</td><td> cuc2.example.com </td><td>443</td><td>HTTPS</td></tr></table>
</body></html>"""

NESTED = b"""<html><body><table class="layout">
<tr><td><table class="results"><tr><th>Name</th><th>Port</th></tr><tr><td>VM</td><td>8443</td></tr></table></td></tr>
<tr><td>1 records found</td></tr>
</table></body></html>"""


def entities(secret_file: Path) -> bytes:
    """A page declaring an external entity on a local file, and using it in text and in a field."""
    return f"""<!DOCTYPE html [
<!ENTITY leak SYSTEM "file://{secret_file}">
<!ENTITY % remote SYSTEM "file://{secret_file}"> %remote;
]>
<html><body><p>Before &leak; after</p><table>
<tr><td>Domain Name</td><td><input type="text" name="d" value="&leak;"></td></tr>
</table></body></html>""".encode()


@pytest.fixture(scope="module")
def pages_url(tls: Tls, started: Callable[[Server], Server], tmp_path_factory: pytest.TempPathFactory) -> str:
    """Pages read by label, and broken or hostile ones, under /pages/."""
    secret_file = tmp_path_factory.mktemp("adminweb-secret") / "secret.txt"
    secret_file.write_text(SECRET + "\n")
    pages = {
        "/pages/labels": Response(200, LABELS),
        "/pages/tables": Response(200, TABLES),
        "/pages/nested": Response(200, NESTED),
        "/pages/entities": Response(200, entities(secret_file)),
        "/pages/error": Response(500, b"<html><body>HTTP Status 500 - Internal Server Error</body></html>"),
        "/pages/forbidden": Response(403, b"<html><body>HTTP Status 403 - Access denied</body></html>"),
        "/pages/huge": Response(200, b"<html><body>" + b"x" * (8 * MAX_PAGE)),
        "/pages/bomb": Response(
            200,
            gzip.compress(b"<html><body>" + b" " * (16 * MAX_PAGE), 9),
            headers=(("Content-Encoding", "gzip"),),
        ),
        # Chunked, cut off after the first chunk: the server closes the connection mid-body.
        "/pages/truncated": Response(
            200, b"6\r\n<html>\r\n", headers=(("Transfer-Encoding", "chunked"), ("Connection", "close"))
        ),
    }
    return https(tls, started, {"/pages/": lambda request: pages.get(request.path, Response(404))})


# --- clients ----------------------------------------------------------------------------------------


@pytest.fixture
def admin(tls: Tls) -> Callable[..., AdminSession]:
    """A session to ``url``: CA bundle and server name by default, as the user would configure it."""

    def make(url: str, **overrides: Any) -> AdminSession:
        options: dict[str, Any] = {
            "password": PASSWORD,
            "tls": TlsPolicy(ca_bundle=tls.ca_bundle),
            "server_name": SERVER_NAME,
            "timeout": 5.0,
        }
        options.update(overrides)
        return AdminSession(AdminSettings(url, presence.APP, USER, **options))

    return make


@pytest.fixture
def signed_in(labs: dict[str, Lab], admin: Callable[..., AdminSession]) -> Callable[[str], AdminSession]:
    """A session signed in to the lab ``imp9`` or ``cup8``."""

    def sign_in(name: str) -> AdminSession:
        session = admin(labs[name].url)
        session.login(presence.HOME)
        return session

    return sign_in


@pytest.fixture
def page(pages_url: str, admin: Callable[..., AdminSession]) -> Callable[[str], Page]:
    """Fetch one of the test pages."""
    session = admin(pages_url)
    return session.page


def fails(action: Callable[[], object], kind: str) -> AdminError:
    """The AdminError ``action`` raises; it must be of ``kind``."""
    with pytest.raises(AdminError) as caught:
        action()
    assert caught.value.kind == kind, str(caught.value)
    return caught.value


# --- sign-in and the presence readers --------------------------------------------------------------


def test_sign_in_goes_through_the_login_form(
    labs: dict[str, Lab], admin: Callable[..., AdminSession]
) -> None:
    lab = labs["imp9"]
    before = len(lab.seen)
    admin(lab.url).login(presence.HOME)
    requests = lab.seen[before:]
    assert [(method, path) for method, path, _ in requests] == [
        ("GET", presence.HOME),  # answered with the form posting to j_security_check
        ("POST", LOGIN),
        ("GET", presence.HOME),  # where the login redirects
    ]
    assert parse_qs(requests[1][2].decode()) == {"j_username": [USER], "j_password": [PASSWORD]}


@pytest.mark.parametrize(("name", "expected"), [("imp9", "9.1.1.20000-5"), ("cup8", "8.6.4.10000-12")])
def test_version_from_the_home_page(
    labs: dict[str, Lab], admin: Callable[..., AdminSession], name: str, expected: str
) -> None:
    home = admin(labs[name].url).login(presence.HOME)
    assert presence.version(home) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "imp9",
            [
                presence.TopologyNode("imp1.example.com", True),
                presence.TopologyNode("imp2.example.com", False),
                presence.TopologyNode("10.0.0.33", False),
            ],
        ),
        ("cup8", [presence.TopologyNode("cup1.example.org", True), presence.TopologyNode("cup2", False)]),
    ],
)
def test_topology_lists_the_publisher_first(
    signed_in: Callable[[str], AdminSession], name: str, expected: list[presence.TopologyNode]
) -> None:
    assert presence.topology(signed_in(name)) == expected


@pytest.mark.parametrize(
    ("name", "path", "expected"),
    [
        (
            "imp9",
            presence.LEGACY_SETTINGS,
            ["cucm1.example.com", "cucm2.example.com", "10.0.0.13"],
        ),
        ("cup8", presence.JABBER_SETTINGS, ["cucm1", None, None]),
    ],
)
def test_tftp_servers_primary_then_both_backups(
    signed_in: Callable[[str], AdminSession], name: str, path: str, expected: list[str | None]
) -> None:
    assert presence.tftp_servers(signed_in(name), path) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "imp9",
            [
                ("Default", "cucm1.example.com", "cucm2.example.com"),
                ("Branch", "10.0.0.12", ""),
            ],
        ),
        ("cup8", [("Default", "10.1.0.11", "cucm2.example.org")]),
    ],
)
def test_ccmcip_profiles(
    signed_in: Callable[[str], AdminSession], name: str, expected: list[tuple[str, str, str]]
) -> None:
    columns = (presence.PROFILE_NAME, presence.PRIMARY_CCMCIP, presence.BACKUP_CCMCIP)
    assert presence.ccmcip_profiles(signed_in(name)) == [
        dict(zip(columns, row, strict=True)) for row in expected
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("imp9", ("chat.example.com", True, "example.com")),  # box ticked
        ("cup8", (None, False, "example.org")),  # box unticked, SAN domain empty
    ],
)
def test_xmpp_settings(
    signed_in: Callable[[str], AdminSession],
    name: str,
    expected: tuple[str | None, bool | None, str | None],
) -> None:
    assert presence.xmpp_settings(signed_in(name)) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (presence.VOICEMAIL_SERVERS, [("VM", "cuc1.example.org", "8443", "HTTPS")]),
        (
            presence.MAILSTORES,
            [("MAIL", "mail.example.org", "7993", "TLS"), ("MAIL2", "10.1.0.40", "143", "TCP")],
        ),
        (presence.CONFERENCING_SERVERS, [("MEET", "meet.example.org", "443", "HTTPS")]),
    ],
)
def test_cup8_server_find_lists(
    signed_in: Callable[[str], AdminSession], path: str, expected: list[tuple[str, str, str, str]]
) -> None:
    columns = (presence.PROFILE_NAME, presence.HOST, presence.PORT, presence.PROTOCOL)
    assert presence.servers(signed_in("cup8"), path) == [
        dict(zip(columns, row, strict=True)) for row in expected
    ]


# --- the password and sessions -----------------------------------------------------------------------


def test_wrong_password_is_an_auth_error_naming_url_and_user(
    labs: dict[str, Lab], admin: Callable[..., AdminSession]
) -> None:
    url = labs["imp9"].url
    error = fails(lambda: admin(url, password=WRONG_PASSWORD).login(presence.HOME), "auth")
    assert f"{url}/{presence.APP}" in str(error)
    assert USER in str(error)
    for text in (str(error), repr(error)):
        assert WRONG_PASSWORD not in text
        assert PASSWORD not in text


def test_settings_repr_hides_the_password(admin: Callable[..., AdminSession]) -> None:
    settings = admin("https://127.0.0.1:8443").settings
    assert USER in repr(settings)
    assert PASSWORD not in repr(settings)


def test_debug_logs_never_show_the_password(
    labs: dict[str, Lab], admin: Callable[..., AdminSession], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url = labs["imp9"].url
    admin(url).login(presence.HOME)
    with pytest.raises(AdminError):
        admin(url, password=WRONG_PASSWORD).login(presence.HOME)
    assert LOGIN in caplog.text  # debug logging did happen, requests included
    assert PASSWORD not in caplog.text
    assert WRONG_PASSWORD not in caplog.text


def test_expired_session_signs_in_again(
    labs: dict[str, Lab], signed_in: Callable[[str], AdminSession]
) -> None:
    lab = labs["imp9"]
    session = signed_in("imp9")
    assert presence.topology(session)
    lab.app.sessions.clear()  # the server forgets the session (timeout, restart)
    before = len(lab.seen)
    assert presence.ccmcip_profiles(session)[0][presence.PROFILE_NAME] == "Default"
    assert [(method, path) for method, path, _ in lab.seen[before:]] == [
        ("GET", presence.CCMCIP_PROFILES),  # the login form comes back
        ("GET", presence.HOME),
        ("POST", LOGIN),
        ("GET", presence.HOME),
        ("GET", presence.CCMCIP_PROFILES),
    ]


def test_session_ending_at_every_page_is_an_auth_error(
    forgetful_url: str, admin: Callable[..., AdminSession]
) -> None:
    session = admin(forgetful_url)
    session.login(presence.HOME)
    error = fails(lambda: session.page(presence.TOPOLOGY), "auth")
    assert "the session ends at every page" in str(error)
    assert presence.TOPOLOGY in str(error)


# --- TLS and the network -----------------------------------------------------------------------------


def test_ca_bundle_and_matching_server_name(labs: dict[str, Lab], admin: Callable[..., AdminSession]) -> None:
    home = admin(labs["imp9"].url, server_name=SERVER_NAME).login(presence.HOME)
    assert presence.version(home) == "9.1.1.20000-5"


def test_wrong_server_name_is_a_tls_error(labs: dict[str, Lab], admin: Callable[..., AdminSession]) -> None:
    session = admin(labs["imp9"].url, server_name="imp9.example.net")
    error = fails(lambda: session.login(presence.HOME), "tls")
    assert "TLS verification failed" in str(error)


def test_address_without_server_name_is_a_tls_error(
    labs: dict[str, Lab], admin: Callable[..., AdminSession]
) -> None:
    """The certificate names imp1.example.com only, not 127.0.0.1."""
    session = admin(labs["imp9"].url, server_name=None)
    fails(lambda: session.login(presence.HOME), "tls")


@pytest.mark.parametrize("style", ["plain", "colons"])
def test_pinned_fingerprint_that_matches(
    labs: dict[str, Lab], admin: Callable[..., AdminSession], tls: Tls, style: str
) -> None:
    pin = tls.fingerprint
    if style == "colons":
        pin = ":".join(pin[i : i + 2] for i in range(0, len(pin), 2)).upper()
    session = admin(labs["imp9"].url, tls=TlsPolicy(fingerprint=pin), server_name=None)
    assert presence.version(session.login(presence.HOME)) == "9.1.1.20000-5"


def test_pinned_fingerprint_that_differs_is_a_tls_error(
    labs: dict[str, Lab], admin: Callable[..., AdminSession], tls: Tls
) -> None:
    other = ("0" if tls.fingerprint[0] != "0" else "1") + tls.fingerprint[1:]
    session = admin(labs["imp9"].url, tls=TlsPolicy(fingerprint=other), server_name=None)
    error = fails(lambda: session.login(presence.HOME), "tls")
    assert "pinned SHA-256" in str(error)


def test_insecure_accepts_the_certificate_unchecked(
    labs: dict[str, Lab], admin: Callable[..., AdminSession]
) -> None:
    session = admin(labs["imp9"].url, tls=TlsPolicy(insecure=True), server_name=None)
    assert presence.version(session.login(presence.HOME)) == "9.1.1.20000-5"


def test_connection_refused_is_a_connect_error(refused_url: str, admin: Callable[..., AdminSession]) -> None:
    error = fails(lambda: admin(refused_url).login(presence.HOME), "connect")
    assert refused_url in str(error)


def test_silent_server_is_a_timeout_soon(silent_url: str, admin: Callable[..., AdminSession]) -> None:
    session = admin(silent_url, timeout=0.3)
    start = time.monotonic()
    error = fails(lambda: session.login(presence.HOME), "timeout")
    assert time.monotonic() - start < 2.0
    assert "0.3 s" in str(error)


# --- broken and hostile pages ------------------------------------------------------------------------


def test_http_500_is_an_http_error(page: Callable[[str], Page]) -> None:
    error = fails(lambda: page("/pages/error"), "http")
    assert "HTTP 500" in str(error)


def test_http_403_on_a_page_is_an_auth_error(page: Callable[[str], Page]) -> None:
    fails(lambda: page("/pages/forbidden"), "auth")


def test_page_over_the_limit_is_a_protocol_error_read_once(page: Callable[[str], Page]) -> None:
    """A 32 MiB page: refused after reading just over 4 MiB, which is held in memory once."""
    tracemalloc.start()
    try:
        error = fails(lambda: page("/pages/huge"), "protocol")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "larger than 4 MiB" in str(error)
    assert peak < 2 * MAX_PAGE


def test_compressed_page_inflating_past_the_limit_is_a_protocol_error(page: Callable[[str], Page]) -> None:
    """64 KiB of gzip that inflates to 64 MiB: decompression stops near the limit."""
    tracemalloc.start()
    try:
        fails(lambda: page("/pages/bomb"), "protocol")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * MAX_PAGE


def test_page_cut_off_mid_body_is_an_admin_error(page: Callable[[str], Page]) -> None:
    with pytest.raises(AdminError) as caught:
        page("/pages/truncated")
    assert caught.value.kind in ("protocol", "connect")


def test_entities_declared_by_the_page_are_never_expanded(page: Callable[[str], Page]) -> None:
    entity_page = page("/pages/entities")
    assert "Before" in entity_page.text  # the page itself was read
    assert SECRET not in entity_page.text
    assert all(SECRET not in (value or "") for value in entity_page.fields("Domain Name"))


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Primary TFTP Server", "cucm1.example.com"),  # "Primary TFTP Server:"
        ("Device Pool", "Default"),  # "Device Pool*"
        ("Mail Host", "mail.example.com"),  # "Mail Host: *" in a <th>
    ],
)
def test_labels_match_without_trailing_colon_or_asterisk(
    page: Callable[[str], Page], label: str, expected: str
) -> None:
    assert page("/pages/labels").field(label) == expected


@pytest.mark.parametrize(("label", "ticked"), [("Enable Failover", True), ("Use Domain Name", False)])
def test_checkbox_named_by_label_for(page: Callable[[str], Page], label: str, ticked: bool) -> None:
    assert page("/pages/labels").checkbox(label) is ticked


def test_select_gives_the_selected_option(page: Callable[[str], Page]) -> None:
    assert page("/pages/labels").field("Protocol") == "TLS"


def test_select_without_selection_gives_the_first_option(page: Callable[[str], Page]) -> None:
    assert page("/pages/labels").field("Transport") == "UDP"


def test_textarea_gives_its_text_with_whitespace_collapsed(page: Callable[[str], Page]) -> None:
    assert page("/pages/labels").field("Notes") == "some notes"


def test_empty_input_is_none(page: Callable[[str], Page]) -> None:
    labels = page("/pages/labels")
    assert labels.field("Description") is None
    assert labels.fields("Description") == [None]


def test_missing_label_is_none_or_empty(page: Callable[[str], Page]) -> None:
    labels = page("/pages/labels")
    assert labels.field("Secondary TFTP Server") is None
    assert labels.fields("Secondary TFTP Server") == []
    assert labels.checkbox("Secondary TFTP Server") is None


def test_checkbox_of_a_text_field_is_none(page: Callable[[str], Page]) -> None:
    assert page("/pages/labels").checkbox("Primary TFTP Server") is None


@pytest.mark.parametrize("label", ["Presence Domain", "Proxy Domain"])  # <span>, <label> without for
def test_label_wrapped_in_a_cell_names_one_field(page: Callable[[str], Page], label: str) -> None:
    assert len(page("/pages/labels").fields(label)) == 1


def test_table_without_all_the_columns_is_empty(page: Callable[[str], Page]) -> None:
    assert page("/pages/tables").table("Name", "Node Type") == []


def test_table_picks_the_one_with_all_the_columns(page: Callable[[str], Page]) -> None:
    assert page("/pages/tables").table("Name", "Port", "Hostname/IP Address") == [
        {"Name": "VM", "Port": "8443", "Hostname/IP Address": "cuc1.example.com"},
        {"Name": "VM2", "Port": "443", "Hostname/IP Address": "cuc2.example.com"},
    ]


def test_table_nested_in_a_layout_table_gives_only_its_own_rows(page: Callable[[str], Page]) -> None:
    assert page("/pages/nested").table("Name", "Port") == [{"Name": "VM", "Port": "8443"}]


# --- servers that send confcheck elsewhere, or hold it ---------------------------------------------


@pytest.fixture
def thief() -> Iterator[Listener]:
    """Another loopback host, where a hostile admin page would like the password to go."""
    listener = Listener("127.0.0.2")
    yield listener
    listener.stop()


def redirecting(tls: Tls, started: Callable[[Server], Server], status: int, location: str, on: str) -> str:
    """The imp9 cupadmin, except that ``on`` (``login``: the POST to j_security_check; ``page``: a
    GET of the topology page) is answered with ``status`` to ``location``."""
    app = AdminApp(imp9_data())

    def hostile(request: Request) -> Response:
        posting = request.method == "POST" and request.path.endswith("j_security_check")
        getting = request.method == "GET" and request.path.startswith(presence.TOPOLOGY)
        if (on == "login" and posting) or (on == "page" and getting):
            return Response(status, b"", headers=(("Location", location),))
        return app(request)

    return https(tls, started, {f"/{presence.APP}": hostile})


@pytest.mark.parametrize("status", [307, 308, 302])
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_login_redirected_to_another_host_sends_it_nothing(
    tls: Tls,
    started: Callable[[Server], Server],
    admin: Callable[..., AdminSession],
    thief: Listener,
    status: int,
    scheme: str,
) -> None:
    where = f"{scheme}://127.0.0.2:{thief.port}/steal"
    url = redirecting(tls, started, status, where, on="login")
    error = fails(lambda: admin(url).login(presence.HOME), "redirect")
    assert where in str(error)
    assert f"HTTP {status}" in str(error)
    assert PASSWORD not in str(error)
    time.sleep(0.1)
    assert not thief.contacted


@pytest.mark.parametrize(
    "where",
    [
        "http://127.0.0.1:{same}/cupadmin/clusterTopology.do",  # plain http, same host and port
        "https://127.0.0.1:{thief}/cupadmin/clusterTopology.do",  # same host, another port
        "//127.0.0.2:{thief}/x",  # scheme-relative, another host
    ],
)
def test_a_pinned_login_redirected_off_origin_is_refused(
    tls: Tls, started: Callable[[Server], Server], admin: Callable[..., AdminSession], where: str
) -> None:
    thief = Listener("127.0.0.1")
    thief2 = Listener("127.0.0.2")
    try:
        probe = redirecting(tls, started, 307, "/", on="login")
        same = int(probe.rsplit(":", 1)[1])
        location = where.format(same=same, thief=thief.port if "127.0.0.1" in where else thief2.port)
        url = redirecting(tls, started, 307, location, on="login")
        session = admin(url, tls=TlsPolicy(fingerprint=tls.fingerprint), server_name=None)
        error = fails(lambda: session.login(presence.HOME), "redirect")
        assert "redirects to" in str(error)
        time.sleep(0.1)
        assert not thief.contacted
        assert not thief2.contacted
    finally:
        thief.stop()
        thief2.stop()


def test_a_page_redirected_to_another_host_is_refused_and_the_cookie_stays(
    tls: Tls, started: Callable[[Server], Server], admin: Callable[..., AdminSession], thief: Listener
) -> None:
    where = f"https://127.0.0.2:{thief.port}/cupadmin/clusterTopology.do"
    session = admin(redirecting(tls, started, 302, where, on="page"))
    session.login(presence.HOME)  # the login itself redirects within the origin: followed
    error = fails(lambda: presence.topology(session), "redirect")
    assert where in str(error)
    time.sleep(0.1)
    assert not thief.contacted


def test_redirects_within_the_origin_are_followed(
    tls: Tls, started: Callable[[Server], Server], admin: Callable[..., AdminSession]
) -> None:
    url = redirecting(tls, started, 302, presence.SECURITY_SETTINGS, on="page")
    session = admin(url)
    session.login(presence.HOME)
    assert session.page(presence.TOPOLOGY).field(presence.XMPP_SAN_DOMAIN) == "chat.example.com"


def test_an_http_base_url_is_refused_before_any_request(thief: Listener) -> None:
    with pytest.raises(AdminError) as caught:
        AdminSession(AdminSettings(f"http://127.0.0.2:{thief.port}", presence.APP, USER, PASSWORD))
    assert caught.value.kind == "tls"
    assert not thief.contacted


@pytest.fixture
def server_tls(tls: Tls) -> ssl.SSLContext:
    return context(tls.cert_file, tls.key_file)


@pytest.mark.parametrize("part", ["body", "head"])
def test_a_dripping_server_meets_the_overall_deadline(
    admin: Callable[..., AdminSession], server_tls: ssl.SSLContext, part: str
) -> None:
    """One byte every 0.2 s: no read waits longer than the 0.5 s timeout, the exchange never ends."""
    drip = Listener(serve=dripping_https(server_tls, 0.2, None if part == "body" else b""))
    try:
        session = admin(f"https://127.0.0.1:{drip.port}", timeout=0.5, deadline=1.0)
        started = time.monotonic()
        error = fails(lambda: session.login(presence.HOME), "timeout")
        assert time.monotonic() - started < 2.5
        assert "overall deadline of 1 s" in str(error)
    finally:
        drip.stop()


def test_the_deadline_defaults_to_four_timeouts_and_at_least_ten_seconds() -> None:
    assert AdminSettings("https://h", "a", "u", "p", timeout=5).overall == 20
    assert AdminSettings("https://h", "a", "u", "p", timeout=1).overall == 10
    assert AdminSettings("https://h", "a", "u", "p", deadline=3).overall == 3


def test_an_audit_whose_login_is_redirected_away_is_cc203_naming_where_and_exits_3(
    tls: Tls,
    started: Callable[[Server], Server],
    thief: Listener,
    confcheck: Callable[..., Run],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    where = f"https://127.0.0.2:{thief.port}/cupadmin/j_security_check"
    port = int(redirecting(tls, started, 307, where, on="login").rsplit(":", 1)[1])
    inventory = tmp_path / "confcheck.toml"
    inventory.write_text(
        "[collect]\ntimeout = 0.5\n[[cluster]]\n"
        f'name = "hq-imp"\nproduct = "imp"\nversion = "9.1.1.20000-5"\npublisher = "127.0.0.1"\n'
        f'username = "{USER}"\npassword_env = "HQ_IMP_PASSWORD"\nadmin_port = {port}\ntomcat_port = {port}\n'
        f'[cluster.tls]\nfingerprint = "{tls.fingerprint}"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("HQ_IMP_PASSWORD", PASSWORD)
    run = confcheck("audit", "--config", str(inventory), "--format", "json", "--no-progress")
    assert run.code == 3, run.err
    report = json.loads(run.out)
    (finding,) = [f for f in report["findings"] if f["rule"] == "CC203"]
    assert where in finding["message"]
    assert finding["value"] == "redirect"
    assert PASSWORD not in run.out + run.err
    time.sleep(0.1)
    assert not thief.contacted
