"""``--format csv``: one row per finding, for importing into a ticketing system or a spreadsheet.

One row is one ticket: the finding, where it is, and the fix that closes it, in fixed columns
(:data:`COLUMNS`, never reordered: imports are mapped by position as often as by name).
Suppressed findings are rows too, marked in the last column, so a waiver or the baseline can be
reviewed where the work is tracked; nothing is dropped silently. When collection was incomplete
(exit 3), each thing that could not be read or met is a row too: rule empty, name
``collection-incomplete``.

Values come from servers and snapshots, and spreadsheets execute cells that look like formulas
(CSV injection): any cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets
a leading apostrophe, which spreadsheets show as text. Rows end in ``\\n`` rather than the csv
module's ``\\r\\n``: the stream is opened in text mode, which already writes the platform's line
ending, and ``\\r\\r\\n`` on Windows would be worse than either.

A NUL character is written as U+2400 (``␀``, SYMBOL FOR NULL): Python 3.10's csv module cannot
write a NUL at all, Python 3.10's reader and many importers refuse a file holding one, and the
symbol keeps it visible. The output is the same on every Python version.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import TextIO

from confcheck import hookimpl
from confcheck.findings import Finding, Fix, Phase, Suppression
from confcheck.report import Report, Reporter

COLUMNS = (
    "fingerprint",
    "rule",
    "name",
    "severity",
    "cluster",
    "product",
    "version",
    "location",
    "instance",
    "node",
    "value",
    "message",
    "fix_phase",
    "fix_action",
    "fix_where",
    "fix_field",
    "fix_current",
    "fix_proposed",
    "fix_impact",
    "suppressed",
)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes Excel, LibreOffice or Google Sheets read a cell as a formula (OWASP's list)."""


NUL_SYMBOL = "\u2400"
"""What a NUL in a value is written as."""


def safe(value: object | None) -> str:
    """A cell: empty for None, with a leading apostrophe when a spreadsheet would evaluate it."""
    text = "" if value is None else str(value).replace("\x00", NUL_SYMBOL)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def row(finding: Finding, suppression: Suppression | None = None) -> list[str]:
    """The cells of one finding, in :data:`COLUMNS` order."""
    fix = finding.fix
    cells: list[object | None] = [
        finding.fingerprint,
        finding.rule,
        finding.name,
        finding.severity.value,
        finding.cluster,
        finding.product,
        finding.version,
        finding.location,
        finding.instance,
        finding.node,
        finding.value,
        finding.message,
        f"{int(fix.phase)} {fix.phase.title}" if fix else None,
        fix.action if fix else None,
        fix.where if fix else None,
        fix.field if fix else None,
        fix.current if fix else None,
        fix.proposed if fix else None,
        fix.impact if fix else None,
        _suppressed(suppression),
    ]
    return [safe(c) for c in cells]


def _suppressed(suppression: Suppression | None) -> str:
    """Empty when the finding counts, ``waiver: <reason>`` or ``baseline`` when it does not."""
    if suppression is None:
        return ""
    if suppression.kind == "waiver":
        return f"waiver: {suppression.reason}"
    return suppression.kind


def rows(report: Report) -> Iterator[list[str]]:
    """Every finding, then every suppressed finding, then what collection could not read (exit 3)."""
    for finding in report.findings:
        yield row(finding)
    for suppression in report.suppressed:
        yield row(suppression.finding, suppression)
    for item in report.missing:
        yield row(
            Finding(
                item,
                name=INCOMPLETE,
                fix=Fix(Phase.AUDIT, "Make it readable or reachable and collect again", "confcheck.toml"),
            )
        )


INCOMPLETE = "collection-incomplete"
"""The name column of a row that is the run's own state, not a finding: something could not be read."""


def write(report: Report, out: TextIO) -> None:
    """Write the header row and one row per finding."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows(report))


@hookimpl
def confcheck_reporters() -> list[Reporter]:
    return [Reporter("csv", "one row per finding with its fix, for ticketing systems", write, machine=True)]
