"""``confcheck demo``: audit the pre-migration lab from start to finish, the way a consultant would.

It starts the lab, collects it through AXL, the admin pages, DNS and TLS exactly as a real audit
does, prints the findings with their fix list, and writes the snapshot and the reports into the
output directory.

The lab runs in a child process forked first thing (:mod:`confcheck.lab.forked`; only the largest
imports both processes need come before, see :data:`SHARED`): in one process the lab's servers and
the collector share one interpreter lock, and the lab's imports and certificates wait for this
process's imports. While the child imports the lab's modules, this process checks the output
directory (loading the reporters); once the directory is known to be usable the child starts the
lab, and meanwhile this process imports what collecting uses (:func:`confcheck.collect.prepare`).
Where forking is not sound (no ``os.fork``, or other threads in this process: a child could inherit a
lock one of them holds) the lab runs in this process, one step after the other: a thread importing
while the lab started saved nothing measurable there. Either way the output and the errors are the
same: an error the lab raises in the child is raised here, as it was raised there.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

from confcheck import parallel
from confcheck.errors import ExitCode, InputError, one_line
from confcheck.lab import forked

if TYPE_CHECKING:
    from confcheck.config import Inventory
    from confcheck.model import Deployment

PACKAGE = Path(__file__).resolve().parent
REPORTS = (
    ("json", "report.json"),
    ("terminal", "report.txt"),
    ("html", "report.html"),
    ("markdown", "report.md"),
    ("sarif", "report.sarif"),
    ("junit", "report.junit.xml"),
    ("csv", "report.csv"),
)
"""Report files the demo writes, by format (each when its reporter is installed)."""
SHARED = ("cryptography.x509", "dns.message", "ssl", "lxml.etree", "confcheck.model")
"""The largest imports both processes make (X.509, DNS messages, TLS, XML, the deployment's model:
some 0.1 s), made once, before the fork. Made in each, they would cost that CPU twice for the same
finish (this process needs them before it collects either way), and more where other programs want
the cores too."""


def run(scenario: str, output_dir: str | Path, progress: bool = True) -> ExitCode:
    """Audit the lab scenario; print the terminal report; write snapshot and reports to ``output_dir``."""
    child = None
    if parallel.may_fork():  # first: see the module's docstring
        for name in SHARED:
            import_module(name)
        with contextlib.suppress(OSError):  # no process to spare: the lab runs in this one
            child = forked.ForkedLab(scenario)
    try:
        return _audit(scenario, Path(output_dir), progress, child)
    finally:
        if child is not None:
            child.close()


def _audit(scenario: str, output_dir: Path, progress: bool, child: forked.ForkedLab | None) -> ExitCode:
    """The demo, with the lab in ``child`` (None: in this process)."""
    from confcheck import output_files, plugin_manager

    out = output_dir.resolve()
    if (
        out == PACKAGE
        or PACKAGE in out.parents
        or (out.name == "reports" and (out.parent / "rules").is_dir())
    ):
        raise InputError(f"{out}: refusing to write demo output into confcheck's own source tree")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out}: cannot make the output directory ({exc.strerror or exc})") from None
    reporters = plugin_manager.reporters()
    files = [("snapshot", "snapshot.json")] + [(n, f) for n, f in REPORTS if n in reporters]
    targets = [output_files.check(out / filename, f"the demo's {filename}") for _, filename in files]
    if child is not None:
        child.start()  # the output directory is fine: the lab may start, while this process imports
    from confcheck import collect, snapshot
    from confcheck.verdict import Options, judge

    if child is None:
        from confcheck.lab.runtime import Lab

        with Lab.of(scenario) as lab:
            assert lab.block is not None
            _started(scenario, lab.block)
            collect.prepare()
            inventory, deployment = _collect(lab.environment, lab.config_path, progress)
    else:
        try:
            collect.prepare()
            failed = None
        except Exception as exc:  # raised once the lab runs, as collecting would have
            failed = exc
        running = child.running()  # the lab's own error comes first, as in one process
        _started(scenario, running.block)
        if failed is not None:
            raise failed
        inventory, deployment = _collect(running.environment, running.config_path, progress)
        child.stop()  # the child stops its lab while this process judges and writes
    report = judge(deployment, Options(check=inventory.check, cover=inventory.cover), f"lab:{scenario}")
    texts = [snapshot.dumps(deployment)]
    for name, _ in files[1:]:
        buffer = io.StringIO()
        reporters[name].write(report, buffer)
        texts.append(buffer.getvalue())
    output_files.write_all(
        [(target, text, filename) for target, text, (_, filename) in zip(targets, texts, files, strict=True)]
    )
    written = [filename for _, filename in files]
    reporters["terminal"].write(report, sys.stdout)
    print(f"confcheck: wrote {', '.join(written)} to {one_line(str(out))}", file=sys.stderr)
    return report.exit_code


def _started(scenario: str, block: str) -> None:
    print(f"confcheck: lab '{scenario}' running on {block}.0/24; auditing it", file=sys.stderr)


def _collect(environment: dict[str, str], config_path: Path, progress: bool) -> tuple[Inventory, Deployment]:
    """Collect the lab the inventory at ``config_path`` describes, its passwords in the environment for
    the time it takes."""
    from confcheck import collect, config
    from confcheck.progress import display

    saved = {k: os.environ.get(k) for k in environment}
    os.environ.update(environment)
    try:
        inventory = config.load(config_path, ask=False)
        with display(progress) as update:
            return inventory, collect.collect(inventory, update)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
