"""The snapshot contract: it round-trips, matches its shipped JSON Schema, names every bad element by its
path, and is written atomically without secrets."""

from __future__ import annotations

import copy
import functools
import io
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import Run
from helpers import cluster, deployment, node, parse, root_ca, tomcat, xmpp

from confcheck import pki, plugin_manager, snapshot
from confcheck.catalog import Catalog
from confcheck.certs import Certificate
from confcheck.errors import InputError
from confcheck.model import Deployment, DnsRecord, Endpoint, EndpointError, Problem, Setting
from confcheck.snapshot import SnapshotError

ROOT = Path(__file__).parents[1]
DEMO = ROOT / "examples" / "demo-snapshot.json"
SCHEMA = json.loads((ROOT / "confcheck" / "schemas" / "snapshot.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
COLLECTED = datetime(2026, 11, 27, 6, 24, 1, 250000, tzinfo=timezone.utc)


def catalog() -> Catalog:
    return plugin_manager.catalog()


# --- a deployment of every shape, made once --------------------------------------------------------


@functools.cache
def issuing() -> pki.Issued:
    return pki.ca("confcheck Test Issuing CA", issuer=root_ca())


@functools.cache
def certificates() -> dict[str, Certificate]:
    def signed(
        host: str, ips: tuple[str, ...] = (), xmpp_addr: tuple[str, ...] = (), srv_name: tuple[str, ...] = ()
    ) -> Certificate:
        return parse(pki.server(host, [host], ips, xmpp_addr, srv_name, issuer=issuing()))

    return {
        "issuing": parse(issuing()),
        "cucm1": signed("cucm1.example.com"),
        "cucm2": signed("cucm2.example.com", ips=("10.0.0.12",)),
        "branch": parse(pki.server("cucm-br", key=None)),  # self-signed, CN only
        "imp1": signed("imp1.example.com"),
        "imp1-xmpp": signed(
            "imp1.example.com", xmpp_addr=("example.com",), srv_name=("_xmpp-client.example.com",)
        ),
        "cup": signed("cup1.example.com"),
        "cuc": signed("*.example.com"),
        "mail": parse(pki.server("mail.example.com", issuer=issuing())),  # CN only
    }


def chained(host: str, which: str) -> Endpoint:
    """A Tomcat endpoint presenting ``which`` and the shared issuing CA."""
    c = certificates()
    return replace(tomcat(host, c[which]), chain=(c[which], c["issuing"]))


@functools.cache
def sample() -> Deployment:
    """Clusters of every product, externals, DNS answers, endpoint errors, chains sharing an intermediate."""
    c = certificates()
    hq = cluster(
        "hq-cucm",
        "cucm",
        "11.5.1.10000-6",
        [
            node(
                "cucm1.example.com",
                chained("cucm1.example.com", "cucm1"),
                hostname="cucm1",
                domain="example.com",
            ),
            node("10.0.0.12", chained("10.0.0.12", "cucm2"), addresses=["10.0.0.12", "2001:db8::12"]),
            node("cucm3", tomcat("cucm3", None, "timed out after 5 s"), hostname="cucm3"),
        ],
        Setting("cucm10.uc-service-imp", "imp1.example.com", "IMP-HQ", ("SP-HQ", "SP-IM-only")),
        Setting("cucm10.uc-service-voicemail", "cuc1", "VM-HQ"),
        Setting("cucm10.uc-service-mailstore", "mail.example.com"),
        Setting("cucm10.uc-service-conferencing", "meet.example.com", "MEET", ()),
    )
    branch = cluster(
        "branch-cucm", "cucm", "8.6.2.20000-2", [node("cucm-br", tomcat("cucm-br", c["branch"]))]
    )
    imp = cluster(
        "hq-imp",
        "imp",
        "11.5.1.12900-21",
        [
            node(
                "imp1.example.com",
                chained("imp1.example.com", "imp1"),
                xmpp("imp1.example.com", c["imp1-xmpp"], "example.com"),
            ),
            node(
                "imp2.example.com",
                Endpoint(
                    "cup-xmpp",
                    "xmpp-client",
                    "imp2.example.com",
                    5222,
                    server_name="example.com",
                    error=EndpointError("starttls", "no STARTTLS offered"),
                ),
            ),
        ],
        Setting("imp10.xmpp-domain", "example.com"),
    )
    cup = cluster(
        "old-cup",
        "cup",
        "8.6.5.10000-12",
        [node("cup1.example.com", chained("cup1.example.com", "cup"))],
        Setting("cup8.voicemail", "cuc1.example.com"),
        Setting("cup8.tftp-backup", "cucm2.example.com"),
    )
    unity = cluster(
        "voicemail", "unity", "12.5(1)SU3", [node("cuc1.example.com", chained("cuc1.example.com", "cuc"))]
    )
    externals = [
        node(
            "mail.example.com",
            Endpoint(
                "mailstore",
                "imap",
                "mail.example.com",
                143,
                server_name="mail.example.com",
                chain=(c["mail"], c["issuing"]),
            ),
            hostname="mail",
            domain="example.com",
        ),
        node(
            "meet.example.com",
            Endpoint(
                "conferencing",
                "https",
                "meet.example.com",
                443,
                error=EndpointError("refused", "connection refused"),
            ),
        ),
    ]
    dns = [
        DnsRecord("cucm1.example.com", "A", ("10.0.0.11",)),
        DnsRecord("cucm1.example.com", "AAAA", ("2001:db8::11",)),
        DnsRecord("_xmpp-client._tcp.example.com", "SRV", ("0 5 5222 imp1.example.com.",)),
        DnsRecord("meet.example.com", "CNAME", ("conf.example.net.",)),
        DnsRecord("11.0.0.10.in-addr.arpa", "PTR", ("cucm1.example.com.",)),
        DnsRecord("cuc1", "A", (), "NXDOMAIN"),
    ]
    return replace(
        deployment(hq, branch, imp, cup, unity, externals=externals, dns=dns), collected_at=COLLECTED
    )


def sample_doc() -> dict[str, Any]:
    """A fresh, valid snapshot document to break."""
    doc: dict[str, Any] = json.loads(snapshot.dumps(sample()))
    return doc


# --- round trip -------------------------------------------------------------------------------------


def test_a_deployment_round_trips_exactly() -> None:
    d = sample()
    assert snapshot.loads(snapshot.dumps(d), catalog()) == d
    assert snapshot.from_dict(snapshot.to_dict(d), catalog()) == d


def test_dumping_is_stable_text() -> None:
    d = sample()
    text = snapshot.dumps(d)
    assert snapshot.dumps(d) == text
    assert snapshot.dumps(snapshot.loads(text, catalog())) == text
    assert text.endswith("}\n")


def test_certificates_are_stored_once_each_and_chains_refer_to_them() -> None:
    d = sample()
    doc = json.loads(snapshot.dumps(d))
    presented = {
        cert.sha256: cert
        for n in [*(n for c in d.clusters for n in c.nodes), *d.externals]
        for e in n.endpoints
        for cert in e.chain
    }
    assert set(doc["certificates"]) == set(presented)
    assert list(doc["certificates"]) == sorted(doc["certificates"])
    issuing_pem = certificates()["issuing"].pem
    assert list(doc["certificates"].values()).count(issuing_pem) == 1
    body = issuing_pem.splitlines()[2]  # a line of base64 unique to this certificate
    assert snapshot.dumps(d).count(body) == 1  # the PEM text once, however often the CA is presented
    chains = [e["chain"] for c in doc["clusters"] for n in c["nodes"] for e in n["endpoints"]]
    assert sum(certificates()["issuing"].sha256 in chain for chain in chains) >= 4
    assert all(key in doc["certificates"] for chain in chains for key in chain)


def test_collected_at_is_written_in_utc_and_read_back_as_the_same_instant() -> None:
    paris = timezone(timedelta(hours=2))
    d = replace(sample(), collected_at=datetime(2026, 6, 1, 8, 0, 0, tzinfo=paris))
    doc = json.loads(snapshot.dumps(d))
    assert doc["collected_at"] == "2026-06-01T06:00:00Z"
    loaded = snapshot.loads(snapshot.dumps(d), catalog()).collected_at
    assert loaded == d.collected_at
    assert loaded is not None
    assert loaded.utcoffset() == timedelta(0)
    assert snapshot.loads(snapshot.dumps(replace(d, collected_at=None)), catalog()).collected_at is None


def test_roles_left_out_make_the_first_node_the_publisher() -> None:
    doc = sample_doc()
    for n in doc["clusters"][0]["nodes"]:
        del n["role"]
    loaded = snapshot.from_dict(doc, catalog())
    assert [n.role for n in loaded.clusters[0].nodes] == ["publisher", "subscriber", "subscriber"]


def test_the_example_snapshot_loads_and_re_dumps_to_equivalent_json() -> None:
    original = json.loads(DEMO.read_text())
    d = snapshot.read(DEMO, catalog())
    assert d.clusters
    again = json.loads(snapshot.dumps(d))
    assert again.pop("tool")["name"] == "confcheck"
    original.pop("tool")
    assert again == original
    assert snapshot.loads(snapshot.dumps(d), catalog()) == d


# --- the shipped JSON Schema --------------------------------------------------------------------------


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_the_example_and_a_dumped_deployment_validate() -> None:
    for doc in (json.loads(DEMO.read_text()), sample_doc()):
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(doc)]
        assert errors == []


# --- bad snapshots ----------------------------------------------------------------------------------


def at(doc: Any, *keys: str | int) -> Any:
    for key in keys:
        doc = doc[key]
    return doc


def put(*keys: str | int, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(doc: dict[str, Any]) -> None:
        at(doc, *keys[:-1])[keys[-1]] = copy.deepcopy(value)

    return mutate


def drop(*keys: str | int) -> Callable[[dict[str, Any]], None]:
    def mutate(doc: dict[str, Any]) -> None:
        del at(doc, *keys[:-1])[keys[-1]]

    return mutate


def first_certificate(doc: dict[str, Any]) -> tuple[str, str]:
    key = next(iter(doc["certificates"]))
    return key, doc["certificates"][key]


def cert_under_wrong_key(doc: dict[str, Any]) -> None:
    doc["certificates"]["f" * 64] = first_certificate(doc)[1]


def private_key_as_certificate(doc: dict[str, Any]) -> None:
    doc["certificates"]["e" * 64] = pki_key_pem()


@functools.cache
def pki_key_pem() -> str:
    return pki.server("secret.example.com").key_pem


def duplicate_cluster_name(doc: dict[str, Any]) -> None:
    doc["clusters"][1]["name"] = doc["clusters"][0]["name"]


def imp_8(doc: dict[str, Any]) -> None:
    doc["clusters"][2]["version"] = "8.6.5.10000-12"


def cup_10(doc: dict[str, Any]) -> None:
    doc["clusters"][3]["version"] = "10.5.2"


def publisher_second(doc: dict[str, Any]) -> None:
    doc["clusters"][0]["nodes"][1]["role"] = "publisher"


EP = ("clusters", 0, "nodes", 0, "endpoints", 0)
EP_PATH = "clusters[0].nodes[0].endpoints[0]"

# id -> (how to break a good document, the path named, what is said, whether the schema rejects it too)
BAD: dict[str, tuple[Callable[[dict[str, Any]], None], str, str, bool]] = {
    "missing-schema-version": (drop("schema_version"), "schema_version", "required", True),
    "schema-version-3": (put("schema_version", value=3), "schema_version", "unsupported version 3", True),
    "schema-version-string": (put("schema_version", value="1"), "schema_version", "unsupported version", True),
    "missing-clusters": (drop("clusters"), "clusters", "required", True),
    "clusters-not-a-list": (put("clusters", value={}), "clusters", "expected a list, found an object", True),
    "unknown-top-level-key": (put("password", value="hunter2"), "password", "unknown key", True),
    "cluster-not-an-object": (put("clusters", 1, value="x"), "clusters[1]", "expected an object, found a string", True),
    "cluster-name-not-a-string": (put("clusters", 1, "name", value=7), "clusters[1].name", "expected a string, found a number", True),
    "node-name-not-a-string": (put("clusters", 1, "nodes", 0, "name", value=None), "clusters[1].nodes[0].name", "expected a string, found null", True),
    "node-name-missing": (drop("clusters", 1, "nodes", 0, "name"), "clusters[1].nodes[0].name", "required", True),
    "duplicate-cluster-names": (duplicate_cluster_name, "clusters[1].name", "duplicate cluster name 'hq-cucm'", False),
    "unknown-product": (put("clusters", 1, "product", value="cms"), "clusters[1].product", "'cms' is not one of cucm, cup, imp, unity", True),
    "version-without-a-number": (put("clusters", 1, "version", value="latest"), "clusters[1].version", "'latest' does not start with a version number", True),
    "no-plugin-for-imp-8": (imp_8, "clusters[2]", "no installed plugin describes imp 8.6.5.10000-12", False),
    "no-plugin-for-cup-10": (cup_10, "clusters[3]", "no installed plugin describes cup 10.5.2", False),
    "unknown-location": (put("clusters", 0, "settings", 0, "location", value="cucm9.nope"), "clusters[0].settings[0].location", "unknown location 'cucm9.nope'", False),
    "location-of-another-product-line": (put("clusters", 0, "settings", 0, "location", value="imp9.tftp-primary"), "clusters[0].settings[0].location", "'imp9.tftp-primary' belongs to imp", False),
    "location-of-another-version-line": (put("clusters", 1, "settings", value=[{"location": "cucm9.uc-service-imp", "value": "x"}]), "clusters[1].settings[0].location", "'cucm9.uc-service-imp' belongs to cucm 9", False),
    "node-name-location-as-a-setting": (put("clusters", 0, "settings", 1, "location", value="cucm10.node-name"), "clusters[0].settings[1].location", "is each node's name", False),
    "profiles-not-a-list": (put("clusters", 0, "settings", 0, "profiles", value="SP-HQ"), "clusters[0].settings[0].profiles", "expected a list, found a string", True),
    "profile-not-a-string": (put("clusters", 0, "settings", 0, "profiles", 1, value=None), "clusters[0].settings[0].profiles[1]", "expected a string, found null", True),
    "setting-value-missing": (drop("clusters", 0, "settings", 2, "value"), "clusters[0].settings[2].value", "required", True),
    "setting-instance-a-number": (put("clusters", 0, "settings", 0, "instance", value=3), "clusters[0].settings[0].instance", "expected a string", True),
    "publisher-not-first": (publisher_second, "clusters[0].nodes[1].role", "the publisher must be the first node", False),
    "bad-role": (put("clusters", 0, "nodes", 0, "role", value="primary"), "clusters[0].nodes[0].role", "'primary' is not one of publisher, subscriber", True),
    "external-with-a-role": (put("externals", 0, "role", value="publisher"), "externals[0].role", "unknown key", True),
    "node-with-a-password": (put("clusters", 0, "nodes", 0, "password", value="x"), "clusters[0].nodes[0].password", "unknown key", True),
    "address-not-a-string": (put("clusters", 0, "nodes", 1, "addresses", 1, value=10), "clusters[0].nodes[1].addresses[1]", "expected a string", True),
    "port-0": (put(*EP, "port", value=0), f"{EP_PATH}.port", "expected a port number (1-65535)", True),
    "port-70000": (put(*EP, "port", value=70000), f"{EP_PATH}.port", "expected a port number (1-65535)", True),
    "port-string": (put(*EP, "port", value="8443"), f"{EP_PATH}.port", "expected a port number (1-65535)", True),
    "port-true": (put(*EP, "port", value=True), f"{EP_PATH}.port", "expected a port number (1-65535)", True),
    "port-missing": (drop(*EP, "port"), f"{EP_PATH}.port", "required", True),
    "unknown-protocol": (put(*EP, "protocol", value="ldaps"), f"{EP_PATH}.protocol", "'ldaps' is not one of", True),
    "endpoint-error-without-message": (put(*EP, "error", value={"kind": "timeout"}), f"{EP_PATH}.error.message", "required", True),
    "chain-entry-not-in-certificates": (put(*EP, "chain", 0, value="0" * 64), f"{EP_PATH}.chain[0]", f"no certificate '{'0' * 64}' in 'certificates'", False),
    "chain-entry-not-a-string": (put(*EP, "chain", 1, value=5), f"{EP_PATH}.chain[1]", "expected a string, found a number", True),
    "certificate-under-the-wrong-key": (cert_under_wrong_key, f"certificates.{'f' * 64}", "the key is not the SHA-256 of the certificate", False),
    "certificate-is-a-private-key": (private_key_as_certificate, f"certificates.{'e' * 64}", "holds a private key, not a certificate", True),
    "certificate-not-a-string": (put("certificates", "a" * 64, value=["pem"]), f"certificates.{'a' * 64}", "expected a string, found a list", True),
    "certificates-not-an-object": (put("certificates", value=[]), "certificates", "expected an object, found a list", True),
    "collected-at-not-a-time": (put("collected_at", value="yesterday"), "collected_at", "expected an ISO 8601 time", False),
    "collected-at-a-number": (put("collected_at", value=1764224641), "collected_at", "expected a string, found a number", True),
    "dns-unknown-type": (put("dns", 0, "type", value="MX"), "dns[0].type", "'MX' is not one of A, AAAA, CNAME, PTR, SRV", True),
    "dns-answers-not-a-list": (put("dns", 1, "answers", value="2001:db8::11"), "dns[1].answers", "expected a list, found a string", True),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_snapshot_names_the_bad_element_by_its_path(case: str) -> None:
    mutate, path, says, _ = BAD[case]
    doc = sample_doc()
    mutate(doc)
    with pytest.raises(SnapshotError) as caught:
        snapshot.loads(json.dumps(doc), catalog(), "bad.json")
    message = str(caught.value)
    assert message.startswith(f"bad.json: {path}: "), message
    assert says in message
    assert "\n" not in message


@pytest.mark.parametrize("case", [case for case, (*_, schema_too) in BAD.items() if schema_too])
def test_the_schema_rejects_what_the_loader_rejects(case: str) -> None:
    mutate = BAD[case][0]
    doc = sample_doc()
    assert VALIDATOR.is_valid(doc)
    mutate(doc)
    assert not VALIDATOR.is_valid(doc)


def test_the_exact_message_for_the_documented_example() -> None:
    doc = sample_doc()
    doc["clusters"][1]["nodes"][0]["name"] = 5
    with pytest.raises(SnapshotError) as caught:
        snapshot.from_dict(doc, catalog())
    assert str(caught.value) == "clusters[1].nodes[0].name: expected a string, found a number"


def test_a_private_key_in_place_of_a_certificate_is_never_echoed() -> None:
    doc = sample_doc()
    private_key_as_certificate(doc)
    with pytest.raises(SnapshotError) as caught:
        snapshot.loads(json.dumps(doc), catalog())
    body = pki_key_pem().splitlines()[1]
    assert body not in str(caught.value)
    assert "PRIVATE KEY-----" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('{"schema_version": 1,\n "clusters": [}', "not JSON (Expecting value at line 2, column 15)"),
        ("", "not JSON (Expecting value at line 1, column 1)"),
        (b'{"schema_version": 1, "clusters": [], "x": "caf\xe9"}', "not UTF-8 text (byte 0xe9 at offset 47)"),
        ("[]", "expected an object, found a list"),
        ('"snapshot"', "expected an object, found a string"),
        ("null", "expected an object, found null"),
        ("[" * 100_000 + "]" * 100_000, "[0]" * 63 + ": nested more than 64 deep"),
        ('{"schema_version": 1, "clusters": [' * 300 + "]}" * 300, "clusters[0].name: required"),
    ],
    ids=["syntax", "empty", "latin-1", "top-level-list", "top-level-string", "null", "deep", "deep-objects"],
)
def test_text_that_is_not_a_snapshot(text: str | bytes, says: str) -> None:
    with pytest.raises(SnapshotError) as caught:
        snapshot.loads(text, catalog(), "bad.json")
    message = str(caught.value)
    assert message.startswith("bad.json: ")
    assert says in message
    assert "\n" not in message


def test_read_names_a_directory_and_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match=r"^.*: is a directory, not a snapshot file$") as caught:
        snapshot.read(tmp_path, catalog())
    assert str(caught.value).startswith(str(tmp_path))
    missing = tmp_path / "missing.json"
    with pytest.raises(SnapshotError) as caught:
        snapshot.read(missing, catalog())
    assert str(caught.value) == f"{missing}: no such file"


def test_read_matches_loads(tmp_path: Path) -> None:
    path = tmp_path / "snap.json"
    path.write_text(snapshot.dumps(sample()), encoding="utf-8")
    assert snapshot.read(path, catalog()) == sample()
    assert snapshot.read(str(path), catalog()) == sample()


# Documents one side accepts and the other rejects: the loader and the schema should agree.
DISAGREE: dict[str, Callable[[dict[str, Any]], None]] = {
    "schema_version-true": put("schema_version", value=True),
    "hostname-null": put("clusters", 0, "nodes", 0, "hostname", value=None),
    "role-null": put("clusters", 0, "nodes", 1, "role", value=None),
    "instance-null": put("clusters", 0, "settings", 0, "instance", value=None),
    "dns-error-null": put("dns", 0, "error", value=None),
    "collected_at-null": put("collected_at", value=None),
    "tool-a-string": put("tool", value="confcheck"),
    "version-9x": put("clusters", 0, "version", value="9x"),
    "version-1234": put("clusters", 0, "version", value="1234.1"),
    "port-8443.0": put(*EP, "port", value=8443.0),
}


def loader_accepts(doc: dict[str, Any]) -> bool:
    try:
        snapshot.loads(json.dumps(doc), catalog())
    except SnapshotError:
        return False
    return True


@pytest.mark.parametrize("case", list(DISAGREE))
def test_the_loader_and_the_schema_agree_on_edge_documents(case: str) -> None:
    doc = sample_doc()
    DISAGREE[case](doc)
    assert loader_accepts(doc) == VALIDATOR.is_valid(doc)


# --- confcheck lint on bad snapshots -------------------------------------------------------------------


def assert_one_error_line(result: Run, *mentions: str) -> None:
    assert result.code == 2
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("confcheck: error:")
    assert "Traceback" not in result.err
    assert "internal error" not in result.err
    for mention in mentions:
        assert mention in lines[0]


@pytest.mark.parametrize(
    "case", ["node-name-not-a-string", "unknown-location", "port-string", "certificate-is-a-private-key"]
)
def test_cli_lint_of_a_bad_snapshot_is_one_line(
    case: str, tmp_path: Path, confcheck: Callable[..., Run]
) -> None:
    mutate, path, says, _ = BAD[case]
    doc = sample_doc()
    mutate(doc)
    file = tmp_path / "bad.json"
    file.write_text(json.dumps(doc))
    result = confcheck("lint", str(file))
    assert_one_error_line(result, str(file), f"{path}: ", says)
    assert result.out == ""


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"\xff\xfe\x00garbage", b"[" * 100_000, b""],
    ids=["syntax", "binary", "deep", "empty"],
)
def test_cli_lint_of_text_that_is_not_a_snapshot(
    content: bytes, tmp_path: Path, confcheck: Callable[..., Run]
) -> None:
    file = tmp_path / "bad.json"
    file.write_bytes(content)
    assert_one_error_line(confcheck("lint", str(file)), str(file))


def test_cli_lint_of_a_directory_or_a_missing_file(tmp_path: Path, confcheck: Callable[..., Run]) -> None:
    assert_one_error_line(confcheck("lint", str(tmp_path)), str(tmp_path), "directory")
    missing = tmp_path / "nope.json"
    assert_one_error_line(confcheck("lint", str(missing)), str(missing), "no such file")


def stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def test_cli_lint_reads_standard_input(
    monkeypatch: pytest.MonkeyPatch, confcheck: Callable[..., Run]
) -> None:
    stdin(monkeypatch, DEMO.read_bytes())
    from_stdin = confcheck("lint", "-", "--format", "json")
    from_file = confcheck("lint", str(DEMO), "--format", "json")
    assert from_stdin.err == ""
    assert from_stdin.code == from_file.code == 1
    assert json.loads(from_stdin.out)["findings"] == json.loads(from_file.out)["findings"]


def test_cli_lint_names_standard_input_in_errors(
    monkeypatch: pytest.MonkeyPatch, confcheck: Callable[..., Run]
) -> None:
    doc = sample_doc()
    doc["clusters"][1]["nodes"][0]["name"] = 5
    stdin(monkeypatch, json.dumps(doc).encode())
    result = confcheck("lint", "-")
    assert_one_error_line(result)
    assert result.err == "confcheck: error: -: clusters[1].nodes[0].name: expected a string, found a number\n"


def test_cli_lint_of_a_snapshot_with_a_lone_surrogate(tmp_path: Path, confcheck: Callable[..., Run]) -> None:
    text = snapshot.dumps(sample()).replace('"name": "hq-cucm"', '"name": "hq-cucm\\ud800"', 1)
    assert "\\ud800" in text
    file = tmp_path / "surrogate.json"
    file.write_text(text, encoding="utf-8")
    assert_one_error_line(confcheck("lint", str(file)), str(file), "clusters[0].name")


# --- writing ---------------------------------------------------------------------------------------


def leftovers(directory: Path, keep: str) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name != keep)


def test_write_replaces_an_existing_file_completely(tmp_path: Path) -> None:
    path = tmp_path / "snap.json"
    path.write_text("x" * 2_000_000)  # longer than the new content: nothing of it may remain
    snapshot.write(sample(), path)
    assert path.read_text(encoding="utf-8") == snapshot.dumps(sample())
    assert leftovers(tmp_path, "snap.json") == []
    snapshot.write(Deployment(), str(path))
    assert snapshot.read(path, catalog()) == Deployment()
    assert leftovers(tmp_path, "snap.json") == []


def test_write_into_a_new_file_in_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    snapshot.write(sample(), "relative.json")
    assert snapshot.read(tmp_path / "relative.json", catalog()) == sample()
    assert leftovers(tmp_path, "relative.json") == []


def test_a_failed_write_onto_a_directory_leaves_everything_as_it_was(tmp_path: Path) -> None:
    target = tmp_path / "snap.json"
    target.mkdir()
    (target / "inside").write_text("keep")
    with pytest.raises(InputError) as caught:
        snapshot.write(sample(), target)
    assert str(caught.value).startswith(f"{target}: cannot write")
    assert "\n" not in str(caught.value)
    assert (target / "inside").read_text() == "keep"
    assert leftovers(tmp_path, "snap.json") == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_a_failed_write_into_a_read_only_directory_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "snap.json"
    path.write_text("previous")
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(InputError, match="cannot write"):
            snapshot.write(sample(), path)
    finally:
        tmp_path.chmod(0o755)
    assert path.read_text() == "previous"
    assert leftovers(tmp_path, "snap.json") == []


def test_a_write_into_a_missing_directory_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot write"):
        snapshot.write(sample(), tmp_path / "no" / "such" / "dir" / "snap.json")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("failure", ["fsync", "replace", "interrupt"])
def test_a_write_that_fails_half_way_keeps_the_old_file_and_no_temporary(
    failure: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Works as root too: the failure is injected where a full disk or a signal would strike."""
    path = tmp_path / "snap.json"
    path.write_text("previous")

    def fail(*args: object) -> None:
        if failure == "interrupt":
            raise KeyboardInterrupt
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace" if failure == "replace" else "fsync", fail)
    expected: type[BaseException] = KeyboardInterrupt if failure == "interrupt" else InputError
    with pytest.raises(expected) as caught:
        snapshot.write(sample(), path)
    if failure != "interrupt":
        assert str(caught.value) == f"{path}: cannot write (No space left on device)"
    monkeypatch.undo()
    assert path.read_text() == "previous"
    assert leftovers(tmp_path, "snap.json") == []


def test_snapshots_hold_no_secret() -> None:
    text = snapshot.dumps(sample())
    lowered = text.lower()
    for word in ("password", "passwd", "secret", "private key", "credential", "token"):
        assert word not in lowered
    demo = DEMO.read_text().lower()
    assert "password" not in demo
    assert "private key" not in demo


def test_write_keeps_the_permissions_of_the_file_it_replaces(tmp_path: Path) -> None:
    path = tmp_path / "snap.json"
    path.write_text("{}")
    path.chmod(0o640)
    snapshot.write(Deployment(), path)
    assert path.stat().st_mode & 0o777 == 0o640
    fresh = tmp_path / "new.json"
    umask = os.umask(0o022)
    try:
        snapshot.write(Deployment(), fresh)
    finally:
        os.umask(umask)
    assert fresh.stat().st_mode & 0o777 == 0o644  # not mkstemp's 0600


def test_a_naive_collection_time_is_utc_both_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()  # a local-time conversion would now shift the time by five hours
    try:
        naive = datetime(2026, 11, 27, 3, 4, 5)
        text = snapshot.dumps(Deployment(collected_at=naive))
        assert '"collected_at": "2026-11-27T03:04:05Z"' in text
        assert snapshot.loads(text, catalog()).collected_at == naive.replace(tzinfo=timezone.utc)
    finally:
        monkeypatch.undo()
        time.tzset()


def test_facts_and_problems_round_trip_and_validate() -> None:
    base = sample()
    first = replace(base.clusters[0], facts=(("xmpp.use_domain_san", "false"),))
    dep = replace(
        base,
        clusters=(first, *base.clusters[1:]),
        problems=(Problem("auth", "AXL login failed: HTTP 401", "hq-cucm"), Problem("dns", "no answer")),
    )
    text = snapshot.dumps(dep)
    assert snapshot.loads(text, catalog()) == dep
    jsonschema.validate(json.loads(text), SCHEMA, cls=jsonschema.Draft202012Validator)


# --- the usual node, read in one pass ----------------------------------------------------------------

_ODD_VALUES: tuple[Any, ...] = (
    None,
    7,
    8443.0,
    True,
    "",
    "é.example.com",
    "\ud800",
    "x" * 70_000,
    [],
    {},
    ["a"],
)


_ABSENT = object()
"""A key left out (a variant's value)."""


def _node_variants() -> list[tuple[dict[str, Any], bool]]:
    """A usual node (every key its endpoints have), then each key of it or of its endpoint left out, set
    to a value of another kind or shape, and an unknown key added: (node, whether it is external)."""
    usual: dict[str, Any] = {
        "name": "cucm1.example.com",
        "role": "subscriber",
        "hostname": "cucm1",
        "domain": "example.com",
        "addresses": ["10.0.0.11"],
        "endpoints": [
            {
                "purpose": "tomcat",
                "protocol": "https",
                "host": "cucm1.example.com",
                "port": 8443,
                "server_name": "cucm1.example.com",
                "chain": ["leaf", "ca"],
            }
        ],
    }
    special: dict[str, tuple[Any, ...]] = {
        "role": ("publisher", "pub"),
        "addresses": (["10.0.0.11", 5], ["10.0.0.11"] * 65),
        "endpoints": ([{}], [usual["endpoints"][0]] * 17),
        "protocol": ("xmpp-client", "http"),
        "port": (0, 65535, 65536, -1),
        "chain": (["leaf", "missing"], ["leaf", 5], ["leaf"] * 17),
        "error": ({"kind": "refused", "message": "no"},),
    }
    found: list[tuple[dict[str, Any], bool]] = [(usual, False), (usual, True)]
    endpoint_keys = [*usual["endpoints"][0], "error"]
    for key in [*usual, *endpoint_keys, "unknown"]:
        for value in (*_ODD_VALUES, *special.get(key, ()), _ABSENT):
            node = copy.deepcopy(usual)
            target = node["endpoints"][0] if key in endpoint_keys else node
            if value is _ABSENT:
                target.pop(key, None)
            else:
                target[key] = value
            found += [(node, False), (node, True)]
    return found


def test_a_node_in_the_usual_shape_is_read_in_one_pass_as_element_by_element() -> None:
    store = {"leaf": certificates()["cucm1"], "ca": certificates()["issuing"]}
    accepted = 0
    for value, external in _node_variants():
        outcomes: list[Any] = []
        for read in (snapshot._node, snapshot._read_node):
            try:
                outcomes.append(read(value, "clusters[0].nodes[0]", store, external))
            except SnapshotError as exc:
                outcomes.append(str(exc))
        assert outcomes[0] == outcomes[1], (value, external)
        if snapshot._usual_node(value, store, external) is not None:
            accepted += 1
            assert repr(outcomes[0]) == repr(outcomes[1])
    assert accepted > 20  # the variants the usual shape holds (roles, ports, protocols, no server name...)
