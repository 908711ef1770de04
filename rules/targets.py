"""CC2xx: references that cannot be checked, because their server is unknown or showed no certificate."""

from __future__ import annotations

from collections.abc import Iterator

from confcheck import hookimpl
from confcheck.engine import Context
from confcheck.findings import Finding, Fix, Phase, Severity
from confcheck.rule import Rule, rule
from confcheck.rules._fixes import node_label, purpose_title, setting_label, subject


@rule("CC201", "unknown-target", Severity.WARNING)
def unknown_target(ctx: Context) -> Iterator[Finding]:
    """A configured server name points to no server confcheck knows.

    ## What it checks
    Every setting that names a server (TFTP, CCMCIP, voicemail, mail store, conferencing, IM and
    Presence server) whose value is neither the configured name, FQDN, host name or address of
    a node in the snapshot, nor an external server, nor resolved by a recorded DNS answer to one.

    ## Why it matters
    A name that cannot be tied to a server cannot be checked: it may be a typo, a decommissioned
    server, or a server missing from the inventory. Clients sent there fail or prompt.

    ## Example
    The voicemail UC service names `cuc-old.example.com`, but the inventory's Unity Connection
    cluster has only `cuc1.example.com`.

    ## How to fix
    Correct the setting, or add the server (cluster or external endpoint) to the inventory and
    collect again.
    """
    for check in ctx.checks:
        if check.targets or check.problem is None:
            continue
        ref = check.reference
        yield check.finding(
            f"{subject(check)} names no server in the snapshot: {check.problem}.",
            fix=Fix(
                phase=Phase.AUDIT,
                action=f"Correct {setting_label(check)}, or add the server {ref.value} to the inventory",
                where=ref.where,
                field=ref.location.field,
                current=ref.value,
            ),
        )


@rule("CC202", "no-certificate", Severity.ERROR)
def no_certificate(ctx: Context) -> Iterator[Finding]:
    """The server a configured name points to presented no certificate to check.

    ## What it checks
    Every reference whose target server is known but has no endpoint for the certificate the
    reference needs (Tomcat, cup-xmpp, mail store, conferencing), or whose endpoint could not
    be reached or completed no TLS handshake at collection time.

    ## Why it matters
    The name cannot be checked, so the audit is incomplete: confcheck exits with code 3. The
    server may also be down or unreachable for clients.

    ## Example
    CUCM's voicemail UC service names `cuc1.example.com`, and HTTPS to cuc1 port 8443 timed out
    during collection.

    ## How to fix
    Make the endpoint reachable from where confcheck runs (firewall, service state) and collect
    again.
    """
    for check in ctx.checks:
        for target in check.targets:
            if target.match is not None:
                continue
            purpose = purpose_title(check.reference.location.target.purpose)
            endpoint, node = target.endpoint, node_label(target.node)
            if endpoint is None:
                why = f"no {purpose} endpoint of {node} was collected"
            elif endpoint.error is not None:
                why = (
                    f"{purpose} at {endpoint.host}:{endpoint.port} ({node}) failed: {endpoint.error.message}"
                )
            else:
                why = f"{purpose} at {endpoint.host}:{endpoint.port} ({node}) presented no certificate"
            yield check.finding(
                f"{subject(check)} cannot be checked: {why}.",
                target,
                Fix(
                    phase=Phase.AUDIT,
                    action=f"Make the {purpose} endpoint of {node} reachable and collect again",
                    where="confcheck inventory and network path",
                ),
                [("error kind", endpoint.error.kind)] if endpoint and endpoint.error else [],
            )


RULES: tuple[Rule, ...] = (unknown_target, no_certificate)


@hookimpl
def confcheck_rules() -> list[Rule]:
    return list(RULES)
