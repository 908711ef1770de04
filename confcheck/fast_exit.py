"""The process ends at once when its command is done, without freeing what it made object by object.

A lint of thousands of clusters holds millions of objects to its end. Freed one by one (when the
command returns, then again as the interpreter finalizes its modules), they cost some 0.4 s of a
10,000-cluster lint and 2.5 % of the demo snapshot's instructions. Once a command run as the program
has written all it writes, nothing is left to do but give the memory back, which the operating system
does whole: the process ends with :func:`os._exit`, after the ``atexit`` handlers have run (logging's
shutdown, ``weakref.finalize`` clean-ups such as temporary directories) and standard output and error
are flushed (mypy ends so too). Every file confcheck writes is closed before its command returns.

Only where that is safe: run as the program (the console script, ``python -m confcheck``), no thread
the interpreter would wait for is alive (a non-daemon thread other than the main one), and both streams
were flushed without error (a full disk, a closed pipe: the usual exit then reports it as it always
has). Called as a function (``main(argv)``, as tests do), nothing here changes anything.
"""

from __future__ import annotations

import atexit
import os
import sys


class _Process:
    """Whether this process ends with the command being run, and what that command keeps to the end."""

    def __init__(self) -> None:
        self.armed = False
        self.kept: list[object] = []


_process = _Process()


def arm() -> None:
    """This process ends with the command being run: keep what it makes, and end at once after it."""
    _process.armed = True


def keep(made: object) -> None:
    """Hold ``made`` (a report, its deployment) to the end of an armed process, so that it is not freed
    object by object when the command returns; a no-op otherwise."""
    if _process.armed:
        _process.kept.append(made)


def end(code: int) -> int:
    """End an armed process now with ``code``, when that is safe; else return ``code`` (exit as usual)."""
    if not _process.armed:
        return code
    threading = sys.modules.get("threading")
    if threading is not None and any(
        not thread.daemon and thread is not threading.main_thread() for thread in threading.enumerate()
    ):
        return (
            code  # a thread still at work, which the interpreter would wait for (daemon threads it would not)
        )
    atexit._run_exitfuncs()
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):  # a failed write, a closed stream: the usual exit says so
        return code
    os._exit(code)
