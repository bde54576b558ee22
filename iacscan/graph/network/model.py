"""The AWS network as the exposure analysis needs it, normalized once per scan.

Terraform spreads one fact over many resources: a subnet's route table may be an
``aws_route_table_association``, an ``aws_main_route_table_association``, an
``aws_default_route_table`` or AWS's implicit main table; a NACL may name its subnets or be
named by an association; an SG rule may be inline or a resource. ``AwsNetwork`` joins them
once per root module, by Ref address (never by id strings, which are unknown before apply),
so that the analyses are pure lookups over it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from iacscan.graph.network_acls import AclEntry, all_entries
from iacscan.graph.security_groups import SgRule, all_rules, directed
from iacscan.model import Resource
from iacscan.model.values import Ref, Unknown, is_unknown

SG_TYPES = ("aws_security_group", "aws_default_security_group")
DEFAULT_VPC = "(default VPC)"
DEFAULT_ACL = "(default network ACL)"
IMPLICIT_TABLE = "(implicit main route table)"


def address(value: Any) -> str | None:
    """The resource a value refers to (``aws_subnet.a.id`` -> ``aws_subnet.a``), if any."""
    return value.address if isinstance(value, Ref) else None


def listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


@dataclass(frozen=True)
class Route:
    """One route: destination CIDR (or an unknown) and the target's kind and address."""

    destination: Any
    kind: str  # igw | local | pcx (VPC peering) | tgw (transit gateway) | other | unknown
    target: str
    owner: str  # route table or aws_route address


@dataclass
class AwsNetwork:
    """One root module's network, joined by Ref address; built once per scan."""

    root: str
    resources: dict[str, Resource]
    sg_rules: dict[str, list[SgRule]] = field(default_factory=dict)
    loose_rules: list[SgRule] = field(default_factory=list)  # ingress rules of an unknown SG
    sg_egress: dict[str, list[SgRule]] = field(default_factory=dict)
    loose_egress: list[SgRule] = field(default_factory=list)  # egress rules of an unknown SG
    acl_entries: list[AclEntry] = field(default_factory=list)
    subnet_table: dict[str, str] = field(default_factory=dict)
    loose_tables: list[str] = field(default_factory=list)  # associated with an unknown subnet
    main_table: dict[str, str] = field(default_factory=dict)  # vpc -> table
    subnet_acl: dict[str, str] = field(default_factory=dict)
    default_acl: dict[str, str] = field(default_factory=dict)  # vpc -> aws_default_network_acl
    default_sg: dict[str, str] = field(default_factory=dict)  # vpc -> aws_default_security_group
    routes: dict[str, list[Route]] = field(default_factory=lambda: defaultdict(list))
    igw_vpc: dict[str, Any] = field(default_factory=dict)
    eips: set[str] = field(default_factory=set)  # instances and ENIs with an Elastic IP
    listeners: dict[str, list[Resource]] = field(default_factory=lambda: defaultdict(list))
    peerings: dict[str, tuple[str, str]] = field(default_factory=dict)  # pcx -> (vpc, peer vpc)
    # transit gateway -> {attached VPC: does the attachment use the TGW's default route
    # table for association and propagation (then every attached VPC routes to the others)}
    transit: dict[str, dict[str, bool]] = field(default_factory=dict)
    # Derived once per scan by the analysis (port cut points, resolved NACL rules): without
    # them every workload re-read every rule, which made the analysis quadratic.
    memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def get(self, value: Any, types: tuple[str, ...]) -> Resource | None:
        """The resource of one of ``types`` that ``value`` refers to: by Ref, or by the
        ``name`` it configures (``aws_db_subnet_group.x.name`` evaluates to the literal name
        when the configuration sets it, so no Ref is left to follow)."""
        if isinstance(value, str):
            return self._by_name(types, value)
        found = self.resources.get(address(value) or "")
        return found if found is not None and found.type in types else None

    def _by_name(self, types: tuple[str, ...], name: str) -> Resource | None:
        if "by_name" not in self.memo:  # (type, name) -> resource, built on first use
            index: dict[tuple[str, str], Resource] = {}
            for resource in sorted(self.resources.values(), key=lambda r: r.address):
                if isinstance(resource.attrs.get("name"), str):
                    index.setdefault((resource.type, resource.attrs["name"]), resource)
            self.memo["by_name"] = index
        named: dict[tuple[str, str], Resource] = self.memo["by_name"]
        return next((named[(t, name)] for t in types if (t, name) in named), None)

    def table_of(self, subnet: Resource) -> str | None:
        """The subnet's route table: its association, else its VPC's main table (None: AWS's
        implicit main table, which holds only the local route)."""
        return self.subnet_table.get(subnet.address) or self.main_table.get(self.vpc_of(subnet))

    def peers_of(self, vpc: str | None) -> list[str]:
        """VPCs joined to ``vpc`` by a peering connection or a transit gateway declared here."""
        found = [b if a == vpc else a for a, b in self.peerings.values() if vpc in (a, b)]
        found += [v for vpcs in self.transit.values() if vpc in vpcs for v in vpcs if v != vpc]
        return sorted(set(found))

    def vpc_of(self, resource: Resource) -> str:
        """The VPC address of a subnet (``aws_default_subnet``: the default VPC)."""
        return address(resource.attrs.get("vpc_id")) or DEFAULT_VPC


def build_network(root: str, resources: list[Resource]) -> AwsNetwork:
    """Join the network resources of one root module."""
    managed = [r for r in resources if r.mode == "managed" and r.root == root]
    net = AwsNetwork(root, {r.address: r for r in managed})
    _index_rules(net, managed)
    net.acl_entries = all_entries(managed)
    for resource in managed:
        for row in _INDEXERS.get(resource.type, ()):
            row(net, resource)
    return net


def _index_rules(net: AwsNetwork, managed: list[Resource]) -> None:
    for rule in (d for r in all_rules(managed) for d in directed(r)):
        ingress = rule.direction == "ingress"
        owner = address(rule.group)
        if owner is not None:
            (net.sg_rules if ingress else net.sg_egress).setdefault(owner, []).append(rule)
        elif is_unknown(rule.group):
            (net.loose_rules if ingress else net.loose_egress).append(rule)


def _table_association(net: AwsNetwork, r: Resource) -> None:
    subnet, table = address(r.attrs.get("subnet_id")), address(r.attrs.get("route_table_id"))
    if subnet and table:
        net.subnet_table[subnet] = table
    elif table and is_unknown(r.attrs.get("subnet_id")) and table not in net.loose_tables:
        net.loose_tables.append(table)  # ``aws_subnet.x[count.index]`` with unknown count...


def _main_association(net: AwsNetwork, r: Resource) -> None:
    vpc, table = address(r.attrs.get("vpc_id")), address(r.attrs.get("route_table_id"))
    if vpc and table:
        net.main_table[vpc] = table


def _default_table(net: AwsNetwork, r: Resource) -> None:
    vpc = address(r.attrs.get("default_route_table_id"))
    if vpc:
        net.main_table.setdefault(vpc, r.address)
    _inline_routes(net, r)


def _inline_routes(net: AwsNetwork, r: Resource) -> None:
    blocks = r.attrs.get("route")
    for block in listed(blocks) if not is_unknown(blocks) else [blocks]:
        if not isinstance(block, dict):  # a dynamic block over an unknown collection
            net.routes[r.address].append(Route(block, "unknown", str(block), r.address))
            continue
        for key in ("cidr_block", "ipv6_cidr_block", "destination_prefix_list_id"):
            if block.get(key) is not None:
                net.routes[r.address].append(_route(net, block, block[key], r.address))


def _aws_route(net: AwsNetwork, r: Resource) -> None:
    table = address(r.attrs.get("route_table_id"))
    keys = ("destination_cidr_block", "destination_ipv6_cidr_block", "destination_prefix_list_id")
    for key in keys:
        if table and r.attrs.get(key) is not None:
            net.routes[table].append(_route(net, r.attrs, r.attrs[key], r.address))


def _route(net: AwsNetwork, block: dict[str, Any], destination: Any, owner: str) -> Route:
    """Classify the target: only an internet gateway admits inbound traffic."""
    if isinstance(destination, str) and destination.startswith("pl-"):
        destination = Unknown(f"prefix list {destination} is resolved by AWS")
    gateway = block.get("gateway_id")
    if gateway == "local":
        return Route(destination, "local", "local", owner)
    if isinstance(gateway, str) and gateway.startswith("igw-"):
        return Route(destination, "igw", gateway, owner)
    igw = address(gateway)
    if igw and igw.startswith("aws_internet_gateway."):
        return Route(destination, "igw", igw, owner)
    if is_unknown(gateway) and not address(gateway):
        return Route(destination, "unknown", str(gateway), owner)
    peering = address(block.get("vpc_peering_connection_id"))
    if peering and peering.startswith("aws_vpc_peering_connection."):
        return Route(destination, "pcx", peering, owner)
    transit = address(block.get("transit_gateway_id"))
    if transit and transit.startswith("aws_ec2_transit_gateway."):
        return Route(destination, "tgw", transit, owner)
    target = next((str(v) for k, v in block.items() if k.endswith("_id") and v), "")
    return Route(destination, "other", target, owner)


def _igw(net: AwsNetwork, r: Resource) -> None:
    net.igw_vpc.setdefault(r.address, r.attrs.get("vpc_id"))


def _igw_attachment(net: AwsNetwork, r: Resource) -> None:
    igw = address(r.attrs.get("internet_gateway_id"))
    if igw:
        net.igw_vpc[igw] = r.attrs.get("vpc_id")


def _acl(net: AwsNetwork, r: Resource) -> None:
    for subnet in listed(r.attrs.get("subnet_ids")):
        if address(subnet):
            net.subnet_acl.setdefault(str(address(subnet)), r.address)
    vpc = address(r.attrs.get("default_network_acl_id"))
    if r.type == "aws_default_network_acl" and vpc:
        net.default_acl[vpc] = r.address


def _acl_association(net: AwsNetwork, r: Resource) -> None:
    subnet, acl = address(r.attrs.get("subnet_id")), address(r.attrs.get("network_acl_id"))
    if subnet and acl:
        net.subnet_acl[subnet] = acl


def _default_sg(net: AwsNetwork, r: Resource) -> None:
    net.default_sg[address(r.attrs.get("vpc_id")) or DEFAULT_VPC] = r.address


def _eip(net: AwsNetwork, r: Resource) -> None:
    for key in ("instance", "network_interface", "instance_id", "network_interface_id"):
        target = address(r.attrs.get(key))
        if target:
            net.eips.add(target)


def _peering(net: AwsNetwork, r: Resource) -> None:
    vpc, peer = address(r.attrs.get("vpc_id")), address(r.attrs.get("peer_vpc_id"))
    if vpc and peer:
        net.peerings[r.address] = (vpc, peer)


def _transit_attachment(net: AwsNetwork, r: Resource) -> None:
    """A VPC attached to a transit gateway; the default route table (association and
    propagation enabled unless turned off, on the attachment or the gateway) links it to
    every other attached VPC."""
    gateway, vpc = address(r.attrs.get("transit_gateway_id")), address(r.attrs.get("vpc_id"))
    if not gateway or not vpc:
        return
    tgw = net.resources.get(gateway)
    flags = [r.attrs.get(f"transit_gateway_default_route_table_{k}") for k in _TGW_KEYS]
    flags += [tgw.attrs.get(f"default_route_table_{k}") for k in _TGW_KEYS] if tgw else []
    net.transit.setdefault(gateway, {})[vpc] = all(f in (None, True, "enable") for f in flags)


_TGW_KEYS = ("association", "propagation")


def _listener(net: AwsNetwork, r: Resource) -> None:
    lb = address(r.attrs.get("load_balancer_arn"))
    if lb:
        net.listeners[lb].append(r)


_INDEXERS: dict[str, tuple[Any, ...]] = {
    "aws_route_table_association": (_table_association,),
    "aws_main_route_table_association": (_main_association,),
    "aws_default_route_table": (_default_table,),
    "aws_route_table": (_inline_routes,),
    "aws_route": (_aws_route,),
    "aws_internet_gateway": (_igw,),
    "aws_internet_gateway_attachment": (_igw_attachment,),
    "aws_network_acl": (_acl,),
    "aws_default_network_acl": (_acl,),
    "aws_network_acl_association": (_acl_association,),
    "aws_default_security_group": (_default_sg,),
    "aws_eip": (_eip,),
    "aws_eip_association": (_eip,),
    "aws_vpc_peering_connection": (_peering,),
    "aws_ec2_transit_gateway_vpc_attachment": (_transit_attachment,),
    "aws_lb_listener": (_listener,),
    "aws_alb_listener": (_listener,),
}


def per_node(
    graph: Any, key: str, node: str, compute: Callable[[AwsNetwork, Resource], Any]
) -> Any:
    """``compute(network, resource)`` for a graph node, once per scan, kept on the graph."""
    cache: dict[str, Any] = graph.graph.setdefault(key, {})
    if node not in cache:
        resource = graph.nodes[node]["resource"]
        cache[node] = compute(network_of(graph, resource), resource)
    return cache[node]


def network_of(graph: Any, resource: Resource) -> AwsNetwork:
    """The network of the resource's root module, built on first use and kept on the graph."""
    cache: dict[str, AwsNetwork] = graph.graph.setdefault("aws_network", {})
    if resource.root not in cache:
        everything = [data["resource"] for _, data in graph.nodes(data=True)]
        cache[resource.root] = build_network(resource.root, everything)
    return cache[resource.root]
