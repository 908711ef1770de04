"""Reading UDS's server list and jabber-config.xml: every way an answer can fail Jabber is a kind, never a traceback."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from confcheck import pki
from confcheck.lab.servers import HttpsServer, Request, Response, SilentServer, context
from confcheck.transport import discovery as http

SERVERS = b'<?xml version="1.0"?><servers version="14.0"><server>cucm1.example.com</server><server>10.0.0.12</server></servers>'
CONFIG = b"""<config version="1.0"><Client><PrtLogServerUrl>https://prt.example.com/x</PrtLogServerUrl></Client>
<Options><EnableX>true</EnableX><Site>lab</Site></Options>
<Voicemail><VoicemailPrimaryServer>cuc1</VoicemailPrimaryServer></Voicemail>
<Directory><UdsServer>10.0.0.11</UdsServer></Directory></config>"""


def _free_address() -> str:
    for last in range(20, 250):
        address = f"127.77.{last}.1"
        with socket.socket() as probe:
            try:
                probe.bind((address, 0))
            except OSError:
                continue
        return address
    raise OSError("no loopback address free")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An HTTPS server answering each path as its name says; yields its base URL."""
    folder = tmp_path_factory.mktemp("tls")
    issued = pki.server("cucm1.example.com", dns=["cucm1.example.com"])
    (folder / "c.pem").write_text(issued.pem)
    (folder / "c.key").write_text(issued.key_pem)

    answers = {
        "/servers": Response(200, SERVERS, "application/xml"),
        "/config": Response(200, CONFIG, "text/xml"),
        "/html": Response(200, b"<html><body>Sign in</body></html>", "text/html"),
        "/html-as-xml": Response(200, b"  <!DOCTYPE html><html></html>", "application/xml"),
        "/redirect": Response(302, b"", headers=(("Location", "https://sso.example.com/login"),)),
        "/missing": Response(404, b"<html>Not Found</html>"),
        "/error": Response(500, b"oops", "text/plain"),
        "/big": Response(
            200, b"<servers>" + b" " * (http.MAX_ANSWER + 10) + b"</servers>", "application/xml"
        ),
        "/broken": Response(200, b"<servers><server>x</serv", "application/xml"),
        "/other": Response(200, b"<versionInformation version='10.0.0'/>", "application/xml"),
        "/empty": Response(200, b"<servers/>", "application/xml"),
        "/dtd": Response(
            200,
            b'<!DOCTYPE servers [<!ENTITY x "boom">]><servers><server>&x;</server></servers>',
            "application/xml",
        ),
    }

    def app(request: Request) -> Response:
        return answers.get(request.path, Response(404))

    address = _free_address()
    running = HttpsServer(address, 0, context(folder / "c.pem", folder / "c.key"), {"/": app})
    plain = HttpsServer(address, 0, None, {"/": app})
    try:
        yield f"https://{address}:{running.port}|http://{address}:{plain.port}"
    finally:
        running.stop()
        plain.stop()


def get(server: str, path: str, plain: bool = False) -> http.Answer:
    base = server.split("|")[1 if plain else 0]
    return http.get(base + path, "cucm1.example.com", timeout=2, deadline=4)


def test_a_server_list_and_a_configuration_are_read_over_https_and_plain_http(server: str) -> None:
    answer = get(server, "/servers")
    assert answer.error is None
    assert answer.status == 200
    assert answer.body is not None
    assert http.parse_servers(answer.body) == (
        (("server", "cucm1.example.com"), ("server", "10.0.0.12")),
        None,
    )
    plain = get(server, "/config", plain=True)
    assert plain.body is not None
    names, error = http.parse_config(plain.body, frozenset({"voicemailprimaryserver", "udsserver"}))
    assert error is None
    # known parameters whatever their value (a short name too); others only when they name a server
    assert names == (
        ("PrtLogServerUrl", "https://prt.example.com/x"),
        ("VoicemailPrimaryServer", "cuc1"),
        ("UdsServer", "10.0.0.11"),
    )


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/html", "html"),
        ("/html-as-xml", "html"),
        ("/redirect", "redirect"),
        ("/missing", "absent"),
        ("/error", "http"),
        ("/big", "oversized"),
    ],
)
def test_an_answer_jabber_cannot_use_is_a_kind(server: str, path: str, kind: str) -> None:
    answer = get(server, path)
    assert answer.error is not None
    assert answer.error.kind == kind
    if kind == "redirect":
        assert "https://sso.example.com/login" in answer.error.message


@pytest.mark.parametrize(
    ("path", "kind", "says"),
    [
        ("/broken", "malformed", "not well-formed XML"),
        ("/other", "unexpected", "root is <versionInformation>"),
        ("/empty", "unexpected", "names no server"),
        ("/dtd", "malformed", "document type declaration"),
    ],
)
def test_xml_that_is_not_a_server_list_is_a_kind(server: str, path: str, kind: str, says: str) -> None:
    answer = get(server, path)
    assert answer.body is not None
    names, error = http.parse_servers(answer.body)
    assert names == ()
    assert error is not None
    assert (error.kind, says in error.message) == (kind, True)


def test_entities_are_never_expanded() -> None:
    laughs = b'<!DOCTYPE config [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><config><S><X>&b;</X></S></config>'
    names, error = http.parse_config(laughs)
    assert names == ()
    assert error is not None
    assert error.kind == "malformed"


def test_a_refused_connection_and_a_silent_server_are_kinds_within_the_deadline(tmp_path: Path) -> None:
    address = _free_address()
    with socket.socket() as closed:
        closed.bind((address, 0))
        port = closed.getsockname()[1]
    refused = http.get(f"http://{address}:{port}/jabber-config.xml", None, timeout=1, deadline=2)
    assert refused.error is not None
    assert refused.error.kind == "refused"
    silent = SilentServer(address, 0)
    try:
        hung = http.get(f"http://{address}:{silent.port}/jabber-config.xml", None, timeout=0.5, deadline=1)
    finally:
        silent.stop()
    assert hung.error is not None
    assert hung.error.kind == "timeout"
