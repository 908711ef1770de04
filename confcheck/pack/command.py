"""``confcheck pack`` and ``confcheck audit --pack``: judge, build the pack in memory, write it whole."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from confcheck import engine, inputs, plugin_manager, snapshot
from confcheck.engine import CheckOptions
from confcheck.errors import ExitCode
from confcheck.gate import Gate
from confcheck.pack import Inputs, Pack, build, output
from confcheck.records import replace
from confcheck.report import Report


def run(source: str, directory: str, config: str | None, at: datetime | None, force: bool) -> ExitCode:
    """Make the pack of a snapshot or a JSON report; 3 when the audit it comes from was incomplete."""
    from confcheck import config as configuration
    from confcheck.reports import json as json_report
    from confcheck.verdict import Options, judge

    target = Path(directory)
    output.check_target(target, force, (source, config))  # usage errors before any work
    waivers, options, _ = configuration.load_offline(config) if config else ((), CheckOptions(), None)
    data = inputs.read_json(source, inputs.SNAPSHOT_BYTES, "a snapshot or a JSON report", stdin=source == "-")
    if isinstance(data, dict) and "summary" not in data:  # a report has a summary, a snapshot has none
        deployment = snapshot.from_data(data, plugin_manager.catalog(), source, engine.prepare)
        report = judge(
            deployment, Options(fail_on="never", gate=Gate(waivers=waivers), check=options, at=at), source
        )
        certificates = True
    else:
        report = json_report.read(data, source)
        certificates = False
    if at is not None:
        options = replace(options, now=at)
    made = make(
        report,
        options,
        directory,
        certificates,
        snapshot=source if certificates else None,
        inventory=config,
        offline_config=config,
        at=at,
    )
    output.write(made.files, target, force, (source, config))
    _announce(made, directory)
    return ExitCode.INCOMPLETE if report.incomplete else ExitCode.OK


def make(
    report: Report,
    options: CheckOptions,
    directory: str,
    certificates: bool = True,
    snapshot: str | None = None,
    inventory: str | None = None,
    offline_config: str | None = None,
    at: datetime | None = None,
) -> Pack:
    """The pack of a judged report (``audit --pack`` calls this with the audit's report)."""
    return build(
        Inputs(
            deployment=report.deployment,
            findings=report.findings,
            options=options,
            source=report.source,
            certificates=certificates,
            directory=directory,
            incomplete=report.incomplete,
            missing=report.missing,
            snapshot=snapshot,
            inventory=inventory,
            offline_config=offline_config,
            at=at,
        )
    )


def write_for_audit(
    report: Report,
    options: CheckOptions,
    directory: str,
    inventory: str,
    at: datetime | None,
    snapshot: str | None,
) -> None:
    """``audit --pack DIR``: the pack of the audit just judged (the target was checked before collecting)."""
    made = make(
        report,
        replace(options, now=at) if at else options,
        directory,
        snapshot=snapshot,
        inventory=inventory,
        offline_config=inventory,  # lint --config reads the inventory's [check] and its waivers
        at=at,
    )
    output.write(made.files, Path(directory), False, (inventory,))
    _announce(made, directory)


def _announce(made: Pack, directory: str) -> None:
    facts = made.facts
    what = (
        "nothing to fix"
        if facts.steps == 0
        else f"{facts.steps} steps, {facts.rows} certificates to request, {facts.changes} setting changes and renames"
    )
    print(f"confcheck: wrote the remediation pack to {directory}: {what}", file=sys.stderr)
