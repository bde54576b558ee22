"""Collection functions (the set functions live in ``sets``)."""

from __future__ import annotations

import math
from decimal import Decimal, localcontext
from typing import Any

from iacscan.model.values import (
    is_unknown,
    is_wholly_known,
    normalize_number,
    type_name,
    unknown_from,
)
from iacscan.terraform.functions._core import (
    FunctionError,
    Number,
    _boolean,
    _from_decimal,
    _key,
    _mapping,
    _number,
    _sequence,
    _Spec,
    _string,
    _to_decimal,
    _unify,
    _whole,
)
from iacscan.terraform.functions._graphemes import _graphemes


def _alltrue(values: Any) -> Any:
    """Three-valued: a known false decides even next to unknown elements."""
    items = _sequence(values)
    known = [_boolean(v) if v is not None else False for v in items if not is_unknown(v)]
    if not all(known):
        return False
    if len(known) < len(items):
        return unknown_from("alltrue() of unknown elements", *items)
    return True


def _anytrue(values: Any) -> Any:
    items = _sequence(values)
    known = [_boolean(v) if v is not None else False for v in items if not is_unknown(v)]
    if any(known):
        return True
    if len(known) < len(items):
        return unknown_from("anytrue() of unknown elements", *items)
    return False


def _chunklist(values: Any, size: Any) -> list[Any]:
    items, step = _sequence(values), _whole(size)
    if step < 0:
        raise FunctionError("the size argument must be positive")
    if step == 0:
        return [list(items)] if items else []
    return [items[i : i + step] for i in range(0, len(items), step)]


def _coalesce(*values: Any) -> Any:
    """First non-null, non-empty value; an unknown before it might itself be the answer."""
    try:
        unified = _unify(list(values))
    except FunctionError:
        raise FunctionError("all arguments must have the same type") from None
    if not values:
        raise FunctionError("all arguments must have the same type")
    for original, value in zip(values, unified, strict=True):
        if is_unknown(original):
            return unknown_from("coalesce() of an unknown value", *values)
        if value is not None and value != "":
            return value
    raise FunctionError("no non-null, non-empty-string arguments")


def _coalescelist(*values: Any) -> Any:
    for value in values:
        if is_unknown(value):
            return unknown_from("coalescelist() of an unknown value", *values)
        if not isinstance(value, list):
            raise FunctionError("coalescelist arguments must be lists or tuples")
        if value:
            return value
    raise FunctionError("no non-null arguments")


def _compact(values: Any) -> Any:
    result = []
    for index, item in enumerate(_sequence(values)):
        if is_unknown(item):
            return unknown_from("compact() of a list with unknown elements", values)
        if item is None or item == "":
            continue
        if isinstance(item, (list, dict)):
            raise FunctionError(f"element {index}: string required")
        result.append(_string(item))
    return result


def _concat(*lists: Any) -> list[Any]:
    if not lists:
        raise FunctionError("at least one argument is required")
    return [item for value in lists for item in _sequence(value, "every argument")]


def _contains(values: Any, value: Any) -> Any:
    """Strict equality: ``contains([1], "1")`` is false in Terraform."""
    items = _sequence(values)
    if not is_wholly_known(value):
        return unknown_from("contains() of an unknown value", value)
    wanted = _key(value)
    if any(is_wholly_known(i) and _key(i) == wanted for i in items):
        return True
    if not all(is_wholly_known(i) for i in items):
        return unknown_from("contains() of a list with unknown elements", values)
    return False


def _distinct(values: Any) -> Any:
    items = _unify(_sequence(values))
    if not all(is_wholly_known(i) for i in items):
        return unknown_from("distinct() of a list with unknown elements", values)
    unique: dict[Any, Any] = {}
    for item in items:
        unique.setdefault(_key(item), item)
    return list(unique.values())


def _element(values: Any, index: Any) -> Any:
    items, position = _sequence(values), _whole(index)
    if not items:
        raise FunctionError("cannot use element function with an empty list")
    if position < 0:
        raise FunctionError("cannot use element function with a negative index")
    return items[position % len(items)]


def _flatten_into(items: list[Any], out: list[Any]) -> None:
    for item in items:
        if isinstance(item, list):
            _flatten_into(item, out)
        else:
            out.append(item)  # an unknown element is kept as an element: the Ref matters


def _flatten(values: Any) -> list[Any]:
    out: list[Any] = []
    _flatten_into(_sequence(values), out)
    return out


def _index(values: Any, value: Any) -> Any:
    if not is_wholly_known(value):
        return unknown_from("index() of an unknown value", value)
    wanted = _key(value)
    for position, item in enumerate(_sequence(values)):
        if not is_wholly_known(item):
            return unknown_from("index() of a list with unknown elements", values)
        if _key(item) == wanted:
            return position
    raise FunctionError("item not found")


def _keys(value: Any) -> list[str]:
    return sorted(_mapping(value, "inputMap"))


def _length(value: Any) -> int:
    if isinstance(value, str):
        return len(_graphemes(value))
    if isinstance(value, (list, dict)):
        return len(value)
    raise FunctionError("argument must be a string, a collection type, or a structural type")


def _lookup(mapping: Any, key: Any, *default: Any) -> Any:
    if is_unknown(mapping) or is_unknown(key):
        return unknown_from("lookup() of an unknown value", mapping, key)
    if len(default) > 1:
        raise FunctionError("lookup() takes at most three arguments")
    if mapping is None or key is None:
        raise FunctionError("argument must not be null")
    values, name = _mapping(mapping, "inputMap"), _string(key)
    if name in values:
        return values[name]
    if default:
        return default[0]
    raise FunctionError(f"the given object has no attribute {name!r}")


def _matchkeys(values: Any, keys: Any, searchset: Any) -> Any:
    items, key_list, search = _sequence(values), _sequence(keys), _sequence(searchset)
    if len(items) != len(key_list):
        raise FunctionError("length of keys and values should be equal")
    if not all(is_wholly_known(k) for k in [*key_list, *search]):
        return unknown_from("matchkeys() of unknown keys", keys, searchset)
    unified = _unify([*key_list, *search])
    wanted = {_key(k) for k in unified[len(key_list) :]}
    return [v for v, k in zip(items, unified, strict=False) if _key(k) in wanted]


def _merge(*maps: Any) -> dict[str, Any]:
    """Shallow, later arguments win; null arguments are skipped."""
    result: dict[str, Any] = {}
    for value in maps:
        if value is None:
            continue
        if not isinstance(value, dict):
            raise FunctionError(f'arguments must be maps or objects, got "{type_name(value)}"')
        result.update(value)
    return result


def _one(values: Any) -> Any:
    items = _sequence(values)
    if len(items) > 1:
        raise FunctionError("must be a list, set, or tuple value with either zero or one elements")
    return items[0] if items else None


def _range(*params: Any) -> list[Number]:
    if not 1 <= len(params) <= 3:
        raise FunctionError("range() takes one to three arguments")
    numbers = [_to_decimal(_number(p)) for p in params]
    start, end = (Decimal(0), numbers[0]) if len(numbers) == 1 else (numbers[0], numbers[1])
    step = numbers[2] if len(numbers) == 3 else Decimal(1 if end >= start else -1)
    if step > 0 and end < start:
        raise FunctionError("end must be greater than start when step is positive")
    if step < 0 and end > start:
        raise FunctionError("end must be less than start when step is negative")
    result: list[Number] = []
    current = start
    with localcontext() as decimal_context:
        decimal_context.prec = 100
        while (current < end) if step > 0 else (current > end) if step < 0 else True:
            if len(result) >= 1024:
                raise FunctionError("more than 1024 values were generated")
            result.append(_from_decimal(current))
            current += step
    return result


def _reverse(values: Any) -> list[Any]:
    if not isinstance(values, list):
        raise FunctionError(f"can only reverse list or tuple values, not {type_name(values)}")
    return values[::-1]


def _slice(values: Any, start: Any, end: Any) -> list[Any]:
    items, first, last = _sequence(values), _whole(start), _whole(end)
    if first < 0:
        raise FunctionError("start index must not be less than zero")
    if last > len(items):
        raise FunctionError("end index must not be greater than the length of the list")
    if first > last:
        raise FunctionError("start index must not be greater than end index")
    return items[first:last]


def _sort(values: Any) -> Any:
    """Always lexical: numbers are sorted as strings (``["1", "10", "9"]``)."""
    items = _sequence(values)
    if any(is_unknown(i) for i in items):
        return unknown_from("sort() of a list with unknown elements", values)
    for index, item in enumerate(items):
        if item is None:
            raise FunctionError(
                f"given list element {index} is null; a null string cannot be sorted"
            )
    return sorted(_string(i) for i in items)


def _sum(values: Any) -> Any:
    items = _sequence(values)
    if not items:
        raise FunctionError("cannot sum an empty list")
    if any(is_unknown(i) for i in items):
        return unknown_from("sum() of a list with unknown elements", values)
    if any(i is None or isinstance(i, bool) for i in items):
        raise FunctionError("argument must be list, set, or tuple of number values")
    try:
        numbers = [_number(i) for i in items]
    except FunctionError:
        raise FunctionError("argument must be list, set, or tuple of number values") from None
    if any(isinstance(n, float) and math.isinf(n) for n in numbers):
        return normalize_number(math.fsum(numbers))
    with localcontext() as decimal_context:
        decimal_context.prec = 100
        return _from_decimal(sum((_to_decimal(n) for n in numbers), Decimal(0)))


def _transpose(value: Any) -> Any:
    mapping = _mapping(value)
    if not is_wholly_known(mapping):
        return unknown_from("transpose() of unknown values", mapping)
    result: dict[str, list[str]] = {}
    for key in sorted(mapping):
        for item in _sequence(mapping[key], "every value"):
            result.setdefault(_string(item), []).append(key)
    return dict(sorted(result.items()))


def _values(value: Any) -> list[Any]:
    if not isinstance(value, dict):
        raise FunctionError("values() requires a map as the first argument")
    return [value[k] for k in sorted(value)]


def _zipmap(keys: Any, values: Any) -> Any:
    key_list, value_list = _sequence(keys), _sequence(values)
    if len(key_list) != len(value_list):
        raise FunctionError(
            f"number of keys ({len(key_list)}) does not match number of values ({len(value_list)})"
        )
    if any(is_unknown(k) for k in key_list):
        return unknown_from("zipmap() of unknown keys", keys)
    for index, key in enumerate(key_list):
        if key is None:
            raise FunctionError(f"keys list has null value at index {index}")
    return {_string(k): v for k, v in zip(key_list, value_list, strict=True)}


FUNCTIONS: dict[str, _Spec] = {
    "alltrue": _Spec(_alltrue, 1, 1),
    "anytrue": _Spec(_anytrue, 1, 1),
    "chunklist": _Spec(_chunklist, 2, 2),
    "coalesce": _Spec(_coalesce, 0, None, lazy=True, nulls=True),
    "coalescelist": _Spec(_coalescelist, 0, None, lazy=True),
    "compact": _Spec(_compact, 1, 1),
    "concat": _Spec(_concat, 0, None),
    "contains": _Spec(_contains, 2, 2),
    "distinct": _Spec(_distinct, 1, 1),
    "element": _Spec(_element, 2, 2),
    "flatten": _Spec(_flatten, 1, 1),
    "index": _Spec(_index, 2, 2),
    "keys": _Spec(_keys, 1, 1),
    "length": _Spec(_length, 1, 1),
    "lookup": _Spec(_lookup, 2, 3, lazy=True, nulls=True),
    "matchkeys": _Spec(_matchkeys, 3, 3),
    "merge": _Spec(_merge, 0, None, nulls=True),
    "one": _Spec(_one, 1, 1),
    "range": _Spec(_range, 1, 3),
    "reverse": _Spec(_reverse, 1, 1),
    "slice": _Spec(_slice, 3, 3),
    "sort": _Spec(_sort, 1, 1),
    "sum": _Spec(_sum, 1, 1),
    "transpose": _Spec(_transpose, 1, 1),
    "values": _Spec(_values, 1, 1),
    "zipmap": _Spec(_zipmap, 2, 2),
}
