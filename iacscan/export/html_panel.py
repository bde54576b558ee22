"""What the HTML side panel shows for each node, computed in Python and embedded as JSON.

The page does no analysis: facts, findings, the exposure explanation (the rows ``iacscan
explain`` prints, shortened) and the path from the internet are all decided here, so the
viewer cannot disagree with ``explain`` or ``scan``.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from iacscan.explain import NOT_A_WORKLOAD, explain
from iacscan.export.json_graph import attributes
from iacscan.export.verdicts import RANK
from iacscan.export.viewmodel import View, ViewEdge, ViewNode
from iacscan.graph.network.exposure import Verdict
from iacscan.graph.network.flows import INTERNET
from iacscan.graph.network.sets import ports_text, span_text

MAX_ROWS = 30


def paths_from_internet(edges: list[ViewEdge]) -> dict[str, list[int]]:
    """For every node a chain of ``reaches`` edges leads to: the edge indices of one
    shortest chain from the internet (breadth-first; OPEN edges tried before RESTRICTED
    ones, then in sorted order, so the path shown is the widest open door). networkx walks
    successors in insertion order, so the edges go in in that preference order."""
    best: dict[tuple[str, str], tuple[int, int]] = {}  # (source, target) -> (rank, index)
    for index, edge in enumerate(edges):
        if edge.kind == "reaches" and edge.source != edge.target:
            closed = -max(RANK.get(v, 0) for v in edge.verdict.split("/"))  # open ones first
            key = (edge.source, edge.target)
            best[key] = min(best.get(key, (closed, index)), (closed, index))
    order = sorted(best.items(), key=lambda item: (item[0][0], item[1][0], item[0][1], item[1][1]))
    flows = nx.DiGraph([pair for pair, _ in order])
    paths: dict[str, list[int]] = {INTERNET: []}
    if INTERNET in flows:
        for source, target in nx.bfs_edges(flows, INTERNET):
            paths[target] = [*paths[source], best[(source, target)][1]]
    return paths


def _row(verdict: Verdict, redact: bool) -> str:
    text = f"IPv{verdict.family} {verdict.protocol} {span_text(verdict.ports)}: {verdict.verdict}"
    if verdict.sources and not redact:
        text += " from " + ", ".join(verdict.sources)
    if verdict.path:
        text += " via " + " > ".join(verdict.path)
    if verdict.unknowns:
        text += " (unknown: " + "; ".join(verdict.unknowns) + ")"
    return text


def exposure_rows(view: View, node: str) -> list[str]:
    """Open, restricted and undetermined rows in full; closed ones as one line of blockers."""
    explanation = explain(view.facts, node)
    if explanation.note == NOT_A_WORKLOAD:
        return []
    rows = explanation.verdicts + explanation.via_lb
    lines = [_row(v, view.redact) for v in rows if v.verdict != "CLOSED"]
    closed = [v for v in rows if v.verdict == "CLOSED"]
    if closed:
        blockers = sorted({b for v in closed for b in v.blocked_by})
        lines.append(f"CLOSED on {len(closed)} port ranges, blocked by: " + ", ".join(blockers[:8]))
    for flow in explanation.lateral:
        ports = ports_text(flow.ports)
        lines.append(
            f"from {flow.source}: {flow.protocol} {ports} {flow.verdict} ({', '.join(flow.via)})"
        )
    return lines


def _member_rows(view: View, node: ViewNode) -> list[str]:
    if node.kind == "resource":
        return exposure_rows(view, node.id)
    if node.kind not in ("instances", "modules") or node.verdict is None:
        return []
    rows = []
    for member in node.members:
        rows += [f"{member}: {row}" for row in exposure_rows(view, member)]
    return rows


def _facts(node: ViewNode) -> list[list[str]]:
    resource = node.resource if node.kind == "resource" else None
    facts = [
        ["type", node.type + (f" x{node.count}" if node.count > 1 else "")],
        ["exposure", node.verdict or "not a workload"],
        ["worst finding", node.severity or "none"],
        ["in", node.parent or "-"],
    ]
    if resource is not None:
        facts.append(["declared at", f"{resource.location.file}:{resource.location.line}"])
    return facts


def _capped(rows: list[str]) -> list[str]:
    if len(rows) <= MAX_ROWS:
        return rows
    return [*rows[:MAX_ROWS], f"... {len(rows) - MAX_ROWS} more"]


def panel_data(
    view: View, node: ViewNode, edges: list[ViewEdge], path: list[int]
) -> dict[str, Any]:
    """The JSON the side panel shows for one node."""
    resource = node.resource if node.kind == "resource" else None
    findings = [
        f"{f.severity.upper()} {f.rule_id} {f.title}" + (f" ({f.path})" if f.path else "")
        for f in node.findings
    ]
    steps = [f"{edges[i].source} > {edges[i].target} ({edges[i].attribute})" for i in path]
    return {
        "label": node.label,
        "facts": _facts(node),
        "findings": _capped(findings),
        "exposure": _capped(_member_rows(view, node)),
        "members": list(node.members) if node.kind in ("instances", "modules") else [],
        "attributes": (
            attributes(resource, view.redact, view.show_values) if resource is not None else None
        ),
        "path": path,
        "pathText": steps,
    }
