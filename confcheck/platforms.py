"""Jabber's client platforms: which releases validate certificates, and what each platform trusts.

Table 1 of Cisco's certificate validation guide (TAC doc 116917) gives the first release of each
platform that validates server certificates: a client older than that never prompts, and checks
nothing. What a validating client trusts is its platform's store, given per platform in ``[check]
trust_stores`` (or, the simple case, one ``[check] trust_store`` for all):

* Windows: a CA's root in Trusted Root Certification Authorities (the guide's method 3), or the
  server certificate itself in Enterprise Trust (method 2), trusted by that fact. A CA certificate
  in Enterprise Trust anchors nothing (modelled: Windows semantics; the guide's text on the stores
  could not be read);
* macOS: the keychain (confirmed: Jabber for Mac 9.6 installation guide); iOS and iPadOS, Android:
  their trust stores, holding roots (modelled).

The verdict is cryptography's verifier (:func:`confcheck.rules.trust.assess`, CC401's), run once per
chain and the certificates of a store its path can meet (:class:`confcheck.rules.trust.Verdicts`).
"""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING

from confcheck import apple
from confcheck.certs import Certificate
from confcheck.engine import CheckOptions

if TYPE_CHECKING:
    from confcheck.discovery_model import Client
    from confcheck.rules.trust import Verdict, Verdicts

FIRST_VALIDATING = {"mac": "9.2", "windows": "9.2.5", "iphone": "9.5", "ipad": "9.6", "android": "9.6"}
"""The first Jabber release of each platform that validates certificates (Cisco doc 116917, Table 1:
Mac 9.2, Windows 9.2.5, iPhone 9.5, iPhone and iPad 9.6, Android 9.6)."""
PLATFORM_TITLES = {
    "windows": "Windows",
    "mac": "Mac",
    "iphone": "iPhone",
    "ipad": "iPad",
    "android": "Android",
}
STORE_KEYS = {"windows": "windows", "mac": "macos", "iphone": "ios", "ipad": "ios", "android": "android"}
"""Platform -> its key in ``[check.trust_stores]`` (iPhone and iPad share iOS's)."""
STORE_TITLES = {
    "windows": "Windows' Trusted Root Certification Authorities",
    "macos": "the macOS keychain",
    "ios": "the iOS and iPadOS trust store",
    "android": "the Android trust store",
    "trust_store": "the clients' trust store ([check] trust_store)",
}


def client_title(client: Client) -> str:
    """``Jabber for Mac 14.1``, ``Jabber for Android`` (release not given)."""
    title = f"Jabber for {PLATFORM_TITLES.get(client.platform, client.platform)}"
    return f"{title} {client.version}" if client.version else title


def validates(client: Client) -> bool:
    """Whether the client's release validates certificates (a release not given is assumed to)."""
    from confcheck.discovery import release

    first = FIRST_VALIDATING.get(client.platform)
    have = release(client.version)
    return first is None or not have or have >= release(first)


def enterprise_trust(options: CheckOptions) -> frozenset[str]:
    """The fingerprints in Windows' Enterprise Trust (``windows_enterprise``, else ``[check] trust_store``)."""
    enterprise = dict(options.platform_stores).get("windows_enterprise", options.trust_store or ())
    return frozenset(c.sha256 for c in enterprise)


def anchors(
    options: CheckOptions,
    key: str,
    store: Sequence[Certificate],
    chain: Sequence[Certificate],
    enterprise: AbstractSet[str] | None = None,
) -> tuple[Certificate, ...]:
    """What the store ``key`` anchors ``chain`` with: its certificates, and on Windows the leaf itself
    when it is in Enterprise Trust (method 2; ``enterprise``: :func:`enterprise_trust`, if at hand)."""
    found = tuple(store)
    if key == "windows":
        pushed = enterprise_trust(options) if enterprise is None else enterprise
        if chain[0].sha256 in pushed:
            found += (chain[0],)
    return found


class Trust:
    """Per platform, whether a chain is trusted; each (store, chain) judged once."""

    def __init__(self, options: CheckOptions, known: Sequence[Certificate]) -> None:
        self.options = options
        self.stores = dict(options.platform_stores)
        self.known = known
        self._verdicts: Verdicts | None = None
        """The judge, with ``known`` indexed for the walks (made at the first chain judged)."""
        self._cache: dict[tuple[str, tuple[str, ...]], Verdict] = {}
        self._enterprise = enterprise_trust(options)

    def store(self, platform: str) -> tuple[str, tuple[Certificate, ...]] | None:
        """(which store, its certificates) a platform judges by; None when none is known."""
        key = STORE_KEYS[platform]
        if key in self.stores:
            return key, self.stores[key]
        if self.options.trust_store is not None:
            return "trust_store", self.options.trust_store
        return None

    def judge(self, platform: str, chain: Sequence[Certificate]) -> tuple[bool | None, str]:
        """(trusted, why); trusted is None when the platform's store is unknown. Apple's platforms also
        refuse a chain that breaks Apple's rules for TLS server certificates (:mod:`confcheck.apple`),
        whether or not their store anchors it."""
        found = self.store(platform)
        refused = None
        if platform in apple.PLATFORMS:
            pinned = found is not None and any(c.sha256 == chain[0].sha256 for c in found[1])
            refused = apple.refusal(chain, trusted_itself=pinned)
        if found is None:
            if refused is not None:
                return False, refused
            return (
                None,
                "trust not judged: no trust store for this platform ([check] trust_store, [check.trust_stores])",
            )
        key, store = found
        anchored = anchors(self.options, STORE_KEYS[platform], store, chain, self._enterprise)
        cache_key = (key + ("+" if len(anchored) > len(store) else ""), tuple(c.sha256 for c in chain))
        if cache_key not in self._cache:
            if self._verdicts is None:
                from confcheck.rules.trust import Known, Verdicts

                self._verdicts = Verdicts(self.options.now, Known(self.known))
            self._cache[cache_key] = self._verdicts.assess(chain, anchored)
        verdict = self._cache[cache_key]
        where = STORE_TITLES[key]
        if verdict.trusted:
            how = " (this exact certificate is trusted)" if verdict.pinned else ""
            if refused is not None:
                return False, f"{refused}, although {where} trusts it{how}"
            return True, f"trusted through {where}{how}"
        gaps = "; ".join(g.text for g in verdict.gaps) or "the chain is not trusted"
        untrusted = f"not trusted by {where}: {gaps}"
        return False, untrusted if refused is None else f"{untrusted}; and {refused}"
