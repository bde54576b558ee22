"""Compose relations in the resource graph: services on networks, shared namespaces, mounts.

Called once by ``graph.builder.build_graph`` (it reads only the model: every input adapter that
produces ``compose_*`` resources gets them). Edges follow the builder's conventions (keyed
``kind:attribute``, from the service): ``on_network`` to each network the service joins
(the implicit ``default`` one included), ``shares_network_namespace`` for
``network_mode: service:X``, ``mounts`` to each named volume. ``depends_on`` edges come
from ``Resource.depends_on`` like Terraform's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import networkx as nx

from iacscan.model import Resource


def service_networks(attrs: dict[str, Any]) -> list[str]:
    """Names of the networks a service joins by itself (none when it has a network_mode)."""
    if attrs.get("network_mode") is not None:
        return []
    networks = attrs.get("networks")
    if isinstance(networks, dict) and networks:
        return sorted(networks)
    return ["default"]


def namespace_owner(attrs: dict[str, Any]) -> str | None:
    """``network_mode: service:X`` -> X (the service whose network namespace it joins)."""
    mode = attrs.get("network_mode")
    if isinstance(mode, str) and mode.startswith("service:"):
        return mode[len("service:") :]
    return None


def add_compose_edges(
    graph: nx.MultiDiGraph, resources: Iterable[Resource], ids: dict[tuple[str, str], str]
) -> None:
    """Add the compose relations of every service in ``resources`` to ``graph``."""
    for resource in resources:
        if resource.type != "compose_service":
            continue
        edges = [
            (f"network.{n}", "on_network", f"networks.{n}")
            for n in service_networks(resource.attrs)
        ]
        owner = namespace_owner(resource.attrs)
        if owner:
            edges.append((f"service.{owner}", "shares_network_namespace", "network_mode"))
        volumes = resource.attrs.get("volumes")
        for i, mount in enumerate(volumes if isinstance(volumes, list) else []):
            if isinstance(mount, dict) and mount.get("type") == "volume" and mount.get("source"):
                edges.append((f"volume.{mount['source']}", "mounts", f"volumes[{i}]"))
        source = ids[(resource.root, resource.address)]
        for address, kind, attribute in edges:
            target = ids.get((resource.root, address))
            if target is not None and target != source:
                graph.add_edge(
                    source, target, key=f"{kind}:{attribute}", kind=kind, attribute=attribute
                )
