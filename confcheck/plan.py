"""The remediation plan: every finding's fix, once, in the order that is safe to carry out.

Findings come one per reference; work comes one per change. The plan merges identical fixes (one
rename fixes every finding that asks for it), turns the DNS records fixes need into a first phase
of their own (marked done when the snapshot's DNS answers already agree), and orders the rest by
phase: DNS, certificates, node and server names, client-facing settings, the XMPP domain.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import cast

from confcheck import records, renewal
from confcheck.findings import DnsNeed, Finding, Fix, Phase, Renewal
from confcheck.model import Deployment
from confcheck.ordered import once
from confcheck.records import replace


@records.record
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
    see: tuple[str | None, int] | None = None
    """Where the same step is already listed, (cluster, step number): a DNS record several clusters
    need is described once, in the first cluster's fix list, and pointed to from the others."""

    @property
    def see_text(self) -> str:
        """``hq-cucm, step 2``: where the step is described, for people."""
        if self.see is None:
            return ""
        cluster, number = self.see
        return f"{cluster or 'deployment-wide'}, step {number}"

    @property
    def clusters(self) -> tuple[str, ...]:
        """The clusters whose findings this step resolves."""
        return tuple(dict.fromkeys(f.cluster for f in self.findings if f.cluster))


@records.record
class Plan:
    """The ordered steps; ``number(step)`` is the step's position for people."""

    steps: tuple[Step, ...] = ()

    def by_phase(self) -> list[tuple[Phase, list[Step]]]:
        """Steps grouped by phase, phases in order."""
        groups: dict[Phase, list[Step]] = {}
        for step in self.steps:
            groups.setdefault(step.phase, []).append(step)
        return sorted(groups.items())

    def numbered_by_phase(self) -> list[tuple[Phase, list[tuple[int, Step]]]]:
        """:meth:`by_phase`, each step with its :meth:`number`, found as :meth:`numbered` finds them."""
        groups: dict[Phase, list[tuple[int, Step]]] = {}
        for number, step in self.numbered():
            groups.setdefault(step.phase, []).append((number, step))
        return sorted(groups.items())

    def number(self, step: Step) -> int:
        """1-based position of ``step`` in the plan."""
        return self.steps.index(step) + 1

    def numbered(self) -> list[tuple[int, Step]]:
        """Every step with its :meth:`number`, in plan order, without hashing a step (which hashes its fix
        and its findings) unless two steps have the same action and so may be equal."""
        if len({step.action for step in self.steps}) == len(self.steps):
            return list(enumerate(self.steps, start=1))
        numbers = self.numbers()
        return [(numbers[step], step) for step in self.steps]

    def numbers(self) -> dict[Step, int]:
        """:meth:`number` of every step, in one pass over the plan (not one search per step)."""
        numbers: dict[Step, int] = {}
        for number, step in enumerate(self.steps, start=1):
            numbers.setdefault(step, number)
        return numbers


def build(findings: Iterable[Finding], deployment: Deployment | None = None) -> Plan:
    """The plan for ``findings``; ``deployment`` (its DNS answers) marks DNS steps already done."""
    return _build(findings, _known(deployment) if deployment else None)


def per_cluster(findings: Sequence[Finding], deployment: Deployment) -> dict[str | None, Plan]:
    """Each cluster's plan (the human reports print one per cluster), in the deployment's order.

    A DNS record that several clusters' fixes need is one piece of work: it is described in the
    first plan that needs it, and the later plans point there (:attr:`Step.see`).
    """
    ptr = frozenset(
        (need.name.lower(), need.address) for f in findings if f.fix for need in f.fix.dns if need.reverse
    )
    known = replace(_known(deployment), ptr_needed=ptr)
    by_cluster: dict[str | None, list[Finding]] = {c.name: [] for c in deployment.clusters}
    for finding in findings:
        by_cluster.setdefault(finding.cluster, []).append(finding)
    plans: dict[str | None, Plan] = {}
    listed: dict[str, tuple[str | None, int]] = {}
    for cluster, found in by_cluster.items():
        if not found:  # a clean cluster (often a third of them): nothing to plan
            plans[cluster] = Plan()
            continue
        plan = _build(found, known, one_cluster=True)
        steps = []
        for number, step in enumerate(plan.steps, start=1):
            shared = step.phase is Phase.DNS and step.fix is None
            if shared and step.action in listed:
                see = listed[step.action]
                steps.append(
                    Step(step.phase, step.action, step.where, step.fix, step.findings, step.done, see)
                )
                continue
            if shared:
                listed[step.action] = (cluster, number)
            steps.append(step)
        plans[cluster] = Plan(tuple(steps))
    return plans


def _build(findings: Iterable[Finding], known: _Known | None, one_cluster: bool = False) -> Plan:
    """The plan of ``findings``; ``one_cluster`` when they are all of one cluster (or all of none)."""
    merged: dict[Fix, list[Finding]] = {}
    for finding in findings:
        if finding.fix is not None:
            merged.setdefault(finding.fix, []).append(finding)
    order = known.order if known else {}
    rest, replacements = _one_per_certificate(merged)
    # the DNS rules' own fixes are the records the derived DNS steps create: said once, there
    rest = {fix: found for fix, found in rest.items() if not (fix.phase is Phase.DNS and fix.dns)}
    steps = [Step(fix.phase, fix.action, fix.where, fix, tuple(found)) for fix, found in rest.items()]
    steps += replacements
    steps += _dns_steps(merged, known)
    last = len(order)

    def position(step: Step) -> tuple[Phase, int, bool, str]:
        """The phase, the first of the step's clusters in the deployment's order (the same for every step
        of a cluster's own plan), a publisher's rename after its subscribers' (Cisco's order for IM and
        Presence nodes; for CUCM nodes modelled, see the README), the action."""
        first = (
            0
            if one_cluster
            else min((order.get(f.cluster, last) for f in step.findings if f.cluster), default=-1)
        )
        return step.phase, first, step.fix is not None and step.fix.after_subscribers, step.action

    steps.sort(key=position)
    return Plan(tuple(_once_per_cluster(steps)))


def _once_per_cluster(steps: list[Step]) -> list[Step]:
    """``steps``, with the sub-steps that every change of one setting in one cluster shares said once:
    those that open the procedure by the first of those changes, those that close it (restart the
    services, check the result) by the last, each pointed to from the others.

    Two renames of CUCM nodes each end with restarting Cisco TFTP and Cisco CallManager on every node:
    carried out as written, that is two cluster-wide restarts where one, after both renames, does. The
    location says how many of its steps are the cluster's (:attr:`Fix.once_per_cluster`); they are
    shared only when every change of the group words them alike."""
    groups: dict[tuple[str, str | None, tuple[str, ...], tuple[int, int]], list[int]] = {}
    for index, step in enumerate(steps):
        fix = step.fix
        if fix is not None and fix.once_per_cluster != (0, 0):
            groups.setdefault((fix.where, fix.field, step.clusters, fix.once_per_cluster), []).append(index)
    for (_, _, _, (opening, closing)), members in groups.items():
        if len(members) < 2:
            continue  # one change: it says its procedure in full
        procedures = [cast(Fix, steps[i].fix).steps for i in members]
        ends = {(p[:opening], p[len(p) - closing :]) for p in procedures}
        if len(ends) != 1 or min(map(len, procedures)) <= opening + closing:
            continue  # procedures not worded alike: each says its own in full
        numbers = [index + 1 for index in members]
        together = f"steps {', '.join(map(str, numbers[:-1]))} and {numbers[-1]}"
        for index in members:
            step = steps[index]
            fix = cast(Fix, step.fix)
            said = list(fix.steps)
            for at, owner in [(at, 0) for at in range(opening)] + [
                (at, -1) for at in range(len(said) - closing, len(said))
            ]:
                mine = members[owner] == index
                elsewhere = "Already in" if owner == 0 else "Left to"  # done before this step, or after
                said[at] = (
                    f"Once for {together}: {said[at]}"
                    if mine
                    else f"{elsewhere} step {numbers[owner]} (once for {together}): {said[at]}"
                )
            window = (
                f"Carry out {together} in one maintenance window: the sub-steps they share are done once."
            )
            impact = f"{fix.impact} {window}" if fix.impact else window
            fix = replace(fix, steps=tuple(said), impact=impact)
            steps[index] = Step(step.phase, step.action, step.where, fix, step.findings, step.done, step.see)
    return steps


def _one_per_certificate(merged: dict[Fix, list[Finding]]) -> tuple[dict[Fix, list[Finding]], list[Step]]:
    """Every demand on one certificate becomes one step: one new certificate must meet them all.

    A fix whose renewals are all optional (a chain to mend, a subject to align) joins the steps of
    its certificates only when each of them is replaced anyway; otherwise it stays a step itself.
    """
    required: dict[str, list[Renewal]] = {}
    for fix in merged:
        for r in fix.renewals:
            if r.required:
                required.setdefault(r.certificate, []).append(r)
    merges: dict[tuple[Renewal, ...], Renewal] = {}

    def merge(renewals: list[Renewal]) -> Renewal:  # the same renewals are merged twice: once suffices
        key = tuple(renewals)
        if key not in merges:
            merges[key] = renewal.merge(renewals)
        return merges[key]

    csr: dict[str, bool] = {}

    def requested(certificate: str) -> bool:
        """Whether the certificate's required renewals ask for a CA-signed successor (asked only of an
        optional renewal that would request one: most certificates have none)."""
        if certificate not in csr:
            csr[certificate] = renewal.requests(merge(required[certificate]))
        return csr[certificate]

    groups: dict[str, tuple[list[Renewal], list[Finding], list[str], list[DnsNeed]]] = {}
    rest: dict[Fix, list[Finding]] = {}
    for fix, found in merged.items():
        if not fix.renewals or not all(r.certificate in required for r in fix.renewals):
            rest[fix] = found
            continue
        for r in fix.renewals:
            renewals, findings, preconditions, dns = groups.setdefault(r.certificate, ([], [], [], []))
            if not r.required and r.request and not requested(r.certificate):
                renewals.append(renewal.as_alternative(r))  # a recommendation keeps the cluster's method
            else:
                renewals.append(r)
            findings += found
            preconditions += fix.preconditions
            dns += fix.dns
    whole = {key: merge(group[0]) for key, group in groups.items()}
    notes = renewal.one_per_fqdn(list(whole.values()))
    steps = []
    for key, (_, findings, preconditions, dns) in groups.items():
        successor = whole[key]
        if key in notes:
            successor = replace(successor, notes=(*successor.notes, notes[key]))
        fix = renewal.fix(successor, dict.fromkeys(preconditions), dict.fromkeys(dns))
        steps.append(Step(fix.phase, fix.action, fix.where, fix, once(findings)))
    return rest, steps


def _dns_steps(merged: dict[Fix, list[Finding]], known: _Known | None) -> list[Step]:
    """One step per record the fixes need, with every finding whose fix needs it (the DNS rules' own
    fixes included), worded by what DNS answered at collection: create, or correct what is there."""
    needs: dict[tuple[str, str], list[Finding]] = {}
    reverse: set[tuple[str, str]] = set()
    """The records that need their PTR record too."""
    for fix, found in merged.items():
        for need in fix.dns:
            key = (need.name.lower(), need.address)
            needed = needs.get(key)
            if needed is None:
                needed = needs[key] = []
                if known and key in known.ptr_needed:
                    reverse.add(key)
            if need.reverse:
                reverse.add(key)
            needed += found
    steps = []
    for key, found in needs.items():
        name, address = key
        action, done = _dns_action(name, address, key in reverse, known)
        steps.append(Step(Phase.DNS, action, _DNS_SERVERS, None, once(found), done))
    return steps


_DNS_SERVERS = "the DNS servers the nodes and the Jabber clients use"
"""Where every DNS step is carried out."""


def _dns_action(name: str, address: str, ptr: bool, known: _Known | None) -> tuple[str, bool]:
    """What to do on the DNS servers for the record ``name`` → ``address`` (and its PTR record, with
    ``ptr``), and whether the answers at collection show it done.

    Worded by what DNS answered at collection: create a record DNS said does not exist, correct one it
    answered otherwise; a record DNS was not asked about (a snapshot without that answer, or a JSON
    report, which holds none) is checked for and created if missing, never said to be missing."""
    kind = "AAAA" if ":" in address else "A"
    records = f"{kind} record {name} → {address}" + (f" and its PTR record {address} → {name}" if ptr else "")
    asked = known.asked if known else frozenset()
    held = known.forward.get(name, frozenset()) if known else frozenset()
    # what each record needs: None (in place), "create", "check" (DNS was not asked), or the sentence
    forward: str | None = None
    if held and address not in held:
        forward = f"Point the {kind} record {name} at {address} (it answers {', '.join(sorted(held))})"
    elif not held:
        forward = "create" if (kind, name) in asked else "check"
    reverse: str | None = None
    back = (known.reverse.get(address, frozenset()) if known else frozenset()) if ptr else frozenset({name})
    if back and name not in back:
        reverse = f"correct the PTR record of {address} to {name} (it names {', '.join(sorted(back))})"
    elif not back:
        reverse = "create" if ("PTR", address) in asked else "check"
    if forward is None and reverse is None:  # in place: name the records, ask for nothing
        return records, True
    if forward == reverse == "create" or (forward == "create" and not ptr):
        return f"Create an {records}", False
    if forward == reverse == "check" or (forward == "check" and not ptr):
        missing = "what is missing" if ptr else "it if it is missing"
        return f"Check for an {records}, and create {missing}", False
    parts = []
    if forward is not None:
        parts.append(
            {
                "create": f"Create an {kind} record {name} → {address}",
                "check": f"Check for an {kind} record {name} → {address} (create it if it is missing)",
            }.get(forward, forward)
        )
    if reverse is not None:
        parts.append(
            {
                "create": f"create the PTR record {address} → {name}",
                "check": f"check for the PTR record {address} → {name} (create it if it is missing)",
            }.get(reverse, reverse)
        )
    sentence = ", and ".join(parts)
    return sentence[0].upper() + sentence[1:], False


@records.record
class _Known:
    """What plans need from a deployment, indexed once: cluster order and the DNS answers."""

    deployment: Deployment
    order: dict[str, int]
    forward: dict[str, frozenset[str]]
    """Every name (lower case) DNS answered an A or AAAA record for, with its addresses."""
    reverse: dict[str, frozenset[str]]
    """Every address DNS answered a PTR record for, with the names (lower case, no trailing dot)."""
    asked: frozenset[tuple[str, str]]
    """(type, name) of every A, AAAA and PTR question DNS was asked at collection, answered or not (names
    of A and AAAA records in lower case, without a trailing dot; PTR records by their address)."""
    ptr_needed: frozenset[tuple[str, str]] = frozenset()
    """(name, address) of every record some fix of the report needs a PTR record for: so that every
    cluster's plan describes one DNS record the same way."""


def _known(deployment: Deployment) -> _Known:
    forward: dict[str, set[str]] = {}
    reverse: dict[str, set[str]] = {}
    asked: set[tuple[str, str]] = set()
    for record in deployment.dns:
        if record.type in ("A", "AAAA"):
            name = record.name.lower().rstrip(".")
            asked.add((record.type, name))
            if record.answers:
                forward.setdefault(name, set()).update(record.answers)
        elif record.type == "PTR":
            asked.add(("PTR", record.name))
            if record.answers:
                reverse.setdefault(record.name, set()).update(a.lower().rstrip(".") for a in record.answers)
    return _Known(
        deployment,
        {c.name: i for i, c in enumerate(deployment.clusters)},
        {name: frozenset(found) for name, found in forward.items()},
        {address: frozenset(found) for address, found in reverse.items()},
        frozenset(asked),
    )
