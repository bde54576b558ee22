"""Catastrophic backtracking guard for translated RE2 patterns.

RE2 is linear-time, Python's re is not: ``_backtracks_badly`` inspects the parsed pattern
(``re._parser`` tree) and flags repeats whose bodies could match the same text in many ways.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def _op(item: tuple[Any, Any]) -> str:
    return str(getattr(item[0], "name", item[0])).upper()


def _chars(item: tuple[Any, Any]) -> frozenset[int] | None:
    """The Latin-1 code points one atom can match (None: not a single-character atom)."""
    op, arg = _op(item), item[1]
    if op == "LITERAL":
        return frozenset({arg})
    if op == "NOT_LITERAL":
        return frozenset(range(256)) - {arg}
    if op == "ANY":
        return frozenset(range(256)) - {10}
    if op != "IN":
        return None
    sample = frozenset(range(256))
    chosen: set[int] = set()
    negate = False
    for member in arg:
        kind, value = _op(member), member[1]
        if kind == "NEGATE":
            negate = True
        elif kind == "LITERAL":
            chosen.add(value)
        elif kind == "RANGE":
            chosen.update(range(value[0], min(value[1], 255) + 1))
        else:
            return sample  # categories: assume the worst
    return sample - chosen if negate else frozenset(chosen)


def _repeated_chars(sub: Any) -> frozenset[int] | None:
    chars: set[int] = set()
    for item in sub:
        op = _op(item)
        if op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            inner = _all_chars(item[1][2])
            if inner is None:
                return None
            chars |= inner
        elif op in ("SUBPATTERN", "BRANCH"):
            parts = [item[1][-1]] if op == "SUBPATTERN" else item[1][1]
            for part in parts:
                inner = _repeated_chars(part)
                if inner is None:
                    return None
                chars |= inner
    return frozenset(chars)


def _all_chars(sub: Any) -> frozenset[int] | None:
    chars: set[int] = set()
    for item in sub:
        op = _op(item)
        if op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            inner = _all_chars(item[1][2])
        elif op == "SUBPATTERN":
            inner = _all_chars(item[1][-1])
        elif op == "BRANCH":
            inner = frozenset()
            for alternative in item[1][1]:
                chars_of = _all_chars(alternative)
                if chars_of is None:
                    return None
                inner |= chars_of
        elif op == "AT":
            continue
        else:
            inner = _chars(item)
        if inner is None:
            return None
        chars |= inner
    return frozenset(chars)


def _mandatory_atoms(sub: Any) -> Iterator[frozenset[int]]:
    """Single-character atoms every match of ``sub`` must contain (looking inside groups)."""
    for item in sub:
        if _op(item) == "SUBPATTERN":
            yield from _mandatory_atoms(item[1][-1])
        else:
            chars = _chars(item)
            if chars is not None:
                yield chars


def _separated(body: Any) -> bool:
    """A repeated body is unambiguous when a mandatory atom can't be eaten by its repeats."""
    repeated = _repeated_chars(body)
    if repeated is None:
        return False
    return not repeated or any(not chars & repeated for chars in _mandatory_atoms(body))


def _distinct_starts(alternatives: list[Any]) -> bool:
    seen: set[int] = set()
    for alternative in alternatives:
        first = _chars(alternative[0]) if len(alternative) else None
        if first is None or first & seen:
            return False
        seen |= first
    return True


def _backtracks_badly(sub: Any, repeated: bool) -> bool:
    for item in sub:
        op, arg = _op(item), item[1]
        if op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            many = arg[1] > 1
            if _backtracks_badly(arg[2], repeated or many):
                return True
            if many and _repeated_chars(arg[2]) != frozenset() and not _separated(arg[2]):
                return True
        elif op == "SUBPATTERN" and _backtracks_badly(arg[-1], repeated):
            return True
        elif op == "BRANCH":
            if repeated and not _distinct_starts(arg[1]):
                return True
            if any(_backtracks_badly(alt, repeated) for alt in arg[1]):
                return True
        elif op in ("ASSERT", "ASSERT_NOT") and _backtracks_badly(arg[1], repeated):
            return True
    return False
