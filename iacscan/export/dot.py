"""Graphviz DOT, written by hand so that no Graphviz binding is needed.

Containers (VPCs, subnets, compose projects and networks) become clusters, the container's
own node drawn inside its cluster so that edges to it still have an end. Exposed workloads
are filled by verdict; the highest finding severity is a line of the label and the border
width, so both survive a black-and-white print.
"""

from __future__ import annotations

from iacscan.export.viewmodel import View, ViewEdge, ViewNode

EDGE_STYLES = {
    "references": 'color="gray60"',
    "depends_on": 'color="gray80", style=dashed',
}
FLOW_STYLES = {
    "OPEN": 'color="red", penwidth=2',
    "RESTRICTED": 'color="darkorange", penwidth=2',
    "UNDETERMINED": 'color="goldenrod", penwidth=2, style=dashed',
}
FILLS = {
    "OPEN": "#f8d7da",
    "RESTRICTED": "#fde2c4",
    "UNDETERMINED": "#fff3bf",
    "CLOSED": "#e3f1e6",
}
BORDERS = {"critical": 4, "high": 3, "medium": 2}


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def node_line(node: ViewNode, indent: str) -> str:
    if node.kind == "internet":
        return f'{indent}{quote(node.id)} [shape=doubleoctagon, color="red"];'
    label = f"{node.label}\n{node.type}"
    if node.count > 1:
        label += f" x{node.count}"
    attributes = [f"label={quote(label + _severity(node))}"]
    if node.kind == "project":
        attributes.append("shape=tab")
    existing = node.resource is not None and node.resource.mode == "existing"
    if node.verdict is not None:
        style = '"filled,dashed"' if existing else "filled"
        attributes.append(f'style={style}, fillcolor="{FILLS.get(node.verdict, "white")}"')
    elif existing:  # read from AWS (--aws-context), not declared: drawn dashed
        attributes.append("style=dashed")
    if node.severity in BORDERS:
        attributes.append(f"penwidth={BORDERS[node.severity]}")
    return f"{indent}{quote(node.id)} [{', '.join(attributes)}];"


def _severity(node: ViewNode) -> str:
    return f"\nfindings: {len(node.findings)}, worst {node.severity}" if node.severity else ""


def edge_line(edge: ViewEdge) -> str:
    if edge.kind == "reaches":
        worst = "OPEN" if "OPEN" in edge.verdict else edge.verdict.split("/")[0]
        style = FLOW_STYLES.get(worst, 'color="red", penwidth=2')
        label = edge.attribute
    else:
        style = EDGE_STYLES.get(edge.kind, 'color="black", penwidth=1.5')
        label = edge.attribute if edge.kind == "references" else edge.kind
    return f"  {quote(edge.source)} -> {quote(edge.target)} [label={quote(label)}, {style}];"


def _cluster(
    view: View, node: str, children: dict[str, list[str]], counter: list[int]
) -> list[str]:
    """The cluster of a container, its children nested, numbered in drawing order."""
    indent = "  " * (1 + _depth(view, node))
    number = counter[0]
    counter[0] += 1
    title = view.index[node].label
    lines = [
        f"{indent}subgraph cluster_{number} {{",
        f'{indent}  label={quote(title)}; style="rounded"; color="#5b7fa6";',
        node_line(view.index[node], indent + "  "),
    ]
    for child in children[node]:
        if child in children:
            lines += _cluster(view, child, children, counter)
        else:
            lines.append(node_line(view.index[child], indent + "  "))
    return [*lines, f"{indent}}}"]


def _depth(view: View, node: str) -> int:
    depth, parent = 0, view.index[node].parent
    while parent is not None and parent in view.index and depth < 50:
        depth, parent = depth + 1, view.index[parent].parent
    return depth


def render(view: View) -> str:
    lines = ["digraph iacscan {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];']
    children = view.children()
    counter = [0]
    for node in view.nodes:
        if node.parent is not None and node.parent in view.index:
            continue  # drawn inside its container's cluster
        if node.id in children:
            lines += _cluster(view, node.id, children, counter)
        else:
            lines.append(node_line(node, "  "))
    lines += [edge_line(edge) for edge in view.drawn_edges()]
    lines.append("}")
    return "\n".join(lines) + "\n"
