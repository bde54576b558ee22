"""Checks for ECS, EKS and Kubernetes rules that a declarative condition cannot say.

Image references need the shared parser (``iacscan.images``); secret-looking environment
variables need the name and the value of the same entry; host paths are compared as
normalized path prefixes; "runs as root" follows Kubernetes' pod/container precedence; a
namespace's network policies are other resources. Each check is a stateless function of
(subject, graph, params) like those in ``checks.py``.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from typing import Any

from iacscan.containers import ecs
from iacscan.containers.kubernetes import security_setting
from iacscan.graph.facts import Facts
from iacscan.images import parse_image, registry_allowed
from iacscan.model.values import Ref, Unknown, is_unknown
from iacscan.rules.conditions import FALSE, Outcome, Subject, Tri, resolve, show

Check = Callable[[Subject, Facts, dict[str, Any]], Outcome]

# A name token that says "this value is a secret"; names that only point at one are not.
SECRET_NAME = re.compile(
    r"(?i)(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|CREDENTIAL|PRIVATE_?KEY|API_?KEY|(^|_)(KEY|PWD|AUTH)(_|$))"
)
SECRET_REFERENCE = re.compile(r"(?i)_(ARN|ID|NAME|PATH|FILE|URL|URI|ENDPOINT|REGION|LENGTH|TTL)$")
# Where container runtimes listen: mounting the socket (or a directory above it) gives
# control of every container on the host.
RUNTIME_SOCKETS = (
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/run/containerd/containerd.sock",
    "/var/run/containerd/containerd.sock",
    "/var/run/crio/crio.sock",
    "/run/crio/crio.sock",
)


def _path(subject: Subject, where: str) -> str:
    return subject.path_prefix + where if where else subject.path_prefix.rstrip(".")


def _unknown(path: str, value: Any) -> Outcome:
    return Outcome(Tri.UNKNOWN, path, (f"{path} = {show(value)}",))


def image_not_pinned(subject: Subject, facts: Facts, params: dict[str, Any]) -> Outcome:
    """Fails on an image that can change under the same name. ``grade: latest`` flags no tag
    or ``:latest`` (worst: any push replaces it); ``grade: tag`` flags any other tag without
    a digest, so one image never fires both rules."""
    for where, value, present in resolve(subject.attrs, params.get("attribute", "image")):
        path = _path(subject, where)
        if is_unknown(value):
            return _unknown(path, value)
        image = parse_image(value) if present and isinstance(value, str) else None
        if image is None or image.pinned:
            continue
        if image.latest == (params.get("grade") == "latest"):
            why = "has no tag" if image.tag is None else f"uses tag {image.tag!r}"
            return Outcome(Tri.TRUE, path, (f"{path}: {value} {why} and no digest",))
    return FALSE


def image_registry_not_allowed(subject: Subject, facts: Facts, params: dict[str, Any]) -> Outcome:
    """Fails on an image whose registry is outside ``allowed_registries``; an empty list (no
    policy configured) never fires."""
    allowed = [str(a) for a in params.get("allowed_registries") or []]
    if not allowed:
        return FALSE
    for where, value, present in resolve(subject.attrs, params.get("attribute", "image")):
        path = _path(subject, where)
        if is_unknown(value):
            return _unknown(path, value)
        image = parse_image(value) if present and isinstance(value, str) else None
        if image is not None and not registry_allowed(image, allowed):
            evidence = (f"{path}: {value} is from {image.name}", f"allowed: {', '.join(allowed)}")
            return Outcome(Tri.TRUE, path, evidence)
    return FALSE


def literal_secret_environment(subject: Subject, facts: Facts, params: dict[str, Any]) -> Outcome:
    """Fails on an environment entry whose name says secret and whose value is written in
    the definition (readable by anyone who can describe it). Evidence names the variable,
    never the value. An unknown value may be null: undetermined."""
    unknown: Outcome | None = None
    for where, entry, present in resolve(subject.attrs, params["attribute"]):
        path = _path(subject, where)
        if is_unknown(entry):
            unknown = unknown or _unknown(path, entry)
            continue
        name = entry.get("name") if present and isinstance(entry, dict) else None
        if not isinstance(name, str) or not _secret_name(name):
            continue
        value = entry.get("value")
        if is_unknown(value):
            unknown = unknown or Outcome(Tri.UNKNOWN, path, (f"{path}: {name} = (unknown)",))
        elif value not in (None, ""):
            return Outcome(Tri.TRUE, path, (f"{path}: {name} holds a literal value",))
    return unknown or FALSE


def _secret_name(name: str) -> bool:
    return bool(SECRET_NAME.search(name)) and not SECRET_REFERENCE.search(name)


def sensitive_host_path(subject: Subject, facts: Facts, params: dict[str, Any]) -> Outcome:
    """Fails on a host path volume. ``kind: socket``: a container runtime socket, or a
    directory that contains one (``/var/run``, ``/``). ``kind: sensitive``: one of
    ``params["paths"]`` or anything under it, sockets excluded (their own rule)."""
    unknown: Outcome | None = None
    for where, value, present in resolve(subject.attrs, params["attribute"]):
        path = _path(subject, where)
        if is_unknown(value):
            unknown = unknown or _unknown(path, value)
            continue
        if not present or not isinstance(value, str) or not value.startswith("/"):
            continue
        host = posixpath.normpath(value).replace("//", "/")
        socket = any(s == host or s.startswith(host.rstrip("/") + "/") for s in RUNTIME_SOCKETS)
        if params["kind"] == "socket" and socket:
            why = f"{path} = {value} exposes the container runtime"
            return Outcome(Tri.TRUE, path, (why,), found=value)
        prefixes = [str(p).rstrip("/") for p in params.get("paths", [])]
        if params["kind"] == "sensitive" and not socket and _under(host, prefixes):
            why = f"{path} = {value} is a sensitive host path"
            return Outcome(Tri.TRUE, path, (why,), found=value)
    return unknown or FALSE


def _under(path: str, prefixes: list[str]) -> bool:
    return any(path == p or path.startswith(p + "/") for p in prefixes if p)


def same_value(subject: Subject, facts: Facts, params: dict[str, Any]) -> Outcome:
    """Fails when two attributes (``params["attributes"]``) are set to the same value: the
    same literal, or a reference to the same resource attribute. Undetermined when either is
    an Unknown that might equal the other."""
    first, second = params["attributes"]
    a, b = subject.attrs.get(first), subject.attrs.get(second)
    if a in (None, "") or b in (None, ""):
        return FALSE
    if isinstance(a, Unknown) or isinstance(b, Unknown):
        return Outcome(Tri.UNKNOWN, first, (f"{first} = {show(a)}", f"{second} = {show(b)}"))
    if isinstance(a, Ref) != isinstance(b, Ref) or a != b:
        return FALSE
    return Outcome(Tri.TRUE, first, (f"{first} and {second} are both {show(a)}",))


def invalid_container_definitions(
    subject: Subject, facts: Facts, params: dict[str, Any]
) -> Outcome:
    """Fails when ``container_definitions`` is known but not a JSON array of objects: the
    container rules cannot judge it (and the AWS provider would refuse it)."""
    value = subject.attrs.get(ecs.ATTRIBUTE)
    error = ecs.decode(value).error if value is not None else ""
    if not error:
        return FALSE
    return Outcome(Tri.TRUE, ecs.ATTRIBUTE, (f"{ecs.ATTRIBUTE}: {error}",))


def kubernetes_runs_as_root(subject: Subject, facts: Facts, params: dict[str, Any]) -> Outcome:
    """Fails when the container runs as UID 0, or when neither it nor its pod sets
    ``run_as_non_root = true`` or a non-zero ``run_as_user`` (the image's user, often root,
    then applies). The container's setting overrides the pod's."""
    container = subject.extra["container"]
    user, user_path = security_setting(container, "run_as_user")
    non_root, non_root_path = security_setting(container, "run_as_non_root")
    if is_unknown(user):
        return _unknown(user_path, user)
    if user is not None and str(user) == "0":
        return Outcome(Tri.TRUE, user_path, (f"{user_path} = 0",))
    if user is not None or non_root is True or non_root == "true":
        return FALSE
    if is_unknown(non_root):
        return _unknown(non_root_path, non_root)
    path = container.path
    why = f"{non_root_path} = {show(non_root)}" if non_root_path else "run_as_non_root is not set"
    return Outcome(Tri.TRUE, path, (f"{why} and no run_as_user, at container or pod level",))


def namespace_without_network_policy(
    subject: Subject, facts: Facts, params: dict[str, Any]
) -> Outcome:
    """Fails on a ``kubernetes_namespace`` no ``kubernetes_network_policy`` (or ``_v1``) of
    the same root module applies to: pods in it accept traffic from every pod. Undetermined
    when the namespace name or a policy's namespace is unknown."""
    graph = facts.graph
    namespace_resource = graph.nodes[subject.node]["resource"]
    name = _metadata(subject.attrs, "name")
    if is_unknown(name):
        return _unknown("metadata[0].name", name)
    maybe = []
    for _, data in graph.nodes(data=True):
        policy = data["resource"]
        if policy.type not in params["policy_types"] or policy.root != namespace_resource.root:
            continue
        namespace = _metadata(policy.attrs, "namespace")
        if namespace in (None, ""):
            namespace = "default"
        if namespace == name or (
            isinstance(namespace, Ref) and namespace.address == namespace_resource.address
        ):
            return FALSE
        if is_unknown(namespace):
            maybe.append(f"{policy.address} may apply to it ({show(namespace)})")
    if maybe:
        return Outcome(Tri.UNKNOWN, "metadata[0].name", tuple(maybe))
    shown = repr(name) if name else "(generated name)"
    return Outcome(Tri.TRUE, "metadata[0].name", (f"no network policy in namespace {shown}",))


def _metadata(attrs: Any, key: str) -> Any:
    blocks = attrs.get("metadata") if isinstance(attrs, dict) else None
    if is_unknown(blocks):
        return blocks
    block = blocks[0] if isinstance(blocks, list) and blocks else {}
    return block.get(key) if isinstance(block, dict) else block


CHECKS: dict[str, Check] = {
    "image_not_pinned": image_not_pinned,
    "image_registry_not_allowed": image_registry_not_allowed,
    "literal_secret_environment": literal_secret_environment,
    "sensitive_host_path": sensitive_host_path,
    "same_value": same_value,
    "invalid_container_definitions": invalid_container_definitions,
    "kubernetes_runs_as_root": kubernetes_runs_as_root,
    "namespace_without_network_policy": namespace_without_network_policy,
}
