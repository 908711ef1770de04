"""The transports' deadline alarms: one thread for every pending alarm, gone once none is pending."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable

import pytest
import requests

from confcheck.transport import alarms
from confcheck.transport.axl.deadline import Watchdog
from confcheck.transport.https import Deadline


def _alarm_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "confcheck-alarms"]


def _until(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.005)
    return False


def test_alarms_fire_earliest_first_and_a_cancelled_one_never() -> None:
    fired: list[str] = []
    late = alarms.after(0.06, lambda: fired.append("late"))
    alarms.after(0.02, lambda: fired.append("early"))
    cancelled = alarms.after(0.01, lambda: fired.append("cancelled"))
    cancelled.cancel()
    assert _until(lambda: len(fired) == 2)
    time.sleep(0.05)
    assert fired == ["early", "late"]
    late.cancel()  # after it ran: nothing happens


def test_one_thread_serves_every_exchange_of_a_session_and_ends_when_none_is_pending(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Twenty exchanges one after the other: one alarm thread, not one Timer thread each; and no thread
    of ours is left once no deadline is pending (a process that has collected may fork again)."""
    monkeypatch.setattr(alarms, "LINGER", 0.2)
    deadline = Deadline()
    started = threading.active_count()
    serving: set[int | None] = set()
    for _ in range(20):
        with deadline.running(30):
            serving |= {t.ident for t in _alarm_threads()}
            assert threading.active_count() <= started + 1
    assert len(serving) == 1
    assert not deadline.expired
    assert _until(lambda: not _alarm_threads())


def test_a_deadline_still_cuts_an_exchange_when_its_time_is_up() -> None:
    deadline = Deadline()
    with deadline.running(0.02):
        assert _until(lambda: deadline.expired, 2.0)
    watchdog = Watchdog(requests.Session())
    with watchdog.limit(0.02):
        assert _until(lambda: watchdog.fired, 2.0)


def test_an_action_that_raises_is_reported_and_the_other_alarms_still_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reported: list[type[BaseException] | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: reported.append(args.exc_type))
    fired: list[int] = []

    def broken() -> None:
        raise RuntimeError("broken")

    alarms.after(0.01, broken)
    alarms.after(0.03, lambda: fired.append(1))
    assert _until(lambda: fired == [1])
    assert reported == [RuntimeError]


CHILD = """
import os, threading, time
from confcheck.transport import alarms

alarms.after(30, lambda: None)  # the parent's thread is running
pid = os.fork()
if pid == 0:
    fired = threading.Event()
    alarms.after(0.01, fired.set)
    os._exit(0 if fired.wait(5) else 1)
_, status = os.waitpid(pid, 0)
raise SystemExit(os.waitstatus_to_exitcode(status))
"""


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="no os.fork on this platform")
def test_a_forked_child_has_alarms_of_its_own() -> None:
    """The parent's alarm thread is not copied into a child: the child starts its own."""
    run = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", CHILD], check=False, capture_output=True, text=True, timeout=30
    )
    assert run.returncode == 0, run.stderr
