"""The lab's Unity Connection provisioning interface: ``/vmrest/version/product/`` and ``/vmrest/version``.

The answers have the shape of Cisco's CUPI documentation ("About Versioning"): a
``VersionInformation`` element with ``name`` and ``version``. The lab asks for HTTP Basic
credentials (the ones it hands out) and answers 401 without them: whether a real Unity Connection
answers these resources anonymously is not known, and the stricter model is the one confcheck must
cope with.
"""

from __future__ import annotations

import base64
import hmac
from dataclasses import dataclass, field

from lxml import etree

from confcheck.lab.servers import App, Request, Response

XML = "application/xml"


@dataclass
class UnityData:
    """What one lab Unity Connection answers."""

    version: str
    username: str
    password: str = field(repr=False)


def app(data: UnityData) -> App:
    """A lab route for ``/vmrest/``."""

    def serve(request: Request) -> Response:
        if not _authorized(request.headers.get("authorization", ""), data):
            return Response(
                401,
                b"<html><body>HTTP Status 401 - Unauthorized</body></html>",
                headers=(("WWW-Authenticate", 'Basic realm="Cisco Unity Connection"'),),
            )
        path = request.path.split("?", 1)[0]
        if path.rstrip("/") == "/vmrest/version/product":
            return Response(200, _version("Cisco Unity Connection Version", data.version), XML)
        if path.rstrip("/") == "/vmrest/version":
            return Response(200, _version("vmrest", data.version), XML)
        return Response(404, b"<html><body>HTTP Status 404 - Not Found</body></html>")

    return serve


def _version(name: str, version: str) -> bytes:
    root = etree.Element("VersionInformation")
    etree.SubElement(root, "name").text = name
    etree.SubElement(root, "version").text = version
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def _authorized(header: str, data: UnityData) -> bool:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        given = base64.b64decode(token.strip(), validate=True)
    except ValueError:
        return False
    return hmac.compare_digest(given, f"{data.username}:{data.password}".encode())
