"""The journey in every human format: text, Markdown, the standalone SVG and the HTML picture (in chromium)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import Run
from test_report_html import Visit, browser, squash  # noqa: F401  (browser is a fixture)

from confcheck import config, plugin_manager, snapshot
from confcheck.discovery_model import Discovery
from confcheck.journey_command import render
from confcheck.report import Report
from confcheck.reports import _journey_svg, _journey_text, html, markdown
from confcheck.verdict import Options, judge

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "journey-snapshot.json"
CHECK = ROOT / "examples" / "journey.toml"
AT = ["--at", "2026-12-01"]


def example(hostile: bool = False) -> Report:
    from datetime import datetime, timezone

    deployment = snapshot.read(EXAMPLE, plugin_manager.catalog())
    if hostile:
        first = deployment.discovery[0]
        evil: Discovery = replace(first, services_domain='<script>alert(1)</script>"\x1b[2J.example.com')
        deployment = replace(deployment, discovery=(evil, *deployment.discovery[1:]))
    _, check, _ = config.load_offline(CHECK)
    check = replace(check, now=datetime(2026, 12, 1, tzinfo=timezone.utc))
    return judge(deployment, Options(check=check), str(EXAMPLE))


def test_confcheck_journey_of_the_example_snapshot(confcheck: Callable[..., Run]) -> None:
    result = confcheck("journey", str(EXAMPLE), "--config", str(CHECK), *AT)
    assert result.code == 1, result.err
    out = result.out
    assert out.startswith("Jabber sign-in journey · acme.example (jabber-acme.example)")
    assert "Jabber for Android 9.5: never prompts: this release does not validate certificates" in out
    # the edge lacks the services domain (everyone is prompted), and the Macs lack its CA besides
    assert "Windows PROMPT  Mac PROMPT  Android no check" in out
    assert "not trusted by the macOS keychain: the CA that issued the certificate, Acme Public CA" in squash(
        out
    )
    assert "fix (CC107)" in out
    assert "fix (CC508): Remove _cisco-uds._tcp.acme.example from the external DNS" in out
    assert "Jabber sign-in journey · branch.acme.example (jabber-branch)" in out
    as_json = confcheck("journey", str(EXAMPLE), "--config", str(CHECK), *AT, "--format", "json")
    data = json.loads(as_json.out)
    assert [j["services_domain"] for j in data["journeys"]] == [
        "acme.example",
        "branch.acme.example",
        "partner.acme.example",
    ]
    edge = next(
        h
        for p in data["journeys"][0]["paths"]
        for s in p["stages"]
        for h in s["hops"]
        if h["kind"] == "expressway-e"
    )
    assert {o["platform"]: o["verdict"] for o in edge["outcomes"]} == {
        "windows": "prompt",
        "mac": "prompt",
        "android": "silent",
    }
    assert {f["rule"] for f in edge["findings"]} == {"CC107", "CC403"}


def test_a_snapshot_without_discovery_is_a_usage_error(confcheck: Callable[..., Run]) -> None:
    result = confcheck("journey", str(ROOT / "examples" / "demo-snapshot.json"))
    assert result.code == 2
    assert "no Jabber discovery was collected: add [[jabber]]" in result.err
    assert confcheck("journey").code == 2
    assert confcheck("journey", str(EXAMPLE), "--format", "pdf").code == 2


def test_the_journey_files_are_written_all_or_nothing(confcheck: Callable[..., Run], tmp_path: Path) -> None:
    result = confcheck(
        "journey",
        str(EXAMPLE),
        "--config",
        str(CHECK),
        *AT,
        "-o",
        f"svg={tmp_path / 'j.svg'}",
        "-o",
        f"json={tmp_path / 'j.json'}",
    )
    assert result.code == 1
    ET.fromstring((tmp_path / "j.svg").read_bytes())
    json.loads((tmp_path / "j.json").read_text())
    refused = confcheck("journey", str(EXAMPLE), "-o", f"svg={tmp_path / 'missing' / 'j.svg'}")
    assert refused.code == 2


def test_the_standalone_picture_is_svg_with_nothing_that_runs_or_loads() -> None:
    text = _journey_svg.document(example().journeys)
    root = ET.fromstring(text.encode())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert text.isascii()
    for element in root.iter():
        assert element.tag.split("}")[-1] not in ("script", "foreignObject", "image", "a", "use")
        for name, value in element.attrib.items():
            assert not name.startswith("on")
            assert "http" not in value or name == "xmlns"
    red = [e for e in root.iter() if e.get("stroke") == "#c62828"]
    assert red, "a hop where a platform prompts is drawn red"


def test_hostile_values_are_text_in_every_format() -> None:
    report = example(hostile=True)
    text = "\n".join(_journey_text.lines(report.journeys))
    assert "\x1b" not in text
    assert "\\x1b[2J" in text
    svg = _journey_svg.document(report.journeys)
    assert "<script>" not in svg
    ET.fromstring(svg.encode())
    page = html.render(report)
    assert "<script>alert" not in page
    md = markdown.render(report)
    assert "<script>alert" not in md


def test_markdown_has_a_table_per_path_with_a_column_per_platform() -> None:
    md = markdown.render(example())
    assert "## Jabber sign-in journey" in md
    assert "| step | hop | name | Windows | Mac | Android | fix |" in md
    assert "**PROMPT**" in md
    assert md.count("#### Inside the office") == 3


def test_journey_text_render_stays_plain_for_a_pipe() -> None:
    out = render(example().journeys, "text")
    assert "\x1b[" not in out


@pytest.mark.real_servers
def test_chromium_draws_the_journey_offline_and_red_where_a_platform_prompts(
    browser: Any,  # noqa: F811  (test_report_html's fixture)
    tmp_path: Path,
) -> None:
    page_file = tmp_path / "report.html"
    page_file.write_text(html.render(example()), encoding="ascii")
    visit = Visit(browser, page_file)
    page = visit.page
    assert visit.requests == [visit.url]
    assert visit.blocked == []
    assert visit.console == []
    assert visit.resources == []
    assert page.locator("#journey svg").count() == 6  # three services domains, inside and outside
    assert page.locator("nav.toc a[href='#journey']").is_visible()
    pictures = page.evaluate(
        "Array.from(document.querySelectorAll('#journey svg')).map(s => s.getBoundingClientRect().width)"
    )
    assert all(0 < w <= 1280 for w in pictures), pictures
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    red = page.locator("#journey svg rect[stroke='#c62828']")
    assert red.count() >= 3
    assert red.first.is_visible()
    shown = squash(page.inner_text("#journey"))
    assert "Jabber for Mac 14.1.2: prompts at" in shown
    assert squash("CC107: Request a new") in shown or "CC107" in shown
    page.locator("#journey").screenshot(path=str(tmp_path / "journey.png"))
    assert (tmp_path / "journey.png").stat().st_size > 20_000
    visit.context.close()


def test_the_jabber_row_and_expressway_are_in_confcheck_locations(confcheck: Callable[..., Run]) -> None:
    lines = {line["line"]: line for line in json.loads(confcheck("locations", "--format", "json").out)}
    jabber = {loc["id"] for loc in lines["jabber"]["locations"]}
    assert {
        "jabber.bootstrap-cup-address",
        "jabber.bootstrap-tftp",
        "jabber.bootstrap-cti",
        "jabber.bootstrap-ccmcip",
    } <= jabber
    assert {"jabber.login-server", "jabber.config-voicemail-primary", "jabber.config-tftp-1"} <= jabber
    assert lines["expressway-e"]["locations"] == []
    assert "_collab-edge" in lines["expressway-e"]["note"]
    core = {loc["id"]: loc for loc in lines["expressway-c"]["locations"]}
    assert core["expressway-c.unified-cm"]["menu"] == (
        "Cisco Expressway-C > Configuration > Unified Communications > Unified CM servers"
    )
