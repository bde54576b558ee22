"""Views: what a rule's ``target`` evaluates over, beyond whole resources.

A view turns the neutral model into records that one condition can judge, such as one
security-group rule whatever Terraform form wrote it. Views are registered in one table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import networkx as nx

from iacscan.containers import ecs, kubernetes
from iacscan.graph.firewalls.records import all_rules as all_firewall_rules
from iacscan.graph.network_acls import all_entries
from iacscan.graph.security_groups import all_rules
from iacscan.model import Resource
from iacscan.model.values import Ref, Unknown, is_unknown, iter_refs
from iacscan.rules.conditions import Subject

View = Callable[[list[Resource], nx.MultiDiGraph, dict[str, str]], list[Subject]]


def resources_view(
    resources: list[Resource], graph: nx.MultiDiGraph, node_ids: dict[str, str]
) -> list[Subject]:
    """Managed resources: a ``data "aws_instance"`` shares its type with the resource, but
    its arguments are lookup filters, so resource rules must never judge it."""
    subjects = []
    for resource in resources:
        if resource.mode == "managed":
            node = node_ids[f"{resource.root}:{resource.address}"]
            subjects.append(Subject(node, resource.type, resource.attrs, node))
    return subjects


def security_group_rules_view(
    resources: list[Resource], graph: nx.MultiDiGraph, node_ids: dict[str, str]
) -> list[Subject]:
    """One record per SG rule, whichever of Terraform's three forms wrote it."""
    subjects = []
    for rule in all_rules(resources):
        node = node_ids[f"{rule.owner.root}:{rule.owner.address}"]
        prefix = f"{rule.path}." if rule.path else ""
        subjects.append(Subject(node, rule.owner.type, rule.attrs(), node, prefix, record=True))
    return subjects


def firewall_rules_view(
    resources: list[Resource], graph: nx.MultiDiGraph, node_ids: dict[str, str]
) -> list[Subject]:
    """One record per GCP firewall ``allow``/``deny`` block and per Azure NSG rule; rules
    tell the clouds apart by the record's ``cloud``."""
    subjects = []
    for rule in all_firewall_rules(resources):
        node = node_ids[f"{rule.owner.root}:{rule.owner.address}"]
        prefix = f"{rule.path}." if rule.path else ""
        for attrs in rule.records():
            subjects.append(Subject(node, rule.owner.type, attrs, node, prefix, record=True))
    return subjects


def network_acl_rules_view(
    resources: list[Resource], graph: nx.MultiDiGraph, node_ids: dict[str, str]
) -> list[Subject]:
    """One record per NACL entry; ``extra`` carries every entry, for rule-order analyses."""
    entries = all_entries(resources)
    subjects = []
    for entry in entries:
        node = node_ids[f"{entry.owner.root}:{entry.owner.address}"]
        prefix = f"{entry.path}." if entry.path else ""
        extra = {"entry": entry, "entries": entries}
        subjects.append(
            Subject(node, entry.owner.type, entry.attrs(), node, prefix, extra, record=True)
        )
    return subjects


ROUTE_TARGETS = (
    "gateway_id",
    "nat_gateway_id",
    "egress_only_gateway_id",
    "transit_gateway_id",
    "vpc_peering_connection_id",
    "network_interface_id",
    "vpc_endpoint_id",
    "carrier_gateway_id",
    "local_gateway_id",
    "core_network_arn",
    "instance_id",
)
ROUTE_TABLES = ("aws_route_table", "aws_default_route_table")


def routes_view(
    resources: list[Resource], graph: nx.MultiDiGraph, node_ids: dict[str, str]
) -> list[Subject]:
    """One record per route, whether an ``aws_route`` or an inline ``route`` block.

    A record has ``destinations`` (IPv4 and IPv6 CIDRs) and ``target``: the name of the one
    target attribute that is set (``vpc_peering_connection_id``...). A Ref counts as set: a
    route that names another resource's id targets it, even though the id is known later.
    ``route`` is the block as written, for rules that ask whether an attribute is set.
    """
    subjects = []
    for resource in (r for r in resources if r.mode == "managed"):
        node = node_ids[f"{resource.root}:{resource.address}"]
        if resource.type == "aws_route":
            v4, v6 = "destination_cidr_block", "destination_ipv6_cidr_block"
            blocks: list[tuple[str, Any]] = [("", resource.attrs)]
        elif resource.type in ROUTE_TABLES:
            v4, v6, routes = "cidr_block", "ipv6_cidr_block", resource.attrs.get("route")
            items = routes if isinstance(routes, list) else [routes] if is_unknown(routes) else []
            blocks = [(f"route[{i}].", block) for i, block in enumerate(items)]
        else:
            continue
        for prefix, block in blocks:
            attrs = _route(block, v4, v6)
            subjects.append(Subject(node, resource.type, attrs, node, prefix, record=True))
    return subjects


def _route(block: Any, v4: str, v6: str) -> dict[str, Any]:
    """A route as rules see it; an Unknown target only when no known target is set."""
    if not isinstance(block, dict):  # a dynamic block over an unknown collection
        return {"destinations": [block], "target": block, "route": block}
    targets = [name for name in ROUTE_TARGETS if block.get(name) not in (None, "")]
    known = [name for name in targets if not isinstance(block[name], Unknown)]
    target = known[0] if known else block[targets[0]] if targets else None
    destinations = [block[k] for k in (v4, v6) if block.get(k) is not None]
    return {"destinations": destinations, "target": target, "route": block}


def ecs_containers_view(
    resources: list[Resource], graph: nx.MultiDiGraph, node_ids: dict[str, str]
) -> list[Subject]:
    """One subject per container of an ``aws_ecs_task_definition``, with ECS's JSON field
    names (``privileged``, ``linuxParameters.capabilities.add``), so a finding names the
    container. Positions found inside a heredoc travel as the subject's ``lines``; the
    resource itself is never changed."""
    subjects = []
    for resource in _managed(resources, ("aws_ecs_task_definition",)):
        node = node_ids[f"{resource.root}:{resource.address}"]
        for container in ecs.containers(resource):
            prefix = container.path + ("." if isinstance(container.attrs, dict) else "")
            extra = {"container": container, "lines": container.lines}
            subjects.append(Subject(node, resource.type, container.attrs, node, prefix, extra))
    return subjects


def kubernetes_pods_view(
    resources: list[Resource], graph: nx.MultiDiGraph, node_ids: dict[str, str]
) -> list[Subject]:
    """One subject per pod spec of a ``kubernetes_*`` workload, at whatever depth its kind
    nests it (``spec``, ``spec.template.spec``, ``spec.job_template.spec.template.spec``)."""
    subjects = []
    for resource in _managed(resources, kubernetes.WORKLOAD_TYPES):
        node = node_ids[f"{resource.root}:{resource.address}"]
        for pod in kubernetes.pod_specs(resource):
            prefix = pod.path + ("." if isinstance(pod.attrs, dict) else "")
            subjects.append(Subject(node, resource.type, pod.attrs, node, prefix, {"pod": pod}))
    return subjects


def kubernetes_containers_view(
    resources: list[Resource], graph: nx.MultiDiGraph, node_ids: dict[str, str]
) -> list[Subject]:
    """One subject per container and init container of a ``kubernetes_*`` workload;
    ``extra["container"]`` keeps its pod spec for settings inherited from the pod."""
    subjects = []
    for resource in _managed(resources, kubernetes.WORKLOAD_TYPES):
        node = node_ids[f"{resource.root}:{resource.address}"]
        for pod in kubernetes.pod_specs(resource):
            for container in kubernetes.containers(pod):
                prefix = container.path + ("." if isinstance(container.attrs, dict) else "")
                extra = {"container": container}
                subjects.append(Subject(node, resource.type, container.attrs, node, prefix, extra))
    return subjects


def eks_node_launch_templates_view(
    resources: list[Resource], graph: nx.MultiDiGraph, node_ids: dict[str, str]
) -> list[Subject]:
    """Launch templates that an ``aws_eks_node_group`` uses (``launch_template[*].id`` or
    ``.name`` referring to it): EKS node settings live there, not on the node group."""
    used: set[tuple[str, str]] = set()
    for group in _managed(resources, ("aws_eks_node_group",)):
        for ref in iter_refs(group.attrs.get("launch_template")):
            if isinstance(ref, Ref):
                used.add((group.root, ref.address))
    subjects = []
    for resource in _managed(resources, ("aws_launch_template",)):
        if (resource.root, resource.address) in used:
            node = node_ids[f"{resource.root}:{resource.address}"]
            subjects.append(Subject(node, resource.type, resource.attrs, node))
    return subjects


def _managed(resources: list[Resource], types: tuple[str, ...]) -> list[Resource]:
    return [r for r in resources if r.mode == "managed" and r.type in types]


VIEWS: dict[str, View] = {
    "resources": resources_view,
    "security_group_rules": security_group_rules_view,
    "network_acl_rules": network_acl_rules_view,
    "firewall_rules": firewall_rules_view,
    "routes": routes_view,
    "ecs_containers": ecs_containers_view,
    "kubernetes_pods": kubernetes_pods_view,
    "kubernetes_containers": kubernetes_containers_view,
    "eks_node_launch_templates": eks_node_launch_templates_view,
}
