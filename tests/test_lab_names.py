"""Lab scenario files name hosts, and the lab names files after them: nothing may leave the work directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run

from confcheck.errors import InputError
from confcheck.lab import scenario
from confcheck.lab.runtime import Lab
from confcheck.lab.scenario import ClusterSpec, NodeSpec, Scenario

SCENARIO = """
description = "one CUCM node"
domain = "{domain}"
[[cluster]]
name = "c"
product = "cucm"
version = "9.1.2.10000-28"
[[cluster.node]]
host = "{host}"
"""


def write(tmp_path: Path, host: str = "cucm1", domain: str = "lab.example", extra: str = "") -> Path:
    path = tmp_path / "hostile.toml"
    path.write_text(SCENARIO.format(host=host, domain=domain) + extra, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "host", ["../../../x", "a/b", "..", ".", "cucm1.example", "-cucm", "cucm-", "a" * 64, "", "c u"]
)
def test_a_node_host_that_is_not_one_dns_label_is_refused(tmp_path: Path, host: str) -> None:
    with pytest.raises(InputError) as caught:
        scenario.load(str(write(tmp_path, host)))
    assert "is not a host name" in str(caught.value)
    assert caught.value.exit_code == 2


@pytest.mark.parametrize("domain", ["../x", "lab..example", "lab/example", ""])
def test_a_domain_that_is_not_a_dns_name_is_refused(tmp_path: Path, domain: str) -> None:
    with pytest.raises(InputError) as caught:
        scenario.load(str(write(tmp_path, domain=domain)))
    assert "is not a DNS domain name" in str(caught.value)


@pytest.mark.parametrize(
    ("external", "expected"),
    [
        ('host = "../../etc/x"\npurpose = "mailstore"\nport = 993', "is not a host name"),
        ('host = "mail"\npurpose = "../../x"\nport = 993', "purpose must be one of mailstore, conferencing"),
    ],
)
def test_an_external_with_a_path_for_a_name_is_refused(tmp_path: Path, external: str, expected: str) -> None:
    with pytest.raises(InputError) as caught:
        scenario.load(str(write(tmp_path, extra=f"[[external]]\n{external}\n")))
    assert expected in str(caught.value)


def test_the_lab_command_refuses_the_scenario_and_writes_nothing_outside(
    confcheck: Callable[..., Run], tmp_path: Path
) -> None:
    work = tmp_path / "a" / "b" / "work"
    result = confcheck("lab", "--scenario", str(write(tmp_path, "../../../x")), "--workdir", str(work))
    assert result.code == 2
    assert "is not a host name" in result.err
    assert "Traceback" not in result.err
    assert not list(tmp_path.glob("x-*"))
    assert not (tmp_path / "x-tomcat.key").exists()


def test_the_runtime_writes_only_into_its_work_directory(tmp_path: Path) -> None:
    """Even a scenario built in code, past the file checks, cannot place a key outside."""
    hostile = Scenario(
        "hostile", "", "lab.example", (ClusterSpec("c", "cucm", "9.1.2.10000-28", (NodeSpec("../../x"),)),)
    )
    work = tmp_path / "one" / "work"
    with pytest.raises(ValueError, match="not a file name in the lab's work directory"):
        Lab(hostile, work).start()
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["lab-ca.pem"]
