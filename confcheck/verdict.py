"""From a deployment to a report: the checks, the gate, and for a proposed change, the difference it makes."""

from __future__ import annotations

from dataclasses import field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from confcheck import gate, lint, plugin_manager, records
from confcheck.engine import CheckOptions, Context
from confcheck.findings import Finding, Severity
from confcheck.gate import Gate
from confcheck.model import Deployment
from confcheck.records import replace
from confcheck.report import ChangeSummary, Cover, Report
from confcheck.snapshot import write_atomic

if TYPE_CHECKING:
    from confcheck.journey import Journey


@records.record
class Options:
    """How to judge: the threshold, the gate, and optional baseline and change files."""

    fail_on: str = "error"
    gate: Gate = field(default_factory=Gate)
    create_baseline: Path | None = None
    changes: Path | None = None
    check: CheckOptions = field(default_factory=CheckOptions)
    at: datetime | None = None
    """``--at``: judge certificate validity at this time, and say so in the report."""
    cover: Cover = field(default_factory=Cover)


def judge(deployment: Deployment, options: Options, source: str) -> Report:
    """Lint, gate and (with ``options.changes``) compare before and after the proposed change."""
    if options.at is not None:
        options = replace(options, check=replace(options.check, now=options.at))
    result = _lint(deployment, options.check)
    the_gate = options.gate
    if options.create_baseline is not None:
        unbaselined = gate.apply(result.findings, replace(the_gate, baseline=frozenset()))
        write_atomic(options.create_baseline, gate.baseline_text(unbaselined.findings))
        fingerprints = frozenset(f.fingerprint for f in unbaselined.findings)
        the_gate = replace(the_gate, baseline=fingerprints, baseline_source=str(options.create_baseline))
    gated = gate.apply(result.findings, the_gate)
    summary = None
    if options.changes is not None:
        from confcheck import changes  # reads TOML as the inventory does: only for a change file

        before = deployment
        deployment, applied = changes.apply(deployment, options.changes, plugin_manager.catalog())
        result = _lint(deployment, options.check)
        after = gate.apply(result.findings, the_gate)
        renames = _renames(before, deployment)
        old = {_renamed(f, renames).fingerprint for f in gated.findings}
        new = {f.fingerprint for f in after.findings}
        fixed = tuple(f for f in gated.findings if _renamed(f, renames).fingerprint not in new)
        summary = ChangeSummary(applied, fixed, tuple(f for f in after.findings if f.fingerprint not in old))
        gated = after
    return Report(
        deployment=deployment,
        findings=gated.findings,
        references=result.references,
        incomplete=result.incomplete,
        fail_on=None if options.fail_on == "never" else Severity.parse(options.fail_on),
        source=source,
        suppressed=gated.suppressed,
        notes=gated.notes + _at_note(options.at),
        changes=summary,
        missing=result.missing,
        cover=options.cover,
        journeys=_journeys(result.context, gated.findings),
    )


def _journeys(ctx: Context, findings: tuple[Finding, ...]) -> tuple[Journey, ...]:
    """Jabber's journeys, for a snapshot with discovery (:mod:`confcheck.journey` is imported only then),
    from the lint's own analysis ``ctx``."""
    if not ctx.deployment.discovery:
        return ()
    from confcheck import journey

    return journey.build(ctx, findings)


def _renames(before: Deployment, after: Deployment) -> dict[tuple[str, str], str]:
    """(cluster, old name) -> new name of every node a change file renamed (a rename keeps its place)."""
    found = {}
    for old, new in zip(before.clusters, after.clusters, strict=True):
        for a, b in zip(old.nodes, new.nodes, strict=True):
            if a.name != b.name:
                found[(old.name, a.name)] = b.name
    return found


def _renamed(finding: Finding, renames: dict[tuple[str, str], str]) -> Finding:
    """``finding`` as it reads once its node is renamed: a finding about a renamed node's certificate
    is the same finding under the node's new name, not one the change introduces."""
    subject = finding.subject
    if not renames or finding.cluster is None or subject is None:
        return finding
    name, _, rest = subject.partition(" ")
    new = renames.get((finding.cluster, name))
    return replace(finding, subject=f"{new} {rest}" if rest else new) if new else finding


def _at_note(at: datetime | None) -> tuple[str, ...]:
    if at is None:
        return ()
    return (f"certificate validity is judged at {at:%Y-%m-%d %H:%M} UTC (--at), not at the time of this run",)


def _lint(deployment: Deployment, check: CheckOptions) -> lint.LintResult:
    return lint.lint(deployment, plugin_manager.catalog(), plugin_manager.rules(), check)
