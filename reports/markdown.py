"""``--format markdown``: a remediation report a consultant pastes into a ticket or a wiki page.

It reads top-down the way the work is done: what was audited and the verdict, then for each cluster
its findings and the ordered fix list (DNS first, then certificates, names, client settings and the
XMPP domain), then what was suppressed and why.

Every string that came from a server, a snapshot or a waiver is hostile until escaped (:func:`escape`):
a node name holding ``|`` would split a table row, ``<img src=...>`` would make the wiki fetch a
URL, ``[x](...)`` would become a link and a newline would end the table. Renderers differ, so the
escaping only relies on what CommonMark and GitHub Flavored Markdown both define: backslash escapes
and HTML character references. Code spans are avoided for such values on purpose: nothing can be
escaped inside them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import TextIO

from confcheck import __version__, hookimpl, plan
from confcheck.findings import Finding, Severity, Suppression
from confcheck.model import PRODUCT_TITLES, Cluster
from confcheck.report import Report, Reporter

NONE = "\u2014"
"""What an empty cell shows (an em dash): a blank cell reads as a rendering bug."""

_BACKSLASHED = frozenset("\\`*_[]|~#")
"""Markdown punctuation that could start emphasis, code, links, strikethrough, headings or a cell."""
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
"""Raw HTML and character references are turned off by writing these three as references."""
_NAMED_CONTROLS = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_PLAIN = {**{c: "\\" + c for c in _BACKSLASHED}, **_ENTITIES}
"""What :func:`escape` does to printable text (which holds no character of the categories it shows)."""
_MARKUP = re.compile("[" + re.escape("".join(sorted(_BACKSLASHED)) + "".join(_ENTITIES)) + "]")
"""The characters of ``_PLAIN``: replaced where they occur (a menu path holds a few ``>``), the rest of the
text copied at C speed (``str.translate`` looks every character up in a dict, ten times slower)."""


def escape(text: object) -> str:
    """``text`` as inline Markdown that renders exactly as ``text`` and can break nothing around it.

    Control and invisible format characters (newlines, NUL, bidi overrides) are shown as visible
    escapes such as ``\\n`` or ``\\u202e``: a line break would end a table row or a list item, and in
    a report about names, what was configured must be what is seen.
    """
    value = str(text)
    if value.isprintable():  # the usual case: no control or invisible character, at C speed
        return _MARKUP.sub(_plain, value)
    out: list[str] = []
    for char in value:
        if char in _ENTITIES:
            out.append(_ENTITIES[char])
        elif char in _BACKSLASHED:
            out.append("\\" + char)
        elif unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            out.append("\\" + _visible(char))  # the backslash itself escaped: renders as \n, \x00, ...
        else:
            out.append(char)
    return "".join(out)


def _plain(markup: re.Match[str]) -> str:
    return _PLAIN[markup[0]]


def _visible(char: str) -> str:
    if char in _NAMED_CONTROLS:
        return _NAMED_CONTROLS[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def cell(value: object | None) -> str:
    """A table cell: escaped, or a dash when there is nothing to show."""
    return NONE if value is None or value == "" else escape(value)


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], right: Sequence[int] = ()) -> list[str]:
    """A GFM table; cells must already be escaped (see :func:`cell`)."""
    rule = ["---:" if i in right else "---" for i in range(len(headers))]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def write(report: Report, out: TextIO) -> None:
    """Write the report as one Markdown document."""
    out.write(render(report))


def render(report: Report) -> str:
    """The whole document."""
    lines = _header(report)
    lines += _summary(report)
    if report.changes is not None:
        lines += _changes(report)
    plans = plan.per_cluster(report.findings, report.deployment)
    for title, cluster, findings in _sections(report):
        key = cluster.name if cluster else findings[0].cluster if findings else None
        lines += _cluster(title, cluster, findings, plans.get(key) or plan.build(findings, report.deployment))
    if report.journeys:  # [[jabber]]: the sign-in journey, hop by hop
        from confcheck.reports import _journey_text

        lines += _journey_text.markdown(report.journeys)
    lines += _suppressed(report.suppressed)
    if report.notes:
        lines += ["", "## Notes", ""]
        lines += [f"- {escape(note)}" for note in report.notes]
    return "\n".join(lines) + "\n"


# --- header and summary --------------------------------------------------------------------------


def _header(report: Report) -> list[str]:
    collected = report.deployment.collected_at
    clusters = len(report.deployment.clusters)
    cover = report.cover
    return [
        f"# {escape(cover.title) if cover.title else 'confcheck remediation report'}",
        "",
        *([f"- **Customer:** {escape(cover.customer)}"] if cover.customer else []),
        f"- **Source:** {escape(report.source or 'snapshot')}",
        f"- **Collected:** {_datetime(collected) if collected else 'not recorded in the snapshot'}",
        f"- **Checked:** {report.references} references in {clusters} cluster{'s' * (clusters != 1)}",
        f"- **Tool:** confcheck {escape(__version__)}",
    ]


def _datetime(moment: datetime) -> str:
    utc = moment.astimezone(timezone.utc) if moment.tzinfo else moment
    return utc.strftime("%Y-%m-%d %H:%M UTC")


def _summary(report: Report) -> list[str]:
    rows = [[s.value, str(report.count(s))] for s in Severity]
    rows.append(["**total**", f"**{len(report.findings)}**"])
    rows.append(["suppressed (not counted)", str(len(report.suppressed))])
    lines = ["", "## Summary", ""]
    lines += table(["Severity", "Findings"], rows, right=[1])
    lines += ["", _verdict(report)]
    if report.incomplete:
        lines += [
            "",
            "**Collection incomplete.** Something could not be reached or read, so some names were not "
            "checked: the findings below are what could be checked, not a clean bill of health for the rest.",
        ]
        if report.missing:
            lines += ["", "What could not be read or met:", ""]
            lines += [f"- {escape(item)}" for item in report.missing]
        else:
            lines += ["", "What could not be read is not recorded in this report."]
    return lines


def _verdict(report: Report) -> str:
    """One line a reader can quote: passes or fails, why, and the exit code a pipeline saw."""
    failing = len(report.failing)
    if report.fail_on is None:
        word, text = "not gated", "no severity fails this run (--fail-on never)."
    elif failing:
        word, text = "fails", f"{failing} finding{'s' * (failing != 1)} at or above {report.fail_on.value}"
        text += " introduced by the proposed change." if report.changes is not None else "."
    elif report.changes is not None:
        word, text = (
            "passes",
            f"the proposed change introduces no finding at or above {report.fail_on.value}.",
        )
    else:
        word, text = "passes", f"no finding at or above {report.fail_on.value}."
    if report.changes is not None:
        text += " Only what the change introduces counts; the findings below are the state after it."
    if report.incomplete:  # a partial check passes nothing: say what it found, and that it is partial
        word = "incomplete" if word == "passes" else f"{word}, incomplete"
        text = text.replace("no finding", "no finding in what could be checked")
    return f"**Verdict: {word}** {NONE} {text} Exit code {int(report.exit_code)}."


def _changes(report: Report) -> list[str]:
    changes = report.changes
    assert changes is not None
    lines = ["", "## Proposed change", ""]
    lines += [f"- {escape(applied)}" for applied in changes.applied]
    lines += ["", f"It fixes {len(changes.fixed)} findings and introduces {len(changes.introduced)}.", ""]
    lines += [f"- fixes: {_one_line(f)}" for f in changes.fixed]
    lines += [f"- introduces: {_one_line(f)}" for f in changes.introduced]
    return lines


def _one_line(finding: Finding) -> str:
    where = f" ({escape(finding.cluster)})" if finding.cluster else ""
    return f"{escape(finding.rule)} {escape(finding.name)}{where}: {escape(finding.message)}"


# --- one section per cluster, then the findings that belong to none -------------------------------


def _sections(report: Report) -> list[tuple[str, Cluster | None, list[Finding]]]:
    """(title, cluster, findings) in deployment order; every cluster, with findings or not."""
    by_cluster: dict[str | None, list[Finding]] = {}
    for finding in report.findings:
        by_cluster.setdefault(finding.cluster, []).append(finding)
    sections: list[tuple[str, Cluster | None, list[Finding]]] = []
    for cluster in report.deployment.clusters:
        product = PRODUCT_TITLES.get(cluster.product, cluster.product)
        title = f"{escape(cluster.name)} {NONE} {escape(product)} {escape(cluster.version)}"
        sections.append((title, cluster, by_cluster.pop(cluster.name, [])))
    for name, findings in by_cluster.items():  # clusters the deployment does not list, then none
        if name is not None:
            sections.append((f"{escape(name)} {NONE} not collected", None, findings))
    if None in by_cluster:
        sections.append(("Deployment-wide", None, by_cluster[None]))
    return sections


def _cluster(title: str, cluster: Cluster | None, findings: list[Finding], steps: plan.Plan) -> list[str]:
    lines = ["", f"## {title}", ""]
    if not findings:
        if cluster is not None and not cluster.configuration_read:
            return [*lines, "No findings in what could be read: its configuration was not read."]
        return [*lines, "No findings."]
    lines += ["### Findings", ""]
    lines += table(
        ["Severity", "Rule", "Location", "Value", "Finding"],
        (
            [
                f.severity.value,
                f"{escape(f.rule)} {escape(f.name)}",
                cell(_location(f)),
                cell(f.value),
                cell(f.message),
            ]
            for f in findings
        ),
    )
    if steps.steps:
        lines += ["", "### Fix list", ""]
        lines.append("Carry the steps out in this order: each phase relies on the ones before it.")
        for phase, group in steps.numbered_by_phase():
            lines += ["", f"#### Phase {int(phase)} {NONE} {escape(phase.title)}", ""]
            for number, step in group:
                lines += _step(number, step)
    return lines


def _location(finding: Finding) -> str | None:
    if finding.location and finding.instance:
        return f"{finding.location} ({finding.instance})"
    return finding.location


def _step(number: int, step: plan.Step) -> list[str]:
    """One numbered step; its details indented under it so they stay in the list item."""
    marker = f"{number}. "
    head = f"{marker}**{escape(step.action)}**"
    if step.see is not None:
        return [f"{head} {NONE} described in {escape(step.see_text)}"]
    if step.done:
        head += f" {NONE} \u2714 done: DNS already answered so at collection"
    pad = " " * len(marker)
    fix = step.fix
    where = escape(step.where)
    if fix is not None and fix.field:
        where += f", field \u201c{escape(fix.field)}\u201d"
    details = [f"- **Where:** {where}"]
    if fix is not None:
        if fix.current is not None and fix.proposed is not None:
            details.append(f"- **Change:** {escape(fix.current)} \u2192 {escape(fix.proposed)}")
        elif fix.current is not None:
            details.append(f"- **Currently:** {escape(fix.current)}")
        elif fix.proposed is not None:
            details.append(f"- **Set to:** {escape(fix.proposed)}")
        if fix.preconditions:
            details.append("- **Before you start:**")
            details += [f"  - {escape(p)}" for p in fix.preconditions]
        if fix.steps:
            details.append("- **Procedure:**")
            details += [f"  {i}. {escape(s)}" for i, s in enumerate(fix.steps, start=1)]
        if fix.impact:
            details.append(f"- **Impact:** {escape(fix.impact)}")
    details.append(f"- **Resolves:** {_resolves(step.findings)}")
    return [head, *(pad + line for line in details)]


def _resolves(findings: Sequence[Finding]) -> str:
    """The findings a step resolves, by rule and value: what to tick off in the ticket."""
    if not findings:
        return NONE
    items = [f"{escape(f.rule)} {cell(f.value or f.node)}" for f in findings]
    return ", ".join(dict.fromkeys(items))


# --- suppressed findings --------------------------------------------------------------------------


def _suppressed(suppressed: Sequence[Suppression]) -> list[str]:
    lines = ["", "## Suppressed findings", ""]
    if not suppressed:
        return [*lines, "None: no finding is waived or in the baseline."]
    lines += ["Waived or in the baseline: listed so they stay visible, not counted in the verdict.", ""]
    lines += table(
        ["Severity", "Rule", "Cluster", "Location", "Value", "Suppressed by", "Reason", "Expires"],
        (
            [
                s.finding.severity.value,
                f"{escape(s.finding.rule)} {escape(s.finding.name)}",
                cell(s.finding.cluster),
                cell(_location(s.finding)),
                cell(s.finding.value),
                cell(s.kind),
                cell(s.reason),
                s.expires.isoformat() if s.expires else NONE,
            ]
            for s in suppressed
        ),
    )
    return lines


@hookimpl
def confcheck_reporters() -> list[Reporter]:
    return [Reporter("markdown", "remediation report for a ticket or wiki page (Markdown)", write)]
