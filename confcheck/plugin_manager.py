"""Load the plugins (built-in and third-party alike, from the ``confcheck`` entry-point group).

``CONFCHECK_DISABLE_PLUGINS=name,name`` blocks plugins by entry-point name;
``CONFCHECK_TRACE_PLUGINS=1`` traces every hook call on standard error.

Every entry point of the group is discovered at first use, and every third-party plugin is imported
then, whatever it implements. A built-in plugin is imported when the hooks of its kind are first
called: what a command does not use costs it no start-up time (``confcheck lint`` imports no
collection code and one reporter). The kind of a built-in is its package: ``confcheck.plugins``
(product lines and their collection), ``confcheck.rules`` (rules) and ``confcheck.reports``
(reporters, one format each, registered as ``report-FORMAT``); tests/test_imports.py holds each
built-in to the hooks of its kind. Which hooks a third-party plugin implements cannot be known without
importing it. Third-party plugins are registered before the built-ins, so for the hooks where the first
answer wins (version detection, collection) a built-in answers first for the products it covers; a
third-party plugin that means to answer for them marks its implementation ``tryfirst``.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
import types
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Literal

import pluggy

from confcheck import PROJECT, entry_points, hookspecs
from confcheck.entry_points import EntryPoint
from confcheck.errors import CatalogError, ConfcheckError

if TYPE_CHECKING:
    from confcheck.catalog import Catalog
    from confcheck.report import Reporter
    from confcheck.rule import Rule

Kind = Literal["products", "rules", "reports"]

KINDS: dict[str, Kind] = {
    f"{PROJECT}.plugins": "products",
    f"{PROJECT}.rules": "rules",
    f"{PROJECT}.reports": "reports",
}
"""The package of a built-in plugin, and the hooks it implements: the product hooks (product lines,
version detection, collection), ``confcheck_rules`` or ``confcheck_reporters``."""
HOOKS: dict[Kind, frozenset[str]] = {
    "products": frozenset({"confcheck_product_lines", "confcheck_detect_version", "confcheck_collect"}),
    "rules": frozenset({"confcheck_rules"}),
    "reports": frozenset({"confcheck_reporters"}),
}
REPORT_PREFIX = "report-"
"""A built-in reporter's entry point is ``report-FORMAT``."""


def kind(entry_point: EntryPoint) -> Kind | None:
    """The kind of a built-in plugin; None for a third-party one."""
    package = entry_point.value.partition(":")[0].rpartition(".")[0]
    return KINDS.get(package)


_HOOKABLE = (types.FunctionType, staticmethod, classmethod, types.MethodType)
"""What pluggy takes a hook implementation from: a plain function (a module's, mostly), a static or
class method, or a bound method; anything else it passes over."""


class _Manager(pluggy.PluginManager):
    """pluggy's manager, passing over a module's other names (its imports, constants, classes, unmarked
    functions) at once.

    To find a plugin's hook implementations, pluggy looks up each name ``dir()`` lists with
    ``inspect.getattr_static``: some 10 µs a name, about 7 ms of a ``confcheck lint`` for the 780 names
    of its plugin modules. A module's attribute that is none of :data:`_HOOKABLE` cannot be a hook
    implementation, nor can a plain function without the ``confcheck_impl`` mark ``@hookimpl`` sets (the
    mark pluggy reads from a module's function, the function itself being its holder), so they are
    passed over here without the lookup; every other name (and every name of a plugin that is no
    module) is pluggy's to judge, as before.
    """

    def parse_hookimpl_opts(self, plugin: object, name: str) -> pluggy.HookimplOpts | None:
        if isinstance(plugin, types.ModuleType):
            value = plugin.__dict__.get(name)
            if value is not None and not isinstance(value, _HOOKABLE):
                return None
            if isinstance(value, types.FunctionType) and not hasattr(value, _MARK):
                return None
        return super().parse_hookimpl_opts(plugin, name)


_MARK = f"{PROJECT}_impl"
"""The attribute ``pluggy.HookimplMarker(PROJECT)`` sets on the functions it marks."""


_LOCK = threading.RLock()
"""Held while plugins are imported and registered: collection reads clusters in threads, and each must
see a manager with every plugin it asked for registered, not one another thread is still filling."""


class _Plugins:
    """The plugin manager and the entry points not imported yet."""

    def __init__(self) -> None:
        self.pm: pluggy.PluginManager = _Manager(PROJECT)
        self.pm.add_hookspecs(hookspecs)
        for name in os.environ.get("CONFCHECK_DISABLE_PLUGINS", "").split(","):
            if name.strip():
                self.pm.set_blocked(name.strip())
        self.pending = self._discover()
        if not self.pending:
            raise ConfcheckError("no plugins are installed, not even the built-in ones: reinstall confcheck")
        self.load(lambda ep: kind(ep) is None)  # third-party plugins: all of them, now
        if os.environ.get("CONFCHECK_TRACE_PLUGINS"):
            self.pm.trace.root.setwriter(sys.stderr.write)
            self.pm.enable_tracing()

    def _discover(self) -> list[EntryPoint]:
        """The group's entry points not blocked, first of each name, in pluggy's order (distributions as
        importlib.metadata lists them)."""
        return [ep for ep in entry_points.declared(PROJECT) if not self.pm.is_blocked(ep.name)]

    def load(self, wanted: Callable[[EntryPoint], bool]) -> pluggy.PluginManager:
        """Import and register the pending entry points ``wanted`` selects; returns the manager."""
        with _LOCK:
            chosen = [ep for ep in self.pending if wanted(ep)]
            if not chosen:
                return self.pm
            self.pending = [ep for ep in self.pending if not wanted(ep)]
            try:
                for ep in chosen:
                    self.pm.register(ep.load(), name=ep.name)
            except Exception as exc:
                raise ConfcheckError(
                    f"a plugin failed to load ({type(exc).__name__}: {exc}); block it with CONFCHECK_DISABLE_PLUGINS"
                ) from None
            self.pm.check_pending()
            return self.pm

    def of_kind(self, wanted: Kind) -> pluggy.PluginManager:
        """The manager with every plugin that may implement the hooks of ``wanted`` registered."""
        return self.load(lambda ep: kind(ep) == wanted)

    @property
    def report_formats(self) -> set[str]:
        """The formats of the built-in reporters not imported yet."""
        return {
            ep.name.removeprefix(REPORT_PREFIX)
            for ep in self.pending
            if kind(ep) == "reports" and ep.name.startswith(REPORT_PREFIX)
        }


_made: list[_Plugins] = []


def _plugins() -> _Plugins:
    """The process-wide plugins: one, however many threads ask first."""
    with _LOCK:
        if not _made:
            _made.append(_Plugins())
        return _made[0]


def plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager with every plugin loaded (collection calls its hooks)."""
    return _plugins().load(lambda ep: True)


@functools.cache
def catalog() -> Catalog:
    """Every product line the plugins declare."""
    from confcheck.catalog import Catalog

    hook = _plugins().of_kind("products").hook
    return Catalog(line for lines in hook.confcheck_product_lines() for line in lines)


@functools.cache
def rules() -> tuple[Rule, ...]:
    """Every rule the plugins declare, by code."""
    found: dict[str, Rule] = {}
    for batch in _plugins().of_kind("rules").hook.confcheck_rules():
        for rule in batch:
            if rule.code in found:
                raise CatalogError(
                    f"rule code {rule.code} is declared twice ({found[rule.code].name}, {rule.name})"
                )
            found[rule.code] = rule
    return tuple(sorted(found.values(), key=lambda r: r.code))


@functools.cache
def reporters() -> dict[str, Reporter]:
    """Every output format the plugins declare, by name."""
    return _reporters(_plugins().of_kind("reports").hook.confcheck_reporters())


@functools.cache
def reporter(name: str) -> Reporter | None:
    """The reporter of format ``name``, or None; imports no other built-in reporter unless a third-party
    plugin declares one of their formats too (that is an error, reported as :func:`reporters` does)."""
    plugins = _plugins()
    pending = plugins.report_formats
    if name in pending:
        plugins.load(lambda ep: kind(ep) == "reports" and ep.name == REPORT_PREFIX + name)
    found = _reporters(plugins.pm.hook.confcheck_reporters())
    if pending & (found.keys() - {name}):
        found = reporters()
    return found.get(name)


def _reporters(batches: Iterable[list[Reporter]]) -> dict[str, Reporter]:
    found: dict[str, Reporter] = {}
    for batch in batches:
        for reporter in batch:
            if reporter.name in found:
                raise CatalogError(f"output format {reporter.name!r} is declared twice")
            found[reporter.name] = reporter
    return found


def plugins() -> list[tuple[str, str, list[str]]]:
    """(entry-point name, module, hooks implemented) for each loaded plugin, for ``confcheck plugins``."""
    pm = plugin_manager()
    rows = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:
            continue
        hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or [])
        rows.append((name, getattr(plugin, "__name__", repr(plugin)), hooks))
    return sorted(rows)
