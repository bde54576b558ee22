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
from dataclasses import dataclass, field, replace
from typing import Any

import networkx as nx

from iacscan.export.containment import PROJECT, parents
from iacscan.export.verdicts import HOST, compose_flows, node_verdict
from iacscan.graph.network.flows import INTERNET, with_flows
from iacscan.model import Finding, Resource, severity_rank

LAYERS = ("references", "relations", "flows")
DEFAULT_LAYERS = ("relations", "flows")
AUTO_COLLAPSE = 300  # an export with more nodes starts collapsed
VERDICT_RANK = {"CLOSED": 0, "UNDETERMINED": 1, "RESTRICTED": 2, "OPEN": 3}
CONTAINMENT_KINDS = ("in_vpc", "in_subnet", "on_network")


@dataclass(frozen=True)
class ViewOptions:
    """What to show; the CLI fills it from ``iacscan graph``'s options."""

    edges: tuple[str, ...] = DEFAULT_LAYERS
    focus: str | None = None
    depth: int = 1
    exposure_only: bool = False
    redact: bool = False
    collapse_instances: bool = False
    collapse_modules: bool = False
    auto_collapse: int = AUTO_COLLAPSE


@dataclass(frozen=True)
class ViewNode:
    """A drawn node: one resource, several collapsed ones (``members``; ``resource`` is then
    the first member's), or a synthetic node (``internet``, a compose project and its
    ``host``). ``verdict`` is
    None for what is not a workload, ``severity`` for a node without findings."""

    id: str
    label: str
    type: str
    kind: str  # resource | internet | host | project | instances | modules
    parent: str | None = None
    verdict: str | None = None
    severity: str | None = None
    count: int = 1
    members: tuple[str, ...] = ()
    resource: Resource | None = None
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True, order=True)
class ViewEdge:
    """A drawn edge; ``contains`` marks a relation that only repeats the containment (a
    subnet's ``in_vpc``), which drawings leave out because the boxes already say it."""

    source: str
    target: str
    kind: str
    attribute: str = ""
    via: str = ""
    verdict: str = ""
    layer: str = "relations"
    contains: bool = False


@dataclass
class View:
    """Sorted nodes and edges plus what was done to them. ``graph`` is the analysed resource
    graph, for exporters that explain a node (the HTML side panel)."""

    nodes: list[ViewNode]
    edges: list[ViewEdge]
    graph: nx.MultiDiGraph
    redact: bool = False
    collapsed: tuple[str, ...] = ()
    index: dict[str, ViewNode] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.index = {node.id: node for node in self.nodes}

    def children(self) -> dict[str, list[str]]:
        """Containment parent -> child ids, both sorted."""
        found: dict[str, list[str]] = {}
        for node in self.nodes:
            if node.parent is not None and node.parent in self.index:
                found.setdefault(node.parent, []).append(node.id)
        return found

    def drawn_edges(self) -> list[ViewEdge]:
        """Edges a drawing shows: containment repeats are left to the boxes."""
        return [edge for edge in self.edges if not edge.contains]


def layer_of(kind: str) -> str:
    if kind in ("references", "depends_on"):
        return "references"
    return "flows" if kind == "reaches" else "relations"


def worst_verdict(verdicts: Iterable[str | None]) -> str | None:
    known = [v for v in verdicts if v is not None]
    return max(known, key=lambda v: VERDICT_RANK.get(v, -1)) if known else None


def worst_severity(severities: Iterable[str | None]) -> str | None:
    known = [s for s in severities if s is not None]
    return max(known, key=severity_rank) if known else None


def _findings_by_node(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    by_node: dict[str, list[Finding]] = {}
    for finding in findings:
        by_node.setdefault(finding.resource, []).append(finding)
    return by_node


def _base_nodes(
    graph: nx.MultiDiGraph, flows: nx.MultiDiGraph, findings: Iterable[Finding]
) -> list[ViewNode]:
    """One node per graph node, with containment, verdict and findings."""
    by_node = _findings_by_node(findings)
    parent = parents(graph)
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
                node_verdict(graph, node, resource),
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


def mark_containment(nodes: list[ViewNode], edges: list[ViewEdge]) -> list[ViewEdge]:
    """Flag relation edges from a node to one of its containers."""
    parent = {n.id: n.parent for n in nodes}

    def ancestors(node: str) -> set[str]:
        found: set[str] = set()
        while parent.get(node) is not None and node not in found:
            node = str(parent[node])
            found.add(node)
        return found

    return [
        replace(e, contains=e.kind in CONTAINMENT_KINDS and e.target in ancestors(e.source))
        for e in edges
    ]


def build_view(
    graph: nx.MultiDiGraph, findings: Iterable[Finding] = (), options: ViewOptions | None = None
) -> View:
    """The view of ``graph``: base nodes and edges, then selection, then collapsing."""
    from iacscan.export.collapse import collapse_as_needed
    from iacscan.export.select import select

    options = options or ViewOptions()
    flows = with_flows(graph)
    extra = compose_flows(graph)
    synthetic = sorted(
        {e["source"] for e in extra if e["source"] == INTERNET or e["source"].startswith(HOST)}
    )
    if any(s not in flows for s in synthetic):
        flows = flows.copy()
        flows.add_nodes_from(synthetic, synthetic=True)
    nodes = _base_nodes(graph, flows, findings)
    edges = [e for e in _base_edges(flows, extra) if e.layer in options.edges]
    nodes, edges = select(graph, nodes, edges, options)
    view = View(nodes, mark_containment(nodes, edges), graph, options.redact)
    return collapse_as_needed(view, options)
