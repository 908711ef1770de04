"""confcheck: every server name handed to Jabber clients, checked against the certificate presented.

Plugins implement the hooks in :mod:`confcheck.hookspecs` and mark them with :data:`hookimpl`.
A plugin is a plain module, registered under the ``confcheck`` entry-point group::

    [project.entry-points.confcheck]
    my_rules = "my_package.my_rules"

The built-in product plugins, rules and reporters are registered exactly that way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

PROJECT = "confcheck"

if TYPE_CHECKING:
    import pluggy

    hookimpl: pluggy.HookimplMarker


def __getattr__(name: str) -> Any:
    """``hookimpl`` is made on first use: commands that load no plugin never import pluggy."""
    if name == "hookimpl":
        import pluggy

        marker = pluggy.HookimplMarker(PROJECT)
        globals()["hookimpl"] = marker
        return marker
    raise AttributeError(f"module 'confcheck' has no attribute {name!r}")


__all__ = ["PROJECT", "__version__", "hookimpl"]
