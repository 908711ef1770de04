"""The lab's DNS server: authoritative answers for the lab's names, on a loopback address.

Real clients meet Cisco servers through DNS, and confcheck asks DNS itself (``dns_server``): the lab
answers A, AAAA, PTR and SRV for its own zone, NXDOMAIN for other names in it, REFUSED elsewhere.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.reversename
import dns.rrset


@dataclass
class Zone:
    """What the lab's DNS knows: names to addresses, addresses to names, and SRV records."""

    domain: str
    forward: dict[str, list[str]] = field(default_factory=dict)
    reverse: dict[str, str] = field(default_factory=dict)
    srv: dict[str, list[tuple[int, int, int, str]]] = field(default_factory=dict)

    def add_host(self, fqdn: str, address: str) -> None:
        """An A or AAAA record and its PTR."""
        self.forward.setdefault(fqdn.lower(), []).append(address)
        self.reverse.setdefault(address, fqdn.lower())


class DnsServer:
    """A UDP DNS server for one :class:`Zone`, in a thread; ``port`` is known once started."""

    def __init__(self, address: str, zone: Zone, port: int = 0) -> None:
        self.zone = zone
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((address, port))
        self.address, self.port = address, int(self.sock.getsockname()[1])
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="lab-dns", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as waker:
            waker.sendto(b"", (self.address, self.port))  # wakes recvfrom now, not at its next timeout
        self._thread.join(timeout=2)
        with contextlib.suppress(OSError):
            self.sock.close()

    def _serve(self) -> None:
        self.sock.settimeout(0.05)  # closing a socket does not wake a blocked recvfrom: poll for stop
        while not self._stopping.is_set():
            try:
                wire, peer = self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            with contextlib.suppress(Exception):  # a malformed query gets no answer, as from a real server
                self.sock.sendto(answer(wire, self.zone), peer)


def answer(wire: bytes, zone: Zone) -> bytes:
    """The response to one query message."""
    query = dns.message.from_wire(wire)
    response = dns.message.make_response(query)
    response.flags |= dns.flags.AA
    if not query.question:
        response.set_rcode(dns.rcode.FORMERR)
        return response.to_wire()
    question = query.question[0]
    name = question.name.to_text(omit_final_dot=True).lower()
    kind = dns.rdatatype.to_text(question.rdtype)
    values = _lookup(zone, name, kind)
    if values is None:
        response.set_rcode(dns.rcode.REFUSED)
    elif not values and not _exists(zone, name):
        response.set_rcode(dns.rcode.NXDOMAIN)
    elif values:
        response.answer.append(dns.rrset.from_text_list(question.name, 300, "IN", kind, values))
    return response.to_wire()


def _lookup(zone: Zone, name: str, kind: str) -> Sequence[str] | None:
    """Answers as text; None when the name is none of the lab's business."""
    if name.endswith(".in-addr.arpa") or name.endswith(".ip6.arpa"):
        address = dns.reversename.to_address(dns.name.from_text(name))
        target = zone.reverse.get(address)
        return [f"{target}."] if kind == "PTR" and target else []
    if not (name == zone.domain or name.endswith("." + zone.domain)):
        return None
    if kind == "SRV":
        return [f"{p} {w} {port} {target}." for p, w, port, target in zone.srv.get(name, [])]
    family = {"A": ".", "AAAA": ":"}.get(kind)
    if family is None:
        return []
    return [a for a in zone.forward.get(name, []) if family in a]


def _exists(zone: Zone, name: str) -> bool:
    return name in zone.forward or name in zone.srv or name == zone.domain
