"""The runbook: the plan's phases as maintenance windows, each step a checkbox with what it takes.

Every step says what must be true first, what it costs (which service restarts, who notices), how
to verify it, with the exact command (``confcheck cert`` against the endpoint that was met,
``nslookup`` for a DNS record, ``confcheck audit --select`` for the rule families it resolves),
and how to back it out. The runbook is data (:class:`Runbook`); this module writes it as Markdown
and :func:`confcheck.reports.html.runbook_page` as HTML, from the same data.

Rollback texts are confcheck's own advice, not Cisco's: what undoes a setting is the old value, a
rename is undone by renaming back, and a replaced certificate is not put back but replaced again.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from typing import Literal

from confcheck import __version__, records, renewal
from confcheck.catalog import Catalog
from confcheck.errors import one_line
from confcheck.findings import DnsNeed, Phase, Renewal
from confcheck.model import Deployment, DnsRecord, Endpoint, Node
from confcheck.plan import Plan, Step
from confcheck.reports import markdown as md
from confcheck.rules.trust import CLIENT_WHERE

Kind = Literal["audit", "dns", "certificate", "rename", "set", "xmpp", "clients", "other"]

SUMMARIES = {
    Phase.AUDIT: "Nothing changes on the servers: complete the audit, so that the plan covers every server.",
    Phase.DNS: "DNS records only; no server restarts. Let the records reach every DNS server and expire from "
    "caches (their TTL) before the next window.",
    Phase.CERTIFICATES: "Each step restarts the service of the certificate it replaces, on that node only: tell "
    "the users of that service.",
    Phase.NODE_NAMES: "Renames restart services across the cluster (each step says which): the most disruptive "
    "window. Prove the changes offline first (see above).",
    Phase.CLIENT_SETTINGS: "Settings Jabber reads at sign-in: users pick them up when they sign in again.",
    Phase.XMPP_DOMAIN: "IM and presence pause on each node while its XCP services restart.",
}
SCHEMES = {"https": "https", "tls": "tls", "xmpp-client": "xmpp", "imap": "imap", "imaps": "imaps"}


@records.record
class Check:
    """One way to verify a step: what to look for, and the command that shows it (if any)."""

    text: str
    argv: tuple[str, ...] = ()

    @property
    def command(self) -> str:
        """The command as a shell line: each argument quoted, control characters made visible."""
        return " ".join(shlex.quote(a if a.isprintable() else one_line(a)) for a in self.argv)


@records.record
class Item:
    """One step of the plan as a checkbox of the runbook."""

    number: int
    action: str
    kind: Kind
    clusters: tuple[str, ...]
    where: str
    done: bool
    preconditions: tuple[str, ...]
    procedure: tuple[str, ...]
    impact: str
    verify: tuple[Check, ...]
    rollback: tuple[str, ...]
    resolves: tuple[str, ...]


@records.record
class Window:
    """One phase of the plan: one maintenance window."""

    number: int
    phase: Phase
    summary: str
    items: tuple[Item, ...]

    @property
    def title(self) -> str:
        """``Window 2: certificates``."""
        return f"Window {self.number}: {self.phase.title}"


@records.record
class Runbook:
    """The whole runbook."""

    source: str
    windows: tuple[Window, ...]
    prove: Check | None
    """How to prove the change file before the windows that change settings."""
    notes: tuple[str, ...] = ()


class Context:
    """What the runbook needs besides the plan, with the deployment indexed once for its lookups."""

    def __init__(self, deployment: Deployment, catalog: Catalog, config: str, endpoints: bool) -> None:
        self.deployment = deployment
        self.catalog = catalog
        self.config = config
        """The inventory path the audit commands name."""
        self.endpoints = endpoints
        """Whether the deployment holds endpoints (a snapshot) or only cluster names (a JSON report)."""
        self.nodes: dict[tuple[str | None, str], Node] = {}
        for cluster in deployment.clusters:
            for node in cluster.nodes:
                self.nodes.setdefault((cluster.name, node.name.lower()), node)
        for node in deployment.externals:
            self.nodes.setdefault((None, node.name.lower()), node)
        self.answers: dict[tuple[str, str], list[DnsRecord]] = {}
        """(type group, name) -> records: ("A", name) for A and AAAA, ("PTR", address)."""
        for record in deployment.dns:
            if record.answers and record.type in ("A", "AAAA", "PTR"):
                group = "PTR" if record.type == "PTR" else "A"
                name = record.name if group == "PTR" else record.name.lower().rstrip(".")
                self.answers.setdefault((group, name), []).append(record)


def build(plan: Plan, ctx: Context, source: str, prove: Check | None, notes: Sequence[str] = ()) -> Runbook:
    """The runbook of ``plan``: one window per phase, one item per step, numbered as the plan is."""
    numbers = {id(step): number for number, step in enumerate(plan.steps, start=1)}  # plan.number is a scan
    windows = []
    for number, (phase, steps) in enumerate(plan.by_phase(), start=1):
        items = tuple(_item(numbers[id(s)], s, ctx) for s in steps)
        windows.append(Window(number, phase, SUMMARIES[phase], items))
    return Runbook(source, tuple(windows), prove, tuple(notes))


def _item(number: int, step: Step, ctx: Context) -> Item:
    kind = _kind(step, ctx.catalog)
    fix = step.fix
    preconditions = fix.preconditions if fix else ()
    if kind == "dns":
        impact = "No restart: servers and clients see the records once their caches expire."
        if step.done:
            impact = "Nothing to do: DNS already answered so at collection. Verify it still does."
    elif kind == "audit":
        impact = "None on the servers."
    else:
        impact = fix.impact if fix and fix.impact else "No restart recorded for this step."
    return Item(
        number=number,
        action=step.action,
        kind=kind,
        clusters=step.clusters,
        where=step.where + (f" \u2014 {fix.field}" if fix and fix.field else ""),
        done=step.done,
        preconditions=preconditions,
        procedure=fix.steps if fix else (),
        impact=impact,
        verify=tuple(_verify(kind, step, ctx)),
        rollback=tuple(_rollback(kind, step, ctx)),
        resolves=tuple(dict.fromkeys(f"{f.rule} {f.value or f.node or ''}".strip() for f in step.findings)),
    )


def _kind(step: Step, catalog: Catalog) -> Kind:
    fix = step.fix
    if fix is None or (step.phase is Phase.DNS and not fix.renewals):
        return "dns"
    if step.phase is Phase.AUDIT:
        return "audit"
    if step.phase is Phase.XMPP_DOMAIN:
        return "xmpp"
    if fix.where == CLIENT_WHERE:
        return "clients"
    if any(_replaced(r) for r in fix.renewals):
        return "certificate"
    if fix.current and fix.proposed and not fix.renewals:
        for finding in step.findings:
            entry = catalog.location(finding.location) if finding.location else None
            if entry is not None and entry[1].target.scope != "cluster":
                return "rename" if entry[1].target.scope == "node" else "set"
    return "other"


def _replaced(r: Renewal) -> bool:
    """A renewal the step carries out (required, or Cisco's recommended move to a CA)."""
    return r.required or (r.self_signed and r.request)


# --- verification ---------------------------------------------------------------------------


def _audit(ctx: Context, step: Step) -> Check:
    families = sorted({f.rule[:3] for f in step.findings if f.rule.startswith("CC")}) or ["CC"]
    return Check(
        f"confcheck no longer reports {', '.join(families)} findings for what this step fixed",
        ("confcheck", "audit", "--config", ctx.config, "--select", ",".join(families)),
    )


def _verify(kind: Kind, step: Step, ctx: Context) -> list[Check]:
    fix = step.fix
    checks: list[Check] = []
    if kind == "dns":
        for need in _needs(step):
            checks.append(Check(f"{need.name} answers {need.address}", ("nslookup", need.name)))
            if need.reverse:
                checks.append(Check(f"{need.address} answers {need.name}", ("nslookup", need.address)))
        return [*checks, _audit(ctx, step)]
    if kind == "certificate" and fix is not None:
        for r in fix.renewals:
            if _replaced(r) and (check := _certificate_check(r, ctx)) is not None:
                checks.append(check)
    if kind == "xmpp":
        for finding in step.findings:
            if finding.cluster and finding.node and finding.value:
                endpoint = _endpoint(ctx, finding.cluster, finding.node, "cup-xmpp")
                url = _url(endpoint) or f"xmpp://{finding.node}:5222"
                checks.append(
                    Check(
                        f"the cup-xmpp certificate of {finding.node} identifies {finding.value}",
                        ("confcheck", "cert", url, "--name", finding.value, "--profile", "xmpp"),
                    )
                )
    if kind == "clients":
        checks.append(
            Check(
                "On a Windows client, certmgr.msc lists the root under Trusted Root Certification Authorities. "
                "Add it to [check] trust_store too, so that confcheck judges the chains as the clients do"
            )
        )
    return [*dict.fromkeys(checks), _audit(ctx, step)]


def _certificate_check(r: Renewal, ctx: Context) -> Check | None:
    """``confcheck cert`` against the endpoint that presents the certificate, with the name it must match."""
    endpoint = _endpoint(ctx, r.cluster, r.node, r.purpose)
    xmpp = r.purpose.lower().startswith("cup-xmpp")
    name = (r.automatic[0] if xmpp and r.automatic else None) or (r.names[0] if r.names else r.fqdn) or r.node
    host = r.fqdn or r.node
    url = _url(endpoint) or {"tomcat": f"https://{host}:8443", "cup-xmpp": f"xmpp://{host}:5222"}.get(
        r.purpose
    )
    if url is None:
        return None
    if renewal.requests(r):
        signer = f"leads to {r.signer}" if r.signer else "leads to the CA that signed it"
    else:
        signer = "is the regenerated self-signed one"
    argv = ("confcheck", "cert", url, "--name", name) + (("--profile", "xmpp") if xmpp else ())
    return Check(
        f"{r.node} presents the new {r.purpose} certificate: {name} matches and the chain {signer}", argv
    )


def _endpoint(ctx: Context, cluster: str | None, node: str, purpose: str) -> Endpoint | None:
    if not ctx.endpoints:
        return None
    found = ctx.nodes.get((cluster, node.lower()))
    return found.endpoint(purpose) if found else None


def _url(endpoint: Endpoint | None) -> str | None:
    if endpoint is None or endpoint.protocol not in SCHEMES:
        return None
    host = f"[{endpoint.host}]" if ":" in endpoint.host else endpoint.host
    return f"{SCHEMES[endpoint.protocol]}://{host}:{endpoint.port}"


def _needs(step: Step) -> list[DnsNeed]:
    """The DNS records a DNS step creates: those of its findings' fixes its action names."""
    action = step.action.lower()
    found: dict[tuple[str, str], DnsNeed] = {}
    for finding in step.findings:
        for need in finding.fix.dns if finding.fix else ():
            if f"{need.name.lower()} \u2192 {need.address}" in action or (
                need.name.lower() in action and need.address in action
            ):
                key = (need.name.lower(), need.address)
                found[key] = DnsNeed(
                    need.name, need.address, need.reverse or (key in found and found[key].reverse)
                )
    return list(found.values())


# --- rollback -------------------------------------------------------------------------------


def _rollback(kind: Kind, step: Step, ctx: Context) -> list[str]:
    fix = step.fix
    if kind == "audit":
        return ["Nothing to roll back: this step changes nothing on the servers."]
    if kind == "dns":
        if step.done:
            return ["Nothing to roll back: nothing was changed."]
        if fix is not None:  # a record to correct (a service record), not one the fixes need created
            return ["Point the records back to what they answered at collection."]
        return [f"Delete the records this step created{_before(step, ctx)}."]
    assert fix is not None
    if kind in ("rename", "set"):
        field = f"'{fix.field}'" if fix.field else "the setting"
        if kind == "rename":
            return [
                f"Rename it back: change {field} from {fix.proposed} to {fix.current} with the same procedure "
                "(it costs the same restarts)."
            ]
        return [f"Set {field} back to {fix.current}; users pick it up when they sign in again."]
    if kind == "certificate":
        return [_certificate_rollback(r) for r in fix.renewals if _replaced(r)]
    if kind == "clients":
        return [
            "Remove the certificate from the Group Policy object and the device-management profiles that distribute it."
        ]
    if kind == "xmpp":
        return [
            "Revert the settings the procedure changed, in reverse order, then regenerate the cup-xmpp "
            "certificates and restart the services the same way: the certificates it replaced cannot be put back."
        ]
    return ["Undo what the procedure changed, in reverse order, with the same restarts."]


def _certificate_rollback(r: Renewal) -> str:
    if r.trust_store is None:
        return (
            f"Keep a copy of the certificate and key {r.node} uses now before you replace them; to back out, put "
            "them back and restart the service."
        )
    regenerate = r.regenerate.removeprefix("CLI: ") if r.regenerate else f"a new self-signed {r.purpose}"
    return (
        f"To back out, regenerate a self-signed {r.purpose} certificate on {r.node} ({regenerate}) and restart the "
        "service as above: clients then prompt until they trust it. The certificate it replaced cannot be put "
        "back unless you kept its private key."
    )


def _before(step: Step, ctx: Context) -> str:
    """What DNS answered at collection for the names and addresses the step touches."""
    if not ctx.endpoints:
        return ""
    answers = []
    for need in _needs(step):
        records = ctx.answers.get(("A", need.name.lower().rstrip(".")), [])
        records += ctx.answers.get(("PTR", need.address), [])
        answers += [f"{record.name} {record.type} {', '.join(record.answers)}" for record in records]
    if not answers:
        return ""
    return "; where it changed a record, put back what DNS answered at collection: " + "; ".join(
        dict.fromkeys(answers)
    )


# --- Markdown ---------------------------------------------------------------------------------

_PLAIN = str.maketrans({**{c: "\\" + c for c in "\\`*_[]|~#"}, "&": "&amp;", "<": "&lt;", ">": "&gt;"})


def escape(text: str) -> str:
    """:func:`confcheck.reports.markdown.escape`, at C speed for the usual printable text.

    For printable text that function only backslashes Markdown punctuation and writes ``& < >`` as
    references, which one ``str.translate`` does; anything else (control or invisible characters)
    goes through it. A 3,000-cluster runbook escapes a hundred thousand values.
    """
    return text.translate(_PLAIN) if text.isprintable() else md.escape(text)


def markdown(book: Runbook) -> str:
    """The runbook as GitHub-flavoured Markdown, every value escaped, commands in fenced blocks."""
    lines = [
        "# Runbook",
        "",
        f"Made by confcheck {escape(__version__)} from {escape(book.source)}.",
        "",
        "One section per maintenance window, in order; start a window only when every box of the one before "
        "it is ticked. Tick a step once its verification passes.",
    ]
    lines += ["", *(f"- {escape(n)}" for n in book.notes)] if book.notes else []
    if not book.windows:
        return "\n".join(
            [*lines, "", "Nothing to fix: the findings carry no fix, so there is no step to take.", ""]
        )
    if book.prove is not None:
        lines += ["", f"Before any window: {escape(book.prove.text)}.", "", *_fenced(book.prove.command)]
    for window in book.windows:
        lines += ["", f"## {escape(window.title)}", "", escape(window.summary)]
        for item in window.items:
            lines += ["", *_item_lines(item)]
    return "\n".join(lines) + "\n"


def _item_lines(item: Item) -> list[str]:
    box = "[x]" if item.done else "[ ]"
    head = f"- {box} **Step {item.number}. {escape(item.action)}**"
    if item.done:
        head += " \u2014 already in place at collection"
    body = [f"Where: {escape(item.where)}"]
    if item.clusters:
        body[0] += f" \u00b7 Clusters: {escape(', '.join(item.clusters))}"
    if item.preconditions:
        body += ["", "Before you start:", *(f"- {escape(p)}" for p in item.preconditions)]
    if item.procedure:
        body += ["", "Procedure:", *(f"{i}. {escape(p)}" for i, p in enumerate(item.procedure, start=1))]
    body += ["", f"Impact: {escape(item.impact)}"]
    body += ["", "Verify:"]
    for check in item.verify:
        body += ["", f"{escape(check.text)}" + (":" if check.argv else ".")]
        if check.argv:
            body += ["", *_fenced(check.command)]
    body += ["", "Roll back:", *(f"- {escape(r)}" for r in item.rollback)]
    if item.resolves:
        body += ["", f"Resolves: {escape(', '.join(item.resolves))}"]
    return [head, "", *(("  " + line) if line else "" for line in body)]


def _fenced(command: str) -> list[str]:
    """A fenced code block that no backtick run inside ``command`` can close."""
    fence = "`" * max(3, _longest_backticks(command) + 1)
    return [f"{fence}sh", command, fence]


def _longest_backticks(text: str) -> int:
    best = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        best = max(best, run)
    return best
