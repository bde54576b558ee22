"""`iacscan scan` and `iacscan rules` through click's CliRunner: exact output and exit codes.

The CLI fixture is scanned with a test-only ruleset (``--rule 'IAC-TEST-*'``) so that these
outputs do not change as the built-in catalogue grows.
"""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from iacscan.cli import main

RULESET = str(FIXTURES.parent / "tests/data/rulesets/cli.yaml")
TARGET = str(FIXTURES / "cli")
GOLDEN = FIXTURES.parent / "tests/data/cli"
BASE = [TARGET, "--ruleset", RULESET, "--rule", "IAC-TEST-*", "--no-cache"]


@pytest.fixture(autouse=True)
def _from_the_repository_root(monkeypatch):
    """Report paths are relative to the current directory: pin it."""
    monkeypatch.chdir(FIXTURES.parent)


def scan(*args):
    return CliRunner().invoke(main, ["scan", *BASE, *args])


def test_table_exact_and_exit_1():
    result = scan()
    assert result.exit_code == 1
    assert result.stdout == (
        "fixtures/cli/main.tf\n"
        "severity    rule              resource                  line  title\n"
        "----------  ----------------  ----------------------  ------  -------------------------\n"
        "medium      IAC-TEST-CLI-001  aws_subnet.public_ips        8  Subnet maps public IPs\n"
        "critical    IAC-TEST-CLI-002  aws_security_group.web      15  Ingress from the internet\n"
        "\n"
        "2 findings (1 critical, 1 medium), 1 undetermined, 1 suppressed, 0 errors in 1 file, 5 resources\n"
    )


def test_json_report_fields():
    document = json.loads(scan("--format", "json").stdout)
    assert document["summary"] == {
        "files": 1,
        "resources": 5,
        "findings": 2,
        "undetermined": 1,
        "suppressed": 1,
        "errors": 0,
        "warnings": 0,
        "skipped": 0,
        "by_severity": {"critical": 1, "high": 0, "medium": 1, "low": 0, "info": 0},
    }
    assert [(f["rule_id"], f["resource"], f["file"], f["line"]) for f in document["findings"]] == [
        ("IAC-TEST-CLI-001", "aws_subnet.public_ips", "fixtures/cli/main.tf", 8),
        ("IAC-TEST-CLI-002", "aws_security_group.web", "fixtures/cli/main.tf", 15),
    ]


def test_fail_on_threshold_and_strict():
    assert scan("--fail-on", "critical").exit_code == 1
    only_medium = scan("--skip-rule", "IAC-TEST-CLI-002", "--fail-on", "high")
    assert only_medium.exit_code == 0
    assert scan("--skip-rule", "*", "--fail-on", "info", "--allow-no-rules").exit_code == 0
    strict = scan("--strict", "--format", "json")
    assert json.loads(strict.stdout)["summary"]["findings"] == 3


def test_min_severity_drops_findings():
    document = json.loads(scan("--min-severity", "high", "--format", "json").stdout)
    assert [f["rule_id"] for f in document["findings"]] == ["IAC-TEST-CLI-002"]


def test_baseline_reports_only_new_findings(tmp_path):
    baseline = tmp_path / "base.json"
    assert scan("--create-baseline", str(baseline), "-q").exit_code == 1
    again = scan("--baseline", str(baseline), "--format", "json")
    assert again.exit_code == 0
    assert json.loads(again.stdout)["summary"]["findings"] == 0


def test_config_file_sets_defaults_and_options_win(tmp_path):
    config = tmp_path / "conf.yml"
    config.write_text("fail_on: critical\nformat: json\nskip_rules: [IAC-TEST-CLI-002]\n")
    result = scan("--config", str(config))
    assert result.exit_code == 0
    assert json.loads(result.stdout)["summary"]["findings"] == 1
    assert scan("--config", str(config), "--fail-on", "low").exit_code == 1


def test_usage_errors_exit_2(tmp_path):
    assert CliRunner().invoke(main, ["scan", "--fail-on", "severe"]).exit_code == 2
    bad = tmp_path / "bad.yml"
    bad.write_text("rules:\n  - id: nope\n")
    result = CliRunner().invoke(main, ["scan", TARGET, "--ruleset", str(bad)])
    assert result.exit_code == 2
    assert result.stderr.startswith("iacscan: bad.yml: rule nope: title: required")


def test_unreadable_input_exits_2_unless_no_fail_on_error():
    broken = str(FIXTURES / "terraform/eval/parse_error")
    args = ["scan", broken, "--ruleset", RULESET, "--rule", "IAC-TEST-*", "--no-cache"]
    result = CliRunner().invoke(main, [*args, "--format", "json"])
    assert result.exit_code == 2
    assert "fixtures/terraform/eval/parse_error/broken.tf:5: unexpected" in result.stderr
    assert CliRunner().invoke(main, [*args, "--no-fail-on-error"]).exit_code == 0


def test_output_file_and_determinism(tmp_path):
    first, second = tmp_path / "a.sarif", tmp_path / "b.sarif"
    scan("--format", "sarif", "-o", str(first))
    scan("--format", "sarif", "-o", str(second))
    assert first.read_bytes() == second.read_bytes()
    assert json.loads(first.read_text())["version"] == "2.1.0"


def test_rules_catalogue_and_show():
    listing = CliRunner().invoke(main, ["rules", "--format", "json"])
    assert listing.exit_code == 0
    records = json.loads(listing.stdout)
    assert records and all({"id", "severity", "title", "references"} <= set(r) for r in records)
    first = records[0]["id"]
    shown = CliRunner().invoke(main, ["rules", "show", first])
    assert shown.exit_code == 0 and shown.stdout.startswith(first)
    assert CliRunner().invoke(main, ["rules", "show", "IAC-NOPE-000"]).exit_code == 2


def test_progress_bar_only_on_a_terminal_and_for_many_files(monkeypatch, capsys):
    from iacscan.cli_support import ParseProgress

    quiet = ParseProgress()
    quiet(1, 10)  # too few files: nothing shown
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    shown = ParseProgress()
    for done in range(1, 51):
        shown(done, 50)
    assert quiet.bar is None
    assert "parsing" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["table", "json", "sarif", "junit", "github"])
def test_every_format_matches_its_golden_file(fmt):
    """Exact CLI output per format; regenerate with IACSCAN_UPDATE_GOLDEN=1 and review."""
    result = scan("--format", fmt, "--show-undetermined", "--show-suppressed")
    assert result.exit_code == 1
    golden = GOLDEN / f"scan.{fmt}"
    # SARIF names the absolute base directory (the repository root): machine-specific.
    text = result.stdout.replace(FIXTURES.parent.resolve().as_uri(), "file:///REPO")
    if os.environ.get("IACSCAN_UPDATE_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text()


def test_pre_commit_style_file_arguments_scan_their_modules(tmp_path):
    """pre-commit passes changed files: a .tf or .tfvars file means its module directory."""
    module = tmp_path / "net"
    module.mkdir()
    (module / "main.tf").write_text(
        'variable "public" {\n  type = bool\n}\n'
        'resource "aws_subnet" "s" {\n  vpc_id = "vpc-1"\n  cidr_block = "10.0.0.0/24"\n'
        "  map_public_ip_on_launch = var.public\n}\n"
    )
    (module / "prod.auto.tfvars").write_text("public = true\n")
    (tmp_path / "README.md").write_text("not terraform\n")
    args = [
        "scan",
        "--ruleset",
        RULESET,
        "--rule",
        "IAC-TEST-CLI-001",
        "--no-cache",
        "--format",
        "json",
        "--path-base",
        str(module),
    ]
    for changed in (module / "prod.auto.tfvars", module / "main.tf"):
        result = CliRunner().invoke(main, [*args, str(changed)])
        assert result.exit_code == 1
        findings = json.loads(result.stdout)["findings"]
        assert [(f["resource"], f["file"], f["line"]) for f in findings] == [
            ("aws_subnet.s", "main.tf", 7)
        ]
    readme = str(tmp_path / "README.md")
    nothing = CliRunner().invoke(main, [*args, readme])
    assert nothing.exit_code == 2
    assert nothing.stderr == (
        f"iacscan: {readme}: not a Terraform (.tf, .tf.json, .tfvars), plan JSON or Compose file\n"
    )


def test_bad_inputs_are_reported_and_never_crash_the_scan(tmp_path):
    (tmp_path / "binary.tf").write_bytes(b"\xff\xfe\x00binary")
    (tmp_path / "empty.tf").write_text("")
    (tmp_path / "shape.tf.json").write_text('{"resource": "nope"}')
    (tmp_path / "broken.tf.json").write_text("{bad json")
    (tmp_path / "unterminated.tf").write_text('locals {\n  a = "${')
    (tmp_path / "long.tf").write_text("locals {\n  y = " + " + ".join(["1"] * 5000) + "\n}\n")
    (tmp_path / "ok.tf").write_text(
        'resource "aws_subnet" "s" {\n  map_public_ip_on_launch = true\n}\n'
    )
    args = ["scan", str(tmp_path), "--ruleset", RULESET, "--rule", "IAC-TEST-*", "--no-cache"]
    args += ["--path-base", str(tmp_path)]
    result = CliRunner().invoke(main, [*args, "--format", "json", "--no-fail-on-error"])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert [(e["file"], e["line"]) for e in document["errors"]] == [
        ("binary.tf", 1),
        ("broken.tf.json", 1),
        ("long.tf", 1),
        ("shape.tf.json", 1),
        ("unterminated.tf", 2),
    ]
    assert [f["resource"] for f in document["findings"]] == ["aws_subnet.s"]
    assert CliRunner().invoke(main, args).exit_code == 2


def test_exposure_findings_carry_structured_evidence_in_json():
    example = str(FIXTURES / "example")
    result = CliRunner().invoke(
        main, ["scan", example, "--rule", "IAC-AWS-EXPOSURE-001", "--no-cache", "--format", "json"]
    )
    first = json.loads(result.stdout)["findings"][0]
    assert (first["resource"], first["line"]) == ("aws_instance.web[0]", 97)
    assert first["evidence"] == {
        "verdict": "OPEN",
        "family": "IPv4",
        "protocol": "tcp",
        "ports": "22",
        "sources": ["0.0.0.0/0"],
        "path": [
            "internet",
            "aws_internet_gateway.igw",
            "aws_route_table.public",
            "aws_subnet.public[0]",
            "(default network ACL)",
            "aws_security_group.web",
            "aws_instance.web[0]",
        ],
        "blocked_by": [],
        "unknowns": [],
    }


def test_compose_file_and_profile_options_select_what_is_scanned(tmp_path) -> None:
    (tmp_path / "compose.yaml").write_text(
        "services:\n"
        "  web:\n    image: nginx:1.27\n"
        "  debug:\n    image: busybox:1.36\n    privileged: true\n    profiles: [debug]\n"
    )
    args = ["scan", str(tmp_path), "--rule", "IAC-COMPOSE-001", "--format", "json", "--no-cache"]
    everything = CliRunner().invoke(main, args)
    assert [f["resource"] for f in json.loads(everything.stdout)["findings"]] == ["service.debug"]
    web_only = CliRunner().invoke(main, [*args, "--profile", "web-only"])
    assert web_only.exit_code == 0
    assert json.loads(web_only.stdout)["findings"] == []


def test_nothing_readable_exits_2_even_without_fail_on_error(tmp_path):
    (tmp_path / "broken.tf").write_text('resource "aws_vpc" "v" {\n  cidr_block = \n}\n')
    result = CliRunner().invoke(main, ["scan", str(tmp_path), "--no-cache", "--no-fail-on-error"])
    assert result.exit_code == 2
    assert "broken.tf:" in result.stdout  # listed once, in the table (not again on stderr)
    assert result.stderr == ""
