"""``confcheck pack``: the CSR plan, the trust files, the change file that proves itself, the runbook."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import Run
from cryptography import x509
from helpers import cert, cluster, deployment, node, parse, tomcat
from test_lab_scenarios import audit

from confcheck import certs, pki, plugin_manager, snapshot
from confcheck.engine import CheckOptions
from confcheck.findings import Finding, Fix, Phase, Renewal
from confcheck.lab import scenario
from confcheck.model import Deployment
from confcheck.pack import csr_plan, regfile
from confcheck.pack.command import make
from confcheck.plan import Plan, Step
from confcheck.verdict import Options, judge

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).parents[1]
EXAMPLES = ROOT / "examples"
SCHEMA = json.loads((ROOT / "confcheck" / "schemas" / "csr-plan.schema.json").read_text())
AT = "2026-12-01"
MOMENT = datetime(2026, 12, 1, tzinfo=timezone.utc)
FORBIDDEN = "@&!,"


@pytest.fixture(scope="module")
def demo_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from confcheck import cli

    out = tmp_path_factory.mktemp("demo") / "pack"
    assert cli.main(["pack", str(EXAMPLES / "demo-snapshot.json"), "--output-dir", str(out), "--at", AT]) == 0
    return out


@pytest.fixture(scope="module")
def certificates_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from confcheck import cli

    out = tmp_path_factory.mktemp("certificates") / "pack"
    argv = [
        "pack",
        str(EXAMPLES / "certificates-snapshot.json"),
        "--config",
        str(EXAMPLES / "certificates.toml"),
    ]
    assert cli.main([*argv, "--output-dir", str(out), "--at", AT]) == 0
    return out


def _rows(pack: Path) -> list[dict[str, Any]]:
    data = json.loads((pack / "csr-plan.json").read_text())
    jsonschema.validate(data, SCHEMA)
    rows: list[dict[str, Any]] = data["rows"]
    return rows


def _files(pack: Path) -> list[str]:
    return sorted(str(p.relative_to(pack)) for p in pack.rglob("*") if p.is_file())


# --- what a pack holds ---------------------------------------------------------------------------


def test_the_demo_pack_holds_every_artifact(demo_pack: Path) -> None:
    files = _files(demo_pack)
    for name in ("README.md", "csr-plan.json", "csr-plan.csv", "changes.toml", "runbook.md", "runbook.html"):
        assert name in files
    assert "trust/README.md" in files
    assert any(f.startswith("trust/windows-enterprise-trust/") and f.endswith(".cer") for f in files)
    assert "trust/windows-enterprise-trust/enterprise-trust.reg" in files
    readme = (demo_pack / "README.md").read_text()
    for name in ("runbook.md", "csr-plan.csv", "csr-plan.json", "changes.toml", "trust/"):
        assert f"`{name}`" in readme
    assert "confcheck lint" in readme
    assert "--changes" in readme


def test_the_certificates_pack_holds_the_roots_for_every_platform(certificates_pack: Path) -> None:
    files = _files(certificates_pack)
    for directory in ("windows-trusted-root", "macos", "mobile"):
        assert any(f.startswith(f"trust/{directory}/") and f.endswith(".cer") for f in files), directory
    assert "trust/bundle.pem" in files
    assert "trust/windows-trusted-root/import-trusted-roots.ps1" in files
    assert "trust/macos/add-trusted-roots.sh" in files
    assert "trust/mobile/MDM.md" in files
    [root] = x509.load_pem_x509_certificates((certificates_pack / "trust/bundle.pem").read_bytes())
    assert root.subject.rfc4514_string().startswith("CN=Acme Root CA")


def test_every_pem_and_cer_of_a_pack_parses(demo_pack: Path, certificates_pack: Path) -> None:
    seen = 0
    for pack in (demo_pack, certificates_pack):
        for path in pack.rglob("*"):
            if path.suffix == ".pem":
                assert x509.load_pem_x509_certificates(path.read_bytes())
                seen += 1
            elif path.suffix == ".cer":
                x509.load_der_x509_certificate(path.read_bytes())
                seen += 1
    assert seen >= 5


def test_the_ca_roots_the_clients_need_are_the_trust_stores_roots_of_the_kept_and_new_certificates(
    certificates_pack: Path,
) -> None:
    trust = (certificates_pack / "trust" / "README.md").read_text()
    assert "| Acme Root CA |" in trust
    assert "trust store" in trust  # where it came from
    # cucm8's chain leads to Contractor Issuing CA, whose certificate nobody has; the plan replaces it by an
    # Acme-signed certificate, so the Contractor root is not asked for
    assert "Contractor" not in trust.split("## Missing")[0].split("## Self-signed")[0].split("| --- |")[-1]


# --- the CSR plan --------------------------------------------------------------------------------


def test_the_csr_plan_of_the_certificates_example_is_consistent_and_free_of_forbidden_characters(
    certificates_pack: Path,
) -> None:
    rows = _rows(certificates_pack)
    assert len(rows) == 7
    organisations: dict[str, set[tuple[str | None, str | None]]] = {}
    for row in rows:
        subject = row["subject"]
        assert isinstance(subject, dict)
        for value in subject.values():
            assert not set(str(value)) & set(FORBIDDEN), row
        organisations.setdefault(row["cluster"], set()).add((subject.get("O"), subject.get("OU")))
        if str(row["purpose"]).startswith("cup-xmpp"):
            assert row["san_dns"]
    assert organisations == {"dc-cucm": {("Acme", "UC")}}  # cucm6's 'Acme, Inc.' is requested as Acme
    [cucm6] = [r for r in rows if r["node"] == "cucm6.acme.example"]
    assert any("set web-security" in str(n) for n in cucm6["notes"])


def test_csr_rows_say_where_what_and_why_in_fix_list_order(certificates_pack: Path) -> None:
    rows = _rows(certificates_pack)
    assert [r["step"] for r in rows] == sorted(r["step"] for r in rows)
    runbook = (certificates_pack / "runbook.md").read_text()
    for row in rows:
        assert (
            row["where"]
            == "Cisco Unified OS Administration > Security > Certificate Management > Generate CSR"
        )
        assert row["key"] == {"type": "RSA", "bits": 2048}
        assert [e["name"] for e in row["ekus"]] == [
            "TLS Web Server Authentication",
            "TLS Web Client Authentication",
        ]
        assert any("latest service update" in str(n) for n in row["notes"])
        assert f"Step {row['step']}. " in runbook
    [cucm5] = [r for r in rows if r["node"] == "cucm5.acme.example"]
    assert cucm5["must_not_name"] == ["10.30.0.15"]
    assert cucm5["signer"] == "Acme Issuing CA"
    # what the CA must give the certificate, which no CSR asks for, is said (CC316: Apple's 825 days)
    [cucm6] = [r for r in rows if r["node"] == "cucm6.acme.example"]
    assert "it is valid for 1826 days, longer than the 825 days Apple allows" in cucm6["reasons"]
    assert "Ask the CA to issue it valid for 825 days or fewer." in cucm6["notes"]
    assert not any("Ask the CA" in str(n) for r in rows if r is not cucm6 for n in r["notes"])


def test_the_csv_has_the_json_rows_guarded_against_formulas(certificates_pack: Path, tmp_path: Path) -> None:
    table = list(csv.DictReader(io.StringIO((certificates_pack / "csr-plan.csv").read_text())))
    rows = _rows(certificates_pack)
    assert [t["node"] for t in table] == [r["node"] for r in rows]
    assert tuple(table[0]) == csr_plan.COLUMNS
    row = _renewal_row(cluster_name="=HYPERLINK(1)")
    [line] = list(csv.reader(io.StringIO(csr_plan.to_csv([row]))))[1:]
    assert line[1] == "'=HYPERLINK(1)"


def test_cup_xmpp_rows_carry_the_xmpp_domain(demo_pack: Path) -> None:
    xmpp_rows = [r for r in _rows(demo_pack) if str(r["purpose"]).startswith("cup-xmpp")]
    assert xmpp_rows, "the demo has a cup-xmpp certificate to request"
    for row in xmpp_rows:
        assert "acme.example" in row["san_dns"]
        assert any("Use Domain Name for XMPP" in str(n) for n in row["notes"])


@pytest.mark.parametrize("name", ["certificates", "wildcard-selfsigned"])
def test_lab_cup_xmpp_rows_carry_the_xmpp_domain_and_one_organisation_per_cluster(
    name: str, tmp_path: Path
) -> None:
    _, dep, _ = audit(name)
    options = CheckOptions(now=MOMENT)
    made = make(judge(dep, Options(fail_on="never", check=options), name), options, str(tmp_path))
    rows = json.loads(made.files["csr-plan.json"])["rows"]
    jsonschema.validate(json.loads(made.files["csr-plan.json"]), SCHEMA)
    domains = {
        c.name: {s.value for s in c.settings if s.location.endswith(".xmpp-domain")} for c in dep.clusters
    }
    xmpp_rows = [r for r in rows if r["purpose"].startswith("cup-xmpp")]
    assert bool(xmpp_rows) == (name == "certificates")  # its imp1 has a cup-xmpp certificate to request
    for row in xmpp_rows:
        assert domains[row["cluster"]] <= set(row["san_dns"]), row
    organisations: dict[str, set[tuple[str | None, str | None]]] = {}
    for row in rows:
        assert not set("".join(row["subject"].values())) & set(FORBIDDEN)
        organisations.setdefault(row["cluster"], set()).add(
            (row["subject"].get("O"), row["subject"].get("OU"))
        )
    assert all(len(found) == 1 for found in organisations.values()), organisations


def _renewal_row(
    cluster_name: str = "imp", version: str = "9.1.1", min_bits: int = 2048, **wanted: object
) -> csr_plan.Row:
    fields: dict[str, object] = {
        "certificate": "the Tomcat certificate of imp1",
        "node": "imp1.example.com",
        "label": "imp1.example.com",
        "purpose": "tomcat",
        "cluster": cluster_name,
        "where": "Cisco Unified IM and Presence OS Administration > Security > Certificate Management",
        "impact": "restart",
        "fqdn": "imp1.example.com",
        "request": True,
        "trust_store": "tomcat-trust",
        "regenerate": "CLI: set cert regen tomcat",
        **wanted,
    }
    r = Renewal(**fields)  # type: ignore[arg-type]
    step = Step(
        Phase.CERTIFICATES, "Renew", r.where, Fix(Phase.CERTIFICATES, "Renew", r.where, renewals=(r,))
    )
    imp1 = node("imp1.example.com", hostname="imp1", domain="example.com")
    imp2 = node("imp2.example.com", hostname="imp2", domain="example.com")
    dep = deployment(cluster(cluster_name, "imp", version, [imp1, imp2]))
    values = {"O": "Acme & Sons, Inc.", "OU": "UC"}
    [row] = csr_plan.rows(Plan((step,)), dep, lambda _: values, min_bits)
    return row


def test_a_row_follows_the_key_type_the_check_minimum_and_the_purpose() -> None:
    assert (_renewal_row(min_bits=3072).key_type, _renewal_row(min_bits=3072).key_bits) == ("RSA", 3072)
    ecdsa = _renewal_row(purpose="tomcat-ECDSA")
    assert (ecdsa.key_type, ecdsa.key_bits) == ("EC", 256)
    assert len(ecdsa.ekus) == 2
    mail = _renewal_row(purpose="mailstore", trust_store=None)
    assert [name for name, _ in mail.ekus] == ["TLS Web Server Authentication"]
    assert mail.where.endswith("Certificate Management")  # not a Cisco server: no Generate CSR button
    assert dict(_renewal_row().subject)["O"] == "Acme and Sons Inc."


def test_a_multi_server_certificate_names_every_node_and_how_the_release_makes_it() -> None:
    names = ("imp1.example.com", "imp2.example.com")
    old = _renewal_row(names=names, version="9.1.1")
    assert old.multi_server
    assert old.san_dns == names
    assert any("cannot generate a multi-server CSR" in n for n in old.notes)
    new = _renewal_row(names=names, version="10.5.2")
    assert any("Multi-server (SAN)" in n and "-ms" in n for n in new.notes)
    assert not _renewal_row().multi_server


def test_two_csrs_of_one_node_carry_the_one_certificate_per_fqdn_note() -> None:
    base: dict[str, Any] = {
        "node": "imp1.example.com",
        "label": "imp1.example.com",
        "cluster": "imp",
        "where": "w",
        "impact": "i",
        "fqdn": "imp1.example.com",
        "request": True,
    }
    tomcat_r = Renewal(certificate="t", purpose="tomcat", trust_store="tomcat-trust", **base)
    xmpp_r = Renewal(
        certificate="x", purpose="cup-xmpp", trust_store="cup-xmpp-trust", automatic=("example.com",), **base
    )
    steps = tuple(
        Step(Phase.CERTIFICATES, r.certificate, "w", Fix(Phase.CERTIFICATES, "a", "w", renewals=(r,)))
        for r in (tomcat_r, xmpp_r)
    )
    dep = deployment(cluster("imp", "imp", "9.1.1", [node("imp1.example.com")]))
    rows = csr_plan.rows(Plan(steps), dep, lambda _: {}, 2048)
    assert all(any("different CAs" in n for n in r.notes) for r in rows)
    assert rows[1].san_dns == ("imp1.example.com", "example.com")


# --- the change file ------------------------------------------------------------------------------


def _cc1_fixed_by_a_setting_change(findings: tuple[Finding, ...]) -> list[Finding]:
    return [
        f
        for f in findings
        if f.rule.startswith("CC1")
        and f.fix is not None
        and f.fix.phase in (Phase.NODE_NAMES, Phase.CLIENT_SETTINGS)
        and f.fix.current == f.value
        and f.fix.proposed
        and not f.fix.renewals
    ]


def test_the_demo_change_file_proves_itself_through_lint(
    demo_pack: Path, confcheck: Callable[..., Run]
) -> None:
    changes = tomllib.loads((demo_pack / "changes.toml").read_text())["change"]
    assert {c.get("rename") or c.get("set") for c in changes} >= {"10.10.0.11", "cucm3", "imp9.tftp-primary"}
    result = confcheck(
        "lint",
        str(EXAMPLES / "demo-snapshot.json"),
        "--changes",
        str(demo_pack / "changes.toml"),
        "--at",
        AT,
        "--format",
        "json",
        "--fail-on",
        "info",
    )
    data = json.loads(result.out)
    assert data["changes"]["introduced"] == []  # a renamed node's certificate findings are not new ones
    assert result.code == 0
    before = judge(
        snapshot.read(EXAMPLES / "demo-snapshot.json", plugin_manager.catalog()), Options(at=MOMENT), "demo"
    )
    fixed = {f["fingerprint"] for f in data["changes"]["fixed"]}
    wanted = _cc1_fixed_by_a_setting_change(before.findings)
    assert len(wanted) >= 5
    assert all(f.fingerprint in fixed for f in wanted)


@pytest.mark.parametrize("name", scenario.names())
def test_every_lab_scenarios_change_file_fixes_its_cc1_setting_findings_and_introduces_none(
    name: str, tmp_path: Path
) -> None:
    _, dep, _ = audit(name)
    options = CheckOptions(now=MOMENT)
    before = judge(dep, Options(fail_on="never", check=options), name)
    made = make(before, options, str(tmp_path))
    wanted = _cc1_fixed_by_a_setting_change(before.findings)
    if "changes.toml" not in made.files:
        assert wanted == []
        return
    path = tmp_path / "changes.toml"
    path.write_bytes(made.files["changes.toml"])
    after = judge(dep, Options(fail_on="never", check=options, changes=path), name)
    assert after.changes is not None
    assert after.changes.introduced == ()
    fixed = {f.fingerprint for f in after.changes.fixed}
    assert [f.message for f in wanted if f.fingerprint not in fixed] == []


def test_a_lone_surrogate_is_left_out_of_the_change_file_and_said_so() -> None:
    from confcheck.pack.change_file import Change, expressible, toml_string

    bad = Change(1, "Set x", "c", "set", "imp9.tftp-primary", None, "a", "b\ud800")
    assert not expressible(bad)
    value = 'a"b\\c\x00\x7f\n\u00e9'
    assert tomllib.loads(f"v = {toml_string(value)}")["v"] == value


# --- the runbook ----------------------------------------------------------------------------------


def test_the_runbook_is_the_plan_as_windows_with_checkable_steps(demo_pack: Path) -> None:
    text = (demo_pack / "runbook.md").read_text()
    windows = re.findall(r"^## Window (\d+): (.+)$", text, re.M)
    assert [t for _, t in windows] == [
        "complete the audit",
        "DNS records",
        "certificates",
        "node and server names",
        "client-facing settings",
    ]  # the XMPP domain goes into each node's cup-xmpp certificate (certificates window)
    steps = re.findall(r"^- \[[ x]\] \*\*Step (\d+)\. ", text, re.M)
    assert [int(s) for s in steps] == list(range(1, len(steps) + 1))
    assert text.count("Roll back:") == len(steps) == text.count("Verify:") == text.count("Impact:")
    assert "confcheck cert https://cuc1.acme.example:8443 --name cuc1.acme.example" in text
    assert "confcheck cert xmpp://imp2.acme.example:5222 --name acme.example --profile xmpp" in text
    assert "nslookup cucm3.acme.example" in text
    assert "nslookup 10.10.0.13" in text
    assert "confcheck audit --config confcheck.toml --select CC1" in text
    assert "Rename it back: change 'Host Name/IP Address' from cucm1.acme.example to 10.10.0.11" in text


def test_the_html_runbook_is_the_same_runbook_and_self_contained(demo_pack: Path) -> None:
    page = (demo_pack / "runbook.html").read_text(encoding="ascii")
    markdown = (demo_pack / "runbook.md").read_text()
    steps = re.findall(r'<li value="\d+" id="step-\d+" class="step', page)
    assert len(steps) == len(re.findall(r"^- \[[ x]\] \*\*Step", markdown, re.M))
    assert "<script" not in page
    assert "default-src 'none'" in page
    assert "confcheck cert https://cuc1.acme.example:8443 --name cuc1.acme.example" in page


def test_hostile_values_stay_text_in_the_runbook(tmp_path: Path) -> None:
    evil = "10.0.0.11"
    leaf = cert("cucm1.example.com", dns=["cucm1.example.com"])
    dep = deployment(
        cluster("x`\n## pwned <img src=x>", "cucm", "9.1", [node(evil, tomcat(evil, leaf), addresses=[evil])])
    )
    options = CheckOptions()
    made = make(judge(dep, Options(fail_on="never"), "t"), options, str(tmp_path))
    text = made.files["runbook.md"].decode()
    assert "\n## pwned" not in text
    assert "<img" not in text
    assert "<img" not in made.files["runbook.html"].decode()


# --- the trust files ------------------------------------------------------------------------------


def _trust_deployment(root_cn: str) -> tuple[Deployment, CheckOptions]:
    root = pki.ca(root_cn)
    leaf = parse(pki.server("cucm1.example.com", ["cucm1.example.com"], issuer=root))
    selfsigned = cert("cuc1.example.com", dns=["cuc1.example.com"], self_signed=True)
    dep = deployment(
        cluster("cucm", "cucm", "9.1.2", [node("cucm1.example.com", tomcat("cucm1.example.com", leaf))]),
        cluster("cuc", "unity", "9.1.2", [node("cuc1.example.com", tomcat("cuc1.example.com", selfsigned))]),
    )
    return dep, CheckOptions(trust_store=(parse(root),))


def test_scripts_hold_only_their_own_commands_whatever_a_certificate_is_called(tmp_path: Path) -> None:
    dep, options = _trust_deployment("Root'\nRemove-Item C:\\ -Recurse #$(rm -rf ~)")
    made = make(judge(dep, Options(fail_on="never", check=options), "t"), options, str(tmp_path))
    ps1 = made.files["trust/windows-trusted-root/import-trusted-roots.ps1"].decode("utf-8-sig")
    commands = [line for line in ps1.splitlines() if line and not line.startswith("#")]
    assert commands[0] == "$ErrorActionPreference = 'Stop'"
    pattern = r"Import-Certificate -FilePath \(Join-Path \$PSScriptRoot '[a-z0-9-]+\.cer'\) -CertStoreLocation Cert:\\LocalMachine\\Root"
    assert len(commands) == 2
    assert re.fullmatch(pattern, commands[1])
    sh = made.files["trust/macos/add-trusted-roots.sh"].decode()
    commands = [line for line in sh.splitlines() if line and not line.startswith("#")]
    assert commands[:2] == ["set -eu", 'cd "$(dirname "$0")"']
    assert re.fullmatch(
        r"sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain '[a-z0-9-]+\.cer'",
        commands[2],
    )
    named = re.search(r"'([a-z0-9-]+\.cer)'", commands[2])
    assert named
    assert f"trust/macos/{named.group(1)}" in made.files


def test_the_reg_file_puts_each_self_signed_certificate_under_its_thumbprint(tmp_path: Path) -> None:
    dep, options = _trust_deployment("Lab Root")
    made = make(judge(dep, Options(fail_on="never", check=options), "t"), options, str(tmp_path))
    reg = made.files["trust/windows-enterprise-trust/enterprise-trust.reg"]
    assert reg.startswith(b"\xff\xfe")  # UTF-16 LE with a byte order mark, as regedit writes
    text = reg.decode("utf-16")
    assert text.startswith("Windows Registry Editor Version 5.00\r\n\r\n")
    assert "\n" not in text.replace("\r\n", "")
    hex_lines = [line for line in text.split("\r\n") if line.startswith(('"Blob"', "  "))]
    assert len(hex_lines) > 5
    assert all(len(line) <= 80 for line in hex_lines)
    [cer] = [
        name
        for name in made.files
        if name.startswith("trust/windows-enterprise-trust/") and name.endswith(".cer")
    ]
    der = made.files[cer]
    blobs = regfile.parse(reg)
    assert list(blobs) == [hashlib.sha1(der).hexdigest().upper()]
    blob = blobs[hashlib.sha1(der).hexdigest().upper()]
    assert blob[:8] == bytes([0x20, 0, 0, 0, 1, 0, 0, 0])  # [MS-GPEF] 2.2.1.1.1.2
    assert int.from_bytes(blob[8:12], "little") == len(der)
    assert blob[12:] == der
    assert (
        x509.load_der_x509_certificate(blob[12:]).subject.rfc4514_string().startswith("CN=cuc1.example.com")
    )
    trust = made.files["trust/README.md"].decode()
    assert "cuc: cuc1.example.com tomcat" in trust


def test_a_self_signed_certificate_the_plan_replaces_through_a_ca_is_not_pushed(
    certificates_pack: Path,
) -> None:
    # cucm5's self-signed certificate is replaced by an Acme-signed one: Enterprise Trust does not need it
    assert not (certificates_pack / "trust" / "windows-enterprise-trust").exists()
    assert (
        "None: the plan leaves no self-signed server certificate in place."
        in (certificates_pack / "trust" / "README.md").read_text()
    )


# --- a JSON report as input -----------------------------------------------------------------------


def test_a_json_report_makes_a_pack_that_says_what_it_cannot_hold(
    tmp_path: Path, confcheck: Callable[..., Run]
) -> None:
    report = tmp_path / "report.json"
    result = confcheck("lint", str(EXAMPLES / "demo-snapshot.json"), "--at", AT, "-o", f"json={report}")
    assert result.code == 1
    out = tmp_path / "pack"
    result = confcheck("pack", str(report), "--output-dir", str(out))
    assert result.code == 0, result.err
    assert not (out / "trust").exists()
    readme = (out / "README.md").read_text()
    assert "a JSON report holds no certificates" in readme
    data = json.loads((out / "csr-plan.json").read_text())
    jsonschema.validate(data, SCHEMA)
    assert data["subjects_complete"] is False
    assert {r["node"] for r in data["rows"]} == {
        "cuc1.acme.example",
        "mail.acme.example",
        "cucm-br.acme.example",
        "imp2.acme.example",
    }
    assert all("O" not in r["subject"] for r in data["rows"])  # no certificates: only what the findings name
    assert "SNAPSHOT.json" in (out / "runbook.md").read_text()
    assert (out / "changes.toml").exists()


# --- bad input ------------------------------------------------------------------------------------


def test_nothing_to_fix_is_a_pack_that_says_so(tmp_path: Path, confcheck: Callable[..., Run]) -> None:
    leaf = cert("cucm1.example.com", dns=["cucm1.example.com"])
    dep = deployment(
        cluster("cucm", "cucm", "9.1", [node("cucm1.example.com", tomcat("cucm1.example.com", leaf))])
    )
    source = tmp_path / "clean.json"
    snapshot.write(dep, source)
    out = tmp_path / "pack"
    result = confcheck("pack", str(source), "--output-dir", str(out))
    assert result.code == 0, result.err
    assert "Nothing to fix" in (out / "README.md").read_text()
    assert "Nothing to fix" in (out / "runbook.md").read_text()
    assert json.loads((out / "csr-plan.json").read_text())["rows"] == []
    assert not (out / "changes.toml").exists()  # lint --changes refuses an empty change file
    assert "nothing to fix" in result.err


def test_an_unparseable_certificate_writes_nothing(tmp_path: Path, confcheck: Callable[..., Run]) -> None:
    data = json.loads((EXAMPLES / "certificates-snapshot.json").read_text())
    key = next(iter(data["certificates"]))
    data["certificates"][key] = "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"
    source = tmp_path / "bad.json"
    source.write_text(json.dumps(data))
    out = tmp_path / "out" / "pack"
    result = confcheck("pack", str(source), "--output-dir", str(out))
    assert result.code == 2
    assert result.err.count("\n") == 1
    assert f"certificates.{key}" in result.err
    assert not out.exists()
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_a_failure_while_writing_leaves_no_half_pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from confcheck.errors import InputError
    from confcheck.pack import output

    out = tmp_path / "pack"
    calls = []

    def failing_install(temporary: Path, directory: Path) -> None:
        calls.append(temporary)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output, "_install", failing_install)
    with pytest.raises(InputError, match="No space left"):
        output.write({"README.md": b"x", "trust/a.cer": b"y"}, out, False)
    assert calls
    assert not calls[0].exists()
    assert list(tmp_path.iterdir()) == []


def test_a_non_empty_directory_is_refused_unless_forced(
    tmp_path: Path, confcheck: Callable[..., Run]
) -> None:
    out = tmp_path / "pack"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    source = str(EXAMPLES / "demo-snapshot.json")
    result = confcheck("pack", source, "--output-dir", str(out))
    assert result.code == 2
    assert "--force" in result.err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert confcheck("pack", source, "--output-dir", str(out), "--force").code == 0
    assert not (out / "notes.txt").exists()
    assert (out / "runbook.md").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["pack"]  # nothing left beside it
    empty = tmp_path / "empty"
    empty.mkdir()
    assert confcheck("pack", source, "--output-dir", str(empty)).code == 0


def test_force_never_replaces_the_working_directory_or_what_holds_the_source(
    tmp_path: Path, confcheck: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "data" / "snap.json"
    source.parent.mkdir()
    source.write_bytes((EXAMPLES / "demo-snapshot.json").read_bytes())
    result = confcheck("pack", str(source), "--output-dir", str(tmp_path / "data"), "--force")
    assert result.code == 2
    assert "refusing" in result.err
    assert source.exists()
    monkeypatch.chdir(tmp_path / "data")
    result = confcheck("pack", str(source), "--output-dir", ".")
    assert result.code == 2
    assert "refusing to write the pack there" in result.err
    result = confcheck("pack", str(source), "--output-dir", str(tmp_path), "--force")
    assert result.code == 2
    assert "refusing" in result.err
    assert source.exists()


def test_an_existing_file_is_not_a_pack_directory(tmp_path: Path, confcheck: Callable[..., Run]) -> None:
    out = tmp_path / "file"
    out.write_text("x")
    result = confcheck("pack", str(EXAMPLES / "demo-snapshot.json"), "--output-dir", str(out), "--force")
    assert result.code == 2
    assert "not a directory" in result.err


def test_pack_output_is_the_same_for_the_same_input(
    demo_pack: Path, tmp_path: Path, confcheck: Callable[..., Run]
) -> None:
    out = tmp_path / "again"
    assert (
        confcheck("pack", str(EXAMPLES / "demo-snapshot.json"), "--output-dir", str(out), "--at", AT).code
        == 0
    )
    for name in ("csr-plan.json", "csr-plan.csv", "changes.toml", "trust/README.md"):
        expected = (demo_pack / name).read_text().replace(str(demo_pack), "DIR")
        assert (out / name).read_text().replace(str(out), "DIR") == expected, name


def test_audit_writes_the_pack_of_what_it_collected(tmp_path: Path, confcheck: Callable[..., Run]) -> None:
    from confcheck.lab.runtime import Lab

    out = tmp_path / "pack"
    with Lab.of("pre-migration") as lab:
        saved = {k: os.environ.get(k) for k in lab.environment}
        os.environ.update(lab.environment)
        try:
            result = confcheck(
                "audit",
                "--config",
                str(lab.config_path),
                "--no-progress",
                "--save-snapshot",
                str(tmp_path / "snap.json"),
                "--pack",
                str(out),
            )
        finally:
            for key, value in saved.items():
                if value is None:
                    del os.environ[key]
                else:
                    os.environ[key] = value
    assert result.code == 1, result.err
    assert "wrote the remediation pack" in result.err
    assert (out / "changes.toml").exists()
    assert (out / "runbook.md").exists()
    runbook = (out / "runbook.md").read_text()
    assert f"confcheck audit --config {lab.config_path} --select CC1" in runbook
    prove = f"confcheck lint {tmp_path / 'snap.json'} --changes {out}/changes.toml --config {lab.config_path}"
    assert prove in runbook
    result = confcheck(
        "lint", str(tmp_path / "snap.json"), "--changes", str(out / "changes.toml"), "--format", "json"
    )
    assert json.loads(result.out)["changes"]["introduced"] == []


def test_audit_refuses_a_non_empty_pack_directory_before_collecting(
    tmp_path: Path, confcheck: Callable[..., Run]
) -> None:
    out = tmp_path / "pack"
    out.mkdir()
    (out / "x").write_text("x")
    result = confcheck("audit", "--config", str(tmp_path / "missing.toml"), "--pack", str(out))
    assert result.code == 2
    assert "not empty" in result.err


def test_the_plan_rows_skip_what_is_regenerated_not_requested() -> None:
    selfsigned = cert("cuc1.example.com", dns=["cuc1.example.com"], self_signed=True)
    weak = Renewal(
        certificate="c",
        node="cuc1.example.com",
        label="cuc1.example.com",
        purpose="tomcat",
        cluster="cuc",
        where="w",
        impact="i",
        fqdn="cuc1.example.com",
        self_signed=True,
        regenerate="CLI: set cert regen tomcat",
        trust_store="tomcat-trust",
        min_rsa_bits=2048,
    )
    step = Step(
        Phase.CERTIFICATES, "Regenerate", "w", Fix(Phase.CERTIFICATES, "Regenerate", "w", renewals=(weak,))
    )
    dep = deployment(
        cluster("cuc", "unity", "9.1.2", [node("cuc1.example.com", tomcat("cuc1.example.com", selfsigned))])
    )
    assert csr_plan.rows(Plan((step,)), dep, lambda _: {}, 2048) == []
    assert certs.from_pem(selfsigned.pem).self_signed


def test_an_incomplete_audit_makes_a_pack_that_says_so_and_exits_3(
    tmp_path: Path, confcheck: Callable[..., Run]
) -> None:
    out = tmp_path / "pack"
    result = confcheck("pack", str(EXAMPLES / "incomplete-snapshot.json"), "--output-dir", str(out))
    assert result.code == 3, result.err
    assert "The audit was incomplete" in (out / "README.md").read_text()
    assert "## Window 1: complete the audit" in (out / "runbook.md").read_text()


@pytest.mark.parametrize("name", scenario.names())
def test_every_certificate_file_of_every_lab_scenarios_pack_parses(name: str, tmp_path: Path) -> None:
    _, dep, _ = audit(name)
    options = CheckOptions(now=MOMENT)
    made = make(judge(dep, Options(fail_on="never", check=options), name), options, str(tmp_path))
    for path, data in made.files.items():
        if path.endswith(".pem"):
            assert x509.load_pem_x509_certificates(data), path
        elif path.endswith(".cer"):
            x509.load_der_x509_certificate(data)
        elif path.endswith(".reg"):
            for blob in regfile.parse(data).values():
                x509.load_der_x509_certificate(blob[12:])


def test_a_cup_xmpp_request_of_release_10_says_the_domain_comes_by_itself() -> None:
    row = _renewal_row(purpose="cup-xmpp", version="11.5.1", automatic=("example.com",))
    assert "example.com" in row.san_dns
    assert any("put the XMPP domain into the cup-xmpp request" in n for n in row.notes)
    old = _renewal_row(purpose="cup-xmpp", automatic=("example.com",))
    assert not any("put the XMPP domain" in n for n in old.notes)
