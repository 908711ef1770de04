"""Cisco Unity Connection, all versions: no setting to change; voicemail names meet its Tomcat certificate."""

from __future__ import annotations

from confcheck import hookimpl
from confcheck.catalog import ProductLine
from confcheck.plugins import _common

LINE = ProductLine(
    id="unity",
    product="unity",
    versions="all versions",
    min_major=None,
    max_major=None,
    admin="Cisco Unity Connection Administration",
    os_admin="Cisco Unified OS Administration",
    serviceability="Cisco Unity Connection Serviceability",
    certificate_services=((_common.TOMCAT, "Cisco Tomcat"),),
    note=(
        "No setting to change: the voicemail and mail store names configured on CUCM 9.x UC Services "
        "and CUP 8.x are checked against the Tomcat certificate each Unity Connection node presents."
    ),
)


@hookimpl
def confcheck_product_lines() -> list[ProductLine]:
    return [LINE]
