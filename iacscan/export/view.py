"""The view model every graph export draws, computed once from the resource graph.

Exporters should not each re-derive containment, verdicts or collapsing (they would drift
apart, and a DOT file would disagree with the HTML viewer about what is exposed). So the
graph goes through one step first: nodes with their containment parent (VPC > subnet >
workload; compose project > network > service), exposure verdict and highest finding
severity; edges tagged with their layer (``references``, ``relations``, ``flows``); then the
selection (``--edges``, ``--focus``, ``--exposure-only``) and the collapsing of instances and
modules. Every list is sorted, so the same input gives the same view and the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import networkx as nx

from iacscan.export.collapse import collapse_as_needed
from iacscan.export.containment import PROJECT, parents
from iacscan.export.select import select
from iacscan.export.verdicts import HOST, compose_flows, node_verdict
from iacscan.export.viewmodel import (
    View,
    ViewEdge,
    ViewNode,
    ViewOptions,
    layer_of,
    mark_containment,
    worst_severity,
)
from iacscan.graph.facts import Facts
from iacscan.graph.network.flows import INTERNET, with_flows
from iacscan.model import Finding


def _findings_by_node(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    by_node: dict[str, list[Finding]] = {}
    for finding in findings:
        by_node.setdefault(finding.resource, []).append(finding)
    return by_node


def _base_nodes(
    facts: Facts, flows: nx.MultiDiGraph, findings: Iterable[Finding]
) -> list[ViewNode]:
    """One node per graph node, with containment, verdict and findings."""
    by_node = _findings_by_node(findings)
    parent = parents(facts)
    nodes = []
    for node in sorted(flows.nodes):
        resource = flows.nodes[node].get("resource")
        if resource is None and node.startswith(HOST):  # a compose project's host
            nodes.append(
                ViewNode(node, "host", "loopback binds", "host", PROJECT + node[len(HOST) :])
            )
            continue
        if resource is None:
            nodes.append(ViewNode(node, node, node, "internet"))
            continue
        own = tuple(sorted(by_node.get(node, []), key=lambda f: (f.rule_id, f.path)))
        nodes.append(
            ViewNode(
                node,
                resource.address,
                resource.type,
                "resource",
                parent.get(node),
                node_verdict(facts, node, resource),
                worst_severity(f.severity for f in own),
                members=(node,),
                resource=resource,
                findings=own,
            )
        )
    projects = sorted({p for p in parent.values() if p.startswith(PROJECT)})
    nodes += [
        ViewNode(p, f"compose: {p[len(PROJECT) :]}", "compose_project", "project") for p in projects
    ]
    return sorted(nodes, key=lambda n: n.id)


def _base_edges(flows: nx.MultiDiGraph, extra: list[dict[str, Any]]) -> list[ViewEdge]:
    edges = set()
    for source, target, data in [
        *flows.edges(data=True),
        *((e["source"], e["target"], e) for e in extra),
    ]:
        kind = data["kind"]
        edges.add(
            ViewEdge(
                source,
                target,
                kind,
                data.get("attribute") or "",
                data.get("via") or "",
                data.get("verdict") or "",
                layer_of(kind),
            )
        )
    return sorted(edges)


def build_view(
    facts: Facts, findings: Iterable[Finding] = (), options: ViewOptions | None = None
) -> View:
    """The view of the analysed graph: base nodes and edges, then selection, then collapsing."""
    options = options or ViewOptions()
    graph = facts.graph
    flows = with_flows(facts)
    extra = compose_flows(graph)
    synthetic = sorted(
        {e["source"] for e in extra if e["source"] == INTERNET or e["source"].startswith(HOST)}
    )
    if any(s not in flows for s in synthetic):
        flows = flows.copy()
        flows.add_nodes_from(synthetic, synthetic=True)
    nodes = _base_nodes(facts, flows, findings)
    edges = [e for e in _base_edges(flows, extra) if e.layer in options.edges]
    nodes, edges = select(graph, nodes, edges, options)
    edges = mark_containment(nodes, edges)
    view = View(nodes, edges, facts, options.redact, show_values=options.show_values)
    return collapse_as_needed(view, options)
