"""Node-link JSON of the resource graph: the machine-readable export and the API's shape."""

from __future__ import annotations

import json
from typing import Any

import networkx as nx

from iacscan.model import Resource
from iacscan.terraform.values import to_json


def node_record(node: str, resource: Resource) -> dict[str, Any]:
    return {
        "id": node,
        "address": resource.address,
        "type": resource.type,
        "mode": resource.mode,
        "module": resource.module,
        "root": resource.root,
        "file": resource.location.file,
        "line": resource.location.line,
        "end_line": resource.location.end_line,
        "multiplicity_unknown": resource.multiplicity_unknown,
        "attributes": to_json(resource.attrs),
    }


def edge_records(graph: nx.MultiDiGraph) -> list[dict[str, Any]]:
    edges = []
    for source, target, data in graph.edges(data=True):
        record = {"source": source, "target": target, "kind": data["kind"]}
        if data.get("attribute"):
            record["attribute"] = data["attribute"]
        if data.get("via"):
            record["via"] = data["via"]
        if data.get("verdict"):
            record["verdict"] = data["verdict"]
        edges.append(record)
    edges.sort(
        key=lambda e: (
            e["source"],
            e["target"],
            e["kind"],
            e.get("attribute", ""),
            e.get("via", ""),
        )
    )
    return edges


def synthetic_record(node: str) -> dict[str, Any]:
    """A node that is not a resource (``internet``): no file, no attributes."""
    return {"id": node, "type": node, "synthetic": True}


def render(graph: nx.MultiDiGraph) -> str:
    nodes = [
        node_record(n, graph.nodes[n]["resource"])
        if "resource" in graph.nodes[n]
        else synthetic_record(n)
        for n in sorted(graph.nodes)
    ]
    document = {"nodes": nodes, "edges": edge_records(graph)}
    return json.dumps(document, indent=2, sort_keys=False, ensure_ascii=False) + "\n"
