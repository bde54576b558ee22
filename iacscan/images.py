"""Container image references, parsed once for compose, ECS and Kubernetes.

A reference is ``[REGISTRY/]REPOSITORY[:TAG][@DIGEST]``. The first path component is a
registry host only when it looks like one (it has a ``.`` or a ``:port``, or is
``localhost``); otherwise the image is on Docker Hub, where one-component names are official
images under ``library/``. So ``localhost:5000/app`` is registry ``localhost:5000``, while
``nginx:1.25`` is ``docker.io/library/nginx`` with tag ``1.25``: splitting on the first
``:`` would get both wrong.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass

DOCKER_HUB = "docker.io"
_HUB_ALIASES = {"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"}
_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
_TAG = re.compile(r"^[\w][\w.-]{0,127}$")
_DIGEST = re.compile(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}$")
_HOST = re.compile(r"^(?:\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(?::[0-9]+)?$")


@dataclass(frozen=True)
class ImageRef:
    """One parsed reference. ``registry`` is ``docker.io`` for Docker Hub, whose official
    images have ``repository`` ``library/NAME``."""

    text: str
    registry: str
    repository: str
    tag: str | None = None
    digest: str | None = None

    @property
    def pinned(self) -> bool:
        """Pinned by digest: the only reference that cannot change under the same name."""
        return self.digest is not None

    @property
    def latest(self) -> bool:
        """No tag and no digest (Docker then pulls ``latest``), or ``latest`` itself."""
        return self.digest is None and self.tag in (None, "latest")

    @property
    def name(self) -> str:
        """``registry/repository``, the part an allow-list is matched against."""
        return f"{self.registry}/{self.repository}"


def _is_host(component: str) -> bool:
    if component == "localhost":
        return True
    return ("." in component or ":" in component or component.startswith("[")) and bool(
        _HOST.match(component)
    )


def parse_image(text: str) -> ImageRef | None:
    """The reference's parts, or None when it is not a valid reference (empty, spaces,
    upper-case repository, bad tag or digest). Interpolated or unknown values are the
    caller's to detect before calling."""
    ref = text.strip() if isinstance(text, str) else ""
    if not ref or any(c.isspace() for c in ref):
        return None
    digest = None
    if "@" in ref:
        ref, digest = ref.split("@", 1)
        if not _DIGEST.match(digest):
            return None
    tag = None
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:  # a colon after the last slash separates the tag (not a registry port)
        ref, tag = ref[:colon], ref[colon + 1 :]
        if not _TAG.match(tag):
            return None
    parts = ref.split("/")
    if len(parts) > 1 and _is_host(parts[0]):
        registry, path = parts[0].lower(), parts[1:]
    else:
        registry, path = DOCKER_HUB, parts
    if registry in _HUB_ALIASES:
        registry = DOCKER_HUB
        if len(path) == 1:
            path = ["library", *path]
    if not path or not all(_COMPONENT.match(p) for p in path):
        return None
    return ImageRef(text, registry, "/".join(path), tag, digest)


def registry_allowed(image: ImageRef, allowed: Iterable[str]) -> bool:
    """Does an allow-list entry cover the image? An entry is a registry host
    (``ghcr.io``), a registry with a path prefix matched by whole components
    (``ghcr.io/acme`` covers ``ghcr.io/acme/app`` but not ``ghcr.io/acme-evil/app``), or a
    glob (``*.dkr.ecr.*.amazonaws.com``). ``docker.io`` names Docker Hub."""
    for entry in allowed:
        pattern = entry.strip().rstrip("/").lower()
        host, _, prefix = pattern.partition("/")
        host = DOCKER_HUB if host in _HUB_ALIASES else host
        if not fnmatch.fnmatchcase(image.registry, host):
            continue
        if not prefix:
            return True
        components = image.repository.split("/")
        wanted = prefix.split("/")
        if len(components) >= len(wanted) and all(
            fnmatch.fnmatchcase(c, w) for c, w in zip(components, wanted, strict=False)
        ):
            return True
    return False
