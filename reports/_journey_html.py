"""The HTML report's journey section: per services domain and path, the picture, then what is wrong where.

Built with :func:`confcheck.reports.html.h`, which escapes every plain string, so the section is as
safe as the rest of the page; the pictures come from :mod:`confcheck.reports._journey_svg`.
"""

from __future__ import annotations

from collections.abc import Sequence

from confcheck.journey import BAD, Hop, Journey, Path
from confcheck.platforms import client_title
from confcheck.reports import _journey_svg
from confcheck.reports.html import Child, Html, h

ANCHOR = "journey"
TITLE = "Jabber sign-in journey"
PLATFORMS = {"windows": "Windows", "mac": "Mac", "iphone": "iPhone", "ipad": "iPad", "android": "Android"}


def section(journeys: Sequence[Journey]) -> Html:
    """The whole section (empty when there is no journey)."""
    if not journeys:
        return Html("")
    parts: list[Child] = [
        h("h2", TITLE),
        h(
            "p",
            "Where a Jabber user of each services domain goes when signing in, inside the office and outside, "
            "and what each client platform does at every hop: red where a platform is prompted or refuses to "
            "connect, or the hop fails.",
            class_="muted",
        ),
    ]
    for index, journey in enumerate(journeys):
        parts.append(_journey(journey, index))
    return h("section", parts, class_="cluster", id=ANCHOR)


def _journey(journey: Journey, index: int) -> Html:
    parts: list[Child] = [
        h("h3", journey.services_domain),
        h("p", "Clients: " + ", ".join(client_title(c) for c in journey.clients)),
    ]
    if journey.notes:
        parts.append(h("ul", [h("li", n) for n in journey.notes], class_="muted small"))
    for number, path in enumerate(journey.paths):
        parts.append(_path(journey, path, f"journey-{index}-{number}"))
    return h("div", parts)


def _path(journey: Journey, path: Path, uid: str) -> Html:
    summary = [h("li", f"{client_title(c)}: {text}") for c, text in journey.summary(path)]
    bad = [(stage.title, hop) for stage in path.stages for hop in stage.hops if hop.bad]
    parts: list[Child] = [
        h("h4", path.title, id=uid),
        h("ul", summary),
        h("figure", Html(_journey_svg.inline(journey, path, uid)), class_="journey", style="margin:0.6rem 0"),
    ]
    if path.notes:
        parts.append(h("ul", [h("li", n) for n in path.notes], class_="muted small"))
    if bad:
        parts.append(_table(bad))
    else:
        parts.append(h("p", "No platform is prompted on this path.", class_="clean"))
    return h("div", parts)


def _table(rows: Sequence[tuple[str, Hop]]) -> Html:
    head = h("tr", [h("th", t, scope="col") for t in ("step", "hop", "who", "why", "fix")])
    body = []
    for stage, hop in rows:
        reasons: dict[str, list[str]] = {}
        for outcome in hop.outcomes:
            if outcome.verdict in BAD:
                reasons.setdefault(outcome.reason, []).append(
                    PLATFORMS.get(outcome.platform, outcome.platform)
                )
        who = hop.judged_by or "; ".join(", ".join(p) for p in reasons.values())
        fixes = list(dict.fromkeys(f"{f.rule}: {f.fix.action}" for f in hop.findings if f.fix is not None))
        body.append(
            h(
                "tr",
                h("td", stage),
                h("td", h("strong", hop.title), h("br"), h("code", hop.name or "")),
                h("td", who),
                h("td", h("ul", [h("li", r) for r in reasons]) if reasons else ""),
                h("td", h("ul", [h("li", f) for f in fixes]) if fixes else "see the findings below"),
            )
        )
    return h("table", h("thead", head), h("tbody", body), class_="journey-hops")
