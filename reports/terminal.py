"""``--format terminal``: findings grouped by cluster, each cluster followed by its ordered fix list.

Laid out with plain strings, coloured only for a person at a terminal (:func:`~confcheck.console.wants_color`):
a report of thousands of findings renders in about the time the JSON report takes. Every string that came
from a server or a snapshot is shown with its control characters made visible, so a node name cannot move
the cursor, clear the screen or set the window title.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import textwrap
import unicodedata
from collections.abc import Sequence
from typing import TextIO

from confcheck import hookimpl, plan
from confcheck.console import safe, wants_color
from confcheck.findings import Finding, Severity, Suppression
from confcheck.model import PRODUCT_TITLES, Cluster
from confcheck.report import Report, Reporter

STYLES = {"error": "1;31", "warning": "33", "info": "36", "bold": "1", "dim": "2", "ok": "32", "alert": "33"}
"""SGR codes by style name."""
DEFAULT_WIDTH = 120
PROCEDURE = "do"
"""The label of a fix's numbered sub-steps in the fix list: beside where, first and impact, what to do."""


def write(report: Report, out: TextIO) -> None:
    """Render the report for a human reader."""
    color = wants_color(out)
    if color:
        width = shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
    else:
        width = _columns_setting() or DEFAULT_WIDTH
    lines = _Writer(width, color).report(report)
    out.write("\n".join([line.rstrip() for line in lines]) + "\n" if lines else "")


def _procedure_labels(count: int) -> tuple[str, ...]:
    """The labels of a procedure of ``count`` sub-steps: ``do 1.``, then the numbers alone, aligned."""
    digits = len(str(count))
    return tuple(
        f"{PROCEDURE if n == 1 else ' ' * len(PROCEDURE)} {n:>{digits}}." for n in range(1, count + 1)
    )


_PROCEDURE_LABELS = _procedure_labels(9)
"""The labels of the usual procedures (up to nine sub-steps), made once."""


def _columns_setting() -> int | None:
    try:
        value = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        return None
    return value if value >= 40 else None


def _width(text: str) -> int:
    """Columns ``text`` takes: wide (East Asian) characters take two, combining marks none."""
    if text.isascii():
        return len(text)
    return len(text) + sum(_extra_width(c) for c in _NOT_ASCII.findall(text))


_NOT_ASCII = re.compile("[^\x00-\x7f]")


@functools.lru_cache(maxsize=4096)
def _extra_width(char: str) -> int:
    """Columns a non-ASCII character takes beyond one: 1 (wide), -1 (combining) or 0."""
    return 1 if unicodedata.east_asian_width(char) in "WF" else -1 if unicodedata.combining(char) else 0


def _plural(count: int, noun: str, plural: str | None = None) -> str:
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


class _Writer:
    """Builds the report's lines at one width, with or without colour."""

    def __init__(self, width: int, color: bool) -> None:
        self.width = max(width, 40)
        self.color = color
        self.folded: dict[tuple[str, int], list[str]] = {}
        """Each text folded at each width, once: preconditions, steps and impacts recur in every cluster."""
        self.layouts: dict[tuple[tuple[tuple[tuple[str, str], ...], ...], int], _Layout] = {}
        """:meth:`layout` of each distinct set of leading cells (and gap), once."""

    def fold(self, text: str, width: int) -> list[str]:
        """``_fold(text, width)``, remembered for this report (the list is never changed)."""
        key = (text, width)
        folded = self.folded.get(key)
        if folded is None:
            folded = self.folded[key] = _fold(text, width)
        return folded

    def style(self, text: str, style: str) -> str:
        """``text`` in ``style`` (a name of :data:`STYLES`; "" is plain), at a terminal that shows colour."""
        return f"\x1b[{STYLES[style]}m{text}\x1b[0m" if self.color and style and text else text

    # --- the document ------------------------------------------------------------------------

    def report(self, report: Report) -> list[str]:
        deployment = report.deployment
        clusters = len(deployment.clusters)
        cover = report.cover
        lines = [self.style(safe(cover.title), "bold")] if cover.title else []
        lines += [f"for {safe(cover.customer)}"] if cover.customer else []
        lines.append(
            self.style("confcheck", "bold")
            + f" · {safe(report.source or 'snapshot')} · {_plural(clusters, 'cluster')} · "
            + f"{_plural(report.references, 'reference')} checked"
        )
        lines += [self.style(f"note: {safe(note)}", "alert") for note in report.notes]
        if report.incomplete:
            lines += self.missing(report)
        if report.changes is not None:
            lines += self.changes(report)
        plans = plan.per_cluster(report.findings, deployment)
        by_cluster: dict[str | None, list[Finding]] = {c.name: [] for c in deployment.clusters}
        for finding in report.findings:
            by_cluster.setdefault(finding.cluster, []).append(finding)
        known = {c.name: c for c in deployment.clusters}
        for name, findings in by_cluster.items():
            lines += self.cluster(name, known.get(name or ""), findings, plans.get(name, plan.Plan()))
        if report.journeys:  # [[jabber]]: the sign-in journey, hop by hop
            from confcheck.reports import _journey_text

            lines += _journey_text.lines(report.journeys, self.width, self.style)
        if report.suppressed:
            lines += self.suppressed(report.suppressed)
        lines += ["", self.summary(report)]
        return lines

    def missing(self, report: Report) -> list[str]:
        head = "Collection incomplete (exit 3): "
        if not report.missing:
            return ["", self.style(head + "what could not be read is not recorded in this report.", "alert")]
        lines = [
            "",
            self.style(head + f"{_plural(len(report.missing), 'thing')} could not be read or met:", "alert"),
        ]
        for item in report.missing:
            lines += self.hanging("  · ", safe(item))
        lines.append("The findings below are what could be checked, not a clean bill of health for the rest.")
        return lines

    def cluster(
        self, name: str | None, cluster: Cluster | None, findings: list[Finding], steps: plan.Plan
    ) -> list[str]:
        if cluster is not None:
            title = f"{safe(cluster.name)} · {PRODUCT_TITLES[cluster.product]} {safe(cluster.version)}"
        elif name is not None:
            title = f"{safe(name)} · not collected"
        else:
            title = "deployment-wide"
        rule = "─" * max(self.width - _width(title) - 1, 3)
        lines = ["", self.style(title, "bold") + " " + rule]
        if not findings:
            if cluster is not None and not cluster.configuration_read:
                return [*lines, "No findings in what could be read (its configuration was not read)."]
            return [*lines, self.style("No findings.", "ok")]
        header = [("severity", "dim"), ("rule", "dim"), ("message", "")]
        rows = [
            [(f.severity.value, f.severity.value), (f"{f.rule} {safe(f.name)}", ""), (safe(f.message), "")]
            for f in findings
        ]
        lines += self.columns([header, *rows], self.width, gap=2)
        if steps.steps:
            lines += ["", self.style("Fix list", "bold")]
            for phase, group in steps.numbered_by_phase():
                lines.append(self.style(f"Phase {int(phase)} · {phase.title}", "dim"))
                for number, step in group:
                    lines += self.step(number, step)
        return lines

    def step(self, number: int, step: plan.Step) -> list[str]:
        marker = f"  {number}. "
        if step.see is not None:
            return self.hanging(marker, f"{safe(step.action)} (see {safe(step.see_text)})")
        fix = step.fix
        rows = [("where", safe(step.where) + (f" — {safe(fix.field)}" if fix and fix.field else ""), "")]
        if fix is not None:
            if fix.current is not None and fix.proposed is not None:
                rows.append(("change", f"{safe(fix.current)} → {safe(fix.proposed)}", ""))
            rows += [("first", safe(precondition), "") for precondition in fix.preconditions]
            if fix.steps:
                rows += self.procedure(fix.steps)
            if fix.impact:
                rows.append(("impact", safe(fix.impact), ""))
        if step.done:
            rows.append(("status", "already in place: DNS answered so at collection", "ok"))
        return self.hanging(marker, safe(step.action)) + self.labelled(rows, " " * len(marker))

    def procedure(self, steps: Sequence[str]) -> list[tuple[str, str, str]]:
        """A fix's procedure as :meth:`labelled` rows: its sub-steps numbered under one label, the numbers in
        the label's column so that each sub-step folds under its own text. Not "step 2": "step" is the fix
        list's word ("Left to step 9" names the list's ninth step, not a ninth sub-step)."""
        labels = _PROCEDURE_LABELS if len(steps) <= len(_PROCEDURE_LABELS) else _procedure_labels(len(steps))
        # zip stops at the last sub-step: the labels run further
        return [(label, safe(text), "") for label, text in zip(labels, steps, strict=False)]

    def suppressed(self, suppressed: Sequence[Suppression]) -> list[str]:
        lines = ["", self.style(f"Suppressed, not counted ({len(suppressed)})", "bold")]
        for s in suppressed:
            f = s.finding
            where = f" · {safe(f.cluster)}" if f.cluster else ""
            lines += self.hanging(
                "  ", f"{f.severity.value} {f.rule} {safe(f.name)}{where}: {safe(f.message)}"
            )
            by = "waived" if s.kind == "waiver" else "baseline"
            until = f" (until {s.expires.isoformat()})" if s.expires else ""
            lines += self.hanging("    ", f"{by}: {safe(s.reason)}{until}", "dim")
        return lines

    def changes(self, report: Report) -> list[str]:
        """What the proposed change does: the edits, what it fixes, what it introduces."""
        changes = report.changes
        assert changes is not None
        lines = ["", self.style("Proposed change", "bold")]
        for applied in changes.applied:
            lines += self.hanging("  · ", safe(applied))
        counted = "" if report.fail_on is None else f" at or above {report.fail_on.value}"
        lines.append(
            self.style(
                f"It fixes {_plural(len(changes.fixed), 'finding')} and introduces {len(changes.introduced)}; "
                f"only the findings it introduces{counted} count for the exit code.",
                "bold",
            )
        )
        for title, findings, style in (
            ("fixes", changes.fixed, "ok"),
            ("introduces", changes.introduced, "error"),
        ):
            for f in findings:
                lines += self.hanging(f"  {title}: ", f"{f.rule} {safe(f.message)}", style)
        return lines

    def summary(self, report: Report) -> str:
        counts = ", ".join(
            f"{report.count(s)} {s.value}" if s is Severity.INFO else _plural(report.count(s), s.value)
            for s in Severity
        )
        text = self.style("Summary: ", "bold") + f"{_plural(len(report.findings), 'finding')} ({counts})"
        if report.fail_on is None:
            text += " · --fail-on never"
        elif report.changes is not None:
            text += f" · {len(report.failing)} introduced by the change at or above {report.fail_on.value}"
        else:
            text += f" · {len(report.failing)} at or above {report.fail_on.value}"
        if report.suppressed:
            text += f" · {len(report.suppressed)} suppressed"
        if report.incomplete:
            text += " · " + self.style("collection incomplete", "alert")
        return text + f" · exit {int(report.exit_code)}"

    # --- layout --------------------------------------------------------------------------------

    def hanging(self, marker: str, text: str, style: str = "") -> list[str]:
        """``text`` after ``marker``, folded so that continuation lines align under its first word."""
        folded = self.fold(text, self.width - len(marker))
        if self.color and style:
            folded = [self.style(line, style) for line in folded]
        return [marker + folded[0]] + [" " * len(marker) + line for line in folded[1:]]

    def columns(self, rows: Sequence[Sequence[tuple[str, str]]], width: int, gap: int) -> list[str]:
        """Rows of (text, style) cells: each column as wide as its widest cell, the last folded into the rest.

        Linear in the size of the report: the cells before the last repeat from row to row and from
        table to table (a severity and a rule), so each distinct set of them is measured and laid out once
        per report.
        """
        if not rows:
            return []
        firsts = [tuple(cells[:-1]) for cells in rows]
        distinct = tuple(dict.fromkeys(firsts))
        layout = self.layouts.get((distinct, gap))
        if layout is None:
            layout = self.layouts[(distinct, gap)] = self.layout(distinct, gap)
        lead, heads = layout
        lines = [(heads[first], *cells[-1]) for first, cells in zip(firsts, rows, strict=True)]
        return self.rows(lines, max(width - lead, 20), " " * lead)

    def labelled(self, rows: Sequence[tuple[str, str, str]], indent: str) -> list[str]:
        """A step's table: rows of (label, text, style) after ``indent``, laid out as :meth:`columns` lays out
        a dim label and the text with a gap of 1 (the labels are ASCII: where, first, do 1. ...).

        A large report has some ten thousand such tables of a few rows: measuring their labels directly
        costs less than looking a layout up.
        """
        lead = max([len(label) for label, _, _ in rows]) + 1
        blank = indent + " " * lead
        if self.color:
            lines = [
                (indent + self.style(label, "dim") + " " * (lead - len(label)), text, style)
                for label, text, style in rows
            ]
        else:
            lines = [((indent + label).ljust(len(blank)), text, style) for label, text, style in rows]
        return self.rows(lines, max(self.width - len(indent) - lead, 20), blank)

    def rows(self, lines: Sequence[tuple[str, str, str]], room: int, blank: str) -> list[str]:
        """Lines of (start, text, style): the start, then the text folded to ``room`` columns in its style,
        its further lines after ``blank``. What :meth:`columns` and :meth:`labelled` lay out alike."""
        out = []
        for start, text, style in lines:
            folded = self.fold(text, room)
            if self.color and style:
                folded = [self.style(line, style) for line in folded]
            out.append(start + folded[0])
            if len(folded) > 1:
                out += [blank + line for line in folded[1:]]
        return out

    def layout(self, firsts: Sequence[tuple[tuple[str, str], ...]], gap: int) -> _Layout:
        """For the rows whose cells before the last are ``firsts``: how wide those cells are together, and
        each row's start (the cells, each padded to its column's width)."""
        widths = [max(_width(first[i][0]) for first in firsts) for i in range(len(firsts[0]))]
        heads = {
            first: "".join(
                [
                    self.style(cell, cell_style) + " " * (cell_width - _width(cell) + gap)
                    for (cell, cell_style), cell_width in zip(first, widths, strict=True)
                ]
            )
            for first in firsts
        }
        return sum(widths) + gap * len(widths), heads


_Layout = tuple[int, dict[tuple[tuple[str, str], ...], str]]
"""What :meth:`_Writer.layout` works out: the width of the cells before the last, and each row's start."""


def _fold(text: str, width: int) -> list[str]:
    """``text`` wrapped at spaces to ``width`` columns, at its own line breaks too; longer words are cut."""
    if "\n" not in text:  # nearly every value: one paragraph
        return [text] if _width(text) <= width else _wrap(text, max(width, 10)) or [""]
    width = max(width, 10)
    return [
        piece
        for paragraph in text.split("\n")  # a line break inside a value stays one, in the column
        for piece in _wrap(paragraph, width) or [""]
    ]


_OTHER_SPACE = re.compile(r"[^\S ]")
"""Whitespace other than the space: left to textwrap, as are spaces at either end or two in a row."""


def _wrap(paragraph: str, width: int) -> list[str]:
    """``textwrap.wrap(paragraph, width, break_long_words=True, break_on_hyphens=False)``, line for line.

    Reports fold tens of thousands of values; textwrap splits each into chunks and fits them one at a
    time in Python. Words separated by single spaces (nearly every value) are fitted here by slicing:
    each line ends at the last space that fits, or is cut at ``width`` when a word is longer than a line
    (textwrap then fills the line up to ``width``). Anything else goes to textwrap itself.
    """
    if (
        not paragraph
        or paragraph[0] == " "
        or paragraph[-1] == " "
        or "  " in paragraph
        or _OTHER_SPACE.search(paragraph)
    ):
        return textwrap.wrap(paragraph, width, break_long_words=True, break_on_hyphens=False)
    lines = []
    start, end = 0, len(paragraph)
    while end - start > width:
        limit = start + width  # the line may take paragraph[start:limit]
        if paragraph[limit] == " ":  # a word ends exactly at the edge
            lines.append(paragraph[start:limit])
            start = limit + 1
            continue
        space = paragraph.rfind(" ", start, limit)
        after = paragraph.find(" ", limit, end)  # where the word running over the edge ends
        if space == -1 or (end if after == -1 else after) - (space + 1) > width:
            lines.append(paragraph[start:limit])  # that word is longer than a line: cut to fill this one
            start = limit
            continue
        lines.append(paragraph[start:space])
        start = space + 1
    lines.append(paragraph[start:end])
    return lines


@hookimpl
def confcheck_reporters() -> list[Reporter]:
    return [Reporter("terminal", "findings and fix lists for a human reader (default)", write)]
