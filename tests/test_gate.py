"""issue 12: as a gate, `iacscan scan` never passes silently and its reports land where
users look. Each test is one example from the issue, run through the real CLI."""

from __future__ import annotations

import json

import jsonschema
import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from iacscan.cli import main

RULESET = str(FIXTURES.parent / "tests/data/rulesets/cli.yaml")
TEST_RULES = ["--ruleset", RULESET, "--rule", "IAC-TEST-*"]
PRIVILEGED = "services:\n  app:\n    image: nginx:1.27\n    privileged: true\n"
OPEN_SG = (
    'resource "aws_security_group" "web" {\n'
    "  ingress {\n"
    "    from_port   = 22\n"
    "    to_port     = 22\n"
    '    protocol    = "tcp"\n'
    '    cidr_blocks = ["0.0.0.0/0"]\n'
    "  }\n"
    "}\n"
)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def run(*args: str):
    return CliRunner().invoke(main, [*args])


def scan_json(*args: str):
    result = run("scan", "--no-cache", "--format", "json", *args)
    return result, json.loads(result.stdout) if result.stdout.startswith("{") else None


# --- 1. input contract -----------------------------------------------------------------------


def test_a_named_compose_file_is_read_by_content(tmp_path):
    (tmp_path / "stack.yml").write_text(PRIVILEGED)
    result, document = scan_json("stack.yml", "--rule", "IAC-COMPOSE-001")
    assert result.exit_code == 1
    assert [(f["rule_id"], f["resource"], f["file"], f["line"]) for f in document["findings"]] == [
        ("IAC-COMPOSE-001", "service.app", "stack.yml", 4)
    ]


def test_a_named_file_that_is_no_iac_is_refused(tmp_path):
    (tmp_path / "notes.yml").write_text("title: not compose\n")
    result = run("scan", "notes.yml")
    assert result.exit_code == 2
    assert result.stderr == (
        "iacscan: notes.yml: not a Terraform (.tf, .tf.json, .tfvars), plan JSON or Compose file\n"
    )


def test_a_folder_without_iac_exits_2(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "README.md").write_text("hello\n")
    result = run("scan", "docs", "--format", "json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["errors"] == [
        {"file": "docs", "line": 0, "message": "no Terraform, plan or Compose files under docs"}
    ]
    assert "no Terraform, plan or Compose files under docs" in result.stderr


def test_skip_path_leaves_out_examples_and_counts_them(tmp_path):
    for name in ("infra", "examples/demo"):
        (tmp_path / name).mkdir(parents=True)
        (tmp_path / name / "sg.tf").write_text(OPEN_SG)
    args = ["scan", ".", "--rule", "IAC-TEST-CLI-002", "--ruleset", RULESET, "--no-cache"]
    result = run(*args, "--skip-path", "examples/")
    assert result.exit_code == 1
    assert "infra/sg.tf\n" in result.stdout and "examples" not in result.stdout.split("\n\n")[0]
    assert result.stdout.endswith("in 1 file, 1 resource (1 skipped by --skip-path)\n")
    document = json.loads(run(*args, "--skip-path", "examples", "--format", "json").stdout)
    assert document["skipped"] == ["examples/demo/sg.tf"]


# --- 3. unreadable input fails the gate; modules not installed are warnings --------------------


def test_unparsable_file_fails_the_gate_in_every_format(tmp_path):
    (tmp_path / "ok.tf").write_text(OPEN_SG)
    (tmp_path / "broken.tf").write_text('resource "aws_vpc" "v" {\n  cidr_block = \n}\n')
    base = ["scan", ".", *TEST_RULES, "--no-cache"]
    for fmt, needle in [
        ("json", '"file": "broken.tf"'),
        ("sarif", '"toolExecutionNotifications"'),
        ("junit", '<testcase classname="scan-errors" name="broken.tf:'),
        ("table", "Errors (1):\nbroken.tf:"),
        ("github", "::error file=broken.tf,"),
    ]:
        result = run(*base, "--format", fmt)
        assert result.exit_code == 2, fmt
        assert needle in result.stdout, fmt
    assert run(*base, "--no-fail-on-error").exit_code == 1
    (tmp_path / ".iacscan.yml").write_text("fail_on_error: false\n")
    assert run(*base).exit_code == 1


def test_modules_not_installed_are_one_warning_per_source(tmp_path):
    calls = "".join(
        f'module "{name}" {{\n  source = "cloudposse/label/null"\n}}\n' for name in ("a", "b")
    )
    (tmp_path / "main.tf").write_text(OPEN_SG + calls + 'module "c" {\n  source = "x/y/aws"\n}\n')
    result, document = scan_json(".", *TEST_RULES)
    assert result.exit_code == 1  # the finding decides, not the missing modules
    assert document["errors"] == []
    assert [w["message"] for w in document["warnings"]] == [
        "module source 'cloudposse/label/null' is not installed (2 calls: main.tf:9, main.tf:12);"
        " run `terraform init` to scan it (iacscan never downloads modules)",
        "module source 'x/y/aws' is not installed (1 call: main.tf:15); run `terraform init` to"
        " scan it (iacscan never downloads modules)",
    ]
    assert result.stderr.count("is not installed") == 2
    table = run("scan", ".", *TEST_RULES, "--no-cache")
    assert table.stdout.count("is not installed") == 2 and table.stderr == ""
    assert "1 finding (1 critical), 0 undetermined, 0 suppressed, 0 errors, 2 warnings" in (
        table.stdout
    )


# --- 4. paths where users look ------------------------------------------------------------------


def test_report_paths_are_relative_to_the_current_directory(tmp_path):
    (tmp_path / ".git").mkdir()  # a checkout: SARIF is relative to its root
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "sg.tf").write_text(OPEN_SG)
    _, document = scan_json("infra", *TEST_RULES)
    assert [f["file"] for f in document["findings"]] == ["infra/sg.tf"]
    sarif = json.loads(run("scan", "infra", *TEST_RULES, "--format", "sarif").stdout)
    (run_,) = sarif["runs"]
    assert run_["originalUriBaseIds"] == {"%SRCROOT%": {"uri": tmp_path.resolve().as_uri() + "/"}}
    location = run_["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "infra/sg.tf", "uriBaseId": "%SRCROOT%"}
    github = run("scan", "infra", *TEST_RULES, "--format", "github").stdout
    assert github.startswith("::error file=infra/sg.tf,line=2,")
    based = run("scan", "infra", *TEST_RULES, "--path-base", "infra", "--format", "github")
    assert based.stdout.startswith("::error file=sg.tf,line=2,")


# --- 5. evidence everywhere ---------------------------------------------------------------------


def test_exposure_evidence_in_sarif_code_flows_and_table(monkeypatch):
    monkeypatch.chdir(FIXTURES / "example")
    args = ["scan", ".", "--rule", "IAC-AWS-EXPOSURE-001", "--no-cache"]
    sarif = json.loads(run(*args, "--format", "sarif").stdout)
    schema = json.loads((FIXTURES.parent / "tests/data/sarif-schema-2.1.0-oasis.json").read_text())
    assert list(jsonschema.Draft4Validator(schema).iter_errors(sarif)) == []
    first = sarif["runs"][0]["results"][0]
    assert first["message"]["text"] == (
        "Workload reachable from the internet on an administrative port: aws_instance.web[0]"
        " (tcp 22 from 0.0.0.0/0 IPv4)"
    )
    (flow,) = first["codeFlows"]
    steps = [
        (
            s["location"]["message"]["text"],
            s["location"].get("physicalLocation", {}).get("region", {}).get("startLine"),
        )
        for s in flow["threadFlows"][0]["locations"]
    ]
    assert [hop for hop, _ in steps] == [
        "internet",
        "aws_internet_gateway.igw",
        "aws_route_table.public",
        "aws_subnet.public[0]",
        "(default network ACL)",
        "aws_security_group.web",
        "aws_instance.web[0]",
    ]
    assert steps[0][1] is None and steps[4][1] is None  # not blocks of the configuration
    assert all(line for _, line in steps[1:4] + steps[5:])
    table = run(*args).stdout.splitlines()
    row = next(i for i, line in enumerate(table) if "aws_instance.web[0]" in line)
    assert table[row + 1] == (
        "    tcp 22 (IPv4) from 0.0.0.0/0   path: internet -> aws_internet_gateway.igw"
        " -> aws_route_table.public -> aws_subnet.public[0] -> (default network ACL)"
        " -> aws_security_group.web -> aws_instance.web[0]"
    )


# --- 7./8. conventions, and mistakes refused with one line --------------------------------------


def test_soft_fail_help_quiet_and_summary_on_stderr(tmp_path):
    (tmp_path / "sg.tf").write_text(OPEN_SG)
    base = ["scan", ".", *TEST_RULES, "--no-cache"]
    assert run(*base, "--soft-fail").exit_code == 0
    for command in (["scan"], ["graph"], ["explain"], ["rules"], []):
        assert run(*command, "-h").exit_code == 0
        assert "-q, --quiet" in run(*command, "-h").stdout or not command
    written = run(*base, "-o", "report.json", "--format", "json")
    assert written.exit_code == 1
    assert written.stderr == (
        "1 finding (1 critical), 0 undetermined, 0 suppressed, 0 errors in 1 file, 1 resource\n"
    )
    assert run(*base, "-q", "-o", "quiet.json").stderr == ""


def test_several_outputs_in_one_run(tmp_path):
    (tmp_path / "sg.tf").write_text(OPEN_SG)
    result = run("scan", ".", *TEST_RULES, "--format", "sarif:out.sarif", "--format", "table")
    assert result.exit_code == 1
    assert result.stdout.startswith("sg.tf\n")
    assert json.loads((tmp_path / "out.sarif").read_text())["version"] == "2.1.0"
    lost = run("scan", ".", "--format", "sarif:a.sarif", "-o", "b.json")
    assert (lost.exit_code, lost.stderr) == (
        2,
        "iacscan: -o needs a --format without a FILE of its own to write\n",
    )
    both = run("scan", ".", "--format", "json", "--format", "table")
    assert (both.exit_code, both.stderr) == (
        2,
        "iacscan: only one --format may go to stdout/-o; give the others a FILE\n",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--var-file", "nope.tfvars"], "--var-file nope.tfvars: no such file"),
        (
            ["-o", "missing/out.json"],
            "cannot write missing/out.json: directory missing does not exist",
        ),
        (
            ["--create-baseline", "missing/base.json"],
            "cannot write missing/base.json: directory missing does not exist",
        ),
        (["--format", "xml"], "unknown format 'xml' (one of table, json, sarif, junit, github)"),
        (
            ["--rule", "iac-aws-sgg-001"],
            "rule 'iac-aws-sgg-001' matches no rule (did you mean IAC-AWS-SG-001?)",
        ),
        (
            ["--skip-rule", "*"],
            "the rule selection leaves no rule enabled (rules, skip_rules, skip_categories);"
            " use --allow-no-rules if that is intended",
        ),
    ],
)
def test_command_line_mistakes_exit_2_with_one_line(tmp_path, args, message):
    (tmp_path / "sg.tf").write_text(OPEN_SG)
    result = run("scan", ".", "--no-cache", *args)
    assert (result.exit_code, result.stderr) == (2, f"iacscan: {message}\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("format: xml\n", "format must be one of table, json, sarif, junit, github, got 'xml'"),
        ("fail_on: hgih\n", "fail_on must be one of info, low, medium, high, critical, got 'hgih'"),
        (
            "fail_on: urgent\n",
            "fail_on must be one of info, low, medium, high, critical, got 'urgent'",
        ),
        ("rules: [1]\n", "rules must be a list of strings, has 1"),
        ("vars: [a]\n", "vars must be a mapping of variable names to values, got list"),
        ("vars: {a: [1]}\n", "vars a must be a string, number or bool, got list"),
        ("var_files: [1]\n", "var_files must be a list of strings, has 1"),
        ("var_files: [../outside.tfvars]\n", "var_files '../outside.tfvars' is outside ."),
        ("var_files: [/etc/passwd]\n", "var_files '/etc/passwd' is outside ."),
        ("baseline: ../../base.json\n", "baseline '../../base.json' is outside ."),
        ("vars: " + "[" * 3000 + "]" * 3000 + "\n", "nested too deeply"),
    ],
)
def test_settings_mistakes_exit_2_with_one_line(tmp_path, text, message):
    (tmp_path / "sg.tf").write_text(OPEN_SG)
    (tmp_path / ".iacscan.yml").write_text(text)
    result = run("scan", ".", "--no-cache")
    assert result.exit_code == 2
    assert result.stderr.startswith("iacscan: .iacscan.yml: " + message)
    assert result.stderr.count("\n") == 1


def test_settings_that_switch_every_rule_off_are_an_error(tmp_path):
    (tmp_path / "sg.tf").write_text(OPEN_SG)
    for text in ("skip_rules: ['*']\n", "rules: ['NOPE-*']\n"):
        (tmp_path / ".iacscan.yml").write_text(text)
        result = run("scan", ".", "--no-cache")
        assert result.exit_code == 2
        assert result.stderr.endswith("(settings: .iacscan.yml)\n")
    (tmp_path / ".iacscan.yml").write_text("skip_rules: ['*']\n")
    allowed, document = scan_json(".", "--allow-no-rules")
    assert allowed.exit_code == 0
    assert document["settings"]["file"] == ".iacscan.yml"
    assert "IAC-AWS-SG-001" in document["settings"]["disabled_rules"]
    sarif = json.loads(run("scan", ".", "--allow-no-rules", "--format", "sarif").stdout)
    assert sarif["runs"][0]["properties"]["settingsFile"] == ".iacscan.yml"


def test_hardening_category_is_switched_off_in_one_line(tmp_path):
    (tmp_path / "compose.yaml").write_text("services:\n  app:\n    image: nginx:1.27\n")
    _, every = scan_json(".")
    assert {f["rule_id"] for f in every["findings"]} >= {"IAC-COMPOSE-010", "IAC-COMPOSE-017"}
    (tmp_path / ".iacscan.yml").write_text("skip_categories: [hardening]\n")
    _, document = scan_json(".")
    assert {f["rule_id"] for f in document["findings"]} == {"IAC-COMPOSE-014"}


def test_undeclared_var_is_a_warning(tmp_path):
    (tmp_path / "sg.tf").write_text(OPEN_SG)
    result, document = scan_json(".", *TEST_RULES, "--var", "regoin=eu-west-1")
    assert result.exit_code == 1
    assert document["warnings"] == [
        {
            "file": "<command line>",
            "line": 0,
            "message": "variable 'regoin' is set but no root module declares it",
        }
    ]


def test_no_traceback_from_graph_or_explain(tmp_path):
    (tmp_path / "sg.tf").write_text(OPEN_SG)
    result = run("graph", ".", "-o", "missing/graph.json")
    assert result.exit_code == 2
    assert result.stderr.startswith("iacscan: cannot write missing/graph.json: ")
    assert "Traceback" not in result.output


def test_security_group_rule_of_unknown_type_is_undetermined(tmp_path):
    (tmp_path / "main.tf").write_text(
        'variable "direction" {\n  type = string\n}\n'
        'resource "aws_security_group_rule" "ssh" {\n'
        "  type              = var.direction\n"
        '  security_group_id = "sg-1"\n'
        '  protocol          = "tcp"\n'
        "  from_port         = 22\n"
        "  to_port           = 22\n"
        '  cidr_blocks       = ["0.0.0.0/0"]\n'
        "}\n"
    )
    _, document = scan_json(".", *TEST_RULES, "--show-undetermined")
    assert document["findings"] == []
    assert [(f["rule_id"], f["resource"]) for f in document["undetermined"]] == [
        ("IAC-TEST-CLI-002", "aws_security_group_rule.ssh")
    ]


def test_a_variables_file_alone_is_a_warning_not_a_failure(tmp_path):
    """pre-commit passes a changed envs/prod.tfvars whose module is elsewhere."""
    (tmp_path / "envs").mkdir()
    (tmp_path / "envs" / "prod.tfvars").write_text('region = "eu-west-1"\n')
    result, document = scan_json("envs/prod.tfvars")
    assert result.exit_code == 0
    assert document["warnings"] == [
        {
            "file": "envs/prod.tfvars",
            "line": 0,
            "message": "variables file with no .tf files beside it: not read (give it as --var-file)",
        }
    ]


def test_a_module_finding_names_its_root_module(tmp_path):
    (tmp_path / "live" / "prod").mkdir(parents=True)
    (tmp_path / "modules" / "web").mkdir(parents=True)
    (tmp_path / "modules" / "web" / "sg.tf").write_text(OPEN_SG)
    (tmp_path / "live" / "prod" / "main.tf").write_text(
        'module "web" {\n  source = "../../modules/web"\n}\n'
    )
    _, document = scan_json(".", *TEST_RULES)
    assert [(f["resource"], f["file"], f["root"]) for f in document["findings"]] == [
        ("module.web.aws_security_group.web", "modules/web/sg.tf", "live/prod")
    ]
    sarif = json.loads(run("scan", ".", *TEST_RULES, "--format", "sarif").stdout)
    assert sarif["runs"][0]["results"][0]["properties"] == {"rootModule": "live/prod"}
    table = run("scan", ".", *TEST_RULES).stdout.splitlines()
    assert table[3].startswith("critical    IAC-TEST-CLI-002  module.web.aws_security_group.web")
    assert table[4] == "    root module: live/prod"


def test_network_findings_print_their_flow_evidence(monkeypatch):
    monkeypatch.chdir(FIXTURES / "example")
    table = run("scan", ".", "--rule", "IAC-AWS-SG-00[18]", "--no-cache").stdout.splitlines()
    assert table[3:6] == [
        "high        IAC-AWS-SG-001  aws_security_group.web                   67"
        "  Security group allows SSH from the internet",
        "    CIDR 0.0.0.0/0; ingress[1] allows tcp ports 22-22; exposure: aws_instance.web[0] OPEN"
        " from the internet; exposure: aws_instance.web[1] OPEN from the internet",
        "low         IAC-AWS-SG-008  aws_security_group.web                   75"
        "  Security group rule has no description",
    ]


def test_files_passed_under_a_skipped_path_pass_quietly(tmp_path):
    """pre-commit passes changed files; those under --skip-path are left out, not refused."""
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "sg.tf").write_text(OPEN_SG)
    result = run("scan", "examples/sg.tf", "--skip-path", "examples", "--no-cache")
    assert result.exit_code == 0
    assert result.stdout.endswith("0 errors in 0 files, 0 resources (1 skipped by --skip-path)\n")


def test_option_errors_are_one_line_too():
    result = run("scan", "--fail-on", "urgent")
    assert (result.exit_code, result.stderr) == (
        2,
        "iacscan: Invalid value for '--fail-on': 'urgent' is not one of 'info', 'low', 'medium',"
        " 'high', 'critical'. (see 'iacscan scan -h')\n",
    )
    assert run("graph", "--depth", "x").stderr.count("\n") == 1
