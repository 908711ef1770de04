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
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import fields, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from helpers import cert, cluster, demo_deployment, deployment, node, report, tomcat, xmpp

from confcheck import certs, engine, findings, inputs, parallel, pki, plugin_manager, snapshot
from confcheck import lint as linting
from confcheck.certs import Certificate
from confcheck.engine import Context
from confcheck.errors import ConfcheckError, InputError
from confcheck.findings import Finding, Severity
from confcheck.model import Deployment, Endpoint
from confcheck.rule import rule

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SNAPSHOTS = ["demo-snapshot.json", "current-releases-snapshot.json", "journey-snapshot.json"]
"""Example snapshots of every kind of reference and finding: the demo's, current releases', Jabber's journey."""

pytestmark = [
    pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this system"),
    # the tests fork where confcheck would not (two_cpus): other tests leave threads running in this
    # process (the lab's servers, the transport's alarm thread), which the children never meet: they run
    # only the functions given here, on their own data, and write to their own pipe
    pytest.mark.filterwarnings("ignore:This process .* is multi-threaded, use of fork:DeprecationWarning"),
]


@pytest.fixture
def two_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on any machine of two CPUs or more, whatever this one has, in a process of one thread (the
    lab servers of other tests may run in threads of this one: the functions forked here take no lock)."""
    monkeypatch.setattr(parallel, "cpus", lambda: 2)
    monkeypatch.setattr(parallel, "may_fork", lambda: True)


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


@pytest.fixture
def child_first(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The parent claims work only once a child has claimed some (else a fast parent could claim all of
    it before a child runs); the marker file a child touches as it works is returned."""
    marker, parent, claimed = tmp_path / "a-child-claimed", os.getpid(), parallel._claimed

    def child_first(items: Any, starts: range, chunk: int, claims: int) -> Iterator[tuple[int, Any]]:
        if os.getpid() != parent:
            for claim in claimed(items, starts, chunk, claims):
                marker.touch()  # as it works on what it claimed
                yield claim
            return
        for _ in range(2_000):
            if marker.exists():
                break
            time.sleep(0.005)
        yield from claimed(items, starts, chunk, claims)

    monkeypatch.setattr(parallel, "_claimed", child_first)
    return marker


def mapped(*args: Any, **kwargs: Any) -> list[Any]:
    return list(parallel.map_forked(*args, **kwargs))


def where(item: int) -> tuple[int, int]:
    """The item's square, and the process that computed it."""
    return item * item, os.getpid()


def test_results_are_the_plain_loops_in_order_and_a_child_computed_some(
    two_cpus: None, forks: list[int], child_first: Path
) -> None:
    def slowly(item: int) -> tuple[int, int]:
        time.sleep(0.002)  # so that neither process claims every item before the other has claimed one
        return where(item)

    results = mapped(slowly, range(100), lambda r, _: list(r), lambda w, _: tuple(w), least=10)
    assert [square for square, _ in results] == [n * n for n in range(100)]
    assert len(forks) == 1
    assert {pid for _, pid in results} == {os.getpid(), forks[0]}


@pytest.mark.parametrize("bad", [(70, 90), (3, 90), (70, 4), (99,)])
def test_an_error_anywhere_is_raised_by_the_parent_at_the_first_bad_item(
    bad: tuple[int, ...], two_cpus: None, forks: list[int], child_first: Path
) -> None:
    def picky(item: int) -> int:
        if item in bad:
            raise ValueError(f"bad item {item}")
        return item

    with pytest.raises(ValueError, match=f"^bad item {min(bad)}$"):
        mapped(picky, range(100), lambda r, _: r, lambda w, _: w, least=10)
    assert len(forks) == 1  # and reaped: the fixture checks it


def test_the_parents_own_work_meanwhile_is_done_once_while_a_child_works(
    two_cpus: None, forks: list[int], child_first: Path
) -> None:
    done: list[tuple[int, bool]] = []

    def meanwhile() -> None:
        for _ in range(2_000):  # a child claims work while the parent is busy with its own
            if child_first.exists():
                break
            time.sleep(0.005)
        done.append((os.getpid(), child_first.exists()))

    def slowly(item: int) -> tuple[int, int]:
        time.sleep(0.002)
        return where(item)

    results = mapped(slowly, range(100), lambda r, _: list(r), lambda w, _: tuple(w), 10, 1, meanwhile)
    assert done == [(os.getpid(), True)]
    assert [square for square, _ in results] == [n * n for n in range(100)]
    assert forks[0] in {pid for _, pid in results}


@pytest.mark.parametrize("busy", [False, True], ids=["idle", "with work of its own"])
def test_a_parent_with_nothing_else_to_do_first_computes_the_first_chunk(
    busy: bool, two_cpus: None, forks: list[int], child_first: Path
) -> None:
    """The first chunk's results need not cross from a child (a lint's first family of rules, which finds
    most findings, runs where the report is written); a parent with work of its own leaves it to a child."""

    def slowly(item: int) -> tuple[int, int]:
        time.sleep(0.002)
        return where(item)

    for _ in range(3):
        forks.clear()
        meanwhile = (lambda: time.sleep(0.05)) if busy else None
        results = mapped(slowly, range(100), lambda r, _: list(r), lambda w, _: tuple(w), 10, 5, meanwhile)
        assert [square for square, _ in results] == [n * n for n in range(100)]
        first = {pid for _, pid in results[:5]}
        assert first == ({forks[0]} if busy else {os.getpid()})
        assert forks[0] in {pid for _, pid in results}


def test_without_children_the_parents_own_work_comes_first_and_what_it_raises_is_raised(
    two_cpus: None, forks: list[int]
) -> None:
    said: list[str] = []
    results = parallel.map_forked(
        lambda n: said.append(f"item {n}"),
        range(3),
        lambda r, _: r,
        lambda w, _: w,
        10,
        1,
        lambda: said.append("own"),
    )
    assert said == ["own"]  # the items are computed as they are asked for, after it
    list(results)
    assert said == ["own", "item 0", "item 1", "item 2"]

    def fails() -> None:
        raise ValueError("the parent's own work failed")

    with pytest.raises(ValueError, match=r"^the parent's own work failed$"):
        mapped(where, range(100), lambda r, _: list(r), lambda w, _: tuple(w), 10, 1, fails)
    assert len(forks) == 1  # forked, then ended and reaped: the fixture checks it


def test_an_interrupted_parent_ends_the_children(two_cpus: None, forks: list[int], child_first: Path) -> None:
    parent = os.getpid()

    def interrupted(item: int) -> int:
        if os.getpid() == parent and item > 0:
            raise KeyboardInterrupt
        time.sleep(0.01)
        return item

    with pytest.raises(KeyboardInterrupt):
        mapped(interrupted, range(100), lambda r, _: r, lambda w, _: w, least=10)
    assert len(forks) == 1  # ended and reaped while at work: the fixture checks it


def test_a_child_that_dies_leaves_its_chunks_to_the_parent(
    two_cpus: None, forks: list[int], child_first: Path
) -> None:
    parent = os.getpid()

    def fragile(item: int) -> int:
        if os.getpid() != parent:
            os._exit(3)  # as a child killed by the kernel would end, without sending anything
        return item + 1

    assert mapped(fragile, range(100), lambda r, _: r, lambda w, _: w, least=10) == [
        n + 1 for n in range(100)
    ]
    assert child_first.exists()  # the child had claimed a chunk
    assert len(forks) == 1


def test_what_a_child_sent_before_it_died_is_used_and_the_rest_is_computed_by_the_parent(
    two_cpus: None, forks: list[int], child_first: Path
) -> None:
    parent = os.getpid()

    def fragile(item: int) -> tuple[int, int]:
        time.sleep(0.002)  # so that both processes take items before the child dies
        if os.getpid() != parent and item >= 50:
            os._exit(3)  # killed midway: each chunk it finished before was written as it was done
        return where(item)

    results = mapped(fragile, range(100), lambda r, _: list(r), lambda w, _: tuple(w), least=10)
    assert [square for square, _ in results] == [n * n for n in range(100)]
    by_child = [n for n, (_, pid) in enumerate(results) if pid != parent]
    assert by_child  # what it sent before it died, not computed again
    assert all(n < 50 for n in by_child)
    assert len(forks) == 1


def test_a_process_slower_than_the_others_takes_fewer_chunks(
    two_cpus: None, forks: list[int], child_first: Path
) -> None:
    parent = os.getpid()

    def slow_child(item: int) -> tuple[int, int]:
        if os.getpid() != parent:
            time.sleep(0.02)
        return where(item)

    results = mapped(slow_child, range(200), lambda r, _: list(r), lambda w, _: tuple(w), least=10)
    by_child = sum(1 for _, pid in results if pid != os.getpid())
    assert 1 <= by_child < 100


def test_no_fork_for_few_items_with_one_cpu_or_with_another_thread_alive(
    monkeypatch: pytest.MonkeyPatch, forks: list[int]
) -> None:
    may_fork = parallel.may_fork
    monkeypatch.setattr(parallel, "cpus", lambda: 4)
    monkeypatch.setattr(parallel, "may_fork", lambda: True)
    assert parallel.processes(1_000, 100) == 4
    assert parallel.processes(150, 100) == 1  # not two shares' worth
    monkeypatch.setattr(parallel, "cpus", lambda: 1)
    assert parallel.processes(1_000, 100) == 1
    monkeypatch.setattr(parallel, "cpus", lambda: 4)
    monkeypatch.setattr(parallel, "may_fork", may_fork)  # as it is: one more thread starts here
    stop = threading.Event()
    waiting = threading.Thread(target=stop.wait)
    waiting.start()
    try:
        assert not parallel.may_fork()
        assert parallel.processes(1_000, 100) == 1
        results = mapped(where, range(500), lambda r, _: r, lambda w, _: w, least=10)
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


LAYOUTS: dict[str, Callable[[Any], str]] = {
    "as written": lambda data: json.dumps(data, indent=1, ensure_ascii=False) + "\n",
    "compact": json.dumps,
}
"""A snapshot's text as confcheck writes it (its certificates are found and read while the whole text is
decoded) and as another tool may (decoded first)."""


@pytest.fixture
def forks_before_decoding(forks: list[int], monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many children had been forked each time a snapshot's whole text began to be decoded (whole, or
    all but the certificates found before: see snapshot._decoded)."""
    counted: list[int] = []
    parse_json, decoded = inputs.parse_json, snapshot._decoded
    inside: list[bool] = []

    def counting(*args: Any, **kwargs: Any) -> Any:
        if not inside:  # _decoded's own fallback to the whole text is the same decoding
            counted.append(len(forks))
        return parse_json(*args, **kwargs)

    def counting_parts(*args: Any) -> Any:
        counted.append(len(forks))
        inside.append(True)
        try:
            return decoded(*args)
        finally:
            inside.pop()

    monkeypatch.setattr(inputs, "parse_json", counting)
    monkeypatch.setattr(snapshot, "_decoded", counting_parts)
    return counted


def loaded_alone_and_shared(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    """``snapshot.loads(text)`` in one process, then with its certificates shared (two make a process's
    share, one a chunk): each the deployment, or the message of the error it raised."""

    def load() -> Any:
        try:
            return snapshot.loads(text, plugin_manager.catalog())
        except snapshot.SnapshotError as exc:
            return str(exc)

    processes = parallel.processes
    monkeypatch.setattr(parallel, "processes", lambda count, least: 1)
    alone = load()
    monkeypatch.setattr(parallel, "processes", processes)
    monkeypatch.setattr(snapshot, "CERTIFICATES_A_PROCESS", 2)
    monkeypatch.setattr(snapshot, "CERTIFICATES_A_CHUNK", 1)
    return alone, load()


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.usefixtures("two_cpus", "child_first")
def test_a_snapshots_certificates_read_in_forked_processes_equal_those_read_one_by_one(
    layout: str, forks: list[int], forks_before_decoding: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = json.loads((EXAMPLES / "current-releases-snapshot.json").read_text(encoding="utf-8"))
    alone, shared = loaded_alone_and_shared(LAYOUTS[layout](data), monkeypatch)
    assert len(forks) == 1
    assert forks_before_decoding == [0, 1 if layout == "as written" else 0]
    assert isinstance(shared, Deployment)
    assert shared == alone
    assert [n.endpoints for c in shared.clusters for n in c.nodes] == [
        n.endpoints for c in alone.clusters for n in c.nodes
    ]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.usefixtures("two_cpus", "child_first")
def test_a_bad_certificate_in_a_childs_share_gives_the_error_of_a_snapshot_read_one_by_one(
    layout: str, forks: list[int], forks_before_decoding: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = json.loads((EXAMPLES / "current-releases-snapshot.json").read_text(encoding="utf-8"))
    last = list(data["certificates"])[-1]
    data["certificates"][last] = data["certificates"][last].replace("M", "A", 3)
    alone, shared = loaded_alone_and_shared(LAYOUTS[layout](data), monkeypatch)
    assert len(forks) == 1
    assert forks_before_decoding == [0, 1 if layout == "as written" else 0]
    assert shared == alone
    assert f"certificates.{last}" in shared


@pytest.mark.usefixtures("two_cpus")
def test_a_snapshot_as_written_is_decoded_once_its_certificates_apart(
    forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The certificates found where confcheck writes them are not decoded again with the rest of the text:
    the text before them is decoded alone, and the deployment is the one decoding the whole text gives."""
    data = json.loads((EXAMPLES / "current-releases-snapshot.json").read_text(encoding="utf-8"))
    whole: list[str] = []
    parse_json = inputs.parse_json

    def counting(text: str, *args: Any, **kwargs: Any) -> Any:
        whole.append(text)
        return parse_json(text, *args, **kwargs)

    monkeypatch.setattr(inputs, "parse_json", counting)
    alone, shared = loaded_alone_and_shared(LAYOUTS["as written"](data), monkeypatch)
    assert (len(whole), len(forks)) == (1, 1)  # alone: the whole text; shared: all but the certificates
    assert isinstance(shared, Deployment)
    assert shared == alone


def _edited(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


EDITS: dict[str, Callable[[str], str]] = {
    "certificates twice": lambda t: _edited(t, '"schema_version"', '"certificates": {}, "schema_version"'),
    "nothing before them": lambda t: "{," + t[t.index('\n "certificates": {') :],
    "a key after them": lambda t: t[: t.rindex("}")] + ', "more": 1}\n',
    "not JSON before them": lambda t: _edited(
        t,
        '"clusters": [',
        '"clusters": [[',
    ),
    "a comma too many before them": lambda t: _edited(t, ',\n "certificates": {', ',,\n "certificates": {'),
    "the root closed before them": lambda t: _edited(t, ',\n "certificates": {', '}\n "certificates": {'),
    "a key twice among them": lambda t: _edited(
        t, '"certificates": {', '"certificates": {"a": "b", "a": "b", '
    ),
    "NaN before them": lambda t: _edited(t, '"schema_version": 2', '"schema_version": NaN'),
    "a second root": lambda t: t + "{}",
}
"""Texts laid out almost as confcheck writes them, in ways that decoding the text before the certificates
alone must not hide or change."""


@pytest.mark.parametrize("edit", EDITS)
@pytest.mark.usefixtures("two_cpus")
def test_a_snapshot_almost_as_written_gives_what_decoding_it_whole_gives(
    edit: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = json.loads((EXAMPLES / "current-releases-snapshot.json").read_text(encoding="utf-8"))
    alone, shared = loaded_alone_and_shared(EDITS[edit](LAYOUTS["as written"](data)), monkeypatch)
    assert shared == alone
    if edit != "a key after them":
        assert isinstance(alone, str)  # refused, with the same message


def test_certificates_read_ahead_wait_for_the_errors_the_whole_text_and_its_root_give_first(
    two_cpus: None, forks: list[int], forks_before_decoding: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read while the text is decoded, a bad certificate is still refused after what decoding and the
    root's checks refuse, as when the text is decoded first."""
    monkeypatch.setattr(snapshot, "CERTIFICATES_A_PROCESS", 2)
    monkeypatch.setattr(snapshot, "CERTIFICATES_A_CHUNK", 1)
    catalog = plugin_manager.catalog()
    data = json.loads((EXAMPLES / "current-releases-snapshot.json").read_text(encoding="utf-8"))
    first = next(iter(data["certificates"]))
    data["certificates"][first] = "not a certificate"
    written = LAYOUTS["as written"]
    said = []
    for text in (
        written(data).replace('"clusters": [', '"clusters": [[', 1),  # not JSON
        written(dict(data, schema_version=99)),
        written(dict(data, tool={"name": 7})),
        written(data),
    ):
        with pytest.raises(snapshot.SnapshotError) as refused:
            snapshot.loads(text, catalog, "s.json")
        said.append(str(refused.value).split(":")[1].strip())
    assert [s.split(" (")[0] for s in said] == [
        "not JSON",
        "schema_version",
        "tool.name",
        f"certificates.{first}",
    ]
    assert forks_before_decoding == [1, 2, 3, 4]  # each text decoded once its child was at work


def test_one_process_does_not_look_for_the_certificates_to_read_ahead(
    two_cpus: None, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With one process to read them (one CPU, ``CONFCHECK_JOBS=1``) a large snapshot's certificates are
    not first found and decoded alone, for children there will not be: the text is decoded once."""
    monkeypatch.setattr(snapshot, "CERTIFICATES_A_PROCESS", 2)
    monkeypatch.setattr(snapshot, "CERTIFICATES_A_CHUNK", 1)
    looked: list[int] = []

    class Looking(json.JSONDecoder):
        def raw_decode(self, s: str, idx: int = 0) -> tuple[Any, int]:
            if idx:  # a look inside the text (decoding a text from its start is not one)
                looked.append(idx)
            return super().raw_decode(s, idx)

    monkeypatch.setattr(inputs, "STRICT", Looking())
    data = json.loads((EXAMPLES / "current-releases-snapshot.json").read_text(encoding="utf-8"))
    text = LAYOUTS["as written"](data)
    shared = snapshot.loads(text, plugin_manager.catalog())
    assert (len(looked), len(forks)) == (1, 1)
    monkeypatch.setenv(parallel.JOBS, "1")
    assert snapshot.loads(text, plugin_manager.catalog()) == shared
    assert (len(looked), len(forks)) == (1, 1)


def test_certificates_found_where_the_snapshot_holds_others_are_read_again_from_the_whole_text(
    two_cpus: None, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by where confcheck writes them, the certificates are a guess: when the whole text holds
    others (another tool's layout, an edit), the guess's certificates and errors count for nothing."""
    catalog = plugin_manager.catalog()
    data = json.loads((EXAMPLES / "current-releases-snapshot.json").read_text(encoding="utf-8"))
    text = LAYOUTS["as written"](data)
    alone, _ = loaded_alone_and_shared(text, monkeypatch)
    pems = data["certificates"]
    keys = list(pems)
    guesses = {
        "one changed": {**pems, keys[0]: "not a certificate"},
        "one more": {**pems, "0" * 64: pems[keys[0]]},
        "one fewer": {k: pems[k] for k in keys[1:]},
        "in another order": {k: pems[k] for k in reversed(keys)},
    }
    for name, guess in guesses.items():
        monkeypatch.setattr(
            snapshot, "_stored_certificates", lambda text, guess=guess: snapshot._Found(guess, None)
        )
        assert snapshot.loads(text, catalog) == alone, name
    assert len(forks) == 1 + 2 * len(guesses)  # read ahead, then again
    first, last = keys[0], keys[-1]
    bad = {**pems, first: "not a certificate", last: "not one either"}
    monkeypatch.setattr(
        snapshot, "_stored_certificates", lambda text: snapshot._Found(dict(reversed(bad.items())), None)
    )
    with pytest.raises(snapshot.SnapshotError, match=f"certificates.{first}: "):
        snapshot.loads(LAYOUTS["as written"](dict(data, certificates=bad)), catalog)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.usefixtures("two_cpus", "child_first")
def test_the_callers_work_meanwhile_has_the_servers_while_a_child_reads_the_certificates(
    layout: str, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The work a loader's caller does meanwhile (the lint prepares its checks there) is given the very
    servers and DNS records of the deployment loaded, once, while a child reads the certificates; never
    when the servers cannot be read."""
    monkeypatch.setattr(snapshot, "CERTIFICATES_A_PROCESS", 2)
    monkeypatch.setattr(snapshot, "CERTIFICATES_A_CHUNK", 1)
    catalog = plugin_manager.catalog()
    data = json.loads((EXAMPLES / "current-releases-snapshot.json").read_text(encoding="utf-8"))
    seen: list[tuple[Deployment, int]] = []
    loaded = snapshot.loads(
        LAYOUTS[layout](data), catalog, meanwhile=lambda d, _: seen.append((d, len(forks)))
    )
    [(given, forked)] = seen
    assert forked == 1
    assert given.clusters is loaded.clusters
    assert given.externals is loaded.externals
    assert given.dns is loaded.dns
    seen.clear()
    data["clusters"][-1]["product"] = "pbx"
    with pytest.raises(snapshot.SnapshotError, match=r"\.product"):
        snapshot.loads(LAYOUTS[layout](data), catalog, meanwhile=lambda d, _: seen.append((d, len(forks))))
    assert seen == []


@pytest.mark.parametrize("shared", [False, True], ids=["alone", "shared"])
def test_a_snapshot_wrong_in_several_places_is_refused_for_the_first_in_its_order(
    shared: bool, two_cpus: None, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The servers are built while the certificates are read (see snapshot.from_dict): the error is still
    the first in the snapshot's order, the certificates' before the clusters', the DNS records', ..."""
    if shared:
        monkeypatch.setattr(snapshot, "CERTIFICATES_A_PROCESS", 2)
        monkeypatch.setattr(snapshot, "CERTIFICATES_A_CHUNK", 1)
    else:
        monkeypatch.setattr(parallel, "processes", lambda count, least: 1)
    catalog = plugin_manager.catalog()
    data = json.loads((EXAMPLES / "current-releases-snapshot.json").read_text(encoding="utf-8"))
    first, pem = next(iter(data["certificates"].items()))
    data["certificates"][first] = "not a certificate"
    product, data["clusters"][-1]["product"] = data["clusters"][-1]["product"], "pbx"
    data["dns"] = [{"name": "cucm1.example.com", "kind": "A"}]
    data["problems"] = [{"kind": "timeout"}]
    said = []
    mends: list[Callable[[], None]] = [
        lambda: data["certificates"].update({first: pem}),
        lambda: data["clusters"][-1].update(product=product),
        lambda: data.update(dns=[]),
        lambda: data.update(problems=[]),
    ]
    for mend in mends:
        with pytest.raises(snapshot.SnapshotError) as refused:
            snapshot.loads(json.dumps(data), catalog)
        said.append(str(refused.value).split(": ")[1])  # "snapshot: PATH: what is wrong"
        mend()
    snapshot.loads(json.dumps(data), catalog)  # mended
    assert said == [
        f"certificates.{first}",
        f"clusters[{len(data['clusters']) - 1}].product",
        "dns[0].type",
        "problems[0].message",
    ]
    assert len(forks) == (5 if shared else 0)  # one for each read


def test_a_json_report_encoded_in_forked_processes_is_the_one_written_alone(
    two_cpus: None, forks: list[int], child_first: Path, monkeypatch: pytest.MonkeyPatch
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


@pytest.mark.parametrize("name", SNAPSHOTS)
def test_rules_shared_with_a_child_find_what_they_find_alone(
    name: str, two_cpus: None, forks: list[int], child_first: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = plugin_manager.catalog()
    loaded = snapshot.read(EXAMPLES / name, catalog)
    alone = linting.lint(loaded, catalog, plugin_manager.rules())
    assert forks == []  # a small deployment: its rules in one process
    monkeypatch.setattr(linting, "REFERENCES_TO_SHARE_RULES", 0)
    shared = linting.lint(loaded, catalog, plugin_manager.rules())
    assert len(forks) == 1
    assert shared == alone
    assert [f.fingerprint for f in shared.findings] == [f.fingerprint for f in alone.findings]


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_verifiers_words_asked_in_forked_processes_are_those_asked_alone(
    jobs: int, two_cpus: None, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """CC401 shows what cryptography's verifier says of each chain it reports: asked where each chain is
    judged, on every CPU (trust.judge_all), the findings are those of the words asked one by one in the
    rule.
    The benchmarks' sites, whose CA the store lacks: no chain can reach it, so each verdict's words wait
    to be asked."""
    from confcheck.rules import trust

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    try:
        from lint_scale import build
    finally:
        sys.path.pop(0)
    sites = build(4)
    store = certs.read(EXAMPLES / "certificates-trust.pem")
    options = engine.CheckOptions(trust_store=store)
    catalog = plugin_manager.catalog()
    rules = [r for r in plugin_manager.rules() if r.code.startswith("CC4")]
    alone = linting.lint(sites, catalog, [replace(r, prepare=None) for r in rules], options)
    assert forks == []
    monkeypatch.setattr(trust, "CHAINS_A_PROCESS", 1)
    monkeypatch.setattr(parallel, "cpus", lambda: jobs)
    shared = linting.lint(sites, catalog, rules, options)
    assert len(forks) == jobs - 1  # the preparation's only: the deployment is too small for the rest
    words = [dict(f.evidence)["verifier"] for f in alone.findings if f.rule == "CC401"]
    assert len(words) >= 40
    assert all(w.startswith("cryptography, ") for w in words)
    assert shared == alone
    assert [dict(f.evidence) for f in shared.findings] == [dict(f.evidence) for f in alone.findings]


def varied_chains() -> tuple[Deployment, tuple[Certificate, ...]]:
    """Five nodes of one cluster, each presenting another kind of chain to a store of one root: trusted,
    pinned (a self-signed leaf in the store), of another root (the store cannot be reached), an expired
    leaf, and a leaf sent without its intermediate (met elsewhere)."""
    from helpers import issuing, other_root, parse, root

    names = [f"cucm{n}.example.com" for n in range(1, 6)]
    outsider = pki.ca("Outside Issuing CA", issuer=other_root())
    pinned = pki.server(names[1], dns=[names[1]])
    past = datetime.now(timezone.utc) - timedelta(days=800)
    chains = [
        (pki.server(names[0], dns=[names[0]], issuer=issuing()), issuing()),
        (pinned,),
        (pki.server(names[2], dns=[names[2]], issuer=outsider), outsider),
        (pki.server(names[3], dns=[names[3]], issuer=issuing(), not_before=past, days=730), issuing()),
        (pki.server(names[4], dns=[names[4]], issuer=issuing()),),
    ]
    nodes = [
        node(
            f"cucm{n}.example.com",
            Endpoint("tomcat", "https", f"cucm{n}.example.com", 8443, chain=tuple(parse(c) for c in chain)),
            hostname=f"cucm{n}",
            domain="example.com",
        )
        for n, chain in enumerate(chains, start=1)
    ]
    return deployment(cluster("cucm", "cucm", "9.1.2.10000-28", nodes)), (parse(root()), parse(pinned))


def test_chains_judged_in_forked_processes_are_judged_as_alone(
    two_cpus: None, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from confcheck.rules import trust

    sites, store = varied_chains()
    options = engine.CheckOptions(trust_store=store)
    catalog = plugin_manager.catalog()
    rules = [r for r in plugin_manager.rules() if r.code.startswith("CC4")]
    processes = parallel.processes
    monkeypatch.setattr(parallel, "processes", lambda count, least: 1)
    alone_ctx = Context(sites, catalog, options)
    alone = [m.verdict for m in trust._assess_all(alone_ctx)]
    found_alone = linting.lint(sites, catalog, rules, options)
    monkeypatch.setattr(parallel, "processes", processes)
    monkeypatch.setattr(trust, "CHAINS_A_PROCESS", 1)
    monkeypatch.setattr(trust, "CHAINS_A_CHUNK", 1)
    shared = [m.verdict for m in trust._assess_all(Context(sites, catalog, options))]
    assert len(forks) == 1
    assert [(v.trusted, v.pinned) for v in alone] == [
        (True, False),
        (True, True),
        (False, False),
        (False, False),
        (False, False),
    ]
    assert [(v.trusted, v.pinned, v.gaps, v.path, v.verifier) for v in shared] == [
        (v.trusted, v.pinned, v.gaps, v.path, v.verifier) for v in alone
    ]
    assert linting.lint(sites, catalog, rules, options) == found_alone


def test_chains_judged_by_each_platform_in_forked_processes_are_judged_as_alone(
    two_cpus: None, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """CC403 judges each chain by every platform's store (rules.journey._judge_platforms): shared with a
    child, the verdicts and the findings are those of one process. The stores: Windows holds the root,
    and the self-signed leaf in Enterprise Trust; macOS only the root; iOS nothing."""
    from helpers import parse, root

    from confcheck.rules import journey, trust

    sites, store = varied_chains()
    stores = (
        ("windows", (parse(root()),)),
        ("windows_enterprise", store[1:]),
        ("macos", store[:1]),
        ("ios", ()),
    )
    options = engine.CheckOptions(platform_stores=stores)
    catalog = plugin_manager.catalog()
    rules = [r for r in plugin_manager.rules() if r.code.startswith("CC4")]
    processes = parallel.processes
    monkeypatch.setattr(parallel, "processes", lambda count, least: 1)
    alone = journey._judge_platforms(Context(sites, catalog, options))
    found_alone = linting.lint(sites, catalog, rules, options)
    monkeypatch.setattr(parallel, "processes", processes)
    monkeypatch.setattr(trust, "CHAINS_A_PROCESS", 1)
    monkeypatch.setattr(trust, "CHAINS_A_CHUNK", 1)
    shared = journey._judge_platforms(Context(sites, catalog, options))
    assert len(forks) == 1

    def seen(judged: list[journey.Judged]) -> list[tuple[str, list[tuple[str, bool, bool, Any, str]]]]:
        return [
            (n.name, [(key, v.trusted, v.pinned, v.gaps, v.path) for key, v in verdicts])
            for _, n, _, verdicts in judged
        ]

    assert seen(shared) == seen(alone)
    assert [[(key, v.trusted) for key, v in verdicts] for *_, verdicts in alone] == [
        [("windows", True), ("macos", True), ("ios", False)],
        [("windows", True), ("macos", False), ("ios", False)],  # pinned in Enterprise Trust
        [("windows", False), ("macos", False), ("ios", False)],  # another root
        [("windows", False), ("macos", False), ("ios", False)],  # expired
        [("windows", False), ("macos", False), ("ios", False)],  # the intermediate not sent
    ]
    shared_found = linting.lint(sites, catalog, rules, options)
    assert len(forks) == 2
    assert [f.rule for f in shared_found.findings].count("CC403") == 5
    assert shared_found == found_alone


def test_a_verdict_whose_words_are_not_shown_keeps_them_to_be_asked_when_read() -> None:
    """A chain the store cannot reach whose only gap CC401 leaves to CC301: its words cross unasked,
    and the parent asks the verifier of the whole store for them when they are read."""
    from confcheck.rules import trust

    sites, store = varied_chains()
    chain = sites.clusters[0].nodes[2].endpoints[0].chain  # of another root
    verifier = trust.Verifier(datetime.now(timezone.utc))
    gap = trust.Gap("expired", "it expired", "leaf", "cucm3.example.com", sent=True)
    unasked = trust.Verdict(False, False, (gap,), "the path", trust.Said(lambda: "never asked"))
    wire = trust._Wire(verifier)
    value = wire.sent((unasked,), (chain, (store,)))
    assert value == ((False, False, (trust._GAP_VALUES(gap),), "the path", None),)
    assert not unasked.said.asked  # type: ignore[union-attr]
    (received,) = wire.received(value, (chain, (store,)))
    assert received.gaps == (gap,)
    assert isinstance(received.said, trust.Said)
    assert not received.said.asked
    assert received.verifier == verifier.words(chain, store, tuple(c.sha256 for c in store))


def test_the_verifiers_words_are_asked_where_judged_only_for_the_rule_that_shows_them() -> None:
    """CC401 shows the verifier's words of every chain it reports: asked where the chain is judged, and
    sent with its verdict. CC403 never shows them: a chain it reports is judged without them (about 1 ms
    of the verifier each, for thousands of chains), and its verdicts cross with the words unasked, each
    rebuilt to ask them of the store it was judged by."""
    from confcheck.rules import trust

    sites, store = varied_chains()
    chain = sites.clusters[0].nodes[2].endpoints[0].chain  # of another root: reported
    other = store[:1]
    verifier = trust.Verifier(datetime.now(timezone.utc))
    judge = trust.Verdicts(verifier.now, verifier=verifier)
    wire = trust._Wire(verifier)
    for words in (False, True):
        verdicts = trust._judged(judge, words, (chain, (store, other)))
        assert [v.trusted for v in verdicts] == [False, False]
        assert [isinstance(v.said, trust.Said) and v.said.asked for v in verdicts] == [words, words]
        value = wire.sent(verdicts, (chain, (store, other)))
        shown = [verifier.words(chain, s, tuple(c.sha256 for c in s)) for s in (store, other)]
        assert [v[4] for v in value] == (shown if words else [None, None])
        received = wire.received(value, (chain, (store, other)))
        assert [isinstance(v.said, trust.Said) for v in received] == [not words, not words]
        assert [v.verifier for v in received] == shown


def test_a_rules_preparation_runs_once_before_any_check_and_its_fault_is_the_checks_to_meet() -> None:
    said: list[str] = []

    def prepare(ctx: Context) -> None:
        said.append("prepared")
        raise RuntimeError("the preparation failed")

    @rule("CC991", "prepared-one", Severity.INFO, prepare=prepare)
    def first(ctx: Context) -> list[Finding]:
        said.append("first")
        return [Finding("first ran")]

    @rule("CC992", "prepared-two", Severity.INFO, prepare=prepare)
    def second(ctx: Context) -> list[Finding]:
        said.append("second")
        return [Finding("second ran")]

    found = linting.lint(demo_deployment(), plugin_manager.catalog(), [first, second])
    assert said == ["prepared", "first", "second"]  # one preparation for both, before either check
    assert [f.message for f in found.findings] == ["first ran", "second ran"]  # no crash reported


def test_a_rule_that_crashes_in_any_process_is_a_finding_and_an_input_error_is_raised_by_the_parent(
    two_cpus: None, forks: list[int], child_first: Path, monkeypatch: pytest.MonkeyPatch
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
    loaded = snapshot.read(EXAMPLES / "demo-snapshot.json", catalog)
    monkeypatch.setattr(linting, "REFERENCES_TO_SHARE_RULES", 0)
    result = linting.lint(loaded, catalog, [*plugin_manager.rules(), crashes])
    assert len(forks) == 1
    crash = next(f for f in result.findings if f.rule == "CC998")
    assert crash.message.startswith("rule CC998 (crashes-anywhere) crashed: RuntimeError: boom in ")
    with pytest.raises(InputError, match=r"^bad input$"):
        linting.lint(loaded, catalog, [*plugin_manager.rules(), refuses])
    assert len(forks) == 2


def test_a_child_forks_no_children_of_its_own(two_cpus: None, forks: list[int], child_first: Path) -> None:
    def shares(item: int) -> tuple[int, int]:
        return parallel.processes(1_000, 10), os.getpid()

    results = mapped(shares, range(100), lambda r, _: list(r), lambda w, _: tuple(w), least=10)
    assert all(count == (2 if pid == os.getpid() else 1) for count, pid in results)
    assert any(pid != os.getpid() for _, pid in results)


@pytest.mark.parametrize("name", SNAPSHOTS)
def test_references_checked_in_a_child_come_back_as_the_parents_own_objects(
    name: str, two_cpus: None, forks: list[int], child_first: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = plugin_manager.catalog()
    loaded = snapshot.read(EXAMPLES / name, catalog)
    alone = Context(loaded, catalog).checks
    assert forks == []
    monkeypatch.setattr(engine, "REFERENCES_A_PROCESS", 2)
    monkeypatch.setattr(engine, "REFERENCES_A_CHUNK", 1)
    shared = Context(loaded, catalog).checks
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
    two_cpus: None, forks: list[int], child_first: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran_in: list[int] = []

    @rule("CC999", "odd-evidence", Severity.INFO)
    def odd(ctx: Context) -> list[Finding]:
        """Puts an object into its evidence that marshal cannot write."""
        ran_in.append(os.getpid())
        return [Finding("odd", evidence=(("at", Path("/tmp")),))]  # type: ignore[arg-type]

    catalog = plugin_manager.catalog()
    loaded = snapshot.read(EXAMPLES / "demo-snapshot.json", catalog)
    alone = linting.lint(loaded, catalog, [*plugin_manager.rules(), odd])
    monkeypatch.setattr(linting, "REFERENCES_TO_SHARE_RULES", 0)
    ran_in.clear()
    shared = linting.lint(loaded, catalog, [*plugin_manager.rules(), odd])
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
    monkeypatch.setattr(parallel, "may_fork", lambda: True)
    monkeypatch.setattr(parallel, "cpus", lambda: 2)
    monkeypatch.setenv("CONFCHECK_JOBS", "3")
    assert parallel.processes(1_000, 100) == 3
    monkeypatch.setenv("CONFCHECK_JOBS", "1")
    assert parallel.processes(1_000, 100) == 1
    assert {pid for _, pid in mapped(where, range(500), lambda r, _: r, lambda w, _: w, least=10)} == {
        os.getpid()
    }
    assert forks == []
    for bad in ("0", "-2", "two", "1.5"):
        monkeypatch.setenv("CONFCHECK_JOBS", bad)
        with pytest.raises(ConfcheckError, match=f"^CONFCHECK_JOBS='{re.escape(bad)}': expected how many"):
            parallel.processes(10, 100)  # refused even where nothing would be forked


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
    assert parallel.quota(str(tmp_path / "cgroup"), str(tmp_path / "fs")) == expected


def test_the_warnings_of_a_childs_chunks_are_said_by_the_parent_each_once(
    two_cpus: None, forks: list[int], child_first: Path
) -> None:
    def odd(item: int) -> int:
        warnings.warn(f"odd item {item}", UserWarning, stacklevel=1)
        return item

    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        assert mapped(odd, range(100), lambda r, _: r, lambda w, _: w, least=10) == list(range(100))
    assert child_first.exists()  # a child computed some, and its warnings were not lost on its stderr
    odd_items = [str(w.message) for w in said if w.category is UserWarning]  # not Python's own about fork
    assert sorted(odd_items) == sorted(f"odd item {n}" for n in range(100))
    assert len(forks) == 1


def test_what_a_childs_chunks_print_is_printed_by_the_parent_each_once(
    two_cpus: None, forks: list[int], child_first: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A third-party rule that prints (say, to debug): its lines are not lost in a child."""

    def loud(item: int) -> int:
        if item % 10 == 0:
            print(f"item {item}")
            print(f"item {item} to stderr", file=sys.stderr)
        return item

    assert mapped(loud, range(100), lambda r, _: r, lambda w, _: w, least=10) == list(range(100))
    assert child_first.exists()  # a child computed some
    printed = capsys.readouterr()
    assert sorted(printed.out.splitlines()) == sorted(f"item {n}" for n in range(0, 100, 10))
    assert sorted(printed.err.splitlines()) == sorted(f"item {n} to stderr" for n in range(0, 100, 10))
    assert len(forks) == 1


def test_a_large_lint_whose_work_is_shared_writes_the_report_of_one_process(tmp_path: Path) -> None:
    """A whole ``confcheck lint`` of 1,800 clusters (every stage shared: certificates, references, rules,
    the JSON report), in two processes and in one: the same bytes, the same exit code; and the same bytes
    to standard output (encoded where each batch is made, written as bytes) as to a file (written as text)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    try:
        from lint_scale import build
    finally:
        sys.path.pop(0)
    path = tmp_path / "large.json"
    snapshot.write(build(600), path)
    outputs = []
    for jobs in ("2", "1"):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "confcheck",
                "lint",
                str(path),
                "--format",
                "json",
                "-o",
                f"json={tmp_path / jobs}.json",
            ],
            env={**os.environ, "CONFCHECK_JOBS": jobs},
            capture_output=True,
            check=False,
        )
        assert done.stderr == f"confcheck: wrote the json report to {tmp_path / jobs}.json\n".encode()
        assert (tmp_path / f"{jobs}.json").read_bytes() == done.stdout
        outputs.append((done.returncode, done.stdout))
    assert outputs[0] == outputs[1]
    assert outputs[0][0] == 1
    report = json.loads(outputs[0][1])
    assert report["summary"]["clusters"] == 1_800
    assert report["summary"]["findings"] >= 4 * 1_000  # enough batches for the JSON report to be shared


def test_an_endpoint_held_by_two_nodes_at_two_places_is_checked_as_in_one_process(
    two_cpus: None, forks: list[int], child_first: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deployment built in memory may hold one object at two places (a snapshot never does): a check
    that names it cannot be sent as a place, and the parent makes it itself."""
    shared = tomcat("cucm1.example.com", cert("cucm1.example.com", dns=["cucm1.example.com"]))
    chat = xmpp("cucm1.example.com", cert("cucm1.example.com", dns=["cucm1.example.com"]), "example.com")
    nodes = [
        node("cucm1.example.com", chat, shared),  # the shared endpoint second here, where it is checked...
        node("cucm2.example.com", shared),  # ...and first here, numbered last
    ]
    built = deployment(cluster("a", "cucm", "9.1", nodes))
    catalog = plugin_manager.catalog()
    alone = Context(built, catalog).checks
    monkeypatch.setattr(engine, "REFERENCES_A_PROCESS", 1)
    monkeypatch.setattr(engine, "REFERENCES_A_CHUNK", 1)
    mixed = Context(built, catalog).checks
    assert len(forks) == 1
    assert mixed == alone
    for mine, theirs in zip(mixed, alone, strict=True):
        assert [t.endpoint is u.endpoint for t, u in zip(mine.targets, theirs.targets, strict=True)] == [
            True
        ] * len(theirs.targets)
    assert any(t.endpoint is shared for c in mixed for t in c.targets)


def test_a_fork_refused_leaves_the_work_to_the_processes_there_are(
    two_cpus: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")  # as fork says at a process limit

    monkeypatch.setattr(os, "fork", refused)
    before = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else 0
    assert mapped(where, range(100), lambda r, _: r, lambda w, _: w, least=10) == [
        (n * n, os.getpid()) for n in range(100)
    ]
    if before:
        assert len(os.listdir("/proc/self/fd")) == before  # no pipe left open
