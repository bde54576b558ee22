"""Expression attacks of issue 18: each ends in a reported, bounded outcome, and the rest of
the configuration is still scanned (the unrelated open security group is still found).

The sources are built at test time (``hostile_eval_cases.py``); ``benchmarks/hostile_eval.py``
measures the same cases' time and memory.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hostile_eval_cases import CASES, VICTIM, source

from iacscan.api import load
from iacscan.cli import main
from iacscan.model.values import Unknown
from iacscan.terraform.expressions import EvalError, Evaluator
from iacscan.terraform.functions import FunctionContext
from iacscan.terraform.hcl import parse_expression

OVER = "evaluation budget exceeded: "
EXPECTED_ERRORS = {  # case -> (line, message) of the one error the scan reports, or None
    "count_1e9": (
        2,
        "count: " + OVER + "count = 1,000,000,000 instances is over the budget of 10,000",
    ),
    "count_1e6": (2, "count: " + OVER + "count = 1,000,000 instances is over the budget of 10,000"),
    "count_1e999": (1, "count must be a whole number, got inf"),
    "count_nan": (1, "count must be a whole number, got nan"),
    "string_doubling": (19, "local.s17: " + OVER + "template result over 4,194,304 characters"),
    "replace_self": (15, "local.r: " + OVER + "replace() result over 4,194,304 characters"),
    "indent_huge": (25, "local.r: " + OVER + "indent() result over 4,194,304 characters"),
    "strrev_doubled": (24, "local.s22: " + OVER + "template result over 4,194,304 characters"),
    "strrev_unicode": (
        23,
        "local.r: " + OVER + "grapheme split of over 1,000,000 non-ASCII characters",
    ),
    "nested_for": (2, "local.r: " + OVER + "expression needs more than 1,000,000 evaluation steps"),
    "int_squaring": (12, "local.n10: " + OVER + "number with more than 1,000 digits"),
    "int_5000_digits": (2, "local.n: " + OVER + "number with more than 1,000 digits"),
    "regex_dotstar": None,  # RE2 answers in linear time: no match, no error
    "regex_digits": None,
}


def _victim_line(text: str) -> int:
    lines = text.splitlines()
    start = lines.index('resource "aws_security_group" "open_ssh_to_world" {')
    return start + 1 + next(i for i, line in enumerate(lines[start:]) if "ingress {" in line)


def test_every_case_has_an_expected_outcome():
    assert set(EXPECTED_ERRORS) == set(CASES)


@pytest.mark.parametrize("case", sorted(CASES))
def test_attack_is_reported_and_the_rest_is_still_scanned(case, tmp_path):
    text = source(case)
    (tmp_path / "main.tf").write_text(text)
    args = ["scan", str(tmp_path), "--no-cache", "--format", "json", "--rule", "IAC-AWS-SG-001"]
    result = CliRunner().invoke(main, [*args, "--path-base", str(tmp_path)])
    # a reported evaluation error keeps the gate red (exit 2); the findings are still there
    assert result.exit_code == (2 if EXPECTED_ERRORS[case] else 1), result.output
    report = json.loads(result.stdout)
    found = [(f["rule_id"], f["resource"], f["line"]) for f in report["findings"]]
    victim = "aws_security_group.open_ssh_to_world"
    assert found == [("IAC-AWS-SG-001", victim, _victim_line(text))]
    errors = [(e["file"], e["line"], e["message"]) for e in report["errors"]]
    expected = EXPECTED_ERRORS[case]
    assert errors == ([("main.tf", *expected)] if expected else [])


@pytest.mark.parametrize(
    "case", ["replace_self", "indent_huge", "int_5000_digits", "strrev_unicode"]
)
def test_value_past_a_budget_is_unknown_with_the_reason(case, tmp_path):
    (tmp_path / "main.tf").write_text(source(case))
    loaded = load([tmp_path], environ={}, jobs=1)
    bucket = next(r for r in loaded.resources if r.address == "aws_s3_bucket.hostile")
    value = bucket.attrs["tags"]["v"]
    assert isinstance(value, Unknown)
    assert value.reason == "evaluation error: " + EXPECTED_ERRORS[case][1].split(": ", 1)[1]


@pytest.mark.parametrize("case", ["count_1e9", "count_1e6"])
def test_count_past_the_budget_stands_for_an_unknown_number_of_instances(case, tmp_path):
    (tmp_path / "main.tf").write_text(source(case))
    loaded = load([tmp_path], environ={}, jobs=1)
    buckets = [r for r in loaded.resources if r.type == "aws_s3_bucket"]
    assert [(b.address, b.multiplicity_unknown, b.attrs["tags"]) for b in buckets] == [
        ("aws_s3_bucket.hostile", True, {"v": "x"})
    ]


class _NoNames:
    functions = FunctionContext(Path("."), Path("."))

    def resolve(self, root, steps, env):
        raise EvalError(f"unknown name {root!r}")


def _evaluate(text: str):
    return Evaluator(_NoNames()).evaluate(parse_expression(text), {})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1e999 % 1", "the result of % is out of range for these operands"),
        ("1.5 * " + "1" * 400, "the result of * is out of range for these operands"),
        ("1" * 400 + " / 3", "the result of / is out of range for these operands"),
        ('parseint("' + "9" * 1001 + '", 10)', OVER + "number with more than 1,000 digits"),
        ("pow(10, 400) * 2", "pow(): pow() result is not a real number"),
        ('"x${' + "9" * 1100 + '}"', OVER + "number with more than 1,000 digits"),
        ('tonumber("' + "9" * 1200 + '")', OVER + "number with more than 1,000 digits"),
        ('"' + "9" * 1200 + '" + 1', OVER + "number text of 1,200 characters"),
        ("floor(1e999 - 1e999)", "floor(): floor(): cannot convert float NaN to integer"),
        ('file("' + "x" * 5000 + '")', "file(): file(): cannot read the file: File name too long"),
        (
            '[for i in range(1000) : [for j in range(1000) : "${i}-${j}"]]',
            OVER + "expression needs more than 1,000,000 evaluation steps",
        ),
        ('regexall("", "' + "a" * 100_000 + '")', OVER + "regexall() with over 100,000 matches"),
        ('replace("' + "a" * 100_001 + '", "/a/", "")', OVER + "replace() with over 100,000 matches"),
        ('jsondecode("' + "[" * 150 + "]" * 150 + '")', OVER + "jsondecode() result nested over 100 levels"),
        ('yamldecode("' + "[" * 150 + "]" * 150 + '")', OVER + "yamldecode() result nested over 100 levels"),
        ('try(replace("' + "a" * 3000 + '", "a", "' + "b" * 3000 + '"), "fallback")',
         OVER + "replace() result over 4,194,304 characters"),
    ],
)  # fmt: skip
def test_operations_and_functions_fail_with_their_own_error(text, message):
    with pytest.raises(EvalError) as raised:
        _evaluate(text)
    assert str(raised.value).endswith(message), str(raised.value)


def test_modulo_keeps_the_sign_of_the_dividend_and_big_integers_exact():
    assert [_evaluate(t) for t in ("-7 % 3", "7 % -3", "7.5 % 2")] == [-1, 1, 1.5]
    assert _evaluate("1" + "0" * 400 + " % 7") == 10**400 % 7


BIG_MAP = '{ for p in setproduct(range(101), range(100)) : "${p[0]}-${p[1]}" => p[0] }'


def test_for_each_and_dynamic_blocks_past_the_instance_budget_are_reported(tmp_path):
    (tmp_path / "main.tf").write_text(
        f'resource "aws_s3_bucket" "per_key" {{\n  for_each = {BIG_MAP}\n  bucket = each.key\n}}\n'
        'resource "aws_security_group" "rules" {\n'
        '  name = "rules"\n'
        '  dynamic "ingress" {\n'
        f"    for_each = {BIG_MAP}\n"
        "    content {\n      from_port = ingress.value\n    }\n  }\n}\n"
    )
    loaded = load([tmp_path], environ={}, jobs=1)
    over = "evaluation budget exceeded: "
    assert [(e.line, e.message) for e in loaded.errors] == [
        (2, "for_each: " + over + "for_each of 10,100 instances is over the budget of 10,000"),
        (
            8,
            "for_each: "
            + over
            + "dynamic 'ingress' of 10,100 instances is over the budget of 10,000",
        ),
    ]
    found = {r.address: r for r in loaded.resources}
    assert found["aws_s3_bucket.per_key"].multiplicity_unknown
    ingress = found["aws_security_group.rules"].attrs["ingress"]
    assert len(ingress) == 1 and isinstance(ingress[0], Unknown)


def test_a_chain_of_locals_too_long_to_follow_is_an_error_not_a_crash(tmp_path):
    chain = "\n".join(f"  a{i} = local.a{i + 1}" for i in range(3000))
    text = f'locals {{\n{chain}\n  a3000 = "end"\n}}\n' + _bucket_tagged("local.a0") + VICTIM
    (tmp_path / "main.tf").write_text(text)
    result = CliRunner().invoke(main, ["scan", str(tmp_path), "--no-cache", "--format", "json"])
    report = json.loads(result.stdout)
    assert [(e["line"], e["message"]) for e in report["errors"]] == [
        (3006, "tags: expression nested too deeply")
    ]
    assert ("IAC-AWS-SG-001", _victim_line(text)) in {
        (f["rule_id"], f["line"]) for f in report["findings"]
    }


def _bucket_tagged(value: str) -> str:
    return (
        f'resource "aws_s3_bucket" "hostile" {{\n  bucket = "b"\n  tags = {{ v = {value} }}\n}}\n'
    )
