"""Every rule is documented in the four sections, and docs/rules.md is generated from those docs."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run

from confcheck import plugin_manager
from confcheck.rule import SECTIONS, Rule, markdown

RULES = plugin_manager.rules()


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_has_code_name_and_every_documentation_section(rule: Rule) -> None:
    assert re.fullmatch(r"CC[1-9]\d\d", rule.code)
    assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)*", rule.name)
    assert rule.summary
    assert rule.summary.endswith(".")
    sections = rule.sections
    for heading in SECTIONS:
        assert sections.get(heading), f"{rule.code} lacks '## {heading}'"


def test_rule_codes_and_names_are_unique() -> None:
    assert len({r.code for r in RULES}) == len(RULES)
    assert len({r.name for r in RULES}) == len(RULES)


def test_docs_rules_md_is_generated_from_the_rule_docs() -> None:
    committed = (Path(__file__).parents[1] / "docs" / "rules.md").read_text()
    assert committed == markdown(RULES), "regenerate: confcheck rules --format markdown > docs/rules.md"


def test_explain_by_code_and_by_name(confcheck: Callable[..., Run]) -> None:
    by_code = confcheck("explain", "cc102")
    by_name = confcheck("explain", "ip-address-not-fqdn")
    assert by_code.code == by_name.code == 0
    assert by_code.out == by_name.out
    assert by_code.out.startswith("## CC102 ip-address-not-fqdn")
    assert "### How to fix" in by_code.out


def test_explain_unknown_rule_is_a_usage_error(confcheck: Callable[..., Run]) -> None:
    result = confcheck("explain", "CC000")
    assert result.code == 2
    assert result.err.strip() == "confcheck: error: unknown rule 'CC000' (see confcheck rules)"


def test_rules_listing_in_every_format(confcheck: Callable[..., Run]) -> None:
    text = confcheck("rules").out.splitlines()
    assert [line.split()[0] for line in text] == [r.code for r in RULES]
    import json

    data = json.loads(confcheck("rules", "--format", "json").out)
    assert [(d["code"], d["name"], d["severity"]) for d in data] == [
        (r.code, r.name, r.severity.value) for r in RULES
    ]
    assert all(set(SECTIONS) <= set(d["sections"]) for d in data)
