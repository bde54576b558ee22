"""Terraform ``kubernetes_*`` workloads: the pod spec at its nesting, and its containers.

The kubernetes provider writes a pod spec at a different depth per kind: ``spec`` for a
pod, ``spec.template.spec`` for controllers, ``spec.job_template.spec.template.spec`` for a
cron job. Every kind exists twice (``kubernetes_deployment`` and ``kubernetes_deployment_v1``,
``kubernetes_daemonset`` and ``kubernetes_daemon_set_v1``) with the same schema. Nested
blocks are lists of objects in the neutral model; a ``dynamic`` block over an unknown
collection leaves an Unknown in their place, which is kept so rules answer undetermined.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from iacscan.model import Resource
from iacscan.model.values import is_unknown

_POD = ("spec",)
_TEMPLATE = ("spec", "template", "spec")
_CRON = ("spec", "job_template", "spec", "template", "spec")
_KINDS: dict[str, tuple[str, ...]] = {
    "pod": _POD,
    "deployment": _TEMPLATE,
    "stateful_set": _TEMPLATE,
    "job": _TEMPLATE,
    "replication_controller": _TEMPLATE,
    "cron_job": _CRON,
}
POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    **{f"kubernetes_{kind}": steps for kind, steps in _KINDS.items()},
    **{f"kubernetes_{kind}_v1": steps for kind, steps in _KINDS.items()},
    "kubernetes_daemonset": _TEMPLATE,
    "kubernetes_daemon_set_v1": _TEMPLATE,
}
WORKLOAD_TYPES = tuple(sorted(POD_SPEC_PATHS))
CONTAINER_BLOCKS = ("init_container", "container")


@dataclass(frozen=True)
class PodSpec:
    """A pod spec found in a workload: ``path`` is its attribute path (``spec[0].template[0].
    spec[0]``), ``attrs`` the block, or the Unknown standing in for it."""

    path: str
    attrs: Any


@dataclass(frozen=True)
class ContainerSpec:
    """One container or init container of a pod spec, with the pod spec it runs in (pod-level
    settings such as ``security_context.run_as_non_root`` apply to it unless it overrides
    them)."""

    path: str
    attrs: Any
    pod: PodSpec


def pod_specs(resource: Resource) -> list[PodSpec]:
    """The pod specs of a workload resource ([] for any other type)."""
    steps = POD_SPEC_PATHS.get(resource.type)
    if steps is None:
        return []
    found: list[PodSpec] = []
    _descend(resource.attrs, steps, "", found)
    return found


def _descend(value: Any, steps: tuple[str, ...], path: str, found: list[PodSpec]) -> None:
    if not steps:
        found.append(PodSpec(path, value))
        return
    if is_unknown(value):
        found.append(PodSpec(path, value))
        return
    block = value.get(steps[0]) if isinstance(value, dict) else None
    here = f"{path}.{steps[0]}" if path else steps[0]
    if is_unknown(block):
        found.append(PodSpec(here, block))
        return
    for i, item in enumerate(block if isinstance(block, list) else []):
        _descend(item, steps[1:], f"{here}[{i}]", found)


def containers(pod: PodSpec) -> list[ContainerSpec]:
    """Init containers then containers; an unknown list (or pod spec) is one record."""
    if is_unknown(pod.attrs):
        return [ContainerSpec(pod.path, pod.attrs, pod)]
    result = []
    for block in CONTAINER_BLOCKS:
        items = pod.attrs.get(block) if isinstance(pod.attrs, dict) else None
        if is_unknown(items):
            result.append(ContainerSpec(f"{pod.path}.{block}", items, pod))
            continue
        for i, item in enumerate(items if isinstance(items, list) else []):
            result.append(ContainerSpec(f"{pod.path}.{block}[{i}]", item, pod))
    return result


def security_setting(container: ContainerSpec, name: str) -> tuple[Any, str]:
    """A security-context setting as it applies to the container: its own value, else the
    pod's (Kubernetes' precedence for ``run_as_user``, ``run_as_non_root``...), with the
    path it was read from; (None, "") when neither sets it."""
    for attrs, path in (
        (container.attrs, container.path),
        (container.pod.attrs, container.pod.path),
    ):
        context = attrs.get("security_context") if isinstance(attrs, dict) else attrs
        if is_unknown(context):
            return context, f"{path}.security_context"
        for i, block in enumerate(context if isinstance(context, list) else []):
            value = block.get(name) if isinstance(block, dict) else block
            if value is not None:
                return value, f"{path}.security_context[{i}].{name}"
    return None, ""
