"""Typed relations derived from reference edges: a table of known attributes, kept as data.

Each ``Relation`` row says: when a resource of ``resource_type`` (``*`` for any) refers to
another resource through ``attribute`` (an attribute path with ``[*]`` for list positions),
add an edge of ``kind``; ``reverse`` flips its direction (an ECS service's
``load_balancer[*].target_group_arn`` means the target group targets the service).
``Link`` rows describe association resources that join two others: the edge goes between the
two referenced resources, and remembers the association that created it.
Adding a relation is a new row, no new code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Relation:
    resource_type: str
    attribute: str
    kind: str
    reverse: bool = False


@dataclass(frozen=True, slots=True)
class Link:
    resource_type: str
    source_attribute: str
    target_attribute: str
    kind: str


_SUBNETS = (
    "subnet_id",
    "subnet_ids",
    "subnets",
    "vpc_zone_identifier",
    "network_configuration[*].subnets",
    "vpc_config[*].subnet_ids",
    "subnet_mapping[*].subnet_id",
    "network_interface[*].subnet_id",
)
_SECURITY_GROUPS = (
    "vpc_security_group_ids",
    "security_groups",
    "security_group_ids",
    "network_configuration[*].security_groups",
    "vpc_config[*].security_group_ids",
    "network_interfaces[*].security_groups",
    "remote_access[*].source_security_group_ids",
)

RELATIONS: tuple[Relation, ...] = (
    Relation("*", "vpc_id", "in_vpc"),
    *(Relation("*", attr, "in_subnet") for attr in _SUBNETS),
    *(Relation("*", attr, "has_security_group") for attr in _SECURITY_GROUPS),
    Relation("aws_security_group_rule", "security_group_id", "attached_to"),
    Relation("aws_vpc_security_group_ingress_rule", "security_group_id", "attached_to"),
    Relation("aws_vpc_security_group_egress_rule", "security_group_id", "attached_to"),
    Relation("aws_network_acl_rule", "network_acl_id", "attached_to"),
    Relation("aws_route", "route_table_id", "attached_to"),
    Relation("aws_lb_listener", "load_balancer_arn", "attached_to"),
    Relation("aws_alb_listener", "load_balancer_arn", "attached_to"),
    Relation("aws_lb_listener_rule", "listener_arn", "attached_to"),
    Relation("aws_eip", "instance", "attached_to"),
    Relation("aws_eip", "network_interface", "attached_to"),
    Relation("aws_ecr_repository_policy", "repository", "attached_to"),
    Relation("aws_ecr_lifecycle_policy", "repository", "attached_to"),
    Relation("aws_eks_node_group", "cluster_name", "attached_to"),
    Relation("aws_ecs_service", "cluster", "attached_to"),
    Relation("aws_ecs_service", "task_definition", "runs"),
    Relation("aws_db_instance", "db_subnet_group_name", "associated_with"),
    Relation("aws_rds_cluster", "db_subnet_group_name", "associated_with"),
    Relation("aws_elasticache_cluster", "subnet_group_name", "associated_with"),
    Relation("aws_launch_template", "network_interfaces[*].subnet_id", "in_subnet"),
    Relation("aws_autoscaling_group", "launch_template[*].id", "uses"),
    Relation("aws_autoscaling_group", "launch_configuration", "uses"),
    Relation("aws_route_table", "route[*].gateway_id", "routes_via"),
    Relation("aws_route_table", "route[*].nat_gateway_id", "routes_via"),
    Relation("aws_route_table", "route[*].egress_only_gateway_id", "routes_via"),
    Relation("aws_route_table", "route[*].transit_gateway_id", "routes_via"),
    Relation("aws_route_table", "route[*].vpc_peering_connection_id", "routes_via"),
    Relation("aws_route_table", "route[*].network_interface_id", "routes_via"),
    Relation("aws_default_route_table", "route[*].gateway_id", "routes_via"),
    Relation("aws_default_route_table", "route[*].nat_gateway_id", "routes_via"),
    Relation("aws_lb_listener", "default_action[*].target_group_arn", "targets"),
    Relation("aws_lb_listener", "default_action[*].forward[*].target_group[*].arn", "targets"),
    Relation("aws_alb_listener", "default_action[*].target_group_arn", "targets"),
    Relation("aws_lb_listener_rule", "action[*].target_group_arn", "targets"),
    Relation("aws_ecs_service", "load_balancer[*].target_group_arn", "targets", reverse=True),
    Relation("aws_autoscaling_group", "target_group_arns", "targets", reverse=True),
)

LINKS: tuple[Link, ...] = (
    Link("aws_route_table_association", "subnet_id", "route_table_id", "associated_with"),
    Link("aws_route_table_association", "gateway_id", "route_table_id", "associated_with"),
    Link("aws_main_route_table_association", "vpc_id", "route_table_id", "associated_with"),
    Link("aws_network_acl_association", "subnet_id", "network_acl_id", "associated_with"),
    Link("aws_route", "route_table_id", "gateway_id", "routes_via"),
    Link("aws_route", "route_table_id", "nat_gateway_id", "routes_via"),
    Link("aws_route", "route_table_id", "egress_only_gateway_id", "routes_via"),
    Link("aws_route", "route_table_id", "transit_gateway_id", "routes_via"),
    Link("aws_route", "route_table_id", "vpc_peering_connection_id", "routes_via"),
    Link("aws_route", "route_table_id", "network_interface_id", "routes_via"),
    Link("aws_lb_target_group_attachment", "target_group_arn", "target_id", "targets"),
    Link("aws_alb_target_group_attachment", "target_group_arn", "target_id", "targets"),
    Link("aws_autoscaling_attachment", "lb_target_group_arn", "autoscaling_group_name", "targets"),
    Link("aws_eip_association", "allocation_id", "instance_id", "attached_to"),
    Link("aws_eip_association", "allocation_id", "network_interface_id", "attached_to"),
    Link(
        "aws_network_interface_sg_attachment",
        "network_interface_id",
        "security_group_id",
        "has_security_group",
    ),
    Link("aws_network_interface_attachment", "network_interface_id", "instance_id", "attached_to"),
    Link("aws_iam_role_policy_attachment", "role", "policy_arn", "attached_to"),
    Link("aws_iam_instance_profile", "role", "role", "attached_to"),
)  # fmt: skip

RELATION_KINDS = frozenset(r.kind for r in RELATIONS) | frozenset(link.kind for link in LINKS)
