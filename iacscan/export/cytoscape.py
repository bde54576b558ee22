"""Cytoscape.js elements JSON: ``{"elements": {"nodes": [...], "edges": [...]}}``.

Containment is Cytoscape's compound-node ``parent``, so a VPC is drawn as a box around its
subnets by any compound-aware layout; ``classes`` carry the verdict and the severity for a
stylesheet (``node.open``, ``node.sev-high``, ``edge.flows``).
"""

from __future__ import annotations

import json
from typing import Any

from iacscan.export.json_graph import attributes
from iacscan.export.viewmodel import View, ViewEdge, ViewNode


def _node(node: ViewNode, view: View) -> dict[str, Any]:
    data: dict[str, Any] = {"id": node.id, "label": node.label, "type": node.type}
    optional = (
        ("kind", node.kind if node.kind != "resource" else None),
        ("parent", node.parent),
        ("verdict", node.verdict),
        ("severity", node.severity),
        ("findings", len(node.findings) or None),
        ("count", node.count if node.count > 1 else None),
    )
    data.update((key, value) for key, value in optional if value is not None)
    if node.kind == "resource" and node.resource is not None:
        data["attributes"] = attributes(node.resource, view.redact, view.show_values)
    classes = [node.kind]
    classes += (
        ["existing"] if node.resource is not None and node.resource.mode == "existing" else []
    )
    classes += [node.verdict.lower()] if node.verdict else []
    classes += [f"sev-{node.severity}"] if node.severity else []
    return {"data": data, "classes": " ".join(classes)}


def _edge(number: int, edge: ViewEdge) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": f"e{number}",
        "source": edge.source,
        "target": edge.target,
        "kind": edge.kind,
    }
    for key, value in (("label", edge.attribute), ("verdict", edge.verdict), ("via", edge.via)):
        if value:
            data[key] = value
    classes = [edge.layer] + (["contains"] if edge.contains else [])
    classes += [v.lower() for v in edge.verdict.split("/") if v]
    return {"data": data, "classes": " ".join(classes)}


def render(view: View) -> str:
    elements = {
        "nodes": [_node(node, view) for node in view.nodes],
        "edges": [_edge(number, edge) for number, edge in enumerate(view.edges)],
    }
    return json.dumps({"elements": elements}, indent=2, ensure_ascii=False) + "\n"
