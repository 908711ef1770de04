"""The inventory, ``confcheck.toml``: which clusters to collect, how to reach them, how gently.

Passwords are never in the file: ``password_env`` names an environment variable, and on a terminal
confcheck asks when it is unset. Every error names the file, the line and the key::

    confcheck.toml:14: cluster[2].product: 'cucmx' is not one of cucm, cup, imp, unity
"""

from __future__ import annotations

import getpass
import ipaddress
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from confcheck import inputs, records
from confcheck.discovery_model import Client
from confcheck.engine import CheckOptions
from confcheck.errors import InputError
from confcheck.gate import Waiver
from confcheck.model import INVENTORY_PRODUCTS, PLATFORMS
from confcheck.report import Cover
from confcheck.transport.tls_policy import TlsPolicy, check_ca_bundle

if TYPE_CHECKING:
    from confcheck.certs import Certificate

PURPOSES = ("tomcat", "cup-xmpp", "mailstore", "conferencing")


class ConfigError(InputError):
    """An inventory that cannot be used."""


@records.record
class ClusterConfig:
    """One cluster to collect; the publisher is where AXL and the admin pages are."""

    name: str
    product: str
    publisher: str
    version: str | None = None
    """None: detected (AXL getCCMVersion, or the admin pages)."""
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    tls: TlsPolicy = field(default_factory=TlsPolicy)
    nodes: tuple[str, ...] = ()
    """Nodes beyond the publisher, for products whose node list cannot be read (Unity Connection)."""
    axl_port: int = 8443
    admin_port: int = 8443
    tomcat_port: int = 8443
    xmpp_port: int = 5222
    unified_cm: tuple[str, ...] = ()
    """Expressway-C: the Unified CM publisher addresses as configured (Configuration > Unified
    Communications > Unified CM servers), exactly as typed there."""
    im_and_presence: tuple[str, ...] = ()
    """Expressway-C: the IM and Presence Service publisher addresses as configured."""
    unity_connection: tuple[str, ...] = ()
    """Expressway-C: the Unity Connection servers as configured."""
    tls_verify: bool = True
    """Expressway-C: TLS verify mode of those servers (Cisco recommends On)."""


BOOTSTRAP_KEYS = ("CUP_ADDRESS", "TFTP", "CTI", "CCMCIP")
"""Jabber for Windows installer arguments that name servers (On-Premises Deployment for Cisco Jabber
12.9: they take a host name, an IP address or an FQDN)."""
CERTIFICATE_BEHAVIORS = ("RejectAndNotify", "PromptPerSession")
"""``InvalidCertificateBehavior`` (the same guide): refuse with a warning, or let the user accept."""
TRUST_STORE_KEYS = ("windows", "windows_enterprise", "macos", "ios", "android")
"""``[check.trust_stores]``: Windows' Trusted Root Certification Authorities, Windows' Enterprise Trust,
the macOS keychain, the iOS/iPadOS and Android trust stores."""
MAX_JABBER_FILE = 1024 * 1024
"""A jabber-config.xml or bootstrap file larger than this is not one."""


@records.record
class JabberConfig:
    """One ``[[jabber]]``: a services domain users sign in with, and what the inventory knows of its clients."""

    name: str
    """The name of the ``jabber`` cluster the clients' settings are filed under."""
    services_domain: str
    xmpp_domains: tuple[str, ...]
    home: str | None = None
    """The CUCM cluster users of this domain are homed on; None: found from the SRV targets."""
    internal_dns: tuple[str, int] | None = None
    """The office's DNS server; None: ``[collect] dns_server`` (or the system resolver)."""
    external_dns: tuple[str, int] | None = None
    """A DNS server answering as the Internet does; None: the outside is not asked."""
    clients: tuple[Client, ...] = ()
    service_profile: str | None = None
    """The service profile of the users followed (a test user's); None: CUCM's default profile."""
    invalid_certificate_behavior: str | None = None
    bootstrap: tuple[tuple[str, str], ...] = ()
    """(installer argument, value), e.g. ("TFTP", "10.0.0.11"), and ("login_server", ...)."""
    bootstrap_source: str = ""
    """Where the bootstrap values come from: confcheck.toml, or the bootstrap file."""
    jabber_config: tuple[str, bytes] | None = None
    """(path, content) of a jabber-config.xml the inventory names, when the clients do not get it from TFTP."""


@records.record
class ExternalConfig:
    """A server outside the clusters that settings name (mail store, conferencing) and where to reach it."""

    name: str
    url: str
    purpose: str


@records.record
class Inventory:
    """The whole ``confcheck.toml``."""

    path: Path
    clusters: tuple[ClusterConfig, ...]
    externals: tuple[ExternalConfig, ...] = ()
    timeout: float = 5.0
    concurrency: int = 64
    per_host: int = 2
    dns_server: tuple[str, int] | None = None
    """Resolve through this server (``ip[:port]``) instead of the system resolver."""
    allow_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    """``[collect] allow`` networks: servers that settings name may be fetched there."""
    allow_hosts: frozenset[str] = frozenset()
    """``[collect] allow`` host names (lower case): servers that settings name may be fetched."""
    waivers: tuple[Waiver, ...] = ()
    check: CheckOptions = field(default_factory=CheckOptions)
    cover: Cover = field(default_factory=Cover)
    """``[report]``: the title and customer every human report shows."""
    jabber: tuple[JabberConfig, ...] = ()
    """``[[jabber]]``: the services domains whose sign-in journey is collected."""


def load(path: str | Path, ask: bool | None = None) -> Inventory:
    """Read and check an inventory; ``ask``: prompt for unset passwords (default: on a terminal)."""
    path = Path(path)
    text, data = inputs.read_toml(path, "an inventory", ConfigError)
    return _Reader(path, text, sys.stdin.isatty() if ask is None else ask).inventory(data)


def load_offline(path: str | Path) -> tuple[tuple[Waiver, ...], CheckOptions, Cover]:
    """Only what judging needs: ``[[waiver]]``, ``[check]`` and ``[report]`` (``lint --config``: no password
    is asked)."""
    path = Path(path)
    text, data = inputs.read_toml(path, "an inventory", ConfigError)
    reader = _Reader(path, text, ask=False)
    return reader.waivers(data), reader.check(data), reader.cover(data)


class _Reader:
    """Turns decoded TOML into an Inventory, with file:line:key in every error."""

    def __init__(self, path: Path, text: str, ask: bool) -> None:
        self.path, self.ask = path, ask
        self.lines = key_lines(text)

    def fail(self, table: tuple[Any, ...], key: str | None, message: str) -> ConfigError:
        line = self.line(table, key)
        where = ".".join(f"{p}[{i}]" if isinstance(i, int) else str(p) for p, i in _pairs(table))
        label = f"{where}.{key}" if where and key else where or key or ""
        return ConfigError(f"{self.path}:{line}: {label}: {message}")

    def line(self, table: tuple[Any, ...], key: str | None) -> int:
        """Where ``table.key`` is written: its own line, else its table's, else the closest enclosing
        line (a table written inline, ``tls = { ... }``, or dotted, ``tls.ca_bundle = ...``)."""
        while True:
            line = self.lines.get((table, key)) or self.lines.get((table, None))
            if line or not table:
                return line or 1
            table, key = (table[:-2], table[-2]) if isinstance(table[-1], int) else (table[:-1], table[-1])

    def inventory(self, data: dict[str, Any]) -> Inventory:
        self.known(data, (), {"collect", "check", "cluster", "external", "waiver", "report", "jabber"})
        collect = self.table(data, (), "collect")
        self.known(collect, ("collect",), {"timeout", "concurrency", "per_host", "dns_server", "allow"})
        clusters = [self.cluster(c, i) for i, c in enumerate(self.array(data, (), "cluster"), start=1)]
        if not clusters:
            raise ConfigError(f"{self.path}: no [[cluster]] to collect")
        names = [c.name for c in clusters]
        for index, name in enumerate(names, start=1):
            if names.index(name) + 1 != index:
                raise self.fail(("cluster", index), "name", f"duplicate cluster name {name!r}")
        externals = [self.external(e, i) for i, e in enumerate(self.array(data, (), "external"), start=1)]
        allowed = self.allow(collect, ("collect",))
        jabber = [self.jabber(j, i, clusters) for i, j in enumerate(self.array(data, (), "jabber"), start=1)]
        taken = set(names)
        for index, entry in enumerate(jabber, start=1):
            if entry.name in taken:
                raise self.fail(("jabber", index), "name", f"{entry.name!r} is already the name of a cluster")
            taken.add(entry.name)
        return Inventory(
            path=self.path,
            clusters=tuple(clusters),
            externals=tuple(externals),
            timeout=self.number(collect, ("collect",), "timeout", 5.0, 0.1, 600),
            concurrency=int(self.number(collect, ("collect",), "concurrency", 64, 1, 1024, integer=True)),
            per_host=int(self.number(collect, ("collect",), "per_host", 2, 1, 64, integer=True)),
            dns_server=self.address(collect, ("collect",), "dns_server"),
            allow_networks=tuple(n for n in allowed if not isinstance(n, str)),
            allow_hosts=frozenset(n for n in allowed if isinstance(n, str)),
            waivers=self.waivers(data),
            check=self.check(data),
            cover=self.cover(data),
            jabber=tuple(jabber),
        )

    def cover(self, data: dict[str, Any]) -> Cover:
        table = self.table(data, (), "report")
        self.known(table, ("report",), {"title", "customer"})
        return Cover(
            self.text(table, ("report",), "title", required=False),
            self.text(table, ("report",), "customer", required=False),
        )

    def allow(
        self, data: Mapping[str, Any], at: tuple[Any, ...]
    ) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network | str]:
        """``allow``: networks (``10.0.0.0/8``, an address) and host names settings may lead to."""
        value = data.get("allow", [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(at, "allow", 'expected a list of networks and host names, e.g. ["10.0.0.0/8"]')
        found: list[ipaddress.IPv4Network | ipaddress.IPv6Network | str] = []
        for entry in value:
            text = entry.strip()
            try:
                found.append(ipaddress.ip_network(text, strict=False))
                continue
            except ValueError:
                pass
            name = text.rstrip(".").lower()
            if not _HOST.fullmatch(name) or len(name) > 253 or name.replace(".", "").isdigit():
                raise self.fail(
                    at, "allow", f"{entry!r} is neither a network (10.0.0.0/8, 10.0.0.5) nor a host name"
                )
            found.append(name)
        return found

    def check(self, data: dict[str, Any]) -> CheckOptions:
        at = ("check",)
        table = self.table(data, (), "check")
        self.known(table, at, {"trust_store", "expiry_warning_days", "min_rsa_bits", "trust_stores"})
        store = self.text(table, at, "trust_store", required=False)
        stores = self.table(table, at, "trust_stores")
        where = (*at, "trust_stores")
        self.known(stores, where, set(TRUST_STORE_KEYS))
        platform_stores = tuple(
            (key, self.trust_store(where, self.text(stores, where, key), key))
            for key in TRUST_STORE_KEYS
            if key in stores
        )
        return CheckOptions(
            expiry_warning_days=int(self.number(table, at, "expiry_warning_days", 30, 0, 3650, integer=True)),
            min_rsa_bits=int(self.number(table, at, "min_rsa_bits", 2048, 512, 16384, integer=True)),
            trust_store=self.trust_store(at, store) if store else None,
            platform_stores=platform_stores,
        )

    def trust_store(
        self, at: tuple[Any, ...], value: str, key: str = "trust_store"
    ) -> tuple[Certificate, ...]:
        """A bundle file, or a directory of .pem/.crt/.cer files, relative to the inventory."""
        from confcheck import certs

        path = (self.path.parent / value).resolve()
        files = (
            sorted(p for p in path.iterdir() if p.suffix.lower() in (".pem", ".crt", ".cer"))
            if path.is_dir()
            else [path]
        )
        if not files:
            raise self.fail(at, key, f"{path}: no .pem, .crt or .cer file in it")
        found: list[Certificate] = []
        for file in files:
            try:
                found += certs.read(file)
            except certs.CertificateError as exc:
                raise self.fail(at, key, str(exc)) from None
        return tuple(found)

    def waivers(self, data: dict[str, Any]) -> tuple[Waiver, ...]:
        found = []
        for index, entry in enumerate(self.array(data, (), "waiver"), start=1):
            at = ("waiver", index)
            self.known(entry, at, {"rule", "target", "reason", "expires"})
            rule = self.text(entry, at, "rule").upper()
            if not re.fullmatch(r"CC\d{0,3}", rule):
                raise self.fail(at, "rule", f"{rule!r} is not a rule code or prefix (CC102, CC1)")
            expires = entry.get("expires")
            if isinstance(expires, str):
                try:
                    expires = date.fromisoformat(expires)
                except ValueError:
                    raise self.fail(at, "expires", "expected a date, YYYY-MM-DD") from None
            if expires is not None and (not isinstance(expires, date) or isinstance(expires, datetime)):
                raise self.fail(at, "expires", "expected a date, YYYY-MM-DD")
            line = self.lines.get((at, None), 0)
            found.append(
                Waiver(
                    rule=rule,
                    target=self.text(entry, at, "target"),
                    reason=self.text(entry, at, "reason"),
                    expires=expires,
                    origin=f"{self.path.name}:{line}",
                )
            )
        return tuple(found)

    def cluster(self, data: dict[str, Any], index: int) -> ClusterConfig:
        at = ("cluster", index)
        if "password" in data:
            raise self.fail(at, "password", "passwords are not kept in the inventory: use password_env")
        keys = {"name", "product", "version", "publisher", "username", "password_env", "tls", "nodes"}
        keys |= {"axl_port", "admin_port", "tomcat_port", "xmpp_port"}
        product = data.get("product")
        edge = product in ("expressway-e", "expressway-c")
        if product == "expressway-c":
            keys |= {"unified_cm", "im_and_presence", "unity_connection", "tls_verify"}
        self.known(data, at, keys)
        name = self.text(data, at, "name")
        product = self.text(data, at, "product")
        if product not in INVENTORY_PRODUCTS:
            raise self.fail(at, "product", f"{product!r} is not one of {', '.join(INVENTORY_PRODUCTS)}")
        # unity: read from CUPI when absent; Expressway: its interface is not read, so the inventory says
        version = self.text(data, at, "version", required=edge)
        if version is not None and not re.match(r"\s*[Xx]?\d{1,3}([.(\s-]|$)", version):
            raise self.fail(at, "version", f"{version!r} does not start with a version number")
        if edge and any(k in data for k in ("username", "password_env")):
            key = "username" if "username" in data else "password_env"
            raise self.fail(
                at,
                key,
                "confcheck does not log in to Expressway: it meets its certificates only, and reads "
                "what Expressway-C is configured with from the inventory (unified_cm, im_and_presence)",
            )
        verify = data.get("tls_verify", True)
        if not isinstance(verify, bool):
            raise self.fail(at, "tls_verify", "expected true or false")
        username = self.text(data, at, "username", required=product in ("cucm", "cup", "imp"))
        return ClusterConfig(
            name=name,
            product=product,
            publisher=self.text(data, at, "publisher"),
            version=version,
            username=username,
            password=self.password(data, at, name) if username else None,
            tls=self.tls(data, at),
            nodes=tuple(self.texts(data, at, "nodes")),
            axl_port=self.port(data, at, "axl_port", 8443),
            admin_port=self.port(data, at, "admin_port", 8443),
            tomcat_port=self.port(data, at, "tomcat_port", 8443),
            xmpp_port=self.port(data, at, "xmpp_port", 5222),
            unified_cm=tuple(self.texts(data, at, "unified_cm")),
            im_and_presence=tuple(self.texts(data, at, "im_and_presence")),
            unity_connection=tuple(self.texts(data, at, "unity_connection")),
            tls_verify=verify,
        )

    def jabber(self, data: dict[str, Any], index: int, clusters: list[ClusterConfig]) -> JabberConfig:
        """One ``[[jabber]]``: a services domain, its DNS views, its clients and their settings."""
        at = ("jabber", index)
        self.known(
            data,
            at,
            {
                "name",
                "services_domain",
                "xmpp_domains",
                "cluster",
                "internal_dns",
                "external_dns",
                "clients",
                "service_profile",
                "invalid_certificate_behavior",
                "bootstrap",
                "bootstrap_file",
                "login_server",
                "jabber_config",
            },
        )
        domain = self.domain(data, at, "services_domain")
        xmpp = data.get("xmpp_domains", [domain])
        if not isinstance(xmpp, list) or not xmpp:
            raise self.fail(at, "xmpp_domains", "expected a non-empty list of domains")
        domains = tuple(self.domain({"x": d}, at, "x", label="xmpp_domains") for d in xmpp)
        home = self.text(data, at, "cluster", required=False)
        if home is not None and not any(c.name == home and c.product == "cucm" for c in clusters):
            known = ", ".join(c.name for c in clusters if c.product == "cucm") or "none"
            raise self.fail(
                at, "cluster", f"{home!r} is not a CUCM cluster of this inventory (there are: {known})"
            )
        behavior = self.text(data, at, "invalid_certificate_behavior", required=False)
        if behavior is not None and behavior not in CERTIFICATE_BEHAVIORS:
            raise self.fail(
                at,
                "invalid_certificate_behavior",
                f"{behavior!r} is not one of {', '.join(CERTIFICATE_BEHAVIORS)}",
            )
        bootstrap, source = self.bootstrap(data, at)
        login = self.text(data, at, "login_server", required=False)
        if login is not None:
            bootstrap.append(("login_server", login))
        config = self.text(data, at, "jabber_config", required=False)
        return JabberConfig(
            name=self.text(data, at, "name", required=False) or f"jabber-{domain}",
            services_domain=domain,
            xmpp_domains=tuple(dict.fromkeys(domains)),
            home=home,
            internal_dns=self.address(data, at, "internal_dns"),
            external_dns=self.address(data, at, "external_dns"),
            clients=self.clients(data, at),
            service_profile=self.text(data, at, "service_profile", required=False),
            invalid_certificate_behavior=behavior,
            bootstrap=tuple(bootstrap),
            bootstrap_source=source,
            jabber_config=(config, self.small_file(at, "jabber_config", config)) if config else None,
        )

    def domain(self, data: Mapping[str, Any], at: tuple[Any, ...], key: str, label: str | None = None) -> str:
        value: str = self.text(data, at, key)
        name = value.rstrip(".").lower()
        if not _HOST.fullmatch(name) or "." not in name or len(name) > 253:
            raise self.fail(at, label or key, f"{value!r} is not a DNS domain (labels separated by dots)")
        return name

    def clients(self, data: Mapping[str, Any], at: tuple[Any, ...]) -> tuple[Client, ...]:
        """``clients = [{ platform = "windows", version = "14.1.3" }, ...]``."""
        value = data.get("clients", [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(
                at, "clients", 'expected a list of tables, e.g. [{ platform = "windows", version = "14.1" }]'
            )
        found = []
        for entry in value:
            self.known(entry, (*at, "clients"), {"platform", "version"})
            platform = self.text(entry, (*at, "clients"), "platform").lower()
            if platform not in PLATFORMS:
                raise self.fail(at, "clients", f"platform {platform!r} is not one of {', '.join(PLATFORMS)}")
            version = self.text(entry, (*at, "clients"), "version", required=False)
            if version is not None and not re.fullmatch(r"\d{1,3}(\.\d{1,5}){0,3}", version):
                raise self.fail(at, "clients", f"version {version!r} is not a Jabber release such as 14.1.3")
            found.append(Client(platform, version))
        return tuple(found)

    def bootstrap(self, data: Mapping[str, Any], at: tuple[Any, ...]) -> tuple[list[tuple[str, str]], str]:
        """The installer arguments that name servers: a ``bootstrap`` table, or a ``bootstrap_file``
        of ``KEY=VALUE`` lines (the installer's argument names)."""
        table = self.table(data, at, "bootstrap")
        where = (*at, "bootstrap")
        self.known(table, where, set(BOOTSTRAP_KEYS))
        found = [(key, self.text(table, where, key)) for key in BOOTSTRAP_KEYS if key in table]
        path = self.text(data, at, "bootstrap_file", required=False)
        if path is None:
            return found, "installer arguments"
        if found:
            raise self.fail(at, "bootstrap_file", "give bootstrap or bootstrap_file, not both")
        text = self.small_file(at, "bootstrap_file", path).decode("utf-8", "replace")
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith(("#", ";")):
                continue
            key, equals, value = line.partition("=")
            key = key.strip().upper()
            if not equals or key not in BOOTSTRAP_KEYS:
                continue  # other installer arguments name no server
            if value.strip():
                found.append((key, value.strip()))
        return found, path

    def small_file(self, at: tuple[Any, ...], key: str, value: str) -> bytes:
        """A small file the inventory names (jabber-config.xml, a bootstrap file), read within limits."""
        path = (self.path.parent / value).resolve()
        try:
            return inputs.read_bytes(str(path), MAX_JABBER_FILE, "a Jabber file", ConfigError)
        except ConfigError as exc:
            raise self.fail(at, key, str(exc)) from None

    def external(self, data: dict[str, Any], index: int) -> ExternalConfig:
        at = ("external", index)
        self.known(data, at, {"name", "url", "purpose"})
        purpose = self.text(data, at, "purpose")
        if purpose not in PURPOSES:
            raise self.fail(at, "purpose", f"{purpose!r} is not one of {', '.join(PURPOSES)}")
        url = self.text(data, at, "url")
        from confcheck.transport import tls

        try:
            tls.parse_url(url)
        except tls.UrlError as exc:
            raise self.fail(at, "url", str(exc)) from None
        return ExternalConfig(self.text(data, at, "name"), url, purpose)

    def password(self, data: dict[str, Any], at: tuple[Any, ...], cluster: str) -> str:
        variable = self.text(data, at, "password_env", required=False)
        if variable and os.environ.get(variable):
            return os.environ[variable]
        if self.ask:
            return getpass.getpass(f"Password for {cluster}: ")
        if variable and variable in os.environ:
            raise self.fail(at, "password_env", f"the environment variable {variable} is set but empty")
        if variable:
            raise self.fail(at, "password_env", f"the environment variable {variable} is not set")
        raise self.fail(at, "password_env", "required: the environment variable holding the password")

    def tls(self, data: dict[str, Any], at: tuple[Any, ...]) -> TlsPolicy:
        table = self.table(data, at, "tls")
        where = (*at, "tls")
        self.known(table, where, {"ca_bundle", "fingerprint", "insecure"})
        bundle = self.text(table, where, "ca_bundle", required=False)
        insecure = table.get("insecure", False)
        if not isinstance(insecure, bool):
            raise self.fail(where, "insecure", "expected true or false")
        if bundle is not None:
            bundle_path = (self.path.parent / bundle).resolve()
            if not bundle_path.is_file():
                raise self.fail(where, "ca_bundle", f"{bundle_path}: no such file")
            try:
                check_ca_bundle(bundle_path)
            except ValueError as exc:
                raise self.fail(where, "ca_bundle", str(exc)) from None
        try:
            return TlsPolicy(
                ca_bundle=(self.path.parent / bundle).resolve() if bundle else None,
                fingerprint=self.text(table, where, "fingerprint", required=False),
                insecure=insecure,
            )
        except ValueError as exc:
            raise self.fail(where, None, str(exc)) from None

    # --- typed access --------------------------------------------------------------------------

    def known(self, data: Mapping[str, Any], at: tuple[Any, ...], keys: set[str]) -> None:
        for key in data:
            if key not in keys:
                raise self.fail(at, key, f"unknown key (expected one of {', '.join(sorted(keys))})")

    def table(self, data: Mapping[str, Any], at: tuple[Any, ...], key: str) -> dict[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(at, key, "expected a table")
        return value

    def array(self, data: Mapping[str, Any], at: tuple[Any, ...], key: str) -> list[dict[str, Any]]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(at, key, f"expected [[{key}]] tables")
        return value

    def text(self, data: Mapping[str, Any], at: tuple[Any, ...], key: str, required: bool = True) -> Any:
        value = data.get(key)
        if value is None:
            if required:
                raise self.fail(at, key, "required")
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(at, key, "expected a non-empty string")
        return value.strip()

    def texts(self, data: Mapping[str, Any], at: tuple[Any, ...], key: str) -> list[str]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(at, key, "expected a list of names")
        return [v.strip() for v in value]

    def number(
        self,
        data: Mapping[str, Any],
        at: tuple[Any, ...],
        key: str,
        default: float,
        low: float,
        high: float,
        integer: bool = False,
    ) -> float:
        value = data.get(key, default)
        ok_type = isinstance(value, int) if integer else isinstance(value, int | float)
        if isinstance(value, bool) or not ok_type or not low <= value <= high:
            kind = "a whole number" if integer else "a number"
            raise self.fail(at, key, f"expected {kind} from {low:g} to {high:g}")
        return float(value)

    def port(self, data: Mapping[str, Any], at: tuple[Any, ...], key: str, default: int) -> int:
        return int(self.number(data, at, key, default, 1, 65535, integer=True))

    def address(self, data: Mapping[str, Any], at: tuple[Any, ...], key: str) -> tuple[str, int] | None:
        value = self.text(data, at, key, required=False)
        if value is None:
            return None
        host, _, port = value.rpartition(":") if value.count(":") == 1 else (value, "", "53")
        from confcheck import identity

        if not identity.is_ip(host.strip("[]")) or not port.isdigit() or not 0 < int(port) < 65536:
            raise self.fail(at, key, f"expected ip[:port], found {value!r}")
        return host.strip("[]"), int(port)


def _pairs(table: tuple[Any, ...]) -> list[tuple[str, int | None]]:
    """("cluster", 2, "tls") -> [("cluster", 2), ("tls", None)]."""
    pairs: list[tuple[str, int | None]] = []
    for part in table:
        if isinstance(part, int) and pairs:
            pairs[-1] = (pairs[-1][0], part)
        else:
            pairs.append((str(part), None))
    return pairs


_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.-]+)\s*\]\]?")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+(?:\s*\.\s*[A-Za-z0-9_-]+)*)\s*=\s*(\{)?")
_INLINE_KEY = re.compile(r"(?:\{|,)\s*([A-Za-z0-9_-]+)\s*=")
_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def key_lines(text: str) -> dict[tuple[tuple[Any, ...], str | None], int]:
    """Line numbers of tables and keys, by (table path, key): tomllib forgets them, errors need them."""
    found: dict[tuple[tuple[Any, ...], str | None], int] = {}
    counts: dict[str, int] = {}
    table: tuple[Any, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        if header := _HEADER.match(line):
            parts = header.group(2).split(".")
            if header.group(1) == "[[":
                counts[parts[0]] = counts.get(parts[0], 0) + 1 if len(parts) == 1 else counts.get(parts[0], 0)
            first: tuple[Any, ...] = (parts[0], counts[parts[0]]) if parts[0] in counts else (parts[0],)
            table = first + tuple(parts[1:])
            found.setdefault((table, None), number)
        elif key := _KEY.match(line):
            *parents, name = (part.strip() for part in key.group(1).split("."))
            where = table + tuple(parents)
            for depth in range(len(parents)):  # dotted keys define their tables on this line
                found.setdefault((table + tuple(parents[:depth]), parents[depth]), number)
                found.setdefault((table + tuple(parents[: depth + 1]), None), number)
            found.setdefault((where, name), number)
            if key.group(2):  # an inline table: its keys are on this line too
                found.setdefault(((*where, name), None), number)
                for inner in _INLINE_KEY.finditer(line, key.end() - 1):
                    found.setdefault(((*where, name), inner.group(1)), number)
    return found
