"""Mermaid ``flowchart`` for pull-request comments: containers as subgraphs, flows bold.

GitHub renders Mermaid in comments but refuses large diagrams, so this format is meant for
``--exposure-only`` or ``--focus``. Ids are short positional names (``n3``) because Mermaid
ids cannot hold brackets or quotes; labels are quoted with Mermaid's entity codes.
"""

from __future__ import annotations

from iacscan.export.viewmodel import View, ViewEdge, ViewNode

CLASSES = (
    ("open", "fill:#f8d7da,stroke:#c62828,stroke-width:2px"),
    ("restricted", "fill:#fde2c4,stroke:#e65100,stroke-width:2px"),
    ("undetermined", "fill:#fff3bf,stroke:#b08800,stroke-dasharray:4 2"),
    ("closed", "fill:#e3f1e6,stroke:#2e7d32"),
)


def label(text: str) -> str:
    """A quoted Mermaid label; quotes and angle brackets become entity codes."""
    for raw, code in (("&", "#amp;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(raw, code)
    return f'"{text}"'


def _text(node: ViewNode) -> str:
    if node.kind == "internet":
        return node.label
    text = f"{node.label}<br/>{node.type}"
    text += f" x{node.count}" if node.count > 1 else ""
    return text + (f"<br/>worst finding: {node.severity}" if node.severity else "")


def _shape(node_id: str, node: ViewNode) -> str:
    text = label(_text(node)).replace("#lt;br/#gt;", "<br/>")
    if node.kind == "internet":
        return f"{node_id}(({text}))"
    if node.resource is not None and node.resource.mode == "existing":
        return f"{node_id}[/{text}/]"  # read from AWS (--aws-context), not declared
    return f"{node_id}[{text}]"


def _arrow(edge: ViewEdge, ids: dict[str, str]) -> str:
    if edge.kind == "reaches":
        arrow = "==>" if "OPEN" in edge.verdict else "-->"
        text = edge.attribute
    else:
        arrow, text = "-.->", edge.attribute if edge.kind == "references" else edge.kind
    middle = f"{arrow}|{label(text)}|" if text else arrow
    return f"  {ids[edge.source]} {middle} {ids[edge.target]}"


def _block(
    view: View, node: str, children: dict[str, list[str]], ids: dict[str, str], depth: int
) -> list[str]:
    indent = "  " * depth
    if node not in children:
        return [indent + _shape(ids[node], view.index[node])]
    lines = [f"{indent}subgraph {ids[node]}[{label(view.index[node].label)}]"]
    for child in children[node]:
        lines += _block(view, child, children, ids, depth + 1)
    return [*lines, f"{indent}end"]


def render(view: View) -> str:
    ids = {
        n.id: ("internet" if n.kind == "internet" else f"n{i}") for i, n in enumerate(view.nodes)
    }
    children = view.children()
    lines = ["flowchart LR"]
    for node in view.nodes:
        if node.parent is None or node.parent not in view.index:
            lines += _block(view, node.id, children, ids, 1)
    lines += [_arrow(edge, ids) for edge in view.drawn_edges()]
    lines += [f"  classDef {name} {style}" for name, style in CLASSES]
    for name, _ in CLASSES:
        members = [ids[n.id] for n in view.nodes if (n.verdict or "").lower() == name]
        if members:
            lines.append(f"  class {','.join(members)} {name}")
    return "\n".join(lines) + "\n"
