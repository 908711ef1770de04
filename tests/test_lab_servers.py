"""The lab's servers: started without asking the system's resolver anything, connections kept as Tomcat keeps
them, and all stopped at once."""

from __future__ import annotations

import socket
import urllib.request
from collections.abc import Callable

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


def test_the_lab_stops_by_waking_every_server_before_waiting_for_any() -> None:
    """A lab has dozens of servers, each with a thread to finish: all are woken first, so stopping
    takes about as long as the slowest, not the sum of them."""
    from confcheck.lab import scenario
    from confcheck.lab.runtime import Lab

    lab = Lab(scenario.load("clean"))
    lab.start()
    servers = list(lab.servers)
    assert len(servers) > 2
    calls: list[tuple[str, int]] = []
    for index, server in enumerate(servers):
        wake, stop = server.wake, server.stop

        def woken(index: int = index, wake: Callable[[], None] = wake) -> None:
            calls.append(("wake", index))
            wake()

        def stopped(index: int = index, stop: Callable[[], None] = stop) -> None:
            calls.append(("stop", index))
            stop()

        server.wake = woken  # type: ignore[method-assign]
        server.stop = stopped  # type: ignore[method-assign]
    lab.stop()
    first_stop = next(i for i, (what, _) in enumerate(calls) if what == "stop")
    assert sorted(index for what, index in calls[:first_stop] if what == "wake") == list(range(len(servers)))
    assert sorted(index for what, index in calls if what == "stop") == list(range(len(servers)))
    assert not lab.servers
