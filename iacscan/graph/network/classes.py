"""Subnet classes: subnets that no NACL entry and no security-group CIDR can tell apart.

Two subnets of one VPC with the same route table and NACL whose CIDRs each lie wholly
inside or wholly outside every
CIDR that any NACL entry or SG rule of the network names are indistinguishable to the
lateral analysis: every first-match and every "covers the peer" answer is the same for both.
Walks over many workloads then ask NACL questions once per pair of classes instead of once
per pair of subnets; in a VPC whose rules name a handful of ranges (the VPC, the internet,
a partner) the hundreds of subnets fall into a few classes. A subnet that some CIDR cuts
through, or whose own CIDR is unknown, is a class of its own.
"""

from __future__ import annotations

from iacscan.graph.network.lateral import Ends, acl_of, nacl_ports
from iacscan.graph.network.model import AwsNetwork
from iacscan.graph.network.sets import Spans, cidr_spans, intersect


def _cidrs(net: AwsNetwork) -> list[Spans]:
    """Every IPv4 range a NACL entry or an SG rule names; computed once."""
    if "class_cidrs" not in net.memo:
        texts = {e.cidr for e in net.acl_entries if isinstance(e.cidr, str)}
        tables = [*net.sg_rules.values(), *net.sg_egress.values()]
        rules = [r for rules in tables for r in rules] + net.loose_rules + net.loose_egress
        texts |= {c for r in rules for c in r.cidr_blocks if isinstance(c, str)}
        found = [cidr_spans(t, 4) for t in sorted(texts)]
        net.memo["class_cidrs"] = [f for f in found if f]
    cidrs: list[Spans] = net.memo["class_cidrs"]
    return cidrs


def subnet_class(net: AwsNetwork, subnet: str) -> str:
    """The class of a subnet (memoized); members are recorded for ``class_ports``."""
    key = ("subnet_class", subnet)
    if key not in net.memo:
        net.memo[key] = _classify(net, subnet)
        net.memo.setdefault(("class_members", net.memo[key]), []).append(subnet)
    found: str = net.memo[key]
    return found


def _classify(net: AwsNetwork, subnet: str) -> str:
    cidr = net.resources[subnet].attrs.get("cidr_block")
    mine = cidr_spans(cidr, 4) if isinstance(cidr, str) else None
    if not mine:
        return subnet
    relations = []
    for other in _cidrs(net):
        common = intersect(mine, other)
        if common and common != mine:
            return subnet  # cut through: only itself behaves like itself
        relations.append("1" if common else "0")
    resource = net.resources[subnet]
    where = f"{net.vpc_of(resource)}|{net.table_of(resource)}"  # routing matters across VPCs
    return f"{where}|{acl_of(net, subnet)}|{''.join(relations)}"


def class_ports(net: AwsNetwork, source: str, target: str, protocol: str) -> Spans:
    """Ports the NACLs may pass, with the reply, between a subnet of class ``source`` and
    another subnet of class ``target`` (a class with one member has no other subnet)."""
    key = ("class_ports", source, target, protocol)
    if key not in net.memo:
        first = net.memo.get(("class_members", source), [])
        second = net.memo.get(("class_members", target), [])
        pair = next(((s, t) for s in first for t in second if s != t), None)
        net.memo[key] = () if pair is None else _ports(net, *pair, protocol)
    ports: Spans = net.memo[key]
    return ports


def _ports(net: AwsNetwork, source: str, target: str, protocol: str) -> Spans:
    ends: list[Ends] = []
    for name in (source, target):
        cidr = net.resources[name].attrs.get("cidr_block")
        found = cidr_spans(cidr, 4) if isinstance(cidr, str) else None
        ends.append(((name,), (found or None,)))
    return nacl_ports(net, ends[0], ends[1], protocol, True)
