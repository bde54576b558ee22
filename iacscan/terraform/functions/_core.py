"""Shared argument conversions and the registry's entry type.

Everything here is used by several function families; nothing here is a Terraform function.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from iacscan.model.values import is_unknown, normalize_number, type_name

Number = int | float


class FunctionError(Exception):
    """A call Terraform itself would reject (wrong argument type/count, bad value)."""


class _NotStatic(Exception):
    """Terraform would compute a value, but this evaluator cannot (safely) reproduce it."""


@dataclass(frozen=True)
class FunctionContext:
    """Where file functions look: relative paths start at ``module_dir``, never leave ``root``."""

    module_dir: Path
    root: Path
    render_template: Callable[[str, dict[str, Any]], Any] | None = None


# =============================================================================================
# Argument conversions: Terraform converts primitives automatically (``"5"`` is a number,
# ``5`` is a string) but never converts a bool to a number or a collection to a string.
# =============================================================================================

_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INFINITIES = {"Inf": math.inf, "inf": math.inf, "+Inf": math.inf, "+inf": math.inf}
_INFINITIES |= {"-Inf": -math.inf, "-inf": -math.inf}


def _from_decimal(value: Decimal) -> Number:
    """Integral decimals become exact ints (``1e3`` is ``1000``), the rest Python floats."""
    if value.is_finite() and value == value.to_integral_value() and value.adjusted() < 400:
        return int(value)
    return float(value)


def _to_decimal(value: Number) -> Decimal:
    """The decimal a Terraform literal denotes: ``repr`` undoes binary noise like 0.1+0.2."""
    return Decimal(value) if isinstance(value, int) else Decimal(repr(value))


def _parse_number(text: str) -> Number | None:
    if _NUMBER_RE.fullmatch(text):
        if any(c in text for c in ".eE"):
            return _from_decimal(Decimal(text))
        return int(text)
    return _INFINITIES.get(text)


def _number(value: Any) -> Number:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise FunctionError(f"number required, not {type_name(value)}")
    if isinstance(value, str):
        parsed = _parse_number(value)
        if parsed is None:
            raise FunctionError(
                f"cannot convert {value!r} to number; given string must be a decimal "
                "representation of a number"
            )
        return parsed
    return normalize_number(value)  # a 2.0 from arithmetic is the number 2


_MAX_GENERATED = 1_000_000


def _bounded(count: int) -> int:
    """Terraform would try to build huge values; a scanner reading hostile input must not."""
    if count > _MAX_GENERATED:
        raise _NotStatic("the result would be too large to build during a scan")
    return count


def _whole(value: Any) -> int:
    number = _number(value)
    if isinstance(number, float):
        if not number.is_integer():
            raise FunctionError("value must be a whole number")
        return int(number)
    return number


def _number_text(value: Number) -> str:
    """How Terraform prints a number: positional, never ``1e+20`` and never ``5.0``."""
    if isinstance(value, int):
        return str(value)
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return format(Decimal(repr(value)), "f")


def _string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _number_text(value)
    if value is None:
        raise FunctionError("argument must not be null")
    raise FunctionError(f"string required, not {type_name(value)}")


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise FunctionError(f"bool required, not {type_name(value)}")


def _sequence(value: Any, what: str = "list") -> list[Any]:
    if not isinstance(value, list):
        raise FunctionError(f"{what} must be a list, set or tuple, not {type_name(value)}")
    return value


def _mapping(value: Any, what: str = "argument") -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FunctionError(f"{what} must be a map or object, not {type_name(value)}")
    return value


def _primitive_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    return "number" if isinstance(value, (int, float)) else "string"


def _unify(values: list[Any]) -> list[Any]:
    """Convert elements to one type, as Terraform does for lists, sets and maps.

    A string among primitives turns numbers and bools into strings; numbers and bools alone do
    not mix. Null and unknown elements fit any type and are left alone.
    """
    known = [v for v in values if v is not None and not is_unknown(v)]
    if all(isinstance(v, list) for v in known) and known:
        return _unify_lists(values)
    if all(isinstance(v, dict) for v in known) and known:
        return _unify_dicts(values)
    if any(isinstance(v, (list, dict)) for v in known):
        raise FunctionError("all elements must have the same type")
    kinds = {_primitive_kind(v) for v in known}
    if len(kinds) <= 1:
        return list(values)
    if "string" not in kinds:
        raise FunctionError("all elements must have the same type")
    return [v if v is None or is_unknown(v) else _string(v) for v in values]


def _unify_lists(values: list[Any]) -> list[Any]:
    pool = _unify([item for v in values if isinstance(v, list) for item in v])
    result: list[Any] = []
    for value in values:
        if isinstance(value, list):
            result.append(pool[: len(value)])
            pool = pool[len(value) :]
        else:
            result.append(value)
    return result


def _unify_dicts(values: list[Any]) -> list[Any]:
    """Objects with the same attributes unify per attribute, others as maps of one type."""
    dicts = [v for v in values if isinstance(v, dict)]
    shapes = {tuple(sorted(d)) for d in dicts}
    if len(shapes) == 1:
        columns = {k: _unify([d[k] for d in dicts]) for k in dicts[0]}
        rows = iter(range(len(dicts)))
        unified = [{k: columns[k][i] for k in d} for d, i in zip(dicts, rows, strict=True)]
    else:
        pool = iter(_unify([item for d in dicts for item in d.values()]))
        unified = [{k: next(pool) for k in d} for d in dicts]
    replacements = iter(unified)
    return [next(replacements) if isinstance(v, dict) else v for v in values]


def _key(value: Any) -> Any:
    """A hashable identity for a wholly known value; bools never equal numbers."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        return ("number", value)
    if isinstance(value, str):
        return ("string", value)
    if value is None:
        return ("null",)
    if isinstance(value, list):
        return ("list", tuple(_key(v) for v in value))
    if isinstance(value, dict):
        return ("map", tuple(sorted((k, _key(v)) for k, v in value.items())))
    raise FunctionError("an unknown value has no identity yet")


def _set_order(value: Any) -> tuple[int, Any]:
    if value is None:
        return (2, 0)
    if isinstance(value, (bool, int, float, str)):
        return (0, value)
    return (1, 0)  # collections keep their first-seen order (sort is stable)


def _as_set(values: list[Any]) -> list[Any]:
    """Terraform's set: deduplicated; strings lexical, numbers ascending, null last."""
    unique: dict[Any, Any] = {}
    for value in values:
        unique.setdefault(_key(value), value)
    return sorted(unique.values(), key=_set_order)


# =============================================================================================
# The entry type of the function table
# =============================================================================================


@dataclass(frozen=True)
class _Spec:
    impl: Callable[..., Any]
    min_args: int
    max_args: int | None  # None: variadic
    lazy: bool = False  # the function handles arguments that are unknown as a whole
    nulls: bool = False  # null arguments are allowed
    ctx: bool = False  # the function takes the FunctionContext first
    impure: bool = False  # the result is only known at apply time
