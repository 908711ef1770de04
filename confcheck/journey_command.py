"""``confcheck journey``: where Jabber users sign in, hop by hop, and which platforms are prompted where.

From a stored snapshot (offline; ``--config`` then reads only ``[check]``, as ``lint`` does) or, without
one, by collecting the inventory ``--config`` names (as ``audit`` does). The journey is drawn from the
same analysis as the reports: the findings and their fixes come with it.

Exit codes as everywhere: 0 no platform is prompted and no hop fails; 1 some hop prompts or fails;
2 usage or input error (a snapshot without discovery: the inventory needs ``[[jabber]]``); 3
collection incomplete.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from confcheck.errors import ConfcheckError, ExitCode
from confcheck.journey import Hop, Journey

FORMATS = ("text", "svg", "json")


def run(
    snapshot_path: str | None,
    config_path: str | None,
    stdout_format: str,
    outputs: Sequence[str],
    at: datetime | None,
    progress: bool,
) -> ExitCode:
    """Judge, draw the journey in the formats asked, and exit as it says."""
    from confcheck import config, engine, output_files, plugin_manager, snapshot
    from confcheck.engine import CheckOptions
    from confcheck.verdict import Options, judge

    if stdout_format not in FORMATS:
        raise ConfcheckError(f"unknown format {stdout_format!r} (choose from {', '.join(FORMATS)})")
    if snapshot_path is None and config_path is None:
        raise ConfcheckError(
            "give a SNAPSHOT, or --config with the inventory to collect (see 'confcheck journey --help')"
        )
    reads = (snapshot_path, config_path)
    targets: list[tuple[str, output_files.Target]] = []
    for spec in outputs:
        name, _, path = spec.partition("=")
        if not path or name not in FORMATS:
            raise ConfcheckError(f"-o {spec}: expected FORMAT=PATH with FORMAT one of {', '.join(FORMATS)}")
        taken = [t for _, t in targets]
        targets.append((name, output_files.check(path, f"the journey ({name})", reads, taken)))
    if snapshot_path is not None:
        deployment = snapshot.read(snapshot_path, plugin_manager.catalog(), engine.prepare)
        check = config.load_offline(config_path)[1] if config_path else CheckOptions()
        source = snapshot_path
    else:
        assert config_path is not None
        from confcheck.cli import _collect

        inventory = config.load(config_path)
        if not inventory.jabber:
            raise ConfcheckError(f"{config_path}: no [[jabber]]: name the services domain users sign in with")
        deployment = _collect(inventory, progress)
        check, source = inventory.check, config_path
    if not deployment.discovery:
        raise ConfcheckError(
            f"{source}: no Jabber discovery was collected: add [[jabber]] (the services domain) to the inventory "
            "and collect again"
        )
    report = judge(deployment, Options(fail_on="never", check=check, at=at), source)
    texts = {name: render(report.journeys, name) for name in {stdout_format, *(n for n, _ in targets)}}
    output_files.write_all([(t, texts[n], f"the journey ({n})") for n, t in targets])
    for name, target in targets:
        print(f"confcheck: wrote the journey ({name}) to {target.shown}", file=sys.stderr)
    sys.stdout.write(texts[stdout_format])
    if report.incomplete:
        return ExitCode.INCOMPLETE
    bad = any(hop.bad for j in report.journeys for p in j.paths for hop in p.hops())
    return ExitCode.FINDINGS if bad else ExitCode.OK


def render(journeys: Sequence[Journey], name: str) -> str:
    """The journeys as ``text`` (plain), ``svg`` (one standalone picture) or ``json``."""
    if name == "svg":
        from confcheck.reports import _journey_svg

        return _journey_svg.document(journeys)
    if name == "json":
        return json.dumps({"journeys": [as_dict(j) for j in journeys]}, indent=1, ensure_ascii=False) + "\n"
    from confcheck.console import wants_color
    from confcheck.reports import _journey_text

    if wants_color(sys.stdout) and name == "text":
        from confcheck.reports.terminal import STYLES

        def style(text: str, how: str) -> str:
            return f"\x1b[{STYLES[how]}m{text}\x1b[0m" if text and how in STYLES else text

        return "\n".join(_journey_text.lines(journeys, 110, style)).lstrip("\n") + "\n"
    return "\n".join(_journey_text.lines(journeys, 110)).lstrip("\n") + "\n"


def as_dict(journey: Journey) -> dict[str, Any]:
    """One journey as plain JSON data."""
    return {
        "services_domain": journey.services_domain,
        "jabber": journey.jabber,
        "clients": [{"platform": c.platform, "version": c.version} for c in journey.clients],
        "notes": list(journey.notes),
        "paths": [
            {
                "side": path.side,
                "title": path.title,
                "notes": list(path.notes),
                "summary": [
                    {"platform": c.platform, "version": c.version, "text": text}
                    for c, text in journey.summary(path)
                ],
                "stages": [{"title": s.title, "hops": [_hop(h) for h in s.hops]} for s in path.stages],
            }
            for path in journey.paths
        ],
    }


def _hop(hop: Hop) -> dict[str, Any]:
    return {
        "kind": hop.kind,
        "title": hop.title,
        "name": hop.name,
        "where": hop.where,
        "certificate": hop.certificate.sha256 if hop.certificate else None,
        "judged_by": hop.judged_by,
        "outcomes": [
            {"platform": o.platform, "verdict": o.verdict, "reason": o.reason} for o in hop.outcomes
        ],
        "notes": list(hop.notes),
        "findings": [
            {
                "rule": f.rule,
                "fingerprint": f.fingerprint,
                "message": f.message,
                "fix": f.fix.action if f.fix else None,
            }
            for f in hop.findings
        ],
    }
