"""The inventory: what users write in confcheck.toml, and the one-line errors they get for mistakes."""

from __future__ import annotations

from pathlib import Path

import pytest

from confcheck import config, pki
from confcheck.config import ConfigError

GOOD = """
[collect]
timeout = 3
concurrency = 8
per_host = 1
dns_server = "127.0.0.1:5353"

[[cluster]]
name = "hq-cucm"
product = "cucm"
publisher = "10.0.0.11"
username = "axladmin"
password_env = "HQ_PASSWORD"
[cluster.tls]
fingerprint = "{fingerprint}"

[[cluster]]
name = "hq-cuc"
product = "unity"
version = "9.1.2.10000-28"
publisher = "cuc1.example.com"
nodes = ["cuc2.example.com"]
tomcat_port = 443

[[external]]
name = "mail.example.com"
url = "imaps://mail.example.com"
purpose = "mailstore"
""".replace("{fingerprint}", "AB:" * 31 + "AB")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "confcheck.toml"
    path.write_text(text)
    return path


def test_a_complete_inventory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HQ_PASSWORD", "s3cret")
    inventory = config.load(write(tmp_path, GOOD), ask=False)
    assert (inventory.timeout, inventory.concurrency, inventory.per_host) == (3.0, 8, 1)
    assert inventory.dns_server == ("127.0.0.1", 5353)
    cucm, cuc = inventory.clusters
    assert (cucm.name, cucm.product, cucm.publisher, cucm.version, cucm.username) == (
        "hq-cucm",
        "cucm",
        "10.0.0.11",
        None,
        "axladmin",
    )
    assert cucm.password == "s3cret"
    assert "s3cret" not in repr(inventory)
    assert cucm.tls.fingerprint
    assert cucm.tls.describe.startswith("pinned SHA-256 ABABAB")
    assert (cuc.nodes, cuc.tomcat_port, cuc.password) == (("cuc2.example.com",), 443, None)
    assert inventory.externals[0].purpose == "mailstore"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ('product = "unity"', 'product = "cuc"'),
            ":19: cluster[2].product: 'cuc' is not one of cucm, cup, imp, unity",
        ),
        (("timeout = 3", 'timeout = "3"'), ":3: collect.timeout: expected a number from 0.1 to 600"),
        (("per_host = 1", "per_host = 0"), ":5: collect.per_host: expected a whole number from 1 to 64"),
        (
            ('dns_server = "127.0.0.1:5353"', 'dns_server = "dns.example.com"'),
            ":6: collect.dns_server: expected ip[:port]",
        ),
        (
            ("tomcat_port = 443", "tomcat_port = 70000"),
            ":23: cluster[2].tomcat_port: expected a whole number",
        ),
        (
            ('nodes = ["cuc2.example.com"]', 'nodes = "cuc2"'),
            ":22: cluster[2].nodes: expected a list of names",
        ),
        (
            ('version = "9.1.2.10000-28"', 'version = "latest"'),
            ":20: cluster[2].version: 'latest' does not start",
        ),
        (
            ('url = "imaps://mail.example.com"', 'url = "pop3://mail"'),
            ":27: external[1].url: pop3://mail: unknown scheme",
        ),
        (('purpose = "mailstore"', 'purpose = "mail"'), ":28: external[1].purpose: 'mail' is not one of"),
        (
            ('publisher = "10.0.0.11"', 'publisher = ""'),
            ":11: cluster[1].publisher: expected a non-empty string",
        ),
        (
            ('password_env = "HQ_PASSWORD"', 'password = "plain"'),
            ":13: cluster[1].password: passwords are not kept",
        ),
        (('username = "axladmin"', 'user = "axladmin"'), ":12: cluster[1].user: unknown key"),
        (('name = "hq-cuc"', 'name = "hq-cucm"'), ":18: cluster[2].name: duplicate cluster name 'hq-cucm'"),
        (("fingerprint = ", "fingerprint = 'zz' #"), ":14: cluster[1].tls: fingerprint must be a SHA-256"),
        (
            ("[cluster.tls]\n", "[cluster.tls]\ninsecure = true\n"),
            "cluster[1].tls: choose one of ca_bundle, fingerprint and insecure",
        ),
        (("[[external]]", "[[externals]]"), ":1: externals: unknown key"),
    ],
    ids=lambda value: value if isinstance(value, str) else value[1][:24],
)
def test_mistakes_name_the_file_line_and_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: tuple[str, str], expected: str
) -> None:
    monkeypatch.setenv("HQ_PASSWORD", "s3cret")
    assert change[0] in GOOD
    path = write(tmp_path, GOOD.replace(change[0], change[1], 1))
    with pytest.raises(ConfigError) as caught:
        config.load(path, ask=False)
    message = str(caught.value)
    assert message.startswith(str(path))
    assert expected in message, message
    assert "\n" not in message
    assert "s3cret" not in message


def test_an_unset_password_variable_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HQ_PASSWORD", raising=False)
    with pytest.raises(
        ConfigError, match=r":13: cluster\[1\].password_env: the environment variable HQ_PASSWORD is not set"
    ):
        config.load(write(tmp_path, GOOD), ask=False)


def test_a_missing_password_is_asked_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HQ_PASSWORD", raising=False)
    asked: list[str] = []

    def fake_getpass(prompt: str) -> str:
        asked.append(prompt)
        return "typed"

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    inventory = config.load(write(tmp_path, GOOD), ask=True)
    assert inventory.clusters[0].password == "typed"
    assert asked == ["Password for hq-cucm: "]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[[cluster]\nname=", "not valid TOML"),
        ("[collect]\ntimeout = 1\n", r"no \[\[cluster\]\] to collect"),
    ],
)
def test_files_that_are_not_inventories(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        config.load(write(tmp_path, text), ask=False)


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        config.load(tmp_path / "nope.toml", ask=False)


def test_a_ca_bundle_is_read_relative_to_the_inventory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HQ_PASSWORD", "x")
    (tmp_path / "ca.pem").write_text(pki.ca("Inventory Test CA").pem)
    text = GOOD.replace('fingerprint = "' + "AB:" * 31 + 'AB"', 'ca_bundle = "ca.pem"')
    inventory = config.load(write(tmp_path, text), ask=False)
    assert inventory.clusters[0].tls.ca_bundle == tmp_path / "ca.pem"
    missing = GOOD.replace('fingerprint = "' + "AB:" * 31 + 'AB"', 'ca_bundle = "nope.pem"')
    with pytest.raises(ConfigError, match=r":15: cluster\[1\].tls.ca_bundle: .*nope.pem: no such file"):
        config.load(write(tmp_path, missing), ask=False)


def test_unity_connection_needs_no_version_and_may_name_an_account(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its release is read from CUPI (10.x and later); ``version`` stays an override."""
    monkeypatch.setenv("HQ_PASSWORD", "s3cret")
    monkeypatch.setenv("CUC_PASSWORD", "cuc-s3cret")
    text = GOOD.replace(
        'version = "9.1.2.10000-28"\n', 'username = "cucaudit"\npassword_env = "CUC_PASSWORD"\n'
    )
    _, cuc = config.load(write(tmp_path, text), ask=False).clusters
    assert (cuc.product, cuc.version, cuc.username, cuc.password) == ("unity", None, "cucaudit", "cuc-s3cret")
    _, bare = config.load(
        write(tmp_path, GOOD.replace('version = "9.1.2.10000-28"\n', "")), ask=False
    ).clusters
    assert (bare.version, bare.username, bare.password) == (None, None, None)
