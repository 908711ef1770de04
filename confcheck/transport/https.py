"""HTTPS sessions for connections that carry credentials (AXL, admin pages).

Credentials are sent on these connections, so they verify TLS unless the user explicitly opts out:
against the system trust store by default, a CA bundle, or a pinned SHA-256 fingerprint of the
server's certificate (typical for the self-signed Tomcat certificates audits run into). The
explicit ``insecure`` choice is the caller's to announce.

A session made with ``https_only`` refuses plain ``http://`` outright, and one given a
:class:`Deadline` shuts its connections when an exchange outlives it: a server that sends one byte
now and then defeats every per-read timeout, but not an overall deadline.

The policy itself (:class:`TlsPolicy`, :func:`check_ca_bundle`) lives in the light
:mod:`confcheck.transport.tls_policy`, so reading an inventory does not import requests; it is
re-exported here.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import warnings
import weakref
from collections.abc import Iterator
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPSConnection
from urllib3.connectionpool import HTTPSConnectionPool

from confcheck.transport import alarms
from confcheck.transport.tls_policy import MAX_CA_BUNDLE, TlsPolicy, check_ca_bundle, fingerprint_hex

__all__ = ["MAX_CA_BUNDLE", "Deadline", "TlsPolicy", "check_ca_bundle", "session"]


class Deadline:
    """An overall time limit on one HTTP exchange at a time, whatever the server's pace.

    Every socket the session opens is watched; when :meth:`running`'s time is up, they are shut
    down, so the read in progress fails at once and :attr:`expired` says why.
    """

    def __init__(self) -> None:
        self._sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        self._lock = threading.Lock()
        self.expired = False

    def watch(self, sock: socket.socket | None) -> None:
        """Shut ``sock`` down too if the running exchange's time runs out."""
        if sock is not None:
            with self._lock:
                self._sockets.add(sock)

    @contextlib.contextmanager
    def running(self, seconds: float) -> Iterator[None]:
        """Allow what runs inside at most ``seconds``."""
        self.expired = False
        alarm = alarms.after(seconds, self._expire)
        try:
            yield
        finally:
            alarm.cancel()

    def _expire(self) -> None:
        self.expired = True
        with self._lock:
            watched = list(self._sockets)
        for sock in watched:
            with contextlib.suppress(OSError, ValueError):
                # the plain socket's shutdown: an SSLSocket's own would also drop its TLS state
                # under the reading thread's feet
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _watched_pool(deadline: Deadline) -> type[HTTPSConnectionPool]:
    """A connection pool class whose connections report their sockets to ``deadline``."""

    class Connection(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            deadline.watch(sock)  # the TCP socket, during the TLS handshake
            return sock

        def connect(self) -> None:
            super().connect()
            deadline.watch(self.sock)  # the TLS socket that replaced it

    class Pool(HTTPSConnectionPool):
        ConnectionCls = Connection

    return Pool


class _Adapter(HTTPAdapter):
    """Pins a certificate fingerprint, names the server when connecting to its address, and
    watches the connections for a :class:`Deadline`.

    Connecting to an address (resolved through the inventory's DNS server) while verifying the
    certificate against the server's name is what a client does after its own DNS lookup.
    """

    def __init__(
        self,
        fingerprint: str | None,
        server_name: str | None,
        deadline: Deadline | None = None,
        **kwargs: Any,
    ) -> None:
        self._fingerprint = fingerprint_hex(fingerprint).lower() if fingerprint else None
        self._server_name = server_name
        self._deadline = deadline
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        if self._fingerprint:
            kwargs["assert_fingerprint"] = self._fingerprint
            kwargs["cert_reqs"] = "CERT_NONE"
        if self._server_name:
            kwargs["server_hostname"] = self._server_name
            kwargs["assert_hostname"] = False if self._fingerprint else self._server_name
        super().init_poolmanager(*args, **kwargs)
        if self._deadline is not None:
            classes = dict(self.poolmanager.pool_classes_by_scheme)
            classes["https"] = _watched_pool(self._deadline)
            self.poolmanager.pool_classes_by_scheme = classes


class _Refused(HTTPAdapter):
    """Mounted on ``http://`` for sessions that carry credentials only over TLS."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        raise requests.exceptions.InvalidSchema(
            f"{request.url}: plain http://; confcheck sends credentials and sessions only over https://"
        )


def session(
    policy: TlsPolicy,
    server_name: str | None = None,
    *,
    https_only: bool = False,
    deadline: Deadline | None = None,
) -> requests.Session:
    """A requests session that verifies TLS as ``policy`` says.

    ``server_name``: the server's name when URLs carry its address; sent as SNI and checked against
    the certificate (unless a fingerprint is pinned, which identifies the server by itself).
    ``https_only``: refuse ``http://`` URLs. ``deadline``: watch every connection for it.
    """
    http = requests.Session()
    http.trust_env = False  # no proxies or CA paths from the environment: talk only to the inventory
    if policy.insecure:
        http.verify = False
        # The user chose this and is told once by the caller; not on every request.
        warnings.filterwarnings("ignore", category=urllib3.exceptions.InsecureRequestWarning)
    elif policy.fingerprint:
        http.verify = False
    elif policy.ca_bundle is not None:
        http.verify = str(policy.ca_bundle)
    if policy.fingerprint or server_name or deadline is not None:
        pin = None if policy.insecure else policy.fingerprint
        http.mount("https://", _Adapter(pin, server_name, deadline))
    if https_only:
        http.mount("http://", _Refused())
    return http


def read_bounded(response: requests.Response, limit: int) -> bytes | None:
    """A streamed response's body, or None once it grows past ``limit`` bytes: a server decides how
    much it sends, so what confcheck reads from it is capped as it arrives, never after."""
    chunks, size = [], 0
    for chunk in response.iter_content(16 * 1024):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
