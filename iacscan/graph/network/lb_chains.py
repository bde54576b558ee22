"""Exposure of load-balancer targets: internet -> LB listener -> target group -> target.

An instance without a public address is still reachable from the internet when an
internet-facing load balancer forwards to it (DESIGN.md section 5 item 6). The LB's own
verdict for the listener port says whether the internet reaches the LB; each further hop
is then checked inside the VPC, where the peers are the LB's subnets (its nodes' addresses
are AWS's to pick, so a CIDR must cover a whole LB subnet to admit them for sure):

* the LB's security groups must allow egress to the target on the target port (an NLB
  without SGs passes; Terraform-created SGs have no egress unless declared);
* the target's security groups must allow ingress on that port from an LB SG (reference)
  or from a CIDR covering an LB subnet;
* the NACL of the target's subnet must admit the flow from the LB subnets and let the
  reply back to their ephemeral ports, and the NACL of some LB subnet must let the flow out
  to the target's subnet and the reply in (none applies when they share a subnet).

Chains are joined by Ref address over the network model, like the rest of the analysis.
Targets are registered by ``aws_lb_target_group_attachment`` (instances),
``aws_autoscaling_attachment`` and ``target_group_arns`` (ASGs) and ECS services'
``load_balancer`` blocks (the container port); IP targets given as literal addresses are
not matched to workloads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from iacscan.graph.network.components import acl_rules, describe, first_match, pairs, rule_span
from iacscan.graph.network.exposure import Verdict, exposure
from iacscan.graph.network.model import (
    DEFAULT_ACL,
    SG_TYPES,
    AwsNetwork,
    address,
    listed,
    per_node,
)
from iacscan.graph.network.placement import PLACERS, Placement
from iacscan.graph.network.sets import EPHEMERAL, FULL, Span, Spans, cidr_spans, intersect, subtract
from iacscan.graph.security_groups import SgRule, all_rules, directed
from iacscan.model import Resource
from iacscan.model.values import Ref, is_unknown

LB_TYPES = ("aws_lb", "aws_alb")
LISTENER_TYPES = ("aws_lb_listener", "aws_alb_listener")
LISTENER_RULE_TYPES = ("aws_lb_listener_rule", "aws_alb_listener_rule")
GROUP_TYPES = ("aws_lb_target_group", "aws_alb_target_group")
ATTACHMENT_TYPES = ("aws_lb_target_group_attachment", "aws_alb_target_group_attachment")
TARGET_TYPES = ("aws_instance", "aws_autoscaling_group", "aws_ecs_service")
Peers = tuple[Spans | None, ...]  # one entry per subnet; None: its CIDR is unknown


@dataclass(frozen=True)
class Chain:
    """One way from a load balancer to a registered target. ``binding`` is the resource
    that registers the target (an attachment, an ASG, an ECS service), ``target`` the
    value naming it and ``port`` the port it registers (None: the target group's)."""

    lb: Resource
    listener: Resource
    group: Resource
    binding: Resource
    target: Any
    port: Any = None


@dataclass(frozen=True)
class Hop:
    """One hop's answer: blocking codes, or the unknowns that make it a maybe; neither: open."""

    blocks: tuple[str, ...] = ()
    unknowns: tuple[str, ...] = ()


OPEN_HOP = Hop()


def _forwards(blocks: Any) -> list[str]:
    """Target groups that actions forward to (``target_group_arn`` or weighted ``forward``)."""
    found = []
    for action in (b for b in listed(blocks) if isinstance(b, dict)):
        found.append(address(action.get("target_group_arn")))
        for forward in (f for f in listed(action.get("forward")) if isinstance(f, dict)):
            groups = (g for g in listed(forward.get("target_group")) if isinstance(g, dict))
            found += [address(g.get("arn")) for g in groups]
    return [f for f in found if f]


def chains(net: AwsNetwork) -> list[Chain]:
    """Every (LB, listener, target group, attachment) of the network; computed once."""
    if "lb_chains" in net.memo:
        found: list[Chain] = net.memo["lb_chains"]
        return found
    groups: dict[str, set[str]] = {}  # listener -> target groups
    for r in net.resources.values():
        if r.type in LISTENER_TYPES:
            groups.setdefault(r.address, set()).update(_forwards(r.attrs.get("default_action")))
        parent = address(r.attrs.get("listener_arn"))
        if r.type in LISTENER_RULE_TYPES and parent:
            groups.setdefault(parent, set()).update(_forwards(r.attrs.get("action")))
    found = []
    for binding, group_value, target, port in _bindings(net):
        group = net.get(group_value, GROUP_TYPES)
        for listener_address, targets in sorted(groups.items()):
            listener = net.resources.get(listener_address)
            if group is None or listener is None or group.address not in targets:
                continue
            lb = net.get(listener.attrs.get("load_balancer_arn"), LB_TYPES)
            if lb is not None:
                found.append(Chain(lb, listener, group, binding, target, port))
    net.memo["lb_chains"] = found
    return found


def _bindings(net: AwsNetwork) -> list[tuple[Resource, Any, Any, Any]]:
    """(binding, target group value, target value, port) for every way a target is
    registered: attachments, ``aws_autoscaling_attachment``, an ASG's
    ``target_group_arns`` and an ECS service's ``load_balancer`` blocks."""
    found: list[tuple[Resource, Any, Any, Any]] = []
    for r in net.resources.values():
        a = r.attrs
        if r.type in ATTACHMENT_TYPES:
            found.append((r, a.get("target_group_arn"), a.get("target_id"), a.get("port")))
        elif r.type == "aws_autoscaling_attachment":
            group = a.get("lb_target_group_arn", a.get("alb_target_group_arn"))
            found.append((r, group, a.get("autoscaling_group_name"), None))
        elif r.type == "aws_autoscaling_group":
            found += [
                (r, arn, Ref(r.address, "id"), None) for arn in listed(a.get("target_group_arns"))
            ]
        elif r.type == "aws_ecs_service":
            blocks = [b for b in listed(a.get("load_balancer")) if isinstance(b, dict)]
            found += [
                (r, b.get("target_group_arn"), Ref(r.address, "id"), b.get("container_port"))
                for b in blocks
            ]
    return sorted(found, key=lambda row: row[0].address)


def _targets(net: AwsNetwork, chain: Chain, target: Resource) -> tuple[bool, tuple[str, ...]]:
    """(may the chain end at ``target``, unknowns): a Ref or a configured name decides; an
    unknown id may be any instance of an instance-type target group; a literal id is no
    resource of this configuration."""
    value = chain.target
    if isinstance(value, Ref):
        return value.address == target.address, ()
    if isinstance(value, str):
        return net.get(value, (target.type,)) is target, ()
    kind = chain.group.attrs.get("target_type")
    if is_unknown(value) and kind in (None, "instance") and target.type == "aws_instance":
        return True, (f"{chain.binding.address}.target_id: {describe(value)}",)
    return False, ()


def _all_rules(net: AwsNetwork) -> list[SgRule]:
    """Rules of both directions (the network model keeps only ingress); computed once."""
    if "lb_sg_rules" not in net.memo:
        every = all_rules(list(net.resources.values()))
        net.memo["lb_sg_rules"] = [d for rule in every for d in directed(rule)]
    rules: list[SgRule] = net.memo["lb_sg_rules"]
    return rules


def subnet_peers(net: AwsNetwork, subnets: tuple[Any, ...]) -> tuple[Peers, tuple[str, ...]]:
    """The IPv4 CIDR of each subnet; None (and an unknown) where it is not known."""
    if not subnets:
        return (None,), ("the subnet of a default VPC",)
    found: list[Spans | None] = []
    unknowns: list[str] = []
    for value in subnets:
        subnet = net.get(value, ("aws_subnet",))
        cidr = subnet.attrs.get("cidr_block") if subnet is not None else None
        spans = cidr_spans(cidr, 4) if isinstance(cidr, str) else None
        found.append(spans or None)
        if not spans:
            unknowns.append(f"CIDR of subnet {describe(value)}")
    return tuple(found), tuple(unknowns)


def covers(cidrs: list[Any], peers: Peers, optimistic: bool) -> bool:
    """Sure: some CIDR covers a whole peer subnet; at most: some CIDR may touch one."""
    for cidr in cidrs:
        if is_unknown(cidr):
            if optimistic:
                return True
            continue
        spans = cidr_spans(cidr, 4) or ()
        if spans == FULL[4]:  # covers any peer, even one whose CIDR is unknown
            return True
        for peer in peers:
            if peer is None:
                if optimistic and spans:
                    return True
            elif (intersect(peer, spans) if optimistic else not subtract(peer, spans)) and spans:
                return True
    return False


def _admits(
    rule: SgRule, protocol: str, port: int, peers: Peers, groups: set[str], optimistic: bool
) -> bool:
    """Does one SG rule admit the peer (by SG reference, ``self`` or CIDR) on ``port``?"""
    resolved = rule_span(rule, optimistic)
    if resolved is None:
        return False
    proto, low, high = resolved
    if proto not in ("-1", protocol) or not low <= port <= high:
        return False
    refs = [address(g) for g in rule.security_groups]
    if any(ref in groups for ref in refs) or (rule.self is True and address(rule.group) in groups):
        return True
    maybe = any(
        is_unknown(g) and not ref for g, ref in zip(rule.security_groups, refs, strict=True)
    )
    return (optimistic and (maybe or is_unknown(rule.self))) or covers(
        rule.cidr_blocks, peers, optimistic
    )


def _sg_hop(
    net: AwsNetwork, groups: tuple[Any, ...], direction: str, flow: tuple[str, int],
    peer: tuple[Peers, set[str]], code: str,
) -> Hop:  # fmt: skip
    """Security groups are a union of allows; an undeclared SG may allow anything."""
    protocol, port = flow
    sure, most, unknowns = False, False, list[str]()
    for group in groups:
        found = net.get(group, SG_TYPES)
        if found is None:
            most, unknowns = True, [*unknowns, f"security group {describe(group)}"]
            continue
        for rule in _all_rules(net):
            owner = address(rule.group)
            if rule.direction != direction or owner not in (found.address, None):
                continue
            low = _admits(rule, protocol, port, *peer, False)
            high = _admits(rule, protocol, port, *peer, True)
            sure, most = sure or low, most or high
            if high and not low:
                unknowns.append(f"{rule.owner.address}{'.' + rule.path if rule.path else ''}")
    if sure:
        return OPEN_HOP
    return Hop(unknowns=tuple(unknowns) or (code,)) if most else Hop(blocks=(code,))


def _groups(net: AwsNetwork, place: Placement) -> tuple[Any, ...]:
    """Listed SGs, else the VPC's declared default SG, else () for AWS's own default SG."""
    if place.security_groups:
        return place.security_groups
    subnet = next((net.get(s, ("aws_subnet",)) for s in place.subnets), None)
    vpc = net.vpc_of(subnet) if subnet is not None else None
    return (Ref(net.default_sg[vpc], "id"),) if vpc in net.default_sg else ()


def _names(groups: tuple[Any, ...]) -> set[str]:
    return {str(address(g)) for g in groups if address(g)}


def _acl_pass(
    net: AwsNetwork, acl: str, direction: str, flow: tuple[str, list[Span]], peers: Spans,
    optimistic: bool,
) -> tuple[bool, list[str]]:  # fmt: skip
    """Does the NACL let some peer through on some of the ports? (else: the denying rules)"""
    protocol, ports = flow
    rules = acl_rules(net, acl, direction, optimistic)
    denied: list[str] = []
    for span in ports:
        allowed, why = first_match(rules, 4, protocol, span, peers)
        if allowed:
            return True, []
        denied += [n for n in why if n not in denied]
    return False, denied


def _ephemeral(net: AwsNetwork, acl: str, direction: str = "egress") -> list[Span]:
    """The reply's ports (1024-65535), cut wherever an entry of ``direction`` starts or ends."""
    cuts = {EPHEMERAL[0], EPHEMERAL[1] + 1}
    for optimistic in (False, True):
        for rule in acl_rules(net, acl, direction, optimistic):
            cuts |= {p for p in (rule.ports[0], rule.ports[1] + 1) if EPHEMERAL[0] < p <= 65535}
    return [(first, stop - 1) for first, stop in pairs(sorted(cuts))]


def _nacl_hop(net: AwsNetwork, target: Placement, peers: Peers, flow: tuple[str, int]) -> Hop:
    """The target subnet's NACL, inbound from the LB subnets and for the stateless return."""
    if not target.subnets:
        return OPEN_HOP  # a default subnet of the default VPC: its default NACL allows all
    subnet = net.get(target.subnets[0], ("aws_subnet",))
    if subnet is None:
        return Hop(unknowns=(f"the NACL of subnet {describe(target.subnets[0])}",))
    acl = acl_of_subnet(net, subnet)
    if acl == DEFAULT_ACL:
        return OPEN_HOP  # the default NACL allows everything
    known = tuple(p for p in peers if p is not None)
    sources: Spans = tuple(s for p in known for s in p)
    if not sources:
        return Hop(unknowns=("the LB subnets' CIDRs for the target's NACL",))
    protocol, port = flow
    blocks, unknowns = [], []
    for direction, ports in (("ingress", [(port, port)]), ("egress", _ephemeral(net, acl))):
        sure, _ = _acl_pass(net, acl, direction, (protocol, ports), sources, False)
        most, denied = _acl_pass(net, acl, direction, (protocol, ports), sources, True)
        side = "inbound" if direction == "ingress" else "return"
        if not most:
            blocks += [f"TARGET_NACL_DENY({side} rule {n})" for n in denied]
        elif not sure:
            unknowns.append(f"{acl}: an entry known only after apply ({side})")
    return Hop(tuple(blocks), tuple(unknowns))


def _lb_nacl_hop(net: AwsNetwork, lb: Placement, peers: Peers, flow: tuple[str, int]) -> Hop:
    """The LB subnets' NACLs: out to the target's subnet on the target port, and the reply
    back in on the LB's ephemeral ports. One LB subnet that passes is enough (its node
    forwards), so the hop blocks only when every subnet blocks."""
    targets: Spans = tuple(s for p in peers if p is not None for s in p)
    protocol, port = flow
    blocks: list[str] = []
    unknowns: list[str] = []
    for value in lb.subnets or (None,):
        subnet = net.get(value, ("aws_subnet",)) if value is not None else None
        acl = None if subnet is None else acl_of_subnet(net, subnet)
        if value is None or acl == DEFAULT_ACL:
            return OPEN_HOP  # a default subnet or the default NACL: everything passes
        if acl is None or not targets:
            unknowns.append(f"the NACL of LB subnet {describe(value)} toward the target")
            continue
        legs = (
            ("egress", [(port, port)], "outbound"),
            ("ingress", _ephemeral(net, acl, "ingress"), "return"),
        )
        sure = most = True
        for direction, ports, side in legs:
            low, _ = _acl_pass(net, acl, direction, (protocol, ports), targets, False)
            high, denied = _acl_pass(net, acl, direction, (protocol, ports), targets, True)
            sure, most = sure and low, most and high
            blocks += [] if high else [f"LB_NACL_DENY({side} rule {n})" for n in denied]
        if sure:
            return OPEN_HOP
        if most:
            unknowns.append(f"{acl}: an entry known only after apply")
    return Hop(unknowns=tuple(unknowns)) if unknowns else Hop(blocks=tuple(dict.fromkeys(blocks)))


def acl_of_subnet(net: AwsNetwork, subnet: Resource) -> str:
    """The NACL of a subnet: associated, else its VPC's declared default, else AWS's."""
    found = net.subnet_acl.get(subnet.address) or net.default_acl.get(net.vpc_of(subnet))
    return found or DEFAULT_ACL


def _front(net: AwsNetwork, chain: Chain, family: int) -> Verdict:
    """The LB's own verdict on the listener port; UNDETERMINED when that port is unknown."""
    port = chain.listener.attrs.get("port")
    protocol = "udp" if str(chain.listener.attrs.get("protocol")).lower() == "udp" else "tcp"
    key = ("lb_verdicts", chain.lb.address)
    if key not in net.memo:
        net.memo[key] = exposure(net, chain.lb)
    if not isinstance(port, int):
        unknown = f"{chain.listener.address}.port: {describe(port)}"
        return Verdict(chain.lb.address, family, protocol, (0, 65535), "UNDETERMINED",
                       unknowns=(unknown,))  # fmt: skip
    for verdict in net.memo[key]:
        same = (verdict.family, verdict.protocol) == (family, protocol)
        if same and verdict.ports[0] <= port <= verdict.ports[1]:
            found: Verdict = verdict
            return found
    return Verdict(chain.lb.address, family, protocol, (port, port), "CLOSED")  # pragma: no cover


def _hops(net: AwsNetwork, chain: Chain, target: Placement, flow: tuple[str, int]) -> list[Hop]:
    """LB SG egress, target SG ingress, LB subnets' and target subnet's NACLs: every hop
    inside the VPC."""
    lb = PLACERS[chain.lb.type](net, chain.lb)
    lb_peers, lb_unknown = subnet_peers(net, lb.subnets)
    target_peers, target_unknown = subnet_peers(net, target.subnets)
    lb_groups, target_groups = _groups(net, lb), _groups(net, target)
    egress = OPEN_HOP
    if lb.security_groups is not None and lb_groups:  # AWS's default SG allows all egress
        peer = (target_peers, _names(target_groups))
        egress = _sg_hop(net, lb_groups, "egress", flow, peer, "LB_SG_NO_EGRESS")
    if target_groups:
        peer = (lb_peers, _names(lb_groups) if lb.security_groups is not None else set())
        ingress = _sg_hop(net, target_groups, "ingress", flow, peer, "TARGET_SG_NO_INGRESS_FROM_LB")
    else:  # AWS's default SG admits only itself: the LB must use it too
        shared = lb.security_groups is not None and not lb_groups
        ingress = OPEN_HOP if shared else Hop(blocks=("TARGET_SG_NO_INGRESS_FROM_LB",))
    shared_subnet = set(map(address, target.subnets)) & set(map(address, lb.subnets)) - {None}
    nacl = OPEN_HOP if shared_subnet else _nacl_hop(net, target, lb_peers, flow)
    lb_nacl = OPEN_HOP if shared_subnet else _lb_nacl_hop(net, lb, target_peers, flow)
    cidrs = (
        Hop(unknowns=lb_unknown + target_unknown)
        if egress.unknowns or ingress.unknowns
        else OPEN_HOP
    )
    return [egress, ingress, lb_nacl, nacl, cidrs]


def _chain_verdict(net: AwsNetwork, chain: Chain, target: Resource, family: int) -> Verdict:
    """The LB's verdict carried through every hop: any block closes it, any unknown leaves
    it undetermined. The path names the chain whatever the verdict."""
    front = _front(net, chain, family)
    group = chain.group.attrs
    protocol = "udp" if str(group.get("protocol")).lower() == "udp" else "tcp"
    port = group.get("port") if chain.port is None else chain.port
    path = ("internet", chain.lb.address, chain.listener.address, chain.group.address,
            target.address)  # fmt: skip
    _, target_id = _targets(net, chain, target)
    if not isinstance(port, int):
        unknown = f"{chain.group.address}.port: {describe(port)}"
        return Verdict(target.address, family, protocol, (0, 65535), "UNDETERMINED",
                       front.sources, path, (), (*front.unknowns, *target_id, unknown))  # fmt: skip
    hops = _hops(net, chain, PLACERS[target.type](net, target), (protocol, port))
    blocks = front.blocked_by if front.verdict == "CLOSED" else ()
    blocks += tuple(code for hop in hops for code in hop.blocks)
    unknowns = (*front.unknowns, *target_id, *(u for hop in hops for u in hop.unknowns))
    if blocks:
        return Verdict(target.address, family, protocol, (port, port), "CLOSED", (), path, blocks)
    name = "UNDETERMINED" if unknowns else front.verdict
    return Verdict(target.address, family, protocol, (port, port), name, front.sources, path,
                   (), tuple(dict.fromkeys(unknowns)), front.assumptions)  # fmt: skip


def target_exposure(net: AwsNetwork, target: Resource) -> list[Verdict]:
    """Verdicts of every chain that may end at ``target``; IPv6 only where the LB has it."""
    if target.type not in TARGET_TYPES:
        return []
    verdicts = []
    for chain in chains(net):
        if not _targets(net, chain, target)[0]:
            continue
        for family in (4, 6):
            verdict = _chain_verdict(net, chain, target, family)
            if family == 4 or _front(net, chain, family).verdict != "CLOSED":
                verdicts.append(verdict)
    return verdicts


def lb_exposure(graph: Any, node: str) -> list[Verdict]:
    """``target_exposure`` of a graph node, computed once per scan and kept on the graph."""
    verdicts: list[Verdict] = per_node(graph, "aws_lb_exposure", node, target_exposure)
    return verdicts
