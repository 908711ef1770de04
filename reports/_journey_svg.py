"""The sign-in journey as a picture: inline SVG, no script, no font, no link, ready for a slide.

One picture per path (inside, outside): the stages left to right, each hop a box with the name used
and a badge per client platform, red where a platform is prompted or refuses to connect (or the hop
fails), green where it is not. Colour is never alone: a bad hop has a thick border and a cross, and
each badge carries a word. Everything from a server is escaped; only presentation attributes style
it, so the HTML report's Content-Security-Policy needs nothing more. ``confcheck journey --format svg`` writes the
pictures of every path as one standalone SVG document.
"""

from __future__ import annotations

from collections.abc import Sequence

from confcheck.journey import BAD, Hop, Journey, Path
from confcheck.platforms import client_title
from confcheck.reports.html import escape

COLUMN, BOX_WIDTH, BOX_HEIGHT, GAP = 226, 202, 78, 12
MARGIN, HEADER, LEGEND = 16, 64, 44
FONT = "font-family=\"'Liberation Sans','DejaVu Sans',Arial,Helvetica,sans-serif\""
COLOURS = {
    "ok": ("#2e7d32", "#ffffff", "ok"),
    "prompt": ("#c62828", "#ffffff", "PROMPT"),
    "refuse": ("#c62828", "#ffffff", "REFUSES"),
    "fail": ("#4a0a0a", "#ffffff", "FAIL"),
    "silent": ("#f9a825", "#1d2430", "no check"),
    "unknown": ("#bdbdbd", "#1d2430", "?"),
    "none": ("#eeeeee", "#1d2430", "-"),
}
"""Verdict -> (badge fill, text colour, word)."""
SHORT = {"windows": "Win", "mac": "Mac", "iphone": "iPh", "ipad": "iPad", "android": "And"}
LEGEND_TEXT = (
    ("ok", "no prompt"),
    ("prompt", "prompts"),
    ("fail", "fails"),
    ("silent", "does not validate"),
    ("unknown", "not judged"),
    ("none", "no certificate"),
)
REFUSAL = ("refuse", "refuses to connect")
"""The legend's entry for the prompt under InvalidCertificateBehavior RejectAndNotify."""


def _cut(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "\u2026"


def picture(journey: Journey, path: Path, uid: str) -> tuple[str, int, int]:
    """(the picture's markup, its width, its height) for one path; ``uid`` keeps its ids unique in a page."""
    stages = path.stages or ()
    rows = max((len(s.hops) for s in stages), default=1)
    width = max(2 * MARGIN + len(stages) * COLUMN, 2 * MARGIN + 6 * 165)
    height = HEADER + rows * (BOX_HEIGHT + GAP) + LEGEND
    parts = [
        f'<defs><marker id="{uid}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#5b6473"/></marker></defs>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{MARGIN}" y="22" font-size="15" font-weight="bold" fill="#1d2430" {FONT}>'
        f"{escape(_cut(f'{journey.services_domain}: {path.title}', 110))}</text>",
    ]
    top = HEADER
    for index, stage in enumerate(stages):
        x = MARGIN + index * COLUMN
        parts.append(
            f'<text x="{x}" y="{HEADER - 14}" font-size="11" font-weight="bold" fill="#5b6473" {FONT}>'
            f"{escape(_cut(f'{index + 1}. {stage.title}', 36))}</text>"
        )
        for row, hop in enumerate(stage.hops):
            parts.append(_box(hop, x, top + row * (BOX_HEIGHT + GAP)))
        if index + 1 < len(stages):
            y = top + BOX_HEIGHT // 2
            parts.append(
                f'<line x1="{x + BOX_WIDTH + 3}" y1="{y}" x2="{x + COLUMN - 4}" y2="{y}" stroke="#5b6473" '
                f'stroke-width="1.5" marker-end="url(#{uid}-arrow)"/>'
            )
    parts.append(_legend(height - LEGEND + 14, journey.refuses))
    return "".join(parts), width, height


def _box(hop: Hop, x: int, y: int) -> str:
    bad = hop.bad
    fill, stroke, line = ("#fdecea", "#c62828", 3) if bad else ("#ffffff", "#9aa3ad", 1)
    tooltip = "; ".join(dict.fromkeys(f"{o.platform}: {o.verdict} ({o.reason})" for o in hop.outcomes))
    title = ("\u2716 " if bad else "") + hop.title
    parts = [
        "<g>",
        f"<title>{escape(_cut(hop.title + ': ' + tooltip, 600))}</title>",
        f'<rect x="{x}" y="{y}" width="{BOX_WIDTH}" height="{BOX_HEIGHT}" rx="6" fill="{fill}" stroke="{stroke}" '
        f'stroke-width="{line}"/>',
        f'<text x="{x + 8}" y="{y + 17}" font-size="11" font-weight="bold" fill="#1d2430" {FONT}>'
        f"{escape(_cut(title, 28))}</text>",
    ]
    if hop.name:
        parts.append(
            f'<text x="{x + 8}" y="{y + 33}" font-size="10" fill="#1d2430" font-family="monospace">'
            f"{escape(_cut(hop.name, 31))}</text>"
        )
    if hop.certificate is not None:
        cert = hop.certificate
        signer = "self-signed" if cert.self_signed else cert.issuer_label or cert.issuer
        parts.append(
            f'<text x="{x + 8}" y="{y + 47}" font-size="9" fill="#5b6473" {FONT}>'
            f"{escape(_cut('cert: ' + signer, 38))}</text>"
        )
    parts.append(_badges(hop, x + 6, y + BOX_HEIGHT - 22))
    parts.append("</g>")
    return "".join(parts)


def _badges(hop: Hop, x: int, y: int) -> str:
    if not hop.outcomes:
        return ""
    if hop.judged_by is not None or len({(o.verdict, o.reason) for o in hop.outcomes}) == 1:
        verdict = hop.outcomes[0].verdict
        who = f"{hop.judged_by}: " if hop.judged_by else "all: "
        return _badge(x, y, BOX_WIDTH - 12, who + COLOURS[verdict][2], verdict)
    width = min(44, (BOX_WIDTH - 12) // max(len(hop.outcomes), 1) - 2)
    return "".join(
        _badge(x + i * (width + 2), y, width, SHORT.get(o.platform, o.platform), o.verdict)
        for i, o in enumerate(hop.outcomes)
    )


def _badge(x: int, y: int, width: int, label: str, verdict: str) -> str:
    fill, ink, word = COLOURS.get(verdict, COLOURS["unknown"])
    border = ' stroke="#1d2430" stroke-width="1.5"' if verdict in BAD else ""
    return (
        f'<rect x="{x}" y="{y}" width="{width}" height="16" rx="3" fill="{fill}"{border}><title>{escape(word)}</title></rect>'
        f'<text x="{x + width / 2:.0f}" y="{y + 12}" font-size="9" font-weight="bold" text-anchor="middle" '
        f'fill="{ink}" {FONT}>{escape(_cut(label, max(3, width // 6)))}</text>'
    )


def _legend(y: int, refusing: bool = False) -> str:
    """The badges' meanings; with ``refusing`` (clients installed with RejectAndNotify), the refusal in
    place of the prompt, which such clients never show."""
    parts = []
    legend = [REFUSAL if refusing and verdict == "prompt" else (verdict, m) for verdict, m in LEGEND_TEXT]
    for index, (verdict, meaning) in enumerate(legend):
        x = MARGIN + index * 165
        word = COLOURS[verdict][2]
        parts.append(_badge(x, y, 56, word, verdict))
        parts.append(
            f'<text x="{x + 60}" y="{y + 12}" font-size="9" fill="#5b6473" {FONT}>{escape(meaning)}</text>'
        )
    return "".join(parts)


def inline(journey: Journey, path: Path, uid: str) -> str:
    """One path's picture as an ``<svg>`` element for an HTML page (scales to its container)."""
    body, width, height = picture(journey, path, uid)
    label = f"Jabber sign-in journey of {journey.services_domain}, {path.title}: " + "; ".join(
        f"{client_title(c)}: {text}" for c, text in journey.summary(path)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'role="img" aria-label="{escape(label)}" style="max-width:100%;height:auto">'
        f"<title>{escape(label)}</title>{body}</svg>"
    )


def document(journeys: Sequence[Journey]) -> str:
    """Every path of every journey as one standalone SVG document, one picture under the other."""
    pictures = [picture(j, p, f"j{i}-{k}") for i, j in enumerate(journeys) for k, p in enumerate(j.paths)]
    width = max((w for _, w, _ in pictures), default=400)
    height = sum(h for _, _, h in pictures) or 40
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    parts.append(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
    )
    parts.append("<title>Jabber sign-in journey (confcheck)</title>")
    y = 0
    for body, _, h in pictures:
        parts.append(f'<g transform="translate(0,{y})">{body}</g>')
        y += h
    parts.append("</svg>\n")
    return "".join(parts).encode("ascii", "xmlcharrefreplace").decode("ascii")
