"""Graph exports, one module per format, all ``render(graph, root) -> str``."""

from __future__ import annotations

from collections.abc import Callable

import networkx as nx

from iacscan.export import dot, json_graph

Exporter = Callable[[nx.MultiDiGraph], str]

EXPORTERS: dict[str, Exporter] = {
    "json": json_graph.render,
    "dot": dot.render,
}
