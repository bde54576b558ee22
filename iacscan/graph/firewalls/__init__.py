"""Firewalls that decide by priority: GCP VPC firewall rules and Azure NSGs.

``firewall_exposure(graph, node)`` gives a GCP or Azure workload the same verdict rows the
AWS analysis gives AWS workloads (``iacscan.graph.network.Verdict``); the networks of a root
module are built once per scan and kept on the graph, like the AWS network.
"""

from __future__ import annotations

from typing import Any

from iacscan.graph.firewalls import azure, gcp, lateral
from iacscan.graph.network.exposure import Verdict
from iacscan.graph.network.lateral import Flow
from iacscan.model import Resource

WORKLOADS = frozenset(gcp.WORKLOADS + azure.WORKLOADS)


def networks(graph: Any, root: str, cloud: str) -> Any:
    cache: dict[tuple[str, str], Any] = graph.graph.setdefault("firewall_networks", {})
    if (root, cloud) not in cache:
        resources = [d["resource"] for _, d in graph.nodes(data=True) if d["resource"].root == root]
        cache[(root, cloud)] = (gcp.build if cloud == "gcp" else azure.build)(resources)
    return cache[(root, cloud)]


def firewall_exposure(graph: Any, node: str) -> list[Verdict]:
    """Verdict rows of a GCP instance/template or an Azure VM/scale set; [] for others."""
    cache: dict[str, list[Verdict]] = graph.graph.setdefault("firewall_exposure", {})
    if node not in cache:
        resource = graph.nodes[node]["resource"]
        if resource.type in gcp.WORKLOADS:
            cache[node] = gcp.exposure(networks(graph, resource.root, "gcp"), resource)
        elif resource.type in azure.WORKLOADS:
            cache[node] = azure.exposure(networks(graph, resource.root, "azure"), resource)
        else:
            cache[node] = []
    return cache[node]


def firewall_reachers(graph: Any, node: str) -> list[Flow]:
    """Every lateral flow into a GCP or Azure workload from another workload of the same
    root module and network, sorted by source; memoized per scan."""
    cache: dict[str, list[Flow]] = graph.graph.setdefault("firewall_reachers", {})
    if node not in cache:
        target = graph.nodes[node]["resource"]
        cloud = "gcp" if target.type in gcp.WORKLOADS else "azure"
        flows_of = lateral.gcp_flows if cloud == "gcp" else lateral.azure_flows
        found: list[Flow] = []
        if target.type in WORKLOADS and target.mode == "managed":
            nets = networks(graph, target.root, cloud)
            for other in sorted(graph.nodes):
                source = graph.nodes[other]["resource"]
                same = source.root == target.root and source.mode == "managed"
                kinds = gcp.WORKLOADS if cloud == "gcp" else azure.WORKLOADS
                if other != node and same and source.type in kinds:
                    found += flows_of(nets, source, target)
        cache[node] = found
    return cache[node]


def container(graph: Any, resource: Resource) -> str | None:
    """The address of the subnet or network box a GCP or Azure resource is drawn in."""
    if resource.type.startswith("google_"):
        return gcp.container(networks(graph, resource.root, "gcp"), resource)
    if resource.type.startswith("azurerm_"):
        return azure.container(networks(graph, resource.root, "azure"), resource)
    return None


BOXES = ("google_compute_network", "google_compute_subnetwork", "azurerm_virtual_network")
SUBNET_BOXES = ("google_compute_subnetwork", "azurerm_subnet")
__all__ = [
    "BOXES",
    "SUBNET_BOXES",
    "WORKLOADS",
    "container",
    "firewall_exposure",
    "firewall_reachers",
    "networks",
]
