"""Lateral movement: which workload can open a flow to which other, on which ports.

A flow from workload S to workload T inside one VPC needs all of (DESIGN.md section 5):

* an egress rule of one of S's security groups that admits T (a reference to one of T's
  groups, ``self`` on a group both share, or a CIDR covering T's subnet);
* an ingress rule of one of T's security groups that admits S, the same way;
* when they sit in different subnets, both subnets' NACLs, each way: S's subnet lets the
  flow out and the reply in, T's subnet lets the flow in and the reply out (stateless,
  the reply goes to S's ephemeral ports);
* a port T answers on (a database's port, a load balancer's listeners).

Peers are addressed by their subnets' IPv4 CIDRs, since a workload's own address is AWS's to
pick: a CIDR must cover a whole subnet to admit a peer for sure, and touching it makes it a
maybe. Each answer has two bounds, like the internet exposure: the ports open for sure and
those open at most; they differ only where a value is known after apply. Flows between VPCs
go over peering connections and transit gateways (``peering.py``); IPv6 is not modelled.

``reachers(net, target)`` answers for one target (``explain``, graph exports); ``chains``
walks forward from the internet-exposed workloads over an index of who may admit whom.
"""

from __future__ import annotations

from dataclasses import dataclass

from iacscan.graph.network.components import acl_rules, describe, first_match, pairs, rule_span
from iacscan.graph.network.lb_chains import Peers, acl_of_subnet, covers, subnet_peers
from iacscan.graph.network.model import DEFAULT_ACL, SG_TYPES, AwsNetwork, address
from iacscan.graph.network.peering import Ends, peered
from iacscan.graph.network.placement import PLACERS, Placement
from iacscan.graph.network.sets import EPHEMERAL, Span, Spans, intersect, ports_text, spans, union
from iacscan.graph.security_groups import SgRule
from iacscan.model.values import is_unknown

ALL_PORTS: Spans = ((0, 65535),)
PROTOCOLS = ("tcp", "udp")
NO_SG = "(no security group applies)"


@dataclass(frozen=True)
class Peer:
    """A workload as the analysis sees it from the other end of a flow."""

    address: str
    place: Placement
    vpc: str | None  # None: unknown
    subnets: tuple[str | None, ...]  # subnet addresses; None where not declared here
    peers: Peers  # IPv4 spans of each subnet (None: unknown CIDR)
    groups: tuple[str, ...]  # declared SGs, the AWS default SG marker, or NO_SG
    loose: tuple[str, ...]  # SGs not declared here (literal ids, unknowns), described


@dataclass(frozen=True)
class Flow:
    """Ports ``source`` can open on ``target`` for one protocol: ``sure`` for certain,
    ``ports`` at most; ``via`` names the target's rules that admit the source."""

    source: str
    target: str
    protocol: str
    ports: Spans
    sure: Spans
    via: tuple[str, ...] = ()
    unknowns: tuple[str, ...] = ()

    @property
    def verdict(self) -> str:
        return "OPEN" if self.sure == self.ports else "UNDETERMINED"


def hop_text(hop: Flow) -> str:
    """``web -> db: tcp 5432 (OPEN) via sg.db.ingress[0]``: one flow as evidence prints it."""
    via = f" via {', '.join(hop.via)}" if hop.via else ""
    ports = ports_text(hop.ports)
    return f"{hop.source} -> {hop.target}: {hop.protocol} {ports} ({hop.verdict}){via}"


def _aws_default(vpc: str | None) -> str:
    return f"(AWS default security group of {vpc or 'an unknown VPC'})"


def peer_of(net: AwsNetwork, address_: str) -> Peer | None:
    """The workload at ``address_`` as a peer (memoized on the network); None when it is
    not a workload or has no network path (an AWS-managed public endpoint)."""
    key = ("lateral_peer", address_)
    if key not in net.memo:
        resource = net.resources.get(address_)
        placer = PLACERS.get(resource.type) if resource is not None else None
        place = placer(net, resource) if placer is not None and resource is not None else None
        net.memo[key] = None if place is None else _peer(net, place)
    found: Peer | None = net.memo[key]
    return found


def _peer(net: AwsNetwork, place: Placement) -> Peer | None:
    if not place.network_path:
        return None
    subnets = [net.get(s, ("aws_subnet",)) for s in place.subnets]
    vpcs = {net.vpc_of(s) for s in subnets if s is not None}
    vpc = vpcs.pop() if len(vpcs) == 1 and None not in subnets else None
    if not place.subnets:
        vpc = "(default VPC)"
    peers, _ = subnet_peers(net, place.subnets)
    groups: list[str] = []
    loose: list[str] = []
    if place.security_groups is None:
        groups.append(NO_SG)
    elif not place.security_groups:
        groups.append(net.default_sg.get(str(vpc), _aws_default(vpc)))
    for group in place.security_groups or ():
        found = net.get(group, SG_TYPES)
        if found is not None:
            groups.append(found.address)
        else:
            loose.append(describe(group) if is_unknown(group) else str(group))
    names = tuple(s.address if s is not None else None for s in subnets)
    return Peer(place.workload.address, place, vpc, names, peers, tuple(groups), tuple(loose))


def _rule_ports(rule: SgRule, protocol: str, other: Peer, optimistic: bool) -> Spans:
    """The ports on which one SG rule admits ``other``: by SG reference, ``self`` or CIDR."""
    resolved = rule_span(rule, optimistic)
    if resolved is None:
        return ()
    proto, low, high = resolved
    if proto not in ("-1", protocol):
        return ()
    refs = [address(g) or (g if isinstance(g, str) else None) for g in rule.security_groups]
    mine = set(other.groups) | set(other.loose)
    matched = any(ref in mine for ref in refs if ref) or (
        rule.self is True and address(rule.group) in other.groups
    )
    if not matched and optimistic:
        matched = (
            any(is_unknown(g) and not address(g) for g in rule.security_groups)
            or is_unknown(rule.self)
            or bool(other.loose and rule.security_groups)
            or bool(rule.prefix_list_ids)
        )
    if not matched:
        matched = covers(rule.cidr_blocks, other.peers, optimistic)
    return ((max(low, 0), min(high, 65535)),) if matched else ()


def _sg_ports(
    net: AwsNetwork, me: Peer, other: Peer, direction: str, protocol: str
) -> tuple[Spans, Spans, list[str], list[str]]:
    """(sure ports, ports at most, admitting rules, unknowns) of ``me``'s SGs toward
    ``other`` in ``direction``. AWS's own default SG admits its members and lets all out;
    Terraform-managed SGs hold only their declared rules."""
    ingress = direction == "ingress"
    low: Spans = ()
    high: Spans = ()
    via: list[str] = []
    unknowns: list[str] = []
    for group in me.groups:
        if group == NO_SG or (group.startswith("(AWS default") and not ingress):
            return ALL_PORTS, ALL_PORTS, [group], []
        if group.startswith("(AWS default"):
            if group in other.groups:
                low, high, via = ALL_PORTS, ALL_PORTS, [*via, group]
            continue
        table = net.sg_rules if ingress else net.sg_egress
        loose = net.loose_rules if ingress else net.loose_egress
        for rule in table.get(group, []) + loose:
            sure = _rule_ports(rule, protocol, other, False)
            most = _rule_ports(rule, protocol, other, True)
            low, high = union(low, sure), union(high, most)
            where = f"{rule.owner.address}{'.' + rule.path if rule.path else ''}"
            via += [where] if most and where not in via else []
            unknowns += [_why(rule, where, other)] if sure != most else []
    if me.loose:  # an SG declared elsewhere may allow anything
        high = ALL_PORTS
        unknowns += [f"security group {g}" for g in me.loose]
    return low, high, via, unknowns


def _why(rule: SgRule, where: str, other: Peer) -> str:
    """Why a rule may admit the peer but not for sure."""
    values = [rule.protocol, rule.from_port, rule.to_port, rule.self, *rule.cidr_blocks]
    groups = [g for g in rule.security_groups if address(g) is None]
    if any(is_unknown(v) for v in [*values, *groups]):
        return f"{where}: a value known only after apply"
    if other.loose and rule.security_groups:
        return f"{where}: may name a security group of {other.address} not declared here"
    if rule.prefix_list_ids:
        return f"{where}: a prefix list AWS resolves"
    return f"{where}: covers only part of {other.address}'s subnets (its address is AWS's to pick)"


def acl_of(net: AwsNetwork, subnet: str) -> str:
    return acl_of_subnet(net, net.resources[subnet])


def _acl_ports(
    net: AwsNetwork, acl: str, direction: str, protocol: str, peer: Spans, optimistic: bool
) -> Spans:
    """Ports on which the NACL lets the whole peer subnet (``optimistic``: some of it)
    through; memoized per (ACL, direction, protocol, peer)."""
    if acl == DEFAULT_ACL:
        return ALL_PORTS
    key = ("lateral_acl", acl, direction, protocol, peer, optimistic)
    if key not in net.memo:
        rules = acl_rules(net, acl, direction, optimistic)
        cuts = {0, 65536} | {p for r in rules for p in (r.ports[0], r.ports[1] + 1)}
        found = []
        for first, stop in pairs(sorted(p for p in cuts if 0 <= p <= 65536)):
            allowed, _ = first_match(rules, 4, protocol, (first, stop - 1), peer)
            if (allowed == peer) if not optimistic else bool(allowed):
                found.append((first, stop - 1))
        net.memo[key] = spans(found)
    result: Spans = net.memo[key]
    return result


def nacl_ports(
    net: AwsNetwork, source: Ends, target: Ends, protocol: str, optimistic: bool
) -> Spans:
    """Ports both subnets' NACLs let through, each way, over any (source, target) subnet
    pair; the same subnet crosses no NACL. Unknown subnets or CIDRs: all or nothing."""
    found: Spans = ()
    for s_name, s_cidr in zip(*source, strict=False):
        for t_name, t_cidr in zip(*target, strict=False):
            if s_name is not None and s_name == t_name:
                return ALL_PORTS
            if None in (s_name, t_name, s_cidr, t_cidr):
                found = union(found, ALL_PORTS if optimistic else ())
                continue
            s_acl, t_acl = acl_of(net, str(s_name)), acl_of(net, str(t_name))
            s_peer, t_peer = tuple(s_cidr or ()), tuple(t_cidr or ())
            back = intersect(
                _acl_ports(net, t_acl, "egress", protocol, s_peer, optimistic),
                _acl_ports(net, s_acl, "ingress", protocol, t_peer, optimistic),
            )
            if not intersect(back, (EPHEMERAL,)):
                continue
            ports = intersect(
                _acl_ports(net, s_acl, "egress", protocol, t_peer, optimistic),
                _acl_ports(net, t_acl, "ingress", protocol, s_peer, optimistic),
            )
            found = union(found, ports)
    if not source[0] or not target[0]:  # default subnets: default NACLs
        return ALL_PORTS
    return found


def _ends(peer: Peer) -> Ends:
    return peer.subnets, peer.peers


def _listen_ports(place: Placement, protocol: str, optimistic: bool) -> Spans:
    if place.listens is None:
        return ALL_PORTS
    found: list[Span] = []
    for proto, port in place.listens:
        if not is_unknown(proto) and proto not in (protocol, "-1"):
            continue
        if isinstance(port, int) and not is_unknown(proto):
            found.append((port, port))
        elif optimistic:
            found.append((port, port) if isinstance(port, int) else (0, 65535))
    return spans(found)


def flow(net: AwsNetwork, source: Peer, target: Peer, protocol: str) -> Flow | None:
    """The flow from ``source`` to ``target`` for ``protocol``, or None when none may exist;
    memoized, since exports, ``explain`` and chain walks ask about the same pairs."""
    key = ("lateral_flow", source.address, target.address, protocol)
    if key not in net.memo:
        net.memo[key] = _flow(net, source, target, protocol)
    found: Flow | None = net.memo[key]
    return found


def _flow(net: AwsNetwork, source: Peer, target: Peer, protocol: str) -> Flow | None:
    if source.address == target.address:
        return None
    routed = True  # the local route, inside one VPC
    if source.vpc is not None and target.vpc is not None and source.vpc != target.vpc:
        routed, maybe = peered(net, _ends(source), _ends(target), (source.vpc, target.vpc))
        if not maybe:
            return None
    out_low, out_high, _, out_unknown = _sg_ports(net, source, target, "egress", protocol)
    if not out_high:
        return None
    in_low, in_high, via, in_unknown = _sg_ports(net, target, source, "ingress", protocol)
    if not in_high:
        return None
    bounds = []
    for optimistic, (out, into) in ((False, (out_low, in_low)), (True, (out_high, in_high))):
        ports = intersect(intersect(out, into), _listen_ports(target.place, protocol, optimistic))
        if ports:
            ports = intersect(
                ports, nacl_ports(net, _ends(source), _ends(target), protocol, optimistic)
            )
        bounds.append(ports)
    low, high = bounds
    if not high:
        return None
    low = low if routed else ()
    unknowns = tuple(dict.fromkeys(out_unknown + in_unknown)) if low != high else ()
    if not routed:
        unknowns += (f"the routes between {source.vpc} and {target.vpc} (peering or TGW)",)
    if low != high and (source.vpc is None or target.vpc is None):
        unknowns += ("the VPC of a subnet not declared here",)
    return Flow(source.address, target.address, protocol, high, low, tuple(via), unknowns)


def workloads(net: AwsNetwork) -> list[str]:
    """Every workload of the network, sorted; computed once."""
    if "lateral_workloads" not in net.memo:
        net.memo["lateral_workloads"] = sorted(
            r.address for r in net.resources.values() if r.type in PLACERS
        )
    found: list[str] = net.memo["lateral_workloads"]
    return found


def _candidates(net: AwsNetwork, target: Peer) -> list[str]:
    """Workloads that may reach ``target``: those of its VPC, of VPCs peered with it, and
    those whose VPC is unknown.
    ``flow`` decides; this is what one target (``explain``, exports) costs, O(workloads).
    Walks over many targets use ``chains``' forward index instead."""
    if "lateral_by_vpc" not in net.memo:
        by_vpc: dict[str | None, list[str]] = {}
        for name in workloads(net):
            peer = peer_of(net, name)
            if peer is not None:
                by_vpc.setdefault(peer.vpc, []).append(name)
        net.memo["lateral_by_vpc"] = by_vpc
    index: dict[str | None, list[str]] = net.memo["lateral_by_vpc"]
    if target.vpc is None:
        return workloads(net)
    vpcs = [target.vpc, None, *net.peers_of(target.vpc)]
    return sorted(name for vpc in vpcs for name in index.get(vpc, []))


def reachers(net: AwsNetwork, target_address: str) -> list[Flow]:
    """Every flow into the workload at ``target_address``, sorted; memoized."""
    key = ("lateral_reachers", target_address)
    if key not in net.memo:
        target = peer_of(net, target_address)
        found: list[Flow] = []
        if target is not None and target.place.listens != ():
            for name in _candidates(net, target):
                source = peer_of(net, name)
                if source is None:
                    continue
                found += [f for p in PROTOCOLS if (f := flow(net, source, target, p)) is not None]
        net.memo[key] = found
    flows: list[Flow] = net.memo[key]
    return flows
