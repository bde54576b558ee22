"""What each network component lets through from the internet, for one port interval.

Every component answers with a ``Part``: the internet sources it lets through for sure
(``low``) and at most (``high``). A value known only after apply is resolved once each way,
which makes each bound a sound under- / over-approximation; verdicts compare the two.
Components: public address (a gate), the subnet's route table (longest-prefix match to an
IGW of the VPC), the NACL (first match, inbound and the stateless return), security groups
(union of allows), listeners and the EKS endpoint's CIDRs.
"""

from __future__ import annotations

import ipaddress
import itertools
from dataclasses import dataclass
from typing import Any

from iacscan.graph.network.model import (
    DEFAULT_ACL,
    IMPLICIT_TABLE,
    SG_TYPES,
    AwsNetwork,
    Route,
    address,
    listed,
)
from iacscan.graph.network.placement import Placement
from iacscan.graph.network.sets import (
    EPHEMERAL,
    FULL,
    INTERNET,
    Span,
    Spans,
    cidr_spans,
    intersect,
    network_spans,
    subtract,
    union,
)
from iacscan.graph.network_acls import AclEntry
from iacscan.graph.security_groups import SgRule
from iacscan.model import Resource
from iacscan.model.values import Ref, Unknown, is_unknown


@dataclass(frozen=True)
class Part:
    """Sources one component lets through: ``low`` for sure, ``high`` at most. They differ only
    where a value is known after apply; each bound resolves every unknown one way."""

    low: Spans
    high: Spans
    path: tuple[str, ...] = ()
    blocks: tuple[str, ...] = ()
    unknowns: tuple[str, ...] = ()


def describe(value: Any) -> str:
    if isinstance(value, Ref):
        return f"{value} is known only after apply"
    return value.reason if isinstance(value, Unknown) else str(value)


def gate(value: Any, family: int, code: str, path: tuple[str, ...] = ()) -> Part:
    """A yes/no precondition: True lets the whole internet through, an unknown may."""
    everyone = INTERNET[family]
    if value is True:
        return Part(everyone, everyone, path)
    if is_unknown(value):
        return Part((), everyone, path, unknowns=(describe(value),))
    return Part((), (), blocks=(code,))


def _resolve_route(route: Route, kind: str, family: int, optimistic: bool) -> tuple[int, Spans]:
    """(prefix length, destinations); an unknown destination matches first, or is dropped,
    whichever makes the bound's side win; an unknown target is an IGW only for ``high``."""
    if kind == "unknown":
        kind = "igw" if optimistic else "other"
    if is_unknown(route.destination):
        return (999, FULL[family]) if (kind == "igw") == optimistic else (-1, ())
    try:
        net = ipaddress.ip_network(str(route.destination), strict=False)
    except ValueError:
        return -1, ()
    return (net.prefixlen, network_spans(net)) if net.version == family else (-1, ())


def _route_kind(net: AwsNetwork, route: Route, vpc: str) -> str:
    """Only an internet gateway attached to the subnet's own VPC admits traffic."""
    if route.kind != "igw" or route.target not in net.igw_vpc:
        return route.kind
    owner = net.igw_vpc[route.target]
    if address(owner) == vpc:
        return "igw"
    return "unknown" if is_unknown(owner) and address(owner) is None else "other"


def _longest_prefix(
    net: AwsNetwork, routes: list[Route], vpc: str, family: int, optimistic: bool
) -> tuple[Spans, str]:
    """Sources whose replies the table sends to an IGW: the longest matching prefix decides."""
    ranked = []
    for route in routes:
        kind = _route_kind(net, route, vpc)
        length, destination = _resolve_route(route, kind, family, optimistic)
        if kind == "unknown":
            kind = "igw" if optimistic else "other"
        ranked.append((length, destination, kind, route.target))
    ranked.sort(key=lambda row: -row[0])
    left, igw = INTERNET[family], ""
    allowed: Spans = ()
    for _, destination, kind, target in ranked:
        hit = intersect(left, destination)
        if hit and kind == "igw":
            allowed, igw = union(allowed, hit), igw or target
        left = subtract(left, hit)
    return allowed, igw


def route_part(net: AwsNetwork, subnet: Resource, family: int) -> Part:
    """The subnet's table: explicit association, else the VPC's main table, else AWS's
    implicit main table, which holds only the local route. An association whose subnet is
    known only after apply may be this subnet's: then each candidate table is a possible
    world, the sure bound is what all of them route to the IGW and the at-most bound what
    any does."""
    vpc = net.vpc_of(subnet)
    table = net.table_of(subnet)
    candidates = [table] + ([] if subnet.address in net.subnet_table else net.loose_tables)
    found = [_table_part(net, t, vpc, family) for t in dict.fromkeys(candidates)]
    low: Spans = found[0][0]
    high: Spans = ()
    igw, owner, unknowns = "", table, list(found[0][3])
    for (sure, most, gateway, notes), name in zip(found, dict.fromkeys(candidates), strict=True):
        low = intersect(low, sure)
        if most and not high:
            igw, owner = gateway, name
        high = union(high, most)
        unknowns += [n for n in notes if n not in unknowns]
    if len(found) > 1:
        unknowns.append(
            f"{subnet.address}: a route table association names a subnet known only after apply"
        )
    if not high:
        return Part((), (), blocks=("NO_ROUTE_TO_IGW",))
    return Part(
        low,
        high,
        (igw, owner or IMPLICIT_TABLE, subnet.address),
        (),
        tuple(unknowns) if low != high else (),
    )


def _table_part(
    net: AwsNetwork, table: str | None, vpc: str, family: int
) -> tuple[Spans, Spans, str, tuple[str, ...]]:
    """(sure sources, at-most sources, IGW, unknowns) of one route table (None: implicit)."""
    routes = list(net.routes.get(table, [])) if table else []
    vpc_cidr = net.resources[vpc].attrs.get("cidr_block") if vpc in net.resources else None
    if isinstance(vpc_cidr, str):
        routes.append(Route(vpc_cidr, "local", "local", vpc))
    low, _ = _longest_prefix(net, routes, vpc, family, False)
    high, igw = _longest_prefix(net, routes, vpc, family, True)
    unknowns = tuple(
        f"route in {r.owner}: {describe(r.destination if is_unknown(r.destination) else r.target)}"
        for r in routes
        if is_unknown(r.destination) or r.kind == "unknown"
    )
    return low, high, igw, unknowns


@dataclass(frozen=True)
class AclRule:
    """A NACL entry with every unknown resolved for one bound (number -1: evaluated first)."""

    number: int
    allow: bool
    protocol: str
    ports: Span
    cidrs: dict[int, Spans]


ALLOW_ALL = AclRule(100, True, "-1", (0, 65535), dict(FULL))


def _resolve_entry(entry: AclEntry, optimistic: bool) -> AclRule | None:
    """Exact when known. Otherwise ``high`` widens an entry that may allow and drops one that
    only denies; ``low`` does the reverse: each bound is then an over/under-approximation."""
    action = entry.action
    allow = action == "allow"
    if entry.known() and not is_unknown(action) and entry.acl is not None:
        cidrs = {f: cidr_spans(entry.cidr, f) or () for f in (4, 6)}
        return AclRule(entry.number, allow, entry.protocol, entry.ports(), cidrs)
    if not is_unknown(action) and allow != optimistic:
        return None
    number = entry.number if isinstance(entry.number, int) else -1
    protocol = entry.protocol if isinstance(entry.protocol, str) else "-1"
    ports = entry.ports() if entry.known() else (0, 65535)
    cidrs = {
        f: FULL[f] if is_unknown(entry.cidr) else cidr_spans(entry.cidr, f) or () for f in (4, 6)
    }
    return AclRule(number, optimistic, protocol, ports, cidrs)


def acl_rules(net: AwsNetwork, acl: str, direction: str, optimistic: bool) -> list[AclRule]:
    """The ACL's entries of one direction in evaluation order; entries of an unknown ACL
    may be this one's. Memoized on the network: it is asked per workload, port and hop."""
    if acl == DEFAULT_ACL:
        return [ALLOW_ALL]
    key = ("acl_rules", acl, direction, optimistic)
    if key not in net.memo:
        net.memo[key] = _acl_rules(net, acl, direction, optimistic)
    rules: list[AclRule] = net.memo[key]
    return rules


def _acl_rules(net: AwsNetwork, acl: str, direction: str, optimistic: bool) -> list[AclRule]:
    key, found = f"{net.root}:{acl}", []
    for entry in net.acl_entries:
        if entry.acl not in (key, None):
            continue
        if not is_unknown(entry.direction) and entry.direction != direction:
            continue
        rule = _resolve_entry(entry, optimistic)
        if rule is not None:
            found.append(rule)
    return sorted(found, key=lambda rule: rule.number)


def first_match(
    rules: list[AclRule], family: int, protocol: str, span: Span, sources: Spans | None = None
) -> tuple[Spans, list[str]]:
    """(allowed sources, numbers of the entries that denied some): first match wins, and what
    no entry matches meets the implicit ``*`` deny. ``sources``: the internet unless given
    (load balancer chains ask about the LB's subnets)."""
    left, denied = INTERNET[family] if sources is None else sources, []
    allowed: Spans = ()
    for rule in rules:
        if rule.protocol not in ("-1", protocol):
            continue
        if not (rule.ports[0] <= span[0] and span[1] <= rule.ports[1]):
            continue
        hit = intersect(left, rule.cidrs[family])
        if not hit:
            continue
        if rule.allow:
            allowed = union(allowed, hit)
        else:
            denied.append(str(rule.number) if rule.number >= 0 else "?")
        left = subtract(left, hit)
    if left:
        denied.append("*")
    return allowed, denied


def _acl_unknowns(net: AwsNetwork, acl: str) -> tuple[str, ...]:
    key = f"{net.root}:{acl}"
    return tuple(
        f"{e.owner.address}{'.' + e.path if e.path else ''}: an entry known only after apply"
        for e in net.acl_entries
        if e.acl in (key, None) and (e.acl is None or not e.known() or is_unknown(e.action))
    )


def inbound_part(net: AwsNetwork, acl: str, family: int, protocol: str, span: Span) -> Part:
    low, _ = first_match(acl_rules(net, acl, "ingress", False), family, protocol, span)
    high, denied = first_match(acl_rules(net, acl, "ingress", True), family, protocol, span)
    if not high:
        return Part((), (), blocks=tuple(f"NACL_INBOUND_DENY(rule {n})" for n in denied))
    return Part(low, high, (acl,), (), _acl_unknowns(net, acl) if low != high else ())


def return_part(net: AwsNetwork, acl: str, family: int, protocol: str) -> Part:
    """NACLs are stateless: the reply to the client's ephemeral port (1024-65535) must leave
    too. A client is served when some of its ephemeral ports are allowed back."""
    bounds = []
    for optimistic in (False, True):
        rules = acl_rules(net, acl, "egress", optimistic)
        cuts = {EPHEMERAL[0], EPHEMERAL[1] + 1}
        cuts |= {
            p
            for r in rules
            for p in (r.ports[0], r.ports[1] + 1)
            if EPHEMERAL[0] < p <= EPHEMERAL[1]
        }
        allowed: Spans = ()
        denied: list[str] = []
        for first, stop in pairs(sorted(cuts)):
            more, why = first_match(rules, family, protocol, (first, stop - 1))
            allowed = union(allowed, more)
            denied += [n for n in why if n not in denied]
        bounds.append((allowed, denied))
    (low, _), (high, denied) = bounds
    if not high:
        return Part((), (), blocks=tuple(f"NACL_RETURN_DENY(rule {n})" for n in denied))
    return Part(low, high, (), (), _acl_unknowns(net, acl) if low != high else ())


def pairs(points: list[int]) -> list[Span]:
    return list(itertools.pairwise(points))


def rule_span(rule: SgRule, optimistic: bool) -> tuple[str, int, int] | None:
    """(protocol, from port, to port) of an SG rule. A part known only after apply widens
    to anything for the at-most bound and drops the rule for the sure bound (None)."""
    proto, low, high = rule.protocol, rule.from_port, rule.to_port
    if isinstance(proto, str) and isinstance(low, int) and isinstance(high, int):
        return proto, low, high
    if not optimistic:
        return None
    known = isinstance(low, int) and isinstance(high, int)
    return (proto if isinstance(proto, str) else "-1", *((low, high) if known else (0, 65535)))


def _rule_sources(rule: SgRule, family: int, protocol: str, span: Span, optimistic: bool) -> Spans:
    """Internet sources one ingress rule admits on ``span``; unknowns widen for ``high`` and
    admit nothing for ``low``. SG references and ``self`` never match internet sources."""
    resolved = rule_span(rule, optimistic)
    if resolved is None:
        return ()
    proto, low, high = resolved
    if proto not in ("-1", protocol) or not (low <= span[0] and span[1] <= high):
        return ()
    found: Spans = ()
    cidrs = rule.cidr_blocks if family == 4 else rule.ipv6_cidr_blocks
    for value in [*cidrs, *rule.prefix_list_ids]:
        if is_unknown(value) or value in rule.prefix_list_ids:  # a prefix list is AWS's to fill
            found = union(found, INTERNET[family] if optimistic else ())
        else:
            found = union(found, cidr_spans(value, family) or ())
    return intersect(found, INTERNET[family])


def _group_rules(net: AwsNetwork, group: Any) -> list[SgRule] | None:
    """The ingress rules of a listed SG (with rules of unknown owner); None: SG not declared."""
    found = net.get(group, SG_TYPES)
    return None if found is None else net.sg_rules.get(found.address, []) + net.loose_rules


def sg_part(
    net: AwsNetwork, groups: tuple[Any, ...], family: int, protocol: str, span: Span
) -> Part:
    """Security groups are a union of allows; an undeclared SG (literal or unknown id) may
    allow anything."""
    low: Spans = ()
    high: Spans = ()
    path: list[str] = []
    unknowns: list[str] = []
    for group in groups:
        rules = _group_rules(net, group)
        if rules is None:
            high, unknowns = INTERNET[family], [*unknowns, f"security group {describe(group)}"]
            continue
        for rule in rules:
            sure = _rule_sources(rule, family, protocol, span, False)
            most = _rule_sources(rule, family, protocol, span, True)
            low, high = union(low, sure), union(high, most)
            if most and address(group) not in path:
                path.append(str(address(group)))
            if sure != most:
                where = f"{rule.owner.address}{'.' + rule.path if rule.path else ''}"
                unknowns.append(f"{where}: a value known only after apply")
    if not high:
        return Part((), (), blocks=("SG_NO_MATCHING_INGRESS",))
    return Part(low, high, tuple(path), (), tuple(unknowns))


def listen_part(place: Placement, family: int, protocol: str, span: Span) -> Part | None:
    """A load balancer answers only on its listeners, a database on its port."""
    if place.listens is None:
        return None
    everyone, sure, maybe = INTERNET[family], False, []
    for proto, port in place.listens:
        if proto not in (protocol, "-1") and not is_unknown(proto):
            continue
        if isinstance(port, int) and span[0] <= port <= span[1]:
            sure = sure or not is_unknown(proto)
            maybe += [describe(proto)] if is_unknown(proto) else []
        elif is_unknown(port):
            maybe.append(f"listener port {describe(port)}")
    if sure:
        return Part(everyone, everyone)
    return (
        Part((), everyone, unknowns=tuple(maybe))
        if maybe
        else Part((), (), blocks=("NO_LISTENER",))
    )


def sources_part(place: Placement, family: int) -> Part | None:
    """The EKS endpoint's ``public_access_cidrs``."""
    if place.sources is None:
        return None
    if is_unknown(place.sources):
        return Part((), INTERNET[family], unknowns=(describe(place.sources),))
    low: Spans = ()
    high: Spans = ()
    for value in listed(place.sources):
        found = INTERNET[family] if is_unknown(value) else cidr_spans(value, family) or ()
        high = union(high, found)
        low = low if is_unknown(value) else union(low, found)
    low, high = intersect(low, INTERNET[family]), intersect(high, INTERNET[family])
    if not high:
        return Part((), (), blocks=("ENDPOINT_CIDRS_EXCLUDE_INTERNET",))
    return Part(low, high, unknowns=() if low == high else (describe(place.sources),))
