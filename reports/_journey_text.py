"""The sign-in journey as text: for ``confcheck journey`` and the terminal and Markdown reports.

Each services domain, inside then outside: a line per client saying where it is prompted, then the
stages in order, each hop with the name used, the certificate met, a verdict per platform, why a
platform is prompted, and the fixes of the findings about that hop (their rule codes: the fix list
and ``confcheck explain`` say the rest). Every string from a server goes through
:func:`~confcheck.console.safe`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence

from confcheck.console import safe
from confcheck.journey import BAD, Hop, Journey, Outcome, Path
from confcheck.platforms import client_title

Style = Callable[[str, str], str]
"""``style(text, name)``: colour for a terminal (names: error, warning, info, ok, dim, bold, alert)."""

MARKS = {
    "ok": ("ok", "ok"),
    "prompt": ("PROMPT", "error"),
    "refuse": ("REFUSES", "error"),
    "fail": ("FAIL", "error"),
    "silent": ("no check", "warning"),
    "unknown": ("?", "dim"),
    "none": ("-", "dim"),
}
"""Verdict -> (what a platform column shows, its style)."""
SHORT = {"windows": "Windows", "mac": "Mac", "iphone": "iPhone", "ipad": "iPad", "android": "Android"}


def _plain(text: str, style: str) -> str:
    return text


def lines(journeys: Sequence[Journey], width: int = 100, style: Style = _plain) -> list[str]:
    """The journeys as lines of at most ``width`` columns (colour codes aside)."""
    out: list[str] = []
    for journey in journeys:
        out += _journey(journey, max(width, 60), style)
    return out


def _journey(journey: Journey, width: int, style: Style) -> list[str]:
    title = f"Jabber sign-in journey · {safe(journey.services_domain)} ({safe(journey.jabber)})"
    out = ["", style(title, "bold") + " " + "─" * max(width - len(title) - 1, 3)]
    out += _fold("Clients: " + ", ".join(client_title(c) for c in journey.clients), width, "")
    for note in journey.notes:
        out += [style(line, "dim") for line in _fold(f"note: {safe(note)}", width, "  ")]
    for path in journey.paths:
        out += _path(journey, path, width, style)
    return out


def _path(journey: Journey, path: Path, width: int, style: Style) -> list[str]:
    out = ["", style(safe(path.title), "bold")]
    for client, text in journey.summary(path):
        word = "error" if "prompts" in text or "fails" in text else "warning" if "never" in text else "ok"
        out.append(f"  {client_title(client)}: " + style(text, word))
    for note in path.notes:
        out += [style(line, "dim") for line in _fold(safe(note), width, "  ")]
    for number, stage in enumerate(path.stages, start=1):
        out.append(style(f"  {number}. {safe(stage.title)}", "dim"))
        for hop in stage.hops:
            out += _hop(journey, hop, width, style)
    return out


def _hop(journey: Journey, hop: Hop, width: int, style: Style) -> list[str]:
    mark = "✗" if hop.bad else "·"
    head = f"    {mark} {safe(hop.title)}"
    if hop.judged_by is not None and hop.outcomes:
        verdicts = f"{safe(hop.judged_by)} (Expressway-C) " + _mark(hop.outcomes[0].verdict, style)
    else:
        verdicts = "  ".join(_verdict(o, style) for o in hop.outcomes if o.verdict != "none")
    out = [style(head, "bold") if hop.bad else head]
    if verdicts:
        out.append("        " + verdicts)
    details = []
    if hop.where or hop.name:
        details.append(
            f"name {safe(hop.name)}" + (f" at {safe(hop.where)}" if hop.where else "")
            if hop.name
            else safe(hop.where)
        )
    if hop.certificate is not None:
        cert = hop.certificate
        names = (
            ", ".join(cert.san.dns[:4])
            if cert.san and cert.san.dns
            else ", ".join(cert.subject_cn) or cert.subject
        )
        signer = "self-signed" if cert.self_signed else f"issued by {cert.issuer_label or cert.issuer}"
        details.append(f"certificate {safe(names)}, {safe(signer)}, valid until {cert.not_after:%Y-%m-%d}")
    for text in details:
        out += [style(line, "dim") for line in _fold(text, width, "        ")]
    for note in hop.notes:
        out += [style(line, "dim") for line in _fold(safe(note), width, "        ")]
    reasons: dict[str, list[str]] = {}
    for outcome in hop.outcomes:
        if outcome.verdict in BAD or (outcome.verdict == "unknown" and hop.bad):
            reasons.setdefault(outcome.reason, []).append(SHORT.get(outcome.platform, outcome.platform))
    all_platforms = len({o.platform for o in hop.outcomes})
    for reason, platforms in reasons.items():
        who = (
            "every platform"
            if len(platforms) == all_platforms and all_platforms > 1
            else ", ".join(platforms)
        )
        if hop.judged_by is not None:
            who = safe(hop.judged_by)
        out += _fold(f"{who}: {safe(reason)}", width, "        ")
    fixes: dict[str, list[str]] = {}
    for finding in hop.findings:
        if finding.fix is not None:
            fixes.setdefault(finding.fix.action, []).append(finding.rule)
    for action, rules in fixes.items():
        codes = ", ".join(dict.fromkeys(rules))
        out += _fold(f"fix ({codes}): {safe(action)}", width, "        ")
    return out


def _verdict(outcome: Outcome, style: Style) -> str:
    return f"{SHORT.get(outcome.platform, outcome.platform)} " + _mark(outcome.verdict, style)


def _mark(verdict: str, style: Style) -> str:
    text, name = MARKS.get(verdict, (verdict, ""))
    return style(text, name) if name else text


def _fold(text: str, width: int, indent: str) -> list[str]:
    room = max(width - len(indent), 20)
    wrapped = textwrap.wrap(text, room, break_long_words=True, break_on_hyphens=False) or [""]
    return [indent + wrapped[0]] + [indent + "  " + line for line in _refold(wrapped[1:], room - 2)]


def _refold(rest: list[str], room: int) -> list[str]:
    if not rest:
        return []
    return textwrap.wrap(" ".join(rest), max(room, 20), break_long_words=True, break_on_hyphens=False)


def markdown(journeys: Sequence[Journey]) -> list[str]:
    """The journeys as a Markdown section: per path a table of hops with a column per client platform."""
    from confcheck.reports.markdown import NONE, cell, escape, table

    out = ["", "## Jabber sign-in journey"]
    words = {
        "ok": "ok",
        "prompt": "**PROMPT**",
        "refuse": "**REFUSES**",
        "fail": "**FAIL**",
        "silent": "no check",
        "unknown": "?",
        "none": NONE,
    }
    for journey in journeys:
        out += ["", f"### {escape(journey.services_domain)}", ""]
        out.append("Clients: " + ", ".join(escape(client_title(c)) for c in journey.clients))
        out += [f"- {escape(note)}" for note in journey.notes]
        for path in journey.paths:
            out += ["", f"#### {escape(path.title)}", ""]
            out += [f"- {escape(client_title(c))}: {escape(text)}" for c, text in journey.summary(path)]
            out += [f"- {escape(note)}" for note in path.notes]
            headers = [
                "step",
                "hop",
                "name",
                *(SHORT.get(c.platform, c.platform) for c in journey.clients),
                "fix",
            ]
            rows = []
            for number, stage in enumerate(path.stages, start=1):
                for hop in stage.hops:
                    by = {o.platform: o.verdict for o in hop.outcomes}
                    fixes = dict.fromkeys(
                        f"{f.rule}: {f.fix.action}" for f in hop.findings if f.fix is not None
                    )
                    rows.append(
                        [
                            cell(f"{number}. {stage.title}"),
                            cell(hop.title),
                            cell(hop.name),
                            *(words.get(by.get(c.platform, "none"), "?") for c in journey.clients),
                            "<br>".join(escape(f) for f in fixes) or NONE,
                        ]
                    )
            out += ["", *table(headers, rows)]
            reasons = [
                (hop, outcome) for hop in path.hops() for outcome in hop.outcomes if outcome.verdict in BAD
            ]
            if reasons:
                out += ["", "Why:", ""]
                seen: set[tuple[str, str]] = set()
                for hop, outcome in reasons:
                    who = hop.judged_by or SHORT.get(outcome.platform, outcome.platform)
                    if (hop.title, outcome.reason + who) in seen:
                        continue
                    seen.add((hop.title, outcome.reason + who))
                    out.append(f"- {escape(hop.title)} ({escape(who)}): {escape(outcome.reason)}")
    return out
