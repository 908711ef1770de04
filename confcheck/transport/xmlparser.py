"""The one lxml parser configuration for XML from the network: no DTDs, entities or network, bounded.

Both ends of AXL (confcheck's client and the lab's simulator) parse SOAP that someone else wrote;
they share this so that hardening one cannot leave the other behind.
"""

from __future__ import annotations

from typing import Any

from lxml import etree


def hardened() -> Any:
    """A fresh ``etree.XMLParser`` that resolves nothing, loads nothing and drops comments and PIs."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
