"""Exposure facts for exports: one verdict per node, and the compose flows.

A node's colour is its worst verdict over every port: an instance behind an internet-facing
load balancer is as exposed as the balancer on the ports it forwards, so the chains through
load balancers count too. ``with_flows`` covers AWS only; compose's flows (published ports,
services sharing a network) are added here rather than in the network package, which knows
nothing about compose.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import networkx as nx

from iacscan.graph.compose_reach import networks_of, peers, service_exposure
from iacscan.graph.facts import Facts
from iacscan.graph.firewalls import WORKLOADS as FIREWALL_WORKLOADS
from iacscan.graph.network.exposure import Verdict
from iacscan.graph.network.flows import INTERNET, REACHING
from iacscan.graph.network.placement import PLACERS
from iacscan.graph.network.sets import ports_text
from iacscan.model import Resource

RANK = {"CLOSED": 0, "UNDETERMINED": 1, "RESTRICTED": 2, "OPEN": 3}


def verdict_rows(facts: Facts, node: str, resource: Resource) -> list[Verdict] | None:
    """Every internet verdict of a workload (None: not a workload the analyses model)."""
    if resource.type == "compose_service":
        return service_exposure(facts.graph, node)
    if resource.mode == "managed" and resource.type in PLACERS:
        return facts.exposure(node) + facts.lb_exposure(node)
    if resource.mode == "managed" and resource.type in FIREWALL_WORKLOADS:
        return facts.exposure(node)
    return None


def node_verdict(facts: Facts, node: str, resource: Resource) -> str | None:
    """The worst verdict over every row; CLOSED for a workload with none (nothing published)."""
    rows = verdict_rows(facts, node, resource)
    if rows is None:
        return None
    return max((row.verdict for row in rows), key=RANK.__getitem__, default="CLOSED")


HOST = "host:"  # id prefix of a compose project's host node (inside the project's box)


def compose_flows(graph: nx.MultiDiGraph) -> list[dict[str, Any]]:
    """``reaches`` edges of compose projects, as edge records: internet -> service per
    (family, protocol) with an OPEN or RESTRICTED published port, host -> service for ports
    published on the host's loopback only, and service -> service for services that share
    a network (all ports)."""
    edges: list[dict[str, Any]] = []
    for node, data in sorted(graph.nodes(data=True)):
        if data["resource"].type != "compose_service":
            continue
        spans: dict[tuple[int, str], list[tuple[int, int]]] = defaultdict(list)
        verdicts: dict[tuple[int, str], set[str]] = defaultdict(set)
        local: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for row in service_exposure(graph, node):
            if row.verdict in REACHING:
                spans[(row.family, row.protocol)].append(row.ports)
                verdicts[(row.family, row.protocol)].add(row.verdict)
            elif any(b.startswith("HOST_LOCAL_BIND") for b in row.blocked_by):
                local[row.protocol].append(row.ports)
        host = HOST + data["resource"].root
        for protocol, ports in sorted(local.items()):
            label = f"{protocol} {ports_text(sorted(set(ports)))} (loopback)"
            edges.append(_edge(host, node, label, "HOST_LOCAL"))
        for (family, protocol), ports in sorted(spans.items()):
            edges.append(
                _edge(
                    INTERNET,
                    node,
                    f"IPv{family} {protocol} {ports_text(ports)}",
                    "/".join(sorted(verdicts[(family, protocol)])),
                )
            )
        networks = set(networks_of(graph, node))
        for peer in peers(graph, node):
            shared = sorted(
                graph.nodes[n]["resource"].address for n in networks & set(networks_of(graph, peer))
            )
            edges.append(_edge(peer, node, "all ports", "OPEN", ", ".join(shared)))
    return edges


def _edge(source: str, target: str, attribute: str, verdict: str, via: str = "") -> dict[str, Any]:
    record = {"source": source, "target": target, "kind": "reaches", "attribute": attribute}
    return {**record, "verdict": verdict, **({"via": via} if via else {})}
