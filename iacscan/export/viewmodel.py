"""The view model every graph export draws: nodes, edges, options (the data, no analysis).

``export/view.py`` builds a ``View``; ``collapse.py`` and ``select.py`` transform one; the
format modules draw one. Keeping the data here lets all of them import it without an import
cycle through the builder.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import networkx as nx

from iacscan.graph.facts import Facts
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
    show_values: bool = False  # print secrets too (default: masked, export/redact.py)
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
    """Sorted nodes and edges plus what was done to them. ``facts`` are the analyses of the
    resource graph, for exporters that explain a node (the HTML side panel)."""

    nodes: list[ViewNode]
    edges: list[ViewEdge]
    facts: Facts
    redact: bool = False
    collapsed: tuple[str, ...] = ()
    show_values: bool = False
    index: dict[str, ViewNode] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.index = {node.id: node for node in self.nodes}

    @property
    def graph(self) -> nx.MultiDiGraph:
        return self.facts.graph

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
