"""Fuzzing every file confcheck reads: mutated snapshots, reports, baselines, inventories, change files.

Each mutation (text edits such as cuts, stray brackets, huge numbers, NULs, deep nesting and
duplicated keys; or a JSON element replaced, removed or joined by another) goes through the
command line in-process, as a user would run it. Whatever the file holds, the run ends with exit
code 0, 1, 2 or 3; an error is one line on stderr and never an internal error or a traceback;
and it stays within a few seconds and a bounded amount of memory.

Deterministic (derandomized) and quick by default; ``CONFCHECK_FUZZ_EXAMPLES=2000`` runs more, and
``CONFCHECK_FUZZ_RANDOM=1`` draws new examples each run (to explore, not for CI).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from confcheck import cli, config
from confcheck.errors import ConfcheckError

ROOT = Path(__file__).parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*-snapshot.json"))
DEMO = ROOT / "examples" / "demo-snapshot.json"
FORMATS = ("json", "terminal", "html", "markdown", "sarif", "junit", "csv")
SECONDS = 10.0
"""Longest a run of confcheck on one mutated example may take (they take well under a second)."""
PEAK_BYTES = 300 * 2**20
"""Most memory Python may allocate at once for one run (tracemalloc's peak)."""

FUZZ = settings(
    max_examples=int(os.environ.get("CONFCHECK_FUZZ_EXAMPLES", "25")),
    derandomize=not os.environ.get("CONFCHECK_FUZZ_RANDOM"),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

TOKENS = (
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    '"',
    "\\",
    "\x00",
    "\\ud800",
    "null",
    "true",
    "-0",
    "1e999",
    "NaN",
    "9" * 5000,
    "[" * 3000,
    "{" * 3000,
    '"' + "x" * 70_000 + '"',
    "\n[[change]]\n",
    "\n[check]\n",
    "= 1\n",
    "0001-01-01T00:00:00+23:59",
    "\u202e",
    "é",
)


@st.composite
def text_edits(draw: st.DrawFn, text: str) -> str:
    """``text`` with one to four edits: a cut, an insertion, a duplicated span, a replaced span."""
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(text)))
        end = min(len(text), start + draw(st.integers(0, 80)))
        kind = draw(st.sampled_from(("cut", "insert", "duplicate", "replace", "truncate")))
        token = draw(st.sampled_from(TOKENS) | st.text(max_size=8))
        if kind == "cut":
            text = text[:start] + text[end:]
        elif kind == "insert":
            text = text[:start] + token + text[start:]
        elif kind == "duplicate":
            text = text[:end] + text[start:end] + text[end:]
        elif kind == "replace":
            text = text[:start] + token + text[end:]
        else:
            text = text[:start]
    return text


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.sampled_from(("", "cucm", "9.1", "hq-cucm", "tomcat", "https", "2026-11-27T06:00:00Z", "CC101")),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


def places(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value (lists: their first three items)."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((*at, key))
            found += places(item, (*at, key))
    elif isinstance(value, list):
        for index, item in enumerate(value[:3]):
            found.append((*at, index))
            found += places(item, (*at, index))
    return found


@st.composite
def json_edits(draw: st.DrawFn, text: str) -> str:
    """The document with elements replaced, removed or given an extra key; or a text edit."""
    if draw(st.booleans()):
        return draw(text_edits(text))
    data = json.loads(text)
    for _ in range(draw(st.integers(1, 3))):
        targets = places(data)
        if not targets:
            break
        path = draw(st.sampled_from(targets))
        doc = data
        for key in path[:-1]:
            doc = doc[key]
        kind = draw(st.sampled_from(("replace", "delete", "extra")))
        if kind == "delete":
            del doc[path[-1]]
        elif kind == "extra" and isinstance(doc, dict):
            doc[draw(st.text(max_size=8))] = draw(JSON_VALUES)
        else:
            doc[path[-1]] = draw(JSON_VALUES)
    return json.dumps(data)


def run(*args: str) -> tuple[int, str, str]:
    """``confcheck ARGS`` in this process: exit code, stdout, stderr; bounded in time and memory."""
    out, err = io.StringIO(), io.StringIO()
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main(list(args))
            except SystemExit as exc:
                code = int(exc.code or 0)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < SECONDS, f"{args}: {elapsed:.1f} s"
    assert peak < PEAK_BYTES, f"{args}: {peak / 2**20:.0f} MiB"
    return code, out.getvalue(), err.getvalue()


def check(code: int, err: str) -> None:
    """What every run must look like to its user, whatever the input."""
    assert code in (0, 1, 2, 3), err
    assert "Traceback" not in err
    assert "internal error" not in err, err
    lines = err.splitlines()
    assert all(line.startswith("confcheck: ") for line in lines), err
    if code == 2:
        assert len(lines) == 1, err
        assert lines[0].startswith("confcheck: error: "), err


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module")
def report_text(workdir: Path) -> str:
    path = workdir / "base-report.json"
    code, _, err = run("lint", str(DEMO), "-o", f"json={path}", "--format", "csv")
    assert code == 1, err
    return path.read_text(encoding="utf-8")


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_mutated_snapshots(example: Path, workdir: Path) -> None:
    base = example.read_text(encoding="utf-8")

    @FUZZ
    @given(text=json_edits(base), output=st.sampled_from(FORMATS))
    def fuzz(text: str, output: str) -> None:
        path = write(workdir / f"{example.stem}.json", text)
        code, _, err = run("lint", str(path), "--format", output, "--at", "2026-12-01")
        check(code, err)

    fuzz()


def test_mutated_reports(report_text: str, workdir: Path) -> None:
    @FUZZ
    @given(text=json_edits(report_text), output=st.sampled_from(FORMATS))
    def fuzz(text: str, output: str) -> None:
        path = write(workdir / "report.json", text)
        code, _, err = run("report", str(path), "--format", output)
        check(code, err)

    fuzz()


def test_mutated_baselines(workdir: Path) -> None:
    baseline = workdir / "base-baseline.json"
    assert run("lint", str(DEMO), "--create-baseline", str(baseline), "--format", "json")[0] == 0
    base = baseline.read_text(encoding="utf-8")

    @FUZZ
    @given(text=json_edits(base))
    def fuzz(text: str) -> None:
        path = write(workdir / "baseline.json", text)
        code, _, err = run("lint", str(DEMO), "--baseline", str(path), "--format", "json")
        check(code, err)

    fuzz()


INVENTORY = """\
[collect]
timeout = 5
concurrency = 8
dns_server = "127.0.0.1:53"

[check]
expiry_warning_days = 30
min_rsa_bits = 2048

[[cluster]]
name = "hq-cucm"
product = "cucm"
publisher = "cucm1.example.com"
username = "axlaudit"
password_env = "FUZZ_PASSWORD"
[cluster.tls]
insecure = true

[[cluster]]
name = "hq-cuc"
product = "unity"
version = "9.1.2"
publisher = "cuc1.example.com"
nodes = ["cuc2.example.com"]

[[external]]
name = "mail.example.com"
url = "imaps://mail.example.com"
purpose = "mailstore"

[[waiver]]
rule = "CC105"
target = "hq-cuc"
reason = "accepted until the upgrade"
expires = 2099-06-30
"""


def test_mutated_inventories(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Read as audit reads them (never collected: a fuzzed inventory must not reach any server)."""
    monkeypatch.setenv("FUZZ_PASSWORD", "not-a-secret")

    @FUZZ
    @given(text=text_edits(INVENTORY))
    def fuzz(text: str) -> None:
        path = write(workdir / "confcheck.toml", text)
        started = time.perf_counter()
        with contextlib.suppress(ConfcheckError):
            config.load(path, ask=False)
        assert time.perf_counter() - started < SECONDS
        code, _, err = run("lint", str(DEMO), "--config", str(path), "--format", "json")
        check(code, err)

    fuzz()


CHANGES = """\
[[change]]
cluster = "hq-imp"
set = "imp9.tftp-primary"
value = "cucm1.acme.example"

[[change]]
cluster = "hq-cucm"
rename = "10.10.0.11"
to = "cucm1.acme.example"

[[change]]
cluster = "hq-cuc"
node = "cuc1.acme.example"
purpose = "tomcat"
certificate = "new.pem"
"""


def test_mutated_change_files(workdir: Path) -> None:
    from helpers import root_ca

    from confcheck import pki

    (workdir / "new.pem").write_text(
        pki.server("cuc1.acme.example", ["cuc1.acme.example"], issuer=root_ca()).pem
    )

    @FUZZ
    @given(text=text_edits(CHANGES), output=st.sampled_from(FORMATS))
    def fuzz(text: str, output: str) -> None:
        path = write(workdir / "changes.toml", text)
        code, _, err = run("lint", str(DEMO), "--changes", str(path), "--format", output)
        check(code, err)

    fuzz()


# --- a few cases as a real process, with a memory cap and a timeout -----------------------------


def limited(*args: str) -> subprocess.CompletedProcess[str]:
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))

    return subprocess.run(
        [sys.executable, "-m", "confcheck", *args],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=cap,
        stdin=subprocess.DEVNULL,
        check=False,
    )


SUBPROCESS_CASES: dict[str, Callable[[str], str]] = {
    "truncated": lambda text: text[: len(text) // 2],
    "deep": lambda text: text.replace('"clusters": [', '"clusters": ' + "[" * 50_000, 1),
    "huge number": lambda text: text.replace('"port": 8443', '"port": ' + "9" * 100_000, 1),
    "duplicate key": lambda text: text.replace(
        '"schema_version": 1,', '"schema_version": 1, "schema_version": 2,'
    ),
    "dropped problems key": lambda text: text.replace('"problems": [', '"problemz": [', 1),
}


@pytest.mark.parametrize("case", sorted(SUBPROCESS_CASES))
def test_mutations_in_a_real_process(case: str, tmp_path: Path) -> None:
    text = SUBPROCESS_CASES[case](DEMO.read_text(encoding="utf-8"))
    path = write(tmp_path / "snap.json", text)
    result = limited("lint", str(path), "--format", "html")
    check(result.returncode, result.stderr)
    assert result.returncode == 2
