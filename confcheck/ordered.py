"""Items without repeats, in the order they first come: what a fix list, a merged renewal and a hop's
related findings each need of the items several sources give them."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TypeVar

_Item = TypeVar("_Item", bound=Hashable)


def once(items: Iterable[_Item]) -> tuple[_Item, ...]:
    """``items`` without repeats, each where it first comes (a list or tuple of one is not hashed: a
    report's plan asks this of thousands of one-finding steps)."""
    if isinstance(items, (list, tuple)) and len(items) < 2:
        return tuple(items)
    return tuple(dict.fromkeys(items))
