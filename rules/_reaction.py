"""What Jabber does with a certificate it cannot validate, in a finding's words: it prompts, or it refuses.

A client prompts its user, who may accept the certificate, unless it is installed with
InvalidCertificateBehavior RejectAndNotify (``invalid_certificate_behavior`` of a ``[[jabber]]`` entry),
under which it refuses to connect and says why. A finding that says "Jabber prompts" to a customer whose
clients refuse would be false, so every rule that says what the clients do says it through here: what the
deployment's clients do, or both when its services domains differ.
"""

from __future__ import annotations

from collections.abc import Iterable

from confcheck.engine import Context

REJECT = "RejectAndNotify"
"""The InvalidCertificateBehavior under which Jabber refuses instead of prompting."""


def refusal(behaviors: Iterable[str | None]) -> bool | None:
    """True when every behavior is :data:`REJECT`, None when some are, False when none is (or there is
    none: by default Jabber prompts, as modelled; see the README)."""
    found = [behavior == REJECT for behavior in behaviors]
    if found and all(found):
        return True
    return None if any(found) else False


def deployment_refusal(ctx: Context) -> bool | None:
    """:func:`refusal` of every services domain of the deployment (``[[jabber]]``)."""
    return ctx.memo(
        "jabber-refusal", lambda: refusal(d.invalid_certificate_behavior for d in ctx.deployment.discovery)
    )


def reaction(refuses: bool | None, prompting: str, refusing: str, either: str | None = None) -> str:
    """``prompting`` where the clients prompt, ``refusing`` where they refuse, ``either`` (by default
    ``prompting (or, under RejectAndNotify, refusing)``) where some do each."""
    if refuses is None:
        return either if either is not None else f"{prompting} (or, under {REJECT}, {refusing})"
    return refusing if refuses else prompting


def reacts(ctx: Context, prompting: str, refusing: str, either: str | None = None) -> str:
    """:func:`reaction` of the deployment's clients (:func:`deployment_refusal`)."""
    return reaction(deployment_refusal(ctx), prompting, refusing, either)
