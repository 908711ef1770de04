"""IM and Presence's own AXL service: its release (getCUPVersion) and its nodes' names (getClusterInfo).

Why: from 10.0 an IM and Presence cluster has no Cluster Topology page to scrape; its nodes are
named in CUCM's System > Server. IM and Presence 11.5 and later answer AXL at
``https://<imp-publisher>:8443/axl/`` with CUCM's namespaces and SOAPAction form and operations of
their own (Cisco's IM and Presence AXL schema 11.5 and 12.5, ../shared/imp-axl-schema): two
argument-less calls give the release and the configured names of the cluster's nodes, where the
admin pages would need a sign-in and two scrapes. Which releases before 11.5 answer is not known:
confcheck does not ask them.

Versions: confcheck ships compact WSDLs for 11.5 and 12.5 (``imp_wsdl/``, written by
``tools/imp_axl_wsdl.py``). It speaks 12.5 first; a 599 that lists 11.5 (or nothing) earns one retry
in 11.5, remembered for the cluster. Which AXL versions each IM and Presence release accepts is
*modelled* on CUCM's rule (a release keeps the schemas of the two majors before it).

``getClusterInfo`` lists names, not roles: the IM and Presence database publisher is the node the
inventory names as ``publisher`` (by name, or by the address it resolves to), not guessed from the
order of the answer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from lxml import etree
from zeep.exceptions import Error as ZeepError

from confcheck import records
from confcheck.errors import InputError, one_line
from confcheck.transport.axl import BINDING, answers, builder
from confcheck.transport.axl.errors import AxlError
from confcheck.transport.axl.exchange import Exchange
from confcheck.transport.axl.settings import AxlSettings
from confcheck.transport.axl.versions import and_list, best_common, major_minor

VERSIONS = ("11.5", "12.5")
"""The IM and Presence AXL versions confcheck ships a WSDL for, oldest first."""
FIRST = "12.5"
WSDL_DIR = Path(__file__).parent / "imp_wsdl"
SINCE = (11, 5)
"""The first IM and Presence release known to answer its own AXL service."""

log = logging.getLogger("confcheck.transport.axl")


def answers_axl(release: str) -> bool:
    """Whether confcheck reads IM and Presence ``release`` (e.g. ``14.0.1.10000-5``) over its AXL service."""
    try:
        return major_minor(release) >= SINCE
    except ValueError:
        return False


@records.record
class ClusterInfo:
    """getClusterInfo: the configured names of the IM and Presence nodes, and of the CUCM nodes."""

    presence: tuple[str, ...]
    cucm: tuple[str, ...]


@dataclass
class PresenceNegotiation:
    """The IM and Presence AXL version one cluster speaks, shared by its clients during a run."""

    version: str = FIRST
    settled: bool = False
    retried: bool = False


class PresenceAxlClient:
    """IM and Presence's AXL service at one publisher; ``settings.version`` is ignored (see
    :class:`PresenceNegotiation`), the rest (URL, credentials, TLS, limits) is used as for CUCM."""

    def __init__(self, settings: AxlSettings, negotiation: PresenceNegotiation | None = None) -> None:
        self.settings = settings
        self.negotiation = negotiation or PresenceNegotiation()
        _wsdl(self.negotiation.version)  # a missing WSDL is an InputError now, not mid-run
        self._exchange = Exchange(settings)

    @property
    def version(self) -> str:
        return self.negotiation.version

    def cup_version(self) -> str:
        """The IM and Presence release, e.g. ``14.0.1.10000-5``."""
        found = answers.text(answers.child(self._call("getCUPVersion"), "return"), "version")
        if not found or not found.strip():
            raise self._exchange.error("protocol", "getCUPVersion: the answer holds no version")
        return found.strip()

    def cluster_info(self) -> ClusterInfo:
        """The names of the cluster's nodes, exactly as configured (empty names dropped)."""
        info = answers.child(answers.child(self._call("getClusterInfo"), "return"), "ServerInformation")
        if info is None:
            raise self._exchange.error("protocol", "getClusterInfo: the answer holds no ServerInformation")

        def names(group: str) -> tuple[str, ...]:
            found = (e.text for e in answers.children(answers.child(info, group), "servername"))
            return tuple(n.strip() for n in found if n and n.strip())

        return ClusterInfo(names("cupservernames"), names("cucmservernames"))

    def close(self) -> None:
        self._exchange.close()

    def __enter__(self) -> PresenceAxlClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _call(self, operation: str) -> Any:
        while True:
            version = self.version
            envelope, soapaction = _request(version, operation)
            try:
                answer = self._exchange.call(operation, envelope, soapaction, version)
            except AxlError as exc:
                if exc.kind != "version" or self.negotiation.settled or self.negotiation.retried:
                    raise
                self._retry(exc, version)
                continue
            self.negotiation.settled = True
            return answer

    def _retry(self, refused: AxlError, version: str) -> None:
        others = [v for v in VERSIONS if v != version]
        if refused.supported:
            best = best_common(others, refused.supported)
            if best is None:
                raise self._exchange.error(
                    "version",
                    f"HTTP 599: no IM and Presence AXL version in common: the server accepts "
                    f"{and_list(refused.supported)}, confcheck speaks {and_list(VERSIONS)}",
                    supported=refused.supported,
                )
        else:
            best = max(others, key=major_minor)
        log.debug(
            "IM and Presence AXL %s: AXL %s refused; retrying once in AXL %s",
            self.settings.url,
            version,
            best,
        )
        self.negotiation.retried = True
        self.negotiation.version = best


def _wsdl(version: str) -> tuple[Any, Any, str]:
    return builder(str(WSDL_DIR / version / "AXLAPI.wsdl"))


def _request(version: str, operation: str) -> tuple[bytes, str]:
    client, service, location = _wsdl(version)
    try:
        soapaction = client.wsdl.bindings[BINDING].get(operation).soapaction
        envelope = client.create_message(service, operation)
    except (ValueError, TypeError, ZeepError) as exc:
        raise InputError(f"{location}: cannot build {operation} ({one_line(str(exc))[:200]})") from None
    return bytes(etree.tostring(envelope, xml_declaration=True, encoding="utf-8")), str(soapaction)
