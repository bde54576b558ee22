"""Which resource instances a plan's configuration references point at.

Every id is unknown in a plan that creates resources, so the graph cannot be joined by ids:
it is joined through ``configuration``, where each expression lists the references it
reads (``aws_security_group.admin.id``, ``module.sg.id``, ``var.vpc_id``). This module
follows them through module calls (a callee's ``var.x`` is the caller's argument, a
``module.m.out`` is the callee's output expression) down to concrete instance addresses
(``module.sg["a"].aws_security_group.this``). Locals are not in the plan's configuration,
so a reference through a local ends there.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

_TOKEN = re.compile(r'\.?([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+|"(?:[^"\\]|\\.)*"|\*)\]')
Step = str | int  # a name, or an index (int for count, str for for_each keys)
NOT_RESOURCES = frozenset({"var", "local", "count", "each", "path", "terraform", "self"})
MAX_DEPTH = 32


def parse_traversal(text: str) -> list[tuple[str, Any]]:
    """``module.a["k"].aws_x.y[0].id`` -> [("name","module"), ("name","a"), ("index","k"), ...]."""
    steps: list[tuple[str, Any]] = []
    for name, index in _TOKEN.findall(text):
        if name:
            steps.append(("name", name))
        elif index == "*":
            steps.append(("splat", None))
        elif index.startswith('"'):
            steps.append(("index", json.loads(index)))
        else:
            steps.append(("index", int(index)))
    return steps


def index_text(key: Any) -> str:
    """Terraform's spelling of an instance key: ``[0]`` or ``["a"]``."""
    return f"[{key}]" if isinstance(key, int) else f"[{json.dumps(key)}]"


def strip_keys(address: str) -> str:
    """``module.a["x"].aws_b.c[0]`` -> ``module.a.aws_b.c``: the configuration's path."""
    return ".".join(v for kind, v in parse_traversal(address) if kind == "name")


def module_of(address: str) -> str:
    """The module instance part of a resource instance address (``""`` for the root)."""
    steps = parse_traversal(address)
    cut = 0
    i = 0
    while i + 1 < len(steps) and steps[i] == ("name", "module"):
        i += 2
        if i < len(steps) and steps[i][0] == "index":
            i += 1
        cut = i
    return render(steps[:cut])


def render(steps: list[tuple[str, Any]]) -> str:
    out = ""
    for kind, value in steps:
        if kind == "name":
            out += f".{value}" if out else value
        elif kind == "index":
            out += index_text(value)
    return out


@dataclass(frozen=True, order=True)
class Target:
    """A resolved reference: an instance address and the attribute read from it."""

    address: str
    attribute: str
    spread: bool = False  # the index was not known: one of several instances


@dataclass
class Frame:
    """One module instance on the way down: its configuration and its address prefix."""

    config: dict[str, Any]
    prefix: str  # "" for the root module
    call: str = ""  # the module call name in the parent frame


@dataclass
class Index:
    """The plan's instance addresses, grouped for the lookups reference resolution needs."""

    instances: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    modules: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def of(cls, addresses: Iterable[str]) -> Index:
        index = cls()
        seen_modules: set[str] = set()
        for address in sorted(set(addresses)):
            module = module_of(address)
            rest = parse_traversal(address)[len(parse_traversal(module)) :]
            name_only = render([s for s in rest if s[0] == "name"])
            index.instances[f"{module}.{name_only}" if module else name_only].append(address)
            _add_modules(index, module, seen_modules)
        return index

    def expand(self, base: str, key: Any | None) -> tuple[list[str], bool]:
        """Instances of ``base`` (a resource in one module instance), all when no key."""
        found = self.instances.get(base, [])
        if key is not None:
            wanted = base + index_text(key)
            return ([wanted] if wanted in found else []), False
        return list(found), len(found) > 1 or any(a != base for a in found)


def _add_modules(index: Index, module: str, seen: set[str]) -> None:
    steps = parse_traversal(module)
    i = 0
    while i < len(steps):
        end = i + 2 + (1 if i + 2 < len(steps) and steps[i + 2][0] == "index" else 0)
        instance = render(steps[:end])
        if instance not in seen:
            seen.add(instance)
            parent = render(steps[:i])
            call = f"{parent}.module.{steps[i + 1][1]}" if parent else f"module.{steps[i + 1][1]}"
            index.modules[call].append(instance)
        i = end


def leaf_references(references: Iterable[str]) -> list[str]:
    """Drop the parents Terraform lists next to a reference (``aws_x.y`` by ``aws_x.y.id``)."""
    refs = list(dict.fromkeys(references))
    return [r for r in refs if not any(o != r and o.startswith((r + ".", r + "[")) for o in refs)]


class Resolver:
    """Resolves references of one configuration against one plan's instances."""

    def __init__(self, index: Index) -> None:
        self.index = index

    def resolve(self, references: Iterable[str], frames: list[Frame]) -> list[Target]:
        found: dict[Target, None] = {}
        for ref in leaf_references(references):
            for target in self._one(parse_traversal(ref), frames, 0):
                found[target] = None
        return sorted(found)

    def _one(self, steps: list[tuple[str, Any]], frames: list[Frame], depth: int) -> list[Target]:
        if not steps or depth > MAX_DEPTH or steps[0][0] != "name":
            return []
        head = steps[0][1]
        if head == "var":
            return self._variable(steps, frames, depth)
        if head == "module":
            return self._module_output(steps, frames, depth)
        if head in NOT_RESOURCES:
            return []
        if head == "data":
            return self._resource(steps[1:], frames[-1].prefix, "data.")
        return self._resource(steps, frames[-1].prefix, "")

    def _resource(self, steps: list[tuple[str, Any]], prefix: str, mode: str) -> list[Target]:
        if len(steps) < 2 or steps[1][0] != "name":
            return []
        base = (
            f"{prefix}.{mode}{steps[0][1]}.{steps[1][1]}"
            if prefix
            else f"{mode}{steps[0][1]}.{steps[1][1]}"
        )
        rest = steps[2:]
        key = rest[0][1] if rest and rest[0][0] == "index" else None
        if key is not None or (rest and rest[0][0] == "splat"):
            rest = rest[1:]
        addresses, spread = self.index.expand(base, key)
        attribute = render(rest)
        return [Target(a, attribute, spread) for a in addresses]

    def _variable(
        self, steps: list[tuple[str, Any]], frames: list[Frame], depth: int
    ) -> list[Target]:
        if len(frames) < 2 or len(steps) < 2:
            return []  # root variables are known values in a plan
        call = frames[-2].config.get("module_calls", {}).get(frames[-1].call, {})
        expression = (call.get("expressions") or {}).get(steps[1][1])
        found: list[Target] = []
        for ref in leaf_references(references_of(expression)):
            found += self._one(parse_traversal(ref), frames[:-1], depth + 1)
        return found

    def _module_output(
        self, steps: list[tuple[str, Any]], frames: list[Frame], depth: int
    ) -> list[Target]:
        if len(steps) < 2:
            return []
        name = steps[1][1]
        call = frames[-1].config.get("module_calls", {}).get(name)
        if not isinstance(call, dict):
            return []
        rest = steps[2:]
        key = rest[0][1] if rest and rest[0][0] == "index" else None
        if rest and rest[0][0] in ("index", "splat"):
            rest = rest[1:]
        prefix = frames[-1].prefix
        call_path = f"{prefix}.module.{name}" if prefix else f"module.{name}"
        instances = self.index.modules.get(call_path, [])
        if key is not None:
            instances = [i for i in instances if i == call_path + index_text(key)]
        spread = len(instances) > 1
        callee = call.get("module") or {}
        found: list[Target] = []
        for instance in instances:
            inner = [*frames, Frame(callee, instance, name)]
            if not rest:  # the whole module object: every output
                outputs = sorted((callee.get("outputs") or {}).values(), key=str)
                expressions = [o.get("expression") for o in outputs]
            else:
                output = (callee.get("outputs") or {}).get(rest[0][1]) or {}
                expressions = [output.get("expression")]
            for expression in expressions:
                for ref in leaf_references(references_of(expression)):
                    for t in self._one(parse_traversal(ref), inner, depth + 1):
                        found.append(Target(t.address, t.attribute, t.spread or spread))
        return found


def references_of(expression: Any) -> list[str]:
    """Every reference inside an expression node, or a nested block's expressions."""
    if isinstance(expression, list):
        return [r for item in expression for r in references_of(item)]
    if not isinstance(expression, dict):
        return []
    if "references" in expression or "constant_value" in expression:
        return [str(r) for r in expression.get("references") or []]
    return [r for value in expression.values() for r in references_of(value)]
