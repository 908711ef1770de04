"""``--format json``: the versioned machine-readable lint report."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import date
from typing import Any, TextIO

from confcheck import __version__, hookimpl
from confcheck.errors import InputError
from confcheck.findings import Finding, Fix, Renewal, Severity, Suppression
from confcheck.report import ChangeSummary, Cover, Report, Reporter

REPORT_VERSION = 1


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
    }


def renewal_to_dict(renewal: Renewal) -> dict[str, Any]:
    """A certificate to replace, and what its successor must be, as JSON."""
    data = {f.name: getattr(renewal, f.name) for f in fields(renewal)}
    return data | {
        key: [list(v) for v in data["subject"]] if key == "subject" else list(data[key]) for key in _LISTS
    }


_LISTS = ("automatic", "demands", "names", "without", "subject", "prepare", "notes")


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    """A finding as JSON, fingerprint included."""
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
    return {
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
        "findings": [finding_to_dict(f) for f in report.findings],
        "suppressed": [suppression_to_dict(s) for s in report.suppressed],
        "notes": list(report.notes),
        **(
            {"cover": {"title": report.cover.title, "customer": report.cover.customer}}
            if report.cover.title or report.cover.customer
            else {}
        ),
        **({"changes": changes_to_dict(report.changes)} if report.changes else {}),
    }


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
    """Write the report as JSON, one finding per line: readable, diffable, and fast to encode."""
    data = report_to_dict(report)
    lists = {key: data.pop(key) for key in ("findings", "suppressed")}
    text = json.dumps(data, ensure_ascii=False)[:-1]
    for key, items in lists.items():
        body = ",\n  ".join(json.dumps(item, ensure_ascii=False) for item in items)
        text += f',\n "{key}": [\n  {body}\n ]' if items else f', "{key}": []'
    out.write(text + "}\n")


@hookimpl
def confcheck_reporters() -> list[Reporter]:
    return [Reporter("json", "versioned JSON report (schema_version 1)", write, machine=True)]


def _cover(value: Any) -> Cover:
    if not isinstance(value, dict):
        return Cover()
    title, customer = value.get("title"), value.get("customer")
    return Cover(title if isinstance(title, str) else None, customer if isinstance(customer, str) else None)


def read(data: dict[str, Any], source: str) -> Report:
    """A Report back from its JSON (``confcheck report REPORT.json``); certificates are not in it."""
    from confcheck.findings import DnsNeed, Phase
    from confcheck.model import Cluster, Deployment

    def fix(item: dict[str, Any] | None) -> Fix | None:
        if not item:
            return None
        return Fix(
            phase=Phase(item["phase"]),
            action=item["action"],
            where=item["where"],
            field=item.get("field"),
            current=item.get("current"),
            proposed=item.get("proposed"),
            preconditions=tuple(item.get("preconditions", ())),
            impact=item.get("impact", ""),
            steps=tuple(item.get("steps", ())),
            dns=tuple(DnsNeed(d["name"], d["address"], d["reverse"]) for d in item.get("dns", ())),
            renewals=tuple(renewal(r) for r in item.get("renewals", ())),
        )

    def renewal(item: dict[str, Any]) -> Renewal:
        known = {f.name for f in fields(Renewal)}
        values = {k: v for k, v in item.items() if k in known}
        for key in _LISTS:
            if key in values:
                values[key] = tuple(tuple(v) if key == "subject" else v for v in values[key])
        return Renewal(**values)

    def finding(item: dict[str, Any]) -> Finding:
        keys = (
            "cluster",
            "product",
            "version",
            "location",
            "instance",
            "node",
            "value",
            "certificate",
            "subject",
        )
        return Finding(
            item["message"],
            item["rule"],
            item["name"],
            Severity(item["severity"]),
            **{k: item.get(k) for k in keys},
            evidence=tuple(item.get("evidence", {}).items()),
            fix=fix(item.get("fix")),
        )

    def suppression(item: dict[str, Any]) -> Suppression:
        why = item["suppression"]
        expires = date.fromisoformat(why["expires"]) if why.get("expires") else None
        return Suppression(finding(item), why["kind"], why["reason"], expires)

    try:
        summary = data["summary"]
        changes = data.get("changes")
        clusters = tuple(Cluster(c["name"], c["product"], c["version"]) for c in data.get("clusters", []))
        return Report(
            deployment=Deployment(clusters),
            findings=tuple(finding(f) for f in data["findings"]),
            references=summary["references"],
            incomplete=summary["incomplete"],
            missing=tuple(summary.get("missing", ())),
            fail_on=None if summary["fail_on"] == "never" else Severity(summary["fail_on"]),
            source=data.get("source") or source,
            suppressed=tuple(suppression(s) for s in data.get("suppressed", [])),
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
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{source}: not a confcheck JSON report ({type(exc).__name__}: {exc})") from None
