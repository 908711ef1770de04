"""Entry points read without importlib.metadata are importlib.metadata's own answer, or it is asked.

Each test sets up ``sys.path`` (or ``sys.meta_path``) as an installation might be, and holds
:func:`confcheck.entry_points.declared` equal to what importlib.metadata lists; the ones where reading
the files alone could be wrong also check that importlib.metadata was asked.
"""

from __future__ import annotations

import importlib.metadata
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from confcheck import PROJECT, entry_points

GROUP = PROJECT


def reference(group: str = GROUP) -> list[tuple[str, str, str]]:
    """The first entry point of each name, from importlib.metadata."""
    first: dict[str, tuple[str, str, str]] = {}
    for dist in importlib.metadata.distributions():
        for ep in dist.entry_points:
            if ep.group == group:
                first.setdefault(ep.name, (ep.name, ep.value, ep.group))
    return list(first.values())


def answer(group: str = GROUP) -> list[tuple[str, str, str]]:
    return [(ep.name, ep.value, ep.group) for ep in entry_points.declared(group)]


def read_alone(group: str = GROUP) -> bool:
    """Whether the files alone answered (importlib.metadata was not asked)."""
    try:
        entry_points._read(group)
    except entry_points._Unsure:
        return False
    return True


def dist_info(where: Path, name: str, text: str, suffix: str = ".dist-info") -> Path:
    info = where / f"{name}-1.0{suffix}"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(text, encoding="utf-8")
    return info


@pytest.fixture
def path(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``sys.path`` to change for one test."""
    copy = list(sys.path)
    monkeypatch.setattr(sys, "path", copy)
    return copy


def confcheck_entries() -> str:
    built_in = [(n, v) for n, v, _ in reference()]
    assert len(built_in) > 20
    return "[console_scripts]\nconfcheck = confcheck.cli:main\n\n[confcheck]\n" + "".join(
        f"{n} = {v}\n" for n, v in built_in
    )


def test_the_installed_built_ins_are_read_from_their_file_alone() -> None:
    assert read_alone()
    assert answer() == reference()
    assert answer("console_scripts") == reference("console_scripts")


def test_confcheck_found_twice_with_the_same_entries_is_read_alone(path: list[str], tmp_path: Path) -> None:
    """As an editable install is, run from its source directory (its confcheck.egg-info there)."""
    dist_info(tmp_path, "confcheck", confcheck_entries(), suffix=".egg-info")
    path.insert(0, str(tmp_path))
    assert read_alone()
    assert answer() == reference()


def test_a_third_party_plugin_is_listed_in_importlib_metadata_order(path: list[str], tmp_path: Path) -> None:
    dist_info(tmp_path, "cc_third_party", "[confcheck]\nthird = cc_third_party\n")
    for where in (0, len(path)):
        path.insert(where, str(tmp_path))
        assert not read_alone()
        assert answer() == reference()
        assert ("third", "cc_third_party", GROUP) in answer()
        path.remove(str(tmp_path))


def test_a_plugin_in_a_zip_file_is_found(path: list[str], tmp_path: Path) -> None:
    archive = tmp_path / "plugins.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(
            "cc_zipped-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: cc-zipped\nVersion: 1.0\n"
        )
        zipped.writestr("cc_zipped-1.0.dist-info/entry_points.txt", "[confcheck]\nzipped = cc_zipped\n")
    path.append(str(archive))
    assert not read_alone()
    assert ("zipped", "cc_zipped", GROUP) in answer()
    assert answer() == reference()


def test_an_egg_directory_is_looked_into_and_an_egg_info_elsewhere_is_not(
    path: list[str], tmp_path: Path
) -> None:
    egg = tmp_path / "cc_egg-1.0-py3.11.egg"
    info = egg / "EGG-INFO"
    info.mkdir(parents=True)
    (info / "PKG-INFO").write_text("Metadata-Version: 1.1\nName: cc-egg\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[confcheck]\negg = cc_egg\n")
    stray = tmp_path / "not-an-egg" / "EGG-INFO"
    stray.mkdir(parents=True)
    (stray / "entry_points.txt").write_text("[confcheck]\nstray = cc_stray\n")
    path.append(str(tmp_path / "not-an-egg"))
    assert read_alone()
    assert answer() == reference()
    path.append(str(egg))
    assert not read_alone()
    assert ("egg", "cc_egg", GROUP) in answer()
    assert answer() == reference()


def test_a_path_entry_that_is_missing_or_has_no_metadata_changes_nothing(
    path: list[str], tmp_path: Path
) -> None:
    path.extend([str(tmp_path / "missing"), str(tmp_path), ""])
    (tmp_path / "module.py").write_text("")
    assert read_alone()
    assert answer() == reference()


@pytest.mark.parametrize(
    "text",
    [
        "[confcheck]\nno equals sign here\n",  # importlib.metadata's error, not ours to decide
        "[other]\nbroken\n[confcheck]\nx = y\n",
        "[confcheck]\nx = y\n",  # different entries from confcheck's own
    ],
)
def test_anything_unusual_is_left_to_importlib_metadata(path: list[str], tmp_path: Path, text: str) -> None:
    dist_info(tmp_path, "cc_odd", text)
    path.append(str(tmp_path))
    assert not read_alone()


def test_comments_blank_lines_and_other_sections_are_read_as_importlib_metadata_reads_them(
    path: list[str], tmp_path: Path
) -> None:
    text = "# a comment\n\n[console_scripts]\n x = y:z \n\n  [confcheck]  \n  # note\n a =  b.c : d.e [extra]  \n"
    dist_info(tmp_path, "cc_spaced", text)
    path.append(str(tmp_path))
    assert answer() == reference()
    assert ("a", "b.c : d.e [extra]", GROUP) in answer()


def test_another_finder_of_distributions_is_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    class Finder:
        @staticmethod
        def find_spec(*args: Any) -> None:
            return None

        @staticmethod
        def find_distributions(*args: Any) -> list[Any]:
            return []

    monkeypatch.setattr(sys, "meta_path", [*sys.meta_path, Finder])
    assert not read_alone()
    assert answer() == reference()


@pytest.mark.parametrize(
    "value", ["confcheck.findings", "confcheck.findings:Severity.ERROR", "confcheck : PROJECT"]
)
def test_an_entry_point_loads_what_importlib_metadata_loads(value: str) -> None:
    ours = entry_points.Declared("x", value, GROUP).load()
    assert ours is importlib.metadata.EntryPoint("x", value, GROUP).load()
