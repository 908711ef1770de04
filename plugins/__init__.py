"""Product plugins: one module per product and version line, each declaring its Table 3 locations.

A product plugin knows Cisco's menus and nothing of rules. Built-ins are registered through the
``confcheck`` entry-point group, exactly as third-party plugins are.
"""
