"""Run the rules over an analysed deployment: the findings of one check, in a stable order.

Apart from :mod:`confcheck.engine` (the analysis rules read) so that rules, which need the engine's
:class:`~confcheck.engine.Context`, and the engine never import each other.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterable
from dataclasses import field
from typing import Any

from confcheck import fast_exit, gc_pause, parallel, records
from confcheck.catalog import Catalog
from confcheck.engine import CheckOptions, Context
from confcheck.errors import InputError
from confcheck.findings import Finding, from_marshalled, marshalled
from confcheck.model import Deployment
from confcheck.rule import Prepare, Rule


@records.record
class LintResult:
    """The findings of one run, sorted into a stable order, and whether collection was complete."""

    findings: tuple[Finding, ...]
    references: int
    incomplete: bool
    context: Context = field(compare=False, repr=False)
    """The analysis the findings came from, which what is built on them reads rather than making it
    again (Jabber's journeys: see :func:`confcheck.journey.build`)."""
    missing: tuple[str, ...] = ()
    """What collection could not read or meet, one line each (see :attr:`Context.missing`)."""


def lint(
    deployment: Deployment, catalog: Catalog, rules: Iterable[Rule], options: CheckOptions | None = None
) -> LintResult:
    """Run ``rules`` over ``deployment``; a rule that crashes becomes a finding, not a lost run."""
    with gc_pause.paused():  # the findings and what rules index live to the end of the run: no cycles
        return _lint(deployment, catalog, rules, options)


REFERENCES_TO_SHARE_RULES = 4_000
"""From this many references (some 750 clusters, whose rules take a few tenths of a second), the
families of rules are shared with forked processes (see :mod:`confcheck.parallel`)."""


def _run(rule: Rule, ctx: Context) -> list[Finding]:
    """The rule's findings; a rule that crashes becomes a finding, not a lost run."""
    try:
        return rule.run(ctx)
    except InputError:
        raise
    except Exception as exc:  # a third-party rule's bug must not hide every other finding
        return [
            Finding(
                f"rule {rule.code} ({rule.name}) crashed: {type(exc).__name__}: {exc}",
                rule.code,
                rule.name,
            )
        ]


def _prepare(prepare: Prepare, ctx: Context) -> None:
    """A rule's :attr:`~confcheck.rule.Rule.prepare`, whose faults its own run meets again and reports in
    its place (a crash as a finding, an input error raised in the rules' order)."""
    with contextlib.suppress(Exception):  # what it would have filled, the check computes itself
        prepare(ctx)


def _run_all(rules: list[Rule], ctx: Context) -> list[Finding]:
    """The findings of every rule of a family, in order."""
    return [finding for rule in rules for finding in _run(rule, ctx)]


def _marshalled(found: list[Finding], _: list[Rule]) -> list[tuple[Any, ...]]:
    return [marshalled(finding) for finding in found]


def _from_marshalled(value: list[tuple[Any, ...]], _: list[Rule]) -> list[Finding]:
    return [from_marshalled(finding) for finding in value]


def _lint(
    deployment: Deployment, catalog: Catalog, rules: Iterable[Rule], options: CheckOptions | None
) -> LintResult:
    ctx = Context(deployment, catalog, options)
    fast_exit.keep(ctx)  # its analyses, as large as the deployment, need not be freed one by one
    families: dict[str, list[Rule]] = {}
    prepares: dict[Prepare, None] = {}  # in order, each once
    for rule in rules:  # rules of one family share what they compute (Context.memo): run together
        families.setdefault(rule.code[:3], []).append(rule)
        if rule.prepare is not None:
            prepares[rule.prepare] = None
    least = len(families) + 1  # one process
    if len(ctx.references) >= REFERENCES_TO_SHARE_RULES:
        # a large deployment's families of rules shared with forked processes, each taking the next
        # family when free (their findings sent back marshalled); the analysis most rules read is made
        # first, so each process has it (itself shared: see Context.checks)
        ctx.checks  # noqa: B018
        least = 1
    for prepare in prepares:  # each once, on every CPU it can use, before the families are shared out
        _prepare(prepare, ctx)
    findings: list[Finding] = []
    for found in parallel.map_forked(
        functools.partial(_run_all, ctx=ctx), list(families.values()), _marshalled, _from_marshalled, least
    ):
        findings += found
    order = {c.name: i for i, c in enumerate(deployment.clusters)}
    findings.sort(
        key=lambda f: (
            order.get(f.cluster or "", len(order)),
            -f.severity.rank,
            f.fix.phase if f.fix else 99,
            f.location or "",
            f.instance or "",
            f.value or "",
            f.node or "",
            f.rule,
        )
    )
    return LintResult(tuple(findings), len(ctx.references), ctx.incomplete, ctx, ctx.missing)
