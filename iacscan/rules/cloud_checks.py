"""Checks on GCP and Azure resources that the condition vocabulary cannot say.

Whether a GCP resource sits in the project's ``default`` network depends on what a network
reference resolves to: a Ref to a declared network is that network's name, a self link
ends in the name, and an instance interface that names neither network nor subnetwork
gets the default network.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from iacscan.graph.firewalls import networks
from iacscan.graph.firewalls.gcp import NETWORK, SUBNETWORK, GcpNetworks
from iacscan.model.values import Ref, is_unknown
from iacscan.rules.conditions import FALSE, Outcome, Subject, Tri


def _is_default(nets: GcpNetworks, value: Any, kind: str = NETWORK) -> bool | None:
    """Does a network (or subnetwork) value name the default network? None: unknown."""
    found = nets.find(value, kind)
    if found is not None:
        if kind == SUBNETWORK:
            return _is_default(nets, found.attrs.get("network"))
        name = found.attrs.get("name")
        return None if is_unknown(name) else name == "default"
    if isinstance(value, str):
        return kind == NETWORK and value.rstrip("/").rsplit("/", 1)[-1] == "default"
    return None if isinstance(value, Ref) or is_unknown(value) else False


def gcp_default_network(
    subject: Subject, graph: nx.MultiDiGraph, params: dict[str, Any]
) -> Outcome:
    """Fails when the resource, or one of its interfaces, is in the ``default`` network."""
    nets = networks(graph, graph.nodes[subject.node]["resource"].root, "gcp")
    places: list[tuple[str, Any, str]] = []
    interfaces = subject.attrs.get("network_interface")
    if isinstance(interfaces, list):
        for i, interface in enumerate(interfaces):
            if not isinstance(interface, dict):
                continue
            path = f"network_interface[{i}]"
            if interface.get("network") is not None or interface.get("subnetwork") is None:
                places.append((f"{path}.network", interface.get("network", "default"), NETWORK))
            else:
                places.append((f"{path}.subnetwork", interface["subnetwork"], SUBNETWORK))
    elif "network" in subject.attrs:
        places.append(("network", subject.attrs["network"], NETWORK))
    unknown = None
    for path, value, kind in places:
        verdict = _is_default(nets, value, kind)
        if verdict:
            return Outcome(Tri.TRUE, path, (f"{path} is the default network",))
        if verdict is None:
            unknown = unknown or Outcome(Tri.UNKNOWN, path, (f"{path} is known only after apply",))
    return unknown or FALSE


CHECKS = {"gcp_default_network": gcp_default_network}
