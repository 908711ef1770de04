"""Work on many independent items shared with forked children, on every CPU this process may use.

A large lint spends most of its time on items independent of each other: reading each of a snapshot's
certificates (some 70 µs each, in pure Python), resolving and matching each reference, running each
family of rules, encoding each batch of the JSON report. Threads would not share that work (the GIL);
forked children do, and need no start-up: each inherits the interpreter, its imports and the items.
The items are claimed a chunk at a time from a pipe, by whichever process is free first, so a process
slowed down (a child's first write to each page it shares with its parent copies the page) or given
costlier items takes fewer; a parent with nothing of its own to do first claims the first chunk before
any child runs, so that its results need not be sent back. A child sends back only what :mod:`marshal`
writes (the caller's ``encode``), far cheaper to read than to compute, each chunk's as soon as it is
done, into a file of its own (it never waits for a reader); the parent rebuilds the results
(``decode``) between chunks of its own and while it waits for the children, not all at the end.

The results are those of a plain ``[function(item) for item in items]``, in order, errors and warnings
included: an item whose function raised, anywhere, is computed again by the parent, in order, so the
error is raised at the same item as it would have been; a chunk that warned or printed in a child is
computed again by the parent, which says its warnings and prints what it prints (each once, as one
process would; the parent's own chunks' first). A child that fails in any other way (killed, out of
memory) leaves to the parent what it claimed and had not yet sent; an item whose result marshal cannot
write is computed by the parent too. There is no fork where it is unsafe or useless: without
``os.fork``, with one CPU (the process's affinity, a container's CPU quota) or ``CONFCHECK_JOBS=1``,
with another thread alive (a fork copies no thread, but may copy a lock one held), in a forked child,
or for fewer than twice ``least`` items.
"""

from __future__ import annotations

import contextlib
import functools
import io
import itertools
import marshal
import os
import select
import signal
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
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
    children: list[_Child] = []
    done: dict[int, list[Any]] = {}  # each chunk's results by its number, _Failed where it raised

    def receive() -> None:  # what the children have sent so far, read while they work on
        for child in children:
            for number, sent in child.received():
                share = items[starts[number] : starts[number] + chunk]
                if len(sent) == len(share):
                    done[number] = [
                        _Failed if w is None else decode(w, i) for i, w in zip(share, sent, strict=True)
                    ]

    try:
        # with nothing of its own to do first, this process claims the first chunk before any child can:
        # its results need not be sent back (the first family of rules, which finds most of a run's
        # findings, then runs where the report is written)
        first = None if meanwhile is not None else _claim(claims_read)
        mine = [] if first is None else [(first, items[starts[first] : starts[first] + chunk])]
        for _ in range(count - 1):
            try:
                children.append(_spawn(function, items, encode, starts, chunk, claims_read))
            except OSError:  # no process, pipe or file to spare (a limit, or memory): fewer share the work
                break
        if meanwhile is not None:
            meanwhile()
        attempt = functools.partial(_attempt, function)
        for number, share in itertools.chain(mine, _claimed(items, starts, chunk, claims_read)):
            done[number] = list(map(attempt, share))
            receive()
        for child in children:
            child.wait(receive)
        receive()
        results: list[_Result] = []
        for number, start in enumerate(starts):  # in order: an item that failed anywhere is computed again
            share = items[start : start + chunk]
            got = done.get(number)
            if got is None:  # a child that ended without sending it
                results += [function(item) for item in share]
            else:
                results += [function(i) if r is _Failed else r for i, r in zip(share, got, strict=True)]
        return results
    finally:
        os.close(claims_read)
        for child in children:
            child.end()


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
    items: Sequence[_Item], starts: range, chunk: int, claims: int
) -> Iterator[tuple[int, Sequence[_Item]]]:
    """Each chunk of items this process claims, with its number, until none is left."""
    while (number := _claim(claims)) is not None:
        yield number, items[starts[number] : starts[number] + chunk]


def _claim(claims: int) -> int | None:
    """The number of the next chunk not yet claimed, now this process's; None when none is left."""
    claim = os.read(claims, _CLAIM)
    return int.from_bytes(claim, "little") if len(claim) == _CLAIM else None


def _spawn(
    function: Callable[[_Item], _Result],
    items: Sequence[_Item],
    encode: Callable[[_Result, _Item], Any],
    starts: range,
    chunk: int,
    claims: int,
) -> _Child:
    """A child that claims chunks of ``items`` and writes their results, marshalled, as it computes them."""
    ended, holds = os.pipe()  # the child holds one end: it closes when the child ends, whatever the cause
    try:
        results = _scratch()
    except OSError:
        os.close(ended)
        os.close(holds)
        raise
    try:
        pid = os.fork()
    except OSError:
        for fd in (ended, holds, results):
            os.close(fd)
        raise
    if pid:
        os.close(holds)
        return _Child(pid, ended, results)
    global _in_child  # noqa: PLW0603 (set once, in the child, before anything else runs there)
    _in_child = True
    status = 1
    try:  # the child: never returns into the parent's code, never runs its clean-ups or flushes its files
        os.close(ended)

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

        for number, share in _claimed(items, starts, chunk, claims):
            sent = wires(share)
            try:
                data = marshal.dumps((number, sent))
            except ValueError:  # a result marshal cannot write (say, an object a third-party rule made)
                data = marshal.dumps((number, [_marshallable(w) for w in sent]))
            _write_all(results, len(data).to_bytes(_FRAME, "little") + data)
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


_FRAME = 4
"""Bytes of the length in front of each chunk's results in a child's file."""
_POLL = 0.005
"""Seconds between two reads of what the children sent, while the parent waits for them to end."""


def _scratch() -> int:
    """An anonymous file for a child's results: a child writes each chunk's as it is done, without waiting
    for its parent to read (a pipe holds 64 KiB), and the parent reads them as they come, while both work."""
    if hasattr(os, "memfd_create"):  # Linux: in memory, never on a disk
        return os.memfd_create("confcheck-results", os.MFD_CLOEXEC)
    import tempfile  # elsewhere: an unlinked file

    fd, path = tempfile.mkstemp(prefix="confcheck-results-")
    os.unlink(path)
    return fd


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class _Child:
    """A forked child at work: the pipe whose other end it holds (closed when it ends, whatever the
    cause) and the file it writes its results to, a chunk at a time, each its length and then what
    :mod:`marshal` wrote of (the chunk's number, its results)."""

    __slots__ = ("_ended", "_offset", "_results", "pid")

    def __init__(self, pid: int, ended: int, results: int) -> None:
        self.pid, self._ended, self._results, self._offset = pid, ended, results, 0

    def received(self) -> Iterator[tuple[int, list[Any]]]:
        """The chunks written whole since the last call; one cut short (a child killed while writing it)
        is never read, and its items are computed by the parent."""
        size = os.fstat(self._results).st_size
        while size - self._offset >= _FRAME:
            length = int.from_bytes(os.pread(self._results, _FRAME, self._offset), "little")
            start = self._offset + _FRAME
            if size - start < length:
                return  # still being written
            data = bytearray()
            while len(data) < length:
                piece = os.pread(self._results, length - len(data), start + len(data))
                if not piece:
                    return  # shorter than it said (never seen): read again at the next call
                data += piece
            self._offset = start + length
            try:
                number, sent = marshal.loads(data)
            except (EOFError, ValueError, TypeError):
                continue
            yield number, sent

    def wait(self, receive: Callable[[], None]) -> None:
        """Until the child has ended (it writes nothing to the pipe, which reads as ready at its end),
        calling ``receive`` every few milliseconds meanwhile."""
        try:
            while True:
                ready, _, _ = select.select([self._ended], [], [], _POLL)
                receive()
                if ready and not os.read(self._ended, 1):
                    return
        except BaseException:  # interrupted: end the child (end() reaps it)
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            raise

    def end(self) -> None:
        """Close its files and reap it, ending it first if it is still at work (after an error)."""
        for fd in (self._ended, self._results):
            os.close(fd)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)  # nothing to a child that has ended and waits to be reaped
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
