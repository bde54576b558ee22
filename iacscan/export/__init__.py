"""Graph exports, one module per format, all ``render(view) -> str``.

``view.build_view`` turns the resource graph into the one view every format draws
(containment, verdicts, findings, selection, collapsing); the modules only write it out.
Registered here as data, not by import side effects.
"""

from __future__ import annotations

from collections.abc import Callable

from iacscan.export import cytoscape, dot, graphml, html, json_graph, mermaid
from iacscan.export.viewmodel import View

Exporter = Callable[[View], str]

EXPORTERS: dict[str, Exporter] = {
    "json": json_graph.render,
    "dot": dot.render,
    "graphml": graphml.render,
    "cytoscape": cytoscape.render,
    "mermaid": mermaid.render,
    "html": html.render,
}
