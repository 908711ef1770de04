"""The sign-in journey: where Jabber users of a services domain go, hop by hop, and who is prompted where.

Part of the check stage: a pure function of the snapshot, the ``[check]`` options and the findings
of the same run. For every services domain collected (``[[jabber]]``), two paths:

* **inside** the office, in the internal DNS view: the ``_cisco-uds`` SRV record, the UDS servers it
  names, the home cluster's nodes UDS lists, the service profile, jabber-config.xml from TFTP, then
  each service the profile and the configuration hand out (IM and Presence with its XMPP domain,
  voicemail, mail store, conferencing, CTI, directory);
* **outside**, in the external view: ``_collab-edge``, Expressway-E, Expressway-C, then each server
  Expressway-C reaches for the client.

Each hop carries the name used, the certificate met there and an outcome per client platform. The
names are checked by the identity contract (a hop that is a configured setting reuses its
reference's verdict); trust is cryptography's verifier (:func:`confcheck.rules.trust.assess`), run
once per platform store: Windows' Trusted Root Certification Authorities, with a server certificate
in Enterprise Trust trusted by that fact (the guide's method 2); the macOS keychain, and the iOS and
Android stores, which hold roots. A client older than the first release that validates
certificates (Table 1 of Cisco doc 116917: Mac 9.2, Windows 9.2.5, iPhone 9.5, iPad 9.6, Android
9.6) never prompts: the journey says so rather than predict a prompt.

Behind Expressway-C the client meets no certificate of the internal servers: Expressway-C does, with
TLS verify, and a name its certificate lacks makes the service fail for every platform (Cisco doc
213872). The fixes are the findings' own, linked by what they are about.

Modelled (not confirmed from a Cisco document): that a CA certificate in Windows' Enterprise Trust
does not anchor a chain; that the iOS and Android stores hold roots only; that Jabber prompts when
Expressway-E's certificate lacks an XMPP domain; which certificate (RSA or ECDSA) Jabber gets where
both are served (the RSA one is judged, the twin is noted); which TFTP servers Jabber reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from confcheck import apple, identity, records
from confcheck.certs import Certificate
from confcheck.discovery_model import Client, Discovery, DnsView, Fetch
from confcheck.engine import Context, ReferenceCheck, TargetCheck
from confcheck.findings import Finding
from confcheck.model import PLATFORMS, QUIET_ERRORS, Cluster, DnsRecord, Node
from confcheck.ordered import once
from confcheck.platforms import FIRST_VALIDATING, Trust, client_title, validates

VERDICTS = ("ok", "prompt", "refuse", "fail", "silent", "unknown", "none")
"""An outcome per platform: ``ok`` (no prompt), ``prompt`` (the user is asked to accept the certificate),
``refuse`` (where a client would prompt, it refuses to connect: InvalidCertificateBehavior
RejectAndNotify), ``fail`` (the hop cannot work: no record, Expressway-C's TLS verify, a bad answer),
``silent`` (a client that does not validate certificates), ``unknown`` (not judged), ``none`` (no
certificate of the client's to judge: a DNS record, a service profile, CTI)."""
BAD = frozenset({"prompt", "refuse", "fail"})
CLIENT_TRUST = frozenset({"CC401", "CC402", "CC403"})
"""Findings about what the clients trust: not Expressway-C's business."""
SRV_RULES = frozenset({"CC504", "CC505", "CC506", "CC507", "CC508", "CC509"})
"""Findings about DNS records: linked to the SRV hops by value, never by certificate."""


@records.record
class Outcome:
    """What one client platform experiences at one hop, and why."""

    platform: str
    verdict: str
    """One of :data:`VERDICTS`."""
    reason: str


@records.record
class Hop:
    """One step of the journey: where the client goes, the name it uses, what it meets there."""

    kind: str
    """``srv``, ``uds``, ``home``, ``profile``, ``tftp``, ``service``, ``xmpp``, ``bootstrap``,
    ``expressway-e``, ``expressway-c``, ``behind``."""
    title: str
    name: str | None = None
    """The name the client (or Expressway-C) uses, exactly as it is given."""
    where: str | None = None
    """The endpoint met (``https://cucm1.example.com:8443``)."""
    certificate: Certificate | None = None
    outcomes: tuple[Outcome, ...] = ()
    notes: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    """The findings about this hop: their fixes clear it."""
    judged_by: str | None = None
    """Who verifies the certificate here: None for the clients; behind Expressway-C, that cluster (its
    verdict is every platform's)."""

    def verdicts(self) -> set[str]:
        return {o.verdict for o in self.outcomes}

    @property
    def bad(self) -> bool:
        """Whether some platform is prompted here, or the hop fails."""
        return bool(self.verdicts() & BAD)


@records.record
class Stage:
    """The hops of one step, side by side (a record's targets, a profile's services)."""

    title: str
    hops: tuple[Hop, ...]


@records.record
class Path:
    """Inside or outside the office: the stages in the order the client takes them."""

    side: str
    """``inside`` or ``outside``."""
    title: str
    stages: tuple[Stage, ...]
    notes: tuple[str, ...] = ()

    def hops(self) -> list[Hop]:
        return [hop for stage in self.stages for hop in stage.hops]


@records.record
class Journey:
    """A services domain's sign-in, inside and outside, for the clients in use."""

    services_domain: str
    jabber: str
    clients: tuple[Client, ...]
    """The clients judged: the inventory's, or every platform (release not given) when it lists none."""
    paths: tuple[Path, ...]
    notes: tuple[str, ...] = ()
    refuses: bool = False
    """The clients refuse where they would prompt (InvalidCertificateBehavior RejectAndNotify): their
    verdict there is ``refuse``."""

    def summary(self, path: Path) -> list[tuple[Client, str]]:
        """Per client, in one phrase: where it is prompted on ``path``, or that it is not."""
        found = []
        for client in self.clients:
            outcomes = [o for hop in path.hops() for o in hop.outcomes if o.platform == client.platform]
            prompts = sum(1 for o in outcomes if o.verdict == "prompt")
            refusals = sum(1 for o in outcomes if o.verdict == "refuse")
            fails = sum(1 for o in outcomes if o.verdict == "fail")
            if any(o.verdict == "silent" for o in outcomes):
                text = "never prompts: this release does not validate certificates"
                if fails:
                    text += "; " + _count(fails, "hop", "fails at")
            elif prompts or refusals or fails:
                parts = [_count(prompts, "hop", "prompts at")] if prompts else []
                parts += [_count(refusals, "hop", "refuses to connect at")] if refusals else []
                parts += [_count(fails, "hop", "fails at")] if fails else []
                text = ", ".join(parts)
            elif any(o.verdict == "unknown" for o in outcomes):
                text = "no prompt found; some hops could not be judged"
            else:
                text = "no prompt"
            found.append((client, text))
        return found


def _count(n: int, noun: str, verb: str) -> str:
    return f"{verb} {n} {noun}{'s' if n != 1 else ''}"


def build(ctx: Context, findings: Sequence[Finding]) -> tuple[Journey, ...]:
    """The journey of every services domain the deployment holds discovery for (none: nothing is computed),
    read from the analysis its ``findings`` came from (the lint's context: its checks, and what its rules
    worked out, are not made again)."""
    if not ctx.deployment.discovery:
        return ()
    builder = _Builder(ctx, findings)
    return tuple(builder.journey(d) for d in ctx.deployment.discovery)


# --- the builder --------------------------------------------------------------------------------------


@dataclass
class _Links:
    """Findings indexed by what they are about."""

    by_reference: dict[tuple[str | None, str | None, str | None, str | None], list[Finding]] = field(
        default_factory=dict
    )
    by_certificate: dict[str, list[Finding]] = field(default_factory=dict)
    by_value: dict[str, list[Finding]] = field(default_factory=dict)


class _Builder:
    def __init__(self, ctx: Context, findings: Sequence[Finding]) -> None:
        self.ctx = ctx
        self.deployment = ctx.deployment
        from confcheck.rules.trust import met_certificates

        self.trust = Trust(ctx.options, met_certificates(ctx.deployment))
        self.links = _Links()
        for f in findings:
            if f.location is not None:
                self.links.by_reference.setdefault((f.cluster, f.location, f.value, f.instance), []).append(f)
            elif f.rule in SRV_RULES or f.rule == "CC206":
                self.links.by_value.setdefault(f.value or "", []).append(f)
            elif f.certificate:
                self.links.by_certificate.setdefault(f.certificate, []).append(f)
        self.checks: dict[tuple[str, str, str], list[ReferenceCheck]] = {}
        self.of_cluster: dict[int, list[ReferenceCheck]] = {}
        """Each cluster's checks (by the cluster's identity), in the lint's order: a hop's cluster's own
        are found at once, not by a pass over all of them for each cluster (thousands of clusters)."""
        for check in ctx.checks:
            ref = check.reference
            key = (ref.cluster.name, ref.location.id, identity.normalize(ref.value) or ref.value)
            self.checks.setdefault(key, []).append(check)
            self.of_cluster.setdefault(id(ref.cluster), []).append(check)
        self.clients: tuple[Client, ...] = ()
        self.refuses = False

    # --- one services domain -------------------------------------------------------------------

    def journey(self, d: Discovery) -> Journey:
        self.clients = d.clients or tuple(Client(p) for p in PLATFORMS)
        self.refuses = d.refuses
        notes = []
        if not d.clients:
            notes.append(
                "The inventory lists no clients: every platform is judged, at a release that validates certificates."
            )
        old = [c for c in self.clients if not validates(c)]
        for client in old:
            notes.append(
                f"{client_title(client)} predates certificate validation (first validating release "
                f"{FIRST_VALIDATING[client.platform]}, Cisco doc 116917 Table 1): it never prompts, and checks nothing."
            )
        unjudged = [
            client_title(c) for c in self.clients if validates(c) and self.trust.store(c.platform) is None
        ]
        if unjudged:
            notes.append(
                f"Trust is not judged for {', '.join(unjudged)}: no trust store for the platform "
                "([check] trust_store, or [check.trust_stores]); names are."
            )
        if self.refuses:
            notes.append(
                "InvalidCertificateBehavior is RejectAndNotify: where a platform would prompt, the client refuses instead."
            )
        return Journey(
            d.services_domain,
            d.jabber,
            self.clients,
            (self.inside(d), self.outside(d)),
            tuple(notes),
            self.refuses,
        )

    # --- inside the office -----------------------------------------------------------------------------

    def inside(self, d: Discovery) -> Path:
        view = d.view("internal")
        server = f"internal DNS {view.server}" if view and view.server else "the system resolver"
        title = f"Inside the office ({server})"
        stages: list[Stage] = []
        jabber = self.deployment.cluster(d.jabber)
        bootstrap = self.settings_hops(jabber, "bootstrap") if jabber else []
        if bootstrap:
            stages.append(Stage("Client settings", tuple(bootstrap)))
        records = _srv(view, d.services_domain)
        uds = records.get("_cisco-uds._tcp")
        legacy = records.get("_cuplogin._tcp")
        edge = records.get("_collab-edge._tls")
        discovery = [self.srv_hop(d, view, "_cisco-uds._tcp", uds, inside=True)]
        if legacy is not None and legacy.answers:
            discovery.append(self.srv_hop(d, view, "_cuplogin._tcp", legacy, inside=True))
        if edge is not None and edge.answers:
            discovery.append(self.srv_hop(d, view, "_collab-edge._tls", edge, inside=True))
        stages.append(Stage("Service discovery", tuple(discovery)))
        notes: list[str] = []
        if uds is None or not uds.answers:
            if legacy is not None and legacy.answers:
                stages.append(
                    Stage(
                        "IM and Presence (legacy sign-in)", tuple(self.target_hops(d, legacy, ("imp", "cup")))
                    )
                )
                notes.append(
                    "No _cisco-uds record: Jabber signs in through IM and Presence (_cuplogin), the legacy path; it is not followed further."
                )
            elif edge is not None and edge.answers:
                notes.append(
                    "Only _collab-edge answers inside: office clients go through Expressway as if they were outside."
                )
            else:
                notes.append("Jabber finds nothing to sign in to inside the office.")
            return Path("inside", title, tuple(stages), tuple(notes))
        stages.append(Stage("UDS (the _cisco-uds targets)", tuple(self.target_hops(d, uds, ("cucm",)))))
        home = self.deployment.cluster(d.home) if d.home else None
        listed = [
            (f, n) for f in d.fetches if f.kind == "uds-servers" and f.error is None for _, n in f.names
        ]
        names = list(dict.fromkeys(n for _, n in listed))
        if not names and home is not None:
            names = [n.name for n in home.nodes]
            notes.append("UDS gave no server list: the home cluster's System > Server names stand in for it.")
        if names:
            stages.append(
                Stage(
                    "Home cluster (UDS's server list)", tuple(self.node_hop(home, n, "home") for n in names)
                )
            )
        stages.append(Stage("Service profile", (self.profile_hop(d, home),)))
        tftp = [self.tftp_hop(f) for f in d.fetches if f.kind in ("tftp-config", "config-file")]
        if tftp:
            stages.append(Stage("jabber-config.xml (TFTP)", tuple(tftp)))
        services = self.service_hops(d, home, jabber)
        if services:
            stages.append(Stage("Services", tuple(services)))
        return Path("inside", title, tuple(stages), tuple(notes))

    # --- outside ---------------------------------------------------------------------------------------

    def outside(self, d: Discovery) -> Path:
        view = d.view("external")
        edges = [c for c in self.deployment.clusters if c.product == "expressway-e"]
        cores = [c for c in self.deployment.clusters if c.product == "expressway-c"]
        notes: list[str] = []
        stages: list[Stage] = []
        if view is None:
            title = "Outside (mobile and remote access): the Internet's DNS was not asked"
            notes.append(
                "Name a DNS server that answers as the Internet does ([[jabber]] external_dns) to follow _collab-edge."
            )
            hop = Hop(
                "srv",
                f"_collab-edge._tls.{d.services_domain}",
                outcomes=self.same("unknown", "not asked: no external DNS server in the inventory"),
            )
            stages.append(Stage("Service discovery", (hop,)))
            met = [self.edge_hop(d, c, n, n.name) for c in edges for n in c.nodes]
            if met:
                stages.append(Stage("Expressway-E (from the inventory)", tuple(met)))
        else:
            title = f"Outside (mobile and remote access, external DNS {view.server or 'system resolver'})"
            records = _srv(view, d.services_domain)
            edge = records.get("_collab-edge._tls")
            hops = [self.srv_hop(d, view, "_collab-edge._tls", edge, inside=False)]
            for service in ("_cisco-uds._tcp", "_cuplogin._tcp"):
                record = records.get(service)
                if record is not None and record.answers:
                    hops.append(self.srv_hop(d, view, service, record, inside=False))
            stages.append(Stage("Service discovery", tuple(hops)))
            if edge is None or not edge.answers:
                notes.append(
                    "No _collab-edge record outside: Jabber cannot find Expressway, so there is no mobile and remote access."
                )
                return Path("outside", title, tuple(stages), tuple(notes))
            targets = []
            for answer in edge.answers:
                target, port = _target(answer)
                found = [(c, n) for c, n in self.ctx.resolve(target, ("expressway-e",)) if c is not None]
                if len(found) == 1:
                    targets.append(self.edge_hop(d, found[0][0], found[0][1], target, port))
                else:
                    targets.append(
                        Hop(
                            "expressway-e",
                            f"Expressway-E {target}",
                            target,
                            f"https://{target}:{port}",
                            outcomes=self.same(
                                "unknown",
                                f"{target} is no Expressway-E of the inventory: its certificate was not met",
                            ),
                            findings=tuple(self.links.by_value.get(f"_collab-edge._tls {target}", ())),
                        )
                    )
            stages.append(Stage("Expressway-E", tuple(targets)))
        if not cores:
            notes.append("No Expressway-C in the inventory: what it reaches is not followed.")
            return Path("outside", title, tuple(stages), tuple(notes))
        stages.append(Stage("Expressway-C", tuple(self.core_hop(c, n) for c in cores for n in c.nodes)))
        behind = [h for c in cores for h in self.behind_hops(c, d)]
        if behind:
            stages.append(Stage("Behind Expressway-C (its TLS verify)", tuple(behind)))
        return Path("outside", title, tuple(stages), tuple(notes))

    # --- hops -------------------------------------------------------------------------------------------

    def same(self, verdict: str, reason: str) -> tuple[Outcome, ...]:
        return tuple(Outcome(c.platform, verdict, reason) for c in self.clients)

    def srv_hop(
        self, d: Discovery, view: DnsView | None, service: str, record: DnsRecord | None, inside: bool
    ) -> Hop:
        name = f"{service}.{d.services_domain}"
        own = f"{service} " if inside else f"external {name}"
        related = tuple(
            f
            for key, found in self.links.by_value.items()
            if (key.startswith(own) if inside else key == own) or key == d.services_domain
            for f in found
            if f.rule in SRV_RULES
        )
        if record is None:
            return Hop("srv", name, outcomes=self.same("unknown", "not asked"), findings=related)
        answers = tuple(record.answers)
        if service == "_collab-edge._tls" and inside:
            return Hop(
                "srv",
                name,
                notes=answers,
                outcomes=self.same("none", "answers inside too (Jabber prefers _cisco-uds)"),
            )
        if not inside and service != "_collab-edge._tls":
            return Hop(
                "srv",
                name,
                notes=answers,
                outcomes=self.same(
                    "fail",
                    f"{service} must not resolve outside: clients there try to sign in directly and fail",
                ),
                findings=related,
            )
        if not answers:
            why = record.error or "no SRV record"
            what = "Jabber discovers nothing here" if service == "_cisco-uds._tcp" else "no record"
            verdict = "fail" if service in ("_cisco-uds._tcp", "_collab-edge._tls") else "none"
            return Hop("srv", name, outcomes=self.same(verdict, f"{what} ({why})"), findings=related)
        return Hop(
            "srv",
            name,
            notes=answers,
            outcomes=self.same("none", f"answers {len(answers)} target{'s' * (len(answers) > 1)}"),
            findings=related,
        )

    def target_hops(self, d: Discovery, record: DnsRecord, products: tuple[str, ...]) -> list[Hop]:
        """A hop per target of a ``_cisco-uds`` (or ``_cuplogin``) record: the target's Tomcat certificate."""
        service = ".".join(record.name.split(".")[:2])
        hops = []
        for answer in record.answers:
            target, port = _target(answer)
            found = self.ctx.resolve(target, products)
            node = found[0][1] if len(found) == 1 else None
            fetch = next(
                (f for f in d.fetches if f.kind == "uds-servers" and f.url.startswith(f"https://{target}:")),
                None,
            )
            notes = []
            related = list(self.links.by_value.get(f"{service} {target}", ()))
            if fetch is not None:
                related += self.links.by_value.get(fetch.url, ())
                notes.append(_fetch_note(fetch))
            hops.append(
                self.cert_hop("uds", f"UDS on {target}", target, node, "tomcat", port, notes, related, fetch)
            )
        return hops

    def cert_hop(
        self,
        kind: str,
        title: str,
        name: str,
        node: Node | None,
        purpose: str,
        port: int | None,
        notes: Iterable[str] = (),
        related: Iterable[Finding] = (),
        fetch: Fetch | None = None,
        extra: Sequence[str] = (),
    ) -> Hop:
        """A hop where the client connects to ``name`` and meets ``node``'s ``purpose`` certificate."""
        notes = list(notes)
        related = list(related)
        endpoint = node.endpoint(purpose) if node else None
        where = f"https://{name}:{port or (endpoint.port if endpoint else 8443)}"
        if node is None:
            return Hop(
                kind,
                title,
                name,
                where,
                None,
                self.same("unknown", f"{name} is no server of the snapshot: nothing to judge"),
                tuple(notes),
                once(related),
            )
        if endpoint is None or not endpoint.chain:
            why = (
                endpoint.error.message
                if endpoint and endpoint.error
                else f"no {purpose} certificate was collected"
            )
            return Hop(kind, title, name, where, None, self.same("unknown", why), tuple(notes), once(related))
        related += self.links.by_certificate.get(endpoint.chain[0].sha256, ())
        outcomes = self.judge(name, "http", endpoint.chain, extra)
        if fetch is not None and fetch.error is not None and fetch.error.kind not in QUIET_ERRORS:
            outcomes = self.same("fail", f"UDS answered something Jabber cannot use: {fetch.error.message}")
        return Hop(kind, title, name, where, endpoint.chain[0], outcomes, tuple(notes), once(related))

    def judge(
        self,
        name: str | None,
        profile: str,
        chain: Sequence[Certificate],
        extra: Sequence[str] = (),
        matched: bool | None = None,
        reason: str = "",
        field: str | None = None,
    ) -> tuple[Outcome, ...]:
        """Per client: the name (or ``matched``, a reference's verdict, and the ``field`` that matched),
        ``extra`` demands, and trust."""
        problems = list(extra)
        if matched is None and name is not None:
            verdict = identity.match(name, chain[0], "xmpp" if profile == "xmpp" else "http")
            matched, reason, field = verdict.matched, verdict.reason, verdict.field
        if matched is False:
            problems.insert(0, f"{name} is not in the certificate ({reason})")
        cn_only = (
            f"{name} is only in the certificate's Subject CN, which Apple's rules for TLS server certificates "
            "no longer accept"
            if matched and field == "CN"
            else None
        )
        found = []
        for client in self.clients:
            if not validates(client):
                found.append(
                    Outcome(
                        client.platform,
                        "silent",
                        f"{client_title(client)} does not validate certificates (first validating release "
                        f"{FIRST_VALIDATING[client.platform]}): no prompt, and no protection",
                    )
                )
                continue
            trusted, why = self.trust.judge(client.platform, chain)
            if trusted is None and not chain[0].not_before <= self.trust.options.now <= chain[0].not_after:
                trusted, why = (
                    False,
                    f"the certificate is outside its validity period ({chain[0].not_after:%Y-%m-%d})",
                )
            reasons = problems + ([why] if trusted is False else [])
            if cn_only is not None and client.platform in apple.PLATFORMS:
                reasons.insert(len(problems), cn_only)
            if reasons:
                said, word = (
                    ("refuse", "refuses (RejectAndNotify)") if self.refuses else ("prompt", "prompts")
                )
                found.append(Outcome(client.platform, said, f"{word}: " + "; ".join(reasons)))
            elif trusted is None:
                found.append(Outcome(client.platform, "unknown", f"the name matches; {why}"))
            else:
                found.append(Outcome(client.platform, "ok", f"the name matches; {why}"))
        return tuple(found)

    def node_hop(self, home: Cluster | None, name: str, kind: str) -> Hop:
        """A hop to a CUCM node by the name UDS (System > Server) gives it: its node-name reference."""
        check = self.reference(home, ".node-name", name)
        if check is not None:
            return self.reference_hop(kind, f"UDS server {name}", check)
        found = self.ctx.resolve(name, ("cucm",))
        node = found[0][1] if len(found) == 1 else None
        return self.cert_hop(kind, f"UDS server {name}", name, node, "tomcat", None)

    def reference(self, cluster: Cluster | None, suffix: str, value: str) -> ReferenceCheck | None:
        if cluster is None:
            return None
        key = identity.normalize(value) or value
        for (name, location, normalized), checks in self.checks.items():
            if name == cluster.name and location.endswith(suffix) and normalized == key:
                return checks[0]
        return None

    def reference_hop(
        self, kind: str, title: str, check: ReferenceCheck, behind: Cluster | None = None
    ) -> Hop:
        """A hop that is a configured name: its reference's targets, verdicts and findings."""
        ref = check.reference
        related = list(
            self.links.by_reference.get((ref.cluster.name, ref.location.id, ref.value, ref.instance), ())
        )
        if ref.node is not None:
            related += self.links.by_reference.get((ref.cluster.name, ref.location.id, ref.value, None), ())
        primary = next((t for t in check.targets if t.primary), None)
        if primary is None:
            if not ref.location.target.purpose:
                reason = "no certificate: Jabber meets none of confcheck's there"
                verdict = "none" if check.problem is None else "unknown"
            else:
                reason, verdict = "no server found", "unknown"
            verdicts = self.same(verdict, check.problem or reason)
            return Hop(kind, title, ref.value, None, None, verdicts, (), once(related))
        endpoint = primary.endpoint
        where = f"{endpoint.protocol}://{ref.value}:{endpoint.port}" if endpoint else None
        notes = [n for n in (_twin_note(check, primary),) if n]
        if endpoint is None or not endpoint.chain or primary.match is None:
            why = endpoint.error.message if endpoint and endpoint.error else "no certificate was collected"
            return Hop(
                kind, title, ref.value, where, None, self.same("unknown", why), tuple(notes), once(related)
            )
        related += [
            f
            for f in self.links.by_certificate.get(endpoint.chain[0].sha256, ())
            if behind is None or f.rule not in CLIENT_TRUST  # Expressway-C's trust is not the clients'
        ]
        if behind is not None:
            outcomes = self.behind(behind, ref.value, primary)
        else:
            outcomes = self.judge(
                ref.value,
                ref.location.profile,
                endpoint.chain,
                matched=primary.match.matched,
                reason=primary.match.reason,
                field=primary.match.field,
            )
        judged_by = behind.name if behind is not None else None
        return Hop(
            kind,
            title,
            ref.value,
            where,
            endpoint.chain[0],
            outcomes,
            tuple(notes),
            once(related),
            judged_by,
        )

    def behind(self, core: Cluster, name: str, target: TargetCheck) -> tuple[Outcome, ...]:
        """Expressway-C's TLS verify of ``name`` against the target's certificate: the same for every platform."""
        if dict(core.facts).get("tls_verify") == "false":
            return self.same(
                "ok",
                f"{core.name} does not verify TLS (TLS verify mode Off): the name is not checked; Cisco recommends On",
            )
        assert target.match is not None
        if not target.match.matched:
            return self.same(
                "fail",
                f"{core.name}'s TLS verify fails ({name}: {target.match.reason}): MRA users cannot reach it (Cisco doc 213872)",
            )
        return self.same(
            "ok",
            f"{core.name}'s TLS verify accepts {name} ({target.match.reason}); its trusted CA list is not read",
        )

    def profile_hop(self, d: Discovery, home: Cluster | None) -> Hop:
        if d.service_profile is None:
            return Hop(
                "profile",
                "Service profile",
                outcomes=self.same(
                    "unknown", "not known: no default service profile was read, and the inventory names none"
                ),
            )
        source = "the inventory's (its test user's)" if d.profile_source == "inventory" else "CUCM's default"
        services = sorted(
            {
                s.instance
                for s in (home.settings if home else ())
                if s.instance and s.profiles and d.service_profile in s.profiles
            }
        )
        notes = (
            (f"UC services: {', '.join(services)}",)
            if services
            else ("it hands out no UC service confcheck read",)
        )
        return Hop(
            "profile",
            f"Service profile {d.service_profile}",
            d.service_profile,
            outcomes=self.same("none", f"{source} service profile"),
            notes=notes,
        )

    def tftp_hop(self, fetch: Fetch) -> Hop:
        host = _host(fetch.url)
        title = (
            f"jabber-config.xml from {fetch.url}"
            if fetch.kind == "config-file"
            else f"TFTP {fetch.url.split('/')[0][:-1].upper()} {host}:{_port(fetch.url)}"
        )
        related = tuple(self.links.by_value.get(fetch.url, ()))
        notes = (_fetch_note(fetch),)
        if fetch.error is not None and fetch.error.kind not in QUIET_ERRORS and fetch.error.kind != "absent":
            return Hop(
                "tftp",
                title,
                host,
                fetch.url,
                None,
                self.same("fail", f"not what Jabber expects: {fetch.error.message}"),
                notes,
                related,
            )
        if fetch.error is not None:
            return Hop(
                "tftp", title, host, fetch.url, None, self.same("none", fetch.error.message), notes, related
            )
        if fetch.url.startswith("http://") or fetch.kind == "config-file":
            what = (
                "plain HTTP: no certificate, no prompt"
                if fetch.kind != "config-file"
                else "a file the inventory names"
            )
            return Hop("tftp", title, host, fetch.url, None, self.same("none", what), notes, related)
        if not fetch.chain:
            return Hop(
                "tftp",
                title,
                host,
                fetch.url,
                None,
                self.same("unknown", "no certificate was met on HTTPS TFTP"),
                notes,
                related,
            )
        related += tuple(self.links.by_certificate.get(fetch.chain[0].sha256, ()))
        return Hop(
            "tftp",
            title,
            host,
            fetch.url,
            fetch.chain[0],
            self.judge(host, "http", fetch.chain),
            notes,
            once(related),
        )

    def settings_hops(self, cluster: Cluster, prefix: str) -> list[Hop]:
        """The ``jabber`` cluster's references whose location starts with ``jabber.<prefix>`` (or the login server)."""
        found = []
        for (name, location, _), checks in self.checks.items():
            if name != cluster.name:
                continue
            short = location.split(".", 1)[1]
            if short.startswith(prefix) or (prefix == "bootstrap" and short == "login-server"):
                for check in checks:
                    ref = check.reference
                    found.append(
                        self.reference_hop(
                            "bootstrap" if prefix == "bootstrap" else "service",
                            f"{ref.location.field} ({ref.instance})",
                            check,
                        )
                    )
        return found

    def service_hops(self, d: Discovery, home: Cluster | None, jabber: Cluster | None) -> list[Hop]:
        """Every UC service the profile hands out (and its Jabber parameters), the XMPP domain of each IM
        and Presence cluster met, and the server names of jabber-config.xml."""
        hops: list[Hop] = []
        presence: dict[str, Cluster] = {}
        if home is not None:
            for check in self.of_cluster.get(id(home), ()):
                ref = check.reference
                if ref.node is not None or ref.location.target.scope == "peer":
                    continue
                setting_profiles = next(
                    (
                        s.profiles
                        for s in home.settings
                        if s.location == ref.location.id
                        and s.value == ref.value
                        and s.instance == ref.instance
                    ),
                    None,
                )
                if (
                    d.service_profile is not None
                    and setting_profiles is not None
                    and d.service_profile not in setting_profiles
                ):
                    continue
                hops.append(
                    self.reference_hop(
                        "service",
                        f"{ref.location.field} ({ref.instance})" if ref.instance else str(ref.location.field),
                        check,
                    )
                )
                for target in check.targets:
                    if target.cluster is not None and target.cluster.product in ("imp", "cup"):
                        presence[target.cluster.name] = target.cluster
        for cluster in presence.values():
            for check in self.of_cluster.get(id(cluster), ()):
                ref = check.reference
                if ref.location.id.endswith(".xmpp-domain"):
                    for target in check.targets:
                        if target.primary:
                            hops.append(self.xmpp_hop(check, target))
        if jabber is not None:
            hops += self.settings_hops(jabber, "config")
        return hops

    def xmpp_hop(self, check: ReferenceCheck, target: TargetCheck) -> Hop:
        ref = check.reference
        endpoint = target.endpoint
        title = f"XMPP {ref.value} on {target.node.name}"
        related = list(
            self.links.by_reference.get((ref.cluster.name, ref.location.id, ref.value, ref.instance), ())
        )
        related = [f for f in related if f.node in (None, target.node.name)]
        if endpoint is None or not endpoint.chain or target.match is None:
            why = (
                endpoint.error.message
                if endpoint and endpoint.error
                else "no cup-xmpp certificate was collected"
            )
            return Hop("xmpp", title, ref.value, None, None, self.same("unknown", why), (), once(related))
        related += self.links.by_certificate.get(endpoint.chain[0].sha256, ())
        where = f"xmpp://{target.node.name}:{endpoint.port}"
        outcomes = self.judge(
            ref.value,
            "xmpp",
            endpoint.chain,
            matched=target.match.matched,
            reason=target.match.reason,
            field=target.match.field,
        )
        return Hop("xmpp", title, ref.value, where, endpoint.chain[0], outcomes, (), once(related))

    def edge_hop(self, d: Discovery, cluster: Cluster, node: Node, name: str, port: int | None = None) -> Hop:
        """Expressway-E as Jabber meets it: the SRV target's name, the services domain (or
        ``collab-edge.<domain>``) and the XMPP domains, in its certificate."""
        endpoint = node.endpoint("expressway")
        extra: list[str] = []
        if endpoint is not None and endpoint.chain:
            extra = [why for _, why in edge_demands(endpoint.chain[0], d.services_domain, d.xmpp_domains)]
        related = list(self.links.by_value.get(f"_collab-edge._tls {name}", ()))
        return self.cert_hop(
            "expressway-e", f"Expressway-E {name}", name, node, "expressway", port, (), related, extra=extra
        )

    def core_hop(self, cluster: Cluster, node: Node) -> Hop:
        endpoint = node.endpoint("expressway")
        title = f"Expressway-C {node.name}"
        if endpoint is None or not endpoint.chain:
            why = endpoint.error.message if endpoint and endpoint.error else "no certificate was collected"
            return Hop("expressway-c", title, node.name, None, None, self.same("unknown", why))
        cert = endpoint.chain[0]
        related = once(self.links.by_certificate.get(cert.sha256, ()))
        if not cert.not_before <= self.trust.options.now <= cert.not_after:
            outcomes = self.same(
                "fail",
                "its certificate is outside its validity period: the traversal zone to Expressway-E fails",
            )
        else:
            outcomes = self.same(
                "none", "Jabber does not meet this certificate; Expressway-E does, in the traversal zone"
            )
        return Hop(
            "expressway-c",
            title,
            node.name,
            f"https://{node.name}:{endpoint.port}",
            cert,
            outcomes,
            (),
            related,
        )

    def behind_hops(self, core: Cluster, d: Discovery) -> list[Hop]:
        """What Expressway-C connects to: the servers it is configured with, then the nodes by the names
        CUCM gives them (System > Server)."""
        hops = [
            self.reference_hop(
                "behind", f"{check.reference.location.field}: {check.reference.value}", check, behind=core
            )
            for check in self.of_cluster.get(id(core), ())
        ]
        home = self.deployment.cluster(d.home) if d.home else None
        clusters = [home] if home else [c for c in self.deployment.clusters if c.product == "cucm"]
        presence = [c for c in self.deployment.clusters if c.product in ("imp", "cup")]
        for cluster in [*clusters, *presence]:
            for check in self.of_cluster.get(id(cluster), ()):
                ref = check.reference
                if ref.node is not None:
                    hops.append(
                        self.reference_hop("behind", f"{cluster.name} node {ref.value}", check, behind=core)
                    )
        return hops


def edge_demands(cert: Certificate, domain: str, xmpp_domains: Sequence[str]) -> list[tuple[str, str]]:
    """What Expressway-E's certificate lacks for Jabber, as (the name to add, why): the services domain
    or ``collab-edge.<domain>`` (Cisco doc 213872), and each XMPP domain (Preferred Architecture 12.x;
    that Jabber prompts without one is modelled), as SAN dNSNames; wildcards do not count."""
    names = {n.lower().rstrip(".") for n in (cert.san.dns if cert.san else ())}
    found = []
    if domain not in names and f"collab-edge.{domain}" not in names:
        found.append(
            (
                f"collab-edge.{domain}",
                f"it carries neither {domain} nor collab-edge.{domain} (Cisco doc 213872)",
            )
        )
    for xmpp in xmpp_domains:
        if xmpp in names or (xmpp == domain and f"collab-edge.{domain}" not in names):
            continue  # carried, or said already: neither the domain nor collab-edge.<domain>
        found.append((xmpp, f"it does not carry the XMPP domain {xmpp} (modelled)"))
    return found


def _srv(view: DnsView | None, domain: str) -> dict[str, DnsRecord]:
    found: dict[str, DnsRecord] = {}
    if view is None:
        return found
    for record in view.records:
        if record.type == "SRV" and record.name.lower().endswith("." + domain):
            found[".".join(record.name.split(".")[:2]).lower()] = record
    return found


def _target(answer: str) -> tuple[str, int]:
    from confcheck.discovery import srv_target

    return srv_target(answer)


def _fetch_note(fetch: Fetch) -> str:
    if fetch.error is not None:
        return f"{fetch.url}: {fetch.error.message}"
    what = ", ".join(f"{k} {v}" if k != "server" else v for k, v in fetch.names[:6])
    more = f" and {len(fetch.names) - 6} more" if len(fetch.names) > 6 else ""
    return f"{fetch.url}: {what}{more}" if what else f"{fetch.url}: names no server"


def _twin_note(check: ReferenceCheck, primary: TargetCheck) -> str | None:
    for target in check.targets:
        if (
            not target.primary
            and target.node is primary.node
            and target.match is not None
            and not target.match.matched
        ):
            assert target.endpoint is not None
            return f"its {target.endpoint.purpose} twin does not carry {check.reference.value} (clients that negotiate ECDSA may get it)"
    return None


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    if url.startswith("file:"):
        return url[5:]
    return urlsplit(url).hostname or url


def _port(url: str) -> int | None:
    from urllib.parse import urlsplit

    try:
        return urlsplit(url).port
    except ValueError:
        return None
