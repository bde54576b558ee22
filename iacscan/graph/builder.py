"""Resource graph: one node per resource instance, reference edges and typed relations.

This is the only module that imports networkx for building; analyses and exports receive the
graph. Edges are keyed ``kind:attribute`` so that the same input always produces the same
multigraph, and so that a relation is never added twice for the same attribute.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import networkx as nx

from iacscan.graph.compose import add_compose_edges
from iacscan.graph.relations import LINKS, RELATIONS, Link, Relation
from iacscan.model import Resource
from iacscan.model.values import Ref, Unknown

_INDEX = re.compile(r"\[(\d+|\"[^\"]*\")\]")


def node_id(resource: Resource, multi_root: bool) -> str:
    """A resource's node id: its address, prefixed by its root module when several are scanned
    (except the scanned directory itself, root ``.``: its ids read like Terraform's own)."""
    prefixed = multi_root and resource.root not in (".", "")
    return f"{resource.root}:{resource.address}" if prefixed else resource.address


def iter_ref_paths(value: Any, path: str = "") -> Iterator[tuple[str, Ref]]:
    """(attribute path, Ref) for every reference inside an attribute value."""
    if isinstance(value, Ref):
        yield path, value
    elif isinstance(value, Unknown):
        for ref in sorted(value.refs):
            yield path, ref
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from iter_ref_paths(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from iter_ref_paths(item, f"{path}[{i}]")


def pattern_of(path: str) -> str:
    """``network_configuration[0].subnets[1]`` -> ``network_configuration[*].subnets``."""
    return _INDEX.sub("[*]", re.sub(r"\[(\d+|\"[^\"]*\")\]$", "", path))


def build_graph(resources: list[Resource]) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    multi_root = len({r.root for r in resources}) > 1
    ids = {(r.root, r.address): node_id(r, multi_root) for r in resources}
    for resource in sorted(resources, key=lambda r: ids[(r.root, r.address)]):
        graph.add_node(ids[(resource.root, resource.address)], resource=resource)
    relations: dict[str, list[Relation]] = defaultdict(list)
    for row in RELATIONS:
        relations[row.resource_type].append(row)
    links: dict[str, list[Link]] = defaultdict(list)
    for link in LINKS:
        links[link.resource_type].append(link)
    for resource in resources:
        source = ids[(resource.root, resource.address)]
        targets = _reference_edges(graph, resource, source, ids)
        # An association resource only joins others: it is not itself "in" a subnet or VPC.
        generic = [] if resource.type in links else relations["*"]
        rows = generic + relations.get(resource.type, [])
        for pattern, target in targets:
            for row in rows:
                if row.attribute == pattern:
                    a, b = (target, source) if row.reverse else (source, target)
                    graph.add_edge(
                        a, b, key=f"{row.kind}:{pattern}", kind=row.kind, attribute=pattern
                    )
        for link in links.get(resource.type, []):
            _link_edges(graph, link, source, targets)
    add_compose_edges(graph, resources, ids)
    return graph


def _reference_edges(
    graph: nx.MultiDiGraph, resource: Resource, source: str, ids: dict[tuple[str, str], str]
) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for path, ref in iter_ref_paths(resource.attrs):
        target = ids.get((resource.root, ref.address))
        if target is None or target == source:
            continue
        graph.add_edge(source, target, key=f"references:{path}", kind="references", attribute=path)
        found.append((pattern_of(path), target))
    for address in resource.depends_on:
        target = ids.get((resource.root, address))
        if target is not None and target != source:
            graph.add_edge(
                source, target, key="depends_on", kind="depends_on", attribute="depends_on"
            )
    return found


def _link_edges(
    graph: nx.MultiDiGraph, link: Link, via: str, targets: list[tuple[str, str]]
) -> None:
    sources = sorted({t for p, t in targets if p == link.source_attribute})
    ends = sorted({t for p, t in targets if p == link.target_attribute})
    for a in sources:
        for b in ends:
            if a != b:
                graph.add_edge(
                    a,
                    b,
                    key=f"{link.kind}:{via}",
                    kind=link.kind,
                    attribute=link.target_attribute,
                    via=via,
                )
