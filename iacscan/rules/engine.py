"""Run rules over the loaded model: every (rule, subject) pair gives pass, fail or undetermined.

Rules are stateless; the engine alone builds findings (location, message, fingerprint). A
rule that raises is reported as an engine error for that rule and subject, never a crash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from iacscan.model import Finding, Resource, ScanError
from iacscan.rules.checks import CHECKS
from iacscan.rules.conditions import Outcome, Subject, Tri
from iacscan.rules.model import Rule
from iacscan.rules.views import VIEWS

STATUS = {Tri.TRUE: "fail", Tri.UNKNOWN: "undetermined", Tri.FALSE: "pass"}


@dataclass
class EngineResult:
    findings: list[Finding] = field(default_factory=list)  # fail and undetermined
    evaluations: list[tuple[str, str, str]] = field(default_factory=list)  # rule, subject, status
    errors: list[ScanError] = field(default_factory=list)


def run_rules(
    rules: list[Rule],
    resources: list[Resource],
    graph: nx.MultiDiGraph,
    settings: Mapping[str, Any] | None = None,
) -> EngineResult:
    """Evaluate every rule on its subjects. ``settings`` are project settings that checks
    take as params (``allowed_registries``): a setting replaces the param of the same name
    in every rule that declares it, so a ruleset states the default and the project the
    value."""
    node_ids = {}
    for node, data in graph.nodes(data=True):
        resource = data["resource"]
        node_ids[f"{resource.root}:{resource.address}"] = node
    views: dict[str, list[Subject]] = {}
    result = EngineResult()
    for rule in rules:
        if rule.target not in views:
            views[rule.target] = VIEWS[rule.target](resources, graph, node_ids)
        for subject in views[rule.target]:
            if rule.resource_types and subject.type not in rule.resource_types:
                continue
            _evaluate(rule, subject, graph, result, _params(rule, settings or {}))
    return result


def _params(rule: Rule, settings: Mapping[str, Any]) -> dict[str, Any]:
    if not any(key in rule.params for key in settings):
        return rule.params
    return {**rule.params, **{k: v for k, v in settings.items() if k in rule.params}}


def _evaluate(
    rule: Rule,
    subject: Subject,
    graph: nx.MultiDiGraph,
    result: EngineResult,
    params: dict[str, Any],
) -> None:
    try:
        if rule.condition is not None:
            outcome = rule.condition(subject, graph)
        else:
            outcome = CHECKS[rule.check](subject, graph, params)
    except Exception as exc:  # a broken rule must not stop the scan
        message = f"rule {rule.id} failed on {subject.id}: {type(exc).__name__}: {exc}"
        result.errors.append(ScanError(rule.source, 0, message, "rule"))
        return
    status = STATUS[outcome.value]
    result.evaluations.append((rule.id, subject.id, status))
    if status != "pass":
        result.findings.append(make_finding(rule, subject, outcome, status, graph))


def make_finding(
    rule: Rule, subject: Subject, outcome: Outcome, status: str, graph: nx.MultiDiGraph
) -> Finding:
    resource: Resource = graph.nodes[subject.node]["resource"]
    path = subject.path_prefix.rstrip(".") if subject.record else outcome.path
    location = resource.location_of(path, subject.extra.get("lines")) if path else resource.location
    if rule.message:
        message = rule.message.format(resource=resource.address, path=path or resource.address)
    else:
        message = f"{rule.title}: {resource.address}" + (f" ({path})" if path else "")
    if status == "undetermined":
        message = f"{message}, depending on values known only after apply"
    key = "|".join((rule.id, location.file, resource.root, resource.address, path))
    return Finding(
        rule_id=rule.id,
        severity=rule.severity,
        title=rule.title,
        message=message,
        resource=subject.id,
        resource_type=resource.type,
        location=location,
        status=status,
        path=path,
        evidence=outcome.evidence,
        remediation=rule.remediation,
        fingerprint=hashlib.sha256(key.encode()).hexdigest()[:32],
        details=outcome.details,
        root=resource.root,
    )
