"""Every built-in rule against its fixtures, plus the semantics the rules must keep.

``fixtures/rules/<RULE-ID>/fail`` marks each line a finding must point at with
``# expect: RULE-ID`` (or ``# expect-undetermined: RULE-ID``); ``pass`` must produce nothing
for the rule. The test compares exact sets of (rule, resource, file, line, status).
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
import yaml

from iacscan.api import LoadResult, load
from iacscan.graph.facts import analyze
from iacscan.model import Finding
from iacscan.rules.engine import run_rules
from iacscan.rules.loader import load_rules
from iacscan.rules.model import Rule

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "rules"
RULES = load_rules()
BY_ID = {rule.id: rule for rule in RULES}
RESOURCE = re.compile(r'^\s*resource\s+"([^"]+)"\s+"([^"]+)"')
EXPECT = re.compile(r"#\s*expect(-undetermined)?:\s*([A-Z0-9-]+)")

Key = tuple[str, str, str, int, str]  # rule, resource address, file, line, status


def expected(directory: Path, rule_id: str) -> set[Key]:
    """The findings the ``# expect`` comments under ``directory`` announce for ``rule_id``:
    in ``.tf`` files the resource is the ``resource`` block above, in compose files
    (``.yaml``/``.yml``) the service whose key under ``services:`` is above."""
    found: set[Key] = set()
    files = [*directory.rglob("*.tf"), *directory.rglob("*.yaml"), *directory.rglob("*.yml")]
    for file in sorted(files):
        address = ""
        services = None if file.suffix == ".tf" else ServiceHeaders()
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            header = RESOURCE.match(line) if services is None else None
            if header:
                address = f"{header[1]}.{header[2]}"
            elif services is not None:
                address = services.feed(line) or address
            for undetermined, rule in EXPECT.findall(line):
                if rule == rule_id:
                    status = "undetermined" if undetermined else "fail"
                    found.add(
                        (rule, address, file.relative_to(directory).as_posix(), number, status)
                    )
    return found


class ServiceHeaders:
    """Follows a compose file line by line: ``feed`` returns ``service.NAME`` on the line
    of a service key (the first indentation level under a top-level ``services:``)."""

    KEY = re.compile(r"^(\s*)([A-Za-z0-9_.-]+):")

    def __init__(self) -> None:
        self.inside = False
        self.indent: int | None = None

    def feed(self, line: str) -> str | None:
        match = self.KEY.match(line)
        if match is None:
            return None
        indent = len(match[1])
        if indent == 0:
            self.inside, self.indent = match[2] == "services", None
            return None
        if self.inside and self.indent is None:
            self.indent = indent
        return f"service.{match[2]}" if self.inside and indent == self.indent else None


def run(rule: Rule, directory: Path) -> set[Key]:
    """The rule's findings under ``directory``; project settings (``allowed_registries``)
    come from a ``settings.yaml`` beside the fixture's ``fail``/``pass`` directories."""
    result = load([directory], environ={}, jobs=1, use_cache=False)
    assert result.errors == []
    settings_file = directory.parent / "settings.yaml"
    settings = yaml.safe_load(settings_file.read_text()) if settings_file.is_file() else {}
    engine = run_rules([rule], result.resources, analyze(result.graph), settings)
    assert engine.errors == []
    return {key(finding, result) for finding in engine.findings}


def key(finding: Finding, result: LoadResult) -> Key:
    address = result.graph.nodes[finding.resource]["resource"].address
    line = finding.location.line
    return (finding.rule_id, address, finding.location.file, line, finding.status)


@pytest.mark.parametrize("rule", RULES, ids=[rule.id for rule in RULES])
def test_rule_fixtures(rule: Rule) -> None:
    fail, ok = FIXTURES / rule.id / "fail", FIXTURES / rule.id / "pass"
    assert fail.is_dir() and ok.is_dir(), f"{rule.id} needs fixtures/rules/{rule.id}/fail and pass"
    want = expected(fail, rule.id)
    assert any(status == "fail" for *_, status in want), "the fail fixture expects no failure"
    assert run(rule, fail) == want
    assert run(rule, ok) == set()
    assert expected(ok, rule.id) == set()


def test_every_fixture_directory_belongs_to_a_rule() -> None:
    orphans = sorted(d.name for d in FIXTURES.iterdir() if d.name not in BY_ID)
    assert orphans == []


# -- required semantics, snippet and expectation side by side ------------------------------------
def scan(tmp_path: Path, rule_id: str, files: dict[str, str]) -> set[tuple[str, int, str]]:
    """(resource address, line, status) of ``rule_id``'s findings on the given files."""
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    found = run(BY_ID[rule_id], tmp_path)
    return {(address, line, status) for _, address, _, line, status in found}


SSH_FROM = """\
    variable "cidr" {{
      type = string{default}
    }}

    resource "aws_security_group" "sg" {{
      name = "sg"

      ingress {{
        from_port   = 22
        to_port     = 22
        protocol    = "tcp"
        cidr_blocks = [var.cidr]
      }}
    }}
"""


def test_self_rule_does_not_hide_a_later_open_rule(tmp_path: Path) -> None:
    main = """\
        resource "aws_security_group" "sg" {
          name = "sg"

          ingress {
            from_port = 0
            to_port   = 0
            protocol  = "-1"
            self      = true
          }

          ingress {
            from_port   = 22
            to_port     = 22
            protocol    = "tcp"
            cidr_blocks = ["0.0.0.0/0"]
          }
        }
    """
    assert scan(tmp_path, "IAC-AWS-SG-001", {"main.tf": main}) == {
        ("aws_security_group.sg", 11, "fail")
    }


def test_cidr_from_variable_without_value_is_undetermined(tmp_path: Path) -> None:
    main = SSH_FROM.format(default="")
    assert scan(tmp_path, "IAC-AWS-SG-001", {"main.tf": main}) == {
        ("aws_security_group.sg", 8, "undetermined")
    }


def test_cidr_from_variable_default_fails(tmp_path: Path) -> None:
    main = SSH_FROM.format(default='\n  default = "0.0.0.0/0"')
    assert scan(tmp_path, "IAC-AWS-SG-001", {"main.tf": main}) == {
        ("aws_security_group.sg", 9, "fail")
    }


def test_cidr_from_tfvars_fails(tmp_path: Path) -> None:
    files = {"main.tf": SSH_FROM.format(default=""), "terraform.tfvars": 'cidr = "::/0"\n'}
    assert scan(tmp_path, "IAC-AWS-SG-001", files) == {("aws_security_group.sg", 8, "fail")}


def test_cidr_from_variable_with_private_value_passes(tmp_path: Path) -> None:
    files = {"main.tf": SSH_FROM.format(default=""), "terraform.tfvars": 'cidr = "10.0.0.0/16"\n'}
    assert scan(tmp_path, "IAC-AWS-SG-001", files) == set()


def test_all_three_security_group_rule_forms_fire_at_their_own_line(tmp_path: Path) -> None:
    main = """\
        resource "aws_security_group" "inline" {
          name = "inline"
          ingress {
            from_port   = 22
            to_port     = 22
            protocol    = "tcp"
            cidr_blocks = ["0.0.0.0/0"]
          }
        }

        resource "aws_security_group_rule" "legacy" {
          type              = "ingress"
          from_port         = 22
          to_port           = 22
          protocol          = "tcp"
          cidr_blocks       = ["0.0.0.0/0"]
          security_group_id = aws_security_group.inline.id
        }

        resource "aws_vpc_security_group_ingress_rule" "modern" {
          security_group_id = aws_security_group.inline.id
          ip_protocol       = "tcp"
          from_port         = 22
          to_port           = 22
          cidr_ipv4         = "0.0.0.0/0"
        }
    """
    assert scan(tmp_path, "IAC-AWS-SG-001", {"main.tf": main}) == {
        ("aws_security_group.inline", 3, "fail"),
        ("aws_security_group_rule.legacy", 11, "fail"),
        ("aws_vpc_security_group_ingress_rule.modern", 20, "fail"),
    }


NACL = """\
    resource "aws_network_acl" "acl" {{
      vpc_id = "vpc-0123456789abcdef0"
    {entries}
    }}
"""
ENTRY = """
      ingress {{
        rule_no    = {number}
        action     = "{action}"
        protocol   = "{protocol}"
        from_port  = {low}
        to_port    = {high}
        cidr_block = "{cidr}"
      }}
"""


def nacl(*entries: tuple[int, str, str, int, int, str]) -> str:
    keys = ("number", "action", "protocol", "low", "high", "cidr")
    text = "".join(ENTRY.format(**dict(zip(keys, entry, strict=True))) for entry in entries)
    return NACL.format(entries=text)


@pytest.mark.parametrize(
    ("entries", "line"),
    [
        # A lower-numbered deny of the same traffic shadows the allow, whatever the order written.
        (
            [(200, "allow", "tcp", 22, 22, "0.0.0.0/0"), (100, "deny", "tcp", 22, 22, "0.0.0.0/0")],
            None,
        ),
        (
            [(100, "deny", "-1", 0, 0, "0.0.0.0/0"), (200, "allow", "tcp", 22, 22, "0.0.0.0/0")],
            None,
        ),
        # A higher-numbered deny comes too late.
        (
            [(100, "allow", "tcp", 22, 22, "0.0.0.0/0"), (200, "deny", "tcp", 22, 22, "0.0.0.0/0")],
            4,
        ),
        # A deny of other ports, another protocol or part of the internet leaves SSH open.
        (
            [
                (100, "deny", "tcp", 23, 3389, "0.0.0.0/0"),
                (200, "allow", "tcp", 0, 1023, "0.0.0.0/0"),
            ],
            13,
        ),
        ([(100, "deny", "udp", 22, 22, "0.0.0.0/0"), (200, "allow", "-1", 0, 0, "0.0.0.0/0")], 13),
        (
            [(100, "deny", "tcp", 22, 22, "0.0.0.0/1"), (200, "allow", "tcp", 22, 22, "0.0.0.0/0")],
            13,
        ),
        # An earlier allow of the same traffic is the one reported.
        ([(100, "allow", "tcp", 22, 22, "0.0.0.0/0"), (200, "allow", "-1", 0, 0, "0.0.0.0/0")], 4),
    ],
)
def test_nacl_rule_order(tmp_path: Path, entries: list, line: int | None) -> None:
    found = scan(tmp_path, "IAC-AWS-NACL-001", {"main.tf": nacl(*entries)})
    assert found == ({("aws_network_acl.acl", line, "fail")} if line else set())


def test_nacl_lower_entry_with_unknown_cidr_is_undetermined(tmp_path: Path) -> None:
    main = 'variable "cidr" {\n  type = string\n}\n' + nacl(
        (100, "deny", "tcp", 22, 22, "${var.cidr}"), (200, "allow", "tcp", 22, 22, "0.0.0.0/0")
    )
    assert scan(tmp_path, "IAC-AWS-NACL-001", {"main.tf": main}) == {
        ("aws_network_acl.acl", 16, "undetermined")
    }


def test_flow_log_refers_to_the_vpc_not_the_other_way_round(tmp_path: Path) -> None:
    main = """\
        resource "aws_vpc" "logged" {
          cidr_block = "10.0.0.0/16"
        }

        resource "aws_vpc" "unlogged" {
          cidr_block = "10.1.0.0/16"
        }

        resource "aws_flow_log" "logged" {
          vpc_id       = aws_vpc.logged.id
          traffic_type = "ALL"
        }
    """
    assert scan(tmp_path, "IAC-AWS-VPC-004", {"main.tf": main}) == {("aws_vpc.unlogged", 5, "fail")}


def test_resource_rules_ignore_data_sources(tmp_path: Path) -> None:
    main = """\
        data "aws_instance" "looked_up" {
          instance_id = "i-0123456789abcdef0"
        }
    """
    assert scan(tmp_path, "IAC-AWS-SG-010", {"main.tf": main}) == set()
