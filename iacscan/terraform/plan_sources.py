"""Map plan resources back to the blocks that declare them, so findings and suppressions
work on plans exactly as on HCL.

The source directory is ``--source-dir``, else the plan file's directory when it holds
``.tf`` files. A module instance's directory follows ``module_calls[*].source`` from there
(local paths), or ``.terraform/modules/modules.json`` for modules ``terraform init``
installed. Files are parsed with the HCL parser (never evaluated): only block positions and
comments are needed. Without sources a resource points at the plan file.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

from iacscan.cache import ParseCache
from iacscan.inputs import InputLoad
from iacscan.model import ScanError
from iacscan.reading import Tree
from iacscan.terraform import ast
from iacscan.terraform.config import MODULES_JSON, Declared, ModuleConfig, read_modules_json
from iacscan.terraform.loader import TerraformLoader, is_config_file
from iacscan.terraform.plan_refs import strip_keys

META_ARGUMENTS = frozenset({"count", "for_each", "depends_on", "provider"})


def default_source_dir(plan: Path) -> Path | None:
    """The plan's own directory when it holds the configuration."""
    try:
        return plan.parent if any(is_config_file(p.name) for p in plan.parent.iterdir()) else None
    except OSError:
        return None


class SourceMap:
    """Finds a plan resource's block in the configuration directories."""

    def __init__(
        self,
        data: dict[str, Any],
        plan: Path,
        scan_root: Path,
        source_dir: Path | None,
        cache: ParseCache | None,
        plan_rel: str,
        tree: Tree | None = None,
    ) -> None:
        self.plan_rel = plan_rel
        self.result = InputLoad()
        self.root_dir = source_dir if source_dir is not None else default_source_dir(plan)
        configuration = data.get("configuration")
        config = configuration.get("root_module") if isinstance(configuration, dict) else None
        self.config = config if isinstance(config, dict) else {}
        self.tree = tree or Tree([scan_root])
        self.loader = TerraformLoader(scan_root, cache or ParseCache(None), 1, tree=self.tree)
        self._dirs: dict[str, Path | None] = {}
        self._manifest: dict[str, str] | None = None

    def declared(self, module: str, mode: str, rtype: str, name: str) -> Declared | None:
        """The ``resource``/``data`` block of a plan resource in its module's directory."""
        directory = self.directory(strip_keys(module) if module else "")
        if directory is None:
            return None
        config = self._config(directory)
        return config.resources.get((mode, rtype, name)) if config else None

    def directory(self, module_path: str) -> Path | None:
        """The directory of a module path (``module.a.module.b``), None when not local."""
        if module_path in self._dirs:
            return self._dirs[module_path]
        found: Path | None = None
        if self.root_dir is not None:
            found = self.root_dir
            config = self.config
            names = module_path.split(".")[1::2] if module_path else []
            for depth, name in enumerate(names):
                calls = config.get("module_calls")
                call = calls.get(name) if isinstance(calls, dict) else None
                call = call if isinstance(call, dict) else {}
                found = self._callee(found, str(call.get("source", "")), names[: depth + 1])
                if found is None:
                    break
                module = call.get("module")
                config = module if isinstance(module, dict) else {}
        self._dirs[module_path] = found
        return found

    def _callee(self, caller: Path | None, source: str, names: list[str]) -> Path | None:
        if caller is None:
            return None
        if source.startswith(("./", "../")):
            return caller / source  # resolved (and checked) by the loader
        installed = self._installed().get(".".join(names))
        return self.root_dir / installed if installed and self.root_dir else None

    def _installed(self) -> dict[str, str]:
        if self._manifest is None:
            self._manifest = {}
            if self.root_dir is not None:
                self._manifest, problem = read_modules_json(self.root_dir, self.tree)
                if problem is not None:
                    manifest = self.loader.rel((self.root_dir / MODULES_JSON).absolute())
                    self.loader.result.errors.append(ScanError(manifest, 0, problem, "read"))
        return self._manifest

    def _config(self, directory: Path) -> ModuleConfig | None:
        config = self.loader.config(directory)
        loaded = self.loader.result
        self.result.files = sorted(set(loaded.files))
        self.result.comments.update(loaded.comments)
        self.result.errors = sorted(set(loaded.errors))
        return config


def block_lines(body: ast.Body, prefix: str = "") -> dict[str, tuple[int, int]]:
    """Attribute paths to lines. A nested block type written once maps as ``name[0]``; a
    type written several times maps only as ``name`` (spanning them all), because a plan
    may order set elements differently from the source."""
    lines: dict[str, tuple[int, int]] = {}
    for attr in body.attributes.values():
        lines[prefix + attr.name] = (attr.line, attr.end_line)
    kinds: dict[str, list[ast.Block]] = {}
    for block in body.blocks:
        if block.type != "dynamic":
            kinds.setdefault(block.type, []).append(block)
    for kind, blocks in kinds.items():
        lines[prefix + kind] = (blocks[0].line, blocks[-1].end_line)
        if len(blocks) == 1:
            path = f"{prefix}{kind}[0]"
            lines[path] = (blocks[0].line, blocks[0].end_line)
            lines.update(block_lines(blocks[0].body, path + "."))
    return lines


def own_index_bases(body: ast.Body) -> set[str]:
    """Resources this block reads only as ``x.y[count.index]`` or ``x.y[each.key]``.

    The plan's configuration lists ``aws_subnet.public`` and ``count.index`` but not how they
    combine; the source says it, so each instance reads the instance with its own key.
    """
    own: set[str] = set()
    other: set[str] = set()
    for attr in _attributes(body):
        _visit(attr.expr, own, other)
    return own - other


def _attributes(body: ast.Body) -> list[ast.Attribute]:
    """Value attributes: meta-arguments (``count = length(x.y)``) give no attribute values."""
    found = [a for a in body.attributes.values() if a.name not in META_ARGUMENTS]
    for block in body.blocks:
        if block.type not in ("lifecycle", "provisioner", "connection"):
            found += _attributes(block.body)
    return found


def _chain(expr: Any) -> str | None:
    """``aws_x.y`` or ``data.aws_x.y`` written as a reference, else None."""
    if (
        isinstance(expr, ast.GetAttr)
        and isinstance(expr.obj, ast.Variable)
        and expr.obj.name not in ("var", "local", "module", "data", "each", "count", "path")
    ):
        return f"{expr.obj.name}.{expr.name}"
    if (
        isinstance(expr, ast.GetAttr)
        and isinstance(expr.obj, ast.GetAttr)
        and isinstance(expr.obj.obj, ast.Variable)
        and expr.obj.obj.name == "data"
    ):
        return f"data.{expr.obj.name}.{expr.name}"
    return None


def _is_own_key(expr: Any) -> bool:
    return (
        isinstance(expr, ast.GetAttr)
        and isinstance(expr.obj, ast.Variable)
        and (expr.obj.name, expr.name) in (("count", "index"), ("each", "key"))
    )


def _visit(node: Any, own: set[str], other: set[str]) -> None:
    if isinstance(node, ast.Index) and _is_own_key(node.key) and _chain(node.obj):
        own.add(str(_chain(node.obj)))
        return
    base = _chain(node)
    if base is not None:
        other.add(base)
        return
    if isinstance(node, (tuple, list)):
        for item in node:
            _visit(item, own, other)
    elif is_dataclass(node):
        for item in fields(node):
            _visit(getattr(node, item.name), own, other)
