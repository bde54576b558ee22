"""Compose projects -> ``Resource`` objects, the neutral model every later step reads.

A service's location is where it was first declared; attribute lines are kept for
attributes written in that same file (an attribute that came from an override file or a
base service in another file points at the service line instead, since ``Resource.lines``
holds lines of one file). The project's implicit ``default`` network becomes a
``network.default`` resource at the ``services:`` line whenever some service is on it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from iacscan.compose.discovery import discover_projects
from iacscan.compose.project import Definition, Model, ProjectReader
from iacscan.inputs import InputLoad
from iacscan.model import Location, Resource
from iacscan.reading import Tree

TYPES = {"services": "compose_service", "networks": "compose_network", "volumes": "compose_volume"}
PREFIX = {"services": "service", "networks": "network", "volumes": "volume"}


def load_compose(
    paths: Iterable[Path],
    scan_root: Path,
    environ: Mapping[str, str],
    compose_files: Iterable[Path] = (),
    profiles: Iterable[str] = (),
    tree: Tree | None = None,
) -> InputLoad:
    """Every Compose project under ``paths``, each a root of its own. ``compose_files``
    (``docker compose -f a -f b``) form one project, merged in that order, in place of what
    discovery finds in the first file's directory. ``profiles``: with none, every service
    is loaded (a scanner must see the debug service too); with some, as Compose does,
    services without ``profiles`` and those in a selected profile."""
    projects: dict[Path, list[Path]] = {}
    for path in paths:
        if path.exists():
            for directory, files in discover_projects(path):
                known = projects.setdefault(Path(os.path.abspath(directory)), [])
                known.extend(f for f in files if f not in known)
    explicit = list(compose_files)
    if explicit:
        projects[Path(os.path.abspath(explicit[0].parent))] = explicit
    reader = ProjectReader(scan_root, environ, tree)
    result = InputLoad()
    for directory, files in sorted(projects.items()):
        root = reader.rel(directory)
        try:
            model = reader.load(directory, files)
            resources = project_resources(model, root)
        except Exception as exc:
            message = f"internal error: {type(exc).__name__}: {exc}"[:500]
            reader.error(files[0] if files else directory, 0, message, "internal")
            continue
        result.roots.append(root)
        result.resources.extend(_selected(resources, set(profiles)))
    result.errors, result.files, result.comments = reader.errors, reader.files, reader.comments
    return result


def _selected(resources: list[Resource], profiles: set[str]) -> list[Resource]:
    if not profiles:
        return resources
    return [
        r
        for r in resources
        if r.type != "compose_service"
        or not isinstance(r.attrs.get("profiles"), list)
        or profiles & {str(p) for p in r.attrs["profiles"]}
    ]


def on_default_network(attrs: Mapping[str, Any]) -> bool:
    """A service without ``network_mode`` and without ``networks`` joins ``default``."""
    if attrs.get("network_mode") is not None:
        return False
    networks = attrs.get("networks")
    return not networks or (isinstance(networks, dict) and "default" in networks)


def project_resources(model: Model, root: str) -> list[Resource]:
    resources = []
    for section, definitions in model.sections.items():
        for name, definition in sorted(definitions.items()):
            resources.append(_resource(section, name, definition, root))
    services = model.sections["services"].values()
    implicit = "default" not in model.sections["networks"] and model.services_line
    if implicit and any(on_default_network(d.attrs) for d in services):
        file, line = model.services_line or ("", 0)
        definition = Definition({"name": "default", "implicit": True}, {}, file, line, line)
        resources.append(_resource("networks", "default", definition, root))
    return resources


def _resource(section: str, name: str, definition: Definition, root: str) -> Resource:
    attrs = definition.attrs
    depends = attrs.get("depends_on") if section == "services" else None
    return Resource(
        address=f"{PREFIX[section]}.{name}",
        type=TYPES[section],
        name=name,
        mode="managed",
        attrs=attrs,
        location=Location(definition.file, definition.line, definition.end_line),
        lines={p: (a, b) for p, (f, a, b) in definition.spans.items() if f == definition.file},
        depends_on=tuple(f"service.{n}" for n in sorted(depends))
        if isinstance(depends, dict)
        else (),
        root=root,
    )
