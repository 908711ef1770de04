"""Alarms for the transports' overall deadlines: one thread waits for every alarm the process has set.

Why: an HTTP exchange bounded by an overall deadline (:class:`~confcheck.transport.https.Deadline`,
:class:`~confcheck.transport.axl.deadline.Watchdog`) needs something that wakes when its time is up
while the exchange's own thread is blocked reading. A ``threading.Timer`` per exchange is a new thread
per request, and starting a thread waits until it has run, which while the collector's other threads
are busy can take up to an interpreter switch interval (5 ms): ``confcheck demo`` started 13 Timers,
and its requests waited 8 to 47 ms in all for them (measured on a loaded 2-core machine). Here one
thread sleeps until the earliest alarm; it is started by the first alarm and ends once none has been
set for :data:`LINGER` seconds, so a process that has stopped collecting is left with no thread of
ours (forking it stays sound).

An alarm's action runs in that thread and must be quick (the deadlines' actions shut sockets down); an
alarm cancelled before it is due never runs, and cancelling one whose action has started changes
nothing (as ``threading.Timer.cancel``).
"""

from __future__ import annotations

import heapq
import itertools
import os
import sys
import threading
import time
from collections.abc import Callable

LINGER = 0.25
"""Seconds the alarm thread waits for a new alarm before it ends: a collection's exchanges follow one
another within milliseconds, so one thread serves them all."""


class Alarm:
    """One pending action; :meth:`cancel` it when what it guards has finished."""

    __slots__ = ("action", "when")

    def __init__(self, when: float, action: Callable[[], None]) -> None:
        self.when = when
        self.action = action

    def cancel(self) -> None:
        """Do not run the action (unless it has started already)."""
        _ALARMS.cancel(self)


def after(seconds: float, action: Callable[[], None]) -> Alarm:
    """Run ``action`` in the alarm thread once ``seconds`` have passed, unless cancelled first."""
    return _ALARMS.add(Alarm(time.monotonic() + max(seconds, 0.0), action))


class _Alarms:
    """The process's pending alarms, earliest first, and the thread that waits for them."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._pending: list[tuple[float, int, Alarm]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def add(self, alarm: Alarm) -> Alarm:
        with self._changed:
            heapq.heappush(self._pending, (alarm.when, next(self._order), alarm))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="confcheck-alarms", daemon=True)
                self._thread.start()
            elif self._pending[0][2] is alarm:  # due before the one the thread waits for
                self._changed.notify()
        return alarm

    def cancel(self, alarm: Alarm) -> None:
        with self._changed:
            left = [entry for entry in self._pending if entry[2] is not alarm]
            if len(left) != len(self._pending):
                heapq.heapify(left)
                self._pending = left
                if not left:  # the thread may start to linger; a later alarm it waits for is harmless
                    self._changed.notify()

    def _run(self) -> None:
        with self._changed:
            while True:
                if not self._pending:
                    self._changed.wait(LINGER)
                    if not self._pending:
                        self._thread = None
                        return
                    continue
                due = self._pending[0][0] - time.monotonic()
                if due > 0:
                    self._changed.wait(due)
                    continue
                _, _, alarm = heapq.heappop(self._pending)
                self._changed.release()
                try:
                    alarm.action()
                except Exception:  # reported as a Timer's would be; the other alarms still run
                    threading.excepthook(
                        threading.ExceptHookArgs((*sys.exc_info(), threading.current_thread()))
                    )
                finally:
                    self._changed.acquire()

    def forget(self) -> None:
        """In a forked child: the parent's alarms and its thread are not the child's (a lock the
        parent's thread held may look held)."""
        self._changed = threading.Condition()
        self._pending = []
        self._thread = None


_ALARMS = _Alarms()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_ALARMS.forget)
