"""Compose variable interpolation and the project's ``.env`` file.

Forms: ``$VAR``, ``${VAR}``, ``${VAR:-default}`` (unset or empty), ``${VAR-default}`` (unset),
``${VAR:?error}``/``${VAR?error}`` (required), ``${VAR:+alt}``/``${VAR+alt}`` (alternative),
and ``$$`` for a literal ``$``; defaults may nest further substitutions. A variable that is
unset and has no default is not guessed as "" (what Compose would warn and use): the value
becomes ``Unknown(reason)`` so that rules report undetermined instead of passing.

A string that took some value from the environment or ``.env`` is a :class:`Substituted`
``str``: its value is not (all) written in the file, which the literal-secret rule needs to
know. A default written in the file (``${DB_PASSWORD:-changeme}``) used as such is literal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from iacscan.compose.yamltree import LList, LMap
from iacscan.model.values import Substituted, Unknown

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPERATORS = (":-", "-", ":?", "?", ":+", "+")


class _Unset(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def interpolate_text(text: str, env: Mapping[str, str]) -> str | Unknown:
    """``text`` with its variables substituted, or Unknown naming the first unset one."""
    if "$" not in text:
        return text
    try:
        value, from_env = _expand(text, env)
    except _Unset as unset:
        return Unknown(unset.reason)
    return Substituted(value) if from_env else value


def _expand(text: str, env: Mapping[str, str]) -> tuple[str, bool]:
    """(expanded text, whether some value came from the environment rather than the file)."""
    out: list[str] = []
    i, from_env = 0, False
    while i < len(text):
        char = text[i]
        if char != "$" or i + 1 >= len(text):
            out.append(char)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "$":
            out.append("$")
            i += 2
            continue
        if nxt == "{":
            end = _closing(text, i + 2)
            value, used = _braced(text[i + 2 : end], env)
            i = end + 1
        elif (match := _NAME.match(text, i + 1)) is not None:
            value, used = _lookup(match.group(0), env), True
            i = match.end()
        else:  # a lone "$" before something that is not a name stays as written
            value, used = char, False
            i += 1
        out.append(value)
        from_env = from_env or used
    return "".join(out), from_env


def _closing(text: str, start: int) -> int:
    """Index of the ``}`` closing a ``${`` whose body starts at ``start`` (nesting allowed)."""
    depth = 1
    for i in range(start, len(text)):
        if text.startswith("${", i):
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    raise _Unset(f"unterminated ${{ in {text!r}")


def _lookup(name: str, env: Mapping[str, str]) -> str:
    if name not in env:
        raise _Unset(f"variable {name} is not set")
    return env[name]


def _braced(body: str, env: Mapping[str, str]) -> tuple[str, bool]:
    """One ``${...}``: its value, and whether it came from the environment."""
    match = _NAME.match(body)
    if match is None:
        raise _Unset(f"invalid interpolation ${{{body}}}")
    name, rest = match.group(0), body[match.end() :]
    if not rest:
        return _lookup(name, env), True
    operator = next((op for op in _OPERATORS if rest.startswith(op)), None)
    if operator is None:
        raise _Unset(f"invalid interpolation ${{{body}}}")
    argument = rest[len(operator) :]
    value = env.get(name)
    present = value is not None and (value != "" or not operator.startswith(":"))
    if operator.endswith("-"):
        return (value, True) if present and value is not None else _expand(argument, env)
    if operator.endswith("+"):
        return _expand(argument, env) if present else ("", False)
    if present and value is not None:
        return value, True
    message = _expand(argument, env)[0] if argument else "required"
    raise _Unset(f"variable {name} is required: {message}")


def interpolate(value: Any, env: Mapping[str, str]) -> Any:
    """The tree with every string value interpolated; keys and spans are kept."""
    if isinstance(value, str):
        return interpolate_text(value, env)
    if isinstance(value, LMap):
        result = LMap()
        result.span, result.spans, result.tags = value.span, value.spans, value.tags
        for key, item in value.items():
            result[key] = interpolate(item, env)
        return result
    if isinstance(value, LList):
        items = LList(interpolate(item, env) for item in value)
        items.span, items.spans = value.span, value.spans
        return items
    return value


def parse_dotenv(text: str) -> dict[str, str]:
    """``KEY=VALUE`` lines of a ``.env`` file: ``export`` prefixes, comments and single or
    double quotes are understood; values are not interpolated further (a known limit)."""
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        key, value = key.strip(), value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        if _NAME.fullmatch(key):
            values[key] = value
    return values
