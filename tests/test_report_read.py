"""``confcheck report REPORT.json``: a stored report is checked against the shipped schema before use.

Hundreds of mutations of a real report (every field of a finding, a suppression, a change summary,
the summary and a cluster: deleted, retyped, emptied, given an unknown neighbour) must each either
render in every format or be refused in one line naming the element; none may reach a reporter and
crash it. The same mutations show the schema and the reader agree: the ``jsonschema`` package and
confcheck's own checker accept and refuse exactly the same documents.
"""

from __future__ import annotations

import copy
import functools
import io
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import schema_walk
from conftest import Run

from confcheck import cli, plugin_manager, schema_check
from confcheck.errors import InputError
from confcheck.reports import json as json_report

ROOT = Path(__file__).parents[1]
DEMO = ROOT / "examples" / "demo-snapshot.json"
SCHEMA = json.loads((ROOT / "confcheck" / "schemas" / "report.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
REPLACEMENTS: tuple[Any, ...] = (None, True, -1, 2.5, "", "2027-13-45", [], {"x": "y"})


@functools.cache
def rich_report_text() -> str:
    """A report of the demo with findings, suppressed findings (baseline and waiver) and a change."""
    import contextlib
    import tempfile

    with (
        tempfile.TemporaryDirectory() as tmp,
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        base = Path(tmp)
        baseline = base / "baseline.json"
        assert cli.main(
            [
                "lint",
                str(DEMO),
                "--select",
                "CC5",
                "--create-baseline",
                str(baseline),
                "-o",
                f"json={base / 'x.json'}",
            ]
        ) in (0, 1)
        config = base / "confcheck.toml"
        config.write_text(
            '[[waiver]]\nrule = "CC3"\ntarget = "branch-cucm"\nreason = "accepted"\nexpires = 2099-01-01\n'
        )
        change = base / "change.toml"
        change.write_text(
            '[[change]]\ncluster = "hq-imp"\nset = "imp9.tftp-primary"\nvalue = "cucm1.acme.example"\n'
        )
        out = base / "report.json"
        args = ["lint", str(DEMO), "--baseline", str(baseline), "--config", str(config)]
        assert cli.main([*args, "--changes", str(change), "-o", f"json={out}"]) in (0, 1)
        return out.read_text(encoding="utf-8")


def small_report() -> dict[str, Any]:
    """The rich report cut to one or two items per list, so that hundreds of mutations stay quick."""
    data: dict[str, Any] = json.loads(rich_report_text())
    data["findings"] = [next(f for f in data["findings"] if f["fix"] and f["fix"]["dns"])]
    data["suppressed"] = [
        next(s for s in data["suppressed"] if s["suppression"]["kind"] == "waiver"),
        next(s for s in data["suppressed"] if s["suppression"]["kind"] == "baseline"),
    ]
    data["changes"]["fixed"] = data["changes"]["fixed"][:1]
    return data


def test_the_rich_report_has_every_part() -> None:
    data = small_report()
    assert data["findings"]
    assert data["changes"]["fixed"]
    assert data["changes"]["applied"]
    assert any(f["fix"] and f["fix"]["dns"] for f in json.loads(rich_report_text())["findings"])
    assert VALIDATOR.is_valid(data)


def paths(value: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in ``value`` (lists: their first item)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*at, key)
            yield from paths(item, (*at, key))
    elif isinstance(value, list):
        for index, item in enumerate(value[:1]):
            yield (*at, index)
            yield from paths(item, (*at, index))


def mutations() -> Iterator[tuple[str, dict[str, Any]]]:
    """(description, document): each place deleted, replaced, or joined by an unknown key."""
    base = small_report()
    yield "unchanged", base
    for path in paths(base):
        *parent_path, last = path
        for replacement in ("delete", *REPLACEMENTS):
            doc = copy.deepcopy(base)
            parent = functools.reduce(lambda node, key: node[key], parent_path, doc)
            if replacement == "delete":
                del parent[last]
            else:
                parent[last] = replacement
            yield f"{'.'.join(map(str, path))} = {replacement!r}", doc
        target = functools.reduce(lambda node, key: node[key], path, base)
        if isinstance(target, dict):
            doc = copy.deepcopy(base)
            functools.reduce(lambda node, key: node[key], path, doc)["unknown"] = "x"
            yield f"{'.'.join(map(str, path))}.unknown = 'x'", doc


MUTATIONS = list(mutations())
SAMPLE = MUTATIONS if os.environ.get("CONFCHECK_THOROUGH") else MUTATIONS[::3]
"""A fixed third of them by default, to stay quick; CONFCHECK_THOROUGH=1 runs every one."""


def test_there_are_hundreds_of_mutations() -> None:
    assert len(MUTATIONS) > 500


def test_every_mutation_renders_everywhere_or_is_refused_in_one_line() -> None:
    reporters = plugin_manager.reporters()
    crashes = []
    messages: list[str] = []
    refused = 0
    for description, doc in SAMPLE:
        try:
            report = json_report.read(doc, "r.json")
        except InputError as exc:
            refused += 1
            messages.append(str(exc))
            continue
        for name, reporter in reporters.items():
            try:
                reporter.write(report, io.StringIO())
            except Exception as exc:  # any crash is the finding
                crashes.append(f"{description} -> {name}: {type(exc).__name__}: {exc}")
    assert crashes == []
    assert 0 < refused < len(SAMPLE)
    assert all(m.startswith("r.json: ") and "\n" not in m for m in messages)


def test_the_schema_and_the_reader_agree_on_every_mutation() -> None:
    disagreements = []
    for description, doc in SAMPLE:
        try:
            schema_check.validate(doc, SCHEMA)
            ours = True
        except schema_check.SchemaViolation:
            ours = False
        if ours != VALIDATOR.is_valid(doc):
            disagreements.append(f"{description}: confcheck says {ours}")
    assert disagreements == []


def said(validate: Callable[[Any, Any], None], document: Any, schema: Any = SCHEMA) -> str | None:
    """What ``validate`` refuses ``document`` for, None when it passes."""
    try:
        validate(document, schema)
    except schema_check.SchemaViolation as exc:
        return str(exc)
    return None


def test_the_compiled_checker_says_what_walking_the_schema_says_of_every_mutation() -> None:
    """The checker makes the schema into functions once; each document gets the verdict and the message
    the checker that walked the schema at every value gave it (tests/schema_walk.py), every mutation."""
    differ = [
        f"{description}: {ours!r} against {walked!r}"
        for description, doc in MUTATIONS
        if (ours := said(schema_check.validate, doc)) != (walked := said(schema_walk.validate, doc))
    ]
    assert differ == []
    assert sum(said(schema_check.validate, doc) is not None for _, doc in MUTATIONS) > 300


def test_the_compiled_checker_follows_each_keyword_as_walking_it_did() -> None:
    """Keywords the report schema uses rarely or not at all, each alone and mixed, with a recursive
    ``$ref`` and an unevaluated key checked against a schema."""
    tree = {
        "$defs": {
            "node": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string", "minLength": 1, "pattern": "^[a-z]+$"},
                    "size": {"type": ["integer", "null"], "minimum": 0, "maximum": 9},
                    "kind": {"enum": ["a", 1, True]},
                    "children": {"type": "array", "items": {"$ref": "#/$defs/node"}, "maxItems": 2},
                    "either": {"oneOf": [{"type": "string"}, {"$ref": "#/$defs/leaf"}]},
                },
                "additionalProperties": {"type": "number"},
            },
            "leaf": {"type": "object", "properties": {"v": {"const": 1}}, "unevaluatedProperties": False},
        },
        "$ref": "#/$defs/node",
    }
    documents: list[Any] = [
        {"name": "root"},
        {"name": "root", "children": [{"name": "a"}, {"name": "b", "children": [{"name": "C"}]}]},
        {"name": "root", "children": [{}, {}, {}]},
        {"name": "", "size": 10},
        {"name": "x", "size": 3.0, "kind": 1.0},
        {"name": "x", "kind": 1, "extra": "not a number", "another": 2},
        {"name": "x", "kind": False},
        {"name": "x", "either": {"v": 1}},
        {"name": "x", "either": {"v": 2, "w": 3}},
        {"name": "x", "either": 5},
        {"name": "x\udc80"},
        [],
        None,
    ]
    for document in documents:
        assert said(schema_check.validate, document, tree) == said(schema_walk.validate, document, tree), (
            document
        )


def test_the_shipped_schema_uses_only_what_the_checker_implements() -> None:
    schema_check.check_schema(SCHEMA)
    with pytest.raises(ValueError, match="keyword 'format' is not supported"):
        schema_check.check_schema({"type": "string", "format": "date"})


@pytest.mark.parametrize("version", [99, True, "1", 1.5, None])
def test_a_report_from_another_release_is_refused(
    confcheck: Callable[..., Run], tmp_path: Path, version: Any
) -> None:
    data = small_report()
    data["schema_version"] = version
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data))
    result = confcheck("report", str(path))
    assert result.code == 2
    assert result.err == (
        f"confcheck: error: {path}: schema_version: unsupported report version {version!r} "
        "(this confcheck reads 1)\n"
    )


@pytest.mark.parametrize(
    ("where", "value", "says"),
    [
        (("findings", 0, "fix", "phase"), 7, "findings[0].fix.phase: expected a number from 0 to 5, found 7"),
        (("findings", 0, "severity"), "fatal", "findings[0].severity: expected one of error, warning, info"),
        (("summary", "references"), "3", "summary.references: expected an integer, found a string"),
        (("clusters", 0, "product"), "cucmx", "clusters[0].product: expected one of cucm, cup, imp, unity"),
        (
            ("suppressed", 0, "suppression", "expires"),
            "2027-13-45",
            "suppressed[0].suppression.expires: expected a date",
        ),
        (("findings", 0, "evidence"), {"a": 1}, "findings[0].evidence.a: expected a string, found a number"),
        (("findings", 0, "fix"), 5, "findings[0].fix: a number fits none of the allowed shapes"),
        (
            ("changes", "fixed", 0, "rule"),
            "cc101",
            "changes.fixed[0].rule: 'cc101' does not have the expected form",
        ),
    ],
)
def test_a_bad_element_is_named_by_its_path(
    confcheck: Callable[..., Run], tmp_path: Path, where: tuple[Any, ...], value: Any, says: str
) -> None:
    data = small_report()
    *parent, last = where
    functools.reduce(lambda node, key: node[key], parent, data)[last] = value
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data))
    result = confcheck("report", str(path))
    assert result.code == 2
    assert result.err.startswith(f"confcheck: error: {path}: not a confcheck JSON report: {says}")
    assert result.err.count("\n") == 1


def test_a_stored_report_still_renders_the_same(confcheck: Callable[..., Run], tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(rich_report_text())
    again = confcheck("report", str(path), "--format", "json")
    assert json.loads(again.out) == json.loads(rich_report_text())


def test_a_report_with_too_many_findings_is_refused_before_it_is_checked(tmp_path: Path) -> None:
    data = small_report()
    data["findings"] = data["findings"] * (json_report.MAX_FINDINGS + 1)
    with pytest.raises(InputError, match=r"^r\.json: 50,00\d findings .*more than the limit of 50,000"):
        json_report.read(data, "r.json")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"at most {json_report.MAX_FINDINGS:,} findings" in readme


def test_a_report_from_before_shared_sub_steps_reads_each_procedure_whole(
    confcheck: Callable[..., Run], tmp_path: Path
) -> None:
    document = json.loads(rich_report_text())
    fixes = [f["fix"] for f in document["findings"] if f["fix"] is not None]
    assert [0, 2] in [fix["once_per_cluster"] for fix in fixes]  # the demo's two renames of hq-cucm
    assert True in [fix["after_subscribers"] for fix in fixes]  # hq-cucm's publisher, renamed last
    for fix in fixes:
        del fix["once_per_cluster"], fix["after_subscribers"]
    path = tmp_path / "older.json"
    path.write_text(json.dumps(document))
    shown = confcheck("report", str(path)).out
    assert "Once for steps" not in shown
    assert "(once for steps" not in shown
    words = " ".join(shown.split())  # as read, whatever the folding
    # three renames (hq-cucm 2, branch 1), each saying it twice: in its procedure and its impact
    assert words.count("restart Cisco TFTP on every") == 6
    path.write_text(rich_report_text())
    assert "Once for steps 6 and 7: In Cisco Unified Serviceability" in confcheck("report", str(path)).out
    # without after_subscribers, renames are in the order of their text: hq-cucm's publisher first
    assert shown.index("Rename node 10.10.0.11") < shown.index("Rename node cucm3")


def test_a_report_read_back_words_its_dns_steps_as_the_lint_did(
    confcheck: Callable[..., Run], tmp_path: Path
) -> None:
    path = tmp_path / "r.json"
    path.write_text(confcheck("lint", str(DEMO), "--format", "json", "--fail-on", "never").out)
    lint = confcheck("lint", str(DEMO), "--fail-on", "never").out
    again = confcheck("report", str(path), "--fail-on", "never").out
    assert (
        "Correct the PTR record of 10.10.0.11 to cucm1.acme.example (it names cucm-old.acme.example)" in lint
    )
    assert again.split("\n", 1)[1] == lint.split("\n", 1)[1]  # all but the title line, which names the file
    document = json.loads(path.read_text())
    assert {(r["name"], r["type"]) for r in document["dns"]} >= {
        ("10.10.0.11", "PTR"),
        ("cucm3.acme.example", "A"),
    }
    del document["dns"]  # a report from before it carried DNS answers: nothing said to be missing
    path.write_text(json.dumps(document))
    older = confcheck("report", str(path), "--fail-on", "never").out
    assert "Check for an A record cucm1.acme.example → 10.10.0.11 and its PTR record" in older
    assert "Correct the PTR record" not in older


def test_what_the_ca_must_give_a_certificate_survives_the_report_and_reads_as_none_before_it(
    confcheck: Callable[..., Run], tmp_path: Path
) -> None:
    example = ROOT / "examples" / "certificates-snapshot.json"
    options = ("--config", str(ROOT / "examples" / "certificates.toml"), "--at", "2026-12-01")
    path = tmp_path / "r.json"
    path.write_text(confcheck("lint", str(example), "--format", "json", "--fail-on", "never", *options).out)
    step = "Have Acme Issuing CA sign it, valid for 825 days or fewer."
    lint = confcheck("lint", str(example), "--fail-on", "never", *options).out
    assert step in lint
    assert step in confcheck("report", str(path), "--fail-on", "never").out
    document = json.loads(path.read_text())
    renewals = [r for f in document["findings"] if f["fix"] for r in f["fix"]["renewals"]]
    assert [r["signing"] for r in renewals if r["signing"]] == [["valid for 825 days or fewer"]]
    for renewal in renewals:
        del renewal["signing"]  # a report from before the key: the CA is asked for nothing more
    path.write_text(json.dumps(document))
    again = confcheck("report", str(path), "--fail-on", "never").out
    assert "Have Acme Issuing CA sign it." in again
    assert "825 days or fewer" not in again
