"""Cisco Unified Communications Manager 9.x: server names and the UC Services Jabber reads (10.x and
later: :mod:`confcheck.plugins.cucm10`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from confcheck import hookimpl
from confcheck.catalog import Location, ProductLine, Target
from confcheck.model import major_version
from confcheck.plugins import _common
from confcheck.plugins.cucm8 import ADMIN, CERTIFICATE_SERVICES, OS_ADMIN, SERVICEABILITY, server_name

if TYPE_CHECKING:
    from confcheck.collect_context import CollectContext
    from confcheck.collect_plan import ClusterPlan
    from confcheck.config import ClusterConfig


def _uc_service(
    key: str, product_type: str, target: Target, checked_against: str, note: str = ""
) -> Location:
    return _common.uc_service(
        "cucm9", key, product_type, "Hostname/IP Address", target, checked_against, note
    )


LINE = ProductLine(
    id="cucm9",
    product="cucm",
    versions="9.x",
    min_major=9,
    max_major=9,
    admin=ADMIN,
    os_admin=OS_ADMIN,
    serviceability=SERVICEABILITY,
    locations=(
        server_name("cucm9"),
        _uc_service(
            "imp",
            "IM and Presence",
            Target("named", _common.TOMCAT, ("imp", "cup")),
            "the Tomcat certificate of the IM and Presence node it names",
        ),
        _uc_service(
            "voicemail",
            "Voicemail",
            Target("named", _common.TOMCAT, ("unity",)),
            "the Tomcat certificate of the Unity Connection node it names",
        ),
        _uc_service(
            "mailstore",
            "MailStore",
            Target("named", _common.MAILSTORE, ("unity",)),
            "the certificate of the mail store it names (IMAP)",
        ),
        _uc_service(
            "conferencing",
            "Conferencing",
            Target("named", _common.CONFERENCING),
            "the certificate of the conferencing server it names",
            note="MeetingPlace only.",
        ),
    ),
    certificate_services=CERTIFICATE_SERVICES,
)


@hookimpl
def confcheck_product_lines() -> list[ProductLine]:
    return [LINE]


@hookimpl
def confcheck_collect(cluster: ClusterConfig, context: CollectContext) -> ClusterPlan | None:
    from confcheck.plugins import _cucm

    if cluster.product != LINE.product or not LINE.covers(major_version(cluster.version or "")):
        return None
    return _cucm.collect(cluster, context, LINE.id)


@hookimpl
def confcheck_detect_version(cluster: ClusterConfig, context: CollectContext) -> str | None:
    from confcheck.plugins import _cucm

    return _cucm.detect_version(cluster, context)
