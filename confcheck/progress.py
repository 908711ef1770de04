"""Progress on standard error while collecting: a live display for a person at a terminal, nothing otherwise.

Off when stderr is not a terminal, when ``CI`` or ``NO_COLOR`` is set, and with ``--no-progress``:
pipelines get clean logs, and machine output stays alone on stdout.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from confcheck.collect_plan import Progress
from confcheck.console import wants_color

LABELS = {
    "clusters": "Reading cluster configurations",
    "names": "Resolving names",
    "certificates": "Fetching certificates",
    "dns": "Looking up DNS records",
    "discovery": "Following Jabber's discovery",
}
"""One bar per phase of :func:`confcheck.collect.collect`, in the order they run."""


@contextmanager
def display(enabled: bool) -> Iterator[Progress]:
    """A progress callback for :func:`confcheck.collect.collect`; silent unless ``enabled`` and on a TTY."""
    if not enabled or not wants_color(sys.stderr):
        yield lambda stage, done, total: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bars = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(file=sys.stderr),
        transient=True,
    )
    tasks: dict[str, object] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bars.add_task(LABELS.get(stage, stage), total=total)
        bars.update(tasks[stage], completed=done, total=total)  # type: ignore[arg-type]

    with bars:
        yield update
