"""An offline command run as the program ends at once when done, having written all it writes."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from confcheck.cli import main

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo-snapshot.json"

NOISY = """
import atexit, os, sys, threading, time
from confcheck import fast_exit

class Noisy:
    def __del__(self):  # os.write: sys.stderr may be gone when the interpreter's exit frees it
        os.write(2, b"freed\\n")

atexit.register(lambda: print("atexit ran", file=sys.stderr))
"""


def _python(code: str) -> subprocess.CompletedProcess[str]:
    script = textwrap.dedent(NOISY) + textwrap.dedent(code)
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT, check=False
    )


def test_an_armed_process_ends_with_its_code_its_output_flushed_and_atexit_run() -> None:
    run = _python("""
        fast_exit.arm()
        fast_exit.keep(Noisy())
        print("all of the report")  # a pipe: block-buffered, still in the buffer when it ends
        fast_exit.end(3)
        print("not reached")
    """)
    assert run.returncode == 3
    assert run.stdout == "all of the report\n"
    assert "atexit ran" in run.stderr
    assert "freed" not in run.stderr  # what was kept is given back whole, not freed object by object


def test_a_process_not_armed_exits_as_usual() -> None:
    """``main(argv)`` called as a function (tests, other programs) never ends the process."""
    run = _python("""
        fast_exit.keep(Noisy())  # not kept: freed at once
        print("returned", fast_exit.end(3))
    """)
    assert run.returncode == 0
    assert run.stdout == "returned 3\n"
    assert "freed" in run.stderr


def test_a_live_thread_is_waited_for() -> None:
    """A plugin's thread still at work: the usual exit, which waits for it."""
    run = _python("""
        fast_exit.arm()
        threading.Thread(target=lambda: (time.sleep(0.2), print("thread done"))).start()
        print("returned", fast_exit.end(1))
    """)
    assert run.returncode == 0
    assert run.stdout == "returned 1\nthread done\n"


def test_a_daemon_thread_does_not_hold_it() -> None:
    """The interpreter would not wait for a daemon thread (the demo's alarm thread) either."""
    run = _python("""
        fast_exit.arm()
        fast_exit.keep(Noisy())
        threading.Thread(target=lambda: time.sleep(30), daemon=True).start()
        fast_exit.end(1)
    """)
    assert run.returncode == 1
    assert "atexit ran" in run.stderr
    assert "freed" not in run.stderr


def test_a_lint_run_as_the_program_writes_what_the_function_writes(tmp_path: Path) -> None:
    """The whole report on stdout and in -o, and the exit code, as ``main(argv)`` gives them."""
    written = tmp_path / "report.sarif"
    run = subprocess.run(
        [sys.executable, "-m", "confcheck", "lint", str(DEMO), "--format", "json", "-o", f"sarif={written}"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    expected = io.StringIO()
    in_process = tmp_path / "in-process.sarif"
    with contextlib.redirect_stdout(expected), contextlib.redirect_stderr(io.StringIO()):
        code = main(["lint", str(DEMO), "--format", "json", "-o", f"sarif={in_process}"])
    assert (run.returncode, run.stdout) == (code, expected.getvalue())
    assert code == 1
    assert written.read_bytes() == in_process.read_bytes()
    assert run.stderr == f"confcheck: wrote the sarif report to {written}\n"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["lint", str(DEMO), "--format", "json"], 1),
        (["rules"], 0),
        (["audit", "--config", "missing.toml"], 2),
    ],
    ids=["lint", "rules", "audit"],
)
def test_every_command_run_as_the_program_ends_at_once(args: list[str], code: int) -> None:
    """Offline or collecting, a command run as the program ends in :func:`fast_exit.end`: the atexit
    handlers run there, before the freeze that main() makes for the interpreter's usual exit (which
    they would see, as tests/test_cli.py shows when a thread keeps the process from ending at once)."""
    run = _python(f"""
        import gc
        atexit.register(lambda: print("frozen at exit:", gc.get_freeze_count() > 0, file=sys.stderr))
        from confcheck.cli import main
        sys.argv = ["confcheck", *{args!r}]
        sys.exit(main())
    """)
    assert run.returncode == code, run.stderr
    assert "frozen at exit: False" in run.stderr.splitlines()
