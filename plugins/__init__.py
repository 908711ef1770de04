"""Product plugins: one module per product and version line, each declaring its Table 3 locations.

A product plugin knows Cisco's menus and nothing of rules. Built-ins are registered through the
``confcheck`` entry-point group, exactly as third-party plugins are.

A module declares its catalog rows when it is imported; what it collects with (the shared ``_cucm``,
``_imp``, ``_presence`` and ``_unity`` modules, :mod:`confcheck.collect_plan`) is imported by its
collect and version hooks, so that the commands that only read the catalog (``lint`` among them)
import no collection code: about 15 million instructions (2 percent) of a lint's start-up.
"""
