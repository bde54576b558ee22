"""Firewalls that decide by priority: GCP VPC firewall rules and Azure NSGs.

``exposure(networks, resource)`` gives a GCP or Azure workload the same verdict rows the AWS
analysis gives AWS workloads (``iacscan.graph.network.Verdict``), and ``reachers`` the
lateral flows into it; ``graph.facts.Facts`` builds the networks of a root module once per
run and keeps the results, like the AWS network.
"""

from __future__ import annotations

from typing import Any

from iacscan.graph.firewalls import azure, gcp, lateral
from iacscan.graph.network.exposure import Verdict
from iacscan.graph.network.lateral import Flow
from iacscan.model import Resource

WORKLOADS = frozenset(gcp.WORKLOADS + azure.WORKLOADS)
BOXES = ("google_compute_network", "google_compute_subnetwork", "azurerm_virtual_network")
SUBNET_BOXES = ("google_compute_subnetwork", "azurerm_subnet")


def cloud_of(resource: Resource) -> str | None:
    """``gcp`` or ``azure`` for the resource types these analyses read, else None."""
    if resource.type.startswith("google_"):
        return "gcp"
    if resource.type.startswith("azurerm_"):
        return "azure"
    return None


def build_networks(resources: list[Resource], cloud: str) -> Any:
    """The GCP or Azure networks of one root module's resources."""
    return gcp.build(resources) if cloud == "gcp" else azure.build(resources)


def exposure(networks: Any, resource: Resource) -> list[Verdict]:
    """Verdict rows of a GCP instance/template or an Azure VM/scale set; [] for others."""
    if resource.type in gcp.WORKLOADS:
        return gcp.exposure(networks, resource)
    if resource.type in azure.WORKLOADS:
        return azure.exposure(networks, resource)
    return []


def reachers(networks: Any, members: list[Resource], target: Resource) -> list[Flow]:
    """Every lateral flow into a GCP or Azure workload from another workload of the same
    root module (``members``) and network, in source order."""
    if target.type not in WORKLOADS or target.mode != "managed":
        return []
    cloud = cloud_of(target)
    kinds = gcp.WORKLOADS if cloud == "gcp" else azure.WORKLOADS
    flows_of = lateral.gcp_flows if cloud == "gcp" else lateral.azure_flows
    found: list[Flow] = []
    for source in sorted(members, key=lambda r: r.address):
        if source.address != target.address and source.mode == "managed" and source.type in kinds:
            found += flows_of(networks, source, target)
    return found


def container(networks: Any, resource: Resource) -> str | None:
    """The address of the subnet or network box a GCP or Azure resource is drawn in."""
    cloud = cloud_of(resource)
    if cloud == "gcp":
        return gcp.container(networks, resource)
    if cloud == "azure":
        return azure.container(networks, resource)
    return None


__all__ = [
    "BOXES",
    "SUBNET_BOXES",
    "WORKLOADS",
    "build_networks",
    "cloud_of",
    "container",
    "exposure",
    "reachers",
]
