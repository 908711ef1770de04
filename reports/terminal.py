"""``--format terminal``: findings grouped by cluster, each cluster followed by its ordered fix list."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from itertools import groupby
from typing import TextIO

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.text import Text

from confcheck import hookimpl, plan
from confcheck.console import console
from confcheck.findings import Finding, Severity
from confcheck.model import PRODUCT_TITLES
from confcheck.report import Report, Reporter

STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def write(report: Report, out: TextIO) -> None:
    """Render the report for a human reader."""
    with console(out) as con:
        _write(report, con)


def _write(report: Report, con: Console) -> None:
    clusters = {c.name: c for c in report.deployment.clusters}
    header = Text.assemble(
        ("confcheck", "bold"),
        f" · {report.source or 'snapshot'} · {len(clusters)} clusters · {report.references} references checked",
    )
    con.print(header)
    if report.changes is not None:
        con.print(_changes(report))
    for note in report.notes:
        con.print(Text(f"note: {note}", style="yellow"))
    for name, group in groupby(report.findings, key=lambda f: f.cluster):
        findings = list(group)
        cluster = clusters.get(name or "")
        title = (
            f"{cluster.name} · {PRODUCT_TITLES[cluster.product]} {cluster.version}"
            if cluster
            else "deployment"
        )
        con.print()
        con.rule(Text(title, style="bold"), align="left")
        con.print(_findings_table(findings, con.width), end="", soft_wrap=True)
        if any(f.fix for f in findings):
            con.print(Padding(Text("Fix list", style="bold"), (1, 0, 0, 0)))
            con.print(_fix_list(findings, report, con.width), soft_wrap=True)
    con.print()
    con.print(_summary(report))


def _findings_table(findings: list[Finding], width: int) -> Text:
    rows = [
        (Text(f.severity.value, style=STYLES[f.severity]), Text(f"{f.rule} {f.name}"), Text(f.message))
        for f in findings
    ]
    header = tuple(Text(title, style="dim") for title in ("severity", "rule", "message"))
    return _columns([header, *rows], width, gap=2)


def _fix_list(findings: list[Finding], report: Report, width: int) -> Text:
    """The cluster's plan: distinct steps in phase order, DNS records first."""
    steps = plan.build(findings, report.deployment)
    lines = Text()
    for phase, group in steps.by_phase():
        lines.append_text(Text(f"Phase {int(phase)} · {phase.title}\n", style="bold dim"))
        for step in group:
            lines.append_text(_step(steps.number(step), step, width))
    lines.rstrip()
    return lines


def _step(number: int, step: plan.Step, width: int) -> Text:
    rows: list[tuple[Text, Text]] = []
    fix = step.fix

    def row(label: str, text: str, style: str = "") -> None:
        rows.append((Text(label, style="dim"), Text(text, style=style)))

    row("where", step.where + (f" — {fix.field}" if fix and fix.field else ""))
    if fix is not None:
        if fix.current is not None and fix.proposed is not None:
            row("change", f"{fix.current} → {fix.proposed}")
        for precondition in fix.preconditions:
            row("first", precondition)
        for step_number, text in enumerate(fix.steps, start=1):
            row(f"step {step_number}", text)
        if fix.impact:
            row("impact", fix.impact)
    if step.done:
        row("status", "already in place: DNS answered so at collection", "green")
    indent = len(f"{number}.") + 3  # two spaces, the number, one space
    title = _columns([(Text(f"{number}."), Text(step.action))], width - 2, gap=1)
    body = _columns(rows, width - indent, gap=1)
    return _indent(title, 2) + _indent(body, indent)


def _columns(rows: Sequence[tuple[Text, ...]], width: int, gap: int) -> Text:
    """Rows of cells: every column as wide as its widest cell, the last folded into what width is left.

    rich's tables measure every cell of every row, which made a 700-finding report take seconds;
    this layout is linear and reads the same.
    """
    if not rows:
        return Text()
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    lead = sum(widths) + gap * len(widths)
    room = max(width - lead, 20)
    out = Text()
    for cells in rows:
        lines = _fold(cells[-1], room)
        for index, line in enumerate(lines):
            if index == 0:
                for cell, cell_width in zip(cells[:-1], widths, strict=True):
                    out.append_text(cell)
                    out.append(" " * (cell_width - len(cell) + gap))
            else:
                out.append(" " * lead)
            out.append_text(line)
            out.append("\n")
    return out


def _fold(text: Text, width: int) -> list[Text]:
    """``text`` wrapped at spaces to ``width`` columns, at its own line breaks too; longer words are cut."""
    plain = text.plain
    if len(plain) <= width and "\n" not in plain:
        return [text]
    pieces = [
        piece
        for paragraph in plain.split("\n")  # a line break inside a value stays one, in the column
        for piece in textwrap.wrap(paragraph, width, break_long_words=True, break_on_hyphens=False) or [""]
    ]
    return [Text(piece, style=text.style) for piece in pieces]


def _indent(text: Text, spaces: int) -> Text:
    out = Text()
    for line in text.split("\n", include_separator=True):
        out.append(" " * spaces)
        out.append_text(line)
    return out


def _changes(report: Report) -> RenderableType:
    """What the proposed change does: the edits, what it fixes, what it introduces."""
    changes = report.changes
    assert changes is not None
    lines: list[RenderableType] = [Text("Proposed change", style="bold")]
    lines += [Text(f"  · {applied}") for applied in changes.applied]
    lines.append(
        Text(
            f"It fixes {len(changes.fixed)} findings and introduces {len(changes.introduced)}.", style="bold"
        )
    )
    for title, findings, style in (
        ("fixes", changes.fixed, "green"),
        ("introduces", changes.introduced, "red"),
    ):
        lines += [Text(f"  {title}: {f.rule} {f.message}", style=style) for f in findings]
    return Padding(Group(*lines), (1, 0, 0, 0))


def _summary(report: Report) -> Text:
    counts = ", ".join(f"{report.count(s)} {s.value}" for s in Severity)
    text = Text.assemble(("Summary: ", "bold"), f"{len(report.findings)} findings ({counts})")
    if report.fail_on is None:
        text.append(" · --fail-on never")
    else:
        text.append(f" · {len(report.failing)} at or above {report.fail_on.value}")
    if report.suppressed:
        text.append(f" · {len(report.suppressed)} suppressed")
    if report.incomplete:
        text.append(" · collection incomplete", style="yellow")
    text.append(f" · exit {int(report.exit_code)}")
    return text


@hookimpl
def confcheck_reporters() -> list[Reporter]:
    return [Reporter("terminal", "findings and fix lists for a human reader (default)", write)]
