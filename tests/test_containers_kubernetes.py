"""Kubernetes workloads of the Terraform provider: every kind, plain and ``_v1``, is found.

The pod spec sits at a different depth per kind; a rule on containers and a rule on pods
must fire on each of them at the line of the offending attribute.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from iacscan.api import load
from iacscan.containers import kubernetes
from iacscan.graph.facts import analyze
from iacscan.model import Finding, Location, Resource
from iacscan.rules.engine import run_rules
from iacscan.rules.loader import load_rules

RULES = {rule.id: rule for rule in load_rules()}

POD_SPEC = """\
spec {
  host_network = true
  container {
    name  = "app"
    image = "acme/app:1.0"
    security_context {
      privileged = true
    }
  }
}"""
# Per kind: the blocks that wrap the pod spec, outermost first (metadata blocks included,
# since the provider requires them in templates).
WRAPPERS = {
    "pod": [],
    "deployment": ["spec", "template"],
    "daemonset": ["spec", "template"],
    "daemon_set": ["spec", "template"],
    "stateful_set": ["spec", "template"],
    "job": ["spec", "template"],
    "replication_controller": ["spec", "template"],
    "cron_job": ["spec", "job_template", "spec", "template"],
}
KINDS = [
    *(f"kubernetes_{kind}" for kind in WRAPPERS if kind != "daemon_set"),
    *(f"kubernetes_{kind}_v1" for kind in WRAPPERS if kind != "daemonset"),
]


def workload(kind: str) -> str:
    """A workload of ``kind`` whose pod spec is POD_SPEC, nested as the provider nests it."""
    short = kind.removeprefix("kubernetes_").removesuffix("_v1")
    body = POD_SPEC
    for block in reversed(WRAPPERS[short]):
        inner = textwrap.indent(body, "  ")
        meta = "  metadata {}\n" if block in ("template", "job_template") else ""
        body = f"{block} {{\n{meta}{inner}\n}}"
    return f'resource "{kind}" "w" {{\n  metadata {{\n    name = "w"\n  }}\n{textwrap.indent(body, "  ")}\n}}\n'


def findings(root: Path, text: str, rule_ids: list[str]) -> list[Finding]:
    (root / "main.tf").write_text(text, encoding="utf-8")
    result = load([root], environ={}, jobs=1, use_cache=False)
    assert result.errors == []
    engine = run_rules([RULES[r] for r in rule_ids], result.resources, analyze(result.graph))
    assert engine.errors == []
    return engine.findings


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_every_workload_kind_is_listed() -> None:
    assert sorted(KINDS) == list(kubernetes.WORKLOAD_TYPES)


@pytest.mark.parametrize("kind", KINDS)
def test_pod_and_container_rules_fire_on_every_kind(tmp_path: Path, kind: str) -> None:
    text = workload(kind)
    found = findings(tmp_path, text, ["IAC-K8S-001", "IAC-K8S-003"])
    assert {(f.rule_id, f.resource, f.location.line) for f in found} == {
        ("IAC-K8S-001", f"{kind}.w", line_of(text, "privileged = true")),
        ("IAC-K8S-003", f"{kind}.w", line_of(text, "host_network = true")),
    }


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        ("kubernetes_pod", "spec[0]"),
        ("kubernetes_deployment_v1", "spec[0].template[0].spec[0]"),
        ("kubernetes_cron_job", "spec[0].job_template[0].spec[0].template[0].spec[0]"),
    ],
)
def test_pod_spec_paths(tmp_path: Path, kind: str, path: str) -> None:
    (tmp_path / "main.tf").write_text(workload(kind), encoding="utf-8")
    (resource,) = load([tmp_path], environ={}, jobs=1, use_cache=False).resources
    (pod,) = kubernetes.pod_specs(resource)
    assert pod.path == path
    (container,) = kubernetes.containers(pod)
    assert container.path == f"{path}.container[0]"
    assert kubernetes.security_setting(container, "privileged") == (
        True,
        f"{path}.container[0].security_context[0].privileged",
    )


def test_dynamic_containers_over_an_unknown_list_are_undetermined(tmp_path: Path) -> None:
    text = textwrap.dedent(
        """\
        variable "containers" {
          type = list(object({ name = string, image = string }))
        }

        resource "kubernetes_pod_v1" "dynamic" {
          metadata {
            name = "dynamic"
          }
          spec {
            dynamic "container" {
              for_each = var.containers
              content {
                name  = container.value.name
                image = container.value.image
              }
            }
          }
        }
        """
    )
    found = findings(tmp_path, text, ["IAC-K8S-001", "IAC-K8S-012"])
    assert {(f.rule_id, f.location.line, f.status) for f in found} == {
        ("IAC-K8S-001", 10, "undetermined"),
        ("IAC-K8S-012", 10, "undetermined"),
    }


def test_run_as_root_reads_the_pod_setting_unless_the_container_overrides_it(
    tmp_path: Path,
) -> None:
    text = textwrap.dedent(
        """\
        resource "kubernetes_pod" "mixed" {
          metadata {
            name = "mixed"
          }
          spec {
            security_context {
              run_as_non_root = true
            }
            container {
              name  = "inherits"
              image = "acme/a:1"
            }
            container {
              name  = "overrides"
              image = "acme/b:1"
              security_context {
                run_as_user = "0"
              }
            }
          }
        }
        """
    )
    (finding,) = findings(tmp_path, text, ["IAC-K8S-005"])
    assert (finding.location.line, finding.path) == (
        17,
        "spec[0].container[1].security_context[0].run_as_user",
    )
    assert finding.evidence == ("spec[0].container[1].security_context[0].run_as_user = 0",)


def test_unknown_namespace_of_a_policy_is_undetermined(tmp_path: Path) -> None:
    text = textwrap.dedent(
        """\
        variable "namespace" {
          type = string
        }

        resource "kubernetes_namespace_v1" "apps" {
          metadata {
            name = "apps"
          }
        }

        resource "kubernetes_network_policy_v1" "deny" {
          metadata {
            name      = "deny"
            namespace = var.namespace
          }
          spec {
            pod_selector {}
            policy_types = ["Ingress"]
          }
        }
        """
    )
    (finding,) = findings(tmp_path, text, ["IAC-K8S-016"])
    assert (finding.resource, finding.location.line, finding.status) == (
        "kubernetes_namespace_v1.apps",
        7,
        "undetermined",
    )


def test_other_resource_types_have_no_pod_spec() -> None:
    resource = Resource("aws_vpc.x", "aws_vpc", "x", "managed", {}, Location("main.tf", 1, 1))
    assert kubernetes.pod_specs(resource) == []
