"""Safe YAML loading that keeps a line span for every mapping key and sequence item.

PyYAML's ``safe_load`` drops source positions, so findings could not point at the offending
key. We compose the node graph with the SafeLoader (no Python tags can be constructed) and
convert it ourselves into :class:`LMap` and :class:`LList`: a dict and a list that carry the
(line, end_line) of each entry. Anchors and aliases are resolved while converting, ``<<``
merge keys are flattened (merged entries take the line of the ``<<`` key that pulled them
in, so a finding lands inside the service that uses them), and two limits stop hostile
input: the document size, and the number of values an expansion of aliases may produce
(the "billion laughs" alias bomb).
"""

from __future__ import annotations

from typing import Any

import yaml

Span = tuple[int, int]
MAX_BYTES = 4 * 1024 * 1024
MAX_VALUES = 200_000
MAX_DEPTH = 200
MERGE_TAG = "tag:yaml.org,2002:merge"
COMPOSE_TAGS = frozenset({"!reset", "!override"})
_COLLECTION_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("map", "seq", "set", "omap", "pairs")
)
# libyaml when available (10x faster); both give the same nodes and marks, no Python tags.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SCALARS = yaml.SafeLoader("")  # used only to construct scalars by their resolved tag


class LMap(dict[Any, Any]):
    """A mapping with the span of each key (``spans``) and of itself (``span``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spans: dict[Any, Span] = {}
        self.span: Span = (0, 0)
        self.tags: dict[Any, str] = {}  # Compose's ``!reset`` / ``!override`` on values


class LList(list[Any]):
    """A sequence with the span of each item (``spans``) and of itself (``span``)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.spans: list[Span] = []
        self.span: Span = (0, 0)


class YamlError(ValueError):
    """A document that cannot be read; ``line`` is 1-based (0 when unknown)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def parse_yaml(text: str, scalars: list[tuple[int, int]] | None = None) -> Any:
    """The document as plain data with spans (``LMap``/``LList``), None when empty.
    ``scalars`` receives the (start, end) character offsets of every scalar, so that a
    ``#`` inside a quoted value or a block scalar is not taken for a comment."""
    if len(text.encode("utf-8", errors="replace")) > MAX_BYTES:
        raise YamlError(0, f"file larger than {MAX_BYTES // (1024 * 1024)} MiB, not read")
    try:
        node = yaml.compose(text, Loader=SAFE_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise YamlError(line, f"invalid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise YamlError(0, f"invalid YAML: {exc}") from None
    if node is None:
        return None
    if scalars is not None:
        scalars.extend(_scalar_ranges(node))
    return _Converter().convert(node, 0)


def _scalar_ranges(root: yaml.Node) -> list[tuple[int, int]]:
    ranges, pending, seen = [], [root], set()
    while pending:
        node = pending.pop()
        if id(node) in seen:  # an alias repeats its anchor's node
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            ranges.append((node.start_mark.index, node.end_mark.index))
        elif isinstance(node, yaml.MappingNode):
            pending.extend(item for pair in node.value for item in pair)
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)
    return sorted(ranges)


def _end(node: yaml.Node) -> int:
    """The last line a node occupies. Block collections end where their next sibling
    starts, so their end is taken from their last child instead."""
    if isinstance(node, yaml.MappingNode) and node.value and node.flow_style is not True:
        return max(_end(node.value[-1][1]), node.value[-1][0].start_mark.line + 1)
    if isinstance(node, yaml.SequenceNode) and node.value and node.flow_style is not True:
        return _end(node.value[-1])
    mark = node.end_mark
    return max(mark.line + 1 if mark.column > 0 else mark.line, node.start_mark.line + 1)


class _Converter:
    """One conversion: counts produced values across aliases to stop alias bombs."""

    def __init__(self) -> None:
        self.count = 0
        self.entry_line = 0  # the top-level key being converted: where an expansion starts

    def convert(self, node: yaml.Node, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            message = f"document expands to more than {MAX_VALUES} values (alias bomb?)"
            raise YamlError(self.entry_line, message)
        if depth > MAX_DEPTH:
            raise YamlError(self.entry_line, "nesting too deep (recursive alias?)")
        if (
            not isinstance(node, yaml.ScalarNode)
            and node.tag not in _COLLECTION_TAGS | COMPOSE_TAGS
        ):
            raise YamlError(node.start_mark.line + 1, f"unsupported tag {node.tag}")
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, depth)
        if isinstance(node, yaml.SequenceNode):
            items = LList()
            for child in node.value:
                items.append(self.convert(child, depth + 1))
                items.spans.append((child.start_mark.line + 1, _end(child)))
            items.span = (node.start_mark.line + 1, _end(node))
            return items
        return _scalar(node)

    def _mapping(self, node: yaml.MappingNode, depth: int) -> LMap:
        result = LMap()
        result.span = (node.start_mark.line + 1, _end(node))
        merged: list[tuple[Any, Any, Span, str]] = []
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            span = (line, max(line, _end(value_node)))  # an alias ends where its anchor does
            if depth == 0:
                self.entry_line = line
            if key_node.tag == MERGE_TAG:
                merged = self._merge_sources(value_node, span, depth) + merged
                continue
            key = self.convert(key_node, depth + 1)
            if isinstance(key, (LMap, LList)):
                raise YamlError(span[0], "a mapping key must be a scalar")
            result[key] = self.convert(value_node, depth + 1)
            result.spans[key] = span
            if value_node.tag in COMPOSE_TAGS:
                result.tags[key] = value_node.tag
        for key, value, span, tag in merged:  # own keys win over merged ones
            if key not in result:
                result[key], result.spans[key] = value, span
                if tag:
                    result.tags[key] = tag
        return result

    def _merge_sources(
        self, node: yaml.Node, span: Span, depth: int
    ) -> list[tuple[Any, Any, Span, str]]:
        """Entries a ``<<`` brings in; with a list of mappings, earlier ones win."""
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        entries: list[tuple[Any, Any, Span, str]] = []
        seen: set[Any] = set()
        for source in sources:
            value = self.convert(source, depth + 1)
            if not isinstance(value, LMap):
                raise YamlError(span[0], "a merge key (<<) needs a mapping or a list of mappings")
            for key, item in value.items():
                if key not in seen:
                    seen.add(key)
                    entries.append((key, item, span, value.tags.get(key, "")))
        return entries


def _scalar(node: yaml.Node) -> Any:
    """A scalar by its resolved tag. Compose's own tags (``!reset``, ``!override``) keep the
    text; any other explicit tag (``!!python/object``) is refused, never constructed."""
    if not node.tag.startswith("tag:yaml.org,2002:"):
        return node.value if node.value != "" else None
    constructor = _SCALARS.yaml_constructors.get(node.tag)
    if constructor is None or not isinstance(node, yaml.ScalarNode):
        raise YamlError(node.start_mark.line + 1, f"unsupported tag {node.tag}")
    try:
        value = constructor(_SCALARS, node)
    except (yaml.YAMLError, ValueError) as exc:
        raise YamlError(node.start_mark.line + 1, f"invalid value: {exc}") from None
    if isinstance(value, (bytes, bytearray)):
        return None
    if not isinstance(value, (str, int, float, bool)) and value is not None:
        return str(value)  # timestamps become their text
    return value
