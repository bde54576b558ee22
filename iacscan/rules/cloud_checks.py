"""Checks on GCP and Azure resources that the condition vocabulary cannot say.

Whether a GCP resource sits in the project's ``default`` network depends on what a network
reference resolves to: a Ref to a declared network is that network's name, a self link
ends in the name, and an instance interface that names neither network nor subnetwork
gets the default network.
"""

from __future__ import annotations

from typing import Any

from iacscan.graph.facts import Facts
from iacscan.graph.firewalls.gcp import NETWORK, SUBNETWORK, GcpNetworks
from iacscan.graph.network.exposure import widely_reached
from iacscan.graph.network.lateral import hop_text
from iacscan.graph.network.sets import intersect, ports_text, spans
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


def gcp_default_network(subject: Subject, facts: Facts, params: dict[str, Any]) -> Outcome:
    """Fails when the resource, or one of its interfaces, is in the ``default`` network."""
    nets = facts.firewalls(facts.resource(subject.node))
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


def _entry(facts: Facts, node: str) -> bool | None:
    """Does the internet reach the workload widely: for sure (True), maybe (None), no? The
    same judgement as the AWS lateral rule's entry points (``widely_reached``)."""
    return widely_reached(facts.exposure(node))


def firewall_lateral(subject: Subject, facts: Facts, params: dict[str, Any]) -> Outcome:
    """Fails when a GCP or Azure workload the internet reaches widely can open a flow to the
    subject on one of ``ports``; undetermined when the flow or the entry is only a maybe.
    A subject the internet reaches itself is left to the direct exposure rules."""
    if _entry(facts, subject.node) is not False:
        return FALSE
    wanted = spans((int(p), int(p)) for p in params.get("ports", []))
    root = facts.resource(subject.node).root
    members = [(n, d["resource"]) for n, d in facts.graph.nodes(data=True)]
    nodes = {r.address: n for n, r in members if r.root == root}
    best: Outcome = FALSE
    for flow in facts.firewall_reachers(subject.node):
        entry = _entry(facts, nodes[flow.source])
        reached = intersect(flow.ports, wanted)
        if entry is False or not reached:
            continue
        sure = entry is True and bool(intersect(flow.sure, wanted))
        path = ("internet", flow.source, flow.target)
        evidence = (
            f"verdict: {'OPEN' if sure else 'UNDETERMINED'} (lateral, 1 hop)",
            f"path: {' -> '.join(path)}",
            f"hop: {hop_text(flow)}",
            *(f"unknown: {u}" for u in flow.unknowns),
        )
        details = (
            ("verdict", "OPEN" if sure else "UNDETERMINED"),
            ("protocol", flow.protocol),
            ("ports", ports_text(reached)),
            ("sources", (flow.source,)),
            ("path", path),
            ("blocked_by", ()),
            ("hops", (hop_text(flow),)),
            ("unknowns", flow.unknowns),
        )
        outcome = Outcome(Tri.TRUE if sure else Tri.UNKNOWN, "", evidence, details)
        if sure:
            return outcome
        best = outcome if best is FALSE else best
    return best


CHECKS = {"gcp_default_network": gcp_default_network, "firewall_lateral": firewall_lateral}
