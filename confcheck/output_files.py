"""Where confcheck writes: every target checked before any work, and written all or nothing.

An audit can take an hour of a production cluster's time, so a typo in ``-o`` must fail before
collecting, not after. A target is refused when it could not be written or when writing it would
do harm:

* a directory, or a path whose directory does not exist or cannot be written;
* a symbolic link: confcheck replaces a file by renaming a complete new one over it, which would
  replace the link itself rather than write where it points; following it instead would let
  anyone who can write in the directory (``/tmp``) aim a run as root at any file. Give the real path;
* anything that is not a regular file (a FIFO, a socket, a device): confcheck never replaces
  those. ``/dev/null`` alone is accepted, and written to rather than replaced, to discard a file;
* a file this run reads (the snapshot, the inventory, the baseline, the change file), and the same
  path given twice.

Files are written atomically (a complete temporary file renamed over the target), and the
reports of one run together: all are written out first, and only when every one has been
written are they renamed into place, so a failure leaves every target as it was.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from confcheck import records
from confcheck.errors import InputError, one_line
from confcheck.inputs import KINDS

if TYPE_CHECKING:
    from confcheck.report import Reporter

STDOUT = "-"


@records.record
class Target:
    """A checked place to write: a regular file to replace, ``/dev/null``, or standard output."""

    path: str
    discard: bool = False
    """``/dev/null``: opened and written, never replaced."""

    @property
    def stdout(self) -> bool:
        return self.path == STDOUT

    @property
    def shown(self) -> str:
        """The path for a message on one line (a file name may hold a line break)."""
        return "standard output" if self.stdout else one_line(self.path)


@records.record
class Outputs:
    """Every file a command will write, checked before any work is done."""

    reports: list[tuple[Reporter, Target]]
    baseline: Target | None = None
    """``--create-baseline``."""

    @property
    def all(self) -> list[Target]:
        return [t for _, t in self.reports] + ([self.baseline] if self.baseline else [])


def check(
    path: str | Path,
    what: str,
    inputs: Iterable[str | Path | None] = (),
    taken: Sequence[Target] = (),
    stdout: bool = False,
) -> Target:
    """``path`` as a place to write ``what``, or an InputError saying why it cannot be one.

    ``inputs``: the files this run reads (never overwritten); ``taken``: targets already given;
    ``stdout``: whether ``-`` (standard output) is allowed here.
    """
    text = str(path)
    if not text:
        raise InputError(f"no path given for {what}")
    if text == STDOUT:
        if not stdout:
            raise InputError(f"-: cannot write {what} to standard output: --format writes there; give a file")
        target = Target(text)
    else:
        target = Target(text, discard=_existing(text, what, inputs))
    for other in taken:
        if _same_target(other, target):
            raise InputError(f"{_cannot(target.shown, what)}: the same file is given for another output")
    return target


def _existing(path: str, what: str, inputs: Iterable[str | Path | None]) -> bool:
    """Check an existing target and its directory; True for /dev/null (written, never replaced)."""
    shown = one_line(path)
    cannot = _cannot(shown, what)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise InputError(f"{cannot} ({exc.strerror or exc})") from None
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise InputError(
                f"{cannot}: it is a symbolic link, and confcheck does not write through links "
                "(give the path of the file itself)"
            )
        if stat.S_ISDIR(info.st_mode):
            raise InputError(f"{cannot}: it is a directory")
        if _is_devnull(info):
            return True
        if not stat.S_ISREG(info.st_mode):
            kind = next((name for test, name in KINDS if test(info.st_mode)), "not a file")
            raise InputError(f"{cannot}: not a regular file ({kind}); confcheck replaces only regular files")
        for source in inputs:
            if source is not None and str(source) != STDOUT and _same_file(path, str(source)):
                raise InputError(f"{cannot}: it is an input of this run")
    directory = os.path.dirname(path) or "."
    try:
        if not stat.S_ISDIR(os.stat(directory).st_mode):
            raise InputError(f"{cannot}: {one_line(directory)} is not a directory")
    except FileNotFoundError:
        raise InputError(f"{cannot}: no such directory {one_line(directory)}") from None
    except OSError as exc:
        raise InputError(f"{cannot} ({exc.strerror or exc})") from None
    if not os.access(directory, os.W_OK | os.X_OK):
        raise InputError(f"{cannot}: no permission to write in {one_line(directory)}")
    return False


def _cannot(shown: str, what: str) -> str:
    return f"{shown}: cannot write {what}" if what else f"{shown}: cannot write"


def _is_devnull(info: os.stat_result) -> bool:
    try:
        null = os.stat(os.devnull)
    except OSError:
        return False
    return stat.S_ISCHR(info.st_mode) and info.st_rdev == null.st_rdev


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _same_target(a: Target, b: Target) -> bool:
    if a.stdout or b.stdout:
        return a.stdout and b.stdout
    if a.discard or b.discard:
        return False  # /dev/null may take several outputs
    return os.path.realpath(a.path) == os.path.realpath(b.path)


def write(target: Target, text: str, what: str = "the file") -> None:
    """Write one target (see :func:`write_all`)."""
    write_all([(target, text, what)])


def write_all(items: Sequence[tuple[Target, str, str]]) -> None:
    """Write every (target, text, what) or none: temporary files first, then one rename each.

    Each target is checked again just before its rename: a path that became a link, a FIFO or a
    device since the first check is refused, not replaced.
    """
    pending: list[tuple[str, Target, str]] = []
    try:
        for target, text, what in items:
            if not target.stdout and not target.discard:
                pending.append((_temporary(target, text, what), target, what))
        for _, target, _ in pending:
            _recheck(target)
        for temporary, target, what in pending:
            try:
                os.replace(temporary, target.path)
            except OSError as exc:
                raise InputError(f"{_cannot(target.shown, what)} ({exc.strerror or exc})") from None
    finally:
        for temporary, _, _ in pending:
            Path(temporary).unlink(missing_ok=True)
    for target, text, _ in items:
        if target.discard:
            with open(os.devnull, "w", encoding="utf-8") as handle:
                handle.write(text)


def _temporary(target: Target, text: str, what: str) -> str:
    """A complete, synced copy of ``text`` beside the target, with the target's permissions."""
    import tempfile  # only when a file is written: a report to standard output needs none

    path = Path(target.path)
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise InputError(f"{_cannot(target.shown, what)} ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, _mode_for(path))
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InputError(f"{_cannot(target.shown, what)} ({exc.strerror or exc})") from None
        raise
    return temporary


def _recheck(target: Target) -> None:
    try:
        info = os.lstat(target.path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise InputError(f"{target.shown}: cannot write ({exc.strerror or exc})") from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{target.shown}: cannot write: no longer a regular file, so not replaced")


def _mode_for(path: Path) -> int:
    """Keep the permissions of the file replaced; a new file gets the usual 0666 less the umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def rescue(text: str) -> str:
    """Save ``text`` (a collected snapshot) in a new temporary file; returns its path."""
    import tempfile

    fd, path = tempfile.mkstemp(prefix="confcheck-snapshot-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path
