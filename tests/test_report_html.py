"""The HTML report: self-contained, complete, escaped; and what a real browser makes of it.

The fast tests read the markup with lxml. The browser tests render the reports in Debian's
chromium through playwright, with every request routed: the page may load itself and nothing else.
"""

from __future__ import annotations

import dataclasses
import io
import os
import re
import shutil
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, NoReturn

import lxml.html
import pytest
from helpers import cert, cluster, demo_deployment, deployment, node, parse, report, root_ca, tomcat

from confcheck import __version__, pki, plan
from confcheck.findings import Severity, Suppression
from confcheck.model import PRODUCT_TITLES, Endpoint, Problem, Setting
from confcheck.report import Report
from confcheck.reports import html

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
HOSTILE = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
BREAKOUT = "\"'><img src=x onerror=alert(2)>"
"""A value that tries to leave an attribute as well as a text node."""
URL_ATTRIBUTES = (
    "src",
    "href",
    "action",
    "formaction",
    "data",
    "poster",
    "srcset",
    "background",
    "xlink:href",
)


def render(report: Report) -> str:
    """The document ``confcheck lint --format html`` writes."""
    out = io.StringIO()
    html.write(report, out)
    return out.getvalue()


def text(document: str) -> str:
    """The document's text, whitespace collapsed, as a reader (or a search) sees it."""
    return " ".join(lxml.html.document_fromstring(document).text_content().split())


def squash(value: str) -> str:
    return " ".join(value.split())


@pytest.fixture(scope="module")
def demo() -> tuple[Report, str]:
    """The report of the demo deployment (every rule fires) and its HTML."""
    rep = report(demo_deployment(), source="examples/demo-snapshot.json")
    return rep, render(rep)


# --- self-contained ----------------------------------------------------------------------------------


def test_the_page_fetches_nothing_and_runs_nothing(demo: tuple[Report, str]) -> None:
    _, document = demo
    tree = lxml.html.document_fromstring(document)
    assert not tree.xpath("//script | //link | //iframe | //object | //embed | //img | //base | //form")
    for element in tree.iter():
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), f"event handler {name} on <{element.tag}>"
            if name.lower() in URL_ATTRIBUTES:
                assert value.startswith("#"), f"<{element.tag} {name}={value!r}> leaves the page"
    styles = " ".join(s.text_content() for s in tree.xpath("//style")) + " ".join(tree.xpath("//@style"))
    assert "url(" not in styles
    assert "@import" not in styles
    assert "@font-face" not in styles
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", document, re.IGNORECASE)
    assert not re.search(r"url\(\s*['\"]?\s*(?:https?:)?//", document, re.IGNORECASE)
    csp = tree.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")
    assert csp
    assert "default-src 'none'" in csp[0]


def test_the_output_is_ascii_so_any_stdout_encoding_can_carry_it(demo: tuple[Report, str]) -> None:
    _, document = demo
    assert document.isascii()
    assert document.startswith("<!DOCTYPE html>")
    assert "\u2192" in text(document)  # arrows survive as character references


# --- complete -----------------------------------------------------------------------------------------


def test_every_finding_of_the_demo_appears_with_its_rule_and_value(demo: tuple[Report, str]) -> None:
    rep, document = demo
    shown = text(document)
    tree = lxml.html.document_fromstring(document)
    assert rep.findings
    for finding in rep.findings:
        assert squash(finding.message) in shown
        assert f"{finding.rule}" in shown
        assert finding.name in shown
    rows = tree.xpath("//table[contains(@class, 'findings')]/tbody/tr")
    assert len(rows) == len(rep.findings)
    for row, finding in zip(rows, rep.findings, strict=True):
        assert squash(finding.message) in squash(row.text_content())
        assert f"{finding.severity.value}" in row.text_content().lower()
        if finding.value is not None:
            assert finding.value in row.text_content()


def test_the_summary_counts_severities_and_gives_the_verdict(demo: tuple[Report, str]) -> None:
    rep, document = demo
    tree = lxml.html.document_fromstring(document)
    summary = squash(tree.get_element_by_id("summary").text_content())
    tallies = {
        li.xpath(".//*[contains(@class, 'sev')]")[0].text_content().split()[-1]: li.xpath(
            ".//*[@class='count']"
        )[0].text_content()
        for li in tree.xpath("//li[contains(@class, 'tally')]")
    }
    assert tallies == {
        "errors" if rep.count(Severity.ERROR) != 1 else "error": str(rep.count(Severity.ERROR)),
        "warnings" if rep.count(Severity.WARNING) != 1 else "warning": str(rep.count(Severity.WARNING)),
        "info": str(rep.count(Severity.INFO)),
    }
    assert "Verdict: Fails" in summary
    assert f"Exit code {int(rep.exit_code)}" in summary
    header = squash(tree.xpath("//header")[0].text_content())
    assert "examples/demo-snapshot.json" in header
    collected = rep.deployment.collected_at
    assert collected is not None
    assert f"{collected:%Y-%m-%d %H:%M} UTC" in header
    assert f"confcheck {__version__}" in header


def test_every_cluster_has_its_section_and_its_fix_list_in_plan_order(demo: tuple[Report, str]) -> None:
    rep, document = demo
    tree = lxml.html.document_fromstring(document)
    sections = tree.xpath("//section[contains(@class, 'cluster')]")
    clusters = rep.deployment.clusters
    assert [s.xpath("./h2")[0].text_content().split()[0] for s in sections[: len(clusters)]] == [
        c.name for c in clusters
    ]
    for section, c in zip(sections[: len(clusters)], clusters, strict=True):
        heading = squash(section.xpath("./h2")[0].text_content())
        assert PRODUCT_TITLES[c.product] in heading
        assert c.version in heading
        steps = plan.per_cluster(rep.findings, rep.deployment)[c.name]
        items = section.xpath(".//li[contains(@class, 'step')]")
        assert [int(li.get("value")) for li in items] == list(range(1, len(steps.steps) + 1))
        for li, step in zip(items, steps.steps, strict=True):
            body = squash(li.text_content())
            assert squash(step.action) in body
            if step.see is not None:  # a DNS record an earlier cluster's list describes
                assert f"Described in {step.see_text}." in body
                continue
            assert squash(step.where.split(" > ")[-1]) in body
            fix = step.fix
            if fix is not None:
                if fix.current is not None and fix.proposed is not None:
                    assert f"{fix.current} \u2192 {fix.proposed}" in body
                if fix.field:
                    assert fix.field in body
                for line in (*fix.preconditions, *fix.steps, fix.impact):
                    assert squash(line) in body
            assert ("Done" in body) is step.done
        phases = [squash(h4.text_content()) for h4 in section.xpath(".//section[@class='phase']/h4")]
        assert phases == [
            f"Phase {int(p)} \u00b7 {p.title[0].upper()}{p.title[1:]}" for p, _ in steps.by_phase()
        ]


def test_the_xmpp_procedure_and_its_restart_are_spelled_out(demo: tuple[Report, str]) -> None:
    _, document = demo
    shown = text(document)
    assert "Restart (not Stop and Start) Cisco XCP Router on imp2.acme.example" in shown
    assert "plan a maintenance window" in shown


def test_the_certificate_inventory_lists_every_certificate_presented(demo: tuple[Report, str]) -> None:
    rep, document = demo
    tree = lxml.html.document_fromstring(document)
    tables = tree.xpath("//table[contains(@class, 'certs')]")
    shown = squash(" ".join(t.text_content() for t in tables))
    endpoints = [
        (n, e)
        for n in (*(n for c in rep.deployment.clusters for n in c.nodes), *rep.deployment.externals)
        for e in n.endpoints
    ]
    assert sum(len(t.xpath("./tbody/tr")) for t in tables) == len(endpoints)
    for n, e in endpoints:
        assert n.name in shown
        assert f"{e.protocol}://{e.host}:{e.port}" in shown
        for presented in e.chain:
            assert presented.subject in shown
        leaf = e.certificate
        assert leaf is not None
        assert leaf.not_after.strftime("%Y-%m-%d") in shown
        assert leaf.sha256[:16] in shown
    sans = {
        (dt.text_content(), squash(dt.getnext().text_content()))
        for dt in tree.xpath("//dl[@class='identity']/dt")
    }
    assert ("xmppAddr", "acme.example") in sans
    assert ("SRVName", "_xmpp-client.acme.example") in sans
    assert ("dNSName", "imp1.acme.example, acme.example") in sans
    assert "self-signed" in shown
    assert "days left" in shown


def test_expiry_is_counted_at_collection_and_an_expired_certificate_says_so_in_words() -> None:
    collected = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
    expired = parse(
        pki.server(
            "old.example.com",
            dns=["old.example.com"],
            issuer=root_ca(),
            not_before=collected - timedelta(days=400),
            days=365,
        )
    )
    soon = parse(
        pki.server(
            "soon.example.com",
            dns=["soon.example.com"],
            issuer=root_ca(),
            not_before=collected - timedelta(days=10),
            days=30,
        )
    )
    cucm = cluster(
        "cucm",
        "cucm",
        "9.1",
        [
            node("old.example.com", tomcat("old.example.com", expired)),
            node("soon.example.com", tomcat("soon.example.com", soon)),
        ],
    )
    dep = dataclasses.replace(deployment(cucm), collected_at=collected)
    shown = text(render(report(dep)))
    assert "EXPIRED 2026-01-25 (35 days before collection)" in shown
    assert "expires soon: 2026-03-21 (20 days left)" in shown


# --- escaped --------------------------------------------------------------------------------------------


def hostile_report() -> Report:
    """Hostile text everywhere a server, a snapshot or a config file can put it."""
    evil = cert(HOSTILE, dns=["imp1.example.com"])
    imp = cluster(
        HOSTILE,
        "imp",
        "9.1",
        [node(HOSTILE, tomcat(HOSTILE, evil), hostname="imp1", domain="example.com")],
        Setting("imp9.tftp-primary", HOSTILE),
        Setting("imp9.ccmcip-primary", BREAKOUT, BREAKOUT),
    )
    dep = dataclasses.replace(
        deployment(imp), problems=(Problem("axl-login", f"login failed: {HOSTILE}", HOSTILE),)
    )
    first = report(dep).findings[0]
    return report(
        dep,
        source=HOSTILE,
        notes=(f"note {HOSTILE}",),
        suppressed=(Suppression(first, "waiver", f"accepted {HOSTILE}", date(2027, 1, 1)),),
    )


def test_hostile_values_are_escaped_everywhere() -> None:
    rep = hostile_report()
    assert any(HOSTILE in (f.value or "") for f in rep.findings)
    subject = rep.deployment.clusters[0].nodes[0].endpoints[0].chain[0].subject
    document = render(rep)
    assert HOSTILE not in document
    assert "<script" not in document.lower()
    assert "<img" not in document.lower()
    assert document.count(ESCAPED) >= 8  # title, source, cluster, node, value, subject, note, reason, ...
    tree = lxml.html.document_fromstring(document)
    assert not tree.xpath("//script | //img")
    assert not [a for e in tree.iter() for a in e.attrib if a.lower().startswith("on")]
    shown = text(document)
    for where in (f"note {HOSTILE}", f"accepted {HOSTILE}", f"login failed: {HOSTILE}", subject):
        assert where in shown
    assert BREAKOUT in shown


def test_invisible_and_bidi_characters_in_names_are_made_visible() -> None:
    leaf = cert("imp1.example.com", dns=["imp1.example.com"])
    imp = cluster(
        "imp", "imp", "9.1", [node("imp1.example.com\u202egro.live", tomcat("imp1.example.com", leaf))]
    )
    shown = text(render(report(deployment(imp))))
    assert "imp1.example.com\\u202egro.live" in shown
    assert "\u202e" not in shown


# --- suppressed, notes, incomplete ------------------------------------------------------------------------


def test_suppressed_findings_are_listed_with_their_reasons_and_do_not_count(demo: tuple[Report, str]) -> None:
    rep, _ = demo
    waived, *kept = rep.findings
    suppressed = (Suppression(waived, "waiver", "accepted until the migration in March", date(2027, 3, 31)),)
    notes = ("waiver for CC999 matched nothing", "findings of CC2 were left out by --ignore")
    shown_rep = dataclasses.replace(rep, findings=tuple(kept), suppressed=suppressed, notes=notes)
    document = render(shown_rep)
    tree = lxml.html.document_fromstring(document)
    part = squash(tree.get_element_by_id("suppressed").text_content())
    assert squash(waived.message) in part
    assert "waiver: accepted until the migration in March" in part
    assert "until 2027-03-31" in part
    notes_text = squash(tree.get_element_by_id("notes").text_content())
    assert all(note in notes_text for note in notes)
    assert len(tree.xpath("//table[@class='findings']/tbody/tr")) == len(kept)
    summary = squash(tree.get_element_by_id("summary").text_content())
    assert "1 finding waived or in the baseline" in summary


def test_an_incomplete_collection_is_said_up_front() -> None:
    from confcheck import plugin_manager, snapshot

    dep = snapshot.read(ROOT / "examples" / "incomplete-snapshot.json", plugin_manager.catalog())
    rep = report(dep)
    assert rep.incomplete
    tree = lxml.html.document_fromstring(render(rep))
    summary = squash(tree.get_element_by_id("summary").text_content())
    assert "Collection incomplete." in summary
    assert "incomplete" in summary.split("Verdict:")[1]
    for problem in dep.problems:
        assert squash(problem.message) in summary


def test_a_clean_cluster_says_so(demo: tuple[Report, str]) -> None:
    rep, _ = demo
    clean = dataclasses.replace(rep, findings=())
    tree = lxml.html.document_fromstring(render(clean))
    sections = tree.xpath("//section[contains(@class, 'cluster') and starts-with(@id, 'cluster-')]")
    assert len(sections) == len(rep.deployment.clusters)
    for section in sections:
        assert "No findings: every name this cluster hands to clients matches." in squash(
            section.text_content()
        )
    summary = squash(tree.get_element_by_id("summary").text_content())
    assert "Verdict: Passes" in summary


def test_the_reporter_is_for_people() -> None:
    (reporter,) = html.confcheck_reporters()
    assert reporter.name == "html"
    assert not reporter.machine
    assert reporter.write is html.write


# --- a real browser -----------------------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BROWSER_INSTALL = (
    "apt-get install -y chromium (Debian's build; bash .ci/run does this as root) and "
    "pip install playwright (the test extra); never 'playwright install', which downloads a browser"
)


def require_browser() -> tuple[Any, str]:
    """playwright's sync API and the chromium to drive; skips (fails in CI) when either is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright")
    chromium = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if chromium is None:
        missing("chromium")
    return sync_playwright, chromium


def missing(what: str) -> NoReturn:
    """Skip, saying how to install ``what``; fail instead where CI requires the real thing."""
    message = f"{what} is not installed: {BROWSER_INSTALL}"
    if os.environ.get("CONFCHECK_REQUIRE_REAL_SERVERS"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless chromium (Debian's), shared by this module's browser tests."""
    sync_playwright, chromium = require_browser()
    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


class Visit:
    """One page load with every request routed: the page's own file passes, anything else is aborted and recorded."""

    def __init__(self, browser: Any, path: Path, width: int = 1280) -> None:
        self.url = path.resolve().as_uri()
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.failed: list[str] = []
        self.console: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("requestfailed", lambda r: self.failed.append(r.url))
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        self.page.on("dialog", self._dialog)
        self.page.goto(self.url, wait_until="load")
        self.page.wait_for_load_state("networkidle")

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.console.append(f"{message.type}: {message.text}")

    def _dialog(self, dialog: Any) -> None:
        self.console.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    def _route(self, route: Any) -> None:
        if route.request.url == self.url:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    @property
    def resources(self) -> list[str]:
        """What the page itself says it fetched (images, styles, fonts...), beyond the document."""
        return list(self.page.evaluate("performance.getEntriesByType('resource').map(e => e.name)"))


@pytest.mark.real_servers
def test_chromium_renders_the_demo_report_offline_and_prints_it(
    browser: Any, tmp_path: Path, demo: tuple[Report, str]
) -> None:
    started = time.monotonic()
    rep, document = demo
    page_file = tmp_path / "report.html"
    page_file.write_text(document, encoding="ascii")

    # The harness is not vacuous: a page that does fetch is caught by it.
    bait = tmp_path / "bait.html"
    bait.write_text(
        '<link rel="stylesheet" href="https://cdn.invalid/x.css"><img src="http://192.0.2.1/x.png">'
    )
    caught = Visit(browser, bait)
    assert len(caught.blocked) == 2
    caught.context.close()

    visit = Visit(browser, page_file)
    page = visit.page
    assert visit.requests == [visit.url]
    assert visit.blocked == []
    assert visit.failed == []
    assert visit.resources == []
    assert visit.console == []

    shown = squash(page.inner_text("body"))
    for finding in rep.findings:
        assert squash(finding.message) in shown
        assert page.get_by_text(finding.message, exact=True).first.is_visible()
    for c in rep.deployment.clusters:
        assert page.locator(f"section.cluster h2 .name:text-is('{c.name}')").is_visible()
    assert page.title() == "confcheck report \u2014 examples/demo-snapshot.json"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280, "the page scrolls sideways at 1280 pixels"

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "html-report.png"), full_page=True)
    assert (ARTIFACTS / "html-report.png").stat().st_size > 50_000

    # Print: every cluster on a new page, nothing wider than A4, a PDF of several pages.
    page.emulate_media(media="print")
    breaks = page.evaluate(
        "Array.from(document.querySelectorAll('section.cluster')).map(s => getComputedStyle(s).breakBefore)"
    )
    assert breaks == ["page"] * len(breaks)
    assert len(breaks) >= len(rep.deployment.clusters)
    page.set_viewport_size({"width": 718, "height": 1000})  # A4 less 12 mm margins, at 96 dpi
    assert page.evaluate("document.documentElement.scrollWidth") <= 718, "the print layout is wider than A4"
    pdf = page.pdf(path=str(ARTIFACTS / "html-report.pdf"), prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    assert pages > len(rep.deployment.clusters), f"{pages} pages for {len(rep.deployment.clusters)} clusters"
    assert visit.blocked == []
    assert visit.console == []
    visit.context.close()
    assert time.monotonic() - started < 60


@pytest.mark.real_servers
def test_chromium_shows_hostile_values_as_text_and_runs_none_of_them(browser: Any, tmp_path: Path) -> None:
    page_file = tmp_path / "hostile.html"
    page_file.write_text(render(hostile_report()), encoding="ascii")
    visit = Visit(browser, page_file)
    try:
        assert visit.console == []  # no dialog, no script refused by the page's policy, no error
        assert visit.blocked == []
        assert visit.page.locator("script, img").count() == 0
        shown = visit.page.inner_text("body")
        assert HOSTILE in shown
        assert BREAKOUT in shown
        assert visit.page.title() == f"confcheck report \u2014 {HOSTILE}"
    finally:
        visit.context.close()


def test_a_certificate_finding_is_on_its_server_and_a_setting_points_to_one(demo: tuple[Report, str]) -> None:
    _, document = demo
    rows = lxml.html.document_fromstring(document).xpath("//tr[td]")

    def node_cell(rule: str) -> str:
        for row in rows:
            spans = row.xpath(".//span[@class='node']")
            if rule in row.text_content() and spans:
                return squash(spans[0].text_content())
        raise AssertionError(f"no row for {rule}")

    assert node_cell("CC303").startswith("on ")  # a self-signed certificate is on a server
    assert node_cell("CC504").startswith("points to ")  # a service record points to a server


def test_a_row_template_escapes_each_hostile_value_and_passes_only_its_own_markup() -> None:
    """A row's text is checked at once; one hostile value among plain ones is still escaped, in place."""
    row = html._Markup('<tr id="{id}"><td>{name}</td><td>{cell}</td>{extra}</tr>')
    filled = row(id="r1", name=HOSTILE, cell=html.Html("<b>ok</b>"), extra=None)
    assert filled == f'<tr id="r1"><td>{ESCAPED}</td><td><b>ok</b></td></tr>'
    assert row(id=BREAKOUT, name="plain", cell="<i>", extra=["a", html.Html("<br>")]) == (
        '<tr id="&quot;&#x27;&gt;&lt;img src=x onerror=alert(2)&gt;"><td>plain</td><td>&lt;i&gt;</td>a<br></tr>'
    )
    item = html._Markup("<li>{}</li>")
    assert item.each(["a", HOSTILE, "\u202eb"], ", ") == f"<li>a</li>, <li>{ESCAPED}</li>, <li>\\u202eb</li>"
    pair = html._Markup("<dt>{}</dt><dd>{}</dd>")
    assert pair.rows([("k", "<v>"), ("x", "y")]) == "<dt>k</dt><dd>&lt;v&gt;</dd><dt>x</dt><dd>y</dd>"
    with pytest.raises(TypeError):
        row(id="r1", name="n", cell="c")  # a hole left empty is a mistake, not an empty string


def visible(value: str) -> str:
    """``value`` as the page shows it: control and bidi characters as their escapes, whitespace collapsed."""
    shown = "".join(
        f"\\x{ord(c):02x}" if ord(c) < 0x20 and c not in "\n\t" else "\\u202e" if c == "\u202e" else c
        for c in value
    )
    return squash(shown)


def test_restructured_rows_escape_every_hostile_value_even_when_made_once_and_reused() -> None:
    """The rows made in one fill (a finding with its evidence and step links, a step with its details, a
    certificate's identity cell made once for every endpoint presenting it) escape each hostile value,
    every time it recurs: a fragment reused from the page's cache is the escaped one."""
    from hostile import NODE, TFTP, VOICEMAIL, hostile_report

    closing = "</dd></dl></td></tr><b>x</b>"
    hostile = (NODE, VOICEMAIL, TFTP, BREAKOUT, closing)
    rep = hostile_report()
    with_fix = [f for f in rep.findings if f.fix is not None]
    assert len(with_fix) >= 2
    planted = {}
    for f in with_fix[:2]:  # two of each: the second made from the page's cache
        assert f.fix is not None
        fix = dataclasses.replace(
            f.fix,
            current=NODE,
            proposed=BREAKOUT,
            preconditions=(VOICEMAIL, closing),
            steps=(TFTP, NODE),
            impact=closing,
        )
        planted[f] = dataclasses.replace(
            f, evidence=(("endpoint", NODE), (BREAKOUT, TFTP), ("note", closing)), fix=fix
        )
    rep = dataclasses.replace(rep, findings=tuple(planted.get(f, f) for f in rep.findings))
    document = render(rep)
    assert document.isascii()
    for raw in ("<script", "<img", "<b>", "<i>", "\x00", "\u202e"):
        assert raw not in document
    tree = lxml.html.document_fromstring(document)
    assert not tree.xpath("//script | //img | //b | //i")
    rows = [tree.get_element_by_id(html_id) for html_id in tree.xpath("//table[@class='findings']//tr/@id")]
    evidence = [[squash(e.text_content()) for e in row.xpath(".//dl[@class='evidence']/*")] for row in rows]
    planted_rows = [pairs for pairs in evidence if pairs[:2] == ["endpoint", visible(NODE)]]
    assert len(planted_rows) == 2
    for pairs in planted_rows:
        assert pairs == ["endpoint", visible(NODE), visible(BREAKOUT), visible(TFTP), "note", closing]
    for row in rows:
        assert squash(row.xpath(".//div[@class='fixed-by']")[0].text_content()).startswith("Fixed by step ")
    steps = [s for s in tree.xpath("//li[contains(@class, 'step')]") if s.xpath(".//dt[text()='Change']")]
    details = [{squash(dt.text_content()): dt.getnext() for dt in step.xpath(".//dt")} for step in steps]
    planted_steps = [d for d in details if squash(d["Impact"].text_content()) == closing]
    assert len(planted_steps) >= 2
    for facts in planted_steps:
        assert squash(facts["Change"].text_content()) == f"{visible(NODE)} \u2192 {visible(BREAKOUT)}"
        assert [squash(li.text_content()) for li in facts["First"].xpath(".//li")] == [
            visible(VOICEMAIL),
            closing,
        ]
        assert [squash(li.text_content()) for li in facts["Procedure"].xpath(".//li")] == [
            visible(TFTP),
            visible(NODE),
        ]
    # one certificate presented by two endpoints: its identity cell made once, shown on both rows
    cells = tree.xpath("//table[@class='certs']//dl[@class='identity']")
    shared = [squash(c.text_content()) for c in cells if "imp1.example.com" in c.text_content()]
    assert len(shared) == 2
    assert shared[0] == shared[1]
    where = [squash(c.text_content()) for c in tree.xpath("//table[@class='certs']//td[1]")]
    assert any(cell.startswith(visible(NODE)) for cell in where)
    shown = text(document)
    for value in hostile:
        assert visible(value) in shown


def test_fragments_made_once_per_page_are_each_rows_own() -> None:
    """What the page makes once and reuses (a key cell per kind of key, a label per text, an anchor per
    row) is the row's own: certificates with different keys each show theirs, and a hostile purpose or
    evidence label is escaped on every row that repeats it, not only the first."""
    from hostile import NODE

    rsa = parse(pki.server("rsa.example.com", ["rsa.example.com"], issuer=root_ca(), key=pki.new_key("rsa")))
    ec = cert("ec.example.com", dns=["ec.example.com"])
    purpose = f"{HOSTILE}{BREAKOUT}"
    nodes = [
        node(name, Endpoint(purpose, "https", name, 8443, chain=(leaf,)))
        for name, leaf in (("ec.example.com", ec), ("rsa.example.com", rsa), ("ec2.example.com", ec))
    ]
    rep = report(deployment(cluster("hq", "cucm", "14", nodes)))
    label = BREAKOUT
    planted = [dataclasses.replace(f, evidence=((label, NODE), *f.evidence)) for f in rep.findings[:2]]
    assert len(planted) == 2
    rep = dataclasses.replace(rep, findings=(*planted, *rep.findings[2:]))
    document = render(rep)
    tree = lxml.html.document_fromstring(document)
    rows = tree.xpath("//table[@class='certs']/tbody/tr")
    assert len(rows) == 3
    for row, leaf in zip(rows, (ec, rsa, ec), strict=True):
        facts = {squash(dt.text_content()): squash(dt.getnext().text_content()) for dt in row.xpath(".//dt")}
        assert facts["Key"] == f"{leaf.key.type} {leaf.key.bits}, {leaf.signature_algorithm}"
        assert squash(row.xpath(".//span[@class='purpose']")[0].text_content()) == visible(purpose)
    assert {
        facts.split(",")[0]
        for facts in [squash(r.xpath(".//dd[@class='small']")[0].text_content()) for r in rows]
    } == {
        "EC 256",
        "RSA 2048",
    }
    labels = [squash(dt.text_content()) for dt in tree.xpath("//dl[@class='evidence']/dt[1]")]
    assert labels[:2] == [visible(label), visible(label)]
    assert "<img" not in document
    assert "<script" not in document
    # every row a step links to is on the page, and every step a row links to
    ids = set(tree.xpath("//@id"))
    assert all(href[1:] in ids for href in tree.xpath("//a/@href"))


def test_a_fill_by_name_takes_every_hole_and_no_other() -> None:
    """``_Out.put_named`` puts values where the template names them, escaped as any fill; a hole left out or
    a name the template lacks is a mistake, not an empty string."""
    page = io.StringIO()
    out = html._Out(page)
    row = html._Markup('<tr id="{id}"><td>{name}</td></tr>')
    out.put_named(row, name=HOSTILE, id="r1")
    out.flush()
    assert page.getvalue() == f'<tr id="r1"><td>{ESCAPED}</td></tr>'
    with pytest.raises(TypeError):
        html._Out(page).put_named(row, id="r1")
    with pytest.raises(TypeError):
        html._Out(page).put_named(row, id="r1", name="n", cell="c")


def test_templates_and_values_beyond_ascii_come_out_as_character_references() -> None:
    """Markup and text are made ASCII as they are filled, as the page is written (the join and the
    encoding of a large page stay one byte a character); the characters are the same ones."""
    dash = html._Markup("<p>\u2014 {}</p>")
    assert dash("caf\u00e9 \U0001f600 <b>") == "<p>&#8212; caf&#233; &#128512; &lt;b&gt;</p>"
    listing = html._List("<ul>", "<li>{}</li>", "</ul>", " \u00b7 ")
    assert listing.each(["\u2192", "<i>"]) == "<ul><li>&#8594;</li> &#183; <li>&lt;i&gt;</li></ul>"
    assert html.escape("\u202e\u00e9") == "\\u202e&#233;"


@pytest.mark.parametrize("filled_at", [1, 3, 10_000], ids=lambda n: f"filled at {n} values")
def test_the_values_of_a_page_filled_in_pieces_come_out_each_as_escaped_alone(
    filled_at: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sections are filled in one formatting per piece of the page: each text comes out as escaping
    it alone makes it, whatever it holds (NUL, %, braces), markup passes as is, and the pieces written one
    after the other are the page, wherever it is cut."""
    monkeypatch.setattr(html, "_FILLED_AT", filled_at)
    texts = ["plain", HOSTILE, BREAKOUT, "a\x00b", "\x00", "\u202e", "caf\u00e9 \U0001f600 &", ""]
    texts += ["100% {} %s %%", "tab\tline\nend", "\udc80", "x" * 1000]
    sink = io.StringIO()
    out = html._Out(sink)
    cell = html._Markup("<td>{}</td>")
    for text in texts:
        out.put(cell, text)
        out.section_done()
    out.put(cell, html.Html("<b>ok</b>"))
    out.put(cell, None)
    out.section_done()
    out.rows(
        html._List("<dl>", "<dt>{}</dt><dd>{}</dd>", "</dl>", "\u00b7"), [(HOSTILE, "%s"), ("k", "\x00")]
    )
    out.close(html._Markup("</tr>"))
    out.flush()
    page = sink.getvalue()
    expected = "".join(f"<td>{html.escape(text)}</td>" for text in texts) + "<td><b>ok</b></td><td></td>"
    expected += f"<dl><dt>{ESCAPED}</dt><dd>%s</dd>&#183;<dt>k</dt><dd>\\x00</dd></dl></tr>"
    assert page == expected
    assert page.isascii()
