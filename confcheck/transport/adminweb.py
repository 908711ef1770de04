"""Cisco admin web pages: form login, page fetches, fields read by their visible labels.

Cisco's admin applications (``cupadmin`` and friends) are Tomcat web apps behind form login
(``j_security_check``). confcheck signs in as an administrator, keeps the session cookie, notices
when it expired (the login form comes back) and signs in once more. Pages are parsed with a
hardened lxml HTML parser (no network, no huge trees, a size limit) and read by label, not by
layout. The password is sent only in the login form and never appears in messages.

The password and the session cookie go to the configured origin only (scheme, host and port of
``base_url``, which must be ``https://``): redirects within it are followed (Tomcat answers the
login with one), a redirect anywhere else is an error naming where it pointed. Every exchange,
redirects included, has an overall deadline, so a server dripping a byte at a time cannot hold
the audit.
"""

from __future__ import annotations

import re
from dataclasses import field
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from lxml import html

from confcheck import records
from confcheck.errors import ConfcheckError
from confcheck.transport.https import Deadline, TlsPolicy, session

if TYPE_CHECKING:
    from lxml.html import HtmlElement

MAX_PAGE = 4 * 1024 * 1024
MAX_REDIRECTS = 5
REDIRECTS = (301, 302, 303, 307, 308)
_PARSER = html.HTMLParser(no_network=True, huge_tree=False, remove_pis=True, remove_comments=True)


class AdminError(ConfcheckError):
    """An admin page could not be read; ``kind``: auth, connect, timeout, tls, http, protocol, redirect."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@records.record
class AdminSettings:
    """Where the admin application is and how to sign in."""

    base_url: str
    """``https://host:port``."""
    app: str
    """``cupadmin`` for CUP and IM and Presence."""
    username: str
    password: str = field(repr=False)
    tls: TlsPolicy = field(default_factory=TlsPolicy)
    timeout: float = 10.0
    """Seconds to connect, and to wait for each read."""
    server_name: str | None = None
    """The server's name when ``base_url`` holds its address (SNI and certificate check)."""
    deadline: float | None = None
    """Overall seconds per exchange (a page, or the login, with their redirects); None: 4 x timeout, at least 10."""

    @property
    def overall(self) -> float:
        """The overall deadline of one exchange, in seconds."""
        return self.deadline if self.deadline is not None else max(4 * self.timeout, 10.0)


class Page:
    """One admin page, read by its visible labels."""

    def __init__(self, url: str, document: HtmlElement, status: int = 200) -> None:
        self.url = url
        self.document = document
        self.status = status

    @property
    def text(self) -> str:
        """The visible text, one line per block."""
        return "\n".join(_clean(t) for t in self.document.itertext() if _clean(t))

    def fields(self, label: str) -> list[str | None]:
        """The values of every field labelled ``label``, in page order (several fields may share one)."""
        return [_value(control) for control in self._controls(label)]

    def field(self, label: str) -> str | None:
        """The value of the first field labelled ``label``; None if there is none or it is empty."""
        values = self.fields(label)
        return values[0] if values else None

    def checkbox(self, label: str) -> bool | None:
        """Whether the checkbox labelled ``label`` is ticked; None if the page has no such box."""
        for control in self._controls(label):
            if control.tag == "input" and (control.get("type") or "").lower() == "checkbox":
                return control.get("checked") is not None
        return None

    def table(self, *columns: str) -> list[dict[str, str]]:
        """The rows of the first table whose header row has all of ``columns``, as column -> text."""
        for table in self.document.iter("table"):
            rows = [
                r for r in table.iter("tr") if next(r.iterancestors("table"), None) is table
            ]  # not nested ones
            for index, row in enumerate(rows):
                headers = [_clean(cell.text_content()) for cell in row if cell.tag in ("th", "td")]
                if all(c in headers for c in columns):
                    return [_row(r, headers, columns) for r in rows[index + 1 :] if r.findall("td")]
        return []

    def _controls(self, label: str) -> list[HtmlElement]:
        """Form controls labelled ``label``: by <label for>, or in the cell after the label's cell."""
        found: list[HtmlElement] = []
        for element in self.document.iter("label", "td", "th", "span"):
            if _clean(element.text_content()).rstrip(":* ") != label:
                continue
            target = element.get("for")
            if element.tag == "label" and target:
                found += self.document.xpath("//*[@id=$id]", id=target)
                continue
            cell = element if element.tag in ("td", "th") else element.getparent()
            following = cell.getnext() if cell is not None else None
            if following is not None:
                controls = list(following.iter("input", "select", "textarea"))
                found += controls or [following]
        return list({id(c): c for c in found}.values())  # a label inside its cell matches twice: one field


class AdminSession:
    """A signed-in session to one admin application."""

    def __init__(self, settings: AdminSettings) -> None:
        self.settings = settings
        self.origin = _origin(settings.base_url)
        if self.origin[0] != "https":
            raise AdminError("tls", f"{settings.base_url}: not https://; confcheck signs in only over TLS")
        self.deadline = Deadline()
        self.http = session(settings.tls, settings.server_name, https_only=True, deadline=self.deadline)
        self.home: str | None = None

    def login(self, home: str) -> Page:
        """Sign in through the form the application shows for ``home``; returns the home page."""
        self.home = home
        page = self._get(home)
        if not _is_login(page):
            return page
        action = f"{self.settings.base_url}/{self.settings.app}/j_security_check"
        credentials = {"j_username": self.settings.username, "j_password": self.settings.password}
        page = self._exchange("POST", action, data=credentials)
        if page.status in (401, 403) or _is_login(page):
            raise AdminError(
                "auth",
                f"sign-in to {self.settings.base_url}/{self.settings.app} failed as {self.settings.username} "
                "(check the username, the password and the account's admin role)",
            )
        return page

    def page(self, path: str) -> Page:
        """Fetch a page; if the session expired (the login form came back), sign in once more."""
        page = self._get(path)
        if page.status in (401, 403):
            raise AdminError(
                "auth",
                f"{page.url}: HTTP {page.status}: {self.settings.username} may not see this page (admin role?)",
            )
        if _is_login(page):
            self.login(self.home or path)
            page = self._get(path)
            if _is_login(page):
                raise AdminError(
                    "auth", f"{page.url}: the session ends at every page (signed in, then out again)"
                )
        return page

    def _get(self, path: str) -> Page:
        return self._exchange("GET", f"{self.settings.base_url}{path}")

    def _exchange(self, method: str, url: str, data: dict[str, str] | None = None) -> Page:
        """One request and the page it leads to, redirects within the origin followed, all within
        the overall deadline."""
        limit = self.settings.overall
        try:
            with self.deadline.running(limit):
                for _ in range(MAX_REDIRECTS + 1):
                    response = self._request(method, url, data)
                    target = self._redirect(url, response)
                    if target is None:
                        return self._page(response)
                    if response.status_code in (301, 302, 303):  # as browsers do: the form is not sent again
                        method, data = "GET", None
                    url = target
                raise AdminError("http", f"{url}: more than {MAX_REDIRECTS} redirects")
        except Exception:
            if self.deadline.expired:
                raise AdminError(
                    "timeout", f"{url}: no complete answer within the overall deadline of {limit:g} s"
                ) from None
            raise

    def _redirect(self, url: str, response: requests.Response) -> str | None:
        """Where a redirect within the origin leads; None if ``response`` is no redirect.

        A redirect to another scheme, host or port is refused before anything is sent there: the
        form would carry the password, and any request the session cookie.
        """
        location = response.headers.get("Location")
        if response.status_code not in REDIRECTS or not location:
            return None
        response.close()
        target = urljoin(url, location.strip())
        if _origin(target) != self.origin:
            shown = target if len(target) <= 200 else target[:200] + "..."
            raise AdminError(
                "redirect",
                f"{url}: HTTP {response.status_code} redirects to {shown!r}, away from {self.settings.base_url}; "
                "confcheck sends the sign-in and the session only to the configured server",
            )
        return target

    def _request(self, method: str, url: str, data: dict[str, str] | None = None) -> requests.Response:
        try:
            response = self.http.request(
                method, url, data=data, timeout=self.settings.timeout, stream=True, allow_redirects=False
            )
        except requests.exceptions.SSLError as exc:
            raise AdminError(
                "tls", f"{url}: TLS verification failed ({self.settings.tls.describe}): {_reason(exc)}"
            ) from None
        except requests.exceptions.Timeout:
            raise AdminError("timeout", f"{url}: no answer within {self.settings.timeout:g} s") from None
        except requests.exceptions.ConnectionError as exc:
            raise AdminError("connect", f"{url}: cannot connect ({_reason(exc)})") from None
        except requests.exceptions.RequestException as exc:
            raise AdminError("http", f"{url}: {_reason(exc)}") from None
        if response.status_code >= 400 and response.status_code not in (401, 403):
            response.close()
            raise AdminError("http", f"{url}: HTTP {response.status_code}")
        return response

    def _page(self, response: requests.Response) -> Page:
        try:
            body = response.raw.read(MAX_PAGE + 1, decode_content=True)
        except urllib3.exceptions.ReadTimeoutError:
            raise AdminError(
                "timeout", f"{response.url}: the page stopped arriving ({self.settings.timeout:g} s)"
            ) from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise AdminError("protocol", f"{response.url}: the page was cut off ({_reason(exc)})") from None
        finally:
            response.close()
        if len(body) > MAX_PAGE:
            raise AdminError(
                "protocol", f"{response.url}: larger than {MAX_PAGE // 2**20} MiB; not an admin page"
            )
        try:
            document = html.document_fromstring(body or b"<html/>", parser=_PARSER)
        except (ValueError, html.etree.ParserError) as exc:
            raise AdminError("protocol", f"{response.url}: not an HTML page ({exc})") from None
        return Page(response.url, document, response.status_code)


def _origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of ``url``, the default port made explicit."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ("", url, None)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), port or {"https": 443, "http": 80}.get(scheme)


def _is_login(page: Page) -> bool:
    return any("j_security_check" in (form.get("action") or "") for form in page.document.iter("form"))


def _value(control: HtmlElement) -> str | None:
    if control.tag == "select":
        chosen = control.xpath(".//option[@selected]") or control.xpath(".//option")[:1]
        text = (chosen[0].get("value") or chosen[0].text_content()) if chosen else ""
    elif control.tag == "input":
        text = control.get("value") or ""
    else:
        text = control.text_content()
    return _clean(text) or None


def _row(row: HtmlElement, headers: list[str], columns: tuple[str, ...]) -> dict[str, str]:
    cells = [_clean(c.text_content()) for c in row if c.tag in ("td", "th")]
    values = dict(zip(headers, cells, strict=False))
    return {c: values.get(c, "") for c in columns}


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _reason(exc: BaseException) -> str:
    """The innermost reason of a requests/urllib3 error, on one line."""
    seen: BaseException | None = exc
    while seen is not None:
        inner = getattr(seen, "reason", None) or (
            seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None
        )
        if not isinstance(inner, BaseException) or inner is seen:
            break
        seen = inner
    text = str(seen or exc) or type(seen or exc).__name__
    return text.splitlines()[0][:200]
