"""Write a synthetic Terraform root module with N workloads, for scaling measurements.

Usage: python benchmarks/synthetic_tree.py N OUTDIR

The shape follows a real VPC rather than a worst case: one VPC and IGW; N/10 subnets, half
public (associated with a route table whose default route goes to the IGW) and half private;
two NACLs with a handful of ordered entries (inline and ``aws_network_acl_rule``); N/2
security groups, some open to the internet on 22/443, some to a partner range, most admitting
other SGs (inline ``security_groups`` or ``aws_security_group_rule`` resources); N
``aws_instance`` workloads, each in one subnet with 1-3 SGs; N/20 PostgreSQL instances in two
private subnets admitting one workload SG or the VPC range. Ports come from a small pool of
common service ports, as in real trees. The output depends only on N (``random.Random(N)``),
so runs are comparable.
"""

from __future__ import annotations

import argparse
import ipaddress
import math
import random
from pathlib import Path

PORTS = (22, 80, 443, 3306, 5432, 6379, 8080, 8443, 9090)
PARTNER = "198.51.100.0/24"


def _subnet_cidrs(count: int) -> list[str]:
    """``count`` equal subnets of the VPC's 10.0.0.0/16, /24 when they fit."""
    prefix = max(24, 16 + math.ceil(math.log2(max(count, 1))))
    cidrs = ipaddress.ip_network("10.0.0.0/16").subnets(new_prefix=prefix)
    return [str(next(cidrs)) for _ in range(count)]


def network(subnets: int) -> str:
    """VPC, IGW, two route tables and the subnets, even-numbered ones public."""
    out = [
        'resource "aws_vpc" "main" {\n  cidr_block = "10.0.0.0/16"\n}\n',
        'resource "aws_internet_gateway" "main" {\n  vpc_id = aws_vpc.main.id\n}\n',
        'resource "aws_route_table" "public" {\n  vpc_id = aws_vpc.main.id\n\n  route {\n'
        '    cidr_block = "0.0.0.0/0"\n    gateway_id = aws_internet_gateway.main.id\n  }\n}\n',
        'resource "aws_route_table" "private" {\n  vpc_id = aws_vpc.main.id\n}\n',
    ]
    for index, cidr in enumerate(_subnet_cidrs(subnets)):
        kind = "public" if index % 2 == 0 else "private"
        out.append(
            f'resource "aws_subnet" "s{index}" {{\n  vpc_id                  = aws_vpc.main.id\n'
            f'  cidr_block              = "{cidr}"\n'
            f"  map_public_ip_on_launch = {str(kind == 'public').lower()}\n}}\n"
        )
        out.append(
            f'resource "aws_route_table_association" "s{index}" {{\n'
            f"  subnet_id      = aws_subnet.s{index}.id\n"
            f"  route_table_id = aws_route_table.{kind}.id\n}}\n"
        )
    return "\n".join(out)


def _entry(kind: str, number: int, action: str, cidr: str, ports: tuple[int, int]) -> str:
    return (
        f'  {kind} {{\n    rule_no    = {number}\n    protocol   = "tcp"\n'
        f'    action     = "{action}"\n    cidr_block = "{cidr}"\n'
        f"    from_port  = {ports[0]}\n    to_port    = {ports[1]}\n  }}\n"
    )


def nacls(subnets: int) -> str:
    """A public NACL (HTTPS from anywhere, SSH only from the partner range, ephemeral returns)
    and a private one that admits only the VPC; one entry is a separate resource."""
    public = [f"aws_subnet.s{i}.id" for i in range(0, subnets, 2)]
    private = [f"aws_subnet.s{i}.id" for i in range(1, subnets, 2)]
    entries = [
        _entry("ingress", 100, "allow", "0.0.0.0/0", (443, 443)),
        _entry("ingress", 110, "allow", PARTNER, (22, 22)),
        _entry("ingress", 120, "deny", "0.0.0.0/0", (22, 22)),
        _entry("ingress", 200, "allow", "0.0.0.0/0", (1024, 65535)),
        _entry("egress", 100, "allow", "0.0.0.0/0", (1024, 65535)),
    ]
    inside = [
        _entry("ingress", 100, "allow", "10.0.0.0/16", (0, 65535)),
        _entry("egress", 100, "allow", "10.0.0.0/16", (0, 65535)),
    ]
    return (
        f'resource "aws_network_acl" "public" {{\n  vpc_id     = aws_vpc.main.id\n'
        f"  subnet_ids = [{', '.join(public)}]\n\n{''.join(entries)}}}\n\n"
        f'resource "aws_network_acl_rule" "public_http" {{\n'
        f"  network_acl_id = aws_network_acl.public.id\n  rule_number    = 105\n"
        f'  egress         = false\n  protocol       = "tcp"\n  rule_action    = "allow"\n'
        f'  cidr_block     = "0.0.0.0/0"\n  from_port      = 80\n  to_port        = 80\n}}\n\n'
        f'resource "aws_network_acl" "private" {{\n  vpc_id     = aws_vpc.main.id\n'
        f"  subnet_ids = [{', '.join(private)}]\n\n{''.join(inside)}}}\n"
    )


def _ingress(port: int, source: str) -> str:
    return (
        f"  ingress {{\n    from_port   = {port}\n    to_port     = {port}\n"
        f'    protocol    = "tcp"\n    {source}\n  }}\n'
    )


def security_group(index: int, rng: random.Random) -> str:
    """One SG: open to the internet, to the partner range, or to earlier SGs (no cycles)."""
    roll, port = rng.random(), rng.choice(PORTS)
    blocks, extra = "", ""
    if roll < 0.25 or index == 0:
        world = rng.choice((22, 443))
        blocks = _ingress(world, 'cidr_blocks = ["0.0.0.0/0"]')
    elif roll < 0.35:
        blocks = _ingress(port, f'cidr_blocks = ["{PARTNER}"]')
    elif roll < 0.7:
        peer = rng.randrange(index)
        blocks = _ingress(port, f"security_groups = [aws_security_group.sg{peer}.id]")
    else:
        peer = rng.randrange(index)
        extra = (
            f'\nresource "aws_security_group_rule" "sg{index}_from_sg{peer}" {{\n'
            f'  type                     = "ingress"\n  from_port                = {port}\n'
            f'  to_port                  = {port}\n  protocol                 = "tcp"\n'
            f"  security_group_id        = aws_security_group.sg{index}.id\n"
            f"  source_security_group_id = aws_security_group.sg{peer}.id\n}}\n"
        )
    egress = (
        '  egress {\n    from_port   = 0\n    to_port     = 0\n    protocol    = "-1"\n'
        '    cidr_blocks = ["0.0.0.0/0"]\n  }\n'
    )
    return (
        f'resource "aws_security_group" "sg{index}" {{\n  name   = "sg{index}"\n'
        f"  vpc_id = aws_vpc.main.id\n\n{blocks}{egress}}}\n{extra}"
    )


def instance(index: int, subnets: int, groups: int, rng: random.Random) -> str:
    """One workload in one subnet with 1-3 SGs; some ask for a public address themselves."""
    chosen = sorted(rng.sample(range(groups), min(groups, rng.randint(1, 3))))
    ids = ", ".join(f"aws_security_group.sg{g}.id" for g in chosen)
    public = "\n  associate_public_ip_address = true" if rng.random() < 0.2 else ""
    return (
        f'resource "aws_instance" "w{index}" {{\n  ami                    = "ami-12345678"\n'
        f'  instance_type          = "t3.micro"\n'
        f"  subnet_id              = aws_subnet.s{rng.randrange(subnets)}.id\n"
        f"  vpc_security_group_ids = [{ids}]{public}\n}}\n"
    )


def database(index: int, subnets: int, groups: int, rng: random.Random) -> str:
    """A PostgreSQL instance in two private subnets whose SG admits one workload SG, or
    (a third of them) the whole VPC range, as real configurations often do."""
    first, second = rng.sample(range(subnets), 2)
    source = (
        'cidr_blocks = ["10.0.0.0/16"]'
        if rng.random() < 0.33
        else f"security_groups = [aws_security_group.sg{rng.randrange(groups)}.id]"
    )
    return (
        f'resource "aws_db_subnet_group" "db{index}" {{\n'
        f"  subnet_ids = [aws_subnet.s{first}.id, aws_subnet.s{second}.id]\n}}\n\n"
        f'resource "aws_security_group" "db{index}" {{\n  vpc_id = aws_vpc.main.id\n\n'
        f"{_ingress(5432, source)}}}\n\n"
        f'resource "aws_db_instance" "db{index}" {{\n  engine                 = "postgres"\n'
        f'  instance_class         = "db.t3.micro"\n'
        f"  db_subnet_group_name   = aws_db_subnet_group.db{index}.name\n"
        f"  vpc_security_group_ids = [aws_security_group.db{index}.id]\n}}\n"
    )


def write_tree(n: int, outdir: Path) -> dict[str, int]:
    """Write the module for ``n`` workloads into ``outdir``; returns the counts by kind."""
    rng = random.Random(n)
    subnets, groups = max(2, n // 10), max(1, n // 2)
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / "network.tf").write_text(network(subnets) + "\n" + nacls(subnets))
    sgs = [security_group(i, rng) for i in range(groups)]
    (outdir / "security_groups.tf").write_text("\n".join(sgs))
    instances = [instance(i, subnets, groups, rng) for i in range(n)]
    (outdir / "instances.tf").write_text("\n".join(instances))
    databases = [database(i, subnets, groups, rng) for i in range(max(1, n // 20))]
    (outdir / "databases.tf").write_text("\n".join(databases))
    return {"instances": n, "databases": len(databases), "security_groups": groups,
            "subnets": subnets}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of aws_instance workloads")
    parser.add_argument("outdir", type=Path)
    args = parser.parse_args()
    counts = write_tree(args.n, args.outdir)
    print(", ".join(f"{value} {key}" for key, value in counts.items()), "->", args.outdir)


if __name__ == "__main__":
    main()
