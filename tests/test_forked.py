"""Work shared with forked children gives what the plain loop gives: the results in order, the same error
at the same item, every child reaped; and what confcheck shares that way (a large snapshot's
certificates, a large deployment's rules, a large JSON report's findings) equals what is done alone."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from helpers import demo_deployment, report

from confcheck import certs, engine, findings, forked, pki, plugin_manager, snapshot
from confcheck import lint as linting
from confcheck.certs import Certificate
from confcheck.engine import Context
from confcheck.errors import ConfcheckError, InputError
from confcheck.findings import Finding, Severity
from confcheck.rule import rule

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this system")


@pytest.fixture
def two_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on any machine of two CPUs or more, whatever this one has, in a process of one thread (the
    lab servers of other tests may run in threads of this one: the functions forked here take no lock)."""
    monkeypatch.setattr(forked, "cpus", lambda: 2)
    monkeypatch.setattr(forked, "single_threaded", lambda: True)


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The pids of the children forked, each checked to have been reaped when the test ends."""
    pids: list[int] = []
    fork = os.fork

    def recorded() -> int:
        pid = fork()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", recorded)
    yield pids
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def list_forked(*args: Any, **kwargs: Any) -> list[Any]:
    return list(forked.map_forked(*args, **kwargs))


def where(item: int) -> tuple[int, int]:
    """The item's square, and the process that computed it."""
    return item * item, os.getpid()


def test_results_are_the_plain_loops_in_order_and_a_child_computed_some(
    two_cpus: None, forks: list[int]
) -> None:
    results = list_forked(where, range(100), lambda r, _: list(r), lambda w, _: tuple(w), least=10)
    assert [square for square, _ in results] == [n * n for n in range(100)]
    computed_by = {pid for _, pid in results}
    assert len(forks) == 1
    assert computed_by == {os.getpid(), forks[0]}


def test_an_error_in_a_childs_share_is_raised_by_the_parent_at_the_first_bad_item(
    two_cpus: None, forks: list[int]
) -> None:
    parent = os.getpid()
    seen: list[int] = []

    def picky(item: int) -> int:
        if os.getpid() == parent:
            seen.append(item)
        if item in (70, 90):
            raise ValueError(f"bad item {item}")
        return item

    with pytest.raises(ValueError, match="bad item 70"):
        list_forked(picky, range(100), lambda r, _: r, lambda w, _: w, least=10)
    assert len(forks) == 1
    own = len(seen) - 1  # the parent computed its own share, then only the item the child failed on
    assert 40 <= own < 70
    assert seen == [*range(own), 70]


def test_an_error_in_the_parents_share_ends_the_child(two_cpus: None, forks: list[int]) -> None:
    def failing(item: int) -> int:
        if item == 3:
            raise KeyError(item)
        return item

    with pytest.raises(KeyError):
        list_forked(failing, range(100), lambda r, _: r, lambda w, _: w, least=10)
    assert len(forks) == 1  # reaped: the fixture checks it


def test_a_caller_that_stops_early_ends_the_children(two_cpus: None, forks: list[int]) -> None:
    results = forked.map_forked(where, range(100), lambda r, _: list(r), lambda w, _: tuple(w), least=10)
    assert next(results) == (0, os.getpid())
    assert len(forks) == 1
    results.close()  # the children still at work are ended and reaped: the fixture checks it


def test_a_child_that_dies_leaves_its_share_to_the_parent(two_cpus: None, forks: list[int]) -> None:
    parent = os.getpid()

    def fragile(item: int) -> int:
        if os.getpid() != parent and item == 80:
            os._exit(3)  # as a child killed by the kernel would end, without sending anything
        return item + 1

    assert list_forked(fragile, range(100), lambda r, _: r, lambda w, _: w, least=10) == [
        n + 1 for n in range(100)
    ]
    assert len(forks) == 1


def test_no_fork_for_few_items_with_one_cpu_or_with_another_thread_alive(
    monkeypatch: pytest.MonkeyPatch, forks: list[int]
) -> None:
    single_threaded = forked.single_threaded
    monkeypatch.setattr(forked, "cpus", lambda: 4)
    monkeypatch.setattr(forked, "single_threaded", lambda: True)
    assert forked.processes(1_000, 100) == 4
    assert forked.processes(150, 100) == 1  # not two shares' worth
    monkeypatch.setattr(forked, "cpus", lambda: 1)
    assert forked.processes(1_000, 100) == 1
    monkeypatch.setattr(forked, "cpus", lambda: 4)
    monkeypatch.setattr(forked, "single_threaded", single_threaded)  # as it is: one more thread starts here
    stop = threading.Event()
    waiting = threading.Thread(target=stop.wait)
    waiting.start()
    try:
        assert not forked.single_threaded()
        assert forked.processes(1_000, 100) == 1
        results = list_forked(where, range(500), lambda r, _: r, lambda w, _: w, least=10)
        assert {pid for _, pid in results} == {os.getpid()}
    finally:
        stop.set()
        waiting.join()
    assert forks == []


# --- a snapshot's certificates --------------------------------------------------------------------


def example_certificates() -> list[str]:
    """The PEM of every certificate in the example snapshots: every shape the reader meets in them."""
    pems: dict[str, str] = {}
    for path in sorted(EXAMPLES.glob("*-snapshot.json")):
        pems.update(json.loads(path.read_text(encoding="utf-8")).get("certificates", {}))
    return list(pems.values())


def test_a_certificate_marshalled_comes_back_equal_field_by_field() -> None:
    root = pki.ca("Root CA")
    made = [
        pki.server("rsa.example.com", issuer=root, key=pki.new_key("rsa", 2048)).pem,
        pki.server(None, ["cuc1.example.com"], xmpp_addr=["example.com"], eku=None).pem,
    ]
    crlf = made[0].replace("\n", "\r\n")  # read with cryptography, whose PEM is then its own, not this one
    pems = [*example_certificates(), *made, crlf]
    assert len(pems) > 20
    for pem in pems:
        cert = certs.from_pem(pem)
        value = certs.marshalled(cert, pem)
        assert len(value) == len(fields(Certificate)) + 1  # every field, the key as its type and its bits
        back = certs.from_marshalled(value, pem)
        assert back == cert
        assert [getattr(back, f.name) for f in fields(Certificate)] == [
            getattr(cert, f.name) for f in fields(Certificate)
        ]
    assert certs.from_pem(crlf).pem != crlf
    assert (
        certs.from_marshalled(certs.marshalled(certs.from_pem(crlf), crlf), crlf).pem
        == certs.from_pem(crlf).pem
    )


def test_a_snapshots_certificates_read_in_forked_processes_equal_those_read_one_by_one(
    two_cpus: None, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = plugin_manager.catalog()
    text = (EXAMPLES / "current-releases-snapshot.json").read_text(encoding="utf-8")
    processes = forked.processes
    monkeypatch.setattr(forked, "processes", lambda count, least: 1)
    alone = snapshot.loads(text, catalog)
    monkeypatch.setattr(forked, "processes", processes)
    monkeypatch.setattr(snapshot, "CERTIFICATES_A_PROCESS", 2)
    shared = snapshot.loads(text, catalog)
    assert len(forks) == 1
    assert shared == alone
    assert [n.endpoints for c in shared.clusters for n in c.nodes] == [
        n.endpoints for c in alone.clusters for n in c.nodes
    ]


def test_a_bad_certificate_in_a_childs_share_gives_the_error_of_a_snapshot_read_one_by_one(
    two_cpus: None, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = plugin_manager.catalog()
    data = json.loads((EXAMPLES / "current-releases-snapshot.json").read_text(encoding="utf-8"))
    last = list(data["certificates"])[-1]
    data["certificates"][last] = data["certificates"][last].replace("M", "A", 3)
    text = json.dumps(data)
    processes = forked.processes
    monkeypatch.setattr(forked, "processes", lambda count, least: 1)
    with pytest.raises(snapshot.SnapshotError) as alone:
        snapshot.loads(text, catalog)
    monkeypatch.setattr(forked, "processes", processes)
    monkeypatch.setattr(snapshot, "CERTIFICATES_A_PROCESS", 2)
    with pytest.raises(snapshot.SnapshotError) as shared:
        snapshot.loads(text, catalog)
    assert len(forks) == 1
    assert str(shared.value) == str(alone.value)
    assert f"certificates.{last}" in str(shared.value)


def test_a_json_report_encoded_in_forked_processes_is_the_one_written_alone(
    two_cpus: None, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    demo = report(demo_deployment())
    assert len(demo.findings) > 12
    json_report = sys.modules[plugin_manager.reporters()["json"].write.__module__]
    alone = io.StringIO()
    json_report.write(demo, alone)
    monkeypatch.setattr(json_report, "_BATCH", 3)  # batches of three findings, shared with a child
    shared = io.StringIO()
    json_report.write(demo, shared)
    assert len(forks) == 1
    assert shared.getvalue() == alone.getvalue()
    assert len(json.loads(shared.getvalue())["findings"]) == len(demo.findings)


# --- the rules of a large deployment --------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["demo-snapshot.json", "current-releases-snapshot.json", "journey-snapshot.json"]
)
def test_rules_shared_with_a_child_find_what_they_find_alone(
    name: str, two_cpus: None, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = plugin_manager.catalog()
    deployment = snapshot.read(EXAMPLES / name, catalog)
    alone = linting.lint(deployment, catalog, plugin_manager.rules())
    assert forks == []  # a small deployment: its rules in one process
    monkeypatch.setattr(linting, "REFERENCES_TO_SHARE_RULES", 0)
    shared = linting.lint(deployment, catalog, plugin_manager.rules())
    assert len(forks) == 1
    assert shared == alone
    assert [f.fingerprint for f in shared.findings] == [f.fingerprint for f in alone.findings]


def test_a_rule_that_crashes_in_the_child_is_a_finding_and_an_input_error_is_raised_by_the_parent(
    two_cpus: None, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    @rule("CC998", "crashes-anywhere", Severity.INFO)
    def crashes(ctx: Context) -> list[Finding]:
        """Crashes."""
        raise RuntimeError(f"boom in {'the parent' if os.getpid() == parent else 'a child'}")

    @rule("CC999", "refuses-in-the-parent", Severity.INFO)
    def refuses(ctx: Context) -> list[Finding]:
        """Refuses its input, as a rule reading a bad file would."""
        raise InputError("bad input" if os.getpid() == parent else "said by a child, never seen")

    parent = os.getpid()
    catalog = plugin_manager.catalog()
    deployment = snapshot.read(EXAMPLES / "demo-snapshot.json", catalog)
    monkeypatch.setattr(linting, "REFERENCES_TO_SHARE_RULES", 0)
    result = linting.lint(deployment, catalog, [*plugin_manager.rules(), crashes])
    assert len(forks) == 1
    crash = next(f for f in result.findings if f.rule == "CC998")
    assert crash.message == "rule CC998 (crashes-anywhere) crashed: RuntimeError: boom in a child"
    with pytest.raises(InputError, match=r"^bad input$"):
        linting.lint(deployment, catalog, [*plugin_manager.rules(), refuses])
    assert len(forks) == 2


def test_a_child_forks_no_children_of_its_own(two_cpus: None, forks: list[int]) -> None:
    def shares(item: int) -> tuple[int, int]:
        return forked.processes(1_000, 10), os.getpid()

    results = list_forked(shares, range(100), lambda r, _: list(r), lambda w, _: tuple(w), least=10)
    assert {count for count, pid in results if pid == os.getpid()} == {2}
    assert {count for count, pid in results if pid != os.getpid()} == {1}


@pytest.mark.parametrize(
    "name", ["demo-snapshot.json", "current-releases-snapshot.json", "journey-snapshot.json"]
)
def test_references_checked_in_a_child_come_back_as_the_parents_own_objects(
    name: str, two_cpus: None, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = plugin_manager.catalog()
    deployment = snapshot.read(EXAMPLES / name, catalog)
    alone = Context(deployment, catalog).checks
    assert forks == []
    monkeypatch.setattr(engine, "REFERENCES_A_PROCESS", 2)
    shared = Context(deployment, catalog).checks
    assert len(forks) == 1
    assert shared == alone
    assert any(t.match is not None for c in shared for t in c.targets)
    assert any(t.match is not None and not t.match.matched for c in shared for t in c.targets)
    for mine, theirs in zip(shared, alone, strict=True):
        for target, same in zip(mine.targets, theirs.targets, strict=True):
            assert target.node is same.node
            assert target.cluster is same.cluster
            assert target.endpoint is same.endpoint


def test_a_finding_marshal_cannot_write_is_found_again_by_the_parent(
    two_cpus: None, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    ran_in: list[int] = []

    @rule("CC999", "odd-evidence", Severity.INFO)
    def odd(ctx: Context) -> list[Finding]:
        """Puts an object into its evidence that marshal cannot write."""
        ran_in.append(os.getpid())
        return [Finding("odd", evidence=(("at", Path("/tmp")),))]  # type: ignore[arg-type]

    catalog = plugin_manager.catalog()
    deployment = snapshot.read(EXAMPLES / "demo-snapshot.json", catalog)
    alone = linting.lint(deployment, catalog, [*plugin_manager.rules(), odd])
    monkeypatch.setattr(linting, "REFERENCES_TO_SHARE_RULES", 0)
    ran_in.clear()
    shared = linting.lint(deployment, catalog, [*plugin_manager.rules(), odd])
    assert len(forks) == 1
    assert ran_in == [os.getpid()]  # in the parent only: the child's run of it could not be sent
    assert shared == alone
    assert next(f for f in shared.findings if f.rule == "CC999").evidence == (("at", Path("/tmp")),)  # type: ignore[comparison-overlap]


def test_findings_marshalled_come_back_equal() -> None:
    catalog = plugin_manager.catalog()
    made: list[Finding] = []
    for path in sorted(EXAMPLES.glob("*-snapshot.json")):
        made += linting.lint(snapshot.read(path, catalog), catalog, plugin_manager.rules()).findings
    assert any(f.fix and f.fix.renewals for f in made)
    assert any(f.fix and f.fix.dns for f in made)
    assert any(f.fix is None for f in made)
    assert len({f.severity for f in made}) == 3
    back = [findings.from_marshalled(findings.marshalled(f)) for f in made]
    assert back == made
    assert [f.fingerprint for f in back] == [f.fingerprint for f in made]


def test_confcheck_jobs_sets_the_processes_and_a_bad_value_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, forks: list[int]
) -> None:
    monkeypatch.setattr(forked, "single_threaded", lambda: True)
    monkeypatch.setattr(forked, "cpus", lambda: 2)
    monkeypatch.setenv("CONFCHECK_JOBS", "3")
    assert forked.processes(1_000, 100) == 3
    monkeypatch.setenv("CONFCHECK_JOBS", "1")
    assert forked.processes(1_000, 100) == 1
    assert {pid for _, pid in list_forked(where, range(500), lambda r, _: r, lambda w, _: w, least=10)} == {
        os.getpid()
    }
    assert forks == []
    for bad in ("0", "-2", "two", "1.5"):
        monkeypatch.setenv("CONFCHECK_JOBS", bad)
        with pytest.raises(ConfcheckError, match=f"^CONFCHECK_JOBS='{re.escape(bad)}': expected how many"):
            forked.processes(10, 100)  # refused even where nothing would be forked


def test_a_bad_confcheck_jobs_is_one_line_from_the_command_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "confcheck", "lint", str(EXAMPLES / "demo-snapshot.json")],
        env={**os.environ, "CONFCHECK_JOBS": "many"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "confcheck: error: CONFCHECK_JOBS='many': expected how many processes may share the work (1 or more)"
    ]


@pytest.mark.parametrize(
    ("cgroup", "files", "expected"),
    [
        ("0::/ci/job\n", {"ci/job/cpu.max": "150000 100000\n"}, 1),
        ("0::/ci/job\n", {"ci/job/cpu.max": "400000 100000\n"}, 4),
        ("0::/ci/job\n", {"ci/job/cpu.max": "max 100000\n"}, None),
        ("0::/\n", {"cpu.max": "200000 100000\n"}, 2),
        (
            "4:cpu,cpuacct:/docker/x\n",
            {"cpu/docker/x/cpu.cfs_quota_us": "300000\n", "cpu/docker/x/cpu.cfs_period_us": "100000\n"},
            3,
        ),
        (
            "4:cpu,cpuacct:/docker/x\n",
            {"cpu/docker/x/cpu.cfs_quota_us": "-1\n", "cpu/docker/x/cpu.cfs_period_us": "100000\n"},
            None,
        ),
        ("0::/ci/job\n", {}, None),
        ("0::/ci/job\n", {"ci/job/cpu.max": "garbage\n"}, None),
    ],
)
def test_a_containers_cpu_quota_caps_the_processes(
    cgroup: str, files: dict[str, str], expected: int | None, tmp_path: Path
) -> None:
    (tmp_path / "cgroup").write_text(cgroup)
    for name, text in files.items():
        (tmp_path / "fs" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "fs" / name).write_text(text)
    assert forked.quota(str(tmp_path / "cgroup"), str(tmp_path / "fs")) == expected
