"""``--format json``: the versioned machine-readable lint report."""

from __future__ import annotations

import codecs
import functools
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from operator import attrgetter
from pathlib import Path
from typing import Any, BinaryIO, TextIO, TypeVar

import confcheck
from confcheck import __version__, hookimpl, parallel
from confcheck.errors import InputError
from confcheck.findings import RENEWAL_FIELDS, Finding, Fix, Renewal, Severity, Suppression, renewal_values
from confcheck.report import ChangeSummary, Cover, Report, Reporter

REPORT_VERSION = 1
MAX_FINDINGS = 50_000
"""Findings a stored report may hold (all lists together): seven times the 3,000-cluster benchmark's."""


def fix_to_dict(fix: Fix) -> dict[str, Any]:
    """A fix as JSON."""
    return {
        "phase": int(fix.phase),
        "phase_title": fix.phase.title,
        "action": fix.action,
        "where": fix.where,
        "field": fix.field,
        "current": fix.current,
        "proposed": fix.proposed,
        "preconditions": list(fix.preconditions),
        "impact": fix.impact,
        "steps": list(fix.steps),
        "dns": [{"name": d.name, "address": d.address, "reverse": d.reverse} for d in fix.dns],
        "replaces": fix.replaces[0] if fix.replaces else None,
        "renewals": [renewal_to_dict(r) for r in fix.renewals],
        "once_per_cluster": list(fix.once_per_cluster),
        "after_subscribers": fix.after_subscribers,
    }


def renewal_to_dict(renewal: Renewal) -> dict[str, Any]:
    """A certificate to replace, and what its successor must be, as JSON."""
    data = dict(zip(RENEWAL_FIELDS, renewal_values(renewal), strict=True))
    for key in _LISTS:
        data[key] = [list(v) for v in data[key]] if key == "subject" else list(data[key])
    return data


_LISTS = ("automatic", "demands", "names", "without", "subject", "prepare", "notes", "signing")


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    """A finding as JSON, fingerprint included (:func:`_finding_text` writes the same, key for key)."""
    return {
        "rule": finding.rule,
        "name": finding.name,
        "severity": finding.severity.value,
        "cluster": finding.cluster,
        "product": finding.product,
        "version": finding.version,
        "location": finding.location,
        "instance": finding.instance,
        "node": finding.node,
        "value": finding.value,
        "message": finding.message,
        "certificate": finding.certificate,
        "subject": finding.subject,
        "evidence": dict(finding.evidence),
        "fix": fix_to_dict(finding.fix) if finding.fix else None,
        "fingerprint": finding.fingerprint,
    }


def report_to_dict(report: Report) -> dict[str, Any]:
    """The whole report as JSON."""
    return _document(report, findings=True)


def _document(report: Report, findings: bool) -> dict[str, Any]:
    """The report as JSON, with or without its findings and suppressed findings (:func:`write` writes
    those itself, one at a time)."""
    data: dict[str, Any] = {
        "schema_version": REPORT_VERSION,
        "tool": {"name": "confcheck", "version": __version__},
        "source": report.source,
        "summary": {
            "clusters": len(report.deployment.clusters),
            "references": report.references,
            "findings": len(report.findings),
            **{severity.value: report.count(severity) for severity in Severity},
            "fail_on": report.fail_on.value if report.fail_on else "never",
            "failing": len(report.failing),
            "incomplete": report.incomplete,
            "exit_code": int(report.exit_code),
            "missing": list(report.missing),
        },
        "clusters": [
            {"name": c.name, "product": c.product, "version": c.version} for c in report.deployment.clusters
        ],
        "dns": _dns_answers(report),
    }
    if findings:
        data["findings"] = [finding_to_dict(f) for f in report.findings]
        data["suppressed"] = [suppression_to_dict(s) for s in report.suppressed]
    data["notes"] = list(report.notes)
    if report.cover.title or report.cover.customer:
        data["cover"] = {"title": report.cover.title, "customer": report.cover.customer}
    if report.changes:
        data["changes"] = changes_to_dict(report.changes)
    return data


def _dns_answers(report: Report) -> list[dict[str, Any]]:
    """What DNS answered at collection for the records the findings' fixes need, which the fix list's DNS
    steps are worded from (``confcheck.plan``): so that one rendered again from this report says what the
    lint said (create a record, point it elsewhere, correct a PTR record), not only what to check."""
    needs = {
        (need.name.lower().rstrip("."), need.address) for f in report.findings if f.fix for need in f.fix.dns
    }
    names, addresses = {name for name, _ in needs}, {address for _, address in needs}
    return [
        {"name": r.name, "type": r.type, "answers": list(r.answers), "error": r.error}
        for r in report.deployment.dns
        if (r.type in ("A", "AAAA") and r.name.lower().rstrip(".") in names)
        or (r.type == "PTR" and r.name in addresses)
    ]


def changes_to_dict(changes: ChangeSummary) -> dict[str, Any]:
    """What a proposed change does, as JSON."""
    return {
        "applied": list(changes.applied),
        "fixed": [finding_to_dict(f) for f in changes.fixed],
        "introduced": [finding_to_dict(f) for f in changes.introduced],
    }


def suppression_to_dict(suppression: Suppression) -> dict[str, Any]:
    """A suppressed finding as JSON: the finding, and why it does not count."""
    return finding_to_dict(suppression.finding) | {
        "suppression": {
            "kind": suppression.kind,
            "reason": suppression.reason,
            "expires": suppression.expires.isoformat() if suppression.expires else None,
        }
    }


def write(report: Report, out: TextIO) -> None:
    """Write the report as JSON, one finding per line: readable, diffable, and fast to encode.

    The findings are encoded a thousand at a time, each dict dropped once encoded, so a report of tens
    of thousands of findings never holds them all as dicts; a large report's batches are shared with
    forked processes (:mod:`confcheck.parallel`), and their text is written once all are encoded (some
    60 MB held at 23,000 findings, the children's twice while it is read). What comes before the findings
    (the summary, the clusters, the DNS answers: some 0.1 s at 10,000 clusters) is made and written while
    the children start on theirs. To standard output, the batches are encoded to UTF-8 where they are
    made and written as bytes (see :func:`_utf8_bytes`).
    """
    lists: tuple[tuple[str, Sequence[Any], Callable[[Any], str]], ...] = (
        ("findings", report.findings, _finding_text),
        ("suppressed", report.suppressed, _suppression_text),
    )
    binary = _utf8_bytes(out)
    head: list[str] = []  # what is yet to be written before the next list's items, or the end
    started = False

    def begin() -> None:  # the document's members before the lists
        head.insert(0, _ENCODER.encode(_document(report, findings=False))[:-1])

    def opening(key: str, start: bool) -> None:  # while the children encode the list's first batches
        if start:
            begin()
        out.write("".join(head) + f',\n "{key}": [\n  ')
        head.clear()
        if binary is not None:
            out.flush()  # what was written as text goes before the bytes

    for key, items, as_text in lists:
        if not items:
            head.append(f', "{key}": []')
            continue
        batches = [items[start : start + _BATCH] for start in range(0, len(items), _BATCH)]
        meanwhile = functools.partial(opening, key, not started)
        started = True
        if binary is None:
            texts = parallel.map_forked(
                functools.partial(_lines, as_text),
                batches,
                _same,
                _same,
                _BATCHES_A_PROCESS,
                meanwhile=meanwhile,
            )
            for index, text in enumerate(texts):
                out.write(text if index == 0 else ",\n  " + text)
        else:
            encoded = parallel.map_forked(
                functools.partial(_utf8_lines, as_text, out.errors or "strict"),
                batches,
                _same,
                _same,
                _BATCHES_A_PROCESS,
                meanwhile=meanwhile,
            )
            for index, data in enumerate(encoded):
                if index:
                    binary.write(b",\n  ")
                binary.write(data)
        head.append("\n ]")
    if not started:
        begin()
    out.write("".join(head) + "}\n")


def _utf8_bytes(out: TextIO) -> BinaryIO | None:
    """The bytes under ``out`` when text written to it is only encoded as UTF-8, with its own errors
    handler: the interpreter's own standard output, on a system whose line end is LF (it translates
    none). Each batch of findings, encoded where it is made (in a forked child, for a large report), is
    then written as it is: not sent back as text, decoded and encoded again."""
    if out is not sys.__stdout__ or os.linesep != "\n" or not out.encoding:
        return None
    try:
        utf8 = codecs.lookup(out.encoding).name == "utf-8"
    except LookupError:
        return None
    buffer: BinaryIO | None = getattr(out, "buffer", None)
    return buffer if utf8 else None


_BATCH = 1000
_BATCHES_A_PROCESS = 2
"""The fewest batches of findings worth encoding in a forked process of their own (some 0.1 s of work)."""


def _lines(text: Callable[[Any], str], batch: Sequence[Any]) -> str:
    """A batch of findings (or suppressed findings) encoded, one to a line."""
    return ",\n  ".join(map(text, batch))


def _utf8_lines(text: Callable[[Any], str], errors: str, batch: Sequence[Any]) -> bytes:
    """:func:`_lines` encoded as standard output encodes it (see :func:`_utf8_bytes`)."""
    return _lines(text, batch).encode("utf-8", errors)


def _suppression_text(suppression: Suppression) -> str:
    return _ENCODER.encode(suppression_to_dict(suppression))


def _finding_text(finding: Finding) -> str:
    """``finding_to_dict(finding)`` as :data:`_ENCODER` encodes it, written without making the dicts (a
    large report's findings are some 2 KB each, and their dicts cost as much to make as to encode). A
    finding holding what a finding usually holds (strings, or None, where ``finding_to_dict`` puts them;
    ints and bools where it puts those) is written here; any other is encoded from its dict, which writes
    the same text or raises the same error. tests/test_report_json.py holds the two to the same text."""
    try:
        return _written(finding)
    except Exception:  # a value of another kind somewhere: what encoding its dict gives, or raises
        return _ENCODER.encode(finding_to_dict(finding))


_string: Callable[[str], str] = json.encoder.encode_basestring
"""A str as the encoder writes it (ensure_ascii off): quoted and escaped; TypeError for anything else."""


def _optional(value: str | None) -> str:
    return "null" if value is None else _string(value)


def _strings(values: Sequence[str]) -> str:
    return f"[{', '.join(map(_string, values))}]"


def _bool(value: bool) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    raise TypeError(value)


def _int(value: int) -> str:
    if type(value) is not int:
        raise TypeError(value)
    return str(value)


def _written(finding: Finding) -> str:
    fix = finding.fix
    lists = (finding.evidence,) if not fix else (finding.evidence, *_fix_lists(fix))
    if any(type(value) not in _LIST_KINDS for value in lists):  # an iterator is read once: by the dicts
        raise TypeError("a list of another kind")
    evidence = dict(finding.evidence)
    return (
        f'{{"rule": {_string(finding.rule)}, "name": {_string(finding.name)}, '
        f'"severity": {_string(finding.severity.value)}, "cluster": {_optional(finding.cluster)}, '
        f'"product": {_optional(finding.product)}, "version": {_optional(finding.version)}, '
        f'"location": {_optional(finding.location)}, "instance": {_optional(finding.instance)}, '
        f'"node": {_optional(finding.node)}, "value": {_optional(finding.value)}, '
        f'"message": {_string(finding.message)}, "certificate": {_optional(finding.certificate)}, '
        f'"subject": {_optional(finding.subject)}, '
        f'"evidence": {{{", ".join([f"{_string(k)}: {_string(v)}" for k, v in evidence.items()])}}}, '
        f'"fix": {_fix_written(fix) if fix else "null"}, "fingerprint": {_string(finding.fingerprint)}}}'
    )


_LIST_KINDS = (tuple, list)
_fix_lists = attrgetter("preconditions", "steps", "dns", "renewals", "once_per_cluster")


def _fix_written(fix: Fix) -> str:
    replaces = fix.replaces
    dns = ", ".join(
        [
            f'{{"name": {_string(d.name)}, "address": {_string(d.address)}, "reverse": {_bool(d.reverse)}}}'
            for d in fix.dns
        ]
    )
    renewals = ", ".join([_ENCODER.encode(renewal_to_dict(r)) for r in fix.renewals])
    return (
        f'{{"phase": {_int(int(fix.phase))}, "phase_title": {_string(fix.phase.title)}, '
        f'"action": {_string(fix.action)}, "where": {_string(fix.where)}, "field": {_optional(fix.field)}, '
        f'"current": {_optional(fix.current)}, "proposed": {_optional(fix.proposed)}, '
        f'"preconditions": {_strings(fix.preconditions)}, "impact": {_string(fix.impact)}, '
        f'"steps": {_strings(fix.steps)}, "dns": [{dns}], '
        f'"replaces": {_optional(replaces[0]) if replaces else "null"}, "renewals": [{renewals}], '
        f'"once_per_cluster": [{", ".join(map(_int, fix.once_per_cluster))}], '
        f'"after_subscribers": {_bool(fix.after_subscribers)}}}'
    )


_Text = TypeVar("_Text", str, bytes)


def _same(value: _Text, _: object) -> _Text:
    return value


_ENCODER = json.JSONEncoder(ensure_ascii=False, check_circular=False)
"""Every value encoded is a tree the ``*_to_dict`` functions have just built, never a cycle: the C encoder
then keeps no table of the containers it is inside (a fifth of encoding a large report's findings)."""


@hookimpl
def confcheck_reporters() -> list[Reporter]:
    return [Reporter("json", "versioned JSON report (schema_version 1)", write, machine=True)]


def _once_per_cluster(fix: dict[str, Any]) -> tuple[int, int]:
    """A fix's ``once_per_cluster`` (none in a report written before it was), when it fits its steps."""
    opening, closing = fix.get("once_per_cluster", (0, 0))
    return (opening, closing) if opening + closing < len(fix["steps"]) else (0, 0)


def _cover(value: Any) -> Cover:
    if not isinstance(value, dict):
        return Cover()
    title, customer = value.get("title"), value.get("customer")
    return Cover(title if isinstance(title, str) else None, customer if isinstance(customer, str) else None)


SCHEMA_PATH = Path(confcheck.__file__).resolve().parent / "schemas" / "report.schema.json"
"""The shipped schema, ``confcheck/schemas/report.schema.json``."""


@functools.cache
def schema() -> dict[str, Any]:
    """The report schema, as shipped; the reader checks every document against it first."""
    from confcheck import schema_check

    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    schema_check.check_schema(loaded)
    return loaded


def read(data: Any, source: str) -> Report:
    """A Report back from its JSON (``confcheck report REPORT.json``); certificates are not in it.

    The document is checked against the shipped schema first, so a report from another release
    (another ``schema_version``) or an edited one is refused with the path of the bad element.
    """
    from confcheck import schema_check  # reading a report back: writing one (every lint) needs none of it

    version = data.get("schema_version") if isinstance(data, dict) else None
    if isinstance(data, dict) and "schema_version" in data and not schema_check.same(version, REPORT_VERSION):
        raise InputError(
            f"{source}: schema_version: unsupported report version {version!r} "
            f"(this confcheck reads {REPORT_VERSION})"
        )
    if isinstance(data, dict):
        lists = [data.get("findings"), data.get("suppressed")]
        if isinstance(data.get("changes"), dict):
            lists += [data["changes"].get("fixed"), data["changes"].get("introduced")]
        count = sum(len(items) for items in lists if isinstance(items, list))
        if count > MAX_FINDINGS:
            raise InputError(
                f"{source}: {count:,} findings (suppressed and changed ones included), "
                f"more than the limit of {MAX_FINDINGS:,} for a report"
            )
    try:
        schema_check.validate(data, schema())
    except schema_check.SchemaViolation as exc:
        raise InputError(f"{source}: not a confcheck JSON report: {exc}") from None
    return _report(data, source)


def _report(data: dict[str, Any], source: str) -> Report:
    """Build the Report from a document that follows the schema."""
    from confcheck.findings import DnsNeed, Phase
    from confcheck.model import Cluster, Deployment, DnsRecord

    def fix(item: dict[str, Any] | None) -> Fix | None:
        if item is None:
            return None
        return Fix(
            phase=Phase(int(item["phase"])),
            action=item["action"],
            where=item["where"],
            field=item["field"],
            current=item["current"],
            proposed=item["proposed"],
            preconditions=tuple(item["preconditions"]),
            impact=item["impact"],
            steps=tuple(item["steps"]),
            dns=tuple(DnsNeed(d["name"], d["address"], d["reverse"]) for d in item["dns"]),
            renewals=tuple(renewal(r) for r in item.get("renewals", ())),
            once_per_cluster=_once_per_cluster(item),
            after_subscribers=item.get("after_subscribers", False),
        )

    def renewal(item: dict[str, Any]) -> Renewal:
        known = set(RENEWAL_FIELDS)
        values = {k: v for k, v in item.items() if k in known}
        for key in _LISTS:
            if key in values:
                values[key] = tuple(tuple(v) if key == "subject" else v for v in values[key])
        return Renewal(**values)

    def finding(item: dict[str, Any]) -> Finding:
        keys = ("cluster", "product", "version", "location", "instance", "node", "value", "certificate")
        return Finding(
            item["message"],
            item["rule"],
            item["name"],
            Severity(item["severity"]),
            **{k: item.get(k) for k in keys},
            subject=item.get("subject"),
            evidence=tuple(item.get("evidence", {}).items()),
            fix=fix(item["fix"]),
        )

    def suppression(item: dict[str, Any], path: str) -> Suppression:
        why = item["suppression"]
        expires = None
        if why["expires"] is not None:
            try:
                expires = date.fromisoformat(why["expires"])
            except ValueError:
                raise InputError(
                    f"{source}: not a confcheck JSON report: {path}.suppression.expires: "
                    "expected a date, YYYY-MM-DD"
                ) from None
        return Suppression(finding(item), why["kind"], why["reason"], expires)

    summary = data["summary"]
    changes = data.get("changes")
    return Report(
        deployment=Deployment(
            tuple(Cluster(c["name"], c["product"], c["version"]) for c in data.get("clusters", [])),
            dns=tuple(
                DnsRecord(d["name"], d["type"], tuple(d["answers"]), d["error"]) for d in data.get("dns", [])
            ),
        ),
        findings=tuple(finding(f) for f in data["findings"]),
        references=int(summary["references"]),
        incomplete=summary["incomplete"],
        missing=tuple(summary.get("missing", ())),
        fail_on=None if summary["fail_on"] == "never" else Severity(summary["fail_on"]),
        source=data.get("source") or source,
        suppressed=tuple(
            suppression(s, f"suppressed[{i}]") for i, s in enumerate(data.get("suppressed", []))
        ),
        notes=tuple(data.get("notes", [])),
        cover=_cover(data.get("cover")),
        changes=ChangeSummary(
            tuple(changes["applied"]),
            tuple(finding(f) for f in changes["fixed"]),
            tuple(finding(f) for f in changes["introduced"]),
        )
        if changes
        else None,
    )
