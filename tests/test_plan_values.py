"""Values of one planned instance: unknown marks, secrets and nested blocks, on small inputs."""

from __future__ import annotations

from iacscan.model.values import Ref, Unknown
from iacscan.terraform.plan_refs import Target, references_of
from iacscan.terraform.plan_values import ValueBuilder

TARGETS = {
    "aws_security_group.a.id": [Target("aws_security_group.a", "id")],
    "aws_security_group.b.id": [Target("aws_security_group.b", "id")],
    "aws_subnet.s": [Target("aws_subnet.s[0]", "", True), Target("aws_subnet.s[1]", "", True)],
}
KNOWN = {("aws_security_group.a", "id"): "sg-000a"}


def builder() -> ValueBuilder:
    def resolve(expr):
        return [t for ref in references_of(expr) for t in TARGETS.get(ref, [])]

    return ValueBuilder(resolve, lambda address, attribute: KNOWN.get((address, attribute)))


def refs(*names: str) -> dict:
    return {"references": list(names)}


def test_a_scalar_with_several_targets_is_an_unknown_that_keeps_them():
    attrs = builder().attrs(
        {},
        {"source_id": True},
        None,
        {"source_id": refs("aws_security_group.a.id", "aws_security_group.b.id")},
    )
    value = attrs["source_id"]
    assert isinstance(value, Unknown)
    assert value.refs == {Ref("aws_security_group.a", "id"), Ref("aws_security_group.b", "id")}
    assert value.reason.startswith("known after apply: derived from aws_security_group.a.id")


def test_an_unknown_index_is_said_and_a_list_name_is_not_guessed_into_a_list():
    attrs = builder().attrs({}, {"subnet_ids": True}, None, {"subnet_ids": refs("aws_subnet.s")})
    value = attrs["subnet_ids"]
    assert isinstance(value, Unknown)
    assert "(the plan does not say which index)" in value.reason


def test_unknowns_through_locals_name_the_reference():
    attrs = builder().attrs({}, {"vpc_id": True}, None, {"vpc_id": refs("local.vpc")})
    assert attrs["vpc_id"] == Unknown("known after apply (from local.vpc)")


def test_list_elements_unknown_configured_or_not():
    expressions = {"cidrs": refs("aws_security_group.a.id"), "configured": {}}
    attrs = builder().attrs(
        {"cidrs": ["10.0.0.0/8", None], "other": ["x", None]},
        {"cidrs": [False, True], "other": [False, True]},
        None,
        expressions,
    )
    assert attrs["cidrs"] == ["10.0.0.0/8", Ref("aws_security_group.a", "id")]
    assert attrs["other"] == ["x", Unknown("known after apply")]  # not configured: no guess


def test_nested_blocks_pair_with_the_block_whose_constants_agree():
    # Terraform orders set elements its own way: the second planned rule is the first block
    ingress = [
        {"from_port": {"constant_value": 443}, "security_groups": refs("aws_security_group.b.id")},
        {"from_port": {"constant_value": 22}, "security_groups": refs("aws_security_group.a.id")},
    ]
    attrs = builder().attrs(
        {"ingress": [{"from_port": 22}, {"from_port": 443}]},
        {"ingress": [{"security_groups": True}, {"security_groups": True}]},
        None,
        {"ingress": ingress},
    )
    assert attrs["ingress"] == [
        {"from_port": 22, "security_groups": [Ref("aws_security_group.a", "id")]},
        {"from_port": 443, "security_groups": [Ref("aws_security_group.b", "id")]},
    ]


def test_blocks_that_cannot_be_told_apart_share_their_references():
    ingress = [
        {"security_groups": refs("aws_security_group.a.id")},
        {"security_groups": refs("aws_security_group.b.id")},
    ]
    attrs = builder().attrs(
        {"ingress": [{"from_port": 1}, {"from_port": 2}]},
        {"ingress": [{"security_groups": True}, {}]},
        None,
        {"ingress": ingress},
    )
    assert attrs["ingress"][0]["security_groups"] == [
        Ref("aws_security_group.a", "id"),
        Ref("aws_security_group.b", "id"),
    ]
    assert attrs["ingress"][1] == {"from_port": 2}


def test_known_ids_join_only_on_identity_attributes():
    expressions = {
        "vpc_security_group_ids": refs("aws_security_group.a.id"),
        "name": refs("aws_security_group.a.id"),
    }
    attrs = builder().attrs(
        {"vpc_security_group_ids": ["sg-000a", "sg-other"], "name": "sg-other"}, {}, {}, expressions
    )
    assert attrs["vpc_security_group_ids"] == [Ref("aws_security_group.a", "id"), "sg-other"]
    assert attrs["name"] == "sg-other"


def test_secrets_win_over_everything_and_no_configuration_means_unknown():
    attrs = builder().attrs(
        {"password": "hunter2", "nested": [{"token": "t"}]},
        {"id": True},
        {"password": True, "nested": [{"token": True}]},
        None,
    )
    assert attrs == {
        "id": Unknown("known after apply"),
        "nested": [{"token": Unknown("sensitive value")}],
        "password": Unknown("sensitive value"),
    }
