"""Unity Connection's release, from its provisioning interface (CUPI), so the inventory need not say it.

Cisco's CUPI documentation ("About Versioning"): ``GET https://<cuc>/vmrest/version/product/``
answers ``<VersionInformation><name>Cisco Unity Connection Version</name><version>11.5.1.17108-2
</version></VersionInformation>``, the active product release; ``GET /vmrest/version`` (since
8.5(1)) answers the same shape with the vmrest API's version, which follows the release. confcheck
asks the first and falls back to the second when the first is not there (404).

Credentials are *modelled*: Cisco's pages list no header parameters for these resources, but every
public client sends HTTP Basic, and whether Unity Connection answers without is not known. So
confcheck sends the inventory's ``username`` and password (any Unity Connection account) when there
are some, to the configured publisher only, over verified TLS (the cluster's ``[cluster.tls]``),
never following a redirect; without them it asks anonymously. A 401 is a clear error naming what to
set; every other failure says what happened, and ``version`` in the inventory overrides all of it.
"""

from __future__ import annotations

import logging
import re

import requests
from lxml import etree

from confcheck.errors import ConfcheckError, ExitCode
from confcheck.transport import https, xmlparser
from confcheck.transport.axl.deadline import Watchdog
from confcheck.transport.https import TlsPolicy

PRODUCT = "/vmrest/version/product/"
API = "/vmrest/version"
MAX_ANSWER = 64 * 1024
VERSION = re.compile(r"\d+\.\d+[\w.()-]*")

log = logging.getLogger(__name__)


class CupiError(ConfcheckError):
    """Unity Connection's version could not be read; ``kind`` as collection problems have it."""

    exit_code = ExitCode.INCOMPLETE

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def product_version(
    base: str,
    tls: TlsPolicy,
    server_name: str | None = None,
    credentials: tuple[str, str] | None = None,
    timeout: float = 5.0,
    deadline: float = 10.0,
) -> str:
    """The release Unity Connection at ``base`` (``https://host:443``) reports; CupiError when it does not."""
    session = https.session(tls, server_name)
    session.auth = credentials
    watchdog = Watchdog(session)
    try:
        for path in (PRODUCT, API):
            status, content = _get(session, watchdog, base + path, timeout, deadline)
            if status == 401:
                who = f"user {credentials[0]!r} was refused" if credentials else "it needs credentials"
                raise CupiError(
                    "auth",
                    f"Unity Connection answered HTTP 401 to {path} ({who}): give username and password_env "
                    "of a Unity Connection account, or version, in confcheck.toml",
                )
            if status == 404:
                continue
            if status != 200:
                raise CupiError("version", f"{base}{path}: HTTP {status}; set version in confcheck.toml")
            if content is None:
                raise CupiError(
                    "version",
                    f"{base}{path}: the answer is larger than {MAX_ANSWER // 1024} KiB; set version in confcheck.toml",
                )
            found = parse(content)
            if found is None:
                raise CupiError(
                    "version", f"{base}{path}: the answer holds no version; set version in confcheck.toml"
                )
            log.debug("CUPI %s%s: version %s", base, path, found)
            return found
        raise CupiError(
            "version", f"{base}: no /vmrest version resource (HTTP 404); set version in confcheck.toml"
        )
    finally:
        session.close()
        watchdog.close()


def parse(content: bytes) -> str | None:
    """The ``<version>`` of a ``VersionInformation`` answer (XML); None when there is none."""
    try:
        root = etree.fromstring(content, xmlparser.hardened())
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root.getroottree().docinfo.doctype or etree.QName(root).localname != "VersionInformation":
        return None
    element = next(
        (c for c in root if isinstance(c.tag, str) and etree.QName(c).localname == "version"), None
    )
    value = (element.text or "").strip() if element is not None else ""
    return value if VERSION.fullmatch(value) else None


def _get(
    session: requests.Session, watchdog: Watchdog, url: str, timeout: float, deadline: float
) -> tuple[int, bytes | None]:
    """(status, body) of one bounded GET; the body is None when it was cut short or too large."""
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
            content = https.read_bounded(response, MAX_ANSWER) if response.status_code == 200 else b""
            status = response.status_code
    except requests.exceptions.SSLError:
        raise CupiError(
            "tls", f"{url}: TLS verification failed (see [cluster.tls] in confcheck.toml)"
        ) from None
    except requests.exceptions.RequestException as exc:
        if watchdog.fired:
            raise CupiError("timeout", f"{url}: no complete answer within {deadline:g} s") from None
        raise CupiError("connect", f"{url}: {type(exc).__name__}") from None
    if watchdog.fired:
        raise CupiError("timeout", f"{url}: no complete answer within {deadline:g} s")
    return status, content
