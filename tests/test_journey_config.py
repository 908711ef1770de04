"""The inventory's [[jabber]], Expressway clusters and [check.trust_stores]: read, checked, refused with a line."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import root_ca

from confcheck import config
from confcheck.config import ConfigError
from confcheck.discovery_model import Client

CUCM = """
[[cluster]]
name = "hq-cucm"
product = "cucm"
publisher = "cucm1.example.com"
username = "axl"
password_env = "JOURNEY_TEST_PASSWORD"
"""


@pytest.fixture(autouse=True)
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOURNEY_TEST_PASSWORD", "secret")


def load(tmp_path: Path, text: str) -> config.Inventory:
    path = tmp_path / "confcheck.toml"
    path.write_text(CUCM + text)
    return config.load(path, ask=False)


def fails(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_jabber_table_names_its_domains_views_clients_and_settings(tmp_path: Path) -> None:
    (tmp_path / "jabber-config.xml").write_text("<config/>")
    inventory = load(
        tmp_path,
        """
[[jabber]]
services_domain = "Example.COM."
xmpp_domains = ["example.com", "chat.example.com"]
cluster = "hq-cucm"
internal_dns = "10.0.0.53"
external_dns = "192.0.2.53:5353"
clients = [{ platform = "Windows", version = "14.1.3" }, { platform = "android" }]
service_profile = "SP-Test"
invalid_certificate_behavior = "RejectAndNotify"
bootstrap = { TFTP = "10.0.0.11", CUP_ADDRESS = "imp1" }
login_server = "cucm1.example.com"
jabber_config = "jabber-config.xml"
""",
    )
    (entry,) = inventory.jabber
    assert entry.name == "jabber-example.com"
    assert entry.services_domain == "example.com"
    assert entry.xmpp_domains == ("example.com", "chat.example.com")
    assert entry.home == "hq-cucm"
    assert entry.internal_dns == ("10.0.0.53", 53)
    assert entry.external_dns == ("192.0.2.53", 5353)
    assert entry.clients == (Client("windows", "14.1.3"), Client("android", None))
    assert entry.bootstrap == (
        ("CUP_ADDRESS", "imp1"),
        ("TFTP", "10.0.0.11"),
        ("login_server", "cucm1.example.com"),
    )
    assert entry.bootstrap_source == "installer arguments"
    assert entry.jabber_config is not None
    assert entry.jabber_config[1] == b"<config/>"


def test_the_xmpp_domain_defaults_to_the_services_domain(tmp_path: Path) -> None:
    (entry,) = load(tmp_path, '[[jabber]]\nservices_domain = "example.com"\n').jabber
    assert entry.xmpp_domains == ("example.com",)
    assert entry.clients == ()
    assert entry.external_dns is None


def test_a_bootstrap_file_gives_the_installer_arguments_that_name_servers(tmp_path: Path) -> None:
    (tmp_path / "jabber-bootstrap.properties").write_text(
        "# written by the installer\nTFTP=10.0.0.11\nCTI = cucm2\nSERVICES_DOMAIN=example.com\nCCMCIP=\n"
    )
    (entry,) = load(
        tmp_path,
        '[[jabber]]\nservices_domain = "example.com"\nbootstrap_file = "jabber-bootstrap.properties"\n',
    ).jabber
    assert entry.bootstrap == (("TFTP", "10.0.0.11"), ("CTI", "cucm2"))
    assert entry.bootstrap_source == "jabber-bootstrap.properties"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('services_domain = "not a domain"', "jabber[1].services_domain: 'not a domain' is not a DNS domain"),
        ('services_domain = "example"', "is not a DNS domain"),
        ('services_domain = "example.com"\nhome = "x"', "jabber[1].home: unknown key"),
        (
            'services_domain = "example.com"\ncluster = "nope"',
            "'nope' is not a CUCM cluster of this inventory",
        ),
        (
            'services_domain = "example.com"\nclients = [{ platform = "blackberry" }]',
            "platform 'blackberry' is not one of windows, mac, iphone, ipad, android",
        ),
        (
            'services_domain = "example.com"\nclients = [{ platform = "mac", version = "latest" }]',
            "not a Jabber release",
        ),
        ('services_domain = "example.com"\nexternal_dns = "dns.example.com"', "expected ip[:port]"),
        (
            'services_domain = "example.com"\ninvalid_certificate_behavior = "Ignore"',
            "is not one of RejectAndNotify",
        ),
        (
            'services_domain = "example.com"\nbootstrap = { VOICEMAIL = "x" }',
            "jabber[1].bootstrap.VOICEMAIL: unknown key",
        ),
        ('services_domain = "example.com"\njabber_config = "missing.xml"', "jabber[1].jabber_config:"),
        ('services_domain = "example.com"\nname = "hq-cucm"', "'hq-cucm' is already the name of a cluster"),
    ],
)
def test_a_bad_jabber_table_is_one_line_naming_the_key(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in fails(tmp_path, f"[[jabber]]\n{text}\n")


def test_bootstrap_and_a_bootstrap_file_are_one_or_the_other(tmp_path: Path) -> None:
    (tmp_path / "b.properties").write_text("TFTP=x\n")
    message = fails(
        tmp_path,
        '[[jabber]]\nservices_domain = "example.com"\nbootstrap = { TFTP = "y" }\nbootstrap_file = "b.properties"\n',
    )
    assert "give bootstrap or bootstrap_file, not both" in message


def test_a_jabber_file_larger_than_a_real_one_is_refused(tmp_path: Path) -> None:
    (tmp_path / "big.xml").write_bytes(b" " * (config.MAX_JABBER_FILE + 1))
    message = fails(tmp_path, '[[jabber]]\nservices_domain = "example.com"\njabber_config = "big.xml"\n')
    assert "larger than" in message


EXPRESSWAY = """
[[cluster]]
name = "core"
product = "expressway-c"
publisher = "expc1.example.com"
nodes = ["expc2.example.com"]
version = "X15.0.1"
unified_cm = ["cucm1.example.com", "10.0.0.12"]
im_and_presence = ["imp1.example.com"]
tls_verify = false
"""


def test_expressway_c_is_read_from_the_inventory_without_credentials(tmp_path: Path) -> None:
    inventory = load(tmp_path, EXPRESSWAY)
    core = inventory.clusters[1]
    assert (core.product, core.version, core.nodes) == ("expressway-c", "X15.0.1", ("expc2.example.com",))
    assert core.unified_cm == ("cucm1.example.com", "10.0.0.12")
    assert core.im_and_presence == ("imp1.example.com",)
    assert core.tls_verify is False
    assert core.username is None


def test_expressway_needs_its_version_and_takes_no_credentials(tmp_path: Path) -> None:
    assert "cluster[2].version: required" in fails(tmp_path, EXPRESSWAY.replace('version = "X15.0.1"\n', ""))
    message = fails(tmp_path, EXPRESSWAY + 'username = "admin"\n')
    assert "confcheck does not log in to Expressway" in message
    assert "cluster[2].unified_cm: unknown key" in fails(
        tmp_path, EXPRESSWAY.replace("expressway-c", "expressway-e")
    )


def test_check_trust_stores_give_each_platform_its_own(tmp_path: Path) -> None:
    (tmp_path / "root.pem").write_text(root_ca().pem)
    inventory = load(
        tmp_path,
        '[check]\ntrust_store = "root.pem"\n[check.trust_stores]\nmacos = "root.pem"\nwindows_enterprise = "root.pem"\n',
    )
    stores = dict(inventory.check.platform_stores)
    assert set(stores) == {"macos", "windows_enterprise"}
    assert stores["macos"][0].subject_cn == ("confcheck Test Root CA",)
    assert "check.trust_stores.linux: unknown key" in fails(
        tmp_path, '[check.trust_stores]\nlinux = "root.pem"\n'
    )
    assert "check.trust_stores.macos" in fails(tmp_path, '[check.trust_stores]\nmacos = "missing.pem"\n')


def test_lint_config_reads_the_platform_stores_too(tmp_path: Path) -> None:
    (tmp_path / "root.pem").write_text(root_ca().pem)
    path = tmp_path / "check.toml"
    path.write_text('[check.trust_stores]\nios = "root.pem"\n')
    _, options, _ = config.load_offline(path)
    assert [k for k, _ in options.platform_stores] == ["ios"]
