"""``confcheck cert``: read certificates, show what a client sees in them, and match a name."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from typing import Any, TextIO

from confcheck import certs, identity
from confcheck.certs import Certificate, CertificateError
from confcheck.errors import ExitCode
from confcheck.identity import IdentityMatch, Profile


def run(sources: list[str], name: str | None, profile: Profile, fmt: str, out: TextIO) -> ExitCode:
    """Show every SOURCE; exit 2 if one cannot be read, else 1 if ``name`` does not match one, else 0."""
    results: list[dict[str, Any]] = []
    failed = mismatched = False
    for source in sources:
        try:
            chain = certs.read(source)
        except CertificateError as exc:
            print(f"confcheck: error: {exc}", file=sys.stderr)
            results.append({"source": source, "error": str(exc)})
            failed = True
            continue
        verdict = identity.match(name, chain[0], profile) if name is not None else None
        mismatched |= verdict is not None and not verdict.matched
        results.append(_result(source, chain, verdict))
    if fmt == "json":
        json.dump(results, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        out.write("\n".join(_text(r) for r in results if "error" not in r))
    if failed:
        return ExitCode.USAGE
    return ExitCode.FINDINGS if mismatched else ExitCode.OK


def _result(source: str, chain: tuple[Certificate, ...], verdict: IdentityMatch | None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "source": source,
        "certificate": certs.to_dict(chain[0]),
        "chain": [certs.to_dict(c) for c in chain],
    }
    if verdict is not None:
        result["match"] = {
            "name": verdict.name,
            "profile": verdict.profile,
            "matched": verdict.matched,
            "field": verdict.field,
            "identity": verdict.identity,
            "wildcard": verdict.wildcard,
            "reason": verdict.reason,
        }
    return result


def _text(result: dict[str, Any]) -> str:
    cert = result["certificate"]
    lines = [result["source"]]
    lines += [f"  {label:<14} {value}" for label, value in _rows(cert)]
    chain = result["chain"]
    if len(chain) > 1:
        lines.append(f"  {'chain':<14} {len(chain)} certificates, leaf first:")
        lines += [f"  {'':<14} [{i}] {c['subject']}  (issuer {c['issuer']})" for i, c in enumerate(chain)]
    match = result.get("match")
    if match:
        verdict = "MATCH" if match["matched"] else "NO MATCH"
        lines.append(f"  {'match':<14} {match['name']} ({match['profile']}): {verdict}: {match['reason']}")
    return "\n".join(lines) + "\n"


def _rows(cert: dict[str, Any]) -> list[tuple[str, str]]:
    san = cert["san"]
    rows = [
        ("subject", cert["subject"] or "(empty)"),
        ("issuer", cert["issuer"] or "(empty)"),
        ("validity", f"{cert['not_before']} → {cert['not_after']}{_expiry(cert['not_after'])}"),
        ("key", f"{cert['key']['type']} {cert['key']['bits'] or '?'} bits, {cert['signature_algorithm']}"),
        ("self-signed", "yes" if cert["self_signed"] else "no"),
    ]
    if cert["san_error"]:
        rows.append(("SAN", f"UNREADABLE: {cert['san_error']}"))
    for key, label in (
        ("dns", "SAN dNSName"),
        ("ip", "SAN iPAddress"),
        ("xmpp_addr", "SAN xmppAddr"),
        ("srv_name", "SAN SRVName"),
    ):
        if san[key]:
            rows.append((label, ", ".join(san[key])))
    if not cert["san_error"] and not any(san.values()):
        rows.append(("SAN", "none (clients fall back to the Subject CN)"))
    sha = cert["sha256"].upper()
    rows.append(("SHA-256", ":".join(sha[i : i + 2] for i in range(0, len(sha), 2))))
    return rows


def _expiry(not_after: str) -> str:
    end = datetime.fromisoformat(not_after.replace("Z", "+00:00"))
    days = (end - datetime.now(timezone.utc)).days
    return f"  (EXPIRED {-days} days ago)" if days < 0 else f"  ({days} days left)"
