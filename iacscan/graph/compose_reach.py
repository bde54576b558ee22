"""Compose reachability: who can open a connection to a service, from where.

From outside the host: a published port without a host IP (or bound to ``0.0.0.0``/``::``)
listens on every interface, so it is OPEN to whatever reaches the host; a ``127.0.0.1``/``::1``
bind is host-local (CLOSED, ``HOST_LOCAL_BIND``); another address is RESTRICTED to the
networks that reach that interface; ``network_mode: host`` puts every port the service
listens on onto the host (OPEN, all ports). A service attached only to ``internal: true``
networks has no external connectivity, and whether Docker still publishes its ports has
changed across versions, so such a port is UNDETERMINED rather than exposed.

Between services: two services reach each other (all ports) iff they share a network;
``network_mode: service:X`` joins X's namespace, so it has X's networks and X's published
ports. Verdicts reuse the Terraform analysis's ``Verdict`` so that rules, ``explain`` and
reports show both the same way; ``internet`` and ``host`` appear only in their paths.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import networkx as nx

from iacscan.graph.compose import namespace_owner
from iacscan.graph.network.exposure import Verdict
from iacscan.model.values import Unknown, is_unknown

ALL_PORTS = (1, 65535)
HOST_MODE = "network_mode: host: every port the service listens on is on the host's interfaces"
MAX_CHAIN = 10


def _resource(graph: nx.MultiDiGraph, node: str) -> Any:
    return graph.nodes[node]["resource"]


def _service_node(graph: nx.MultiDiGraph, node: str, name: str) -> str | None:
    """The node of service ``name`` in the same project as ``node``."""
    for _, target, data in graph.out_edges(node, data=True):
        kind = data.get("kind")
        if kind == "shares_network_namespace" and _resource(graph, target).name == name:
            return str(target)
    return None


def namespace_root(graph: nx.MultiDiGraph, node: str) -> str:
    """The service whose network namespace ``node`` uses (itself, or X of ``service:X``)."""
    for _ in range(MAX_CHAIN):
        owner = namespace_owner(_resource(graph, node).attrs)
        target = _service_node(graph, node, owner) if owner else None
        if target is None:
            return node
        node = target
    return node


def networks_of(graph: nx.MultiDiGraph, node: str) -> list[str]:
    """Network nodes the service is attached to, through its namespace owner if any."""
    owner = namespace_root(graph, node)
    return sorted(
        str(target)
        for _, target, data in graph.out_edges(owner, data=True)
        if data.get("kind") == "on_network"
    )


def peers(graph: nx.MultiDiGraph, node: str) -> list[str]:
    """Services that can reach ``node`` on all ports: they share a network with it."""
    networks = set(networks_of(graph, node))
    found = set()
    for other, data in graph.nodes(data=True):
        resource = data.get("resource")
        if other == node or resource is None or resource.type != "compose_service":
            continue
        if resource.root == _resource(graph, node).root and networks & set(
            networks_of(graph, other)
        ):
            found.add(str(other))
    return sorted(found)


def _verdict(node: str, family: int, entry: dict[str, Any], **fields: Any) -> Verdict:
    protocol = entry["protocol"] if isinstance(entry.get("protocol"), str) else "tcp"
    ports = (int(entry["target"]), int(entry["target_end"]))
    return Verdict(node, family, protocol, ports, **fields)


def _bind_text(host_ip: str, family: int, entry: dict[str, Any]) -> str:
    shown = host_ip or ("0.0.0.0" if family == 4 else "::")
    published, end = entry.get("published"), entry.get("published_end")
    port = "(random)" if published is None else str(published)
    if published is not None and end not in (None, published):
        port = f"{published}-{end}"
    return f"host [{shown}]:{port}" if ":" in shown else f"host {shown}:{port}"


def _internal_only(graph: nx.MultiDiGraph, node: str) -> tuple[bool | None, list[str]]:
    """Are all of the service's networks ``internal: true``? None when that is unknown."""
    networks = networks_of(graph, node)
    flags = [_resource(graph, n).attrs.get("internal") for n in networks]
    if not networks:
        return False, []
    if any(is_unknown(f) for f in flags):
        return None, networks
    return all(f is True for f in flags), networks


def port_verdicts(graph: nx.MultiDiGraph, node: str, entry: Any) -> list[Verdict]:
    """The verdicts of one canonical ``ports`` entry of the service at ``node``."""
    if isinstance(entry, Unknown) or not isinstance(entry, dict):
        reason = entry.reason if isinstance(entry, Unknown) else "malformed port"
        return [Verdict(node, 4, "tcp", ALL_PORTS, "UNDETERMINED", unknowns=(reason,))]
    host_ip = entry.get("host_ip")
    if is_unknown(host_ip) or is_unknown(entry.get("published")):
        reason = next(v.reason for v in (host_ip, entry.get("published")) if isinstance(v, Unknown))
        return [_verdict(node, 4, entry, verdict="UNDETERMINED", unknowns=(reason,))]
    families = [4, 6] if host_ip in ("", None) else [6 if ":" in str(host_ip) else 4]
    return [_family_verdict(graph, node, entry, str(host_ip or ""), f) for f in families]


def _family_verdict(
    graph: nx.MultiDiGraph, node: str, entry: dict[str, Any], host_ip: str, family: int
) -> Verdict:
    bind = _bind_text(host_ip, family, entry)
    target = f"{node}:{entry['target']}"
    path = ("internet", bind, target)
    world = ("0.0.0.0/0" if family == 4 else "::/0",)
    try:
        address = ipaddress.ip_address(host_ip) if host_ip else None
    except ValueError:
        address = None  # a host name or interface: not a wildcard, not known to be local
    if address is not None and address.is_loopback:
        blocked = (f"HOST_LOCAL_BIND({host_ip})",)
        return _verdict(
            node, family, entry, verdict="CLOSED", path=(bind, target), blocked_by=blocked
        )
    if (address is not None and not address.is_unspecified) or (host_ip and address is None):
        sources = (f"networks routed to {host_ip}",)
        return _verdict(node, family, entry, verdict="RESTRICTED", path=path, sources=sources)
    internal, networks = _internal_only(graph, node)
    if internal is False:
        return _verdict(node, family, entry, verdict="OPEN", path=path, sources=world)
    return _verdict(
        node,
        family,
        entry,
        verdict="UNDETERMINED",
        path=path,
        sources=world,
        blocked_by=tuple(f"INTERNAL_NETWORK({n})" for n in networks),
        unknowns=(_internal_reason(internal, networks),),
    )


def _internal_reason(internal: bool | None, networks: list[str]) -> str:
    if internal is None:
        return f"whether {', '.join(networks)} is internal is unknown"
    why = "internal network(s) " + ", ".join(networks)
    return f"published port on a service attached only to {why}; Docker versions differ"


def service_exposure(graph: nx.MultiDiGraph, node: str) -> list[Verdict]:
    """Every verdict of the service at ``node``, sorted (family, protocol, ports)."""
    owner = namespace_root(graph, node)
    attrs = _resource(graph, owner).attrs
    mode = attrs.get("network_mode")
    verdicts: list[Verdict] = []
    if isinstance(mode, Unknown):
        verdicts.append(Verdict(node, 4, "tcp", ALL_PORTS, "UNDETERMINED", unknowns=(mode.reason,)))
    elif mode == "host":
        for family in (4, 6):
            for protocol in ("tcp", "udp"):
                source = "0.0.0.0/0" if family == 4 else "::/0"
                verdicts.append(
                    Verdict(
                        node,
                        family,
                        protocol,
                        ALL_PORTS,
                        "OPEN",
                        (source,),
                        ("internet", "host network", node),
                        assumptions=(HOST_MODE,),
                    )
                )
    elif not (mode == "none" or (isinstance(mode, str) and mode.startswith("container:"))):
        ports = attrs.get("ports")
        if isinstance(ports, Unknown):
            ports = [ports]
        for entry in ports if isinstance(ports, list) else []:
            verdicts.extend(port_verdicts(graph, owner, entry))
    verdicts = [v if v.workload == node else _relabel(v, node) for v in verdicts]
    return sorted(verdicts, key=lambda v: (v.family, v.protocol, v.ports, v.verdict, v.path))


def _relabel(verdict: Verdict, node: str) -> Verdict:
    """A verdict of the namespace owner, as seen by a service that joined it."""
    path = (*verdict.path, f"{node} (network_mode: service)")
    return Verdict(
        node,
        verdict.family,
        verdict.protocol,
        verdict.ports,
        verdict.verdict,
        verdict.sources,
        path,
        verdict.blocked_by,
        verdict.unknowns,
        verdict.assumptions,
    )
