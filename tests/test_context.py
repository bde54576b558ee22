"""SG findings carry the reachability of the workloads behind the group."""

from __future__ import annotations

import textwrap
from pathlib import Path

from iacscan.scan import ScanOptions, scan

NETWORK = """\
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }
}

resource "aws_subnet" "public" {
  vpc_id                  = aws_vpc.main.id
  cidr_block              = "10.0.1.0/24"
  map_public_ip_on_launch = true
}

resource "aws_route_table_association" "public" {
  subnet_id      = aws_subnet.public.id
  route_table_id = aws_route_table.public.id
}

# No association: the implicit main table has only the local route.
resource "aws_subnet" "private" {
  vpc_id                  = aws_vpc.main.id
  cidr_block              = "10.0.2.0/24"
  map_public_ip_on_launch = true
}

resource "aws_security_group" "ssh_open" {
  vpc_id = aws_vpc.main.id

  ingress {
    description = "ssh"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "ssh_open_too" {
  vpc_id = aws_vpc.main.id

  ingress {
    description = "ssh"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "ssh_unused" {
  vpc_id = aws_vpc.main.id

  ingress {
    description = "ssh"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_instance" "private" {
  ami                    = "ami-12345678"
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.private.id
  vpc_security_group_ids = [aws_security_group.ssh_open.id]
}

resource "aws_instance" "public" {
  ami                    = "ami-12345678"
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.public.id
  vpc_security_group_ids = [aws_security_group.ssh_open_too.id]
}
"""


def test_sg_findings_say_whether_the_workloads_behind_are_reachable(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(textwrap.dedent(NETWORK), encoding="utf-8")
    result = scan([tmp_path], ScanOptions(rules=["IAC-AWS-SG-001"], use_cache=False, environ={}))
    found = {f.resource: f for f in result.findings}
    closed = found["aws_security_group.ssh_open"]
    assert closed.message == (
        "Security group allows SSH from the internet: aws_security_group.ssh_open (ingress[0])"
        "; not reachable from the internet today: NO_ROUTE_TO_IGW"
    )
    assert closed.evidence[-1] == "exposure: aws_instance.private CLOSED (NO_ROUTE_TO_IGW)"
    reachable = found["aws_security_group.ssh_open_too"]
    assert reachable.message.endswith("(ingress[0])")
    assert reachable.evidence[-1] == "exposure: aws_instance.public OPEN from the internet"
    unused = found["aws_security_group.ssh_unused"]
    assert unused.evidence[-1] == "exposure: no workload declared here uses this security group"
