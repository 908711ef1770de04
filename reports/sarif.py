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

import io
import json
from collections.abc import Iterable, Iterator, Sequence
from json.encoder import encode_basestring
from operator import attrgetter
from typing import Any, TextIO

from confcheck import __version__, hookimpl, plugin_manager
from confcheck.findings import RENEWAL_FIELDS, Finding, Fix, Renewal, Severity, Suppression, renewal_values
from confcheck.report import Report, Reporter
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
    """Write the report as one SARIF log with one run, as ``json.dump(log, out, indent=1,
    ensure_ascii=False)`` would write it, and a line break (see the section on the text below).

    Each result is written as text when its turn comes, and the text goes to ``out`` a thousand
    results at a time, as the JSON report writes its findings: a log of thousands of findings is never
    held whole, neither as objects (which the garbage collector would walk again and again while the
    log grows) nor as text.
    """
    rules = _rules(report)
    before, after = _frame(report, rules)
    out.write(before)
    batch: list[str] = []
    lead = "[" + _BREAKS[4]
    for count, result in enumerate(_Results(report, rules).each(), start=1):
        batch.append(result)
        if count % 1000 == 0:
            out.write(lead + _RESULTS.join(batch))
            batch.clear()
            lead = _RESULTS
    if batch:
        out.write(lead + _RESULTS.join(batch))
        lead = _RESULTS
    out.write(("[]" if lead[0] == "[" else _BREAKS[3] + "]") + after)


def log(report: Report) -> dict[str, Any]:
    """The SARIF log as JSON-ready data: what :func:`write` writes, read back."""
    out = io.StringIO()
    write(report, out)
    loaded: dict[str, Any] = json.loads(out.getvalue())
    return loaded


# --- the text: json.dump(indent=1, ensure_ascii=False), byte for byte -----------------------------------
#
# Python encodes indented JSON in pure Python, a generator step per value, and walking the seventeen
# containers of each of thousands of results made most of the time. A result's shape is fixed (which
# keys, in which order, which may be left out), so each result is written straight to text at the
# depth it has in the log, from the finding itself: keys are encoded once per depth, a fix, a renewal,
# a DNS record and a cluster fill templates in one % operation each, and what repeats from result to
# result (a rule's id, index and level; a location's properties and admin menu; the escaped texts of
# message.markdown) is encoded once per log. Strings are encoded by json's C function; a value of
# another type than its field's, and the rest of the log (the rules, the invocation), by json.dumps
# itself, re-indented to its depth. The tests compare the text with json.dumps(json.loads(text),
# indent=1), and each result's contents with what the JSON report says of its finding.

_BREAKS = tuple("\n" + " " * depth for depth in range(16))
"""Line breaks with the indentation of each depth a log reaches (a renewal's subject: 10)."""

_RESULTS = "," + _BREAKS[4]
"""Between two results."""


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


def _object(depth: int, members: Sequence[str]) -> str:
    """An object at ``depth`` from its members' text (each a key of ``_KEYS[depth + 1]`` and its value)."""
    return "{" + ",".join(members) + _BREAKS[depth] + "}" if members else "{}"


def _array(depth: int, items: Sequence[str]) -> str:
    """An array at ``depth`` from its items' text."""
    if not items:
        return "[]"
    inner = _BREAKS[depth + 1]
    return "[" + inner + ("," + inner).join(items) + _BREAKS[depth] + "]"


def _strings(values: Sequence[Any], depth: int) -> str:
    """An array of strings at ``depth`` (anything else in it as :func:`_value` writes it)."""
    return _array(depth, [encode_basestring(v) if type(v) is str else _value(v, depth + 1) for v in values])


def _template(keys: Sequence[str], depth: int) -> str:
    """The text of an object at ``depth`` with these keys, a ``%s`` for each value."""
    return _object(depth, [_KEYS[depth + 1][key].replace("%", "%%") + "%s" for key in keys])


def _frame(report: Report, rules: list[dict[str, Any]]) -> tuple[str, str]:
    """The log's text before its results' array and after it: the log with a NUL in the array's place
    (JSON text never holds one raw: json escapes every control character), split there."""
    run = _template(("tool", "invocations", "results", "properties"), 2) % (
        _value(_tool(rules), 3),
        _value([_invocation(report)], 3),
        "\0",
        _run_properties(report),
    )
    log = _template(("$schema", "version", "runs"), 0) % (
        encode_basestring(SCHEMA),
        '"2.1.0"',
        _array(1, [run]),
    )
    before, after = log.split("\0")
    return before, after + "\n"


def _tool(rules: list[dict[str, Any]]) -> dict[str, Any]:
    """The tool: confcheck, with every rule a result may name."""
    return {
        "driver": {
            "name": "confcheck",
            "version": __version__,
            "semanticVersion": __version__,
            "rules": rules,
        }
    }


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
    """The results of one log, as text. What findings share is worked out once: a rule's id, index and
    level, a location's properties and admin menu, the escaped Markdown of each text (a fix's
    preconditions, steps, menu paths and impact recur from cluster to cluster), and for
    ``lint --changes`` the fingerprints the change introduces."""

    def __init__(self, report: Report, rules: list[dict[str, Any]]) -> None:
        self.report = report
        self.index = {rule["id"]: i for i, rule in enumerate(rules)}
        changes = report.changes
        self.introduced = frozenset(f.fingerprint for f in changes.introduced) if changes else frozenset()
        self.escaped = _Escaped()
        self.heads: dict[tuple[str, Severity], str] = {}
        self.places: dict[str, tuple[str, list[str]]] = {}

    def each(self) -> Iterator[str]:
        """Every result, each written when asked for: the findings, then the suppressed findings."""
        for finding in self.report.findings:
            yield self.result(finding)
        for suppressed in self.report.suppressed:
            yield self.result(suppressed.finding, suppressed)

    def result(self, finding: Finding, suppression: Suppression | None = None) -> str:
        """A ``result`` at depth 4: rule, level, message, location, fingerprint and properties."""
        keys = _KEYS[5]
        text = finding.message if finding.message.strip() else f"{finding.rule} {finding.name}"
        message = [_TEXT + encode_basestring(text), _MARKDOWN + self.markdown(finding)]
        members = [
            self.heads.get((finding.rule, finding.severity)) or self.head(finding.rule, finding.severity),
            keys["message"] + _object(5, message),
            keys["locations"] + _array(5, [self.location(finding)]),
            keys["partialFingerprints"] + _object(5, [_FINGERPRINT + encode_basestring(finding.fingerprint)]),
            keys["properties"] + _properties(finding),
        ]
        if suppression is not None:
            members.append(keys["suppressions"] + _array(5, [_suppression(suppression)]))
        state = self.baseline_state(finding.fingerprint, suppression)
        if state is not None:
            members.append(keys["baselineState"] + encode_basestring(state))
        return _object(4, members)

    def head(self, rule: str, severity: Severity) -> str:
        """A result's first three members: its rule's id and index, and its level."""
        keys = _KEYS[5]
        members = [
            keys["ruleId"] + encode_basestring(rule),
            keys["ruleIndex"] + str(self.index[rule]),
            keys["level"] + encode_basestring(LEVELS[severity]),
        ]
        text = self.heads[rule, severity] = ",".join(members)
        return text

    def markdown(self, finding: Finding) -> str:
        """The message and its fix, escaped like the Markdown report (values come from servers), as a JSON
        string: made of texts already encoded (each once), since their lines are plain text."""
        escaped = self.escaped
        text = escaped[finding.message] or escaped[f"{finding.rule} {finding.name}"]
        fix = finding.fix
        if fix is None:
            return '"' + text + '"'
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
        return '"' + "\\n".join(lines) + '"'

    def location(self, finding: Finding) -> str:
        """A logical location ``cluster/location[/instance]/value[/subject]`` with its admin menu path, at
        depth 6."""
        parts = [finding.cluster, finding.location, finding.instance, finding.value, finding.subject]
        qualified = "/".join(p for p in parts if p) or finding.rule
        keys = _KEYS[9]
        members = [
            keys["name"] + encode_basestring(finding.value or finding.location or finding.rule),
            keys["fullyQualifiedName"] + encode_basestring(qualified),
            _KIND,
        ]
        properties = [_KEYS[10]["cluster"] + encode_basestring(finding.cluster)] if finding.cluster else []
        message: list[str] = []
        if finding.location:
            place, message = self.places.get(finding.location) or self.place(finding.location)
            properties.append(place)
        if properties:
            members.append(keys["properties"] + _object(9, properties))
        return _object(6, [_KEYS[7]["logicalLocations"] + _array(7, [_object(8, members)]), *message])

    def place(self, location: str) -> tuple[str, list[str]]:
        """What a location id adds to a logical location's properties (the id, and its admin menu if
        known), and to the location (a ``message`` that names the menu, if known)."""
        keys = _KEYS[10]
        menu = _menu(location)
        place = keys["location"] + encode_basestring(location)
        message = []
        if menu is not None:
            place += "," + keys["adminMenu"] + encode_basestring(menu)
            message.append(_KEYS[7]["message"] + _object(7, [_KEYS[8]["text"] + encode_basestring(menu)]))
        self.places[location] = place, message
        return place, message

    def baseline_state(self, fingerprint: str, suppression: Suppression | None) -> str | None:
        if suppression is not None and suppression.kind == "baseline":
            return "unchanged"
        if self.report.changes is not None and suppression is None:
            return "new" if fingerprint in self.introduced else "unchanged"
        return None


_TEXT = _KEYS[6]["text"]
_MARKDOWN = _KEYS[6]["markdown"]
_FINGERPRINT = _KEYS[6][FINGERPRINT]
_KIND = _KEYS[9]["kind"] + '"resource"'


class _Escaped(dict[str, str]):
    """Texts escaped as the Markdown report escapes them, then encoded as a JSON string's content, each
    once. The lines around them hold nothing JSON escapes (no quote, backslash or control character;
    other characters are written as they are): only the line breaks between them, as ``\\n``."""

    def __missing__(self, text: str) -> str:
        escaped = self[text] = encode_basestring(escape(text))[1:-1]
        return escaped


def _menu(location_id: str) -> str | None:
    """Where the setting is, as its admin application shows it: application > menu, field."""
    found = plugin_manager.catalog().location(location_id)
    if found is None:
        return None
    line, location = found
    return line.where(location) + (f", field '{location.field}'" if location.field else "")


_ABOUT = ("cluster", "product", "version", "location", "instance", "node", "value", "subject", "certificate")
_about = attrgetter(*_ABOUT)


def _properties(finding: Finding) -> str:
    """What the finding is about and its fix, as the JSON report has them, at depth 5."""
    keys = _KEYS[6]
    members = [keys["severity"] + encode_basestring(finding.severity.value)]
    members += [
        keys[key] + _value(v, 6) for key, v in zip(_ABOUT, _about(finding), strict=True) if v is not None
    ]
    if finding.evidence:
        evidence = [_KEYS[7][key] + _value(v, 7) for key, v in dict(finding.evidence).items()]
        members.append(keys["evidence"] + _object(6, evidence))
    if finding.fix is not None:
        members.append(keys["fix"] + _fix(finding.fix))
    return _object(5, members)


_FIX = _template(
    (
        "phase",
        "phase_title",
        "action",
        "where",
        "field",
        "current",
        "proposed",
        "preconditions",
        "impact",
        "steps",
        "dns",
        "replaces",
        "renewals",
        "once_per_cluster",
        "after_subscribers",
    ),
    6,
)
_DNS = _template(("name", "address", "reverse"), 8)


def _fix(fix: Fix) -> str:
    """A fix as :func:`confcheck.reports.json.fix_to_dict` has it, at depth 6."""
    return _FIX % (
        int(fix.phase),
        encode_basestring(fix.phase.title),
        _value(fix.action, 7),
        _value(fix.where, 7),
        _value(fix.field, 7),
        _value(fix.current, 7),
        _value(fix.proposed, 7),
        _strings(fix.preconditions, 7),
        _value(fix.impact, 7),
        _strings(fix.steps, 7),
        _array(7, [_DNS % (_value(d.name, 9), _value(d.address, 9), _value(d.reverse, 9)) for d in fix.dns]),
        _value(fix.renewals[0].certificate, 7) if fix.renewals else "null",
        _array(7, [_renewal(r) for r in fix.renewals]),
        _array(7, [int.__repr__(count) for count in fix.once_per_cluster]),
        "true" if fix.after_subscribers else "false",
    )


_RENEWAL = _template(RENEWAL_FIELDS, 8)


def _renewal(renewal: Renewal) -> str:
    """A renewal as :func:`confcheck.reports.json.renewal_to_dict` has it, at depth 8."""
    return _RENEWAL % tuple(
        [
            encode_basestring(v)
            if type(v) is str
            else _strings(v, 9)
            if type(v) is tuple and v
            else _value(v, 9)
            for v in renewal_values(renewal)
        ]
    )


def _suppression(suppression: Suppression) -> str:
    """A waiver or the baseline as an accepted external suppression, at depth 6."""
    keys = _KEYS[7]
    properties = [_KEYS[8]["confcheck-kind"] + _value(suppression.kind, 8)]
    if suppression.expires is not None:
        properties.append(_KEYS[8]["expires"] + encode_basestring(suppression.expires.isoformat()))
    return _object(
        6,
        [
            keys["kind"] + '"external"',
            keys["status"] + '"accepted"',
            keys["justification"] + _value(suppression.reason or suppression.kind, 7),
            keys["properties"] + _object(7, properties),
        ],
    )


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


def _run_properties(report: Report) -> str:
    """The run's properties at depth 3: where the deployment came from, its clusters (thousands of
    them, each filled into a template) and what a proposed change does."""
    keys = _KEYS[4]
    clusters = [
        _CLUSTER % (_value(c.name, 6), _value(c.product, 6), _value(c.version, 6))
        for c in report.deployment.clusters
    ]
    members = [keys["source"] + _value(report.source, 4), keys["clusters"] + _array(4, clusters)]
    collected = report.deployment.collected_at
    if collected is not None:
        members.append(keys["collectedAt"] + encode_basestring(collected.isoformat()))
    if report.changes is not None:
        changes = {
            "applied": list(report.changes.applied),
            "fixed": _fingerprints(report.changes.fixed),
            "introduced": _fingerprints(report.changes.introduced),
        }
        members.append(keys["changes"] + _value(changes, 4))
    return _object(3, members)


_CLUSTER = _template(("name", "product", "version"), 5)


def _fingerprints(findings: Iterable[Finding]) -> list[str]:
    return [f.fingerprint for f in findings]


@hookimpl
def confcheck_reporters() -> list[Reporter]:
    return [Reporter("sarif", "SARIF 2.1.0 for code-scanning dashboards", write, machine=True)]
