"""The ``trust/`` directory: per client platform, the certificates of :mod:`confcheck.pack.client_trust`.

* ``windows-trusted-root/``: the roots as .cer (DER) files, and a PowerShell script that imports them
  with ``Import-Certificate -CertStoreLocation Cert:\\LocalMachine\\Root`` (method 3);
* ``windows-enterprise-trust/``: the self-signed server certificates the plan keeps, as .cer files,
  the ``.reg`` file the guide pushes by Group Policy (:mod:`confcheck.pack.regfile`) and the steps
  (method 2);
* ``macos/``: the roots and a script of ``security add-trusted-cert`` lines;
* ``mobile/``: the roots and a note on distributing them by device management;
* ``bundle.pem``: every root, for ``[check] trust_store``.

Scripts are plain text for a person to read before running; confcheck never runs them. Nothing a
server sent reaches a script unescaped: file names are made of the certificate's name reduced to
``[a-z0-9-]`` and its fingerprint, and comments are single lines with control characters escaped.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence

from confcheck.certs import Certificate
from confcheck.errors import one_line
from confcheck.pack import regfile
from confcheck.pack.client_trust import Pushed, Root, TrustPlan
from confcheck.reports.markdown import escape
from confcheck.rules._fixes import METHOD_2_STEPS
from confcheck.rules.trust import ROOT_STEPS

ROOTS_PS1 = "import-trusted-roots.ps1"
MACOS_SH = "add-trusted-roots.sh"
REG = "enterprise-trust.reg"
VERIFY_FIRST = (
    "Check each fingerprint with the CA's owner before you distribute a certificate that came from a server's "
    "chain rather than from your trust store: the servers could send anything."
)


def files(found: TrustPlan) -> dict[str, bytes]:
    """Every file of ``trust/``, by path relative to the pack."""
    out: dict[str, bytes] = {"trust/README.md": readme(found).encode("utf-8")}
    names = {root.cert.sha256: _file_name(_cn(root.cert), root.cert) for root in found.roots}
    if found.roots:
        out["trust/bundle.pem"] = "".join(_pem(root.cert) for root in found.roots).encode("ascii")
        for directory in ("windows-trusted-root", "macos", "mobile"):
            for root in found.roots:
                out[f"trust/{directory}/{names[root.cert.sha256]}"] = _der(root.cert)
        out[f"trust/windows-trusted-root/{ROOTS_PS1}"] = _powershell(found.roots, names)
        out[f"trust/macos/{MACOS_SH}"] = _shell(found.roots, names).encode("utf-8")
        out["trust/mobile/MDM.md"] = _mdm(found.roots, names).encode("utf-8")
    if found.pushed:
        pushed = {p.cert.sha256: _file_name(p.who, p.cert) for p in found.pushed}
        for p in found.pushed:
            out[f"trust/windows-enterprise-trust/{pushed[p.cert.sha256]}"] = _der(p.cert)
        entries = [
            (f"{p.who}: {p.cert.subject} (SHA-256 {_colons(p.cert.sha256)})", _der(p.cert))
            for p in found.pushed
        ]
        out[f"trust/windows-enterprise-trust/{REG}"] = regfile.encode(regfile.text(entries))
        out["trust/windows-enterprise-trust/GPO-steps.md"] = _gpo(found.pushed, pushed).encode("utf-8")
    return out


# --- certificates -----------------------------------------------------------------------------


def _pem(cert: Certificate) -> str:
    return cert.pem if cert.pem.endswith("\n") else cert.pem + "\n"


def _der(cert: Certificate) -> bytes:
    body = "".join(line for line in cert.pem.strip().splitlines() if not line.startswith("-----"))
    return base64.b64decode(body)


def _cn(cert: Certificate) -> str:
    return cert.subject_cn[0] if cert.subject_cn else cert.subject


def _file_name(name: str, cert: Certificate) -> str:
    """``acme-root-ca-0123456789ab.cer``: nothing a server chose can make it a path or an option."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:48].strip("-") or "certificate"
    return f"{slug}-{cert.sha256[:12]}.cer"


def _colons(sha256: str) -> str:
    return ":".join(sha256[i : i + 2] for i in range(0, len(sha256), 2)).upper()


def _comment(text: str) -> str:
    """One line of a script comment: control characters (line breaks included) escaped."""
    return one_line(text)


# --- scripts ----------------------------------------------------------------------------------


def _powershell(roots: Sequence[Root], names: dict[str, str]) -> bytes:
    lines = [
        "# confcheck remediation pack: the CA roots the Jabber clients must trust (Cisco's guide, method 3),",
        "# into Trusted Root Certification Authorities of the local machine.",
        "# Read it before you run it; confcheck never runs it. Run it in an elevated PowerShell on one client",
        "# to test; for every client, use Group Policy (see ../README.md).",
        f"# {VERIFY_FIRST}",
        "$ErrorActionPreference = 'Stop'",
    ]
    for root in roots:
        lines += [
            "",
            f"# {_comment(_cn(root.cert))} ({root.source}); SHA-256 {_colons(root.cert.sha256)}",
            f"Import-Certificate -FilePath (Join-Path $PSScriptRoot '{names[root.cert.sha256]}') "
            "-CertStoreLocation Cert:\\LocalMachine\\Root",
        ]
    # UTF-8 with a byte order mark and CRLF: what Windows PowerShell 5.1 reads as UTF-8
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def _shell(roots: Sequence[Root], names: dict[str, str]) -> str:
    lines = [
        "#!/bin/sh",
        "# confcheck remediation pack: the CA roots the Jabber clients must trust, into the macOS System",
        "# keychain, trusted as roots. Read it before you run it; confcheck never runs it. macOS 11 and later",
        "# ask for an administrator's password for each trust setting; for many Macs, use a configuration",
        "# profile from device management instead (see ../mobile/MDM.md).",
        f"# {VERIFY_FIRST}",
        "set -eu",
        'cd "$(dirname "$0")"',
    ]
    for root in roots:
        lines += [
            "",
            f"# {_comment(_cn(root.cert))} ({root.source}); SHA-256 {_colons(root.cert.sha256)}",
            f"sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain "
            f"'{names[root.cert.sha256]}'",
        ]
    return "\n".join(lines) + "\n"


def _mdm(roots: Sequence[Root], names: dict[str, str]) -> str:
    lines = [
        "# Mobile clients: distributing the roots",
        "",
        "Jabber for iPhone, iPad and Android validates server certificates against the device's trust store. "
        "Distribute each root below with your device management (MDM or EMM): on iOS and iPadOS as a "
        "certificate payload of a configuration profile; on Android as a CA certificate of the managed "
        "device's policy. A root a user installs by hand on iOS must also be enabled in Settings > General > "
        "About > Certificate Trust Settings.",
        "",
        "This note is confcheck's model of the platforms, not taken from a Cisco document.",
        "",
        VERIFY_FIRST,
        "",
        "| file | certificate | SHA-256 | from |",
        "| --- | --- | --- | --- |",
    ]
    lines += [
        f"| {names[r.cert.sha256]} | {escape(_cn(r.cert))} | {_colons(r.cert.sha256)} | {escape(r.source)} |"
        for r in roots
    ]
    return "\n".join(lines) + "\n"


def _gpo(pushed: Sequence[Pushed], names: dict[str, str]) -> str:
    lines = [
        "# Enterprise Trust: the self-signed server certificates (Cisco's guide, method 2)",
        "",
        "The clients trust these exact certificates, not a CA: every time one is regenerated, the new one "
        "must be pushed again. Cisco recommends CA-signed certificates (method 3) instead.",
        "",
        "With the files here:",
        "",
        f"1. On one Windows client, run `reg import {REG}` as the user (it writes the current user's "
        "Enterprise Trust store), then open certmgr.msc: the certificates below are listed under Enterprise "
        "Trust > Certificates.",
        f"2. Push {REG} to every Jabber client by Group Policy, for example from a user logon script that runs "
        "`reg import` on it.",
        "",
        f"The guide's own procedure, which makes the same kind of file on a client (use it if {REG} does not "
        "import as step 1 expects):",
        "",
        *(f"{i}. {step}" for i, step in enumerate(METHOD_2_STEPS, start=1)),
        "",
        f"`{REG}` is written by confcheck from the certificates, in the layout of the key the guide exports; "
        "../../README.md says what is confirmed about it and what is modelled.",
        "",
        VERIFY_FIRST,
        "",
        "| file | server | subject | SHA-256 | SHA-1 thumbprint (registry key) |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {names[p.cert.sha256]} | {escape(p.who)} | {escape(p.cert.subject)} | {_colons(p.cert.sha256)} | "
        f"{regfile.thumbprint(_der(p.cert))} |"
        for p in pushed
    ]
    return "\n".join(lines) + "\n"


# --- README -----------------------------------------------------------------------------------


def readme(found: TrustPlan) -> str:
    """What the clients must trust after the plan, where each certificate came from, and what is missing."""
    lines = [
        "# trust/: what the Jabber clients must trust",
        "",
        "Derived from the chains the servers presented at collection and the clients' trust store "
        "(`[check] trust_store`), for the state after the plan: certificates the plan replaces through a CA "
        "are represented by their CA's root, and certificates it regenerates by nothing (they do not exist "
        "yet). Scripts are plain text for you to read; confcheck never runs them.",
        "",
        VERIFY_FIRST,
    ]
    if found.roots:
        lines += [
            "",
            "## Roots (method 3)",
            "",
            "In `bundle.pem` (for `[check] trust_store`), `windows-trusted-root/` (with "
            f"`{ROOTS_PS1}`), `macos/` (with `{MACOS_SH}`) and `mobile/` (with `MDM.md`).",
            "",
            *(f"- {step}" for step in ROOT_STEPS),
            "",
            "| root | SHA-256 | from | needed by | signs the new |",
            "| --- | --- | --- | --- | --- |",
        ]
        for root in found.roots:
            name = escape(_cn(root.cert))
            if not root.self_signed:
                name += " (an intermediate CA your trust store holds as an anchor)"
            lines.append(
                f"| {name} | {_colons(root.cert.sha256)} | {escape(root.source)} | "
                f"{_some(root.needed_by)} | {_some(root.signs_new)} |"
            )
    else:
        lines += [
            "",
            "## Roots (method 3)",
            "",
            "None: no certificate the plan keeps or requests leads to a CA root.",
        ]
    lines += ["", "## Self-signed server certificates (method 2)", ""]
    if found.pushed:
        lines += [
            "In `windows-enterprise-trust/`, with `enterprise-trust.reg` and `GPO-steps.md`. They stay "
            "self-signed after the plan; push them so that Windows clients stop prompting, or replace them by "
            "CA-signed ones (Cisco's recommendation).",
            "",
        ]
        for p in found.pushed:
            state = (
                "already in the clients' trust store"
                if p.trusted
                else "not in the clients' trust store today"
            )
            optional = f"; step {p.optional_step} recommends replacing it" if p.optional_step else ""
            lines.append(f"- {escape(p.who)}: {escape(p.cert.subject)} ({state}{escape(optional)})")
    else:
        lines.append("None: the plan leaves no self-signed server certificate in place.")
    if found.regenerated:
        lines += [
            "",
            "Regenerated by the plan; once they exist, push them the same way if the clients rely on method 2:",
            "",
        ]
        lines += [f"- {escape(who)} (step {step})" for who, step in found.regenerated]
    if found.missing or found.unknown_ca:
        lines += ["", "## Missing", ""]
        for name, who in found.missing.items():
            lines.append(
                f"- No server sends the CA certificate {escape(name)}, and the trust store does not hold it: get "
                "it from the CA's owner (with its root, if it is an intermediate) and add the root here and to "
                f"`[check] trust_store`. Needed by {_some(who)}."
            )
        for certificate, step in found.unknown_ca:
            lines.append(
                f"- {escape(certificate)} (step {step}) is to be signed by a CA the plan does not name: add that "
                "CA's root here once you choose it (a public CA's root is on the devices already)."
            )
    return "\n".join(lines) + "\n"


def _some(items: Sequence[str], shown: int = 8) -> str:
    """Up to ``shown`` items, escaped, and how many more: a root of 10,000 certificates stays one line."""
    if not items:
        return DASH
    text = escape(", ".join(items[:shown]))
    return text + (f" and {len(items) - shown} more" if len(items) > shown else "")


DASH = "\u2014"
