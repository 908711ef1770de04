"""``confcheck cert``: read certificates, show what a client sees in them, and match a name."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, TextIO

from confcheck import apple, certs
from confcheck.certs import Certificate, CertificateError
from confcheck.console import safe
from confcheck.errors import ExitCode, one_line

if TYPE_CHECKING:
    from confcheck.endpoint import Endpoint
    from confcheck.identity import IdentityMatch, Profile


def run(
    sources: list[str], name: str | None, profile: Profile, fmt: str, out: TextIO, timeout: float = 5.0
) -> ExitCode:
    """Show every SOURCE (a file or a URL); exit 2 if one is unusable input, 3 if one is unreachable,
    1 if ``name`` does not match one, else 0. URLs are checked before any connection is made."""
    fetched: dict[str, Endpoint] = {}
    if any("://" in s for s in sources):
        from confcheck.transport import tls  # sockets, TLS and threads: files need none of them

        targets = {s: tls.parse_url(s, name) for s in sources if "://" in s}
        policy = tls.Policy(connect_timeout=timeout, read_timeout=timeout, deadline=max(4 * timeout, 10.0))
        fetched = dict(zip(targets, tls.fetch_all(targets.values(), policy), strict=True))
    results: list[dict[str, Any]] = []
    worst = ExitCode.OK
    for source in sources:
        if source in fetched:
            endpoint = fetched[source]
            if endpoint.error is not None:
                worst = _worse(worst, _fail(results, source, endpoint.error.kind, endpoint.error.message))
                continue
            chain = endpoint.chain
        else:
            try:
                chain = certs.read(source)
            except CertificateError as exc:
                worst = _worse(worst, _fail(results, source, "input", str(exc)))
                continue
        verdict = _match(name, chain[0], profile) if name is not None else None
        if verdict is not None and not verdict.matched:
            worst = _worse(worst, ExitCode.FINDINGS)
        results.append(_result(source, chain, verdict))
    if fmt == "json":
        import json

        out.write(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    else:
        out.write("".join(_text(r) for r in results if "error" not in r))
    return worst


_PRECEDENCE = (ExitCode.OK, ExitCode.FINDINGS, ExitCode.INCOMPLETE, ExitCode.USAGE)


def _worse(a: ExitCode, b: ExitCode) -> ExitCode:
    return max(a, b, key=_PRECEDENCE.index)


def _fail(results: list[dict[str, Any]], source: str, kind: str, message: str) -> ExitCode:
    """Record an unusable SOURCE: bad input is exit 2, an unreachable endpoint exit 3."""
    shown = message if message.startswith(source) else f"{source}: {message}"
    print(f"confcheck: error: {one_line(shown)}", file=sys.stderr)
    results.append({"source": source, "error": {"kind": kind, "message": message}})
    return ExitCode.USAGE if kind in ("input", "certificate") else ExitCode.INCOMPLETE


def _match(name: str, cert: Certificate, profile: Profile) -> IdentityMatch:
    from confcheck import identity  # only --name needs it (and its IDNA tables)

    return identity.match(name, cert, profile)


def _result(source: str, chain: tuple[Certificate, ...], verdict: IdentityMatch | None) -> dict[str, Any]:
    shown = [certs.to_dict(c) for c in chain]
    result: dict[str, Any] = {"source": source, "certificate": shown[0], "chain": shown}
    # what Jabber for Mac, iPhone and iPad refuse although they trust the root
    result["apple"] = apple.refusal(chain)
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
    if result.get("apple"):
        lines.append(f"  {'Apple':<14} {result['apple']}: {apple.CLIENTS} prompt")
    match = result.get("match")
    if match:
        verdict = "MATCH" if match["matched"] else "NO MATCH"
        line = f"  {'match':<14} {match['name']} ({match['profile']}): {verdict}: {match['reason']}"
        if match["matched"] and match["field"] == "CN":
            line += f"; a name only in the Subject CN: {apple.CLIENTS} refuse it (Apple's rules)"
        lines.append(line)
    # each line escaped whole, its line feeds too: a name in a certificate cannot start a line of its own
    return "\n".join(safe(line, line_breaks=False) for line in lines) + "\n"


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
    usages = cert["extended_key_usage"]
    rows.append(
        (
            "EKU",
            "none (no extension)"
            if usages is None
            else ", ".join(certs.EKU_LABELS.get(u, u) for u in usages),
        )
    )
    rows.append(("SHA-256", bytes.fromhex(cert["sha256"]).hex(":").upper()))
    return rows


def _expiry(not_after: str) -> str:
    end = datetime.fromisoformat(not_after.replace("Z", "+00:00"))
    days = (end - datetime.now(timezone.utc)).days
    return f"  (EXPIRED {-days} days ago)" if days < 0 else f"  ({days} days left)"
