"""Benchmark helper: TLS and XMPP STARTTLS servers, each behind a delaying TCP proxy, in a process of their own.

The client being measured (confcheck's collector) must not share its interpreter with hundreds of
servers and proxies: their threads would take the GIL from it and add their own scheduling delays to
every round trip. So the servers run in a child process, on one asyncio loop, and the proxies delay
each chunk by exactly ``delay`` seconds in each direction, in order (this kernel has no netem).

    farm = Farm()                     # forks the server process: before the parent starts threads
    ports = farm.start([Spec(...)])   # (server port, proxy port) per endpoint
    farm.close()
"""

from __future__ import annotations

import asyncio
import collections
import multiprocessing
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection

FEATURES = (
    b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
    b"id='b' version='1.0'><stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>"
)
PROCEED = b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"


@dataclass(frozen=True)
class Spec:
    """One endpoint: ``https`` (TLS from the first byte) or ``xmpp`` (STARTTLS), its certificate chains
    (PEM chain file, key file; several for a server offering RSA and ECDSA), and where to listen."""

    scheme: str
    address: str
    chains: tuple[tuple[str, str], ...]
    proxy_address: str | None = None
    """Where the delaying proxy listens; None: no proxy."""
    delay: float = 0.0


class Farm:
    """The server process."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("fork")
        self._pipe, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child,), daemon=True)
        self._process.start()
        child.close()

    def start(self, specs: Sequence[Spec]) -> list[tuple[int, int | None]]:
        """Start ``specs``' servers and proxies; returns (server port, proxy port or None) for each."""
        self._pipe.send(list(specs))
        ports: list[tuple[int, int | None]] = self._pipe.recv()
        return ports

    def close(self) -> None:
        self._pipe.close()
        self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.kill()


def _serve(pipe: Connection) -> None:
    asyncio.run(_main(pipe))


async def _main(pipe: Connection) -> None:
    loop = asyncio.get_running_loop()
    while True:
        try:
            specs: list[Spec] = await loop.run_in_executor(None, pipe.recv)
        except EOFError:
            return
        ports = [await _start(spec) for spec in specs]
        pipe.send(ports)


async def _start(spec: Spec) -> tuple[int, int | None]:
    loop = asyncio.get_running_loop()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    for chain, key in spec.chains:
        context.load_cert_chain(chain, key)
    if spec.scheme == "https":
        server = await loop.create_server(_Https, spec.address, 0, ssl=context, backlog=256)
    else:
        server = await loop.create_server(lambda: _Xmpp(context), spec.address, 0, backlog=256)
    port = int(server.sockets[0].getsockname()[1])
    if spec.proxy_address is None:
        return port, None
    target, delay = (spec.address, port), spec.delay
    proxy = await loop.create_server(lambda: _Proxy(target, delay), spec.proxy_address, 0, backlog=256)
    return port, int(proxy.sockets[0].getsockname()[1])


_TASKS: set[asyncio.Future[None]] = set()
"""Tasks the protocols started, held until done (the loop keeps only weak references)."""


class _Https(asyncio.Protocol):
    """TLS from the first byte; the client closes once it has the chain."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.transport.close()


class _Xmpp(asyncio.Protocol):
    """An XMPP stream's features, STARTTLS's proceed, then TLS (RFC 6120 5.4)."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self.context = context
        self.state = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        assert isinstance(self.transport, asyncio.Transport)
        if self.state == 0:
            self.transport.write(FEATURES)
            self.state = 1
        elif self.state == 1:
            self.transport.write(PROCEED)
            self.transport.pause_reading()  # the ClientHello waits in the socket for start_tls
            self.state = 2
            _TASKS.add(task := asyncio.ensure_future(self._upgrade(self.transport)))
            task.add_done_callback(_TASKS.discard)
        else:
            self.transport.close()

    async def _upgrade(self, transport: asyncio.Transport) -> None:
        loop = asyncio.get_running_loop()
        try:
            upgraded = await loop.start_tls(transport, self, self.context, server_side=True)
        except (OSError, ssl.SSLError, ConnectionError):
            transport.close()
            return
        if upgraded is not None:
            self.transport = upgraded


class _Delayed:
    """One direction of a proxied connection: every chunk written ``delay`` seconds after it came, in order."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.sink: asyncio.Transport | None = None
        self.queue: collections.deque[tuple[float, bytes | None]] = collections.deque()
        self.timer: asyncio.TimerHandle | None = None

    def put(self, data: bytes | None) -> None:
        """``data``, or None for the end of the stream."""
        loop = asyncio.get_running_loop()
        self.queue.append((loop.time() + self.delay, data))
        if self.timer is None:
            self.timer = loop.call_at(self.queue[0][0], self.flush)

    def flush(self) -> None:
        loop = asyncio.get_running_loop()
        self.timer = None
        if self.sink is None:  # not connected yet: try again shortly
            self.timer = loop.call_later(0.001, self.flush)
            return
        while self.queue and self.queue[0][0] <= loop.time():
            _, data = self.queue.popleft()
            if self.sink.is_closing():
                continue
            if data is None:  # the other side is done: so is this one, once what it sent is out
                self.sink.close()
            else:
                self.sink.write(data)
        if self.queue:
            self.timer = loop.call_at(self.queue[0][0], self.flush)


class _Proxy(asyncio.Protocol):
    """The client's side of a proxied connection."""

    def __init__(self, target: tuple[str, int], delay: float) -> None:
        self.target = target
        self.up = _Delayed(delay)
        self.down = _Delayed(delay)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.down.sink = transport
        _TASKS.add(task := asyncio.ensure_future(self._connect()))
        task.add_done_callback(_TASKS.discard)

    async def _connect(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            transport, _ = await loop.create_connection(lambda: _Upstream(self.down), *self.target)
        except OSError:
            if self.down.sink is not None:
                self.down.sink.close()
            return
        self.up.sink = transport

    def data_received(self, data: bytes) -> None:
        self.up.put(data)

    def eof_received(self) -> bool:
        self.up.put(None)
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        self.up.put(None)


class _Upstream(asyncio.Protocol):
    """The server's side of a proxied connection."""

    def __init__(self, down: _Delayed) -> None:
        self.down = down

    def data_received(self, data: bytes) -> None:
        self.down.put(data)

    def eof_received(self) -> bool:
        self.down.put(None)
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        self.down.put(None)
