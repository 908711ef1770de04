"""Fetch the certificate chain an endpoint presents, the way a Jabber client meets the server.

``https://`` and ``tls://`` are direct TLS; ``xmpp://`` is an RFC 6120 client stream to the XMPP
domain upgraded with STARTTLS; ``imap://`` is IMAP STARTTLS and ``imaps://`` direct TLS. Nothing is
verified: we inspect bad certificates on purpose, including old protocol versions and weak keys.

A server may hold an RSA and an ECDSA certificate for one service (Cisco's ``tomcat`` and
``tomcat-ECDSA``) and present whichever the client's offer allows. A :class:`Target` may therefore
restrict the offer (:data:`OFFERS`): ``rsa`` or ``ecdsa`` caps the handshake at TLS 1.2 and offers
only the cipher suites that authenticate with that key type (OpenSSL's ``aRSA`` and ``aECDSA``).
TLS 1.3 cannot be restricted this way: its cipher suites do not name the key type, the certificate
is chosen by the signature_algorithms extension, and Python's ``ssl`` module (before 3.15) has no
call to set that list. A server that refuses TLS 1.2 therefore cannot be probed per key type; the
RSA probe then falls back to the full offer, and the ECDSA probe says it could not be made.

Servers are treated as hostile and as production systems at once: every read is bounded in size
and time, each endpoint has an overall deadline, refused or reset connections are retried with
backoff, concurrency is bounded overall and per host, and every failure becomes data on the
returned :class:`~confcheck.model.Endpoint`, never an exception.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import socket
import ssl
import threading
import time
import warnings
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from confcheck import certs, records
from confcheck.errors import ConfcheckError

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET
from confcheck.endpoint import NOT_OFFERED, NOT_OPEN, Endpoint, EndpointError

SCHEMES = {
    "https": ("https", 8443),
    "tls": ("tls", None),
    "xmpp": ("xmpp-client", 5222),
    "imap": ("imap", 143),
}
SCHEMES["imaps"] = ("imaps", 993)

STREAM_NS = "http://etherx.jabber.org/streams"
TLS_NS = "urn:ietf:params:xml:ns:xmpp-tls"


OFFERS = ("any", "rsa", "ecdsa")
"""What a ClientHello offers: everything (TLS 1.0-1.3, every cipher suite), or TLS 1.2 cipher suites
that authenticate with an RSA key only, or with an ECDSA key only."""
_OFFER_CIPHERS = {"any": "ALL", "rsa": "aRSA", "ecdsa": "aECDSA"}


class UrlError(ConfcheckError):
    """A SOURCE URL that cannot be used: malformed, unknown scheme, port out of range."""


@records.record
class Target:
    """Where to fetch a chain from, and which name to present (SNI, XMPP stream ``to``)."""

    scheme: str
    host: str
    port: int
    name: str | None = None
    """The XMPP domain, or the server name to send as SNI; None: the host itself when it is a name."""
    offer: str = "any"
    """One of :data:`OFFERS`. ``rsa``: a server that refuses it is met again with the full offer, so
    that a server without an RSA certificate (or speaking TLS 1.3 only) still shows its certificate.
    ``ecdsa``: a server that refuses it gets the error kind ``not-offered``."""
    optional: bool = False
    """A port that may well be closed (SIP OAuth): a connection refused, or not answered at all (a
    firewall that drops it), is not retried and gets the error kind ``not-open``. Once connected, a
    port that then fails is a failure like any other."""

    @property
    def protocol(self) -> str:
        """The model's protocol name (``xmpp-client`` for ``xmpp://``)."""
        return SCHEMES[self.scheme][0]

    @property
    def url(self) -> str:
        """The canonical URL, IPv6 literals bracketed."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def server_name(self) -> str | None:
        """The name sent to the server: ``name`` if given, else the host when it is not an address."""
        if self.name:
            return self.name
        return None if _is_address(self.host) else self.host


@records.record
class Policy:
    """How gently and how long to try. The defaults suit production servers."""

    connect_timeout: float = 5.0
    read_timeout: float = 5.0
    deadline: float = 20.0
    """Overall seconds per endpoint, retries included."""
    concurrency: int = 64
    """Endpoints fetched at once, across all hosts."""
    per_host: int = 2
    """Connections at once to one host: gentle, these are production servers."""
    retries: int = 2
    """Extra attempts after a refused or reset connection."""
    backoff: float = 0.5
    """Seconds before the first retry; doubles each time."""
    max_preamble: int = 64 * 1024
    """Bytes a server may send before TLS starts (XMPP features, IMAP greeting)."""


def parse_url(text: str, name: str | None = None) -> Target:
    """Parse ``scheme://host[:port]``; UrlError (exit 2) with a one-line reason otherwise."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError as exc:
        raise UrlError(f"{text}: not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise UrlError(
            f"{text}: unknown scheme {parts.scheme!r} (use {', '.join(f'{s}://' for s in SCHEMES)})"
        )
    if not parts.hostname:
        raise UrlError(f"{text}: no host")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        raise UrlError(f"{text}: only scheme://host[:port] is accepted")
    default = SCHEMES[scheme][1]
    if port is None and default is None:
        raise UrlError(f"{text}: {scheme}:// needs a port")
    if port == 0:
        raise UrlError(f"{text}: port out of range (1-65535)")
    host = parts.hostname
    if "%" in host or any(ord(c) < 0x21 for c in host):
        raise UrlError(f"{text}: not a valid host")
    return Target(scheme, host, port or default or 0, name)


class FetchError(Exception):
    """Why an endpoint presented no chain; ``kind`` is machine-readable."""

    def __init__(self, kind: str, message: str, connecting: bool = False) -> None:
        super().__init__(message)
        self.kind = kind
        self.connecting = connecting
        """True when the TCP connection itself was refused or not answered: nothing listened."""


def fetch(target: Target, policy: Policy | None = None, purpose: str = "") -> Endpoint:
    """The chain ``target`` presents, or the reason it presented none, as an Endpoint."""
    return _read_chain(target, purpose, _fetch_chain(target, policy or Policy(), purpose))


def _fetch_chain(target: Target, policy: Policy, purpose: str) -> list[bytes] | Endpoint:
    """The chain's DER certificates as ``target`` presented them, leaf first, or an Endpoint saying why none.

    Network only: :func:`fetch_all` runs this in its worker threads and reads the chains itself.
    """
    started = time.monotonic()
    attempt = 0
    offer = target.offer
    while True:
        try:
            return _fetch_once(target, policy, started + policy.deadline, offer)
        except FetchError as exc:
            if target.optional and exc.connecting and exc.kind in ("refused", "timeout"):
                why = "the port is not open" if exc.kind == "refused" else "no answer: filtered, or not open"
                return _endpoint(target, purpose, error=EndpointError(NOT_OPEN, f"{exc} ({why})"))
            if exc.kind == "tls" and offer == "rsa":
                offer = "any"  # no RSA certificate, or TLS 1.3 only: show what the server has
                continue
            if exc.kind == "tls" and offer == "ecdsa":
                return _endpoint(target, purpose, error=EndpointError(NOT_OFFERED, _not_offered(target, exc)))
            retryable = exc.kind in ("refused", "reset")
            delay = policy.backoff * 2**attempt
            if (
                not retryable
                or attempt >= policy.retries
                or time.monotonic() + delay >= started + policy.deadline
            ):
                return _endpoint(target, purpose, error=EndpointError(exc.kind, str(exc)))
            attempt += 1
            time.sleep(delay)


def _read_chain(target: Target, purpose: str, fetched: list[bytes] | Endpoint) -> Endpoint:
    """The Endpoint for what :func:`_fetch_chain` returned: its certificates read, or its error as it was."""
    if isinstance(fetched, Endpoint):
        return fetched
    try:
        parsed = tuple(certs.load(der, target.url)[0] for der in fetched)
    except certs.CertificateError as exc:
        return _endpoint(target, purpose, error=EndpointError("certificate", str(exc)))
    return _endpoint(target, purpose, chain=parsed)


def _not_offered(target: Target, exc: FetchError) -> str:
    """Why an ECDSA-only probe met nothing, in words that stay true for either cause."""
    if "PROTOCOL_VERSION" in str(exc).upper() or "protocol version" in str(exc):
        return (
            f"{target.url} refused a TLS 1.2 handshake offering only ECDSA ({exc}): it may speak TLS 1.3 "
            "only, where confcheck cannot restrict the offer to ECDSA, so an ECDSA certificate, if it has "
            "one, was not seen"
        )
    return f"{target.url} refused a TLS 1.2 handshake offering only ECDSA: it offers no ECDSA certificate ({exc})"


def fetch_all(
    targets: Iterable[Target],
    policy: Policy | None = None,
    purpose: str = "",
    done: Callable[[int], None] | None = None,
    pool: Executor | None = None,
) -> list[Endpoint]:
    """Fetch several endpoints concurrently (bounded overall and per host); results in input order.

    ``done(count)``: called in the caller's thread as endpoints finish, with how many have. ``pool``:
    the threads to fetch in, the caller's (at most ``policy.concurrency`` of them; none of them may be
    the caller's own thread): a collection's are started already, where starting new ones makes each
    submission wait for its thread to run. Without one, a pool of its own.

    The worker threads only talk to servers; the caller's thread reads each chain as it arrives. So
    the certificate parser is imported once, by one thread, while the first handshakes are still on
    the wire (not by every worker at once, each waiting for the import to end), and the CA
    certificates every endpoint presents after its own are read once from the cache of
    :func:`confcheck.certs.load` (not once per worker racing to fill it).
    """
    policy = policy or Policy()
    targets = list(targets)
    if not targets:
        return []
    gates: dict[str, threading.Semaphore] = defaultdict(lambda: threading.Semaphore(policy.per_host))
    for target in targets:
        gates[target.host.lower()]  # create every gate before the threads start

    def one(target: Target) -> list[bytes] | Endpoint:
        with gates[target.host.lower()]:
            return _fetch_chain(target, policy, purpose)

    order = sorted(range(len(targets)), key=_interleave_hosts(targets))
    results: list[Endpoint | None] = [None] * len(targets)
    with contextlib.ExitStack() as owned:
        if pool is None:
            workers = min(policy.concurrency, len(targets))
            pool = owned.enter_context(ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tls"))
        futures = {pool.submit(one, targets[index]): index for index in order}
        try:
            for count, future in enumerate(as_completed(futures), start=1):
                index = futures[future]
                results[index] = _read_chain(targets[index], purpose, future.result())
                if done is not None:
                    done(count)
        finally:
            wait(futures)  # whatever happened, no fetch outlives the call (as a pool of its own ensures)
    return [r for r in results if r is not None]


def _interleave_hosts(targets: list[Target]) -> Callable[[int], tuple[int, int]]:
    """Sort key spreading each host's endpoints apart, so per-host waits do not fill the pool."""
    rank: dict[int, tuple[int, int]] = {}
    seen: dict[str, int] = defaultdict(int)
    for index, target in enumerate(targets):
        host = target.host.lower()
        rank[index] = (seen[host], index)
        seen[host] += 1
    return rank.__getitem__


def _endpoint(
    target: Target,
    purpose: str,
    chain: tuple[certs.Certificate, ...] = (),
    error: EndpointError | None = None,
) -> Endpoint:
    return Endpoint(purpose, target.protocol, target.host, target.port, target.server_name, chain, error)


# --- one attempt ------------------------------------------------------------------------------


@dataclass
class _Clock:
    """One attempt's budget: time left before the deadline, bytes read before TLS, the last read."""

    deadline: float
    policy: Policy
    bytes_read: int = 0
    last: bytes = b""

    def remaining(self, cap: float) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise FetchError(
                "timeout", f"no answer within the overall deadline of {self.policy.deadline:g} s"
            )
        return min(cap, left)

    def timeout(self, doing: str, limit: float) -> FetchError:
        """A timeout after waiting ``limit`` seconds, blamed on the overall deadline when that ran out."""
        if time.monotonic() >= self.deadline - 0.05:
            return FetchError(
                "timeout", f"{doing}: no answer within the overall deadline of {self.policy.deadline:g} s"
            )
        return FetchError("timeout", f"{doing}: no answer within {_seconds(limit)} s")

    def leftover(self, tag: bytes) -> bytes:
        """What the last read held after the element ``tag`` closed (nothing may follow <proceed/>)."""
        tail = self.last[self.last.rfind(tag) :]
        return tail[tail.find(b">") + 1 :].strip()


def _fetch_once(target: Target, policy: Policy, deadline: float, offer: str) -> list[bytes]:
    clock = _Clock(deadline, policy)
    sock = _connect(target, clock)
    try:
        if target.scheme == "xmpp":
            _xmpp_starttls(sock, target, clock)
        elif target.scheme == "imap":
            _imap_starttls(sock, target, clock)
        return _handshake(sock, target, clock, offer)
    finally:
        with contextlib.suppress(OSError):
            sock.close()


def _connect(target: Target, clock: _Clock) -> socket.socket:
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError("dns", f"{target.host} does not resolve ({exc.strerror})") from None
    last: FetchError | None = None
    for family, kind, proto, _, address in infos:
        sock = socket.socket(family, kind, proto)
        limit = 0.0
        try:
            limit = clock.remaining(clock.policy.connect_timeout)
            sock.settimeout(limit)
            sock.connect(address)
            return sock
        except FetchError:
            sock.close()
            raise
        except OSError as exc:
            sock.close()
            last = _os_error(exc, f"connect to {target.url}", clock, limit)
            last.connecting = True
    raise last or FetchError("connect", f"{target.host} has no address")


def _handshake(sock: socket.socket, target: Target, clock: _Clock, offer: str = "any") -> list[bytes]:
    context = _inspection_context(offer)
    sni = target.server_name
    limit = clock.remaining(clock.policy.read_timeout + clock.policy.connect_timeout)
    try:
        sock.settimeout(limit)
        with context.wrap_socket(sock, server_hostname=sni, do_handshake_on_connect=False) as tls:
            tls.do_handshake()
            chain = _presented_chain(tls)
    except ssl.SSLError as exc:
        raise FetchError("tls", f"TLS handshake with {target.url} failed: {exc.reason or exc}") from None
    except OSError as exc:
        raise _os_error(exc, f"TLS handshake with {target.url}", clock, limit) from None
    if not chain:
        raise FetchError("tls", f"{target.url} completed the handshake without a certificate")
    return chain


def _presented_chain(tls: ssl.SSLSocket) -> list[bytes]:
    """The chain as sent, leaf first (public API from Python 3.13, the same call before)."""
    public = getattr(tls, "get_unverified_chain", None)
    if public is not None:
        return [bytes(c) for c in public()]
    sslobj = getattr(tls, "_sslobj", None)
    if sslobj is not None and hasattr(sslobj, "get_unverified_chain"):
        import _ssl

        return [c.public_bytes(_ssl.ENCODING_DER) for c in sslobj.get_unverified_chain() or []]
    leaf = tls.getpeercert(binary_form=True)
    return [leaf] if leaf else []


@functools.cache
def _inspection_context(offer: str = "any") -> ssl.SSLContext:
    """A client context that accepts anything a server presents, old protocols and weak keys included.

    ``rsa`` and ``ecdsa`` (see :data:`OFFERS`) stop at TLS 1.2 and offer only the cipher suites that
    authenticate with that key type, so the server must present a certificate of that type or refuse.
    """
    if offer not in _OFFER_CIPHERS:
        raise ValueError(f"unknown offer {offer!r} (one of {', '.join(OFFERS)})")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with contextlib.suppress(ValueError, ssl.SSLError), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.0 is deprecated: we inspect, not trust
        context.minimum_version = ssl.TLSVersion.TLSv1
    ciphers = _OFFER_CIPHERS[offer]
    if offer == "any":
        with contextlib.suppress(ssl.SSLError):
            context.set_ciphers(f"{ciphers}:@SECLEVEL=0")
        return context
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.set_ciphers(f"{ciphers}:@SECLEVEL=0")
    except ssl.SSLError:  # a TLS library without security levels: the restriction is what matters
        context.set_ciphers(ciphers)
    return context


# --- STARTTLS -------------------------------------------------------------------------------


def _read(sock: socket.socket, clock: _Clock, what: str) -> bytes:
    limit = clock.remaining(clock.policy.read_timeout)
    sock.settimeout(limit)
    try:
        data = sock.recv(4096)
    except OSError as exc:
        raise _os_error(exc, f"waiting for {what}", clock, limit) from None
    if not data:
        raise FetchError("closed", f"the server closed the connection while confcheck waited for {what}")
    clock.bytes_read += len(data)
    clock.last = data
    if clock.bytes_read > clock.policy.max_preamble:
        raise FetchError(
            "protocol", f"the server sent more than {clock.policy.max_preamble} bytes before TLS"
        )
    return data


def _send(sock: socket.socket, data: bytes, clock: _Clock) -> None:
    limit = clock.remaining(clock.policy.read_timeout)
    sock.settimeout(limit)
    try:
        sock.sendall(data)
    except OSError as exc:
        raise _os_error(exc, "sending", clock, limit) from None


def _xmpp_starttls(sock: socket.socket, target: Target, clock: _Clock) -> None:
    """RFC 6120: open a client stream to the domain, read the features, ask for TLS, wait for <proceed/>."""
    domain = target.name or target.host
    header = (
        f"<?xml version='1.0'?><stream:stream to='{_xml_attr(domain)}' version='1.0' xmlns='jabber:client' "
        "xmlns:stream='http://etherx.jabber.org/streams'>"
    )
    _send(sock, header.encode("utf-8"), clock)
    stream = _XmppStream(sock, clock)
    offered = False
    for element in stream.ends("the stream features"):
        if element.tag == f"{{{TLS_NS}}}starttls":
            offered = True
        elif element.tag == f"{{{STREAM_NS}}}features":
            break
    if not offered:
        raise FetchError("xmpp", f"{target.url} does not offer STARTTLS for {domain}")
    _send(sock, f"<starttls xmlns='{TLS_NS}'/>".encode(), clock)
    for element in stream.ends("<proceed/>"):
        if element.tag == f"{{{TLS_NS}}}proceed":
            if stream.pending or clock.leftover(b"proceed"):
                raise FetchError("protocol", f"{target.url} sent data after <proceed/>, before TLS")
            return
        if element.tag == f"{{{TLS_NS}}}failure":
            raise FetchError("xmpp", f"{target.url} refused STARTTLS (<failure/>)")
        raise FetchError("xmpp", f"{target.url} answered STARTTLS with <{_local(element.tag)}>")


class _XmppStream:
    """The server's half of the stream, parsed incrementally; elements come out as they close.

    Stream errors, DTDs (which XMPP forbids) and malformed XML become FetchErrors. A DTD is
    caught by the parser as it starts, wherever the server split its bytes between reads, before
    any entity it declares can be defined. Elements parsed but not yet asked for stay pending, so
    nothing a server sent in one packet is lost.
    """

    def __init__(self, sock: socket.socket, clock: _Clock) -> None:
        import xml.etree.ElementTree as ET  # only XMPP endpoints need a parser

        self.sock, self.clock = sock, clock
        self.pending: deque[ET.Element] = deque()
        self.parser = ET.XMLParser(target=_builder()(self.pending))

    def ends(self, what: str) -> Iterator[ET.Element]:
        """Closed elements, reading from the socket whenever none is pending."""
        while True:
            while self.pending:
                yield self.pending.popleft()
            self._read(what)

    def _read(self, what: str) -> None:
        import xml.etree.ElementTree as ET

        data = _read(self.sock, self.clock, what)
        try:
            self.parser.feed(data)
        except ET.ParseError as exc:
            raise FetchError(
                "protocol", f"the server sent malformed XML while confcheck waited for {what} ({exc})"
            ) from None
        for element in self.pending:
            if element.tag == f"{{{STREAM_NS}}}error":
                condition = next((_local(child.tag) for child in element), "unknown")
                raise FetchError("xmpp", f"stream error <{condition}/> from the server")


@functools.cache
def _builder() -> Callable[[deque[ET.Element]], ET.TreeBuilder]:
    """The tree builder class for XMPP streams (made on first use: only XMPP endpoints parse XML)."""
    import xml.etree.ElementTree as ET

    class Builder(ET.TreeBuilder):
        """Builds the stream's elements, queues each as it closes, and refuses a DTD as it begins."""

        def __init__(self, closed: deque[ET.Element]) -> None:
            super().__init__()
            self.closed = closed

        def end(self, tag: str) -> ET.Element:
            element = super().end(tag)
            self.closed.append(element)
            return element

        def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
            raise FetchError("protocol", "the server sent a DTD, which XMPP forbids")

    return Builder


def _imap_starttls(sock: socket.socket, target: Target, clock: _Clock) -> None:
    """RFC 3501: read the greeting, send STARTTLS, wait for the tagged OK."""
    lines = _lines(sock, clock, "the IMAP greeting")
    greeting = next(lines)
    if not greeting.upper().startswith(b"* OK"):
        raise FetchError("imap", f"{target.url} greeted with {greeting[:80]!r}, not '* OK'")
    _send(sock, b"C1 STARTTLS\r\n", clock)
    for line in lines:
        upper = line.upper()
        if upper.startswith(b"C1 OK"):
            return
        if upper.startswith((b"C1 NO", b"C1 BAD")):
            raise FetchError(
                "imap", f"{target.url} refused STARTTLS: {line[:120].decode('ascii', 'replace')}"
            )


def _lines(sock: socket.socket, clock: _Clock, what: str) -> Iterator[bytes]:
    buffer = b""
    while True:
        while b"\r\n" not in buffer:
            buffer += _read(sock, clock, what)
        line, buffer = buffer.split(b"\r\n", 1)
        yield line


# --- helpers --------------------------------------------------------------------------------


def _os_error(exc: OSError, doing: str, clock: _Clock | None = None, limit: float = 0.0) -> FetchError:
    if isinstance(exc, TimeoutError | socket.timeout):
        if clock is not None:
            return clock.timeout(doing, limit)
        return FetchError("timeout", f"{doing}: timed out")
    if isinstance(exc, ConnectionRefusedError):
        return FetchError("refused", f"{doing}: connection refused")
    if isinstance(exc, ConnectionResetError | BrokenPipeError):
        return FetchError("reset", f"{doing}: connection reset by the server")
    return FetchError("connect", f"{doing}: {exc.strerror or exc}")


def _seconds(value: float) -> str:
    """Seconds as people write them: ``3.4``, ``10``."""
    return f"{round(value, 2):g}"


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _xml_attr(text: str) -> str:
    return text.replace("&", "&amp;").replace("'", "&apos;").replace("<", "&lt;").replace('"', "&quot;")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
