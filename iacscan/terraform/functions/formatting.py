"""format(): Terraform's printf, whose numeric verbs follow Go's big.Int and big.Float."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from iacscan.model.values import first_unknown, is_wholly_known, unknown_from
from iacscan.terraform.functions._core import (
    FunctionError,
    Number,
    _boolean,
    _bounded,
    _number,
    _Spec,
    _string,
)
from iacscan.terraform.functions._graphemes import _graphemes
from iacscan.terraform.functions.encoding import _json_text

_VERB_RE = re.compile(r"([-+# 0]*)(?:\[([1-9][0-9]*)\])?([1-9][0-9]*)?(?:\.([0-9]*))?([A-Za-z])?")


@dataclass
class _Verb:
    raw: str
    offset: int
    flags: str
    arg: int
    width: int | None
    prec: int | None
    mode: str


def _terraform_exact(value: float) -> Decimal:
    """The exact value Terraform holds for this number: its decimal form rounded to 512 bits.

    Terraform parses ``0.0005`` into a 512-bit binary float, which lies just below 0.0005, so
    ``format("%.3f", 0.0005)`` is ``"0.000"``; Python's 53-bit float lies just above it.
    """
    fraction = Fraction(Decimal(repr(abs(value))))
    if fraction == 0:
        return Decimal(0)
    shift = 512 - (fraction.numerator.bit_length() - fraction.denominator.bit_length())
    mantissa = round(fraction * 2**shift)
    if mantissa.bit_length() > 512:
        shift -= 1
        mantissa = round(fraction * 2**shift)
    if shift <= 0:
        return Decimal(mantissa << -shift)
    digits = tuple(int(d) for d in str(mantissa * 5**shift))
    return Decimal((0, digits, -shift))


def _digits(value: Number, shortest: bool) -> tuple[str, int]:
    """Decimal digits and point position (value = 0.DIGITS x 10**point), sign dropped."""
    if isinstance(value, float):
        exact = Decimal(repr(abs(value))) if shortest else _terraform_exact(value)
    else:
        exact = Decimal(abs(value))
    _, digit_tuple, exponent = exact.as_tuple()
    mant = "".join(str(d) for d in digit_tuple)
    point = len(mant) + int(exponent)
    stripped = mant.lstrip("0")
    point -= len(mant) - len(stripped)
    mant = stripped.rstrip("0")
    return (mant, point) if mant else ("", 0)


def _round_digits(mant: str, point: int, n: int) -> tuple[str, int]:
    """Go's decimal.round: half to even on the exact digits; n < 0 leaves them alone."""
    if n < 0 or n >= len(mant):
        return mant, point
    halfway = mant[n] == "5" and n + 1 == len(mant)
    up = (n > 0 and int(mant[n - 1]) % 2 == 1) if halfway else mant[n] >= "5"
    if not up:
        kept = mant[:n].rstrip("0")
        return (kept, point) if kept else ("", 0)
    while n > 0 and mant[n - 1] == "9":
        n -= 1
    if n == 0:
        return "1", point + 1
    return mant[: n - 1] + str(int(mant[n - 1]) + 1), point


def _fmt_e(mant: str, point: int, prec: int, letter: str) -> str:
    text = mant[:1] or "0"
    if prec > 0:
        text += "." + mant[1 : prec + 1].ljust(prec, "0")
    exp = point - 1 if mant else 0
    return f"{text}{letter}{'-' if exp < 0 else '+'}{abs(exp):02d}"


def _fmt_f(mant: str, point: int, prec: int) -> str:
    whole = mant[:point].ljust(point, "0") if point > 0 else "0"
    if prec <= 0:
        return whole
    frac = "".join(mant[i] if 0 <= i < len(mant) else "0" for i in range(point, point + prec))
    return f"{whole}.{frac}"


def _go_float(value: Number, mode: str, prec: int | None) -> str:
    """Go's ``big.Float.Text``: %e/%f default to 6 digits, %g to the shortest exact form."""
    sign = "-" if value < 0 or (isinstance(value, float) and math.copysign(1, value) < 0) else ""
    if isinstance(value, float) and math.isinf(value):
        return sign + "Inf" if sign else "+Inf"
    shortest = prec is None and mode in "gG"
    mant, point = _digits(value, shortest)
    if shortest:
        prec = len(mant)
    else:
        prec = 6 if prec is None else prec
        if mode in "gG" and prec == 0:
            prec = 1
        rounding = {"e": 1 + prec, "E": 1 + prec, "f": point + prec}.get(mode, prec)
        mant, point = _round_digits(mant, point, rounding)
    if mode in "eE":
        return sign + _fmt_e(mant, point, prec, mode)
    if mode == "f":
        return sign + _fmt_f(mant, point, prec)
    return sign + _fmt_g(mant, point, prec, mode, shortest)


def _fmt_g(mant: str, point: int, prec: int, mode: str, shortest: bool) -> str:
    eprec = len(mant) if prec > len(mant) >= point else prec
    if shortest:
        eprec = 6
    if point - 1 < -4 or point - 1 >= eprec:
        return _fmt_e(mant, point, min(prec, len(mant)) - 1, "e" if mode == "g" else "E")
    if prec > point:
        prec = len(mant)
    return _fmt_f(mant, point, max(prec - point, 0))


def _pad(verb: _Verb, text: str) -> str:
    if verb.width is None:
        return text
    missing = verb.width - len(_graphemes(text))
    if missing <= 0:
        return text
    padding = ("0" if "0" in verb.flags else " ") * missing
    return text + padding if "-" in verb.flags else padding + text


def _format_integer(verb: _Verb, value: Any) -> str:
    """Go's big.Int Format: sign, ``#`` prefix, precision as minimum digits, then padding."""
    number = _number(value)
    if isinstance(number, float) and not number.is_integer():
        raise FunctionError("an integer is required")
    integer = int(number)
    digits = format(abs(integer), {"d": "d", "b": "b", "o": "o", "x": "x", "X": "X"}[verb.mode])
    sign = "-" if integer < 0 else "+" if "+" in verb.flags else " " if " " in verb.flags else ""
    prefix = (
        {"b": "0b", "o": "0", "x": "0x", "X": "0X"}.get(verb.mode, "") if "#" in verb.flags else ""
    )
    zeros = 0
    if verb.prec is not None:
        if digits == "0" and verb.prec == 0:
            return ""
        zeros = max(verb.prec - len(digits), 0)
    body = sign + prefix + "0" * zeros + digits
    missing = (verb.width or 0) - len(body)
    if missing <= 0:
        return body
    if "-" in verb.flags:
        return body + " " * missing
    if "0" in verb.flags and verb.prec is None:
        return sign + prefix + "0" * (zeros + missing) + digits
    return " " * missing + body


def _format_float(verb: _Verb, value: Any) -> str:
    """Go's big.Float Format; note that ``0`` wins over ``-`` here, unlike for integers."""
    text = _go_float(_number(value), verb.mode, verb.prec)
    sign = ""
    if text[0] in "+-":
        sign, text = text[0], text[1:]
        if sign == "+" and " " in verb.flags:
            sign = " "
    elif "+" in verb.flags:
        sign = "+"
    elif " " in verb.flags:
        sign = " "
    missing = (verb.width or 0) - len(sign) - len(text)
    if missing <= 0:
        return sign + text
    if "0" in verb.flags and text != "Inf":
        return sign + "0" * missing + text
    if "-" in verb.flags:
        return sign + text + " " * missing
    return " " * missing + sign + text


def _format_string(verb: _Verb, value: Any) -> str:
    text = _string(value)
    if verb.prec:
        text = "".join(_graphemes(text)[: verb.prec])
    return _pad(verb, _json_text(text) if verb.mode == "q" else text)


def _format_as_is(verb: _Verb, value: Any) -> str:
    if "#" not in verb.flags and isinstance(value, str):
        return _pad(verb, value)
    if "#" not in verb.flags and isinstance(value, (int, float)) and not isinstance(value, bool):
        return _pad(verb, _go_float(value, "g", None))
    return _pad(verb, _json_text(value))


def _format_one(verb: _Verb, value: Any) -> str:
    if verb.mode != "v" and value is None:
        raise FunctionError("null value cannot be formatted")
    if verb.mode == "v":
        return _format_as_is(verb, value)
    if verb.mode == "t":
        return "true" if _boolean(value) else "false"
    if verb.mode in "bdoxX":
        return _format_integer(verb, value)
    if verb.mode in "eEfgG":
        return _format_float(verb, value)
    return _format_string(verb, value)


def _parse_verb(fmt: str, start: int, next_arg: int) -> _Verb:
    match = _VERB_RE.match(fmt, start + 1)
    assert match is not None  # every group is optional
    flags, index, width, prec, mode = match.groups()
    if mode is None:
        if match.end() >= len(fmt):
            raise FunctionError(f"invalid format string starting at offset {len(fmt)}")
        bad = fmt[match.end()]
        raise FunctionError(f"unrecognized format character {bad!r} at offset {match.end()}")
    raw = fmt[start : match.end()]
    if mode not in "vtbdoxXeEfgGsq":
        raise FunctionError(f"unsupported format verb {mode!r} in {raw!r} at offset {start}")
    for number in (width, prec):
        _bounded(int(number or 0))
    return _Verb(
        raw=raw,
        offset=start,
        flags=flags,
        arg=int(index) if index else next_arg,
        width=int(width) if width else None,
        prec=(int(prec) if prec else 0) if prec is not None else None,
        mode=mode,
    )


def _format(fmt: Any, *args: Any) -> Any:
    text = _string(fmt)
    if not all(is_wholly_known(a) for a in args):
        return unknown_from("format() of an unknown value", *args)
    out: list[str] = []
    pos, next_arg, used = 0, 1, 0
    while pos < len(text):
        percent = text.find("%", pos)
        if percent < 0:
            out.append(text[pos:])
            break
        out.append(text[pos:percent])
        if text.startswith("%%", percent):
            out.append("%")
            pos = percent + 2
            continue
        verb = _parse_verb(text, percent, next_arg)
        if verb.arg > len(args):
            raise FunctionError(
                f"not enough arguments for {verb.raw!r} at {verb.offset}: "
                f"need index {verb.arg} but have {len(args)} total"
            )
        try:
            out.append(_format_one(verb, args[verb.arg - 1]))
        except FunctionError as exc:
            raise FunctionError(
                f"unsupported value for {verb.raw!r} at {verb.offset}: {exc}"
            ) from None
        next_arg, used, pos = verb.arg + 1, max(used, verb.arg), percent + len(verb.raw)
    if used < len(args):
        raise FunctionError(f"too many arguments; only {used} used by format string")
    return "".join(out)


def _formatlist(fmt: Any, *args: Any) -> Any:
    """Lists are zipped, other arguments repeat; an unknown element spoils only its row.

    An argument unknown as a whole might be a list of any length, so it spoils everything.
    """
    if first_unknown([fmt, *args]) is not None:
        return unknown_from("formatlist() of an unknown value", fmt, *args)
    lengths = {len(a) for a in args if isinstance(a, list)}
    if len(lengths) > 1:
        raise FunctionError("all list arguments must have the same length")
    rows = lengths.pop() if lengths else 1
    result = []
    for row in range(rows):
        row_args = [a[row] if isinstance(a, list) else a for a in args]
        if not all(is_wholly_known(a) for a in row_args):
            result.append(unknown_from("formatlist() of an unknown value", *row_args))
        else:
            result.append(_format(fmt, *row_args))
    return result


FUNCTIONS: dict[str, _Spec] = {
    "format": _Spec(_format, 1, None, nulls=True),
    "formatlist": _Spec(_formatlist, 1, None, lazy=True, nulls=True),
}
