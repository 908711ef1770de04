"""The JUnit report: one well-formed document a CI server reads, with counts that add up."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
from helpers import demo_deployment, report
from hostile import (
    CLUSTER,
    NODE,
    OTHER_CLUSTER,
    TFTP,
    WAIVER_REASON,
    changed_report,
    gated_report,
    hostile_report,
)

from confcheck import plugin_manager
from confcheck.findings import Finding
from confcheck.report import Report
from confcheck.reports import junit

CHECKS = [r for r in plugin_manager.rules() if r.check is not None]


def parse(rep: Report) -> ET.Element:
    out = io.StringIO()
    junit.write(rep, out)
    document = out.getvalue()
    assert document.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')
    return ET.fromstring(document)


def suites(root: ET.Element) -> dict[str, ET.Element]:
    return {s.attrib["name"]: s for s in root.findall("testsuite")}


def failing_in(rep: Report, cluster: str | None) -> list[Finding]:
    return [f for f in rep.failing if f.cluster == cluster]


@pytest.fixture(scope="module")
def demo() -> tuple[Report, ET.Element]:
    rep = report(demo_deployment())
    return rep, parse(rep)


def test_counts_match_the_testcases_on_every_suite_and_in_total(demo: tuple[Report, ET.Element]) -> None:
    _, root = demo
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for suite in root.findall("testsuite"):
        cases = suite.findall("testcase")
        assert int(suite.attrib["tests"]) == len(cases)
        assert int(suite.attrib["failures"]) == sum(c.find("failure") is not None for c in cases)
        assert int(suite.attrib["skipped"]) == sum(c.find("skipped") is not None for c in cases)
        assert suite.attrib["errors"] == "0"
        for key in totals:
            totals[key] += int(suite.attrib[key])
    assert {k: int(root.attrib[k]) for k in totals} == totals
    assert root.attrib["errors"] == "0"


def test_one_suite_per_cluster_and_failures_are_its_findings_at_or_above_fail_on(
    demo: tuple[Report, ET.Element],
) -> None:
    rep, root = demo
    by_name = suites(root)
    names = [c.name for c in rep.deployment.clusters]
    assert list(by_name)[: len(names)] == names
    assert (junit.NO_CLUSTER in by_name) == any(f.cluster is None for f in rep.findings)
    for name, suite in by_name.items():
        cluster = None if name == junit.NO_CLUSTER else name
        assert all(c.attrib["classname"] == name for c in suite.findall("testcase"))
        failures = [c.find("failure") for c in suite.findall("testcase") if c.find("failure") is not None]
        expected = failing_in(rep, cluster)
        assert [(f.attrib["type"], f.attrib["message"]) for f in failures if f is not None] == [
            (f.rule, f.message) for f in expected
        ]
        for failure, finding in zip(failures, expected, strict=True):
            assert failure is not None
            assert finding.fix is not None
            assert (failure.text or "").startswith(f"Fix (phase {int(finding.fix.phase)}")
            assert finding.fix.action in (failure.text or "")


def test_names_are_rule_and_item_unique_in_their_suite(demo: tuple[Report, ET.Element]) -> None:
    rep, root = demo
    for suite in root.findall("testsuite"):
        names = [c.attrib["name"] for c in suite.findall("testcase")]
        assert len(names) == len(set(names))
    hq = suites(root)["hq-cucm"]
    first = next(
        f for f in rep.findings if f.cluster == "hq-cucm" and f.location and not f.instance and not f.subject
    )
    assert f"{first.rule} {first.name}: {first.location} {first.value}" in [
        c.attrib["name"] for c in hq.findall("testcase")
    ]


def test_every_rule_without_a_finding_is_a_passing_testcase_per_cluster(
    demo: tuple[Report, ET.Element],
) -> None:
    rep, root = demo
    for cluster in rep.deployment.clusters:
        cases = suites(root)[cluster.name].findall("testcase")
        found = {f.rule for f in rep.findings if f.cluster == cluster.name}
        passing = [c.attrib["name"] for c in cases if not len(c)]
        assert passing == [f"{r.code} {r.name}: no finding" for r in CHECKS if r.code not in found]
        assert {c.attrib["name"].split()[0] for c in cases} >= {r.code for r in CHECKS}


def test_findings_below_fail_on_pass_with_their_details() -> None:
    rep = report(demo_deployment(), fail_on="never")
    root = parse(rep)
    assert root.attrib["failures"] == "0"
    outputs = [c.find("system-out") for s in root.findall("testsuite") for c in s.findall("testcase")]
    texts = [o.text or "" for o in outputs if o is not None]
    assert len(texts) == len(rep.findings)
    assert all(any(f.message in t for t in texts) for f in rep.findings)


def test_hostile_names_make_a_well_formed_document_and_read_back() -> None:
    rep = hostile_report()
    root = parse(rep)
    assert list(suites(root))[:2] == [CLUSTER, OTHER_CLUSTER]
    names = [c.attrib["name"] for s in root.findall("testsuite") for c in s.findall("testcase")]
    assert any(NODE in n for n in names)
    assert any(TFTP.replace("\x00", "\\x00") in n for n in names)
    failures = [c.find("failure") for s in root.findall("testsuite") for c in s.findall("testcase")]
    assert sum(f is not None for f in failures) == len(rep.failing)


def test_suppressed_findings_are_skipped_with_their_reason() -> None:
    rep, waived, baselined = gated_report()
    root = parse(rep)
    skipped = {
        c.attrib["name"]: c.find("skipped")
        for s in root.findall("testsuite")
        for c in s.findall("testcase")
        if c.find("skipped") is not None
    }
    assert len(skipped) == 2
    messages = sorted(s.attrib["message"] for s in skipped.values() if s is not None)
    assert messages == sorted(
        [f"waiver: {WAIVER_REASON} (expires 2099-01-01)", "baseline: in the baseline baseline.json"]
    )
    assert junit.case_name(waived) in skipped
    assert junit.case_name(baselined) in skipped
    assert root.attrib["skipped"] == "2"
    unused = suites(root)[junit.NO_CLUSTER].findall("testcase")
    assert any(c.attrib["name"].startswith("CC901 unused-waiver: ") for c in unused)


def test_for_a_proposed_change_only_what_it_introduces_fails() -> None:
    rep, introduced = changed_report()
    root = parse(rep)
    assert root.attrib["failures"] == "1"
    (failure,) = root.iter("failure")
    assert failure.attrib["message"] == introduced.message
    outputs = list(root.iter("system-out"))
    assert len(outputs) == len(rep.findings) - 1


def test_what_is_escaped_is_exactly_what_xml_1_0_cannot_represent() -> None:
    """Every code point outside XML 1.0's Char production is shown as ``\\xNN``, and no other."""

    def representable(c: int) -> bool:
        return (
            c in (0x9, 0xA, 0xD) or 0x20 <= c <= 0xD7FF or 0xE000 <= c <= 0xFFFD or 0x10000 <= c <= 0x10FFFF
        )

    every = "".join(map(chr, range(0x110000)))
    escaped = junit.xml_text(every)
    kept = "".join(chr(c) if representable(c) else f"\\x{c:02x}" for c in range(0x110000))
    assert escaped == kept
