"""Chains internet -> exposed workload -> ... -> target, by a forward walk over lateral flows.

Asking each data store "who reaches you" and walking backwards costs O(workloads) per step,
and the steps multiply. Instead one breadth-first walk per network starts at every
internet-exposed workload at once and follows flows forward. An index says which workloads
may admit a given source: those whose ingress rules name one of its groups (reference or
``self``), those whose CIDR rules touch one of its subnets, and the "wide" ones that may
admit anything in their VPC (a CIDR covering the VPC, no SG, an SG or value not known
here). A workload leaves every index entry once reached, so it is tried as a target only
until then: with open egress the walk is linear in the workloads plus the index entries.

The walk runs twice: over flows open for sure from workloads exposed for sure, then over
every flow that may exist (undetermined). Each workload keeps the hop it was first reached
by, so the shortest chain to it is read backwards.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from iacscan.graph.network.classes import class_ports, subnet_class
from iacscan.graph.network.components import acl_rules, first_match, pairs
from iacscan.graph.network.lateral import (
    PROTOCOLS,
    Flow,
    Peer,
    acl_of,
    flow,
    peer_of,
    workloads,
)
from iacscan.graph.network.model import DEFAULT_ACL, AwsNetwork, address
from iacscan.graph.network.sets import FULL, Span, Spans, cidr_spans, intersect, subtract, union
from iacscan.model.values import is_unknown

Table = dict[Any, dict[str, None]]  # key -> ordered set of target addresses
# A by_subnet key: ("class", source subnet class, target subnet classes, ports per protocol
# the target's CIDR rules admit), or ("subnet", subnet, ...) for targets of that very subnet
# (no NACL between them). A walk skips a whole class group when the NACLs between the two
# classes pass none of those ports (``class_ports``), instead of trying each target.
SubnetKey = tuple[str, str, tuple[str | None, ...], tuple[tuple[str, Spans], ...]]


@dataclass(frozen=True)
class Chain:
    """Hops from an internet-exposed workload to a target, first hop first."""

    hops: tuple[Flow, ...]
    sure: bool  # every hop OPEN and the entry exposed for sure

    @property
    def path(self) -> tuple[str, ...]:
        return ("internet", *(hop.source for hop in self.hops), self.hops[-1].target)

    @property
    def verdict(self) -> str:
        return "OPEN" if self.sure else "UNDETERMINED"


@dataclass
class _Index:
    """Who may admit whom; ``wide`` is keyed by VPC address ("" for an unknown VPC).
    ``where`` remembers each target's entries, so that removing it is cheap."""

    by_group: Table = field(default_factory=dict)
    by_subnet: Table = field(default_factory=dict)
    wide: Table = field(default_factory=dict)
    where: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)
    subnet_keys: dict[tuple[str, str], list[SubnetKey]] = field(default_factory=dict)

    def tables(self) -> tuple[Table, Table, Table]:
        return self.by_group, self.by_subnet, self.wide

    def add(self, table: Table, key: Any, target: str) -> None:
        if table is self.by_subnet and key not in table:
            self.subnet_keys.setdefault(key[:2], []).append(key)
        table.setdefault(key, {})[target] = None
        self.where.setdefault(target, []).append((self.tables().index(table), key))

    def copy(self) -> _Index:
        group, subnet, wide = ({k: dict(v) for k, v in t.items()} for t in self.tables())
        return _Index(group, subnet, wide, self.where, self.subnet_keys)

    def remove(self, target: str) -> None:
        tables = self.tables()
        for number, key in self.where.get(target, ()):
            tables[number][key].pop(target, None)


def _subnets(net: AwsNetwork, vpc: str | None) -> list[tuple[int, int, str]]:
    """The VPC's subnets as (first address, last address, name), sorted; unknown CIDRs
    as the whole space. Computed once per VPC."""
    key = ("chain_subnets", vpc)
    if key not in net.memo:
        rows = []
        for name, resource in net.resources.items():
            if resource.type == "aws_subnet" and net.vpc_of(resource) == vpc:
                own = resource.attrs.get("cidr_block")
                found = cidr_spans(own, 4) if isinstance(own, str) else None
                rows.append((*(found or FULL[4])[0], name))
                subnet_class(net, name)  # every member known before ``class_ports`` asks
        net.memo[key] = sorted(rows)
    subnets: list[tuple[int, int, str]] = net.memo[key]
    return subnets


def _nacl_sources(net: AwsNetwork, target: Peer, protocol: str, ports: Span) -> Spans:
    """Sources the target's subnets' NACLs may admit on some of ``ports`` (inbound only:
    an over-approximation, ``flow`` checks the rest)."""
    found: Spans = ()
    for subnet in target.subnets:
        if subnet is None:
            return FULL[4]
        acl = acl_of(net, subnet)
        if acl == DEFAULT_ACL:
            return FULL[4]
        rules = acl_rules(net, acl, "ingress", True)
        cuts = {ports[0], ports[1] + 1}
        cuts |= {p for r in rules for p in (r.ports[0], r.ports[1] + 1) if ports[0] < p <= ports[1]}
        for first, stop in pairs(sorted(cuts)):
            allowed, _ = first_match(rules, 4, protocol, (first, stop - 1), FULL[4])
            found = union(found, allowed)
    return found


def _index_cidrs(net: AwsNetwork, index: _Index, target: Peer) -> None:
    """Index the target under the subnets its CIDR rules may admit sources from: the
    rule's CIDR on the rule's ports, cut by what the target's NACLs admit on them (a
    subnet of its own crosses no NACL). Unknown values make the target wide."""
    admitted: Spans = ()
    raw: Spans = ()
    ports_of: dict[str, Spans] = {}
    for group in target.groups:
        for rule in net.sg_rules.get(group, []):
            low, high = rule.from_port, rule.to_port
            known = isinstance(low, int) and isinstance(high, int)
            ports = (max(low, 0), min(high, 65535)) if known else (0, 65535)
            proto = rule.protocol if isinstance(rule.protocol, str) else "-1"
            for cidr in rule.cidr_blocks:
                spans_ = None if is_unknown(cidr) else cidr_spans(cidr, 4)
                if spans_ is None:
                    index.add(index.wide, target.vpc or "", target.address)
                    return
                raw = union(raw, spans_)
                for protocol in ("tcp", "udp") if proto == "-1" else (proto,):
                    sources = _nacl_sources(net, target, protocol, ports)
                    admitted = union(admitted, intersect(spans_, sources))
                    ports_of[protocol] = union(ports_of.get(protocol, ()), (ports,))
    signature = tuple(sorted(ports_of.items()))
    classes = tuple(None if t is None else subnet_class(net, t) for t in target.subnets)
    for first, last, _, cls in _class_rows(net, target.vpc):  # one member per class
        if intersect(((first, last),), admitted):
            index.add(index.by_subnet, ("class", cls, classes, signature), target.address)
    for name, own in zip(target.subnets, target.peers, strict=False):  # no NACL inside one
        if name is not None and intersect(own or FULL[4], raw):
            index.add(index.by_subnet, ("subnet", name, classes, signature), target.address)


def _class_rows(net: AwsNetwork, vpc: str | None) -> list[tuple[int, int, str, str]]:
    """One (first, last, subnet, class) row per subnet class of the VPC and of the VPCs
    peered with it: a member answers for its class, so targets are indexed per class."""
    key = ("chain_class_rows", vpc)
    if key not in net.memo:
        rows: dict[str, tuple[int, int, str, str]] = {}
        subnets = [row for v in [vpc, *net.peers_of(vpc)] for row in _subnets(net, v)]
        for first, last, name in subnets:
            cls = subnet_class(net, name)
            rows.setdefault(cls, (first, last, name, cls))
        net.memo[key] = sorted(rows.values())
    found: list[tuple[int, int, str, str]] = net.memo[key]
    return found


def _index_target(net: AwsNetwork, index: _Index, target: Peer) -> None:
    """Index one target under every key a source may match it by."""
    unfiltered = any(g.startswith("(no security") for g in target.groups)
    if target.loose or unfiltered or net.loose_rules:
        index.add(index.wide, target.vpc or "", target.address)
    for group in target.groups:
        if group.startswith("(AWS default"):  # members admit each other
            index.add(index.by_group, group, target.address)
        for rule in net.sg_rules.get(group, []):
            for ref in rule.security_groups:
                key = address(ref) or (ref if isinstance(ref, str) else None)
                if key is None:
                    index.add(index.wide, target.vpc or "", target.address)
                else:
                    index.add(index.by_group, key, target.address)
            if rule.self is True:
                index.add(index.by_group, group, target.address)
            if is_unknown(rule.self) or rule.prefix_list_ids:
                index.add(index.wide, target.vpc or "", target.address)
    _index_cidrs(net, index, target)


def _index(net: AwsNetwork) -> _Index:
    if "chain_index" not in net.memo:
        index = _Index()
        for name in workloads(net):
            target = peer_of(net, name)
            if target is not None and target.place.listens != ():
                _index_target(net, index, target)
        net.memo["chain_index"] = index
    found: _Index = net.memo["chain_index"]
    return found


def _subnet_keys(
    net: AwsNetwork, index: _Index, source: Peer, exhausted: set[tuple[str, str]]
) -> list[SubnetKey]:
    """The ``by_subnet`` keys a source's subnets may pass: its own subnets' targets, and
    the class groups whose NACLs pass some of the group's ports."""
    found = []
    for subnet in (s for s in source.subnets if s is not None):
        mine = subnet_class(net, subnet)
        for head in (("subnet", subnet), ("class", mine)):
            if head in exhausted:
                continue
            for key in index.subnet_keys.get(head, ()):
                _, _, classes, signature = key
                if (
                    head[0] == "subnet"
                    or None in classes
                    or any(
                        intersect(class_ports(net, mine, str(c), protocol), ports)
                        for c in classes
                        for protocol, ports in signature
                    )
                ):
                    found.append(key)
    return found


def _forward(
    net: AwsNetwork, index: _Index, source: Peer, exhausted: set[tuple[str, str]]
) -> list[str]:
    """Targets that may admit ``source``, by the index; an unknown VPC or subnet: all the
    wide ones, and an SG not declared here may be any referenced one."""
    keys: list[tuple[Table, Any]] = [(index.by_group, g) for g in source.groups]
    keys += [(index.by_group, g) for g in source.loose]
    keys += [(index.by_subnet, k) for k in _subnet_keys(net, index, source, exhausted)]
    keys += [(index.wide, source.vpc or ""), (index.wide, "")]
    if source.vpc is None or any(s is None for s in source.subnets):
        keys += [(index.wide, vpc) for vpc in sorted(index.wide)]
        keys += [(index.by_subnet, k) for k in sorted(index.by_subnet)]
    if source.loose:
        keys += [(index.by_group, g) for g in sorted(index.by_group)]
    found: dict[str, None] = {}
    for table, key in keys:
        found.update(table.get(key, {}))
    return list(found)


def walk(
    net: AwsNetwork, exposed: dict[str, bool], sure_only: bool, max_hops: int
) -> dict[str, Flow]:
    """The hop each reachable workload was first reached by (breadth-first from the
    exposed ones, at most ``max_hops`` hops)."""
    index = _index(net).copy()
    starts = sorted(a for a, sure in exposed.items() if sure or not sure_only)
    depth = dict.fromkeys(starts, 0)
    for start in starts:
        index.remove(start)
    parent: dict[str, Flow] = {}
    queue = deque(starts)
    exhausted: set[tuple[str, str]] = set()  # subnet and class groups an open source tried
    while queue:
        name = queue.popleft()
        source = peer_of(net, name)
        if source is None or depth[name] >= max_hops or mute(net, source):
            continue
        open_source = len(source.subnets) == 1 and open_egress(net, source)
        for target_name in _forward(net, index, source, exhausted if open_source else set()):
            target = peer_of(net, target_name)
            hop = next(
                (
                    f
                    for p in PROTOCOLS
                    if target is not None
                    and (f := flow(net, source, target, p)) is not None
                    and (f.verdict == "OPEN" or not sure_only)
                ),
                None,
            )
            if hop is None:
                continue
            parent[target_name], depth[target_name] = hop, depth[name] + 1
            index.remove(target_name)
            queue.append(target_name)
        if open_source:
            subnet = str(source.subnets[0])
            exhausted |= {("subnet", subnet), ("class", subnet_class(net, subnet))}
    return parent


def mute(net: AwsNetwork, source: Peer) -> bool:
    """No egress rule at all (Terraform-created SGs start with none): it reaches nobody."""
    if source.loose or net.loose_egress:
        return False
    return all(
        not group.startswith("(") and not net.sg_egress.get(group) for group in source.groups
    )


def open_egress(net: AwsNetwork, source: Peer) -> bool:
    """Does the source let everything out to its whole VPC (everywhere, when VPCs are
    peered)? Then what a subnet class's CIDR rules, routes and NACLs admit is the same for
    every such source of that class, so a walk tries those targets once per class."""
    vpc = net.resources.get(source.vpc or "")
    cidr = vpc.attrs.get("cidr_block") if vpc is not None else None
    whole = cidr_spans(cidr, 4) if isinstance(cidr, str) else None
    if net.peerings or net.transit:  # other VPCs too: only egress to everywhere is the same
        whole = FULL[4]
    if source.loose or whole is None:
        return False
    for group in source.groups:
        if group.startswith("(no security") or group.startswith("(AWS default"):
            return True
        for rule in net.sg_egress.get(group, []):
            if rule.protocol != "-1" or rule.security_groups or rule.self is True:
                continue
            spans_ = [cidr_spans(c, 4) for c in rule.cidr_blocks if not is_unknown(c)]
            if any(found and not subtract(whole, found) for found in spans_):
                return True
    return False


def lateral_chain(
    net: AwsNetwork, target: str, exposed: dict[str, bool], max_hops: int = 4
) -> Chain | None:
    """The shortest chain from an exposed workload to ``target``: over sure flows from
    surely exposed workloads first, else over any flow that may exist. The walks are
    memoized on the network per (exposed set, pass, max_hops)."""
    key = tuple(sorted(exposed.items()))
    for sure_only in (True, False):
        memo = ("chain_walk", key, sure_only, max_hops)
        if memo not in net.memo:
            net.memo[memo] = walk(net, exposed, sure_only, max_hops)
        parent: dict[str, Flow] = net.memo[memo]
        if target in parent:
            hops, step = [], target
            while step in parent:
                hops.append(parent[step])
                step = parent[step].source
            return Chain(tuple(reversed(hops)), sure_only and exposed[step])
    return None
