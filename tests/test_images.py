"""Image references: registry hosts with ports, Docker Hub normalization, digests, allow-lists."""

from __future__ import annotations

import pytest

from iacscan.images import ImageRef, parse_image, registry_allowed

SHA = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("text", "registry", "repository", "tag", "digest"),
    [
        ("nginx", "docker.io", "library/nginx", None, None),
        ("nginx:1.25", "docker.io", "library/nginx", "1.25", None),
        ("bitnami/redis:7.2", "docker.io", "bitnami/redis", "7.2", None),
        ("docker.io/nginx", "docker.io", "library/nginx", None, None),
        ("index.docker.io/library/nginx:latest", "docker.io", "library/nginx", "latest", None),
        ("localhost:5000/app", "localhost:5000", "app", None, None),
        ("localhost/app:1", "localhost", "app", "1", None),
        (
            "registry.example.com:8443/team/app:v2",
            "registry.example.com:8443",
            "team/app",
            "v2",
            None,
        ),
        ("ghcr.io/acme/api@" + SHA, "ghcr.io", "acme/api", None, SHA),
        ("ghcr.io/acme/api:1.0@" + SHA, "ghcr.io", "acme/api", "1.0", SHA),
        (
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:3",
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
            "app",
            "3",
            None,
        ),
        ("[::1]:5000/app", "[::1]:5000", "app", None, None),
        ("my_org/app", "docker.io", "my_org/app", None, None),
    ],
)
def test_parse(
    text: str, registry: str, repository: str, tag: str | None, digest: str | None
) -> None:
    assert parse_image(text) == ImageRef(text, registry, repository, tag, digest)


@pytest.mark.parametrize(
    "text", ["", "  ", "Nginx", "nginx:", "nginx:bad tag", "app@sha256:12", "a//b", ":1"]
)
def test_invalid_references(text: str) -> None:
    assert parse_image(text) is None


def test_pinned_and_latest() -> None:
    assert parse_image("nginx").latest and not parse_image("nginx").pinned  # type: ignore[union-attr]
    assert parse_image("nginx:latest").latest  # type: ignore[union-attr]
    assert not parse_image("nginx:1.25").latest  # type: ignore[union-attr]
    pinned = parse_image("nginx@" + SHA)
    assert pinned is not None and pinned.pinned and not pinned.latest


@pytest.mark.parametrize(
    ("text", "allowed", "expected"),
    [
        ("ghcr.io/acme/app:1", ["ghcr.io"], True),
        ("ghcr.io/acme/app:1", ["ghcr.io/acme"], True),
        ("ghcr.io/acme-evil/app:1", ["ghcr.io/acme"], False),
        ("nginx:1", ["docker.io/library"], True),
        ("nginx:1", ["index.docker.io"], True),
        ("evil.io/nginx:1", ["docker.io"], False),
        ("123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:3", ["*.dkr.ecr.*.amazonaws.com"], True),
        ("quay.io/x/y", [], False),
    ],
)
def test_registry_allowed(text: str, allowed: list[str], expected: bool) -> None:
    image = parse_image(text)
    assert image is not None
    assert registry_allowed(image, allowed) is expected
