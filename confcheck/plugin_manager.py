"""Load the plugins (built-in and third-party alike, from the ``confcheck`` entry-point group).

``CONFCHECK_DISABLE_PLUGINS=name,name`` blocks plugins by entry-point name;
``CONFCHECK_TRACE_PLUGINS=1`` traces every hook call on standard error.
"""

from __future__ import annotations

import functools
import os
import sys

import pluggy

from confcheck import PROJECT, hookspecs
from confcheck.catalog import Catalog
from confcheck.errors import CatalogError, ConfcheckError
from confcheck.report import Reporter
from confcheck.rule import Rule


@functools.cache
def plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager, loaded once."""
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in os.environ.get("CONFCHECK_DISABLE_PLUGINS", "").split(","):
        if name.strip():
            pm.set_blocked(name.strip())
    try:
        pm.load_setuptools_entrypoints(PROJECT)
    except Exception as exc:
        raise ConfcheckError(
            f"a plugin failed to load ({type(exc).__name__}: {exc}); block it with CONFCHECK_DISABLE_PLUGINS"
        ) from None
    pm.check_pending()
    if not pm.get_plugins():
        raise ConfcheckError("no plugins are installed, not even the built-in ones: reinstall confcheck")
    if os.environ.get("CONFCHECK_TRACE_PLUGINS"):
        pm.trace.root.setwriter(sys.stderr.write)
        pm.enable_tracing()
    return pm


@functools.cache
def catalog() -> Catalog:
    """Every product line the plugins declare."""
    return Catalog(line for lines in plugin_manager().hook.confcheck_product_lines() for line in lines)


@functools.cache
def rules() -> tuple[Rule, ...]:
    """Every rule the plugins declare, by code."""
    found: dict[str, Rule] = {}
    for batch in plugin_manager().hook.confcheck_rules():
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
    found: dict[str, Reporter] = {}
    for batch in plugin_manager().hook.confcheck_reporters():
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
