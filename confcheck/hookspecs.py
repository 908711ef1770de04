"""The hooks confcheck calls. Plugins implement them with :data:`confcheck.hookimpl`.

The declaring hooks collect a list from every plugin that implements them: product lines, rules and
reporters from all installed plugins add up. Version detection and collection are ``firstresult``:
the first plugin that answers for a cluster's product wins. A plugin implements only the hooks it
needs and may accept fewer arguments than the spec declares.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

from confcheck import PROJECT

if TYPE_CHECKING:
    from confcheck.catalog import ProductLine
    from confcheck.collect_context import CollectContext
    from confcheck.collect_plan import ClusterPlan
    from confcheck.config import ClusterConfig
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
# Collection: the only hooks that do I/O, and only through the context's transports
# -------------------------------------------------------------------------------------------------


@hookspec(firstresult=True)
def confcheck_detect_version(cluster: ClusterConfig, context: CollectContext) -> str | None:
    """Find the full version of a cluster whose inventory entry gives none.

    Called only when ``cluster.version`` is None. Return None if this plugin does not handle
    ``cluster.product``; the first answer wins.

    :param cluster: the inventory entry (credentials included; never log them).
    :param context: transports and DNS for this collection (``context.axl``, ``context.admin``).
    :return: the version string as the product reports it, e.g. ``9.1.2.10000-28``.
    """


@hookspec(firstresult=True)
def confcheck_collect(cluster: ClusterConfig, context: CollectContext) -> ClusterPlan | None:
    """Read one cluster's configuration: its nodes, the settings that name servers, the endpoints to meet.

    Called with ``cluster.version`` set. Return None unless this plugin's product line covers
    ``cluster.product`` at that version; the first answer wins. Raise a
    :class:`~confcheck.errors.ConfcheckError` with a ``kind`` (``auth``, ``connect``, ...) when the
    cluster cannot be read: collection records it as a problem and goes on with the rest. Do not
    fetch certificates: list the endpoints, collection fetches them all at once.

    :param cluster: the inventory entry, version included.
    :param context: transports and DNS for this collection.
    :return: the cluster's plan.
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
