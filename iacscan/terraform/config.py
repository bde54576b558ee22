"""A module directory's declarations, and what every instance of one root shares."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from iacscan.model import Resource, ScanError
from iacscan.reading import Refused, Tree
from iacscan.terraform import ast

MODULES_JSON = Path(".terraform") / "modules" / "modules.json"


def read_modules_json(directory: Path, tree: Tree) -> tuple[dict[str, str], str | None]:
    """Module key -> directory as ``terraform init`` recorded them (relative to
    ``directory``), and what went wrong reading the manifest (None: fine or absent)."""
    manifest = directory / MODULES_JSON
    if not os.path.lexists(manifest):
        return {}, None
    try:
        document = json.loads(tree.read(manifest))
    except Refused as refused:
        return {}, refused.message
    except (ValueError, RecursionError):
        return {}, "invalid JSON, not read"
    entries = document.get("Modules") if isinstance(document, dict) else None
    found: dict[str, str] = {}
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("Dir"), str):
            found[str(entry.get("Key", ""))] = entry["Dir"]
    return found, None


@dataclass(frozen=True)
class Declared:
    """A top-level block and the file it was written in (relative to the scanned root)."""

    block: ast.Block
    file: str


@dataclass
class ModuleConfig:
    """All declarations of one module directory, merged across its files."""

    dir: Path
    variables: dict[str, Declared] = field(default_factory=dict)
    locals: dict[str, tuple[ast.Attribute, str]] = field(default_factory=dict)
    resources: dict[tuple[str, str, str], Declared] = field(default_factory=dict)
    modules: dict[str, Declared] = field(default_factory=dict)
    outputs: dict[str, Declared] = field(default_factory=dict)

    def add(self, parsed: ast.ParsedFile, rel: str, errors: list[ScanError]) -> None:
        for block in parsed.body.blocks:
            declared = Declared(block, rel)
            kind, labels = block.type, block.labels
            if kind == "locals":
                for attr in block.body.attributes.values():
                    self.locals[attr.name] = (attr, rel)
            elif kind in ("resource", "data") and len(labels) == 2:
                mode = "managed" if kind == "resource" else "data"
                self.resources[(mode, labels[0], labels[1])] = declared
            elif kind in ("variable", "module", "output") and len(labels) == 1:
                getattr(self, {"variable": "variables", "module": "modules"}.get(kind, "outputs"))[
                    labels[0]
                ] = declared
            elif kind in ("resource", "data", "variable", "module", "output"):
                errors.append(ScanError(rel, block.line, f"malformed {kind} block labels"))


class Project:
    """What all module instances of one root share: configs, errors, and the output list."""

    def __init__(
        self,
        root_dir: Path,
        scan_root: Path,
        load_config: Callable[[Path], ModuleConfig | None],
        errors: list[ScanError],
        tree: Tree | None = None,
    ) -> None:
        self.tree = tree or Tree([scan_root])
        self.root_dir = root_dir
        self.scan_root = scan_root
        self.load_config = load_config
        self.errors = errors
        self.resources: list[Resource] = []
        self.root_name = Path(os.path.relpath(root_dir, scan_root)).as_posix()
        self._modules_json: dict[str, str] | None = None

    def error(self, file: str, line: int, message: str, kind: str = "eval") -> None:
        self.errors.append(ScanError(file, line, message, kind))

    def installed_module(self, key: str) -> Path | None:
        """Where ``terraform init`` put a remote module (``.terraform/modules/modules.json``)."""
        if self._modules_json is None:
            self._modules_json, problem = read_modules_json(self.root_dir, self.tree)
            if problem is not None:
                rel = Path(os.path.relpath(self.root_dir / MODULES_JSON, self.scan_root))
                self.error(rel.as_posix(), 0, problem, "read")
        found = self._modules_json.get(key)
        return self.root_dir / found if found else None  # resolved (and checked) on loading
