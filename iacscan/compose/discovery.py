"""Which files make a Compose project, in the order Compose reads them.

In a directory Compose takes the first of ``compose.yaml``, ``compose.yml``,
``docker-compose.yml``, ``docker-compose.yaml`` and then the first override file
(``compose.override.yml`` ...), merged onto it. A compose file named explicitly with another
name (``docker-compose.prod.yml``) is a project of its own.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
OVERRIDE_FILES = (
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
)
SKIP_DIRS = frozenset({".terraform", ".git", "node_modules"})
_NAMED = re.compile(r"(^|[._-])compose([._-].*)?\.ya?ml$")
_SERVICES = re.compile(rb"^services[ \t]*:", re.MULTILINE)
SNIFF_BYTES = 4_000_000


def looks_like_compose(path: Path) -> bool:
    """A YAML file named on the command line whatever its name (``stack.yml``): a Compose
    project when a top-level ``services:`` key is written (read by content, not refused)."""
    if not path.name.endswith((".yml", ".yaml")):
        return False
    try:
        with path.open("rb") as handle:
            return bool(_SERVICES.search(handle.read(SNIFF_BYTES)))
    except OSError:
        return False


def project_files(directory: Path) -> list[Path]:
    """The main file and its override, as Compose picks them (empty: no project here)."""
    try:
        names = set(os.listdir(directory))
    except OSError:
        return []
    main = next((n for n in COMPOSE_FILES if n in names and (directory / n).is_file()), None)
    if main is None:
        return []
    override = next((n for n in OVERRIDE_FILES if n in names), None)
    return [directory / main] + ([directory / override] if override else [])


def discover_projects(path: Path) -> list[tuple[Path, list[Path]]]:
    """(project directory, files) under ``path``; a file names its own project."""
    if path.is_file():
        if path.name in COMPOSE_FILES or path.name in OVERRIDE_FILES:
            files = project_files(path.parent)
            return [(path.parent, files)] if files else []
        named = _NAMED.search(path.name) or looks_like_compose(path)
        return [(path.parent, [path])] if named else []
    found = []
    for current, dirs, _ in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        files = project_files(Path(current))
        if files:
            found.append((Path(current), files))
    return found
