"""Which AXL version to speak to a CUCM, and what to do when it answers "Incorrect axl version".

What Cisco documents (AXL versioning page, developer.cisco.com/site/axl/discover/versioning and
/web/axl-developer/axl-versioning): a request names its schema version in the SOAPAction header
(``CUCM:DB ver=14.0 listProcessNode``) and in the body's namespace; each major and minor release
adds a schema, maintenance releases never do; a release keeps the schemas of the two major
releases before it, so current releases refuse the old ones; 8.6 speaks 8.5's schema. A server
refuses a version it does not keep with HTTP 599 and a page that lists the versions it keeps,
``Supported axl versions are 12.x, 14.0 and 15.0`` (a CUCM 15 page, captured in the public tests
of Unhall0w3d/aletheiauc: ``12.x`` stands for every 12 schema).

So confcheck speaks the newest version it ships that the release has (:func:`version_line`),
learned before the first call (UDS, see :mod:`.uds`), and on a 599 retries once with the best
version both sides have (:func:`best_common`). A :class:`Negotiation` remembers the outcome for a
cluster for the whole run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

VERSIONS = ("8.5", "9.0", "9.1", "10.0", "10.5", "11.0", "11.5", "12.0", "12.5", "14.0", "15.0")
"""The AXL versions confcheck ships a WSDL for, oldest first."""
BLIND = "8.5"
"""The version to speak when nothing says which release answers: UDS, which tells the version,
exists from CUCM 10.0 (Cisco's UDS developer guide), so a publisher without it is most likely
older, and Cisco's versioning table shows 8.5 accepted by every release from 8.5(1) to 10.5(1).
A newer release refuses it with a 599 that names what it accepts: one retry."""


def major_minor(version: str) -> tuple[int, int]:
    """``(14, 0)`` for ``14.0.1.11900-132``, ``14.0``, ``14``; ValueError when there is no number."""
    match = re.match(r"\s*(\d+)(?:\.(\d+))?", version)
    if not match:
        raise ValueError(f"{version!r} is not a CUCM version (expected e.g. 14.0.1.11900-132)")
    return int(match[1]), int(match[2] or 0)


def version_line(ccm_version: str) -> str:
    """The newest AXL version confcheck ships that a CUCM release has: 8.6.2 → 8.5, 10.5.2 → 10.5,
    14.0.1 → 14.0; newer releases than confcheck knows → its newest, older ones → its oldest."""
    release = major_minor(ccm_version)
    fitting = [v for v in VERSIONS if major_minor(v) <= release]
    return fitting[-1] if fitting else VERSIONS[0]


def supported_versions(page: bytes) -> tuple[str, ...]:
    """The versions a 599 page lists, as written: ``("12.x", "14.0", "15.0")``; () when it lists none."""
    text = re.sub(r"<[^>]*>", " ", page[: 64 * 1024].decode("utf-8", "replace"))
    match = re.search(r"Supported\s+axl\s+versions\s+are((?:[\d.xX,\s]|and\b)*)", text, re.IGNORECASE)
    return tuple(v.lower() for v in re.findall(r"\d+(?:\.(?:\d+|[xX]))?", match[1])) if match else ()


def expand(listed: Iterable[str], known: Iterable[str] = VERSIONS) -> set[str]:
    """The ``known`` versions that ``listed`` names: ``12.x`` (or a bare ``12``) is every 12 version."""
    known = tuple(known)
    found: set[str] = set()
    for item in listed:
        major, _, minor = item.strip().lower().partition(".")
        if not major.isdigit():
            continue
        if minor in ("x", ""):
            found |= {v for v in known if major_minor(v)[0] == int(major)}
        elif minor.isdigit():
            found |= {v for v in known if major_minor(v) == (int(major), int(minor))}
    return found


def best_common(ours: Iterable[str], theirs: Iterable[str]) -> str | None:
    """The newest version of ``ours`` that ``theirs`` (as a 599 page lists them) includes; None if none."""
    ours = tuple(ours)
    common = expand(theirs, ours)
    return max(common, key=major_minor) if common else None


def step_back(version: str, ours: Iterable[str] = VERSIONS) -> str | None:
    """The newest of ``ours`` from the major release before ``version``'s: what to try once when a
    599 page says nothing usable (releases keep the previous majors' schemas; *modelled*)."""
    major = major_minor(version)[0]
    older = [v for v in ours if major_minor(v)[0] < major]
    return max(older, key=major_minor) if older else None


def and_list(items: Iterable[str]) -> str:
    """``12.x, 14.0 and 15.0``."""
    items = tuple(items)
    if not items:
        return "none"
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


@dataclass
class Negotiation:
    """What one cluster's AXL service speaks, shared by every client of that cluster during a run.

    ``version`` is what the next request speaks. ``settled`` turns true once a call succeeded with
    it; from then on a 599 is an error, never a reason to switch. ``retried`` records that the one
    retry a cluster gets was spent. Calls to one cluster run one at a time, so no lock is needed.
    """

    version: str
    settled: bool = False
    retried: bool = False
    refused: list[str] = field(default_factory=list)
    """The versions the server refused (HTTP 599), in the order they were tried."""
    ccm_version: str | None = None
    """The release, when it was learned before the first call (UDS)."""

    @classmethod
    def start(cls, ccm_version: str | None) -> Negotiation:
        """Speak the newest version the release has, or :data:`BLIND` when the release is unknown."""
        return cls(version_line(ccm_version) if ccm_version else BLIND, ccm_version=ccm_version)
