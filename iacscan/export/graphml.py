"""GraphML for yEd and Gephi, written by hand with typed keys.

Containment is a ``parent`` attribute rather than GraphML's nested graphs: Gephi ignores
nesting and networkx's reader refuses it, while a plain attribute survives every tool and
yEd can group by it. Every node and edge of the view is written (parallel edges get their
own ids), so ``networkx.read_graphml`` gives back the same nodes and edges.
"""

from __future__ import annotations

import json
from xml.sax.saxutils import escape, quoteattr

from iacscan.export.json_graph import attributes
from iacscan.export.viewmodel import View, ViewEdge, ViewNode

NODE_KEYS = (
    ("label", "string"),
    ("type", "string"),
    ("kind", "string"),
    ("parent", "string"),
    ("verdict", "string"),
    ("severity", "string"),
    ("findings", "int"),
    ("count", "int"),
    ("file", "string"),
    ("line", "int"),
    ("attributes", "string"),
)
EDGE_KEYS = (
    ("kind", "string"),
    ("layer", "string"),
    ("label", "string"),
    ("verdict", "string"),
    ("via", "string"),
    ("contains", "boolean"),
)


def _key_lines() -> list[str]:
    lines = []
    for domain, keys in (("node", NODE_KEYS), ("edge", EDGE_KEYS)):
        for name, kind in keys:
            lines.append(
                f'  <key id="{domain[0]}_{name}" for="{domain}" attr.name="{name}" '
                f'attr.type="{kind}"/>'
            )
    return lines


def _data(prefix: str, values: list[tuple[str, object]]) -> list[str]:
    lines = []
    for name, value in values:
        if value is None or value == "":
            continue
        text = str(value).lower() if isinstance(value, bool) else str(value)
        lines.append(f'      <data key="{prefix}_{name}">{escape(text)}</data>')
    return lines


def _node(node: ViewNode, view: View) -> list[str]:
    resource = node.resource if node.kind == "resource" else None
    shown = attributes(resource, view.redact, view.show_values) if resource else None
    attrs = json.dumps(shown, sort_keys=True) if resource else None
    values: list[tuple[str, object]] = [
        ("label", node.label),
        ("type", node.type),
        ("kind", node.kind),
        ("parent", node.parent),
        ("verdict", node.verdict),
        ("severity", node.severity),
        ("findings", len(node.findings) or None),
        ("count", node.count),
        ("file", resource.location.file if resource else None),
        ("line", resource.location.line if resource else None),
        ("attributes", attrs),
    ]
    return [f"    <node id={quoteattr(node.id)}>", *_data("n", values), "    </node>"]


def _edge(number: int, edge: ViewEdge) -> list[str]:
    values: list[tuple[str, object]] = [
        ("kind", edge.kind),
        ("layer", edge.layer),
        ("label", edge.attribute),
        ("verdict", edge.verdict),
        ("via", edge.via),
        ("contains", edge.contains),
    ]
    ends = f"source={quoteattr(edge.source)} target={quoteattr(edge.target)}"
    return [f'    <edge id="e{number}" {ends}>', *_data("e", values), "    </edge>"]


def render(view: View) -> str:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns'
        ' http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">',
        *_key_lines(),
        '  <graph id="iacscan" edgedefault="directed">',
    ]
    for node in view.nodes:
        lines += _node(node, view)
    for number, edge in enumerate(view.edges):
        lines += _edge(number, edge)
    lines += ["  </graph>", "</graphml>"]
    return "\n".join(lines) + "\n"
