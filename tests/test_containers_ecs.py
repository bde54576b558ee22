"""ECS container definitions: every way Terraform writes them reaches the rules, with lines.

Each test writes a small configuration and asserts the exact findings (rule, resource, line,
status) of the rules it concerns, so the decoding, the per-container subjects and the
positions inside a heredoc are checked end to end.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from iacscan.api import load
from iacscan.containers import ecs
from iacscan.graph.facts import analyze
from iacscan.model import Finding, Location, Resource
from iacscan.model.values import Ref, Unknown
from iacscan.rules.engine import run_rules
from iacscan.rules.loader import load_rules

RULES = {rule.id: rule for rule in load_rules()}
ECS_RULES = [rule for rule_id, rule in sorted(RULES.items()) if rule_id.startswith("IAC-AWS-ECS")]

Key = tuple[str, str, int, str]  # rule, resource address, line, status


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text), encoding="utf-8")


def findings(root: Path, rule_ids: list[str] | None = None) -> list[Finding]:
    result = load([root], environ={}, jobs=1, use_cache=False)
    assert result.errors == []
    rules = [RULES[r] for r in rule_ids] if rule_ids else ECS_RULES
    engine = run_rules(rules, result.resources, analyze(result.graph))
    assert engine.errors == []
    return engine.findings


def keys(found: list[Finding]) -> set[Key]:
    return {(f.rule_id, f.resource, f.location.line, f.status) for f in found}


def test_jsonencode_containers_are_judged_one_by_one(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.tf": """\
            resource "aws_ecs_task_definition" "two_containers" {
              family = "api"
              container_definitions = jsonencode([
                {
                  name                   = "api"
                  image                  = "acme/api:1.0@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31"
                  user                   = "1000"
                  readonlyRootFilesystem = true
                },
                { name = "debug", image = "busybox", privileged = true },
              ])
              network_mode = "awsvpc"
            }
            """
        },
    )
    found = findings(tmp_path)
    address = "aws_ecs_task_definition.two_containers"
    assert keys(found) == {
        ("IAC-AWS-ECS-001", address, 3, "fail"),
        ("IAC-AWS-ECS-006", address, 3, "fail"),
        ("IAC-AWS-ECS-007", address, 3, "fail"),
        ("IAC-AWS-ECS-009", address, 3, "fail"),
    }
    assert {f.path for f in found} == {
        "container_definitions[1].privileged",
        "container_definitions[1].user",
        "container_definitions[1].readonlyRootFilesystem",
        "container_definitions[1].image",
    }


HEREDOC = """\
resource "aws_ecs_task_definition" "heredoc" {
  family = "api"
  container_definitions = <<-EOT
    [
      {
        "name": "api",
        "image": "acme/api:1.0",
        "user": "1000",
        "readonlyRootFilesystem": true
      },
      {
        "name": "agent",
        "image": "acme/agent:2.0",
        "environment": [{"name": "user", "value": "x"}],
        "privileged": true,
        "user": "root",
        "readonlyRootFilesystem": true
      }
    ]
  EOT
}
"""


def test_heredoc_findings_point_at_the_key_inside_the_json(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": HEREDOC})
    address = "aws_ecs_task_definition.heredoc"
    assert keys(findings(tmp_path, ["IAC-AWS-ECS-001", "IAC-AWS-ECS-006", "IAC-AWS-ECS-010"])) == {
        ("IAC-AWS-ECS-001", address, 15, "fail"),
        ("IAC-AWS-ECS-006", address, 16, "fail"),  # the top-level "user", not the env entry
        ("IAC-AWS-ECS-010", address, 7, "fail"),
        ("IAC-AWS-ECS-010", address, 13, "fail"),
    }


def test_heredoc_container_without_the_key_points_at_the_container(tmp_path: Path) -> None:
    text = HEREDOC.replace('"readonlyRootFilesystem": true\n      },', '"cpu": 256\n      },')
    write(tmp_path, {"main.tf": text})
    assert keys(findings(tmp_path, ["IAC-AWS-ECS-007"])) == {
        ("IAC-AWS-ECS-007", "aws_ecs_task_definition.heredoc", 5, "fail")
    }


def test_file_templatefile_and_module_output(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "defs/app.json": '[{"name": "app", "image": "nginx:latest", "privileged": true}]\n',
            "defs/app.tpl": '[{"name": "app", "image": "${image}", "privileged": ${privileged}}]\n',
            "modules/defs/main.tf": """\
            output "json" {
              value = jsonencode([{ name = "m", image = "alpine", privileged = true }])
            }
            """,
            "main.tf": """\
            resource "aws_ecs_task_definition" "from_file" {
              family                = "a"
              container_definitions = file("${path.module}/defs/app.json")
            }

            resource "aws_ecs_task_definition" "from_template" {
              family = "b"
              container_definitions = templatefile("${path.module}/defs/app.tpl", {
                image      = "redis"
                privileged = true
              })
            }

            module "defs" {
              source = "./modules/defs"
            }

            resource "aws_ecs_task_definition" "from_module" {
              family                = "c"
              container_definitions = module.defs.json
            }
            """,
        },
    )
    assert keys(findings(tmp_path, ["IAC-AWS-ECS-001", "IAC-AWS-ECS-009"])) == {
        ("IAC-AWS-ECS-001", "aws_ecs_task_definition.from_file", 3, "fail"),
        ("IAC-AWS-ECS-009", "aws_ecs_task_definition.from_file", 3, "fail"),
        ("IAC-AWS-ECS-001", "aws_ecs_task_definition.from_template", 8, "fail"),
        ("IAC-AWS-ECS-009", "aws_ecs_task_definition.from_template", 8, "fail"),
        ("IAC-AWS-ECS-001", "aws_ecs_task_definition.from_module", 20, "fail"),
        ("IAC-AWS-ECS-009", "aws_ecs_task_definition.from_module", 20, "fail"),
    }


def test_unknown_image_leaves_only_image_rules_undetermined(tmp_path: Path) -> None:
    """jsonencode() of a definition with an unknown image is unknown text, but the known
    parts (privileged, no user, writable root) are still judged."""
    write(
        tmp_path,
        {
            "main.tf": """\
            variable "image" {
              type = string
            }

            resource "aws_ecs_task_definition" "unknown_image" {
              family       = "api"
              network_mode = "awsvpc"
              container_definitions = jsonencode([
                { name = "api", image = var.image, privileged = true },
              ])
            }
            """
        },
    )
    found = findings(tmp_path)
    statuses = {"001": "fail", "006": "fail", "007": "fail"}
    statuses |= {"009": "undetermined", "010": "undetermined"}
    assert keys(found) == {
        (f"IAC-AWS-ECS-{n}", "aws_ecs_task_definition.unknown_image", 8, status)
        for n, status in statuses.items()
    }


def test_malformed_json_is_reported_and_never_crashes(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.tf": """\
            resource "aws_ecs_task_definition" "broken" {
              family                = "api"
              container_definitions = "[{\\"name\\": \\"api\\", \\"privileged\\": true"
              network_mode          = "awsvpc"
            }
            """
        },
    )
    found = findings(tmp_path)
    assert keys(found) == {("IAC-AWS-ECS-016", "aws_ecs_task_definition.broken", 3, "fail")}
    assert found[0].evidence == (
        "container_definitions: not valid JSON: Expecting ',' delimiter at line 1 column 36",
    )


def test_secret_evidence_names_the_variable_never_the_value(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.tf": """\
            resource "aws_ecs_task_definition" "leaky" {
              family = "api"
              container_definitions = jsonencode([{
                name        = "api"
                image       = "acme/api:1.0"
                environment = [{ name = "AWS_SECRET_ACCESS_KEY", value = "wJalrXUtnFEMI" }]
              }])
            }
            """
        },
    )
    (finding,) = findings(tmp_path, ["IAC-AWS-ECS-008"])
    assert finding.evidence == (
        "container_definitions[0].environment[0]: AWS_SECRET_ACCESS_KEY holds a literal value",
    )
    assert "wJalrXUtnFEMI" not in repr(finding)


def test_allow_list_setting_reaches_the_registry_rule(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.tf": """\
            resource "aws_ecs_task_definition" "hub_image" {
              family                = "api"
              container_definitions = jsonencode([{ name = "api", image = "nginx:1.25" }])
            }
            """
        },
    )
    result = load([tmp_path], environ={}, jobs=1, use_cache=False)
    rule = [RULES["IAC-AWS-ECS-011"]]
    assert run_rules(rule, result.resources, analyze(result.graph)).findings == []
    settings = {"allowed_registries": ["ghcr.io"]}
    (finding,) = run_rules(rule, result.resources, analyze(result.graph), settings).findings
    assert finding.evidence == (
        "container_definitions[0].image: nginx:1.25 is from docker.io/library/nginx",
        "allowed: ghcr.io",
    )


def _resource(value: object, lines: dict[str, tuple[int, int]] | None = None) -> Resource:
    attrs = {"container_definitions": value}
    location = Location("main.tf", 1, 9)
    return Resource(
        "aws_ecs_task_definition.t",
        "aws_ecs_task_definition",
        "t",
        "managed",
        attrs,
        location,
        lines=lines or {},
    )


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("{}", "not a JSON array of container definitions"),
        ("[1]", "element 0 is not a JSON object"),
        ("", "not valid JSON: Expecting value at line 1 column 1"),
    ],
)
def test_decode_errors(value: str, error: str) -> None:
    assert ecs.decode(value) == ecs.Decoded(error=error)
    assert ecs.containers(_resource(value)) == []


def test_decode_keeps_the_reference_it_waits_for() -> None:
    ref = Ref("aws_ssm_parameter.defs", "value")
    decoded = ecs.decode(ref)
    assert decoded.unknown == Unknown(
        "container_definitions is known only after apply", frozenset({ref})
    )
    (container,) = ecs.containers(_resource(ref))
    assert (container.path, container.name) == ("container_definitions", "container_definitions")


def test_decoded_list_and_in_place_positions() -> None:
    text = '[\n  {"name": "a",\n   "image": "x"},\n  {"name": "b"}\n]\n'
    first, second = ecs.containers(_resource(text, {"container_definitions": (3, 9)}))
    assert (first.name, second.name) == ("a", "b")
    assert first.lines == {
        "container_definitions[0]": (5, 6),
        "container_definitions[0].name": (5, 5),
        "container_definitions[0].image": (6, 6),
    }
    assert second.lines == {
        "container_definitions[1]": (7, 7),
        "container_definitions[1].name": (7, 7),
    }
    # Not written line for line (file(), jsonencode): no positions inside the JSON.
    (only,) = ecs.containers(_resource('[{"name": "a"}]', {"container_definitions": (3, 3)}))
    assert only.lines == {}
    assert ecs.decode([{"name": "plan"}]) == ecs.Decoded(items=[{"name": "plan"}])


def test_a_container_known_only_after_apply_is_undetermined_not_invalid(tmp_path: Path) -> None:
    """``jsonencode([module.x.definition, {...}])``: the unknown element is judged as
    unknown (undetermined), the known one as written, and the JSON is not "invalid"."""
    write(
        tmp_path,
        {
            "main.tf": """\
            variable "sidecar" {
              type = any
            }

            resource "aws_ecs_task_definition" "mixed" {
              family = "api"
              container_definitions = jsonencode([
                var.sidecar,
                { name = "api", image = "nginx@sha256:${"a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2"}", privileged = true, user = "1000", readonlyRootFilesystem = true },
              ])
            }
            """
        },
    )
    found = {(f.rule_id, f.path, f.status) for f in findings(tmp_path)}
    assert ("IAC-AWS-ECS-016", "container_definitions", "fail") not in found
    assert ("IAC-AWS-ECS-001", "container_definitions[1].privileged", "fail") in found
    assert ("IAC-AWS-ECS-001", "container_definitions[0]", "undetermined") in found
