"""AXL: read a CUCM cluster's configuration over SOAP, with errors a user can act on.

Why a compact WSDL: Cisco's toolkit WSDL describes some 800 operations and takes most of a second
and ~100 MB to load; confcheck calls five. ``wsdl/<line>/`` holds a small WSDL per AXL version line
with the same namespaces, element names, binding and SOAPAction strings, so the messages on the
wire are the ones Cisco's schema describes (the tests check that against Cisco's XSD). Each WSDL is
parsed once per process; a client is then cheap. Users who need more can pass Cisco's own WSDL.

Why errors come from the raw HTTP response: CUCM answers 401, 503 and 599 with HTML pages, which
zeep turns into ``Fault('Unknown fault occured')`` or a bare TransportError, losing the status.
So the transport classifies every answer before zeep sees it, and zeep only parses 200 replies.

Credentials are sent here, so TLS is verified as :class:`~confcheck.transport.https.TlsPolicy`
says: the system store, a CA bundle or a pinned SHA-256 fingerprint. ``insecure`` disables
verification; the caller tells the user so. The password never appears in a repr, a log line or a
message: it goes out only in the Authorization header.
"""

from __future__ import annotations

import functools
import http.client
import logging
import re
import socket
import ssl
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
import zeep
from lxml import etree
from urllib3.util.ssl_match_hostname import CertificateError
from zeep.exceptions import Error as ZeepError
from zeep.transports import Transport
from zeep.wsdl import Document

from confcheck.errors import ConfcheckError, ExitCode, InputError, one_line
from confcheck.transport import https, xmlparser
from confcheck.transport.https import TlsPolicy

VERSIONS = ("8.5", "9.0", "9.1")
"""The AXL version lines confcheck ships a WSDL for."""
BINDING = "{http://www.cisco.com/AXLAPIService/}AXLAPIBinding"
WSDL_DIR = Path(__file__).parent / "wsdl"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
KINDS = ("auth", "throttled", "version", "fault", "http", "connect", "timeout", "tls", "protocol")
"""Every ``AxlError.kind``."""
PSEUDO_NODE = "EnterpriseWideData"
"""The processnode row that holds cluster-wide settings; not a server."""

ZEEP_SETTINGS = zeep.Settings(
    strict=True, xml_huge_tree=False, forbid_dtd=True, forbid_entities=True, forbid_external=True
)

log = logging.getLogger(__name__)
_E = TypeVar("_E", bound=BaseException)


def version_line(ccm_version: str) -> str:
    """The AXL line for a full CUCM version: 8.x and older → 8.5, 9.0.x → 9.0, 9.1 and later → 9.1."""
    match = re.match(r"\s*(\d+)\.(\d+)", ccm_version)
    if not match:
        raise ValueError(f"{ccm_version!r} is not a CUCM version (expected e.g. 9.1.2.10000-28)")
    major, minor = int(match[1]), int(match[2])
    if major < 9:
        return "8.5"
    return "9.0" if (major, minor) == (9, 0) else "9.1"


@dataclass(frozen=True, slots=True)
class AxlSettings:
    """Where AXL is, who we are, how to trust it and how patiently to ask."""

    url: str
    """``https://host:8443/axl/``"""
    username: str
    password: str = field(repr=False)
    """Sent only in the Authorization header: never in a repr, a log line or a message."""
    version: str = "8.5"
    """The AXL line (see :func:`version_line`). The default is the oldest line confcheck ships, the
    one a first ``ccm_version()`` most likely gets through; use the line it reports afterwards."""
    tls: TlsPolicy = field(default_factory=TlsPolicy)
    server_name: str | None = None
    """The server's name when ``url`` holds its address: sent as SNI and verified in its certificate."""
    connect_timeout: float = 5.0
    timeout: float = 30.0
    """Seconds to wait for each read of an answer (zeep's operation timeout)."""
    retries: int = 3
    """Extra attempts after HTTP 503, CUCM's AXL throttle."""
    backoff: float = 1.0
    """Seconds before the first retry after a 503; doubles each time."""
    wsdl: Path | None = None
    """Cisco's full ``AXLAPI.wsdl`` (AXL toolkit) to use instead of confcheck's compact one."""
    max_response: int = 32 * 1024 * 1024
    """Bytes an answer may have (CUCM caps its own at about 8 MB)."""

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"AXL URL {self.url!r}: expected https://host:8443/axl/")
        if parts.username is not None or parts.password is not None:
            raise ValueError("the AXL URL must not hold credentials: give username and password")
        known = self.version in VERSIONS or (
            self.wsdl is not None and re.fullmatch(r"\d+\.\d+", self.version)
        )
        if not known:
            raise ValueError(f"AXL version {self.version!r}: expected one of {', '.join(VERSIONS)}")
        if self.retries < 0 or self.backoff < 0 or self.connect_timeout <= 0 or self.timeout <= 0:
            raise ValueError("timeouts must be positive, retries and backoff not negative")


class AxlError(ConfcheckError):
    """An AXL call that failed: ``kind`` (one of :data:`KINDS`) for programs, the message for people.

    ``axlcode`` is CUCM's code for a ``fault`` (5007 not found, -201 SQL syntax, ...);
    ``supported`` lists the AXL versions a server named in its ``version`` answer.
    """

    exit_code = ExitCode.INCOMPLETE

    def __init__(
        self, kind: str, message: str, *, axlcode: int | None = None, supported: tuple[str, ...] = ()
    ) -> None:
        super().__init__(one_line(message))
        self.kind = kind
        self.axlcode = axlcode
        self.supported = supported


@dataclass(frozen=True, slots=True)
class ProcessNode:
    """A server of the cluster as System > Server names it."""

    name: str
    node_usage: str
    """``Publisher`` or ``Subscriber``."""
    description: str | None = None


@dataclass(frozen=True, slots=True)
class UcService:
    """A UC service (User Management > User Settings > UC Service, CUCM 9.0 and later)."""

    service_type: str
    """``Voicemail``, ``MailStore`` (9.0: ``Visual Voicemail``), ``Conferencing``, ``IM and Presence``..."""
    product_type: str
    name: str
    hostnameorip: str
    port: int | None = None
    protocol: str | None = None


class AxlClient:
    """One AXL endpoint. Creating one is cheap once its WSDL is loaded (once per version per process)."""

    def __init__(self, settings: AxlSettings) -> None:
        self.settings = settings
        location = settings.wsdl or WSDL_DIR / settings.version / "AXLAPI.wsdl"
        document = _document(str(location))
        self._transport = _AxlTransport(settings)
        client = zeep.Client(document, settings=ZEEP_SETTINGS, transport=self._transport)  # type: ignore[no-untyped-call]
        try:
            self._service = client.create_service(BINDING, settings.url)  # type: ignore[no-untyped-call]
        except ValueError:
            raise InputError(f"{location}: the WSDL has no binding {BINDING}") from None

    def ccm_version(self) -> str:
        """The full CUCM version, e.g. ``9.1.2.10000-28`` (getCCMVersion)."""
        result = self._call("getCCMVersion")
        version = _field(_field(_field(result, "return"), "componentVersion"), "version")
        if not version:
            raise self._transport.error("protocol", "getCCMVersion: the answer holds no version")
        return str(version)

    def process_nodes(self) -> list[ProcessNode]:
        """The cluster's servers as configured (listProcessNode), without the EnterpriseWideData row."""
        result = self._call(
            "listProcessNode",
            searchCriteria={"name": "%"},
            returnedTags={"name": "", "description": "", "nodeUsage": ""},
        )
        nodes = _field(_field(result, "return"), "processNode") or []
        return [
            ProcessNode(str(n.name), str(n.nodeUsage or ""), n.description)
            for n in nodes
            if n.name and n.name != PSEUDO_NODE
        ]

    def uc_services(self) -> list[UcService]:
        """Every UC service (listUcService); none on AXL 8.5, which predates them (no request is sent)."""
        if self.settings.version == "8.5":
            return []
        tags = ("serviceType", "productType", "name", "hostnameorip", "port", "protocol")
        result = self._call(
            "listUcService", searchCriteria={"name": "%"}, returnedTags=dict.fromkeys(tags, "")
        )
        return [_uc_service(s) for s in _field(_field(result, "return"), "ucService") or []]

    def uc_service(self, name: str) -> UcService:
        """One UC service by name (getUcService); a ``fault`` with axlcode 5007 when there is none."""
        result = self._call("getUcService", name=name)
        service = _field(_field(result, "return"), "ucService")
        if service is None:
            raise self._transport.error("protocol", "getUcService: the answer holds no ucService")
        return _uc_service(service)

    def sql(self, query: str) -> list[dict[str, str | None]]:
        """Rows of a read-only query (executeSQLQuery): lower-case column → text, None when empty."""
        result = self._call("executeSQLQuery", sql=query)
        rows = _field(_field(result, "return"), "row") or []
        return [
            {etree.QName(column).localname.lower(): column.text for column in row}
            for row in rows
            if isinstance(row, list)
        ]

    def close(self) -> None:
        """Close the connections."""
        self._transport.session.close()

    def __enter__(self) -> AxlClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _call(self, operation: str, **kwargs: Any) -> Any:
        try:
            return getattr(self._service, operation)(**kwargs)
        except AxlError:
            raise
        except (ZeepError, etree.Error) as exc:  # a 200 answer zeep cannot read
            reason = one_line(str(exc))[:200]
            raise self._transport.error(
                "protocol", f"{operation}: unexpected answer ({type(exc).__name__}: {reason})"
            ) from None


@functools.cache
def _document(location: str) -> Document:
    """The parsed WSDL, once per process: parsing is the slow part of making a client."""
    if not Path(location).is_file():
        raise InputError(f"{location}: no such WSDL file")
    try:
        loader = Transport()  # type: ignore[no-untyped-call]
        return Document(location, loader, settings=ZEEP_SETTINGS)  # type: ignore[arg-type]
    except (OSError, ZeepError, etree.Error, ValueError, KeyError) as exc:
        raise InputError(f"{location}: cannot load the AXL WSDL ({one_line(str(exc))[:200]})") from None


class _AxlTransport(Transport):
    """Posts with retries on 503, reads bounded answers and turns every failure into an AxlError."""

    def __init__(self, settings: AxlSettings) -> None:
        super().__init__(  # type: ignore[no-untyped-call]
            session=https.session(settings.tls, settings.server_name),
            timeout=settings.connect_timeout,
            operation_timeout=settings.timeout,
        )
        self.session.auth = (settings.username, settings.password)
        self.session.headers["Accept-Encoding"] = "identity"  # bounded reads count real bytes
        self.axl = settings

    def error(self, kind: str, detail: str, **extra: Any) -> AxlError:
        return AxlError(kind, f"AXL {self.axl.url}: {detail}", **extra)

    def post(self, address: str, message: bytes | str, headers: dict[str, str]) -> requests.Response:
        operation = headers.get("SOAPAction", "").strip('"').rsplit(" ", 1)[-1] or "request"
        attempt = 0
        while True:
            response = self._send(address, message, headers, operation)
            if response.status_code != 503 or attempt >= self.axl.retries:
                break
            delay = self.axl.backoff * 2**attempt
            log.debug("AXL %s %s: HTTP 503 (throttled), retrying in %g s", address, operation, delay)
            time.sleep(delay)
            attempt += 1
        self._check(response, operation, attempt + 1)
        return response

    def _send(
        self, address: str, message: bytes | str, headers: dict[str, str], operation: str
    ) -> requests.Response:
        started = time.monotonic()
        try:
            with self.session.post(
                address,
                data=message,
                headers=headers,
                timeout=(self.axl.connect_timeout, self.axl.timeout),
                stream=True,
                allow_redirects=False,
            ) as response:
                response._content = self._read(response, operation)
        except requests.exceptions.SSLError as exc:
            raise self.error("tls", f"TLS: {self._tls_reason(exc)}") from None
        except requests.exceptions.ConnectTimeout:
            raise self.error("timeout", f"connect: no answer within {self.axl.connect_timeout:g} s") from None
        except requests.exceptions.Timeout:
            raise self.error("timeout", f"{operation}: no answer within {self.axl.timeout:g} s") from None
        except requests.exceptions.ConnectionError as exc:
            if _find(exc, TimeoutError) or "timed out" in str(exc):  # a read that timed out mid-body
                raise self.error("timeout", f"{operation}: no answer within {self.axl.timeout:g} s") from None
            raise self.error("connect", f"cannot connect ({_os_reason(exc)})") from None
        except requests.exceptions.RequestException as exc:
            raise self.error("protocol", f"{operation}: broken HTTP answer ({type(exc).__name__})") from None
        log.debug(
            "AXL %s %s: HTTP %d, %d bytes in %.3f s",
            address,
            operation,
            response.status_code,
            len(response.content),
            time.monotonic() - started,
        )
        return response

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

    def _check(self, response: requests.Response, operation: str, attempts: int) -> None:
        """Raise the AxlError a non-200 or non-SOAP answer means; a 200 SOAP answer passes to zeep."""
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
            supported = _supported_versions(response.content)
            listed = _and_list(supported) if supported else "not listed"
            raise self.error(
                "version",
                f"HTTP 599: the server does not accept AXL {self.axl.version}; "
                f"supported axl versions are {listed}",
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

    def _soap_body(self, content: bytes, operation: str, status: int) -> Any:
        """The SOAP Body of ``content``, None when it is not SOAP; refuses DTDs and entities."""
        parser = xmlparser.hardened()
        try:
            root = etree.fromstring(content, parser)
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
        text = str(exc)
        if "Fingerprints did not match" in text:
            got = re.search(r'got "([0-9a-fA-F]+)"', text)
            presented = f" (it presented {got[1]})" if got else ""
            return f"the certificate does not match the pinned SHA-256 fingerprint{presented}"
        mismatch = _find(exc, CertificateError)  # urllib3 checks a given server name itself
        if mismatch is not None:
            return f"certificate verification failed ({mismatch}) against the {self.axl.tls.describe}"
        verify = _find(exc, ssl.SSLCertVerificationError)
        if verify is not None:
            return f"certificate verification failed ({verify.verify_message}) against the {self.axl.tls.describe}"
        cause = _find(exc, ssl.SSLError)
        return f"handshake failed ({cause.reason if cause is not None and cause.reason else 'TLS error'})"


def _field(value: Any, name: str) -> Any:
    """``value[name]`` of a zeep object, None when ``value`` is None or lacks it."""
    if value is None:
        return None
    try:
        return value[name]
    except (KeyError, IndexError, TypeError, AttributeError):
        return None


def _uc_service(value: Any) -> UcService:
    port = str(_field(value, "port") or "").strip()
    return UcService(
        service_type=str(_field(value, "serviceType") or ""),
        product_type=str(_field(value, "productType") or ""),
        name=str(_field(value, "name") or ""),
        hostnameorip=str(_field(value, "hostnameorip") or ""),
        port=int(port) if port.isdigit() else None,
        protocol=_field(value, "protocol") or None,
    )


def _supported_versions(content: bytes) -> tuple[str, ...]:
    """The versions CUCM's 599 page lists: ``Supported axl versions are 7.0, 8.5 and 9.1``."""
    text = re.sub(r"<[^>]*>", " ", content[: 64 * 1024].decode("utf-8", "replace"))
    match = re.search(r"Supported axl versions are((?:[\d.x,\s]|and\b)*)", text, re.IGNORECASE)
    return tuple(re.findall(r"\d+\.(?:\d+|x)", match[1])) if match else ()


def _and_list(items: tuple[str, ...]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


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
