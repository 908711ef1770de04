"""The inventory's network settings: [collect] allow, the CA bundle, and messages that point at the right line."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run

from confcheck import config, pki
from confcheck.config import ConfigError

BASE = """[collect]
timeout = 1
{collect}
[[cluster]]
name = "hq-cucm"
product = "cucm"
publisher = "10.0.0.11"
username = "axladmin"
password_env = "HQ_PASSWORD"
{cluster}
"""


def write(tmp_path: Path, collect: str = "", cluster: str = "") -> Path:
    path = tmp_path / "confcheck.toml"
    path.write_text(BASE.format(collect=collect, cluster=cluster), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HQ_PASSWORD", "s3cret")


def failure(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        config.load(path, ask=False)
    message = str(caught.value)
    assert message.startswith(f"{path}:")
    assert "\n" not in message
    assert caught.value.exit_code == 2
    return message


# --- [collect] allow ---------------------------------------------------------------------------------


def test_allow_takes_networks_addresses_and_host_names(tmp_path: Path) -> None:
    path = write(tmp_path, 'allow = ["10.0.0.0/8", "192.0.2.7", "2001:db8::/32", "Mail.Example.COM."]')
    inventory = config.load(path, ask=False)
    assert inventory.allow_networks == (
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("192.0.2.7/32"),
        ipaddress.ip_network("2001:db8::/32"),
    )
    assert inventory.allow_hosts == frozenset({"mail.example.com"})


def test_allow_is_empty_by_default(tmp_path: Path) -> None:
    inventory = config.load(write(tmp_path), ask=False)
    assert (inventory.allow_networks, inventory.allow_hosts) == ((), frozenset())


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"10.0.0.0/8"', "collect.allow: expected a list of networks and host names"),
        ('["10.0.0.0/33"]', "collect.allow: '10.0.0.0/33' is neither a network"),
        ('["mail example.com"]', "collect.allow: 'mail example.com' is neither a network"),
        ('["*.example.com"]', "collect.allow: '*.example.com' is neither a network"),
        ('["10.0.0.300"]', "collect.allow: '10.0.0.300' is neither a network"),
        ("[8]", "collect.allow: expected a list"),
    ],
)
def test_a_bad_allow_entry_names_file_line_and_key(tmp_path: Path, value: str, expected: str) -> None:
    message = failure(write(tmp_path, f"allow = {value}"))
    assert f":3: {expected}" in message, message


# --- the CA bundle ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "is empty"),
        (b"   \n", "is empty"),
        (b"garbage, not a certificate\n", "holds no PEM certificate"),
        (
            b"-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n",
            "a certificate in it is not a readable",
        ),
        (b"\x00\xff\xfe binary", "holds no PEM certificate"),
        (None, "holds a private key"),
    ],
    ids=["empty", "blank", "garbage", "broken-pem", "binary", "private-key"],
)
def test_an_unusable_ca_bundle_is_refused_naming_the_file(
    tmp_path: Path, content: bytes | None, expected: str
) -> None:
    bundle = tmp_path / "customer-ca.pem"
    if content is None:
        issued = pki.server("cucm1.example.com", dns=["cucm1.example.com"])
        content = (issued.pem + issued.key_pem).encode()
    bundle.write_bytes(content)
    message = failure(write(tmp_path, cluster='[cluster.tls]\nca_bundle = "customer-ca.pem"'))
    assert f":11: cluster[1].tls.ca_bundle: {bundle}: {expected}" in message, message
    assert "BEGIN" not in message


def test_a_ca_bundle_of_certificates_is_accepted(tmp_path: Path) -> None:
    root = pki.ca("Customer Root CA")
    (tmp_path / "ca.pem").write_text(root.pem + pki.ca("Customer Issuing CA", issuer=root).pem)
    inventory = config.load(write(tmp_path, cluster='[cluster.tls]\nca_bundle = "ca.pem"'), ask=False)
    assert inventory.clusters[0].tls.ca_bundle == tmp_path / "ca.pem"


def test_the_audit_stops_at_a_garbage_ca_bundle_with_exit_2(
    confcheck: Callable[..., Run], tmp_path: Path
) -> None:
    (tmp_path / "ca.pem").write_text("not a bundle\n")
    result = confcheck(
        "audit", "--config", str(write(tmp_path, cluster='[cluster.tls]\nca_bundle = "ca.pem"'))
    )
    assert result.code == 2
    assert f"{tmp_path / 'ca.pem'}: holds no PEM certificate" in result.err
    assert "Traceback" not in result.err


# --- messages that point at the right place ------------------------------------------------------------


@pytest.mark.parametrize(
    ("cluster", "line", "key"),
    [
        ('tls = { ca_bundle = "nope.pem" }', 10, "cluster[1].tls.ca_bundle"),
        ('tls.ca_bundle = "nope.pem"', 10, "cluster[1].tls.ca_bundle"),
        ('tls = { insecure = true, fingerprint = "AB" }', 10, "cluster[1].tls"),
        ("tls.insecure = 1", 10, "cluster[1].tls.insecure"),
        ('tls = { colour = "blue" }', 10, "cluster[1].tls.colour"),
    ],
    ids=["inline", "dotted", "inline-conflict", "dotted-type", "inline-unknown"],
)
def test_inline_and_dotted_tls_keys_are_reported_at_their_line(
    tmp_path: Path, cluster: str, line: int, key: str
) -> None:
    message = failure(write(tmp_path, cluster=cluster))
    assert f":{line}: {key}:" in message, message


def test_a_dotted_key_is_reported_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "confcheck.toml"
    path.write_text(
        "collect.per_host = 0\n" + BASE.replace("[collect]\ntimeout = 1\n{collect}\n", "").format(cluster="")
    )
    assert ":1: collect.per_host: expected a whole number" in failure(path)
    path.write_text(BASE.format(collect="", cluster="colour.name = 'blue'"))
    assert ":10: cluster[1].colour: unknown key" in failure(path)


def test_a_password_variable_set_but_empty_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HQ_PASSWORD", "")
    message = failure(write(tmp_path))
    assert ":9: cluster[1].password_env: the environment variable HQ_PASSWORD is set but empty" in message


def test_a_password_variable_not_set_still_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HQ_PASSWORD")
    assert "the environment variable HQ_PASSWORD is not set" in failure(write(tmp_path))
