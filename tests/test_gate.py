"""Pipeline gates on lint: --select/--ignore, waivers, baselines, proposed changes, several outputs."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import Run
from helpers import cert, cluster, deployment, node, root_ca, tomcat

from confcheck import pki, snapshot
from confcheck.model import Deployment, Setting

TOML_HEAD = "[[cluster]]\nname = 'x'\nproduct = 'unity'\nversion = '9.1'\npublisher = 'x'\n"


def premigration() -> Deployment:
    """CUCM publisher configured by IP (CC102) and an IM&P TFTP setting by IP (CC102), a wildcard voicemail (CC105)."""
    leaf = cert("cucm1.example.com", dns=["cucm1.example.com"])
    cucm = cluster(
        "hq-cucm",
        "cucm",
        "9.1",
        [
            node(
                "10.0.0.11",
                tomcat("10.0.0.11", leaf),
                hostname="cucm1",
                domain="example.com",
                addresses=["10.0.0.11"],
            )
        ],
        Setting("cucm9.uc-service-voicemail", "cuc1.example.com", "VM"),
    )
    cuc = cluster(
        "hq-cuc",
        "unity",
        "9.1",
        [
            node(
                "cuc1.example.com",
                tomcat("cuc1.example.com", cert("*.example.com", dns=["*.example.com"])),
                addresses=["10.0.0.31"],
            )
        ],
    )
    imp_leaf = cert("imp1.example.com", dns=["imp1.example.com"])
    imp = cluster(
        "hq-imp",
        "imp",
        "9.1",
        [node("imp1.example.com", tomcat("imp1.example.com", imp_leaf))],
        Setting("imp9.tftp-primary", "10.0.0.11"),
    )
    return deployment(cucm, imp, cuc)


@pytest.fixture
def snap(tmp_path: Path) -> Path:
    path = tmp_path / "snap.json"
    snapshot.write(premigration(), path)
    return path


def rules_of(result: Run) -> list[str]:
    return sorted(f["rule"] for f in json.loads(result.out)["findings"])


def test_select_and_ignore_by_code_and_prefix(confcheck: Callable[..., Run], snap: Path) -> None:
    everything = confcheck("lint", str(snap), "--format", "json")
    assert rules_of(everything) == ["CC102", "CC102", "CC105"]
    assert rules_of(confcheck("lint", str(snap), "--format", "json", "--select", "CC105")) == ["CC105"]
    assert rules_of(confcheck("lint", str(snap), "--format", "json", "--ignore", "CC10")) == []
    picked = confcheck("lint", str(snap), "--format", "json", "--select", "cc1", "--ignore", "CC105")
    assert rules_of(picked) == ["CC102", "CC102"]
    assert "1 findings of rules outside --select/--ignore are not shown." in json.loads(picked.out)["notes"]


def test_a_bad_rule_code_is_a_usage_error(confcheck: Callable[..., Run], snap: Path) -> None:
    result = confcheck("lint", str(snap), "--select", "X1")
    assert result.code == 2
    assert result.err == "confcheck: error: 'X1' is not a rule code or prefix (CC102, CC1)\n"


def waivers(tmp_path: Path, *entries: str) -> Path:
    path = tmp_path / "confcheck.toml"
    path.write_text(TOML_HEAD + "".join(f"\n[[waiver]]\n{e}\n" for e in entries))
    return path


def test_a_waiver_suppresses_with_its_reason_and_an_unused_one_is_reported(
    confcheck: Callable[..., Run], snap: Path, tmp_path: Path
) -> None:
    config = waivers(
        tmp_path,
        'rule = "CC102"\ntarget = "hq-imp/imp9.tftp-primary"\nreason = "legacy clients retire in Q1"',
        'rule = "CC1"\ntarget = "nothing-like-this"\nreason = "old"',
    )
    result = confcheck("lint", str(snap), "--config", str(config), "--format", "json")
    report = json.loads(result.out)
    assert sorted(f["rule"] for f in report["findings"]) == ["CC102", "CC105", "CC901"]
    [suppressed] = report["suppressed"]
    assert suppressed["location"] == "imp9.tftp-primary"
    assert suppressed["suppression"] == {
        "kind": "waiver",
        "reason": "legacy clients retire in Q1",
        "expires": None,
    }
    unused = next(f for f in report["findings"] if f["rule"] == "CC901")
    assert "confcheck.toml:12" in unused["message"]
    assert result.code == 1


def test_an_expired_waiver_stops_suppressing_and_says_so(
    confcheck: Callable[..., Run], snap: Path, tmp_path: Path
) -> None:
    yesterday = (date.today() - timedelta(days=2)).isoformat()
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    config = waivers(
        tmp_path,
        f'rule = "CC105"\ntarget = "cuc1.example.com"\nreason = "CSR pending"\nexpires = {yesterday}',
        f'rule = "CC102"\ntarget = "10.0.0.11"\nreason = "rename window booked"\nexpires = "{tomorrow}"',
    )
    report = json.loads(confcheck("lint", str(snap), "--config", str(config), "--format", "json").out)
    assert [f["rule"] for f in report["findings"]] == ["CC105"]
    assert [s["suppression"]["expires"] for s in report["suppressed"]] == [tomorrow, tomorrow]
    assert any(
        f"expired on {yesterday} and no longer suppresses it (CSR pending)" in n for n in report["notes"]
    )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('rule = "CC102"\ntarget = "x"', "waiver[1].reason: required"),
        ('rule = "X"\ntarget = "x"\nreason = "r"', "waiver[1].rule: 'X' is not a rule code"),
        ('rule = "CC1"\ntarget = "x"\nreason = "r"\nexpires = "soon"', "waiver[1].expires: expected a date"),
    ],
)
def test_bad_waivers_are_config_errors(
    confcheck: Callable[..., Run], snap: Path, tmp_path: Path, entry: str, message: str
) -> None:
    result = confcheck("lint", str(snap), "--config", str(waivers(tmp_path, entry)))
    assert result.code == 2
    assert message in result.err


def test_a_baseline_accepts_todays_findings_and_still_catches_new_ones(
    confcheck: Callable[..., Run], snap: Path, tmp_path: Path
) -> None:
    baseline = tmp_path / "baseline.json"
    created = confcheck("lint", str(snap), "--create-baseline", str(baseline), "--format", "json")
    assert created.code == 0
    assert len(json.loads(baseline.read_text())["findings"]) == 3
    assert confcheck("lint", str(snap), "--baseline", str(baseline)).code == 0
    worse = premigration()
    cucm, imp, cuc = worse.clusters
    imp = replace(imp, settings=(*imp.settings, Setting("imp9.ccmcip-primary", "10.0.0.11", "Default")))
    worse = replace(worse, clusters=(cucm, imp, cuc))
    path = tmp_path / "worse.json"
    snapshot.write(worse, path)
    result = confcheck("lint", str(path), "--baseline", str(baseline), "--format", "json")
    report = json.loads(result.out)
    assert result.code == 1
    assert [f["location"] for f in report["findings"]] == ["imp9.ccmcip-primary"]
    assert {s["suppression"]["kind"] for s in report["suppressed"]} == {"baseline"}


def test_a_broken_baseline_file_is_an_input_error(
    confcheck: Callable[..., Run], snap: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "baseline.json"
    bad.write_text("[1, 2]")
    result = confcheck("lint", str(snap), "--baseline", str(bad))
    assert result.code == 2
    assert "not a confcheck baseline" in result.err


def change_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "change.toml"
    path.write_text(text)
    return path


def test_a_change_that_replaces_an_ip_by_the_certificate_fqdn_clears_the_finding(
    confcheck: Callable[..., Run], snap: Path, tmp_path: Path
) -> None:
    change = change_file(
        tmp_path, '[[change]]\ncluster = "hq-imp"\nset = "imp9.tftp-primary"\nvalue = "cucm1.example.com"\n'
    )
    result = confcheck("lint", str(snap), "--changes", str(change), "--format", "json")
    assert result.code == 0
    changes = json.loads(result.out)["changes"]
    assert changes["applied"] == ["hq-imp: set imp9.tftp-primary from 10.0.0.11 to cucm1.example.com"]
    assert [f["location"] for f in changes["fixed"]] == ["imp9.tftp-primary"]
    assert changes["introduced"] == []


def test_a_change_that_does_the_opposite_fails_the_gate(
    confcheck: Callable[..., Run], snap: Path, tmp_path: Path
) -> None:
    change = change_file(
        tmp_path,
        '[[change]]\ncluster = "hq-cucm"\nset = "cucm9.uc-service-voicemail"\nvalue = "10.0.0.31"\ninstance = "VM"\n',
    )
    result = confcheck("lint", str(snap), "--changes", str(change))
    assert result.code == 1
    assert "introduces" in result.out


def test_renaming_a_node_and_replacing_a_certificate(
    confcheck: Callable[..., Run], snap: Path, tmp_path: Path
) -> None:
    (tmp_path / "cuc1.pem").write_text(
        pki.server("cuc1.example.com", dns=["cuc1.example.com"], issuer=root_ca()).pem
    )
    change = change_file(
        tmp_path,
        '[[change]]\ncluster = "hq-cucm"\nrename = "10.0.0.11"\nto = "cucm1.example.com"\n'
        '[[change]]\ncluster = "hq-cuc"\nnode = "cuc1.example.com"\npurpose = "tomcat"\ncertificate = "cuc1.pem"\n',
    )
    report = json.loads(confcheck("lint", str(snap), "--changes", str(change), "--format", "json").out)
    assert sorted(f["rule"] for f in report["changes"]["fixed"]) == ["CC102", "CC105"]
    assert [f["location"] for f in report["findings"]] == [
        "imp9.tftp-primary"
    ]  # the TFTP setting still says 10.0.0.11


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[change]]\ncluster = "nope"\nset = "imp9.tftp-primary"\nvalue = "x"\n',
            ":1: change[1]: cluster: no cluster 'nope'",
        ),
        (
            '[[change]]\ncluster = "hq-imp"\nset = "cucm9.server-name"\nvalue = "x"\n',
            "is not a location of hq-imp",
        ),
        ('[[change]]\ncluster = "hq-imp"\nrename = "ghost"\nto = "x"\n', "hq-imp has no node 'ghost'"),
        (
            '[[change]]\ncluster = "hq-imp"\nrename = "a"\nset = "b"\n',
            "give exactly one of set, rename or certificate",
        ),
        (
            '[[change]]\ncluster = "hq-cuc"\nnode = "cuc1.example.com"\npurpose = "tomcat"\ncertificate = "missing.pem"\n',
            "missing.pem: no such file",
        ),
        ("title = 'x'\n", "expected one or more [[change]] tables"),
    ],
)
def test_bad_change_files_are_input_errors(
    confcheck: Callable[..., Run], snap: Path, tmp_path: Path, text: str, message: str
) -> None:
    result = confcheck("lint", str(snap), "--changes", str(change_file(tmp_path, text)))
    assert result.code == 2
    assert message in result.err
    assert result.err.count("\n") == 1


def test_several_outputs_in_one_run(confcheck: Callable[..., Run], snap: Path, tmp_path: Path) -> None:
    result = confcheck(
        "lint",
        str(snap),
        "--format",
        "json",
        "-o",
        f"terminal={tmp_path / 'r.txt'}",
        "-o",
        f"json={tmp_path / 'r.json'}",
    )
    assert result.code == 1
    assert json.loads(result.out) == json.loads((tmp_path / "r.json").read_text())
    assert "Fix list" in (tmp_path / "r.txt").read_text()
    assert f"confcheck: wrote the json report to {tmp_path / 'r.json'}" in result.err


@pytest.mark.parametrize("spec", ["html", "nope=x.txt"])
def test_a_bad_output_spec_fails_before_any_work(
    confcheck: Callable[..., Run], tmp_path: Path, spec: str
) -> None:
    result = confcheck("lint", str(tmp_path / "missing.json"), "-o", spec)
    assert result.code == 2
    assert "missing.json" not in result.err  # the option was checked first


def test_report_re_renders_a_json_report_without_any_server(
    confcheck: Callable[..., Run], snap: Path, tmp_path: Path
) -> None:
    first = confcheck("lint", str(snap), "--format", "json", "--select", "CC1")
    stored = tmp_path / "report.json"
    stored.write_text(first.out)
    again = confcheck("report", str(stored), "--format", "json", "-o", f"terminal={tmp_path / 'r.txt'}")
    assert json.loads(again.out) == json.loads(first.out)
    assert again.code == first.code == 1
    text = (tmp_path / "r.txt").read_text()
    assert "hq-imp" in text
    assert "Fix list" in text


def test_report_of_a_snapshot_lints_it(confcheck: Callable[..., Run], snap: Path) -> None:
    assert (
        confcheck("report", str(snap), "--format", "json").out
        == confcheck("lint", str(snap), "--format", "json").out
    )


@pytest.mark.parametrize("content", ["{not json", '{"summary": {}}'])
def test_report_of_something_else_is_an_input_error(
    confcheck: Callable[..., Run], tmp_path: Path, content: str
) -> None:
    path = tmp_path / "x.json"
    path.write_text(content)
    result = confcheck("report", str(path))
    assert result.code == 2
    assert result.err.startswith(f"confcheck: error: {path}: not ")
