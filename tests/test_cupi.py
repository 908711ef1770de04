"""Unity Connection's release from CUPI, and which IM and Presence node is the publisher: small parts of
reading 10.x and later, against real HTTPS on loopback."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes

from confcheck import pki
from confcheck.lab import cupi as lab_cupi
from confcheck.lab.servers import App, HttpsServer, Request, Response, context
from confcheck.plugins import _imp
from confcheck.transport import cupi
from confcheck.transport.https import TlsPolicy

PASSWORD = "cuc-Pa55-never-shown"


@contextlib.contextmanager
def https(app: App, tmp_path: Path) -> Iterator[tuple[str, TlsPolicy, list[Request]]]:
    """An HTTPS server on 127.0.0.1 answering ``/vmrest/`` with ``app``; its URL, how to trust it, what it saw."""
    issued = pki.server("cuc1.example.com", dns=["cuc1.example.com"])
    (tmp_path / "cert.pem").write_text(issued.pem)
    (tmp_path / "key.pem").write_text(issued.key_pem)
    seen: list[Request] = []

    def record(request: Request) -> Response:
        seen.append(request)
        return app(request)

    server = HttpsServer(
        "127.0.0.1", 0, context(tmp_path / "cert.pem", tmp_path / "key.pem"), {"/vmrest/": record}
    )
    try:
        pin = issued.cert.fingerprint(hashes.SHA256()).hex()
        yield f"https://127.0.0.1:{server.port}", TlsPolicy(fingerprint=pin), seen
    finally:
        server.stop()


def lab(version: str = "14.0.1.11900-14") -> App:
    return lab_cupi.app(lab_cupi.UnityData(version, "cucaudit", PASSWORD))


def test_the_product_version_is_read_with_the_inventorys_credentials(tmp_path: Path) -> None:
    with https(lab(), tmp_path) as (url, tls, seen):
        assert cupi.product_version(url, tls, None, ("cucaudit", PASSWORD)) == "14.0.1.11900-14"
    [request] = seen
    assert request.path == "/vmrest/version/product/"
    assert (
        request.headers["authorization"]
        == "Basic " + base64.b64encode(f"cucaudit:{PASSWORD}".encode()).decode()
    )


def test_without_credentials_a_401_names_what_to_set(tmp_path: Path) -> None:
    with https(lab(), tmp_path) as (url, tls, seen), pytest.raises(cupi.CupiError) as caught:
        cupi.product_version(url, tls)
    assert caught.value.kind == "auth"
    assert str(caught.value) == (
        "Unity Connection answered HTTP 401 to /vmrest/version/product/ (it needs credentials): give username "
        "and password_env of a Unity Connection account, or version, in confcheck.toml"
    )
    assert "authorization" not in seen[0].headers


def test_a_server_without_the_product_resource_is_asked_for_the_vmrest_version(tmp_path: Path) -> None:
    def older(request: Request) -> Response:
        if request.path.startswith("/vmrest/version/product"):
            return Response(404, b"not found")
        return Response(
            200,
            b"<VersionInformation><name>vmrest</name><version>9.1.2.10000-5</version></VersionInformation>",
        )

    with https(older, tmp_path) as (url, tls, seen):
        assert cupi.product_version(url, tls) == "9.1.2.10000-5"
    assert [r.path for r in seen] == ["/vmrest/version/product/", "/vmrest/version"]


@pytest.mark.parametrize(
    ("status", "body", "said"),
    [
        (200, b"<html>Welcome</html>", "the answer holds no version"),
        (
            200,
            b"<VersionInformation><version>latest</version></VersionInformation>",
            "the answer holds no version",
        ),
        (
            200,
            b'<!DOCTYPE x [<!ENTITY e "9.1">]><VersionInformation><version>&e;</version></VersionInformation>',
            "the answer holds no version",
        ),
        (500, b"oops", "HTTP 500"),
        (302, b"", "HTTP 302"),
        (
            200,
            b"<VersionInformation><version>" + b"9" * 70000 + b"</version></VersionInformation>",
            "larger than 64 KiB",
        ),
    ],
)
def test_an_answer_without_a_version_is_an_error_naming_the_override(
    tmp_path: Path, status: int, body: bytes, said: str
) -> None:
    answer = Response(status, body)
    with https(lambda request: answer, tmp_path) as (url, tls, _), pytest.raises(cupi.CupiError) as caught:
        cupi.product_version(url, tls)
    assert said in str(caught.value)
    assert str(caught.value).endswith("set version in confcheck.toml")


def test_tls_is_verified_before_credentials_are_sent(tmp_path: Path) -> None:
    with https(lab(), tmp_path) as (url, _, seen), pytest.raises(cupi.CupiError) as caught:
        cupi.product_version(url, TlsPolicy(fingerprint="00" * 32), None, ("cucaudit", PASSWORD))
    assert caught.value.kind == "tls"
    assert seen == []


class _Context:
    """The DNS a collection context would answer."""

    def __init__(self, addresses: dict[str, list[str]]) -> None:
        self.known = addresses

    def addresses(self, name: str) -> list[str]:
        return self.known.get(name.lower(), [])


@pytest.mark.parametrize(
    ("publisher", "dns", "expected"),
    [
        ("IMP1.example.com.", {}, "imp1.example.com"),  # the same name, in any case, trailing dot
        (
            "imp-pub.example.com",
            {"imp-pub.example.com": ["10.0.0.21"], "10.0.0.21": ["10.0.0.21"]},
            "10.0.0.21",
        ),
        ("imp9.example.com", {"imp9.example.com": ["10.0.0.99"]}, None),  # not listed: nobody is guessed
    ],
)
def test_the_im_and_presence_publisher_is_the_one_the_inventory_names(
    publisher: str, dns: dict[str, list[str]], expected: str | None
) -> None:
    cluster: Any = type("Cluster", (), {"publisher": publisher})()
    context: Any = _Context(dns)
    assert _imp._publisher(["imp1.example.com", "10.0.0.21"], cluster, context) == expected
