"""Selection for exports: ``--focus ADDRESS --depth N`` and ``--exposure-only``.

Both keep a set of nodes and then the boxes around them (a workload drawn without its
subnet and VPC would lose the very context an architect asked for), and only the edges
between kept nodes.
"""

from __future__ import annotations

import networkx as nx

from iacscan.explain import resolve
from iacscan.export.viewmodel import ViewEdge, ViewNode, ViewOptions
from iacscan.graph.network.flows import INTERNET


def neighbourhood(start: str, edges: list[ViewEdge], depth: int) -> set[str]:
    """Nodes within ``depth`` edges of ``start``, whatever the edges' direction. The
    internet is a hub: it is kept but not walked through (unless it is the start), or every
    exposed workload would be two hops from every other."""
    hub = INTERNET if start != INTERNET else None
    walked = nx.Graph([(e.source, e.target) for e in edges if hub not in (e.source, e.target)])
    walked.add_node(start)
    distance = nx.single_source_shortest_path_length(walked, start, cutoff=depth)
    touching = {
        e.source if e.target == hub else e.target for e in edges if hub in (e.source, e.target)
    }
    reached_hub = any(distance.get(n, depth) < depth for n in touching)
    return set(distance) | ({INTERNET} if hub is not None and reached_hub else set())


def internet_reachable(edges: list[ViewEdge]) -> set[str]:
    """The internet and every node a chain of ``reaches`` edges leads to from it."""
    flows = nx.DiGraph([(e.source, e.target) for e in edges if e.kind == "reaches"])
    if INTERNET not in flows:
        return set()
    found: set[str] = nx.descendants(flows, INTERNET)
    return found | {INTERNET} if found else set()


def with_containers(kept: set[str], nodes: list[ViewNode]) -> set[str]:
    parent = {n.id: n.parent for n in nodes}
    result = set(kept)
    for node in kept:
        above = parent.get(node)
        while above is not None and above not in result:
            result.add(above)
            above = parent.get(above)
    return result


def select(
    graph: nx.MultiDiGraph, nodes: list[ViewNode], edges: list[ViewEdge], options: ViewOptions
) -> tuple[list[ViewNode], list[ViewEdge]]:
    """Apply ``--focus``/``--depth`` and ``--exposure-only``; raises ``explain.UnknownAddress``
    for a focus that names no resource."""
    kept = {n.id for n in nodes}
    if options.focus is not None:
        start = options.focus if options.focus == INTERNET else resolve(graph, options.focus)
        kept &= neighbourhood(start, edges, options.depth)
    if options.exposure_only:
        edges = [e for e in edges if e.kind == "reaches"]
        kept &= internet_reachable([e for e in edges if e.source in kept and e.target in kept])
    if options.focus is None and not options.exposure_only:
        return nodes, edges
    kept = with_containers(kept, nodes)
    return (
        [n for n in nodes if n.id in kept],
        [e for e in edges if e.source in kept and e.target in kept],
    )
