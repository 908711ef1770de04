"""A pure function mapped over many items on every core this process may use, by forking.

A large snapshot's certificates are read one by one in pure Python (some 70 µs each: a third of a
10,000-cluster lint), each independent of the others. Threads would not share that work (the GIL);
forked children do, and need no start-up: each inherits the interpreter, its imports and the items.
A child sends back only what :func:`marshal` writes (the caller's ``encode``), which costs far less to
read than to compute; the parent rebuilds the results (``decode``) in order.

The results are those of a plain ``map(function, items)``, in order, errors included:
an item whose function raised in a child comes back as ``None`` and the parent calls the function on it
again, so the error is raised by the parent, at the same item, as it would have been. A child that fails
in any other way (killed, out of memory, a broken pipe) leaves its whole share to the parent. There is
no fork where it is unsafe or useless: without ``os.fork``, with one CPU (the process's affinity, a
container's CPU quota) or ``CONFCHECK_JOBS=1``, with another thread alive (a fork copies no thread, but
may copy a lock one held), in a forked child, or for fewer than ``least`` items.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import signal
import threading
from collections.abc import Callable, Generator, Sequence
from typing import Any, TypeVar

from confcheck.errors import ConfcheckError

_Item = TypeVar("_Item")
_Result = TypeVar("_Result")

MAX_PROCESSES = 8
"""Beyond this, the parent's rebuilding of the children's results outweighs what one more saves."""


JOBS = "CONFCHECK_JOBS"
"""The environment variable that sets how many processes may share work (1: none is forked)."""


def jobs() -> int | None:
    """``CONFCHECK_JOBS`` as a number, None when it is not set; a value that is no number of processes
    is a usage error, whether or not this run would have forked."""
    text = os.environ.get(JOBS)
    if text is None or not text.strip():
        return None
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise ConfcheckError(f"{JOBS}={text!r}: expected how many processes may share the work (1 or more)")
    return number


def cpus() -> int:
    """The CPUs this process may run on: its affinity where the system says (else the machine's), and
    no more than a container's CPU quota (cgroup ``cpu.max``, or ``cpu.cfs_quota_us`` before v2)."""
    affinity = getattr(os, "sched_getaffinity", None)
    found = len(affinity(0)) if affinity is not None else (os.cpu_count() or 1)
    limit = quota()
    return max(1, min(found, limit)) if limit is not None else found


def quota(cgroup: str = "/proc/self/cgroup", mounted: str = "/sys/fs/cgroup") -> int | None:
    """Whole CPUs of this process's cgroup quota (at least 1), None when there is none or it cannot be
    read (``cgroup``: the process's cgroups; ``mounted``: where the cgroup file system is)."""
    candidates: list[tuple[str, str | None]] = []
    try:
        with open(cgroup, encoding="ascii", errors="replace") as lines:
            for line in lines:
                _, controllers, path = line.rstrip("\n").split(":", 2)
                if controllers == "":  # v2: one hierarchy
                    candidates.append((f"{mounted}{path.rstrip('/')}/cpu.max", None))
                elif "cpu" in controllers.split(","):  # v1: quota and period in two files
                    base = f"{mounted}/cpu{path.rstrip('/')}"
                    candidates.append((f"{base}/cpu.cfs_quota_us", f"{base}/cpu.cfs_period_us"))
    except (OSError, ValueError):
        return None
    candidates += [  # a container sees its own cgroup at the root
        (f"{mounted}/cpu.max", None),
        (f"{mounted}/cpu/cpu.cfs_quota_us", f"{mounted}/cpu/cpu.cfs_period_us"),
    ]
    for first, second in candidates:
        try:
            with open(first, encoding="ascii") as file:
                words = file.read().split()
            if second is not None:
                with open(second, encoding="ascii") as file:
                    words += file.read().split()
        except (OSError, ValueError):
            continue
        if len(words) != 2 or words[0] in ("max", "-1"):
            return None
        try:
            quota, period = int(words[0]), int(words[1])
        except ValueError:
            return None
        return max(1, quota // period) if quota > 0 and period > 0 else None
    return None


CHILD_WEIGHT = 0.8
"""A child's share of the items against the parent's (measured: a child computes some 15 to 40 percent
slower, its pages copied as it first writes to them; the parent then rebuilds what it sends back)."""

_in_child = False
"""True in a forked child: it forks no children of its own (the parent's already use every CPU)."""


def single_threaded() -> bool:
    """No thread but this one: a fork is safe (no lock held by a thread the child would not have)."""
    return threading.active_count() == 1


def processes(count: int, least: int) -> int:
    """How many processes (the parent included) share ``count`` items of which each needs ``least``."""
    limit = jobs()
    if _in_child or not hasattr(os, "fork") or count < 2 * least or limit == 1 or not single_threaded():
        return 1
    return max(1, min(limit or cpus(), MAX_PROCESSES, count // least))


def map_forked(
    function: Callable[[_Item], _Result],
    items: Sequence[_Item],
    encode: Callable[[_Result, _Item], Any],
    decode: Callable[[Any, _Item], _Result],
    least: int,
) -> Generator[_Result, None, None]:
    """``function`` of each item, in order, as it comes: shared with forked children when that saves time.

    ``encode`` turns a result into what :func:`marshal.dumps` takes, ``decode`` turns that back, both
    given the item (so the child need not send what the parent's item already holds); ``least``: the
    fewest items worth a process of their own. The parent computes the first share while it is asked
    for it, so a caller that writes each result as it comes holds no more of its own share than that;
    one that stops early closes the iterator (``contextlib.closing``), which ends the children.
    """
    count = processes(len(items), least)
    if count == 1:
        yield from map(function, items)
        return
    # each child's share a little smaller than the parent's: a child's first touch of each page of the
    # heap it shares with its parent copies the page, and the parent rebuilds what the child sends back
    weights = [0.0, 1.0, *(1.0 + CHILD_WEIGHT * n for n in range(1, count))]
    bounds = [round(len(items) * weight / weights[-1]) for weight in weights]
    children = [_spawn(function, items[bounds[n] : bounds[n + 1]], encode) for n in range(1, count)]
    try:
        yield from map(function, items[: bounds[1]])
        for n in range(1, count):
            share = items[bounds[n] : bounds[n + 1]]
            pid, pipe = children[n - 1]
            children[n - 1] = (0, -1)  # from here on, _collect reaps it
            wires = _collect(pid, pipe, len(share))
            if wires is None:
                yield from map(function, share)
                continue
            for item, wire in zip(share, wires, strict=True):
                yield function(item) if wire is None else decode(wire, item)
    finally:
        for pid, pipe in children:  # after an error or an early stop: end the children still at work
            if pid:
                os.close(pipe)
                _end(pid)


def _spawn(
    function: Callable[[_Item], _Result], share: Sequence[_Item], encode: Callable[[_Result, _Item], Any]
) -> tuple[int, int]:
    """A child that computes ``share`` and writes its results, marshalled, to the pipe it returns."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid:
        os.close(write_end)
        return pid, read_end
    global _in_child  # noqa: PLW0603 (set once, in the child, before anything else runs there)
    _in_child = True
    status = 1
    try:  # the child: never returns into the parent's code, never runs its clean-ups or flushes its files
        os.close(read_end)
        wires: list[Any] = []
        for item in share:
            try:
                wires.append(encode(function(item), item))
            except Exception:  # the parent calls the function again and raises what it raises
                wires.append(None)
        try:
            data = marshal.dumps(wires)
        except ValueError:  # a result marshal cannot write (say, an object a third-party rule made)
            data = marshal.dumps([_marshallable(wire) for wire in wires])
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(data)
        status = 0
    finally:
        os._exit(status)


def _marshallable(wire: Any) -> Any:
    """``wire``, or None (the parent computes that item again) when marshal cannot write it."""
    try:
        marshal.dumps(wire)
    except ValueError:
        return None
    return wire


def _collect(pid: int, pipe: int, expected: int) -> list[Any] | None:
    """The child's results, or None when it did not send them all."""
    try:
        with os.fdopen(pipe, "rb") as reader:
            data = reader.read()
    except BaseException:  # interrupted: the child would wait for a reader for ever
        _end(pid)
        raise
    _, status = os.waitpid(pid, 0)
    if status:
        return None
    try:
        wires = marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        return None
    return wires if isinstance(wires, list) and len(wires) == expected else None


def _end(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
