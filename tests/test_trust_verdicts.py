"""Verdicts shared between stores and rules are the verdicts each chain and store get on their own.

:class:`confcheck.rules.trust.Verdicts` judges a chain once for every store that holds the same
certificates its path can meet, and refuses without running cryptography's verifier a chain that can
reach none of the store. Each verdict here is held to the one computed as before any sharing: the walk
and cryptography's verifier over the whole store, for every chain and store, in two orders.
"""

from __future__ import annotations

import functools
import pickle
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone

import pytest
from cryptography.x509.verification import Store
from helpers import cluster, deployment, issuing, node, other_root, parse, rekeyed_root, root

from confcheck import lint as linting
from confcheck import pki, plugin_manager
from confcheck.certs import Certificate, label
from confcheck.engine import CheckOptions
from confcheck.findings import Finding
from confcheck.model import Deployment, Endpoint
from confcheck.rules import journey, trust

NOW = datetime.now(timezone.utc)
DOMAIN = "example.com"


@functools.cache
def cross() -> pki.Issued:
    """``root()``'s name and key, signed by ``other_root()``: a cross-signed CA."""
    return pki.ca("Corp Root CA", issuer=other_root(), key=root().key)


@functools.cache
def unrelated() -> pki.Issued:
    return pki.ca("Public Test CA")


def server(host: str, issuer: pki.Issued | None, **kw: object) -> pki.Issued:
    return pki.server(host, dns=[host], issuer=issuer, **kw)  # type: ignore[arg-type]


@functools.cache
def chains() -> dict[str, tuple[Certificate, ...]]:
    leaf = server("cucm1.example.com", issuing())
    old = server("cucm2.example.com", issuing(), not_before=NOW - timedelta(days=800), days=730)
    made = {
        "intermediate sent": (leaf, issuing()),
        "root sent too": (leaf, issuing(), root()),
        "intermediate not sent": (leaf,),
        "other CA, its root sent": (server("cucm3.example.com", other_root()), other_root()),
        "self-signed": (server("cucm4.example.com", None),),
        "expired leaf": (old, issuing()),
        "no name in the leaf": (pki.server("mail.example.com", issuer=issuing()), issuing()),
    }
    return {what: tuple(parse(c) for c in chain) for what, chain in made.items()}


@functools.cache
def stores() -> dict[str, tuple[Certificate, ...]]:
    leaf = chains()["intermediate sent"][0]
    self_signed = chains()["self-signed"][0]
    made = {
        "root and the other root": (parse(root()), parse(other_root())),
        "root": (parse(root()),),
        "root and an unrelated CA": (parse(unrelated()), parse(root())),
        "other root": (parse(other_root()),),
        "re-keyed root": (parse(rekeyed_root()),),
        "re-keyed root and the root": (parse(rekeyed_root()), parse(root())),
        "intermediate": (parse(issuing()),),
        "cross-signed root": (parse(cross()),),
        "unrelated CA": (parse(unrelated()),),
        "empty": (),
    }
    return made | {"the leaf itself": (leaf, parse(unrelated())), "the self-signed leaf": (self_signed,)}


def unshared(chain: Sequence[Certificate], store: Sequence[Certificate], known: trust.Known) -> trust.Verdict:
    """The verdict as computed before any sharing: the walk and the verifier over the whole store."""
    load = trust._load_uncached
    leaf = load(chain[0].pem)
    if chain[0].sha256 in {c.sha256 for c in store}:
        dated = trust._validity(leaf, "leaf", NOW, sent=True)
        path = f"{label(leaf.subject)} (this exact certificate is in the trust store)"
        if dated:
            return trust.Verdict(
                False, False, tuple(dated), path, "not run: the pinned leaf is outside its validity"
            )
        alone = unshared(chain, [c for c in store if c.sha256 != chain[0].sha256], known)
        if alone.trusted:
            return alone
        return trust.Verdict(
            True, True, alone.gaps, path, "trusted by fingerprint: the leaf itself is in the store"
        )
    sent = [load(c.pem) for c in chain[1:]]
    anchors = [load(c.pem) for c in store]
    gaps, path = trust._walk(leaf, sent, anchors, known, NOW)
    how, reason = trust._verify(leaf, sent, Store(anchors) if anchors else None, NOW)
    verifier = trust._words(how, reason)
    if reason is None:
        return trust.Verdict(True, False, (), path, verifier)
    return trust.Verdict(False, False, tuple(gaps) or (trust._rejected(reason, leaf),), path, verifier)


def every_certificate() -> list[Certificate]:
    found = [c for chain in chains().values() for c in chain] + [c for s in stores().values() for c in s]
    return [*found, parse(cross())]


KNOWN = {
    "nothing met elsewhere": lambda: trust.NONE_KNOWN,
    "every certificate met elsewhere": lambda: trust.Known(every_certificate()),
    # the walk reaches the store through a CA only met elsewhere: the store's other root counts then
    "only the cross-signed CA met elsewhere": lambda: trust.Known([parse(cross())]),
}


@pytest.mark.parametrize("make", KNOWN.values(), ids=KNOWN.keys())
def test_one_judge_for_every_chain_and_store_gives_each_the_verdict_it_gets_alone(
    make: Callable[[], trust.Known],
) -> None:
    known = make()
    pairs = [(c, s) for c in chains() for s in stores()]
    for order in (pairs, pairs[::-1]):
        judge = trust.Verdicts(NOW, known)
        for chain, store in order:
            got = judge.assess(chains()[chain], stores()[store])
            expected = unshared(chains()[chain], stores()[store], known)
            assert got == expected, (chain, store)
            assert (got.verifier, got.gaps, got.path) == (expected.verifier, expected.gaps, expected.path)


def test_stores_that_agree_on_what_the_path_can_meet_share_one_verdict() -> None:
    judge = trust.Verdicts(NOW)
    chain = chains()["intermediate sent"]
    trusted = judge.assess(chain, stores()["root"])
    assert trusted.trusted
    # another CA, one the path cannot meet, changes nothing: judged once
    assert judge.assess(chain, stores()["root and the other root"]) is trusted
    assert judge.assess(chain, stores()["root and an unrelated CA"]) is trusted
    # stores holding nothing the path can meet: refused alike, with the words the verifier says of each
    refused = judge.assess(chain, stores()["other root"])
    assert judge.assess(chain, stores()["unrelated CA"]) is refused
    assert not refused.trusted
    assert [g.kind for g in refused.gaps] == ["root"]
    assert refused.verifier == unshared(chain, stores()["unrelated CA"], trust.NONE_KNOWN).verifier
    assert refused.verifier.startswith(
        "cryptography, server verifier for the leaf's own name cucm1.example.com: "
    )


def test_stores_that_differ_by_one_root_give_different_verdicts() -> None:
    judge = trust.Verdicts(NOW)
    chain = chains()["intermediate sent"]
    assert judge.assess(chain, stores()["root"]).trusted
    rekeyed = judge.assess(chain, stores()["re-keyed root"])
    assert not rekeyed.trusted
    assert [g.kind for g in rekeyed.gaps] == ["other-key"]  # a CA of that name, another key
    assert judge.assess(chain, stores()["re-keyed root and the root"]).trusted
    assert judge.assess(chain, stores()["cross-signed root"]).trusted  # its name and key, another issuer
    assert not judge.assess(chains()["other CA, its root sent"], stores()["root"]).trusted
    assert judge.assess(chains()["other CA, its root sent"], stores()["root and the other root"]).trusted


def test_the_verifiers_words_read_late_are_compared_shown_and_kept_as_words() -> None:
    chain, store = chains()["intermediate sent"], stores()["unrelated CA"]
    verdict = trust.Verdicts(NOW).assess(chain, store)
    words = unshared(chain, store, trust.NONE_KNOWN).verifier
    assert verdict == trust.Verdict(verdict.trusted, verdict.pinned, verdict.gaps, verdict.path, words)
    assert hash(verdict) == hash(
        trust.Verdict(verdict.trusted, verdict.pinned, verdict.gaps, verdict.path, words)
    )
    assert repr(words) in repr(verdict)
    kept = pickle.loads(pickle.dumps(verdict))
    assert kept == verdict
    assert kept.verifier == words


# --- as lint reports it -------------------------------------------------------------------------


def endpoint(host: str, chain: Sequence[Certificate]) -> Endpoint:
    return Endpoint("tomcat", "https", host, 8443, chain=tuple(chain))


def two_cas() -> Deployment:
    """cucm1 presents a chain from Corp Root CA, cucm3 one from Other Root CA (which it sends)."""
    corp, other = chains()["intermediate sent"], chains()["other CA, its root sent"]
    return deployment(
        cluster(
            "cucm",
            "cucm",
            "9.1.2.10000-28",
            [
                node(
                    "cucm1.example.com", endpoint("cucm1.example.com", corp), hostname="cucm1", domain=DOMAIN
                ),
                node(
                    "cucm3.example.com", endpoint("cucm3.example.com", other), hostname="cucm3", domain=DOMAIN
                ),
            ],
        )
    )


def cc403(**stores: tuple[pki.Issued, ...]) -> list[Finding]:
    options = CheckOptions(
        now=NOW, platform_stores=tuple((key, tuple(parse(c) for c in certs)) for key, certs in stores.items())
    )
    rules = (journey.untrusted_on_platform,)
    return list(linting.lint(two_cas(), plugin_manager.catalog(), rules, options).findings)


def test_lint_judges_each_platform_by_its_own_store_when_the_stores_differ_by_one_root() -> None:
    (finding,) = cc403(windows=(root(), other_root()), macos=(root(),))
    assert finding.node == "cucm3.example.com"
    assert finding.message.startswith(
        "Jabber for Mac (releases that validate certificates) prompts for the Tomcat"
    )
    assert (
        "not trusted by the macOS keychain: the root CA Other Root CA is not in the clients' trust store"
        in (finding.message)
    )
    (finding,) = cc403(windows=(other_root(),), macos=(root(), other_root()))
    assert finding.node == "cucm1.example.com"
    assert finding.message.startswith("Jabber for Windows ")
    # the same roots on both platforms: nobody prompts
    assert cc403(windows=(root(), other_root()), macos=(other_root(), unrelated(), root())) == []


def test_lint_names_a_re_keyed_root_on_the_one_platform_that_holds_it() -> None:
    findings = cc403(windows=(root(), other_root()), macos=(rekeyed_root(), other_root()))
    (finding,) = findings
    assert finding.node == "cucm1.example.com"
    assert finding.message.startswith("Jabber for Mac ")
    assert "holds a CA named Corp Root CA, but not the one that signed" in finding.message
    assert "Windows" not in finding.message.split(":")[0]


def test_no_name_in_the_leaf_is_still_verified_as_a_chain() -> None:
    chain = chains()["no name in the leaf"]
    verdict = trust.Verdicts(NOW).assess(chain, stores()["root"])
    assert verdict.trusted
    assert verdict.verifier == "cryptography, chain only (no name in the leaf): trusted"


def test_cc401_and_cc403_name_an_intermediate_met_only_at_an_external_server_alike() -> None:
    """cucm1 sends its leaf alone; the mail store sends its own leaf with the intermediate CA that signed
    both. Every judge of trust knows the certificates met anywhere in the snapshot (externals' chains and
    discovery's too): CC401 and CC403 both say the server does not send that intermediate. CC403 knew
    only the clusters' chains, and said that the issuer was neither sent nor trusted."""
    alone = chains()["intermediate not sent"]
    mail = (
        parse(pki.server("mail.example.com", dns=["mail.example.com"], issuer=issuing())),
        parse(issuing()),
    )
    store = (parse(other_root()),)
    snapshot = deployment(
        cluster(
            "cucm",
            "cucm",
            "9.1.2.10000-28",
            [
                node(
                    "cucm1.example.com", endpoint("cucm1.example.com", alone), hostname="cucm1", domain=DOMAIN
                )
            ],
        ),
        externals=[
            node("mail.example.com", Endpoint("mailstore", "imaps", "mail.example.com", 993, chain=mail))
        ],
    )
    options = CheckOptions(now=NOW, trust_store=store, platform_stores=(("windows", store),))
    rules = (trust.untrusted_chain, journey.untrusted_on_platform)
    findings = linting.lint(snapshot, plugin_manager.catalog(), rules, options).findings
    about = [f for f in findings if f.node == "cucm1.example.com"]
    assert sorted(f.rule for f in about) == ["CC401", "CC403"]
    for finding in about:
        assert "the server does not send the intermediate CA Corp Issuing CA" in finding.message, (
            finding.message
        )
