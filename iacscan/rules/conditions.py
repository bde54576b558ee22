"""The condition vocabulary of declarative rules, evaluated three-valued.

A condition describes the *violation*: TRUE means the rule fails on the subject, FALSE that it
passes, UNKNOWN that the answer depends on a value known only after apply (a Ref or an
Unknown), which is reported as undetermined and never counted as a pass.

Leaves name an ``attribute`` path (``ingress[*].cidr_blocks``; ``[*]`` fans out over nested
blocks and lists) and one operator. A path that fans out matches when any of its values
matches (``quantifier: all`` asks for every value). Combinators are ``all``, ``any``, ``not``.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from iacscan.graph.cidrs import cidr_network, covers_public, is_private_source
from iacscan.model.values import Ref, Unknown, is_unknown

# (key, value) pairs; values are str, tuples of str, or nested Details: hashable like Finding.
Details = tuple[tuple[str, Any], ...]


class Tri(enum.Enum):
    FALSE = 0
    TRUE = 1
    UNKNOWN = 2


@dataclass(frozen=True)
class Outcome:
    """A condition's value, and where and why it matched (for the finding)."""

    value: Tri
    path: str = ""
    evidence: tuple[str, ...] = ()
    details: Details = ()  # structured evidence (an exposure verdict), for machine reports
    found: str = ""  # the offending value as text, for messages that name it ("{value}")


FALSE = Outcome(Tri.FALSE)


@dataclass
class Subject:
    """What a rule is evaluated on: a resource, or a record of a view (one SG rule...)."""

    id: str
    type: str
    attrs: dict[str, Any]
    node: str = ""  # graph node of the resource it belongs to
    path_prefix: str = ""  # where the record lives inside that resource ("ingress[1].")
    extra: dict[str, Any] = field(default_factory=dict)
    record: bool = False  # a view record: its field names are not Terraform attribute paths


class ConditionError(ValueError):
    """A malformed condition; raised at load time with the offending key."""


# -- paths --------------------------------------------------------------------------------------
_STEP = re.compile(r"([^.\[\]]+)|\[(\*|\d+)\]")


def parse_path(path: str) -> list[str | int | None]:
    """``ingress[*].cidr_blocks`` -> ["ingress", None, "cidr_blocks"] (None is ``[*]``)."""
    steps: list[str | int | None] = []
    for name, index in _STEP.findall(path):
        if name:
            steps.append(name)
        else:
            steps.append(None if index == "*" else int(index))
    return steps


def resolve(attrs: Any, path: str) -> Iterator[tuple[str, Any, bool]]:
    """Every (concrete path, value, present) that ``path`` reaches; unknowns stop the walk."""
    yield from _walk(attrs, parse_path(path), "")


def _walk(value: Any, steps: list[str | int | None], here: str) -> Iterator[tuple[str, Any, bool]]:
    if not steps:
        yield here, value, True
        return
    if is_unknown(value):
        yield here, value, True  # the rest of the path lies inside an unknown value
        return
    step, rest = steps[0], steps[1:]
    if isinstance(step, str):
        if isinstance(value, dict) and step in value and value[step] is not None:
            yield from _walk(value[step], rest, f"{here}.{step}" if here else step)
        else:
            yield (f"{here}.{step}" if here else step), None, False
        return
    items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
    if step is not None:
        items = items[step : step + 1]
        offset = step
    else:
        offset = 0
    if not items and step is None:
        yield here, None, False
    for i, item in enumerate(items):
        yield from _walk(item, rest, f"{here}[{offset + i}]")


# -- tri-state combinators -----------------------------------------------------------------------
def any_of(outcomes: list[Outcome]) -> Outcome:
    for outcome in outcomes:
        if outcome.value is Tri.TRUE:
            return outcome
    unknown = [o for o in outcomes if o.value is Tri.UNKNOWN]
    return unknown[0] if unknown else FALSE


def all_of(outcomes: list[Outcome]) -> Outcome:
    if any(o.value is Tri.FALSE for o in outcomes):
        return FALSE
    unknown = [o for o in outcomes if o.value is Tri.UNKNOWN]
    if unknown:
        return Outcome(Tri.UNKNOWN, unknown[0].path, tuple(e for o in outcomes for e in o.evidence))
    path = next((o.path for o in reversed(outcomes) if o.path), "")
    found = ", ".join(o.found for o in outcomes if o.found)
    return Outcome(Tri.TRUE, path, tuple(e for o in outcomes for e in o.evidence), found=found)


def negate(outcome: Outcome) -> Outcome:
    if outcome.value is Tri.UNKNOWN:
        return outcome
    flipped = Tri.FALSE if outcome.value is Tri.TRUE else Tri.TRUE
    return Outcome(flipped, outcome.path, outcome.evidence)


def show(value: Any) -> str:
    """Compact, deterministic text of a value for evidence lines."""
    if isinstance(value, Ref):
        return f"(known after apply: {value})"
    if isinstance(value, Unknown):
        return f"(unknown: {value.reason})"
    try:
        return json.dumps(value, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return str(value)


# -- value predicates (None means: depends on an unknown) --------------------------------------
Predicate = Callable[[Any], "bool | None"]


def cidr_predicate(options: dict[str, Any]) -> Predicate:
    public = bool(options.get("public", False))
    private = bool(options.get("private", False))
    max_prefix = int(options.get("max_prefix", 8 if public else 32))

    def test(value: Any) -> bool | None:
        net = cidr_network(value)
        if net is None:
            return False
        if public:
            return covers_public(net, max_prefix)
        limit = max_prefix if net.version == 4 else max_prefix * 4
        return (not private or is_private_source(net)) and net.prefixlen <= limit

    return test


def _equals(arg: Any) -> Predicate:
    """Equality as a rule author means it: ``"6"`` equals 6, ``"true"`` equals true."""

    def test(value: Any) -> bool | None:
        if isinstance(arg, bool) or isinstance(value, bool):
            return _as_bool(value) is not None and _as_bool(value) == _as_bool(arg)
        if isinstance(arg, (int, float)) or isinstance(value, (int, float)):
            try:
                return float(value) == float(arg)
            except (TypeError, ValueError):
                return False
        return bool(value == arg)

    return test


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    return {"true": True, "false": False}.get(value) if isinstance(value, str) else None


def _matches(arg: Any) -> Predicate:
    pattern = re.compile(str(arg))
    return lambda value: isinstance(value, str) and pattern.search(value) is not None


def _number(op: Callable[[float, float], bool], arg: Any) -> Predicate:
    def test(value: Any) -> bool | None:
        try:
            return op(float(value), float(arg))
        except (TypeError, ValueError):
            return False

    return test


# Operators applied to each element when the attribute holds a list.
ELEMENT_OPERATORS: dict[str, Callable[[Any], Predicate]] = {
    "equals": _equals,
    "in": lambda arg: lambda value: any(_equals(a)(value) for a in arg),
    "matches": _matches,
    "greater_than": lambda arg: _number(lambda a, b: a > b, arg),
    "less_than": lambda arg: _number(lambda a, b: a < b, arg),
    "cidr": lambda arg: cidr_predicate(arg if isinstance(arg, dict) else {}),
    "cidr_is_public": lambda arg: cidr_predicate({"public": True, "max_prefix": 8}),
}


def element_outcome(test: Predicate, path: str, value: Any, label: str) -> Outcome:
    """Apply ``test`` to a value, fanning out over a list's elements."""
    items = value if isinstance(value, list) else [value]
    unknown: Outcome | None = None
    for item in items:
        if is_unknown(item):
            unknown = unknown or Outcome(Tri.UNKNOWN, path, (f"{path} = {show(item)}",))
            continue
        if test(item):
            if isinstance(item, bool):  # "host_pid" says more than "true"
                text = re.sub(r"\[\d+\]$", "", path.rsplit(".", 1)[-1])
            else:
                text = item if isinstance(item, str) else show(item)
            return Outcome(Tri.TRUE, path, (f"{path} {label} ({show(value)})",), found=text)
    return unknown or FALSE
