"""The condition vocabulary on hand-made subjects: three-valued semantics per operator."""

from __future__ import annotations

import networkx as nx
import pytest

from iacscan.model.values import Ref, Unknown
from iacscan.rules.compiler import compile_condition
from iacscan.rules.conditions import ConditionError, Subject, Tri, resolve

GRAPH = nx.MultiDiGraph()
UNSET = Unknown("variable 'x' has no value")


def value(condition, attrs):
    return compile_condition(condition)(Subject("r", "t", attrs), GRAPH).value


@pytest.mark.parametrize(
    ("condition", "attrs", "expected"),
    [
        ({"attribute": "a", "exists": True}, {"a": Ref("aws_x.y", "id")}, Tri.TRUE),
        ({"attribute": "a", "exists": True}, {"a": UNSET}, Tri.UNKNOWN),
        ({"attribute": "a", "missing": True}, {"a": []}, Tri.TRUE),
        ({"attribute": "a", "missing": True}, {"a": ""}, Tri.TRUE),
        ({"attribute": "a", "missing": True}, {}, Tri.TRUE),
        ({"attribute": "a", "equals": True}, {"a": "true"}, Tri.TRUE),
        ({"attribute": "a", "equals": 6}, {"a": "6"}, Tri.TRUE),
        ({"attribute": "a", "equals": "x"}, {"a": UNSET}, Tri.UNKNOWN),
        ({"attribute": "a", "not_equals": False}, {}, Tri.TRUE),
        ({"attribute": "a", "in": ["x", "y"]}, {"a": "y"}, Tri.TRUE),
        ({"attribute": "a", "not_in": ["x", "y"]}, {"a": "z"}, Tri.TRUE),
        (
            {"attribute": "a", "matches": "^ELBSecurityPolicy-2016"},
            {"a": "ELBSecurityPolicy-2016-08"},
            Tri.TRUE,
        ),
        ({"attribute": "a", "contains": "x"}, {"a": ["y", UNSET]}, Tri.UNKNOWN),
        ({"attribute": "a", "contains": "x"}, {"a": ["y", "x"]}, Tri.TRUE),
        ({"attribute": "a", "greater_than": 3}, {"a": 4}, Tri.TRUE),
        ({"attribute": "a", "less_than": 3}, {"a": "2"}, Tri.TRUE),
        ({"attribute": "c", "cidr_is_public": True}, {"c": ["10.0.0.0/8", "0.0.0.0/0"]}, Tri.TRUE),
        ({"attribute": "c", "cidr_is_public": True}, {"c": ["0.0.0.0/1"]}, Tri.TRUE),
        ({"attribute": "c", "cidr_is_public": True}, {"c": ["203.0.113.7/32"]}, Tri.FALSE),
        ({"attribute": "c", "cidr_is_public": True}, {"c": ["::/0"]}, Tri.TRUE),
        ({"attribute": "c", "cidr_is_public": True}, {"c": ["10.0.0.0/8", UNSET]}, Tri.UNKNOWN),
        (
            {"attribute": "c", "cidr": {"private": True, "max_prefix": 12}},
            {"c": ["10.0.0.0/8"]},
            Tri.TRUE,
        ),
        (
            {"attribute": "c", "cidr": {"private": True, "max_prefix": 12}},
            {"c": ["10.1.0.0/16"]},
            Tri.FALSE,
        ),
        ({"attribute": "b[*].x", "equals": 1}, {"b": [{"x": 2}, {"x": 1}]}, Tri.TRUE),
        (
            {"attribute": "b[*].x", "equals": 1, "quantifier": "all"},
            {"b": [{"x": 2}, {"x": 1}]},
            Tri.FALSE,
        ),
        ({"attribute": "b[*].x", "equals": 1}, {"b": {"x": 1}}, Tri.TRUE),
        (
            {"all": [{"attribute": "a", "equals": 1}, {"attribute": "b", "equals": 1}]},
            {"a": 0, "b": UNSET},
            Tri.FALSE,
        ),
        (
            {"all": [{"attribute": "a", "equals": 1}, {"attribute": "b", "equals": 1}]},
            {"a": 1, "b": UNSET},
            Tri.UNKNOWN,
        ),
        (
            {"any": [{"attribute": "a", "equals": 1}, {"attribute": "b", "equals": 1}]},
            {"a": 1, "b": UNSET},
            Tri.TRUE,
        ),
        ({"not": {"attribute": "a", "equals": 1}}, {"a": UNSET}, Tri.UNKNOWN),
        ({"port_in_range": 22}, {"protocol": "tcp", "from_port": 0, "to_port": 100}, Tri.TRUE),
        ({"port_in_range": 22}, {"protocol": "icmp", "from_port": 0, "to_port": 100}, Tri.FALSE),
        ({"port_in_range": 22}, {"protocol": "-1", "from_port": 0, "to_port": 0}, Tri.TRUE),
        (
            {"port_in_range": 22},
            {"protocol": "tcp", "from_port": UNSET, "to_port": 22},
            Tri.UNKNOWN,
        ),
        ({"all_ports": True}, {"protocol": "tcp", "from_port": 1, "to_port": 65535}, Tri.TRUE),
        (
            {"port_span_at_least": 100},
            {"protocol": "udp", "from_port": 1000, "to_port": 1099},
            Tri.TRUE,
        ),
    ],
)
def test_operators(condition, attrs, expected):
    assert value(condition, attrs) is expected


def test_paths_fan_out_and_stop_at_unknowns():
    attrs = {"ingress": [{"cidr": ["a"]}, UNSET], "tags": None}
    assert list(resolve(attrs, "ingress[*].cidr")) == [
        ("ingress[0].cidr", ["a"], True),
        ("ingress[1]", UNSET, True),
    ]
    assert list(resolve(attrs, "tags.Name")) == [("tags", None, False)]


def test_graph_conditions():
    from iacscan.model import Location, Resource

    graph = nx.MultiDiGraph()
    for address, rtype in (
        ("aws_instance.a", "aws_instance"),
        ("aws_security_group.s", "aws_security_group"),
    ):
        graph.add_node(
            address, resource=Resource(address, rtype, "x", "managed", {}, Location("m.tf", 1, 1))
        )
    graph.add_edge("aws_instance.a", "aws_security_group.s", kind="has_security_group")
    connected = {"connected": {"edge": "has_security_group", "to": "aws_security_group"}}
    lonely = {"not_connected": {"edge": "has_security_group"}}
    subject = Subject("aws_instance.a", "aws_instance", {}, "aws_instance.a")
    assert compile_condition(connected)(subject, graph).value is Tri.TRUE
    assert compile_condition(lonely)(subject, graph).value is Tri.FALSE


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ({}, "non-empty mapping"),
        ({"attribute": "a", "equals": 1, "in": [1]}, "exactly one operator"),
        ({"attribute": "a", "frobnicates": 1}, "unknown operator 'frobnicates'"),
        ({"equals": 1}, "needs an 'attribute' path"),
        ({"all": []}, "non-empty list"),
        ({"connected": "vpc"}, "needs a mapping with 'edge'"),
        ({"attribute": "a", "equals": 1, "quantifier": "most"}, "quantifier must be"),
    ],
)
def test_malformed_conditions(condition, message):
    with pytest.raises(ConditionError) as info:
        compile_condition(condition)
    assert message in str(info.value)
