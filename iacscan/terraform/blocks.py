"""Blocks of a resource or module call: instance expansion and body evaluation.

``count``/``for_each`` become instance keys with their ``count.index``/``each`` bindings;
a body becomes attributes plus nested blocks as lists of objects (the shape of
``terraform show -json``), with ``dynamic`` blocks expanded and the line of every attribute
and nested block recorded under its path (``ingress[1].cidr_blocks``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

from iacscan.model.values import Ref, Unknown, is_unknown, to_display, unknown_from
from iacscan.terraform import ast
from iacscan.terraform.budget import LIMITS, STEPS_PER_BODY, BudgetExceeded
from iacscan.terraform.expressions import Env, EvalError, ResourceValue, as_number

if TYPE_CHECKING:
    from iacscan.terraform.config import Project

META_ATTRIBUTES = frozenset({"count", "for_each", "depends_on", "provider", "lifecycle"})
META_BLOCKS = frozenset({"lifecycle", "provisioner", "connection", "dynamic"})


class BodyScope(Protocol):
    """What body evaluation needs from a module instance."""

    project: Project

    def eval_attr(self, attr: ast.Attribute, file: str, env: Env) -> Any: ...


def instance_suffix(key: int | str | None) -> str:
    if key is None:
        return ""
    return f"[{key}]" if isinstance(key, int) else f"[{json.dumps(key)}]"


def expand(scope: BodyScope, body: ast.Body, file: str) -> tuple[str, list[tuple[Any, Env]]]:
    """Instance keys and their ``count``/``each`` bindings, per Terraform's rules.

    More instances than the budget allows are not built: the block stands for an unknown
    number of them (as with an unknown ``count``), and the scan says why.
    """
    if "count" in body.attributes:
        attr = body.attributes["count"]
        count = scope.eval_attr(attr, file, {})
        total = None if is_unknown(count) else _whole_count(count)
        if total is not None and not _affordable(scope, attr, file, total, f"count = {total:,}"):
            count = Unknown("count over the evaluation budget")
        if is_unknown(count) or total is None:
            return "multi", [(None, {"count": {"index": unknown_from("count.index", count)}})]
        return "count", [(i, {"count": {"index": i}}) for i in range(total)]
    if "for_each" in body.attributes:
        attr = body.attributes["for_each"]
        each = scope.eval_attr(attr, file, {})
        pairs = for_each_pairs(each)
        what = f"for_each of {len(pairs or ()):,}"
        if pairs is not None and not _affordable(scope, attr, file, len(pairs), what):
            each, pairs = Unknown("for_each over the evaluation budget"), None
        if pairs is None:
            marker = unknown_from("for_each is unknown", each)
            return "multi", [(None, {"each": {"key": marker, "value": marker}})]
        return "for_each", [(k, {"each": {"key": k, "value": v}}) for k, v in pairs]
    return "single", [(None, {})]


def _whole_count(count: Any) -> int:
    """Terraform's count: a whole, non-negative, finite number."""
    number = as_number(count)
    if isinstance(number, float) and not number.is_integer():  # also NaN and infinities
        raise EvalError(f"count must be a whole number, got {to_display(number)}")
    if number < 0:
        raise EvalError(f"count must not be negative, got {to_display(number)}")
    return int(number)


def _affordable(scope: BodyScope, attr: ast.Attribute, file: str, total: int, what: str) -> bool:
    """Whether ``total`` instances (or dynamic blocks) fit the budgets; if not, says why."""
    try:
        if total > LIMITS.instances:
            raise BudgetExceeded(f"{what} instances is over the budget of {LIMITS.instances:,}")
        scope.project.budget.spend(total * STEPS_PER_BODY, what)
    except BudgetExceeded as exc:
        scope.project.error(file, attr.line, f"{attr.name}: evaluation budget exceeded: {exc}")
        return False
    return True


def eval_body(
    scope: BodyScope, body: ast.Body, env: Env, file: str, prefix: str
) -> tuple[dict[str, Any], dict[str, tuple[int, int]]]:
    """Attributes and nested blocks (blocks as lists of objects, ``dynamic`` expanded)."""
    attrs: dict[str, Any] = {}
    lines: dict[str, tuple[int, int]] = {}
    for attr in body.attributes.values():
        if attr.name in META_ATTRIBUTES and not prefix:
            continue
        attrs[attr.name] = scope.eval_attr(attr, file, env)
        lines[prefix + attr.name] = (attr.line, attr.end_line)
    for block in body.blocks:
        if block.type == "dynamic":
            _dynamic(scope, block, env, file, prefix, attrs, lines)
        elif block.type not in META_BLOCKS:
            items = attrs.setdefault(block.type, [])
            path = f"{prefix}{block.type}[{len(items)}]"
            value, sub_lines = eval_body(scope, block.body, env, file, path + ".")
            items.append(value)
            lines[path] = (block.line, block.end_line)
            lines.update(sub_lines)
    return attrs, lines


def _dynamic(
    scope: BodyScope,
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
        scope.project.error(file, block.line, f"dynamic {label!r} needs for_each and content")
        return
    collection = scope.eval_attr(for_each, file, env)
    pairs = for_each_pairs(collection, allow_lists=True)
    what = f"dynamic {label!r} of {len(pairs or ()):,}"
    if pairs is not None and not _affordable(scope, for_each, file, len(pairs), what):
        collection, pairs = Unknown("dynamic blocks over the evaluation budget"), None
    if pairs is None:
        marker = unknown_from("dynamic for_each is unknown", collection)
        probe = {**env, iterator: {"key": marker, "value": marker}}
        value, _ = eval_body(scope, contents[0].body, probe, file, "")
        items.append(unknown_from(f"dynamic {label!r} blocks are unknown", marker, value))
        lines[f"{prefix}{label}[{len(items) - 1}]"] = (block.line, block.end_line)
        return
    for key, item in pairs:
        local = {**env, iterator: {"key": key, "value": item}}
        path = f"{prefix}{label}[{len(items)}]"
        value, sub_lines = eval_body(scope, contents[0].body, local, file, path + ".")
        items.append(value)
        lines[path] = (contents[0].line, contents[0].end_line)
        lines.update(sub_lines)


def for_each_pairs(value: Any, allow_lists: bool = False) -> list[tuple[Any, Any]] | None:
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


def walk_resources(value: Any) -> Iterator[ResourceValue]:
    if isinstance(value, ResourceValue):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from walk_resources(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk_resources(item)
