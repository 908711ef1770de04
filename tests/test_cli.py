"""The command line as users and pipelines meet it: outputs, exit codes, and one-line errors."""

from __future__ import annotations

import argparse
import fcntl
import gc
import json
import os
import pty
import struct
import subprocess
import sys
import termios
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import Run
from helpers import cert, cluster, deployment, node, tomcat

from confcheck import cli, plugin_manager, snapshot
from confcheck.model import Deployment

ROOT = Path(__file__).parents[1]
DEMO = str(ROOT / "examples" / "demo-snapshot.json")
REPORT_SCHEMA = json.loads((ROOT / "confcheck" / "schemas" / "report.schema.json").read_text())


def write(tmp_path: Path, dep: Deployment, name: str = "snap.json") -> str:
    path = tmp_path / name
    snapshot.write(dep, path)
    return str(path)


def warning_only() -> Deployment:
    """One wildcard match: a warning and nothing else."""
    leaf = cert("*.example.com", dns=["*.example.com"])
    return deployment(
        cluster("c", "cucm", "9.1", [node("cucm1.example.com", tomcat("cucm1.example.com", leaf))])
    )


def test_the_example_snapshots_exercise_every_rule(confcheck: Callable[..., Run]) -> None:
    fired = set()
    for example in sorted((ROOT / "examples").glob("*.json")):
        # certificates-snapshot.json is judged with certificates.toml (the clients' trust store)
        config = example.with_name(example.name.replace("-snapshot.json", ".toml"))
        extra = ["--config", str(config)] if config.exists() else []
        result = confcheck("lint", str(example), "--format", "json", "--at", "2026-12-01", *extra)
        fired |= {f["rule"] for f in json.loads(result.out)["findings"]}
    assert fired == {r.code for r in plugin_manager.rules() if r.check is not None}  # CC9xx: the gate's own


def test_at_judges_certificate_validity_on_another_day(confcheck: Callable[..., Run]) -> None:
    example = str(ROOT / "examples" / "certificates-snapshot.json")

    def expiry(at: str) -> dict[str, list[str]]:
        findings = json.loads(confcheck("lint", example, "--format", "json", "--at", at).out)["findings"]
        return {code: sorted(f["node"] for f in findings if f["rule"] == code) for code in ("CC301", "CC302")}

    assert expiry("2026-12-01") == {"CC301": ["cucm1.acme.example"], "CC302": ["cucm2.acme.example"]}
    assert expiry("2026-12-12T08:00")["CC301"] == ["cucm1.acme.example", "cucm2.acme.example"]
    assert expiry("2026-10-20") == {"CC301": [], "CC302": ["cucm1.acme.example"]}


def test_a_report_judged_at_another_date_says_so(confcheck: Callable[..., Run]) -> None:
    example = str(ROOT / "examples" / "certificates-snapshot.json")
    result = confcheck("lint", example, "--at", "2026-12-01")
    assert "note: certificate validity is judged at 2026-12-01 00:00 UTC (--at)" in result.out
    notes = json.loads(confcheck("lint", example, "--format", "json", "--at", "2026-12-01").out)["notes"]
    assert any("judged at 2026-12-01 00:00 UTC" in n for n in notes)
    assert "judged at" not in confcheck("lint", example).out


def test_a_malformed_at_date_is_a_one_line_usage_error(confcheck: Callable[..., Run]) -> None:
    result = confcheck("lint", DEMO, "--at", "next tuesday")
    assert result.code == 2
    assert "--at: not a date: 'next tuesday'" in result.err
    assert "Traceback" not in result.err


def test_an_incomplete_collection_lints_to_exit_three_with_the_problem_as_a_finding(
    confcheck: Callable[..., Run],
) -> None:
    result = confcheck("lint", str(ROOT / "examples" / "incomplete-snapshot.json"), "--format", "json")
    assert result.code == 3
    [problem] = [f for f in json.loads(result.out)["findings"] if f["rule"] == "CC203"]
    assert problem["cluster"] == "hq-cucm"
    assert "HTTP 401" in problem["message"]


def test_lint_terminal_output_groups_by_cluster_with_fix_lists(confcheck: Callable[..., Run]) -> None:
    result = confcheck("lint", DEMO)
    assert result.code == 1
    assert result.err == ""
    for name in ("hq-cucm", "branch-cucm", "hq-imp", "branch-cup"):
        assert name in result.out
    assert "Fix list" in result.out
    assert "Phase 3 · node and server names" in result.out
    assert "Rename node 10.10.0.11 to cucm1.acme.example" in result.out
    assert "\x1b[" not in result.out  # not a TTY: no escape codes
    assert all(line == line.rstrip() for line in result.out.splitlines())


def test_lint_json_report_validates_against_the_shipped_schema(confcheck: Callable[..., Run]) -> None:
    result = confcheck("lint", DEMO, "--format", "json")
    assert result.err == ""
    report = json.loads(result.out)
    jsonschema.validate(report, REPORT_SCHEMA, cls=jsonschema.Draft202012Validator)
    summary = report["summary"]
    assert (
        summary["findings"]
        == len(report["findings"])
        == summary["error"] + summary["warning"] + summary["info"]
    )
    assert summary["exit_code"] == result.code == 1
    assert len({f["fingerprint"] for f in report["findings"]}) == len(report["findings"])
    first = report["findings"][0]
    assert first["fix"]["where"]
    assert first["fix"]["action"]


def test_fingerprints_are_stable_across_runs_and_cluster_order(
    confcheck: Callable[..., Run], tmp_path: Path
) -> None:
    data = json.loads(Path(DEMO).read_text())
    data["clusters"].reverse()
    reordered = tmp_path / "reordered.json"
    reordered.write_text(json.dumps(data))
    once = json.loads(confcheck("lint", DEMO, "--format", "json").out)["findings"]
    again = json.loads(confcheck("lint", DEMO, "--format", "json").out)["findings"]
    other = json.loads(confcheck("lint", str(reordered), "--format", "json").out)["findings"]
    assert [f["fingerprint"] for f in once] == [f["fingerprint"] for f in again]
    assert sorted(f["fingerprint"] for f in once) == sorted(f["fingerprint"] for f in other)


@pytest.mark.parametrize(
    ("fail_on", "code"), [("error", 0), ("warning", 1), ("info", 1), ("never", 0)], ids=str
)
def test_fail_on_threshold_decides_the_exit_code(
    confcheck: Callable[..., Run], tmp_path: Path, fail_on: str, code: int
) -> None:
    result = confcheck("lint", write(tmp_path, warning_only()), "--fail-on", fail_on, "--format", "json")
    assert result.code == code
    assert json.loads(result.out)["summary"]["failing"] == code


def test_clean_snapshot_exits_zero(confcheck: Callable[..., Run], tmp_path: Path) -> None:
    leaf = cert("cucm1.example.com", dns=["cucm1.example.com"])
    clean = deployment(
        cluster("c", "cucm", "9.1", [node("cucm1.example.com", tomcat("cucm1.example.com", leaf))])
    )
    result = confcheck("lint", write(tmp_path, clean), "--fail-on", "info")
    assert result.code == 0
    assert "0 findings" in result.out


def test_incomplete_collection_exits_three_whatever_the_threshold(
    confcheck: Callable[..., Run], tmp_path: Path
) -> None:
    down = node("cucm1.example.com", tomcat("cucm1.example.com", None, error="connection refused"))
    path = write(tmp_path, deployment(cluster("c", "cucm", "9.1", [down])))
    assert confcheck("lint", path).code == 3
    result = confcheck("lint", path, "--fail-on", "never", "--format", "json")
    assert result.code == 3
    assert json.loads(result.out)["summary"]["incomplete"] is True


def test_unknown_format_is_a_usage_error(confcheck: Callable[..., Run]) -> None:
    result = confcheck("lint", DEMO, "--format", "yaml")
    assert result.code == 2
    assert result.out == ""
    assert result.err == (
        "confcheck: error: unknown format 'yaml' (choose from csv, html, json, junit, markdown, sarif, terminal)\n"
    )


@pytest.mark.parametrize(
    "args", [[], ["lint"], ["lint", DEMO, "--fail-on", "sometimes"], ["nonsense"], ["cert"]], ids=str
)
def test_usage_errors_exit_two(confcheck: Callable[..., Run], args: list[str]) -> None:
    result = confcheck(*args)
    assert result.code == 2
    assert "Traceback" not in result.err
    # one line and a hint, not the whole usage text
    [line] = result.err.splitlines()
    assert line.startswith("confcheck: error: ")
    assert line.endswith("--help')")
    assert "usage:" not in result.err


def test_explain_renders_markdown_at_a_terminal_and_passes_it_through_a_pipe(
    confcheck: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    piped = confcheck("explain", "CC401")
    assert piped.out.startswith("## CC401 untrusted-chain")
    assert "### What it checks" in piped.out
    monkeypatch.setattr("confcheck.console.wants_color", lambda stream: True)
    shown = confcheck("explain", "CC401")
    assert "CC401 untrusted-chain" in shown.out
    assert "## " not in shown.out  # headings rendered, not shown as Markdown source
    assert "What it checks" in shown.out


def test_machine_output_is_the_only_thing_on_stdout(tmp_path: Path) -> None:
    """A real process: stdout parses as JSON, stderr is empty, the exit code is the documented one."""
    run = subprocess.run(
        [sys.executable, "-m", "confcheck", "lint", DEMO, "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1
    assert run.stderr == ""
    json.loads(run.stdout)


def test_version_does_not_import_heavy_libraries() -> None:
    """Nor dataclasses (with inspect, ast and dis: some 40 million instructions) nor shutil: the
    command line itself is made with argparse alone."""
    heavy = "('cryptography', 'rich', 'zeep', 'lxml', 'dataclasses', 'shutil')"
    code = (
        "import sys\nfrom confcheck import cli\ntry:\n    cli.main(['--version'])\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {heavy} if m in sys.modules))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.splitlines() == ["confcheck 0.1.0", "[]"]


def test_plugins_lists_the_built_ins(confcheck: Callable[..., Run]) -> None:
    out = confcheck("plugins").out
    builtins = (
        "cucm8",
        "cucm9",
        "cup8",
        "imp9",
        "unity",
        "rules-names",
        "rules-targets",
        "rules-dns",
        "rules-gate",
    )
    reporters = (
        "report-terminal",
        "report-json",
        "report-markdown",
        "report-html",
        "report-csv",
        "report-junit",
        "report-sarif",
    )
    for name in builtins + reporters:
        assert name in out


@pytest.mark.parametrize("fmt", ["terminal", "markdown", "html", "json", "sarif", "junit", "csv"])
def test_exit_3_always_comes_with_what_is_missing_even_when_its_findings_are_filtered_out(
    confcheck: Callable[..., Run], fmt: str
) -> None:
    example = str(ROOT / "examples" / "incomplete-snapshot.json")
    result = confcheck("lint", example, "--select", "CC1", "--format", fmt)
    assert result.code == 3
    assert "hq-cucm: AXL login failed" in result.out
    assert "cuc2.acme.example, tomcat at 10.10.0.32:8443" in result.out
    if fmt == "markdown":
        assert "**Verdict: incomplete**" in result.out
        assert "passes" not in result.out


def test_the_report_title_and_customer_appear_in_every_human_format(
    confcheck: Callable[..., Run], tmp_path: Path
) -> None:
    config = tmp_path / "confcheck.toml"
    config.write_text('[report]\ntitle = "Acme <Jabber> audit"\ncustomer = "Acme & Sons"\n')
    outputs = {fmt: tmp_path / f"r.{fmt}" for fmt in ("terminal", "markdown", "html", "json")}
    args = [a for fmt, path in outputs.items() for a in ("-o", f"{fmt}={path}")]
    result = confcheck("lint", DEMO, "--config", str(config), *args)
    assert result.code == 1
    terminal = outputs["terminal"].read_text().splitlines()
    assert terminal[:2] == ["Acme <Jabber> audit", "for Acme & Sons"]
    assert (
        outputs["markdown"]
        .read_text()
        .startswith("# Acme &lt;Jabber&gt; audit\n\n- **Customer:** Acme &amp; Sons")
    )
    html_text = outputs["html"].read_text()
    assert "<title>Acme &lt;Jabber&gt; audit</title>" in html_text
    assert "<h1>Acme &lt;Jabber&gt; audit</h1>" in html_text
    # --title wins over [report]; a stored JSON report keeps its cover when rendered again
    again = confcheck("report", str(outputs["json"]), "--format", "markdown", "--title", "Migration day")
    assert again.out.startswith("# Migration day\n\n- **Customer:** Acme &amp; Sons")


def test_an_unknown_report_key_is_a_config_error(confcheck: Callable[..., Run], tmp_path: Path) -> None:
    config = tmp_path / "confcheck.toml"
    config.write_text('[report]\ntitel = "typo"\n')
    result = confcheck("lint", DEMO, "--config", str(config))
    assert result.code == 2
    assert "report.titel" in result.err


@pytest.mark.parametrize("fmt", ["terminal", "markdown", "html"])
def test_a_cluster_that_was_never_collected_keeps_its_name_in_every_human_format(
    confcheck: Callable[..., Run], tmp_path: Path, fmt: str
) -> None:
    # its version could not be read, so the snapshot has no cluster for it: its CC203 stays under its name
    data = json.loads((ROOT / "examples" / "incomplete-snapshot.json").read_text())
    data["problems"].append(
        {"kind": "version", "message": "getCCMVersion: HTTP 401", "cluster": "branch-cucm"}
    )
    snap = tmp_path / "snap.json"
    snap.write_text(json.dumps(data))
    result = confcheck("lint", str(snap), "--format", fmt)
    assert result.code == 3
    heading = {
        "terminal": "branch-cucm · not collected",
        "markdown": "## branch-cucm \u2014 not collected",
        "html": "branch-cucm &#8212; not collected",
    }
    assert heading[fmt] in result.out
    assert "deployment-wide" not in result.out.lower()
    assert "Findings about the deployment as a whole" not in result.out


def test_cert_text_output_shows_escape_sequences_in_a_certificate(
    confcheck: Callable[..., Run], tmp_path: Path
) -> None:
    from confcheck import pki

    issued = pki.server("evil\x1b[2J\x1b]0;title\x07.example.com", dns=["cucm1.example.com"])
    path = tmp_path / "evil.pem"
    path.write_text(issued.pem)
    result = confcheck("cert", str(path))
    assert result.code == 0
    assert "\x1b" not in result.out
    assert "\x07" not in result.out
    assert "\\x1b[2J" in result.out


def test_cert_text_output_shows_a_line_feed_in_a_certificate_as_an_escape(
    confcheck: Callable[..., Run], tmp_path: Path
) -> None:
    from confcheck import pki

    forged = "  match          cucm1.example.com (jabber): MATCH: forged"
    issued = pki.server(f"evil\n{forged}", dns=[f"x\n{forged}"])
    path = tmp_path / "evil.pem"
    path.write_text(issued.pem)
    result = confcheck("cert", str(path))
    assert result.code == 0
    assert forged not in result.out.splitlines()
    assert f"evil\\n{forged}" in result.out
    assert f"SAN dNSName    x\\n{forged}" in result.out


def test_cert_shows_the_extended_key_usage_and_what_apples_rules_refuse(
    confcheck: Callable[..., Run], tmp_path: Path
) -> None:
    from confcheck import pki

    ca = pki.ca("Five Year CA")
    five = pki.server("cucm1.example.com", ["cucm1.example.com"], issuer=ca, days=1826)
    (tmp_path / "five.pem").write_text(five.pem)
    shown = confcheck("cert", str(tmp_path / "five.pem"))
    assert shown.code == 0  # a property of the certificate, not a failed match
    assert "  EKU            TLS Web Server Authentication, TLS Web Client Authentication\n" in shown.out
    assert (
        "  Apple          Apple's rules for TLS server certificates refuse it (it is valid for 1826 days, longer "
        "than the 825 days Apple allows): Jabber for Mac, iPhone and iPad prompt\n"
    ) in shown.out
    [data] = json.loads(confcheck("cert", str(tmp_path / "five.pem"), "--format", "json").out)
    assert data["apple"].startswith("Apple's rules for TLS server certificates refuse it (")
    assert data["certificate"]["extended_key_usage"] == ["serverAuth", "clientAuth"]
    # a server certificate within Apple's rules, without the extension; and a CA certificate alone
    (tmp_path / "bare.pem").write_text(
        pki.server("cucm1.example.com", ["cucm1.example.com"], issuer=ca, eku=None).pem
    )
    (tmp_path / "ca.pem").write_text(ca.pem)
    for name, usage in (("bare.pem", "none (no extension)"), ("ca.pem", "none (no extension)")):
        shown = confcheck("cert", str(tmp_path / name))
        assert "Apple" not in shown.out
        assert f"  EKU            {usage}\n" in shown.out
        [data] = json.loads(confcheck("cert", str(tmp_path / name), "--format", "json").out)
        assert data["apple"] is None
        assert data["certificate"]["extended_key_usage"] is None
    # a name matched only through the Subject CN: a match, which Apple's platforms refuse
    (tmp_path / "cn.pem").write_text(pki.server("cucm1.example.com", issuer=ca).pem)
    shown = confcheck("cert", str(tmp_path / "cn.pem"), "--name", "cucm1.example.com")
    assert shown.code == 0
    assert "MATCH" in shown.out
    assert (
        "a name only in the Subject CN: Jabber for Mac, iPhone and iPad refuse it (Apple's rules)"
        in shown.out
    )


def test_cert_runs_without_the_cyclic_collector_and_turns_it_back_on(
    confcheck: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its modules and the chains it reads live to the end of the run: the collector's walks over them
    were some 10 ms of ``confcheck cert`` (see confcheck.gc_pause)."""
    from confcheck import cert_command, pki

    collecting: list[bool] = []
    run = cert_command.run

    def watched(*args: object, **kwargs: object) -> object:
        collecting.append(gc.isenabled())
        return run(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cert_command, "run", watched)
    path = tmp_path / "cucm1.pem"
    path.write_text(pki.server("cucm1.example.com", dns=["cucm1.example.com"]).pem)
    assert gc.isenabled()
    result = confcheck("cert", str(path))
    assert result.code == 0
    assert "cucm1.example.com" in result.out
    assert collecting == [False]
    assert gc.isenabled()


@pytest.mark.parametrize(
    ("args", "paused"),
    [
        (["lint", DEMO, "--format", "json"], True),
        (["rules"], True),
        (["explain", "CC101"], True),
        (["audit", "--config", "missing.toml"], False),  # collecting makes garbage as long as it runs
    ],
    ids=lambda value: value[0] if isinstance(value, list) else str(value),
)
def test_offline_commands_run_without_the_cyclic_collector_from_the_start(
    confcheck: Callable[..., Run], monkeypatch: pytest.MonkeyPatch, args: list[str], paused: bool
) -> None:
    """What an offline command imports and reads lives to the end of the run: the collector's walks
    while its modules were imported were about 3 ms of a lint (see cli.PAUSED)."""
    collecting: list[bool] = []
    parser = cli._parser

    def watched(command: str | None = None) -> argparse.ArgumentParser:
        collecting.append(gc.isenabled())
        return parser(command)

    monkeypatch.setattr(cli, "_parser", watched)
    assert gc.isenabled()
    result = confcheck(*args)
    assert result.code in ((0, 1) if paused else (2,)), result.err
    assert collecting == [not paused]
    assert gc.isenabled()
    assert (
        gc.get_freeze_count() == 0
    )  # called with its arguments, main is not the program: nothing left frozen


AT_EXIT = """
import atexit, gc, sys, threading, time
atexit.register(lambda: print("frozen at exit:", gc.get_freeze_count() > 0, file=sys.stderr))
threading.Thread(target=time.sleep, args=(0.5,)).start()  # one the interpreter waits for: no fast exit
from confcheck.cli import main
sys.exit(main({argv}))
"""


@pytest.mark.parametrize(
    ("argv", "frozen"), [("", True), ("sys.argv[1:]", False)], ids=["program", "library"]
)
def test_run_as_the_program_a_command_that_cannot_end_at_once_leaves_its_heap_frozen_for_the_exit(
    argv: str, frozen: bool
) -> None:
    """main() without arguments is the program (the console script, python -m confcheck). Where it cannot
    end the process at once (tests/test_fast_exit.py), here because a thread is still at work, the
    interpreter's full collections at exit need not walk what the run made (see gc_pause)."""
    run = subprocess.run(
        [sys.executable, "-c", AT_EXIT.format(argv=argv), "lint", DEMO, "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1
    assert json.loads(run.stdout)["summary"]["exit_code"] == 1
    assert run.stderr.splitlines()[-1] == f"frozen at exit: {frozen}"


HELP = """
import argparse, contextlib, io, json, sys
from confcheck import cli

def helps():
    texts = []
    for args in (["--help"], ["--version"], *([command, "--help"] for command in cli.COMMANDS)):
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer), contextlib.suppress(SystemExit):
            cli._parser(None if args[0].startswith("-") else args[0]).parse_args(args)
        texts.append(buffer.getvalue())
    return texts

ours = helps()
shutil = "shutil" in sys.modules
cli._Formatter = argparse.HelpFormatter  # as argparse alone lays it out
print(json.dumps({"ours": ours, "argparse": helps(), "shutil": shutil}), file=sys.stderr)
"""


def _helps(columns: str | None = None, terminal: int | None = None) -> dict[str, Any]:
    """Every help text as confcheck lays it out and as argparse alone would, with ``COLUMNS`` set to
    ``columns`` and standard output a pipe, or a terminal ``terminal`` columns wide."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    if columns is not None:
        env["COLUMNS"] = columns
    if terminal is None:
        run = subprocess.run(
            [sys.executable, "-c", HELP], capture_output=True, text=True, env=env, check=True
        )
        return dict(json.loads(run.stderr))
    leader, follower = pty.openpty()
    try:
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, terminal, 0, 0))
        run = subprocess.run(
            [sys.executable, "-c", HELP],
            stdout=follower,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            check=True,
        )
    finally:
        os.close(follower)
        os.close(leader)
    return dict(json.loads(run.stderr))


@pytest.mark.parametrize(
    ("columns", "terminal"),
    [
        (None, None),
        ("40", None),
        ("200", None),
        ("0", None),
        ("wide", None),
        (None, 57),
        (None, 133),
        ("70", 120),
    ],
)
def test_help_is_laid_out_at_the_width_argparse_chooses_without_shutil(
    columns: str | None, terminal: int | None
) -> None:
    """argparse asks shutil for the width at every add_argument; confcheck finds it without shutil."""
    helps = _helps(columns, terminal)
    assert helps["ours"] == helps["argparse"]
    assert helps["shutil"] is False


def test_help_is_laid_out_at_each_width_asked_for() -> None:
    """The test above could not fail if the width were ignored: a narrower window folds more lines."""
    narrow, wide, terminal = _helps("50")["ours"], _helps("150")["ours"], _helps(terminal=150)["ours"]
    assert narrow != wide
    assert terminal == wide


def test_a_terminal_of_no_columns_gets_help_eighty_columns_wide() -> None:
    """As Python 3.11's shutil says (3.10's said 0 columns: argparse then put a word or two on a line)."""
    assert _helps(terminal=0)["ours"] == _helps("80")["ours"]


def _parsed(parser: argparse.ArgumentParser, argv: list[str], capsys: pytest.CaptureFixture[str]) -> object:
    """What parsing ``argv`` gives (the arguments, or the exit code) and prints."""
    try:
        result: object = {k: getattr(v, "__name__", v) for k, v in vars(parser.parse_args(argv)).items()}
    except SystemExit as exc:
        result = exc.code
    return result, capsys.readouterr()


@pytest.mark.parametrize("command", list(cli.COMMANDS))
def test_a_command_built_alone_parses_and_speaks_as_among_every_command(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command line builds only the command asked for (start-up time); nothing it says changes."""
    monkeypatch.setenv("COLUMNS", "100")
    alone = cli._parser(command)
    assert list(next(a for a in alone._actions if a.choices).choices) == [command]  # type: ignore[arg-type]
    for argv in ([command, "--help"], [command], [command, "--bogus"], [command, "a", "b", "c"]):
        assert _parsed(alone, argv, capsys) == _parsed(cli._parser(), argv, capsys), argv


def test_the_top_level_help_lists_every_command() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "confcheck", "--help"], capture_output=True, text=True, check=True
    )
    lines = run.stdout.split("commands:")[1].splitlines()
    listed = [line.split()[0] for line in lines if line.startswith("    ") and line[4] != " "]
    assert listed == list(cli.COMMANDS)
