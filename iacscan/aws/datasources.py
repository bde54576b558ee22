"""Data sources that look up existing infrastructure, evaluated with their arguments.

A data source is read only when every argument that narrows the lookup is known; its
arguments become EC2 filters (``tags`` -> ``tag:Key``, ``filter`` blocks as written, the
documented arguments by their filter names). A singular data source must match exactly
one object, as Terraform requires; zero or several matches are reported, not guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from iacscan.aws.client import AwsError
from iacscan.aws.readers import KINDS, Reader, raise_if_global
from iacscan.model import Resource
from iacscan.model.values import is_wholly_known


@dataclass(frozen=True)
class Lookup:
    """A data source type: the kind it reads, one or many, and argument -> filter name."""

    kind: str
    many: bool
    arguments: tuple[tuple[str, str], ...]


LOOKUPS: dict[str, Lookup] = {
    "aws_vpc": Lookup(
        "vpc",
        False,
        (("id", "vpc-id"), ("cidr_block", "cidr"), ("default", "is-default"), ("state", "state")),
    ),
    "aws_subnet": Lookup(
        "subnet",
        False,
        (
            ("id", "subnet-id"),
            ("vpc_id", "vpc-id"),
            ("cidr_block", "cidr-block"),
            ("availability_zone", "availability-zone"),
            ("default_for_az", "default-for-az"),
            ("state", "state"),
        ),
    ),
    "aws_subnets": Lookup("subnet", True, ()),
    "aws_security_group": Lookup(
        "sg", False, (("id", "group-id"), ("name", "group-name"), ("vpc_id", "vpc-id"))
    ),
    "aws_security_groups": Lookup("sg", True, ()),
    "aws_route_table": Lookup(
        "rtb",
        False,
        (
            ("route_table_id", "route-table-id"),
            ("vpc_id", "vpc-id"),
            ("subnet_id", "association.subnet-id"),
            ("gateway_id", "association.gateway-id"),
        ),
    ),
    "aws_route_tables": Lookup("rtb", True, (("vpc_id", "vpc-id"),)),
    "aws_internet_gateway": Lookup("igw", False, (("internet_gateway_id", "internet-gateway-id"),)),
    "aws_nat_gateway": Lookup(
        "nat",
        False,
        (
            ("id", "nat-gateway-id"),
            ("subnet_id", "subnet-id"),
            ("vpc_id", "vpc-id"),
            ("state", "state"),
        ),
    ),
    "aws_network_acls": Lookup("acl", True, (("vpc_id", "vpc-id"),)),
}
ACCOUNT_TYPES = ("aws_caller_identity", "aws_region", "aws_partition")


def filters_of(resource: Resource, lookup: Lookup) -> list[dict[str, Any]] | None:
    """EC2 filters for a data source, or None while some argument is unknown."""
    attrs = resource.attrs
    used = [name for name, _ in lookup.arguments] + ["tags", "filter"]
    if not all(is_wholly_known(attrs.get(name)) for name in used):
        return None
    filters = []
    for name, filter_name in lookup.arguments:
        value = attrs.get(name)
        if value is not None and value != "":
            text = ("true" if value else "false") if isinstance(value, bool) else str(value)
            filters.append({"Name": filter_name, "Values": [text]})
    for key, value in sorted((attrs.get("tags") or {}).items()):
        filters.append({"Name": f"tag:{key}", "Values": [str(value)]})
    for block in attrs.get("filter") or []:
        if isinstance(block, dict) and block.get("name"):
            filters.append(
                {"Name": str(block["name"]), "Values": [str(v) for v in block.get("values") or []]}
            )
    return filters


def look_up(reader: Reader, resource: Resource) -> tuple[str, list[str]] | str | None:
    """(kind, matching ids), or the reason the data source could not be read, or None
    while its arguments are unknown."""
    lookup = LOOKUPS[resource.type]
    filters = _read_by_plan(resource, lookup) or filters_of(resource, lookup)
    if filters is None:
        return None
    try:
        ids = reader.client_query(lookup.kind, filters, resource.address)
    except AwsError as error:
        raise_if_global(error)
        return str(error)
    if not lookup.many and len(ids) != 1:
        found = "no match" if not ids else f"{len(ids)} matches ({', '.join(sorted(ids))})"
        return f"ec2:{_operation(lookup.kind)} for {resource.address}: {found}, expected one"
    return lookup.kind, sorted(ids)


def _read_by_plan(resource: Resource, lookup: Lookup) -> list[dict[str, Any]] | None:
    """A plan holds what Terraform read (``arn``, ``ids``): look that up again by id, not
    by the arguments, which may no longer match (tags edited since)."""
    if lookup.many:
        ids = resource.attrs.get("ids")
    else:
        ids = [resource.attrs["id"]] if isinstance(resource.attrs.get("arn"), str) else None
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        return None
    return [{"Name": KINDS[lookup.kind].id_filter, "Values": sorted(ids)}]


def _operation(kind: str) -> str:
    return KINDS[kind].operation


def account_values(reader: Reader, resource: Resource) -> dict[str, Any] | str:
    """aws_caller_identity, aws_region and aws_partition: what the credentials say."""
    if resource.type == "aws_region":
        region = reader.client.region
        return {"id": region, "name": region, "region": region}
    try:
        identity = reader.client.call("sts", "GetCallerIdentity", resource.address)
    except AwsError as error:
        raise_if_global(error)
        return str(error)
    arn = str(identity.get("Arn", ""))
    if resource.type == "aws_caller_identity":
        account = str(identity.get("Account", ""))
        return {"id": account, "account_id": account, "arn": arn, "user_id": identity.get("UserId")}
    partition = arn.split(":")[1] if arn.count(":") >= 2 else "aws"
    suffix = {"aws-cn": "amazonaws.com.cn"}.get(partition, "amazonaws.com")
    return {"id": partition, "partition": partition, "dns_suffix": suffix}


def filled(kind: str, ids: list[str], many: bool, record: dict[str, Any]) -> dict[str, Any]:
    """The computed attributes of a data source once read (ids for the plural ones)."""
    if many:
        return {"ids": ids}
    return {**{k: v for k, v in record.items() if k != "tags"}, "id": ids[0]}
