"""Module instances: lazy, memoized evaluation of variables, locals, resources and calls.

Everything a module declares is evaluated on first use and remembered, so dependency order
falls out of the references themselves (as in Terraform's graph walk) without building a
separate DAG, and a cycle is detected by re-entry instead of crashing. A module called with
``count``/``for_each`` becomes one ``ModuleInstance`` per key, each with its own address
prefix (``module.svc["api"].``), exactly as Terraform addresses them.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iacscan.model import Location, Resource, ScanError
from iacscan.terraform import ast
from iacscan.terraform.expressions import (
    Env,
    EvalError,
    Evaluator,
    ResourceValue,
    Step,
    as_number,
    get_index,
)
from iacscan.terraform.functions import FunctionContext
from iacscan.terraform.values import Ref, Unknown, is_unknown, iter_refs, to_display, unknown_from

META_ATTRIBUTES = frozenset({"count", "for_each", "depends_on", "provider", "lifecycle"})
META_BLOCKS = frozenset({"lifecycle", "provisioner", "connection", "dynamic"})
MODULE_META = frozenset({"source", "version", "count", "for_each", "providers", "depends_on"})


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
    ) -> None:
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
            self._modules_json = {}
            manifest = self.root_dir / ".terraform" / "modules" / "modules.json"
            try:
                for entry in json.loads(manifest.read_text()).get("Modules", []):
                    self._modules_json[str(entry.get("Key", ""))] = str(entry.get("Dir", ""))
            except (OSError, ValueError, AttributeError):
                pass
        found = self._modules_json.get(key)
        return (self.root_dir / found).resolve() if found else None


def instance_suffix(key: int | str | None) -> str:
    if key is None:
        return ""
    return f"[{key}]" if isinstance(key, int) else f"[{json.dumps(key)}]"


class ModuleInstance:
    """One instance of a module; the Scope its expressions are evaluated in."""

    def __init__(
        self,
        project: Project,
        config: ModuleConfig,
        prefix: str,
        key_path: str,
        inputs: Callable[[str], tuple[bool, Any]],
        multi: bool = False,
    ) -> None:
        self.project = project
        self.config = config
        self.prefix = prefix  # "" or "module.a[0].module.b."
        self.key_path = key_path  # modules.json key: "a.b"
        self.inputs = inputs
        self.multi = multi
        self.functions = FunctionContext(project.root_dir, project.scan_root, self.render_file)
        self.evaluator = Evaluator(self)
        self._memo: dict[tuple[str, ...], Any] = {}
        self._active: list[tuple[str, ...]] = []

    # -- memoization with cycle detection ---------------------------------------------------------
    def _memoized(self, key: tuple[str, ...], compute: Callable[[], Any]) -> Any:
        if key in self._memo:
            return self._memo[key]
        if key in self._active:
            chain = " -> ".join(".".join(k[1:]) for k in self._active[self._active.index(key) :])
            raise EvalError(f"cycle: {chain} -> {'.'.join(key[1:])}")
        self._active.append(key)
        try:
            value = compute()
        finally:
            self._active.pop()
        self._memo[key] = value
        return value

    def eval_attr(self, attr: ast.Attribute, file: str, env: Env) -> Any:
        """Evaluate one attribute; an error becomes an Unknown and a reported error."""
        try:
            return self.evaluator.eval(attr.expr, env)
        except EvalError as exc:
            self.project.error(file, attr.line, f"{self.prefix}{attr.name}: {exc}")
            return Unknown(f"evaluation error: {exc}")
        except RecursionError:
            self.project.error(file, attr.line, f"{attr.name}: expression nested too deeply")
            return Unknown("expression nested too deeply")

    def render_file(self, text: str, variables: dict[str, Any]) -> Any:
        from iacscan.terraform.template import parse_template

        template = parse_template(text, 1)
        return self.evaluator.eval(template, dict(variables))

    # -- Scope -----------------------------------------------------------------------------------
    def resolve(self, root: str, steps: list[Step], env: Env) -> tuple[Any, int]:
        name = steps[0][1] if steps and steps[0][0] == "attr" else None
        if root == "var":
            if name is None:
                return {n: self.var(n) for n in self.config.variables}, 0
            return self.var(name), 1
        if root == "local":
            if name is None:
                raise EvalError("local must be followed by a name")
            return self.local(name), 1
        if root == "path":
            return {"module": self._path_module(), "root": ".", "cwd": "."}, 0
        if root == "terraform":
            return {"workspace": "default"}, 0
        if root == "module":
            if name is None:
                raise EvalError("module must be followed by a name")
            return self._module_ref(name, steps, env)
        if root == "data":
            if len(steps) < 2 or steps[1][0] != "attr" or name is None:
                raise EvalError("data must be followed by a type and a name")
            return self.resource_value(("data", name, steps[1][1])), 2
        if root == "resource" and len(steps) > 1 and steps[1][0] == "attr" and name is not None:
            return self.resource_value(("managed", name, steps[1][1])), 2
        if name is not None and ("managed", root, name) in self.config.resources:
            return self.resource_value(("managed", root, name)), 1
        if name is not None:
            raise EvalError(f"reference to undeclared resource {root}.{name}")
        raise EvalError(f"unknown name {root!r}")

    def _path_module(self) -> str:
        try:
            return self.config.dir.relative_to(self.project.root_dir).as_posix() or "."
        except ValueError:
            return self.config.dir.as_posix()

    # -- variables, locals, outputs --------------------------------------------------------------
    def var(self, name: str) -> Any:
        return self._memoized(("var", name), lambda: self._var(name))

    def _var(self, name: str) -> Any:
        declared = self.config.variables.get(name)
        if declared is None:
            raise EvalError(f"reference to undeclared input variable {name!r}")
        given, value = self.inputs(name)
        body = declared.block.body
        if not given:
            default = body.attributes.get("default")
            if default is None:
                return Unknown(f"variable {name!r} has no value")
            value = self.eval_attr(default, declared.file, {})
        type_attr = body.attributes.get("type")
        return convert_to_type(value, type_attr.expr if type_attr else None)

    def local(self, name: str) -> Any:
        if name not in self.config.locals:
            raise EvalError(f"reference to undeclared local value {name!r}")
        attr, file = self.config.locals[name]
        return self._memoized(("local", name), lambda: self._strict_eval(attr, file))

    def _strict_eval(self, attr: ast.Attribute, file: str) -> Any:
        try:
            return self.evaluator.eval(attr.expr, {})
        except EvalError as exc:
            if str(exc).startswith("cycle:"):
                raise
            self.project.error(file, attr.line, f"{self.prefix}local.{attr.name}: {exc}")
            return Unknown(f"evaluation error: {exc}")

    def output(self, name: str) -> Any:
        declared = self.config.outputs.get(name)
        if declared is None:
            raise EvalError(f"module {self.prefix.rstrip('.')} has no output {name!r}")
        value_attr = declared.block.body.attributes.get("value")
        if value_attr is None:
            return None
        return self._memoized(
            ("output", name), lambda: self.eval_attr(value_attr, declared.file, {})
        )

    def outputs(self) -> dict[str, Any]:
        return {name: self.output(name) for name in sorted(self.config.outputs)}

    # -- resources --------------------------------------------------------------------------------
    def resource_value(self, key: tuple[str, str, str]) -> Any:
        if key not in self.config.resources:
            raise EvalError(f"reference to undeclared {key[0]} resource {key[1]}.{key[2]}")
        group = self._memoized(("res", *key), lambda: self._expand_resource(key))
        kind, instances = group
        if kind == "single":
            return instances[0][1]
        if kind == "multi":
            return instances[0][1]
        if kind == "count":
            return [value for _, value in instances]
        return dict(instances)

    def _expand_resource(self, key: tuple[str, str, str]) -> tuple[str, list[tuple[Any, Any]]]:
        mode, rtype, name = key
        declared = self.config.resources[key]
        body = declared.block.body
        base = f"{self.prefix}{'data.' if mode == 'data' else ''}{rtype}.{name}"
        kind, keyed_envs = self.expand(body, declared.file)
        instances = []
        for inst_key, env in keyed_envs:
            address = base + instance_suffix(inst_key)
            multi = kind == "multi" or self.multi
            attrs, lines = self.eval_body(body, env, declared.file, "")
            self.project.resources.append(
                Resource(
                    address=address,
                    type=rtype,
                    name=name,
                    mode=mode,
                    attrs=finalize(attrs),
                    location=Location(declared.file, declared.block.line, declared.block.end_line),
                    module=self.prefix.rstrip("."),
                    index=inst_key,
                    lines=lines,
                    depends_on=self._depends_on(body, declared.file),
                    multiplicity_unknown=multi,
                    root=self.project.root_name,
                )
            )
            instances.append((inst_key, ResourceValue(address, attrs, multi=kind == "multi")))
        return kind, instances

    def _depends_on(self, body: ast.Body, file: str) -> tuple[str, ...]:
        attr = body.attributes.get("depends_on")
        if attr is None:
            return ()
        value = self.eval_attr(attr, file, {})
        found = {v.address for v in _walk_resources(value)} | {r.address for r in iter_refs(value)}
        return tuple(sorted(found))

    def expand(self, body: ast.Body, file: str) -> tuple[str, list[tuple[Any, Env]]]:
        """Instance keys and their ``count``/``each`` bindings, per Terraform's rules."""
        if "count" in body.attributes:
            count = self.eval_attr(body.attributes["count"], file, {})
            if is_unknown(count):
                return "multi", [(None, {"count": {"index": unknown_from("count.index", count)}})]
            total = int(as_number(count))
            return "count", [(i, {"count": {"index": i}}) for i in range(total)]
        if "for_each" in body.attributes:
            each = self.eval_attr(body.attributes["for_each"], file, {})
            pairs = _for_each_pairs(each)
            if pairs is None:
                marker = unknown_from("for_each is unknown", each)
                return "multi", [(None, {"each": {"key": marker, "value": marker}})]
            return "for_each", [(k, {"each": {"key": k, "value": v}}) for k, v in pairs]
        return "single", [(None, {})]

    def eval_body(
        self, body: ast.Body, env: Env, file: str, prefix: str
    ) -> tuple[dict[str, Any], dict[str, tuple[int, int]]]:
        """Attributes and nested blocks (blocks as lists of objects, ``dynamic`` expanded)."""
        attrs: dict[str, Any] = {}
        lines: dict[str, tuple[int, int]] = {}
        for attr in body.attributes.values():
            if attr.name in META_ATTRIBUTES and not prefix:
                continue
            attrs[attr.name] = self.eval_attr(attr, file, env)
            lines[prefix + attr.name] = (attr.line, attr.end_line)
        for block in body.blocks:
            if block.type == "dynamic":
                self._dynamic(block, env, file, prefix, attrs, lines)
            elif block.type not in META_BLOCKS:
                items = attrs.setdefault(block.type, [])
                path = f"{prefix}{block.type}[{len(items)}]"
                value, sub_lines = self.eval_body(block.body, env, file, path + ".")
                items.append(value)
                lines[path] = (block.line, block.end_line)
                lines.update(sub_lines)
        return attrs, lines

    def _dynamic(
        self,
        block: ast.Block,
        env: Env,
        file: str,
        prefix: str,
        attrs: dict[str, Any],
        lines: dict[str, tuple[int, int]],
    ) -> None:
        label = block.labels[0] if block.labels else "dynamic"
        iterator = label
        if "iterator" in block.body.attributes:
            expr = block.body.attributes["iterator"].expr
            iterator = (
                expr.name if isinstance(expr, ast.Variable) else str(getattr(expr, "value", label))
            )
        contents = block.body.blocks_of("content")
        for_each = block.body.attributes.get("for_each")
        items = attrs.setdefault(label, [])
        if not contents or for_each is None:
            self.project.error(file, block.line, f"dynamic {label!r} needs for_each and content")
            return
        collection = self.eval_attr(for_each, file, env)
        pairs = _for_each_pairs(collection, allow_lists=True)
        if pairs is None:
            marker = unknown_from("dynamic for_each is unknown", collection)
            probe = {**env, iterator: {"key": marker, "value": marker}}
            value, _ = self.eval_body(contents[0].body, probe, file, "")
            items.append(unknown_from(f"dynamic {label!r} blocks are unknown", marker, value))
            lines[f"{prefix}{label}[{len(items) - 1}]"] = (block.line, block.end_line)
            return
        for key, item in pairs:
            local = {**env, iterator: {"key": key, "value": item}}
            path = f"{prefix}{label}[{len(items)}]"
            value, sub_lines = self.eval_body(contents[0].body, local, file, path + ".")
            items.append(value)
            lines[path] = (contents[0].line, contents[0].end_line)
            lines.update(sub_lines)

    # -- module calls -----------------------------------------------------------------------------
    def _module_ref(self, name: str, steps: list[Step], env: Env) -> tuple[Any, int]:
        kind, instances = self.module_group(name)
        used = 1
        if kind == "unresolved":
            return instances, len(steps)
        chosen: list[ModuleInstance] | None = None
        if kind in ("single", "multi"):
            chosen = [instances[0][1]]
        elif used < len(steps) and steps[used][0] == "index":
            key = self.evaluator.eval(steps[used][1], env)
            if is_unknown(key):
                return unknown_from("module instance key is unknown", key), len(steps)
            used += 1
            matched = [
                inst for k, inst in instances if k == key or to_display(k) == to_display(key)
            ]
            if not matched:
                raise EvalError(f"module.{name} has no instance {key!r}")
            chosen = matched
        if chosen is not None:
            if used < len(steps) and steps[used][0] == "attr":
                return chosen[0].output(steps[used][1]), used + 1
            return chosen[0].outputs(), used
        values = [(k, inst.outputs()) for k, inst in instances]
        if kind == "count":
            return [v for _, v in values], used
        return dict(values), used

    def module_group(self, name: str) -> tuple[str, Any]:
        return self._memoized(("module", name), lambda: self._expand_module(name))

    def _expand_module(self, name: str) -> tuple[str, Any]:
        declared = self.config.modules.get(name)
        if declared is None:
            raise EvalError(f"reference to undeclared module {name!r}")
        child_config = self._child_config(name, declared)
        if child_config is None:
            return "unresolved", Unknown(f"module {name!r} source is not available")
        body = declared.block.body
        kind, keyed_envs = self.expand(body, declared.file)
        key_path = f"{self.key_path}.{name}" if self.key_path else name
        instances = []
        for inst_key, env in keyed_envs:
            prefix = f"{self.prefix}module.{name}{instance_suffix(inst_key)}."
            child = ModuleInstance(
                self.project,
                child_config,
                prefix,
                key_path,
                self._input_reader(body, declared.file, env),
                multi=self.multi or kind == "multi",
            )
            instances.append((inst_key, child))
        return kind, instances

    def _input_reader(
        self, body: ast.Body, file: str, env: Env
    ) -> Callable[[str], tuple[bool, Any]]:
        def read(var_name: str) -> tuple[bool, Any]:
            attr = body.attributes.get(var_name)
            if attr is None or var_name in MODULE_META:
                return False, None
            return True, self.eval_attr(attr, file, env)

        return read

    def _child_config(self, name: str, declared: Declared) -> ModuleConfig | None:
        source_attr = declared.block.body.attributes.get("source")
        source = (
            source_attr.expr.value
            if source_attr and isinstance(source_attr.expr, ast.Literal)
            else None
        )
        if not isinstance(source, str):
            self.project.error(
                declared.file,
                declared.block.line,
                f"module {name!r}: source must be a literal string",
                "module",
            )
            return None
        key_path = f"{self.key_path}.{name}" if self.key_path else name
        if source.startswith(("./", "../")):
            directory = (self.config.dir / source).resolve()
        else:
            installed = self.project.installed_module(key_path)
            if installed is None:
                self.project.error(
                    declared.file,
                    declared.block.line,
                    f"module {name!r}: remote source {source!r} is not installed "
                    "(run terraform init; iacscan never downloads modules)",
                    "module",
                )
                return None
            directory = installed
        config = self.project.load_config(directory)
        if config is None:
            self.project.error(
                declared.file,
                declared.block.line,
                f"module {name!r}: no configuration in {source!r}",
                "module",
            )
        return config

    # -- whole instance ---------------------------------------------------------------------------
    def evaluate_all(self) -> None:
        """Evaluate every resource and module call, reporting (not raising) any cycle."""
        for key, declared in self.config.resources.items():
            self._guarded(declared, functools.partial(self.resource_value, key))
        for name, declared in self.config.modules.items():
            self._guarded(declared, functools.partial(self._evaluate_calls, name))

    def _evaluate_calls(self, name: str) -> None:
        kind, instances = self.module_group(name)
        if kind != "unresolved":
            for _, child in instances:
                child.evaluate_all()

    def _guarded(self, declared: Declared, action: Callable[[], Any]) -> None:
        try:
            action()
        except EvalError as exc:
            self.project.error(declared.file, declared.block.line, str(exc))
        except RecursionError:
            self.project.error(
                declared.file, declared.block.line, "configuration nested too deeply"
            )


def _for_each_pairs(value: Any, allow_lists: bool = False) -> list[tuple[Any, Any]] | None:
    """Keys and values of a for_each collection, or None when they are not known."""
    if is_unknown(value):
        return None
    if isinstance(value, dict):
        if any(isinstance(v, ResourceValue) and v.multi for v in value.values()):
            return None
        return [(k, value[k]) for k in sorted(value)]
    if isinstance(value, list):
        if any(is_unknown(v) for v in value):
            return None
        if allow_lists:
            return list(enumerate(value))
        if not all(isinstance(v, str) for v in value):
            raise EvalError("for_each over a set must contain strings")
        return [(v, v) for v in sorted(set(value))]
    if value is None:
        raise EvalError("for_each value must not be null")
    raise EvalError("for_each needs a map or a set of strings")


def finalize(value: Any) -> Any:
    """Stored attributes hold no live resource objects: a whole-resource value becomes a Ref."""
    if isinstance(value, ResourceValue):
        return Ref(value.address, "")
    if isinstance(value, dict):
        return {k: finalize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finalize(v) for v in value]
    return value


def _walk_resources(value: Any) -> Iterator[ResourceValue]:
    if isinstance(value, ResourceValue):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _walk_resources(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk_resources(item)


def convert_to_type(value: Any, type_expr: ast.Expr | None) -> Any:
    """Apply a variable's primitive type constraint (``--var`` and tfvars give strings)."""
    if (
        type_expr is None
        or not isinstance(type_expr, ast.Variable)
        or is_unknown(value)
        or value is None
    ):
        return value
    try:
        if type_expr.name == "number" and isinstance(value, str):
            return as_number(value)
        if type_expr.name == "bool" and isinstance(value, str) and value in ("true", "false"):
            return value == "true"
        if type_expr.name == "string" and isinstance(value, (int, float, bool)):
            return to_display(value)
    except EvalError:
        return value
    return value


__all__ = ["ModuleConfig", "ModuleInstance", "Project", "get_index"]
