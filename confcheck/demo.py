"""``confcheck demo``: audit the pre-migration lab from start to finish, the way a consultant would.

It starts the lab in this process, collects it through AXL, the admin pages, DNS and TLS exactly
as a real audit does, prints the findings with their fix list, and writes the snapshot and the
reports into the output directory.

While the lab starts (its servers load their certificates with the interpreter lock released), a
thread imports what collecting will use (:func:`confcheck.collect.prepare`): the HTTP stack, zeep,
the plugins. Nothing else runs in that thread; collecting waits for it, and what it raised (a plugin
that fails to load) is raised then, as collecting would have.
"""

from __future__ import annotations

import io
import os
import sys
import threading
from pathlib import Path

from confcheck import config, output_files, plugin_manager, snapshot
from confcheck.errors import ExitCode, InputError, one_line
from confcheck.lab.runtime import Lab
from confcheck.progress import display
from confcheck.verdict import Options, judge

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


def run(scenario: str, output_dir: str | Path, progress: bool = True) -> ExitCode:
    """Audit the lab scenario; print the terminal report; write snapshot and reports to ``output_dir``."""
    out = Path(output_dir).resolve()
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
    failed: list[Exception] = []
    preparing = threading.Thread(target=_prepare, args=(failed,), name="demo-prepare", daemon=True)
    preparing.start()
    with Lab.of(scenario) as lab:
        print(f"confcheck: lab '{scenario}' running on {lab.block}.0/24; auditing it", file=sys.stderr)
        preparing.join()
        if failed:
            raise failed[0]  # what collecting would have raised (a plugin that fails to load)
        from confcheck import collect

        saved = {k: os.environ.get(k) for k in lab.environment}
        os.environ.update(lab.environment)
        try:
            inventory = config.load(lab.config_path, ask=False)
            with display(progress) as update:
                deployment = collect.collect(inventory, update)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
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


def _prepare(failed: list[Exception]) -> None:
    """Import what collecting uses (see :func:`confcheck.collect.prepare`); an error is kept in
    ``failed``, for the main thread to raise as collecting would have."""
    try:
        from confcheck import collect

        collect.prepare()
    except Exception as exc:
        failed.append(exc)
