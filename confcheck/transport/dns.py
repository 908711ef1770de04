"""DNS lookups during collection, recorded as observations so the checks stay offline.

With ``dns_server`` in the inventory, confcheck asks that server directly (the customer's DNS, or
the lab's), so an audit from a laptop sees what the servers and clients see. Without it, the
system resolver answers. Either way every answer, and every failure, becomes a
:class:`~confcheck.model.DnsRecord` in the snapshot.
"""

from __future__ import annotations

import ipaddress
import socket

from confcheck import records
from confcheck.model import DnsRecord


@records.record
class Resolver:
    """Forward (A/AAAA) and reverse (PTR) lookups through one server, or the system resolver."""

    server: tuple[str, int] | None = None
    timeout: float = 5.0

    def addresses(self, name: str) -> tuple[list[str], list[DnsRecord]]:
        """The addresses ``name`` resolves to, and the records observed on the way."""
        if self.server is None:
            return self._system_addresses(name)
        first = self._query(name, "A")
        if first.error is not None:  # NXDOMAIN or no answer: asking for AAAA would only wait again
            return [], [first]
        second = self._query(name, "AAAA")
        records = [first, second] if second.answers else [first]  # an empty AAAA answer is not news
        return [a for r in records for a in r.answers], records

    def reverse(self, address: str) -> tuple[str | None, DnsRecord]:
        """The name a PTR record gives ``address``, and the record."""
        if self.server is None:
            try:
                name = socket.gethostbyaddr(address)[0].rstrip(".")
            except (OSError, UnicodeError) as exc:
                return None, DnsRecord(address, "PTR", (), _system_error(exc))
            return name, DnsRecord(address, "PTR", (name,))
        import dns.reversename

        record = self._query(dns.reversename.from_address(address).to_text(), "PTR", label=address)
        return (record.answers[0] if record.answers else None), record

    def srv(self, name: str) -> DnsRecord:
        """The SRV records of ``name`` (``_cisco-uds._tcp.example.com``) as ``priority weight port target``."""
        return self._query(name, "SRV")

    def _query(self, name: str, kind: str, label: str | None = None) -> DnsRecord:
        import dns.exception
        import dns.resolver

        if self.server is None:  # SRV has no system call: ask the system's configured servers ourselves
            resolver = dns.resolver.Resolver()
        else:
            resolver = dns.resolver.Resolver(configure=False)
            resolver.nameservers = [self.server[0]]
            resolver.port = self.server[1]
        resolver.lifetime = self.timeout
        shown = label or name
        try:
            answer = resolver.resolve(name, kind, search=False, raise_on_no_answer=False)
        except dns.resolver.NXDOMAIN:
            return DnsRecord(shown, kind, (), "NXDOMAIN: the name does not exist")
        except dns.resolver.NoNameservers as exc:
            return DnsRecord(shown, kind, (), f"the server refused or failed ({_first(exc)})")
        except dns.exception.Timeout:
            server = f"{self.server[0]}:{self.server[1]}" if self.server else "the system's DNS servers"
            return DnsRecord(shown, kind, (), f"no answer from {server} within {self.timeout:g} s")
        except dns.exception.DNSException as exc:
            return DnsRecord(shown, kind, (), _first(exc))
        values = tuple(sorted(_text(kind, r) for r in answer)) if answer.rrset is not None else ()
        return DnsRecord(shown, kind, values)

    def _system_addresses(self, name: str) -> tuple[list[str], list[DnsRecord]]:
        try:
            infos = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            return [], [DnsRecord(name, "A", (), _system_error(exc))]
        found = sorted({str(info[4][0]) for info in infos}, key=lambda a: (":" in a, a))
        v4 = tuple(a for a in found if ":" not in a)
        v6 = tuple(a for a in found if ":" in a)
        records = [DnsRecord(name, "A", v4)] + ([DnsRecord(name, "AAAA", v6)] if v6 else [])
        return found, records


def is_address(text: str) -> bool:
    """True for an IPv4 or IPv6 literal."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _text(kind: str, rdata: object) -> str:
    """An answer as text; names without their root dot (``cucm1.example.com``, ``0 10 8443 cucm1.example.com``)."""
    return str(rdata).rstrip(".") if kind in ("PTR", "CNAME", "SRV") else str(rdata)


def _system_error(exc: BaseException) -> str:
    if isinstance(exc, socket.gaierror | socket.herror):
        return f"does not resolve ({exc.strerror})"
    return f"does not resolve ({exc})"


def _first(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]
