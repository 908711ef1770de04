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
written as text, laid out and escaped exactly as ElementTree's ``indent`` and ``tostring`` write the
same tree (tests/test_report_junit.py holds the two equal, hostile names included): building and
serializing that tree, some 150,000 elements at 3,000 clusters, cost some five times the JSON report,
while a passing testcase differs from the next only by its rule. Characters XML 1.0 cannot carry at
all (NUL and other controls in a hostile server name) are written as visible escapes rather than
breaking the file; the rest is escaped as ElementTree escapes it, so the document stays well-formed
whatever a server sent.
"""

from __future__ import annotations

import re
from datetime import timezone
from typing import TextIO

from confcheck import __version__, hookimpl, plugin_manager, records
from confcheck.findings import Finding, Fix, Suppression
from confcheck.model import Cluster
from confcheck.report import Report, Reporter
from confcheck.rule import Rule

NO_CLUSTER = "deployment-wide"
"""The suite (and classname) of findings that belong to no cluster, such as unused waivers."""

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""What XML 1.0 cannot represent: every character outside its Char production (tab, newline, carriage
return, U+0020-U+D7FF, U+E000-U+FFFD, U+10000-U+10FFFF), listed as such: the same set as the negated
production, whose class takes some 8 ms to compile at every start (tests/test_report_junit.py)."""


def xml_text(text: object) -> str:
    """``text`` with what XML 1.0 cannot represent shown as ``\\xNN`` (the rest is escaped as ElementTree does)."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def _attribute(value: object) -> str:
    """``value`` as ElementTree writes an attribute's value: :func:`xml_text`, then ``&``, ``<``, ``>``,
    ``"`` and tab, line feed and carriage return as references, in ElementTree's order (the same from
    Python 3.10 to 3.13), so that a parser reads the value back as it was."""
    text = _markup(xml_text(value))
    if '"' in text:
        text = text.replace('"', "&quot;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    if "\n" in text:
        text = text.replace("\n", "&#10;")
    if "\t" in text:
        text = text.replace("\t", "&#09;")
    return text


def _leaf(tag: str, attributes: str, value: object) -> str:
    """An element without children as ElementTree writes it: its text after :func:`xml_text`, with ``&``,
    ``<`` and ``>`` escaped and line breaks as they are; an empty text makes an empty element."""
    text = xml_text(value)
    if not text:
        return f"<{tag}{attributes} />"
    return f"<{tag}{attributes}>{_markup(text)}</{tag}>"


def _markup(text: str) -> str:
    """``&``, ``<`` and ``>`` escaped, ``&`` first: what ElementTree escapes in a text and, before the rest,
    in an attribute's value."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


@records.record
class _Case:
    """The testcase of one finding, kept or suppressed."""

    name: str
    finding: Finding
    failing: bool = False
    suppression: Suppression | None = None


@records.record
class _Suite:
    """One ``<testsuite>``: its findings' testcases, then a passing one per rule that found nothing."""

    name: str
    cases: list[_Case]
    passing: list[Rule]


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


def _cases(findings: list[Finding], suppressed: list[Suppression], failing: set[Finding]) -> list[_Case]:
    """The testcases of one suite's findings: those kept, then those suppressed, each with a unique name."""
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
    return cases


def _suites(report: Report) -> list[_Suite]:
    """Every cluster in deployment order, then clusters and findings without one; in a cluster's suite,
    every rule that checks and found nothing there passes."""
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
    checks = [rule for rule in plugin_manager.rules() if rule.check is not None]
    suites = []
    for name in names:
        cases = _cases(findings.get(name, []), suppressed.get(name, []), failing)
        passing: list[Rule] = []
        if name is not None:
            found = {case.finding.rule for case in cases}
            passing = [rule for rule in checks if rule.code not in found]
        suites.append(_Suite(name if name is not None else NO_CLUSTER, cases, passing))
    return suites


def _counts(suite: _Suite) -> tuple[int, int, int]:
    """Its tests, failures and skipped tests."""
    failures = skipped = 0
    for case in suite.cases:
        failures += case.failing
        skipped += case.suppression is not None
    return len(suite.cases) + len(suite.passing), failures, skipped


def _testcase(classname: str, case: _Case) -> str:
    """A finding's ``<testcase>`` and its one child, ``classname`` already escaped, at its depth."""
    finding = case.finding
    if case.suppression is not None:
        why = case.suppression
        reason = f"{why.kind}: {why.reason}" + (
            f" (expires {why.expires.isoformat()})" if why.expires else ""
        )
        child = _leaf("skipped", f' message="{_attribute(reason)}"', finding.message)
    elif case.failing:
        message = _attribute(finding.message or case.name)
        child = _leaf("failure", f' message="{message}" type="{_attribute(finding.rule)}"', _details(finding))
    else:
        child = _leaf("system-out", "", f"{finding.severity.value}: {finding.message}\n\n{_details(finding)}")
    return (
        f'    <testcase classname="{classname}" name="{_attribute(case.name)}">\n'
        f"      {child}\n"
        "    </testcase>\n"
    )


def _properties(report: Report, cluster: Cluster | None) -> str:
    """A suite's ``<properties>``: confcheck's version, the source, the cluster's product and version, the
    threshold and whether collection was complete."""
    facts = [("confcheck.version", __version__), ("source", report.source)]
    if cluster is not None:
        facts += [("product", cluster.product), ("version", cluster.version)]
    facts += [
        ("fail-on", report.fail_on.value if report.fail_on else "never"),
        ("incomplete", str(report.incomplete).lower()),
    ]
    lines = "".join(f'      <property name="{key}" value="{_attribute(value)}" />\n' for key, value in facts)
    return f"    <properties>\n{lines}    </properties>\n"


def write(report: Report, out: TextIO) -> None:
    """Write the report as one JUnit XML document, laid out as ``ET.indent`` lays it out (two spaces a
    level, every element on a line of its own)."""
    suites = _suites(report)
    counts = [_counts(suite) for suite in suites]
    errors = 1 if report.incomplete else 0  # the collection's own test (see _collection)
    tests = sum(n for n, _, _ in counts) + errors
    failures = sum(n for _, n, _ in counts)
    skipped = sum(n for _, _, n in counts)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = f'<testsuites name="confcheck" tests="{tests}" failures="{failures}" errors="{errors}" skipped="{skipped}"'
    if not suites and not report.incomplete:
        out.write(f"{root} />\n")
        return
    out.write(f"{root}>\n")
    timestamp = ""
    collected = report.deployment.collected_at
    if collected is not None:
        utc = collected.astimezone(timezone.utc) if collected.tzinfo else collected
        timestamp = f' timestamp="{_attribute(utc.replace(tzinfo=None, microsecond=0).isoformat())}"'
    clusters = {c.name: c for c in report.deployment.clusters}
    properties: dict[tuple[str, str] | None, str] = {}
    passing = {
        rule.code: f'{_attribute(f"{rule.code} {rule.name}: no finding")}" />\n'
        for rule in plugin_manager.rules()
    }
    for suite, (suite_tests, suite_failures, suite_skipped) in zip(suites, counts, strict=True):
        name = _attribute(suite.name)
        cluster = clusters.get(suite.name)
        facts = None if cluster is None else (cluster.product, cluster.version)
        if facts not in properties:
            properties[facts] = _properties(report, cluster)
        testcase = f'    <testcase classname="{name}" name="'
        out.write(
            f'  <testsuite name="{name}" tests="{suite_tests}" failures="{suite_failures}" errors="0"'
            f' skipped="{suite_skipped}"{timestamp}>\n'
            f"{properties[facts]}"
            f"{''.join(_testcase(name, case) for case in suite.cases)}"
            f"{''.join(testcase + passing[rule.code] for rule in suite.passing)}"
            "  </testsuite>\n"
        )
    if report.incomplete:
        out.write(_collection(report))
    out.write("</testsuites>\n")


def _collection(report: Report) -> str:
    """The run's own state when collection was incomplete: one errored test naming what is missing."""
    missing = report.missing or ("what could not be read is not recorded in this report",)
    message = _attribute(f"collection incomplete: {len(missing)} could not be read or met")
    error = _leaf("error", f' message="{message}" type="incomplete"', "\n".join(missing))
    return (
        '  <testsuite name="collection" tests="1" failures="0" errors="1" skipped="0">\n'
        '    <testcase name="collection complete" classname="confcheck.collection">\n'
        f"      {error}\n"
        "    </testcase>\n"
        "  </testsuite>\n"
    )


@hookimpl
def confcheck_reporters() -> list[Reporter]:
    return [
        Reporter("junit", "JUnit XML: one suite per cluster, one test per rule and item", write, machine=True)
    ]
