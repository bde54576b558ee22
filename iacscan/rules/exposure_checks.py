"""Checks over the internet-exposure analysis: is a workload reachable on given ports?

Unlike the SG and NACL rules, which judge one attribute, these fire only when the whole
path is open: public address, route to an internet gateway, NACL both ways, SG. A finding
points at the workload and its evidence is the verdict with its path.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import networkx as nx

from iacscan.graph.cidrs import covers_public
from iacscan.graph.firewalls import WORKLOADS as FIREWALL_WORKLOADS
from iacscan.graph.firewalls import firewall_exposure
from iacscan.graph.network import Verdict, workload_exposure
from iacscan.graph.network.chains import Chain, lateral_chain
from iacscan.graph.network.lateral import hop_text
from iacscan.graph.network.lb_chains import LB_TYPES, lb_exposure
from iacscan.graph.network.model import network_of
from iacscan.graph.network.placement import PLACERS
from iacscan.graph.network.sets import ports_text, span_text
from iacscan.rules.conditions import FALSE, Outcome, Subject, Tri


def _ranges(values: list[Any]) -> list[tuple[int, int]]:
    """``[22, [5985, 5986]]`` -> [(22, 22), (5985, 5986)]."""
    return [(v[0], v[1]) if isinstance(v, list) else (int(v), int(v)) for v in values]


def _selected(verdict: Verdict, subject: Subject, params: dict[str, Any]) -> bool:
    """Does the verdict's port interval touch the ports the rule asks about?"""
    if verdict.protocol not in params.get("protocols", ["tcp", "udp"]):
        return False
    low, high = verdict.ports
    if subject.type in params.get("all_ports_for", []):
        return True
    if "except_ports" in params:  # some port of the interval is not one of them
        skipped = {int(p) for p in params["except_ports"]}
        return high - low + 1 > sum(1 for p in skipped if low <= p <= high)
    return any(low <= b and a <= high for a, b in _ranges(params.get("ports", [])))


def _wide(verdict: Verdict) -> bool:
    """The whole internet, or a public range as wide as the SG rules call "the internet"."""
    return verdict.verdict == "OPEN" or any(
        covers_public(ipaddress.ip_network(s), 8) for s in verdict.sources
    )


def evidence(verdict: Verdict) -> tuple[str, ...]:
    """The verdict as finding evidence, one string per fact."""
    return (
        f"verdict: {verdict.verdict} (IPv{verdict.family})",
        f"protocol: {verdict.protocol}",
        f"ports: {span_text(verdict.ports)}",
        f"sources: {', '.join(verdict.sources) or '-'}",
        f"path: {' -> '.join(verdict.path) or '-'}",
        f"blocked_by: {', '.join(verdict.blocked_by) or '-'}",
        *(f"unknown: {u}" for u in verdict.unknowns),
        *(f"assumed: {a}" for a in verdict.assumptions),
    )


def details(verdicts: list[Verdict]) -> tuple[tuple[str, Any], ...]:
    """The first verdict as structured evidence (``verdict``, ``protocol``, ``ports``,
    ``sources``, ``path``, ``blocked_by``); any further ones under ``other_verdicts``."""

    def one(verdict: Verdict) -> tuple[tuple[str, Any], ...]:
        return (
            ("verdict", verdict.verdict),
            ("family", f"IPv{verdict.family}"),
            ("protocol", verdict.protocol),
            ("ports", span_text(verdict.ports)),
            ("sources", tuple(verdict.sources)),
            ("path", tuple(verdict.path)),
            ("blocked_by", tuple(verdict.blocked_by)),
            ("unknowns", tuple(verdict.unknowns)),
        )

    head = one(verdicts[0])
    rest = tuple(one(v) for v in verdicts[1:])
    return (*head, ("other_verdicts", rest)) if rest else head


def _judge(verdicts: list[Verdict]) -> Outcome:
    """TRUE on a wide OPEN/RESTRICTED verdict, UNKNOWN on a wide UNDETERMINED one (or one
    whose sources are not known at all: an LB chain with an unknown listener port)."""
    hits = [v for v in verdicts if v.verdict in ("OPEN", "RESTRICTED") and _wide(v)]
    if hits:
        return Outcome(Tri.TRUE, "", tuple(e for v in hits for e in evidence(v)), details(hits))
    maybe = [v for v in verdicts if v.verdict == "UNDETERMINED" and (not v.sources or _wide(v))]
    if maybe:
        return Outcome(
            Tri.UNKNOWN, "", tuple(e for v in maybe for e in evidence(v)), details(maybe)
        )
    return FALSE


def internet_exposure(subject: Subject, graph: nx.MultiDiGraph, params: dict[str, Any]) -> Outcome:
    """Fails when the workload is reachable from the internet on the selected ports (params:
    ``ports``, or ``except_ports``, or ``all_ports_for`` resource types; ``protocols``);
    undetermined when it may be, depending on a value known only after apply."""
    analysis = firewall_exposure if subject.type in FIREWALL_WORKLOADS else workload_exposure
    verdicts = [v for v in analysis(graph, subject.node) if _selected(v, subject, params)]
    return _judge(verdicts)


def lb_target_exposure(subject: Subject, graph: nx.MultiDiGraph, params: dict[str, Any]) -> Outcome:
    """Like ``internet_exposure``, for the target's port reached through a load balancer
    (internet -> LB listener -> target group -> target, every hop checked); an unknown
    target port or listener port leaves it undetermined."""
    verdicts = [v for v in lb_exposure(graph, subject.node) if _selected(v, subject, params)]
    return _judge(verdicts)


def exposed_workloads(graph: nx.MultiDiGraph, root: str) -> dict[str, bool]:
    """Workloads of a root module the internet reaches widely, directly or through a load
    balancer (address -> for sure); load balancers themselves forward, so they are not
    entry points. Computed once per root and kept on the graph."""
    cache: dict[str, dict[str, bool]] = graph.graph.setdefault("aws_exposed", {})
    if root not in cache:
        found: dict[str, bool] = {}
        for node, data in graph.nodes(data=True):
            r = data["resource"]
            if r.root != root or r.mode != "managed" or r.type not in PLACERS or r.type in LB_TYPES:
                continue
            verdicts = workload_exposure(graph, node) + lb_exposure(graph, node)
            outcome = _judge(verdicts).value
            if outcome != Tri.FALSE:
                found[r.address] = outcome == Tri.TRUE
        cache[root] = found
    return cache[root]


def _chain_outcome(chain: Chain) -> Outcome:
    last, path, verdict = chain.hops[-1], chain.path, chain.verdict
    unknowns = tuple(dict.fromkeys(u for h in chain.hops for u in h.unknowns))
    evidence = (
        f"verdict: {verdict} (lateral, {len(chain.hops)} hop{'s' * (len(chain.hops) > 1)})",
        f"path: {' -> '.join(path)}",
        *(f"hop: {hop_text(h)}" for h in chain.hops),
        *(f"unknown: {u}" for u in unknowns),
    )
    details = (
        ("verdict", verdict),
        ("protocol", last.protocol),
        ("ports", ports_text(last.ports)),
        ("sources", (chain.hops[0].source,)),
        ("path", path),
        ("blocked_by", ()),
        ("hops", tuple(hop_text(h) for h in chain.hops)),
        ("unknowns", unknowns),
    )
    return Outcome(Tri.TRUE if chain.sure else Tri.UNKNOWN, "", evidence, details)


def lateral_exposure(subject: Subject, graph: nx.MultiDiGraph, params: dict[str, Any]) -> Outcome:
    """Fails when a workload the internet reaches can open a flow to the subject, directly
    or over other workloads (at most ``max_hops``, default 4); undetermined when some hop
    or the entry's exposure depends on a value known only after apply. A subject the
    internet reaches itself is left to the direct exposure rules."""
    resource = graph.nodes[subject.node]["resource"]
    exposed = exposed_workloads(graph, resource.root)
    if resource.address in exposed:
        return FALSE
    net = network_of(graph, resource)
    chain = lateral_chain(net, resource.address, exposed, int(params.get("max_hops", 4)))
    return FALSE if chain is None else _chain_outcome(chain)
