"""The ``confcheck`` command line.

Exit codes are the same for every command: 0 nothing at or above ``--fail-on``; 1 findings (or,
for ``cert --name``, no match); 2 usage or input error; 3 collection incomplete. Heavy libraries
are imported inside the commands, so ``confcheck --version`` stays instant.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from confcheck import __version__
from confcheck.errors import ConfcheckError, ExitCode, one_line

if TYPE_CHECKING:
    from datetime import datetime

    from rich.console import Console

    from confcheck.catalog import ProductLine
    from confcheck.config import Inventory
    from confcheck.engine import CheckOptions
    from confcheck.gate import Waiver
    from confcheck.model import Deployment
    from confcheck.output_files import Outputs, Target
    from confcheck.report import Cover, Report, Reporter

FAIL_ON = ("error", "warning", "info", "never")


PAUSED = frozenset({"lint", "report", "pack", "cert", "locations", "rules", "explain", "plugins"})
"""Commands that run with the garbage collector paused from the start (see :mod:`confcheck.gc_pause`).

Their modules, what they read and what they write live to the end of the run, which is short: the
collector's walks of that growing heap, most of them while the command's modules are imported, were
about 3 ms of ``confcheck lint`` (before the lint's own pause) and 10 to 15 ms of ``confcheck cert``
(whose every socket is closed as it is done with). Not the commands that collect or serve: their
workers and sessions make garbage for as long as they run. Run as the program, every command ends the
process at once when it is done (:mod:`confcheck.fast_exit`), or where that is not safe leaves what it
made frozen for the interpreter's exit (:func:`confcheck.gc_pause.before_exit`).
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Run confcheck; returns the exit code (the console script exits with it).

    Without ``argv``, the command line is the program's own (``sys.argv``): the console script and
    ``python -m confcheck`` call it so, and the process ends with the run.
    """
    from confcheck import fast_exit, gc_pause

    program = argv is None
    argv = sys.argv[1:] if argv is None else list(argv)
    command = argv[0] if argv else None
    if program:
        fast_exit.arm()
    try:
        if command in PAUSED:
            with gc_pause.paused():
                code = _run(command, argv)
        else:
            code = _run(command, argv)
        return fast_exit.end(code)
    finally:
        if program:  # the process ends with this run (fast_exit could not end it at once)
            gc_pause.before_exit()


def _run(command: str | None, argv: list[str]) -> int:
    """Parse the command line and run the command: its exit code, whatever it raised."""
    args = _parser(command).parse_args(argv)
    try:
        return int(args.run(args))
    except ConfcheckError as exc:
        _error(str(exc))
        return int(exc.exit_code)
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # silence the flush at exit
        return int(ExitCode.OK)
    except Exception as exc:  # a bug: one line for the user, the traceback on request
        if os.environ.get("CONFCHECK_DEBUG"):
            raise
        _error(f"internal error: {type(exc).__name__}: {exc} (set CONFCHECK_DEBUG=1 for the traceback)")
        return int(ExitCode.USAGE)


def _error(message: str) -> None:
    """One line on stderr, whatever the message holds (file names may contain newlines)."""
    print(f"confcheck: error: {one_line(message)}", file=sys.stderr)


class _Formatter(argparse.HelpFormatter):
    """argparse's help layout, at the width argparse would choose, found without importing shutil.

    argparse asks ``shutil.get_terminal_size()`` for the width whenever it makes a formatter, which
    it does at every ``add_argument``: importing shutil and what it imports (bz2, lzma) was about 7
    million instructions (2 to 3 ms) of every command's start-up, for help that is rarely printed.
    """

    def __init__(
        self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None
    ) -> None:
        super().__init__(
            prog, indent_increment, max_help_position, _columns() - 2 if width is None else width
        )


def _columns() -> int:
    """``shutil.get_terminal_size().columns``: COLUMNS when a positive number, else standard output's
    terminal, else 80; a terminal that says it has no columns is 80 wide, as in Python 3.11 and later
    (3.10's shutil said 0, and argparse put a word or two on each line)."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):  # no standard output, closed, or not a terminal
        return 80


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line and a hint instead of the whole usage text."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        _error(f"{message} (see '{self.prog} --help')")
        raise SystemExit(int(ExitCode.USAGE))


def _parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line; with ``command`` (a command's name), only that command is built.

    What a command parses and says (its help, its usage errors) is made by its own parser alone, so
    the other commands, some 80 arguments in all, need not be made (a few ms of every run's
    start-up); anything else (``--help``, ``--version``, a command that does not exist) has them all.
    """
    parser = _Parser(
        prog="confcheck",
        description="Check every server name handed to Jabber clients against the certificate its server presents.",
        epilog="Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or input error, 3 collection incomplete.",
    )
    parser.add_argument("--version", action="version", version=f"confcheck {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True, parser_class=_Parser)

    for name, add in COMMANDS.items():
        if command not in COMMANDS or name == command:
            add(commands)
    return parser


# --- lint, audit, pack, report and snapshot: from a deployment to a verdict ----------------------


def _lint_command(commands: Any) -> None:
    lint = commands.add_parser("lint", help="check a snapshot offline and print findings with their fixes")
    lint.add_argument("snapshot", metavar="SNAPSHOT", help="snapshot JSON file ('-' reads standard input)")
    _output_options(lint, offline=True)
    lint.set_defaults(run=_lint)


def _audit_command(commands: Any) -> None:
    audit = commands.add_parser(
        "audit", help="collect the inventory's clusters and check them (snapshot + lint)"
    )
    audit.add_argument("--config", required=True, metavar="FILE", help="the inventory, confcheck.toml")
    audit.add_argument("--save-snapshot", metavar="PATH", help="also write the collected snapshot here")
    audit.add_argument("--no-progress", action="store_true", help="no progress display on standard error")
    audit.add_argument(
        "--pack",
        metavar="DIR",
        help="also write the remediation pack to DIR (new or empty), as confcheck pack does",
    )
    _output_options(audit)
    audit.set_defaults(run=_audit)


def _pack_command(commands: Any) -> None:
    pack = commands.add_parser(
        "pack", help="write the remediation pack: CSR plan, trust files, change file, runbook"
    )
    pack.add_argument(
        "source", metavar="SNAPSHOT|REPORT.json", help="a snapshot, or a report from --format json"
    )
    pack.add_argument("--output-dir", required=True, metavar="DIR", help="the pack directory (new or empty)")
    pack.add_argument(
        "--config",
        metavar="FILE",
        help="read [[waiver]] and [check] (trust store, key size) from this confcheck.toml",
    )
    pack.add_argument(
        "--at", type=_moment, metavar="DATE", help="judge certificate validity at this date or UTC time"
    )
    pack.add_argument(
        "--force", action="store_true", help="replace DIR and everything in it if it is not empty"
    )
    pack.set_defaults(run=_pack)


def _report_command(commands: Any) -> None:
    rerender = commands.add_parser(
        "report", help="render a stored snapshot or JSON report again, in other formats, without any server"
    )
    rerender.add_argument(
        "source", metavar="SNAPSHOT|REPORT.json", help="a snapshot, or a report from --format json"
    )
    rerender.add_argument("--format", default="terminal", help="standard output's format (default: terminal)")
    rerender.add_argument(
        "-o",
        "--output",
        action="append",
        default=[],
        metavar="FORMAT=PATH",
        help="write a report file (repeatable)",
    )
    rerender.add_argument(
        "--fail-on", choices=FAIL_ON, default="error", help="for a snapshot: the threshold (default: error)"
    )
    _cover_options(rerender)
    rerender.set_defaults(run=_report)


def _snapshot_command(commands: Any) -> None:
    snap = commands.add_parser("snapshot", help="collect the inventory's clusters into a snapshot file")
    snap.add_argument("--config", required=True, metavar="FILE", help="the inventory, confcheck.toml")
    snap.add_argument(
        "-o", "--output", required=True, metavar="PATH", help="where to write the snapshot JSON"
    )
    snap.add_argument("--no-progress", action="store_true", help="no progress display on standard error")
    snap.set_defaults(run=_snapshot)


def _journey_command(commands: Any) -> None:
    """journey: Jabber's sign-in, hop by hop, per services domain and client platform."""
    journey = commands.add_parser(
        "journey",
        help="show Jabber's sign-in, inside and outside, hop by hop: which platforms are prompted where",
    )
    journey.add_argument(
        "snapshot",
        nargs="?",
        metavar="SNAPSHOT",
        help="a snapshot (offline); without one, --config is collected",
    )
    journey.add_argument(
        "--config",
        metavar="FILE",
        help="with SNAPSHOT: read [check] (the trust stores per platform) from it; without: the inventory to collect",
    )
    journey.add_argument(
        "--format", default="text", help="standard output's format: text (default), svg, json"
    )
    journey.add_argument(
        "-o",
        "--output",
        action="append",
        default=[],
        metavar="FORMAT=PATH",
        help="also write the journey to a file, e.g. -o svg=journey.svg (repeatable)",
    )
    journey.add_argument(
        "--at", type=_moment, metavar="DATE", help="judge certificate validity at this date or UTC time"
    )
    journey.add_argument("--no-progress", action="store_true", help="no progress display on standard error")
    journey.set_defaults(run=_journey)


def _journey(args: argparse.Namespace) -> ExitCode:
    from confcheck.journey_command import run

    return run(args.snapshot, args.config, args.format, args.output, args.at, not args.no_progress)


# --- lab and demo: the simulated deployment -------------------------------------------------


def _lab_command(commands: Any) -> None:
    lab = commands.add_parser(
        "lab", help="run a simulated deployment on loopback and print its confcheck.toml"
    )
    lab.add_argument(
        "--scenario", default="pre-migration", help="built-in scenario name or a scenario .toml file"
    )
    lab.add_argument("--list", action="store_true", help="list the built-in scenarios")
    lab.add_argument(
        "--workdir", metavar="DIR", help="where to write confcheck.toml and the lab CA (default: a temp dir)"
    )
    lab.set_defaults(run=_lab)


def _demo_command(commands: Any) -> None:
    demo = commands.add_parser("demo", help="audit the built-in pre-migration lab and write its reports")
    demo.add_argument(
        "--output-dir", default="confcheck-demo", metavar="DIR", help="default: ./confcheck-demo"
    )
    demo.add_argument("--scenario", default="pre-migration", help="the lab scenario to audit")
    demo.set_defaults(run=_demo)


# --- cert, locations, rules, explain and plugins: what confcheck knows ------------------------


def _cert_command(commands: Any) -> None:
    cert = commands.add_parser("cert", help="show certificates and match a name against them")
    cert.add_argument(
        "sources",
        nargs="+",
        metavar="SOURCE",
        help="PEM, DER or PKCS#7 file (leaf first), or an endpoint: https://host[:8443], tls://host:port, "
        "xmpp://host[:5222] (STARTTLS), imap://host[:143] (STARTTLS), imaps://host[:993]",
    )
    cert.add_argument(
        "--name",
        help="configured name to match against the leaf certificate; for endpoints also the name sent "
        "(TLS SNI, or the XMPP domain of the stream)",
    )
    cert.add_argument(
        "--profile", choices=("http", "xmpp"), default="http", help="identity profile (default: http)"
    )
    cert.add_argument("--format", choices=("text", "json"), default="text")
    cert.add_argument(
        "--timeout", type=_seconds, default=5.0, help="connect and read timeout per endpoint (default 5 s)"
    )
    cert.set_defaults(run=_cert)


def _locations_command(commands: Any) -> None:
    locations = commands.add_parser("locations", help="list every admin setting that hands a name to clients")
    locations.add_argument("--format", choices=("text", "json"), default="text")
    locations.set_defaults(run=_locations)


def _rules_command(commands: Any) -> None:
    rules = commands.add_parser("rules", help="list every rule with its documentation")
    rules.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    rules.set_defaults(run=_rules)


def _explain_command(commands: Any) -> None:
    explain = commands.add_parser("explain", help="show one rule's documentation")
    explain.add_argument("code", metavar="CODE", help="rule code (CC101) or name (name-mismatch)")
    explain.set_defaults(run=_explain)


def _plugins_command(commands: Any) -> None:
    plugins = commands.add_parser("plugins", help="list installed plugins and the hooks they implement")
    plugins.set_defaults(run=_plugins)


COMMANDS: dict[str, Callable[[Any], None]] = {
    "lint": _lint_command,
    "audit": _audit_command,
    "pack": _pack_command,
    "report": _report_command,
    "snapshot": _snapshot_command,
    "journey": _journey_command,
    "lab": _lab_command,
    "demo": _demo_command,
    "cert": _cert_command,
    "locations": _locations_command,
    "rules": _rules_command,
    "explain": _explain_command,
    "plugins": _plugins_command,
}
"""Each command and what adds it to the command line, in the order ``confcheck --help`` lists them."""


def _cover_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--title", help="the report's title in every human format (or [report] title)")
    command.add_argument("--customer", help="who the report is for (or [report] customer)")


def _output_options(command: argparse.ArgumentParser, offline: bool = False) -> None:
    command.add_argument("--format", default="terminal", help="standard output's format (default: terminal)")
    _cover_options(command)
    command.add_argument(
        "-o",
        "--output",
        action="append",
        default=[],
        metavar="FORMAT=PATH",
        help="also write a report to a file, e.g. -o html=report.html -o sarif=confcheck.sarif (repeatable)",
    )
    command.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default="error",
        help="lowest severity that makes the exit code 1 (default: error)",
    )
    command.add_argument(
        "--select",
        action="append",
        default=[],
        metavar="CODES",
        help="only these rules or prefixes (CC1,CC203)",
    )
    command.add_argument(
        "--ignore", action="append", default=[], metavar="CODES", help="not these rules or prefixes"
    )
    command.add_argument(
        "--at",
        type=_moment,
        metavar="DATE",
        help="judge certificate validity at this date or UTC time, e.g. the migration weekend "
        "(YYYY-MM-DD or YYYY-MM-DDTHH:MM; default: now)",
    )
    command.add_argument(
        "--baseline", metavar="FILE", help="findings in this baseline are shown as suppressed, never counted"
    )
    command.add_argument(
        "--create-baseline", metavar="FILE", help="write today's findings as a baseline (and apply it)"
    )
    if offline:
        command.add_argument(
            "--config",
            metavar="FILE",
            help="read [[waiver]] and [check] (trust store, expiry warning, key size) from this confcheck.toml",
        )
        command.add_argument(
            "--changes",
            metavar="FILE",
            help="apply a proposed change (a change file) and judge what it introduces",
        )


def _lint(args: argparse.Namespace) -> ExitCode:
    from confcheck import engine, plugin_manager, snapshot
    from confcheck.engine import CheckOptions
    from confcheck.report import Cover

    outputs = _outputs(args, (args.snapshot, args.config, args.baseline, args.changes))  # before any work
    deployment = snapshot.read(args.snapshot, plugin_manager.catalog(), engine.prepare)
    if args.config:
        from confcheck import config

        waivers, options, cover = config.load_offline(args.config)
    else:
        waivers, options, cover = (), CheckOptions(), Cover()
    return check(deployment, args, args.snapshot, waivers, options, outputs, cover)


def _audit(args: argparse.Namespace) -> ExitCode:
    from confcheck import config, gate, output_files, snapshot

    outputs = _outputs(args, (args.config, args.baseline))
    saved = None
    if args.pack:
        from pathlib import Path

        from confcheck.pack import output

        output.check_target(Path(args.pack), False, (args.config,))  # before collecting
    if args.save_snapshot:
        saved = output_files.check(
            args.save_snapshot, "the snapshot", (args.config, args.baseline), outputs.all
        )
    inventory = config.load(args.config)
    if args.baseline:
        gate.read_baseline(args.baseline)  # an unreadable baseline fails now, not after collecting
    deployment = _collect(inventory, progress=not args.no_progress)
    try:
        if saved is not None:
            output_files.write(saved, snapshot.dumps(deployment), "the snapshot")
        return check(
            deployment, args, args.config, inventory.waivers, inventory.check, outputs, inventory.cover
        )
    except ConfcheckError as exc:
        raise _rescued(exc, deployment, saved) from None


def _rescued(exc: ConfcheckError, deployment: Deployment, saved: Target | None) -> ConfcheckError:
    """The error of a write after collecting, saying where the collected snapshot is kept."""
    from confcheck import output_files, snapshot

    if saved is not None and os.path.isfile(saved.path):
        return ConfcheckError(f"{exc}; the collected snapshot is in {saved.shown}")
    try:
        path = output_files.rescue(snapshot.dumps(deployment))
    except OSError as error:
        return ConfcheckError(f"{exc}; the collected snapshot could not be saved either ({error})")
    return ConfcheckError(f"{exc}; the collected snapshot is saved in {path} (confcheck report {path})")


def _report(args: argparse.Namespace) -> ExitCode:
    from confcheck import inputs, plugin_manager
    from confcheck.records import replace
    from confcheck.reports import json as json_report

    outputs = _outputs(args, (args.source,))
    data = inputs.read_json(args.source, inputs.SNAPSHOT_BYTES, "a snapshot or a JSON report")
    if isinstance(data, dict) and "summary" not in data:  # a report has a summary, a snapshot has none
        from confcheck import engine, snapshot
        from confcheck.verdict import Options, judge

        deployment = snapshot.from_data(data, plugin_manager.catalog(), args.source, engine.prepare)
        report = judge(deployment, Options(fail_on=args.fail_on), args.source)
    else:
        report = json_report.read(data, args.source)
    report = replace(report, cover=_cover(args, report.cover))
    _write(report, reporter_for(args.format), outputs.reports)
    return report.exit_code


def _pack(args: argparse.Namespace) -> ExitCode:
    from confcheck.pack.command import run

    return run(args.source, args.output_dir, args.config, args.at, args.force)


def _snapshot(args: argparse.Namespace) -> ExitCode:
    from confcheck import config, engine, output_files, plugin_manager, snapshot

    target = output_files.check(args.output, "the snapshot", (args.config,), stdout=True)
    deployment = _collect(config.load(args.config), progress=not args.no_progress)
    text = snapshot.dumps(deployment)
    try:
        if target.stdout:
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            output_files.write(target, text, "the snapshot")
    except ConfcheckError as exc:
        raise _rescued(exc, deployment, None) from None
    incomplete = engine.Context(deployment, plugin_manager.catalog()).incomplete
    clusters, problems = len(deployment.clusters), len(deployment.problems)
    print(
        f"confcheck: wrote {target.shown}: {clusters} clusters, {problems} collection problems",
        file=sys.stderr,
    )
    return ExitCode.INCOMPLETE if incomplete else ExitCode.OK


def _collect(inventory: Inventory, progress: bool) -> Deployment:
    """Collect the inventory; announce connections that skip TLS verification, on stderr."""
    from confcheck import collect
    from confcheck.progress import display

    for cluster in inventory.clusters:
        if cluster.tls.insecure:
            print(
                f"confcheck: warning: {cluster.name}: TLS is not verified (insecure = true); "
                "credentials go to whoever answers",
                file=sys.stderr,
            )
    with display(progress) as report:
        return collect.collect(inventory, report)


def reporter_for(name: str) -> Reporter:
    from confcheck import plugin_manager

    reporter = plugin_manager.reporter(name)
    if reporter is None:
        choices = ", ".join(sorted(plugin_manager.reporters()))
        raise ConfcheckError(f"unknown format {name!r} (choose from {choices})")
    return reporter


def _outputs(args: argparse.Namespace, inputs: Sequence[str | None]) -> Outputs:
    """The report files asked for with -o FORMAT=PATH, and --create-baseline, checked before any work.

    ``inputs`` are the files the command reads: none of them may be written over.
    """
    from confcheck import output_files

    reporter_for(args.format)
    reports: list[tuple[Reporter, Target]] = []
    for spec in args.output:
        name, _, path = spec.partition("=")
        if not path:
            raise ConfcheckError(f"-o {spec}: expected FORMAT=PATH, e.g. -o html=report.html")
        reporter = reporter_for(name.strip())
        what = f"the {reporter.name} report"
        reports.append((reporter, output_files.check(path, what, inputs, [t for _, t in reports])))
    baseline = None
    if getattr(args, "create_baseline", None):
        taken = [t for _, t in reports]
        baseline = output_files.check(args.create_baseline, "the baseline", inputs, taken)
    return output_files.Outputs(reports, baseline)


def _codes(values: list[str]) -> tuple[str, ...]:
    codes = tuple(c.strip().upper() for v in values for c in v.split(",") if c.strip())
    for code in codes:
        if not re.fullmatch(r"CC\d{0,3}", code):
            raise ConfcheckError(f"{code!r} is not a rule code or prefix (CC102, CC1)")
    return codes


def check(
    deployment: Deployment,
    args: argparse.Namespace,
    source: str,
    waivers: tuple[Waiver, ...] = (),
    check_options: CheckOptions | None = None,
    outputs: Outputs | None = None,
    cover: Cover | None = None,
) -> ExitCode:
    """Judge a deployment and write the reports: the shared end of lint and audit."""
    from pathlib import Path

    from confcheck import fast_exit, gate, gc_pause
    from confcheck.engine import CheckOptions
    from confcheck.report import Cover
    from confcheck.verdict import Options, judge

    baseline = gate.read_baseline(args.baseline) if args.baseline else frozenset()
    verdict = Options(
        fail_on=args.fail_on,
        gate=gate.Gate(_codes(args.select), _codes(args.ignore), waivers, baseline, args.baseline or ""),
        create_baseline=Path(args.create_baseline) if args.create_baseline else None,
        changes=Path(args.changes) if getattr(args, "changes", None) else None,
        check=check_options or CheckOptions(),
        at=args.at,
        cover=_cover(args, cover or Cover()),
    )
    outputs = outputs or _outputs(args, (source, args.baseline))
    with gc_pause.paused():  # what is judged and written lives to the end of the run (see gc_pause)
        report = judge(deployment, verdict, source)
        fast_exit.keep(report)
        if getattr(args, "pack", None):
            from confcheck.pack.command import write_for_audit

            write_for_audit(report, verdict.check, args.pack, args.config, args.at, args.save_snapshot)
        if outputs.baseline is not None:
            print(
                f"confcheck: wrote the baseline {outputs.baseline.shown} ({len(report.suppressed)} findings)",
                file=sys.stderr,
            )
        _write(report, reporter_for(args.format), outputs.reports)
    return report.exit_code


def _cover(args: argparse.Namespace, configured: Cover) -> Cover:
    """``--title`` and ``--customer`` over ``[report]`` of confcheck.toml."""
    from confcheck.report import Cover

    return Cover(args.title or configured.title, args.customer or configured.customer)


def _write(report: Report, stdout: Reporter, outputs: list[tuple[Reporter, Target]]) -> None:
    """Every -o file, all or none (saying so on stderr), then standard output."""
    from confcheck import output_files

    rendered = []
    for reporter, target in outputs:
        buffer = io.StringIO()
        reporter.write(report, buffer)
        rendered.append((target, buffer.getvalue(), f"the {reporter.name} report"))
    output_files.write_all(rendered)
    for reporter, target in outputs:
        print(f"confcheck: wrote the {reporter.name} report to {target.shown}", file=sys.stderr)
    stdout.write(report, sys.stdout)


def _lab(args: argparse.Namespace) -> ExitCode:
    import threading
    from pathlib import Path

    from confcheck.lab import scenario
    from confcheck.lab.runtime import Lab

    if args.list:
        for name in scenario.names():
            description = " ".join(scenario.load(name).description.split())
            print(f"{name:<22} {description}")
        return ExitCode.OK
    lab = Lab(scenario.load(args.scenario), Path(args.workdir) if args.workdir else None)
    with lab:
        print(lab.config_text)
        print("# Passwords for this lab (not secrets):")
        for variable, value in lab.environment.items():
            print(f"export {variable}={value}")
        print(f"# written to {lab.config_path}; audit with: confcheck audit --config {lab.config_path}")
        print("# The lab runs until you press Ctrl-C.", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("confcheck: lab stopped", file=sys.stderr)
    return ExitCode.OK


def _demo(args: argparse.Namespace) -> ExitCode:
    from confcheck import gc_pause

    # What the demo makes (its modules, the lab, the collected model, the reports) lives to the end of
    # the run: the collector's walks of that growing heap were some 60 ms of its second (see gc_pause).
    with gc_pause.paused():
        from confcheck.demo import run

        return run(args.scenario, args.output_dir)


def _cert(args: argparse.Namespace) -> ExitCode:
    from confcheck.cert_command import run

    return run(args.sources, args.name, args.profile, args.format, sys.stdout, args.timeout)


def _moment(text: str) -> datetime:
    from datetime import datetime, timezone

    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (YYYY-MM-DD or YYYY-MM-DDTHH:MM)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value <= 600:
        raise argparse.ArgumentTypeError("must be between 0 and 600 seconds")
    return value


def _locations(args: argparse.Namespace) -> ExitCode:
    import json

    from confcheck import plugin_manager

    lines = plugin_manager.catalog().lines
    if args.format == "json":
        data = [
            {
                "line": line.id,
                "product": line.product,
                "versions": line.versions,
                "admin": line.admin,
                "note": line.note,
                "locations": [
                    {
                        "id": loc.id,
                        "menu": line.where(loc),
                        "field": loc.field,
                        "profile": loc.profile,
                        "checked_against": loc.checked_against,
                        "scope": loc.target.scope,
                        "purpose": loc.target.purpose,
                        "note": loc.note,
                    }
                    for loc in line.locations
                ],
            }
            for line in lines
        ]
        json.dump(data, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return ExitCode.OK
    from confcheck.console import console

    with console(sys.stdout) as con:
        _print_locations(lines, con)
    return ExitCode.OK


def _print_locations(lines: Sequence[ProductLine], con: Console) -> None:
    from rich.table import Table
    from rich.text import Text

    from confcheck.model import PRODUCT_TITLES

    for line in lines:
        con.print(
            Text(f"{PRODUCT_TITLES[line.product]} {line.versions} ({line.id}) · {line.admin}", style="bold")
        )
        if line.note:
            con.print(Text(f"  {line.note}"))
        table = Table(box=None, pad_edge=False, show_header=bool(line.locations), header_style="dim")
        for column in ("location", "menu path", "field", "profile", "must match"):
            table.add_column(column, overflow="fold", no_wrap=column == "location")  # ids are copied whole
        for loc in line.locations:
            menu = loc.menu if loc.admin is None else line.where(loc)  # changed in another application
            table.add_row(loc.id, menu, loc.field or "", loc.profile, loc.checked_against)
        if line.locations:
            con.print(table)
        con.print()


def _rules(args: argparse.Namespace) -> ExitCode:
    import json

    from confcheck import plugin_manager
    from confcheck.rule import markdown

    rules = plugin_manager.rules()
    if args.format == "json":
        data = [
            {
                "code": r.code,
                "name": r.name,
                "severity": r.severity.value,
                "summary": r.summary,
                "sections": r.sections,
            }
            for r in rules
        ]
        json.dump(data, sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif args.format == "markdown":
        sys.stdout.write(markdown(rules))
    else:
        width = max(len(r.name) for r in rules)
        for r in rules:
            print(f"{r.code}  {r.name:<{width}}  {r.severity.value:<7}  {r.summary}")
    return ExitCode.OK


def _explain(args: argparse.Namespace) -> ExitCode:
    from confcheck import plugin_manager

    wanted = args.code.strip()
    for rule in plugin_manager.rules():
        if wanted.upper() == rule.code or wanted.lower() == rule.name:
            _markdown(rule.markdown)
            return ExitCode.OK
    raise ConfcheckError(f"unknown rule {wanted!r} (see confcheck rules)")


def _markdown(text: str) -> None:
    """Markdown rendered for a person at a terminal; as it is for a pipe or a file (it is the source)."""
    from confcheck.console import wants_color

    if not wants_color(sys.stdout):
        sys.stdout.write(text)
        return
    from rich.console import Console
    from rich.markdown import Markdown

    Console(file=sys.stdout, highlight=False, emoji=False).print(Markdown(text))


def _plugins(args: argparse.Namespace) -> ExitCode:
    from confcheck import plugin_manager

    for name, module, hooks in plugin_manager.plugins():
        print(f"{name:<18} {module:<32} {', '.join(hooks)}")
    return ExitCode.OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
