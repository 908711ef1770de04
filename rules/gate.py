"""CC9xx: what confcheck's gate (waivers, baselines) reports about itself."""

from __future__ import annotations

from confcheck import hookimpl
from confcheck.findings import Severity
from confcheck.rule import Rule, documented

UNUSED_WAIVER = documented(
    "CC901",
    "unused-waiver",
    Severity.WARNING,
    """A waiver in confcheck.toml matches no finding.

    ## What it checks
    Every `[[waiver]]` of the inventory against the findings of the run: a waiver whose rule and
    target match none of them is reported, with the file and line it was written at.

    ## Why it matters
    A waiver accepts a risk for a reason. Once the finding is fixed, or the target renamed, the
    waiver accepts nothing and only hides the next problem that happens to match it; stale waivers
    are how accepted risks outlive their reasons.

    ## Example
    `[[waiver]] rule = "CC102", target = "hq-imp/imp9.tftp-primary"`, after the TFTP server was
    set to its FQDN.

    ## How to fix
    Remove the waiver, or correct its rule or target so that it names the finding it is meant for.
    """,
)


@hookimpl
def confcheck_rules() -> list[Rule]:
    return [UNUSED_WAIVER]
