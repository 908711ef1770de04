"""Snapshots written by the previous release (schema_version 1) still lint: migrated, or refused clearly.

tests/data/schema-1/ holds the example snapshots exactly as the previous release wrote them; the
examples/ beside them are the same deployments at schema_version 2.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Run
from helpers import cert, cluster, deployment, node, tomcat, xmpp

from confcheck import plugin_manager, snapshot
from confcheck.errors import ExitCode
from confcheck.model import Setting

ROOT = Path(__file__).resolve().parents[1]
OLD = Path(__file__).parent / "data" / "schema-1"


def findings(run: Run) -> list[tuple[str, str | None, str | None, str | None]]:
    return sorted(
        (f["rule"], f["location"], f["value"], f["fingerprint"]) for f in json.loads(run.out)["findings"]
    )


@pytest.mark.parametrize("name", ["demo", "incomplete", "certificates"])
def test_a_snapshot_of_the_previous_release_lints_as_it_did(name: str, confcheck: Callable[..., Run]) -> None:
    old, new = OLD / f"{name}-snapshot.json", ROOT / "examples" / f"{name}-snapshot.json"
    assert json.loads(old.read_text())["schema_version"] == 1
    config = ROOT / "examples" / f"{name}.toml"
    extra = ["--config", str(config)] if config.exists() else []
    was = confcheck("lint", str(old), "--format", "json", "--at", "2026-12-01", *extra)
    now = confcheck("lint", str(new), "--format", "json", "--at", "2026-12-01", *extra)
    assert was.code == now.code != ExitCode.USAGE
    assert findings(was) == findings(now) != []


DOMAIN = "acme.example"


def version_1(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` as the previous release wrote it: 10.x settings filed under the 9.x lines, no profiles."""
    old = copy.deepcopy(doc)
    old["schema_version"] = 1
    for c in old["clusters"]:
        for s in c.get("settings", []):
            s["location"] = s["location"].replace("cucm10.", "cucm9.").replace("imp10.", "imp9.")
            s.pop("profiles", None)
    return old


def current_doc() -> dict[str, Any]:
    return copy.deepcopy(_current_doc())


@functools.cache
def _current_doc() -> dict[str, Any]:
    cucm1 = node(f"cucm1.{DOMAIN}", tomcat(f"cucm1.{DOMAIN}", cert(f"cucm1.{DOMAIN}", [f"cucm1.{DOMAIN}"])))
    cuc1 = node(
        f"cuc1.{DOMAIN}",
        tomcat(f"cuc1.{DOMAIN}", cert(f"cuc1.{DOMAIN}", [f"cuc1.{DOMAIN}"])),
        addresses=["10.0.0.31"],
    )
    imp1 = node(
        f"imp1.{DOMAIN}",
        tomcat(f"imp1.{DOMAIN}", cert(f"imp1.{DOMAIN}", [f"imp1.{DOMAIN}"])),
        xmpp(f"imp1.{DOMAIN}", cert(f"imp1.{DOMAIN}", [f"imp1.{DOMAIN}", DOMAIN]), DOMAIN),
    )
    d = deployment(
        cluster(
            "hq-cucm",
            "cucm",
            "12.5.1.11900-146",
            [cucm1],
            Setting("cucm10.uc-service-voicemail", "10.0.0.31", "VM-HQ"),
            Setting("cucm10.uc-service-imp", f"imp1.{DOMAIN}", "IMP-HQ"),
        ),
        cluster("hq-imp", "imp", "12.5.1.11900-117", [imp1], Setting("imp10.xmpp-domain", DOMAIN)),
        cluster("hq-cuc", "unity", "12.5.1.11900-57", [cuc1]),
    )
    return snapshot.to_dict(d)


def test_a_version_1_snapshot_of_12_5_moves_to_the_lines_that_now_cover_it() -> None:
    old = version_1(current_doc())
    assert {s["location"] for c in old["clusters"] for s in c["settings"]} == {
        "cucm9.uc-service-voicemail",
        "cucm9.uc-service-imp",
        "imp9.xmpp-domain",
    }
    migrated = snapshot.from_dict(old, plugin_manager.catalog())
    assert migrated == snapshot.from_dict(current_doc(), plugin_manager.catalog())
    assert all(s.profiles is None for c in migrated.clusters for s in c.settings)  # never guessed
    assert snapshot.to_dict(migrated)["schema_version"] == 2


def test_a_migrated_12_5_snapshot_gets_current_menu_paths(
    tmp_path: Path, confcheck: Callable[..., Run]
) -> None:
    path = tmp_path / "old.json"
    path.write_text(json.dumps(version_1(current_doc())))
    result = confcheck("lint", str(path), "--format", "json")
    assert result.code == ExitCode.FINDINGS
    [finding] = json.loads(result.out)["findings"]
    assert (finding["rule"], finding["location"]) == ("CC102", "cucm10.uc-service-voicemail")
    assert finding["fix"]["where"] == (
        "Cisco Unified CM Administration > User Management > User Settings > UC Service (Voicemail)"
    )


def test_a_setting_the_new_line_does_not_have_is_refused_with_what_to_do(
    tmp_path: Path, confcheck: Callable[..., Run]
) -> None:
    old = version_1(current_doc())
    old["clusters"][1]["settings"].append({"location": "imp9.tftp-primary", "value": "10.0.0.11"})
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old))
    result = confcheck("lint", str(path))
    assert result.code == ExitCode.USAGE
    assert result.out == ""
    assert result.err.strip().splitlines() == [
        f"confcheck: error: {path}: clusters[1].settings[1].location: 'imp9.tftp-primary' (schema_version 1) has no "
        "counterpart for imp 12.5.1.11900-117, which confcheck now reads as imp10 (10.x and later, see "
        "confcheck locations): collect the cluster again"
    ]


def test_migration_leaves_bad_elements_to_the_loader_to_name() -> None:
    old = version_1(current_doc())
    old["clusters"][0]["settings"][0]["location"] = "cucm9.nope"
    old["clusters"][2] = "not a cluster"
    with pytest.raises(
        snapshot.SnapshotError, match=r"clusters\[0\].settings\[0\].location: unknown location"
    ):
        snapshot.from_dict(old, plugin_manager.catalog())
    old["clusters"][0]["settings"][0]["location"] = "cucm9.uc-service-voicemail"
    with pytest.raises(snapshot.SnapshotError, match=r"clusters\[2\]: expected an object, found a string"):
        snapshot.from_dict(old, plugin_manager.catalog())


def test_a_version_2_snapshot_keeps_profiles_and_a_version_1_one_cannot_have_them() -> None:
    doc = current_doc()
    doc["clusters"][0]["settings"][0]["profiles"] = []
    loaded = snapshot.from_dict(doc, plugin_manager.catalog())
    assert loaded.clusters[0].settings[0].profiles == ()
    assert snapshot.to_dict(loaded)["clusters"][0]["settings"][0]["profiles"] == []


@pytest.mark.parametrize("path", sorted((ROOT / "examples").glob("*.json")), ids=lambda p: p.name)
def test_every_example_is_a_current_snapshot_the_schema_describes(path: Path) -> None:
    import jsonschema

    schema = json.loads((ROOT / "confcheck" / "schemas" / "snapshot.schema.json").read_text())
    doc = json.loads(path.read_text())
    assert doc["schema_version"] == snapshot.SCHEMA_VERSION == 2
    assert [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(doc)] == []
    snapshot.from_dict(doc, plugin_manager.catalog())
