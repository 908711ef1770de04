"""Read what Jabber reads while it discovers its servers: UDS's server list and jabber-config.xml.

Both are read without credentials: ``/cucm-uds/servers`` is one of the UDS resources that need
none (Cisco's UDS developer guide), and TFTP serves ``jabber-config.xml`` to anyone (HTTP 6970,
HTTPS 6972: CUCM's port list). Nothing is sent but a GET, so these exchanges do not verify TLS:
an audit must read what a server with a bad certificate serves. They follow no redirect, read no
proxy or certificate setting from the environment, read at most :data:`MAX_ANSWER` bytes within an
overall deadline, and parse XML with the one hardened parser (no DTD, no entity, no network).

Every way an answer can fail Jabber becomes an :class:`~confcheck.model.EndpointError` kind, never
an exception: ``redirect``, ``html`` (a login or error page), ``oversized``, ``malformed``,
``unexpected`` (well-formed XML of another kind), ``http`` (another status), and for the
connection ``refused``, ``timeout``, ``tls``, ``connect``. A 404 is ``absent``: a TFTP server
without jabber-config.xml is normal.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import requests
from lxml import etree

from confcheck import identity, records
from confcheck.discovery_model import ABSENT
from confcheck.model import EndpointError
from confcheck.transport import https, xmlparser
from confcheck.transport.axl.deadline import Watchdog

MAX_ANSWER = 512 * 1024
"""A UDS server list or a jabber-config.xml larger than this is not one (real ones are a few KiB)."""
MAX_NAMES = 256
"""Names kept from one answer."""
UDS_SERVERS = "/cucm-uds/servers"
JABBER_CONFIG = "/jabber-config.xml"


@records.record
class Answer:
    """What a server answered: the status and body, or why there is nothing usable."""

    status: int | None
    body: bytes | None = None
    error: EndpointError | None = None


def get(url: str, server_name: str | None, timeout: float, deadline: float) -> Answer:
    """GET ``url`` (its host an address the inventory's DNS gave) as ``server_name`` would be asked.

    ``server_name`` goes in the Host header and, over HTTPS, as SNI.
    """
    session = https.session(https.TlsPolicy(insecure=True), server_name)
    watchdog = Watchdog(session)
    headers = {"Accept": "application/xml, text/xml", "Accept-Encoding": "identity"}
    if server_name:
        port = urlsplit(url).port
        headers["Host"] = f"{server_name}:{port}" if port else server_name
    try:
        with (
            watchdog.limit(deadline),
            session.get(
                url,
                headers=headers,
                timeout=(min(timeout, deadline), timeout),
                stream=True,
                allow_redirects=False,
            ) as response,
        ):
            status = response.status_code
            if 300 <= status < 400:
                where = response.headers.get("Location", "nowhere")
                return Answer(
                    status,
                    error=EndpointError(
                        "redirect", f"answered with a redirect (HTTP {status}) to {where[:200]}"
                    ),
                )
            if status == 404:
                return Answer(status, error=EndpointError(ABSENT, "not there (HTTP 404)"))
            if status != 200:
                return Answer(status, error=EndpointError("http", f"answered HTTP {status}, not 200"))
            body = https.read_bounded(response, MAX_ANSWER)
            kind = response.headers.get("Content-Type", "")
        if watchdog.fired:
            return Answer(status, error=EndpointError("timeout", f"no complete answer within {deadline:g} s"))
        if body is None:
            return Answer(status, error=EndpointError("oversized", f"more than {MAX_ANSWER // 1024} KiB"))
        if "html" in kind.lower() or re.match(rb"\s*(<!doctype\s+html|<html)", body[:256], re.I):
            return Answer(status, body, EndpointError("html", "answered an HTML page, not XML"))
        return Answer(status, body)
    except requests.exceptions.ConnectionError as exc:
        if watchdog.fired:
            return Answer(None, error=EndpointError("timeout", f"no complete answer within {deadline:g} s"))
        return Answer(None, error=_connection_error(exc))
    except requests.exceptions.Timeout:
        return Answer(None, error=EndpointError("timeout", f"no answer within {timeout:g} s"))
    except requests.exceptions.RequestException as exc:
        return Answer(None, error=EndpointError("connect", type(exc).__name__))
    finally:
        session.close()
        watchdog.close()


def _connection_error(exc: requests.exceptions.ConnectionError) -> EndpointError:
    text = str(exc)
    if "Connection refused" in text or "Errno 111" in text:
        return EndpointError("refused", "connection refused")
    if isinstance(exc, requests.exceptions.SSLError):
        return EndpointError("tls", "the TLS handshake failed")
    if "timed out" in text.lower():
        return EndpointError("timeout", "the connection timed out")
    return EndpointError("connect", "the connection failed")


def _document(body: bytes, root_name: str, what: str) -> tuple[etree._Element | None, EndpointError | None]:
    """The parsed document, if it is well-formed XML without a DTD whose root is ``root_name``."""
    try:
        root = etree.fromstring(body, xmlparser.hardened())
    except (etree.XMLSyntaxError, ValueError) as exc:
        return None, EndpointError("malformed", f"not well-formed XML ({str(exc).splitlines()[0][:120]})")
    if root.getroottree().docinfo.doctype:
        return None, EndpointError(
            "malformed", "carries a document type declaration, which Jabber does not expect"
        )
    if not isinstance(root.tag, str) or etree.QName(root).localname != root_name:
        found = etree.QName(root).localname if isinstance(root.tag, str) else "?"
        return None, EndpointError(
            "unexpected", f"XML whose root is <{found[:40]}>, not the <{root_name}> of {what}"
        )
    return root, None


def parse_servers(body: bytes) -> tuple[tuple[tuple[str, str], ...], EndpointError | None]:
    """The ``<server>`` names of a UDS ``<servers>`` answer, as ``("server", name)`` pairs."""
    root, error = _document(body, "servers", "UDS's server list")
    if root is None:
        return (), error
    names = [
        ("server", (child.text or "").strip())
        for child in root
        if isinstance(child.tag, str)
        and etree.QName(child).localname == "server"
        and (child.text or "").strip()
    ]
    if not names:
        return (), EndpointError("unexpected", "a <servers> answer that names no server")
    return tuple(names[:MAX_NAMES]), None


def parse_config(
    body: bytes, servers: frozenset[str] = frozenset()
) -> tuple[tuple[tuple[str, str], ...], EndpointError | None]:
    """The parameters of a jabber-config.xml (``<config>``, sections holding parameters) that name a
    server, as ``(parameter, value)`` in document order: those in ``servers`` (casefolded names of the
    parameters known to name one), and any other whose value is an FQDN, an address or a URL."""
    root, error = _document(body, "config", "jabber-config.xml")
    if root is None:
        return (), error
    found: list[tuple[str, str]] = []
    for element in root.iter():
        if not isinstance(element.tag, str) or len(element) or element is root:
            continue
        name, value = etree.QName(element).localname, (element.text or "").strip()
        if value and (name.casefold() in servers or _names_a_server(value)):
            found.append((name, value))
        if len(found) >= MAX_NAMES:
            break
    return tuple(found), None


def _names_a_server(value: str) -> bool:
    """Whether a value of a parameter not known to name a server still does: an FQDN, an address, or a
    URL with a host."""
    if len(value) > 2048 or any(c.isspace() for c in value):
        return False
    if "://" in value:
        try:
            return bool(urlsplit(value).hostname)
        except ValueError:
            return False
    return identity.name_kind(value) in ("ip", "fqdn")
