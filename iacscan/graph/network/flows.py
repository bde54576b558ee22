"""``reaches`` edges for graph exports: from the synthetic ``internet`` node and between
workloads.

Exports show architects what the analysis concluded, not only what references what: one edge
per (workload, family, protocol) that is OPEN or RESTRICTED on some ports, labelled with the
ports, and one per lateral flow (source, target, protocol) labelled with the ports and the
rules that admit it. The resource graph the rules run on is never changed; exports work on
a copy.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import networkx as nx

from iacscan.graph.firewalls import WORKLOADS as FIREWALL_WORKLOADS
from iacscan.graph.network.lateral import reachers
from iacscan.graph.network.placement import PLACERS
from iacscan.graph.network.sets import ports_text

INTERNET = "internet"
REACHING = ("OPEN", "RESTRICTED")

if TYPE_CHECKING:
    from iacscan.graph.facts import Facts


def with_flows(facts: Facts) -> nx.MultiDiGraph:
    """A copy of the graph with the ``internet`` node and its ``reaches`` edges added."""
    graph = facts.graph
    flows: dict[tuple[str, str, str], list[tuple[int, int]]] = defaultdict(list)
    verdicts: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for node, data in graph.nodes(data=True):
        resource = data.get("resource")
        if resource is None or resource.mode != "managed":
            continue
        for verdict in facts.exposure(node):
            if verdict.verdict in REACHING:
                key = (node, f"IPv{verdict.family}", verdict.protocol)
                flows[key].append(verdict.ports)
                verdicts[key].add(verdict.verdict)
    copy = graph.copy()
    _add_lateral(facts, copy)
    if not flows:
        return copy
    copy.add_node(INTERNET, synthetic=True)
    for (node, family, protocol), spans in sorted(flows.items()):
        ports = ports_text(spans)
        copy.add_edge(
            INTERNET,
            node,
            key=f"reaches:{family}:{protocol}",
            kind="reaches",
            attribute=f"{family} {protocol} {ports}",
            verdict="/".join(sorted(verdicts[(node, family, protocol)])),
        )
    return copy


def _add_lateral(facts: Facts, copy: nx.MultiDiGraph) -> None:
    """One ``reaches`` edge per lateral flow, in node order (deterministic)."""
    graph = facts.graph
    nodes = {
        (data["resource"].root, data["resource"].address): node
        for node, data in graph.nodes(data=True)
    }
    for node, data in sorted(graph.nodes(data=True)):
        resource = data.get("resource")
        if resource is None or resource.mode != "managed":
            continue
        if resource.type in PLACERS:
            found = reachers(facts.network(resource), resource.address)
        elif resource.type in FIREWALL_WORKLOADS:
            found = facts.firewall_reachers(node)
        else:
            continue
        for flow in found:
            source = nodes[(resource.root, flow.source)]
            copy.add_edge(
                source,
                node,
                key=f"reaches:{flow.protocol}",
                kind="reaches",
                attribute=f"{flow.protocol} {ports_text(flow.ports)}",
                verdict=flow.verdict,
                via=", ".join(flow.via),
            )
