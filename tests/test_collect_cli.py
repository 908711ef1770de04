"""audit, snapshot and lab from the command line, against a running lab: outputs, exit codes, secrets."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import Run

from confcheck.lab import scenario
from confcheck.lab.runtime import Lab

DOWN = """
description = "one CUCM node is down"
domain = "down.example"
[[cluster]]
name = "c"
product = "cucm"
version = "9.1.2.10000-28"
[[cluster.node]]
host = "cucm1"
[[cluster.node]]
host = "cucm2"
fault = "down"
"""


@pytest.fixture(scope="module")
def clean_lab() -> Iterator[Lab]:
    with Lab.of("clean") as lab:
        yield lab


@pytest.fixture
def lab_env(clean_lab: Lab, monkeypatch: pytest.MonkeyPatch) -> Lab:
    for variable, value in clean_lab.environment.items():
        monkeypatch.setenv(variable, value)
    return clean_lab


def test_audit_of_a_clean_lab_exits_zero_and_saves_the_snapshot(
    confcheck: Callable[..., Run], lab_env: Lab, tmp_path: Path
) -> None:
    saved = tmp_path / "snap.json"
    result = confcheck(
        "audit", "--config", str(lab_env.config_path), "--format", "json", "--save-snapshot", str(saved)
    )
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["summary"]["findings"] == 0
    assert report["summary"]["clusters"] == 3
    assert confcheck("lint", str(saved)).code == 0


def test_snapshot_writes_the_file_and_says_so_on_stderr(
    confcheck: Callable[..., Run], lab_env: Lab, tmp_path: Path
) -> None:
    out = tmp_path / "snap.json"
    result = confcheck("snapshot", "--config", str(lab_env.config_path), "-o", str(out))
    assert result.code == 0
    assert result.out == ""
    assert (
        result.err == f"confcheck: wrote {out}: 3 clusters, 0 collection problems\n"
    )  # no progress: not a TTY
    data = json.loads(out.read_text())
    assert [c["name"] for c in data["clusters"]] == ["hq-cucm", "hq-imp", "hq-cuc"]


def test_a_node_that_is_down_makes_the_snapshot_incomplete(
    confcheck: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = tmp_path / "down.toml"
    spec.write_text(DOWN)
    with Lab(scenario.load(str(spec))) as lab:
        for variable, value in lab.environment.items():
            monkeypatch.setenv(variable, value)
        result = confcheck("snapshot", "--config", str(lab.config_path), "-o", str(tmp_path / "s.json"))
        audit = confcheck("audit", "--config", str(lab.config_path), "--format", "json", "--fail-on", "never")
    assert result.code == 3
    assert audit.code == 3
    [finding] = json.loads(audit.out)["findings"]
    assert finding["rule"] == "CC202"
    assert "connection refused" in finding["message"]


def test_no_password_reaches_any_output(
    confcheck: Callable[..., Run], lab_env: Lab, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    saved = tmp_path / "snap.json"
    runs = [
        confcheck("audit", "--config", str(lab_env.config_path), "--save-snapshot", str(saved)),
        confcheck("audit", "--config", str(lab_env.config_path), "--format", "json"),
    ]
    everything = "".join(r.out + r.err for r in runs) + saved.read_text() + caplog.text
    for password in lab_env.passwords.values():
        assert password not in everything


def test_an_unset_password_is_a_one_line_config_error(
    confcheck: Callable[..., Run], clean_lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in clean_lab.environment:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    result = confcheck("audit", "--config", str(clean_lab.config_path))
    assert result.code == 2
    assert result.err.count("\n") == 1
    assert re.search(
        r"confcheck\.toml:\d+: cluster\[1\]\.password_env: the environment variable \S+ is not set",
        result.err,
    )


def test_an_insecure_cluster_is_announced(
    confcheck: Callable[..., Run], lab_env: Lab, tmp_path: Path
) -> None:
    text = lab_env.config_path.read_text()
    insecure = re.sub(r'ca_bundle = "[^"]*"', "insecure = true", text)
    config = tmp_path / "confcheck.toml"
    config.write_text(insecure)
    result = confcheck("audit", "--config", str(config), "--format", "json")
    assert result.code == 0
    assert "confcheck: warning: hq-cucm: TLS is not verified (insecure = true)" in result.err


def test_lab_list_names_every_scenario(confcheck: Callable[..., Run]) -> None:
    out = confcheck("lab", "--list").out
    assert [line.split()[0] for line in out.splitlines()] == scenario.names()


INTERRUPTIBLE = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from confcheck import cli; sys.exit(cli.main(sys.argv[1:]))"
)
"""``confcheck`` that Ctrl-C interrupts as at a terminal, however the suite was started: a suite run in
the background of a script (``bash .ci/run &``) inherits SIGINT ignored, and passes it on ignored."""


def test_lab_runs_until_interrupted_and_its_printed_config_audits(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", INTERRUPTIBLE, "lab", "--scenario", "clean", "--workdir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        printed = []
        for line in process.stdout:
            printed.append(line)
            if "runs until you press Ctrl-C" in line:
                break
        env = dict(os.environ)
        env.update(dict(re.findall(r"^export (\w+)=(\S+)$", "".join(printed), re.M)))
        audit = subprocess.run(
            [sys.executable, "-m", "confcheck", "audit", "--config", str(tmp_path / "confcheck.toml")],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert audit.returncode == 0, audit.stderr
        assert "[[cluster]]" in "".join(printed)
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0


def test_an_unreachable_unity_connection_cluster_says_what_is_missing_in_every_report(
    confcheck: Callable[..., Run], tmp_path: Path
) -> None:
    # The publisher does not resolve and the subscriber refuses: no setting names either node, yet
    # exit 3 must come with the reason, in every human and machine format.
    from confcheck.lab.dns import DnsServer, Zone

    dns = DnsServer("127.0.0.1", Zone("acme.example"))
    dns.start()
    try:
        inventory = tmp_path / "confcheck.toml"
        inventory.write_text(
            f'[collect]\ndns_server = "127.0.0.1:{dns.port}"\ntimeout = 1\n\n'
            '[[cluster]]\nname = "hq-cuc"\nproduct = "unity"\nversion = "12.5.1.10000-6"\n'
            'publisher = "cuc-gone.acme.example"\nnodes = ["127.0.0.99"]\n'
        )
        result = confcheck(
            "audit",
            "--config",
            str(inventory),
            "--no-progress",
            "-o",
            f"markdown={tmp_path / 'r.md'}",
            "-o",
            f"json={tmp_path / 'r.json'}",
            "-o",
            f"html={tmp_path / 'r.html'}",
        )
    finally:
        dns.stop()
    assert result.code == 3
    assert "Collection incomplete (exit 3): 2 things could not be read or met:" in result.out
    assert "hq-cuc: cuc-gone.acme.example, tomcat at cuc-gone.acme.example:8443:" in result.out
    assert "hq-cuc: 127.0.0.99, tomcat at 127.0.0.99:8443:" in result.out
    assert result.out.count("CC204 server-not-met") == 2
    markdown = (tmp_path / "r.md").read_text()
    assert "**Verdict: fails, incomplete**" in markdown
    assert "passes" not in markdown
    assert "- hq-cuc: 127.0.0.99, tomcat at 127.0.0.99:8443:" in markdown
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["summary"]["exit_code"] == 3
    assert len(data["summary"]["missing"]) == 2
    assert {f["rule"] for f in data["findings"]} == {"CC204"}
    assert "Verdict: Fails, incomplete" in (tmp_path / "r.html").read_text()


def test_a_cluster_that_could_not_be_read_is_judged_by_its_certificates_only(
    confcheck: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The inventory names the publisher by address and the password is wrong: before, the address
    # became a "Node name" reference and the fix list planned a rename of a setting never read.
    spec = tmp_path / "locked.toml"
    spec.write_text(
        DOWN.replace('version = "9.1.2.10000-28"', 'version = "9.1.2.10000-28"\nrejects_password = true')
    )
    with Lab(scenario.load(str(spec))) as lab:
        for variable, value in lab.environment.items():
            monkeypatch.setenv(variable, value)
        address = lab.hosts["cucm1"].address
        config = lab.config_path.read_text()
        config = re.sub(r'publisher = "[^"]*"', f'publisher = "{address}"', config, count=1)
        lab.config_path.write_text(config)
        audit = confcheck("audit", "--config", str(lab.config_path), "--format", "json", "--fail-on", "never")
    assert audit.code == 3
    data = json.loads(audit.out)
    assert {f["rule"] for f in data["findings"]} == {"CC203"}
    assert not any(f["location"] for f in data["findings"])  # no setting was read, none is judged
    assert data["summary"]["references"] == 0
