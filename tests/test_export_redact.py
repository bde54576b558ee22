"""Graph exports mask secrets unless ``--show-values``: values of sensitive variables,
values Compose took from the environment, literal values under secret names; and no format
fails on a lone surrogate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from iacscan.cli import main
from iacscan.export import EXPORTERS
from iacscan.export.redact import FROM_ENVIRONMENT, SECRET_NAME, SENSITIVE, masked, secret_name
from iacscan.export.view import build_view
from iacscan.graph.builder import build_graph
from iacscan.graph.facts import analyze
from iacscan.model import Location, Resource
from iacscan.model.values import Ref, Secret, Substituted, Unknown

MAIN_TF = """\
variable "db_password" {
  type      = string
  default   = "var-default-hunter2"
  sensitive = true
}

locals {
  passed_on = var.db_password
}

resource "aws_db_instance" "db" {
  engine   = "postgres"
  password = local.passed_on
  username = "shop"
}

resource "aws_instance" "app" {
  ami       = "ami-123"
  user_data = "plain-user-data"
}

resource "aws_instance" "templated" {
  ami       = "ami-123"
  user_data = "prefix-${var.db_password}"
}

module "child" {
  source = "./child"
  note   = var.db_password
}

resource "aws_ssm_parameter" "p" {
  name  = "written-name"
  type  = "SecureString"
  value = "ssm-literal-s3cr3t"
}

resource "aws_ecs_task_definition" "t" {
  family                = "t"
  container_definitions = "[]"
  volume {
    name = "data"
  }
}

resource "kubernetes_pod" "p" {
  spec {
    container {
      name  = "app"
      image = "nginx:1.25"
      env {
        name  = "API_KEY"
        value = "env-list-k3y"
      }
      env {
        name  = "LOG_LEVEL"
        value = "debug-level"
      }
    }
  }
}
"""

CHILD_TF = """\
variable "note" {
  type = string
}

resource "aws_instance" "inner" {
  ami       = "ami-123"
  user_data = var.note
}
"""

COMPOSE = """\
services:
  web:
    image: nginx:1.25
    environment:
      FROM_CI: ${CI_TOKEN}
      SERVICE_PASSWORD: compose-literal-pw
      MODE: production-mode
"""

SECRETS = (
    "var-default-hunter2",
    "ci-job-token-value",
    "compose-literal-pw",
    "ssm-literal-s3cr3t",
    "env-list-k3y",
)
KEPT = ("plain-user-data", "production-mode", "debug-level", "written-name", "ami-123")


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("secrets")
    (root / "main.tf").write_text(MAIN_TF, encoding="utf-8")
    (root / "compose.yaml").write_text(COMPOSE, encoding="utf-8")
    (root / "child").mkdir()
    (root / "child" / "main.tf").write_text(CHILD_TF, encoding="utf-8")
    return root


def export(tree: Path, fmt: str, *flags: str) -> str:
    result = CliRunner(env={"CI_TOKEN": "ci-job-token-value"}).invoke(
        main, ["graph", str(tree), "--format", fmt, "--no-cache", *flags]
    )
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
def test_no_format_prints_a_secret_by_default(tree, fmt):
    text = export(tree, fmt)
    assert [s for s in SECRETS if s in text] == []
    if fmt in ("json", "cytoscape", "graphml", "html"):  # the formats that carry attributes
        assert [k for k in KEPT if k not in text] == []


def test_masks_say_why(tree):
    nodes = {n["address"]: n for n in json.loads(export(tree, "json"))["nodes"] if "address" in n}
    assert nodes["aws_db_instance.db"]["attributes"]["password"] == SENSITIVE
    assert nodes["aws_db_instance.db"]["attributes"]["username"] == "shop"
    assert nodes["aws_instance.templated"]["attributes"]["user_data"] == SENSITIVE
    assert nodes["module.child.aws_instance.inner"]["attributes"]["user_data"] == SENSITIVE
    assert nodes["aws_ssm_parameter.p"]["attributes"]["value"] == SECRET_NAME
    environment = nodes["service.web"]["attributes"]["environment"]
    assert environment == {
        "FROM_CI": FROM_ENVIRONMENT,
        "MODE": "production-mode",
        "SERVICE_PASSWORD": SECRET_NAME,
    }
    env = nodes["kubernetes_pod.p"]["attributes"]["spec"][0]["container"][0]["env"]
    assert env == [
        {"name": "API_KEY", "value": SECRET_NAME},
        {"name": "LOG_LEVEL", "value": "debug-level"},
    ]


def test_show_values_prints_them(tree):
    text = export(tree, "json", "--show-values")
    assert [s for s in SECRETS if s not in text] == []


def test_redact_still_keeps_shapes_only(tree):
    text = export(tree, "json", "--redact")
    assert [s for s in (*SECRETS, *KEPT) if s in text] == []


def test_secret_names_are_whole_words():
    said = [
        "password",
        "master_password",
        "DB_PASSWORD",
        "GITHUB_TOKEN",
        "clientSecret",
        "secret_string",
        "api_key",
        "ApiKey",
        "private_key_pem",
        "AWS_ACCESS_KEY",
        "pwd",
    ]
    not_said = ["bypass", "passphrase_hint_name", "secret_arn", "password_length", "token_type",
                "keyboard", "tokenizer", "description", "kms_key_id", "name"]  # fmt: skip
    assert [n for n in said if not secret_name(n)] == []
    assert [n for n in not_said if secret_name(n)] == []


def test_masked_keeps_references_and_unknowns():
    value = {
        "password": Ref("random_password.p", "result"),
        "token": Unknown("known after apply"),
        "plain": Secret("from a sensitive variable"),
        "env": Substituted("from CI"),
        "port": 5432,
        "password_enabled": True,
    }
    assert masked(value) == {
        "password": {"ref": "random_password.p.result"},
        "token": {"unknown": "known after apply"},
        "plain": SENSITIVE,
        "env": FROM_ENVIRONMENT,
        "port": 5432,
        "password_enabled": True,
    }


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
def test_lone_surrogates_do_not_break_an_export(fmt):
    resources = [
        Resource("aws_s3_bucket.b\ud800", "aws_s3_bucket", "b\ud800", "managed",
                 {"bucket": "x\ud800y", "tags": {"k\udc00": "v"}}, Location("main.tf", 1, 3)),
        Resource("aws_instance.web", "aws_instance", "web", "managed",
                 {"ami": "a", "user_data": "\ud800"}, Location("main.tf", 4, 6)),
    ]  # fmt: skip
    text = EXPORTERS[fmt](build_view(analyze(build_graph(resources))))
    assert "\ufffd" in text
    text.encode("utf-8")  # raised UnicodeEncodeError before
