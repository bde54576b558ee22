"""Built-in Python checks, for what a declarative condition cannot say.

A check is a stateless function ``(subject, graph, params) -> Outcome`` registered by name in
``CHECKS``; a ruleset entry names it with ``check:`` and may pass ``params:``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from iacscan.graph.facts import Facts
from iacscan.graph.network_acls import Traffic, exposure
from iacscan.model.values import is_unknown
from iacscan.rules.aws_service_checks import CHECKS as AWS_SERVICE_CHECKS
from iacscan.rules.cloud_checks import CHECKS as CLOUD_CHECKS
from iacscan.rules.compose_checks import CHECKS as COMPOSE_CHECKS
from iacscan.rules.compose_isolation_checks import CHECKS as COMPOSE_ISOLATION_CHECKS
from iacscan.rules.conditions import FALSE, Outcome, Subject, Tri
from iacscan.rules.exposure_checks import (
    internet_exposure,
    lateral_exposure,
    lb_target_exposure,
)
from iacscan.rules.network_checks import CHECKS as NETWORK_CHECKS
from iacscan.rules.orchestration_checks import CHECKS as ORCHESTRATION_CHECKS
from iacscan.rules.registry_checks import CHECKS as REGISTRY_CHECKS

Check = Callable[[Subject, Facts, dict[str, Any]], Outcome]
VERDICT = {True: Tri.TRUE, False: Tri.FALSE, None: Tri.UNKNOWN}


def declared(subject: Subject, facts: Facts, params: dict[str, Any]) -> Outcome:
    """For rules whose finding is that a resource is declared at all (``aws_default_vpc``)."""
    return Outcome(Tri.TRUE, "", (f"{subject.type} is declared",))


def no_incoming_edge(subject: Subject, facts: Facts, params: dict[str, Any]) -> Outcome:
    """Fails when no resource of the ``from`` types points at the subject with an ``edge``.

    The graph's edges run from the referring resource (a flow log's ``vpc_id`` gives
    ``flow_log -in_vpc-> vpc``), so a condition on the subject's own out-edges cannot see them.
    Undetermined when such a resource exists only maybe (unknown ``count``) or when its
    ``attribute`` is unknown and joins no resource, since it might point at the subject.
    """
    graph = facts.graph
    kind, sources = params["edge"], set(params["from"])
    resources = [
        graph.nodes[source]["resource"]
        for source, _, data in graph.in_edges(subject.node, data=True)
        if data.get("kind") == kind and graph.nodes[source]["resource"].type in sources
    ]
    if any(not r.multiplicity_unknown for r in resources):
        return FALSE
    root = graph.nodes[subject.node]["resource"].root
    maybe = [r.address for r in resources] + [
        data["resource"].address
        for node, data in graph.nodes(data=True)
        if data["resource"].type in sources
        and data["resource"].root == root
        and is_unknown(data["resource"].attrs.get(params.get("attribute", "")))
        and not any(d.get("kind") == kind for _, _, d in graph.out_edges(node, data=True))
    ]
    if maybe:
        return Outcome(Tri.UNKNOWN, "", tuple(f"{a} may refer to it" for a in maybe))
    return Outcome(Tri.TRUE, "", (f"no {' or '.join(sorted(sources))} refers to it ({kind})",))


def nacl_allow_effective(subject: Subject, facts: Facts, params: dict[str, Any]) -> Outcome:
    """Fails on a NACL allow entry that lets ``params`` traffic in from the internet, taking
    rule order into account: lower-numbered entries of the same ACL and direction that match
    the same traffic first make it ineffective (params: ``ports`` and ``protocols``, or
    ``all_ports: true``; ``direction``, default ingress)."""
    traffic = Traffic.from_params(params)
    entry, entries = subject.extra["entry"], subject.extra["entries"]
    verdict, why = exposure(entry, entries, traffic, params.get("direction", "ingress"))
    return Outcome(VERDICT[verdict], subject.path_prefix.rstrip("."), (why,))


CHECKS: dict[str, Check] = {
    "declared": declared,
    "no_incoming_edge": no_incoming_edge,
    "nacl_allow_effective": nacl_allow_effective,
    "internet_exposure": internet_exposure,
    "lb_target_exposure": lb_target_exposure,
    "lateral_exposure": lateral_exposure,
    **NETWORK_CHECKS,
    **AWS_SERVICE_CHECKS,
    **ORCHESTRATION_CHECKS,
    **REGISTRY_CHECKS,
    **COMPOSE_CHECKS,
    **COMPOSE_ISOLATION_CHECKS,
    **CLOUD_CHECKS,
}
