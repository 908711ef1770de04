"""CC4xx: will the Jabber clients trust the chain each server presents?

Jabber prompts for one of two reasons: the name it was given is not in the certificate (the CC1xx
rules), or the certificate does not lead to anything the client trusts. These rules judge the
second alone, so that each problem is reported once. The path is verified against the name the
leaf itself carries (its first dNSName, else its first iPAddress), never against the configured
name; a leaf that carries neither (CN only, xmppAddr only) has its chain verified with no name at
all, because the CN fallback it relies on is the name rules' business (CC106), not a trust problem.

The verdict is cryptography's Web-PKI verifier, except where it cannot say what Jabber does: a
leaf whose exact certificate is in the clients' store is trusted by that fact (the guide's
method 2, self-signed server certificates pushed to Windows' Enterprise Trust store; the verifier
refuses a self-signed leaf even then). The verifier says *that* a path fails, rarely *what* is missing
("candidates exhausted"), so the chain is also walked here, by names and signatures, to name the
piece: the root the clients lack, the intermediate the server does not send, the certificate out
of its validity period. Other certificates of the snapshot tell an unsent intermediate from a
root. Nothing is judged while the clients' trust store is unknown (``[check] trust_store``).
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Literal

from confcheck import hookimpl, parallel, records
from confcheck.certs import Certificate, is_self_signed, label
from confcheck.engine import Context, ReferenceCheck
from confcheck.findings import Finding, Fix, Phase, Severity
from confcheck.model import Cluster, Deployment, Endpoint, Node
from confcheck.records import replace
from confcheck.rule import Rule, rule
from confcheck.rules._fixes import (
    METHOD_2_STEPS,
    ROOT_STORE,
    SERVER_STORE,
    TRUST_STORES,
    certificate_restart,
    certificate_where,
    node_label,
    purpose_title,
    renew,
    renewal_fix,
    subject,
)
from confcheck.rules._reaction import reacts

if TYPE_CHECKING:  # the functions that use cryptography import it: confcheck rules and explain read
    # this module for its docstrings alone, and importing cryptography.x509 was 30 percent of their start-up
    from cryptography import x509
    from cryptography.x509.verification import ExtensionPolicy, Policy, Subject

MAX_DEPTH = 8
"""Longer chains than this are not walked (real ones have two to four certificates)."""

METHOD_2_ALTERNATIVE = (
    "Or stay on self-signed certificates (the guide's method 2): instead of a CSR, push this certificate, and "
    f"every one that replaces it, to {SERVER_STORE}. " + " ".join(METHOD_2_STEPS)
)
CLIENT_WHERE = "the Jabber clients: Group Policy for Windows, device management for macOS, iOS and Android"
ROOT_STEPS = (
    "Windows: import it into Trusted Root Certification Authorities (certmgr.msc for one machine; for all, "
    "Group Policy: Computer Configuration > Policies > Windows Settings > Security Settings > Public Key "
    "Policies > Trusted Root Certification Authorities).",
    "macOS: add it to the System keychain and trust it for SSL; iOS, iPadOS and Android: install it as a "
    "trusted CA through device management.",
)
"""Where a CA's root goes on each client platform (the guide's method 3)."""

GapKind = Literal[
    "root", "self-signed", "not-sent", "issuer", "other-key", "expired", "not-yet-valid", "rejected"
]
Role = Literal["leaf", "intermediate", "root", "issuer", "chain"]


@records.record
class Gap:
    """One missing or broken piece between the leaf and the clients' trust store."""

    kind: GapKind
    text: str
    """The clause a message shows, naming the certificate."""
    role: Role
    name: str
    """The certificate the gap is about, as people call it (its CN, else its subject)."""
    detail: str = ""
    """For a rejection: the Web-PKI rule broken, in plain words."""
    sent: bool = False
    """The certificate is one the server sends (whose expiry CC301 reports)."""


class Said:
    """What cryptography's verifier says of a chain, asked the first time it is read.

    A chain from which no certificate of the store can be reached is refused whatever the verifier
    says (see :class:`Verdicts`), and only CC401's evidence shows its words: CC403 and the journey
    judge thousands of such chains per platform without running it. Compared, hashed, shown and
    pickled as the words themselves.
    """

    __slots__ = ("_ask", "_words")

    def __init__(self, ask: Callable[[], str]) -> None:
        self._ask: Callable[[], str] | None = ask
        self._words: str | None = None

    def __str__(self) -> str:
        if self._words is None:
            assert self._ask is not None
            self._words, self._ask = self._ask(), None
        return self._words

    @property
    def asked(self) -> bool:
        """Whether the verifier has been asked (its words are at hand)."""
        return self._words is not None

    def __eq__(self, other: object) -> bool:
        return str(self) == (other if isinstance(other, str) else str(other))

    def __hash__(self) -> int:
        return hash(str(self))

    def __repr__(self) -> str:
        return repr(str(self))

    def __reduce__(self) -> tuple[type[str], tuple[str]]:
        return str, (str(self),)


@records.record
class Verdict:
    """Whether clients trust a presented chain, and if not, every piece that is missing."""

    trusted: bool
    pinned: bool
    """Trusted only because this exact leaf is in the store (self-signed: the guide's method 2)."""
    gaps: tuple[Gap, ...]
    """Why it is not trusted; for a pinned leaf, why its chain alone would not be."""
    path: str
    """The path as walked, leaf first, each certificate with where it was found."""
    said: str | Said
    """What cryptography's verifier said (read it as :attr:`verifier`)."""

    @property
    def verifier(self) -> str:
        """What cryptography's verifier said, for the evidence."""
        return self.said if isinstance(self.said, str) else str(self.said)


# --- the verdict ------------------------------------------------------------------------------


class Known:
    """Certificates met elsewhere (other servers' chains): where an issuer a server does not send may
    be found after all, to name it; clients do not have them, so they never build a path.

    Each certificate is kept once however many chains it was met in, and they are indexed by their
    subject's attributes as the snapshot read them (no certificate loaded): a deployment of thousands
    of clusters meets tens of thousands of certificates, of which a walk looks up only the few CAs
    its chains name as issuers. Those are loaded, and their names read, at the first walk that looks
    them up, once each however many chains meet them; the lookup keeps those whose subject is the name
    as cryptography's ``Name`` compares it (two equal names always have the same attributes, so none
    is missed).
    """

    __slots__ = ("_by_attributes", "_certificates", "_loaded", "_named")

    def __init__(self, certificates: Iterable[Certificate] = ()) -> None:
        self._certificates = list({c.sha256: c for c in certificates}.values())
        self._by_attributes: dict[tuple[tuple[str, str], ...], list[Certificate]] | None = None
        self._loaded: dict[str, x509.Certificate] = {}
        self._named: dict[x509.Name, list[x509.Certificate]] = {}

    def named(self, subject: x509.Name) -> list[x509.Certificate]:
        """The known certificates whose subject is ``subject``, in the order they were met."""
        found = self._named.get(subject)
        if found is None:
            by_attributes = self._by_attributes if self._by_attributes is not None else self._index()
            found = []
            for cert in by_attributes.get(_attributes(subject), ()):
                loaded = self._loaded.get(cert.sha256)
                if loaded is None:
                    loaded = self._loaded[cert.sha256] = _load(cert.pem)
                try:
                    if loaded.subject == subject:
                        found.append(loaded)
                except ValueError:
                    continue  # a subject that cannot be read names no issuer
            self._named[subject] = found
        return found

    def load(self, cert: Certificate) -> x509.Certificate:
        """``cert`` loaded: a known certificate a walk has looked up is loaded once, however many chains
        and stores meet it."""
        loaded = self._loaded.get(cert.sha256)
        return loaded if loaded is not None else _load(cert.pem)

    def index(self) -> None:
        """Index the certificates now, if no walk has yet (see :meth:`Verdicts.ready`)."""
        if self._by_attributes is None:
            self._index()

    def _index(self) -> dict[tuple[tuple[str, str], ...], list[Certificate]]:
        self._by_attributes = {}
        for cert in self._certificates:
            self._by_attributes.setdefault(tuple(sorted(cert.subject_attributes)), []).append(cert)
        return self._by_attributes


def _attributes(name: x509.Name) -> tuple[tuple[str, str], ...]:
    """A name's attributes as a snapshot's certificate holds them (``Certificate.subject_attributes``:
    short name, value as text), sorted: equal names have equal attributes, in whatever order."""
    from confcheck.certs_x509 import attribute_value

    return tuple(sorted((a.rfc4514_attribute_name, attribute_value(a.value)) for a in name))


NONE_KNOWN = Known()
"""No certificate met elsewhere."""


def assess(
    chain: Sequence[Certificate],
    store: Sequence[Certificate],
    now: datetime,
    known: Known = NONE_KNOWN,
) -> Verdict:
    """Would a client holding ``store`` trust ``chain`` (leaf first) at ``now``?

    ``known`` are other certificates met elsewhere (other servers' chains): they only help to
    name what is missing, never to build the path, since clients do not have them. To judge many
    chains or stores, keep one :class:`Verdicts`.
    """
    return Verdicts(now, known).assess(chain, store)


Fingerprints = tuple[str, ...]


class Verifier:
    """cryptography's verifier at one time: each chain asked once per set of anchors, each store made once.

    Shared by everything that judges the same snapshot at the same time (CC401, CC403), whatever
    certificates each meets elsewhere, since the verifier never sees those.
    """

    __slots__ = ("_said", "_stores", "now")

    def __init__(self, now: datetime) -> None:
        self.now = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
        self._said: dict[tuple[Fingerprints, Fingerprints], tuple[str, str | None]] = {}
        self._stores: dict[Fingerprints, Any] = {}

    def verify(
        self,
        chain: Sequence[Certificate],
        anchors: Sequence[Certificate],
        known: Known | None = None,
        fingerprints: Fingerprints | None = None,
    ) -> tuple[str, str | None]:
        """(how it was verified, None when trusted or the verifier's reason); ``known`` loads the chain,
        ``fingerprints`` are the anchors', if at hand."""
        if fingerprints is None:
            fingerprints = tuple(c.sha256 for c in anchors)
        key = (tuple(c.sha256 for c in chain), fingerprints)
        said = self._said.get(key)
        if said is None:
            store = None
            if anchors:
                store = self._stores.get(key[1])
                if store is None:
                    from cryptography.x509.verification import Store

                    store = self._stores[key[1]] = Store([_load(c.pem) for c in anchors])
            load = (known or NONE_KNOWN).load
            said = self._said[key] = _verify(load(chain[0]), [load(c) for c in chain[1:]], store, self.now)
        return said

    def words(
        self, chain: Sequence[Certificate], anchors: Sequence[Certificate], fingerprints: Fingerprints
    ) -> str:
        """What a verdict's evidence says of the verifier."""
        return _words(*self.verify(chain, anchors, fingerprints=fingerprints))


class _Anchors:
    """One store, loaded once: its certificates, and where each subject is among them."""

    __slots__ = ("by_subject", "certificates", "fingerprints", "loaded", "met")

    def __init__(
        self,
        certificates: tuple[Certificate, ...],
        fingerprints: Fingerprints,
        loaded: tuple[x509.Certificate, ...],
        by_subject: dict[x509.Name, list[int]],
    ) -> None:
        self.certificates = certificates
        self.fingerprints = fingerprints
        self.loaded = loaded
        self.by_subject = by_subject
        self.met: dict[int, tuple[int, ...]] = {}
        """Per set of issuer names (:meth:`Verdicts._names`, by identity): the certificates they meet."""


class Verdicts:
    """Verdicts at one time with the same certificates met elsewhere, each (chain, anchors) judged once.

    Of a store, a verdict depends only on the certificates a path from the leaf can meet. The walk and
    cryptography's verifier alike look issuers up by name (the verifier in its store by subject, and
    whether a certificate it meets is itself in the store), and both stop at the first certificate of
    the store they meet; so only certificates of the store whose subject is the leaf's, or the issuer
    of the leaf, or of a certificate sent or met elsewhere that is itself such an issuer, and so on up,
    can take part (``_reach``; names compared as cryptography's Python ``Name`` does, which never tells
    apart names the verifier takes as one). Each chain is judged against those alone, in the store's
    order, so stores that agree on them (the Windows and macOS stores that both hold a chain's root, or
    both lack it) give one verdict, judged once.

    When the store holds none of them, no path can end in it: the chain is refused without running
    the verifier, and the walk names the gaps (it always finds one when it reaches no anchor); the
    verifier's words are asked only if read (:class:`Said`), of the whole store.
    """

    __slots__ = ("_closures", "_held", "_stores", "_verdicts", "known", "now", "verifier")

    def __init__(self, now: datetime, known: Known = NONE_KNOWN, verifier: Verifier | None = None) -> None:
        self.verifier = verifier or Verifier(now)
        self.now = self.verifier.now
        self.known = known
        self._stores: dict[Fingerprints, _Anchors] = {}
        self._verdicts: dict[tuple[Fingerprints, Fingerprints, bool], Verdict] = {}
        self._closures: dict[tuple[x509.Name, Fingerprints], set[x509.Name]] = {}
        self._held: dict[int, tuple[tuple[Certificate, ...], Fingerprints]] = {}

    def assess(self, chain: Sequence[Certificate], store: Sequence[Certificate]) -> Verdict:
        """Would a client holding ``store`` trust ``chain`` (leaf first)? As :func:`assess` says."""
        fingerprints = self._fingerprints(store)
        if chain[0].sha256 in fingerprints:
            return self._pinned(chain, store)
        anchors = self._store(fingerprints, store)
        leaf = self.known.load(chain[0])
        sent = [self.known.load(c) for c in chain[1:]]
        fingerprinted = tuple(c.sha256 for c in chain)
        reached = self._reach(leaf, sent, fingerprinted, anchors)
        key = (fingerprinted, tuple(fingerprints[i] for i in reached), bool(store))
        verdict = self._verdicts.get(key)
        if verdict is None:
            useful = [anchors.certificates[i] for i in reached]
            verdict = self._verdicts[key] = self._judge(
                chain, leaf, sent, useful, [anchors.loaded[i] for i in reached], anchors
            )
        return verdict

    def _judge(
        self,
        chain: Sequence[Certificate],
        leaf: x509.Certificate,
        sent: list[x509.Certificate],
        useful: list[Certificate],
        loaded: list[x509.Certificate],
        anchors: _Anchors,
    ) -> Verdict:
        store = anchors.certificates
        gaps, path = _walk(leaf, sent, loaded, self.known, self.now)
        if store and not useful and gaps:
            # no path can end in the store; the verifier's words only if read (any store that holds
            # none of the certificates a path can meet makes it say the same)
            words = Said(lambda: self.verifier.words(chain, store, anchors.fingerprints))
            return Verdict(False, False, tuple(gaps), path, words)
        how, reason = self.verifier.verify(chain, useful or store, self.known)
        verifier = _words(how, reason)
        if reason is None:
            return Verdict(True, False, (), path, verifier)
        return Verdict(False, False, tuple(gaps) or (_rejected(reason, leaf),), path, verifier)

    def ready(self, store: Sequence[Certificate]) -> None:
        """``store`` loaded and the certificates met elsewhere indexed, as the first judgement would: done
        before the chains are judged in forked processes, so that none does it again."""
        self._store(self._fingerprints(store), store)
        self.known.index()

    def _fingerprints(self, store: Sequence[Certificate]) -> Fingerprints:
        """The store's fingerprints; a tuple's (the options' stores, judged with every chain) remembered
        while it is held here, so that its identity is its own."""
        if not isinstance(store, tuple):
            return tuple(c.sha256 for c in store)
        held = self._held.get(id(store))
        if held is None or held[0] is not store:
            if len(self._held) >= 16:
                self._held.clear()  # stores made for one chain (a pinned leaf's) are not kept
            held = self._held[id(store)] = (store, tuple(c.sha256 for c in store))
        return held[1]

    def _store(self, fingerprints: Fingerprints, store: Sequence[Certificate]) -> _Anchors:
        found = self._stores.get(fingerprints)
        if found is None:
            loaded = tuple(_load(c.pem) for c in store)
            by_subject: dict[x509.Name, list[int]] = {}
            for index, cert in enumerate(loaded):
                try:
                    by_subject.setdefault(cert.subject, []).append(index)
                except ValueError:
                    by_subject = {}  # a subject that cannot be read: every certificate counts (below)
                    break
            found = self._stores[fingerprints] = _Anchors(tuple(store), fingerprints, loaded, by_subject)
        return found

    def _reach(
        self, leaf: x509.Certificate, sent: list[x509.Certificate], chain: Fingerprints, anchors: _Anchors
    ) -> tuple[int, ...]:
        """Which certificates of the store a path from ``leaf`` can meet (indices, in the store's order)."""
        every = tuple(range(len(anchors.loaded)))
        if not anchors.by_subject:
            return every  # empty, or a subject that cannot be read
        try:
            names = self._names(leaf, sent, chain)  # the issuers met through what is sent and met elsewhere
            met = anchors.met.get(id(names))  # the names are kept as long as the store: an id is theirs
            if met is None:
                found = {i for name in names for i in anchors.by_subject.get(name, ())}
                met = anchors.met[id(names)] = tuple(sorted(found))
            itself = anchors.by_subject.get(leaf.subject)  # is the leaf itself in the store?
        except ValueError:
            return every
        return tuple(sorted({*met, *itself})) if itself else met

    def _names(
        self, leaf: x509.Certificate, sent: list[x509.Certificate], chain: Fingerprints
    ) -> set[x509.Name]:
        """The issuer names a walk from ``leaf`` can meet without the store: the same for every leaf of one
        issuer sent with the same certificates (a CA's thousands of leaves)."""
        key = (leaf.issuer, chain[1:])
        names = self._closures.get(key)
        if names is None:
            names = self._closures[key] = _issuers(leaf, sent, self.known)
        return names

    def _pinned(self, chain: Sequence[Certificate], store: Sequence[Certificate]) -> Verdict:
        """A leaf that is itself in the store: trusted while valid, whatever its chain says."""
        leaf = self.known.load(chain[0])
        dated = _validity(leaf, "leaf", self.now, sent=True)
        path = f"{_label(leaf.subject)} (this exact certificate is in the trust store)"
        if dated:
            return Verdict(
                False, False, tuple(dated), path, "not run: the pinned leaf is outside its validity"
            )
        alone = self.assess(chain, [c for c in store if c.sha256 != chain[0].sha256])
        if alone.trusted:
            return alone
        return Verdict(
            True, True, alone.gaps, path, "trusted by fingerprint: the leaf itself is in the store"
        )


def _issuers(leaf: x509.Certificate, sent: list[x509.Certificate], known: Known) -> set[x509.Name]:
    """The leaf's issuer and, up from it, the issuer of every certificate sent or met elsewhere whose
    subject is one of them: the names a path from ``leaf`` can look issuers up by. A certificate of the
    store ends every path that meets it (the verifier stops at one in its store, and so does the walk):
    its own issuer is never looked up."""
    issuers = {leaf.issuer}
    pending = [leaf.issuer]
    while pending:
        name = pending.pop()
        for cert in [c for c in sent if c.subject == name] + known.named(name):
            if cert.issuer not in issuers:
                issuers.add(cert.issuer)
                pending.append(cert.issuer)
    return issuers


def _walk(
    leaf: x509.Certificate,
    sent: list[x509.Certificate],
    anchors: list[x509.Certificate],
    known: Known,
    now: datetime,
) -> tuple[list[Gap], str]:
    """Follow issuers from the leaf to the store, naming each gap on the way."""
    gaps = _validity(leaf, "leaf", now, sent=True)
    steps = [f"{_label(leaf.subject)} (leaf)"]
    if _self_signed(leaf):
        gaps.append(
            Gap(
                "self-signed",
                "the certificate is self-signed and not in the clients' trust store",
                "leaf",
                _label(leaf.subject),
            )
        )
        return gaps, steps[0]
    seen, current = [leaf], leaf  # a few certificates: compared, not hashed
    for _ in range(MAX_DEPTH):
        anchor = _issuer(current, anchors, now)
        if anchor is not None:
            gaps += _validity(anchor, _role(anchor), now)
            steps.append(f"{_label(anchor.subject)} (in the trust store)")
            break
        if current is not leaf and _self_signed(current):
            gaps.append(_untrusted_root(current, "the server sends it, which does not make clients trust it"))
            break
        parent = _issuer(current, sent, now)
        if parent is not None and parent not in seen:
            gaps += _validity(parent, _role(parent), now, sent=True)
            steps.append(f"{_label(parent.subject)} (sent)")
            seen.append(parent)
            current = parent
            continue
        parent = _issuer(current, known.named(current.issuer), now)
        if parent is not None and parent not in seen:
            if _self_signed(parent):
                gaps.append(_untrusted_root(parent, "nor does the server send it"))
                steps.append(f"{_label(parent.subject)} (not trusted)")
                break
            gaps.append(
                Gap(
                    "not-sent",
                    f"the server does not send the intermediate CA {_label(parent.subject)}, and it is not "
                    "in the clients' trust store",
                    "intermediate",
                    _label(parent.subject),
                )
            )
            gaps += _validity(parent, "intermediate", now)
            steps.append(f"{_label(parent.subject)} (not sent)")
            seen.append(parent)
            current = parent
            continue
        gaps.append(_missing_issuer(current, leaf, anchors))
        steps.append(f"{_label(current.issuer)} (missing)")
        break
    else:
        gaps.append(Gap("rejected", f"the chain is longer than {MAX_DEPTH} certificates", "chain", ""))
    return gaps, " → ".join(steps)


def _untrusted_root(root: x509.Certificate, sent: str) -> Gap:
    name = _label(root.subject)
    return Gap("root", f"the root CA {name} is not in the clients' trust store ({sent})", "root", name)


def _missing_issuer(
    current: x509.Certificate, leaf: x509.Certificate, anchors: list[x509.Certificate]
) -> Gap:
    """The issuer of ``current`` is nowhere: say whether a CA of that name is trusted with another key."""
    name = _label(current.issuer)
    child = "the certificate" if current is leaf else f"the intermediate CA {_label(current.subject)}"
    if any(a.subject == current.issuer for a in anchors):
        return Gap(
            "other-key",
            f"the clients' trust store holds a CA named {name}, but not the one that signed {child} "
            "(another key: a renewed or re-keyed CA)",
            "issuer",
            name,
        )
    if current is leaf:
        return Gap(
            "issuer",
            f"the CA that issued the certificate, {name}, is neither sent by the server nor in the "
            "clients' trust store (an intermediate the server must send, or a root the clients lack)",
            "issuer",
            name,
        )
    return Gap(
        "root",
        f"the root CA {name} that issued {child} is not in the clients' trust store, and the server "
        "does not send it",
        "root",
        name,
    )


def _validity(cert: x509.Certificate, role: Role, now: datetime, sent: bool = False) -> list[Gap]:
    who = "the certificate" if role == "leaf" else f"the {role} CA {_label(cert.subject)}"
    if now > cert.not_valid_after_utc:
        text = f"{who} expired on {cert.not_valid_after_utc:%Y-%m-%d}"
        return [Gap("expired", text, role, _label(cert.subject), sent=sent)]
    if now < cert.not_valid_before_utc:
        text = f"{who} is not valid until {cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC"
        return [Gap("not-yet-valid", text, role, _label(cert.subject), sent=sent)]
    return []


# --- cryptography's verifier ------------------------------------------------------------------


def _server_auth(_policy: Policy, _cert: x509.Certificate, eku: x509.ExtendedKeyUsage | None) -> None:
    """A leaf's EKU, when present, must allow TLS server authentication, as the server verifier asks."""
    from cryptography.x509.oid import ExtendedKeyUsageOID

    if eku is not None and ExtendedKeyUsageOID.SERVER_AUTH not in eku:
        raise ValueError("its extendedKeyUsage does not allow serverAuth")


def _ca_server_auth(_policy: Policy, _cert: x509.Certificate, eku: x509.ExtendedKeyUsage | None) -> None:
    """A CA's EKU, when present, must allow serverAuth or any purpose, as the server verifier asks."""
    from cryptography.x509.oid import ExtendedKeyUsageOID

    if eku is not None and not {
        ExtendedKeyUsageOID.SERVER_AUTH,
        ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,
    } & set(eku):
        raise ValueError("a CA's extendedKeyUsage does not allow serverAuth")


@functools.cache
def _nameless() -> tuple[ExtensionPolicy, ExtensionPolicy]:
    """Web-PKI policies minus the subjectAltName requirement, for a chain checked without a name.

    The server verifier insists on a SAN; the client verifier does not, but wants clientAuth. So
    the client verifier runs with the server's EKU rule put back in.
    """
    from cryptography import x509
    from cryptography.x509.verification import Criticality, ExtensionPolicy

    ca = ExtensionPolicy.webpki_defaults_ca().may_be_present(
        x509.ExtendedKeyUsage, Criticality.AGNOSTIC, _ca_server_auth
    )
    ee = (
        ExtensionPolicy.webpki_defaults_ee()
        .may_be_present(x509.SubjectAlternativeName, Criticality.AGNOSTIC, None)
        .may_be_present(x509.ExtendedKeyUsage, Criticality.AGNOSTIC, _server_auth)
    )
    return ca, ee


def _verify(
    leaf: x509.Certificate, sent: list[x509.Certificate], store: Any, now: datetime
) -> tuple[str, str | None]:
    """(how it was verified, None when trusted or the verifier's reason); ``store``: a verification
    ``Store``, None when the trust store is empty."""
    from cryptography.x509.verification import PolicyBuilder, VerificationError

    name = ownlabel(leaf)
    how = (
        f"server verifier for the leaf's own name {name.value}"
        if name
        else "chain only (no name in the leaf)"
    )
    if store is None:
        return how, "the trust store is empty"
    builder = PolicyBuilder().store(store).time(now)
    try:
        if name is not None:
            builder.build_server_verifier(name).verify(leaf, sent)
        else:
            ca, ee = _nameless()
            builder.extension_policies(ca_policy=ca, ee_policy=ee).build_client_verifier().verify(leaf, sent)
    except (VerificationError, ValueError) as exc:
        return how, str(exc)
    return how, None


def _words(how: str, reason: str | None) -> str:
    """The verifier's evidence line: how it verified and what it said, the certificate it names in its
    words by its subject, as the other evidence lines name one, not by Python's representation of it."""
    if reason is not None:
        reason = _ENCOUNTERED.sub(lambda found: f" (at the certificate {found['dn']})", reason)
    return f"cryptography, {how}: {reason or 'trusted'}"


def ownlabel(leaf: x509.Certificate) -> Subject | None:
    """The name the leaf is identified by: its first usable dNSName (a wildcard's probe), else iPAddress."""
    from cryptography import x509

    try:
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (x509.ExtensionNotFound, x509.DuplicateExtension, x509.UnsupportedGeneralNameType, ValueError):
        return None
    for dns in san.get_values_for_type(x509.DNSName):
        probe = "confcheck-probe" + dns[1:] if dns.startswith("*.") else dns
        try:
            return x509.DNSName(probe)
        except ValueError:
            continue
    for ip in san.get_values_for_type(x509.IPAddress):
        if isinstance(ip, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
            return x509.IPAddress(ip)
    return None


_ENCOUNTERED = re.compile(
    r"\s*\(encountered processing <Certificate\(subject=<Name\((?P<dn>.*)\)>, \.\.\.\)>\)\s*$"
)
_REASONS = (
    (
        "basicConstraints.cA must not be asserted",
        "it is a CA certificate (basicConstraints cA), not a server certificate",
    ),
    ("required EKU not found", "its extendedKeyUsage does not allow serverAuth"),
    ("Neither EKU nor anyEKU", "a CA's extendedKeyUsage does not allow serverAuth"),
    ("2.5.29.35", "it has no authorityKeyIdentifier"),
    ("not valid at validation time", "it is outside its validity period"),
    ("signature does not match", "a signature in the chain does not verify"),
    ("has no subjectAltName", "it has no subjectAltName"),
    (
        "Forbidden signature algorithm",
        "a certificate of the chain is signed with an algorithm it no longer accepts (SHA-1 or older)",
    ),
)


def _rejected(reason: str, leaf: x509.Certificate) -> Gap:
    """What the verifier refused when the walk found every piece: a Web-PKI rule, in plain words."""
    found = _ENCOUNTERED.search(reason)
    text = reason[: found.start()] if found else reason
    text = text.removeprefix("validation failed: ").removeprefix("candidates exhausted: ")
    text = re.sub(r"^Python extension validator failed: ValueError: ", "", text)
    text = next((plain for key, plain in _REASONS if key in text), text)
    if found is None:
        return Gap("rejected", f"the verifier rejects the chain: {text}", "chain", "", text)
    if found.group("dn") == leaf.subject.rfc4514_string():
        return Gap(
            "rejected", f"the verifier rejects the certificate: {text}", "leaf", _label(leaf.subject), text
        )
    dn = found.group("dn")
    return Gap("rejected", f"the verifier rejects the CA {dn}: {text}", "issuer", dn, text)


# --- certificate helpers ----------------------------------------------------------------------


def _load_uncached(pem: str) -> x509.Certificate:
    from cryptography import x509

    return x509.load_pem_x509_certificate(pem.encode("utf-8"))


_load = functools.lru_cache(maxsize=4096)(_load_uncached)


@functools.lru_cache(maxsize=16384)
def _signed_by(child: x509.Certificate, parent: x509.Certificate) -> bool:
    """Remembered: every chain that meets a CA checks it again, per rule and per platform's store."""
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm

    from confcheck import certs_x509  # x509's objects: a lint that judges no trust never loads them

    if certs_x509.sha1_signed(child):  # the verifier refuses SHA-1 and says why; the path is still this one
        try:
            return certs_x509.sha1_signed_by(child, parent.public_key())
        except (ValueError, UnsupportedAlgorithm):
            return False
    try:
        child.verify_directly_issued_by(parent)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _issuer(
    child: x509.Certificate, candidates: list[x509.Certificate], now: datetime
) -> x509.Certificate | None:
    """The candidate that signed ``child`` (by name and signature), preferring one valid at ``now``."""
    found = [c for c in candidates if c.subject == child.issuer and _signed_by(child, c)]
    valid = [c for c in found if c.not_valid_before_utc <= now <= c.not_valid_after_utc]
    best = valid or found
    return best[0] if best else None


def _role(cert: x509.Certificate) -> Role:
    return "root" if _self_signed(cert) else "intermediate"


_label = functools.lru_cache(maxsize=1024)(label)
""":func:`label`, remembered: a CA is named in every chain it signs, for every store."""

_self_signed = functools.lru_cache(maxsize=4096)(is_self_signed)
""":func:`is_self_signed`, remembered: the same few CAs are met in every chain and judged per store."""


# --- the chains references meet ---------------------------------------------------------------


@records.record
class _Met:
    """One chain a node presented for one purpose, the references that meet it, and the verdict."""

    cluster: Cluster | None
    node: Node
    endpoint: Endpoint
    checks: tuple[ReferenceCheck, ...]
    verdict: Verdict


def verifier(ctx: Context) -> Verifier:
    """The verifier every rule judging trust in this check shares (CC401, CC403)."""
    return ctx.memo((__name__, "verifier"), lambda: Verifier(ctx.options.now))


def judge(ctx: Context) -> Verdicts:
    """The verdicts every rule judging trust in this check shares (CC401, CC403): one walk of each chain
    for the stores that agree on it, the certificates met elsewhere loaded and indexed once."""
    return ctx.memo(
        (__name__, "judge"),
        lambda: Verdicts(ctx.options.now, Known(met_certificates(ctx.deployment)), verifier(ctx)),
    )


Judging = tuple[Sequence[Certificate], tuple[Sequence[Certificate], ...]]
"""A chain (leaf first) and the stores it is judged by."""


def judge_all(ctx: Context, chains: Sequence[Judging], words: bool) -> list[tuple[Verdict, ...]]:
    """Each chain's verdict by each of its stores (:meth:`Verdicts.assess`), in order, on every CPU that
    saves time (see :mod:`confcheck.parallel`): a large deployment has thousands of distinct chains, each
    a walk and a signature to check. ``words``: the verifier's words of a verdict CC401 reports are asked
    where the chain is judged (CC401 shows them: about 1 ms of cryptography's verifier a chain, 11 s at
    3,000 clusters whose chains the store cannot reach); otherwise they are asked only if read
    (:class:`Said`)."""
    shared = judge(ctx)
    if parallel.processes(len(chains), CHAINS_A_PROCESS) > 1:
        for store in {id(s): s for _, stores in chains for s in stores}.values():
            shared.ready(store)  # made once, before the chains are shared out
    wire = _Wire(shared.verifier)
    return list(
        parallel.map_forked(
            functools.partial(_judged, shared, words),
            chains,
            wire.sent,
            wire.received,
            CHAINS_A_PROCESS,
            CHAINS_A_CHUNK,
        )
    )


def _judged(judge: Verdicts, words: bool, chain: Judging) -> tuple[Verdict, ...]:
    verdicts = tuple(judge.assess(chain[0], store) for store in chain[1])
    if words:
        for verdict in verdicts:
            if isinstance(verdict.said, Said) and _reported_gaps(verdict):
                str(verdict.said)  # asked now, by whichever process judged the chain
    return verdicts


def _chains(ctx: Context) -> list[_Met]:
    return ctx.memo(__name__, lambda: _assess_all(ctx))


def _assess_all(ctx: Context) -> list[_Met]:
    store = ctx.options.trust_store
    if store is None:
        return []
    groups: dict[
        tuple[int, str, tuple[str, ...]], tuple[Cluster | None, Node, Endpoint, dict[int, ReferenceCheck]]
    ] = {}
    for check in ctx.checks:
        for target in check.targets:
            endpoint = target.endpoint
            if endpoint is None or not endpoint.chain:
                continue
            key = (id(target.node), endpoint.purpose, tuple(c.sha256 for c in endpoint.chain))
            group = groups.setdefault(key, (target.cluster, target.node, endpoint, {}))
            group[3].setdefault(id(check), check)
    chains: dict[tuple[str, ...], tuple[Certificate, ...]] = {}
    for (_, _, fingerprints), (_, _, endpoint, _) in groups.items():
        chains.setdefault(fingerprints, endpoint.chain)
    judged = judge_all(ctx, [(chain, (store,)) for chain in chains.values()], words=True)
    verdicts = {fingerprints: found[0] for fingerprints, found in zip(chains, judged, strict=True)}
    return [
        _Met(cluster, node, endpoint, tuple(checks.values()), verdicts[fingerprints])
        for (_, _, fingerprints), (cluster, node, endpoint, checks) in groups.items()
    ]


CHAINS_A_PROCESS = 500
"""The fewest distinct chains worth judging in a forked process of their own (some 0.15 s)."""
CHAINS_A_CHUNK = 64
"""Chains claimed at a time by a process that judges them."""


class _Wire:
    """A chain's verdicts as a forked child sends them (:mod:`marshal` writes them) and as the parent
    rebuilds them: each verdict's values, with the verifier's words when they have been asked; words not
    asked stay to be asked of the whole store when read (:class:`Said`), as :meth:`Verdicts._judge`
    leaves them."""

    def __init__(self, verifier: Verifier) -> None:
        self._verifier = verifier

    def sent(self, verdicts: tuple[Verdict, ...], _: Judging) -> tuple[tuple[Any, ...], ...]:
        return tuple(self._values(verdict) for verdict in verdicts)

    def _values(self, verdict: Verdict) -> tuple[Any, ...]:
        said = verdict.said
        words = said if isinstance(said, str) else str(said) if said.asked else None
        gaps = tuple(_GAP_VALUES(gap) for gap in verdict.gaps)
        return verdict.trusted, verdict.pinned, gaps, verdict.path, words

    def received(self, values: tuple[tuple[Any, ...], ...], chain: Judging) -> tuple[Verdict, ...]:
        return tuple(
            self._verdict(value, chain[0], store) for value, store in zip(values, chain[1], strict=True)
        )

    def _verdict(
        self, value: tuple[Any, ...], chain: Sequence[Certificate], store: Sequence[Certificate]
    ) -> Verdict:
        trusted, pinned, gaps, path, said = value
        if said is None:
            verifier, anchors = self._verifier, tuple(store)
            said = Said(lambda: verifier.words(chain, anchors, tuple(c.sha256 for c in anchors)))
        return Verdict(trusted, pinned, tuple(Gap(*values) for values in gaps), path, said)


_GAP_VALUES = records.values(Gap)


def met_certificates(deployment: Deployment) -> list[Certificate]:
    """Every certificate met anywhere in the snapshot (what the nodes and external servers presented, and
    the chains Jabber's discovery fetched): where an unsent intermediate may be met after all. One set for
    every judge of trust (CC401, CC403, ``confcheck journey``), so that they name a chain's gaps alike."""
    nodes = [n for c in deployment.clusters for n in c.nodes] + list(deployment.externals)
    unique = {c.sha256: c for n in nodes for e in n.endpoints for c in e.chain}
    for discovered in deployment.discovery:
        for fetch in discovered.fetches:
            unique.update((c.sha256, c) for c in fetch.chain)
    return list(unique.values())


def _reference(check: ReferenceCheck, met: _Met) -> str:
    ref = check.reference
    text = subject(check)
    return text if ref.cluster is met.cluster else f"{text} in {ref.cluster.name}"


def _met_by(met: _Met, shown: int = 3) -> str:
    names = [_reference(c, met) for c in met.checks]
    if len(names) > shown:
        return f"{', '.join(names[:shown])} and {len(names) - shown} more"
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _certificate(met: _Met) -> str:
    """``the Tomcat certificate of cucm1 (met by Node name cucm1 and Primary TFTP Server cucm1 in imp)``."""
    return f"the {purpose_title(met.endpoint.purpose)} certificate of {node_label(met.node)} (met by {_met_by(met)})"


def _finding(met: _Met, message: str, fix: Fix) -> Finding:
    endpoint, cluster, leaf = met.endpoint, met.cluster, met.endpoint.chain[0]
    evidence = [("met by", _reference(c, met)) for c in met.checks]
    evidence += [
        ("endpoint", f"{endpoint.protocol}://{endpoint.host}:{endpoint.port} ({endpoint.purpose})"),
        ("certificate", f"{leaf.subject} (SHA-256 {leaf.sha256[:16]}…)"),
        ("chain sent", " → ".join(_label(_load(c.pem).subject) for c in endpoint.chain)),
        ("path", met.verdict.path),
        ("verifier", met.verdict.verifier),
    ]
    return Finding(
        message,
        cluster=cluster.name if cluster else None,
        product=cluster.product if cluster else None,
        version=cluster.version if cluster else None,
        node=met.node.name,
        subject=f"{met.node.name} {endpoint.purpose}",
        certificate=leaf.sha256,
        evidence=tuple(evidence),
        fix=fix,
    )


# --- fixes ------------------------------------------------------------------------------------


def _server(ctx: Context, met: _Met) -> tuple[str, str]:
    """(where the node's certificates are managed, what replacing its chain costs)."""
    node, purpose = met.node, met.endpoint.purpose
    return (
        certificate_where(ctx, met.cluster, node),
        certificate_restart(ctx, met.cluster, purpose, node.name, "chain"),
    )


def _push(what: str) -> Fix:
    """Give the clients the root they lack (or, failing that, a certificate from a CA they have)."""
    return Fix(
        phase=Phase.CERTIFICATES,
        action=f"Add {what} to {ROOT_STORE}, or have the certificate signed by a CA the clients trust",
        where=CLIENT_WHERE,
        impact="None on the servers; each client accepts the certificate once it trusts the root.",
        steps=(
            f"Export {what} (PEM or DER).",
            *ROOT_STEPS,
            "Add it to confcheck's [check] trust_store so that the next lint predicts what the clients do.",
        ),
    )


def _gap_fix(ctx: Context, met: _Met, gap: Gap) -> Fix:
    """The remedy for one gap, on the server or on the clients."""
    where, impact = _server(ctx, met)
    title, node = purpose_title(met.endpoint.purpose), node_label(met.node)
    trust = TRUST_STORES.get(met.endpoint.purpose)
    as_trust = f"as {trust}" if trust else f"as a trust certificate of its {title} service"
    send = (
        f"Upload the intermediate CA {gap.name} to {node} {as_trust} and re-upload the {title} certificate, "
        "so that the node sends the whole chain"
        if met.cluster is not None
        else f"Configure {node} to send the intermediate CA {gap.name} with its {title} certificate"
    )

    def renewal(demand: str, **wanted: object) -> Any:
        return renew(
            ctx, met.cluster, met.node, met.endpoint.purpose, met.endpoint.chain[0], demand, **wanted
        )

    def on_server(action: str, *, mends: str = "") -> Fix:
        """A step on the server; ``mends``: a chain problem that a replacement of the certificate solves too."""
        renewals = (renewal(mends, required=False),) if mends else ()
        return Fix(phase=Phase.CERTIFICATES, action=action, where=where, impact=impact, renewals=renewals)

    if gap.kind == "self-signed":
        successor = renewal(
            "the Jabber clients do not trust it (self-signed, and not in their trust store)", request=True
        )
        if successor.signer is None:  # no CA in the cluster yet: staying self-signed is the alternative
            successor = replace(successor, notes=(METHOD_2_ALTERNATIVE,))
        return renewal_fix(successor, met.cluster)
    if gap.kind == "root":
        return _push(f"the root CA {gap.name}")
    if gap.kind == "other-key":
        return _push(f"the {gap.name} certificate whose key signed the chain")
    if gap.kind == "expired" and gap.role == "root":
        return _push(f"the renewed root CA {gap.name}")
    if gap.kind == "not-sent":
        return on_server(send, mends=f"the node does not send the intermediate CA {gap.name}")
    if gap.kind == "issuer":
        return on_server(
            f"Find the CA certificate {gap.name}: if it is an intermediate, upload it to {node} {as_trust} and "
            f"re-upload the {title} certificate; if it is the root, add it to {ROOT_STORE}",
            mends=f"its issuer {gap.name} is neither sent nor trusted by the clients",
        )
    if gap.kind == "expired" and gap.role == "intermediate":
        return on_server(
            send.replace("the intermediate CA", "the renewed intermediate CA", 1),
            mends=f"the intermediate CA {gap.name} it sends has expired",
        )
    if gap.kind == "expired":
        return renewal_fix(renewal("it has expired"), met.cluster)
    if gap.kind == "not-yet-valid":
        return on_server(
            f"Check the clocks of {node}, its CA and the clients: {gap.text}; or wait until then"
        )
    if gap.role == "leaf":
        demand = f"the clients' verifier rejects it ({gap.detail}): it must be a TLS server certificate"
        return renewal_fix(renewal(demand, request=True), met.cluster)
    return on_server(f"Have the CA chain of the {title} certificate of {node} reissued ({gap.detail})")


def chain_fix(ctx: Context, cluster: Cluster | None, node: Node, endpoint: Endpoint, verdict: Verdict) -> Fix:
    """What mends the chain ``endpoint`` presents, as CC401 says it: for rules that judge the same chain
    against other trust stores (CC403, per client platform)."""
    return _fix(ctx, _Met(cluster, node, endpoint, (), verdict), verdict.gaps)


def _fix(ctx: Context, met: _Met, gaps: Sequence[Gap]) -> Fix:
    """The first gap's remedy; with several gaps, every remedy in order as the steps."""
    fixes = [_gap_fix(ctx, met, g) for g in gaps]
    first = fixes[0]
    if len(fixes) == 1:
        return first
    # a replacement of the certificate answers the whole fix only if it answers every gap
    renewals = tuple(r for f in fixes for r in f.renewals) if all(f.renewals for f in fixes) else ()
    return Fix(
        phase=first.phase,
        action=first.action,
        where=first.where,
        preconditions=first.preconditions,
        impact=first.impact,
        steps=tuple(f"{f.action}." for f in fixes),
        renewals=renewals,
    )


# --- the rules --------------------------------------------------------------------------------


def _reported_gaps(verdict: Verdict) -> list[Gap]:
    """The gaps CC401 reports of a verdict: none when it is trusted, nor an expired certificate the
    server sends (CC301 says so, with the fix)."""
    if verdict.trusted:
        return []
    return [g for g in verdict.gaps if not (g.kind == "expired" and g.sent)]


@rule("CC401", "untrusted-chain", Severity.ERROR, prepare=_chains)
def untrusted_chain(ctx: Context) -> Iterator[Finding]:
    """A server presents a certificate chain the Jabber clients do not trust.

    ## What it checks
    Every chain a server presented where a configured name points (node names, TFTP, CCMCIP,
    voicemail, mail store, conferencing, the XMPP domain), against the clients' trust store
    (`[check] trust_store`), at the check time: does the path from the leaf reach a certificate
    in the store, with every certificate in its validity period and accepted by Web-PKI path
    validation? The name is not judged here (the CC1xx rules do), so the path is verified against
    the name the leaf itself carries. One finding per node, certificate purpose and chain, naming
    every reference that meets it. Nothing is checked while the trust store is unknown. An
    expired certificate the server sends is CC301's to report, with its fix, and is not repeated
    here.

    ## Why it matters
    Jabber checks that a trusted authority issued the certificate. When the path breaks, every
    user is prompted to accept the certificate, whatever name was configured, and a user who
    accepts it teaches the client to trust whatever that server presents.

    ## Example
    cucm1's Tomcat certificate is signed by `Corp Issuing CA`, but cucm1 sends only its own
    certificate, and the clients trust only `Corp Root CA`: they cannot find the intermediate,
    and prompt.

    ## How to fix
    The message names the missing piece. An intermediate the server does not send: upload it to
    the node's Certificate Management as tomcat-trust (cup-xmpp-trust for cup-xmpp) and re-upload
    the certificate so the node sends the chain. A root the clients do not have: add it to their
    trusted root CAs (on Windows, Trusted Root Certification Authorities), or have the certificate
    signed by a CA the clients already trust. A self-signed certificate: have it signed by a CA the
    clients trust (Cisco's recommendation, method 3), or push that certificate itself to the
    clients' Enterprise Trust store (Windows, method 2). An expired certificate: renew it.
    """
    for met in _chains(ctx):
        gaps = _reported_gaps(met.verdict)
        if not gaps:
            continue
        clauses = "; ".join(g.text for g in gaps)
        verb = reacts(ctx, "prompt for", "refuse")
        yield _finding(met, f"Jabber will {verb} {_certificate(met)}: {clauses}.", _fix(ctx, met, gaps))


@rule("CC402", "leaf-pinned-in-trust-store", Severity.INFO)
def leaf_pinned_in_trust_store(ctx: Context) -> Iterator[Finding]:
    """A CA-signed certificate is trusted only because that exact certificate is in the clients' store.

    ## What it checks
    Every chain a configured name meets whose CA-signed leaf certificate is itself in the
    clients' trust store while its chain alone would not be trusted: the path is broken (an
    intermediate not sent, a root the clients lack) but the certificate was pushed or accepted
    as it is. A self-signed certificate in the store is the guide's method 2, which CC303 reports.

    ## Why it matters
    Clients trust that one certificate, not its issuer. When the node renews it (on expiry,
    after a rename or a rebuild), every client prompts until the new certificate is pushed
    again, although it comes from the same CA. Fixing the path once makes renewals free.

    ## Example
    The clients' trust store holds cucm1's Tomcat certificate itself, signed by `Corp Issuing
    CA`, but neither that intermediate nor its root: Jabber trusts the certificate today, and
    prompts the day it is renewed.

    ## How to fix
    Mend the chain as CC401 would: have the node send the intermediate it omits (upload it as
    tomcat-trust or cup-xmpp-trust and re-upload the certificate), or push the missing root to
    the clients. Until then, push every renewed certificate before it is presented.
    """
    for met in _chains(ctx):
        verdict = met.verdict
        if not verdict.pinned or any(g.kind == "self-signed" for g in verdict.gaps):
            continue  # a pinned self-signed certificate is method 2, which CC303 reports
        why = f"its chain alone would not be trusted ({'; '.join(g.text for g in verdict.gaps)})"
        yield _finding(
            met,
            f"Jabber trusts {_certificate(met)} only because this exact certificate is in the "
            f"clients' trust store; {why}. Once it is renewed, every client "
            f"{reacts(ctx, 'prompts', 'refuses to connect')} until the new certificate is pushed as well; with "
            "the chain fixed, renewals need nothing on the clients.",
            _fix(ctx, met, verdict.gaps),  # what mends the chain, as CC401 would say it
        )


RULES: tuple[Rule, ...] = (untrusted_chain, leaf_pinned_in_trust_store)


@hookimpl
def confcheck_rules() -> list[Rule]:
    return list(RULES)
