"""confcheck: every server name handed to Jabber clients, checked against the certificate presented.

Plugins implement the hooks in :mod:`confcheck.hookspecs` and mark them with :data:`hookimpl`.
A plugin is a plain module, registered under the ``confcheck`` entry-point group::

    [project.entry-points.confcheck]
    my_rules = "my_package.my_rules"

The built-in product plugins, rules and reporters are registered exactly that way.
"""

from __future__ import annotations

import pluggy

__version__ = "0.1.0"

PROJECT = "confcheck"
hookimpl = pluggy.HookimplMarker(PROJECT)

__all__ = ["PROJECT", "__version__", "hookimpl"]
