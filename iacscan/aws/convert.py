"""AWS objects in the shape Terraform gives the same things, so that every analysis reads
an existing security group exactly as it reads a declared one.

Each record becomes a ``Resource`` with mode ``existing``, the address ``<type>.<id>``
(``aws_security_group.sg-0abc...``) and its ARN or id; a reference to another record that
was read becomes a ``Ref`` to it (the graph and the network model join by Ref), anything
else keeps its literal id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from iacscan.aws.settings import EXISTING
from iacscan.model import Location, Resource
from iacscan.model.values import Ref

Link = Callable[[Any], Any]
AWS_LOCATION = Location("<aws>", 0, 0)
TYPES = {
    "vpc": "aws_vpc",
    "subnet": "aws_subnet",
    "sg": "aws_security_group",
    "rtb": "aws_route_table",
    "igw": "aws_internet_gateway",
    "nat": "aws_nat_gateway",
    "acl": "aws_network_acl",
    "eni": "aws_network_interface",
    "pcx": "aws_vpc_peering_connection",
    "tgw": "aws_ec2_transit_gateway",
}


def type_of(kind: str, record: dict[str, Any]) -> str:
    """Terraform's type; the VPC's default group and NACL are the ``aws_default_*`` kinds,
    which the network model reads as the defaults of their VPC."""
    if kind == "sg" and record.get("GroupName") == "default":
        return "aws_default_security_group"
    if kind == "acl" and record.get("IsDefault"):
        return "aws_default_network_acl"
    return TYPES[kind]


def address_of(kind: str, record: dict[str, Any], ident: str) -> str:
    return f"{type_of(kind, record)}.{ident}"


def existing(type_: str, ident: str, attrs: dict[str, Any], root: str) -> Resource:
    return Resource(
        address=f"{type_}.{ident}",
        type=type_,
        name=ident,
        mode=EXISTING,
        attrs=attrs,
        location=AWS_LOCATION,
        root=root,
    )


def convert(kind: str, ident: str, record: dict[str, Any], link: Link, root: str) -> list[Resource]:
    """The resources one record stands for (a route table also yields its associations)."""
    attrs: dict[str, Any] = {"id": ident, "tags": _tags(record)}
    arn = next((record[k] for k in ARN_KEYS if isinstance(record.get(k), str)), None)
    if arn:
        attrs["arn"] = arn
    if "VpcId" in record and kind != "vpc":
        attrs["vpc_id"] = link(record["VpcId"])
    extra: list[Resource] = []
    attrs.update(SHAPERS[kind](record, link, ident, root, extra))
    return [existing(type_of(kind, record), ident, attrs, root), *extra]


ARN_KEYS = ("VpcArn", "SubnetArn", "SecurityGroupArn", "TransitGatewayArn", "Arn")
Extra = list[Resource]


def _tags(record: dict[str, Any]) -> dict[str, str]:
    return {str(t.get("Key")): str(t.get("Value", "")) for t in record.get("Tags", []) or []}


def _vpc(r: dict[str, Any], link: Link, ident: str, root: str, extra: Extra) -> dict[str, Any]:
    v6 = [a.get("Ipv6CidrBlock") for a in r.get("Ipv6CidrBlockAssociationSet", [])]
    return {
        "cidr_block": r.get("CidrBlock"),
        "ipv6_cidr_block": next(iter(v6), None),
        "default": bool(r.get("IsDefault")),
        "owner_id": r.get("OwnerId"),
    }


def _subnet(r: dict[str, Any], link: Link, ident: str, root: str, extra: Extra) -> dict[str, Any]:
    v6 = [a.get("Ipv6CidrBlock") for a in r.get("Ipv6CidrBlockAssociationSet", [])]
    return {
        "cidr_block": r.get("CidrBlock"),
        "ipv6_cidr_block": next(iter(v6), None),
        "availability_zone": r.get("AvailabilityZone"),
        "map_public_ip_on_launch": bool(r.get("MapPublicIpOnLaunch")),
        "assign_ipv6_address_on_creation": bool(r.get("AssignIpv6AddressOnCreation")),
        "default_for_az": bool(r.get("DefaultForAz")),
    }


def _sg(r: dict[str, Any], link: Link, ident: str, root: str, extra: Extra) -> dict[str, Any]:
    return {
        "name": r.get("GroupName"),
        "description": r.get("Description"),
        "ingress": [_permission(p, link, ident) for p in r.get("IpPermissions", [])],
        "egress": [_permission(p, link, ident) for p in r.get("IpPermissionsEgress", [])],
    }


def _permission(p: dict[str, Any], link: Link, own: str) -> dict[str, Any]:
    protocol = str(p.get("IpProtocol", "-1"))
    groups = [g.get("GroupId") for g in p.get("UserIdGroupPairs", []) if g.get("GroupId")]
    descriptions = [x.get("Description") for k in ("IpRanges", "Ipv6Ranges") for x in p.get(k, [])]
    return {
        "protocol": protocol,
        "from_port": p.get("FromPort", 0) if protocol != "-1" else 0,
        "to_port": p.get("ToPort", 0) if protocol != "-1" else 0,
        "cidr_blocks": [x["CidrIp"] for x in p.get("IpRanges", []) if "CidrIp" in x],
        "ipv6_cidr_blocks": [x["CidrIpv6"] for x in p.get("Ipv6Ranges", []) if "CidrIpv6" in x],
        "prefix_list_ids": [
            x["PrefixListId"] for x in p.get("PrefixListIds", []) if "PrefixListId" in x
        ],
        "security_groups": [link(g) for g in groups if g != own],
        "self": own in groups,
        "description": next((d for d in descriptions if d), None),
    }


ROUTE_TARGETS = (
    ("GatewayId", "gateway_id"),
    ("NatGatewayId", "nat_gateway_id"),
    ("EgressOnlyInternetGatewayId", "egress_only_gateway_id"),
    ("TransitGatewayId", "transit_gateway_id"),
    ("VpcPeeringConnectionId", "vpc_peering_connection_id"),
    ("NetworkInterfaceId", "network_interface_id"),
)


def _route_table(
    r: dict[str, Any], link: Link, ident: str, root: str, extra: Extra
) -> dict[str, Any]:
    routes = []
    for route in r.get("Routes", []):
        if route.get("State") == "blackhole":
            continue  # a blackhole route drops traffic: it admits nothing
        block: dict[str, Any] = {
            "cidr_block": route.get("DestinationCidrBlock"),
            "ipv6_cidr_block": route.get("DestinationIpv6CidrBlock"),
            "destination_prefix_list_id": route.get("DestinationPrefixListId"),
        }
        for key, name in ROUTE_TARGETS:
            value = route.get(key)
            block[name] = value if value in (None, "local") else link(value)
        routes.append(block)
    table = Ref(f"aws_route_table.{ident}", "id")
    for association in r.get("Associations", []):
        name = association.get("RouteTableAssociationId") or f"{ident}-main"
        subnet = link(association.get("SubnetId"))
        if association.get("Main"):
            attrs = {"vpc_id": link(r.get("VpcId")), "route_table_id": table}
            extra.append(existing("aws_main_route_table_association", name, attrs, root))
        elif isinstance(subnet, Ref):  # only for subnets that matter here
            attrs = {"subnet_id": subnet, "route_table_id": table}
            extra.append(existing("aws_route_table_association", name, attrs, root))
    return {"route": routes}


def _igw(r: dict[str, Any], link: Link, ident: str, root: str, extra: Extra) -> dict[str, Any]:
    attached = [a.get("VpcId") for a in r.get("Attachments", []) if a.get("State") != "detached"]
    return {"vpc_id": link(attached[0]) if attached else None}


def _nat(r: dict[str, Any], link: Link, ident: str, root: str, extra: Extra) -> dict[str, Any]:
    addresses = r.get("NatGatewayAddresses", [])
    return {
        "subnet_id": link(r.get("SubnetId")),
        "connectivity_type": r.get("ConnectivityType", "public"),
        "public_ip": next((a.get("PublicIp") for a in addresses if a.get("PublicIp")), None),
    }


def _acl(r: dict[str, Any], link: Link, ident: str, root: str, extra: Extra) -> dict[str, Any]:
    attrs: dict[str, Any] = {"ingress": [], "egress": []}
    for entry in sorted(r.get("Entries", []), key=lambda e: e.get("RuleNumber", 0)):
        if entry.get("RuleNumber") == 32767:
            continue  # the implicit final deny, which Terraform does not show either
        ports = entry.get("PortRange") or {}
        attrs["egress" if entry.get("Egress") else "ingress"].append(
            {
                "rule_no": entry.get("RuleNumber"),
                "action": entry.get("RuleAction"),
                "protocol": str(entry.get("Protocol", "-1")),
                "from_port": ports.get("From", 0),
                "to_port": ports.get("To", 0),
                "cidr_block": entry.get("CidrBlock"),
                "ipv6_cidr_block": entry.get("Ipv6CidrBlock"),
            }
        )
    subnets = [link(a.get("SubnetId")) for a in r.get("Associations", [])]
    attrs["subnet_ids"] = [s for s in subnets if isinstance(s, Ref)]
    if r.get("IsDefault") and isinstance(link(r.get("VpcId")), Ref):
        attrs["default_network_acl_id"] = Ref(
            link(r.get("VpcId")).address, "default_network_acl_id"
        )
    return attrs


def _eni(r: dict[str, Any], link: Link, ident: str, root: str, extra: Extra) -> dict[str, Any]:
    public = (r.get("Association") or {}).get("PublicIp")
    if public:  # the network model counts an EIP on an interface as a public address
        attrs = {
            "network_interface": Ref(f"aws_network_interface.{ident}", "id"),
            "public_ip": public,
        }
        extra.append(existing("aws_eip", f"{ident}-public-ip", attrs, root))
    return {
        "subnet_id": link(r.get("SubnetId")),
        "private_ip": r.get("PrivateIpAddress"),
        "security_groups": [link(g.get("GroupId")) for g in r.get("Groups", [])],
        "public_ip": public,
    }


def _pcx(r: dict[str, Any], link: Link, ident: str, root: str, extra: Extra) -> dict[str, Any]:
    requester, accepter = r.get("RequesterVpcInfo") or {}, r.get("AccepterVpcInfo") or {}
    return {
        "vpc_id": link(requester.get("VpcId")),
        "peer_vpc_id": link(accepter.get("VpcId")),
        "status": (r.get("Status") or {}).get("Code"),
    }


def _tgw(r: dict[str, Any], link: Link, ident: str, root: str, extra: Extra) -> dict[str, Any]:
    options = r.get("Options") or {}
    return {
        "default_route_table_association": options.get("DefaultRouteTableAssociation"),
        "default_route_table_propagation": options.get("DefaultRouteTablePropagation"),
    }


SHAPERS: dict[str, Callable[[dict[str, Any], Link, str, str, Extra], dict[str, Any]]] = {
    "vpc": _vpc,
    "subnet": _subnet,
    "sg": _sg,
    "rtb": _route_table,
    "igw": _igw,
    "nat": _nat,
    "acl": _acl,
    "eni": _eni,
    "pcx": _pcx,
    "tgw": _tgw,
}
