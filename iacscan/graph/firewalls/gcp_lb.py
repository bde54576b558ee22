"""GCP external passthrough network load balancers: what they forward to which instance.

A regional forwarding rule with ``load_balancing_scheme = "EXTERNAL"`` (the default) sends
internet traffic to a target pool or a backend service without proxying it: the client's
address and the destination port reach the instance unchanged, so the instance's firewall
rules judge it as direct traffic, and no external IP is needed on the instance. Targets are
the pool's ``instances`` (``zone/name`` or self links) and the instance templates of the
managed instance groups a backend service names. Proxy load balancers (HTTP(S), SSL, TCP
proxy) are not followed: their backends see Google's front-end ranges, not the internet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from iacscan.graph.firewalls.records import listed, port_spans, protocol_of
from iacscan.model import Resource
from iacscan.model.values import Ref, is_unknown

RULE = "google_compute_forwarding_rule"
POOL = "google_compute_target_pool"
SERVICES = ("google_compute_region_backend_service", "google_compute_backend_service")
GROUP_MANAGERS = (
    "google_compute_instance_group_manager",
    "google_compute_region_instance_group_manager",
)


@dataclass(frozen=True)
class Forward:
    """Internet traffic a forwarding rule sends to a workload: protocol, ports, path."""

    protocol: Any
    ports: Any  # list of spans, or an unknown
    steps: tuple[str, ...]


def _rule_ports(rule: Resource) -> Any:
    a = rule.attrs
    if a.get("all_ports") is True:
        return [(0, 65535)]
    ports = listed(a.get("ports")) or listed(a.get("port_range"))
    return port_spans(ports, "tcp") if ports else [(0, 65535)]


def _named(resources: dict[str, Resource], value: Any, types: tuple[str, ...]) -> Resource | None:
    if isinstance(value, Ref):
        found = resources.get(value.address)
        return found if found is not None and found.type in types else None
    if isinstance(value, str):
        name = value.rstrip("/").rsplit("/", 1)[-1]
        return next(
            (r for r in resources.values() if r.type in types and r.attrs.get("name") == name),
            None,
        )
    return None


def _targets(
    resources: dict[str, Resource], target: Resource
) -> list[tuple[Resource, tuple[str, ...]]]:
    """(workload, steps between the target and it) behind a pool or a backend service."""
    if target.type == POOL:
        found = [
            _named(resources, i, ("google_compute_instance",))
            for i in listed(target.attrs.get("instances"))
        ]
        return [(w, ()) for w in found if w is not None]
    out: list[tuple[Resource, tuple[str, ...]]] = []
    for backend in [b for b in listed(target.attrs.get("backend")) if isinstance(b, dict)]:
        group = backend.get("group")
        manager = resources.get(group.address) if isinstance(group, Ref) else None
        if manager is None or manager.type not in GROUP_MANAGERS:
            continue
        for version in [v for v in listed(manager.attrs.get("version")) if isinstance(v, dict)]:
            template = version.get("instance_template")
            if isinstance(template, Ref) and template.address in resources:
                out.append((resources[template.address], (manager.address,)))
    return out


def forwards(resources: dict[str, Resource]) -> dict[str, list[Forward]]:
    """Workload address -> what external passthrough load balancers send it."""
    found: dict[str, list[Forward]] = {}
    for rule in sorted(resources.values(), key=lambda r: r.address):
        if rule.type != RULE:
            continue
        scheme = rule.attrs.get("load_balancing_scheme") or "EXTERNAL"
        if scheme != "EXTERNAL" and not is_unknown(scheme):
            continue
        target = _named(resources, rule.attrs.get("target"), (POOL,)) or _named(
            resources, rule.attrs.get("backend_service"), SERVICES
        )
        if target is None:
            continue
        protocol = protocol_of(rule.attrs.get("ip_protocol") or "TCP")
        for workload, steps in _targets(resources, target):
            forward = Forward(protocol, _rule_ports(rule), (rule.address, target.address, *steps))
            found.setdefault(workload.address, []).append(forward)
    return found
