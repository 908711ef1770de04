"""The entry points of one group, read without importing importlib.metadata where that gives its answer.

importlib.metadata costs a command some 15 ms to import where nothing else imports it (zipfile, csv
and more come with it), and nearly always finds what one file says: confcheck's own
``entry_points.txt``, the built-in plugins. It finds distributions through each finder on ``sys.meta_path`` that has
``find_distributions``; the standard one, PathFinder, lists each ``sys.path`` entry and takes the
children named ``*.dist-info`` or ``*.egg-info`` (and ``EGG-INFO`` in a ``*.egg`` directory), each
read for its ``entry_points.txt`` (Python 3.10 to 3.13 alike).

:func:`declared` looks in the same places and parses each file as
importlib.metadata does. Its answer stands only where it cannot differ: every distribution that
declares the group declares the very same entries (confcheck itself, maybe found twice, as an editable
install is from its source directory), so the order in which importlib.metadata would list the
distributions cannot matter. Anything else answers through importlib.metadata, as before: two
distributions declaring different entries (a third-party plugin), a ``sys.path`` entry that exists but
is no directory (a zip file), another finder on ``sys.meta_path`` that finds distributions, or any
file that cannot be read or parsed.
"""

from __future__ import annotations

import functools
import importlib.machinery
import os
import re
import sys
from importlib import import_module
from typing import Any, Protocol, cast

PATTERN = re.compile(r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?((?P<extras>\[.*\])\s*)?$")
"""importlib.metadata's ``EntryPoint.pattern``: a module, an optional attribute path, optional extras."""


class EntryPoint(Protocol):
    """What confcheck reads of an entry point; importlib.metadata's ``EntryPoint`` is one too."""

    @property
    def name(self) -> str: ...

    @property
    def value(self) -> str: ...

    @property
    def group(self) -> str: ...

    def load(self) -> Any: ...


class Declared:
    """An entry point read here; ``load`` imports it as importlib.metadata's ``EntryPoint.load`` does."""

    __slots__ = ("group", "name", "value")

    def __init__(self, name: str, value: str, group: str) -> None:
        self.name = name
        self.value = value
        self.group = group

    def load(self) -> Any:
        match = cast("re.Match[str]", PATTERN.match(self.value))
        module = import_module(match.group("module"))
        attrs = filter(None, (match.group("attr") or "").split("."))
        return functools.reduce(getattr, attrs, module)

    def __repr__(self) -> str:
        return f"Declared(name={self.name!r}, value={self.value!r}, group={self.group!r})"


class _Unsure(Exception):
    """What was read here might not be importlib.metadata's answer: ask it."""


def declared(group: str) -> list[EntryPoint]:
    """The entry points of ``group``: the first of each name, in the order importlib.metadata lists
    them (the entry points of ``importlib.metadata.distributions()``, distribution by distribution)."""
    try:
        found: list[EntryPoint] = list(_read(group))
    except _Unsure:
        import importlib.metadata

        found = [
            ep for dist in importlib.metadata.distributions() for ep in dist.entry_points if ep.group == group
        ]
    first: dict[str, EntryPoint] = {}
    for ep in found:
        first.setdefault(ep.name, ep)
    return list(first.values())


def _read(group: str) -> list[Declared]:
    for finder in sys.meta_path:
        if finder is not importlib.machinery.PathFinder and getattr(finder, "find_distributions", None):
            raise _Unsure  # another finder of distributions
    answers: list[list[tuple[str, str]]] = []
    try:
        for root in list(sys.path):
            for info in _metadata_directories(root):
                entries = _entries(info, group)
                if entries:
                    answers.append(entries)
    except _Unsure:
        raise
    except Exception as exc:  # whatever importlib.metadata makes of it, it says itself
        raise _Unsure from exc
    if any(entries != answers[0] for entries in answers[1:]):
        raise _Unsure
    return [Declared(name, value, group) for name, value in answers[0]] if answers else []


def _metadata_directories(root: str) -> list[str]:
    """Where PathFinder looks for distributions in the ``sys.path`` entry ``root``."""
    directory = root or "."
    try:
        children = os.listdir(directory)
    except OSError:
        if os.path.lexists(directory):
            raise _Unsure from None  # a zip file, or a directory that cannot be listed
        return []  # nothing there: importlib.metadata finds nothing either
    in_egg = os.path.basename(root).lower().endswith(".egg")
    return [
        os.path.join(root, child)
        for child in children
        if child.lower().endswith((".dist-info", ".egg-info")) or (in_egg and child.lower() == "egg-info")
    ]


def _entries(info: str, group: str) -> list[tuple[str, str]]:
    """The (name, value) pairs ``info/entry_points.txt`` declares in ``group``, parsed as
    importlib.metadata's ``Sectioned`` does (a line of any section without ``=`` is its error)."""
    try:
        with open(os.path.join(info, "entry_points.txt"), encoding="utf-8") as file:
            text = file.read()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError):
        return []  # importlib.metadata reads no entry points there either
    found = []
    section = None
    for line in map(str.strip, text.splitlines()):
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line.strip("[]")
        elif section is not None:
            if "=" not in line:
                raise _Unsure
            if section == group:
                name, value = line.split("=", 1)
                found.append((name.strip(), value.strip()))
    return found
