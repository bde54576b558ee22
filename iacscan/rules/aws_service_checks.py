"""Checks of AWS service settings written as lists of name/value pairs or nested blocks.

A classic ELB negotiation policy enables a protocol or cipher with one attribute block
``{name = "Protocol-TLSv1", value = "true"}``: the name and the value must be judged
together, which a path condition (one attribute at a time) cannot do. ECS task volumes
are judged one by one for the same reason: one EFS volume with transit encryption must not
hide another without it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from iacscan.graph.facts import Facts
from iacscan.model import Resource
from iacscan.model.values import is_unknown
from iacscan.policies.collect import role_policies
from iacscan.policies.document import Policy, Statement
from iacscan.rules.conditions import FALSE, Outcome, Subject, Tri, show
from iacscan.rules.registry_checks import role_named

Check = Callable[[Subject, Facts, dict[str, Any]], Outcome]
ATTRIBUTE_BLOCKS = ("policy_attribute", "attribute")  # aws_load_balancer_policy, aws_lb_ssl_...


def _blocks(value: Any) -> list[Any]:
    if is_unknown(value):
        return [value]
    return value if isinstance(value, list) else [value] if isinstance(value, dict) else []


def _enabled(value: Any) -> bool | None:
    if is_unknown(value):
        return None
    return str(value).strip().lower() == "true"


def weak_negotiation(subject: Subject, facts: Facts, params: dict[str, Any]) -> Outcome:
    """Fails on a classic ELB SSL negotiation policy that enables a protocol or cipher whose
    name matches ``weak`` (``value = "true"``), or that references a predefined policy
    outside ``allowed_references``; undetermined on an unknown name or value."""
    if subject.attrs.get("policy_type_name") not in (None, "SSLNegotiationPolicyType"):
        return FALSE
    weak = re.compile(str(params["weak"]), re.IGNORECASE)
    allowed = {str(a) for a in params.get("allowed_references", [])}
    hits, unknown = [], None
    for key in ATTRIBUTE_BLOCKS:
        for i, block in enumerate(_blocks(subject.attrs.get(key))):
            path = f"{key}[{i}]"
            if not isinstance(block, dict) or is_unknown(block.get("name")):
                unknown = unknown or Outcome(Tri.UNKNOWN, path, (f"{path} = {show(block)}",))
                continue
            name, value = str(block.get("name")), block.get("value")
            if name == "Reference-Security-Policy":
                if is_unknown(value):
                    unknown = unknown or Outcome(Tri.UNKNOWN, path, (f"{path}.value unknown",))
                elif str(value) not in allowed:
                    hits.append((path, f"predefined policy {value}"))
                continue
            if not weak.search(name):
                continue
            enabled = _enabled(value)
            if enabled is None:
                unknown = unknown or Outcome(Tri.UNKNOWN, path, (f"{path} {name} = unknown",))
            elif enabled:
                hits.append((path, name))
    if hits:
        found = ", ".join(what for _, what in hits)
        said = tuple(f"{path} enables {what}" for path, what in hits)
        return Outcome(Tri.TRUE, hits[0][0], said, found=found)
    return unknown or FALSE


def efs_without_transit_encryption(
    subject: Subject, facts: Facts, params: dict[str, Any]
) -> Outcome:
    """Fails on a task-definition volume on EFS whose ``transit_encryption`` is not
    ``ENABLED`` (the default is DISABLED); undetermined when it is unknown."""
    unknown = None
    for i, volume in enumerate(_blocks(subject.attrs.get("volume"))):
        if not isinstance(volume, dict):
            unknown = unknown or Outcome(Tri.UNKNOWN, f"volume[{i}]", ("volume is unknown",))
            continue
        for j, efs in enumerate(_blocks(volume.get("efs_volume_configuration"))):
            path = f"volume[{i}].efs_volume_configuration[{j}]"
            setting = efs.get("transit_encryption") if isinstance(efs, dict) else efs
            if is_unknown(setting):
                unknown = unknown or Outcome(Tri.UNKNOWN, path, (f"{path} = {show(setting)}",))
            elif str(setting or "DISABLED").upper() != "ENABLED":
                name = volume.get("name", f"volume[{i}]")
                why = f"{path}.transit_encryption = {setting or 'DISABLED (default)'}"
                return Outcome(Tri.TRUE, path, (why,), found=str(name))
    return unknown or FALSE


def _admin_statement(statement: Statement) -> bool | None:
    """Allow ``*`` on ``*`` with no condition (None when a part of it is unknown)."""
    if str(statement.effect) != "Allow" or statement.conditions or statement.actions is None:
        return False
    values = (*statement.actions, *(statement.resources or ()))
    if any(is_unknown(v) for v in values):
        return None
    return "*" in statement.actions and "*" in (statement.resources or ())


def _admin(policy: Policy, admin_managed: set[str]) -> bool | None:
    if policy.origin.startswith("AWS managed policy "):
        return policy.origin.rsplit(" ", 1)[-1] in admin_managed
    answers = [_admin_statement(s) for s in policy.statements]
    if True in answers:
        return True
    return None if policy.unknown or None in answers else False


def admin_role(subject: Subject, facts: Facts, params: dict[str, Any]) -> Outcome:
    """Fails when the role named by ``attribute`` has administrator-level permissions: an
    AWS managed policy of ``admin_managed``, or a statement allowing ``*`` on ``*``;
    undetermined when the role or one of its policies cannot be read here."""
    graph = facts.graph
    attribute = str(params["attribute"])
    value = subject.attrs.get(attribute)
    if value is None or value == "":
        return FALSE
    resource: Resource = graph.nodes[subject.node]["resource"]
    config = facts.policies(resource)
    role = role_named(config, value)
    if role is None:
        if isinstance(value, str) and not is_unknown(value):
            return FALSE  # a role of another configuration, by name or ARN: not judged
        return Outcome(Tri.UNKNOWN, attribute, (f"{attribute}: role not in this configuration",))
    admin_managed = {str(n) for n in params.get("admin_managed", [])}
    unknown = None
    for policy in role_policies(config, role):
        answer = _admin(policy, admin_managed)
        if answer and not policy.maybe:
            why = f"{role.address} is granted {policy.origin or 'Allow * on *'}"
            return Outcome(Tri.TRUE, attribute, (why,), found=role.address)
        if answer is not False:
            unknown = unknown or Outcome(
                Tri.UNKNOWN, attribute, (f"{role.address}: {policy.unknown or policy.origin}",)
            )
    return unknown or FALSE


CHECKS: dict[str, Check] = {
    "ecs_admin_role": admin_role,
    "elb_weak_negotiation": weak_negotiation,
    "ecs_efs_transit_encryption": efs_without_transit_encryption,
}
