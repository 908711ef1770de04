"""What Jabber does with a certificate it cannot validate, in a finding's words: it prompts, or it refuses.

A client prompts its user, who may accept the certificate, unless it is installed with
InvalidCertificateBehavior RejectAndNotify (``invalid_certificate_behavior`` of a ``[[jabber]]`` entry),
under which it refuses to connect and says why. A finding that says "Jabber prompts" to a customer whose
clients refuse would be false, so every rule that says what the clients do says it through here: what the
deployment's clients do, or both when its services domains differ.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from confcheck.engine import Context
from confcheck.model import REJECT_AND_NOTIFY, Cluster

if TYPE_CHECKING:
    from confcheck.discovery_model import Discovery


def refusal(entries: Iterable[Discovery]) -> bool | None:
    """True when the clients of every entry refuse (:attr:`Discovery.refuses`), None when some do, False
    when none does (or there is no entry: by default Jabber prompts, as modelled; see the README)."""
    found = [d.refuses for d in entries]
    if found and all(found):
        return True
    return None if any(found) else False


def refusal_of(ctx: Context, cluster: str | None = None) -> bool | None:
    """:func:`refusal` of every services domain of the deployment (``[[jabber]]``); of one entry's alone for
    ``cluster`` naming that entry's clients (their installer arguments and connection settings reach
    those clients only)."""
    by_clients = ctx.memo(
        "jabber-refusal",
        lambda: {d.jabber: d.refuses for d in ctx.deployment.discovery},
    )
    own = by_clients.get(cluster) if cluster is not None else None
    if own is not None:
        return own
    return ctx.memo("jabber-refusals", lambda: refusal(ctx.deployment.discovery))


def reaction(refuses: bool | None, prompting: str, refusing: str, either: str | None = None) -> str:
    """``prompting`` where the clients prompt, ``refusing`` where they refuse, ``either`` (by default
    ``prompting (or, under RejectAndNotify, refusing)``) where some do each."""
    if refuses is None:
        return either if either is not None else f"{prompting} (or, under {REJECT_AND_NOTIFY}, {refusing})"
    return refusing if refuses else prompting


def reacts(
    ctx: Context, prompting: str, refusing: str, either: str | None = None, cluster: str | None = None
) -> str:
    """:func:`reaction` of the deployment's clients, or of one ``[[jabber]]`` entry's for the settings of
    its clients (``cluster``; :func:`refusal_of`)."""
    return reaction(refusal_of(ctx, cluster), prompting, refusing, either)


def consequence(ctx: Context, cluster: Cluster, still: bool = False) -> str:
    """What a name its target's certificate does not hold costs, said after the finding: Jabber's reaction
    (:func:`reacts`), or for a setting of Expressway-C, which its TLS verify checks and no client ever
    sees, what that verify does (as the journey judges it: TLS verify mode Off checks nothing). ``still``:
    for a name the fix list changes that the certificate would not hold either."""
    if cluster.product == "expressway-c":
        if dict(cluster.facts).get("tls_verify") == "false":
            return (
                f"{cluster.name} does not verify TLS (TLS verify mode Off), so nothing fails today; with TLS "
                "verify On, as Cisco recommends, MRA users could not reach that server"
            )
        if still:
            return f"{cluster.name}'s TLS verify would still fail on it when it gets this certificate"
        return f"{cluster.name}'s TLS verify fails on it, so MRA users cannot reach that server (Cisco doc 213872)"
    if still:
        return "clients that get this certificate would still " + reacts(
            ctx, "prompt", "refuse to connect", cluster=cluster.name
        )
    return "Jabber " + reacts(ctx, "prompts", "refuses to connect", cluster=cluster.name)
