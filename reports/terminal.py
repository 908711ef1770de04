"""``--format terminal``: findings grouped by cluster, each cluster followed by its ordered fix list."""

from __future__ import annotations

from itertools import groupby
from typing import TextIO

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
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
        con.print(_findings_table(findings))
        fixes = _fix_list(findings, report)
        if any(f.fix for f in findings):
            con.print(Padding(Text("Fix list", style="bold"), (1, 0, 0, 0)))
            con.print(fixes)
    con.print()
    con.print(_summary(report))


def _findings_table(findings: list[Finding]) -> Table:
    table = Table(box=None, show_header=True, header_style="dim", pad_edge=False, expand=False)
    table.add_column("severity", no_wrap=True)
    table.add_column("rule", no_wrap=True)
    table.add_column("message", overflow="fold")
    for f in findings:
        table.add_row(
            Text(f.severity.value, style=STYLES[f.severity]),
            Text(f"{f.rule} {f.name}"),
            Text(f.message),
        )
    return table


def _fix_list(findings: list[Finding], report: Report) -> RenderableType:
    """The cluster's plan: distinct steps in phase order, DNS records first."""
    steps = plan.build(findings, report.deployment)
    lines: list[RenderableType] = []
    for phase, group in steps.by_phase():
        lines.append(Text(f"Phase {int(phase)} · {phase.title}", style="bold dim"))
        lines += [_step(steps.number(step), step) for step in group]
    return Group(*lines)


def _step(number: int, step: plan.Step) -> RenderableType:
    body = Table.grid(padding=(0, 1))
    body.add_column(style="dim", no_wrap=True)
    body.add_column(overflow="fold")
    fix = step.fix
    body.add_row("where", Text(step.where + (f" — {fix.field}" if fix and fix.field else "")))
    if fix is not None:
        if fix.current is not None and fix.proposed is not None:
            body.add_row("change", Text(f"{fix.current} → {fix.proposed}"))
        for precondition in fix.preconditions:
            body.add_row("first", Text(precondition))
        for step_number, text in enumerate(fix.steps, start=1):
            body.add_row(f"step {step_number}", Text(text))
        if fix.impact:
            body.add_row("impact", Text(fix.impact))
    if step.done:
        body.add_row("status", Text("already in place: DNS answered so at collection", style="green"))
    item = Table.grid(padding=(0, 1))
    item.add_column(no_wrap=True, justify="right")
    item.add_column(overflow="fold")
    item.add_row(f"{number}.", Group(Text(step.action), body))
    return Padding(item, (0, 0, 0, 2))


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
