"""Run the rules over an analysed deployment: the findings of one check, in a stable order.

Apart from :mod:`confcheck.engine` (the analysis rules read) so that rules, which need the engine's
:class:`~confcheck.engine.Context`, and the engine never import each other.
"""

from __future__ import annotations

from collections.abc import Iterable

from confcheck import fast_exit, gc_pause, records
from confcheck.catalog import Catalog
from confcheck.engine import CheckOptions, Context
from confcheck.errors import InputError
from confcheck.findings import Finding
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


def _lint(
    deployment: Deployment, catalog: Catalog, rules: Iterable[Rule], options: CheckOptions | None
) -> LintResult:
    ctx = Context(deployment, catalog, options)
    fast_exit.keep(ctx)  # its analyses, as large as the deployment, need not be freed one by one
    findings: list[Finding] = []
    for rule in rules:
        try:
            findings += rule.run(ctx)
        except InputError:
            raise
        except Exception as exc:  # a third-party rule's bug must not hide every other finding
            findings.append(
                Finding(
                    f"rule {rule.code} ({rule.name}) crashed: {type(exc).__name__}: {exc}",
                    rule.code,
                    rule.name,
                )
            )
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
