"""The lab's HTTP servers start without asking the system's resolver anything."""

from __future__ import annotations

import socket
import urllib.request

import pytest

from confcheck.lab.servers import HttpsServer, Response


def test_an_http_server_starts_without_a_reverse_lookup_of_its_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """http.server looks up every address it binds (socket.getfqdn): a resolver query per lab server,
    paid at every lab start, and a wait for the resolver's timeout where it does not answer."""

    def no_resolver(name: str = "") -> str:
        raise AssertionError(f"the lab asked the resolver for the name of {name}")

    monkeypatch.setattr(socket, "getfqdn", no_resolver)
    server = HttpsServer("127.0.0.1", 0, None, {"/hello": lambda request: Response(200, b"hi", "text/plain")})
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/hello", timeout=5) as answer:
            assert answer.read() == b"hi"
        assert (server.httpd.server_name, server.httpd.server_port) == ("127.0.0.1", server.port)
    finally:
        server.stop()
