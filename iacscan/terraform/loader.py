"""Terraform input: discover module directories, parse them, evaluate every root module.

A directory holding ``*.tf`` or ``*.tf.json`` is a module; the roots are the modules that no
other scanned module calls through a local source. Root variables take their values in
Terraform's order (later wins): declared default, ``TF_VAR_name``, ``terraform.tfvars``,
``terraform.tfvars.json``, ``*.auto.tfvars(.json)`` in lexical order, ``--var-file`` files,
then ``--var`` assignments.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from iacscan.cache import ParseCache, Progress, parse_all
from iacscan.inputs import InputLoad
from iacscan.model import ScanError
from iacscan.terraform import ast
from iacscan.terraform.config import ModuleConfig, Project
from iacscan.terraform.expressions import Env, EvalError, Evaluator, Step
from iacscan.terraform.functions import FunctionContext
from iacscan.terraform.hcl import HclSyntaxError, parse_expression, parse_hcl
from iacscan.terraform.json_syntax import JsonSyntaxError, parse_tf_json
from iacscan.terraform.modules import ModuleInstance

SKIP_DIRS = frozenset({".terraform", ".git", "node_modules"})
RAW = "raw"  # marks a --var / TF_VAR_ string whose meaning depends on the declared type


def is_config_file(name: str) -> bool:
    return name.endswith((".tf", ".tf.json"))


def discover(path: Path) -> list[Path]:
    """Module directories under ``path`` (or holding it), skipping tool and hidden dirs."""
    if path.is_file():
        # A changed .tfvars file (pre-commit passes changed files) means its module.
        wanted = is_config_file(path.name) or path.name.endswith((".tfvars", ".tfvars.json"))
        return [path.parent] if wanted and _config_files(path.parent) else []
    found: list[Path] = []
    for current, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        if any(is_config_file(f) for f in files):
            found.append(Path(current))
    return found


def _parse_file(path: str, kind: str, data: bytes) -> Any:
    """Parse worker (runs in a pool): a ParsedFile, or a ScanError-shaped tuple."""
    text = data.decode("utf-8", errors="replace")
    try:
        if kind == "tf.json":
            return parse_tf_json(text, path)
        return parse_hcl(text, path)
    except (HclSyntaxError, JsonSyntaxError) as exc:
        return ("error", getattr(exc, "line", 1), getattr(exc, "message", str(exc)))
    except RecursionError:
        return ("error", 1, "nesting too deep for the parser")


class TerraformLoader:
    """Parses module directories once and evaluates the root modules among them."""

    def __init__(
        self,
        scan_root: Path,
        cache: ParseCache,
        workers: int = 1,
        var_files: Iterable[Path] = (),
        variables: Mapping[str, str] | None = None,
        environ: Mapping[str, str] | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.scan_root = scan_root.resolve()
        self.cache = cache
        self.workers = workers
        self.var_files = list(var_files)
        self.variables = dict(variables or {})
        self.environ = dict(os.environ if environ is None else environ)
        self.progress = progress
        self.result = InputLoad()
        self._configs: dict[Path, ModuleConfig | None] = {}
        self._root_prefix = str(self.scan_root).rstrip(os.sep) + os.sep

    def rel(self, path: Path) -> str:
        text, root = str(path), self._root_prefix
        if text.startswith(root):
            return text[len(root) :].replace(os.sep, "/")  # the common case, without relpath
        return Path(os.path.relpath(path, self.scan_root)).as_posix()

    # -- parsing ---------------------------------------------------------------------------------
    def prepare(self, directories: list[Path]) -> None:
        """Parse every file of ``directories`` in one batch (cache, then process pool)."""
        jobs = []
        listing: list[tuple[Path, list[str]]] = []
        for directory in directories:
            resolved = directory.resolve()
            names = []
            for file in _config_files(resolved):
                rel = self.rel(file)
                kind = "tf.json" if file.name.endswith(".tf.json") else "tf"
                try:
                    jobs.append((rel, kind, file.read_bytes()))
                    names.append(rel)
                except OSError as exc:
                    self.result.errors.append(ScanError(rel, 1, f"cannot read: {exc}"))
            listing.append((resolved, names))
        parsed = parse_all(jobs, _parse_file, self.cache, self.workers, self.progress)
        for resolved, names in listing:
            config = ModuleConfig(resolved)
            for rel in names:
                value = parsed[rel]
                if isinstance(value, tuple):
                    self.result.errors.append(ScanError(rel, value[1], value[2]))
                else:
                    self.result.files.append(rel)
                    if value.comments:
                        self.result.comments[rel] = value.comments
                    config.add(value, rel, self.result.errors)
            self._configs[resolved] = config if names else None

    def config(self, directory: Path) -> ModuleConfig | None:
        directory = directory.resolve()
        if directory not in self._configs:
            self.prepare([directory])
        return self._configs[directory]

    # -- evaluation ------------------------------------------------------------------------------
    def load(self, directories: list[Path]) -> InputLoad:
        self.prepare([d for d in directories if d.resolve() not in self._configs])
        called = set()
        for directory in directories:
            config = self._configs.get(directory.resolve())
            for declared in config.modules.values() if config else ():
                source = declared.block.body.attributes.get("source")
                if (
                    source
                    and isinstance(source.expr, ast.Literal)
                    and str(source.expr.value).startswith(("./", "../"))
                ):
                    called.add((directory.resolve() / str(source.expr.value)).resolve())
        names: set[str] = set()
        for directory in directories:
            resolved = directory.resolve()
            config = self._configs.get(resolved)
            if config is not None and resolved not in called:
                self.result.roots.append(self.rel(resolved))
                self.evaluate_root(config)
                names.update(config.variables)
        if self.result.roots:
            self._undeclared(names)
        return self.result

    def _undeclared(self, declared: set[str]) -> None:
        """A value for a variable no root declares is likely a typo: warn (Terraform errors)."""
        for name in sorted(set(self.variables) - declared):
            message = f"variable {name!r} is set but no root module declares it"
            self.result.errors.append(ScanError("<command line>", 0, message, "warning"))

    def evaluate_root(self, config: ModuleConfig) -> None:
        project = Project(config.dir, self.scan_root, self.config, self.result.errors)
        values = self.root_values(config)
        instance = ModuleInstance(
            project, config, "", "", lambda name: self._root_input(config, values, name)
        )
        instance.evaluate_all()
        self.result.resources.extend(project.resources)

    def root_values(self, config: ModuleConfig) -> dict[str, tuple[str, Any]]:
        """Variable values by Terraform's precedence; later sources overwrite earlier ones."""
        values: dict[str, tuple[str, Any]] = {}
        for key, raw in sorted(self.environ.items()):
            if key.startswith("TF_VAR_"):
                values[key[len("TF_VAR_") :]] = (RAW, raw)
        auto = sorted(
            p
            for p in config.dir.iterdir()
            if p.name.endswith((".auto.tfvars", ".auto.tfvars.json"))
        )
        for file in [config.dir / "terraform.tfvars", config.dir / "terraform.tfvars.json", *auto]:
            if file.is_file():
                values.update(self._read_tfvars(file))
        for file in self.var_files:
            if not file.is_file():
                self.result.errors.append(ScanError(str(file), 0, "--var-file not found", "usage"))
                continue
            values.update(self._read_tfvars(file))
        for name, raw in self.variables.items():
            values[name] = (RAW, raw)
        return values

    def _read_tfvars(self, file: Path) -> dict[str, tuple[str, Any]]:
        rel = self.rel(file)
        try:
            text = file.read_text(encoding="utf-8", errors="replace")
            if file.name.endswith(".json"):
                from iacscan.terraform.json_syntax import parse_tfvars_json

                return {k: ("value", v) for k, (v, _) in parse_tfvars_json(text, rel).items()}
            parsed = parse_hcl(text, rel)
        except (OSError, HclSyntaxError, JsonSyntaxError) as exc:
            self.result.errors.append(ScanError(rel, getattr(exc, "line", 1), str(exc)))
            return {}
        values = {}
        for attr in parsed.body.attributes.values():
            try:
                values[attr.name] = ("value", static_value(attr.expr))
            except EvalError as exc:
                self.result.errors.append(ScanError(rel, attr.line, f"{attr.name}: {exc}", "eval"))
        return values

    def _root_input(
        self, config: ModuleConfig, values: dict[str, tuple[str, Any]], name: str
    ) -> tuple[bool, Any]:
        if name not in values:
            return False, None
        kind, value = values[name]
        declared = config.variables.get(name)
        type_attr = declared.block.body.attributes.get("type") if declared else None
        if kind == RAW:
            type_expr = type_attr.expr if type_attr else None
            if not (
                type_expr is None
                or (isinstance(type_expr, ast.Variable) and type_expr.name in ("string", "any"))
            ):
                try:
                    value = static_value(parse_expression(value))
                except (HclSyntaxError, EvalError) as exc:
                    self.result.errors.append(
                        ScanError("<command line>", 0, f"variable {name}: {exc}", "usage")
                    )
                    return False, None
        return True, value  # the module instance applies the declared type


class _NoReferences:
    """Scope for tfvars and ``--var`` values: literals only, as Terraform requires."""

    functions = FunctionContext(Path("."), Path("."), None)

    def resolve(self, root: str, steps: list[Step], env: Env) -> tuple[Any, int]:
        raise EvalError(f"variables may not be used here ({root})")


_STATIC = Evaluator(_NoReferences())


def static_value(expr: ast.Expr) -> Any:
    return _STATIC.eval(expr, {})


def _config_files(directory: Path) -> list[Path]:
    try:
        with os.scandir(directory) as entries:
            names = sorted(e.name for e in entries if is_config_file(e.name) and e.is_file())
    except OSError:
        return []
    return [directory / name for name in names]
