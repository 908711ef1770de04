"""CUCM 10.x and later: which UC services and Jabber Client Configuration parameters name servers,
and which of them reach Jabber through a service profile.

What this rests on (notes: research.md §C, §D):

* UC service types and product types: Cisco's AXL schemas (``XUCService``, ``XUCProduct``), 10.0
  to 15.0; *Jabber Client Configuration (jabber-config.xml)* from 12.5. One server field per
  service, ``hostnameorip`` (confirmed, schema).
* A UC service reaches users only through a service profile that lists it as primary, secondary
  or tertiary, or (12.5 and later) as the common, desktop or mobile Jabber configuration (confirmed,
  schema: ``serviceProfileInfo``, ``jabberClientConfigurationProfileInfo``). Services are matched
  to profiles by name. Whether a profile is assigned to any user is not read: every profile counts.
* Jabber configuration parameters that name servers: Cisco's Parameters Reference Guide for
  Cisco Jabber (Phone, Voicemail, Directory sections; confirmed). Where CUCM keeps them: in the
  service's ``ucServiceXml`` as getUcService answers it, section elements holding parameter
  elements (*modelled*: the schema types ``ucServiceXml`` as any XML; CiscoDevNet's sample stores
  them URL-encoded in the ``ucservicexml`` table). Parameters are matched by name in any section,
  case-insensitively, and URL-decoded.
* Which certificate each name meets: Tomcat for IM and Presence, Unity Connection voicemail,
  UDS, TFTP over HTTPS and CCMCIP (TFTP's HTTPS port presenting Tomcat is inferred from Cisco's
  advice to restart TFTP after a Tomcat upload); none for CTI (CTIManager, TCP 2748) and for LDAP
  directories, which are not Cisco servers (*modelled*).
* WebEx product types name Cisco's cloud, not a server of the deployment: not collected.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import unquote

from confcheck import identity, records
from confcheck.model import Setting

if TYPE_CHECKING:
    from confcheck.collect_plan import ExternalHint
    from confcheck.transport.axl import ServiceProfile, UcService

JABBER_CONFIG = "Jabber Client Configuration (jabber-config.xml)"
CLOUD = frozenset({"webex (conferencing)", "webex (im and presence)"})
"""Product types that name Cisco's cloud, not a server of the deployment."""


@records.record
class Names:
    """What a UC service type or a Jabber parameter names: its location key, the certificate it
    meets (empty: none is checked) and the port a Jabber client meets that certificate on."""

    key: str
    purpose: str
    port: int | None = None
    """None: the cluster's Tomcat port."""


SERVICE_TYPES: dict[str, Names] = {
    "im and presence": Names("uc-service-imp", "tomcat", 443),
    "voicemail": Names("uc-service-voicemail", "tomcat", 443),
    "mailstore": Names("uc-service-mailstore", "mailstore", 7993),
    "conferencing": Names("uc-service-conferencing", "conferencing", 443),
    "video conference scheduling portal": Names("uc-service-scheduling-portal", "conferencing", 443),
    "cti": Names("uc-service-cti", ""),
    "directory": Names("uc-service-directory", ""),
}
"""UC service type (casefolded) -> what its Host Name/IP Address names. The port is the default
when the service gives none (Jabber ignores a voicemail server's port and uses HTTPS 443)."""

JABBER_PARAMETERS: dict[str, Names] = {
    "voicemailprimaryserver": Names("jabber-voicemail-primary", "tomcat", 443),
    "voicemailbackup1server": Names("jabber-voicemail-backup1", "tomcat", 443),
    "voicemailbackup2server": Names("jabber-voicemail-backup2", "tomcat", 443),
    "tftpserver1": Names("jabber-tftp-1", "tomcat"),
    "tftpserver2": Names("jabber-tftp-2", "tomcat"),
    "ccmcipserver1": Names("jabber-ccmcip-1", "tomcat"),
    "ccmcipserver2": Names("jabber-ccmcip-2", "tomcat"),
    "udsserver": Names("jabber-uds", "tomcat"),
    "ctiserver1": Names("jabber-cti-1", ""),
    "ctiserver2": Names("jabber-cti-2", ""),
    "primaryservername": Names("jabber-directory-primary", ""),
    "secondaryservername": Names("jabber-directory-secondary", ""),
    "bdiprimaryservername": Names("jabber-directory-bdi", ""),
}
"""Jabber configuration parameter (casefolded) -> what it names (Parameters Reference Guide for
Cisco Jabber 12.5 and 14.0)."""


def memberships(profiles: Iterable[ServiceProfile]) -> dict[str, tuple[str, ...]]:
    """Casefolded UC service name -> the names of the service profiles that hand it out, sorted."""
    found: dict[str, set[str]] = {}
    for profile in profiles:
        named = [n for e in profile.entries for n in (e.primary, e.secondary, e.tertiary)]
        if profile.jabber is not None:
            named += [profile.jabber.common, profile.jabber.desktop, profile.jabber.mobile]
        for name in named:
            if name and name.strip():
                found.setdefault(name.strip().casefold(), set()).add(profile.name)
    return {service: tuple(sorted(names)) for service, names in found.items()}


def is_jabber_config(service: UcService) -> bool:
    return service.service_type.strip().casefold() == JABBER_CONFIG.casefold()


def service_settings(
    line: str, service: UcService, profiles: tuple[str, ...] | None, tomcat_port: int
) -> tuple[list[Setting], list[ExternalHint]]:
    """The settings a UC service holds (its host, or its Jabber parameters) and the servers to meet.

    A service no profile hands out (``profiles == ()``) still gets its settings, marked with no
    profiles, so that the checks can report it as unused; nothing is fetched for it. ``None``: which
    profiles use it is not known, and it is judged as if used.
    """
    from confcheck.collect_plan import ExternalHint
    from confcheck.plugins._presence import port, scheme

    if service.product_type.strip().casefold() in CLOUD:
        return [], []
    if is_jabber_config(service):
        named = [
            (JABBER_PARAMETERS[leaf], unquote(value).strip())
            for path, value in service.xml
            if (leaf := path.rsplit("/", 1)[-1].casefold()) in JABBER_PARAMETERS
        ]
    else:
        kind = SERVICE_TYPES.get(service.service_type.strip().casefold())
        named = [(kind, service.hostnameorip.strip())] if kind is not None else []
    settings: list[Setting] = []
    hints: list[ExternalHint] = []
    for names, value in named:
        if not value:
            continue
        settings.append(Setting(f"{line}.{names.key}", value, service.name, profiles))
        if profiles != () and names.purpose and identity.name_kind(value) in ("ip", "short", "fqdn"):
            default = names.port or tomcat_port
            wanted = port(service.port, default) if not is_jabber_config(service) else default
            hints.append(
                ExternalHint(value, names.purpose, scheme(names.purpose, service.protocol or ""), wanted)
            )
    return settings, hints
