"""The Markdown report: what a consultant pastes into a ticket, as a Markdown renderer shows it.

The document is rendered with markdown-it (CommonMark plus GFM tables, the way wikis and ticket
systems render it) and read back as HTML: what a reader sees is what is checked.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import replace

import lxml.html
import pytest
from helpers import demo_deployment, report
from hostile import (
    CLUSTER,
    HOSTILE_VALUES,
    INSTANCE,
    OTHER_CLUSTER,
    WAIVER_REASON,
    changed_report,
    gated_report,
    hostile_report,
    incomplete_report,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml.html import HtmlElement
from markdown_it import MarkdownIt

from confcheck import plan
from confcheck.findings import Severity
from confcheck.report import Report
from confcheck.reports import markdown


def render(rep: Report) -> str:
    out = io.StringIO()
    markdown.write(rep, out)
    return out.getvalue()


def html(document: str) -> HtmlElement:
    """The document as a GFM-table-aware CommonMark renderer turns it into HTML (raw HTML allowed)."""
    renderer = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    return lxml.html.fragment_fromstring(renderer.render(document), create_parent="div")


def shown(value: str) -> str:
    """How a value reads in the report: control characters as visible escapes."""
    return value.replace("\n", "\\n").replace("\x00", "\\x00").replace("\u202e", "\\u202e")


def texts(root: HtmlElement, path: str) -> list[str]:
    return [" ".join(e.text_content().split()) for e in root.xpath(path)]


@pytest.fixture(scope="module")
def demo() -> tuple[Report, HtmlElement]:
    rep = report(demo_deployment())
    return rep, html(render(rep))


def test_title_source_date_and_summary_counts(demo: tuple[Report, HtmlElement]) -> None:
    rep, root = demo
    assert texts(root, "//h1") == ["confcheck remediation report"]
    facts = " ".join(texts(root, "//ul[1]/li"))
    assert "Source: test-snapshot.json" in facts
    assert rep.deployment.collected_at is not None
    assert f"Collected: {rep.deployment.collected_at:%Y-%m-%d %H:%M} UTC" in facts
    summary = root.xpath("//h2[.='Summary']/following-sibling::table[1]")[0]
    counts = {r[0]: r[1] for r in (texts(row, "td") for row in summary.xpath(".//tbody/tr"))}
    for severity in Severity:
        assert counts[severity.value] == str(rep.count(severity))
    assert counts["total"] == str(len(rep.findings))
    verdict = " ".join(root.text_content().split())
    assert f"Verdict: fails — {len(rep.failing)} findings at or above error. Exit code 1." in verdict


def test_each_cluster_has_its_findings_table_and_its_ordered_fix_list(
    demo: tuple[Report, HtmlElement],
) -> None:
    rep, root = demo
    headings = texts(root, "//h2")
    plans = plan.per_cluster(rep.findings, rep.deployment)
    for cluster in rep.deployment.clusters:
        section = next(h for h in headings if h.startswith(f"{cluster.name} — "))
        assert section.endswith(cluster.version)
        findings = [f for f in rep.findings if f.cluster == cluster.name]
        h2 = root.xpath(f"//h2[starts-with(., '{cluster.name} — ')]")[0]
        following = h2.xpath("following-sibling::*")
        body = following[: next((i for i, e in enumerate(following) if e.tag == "h2"), len(following))]
        if not findings:
            assert [e.text_content() for e in body] == ["No findings."]
            continue
        table = next(e for e in body if e.tag == "table")
        rows = [texts(r, "td") for r in table.xpath(".//tbody/tr")]
        assert [(r[1], r[4]) for r in rows] == [(f"{f.rule} {f.name}", f.message) for f in findings]
        steps = plans[cluster.name]
        items = [li for e in body if e.tag == "ol" for li in e.xpath("./li")]
        assert len(items) == len(steps.steps)
        assert any(e.tag == "h4" and e.text_content().startswith("Phase") for e in body)
        for step, item in zip(steps.steps, items, strict=True):
            text = " ".join(item.text_content().split())
            assert text.startswith(step.action)
            if step.see is not None:  # a DNS record an earlier cluster's list describes
                assert text.endswith(f"described in {step.see_text}")
                continue
            assert f"Where: {step.where}" in text
            assert ("done: DNS already answered so at collection" in text) == step.done
            fix = step.fix
            if fix is not None and fix.current is not None and fix.proposed is not None:
                assert f"Change: {fix.current} → {fix.proposed}" in text
            if fix is not None:
                assert all(" ".join(p.split()) in text for p in fix.preconditions)
                assert all(" ".join(s.split()) in text for s in fix.steps)
                # "step" is the fix list's word ("Left to step 7"): a fix's own sub-steps are its procedure
                assert ("Procedure:" in text) == bool(fix.steps)
                assert "Steps:" not in text


def test_steps_are_numbered_in_plan_order_across_phases(demo: tuple[Report, HtmlElement]) -> None:
    rep, _ = demo
    document = render(rep)
    hq = rep.deployment.clusters[0]
    section = document.split(f"\n## {hq.name} — ", 1)[1].split("\n## ", 1)[0]
    numbers = [int(line.split(".", 1)[0]) for line in section.splitlines() if line[:1].isdigit()]
    steps = plan.build([f for f in rep.findings if f.cluster == hq.name], rep.deployment).steps
    assert numbers == list(range(1, len(steps) + 1))
    phase_lines = [line for line in section.splitlines() if line.startswith("#### Phase")]
    assert phase_lines == sorted(phase_lines)


def test_hostile_values_are_shown_exactly_and_break_no_table() -> None:
    rep = hostile_report()
    document = render(rep)
    root = html(document)
    assert not root.xpath("//script | //img | //a | //b | //i | //em | //code | //del")
    assert "<script" not in document
    assert "<img" not in document
    assert "<b>" not in document
    for table in root.xpath("//table"):
        width = len(table.xpath(".//thead/tr/th"))
        assert all(len(row.xpath("td")) == width for row in table.xpath(".//tbody/tr"))
    cells = texts(root, "//td")
    for value in HOSTILE_VALUES:
        assert shown(value) in cells, value
    headings = texts(root, "//h2")
    assert any(h.startswith(f"{CLUSTER} — ") for h in headings)
    assert any(h.startswith(f"{shown(OTHER_CLUSTER)} — ") for h in headings)
    assert f"cucm9.uc-service-voicemail ({INSTANCE})" in cells
    assert "Source: snap<shot>|1.json" in texts(root, "//li")


def test_suppressed_findings_are_listed_with_their_reasons_not_counted() -> None:
    rep, waived, baselined = gated_report()
    root = html(render(rep))
    table = root.xpath("//h2[.='Suppressed findings']/following-sibling::table[1]")[0]
    rows = [texts(r, "td") for r in table.xpath(".//tbody/tr")]
    assert [(r[1], r[5]) for r in rows] == [
        (f"{waived.rule} {waived.name}", "waiver"),
        (f"{baselined.rule} {baselined.name}", "baseline"),
    ]
    assert rows[0][6] == shown(WAIVER_REASON)
    assert rows[0][7] == "2099-01-01"
    assert rows[1][6] == "in the baseline baseline.json"
    finding_rows = texts(root, "//h3[.='Findings']/following-sibling::table[1]//tbody/tr/td[5]")
    assert waived.message not in finding_rows
    assert baselined.message not in finding_rows
    summary = root.xpath("//h2[.='Summary']/following-sibling::table[1]")[0]
    assert ["suppressed (not counted)", "2"] in [texts(r, "td") for r in summary.xpath(".//tbody/tr")]
    deployment_wide = [f for f in rep.findings if f.cluster is None]
    assert deployment_wide
    assert "Deployment-wide" in texts(root, "//h2")


def test_notes_and_an_incomplete_collection_are_told() -> None:
    rep, _, _ = gated_report()
    rep = replace(rep, notes=("a | <b>note</b>",))
    root = html(render(rep))
    assert texts(root, "//h2[.='Notes']/following-sibling::ul[1]/li") == ["a | <b>note</b>"]
    incomplete = html(render(incomplete_report()))
    text = " ".join(incomplete.text_content().split())
    assert "Verdict: fails, incomplete" in text
    assert "Exit code 3." in text
    assert "What could not be read or met: hq-cucm: AXL login failed <401>" in text


def test_fail_on_never_is_not_gated() -> None:
    rep = report(demo_deployment(), fail_on="never")
    text = " ".join(html(render(rep)).text_content().split())
    assert "Verdict: not gated — no severity fails this run (--fail-on never). Exit code 0." in text


def test_a_proposed_change_says_what_it_fixes_and_introduces() -> None:
    rep, introduced = changed_report()
    root = html(render(rep))
    text = " ".join(root.text_content().split())
    assert "Verdict: fails — 1 finding at or above error introduced by the proposed change." in text
    assert texts(root, "//h2[.='Proposed change']/following-sibling::ul[1]/li") == ["rename a node"]
    assert (
        f"introduces: {introduced.rule} {introduced.name} ({introduced.cluster}): {introduced.message}"
        in (texts(root, "//h2[.='Proposed change']/following-sibling::ul[2]/li"))
    )


HOSTILE_TEXTS = (
    "plain cucm1.example.com",
    "a|b <c> & [d](e) *f* _g_ `h` ~i~ #j \\k",
    "nb\u00a0sp and wide \u4e2d\u6587 and e\u0301",
    "bidi \u202e and \u2066 iso, zero\u200bwidth",
    "line\nbreak\ttab\rcr\x00nul\x7f\x85",
    "sep\u2028line\u2029para",
)


def _escaped_character_by_character(text: str) -> str:
    """The escaping rule spelled out one character at a time: what the fast path must equal."""
    out = []
    for char in text:
        if char in "&<>":
            out.append({"&": "&amp;", "<": "&lt;", ">": "&gt;"}[char])
        elif char in "\\`*_[]|~#":
            out.append("\\" + char)
        elif unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            out.append("\\" + markdown._visible(char))
        else:
            out.append(char)
    return "".join(out)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(), max_size=40) | st.sampled_from(list(HOSTILE_TEXTS)))
def test_escaping_printable_text_at_c_speed_gives_what_the_rule_says(text: str) -> None:
    assert markdown.escape(text) == _escaped_character_by_character(text)
