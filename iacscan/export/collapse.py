"""Collapsing for large graphs: ``count``/``for_each`` instances into one node with a count,
and whole modules into one node (``--collapse-modules``).

An export over ``ViewOptions.auto_collapse`` nodes starts collapsed: instances first, then
modules if that was not enough, because twenty identical subnets teach a reviewer nothing
that one box marked "x20" does not. A collapsed node keeps the worst verdict and severity
of its members, all their findings, and their ids; parallel edges merge, their labels
joined; edges inside a group disappear, except ``reaches`` (instances that reach each other).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from iacscan.export.viewmodel import (
    View,
    ViewEdge,
    ViewNode,
    ViewOptions,
    mark_containment,
    worst_severity,
    worst_verdict,
)

_INDEX = re.compile(r'\[(?:\d+|"(?:[^"\\]|\\.)*")\]$')
_MODULE = re.compile(r"^module\.[^.\[]+")


def instance_key(node: ViewNode) -> str | None:
    """``aws_subnet.public[1]`` -> ``aws_subnet.public``; None for a single resource."""
    if node.resource is None or node.resource.index is None:
        return None
    return _INDEX.sub("", node.id)


def module_key(node: ViewNode) -> str | None:
    """``module.net.aws_subnet.a`` (or ``module.net["x"].module.sub...``) -> ``module.net``."""
    resource = node.resource
    if resource is None or not resource.module:
        return None
    found = _MODULE.match(resource.module)
    return root_prefix(node) + found.group(0) if found else None


def root_prefix(node: ViewNode) -> str:
    """``root:`` when several roots made the ids ``root:address``, else ""; a group's
    ``resource`` is its first member's."""
    first = node.members[0] if node.members else node.id
    return first[: len(first) - len(node.resource.address)] if node.resource else ""


def _merged(key: str, group: list[ViewNode], kind: str, mapped: dict[str, str]) -> ViewNode:
    types = sorted({n.type for n in group})
    parents = {mapped.get(str(n.parent), n.parent) for n in group} - {key}
    first = min(group, key=lambda n: n.members[0] if n.members else n.id)
    return ViewNode(
        key,
        key[len(root_prefix(first)) :],
        types[0] if len(types) == 1 else "module",
        kind,
        next(iter(parents)) if len(parents) == 1 else None,
        worst_verdict(n.verdict for n in group),
        worst_severity(n.severity for n in group),
        sum(n.count for n in group),
        tuple(sorted(m for n in group for m in n.members)),
        first.resource,
        tuple(f for n in group for f in n.findings),
    )


def _joined(values: list[str]) -> str:
    return ", ".join(sorted({v for value in values for v in value.split(", ") if v}))


def _merge_edges(edges: list[ViewEdge], mapped: dict[str, str]) -> list[ViewEdge]:
    groups: dict[tuple[str, str, str, str], list[ViewEdge]] = {}
    for edge in edges:
        source, target = mapped.get(edge.source, edge.source), mapped.get(edge.target, edge.target)
        if source == target and edge.kind != "reaches":
            continue
        groups.setdefault((source, target, edge.kind, edge.layer), []).append(edge)
    merged = []
    for (source, target, kind, layer), group in sorted(groups.items()):
        verdicts = {v for e in group for v in e.verdict.split("/") if v}
        merged.append(
            ViewEdge(
                source,
                target,
                kind,
                _joined([e.attribute for e in group]),
                _joined([e.via for e in group]),
                "/".join(sorted(verdicts)),
                layer,
            )
        )
    return merged


def collapse(view: View, key: Callable[[ViewNode], str | None], kind: str) -> View:
    """Merge the nodes that ``key`` maps to the same id; other nodes keep theirs."""
    groups: dict[str, list[ViewNode]] = {}
    for node in view.nodes:
        found = key(node)
        if found is not None:
            groups.setdefault(found, []).append(node)
    mapped = {m.id: k for k, members in groups.items() for m in members}
    nodes = [_merged(k, members, kind, mapped) for k, members in groups.items()]
    for node in view.nodes:
        if node.id not in mapped:
            parent = mapped.get(str(node.parent), node.parent)
            nodes.append(replace(node, parent=parent if parent != node.id else None))
    nodes.sort(key=lambda n: n.id)
    edges = mark_containment(nodes, _merge_edges(view.edges, mapped))
    return replace(view, nodes=nodes, edges=edges, collapsed=(*view.collapsed, kind))


def collapse_as_needed(view: View, options: ViewOptions) -> View:
    """Instances, then modules: when asked, or when the export is over the threshold."""
    if options.collapse_instances or len(view.nodes) > options.auto_collapse:
        view = collapse(view, instance_key, "instances")
    if options.collapse_modules or len(view.nodes) > options.auto_collapse:
        view = collapse(view, module_key, "modules")
    return view
