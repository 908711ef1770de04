"""Cisco Jabber clients: the server names the clients themselves hold (Table 3's first row).

The guide's Table 3 starts with the "login server address" set on the client. confcheck files those
names under a cluster of product ``jabber`` per services domain (``[[jabber]]`` in the inventory),
so that they are checked like every other location:

* the installer arguments that name servers, ``CUP_ADDRESS``, ``TFTP``, ``CTI`` and ``CCMCIP``
  (confirmed: On-Premises Deployment for Cisco Jabber 12.9, they take a host name, an IP address or
  an FQDN), from the inventory or a bootstrap file, and the login server of the connection settings;
* the server-naming parameters of the ``jabber-config.xml`` the TFTP servers serve (or the file the
  inventory names): the same parameters as CUCM's Jabber Client Configuration UC service
  (Parameters Reference Guide for Cisco Jabber 12.5 and 14.0).

Which certificate each name meets is the same model as CUCM's: Tomcat for IM and Presence, TFTP
(HTTPS 6972, inferred), CCMCIP and UDS; Unity Connection's Tomcat for voicemail; none for CTI. How
each is changed (reinstall, the bootstrap file, uploading jabber-config.xml to TFTP and restarting
Cisco TFTP) is modelled from common practice, not read from a Cisco page.
"""

from __future__ import annotations

from confcheck import hookimpl
from confcheck.catalog import Location, ProductLine, Target
from confcheck.plugins import _common
from confcheck.plugins._uc_services import JABBER_PARAMETERS
from confcheck.plugins.cucm10 import (
    CTI,
    CTI_NOTE,
    DIRECTORY,
    DIRECTORY_NOTE,
    NAME_ONLY,
    TOMCAT_OF_CUCM,
    TOMCAT_OF_UNITY,
)

ID = "jabber"
ADMIN = "Cisco Jabber clients"
BOOTSTRAP_MENU = "Installer arguments (MSI command line or jabber-bootstrap.properties)"
CONFIG_ADMIN = "Cisco Unified OS Administration"
CONFIG_MENU = "Software Upgrades > TFTP File Management (jabber-config.xml)"
BOOTSTRAP_IMPACT = (
    "Set when Jabber is installed: redeploy the installer arguments or the bootstrap file (or have users "
    "reset Jabber and enter the new value); no server restart. (Modelled.)"
)
CONFIG_IMPACT = (
    "Edit jabber-config.xml, upload it to every TFTP server and restart Cisco TFTP there; Jabber reads it at "
    "sign-in: users sign out and back in. (Modelled.)"
)
IMP_TOMCAT = Target("named", _common.TOMCAT, ("imp", "cup"))
ANY_TOMCAT = Target("named", _common.TOMCAT, ("cucm", "imp", "cup"))

BOOTSTRAP_LOCATIONS: dict[str, str] = {
    "CUP_ADDRESS": f"{ID}.bootstrap-cup-address",
    "TFTP": f"{ID}.bootstrap-tftp",
    "CTI": f"{ID}.bootstrap-cti",
    "CCMCIP": f"{ID}.bootstrap-ccmcip",
    "login_server": f"{ID}.login-server",
}
"""Installer argument (or ``login_server``) -> location id."""


def config_location(parameter: str) -> str | None:
    """The location id of a jabber-config.xml parameter that names a server (any case), or None."""
    names = JABBER_PARAMETERS.get(parameter.casefold())
    return f"{ID}.config-{names.key.removeprefix('jabber-')}" if names else None


def _bootstrap(key: str, field: str, target: Target, against: str, note: str = "") -> Location:
    return Location(
        id=BOOTSTRAP_LOCATIONS[key],
        menu=BOOTSTRAP_MENU if key != "login_server" else "Options > Accounts (connection settings)",
        field=field,
        profile="http",
        target=target,
        checked_against=against,
        impact=BOOTSTRAP_IMPACT,
        note=note,
    )


_CONFIG_TARGETS: dict[str, tuple[Target, str, str]] = {
    "voicemail": (TOMCAT_OF_UNITY, "the Tomcat certificate of the Unity Connection node it names", ""),
    "tftp": (TOMCAT_OF_CUCM, "the Tomcat certificate of the CUCM node it names", ""),
    "ccmcip": (TOMCAT_OF_CUCM, "the Tomcat certificate of the CUCM node it names", ""),
    "uds": (TOMCAT_OF_CUCM, "the Tomcat certificate of the CUCM node it names", ""),
    "cti": (CTI, NAME_ONLY.format(what="a CUCM node"), CTI_NOTE),
    "directory": (DIRECTORY, "nothing: recorded only", DIRECTORY_NOTE),
}


def _config_locations() -> tuple[Location, ...]:
    found = []
    for parameter in sorted(JABBER_PARAMETERS, key=lambda p: JABBER_PARAMETERS[p].key):
        names = JABBER_PARAMETERS[parameter]
        kind = names.key.removeprefix("jabber-").split("-")[0]
        target, against, note = _CONFIG_TARGETS[kind]
        location_id = config_location(parameter)
        assert location_id is not None
        field = next(p for p in _FIELDS if p.casefold() == parameter)
        found.append(
            Location(
                id=location_id,
                menu=CONFIG_MENU,
                field=field,
                profile="http",
                target=target,
                checked_against=against,
                impact=CONFIG_IMPACT,
                note=f"A parameter of the jabber-config.xml the TFTP servers serve (HTTP 6970, HTTPS 6972). {note}".strip(),
                admin=CONFIG_ADMIN,
            )
        )
    return tuple(found)


_FIELDS = (
    "VoicemailPrimaryServer",
    "VoicemailBackup1Server",
    "VoicemailBackup2Server",
    "TftpServer1",
    "TftpServer2",
    "CcmcipServer1",
    "CcmcipServer2",
    "UdsServer",
    "CtiServer1",
    "CtiServer2",
    "PrimaryServerName",
    "SecondaryServerName",
    "BDIPrimaryServerName",
)
"""The parameters as Cisco's reference guide spells them."""


def _locations() -> tuple[Location, ...]:
    cucm_tomcat = "the Tomcat certificate of the CUCM node it names"
    return (
        _bootstrap(
            "CUP_ADDRESS",
            "CUP_ADDRESS",
            IMP_TOMCAT,
            "the Tomcat certificate of the IM and Presence node it names",
            "The IM and Presence server of a client that signs in without service discovery.",
        ),
        _bootstrap(
            "TFTP", "TFTP", TOMCAT_OF_CUCM, cucm_tomcat, "TFTP's HTTPS port presenting Tomcat is inferred."
        ),
        _bootstrap("CTI", "CTI", CTI, NAME_ONLY.format(what="a CUCM node"), CTI_NOTE),
        _bootstrap("CCMCIP", "CCMCIP", TOMCAT_OF_CUCM, cucm_tomcat),
        _bootstrap(
            "login_server",
            "Login server (server address)",
            ANY_TOMCAT,
            "the Tomcat certificate of the CUCM or IM and Presence node it names",
            "Table 3's 'login server address, under connection settings': the server a user types in "
            "when automatic discovery is off.",
        ),
        *_config_locations(),
    )


LINE = ProductLine(
    id=ID,
    product="jabber",
    versions="all releases",
    min_major=None,
    max_major=None,
    admin=ADMIN,
    os_admin=ADMIN,
    serviceability=ADMIN,
    locations=_locations(),
    note=(
        "The names the clients hold themselves, per services domain ([[jabber]] in confcheck.toml): installer "
        "arguments (or a bootstrap file), the login server of the connection settings, and the "
        "jabber-config.xml the TFTP servers serve. Discovery (_cisco-uds, UDS, service profiles, "
        "_collab-edge) is what 'confcheck journey' follows."
    ),
)


@hookimpl
def confcheck_product_lines() -> list[ProductLine]:
    return [LINE]
