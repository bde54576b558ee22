"""Containment for exports: which box a node is drawn in (VPC > subnet > workload, compose
project > network > service).

DESIGN.md keeps containment out of the flow edges: it is an attribute for exports. A tree
needs one parent per node, so a node that sits in several containers (an ALB in two subnets,
a service on two networks) goes to the narrowest container that holds all of them: the
VPC of its subnets, the compose project. Workloads are placed by the exposure analysis's own
placement functions, so a box never disagrees with a verdict; other resources follow their
``in_subnet``/``in_vpc`` relation edges.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from iacscan.graph.compose_reach import networks_of
from iacscan.graph.facts import Facts
from iacscan.graph.firewalls import BOXES, SUBNET_BOXES, container
from iacscan.graph.network.placement import PLACERS
from iacscan.model import Resource

PROJECT = "project:"  # id prefix of a compose project's box
SUBNETS = ("aws_subnet", "aws_default_subnet")
VPCS = ("aws_vpc", "aws_default_vpc")
COMPOSE_TYPES = ("compose_service", "compose_network", "compose_volume")


def _targets(graph: nx.MultiDiGraph, node: str, kind: str, types: tuple[str, ...]) -> list[str]:
    found = {
        str(target)
        for _, target, data in graph.out_edges(node, data=True)
        if data.get("kind") == kind and graph.nodes[target]["resource"].type in types
    }
    return sorted(found)


def _vpc_of(graph: nx.MultiDiGraph, subnets: list[str]) -> str | None:
    """The one VPC all these subnets are in, if there is one."""
    vpcs = {vpc for subnet in subnets for vpc in _targets(graph, subnet, "in_vpc", VPCS)}
    return vpcs.pop() if len(vpcs) == 1 else None


def _narrowest(graph: nx.MultiDiGraph, subnets: list[str]) -> str | None:
    if len(subnets) == 1:
        return subnets[0]
    return _vpc_of(graph, subnets) if subnets else None


def _placed_subnets(facts: Facts, resource: Resource, ids: dict[Any, str]) -> list[str]:
    """Subnet nodes of a workload, as the exposure analysis places it."""
    net = facts.network(resource)
    place = PLACERS[resource.type](net, resource)
    found = set()
    for value in place.subnets:
        subnet = net.get(value, SUBNETS)
        if subnet is not None and (resource.root, subnet.address) in ids:
            found.add(ids[(resource.root, subnet.address)])
    return sorted(found)


def _aws_parent(facts: Facts, node: str, resource: Resource, ids: dict[Any, str]) -> str | None:
    graph = facts.graph
    if resource.type in VPCS:
        return None
    if resource.type in PLACERS and resource.mode == "managed":
        subnets = _placed_subnets(facts, resource, ids)
    else:
        subnets = [] if resource.type in SUBNETS else _targets(graph, node, "in_subnet", SUBNETS)
    if subnets:
        return _narrowest(graph, subnets)
    vpcs = _targets(graph, node, "in_vpc", VPCS)
    return vpcs[0] if len(vpcs) == 1 else None


def _compose_parent(graph: nx.MultiDiGraph, node: str, resource: Resource) -> str:
    """A service on exactly one network is drawn in it; anything else in the project."""
    if resource.type == "compose_service":
        networks = networks_of(graph, node)
        if len(networks) == 1:
            return networks[0]
    return PROJECT + resource.root


def parents(facts: Facts) -> dict[str, str]:
    """Node -> its containment parent, for the nodes that have one."""
    graph = facts.graph
    ids = {(d["resource"].root, d["resource"].address): n for n, d in graph.nodes(data=True)}
    found: dict[str, str] = {}
    for node, data in sorted(graph.nodes(data=True)):
        resource: Resource = data["resource"]
        if resource.type in COMPOSE_TYPES:
            found[node] = _compose_parent(graph, node, resource)
            continue
        if resource.type.startswith(("google_", "azurerm_")):
            box = container(facts.firewalls(resource), resource)
            parent = ids.get((resource.root, box)) if box else None
        else:
            parent = _aws_parent(facts, node, resource, ids)
        if parent is not None and parent != node:
            found[node] = parent
    for node in sorted(graph.nodes):
        if node not in found and graph.nodes[node]["resource"].type not in VPCS + BOXES:
            parent = _common_box(graph, node, found)
            if parent is not None:
                found[node] = parent
    return found


def _chain(graph: nx.MultiDiGraph, node: str, found: dict[str, str]) -> list[str]:
    """The boxes around a node, innermost first (itself when it is a box)."""
    boxes = SUBNETS + VPCS + BOXES + SUBNET_BOXES
    chain = [node] if graph.nodes[node]["resource"].type in boxes else []
    while node in found and len(chain) < 10:
        node = found[node]
        chain.append(node)
    return chain


def _common_box(graph: nx.MultiDiGraph, node: str, found: dict[str, str]) -> str | None:
    """A resource with no place of its own (a route table association, a listener, an SG
    rule) is drawn in the narrowest box holding everything it references."""
    targets = sorted(
        {str(t) for _, t, d in graph.out_edges(node, data=True) if d.get("kind") == "references"}
    )
    chains = [_chain(graph, target, found) for target in targets if target != node]
    if not chains or not all(chains):
        return None
    shared = set(chains[0]).intersection(*chains[1:])
    return next((box for box in chains[0] if box in shared), None)
