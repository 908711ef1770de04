"""Terminal output conventions: colour only for a human at a TTY, never in CI or with NO_COLOR."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.console import Console


_UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
"""Control characters (all but the line feed) and bidirectional overrides: shown, never obeyed."""


def safe(text: object, line_breaks: bool = True) -> str:
    """``text`` for a terminal: control characters (and, unless ``line_breaks``, the line feed too) shown
    as escapes such as ``\\x1b``, so a value from a server cannot move the cursor, clear the screen or set
    the window title."""
    value = str(text)
    if value.isascii() and value.isprintable():
        return value
    value = _UNSAFE.sub(lambda m: _escape(m.group()), value)
    return value if line_breaks else value.replace("\n", "\\n")


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


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
