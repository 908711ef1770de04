"""Run a scenario: give every node a loopback address, make its certificates, start its servers.

Each node gets its own address in a random 127.x.y.0/24 block (Linux routes all of 127.0.0.0/8 to
the loopback interface), so every server listens on its real port: Tomcat and AXL on 8443, XMPP
on 5222. The lab's DNS server answers for the scenario's domain, and the lab writes the
``confcheck.toml`` that audits it, with the lab CA as the trust anchor for the credentialed
connections.

The lab CA is two certificates, as in most enterprises: a root (``confcheck Lab Root CA``) and an
issuing CA under it (``confcheck Lab Issuing CA``) that signs the servers' certificates. A server
sends its certificate with the issuing CA and the root, unless its scenario says ``send_chain =
false``. Next to the inventory the lab writes ``lab-ca.pem`` (root and issuing CA: confcheck's own
trust for its credentialed connections) and ``clients-trust.pem`` (what the simulated Jabber
clients trust: the root and every ``pushed`` certificate), which the inventory names as
``[check] trust_store`` when the scenario asks for it.
"""

from __future__ import annotations

import random
import re
import secrets
import socket
import ssl
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes

from confcheck import pki
from confcheck.lab import cupi, imp_axl
from confcheck.lab import scenario as scenarios
from confcheck.lab.adminweb import AdminApp, PresenceData
from confcheck.lab.axl import (
    IM_AND_PRESENCE,
    AxlData,
    AxlProcessNode,
    AxlProfileEntry,
    AxlServiceProfile,
    AxlUcService,
    respond,
    uds,
)
from confcheck.lab.dns import DnsServer, Zone
from confcheck.lab.scenario import CertSpec, ClusterSpec, NodeSpec, Scenario
from confcheck.lab.servers import (
    HttpsServer,
    Request,
    Response,
    Server,
    SilentServer,
    TlsServer,
    XmppServer,
    context,
)

TOMCAT_PORT = 8443
TFTP_HTTP_PORT = 6970
TFTP_HTTPS_PORT = 6972
SIP_OAUTH_PORT = 5090
SIP_MRA_OAUTH_PORT = 5091
XMPP_PORT = 5222
UNITY_IMAP_PORT = 7993
USERNAME = "labadmin"


@dataclass
class _Host:
    """A node or external server once placed: its address and names."""

    host: str
    address: str
    fqdn: str
    configured: str = ""

    def placeholders(self, domain: str) -> dict[str, str]:
        return {"ip": self.address, "fqdn": self.fqdn, "host": self.host, "domain": domain}


@dataclass
class Lab:
    """A running scenario; use as a context manager, or call :meth:`start` and :meth:`stop`."""

    scenario: Scenario
    workdir: Path | None = None
    block: str | None = None
    """``127.x.y``; random (and free) when None."""
    servers: list[Server] = field(default_factory=list)
    passwords: dict[str, str] = field(default_factory=dict)
    fingerprints: dict[str, str] = field(default_factory=dict)
    """SHA-256 of the Tomcat certificate each host presents to a client offering everything (its ECDSA
    twin when it has one: OpenSSL prefers it for TLS 1.3 clients)."""
    made: dict[str, tuple[Path, Path, bool]] = field(default_factory=dict)
    """The chain and key files made for each label, and whether the key is weak: made once, served by
    every context that needs them."""
    pushed: list[pki.Issued] = field(default_factory=list)
    """Server certificates the clients' trust store holds (besides the lab root CA)."""
    shared: dict[str, pki.Issued] = field(default_factory=dict)
    """Certificates made once for every spec with the same ``shared`` label."""
    _temp: Any = None

    def __enter__(self) -> Lab:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @classmethod
    def of(cls, name: str, workdir: Path | None = None) -> Lab:
        """A lab for a built-in scenario (or a scenario file)."""
        return cls(scenarios.load(name), workdir)

    def start(self) -> Lab:
        """Place every server, make the certificates and start listening."""
        if self.workdir is None:
            self._temp = tempfile.TemporaryDirectory(prefix="confcheck-lab-")
            self.workdir = Path(self._temp.name)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.block = self.block or _free_block()
        self.hosts = self._place()
        self.ca = pki.ca("confcheck Lab Root CA")
        self.issuing = pki.ca("confcheck Lab Issuing CA", issuer=self.ca)
        self.public = pki.ca("confcheck Lab Public Root CA")
        (self.workdir / "lab-ca.pem").write_text(self.ca.pem + self.issuing.pem)
        zone = self._zone()
        try:
            for cluster in self.scenario.clusters:
                self._start_cluster(cluster, zone)
            for external in self.scenario.externals:
                self._start_external(external.host, external.purpose, external.port, external.cert)
            for service, host in self.scenario.dns.srv:
                port = XMPP_PORT if service.startswith("_xmpp") else TOMCAT_PORT
                zone.srv.setdefault(f"{service}.{self.scenario.domain}", []).append(
                    (0, 10, port, f"{host}.{self.scenario.domain}")
                )
            for service in self.scenario.dns.without:
                zone.srv.pop(f"{service}.{self.scenario.domain}", None)
            self.dns = DnsServer(f"{self.block}.53", zone)
            self.dns.start()
            if any(j.external_dns for j in self.scenario.jabber):
                self.external_dns = DnsServer(f"{self.block}.54", self._external_zone())
                self.external_dns.start()
        except BaseException:
            self.stop()
            raise
        (self.workdir / "clients-trust.pem").write_text(self.ca.pem + "".join(c.pem for c in self.pushed))
        held = {"lab": self.ca.pem, "public": self.public.pem, "pushed": "".join(c.pem for c in self.pushed)}
        for key, contents in self.scenario.check.trust_stores:
            (self.workdir / f"trust-{key}.pem").write_text("".join(held[c] for c in contents))
        (self.workdir / "confcheck.toml").write_text(self.config_text)
        return self

    def stop(self) -> None:
        """Stop every server and remove the temporary directory. Every server's loop is woken first, so
        they all finish at once while each is waited for in turn."""
        for server in self.servers:
            server.wake()
        for server in self.servers:
            server.stop()
        self.servers.clear()
        if getattr(self, "dns", None) is not None:
            self.dns.stop()
        if getattr(self, "external_dns", None) is not None:
            self.external_dns.stop()
        if self._temp is not None:
            self._temp.cleanup()
            self._temp = None

    # --- what users of the lab need ---------------------------------------------------------

    @property
    def config_path(self) -> Path:
        """The confcheck.toml that audits this lab."""
        assert self.workdir is not None
        return self.workdir / "confcheck.toml"

    @property
    def environment(self) -> dict[str, str]:
        """The password variables the configuration names (lab passwords, not secrets)."""
        return {_variable(name): password for name, password in self.passwords.items()}

    @property
    def config_text(self) -> str:
        """A ready-to-use confcheck.toml for this lab."""
        assert self.workdir is not None
        lines = [
            f'# confcheck.toml for the lab scenario "{self.scenario.name}" (written by confcheck lab)',
            "[collect]",
            f'dns_server = "{self.dns.address}:{self.dns.port}"' if getattr(self, "dns", None) else "",
            "timeout = 1",
            "",
        ]
        if self.scenario.check.trust_store:
            lines += [
                "[check]",
                "# what the Jabber clients trust: the lab root CA and the certificates pushed to them",
                f'trust_store = "{self.workdir / "clients-trust.pem"}"',
                "",
            ]
        if self.scenario.check.trust_stores:
            lines += ["[check.trust_stores]", "# what each client platform trusts"]
            lines += [
                f'{k} = "{self.workdir / f"trust-{k}.pem"}"' for k, _ in self.scenario.check.trust_stores
            ]
            lines.append("")
        for cluster in self.scenario.clusters:
            publisher = self.hosts[cluster.nodes[0].host]
            lines += [
                "[[cluster]]",
                f'name = "{cluster.name}"',
                f'product = "{cluster.product}"',
                f'publisher = "{publisher.fqdn}"',
            ]
            if cluster.product in EXPRESSWAY:
                lines += self._expressway_lines(cluster)
            elif cluster.product == "unity" and cluster.major < 10:
                lines.append(f'version = "{cluster.version}"')
                lines.append(
                    "nodes = [" + ", ".join(f'"{self.hosts[n.host].fqdn}"' for n in cluster.nodes[1:]) + "]"
                )
            else:
                if cluster.product == "unity":  # 10.x and later: the version is read from CUPI
                    lines.append(
                        "nodes = ["
                        + ", ".join(f'"{self.hosts[n.host].fqdn}"' for n in cluster.nodes[1:])
                        + "]"
                    )
                lines += [
                    f'username = "{USERNAME}"',
                    f'password_env = "{_variable(cluster.name)}"',
                    "[cluster.tls]",
                ]
                publisher_spec = cluster.nodes[0].tomcat_ecdsa or cluster.nodes[0].tomcat
                if publisher_spec.signer == "self":  # no CA to trust: pin the publisher's certificate
                    lines.append(f'fingerprint = "{self.fingerprints[cluster.nodes[0].host]}"')
                else:
                    lines.append(f'ca_bundle = "{self.workdir / "lab-ca.pem"}"')
            lines.append("")
        lines += self._jabber_lines()
        return "\n".join(line for line in lines if line is not None) + "\n"

    def _expressway_lines(self, cluster: ClusterSpec) -> list[str]:
        """An Expressway cluster of the inventory: its version and nodes, and what Expressway-C names."""
        lines = [f'version = "{cluster.version}"']
        if len(cluster.nodes) > 1:
            lines.append(
                "nodes = [" + ", ".join(f'"{self.hosts[n.host].fqdn}"' for n in cluster.nodes[1:]) + "]"
            )
        for key in ("unified_cm", "im_and_presence", "unity_connection"):
            values = getattr(cluster, key)
            if values:
                lines.append(f"{key} = [" + ", ".join(f'"{self._fill(v)}"' for v in values) + "]")
        if cluster.product == "expressway-c" and not cluster.tls_verify:
            lines.append("tls_verify = false")
        return lines

    def _jabber_lines(self) -> list[str]:
        """The inventory's ``[[jabber]]`` tables, the lab's DNS servers as the internal and external views."""
        lines: list[str] = []
        for spec in self.scenario.jabber:
            lines += ["[[jabber]]", f'services_domain = "{self._fill(spec.services_domain)}"']
            if spec.name:
                lines.append(f'name = "{spec.name}"')
            if spec.cluster:
                lines.append(f'cluster = "{spec.cluster}"')
            if spec.xmpp_domains:
                lines.append(
                    "xmpp_domains = [" + ", ".join(f'"{self._fill(x)}"' for x in spec.xmpp_domains) + "]"
                )
            if getattr(self, "dns", None) is not None:
                lines.append(f'internal_dns = "{self.dns.address}:{self.dns.port}"')
            if spec.external_dns and getattr(self, "external_dns", None) is not None:
                lines.append(f'external_dns = "{self.external_dns.address}:{self.external_dns.port}"')
            if spec.service_profile:
                lines.append(f'service_profile = "{spec.service_profile}"')
            if spec.invalid_certificate_behavior:
                lines.append(f'invalid_certificate_behavior = "{spec.invalid_certificate_behavior}"')
            if spec.clients:
                shown = [
                    f'{{ platform = "{p}"' + (f', version = "{v}"' if v else "") + " }"
                    for p, v in spec.clients
                ]
                lines.append("clients = [" + ", ".join(shown) + "]")
            if spec.bootstrap:
                lines.append(
                    "bootstrap = { " + ", ".join(f'{k} = "{self._fill(v)}"' for k, v in spec.bootstrap) + " }"
                )
            lines.append("")
        return lines

    # --- placing and starting -----------------------------------------------------------------

    def _place(self) -> dict[str, _Host]:
        hosts: dict[str, _Host] = {}
        number = 10
        everything = [n.host for c in self.scenario.clusters for n in c.nodes] + [
            e.host for e in self.scenario.externals
        ]
        for host in everything:
            number += 1
            hosts[host] = _Host(host, f"{self.block}.{number}", f"{host}.{self.scenario.domain}")
        self.hosts = hosts  # placeholders may name any host: fill them in once all are placed
        for cluster in self.scenario.clusters:
            for node in cluster.nodes:
                placed = hosts[node.host]
                placed.configured = self._fill(node.name, placed)
        return hosts

    def _fill(self, template: str, own: _Host | None = None) -> str:
        table = {h: p.placeholders(self.scenario.domain) for h, p in getattr(self, "hosts", {}).items()}
        mine = own.placeholders(self.scenario.domain) if own else {"domain": self.scenario.domain}
        return scenarios.fill(template, mine, table)

    def _zone(self) -> Zone:
        """Every host's A and PTR records, then the scenario's departures from that."""
        zone = Zone(self.scenario.domain)
        spec = self.scenario.dns
        elsewhere = dict(spec.elsewhere)
        for host, placed in self.hosts.items():
            if host in spec.missing:
                continue
            address = self.hosts[elsewhere[host]].address if host in elsewhere else placed.address
            zone.forward.setdefault(placed.fqdn, []).append(address)
            zone.reverse.setdefault(placed.address, placed.fqdn)
        for host, name in spec.ptr:
            zone.reverse[self.hosts[host].address] = f"{name}.{self.scenario.domain}"
        return zone

    def _start_expressway(self, cluster: ClusterSpec) -> None:
        """An Expressway stand-in: HTTPS on 8443 with the node's certificate, nothing else."""
        for node in cluster.nodes:
            placed = self.hosts[node.host]
            if node.fault != "down":
                tls = self._context(self._make(f"{node.host}-tomcat", node.tomcat, placed))
                self.servers.append(HttpsServer(placed.address, TOMCAT_PORT, tls, {}))

    def _start_tftp(self, cluster: ClusterSpec, node: NodeSpec, tomcat: ssl.SSLContext) -> None:
        """TFTP's HTTP (6970) and HTTPS (6972, the Tomcat certificate) interfaces serving jabber-config.xml."""
        placed = self.hosts[node.host]
        tftp = {"/jabber-config.xml": self._tftp_app(cluster, node.tftp, placed.fqdn)}
        self.servers.append(HttpsServer(placed.address, TFTP_HTTP_PORT, None, tftp))
        self.servers.append(HttpsServer(placed.address, TFTP_HTTPS_PORT, tomcat, tftp))

    def _start_cluster(self, cluster: ClusterSpec, zone: Zone) -> None:
        if cluster.product in EXPRESSWAY:
            self._start_expressway(cluster)
            return
        password = secrets.token_urlsafe(12)
        self.passwords[cluster.name] = password
        expected = password + "-rotated" if cluster.rejects_password else password
        xmpp_domain = self._fill(cluster.xmpp_domain)
        routes: dict[str, Any] = {}
        node_routes: dict[str, Any] = {}  # what every node serves besides the publisher's applications
        if cluster.product == "cucm":
            data = self._axl_data(cluster, expected)
            routes["/axl/"] = _axl_app(data)
            routes["/cucm-uds/"] = node_routes["/cucm-uds/"] = _uds_app(data)  # UDS runs on every node
        elif cluster.product in ("cup", "imp"):
            routes["/cupadmin"] = AdminApp(self._presence_data(cluster, expected, xmpp_domain))
            if cluster.product == "imp" and _major_minor(cluster.version) >= (11, 5):
                routes["/axl/"] = _presence_axl_app(self._presence_axl_data(cluster, expected))
        elif cluster.product == "unity" and cluster.major >= 10:
            routes["/vmrest/"] = cupi.app(cupi.UnityData(cluster.version, USERNAME, expected))
        for index, node in enumerate(cluster.nodes):
            placed = self.hosts[node.host]
            if node.fault == "down":
                continue
            if node.fault == "slow":
                self.servers.append(SilentServer(placed.address, TOMCAT_PORT))
                if cluster.product in ("cup", "imp"):
                    self.servers.append(SilentServer(placed.address, XMPP_PORT))
                continue
            tomcat_labels = self._twins(f"{node.host}-tomcat", node.tomcat, node.tomcat_ecdsa, placed)
            tomcat = self._context(*tomcat_labels)
            served = dict(routes if index == 0 else node_routes)
            if cluster.product == "cucm" and node.uds is not None:
                served["/cucm-uds/"] = _faulty(node.uds, "servers", placed.fqdn)
            self.servers.append(HttpsServer(placed.address, TOMCAT_PORT, tomcat, served))
            if cluster.product == "cucm" and self.scenario.jabber and node.tftp != "none":
                self._start_tftp(cluster, node, tomcat)
            if cluster.product in ("cup", "imp"):
                spec = node.xmpp or _default_xmpp(cluster, xmpp_domain)
                xmpp = self._context(*self._twins(f"{node.host}-cup-xmpp", spec, node.xmpp_ecdsa, placed))
                self.servers.append(XmppServer(placed.address, XMPP_PORT, {xmpp_domain: xmpp}))
            if cluster.product == "cucm" and node.sip_oauth:
                labels = tomcat_labels
                if node.sip_oauth_cert is not None:
                    labels = [self._make(f"{node.host}-sip-oauth", node.sip_oauth_cert, placed)]
                assert self.workdir is not None
                self.servers.append(TlsServer(placed.address, SIP_OAUTH_PORT, self._context(*labels)))
                mutual = self._context(*labels, client_ca=self.workdir / "lab-ca.pem")
                self.servers.append(TlsServer(placed.address, SIP_MRA_OAUTH_PORT, mutual))
            if cluster.product == "unity":
                self.servers.append(
                    TlsServer(placed.address, UNITY_IMAP_PORT, tomcat, b"* OK IMAP4rev1 ready\r\n")
                )
        self._srv(cluster, zone, xmpp_domain)

    def _srv(self, cluster: ClusterSpec, zone: Zone, xmpp_domain: str) -> None:
        """The SRV records a cluster's product publishes: _cuplogin and _xmpp-client, or _cisco-uds."""
        if cluster.product in ("cup", "imp"):
            imp_nodes = [self.hosts[n.host] for n in cluster.nodes]
            zone.srv[f"_cuplogin._tcp.{self.scenario.domain}"] = [
                (0, 10, TOMCAT_PORT, n.fqdn) for n in imp_nodes
            ]
            zone.srv[f"_xmpp-client._tcp.{xmpp_domain}"] = [(0, 10, XMPP_PORT, n.fqdn) for n in imp_nodes]
        if cluster.product == "cucm":
            cucm_nodes = [self.hosts[n.host] for n in cluster.nodes]
            zone.srv[f"_cisco-uds._tcp.{self.scenario.domain}"] = [
                (0, 10, TOMCAT_PORT, n.fqdn) for n in cucm_nodes
            ]

    def _tftp_app(self, cluster: ClusterSpec, fault: str | None, fqdn: str) -> Any:
        """TFTP's jabber-config.xml (the cluster's, placeholders filled), or the node's fault."""
        if fault is not None:
            return _faulty(fault, "config", fqdn)
        body = self._fill(cluster.jabber_config).encode() if cluster.jabber_config else None

        def app(request: Request) -> Response:
            if body is None:
                return Response(404, b"<html><body>Not Found</body></html>")
            return Response(200, body, "application/xml")

        return app

    def _external_zone(self) -> Zone:
        """What the Internet's DNS answers: the Expressway-E nodes and the external SRV records."""
        zone = Zone(self.scenario.domain)
        edges = [n.host for c in self.scenario.clusters if c.product == "expressway-e" for n in c.nodes]
        records = self.scenario.dns.external_srv
        if records is None:
            records = tuple(("_collab-edge._tls", host) for host in edges)
        for host in {*edges, *(h for _, h in records)}:
            placed = self.hosts[host]
            zone.forward.setdefault(placed.fqdn, []).append(placed.address)
        for service, host in records:
            zone.srv.setdefault(f"{service}.{self.scenario.domain}", []).append(
                (0, 10, TOMCAT_PORT, self.hosts[host].fqdn)
            )
        return zone

    def _start_external(self, host: str, purpose: str, port: int, spec: CertSpec) -> None:
        placed = self.hosts[host]
        tls = self._context(self._make(f"{host}-{purpose}", spec, placed))
        if purpose == "mailstore":
            self.servers.append(TlsServer(placed.address, port, tls, b"* OK IMAP4rev1 ready\r\n"))
        else:
            self.servers.append(HttpsServer(placed.address, port, tls, {}))

    def _twins(self, label: str, spec: CertSpec, twin: CertSpec | None, placed: _Host) -> list[str]:
        """The labels of a certificate and, when the node has one, its ECDSA twin (made now)."""
        labels = [self._make(label, spec, placed)]
        if twin is not None:
            labels.append(self._make(f"{label}-ECDSA", twin, placed))
        return labels

    def _make(self, label: str, spec: CertSpec, placed: _Host) -> str:
        """Make (or reuse, when shared) the certificate ``spec`` describes, and its files; returns ``label``."""
        assert self.workdir is not None
        if spec.shared is None:
            issued = self._issue(spec, placed)
        elif spec.shared in self.shared:
            issued = self.shared[spec.shared]
        else:
            issued = self.shared[spec.shared] = self._issue(spec, placed)
        if label.endswith(("-tomcat", "-tomcat-ECDSA")):
            self.fingerprints[placed.host] = issued.cert.fingerprint(hashes.SHA256()).hex()
        cert_file = self._file(f"{label}.pem")
        key_file = self._file(f"{label}.key")
        chain = self.issuing.pem + self.ca.pem if spec.signer == "ca" and spec.send_chain else ""
        if spec.signer == "public" and spec.send_chain:
            chain = self.public.pem
        cert_file.write_text(issued.pem + chain)
        key_file.write_text(issued.key_pem)
        bits = spec.rsa_bits
        self.made[label] = (cert_file, key_file, bits is not None and bits < 2048)
        return label

    def _context(self, *labels: str, client_ca: Path | None = None) -> ssl.SSLContext:
        """A server context presenting the certificates made for ``labels`` (one per key type)."""
        files = [self.made[label] for label in labels]
        (cert_file, key_file, _), *more = files
        return context(
            cert_file,
            key_file,
            *((c, k) for c, k, _ in more),
            client_ca=client_ca,
            weak=any(weak for _, _, weak in files),
        )

    def _file(self, name: str) -> Path:
        """``name`` in the work directory; ValueError if it would land anywhere else."""
        assert self.workdir is not None
        folder = self.workdir.resolve()
        path = (folder / name).resolve()
        if path.parent != folder:
            raise ValueError(f"{name!r} is not a file name in the lab's work directory {folder}")
        return path

    def _issue(self, spec: CertSpec, placed: _Host) -> pki.Issued:
        """A new certificate as ``spec`` describes it, its placeholders filled for ``placed``."""
        own = placed.placeholders(self.scenario.domain)
        table = {h: p.placeholders(self.scenario.domain) for h, p in self.hosts.items()}

        def fill(text: str) -> str:
            return scenarios.fill(text, own, table)

        now = datetime.now(timezone.utc)
        left = spec.days_left
        if left is None:
            start, days = now - timedelta(days=1), 730
        else:  # two years long, as the servers make them, unless it ends further out than that
            days = max(730, left + 1)
            start = now + timedelta(days=left - days)
        cn = fill(spec.cn) if spec.cn else None
        bits = spec.rsa_bits
        issued = pki.server(
            cn,
            dns=[fill(d) for d in spec.dns],
            xmpp_addr=[fill(x) for x in spec.xmpp_addr],
            srv_name=[fill(s) for s in spec.srv_name],
            issuer=None
            if spec.signer == "self"
            else self.public
            if spec.signer == "public"
            else self.issuing,
            key=pki.new_key("rsa", bits) if bits else pki.new_key("ec"),
            not_before=start,
            days=days,
            subject=None if spec.subject is None else pki.name(cn, **dict(spec.subject)),
            eku=tuple(scenarios.EKU[e] for e in spec.eku),
        )
        if spec.pushed:
            self.pushed.append(issued)
        return issued

    def _axl_data(self, cluster: ClusterSpec, password: str) -> AxlData:
        services = [
            AxlUcService(
                u.type,
                u.product,
                u.name,
                self._fill(u.host),
                u.port,
                u.protocol or None,
                xml=tuple((path, self._fill(value)) for path, value in u.params),
            )
            for u in cluster.uc_services
        ]
        return AxlData(
            version=cluster.version,
            username=USERNAME,
            password=password,
            process_nodes=self._process_nodes(cluster),
            uc_services=services,
            service_profiles=[_profile(p, cluster) for p in cluster.service_profiles],
            throttle=cluster.axl_throttle,
        )

    def _process_nodes(self, cucm: ClusterSpec) -> list[AxlProcessNode]:
        """System > Server of a CUCM cluster: its own nodes, then (10.x and later) the IM and Presence
        nodes of the clusters attached to it."""
        nodes = [
            AxlProcessNode(self.hosts[n.host].configured, "Publisher" if i == 0 else "Subscriber", "")
            for i, n in enumerate(cucm.nodes)
        ]
        for presence in self.scenario.clusters:
            if presence.product == "imp" and presence.cucm == cucm.name:
                nodes += [
                    AxlProcessNode(self.hosts[n.host].configured, role=IM_AND_PRESENCE)
                    for n in presence.nodes
                ]
        return nodes

    def _presence_axl_data(self, cluster: ClusterSpec, password: str) -> AxlData:
        """What an IM and Presence publisher's own AXL knows: the System > Server rows it replicates."""
        cucm = next((c for c in self.scenario.clusters if c.name == cluster.cucm), None)
        nodes = (
            self._process_nodes(cucm)
            if cucm is not None
            else [AxlProcessNode(self.hosts[n.host].configured, role=IM_AND_PRESENCE) for n in cluster.nodes]
        )
        return AxlData(
            version=cluster.version,
            username=USERNAME,
            password=password,
            process_nodes=[n for n in nodes if n.role != IM_AND_PRESENCE]
            + [n for n in nodes if n.role == IM_AND_PRESENCE and self._in(cluster, n.name)],
            throttle=cluster.axl_throttle,
        )

    def _in(self, cluster: ClusterSpec, configured: str) -> bool:
        return any(self.hosts[n.host].configured == configured for n in cluster.nodes)

    def _presence_data(self, cluster: ClusterSpec, password: str, xmpp_domain: str) -> PresenceData:
        def entries(items: tuple[scenarios.ServerEntry, ...]) -> list[tuple[str, str, int, str]]:
            return [(e.name, self._fill(e.host), e.port, e.protocol) for e in items]

        return PresenceData(
            product=cluster.product,
            version=cluster.version,
            username=USERNAME,
            password=password,
            nodes=[(self.hosts[n.host].configured, i == 0) for i, n in enumerate(cluster.nodes)],
            tftp=[self._fill(t) for t in cluster.tftp],
            ccmcip=[(name, self._fill(p), self._fill(b)) for name, p, b in cluster.ccmcip],
            # 10.x and later: the Default Domain is the XMPP domain
            presence_domain=xmpp_domain if cluster.major >= 10 else self.scenario.domain,
            xmpp_san_domain=xmpp_domain if cluster.use_domain_san else "",
            xmpp_san_checkbox=cluster.use_domain_san,
            voicemail=entries(cluster.voicemail),
            mailstores=entries(cluster.mailstores),
            conferencing=entries(cluster.conferencing),
        )


def _default_xmpp(cluster: ClusterSpec, xmpp_domain: str) -> CertSpec:
    """cup-xmpp as the server generates it: the node FQDN, plus the XMPP domain when the box is ticked
    (9.x) or always (10.x and later, which add it themselves; as a dNSName: modelled)."""
    if cluster.product == "imp" and cluster.major >= 10:
        return CertSpec(dns=("{fqdn}", xmpp_domain))
    if not cluster.use_domain_san:
        return CertSpec()
    return CertSpec(
        xmpp_addr=(xmpp_domain,), srv_name=(f"_xmpp-client.{xmpp_domain}",), dns=("{fqdn}", xmpp_domain)
    )


EXPRESSWAY = ("expressway-e", "expressway-c")


def _faulty(fault: str, what: str, fqdn: str) -> Any:
    """An answer Jabber cannot use, as a broken or fronted server gives it (``what``: servers or config)."""

    def app(request: Request) -> Response:
        if fault == "html":
            return Response(200, b"<!DOCTYPE html><html><body><form>Sign in</form></body></html>")
        if fault == "redirect":
            return Response(302, b"", headers=(("Location", f"https://sso.{fqdn.partition('.')[2]}/login"),))
        if fault == "oversized":
            return Response(
                200,
                b"<" + what.encode() + b">" + b" " * (600 * 1024) + b"</" + what.encode() + b">",
                "application/xml",
            )
        return Response(
            200, b"<" + what.encode() + b"><server>" + fqdn.encode() + b"</serv", "application/xml"
        )

    return app


def _axl_app(data: AxlData) -> Any:
    def app(request: Request) -> Response:
        status, content_type, body = respond(request.body, request.headers, data)
        return Response(status, body, content_type)

    return app


def _presence_axl_app(data: AxlData) -> Any:
    def app(request: Request) -> Response:
        status, content_type, body = imp_axl.respond(request.body, request.headers, data)
        return Response(status, body, content_type)

    return app


def _profile(profile: scenarios.ProfileSpec, cluster: ClusterSpec) -> AxlServiceProfile:
    """A scenario's service profile as AXL answers it: one entry per UC service type it lists, the
    services of a type as primary, secondary and tertiary in the scenario's order. The entries'
    ``profileName`` (``Voicemail Profile``...) is the lab's model: Cisco's exact strings are not known."""
    types = {u.name: u.type for u in cluster.uc_services}
    by_type: dict[str, list[str]] = {}
    for name in profile.services:
        by_type.setdefault(types.get(name, "IM and Presence"), []).append(name)
    entries = tuple(
        AxlProfileEntry(f"{kind} Profile", *([*names, "", "", ""])[:3]) for kind, names in by_type.items()
    )
    return AxlServiceProfile(profile.name, "", profile.default, entries, profile.jabber)


def _major_minor(version: str) -> tuple[int, int]:
    found = re.match(r"\s*(\d+)\.(\d+)", version)
    return (int(found[1]), int(found[2])) if found else (0, 0)


def _uds_app(data: AxlData) -> Any:
    def app(request: Request) -> Response:
        status, content_type, body = uds(request.path, request.headers.get("host", ""), data)
        return Response(status, body, content_type)

    return app


def _variable(cluster: str) -> str:
    return "CONFCHECK_LAB_" + re.sub(r"[^A-Z0-9]+", "_", cluster.upper()).strip("_") + "_PASSWORD"


def _free_block() -> str:
    """A random 127.x.y block whose addresses this machine can bind."""
    for _ in range(50):
        block = f"127.{random.randint(100, 250)}.{random.randint(1, 250)}"
        try:
            with socket.socket() as probe:
                probe.bind((f"{block}.11", TOMCAT_PORT))
        except OSError:
            continue
        return block
    raise OSError("no free 127.x.y.0/24 block: this system may not route 127.0.0.0/8 to loopback")
