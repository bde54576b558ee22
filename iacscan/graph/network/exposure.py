"""Internet exposure verdicts per workload, address family, protocol and port interval.

For each subnet a workload may sit in, the components of ``components`` are intersected (a
flow needs all of them); several subnets are united (any of them exposes it). The port axis
is cut only at bounds that some rule, entry or listener names, and neighbouring intervals
with equal verdicts are joined again. Verdicts: OPEN (the whole internet), RESTRICTED (some
public CIDRs), CLOSED (with every blocking component), UNDETERMINED (with the unknowns).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from iacscan.graph.cidrs import covers_public
from iacscan.graph.network.components import (
    Part,
    describe,
    gate,
    inbound_part,
    listen_part,
    pairs,
    return_part,
    route_part,
    sg_part,
    sources_part,
)
from iacscan.graph.network.model import DEFAULT_ACL, DEFAULT_VPC, AwsNetwork
from iacscan.graph.network.placement import FROM_SUBNET, PLACERS, Placement, default
from iacscan.graph.network.sets import (
    INTERNET,
    INTERNET_BOTH,
    Span,
    Spans,
    intersect,
    subtract,
    to_cidrs,
    union,
)
from iacscan.model import Resource
from iacscan.model.values import Ref, Unknown


@dataclass(frozen=True)
class Site:
    """One subnet a workload may sit in: the parts that do not depend on the port, the NACL
    (None: none applies) and the VPC (None: unknown) whose default SG applies."""

    parts: tuple[Part, ...]
    acl: str | None = None
    vpc: str | None = None
    assumptions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    """Internet exposure of one workload for one family, protocol and port interval."""

    workload: str
    family: int
    protocol: str
    ports: Span
    verdict: str  # OPEN | RESTRICTED | CLOSED | UNDETERMINED
    sources: tuple[str, ...] = ()
    path: tuple[str, ...] = ()
    blocked_by: tuple[str, ...] = ()
    unknowns: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = ()


def _site(net: AwsNetwork, place: Placement, value: Any, family: int) -> Site:
    public, code = place.public[family], place.public_code
    if not place.network_path:
        return Site((gate(public, family, code),))
    if value is None:  # no subnet: AWS puts it in a default subnet of the default VPC
        if isinstance(public, str):  # default subnets map public IPv4, have no IPv6
            public = public.endswith("map_public_ip_on_launch")
        route = gate(True, family, "", ("(default VPC IGW)", "(default VPC main route table)"))
        return Site((gate(public, family, code), route), DEFAULT_ACL, DEFAULT_VPC, (ASSUMED,))
    subnet = net.get(value, ("aws_subnet",))
    if subnet is None:
        shown = f"{value} is not declared here" if isinstance(value, str) else describe(value)
        unknown = gate(Unknown(f"subnet: {shown}"), family, "")
        return Site(
            (unknown,) if isinstance(public, str) else (gate(public, family, code), unknown)
        )
    if isinstance(public, str):
        public = default(subnet.attrs.get(public[len(FROM_SUBNET) :]), False)
    vpc = net.vpc_of(subnet)
    acl = net.subnet_acl.get(subnet.address) or net.default_acl.get(vpc) or DEFAULT_ACL
    return Site((gate(public, family, code), route_part(net, subnet, family)), acl, vpc)


ASSUMED = "ASSUMED_DEFAULT_VPC"


def _default_groups(net: AwsNetwork, vpc: str | None) -> tuple[Any, ...]:
    """The VPC's default SG; AWS's own default admits only itself, nothing from the internet."""
    if vpc in net.default_sg:
        return (Ref(net.default_sg[str(vpc)], "id"),)
    if vpc is None and net.default_sg:
        return (Unknown("the default security group of an unknown VPC"),)
    return ()


def combine(parts: Sequence[Part], workload: str) -> Part:
    """A flow needs every component: intersect the bounds, keep the chain or the blockers."""
    low, high = INTERNET_BOTH, INTERNET_BOTH
    for part in parts:
        low, high = intersect(low, part.low), intersect(high, part.high)
    unknowns = tuple(u for p in parts if p.low != p.high for u in p.unknowns)
    if high:
        path = ("internet", *(step for p in parts for step in p.path), workload)
        return Part(low, high, path, (), unknowns)
    blocks = tuple(code for p in parts if not p.high for code in p.blocks)
    return Part((), (), (), blocks or ("SOURCES_DISJOINT",))


def either(cells: Sequence[Part]) -> Part:
    """A workload in several subnets (LB, DB subnet group) or with several interfaces is
    exposed through any of them."""
    low: Spans = ()
    high: Spans = ()
    for cell in cells:
        low, high = union(low, cell.low), union(high, cell.high)
    unknowns = tuple(dict.fromkeys(u for c in cells for u in c.unknowns))
    if not high:
        return Part((), (), (), tuple(dict.fromkeys(b for c in cells for b in c.blocks)))
    path = next(c.path for c in sorted(cells, key=lambda c: not c.low) if c.high)
    return Part(low, high, path, (), unknowns if low != high else ())


def _site_cell(
    net: AwsNetwork, place: Placement, site: Site, family: int, protocol: str, span: Span,
    returns: Part | None,
) -> Part:  # fmt: skip
    parts = list(site.parts)
    if site.acl is not None and returns is not None:
        parts += [inbound_part(net, site.acl, family, protocol, span), returns]
    if place.security_groups is not None:
        groups = place.security_groups or _default_groups(net, site.vpc)
        parts.append(sg_part(net, groups, family, protocol, span))
    extra = (listen_part(place, family, protocol, span), sources_part(place, family))
    return combine(parts + [p for p in extra if p is not None], place.workload.address)


def _cuts(net: AwsNetwork, place: Placement) -> list[Span]:
    """Port intervals on which every component is constant: cut at every bound any rule,
    entry or listener names."""
    if "cuts" not in net.memo:  # the same for every workload of the network: compute once
        shared = {0, 65536}
        for rule in [r for rules in net.sg_rules.values() for r in rules] + net.loose_rules:
            if _ints(rule.from_port, rule.to_port):
                shared |= {rule.from_port, rule.to_port + 1}
        for entry in net.acl_entries:
            shared |= {entry.ports()[0], entry.ports()[1] + 1}
        net.memo["cuts"] = frozenset(shared)
    points = set(net.memo["cuts"])
    for _, port in place.listens or ():
        points |= {port, port + 1} if _ints(port) else set()
    ordered = sorted(p for p in points if 0 <= p <= 65536)
    return [(low, stop - 1) for low, stop in pairs(ordered)]


def _ints(*values: Any) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) for v in values)


def verdict(
    workload: str, family: int, protocol: str, span: Span, part: Part, assumed: tuple[str, ...] = ()
) -> Verdict:
    """One cell's bounds as a verdict row (the same for every cloud's analysis)."""
    everyone = INTERNET[family]
    sources: tuple[str, ...] = ()
    if not part.high:
        name = "CLOSED"
    else:
        whole = not subtract(everyone, part.high)
        sources = (
            ("0.0.0.0/0" if family == 4 else "::/0",) if whole else to_cidrs(part.high, family)
        )
        exact = "OPEN" if whole else "RESTRICTED"
        name = exact if part.low == part.high else "UNDETERMINED"
    return Verdict(
        workload, family, protocol, span, name, sources, part.path,
        part.blocks, part.unknowns, assumed,
    )  # fmt: skip


def merge_rows(verdicts: list[Verdict]) -> list[Verdict]:
    """Join neighbouring port intervals whose verdicts are the same in every other respect."""
    merged: list[Verdict] = []
    for verdict in verdicts:
        last = merged[-1] if merged else None
        if last is not None and last.ports[1] + 1 == verdict.ports[0] and _same(last, verdict):
            merged[-1] = replace(last, ports=(last.ports[0], verdict.ports[1]))
            continue
        merged.append(verdict)
    return merged


def _same(a: Verdict, b: Verdict) -> bool:
    """Equal but for the ports (compared field by field: ``replace`` per cell was 15% of
    the analysis)."""
    return (a.verdict, a.sources, a.path, a.blocked_by, a.unknowns, a.assumptions) == (
        b.verdict,
        b.sources,
        b.path,
        b.blocked_by,
        b.unknowns,
        b.assumptions,
    ) and (a.workload, a.family, a.protocol) == (b.workload, b.family, b.protocol)


def exposure(net: AwsNetwork, resource: Resource) -> list[Verdict]:
    """Every (family, protocol, port interval) verdict of a workload; [] for other types."""
    placer = PLACERS.get(resource.type)
    if placer is None:
        return []
    place = placer(net, resource)
    verdicts: list[Verdict] = []
    for family in (4, 6):
        sites = [_site(net, place, value, family) for value in place.subnets or (None,)]
        assumed = tuple(sorted({a for site in sites for a in site.assumptions}))
        for protocol in ("tcp", "udp"):
            returns = [return_part(net, s.acl, family, protocol) if s.acl else None for s in sites]
            cells = [
                verdict(place.workload.address, family, protocol, span, either([
                    _site_cell(net, place, site, family, protocol, span, back)
                    for site, back in zip(sites, returns, strict=True)
                ]), assumed)
                for span in _cuts(net, place)
            ]  # fmt: skip
            verdicts += merge_rows(cells)
    return verdicts


def _wide(verdict: Verdict) -> bool:
    """The whole internet, or a public range as wide as the SG rules call "the internet"."""
    return verdict.verdict == "OPEN" or any(
        covers_public(ipaddress.ip_network(s), 8) for s in verdict.sources
    )


def wide_hits(verdicts: list[Verdict]) -> tuple[list[Verdict], list[Verdict]]:
    """(OPEN/RESTRICTED verdicts from a wide range, UNDETERMINED ones that may be: from a
    wide range or from sources not known at all, as an LB chain with an unknown listener
    port)."""
    hits = [v for v in verdicts if v.verdict in ("OPEN", "RESTRICTED") and _wide(v)]
    maybe = [v for v in verdicts if v.verdict == "UNDETERMINED" and (not v.sources or _wide(v))]
    return hits, maybe


def widely_reached(verdicts: list[Verdict]) -> bool | None:
    """Does the internet reach it widely: True, False, or None (depends on unknown values)?"""
    hits, maybe = wide_hits(verdicts)
    return True if hits else (None if maybe else False)
