"""The remediation pack: the fix list turned into the artifacts people otherwise make by hand.

An output of the plan, like a reporter that writes a directory (DESIGN: "the remediation pack"):
the CSR plan (:mod:`~confcheck.pack.csr_plan`), the trust files per client platform
(:mod:`~confcheck.pack.client_trust`, :mod:`~confcheck.pack.trust_files`), the change file that
``lint --changes`` proves (:mod:`~confcheck.pack.change_file`), the runbook
(:mod:`~confcheck.pack.runbook`) and a README (:mod:`~confcheck.pack.readme`). Everything is made
in memory first (:func:`build`), so a failure leaves nothing behind, then written to a temporary
directory beside the target and renamed into place (:mod:`~confcheck.pack.output`).
"""

from __future__ import annotations

import json
import shlex
from datetime import datetime

from confcheck import plan as plans
from confcheck import plugin_manager, records
from confcheck.catalog import Catalog
from confcheck.engine import CheckOptions, Context
from confcheck.errors import one_line
from confcheck.findings import Finding
from confcheck.model import Deployment
from confcheck.pack import change_file, client_trust, csr_plan, readme, runbook, trust_files
from confcheck.reports import html


@records.record
class Inputs:
    """What a pack is made from: judged findings, the deployment they are about, and how they were judged."""

    deployment: Deployment
    findings: tuple[Finding, ...]
    options: CheckOptions
    source: str
    certificates: bool
    """True for a snapshot; False for a JSON report (no certificates, endpoints or DNS answers)."""
    directory: str
    """The pack directory as the user named it (commands in the pack use it)."""
    incomplete: bool = False
    missing: tuple[str, ...] = ()
    snapshot: str | None = None
    """The snapshot the change file is proven against (None: not saved; the command says SNAPSHOT.json)."""
    inventory: str | None = None
    """The confcheck.toml the runbook's audit commands name."""
    offline_config: str | None = None
    """The --config the pack was judged with (its [check]), repeated in the lint --changes command."""
    at: datetime | None = None


@records.record
class Pack:
    """The files of a pack, by path relative to its directory, and what they hold."""

    files: dict[str, bytes]
    facts: readme.Facts


def build(inputs: Inputs) -> Pack:
    """Every file of the pack, in memory."""
    catalog = plugin_manager.catalog()
    deployment = inputs.deployment
    plan = plans.build(inputs.findings, deployment)
    rows = csr_plan.rows(plan, deployment, _subjects(inputs, catalog), inputs.options.min_rsa_bits)
    edits = change_file.changes(plan, catalog)
    kept = [c for c in edits if change_file.expressible(c)]
    skipped = tuple(
        f"changes.toml leaves out step {c.step} ({one_line(c.action)}): its values cannot be written as TOML."
        for c in edits
        if not change_file.expressible(c)
    )
    files: dict[str, bytes] = {}
    prove = _prove(inputs) if kept else None
    book = runbook.build(
        plan,
        runbook.Context(deployment, catalog, inputs.inventory or "confcheck.toml", inputs.certificates),
        inputs.source,
        runbook.Check("prove the setting changes and renames offline", prove) if prove else None,
        _notes(inputs),
    )
    files["runbook.md"] = runbook.markdown(book).encode("utf-8")
    files["runbook.html"] = html.runbook_page(book).encode("ascii")
    data = csr_plan.to_json(rows, inputs.source, inputs.certificates)
    files["csr-plan.json"] = (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
    files["csr-plan.csv"] = csr_plan.to_csv(rows).encode("utf-8")
    if kept:
        files["changes.toml"] = change_file.render(kept, inputs.source).encode("utf-8")
    roots = pushed = 0
    if inputs.certificates:
        trust = client_trust.build(deployment, inputs.options.trust_store or (), plan, rows)
        files.update(trust_files.files(trust))
        roots, pushed = len(trust.roots), len(trust.pushed)
    facts = readme.Facts(
        source=inputs.source,
        judged_at=f"{inputs.options.now:%Y-%m-%d %H:%M} UTC" + (" (--at)" if inputs.at else "")
        if inputs.certificates
        else "the time the JSON report was made",
        certificates=inputs.certificates,
        findings=sum(1 for f in inputs.findings if f.fix is not None),
        steps=len(plan.steps),
        windows=len(book.windows),
        rows=len(rows),
        changes=len(kept),
        roots=roots,
        pushed=pushed,
        incomplete=inputs.incomplete,
        missing=inputs.missing,
        skipped_changes=skipped,
        prove=runbook.Check("", prove).command if prove else None,
    )
    readme_text = readme.text(facts, ["README.md", *files])
    return Pack({"README.md": readme_text.encode("utf-8"), **files}, facts)


def _subjects(inputs: Inputs, catalog: Catalog) -> csr_plan.SubjectValues:
    """Each cluster's request fields as CC308 and CC310 propose them; none without certificates."""
    if not inputs.certificates:
        return lambda _: {}
    from confcheck.rules.certificates import subject_values

    ctx = Context(inputs.deployment, catalog, inputs.options)
    clusters = {c.name: c for c in inputs.deployment.clusters}
    return lambda name: subject_values(ctx, clusters.get(name or ""))


def _prove(inputs: Inputs) -> tuple[str, ...]:
    """``confcheck lint SNAPSHOT --changes DIR/changes.toml``, judged as the pack was."""
    snapshot = inputs.snapshot or "SNAPSHOT.json"
    argv = ["confcheck", "lint", snapshot, "--changes", f"{inputs.directory.rstrip('/')}/changes.toml"]
    if inputs.offline_config:
        argv += ["--config", inputs.offline_config]
    if inputs.at is not None:
        argv += ["--at", f"{inputs.at:%Y-%m-%dT%H:%M}"]
    return tuple(argv)


def _notes(inputs: Inputs) -> list[str]:
    notes = [
        f"Audit commands name {shlex.quote(one_line(inputs.inventory or 'confcheck.toml'))}: use the "
        "inventory you audit this deployment with."
    ]
    if not inputs.certificates:
        notes.append(
            "Made from a JSON report: the snapshot it was made from is needed to prove the change file "
            "(SNAPSHOT.json in the command below)."
        )
    elif inputs.snapshot is None:
        notes.append(
            "The audit's snapshot was not saved (audit --save-snapshot): the command that proves the change "
            "file names SNAPSHOT.json in its place."
        )
    if inputs.incomplete:
        notes.append("The audit was incomplete: what could not be read is not in this plan.")
    return notes
