"""Files that try to exhaust confcheck: endless, blocking, huge, deeply nested or ambiguous input.

Every such file must end in one line on stderr and exit code 2, naming the file and, where there is
one, the element, without reading more than the limit (README, Security: Limits). Cases that would
hang or eat all memory without the limits run in a subprocess with a timeout and a memory cap.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import Run

from confcheck import inputs, plugin_manager, snapshot
from confcheck.snapshot import SnapshotError

ROOT = Path(__file__).parents[1]
DEMO = ROOT / "examples" / "demo-snapshot.json"
CHANGES = ROOT / "tests" / "data" / "no-such-file.toml"


def error_line(result: Run | subprocess.CompletedProcess[str]) -> str:
    """The one line on stderr of a refused run (exit 2, no traceback, no 'internal error')."""
    code = result.code if isinstance(result, Run) else result.returncode
    err = result.err if isinstance(result, Run) else result.stderr
    lines = err.splitlines()
    assert code == 2, err
    assert len(lines) == 1, err
    assert lines[0].startswith("confcheck: error: "), err
    assert "internal error" not in err
    return lines[0]


def limited(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """``confcheck ARGS`` in a process that may use 3 GiB of address space and ``timeout`` seconds."""

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))

    return subprocess.run(
        [sys.executable, "-m", "confcheck", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=cap,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def demo_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DEMO.read_text(encoding="utf-8"))
    return data


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# --- 1. endless, blocking and huge files ------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["report", "/dev/zero"],
        ["lint", "/dev/zero"],
        ["lint", str(DEMO), "--config", "/dev/zero"],
        ["lint", str(DEMO), "--baseline", "/dev/zero"],
        ["lint", str(DEMO), "--changes", "/dev/zero"],
        ["audit", "--config", "/dev/zero"],
        ["cert", "/dev/zero"],
    ],
    ids=["report", "lint", "config", "baseline", "changes", "audit", "cert"],
)
def test_a_device_that_never_ends_is_refused_before_it_is_read(args: list[str]) -> None:
    line = error_line(limited(*args))
    assert "/dev/zero: not a regular file (a character device)" in line


@pytest.mark.parametrize("option", ["snapshot", "--config", "--baseline", "--changes"])
def test_a_fifo_is_refused_instead_of_blocking_forever(tmp_path: Path, option: str) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    args = ["lint", str(fifo)] if option == "snapshot" else ["lint", str(DEMO), option, str(fifo)]
    line = error_line(limited(*args, timeout=20))
    assert f"{fifo}: not a regular file (a FIFO)" in line


@pytest.mark.parametrize(
    ("option", "limit", "what"),
    [
        ("snapshot", inputs.SNAPSHOT_BYTES, "a snapshot file"),
        ("--config", inputs.TOML_BYTES, "an inventory"),
        ("--changes", inputs.TOML_BYTES, "a change file"),
        ("--baseline", inputs.BASELINE_BYTES, "a baseline"),
    ],
)
def test_a_file_over_its_limit_is_refused_without_reading_it(
    confcheck: Callable[..., Run], tmp_path: Path, option: str, limit: int, what: str
) -> None:
    big = tmp_path / "big"
    with big.open("wb") as handle:
        handle.truncate(limit + 1)  # sparse: no disk and no time spent
    args = ["lint", str(big)] if option == "snapshot" else ["lint", str(DEMO), option, str(big)]
    line = error_line(confcheck(*args))
    assert line.endswith(f"{big}: larger than {inputs.size_text(limit)}, the limit for {what}")


def test_a_report_over_its_limit_is_refused(confcheck: Callable[..., Run], tmp_path: Path) -> None:
    big = tmp_path / "report.json"
    with big.open("wb") as handle:
        handle.truncate(inputs.REPORT_BYTES + 1)
    assert "larger than 32 MiB" in error_line(confcheck("report", str(big)))


def test_standard_input_is_read_within_the_same_limit(
    confcheck: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Stdin:
        buffer = __import__("io").BytesIO(b" " * 2000)

    monkeypatch.setattr(snapshot, "MAX_BYTES", 1000)
    monkeypatch.setattr(sys, "stdin", Stdin())
    assert error_line(confcheck("lint", "-")).endswith(
        "-: larger than 1000 bytes, the limit for a snapshot file"
    )


def test_a_directory_given_as_a_certificate_is_refused(tmp_path: Path) -> None:
    from confcheck import certs

    with pytest.raises(certs.CertificateError, match="is a directory, not a certificate file"):
        certs.read(tmp_path)


# --- 3. nesting, huge numbers, duplicate keys, times out of range -----------------------------

DEEP_TOML = "key = " + "[" * 5000 + "]" * 5000 + "\n"


@pytest.mark.parametrize("option", ["--config", "--changes", "audit"])
def test_deeply_nested_toml_is_one_line_naming_the_line(
    confcheck: Callable[..., Run], tmp_path: Path, option: str
) -> None:
    path = tmp_path / "deep.toml"
    path.write_text("# a comment first\n" + DEEP_TOML)
    args = ["audit", "--config", str(path)] if option == "audit" else ["lint", str(DEMO), option, str(path)]
    assert error_line(confcheck(*args)).endswith(f"{path}:2: nested more than 64 deep")


def test_a_toml_number_past_pythons_digit_limit_is_one_line(
    confcheck: Callable[..., Run], tmp_path: Path
) -> None:
    path = tmp_path / "big.toml"
    path.write_text("[check]\nexpiry_warning_days = " + "9" * 5000 + "\n")
    assert error_line(confcheck("lint", str(DEMO), "--config", str(path))).endswith(
        f"{path}:2: a number too long to read"
    )


def deep_json(prefix: str, suffix: str) -> str:
    return prefix + "[" * 100_000 + "]" * 100_000 + suffix


@pytest.mark.parametrize(
    ("command", "text", "where"),
    [
        ("lint", deep_json('{"schema_version": 1, "clusters": ', "}"), "clusters[0][0]"),
        ("report", deep_json('{"schema_version": 1, "summary": ', "}"), "summary[0][0]"),
        ("baseline", deep_json('{"schema_version": 1, "findings": ', "}"), "findings[0][0]"),
    ],
)
def test_deeply_nested_json_names_where_it_goes_too_deep(
    confcheck: Callable[..., Run], tmp_path: Path, command: str, text: str, where: str
) -> None:
    path = tmp_path / "deep.json"
    path.write_text(text)
    args = ["lint", str(DEMO), "--baseline", str(path)] if command == "baseline" else [command, str(path)]
    line = error_line(confcheck(*args))
    assert f"{path}: {where}" in line
    assert line.endswith(": nested more than 64 deep")


def test_a_number_past_pythons_digit_limit_names_its_element(
    confcheck: Callable[..., Run], tmp_path: Path
) -> None:
    data = demo_data()
    path = tmp_path / "snap.json"
    text = json.dumps(data).replace('"port": 8443', '"port": ' + "9" * 5000, 1)
    path.write_text(text)
    assert error_line(confcheck("lint", str(path))).endswith(
        f"{path}: clusters[0].nodes[0].endpoints[0].port: a number of 5000 characters (at most 100)"
    )


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(confcheck: Callable[..., Run], tmp_path: Path, constant: str) -> None:
    path = tmp_path / "snap.json"
    path.write_text(json.dumps(demo_data()).replace('"port": 8443', f'"port": {constant}', 1))
    assert error_line(confcheck("lint", str(path))).endswith(
        f"clusters[0].nodes[0].endpoints[0].port: {constant} is not a JSON number"
    )


@pytest.mark.parametrize(
    ("original", "doubled", "says"),
    [
        (
            '"schema_version": 2,',
            '"schema_version": 2, "schema_version": 2,',
            ": schema_version: duplicate key: the object has it twice",
        ),
        (
            '"name": "hq-cucm",',
            '"name": "hq-cucm", "name": "other",',
            ": clusters[0].name: duplicate key: the object has it twice",
        ),
        (
            '"port": 8443,',
            '"port": 8443, "port": 443,',
            ": clusters[0].nodes[0].endpoints[0].port: duplicate key: the object has it twice",
        ),
    ],
    ids=["top", "cluster", "endpoint"],
)
def test_duplicate_keys_in_a_snapshot_are_refused_by_name(
    confcheck: Callable[..., Run], tmp_path: Path, original: str, doubled: str, says: str
) -> None:
    """json.loads keeps the last of two equal keys without a word: which one did the author mean?"""
    text = json.dumps(demo_data())
    assert original in text
    path = tmp_path / "snap.json"
    path.write_text(text.replace(original, doubled, 1))
    assert error_line(confcheck("lint", str(path))).endswith(f"{path}{says}")


def test_duplicate_keys_in_a_report_and_a_baseline_are_refused(
    confcheck: Callable[..., Run], tmp_path: Path
) -> None:
    report = confcheck("lint", str(DEMO), "--format", "json").out
    path = tmp_path / "report.json"
    path.write_text(report.replace('"schema_version": 1,', '"schema_version": 1, "schema_version": 1,', 1))
    assert error_line(confcheck("report", str(path))).endswith(
        ": schema_version: duplicate key: the object has it twice"
    )
    baseline = tmp_path / "baseline.json"
    baseline.write_text('{"schema_version": 1, "findings": [], "findings": []}')
    assert error_line(confcheck("lint", str(DEMO), "--baseline", str(baseline))).endswith(
        f"{baseline}: findings: duplicate key: the object has it twice"
    )


@pytest.mark.parametrize("stamp", ["0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59"])
@pytest.mark.parametrize("output", ["html", "junit", "markdown", "sarif"])
def test_a_collection_time_with_no_utc_equivalent_is_refused(
    confcheck: Callable[..., Run], tmp_path: Path, stamp: str, output: str
) -> None:
    data = demo_data()
    data["collected_at"] = stamp
    path = write_json(tmp_path / "snap.json", data)
    assert error_line(confcheck("lint", str(path), "--format", output)).endswith(
        f"collected_at: {stamp!r} is outside the years 1 to 9999 in UTC"
    )


def test_the_collection_time_is_read_as_utc() -> None:
    data = demo_data()
    data["collected_at"] = "2026-11-27T08:00:00+02:00"
    stamp = snapshot.from_dict(data, plugin_manager.catalog()).collected_at
    assert stamp is not None
    assert stamp.isoformat() == "2026-11-27T06:00:00+00:00"


# --- 4. snapshot limits -------------------------------------------------------------------------


def grown(kind: str, count: int) -> dict[str, Any]:
    """The demo snapshot with ``count`` problems, settings, clusters, nodes or DNS records."""
    data = demo_data()
    cucm = data["clusters"][0]
    if kind == "problems":
        data["problems"] = [{"kind": "axl", "message": f"m{i}"} for i in range(count)]
    elif kind == "settings":
        cucm["settings"] = [
            {"location": "cucm9.uc-service-voicemail", "value": f"v{i}", "instance": f"i{i}"}
            for i in range(count)
        ]
    elif kind == "nodes on one certificate":
        template = cucm["nodes"][1]
        cucm["nodes"] = [cucm["nodes"][0]] + [dict(template, name=f"n{i}") for i in range(count)]
    elif kind == "clusters":
        data["clusters"] += [dict(data["clusters"][1], name=f"c{i}") for i in range(count)]
    elif kind == "dns":
        data["dns"] = [{"name": f"h{i}.example", "type": "A", "answers": ["10.0.0.1"]} for i in range(count)]
    return data


@pytest.mark.parametrize(
    ("kind", "count", "says"),
    [
        ("problems", 10_001, "problems: 10,001 entries, more than the limit of 10,000"),
        ("settings", 1_001, "clusters[0].settings: 1,001 entries, more than the limit of 1,000"),
        ("clusters", 5_000, "clusters: 5,005 entries, more than the limit of 5,000"),
        ("dns", 50_001, "dns: 50,001 entries, more than the limit of 50,000"),
    ],
)
def test_a_snapshot_over_a_count_limit_is_refused_naming_the_limit(
    confcheck: Callable[..., Run], tmp_path: Path, kind: str, count: int, says: str
) -> None:
    path = write_json(tmp_path / "snap.json", grown(kind, count))
    assert error_line(confcheck("lint", str(path))).endswith(f"{path}: {says}")


def test_a_certificate_presented_by_too_many_endpoints_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshot, "LIMITS", replace(snapshot.LIMITS, nodes_per_cluster=2000))
    data = grown("nodes on one certificate", 1_001)
    leaf = data["clusters"][0]["nodes"][1]["endpoints"][0]["chain"][0]
    with pytest.raises(
        SnapshotError, match=rf"^certificates\.{leaf}: presented by 1,00\d endpoints, more than"
    ):
        snapshot.from_dict(data, plugin_manager.catalog())


def test_totals_across_clusters_are_limited(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshot, "LIMITS", replace(snapshot.LIMITS, settings=10))
    data = grown("settings", 11)
    with pytest.raises(SnapshotError, match=r"^clusters: 1\d settings in all, more than the limit of 10$"):
        snapshot.from_dict(data, plugin_manager.catalog())


def test_a_huge_string_is_refused_by_its_path(confcheck: Callable[..., Run], tmp_path: Path) -> None:
    data = demo_data()
    data["problems"] = [{"kind": "axl", "message": "x" * 70_000}]
    path = write_json(tmp_path / "snap.json", data)
    assert error_line(confcheck("lint", str(path))).endswith(
        "problems[0].message: a string of 70,000 characters, more than the limit of 65,536"
    )


@pytest.mark.parametrize("as_bytes", [False, True], ids=["text", "bytes"])
def test_too_many_objects_are_refused_before_parsing(as_bytes: bool) -> None:
    text = '{"schema_version": 1, "clusters": [], "problems": [' + ",".join(['{"é":"[{"}'] * 333_333) + "]}"
    with pytest.raises(
        SnapshotError, match=r"^big\.json: 1,000,002 objects and lists .* more than the limit of 1,000,000"
    ):
        snapshot.loads(text.encode() if as_bytes else text, plugin_manager.catalog(), "big.json")


def test_a_long_server_string_is_cut_with_a_mark_so_the_snapshot_reads_back() -> None:
    data = demo_data()
    deployment = snapshot.from_dict(data, plugin_manager.catalog())
    from confcheck.model import Problem

    long = replace(deployment, problems=(Problem("axl", "y" * 100_000),))
    back = snapshot.loads(snapshot.dumps(long), plugin_manager.catalog())
    message = back.problems[0].message
    assert len(message) == snapshot.LIMITS.string
    assert message.endswith(" [... 100,000 characters in all, cut by confcheck]")


def test_duplicate_cluster_names_are_still_found() -> None:
    data = grown("clusters", 3)
    data["clusters"][-1]["name"] = "c0"
    with pytest.raises(SnapshotError, match=r"^clusters\[7\]\.name: duplicate cluster name 'c0'$"):
        snapshot.from_dict(data, plugin_manager.catalog())


def test_the_readme_documents_every_limit() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Limits") :]
    for name in snapshot.Limits.__dataclass_fields__:
        value = getattr(snapshot.LIMITS, name)
        assert f"{value:,}" in section, name
    for limit in (inputs.SNAPSHOT_BYTES, inputs.BASELINE_BYTES, inputs.TOML_BYTES, inputs.CERTIFICATE_BYTES):
        assert inputs.size_text(limit) in section
