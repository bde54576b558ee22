"""Variable type constraints: the conversions Terraform applies to an input value.

They matter for evaluation, not for validation: ``--var`` and ``TF_VAR_`` values arrive as
strings that a ``number`` variable turns into numbers, and an ``object({...})`` type fills
the attributes marked ``optional(type, default)`` that the caller left out, so that
``var.settings.port`` reads the default instead of failing. Values that do not fit the type
are passed through unchanged (Terraform would reject them; iacscan keeps scanning).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from iacscan.model.values import is_unknown, normalize_number, to_display
from iacscan.terraform import ast

Evaluate = Callable[[ast.Expr], Any]


def convert(value: Any, type_expr: ast.Expr | None, evaluate: Evaluate) -> Any:
    """``value`` converted to ``type_expr`` where Terraform would convert it."""
    if type_expr is None or value is None or is_unknown(value):
        return value
    if isinstance(type_expr, ast.Variable):
        return _primitive(value, type_expr.name)
    if not isinstance(type_expr, ast.Call) or not type_expr.args:
        return value
    name, inner = type_expr.name, type_expr.args[0]
    if name == "optional":
        return convert(value, inner, evaluate)
    if name in ("list", "set") and isinstance(value, list):
        return [convert(item, inner, evaluate) for item in value]
    if name == "map" and isinstance(value, dict):
        return {key: convert(item, inner, evaluate) for key, item in value.items()}
    if name == "tuple" and isinstance(value, list) and isinstance(inner, ast.TupleExpr):
        types: list[ast.Expr | None] = [*inner.items, *[None] * (len(value) - len(inner.items))]
        return [convert(item, t, evaluate) for item, t in zip(value, types, strict=False)]
    if name == "object" and isinstance(value, dict) and isinstance(inner, ast.ObjectExpr):
        return _object(value, inner, evaluate)
    return value


def _object(value: dict[str, Any], spec: ast.ObjectExpr, evaluate: Evaluate) -> dict[str, Any]:
    result = dict(value)
    for key_expr, attr_type in spec.items:
        if not isinstance(key_expr, ast.Literal):
            continue
        key = str(key_expr.value)
        if key in value:
            result[key] = convert(value[key], attr_type, evaluate)
        elif isinstance(attr_type, ast.Call) and attr_type.name == "optional" and attr_type.args:
            default = evaluate(attr_type.args[1]) if len(attr_type.args) > 1 else None
            result[key] = convert(default, attr_type.args[0], evaluate)
    return result


def _primitive(value: Any, name: str) -> Any:
    if name == "string" and isinstance(value, (int, float, bool)):
        return to_display(value)
    if name == "bool" and value in ("true", "false"):
        return value == "true"
    if name == "number" and isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return value
        return normalize_number(number) if any(c in value for c in ".eE") else int(number)
    return value
