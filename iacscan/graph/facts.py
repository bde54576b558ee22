"""The analysis step: ``analyze(graph) -> Facts``, made once per run by the pipeline.

Every analysis over the model (the AWS network of each root module, internet exposure of
workloads, load-balancer chains, lateral flows, the workloads the internet reaches widely,
policy documents per root module) is answered by the one ``Facts`` object the pipeline hands
to rule checks, ``explain`` and the exporters. Nothing is kept on ``graph.graph``: the graph
is the model, ``Facts`` is what was concluded from it.

A fact is computed on first demand and then kept, because many runs need a fraction of them
(``scan --rule IAC-AWS-SG-001`` needs no exposure verdicts, ``explain ADDRESS`` those of one
workload); what is computed, and the output, are the same as when the memos lived on the
graph.
Compose reachability (``graph.compose_reach``) is a pure function of the graph, cheap enough
to recompute, and reads ``facts.graph``.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from iacscan.graph import firewalls
from iacscan.graph.network.exposure import Verdict, exposure, widely_reached
from iacscan.graph.network.lateral import Flow
from iacscan.graph.network.lb_chains import LB_TYPES, target_exposure
from iacscan.graph.network.model import AwsNetwork, build_network
from iacscan.graph.network.placement import PLACERS
from iacscan.model import Resource
from iacscan.policies.collect import Configuration, collect_configuration


class Facts:
    """What the analyses concluded about one resource graph; read-only for its users."""

    def __init__(self, graph: nx.MultiDiGraph) -> None:
        self.graph = graph
        self._networks: dict[str, AwsNetwork] = {}
        self._exposure: dict[str, list[Verdict]] = {}
        self._lb_exposure: dict[str, list[Verdict]] = {}
        self._exposed: dict[str, dict[str, bool]] = {}
        self._policies: dict[str, Configuration] = {}
        self._firewalls: dict[tuple[str, str], Any] = {}
        self._reachers: dict[str, list[Flow]] = {}

    def resource(self, node: str) -> Resource:
        found: Resource = self.graph.nodes[node]["resource"]
        return found

    def network(self, resource: Resource) -> AwsNetwork:
        """The AWS network of the resource's root module."""
        if resource.root not in self._networks:
            everything = [data["resource"] for _, data in self.graph.nodes(data=True)]
            self._networks[resource.root] = build_network(resource.root, everything)
        return self._networks[resource.root]

    def exposure(self, node: str) -> list[Verdict]:
        """Internet exposure of a workload node: its own address through its security groups
        (AWS), or through the priority-ordered firewall rules or NSGs (GCP, Azure)."""
        if node not in self._exposure and self.resource(node).type in firewalls.WORKLOADS:
            resource = self.resource(node)
            self._exposure[node] = firewalls.exposure(self.firewalls(resource), resource)
        return self._per_node(self._exposure, node, exposure)

    def firewalls(self, resource: Resource) -> Any:
        """The GCP or Azure networks of the resource's root module (by its type's cloud)."""
        key = (resource.root, firewalls.cloud_of(resource) or "")
        if key not in self._firewalls:
            members = self._members(resource.root)
            self._firewalls[key] = firewalls.build_networks(members, key[1])
        return self._firewalls[key]

    def firewall_reachers(self, node: str) -> list[Flow]:
        """Lateral flows into a GCP or Azure workload from the workloads of its network."""
        if node not in self._reachers:
            target = self.resource(node)
            members = self._members(target.root)
            self._reachers[node] = firewalls.reachers(self.firewalls(target), members, target)
        return self._reachers[node]

    def _members(self, root: str) -> list[Resource]:
        return [d["resource"] for _, d in self.graph.nodes(data=True) if d["resource"].root == root]

    def lb_exposure(self, node: str) -> list[Verdict]:
        """Internet exposure of a node through load-balancer chains that end at it."""
        return self._per_node(self._lb_exposure, node, target_exposure)

    def exposed_workloads(self, root: str) -> dict[str, bool]:
        """Workloads of a root module the internet reaches widely, directly or through a
        load balancer (address -> for sure); load balancers themselves forward, so they are
        not entry points of lateral chains."""
        if root not in self._exposed:
            found: dict[str, bool] = {}
            for node, data in self.graph.nodes(data=True):
                r = data["resource"]
                if r.root != root or r.mode != "managed" or r.type not in PLACERS:
                    continue
                if r.type in LB_TYPES:
                    continue
                reached = widely_reached(self.exposure(node) + self.lb_exposure(node))
                if reached is not False:
                    found[r.address] = reached is True
            self._exposed[root] = found
        return self._exposed[root]

    def policies(self, resource: Resource) -> Configuration:
        """The resources of ``resource``'s root module as policy analysis reads them."""
        if resource.root not in self._policies:
            members = [
                data["resource"]
                for _, data in self.graph.nodes(data=True)
                if data["resource"].root == resource.root
            ]
            self._policies[resource.root] = collect_configuration(resource.root, members)
        return self._policies[resource.root]

    def _per_node(self, memo: dict[str, list[Verdict]], node: str, compute: Any) -> list[Verdict]:
        if node not in memo:
            resource = self.resource(node)
            memo[node] = compute(self.network(resource), resource)
        return memo[node]


def analyze(graph: nx.MultiDiGraph) -> Facts:
    """The analysis step of the pipeline (load -> analyze -> check -> decide)."""
    return Facts(graph)
