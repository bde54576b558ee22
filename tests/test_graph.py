"""The resource graph: reference edges with attribute paths and typed relations."""

from __future__ import annotations

from conftest import load_fixture

from iacscan.graph.builder import pattern_of


def edges(graph, kind=None):
    return sorted(
        (s, t, d.get("attribute", ""))
        for s, t, d in graph.edges(data=True)
        if kind is None or d["kind"] == kind
    )


def test_nodes_are_instance_addresses():
    graph = load_fixture("terraform/eval/network").graph
    assert "aws_subnet.public[1]" in graph
    assert 'module.service["db"].aws_security_group.this' in graph
    assert graph.nodes["aws_vpc.main"]["resource"].type == "aws_vpc"


def test_reference_edges_carry_the_attribute_path_across_modules():
    graph = load_fixture("terraform/eval/network").graph
    refs = edges(graph, "references")
    assert (
        "aws_instance.bastion",
        'module.service["api"].aws_security_group.this',
        "vpc_security_group_ids[1]",
    ) in refs
    assert (
        'module.service["api"].aws_security_group.this',
        "aws_security_group.admin",
        "ingress[1].security_groups[0]",
    ) in refs
    assert (
        'module.service["api"].aws_network_interface.this[0]',
        "aws_subnet.public[0]",
        "subnet_id",
    ) in refs


def test_typed_relations():
    graph = load_fixture("terraform/eval/network").graph
    assert edges(graph, "in_subnet") == [
        ("aws_instance.bastion", "aws_subnet.public[0]", "subnet_id"),
        (
            'module.service["api"].aws_network_interface.this[0]',
            "aws_subnet.public[0]",
            "subnet_id",
        ),
    ]
    assert edges(graph, "has_security_group") == [
        ("aws_instance.bastion", "aws_security_group.admin", "vpc_security_group_ids"),
        (
            "aws_instance.bastion",
            'module.service["api"].aws_security_group.this',
            "vpc_security_group_ids",
        ),
        (
            'module.service["api"].aws_network_interface.this[0]',
            'module.service["api"].aws_security_group.this',
            "security_groups",
        ),
    ]
    assert edges(graph, "associated_with") == [
        ("aws_subnet.public[0]", "aws_route_table.public", "route_table_id"),
        ("aws_subnet.public[1]", "aws_route_table.public", "route_table_id"),
    ]
    assert edges(graph, "routes_via") == [
        ("aws_route_table.public", "aws_internet_gateway.gw", "route[*].gateway_id"),
    ]
    in_vpc = {s for s, t, _ in edges(graph, "in_vpc")}
    assert in_vpc == {
        "aws_internet_gateway.gw",
        "aws_route_table.public",
        "aws_security_group.admin",
        "aws_subnet.public[0]",
        "aws_subnet.public[1]",
        'module.service["api"].aws_security_group.this',
        'module.service["db"].aws_security_group.this',
    }


def test_refs_inside_unknowns_still_make_edges():
    graph = load_fixture("terraform/eval/unknowns").graph
    assert ("aws_eip.web", "aws_instance.unknown_count", "tags.Target") in edges(
        graph, "references"
    )
    assert ("aws_security_group.from_variable", "data.aws_vpc.existing", "vpc_id") in edges(
        graph, "in_vpc"
    )


def test_attribute_patterns():
    assert pattern_of("network_configuration[0].subnets[1]") == "network_configuration[*].subnets"
    assert pattern_of('tags["a"]') == "tags"
    assert pattern_of("vpc_id") == "vpc_id"
