"""Scanning plans: exact findings, the same findings as the HCL they were planned from
(modulo what only the plan knows, spelled out per scenario), --changed-only, suppressions,
and the commands that take plans."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from iacscan.cli import main
from iacscan.scan import ScanOptions, scan

PLANS = FIXTURES / "plans"


def findings(result, root: Path | None = None) -> set[tuple[str, str, str, str, int, str]]:
    """(rule, resource, status, file relative to ``root``, line, path) of every kept result."""
    out = set()
    for f in result.findings + result.undetermined:
        file = (result.root / f.location.file).resolve()
        name = file.relative_to(root).as_posix() if root else f.location.file
        out.add((f.rule_id, f.resource, f.status, name, f.location.line, f.path))
    return out


def scan_plan(name: str, source: str | None = None, **options):
    sources = PLANS / source if source else None
    opts = ScanOptions(use_cache=False, source_dir=sources, **options)
    return scan([PLANS / f"{name}.plan.json"], opts)


def scan_hcl(name: str):
    return scan([PLANS / name], ScanOptions(use_cache=False))


MODULES = {
    ("IAC-AWS-VPC-004", "aws_vpc.main", "fail", "main.tf", 3, ""),
    (
        "IAC-AWS-VPC-002",
        "aws_subnet.public[0]",
        "fail",
        "main.tf",
        15,
        "map_public_ip_on_launch",
    ),
    (
        "IAC-AWS-VPC-002",
        "aws_subnet.public[1]",
        "fail",
        "main.tf",
        15,
        "map_public_ip_on_launch",
    ),
    (
        "IAC-AWS-EXPOSURE-001",
        'module.app["ssh_open_to_world"].aws_instance.this',
        "fail",
        "modules/app/main.tf",
        24,
        "",
    ),
    (
        "IAC-AWS-SG-001",
        'module.app["ssh_open_to_world"].module.sg.aws_security_group.this',
        "fail",
        "modules/sg/main.tf",
        17,
        "ingress[0]",
    ),
}
CHANGES = {
    ("IAC-AWS-VPC-004", "aws_vpc.main", "fail", "main.tf", 4, ""),
    (
        "IAC-AWS-SG-001",
        "aws_security_group.shared_ssh_open_to_world",
        "fail",
        "main.tf",
        35,
        "ingress[0]",
    ),
    ("IAC-AWS-EXPOSURE-001", "aws_instance.new_bastion", "fail", "main.tf", 43, ""),
    (
        "IAC-AWS-VPC-003",
        "aws_instance.new_bastion",
        "fail",
        "main.tf",
        47,
        "associate_public_ip_address",
    ),
}
# Only the plan knows: the group already exists with AWS's allow-all egress rule (prior
# state), which the configuration does not declare.
CHANGES_PLAN_ONLY = {
    (
        "IAC-AWS-SG-007",
        "aws_security_group.shared_ssh_open_to_world",
        "fail",
        "main.tf",
        31,
        "egress[0]",
    )
}
SENSITIVE_BOTH = {
    ("IAC-AWS-SG-008", "aws_security_group_rule.ssh_from_secret_range", "fail", "main.tf", 32, "")
}
# The plan masks the sensitive CIDR, so what depends on it is undetermined there, while HCL
# evaluation reads "0.0.0.0/0" from terraform.tfvars.
SENSITIVE_HCL_ONLY = {
    ("IAC-AWS-SG-001", "aws_security_group_rule.ssh_from_secret_range", "fail", "main.tf", 32, "")
}
SENSITIVE_PLAN_ONLY = {
    (r, "aws_security_group_rule.ssh_from_secret_range", "undetermined", "main.tf", 32, "")
    for r in ("IAC-AWS-SG-001", "IAC-AWS-SG-006")
}
DATA_SOURCES = {
    (
        "IAC-AWS-SG-001",
        "aws_security_group.ssh_open_to_world",
        "fail",
        "main.tf",
        15,
        "ingress[0]",
    ),
    (
        "IAC-AWS-VPC-003",
        "aws_instance.web",
        "fail",
        "main.tf",
        28,
        "associate_public_ip_address",
    ),
    # the existing subnet's route table is not in the plan: undetermined on both sides
    ("IAC-AWS-EXPOSURE-001", "aws_instance.web", "undetermined", "main.tf", 24, ""),
}


@pytest.mark.parametrize(
    ("scenario", "both", "hcl_only", "plan_only"),
    [
        ("modules", MODULES, set(), set()),
        ("changes", CHANGES, set(), CHANGES_PLAN_ONLY),
        ("sensitive", SENSITIVE_BOTH, SENSITIVE_HCL_ONLY, SENSITIVE_PLAN_ONLY),
        ("data_sources", DATA_SOURCES, set(), set()),
    ],
)
def test_plan_and_hcl_of_the_same_infrastructure_agree(scenario, both, hcl_only, plan_only):
    root = PLANS / scenario
    assert findings(scan_plan(scenario, scenario), root) == both | plan_only
    assert findings(scan_hcl(scenario), root) == both | hcl_only


def test_deleted_resources_are_not_scanned():
    result = scan_plan("changes", "changes")
    assert not [f for f in result.findings if "legacy" in f.resource]
    assert result.resource_count == 8


def test_changed_only_reports_on_created_resources_but_analyses_everything():
    result = scan_plan("changes", "changes", changed_only=True)
    # the unchanged group is not reported, but its open SSH still makes the new bastion
    # exposed: the analysis saw the whole planned graph
    assert findings(result, PLANS / "changes") == {
        ("IAC-AWS-EXPOSURE-001", "aws_instance.new_bastion", "fail", "main.tf", 43, ""),
        (
            "IAC-AWS-VPC-003",
            "aws_instance.new_bastion",
            "fail",
            "main.tf",
            47,
            "associate_public_ip_address",
        ),
    }
    assert result.suppressed == []


def test_suppression_comments_in_the_sources_apply_to_plan_findings():
    result = scan_plan("changes", "changes")
    assert sorted((f.rule_id, f.path) for f in result.suppressed) == [
        ("IAC-AWS-SG-008", "egress[0]"),
        ("IAC-AWS-SG-008", "ingress[0]"),
    ]


def test_without_sources_findings_point_at_the_plan_file():
    assert findings(scan_plan("format01")) == {
        (
            rule,
            "aws_security_group.ssh_open_to_world",
            "fail",
            "format01.plan.json",
            8,
            "ingress[0]",
        )
        for rule in ("IAC-AWS-SG-001", "IAC-AWS-SG-008")
    } | {
        (rule, f"module.web.aws_instance.this[{i}]", "fail", "format01.plan.json", line, path)
        for i, line in ((0, 45), (1, 67))
        for rule, path in (
            ("IAC-AWS-EXPOSURE-001", ""),
            ("IAC-AWS-VPC-003", "associate_public_ip_address"),
        )
    }


@pytest.mark.parametrize("fmt", ["table", "json", "sarif", "junit", "github"])
def test_no_report_prints_a_sensitive_value(fmt):
    args = ["scan", str(PLANS / "sensitive.plan.json"), "--source-dir", str(PLANS / "sensitive")]
    result = CliRunner().invoke(main, [*args, "--no-cache", "--format", fmt, "--show-undetermined"])
    assert result.exit_code == 1, result.output
    assert "IAC-AWS-SG-001" in result.output  # undetermined, listed
    assert "plan-fixture-secret" not in result.output and "0.0.0.0/0" not in result.output


def test_cli_changed_only_and_sarif_locations():
    args = ["scan", str(PLANS / "changes.plan.json"), "--source-dir", str(PLANS / "changes")]
    args += ["--path-base", str(PLANS)]
    result = CliRunner().invoke(main, [*args, "--changed-only", "--no-cache", "--format", "sarif"])
    assert result.exit_code == 1, result.output
    sarif = json.loads(result.output)
    located = sorted(
        (
            r["ruleId"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in sarif["runs"][0]["results"]
    )
    assert located == [
        ("IAC-AWS-EXPOSURE-001", "changes/main.tf", 43),
        ("IAC-AWS-VPC-003", "changes/main.tf", 47),
    ]


def test_explain_and_graph_take_a_plan():
    runner = CliRunner()
    plan = str(PLANS / "changes.plan.json")
    explained = runner.invoke(main, ["explain", "aws_instance.new_bastion", plan, "--no-cache"])
    assert explained.exit_code == 0, explained.output
    row = next(line for line in explained.output.splitlines() if " 22 " in line)
    assert row.split()[:4] == ["IPv4", "tcp", "22", "OPEN"]
    graph = runner.invoke(main, ["graph", plan, "--no-cache"])
    assert graph.exit_code == 0, graph.output
    ids = {node["id"] for node in json.loads(graph.output)["nodes"]}
    assert "aws_instance.new_bastion" in ids
    assert "aws_security_group.legacy_ssh_open_to_world" not in ids


TFPLAN = Path(os.environ.get("IACSCAN_TFPLAN", FIXTURES.parent.parent / "shared/tools/tfplan"))


def test_a_fresh_terraform_plan_gives_the_committed_findings(tmp_path):
    """The committed plan is what Terraform writes today (skipped without terraform)."""
    if shutil.which("terraform") is None or not TFPLAN.exists():
        pytest.skip("terraform or the tfplan tool is not available")
    out = tmp_path / "changes.plan.json"
    done = subprocess.run(
        [str(TFPLAN), str(PLANS / "changes"), str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode == 3:
        pytest.skip("the provider mirror is not available")
    assert done.returncode == 0, done.stderr[-2000:]
    fresh = scan([out], ScanOptions(use_cache=False, source_dir=PLANS / "changes"))
    assert findings(fresh, PLANS / "changes") == CHANGES | CHANGES_PLAN_ONLY
