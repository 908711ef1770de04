"""``confcheck demo`` with its lab in a forked child process, and in one process where forking is not sound.

Run as users run it (a fresh process, one thread), the demo forks: these tests run it as a subprocess,
with a small wrapper that records which process started the lab and where its work directory was,
and a TMPDIR of their own, so that what the child leaves behind is seen. In a process with other
threads running (as pytest may be) the lab runs in the process itself, with the same output.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Run

from confcheck import parallel
from confcheck.lab import runtime, scenario

COLLECTED = re.compile(r"\*\*Collected:\*\* \d{4}-\d\d-\d\d \d\d:\d\d UTC")
"""The Markdown report's time of collection, to the minute."""

WRAPPER = """
import json, os, sys, time
from pathlib import Path
from confcheck.lab import runtime

start = runtime.Lab.start

def recorded(self):
    lab = start(self)
    Path(os.environ["DEMO_RECORD"]).write_text(json.dumps({"pid": os.getpid(), "workdir": str(lab.workdir)}))
    return lab

runtime.Lab.start = recorded
if os.environ.get("DEMO_BLOCK"):
    runtime._free_block = lambda: os.environ["DEMO_BLOCK"]
if os.environ.get("DEMO_NO_BLOCK"):
    def no_block():
        raise OSError("no free 127.x.y.0/24 block: this system may not route 127.0.0.0/8 to loopback")
    runtime._free_block = no_block
if os.environ.get("DEMO_HANG"):
    from confcheck import collect
    def hang(*args, **kwargs):
        Path(os.environ["DEMO_HANG"]).write_text("collecting")
        time.sleep(60)
    collect.collect = hang
from confcheck.cli import main
sys.exit(main(sys.argv[1:]))
"""
"""``confcheck ARGS`` in a fresh process, with the lab patched as the DEMO_* variables say."""


def _env(tmp_path: Path, **more: str) -> dict[str, str]:
    """The environment of a demo subprocess: its own TMPDIR, and where the wrapper records the lab."""
    temp = tmp_path / "tmp"
    temp.mkdir(exist_ok=True)
    return {**os.environ, "TMPDIR": str(temp), "DEMO_RECORD": str(tmp_path / "lab.json"), **more}


def _demo(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WRAPPER, "demo", *args],
        env=_env(tmp_path, **env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _gone(pid: int) -> bool:
    """Whether process ``pid`` has ended (a zombie waiting for init to reap it has ended too)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[0] == "Z"


def _left_behind(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in (tmp_path / "tmp").iterdir())


def test_the_demo_runs_its_lab_in_a_child_and_reports_as_in_one_process(
    tmp_path: Path, confcheck: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forked (a fresh process) and in one process (a thread running: no fork): the same output, the
    same reports; the child is gone after the demo, and so is the lab's work directory."""
    block = runtime._free_block()
    run = _demo(tmp_path, "--output-dir", str(tmp_path / "forked"), DEMO_BLOCK=block)
    assert run.returncode == 1, run.stderr
    lab = json.loads((tmp_path / "lab.json").read_text())
    assert lab["pid"] != os.getpid()  # not this process, and not the demo's either:
    assert f"running on {block}.0/24" in run.stderr
    assert _gone(lab["pid"])
    assert not Path(lab["workdir"]).exists()
    assert _left_behind(tmp_path) == []

    def no_fork() -> int:
        raise AssertionError("forked with another thread running")

    started: list[int] = []
    start = runtime.Lab.start

    def recorded(self: runtime.Lab) -> runtime.Lab:
        started.append(os.getpid())
        return start(self)

    monkeypatch.setattr(os, "fork", no_fork)
    monkeypatch.setattr(runtime.Lab, "start", recorded)
    monkeypatch.setattr(runtime, "_free_block", lambda: block)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, name="another")
    other.start()
    try:
        assert not parallel.may_fork()
        result = confcheck("demo", "--output-dir", str(tmp_path / "in-process"))
    finally:
        stop.set()
        other.join()
    assert started == [os.getpid()]
    assert result.code == 1
    assert result.out == run.stdout
    assert result.err.replace(str(tmp_path / "in-process"), "OUT") == run.stderr.replace(
        str(tmp_path / "forked"), "OUT"
    )
    written = sorted(p.name for p in (tmp_path / "forked").iterdir())
    assert written == sorted(p.name for p in (tmp_path / "in-process").iterdir())
    assert len(written) == 8
    for name in ("report.txt", "report.csv", "report.md"):  # the others hold fingerprints of new keys
        # the two runs may straddle a minute: the time of collection (Markdown's) is the one difference
        forked, alone = ((tmp_path / where / name).read_text() for where in ("forked", "in-process"))
        assert COLLECTED.sub("", forked) == COLLECTED.sub("", alone)


def test_an_unknown_scenario_is_one_line_and_exit_2_from_the_child(tmp_path: Path) -> None:
    """The child's error, as in one process; and an output directory that cannot be used comes first."""
    run = _demo(tmp_path, "--scenario", "nope", "--output-dir", str(tmp_path / "demo"))
    assert run.returncode == 2
    assert run.stdout == ""
    assert (
        run.stderr == f"confcheck: error: unknown scenario 'nope' (built-in: {', '.join(scenario.names())})\n"
    )
    assert not (tmp_path / "lab.json").exists()
    assert _left_behind(tmp_path) == []
    occupied = tmp_path / "file"
    occupied.write_text("x")
    run = _demo(tmp_path, "--scenario", "nope", "--output-dir", str(occupied))
    assert run.returncode == 2
    assert run.stderr == f"confcheck: error: {occupied}: cannot make the output directory (File exists)\n"


def test_an_unexpected_error_of_the_lab_is_one_line_and_its_work_directory_is_removed(tmp_path: Path) -> None:
    """The lab made its work directory before it failed: the child, which ends without exit handlers,
    removes it itself."""
    run = _demo(tmp_path, "--output-dir", str(tmp_path / "demo"), DEMO_NO_BLOCK="1")
    assert run.returncode == 2
    assert run.stderr == (
        "confcheck: error: internal error: OSError: no free 127.x.y.0/24 block: this system may not route "
        "127.0.0.0/8 to loopback (set CONFCHECK_DEBUG=1 for the traceback)\n"
    )
    assert _left_behind(tmp_path) == []


def test_a_lab_that_cannot_be_imported_is_one_line_even_when_the_child_ended_first(tmp_path: Path) -> None:
    """The child ends at once, before the demo tells it to start its lab: its error is still the one
    line users got when the demo imported the lab itself (not a silent exit 0 from a broken pipe)."""
    script = (
        "import sys\n"
        "sys.modules['confcheck.lab.runtime'] = None\n"
        "from confcheck.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, "demo", "--output-dir", str(tmp_path / "demo")],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 2
    assert run.stderr == (
        "confcheck: error: internal error: ModuleNotFoundError: import of confcheck.lab.runtime halted; "
        "None in sys.modules (set CONFCHECK_DEBUG=1 for the traceback)\n"
    )


def test_ctrl_c_stops_the_demo_and_its_lab_quietly(tmp_path: Path) -> None:
    """SIGINT reaches the whole process group: the demo says 'interrupted' and nothing else; the child
    leaves no traceback, no process and no work directory."""
    marker = tmp_path / "collecting"
    process = subprocess.Popen(
        [sys.executable, "-c", WRAPPER, "demo", "--output-dir", str(tmp_path / "demo")],
        env=_env(tmp_path, DEMO_HANG=str(marker)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _wait_for(marker.exists, process)
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 130
    assert out == ""
    running, interrupted = err.splitlines()
    assert running.startswith("confcheck: lab 'pre-migration' running on 127.")
    assert interrupted == "confcheck: error: interrupted"
    lab = json.loads((tmp_path / "lab.json").read_text())
    assert _gone(lab["pid"])
    assert _left_behind(tmp_path) == []


def test_a_parent_killed_outright_stops_its_lab(tmp_path: Path) -> None:
    """SIGKILL runs nothing in the parent: the kernel closing its end of the pipe is what stops the lab."""
    script = (
        "import time\n"
        "from confcheck.lab.forked import ForkedLab\n"
        "lab = ForkedLab('clean')\n"
        "lab.start()\n"
        "running = lab.running()\n"
        "print(lab.pid, running.config_path.parent, flush=True)\n"
        "time.sleep(60)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], env=_env(tmp_path), stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        pid, workdir = process.stdout.readline().split()
        assert Path(workdir).is_dir()
        assert not _gone(int(pid))
    finally:
        process.kill()
        process.wait()
    try:
        _wait_for(lambda: _gone(int(pid)) and not Path(workdir).exists())
    finally:
        if not _gone(int(pid)):  # this test failed: leave no lab running
            os.kill(int(pid), signal.SIGKILL)
    assert _left_behind(tmp_path) == []


def _wait_for(condition: Callable[[], bool], process: subprocess.Popen[Any] | None = None) -> None:
    """Until ``condition`` holds (at most 30 s), or ``process`` ends first (then fail)."""
    deadline = time.monotonic() + 30
    while not condition():
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the process ended first: {process.communicate()}")
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)
