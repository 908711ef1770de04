"""CC2xx: references that cannot be checked, because their server is unknown or showed no certificate."""

from __future__ import annotations

from collections.abc import Iterator

from confcheck import hookimpl
from confcheck.engine import Context
from confcheck.findings import Finding, Fix, Phase, Severity
from confcheck.model import NOT_FETCHED
from confcheck.rule import Rule, rule
from confcheck.rules._fixes import node_label, purpose_title, setting_label, subject


@rule("CC201", "unknown-target", Severity.WARNING)
def unknown_target(ctx: Context) -> Iterator[Finding]:
    """A configured server name points to no server confcheck knows.

    ## What it checks
    Every setting that names a server (TFTP, CCMCIP, voicemail, mail store, conferencing, IM and
    Presence server, CUCM 10.x UC services and Jabber Client Configuration parameters) whose value
    is neither the configured name, FQDN, host name or address of a node in the snapshot, nor an
    external server, nor resolved by a recorded DNS answer to one. CTI names (UC service CTI,
    `CtiServer1`) meet no certificate, but must still lead to a CUCM node; a value that is no host
    name or address at all (`cuc1:8443`, a URL) is reported here too, saying so. Directory (LDAP)
    names are recorded only.

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

    Also every reference whose server confcheck chose not to connect to: a setting read off a
    server named a port Jabber does not use for that kind of server, or a host outside the
    inventory's networks and `[collect] allow` (error kind `not-fetched`).

    ## Why it matters
    The name cannot be checked. When the endpoint could not be reached, the audit is incomplete:
    confcheck exits with code 3, and the server may also be down or unreachable for clients. A
    server not fetched on purpose leaves the audit complete (collecting again would change
    nothing): the finding says why, and what to allow if the server is yours.

    ## Example
    CUCM's voicemail UC service names `cuc1.example.com`, and HTTPS to cuc1 port 8443 timed out
    during collection.

    ## How to fix
    Make the endpoint reachable from where confcheck runs (firewall, service state) and collect
    again. For a server not fetched: if it is yours, add it to `[collect] allow` (or name it in
    `[[external]]` with its URL, for another port) and collect again; if not, correct the setting.
    """
    for check in ctx.checks:
        for target in check.targets:
            if target.match is not None:
                continue
            purpose = purpose_title(check.reference.location.target.purpose)
            endpoint, node = target.endpoint, node_label(target.node)
            if endpoint is not None and endpoint.error is not None and endpoint.error.kind == NOT_FETCHED:
                yield check.finding(
                    f"{subject(check)} cannot be checked: {purpose} at {endpoint.host}:{endpoint.port} "
                    f"({node}) was {endpoint.error.message}.",
                    target,
                    Fix(
                        phase=Phase.AUDIT,
                        action=(
                            f"If {node} is yours, allow it in confcheck.toml and collect again; "
                            f"if not, correct {setting_label(check)}"
                        ),
                        where="confcheck.toml [collect] allow or [[external]], and the setting",
                    ),
                    [("error kind", NOT_FETCHED)],
                )
                continue
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


@rule("CC203", "collection-failed", Severity.ERROR)
def collection_failed(ctx: Context) -> Iterator[Finding]:
    """Part of the deployment could not be collected.

    ## What it checks
    Every problem recorded while collecting: a failed AXL or admin-page login, an AXL service
    that throttled until confcheck gave up, a publisher that did not answer, a page that could
    not be read. Whatever was collected is still checked; this finding says what was not.

    ## Why it matters
    Settings that were never read cannot be checked: a clean report of an incomplete collection
    would be a false all-clear. confcheck exits with code 3 whenever this rule fires.

    ## Example
    The AXL password of `hq-cucm` is wrong: HTTP 401 from `https://10.0.0.11:8443/axl/`.

    ## How to fix
    Fix what the message names (credentials, the AXL or admin role of the account, the network
    path, the TLS trust settings in confcheck.toml) and collect again.
    """
    clusters = {c.name: c for c in ctx.deployment.clusters}
    for problem in ctx.deployment.problems:
        cluster = clusters.get(problem.cluster or "")
        yield Finding(
            f"{problem.cluster or 'Collection'}: {problem.message}",
            cluster=problem.cluster,
            product=cluster.product if cluster else None,
            version=cluster.version if cluster else None,
            value=problem.kind,
            fix=Fix(
                phase=Phase.AUDIT,
                action=f"Fix the {problem.kind} problem and collect again",
                where="confcheck.toml and the account, network and TLS settings it names",
            ),
        )


@rule("CC204", "server-not-met", Severity.ERROR)
def server_not_met(ctx: Context) -> Iterator[Finding]:
    """A server could not be met at collection, and no configured name led there.

    ## What it checks
    Every endpoint of every node and external server that presented no certificate because it
    could not be reached, resolved or completed a handshake, when no reference's check (CC202)
    already says so: nodes that no setting names, such as Unity Connection subscribers or an IM
    and Presence node no UC service points to.

    ## Why it matters
    The server's certificate was not checked, so the audit is incomplete and confcheck exits
    with code 3: a report that stayed silent about it would read as a clean bill of health. The
    server may also be down, or unreachable for clients.

    ## Example
    The inventory lists Unity Connection subscriber `cuc2.example.com`; HTTPS to it on port 8443
    was refused during collection.

    ## How to fix
    Make the endpoint reachable from where confcheck runs (name resolution, firewall, service
    state) or correct the inventory, and collect again.
    """
    reported = {
        (id(target.node), target.endpoint.purpose)
        for check in ctx.checks
        for target in check.targets
        if target.endpoint is not None and target.match is None
    }
    for cluster, node, endpoint in ctx.unmet:
        if (id(node), endpoint.purpose) in reported:
            continue  # CC202 says it, for the name that led there
        assert endpoint.error is not None
        purpose = purpose_title(endpoint.purpose)
        where = (
            f"{endpoint.host}:{endpoint.port}"
            if ":" not in endpoint.host
            else f"[{endpoint.host}]:{endpoint.port}"
        )
        yield Finding(
            f"{node_label(node)} was not met: {purpose} at {where} failed ({endpoint.error.message}), "
            "so its certificate is not checked.",
            cluster=cluster.name if cluster else None,
            product=cluster.product if cluster else None,
            version=cluster.version if cluster else None,
            node=node.name,
            subject=f"{node.name} {endpoint.purpose}",
            evidence=(("error kind", endpoint.error.kind),),
            fix=Fix(
                phase=Phase.AUDIT,
                action=f"Make the {purpose} endpoint of {node_label(node)} reachable and collect again",
                where="confcheck inventory and network path",
            ),
        )


@rule("CC205", "unused-uc-service", Severity.INFO)
def unused_uc_service(ctx: Context) -> Iterator[Finding]:
    """A UC service names servers, but no service profile hands it to Jabber.

    ## What it checks
    Every UC service of a CUCM 10.x or later cluster that names a server (its Host Name/IP
    Address, or a server-naming parameter of a Jabber Client Configuration service, 12.5 and
    later) and that no service profile lists: neither as primary, secondary or tertiary service
    nor as the common, desktop or mobile Jabber configuration. Its names are not checked against
    certificates: no client is given them.

    ## Why it matters
    Jabber learns its UC services only from its user's service profile, so a service in no
    profile is dead configuration: a mismatch in it makes no client prompt today. It is worth
    knowing because adding it to a profile later brings its names to every user of that profile
    at once, unchecked by anyone.

    ## Example
    The UC service `VM-OLD` (Voicemail) names `10.0.0.30`; the service profiles use `VM-HQ`.

    ## How to fix
    Delete the UC service if nobody needs it; if users should get it, add it to their service
    profile and audit again, so that its names are checked. Snapshots of CUCM 9.x and earlier,
    and those written before confcheck read service profiles, carry no profiles: their UC
    services are judged as if used.
    """
    for cluster in ctx.deployment.clusters:
        if not cluster.configuration_read:
            continue
        unused: dict[str, list[tuple[str, str, str | None]]] = {}
        for setting in cluster.settings:
            if setting.profiles == ():
                entry = ctx.catalog.location(setting.location)
                field = entry[1].field if entry else None
                unused.setdefault(setting.instance or "", []).append((setting.location, setting.value, field))
        if not unused:
            continue
        line = ctx.line(cluster)
        for service, names in unused.items():
            shown = _and([f"{field} {value}" if field else value for _, value, field in names])
            label = f"UC service {service}" if service else "A UC service"
            yield Finding(
                f"{label} is in no service profile: no Jabber client is given {shown}, so confcheck "
                f"does not check {'it' if len(names) == 1 else 'them'} against certificates.",
                cluster=cluster.name,
                product=cluster.product,
                version=cluster.version,
                location=names[0][0],
                instance=service or None,
                value=names[0][1],
                evidence=tuple(
                    ("names", f"{field or location}: {value}") for location, value, field in names
                ),
                fix=Fix(
                    phase=Phase.CLIENT_SETTINGS,
                    action=(
                        f"Delete UC service {service} if nobody needs it; otherwise add it to the service "
                        "profile of the users who do, and audit again"
                    ),
                    where=f"{line.admin} > User Management > User Settings > Service Profile",
                    impact="None today: no client uses it. Once a profile lists it, Jabber reads it at sign-in.",
                ),
            )


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


RULES: tuple[Rule, ...] = (
    unknown_target,
    no_certificate,
    collection_failed,
    server_not_met,
    unused_uc_service,
)


@hookimpl
def confcheck_rules() -> list[Rule]:
    return list(RULES)
