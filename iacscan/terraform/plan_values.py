"""A planned resource's values as the neutral model holds them: unknowns as Ref/Unknown.

A plan omits what is known only after apply and marks it in ``after_unknown``. We put a
``Ref`` where the configuration says which resource the value comes from (so the graph and
the exposure analysis join exactly as on HCL), an ``Unknown`` where it does not, and nothing
where the configuration does not set the attribute at all: that is the provider computing
its default, which HCL evaluation also leaves out and rules read as AWS's default. Values
marked sensitive become ``Unknown("sensitive value")`` so that no reporter can print them.
A known id that equals the id of the resource the configuration references (a data source,
a resource that already exists) also becomes a Ref: that is the join Terraform would make.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from iacscan.model.values import Ref, Unknown
from iacscan.terraform.plan_refs import Target, parse_traversal, references_of

ABSENT = object()  # the configuration is known and does not set this attribute
DROP = object()  # leave the key out of its object
SENSITIVE = Unknown("sensitive value")
# A whole unknown attribute named like a collection holds one Ref per referenced resource,
# as HCL's ``[aws_security_group.a.id, ...]`` does; the plan does not carry the schema.
LIST_NAME = re.compile(r"(_ids|_arns|_groups|^security_groups|subnets|_names|_list)$")
IDENTITY = re.compile(r"(^|_)(id|arn)$")

Resolve = Callable[[Any], list[Target]]
Lookup = Callable[[str, str], Any]


class ValueBuilder:
    """Builds one resource instance's attrs; ``resolve`` maps an expression to targets."""

    def __init__(self, resolve: Resolve, lookup: Lookup) -> None:
        self.resolve = resolve
        self.lookup = lookup

    def attrs(
        self, values: Any, unknown: Any, sensitive: Any, expressions: dict[str, Any] | None
    ) -> dict[str, Any]:
        expr: Any = expressions if expressions is not None else None
        built = self.build(values if isinstance(values, dict) else {}, unknown, sensitive, expr)
        return built if isinstance(built, dict) else {}

    def build(self, value: Any, unknown: Any, sensitive: Any, expr: Any, name: str = "") -> Any:
        if sensitive is True:
            return SENSITIVE
        if unknown is True:
            return self.unknown_leaf(expr, name, in_list=False)
        if isinstance(value, dict) or (value is None and isinstance(unknown, dict) and unknown):
            return self._object(value or {}, unknown, sensitive, expr)
        if isinstance(value, list):
            return self._list(value, unknown, sensitive, expr, name)
        if isinstance(value, str) and _is_expression(expr):
            return self._joined(value, expr)
        return value

    def _object(self, value: dict[str, Any], unknown: Any, sensitive: Any, expr: Any) -> Any:
        unknown = unknown if isinstance(unknown, dict) else {}
        sensitive = sensitive if isinstance(sensitive, dict) else {}
        out: dict[str, Any] = {}
        for key in sorted(set(value) | {k for k, v in unknown.items() if v is True}):
            child = self.build(
                value.get(key), unknown.get(key), sensitive.get(key), _sub(expr, key), key
            )
            if child is not DROP and child is not None:
                out[key] = child
        return out

    def _list(self, value: list[Any], unknown: Any, sensitive: Any, expr: Any, name: str) -> Any:
        unknown = unknown if isinstance(unknown, list) else []
        sensitive = sensitive if isinstance(sensitive, list) else []
        out = []
        for i, item in enumerate(value):
            mark = unknown[i] if i < len(unknown) else None
            secret = sensitive[i] if i < len(sensitive) else None
            item_expr = _element(expr, item)
            if mark is True:
                out.append(self.unknown_leaf(item_expr, name, in_list=True))
            else:
                built = self.build(item, mark, secret, item_expr, name)
                out.append(None if built is DROP else built)
        return out

    def unknown_leaf(self, expr: Any, name: str, in_list: bool) -> Any:
        if expr is ABSENT:
            return Unknown("known after apply") if in_list else DROP
        if not _is_expression(expr):
            return Unknown("known after apply")
        targets = self.resolve(expr)
        refs = [Ref(t.address, t.attribute) for t in targets]
        spread = [t for t in targets if t.spread]
        if len(refs) == 1 and not (in_list is False and LIST_NAME.search(name)):
            return refs[0]
        if refs and not spread and not in_list and LIST_NAME.search(name):
            return refs
        if not refs:
            named = ", ".join(references_of(expr)[:3])
            why = f" (from {named})" if named else ""
            return Unknown(f"known after apply{why}")
        return Unknown(_spread_reason(targets), frozenset(refs))

    def _joined(self, value: str, expr: Any) -> Any:
        for target in self.resolve(expr):
            last = parse_traversal(target.attribute)
            if not last or last[-1][0] != "name" or not IDENTITY.search(str(last[-1][1])):
                continue
            if self.lookup(target.address, target.attribute) == value:
                return Ref(target.address, target.attribute)
        return value


def _spread_reason(targets: list[Target]) -> str:
    names = ", ".join(str(Ref(t.address, t.attribute)) for t in targets[:4])
    more = f" and {len(targets) - 4} more" if len(targets) > 4 else ""
    if any(t.spread for t in targets):
        return (
            f"known after apply: one or more of {names}{more} (the plan does not say which index)"
        )
    return f"known after apply: derived from {names}{more}"


def _is_expression(expr: Any) -> bool:
    return isinstance(expr, dict) and ("references" in expr or "constant_value" in expr)


def _sub(expr: Any, key: str) -> Any:
    """The expression for ``key`` inside ``expr`` (an expression covers all it contains)."""
    if expr is None or expr is ABSENT or _is_expression(expr):
        return expr
    if isinstance(expr, dict):
        return expr.get(key, ABSENT)
    if isinstance(expr, list):
        blocks = [b for b in expr if isinstance(b, dict)]
        if len(blocks) == 1:
            return _sub(blocks[0], key)
        parts = [b.get(key) for b in blocks if key in b]
        if not parts:
            return ABSENT
        return {"references": [r for p in parts for r in references_of(p)]}
    return ABSENT


def _element(expr: Any, item: Any) -> Any:
    """The block expression of one list element: the unique block whose constants agree."""
    if not isinstance(expr, list):
        return expr
    blocks = [b for b in expr if isinstance(b, dict)]
    if len(blocks) == 1:
        return blocks[0]
    agreeing = [b for b in blocks if _agrees(b, item)]
    return agreeing[0] if len(agreeing) == 1 else expr


def _agrees(block: dict[str, Any], item: Any) -> bool:
    if not isinstance(item, dict):
        return False
    for key, node in block.items():
        constant = node.get("constant_value") if isinstance(node, dict) else None
        if constant is not None and constant != item.get(key):
            return False
    return True
