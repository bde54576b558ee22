"""Selection for exports: ``--focus ADDRESS --depth N`` and ``--exposure-only``.

Both keep a set of nodes and then the boxes around them (a workload drawn without its
subnet and VPC would lose the very context an architect asked for), and only the edges
between kept nodes.
"""

from __future__ import annotations

from collections import deque

import networkx as nx

from iacscan.explain import resolve
from iacscan.export.viewmodel import ViewEdge, ViewNode, ViewOptions
from iacscan.graph.network.flows import INTERNET


def neighbourhood(start: str, edges: list[ViewEdge], depth: int) -> set[str]:
    """Nodes within ``depth`` edges of ``start``, whatever the edges' direction. The
    internet is a hub: it is kept but not walked through (unless it is the start), or every
    exposed workload would be two hops from every other."""
    adjacent: dict[str, set[str]] = {}
    for edge in edges:
        adjacent.setdefault(edge.source, set()).add(edge.target)
        adjacent.setdefault(edge.target, set()).add(edge.source)
    seen, queue = {start}, deque([(start, 0)])
    while queue:
        node, distance = queue.popleft()
        if distance == depth or (node == INTERNET and node != start):
            continue
        for other in sorted(adjacent.get(node, ())):
            if other not in seen:
                seen.add(other)
                queue.append((other, distance + 1))
    return seen


def internet_reachable(edges: list[ViewEdge]) -> set[str]:
    """The internet and every node a chain of ``reaches`` edges leads to from it."""
    following: dict[str, set[str]] = {}
    for edge in edges:
        if edge.kind == "reaches":
            following.setdefault(edge.source, set()).add(edge.target)
    seen, queue = {INTERNET}, deque([INTERNET])
    while queue:
        for other in sorted(following.get(queue.popleft(), ())):
            if other not in seen:
                seen.add(other)
                queue.append(other)
    return seen if len(seen) > 1 else set()


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
