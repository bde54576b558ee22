"""The expression evaluator on its own: three-valued operators, errors, and references."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacscan.model.values import Ref, Unknown
from iacscan.terraform.expressions import EvalError, Evaluator, ResourceValue
from iacscan.terraform.functions import FunctionContext
from iacscan.terraform.hcl import parse_expression

VPC = ResourceValue("aws_vpc.main", {"cidr_block": "10.0.0.0/16", "tags": {"Name": "main"}})
MANY = ResourceValue("aws_instance.web", {"ami": "ami-1"}, multi=True)


class FakeScope:
    """Resolves ``var.*`` from a dict and two resources, like a module instance would."""

    functions = FunctionContext(Path("."), Path("."), None)

    def __init__(self, variables):
        self.variables = variables

    def resolve(self, root, steps, env):
        if root == "var":
            return self.variables[steps[0][1]], 1
        if root == "aws_vpc":
            return VPC, 1
        if root == "aws_instance":
            return MANY, 1
        raise EvalError(f"unknown name {root!r}")


UNSET = Unknown("variable 'x' has no value")


def ev(text, **variables):
    return Evaluator(FakeScope({"unset": UNSET, **variables})).eval(parse_expression(text), {})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("var.unset + 1", Unknown("operator + on an unknown value")),
        ("var.unset == 1", Unknown("comparison == of an unknown value")),
        ("false && var.unset", False),
        ("var.unset || true", True),
        ("var.unset && true", Unknown("operator && on an unknown value")),
        ("!var.unset", Unknown("operator ! on an unknown value")),
        ('"a-${var.unset}"', Unknown("template with an unknown part")),
        ("[for x in var.unset : x]", Unknown("for expression over an unknown collection")),
        ("var.unset[0]", UNSET),
        ("var.unset[*].id", Unknown("splat of an unknown value")),
        ("try(var.unset, 1)", UNSET),
        ("can(var.unset)", Unknown("can() of an unknown value")),
        (
            "length(aws_instance.web)",
            Unknown("length() of an unknown value", frozenset({Ref("aws_instance.web", "")})),
        ),
    ],
)
def test_unknowns_propagate_and_never_raise(text, expected):
    assert ev(text) == expected


def test_conditional_on_an_unknown_keeps_the_references_of_both_branches():
    result = ev("var.unset ? aws_vpc.main.id : aws_instance.web[0].arn")
    assert result == Unknown(
        "condition is unknown",
        frozenset({Ref("aws_vpc.main", "id"), Ref("aws_instance.web", "arn")}),
    )


def test_resource_attributes_known_when_configured_else_refs():
    assert ev("aws_vpc.main.cidr_block") == "10.0.0.0/16"
    assert ev('aws_vpc.main.tags["Name"]') == "main"
    assert ev("aws_vpc.main.arn") == Ref("aws_vpc.main", "arn")
    assert ev("aws_vpc.main.ipv6_association[0].id") == Ref(
        "aws_vpc.main", "ipv6_association[0].id"
    )
    assert ev('aws_vpc.main.outputs["k"]') == Ref("aws_vpc.main", 'outputs["k"]')
    assert ev("aws_instance.web[3].ami") == "ami-1"
    assert ev("aws_instance.web[*].id") == Unknown(
        "splat over a resource with unknown count", frozenset({Ref("aws_instance.web", "id")})
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10 / 4", 2.5),
        ("10 / 5", 2),
        ('"3" + 2', 5),
        ("1 == 1.0", True),
        ('1 == "1"', False),
        ("[1, 2] == [1, 2]", True),
        ("{a = 1} != {a = 1}", False),
        ("5 % 3", 2),
        ("-(2 * 3)", -6),
        ("null == null", True),
        ('"x" == null', False),
        ('[for i, v in ["a", "b"] : "${i}${v}"]', ["0a", "1b"]),
        ("{for k, v in {b = 2, a = 1} : v => k}", {"1": "a", "2": "b"}),
        ("[for v in [1, 2, 3] : v if v > 1]", [2, 3]),
        ("null[*]", []),
        ('"${null}"', None),
        ('"x"[*]', ["x"]),
        ('try(var.missing.x, "fallback")', "fallback"),
        ("can(1 / 0)", False),
        ("can(1)", True),
        ("[1, 2][1]", 2),
        ("true ? 1 : 2", 1),
        ('"true" ? 1 : 2', 1),
    ],
)
def test_known_values(text, expected):
    assert ev(text, missing={}) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1 / 0", "division by zero"),
        ("5 % 0", "modulo by zero"),
        ('"a" + 1', "a number is required, got string"),
        ("[1][2]", "index 2 out of range for a list of 1 elements"),
        ('{a = 1}["b"]', "the map has no element for key 'b'"),
        ("null.x", "attempt to get attribute 'x' from a null value"),
        ("(1).x", "unsupported attribute 'x' on a number value"),
        ('"a${null}"', "a null value cannot be used in a string template"),
        ("{a = 1}.b", "this object does not have an attribute named 'b'"),
        (
            "{for v in [1, 1] : v => v}",
            "duplicate object key '1' in for expression (use ... to group)",
        ),
        ("nope.x", "unknown name 'nope'"),
        ("upper(1, 2)", "upper(): "),
        ("max([1]...)", ""),
        ("try(nope.x)", "no try() argument succeeded: unknown name 'nope'"),
        ("1 ? 2 : 3", "a bool is required, got number"),
    ],
)
def test_errors_terraform_would_report(text, message):
    if message == "":
        assert ev(text) == 1
        return
    with pytest.raises(EvalError) as info:
        ev(text)
    assert str(info.value).startswith(message)


def test_unsupported_functions_are_unknown_not_errors():
    value = ev("timestamp()")
    assert isinstance(value, Unknown)
    assert isinstance(ev('provider::aws::arn_parse("x")'), Unknown)


def test_computed_attributes_inside_configured_nested_blocks_are_refs():
    cluster = ResourceValue("aws_eks_cluster.this", {"vpc_config": [{"subnet_ids": ["s-1"]}]})

    class Scope(FakeScope):
        def resolve(self, root, steps, env):
            return (cluster, 1) if root == "aws_eks_cluster" else super().resolve(root, steps, env)

    evaluator = Evaluator(Scope({}))
    value = evaluator.eval(
        parse_expression("aws_eks_cluster.this.vpc_config[0].cluster_security_group_id"), {}
    )
    assert value == Ref("aws_eks_cluster.this", "vpc_config[0].cluster_security_group_id")
    subnets = evaluator.eval(parse_expression("aws_eks_cluster.this.vpc_config[0].subnet_ids"), {})
    assert subnets == ["s-1"]
