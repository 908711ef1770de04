"""Resolution of configured values to servers, finding order and fingerprints, and rule isolation."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from unittest import mock

import pytest
from helpers import cert, cluster, deployment, lint, node, tomcat

from confcheck import engine, identity, plugin_manager
from confcheck import lint as linting
from confcheck.engine import Context
from confcheck.errors import InputError
from confcheck.findings import Finding, Severity
from confcheck.model import Cluster, DnsRecord, Setting
from confcheck.rule import rule


def _context(value: str, dns: tuple[DnsRecord, ...] = ()) -> Context:
    leaf = cert("cucm1.example.com", dns=["cucm1.example.com"])
    cucm = cluster(
        "cucm",
        "cucm",
        "9.1",
        [
            node(
                "10.0.0.11",
                tomcat("10.0.0.11", leaf),
                hostname="cucm1",
                domain="example.com",
                addresses=["10.0.0.11"],
            )
        ],
    )
    imp = cluster("imp", "imp", "9.1", [], Setting("imp9.tftp-primary", value))
    return Context(deployment(cucm, imp, dns=dns), plugin_manager.catalog())


def _resolved(ctx: Context) -> tuple[list[str], str]:
    check = next(c for c in ctx.checks if c.reference.location.id == "imp9.tftp-primary")
    return [t.node.name for t in check.targets], check.resolved_by


def test_a_value_resolves_by_configured_name_fqdn_short_name_address_and_dns() -> None:
    assert _resolved(_context("10.0.0.11")) == (["10.0.0.11"], "address")
    assert _resolved(_context("cucm1.example.com")) == (["10.0.0.11"], "name")
    assert _resolved(_context("CUCM1.Example.com.")) == (["10.0.0.11"], "name")
    assert _resolved(_context("cucm1")) == (["10.0.0.11"], "host name")
    alias = (DnsRecord("tftp.example.com", "A", ("10.0.0.11",)),)
    assert _resolved(_context("tftp.example.com", alias)) == (["10.0.0.11"], "DNS")


def test_an_unknown_value_resolves_to_nothing_and_says_why() -> None:
    ctx = _context("10.9.9.9")
    check = next(c for c in ctx.checks if c.reference.location.id == "imp9.tftp-primary")
    assert check.targets == ()
    assert check.problem == "no known server has the address 10.9.9.9"


def _site(number: int, domain: str, *settings: Setting) -> list[Cluster]:
    fqdn = f"cucm1.{domain}"
    publisher = node(fqdn, tomcat(fqdn, cert(fqdn, dns=[fqdn])), hostname="cucm1", domain=domain)
    imp_node = node(
        f"imp1.{domain}",
        tomcat(f"imp1.{domain}", cert(f"imp1.{domain}", dns=[f"imp1.{domain}"])),
        domain=domain,
    )
    return [
        cluster(f"cucm-{number}", "cucm", "9.1", [publisher]),
        cluster(f"imp-{number}", "imp", "9.1", [imp_node], *settings),
    ]


def test_a_short_name_shared_by_several_sites_resolves_within_the_referencing_domain() -> None:
    clusters = _site(1, "a.example.com", Setting("imp9.tftp-primary", "cucm1")) + _site(2, "b.example.com")
    ctx = Context(deployment(*clusters), plugin_manager.catalog())
    assert _resolved(ctx) == (["cucm1.a.example.com"], "host name")


def test_a_short_name_that_stays_ambiguous_resolves_to_nothing_and_says_so() -> None:
    lonely = cluster("imp-x", "imp", "9.1", [], Setting("imp9.tftp-primary", "cucm1"))
    clusters = [*_site(1, "a.example.com"), *_site(2, "b.example.com"), lonely]
    result = lint(deployment(*clusters))
    unknown = [f for f in result.findings if f.rule == "CC201"]
    assert len(unknown) == 1
    assert (
        "cucm1 is ambiguous: 2 servers answer to it (cucm1.a.example.com, cucm1.b.example.com"
        in unknown[0].message
    )


def test_tftp_resolves_only_to_cucm_nodes() -> None:
    """A TFTP setting that names an IM and Presence node names no TFTP server."""
    imp_node = node("imp1.example.com", tomcat("imp1.example.com", cert("imp1.example.com")))
    imp = cluster("imp", "imp", "9.1", [imp_node], Setting("imp9.tftp-primary", "imp1.example.com"))
    result = lint(deployment(imp))
    assert [f.rule for f in result.findings] == ["CC201", "CC106"]  # same severity: fix phase 0 first


def test_node_names_are_references_of_their_own_cluster() -> None:
    ctx = _context("10.0.0.11")
    names = [(c.reference.location.id, c.reference.value) for c in ctx.checks if c.reference.node is not None]
    assert names == [("cucm9.node-name", "10.0.0.11")]


def test_findings_are_ordered_by_cluster_then_severity_and_fingerprints_ignore_order() -> None:
    first = cluster(
        "a",
        "cucm",
        "9.1",
        [node("cucm1", tomcat("cucm1", cert("cucm1.example.com", dns=["cucm1.example.com"])))],
    )
    second = cluster(
        "b",
        "cucm",
        "8.6",
        [node("cucm2.example.com", tomcat("x", cert("cucm2.example.com", self_signed=True)))],
    )
    forward = lint(deployment(first, second)).findings
    backward = lint(deployment(second, first)).findings
    assert [(f.cluster, f.severity) for f in forward] == [
        ("a", Severity.ERROR),
        ("b", Severity.WARNING),
        ("b", Severity.INFO),  # self-signed: CC303 and CC304
        ("b", Severity.INFO),
    ]
    assert [f.cluster for f in backward] == ["b", "b", "b", "a"]
    assert {f.fingerprint for f in forward} == {f.fingerprint for f in backward}


def test_fingerprints_survive_a_renewed_certificate_but_not_a_changed_value() -> None:
    def run(name: str) -> str:
        leaf = cert("cucm1.example.com", dns=["cucm1.example.com"])  # a new key and serial each time
        result = lint(deployment(cluster("a", "cucm", "9.1", [node(name, tomcat(name, leaf))])))
        return result.findings[0].fingerprint

    assert run("cucm1") == run("cucm1")
    assert run("cucm1") != run("CUCM1")


def test_a_crashing_rule_becomes_an_error_finding_and_the_other_rules_still_run() -> None:
    @rule("CC999", "always-crashes", Severity.INFO)
    def crashes(ctx: Context) -> list[Finding]:
        """Crashes."""
        raise RuntimeError("boom")

    dep = deployment(
        cluster(
            "a",
            "cucm",
            "9.1",
            [node("cucm1", tomcat("cucm1", cert("cucm1.example.com", dns=["cucm1.example.com"])))],
        )
    )
    result = linting.lint(dep, plugin_manager.catalog(), [crashes, *plugin_manager.rules()])
    by_rule = {f.rule: f for f in result.findings}
    assert "CC103" in by_rule
    crash = by_rule["CC999"]
    assert crash.severity is Severity.ERROR  # whatever the rule's severity: its checks did not run
    assert "RuntimeError: boom" in crash.message


def test_a_stamped_finding_is_what_replace_gives() -> None:
    """Finding.stamped copies every field: a field added to Finding and not to stamped fails here."""
    import dataclasses

    from confcheck.findings import Finding, Fix, Phase, Severity

    values: dict[str, object] = {f.name: f"x-{f.name}" for f in dataclasses.fields(Finding) if f.init}
    values |= {"severity": Severity.INFO, "evidence": (("a", "b"),), "fix": Fix(Phase.DNS, "act", "where")}
    finding = Finding(**values)  # type: ignore[arg-type]
    stamped = finding.stamped("CC999", "some-rule", Severity.WARNING)
    expected = dataclasses.replace(finding, rule="CC999", name="some-rule", severity=Severity.WARNING)
    assert [getattr(stamped, f.name) for f in dataclasses.fields(Finding)] == [
        getattr(expected, f.name) for f in dataclasses.fields(Finding)
    ]
    assert stamped.stamped("CC999", "some-rule", Severity.WARNING) is stamped


def test_a_value_met_again_for_the_same_certificate_is_matched_once() -> None:
    """The node's own name and a setting naming it (the IM and Presence TFTP server here) ask the same
    question of the same certificate: it is answered once per run, and both references get that answer."""
    ctx = _context("10.0.0.11")
    with mock.patch.object(identity, "match", wraps=identity.match) as match:
        checks = ctx.checks
    asked = [call.args[0] for call in match.call_args_list]
    assert asked == ["10.0.0.11"]
    verdicts = [t.match for c in checks for t in c.targets]
    assert len(verdicts) == 2
    assert verdicts[0] is verdicts[1]
    assert verdicts[0] is not None
    assert not verdicts[0].matched


def test_a_finding_holding_a_lone_surrogate_has_a_fingerprint_and_valid_text_keeps_its_own() -> None:
    """Only a plugin's rule can make one (files holding one are refused); it must not crash the gate."""
    import hashlib

    odd = Finding("m", "CC999", value="cucm\udc80.example.com", cluster="a")
    plain = Finding("m", "CC999", value="cucm\u00e9.example.com", cluster="a")
    assert len(odd.fingerprint) == 32
    assert odd.fingerprint != Finding("m", "CC999", value="cucm.example.com", cluster="a").fingerprint
    text = "\x1f".join(["CC999", "a", "", "", "", "cucm\u00e9.example.com"])
    assert plain.fingerprint == hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def test_a_context_of_the_same_servers_takes_what_was_prepared_ahead_and_another_makes_its_own() -> None:
    """What ``engine.prepare`` made while a snapshot's certificates were read (the references, the node
    index) is not made again by the lint's context; a deployment with other servers or DNS records
    makes its own, and both judge as a context that prepared nothing."""
    catalog = plugin_manager.catalog()
    ctx = _context("cucm1")
    alone = [
        (c.reference.value, [t.node.name for t in c.targets]) for c in Context(ctx.deployment, catalog).checks
    ]
    other = replace(ctx.deployment, dns=(DnsRecord("cucm1.example.com", "A", ("10.0.0.11",)),))
    made: list[object] = []
    index = engine._NodeIndex.__init__

    def counted(self: Any, deployment: Any) -> None:
        made.append(deployment)
        index(self, deployment)

    with mock.patch.object(engine._NodeIndex, "__init__", counted):
        engine.prepare(ctx.deployment, catalog)
        assert made == [ctx.deployment]
        taken = Context(ctx.deployment, catalog)
        checked = [(c.reference.value, [t.node.name for t in c.targets]) for c in taken.checks]
        assert made == [ctx.deployment]  # no index made again
        own = Context(other, catalog)
        own.checks  # noqa: B018
        assert made == [ctx.deployment, other]
    assert checked == alone


def test_what_cannot_be_prepared_ahead_fails_where_it_would_have() -> None:
    """A setting at a place no plugin knows makes ``prepare`` fail silently: the lint raises it itself."""
    catalog = plugin_manager.catalog()
    unknown = deployment(cluster("cucm", "cucm", "9.1", [], Setting("cucm9.nowhere", "cucm1")))
    engine.prepare(unknown, catalog)
    with pytest.raises(InputError, match=r"unknown location 'cucm9\.nowhere'"):
        linting.lint(unknown, catalog, plugin_manager.rules())
