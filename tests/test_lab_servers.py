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


def test_an_http_server_keeps_the_connection_for_the_next_request() -> None:
    """Like Tomcat, the lab answers in HTTP/1.1 and keeps the connection: a client's session pays one
    TLS handshake for its requests, not one each; ``Connection: close`` from an app still closes."""
    routes = {
        "/hello": lambda request: Response(200, b"hi", "text/plain"),
        "/bye": lambda request: Response(200, b"bye", "text/plain", headers=(("Connection", "close"),)),
    }
    server = HttpsServer("127.0.0.1", 0, None, routes)
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn:
            reader = conn.makefile("rb")
            for path, body in (("/hello", b"hi"), ("/hello", b"hi"), ("/bye", b"bye")):
                conn.sendall(f"GET {path} HTTP/1.1\r\nHost: lab\r\n\r\n".encode())
                status = reader.readline()
                headers = {}
                while (line := reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode().partition(":")
                    headers[name.strip().lower()] = value.strip()
                assert status.startswith(b"HTTP/1.1 200"), status
                assert reader.read(int(headers["content-length"])) == body
            assert reader.read() == b""  # closed after the app's Connection: close
    finally:
        server.stop()
