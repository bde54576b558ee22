"""Checks over registry access: ECR repository and registry policies, IAM identity policies
and the roles that EKS nodes and ECS tasks pull with, and ECR repository settings that a
single attribute condition cannot judge (registry-level scanning, lifecycle policies,
replication and pull-through cache targets).

Policies are read through ``iacscan.policies``; a finding points at the policy attribute
and its ``details`` name the offending statement (Sid or index, and its file:line when the
document is written in HCL or a heredoc), the actions expanded and classified, and the
principals it admits.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from typing import Any

from iacscan.graph.facts import Facts
from iacscan.images import ImageRef, parse_image, registry_allowed
from iacscan.model import Resource
from iacscan.model.values import Ref, Unknown, is_unknown
from iacscan.policies.actions import is_wildcard
from iacscan.policies.collect import (
    Configuration,
    arn_policy,
    policy_value,
    role_policies,
)
from iacscan.policies.document import Policy, Statement
from iacscan.policies.judge import Grant, identity_grants, resource_grants, verdict
from iacscan.policies.managed import is_managed_arn
from iacscan.policies.principals import is_own
from iacscan.rules.conditions import FALSE, Details, Outcome, Subject, Tri, show

Check = Callable[[Subject, Facts, dict[str, Any]], Outcome]
TRI = {True: Tri.TRUE, False: Tri.FALSE, None: Tri.UNKNOWN}
_TRUSTED = re.compile(r"^(\d{12})(\.dkr\.ecr\..*)?$")


def _resource(subject: Subject, facts: Facts) -> Resource:
    resource: Resource = facts.graph.nodes[subject.node]["resource"]
    return resource


def trusted_accounts(params: dict[str, Any]) -> frozenset[str]:
    """Accounts the project trusts: allow-list entries that are an account id or an ECR
    registry host of one (``123456789012.dkr.ecr.*.amazonaws.com``)."""
    found = (_TRUSTED.match(str(e).strip()) for e in params.get("allowed_registries", []))
    return frozenset(m.group(1) for m in found if m)


def _outcome(policies: list[Policy], grants: list[Grant], path: str) -> Outcome:
    """The verdict over all grants; evidence and details from the surest ones first."""
    value = verdict(policies, grants)
    if value is False:
        return FALSE
    ordered = sorted(grants, key=lambda g: (g.verdict is not True, g.statement.index))
    evidence = tuple(
        f"{g.policy.origin}: statement {g.statement.label}"
        + (f" at {g.statement.where}" if g.statement.where else "")
        + f" grants {', '.join(g.actions.sure or g.actions.maybe)}"
        + (f" to {', '.join(g.audience)}" if g.audience else "")
        for g in ordered
    ) + tuple(f"{p.origin or path}: {p.unknown}" for p in policies if p.unknown)
    if not ordered:
        details: Details = tuple(("unknown", p.unknown) for p in policies if p.unknown)
    elif len(ordered) == 1:
        details = ordered[0].details()
    else:
        details = (
            *ordered[0].details(),
            ("other_statements", tuple(g.details() for g in ordered[1:])),
        )
    return Outcome(TRI[value], path, evidence, details)


def ecr_policy_access(subject: Subject, facts: Facts, params: dict[str, Any]) -> Outcome:
    """Fails when a repository or registry policy grants actions of ``classes`` (read,
    write, admin) to ``audience``: ``public`` (anyone, no narrowing condition) or ``other``
    (accounts other than the configuration's own and the trusted ones)."""
    resource = _resource(subject, facts)
    config = facts.policies(resource)
    policy = policy_value(config, subject.attrs.get("policy"), resource, "policy")
    classes = tuple(params.get("classes", ["write", "admin"]))
    trusted = trusted_accounts(params)
    grants = resource_grants(policy, classes, params.get("audience", "public"), trusted)
    return _outcome([policy], grants, "policy")


def ecr_policy_wildcard(subject: Subject, facts: Facts, params: dict[str, Any]) -> Outcome:
    """Fails on an Allow statement whose actions are a whole service (``*``, ``ecr:*``) or
    a ``NotAction`` list: it grants every operation, including ones added later."""
    resource = _resource(subject, facts)
    policy = policy_value(facts.policies(resource), subject.attrs.get("policy"), resource, "policy")
    hits, maybe = [], []
    for s in policy.statements:
        if s.effect == "Deny":
            continue
        items = s.actions or ()
        if s.not_actions is not None or any(is_wildcard(a) for a in items):
            hits.append(s)
        elif any(not isinstance(a, str) for a in items) or not isinstance(s.effect, str):
            maybe.append(s)
    found = hits or maybe
    if not found:
        return Outcome(Tri.UNKNOWN, "policy", (policy.unknown,)) if policy.unknown else FALSE
    evidence = tuple(_wildcard_evidence(s) for s in found)
    details = (("policy", policy.origin), ("statements", tuple(s.label for s in found)))
    return Outcome(Tri.TRUE if hits else Tri.UNKNOWN, "policy", evidence, details)


def _wildcard_evidence(statement: Statement) -> str:
    where = f" at {statement.where}" if statement.where else ""
    if statement.not_actions is not None:
        return f"statement {statement.label}{where}: NotAction {show(list(statement.not_actions))}"
    return f"statement {statement.label}{where}: Action {show(list(statement.actions or ()))}"


_IDENTITY = ("aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy")


def _identity_documents(resource: Resource, config: Configuration) -> list[tuple[str, Policy]]:
    """(attribute path, policy) of an identity-policy resource; attachments and
    ``managed_policy_arns`` count only for AWS managed policies (a customer policy is judged
    where it is defined)."""
    attrs = resource.attrs
    if resource.type in _IDENTITY:
        return [("policy", policy_value(config, attrs.get("policy"), resource, "policy"))]
    found: list[tuple[str, Policy]] = []
    role = resource.type == "aws_iam_role"
    inline = attrs.get("inline_policy") if role else None
    for i, block in enumerate(inline if isinstance(inline, list) else []):
        path = f"inline_policy[{i}].policy"
        value = block.get("policy") if isinstance(block, dict) else block
        found.append((path, policy_value(config, value, resource, path)))
    path = "managed_policy_arns" if role else "policy_arn"
    arns = attrs.get(path)
    for arn in arns if isinstance(arns, list) else [arns] if arns is not None else []:
        if is_managed_arn(arn):
            found.append((path, arn_policy(config, arn)))
        elif is_unknown(arn) and not is_own(arn):
            unknown = f"{path} is known only after apply"
            found.append((path, Policy(unknown=unknown, origin=resource.address)))
    return found


def iam_registry_write_all(subject: Subject, facts: Facts, params: dict[str, Any]) -> Outcome:
    """Fails when an identity policy grants ECR write or admin actions on every repository
    (``Resource: "*"``, a wildcard repository ARN, or ``NotResource``)."""
    resource = _resource(subject, facts)
    config = facts.policies(resource)
    outcomes = []
    for path, policy in _identity_documents(resource, config):
        grants = identity_grants(policy, ("write", "admin"), all_repos=True)
        outcomes.append(_outcome([policy], grants, path))
    return _first(outcomes)


def _first(outcomes: list[Outcome]) -> Outcome:
    """The first failing outcome, else the first undetermined one, else a pass."""
    for value in (Tri.TRUE, Tri.UNKNOWN):
        for outcome in outcomes:
            if outcome.value is value:
                return outcome
    return FALSE


def role_named(config: Configuration, value: Any) -> Resource | None:
    """The ``aws_iam_role`` a role argument names, by reference or by name."""
    target = config.resolve(value)
    if target is not None:
        return target if target.type == "aws_iam_role" else None
    if isinstance(value, str):
        name = value.rsplit("/", 1)[-1]
        roles = config.of_type("aws_iam_role")
        return next((r for r in roles if r.attrs.get("name") == name), None)
    return None


def role_registry_access(subject: Subject, facts: Facts, params: dict[str, Any]) -> Outcome:
    """Fails when the role named by ``attribute`` (``node_role_arn``,
    ``execution_role_arn``) is granted ECR actions of ``classes`` by any of its policies;
    undetermined when the role or one of its policies is not in the configuration."""
    attribute = params["attribute"]
    value = subject.attrs.get(attribute)
    if value is None:
        return FALSE
    resource = _resource(subject, facts)
    config = facts.policies(resource)
    role = role_named(config, value)
    if role is None:
        why = f"{attribute}: the role is not defined in this configuration"
        return Outcome(Tri.UNKNOWN, attribute, (why,), (("unknown", why),))
    policies = role_policies(config, role)
    classes = tuple(params.get("classes", ["write", "admin"]))
    grants = [g for p in policies for g in identity_grants(p, classes, all_repos=False)]
    outcome = _outcome(policies, grants, attribute)
    if outcome.value is Tri.FALSE:
        return outcome
    details = (("role", role.address), *outcome.details)
    return Outcome(outcome.value, attribute, outcome.evidence, details)


def _names(value: Any, repository: Resource) -> bool | None:
    """Does a ``repository`` argument name the repository (by Ref or by its name)?"""
    name = repository.attrs.get("name")
    if isinstance(value, str):
        return value == name if isinstance(name, str) else None
    if isinstance(value, Ref):
        return value.address == repository.address
    if isinstance(value, Unknown):
        return True if any(r.address == repository.address for r in value.refs) else None
    return False


def ecr_lifecycle_missing(subject: Subject, facts: Facts, params: dict[str, Any]) -> Outcome:
    """Fails when no ``aws_ecr_lifecycle_policy`` (or the ``policy`` type of params, such
    as ``aws_ecr_repository_policy``) names the repository; undetermined when one names an
    unknown repository or exists only maybe (unknown ``count``)."""
    resource = _resource(subject, facts)
    config = facts.policies(resource)
    kind = str(params.get("policy", "aws_ecr_lifecycle_policy"))
    maybe = []
    for policy in config.of_type(kind):
        names = _names(policy.attrs.get("repository"), resource)
        if names is True and not policy.multiplicity_unknown:
            return FALSE
        if names is not False:
            maybe.append(f"{policy.address} may apply to it")
    if maybe:
        return Outcome(Tri.UNKNOWN, "", tuple(maybe))
    return Outcome(Tri.TRUE, "", (f"no {kind} names this repository",))


def _filter_matches(filter_value: Any, name: Any) -> bool | None:
    """ECR repository filters are names with ``*`` wildcards."""
    if filter_value == "*":
        return True
    if not isinstance(filter_value, str) or not isinstance(name, str):
        return None
    return fnmatch.fnmatchcase(name, filter_value)


def _registry_scans(config: Configuration, name: Any) -> bool | None:
    """Does a registry scanning configuration scan this repository on push (or
    continuously)?"""
    answer: bool | None = False
    for conf in config.of_type("aws_ecr_registry_scanning_configuration"):
        rules = conf.attrs.get("rule")
        for rule in rules if isinstance(rules, list) else [rules] if rules else []:
            on = _scans(rule, name)
            if on and not conf.multiplicity_unknown:
                return True
            if on is not False:
                answer = None
    return answer


def _scans(rule: Any, name: Any) -> bool | None:
    if not isinstance(rule, dict):
        return None
    frequency = rule.get("scan_frequency")
    if is_unknown(frequency):
        return None
    if frequency not in ("SCAN_ON_PUSH", "CONTINUOUS_SCAN"):
        return False
    filters = rule.get("repository_filter")
    items = filters if isinstance(filters, list) else [filters]
    answers = [_filter_matches(f.get("filter") if isinstance(f, dict) else f, name) for f in items]
    return True if True in answers else None if None in answers else False


def ecr_scan_on_push_off(subject: Subject, facts: Facts, params: dict[str, Any]) -> Outcome:
    """Fails when the repository does not scan on push and no registry scanning
    configuration scans it on push or continuously."""
    path = "image_scanning_configuration[0].scan_on_push"
    blocks = subject.attrs.get("image_scanning_configuration")
    first = blocks[0] if isinstance(blocks, list) and blocks else blocks
    own = first.get("scan_on_push") if isinstance(first, dict) else first
    if own is True or own == "true":
        return FALSE
    resource = _resource(subject, facts)
    registry = _registry_scans(facts.policies(resource), subject.attrs.get("name"))
    if registry is True:
        return FALSE
    shown = path if isinstance(first, dict) and "scan_on_push" in first else ""
    if is_unknown(own) or registry is None:
        why = f"{path} or a registry scanning configuration is known only after apply"
        return Outcome(Tri.UNKNOWN, shown, (why,))
    return Outcome(Tri.TRUE, shown, (f"{path} is not true and no registry rule scans it",))


def _allowed(host: str, prefix: str, params: dict[str, Any]) -> bool:
    image = parse_image(f"{host}/{prefix or 'x'}") or ImageRef(host, host.lower(), prefix)
    account = re.match(r"^(\d{12})\.dkr\.ecr\.", host)
    if account and account.group(1) in trusted_accounts(params):
        return True
    return registry_allowed(image, [str(e) for e in params.get("allowed_registries", [])])


def ecr_replication_outside(subject: Subject, facts: Facts, params: dict[str, Any]) -> Outcome:
    """Fails on a replication destination in another account (a literal registry id that is
    neither the caller identity nor trusted) whose registry host is not allow-listed."""
    configs = subject.attrs.get("replication_configuration")
    found: list[Outcome] = []
    for i, conf in enumerate(configs if isinstance(configs, list) else [configs]):
        rules = conf.get("rule") if isinstance(conf, dict) else conf
        for j, rule in enumerate(rules if isinstance(rules, list) else [rules]):
            dests = rule.get("destination") if isinstance(rule, dict) else rule
            for k, dest in enumerate(dests if isinstance(dests, list) else [dests]):
                path = f"replication_configuration[{i}].rule[{j}].destination[{k}]"
                found.append(_destination(dest, path, params))
    return _first(found)


def _destination(dest: Any, path: str, params: dict[str, Any]) -> Outcome:
    if dest is None:
        return FALSE
    registry = dest.get("registry_id") if isinstance(dest, dict) else dest
    region = dest.get("region") if isinstance(dest, dict) else dest
    if is_own(registry):
        return FALSE
    if not isinstance(registry, str):
        return Outcome(Tri.UNKNOWN, path, (f"{path}: the registry id is known only after apply",))
    if registry in trusted_accounts(params):
        return FALSE
    if not isinstance(region, str):
        return Outcome(Tri.UNKNOWN, path, (f"{path}: the region is known only after apply",))
    host = f"{registry}.dkr.ecr.{region}.amazonaws.com"
    if _allowed(host, "", params):
        return FALSE
    why = f"{path}: replicates to {host}, another account not in the allow-list"
    return Outcome(Tri.TRUE, path, (why,), (("destination", host), ("account", registry)))


def ecr_pull_through_outside(subject: Subject, facts: Facts, params: dict[str, Any]) -> Outcome:
    """Fails when a pull-through cache rule caches an upstream registry that is not in the
    allow-list (``allowed_registries``)."""
    url = subject.attrs.get("upstream_registry_url")
    if is_own(url):
        return FALSE
    if not isinstance(url, str):
        why = "upstream_registry_url is known only after apply"
        return Outcome(Tri.UNKNOWN, "upstream_registry_url", (why,))
    host, _, rest = url.split("://", 1)[-1].partition("/")
    prefix = subject.attrs.get("upstream_repository_prefix")
    prefix = prefix if isinstance(prefix, str) and prefix != "ROOT" else rest
    if _allowed(host, prefix, params):
        return FALSE
    why = f"upstream {host} is not in the registry allow-list"
    return Outcome(Tri.TRUE, "upstream_registry_url", (why,), (("upstream", host),))


CHECKS: dict[str, Check] = {
    "ecr_policy_access": ecr_policy_access,
    "ecr_policy_wildcard": ecr_policy_wildcard,
    "ecr_scan_on_push_off": ecr_scan_on_push_off,
    "ecr_lifecycle_missing": ecr_lifecycle_missing,
    "ecr_replication_outside": ecr_replication_outside,
    "ecr_pull_through_outside": ecr_pull_through_outside,
    "iam_registry_write_all": iam_registry_write_all,
    "role_registry_access": role_registry_access,
}
