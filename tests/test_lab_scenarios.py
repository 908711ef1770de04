"""End to end: every lab scenario, collected like a real deployment and checked against its golden findings.

The lab runs real servers on loopback (AXL over HTTPS, admin pages, XMPP STARTTLS, IMAPS, DNS);
collection goes through the same plugins, transports and DNS a real audit uses. Addresses are
random per run, so golden files name them by host (``{cucm1.ip}``). To accept a change on
purpose: ``CONFCHECK_UPDATE_GOLDEN=1 pytest tests/test_lab_scenarios.py``.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import Run

from confcheck import collect, config, lint, plan, plugin_manager
from confcheck.certs import Certificate
from confcheck.errors import InputError
from confcheck.findings import Phase
from confcheck.lab import scenario
from confcheck.lab.runtime import Lab
from confcheck.lint import LintResult
from confcheck.model import Deployment

GOLDEN = Path(__file__).parent / "golden"


_AUDITS: dict[str, tuple[Lab, Deployment, LintResult]] = {}


def audit(name: str) -> tuple[Lab, Deployment, LintResult]:
    """Run the scenario's lab, collect and lint it as ``confcheck audit`` does (the inventory's ``[check]``
    included); once per scenario per session (the lab is stopped after)."""
    if name not in _AUDITS:
        with Lab.of(name) as lab:
            saved = {k: os.environ.get(k) for k in lab.environment}
            os.environ.update(lab.environment)
            try:
                inventory = config.load(lab.config_path, ask=False)
                deployment = collect.collect(inventory)
            finally:
                for key, value in saved.items():
                    if value is None:
                        del os.environ[key]
                    else:
                        os.environ[key] = value
        _AUDITS[name] = (
            lab,
            deployment,
            lint.lint(deployment, plugin_manager.catalog(), plugin_manager.rules(), inventory.check),
        )
    return _AUDITS[name]


def normalized(lab: Lab, text: str | None) -> str | None:
    """Lab addresses back to placeholders: ``127.x.y.11`` -> ``{cucm1.ip}``."""
    if text is None:
        return None
    for host, placed in sorted(lab.hosts.items(), key=lambda kv: -len(kv[1].address)):
        text = text.replace(placed.address, f"{{{host}.ip}}")
    return text


def summary(lab: Lab, result: LintResult) -> dict[str, Any]:
    findings = [
        {
            "rule": f.rule,
            "cluster": f.cluster,
            "location": f.location,
            "instance": f.instance,
            "value": normalized(lab, f.value),
            "node": normalized(lab, f.node),
            "where": f.fix.where if f.fix else None,
            "proposed": normalized(lab, f.fix.proposed) if f.fix else None,
        }
        for f in result.findings
    ]
    key = json.dumps
    return {"incomplete": result.incomplete, "findings": sorted(findings, key=key)}


@pytest.mark.parametrize("name", scenario.names())
def test_scenario_matches_its_golden_findings(name: str) -> None:
    lab, _, result = audit(name)
    got = summary(lab, result)
    golden = GOLDEN / f"{name}.json"
    if os.environ.get("CONFCHECK_UPDATE_GOLDEN"):
        golden.write_text(json.dumps(got, indent=1) + "\n")
    assert golden.exists(), f"no {golden.name}: run with CONFCHECK_UPDATE_GOLDEN=1, review it, commit it"
    assert got == json.loads(golden.read_text())


def test_clean_audits_to_exit_zero() -> None:
    _, deployment, result = audit("clean")
    assert result.findings == ()
    assert not result.incomplete
    assert len(deployment.clusters) == 3
    assert all(e.chain for c in deployment.clusters for n in c.nodes for e in n.endpoints)


def test_faults_are_incomplete_but_the_healthy_nodes_are_still_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, deployment, result = audit("faults")
    assert result.incomplete
    kinds = {(p.cluster, p.kind) for p in deployment.problems}
    assert kinds == {("branch-imp", "auth")}
    errors = {
        n.name: e.error.kind for c in deployment.clusters for n in c.nodes for e in n.endpoints if e.error
    }
    assert errors == {"cucm3.acme.example": "refused", "imp3.acme.example": "timeout"}
    healthy = [
        n
        for c in deployment.clusters
        for n in c.nodes
        if n.name.split(".")[0] in ("cucm1", "cucm2", "imp2", "cuc1")
    ]
    assert len(healthy) == 4
    assert all(e.chain for n in healthy for e in n.endpoints)
    hq = deployment.cluster("hq-cucm")
    assert hq is not None
    assert [n.name for n in hq.nodes] == [
        "cucm1.acme.example",
        "cucm2.acme.example",
        "cucm3.acme.example",
    ]  # AXL answered after 503s


def test_pre_migration_breaks_every_kind_of_location_it_configures() -> None:
    _, _, result = audit("pre-migration")
    broken = {f.location for f in result.findings if f.location}
    assert broken == {
        "cucm9.node-name",
        "cucm9.uc-service-imp",
        "cucm9.uc-service-voicemail",
        "cucm9.uc-service-mailstore",
        "imp9.node-name",
        "imp9.tftp-primary",
        "imp9.tftp-backup",
        "imp9.ccmcip-primary",
        "imp9.ccmcip-backup",
    }


def test_legacy_reads_cup8_jabber_pages_and_cucm8_over_axl_8_5() -> None:
    _, deployment, result = audit("legacy")
    cup = deployment.cluster("legacy-cup")
    assert cup is not None
    assert cup.version == "8.6.4.10000-12"
    locations = {s.location for s in cup.settings}
    assert {
        "cup8.tftp-primary",
        "cup8.voicemail",
        "cup8.mailstore",
        "cup8.conferencing",
        "cup8.xmpp-domain",
    } <= locations
    wheres = {f.fix.where for f in result.findings if f.fix and f.cluster == "legacy-cup"}
    assert "Cisco Unified Presence Administration > Application > Cisco Jabber > Voicemail Server" in wheres
    cucm = deployment.cluster("legacy-cucm")
    assert cucm is not None
    assert cucm.version == "8.6.2.20000-2"


def test_every_phase_of_a_collection_shares_one_set_of_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading clusters, resolving names and observing DNS run on the same ``[collect] concurrency``
    workers, one phase after the other, instead of new threads for each phase; the snapshot is the
    same as ever (the golden tests hold it)."""
    started: list[str] = []
    start = threading.Thread.start

    def counted(thread: threading.Thread) -> None:
        started.append(thread.name)
        start(thread)

    with Lab.of("pre-migration") as lab:
        monkeypatch.setattr(os, "environ", {**os.environ, **lab.environment})
        inventory = replace(config.load(lab.config_path, ask=False), concurrency=3)
        monkeypatch.setattr(threading.Thread, "start", counted)
        deployment = collect.collect(inventory)
    assert {c.name for c in deployment.clusters} == {"hq-cucm", "hq-imp", "hq-cuc"}
    assert deployment.dns
    assert 0 < len([n for n in started if n.startswith("collect_")]) <= 3


def test_a_cluster_whose_version_is_detected_on_its_admin_pages_is_signed_in_to_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """IM and Presence 9.x: detecting the release signs in to cupadmin; reading the configuration goes
    on in that session (its home page shows it signed in) instead of signing in again."""
    from confcheck.lab.adminweb import AdminApp
    from confcheck.lab.servers import Request, Response

    sign_ins: list[str] = []
    answer = AdminApp.__call__

    def counted(app: AdminApp, request: Request) -> Response:
        if request.method == "POST" and request.path.endswith("/j_security_check"):
            sign_ins.append(request.path)
        return answer(app, request)

    monkeypatch.setattr(AdminApp, "__call__", counted)
    with Lab.of("pre-migration") as lab:
        monkeypatch.setattr(os, "environ", {**os.environ, **lab.environment})
        inventory = config.load(lab.config_path, ask=False)
        assert next(c for c in inventory.clusters if c.name == "hq-imp").version is None
        deployment = collect.collect(inventory)
    imp = deployment.cluster("hq-imp")
    assert imp is not None
    assert imp.version == "9.1.1.20000-5"
    assert imp.configuration_read
    assert sign_ins == ["/cupadmin/j_security_check"]


def test_confcheck_demo_prints_the_fix_list_and_writes_reports(
    confcheck: Callable[..., Run], tmp_path: Path
) -> None:
    out = tmp_path / "demo"
    result = confcheck("demo", "--output-dir", str(out))
    assert result.code == 1
    assert "Fix list" in result.out
    assert "Rename node {" not in result.out
    assert sorted(p.name for p in out.iterdir()) == [
        "report.csv",
        "report.html",
        "report.json",
        "report.junit.xml",
        "report.md",
        "report.sarif",
        "report.txt",
        "snapshot.json",
    ]
    report = json.loads((out / "report.json").read_text())
    assert report["summary"]["findings"] == len(report["findings"]) > 0
    wheres = {(f["fix"]["where"], f["fix"]["field"]) for f in report["findings"]}
    assert ("Cisco Unified CM Administration > System > Server", "Host Name/IP Address") in wheres
    legacy = "Cisco Unified CM IM and Presence Administration > Application > Legacy Clients > Settings"
    assert (legacy, "Primary TFTP Server") in wheres
    assert (out / "report.txt").read_text() in result.out
    assert confcheck("lint", str(out / "snapshot.json")).code == 1  # the snapshot re-lints offline


def test_the_demo_runs_without_the_cyclic_collector_and_turns_it_back_on(
    confcheck: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the demo makes (modules, the lab, the collected model, the reports) lives to the end of its
    run: the collector's walks over that heap were some 60 ms of it (see confcheck.gc_pause)."""
    from confcheck import demo

    collecting: list[bool] = []
    run = demo.run

    def watched(*args: Any, **kwargs: Any) -> Any:
        collecting.append(gc.isenabled())
        return run(*args, **kwargs)

    monkeypatch.setattr(demo, "run", watched)
    assert gc.isenabled()
    result = confcheck("demo", "--output-dir", str(tmp_path / "demo"))
    assert result.code == 1
    assert collecting == [False]
    assert gc.isenabled()


def test_a_plugin_that_fails_to_load_stops_the_demo_with_its_error(tmp_path: Path) -> None:
    """The demo imports the plugins while its lab starts (in its forked child: this is a fresh process);
    a built-in plugin that cannot be imported is still the one-line error (exit 2) it always was, not a
    collection without it."""
    script = (
        "import sys\n"
        "sys.modules['confcheck.plugins.cucm9'] = None\n"
        "from confcheck.cli import main\n"
        "sys.exit(main(['demo', '--output-dir', sys.argv[1]]))\n"
    )
    out = tmp_path / "demo"
    run = subprocess.run(
        [sys.executable, "-c", script, str(out)], check=False, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 2
    assert "confcheck: error: a plugin failed to load (ModuleNotFoundError" in run.stderr
    assert "Traceback" not in run.stderr
    assert not out.exists() or not any(out.iterdir())


def test_demo_refuses_to_write_into_the_source_tree(confcheck: Callable[..., Run]) -> None:
    reports = Path(__file__).parents[1] / "reports"
    result = confcheck("demo", "--output-dir", str(reports))
    assert result.code == 2
    assert "refusing to write demo output" in result.err


# --- the certificates scenario: certificate hygiene and trust, met live ----------------------------

CERTIFICATE_RULES = {f"CC3{n:02}" for n in range(1, 12)} | {"CC401", "CC402"}


def _host(name: str | None) -> str:
    return (name or "").split(".")[0]


def _tomcat(deployment: Deployment, host: str) -> tuple[Certificate, ...]:
    """The chain the node ``host`` presented for Tomcat."""
    [chain] = [
        e.chain
        for c in deployment.clusters
        for n in c.nodes
        if _host(n.name) == host
        for e in n.endpoints
        if e.purpose == "tomcat"
    ]
    return chain


def test_certificates_shows_every_certificate_rule_live_and_no_name_problem() -> None:
    _, _, result = audit("certificates")
    assert not result.incomplete
    assert {f.rule for f in result.findings} == CERTIFICATE_RULES  # no CC1xx, CC2xx or CC5xx


def test_certificates_findings_name_the_nodes_that_have_the_problems() -> None:
    _, _, result = audit("certificates")
    per_node = {(f.rule, _host(f.node)) for f in result.findings if f.node}
    assert {
        ("CC301", "cucm2"),
        ("CC302", "cucm3"),
        ("CC302", "imp1"),
        ("CC303", "cucm6"),
        ("CC303", "imp2"),
        ("CC307", "cucm6"),
        ("CC308", "cucm7"),
        ("CC309", "cucm6"),
        ("CC311", "cucm4"),
        ("CC401", "cucm6"),
        ("CC401", "cucm8"),
        ("CC402", "cucm9"),
    } <= per_node
    per_cluster = {(f.rule, f.cluster) for f in result.findings if f.node is None}
    assert {
        ("CC304", "dc-cucm"),
        ("CC304", "dc-imp"),
        ("CC305", "dc-cucm"),
        ("CC306", "dc-cucm"),
        ("CC306", "dc-imp"),
        ("CC310", "dc-cucm"),
    } <= per_cluster
    [unsent] = [f for f in result.findings if f.rule == "CC401" and _host(f.node) == "cucm8"]
    assert "does not send the intermediate CA confcheck Lab Issuing CA" in unsent.message
    [method] = [f for f in result.findings if f.rule == "CC303" and _host(f.node) == "imp2"]
    assert "(method 2)" in method.message  # judged against the clients' trust store, which holds it
    [shared] = [f for f in result.findings if f.rule == "CC305"]
    assert "cucm4.acme.example and cucm5.acme.example" in shared.message


def test_certificates_lab_serves_the_certificates_its_scenario_describes() -> None:
    lab, deployment, _ = audit("certificates")
    full = _tomcat(deployment, "cucm1")
    assert [c.subject_cn for c in full] == [
        ("cucm1.acme.example",),
        ("confcheck Lab Issuing CA",),
        ("confcheck Lab Root CA",),
    ]
    assert [c.subject_attributes[:-1] for c in full[:1]] == [
        (("O", "Acme"), ("OU", "UC"), ("L", "Springfield"), ("ST", "Illinois"), ("C", "US"))
    ]
    for host in ("cucm8", "cucm9"):  # send_chain = false
        [leaf] = _tomcat(deployment, host)
        assert not leaf.self_signed
    assert _tomcat(deployment, "cucm4")[0].sha256 == _tomcat(deployment, "cucm5")[0].sha256  # shared
    [install] = _tomcat(deployment, "cucm6")
    assert install.self_signed
    assert (install.key.type, install.key.bits) == ("RSA", 1024)
    assert install.subject_cn == (lab.hosts["cucm6"].address,)
    assert ("O", "Acme, Inc.") in _tomcat(deployment, "cucm7")[0].subject_attributes
    collected = deployment.collected_at
    assert collected is not None
    expired, expiring = _tomcat(deployment, "cucm2")[0], _tomcat(deployment, "cucm3")[0]
    assert round((expired.not_after - collected).total_seconds() / 86400) == -21
    assert round((expiring.not_after - collected).total_seconds() / 86400) == 12


def test_audit_of_the_certificates_lab_judges_chains_against_the_clients_trust_store(
    confcheck: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    with Lab.of("certificates") as lab:
        for variable, value in lab.environment.items():
            monkeypatch.setenv(variable, value)
        trusted = config.load(lab.config_path, ask=False).check.trust_store  # [check] trust_store
        result = confcheck("audit", "--config", str(lab.config_path), "--format", "json", "--no-progress")
    assert trusted is not None
    assert [c.subject_cn for c in trusted] == [  # the lab root CA and the two pushed certificates
        ("confcheck Lab Root CA",),
        ("cucm9.acme.example",),
        ("imp2.acme.example",),
    ]
    assert result.code == 1, result.err  # errors: the expired certificate and the untrusted chains
    report = json.loads(result.out)
    assert {f["rule"] for f in report["findings"]} == CERTIFICATE_RULES


def test_only_the_certificates_scenario_names_a_trust_store() -> None:
    """The others predate the trust rules; with a trust store, wildcard-selfsigned would add CC401 errors."""
    assert [n for n in scenario.names() if scenario.load(n).check.trust_store] == ["certificates"]


# --- the certificate table of a scenario ----------------------------------------------------------


def _scenario(tmp_path: Path, first: str, second: str = "{}", check: str = "") -> scenario.Scenario:
    """A two-node scenario whose Tomcat certificates are the TOML inline tables ``first`` and ``second``."""
    path = tmp_path / "spec.toml"
    path.write_text(
        'domain = "t.example"\n'
        + check
        + '\n[[cluster]]\nname = "c"\nproduct = "cucm"\nversion = "9.1.2.10000-28"\n'
        + f'[[cluster.node]]\nhost = "cucm1"\ntomcat = {first}\n'
        + f'[[cluster.node]]\nhost = "cucm2"\ntomcat = {second}\n'
    )
    return scenario.load(str(path))


def test_a_certificate_table_without_the_new_keys_is_what_it_always_was(tmp_path: Path) -> None:
    spec = _scenario(tmp_path, '{ cn = "{fqdn}" }').clusters[0].nodes[0].tomcat
    assert spec == scenario.CertSpec()
    assert (spec.days_left, spec.rsa_bits, spec.subject) == (None, None, None)
    assert (spec.send_chain, spec.shared, spec.pushed) == (True, None, False)
    assert scenario.load("clean").check == scenario.CheckSpec(trust_store=False)


def test_the_certificate_table_reads_every_new_key(tmp_path: Path) -> None:
    table = (
        '{ expires_in_days = -5, key = "rsa:1024", subject = { O = "Acme, Inc.", OU = "UC", C = "US" }, '
        'send_chain = false, shared = "pair", pushed = true }'
    )
    loaded = _scenario(tmp_path, table, table, "[check]\ntrust_store = true\n")
    first, second = (n.tomcat for n in loaded.clusters[0].nodes)
    assert first == second
    assert first.days_left == -5
    assert (first.key, first.rsa_bits) == ("rsa:1024", 1024)
    assert first.subject == (("O", "Acme, Inc."), ("OU", "UC"), ("C", "US"))
    assert (first.send_chain, first.shared, first.pushed) == (False, "pair", True)
    assert loaded.check.trust_store


def test_expired_still_means_expired_a_year_ago(tmp_path: Path) -> None:
    spec = _scenario(tmp_path, "{ expired = true }").clusters[0].nodes[0].tomcat
    assert spec.expired
    assert spec.days_left == -scenario.EXPIRED_DAYS == -370


@pytest.mark.parametrize(
    ("first", "second", "check", "message"),
    [
        ('{ signer = "other" }', "{}", "", "node cucm1 tomcat: signer must be 'ca', 'public' or 'self'"),
        (
            '{ key = "rsa:512" }',
            "{}",
            "",
            "node cucm1 tomcat: key must be 'ec' or 'rsa:1024', 'rsa:2048', 'rsa:3072', 'rsa:4096', not 'rsa:512'",
        ),
        ('{ key = "dsa" }', "{}", "", "node cucm1 tomcat: key must be 'ec' or 'rsa:1024'"),
        ("{ expires_in_days = 0 }", "{}", "", "node cucm1 tomcat: expires_in_days must not be 0"),
        (
            '{ expires_in_days = "10" }',
            "{}",
            "",
            "node cucm1 tomcat: expires_in_days must be a whole number of days, not '10'",
        ),
        (
            "{ expired = true, expires_in_days = -3 }",
            "{}",
            "",
            "node cucm1 tomcat: give expired = true or expires_in_days, not both",
        ),
        ('{ expired = "yes" }', "{}", "", "node cucm1 tomcat: expired must be true or false, not 'yes'"),
        (
            '{ subject = { CN = "x" } }',
            "{}",
            "",
            "node cucm1 tomcat: subject field 'CN' is not one of O, OU, L, ST, C (the CN is cn)",
        ),
        (
            '{ subject = { C = "USA" } }',
            "{}",
            "",
            "node cucm1 tomcat: subject C must be a two-letter country code such as 'US', not 'USA'",
        ),
        ('{ subject = { O = "" } }', "{}", "", "node cucm1 tomcat: subject O must be a non-empty string"),
        ('{ subject = "O=Acme" }', "{}", "", "node cucm1 tomcat: subject must be a table"),
        (
            '{ cn = "", subject = {} }',
            "{}",
            "",
            'node cucm1 tomcat: cn = "" and subject = {} would leave the subject empty',
        ),
        ('{ send_chain = "no" }', "{}", "", "node cucm1 tomcat: send_chain must be true or false, not 'no'"),
        ("{ sendchain = false }", "{}", "", "node cucm1 tomcat: unknown key 'sendchain' (known: cn, dns,"),
        ('{ shared = "" }', "{}", "", "node cucm1 tomcat: shared must be a non-empty label"),
        (
            '{ shared = "pair" }',
            "{}",
            "",
            "node cucm1 tomcat: shared = 'pair' is the only certificate with that label",
        ),
        (
            '{ shared = "pair" }',
            '{ shared = "pair", key = "rsa:2048" }',
            "",
            "node cucm2 tomcat: shared = 'pair' is described differently from node cucm1 tomcat",
        ),
        (
            "{ pushed = true }",
            "{}",
            "",
            "node cucm1 tomcat: pushed = true needs trust_store = true in the scenario's [check] table",
        ),
        ("{}", "{}", '[check]\ntrust_store = "yes"\n', "[check]: trust_store must be true or false"),
        (
            "{}",
            "{}",
            "[check]\ntrustore = true\n",
            "[check]: unknown key 'trustore' (known: trust_store, trust_stores)",
        ),
    ],
)
def test_a_bad_certificate_table_is_one_clear_line(
    tmp_path: Path, first: str, second: str, check: str, message: str
) -> None:
    with pytest.raises(InputError) as caught:
        _scenario(tmp_path, first, second, check)
    text = str(caught.value)
    assert text.startswith(f"scenario spec: {message}"), text
    assert "\n" not in text


def test_demo_judges_with_the_scenarios_check_settings(confcheck: Callable[..., Run], tmp_path: Path) -> None:
    # the certificates scenario names the clients' trust store: the demo must judge trust with it
    result = confcheck("demo", "--scenario", "certificates", "--output-dir", str(tmp_path / "demo"))
    assert result.code == 1
    rules = {f["rule"] for f in json.loads((tmp_path / "demo" / "report.json").read_text())["findings"]}
    assert {"CC401", "CC402"} <= rules


def plan_problems(steps: plan.Plan) -> list[str]:
    """What a consultant would object to in a fix list: a step twice, a procedure twice or out of order."""
    problems = []
    actions = [s.action for s in steps.steps]
    problems += [f"step twice: {a}" for a in {a for a in actions if actions.count(a) > 1}]
    for step in steps.steps:
        fix = step.fix
        if fix is None:
            continue
        lines = list(fix.steps)
        problems += [f"{step.action}: line twice: {x}" for x in {x for x in lines if lines.count(x) > 1}]
        if not fix.renewals:
            continue
        procedure = [x for x in lines if not x.startswith(("Cisco recommends", "Or stay on"))]  # alternatives
        csr = [i for i, x in enumerate(procedure) if "certificate signing request" in x]
        regen = [i for i, x in enumerate(procedure) if x.startswith("Regenerate the")]
        if csr and regen:
            problems.append(f"{step.action}: both regenerates and requests a CA-signed certificate")
        if csr:
            sign = [i for i, x in enumerate(procedure) if x.startswith("Have ") and x.endswith(" sign it.")]
            upload = [i for i, x in enumerate(procedure) if x.startswith("Upload the")]
            if not (len(csr) == 1 and sign and upload and csr[0] < sign[0] < min(upload)):
                problems.append(f"{step.action}: not generate < sign < upload: {procedure}")
    return problems


@pytest.mark.parametrize("name", scenario.names())
def test_every_fix_list_reads_as_one_procedure_per_step_in_the_order_it_is_done(name: str) -> None:
    _, deployment, result = audit(name)
    plans = plan.per_cluster(result.findings, deployment)
    described: list[str] = []
    for cluster, steps in plans.items():
        assert plan_problems(steps) == [], cluster
        described += [s.action for s in steps.steps if s.phase is Phase.DNS and s.see is None]
    assert len(described) == len(set(described)), "a DNS record is described in two fix lists"
    assert plan_problems(plan.build(result.findings, deployment)) == []


# --- the certificates of current releases, met live --------------------------------------------------


def _met(deployment: Deployment) -> dict[str, set[tuple[str, str, int, str]]]:
    """Per host: (purpose, protocol, port, what was met) for every endpoint collected."""
    found: dict[str, set[tuple[str, str, int, str]]] = {}
    for c in deployment.clusters:
        for n in c.nodes:
            for e in n.endpoints:
                leaf = e.certificate
                seen = f"{leaf.key.type} {leaf.subject_cn[0]}" if leaf else (e.error.kind if e.error else "")
                found.setdefault(_host(n.name), set()).add((e.purpose, e.protocol, e.port, seen))
    return found


def test_current_releases_are_met_with_an_rsa_and_an_ecdsa_probe_and_on_the_sip_oauth_ports() -> None:
    _, deployment, result = audit("certificates-15")
    met = _met(deployment)
    assert met["cucm1"] == {
        ("tomcat", "https", 8443, "RSA cucm1-ms.acme.example"),
        ("tomcat-ECDSA", "https", 8443, "EC cucm1.acme.example"),
        ("tomcat", "tls", 5090, "RSA cucm1-ms.acme.example"),
        # 5091 asks for a client certificate: the TLS 1.2 RSA probe is refused, the full offer meets the twin
        ("tomcat", "tls", 5091, "EC cucm1.acme.example"),
    }
    assert ("tomcat", "tls", 5090, "not-open") in met["cucm3"]  # CallManager does not listen there
    assert met["imp2"] == {
        ("tomcat", "https", 8443, "RSA imp2.acme.example"),
        ("tomcat-ECDSA", "https", 8443, "not-offered"),
        ("cup-xmpp", "xmpp-client", 5222, "RSA imp1-ms.acme.example"),
        ("cup-xmpp-ECDSA", "xmpp-client", 5222, "not-offered"),
    }
    # 11.5 has twins and no SIP OAuth (although the lab listens there); 10.5 is met once, as before
    assert {(p, port) for p, _, port, _ in met["cucm11"]} == {("tomcat", 8443), ("tomcat-ECDSA", 8443)}
    assert {(p, port) for p, _, port, _ in met["cucm10"]} == {("tomcat", 8443)}
    assert not result.incomplete  # closed ports and twins not offered are nothing missing


def test_current_releases_findings_name_what_is_wrong_where() -> None:
    _, _, result = audit("certificates-15")
    per_node = {(f.rule, _host(f.node), f.instance) for f in result.findings}
    assert {
        ("CC101", "cucm3", None),
        ("CC104", "imp1", None),
        ("CC312", "cucm2", "tomcat-ECDSA"),
        ("CC313", "", "tomcat"),
        ("CC314", "imp1", "tomcat"),
        ("CC315", "cucm2", "tomcat"),
    } <= per_node
    rules = {f.rule for f in result.findings}
    assert "CC305" not in rules  # the multi-server certificates are shared by design
    assert "CC311" not in rules
    assert not [f for f in result.findings if f.cluster in ("br11-cucm", "br10-cucm")]


def test_current_releases_plan_one_multi_server_csr_on_the_publisher() -> None:
    _, deployment, result = audit("certificates-15")
    steps = plan.per_cluster(result.findings, deployment)["dc15-cucm"].steps
    shared = [s for s in steps if s.fix and any(r.multi_server for r in s.fix.renewals)]
    assert len(shared) == 1
    step = shared[0]
    assert step.fix is not None
    [successor] = step.fix.renewals
    assert successor.node == "cucm1.acme.example"
    assert {"cucm1.acme.example", "cucm2.acme.example", "cucm3.acme.example"} <= set(successor.names)
    assert {f.rule for f in step.findings} == {"CC101", "CC313"}
    restart = [s for s in steps if s.action.startswith("Restart Cisco CallManager on cucm2.acme.example")]
    assert len(restart) == 1


@pytest.mark.parametrize(
    ("node", "message"),
    [
        (
            'host = "cucm1"\ntomcat_ecdsa = { key = "rsa:2048" }\ntomcat = { key = "rsa:2048" }',
            "node cucm1 tomcat_ecdsa: key must be 'ec' (an ECDSA twin), not 'rsa:2048'",
        ),
        (
            'host = "cucm1"\ntomcat_ecdsa = {}',
            'node cucm1 tomcat: give it key = "rsa:2048" beside tomcat_ecdsa',
        ),
        ('host = "cucm1"\nxmpp_ecdsa = {}', 'node cucm1 xmpp: give it key = "rsa:2048" beside xmpp_ecdsa'),
        ('host = "cucm1"\nsip_oauth = "yes"', "node cucm1 sip_oauth: expected true, false or a table"),
        (
            'host = "cucm1"\nsip_oauth = { signer = "x" }',
            "node cucm1 sip_oauth: signer must be 'ca', 'public' or 'self'",
        ),
        ('host = "cucm1"\ntomcat = { eku = ["web"] }', "node cucm1 tomcat: eku must be a non-empty list of"),
        ('host = "cucm1"\ntomcat = { eku = [] }', "node cucm1 tomcat: eku must be a non-empty list of"),
    ],
)
def test_a_bad_current_release_key_is_one_clear_line(tmp_path: Path, node: str, message: str) -> None:
    path = tmp_path / "spec.toml"
    path.write_text(
        'domain = "t.example"\n[[cluster]]\nname = "c"\nproduct = "cucm"\nversion = "15.0"\n'
        f"[[cluster.node]]\n{node}\n"
    )
    with pytest.raises(InputError) as caught:
        scenario.load(str(path))
    text = str(caught.value)
    assert text.startswith(f"scenario spec: {message}"), text
    assert "\n" not in text


def test_the_new_certificate_keys_are_read(tmp_path: Path) -> None:
    path = tmp_path / "spec.toml"
    path.write_text(
        'domain = "t.example"\n[[cluster]]\nname = "c"\nproduct = "cucm"\nversion = "15.0"\n'
        '[[cluster.node]]\nhost = "cucm1"\nsip_oauth = true\n'
        'tomcat = { key = "rsa:2048", eku = ["server", "ipsec"] }\ntomcat_ecdsa = { signer = "self" }\n'
        '[[cluster.node]]\nhost = "cucm2"\nsip_oauth = { expires_in_days = 3 }\n'
    )
    first, second = scenario.load(str(path)).clusters[0].nodes
    assert first.tomcat.eku == ("server", "ipsec")
    assert first.tomcat_ecdsa is not None
    assert first.tomcat_ecdsa.signer == "self"
    assert (first.sip_oauth, first.sip_oauth_cert) == (True, None)
    assert second.sip_oauth
    assert second.sip_oauth_cert is not None
    assert second.sip_oauth_cert.days_left == 3
    assert scenario.CertSpec().eku == ("server", "client")
