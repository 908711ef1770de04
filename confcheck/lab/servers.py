"""The lab's network servers: HTTPS (Tomcat, AXL, admin pages), XMPP STARTTLS, direct TLS, silence.

Each server binds one loopback address and port, runs in daemon threads, and presents real
certificates. They speak just enough of each protocol for a client to meet them the way Jabber and
confcheck do, and no more.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import socketserver
import ssl
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from confcheck import records

STREAM_NS = "http://etherx.jabber.org/streams"
TLS_NS = "urn:ietf:params:xml:ns:xmpp-tls"
MAX_BODY = 1024 * 1024


@records.record
class Request:
    """One HTTP request as a lab application sees it."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes


@records.record
class Response:
    """What a lab application answers."""

    status: int
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()


App = Callable[[Request], Response]


def context(
    cert_file: Path,
    key_file: Path,
    *more: tuple[Path, Path],
    client_ca: Path | None = None,
    weak: bool = False,
) -> ssl.SSLContext:
    """A server TLS context presenting the chain in ``cert_file`` (leaf first).

    ``more``: further (chain, key) files of other key types. OpenSSL keeps one certificate per key
    type in a context and presents the one the client's offer allows: an RSA certificate to a TLS 1.2
    client offering only RSA cipher suites, the ECDSA one to a client offering only ECDSA ones, and
    to a TLS 1.3 client the first its signature algorithms accept (OpenSSL lists ECDSA first), as a
    Cisco node with an RSA certificate and its ECDSA twin does. ``client_ca``: ask for a client
    certificate issued by it, and refuse a client without one (mutual TLS). ``weak``: allow keys below
    OpenSSL's default security level (RSA 1024).
    """
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if weak:
        tls.set_ciphers("DEFAULT:@SECLEVEL=0")
    for chain, key in ((cert_file, key_file), *more):
        tls.load_cert_chain(chain, key)
    if client_ca is not None:
        tls.verify_mode = ssl.CERT_REQUIRED
        tls.load_verify_locations(client_ca)
    return tls


class Server:
    """Something listening on one address; ``stop()`` closes it."""

    address: str
    port: int

    def wake(self) -> None:
        """Tell the server's threads to finish, without waiting for them (``stop`` waits)."""

    def stop(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class HttpsServer(Server):
    """HTTPS on one address, dispatching to ``routes`` by path prefix; ``/`` answers like Tomcat's root.
    Connections are kept open between requests (HTTP/1.1), as Tomcat keeps them.

    ``tls`` None serves plain HTTP (TFTP's HTTP interface, 6970)."""

    def __init__(
        self, address: str, port: int, tls: ssl.SSLContext | None, routes: Mapping[str, App]
    ) -> None:
        self.address, self.port = address, port
        handler = _handler(routes)
        self.httpd = _QuietServer((address, port), handler, bind_and_activate=False)
        self.httpd.daemon_threads = True
        self.httpd.allow_reuse_address = True
        self.httpd.server_bind()
        self.httpd.server_activate()
        self.port = int(self.httpd.server_address[1])
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(
                self.httpd.socket, server_side=True, do_handshake_on_connect=False
            )
        self.httpd.timeout = 0.5  # handle_request() returns when a connection went away before accept()
        self._wake, self._waker = socket.socketpair()
        self.thread = threading.Thread(target=self._serve, name=f"lab-https-{address}", daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        """Accept until stopped. Unlike ``serve_forever``, which looks for a shutdown every half second,
        this waits on the listening socket and on a wake-up socket, so the lab stops at once."""
        with selectors.DefaultSelector() as selector:
            selector.register(self.httpd, selectors.EVENT_READ)
            selector.register(self._wake, selectors.EVENT_READ)
            while all(key.fileobj is not self._wake for key, _ in selector.select()):
                self.httpd.handle_request()

    def wake(self) -> None:
        with contextlib.suppress(OSError):
            self._waker.send(b"x")

    def stop(self) -> None:
        self.wake()
        self.thread.join()
        self.httpd.server_close()
        self._wake.close()
        self._waker.close()


class _QuietServer(ThreadingHTTPServer):
    """The lab is quiet: a client that drops a connection (confcheck fetching a certificate) is normal."""

    def server_bind(self) -> None:
        """Bind, without HTTPServer's reverse lookup of the address (``socket.getfqdn``) for a
        ``server_name`` the lab never uses: a query to the system's resolver for every server the lab
        starts, which costs its start-up time, or a resolver's timeout."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


def _handler(routes: Mapping[str, App]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "Apache-Coyote/1.1"
        sys_version = ""
        # HTTP/1.1 keeps a connection open for the next request, as Tomcat does, so a client's
        # session (AXL calls, admin pages) pays one TLS handshake, not one per request; each
        # response goes out at once (TCP_NODELAY, also Tomcat's default), not after the client's
        # delayed ACK of the headers. An app closes after its response with ``Connection: close``.
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True
        timeout = 10

        def setup(self) -> None:
            with contextlib.suppress(AttributeError):
                self.request.do_handshake()  # inside the worker thread: one slow client blocks no one
            super().setup()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the lab is quiet; requests carry credentials

        def do_GET(self) -> None:
            self._dispatch()

        def do_POST(self) -> None:
            self._dispatch()

        def _dispatch(self) -> None:
            length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
            body = self.rfile.read(length) if length else b""
            request = Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            app = next(
                (a for prefix, a in sorted(routes.items(), reverse=True) if self.path.startswith(prefix)),
                None,
            )
            response = app(request) if app else Response(200, b"<html><body>Apache Tomcat</body></html>")
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for name, value in response.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(response.body)

    return Handler


class _TcpServer(Server):
    """Accepts connections on one address and hands each to ``serve`` in a thread."""

    def __init__(self, address: str, port: int) -> None:
        self.address = address
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((address, port))
        self.sock.listen(64)
        self.port = int(self.sock.getsockname()[1])
        self._open: set[socket.socket] = set()
        threading.Thread(target=self._accept, name=f"lab-tcp-{address}:{self.port}", daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self._open.add(conn)
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(10)
            self.serve(conn)
        except (OSError, ssl.SSLError, ET.ParseError):
            pass
        finally:
            self._open.discard(conn)
            with contextlib.suppress(OSError):
                conn.close()

    def serve(self, conn: socket.socket) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        with contextlib.suppress(OSError):
            self.sock.close()
        for conn in list(self._open):
            with contextlib.suppress(OSError):
                conn.close()


class SilentServer(_TcpServer):
    """Accepts and never answers: a node that hangs (the ``slow`` fault)."""

    def serve(self, conn: socket.socket) -> None:
        while conn.recv(4096):
            pass


class TlsServer(_TcpServer):
    """Direct TLS, then a greeting (an IMAPS mail store says ``* OK``)."""

    def __init__(self, address: str, port: int, tls: ssl.SSLContext, greeting: bytes = b"") -> None:
        self.tls, self.greeting = tls, greeting
        super().__init__(address, port)

    def serve(self, conn: socket.socket) -> None:
        with self.tls.wrap_socket(conn, server_side=True) as secure:
            if self.greeting:
                secure.sendall(self.greeting)
            secure.recv(1024)


class XmppServer(_TcpServer):
    """An XMPP client port (RFC 6120): stream features with STARTTLS, ``<proceed/>``, then TLS.

    One certificate per served domain, picked by the stream's ``to`` like a real server's virtual
    hosts; an unknown domain gets ``<host-unknown/>``.
    """

    def __init__(self, address: str, port: int, domains: Mapping[str, ssl.SSLContext]) -> None:
        self.domains = {d.lower(): c for d, c in domains.items()}
        super().__init__(address, port)

    def serve(self, conn: socket.socket) -> None:
        parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start",))
        domain = None
        while domain is None:
            data = conn.recv(4096)
            if not data:
                return
            parser.feed(data)
            for event in parser.read_events():
                element = event[-1]
                if isinstance(element, ET.Element) and element.tag == f"{{{STREAM_NS}}}stream":
                    domain = (element.get("to") or "").lower()
        header = (
            f"<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='{STREAM_NS}' "
            f"id='lab' from='{_attr(domain)}' version='1.0'>"
        )
        tls = self.domains.get(domain)
        if tls is None:
            conn.sendall(
                f"{header}<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                "</stream:error></stream:stream>".encode()
            )
            return
        conn.sendall(
            f"{header}<stream:features><starttls xmlns='{TLS_NS}'><required/></starttls></stream:features>".encode()
        )
        received = b""
        while b"starttls" not in received:
            chunk = conn.recv(4096)
            if not chunk:
                return
            received += chunk
        conn.sendall(f"<proceed xmlns='{TLS_NS}'/>".encode())
        with tls.wrap_socket(conn, server_side=True) as secure:
            secure.recv(1024)


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace("'", "&apos;").replace("<", "&lt;")
