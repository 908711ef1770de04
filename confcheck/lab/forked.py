"""A scenario's lab in a forked child process, for ``confcheck demo``.

The lab's servers and the collector that audits them would otherwise share one interpreter lock: in
a child process the lab (importing its modules, making its certificates, starting its servers) and
the parent (importing what collecting uses, then collecting) each have a core. Two pipes join them.
On one the parent says when to start (a byte: the demo checks its output directory first), and later,
by closing its end, that the child is to stop its lab, remove its work directory and exit: a parent
that dies, even by SIGKILL, stops the lab too. On the other the child answers once, with what an
audit needs (the block, the password variables, the inventory) or with the error the lab raised.

Forking copies only the thread that forks: a child of a process with other threads could inherit a
lock one of them held and wait for it forever (Python 3.12 warns about that).
:func:`confcheck.parallel.may_fork` says when a fork is sound; otherwise the caller runs the lab in its
own process.

The child never returns into the parent's code (it ends with ``os._exit``, so no buffered output of
the parent is written twice and no exit handler runs); its standard output and error go to /dev/null
(a warning would otherwise be printed twice); and it ignores SIGINT: Ctrl-C reaches the whole process
group, the parent unwinds and closes its pipe, and the child stops its lab then. Passwords travel only
through the pipe, into the parent's environment, as they did in one process.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import traceback
from pathlib import Path
from typing import NoReturn

from confcheck import records

START = b"s"
"""The byte that tells the child to start its lab."""


@records.record
class Running:
    """What auditing a running lab needs: its ``127.x.y`` block, the password variables, the inventory."""

    block: str
    environment: dict[str, str]
    config_path: Path


class ChildTraceback(Exception):
    """The child's traceback, as the cause of the error it raised (shown with ``CONFCHECK_DEBUG=1``)."""


class ForkedLab:
    """The child process running one scenario's lab: :meth:`start`, :meth:`running`, :meth:`stop`, and
    :meth:`close` (also on leaving a ``with`` block), which stops it if need be and reaps it."""

    def __init__(self, scenario: str) -> None:
        """Fork now; the child imports the lab's modules and waits for :meth:`start`. Call only when
        :func:`safe`."""
        answers, answer = os.pipe()  # child -> parent: one pickled answer, then end of file
        control, order = os.pipe()  # parent -> child: START, then end of file: stop
        try:
            pid = os.fork()
        except OSError:
            for end in (answers, answer, control, order):
                os.close(end)
            raise
        if pid == 0:  # the child
            os.close(answers)
            os.close(order)
            _child(scenario, control, answer)
        os.close(answer)
        os.close(control)
        self.pid = pid
        self._answers: int | None = answers
        self._order: int | None = order
        self._started = False
        self._status: int | None = None

    def __enter__(self) -> ForkedLab:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Let the child start its lab."""
        assert self._order is not None
        self._started = True
        with contextlib.suppress(BrokenPipeError):  # the child has ended: :meth:`running` says why
            os.write(self._order, START)

    def running(self) -> Running:
        """Wait for the lab to run; raises the error the lab raised in the child, as it was raised there."""
        assert self._answers is not None
        chunks = []
        while chunk := os.read(self._answers, 65536):
            chunks.append(chunk)
        os.close(self._answers)
        self._answers = None
        if not chunks:
            self.close()
            raise RuntimeError(f"the lab's process ended before its lab ran ({_ended(self._status or 0)})")
        answer = pickle.loads(b"".join(chunks))
        if isinstance(answer, Running):
            return answer
        error, told = answer
        error.__cause__ = ChildTraceback(told)
        raise error

    def stop(self) -> None:
        """Tell the child to stop its lab (it does so while this process goes on)."""
        if self._order is not None:
            os.close(self._order)
            self._order = None

    def close(self) -> None:
        """Stop the lab and reap the child: at once when it was never told to start (it has no lab yet),
        else once it has stopped its lab and removed its work directory."""
        if self._status is not None:
            return
        if not self._started:
            os.kill(self.pid, signal.SIGKILL)
        self.stop()
        if self._answers is not None:
            os.close(self._answers)
            self._answers = None
        try:
            _, self._status = os.waitpid(self.pid, 0)
        except ChildProcessError:  # reaped already (SIGCHLD ignored by whoever embeds this)
            self._status = -1


def _child(scenario: str, control: int, answer: int) -> NoReturn:
    """The child's whole life: it never returns into the parent's code, whatever happens."""
    status = 1
    try:
        status = _serve(scenario, control, answer)
    finally:
        os._exit(status)


def _serve(scenario: str, control: int, answer: int) -> int:
    """Import the lab, wait for START, run the lab until the parent closes its pipe; the exit status."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent's pipe says when to stop
    quiet = os.open(os.devnull, os.O_WRONLY)  # all the child has to say goes through the pipe
    os.dup2(quiet, 1)
    os.dup2(quiet, 2)
    os.close(quiet)
    lab = None
    try:
        from confcheck.lab.runtime import Lab

        if os.read(control, 1) != START:
            return 0  # the parent gave up before the lab started
        lab = Lab.of(scenario)
        lab.start()
        assert lab.block is not None
        running = Running(lab.block, lab.environment, lab.config_path)
    except BaseException as exc:
        if lab is not None:
            lab.stop()  # what it made before failing (its work directory): no exit handler will
        _tell(answer, _error(exc))
        return 1
    try:
        _tell(answer, pickle.dumps(running))
        os.read(control, 1)  # until the parent closes its end (or dies)
    finally:
        lab.stop()
    return 0


def _error(exc: BaseException) -> bytes:
    """``exc`` and its traceback, pickled; an error that does not survive pickling becomes a
    RuntimeError naming it."""
    told = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    try:
        data = pickle.dumps((exc, told))
        pickle.loads(data)
    except Exception:
        data = pickle.dumps((RuntimeError(f"{type(exc).__name__}: {exc}"), told))
    return data


def _tell(answer: int, data: bytes) -> None:
    """Write the child's one answer and close the pipe: the parent reads to its end."""
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(answer, view) :]
    finally:
        os.close(answer)


def _ended(status: int) -> str:
    """How a reaped child ended, from its wait status (-1: reaped by someone else)."""
    if status < 0:
        return "reaped elsewhere"
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"
