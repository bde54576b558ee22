"""Graphviz DOT, written by hand so that no Graphviz binding is needed."""

from __future__ import annotations

import networkx as nx

from iacscan.export.json_graph import edge_records

EDGE_STYLES = {
    "references": 'color="gray60"',
    "depends_on": 'color="gray80", style=dashed',
}


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def render(graph: nx.MultiDiGraph) -> str:
    lines = ["digraph iacscan {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];']
    for node in sorted(graph.nodes):
        resource = graph.nodes[node]["resource"]
        label = f"{node}\n{resource.type}"
        lines.append(f"  {quote(node)} [label={quote(label)}];")
    for edge in edge_records(graph):
        style = EDGE_STYLES.get(edge["kind"], 'color="black", penwidth=1.5')
        label = edge["kind"] if edge["kind"] != "references" else edge.get("attribute", "")
        lines.append(
            f"  {quote(edge['source'])} -> {quote(edge['target'])} [label={quote(label)}, {style}];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"
