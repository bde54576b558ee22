"""A module directory's declarations, and what every instance of one root shares."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iacscan.model import Resource, ScanError
from iacscan.reading import Refused, Tree
from iacscan.terraform import ast
from iacscan.terraform.budget import Budget

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
    # Attributes and block types an override file wrote: their lines are in another file, so
    # findings on them point at the block (in ``file``) instead of a wrong line.
    overridden: frozenset[str] = frozenset()


@dataclass
class ModuleConfig:
    """All declarations of one module directory, merged across its files."""

    dir: Path
    variables: dict[str, Declared] = field(default_factory=dict)
    locals: dict[str, tuple[ast.Attribute, str]] = field(default_factory=dict)
    resources: dict[tuple[str, str, str], Declared] = field(default_factory=dict)
    modules: dict[str, Declared] = field(default_factory=dict)
    outputs: dict[str, Declared] = field(default_factory=dict)
    providers: dict[str, Declared] = field(default_factory=dict)  # "aws" or "aws.alias"

    def add(self, parsed: ast.ParsedFile, rel: str, errors: list[ScanError]) -> None:
        if is_override(rel.rsplit("/", 1)[-1]):
            for block in parsed.body.blocks:
                self._override(block, rel, errors)
            return
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
            elif kind == "provider" and len(labels) == 1:
                alias = block.body.attributes.get("alias")
                name = getattr(alias.expr, "value", None) if alias else None
                self.providers[f"{labels[0]}.{name}" if name else labels[0]] = declared
            elif kind in ("resource", "data", "variable", "module", "output"):
                errors.append(ScanError(rel, block.line, f"malformed {kind} block labels"))

    def _override(self, block: ast.Block, rel: str, errors: list[ScanError]) -> None:
        """Merge one block of an override file into the block it overrides (Terraform's
        override semantics: arguments replace arguments, and nested blocks of a type the
        override writes replace all the original's blocks of that type)."""
        kind, labels = block.type, block.labels
        if kind == "locals":
            for attr in block.body.attributes.values():
                if attr.name not in self.locals:
                    errors.append(ScanError(rel, attr.line, f"no local.{attr.name} to override"))
                self.locals[attr.name] = (attr, rel)
            return
        table: dict[Any, Declared] | None = None
        key: Any = labels[0] if len(labels) == 1 else None
        if kind in ("resource", "data") and len(labels) == 2:
            table, key = self.resources, ("managed" if kind == "resource" else "data", *labels)
        elif kind in ("variable", "module", "output") and len(labels) == 1:
            table = getattr(
                self, {"variable": "variables", "module": "modules"}.get(kind, "outputs")
            )
        elif kind == "provider" and len(labels) == 1:
            alias = block.body.attributes.get("alias")
            name = getattr(alias.expr, "value", None) if alias else None
            table, key = self.providers, f"{labels[0]}.{name}" if name else labels[0]
        if table is None:
            return  # terraform blocks and the like: nothing we evaluate
        base = table.get(key)
        if base is None:
            what = " ".join([kind, *(f'"{label}"' for label in labels)])
            errors.append(
                ScanError(rel, block.line, f"override of {what}: no such block to override")
            )
            return
        written = {*block.body.attributes, *(b.type for b in block.body.blocks)}
        table[key] = Declared(_merged(base.block, block), base.file, base.overridden | written)


def _merged(base: ast.Block, override: ast.Block) -> ast.Block:
    replaced = {b.type for b in override.body.blocks}
    body = ast.Body(
        {**base.body.attributes, **override.body.attributes},
        tuple(b for b in base.body.blocks if b.type not in replaced) + override.body.blocks,
    )
    return ast.Block(base.type, base.labels, body, base.line, base.end_line)


def is_override(name: str) -> bool:
    """``override.tf``, ``*_override.tf`` (and ``.tf.json``): merged after the other files."""
    stem = name.removesuffix(".json").removesuffix(".tf")
    return stem == "override" or stem.endswith("_override")


class Project:
    """What all module instances of one root share: configs, errors, and the output list."""

    def __init__(
        self,
        root_dir: Path,
        scan_root: Path,
        load_config: Callable[[Path], ModuleConfig | None],
        errors: list[ScanError],
        aws_settings: Mapping[str, str] | None = None,
        tree: Tree | None = None,
    ) -> None:
        self.tree = tree or Tree([scan_root])
        self.root_dir = root_dir
        self.aws = dict(aws_settings or {})  # region, account_id, partition
        self.scan_root = scan_root
        self.load_config = load_config
        self.errors = errors
        self.resources: list[Resource] = []
        self.evaluated_dirs: set[Path] = set()  # every module directory instantiated
        self.root_name = Path(os.path.relpath(root_dir, scan_root)).as_posix()
        self.budget = Budget()  # evaluation steps of this root and every module it calls
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
