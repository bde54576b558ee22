"""Node-link JSON of the resource graph: the machine-readable export and the API's shape.

``nodes`` and ``edges`` keep the records scripts already read; what the view adds sits
beside them, keyed by node id, so that no existing key changes meaning: ``containment``
(node -> its box), ``verdicts`` (exposure and highest finding severity) and ``collapsed``
(which groups stand for several resources).
"""

from __future__ import annotations

import json
from typing import Any

from iacscan.export.redact import masked_attributes
from iacscan.export.viewmodel import View, ViewEdge, ViewNode
from iacscan.model import Resource
from iacscan.model.values import Ref, Unknown, to_json


def redacted(value: Any) -> Any:
    """The shape of a value without the value: ``--redact`` keeps types and addresses (a
    reference names a resource, so it stays)."""
    if isinstance(value, Ref):
        return {"ref": str(value)}
    if isinstance(value, Unknown):
        return "unknown"
    if isinstance(value, dict):
        return {str(k): redacted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redacted(v) for v in value]
    names = {bool: "bool", int: "number", float: "number", str: "string", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def attributes(resource: Resource, redact: bool, show_values: bool = False) -> Any:
    """Shapes only (``--redact``), every value (``--show-values``), or, by default, values
    with secrets masked."""
    if redact:
        return redacted(resource.attrs)
    return (
        to_json(resource.attrs) if show_values else masked_attributes(resource.type, resource.attrs)
    )


def node_record(
    node: str, resource: Resource, redact: bool = False, show_values: bool = False
) -> dict[str, Any]:
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
        "attributes": attributes(resource, redact, show_values),
    }


def synthetic_record(node: str) -> dict[str, Any]:
    """A node that is not a resource (``internet``): no file, no attributes."""
    return {"id": node, "type": node, "synthetic": True}


def _record(node: ViewNode, redact: bool, show_values: bool) -> dict[str, Any]:
    if node.kind == "resource" and node.resource is not None:
        return node_record(node.id, node.resource, redact, show_values)
    if node.kind in ("internet", "host", "project"):
        return {**synthetic_record(node.id), "type": node.type, **_label(node)}
    return {"id": node.id, "address": node.label, "type": node.type, "count": node.count}


def _label(node: ViewNode) -> dict[str, str]:
    return {"label": node.label} if node.label != node.id else {}


def edge_record(edge: ViewEdge) -> dict[str, Any]:
    record = {"source": edge.source, "target": edge.target, "kind": edge.kind}
    for key in ("attribute", "via", "verdict"):
        if getattr(edge, key):
            record[key] = getattr(edge, key)
    return record


def render(view: View) -> str:
    edges = sorted(
        (edge_record(e) for e in view.edges),
        key=lambda e: (
            e["source"],
            e["target"],
            e["kind"],
            e.get("attribute", ""),
            e.get("via", ""),
        ),
    )
    document = {
        "nodes": [_record(n, view.redact, view.show_values) for n in view.nodes],
        "edges": edges,
        "containment": {n.id: n.parent for n in view.nodes if n.parent is not None},
        "verdicts": {
            n.id: {k: v for k, v in (("exposure", n.verdict), ("severity", n.severity)) if v}
            for n in view.nodes
            if n.verdict or n.severity
        },
        "collapsed": {
            n.id: list(n.members) for n in view.nodes if n.kind in ("instances", "modules")
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
