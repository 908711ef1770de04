"""Reports grow with the deployment, never with its square: measured in bytes, not seconds.

One certificate shared by every node of a cluster (the worst case seen: every finding about it linked
from every node, every demand naming every other node) made a 1,000-node HTML report 70 MB.
"""

from __future__ import annotations

import io

import pytest
from helpers import cert, cluster, deployment, node, report, tomcat

from confcheck import plugin_manager
from confcheck.report import Report


def shared_by(count: int) -> Report:
    leaf = cert("10.0.0.1", ips=["10.0.0.1"], self_signed=True)
    nodes = [node(f"cucm{i}.example.com", tomcat(f"cucm{i}.example.com", leaf)) for i in range(count)]
    return report(deployment(cluster("c", "cucm", "9.1", nodes)))


@pytest.fixture(scope="module")
def sizes() -> dict[str, tuple[int, int]]:
    small, large = shared_by(40), shared_by(160)
    found = {}
    for name, reporter in plugin_manager.reporters().items():
        outputs = []
        for rep in (small, large):
            out = io.StringIO()
            reporter.write(rep, out)
            outputs.append(len(out.getvalue()))
        found[name] = (outputs[0], outputs[1])
    return found


@pytest.mark.parametrize("fmt", ["terminal", "markdown", "html", "json", "sarif", "junit", "csv"])
def test_four_times_the_nodes_sharing_a_certificate_make_at_most_five_times_the_report(
    sizes: dict[str, tuple[int, int]], fmt: str
) -> None:
    small, large = sizes[fmt]
    assert large <= 5 * small, f"{fmt}: {small} -> {large} bytes"
