"""ECS task definitions: ``container_definitions`` decoded into one record per container.

In Terraform the attribute is a JSON string, however it was written: ``jsonencode([...])``,
a heredoc, ``file("x.json")``, ``templatefile()`` or a module output all arrive here as the
evaluated string, or as an Unknown when any part of it is known only after apply (Terraform's
own ``jsonencode`` of a partly unknown value is unknown as a whole). The decoded objects keep
ECS's own field names (``privileged``, ``readonlyRootFilesystem``,
``linuxParameters.capabilities.add``...), so rule paths read like the AWS documentation.

JSON inside a string has no HCL positions. When the JSON is written in place line for line (a
heredoc), each container and each of its top-level keys gets its file line; otherwise
findings point at the ``container_definitions`` attribute.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from iacscan.model import Resource
from iacscan.model.values import Ref, Unknown, is_unknown, json_structure

ATTRIBUTE = "container_definitions"
Lines = dict[str, tuple[int, int]]


@dataclass(frozen=True)
class Decoded:
    """``container_definitions`` as data: the list of container objects when it is known and
    valid, else the Unknown it depends on, else the reason it is not valid."""

    items: list[dict[str, Any]] | None = None
    unknown: Unknown | None = None
    error: str = ""


@dataclass(frozen=True)
class EcsContainer:
    """One container of a task definition: ``attrs`` is its decoded JSON object, or the
    Unknown the whole definition depends on (rules then answer undetermined). ``path`` is
    where it lives in the resource (``container_definitions[1]``); ``lines`` maps paths under
    it to file lines when they are known."""

    path: str
    attrs: Any
    lines: Lines = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The container's ``name``, for evidence; its path when the name is not known."""
        name = self.attrs.get("name") if isinstance(self.attrs, dict) else None
        return name if isinstance(name, str) else self.path


def decode(value: Any) -> Decoded:
    """Decode the attribute's value. Invalid JSON is not an exception: the AWS provider
    rejects it at plan time, so it is reported once (a rule) and never deployed."""
    if isinstance(value, Ref):
        return Decoded(
            unknown=Unknown(f"{ATTRIBUTE} is known only after apply", frozenset({value}))
        )
    value = json_structure(value)  # jsonencode() with unknown parts: judge the known ones
    if isinstance(value, Unknown):
        return Decoded(unknown=value)
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            return Decoded(
                error=f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
            )
    if not isinstance(value, list):
        return Decoded(error="not a JSON array of container definitions")
    for i, item in enumerate(value):
        if not isinstance(item, dict) and not is_unknown(item):  # unknown: judged as such
            return Decoded(error=f"element {i} is not a JSON object")
    return Decoded(items=value)


def containers(resource: Resource) -> list[EcsContainer]:
    """The containers of an ``aws_ecs_task_definition``: one per definition, or a single
    record holding the Unknown when the definitions are not known before apply. Invalid or
    absent definitions give none (``decode`` tells why)."""
    value = resource.attrs.get(ATTRIBUTE)
    decoded = decode(value) if value is not None else Decoded()
    if decoded.unknown is not None:
        return [EcsContainer(ATTRIBUTE, decoded.unknown)]
    if decoded.items is None:
        return []
    span = resource.lines.get(ATTRIBUTE)
    positions = in_place_positions(value, span) if isinstance(value, str) and span else []
    result = []
    for i, item in enumerate(decoded.items):
        path = f"{ATTRIBUTE}[{i}]"
        lines: Lines = {}
        if i < len(positions):
            (start, end), keys = positions[i]
            lines[path] = (start, end)
            lines.update({f"{path}.{key}": (line, line) for key, line in keys.items()})
        result.append(EcsContainer(path, item, lines))
    return result


def in_place_positions(
    text: str, span: tuple[int, int]
) -> list[tuple[tuple[int, int], dict[str, int]]]:
    """Per container, its (first, last) file line and the line of each top-level key, when
    the string is written in place line for line: a heredoc spans exactly one line more than
    its text before and after. Anything else (``jsonencode``, ``file()``) gives []."""
    start, end = span
    if not text.endswith("\n") or end - start - 1 != text.count("\n"):
        return []
    first = start + 1
    result = []
    for begin, finish in _array_elements(text):
        line = first + text.count("\n", 0, begin)
        keys = {
            key: first + text.count("\n", 0, offset)
            for key, offset in _top_level_keys(text, begin, finish)
        }
        result.append(((line, first + text.count("\n", 0, finish - 1)), keys))
    return result


def _array_elements(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the elements of the JSON array ``text`` (known valid)."""
    decoder = json.JSONDecoder()
    index = _skip(text, 0) + 1  # past "["
    spans: list[tuple[int, int]] = []
    while True:
        index = _skip(text, index)
        if text[index] == "]":
            return spans
        _, end = decoder.raw_decode(text, index)
        spans.append((index, end))
        index = _skip(text, end)
        if text[index] == ",":
            index += 1


def _skip(text: str, index: int) -> int:
    while text[index] in " \t\r\n":
        index += 1
    return index


def _top_level_keys(text: str, begin: int, end: int) -> list[tuple[str, int]]:
    """(key, offset) of the keys of the JSON object at ``text[begin:end]``, nested ones
    excluded: a key is a string at depth 1 followed by a colon."""
    keys, depth, index = [], 0, begin
    while index < end:
        char = text[index]
        if char == '"':
            close = _string_end(text, index)
            if depth == 1 and text[_skip(text, close)] == ":":
                keys.append((json.loads(text[index:close]), index))
            index = close
            continue
        if char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
        index += 1
    return keys


def _string_end(text: str, index: int) -> int:
    """The offset just past the JSON string starting at ``index``."""
    index += 1
    while text[index] != '"':
        index += 2 if text[index] == "\\" else 1
    return index + 1
