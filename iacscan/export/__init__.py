"""Graph exports, one module per format, all ``render(view) -> str``.

``view.build_view`` turns the resource graph into the one view every format draws
(containment, verdicts, findings, selection, collapsing); the modules only write it out.
Registered here as data, not by import side effects. Every format's text passes through
``encodable``: a lone surrogate (``"\ud800"`` in a JSON plan or an evaluated string) cannot
be written as UTF-8, so it becomes U+FFFD instead of failing the whole export.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from iacscan.export import cytoscape, dot, graphml, html, json_graph, mermaid
from iacscan.export.viewmodel import View

Exporter = Callable[[View], str]

_SURROGATE = re.compile("[\ud800-\udfff]")


def encodable(render: Exporter) -> Exporter:
    def run(view: View) -> str:
        return _SURROGATE.sub("\ufffd", render(view))

    return run


EXPORTERS: dict[str, Exporter] = {
    "json": encodable(json_graph.render),
    "dot": encodable(dot.render),
    "graphml": encodable(graphml.render),
    "cytoscape": encodable(cytoscape.render),
    "mermaid": encodable(mermaid.render),
    "html": encodable(html.render),
}
