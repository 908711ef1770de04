"""The location catalog: every row of Cisco's Table 3 (DESIGN.md), declared by the product plugins."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from conftest import Run

from confcheck import plugin_manager
from confcheck.catalog import Catalog, Location, ProductLine, Target
from confcheck.errors import CatalogError

# (line, menu path inside the line's admin application, field or None, profile): one per Table 3 row.
TABLE_3 = [
    ("cup8", "System > Cluster Topology", "Fully Qualified Domain Name/IP Address", "http"),
    ("cup8", "Application > Cisco Jabber > Settings", "Primary TFTP Server", "http"),
    ("cup8", "Application > Cisco Jabber > Settings", "Backup TFTP Server", "http"),
    ("cup8", "Application > Cisco Jabber > CCMCIP Profile", "Primary CCMCIP Host", "http"),
    ("cup8", "Application > Cisco Jabber > CCMCIP Profile", "Backup CCMCIP Host", "http"),
    ("cup8", "Application > Cisco Jabber > Voicemail Server", "Hostname/IP Address", "http"),
    ("cup8", "Application > Cisco Jabber > Mailstore", "Hostname/IP Address", "http"),
    ("cup8", "Application > Cisco Jabber > Conferencing Server", "Hostname/IP Address", "http"),
    ("imp9", "System > Cluster Topology", "Fully Qualified Domain Name/IP Address", "http"),
    ("imp9", "Application > Legacy Clients > Settings", "Primary TFTP Server", "http"),
    ("imp9", "Application > Legacy Clients > Settings", "Backup TFTP Server", "http"),
    ("imp9", "Application > Legacy Clients > CCMCIP Profile", "Primary CCMCIP Host", "http"),
    ("imp9", "Application > Legacy Clients > CCMCIP Profile", "Backup CCMCIP Host", "http"),
    (
        "imp9",
        "System > Security > Settings",
        "Domain name for XMPP Server-to-Server Certificate Subject Alternative Name",
        "xmpp",
    ),
    ("cucm8", "System > Server", "Host Name/IP Address", "http"),
    ("cucm9", "System > Server", "Host Name/IP Address", "http"),
    (
        "cucm9",
        "User Management > User Settings > UC Service (IM and Presence)",
        "Hostname/IP Address",
        "http",
    ),
    ("cucm9", "User Management > User Settings > UC Service (Voicemail)", "Hostname/IP Address", "http"),
    ("cucm9", "User Management > User Settings > UC Service (MailStore)", "Hostname/IP Address", "http"),
    ("cucm9", "User Management > User Settings > UC Service (Conferencing)", "Hostname/IP Address", "http"),
]


@pytest.mark.parametrize(
    ("line", "menu", "field", "profile"), TABLE_3, ids=[f"{r[0]}:{r[2]}" for r in TABLE_3]
)
def test_every_table_3_row_is_in_confcheck_locations(
    confcheck: Callable[..., Run], line: str, menu: str, field: str, profile: str
) -> None:
    result = confcheck("locations", "--format", "json")
    assert result.code == 0
    lines = {entry["line"]: entry for entry in json.loads(result.out)}
    admin = lines[line]["admin"]
    rows = [(loc["menu"], loc["field"], loc["profile"]) for loc in lines[line]["locations"]]
    assert (f"{admin} > {menu}", field, profile) in rows


def test_unity_connection_has_no_setting_and_says_so(confcheck: Callable[..., Run]) -> None:
    lines = {entry["line"]: entry for entry in json.loads(confcheck("locations", "--format", "json").out)}
    assert lines["unity"]["locations"] == []
    assert "No setting to change" in lines["unity"]["note"]


def test_text_listing_names_every_line_and_location(confcheck: Callable[..., Run]) -> None:
    out = confcheck("locations").out
    for line in plugin_manager.catalog().lines:
        assert f"({line.id})" in out
        for location in line.locations:
            assert location.id in out


def test_version_lines_cover_every_release_once() -> None:
    catalog = plugin_manager.catalog()
    for product, majors in {
        "cucm": (6, 8, 9, 15),
        "cup": (7, 8),
        "imp": (9, 10, 15),
        "unity": (7, 9, 14),
    }.items():
        for major in majors:
            assert catalog.line_for(product, major) is not None, (product, major)
    assert catalog.line_for("cucm", 8).id == "cucm8"  # type: ignore[union-attr]
    assert catalog.line_for("cucm", 9).id == "cucm9"  # type: ignore[union-attr]
    assert catalog.line_for("imp", 8) is None  # IM and Presence starts at 9.0; before that it was CUP


def _line(line_id: str, product: str, low: int | None, high: int | None, *ids: str) -> ProductLine:
    locations = tuple(
        Location(i, "Menu", "Field", "http", Target("named", "tomcat"), "a certificate") for i in ids
    )
    return ProductLine(line_id, product, "", low, high, "Admin", "OS Admin", "Serviceability", locations)


def test_catalog_refuses_overlapping_version_lines() -> None:
    with pytest.raises(CatalogError, match="both cover cucm"):
        Catalog([_line("a", "cucm", None, 9), _line("b", "cucm", 9, None)])


def test_catalog_refuses_duplicate_location_ids() -> None:
    with pytest.raises(CatalogError, match="declared twice"):
        Catalog([_line("a", "cucm", None, 8, "x.one"), _line("b", "unity", None, None, "x.one")])
