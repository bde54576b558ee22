"""IAM policy documents as data: one ``Policy`` of ``Statement``s, whatever wrote it.

A document arrives as a JSON string (``jsonencode(...)``, a heredoc, a quoted string), as an
already decoded object, or as the statement blocks of ``data "aws_iam_policy_document"``
(``render`` below). Parsing normalizes IAM's liberties (a single string where a list is
allowed, ``Principal: "*"``, condition values as scalars) so that later judgement reads one
shape. Values known only after apply stay ``Ref``/``Unknown`` inside the statement; a
document that is unknown as a whole is a ``Policy`` with ``unknown`` set, never an empty one:
an empty policy would pass every rule.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from iacscan.model.values import is_unknown, json_structure


@dataclass(frozen=True)
class Condition:
    """One ``operator`` / ``key`` / ``values`` test; values may hold unknowns."""

    operator: Any
    key: Any
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Statement:
    """One statement. ``actions``/``resources`` are None when the statement uses the ``Not``
    form instead; ``principals`` maps a principal type (``AWS``, ``Service``, ``*``) to its
    identifiers, None for an identity policy. ``where`` is ``file:line`` when known."""

    index: int
    sid: str = ""
    effect: Any = "Allow"
    actions: tuple[Any, ...] | None = None
    not_actions: tuple[Any, ...] | None = None
    resources: tuple[Any, ...] | None = None
    not_resources: tuple[Any, ...] | None = None
    principals: dict[str, tuple[Any, ...]] | None = None
    not_principals: dict[str, tuple[Any, ...]] | None = None
    conditions: tuple[Condition, ...] = ()
    where: str = ""

    @property
    def label(self) -> str:
        """How evidence names the statement: its Sid, else its position."""
        return f"{self.sid} (#{self.index})" if self.sid else f"#{self.index}"


@dataclass(frozen=True)
class Policy:
    """A policy document; ``unknown`` says why it cannot be read before apply (then
    ``statements`` may be incomplete), ``origin`` where it came from."""

    statements: tuple[Statement, ...] = ()
    unknown: str = ""
    origin: str = ""
    maybe: bool = False  # it may not apply at all (an attachment to an unknown role)


def _items(value: Any) -> tuple[Any, ...]:
    """IAM allows a single value wherever it allows a list."""
    if value is None:
        return ()
    return tuple(value) if isinstance(value, list) else (value,)


def _principals(value: Any) -> dict[str, tuple[Any, ...]] | None:
    if value is None:
        return None
    if isinstance(value, dict):
        return {str(k): _items(v) for k, v in sorted(value.items())}
    return {"*": _items(value)}  # "Principal": "*" (or an unknown value)


def _conditions(value: Any) -> tuple[Condition, ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        return (Condition(value, value, (value,)),)
    found = []
    for operator, tests in sorted(value.items()):
        if not isinstance(tests, dict):
            found.append(Condition(operator, tests, (tests,)))
            continue
        found.extend(Condition(operator, k, _items(v)) for k, v in sorted(tests.items()))
    return tuple(found)


def text_of(value: Any) -> str:
    """A Sid as text; an unknown or missing Sid is none (it then never replaces another)."""
    return value if isinstance(value, str) else ""


def _optional(raw: dict[str, Any], key: str) -> tuple[Any, ...] | None:
    return _items(raw[key]) if key in raw else None


def statement_from_json(raw: Any, index: int, where: str = "") -> Statement:
    """A JSON statement object; a non-object (unknown) statement grants anything."""
    if not isinstance(raw, dict):
        return Statement(index, effect=raw, actions=(raw,), resources=(raw,), where=where)
    actions = _optional(raw, "Action")
    not_actions = _optional(raw, "NotAction")
    return Statement(
        index=index,
        sid=text_of(raw.get("Sid")),
        effect=raw.get("Effect", "Allow"),
        actions=actions if actions is not None or not_actions is not None else (),
        not_actions=not_actions,
        resources=_optional(raw, "Resource"),
        not_resources=_optional(raw, "NotResource"),
        principals=_principals(raw.get("Principal")),
        not_principals=_principals(raw.get("NotPrincipal")),
        conditions=_conditions(raw.get("Condition")),
        where=where,
    )


def parse(value: Any, origin: str = "", first_line: int = 0, file: str = "") -> Policy:
    """A policy from an attribute value: a JSON string, a decoded object, or an unknown.
    ``first_line`` is the line the JSON text starts on when it is written literally (a
    heredoc), so statements can be pointed at."""
    value = json_structure(value)  # jsonencode() with unknown parts: judge the known ones
    if is_unknown(value):
        return Policy(unknown=f"the policy is known only after apply ({value})", origin=origin)
    text = value if isinstance(value, str) else None
    if text is not None:
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            return Policy(unknown=f"the policy is not valid JSON ({exc.msg})", origin=origin)
    if not isinstance(value, dict):
        return Policy(unknown="the policy is not a JSON object", origin=origin)
    raw = value.get("Statement", [])
    if is_unknown(raw):
        return Policy(unknown="its statements are known only after apply", origin=origin)
    lines = statement_lines(text) if text is not None and first_line else []
    statements = []
    for i, item in enumerate(_items(raw)):
        where = f"{file}:{first_line + lines[i] - 1}" if i < len(lines) else ""
        statements.append(statement_from_json(item, i, where))
    return Policy(tuple(statements), origin=origin)


_STATEMENT_ARRAY = re.compile(r'"Statement"\s*:\s*\[')


def statement_lines(text: str) -> list[int]:
    """1-based lines (within ``text``) where each element of the ``Statement`` array opens,
    found by scanning brackets outside strings; [] when the layout is not the plain one."""
    found = _STATEMENT_ARRAY.search(text)
    if found is None:
        return []
    depth, in_string, escaped, lines = 0, False, False, []
    for offset in range(found.end() - 1, len(text)):
        char = text[offset]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth == 2 and char == "{":
                lines.append(text.count("\n", 0, offset) + 1)
        elif char in "]}":
            depth -= 1
            if depth == 0:
                break
    return lines
