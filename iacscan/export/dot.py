"""Graphviz DOT, written by hand so that no Graphviz binding is needed."""

from __future__ import annotations

import networkx as nx

from iacscan.export.json_graph import edge_records

EDGE_STYLES = {
    "reaches": 'color="red", penwidth=2',
    "references": 'color="gray60"',
    "depends_on": 'color="gray80", style=dashed',
}


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def render(graph: nx.MultiDiGraph) -> str:
    lines = ["digraph iacscan {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];']
    for node in sorted(graph.nodes):
        resource = graph.nodes[node].get("resource")
        if resource is None:  # the synthetic internet node
            lines.append(f'  {quote(node)} [shape=doubleoctagon, color="red"];')
            continue
        label = f"{node}\n{resource.type}"
        lines.append(f"  {quote(node)} [label={quote(label)}];")
    for edge in edge_records(graph):
        style = EDGE_STYLES.get(edge["kind"], 'color="black", penwidth=1.5')
        plain = edge["kind"] in ("references", "reaches")
        label = edge.get("attribute", "") if plain else edge["kind"]
        lines.append(
            f"  {quote(edge['source'])} -> {quote(edge['target'])} [label={quote(label)}, {style}];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"
