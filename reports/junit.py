"""``--format junit``: one JUnit XML document for CI servers (GitLab, Jenkins, Azure DevOps).

CI servers show test results without a plugin, so the lint is laid out as tests: one
``<testsuite>`` per cluster (and one for findings that belong to none), one ``<testcase>`` per rule
and checked item. A finding at or above ``--fail-on`` (for a proposed change: one it introduces,
exactly :attr:`Report.failing`) is a ``<failure>`` whose text is the fix; a finding below it passes
with its details in ``<system-out>``; a waived or baselined finding is ``<skipped>`` with the reason.
Every rule that found nothing in a cluster is a passing testcase, so the suite shows what was
checked, not only what went wrong.

Test names are made of content (rule, location, value), never of positions, so a CI server's
history of "this test started failing" follows the same setting from run to run. The document is
one well-formed tree built with ElementTree; characters XML 1.0 cannot carry at all (NUL and other
controls in a hostile server name) are written as visible escapes rather than breaking the file.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import timezone
from typing import TextIO

from confcheck import __version__, hookimpl, plugin_manager, records
from confcheck.findings import Finding, Fix, Suppression
from confcheck.report import Report, Reporter

NO_CLUSTER = "deployment-wide"
"""The suite (and classname) of findings that belong to no cluster, such as unused waivers."""

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""What XML 1.0 cannot represent: every character outside its Char production (tab, newline, carriage
return, U+0020-U+D7FF, U+E000-U+FFFD, U+10000-U+10FFFF), listed as such: the same set as the negated
production, whose class takes some 8 ms to compile at every start (tests/test_report_junit.py)."""


def xml_text(text: object) -> str:
    """``text`` with what XML 1.0 cannot represent shown as ``\\xNN`` (ElementTree escapes the rest)."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


@records.record
class _Case:
    """One testcase before it becomes XML: a finding (kept or suppressed) or a rule that found nothing."""

    name: str
    finding: Finding | None = None
    failing: bool = False
    suppression: Suppression | None = None


def case_name(finding: Finding) -> str:
    """``CC101 name-mismatch: cucm9.node-name 10.0.0.11``: rule and checked item, no position."""
    parts = [finding.location or ""]
    if finding.instance:
        parts.append(f"({finding.instance})")
    if finding.value is not None:
        parts.append(finding.value)
    if finding.subject:
        parts.append(f"on {finding.subject}")
    item = " ".join(p for p in parts if p) or finding.fingerprint
    return f"{finding.rule} {finding.name}: {item}"


def fix_text(fix: Fix | None) -> str:
    """The fix as plain text for the body of a failure: the action, where, the change, then the rest."""
    if fix is None:
        return "No fix is known: see the finding."
    lines = [f"Fix (phase {int(fix.phase)}, {fix.phase.title}): {fix.action}"]
    lines.append(f"Where: {fix.where}" + (f", field '{fix.field}'" if fix.field else ""))
    if fix.current is not None or fix.proposed is not None:
        lines.append(f"Change: {fix.current or '(empty)'} -> {fix.proposed or '(to be decided)'}")
    lines += [f"Before: {p}" for p in fix.preconditions]
    lines += [f"Step {i}: {s}" for i, s in enumerate(fix.steps, start=1)]
    if fix.impact:
        lines.append(f"Impact: {fix.impact}")
    return "\n".join(lines)


def _details(finding: Finding) -> str:
    """The fix, then the evidence behind the finding."""
    text = fix_text(finding.fix)
    if finding.evidence:
        text += "\n\nEvidence:\n" + "\n".join(f"{k}: {v}" for k, v in finding.evidence)
    return text


def _cases(
    cluster: str | None, findings: list[Finding], suppressed: list[Suppression], failing: set[Finding]
) -> list[_Case]:
    """The testcases of one suite: findings, then suppressed findings, then rules that found nothing."""
    cases: list[_Case] = []
    names: set[str] = set()

    def unique(finding: Finding) -> str:
        name = case_name(finding)
        if name in names and finding.node:
            name = f"{name} -> {finding.node}"
        base, n = name, 2
        while name in names:
            name, n = f"{base} #{n}", n + 1
        names.add(name)
        return name

    for finding in findings:
        cases.append(_Case(unique(finding), finding, failing=finding in failing))
    for suppression in suppressed:
        cases.append(_Case(unique(suppression.finding), suppression.finding, suppression=suppression))
    if cluster is not None:
        found = {c.finding.rule for c in cases if c.finding is not None}
        for rule in plugin_manager.rules():
            if rule.check is not None and rule.code not in found:
                cases.append(_Case(f"{rule.code} {rule.name}: no finding"))
    return cases


def _suites(report: Report) -> list[tuple[str, list[_Case]]]:
    """(suite name, testcases): every cluster in deployment order, then clusters and findings without one."""
    findings: dict[str | None, list[Finding]] = {}
    suppressed: dict[str | None, list[Suppression]] = {}
    for finding in report.findings:
        findings.setdefault(finding.cluster, []).append(finding)
    for suppression in report.suppressed:
        suppressed.setdefault(suppression.finding.cluster, []).append(suppression)
    names: dict[str | None, None] = dict.fromkeys(c.name for c in report.deployment.clusters)
    names.update(dict.fromkeys(n for n in (*findings, *suppressed) if n is not None))
    if None in findings or None in suppressed:
        names[None] = None
    failing = set(report.failing)
    return [
        (
            name if name is not None else NO_CLUSTER,
            _cases(name, findings.get(name, []), suppressed.get(name, []), failing),
        )
        for name in names
    ]


def _testcase(suite: ET.Element, classname: str, case: _Case) -> None:
    element = ET.SubElement(suite, "testcase", classname=xml_text(classname), name=xml_text(case.name))
    finding = case.finding
    if finding is None:
        return
    if case.suppression is not None:
        why = case.suppression
        reason = f"{why.kind}: {why.reason}" + (
            f" (expires {why.expires.isoformat()})" if why.expires else ""
        )
        skipped = ET.SubElement(element, "skipped", message=xml_text(reason))
        skipped.text = xml_text(finding.message)
    elif case.failing:
        failure = ET.SubElement(
            element, "failure", message=xml_text(finding.message or case.name), type=xml_text(finding.rule)
        )
        failure.text = xml_text(_details(finding))
    else:
        out = ET.SubElement(element, "system-out")
        out.text = xml_text(f"{finding.severity.value}: {finding.message}\n\n{_details(finding)}")


def _counts(cases: Iterable[_Case]) -> dict[str, int]:
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for case in cases:
        counts["tests"] += 1
        counts["failures"] += case.failing
        counts["skipped"] += case.suppression is not None
    return counts


def document(report: Report) -> ET.Element:
    """The ``<testsuites>`` element of the report."""
    suites = _suites(report)
    totals = _counts(case for _, cases in suites for case in cases)
    root = ET.Element("testsuites", {"name": "confcheck", **{k: str(v) for k, v in totals.items()}})
    clusters = {c.name: c for c in report.deployment.clusters}
    collected = report.deployment.collected_at
    for name, cases in suites:
        attributes = {"name": xml_text(name), **{k: str(v) for k, v in _counts(cases).items()}}
        if collected is not None:
            utc = collected.astimezone(timezone.utc) if collected.tzinfo else collected
            attributes["timestamp"] = utc.replace(tzinfo=None, microsecond=0).isoformat()
        suite = ET.SubElement(root, "testsuite", attributes)
        properties = ET.SubElement(suite, "properties")
        cluster = clusters.get(name)
        facts = [("confcheck.version", __version__), ("source", report.source)]
        if cluster is not None:
            facts += [("product", cluster.product), ("version", cluster.version)]
        facts += [
            ("fail-on", report.fail_on.value if report.fail_on else "never"),
            ("incomplete", str(report.incomplete).lower()),
        ]
        for key, value in facts:
            ET.SubElement(properties, "property", name=key, value=xml_text(value))
        for case in cases:
            _testcase(suite, name, case)
    if report.incomplete:
        _collection(root, report)
    return root


def _collection(root: ET.Element, report: Report) -> None:
    """The run's own state when collection was incomplete: one errored test naming what is missing."""
    missing = report.missing or ("what could not be read is not recorded in this report",)
    suite = ET.SubElement(
        root, "testsuite", name="collection", tests="1", failures="0", errors="1", skipped="0"
    )
    case = ET.SubElement(suite, "testcase", name="collection complete", classname="confcheck.collection")
    error = ET.SubElement(
        case,
        "error",
        message=xml_text(f"collection incomplete: {len(missing)} could not be read or met"),
        type="incomplete",
    )
    error.text = xml_text("\n".join(missing))
    root.set("tests", str(int(root.get("tests", "0")) + 1))
    root.set("errors", str(int(root.get("errors", "0")) + 1))


def write(report: Report, out: TextIO) -> None:
    """Write the report as one JUnit XML document."""
    root = document(report)
    ET.indent(root)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode"))
    out.write("\n")


@hookimpl
def confcheck_reporters() -> list[Reporter]:
    return [
        Reporter("junit", "JUnit XML: one suite per cluster, one test per rule and item", write, machine=True)
    ]
