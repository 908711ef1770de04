"""The SARIF report: valid against the official 2.1.0 schema, with what code-scanning tools rely on."""

from __future__ import annotations

import functools
import io
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from helpers import data, demo_deployment, report
from hostile import (
    HOSTILE_VALUES,
    WAIVER_REASON,
    changed_report,
    gated_report,
    hostile_deployment,
    hostile_report,
    incomplete_report,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from test_lab_scenarios import audit

from confcheck import plugin_manager, snapshot
from confcheck.findings import DnsNeed, Finding, Fix, Phase, Renewal, Severity, Suppression
from confcheck.lab import scenario
from confcheck.report import Report
from confcheck.reports import json as json_report
from confcheck.reports import sarif
from confcheck.reports.markdown import escape
from confcheck.verdict import Options, judge


def write(rep: Report) -> dict[str, Any]:
    out = io.StringIO()
    sarif.write(rep, out)
    data: dict[str, Any] = json.loads(out.getvalue())
    return data


def validate(log: dict[str, Any]) -> None:
    """Fail with every schema error, not only the first."""
    schema = json.loads(data("schemas/sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(schema)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]
    assert not errors, "\n".join(errors[:20])


def run(log: dict[str, Any]) -> dict[str, Any]:
    runs: list[dict[str, Any]] = log["runs"]
    assert len(runs) == 1
    return runs[0]


@pytest.fixture(scope="module")
def demo() -> tuple[Report, dict[str, Any]]:
    rep = report(demo_deployment())
    return rep, write(rep)


def test_the_demo_report_is_valid_sarif_2_1_0(demo: tuple[Report, dict[str, Any]]) -> None:
    _, log = demo
    validate(log)
    assert log["version"] == "2.1.0"


def test_every_installed_rule_once_with_its_documentation(demo: tuple[Report, dict[str, Any]]) -> None:
    _, log = demo
    driver = run(log)["tool"]["driver"]
    assert driver["name"] == "confcheck"
    assert "informationUri" not in driver
    rules = driver["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    installed = plugin_manager.rules()
    assert ids == [r.code for r in installed]
    for descriptor, rule in zip(rules, installed, strict=True):
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"] == rule.summary
        assert descriptor["fullDescription"]["text"]
        assert descriptor["help"]["text"]
        assert "### How to fix" in descriptor["help"]["markdown"]
        assert descriptor["defaultConfiguration"]["level"] == sarif.LEVELS[rule.severity]
        assert 0 < float(descriptor["properties"]["security-severity"]) <= 10
        assert "helpUri" not in descriptor


def test_results_point_at_their_rules_with_messages_levels_and_json_fingerprints(
    demo: tuple[Report, dict[str, Any]],
) -> None:
    rep, log = demo
    the_run = run(log)
    rules = the_run["tool"]["driver"]["rules"]
    results = the_run["results"]
    assert len(results) == len(rep.findings)
    json_fingerprints = [f["fingerprint"] for f in json_report.report_to_dict(rep)["findings"]]
    assert [r["partialFingerprints"]["confcheck/v1"] for r in results] == json_fingerprints
    for result, finding in zip(results, rep.findings, strict=True):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == finding.rule
        assert result["message"]["text"].strip()
        assert (
            result["level"]
            == {"error": "error", "warning": "warning", "info": "note"}[finding.severity.value]
        )
        assert "suppressions" not in result
        assert "baselineState" not in result


def test_locations_are_logical_with_the_admin_menu_and_no_file(demo: tuple[Report, dict[str, Any]]) -> None:
    rep, log = demo
    results = run(log)["results"]
    node_name = next(i for i, f in enumerate(rep.findings) if f.location == "cucm9.node-name")
    finding = rep.findings[node_name]
    (location,) = results[node_name]["locations"]
    assert "physicalLocation" not in location
    (logical,) = location["logicalLocations"]
    assert logical["fullyQualifiedName"] == f"{finding.cluster}/cucm9.node-name/{finding.value}"
    assert logical["properties"]["adminMenu"].startswith("Cisco Unified CM Administration > System > Server")
    assert all("physicalLocation" not in loc for r in results for loc in r["locations"])


def test_the_fix_travels_in_properties_and_markdown_not_as_a_file_edit(
    demo: tuple[Report, dict[str, Any]],
) -> None:
    rep, log = demo
    for result, finding in zip(run(log)["results"], rep.findings, strict=True):
        assert "fixes" not in result
        if finding.fix is None:
            continue
        fix = result["properties"]["fix"]
        assert (fix["action"], fix["where"], fix["current"], fix["proposed"]) == (
            finding.fix.action,
            finding.fix.where,
            finding.fix.current,
            finding.fix.proposed,
        )
        assert "**Fix** (phase" in result["message"]["markdown"]


def test_hostile_values_are_valid_json_and_sarif() -> None:
    rep = hostile_report()
    log = write(rep)
    validate(log)
    values = [r["properties"].get("value") for r in run(log)["results"]]
    assert set(HOSTILE_VALUES) <= set(values)
    markdown = " ".join(r["message"]["markdown"] for r in run(log)["results"])
    assert "<script" not in markdown
    assert "<img" not in markdown


def test_waived_and_baselined_findings_are_suppressed_results() -> None:
    rep, waived, baselined = gated_report()
    log = write(rep)
    validate(log)
    results = {r["partialFingerprints"]["confcheck/v1"]: r for r in run(log)["results"]}
    assert len(run(log)["results"]) == len(rep.findings) + len(rep.suppressed)
    (waiver,) = results[waived.fingerprint]["suppressions"]
    assert waiver == {
        "kind": "external",
        "status": "accepted",
        "justification": WAIVER_REASON,
        "properties": {"confcheck-kind": "waiver", "expires": "2099-01-01"},
    }
    assert "baselineState" not in results[waived.fingerprint]
    baseline = results[baselined.fingerprint]
    assert baseline["baselineState"] == "unchanged"
    assert baseline["suppressions"][0]["justification"] == "in the baseline baseline.json"
    unsuppressed = [r for r in run(log)["results"] if "suppressions" not in r]
    assert len(unsuppressed) == len(rep.findings)
    assert any(r["ruleId"] == "CC901" for r in unsuppressed)


def test_an_incomplete_collection_is_an_unsuccessful_invocation() -> None:
    rep = incomplete_report()
    log = write(rep)
    validate(log)
    (invocation,) = run(log)["invocations"]
    assert invocation["executionSuccessful"] is False
    assert invocation["exitCode"] == 3
    assert invocation["properties"]["incomplete"] is True
    (problem,) = invocation["toolExecutionNotifications"]
    assert problem["message"]["text"] == "hq-cucm: AXL login failed <401>"
    complete = run(write(report(demo_deployment())))["invocations"][0]
    assert complete["executionSuccessful"] is True
    assert complete["properties"]["incomplete"] is False


def test_a_proposed_change_marks_what_it_introduces_as_new() -> None:
    rep, introduced = changed_report()
    log = write(rep)
    validate(log)
    states = {r["partialFingerprints"]["confcheck/v1"]: r["baselineState"] for r in run(log)["results"]}
    assert states.pop(introduced.fingerprint) == "new"
    assert set(states.values()) == {"unchanged"}
    changes = run(log)["properties"]["changes"]
    assert changes["introduced"] == [introduced.fingerprint]
    assert rep.changes is not None
    assert changes["fixed"] == [f.fingerprint for f in rep.changes.fixed]


EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("*-snapshot.json"))


def text(rep: Report) -> str:
    out = io.StringIO()
    sarif.write(rep, out)
    return out.getvalue()


ABOUT = ("cluster", "product", "version", "location", "instance", "node", "value", "subject", "certificate")
"""A result's properties about its finding, in their order, after its severity."""


def checked(rep: Report) -> None:
    """The log's text is what json.dump (indent=1) writes of what it holds, and each result holds what
    the JSON report says of its finding: the same values and fix, in the same order."""
    written = text(rep)
    log = json.loads(written)
    assert written == json.dumps(log, indent=1, ensure_ascii=False) + "\n"
    validate(log)
    findings = [*rep.findings, *(s.finding for s in rep.suppressed)]
    suppressions = [None] * len(rep.findings) + list(rep.suppressed)
    results = run(log)["results"]
    assert len(results) == len(findings)
    for result, finding, suppression in zip(results, findings, suppressions, strict=True):
        about = json_report.finding_to_dict(finding)
        expected = {"severity": about["severity"]} | {k: about[k] for k in ABOUT if about[k] is not None}
        if finding.evidence:
            expected["evidence"] = about["evidence"]
        if finding.fix is not None:
            expected["fix"] = about["fix"]
        assert json.dumps(result["properties"]) == json.dumps(expected)
        assert result["ruleId"] == finding.rule
        assert result["partialFingerprints"] == {"confcheck/v1": finding.fingerprint}
        message = finding.message if finding.message.strip() else f"{finding.rule} {finding.name}"
        assert result["message"]["text"] == message
        assert result["message"]["markdown"] == markdown(finding)
        (location,) = result["locations"]
        (logical,) = location["logicalLocations"]
        parts = [finding.cluster, finding.location, finding.instance, finding.value, finding.subject]
        assert logical["fullyQualifiedName"] == ("/".join(p for p in parts if p) or finding.rule)
        assert logical["name"] == (finding.value or finding.location or finding.rule)
        menu = logical.get("properties", {}).get("adminMenu")
        assert location.get("message") == (None if menu is None else {"text": menu})
        if suppression is None:
            assert "suppressions" not in result
            continue
        properties = {"confcheck-kind": suppression.kind}
        if suppression.expires is not None:
            properties["expires"] = suppression.expires.isoformat()
        assert result["suppressions"] == [
            {
                "kind": "external",
                "status": "accepted",
                "justification": suppression.reason or suppression.kind,
                "properties": properties,
            }
        ]
        assert result.get("baselineState") == ("unchanged" if suppression.kind == "baseline" else None)


def markdown(finding: Finding) -> str:
    """message.markdown: the message and the fix, every text escaped as the Markdown report escapes it."""
    lines = [escape(finding.message) or escape(f"{finding.rule} {finding.name}")]
    fix = finding.fix
    if fix is None:
        return lines[0]
    field = f", field \u201c{escape(fix.field)}\u201d" if fix.field else ""
    lines += ["", f"**Fix** (phase {int(fix.phase)}, {escape(fix.phase.title)}): {escape(fix.action)}", ""]
    lines.append(f"- Where: {escape(fix.where)}{field}")
    if fix.current is not None or fix.proposed is not None:
        current, proposed = (escape(v) if v is not None else "\u2014" for v in (fix.current, fix.proposed))
        lines.append(f"- Change: {current} \u2192 {proposed}")
    lines += [f"- Before: {escape(p)}" for p in fix.preconditions]
    lines += [f"- Step {i}: {escape(s)}" for i, s in enumerate(fix.steps, start=1)]
    if fix.impact:
        lines.append(f"- Impact: {escape(fix.impact)}")
    return "\n".join(lines)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_every_example_is_written_as_json_dump_writes_its_log(example: Path) -> None:
    deployment = snapshot.read(example, plugin_manager.catalog())
    rep = judge(deployment, Options(), str(example))
    checked(rep)
    gated, _, _ = gated_report(deployment) if len(rep.findings) > 1 else (rep, None, None)
    checked(gated)
    back = json_report.read(json.loads(json_text(rep)), str(example))  # the rules as a report names them
    checked(back)


@pytest.mark.parametrize("name", scenario.names())
def test_every_lab_scenario_is_written_as_json_dump_writes_its_log(name: str) -> None:
    _, deployment, _ = audit(name)
    rep = judge(deployment, Options(), name)
    checked(rep)


def test_hostile_texts_and_every_kind_of_result_are_written_as_json_dump_writes_them() -> None:
    hostile = hostile_report()
    odd = Finding(
        '</script> \ud83d\ude00 \U0001f600 \x00\x1f\x7f "quoted" back\\slash \u2028\u202e',
        "ZZ999",
        "not-installed",
        Severity.WARNING,
        cluster="c\u2028</",
        evidence=(('k"\\\n', "v\u202e\x00"),),
    )
    reports = [
        hostile,
        replace(hostile, findings=(odd, *hostile.findings)),
        gated_report(hostile_deployment())[0],
        gated_report()[0],
        incomplete_report(),
        changed_report()[0],
    ]
    for rep in reports:
        checked(rep)


def json_text(rep: Report) -> str:
    out = io.StringIO()
    json_report.write(rep, out)
    return out.getvalue()


TEXTS = st.text(max_size=6)
OPTIONAL_TEXTS = st.none() | TEXTS
LISTS = st.lists(TEXTS, max_size=2).map(tuple)
RENEWALS = st.builds(
    Renewal,
    certificate=TEXTS,
    node=TEXTS,
    label=TEXTS,
    purpose=TEXTS,
    cluster=OPTIONAL_TEXTS,
    where=TEXTS,
    impact=TEXTS,
    fqdn=OPTIONAL_TEXTS,
    automatic=LISTS,
    self_signed=st.booleans(),
    demands=LISTS,
    names=LISTS,
    without=LISTS,
    subject=st.lists(st.tuples(TEXTS, TEXTS), max_size=2).map(tuple),
    min_rsa_bits=st.none() | st.integers(min_value=1),
    request=st.booleans(),
    signer=OPTIONAL_TEXTS,
    pinned=st.none() | st.booleans(),
    trust_store=OPTIONAL_TEXTS,
    regenerate=OPTIONAL_TEXTS,
    subject_command=OPTIONAL_TEXTS,
    prepare=LISTS,
    notes=LISTS,
    required=st.booleans(),
    multi_server=OPTIONAL_TEXTS,
)
FIXES = st.builds(
    Fix,
    phase=st.sampled_from(Phase),
    action=TEXTS,
    where=TEXTS,
    field=OPTIONAL_TEXTS,
    current=OPTIONAL_TEXTS,
    proposed=OPTIONAL_TEXTS,
    preconditions=LISTS,
    impact=TEXTS,
    steps=LISTS,
    dns=st.lists(st.builds(DnsNeed, TEXTS, TEXTS, st.booleans()), max_size=2).map(tuple),
    renewals=st.lists(RENEWALS, max_size=2).map(tuple),
)
FINDINGS = st.builds(
    Finding,
    message=TEXTS,
    rule=st.sampled_from(["CC101", "CC105", "ZZ999"]),
    name=TEXTS,
    severity=st.sampled_from(Severity),
    cluster=OPTIONAL_TEXTS,
    product=OPTIONAL_TEXTS,
    version=OPTIONAL_TEXTS,
    location=st.none()
    | st.sampled_from(["cucm9.node-name", "cucm9.uc-service-voicemail", "not-a-location"])
    | TEXTS,
    instance=OPTIONAL_TEXTS,
    node=OPTIONAL_TEXTS,
    value=OPTIONAL_TEXTS,
    certificate=OPTIONAL_TEXTS,
    subject=OPTIONAL_TEXTS,
    evidence=st.lists(st.tuples(TEXTS, TEXTS), max_size=3).map(tuple),
    fix=st.none() | FIXES,
)
SUPPRESSIONS = st.builds(
    Suppression, FINDINGS, st.sampled_from(["waiver", "baseline"]), TEXTS, st.none() | st.dates()
)


@functools.cache
def small_report() -> Report:
    return report(demo_deployment())


@settings(max_examples=200, deadline=None)
@given(st.lists(FINDINGS, max_size=3), st.lists(SUPPRESSIONS, max_size=2))
def test_any_finding_is_written_as_json_dump_writes_what_the_json_report_says(
    findings: list[Finding], suppressed: list[Suppression]
) -> None:
    """Whatever texts, lists and optional values findings hold, each result holds them as the JSON
    report does, and the text is json.dump's (indent=1)."""
    checked(replace(small_report(), findings=tuple(findings), suppressed=tuple(suppressed)))
