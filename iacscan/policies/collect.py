"""Where a resource's policy documents come from, following references through the config.

A policy attribute may hold JSON text, a reference to ``data "aws_iam_policy_document"``
(rendered here, with its layered source and override documents) or to an ``aws_iam_policy``.
A role's permissions are the union of its inline ``inline_policy`` blocks,
``managed_policy_arns``, ``aws_iam_role_policy`` resources and policy attachments that name
it, by reference or by the literal name its ``name`` configures (a configured name
evaluates to the literal string, so no reference is left to follow). An attachment whose
role is unknown might name this one: it is included as an unknown policy.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from iacscan.model import Resource
from iacscan.model.values import Ref, Unknown, is_unknown
from iacscan.policies.document import Policy, parse
from iacscan.policies.managed import is_managed_arn, managed_policy
from iacscan.policies.render import render

DOCUMENT = "aws_iam_policy_document"


@dataclass
class Configuration:
    """The resources of one root module, indexed for following references."""

    root: str
    by_address: dict[str, Resource]
    rendering: set[str] = field(default_factory=set)  # documents being rendered (cycles)
    by_type: dict[str, list[Resource]] = field(default_factory=dict)
    by_text: dict[str, Resource] = field(default_factory=dict)  # rendered document -> source

    def __post_init__(self) -> None:
        for resource in self.by_address.values():
            if resource.mode == "managed":
                self.by_type.setdefault(resource.type, []).append(resource)
            elif resource.type == DOCUMENT:
                for key in ("json", "minified_json"):
                    text = resource.attrs.get(key)
                    if isinstance(text, str):
                        self.by_text.setdefault(text, resource)

    def document_of(self, value: Any) -> Resource | None:
        """The policy-document data source a value is the rendered text of (the evaluator
        renders ``data.aws_iam_policy_document.x.json``): its statements keep their lines."""
        return self.by_text.get(value) if isinstance(value, str) else None

    def resolve(self, value: Any) -> Resource | None:
        """The resource a Ref (or an unknown derived from exactly one Ref) points at."""
        if isinstance(value, Unknown) and len(value.refs) == 1:
            value = next(iter(value.refs))
        return self.by_address.get(value.address) if isinstance(value, Ref) else None

    def of_type(self, *types: str) -> list[Resource]:
        """Managed resources of these types in address order (data sources look up, they
        do not grant or attach anything)."""
        found = [r for t in types for r in self.by_type.get(t, [])]
        return sorted(found, key=lambda r: r.address) if len(types) > 1 else found


def collect_configuration(root: str, members: list[Resource]) -> Configuration:
    """The configuration of one root module from its resources (``graph.facts`` keeps it)."""
    by_address = {r.address: r for r in sorted(members, key=lambda r: r.address)}
    return Configuration(root, by_address)


def _first_line(owner: Resource, path: str, text: str) -> int:
    """The line a literal JSON text starts on: a heredoc starts one line below its attribute
    (its span is the text's lines plus the two marker lines), a one-line string on it."""
    if path not in owner.lines:
        return 0
    start, end = owner.lines[path]
    if end - start == text.count("\n") + 1 and text.endswith("\n"):
        return start + 1
    return start if start == end and "\n" not in text else 0


def policy_value(config: Configuration, value: Any, owner: Resource, path: str) -> Policy:
    """The policy an attribute value denotes (``owner``/``path`` locate literal JSON)."""
    origin = f"{owner.address}.{path}"
    target = config.resolve(value) or config.document_of(value)
    if target is not None and target.type == DOCUMENT and target.mode == "data":
        if target.address in config.rendering:
            return Policy(unknown="the policy documents refer to each other", origin=origin)
        config.rendering.add(target.address)
        try:
            return render(target, lambda v: policy_value(config, v, target, ""))
        finally:
            config.rendering.discard(target.address)
    if target is not None and target.type == "aws_iam_policy":
        return policy_value(config, target.attrs.get("policy"), target, "policy")
    if isinstance(value, str):
        first = _first_line(owner, path, value)
        return parse(value, origin, first, owner.location.file)
    return parse(value, origin)


def arn_policy(config: Configuration, arn: Any) -> Policy:
    """The policy a ``policy_arn`` names: an AWS managed one from the table, an
    ``aws_iam_policy`` of the configuration (by Ref or by its configured name), or unknown."""
    if is_managed_arn(arn):
        return managed_policy(arn)
    target = config.resolve(arn)
    if target is None and isinstance(arn, str):
        name = arn.rsplit("/", 1)[-1]
        found = [r for r in config.of_type("aws_iam_policy") if r.attrs.get("name") == name]
        target = found[0] if found else None
    if target is not None and target.type == "aws_iam_policy":
        return policy_value(config, target.attrs.get("policy"), target, "policy")
    return Policy(unknown=f"the policy {arn} is not defined in this configuration", origin=str(arn))


def refers_to(config: Configuration, value: Any, role: Resource) -> bool | None:
    """Does a ``role``/``roles`` value name ``role``? None when it is unknown and may."""
    if isinstance(value, list):
        answers = [refers_to(config, item, role) for item in value]
        return True if True in answers else None if None in answers else False
    if isinstance(value, str):
        name = role.attrs.get("name")
        return isinstance(name, str) and value.rsplit("/", 1)[-1] == name
    target = config.resolve(value)
    if target is not None:
        return target.address == role.address
    return None if is_unknown(value) else False


def role_policies(config: Configuration, role: Resource) -> list[Policy]:
    """Every policy that grants the role permissions, in a stable order."""
    found: list[Policy] = []
    inline = role.attrs.get("inline_policy")
    for i, block in enumerate(inline if isinstance(inline, list) else [inline] if inline else []):
        value = block.get("policy") if isinstance(block, dict) else block
        found.append(policy_value(config, value, role, f"inline_policy[{i}].policy"))
    arns = role.attrs.get("managed_policy_arns")
    for arn in arns if isinstance(arns, list) else [arns] if arns is not None else []:
        found.append(arn_policy(config, arn))
    for other in config.of_type(
        "aws_iam_role_policy", "aws_iam_role_policy_attachment", "aws_iam_policy_attachment"
    ):
        key = "roles" if other.type == "aws_iam_policy_attachment" else "role"
        names = refers_to(config, other.attrs.get(key), role)
        if names is False:
            continue
        if other.type == "aws_iam_role_policy":
            policy = policy_value(config, other.attrs.get("policy"), other, "policy")
        else:
            policy = arn_policy(config, other.attrs.get("policy_arn"))
        found.append(replace(policy, maybe=True) if names is None else policy)
    return found
