"""Built-in checks for Compose services, for what a declarative condition cannot say.

Each is a stateless ``(subject, graph, params) -> Outcome``; the YAML entry keeps the policy
(which paths, which images, which names) in ``params`` and the Python keeps the semantics:
path prefixes by whole components, image references parsed by ``iacscan.images``,
reachability from ``iacscan.graph.compose_reach``.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from typing import Any

from iacscan.graph.compose_reach import HOST_MODE, networks_of, peers, service_exposure
from iacscan.graph.facts import Facts
from iacscan.graph.network.exposure import Verdict
from iacscan.images import ImageRef, parse_image, registry_allowed
from iacscan.model.paths import host_path
from iacscan.model.values import Substituted, Unknown, is_unknown
from iacscan.rules.conditions import FALSE, Outcome, Subject, Tri
from iacscan.rules.exposure_checks import details, evidence

Check = Callable[[Subject, Facts, dict[str, Any]], Outcome]
_TRIVIAL = frozenset({"", "true", "false", "yes", "no", "on", "off", "0", "1", "none", "null"})


def _unknown(path: str, value: Any) -> Outcome:
    reason = value.reason if isinstance(value, Unknown) else str(value)
    return Outcome(Tri.UNKNOWN, path, (f"{path} = (unknown: {reason})",))


def _under(path: str, prefix: str) -> bool:
    """Path prefix by whole components: ``/etc/ssl`` is under ``/etc``, ``/etcd`` is not;
    ``/`` only matches itself (everything is under it)."""
    prefix = prefix.rstrip("/") or "/"
    if prefix == "/":
        return path == "/"
    return path == prefix or path.startswith(prefix + "/")


def host_source(graph: Any, node: str, index: int, mount: Any) -> Any:
    """The host path a mount exposes: a bind's source, or the ``device`` of a named volume
    that the local driver binds (``driver_opts: {o: bind, device: /srv}``); else None."""
    if not isinstance(mount, dict):
        return None
    if mount.get("type") == "bind":
        return mount.get("source")
    if mount.get("type") != "volume" or node not in graph:
        return None
    for _, target, data in graph.out_edges(node, data=True):
        if data.get("kind") == "mounts" and data.get("attribute") == f"volumes[{index}]":
            attrs = graph.nodes[target]["resource"].attrs
            opts = attrs.get("driver_opts")
            if attrs.get("driver", "local") != "local" or not isinstance(opts, dict):
                return None
            options = str(opts.get("o", "")).split(",")
            device = opts.get("device")
            if "bind" in options or "rbind" in options:
                return host_path(device) if isinstance(device, str) else device
    return None


def sensitive_host_mount(subject: Subject, facts: Facts, params: dict[str, Any]) -> Outcome:
    """Fails on a bind mount (or a named volume bound to a host directory) of a host path
    under one of ``paths`` (and not under one of ``except``); undetermined when a mount's
    source is unknown."""
    volumes = subject.attrs.get("volumes")
    if is_unknown(volumes):
        return _unknown("volumes", volumes)
    unknown: Outcome | None = None
    for i, mount in enumerate(volumes if isinstance(volumes, list) else []):
        path = f"volumes[{i}]"
        if is_unknown(mount) or (isinstance(mount, dict) and is_unknown(mount.get("source"))):
            unknown = unknown or _unknown(path, mount if is_unknown(mount) else mount["source"])
            continue
        source = host_source(facts.graph, subject.node, i, mount)
        if is_unknown(source):
            unknown = unknown or _unknown(path, source)
            continue
        if not isinstance(source, str):
            continue
        if any(_under(source, p) for p in params.get("except", [])):
            continue
        hit = next((p for p in params.get("paths", []) if _under(source, p)), None)
        if hit:
            mode = "read-only" if mount.get("read_only") else "read-write"
            return Outcome(
                Tri.TRUE,
                path,
                (f"{path} mounts host path {source} ({mode}), under {hit}",),
                found=source,
            )
    return unknown or FALSE


def _image(subject: Subject) -> tuple[ImageRef | None, Outcome | None]:
    """The parsed image, or the outcome when there is nothing to judge: a service that
    builds its image (``image`` then only names the result), no image, an unknown one."""
    image = subject.attrs.get("image")
    if subject.attrs.get("build") is not None or image is None:
        return None, FALSE
    if is_unknown(image):
        return None, _unknown("image", image)
    ref = parse_image(str(image))
    return ref, None if ref is not None else FALSE


def image_reference(subject: Subject, facts: Facts, params: dict[str, Any]) -> Outcome:
    """``grade: latest`` fails on an image with no tag or ``:latest``; ``grade: digest`` on
    a tagged image not pinned by digest (the two never fire together)."""
    ref, done = _image(subject)
    if ref is None:
        return done or FALSE
    if params.get("grade") == "latest" and ref.latest:
        why = "has no tag (Docker pulls latest)" if ref.tag is None else "uses the latest tag"
        return Outcome(Tri.TRUE, "image", (f"image {ref.text} {why}",))
    if params.get("grade") == "digest" and not ref.latest and not ref.pinned:
        return Outcome(
            Tri.TRUE, "image", (f"image {ref.text} is tagged {ref.tag}, not pinned by digest",)
        )
    return FALSE


def image_registry(subject: Subject, facts: Facts, params: dict[str, Any]) -> Outcome:
    """Fails on an image from a registry outside ``allowed_registries`` (a project setting;
    an empty list means no policy, and nothing fires)."""
    allowed = [str(a) for a in params.get("allowed_registries") or []]
    if not allowed:
        return FALSE
    ref, done = _image(subject)
    if ref is None:
        return done or FALSE
    if registry_allowed(ref, allowed):
        return FALSE
    return Outcome(
        Tri.TRUE, "image", (f"image {ref.text} comes from {ref.name}, not an allowed registry",)
    )


def literal_secret_env(subject: Subject, facts: Facts, params: dict[str, Any]) -> Outcome:
    """Fails when an environment variable named like a secret (``names``, not
    ``ignore_names``) has a literal value written in the file. Values substituted from the
    environment or ``.env`` are not literal; the value itself is never put in evidence."""
    env = subject.attrs.get("environment")
    if is_unknown(env):
        return _unknown("environment", env)
    names = re.compile(str(params.get("names", "")), re.IGNORECASE)
    ignored = re.compile(str(params.get("ignore_names", "^$")), re.IGNORECASE)
    hits = []
    for name, value in sorted((env if isinstance(env, dict) else {}).items()):
        if not names.search(name) or ignored.search(name) or not isinstance(value, str):
            continue
        if isinstance(value, Substituted) or value.strip().lower() in _TRIVIAL:
            continue
        if value.startswith(tuple(params.get("ignore_value_prefixes", []))):
            continue
        hits.append(name)
    if not hits:
        return FALSE
    said = tuple(f"environment.{n} has a literal value in the file (not shown)" for n in hits)
    return Outcome(Tri.TRUE, f"environment.{hits[0]}", said)


def data_store(subject: Subject, params: dict[str, Any]) -> bool | None:
    """Does the image name a data store or admin tool of ``images`` (None: unknown image)?"""
    image = subject.attrs.get("image")
    if is_unknown(image):
        return None
    ref = parse_image(str(image)) if isinstance(image, str) else None
    if ref is None:
        return False
    last = ref.repository.rsplit("/", 1)[-1]
    return any(
        fnmatch.fnmatchcase(last, p) or fnmatch.fnmatchcase(ref.repository, p)
        for p in params.get("images", [])
    )


def _touches(verdict: Verdict, ports: list[int]) -> bool:
    """Is a published port mapping one of the data-store ``ports``? The host network's all-ports
    verdict does not: it says what could listen, not that a database does."""
    if HOST_MODE in verdict.assumptions:
        return False
    return exact_ports(verdict, ports)


def exact_ports(verdict: Verdict, ports: list[int]) -> bool:
    """Is every port of the mapping one of ``ports``? A generic service's range that
    happens to include 7000-7001 is not a Cassandra."""
    low, high = verdict.ports
    return all(p in ports for p in range(low, high + 1))


def published_data_store(subject: Subject, facts: Facts, params: dict[str, Any]) -> Outcome:
    """Fails when a data store or admin service (by image, ``images``; or by a well-known
    port, ``ports``) is published on all interfaces; undetermined when that depends on an
    unknown (an image from a variable, an internal-only network, an unknown host IP)."""
    graph = facts.graph
    store = data_store(subject, params)
    ports = [int(p) for p in params.get("ports", [])]
    verdicts = service_exposure(graph, subject.node)
    selected = [v for v in verdicts if store or _touches(v, ports) or store is None]
    hits = [v for v in selected if v.verdict == "OPEN" and (store or _touches(v, ports))]
    if hits:
        return Outcome(
            Tri.TRUE, "ports", tuple(e for v in hits for e in evidence(v)), details(hits)
        )
    maybe = [
        v
        for v in selected
        if v.verdict == "UNDETERMINED" or (store is None and v.verdict == "OPEN")
    ]
    if maybe:
        return Outcome(
            Tri.UNKNOWN, "ports", tuple(e for v in maybe for e in evidence(v)), details(maybe)
        )
    return FALSE


def flat_network_data_store(subject: Subject, facts: Facts, params: dict[str, Any]) -> Outcome:
    """Fails on a data store whose only network is the project's ``default`` one, shared
    with a service published on all interfaces: one flat network puts the data store one
    hop from whatever compromises the published service."""
    graph = facts.graph
    store = data_store(subject, params)
    if store is False:
        return FALSE
    networks = networks_of(graph, subject.node)
    names = [graph.nodes[n]["resource"].name for n in networks]
    if names != ["default"]:
        return FALSE
    published = [
        peer
        for peer in peers(graph, subject.node)
        if any(v.verdict == "OPEN" for v in service_exposure(graph, peer))
    ]
    if not published:
        return FALSE
    said = tuple(f"{networks[0]} is shared with published {p}" for p in published)
    if store is None:
        return Outcome(Tri.UNKNOWN, "image", (*said, "image is unknown"))
    return Outcome(Tri.TRUE, "", said)


CHECKS: dict[str, Check] = {
    "compose_sensitive_host_mount": sensitive_host_mount,
    "compose_image_reference": image_reference,
    "compose_image_registry": image_registry,
    "compose_literal_secret_env": literal_secret_env,
    "compose_published_data_store": published_data_store,
    "compose_flat_network_data_store": flat_network_data_store,
}
