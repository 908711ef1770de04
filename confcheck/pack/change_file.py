"""``changes.toml``: every setting change and rename of the plan, in the change-file format ``lint`` reads.

So the plan can be proven before anyone touches a server: ``confcheck lint SNAPSHOT --changes
changes.toml`` applies the edits to the snapshot and reports what they fix and what they break
(:mod:`confcheck.changes`). A step is a setting change when its fix changes the configured value of
the findings it resolves (``current`` → ``proposed``) in the node-name or client-setting phases; a
node-name location is a rename. Certificates are not in it: a change file can only give a node a
certificate that exists, and the CSR plan's do not yet.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Literal

from confcheck import records
from confcheck.catalog import Catalog
from confcheck.errors import one_line
from confcheck.findings import Phase
from confcheck.plan import Plan

PHASES = (Phase.NODE_NAMES, Phase.CLIENT_SETTINGS)


@records.record
class Change:
    """One edit: set a setting of a cluster, or rename one of its nodes."""

    step: int
    action: str
    cluster: str
    kind: Literal["set", "rename"]
    location: str
    instance: str | None
    current: str
    value: str


def changes(plan: Plan, catalog: Catalog) -> list[Change]:
    """The plan's setting changes and renames, in plan order, one per setting or node."""
    found: dict[tuple[str, ...], Change] = {}
    for number, step in enumerate(plan.steps, start=1):
        fix = step.fix
        if fix is None or fix.phase not in PHASES or fix.renewals or not fix.current or not fix.proposed:
            continue
        for finding in step.findings:
            if not finding.cluster or not finding.location or finding.value != fix.current:
                continue
            entry = catalog.location(finding.location)
            if entry is None or entry[1].target.scope == "cluster":
                continue
            rename = entry[1].target.scope == "node"
            key = (
                (finding.cluster, "rename", fix.current.lower())
                if rename
                else (finding.cluster, "set", finding.location, finding.instance or "")
            )
            found.setdefault(
                key,
                Change(
                    number,
                    step.action,
                    finding.cluster,
                    "rename" if rename else "set",
                    finding.location,
                    None if rename else finding.instance,
                    fix.current,
                    fix.proposed,
                ),
            )
    return list(found.values())


def render(found: Sequence[Change], source: str) -> str:
    """The change file: a comment saying how to use it, then one ``[[change]]`` table per edit."""
    lines = [
        "# confcheck remediation pack: every setting change and rename of the plan, in the change-file",
        "# format of `confcheck lint SNAPSHOT --changes changes.toml`. Lint the snapshot with it before",
        "# the maintenance windows: the report lists what the changes fix and what they would introduce.",
        f"# Made from: {one_line(source)}",
    ]
    for change in found:
        lines += ["", f"[[change]]  # step {change.step}: {one_line(change.action)}"]
        lines.append(f"cluster = {toml_string(change.cluster)}")
        if change.kind == "rename":
            lines.append(f"rename = {toml_string(change.current)}")
            lines.append(f"to = {toml_string(change.value)}")
        else:
            lines.append(f"set = {toml_string(change.location)}")
            if change.instance is not None:
                lines.append(f"instance = {toml_string(change.instance)}")
            lines.append(f"value = {toml_string(change.value)}  # was {toml_string(change.current)}")
    return "\n".join(lines) + "\n"


def expressible(change: Change) -> bool:
    """Whether every value of ``change`` can be written as TOML (no lone surrogate)."""
    values = (change.cluster, change.location, change.instance or "", change.current, change.value)
    return not any(unicodedata.category(c) == "Cs" for v in values for c in v)


def toml_string(value: str) -> str:
    """A TOML basic string: quotes and backslashes escaped, control characters as \\uXXXX."""
    out = ['"']
    for char in value:
        if char in '"\\':
            out.append("\\" + char)
        elif unicodedata.category(char) == "Cc":
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)
