"""--aws-context scenarios against moto in-process: existing infrastructure in the exposure
analysis, data sources, plans, ECR, failures (see aws_support.py for the account)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")

from aws_support import INSTANCE, REGION, instance, mocked_account, network, verdicts, write  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from iacscan.api import load  # noqa: E402
from iacscan.aws import AwsSettings  # noqa: E402
from iacscan.cli import main  # noqa: E402
from iacscan.model.values import Ref  # noqa: E402


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    yield from mocked_account(monkeypatch, tmp_path)


def test_existing_open_group_and_subnet_expose_a_new_instance(aws: Any, tmp_path: Path) -> None:
    ids = network(aws)
    root = instance(tmp_path, f'"{ids["subnet"]}"', f'"{ids["sg"]}"')
    result = load([root], aws_context=AwsSettings(), use_cache=False)
    assert result.errors == []
    (verdict,) = verdicts(result, "aws_instance.web", 22)
    assert verdict.verdict == "OPEN"
    assert verdict.path == (
        "internet",
        f"aws_internet_gateway.{ids['igw']}",
        next(r.address for r in result.resources if r.type == "aws_route_table"
             and r.attrs["route"][-1]["cidr_block"] == "0.0.0.0/0"),
        f"aws_subnet.{ids['subnet']}",
        next(r.address for r in result.resources if r.type == "aws_default_network_acl"),
        f"aws_security_group.{ids['sg']}",
        "aws_instance.web",
    )  # fmt: skip
    sg = next(r for r in result.resources if r.address == f"aws_security_group.{ids['sg']}")
    assert sg.mode == "existing" and sg.attrs["arn"].endswith(f"security-group/{ids['sg']}")
    assert sg.attrs["ingress"][0]["cidr_blocks"] == ["0.0.0.0/0"]
    out = CliRunner().invoke(main, ["scan", str(root), "--aws-context", "--no-cache", "-q",
                                    "--format", "json"])  # fmt: skip
    assert out.exit_code == 1
    findings = json.loads(out.output)["findings"]
    # the finding is on the new workload only, never on the existing group
    assert [(f["rule_id"], f["resource"], f["line"]) for f in findings] == [
        ("IAC-AWS-EXPOSURE-001", "aws_instance.web", 1)
    ]


def test_without_the_flag_the_ids_point_at_nothing(aws: Any, tmp_path: Path) -> None:
    ids = network(aws)
    root = instance(tmp_path, f'"{ids["subnet"]}"', f'"{ids["sg"]}"')
    (verdict,) = verdicts(load([root], use_cache=False), "aws_instance.web", 22)
    assert verdict.verdict == "UNDETERMINED"


def test_existing_private_subnet_keeps_a_new_database_closed(aws: Any, tmp_path: Path) -> None:
    ids = network(aws, public=False, port=5432)
    root = write(tmp_path / "tf", f"""resource "aws_db_subnet_group" "db" {{
  name       = "db"
  subnet_ids = ["{ids['subnet']}"]
}}

resource "aws_db_instance" "db" {{
  engine                 = "postgres"
  instance_class         = "db.t3.micro"
  publicly_accessible    = true
  db_subnet_group_name   = aws_db_subnet_group.db.name
  vpc_security_group_ids = ["{ids['sg']}"]
}}
""")  # fmt: skip
    result = load([root], aws_context=AwsSettings(), use_cache=False)
    assert result.errors == []
    (verdict,) = verdicts(result, "aws_db_instance.db", 5432)
    assert verdict.verdict == "CLOSED"
    assert verdict.blocked_by == ("NO_ROUTE_TO_IGW",)


def test_existing_nacl_deny_closes_the_port(aws: Any, tmp_path: Path) -> None:
    ids = network(aws)
    acl = aws.create_network_acl(VpcId=ids["vpc"])["NetworkAcl"]["NetworkAclId"]
    entries = [(90, "deny", 22, 22), (100, "allow", 0, 65535)]
    for number, action, low, high in entries:
        aws.create_network_acl_entry(
            NetworkAclId=acl, RuleNumber=number, Protocol="6", RuleAction=action, Egress=False,
            CidrBlock="0.0.0.0/0", PortRange={"From": low, "To": high},
        )  # fmt: skip
    aws.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="-1",
                                 RuleAction="allow", Egress=True, CidrBlock="0.0.0.0/0")  # fmt: skip
    current = aws.describe_network_acls(
        Filters=[{"Name": "association.subnet-id", "Values": [ids["subnet"]]}]
    )["NetworkAcls"][0]
    association = next(
        a["NetworkAclAssociationId"] for a in current["Associations"]
        if a["SubnetId"] == ids["subnet"]
    )  # fmt: skip
    aws.replace_network_acl_association(AssociationId=association, NetworkAclId=acl)
    root = instance(tmp_path, f'"{ids["subnet"]}"', f'"{ids["sg"]}"')
    result = load([root], aws_context=AwsSettings(), use_cache=False)
    (verdict,) = verdicts(result, "aws_instance.web", 22)
    assert verdict.verdict == "CLOSED"
    assert verdict.blocked_by == ("NACL_INBOUND_DENY(rule 90)",)
    acl_resource = next(r for r in result.resources if r.address == f"aws_network_acl.{acl}")
    assert acl_resource.attrs["ingress"][0] == {
        "rule_no": 90, "action": "deny", "protocol": "6", "from_port": 22, "to_port": 22,
        "cidr_block": "0.0.0.0/0", "ipv6_cidr_block": None,
    }  # fmt: skip


def test_data_sources_by_tags_and_name(aws: Any, tmp_path: Path) -> None:
    ids = network(aws)
    root = write(
        tmp_path / "tf",
        """data "aws_subnet" "web" {
  tags = { Tier = "web" }
}

data "aws_security_group" "open" {
  name   = "open"
  vpc_id = data.aws_subnet.web.vpc_id
}

data "aws_caller_identity" "me" {}

resource "aws_instance" "web" {
  ami                    = "ami-12345678"
  instance_type          = "t3.micro"
  subnet_id              = data.aws_subnet.web.id
  vpc_security_group_ids = [data.aws_security_group.open.id]
  tags                   = { Owner = data.aws_caller_identity.me.account_id }
}
""",
    )
    result = load([root], aws_context=AwsSettings(), use_cache=False)
    assert result.errors == []
    (verdict,) = verdicts(result, "aws_instance.web", 22)
    assert verdict.verdict == "OPEN"
    web = next(r for r in result.resources if r.address == "aws_instance.web")
    assert web.attrs["tags"] == {"Owner": "123456789012"}
    data = next(r for r in result.resources if r.address == "data.aws_subnet.web")
    assert data.mode == "data" and data.attrs["id"] == ids["subnet"]
    assert data.attrs["cidr_block"] == "10.0.1.0/24"


def test_a_data_source_that_matches_nothing_is_an_error(aws: Any, tmp_path: Path) -> None:
    ids = network(aws)
    root = write(
        tmp_path / "tf",
        """data "aws_subnet" "web" {{
  tags = {{ Tier = "none" }}
}}

resource "aws_instance" "web" {{
  ami                    = "ami-12345678"
  subnet_id              = data.aws_subnet.web.id
  vpc_security_group_ids = ["{}"]
}}
""".format(ids["sg"]),
    )
    result = load([root], aws_context=AwsSettings(), use_cache=False)
    assert [(e.file, e.line, e.message, e.kind) for e in result.errors] == [
        ("main.tf", 1, "aws: ec2:DescribeSubnets for data.aws_subnet.web: no match, expected one",
         "aws")
    ]  # fmt: skip
    (verdict,) = verdicts(result, "aws_instance.web", 22)
    assert verdict.verdict == "UNDETERMINED"
    assert "no match, expected one" in " ".join(verdict.unknowns)


def test_access_denied_on_one_call(
    aws: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import botocore.exceptions

    from iacscan.aws.client import ReadOnlyClient

    ids = network(aws)
    real = ReadOnlyClient._pages

    def denied(self: Any, service: str, operation: str, params: Any) -> Any:
        if operation == "DescribeSecurityGroups":
            error = {"Error": {"Code": "UnauthorizedOperation", "Message": "denied"}}
            raise botocore.exceptions.ClientError(error, operation)
        return real(self, service, operation, params)

    monkeypatch.setattr(ReadOnlyClient, "_pages", denied)
    root = instance(tmp_path, f'"{ids["subnet"]}"', f'"{ids["sg"]}"')
    result = load([root], aws_context=AwsSettings(), use_cache=False)
    denied = "ec2:DescribeSecurityGroups ({}): UnauthorizedOperation: denied"
    vpc, subnet, sg = ids["vpc"], ids["subnet"], ids["sg"]
    # the VPC's default group could not be read either: without it the subnet is not known
    # (a workload without groups gets the default one), so it stays undetermined too
    assert [(e.file, e.line, e.message) for e in result.errors] == [
        ("main.tf", 4, f"aws: {subnet} is in {vpc}: {denied.format(vpc)}"),
        ("main.tf", 5, f"aws: {denied.format(sg)}"),
    ]
    (verdict,) = verdicts(result, "aws_instance.web", 22)
    assert verdict.verdict == "UNDETERMINED"
    assert verdict.unknowns == (
        f"subnet: {subnet}: {subnet} is in {vpc}: {denied.format(vpc)}",
        f"security group {sg}: {denied.format(sg)}",
    )
    # the rest went on: what could be read is in the graph
    assert f"aws_internet_gateway.{ids['igw']}" in result.graph


def test_existing_resources_are_drawn_apart(aws: Any, tmp_path: Path) -> None:
    ids = network(aws)
    root = instance(tmp_path, f'"{ids["subnet"]}"', f'"{ids["sg"]}"')
    runner = CliRunner()
    dot = runner.invoke(main, ["graph", str(root), "--format", "dot", "--aws-context"]).output
    sg = f"aws_security_group.{ids['sg']}"
    assert f'"{sg}" [label="{sg}\\naws_security_group", style=dashed];' in dot
    assert '"aws_instance.web" [label="aws_instance.web\\naws_instance\\nfindings' in dot
    graph = json.loads(
        runner.invoke(main, ["graph", str(root), "--format", "json", "--aws-context"]).output
    )
    modes = {n["id"]: n["mode"] for n in graph["nodes"] if "mode" in n}
    assert modes[sg] == "existing" and modes["aws_instance.web"] == "managed"
    cyto = json.loads(
        runner.invoke(main, ["graph", str(root), "--format", "cytoscape", "--aws-context"]).output
    )
    classes = {e["data"]["id"]: e["classes"] for e in cyto["elements"]["nodes"]}
    assert classes[sg].split() == ["resource", "existing"]


PUBLIC_PULL = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Sid": "pull", "Effect": "Allow", "Principal": "*",
                   "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}],
})  # fmt: skip


def test_ecr_repository_data_source_and_its_policy(aws: Any, tmp_path: Path) -> None:
    ecr = boto3.client("ecr", region_name=REGION)
    ecr.create_repository(repositoryName="app")
    ecr.set_repository_policy(repositoryName="app", policyText=PUBLIC_PULL)
    root = write(
        tmp_path / "tf",
        """data "aws_ecr_repository" "app" {
  name = "app"
}

data "aws_ecr_repository" "gone" {
  name = "gone"
}

resource "aws_ecr_lifecycle_policy" "app" {
  repository = data.aws_ecr_repository.app.name
  policy     = "{}"
}

resource "aws_ssm_parameter" "url" {
  name  = "app-url"
  type  = "String"
  value = data.aws_ecr_repository.app.repository_url
}
""",
    )
    result = load([root], aws_context=AwsSettings(), use_cache=False)
    assert [(e.file, e.line, e.message) for e in result.errors] == [
        ("main.tf", 5, "aws: ecr:DescribeRepositories (data.aws_ecr_repository.gone): "
         "RepositoryNotFoundException: The repository with name 'gone' does not exist in the "
         "registry with id '123456789012'"),
    ]  # fmt: skip
    by_address = {r.address: r for r in result.resources}
    url = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app"
    assert by_address["aws_ssm_parameter.url"].attrs["value"] == url
    assert by_address["data.aws_ecr_repository.app"].attrs["arn"] == (
        "arn:aws:ecr:eu-west-1:123456789012:repository/app"
    )
    repository = by_address["aws_ecr_repository.app"]
    policy = by_address["aws_ecr_repository_policy.app"]
    assert repository.mode == policy.mode == "existing"
    assert json.loads(policy.attrs["policy"])["Statement"][0]["Principal"] == "*"
    assert "aws_ecr_registry_policy.123456789012" not in by_address  # the registry has none
    # the existing public policy is context, not a finding of this change
    out = CliRunner().invoke(main, ["scan", str(root), "--aws-context", "--no-cache", "-q",
                                    "--format", "json", "--rule", "IAC-AWS-ECR-*"])  # fmt: skip
    assert json.loads(out.stdout)["findings"] == []


def test_a_plan_points_at_existing_infrastructure_the_same_way(aws: Any, tmp_path: Path) -> None:
    ids = network(aws, port=80)  # the plan brings its own group, open on 22
    plans = Path(__file__).parent.parent / "fixtures" / "plans"
    text = (plans / "data_sources.plan.json").read_text(encoding="utf-8")
    text = text.replace("subnet-0123456789abcdef0", ids["subnet"])
    text = text.replace("vpc-0123456789abcdef0", ids["vpc"])
    (tmp_path / "plan").mkdir()
    (tmp_path / "plan" / "plan.json").write_text(text, encoding="utf-8")
    source = plans / "data_sources"
    before = load([tmp_path / "plan"], source_dir=source, use_cache=False)
    (verdict,) = verdicts(before, "aws_instance.web", 22)
    assert verdict.verdict == "UNDETERMINED"
    result = load([tmp_path / "plan"], source_dir=source, aws_context=AwsSettings(),
                  use_cache=False)  # fmt: skip
    assert result.errors == []
    (verdict,) = verdicts(result, "aws_instance.web", 22)
    assert verdict.verdict == "OPEN"
    assert verdict.path[1:4] == (
        f"aws_internet_gateway.{ids['igw']}",
        verdict.path[2],
        f"aws_subnet.{ids['subnet']}",
    )
    assert verdict.path[-2:] == ("aws_security_group.ssh_open_to_world", "aws_instance.web")


def test_a_new_rule_on_an_existing_group_exposes_its_members(aws: Any, tmp_path: Path) -> None:
    ids = network(aws, port=443)
    other = aws.create_security_group(GroupName="admin", Description="a", VpcId=ids["vpc"])
    aws.authorize_security_group_ingress(
        GroupId=ids["sg"],
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
                        "UserIdGroupPairs": [{"GroupId": other["GroupId"]}]}],
    )  # fmt: skip
    root = write(tmp_path / "tf", INSTANCE.format(subnet=f'"{ids["subnet"]}"',
                                                  sg=f'"{ids["sg"]}"') + f"""
resource "aws_vpc_security_group_ingress_rule" "ssh" {{
  security_group_id = "{ids['sg']}"
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv4         = "0.0.0.0/0"
}}
""")  # fmt: skip
    result = load([root], aws_context=AwsSettings(), use_cache=False)
    (verdict,) = verdicts(result, "aws_instance.web", 22)
    assert verdict.verdict == "OPEN"
    assert verdict.path[-2:] == (f"aws_security_group.{ids['sg']}", "aws_instance.web")
    before = load([root], use_cache=False)  # without the context the group is unknown
    (undetermined,) = verdicts(before, "aws_instance.web", 22)
    assert undetermined.verdict == "UNDETERMINED"
    # the group a rule of the existing group names was read and linked
    group = next(r for r in result.resources if r.address == f"aws_security_group.{ids['sg']}")
    rule = next(p for p in group.attrs["ingress"] if p["from_port"] == 5432)
    assert rule["security_groups"] == [Ref(f"aws_security_group.{other['GroupId']}", "id")]
    (port_5432,) = verdicts(result, "aws_instance.web", 5432)
    assert port_5432.verdict == "CLOSED"


def test_an_existing_interface_with_a_public_ip(aws: Any, tmp_path: Path) -> None:
    ids = network(aws)
    aws.modify_subnet_attribute(SubnetId=ids["subnet"], MapPublicIpOnLaunch={"Value": False})
    eni = aws.create_network_interface(SubnetId=ids["subnet"], Groups=[ids["sg"]])
    eni_id = eni["NetworkInterface"]["NetworkInterfaceId"]
    root = write(tmp_path / "tf", f"""resource "aws_instance" "web" {{
  ami           = "ami-12345678"
  instance_type = "t3.micro"
  network_interface {{
    network_interface_id = "{eni_id}"
    device_index         = 0
  }}
}}
""")  # fmt: skip
    (private,) = verdicts(load([root], aws_context=AwsSettings(), use_cache=False),
                          "aws_instance.web", 22)  # fmt: skip
    assert (private.verdict, private.blocked_by) == ("CLOSED", ("NO_PUBLIC_ADDRESS",))
    allocation = aws.allocate_address(Domain="vpc")["AllocationId"]
    aws.associate_address(AllocationId=allocation, NetworkInterfaceId=eni_id)
    result = load([root], aws_context=AwsSettings(), use_cache=False)
    (public,) = verdicts(result, "aws_instance.web", 22)
    assert public.verdict == "OPEN"
    assert public.path[-2:] == (f"aws_security_group.{ids['sg']}", "aws_instance.web")
    eip = next(r for r in result.resources if r.type == "aws_eip")
    assert eip.mode == "existing"
    assert eip.attrs["network_interface"] == Ref(f"aws_network_interface.{eni_id}", "id")


def test_plural_data_sources_and_account_data(aws: Any, tmp_path: Path) -> None:
    ids = network(aws, public=False, port=5432)
    root = write(
        tmp_path / "tf",
        """data "aws_vpc" "main" {
  filter {
    name   = "cidr"
    values = ["10.0.0.0/16"]
  }
}

data "aws_subnets" "private" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.main.id]
  }
}

data "aws_security_groups" "open" {
  tags = {}
  filter {
    name   = "group-name"
    values = ["open"]
  }
}

data "aws_region" "here" {}

data "aws_partition" "here" {}

resource "aws_db_subnet_group" "db" {
  name       = "db"
  subnet_ids = data.aws_subnets.private.ids
  tags       = { Region = data.aws_region.here.name, Partition = data.aws_partition.here.partition }
}

resource "aws_db_instance" "db" {
  engine                 = "postgres"
  instance_class         = "db.t3.micro"
  publicly_accessible    = true
  db_subnet_group_name   = aws_db_subnet_group.db.name
  vpc_security_group_ids = data.aws_security_groups.open.ids
}
""",
    )
    result = load([root], aws_context=AwsSettings(), use_cache=False)
    assert result.errors == []
    group = next(r for r in result.resources if r.address == "aws_db_subnet_group.db")
    assert group.attrs["subnet_ids"] == [Ref(f"aws_subnet.{ids['subnet']}", "id")]
    assert group.attrs["tags"] == {"Region": REGION, "Partition": "aws"}
    db = next(r for r in result.resources if r.address == "aws_db_instance.db")
    assert db.attrs["vpc_security_group_ids"] == [Ref(f"aws_security_group.{ids['sg']}", "id")]
    (verdict,) = verdicts(result, "aws_db_instance.db", 5432)
    assert (verdict.verdict, verdict.blocked_by) == ("CLOSED", ("NO_ROUTE_TO_IGW",))


def test_a_literal_repository_arn_brings_the_repository_in(aws: Any, tmp_path: Path) -> None:
    boto3.client("ecr", region_name=REGION).create_repository(repositoryName="app")
    arn = "arn:aws:ecr:eu-west-1:123456789012:repository/app"
    gone = "arn:aws:ecr:eu-west-1:123456789012:repository/gone"
    root = write(tmp_path / "tf", f"""resource "aws_ssm_parameter" "repo" {{
  name  = "r"
  type  = "StringList"
  value = "{arn}"
  tags  = {{ Old = "{gone}" }}
}}
""")  # fmt: skip
    result = load([root], aws_context=AwsSettings(), use_cache=False)
    assert [(e.line, e.message) for e in result.errors] == [
        (5, f"aws: ecr:DescribeRepositories ({gone}): RepositoryNotFoundException: The "
            "repository with name 'gone' does not exist in the registry with id '123456789012'")
    ]  # fmt: skip
    repository = next(r for r in result.resources if r.type == "aws_ecr_repository")
    assert (repository.address, repository.mode, repository.attrs["arn"]) == (
        "aws_ecr_repository.app", "existing", arn
    )  # fmt: skip
