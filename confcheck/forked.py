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
no fork where it is unsafe or useless: without ``os.fork``, with one CPU, with another thread alive (a
fork copies no thread, but may copy a lock one held), in a forked child, or for fewer than ``least``
items.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import signal
import threading
from collections.abc import Callable, Generator, Sequence
from typing import Any, TypeVar

_Item = TypeVar("_Item")
_Result = TypeVar("_Result")

MAX_PROCESSES = 8
"""Beyond this, the parent's rebuilding of the children's results outweighs what one more saves."""


def cpus() -> int:
    """The CPUs this process may run on (its affinity where the system says, else the machine's)."""
    affinity = getattr(os, "sched_getaffinity", None)
    if affinity is not None:
        return len(affinity(0))
    return os.cpu_count() or 1


_in_child = False
"""True in a forked child: it forks no children of its own (the parent's already use every CPU)."""


def single_threaded() -> bool:
    """No thread but this one: a fork is safe (no lock held by a thread the child would not have)."""
    return threading.active_count() == 1


def processes(count: int, least: int) -> int:
    """How many processes (the parent included) share ``count`` items of which each needs ``least``."""
    if _in_child or not hasattr(os, "fork") or count < 2 * least or not single_threaded():
        return 1
    return max(1, min(cpus(), MAX_PROCESSES, count // least))


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
    bounds = [len(items) * share // count for share in range(count + 1)]
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
