"""What to read for an id, and what else it drags in: the pieces the exposure analysis needs.

A subnet is only half a fact without its route table, NACL and VPC; a VPC brings its
internet gateways, main route table, default NACL and default group; a security group
brings the groups its rules name. ``Reader.read`` follows these in rounds, one batched
``Describe*`` per kind and round, and stops after ``MAX_ROUNDS`` or ``MAX_RECORDS``, so a
scan never walks a whole account.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from iacscan.aws.client import AwsError, ReadOnlyClient

ID = re.compile(r"^(vpc|subnet|sg|rtb|igw|nat|acl|eni|pcx|tgw)-[0-9a-f]{8}(?:[0-9a-f]{9})?$")
MAX_ROUNDS, MAX_RECORDS = 6, 2000


@dataclass(frozen=True)
class Kind:
    """How one kind of id is read: operation, response list, id key, id filter."""

    operation: str
    items: str
    key: str
    id_filter: str


KINDS: dict[str, Kind] = {
    "vpc": Kind("DescribeVpcs", "Vpcs", "VpcId", "vpc-id"),
    "subnet": Kind("DescribeSubnets", "Subnets", "SubnetId", "subnet-id"),
    "sg": Kind("DescribeSecurityGroups", "SecurityGroups", "GroupId", "group-id"),
    "rtb": Kind("DescribeRouteTables", "RouteTables", "RouteTableId", "route-table-id"),
    "igw": Kind(
        "DescribeInternetGateways", "InternetGateways", "InternetGatewayId", "internet-gateway-id"
    ),
    "nat": Kind("DescribeNatGateways", "NatGateways", "NatGatewayId", "nat-gateway-id"),
    "acl": Kind("DescribeNetworkAcls", "NetworkAcls", "NetworkAclId", "network-acl-id"),
    "eni": Kind(
        "DescribeNetworkInterfaces",
        "NetworkInterfaces",
        "NetworkInterfaceId",
        "network-interface-id",
    ),
    "pcx": Kind(
        "DescribeVpcPeeringConnections",
        "VpcPeeringConnections",
        "VpcPeeringConnectionId",
        "vpc-peering-connection-id",
    ),
    "tgw": Kind(
        "DescribeTransitGateways", "TransitGateways", "TransitGatewayId", "transit-gateway-id"
    ),
}


def kind_of(value: str) -> str | None:
    """The kind of an EC2 id (``sg-0abc...`` -> ``sg``), None for anything else."""
    found = ID.match(value)
    return found.group(1) if found else None


@dataclass
class Reader:
    """Records read so far (id -> (kind, AWS object)) and ids that could not be read
    (id -> the reason, naming the call)."""

    client: ReadOnlyClient
    records: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    expanded: set[str] = field(default_factory=set)  # records whose drags were followed

    def read(self, ids: Iterable[str]) -> None:
        """Read ``ids`` and everything they, and records found by lookups, drag in."""
        want = set(ids)
        for _ in range(MAX_ROUNDS):
            want |= self._drags(sorted(set(self.records) - self.expanded))
            want -= set(self.records) | set(self.failed)
            if not want or len(self.records) >= MAX_RECORDS:
                return
            for kind in KINDS:
                batch = sorted(i for i in want if kind_of(i) == kind)
                if batch:
                    self.fetch(kind, batch)
            want = set()

    def fetch(self, kind: str, ids: list[str]) -> None:
        """One batched Describe by id filter: ids it does not return do not exist."""
        spec = KINDS[kind]
        found = self.query(kind, [{"Name": spec.id_filter, "Values": ids}], ", ".join(ids))
        for missing in sorted(set(ids) - set(found) - set(self.failed)):
            self.failed[missing] = (
                f"ec2:{spec.operation}: {missing} does not exist in {self.client.region}"
            )

    def query(self, kind: str, filters: list[dict[str, Any]], target: str) -> list[str]:
        """Ids of the records matching ``filters`` (kept); a failure marks every id of the
        target as failed with the reason."""
        try:
            return self.client_query(kind, filters, target)
        except AwsError as error:
            raise_if_global(error)
            for name in target.split(", "):
                if kind_of(name):
                    self.failed.setdefault(name, str(error))
            return []

    def client_query(self, kind: str, filters: list[dict[str, Any]], target: str) -> list[str]:
        """Ids of the records matching ``filters`` (kept); raises AwsError."""
        spec = KINDS[kind]
        response = self.client.call("ec2", spec.operation, target, Filters=filters)
        found = []
        for item in response.get(spec.items, []):
            if isinstance(item, dict) and isinstance(item.get(spec.key), str):
                self.records.setdefault(item[spec.key], (kind, item))
                found.append(item[spec.key])
        return found

    def settle(self) -> None:
        """A subnet whose VPC, route table or NACL could not be read is not known either:
        read without them it would look private (only the local route), a silent pass."""
        for key in [k for k in self.failed if "#" in k]:
            owner = key.split("#")[0]
            if owner in self.records:
                del self.records[owner]
                self.failed[owner] = self.failed[key]
        for ident, (kind, record) in sorted(self.records.items()):
            vpc = record.get("VpcId")
            if kind == "subnet" and vpc not in self.records:
                reason = self.failed.get(str(vpc), f"its VPC {vpc} was not read")
                del self.records[ident]
                self.failed[ident] = f"{ident} is in {vpc}: {reason}"

    def _drags(self, idents: list[str]) -> set[str]:
        self.expanded.update(idents)
        new = [self.records[i] for i in idents]
        want: set[str] = set()
        subnets = sorted(r["SubnetId"] for k, r in new if k == "subnet")
        vpcs = sorted(r["VpcId"] for k, r in new if k == "vpc")
        if subnets:
            self._quietly("rtb", [_f("association.subnet-id", subnets)], subnets)
            self._quietly("acl", [_f("association.subnet-id", subnets)], subnets)
        if vpcs:
            self._quietly("igw", [_f("attachment.vpc-id", vpcs)], vpcs)
            self._quietly("rtb", [_f("vpc-id", vpcs), _f("association.main", ["true"])], vpcs)
            self._quietly("acl", [_f("vpc-id", vpcs), _f("default", ["true"])], vpcs)
            self._quietly("sg", [_f("vpc-id", vpcs), _f("group-name", ["default"])], vpcs)
        for kind, record in new:
            want.update(i for i in _mentioned(kind, record) if kind_of(i))
        return want

    def _quietly(self, kind: str, filters: list[dict[str, Any]], about: list[str]) -> None:
        """A lookup that completes a fact (a subnet's route table); its failure is recorded
        against the ids it was for (``settle`` then drops them)."""
        try:
            self.client_query(kind, filters, ", ".join(about))
        except AwsError as error:
            raise_if_global(error)
            for name in about:
                self.failed.setdefault(f"{name}#{kind}", str(error))


def raise_if_global(error: AwsError) -> None:
    """Credentials that are missing or expired fail every call: stop at the first."""
    if any(code in error.reason for code in GLOBAL_CODES):
        raise error


GLOBAL_CODES = ("ExpiredToken", "InvalidClientTokenId", "AuthFailure", "UnrecognizedClient",
                "Could not connect", "Connect timeout", "Read timeout")  # fmt: skip


def _f(name: str, values: list[str]) -> dict[str, Any]:
    return {"Name": name, "Values": values}


def _mentioned(kind: str, record: dict[str, Any]) -> list[str]:
    """Ids a record names that the analysis needs read too."""
    if kind in ("subnet", "rtb", "igw", "sg"):
        found = [str(record.get("VpcId", ""))]
        found += [a.get("VpcId", "") for a in record.get("Attachments", [])]
        found += [str(r.get("GatewayId", "")) for r in record.get("Routes", [])]
        for permission in record.get("IpPermissions", []) + record.get("IpPermissionsEgress", []):
            found += [p.get("GroupId", "") for p in permission.get("UserIdGroupPairs", [])]
        return found
    if kind in ("eni", "nat"):
        return [str(record.get("SubnetId", ""))] + [
            g.get("GroupId", "") for g in record.get("Groups", [])
        ]
    if kind == "pcx":
        return [
            record.get(side, {}).get("VpcId", "")
            for side in ("RequesterVpcInfo", "AccepterVpcInfo")
        ]
    return []
