"""Findings for colouring an export, from the graph already loaded (no second parse).

The same rules and inline suppressions as ``iacscan scan`` with its defaults, so a node's
badge matches what ``scan`` reports; settings files and baselines are the scan command's
business and are not read here.
"""

from __future__ import annotations

from iacscan.api import LoadResult
from iacscan.decide import decide
from iacscan.model import Finding
from iacscan.rules.engine import run_rules
from iacscan.rules.loader import load_rules


def findings_of(loaded: LoadResult) -> list[Finding]:
    """Failing findings of the built-in rules that no inline comment suppresses."""
    engine = run_rules(load_rules(), loaded.resources, loaded.graph)
    blocks = {node: data["resource"].location for node, data in loaded.graph.nodes(data=True)}
    return decide(engine.findings, blocks, loaded.comments).findings
