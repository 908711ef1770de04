"""The cyclic garbage collector, paused while a large model is built or judged.

Loading a snapshot and running the rules allocate millions of objects that live to the end of the run
and form no reference cycles (frozen dataclasses, tuples, strings). The collector would walk the whole
growing heap again each time the long-lived objects grow by a quarter: at 10,000 clusters that was a
third of ``confcheck lint``'s time. Garbage without cycles is still freed at once by reference counting;
cycles, if any, wait for the collector's next full pass: what a pause made is filed with the oldest
objects when it ends, so the first young-generation pass after it does not walk it all (at 3,000
clusters two such passes took 0.09 s).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """Run the body with the collector off, then back as it was (nested pauses resume at the outermost)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if not gc.get_freeze_count():  # nobody else's frozen objects to thaw with ours
            # what the body made joins the oldest generation at once (freezing moves every tracked object
            # aside, unfreezing puts them all back as old), so the collector's first pass after the pause
            # does not walk all of it as young objects: a constant-time move, no collection
            gc.freeze()
            gc.unfreeze()
        gc.enable()


def before_exit() -> None:
    """For a process about to end: every object is filed with the frozen ones, out of the collector's
    reach, so that the interpreter's full collections at exit do not walk them all once more to find no
    cycle (7 to 10 percent of a lint's CPU, some 0.08 s of the demo's). Objects are still freed by
    reference counting at exit; a cycle still alive is left to the operating system, as Python allows
    (finalizers are not guaranteed to run for objects alive at exit)."""
    gc.freeze()
