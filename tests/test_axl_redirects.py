"""AXL carries the password in every request: a redirect must never take it anywhere.

CUCM never redirects an AXL request; a server that does is hostile or misconfigured. The AXL
client (``allow_redirects=False``) must treat the redirect as an error, with nothing sent to where
it points and the request not sent again. Real HTTPS on loopback, the redirect target on another
loopback host that records whether anyone came.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hostile import Listener, read_request

from confcheck import pki
from confcheck.transport.axl import AxlClient, AxlError, AxlSettings
from confcheck.transport.https import TlsPolicy

USER = "axladmin"
PASSWORD = "Pa55-w0rd-n3ver-r3directed"
SERVER_NAME = "cucm1.example.com"


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, Path]:
    """A server context for cucm1.example.com and the CA bundle that trusts it."""
    directory = tmp_path_factory.mktemp("axl-redirect")
    root = pki.ca("AXL Redirect Test Root CA")
    leaf = pki.server(SERVER_NAME, dns=[SERVER_NAME], issuer=root)
    (directory / "leaf.pem").write_text(leaf.pem)
    (directory / "leaf.key").write_text(leaf.key_pem)
    (directory / "ca.pem").write_text(root.pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(directory / "leaf.pem", directory / "leaf.key")
    return context, directory / "ca.pem"


@pytest.fixture
def thief() -> Iterator[Listener]:
    listener = Listener("127.0.0.2")
    yield listener
    listener.stop()


def redirecting(
    context: ssl.SSLContext, status: int, location: str, requests: list[bytes]
) -> Callable[[socket.socket], None]:
    """Answers every request over TLS with ``status`` and ``Location: location``."""

    def serve(conn: socket.socket) -> None:
        with context.wrap_socket(conn, server_side=True) as secure:
            while request := read_request(secure):
                requests.append(request)
                secure.sendall(
                    f"HTTP/1.1 {status} Moved\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n".encode()
                )

    return serve


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_redirected_axl_request_is_an_error_and_goes_nowhere(
    tls: tuple[ssl.SSLContext, Path], thief: Listener, status: int, scheme: str
) -> None:
    context, bundle = tls
    requests: list[bytes] = []
    where = f"{scheme}://127.0.0.2:{thief.port}/axl/"
    server = Listener(serve=redirecting(context, status, where, requests))
    try:
        settings = AxlSettings(
            f"https://127.0.0.1:{server.port}/axl/",
            USER,
            PASSWORD,
            tls=TlsPolicy(ca_bundle=bundle),
            server_name=SERVER_NAME,
            timeout=2.0,
            connect_timeout=2.0,
            retries=0,
        )
        with pytest.raises(AxlError) as caught:
            AxlClient(settings).ccm_version()
    finally:
        server.stop()
    assert PASSWORD not in str(caught.value)
    assert len(requests) == 1  # asked once, not again at the new address
    assert not thief.contacted
