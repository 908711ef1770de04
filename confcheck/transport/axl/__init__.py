"""AXL: read a CUCM cluster's configuration over SOAP, in the AXL version the server speaks.

Why compact WSDLs: Cisco's toolkit WSDL describes some 800 operations and takes most of a second
and ~100 MB to load; confcheck calls seven. ``wsdl/<version>/`` holds a small WSDL and schema for
each AXL version from 8.5 to 15.0, generated from one template by ``tools/axl_wsdl.py``, with
Cisco's namespaces, element names, binding and SOAPAction strings, so the requests on the wire are
the ones Cisco's schema describes (the tests check every one against Cisco's real XSD of its
version). zeep builds the requests from them; each WSDL is parsed once per process, so a client is
cheap. Answers are read by element name (:mod:`.answers`), not through zeep, because real releases
send elements out of their schema's order. Users who need more can pass Cisco's own WSDL.

Which version (:mod:`.versions`): the newest one the release has, learned before the first call
from UDS (:mod:`.uds`, no credentials) or from the inventory; when a server answers HTTP 599
("Incorrect axl version. Supported axl versions are ..."), the client retries once with the best
version both sides have and remembers it in the cluster's :class:`Negotiation`, so a run pays at
most one refused request per cluster.

What is confirmed and what is modelled: the 599 page and its ``12.x`` form (a CUCM 15 page in
Unhall0w3d/aletheiauc's tests; it lists 15.0, so the server was 15 or later), the EnterpriseWideData
pseudo-node and names in any case (an AXL 14.0 answer captured in the same tests), the 11.5
element-order defect (ciscocucmapi ``AXL_DEFECTS.rst``, which does not say what order 11.5 uses),
Cisco's versioning rules and its acceptance table up to 12.0(1), and UDS's answer and first
release (Cisco's AXL and UDS developer guides). Modelled: which versions
12.5 and 14 accept (from Cisco's rule and the CUCM 15 page), what to retry when a 599 page lists
nothing (the newest version of the major before), and 8.5 as the first guess when UDS is silent.

Credentials are sent here, so TLS is verified as :class:`~confcheck.transport.https.TlsPolicy`
says: the system store, a CA bundle or a pinned SHA-256 fingerprint. ``insecure`` disables
verification; the caller tells the user so. The password never appears in a repr, a log line or a
message: it goes out only in the Authorization header of AXL requests, never to UDS.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import zeep
from lxml import etree
from zeep.exceptions import Error as ZeepError
from zeep.transports import Transport
from zeep.wsdl import Document

from confcheck.errors import InputError, one_line
from confcheck.transport.axl import answers
from confcheck.transport.axl.answers import (
    PSEUDO_NODE,
    JabberConfiguration,
    ProcessNode,
    ServiceProfile,
    ServiceProfileEntry,
    UcService,
)
from confcheck.transport.axl.errors import KINDS, AxlError
from confcheck.transport.axl.exchange import Exchange
from confcheck.transport.axl.settings import AxlSettings
from confcheck.transport.axl.versions import (
    BLIND,
    VERSIONS,
    Negotiation,
    and_list,
    best_common,
    major_minor,
    step_back,
    version_line,
)

__all__ = [
    "BLIND",
    "KINDS",
    "PSEUDO_NODE",
    "VERSIONS",
    "AxlClient",
    "AxlError",
    "AxlSettings",
    "JabberConfiguration",
    "Negotiation",
    "ProcessNode",
    "ServiceProfile",
    "ServiceProfileEntry",
    "UcService",
    "major_minor",
    "version_line",
]

BINDING = "{http://www.cisco.com/AXLAPIService/}AXLAPIBinding"
WSDL_DIR = Path(__file__).parent / "wsdl"
ZEEP_SETTINGS = zeep.Settings(
    strict=True, xml_huge_tree=False, forbid_dtd=True, forbid_entities=True, forbid_external=True
)

log = logging.getLogger(__name__)


class AxlClient:
    """One AXL endpoint. Cheap to create once its WSDL is loaded (once per version per process).

    ``negotiation`` is the cluster's shared state (see :class:`Negotiation`); without one the
    client starts at ``settings.version`` and keeps what it learns to itself.
    """

    def __init__(self, settings: AxlSettings, negotiation: Negotiation | None = None) -> None:
        self.settings = settings
        self.negotiation = negotiation or Negotiation(settings.version)
        self._builder(self.version)  # a missing or broken WSDL is an InputError now, not mid-run
        self._exchange = Exchange(settings)

    @property
    def version(self) -> str:
        """The AXL version the next request speaks."""
        return self.negotiation.version

    def ccm_version(self) -> str:
        """The full CUCM version, e.g. ``14.0.1.11900-132`` (getCCMVersion).

        Learning it may move the client to a newer AXL version the release has (a first call made
        blind, in 8.5, to a 9.1 server succeeds; the rest should speak 9.1).
        """
        answer = self._call("getCCMVersion", lambda version: {})
        found = answers.ccm_version(answer)
        if not found:
            raise self._exchange.error("protocol", "getCCMVersion: the answer holds no version")
        self._learned(found)
        return found

    def process_nodes(self) -> list[ProcessNode]:
        """The cluster's servers as configured (listProcessNode), without the EnterpriseWideData row."""

        def request(version: str) -> dict[str, Any]:
            tags = ["name", "description", "nodeUsage"]
            if self._at_least(version, "10.0"):
                tags.append("processNodeRole")
            return {"searchCriteria": {"name": "%"}, "returnedTags": dict.fromkeys(tags, "")}

        return answers.process_nodes(self._call("listProcessNode", request))

    def uc_services(self) -> list[UcService]:
        """Every UC service (listUcService); none on AXL 8.5, which predates them (no request is sent)."""
        if not self._has("listUcService"):
            return []
        tags = ("serviceType", "productType", "name", "hostnameorip", "port", "protocol")
        request = {"searchCriteria": {"name": "%"}, "returnedTags": dict.fromkeys(tags, "")}
        return answers.uc_services(self._call("listUcService", lambda version: request))

    def uc_service(self, name: str) -> UcService:
        """One UC service by name with its parameters (getUcService); a ``fault`` 5007 when there is none."""
        answer = self._call("getUcService", lambda version: {"name": name})
        service = answers.child(answers.child(answer, "return"), "ucService")
        if service is None:
            raise self._exchange.error("protocol", "getUcService: the answer holds no ucService")
        return answers.uc_service(service)

    def service_profiles(self) -> list[ServiceProfile]:
        """Every service profile's name and description (listServiceProfile); none on AXL 8.5 (no
        request is sent). ``isDefault`` is not asked for: Cisco's schema refuses the empty tag that
        would ask for it (getServiceProfile answers it)."""
        if not self._has("listServiceProfile"):
            return []
        request = {"searchCriteria": {"name": "%"}, "returnedTags": {"name": "", "description": ""}}
        return answers.service_profiles(self._call("listServiceProfile", lambda version: request))

    def service_profile(self, name: str) -> ServiceProfile:
        """One service profile by name, with the UC services it hands out (getServiceProfile)."""
        answer = self._call("getServiceProfile", lambda version: {"name": name})
        profile = answers.child(answers.child(answer, "return"), "serviceProfile")
        if profile is None:
            raise self._exchange.error("protocol", "getServiceProfile: the answer holds no serviceProfile")
        return answers.service_profile(profile)

    def sql(self, query: str) -> list[dict[str, str | None]]:
        """Rows of a read-only query (executeSQLQuery): lower-case column → text, None when empty."""
        return answers.rows(self._call("executeSQLQuery", lambda version: {"sql": query}))

    def close(self) -> None:
        """Close the connections."""
        self._exchange.close()

    def __enter__(self) -> AxlClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- one call, with the one retry a refused version earns -----------------------------------

    def _call(self, operation: str, request: Callable[[str], dict[str, Any]]) -> Any:
        while True:
            version = self.version
            envelope, soapaction = self._request(version, operation, request(version))
            try:
                answer = self._exchange.call(operation, envelope, soapaction, version)
            except AxlError as exc:
                if exc.kind != "version":
                    raise
                self._renegotiate(exc, version)
                continue
            self.negotiation.settled = True
            return answer

    def _renegotiate(self, refused: AxlError, version: str) -> None:
        """Move to the version to retry with after ``refused`` (a 599), or raise why there is none."""
        state = self.negotiation
        if version not in state.refused:
            state.refused.append(version)
        theirs = refused.supported
        if state.settled or self.settings.wsdl is not None:
            raise refused  # a version that worked, or the one a user's WSDL speaks: no switching
        if state.retried:
            listed = and_list(theirs) if theirs else "not listed"
            raise self._exchange.error(
                "version",
                f"HTTP 599: the server refused AXL {and_list(state.refused)}; supported axl versions are "
                f"{listed}; confcheck speaks {and_list(VERSIONS)}",
                supported=theirs,
            )
        if theirs:
            best = best_common((v for v in VERSIONS if v not in state.refused), theirs)
            if best is None:
                raise self._exchange.error(
                    "version",
                    f"HTTP 599: no AXL version in common: the server accepts {and_list(theirs)}, "
                    f"confcheck speaks {and_list(VERSIONS)}",
                    supported=theirs,
                )
        else:
            best = step_back(version, [v for v in VERSIONS if v not in state.refused])
            if best is None:
                raise refused
        log.debug(
            "AXL %s: AXL %s refused (the server lists %s); retrying once in AXL %s",
            self.settings.url,
            version,
            and_list(theirs) if theirs else "nothing",
            best,
        )
        state.retried = True
        state.version = best

    def _learned(self, ccm_version: str) -> None:
        """The release is known now: speak the newest version it has, if that is newer than this one."""
        state = self.negotiation
        state.ccm_version = state.ccm_version or ccm_version
        if self.settings.wsdl is not None or state.retried:
            return  # a version the server itself listed beats confcheck's model of the release
        try:
            best = version_line(ccm_version)
        except ValueError:
            return
        if major_minor(best) > major_minor(state.version) and best not in state.refused:
            state.version, state.settled = best, False

    # --- requests built by zeep from the WSDL of the version ---------------------------------

    def _request(self, version: str, operation: str, arguments: dict[str, Any]) -> tuple[bytes, str]:
        client, service, location = self._builder(version)
        binding = client.wsdl.bindings[BINDING]
        try:
            soapaction = binding.get(operation).soapaction
            envelope = client.create_message(service, operation, **arguments)
        except (ValueError, TypeError, ZeepError) as exc:
            if operation not in binding.all():
                raise self._exchange.error(
                    "version", f"{operation} does not exist in AXL {version}"
                ) from None
            raise InputError(f"{location}: cannot build {operation} ({one_line(str(exc))[:200]})") from None
        return bytes(etree.tostring(envelope, xml_declaration=True, encoding="utf-8")), str(soapaction)

    def _builder(self, version: str) -> tuple[Any, Any, str]:
        location = str(self.settings.wsdl or WSDL_DIR / version / "AXLAPI.wsdl")
        return builder(location)

    def _has(self, operation: str) -> bool:
        client, _, _ = self._builder(self.version)
        return operation in client.wsdl.bindings[BINDING].all()

    @staticmethod
    def _at_least(version: str, other: str) -> bool:
        try:
            return major_minor(version) >= major_minor(other)
        except ValueError:
            return False


_ONE_AT_A_TIME: dict[str, threading.Lock] = {}
_LOCKS = threading.Lock()


def builder(location: str) -> tuple[Any, Any, str]:
    """zeep's client and service for the WSDL at ``location``: parsed by the first client that asks,
    while clients of other clusters that ask for the same WSDL at the same time wait for it and share
    it (collection reads clusters in threads), rather than each parsing it again."""
    with _LOCKS:
        lock = _ONE_AT_A_TIME.setdefault(location, threading.Lock())
    with lock:
        return _builder(location)


@functools.cache
def _builder(location: str) -> tuple[Any, Any, str]:
    """zeep's client and service for the WSDL at ``location``, made once per process."""
    client = zeep.Client(_document(location), settings=ZEEP_SETTINGS, transport=_LOADER)  # type: ignore[no-untyped-call]
    try:
        service = client.create_service(BINDING, "https://CCMSERVERNAME:8443/axl/")  # type: ignore[no-untyped-call]
    except ValueError:
        raise InputError(f"{location}: the WSDL has no binding {BINDING}") from None
    return client, service, location


@functools.cache
def _document(location: str) -> Document:
    """The parsed WSDL, once per process: parsing is the slow part of making a client."""
    if not Path(location).is_file():
        raise InputError(f"{location}: no such WSDL file")
    try:
        return Document(location, _LOADER, settings=ZEEP_SETTINGS)  # type: ignore[arg-type]
    except (OSError, ZeepError, etree.Error, ValueError, KeyError) as exc:
        raise InputError(f"{location}: cannot load the AXL WSDL ({one_line(str(exc))[:200]})") from None


_LOADER = Transport()  # type: ignore[no-untyped-call]
"""Reads WSDL files from disk; never posts (requests go through :class:`Exchange`)."""
