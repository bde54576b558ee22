"""Issue 13's detection breadth: every workload kind reaches the capability rule, findings
name the offending value in their message, the public-port allow-list is a setting, and
exposure context reaches the new SG rule."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from iacscan.api import load
from iacscan.config import ConfigError, read_config
from iacscan.containers.kubernetes import POD_SPEC_PATHS, WORKLOAD_TYPES
from iacscan.graph.facts import analyze
from iacscan.model import Finding
from iacscan.rules.engine import run_rules
from iacscan.rules.loader import load_rules
from iacscan.scan import ScanOptions, scan

RULES = {rule.id: rule for rule in load_rules()}


def findings(tmp_path: Path, rule_id: str, files: dict[str, str], **settings) -> list[Finding]:
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    loaded = load([tmp_path], environ={}, jobs=1, use_cache=False)
    assert loaded.errors == []
    engine = run_rules([RULES[rule_id]], loaded.resources, analyze(loaded.graph), settings)
    assert engine.errors == []
    return engine.findings


def workload(kind: str) -> str:
    """A ``kind`` resource whose only container adds SYS_ADMIN, at the kind's nesting."""
    steps = POD_SPEC_PATHS[kind]
    body = (
        'container {\n  name = "app"\n  image = "app:1.0"\n'
        '  security_context {\n    capabilities {\n      add = ["SYS_ADMIN"]\n'
        "    }\n  }\n}\n"
    )
    for step in reversed(steps):
        body = f"{step} {{\n{body}}}\n"
    return f'resource "{kind}" "w" {{\nmetadata {{\n  name = "w"\n}}\n{body}}}\n'


@pytest.mark.parametrize("kind", WORKLOAD_TYPES)
def test_every_workload_kind_reaches_the_capability_rule(tmp_path: Path, kind: str) -> None:
    found = findings(tmp_path, "IAC-K8S-006", {"main.tf": workload(kind)})
    assert [(f.status, f.message.rsplit(" ", 2)[-2:]) for f in found] == [
        ("fail", ["adds", "SYS_ADMIN"])
    ]


def test_every_workload_kind_of_the_provider_is_covered() -> None:
    kinds = {"pod", "deployment", "daemonset", "stateful_set", "job", "cron_job"}
    for kind in kinds:
        assert f"kubernetes_{kind}" in WORKLOAD_TYPES
    assert {"kubernetes_daemon_set_v1", "kubernetes_cron_job_v1"} <= set(WORKLOAD_TYPES)


OPEN_9100 = """\
    resource "aws_security_group" "app" {
      name = "app"
      ingress {
        description = "metrics"
        from_port   = 9100
        to_port     = 9100
        protocol    = "tcp"
        cidr_blocks = ["0.0.0.0/0"]
      }
    }
"""


def test_open_port_message_names_port_and_source(tmp_path: Path) -> None:
    found = findings(tmp_path, "IAC-AWS-SG-014", {"main.tf": OPEN_9100})
    assert [f.message for f in found] == [
        "aws_security_group.app (ingress[0]) opens tcp 9100 to 0.0.0.0/0"
    ]


def test_public_ports_setting_allows_a_port(tmp_path: Path) -> None:
    files = {"main.tf": OPEN_9100}
    assert findings(tmp_path, "IAC-AWS-SG-014", files, public_ports=[443, 9100]) == []


def test_public_ports_in_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / ".iacscan.yml"
    config.write_text("public_ports: [80, 443, 8443]\n")
    assert read_config(config)["public_ports"] == [80, 443, 8443]
    config.write_text("public_ports: [https]\n")
    with pytest.raises(ConfigError, match="public_ports must be a list of port numbers"):
        read_config(config)


def test_open_port_finding_carries_the_exposure_verdict(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        OPEN_9100
        + textwrap.dedent("""\
            resource "aws_instance" "app" {
              ami                    = "ami-12345678"
              instance_type          = "t3.micro"
              vpc_security_group_ids = [aws_security_group.app.id]
            }
        """),
        encoding="utf-8",
    )
    options = ScanOptions(rules=["IAC-AWS-SG-014"], use_cache=False, jobs=1, environ={})
    result = scan([tmp_path], options)
    (finding,) = result.findings
    assert any(e.startswith("exposure: aws_instance.app ") for e in finding.evidence)


def test_compose_namespace_message_names_each_namespace(tmp_path: Path) -> None:
    compose = """\
        services:
          agent:
            image: alpine:3.20
            pid: host
            ipc: host
            uts: host
    """
    found = findings(tmp_path, "IAC-COMPOSE-006", {"compose.yaml": compose})
    assert [f.message for f in found] == ["service.agent shares host namespaces: PID, IPC, UTS"]


def test_compose_socket_message_names_the_socket(tmp_path: Path) -> None:
    compose = """\
        services:
          ci:
            image: docker:27
            volumes:
              - /var/run/docker.sock:/var/run/docker.sock:ro
    """
    found = findings(tmp_path, "IAC-COMPOSE-007", {"compose.yaml": compose})
    assert [f.message for f in found] == [
        "service.ci (volumes[0].source) mounts /var/run/docker.sock"
    ]


def test_peering_route_to_an_undeclared_connection_is_a_peering_route(tmp_path: Path) -> None:
    """The id is unknown (an evaluation error names the reference) but the attribute that
    is set makes the route a peering route: VPC-005 fails instead of being undetermined."""
    (tmp_path / "main.tf").write_text(
        textwrap.dedent("""\
            resource "aws_route" "to_peer" {
              route_table_id            = "rtb-0123456789abcdef0"
              destination_cidr_block    = "0.0.0.0/0"
              vpc_peering_connection_id = aws_vpc_peering_connection.elsewhere.id
            }
        """),
        encoding="utf-8",
    )
    loaded = load([tmp_path], environ={}, jobs=1, use_cache=False)
    assert [e.message for e in loaded.errors] == [
        "vpc_peering_connection_id: reference to undeclared resource "
        "aws_vpc_peering_connection.elsewhere"
    ]
    engine = run_rules([RULES["IAC-AWS-VPC-005"]], loaded.resources, analyze(loaded.graph))
    assert [(f.status, f.location.line) for f in engine.findings] == [("fail", 1)]


def test_route_from_a_dynamic_block_over_unknown_routes_stays_undetermined(tmp_path: Path) -> None:
    main = """\
        variable "routes" {
          type = list(any)
        }
        resource "aws_route_table" "t" {
          vpc_id = "vpc-1"
          dynamic "route" {
            for_each = var.routes
            content {
              cidr_block                = route.value.cidr
              vpc_peering_connection_id = route.value.pcx
            }
          }
        }
    """
    found = findings(tmp_path, "IAC-AWS-VPC-005", {"main.tf": main})
    assert [(f.status, f.location.line) for f in found] == [("undetermined", 6)]


def test_shared_volumes_are_compared_within_one_project_only(tmp_path: Path) -> None:
    project = """\
        services:
          writer:
            image: alpine:3.20
            volumes: ["data:/data"]
          {reader}:
            image: alpine:3.20
            volumes: ["data:/data:ro"]
        volumes:
          data:
    """
    for name, reader in (("one", "reader"), ("two", "other")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "compose.yaml").write_text(
            textwrap.dedent(project.format(reader=reader)), encoding="utf-8"
        )
    found = findings(tmp_path, "IAC-COMPOSE-025", {})
    assert sorted(f.message for f in found) == [
        "service.other (volumes[0]) shares volume data with service.writer (read-write)",
        "service.reader (volumes[0]) shares volume data with service.writer (read-write)",
        "service.writer (volumes[0]) shares volume data with service.other (read-only)",
        "service.writer (volumes[0]) shares volume data with service.reader (read-only)",
    ]


def test_set_operator_counts_refs_and_unknowns_as_written() -> None:
    from iacscan.model.values import Ref, Unknown
    from iacscan.rules.compiler import compile_condition
    from iacscan.rules.conditions import Subject, Tri

    condition = compile_condition({"attribute": "route.pcx", "set": True})

    def value(route: object) -> Tri:
        subject = Subject("n", "aws_route", {"route": route})
        return condition(subject, None).value  # type: ignore[arg-type]

    assert value({"pcx": Ref("aws_vpc_peering_connection.p", "id")}) is Tri.TRUE
    assert value({"pcx": Unknown("undeclared resource")}) is Tri.TRUE
    assert value({"pcx": "pcx-1"}) is Tri.TRUE
    assert value({"pcx": None}) is Tri.FALSE
    assert value({"pcx": ""}) is Tri.FALSE
    assert value({}) is Tri.FALSE
    assert value(Unknown("dynamic block over an unknown list")) is Tri.UNKNOWN


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("/0", "has no address (judged as 0.0.0.0/0)"),
        ("0.0.2.0/0", "has host bits set (judged as 0.0.0.0/0)"),
        ("10.0.0.1/8", "has host bits set (judged as 10.0.0.0/8)"),
        ("2001:db8::1/32", "has host bits set (judged as 2001:db8::/32)"),
        ("10.0.0.0/8", None),
        ("::/0", None),
        ("not a cidr", None),
    ],
)
def test_malformed_cidrs_are_named_and_still_judged(text: str, problem: str | None) -> None:
    from iacscan.graph.cidrs import cidr_problem

    assert cidr_problem(text) == problem


def test_this_network_is_not_a_private_source_range() -> None:
    from iacscan.graph.cidrs import cidr_network, covers_public, is_private_source

    for text in ("0.0.0.0/12", "0.0.0.0/8", "224.0.0.0/4"):
        net = cidr_network(text)
        assert net is not None and not is_private_source(net) and not covers_public(net, 8)
    ten = cidr_network("10.0.0.0/8")
    assert ten is not None and is_private_source(ten)


def test_public_ports_from_the_settings_file_reach_the_scan(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from iacscan.cli import main

    (tmp_path / "main.tf").write_text(textwrap.dedent(OPEN_9100), encoding="utf-8")
    args = ["scan", str(tmp_path), "--rule", "IAC-AWS-SG-014", "--format", "json", "--no-cache"]
    before = CliRunner().invoke(main, args)
    assert before.exit_code == 1
    assert [f["message"] for f in json.loads(before.output)["findings"]] == [
        "aws_security_group.app (ingress[0]) opens tcp 9100 to 0.0.0.0/0"
    ]
    (tmp_path / ".iacscan.yml").write_text("public_ports: [443, 9100]\n", encoding="utf-8")
    after = CliRunner().invoke(main, args)
    assert after.exit_code == 0
    assert json.loads(after.output)["findings"] == []
