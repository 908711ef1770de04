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

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from json.encoder import encode_basestring
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
    """Write the report as one SARIF log with one run: what ``json.dump(log(report), out, indent=1,
    ensure_ascii=False)`` writes, and a line break, written faster (see the layouts below).

    Each result is made as it is written and dropped once encoded, and the text goes to ``out`` a
    thousand results at a time, as the JSON report writes its findings: a log of thousands of findings
    is never held whole, neither as dicts (which the garbage collector would walk again and again
    while the log grows) nor as text.
    """
    rules = _rules(report)
    pieces: list[str] = []

    def results() -> Iterator[dict[str, Any]]:
        for count, result in enumerate(_Results(report, rules).each(), start=1):
            if count % 1000 == 0:  # the text so far, up to this result, is complete
                out.write("".join(pieces))
                pieces.clear()
            yield result

    _LOG(_log(report, rules, results()), 0, pieces)
    pieces.append("\n")
    out.write("".join(pieces))


# --- the text of the log: json.dump(indent=1, ensure_ascii=False), byte for byte ----------------------
#
# Python encodes indented JSON in pure Python, a generator step per value, and the walk over the
# seventeen containers of each of thousands of results made most of the time. The writer below knows
# where a result nests instead (a layout per SARIF object kind: which keys hold containers, and of
# what) and writes each result at the depth it has in the log: keys are encoded once per depth,
# strings by json's C function, lists and dicts of strings in one join. Anything a layout does not
# name (the rules, the invocation, a value of an unexpected type) is written by json.dumps itself,
# re-indented to its depth, so the text is json.dump's whatever the values: the layouts only decide
# what is fast. The tests compare it with json.dumps(log(report), indent=1) and with any JSON value.

_Writer = Callable[[Any, int, list[str]], None]
"""Appends a value's text at a depth (its first line's indentation; the caller writes the key)."""

_BREAKS = tuple("\n" + " " * depth for depth in range(16))
"""Line breaks with the indentation of each depth the layouts below reach (a renewal's subject: 10)."""


def _value(value: Any, depth: int) -> str:
    """Any value at ``depth``: a string, null, a boolean or an int directly, anything else by json.dumps."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return int.__repr__(value)
    if not value and (kind is list or kind is tuple or kind is dict):
        return "{}" if kind is dict else "[]"
    return json.dumps(value, indent=1, ensure_ascii=False).replace("\n", _BREAKS[depth])


class _Keys(dict[str, str]):
    """``\\n``, the indentation of a depth and ``"key": ``, made once per key and depth."""

    def __init__(self, depth: int) -> None:
        super().__init__()
        self.indentation = "\n" + " " * depth

    def __missing__(self, key: Any) -> str:
        text = (
            self.indentation
            + (encode_basestring(key) if type(key) is str else json.dumps({key: 0})[1:-4])
            + ": "
        )
        if type(key) is str and len(self) < 512:  # 1 and True are one dict key, not one JSON key
            self[key] = text
        return text


_KEYS = tuple(_Keys(depth) for depth in range(len(_BREAKS)))


def _object(layout: Mapping[str, _Writer]) -> _Writer:
    """Writes a dict whose keys in ``layout`` hold containers, written by their writers; its other
    values by :func:`_value`. A value that is not a non-empty dict is written by :func:`_value`."""

    def write(value: Any, depth: int, out: list[str]) -> None:
        if type(value) is not dict or not value:
            out.append(_value(value, depth))
            return
        keys = _KEYS[depth + 1]
        lead = "{"
        for key, item in value.items():
            if type(item) is str:  # most values: no need to look the key up in the layout
                out += (lead, keys[key], encode_basestring(item))
            elif item is None:
                out += (lead, keys[key], "null")
            else:
                nested = layout.get(key) if item else None  # [], {}, false and 0 are written as scalars
                if nested is None:
                    out += (lead, keys[key], _value(item, depth + 1))
                else:
                    out += (lead, keys[key])
                    nested(item, depth + 1, out)
            lead = ","
        out.append(_BREAKS[depth] + "}")

    return write


def _scalars(value: Any, depth: int, out: list[str]) -> None:
    """Writes a dict or a list whose values are strings and other scalars (or, if not, as :func:`_value` can)."""
    kind = type(value)
    if kind is dict and value:
        keys = _KEYS[depth + 1]
        items = [
            keys[k] + (encode_basestring(v) if type(v) is str else _value(v, depth + 1))
            for k, v in value.items()
        ]
        out.append("{" + ",".join(items) + _BREAKS[depth] + "}")
    elif (kind is list or kind is tuple) and value:
        inner = _BREAKS[depth + 1]
        out.append(
            "[" + inner + ("," + inner).join([_value(v, depth + 1) for v in value]) + _BREAKS[depth] + "]"
        )
    else:
        out.append(_value(value, depth))


def _array(item: _Writer) -> _Writer:
    """Writes a list, a tuple or an iterator of values, each by ``item``; anything else by :func:`_value`."""

    def write(value: Any, depth: int, out: list[str]) -> None:
        if not isinstance(value, (list, tuple, Iterator)):
            out.append(_value(value, depth))
            return
        lead = "[" + _BREAKS[depth + 1]
        separator = "," + _BREAKS[depth + 1]
        for nested in value:
            out.append(lead)
            item(nested, depth + 1, out)
            lead = separator
        out.append("[]" if lead[0] == "[" else _BREAKS[depth] + "]")

    return write


_RENEWAL = _object(
    dict.fromkeys(("automatic", "demands", "names", "without", "prepare", "notes"), _scalars)
    | {"subject": _array(_scalars)}
)
_FIX = _object(
    {"preconditions": _scalars, "steps": _scalars, "dns": _array(_scalars), "renewals": _array(_RENEWAL)}
)
_LOCATION = _object({"logicalLocations": _array(_object({"properties": _scalars})), "message": _scalars})
_RESULT = _object(
    {
        "message": _scalars,
        "locations": _array(_LOCATION),
        "partialFingerprints": _scalars,
        "properties": _object({"evidence": _scalars, "fix": _FIX}),
        "suppressions": _array(_object({"properties": _scalars})),
    }
)
_RUN = _object({"results": _array(_RESULT), "properties": _object({"clusters": _array(_scalars)})})
_LOG = _object({"runs": _array(_RUN)})
"""The log: its results and clusters as above; the tool and the invocation by json.dumps."""


def log(report: Report) -> dict[str, Any]:
    """The SARIF log as JSON-ready data: :func:`write` writes ``json.dumps(log(report), indent=1)``."""
    rules = _rules(report)
    return _log(report, rules, list(_Results(report, rules).each()))


def _log(report: Report, rules: list[dict[str, Any]], results: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The SARIF log, its results as given (a list, or for :func:`write` made one by one)."""
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
        "results": results,
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

    def __init__(self, report: Report, rules: list[dict[str, Any]]) -> None:
        self.report = report
        self.index = {rule["id"]: i for i, rule in enumerate(rules)}
        changes = report.changes
        self.introduced = frozenset(f.fingerprint for f in changes.introduced) if changes else frozenset()
        self.escaped = _Escaped()
        self.menus: dict[str, str | None] = {}

    def each(self) -> Iterator[dict[str, Any]]:
        """Every result, each made when asked for: the findings, then the suppressed findings."""
        for finding in self.report.findings:
            yield self.result(finding)
        for suppressed in self.report.suppressed:
            yield self.result(suppressed.finding, suppressed)

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
