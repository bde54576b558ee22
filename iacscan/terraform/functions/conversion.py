"""Conversion functions."""

from __future__ import annotations

from typing import Any

from iacscan.model.values import is_wholly_known, type_name, unknown_from
from iacscan.terraform.functions._core import (
    FunctionError,
    Number,
    _as_set,
    _boolean,
    _number,
    _Spec,
    _string,
    _unify,
)


def _tobool(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool) or value in ("true", "false"):
        return _boolean(value)
    if isinstance(value, str):
        raise FunctionError(
            f'cannot convert {value!r} to bool; only the strings "true" or "false" are allowed'
        )
    raise FunctionError(f"cannot convert {type_name(value)} to bool")


def _tonumber(value: Any) -> Number | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise FunctionError(f"cannot convert {type_name(value)} to number")
    return _number(value)


def _tostring(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (list, dict)):
        raise FunctionError(f"cannot convert {type_name(value)} to string")
    return _string(value)


def _tolist(value: Any) -> list[Any] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise FunctionError(f"cannot convert {type_name(value)} to list of any single type")
    try:
        return _unify(value)
    except FunctionError:
        raise FunctionError("cannot convert tuple to list of any single type") from None


def _toset(value: Any) -> Any:
    items = _tolist(value)
    if items is None:
        return None
    if not all(is_wholly_known(i) for i in items):
        return unknown_from("toset() of a list with unknown elements", value)
    return _as_set(items)


def _tomap(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise FunctionError(f"cannot convert {type_name(value)} to map of any single type")
    try:
        unified = _unify(list(value.values()))
    except FunctionError:
        raise FunctionError("cannot convert object to map of any single type") from None
    return dict(zip(value, unified, strict=True))


def _identity(value: Any) -> Any:
    """sensitive()/nonsensitive(): the scanner has no notion of sensitivity, so pass through."""
    return value


FUNCTIONS: dict[str, _Spec] = {
    "nonsensitive": _Spec(_identity, 1, 1, lazy=True, nulls=True),
    "sensitive": _Spec(_identity, 1, 1, lazy=True, nulls=True),
    "ephemeralasnull": _Spec(_identity, 1, 1, lazy=True, nulls=True),
    "tobool": _Spec(_tobool, 1, 1, nulls=True),
    "tolist": _Spec(_tolist, 1, 1, nulls=True),
    "tomap": _Spec(_tomap, 1, 1, nulls=True),
    "tonumber": _Spec(_tonumber, 1, 1, nulls=True),
    "toset": _Spec(_toset, 1, 1, nulls=True),
    "tostring": _Spec(_tostring, 1, 1, nulls=True),
}
