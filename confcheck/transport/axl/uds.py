"""Learn a CUCM's release before the first AXL call, from UDS, without credentials.

``GET https://<cucm>:8443/cucm-uds/version`` is one of the UDS resources that need no
authentication (Cisco's UDS developer guide: "resources that provide general information ... do
not require authentication"). Its answer, as Cisco's guide shows it::

    <versionInformation uri="https://{host}/cucm-uds/version" version="10.0.0">
      <version>11.5.1</version><capabilities>...</capabilities></versionInformation>

The ``version`` attribute is the UDS schema's version, the ``<version>`` element the release's
(SeeYouCM-Thief's tests, written against Cisco's UDS 14 schemas, read them the same way); an
answer with only the attribute is read from the attribute. UDS exists from CUCM 10.0 (Cisco's guide:
"a new feature available in Unified Communications Manager Release 10.0"), so an older publisher
answers 404 and confcheck falls back to AXL's getCCMVersion.

This GET never carries credentials: its session has no auth, follows no redirect and reads the
environment for nothing. Its failures are not errors, only a reason to fall back: they are logged
at debug level and the function answers None.

It lives with AXL because AXL's version negotiation is its only user so far.
"""

from __future__ import annotations

import logging
import re

import requests
from lxml import etree

from confcheck.transport import https, xmlparser
from confcheck.transport.axl.deadline import Watchdog
from confcheck.transport.https import TlsPolicy

PATH = "/cucm-uds/version"
MAX_ANSWER = 64 * 1024

log = logging.getLogger("confcheck.transport.axl")


def ccm_version(
    url: str,
    tls: TlsPolicy,
    server_name: str | None = None,
    timeout: float = 5.0,
    deadline: float = 10.0,
) -> str | None:
    """The release UDS at ``url`` (``https://host:8443/cucm-uds/version``) reports; None when it does not."""
    session = https.session(tls, server_name)
    watchdog = Watchdog(session)
    try:
        with (
            watchdog.limit(deadline),
            session.get(
                url,
                headers={"Accept": "application/xml", "Accept-Encoding": "identity"},
                timeout=(min(timeout, deadline), timeout),
                stream=True,
                allow_redirects=False,
            ) as response,
        ):
            if response.status_code != 200:
                log.debug("UDS %s: HTTP %d, no version", url, response.status_code)
                return None
            content = https.read_bounded(response, MAX_ANSWER)
        if watchdog.fired or content is None:
            log.debug("UDS %s: no complete answer within %g s or %d bytes", url, deadline, MAX_ANSWER)
            return None
    except requests.exceptions.RequestException as exc:
        log.debug("UDS %s: %s", url, type(exc).__name__)
        return None
    finally:
        session.close()
        watchdog.close()
    version = parse(content)
    log.debug("UDS %s: version %s", url, version or "not found in the answer")
    return version


def parse(content: bytes) -> str | None:
    """The release in a ``versionInformation`` answer: its ``<version>``, else its ``version`` attribute."""
    try:
        root = etree.fromstring(content, xmlparser.hardened())
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root.getroottree().docinfo.doctype or etree.QName(root).localname != "versionInformation":
        return None
    element = next(
        (c for c in root if isinstance(c.tag, str) and etree.QName(c).localname == "version"), None
    )
    value = (element.text or "") if element is not None else (root.get("version") or "")
    value = value.strip()
    return value if re.fullmatch(r"\d+\.\d+[\w.()-]*", value) else None
