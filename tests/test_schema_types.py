"""Provider schema types and normalisations applied when resources are built."""

from __future__ import annotations

from conftest import by_address, load_fixture

from iacscan.model.values import Unknown
from iacscan.terraform.schema import convert


def test_values_take_their_schema_types():
    found = by_address(load_fixture("terraform/eval/schema_types"))
    assert found["aws_security_group.sg"].attrs["ingress"][0] == {
        "from_port": 80,
        "to_port": 80,
        "protocol": "tcp",
        "cidr_blocks": ["10.0.0.0/16"],
    }
    assert [b["protocol"] for b in found["aws_security_group.sg"].attrs["egress"]] == ["tcp"]
    assert {a: found[a].attrs["protocol"] for a in found if "security_group_rule." in a} == {
        "aws_security_group_rule.r6": "tcp",
        "aws_security_group_rule.rall": "-1",
        "aws_security_group_rule.rtcp": "tcp",
    }
    assert found["aws_security_group_rule.r6"].attrs["from_port"] == 443
    assert found["aws_vpc_security_group_ingress_rule.v"].attrs["ip_protocol"] == "6"
    assert found["aws_network_acl_rule.n"].attrs["rule_number"] == 100
    assert found["aws_network_acl_rule.n"].attrs["egress"] is False
    assert found["aws_lb.lb"].attrs["internal"] is True


def test_zero_dynamic_blocks_of_a_computed_attribute_are_unknown():
    found = by_address(load_fixture("terraform/eval/schema_types"))
    ingress = found["aws_default_security_group.d"].attrs["ingress"]
    assert isinstance(ingress, Unknown)
    assert "egress" not in found["aws_default_security_group.d"].attrs


def test_conversion_rules():
    assert convert("80", "number") == 80
    assert convert("1.5", "number") == 1.5
    assert convert("80 ", "number") == "80 "  # does not convert: left as written
    assert convert(6, "string") == "6"
    assert convert(2.5, "string") == "2.5"
    assert convert(True, "string") is True  # flags stay bools (see schema._to_string)
    assert convert(["1", "x"], "list(number)") == [1, "x"]
    assert convert({"a": "false"}, "map(bool)") == {"a": False}
    assert convert("yes", "bool") == "yes"
