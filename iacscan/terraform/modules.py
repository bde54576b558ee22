"""Module instances: lazy, memoized evaluation of variables, locals, resources and calls.

Everything a module declares is evaluated on first use and remembered, so dependency order
falls out of the references themselves (as in Terraform's graph walk) without building a
separate DAG, and a cycle is detected by re-entry instead of crashing. A module called with
``count``/``for_each`` becomes one ``ModuleInstance`` per key, each with its own address
prefix (``module.svc["api"].``), exactly as Terraform addresses them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from iacscan.model import Location, Resource
from iacscan.model.values import Unknown, is_unknown, iter_refs, to_display, unknown_from
from iacscan.terraform import ast
from iacscan.terraform.blocks import (
    eval_body,
    expand,
    finalize,
    instance_suffix,
    walk_resources,
)
from iacscan.terraform.config import Declared, ModuleConfig, Project
from iacscan.terraform.expressions import (
    Env,
    EvalError,
    Evaluator,
    ResourceValue,
    Step,
    get_index,
)
from iacscan.terraform.functions import FunctionContext
from iacscan.terraform.types import convert

MODULE_META = frozenset({"source", "version", "count", "for_each", "providers", "depends_on"})


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

    # -- memoization with cycle detection --------------------------------------------------------
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
        nullable = body.attributes.get("nullable")
        if given and value is None and nullable and self._constant(nullable.expr) is False:
            given = False  # a null input to a non-nullable variable takes the default
        if not given:
            default = body.attributes.get("default")
            if default is None:
                return Unknown(f"variable {name!r} has no value")
            value = self.eval_attr(default, declared.file, {})
        type_attr = body.attributes.get("type")
        return convert(value, type_attr.expr if type_attr else None, self._constant)

    def _constant(self, expr: ast.Expr) -> Any:
        """Value of a constant in a type (an ``optional()`` default); errors become unknown."""
        try:
            return self.evaluator.eval(expr, {})
        except EvalError as exc:
            return Unknown(f"evaluation error: {exc}")

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

    # -- resources -------------------------------------------------------------------------------
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
        kind, keyed_envs = expand(self, body, declared.file)
        instances = []
        for inst_key, env in keyed_envs:
            address = base + instance_suffix(inst_key)
            multi = kind == "multi" or self.multi
            attrs, lines = eval_body(self, body, env, declared.file, "")
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
        found = {v.address for v in walk_resources(value)} | {r.address for r in iter_refs(value)}
        return tuple(sorted(found))

    # -- module calls ----------------------------------------------------------------------------
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
        kind, keyed_envs = expand(self, body, declared.file)
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
                # One warning per source, not an error: see iacscan.notices.
                self.project.error(declared.file, declared.block.line, source, "not-installed")
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

    # -- whole instance --------------------------------------------------------------------------
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


__all__ = ["ModuleConfig", "ModuleInstance", "Project", "get_index"]
