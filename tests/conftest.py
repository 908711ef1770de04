"""Shared fixtures: the shared conformance material and an in-process CLI runner."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from confcheck import cli


@dataclass
class Run:
    """What one ``confcheck`` invocation produced."""

    code: int
    out: str
    err: str


@pytest.fixture
def confcheck(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Run ``confcheck ARGS...`` in-process and capture its exit code and output."""

    def run(*args: str) -> Run:
        try:
            code = cli.main(list(args))
        except SystemExit as exc:  # argparse usage errors and --version
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run
