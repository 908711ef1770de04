"""Run the rules over an analysed deployment: the findings of one check, in a stable order.

Apart from :mod:`confcheck.engine` (the analysis rules read) so that rules, which need the engine's
:class:`~confcheck.engine.Context`, and the engine never import each other.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterable
from typing import Any

from confcheck import fast_exit, forked, gc_pause, records
from confcheck.catalog import Catalog
from confcheck.engine import CheckOptions, Context
from confcheck.errors import InputError
from confcheck.findings import Finding, from_marshalled, marshalled
from confcheck.model import Deployment
from confcheck.rule import Rule


@records.record
class LintResult:
    """The findings of one run, sorted into a stable order, and whether collection was complete."""

    findings: tuple[Finding, ...]
    references: int
    incomplete: bool
    missing: tuple[str, ...] = ()
    """What collection could not read or meet, one line each (see :attr:`Context.missing`)."""


def lint(
    deployment: Deployment, catalog: Catalog, rules: Iterable[Rule], options: CheckOptions | None = None
) -> LintResult:
    """Run ``rules`` over ``deployment``; a rule that crashes becomes a finding, not a lost run."""
    with gc_pause.paused():  # the findings and what rules index live to the end of the run: no cycles
        return _lint(deployment, catalog, rules, options)


REFERENCES_TO_SHARE_RULES = 4_000
"""From this many references (some 750 clusters; a deployment's rules then take a second or more), the
rules are run in two processes (see :mod:`confcheck.forked`)."""


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


def _marshalled(found: list[Finding], _: Rule) -> list[tuple[Any, ...]]:
    return [marshalled(finding) for finding in found]


def _from_marshalled(value: list[tuple[Any, ...]], _: Rule) -> list[Finding]:
    return [from_marshalled(finding) for finding in value]


def _lint(
    deployment: Deployment, catalog: Catalog, rules: Iterable[Rule], options: CheckOptions | None
) -> LintResult:
    ctx = Context(deployment, catalog, options)
    fast_exit.keep(ctx)  # its analyses, as large as the deployment, need not be freed one by one
    rules = list(rules)
    half = len(rules)
    if len(ctx.references) >= REFERENCES_TO_SHARE_RULES:
        # a large deployment's rules in two processes, half of them each (the second half in a forked
        # child, which sends its findings back marshalled). The analysis most rules read is made first, so
        # that the child has it too (itself shared: see Context.checks); the rules are dealt alternately,
        # as neighbours cost alike; the order they run in does not matter, as the findings are sorted
        ctx.checks  # noqa: B018
        rules, half = rules[0::2] + rules[1::2], len(rules) // 2
    findings: list[Finding] = []
    runs = forked.map_forked(
        functools.partial(_run, ctx=ctx), rules, _marshalled, _from_marshalled, max(1, half)
    )
    with contextlib.closing(runs):
        for found in runs:
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
    return LintResult(tuple(findings), len(ctx.references), ctx.incomplete, ctx.missing)
