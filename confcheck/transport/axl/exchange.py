"""One AXL request and its answer over HTTPS: bounded, within a deadline, every failure an AxlError.

Why errors come from the raw HTTP response: CUCM answers 401, 503 and 599 with HTML pages, which a
SOAP library turns into ``Fault('Unknown fault occured')`` or a bare transport error, losing the
status (notes/cisco-domain.md §3.5). So every answer is classified here, from its status and its
bytes, and only a 200 SOAP answer is handed on, as the element named after the operation.

Every call is bounded three ways: each read (``timeout``), the whole call with its retries
(``deadline``, enforced by a :class:`~confcheck.transport.axl.deadline.Watchdog`) and the size of
the answer (``max_response``). HTTP 503, CUCM's throttle, is retried with a doubling backoff as
long as the deadline allows.
"""

from __future__ import annotations

import http.client
import logging
import re
import socket
import ssl
import time
from typing import Any, TypeVar

import requests
from lxml import etree
from urllib3.util.ssl_match_hostname import CertificateError

from confcheck.transport import https, xmlparser
from confcheck.transport.axl.deadline import Watchdog
from confcheck.transport.axl.errors import AxlError
from confcheck.transport.axl.settings import AxlSettings
from confcheck.transport.axl.versions import and_list, supported_versions

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"

log = logging.getLogger("confcheck.transport.axl")
_E = TypeVar("_E", bound=BaseException)


class Exchange:
    """Posts SOAP requests to one AXL endpoint, one at a time, and classifies what comes back."""

    def __init__(self, settings: AxlSettings) -> None:
        self.axl = settings
        self.session = https.session(settings.tls, settings.server_name)
        self.session.auth = (settings.username, settings.password)
        self.session.headers["Accept-Encoding"] = "identity"  # bounded reads count real bytes
        self.watchdog = Watchdog(self.session)

    def close(self) -> None:
        self.session.close()
        self.watchdog.close()

    def error(self, kind: str, detail: str, **extra: Any) -> AxlError:
        return AxlError(kind, f"AXL {self.axl.url}: {detail}", **extra)

    def call(self, operation: str, envelope: bytes, soapaction: str, version: str) -> Any:
        """POST ``envelope``; the answer's ``<operationResponse>`` element, or an AxlError."""
        deadline = time.monotonic() + self.axl.deadline
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{soapaction}"'}
        attempt = 0
        while True:
            response = self._send(operation, version, envelope, headers, deadline)
            if response.status_code != 503 or attempt >= self.axl.retries:
                break
            delay = self.axl.backoff * 2**attempt
            if time.monotonic() + delay >= deadline:
                break  # waiting would outlive the call's deadline: report the throttling now
            log.debug("AXL %s %s: HTTP 503 (throttled), retrying in %g s", self.axl.url, operation, delay)
            time.sleep(delay)
            attempt += 1
        return self._check(response, operation, attempt + 1, version)

    def _send(
        self, operation: str, version: str, envelope: bytes, headers: dict[str, str], deadline: float
    ) -> requests.Response:
        started = time.monotonic()
        remaining = deadline - started
        if remaining <= 0:
            raise self._late(operation)
        try:
            with (
                self.watchdog.limit(remaining),
                self.session.post(
                    self.axl.url,
                    data=envelope,
                    headers=headers,
                    timeout=(min(self.axl.connect_timeout, remaining), self.axl.timeout),
                    stream=True,
                    allow_redirects=False,
                ) as response,
            ):
                response._content = self._read(response, operation)
        except AxlError:
            raise
        except requests.exceptions.RequestException as exc:
            if self.watchdog.fired:
                raise self._late(operation) from None
            raise self._failure(exc, operation) from None
        if self.watchdog.fired and not complete(response):  # the deadline cut the answer short
            raise self._late(operation)
        log.debug(
            "AXL %s %s in AXL %s: HTTP %d, %d bytes in %.3f s",
            self.axl.url,
            operation,
            version,
            response.status_code,
            len(response.content),
            time.monotonic() - started,
        )
        return response

    def _late(self, operation: str) -> AxlError:
        return self.error(
            "timeout",
            f"{operation}: no complete answer within the overall deadline of {self.axl.deadline:g} s",
        )

    def _failure(self, exc: requests.exceptions.RequestException, operation: str) -> AxlError:
        if isinstance(exc, requests.exceptions.SSLError):
            return self.error("tls", f"TLS: {self._tls_reason(exc)}")
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return self.error("timeout", f"connect: no answer within {self.axl.connect_timeout:g} s")
        if isinstance(exc, requests.exceptions.Timeout):
            return self.error("timeout", f"{operation}: no answer within {self.axl.timeout:g} s")
        if isinstance(exc, requests.exceptions.ConnectionError):
            if _find(exc, TimeoutError) or "timed out" in str(exc):  # a read that timed out mid-body
                return self.error("timeout", f"{operation}: no answer within {self.axl.timeout:g} s")
            return self.error("connect", f"cannot connect ({_os_reason(exc)})")
        return self.error("protocol", f"{operation}: broken HTTP answer ({type(exc).__name__})")

    def _read(self, response: requests.Response, operation: str) -> bytes:
        chunks, size = [], 0
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > self.axl.max_response:
                raise self.error(
                    "protocol", f"{operation}: the answer is larger than {self.axl.max_response} bytes"
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def _check(self, response: requests.Response, operation: str, attempts: int, version: str) -> Any:
        """The ``<operationResponse>`` of a 200 SOAP answer; the AxlError anything else means."""
        status = response.status_code
        if status == 401:
            raise self.error(
                "auth",
                f"HTTP 401: user {self.axl.username!r} was refused "
                "(check the password and that the user has the Standard AXL API Access role)",
            )
        if status == 503:
            raise self.error(
                "throttled", f"{operation}: HTTP 503 {attempts} times: CUCM is throttling AXL requests"
            )
        if status == 599:
            supported = supported_versions(response.content)
            listed = and_list(supported) if supported else "not listed"
            raise self.error(
                "version",
                f"HTTP 599: the server does not accept AXL {version}; supported axl versions are {listed}",
                supported=supported,
            )
        body = self._soap_body(response.content, operation, status)
        fault = None if body is None else body.find(f"{{{SOAP_ENV}}}Fault")
        if fault is not None:
            raise self._fault(fault, operation)
        if status != 200:
            raise self.error("http", f"{operation}: HTTP {status} {response.reason or ''}".rstrip())
        if body is None:
            raise self.error("protocol", f"{operation}: HTTP 200 but the answer is not a SOAP envelope")
        answer = next((child for child in body if isinstance(child.tag, str)), None)
        if answer is None or etree.QName(answer).localname != f"{operation}Response":
            found = "nothing" if answer is None else f"<{etree.QName(answer).localname}>"
            raise self.error("protocol", f"{operation}: the SOAP body holds {found}, not {operation}Response")
        return answer

    def _soap_body(self, content: bytes, operation: str, status: int) -> Any:
        """The SOAP Body of ``content``, None when it is not SOAP; refuses DTDs and entities."""
        try:
            root = etree.fromstring(content, xmlparser.hardened())
        except (etree.XMLSyntaxError, ValueError):
            return None
        if root.getroottree().docinfo.doctype:
            raise self.error(
                "protocol",
                f"{operation}: HTTP {status} answer declares a DTD (refused: entities are not expanded)",
            )
        if root.tag != f"{{{SOAP_ENV}}}Envelope":
            return None
        return root.find(f"{{{SOAP_ENV}}}Body")

    def _fault(self, fault: Any, operation: str) -> AxlError:
        axl_error = fault.find("detail/axlError")
        if axl_error is None:
            code, text = fault.findtext("faultcode") or "", fault.findtext("faultstring") or ""
            return self.error("fault", f"{operation}: SOAP fault {code}: {text}".rstrip(": "))
        code_text = (axl_error.findtext("axlcode") or "").strip()
        message = axl_error.findtext("axlmessage") or fault.findtext("faultstring") or ""
        code = int(code_text) if re.fullmatch(r"-?\d+", code_text) else None
        return self.error("fault", f"{operation}: AXL fault {code_text or '?'}: {message}", axlcode=code)

    def _tls_reason(self, exc: BaseException) -> str:
        return tls_reason(exc, self.axl.tls.describe)


def complete(response: requests.Response) -> bool:
    """Whether the body read is as long as the answer said it would be (a deadline may fire just after)."""
    length = response.headers.get("Content-Length", "")
    return length.isdigit() and int(length) == len(response.content)


def tls_reason(exc: BaseException, trust: str) -> str:
    """Why a TLS connection failed, for a message: pin mismatch, verification failure or handshake."""
    text = str(exc)
    if "Fingerprints did not match" in text:
        got = re.search(r'got "([0-9a-fA-F]+)"', text)
        presented = f" (it presented {got[1]})" if got else ""
        return f"the certificate does not match the pinned SHA-256 fingerprint{presented}"
    mismatch = _find(exc, CertificateError)  # urllib3 checks a given server name itself
    if mismatch is not None:
        return f"certificate verification failed ({mismatch}) against the {trust}"
    verify = _find(exc, ssl.SSLCertVerificationError)
    if verify is not None:
        return f"certificate verification failed ({verify.verify_message}) against the {trust}"
    cause = _find(exc, ssl.SSLError)
    return f"handshake failed ({cause.reason if cause is not None and cause.reason else 'TLS error'})"


def _find(exc: BaseException, kind: type[_E]) -> _E | None:
    """The first ``kind`` among ``exc``, its arguments, causes and contexts (requests nests them deeply)."""
    stack, seen = [exc], set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, kind):
            return current
        nested = [*current.args, current.__cause__, current.__context__, getattr(current, "reason", None)]
        stack += [n for n in nested if isinstance(n, BaseException)]
    return None


def _os_reason(exc: BaseException) -> str:
    """Why a connection failed, in a few words (requests wraps the socket error several times)."""
    if _find(exc, ConnectionRefusedError):
        return "connection refused"
    if _find(exc, socket.gaierror):
        return "the host name does not resolve"
    if _find(exc, ConnectionResetError):
        return "connection reset"
    if _find(exc, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    errno = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", str(exc))
    return errno[1].strip() if errno else "connection failed"
