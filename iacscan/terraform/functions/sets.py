"""Set functions."""

from __future__ import annotations

import math
from itertools import product
from typing import Any

from iacscan.model.values import Unknown, is_wholly_known, unknown_from
from iacscan.terraform.functions._core import (
    FunctionError,
    _as_set,
    _bounded,
    _key,
    _sequence,
    _Spec,
    _unify,
)


def _set_arguments(name: str, sets: tuple[Any, ...]) -> list[list[Any]] | Unknown:
    lists = [_sequence(s, "every argument") for s in sets]
    if not all(is_wholly_known(item) for items in lists for item in items):
        return unknown_from(f"{name}() of sets with unknown elements", *sets)
    pool = iter(_unify([item for items in lists for item in items]))
    return [[next(pool) for _ in items] for items in lists]


def _setintersection(first: Any, *others: Any) -> Any:
    lists = _set_arguments("setintersection", (first, *others))
    if isinstance(lists, Unknown):
        return lists
    common = {_key(v) for v in lists[0]}
    for items in lists[1:]:
        common &= {_key(v) for v in items}
    return _as_set([v for v in lists[0] if _key(v) in common])


def _setsubtract(first: Any, second: Any) -> Any:
    lists = _set_arguments("setsubtract", (first, second))
    if isinstance(lists, Unknown):
        return lists
    removed = {_key(v) for v in lists[1]}
    return _as_set([v for v in lists[0] if _key(v) not in removed])


def _setunion(first: Any, *others: Any) -> Any:
    lists = _set_arguments("setunion", (first, *others))
    if isinstance(lists, Unknown):
        return lists
    return _as_set([v for items in lists for v in items])


def _setproduct(*sets: Any) -> list[list[Any]]:
    if len(sets) < 2:
        raise FunctionError("at least two arguments are required")
    lists = [_sequence(s, "every argument") for s in sets]
    _bounded(math.prod(len(items) for items in lists))
    return [list(combination) for combination in product(*lists)]


FUNCTIONS: dict[str, _Spec] = {
    "setintersection": _Spec(_setintersection, 1, None),
    "setproduct": _Spec(_setproduct, 0, None),
    "setsubtract": _Spec(_setsubtract, 2, 2),
    "setunion": _Spec(_setunion, 1, None),
}
