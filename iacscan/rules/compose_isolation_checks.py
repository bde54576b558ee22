"""Compose isolation checks across services and ports: what one condition cannot say.

A service's ports are judged by the reachability verdicts of ``iacscan.graph.compose_reach``
(called in ``_exposure`` only, so the source of those facts can move in one place); shared
mounts compare a service with the other services of its project.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from iacscan.graph.compose_reach import HOST_MODE, service_exposure
from iacscan.graph.facts import Facts
from iacscan.graph.network.exposure import Verdict
from iacscan.model import Resource
from iacscan.model.values import is_unknown
from iacscan.rules.compose_checks import data_store, exact_ports, host_source
from iacscan.rules.conditions import FALSE, Outcome, Subject, Tri
from iacscan.rules.exposure_checks import details, evidence

Check = Callable[[Subject, Facts, dict[str, Any]], Outcome]
NAMESPACES = (("pid", "PID"), ("ipc", "IPC"), ("uts", "UTS"), ("userns_mode", "user"))


def _exposure(graph: Any, node: str) -> list[Verdict]:
    return service_exposure(graph, node)


def all_interfaces(subject: Subject, facts: Facts, params: dict[str, Any]) -> Outcome:
    """Fails when a service that is not a data store (``images``) publishes a port on every
    host interface; mappings of a data-store port (``ports``) and the host network mode are
    left to COMPOSE-020 and COMPOSE-005. Undetermined on an unknown host IP or port."""
    graph = facts.graph
    store = data_store(subject, params)
    if store:
        return FALSE
    ports = [int(p) for p in params.get("ports", [])]
    verdicts = [
        v
        for v in _exposure(graph, subject.node)
        if HOST_MODE not in v.assumptions and not exact_ports(v, ports)
    ]
    hits = [v for v in verdicts if v.verdict == "OPEN"]
    chosen = hits or [v for v in verdicts if v.verdict == "UNDETERMINED"]
    if not chosen:
        return FALSE
    found = _host_ports(chosen)
    status = Tri.TRUE if hits and store is False else Tri.UNKNOWN
    said = tuple(e for v in chosen for e in evidence(v))
    return Outcome(status, "ports", said, details(chosen), found=found)


def _host_ports(verdicts: list[Verdict]) -> str:
    """``host ports 80, 8000-8001/udp``: the host side of the mappings, once per family."""
    ports = sorted(
        {v.path[1].rsplit(":", 1)[-1] + ("/udp" if v.protocol == "udp" else "") for v in verdicts}
    )
    return f"host port{'s' if len(ports) > 1 else ''} {', '.join(ports)}"


def _mounts(resource: Resource, graph: Any, node: str) -> list[tuple[int, str, bool]]:
    """(index, what it mounts, read-only) per mount of a named volume or host path."""
    volumes = resource.attrs.get("volumes")
    found = []
    for i, mount in enumerate(volumes if isinstance(volumes, list) else []):
        if not isinstance(mount, dict) or is_unknown(mount.get("source")):
            continue
        source = host_source(graph, node, i, mount)
        if isinstance(source, str):
            found.append((i, f"host path {source}", bool(mount.get("read_only"))))
        elif mount.get("type") == "volume" and isinstance(mount.get("source"), str):
            found.append((i, f"volume {mount['source']}", bool(mount.get("read_only"))))
    return found


def shared_mount(subject: Subject, facts: Facts, params: dict[str, Any]) -> Outcome:
    """Fails on a mount of a named volume or host path that another service of the same
    project mounts too, when at least one of the two mounts is writable: state shared
    across the isolation boundary lets one compromised service tamper with the other."""
    graph = facts.graph
    me: Resource = graph.nodes[subject.node]["resource"]
    # Node ids are the address, prefixed by the root when several are scanned: matching the
    # id prefix first keeps this linear in node ids instead of in node data lookups.
    prefix = subject.node[: len(subject.node) - len(me.address)] + "service."
    others = [
        (node, graph.nodes[node]["resource"])
        for node in sorted(n for n in graph if n.startswith(prefix) and n != subject.node)
    ]
    others = [(n, r) for n, r in others if r.type == "compose_service" and r.root == me.root]
    theirs: dict[str, list[tuple[str, bool]]] = {}
    for node, other in others:
        for _, what, read_only in _mounts(other, graph, node):
            theirs.setdefault(what, []).append((other.address, read_only))
    for index, what, read_only in _mounts(me, graph, subject.node):
        sharing = [(a, ro) for a, ro in theirs.get(what, []) if not (ro and read_only)]
        if sharing:
            names = ", ".join(
                f"{a} ({'read-only' if ro else 'read-write'})" for a, ro in sorted(sharing)
            )
            mode = "read-only" if read_only else "read-write"
            why = f"volumes[{index}] mounts {what} ({mode}), also mounted by {names}"
            return Outcome(Tri.TRUE, f"volumes[{index}]", (why,), found=f"{what} with {names}")
    return FALSE


def host_namespaces(subject: Subject, facts: Facts, params: dict[str, Any]) -> Outcome:
    """Fails when the service shares one or more host namespaces; names every one."""
    shared, unknown = [], []
    for key, label in NAMESPACES:
        value = subject.attrs.get(key)
        if is_unknown(value):
            unknown.append(key)
        elif isinstance(value, str) and value.strip().lower() == "host":
            shared.append((key, label))
    if shared:
        found = ", ".join(label for _, label in shared)
        said = tuple(f"{key}: host" for key, _ in shared)
        return Outcome(Tri.TRUE, shared[0][0], said, found=found)
    if unknown:
        return Outcome(Tri.UNKNOWN, unknown[0], tuple(f"{k} is unknown" for k in unknown))
    return FALSE


CHECKS: dict[str, Check] = {
    "compose_all_interfaces": all_interfaces,
    "compose_shared_mount": shared_mount,
    "compose_host_namespaces": host_namespaces,
}
