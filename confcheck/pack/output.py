"""Writing a pack directory whole or not at all: a temporary directory beside the target, then a rename.

A pack is many files that only make sense together (the runbook numbers the CSR plan's steps, the
trust README lists the .cer files). So the files go into a temporary directory next to the target
and the directory is renamed into place: a reader sees the old pack or the new one, never half of
one, and a failure leaves the target as it was. An existing non-empty target is replaced only with
``--force``, and never when it is the working directory, the home directory or one of their
parents, or holds the files the pack is made from.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

from confcheck.errors import InputError


def check_target(directory: Path, force: bool, keep: Iterable[str | Path | None] = ()) -> None:
    """Refuse, before any work, a target the pack may not be written to (InputError, exit 2)."""
    if directory.exists() and not directory.is_dir():
        raise InputError(f"{directory}: exists and is not a directory")
    target = directory.resolve()
    for precious in (Path.cwd().resolve(), Path.home().resolve()):
        if target == precious or target in precious.parents:
            raise InputError(
                f"{directory}: refusing to write the pack there: it is or holds {precious}; name a new directory"
            )
    if not directory.is_dir() or not any(directory.iterdir()):
        return
    if not force:
        raise InputError(f"{directory}: exists and is not empty; use --force to replace it")
    for path in keep:
        if path and str(path) != "-" and target in Path(path).resolve().parents:
            raise InputError(f"{directory}: refusing to replace it, even with --force: it holds {path}")


def write(
    files: Mapping[str, bytes], directory: Path, force: bool, keep: Iterable[str | Path | None] = ()
) -> None:
    """Write ``files`` (relative POSIX paths) as the directory ``directory``, atomically."""
    check_target(directory, force, keep)
    parent = directory.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", suffix=".tmp", dir=parent))
    except OSError as exc:
        raise InputError(f"{directory}: cannot write ({exc.strerror or exc})") from None
    try:
        for name, data in files.items():
            path = temporary.joinpath(*_parts(name))
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        _permissions(temporary)
        _install(temporary, directory)
    except OSError as exc:
        shutil.rmtree(temporary, ignore_errors=True)
        raise InputError(f"{directory}: cannot write ({exc.strerror or exc})") from None
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def _parts(name: str) -> tuple[str, ...]:
    parts = PurePosixPath(name).parts
    if not parts or PurePosixPath(name).is_absolute() or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"not a relative path inside the pack: {name!r}")
    return parts


def _permissions(root: Path) -> None:
    """mkdtemp makes the directory private; the pack gets the usual modes (less the umask)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(root, 0o777 & ~umask)
    for path in root.rglob("*"):
        os.chmod(path, (0o777 if path.is_dir() else 0o666) & ~umask)


def _install(temporary: Path, directory: Path) -> None:
    """Rename ``temporary`` to ``directory``; an old one is moved aside first and removed after."""
    if not directory.is_dir():
        os.rename(temporary, directory)
        return
    if not any(directory.iterdir()):
        directory.rmdir()
        os.rename(temporary, directory)
        return
    aside = directory.with_name(f".{directory.name}.old-{secrets.token_hex(4)}")
    os.rename(directory, aside)
    try:
        os.rename(temporary, directory)
    except BaseException:
        os.rename(aside, directory)
        raise
    shutil.rmtree(aside, ignore_errors=True)
