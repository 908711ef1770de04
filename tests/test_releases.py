"""CUCM, IM and Presence and Unity Connection 10.x and later: their product lines, how their names are
judged (IM and Presence nodes once, UC services only through service profiles, CTI and directories
by name only), and that a current release never gets a 9.x menu path."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import Run
from helpers import cert, cluster, codes, deployment, lint, node, tomcat, xmpp

from confcheck import plugin_manager, snapshot
from confcheck.model import Deployment, Setting
from confcheck.plugins import _uc_services
from confcheck.transport.axl import JabberConfiguration, ServiceProfile, ServiceProfileEntry, UcService

ROOT = Path(__file__).resolve().parents[1]
CURRENT = ROOT / "examples" / "current-snapshot.json"
OLD_PLACES = ("Cluster Topology", "Legacy Clients", "System > Security > Settings", "Host Name/IP Address —")


def catalog_line(product: str, major: int) -> str:
    line = plugin_manager.catalog().line_for(product, major)
    assert line is not None
    return line.id


def test_each_release_family_has_its_own_line() -> None:
    assert [catalog_line("cucm", m) for m in (8, 9, 10, 11, 12, 14, 15, 16)] == [
        "cucm8", "cucm9", "cucm10", "cucm10", "cucm10", "cucm10", "cucm10", "cucm10"
    ]  # fmt: skip
    assert [catalog_line("imp", m) for m in (9, 10, 12, 14, 15)] == [
        "imp9",
        "imp10",
        "imp10",
        "imp10",
        "imp10",
    ]
    assert [catalog_line("unity", m) for m in (8, 9, 10, 14, 15)] == [
        "unity",
        "unity",
        "unity10",
        "unity10",
        "unity10",
    ]
    assert catalog_line("cup", 8) == "cup8"


def test_locations_shows_every_family(confcheck: Callable[..., Run]) -> None:
    out = confcheck("locations").out
    for line in ("cucm8", "cucm9", "cucm10", "cup8", "imp9", "imp10", "unity", "unity10"):
        assert f"({line})" in out
    assert "10.x and later (cucm10)" in out
    # the IM and Presence node name is changed in CUCM's application: the listing says so
    assert re.search(r"imp10\.node-name +Cisco Unified CM ", out)  # not "System > Server" alone
    data = {line["line"]: line for line in json.loads(confcheck("locations", "--format", "json").out)}
    menus = {loc["id"]: loc["menu"] for loc in data["imp10"]["locations"]}
    assert menus["imp10.node-name"] == "Cisco Unified CM Administration > System > Server"
    assert menus["imp10.xmpp-domain"] == (
        "Cisco Unified CM IM and Presence Administration > Presence > Settings > Advanced Configuration > "
        "Default Domain"
    )
    fields = {loc["id"]: loc["field"] for loc in data["cucm10"]["locations"]}
    assert fields["cucm10.node-name"] == "Fully Qualified Domain Name/IP Address"
    assert fields["cucm10.jabber-voicemail-primary"] == "VoicemailPrimaryServer"
    notes = {loc["id"]: loc["note"] for loc in data["cucm10"]["locations"]}
    assert "'Host Name/IP Address'" in notes["cucm10.node-name"]  # what the server list shows


def test_the_10x_lines_have_no_9x_pages() -> None:
    for line in plugin_manager.catalog().lines:
        if (line.min_major or 0) >= 10:
            for location in line.locations:
                assert not any(place in line.where(location) for place in OLD_PLACES[:3]), location.id


def test_node_renames_follow_ciscos_current_procedures() -> None:
    """doc 211393 (CUCM 10.x+): no replication reset; the 14 admin guide (IM and Presence): reset only as
    the fallback when replication does not converge."""
    catalog = plugin_manager.catalog()
    cucm = catalog.location("cucm10.node-name")
    imp = catalog.location("imp10.node-name")
    assert cucm is not None
    assert imp is not None
    assert not any("reset" in step for step in cucm[1].steps)
    assert any("restart Cisco TFTP on every TFTP node, then Cisco CallManager" in s for s in cucm[1].steps)
    [reset] = [step for step in imp[1].steps if "reset all" in step]
    assert reset.index("Only if it does not") < reset.index("reset all")
    assert "subscribers first" in imp[1].order  # said to a cluster of several nodes (tests/test_plan.py)


@pytest.mark.parametrize("release", ["12.5.1.11900-146", "14.0.1.11900-132", "15.0.1.10000-32"])
def test_a_current_snapshot_never_gets_a_9x_menu_path(release: str) -> None:
    current = snapshot.read(CURRENT, plugin_manager.catalog())
    clusters = tuple(replace(c, version=release) for c in current.clusters)
    result = lint(replace(current, clusters=clusters))
    assert {"CC102", "CC205"} <= set(codes(result))
    for finding in result.findings:
        assert finding.location is None or not finding.location.startswith(("cucm9.", "imp9.", "unity.")), (
            finding
        )
        text = " ".join(
            [
                finding.message,
                *(finding.fix.steps if finding.fix else ()),
                finding.fix.where if finding.fix else "",
            ]
        )
        assert not any(place in text for place in OLD_PLACES), text
    where = {f.location: f.fix.where for f in result.findings if f.fix}
    assert where["imp10.node-name"] == "Cisco Unified CM Administration > System > Server"
    assert where["cucm10.node-name"] == "Cisco Unified CM Administration > System > Server"


# --- IM and Presence nodes named in CUCM's System > Server: judged once --------------------------------

DOMAIN = "acme.example"


def cucm14(*settings: Setting) -> Deployment:
    cucm1 = node(f"cucm1.{DOMAIN}", tomcat(f"cucm1.{DOMAIN}", cert(f"cucm1.{DOMAIN}", [f"cucm1.{DOMAIN}"])))
    return deployment(cluster("hq-cucm", "cucm", "14.0.1.11900-132", [cucm1], *settings))


def imp14() -> Deployment:
    imp2 = node(
        "10.0.0.22",
        tomcat("10.0.0.22", cert(f"imp2.{DOMAIN}", [f"imp2.{DOMAIN}"])),
        xmpp("10.0.0.22", cert(f"imp2.{DOMAIN}", [f"imp2.{DOMAIN}", DOMAIN]), DOMAIN),
        addresses=["10.0.0.22"],
    )
    return deployment(
        cluster("hq-imp", "imp", "14.0.1.11900-9", [imp2], Setting("imp10.xmpp-domain", DOMAIN))
    )


def test_an_im_and_presence_node_named_in_cucm_is_judged_by_its_own_cluster_once() -> None:
    both = deployment(*cucm14(Setting("cucm10.imp-node-name", "10.0.0.22")).clusters, *imp14().clusters)
    result = lint(both)
    named = [f for f in result.findings if f.value == "10.0.0.22"]
    assert [(f.rule, f.cluster, f.location) for f in named] == [("CC102", "hq-imp", "imp10.node-name")]
    assert named[0].fix is not None
    assert named[0].fix.where == "Cisco Unified CM Administration > System > Server"


def test_without_its_cluster_the_im_and_presence_node_is_judged_where_cucm_names_it() -> None:
    imp_node = imp14().clusters[0].nodes[0]
    external = replace(imp_node, endpoints=imp_node.endpoints[:1], role="subscriber")
    alone = replace(cucm14(Setting("cucm10.imp-node-name", "10.0.0.22")), externals=(external,))
    result = lint(alone)
    [finding] = [f for f in result.findings if f.value == "10.0.0.22"]
    assert (finding.rule, finding.cluster, finding.location) == ("CC102", "hq-cucm", "cucm10.imp-node-name")
    assert finding.fix is not None
    assert finding.fix.proposed == f"imp2.{DOMAIN}"
    assert finding.fix.where == "Cisco Unified CM Administration > System > Server"


def test_an_im_and_presence_cluster_not_read_leaves_the_name_to_cucm() -> None:
    unread = replace(imp14().clusters[0], configuration_read=False, settings=())
    both = deployment(*cucm14(Setting("cucm10.imp-node-name", "10.0.0.22")).clusters, unread)
    assert [f.location for f in lint(both).findings if f.value == "10.0.0.22"] == ["cucm10.imp-node-name"]


# --- UC services and service profiles ---------------------------------------------------------------


def cuc() -> Deployment:
    cuc1 = node(
        f"cuc1.{DOMAIN}",
        tomcat(f"cuc1.{DOMAIN}", cert(f"cuc1.{DOMAIN}", [f"cuc1.{DOMAIN}"])),
        addresses=["10.0.0.31"],
    )
    return deployment(cluster("hq-cuc", "unity", "14.0.1.11900-14", [cuc1]))


def with_unity(*settings: Setting) -> Deployment:
    return deployment(*cucm14(*settings).clusters, *cuc().clusters)


def test_a_uc_service_in_no_profile_is_information_not_an_error() -> None:
    dead = with_unity(
        Setting("cucm10.jabber-voicemail-primary", "10.0.0.31", "JC-OLD", ()),
        Setting("cucm10.jabber-tftp-1", "10.0.0.11", "JC-OLD", ()),
    )
    result = lint(dead)
    assert codes(result) == ["CC205"]
    [finding] = result.findings
    assert finding.severity.value == "info"
    assert finding.instance == "JC-OLD"
    assert "VoicemailPrimaryServer 10.0.0.31 and TftpServer1 10.0.0.11" in finding.message
    assert result.references == 1  # cucm1's name: nothing of the service is judged


def test_a_uc_service_a_profile_uses_is_judged_and_one_of_unknown_membership_too() -> None:
    for profiles in (("SP-HQ",), None):
        result = lint(with_unity(Setting("cucm10.jabber-voicemail-primary", "10.0.0.31", "JC-HQ", profiles)))
        assert codes(result) == ["CC102"], profiles


def test_cti_and_directory_names_meet_no_certificate() -> None:
    result = lint(
        with_unity(
            Setting("cucm10.uc-service-cti", f"cucm1.{DOMAIN}", "CTI-HQ", ("SP",)),
            Setting("cucm10.jabber-cti-1", "10.9.9.9", "JC-HQ", ("SP",)),
            Setting("cucm10.uc-service-directory", "ad1.corp.example", "LDAP", ("SP",)),
        )
    )
    # CTI naming a CUCM node: nothing to say; naming no server: CC201; the directory: recorded only
    assert [(f.rule, f.location, f.value) for f in result.findings] == [
        ("CC201", "cucm10.jabber-cti-1", "10.9.9.9")
    ]
    assert "CtiServer1 (JC-HQ) 10.9.9.9 names no server" in result.findings[0].message


@pytest.mark.parametrize(
    "value", ["cuc1.acme.example:8443", "https://cuc1.acme.example/", "cuc 1", "\x00cuc1"]
)
def test_a_value_that_is_no_host_is_a_clear_finding(value: str) -> None:
    result = lint(with_unity(Setting("cucm10.jabber-voicemail-primary", value, "JC-HQ", ("SP",))))
    [finding] = result.findings
    assert finding.rule == "CC201"
    assert "is not a host name or address" in finding.message


# --- reading UC services: what becomes a setting -----------------------------------------------------

JABBER = "Jabber Client Configuration (jabber-config.xml)"


def test_jabber_parameters_are_matched_by_name_in_any_section_and_url_decoded() -> None:
    service = UcService(
        JABBER,
        "Jabber",
        "JC-HQ",
        "",
        xml=(
            ("Voicemail/VoicemailPrimaryServer", "cuc1.acme.example"),
            ("config/phone/tftpserver1", "cucm1%2Eacme.example"),  # another nesting, case and encoding
            ("Options/AdminConfiguredBot", "bot%40acme.example"),  # not a server
            ("Phone/CtiServer1", ""),  # empty: nothing handed out
            ("Directory/PrimaryServerName", "ad1.acme.example"),
        ),
    )
    settings, hints = _uc_services.service_settings("cucm10", service, ("SP",), 8443)
    assert [(s.location, s.value, s.instance, s.profiles) for s in settings] == [
        ("cucm10.jabber-voicemail-primary", "cuc1.acme.example", "JC-HQ", ("SP",)),
        ("cucm10.jabber-tftp-1", "cucm1.acme.example", "JC-HQ", ("SP",)),
        ("cucm10.jabber-directory-primary", "ad1.acme.example", "JC-HQ", ("SP",)),
    ]
    # Jabber meets voicemail on 443 and CUCM's Tomcat on the cluster's port; a directory is not fetched
    assert [(h.name, h.purpose, h.port) for h in hints] == [
        ("cuc1.acme.example", "tomcat", 443),
        ("cucm1.acme.example", "tomcat", 8443),
    ]


def test_unused_services_and_cloud_services_fetch_nothing() -> None:
    voicemail = UcService("Voicemail", "Unity Connection", "VM-OLD", "10.0.0.31", 443, "HTTPS")
    settings, hints = _uc_services.service_settings("cucm10", voicemail, (), 8443)
    assert [(s.location, s.profiles) for s in settings] == [("cucm10.uc-service-voicemail", ())]
    assert hints == []
    webex = UcService("Conferencing", "WebEx (Conferencing)", "WEBEX", "acme.webex.com")
    assert _uc_services.service_settings("cucm10", webex, ("SP",), 8443) == ([], [])
    odd = UcService("Voicemail", "Unity Connection", "VM-ODD", "https://cuc1/", None, None)
    settings, hints = _uc_services.service_settings("cucm10", odd, ("SP",), 8443)
    assert [s.value for s in settings] == ["https://cuc1/"]
    assert hints == []


def test_profiles_hand_out_services_by_name_primary_to_tertiary_and_jabber_configurations() -> None:
    profiles = [
        ServiceProfile(
            "SP-HQ",
            entries=(ServiceProfileEntry("Voicemail Profile", "VM-HQ", "vm-dr", None),),
            jabber=JabberConfiguration("JC-HQ", None, "JC-Mobile"),
        ),
        ServiceProfile(
            "SP-Lab", entries=(ServiceProfileEntry("IM and Presence Profile", None, None, "VM-HQ"),)
        ),
    ]
    assert _uc_services.memberships(profiles) == {
        "vm-hq": ("SP-HQ", "SP-Lab"),
        "vm-dr": ("SP-HQ",),
        "jc-hq": ("SP-HQ",),
        "jc-mobile": ("SP-HQ",),
    }


def test_renaming_an_im_and_presence_node_introduces_nothing_on_the_cucm_that_names_it(
    confcheck: Callable[..., Run], tmp_path: Path
) -> None:
    """The rename is made in CUCM's System > Server: the name CUCM lists is that node's, before and after."""
    change = tmp_path / "rename.toml"
    change.write_text(
        '[[change]]\ncluster = "site14-imp"\nrename = "10.40.0.22"\nto = "imp2.site14.acme.example"\n'
    )
    result = confcheck(
        "lint", str(CURRENT), "--changes", str(change), "--format", "json", "--at", "2026-12-01"
    )
    changes = json.loads(result.out)["changes"]
    assert [(f["cluster"], f["location"]) for f in changes["fixed"]] == [("site14-imp", "imp10.node-name")]
    assert changes["introduced"] == []
