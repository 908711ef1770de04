"""The lab's ``cupadmin``: CUP 8.x and IM and Presence admin pages behind Tomcat form login.

The pages carry the labels and page paths confcheck's presence plugins read (see
:mod:`confcheck.plugins._presence`), in the table-and-label style of Cisco's admin pages; every
value from the scenario is HTML-escaped. IM and Presence 10.x and later serve the pages of their
release only: no Cluster Topology, Legacy Clients or XMPP certificate settings (404), but the
Default Domain and the read-only Presence Topology (all modelled, as the 9.x pages are).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from urllib.parse import parse_qs

from confcheck.lab.servers import Request, Response
from confcheck.plugins import _presence as page


@dataclass
class PresenceData:
    """What a presence cluster's admin pages show."""

    product: str
    version: str
    username: str
    password: str = field(repr=False)
    nodes: list[tuple[str, bool]] = field(default_factory=list)
    """(configured name, is publisher)."""
    tftp: list[str] = field(default_factory=list)
    ccmcip: list[tuple[str, str, str]] = field(default_factory=list)
    presence_domain: str = ""
    xmpp_san_domain: str = ""
    xmpp_san_checkbox: bool = False
    voicemail: list[tuple[str, str, int, str]] = field(default_factory=list)
    mailstores: list[tuple[str, str, int, str]] = field(default_factory=list)
    conferencing: list[tuple[str, str, int, str]] = field(default_factory=list)

    @property
    def current(self) -> bool:
        """IM and Presence 10.x or later, whose nodes CUCM names and whose domain is the Default Domain."""
        major = self.version.split(".", 1)[0].strip()
        return self.product == "imp" and major.isdigit() and int(major) >= 10


class AdminApp:
    """Routes ``/cupadmin/...`` for one cluster; sessions live in memory."""

    def __init__(self, data: PresenceData) -> None:
        self.data = data
        self.sessions: set[str] = set()
        self.title = (
            "Cisco Unified Presence Administration"
            if data.product == "cup"
            else "Cisco Unified CM IM and Presence Administration"
        )

    def __call__(self, request: Request) -> Response:
        path = request.path.split("?", 1)[0]
        if path == f"/{page.APP}/j_security_check" and request.method == "POST":
            return self._login(request)
        cookie = _session(request)
        if cookie not in self.sessions:
            fresh = secrets.token_hex(16)
            return Response(
                200, self._login_form(), headers=(("Set-Cookie", f"JSESSIONID={fresh}; Path=/; Secure"),)
            )
        pages: dict[str, Callable[[], bytes]] = (
            {
                page.HOME: self._home,
                page.PRESENCE_TOPOLOGY: self._presence_topology,
                page.DEFAULT_DOMAIN: self._presence,
            }
            if self.data.current
            else {
                page.HOME: self._home,
                page.TOPOLOGY: self._topology,
                page.LEGACY_SETTINGS: self._tftp,
                page.JABBER_SETTINGS: self._tftp,
                page.CCMCIP_PROFILES: self._ccmcip,
                page.SECURITY_SETTINGS: self._security,
                page.PRESENCE_SETTINGS: self._presence,
                page.VOICEMAIL_SERVERS: lambda: self._servers("Voicemail Servers", self.data.voicemail),
                page.MAILSTORES: lambda: self._servers("Mailstores", self.data.mailstores),
                page.CONFERENCING_SERVERS: lambda: self._servers(
                    "Conferencing Servers", self.data.conferencing
                ),
            }
        )
        render = pages.get(path)
        if render is None:
            return Response(
                404, self._document("Not Found", "<p>The requested resource is not available.</p>")
            )
        return Response(200, render())

    def _login(self, request: Request) -> Response:
        form = parse_qs(request.body.decode("utf-8", "replace"))
        user, password = form.get("j_username", [""])[0], form.get("j_password", [""])[0]
        cookie = _session(request)
        if user == self.data.username and secrets.compare_digest(password, self.data.password) and cookie:
            self.sessions.add(cookie)
            return Response(302, b"", headers=(("Location", page.HOME),))
        return Response(200, self._login_form(error="Login failed: invalid username or password."))

    def _login_form(self, error: str = "") -> bytes:
        body = (
            f"<form method='post' action='j_security_check' name='logonForm'>"
            f"{f'<p class=error>{escape(error)}</p>' if error else ''}"
            "<table><tr><td>Username</td><td><input type='text' name='j_username'></td></tr>"
            "<tr><td>Password</td><td><input type='password' name='j_password'></td></tr></table>"
            "<input type='submit' value='Login'></form>"
        )
        return self._document(self.title, body)

    def _home(self) -> bytes:
        return self._document(self.title, f"<p>{page.VERSION_PREFIX} {escape(self.data.version)}</p>")

    def _topology(self) -> bytes:
        rows = "".join(
            f"<tr><td>{escape(name)}</td><td>{'Publisher' if publisher else 'Subscriber'}</td></tr>"
            for name, publisher in self.data.nodes
        )
        return self._document("Cluster Topology", _table((page.NODE_NAME, page.NODE_TYPE), rows))

    def _presence_topology(self) -> bytes:
        rows = "".join(
            f"<tr><td>{escape(name)}</td><td>{'Publisher' if publisher else 'Subscriber'}</td></tr>"
            for name, publisher in self.data.nodes
        )
        body = "<p>Node names are changed in Cisco Unified CM Administration &gt; System &gt; Server.</p>"
        return self._document("Presence Topology", body + _table((page.TOPOLOGY_NODE, page.NODE_TYPE), rows))

    def _tftp(self) -> bytes:
        labels = [page.PRIMARY_TFTP, page.BACKUP_TFTP, page.BACKUP_TFTP]
        values = [*self.data.tftp, "", "", ""][:3]
        rows = "".join(
            f"<tr><td class='label'>{label}:</td><td><input type='text' name='tftp{i}' value='{escape(v, True)}'></td></tr>"
            for i, (label, v) in enumerate(zip(labels, values, strict=True))
        )
        title = "Legacy Client Settings" if self.data.product == "imp" else "Cisco Jabber Settings"
        return self._document(title, f"<table>{rows}</table>")

    def _ccmcip(self) -> bytes:
        rows = "".join(
            f"<tr><td>{escape(name)}</td><td>{escape(primary)}</td><td>{escape(backup)}</td></tr>"
            for name, primary, backup in self.data.ccmcip
        )
        return self._document(
            "Find and List CCMCIP Profiles",
            _table((page.PROFILE_NAME, page.PRIMARY_CCMCIP, page.BACKUP_CCMCIP), rows),
        )

    def _security(self) -> bytes:
        checked = " checked" if self.data.xmpp_san_checkbox else ""
        body = (
            "<fieldset><legend>XMPP Certificate Settings</legend><table>"
            f"<tr><td class='label'>{page.XMPP_SAN_DOMAIN}</td><td><input type='text' name='domain' "
            f"value='{escape(self.data.xmpp_san_domain, True)}'></td></tr>"
            f"<tr><td><input type='checkbox' id='usedomain' name='usedomain'{checked}>"
            f"<label for='usedomain'>{page.XMPP_SAN_CHECKBOX}</label></td></tr>"
            "</table></fieldset>"
        )
        return self._document("Security Settings", body)

    def _presence(self) -> bytes:
        body = (
            f"<table><tr><td class='label'>{page.PRESENCE_DOMAIN}</td><td><input type='text' name='domain' "
            f"value='{escape(self.data.presence_domain, True)}'></td></tr></table>"
        )
        return self._document(
            "Advanced Presence Settings" if self.data.current else "Presence Settings", body
        )

    def _servers(self, title: str, servers: list[tuple[str, str, int, str]]) -> bytes:
        rows = "".join(
            f"<tr><td>{escape(n)}</td><td>{escape(h)}</td><td>{p}</td><td>{escape(proto)}</td></tr>"
            for n, h, p, proto in servers
        )
        return self._document(title, _table((page.PROFILE_NAME, page.HOST, page.PORT, page.PROTOCOL), rows))

    def _document(self, title: str, body: str) -> bytes:
        return (
            f"<!DOCTYPE html><html><head><title>{escape(title)}</title></head><body>"
            f"<div class='header'>{escape(self.title)}</div><h1>{escape(title)}</h1>{body}</body></html>"
        ).encode()


def _table(headers: tuple[str, ...], rows: str) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    return f"<table class='results'><tr>{head}</tr>{rows}</table>"


def _session(request: Request) -> str:
    for part in request.headers.get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == "JSESSIONID":
            return value
    return ""
