"""CC1xx: every name handed to clients against the certificate of the server it points to.

Each (reference, target) pair gets exactly one outcome, so exactly one of these rules speaks about
it: a matched name is silent unless it matched through a wildcard or the CN only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from confcheck import hookimpl, identity
from confcheck.engine import Context, ReferenceCheck, TargetCheck
from confcheck.findings import Finding, Fix, Severity
from confcheck.identity import IdentityMatch
from confcheck.rule import Rule, rule
from confcheck.rules._fixes import (
    certificate_of,
    change_setting,
    proposed_name,
    reissue_certificate,
    renew,
    renewal_fix,
    subject,
)
from confcheck.rules._reaction import consequence

Outcome = Literal["match", "wildcard", "cn-only", "ip", "short", "xmpp", "mismatch"]


def _outcome(check: ReferenceCheck, target: TargetCheck) -> Outcome | None:
    """How the target's certificate answers the reference; None when there is no certificate."""
    verdict = target.match
    if verdict is None:
        return None
    if verdict.matched:
        return "wildcard" if verdict.wildcard else "cn-only" if verdict.field == "CN" else "match"
    if check.reference.location.profile == "xmpp":
        return "xmpp"
    kind = identity.name_kind(check.reference.value)
    if kind in ("ip", "short") and proposed_name(check, target) is not None:
        return kind
    return "mismatch"


def _targets(ctx: Context, outcome: Outcome) -> Iterator[tuple[ReferenceCheck, TargetCheck, IdentityMatch]]:
    """The (reference, target, verdict) triples with ``outcome``; outcomes are computed once per run."""
    yield from ctx.memo(__name__, lambda: _by_outcome(ctx)).get(outcome, ())


def _by_outcome(ctx: Context) -> dict[Outcome, list[tuple[ReferenceCheck, TargetCheck, IdentityMatch]]]:
    found: dict[Outcome, list[tuple[ReferenceCheck, TargetCheck, IdentityMatch]]] = {}
    for check in ctx.checks:
        primaries = {id(t.node): t for t in check.targets if t.primary}
        for target in check.targets:
            if target.primary:
                outcome = _outcome(check, target)
            else:
                outcome = _secondary_outcome(check, target, primaries[id(target.node)])
            if outcome is not None and target.match is not None:
                found.setdefault(outcome, []).append((check, target, target.match))
    return found


def _secondary_outcome(check: ReferenceCheck, target: TargetCheck, primary: TargetCheck) -> Outcome | None:
    """How the ECDSA twin of the certificate checked answers the reference.

    The setting is judged by the primary certificate: when that one asks for a new value (an FQDN
    instead of an address or short name), the other certificate must carry that value, and is
    silent when it does; otherwise it must carry the value as configured. Its own problems are
    certificate problems (reissue it), never a reason to change the setting.
    """
    renamed = _rename(check, primary)
    cert = target.endpoint.certificate if target.endpoint else None
    if renamed is not None:
        if cert is not None and identity.match(renamed, cert, check.reference.location.profile).matched:
            return None
        return "mismatch"
    outcome = _outcome(check, target)
    return "mismatch" if outcome in ("ip", "short") else outcome


def _rename(check: ReferenceCheck, primary: TargetCheck) -> str | None:
    """The value the primary target's finding proposes for the setting, if it proposes a change."""
    outcome = _outcome(check, primary)
    if outcome not in ("ip", "short", "mismatch"):
        return None
    proposed = proposed_name(check, primary)
    if proposed and identity.normalize(proposed) != identity.normalize(check.reference.value):
        return proposed
    return None


def _primary(check: ReferenceCheck, target: TargetCheck) -> TargetCheck:
    return next(t for t in check.targets if t.primary and t.node is target.node)


def _evidence(check: ReferenceCheck, target: TargetCheck, verdict: IdentityMatch) -> list[tuple[str, str]]:
    endpoint = target.endpoint
    assert endpoint is not None
    assert endpoint.certificate is not None
    cert = endpoint.certificate
    return [
        ("resolved by", check.resolved_by),
        ("endpoint", f"{endpoint.protocol}://{endpoint.host}:{endpoint.port} ({endpoint.purpose})"),
        ("certificate", f"{cert.subject} (SHA-256 {cert.sha256[:16]}…)"),
        ("identity check", verdict.reason),
    ]


@rule("CC101", "name-mismatch", Severity.ERROR)
def name_mismatch(ctx: Context) -> Iterator[Finding]:
    """A configured server name is not in the certificate of the server it points to.

    ## What it checks
    Every Table 3 location (node names, server names, TFTP, CCMCIP, voicemail, mail store,
    conferencing, IM and Presence server; from CUCM 10.x the UC services of every type and, from
    12.5, the server names in Jabber Client Configuration parameters such as
    `VoicemailPrimaryServer`) whose value, exactly as configured, matches no identity of the
    certificate its target presents: SAN dNSName, or the Subject CN when there is no dNSName. IP
    addresses and short host names have their own rules (CC102, CC103) when the certificate names
    an FQDN. UC services no service profile hands out are not judged (CC205).

    A server of 11.0 or later may also serve an ECDSA twin of the certificate (`tomcat-ECDSA`,
    `cup-xmpp-ECDSA`) to clients that negotiate ECDSA. The twin, when it differs from the first
    certificate, is checked too: it must carry the value, or the FQDN the finding on the first
    certificate proposes. Its fix reissues the twin; the setting follows the first certificate only.

    ## Why it matters
    Jabber checks that the name it was told to use is the name in the certificate. When it is
    not, every user is prompted to accept the certificate, or the client refuses to connect.

    ## Example
    The IM and Presence Primary TFTP Server is `tftp.example.com` (a DNS alias of cucm1), but
    cucm1's Tomcat certificate names only `cucm1.example.com`.

    ## How to fix
    Set the field to the FQDN the certificate names (the fix proposes it), once DNS resolves it
    to the same server. Or, if the configured name is the one you want, reissue the certificate
    with that name as a SAN dNSName.
    """
    for check, target, verdict in _targets(ctx, "mismatch"):
        proposed = proposed_name(check, target)
        message = f"{subject(check)} is not in {certificate_of(check, target)}: {verdict.reason}."
        if not target.primary:  # the setting is the primary certificate's business: this one must follow
            renamed = _rename(check, _primary(check, target))
            name = renamed or check.reference.value
            fix = reissue_certificate(ctx, check, target, f"it does not name {name}", name)
            if renamed:
                message = (
                    f"{subject(check)} is to become {renamed}, which {certificate_of(check, target)} does "
                    f"not name either: {consequence(ctx, check.reference.cluster, still=True)}."
                )
        elif proposed and identity.normalize(proposed) != identity.normalize(check.reference.value):
            fix = change_setting(check, target, proposed)
        else:
            fix = reissue_certificate(ctx, check, target, f"it does not name {check.reference.value}")
        yield check.finding(message, target, fix, _evidence(check, target, verdict))


@rule("CC102", "ip-address-not-fqdn", Severity.ERROR)
def ip_address_not_fqdn(ctx: Context) -> Iterator[Finding]:
    """An IP address is configured where the server's certificate names an FQDN.

    ## What it checks
    Every Table 3 location whose value is an IPv4 or IPv6 address while the certificate of the
    server it points to identifies that server by an FQDN.

    ## Why it matters
    Jabber compares the name it was given, not where DNS leads: `10.0.0.11` never matches a
    certificate for `cucm1.example.com`, even when that name resolves to `10.0.0.11`. This is
    the usual state before a migration and makes every client prompt.

    ## Example
    CUCM System > Server lists the publisher as `10.0.0.11`; its Tomcat certificate is issued
    to `cucm1.example.com`.

    ## How to fix
    Replace the address by the FQDN the certificate names (the fix proposes it). Create the DNS
    A (and, for node names, PTR) records first: a node renamed before DNS resolves its new name
    does not start its services.
    """
    for check, target, verdict in _targets(ctx, "ip"):
        proposed = proposed_name(check, target)
        assert proposed is not None
        yield check.finding(
            f"{subject(check)} is an IP address, but {certificate_of(check, target)} names {proposed}: "
            f"{consequence(ctx, check.reference.cluster)}.",
            target,
            change_setting(check, target, proposed),
            _evidence(check, target, verdict),
        )


@rule("CC103", "short-name-not-fqdn", Severity.ERROR)
def short_name_not_fqdn(ctx: Context) -> Iterator[Finding]:
    """A short host name is configured where the server's certificate names an FQDN.

    ## What it checks
    Every Table 3 location whose value is a single-label host name (`cucm1`) while the
    certificate of the server it points to names an FQDN (`cucm1.example.com`).

    ## Why it matters
    A client resolves `cucm1` through its DNS search domains, but it matches the certificate
    against `cucm1` as given, and the certificate does not contain it: Jabber prompts.

    ## Example
    The CCMCIP profile's Primary CCMCIP Host is `cucm1`; cucm1's Tomcat certificate names
    `cucm1.example.com`.

    ## How to fix
    Replace the short name by the FQDN the certificate names (the fix proposes it), after
    checking that the FQDN resolves to the same server.
    """
    for check, target, verdict in _targets(ctx, "short"):
        proposed = proposed_name(check, target)
        assert proposed is not None
        yield check.finding(
            f"{subject(check)} is a short host name, but {certificate_of(check, target)} names {proposed}: "
            f"{consequence(ctx, check.reference.cluster)}.",
            target,
            change_setting(check, target, proposed),
            _evidence(check, target, verdict),
        )


@rule("CC104", "xmpp-domain-not-in-certificate", Severity.ERROR)
def xmpp_domain_not_in_certificate(ctx: Context) -> Iterator[Finding]:
    """A node's cup-xmpp certificate does not identify the XMPP domain.

    ## What it checks
    The XMPP domain of every CUP and IM and Presence cluster against the cup-xmpp certificate of
    each of its nodes, under the xmpp profile: SAN xmppAddr (a bare domain), SAN SRVName
    `_xmpp-client.<domain>`, SAN dNSName, and the Subject CN only when none of those is present.
    From 11.0, the ECDSA twin (`cup-xmpp-ECDSA`) a node serves to clients that negotiate ECDSA is
    checked as well.

    ## Why it matters
    Jabber identifies the XMPP service by the domain users sign in to, not by the node's FQDN.
    A cup-xmpp certificate that names only `imp1.example.com` makes every user of
    `example.com` prompt when the XMPP connection starts.

    ## Example
    The XMPP domain is `example.com`; imp1's cup-xmpp certificate has CN `imp1.example.com`
    and no SAN.

    ## How to fix
    When the box "Use Domain Name for XMPP Certificate Subject Alternative Name" is unticked:
    enter the domain in the XMPP certificate settings, tick the box, save, regenerate cup-xmpp
    on every node and restart Cisco XCP Router. When it is ticked already, the node's cup-xmpp
    predates it: regenerate that certificate and restart Cisco XCP Router. IM and Presence 10.0
    and later add the domain themselves: regenerate only.
    """
    for check, target, verdict in _targets(ctx, "xmpp"):
        fix, state = _xmpp_domain_fix(ctx, check, target)
        yield check.finding(
            f"The XMPP domain {check.reference.value} is not in {certificate_of(check, target)}: "
            f"{verdict.reason}{state}.",
            target,
            fix,
            _evidence(check, target, verdict),
        )


def _xmpp_domain_fix(ctx: Context, check: ReferenceCheck, target: TargetCheck) -> tuple[Fix, str]:
    """The node's cup-xmpp certificate replaced so that it carries the domain, and a phrase saying why.

    The settings page tells the cases apart (the ``xmpp.use_domain_san`` fact): with the box
    unticked, the security settings change first (the renewal's preparation, said once for the
    cluster by the plan); ticked, the certificate was made before the box was. From 10.0 on there
    is no box: a new cup-xmpp certificate carries the domain.
    """
    ref = check.reference
    ticked = dict(ref.cluster.facts).get("xmpp.use_domain_san")
    if ref.cluster.major >= 10:
        why = " (IM and Presence 10.0 and later add the domain when cup-xmpp is generated)"
    elif ticked == "true":
        why = (
            " (the box 'Use Domain Name for XMPP Certificate Subject Alternative Name' is ticked: "
            "this cup-xmpp certificate was made before it was)"
        )
    elif ticked:
        why = " (the box 'Use Domain Name for XMPP Certificate Subject Alternative Name' is unticked)"
    else:
        why = ""
    cert = target.endpoint.certificate if target.endpoint else None
    assert cert is not None
    demand = f"it does not identify the XMPP domain {ref.value}"
    purpose = target.endpoint.purpose if target.endpoint else "cup-xmpp"  # the ECDSA twin is renewed itself
    successor = renew(ctx, target.cluster, target.node, purpose, cert, demand)
    return renewal_fix(successor, target.cluster), why


def _reissue(ctx: Context, check: ReferenceCheck, target: TargetCheck, why: str) -> Fix:
    if check.reference.location.profile == "xmpp":
        return _xmpp_domain_fix(ctx, check, target)[0]
    return reissue_certificate(ctx, check, target, why)


@rule("CC105", "wildcard-match", Severity.WARNING)
def wildcard_match(ctx: Context) -> Iterator[Finding]:
    """A configured name matches its server's certificate only through a wildcard.

    ## What it checks
    Every Table 3 location whose value matches the target's certificate only because a dNSName
    or CN is a wildcard such as `*.example.com`.

    ## Why it matters
    Cisco's guide warns that the Cisco servers may not support wildcard certificates: a
    wildcard certificate that clients accept today can be refused by the server platform on
    upload or upgrade, and some clients reject wildcards altogether.

    ## Example
    The voicemail UC service names `cuc1.example.com`; Unity Connection presents a certificate
    for `*.example.com`.

    ## How to fix
    Have the certificate reissued with the server's own FQDN as a SAN dNSName.
    """
    for check, target, verdict in _targets(ctx, "wildcard"):
        yield check.finding(
            f"{subject(check)} matches {certificate_of(check, target)} only through the wildcard "
            f"{verdict.identity}; Cisco servers may not support wildcard certificates.",
            target,
            _reissue(
                ctx,
                check,
                target,
                f"it names {check.reference.value} only through the wildcard {verdict.identity}",
            ),
            _evidence(check, target, verdict),
        )


@rule("CC106", "cn-only-match", Severity.WARNING)
def cn_only_match(ctx: Context) -> Iterator[Finding]:
    """A configured name matches its server's certificate only through the Subject CN.

    ## What it checks
    Every Table 3 location whose value matches the target's certificate through the Subject
    CN, because the certificate carries no SAN identity of the kind the profile checks.

    ## Why it matters
    The CN is a legacy fallback: current clients and libraries (RFC 9525) ignore it, and a
    public CA will not issue a certificate without a SAN. Jabber for Mac, iPhone and iPad refuse
    it already: Apple's rules for TLS server certificates (iOS 13 and macOS 10.15 and later, Apple
    HT210176) no longer accept a name in the CN, so their users are prompted (modelled, as for
    CC316). Elsewhere the match works today and breaks with the next client upgrade.

    ## Example
    CUCM System > Server names `cucm1.example.com`; cucm1's self-signed Tomcat certificate has
    CN `cucm1.example.com` and no subjectAltName.

    ## How to fix
    Regenerate the certificate (or its CSR) so that it carries the name as a SAN dNSName.
    """
    for check, target, verdict in _targets(ctx, "cn-only"):
        cluster = check.reference.cluster
        why = (
            f"no SAN identity; {cluster.name}'s TLS verify checks this name, no Jabber client does, and whether "
            "it accepts a name only in the CN is not confirmed (verifiers following RFC 9525 do not)"
            if cluster.product == "expressway-c"
            else "no SAN identity clients check, and Jabber for Mac, iPhone and iPad refuse a name only in the "
            "CN (Apple's rules for TLS server certificates)"
        )
        yield check.finding(
            f"{subject(check)} matches {certificate_of(check, target)} only through its Subject CN; "
            f"the certificate has {why}.",
            target,
            _reissue(ctx, check, target, f"it names {check.reference.value} only in its Subject CN"),
            _evidence(check, target, verdict),
        )


RULES: tuple[Rule, ...] = (
    name_mismatch,
    ip_address_not_fqdn,
    short_name_not_fqdn,
    xmpp_domain_not_in_certificate,
    wildcard_match,
    cn_only_match,
)


@hookimpl
def confcheck_rules() -> list[Rule]:
    return list(RULES)
