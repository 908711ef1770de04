"""``--format sarif``: SARIF 2.1.0 for code-scanning dashboards and SARIF viewers.

What other tools learnt the hard way, and the tests check against the official schema: rule ids
are unique (Checkov #1521), messages are never empty (ansible-lint #2667), every rule carries its
documentation and a ``security-severity`` (Checkov PR #5074), and results carry
``partialFingerprints`` so a dashboard matches them across runs by content (the same fingerprint
as the JSON report and the baseline).

A finding is about a server setting, not a line of a file, so results have logical locations
only (cluster / location id / value), with the admin menu path alongside. For the same reason a
fix is not a SARIF ``fix`` (which is an edit of file contents): it travels in the result's
properties and in ``message.markdown``.

Suppressions: a waiver is an ``external`` suppression, ``accepted``, with its reason as the
justification. A baselined finding is likewise suppressed (it does not count, and consumers such as
GitLab and GitHub honour ``suppressions``, not ``baselineState``), and marked
``baselineState: unchanged`` because it was already there. Other results get a ``baselineState``
only when the comparison is known: for ``lint --changes``, ``new`` for what the change introduces
and ``unchanged`` for the rest. Nothing here names a URL that a viewer would fetch.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator, Sequence
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any, TextIO

from confcheck import __version__, hookimpl, plugin_manager
from confcheck.findings import Finding, Severity, Suppression
from confcheck.report import Report, Reporter
from confcheck.reports.json import fix_to_dict
from confcheck.reports.markdown import escape
from confcheck.rule import Rule

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
"""The schema's own ``$id``: an identifier for validators, never fetched by confcheck."""

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}

SECURITY_SEVERITY = {Severity.ERROR: "7.5", Severity.WARNING: "5.0", Severity.INFO: "2.0"}
"""CVSS-like scores code scanning sorts by: high (7.0-8.9), medium (4.0-6.9), low (0.1-3.9).

An error makes Jabber prompt every user to accept a certificate, which trains them to accept an
attacker's: high, not critical, since the name mismatch alone exposes nothing.
"""

FINGERPRINT = "confcheck/v1"
"""The ``partialFingerprints`` key; the version changes if the fingerprint recipe ever does."""


def write(report: Report, out: TextIO) -> None:
    """Write the report as one SARIF log with one run.

    Each result is made as it is written and dropped once encoded, as the JSON report does with its
    findings: the log of thousands of findings is never held as dicts, which the garbage collector
    would otherwise walk again and again while the log grows.
    """
    out.write(_indented(_log(report, one_by_one=bool(_FLAT))))
    out.write("\n")


# --- JSON with one space of indentation, as json.dump(indent=1, ensure_ascii=False) writes it ----------
#
# Python encodes indented JSON in pure Python, a generator step per value: for thousands of results
# that was most of the time. Here each container whose values are all scalars is encoded by the C
# encoder in one call (separated by a line break and the indentation of its depth), and only the
# containers around them are walked in Python. The text is byte for byte what json.dump writes.

_SCALARS = frozenset({str, int, float, bool, type(None)})
_CONTAINERS = frozenset({dict, list, tuple})
_BREAKS = tuple("\n" + " " * depth for depth in range(66))
_FLAT = (
    tuple(
        c_make_encoder(
            None, None, encode_basestring, None, ": ", "," + _BREAKS[depth + 1], False, False, True
        )
        for depth in range(64)
    )
    if c_make_encoder is not None
    else ()
)


def _indented(value: Any) -> str:
    if not _FLAT or type(value) not in _CONTAINERS or not value:
        return json.dumps(value, indent=1, ensure_ascii=False)
    out: list[str] = []
    _container(value, 0, out)
    return "".join(out)


def _container(value: dict[Any, Any] | list[Any], depth: int, out: list[str]) -> None:
    """A non-empty dict or list at ``depth``, appended to ``out``.

    Consecutive values the C encoder writes as the indenting encoder would (scalars, empty containers)
    go to it together, in one call per run; only non-empty containers are walked here.
    """
    if depth + 2 >= len(_FLAT):
        out.append(_other(value, depth))
        return
    inner = _BREAKS[depth + 1]
    flat = _FLAT[depth]
    values = value.values() if type(value) is dict else value
    if _SCALARS.issuperset(map(type, values)):  # every value a scalar (most containers): one call, no copy
        brackets = "{}" if type(value) is dict else "[]"
        out += (brackets[0] + inner, "".join(flat(value, 0))[1:-1], _BREAKS[depth] + brackets[1])
        return
    separator = "," + inner
    lead = inner
    nested: Any
    if type(value) is dict:
        out.append("{")
        run: dict[Any, Any] = {}
        for key, nested in value.items():
            kind = type(nested)
            if kind in _SCALARS or (not nested and kind in _CONTAINERS):
                run[key] = nested
                continue
            if run:
                out.append(lead + "".join(flat(run, 0))[1:-1])
                lead, run = separator, {}
            out.append(lead + _key(key, flat))
            lead = separator
            _nested(nested, depth + 1, out)
        if run:
            out.append(lead + "".join(flat(run, 0))[1:-1])
        out.append(_BREAKS[depth] + "}")
        return
    out.append("[")
    items: list[Any] = []
    for nested in value:
        kind = type(nested)
        if kind in _SCALARS or (not nested and kind in _CONTAINERS):
            items.append(nested)
            continue
        if items:
            out.append(lead + "".join(flat(items, 0))[1:-1])
            lead, items = separator, []
        out.append(lead)
        lead = separator
        _nested(nested, depth + 1, out)
    if items:
        out.append(lead + "".join(flat(items, 0))[1:-1])
    out.append(_BREAKS[depth] + "]")


def _nested(item: Any, depth: int, out: list[str]) -> None:
    kind = type(item)
    if kind is dict or kind is list or kind is tuple:
        _container(item, depth, out)
    elif kind is _OneByOne:
        _one_by_one(item, depth, out)
    else:
        out.append(_other(item, depth))


class _OneByOne:
    """A non-empty list of dicts made while they are written (:func:`write`'s results)."""

    def __init__(self, items: Iterator[dict[str, Any]]) -> None:
        self.items = items


def _one_by_one(value: _OneByOne, depth: int, out: list[str]) -> None:
    """``value`` at ``depth``, written as :func:`_container` writes a list of dicts, one dict at a time."""
    lead = _BREAKS[depth + 1]
    out.append("[")
    for item in value.items:
        out.append(lead)
        lead = "," + _BREAKS[depth + 1]
        _container(item, depth + 1, out)
    out.append(_BREAKS[depth] + "]")


def _key(key: Any, flat: Any) -> str:
    """``"key": ``, as json.dump writes a key."""
    return encode_basestring(key) + ": " if type(key) is str else "".join(flat({key: 0}, 0))[1:-2]


def _other(value: Any, depth: int) -> str:
    """An empty container, a tuple or a subclass at ``depth``: as json.dumps writes it there."""
    return json.dumps(value, indent=1, ensure_ascii=False).replace("\n", _BREAKS[depth])


def log(report: Report) -> dict[str, Any]:
    """The SARIF log as JSON-ready data."""
    return _log(report, one_by_one=False)


def _log(report: Report, one_by_one: bool) -> dict[str, Any]:
    """The SARIF log; with ``one_by_one``, its results are made as :func:`_indented` writes them."""
    rules = _rules(report)
    results = _Results(report, {rule["id"]: i for i, rule in enumerate(rules)})
    made = itertools.chain(
        (results.result(f) for f in report.findings),
        (results.result(s.finding, s) for s in report.suppressed),
    )
    lazily = one_by_one and bool(report.findings or report.suppressed)  # an empty list is written []
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "confcheck",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": rules,
            }
        },
        "invocations": [_invocation(report)],
        "results": _OneByOne(made) if lazily else list(made),
        "properties": _run_properties(report),
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


# --- rules ----------------------------------------------------------------------------------------


def _rules(report: Report) -> list[dict[str, Any]]:
    """Every installed rule, then any rule a finding names that is not installed (a report read back)."""
    installed = {rule.code: rule for rule in plugin_manager.rules()}
    descriptors = [rule_descriptor(rule) for rule in installed.values()]
    seen = set(installed)
    for finding in (*report.findings, *(s.finding for s in report.suppressed)):
        if finding.rule not in seen:
            seen.add(finding.rule)
            descriptors.append(_unknown_rule(finding))
    return descriptors


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    """A ``reportingDescriptor`` made from the rule's documentation: the same words as ``confcheck explain``."""
    sections = rule.sections
    full = sections.get("What it checks") or rule.summary
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary or f"{rule.code} {rule.name}"},
        "fullDescription": {"text": " ".join(full.split())},
        "help": {"text": rule.doc or rule.summary or rule.name, "markdown": rule.markdown},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {
            "tags": _tags(rule),
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "precision": "very-high",
            "severity": rule.severity.value,
        },
    }


def _tags(rule: Rule) -> list[str]:
    """``security`` for checks (code scanning uses ``security-severity`` only with it), plus the family."""
    family = f"{rule.code[:3]}xx"
    return ["security", "tls", family] if rule.check is not None else ["confcheck-gate", family]


def _unknown_rule(finding: Finding) -> dict[str, Any]:
    name = finding.name or finding.rule
    return {
        "id": finding.rule,
        "name": name,
        "shortDescription": {"text": f"{finding.rule} {name} (rule not installed)"},
        "defaultConfiguration": {"level": LEVELS[finding.severity]},
        "properties": {"security-severity": SECURITY_SEVERITY[finding.severity], "tags": []},
    }


# --- results --------------------------------------------------------------------------------------


class _Results:
    """The results of one log. What findings share is worked out once: the admin menu of each location,
    the escaped Markdown of each text (a fix's preconditions, steps, menu paths and impact recur from
    cluster to cluster), and for ``lint --changes`` the fingerprints the change introduces."""

    def __init__(self, report: Report, index: dict[str, int]) -> None:
        self.report = report
        self.index = index
        changes = report.changes
        self.introduced = frozenset(f.fingerprint for f in changes.introduced) if changes else frozenset()
        self.escaped = _Escaped()
        self.menus: dict[str, str | None] = {}

    def result(self, finding: Finding, suppression: Suppression | None = None) -> dict[str, Any]:
        text = finding.message if finding.message.strip() else f"{finding.rule} {finding.name}"
        fingerprint = finding.fingerprint
        result: dict[str, Any] = {
            "ruleId": finding.rule,
            "ruleIndex": self.index[finding.rule],
            "level": LEVELS[finding.severity],
            "message": {"text": text, "markdown": self.markdown(finding)},
            "locations": [self.location(finding)],
            "partialFingerprints": {FINGERPRINT: fingerprint},
            "properties": _properties(finding),
        }
        if suppression is not None:
            result["suppressions"] = [_suppression(suppression)]
        state = self.baseline_state(fingerprint, suppression)
        if state is not None:
            result["baselineState"] = state
        return result

    def markdown(self, finding: Finding) -> str:
        """The message and its fix, escaped like the Markdown report (values come from servers)."""
        escaped = self.escaped
        text = escaped[finding.message] or escaped[f"{finding.rule} {finding.name}"]
        fix = finding.fix
        if fix is None:
            return text
        lines = [
            text,
            "",
            f"**Fix** (phase {int(fix.phase)}, {escaped[fix.phase.title]}): {escaped[fix.action]}",
            "",
        ]
        where = escaped[fix.where] + (f", field \u201c{escaped[fix.field]}\u201d" if fix.field else "")
        lines.append(f"- Where: {where}")
        if fix.current is not None or fix.proposed is not None:
            current = escaped[fix.current] if fix.current is not None else "\u2014"
            proposed = escaped[fix.proposed] if fix.proposed is not None else "\u2014"
            lines.append(f"- Change: {current} \u2192 {proposed}")
        lines += [f"- Before: {escaped[p]}" for p in fix.preconditions]
        lines += [f"- Step {i}: {escaped[s]}" for i, s in enumerate(fix.steps, start=1)]
        if fix.impact:
            lines.append(f"- Impact: {escaped[fix.impact]}")
        return "\n".join(lines)

    def location(self, finding: Finding) -> dict[str, Any]:
        """A logical location ``cluster/location[/instance]/value[/subject]`` with its admin menu path."""
        parts = [finding.cluster, finding.location, finding.instance, finding.value, finding.subject]
        qualified = "/".join(p for p in parts if p) or finding.rule
        properties: dict[str, Any] = {}
        if finding.cluster:
            properties["cluster"] = finding.cluster
        if finding.location:
            properties["location"] = finding.location
            if finding.location not in self.menus:
                self.menus[finding.location] = _menu(finding.location)
            menu = self.menus[finding.location]
            if menu is not None:
                properties["adminMenu"] = menu
        logical: dict[str, Any] = {
            "name": finding.value or finding.location or finding.rule,
            "fullyQualifiedName": qualified,
            "kind": "resource",
        }
        if properties:
            logical["properties"] = properties
        location: dict[str, Any] = {"logicalLocations": [logical]}
        if "adminMenu" in properties:
            location["message"] = {"text": properties["adminMenu"]}
        return location

    def baseline_state(self, fingerprint: str, suppression: Suppression | None) -> str | None:
        if suppression is not None and suppression.kind == "baseline":
            return "unchanged"
        if self.report.changes is not None and suppression is None:
            return "new" if fingerprint in self.introduced else "unchanged"
        return None


class _Escaped(dict[str, str]):
    """Texts escaped as the Markdown report escapes them, each once."""

    def __missing__(self, text: str) -> str:
        escaped = self[text] = escape(text)
        return escaped


def _menu(location_id: str) -> str | None:
    """Where the setting is, as its admin application shows it: application > menu, field."""
    found = plugin_manager.catalog().location(location_id)
    if found is None:
        return None
    line, location = found
    return line.where(location) + (f", field '{location.field}'" if location.field else "")


def _properties(finding: Finding) -> dict[str, Any]:
    """What the finding is about and its fix, as the JSON report has them."""
    about = {
        "severity": finding.severity.value,
        "cluster": finding.cluster,
        "product": finding.product,
        "version": finding.version,
        "location": finding.location,
        "instance": finding.instance,
        "node": finding.node,
        "value": finding.value,
        "subject": finding.subject,
        "certificate": finding.certificate,
    }
    properties: dict[str, Any] = {k: v for k, v in about.items() if v is not None}
    if finding.evidence:
        properties["evidence"] = dict(finding.evidence)
    if finding.fix is not None:
        properties["fix"] = fix_to_dict(finding.fix)
    return properties


def _suppression(suppression: Suppression) -> dict[str, Any]:
    """A waiver or the baseline as an accepted external suppression."""
    entry: dict[str, Any] = {
        "kind": "external",
        "status": "accepted",
        "justification": suppression.reason or suppression.kind,
        "properties": {"confcheck-kind": suppression.kind},
    }
    if suppression.expires is not None:
        entry["properties"]["expires"] = suppression.expires.isoformat()
    return entry


# --- the invocation and the run -------------------------------------------------------------------


def _invocation(report: Report) -> dict[str, Any]:
    """Whether the audit is complete (exit 3 when not), with what could not be collected."""
    failing = len(report.failing)  # a pass over every finding: once
    invocation: dict[str, Any] = {
        "executionSuccessful": not report.incomplete,
        "exitCode": int(report.exit_code),
        "exitCodeDescription": _exit_description(report, failing),
        "properties": {
            "incomplete": report.incomplete,
            "failOn": report.fail_on.value if report.fail_on else "never",
            "failing": failing,
            "referencesChecked": report.references,
        },
    }
    missing = [{"level": "error", "message": {"text": item}} for item in report.missing]
    if missing:
        invocation["toolExecutionNotifications"] = missing
    notes = _notifications(report.notes)
    if notes:
        invocation["toolConfigurationNotifications"] = notes
    return invocation


def _notifications(notes: Sequence[str]) -> list[dict[str, Any]]:
    """The gate's notes (expired waivers, findings left out by --select): about configuration."""
    return [{"level": "warning", "message": {"text": note}} for note in notes if note.strip()]


def _exit_description(report: Report, failing: int) -> str:
    if report.incomplete:
        return "collection incomplete: something could not be reached or read"
    if report.fail_on is None:
        return "--fail-on never: no finding fails the run"
    if failing:
        return f"{failing} findings at or above {report.fail_on.value}"
    return f"no finding at or above {report.fail_on.value}"


def _run_properties(report: Report) -> dict[str, Any]:
    collected = report.deployment.collected_at
    properties: dict[str, Any] = {
        "source": report.source,
        "clusters": [
            {"name": c.name, "product": c.product, "version": c.version} for c in report.deployment.clusters
        ],
    }
    if collected is not None:
        properties["collectedAt"] = collected.isoformat()
    if report.changes is not None:
        properties["changes"] = {
            "applied": list(report.changes.applied),
            "fixed": _fingerprints(report.changes.fixed),
            "introduced": _fingerprints(report.changes.introduced),
        }
    return properties


def _fingerprints(findings: Iterable[Finding]) -> list[str]:
    return [f.fingerprint for f in findings]


@hookimpl
def confcheck_reporters() -> list[Reporter]:
    return [Reporter("sarif", "SARIF 2.1.0 for code-scanning dashboards", write, machine=True)]
