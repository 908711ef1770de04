"""Reading the files a user hands confcheck, within limits.

Snapshots, reports, baselines, inventories, change files and certificates come from other people's
machines and pipelines, so every reader goes through here and the same rules hold for all of them:

* only a regular file is read (or standard input, where a command accepts ``-``): a FIFO would block
  forever and ``/dev/zero`` never ends, so both are refused before anything is read;
* at most a fixed number of bytes per kind of file (:data:`SNAPSHOT_BYTES` and the others below),
  checked against the file's size before reading and enforced while reading;
* UTF-8 text;
* JSON without duplicate keys (which would otherwise resolve last-wins without a word), without
  ``NaN`` or ``Infinity``, and with no number longer than :data:`MAX_NUMBER_CHARS` characters;
* nesting deep enough to exhaust Python's JSON or TOML parser (a ``RecursionError``) is an error
  naming where the document passes :data:`MAX_DEPTH` levels. Shallower nesting is left to each
  format's own checks (the snapshot reader, the report schema), which accept only the depths their
  formats have.

Every error is one line naming the file and, where the parsers leave it to us, the element
(``snap.json: clusters[0].nodes: duplicate key: the object has it twice``). Locating the element costs a second
pass over the text, so it runs only when something is wrong.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from confcheck.errors import InputError

MiB = 1024 * 1024

SNAPSHOT_BYTES = 32 * MiB
"""A snapshot (``lint``, ``report``): twice the 3,000-cluster benchmark deployment (15.2 MB)."""
REPORT_BYTES = 32 * MiB
"""A JSON report read back by ``confcheck report``."""
BASELINE_BYTES = 16 * MiB
"""A baseline (``--baseline``): about 80,000 findings."""
TOML_BYTES = 4 * MiB
"""An inventory (``--config``) or a change file (``--changes``)."""
CERTIFICATE_BYTES = 4 * MiB
"""A certificate, chain or trust-store file: real ones are a few kilobytes."""
MAX_DEPTH = 64
"""Where a too-deep document is said to go too deep; confcheck's own files nest at most 8 levels."""
MAX_NUMBER_CHARS = 100
"""Characters in one JSON number: confcheck's files hold ports, versions and counts."""

ErrorFactory = Callable[[str], Exception]

KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def size_text(limit: int) -> str:
    """``32 MiB``: how limits are spelled in messages and in the README."""
    return f"{limit // MiB} MiB" if limit >= MiB and limit % MiB == 0 else f"{limit} bytes"


def read_bytes(
    path: str | Path, limit: int, what: str, error: ErrorFactory = InputError, stdin: bool = False
) -> bytes:
    """The bytes of a regular file (or of standard input for ``-`` when ``stdin``), at most ``limit``."""
    source = str(path)
    if stdin and source == "-":
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:
            raise error("-: no standard input to read")
        data: bytes = stream.read(limit + 1)
    else:
        data = _read_file(source, limit, what, error)
    if len(data) > limit:
        raise error(f"{source}: larger than {size_text(limit)}, the limit for {what}")
    return data


def _read_file(source: str, limit: int, what: str, error: ErrorFactory) -> bytes:
    try:
        _regular(source, os.stat(source), what, error)  # refuse FIFOs and devices before opening them
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
        fd = os.open(source, flags | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            _regular(source, info, what, error)  # the same file we checked, not one swapped in since
            if info.st_size > limit:
                raise error(f"{source}: larger than {size_text(limit)}, the limit for {what}")
            return handle.read(limit + 1)
    except FileNotFoundError:
        raise error(f"{source}: no such file") from None
    except OSError as exc:
        raise error(f"{source}: cannot read ({exc.strerror or exc})") from None


def _regular(source: str, info: os.stat_result, what: str, error: ErrorFactory) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise error(f"{source}: is a directory, not {what}")
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in KINDS if test(info.st_mode)), "not a file")
        raise error(f"{source}: not a regular file ({kind}); give {what} as a file")


def decode(data: bytes, source: str, error: ErrorFactory = InputError) -> str:
    """UTF-8 text (a leading byte-order mark is dropped)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"{source}: not UTF-8 text (byte {data[exc.start]:#04x} at offset {exc.start})") from None


def read_text(
    path: str | Path, limit: int, what: str, error: ErrorFactory = InputError, stdin: bool = False
) -> str:
    """A regular file's UTF-8 text, at most ``limit`` bytes."""
    return decode(read_bytes(path, limit, what, error, stdin), str(path), error)


# --- JSON -------------------------------------------------------------------------------------


class _Refused(Exception):
    """Something the JSON module would accept and confcheck does not; located by :func:`_locate`."""


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _Refused
    return result


def _number(kind: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        if len(text) > MAX_NUMBER_CHARS:
            raise _Refused
        return kind(text)

    return parse


def _constant(name: str) -> Any:
    raise _Refused


_HOOKS: dict[str, Any] = {
    "object_pairs_hook": _object,
    "parse_int": _number(int),
    "parse_float": _number(float),
    "parse_constant": _constant,
}
"""How :func:`parse_json` refuses what the JSON module would accept (:class:`_Refused`, unlocated)."""

STRICT = json.JSONDecoder(**_HOOKS)
"""A decoder that refuses (raises) what :func:`parse_json` refuses, without saying where: for text decoded
in parts, whose caller decodes the whole with :func:`parse_json` to say why when a part fails."""


def parse_json(text: str, source: str, error: ErrorFactory = InputError, what: str = "JSON") -> Any:
    """Decoded JSON, refusing duplicate keys, NaN and Infinity, huge numbers and deep nesting."""
    try:
        return json.loads(text, **_HOOKS)
    except json.JSONDecodeError as exc:
        raise error(f"{source}: not {what} ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    except (_Refused, RecursionError, ValueError):
        where, problem = _locate(text)
        raise error(f"{source}: {where + ': ' if where else ''}{problem}") from None


def read_json(
    path: str | Path, limit: int, what: str, error: ErrorFactory = InputError, stdin: bool = False
) -> Any:
    """A regular file's JSON, read and parsed within the limits above."""
    return parse_json(read_text(path, limit, what, error, stdin), str(path), error)


_TOKEN = r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<punct>[\[\]{}:,])
      | (?P<number>-?[0-9][0-9.eE+-]*)
      | (?P<word>-?[A-Za-z]+)
    )"""
"""A JSON token, for :func:`_locate` (compiled there, on the error path: not at every start-up)."""


def _locate(text: str) -> tuple[str, str]:
    """The path and problem of the first element :func:`parse_json` refuses (a slow second pass)."""
    stack: list[list[Any]] = []  # [kind, key or index, keys seen, expecting a key]

    def path() -> str:
        out = ""
        for kind, at, _, _ in stack:
            if kind == "[":
                out += f"[{at}]"
            elif at is not None:
                out += f".{at}" if out else str(at)
        return out

    for match in re.finditer(_TOKEN, text, re.VERBOSE | re.DOTALL):
        kind = match.lastgroup
        token = match.group(kind or 0)
        top = stack[-1] if stack else None
        if token in ("{", "["):
            if len(stack) >= MAX_DEPTH:
                return path(), f"nested more than {MAX_DEPTH} deep"
            stack.append([token, None if token == "{" else 0, set(), token == "{"])
        elif token in ("}", "]"):
            if stack:
                stack.pop()
        elif token == "," and top is not None:
            if top[0] == "[":
                top[1] += 1
            else:
                top[3] = True
        elif token == ":" and top is not None:
            top[3] = False
        elif kind == "string" and top is not None and top[0] == "{" and top[3]:
            key = json.loads(token)
            top[1] = key
            if key in top[2]:
                return path(), "duplicate key: the object has it twice"
            top[2].add(key)
        elif kind == "number" and len(token) > MAX_NUMBER_CHARS:
            return path(), f"a number of {len(token)} characters (at most {MAX_NUMBER_CHARS})"
        elif kind == "word" and token in ("NaN", "Infinity", "-Infinity"):
            return path(), f"{token} is not a JSON number"
    return "", "not valid JSON"


# --- TOML -------------------------------------------------------------------------------------


def parse_toml(text: str, source: str, error: ErrorFactory = InputError) -> dict[str, Any]:
    """Decoded TOML; deep nesting and huge numbers are one-line errors with their line."""
    # imported here: snapshots, reports and certificates are not TOML
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{source}: not valid TOML ({exc})") from None
    except RecursionError:
        line = _deep_toml_line(text)
        raise error(f"{source}:{line}: nested more than {MAX_DEPTH} deep") from None
    except ValueError:  # an integer beyond Python's 4,300-digit conversion limit
        line = next((n for n, t in enumerate(text.splitlines(), 1) if re.search(r"\d{4000}", t)), 1)
        raise error(f"{source}:{line}: a number too long to read") from None
    return data


def read_toml(path: str | Path, what: str, error: ErrorFactory = InputError) -> tuple[str, dict[str, Any]]:
    """A regular file's text and its TOML, within :data:`TOML_BYTES`."""
    text = read_text(path, TOML_BYTES, what, error)
    return text, parse_toml(text, str(path), error)


def _deep_toml_line(text: str) -> int:
    """The line on which arrays and inline tables first nest deeper than :data:`MAX_DEPTH`."""
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = re.sub(r"""("(?:[^"\\]|\\.)*"|'[^']*')""", "", line).split("#", 1)[0]
        if depth == 0 and re.match(r"\s*\[", stripped) and "=" not in stripped:
            continue  # a [table] or [[array]] header
        for char in stripped:
            depth += char in "[{"
            depth -= char in "]}"
            if depth > MAX_DEPTH:
                return number
    return 1
