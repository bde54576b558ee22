"""String functions (``regex``/``regexall`` and the RE2 engine live in ``regex``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from iacscan.model.values import is_unknown, unknown_from
from iacscan.terraform.budget import check_string
from iacscan.terraform.functions._core import (
    FunctionError,
    _bounded,
    _sequence,
    _Spec,
    _string,
    _whole,
)
from iacscan.terraform.functions._graphemes import _graphemes
from iacscan.terraform.functions.regex import replace_regex


def _simple_case(text: str, convert: Callable[[str], str], first: bool = False) -> str:
    """Go maps case one rune at a time: ``upper("straße")`` keeps the ß."""
    out = []
    for ch in text:
        mapped = convert(ch)
        out.append(mapped if len(mapped) == 1 else mapped[0] if first else ch)
    return "".join(out)


def _upper(text: Any) -> str:
    return _simple_case(_string(text), str.upper)


def _lower(text: Any) -> str:
    return _simple_case(_string(text), str.lower, first=True)


def _is_word_char(ch: str) -> bool:
    """Go's strings.Title separator test, inverted."""
    if ch.isascii():
        return ch.isalnum() or ch == "_"
    return ch.isalpha() or ch.isdigit() or not ch.isspace()


def _title(text: Any) -> str:
    out, prev = [], " "
    for ch in _string(text):
        out.append(_simple_case(ch, str.title) if not _is_word_char(prev) else ch)
        prev = ch
    return "".join(out)


def _chomp(text: Any) -> str:
    return _string(text).rstrip("\r\n")


def _indent(spaces: Any, text: Any) -> str:
    count = _bounded(_whole(spaces))
    if count < 0:
        raise FunctionError("indentation must not be negative")
    value = _string(text)
    check_string(len(value) + value.count("\n") * count, "indent() result")
    return value.replace("\n", "\n" + " " * count)


def _join(separator: Any, *lists: Any) -> Any:
    if not lists:
        raise FunctionError("at least one list is required")
    items = [item for value in lists for item in _sequence(value)]
    for index, item in enumerate(items):
        if item is None:
            raise FunctionError(f"element {index} is null; cannot concatenate null values")
    if any(is_unknown(item) for item in items):
        return unknown_from("join() of a list with unknown elements", *items)
    sep, texts = _string(separator), [_string(item) for item in items]
    check_string(sum(map(len, texts)) + len(sep) * max(len(texts) - 1, 0), "join() result")
    return sep.join(texts)


def _split(separator: Any, text: Any) -> list[str]:
    sep, value = _string(separator), _string(text)
    return list(value) if sep == "" else value.split(sep)


def _strrev(text: Any) -> str:
    return "".join(reversed(_graphemes(_string(text))))


def _substr(text: Any, offset: Any, length: Any) -> str:
    clusters = _graphemes(_string(text))
    start, count = _whole(offset), _whole(length)
    if start < 0:
        start = max(len(clusters) + start, 0)
    if start > len(clusters):
        return ""
    end = len(clusters) if count < 0 else min(start + count, len(clusters))
    return "".join(clusters[start:end])


def _trim(text: Any, cutset: Any) -> str:
    return _string(text).strip(_string(cutset))


def _trimprefix(text: Any, prefix: Any) -> str:
    return _string(text).removeprefix(_string(prefix))


def _trimsuffix(text: Any, suffix: Any) -> str:
    return _string(text).removesuffix(_string(suffix))


_GO_SPACES = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
_GO_SPACES += "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


def _trimspace(text: Any) -> str:
    return _string(text).strip(_GO_SPACES)


def _startswith(text: Any, prefix: Any) -> bool:
    return _string(text).startswith(_string(prefix))


def _endswith(text: Any, suffix: Any) -> bool:
    return _string(text).endswith(_string(suffix))


def _strcontains(text: Any, part: Any) -> bool:
    return _string(part) in _string(text)


def _replace(text: Any, search: Any, replacement: Any) -> str:
    value, pattern, new = _string(text), _string(search), _string(replacement)
    if len(pattern) > 1 and pattern.startswith("/") and pattern.endswith("/"):
        return replace_regex(value, pattern[1:-1], new)
    hits = value.count(pattern) if pattern else len(value) + 1
    check_string(len(value) + hits * (len(new) - len(pattern)), "replace() result")
    return value.replace(pattern, new)


FUNCTIONS: dict[str, _Spec] = {
    "chomp": _Spec(_chomp, 1, 1),
    "endswith": _Spec(_endswith, 2, 2),
    "indent": _Spec(_indent, 2, 2),
    "join": _Spec(_join, 1, None),
    "lower": _Spec(_lower, 1, 1),
    "replace": _Spec(_replace, 3, 3),
    "split": _Spec(_split, 2, 2),
    "startswith": _Spec(_startswith, 2, 2),
    "strcontains": _Spec(_strcontains, 2, 2),
    "strrev": _Spec(_strrev, 1, 1),
    "substr": _Spec(_substr, 3, 3),
    "title": _Spec(_title, 1, 1),
    "trim": _Spec(_trim, 2, 2),
    "trimprefix": _Spec(_trimprefix, 2, 2),
    "trimspace": _Spec(_trimspace, 1, 1),
    "trimsuffix": _Spec(_trimsuffix, 2, 2),
    "upper": _Spec(_upper, 1, 1),
}
