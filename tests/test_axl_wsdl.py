"""The compact AXL WSDLs: generated from one template, loadable, and the ones shipped are the ones generated."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
import zeep
from lxml import etree

from confcheck.transport import axl

ROOT = Path(__file__).resolve().parents[1]


def generator() -> ModuleType:
    """tools/axl_wsdl.py, imported from its path (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location("axl_wsdl", ROOT / "tools" / "axl_wsdl.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["axl_wsdl"] = module
    spec.loader.exec_module(module)
    return module


def test_the_shipped_wsdls_are_what_the_generator_writes() -> None:
    tool = generator()
    assert tool.VERSIONS == axl.VERSIONS
    shipped = {p for p in axl.WSDL_DIR.rglob("*") if p.is_file()}
    assert shipped == set(tool.files())
    assert tool.main(["--check"]) == 0


def test_the_check_catches_a_hand_edited_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tool = generator()
    monkeypatch.setattr(tool, "OUT", tmp_path)
    assert tool.main([]) == 0
    assert tool.main(["--check"]) == 0
    edited = tmp_path / "14.0" / "AXLSoap.xsd"
    edited.write_text(edited.read_text().replace('name="processNodeRole"', 'name="role"'))
    assert tool.main(["--check"]) == 1


@pytest.mark.parametrize("version", axl.VERSIONS)
def test_each_compact_wsdl_loads_with_the_operations_of_its_version(version: str) -> None:
    etree.XMLSchema(etree.parse(str(axl.WSDL_DIR / version / "AXLSoap.xsd")))  # a valid XML Schema
    client = zeep.Client(str(axl.WSDL_DIR / version / "AXLAPI.wsdl"))  # type: ignore[no-untyped-call]
    operations = set(client.wsdl.bindings[axl.BINDING].all())  # type: ignore[no-untyped-call]
    basic = {"getCCMVersion", "listProcessNode", "executeSQLQuery"}
    since_9 = {"listUcService", "getUcService", "listServiceProfile", "getServiceProfile"}
    assert operations == (basic if version == "8.5" else basic | since_9)
