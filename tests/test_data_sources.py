"""Data sources read without AWS: policy documents, partition, region and caller identity."""

from __future__ import annotations

import json

from conftest import by_address, load_fixture

from iacscan.model.values import Ref

CONFIG = """
data "aws_partition" "p" {}
data "aws_region" "r" {}
data "aws_caller_identity" "me" {}

resource "aws_s3_bucket" "logs" {
  bucket = "logs-${data.aws_caller_identity.me.account_id}-${data.aws_region.r.name}"
  tags = {
    Partition = data.aws_partition.p.partition
    Suffix    = data.aws_partition.p.dns_suffix
  }
}
"""


def _load(tmp_path, text, **kwargs):
    (tmp_path / "main.tf").write_text(text)
    return by_address(load_fixture(str(tmp_path), **kwargs))


def test_without_provider_settings_region_and_account_are_unknown(tmp_path):
    bucket = _load(tmp_path, CONFIG)["aws_s3_bucket.logs"]
    assert bucket.attrs["tags"] == {"Partition": "aws", "Suffix": "amazonaws.com"}
    assert not isinstance(bucket.attrs["bucket"], str)
    assert {r.address for r in bucket.attrs["bucket"].refs} == {
        "data.aws_caller_identity.me",
        "data.aws_region.r",
    }


def test_settings_give_region_account_and_partition(tmp_path):
    aws = {"region": "us-gov-west-1", "account_id": "123456789012"}
    found = _load(tmp_path, CONFIG, aws=aws)
    assert found["aws_s3_bucket.logs"].attrs == {
        "bucket": "logs-123456789012-us-gov-west-1",
        "tags": {"Partition": "aws-us-gov", "Suffix": "amazonaws.com"},
    }
    assert found["data.aws_region.r"].attrs == {
        "name": "us-gov-west-1",
        "id": "us-gov-west-1",
        "endpoint": "ec2.us-gov-west-1.amazonaws.com",
    }


def test_the_provider_block_wins_over_settings_and_aliases_are_followed(tmp_path):
    text = CONFIG.replace(
        'data "aws_region" "r" {}', 'data "aws_region" "r" {\n  provider = aws.cn\n}'
    )
    text += """
provider "aws" {
  region              = "eu-central-1"
  allowed_account_ids = ["210987654321"]
}
provider "aws" {
  alias  = "cn"
  region = "cn-north-1"
}
"""
    found = _load(tmp_path, text, aws={"region": "us-east-1"})
    assert found["aws_s3_bucket.logs"].attrs["bucket"] == "logs-210987654321-cn-north-1"
    assert found["data.aws_region.r"].attrs["endpoint"] == "ec2.cn-north-1.amazonaws.com.cn"


def test_a_module_inherits_the_default_provider_unless_providers_is_given(tmp_path):
    (tmp_path / "child").mkdir()
    (tmp_path / "child/main.tf").write_text(
        'data "aws_region" "r" {}\nresource "aws_sns_topic" "t" {\n'
        "  name = data.aws_region.r.name\n}\n"
    )
    text = """
provider "aws" {
  region = "eu-west-3"
}
provider "aws" {
  alias  = "east"
  region = "us-east-1"
}
module "inherits" {
  source = "./child"
}
module "passed" {
  source    = "./child"
  providers = { aws = aws.east }
}
"""
    found = _load(tmp_path, text)
    assert found["module.inherits.aws_sns_topic.t"].attrs["name"] == "eu-west-3"
    assert found["module.passed.aws_sns_topic.t"].attrs["name"] == "us-east-1"


def test_a_policy_document_with_an_unknown_part_stays_a_reference(tmp_path):
    text = """
variable "bucket_arn" {
  type = string
}
data "aws_iam_policy_document" "d" {
  statement {
    actions   = ["s3:GetObject"]
    resources = [var.bucket_arn]
  }
}
resource "aws_iam_policy" "p" {
  policy = data.aws_iam_policy_document.d.json
}
"""
    found = _load(tmp_path, text)
    assert found["aws_iam_policy.p"].attrs["policy"] == Ref(
        "data.aws_iam_policy_document.d", "json"
    )
    assert "json" not in found["data.aws_iam_policy_document.d"].attrs


def test_a_rendered_document_used_by_a_policy_keeps_its_statement_lines():
    from iacscan.graph.facts import analyze
    from iacscan.policies.collect import policy_value

    result = load_fixture("terraform/eval/data_sources")
    role = by_address(result)["aws_iam_role.app"]
    assert json.loads(role.attrs["assume_role_policy"])["Statement"][0]["Action"] == (
        "sts:AssumeRole"
    )
    config = analyze(result.graph).policies(role)
    policy = policy_value(config, role.attrs["assume_role_policy"], role, "assume_role_policy")
    assert [s.where for s in policy.statements] == ["main.tf:11"]
