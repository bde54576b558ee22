"""The policy layer: JSON parsing, aws_iam_policy_document rendering with source/override
layering, action expansion from botocore's models, principals and conditions, unknowns."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from iacscan.api import load
from iacscan.graph.facts import analyze
from iacscan.model import Resource
from iacscan.model.values import Ref, Unknown
from iacscan.policies import actions
from iacscan.policies.actions import classify, expand, matches, operations
from iacscan.policies.collect import policy_value, role_policies
from iacscan.policies.document import Policy, Statement, parse, statement_lines
from iacscan.policies.judge import (
    covers_all_repositories,
    identity_grants,
    resource_grants,
    verdict,
)
from iacscan.policies.managed import MANAGED, managed_policy
from iacscan.policies.principals import audience, is_public, other_accounts, principal_class


# -- actions ---------------------------------------------------------------------------------
def test_operations_come_from_botocore_models() -> None:
    ops = operations()
    assert "ecr:PutImage" in ops and "ecr-public:PutImage" in ops
    assert "ecr:BatchImportUpstreamImage" in ops  # IAM-only action, added by the table
    assert list(ops) == sorted(set(ops))


def test_the_table_names_only_operations_and_newer_ones_fall_back_by_name() -> None:
    """The installed botocore may know operations newer than the table (a fresh install
    pulls the latest): those are classified by their name, never dropped."""
    assert sorted(set(actions.CLASSES) - set(operations())) == []
    assert classify("ecr:DescribeReplicationBackfillResults") == "read"
    assert classify("ecr:PutSomethingConfiguration") == "admin"
    assert classify("ecr:StartReplicationBackfill") == "write"
    assert {classify(op) for op in operations()} == {"read", "write", "admin"}


def test_put_wildcard_yields_every_put_operation_none_of_them_read() -> None:
    puts = matches("ecr:Put*")
    assert "ecr:PutImage" in puts and "ecr:PutLifecyclePolicy" in puts
    assert "ecr:PutReplicationConfiguration" in puts and "ecr:PutRegistryPolicy" in puts
    assert all(op.startswith("ecr:Put") for op in puts)
    assert len(puts) == sum(1 for op in operations() if op.startswith("ecr:Put"))
    assert {classify(op) for op in puts} <= {"write", "admin"}
    assert classify("ecr:PutImage") == "write"
    assert classify("ecr:PutRegistryPolicy") == "admin"


def test_get_wildcard_is_all_read_and_case_insensitive() -> None:
    gets = matches("ECR:get*")
    assert "ecr:GetDownloadUrlForLayer" in gets and "ecr:GetAuthorizationToken" in gets
    assert {classify(op) for op in gets} == {"read"}


def test_star_and_service_star() -> None:
    assert matches("*") == operations()
    assert set(matches("ecr:*")) == {op for op in operations() if op.startswith("ecr:")}
    assert matches("s3:*") == ()
    assert matches("ecr:?utImage") == ("ecr:PutImage",)


def test_not_action_grants_everything_else() -> None:
    granted = expand(None, ["ecr:Get*", "ecr:Describe*", "ecr:List*", "ecr:Batch*"])
    assert "ecr:PutImage" in granted.sure and "ecr:GetAuthorizationToken" not in granted.maybe
    assert granted.sure == granted.maybe


def test_unknown_action_makes_everything_possible_nothing_sure() -> None:
    granted = expand(["ecr:BatchGetImage", Unknown("var")], None)
    assert granted.sure == ("ecr:BatchGetImage",) and granted.maybe == operations()
    negated = expand(None, [Unknown("var")])
    assert negated.sure == () and negated.maybe == operations()
    assert negated.of_class("write").verdict() is None


def test_fallback_classification_of_operations_newer_than_the_table() -> None:
    assert classify("ecr:DescribeSomethingNew") == "read"
    assert classify("ecr:PutSomethingConfiguration") == "admin"
    assert classify("ecr:CopyImage") == "write"


# -- documents -------------------------------------------------------------------------------
def test_json_policy_normalizes_single_values() -> None:
    text = json.dumps(
        {
            "Statement": {
                "Sid": "One",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "ecr:BatchGetImage",
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}},
            }
        }
    )
    (statement,) = parse(text).statements
    assert statement.sid == "One" and statement.actions == ("ecr:BatchGetImage",)
    assert statement.principals == {"*": ("*",)}
    assert [(c.operator, c.key, c.values) for c in statement.conditions] == [
        ("StringEquals", "aws:PrincipalOrgID", ("o-1",))
    ]


def test_unreadable_documents_are_unknown_never_empty() -> None:
    assert parse(Unknown("var")).unknown
    assert parse(Ref("data.x", "json")).unknown
    assert "not valid JSON" in parse("{nope").unknown
    assert parse('"text"').unknown
    assert parse({"Statement": Unknown("x")}).unknown


def test_statement_lines_skip_brackets_inside_strings() -> None:
    text = '{\n "Statement": [\n  {"Sid": "a{[\\"]"},\n\n  {"Sid": "b"}\n ]\n}\n'
    assert statement_lines(text) == [3, 5]
    assert statement_lines('{"Statement": {"Action": ["x"]}}') == []


def render_fixture(tmp_path: Path, text: str) -> tuple[Policy, list[Resource]]:
    (tmp_path / "main.tf").write_text(textwrap.dedent(text), encoding="utf-8")
    result = load([tmp_path], environ={}, jobs=1, use_cache=False)
    assert result.errors == []
    owner = next(r for r in result.resources if r.address == "aws_iam_policy.subject")
    config = analyze(result.graph).policies(owner)
    return policy_value(config, owner.attrs["policy"], owner, "policy"), result.resources


LAYERED = """\
    data "aws_iam_policy_document" "source" {
      statement {
        sid     = "Pull"
        actions = ["ecr:BatchGetImage"]
      }
      statement {
        sid     = "Push"
        actions = ["ecr:PutImage"]
      }
    }

    data "aws_iam_policy_document" "override" {
      statement {
        sid     = "Push"
        actions = ["ecr:DescribeImages"]
      }
      statement {
        actions = ["ecr:ListImages"]
      }
    }

    data "aws_iam_policy_document" "layered" {
      source_policy_documents   = [data.aws_iam_policy_document.source.json]
      override_policy_documents = [data.aws_iam_policy_document.override.json]
      statement {
        sid       = "Pull"
        actions   = ["ecr:GetDownloadUrlForLayer"]
        resources = ["*"]
      }
      statement {
        actions = ["ecr:GetAuthorizationToken"]
      }
    }

    resource "aws_iam_policy" "subject" {
      policy = data.aws_iam_policy_document.layered.json
    }
"""


def test_policy_document_layering_follows_the_provider(tmp_path: Path) -> None:
    policy, _ = render_fixture(tmp_path, LAYERED)
    assert policy.unknown == ""
    got = [(s.index, s.sid, s.actions, s.where) for s in policy.statements]
    assert got == [
        (0, "Pull", ("ecr:GetDownloadUrlForLayer",), "main.tf:25"),  # own replaces source
        (1, "Push", ("ecr:DescribeImages",), "main.tf:13"),  # override replaces source
        (2, "", ("ecr:GetAuthorizationToken",), "main.tf:30"),  # no sid: appended
        (3, "", ("ecr:ListImages",), "main.tf:17"),  # override without sid: appended
    ]


def test_policy_document_principals_and_conditions(tmp_path: Path) -> None:
    text = """\
        variable "org" {
          type = string
        }

        data "aws_iam_policy_document" "doc" {
          statement {
            effect  = "Allow"
            actions = ["ecr:BatchGetImage"]
            principals {
              type        = "AWS"
              identifiers = ["111122223333"]
            }
            principals {
              type        = "Service"
              identifiers = ["codebuild.amazonaws.com"]
            }
            condition {
              test     = "StringEquals"
              variable = "aws:PrincipalOrgID"
              values   = [var.org]
            }
          }
        }

        resource "aws_iam_policy" "subject" {
          policy = data.aws_iam_policy_document.doc.json
        }
    """
    policy, _ = render_fixture(tmp_path, text)
    (statement,) = policy.statements
    assert statement.principals == {
        "AWS": ("111122223333",),
        "Service": ("codebuild.amazonaws.com",),
    }
    classes, narrowed = audience(statement)
    assert classes == {"unknown", "service:codebuild.amazonaws.com"}
    assert narrowed == ["aws:PrincipalOrgID"]


def test_heredoc_statements_point_at_their_lines(tmp_path: Path) -> None:
    text = """\
        resource "aws_iam_policy" "subject" {
          policy = <<-EOT
            {
              "Statement": [
                {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
                {
                  "Effect": "Allow",
                  "Action": "ecr:PutImage",
                  "Resource": "*"
                }
              ]
            }
          EOT
        }
    """
    policy, _ = render_fixture(tmp_path, text)
    assert [s.where for s in policy.statements] == ["main.tf:5", "main.tf:6"]


def test_role_policies_from_every_form(tmp_path: Path) -> None:
    text = """\
        variable "role" {
          type = string
        }

        resource "aws_iam_role" "r" {
          name                = "r"
          assume_role_policy  = "{}"
          managed_policy_arns = ["arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"]
          inline_policy {
            name   = "x"
            policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "ecr:PutImage", Resource = "*" }] })
          }
        }

        resource "aws_iam_role_policy" "by_name" {
          role   = "r"
          policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "ecr:TagResource", Resource = "*" }] })
        }

        resource "aws_iam_policy" "subject" {
          policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "ecr:ListImages", Resource = "*" }] })
        }

        resource "aws_iam_policy_attachment" "by_list" {
          name       = "a"
          roles      = [aws_iam_role.r.name]
          policy_arn = aws_iam_policy.subject.arn
        }

        resource "aws_iam_role_policy_attachment" "maybe" {
          role       = var.role
          policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
        }

        resource "aws_iam_role_policy_attachment" "elsewhere" {
          role       = "other"
          policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
        }
    """
    render_fixture(tmp_path, text)
    result = load([tmp_path], environ={}, jobs=1, use_cache=False)
    role = next(r for r in result.resources if r.address == "aws_iam_role.r")
    policies = role_policies(analyze(result.graph).policies(role), role)
    assert [(p.origin, p.maybe) for p in policies] == [
        ("aws_iam_role.r.inline_policy[0].policy", False),
        ("AWS managed policy AmazonEC2ContainerRegistryReadOnly", False),
        ("aws_iam_policy.subject.policy", False),  # attachments follow in address order
        ("aws_iam_role_policy.by_name.policy", False),
        ("AWS managed policy AdministratorAccess", True),
    ]
    writes = [g for p in policies for g in identity_grants(p, ("write",), all_repos=False)]
    assert [(g.policy.origin, g.verdict) for g in writes] == [
        ("aws_iam_role.r.inline_policy[0].policy", True),
        ("aws_iam_role_policy.by_name.policy", True),
        ("AWS managed policy AdministratorAccess", None),  # may attach: undetermined
    ]


# -- managed policies --------------------------------------------------------------------------
def test_managed_policy_table() -> None:
    read_only = managed_policy("arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly")
    assert identity_grants(read_only, ("write", "admin"), all_repos=True) == []
    power = managed_policy("arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser")
    (grant,) = identity_grants(power, ("write", "admin"), all_repos=True)
    assert grant.actions.sure == (
        "ecr:CompleteLayerUpload",
        "ecr:InitiateLayerUpload",
        "ecr:PutImage",
        "ecr:UploadLayerPart",
    )
    assert managed_policy("arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy").statements == ()
    assert managed_policy("arn:aws:iam::aws:policy/Unlisted").unknown
    for name, listed in MANAGED.items():  # every listed action exists
        assert all(matches(a) for a in listed.split()), name


# -- principals and conditions -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("*", "public"),
        ("111122223333", "other:111122223333"),
        ("arn:aws:iam::111122223333:role/ci", "other:111122223333"),
        ("arn:aws:sts::111122223333:assumed-role/ci/x", "other:111122223333"),
        ("arn:aws:iam::*:root", "public"),
        ("AROAEXAMPLEID", "unknown"),
        (Ref("aws_iam_role.ci", "arn"), "own"),
        (Unknown("t", frozenset({Ref("data.aws_caller_identity.c", "account_id")})), "own"),
        (Unknown("variable"), "unknown"),
    ],
)
def test_principal_class(value: object, expected: str) -> None:
    assert principal_class(value, frozenset()) == expected


def test_trusted_account_is_own() -> None:
    assert principal_class("111122223333", frozenset({"111122223333"})) == "own"


def statement(principal: object, condition: dict | None = None) -> Statement:
    raw: dict = {"Effect": "Allow", "Principal": principal, "Action": "ecr:PutImage"}
    if condition:
        raw["Condition"] = condition
    return parse({"Statement": [raw]}).statements[0]


@pytest.mark.parametrize(
    ("condition", "public", "others"),
    [
        (None, True, False),
        ({"StringEquals": {"aws:PrincipalOrgID": "o-1"}}, False, False),
        ({"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-1"}}, True, False),
        ({"StringNotEquals": {"aws:PrincipalOrgID": "o-1"}}, True, False),
        ({"StringLike": {"aws:PrincipalOrgID": "*"}}, True, False),
        ({"StringEquals": {"aws:PrincipalAccount": "111122223333"}}, False, True),
        ({"StringEquals": {"aws:SourceAccount": ["111122223333"]}}, False, True),
        ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/*"}}, False, True),
        ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ci"}}, True, False),
        ({"StringEquals": {"aws:SourceVpce": "vpce-1"}}, False, False),
        ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, True, False),
        ({"StringEquals": {"aws:PrincipalOrgID": Unknown("var")}}, None, None),
        ({"StringEquals": {"aws:PrincipalAccount": Unknown("var")}}, None, None),
    ],
)
def test_conditions_narrow_a_public_principal(
    condition: dict | None, public: bool | None, others: bool | None
) -> None:
    classes, _ = audience(statement("*", condition))
    assert is_public(classes) is public
    assert other_accounts(classes)[1] is others


def test_specific_account_outside_the_narrowing_account_is_nobody() -> None:
    narrowed = {"StringEquals": {"aws:PrincipalAccount": "444455556666"}}
    classes, _ = audience(statement({"AWS": "111122223333"}, narrowed))
    assert classes == set()


def test_not_principal_allow_is_public() -> None:
    raw = {"Effect": "Allow", "NotPrincipal": {"AWS": "1"}, "Action": "ecr:PutImage"}
    (stmt,) = parse({"Statement": [raw]}).statements
    assert is_public(audience(stmt)[0]) is True


def test_unknown_principal_is_undetermined_not_public() -> None:
    (grant,) = resource_grants(
        parse({"Statement": [{"Principal": {"AWS": Unknown("v")}, "Action": "ecr:*"}]}),
        ("write",),
        "public",
        (),
    )
    assert grant.verdict is None


def test_unconditional_deny_removes_actions_conditional_one_does_not() -> None:
    allow = {"Effect": "Allow", "Principal": "*", "Action": ["ecr:PutImage", "ecr:BatchGetImage"]}
    deny = {"Effect": "Deny", "Principal": "*", "Action": "ecr:PutImage"}
    assert resource_grants(parse({"Statement": [allow, deny]}), ("write",), "public", ()) == []
    guarded = {**deny, "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    (grant,) = resource_grants(parse({"Statement": [allow, guarded]}), ("write",), "public", ())
    assert grant.verdict is True


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        ("*", True),
        ("arn:aws:ecr:*:*:repository/*", True),
        ("arn:aws:ecr:eu-west-1:123456789012:repository/*", True),
        ("arn:aws:ecr:eu-west-1:123456789012:repository/app", False),
        ("arn:aws:ecr:eu-west-1:123456789012:repository/team/*", False),
        (Unknown("v"), None),
    ],
)
def test_all_repositories(resource: object, expected: bool | None) -> None:
    raw = {"Effect": "Allow", "Action": "ecr:PutImage", "Resource": resource}
    assert covers_all_repositories(parse({"Statement": [raw]}).statements[0]) is expected


def test_legacy_source_and_override_json_and_unknown_blocks(tmp_path: Path) -> None:
    text = """\
        variable "extra" {
          type = list(string)
        }

        data "aws_iam_policy_document" "legacy" {
          source_json   = jsonencode({ Statement = [{ Sid = "A", Effect = "Allow", Action = "ecr:ListImages", Resource = "*" }] })
          override_json = jsonencode({ Statement = [{ Sid = "A", Effect = "Allow", Action = "ecr:PutImage", Resource = "*" }] })
          dynamic "statement" {
            for_each = var.extra
            content {
              actions = [statement.value]
            }
          }
        }

        resource "aws_iam_policy" "subject" {
          policy = data.aws_iam_policy_document.legacy.json
        }
    """
    policy, _ = render_fixture(tmp_path, text)
    first, dynamic = policy.statements
    assert (first.sid, first.actions) == ("A", ("ecr:PutImage",))  # override replaced source
    assert isinstance(dynamic.effect, Unknown)  # a dynamic block over an unknown collection
    grants = identity_grants(policy, ("write",), all_repos=True)
    assert [(g.statement.index, g.verdict) for g in grants] == [(0, True), (1, None)]


def test_unknown_source_documents_leave_the_policy_unknown(tmp_path: Path) -> None:
    text = """\
        variable "sources" {
          type = list(string)
        }

        data "aws_iam_policy_document" "layered" {
          source_policy_documents = var.sources
          statement {
            actions = ["ecr:BatchGetImage"]
          }
        }

        resource "aws_iam_policy" "subject" {
          policy = data.aws_iam_policy_document.layered.json
        }
    """
    policy, _ = render_fixture(tmp_path, text)
    assert policy.unknown == "source_policy_documents is known only after apply"
    assert identity_grants(policy, ("write",), all_repos=True) == []
    assert verdict([policy], []) is None
    assert verdict([Policy()], []) is False
