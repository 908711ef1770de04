"""A finished lint run as reporters see it, and the reporter interface."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field
from typing import TYPE_CHECKING, TextIO

from confcheck import records
from confcheck.errors import ExitCode
from confcheck.findings import Finding, Severity, Suppression
from confcheck.model import Deployment

if TYPE_CHECKING:
    from confcheck.journey import Journey


@records.record
class Cover:
    """Who the report is for: a title and the customer's name (``[report]`` in confcheck.toml, ``--title``,
    ``--customer``), shown at the top of every human format."""

    title: str | None = None
    customer: str | None = None


@records.record
class ChangeSummary:
    """What a proposed change does: the edits, the findings it fixes and the ones it introduces."""

    applied: tuple[str, ...]
    fixed: tuple[Finding, ...]
    introduced: tuple[Finding, ...]


@records.record
class Report:
    """Findings of one run with the options that judge them."""

    deployment: Deployment
    findings: tuple[Finding, ...]
    references: int
    """How many references were checked."""
    incomplete: bool
    fail_on: Severity | None
    """``None`` means ``--fail-on never``."""
    source: str = ""
    suppressed: tuple[Suppression, ...] = ()
    """Findings waived or in the baseline: shown as such, never counted."""
    notes: tuple[str, ...] = ()
    """What the gate wants people to know (an expired waiver, findings left out by --select)."""
    changes: ChangeSummary | None = None
    """Set by ``lint --changes``: then only the findings the change introduces can fail the run."""
    missing: tuple[str, ...] = ()
    """What collection could not read or meet, one line each: every report says it when exit is 3."""
    cover: Cover = field(default_factory=Cover)
    journeys: tuple[Journey, ...] = ()
    """Jabber's sign-in journey per services domain (:mod:`confcheck.journey`), when discovery was
    collected; a report read back from JSON has none."""

    @property
    def failing(self) -> tuple[Finding, ...]:
        """The findings at or above ``fail_on`` (for a proposed change: those it introduces)."""
        if self.fail_on is None:
            return ()
        threshold = self.fail_on.rank
        judged = self.changes.introduced if self.changes is not None else self.findings
        return tuple(f for f in judged if f.severity.rank >= threshold)

    @property
    def exit_code(self) -> ExitCode:
        """3 when collection was incomplete, else 1 when a finding is at or above ``fail_on``, else 0."""
        if self.incomplete:
            return ExitCode.INCOMPLETE
        return ExitCode.FINDINGS if self.failing else ExitCode.OK

    def count(self, severity: Severity) -> int:
        """How many findings have ``severity``."""
        return sum(1 for f in self.findings if f.severity is severity)


@records.record
class Reporter:
    """An output format: ``confcheck lint --format NAME`` calls ``write(report, stream)``."""

    name: str
    description: str
    write: Callable[[Report, TextIO], None]
    machine: bool = False
    """True for formats other programs parse (they alone may own stdout)."""
