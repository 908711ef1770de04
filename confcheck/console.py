"""Terminal output conventions: colour only for a human at a TTY, never in CI or with NO_COLOR."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.console import Console


def wants_color(stream: TextIO) -> bool:
    """Colour when ``stream`` is a terminal, ``NO_COLOR`` is unset and we are not in CI."""
    if os.environ.get("NO_COLOR") or os.environ.get("CI"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


@contextmanager
def console(stream: TextIO) -> Iterator[Console]:
    """A rich console writing to ``stream``: styled on a TTY; elsewhere plain text, 120 columns, no
    trailing blanks (files and pipes get text that diffs and greps cleanly)."""
    from rich.console import Console

    color = wants_color(stream)
    buffer = None if color else io.StringIO()
    width = None if color or os.environ.get("COLUMNS") else 120
    yield Console(
        file=stream if buffer is None else buffer,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        emoji=False,
        width=width,
    )
    if buffer is not None:
        stream.write("".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines()))
