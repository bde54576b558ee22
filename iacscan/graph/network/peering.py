"""Routing between VPCs over a peering connection or a transit gateway, for lateral flows.

Inside one VPC the local route carries every flow. Between two VPCs a flow needs, in both
subnets' route tables, a route whose longest-prefix match for the other subnet's addresses
is a link joining the two VPCs (the reply travels back the same way): a peering connection
between them (``vpc_peering_connection_id`` routes), or a transit gateway both are attached
to (``transit_gateway_id`` routes). A transit gateway routes between its attachments for
sure only through its default route table (association and propagation on, the default);
with custom TGW route tables the flow is a maybe. SGs and NACLs are checked by the flow
itself, as inside a VPC.
"""

from __future__ import annotations

import ipaddress

from iacscan.graph.network.model import AwsNetwork, Route
from iacscan.graph.network.sets import Spans, intersect, network_spans, subtract, union
from iacscan.model import Resource
from iacscan.model.values import is_unknown

# Per flow end: its subnets' addresses, and their IPv4 spans (None: not known).
Ends = tuple[tuple[str | None, ...], tuple[Spans | None, ...]]


def _ranked(net: AwsNetwork, subnet: Resource) -> tuple[list[tuple[int, Spans, Route]], bool]:
    """The subnet's routes, most specific first (with the VPC's local route), and whether
    some route's destination is known only after apply."""
    table = net.table_of(subnet)
    routes = list(net.routes.get(table, [])) if table else []
    vpc = net.resources.get(net.vpc_of(subnet))
    cidr = vpc.attrs.get("cidr_block") if vpc is not None else None
    if isinstance(cidr, str):
        routes.append(Route(cidr, "local", "local", net.vpc_of(subnet)))
    ranked, unknown = [], False
    for route in routes:
        try:
            found = ipaddress.ip_network(str(route.destination), strict=False)
        except ValueError:
            unknown = unknown or is_unknown(route.destination)
            continue
        if found.version == 4:
            ranked.append((found.prefixlen, network_spans(found), route))
    return sorted(ranked, key=lambda row: -row[0]), unknown


def _via(net: AwsNetwork, subnet: Resource, destination: Spans, links: set[str]) -> Spans:
    """The part of ``destination`` the subnet's table sends to one of the ``links``."""
    ranked, _ = _ranked(net, subnet)
    left: Spans = destination
    routed: Spans = ()
    for _, spans, route in ranked:
        hit = intersect(left, spans)
        if hit and route.kind in ("pcx", "tgw") and route.target in links:
            routed = union(routed, hit)
        left = subtract(left, hit)
    return routed


def peered(net: AwsNetwork, source: Ends, target: Ends, vpcs: tuple[str, str]) -> tuple[bool, bool]:
    """(surely, maybe) routed between the two ends both ways over a link that joins
    ``vpcs``: surely when a whole subnet of each end reaches the other's through it, maybe
    when part of one does, or a subnet, CIDR, route or TGW route table is not known."""
    links = {name: True for name, pair in net.peerings.items() if set(pair) == set(vpcs)}
    for gateway, attached in net.transit.items():
        if set(vpcs) <= set(attached):  # custom TGW route tables decide: only a maybe
            links[gateway] = all(attached[v] for v in vpcs)
    sure = maybe = False
    for link, certain in sorted(links.items()):
        for s_name, s_spans in zip(*source, strict=False):
            for t_name, t_spans in zip(*target, strict=False):
                s_res, t_res = net.resources.get(s_name or ""), net.resources.get(t_name or "")
                if s_res is None or t_res is None or s_spans is None or t_spans is None:
                    maybe = True
                    continue
                out = _via(net, s_res, t_spans, {link})
                back = _via(net, t_res, s_spans, {link})
                unknown = _ranked(net, s_res)[1] or _ranked(net, t_res)[1]
                sure = sure or (certain and out == t_spans and back == s_spans)
                maybe = maybe or (bool(out) and bool(back)) or unknown
    return sure, maybe or sure
