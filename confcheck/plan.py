"""The remediation plan: every finding's fix, once, in the order that is safe to carry out.

Findings come one per reference; work comes one per change. The plan merges identical fixes (one
rename fixes every finding that asks for it), turns the DNS records fixes need into a first phase
of their own (marked done when the snapshot's DNS answers already agree), and orders the rest by
phase: DNS, certificates, node and server names, client-facing settings, the XMPP domain.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from confcheck.findings import DnsNeed, Finding, Fix, Phase
from confcheck.model import Deployment


@dataclass(frozen=True, slots=True)
class Step:
    """One piece of work, with the findings it resolves."""

    phase: Phase
    action: str
    where: str
    fix: Fix | None = None
    """The fix behind the step; None for a DNS step the plan derived from fixes."""
    findings: tuple[Finding, ...] = ()
    done: bool = False
    """True when the snapshot shows it is already in place (DNS records that already answer)."""

    @property
    def clusters(self) -> tuple[str, ...]:
        """The clusters whose findings this step resolves."""
        return tuple(dict.fromkeys(f.cluster for f in self.findings if f.cluster))


@dataclass(frozen=True, slots=True)
class Plan:
    """The ordered steps; ``number(step)`` is the step's position for people."""

    steps: tuple[Step, ...] = ()

    def by_phase(self) -> list[tuple[Phase, list[Step]]]:
        """Steps grouped by phase, phases in order."""
        groups: dict[Phase, list[Step]] = {}
        for step in self.steps:
            groups.setdefault(step.phase, []).append(step)
        return sorted(groups.items())

    def number(self, step: Step) -> int:
        """1-based position of ``step`` in the plan."""
        return self.steps.index(step) + 1


def build(findings: Iterable[Finding], deployment: Deployment | None = None) -> Plan:
    """The plan for ``findings``; ``deployment`` (its DNS answers) marks DNS steps already done."""
    merged: dict[Fix, list[Finding]] = {}
    for finding in findings:
        if finding.fix is not None:
            merged.setdefault(finding.fix, []).append(finding)
    merged = _one_per_certificate(merged)
    known = _known(deployment) if deployment else None
    order = known.order if known else {}
    steps = [Step(fix.phase, fix.action, fix.where, fix, tuple(found)) for fix, found in merged.items()]
    steps += _dns_steps(merged, known)
    steps.sort(
        key=lambda s: (s.phase, min((order.get(c, len(order)) for c in s.clusters), default=-1), s.action)
    )
    return Plan(tuple(steps))


def _one_per_certificate(merged: dict[Fix, list[Finding]]) -> dict[Fix, list[Finding]]:
    """Fixes that replace the same certificate become one fix: the new certificate must meet them all."""
    groups: dict[str, list[Fix]] = {}
    for fix in merged:
        if fix.replaces is not None:
            groups.setdefault(fix.replaces, []).append(fix)
    result: dict[Fix, list[Finding]] = {}
    for fix, found in merged.items():
        group = groups[fix.replaces] if fix.replaces is not None else [fix]
        if len(group) == 1:
            result[fix] = found
        elif fix is group[0]:
            result[_combined(group)] = [f for each in group for f in merged[each]]
    return result


def _combined(fixes: list[Fix]) -> Fix:
    """One replacement certificate: each fix's demand a step, then their procedures, once each."""
    label = fixes[0].replaces

    def once(items: Iterable[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(items))

    return Fix(
        phase=min(f.phase for f in fixes),
        action=f"Replace {label} once, with a new certificate that meets every demand below",
        where=fixes[0].where,
        current=next((f.current for f in fixes if f.current), None),
        proposed="; ".join(once(f.proposed for f in fixes if f.proposed)) or None,
        preconditions=once(p for f in fixes for p in f.preconditions),
        impact=fixes[0].impact,
        steps=once([f"{f.action}." for f in fixes] + [s for f in fixes for s in f.steps]),
        dns=tuple(dict.fromkeys(d for f in fixes for d in f.dns)),
        replaces=label,
    )


def _dns_steps(merged: dict[Fix, list[Finding]], known: _Known | None) -> list[Step]:
    """One step per record the fixes need, with every finding whose fix needs it."""
    needs: dict[tuple[str, str], tuple[bool, list[Finding]]] = {}
    for fix, found in merged.items():
        for need in fix.dns:
            key = (need.name.lower(), need.address)
            reverse, findings = needs.get(key, (False, []))
            needs[key] = (reverse or need.reverse, findings + found)
    steps = []
    for (name, address), (reverse, found) in needs.items():
        need = DnsNeed(name, address, reverse)
        record = (
            f"an A record {name} → {address}" if ":" not in address else f"an AAAA record {name} → {address}"
        )
        action = f"Create {record}" + (f" and its PTR record {address} → {name}" if reverse else "")
        where = "the DNS servers the nodes and the Jabber clients use"
        steps.append(Step(Phase.DNS, action, where, None, tuple(dict.fromkeys(found)), _answers(need, known)))
    return steps


def _answers(need: DnsNeed, known: _Known | None) -> bool:
    """Whether the DNS answers recorded at collection already satisfy ``need``."""
    if known is None:
        return False
    forward = (need.name, need.address) in known.forward
    return forward and (not need.reverse or (need.address, need.name) in known.reverse)


@dataclass(frozen=True, slots=True)
class _Known:
    """What plans need from a deployment, indexed once: cluster order and the DNS answers."""

    deployment: Deployment
    order: dict[str, int]
    forward: frozenset[tuple[str, str]]
    """(name in lower case, address) of every A and AAAA answer."""
    reverse: frozenset[tuple[str, str]]
    """(address, name in lower case) of every PTR answer."""


_last: list[_Known] = []
"""The index of the deployment planned last: reports plan cluster by cluster, over one deployment."""


def _known(deployment: Deployment) -> _Known:
    if _last and _last[0].deployment is deployment:
        return _last[0]
    known = _Known(
        deployment,
        {c.name: i for i, c in enumerate(deployment.clusters)},
        frozenset((r.name.lower(), a) for r in deployment.dns if r.type in ("A", "AAAA") for a in r.answers),
        frozenset((r.name, a.lower()) for r in deployment.dns if r.type == "PTR" for a in r.answers),
    )
    _last[:] = [known]
    return known


def for_cluster(plan_findings: Sequence[Finding], deployment: Deployment | None, cluster: str | None) -> Plan:
    """The plan of one cluster's findings (the terminal and HTML reports print one per cluster)."""
    return build([f for f in plan_findings if f.cluster == cluster], deployment)
