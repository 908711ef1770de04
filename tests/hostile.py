"""Hostile material for the tests: deployments that try to break the reports, and misbehaving servers.

Names and values are typed by administrators and read off servers: every report must show them
exactly, without letting them split a table row or a CSV record, run as a spreadsheet formula,
inject HTML into a wiki, or make an XML file unreadable. Servers answer whatever they like: the
listeners below (loopback only) drip, redirect and lie, and record whether confcheck came at all.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date

from helpers import cert, cluster, demo_deployment, deployment, lint, node, tomcat, xmpp

from confcheck.findings import Finding, Severity
from confcheck.gate import Gate, Waiver, apply
from confcheck.model import Deployment, Problem, Setting
from confcheck.report import ChangeSummary, Report

NODE = "cucm|1<script>alert(1)</script>"
"""A node name (CC101: not a host name at all) that tries to split a table and run a script."""
VOICEMAIL = "=cmd()|calc\n<img src=x>`*_[x](y)"
"""A setting value: a spreadsheet formula, a pipe, a line break, an image, Markdown punctuation."""
TFTP = "+SUM(1)\x00\u202e"
"""A formula start, a NUL (which XML 1.0 cannot carry) and a right-to-left override."""
XMPP_DOMAIN = "-2+3"
CLUSTER = "hq|<b>bold</b>"
OTHER_CLUSTER = "imp\nx"
INSTANCE = "VM|<i>"
HOSTILE_VALUES = (NODE, VOICEMAIL, TFTP, XMPP_DOMAIN)


def hostile_deployment() -> Deployment:
    """Two clusters whose names, node names and settings are all hostile."""
    leaf = cert("cucm1.example.com", dns=["cucm1.example.com"])
    cucm = cluster(
        CLUSTER,
        "cucm",
        "9.1",
        [node(NODE, tomcat(NODE, leaf), addresses=["10.0.0.11"])],
        Setting("cucm9.uc-service-voicemail", VOICEMAIL, INSTANCE),
    )
    imp_leaf = cert("imp1.example.com", dns=["imp1.example.com"])
    imp = cluster(
        OTHER_CLUSTER,
        "imp",
        "9.1",
        [
            node(
                "imp1.example.com",
                tomcat("imp1.example.com", imp_leaf),
                xmpp("imp1.example.com", imp_leaf, "example.com"),
            )
        ],
        Setting("imp9.tftp-primary", TFTP),
        Setting("imp9.xmpp-domain", XMPP_DOMAIN),
    )
    return deployment(cucm, imp)


def judged(dep: Deployment, gate: Gate | None = None, fail_on: Severity | None = Severity.ERROR) -> Report:
    """The report ``confcheck lint`` writes for ``dep`` through ``gate``."""
    result = lint(dep)
    gated = apply(result.findings, gate or Gate())
    return Report(
        deployment=dep,
        findings=gated.findings,
        references=result.references,
        incomplete=result.incomplete,
        missing=result.missing,
        fail_on=fail_on,
        source="snap<shot>|1.json",
        suppressed=gated.suppressed,
        notes=gated.notes,
    )


def hostile_report() -> Report:
    """The hostile deployment's report: nothing suppressed."""
    return judged(hostile_deployment())


WAIVER_REASON = "accepted | until <b>migration</b>\n*really*"


def gated_report(dep: Deployment | None = None) -> tuple[Report, Finding, Finding]:
    """A report with one finding waived, one baselined, and an unused waiver (CC901, in no cluster).

    Returns the report, the waived finding and the baselined one.
    """
    dep = dep or demo_deployment()
    findings = lint(dep).findings
    waived, baselined = findings[0], findings[1]
    gate = Gate(
        waivers=(
            Waiver(waived.rule, waived.fingerprint, WAIVER_REASON, date(2099, 1, 1), "confcheck.toml:3"),
            Waiver("CC1", "no-such-server.example.com", "left over", None, "confcheck.toml:9"),
        ),
        baseline=frozenset({baselined.fingerprint}),
        baseline_source="baseline.json",
    )
    return judged(dep, gate), waived, baselined


def incomplete_report() -> Report:
    """The demo deployment with a cluster that could not be read: exit 3."""
    dep = demo_deployment()
    dep = replace(dep, problems=(Problem("axl-login", "AXL login failed <401>", dep.clusters[0].name),))
    return judged(dep)


def changed_report() -> tuple[Report, Finding]:
    """The demo report as ``lint --changes`` writes it when the change introduced one finding (an error)."""
    rep = judged(demo_deployment())
    introduced = next(f for f in rep.findings if f.severity is Severity.ERROR)
    fixed = Finding("fixed by the change", "CC101", "name-mismatch", cluster="hq-cucm", value="old")
    return replace(rep, changes=ChangeSummary(("rename a node",), (fixed,), (introduced,))), introduced


# --- misbehaving servers ----------------------------------------------------------------------------
# Real sockets on loopback, each hostile in one way; every one records who reached it, so a test can
# assert that confcheck never went there at all.


class Listener:
    """A TCP listener on a loopback address that records every connection and the bytes it received.

    ``serve(conn)`` runs per connection in a daemon thread; by default it reads until the client
    closes, answering nothing (a thief waiting for credentials, or a port confcheck must not probe).
    ``port`` 0 picks a free one.
    """

    def __init__(
        self, address: str = "127.0.0.1", serve: Callable[[socket.socket], None] | None = None, port: int = 0
    ) -> None:
        self.address = address
        self.received: list[bytes] = []
        self.connections = 0
        self._serve = serve or self._swallow
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((address, port))
        self.sock.listen(64)
        self.port = int(self.sock.getsockname()[1])
        self._open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def contacted(self) -> bool:
        """Whether anyone connected at all."""
        return self.connections > 0

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            self._open.append(conn)
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError, ssl.SSLError):
            conn.settimeout(30)
            self._serve(conn)
        with contextlib.suppress(OSError):
            conn.close()

    def _swallow(self, conn: socket.socket) -> None:
        while data := conn.recv(4096):
            self.received.append(data)

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self.sock.close()
        for conn in self._open:
            with contextlib.suppress(OSError):
                conn.close()


def read_request(conn: socket.socket) -> bytes:
    """An HTTP request's head (and whatever body arrived with it)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def dripping_https(
    tls: ssl.SSLContext, every: float, head: bytes | None = None
) -> Callable[[socket.socket], None]:
    """HTTPS that answers each request with ``head`` whole (default: a 200 with a long body promised)
    and then one byte of the body every ``every`` seconds, forever: no single read ever times out.
    With ``head`` empty, the head itself is dripped."""
    promised = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n"

    def serve(conn: socket.socket) -> None:
        with tls.wrap_socket(conn, server_side=True) as secure:
            read_request(secure)
            if head is None:
                secure.sendall(promised)
                drip = b"<html><body>" + b"x" * 99988
            else:
                secure.sendall(head)
                drip = promised
            for byte in drip:
                time.sleep(every)
                secure.sendall(bytes([byte]))

    return serve
