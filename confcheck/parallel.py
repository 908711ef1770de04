"""Work on many independent items shared with forked children, on every CPU this process may use.

A large lint spends most of its time on items independent of each other: reading each of a snapshot's
certificates (some 70 µs each, in pure Python), resolving and matching each reference, running each
family of rules, encoding each batch of the JSON report. Threads would not share that work (the GIL);
forked children do, and need no start-up: each inherits the interpreter, its imports and the items.
The items are claimed a chunk at a time from a pipe, by whichever process is free first, so a process
slowed down (a child's first write to each page it shares with its parent copies the page) or given
costlier items takes fewer. A child sends back only what :mod:`marshal` writes (the caller's
``encode``), far cheaper to read than to compute; the parent rebuilds the results (``decode``).

The results are those of a plain ``[function(item) for item in items]``, in order, errors and warnings
included: an item whose function raised, anywhere, is computed again by the parent, in order, so the
error is raised at the same item as it would have been; a chunk that warned or printed in a child is
computed again by the parent, which says its warnings and prints what it prints (each once, as one
process would; the parent's own chunks' first). A child that fails in any other way
(killed, out of memory, a result marshal cannot write) leaves what it claimed to the parent. There is
no fork where it is unsafe or useless: without ``os.fork``, with one CPU (the process's affinity, a
container's CPU quota) or ``CONFCHECK_JOBS=1``, with another thread alive (a fork copies no thread, but
may copy a lock one held), in a forked child, or for fewer than twice ``least`` items.
"""

from __future__ import annotations

import contextlib
import functools
import io
import marshal
import os
import signal
import threading
import warnings
from collections.abc import Callable, Iterable, Sequence
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
            allowed, period = int(words[0]), int(words[1])
        except ValueError:
            return None
        return max(1, allowed // period) if allowed > 0 and period > 0 else None
    return None


_in_child = False
"""True in a forked child: it forks no children of its own (the parent's already use every CPU)."""


def may_fork() -> bool:
    """Whether this process may fork: it can, and it runs one thread (the kernel's count where there is
    one, /proc on Linux, so threads that Python did not start count too). A fork copies only the thread
    that forks: a child of a process with other threads could inherit a lock one of them held and wait
    for it for ever (Python 3.12 warns about that)."""
    if not hasattr(os, "fork"):
        return False
    try:
        threads = len(os.listdir("/proc/self/task"))
    except OSError:
        threads = threading.active_count()
    return threads == 1


def processes(count: int, least: int) -> int:
    """How many processes (the parent included) share ``count`` items of which each needs ``least``."""
    limit = jobs()
    if _in_child or count < 2 * least or limit == 1 or not may_fork():
        return 1
    return max(1, min(limit or cpus(), MAX_PROCESSES, count // least))


def map_forked(
    function: Callable[[_Item], _Result],
    items: Sequence[_Item],
    encode: Callable[[_Result, _Item], Any],
    decode: Callable[[Any, _Item], _Result],
    least: int,
    chunk: int = 1,
    meanwhile: Callable[[], object] | None = None,
) -> Iterable[_Result]:
    """``function`` of each item, in order, shared with forked children when that saves time (else each
    computed as it is asked for, so a caller that writes each as it comes holds none of the others).

    ``encode`` turns a result into what :func:`marshal.dumps` takes, ``decode`` turns that back, both
    given the item (so the child need not send what the parent's item already holds); ``least``: the
    fewest items worth a process of their own. The items are claimed ``chunk`` at a time, by whichever
    process is free first, so that a process slowed down (a child's first write to each page it shares
    with its parent copies the page) or given costlier items takes fewer. ``meanwhile``, work of the
    caller's own that needs none of the results, is done by this process while the children start on
    the items, before it takes its share (with no children: before any item); what it raises is raised.
    """
    count = processes(len(items), least)
    if count == 1:
        if meanwhile is not None:
            meanwhile()
        return map(function, items)
    chunk = max(chunk, -(-len(items) // _MAX_CHUNKS))
    starts = range(0, len(items), chunk)
    claims_read, claims_write = os.pipe()  # the chunks' numbers, each claimed by one read
    numbers = b"".join(number.to_bytes(_CLAIM, "little") for number in range(len(starts)))
    written = os.write(claims_write, numbers)  # the pipe's buffer holds them all: this does not wait
    os.close(claims_write)
    if written != len(numbers):  # never seen; but then the work is not shared
        os.close(claims_read)
        if meanwhile is not None:
            meanwhile()
        return [function(item) for item in items]
    children: list[tuple[int, int]] = []
    try:
        for _ in range(count - 1):
            try:
                children.append(_spawn(function, items, encode, starts, chunk, claims_read))
            except OSError:  # no process or pipe to spare (a limit, or memory): fewer share the work
                break
        if meanwhile is not None:
            meanwhile()
        attempt = functools.partial(_attempt, function)
        mine = _claimed(lambda share: list(map(attempt, share)), items, starts, chunk, claims_read)
        sent: dict[int, list[Any]] = {}
        for n, (pid, pipe) in enumerate(children):
            children[n] = (pid, -1)  # its pipe is _collect's to close; it is reaped at the end
            sent.update(_collect(pid, pipe))
        results: list[_Result] = []
        for number, start in enumerate(starts):  # in order: an item that failed anywhere is computed again
            share = items[start : start + chunk]
            if number in mine:
                done = mine[number]
                results += [function(i) if r is _Failed else r for i, r in zip(share, done, strict=True)]
            elif number in sent and len(sent[number]) == len(share):
                results += [
                    function(i) if w is None else decode(w, i)
                    for i, w in zip(share, sent[number], strict=True)
                ]
            else:  # a child that ended without sending it
                results += [function(item) for item in share]
        return results
    finally:
        os.close(claims_read)
        for pid, pipe in children:
            if pipe != -1:  # after an error: end the children still at work
                os.close(pipe)
                _end(pid)
            else:  # it has sent all it will: reaped once the parent has used that (it ends meanwhile)
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, 0)


_CLAIM = 4
"""Bytes of a chunk's number in the pipe of claims; a read of this size takes one whole number."""
_MAX_CHUNKS = 2_048
"""At most this many chunks: their numbers must fit in a pipe's buffer at once (8 KiB: Linux's buffer is
64 KiB, macOS's 16 KiB)."""


class _FailedType:
    """What an item whose function raised gives in the first pass (it is computed again, in order)."""


_Failed: Any = _FailedType()


def _attempt(function: Callable[[_Item], _Result], item: _Item) -> Any:
    try:
        return function(item)
    except Exception:
        return _Failed


def _claimed(
    work: Callable[[Sequence[_Item]], list[Any]],
    items: Sequence[_Item],
    starts: range,
    chunk: int,
    claims: int,
) -> dict[int, list[Any]]:
    """``work`` of each chunk of items this process claims, by the chunk's number, until none is left."""
    done: dict[int, list[Any]] = {}
    while len(claim := os.read(claims, _CLAIM)) == _CLAIM:
        number = int.from_bytes(claim, "little")
        done[number] = work(items[starts[number] : starts[number] + chunk])
    return done


def _spawn(
    function: Callable[[_Item], _Result],
    items: Sequence[_Item],
    encode: Callable[[_Result, _Item], Any],
    starts: range,
    chunk: int,
    claims: int,
) -> tuple[int, int]:
    """A child that claims chunks of ``items`` and writes their results, marshalled, to the pipe it returns."""
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        raise
    if pid:
        os.close(write_end)
        return pid, read_end
    global _in_child  # noqa: PLW0603 (set once, in the child, before anything else runs there)
    _in_child = True
    status = 1
    try:  # the child: never returns into the parent's code, never runs its clean-ups or flushes its files
        os.close(read_end)

        def wire(item: _Item) -> Any:
            try:
                return encode(function(item), item)
            except Exception:  # the parent calls the function again and raises what it raises
                return None

        def wires(share: Sequence[_Item]) -> list[Any]:
            printed = io.StringIO()  # what a function printed: the parent prints it, in its place
            with (
                warnings.catch_warnings(record=True) as said,
                contextlib.redirect_stdout(printed),
                contextlib.redirect_stderr(printed),
            ):
                sent = [wire(item) for item in share]
            return [None] * len(share) if said or printed.tell() else sent  # as one process would

        done = _claimed(wires, items, starts, chunk, claims)
        try:
            data = marshal.dumps(done)
        except ValueError:  # a result marshal cannot write (say, an object a third-party rule made)
            data = marshal.dumps({n: [_marshallable(w) for w in wires] for n, wires in done.items()})
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


def _collect(pid: int, pipe: int) -> dict[int, list[Any]]:
    """The results the child sent, by chunk number: none when it failed before it had written them all
    (marshal refuses a cut stream), whatever its exit; the caller reaps it."""
    try:
        with os.fdopen(pipe, "rb") as reader:
            data = reader.read()
    except BaseException:  # interrupted: the child would wait for a reader for ever
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        raise
    try:
        sent = marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        return {}
    return sent if isinstance(sent, dict) else {}


def _end(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
