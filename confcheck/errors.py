"""The small hierarchy of errors a user can see, each with a one-line message and its exit code."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes, the same for every command (never a count of findings)."""

    OK = 0
    """Nothing at or above ``--fail-on``."""
    FINDINGS = 1
    """At least one finding at or above ``--fail-on``."""
    USAGE = 2
    """Usage, configuration or input error."""
    INCOMPLETE = 3
    """Collection incomplete: something could not be reached or read."""


class ConfcheckError(Exception):
    """An error with a message meant for the user; the CLI prints it on one line and exits."""

    exit_code: ExitCode = ExitCode.USAGE


class InputError(ConfcheckError):
    """A file the user gave us (certificate, snapshot, configuration) cannot be used."""


class CatalogError(ConfcheckError):
    """The plugins declare an inconsistent catalog (duplicate location ids, overlapping versions)."""


def one_line(text: str) -> str:
    """``text`` with line breaks and other control characters escaped: error messages stay one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


MESSAGE_LIMIT = 2_000
"""Characters kept of a message a server wrote (an AXL fault, a stream error): reports stay readable
and their cost stays proportional to the deployment, not to what a server chose to send."""


def cut(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """``text``, or its start and a mark saying how much was cut when it is longer than ``limit``."""
    if len(text) <= limit:
        return text
    mark = f" [... {len(text):,} characters in all, cut by confcheck]"
    return text[: max(limit - len(mark), 0)] + mark
