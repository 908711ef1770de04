"""The CSV report: one row per finding with its fix, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

import pytest
from helpers import demo_deployment, report
from hostile import HOSTILE_VALUES, WAIVER_REASON, gated_report, hostile_report

from confcheck.report import Report
from confcheck.reports import csv as csv_report

COLUMNS = [
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
]


def read(rep: Report) -> tuple[list[str], list[dict[str, str]]]:
    """The header and the rows, as a ticketing system's importer reads them."""
    out = io.StringIO()
    csv_report.write(rep, out)
    reader = csv.DictReader(io.StringIO(out.getvalue(), newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def unguarded(cell: str) -> str:
    """A cell without the apostrophe that stops a spreadsheet from evaluating it."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@", "\t", "\r") else cell


@pytest.fixture(scope="module")
def demo() -> tuple[Report, list[str], list[dict[str, str]]]:
    rep = report(demo_deployment())
    return (rep, *read(rep))


def test_the_columns_are_fixed_and_in_order(demo: tuple[Report, list[str], list[dict[str, str]]]) -> None:
    _, header, _ = demo
    assert header == COLUMNS


def test_one_row_per_finding_with_its_fix(demo: tuple[Report, list[str], list[dict[str, str]]]) -> None:
    rep, _, rows = demo
    assert len(rows) == len(rep.findings)
    for finding, row in zip(rep.findings, rows, strict=True):
        assert row["fingerprint"] == finding.fingerprint
        assert (row["rule"], row["name"], row["severity"]) == (
            finding.rule,
            finding.name,
            finding.severity.value,
        )
        assert row["cluster"] == (finding.cluster or "")
        assert row["location"] == (finding.location or "")
        assert row["message"] == finding.message
        assert row["suppressed"] == ""
        fix = finding.fix
        if fix is None:
            assert row["fix_action"] == row["fix_phase"] == ""
            continue
        assert row["fix_phase"] == f"{int(fix.phase)} {fix.phase.title}"
        assert (row["fix_action"], row["fix_where"], row["fix_impact"]) == (fix.action, fix.where, fix.impact)
        assert row["fix_current"] == unguarded(row["fix_current"]) == (fix.current or "")
        assert row["fix_proposed"] == (fix.proposed or "")


def test_hostile_values_round_trip_and_never_start_a_formula() -> None:
    rep = hostile_report()
    _, rows = read(rep)
    assert len(rows) == len(rep.findings)
    for row in rows:
        for column, cell in row.items():
            assert not cell.startswith(("=", "+", "-", "@")), (column, cell)
    values = [row["value"] for row in rows]
    written = [v.replace("\x00", csv_report.NUL_SYMBOL) for v in HOSTILE_VALUES]  # see the next test
    for value in written:
        guarded = "'" + value if value.startswith(("=", "+", "-", "@")) else value
        assert guarded in values, value
    assert {unguarded(v) for v in values} >= set(written)
    assert [row["cluster"] for row in rows] == [f.cluster or "" for f in rep.findings]


def test_suppressed_findings_are_rows_marked_with_why() -> None:
    rep, waived, baselined = gated_report()
    _, rows = read(rep)
    assert len(rows) == len(rep.findings) + len(rep.suppressed)
    marked = {row["fingerprint"]: row["suppressed"] for row in rows}
    assert marked[waived.fingerprint] == f"waiver: {WAIVER_REASON}"
    assert marked[baselined.fingerprint] == "baseline"
    assert all(marked[f.fingerprint] == "" for f in rep.findings)


def test_a_nul_in_a_value_is_written_as_a_visible_symbol_on_every_python() -> None:
    """Python 3.10's csv module cannot write a NUL ("need to escape"); importers choke on one."""
    rep = hostile_report()
    out = io.StringIO()
    csv_report.write(rep, out)
    text = out.getvalue()
    assert "\x00" not in text
    assert "+SUM(1)\u2400\u202e" in text
