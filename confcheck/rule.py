"""What a rule is: a stable code, a kebab-case name, a severity, its documentation and its check.

A rule is a function from the analysed snapshot to findings, wrapped by :func:`rule`::

    @rule("CC101", "name-mismatch", Severity.ERROR)
    def name_mismatch(ctx: Context) -> Iterator[Finding]:
        \"\"\"One-line summary.

        ## What it checks
        ## Why it matters
        ## Example
        ## How to fix
        \"\"\"

The docstring is the rule's documentation: ``confcheck rules`` and ``confcheck explain`` print it,
and a test fails when a section is missing. Codes are stable forever: never renumbered or reused.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from confcheck.findings import Finding, Severity

if TYPE_CHECKING:
    from confcheck.engine import Context

SECTIONS = ("What it checks", "Why it matters", "Example", "How to fix")
CODE = re.compile(r"CC\d{3}")
NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")

Check = Callable[["Context"], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class Rule:
    """A documented check. Call :meth:`run` to get its findings for a context."""

    code: str
    name: str
    severity: Severity
    check: Check | None
    """None for findings confcheck's gate reports itself (waivers), not a check of the snapshot."""
    doc: str

    @property
    def summary(self) -> str:
        """The first line of the documentation."""
        return self.doc.split("\n", 1)[0].strip()

    @property
    def sections(self) -> dict[str, str]:
        """The ``## Heading`` sections of the documentation, by heading."""
        found: dict[str, str] = {}
        for block in re.split(r"^## ", self.doc, flags=re.M)[1:]:
            heading, _, body = block.partition("\n")
            found[heading.strip()] = body.strip()
        return found

    def run(self, ctx: Context) -> list[Finding]:
        """The findings of this rule, each stamped with its code, name and severity."""
        if self.check is None:
            return []
        return [replace(f, rule=self.code, name=self.name, severity=self.severity) for f in self.check(ctx)]


def documented(code: str, name: str, severity: Severity, doc: str) -> Rule:
    """A rule confcheck reports outside the checks (the gate's CC9xx): documented like every rule."""
    return Rule(code, name, severity, None, inspect.cleandoc(doc))


def rule(code: str, name: str, severity: Severity) -> Callable[[Check], Rule]:
    """Turn a documented check function into a :class:`Rule`."""
    if not CODE.fullmatch(code):
        raise ValueError(f"rule code {code!r} must look like CC123")
    if not NAME.fullmatch(name):
        raise ValueError(f"rule name {name!r} must be kebab-case")

    def wrap(check: Check) -> Rule:
        return Rule(code, name, severity, check, inspect.cleandoc(check.__doc__ or ""))

    return wrap
