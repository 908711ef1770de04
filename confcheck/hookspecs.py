"""The hooks confcheck calls. Plugins implement them with :data:`confcheck.hookimpl`.

Every hook collects a list from every plugin that implements it (none is ``firstresult``): product
lines, rules and reporters from all installed plugins add up. A plugin implements only the hooks
it needs and may accept fewer arguments than the spec declares.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

from confcheck import PROJECT

if TYPE_CHECKING:
    from confcheck.catalog import ProductLine
    from confcheck.report import Reporter
    from confcheck.rule import Rule

hookspec = pluggy.HookspecMarker(PROJECT)


# -------------------------------------------------------------------------------------------------
# Products: what each product and version line hands to clients
# -------------------------------------------------------------------------------------------------


@hookspec
def confcheck_product_lines() -> list[ProductLine]:  # type: ignore[empty-body]
    """Declare product and version lines and their Table 3 locations.

    A product plugin returns one :class:`~confcheck.catalog.ProductLine` per version line it
    knows (e.g. CUCM 9.x and later), listing every admin setting of that line that hands a server
    name to clients. Lines of one product must not overlap in versions, and location ids must be
    unique across all plugins: confcheck refuses to start otherwise.

    :return: the product lines this plugin declares.
    """


# -------------------------------------------------------------------------------------------------
# Checks
# -------------------------------------------------------------------------------------------------


@hookspec
def confcheck_rules() -> list[Rule]:  # type: ignore[empty-body]
    """Declare rules.

    Each :class:`~confcheck.rule.Rule` has a stable code (``CC101``), a kebab-case name, a
    severity, documentation in four sections (What it checks / Why it matters / Example / How to
    fix) and a check mapping a :class:`~confcheck.engine.Context` to findings. Codes must be
    unique across all plugins; third-party plugins should use codes outside the ``CC1``-``CC4``
    families confcheck uses itself.

    :return: the rules this plugin declares.
    """


# -------------------------------------------------------------------------------------------------
# Output
# -------------------------------------------------------------------------------------------------


@hookspec
def confcheck_reporters() -> list[Reporter]:  # type: ignore[empty-body]
    """Declare output formats for lint results.

    Each :class:`~confcheck.report.Reporter` has a format name (``--format NAME``) and writes a
    :class:`~confcheck.report.Report` to a text stream.

    :return: the reporters this plugin declares.
    """
