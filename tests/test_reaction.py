"""What the findings say Jabber does: prompt, or refuse to connect under InvalidCertificateBehavior
RejectAndNotify (``invalid_certificate_behavior`` of ``[[jabber]]``), on the shipped example snapshots."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Run

from confcheck import plugin_manager
from confcheck.discovery_model import Discovery
from confcheck.engine import Context
from confcheck.model import Cluster, Deployment, Product
from confcheck.rules._reaction import consequence, reaction, refusal

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CASES = [
    ("certificates-snapshot.json", "certificates.toml"),
    ("journey-snapshot.json", "journey.toml"),
    ("demo-snapshot.json", None),
    ("current-releases-snapshot.json", None),
]
METHOD_1 = re.compile(r"accepts? (it|a certificate) at a prompt|users accept prompts")
"""Where a finding names what method 1 of Cisco's guide is: users accepting certificates at a prompt."""


@pytest.mark.parametrize(
    ("behaviors", "expected"),
    [
        ([], False),
        ([None], False),
        (["PromptPerSession"], False),
        (["RejectAndNotify"], True),
        (["RejectAndNotify", "RejectAndNotify"], True),
        (["RejectAndNotify", None], None),
        (["PromptPerSession", "RejectAndNotify"], None),
    ],
)
def test_the_clients_refuse_when_every_entry_says_reject_and_notify(
    behaviors: list[str | None], expected: bool | None
) -> None:
    entries = [
        Discovery(f"jabber-{n}", "acme.example", invalid_certificate_behavior=b)
        for n, b in enumerate(behaviors)
    ]
    assert refusal(entries) is expected


def test_where_some_clients_refuse_a_finding_says_both() -> None:
    assert reaction(False, "prompts", "refuses") == "prompts"
    assert reaction(True, "prompts", "refuses") == "refuses"
    assert reaction(None, "prompts", "refuses") == "prompts (or, under RejectAndNotify, refuses)"
    assert reaction(None, "prompts", "refuses", "either") == "either"


def _findings(
    confcheck: Callable[..., Run],
    tmp_path: Path,
    case: tuple[str, str | None],
    *behaviors: str | None,
    tls_verify: str = "true",
) -> list[dict[str, Any]]:
    """The findings of an example snapshot linted with its ``[[jabber]]`` entries given ``behaviors`` in
    turn (an entry of its own per behavior added to a snapshot without any), and Expressway-C's TLS
    verify mode ``tls_verify``."""
    name, config = case
    data = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    if not data.get("discovery"):
        data["discovery"] = []
        for number in range(len(behaviors)):
            jabber = f"jabber-{number}"
            data["clusters"].append({"name": jabber, "product": "jabber", "version": "14.1", "nodes": []})
            data["discovery"].append({"jabber": jabber, "services_domain": f"d{number}.acme.example"})
    for cluster in data["clusters"]:
        if cluster["product"] == "expressway-c":
            cluster["facts"]["tls_verify"] = tls_verify
    for number, entry in enumerate(data["discovery"]):
        entry.pop("invalid_certificate_behavior", None)
        behavior = behaviors[number % len(behaviors)]
        if behavior is not None:
            entry["invalid_certificate_behavior"] = behavior
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    args = ["lint", str(path), "--format", "json", "--at", "2026-12-01", "--fail-on", "never"]
    run = confcheck(*args, *(["--config", str(EXAMPLES / config)] if config else []))
    assert run.code == 0, run.err
    found: list[dict[str, Any]] = json.loads(run.out)["findings"]
    return found


@pytest.mark.parametrize("case", CASES, ids=[name for name, _ in CASES])
def test_under_reject_and_notify_no_finding_says_jabber_prompts(
    confcheck: Callable[..., Run], tmp_path: Path, case: tuple[str, str | None]
) -> None:
    for finding in _findings(confcheck, tmp_path, case, "RejectAndNotify"):
        assert "prompt" not in METHOD_1.sub("", finding["message"]), finding["message"]


def test_every_rule_that_says_what_the_clients_do_says_they_refuse(
    confcheck: Callable[..., Run], tmp_path: Path
) -> None:
    refusing = {
        finding["rule"]
        for case in CASES
        for finding in _findings(confcheck, tmp_path, case, "RejectAndNotify")
        if "refuse" in finding["message"] and "refuse a name only in the CN" not in finding["message"]
    }
    assert refusing == {
        "CC102",  # Jabber refuses to connect
        "CC103",
        "CC107",  # Expressway-E for one services domain
        "CC303",  # a self-signed certificate no user can accept
        "CC304",  # method 1 cannot work
        "CC313",  # a multi-server certificate a node wears without its name
        "CC316",  # Apple's rules
        "CC401",  # an untrusted chain
        "CC402",  # a pinned leaf, renewed
        "CC403",  # a platform's own store
    }


@pytest.mark.parametrize("case", CASES, ids=[name for name, _ in CASES])
def test_prompt_per_session_and_no_setting_say_the_same_as_before(
    confcheck: Callable[..., Run], tmp_path: Path, case: tuple[str, str | None]
) -> None:
    unset = _findings(confcheck, tmp_path, case, None)
    assert _findings(confcheck, tmp_path, case, "PromptPerSession") == unset
    assert not [f["message"] for f in unset if "RejectAndNotify" in f["message"]]
    assert any("prompt" in f["message"] for f in unset)


def test_where_only_some_domains_refuse_a_finding_says_both_and_expressway_follows_its_domain(
    confcheck: Callable[..., Run], tmp_path: Path
) -> None:
    # acme.example refuses; branch and partner prompt
    found = _findings(confcheck, tmp_path, CASES[1], "RejectAndNotify", None)
    messages = {f["rule"]: f["message"] for f in found}
    # the installer arguments of acme.example's clients: what those clients do
    assert messages["CC103"].startswith("CCMCIP (installer arguments) cucm1 is a short host name")
    assert messages["CC103"].endswith(": Jabber refuses to connect.")
    assert messages["CC107"].startswith(
        "Jabber outside the office refuses Expressway-E expe1.acme.example for acme.example:"
    )
    assert messages["CC403"].startswith(
        "Jabber for Mac (releases that validate certificates) prompts for (or, under RejectAndNotify, refuses) the "
    )
    prompting = _findings(confcheck, tmp_path, CASES[1], None, "RejectAndNotify")
    (edge,) = [f["message"] for f in prompting if f["rule"] == "CC107"]
    assert edge.startswith(
        "Jabber outside the office prompts at Expressway-E expe1.acme.example for acme.example:"
    )


def test_a_setting_every_client_gets_says_both_where_the_services_domains_differ(
    confcheck: Callable[..., Run], tmp_path: Path
) -> None:
    found = _findings(confcheck, tmp_path, CASES[2], "RejectAndNotify", "PromptPerSession")  # the demo
    named = [f["message"] for f in found if f["rule"] in ("CC102", "CC103")]
    assert named
    assert all(m.endswith(": Jabber prompts (or, under RejectAndNotify, refuses to connect).") for m in named)


@pytest.mark.parametrize("behavior", [None, "RejectAndNotify"])
def test_a_setting_of_expressway_c_says_what_its_tls_verify_does_not_what_jabber_does(
    confcheck: Callable[..., Run], tmp_path: Path, behavior: str | None
) -> None:
    """Expressway-C checks the names it is configured with (TLS verify); no Jabber client meets them."""
    (on,) = [f["message"] for f in _findings(confcheck, tmp_path, CASES[1], behavior) if f["rule"] == "CC102"]
    assert on.startswith("Unified CM publisher address 10.50.0.11 is an IP address")
    assert on.endswith(
        ": core's TLS verify fails on it, so MRA users cannot reach that server (Cisco doc 213872)."
    )
    off = _findings(confcheck, tmp_path, CASES[1], behavior, tls_verify="false")
    (latent,) = [f["message"] for f in off if f["rule"] == "CC102"]
    assert latent.endswith(
        ": core does not verify TLS (TLS verify mode Off), so nothing fails today; with TLS verify On, as Cisco "
        "recommends, MRA users could not reach that server."
    )


@pytest.mark.parametrize(
    ("product", "tls_verify", "still", "said"),
    [
        ("cucm", "true", False, "Jabber prompts"),
        ("cucm", "true", True, "clients that get this certificate would still prompt"),
        (
            "expressway-c",
            "true",
            False,
            "core's TLS verify fails on it, so MRA users cannot reach that server",
        ),
        (
            "expressway-c",
            "true",
            True,
            "core's TLS verify would still fail on it when it gets this certificate",
        ),
        (
            "expressway-c",
            "false",
            True,
            "core does not verify TLS (TLS verify mode Off), so nothing fails today",
        ),
    ],
)
def test_what_a_name_the_certificate_lacks_costs_depends_on_who_checks_it(
    product: Product, tls_verify: str, still: bool, said: str
) -> None:
    core = Cluster("core", product, "X15.0.1", facts=(("tls_verify", tls_verify),))
    ctx = Context(Deployment((core,)), plugin_manager.catalog())
    assert consequence(ctx, core, still=still).startswith(said)
