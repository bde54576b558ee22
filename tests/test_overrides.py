"""Override files (Terraform's merge) and variable validation blocks."""

from __future__ import annotations

from conftest import by_address, load_fixture

from iacscan.model import ScanError


def test_override_files_merge_into_the_blocks_they_name():
    result = load_fixture("terraform/eval/overrides")
    assert result.errors == []
    web = by_address(result)["aws_security_group.web"]
    assert web.attrs == {
        "name": "overridden",
        "description": "from web_override",
        "tags": {"Env": "staging"},
        "egress": [{"from_port": 0, "to_port": 0, "protocol": "-1", "cidr_blocks": ["0.0.0.0/0"]}],
        "ingress": [
            {"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": ["10.0.0.0/8"]}
        ],
    }
    # Lines written in an override file are not attributed to main.tf: the block's line is used.
    assert web.location_of("ingress[0].cidr_blocks").line == web.location.line
    assert web.location_of("egress[0].cidr_blocks").line == 36


def test_an_override_without_a_base_block_is_an_error(tmp_path):
    (tmp_path / "main.tf").write_text('resource "aws_vpc" "a" {\n  cidr_block = "10.0.0.0/16"\n}\n')
    (tmp_path / "x_override.tf").write_text(
        'resource "aws_vpc" "b" {\n  cidr_block = "10.1.0.0/16"\n}\n'
        'locals {\n  missing = 1\n}\nterraform {\n  required_version = ">= 1.0"\n}\n'
    )
    result = load_fixture(str(tmp_path))
    assert result.errors == [
        ScanError(
            "x_override.tf", 1, 'override of resource "aws_vpc" "b": no such block to override'
        ),
        ScanError("x_override.tf", 5, "no local.missing to override"),
    ]
    assert by_address(result)["aws_vpc.a"].attrs == {"cidr_block": "10.0.0.0/16"}


def test_validations_that_hold_or_are_unknown_report_nothing(tmp_path):
    (tmp_path / "main.tf").write_text(
        'variable "port" {\n  type = number\n  default = 443\n'
        '  validation {\n    condition = var.port > 0\n    error_message = "bad"\n  }\n}\n'
        'variable "cidr" {\n  type = string\n'
        '  validation {\n    condition = can(cidrhost(var.cidr, 0))\n    error_message = "x"\n  }\n}\n'
    )
    assert load_fixture(str(tmp_path)).errors == []


def test_a_module_input_failing_validation_names_the_module(tmp_path):
    (tmp_path / "child").mkdir()
    (tmp_path / "child/main.tf").write_text(
        'variable "n" {\n  type = number\n'
        '  validation {\n    condition = var.n < 3\n    error_message = "n is ${var.n}, above 2."\n  }\n}\n'
    )
    (tmp_path / "main.tf").write_text('module "c" {\n  source = "./child"\n  n      = 5\n}\n')
    assert load_fixture(str(tmp_path)).errors == [
        ScanError(
            "child/main.tf",
            1,
            "module.c.var.n: invalid value for variable: n is 5, above 2. (validation rule at line 3)",
            "eval",
        )
    ]
