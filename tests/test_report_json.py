"""The JSON report writes each finding without making its dicts: the same text as encoding them."""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Iterator
from typing import Any

import pytest
from test_report_read import rich_report_text

from confcheck.findings import DnsNeed, Finding, Phase
from confcheck.reports import json as json_report


class Text(str):
    """A str of another class: the encoder writes it as a str."""


class Number(enum.IntEnum):
    ONE = 1


ODD_VALUES: tuple[Any, ...] = (
    None,
    True,
    False,
    0,
    7,
    2.5,
    float("nan"),
    "",
    'quote " backslash \\ newline \n tab \t nul \x00 ellipsis \u2026 e\u0301 lone \ud800',
    Text("a str of another class"),
    Number.ONE,
    [],
    ["a", "b"],
    ("a", 1),
    {"k": "v"},
    {1: "v"},
    (("a", "b"), ("a", "c")),
    object(),
)


def findings() -> list[Finding]:
    """Every finding and suppressed finding of a report with all parts (fixes with DNS needs, renewals)."""
    report = json_report.read(json.loads(rich_report_text()), "rich.json")
    found = [*report.findings, *(s.finding for s in report.suppressed)]
    assert any(f.fix and f.fix.dns for f in found)
    assert any(f.fix and f.fix.renewals for f in found)
    return found


def encoded(finding: Finding) -> str:
    """What the writer wrote before it wrote findings itself: their dicts, encoded."""
    return json_report._ENCODER.encode(json_report.finding_to_dict(finding))


def outcome(function: Any, finding: Finding) -> tuple[str, Any]:
    try:
        return "text", function(finding)
    except Exception as exc:
        return "error", type(exc)


def test_every_finding_of_a_rich_report_is_written_directly_and_as_its_dicts_encode() -> None:
    found = findings()
    assert len(found) > 20
    for finding in found:
        assert json_report._written(finding) == encoded(finding)  # the direct writing, not the fallback
        assert json_report._finding_text(finding) == encoded(finding)
    without_fix = dataclasses.replace(found[0], fix=None, evidence=())
    assert json_report._written(without_fix) == encoded(without_fix)


def variants(finding: Finding) -> Iterator[tuple[str, Finding]]:
    """The finding with one value (of the finding, its fix or its first DNS need) of another kind."""
    fix = finding.fix
    assert fix is not None
    assert fix.dns
    for name in [f.name for f in dataclasses.fields(finding) if f.init and f.name != "fix"]:
        for value in ODD_VALUES:
            yield f"finding.{name} = {value!r}", dataclasses.replace(finding, **{name: value})
    for name in [f.name for f in dataclasses.fields(fix) if f.init]:
        for value in ODD_VALUES:
            if name == "renewals" and value not in ((), [], None):
                continue  # a renewal's own dict is encoded by the encoder in both
            yield (
                f"fix.{name} = {value!r}",
                dataclasses.replace(finding, fix=dataclasses.replace(fix, **{name: value})),
            )
    need = fix.dns[0]
    for name in ("name", "address", "reverse"):
        for value in ODD_VALUES:
            odd = dataclasses.replace(need, **{name: value})
            changed = dataclasses.replace(fix, dns=(odd, *fix.dns[1:]))
            yield f"fix.dns[0].{name} = {value!r}", dataclasses.replace(finding, fix=changed)
    yield "fix.phase = Phase.DNS", dataclasses.replace(finding, fix=dataclasses.replace(fix, phase=Phase.DNS))
    yield (
        "fix.dns = DnsNeed(...)",
        dataclasses.replace(
            finding, fix=dataclasses.replace(fix, dns=(DnsNeed("a.example", "10.0.0.1", True),))
        ),
    )


@pytest.mark.parametrize(
    "field", ["evidence", "fix.preconditions", "fix.steps", "fix.dns", "fix.renewals", "fix.once_per_cluster"]
)
def test_a_list_given_as_an_iterator_is_read_once_as_encoding_the_dicts_reads_it(field: str) -> None:
    name = field.removeprefix("fix.")

    def held(finding: Finding) -> Any:
        return finding.evidence if field == "evidence" else getattr(finding.fix, name, ())

    base = next(f for f in findings() if f.fix and held(f))  # a list with something in it
    assert base.fix is not None
    fix = base.fix

    def made() -> Finding:  # a fresh iterator for each side: the first reading of one empties it
        values = iter(held(base))
        if field == "evidence":
            return dataclasses.replace(base, evidence=values)
        return dataclasses.replace(base, fix=dataclasses.replace(fix, **{name: values}))

    assert outcome(json_report._finding_text, made()) == outcome(encoded, made())
    # every list but the renewals, which the dicts read twice (an iterator is then empty: an error)
    assert outcome(json_report._finding_text, made())[0] == ("error" if name == "renewals" else "text")


@pytest.mark.parametrize(
    ("label", "finding"), list(variants(next(f for f in findings() if f.fix and f.fix.dns)))
)
def test_a_value_of_any_kind_is_written_as_encoding_the_dicts_writes_it_or_refused_alike(
    label: str, finding: Finding
) -> None:
    assert outcome(json_report._finding_text, finding) == outcome(encoded, finding), label
