"""``README.md`` of a pack: what each file is, what could not be built, and what is confirmed or modelled."""

from __future__ import annotations

from collections.abc import Sequence

from confcheck import __version__, records
from confcheck.reports.markdown import escape


@records.record
class Facts:
    """What the README says about one pack."""

    source: str
    judged_at: str
    certificates: bool
    """False for a JSON report: no certificates, endpoints or DNS answers."""
    findings: int
    steps: int
    windows: int
    rows: int
    changes: int
    roots: int
    pushed: int
    incomplete: bool
    missing: tuple[str, ...]
    skipped_changes: tuple[str, ...]
    prove: str | None
    """The command that proves changes.toml, when there is one."""


CONFIRMED = (
    "EKUs: TLS Web Server and TLS Web Client Authentication for tomcat, cup-xmpp (and their -ECDSA twins): "
    "confirmed, Preferred Architecture for Cisco Collaboration 12.x, Security chapter, Table 7-10.",
    "Multi-server (SAN) CSRs from release 10.5, generated on the publisher: confirmed, Cisco doc 118731; the "
    "-ms suffix of the CN: Preferred Architecture 12.x.",
    "One certificate per FQDN (some public CAs) and the latest service update before the CSR: Cisco's "
    "certificate guide, as the fix lists say.",
    "The menu path: each product line's OS Administration application as its plugin declares it, then "
    "Security > Certificate Management > Generate CSR.",
    "The .reg Blob layout (the encoded certificate as property 0x20, reserved word 1, 32-bit little-endian "
    "length, DER): confirmed, Microsoft [MS-GPEF] 2.2.1.1.1 and [MS-OSHARED] 2.3.2.5; one subkey per "
    "certificate under the store's Certificates key: [MS-GPEF] 2.2.1.",
)
MODELLED = (
    "The registry key named by the certificate's SHA-1 thumbprint in upper-case hex: a public description of "
    "the SystemCertificates stores, not a Microsoft document. Windows' own export of the key also holds "
    "cached properties the file leaves out, and the file was not imported on a Windows client by confcheck's "
    "tests: if in doubt, make it on a client as GPO-steps.md says, from the .cer files.",
    "Which Windows store each certificate goes to (roots: Trusted Root Certification Authorities; self-signed "
    "server certificates: Enterprise Trust): Windows' own semantics and the guide's methods 2 and 3; the "
    "guide's text on the registry path was not available to confirm it.",
    "macOS: `security add-trusted-cert` as its manual page gives it; macOS 11 and later ask for an "
    "administrator's password for each trust setting. iOS, iPadOS and Android distribution: confcheck's model.",
    "EC keys of -ECDSA certificates: at least 256 bits (P-256).",
    "Rollback texts are confcheck's advice, not Cisco's.",
)


def text(facts: Facts, files: Sequence[str]) -> str:
    """The README of the pack."""
    lines = [
        "# confcheck remediation pack",
        "",
        f"Made by confcheck {escape(__version__)} from {escape(facts.source)}, with certificate validity "
        f"judged at {escape(facts.judged_at)}.",
        "",
        _status(facts),
    ]
    if facts.incomplete:
        lines += [
            "",
            "**The audit was incomplete**: what could not be read is not in this plan. Complete the audit "
            "(window 1 of the runbook says what is missing) and make the pack again.",
            "",
            *(f"- {escape(m)}" for m in facts.missing),
        ]
    lines += ["", "## Files", "", "| file | what it is |", "| --- | --- |"]
    lines += [f"| `{name}` | {escape(what)} |" for name, what in _describe(facts) if _present(name, files)]
    if facts.prove:
        lines += [
            "",
            "## Prove the plan before the maintenance windows",
            "",
            "Apply the change file to the snapshot, offline: the report lists every finding the setting "
            "changes and renames fix, and any they would introduce (which then fail the run).",
            "",
            "```sh",
            facts.prove,
            "```",
        ]
    cannot = _cannot(facts)
    if cannot:
        lines += ["", "## What this pack could not build", "", *(f"- {escape(c)}" for c in cannot)]
    lines += ["", "## Confirmed and modelled", "", "Confirmed:", ""]
    lines += [f"- {c}" for c in CONFIRMED]
    lines += ["", "Modelled (not confirmed from a Cisco or Microsoft document):", ""]
    lines += [f"- {m}" for m in MODELLED]
    return "\n".join(lines) + "\n"


def _status(facts: Facts) -> str:
    if facts.steps == 0:
        return (
            "**Nothing to fix**: the report has no finding with a fix, so there is no step, no certificate to "
            "request and no change to make."
        )
    parts = [
        f"{facts.findings} finding{'s' if facts.findings != 1 else ''} with a fix",
        f"{facts.steps} step{'s' if facts.steps != 1 else ''} in {facts.windows} maintenance "
        f"window{'s' if facts.windows != 1 else ''}",
        f"{facts.rows} certificate{'s' if facts.rows != 1 else ''} to request from a CA",
        f"{facts.changes} setting change{'s' if facts.changes != 1 else ''} and renames",
    ]
    if facts.certificates:
        parts.append(
            f"{facts.roots} root{'s' if facts.roots != 1 else ''} and {facts.pushed} self-signed server "
            f"certificate{'s' if facts.pushed != 1 else ''} for the clients"
        )
    return "This pack holds: " + "; ".join(parts) + "."


def _describe(facts: Facts) -> list[tuple[str, str]]:
    return [
        (
            "runbook.md",
            "the plan as maintenance windows: each step a checkbox with its precondition, impact, "
            "verification command and rollback",
        ),
        ("runbook.html", "the same runbook as one self-contained page (no script, nothing fetched)"),
        (
            "csr-plan.csv",
            "one row per certificate to request from a CA, in the order of the runbook: where to "
            "generate the CSR, subject, SANs, key, EKUs, notes; cells guarded against formula injection",
        ),
        ("csr-plan.json", "the same rows as JSON, described by confcheck/schemas/csr-plan.schema.json"),
        ("changes.toml", "every setting change and rename of the plan, in the format of lint --changes"),
        ("trust/", "what the clients must trust after the plan, per platform: see trust/README.md"),
    ]


def _present(name: str, files: Sequence[str]) -> bool:
    return any(f == name or f.startswith(name) for f in files)


def _cannot(facts: Facts) -> list[str]:
    found = []
    if not facts.certificates:
        found += [
            "trust/: a JSON report holds no certificates, so the roots and server certificates the clients "
            "need cannot be derived from it. Make the pack from the snapshot for them.",
            "The O, OU, L, ST and C of the CSR plan are only those the findings name: the other fields the "
            "cluster's certificates carry are not in a JSON report (subjects_complete is false in "
            "csr-plan.json).",
            "DNS steps are worded as records to create: a JSON report holds no DNS answers, so a record that "
            "exists already is not marked done. Check each one first.",
            "Verification commands use port 8443 for Tomcat and 5222 for cup-xmpp: the endpoints that were met "
            "are not in a JSON report.",
        ]
    if facts.steps and not facts.changes:
        found.append(
            "changes.toml: the plan changes no setting and renames no node, so there is nothing to prove."
        )
    found += list(facts.skipped_changes)
    return found
