"""Terraform plans (``terraform show -json``) read into the same resources as HCL.

A plan has every variable, ``count``, ``for_each`` and module already resolved by Terraform,
so it is the most precise input there is. ``planned_values`` gives the instances that will
exist after apply, ``resource_changes`` what happens to each (and which values are unknown
or sensitive), ``prior_state`` the data sources already read, and ``configuration`` the
references that join the graph while ids are unknown. Plans are recognized by content,
whatever the file name; format versions 0.x (Terraform 0.12-1.0) and 1.x are read, a newer
major version is refused as the format's compatibility promise asks.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iacscan.inputs import InputLoad
from iacscan.model import Location, Resource, ScanError
from iacscan.reading import Refused, Tree
from iacscan.terraform.config import Declared
from iacscan.terraform.plan_discovery import BINARY_PLAN, decode, discover_plans
from iacscan.terraform.plan_refs import (
    Frame,
    Index,
    Resolver,
    Target,
    index_text,
    module_of,
    parse_traversal,
    references_of,
    render,
)
from iacscan.terraform.plan_sources import SourceMap, block_lines, own_index_bases
from iacscan.terraform.plan_values import ValueBuilder

SUPPORTED_MAJOR = ("0", "1")
DELETING = frozenset({"delete", "forget"})
NOT_A_PLAN = "not-a-plan"
_ADDRESS = re.compile(rb'"address"\s*:\s*"((?:[^"\\]|\\.)*)"')


@dataclass
class Instance:
    """One planned instance before normalization: values and marks from every section."""

    entry: dict[str, Any]
    values: Any
    unknown: Any = None
    sensitive: Any = None
    change: str = ""


@dataclass
class PlanDocument:
    """A parsed plan: its instances by address and what else normalization needs."""

    path: Path
    data: dict[str, Any]
    instances: dict[str, Instance] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)
    raw: bytes = b""
    problems: list[str] = field(default_factory=list)  # sections of the wrong type, ignored


def mapping(value: Any) -> dict[str, Any]:
    """A plan section that must be an object; any other shape reads as empty."""
    return value if isinstance(value, dict) else {}


def sequence(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def action(actions: list[str]) -> str:
    """Terraform's action list as one word: ``["delete", "create"]`` is a replace."""
    if set(actions) == {"delete", "create"}:
        return "replace"
    return actions[0] if len(actions) == 1 else "-".join(actions)


def read_plan(path: Path, tree: Tree | None = None) -> tuple[PlanDocument | None, ScanError | None]:
    """Parse and check a plan file; an error names the file and what is wrong."""
    tree = tree or Tree([path.parent])
    try:
        raw = tree.read(path, tree.limits.plan)
    except Refused as refused:
        return None, ScanError(str(path), 0, refused.message, "read")
    try:
        if raw.startswith(BINARY_PLAN):
            message = (
                f"a binary plan: convert it with `terraform show -json {path.name} > plan.json`"
            )
            return None, ScanError(str(path), 1, message)
        data = json.loads(decode(raw))
    except ValueError as exc:
        return None, ScanError(str(path), 1, f"cannot read plan: {exc}")
    except RecursionError:
        return None, ScanError(str(path), 1, "cannot read plan: JSON nested too deeply")
    if not isinstance(data, dict) or not ({"planned_values", "resource_changes"} & set(data)):
        message = "not a Terraform plan (no planned_values or resource_changes)"
        return None, ScanError(str(path), 1, message, NOT_A_PLAN)
    version = str(data.get("format_version"))
    if version.split(".", maxsplit=1)[0] not in SUPPORTED_MAJOR:
        return None, ScanError(str(path), 1, f"unsupported plan format_version {version}")
    document = PlanDocument(path, data, raw=raw, problems=_shape_problems(data))
    _collect(document)
    return document, None


SECTION_TYPES = {
    "planned_values": dict,
    "resource_changes": list,
    "prior_state": dict,
    "configuration": dict,
    "variables": dict,
    "output_changes": dict,
}


def _shape_problems(data: dict[str, Any]) -> list[str]:
    """Plan sections of the wrong type: read as empty, and said so."""
    problems = []
    for key, kind in SECTION_TYPES.items():
        if key in data and data[key] is not None and not isinstance(data[key], kind):
            problems.append(f"plan: {key} must be {'an object' if kind is dict else 'a list'}")
    for key in ("planned_values", "configuration"):
        root = mapping(data.get(key)).get("root_module")
        if root is not None and not isinstance(root, dict):
            problems.append(f"plan: {key}.root_module must be an object")
    return [f"{problem}, ignored" for problem in problems]


def _walk_module(module: Any) -> Iterator[dict[str, Any]]:
    """Resources of a module and its children, without recursion (a plan may nest deep)."""
    pending = [module]
    while pending:
        current = pending.pop()
        if not isinstance(current, dict):
            continue
        for resource in sequence(current.get("resources")):
            if isinstance(resource, dict) and isinstance(resource.get("address"), str):
                yield resource
        pending.extend(reversed(sequence(current.get("child_modules"))))


def _collect(document: PlanDocument) -> None:
    data = document.data
    planned = mapping(data.get("planned_values")).get("root_module")
    for entry in _walk_module(planned):
        document.instances[entry["address"]] = Instance(
            entry, entry.get("values"), sensitive=entry.get("sensitive_values")
        )
    for change in sequence(data.get("resource_changes")):
        _apply_change(document, change)
    prior = mapping(mapping(data.get("prior_state")).get("values")).get("root_module")
    for entry in _walk_module(prior):
        if entry.get("mode") == "data" and entry["address"] not in document.instances:
            document.instances[entry["address"]] = Instance(
                entry, entry.get("values"), sensitive=entry.get("sensitive_values")
            )


def _apply_change(document: PlanDocument, change: Any) -> None:
    if not isinstance(change, dict) or change.get("deposed") or "address" not in change:
        return  # a deposed object is an old copy being destroyed
    body = mapping(change.get("change"))
    actions = sequence(body.get("actions"))
    label = action([str(a) for a in actions]) if actions else ""
    address = str(change["address"])
    if label in DELETING:
        document.deleted.append(address)
        document.instances.pop(address, None)
        return
    instance = document.instances.get(address)
    if instance is None:
        instance = Instance(change, body.get("after"))
        document.instances[address] = instance
    instance.change = label
    instance.unknown = body.get("after_unknown")
    if instance.sensitive is None:
        instance.sensitive = body.get("after_sensitive")


class PlanLoader:
    """Normalizes one plan into resources, mapped to its sources when they are at hand."""

    def __init__(self, document: PlanDocument, sources: SourceMap, root_name: str) -> None:
        self.document = document
        self.sources = sources
        self.root_name = root_name
        config = mapping(document.data.get("configuration")).get("root_module")
        self.config: dict[str, Any] | None = config if isinstance(config, dict) else None
        self.resolver = Resolver(Index.of(document.instances))
        self.lines = _address_lines(document.raw)
        self._memo: dict[tuple[int, str], Any] = {}

    def resources(self) -> list[Resource]:
        return [self._resource(a, i) for a, i in sorted(self.document.instances.items())]

    def frames(self, module: str) -> list[Frame] | None:
        """The configuration frames from the root down to one module instance."""
        if self.config is None:
            return None
        frames = [Frame(self.config, "")]
        steps = parse_traversal(module)
        i = 0
        while i + 1 < len(steps):
            name = str(steps[i + 1][1])
            end = i + 2 + (1 if i + 2 < len(steps) and steps[i + 2][0] == "index" else 0)
            call = mapping(mapping(frames[-1].config.get("module_calls")).get(name))
            frames.append(Frame(mapping(call.get("module")), render(steps[:end]), name))
            i = end
        return frames

    def _resource(self, address: str, instance: Instance) -> Resource:
        entry = instance.entry
        module = module_of(address)
        frames = self.frames(module)
        declared = _config_resource(frames, address, module) if frames else None
        expressions = declared.get("expressions") if declared is not None else None
        if frames is not None and declared is not None and not isinstance(expressions, dict):
            expressions = {}
        mode = str(entry.get("mode") or ("data" if ".data." in f".{address}" else "managed"))
        source = self.sources.declared(module, mode, str(entry.get("type")), str(entry.get("name")))
        own = (
            {f"{module}.{b}" if module else b for b in own_index_bases(source.block.body)}
            if source
            else set()
        )
        builder = ValueBuilder(
            self._resolver_for(module, frames, own, entry.get("index")), self._lookup
        )
        attrs = builder.attrs(instance.values, instance.unknown, instance.sensitive, expressions)
        depends = declared.get("depends_on") if declared else None
        location, lines = self._location(address, source)
        return Resource(
            address=address,
            type=str(entry.get("type", "")),
            name=str(entry.get("name", "")),
            mode=mode,
            attrs=attrs,
            location=location,
            module=module,
            index=entry.get("index"),
            lines=lines,
            depends_on=self._depends_on(depends, frames),
            root=self.root_name,
            change=instance.change,
        )

    def _location(
        self, address: str, source: Declared | None
    ) -> tuple[Location, dict[str, tuple[int, int]]]:
        """The declaring block when the sources are at hand, else the plan file's line."""
        if source is not None:
            block = source.block
            return Location(source.file, block.line, block.end_line), block_lines(block.body)
        line = self.lines.get(address, 1)
        return Location(self.sources.plan_rel, line, line), {}

    def _resolver_for(
        self, module: str, frames: list[Frame] | None, own: set[str], key: Any
    ) -> Callable[[Any], list[Target]]:
        """Targets of an expression in one instance, memoized per module instance; where the
        source reads ``x[count.index]``, only the instance with this instance's key."""

        def resolve(expr: Any) -> list[Target]:
            memo_key = (id(expr), module)
            if memo_key not in self._memo:
                self._memo[memo_key] = self.resolver.resolve(references_of(expr), frames or [])
            targets: list[Target] = self._memo[memo_key]
            if not own or key is None:
                return list(targets)
            kept = []
            for target in targets:
                base = _instance_base(target.address)
                if base not in own:
                    kept.append(target)
                elif target.address == base + index_text(key):
                    kept.append(Target(target.address, target.attribute, False))
            return kept

        return resolve

    def _depends_on(self, depends: Any, frames: list[Frame] | None) -> tuple[str, ...]:
        if not isinstance(depends, list) or not frames:
            return ()
        targets = self.resolver.resolve([str(d) for d in depends], frames)
        return tuple(sorted({t.address for t in targets}))

    def _lookup(self, address: str, attribute: str) -> Any:
        instance = self.document.instances.get(address)
        value: Any = instance.values if instance else None
        for kind, step in parse_traversal(attribute):
            if kind == "name" and isinstance(value, dict):
                value = value.get(step)
            elif kind == "index" and isinstance(value, list) and isinstance(step, int):
                value = value[step] if step < len(value) else None
            else:
                return None
        return value


def _instance_base(address: str) -> str:
    """``aws_x.y[0]`` -> ``aws_x.y`` (the resource without its own instance key)."""
    steps = parse_traversal(address)
    return render(steps[:-1]) if steps and steps[-1][0] == "index" else address


def _config_resource(frames: list[Frame], address: str, module: str) -> dict[str, Any] | None:
    rest = parse_traversal(address)[len(parse_traversal(module)) :]
    names = [str(v) for kind, v in rest if kind == "name"]
    wanted = ".".join(names)
    for resource in sequence(frames[-1].config.get("resources")):
        if isinstance(resource, dict) and resource.get("address") == wanted:
            return resource
    return None


def _address_lines(data: bytes) -> dict[str, int]:
    """Line of each address's first mention (``planned_values`` comes first in a plan)."""
    lines: dict[str, int] = {}
    line, last = 1, 0
    for match in _ADDRESS.finditer(data):
        line += data.count(b"\n", last, match.start())
        last = match.start()
        try:
            address = json.loads(b'"' + match.group(1) + b'"')
        except ValueError:
            continue
        lines.setdefault(address, line)
    return lines


def load_plan(
    path: Path,
    scan_root: Path,
    source_dir: Path | None,
    cache: Any,
    named: bool = True,
    tree: Tree | None = None,
) -> InputLoad:
    """Read one plan file into resources (deleted ones left out) with their locations; a
    JSON file met while walking a directory that turns out not to be a plan is skipped.
    An unexpected exception is this plan's internal error: the other inputs still load."""
    rel = Path(os.path.relpath(os.path.abspath(path), scan_root.resolve())).as_posix()
    try:
        return _load_plan(path, rel, scan_root, source_dir, cache, named, tree or Tree([scan_root]))
    except Exception as exc:
        message = f"internal error: {type(exc).__name__}: {exc}"[:500]
        return InputLoad(errors=[ScanError(rel, 0, message, "internal")])


def _load_plan(
    path: Path,
    rel: str,
    scan_root: Path,
    source_dir: Path | None,
    cache: Any,
    named: bool,
    tree: Tree,
) -> InputLoad:
    document, error = read_plan(path, tree)
    if document is None:
        assert error is not None
        quiet = not named and error.kind == NOT_A_PLAN
        failed = ScanError(rel, error.line, error.message, error.kind)
        return InputLoad() if quiet else InputLoad(errors=[failed])
    sources = SourceMap(document.data, path, scan_root, source_dir, cache, rel, tree)
    loader = PlanLoader(document, sources, rel)
    resources = loader.resources()
    result = sources.result
    result.errors = [*result.errors, *(ScanError(rel, 1, p, "parse") for p in document.problems)]
    result.resources = resources
    result.files = sorted({rel, *result.files})
    result.roots = [rel]
    return result


def load_plans(
    paths: list[Path],
    scan_root: Path,
    source_dir: Path | None,
    cache: Any,
    tree: Tree | None = None,
) -> InputLoad:
    """Every plan file under ``paths``, each its own root (named by its relative path)."""
    merged = InputLoad()
    plan_files: dict[Path, bool] = {}
    for path in paths:
        if path.exists():
            for found, named in discover_plans(path):
                plan = Path(os.path.abspath(found))  # resolved (and checked) on reading
                plan_files[plan] = plan_files.get(plan, False) or named
    for plan, named in sorted(plan_files.items()):
        merged.add(load_plan(plan, scan_root, source_dir, cache, named, tree))
    return merged
