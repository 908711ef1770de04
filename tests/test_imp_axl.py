"""IM and Presence's own AXL service: the client against the lab's responder, both held to Cisco's
IM and Presence AXL schema (../shared/imp-axl-schema, 11.5 and 12.5)."""

from __future__ import annotations

import functools
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from helpers import shared
from lxml import etree
from test_axl import PASSWORD, USER, authorized, body_element, envelope, serve, settings

from confcheck.lab import imp_axl
from confcheck.lab.axl import IM_AND_PRESENCE, AxlData, AxlProcessNode
from confcheck.transport.axl import AxlError
from confcheck.transport.axl.presence import VERSIONS, WSDL_DIR, PresenceAxlClient, answers_axl

ROOT = Path(__file__).resolve().parents[1]

IMP = {
    "11.5": "11.5.1.10000-6",
    "12.5": "12.5.1.11900-117",
    "14.0": "14.0.1.11900-9",
    "15.0": "15.0.1.10000-9",
}


def imp_data(release: str, **kwargs: Any) -> AxlData:
    kwargs.setdefault("password", PASSWORD)
    return AxlData(
        version=release,
        username=USER,
        process_nodes=[
            AxlProcessNode("cucm1.example.com", "Publisher"),
            AxlProcessNode("imp1.example.com", role=IM_AND_PRESENCE),
            AxlProcessNode("10.0.0.22", role=IM_AND_PRESENCE),
        ],
        **kwargs,
    )


def lab(data: AxlData) -> Any:
    return serve(lambda body, headers: imp_axl.respond(body, headers, data))


@functools.cache
def cisco_imp_schema(version: str) -> Any:
    return etree.XMLSchema(etree.parse(str(shared(f"imp-axl-schema/{version}/AXLSoap.xsd"))))


def assert_valid(version: str, element: Any) -> None:
    schema = cisco_imp_schema(version)
    document = etree.ElementTree(etree.fromstring(etree.tostring(element)))
    assert schema.validate(document), f"{etree.tostring(element)[:300]!r}: {schema.error_log}"


def test_confcheck_speaks_every_im_and_presence_axl_version_cisco_publishes() -> None:
    folder = shared("imp-axl-schema")
    assert tuple(sorted(p.name for p in folder.iterdir() if (p / "AXLSoap.xsd").is_file())) == VERSIONS


@pytest.mark.parametrize("release", ["11.5", "12.5", "14.0", "15.0"])
def test_every_request_validates_against_ciscos_im_and_presence_schema(release: str) -> None:
    with lab(imp_data(IMP[release])) as server, PresenceAxlClient(settings(server.url)) as client:
        assert client.cup_version() == IMP[release]
        info = client.cluster_info()
    assert info.presence == ("imp1.example.com", "10.0.0.22")
    assert info.cucm == ("cucm1.example.com",)
    spoken = set()
    for headers, body in server.seen:
        element = body_element(body)
        operation = etree.QName(element).localname
        version = etree.QName(element).namespace.rsplit("/", 1)[-1]
        spoken.add(version)
        assert headers["SOAPAction"] == f'"CUCM:DB ver={version} {operation}"'
        assert_valid(version, element)
    # 11.5 refuses 12.5 (HTTP 599 listing 11.5): one retry, then 11.5 for the rest of the run
    assert spoken == ({"12.5", "11.5"} if release == "11.5" else {"12.5"})


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("operation", ["getCUPVersion", "getClusterInfo"])
def test_every_lab_answer_validates_against_ciscos_im_and_presence_schema(
    version: str, operation: str
) -> None:
    status, _, answer = imp_axl.respond(
        envelope(version, operation, sequence="3"), authorized(), imp_data(IMP["12.5"])
    )
    assert status == 200, answer
    element = body_element(answer)
    assert etree.QName(element).localname == f"{operation}Response"
    assert_valid(version, element)


def test_a_server_with_no_version_in_common_is_refused_naming_both_sides() -> None:
    data = imp_data(IMP["15.0"], supported_versions=("14.0", "15.0"))
    with lab(data) as server, pytest.raises(AxlError) as caught:
        PresenceAxlClient(settings(server.url)).cup_version()
    assert caught.value.kind == "version"
    assert "no IM and Presence AXL version in common: the server accepts 14.0 and 15.0" in str(caught.value)
    assert "confcheck speaks 11.5 and 12.5" in str(caught.value)
    assert len(server.seen) == 1


def test_a_599_that_lists_nothing_earns_one_retry_in_11_5_then_an_error() -> None:
    data = imp_data(IMP["12.5"], supported_versions=("9.1",), unlisted_599=True)
    with lab(data) as server, pytest.raises(AxlError) as caught:
        PresenceAxlClient(settings(server.url)).cup_version()
    assert caught.value.kind == "version"
    assert len(server.seen) == 2


def test_a_wrong_password_is_an_auth_error_without_the_password() -> None:
    with lab(imp_data(IMP["14.0"], password="other")) as server, pytest.raises(AxlError) as caught:
        PresenceAxlClient(settings(server.url)).cluster_info()
    assert caught.value.kind == "auth"
    assert PASSWORD not in str(caught.value)


def test_only_releases_from_11_5_are_read_over_their_axl() -> None:
    assert [answers_axl(r) for r in ("10.5.2.10000-5", "11.0.1.10000-10", "11.5.1.10000-6", "15.0", "x")] == [
        False,
        False,
        True,
        True,
        False,
    ]


def generator() -> ModuleType:
    """tools/imp_axl_wsdl.py, imported from its path (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location("imp_axl_wsdl", ROOT / "tools" / "imp_axl_wsdl.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["imp_axl_wsdl"] = module
    spec.loader.exec_module(module)
    return module


def test_the_shipped_im_and_presence_wsdls_are_what_the_generator_writes() -> None:
    tool = generator()
    assert tool.VERSIONS == VERSIONS
    assert {p for p in WSDL_DIR.rglob("*") if p.is_file()} == set(tool.files())
    assert tool.main(["--check"]) == 0


def test_the_im_and_presence_check_catches_a_hand_edited_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tool = generator()
    monkeypatch.setattr(tool, "OUT", tmp_path)
    assert tool.main([]) == 0
    assert tool.main(["--check"]) == 0
    edited = tmp_path / "12.5" / "AXLSoap.xsd"
    edited.write_text(edited.read_text().replace('name="cupservernames"', 'name="servers"'))
    assert tool.main(["--check"]) == 1
