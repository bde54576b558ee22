"""Registry rules end to end: structured evidence, statement lines, defaults, unknowns."""

from __future__ import annotations

import textwrap
from pathlib import Path

from iacscan.api import load
from iacscan.graph.facts import analyze
from iacscan.model import Finding
from iacscan.rules.engine import run_rules
from iacscan.rules.loader import load_rules

RULES = {rule.id: rule for rule in load_rules()}


def findings(tmp_path: Path, rule_id: str, text: str, **settings: object) -> list[Finding]:
    (tmp_path / "main.tf").write_text(textwrap.dedent(text), encoding="utf-8")
    result = load([tmp_path], environ={}, jobs=1, use_cache=False)
    assert result.errors == []
    engine = run_rules([RULES[rule_id]], result.resources, analyze(result.graph), settings)
    assert engine.errors == []
    return sorted(engine.findings, key=lambda f: (f.location.line, f.resource))


def test_public_push_details_name_the_statement_and_its_heredoc_line(tmp_path: Path) -> None:
    text = """\
        resource "aws_ecr_repository_policy" "p" {
          repository = "app"
          policy     = <<-EOT
            {
              "Statement": [
                {"Sid": "Pull", "Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"},
                {
                  "Sid": "Push",
                  "Effect": "Allow",
                  "Principal": {"AWS": "*"},
                  "Action": ["ecr:PutImage", "ecr:SetRepositoryPolicy"]
                }
              ]
            }
          EOT
        }
    """
    (finding,) = findings(tmp_path, "IAC-AWS-ECR-002", text)
    assert (finding.resource, finding.location.line, finding.status) == (
        "aws_ecr_repository_policy.p",
        3,
        "fail",
    )
    assert finding.path == "policy"
    assert finding.details == (
        ("policy", "aws_ecr_repository_policy.p.policy"),
        ("statement", "Push (#1)"),
        ("location", "main.tf:7"),
        ("actions", ("ecr:PutImage (write)", "ecr:SetRepositoryPolicy (admin)")),
        ("principals", ("public",)),
    )
    assert finding.evidence == (
        "aws_ecr_repository_policy.p.policy: statement Push (#1) at main.tf:7 grants "
        "ecr:PutImage, ecr:SetRepositoryPolicy to public",
    )


def test_jsonencode_with_an_unknown_part_is_judged_on_its_known_parts(tmp_path: Path) -> None:
    """The account id is known only after apply, but it is the caller's own account: no
    public or cross-account grant; the wildcard action is known and fails."""
    text = """\
        data "aws_caller_identity" "current" {}

        resource "aws_ecr_repository_policy" "p" {
          repository = "app"
          policy = jsonencode({
            Statement = [{
              Effect    = "Allow"
              Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
              Action    = "ecr:*"
            }]
          })
        }
    """
    assert findings(tmp_path, "IAC-AWS-ECR-002", text) == []
    assert findings(tmp_path, "IAC-AWS-ECR-003", text) == []
    (finding,) = findings(tmp_path, "IAC-AWS-ECR-004", text)
    assert (finding.location.line, finding.status) == (5, "fail")
    assert finding.evidence[0] == 'statement #0: Action ["ecr:*"]'


def test_pull_through_cache_defaults_to_ecr_public_only(tmp_path: Path) -> None:
    text = """\
        resource "aws_ecr_pull_through_cache_rule" "public" {
          ecr_repository_prefix = "ecr-public"
          upstream_registry_url = "public.ecr.aws"
        }

        resource "aws_ecr_pull_through_cache_rule" "hub" {
          ecr_repository_prefix = "hub"
          upstream_registry_url = "registry-1.docker.io"
        }
    """
    found = findings(tmp_path, "IAC-AWS-ECR-010", text)
    assert [(f.resource, f.location.line) for f in found] == [
        ("aws_ecr_pull_through_cache_rule.hub", 8)
    ]
    # A project allow-list replaces the default: ECR Public is then outside it.
    found = findings(tmp_path, "IAC-AWS-ECR-010", text, allowed_registries=["docker.io"])
    assert [(f.resource, f.location.line) for f in found] == [
        ("aws_ecr_pull_through_cache_rule.public", 3)
    ]


def test_lifecycle_policy_for_an_unknown_repository_is_undetermined(tmp_path: Path) -> None:
    text = """\
        variable "repo" {
          type = string
        }

        resource "aws_ecr_repository" "r" {
          name = "r"
        }

        resource "aws_ecr_lifecycle_policy" "l" {
          repository = var.repo
          policy     = "{}"
        }
    """
    (finding,) = findings(tmp_path, "IAC-AWS-ECR-008", text)
    assert (finding.resource, finding.location.line, finding.status) == (
        "aws_ecr_repository.r",
        5,
        "undetermined",
    )


def test_node_role_details_name_the_role_and_the_managed_policy(tmp_path: Path) -> None:
    text = """\
        resource "aws_iam_role" "nodes" {
          name                = "nodes"
          assume_role_policy  = "{}"
          managed_policy_arns = ["arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryFullAccess"]
        }

        resource "aws_eks_node_group" "ng" {
          cluster_name  = "c"
          node_role_arn = aws_iam_role.nodes.arn
        }
    """
    (finding,) = findings(tmp_path, "IAC-AWS-IAM-002", text)
    assert (finding.resource, finding.location.line, finding.status) == (
        "aws_eks_node_group.ng",
        9,
        "fail",
    )
    details = dict(finding.details)
    assert details["role"] == "aws_iam_role.nodes"
    assert details["policy"] == "AWS managed policy AmazonEC2ContainerRegistryFullAccess"
    assert "ecr:PutImage (write)" in details["actions"]
    assert "ecr:BatchGetImage (read)" not in details["actions"]


def test_identity_policy_statement_location_comes_from_the_document(tmp_path: Path) -> None:
    text = """\
        data "aws_iam_policy_document" "d" {
          statement {
            sid     = "Reads"
            actions = ["ecr:BatchGetImage"]
          }
          statement {
            sid       = "Deletes"
            actions   = ["ecr:BatchDeleteImage"]
            resources = ["*"]
          }
        }

        resource "aws_iam_policy" "p" {
          policy = data.aws_iam_policy_document.d.json
        }
    """
    (finding,) = findings(tmp_path, "IAC-AWS-IAM-001", text)
    assert finding.location.line == 14
    assert dict(finding.details)["statement"] == "Deletes (#1)"
    assert dict(finding.details)["location"] == "main.tf:6"
