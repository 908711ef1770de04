"""The remediation plan: fixes merged, DNS records first (done when DNS already agrees), phases in order."""

from __future__ import annotations

from dataclasses import replace

import pytest
from helpers import cert, cluster, deployment, lint, node, tomcat, xmpp

from confcheck import plan, renewal
from confcheck.findings import Finding, Fix, Phase, Renewal
from confcheck.model import Cluster, Deployment, DnsRecord, Node, Setting


def premigration(*dns: DnsRecord) -> Deployment:
    leaf = cert("cucm1.example.com", dns=["cucm1.example.com"])
    publisher = node("10.0.0.11", tomcat("10.0.0.11", leaf), addresses=["10.0.0.11"])
    cucm = cluster("cucm", "cucm", "9.1", [publisher])
    imp_leaf = cert("imp1.example.com", dns=["imp1.example.com"])
    imp = cluster(
        "imp",
        "imp",
        "9.1",
        [node("imp1.example.com", tomcat("imp1.example.com", imp_leaf))],
        Setting("imp9.tftp-primary", "10.0.0.11"),
        Setting("imp9.ccmcip-primary", "10.0.0.11", "Default"),
        Setting("imp9.ccmcip-primary", "10.0.0.11", "Other"),
    )
    return deployment(cucm, imp, dns=dns)


def test_dns_records_come_first_once_each_with_every_finding_that_needs_them() -> None:
    dep = premigration()
    steps = plan.build(lint(dep).findings, dep)
    assert [s.phase for s in steps.steps] == sorted(s.phase for s in steps.steps)
    dns = [s for s in steps.steps if s.phase is Phase.DNS]
    assert [s.action for s in dns] == [  # DNS was not asked about them: nothing is said to be missing
        "Check for an A record cucm1.example.com → 10.0.0.11 and its PTR record 10.0.0.11 → "
        "cucm1.example.com, and create what is missing"
    ]
    assert len(dns[0].findings) == 4  # the rename, TFTP and two CCMCIP profiles all need it
    assert not dns[0].done


MISSING = "NXDOMAIN: the name does not exist"
RECORDS = "A record cucm1.example.com → 10.0.0.11"
PTR = "PTR record 10.0.0.11 → cucm1.example.com"


@pytest.mark.parametrize(
    ("answers", "action"),
    [
        ((), f"Check for an {RECORDS} and its {PTR}, and create what is missing"),
        (
            (DnsRecord("cucm1.example.com", "A", (), MISSING), DnsRecord("10.0.0.11", "PTR", (), MISSING)),
            f"Create an {RECORDS} and its {PTR}",
        ),
        (
            (DnsRecord("cucm1.example.com", "A", (), MISSING),),
            f"Create an {RECORDS}, and check for the {PTR} (create it if it is missing)",
        ),
        (
            (DnsRecord("cucm1.example.com", "A", ("10.0.0.99",)),),
            "Point the A record cucm1.example.com at 10.0.0.11 (it answers 10.0.0.99), and check for the "
            f"{PTR} (create it if it is missing)",
        ),
        (
            (DnsRecord("cucm1.example.com", "A", ("10.0.0.11",)),),
            f"Check for the {PTR} (create it if it is missing)",
        ),
        (
            (DnsRecord("10.0.0.11", "PTR", ("old.example.com.",)),),
            f"Check for an {RECORDS} (create it if it is missing), and correct the PTR record of 10.0.0.11 to "
            "cucm1.example.com (it names old.example.com)",
        ),
    ],
)
def test_a_dns_step_says_missing_only_what_dns_said_is_missing(
    answers: tuple[DnsRecord, ...], action: str
) -> None:
    dep = premigration(*answers)
    [dns] = [s for s in plan.build(lint(dep).findings, dep).steps if s.phase is Phase.DNS]
    assert dns.action == action
    assert not dns.done


def test_a_dns_step_is_done_when_the_collected_answers_agree() -> None:
    forward = DnsRecord("cucm1.example.com", "A", ("10.0.0.11",))
    reverse = DnsRecord("10.0.0.11", "PTR", ("cucm1.example.com",))
    assert not next(
        s for s in plan.build(lint(premigration(forward)).findings, premigration(forward)).steps
    ).done
    both = premigration(forward, reverse)
    done = plan.build(lint(both).findings, both).steps[0]
    assert done.done
    # a step already in place names the records and asks for nothing to be created
    assert (
        done.action
        == "A record cucm1.example.com → 10.0.0.11 and its PTR record 10.0.0.11 → cucm1.example.com"
    )


def test_identical_fixes_become_one_step_and_phases_keep_their_order() -> None:
    dep = premigration()
    steps = plan.build(lint(dep).findings, dep)
    assert [s.phase for s in steps.steps][1:] == [
        Phase.NODE_NAMES,
        Phase.CLIENT_SETTINGS,
        Phase.CLIENT_SETTINGS,
        Phase.CLIENT_SETTINGS,
    ]
    rename = steps.steps[1]
    assert rename.action == "Rename node 10.0.0.11 to cucm1.example.com"
    assert rename.clusters == ("cucm",)
    assert steps.number(rename) == 2
    assert steps.numbers() == {step: steps.number(step) for step in steps.steps}
    assert list(steps.numbers().values()) == list(range(1, len(steps.steps) + 1))


def test_each_node_lacking_the_xmpp_domain_gets_its_cup_xmpp_certificate_replaced_once() -> None:
    nodes = [
        node(
            f"imp{i}.example.com",
            tomcat(f"imp{i}.example.com", cert(f"imp{i}.example.com", dns=[f"imp{i}.example.com"])),
            xmpp(
                f"imp{i}.example.com", cert(f"imp{i}.example.com", dns=[f"imp{i}.example.com"]), "example.com"
            ),
        )
        for i in (1, 2)
    ]
    dep = deployment(cluster("imp", "imp", "9.1", nodes, Setting("imp9.xmpp-domain", "example.com")))
    findings = lint(dep).findings
    assert [f.rule for f in findings] == ["CC104", "CC104"]
    steps = plan.build(findings, dep).steps
    assert [s.phase for s in steps] == [Phase.CERTIFICATES, Phase.CERTIFICATES]
    assert [s.fix.replaces for s in steps if s.fix] == [
        ("the cup-xmpp certificate of imp1.example.com",),
        ("the cup-xmpp certificate of imp2.example.com",),
    ]
    assert all(len(s.findings) == 1 for s in steps)


def test_findings_without_fixes_make_no_steps() -> None:
    assert plan.build([]).steps == ()


def test_every_demand_on_one_certificate_becomes_one_replacement_step() -> None:
    # cucm1 presents a self-signed certificate naming its IP address, while the node is configured
    # by FQDN: CC101 (name) and CC307 (IP identity) both ask for a new certificate; CC303
    # recommends a CA-signed one. One step replaces it, by the cluster's method (self-signed: regenerate),
    # with the recommendation said once as the alternative.
    leaf = cert("10.0.0.11", ips=["10.0.0.11"], self_signed=True)
    dep = deployment(
        cluster("cucm", "cucm", "9.1", [node("cucm1.example.com", tomcat("cucm1.example.com", leaf))])
    )
    findings = lint(dep).findings
    key = "the Tomcat certificate of cucm1.example.com"
    replacing = [f for f in findings if f.fix and key in f.fix.replaces]
    assert {f.rule for f in replacing} == {"CC101", "CC303", "CC307"}
    [step] = [s for s in plan.build(findings, dep).steps if s.fix and s.fix.replaces]
    assert step.action == (
        "Regenerate the self-signed Tomcat certificate of cucm1.example.com: it does not name "
        "cucm1.example.com; it names the IP address 10.0.0.11"
    )
    assert set(step.findings) == set(replacing)
    fix = step.fix
    assert fix is not None
    assert fix.steps[0].startswith(
        "Regenerate the tomcat certificate of cucm1.example.com (CLI: set cert regen"
    )
    assert not any("signing request" in s for s in fix.steps[:-1])  # one procedure, not two
    assert fix.steps[-1].startswith("Cisco recommends CA-signed certificates")
    assert len(fix.steps) == len(set(fix.steps))


def test_a_ca_cluster_replaces_a_self_signed_certificate_through_its_ca() -> None:
    good = cert("cucm1.example.com", dns=["cucm1.example.com"])
    odd = cert("10.0.0.12", ips=["10.0.0.12"], self_signed=True)
    nodes = [
        node("cucm1.example.com", tomcat("cucm1.example.com", good)),
        node("cucm2.example.com", tomcat("cucm2.example.com", odd)),
    ]
    dep = deployment(cluster("cucm", "cucm", "9.1", nodes))
    [step] = [s for s in plan.build(lint(dep).findings, dep).steps if s.fix and s.fix.replaces]
    assert step.fix is not None
    assert step.fix.steps[0].startswith(
        "Generate a tomcat certificate signing request (CSR) on cucm2.example.com with CN cucm2.example.com"
    )
    assert step.fix.steps[1] == "Have confcheck Test Root CA sign it."
    assert not any("regen" in s for s in step.fix.steps)
    assert {f.rule for f in step.findings} >= {"CC101", "CC303", "CC306", "CC307"}


def test_fixes_replacing_different_certificates_stay_apart() -> None:
    nodes = [
        node(
            f"cucm{i}.example.com", tomcat(f"cucm{i}.example.com", cert(f"10.0.0.1{i}", ips=[f"10.0.0.1{i}"]))
        )
        for i in (1, 2)
    ]
    dep = deployment(cluster("cucm", "cucm", "9.1", nodes))
    replacements = [s for s in plan.build(lint(dep).findings, dep).steps if s.fix and s.fix.replaces]
    assert sorted(r for s in replacements if s.fix for r in s.fix.replaces) == [
        "the Tomcat certificate of cucm1.example.com",
        "the Tomcat certificate of cucm2.example.com",
    ]


def _renewal(certificate: str, required: bool = True) -> Renewal:
    return Renewal(certificate, "cucm1", "cucm1", "tomcat", "c", "somewhere", "", required=required)


def test_a_fix_without_a_certificate_to_replace_is_never_merged_away() -> None:
    one = Fix(Phase.CERTIFICATES, "Reissue it", "somewhere", renewals=(_renewal("the certificate"),))
    other = Fix(Phase.CERTIFICATES, "Reissue that", "somewhere", renewals=(_renewal("the certificate"),))
    alone = Fix(Phase.CLIENT_SETTINGS, "Set the field", "a page")
    findings = [Finding("a", fix=one), Finding("b", fix=other), Finding("c", fix=alone)]
    actions = [s.action for s in plan.build(findings).steps]
    assert "Set the field" in actions
    assert len(actions) == 2  # the two fixes that replace the same certificate are one step


def test_an_optional_renewal_joins_only_a_certificate_that_is_replaced_anyway() -> None:
    mend = Fix(
        Phase.CERTIFICATES, "Send the chain", "somewhere", renewals=(_renewal("cert", required=False),)
    )
    alone = plan.build([Finding("a", fix=mend)]).steps
    assert [s.action for s in alone] == ["Send the chain"]
    replacement = Fix(Phase.CERTIFICATES, "Replace it", "somewhere", renewals=(_renewal("cert"),))
    [step] = plan.build([Finding("a", fix=mend), Finding("b", fix=replacement)]).steps
    assert [f.message for f in step.findings] == ["a", "b"]


def test_a_node_needing_two_ca_signed_certificates_is_told_about_one_certificate_per_fqdn() -> None:
    # imp2 is self-signed for Tomcat and cup-xmpp where imp1 is CA-signed: both of imp2's certificates
    # are requested from the CA, and some public CAs sign only one certificate per FQDN (Cisco's guide)
    domain = "example.com"

    def imp(number: int, signed: bool) -> Node:
        fqdn = f"imp{number}.{domain}"
        tomcat_cert = cert(fqdn, dns=[fqdn], self_signed=not signed)
        xmpp_cert = cert(fqdn, dns=[fqdn, domain], xmpp_addr=[domain], self_signed=not signed)
        return node(fqdn, tomcat(fqdn, tomcat_cert), xmpp(fqdn, xmpp_cert, domain))

    dep = deployment(
        cluster("imp", "imp", "9.1.1", [imp(1, True), imp(2, False)], Setting("imp9.xmpp-domain", domain))
    )
    steps = [s for s in plan.build(lint(dep).findings, dep).steps if s.fix and s.fix.renewals]
    assert sorted(s.fix.renewals[0].purpose for s in steps if s.fix) == ["cup-xmpp", "tomcat"]
    for step in steps:
        assert step.fix is not None
        [note] = [x for x in step.fix.steps if "one certificate per FQDN" in x]
        assert "cup-xmpp and tomcat" in note
        assert "imp2.example.com" in note
        assert "different CAs" in note
    [xmpp_step] = [s for s in steps if s.fix and s.fix.renewals[0].purpose == "cup-xmpp"]
    assert xmpp_step.fix is not None
    assert any("SAN dNSName imp2.example.com, example.com" in x for x in xmpp_step.fix.steps)


def test_one_ca_signed_certificate_per_node_needs_no_one_per_fqdn_note() -> None:
    good = cert("cucm1.example.com", dns=["cucm1.example.com"])
    odd = cert("cucm2.example.com", dns=["cucm2.example.com"], self_signed=True)
    nodes = [
        node("cucm1.example.com", tomcat("cucm1.example.com", good)),
        node("cucm2.example.com", tomcat("cucm2.example.com", odd)),
    ]
    dep = deployment(cluster("cucm", "cucm", "9.1", nodes))
    steps = plan.build(lint(dep).findings, dep).steps
    assert not any("one certificate per FQDN" in x for s in steps if s.fix for x in s.fix.steps)


def test_a_renewal_merged_alone_is_itself_unless_merging_tidies_it() -> None:
    """The plan merges every certificate's renewals, most of them one alone: that one is kept as it is,
    and one that repeats a demand or gives an empty signer is still tidied as any merge does."""
    alone = Renewal(
        "the Tomcat certificate of cucm1",
        "cucm1",
        "cucm1",
        "tomcat",
        "cucm",
        "Cisco Unified OS Administration > Security > Certificate Management",
        "Restart Cisco Tomcat.",
        fqdn="cucm1.example.com",
        demands=("it has expired",),
        subject=(("O", "Acme"),),
    )
    assert renewal.merge([alone]) is alone
    untidy = replace(alone, demands=("it has expired", "it has expired"), signer="", min_rsa_bits=0)
    assert renewal.merge([untidy]) == alone
    twice = replace(alone, subject=(("O", "Acme"), ("O", "Acme Corp")))
    assert renewal.merge([twice]).subject == (("O", "Acme Corp"),)


def test_numbered_gives_each_step_its_number_and_equal_steps_the_first_ones() -> None:
    """The HTML report numbers steps with numbered(), which hashes steps only when two share an action."""
    dep = premigration()
    steps = plan.build(lint(dep).findings, dep)
    assert steps.numbered() == [(steps.number(step), step) for step in steps.steps]
    rename = steps.steps[1]
    twice = plan.Plan((*steps.steps, rename))
    assert twice.numbered()[-1] == (2, rename)  # the same step again: the number it has in the plan
    other = replace(rename, findings=rename.findings[:0])  # the same action, another step
    assert plan.Plan((*steps.steps, other)).numbered()[-1] == (len(steps.steps) + 1, other)


def test_a_clean_cluster_has_an_empty_plan_in_its_place() -> None:
    dep = premigration()
    clean_leaf = cert("cuc1.example.com", dns=["cuc1.example.com"])
    clean = cluster("cuc", "unity", "9.1", [node("cuc1.example.com", tomcat("cuc1.example.com", clean_leaf))])
    dep = replace(dep, clusters=(dep.clusters[0], clean, dep.clusters[1]))
    findings = lint(dep).findings
    assert not [f for f in findings if f.cluster == "cuc"]
    plans = plan.per_cluster(findings, dep)
    assert list(plans) == ["cucm", "cuc", "imp"]
    assert plans["cuc"] == plan.Plan()
    assert plans["cucm"].steps
    assert plans["imp"].steps


def test_numbered_by_phase_groups_the_numbered_steps_as_by_phase_groups_the_steps() -> None:
    """The terminal report lists steps with numbered_by_phase(): phases in order, each step numbered as
    number() numbers it, an equal step again with its first number."""
    dep = premigration()
    steps = plan.build(lint(dep).findings, dep)
    rename = steps.steps[1]
    for each in (steps, plan.Plan((*steps.steps, rename)), plan.Plan((steps.steps[-1], *steps.steps[:-1]))):
        assert each.numbered_by_phase() == [
            (phase, [(each.number(step), step) for step in group]) for phase, group in each.by_phase()
        ]
    assert plan.Plan((*steps.steps, rename)).numbered_by_phase()[1][1][-1] == (2, rename)


def test_a_renewal_fix_with_other_fields_is_the_fix_with_those_fields_replaced() -> None:
    """``renewal_fix`` sets ``current=``, ``proposed=`` (and, for several certificates, ``action=``) in the one
    copy it makes: the same fix as setting them on the fix it makes without them."""
    from confcheck.rules._fixes import renewal_fix

    one, two = _renewal("tomcat cucm1", True), _renewal("tomcat cucm2", True)
    assert renewal_fix(one) == renewal.fix(one)
    assert renewal_fix(one, current="old") == replace(renewal_fix(one), current="old")
    assert renewal_fix(one, action="ignored for one") == renewal_fix(one)
    several = renewal_fix((one, two), action="Renew both", proposed="signed by X", current="old")
    assert several == replace(
        renewal_fix((one, two), action="Renew both"), proposed="signed by X", current="old"
    )
    assert several.action == "Renew both"
    assert several.steps == (f"{renewal.fix(one).action}.", f"{renewal.fix(two).action}.")
    assert several.renewals == (one, two)
    assert renewal_fix((one, two)).proposed is None


def _renamed_cluster(name: str, product: str, version: str, domain: str) -> Cluster:
    """A cluster whose publisher is named by its address and second node by its short name: two renames."""
    first, second = (
        cert(f"{product}1.{domain}", dns=[f"{product}1.{domain}"]),
        cert(f"{product}2.{domain}", dns=[f"{product}2.{domain}"]),
    )
    return cluster(
        name,
        product,
        version,
        [
            node("10.0.0.11", tomcat("10.0.0.11", first), addresses=["10.0.0.11"]),
            node(f"{product}2", tomcat(f"{product}2", second), domain=domain, addresses=["10.0.0.12"]),
        ],
    )


def _renames(steps: plan.Plan) -> list[tuple[int, plan.Step]]:
    return [(n, s) for n, s in steps.numbered() if s.action.startswith("Rename node")]


def test_the_renames_of_one_cluster_restart_its_services_once_after_the_last() -> None:
    dep = deployment(_renamed_cluster("hq", "cucm", "9.1", "example.com"))
    found = lint(dep).findings
    (n, first), (m, last) = _renames(plan.build(found, dep))  # after the DNS records they need
    assert first.fix is not None
    assert last.fix is not None
    restart, check = (
        "In Cisco Unified Serviceability > Tools > Control Center - Feature Services, restart Cisco TFTP on "
        "every node, then Cisco CallManager on every node.",
        "Check that 'run sql select name from processnode' shows the new name on every node.",
    )
    # each rename makes its own change (the publisher's last); the last restarts the services, once,
    # and checks the result
    assert first.fix.steps == (
        "Change 'Host Name/IP Address' from cucm2 to cucm2.example.com and save.",
        f"Left to step {m} (once for steps {n} and {m}): {restart}",
        f"Left to step {m} (once for steps {n} and {m}): {check}",
    )
    assert last.fix.steps == (
        "Change 'Host Name/IP Address' from 10.0.0.11 to cucm1.example.com and save.",
        f"Once for steps {n} and {m}: {restart}",
        f"Once for steps {n} and {m}: {check}",
    )
    for step in (first, last):
        assert step.fix is not None
        assert step.fix.impact.endswith(
            f"Carry out steps {n} and {m} in one maintenance window: the sub-steps they share are done once."
        )
    # a finding's own fix (the JSON report's, the gate's) keeps the whole procedure
    own = next(f.fix for f in found if f.fix is not None and f.fix.action == first.action)
    assert own is not None
    assert own.steps[1:] == (restart, check)


def test_presence_renames_keep_their_whole_procedure_one_node_at_a_time() -> None:
    """CUP 8.x and IM and Presence 9.x rename one node at a time, subscribers first and the publisher last:
    the fix list orders them so, and each rename keeps its own stop, replication check and start."""
    dep = deployment(_renamed_cluster("imp", "imp", "9.1", "example.com"))
    renames = _renames(plan.build(lint(dep).findings, dep))
    # the subscriber first, the publisher (named by its address) last, as the precondition says
    assert [s.action for _, s in renames] == [
        "Rename node imp2 to imp2.example.com",
        "Rename node 10.0.0.11 to imp1.example.com",
    ]
    assert "Rename the subscribers first and the database publisher last" in " ".join(
        renames[0][1].fix.preconditions if renames[0][1].fix else ()
    )
    for _, step in renames:
        assert step.fix is not None
        own = next(f.fix for f in step.findings if f.fix is not None)
        assert step.fix == own
        assert step.fix.steps[0].startswith("In Cisco Unified IM and Presence Serviceability")
        assert step.fix.steps[-1].startswith("Start Cisco XCP Router")


@pytest.mark.parametrize(("product", "version"), [("imp", "9.1"), ("cup", "8.6"), ("imp", "14.0")])
def test_the_only_node_of_a_presence_cluster_is_renamed_without_an_order_of_renames(
    product: str, version: str
) -> None:
    """ "Subscribers first, the publisher last" is said to a cluster of several nodes, not to one of one."""
    two = _renamed_cluster("imp", product, version, "example.com")
    one = replace(two, nodes=two.nodes[:1])
    said: dict[int, list[str]] = {}
    for shape in (two, one):
        dep = deployment(shape)
        renames = _renames(plan.build(lint(dep).findings, dep))
        said[len(shape.nodes)] = [p for _, s in renames if s.fix for p in s.fix.preconditions]
    assert any("subscribers first" in p for p in said[2])
    assert not any("subscribers first" in p for p in said[1])
    assert any("replication is healthy" in p for p in said[1])  # the rest of what comes first stays


def test_a_single_rename_keeps_its_procedure_and_clusters_keep_their_own_restarts() -> None:
    leaf = cert("cucm1.example.com", dns=["cucm1.example.com"])
    alone = cluster("one", "cucm", "9.1", [node("10.0.0.11", tomcat("10.0.0.11", leaf))])
    branch = _renamed_cluster("branch", "cucm", "9.1", "branch.example.com")
    dep = deployment(alone, branch)
    found = lint(dep).findings
    for steps in (plan.build(found, dep), *plan.per_cluster(found, dep).values()):
        for _, step in _renames(steps):
            assert step.fix is not None
            own = next(f.fix for f in step.findings if f.fix is not None)
            if step.clusters == ("one",):  # its one rename: the procedure as the location writes it
                assert step.fix == own
            else:  # the branch's two renames share their restart, not the other cluster's
                assert "(once for steps " in step.fix.steps[1] or step.fix.steps[1].startswith("Once for")


def test_opening_sub_steps_are_said_by_the_first_change_and_closing_ones_by_the_last() -> None:
    def change(node: str) -> Finding:
        fix = Fix(
            Phase.NODE_NAMES,
            f"Rename node {node}",
            "System > Server",
            field="Host Name/IP Address",
            steps=("Stop the services.", f"Rename {node}.", "Start the services."),
            once_per_cluster=(1, 1),
        )
        return Finding("m", "CC102", "n", cluster="hq", node=node, value=node, fix=fix)

    steps = plan.build([change("a"), change("b"), change("c")]).steps
    assert [s.fix.steps for s in steps if s.fix] == [
        (
            "Once for steps 1, 2 and 3: Stop the services.",
            "Rename a.",
            "Left to step 3 (once for steps 1, 2 and 3): Start the services.",
        ),
        (
            "Already in step 1 (once for steps 1, 2 and 3): Stop the services.",
            "Rename b.",
            "Left to step 3 (once for steps 1, 2 and 3): Start the services.",
        ),
        (
            "Already in step 1 (once for steps 1, 2 and 3): Stop the services.",
            "Rename c.",
            "Once for steps 1, 2 and 3: Start the services.",
        ),
    ]
