"""Security-group rules in all three Terraform forms, normalized into one record type.

Terraform can write the same rule as an inline ``ingress``/``egress`` block, as an
``aws_security_group_rule`` resource, or as an ``aws_vpc_security_group_ingress_rule`` /
``_egress_rule`` resource; protocols appear as names or numbers (``-1``, ``all``, ``6``,
``tcp``). Rules and the exposure analysis read only ``SgRule`` records, so every form is
checked the same way and a finding points at the block or resource that opens the port.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from iacscan.model import Resource
from iacscan.model.values import Ref, Unknown, is_unknown

ALL = "-1"
PROTOCOL_NAMES = {"-1": ALL, "all": ALL, "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}
RULE_TYPES = (
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
)
SG_TYPES = ("aws_security_group", "aws_default_security_group")


@dataclass
class SgRule:
    """One allow rule. ``owner`` is the resource that declares it, ``path`` its block there."""

    owner: Resource
    path: str  # "ingress[1]" for inline rules, "" for a rule resource
    direction: str  # ingress | egress
    protocol: Any  # normalized name, "-1" for all, or an unknown
    from_port: Any
    to_port: Any
    cidr_blocks: list[Any] = field(default_factory=list)
    ipv6_cidr_blocks: list[Any] = field(default_factory=list)
    security_groups: list[Any] = field(default_factory=list)  # referenced groups (ids or Refs)
    prefix_list_ids: list[Any] = field(default_factory=list)
    self: Any = False
    description: Any = None
    group: Any = None  # the security group it belongs to: a Ref, an id, or the owner's Ref

    def attrs(self) -> dict[str, Any]:
        """The record as rule conditions see it."""
        return {
            "direction": self.direction,
            "protocol": self.protocol,
            "from_port": self.from_port,
            "to_port": self.to_port,
            "cidr_blocks": self.cidr_blocks,
            "ipv6_cidr_blocks": self.ipv6_cidr_blocks,
            "all_cidrs": self.cidr_blocks + self.ipv6_cidr_blocks,
            "security_groups": self.security_groups,
            "prefix_list_ids": self.prefix_list_ids,
            "self": self.self,
            "description": self.description,
        }


def normalize_protocol(value: Any) -> Any:
    if is_unknown(value) or value is None:
        return value
    text = str(value).strip().lower()
    return PROTOCOL_NAMES.get(text, text)


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return [v for v in value if v is not None]
    return [value]


def _ports(protocol: Any, low: Any, high: Any) -> tuple[Any, Any]:
    """All-protocol rules cover every port whatever the numbers say (AWS ignores them)."""
    if protocol == ALL:
        return 0, 65535
    return low, high


def unknown_rule(sg: Resource, path: str, direction: str, value: Any) -> SgRule:
    """A dynamic block over an unknown collection: every field is that unknown, so no rule
    and no analysis can pass it silently."""
    return SgRule(
        owner=sg,
        path=path,
        direction=direction,
        protocol=value,
        from_port=value,
        to_port=value,
        cidr_blocks=[value],
        ipv6_cidr_blocks=[value],
        security_groups=[value],
        prefix_list_ids=[value],
        self=value,
        description=value,
        group=Ref(sg.address, "id"),
    )


def inline_rules(sg: Resource) -> list[SgRule]:
    rules = []
    for direction in ("ingress", "egress"):
        blocks = sg.attrs.get(direction)
        if is_unknown(blocks):
            rules.append(unknown_rule(sg, direction, direction, blocks))
        for i, block in enumerate(blocks if isinstance(blocks, list) else []):
            if not isinstance(block, dict):
                rules.append(unknown_rule(sg, f"{direction}[{i}]", direction, block))
                continue
            protocol = normalize_protocol(block.get("protocol"))
            low, high = _ports(protocol, block.get("from_port"), block.get("to_port"))
            rules.append(
                SgRule(
                    owner=sg,
                    path=f"{direction}[{i}]",
                    direction=direction,
                    protocol=protocol,
                    from_port=low,
                    to_port=high,
                    cidr_blocks=_list(block.get("cidr_blocks")),
                    ipv6_cidr_blocks=_list(block.get("ipv6_cidr_blocks")),
                    security_groups=_list(block.get("security_groups")),
                    prefix_list_ids=_list(block.get("prefix_list_ids")),
                    self=block.get("self", False),
                    description=block.get("description"),
                    group=Ref(sg.address, "id"),
                )
            )
    return rules


def _direction(value: Any) -> Any:
    """``type`` of an ``aws_security_group_rule``: a direction, else unknown (never assumed
    to be ingress, or an egress rule would pass silently)."""
    if isinstance(value, str) or is_unknown(value):
        return value
    return Unknown("the rule's type (ingress or egress) is not set")


def directed(rule: SgRule) -> list[SgRule]:
    """The rule once per direction it may have: a rule whose direction is unknown may be
    either, and what it admits is then unknown too, so analyses call it undetermined."""
    if not is_unknown(rule.direction):
        return [rule]
    return [
        replace(unknown_rule(rule.owner, rule.path, d, rule.direction), group=rule.group)
        for d in ("ingress", "egress")
    ]


def rule_resource(resource: Resource) -> SgRule:
    a = resource.attrs
    if resource.type == "aws_security_group_rule":
        direction, protocol = a.get("type"), normalize_protocol(a.get("protocol"))
        low, high = _ports(protocol, a.get("from_port"), a.get("to_port"))
        return SgRule(
            owner=resource,
            path="",
            direction=_direction(direction),
            protocol=protocol,
            from_port=low,
            to_port=high,
            cidr_blocks=_list(a.get("cidr_blocks")),
            ipv6_cidr_blocks=_list(a.get("ipv6_cidr_blocks")),
            security_groups=_list(a.get("source_security_group_id")),
            prefix_list_ids=_list(a.get("prefix_list_ids")),
            self=a.get("self", False),
            description=a.get("description"),
            group=a.get("security_group_id"),
        )
    protocol = normalize_protocol(a.get("ip_protocol"))
    low, high = _ports(protocol, a.get("from_port"), a.get("to_port"))
    return SgRule(
        owner=resource,
        path="",
        direction="ingress" if resource.type.endswith("ingress_rule") else "egress",
        protocol=protocol,
        from_port=low,
        to_port=high,
        cidr_blocks=_list(a.get("cidr_ipv4")),
        ipv6_cidr_blocks=_list(a.get("cidr_ipv6")),
        security_groups=_list(a.get("referenced_security_group_id")),
        prefix_list_ids=_list(a.get("prefix_list_id")),
        description=a.get("description"),
        group=a.get("security_group_id"),
    )


def all_rules(resources: list[Resource]) -> list[SgRule]:
    """Every security-group rule of the configuration, in resource order."""
    found: list[SgRule] = []
    for resource in resources:
        if resource.mode != "managed":
            continue
        if resource.type in SG_TYPES:
            found.extend(inline_rules(resource))
        elif resource.type in RULE_TYPES:
            found.append(rule_resource(resource))
    return found
