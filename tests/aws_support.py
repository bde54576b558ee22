"""Shared by the ``--aws-context`` tests: a moto account, a small network in it, and
Terraform that points at it. No test touches the network beyond loopback: credentials are
fake, the instance metadata service is disabled, and every client talks to moto.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import moto
import pytest

from iacscan.graph.facts import analyze

REGION = "eu-west-1"


def mocked_account(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    """A mocked account (the ``aws`` fixture of the tests): fake credentials, no metadata
    service, no shared files; yields an EC2 client of it."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    with moto.mock_aws():
        yield boto3.client("ec2", region_name=REGION)


def network(ec2: Any, public: bool = True, port: int = 22) -> dict[str, str]:
    """A VPC with an IGW, one subnet (routed to the IGW when ``public``) and a group open
    to the world on ``port``."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    ec2.create_tags(Resources=[subnet], Tags=[{"Key": "Tier", "Value": "web"}])
    ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
    if public:
        table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    group = ec2.create_security_group(GroupName="open", Description="open", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": port, "ToPort": port,
                        "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )  # fmt: skip
    return {"vpc": vpc, "igw": igw, "subnet": subnet, "sg": group}


def write(directory: Path, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "main.tf").write_text(text, encoding="utf-8")
    return directory


INSTANCE = """resource "aws_instance" "web" {{
  ami                    = "ami-12345678"
  instance_type          = "t3.micro"
  subnet_id              = {subnet}
  vpc_security_group_ids = [{sg}]
}}
"""


def instance(tmp_path: Path, subnet: str, sg: str) -> Path:
    return write(tmp_path / "tf", INSTANCE.format(subnet=subnet, sg=sg))


def verdicts(result: Any, node: str, port: int) -> list[Any]:
    return [
        v
        for v in analyze(result.graph).exposure(node)
        if v.family == 4 and v.protocol == "tcp" and v.ports[0] <= port <= v.ports[1]
    ]
