"""An overall deadline for HTTP exchanges made through a requests session.

Why: requests' timeouts bound each socket read, not the exchange. A server that sends one byte
every two seconds never trips a ten-second read timeout and can hold an AXL call forever. A
:class:`Watchdog` records every socket its session opens (a duplicate of it, so that it can still
shut the connection down during the TLS handshake, when urllib3 has detached the plain socket) and,
when an exchange outlives its deadline, shuts them down: the blocked read returns at once and the
caller reports a timeout. Sockets are shut down, never closed, from the alarm thread
(:mod:`confcheck.transport.alarms`); each duplicate is closed with its connection.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import weakref
from collections.abc import Iterator
from typing import Any

import requests
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from confcheck.transport import alarms


class Watchdog:
    """Cuts the connections of one session when an exchange outlives its deadline."""

    def __init__(self, session: requests.Session) -> None:
        self.fired = False
        self._lock = threading.Lock()
        self._sockets: dict[int, socket.socket] = {}
        for adapter in session.adapters.values():
            manager = getattr(adapter, "poolmanager", None)
            if manager is not None:
                manager.pool_classes_by_scheme = {
                    "http": _pool(HTTPConnectionPool, HTTPConnection, self),
                    "https": _pool(HTTPSConnectionPool, HTTPSConnection, self),
                }

    @contextlib.contextmanager
    def limit(self, seconds: float) -> Iterator[Watchdog]:
        """Within the block, cut the session's connections once ``seconds`` have passed; ``fired`` says so."""
        self.fired = False
        alarm = alarms.after(seconds, self._fire)
        try:
            yield self
        finally:
            alarm.cancel()

    def close(self) -> None:
        """Close every duplicate still held (the session's own sockets are the session's to close)."""
        with self._lock:
            held, self._sockets = list(self._sockets.values()), {}
        for sock in held:
            with contextlib.suppress(OSError):
                sock.close()

    def _fire(self) -> None:
        self.fired = True
        with self._lock:
            held = list(self._sockets.values())
        for sock in held:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _opened(self, connection: object, sock: socket.socket) -> None:
        duplicate = sock.dup()
        key = id(connection)
        with self._lock:
            old = self._sockets.pop(key, None)
            self._sockets[key] = duplicate
        if old is not None:
            with contextlib.suppress(OSError):
                old.close()
        weakref.finalize(connection, self._closed, key, duplicate)

    def _closed(self, key: int, duplicate: socket.socket | None = None) -> None:
        """A connection closed (``duplicate`` None) or was collected: close the duplicate it held."""
        with self._lock:
            held = self._sockets.get(key)
            if held is not None and (duplicate is None or held is duplicate):
                del self._sockets[key]
            else:
                held = None
        for sock in (held, duplicate):
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.close()


def _pool(pool: type[Any], connection: type[Any], watchdog: Watchdog) -> type[Any]:
    """A connection pool class whose connections tell ``watchdog`` about their sockets."""

    class Watched(connection):  # type: ignore[misc]
        def _new_conn(self) -> socket.socket:
            sock: socket.socket = super()._new_conn()
            watchdog._opened(self, sock)
            return sock

        def close(self) -> None:
            try:
                super().close()
            finally:
                watchdog._closed(id(self))

    return type(f"Watched{pool.__name__}", (pool,), {"ConnectionCls": Watched})
