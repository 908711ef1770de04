"""Regenerate the example snapshots: a small Acme deployment, between them firing every rule.

demo-snapshot.json is Acme in its usual pre-migration state: IP addresses and short names in server
names and client settings, an FQDN that is not in the certificate, a node whose cup-xmpp certificate
lacks the XMPP domain, a wildcard Unity Connection certificate, a CN-only mail store certificate, a
conferencing server nobody inventoried, a node whose Tomcat endpoint was never collected, DNS that is
not ready for the fixes, and service records that point at the wrong servers.

certificates-snapshot.json is a data-centre cluster whose names are right and whose certificates
are not (expired, expiring, shared, self-signed, weak, valid for longer than Apple's platforms accept,
an unsent intermediate, a pinned leaf); it is judged with certificates.toml, which names the clients'
trust store certificates-trust.pem.

incomplete-snapshot.json is one cluster whose AXL login failed (CC203, exit 3).

current-snapshot.json is Acme's 14.0 site: CUCM, IM and Presence and Unity Connection 14, a
CUCM subscriber and an IM and Presence node named by IP address in System > Server, a Jabber
Client Configuration service handing out Unity Connection by IP, and a UC service in no service
profile (CC205).
journey-snapshot.json is Jabber's sign-in collected for three services domains (judged with journey.toml,
which gives Windows and macOS trust stores of their own): UDS on one node answers a login page and one
TFTP server malformed XML, the Internet's DNS publishes _cisco-uds, Expressway-E's certificate is from a
public CA the Macs do not trust and lacks the services domain, Expressway-C names CUCM by IP address, a
branch domain has no SRV record at all and a partner domain none outside.

current-releases-snapshot.json is a CUCM and IM and Presence 15 pair met the way current releases
are: each Tomcat and XMPP endpoint with an RSA-only and an ECDSA-only offer, the SIP OAuth ports,
a multi-server Tomcat certificate one node is missing from, a self-signed ECDSA twin beside a
CA-signed RSA certificate, a CA profile that dropped TLS Web Client Authentication, and a SIP
OAuth port still presenting the Tomcat certificate it had before the last renewal.

Certificates are dated so that judging ``--at 2026-12-01`` gives the same findings forever.

    python examples/make_demo_snapshot.py [OUTPUT_DIR]
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from cryptography import x509

from confcheck import certs, pki, snapshot
from confcheck.discovery_model import Client, Discovery, DnsView, Fetch
from confcheck.model import (
    Cluster,
    Deployment,
    DnsRecord,
    Endpoint,
    EndpointError,
    Node,
    Problem,
    Role,
    Setting,
)

DOMAIN = "acme.example"
AT = datetime(2026, 12, 1, tzinfo=timezone.utc)
"""The date the examples are judged at (``--at 2026-12-01``): certificate validity stays as written."""
ISSUED = AT - timedelta(days=30)
SERVER_LIFETIME = 825
"""The longest validity Apple's platforms accept for a server certificate (CC316): the examples'
well-behaved server certificates are valid until February 2029 (judged today, without ``--at``, they warn
of their expiry from January 2029: run this script again)."""
CA_LIFETIME = 3650
"""Ten years, as CA certificates often are."""


def _server(cn: str | None, **kwargs: Any) -> pki.Issued:
    kwargs.setdefault("not_before", ISSUED)
    kwargs.setdefault("days", SERVER_LIFETIME)
    return pki.server(cn, **kwargs)


def _ca(cn: str, **kwargs: Any) -> pki.Issued:
    kwargs.setdefault("not_before", ISSUED)
    kwargs.setdefault("days", CA_LIFETIME)
    return pki.ca(cn, **kwargs)


def _tomcat(host: str, issued: pki.Issued, *chain: pki.Issued) -> Endpoint:
    return _endpoint("tomcat", "https", host, 8443, issued, *chain)


def _endpoint(
    purpose: str, protocol: str, host: str, port: int, *issued: pki.Issued, sni: str | None = None
) -> Endpoint:
    parsed = tuple(certs.load(i.pem.encode(), purpose)[0] for i in issued)
    return Endpoint(purpose, protocol, host, port, server_name=sni, chain=parsed)


def build() -> Deployment:
    """The demo deployment, with freshly made certificates."""
    root = _ca("Acme Root CA")
    issuing = _ca("Acme Issuing CA", issuer=root)

    def signed(host: str, *extra: str) -> pki.Issued:
        fqdn = f"{host}.{DOMAIN}"
        return _server(fqdn, dns=[fqdn, *extra], issuer=issuing)

    cucm = Cluster(
        "hq-cucm",
        "cucm",
        "9.1.2.10000-28",
        nodes=(
            Node(
                "10.10.0.11",
                "publisher",
                "cucm1",
                DOMAIN,
                ("10.10.0.11",),
                (_tomcat("10.10.0.11", signed("cucm1"), issuing),),
            ),
            Node(
                "cucm2.acme.example",
                "subscriber",
                "cucm2",
                DOMAIN,
                ("10.10.0.12",),
                (_tomcat("cucm2.acme.example", signed("cucm2"), issuing),),
            ),
            Node(
                "cucm3",
                "subscriber",
                "cucm3",
                DOMAIN,
                ("10.10.0.13",),
                (_tomcat("cucm3", signed("cucm3"), issuing),),
            ),
        ),
        settings=(
            Setting("cucm9.uc-service-imp", "imp1.acme.example", "IMP-HQ"),
            Setting("cucm9.uc-service-voicemail", "cuc1.acme.example", "VM-HQ"),
            Setting("cucm9.uc-service-mailstore", "mail.acme.example", "MAIL-HQ"),
            Setting("cucm9.uc-service-conferencing", "meet.acme.example", "MEET-HQ"),
        ),
    )
    branch = Cluster(
        "branch-cucm",
        "cucm",
        "8.6.2.20000-2",
        nodes=(
            Node(
                "cucm-br.acme.example",
                "publisher",
                "cucm-br",
                "branch.acme.example",
                ("10.20.0.11",),
                (
                    _tomcat(
                        "cucm-br.acme.example",
                        _server("cucm-br.branch.acme.example", dns=["cucm-br.branch.acme.example"]),
                    ),
                ),
            ),
        ),
    )
    xmpp_ok = _server(
        f"imp1.{DOMAIN}",
        dns=[f"imp1.{DOMAIN}", DOMAIN],
        xmpp_addr=[DOMAIN],
        srv_name=[f"_xmpp-client.{DOMAIN}"],
        issuer=issuing,
    )
    imp = Cluster(
        "hq-imp",
        "imp",
        "9.1.1.20000-5",
        nodes=(
            Node(
                "imp1.acme.example",
                "publisher",
                "imp1",
                DOMAIN,
                ("10.10.0.21",),
                (
                    _tomcat("imp1.acme.example", signed("imp1"), issuing),
                    _endpoint(
                        "cup-xmpp", "xmpp-client", "imp1.acme.example", 5222, xmpp_ok, issuing, sni=DOMAIN
                    ),
                ),
            ),
            Node(
                "imp2.acme.example",
                "subscriber",
                "imp2",
                DOMAIN,
                ("10.10.0.22",),
                (
                    _endpoint(
                        "cup-xmpp",
                        "xmpp-client",
                        "imp2.acme.example",
                        5222,
                        _server(f"imp2.{DOMAIN}"),
                        sni=DOMAIN,
                    ),
                ),
            ),
        ),
        settings=(
            Setting("imp9.tftp-primary", "10.10.0.11"),
            Setting("imp9.tftp-backup", "cucm2.acme.example", "1"),
            Setting("imp9.ccmcip-primary", "cucm1", "Default"),
            Setting("imp9.ccmcip-backup", "cucm2.acme.example", "Default"),
            Setting("imp9.xmpp-domain", DOMAIN),
        ),
    )
    wildcard = _server(f"*.{DOMAIN}", dns=[f"*.{DOMAIN}"], issuer=issuing)
    unity = Cluster(
        "hq-cuc",
        "unity",
        "9.1.2.10000-28",
        nodes=(
            Node(
                "cuc1.acme.example",
                "publisher",
                "cuc1",
                DOMAIN,
                ("10.10.0.31",),
                (_tomcat("cuc1.acme.example", wildcard, issuing),),
            ),
        ),
    )
    cup_node = _server(
        "cup1.branch.acme.example",
        dns=["cup1.branch.acme.example"],
        xmpp_addr=["branch.acme.example"],
        issuer=issuing,
    )
    cup = Cluster(
        "branch-cup",
        "cup",
        "8.6.4.10000-12",
        nodes=(
            Node(
                "cup1.branch.acme.example",
                "publisher",
                "cup1",
                "branch.acme.example",
                ("10.20.0.21",),
                (
                    _tomcat("cup1.branch.acme.example", cup_node, issuing),
                    _endpoint(
                        "cup-xmpp",
                        "xmpp-client",
                        "cup1.branch.acme.example",
                        5222,
                        cup_node,
                        issuing,
                        sni="branch.acme.example",
                    ),
                ),
            ),
        ),
        settings=(
            Setting("cup8.tftp-primary", "cucm-br.acme.example"),
            Setting("cup8.voicemail", "cuc1.acme.example", "VM-BRANCH"),
            Setting("cup8.xmpp-domain", "branch.acme.example"),
        ),
    )
    mail = Node(
        "mail.acme.example",
        addresses=("10.10.0.41",),
        endpoints=(_endpoint("mailstore", "imaps", "mail.acme.example", 993, _server("mail.acme.example")),),
    )
    forward = (
        ("cucm1", "10.10.0.11"),
        ("cucm2", "10.10.0.12"),
        ("imp1", "10.10.0.21"),
        ("cuc1", "10.10.0.31"),
    )
    dns = (
        *(DnsRecord(f"{host}.{DOMAIN}", "A", (address,)) for host, address in forward),
        # DNS not ready for the fixes: cucm3's FQDN does not exist yet (CC501), the branch
        # publisher's FQDN points elsewhere (CC502), and 10.10.0.11 resolves back to an old name (CC503).
        DnsRecord(f"cucm3.{DOMAIN}", "A", (), "NXDOMAIN: the name does not exist"),
        DnsRecord("cucm-br.branch.acme.example", "A", ("10.20.0.99",)),
        DnsRecord("10.10.0.11", "PTR", ("cucm-old.acme.example",)),
        # Service discovery: UDS still lists a retired server (CC505) and an alias of cucm1 that its
        # certificate does not name (CC504); the _xmpp-client record, which third-party XMPP clients
        # use and Jabber does not, leads to imp2, whose cup-xmpp certificate lacks the domain (CC506).
        DnsRecord(
            f"_cisco-uds._tcp.{DOMAIN}",
            "SRV",
            (f"0 10 8443 cucm2.{DOMAIN}", f"0 10 8443 cucm-old.{DOMAIN}", f"0 10 8443 uds.{DOMAIN}"),
        ),
        DnsRecord(f"uds.{DOMAIN}", "A", ("10.10.0.11",)),
        DnsRecord(
            f"_xmpp-client._tcp.{DOMAIN}", "SRV", (f"0 10 5222 imp1.{DOMAIN}", f"0 10 5222 imp2.{DOMAIN}")
        ),
    )
    return Deployment(
        clusters=(cucm, branch, imp, unity, cup),
        externals=(mail,),
        dns=dns,
        collected_at=datetime.now(timezone.utc).replace(microsecond=0),
    )


def build_incomplete() -> Deployment:
    """A collection that could not log in to one cluster and could not reach a Unity Connection subscriber:
    what `confcheck lint` says then (CC203, CC204; exit 3)."""
    issuing = _ca("Acme Issuing CA")
    leaf = _server(f"cucm1.{DOMAIN}", dns=[f"cucm1.{DOMAIN}"], issuer=issuing)
    cucm = Cluster(
        "hq-cucm",
        "cucm",
        "9.1.2.10000-28",
        nodes=(
            Node(
                f"cucm1.{DOMAIN}",
                "publisher",
                "cucm1",
                DOMAIN,
                ("10.10.0.11",),
                (_tomcat(f"cucm1.{DOMAIN}", leaf),),
            ),
        ),
        configuration_read=False,  # only the publisher's certificate was met
    )
    unity = Cluster(
        "hq-cuc",
        "unity",
        "12.5.1.10000-6",
        nodes=(
            Node(
                f"cuc1.{DOMAIN}",
                "publisher",
                "cuc1",
                DOMAIN,
                ("10.10.0.31",),
                (
                    _tomcat(
                        f"cuc1.{DOMAIN}", _server(f"cuc1.{DOMAIN}", dns=[f"cuc1.{DOMAIN}"], issuer=issuing)
                    ),
                ),
            ),
            Node(
                f"cuc2.{DOMAIN}",
                "subscriber",
                "cuc2",
                DOMAIN,
                ("10.10.0.32",),
                (
                    Endpoint(
                        "tomcat",
                        "https",
                        "10.10.0.32",
                        8443,
                        f"cuc2.{DOMAIN}",
                        error=EndpointError("refused", "connect to 10.10.0.32:8443: connection refused"),
                    ),
                ),
            ),
        ),
    )
    problem = Problem(
        "auth",
        "AXL login failed: HTTP 401 from https://10.10.0.11:8443/axl/ (check username and password)",
        "hq-cucm",
    )
    return Deployment(
        clusters=(cucm, unity),
        problems=(problem,),
        collected_at=datetime.now(timezone.utc).replace(microsecond=0),
    )


def build_certificates() -> tuple[Deployment, list[pki.Issued]]:
    """A data-centre cluster whose names are right but whose certificates are not (CC3xx, CC4xx).

    Returns the deployment and the clients' trust store: Acme's root, plus one server
    certificate someone pushed to the clients by hand.
    """
    root = _ca("Acme Root CA")
    issuing = _ca("Acme Issuing CA", issuer=root)
    contractor = _ca("Contractor Issuing CA", issuer=_ca("Contractor Root CA"))

    def subject(host: str, **fields: str) -> x509.Name:
        return pki.name(
            f"{host}.{DOMAIN}", **({"O": "Acme", "OU": "UC", "L": "Springfield", "C": "US"} | fields)
        )

    def leaf(host: str, *more: str, issuer: pki.Issued | None = issuing, **kwargs: Any) -> pki.Issued:
        names = [f"{h}.{DOMAIN}" for h in (host, *more)]
        return _server(names[0], dns=names, issuer=issuer, subject=subject(host), **kwargs)

    shared = leaf("cucm3", "cucm4")
    pinned = leaf("cucm8", issuer=contractor)
    certificates = {
        # expired three weeks before AT, and one that expires ten days after it
        "cucm1": (leaf("cucm1", not_before=AT - timedelta(days=751), days=730), issuing),
        "cucm2": (leaf("cucm2", not_before=AT - timedelta(days=720), days=730), issuing),
        # one certificate for two nodes
        "cucm3": (shared, issuing),
        "cucm4": (shared, issuing),
        # the install-time certificate: self-signed, an IP address as its CN, a 1024-bit RSA key
        "cucm5": (
            _server(
                "10.30.0.15",
                dns=[f"cucm5.{DOMAIN}"],
                ips=["10.30.0.15"],
                key=pki.new_key("rsa", 1024),
                subject=pki.name("10.30.0.15", O="Acme", OU="UC", L="Springfield", C="US"),
            ),
        ),
        # a comma in the organisation, which the CA request form does not allow, from a CA template
        # valid for five years, longer than Apple's platforms accept (CC316)
        "cucm6": (
            _server(
                f"cucm6.{DOMAIN}",
                dns=[f"cucm6.{DOMAIN}"],
                issuer=issuing,
                subject=subject("cucm6", O="Acme, Inc."),
                days=5 * 365 + 1,
            ),
            issuing,
        ),
        # sends its certificate without the intermediate
        "cucm7": (leaf("cucm7"),),
        # signed by a contractor's CA; trusted only because the certificate itself was pushed
        "cucm8": (pinned,),
    }
    nodes = tuple(
        Node(
            f"{host}.{DOMAIN}",
            "publisher" if host == "cucm1" else "subscriber",
            host,
            DOMAIN,
            (f"10.30.0.{10 + index}",),
            (_tomcat(f"{host}.{DOMAIN}", *chain),),
        )
        for index, (host, chain) in enumerate(certificates.items(), start=1)
    )
    cluster = Cluster("dc-cucm", "cucm", "9.1.2.10000-28", nodes=nodes)
    deployment = Deployment(clusters=(cluster,), collected_at=AT)
    return deployment, [root, pinned]


def build_current() -> Deployment:
    """Acme's 14.0 site, as confcheck collects CUCM, IM and Presence and Unity Connection 10.x and later."""
    root = _ca("Acme Root CA")
    issuing = _ca("Acme Issuing CA", issuer=root)
    domain = f"site14.{DOMAIN}"

    def node(host: str, address: str, role: Role, name: str | None = None, xmpp: bool = False) -> Node:
        fqdn = f"{host}.{domain}"
        configured = name or fqdn
        endpoints = [_tomcat(configured, _server(fqdn, dns=[fqdn], issuer=issuing), issuing)]
        if xmpp:
            cert = _server(fqdn, dns=[fqdn, domain], issuer=issuing)
            endpoints.append(
                _endpoint("cup-xmpp", "xmpp-client", configured, 5222, cert, issuing, sni=domain)
            )
        return Node(configured, role, host, domain, (address,), tuple(endpoints))

    profile = ("SP-Site14",)
    cucm = Cluster(
        "site14-cucm",
        "cucm",
        "14.0.1.11900-132",
        nodes=(
            node("cucm1", "10.40.0.11", "publisher"),
            node("cucm2", "10.40.0.12", "subscriber", "10.40.0.12"),
        ),
        settings=(
            Setting("cucm10.imp-node-name", f"imp1.{domain}"),
            Setting("cucm10.imp-node-name", "10.40.0.22"),
            Setting("cucm10.uc-service-imp", f"imp1.{domain}", "IMP-Site14", profile),
            Setting("cucm10.uc-service-voicemail", f"cuc1.{domain}", "VM-Site14", profile),
            Setting("cucm10.uc-service-voicemail", "10.40.0.31", "VM-Pilot", ()),
            Setting("cucm10.uc-service-cti", f"cucm1.{domain}", "CTI-Site14", profile),
            Setting("cucm10.jabber-voicemail-primary", "10.40.0.31", "JC-Site14", profile),
            Setting("cucm10.jabber-tftp-1", f"cucm1.{domain}", "JC-Site14", profile),
        ),
    )
    imp = Cluster(
        "site14-imp",
        "imp",
        "14.0.1.11900-9",
        nodes=(
            node("imp1", "10.40.0.21", "publisher", xmpp=True),
            node("imp2", "10.40.0.22", "subscriber", "10.40.0.22", xmpp=True),
        ),
        settings=(Setting("imp10.xmpp-domain", domain),),
        facts=(("presence.domain", domain),),
    )
    unity = Cluster(
        "site14-cuc", "unity", "14.0.1.11900-14", nodes=(node("cuc1", "10.40.0.31", "publisher"),)
    )
    return Deployment(clusters=(cucm, imp, unity), collected_at=AT)


def build_current_releases() -> Deployment:
    """CUCM and IM and Presence 15 with twins, a multi-server certificate, EKU and a pending restart."""
    root = _ca("Acme Root CA")
    issuing = _ca("Acme Issuing CA", issuer=root)
    release = "15.0.1.12900-234"
    fqdn = {h: f"{h}.{DOMAIN}" for h in ("cucm1", "cucm2", "cucm3", "imp1", "imp2")}
    rsa = pki.new_key("rsa")  # one RSA key for the example's RSA certificates: keys are the slow part
    # one multi-server Tomcat certificate for the CUCM nodes, made before cucm3 joined the cluster
    shared = pki.multi_server(
        fqdn["cucm1"],
        [fqdn["cucm1"], fqdn["cucm2"]],
        issuer=issuing,
        key=rsa,
        not_before=ISSUED,
        days=SERVER_LIFETIME,
    )
    before = pki.multi_server(
        fqdn["cucm1"],
        [fqdn["cucm1"], fqdn["cucm2"]],
        issuer=issuing,
        key=rsa,
        not_before=ISSUED - timedelta(days=700),
        days=730,
    )
    twin = {h: _server(fqdn[h], dns=[fqdn[h]], issuer=issuing) for h in ("cucm2", "cucm3")}
    twin["cucm1"] = _server(fqdn["cucm1"], dns=[fqdn["cucm1"]])  # install-time, self-signed

    def cucm(index: int, host: str) -> Node:
        address = f"10.15.0.{10 + index}"
        sip = shared if host != "cucm2" else before  # CallManager on cucm2 not restarted since the renewal
        closed = EndpointError(
            "not-open", f"connect to {address}:5091: connection refused (the port is not open)"
        )
        return Node(
            fqdn[host],
            "publisher" if index == 1 else "subscriber",
            host,
            DOMAIN,
            (address,),
            (
                _endpoint("tomcat", "https", address, 8443, shared, issuing, sni=fqdn[host]),
                _endpoint("tomcat-ECDSA", "https", address, 8443, twin[host], sni=fqdn[host]),
                _endpoint("tomcat", "tls", address, 5090, sip, issuing, sni=fqdn[host]),
                Endpoint("tomcat", "tls", address, 5091, fqdn[host], error=closed),
            ),
        )

    def imp(index: int, host: str) -> Node:
        address = f"10.15.0.{20 + index}"
        eku = ("serverAuth",) if host == "imp1" else pki.SERVER_EKU  # signed with a web server profile
        tomcat = _server(fqdn[host], dns=[fqdn[host]], issuer=issuing, key=rsa, eku=eku)
        xmpp = _server(fqdn[host], dns=[fqdn[host], DOMAIN], xmpp_addr=[DOMAIN], issuer=issuing, key=rsa)
        refused = EndpointError(
            "not-offered",
            f"tls://{address}:8443 refused a TLS 1.2 handshake offering only ECDSA: it offers no ECDSA certificate",
        )
        return Node(
            fqdn[host],
            "publisher" if index == 1 else "subscriber",
            host,
            DOMAIN,
            (address,),
            (
                _endpoint("tomcat", "https", address, 8443, tomcat, issuing, sni=fqdn[host]),
                Endpoint("tomcat-ECDSA", "https", address, 8443, fqdn[host], error=refused),
                _endpoint("cup-xmpp", "xmpp-client", address, 5222, xmpp, issuing, sni=DOMAIN),
                Endpoint("cup-xmpp-ECDSA", "xmpp-client", address, 5222, DOMAIN, error=refused),
            ),
        )

    clusters = (
        Cluster(
            "dc15-cucm",
            "cucm",
            release,
            nodes=tuple(cucm(i, h) for i, h in enumerate(("cucm1", "cucm2", "cucm3"), 1)),
        ),
        Cluster(
            "dc15-imp",
            "imp",
            release,
            nodes=tuple(imp(i, h) for i, h in enumerate(("imp1", "imp2"), 1)),
            settings=(Setting("imp10.xmpp-domain", DOMAIN),),
        ),
    )
    return Deployment(clusters=clusters, collected_at=AT)


def build_journey() -> tuple[Deployment, list[pki.Issued], list[pki.Issued]]:
    """Jabber's discovery for three services domains, and the Windows and macOS trust stores to judge it by."""
    root = _ca("Acme Root CA")
    issuing = _ca("Acme Issuing CA", issuer=root)
    public = _ca("Acme Public CA")

    def node(
        host: str, address: str, role: Role, purpose: str = "tomcat", signer: pki.Issued = issuing
    ) -> Node:
        fqdn = f"{host}.{DOMAIN}"
        cert = _server(fqdn, dns=[fqdn], issuer=signer)
        chain = (cert, issuing) if signer is issuing else (cert,)
        return Node(fqdn, role, host, DOMAIN, (address,), (_endpoint(purpose, "https", fqdn, 8443, *chain),))

    profile = ("SP-HQ",)
    cucm = Cluster(
        "hq-cucm",
        "cucm",
        "14.0.1.11900-132",
        nodes=(node("cucm1", "10.50.0.11", "publisher"), node("cucm2", "10.50.0.12", "subscriber")),
        settings=(Setting("cucm10.uc-service-voicemail", f"cuc1.{DOMAIN}", "VM-HQ", profile),),
        facts=(("service-profile.default", "SP-HQ"),),
    )
    unity = Cluster("hq-cuc", "unity", "14.0.1.11900-14", nodes=(node("cuc1", "10.50.0.21", "publisher"),))
    edge = Cluster(
        "edge",
        "expressway-e",
        "X15.0.1",
        nodes=(node("expe1", "203.0.113.10", "publisher", "expressway", public),),
    )
    core = Cluster(
        "core",
        "expressway-c",
        "X15.0.1",
        nodes=(node("expc1", "10.50.0.31", "publisher", "expressway"),),
        settings=(Setting("expressway-c.unified-cm", "10.50.0.11"),),
        facts=(("tls_verify", "true"),),
    )
    clients = (Client("windows", "14.1.3"), Client("mac", "14.1.2"), Client("android", "9.5"))
    jabber = Cluster(
        "jabber-acme.example",
        "jabber",
        "9.5 (Android), 14.1.2 (Mac), 14.1.3 (Windows)",
        settings=(
            Setting("jabber.bootstrap-ccmcip", "cucm1", "installer arguments"),
            Setting("jabber.config-voicemail-primary", f"cuc1.{DOMAIN}", "jabber-config.xml (TFTP)"),
        ),
        facts=(("services.domain", DOMAIN),),
    )
    branch = Cluster("jabber-branch", "jabber", "9.6 and later (client versions not given)")
    partner = Cluster("jabber-partner", "jabber", "9.6 and later (client versions not given)")

    def srv(name: str, *targets: str) -> DnsRecord:
        if not targets:
            return DnsRecord(name, "SRV", (), "NXDOMAIN: the name does not exist")
        return DnsRecord(name, "SRV", tuple(f"0 10 8443 {t}.{DOMAIN}" for t in targets))

    def view(kind: str, domain: str, server: str, uds: tuple[str, ...], edges: tuple[str, ...]) -> DnsView:
        records = (
            srv(f"_cisco-uds._tcp.{domain}", *uds),
            srv(f"_cuplogin._tcp.{domain}"),
            srv(f"_collab-edge._tls.{domain}", *edges),
        )
        return DnsView(kind, server, records)

    tftp_chain = (
        certs.load(_server(f"cucm1.{DOMAIN}", dns=[f"cucm1.{DOMAIN}"], issuer=issuing).pem.encode(), "t")[0],
    )
    fetches = (
        Fetch(
            "uds-servers",
            f"https://cucm1.{DOMAIN}:8443/cucm-uds/servers",
            200,
            (("server", f"cucm1.{DOMAIN}"), ("server", f"cucm2.{DOMAIN}")),
        ),
        Fetch(
            "uds-servers",
            f"https://cucm2.{DOMAIN}:8443/cucm-uds/servers",
            200,
            error=EndpointError("html", "answered an HTML page, not XML"),
        ),
        Fetch(
            "tftp-config",
            f"https://cucm1.{DOMAIN}:6972/jabber-config.xml",
            200,
            (("VoicemailPrimaryServer", f"cuc1.{DOMAIN}"),),
            chain=tftp_chain,
        ),
        Fetch(
            "tftp-config",
            f"http://cucm2.{DOMAIN}:6970/jabber-config.xml",
            200,
            error=EndpointError("malformed", "not well-formed XML (mismatched tag, line 3, column 2)"),
        ),
    )
    discovery = (
        Discovery(
            "jabber-acme.example",
            DOMAIN,
            (DOMAIN,),
            "hq-cucm",
            (
                view("internal", DOMAIN, "10.50.0.53:53", ("cucm1", "cucm2"), ()),
                view("external", DOMAIN, "198.51.100.53:53", ("cucm1",), ("expe1",)),
            ),
            fetches,
            "SP-HQ",
            "default",
            clients,
        ),
        Discovery(
            "jabber-branch",
            f"branch.{DOMAIN}",
            (f"branch.{DOMAIN}",),
            "hq-cucm",
            (
                view("internal", f"branch.{DOMAIN}", "10.50.0.53:53", (), ()),
                view("external", f"branch.{DOMAIN}", "198.51.100.53:53", (), ()),
            ),
        ),
        Discovery(
            "jabber-partner",
            f"partner.{DOMAIN}",
            (f"partner.{DOMAIN}",),
            "hq-cucm",
            (
                view("internal", f"partner.{DOMAIN}", "10.50.0.53:53", ("cucm1",), ()),
                view("external", f"partner.{DOMAIN}", "198.51.100.53:53", (), ()),
            ),
        ),
    )
    deployment = Deployment(
        clusters=(cucm, unity, edge, core, jabber, branch, partner), collected_at=AT, discovery=discovery
    )
    return deployment, [root, public], [root]


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent)
    snapshot.write(build(), out / "demo-snapshot.json")
    snapshot.write(build_incomplete(), out / "incomplete-snapshot.json")
    snapshot.write(build_current(), out / "current-snapshot.json")
    hygiene, trusted = build_certificates()
    snapshot.write(hygiene, out / "certificates-snapshot.json")
    snapshot.write_atomic(out / "certificates-trust.pem", "".join(c.pem for c in trusted))
    snapshot.write(build_current_releases(), out / "current-releases-snapshot.json")
    journey, windows, macos = build_journey()
    snapshot.write(journey, out / "journey-snapshot.json")
    snapshot.write_atomic(out / "journey-trust-windows.pem", "".join(c.pem for c in windows))
    snapshot.write_atomic(out / "journey-trust-macos.pem", "".join(c.pem for c in macos))
    print(
        "wrote the demo, incomplete, current, certificates, current-releases and journey snapshots, and "
        f"certificates-trust.pem and the journey's trust stores, to {out}"
    )
