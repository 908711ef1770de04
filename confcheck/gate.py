"""The gate between findings and a verdict: --select/--ignore, waivers, and the baseline.

A pipeline adopting confcheck on a deployment with known problems needs to fail on *new* ones:
the baseline records today's findings by fingerprint (content, not position, so it survives
re-ordering and re-collection). Waivers say, with a required reason and an optional expiry, that a
finding is accepted; an expired waiver stops suppressing and says so, and a waiver that matches
nothing is itself reported (CC901), so stale waivers do not pile up. Suppressed findings stay
visible as such in the JSON and SARIF reports; they never count toward the exit code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import field
from datetime import date, datetime, timezone
from pathlib import Path

from confcheck import __version__, inputs, records
from confcheck.errors import InputError
from confcheck.findings import Finding, Severity, Suppression

BASELINE_VERSION = 1


@records.record
class Waiver:
    """An accepted finding: which rule (code or prefix), which target, why, and until when."""

    rule: str
    target: str
    """A finding's fingerprint, its cluster, ``cluster/location``, ``cluster/location/value``, a value or a node."""
    reason: str
    expires: date | None = None
    origin: str = ""
    """Where it was written, ``confcheck.toml:12``, for messages."""

    def matches(self, finding: Finding) -> bool:
        """Whether this waiver covers ``finding``."""
        if not finding.rule.startswith(self.rule):
            return False
        target = self.target.strip().lower()
        paths = {
            finding.fingerprint,
            finding.cluster,
            f"{finding.cluster}/{finding.location}",
            f"{finding.cluster}/{finding.location}/{finding.value}",
            finding.value,
            finding.node,
        }
        return target in {(p or "").lower() for p in paths if p}


@records.record
class Gate:
    """What to keep out of the verdict, and how."""

    select: tuple[str, ...] = ()
    """Rule codes or prefixes to report (empty: all)."""
    ignore: tuple[str, ...] = ()
    waivers: tuple[Waiver, ...] = ()
    baseline: frozenset[str] = field(default_factory=frozenset)
    """Fingerprints of findings that are known and accepted for now."""
    baseline_source: str = ""
    today: date = field(default_factory=lambda: datetime.now(timezone.utc).date())

    def selects(self, code: str) -> bool:
        """Whether rule ``code`` is in scope."""
        if self.select and not any(code.startswith(s) for s in self.select):
            return False
        return not any(code.startswith(i) for i in self.ignore)


@records.record
class Gated:
    """Findings after the gate: the ones that count, the suppressed ones, and what people should know."""

    findings: tuple[Finding, ...]
    suppressed: tuple[Suppression, ...]
    notes: tuple[str, ...]


def apply(findings: Sequence[Finding], gate: Gate) -> Gated:
    """Sort ``findings`` into kept and suppressed; report unused waivers as CC901 findings."""
    codes = {f.rule for f in findings}
    selected = {code for code in codes if gate.selects(code)}  # each rule's scope decided once
    in_scope = findings if selected == codes else [f for f in findings if f.rule in selected]
    notes = []
    if len(in_scope) < len(findings):
        notes.append(
            f"{len(findings) - len(in_scope)} findings of rules outside --select/--ignore are not shown."
        )
    kept: list[Finding] = []
    suppressed: list[Suppression] = []
    used: set[Waiver] = set()
    for finding in in_scope:
        waiver = next((w for w in gate.waivers if w.matches(finding)), None) if gate.waivers else None
        if waiver is not None:
            used.add(waiver)
            if waiver.expires is not None and waiver.expires < gate.today:
                kept.append(finding)
                notes.append(
                    f"The waiver at {waiver.origin} for {finding.rule} on {waiver.target} expired on "
                    f"{waiver.expires.isoformat()} and no longer suppresses it ({waiver.reason})."
                )
                continue
            suppressed.append(Suppression(finding, "waiver", waiver.reason, waiver.expires))
        elif gate.baseline and finding.fingerprint in gate.baseline:  # no fingerprint made for no baseline
            suppressed.append(
                Suppression(finding, "baseline", f"in the baseline {gate.baseline_source}".strip())
            )
        else:
            kept.append(finding)
    if gate.selects("CC901"):
        kept += [_unused(w) for w in gate.waivers if w not in used]
    return Gated(tuple(kept), tuple(suppressed), tuple(notes))


def _unused(waiver: Waiver) -> Finding:
    return Finding(
        f"The waiver at {waiver.origin} (rule {waiver.rule}, target {waiver.target!r}) matches no finding: "
        "remove it, or correct its rule or target.",
        rule="CC901",
        name="unused-waiver",
        severity=Severity.WARNING,
        value=f"{waiver.rule} {waiver.target}",
        evidence=(("reason", waiver.reason),),
    )


# --- the baseline file ------------------------------------------------------------------------


def read_baseline(path: str | Path) -> frozenset[str]:
    """The fingerprints in a baseline file written by ``--create-baseline``."""
    if not Path(path).exists():
        raise InputError(f"{path}: no such baseline file (write one with --create-baseline)")
    data = inputs.read_json(path, inputs.BASELINE_BYTES, "a baseline", InputError)
    version = data.get("schema_version") if isinstance(data, dict) else None
    if isinstance(version, bool) or version != BASELINE_VERSION:
        raise InputError(f"{path}: not a confcheck baseline (schema_version {BASELINE_VERSION} expected)")
    entries = data.get("findings")
    if not isinstance(entries, list):
        raise InputError(f"{path}: findings: expected a list of objects with a fingerprint")
    for index, entry in enumerate(entries):
        fingerprint = entry.get("fingerprint") if isinstance(entry, dict) else None
        if not isinstance(fingerprint, str) or not _FINGERPRINT.fullmatch(fingerprint):
            raise InputError(f"{path}: findings[{index}].fingerprint: expected 32 hexadecimal digits")
    return frozenset(e["fingerprint"] for e in entries)


_FINGERPRINT = re.compile(r"[0-9a-f]{32}")


def baseline_text(findings: Iterable[Finding]) -> str:
    """A baseline of ``findings``: fingerprints, with enough context for a person reviewing the diff."""
    entries = sorted(
        (
            {
                "fingerprint": f.fingerprint,
                "rule": f.rule,
                "cluster": f.cluster,
                "location": f.location,
                "value": f.value,
            }
            for f in findings
        ),
        key=lambda e: (
            e["cluster"] or "",
            e["rule"],
            e["location"] or "",
            e["value"] or "",
            e["fingerprint"],
        ),
    )
    stamp = datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    head = {
        "schema_version": BASELINE_VERSION,
        "tool": {"name": "confcheck", "version": __version__},
        "created": stamp,
    }
    return json.dumps(head | {"findings": entries}, indent=1) + "\n"
