"""The terminal report's own layout: columns that fold long text and keep line breaks in place."""

from __future__ import annotations

import io
import re
import textwrap

import pytest
from helpers import cert, cluster, demo_deployment, deployment, node, report, tomcat
from hypothesis import given, settings
from hypothesis import strategies as st

from confcheck import plan
from confcheck.reports import terminal


@pytest.fixture(autouse=True)
def width_120(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not a terminal and no COLUMNS: the report is laid out for 120 columns."""
    monkeypatch.delenv("COLUMNS", raising=False)


def render(name: str) -> str:
    leaf = cert("cucm1.example.com", dns=["cucm1.example.com"])
    dep = deployment(cluster("c", "cucm", "9.1", [node(name, tomcat(name, leaf))]))
    out = io.StringIO()
    terminal.write(report(dep), out)
    return out.getvalue()


def test_a_line_break_inside_a_configured_name_stays_inside_the_message_column() -> None:
    text = render("cucm1\nevil.example.com")
    lines = text.splitlines()
    [first] = [i for i, line in enumerate(lines) if line.startswith("error")]
    column = lines[first].index("Node name")
    continuation = lines[first + 1]
    assert continuation[:column].strip() == ""  # the rest of the message, aligned under it
    assert continuation[column:].startswith("evil.example.com")
    assert all(line == line.rstrip() for line in lines)


def test_long_messages_fold_within_the_width_and_lose_nothing() -> None:
    name = "cucm1." + "very-long-label." * 12 + "example.com"
    text = render(name)
    assert all(len(line) <= 120 for line in text.splitlines())
    assert name in "".join(line.strip() for line in text.splitlines())


def test_escape_sequences_from_servers_are_shown_not_obeyed() -> None:
    text = render("cucm1\x1b[2J\x1b]0;owned\x07.example.com")
    assert "\x1b" not in text
    assert "\x07" not in text
    assert "cucm1\\x1b[2J\\x1b]0;owned\\x07.example.com" in text


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.sampled_from(["a", "bc", "word", "x" * 30, " ", " ", "  ", "\t", "\u00a0", "é", "\u4e2d", "-"]),
        max_size=40,
    ).map("".join),
    st.integers(min_value=10, max_value=40),
)
def test_values_fold_exactly_as_textwrap_folds_them(text: str, width: int) -> None:
    """The terminal report folds with its own fast path for words between single spaces: same lines."""
    expected = textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False)
    assert terminal._wrap(text, width) == expected


def test_at_a_colour_terminal_the_report_is_the_plain_one_in_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    """A person at a terminal gets the same report, coloured (plain cells stay plain): it once failed
    with an internal error on the first unstyled cell."""
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setattr(terminal, "wants_color", lambda stream: True)
    the_report = report(demo_deployment())
    coloured = io.StringIO()
    terminal.write(the_report, coloured)
    monkeypatch.setattr(terminal, "wants_color", lambda stream: False)
    plain = io.StringIO()
    terminal.write(the_report, plain)
    assert "\x1b[1;31merror\x1b[0m" in coloured.getvalue()
    uncoloured = re.sub("\x1b\\[[0-9;]*m", "", coloured.getvalue())
    assert [line.rstrip() for line in uncoloured.splitlines()] == plain.getvalue().splitlines()


@pytest.mark.parametrize("width", ["120", "50"])
def test_a_procedure_is_numbered_under_one_label_and_each_sub_step_folds_under_its_own_text(
    monkeypatch: pytest.MonkeyPatch, width: str
) -> None:
    """The fix list's items are its steps ("Left to step 7" names one); a fix's sub-steps are numbered
    under "do", not labelled "step 2", and a long one folds under its text, not under its number."""
    monkeypatch.setenv("COLUMNS", width)
    the_report = report(demo_deployment())
    out = io.StringIO()
    terminal.write(the_report, out)
    lines = out.getvalue().splitlines()
    assert not [line for line in lines if re.match(r"\s+step \d", line)]
    plans = plan.per_cluster(the_report.findings, the_report.deployment).values()
    said = {
        " ".join(f"{i}. {text}" for i, text in enumerate(s.fix.steps, start=1))
        for p in plans
        for s in p.steps
        if s.fix and s.fix.steps and s.see is None
    }
    heads = [i for i, line in enumerate(lines) if re.match(r"\s+do 1\. ", line)]
    assert len(heads) >= 5
    for head in heads:
        column = re.match(r"\s+do 1\.\s+", lines[head]).end()  # type: ignore[union-attr]  # where the texts start
        read = []
        for line in lines[head:]:
            label, text = line[:column], line[column:]
            assert len(line) <= int(width), line
            number = re.fullmatch(r"(?:\s+do|\s+) (\d+)\.\s+", label)
            if number:
                read.append(f"{number.group(1)}. {text}")
            elif label.strip() == "" and read:
                read[-1] += f" {text}"  # the same sub-step, folded under its own text
            else:
                break  # the next label (impact), or the next item of the fix list
        assert " ".join(read) in said
