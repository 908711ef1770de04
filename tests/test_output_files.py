"""Where confcheck writes: checked before any work, never through a link, never over a device or an
input, all reports or none, and an audit that cannot be written is kept rather than lost."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run

from confcheck import cli, output_files, plugin_manager, snapshot
from confcheck.errors import InputError
from confcheck.model import Deployment

ROOT = Path(__file__).parents[1]
DEMO = ROOT / "examples" / "demo-snapshot.json"


@pytest.fixture
def snap(tmp_path: Path) -> Path:
    path = tmp_path / "snap.json"
    path.write_bytes(DEMO.read_bytes())
    return path


def refused(result: Run) -> str:
    lines = result.err.splitlines()
    assert result.code == 2, result.err
    assert len(lines) == 1, result.err
    assert "internal error" not in result.err
    return lines[0]


def test_a_symbolic_link_target_is_refused_and_left_alone(
    confcheck: Callable[..., Run], snap: Path, tmp_path: Path
) -> None:
    aimed = tmp_path / "precious.txt"
    aimed.write_text("keep")
    link = tmp_path / "report.json"
    link.symlink_to(aimed)
    line = refused(confcheck("lint", str(snap), "-o", f"json={link}"))
    assert line.endswith(
        f"{link}: cannot write the json report: it is a symbolic link, "
        "and confcheck does not write through links (give the path of the file itself)"
    )
    assert link.is_symlink()
    assert aimed.read_text() == "keep"


def test_a_fifo_target_is_refused_and_stays_a_fifo(
    confcheck: Callable[..., Run], snap: Path, tmp_path: Path
) -> None:
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    line = refused(confcheck("lint", str(snap), "-o", f"html={fifo}"))
    assert line.endswith("not a regular file (a FIFO); confcheck replaces only regular files")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_a_device_node_is_never_replaced(confcheck: Callable[..., Run], snap: Path, tmp_path: Path) -> None:
    """A copy of /dev/null's node in a scratch directory: before the fix it became a regular file."""
    null = os.stat(os.devnull)
    device = tmp_path / "null"
    os.mknod(device, stat.S_IFCHR | 0o666, null.st_rdev)
    other = tmp_path / "zero"
    os.mknod(other, stat.S_IFCHR | 0o666, os.stat("/dev/zero").st_rdev)
    result = confcheck("lint", str(snap), "--format", "json", "-o", f"json={device}")
    assert result.code == 1, result.err  # /dev/null (by device number) is written to, not replaced
    assert stat.S_ISCHR(os.lstat(device).st_mode)
    line = refused(confcheck("lint", str(snap), "-o", f"json={other}"))
    assert line.endswith("not a regular file (a character device); confcheck replaces only regular files")
    assert stat.S_ISCHR(os.lstat(other).st_mode)


@pytest.mark.skipif(os.geteuid() == 0, reason="as root, a regression would replace the machine's /dev/null")
def test_writing_to_dev_null_discards_the_file(confcheck: Callable[..., Run], snap: Path) -> None:
    """As root, test_a_device_node_is_never_replaced checks the same on a copy of the node."""
    result = confcheck("lint", str(snap), "-o", f"json={os.devnull}", "-o", f"sarif={os.devnull}")
    assert result.code == 1, result.err
    assert f"confcheck: wrote the json report to {os.devnull}" in result.err
    assert stat.S_ISCHR(os.lstat(os.devnull).st_mode)


@pytest.mark.parametrize("option", ["-o", "--create-baseline"])
def test_the_input_snapshot_is_never_overwritten(
    confcheck: Callable[..., Run], snap: Path, option: str
) -> None:
    before = snap.read_bytes()
    value = f"json={snap}" if option == "-o" else str(snap)
    line = refused(confcheck("lint", str(snap), option, value))
    assert line.endswith(
        f"{snap}: cannot write {'the json report' if option == '-o' else 'the baseline'}: "
        "it is an input of this run"
    )
    assert snap.read_bytes() == before


def test_the_inventory_and_the_baseline_are_inputs_too(
    confcheck: Callable[..., Run], snap: Path, tmp_path: Path
) -> None:
    config = tmp_path / "confcheck.toml"
    config.write_text("")
    assert refused(confcheck("lint", str(snap), "--config", str(config), "-o", f"html={config}")).endswith(
        "it is an input of this run"
    )
    assert config.read_text() == ""
    baseline = tmp_path / "b.json"
    assert confcheck("lint", str(snap), "--create-baseline", str(baseline)).code == 0
    kept = baseline.read_bytes()
    line = refused(confcheck("lint", str(snap), "--baseline", str(baseline), "-o", f"json={baseline}"))
    assert line.endswith("it is an input of this run")
    assert baseline.read_bytes() == kept


def test_a_bad_second_output_leaves_the_first_unwritten(
    confcheck: Callable[..., Run], snap: Path, tmp_path: Path
) -> None:
    first = tmp_path / "r.json"
    line = refused(
        confcheck("lint", str(snap), "-o", f"json={first}", "-o", f"html={tmp_path / 'no' / 'r.html'}")
    )
    assert line.endswith(f"cannot write the html report: no such directory {tmp_path / 'no'}")
    assert not first.exists()


def test_the_same_file_twice_is_refused(confcheck: Callable[..., Run], snap: Path, tmp_path: Path) -> None:
    line = refused(confcheck("lint", str(snap), "-o", f"json={tmp_path}/r", "-o", f"html={tmp_path}/./r"))
    assert line.endswith("the same file is given for another output")


def test_a_write_that_fails_late_leaves_every_target_as_it_was(
    confcheck: Callable[..., Run], snap: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second rename fails (as on a full disk): nothing is half-done, no temporary file stays."""
    old = tmp_path / "r.json"
    old.write_text("old")
    real = os.replace
    calls = []

    def replace(src: str, dst: str) -> None:
        calls.append(dst)
        if len(calls) == 1:
            raise OSError(28, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    line = refused(confcheck("lint", str(snap), "-o", f"json={old}", "-o", f"html={tmp_path / 'r.html'}"))
    assert line.endswith(f"{old}: cannot write the json report (No space left on device)")
    assert old.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json", "snap.json"]


def test_an_output_path_with_a_line_break_stays_on_one_line(
    confcheck: Callable[..., Run], snap: Path, tmp_path: Path
) -> None:
    odd = tmp_path / "a\nb.json"
    result = confcheck("lint", str(snap), "-o", f"json={odd}")
    assert result.code == 1
    assert result.err.splitlines() == [f"confcheck: wrote the json report to {tmp_path}/a\\nb.json"]
    assert json.loads(odd.read_text())["schema_version"] == 1


def test_standard_output_is_allowed_for_the_snapshot_command_only(
    confcheck: Callable[..., Run], snap: Path
) -> None:
    assert refused(confcheck("lint", str(snap), "-o", "json=-")).endswith(
        "--format writes there; give a file"
    )
    target = output_files.check("-", "the snapshot", stdout=True)
    assert target.stdout
    assert target.shown == "standard output"


# --- checked before collecting; kept when a write still fails after it ---------------------------


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    path = tmp_path / "confcheck.toml"
    path.write_text(
        '[[cluster]]\nname = "hq-cuc"\nproduct = "unity"\nversion = "9.1.2"\npublisher = "127.0.0.1"\n'
    )
    return path


@pytest.fixture
def collected(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Collection replaced by the demo snapshot; counts how often it ran."""
    calls: list[int] = []

    def collect(inventory: object, progress: bool) -> Deployment:
        calls.append(1)
        return snapshot.read(DEMO, plugin_manager.catalog())

    monkeypatch.setattr(cli, "_collect", collect)
    return calls


@pytest.mark.parametrize(
    "args",
    [
        ["audit", "-o", "html=/no/such/dir/r.html"],
        ["audit", "--save-snapshot", "/no/such/dir/s.json"],
        ["audit", "--create-baseline", "/no/such/dir/b.json"],
        ["audit", "--baseline", "/no/such/baseline.json"],
        ["snapshot", "-o", "/no/such/dir/s.json"],
    ],
)
def test_a_bad_target_fails_before_collecting(
    confcheck: Callable[..., Run], inventory: Path, collected: list[int], args: list[str]
) -> None:
    refused(confcheck(args[0], "--config", str(inventory), "--no-progress", *args[1:]))
    assert collected == []


def test_an_output_given_as_the_inventory_fails_before_collecting(
    confcheck: Callable[..., Run], inventory: Path, collected: list[int]
) -> None:
    line = refused(confcheck("snapshot", "--config", str(inventory), "--no-progress", "-o", str(inventory)))
    assert line.endswith("it is an input of this run")
    assert collected == []


@pytest.mark.parametrize("command", ["audit", "snapshot"])
def test_a_write_that_fails_after_collecting_keeps_the_snapshot(
    confcheck: Callable[..., Run],
    inventory: Path,
    collected: list[int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    real = output_files.write_all

    def full_disk(items: object) -> None:
        raise InputError(f"{out}/x: cannot write (No space left on device)")

    monkeypatch.setattr(output_files, "write_all", full_disk)
    option = ["-o", f"json={out}/x"] if command == "audit" else ["-o", f"{out}/x"]
    line = refused(confcheck(command, "--config", str(inventory), "--no-progress", *option))
    monkeypatch.setattr(output_files, "write_all", real)
    assert collected == [1]
    assert "cannot write (No space left on device); the collected snapshot is saved in " in line
    saved = Path(line.split("is saved in ")[1].split(" ")[0])
    try:
        assert snapshot.read(saved, plugin_manager.catalog()) == snapshot.read(DEMO, plugin_manager.catalog())
    finally:
        saved.unlink()


def test_a_saved_snapshot_is_named_when_a_report_fails_afterwards(
    confcheck: Callable[..., Run],
    inventory: Path,
    collected: list[int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    saved = tmp_path / "s.json"
    report = tmp_path / "gone" / "r.json"
    report.parent.mkdir()

    def collect(inventory: object, progress: bool) -> Deployment:
        report.parent.rmdir()  # the directory goes away while the audit runs
        return snapshot.read(DEMO, plugin_manager.catalog())

    monkeypatch.setattr(cli, "_collect", collect)
    line = refused(
        confcheck(
            "audit",
            "--config",
            str(inventory),
            "--no-progress",
            "--save-snapshot",
            str(saved),
            "-o",
            f"json={report}",
        )
    )
    assert line.endswith(f"; the collected snapshot is in {saved}")
    assert snapshot.read(saved, plugin_manager.catalog()) == snapshot.read(DEMO, plugin_manager.catalog())


def test_snapshot_to_standard_output(
    confcheck: Callable[..., Run], inventory: Path, collected: list[int]
) -> None:
    result = confcheck("snapshot", "--config", str(inventory), "--no-progress", "-o", "-")
    assert snapshot.loads(result.out, plugin_manager.catalog()) == snapshot.read(
        DEMO, plugin_manager.catalog()
    )
    assert result.err.startswith("confcheck: wrote standard output: 5 clusters")


def test_demo_checks_its_output_directory_before_starting_the_lab(
    confcheck: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from confcheck.lab import runtime

    def no_lab(*args: object, **kwargs: object) -> None:
        raise AssertionError("the lab started")

    monkeypatch.setattr(runtime.Lab, "of", no_lab)
    occupied = tmp_path / "file"
    occupied.write_text("x")
    assert "cannot make the output directory" in refused(confcheck("demo", "--output-dir", str(occupied)))
    out = tmp_path / "demo"
    out.mkdir()
    (out / "report.html").mkdir()
    assert refused(confcheck("demo", "--output-dir", str(out))).endswith(
        f"{out}/report.html: cannot write the demo's report.html: it is a directory"
    )
