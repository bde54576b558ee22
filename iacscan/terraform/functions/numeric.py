"""Numeric functions."""

from __future__ import annotations

import math
from typing import Any

from iacscan.model.values import normalize_number, type_name
from iacscan.terraform.functions._core import FunctionError, Number, _number, _Spec, _whole


def _abs(value: Any) -> Number:
    return abs(_number(value))


def _ceil(value: Any) -> Number:
    number = _number(value)
    return number if math.isinf(number) else math.ceil(number)


def _floor(value: Any) -> Number:
    number = _number(value)
    return number if math.isinf(number) else math.floor(number)


def _ln(value: Number) -> float:
    if value == 0:
        return -math.inf
    if value < 0:
        raise FunctionError("cannot take the logarithm of a negative number")
    return math.log(value)


def _log(value: Any, base: Any) -> Number:
    numerator, denominator = _ln(_number(value)), _ln(_number(base))
    if denominator == 0:
        if numerator == 0:
            raise FunctionError("logarithm is undefined for these arguments")
        return math.copysign(math.inf, numerator)
    if math.isinf(numerator) and math.isinf(denominator):
        raise FunctionError("logarithm is undefined for these arguments")
    return normalize_number(numerator / denominator)


def _max(*values: Any) -> Number:
    if not values:
        raise FunctionError("must pass at least one number")
    return max(_number(v) for v in values)


def _min(*values: Any) -> Number:
    if not values:
        raise FunctionError("must pass at least one number")
    return min(_number(v) for v in values)


_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _digit_value(ch: str, base: int) -> int:
    if base <= 36 and ch.isascii():
        ch = ch.lower()
    return _DIGITS.index(ch) if ch in _DIGITS else 99


def _parseint(number: Any, base: Any) -> int:
    """Go's big.Int digits: case-insensitive up to base 36, ``a-zA-Z`` beyond."""
    if not isinstance(number, str):
        raise FunctionError(f"first argument must be a string, not {type_name(number)}")
    radix = _whole(base)
    if not 2 <= radix <= 62:
        raise FunctionError("base must be a whole number between 2 and 62 inclusive")
    sign, digits = (-1, number[1:]) if number[:1] == "-" else (1, number.removeprefix("+"))
    if not digits or any(_digit_value(c, radix) >= radix for c in digits):
        raise FunctionError(f"cannot parse {number!r} as a base {radix} integer")
    result = 0
    for ch in digits:
        result = result * radix + _digit_value(ch, radix)
    return sign * result


def _pow(base: Any, exponent: Any) -> Number:
    """Terraform computes in float64 (``pow(2, 100)`` is not exact), so Python floats match."""
    x, y = float(_number(base)), float(_number(exponent))
    try:
        result = math.pow(x, y)
    except (OverflowError, ValueError):
        raise FunctionError("pow() result is not a real number") from None
    return normalize_number(result)


def _signum(value: Any) -> int:
    number = _whole(value)  # Terraform rejects signum(-5.5): the argument must be whole
    return (number > 0) - (number < 0)


FUNCTIONS: dict[str, _Spec] = {
    "abs": _Spec(_abs, 1, 1),
    "ceil": _Spec(_ceil, 1, 1),
    "floor": _Spec(_floor, 1, 1),
    "log": _Spec(_log, 2, 2),
    "max": _Spec(_max, 0, None),
    "min": _Spec(_min, 0, None),
    "parseint": _Spec(_parseint, 2, 2),
    "pow": _Spec(_pow, 2, 2),
    "signum": _Spec(_signum, 1, 1),
}
