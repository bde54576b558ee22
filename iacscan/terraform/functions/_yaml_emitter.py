"""yamlencode: the parts of libyaml's emitter (as vendored by go-cty-yaml) that cty uses."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from iacscan.terraform.functions.encoding import _json_text

_YAML_BREAKS = "\r\n\x85\u2028\u2029"
_YAML_ESCAPES = {"\0": "0", "\a": "a", "\b": "b", "\t": "t", "\n": "n", "\v": "v", "\f": "f"}
_YAML_ESCAPES |= {"\r": "r", "\x1b": "e", '"': '"', "\\": "\\", "\x85": "N", "\u2028": "L"}
_YAML_ESCAPES["\u2029"] = "P"


def _yaml_printable(ch: str) -> bool:
    cp = ord(ch)
    return (
        cp == 0x0A
        or 0x20 <= cp <= 0x7E
        or 0xA0 <= cp <= 0xD7FF
        or (0xE000 <= cp <= 0xFFFD and cp != 0xFEFF)
    )


def _yaml_escape(ch: str) -> str:
    if ch in _YAML_ESCAPES:
        return "\\" + _YAML_ESCAPES[ch]
    cp = ord(ch)
    if cp <= 0xFF:
        return f"\\x{cp:02X}"
    return f"\\u{cp:04X}" if cp <= 0xFFFF else f"\\U{cp:08X}"


def _yaml_block_allowed(text: str) -> bool:
    if text.endswith(" ") or not all(_yaml_printable(c) for c in text):
        return False
    return not any(a == " " and b in _YAML_BREAKS for a, b in pairwise(text))


class _YamlEmitter:
    """Tracks libyaml's column/whitespace/indention state so that layout matches exactly."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.column = 0
        self.indent = -1
        self.whitespace = True
        self.indention = True
        self.open_ended = False

    def put(self, text: str) -> None:
        self.out.append(text)
        self.column += len(text)

    def put_break(self) -> None:
        self.out.append("\n")
        self.column = 0

    def write_indent(self) -> None:
        indent = max(self.indent, 0)
        if (
            not self.indention
            or self.column > indent
            or (self.column == indent and not self.whitespace)
        ):
            self.put_break()
        if self.column < indent:
            self.put(" " * (indent - self.column))
        self.whitespace = self.indention = True

    def indicator(self, text: str, need_space: bool, is_space: bool, is_indention: bool) -> None:
        if need_space and not self.whitespace:
            self.put(" ")
        self.put(text)
        self.whitespace = is_space
        self.indention = self.indention and is_indention
        self.open_ended = False

    def increase_indent(self, flow: bool, indentless: bool) -> int:
        previous = self.indent
        if self.indent < 0:
            self.indent = 2 if flow else 0
        elif not indentless:
            self.indent += 2
        return previous

    def document(self, value: Any) -> str:
        self.node(value, root=True)
        self.write_indent()
        if self.open_ended:
            self.indicator("...", True, False, False)
            self.write_indent()
        return "".join(self.out)

    def node(
        self, value: Any, root: bool = False, mapping: bool = False, key: bool = False
    ) -> None:
        if isinstance(value, (list, dict)) and not value:
            self.indicator("[" if isinstance(value, list) else "{", True, True, False)
            self.indicator("]" if isinstance(value, list) else "}", False, False, False)
        elif isinstance(value, list):
            self.sequence(value, mapping)
        elif isinstance(value, dict):
            self.mapping(value)
        else:
            self.scalar(value, root, key)

    def sequence(self, items: list[Any], mapping_context: bool) -> None:
        previous = self.increase_indent(False, mapping_context and not self.indention)
        for item in items:
            self.write_indent()
            self.indicator("-", True, False, True)
            self.node(item)
        self.indent = previous

    def mapping(self, mapping: dict[str, Any]) -> None:
        previous = self.increase_indent(False, False)
        for key in sorted(mapping):
            self.write_indent()
            if not any(c in _YAML_BREAKS for c in key) and len(key.encode()) <= 128:
                self.node(key, mapping=True, key=True)
                self.indicator(":", False, False, False)
            else:
                self.indicator("?", True, False, True)
                self.node(key, mapping=True)
                self.write_indent()
                self.indicator(":", True, False, True)
            self.node(mapping[key], mapping=True)
        self.indent = previous

    def scalar(self, value: Any, root: bool, key: bool) -> None:
        previous = self.increase_indent(True, False)
        if isinstance(value, str):
            if "\n" in value and not key and _yaml_block_allowed(value):
                self.literal(value)
            else:
                self.double_quoted(value, allow_breaks=not key)
        else:
            text = "null" if value is None else _json_text(value)
            if not self.whitespace:
                self.put(" ")
            self.put(text)
            self.whitespace = self.indention = False
            self.open_ended = root
        self.indent = previous

    def double_quoted(self, text: str, allow_breaks: bool) -> None:
        self.indicator('"', True, False, False)
        spaces = False
        for i, ch in enumerate(text):
            if not _yaml_printable(ch) or ch in _YAML_BREAKS or ch in '"\\':
                self.put(_yaml_escape(ch))
                spaces = False
            elif ch == " ":
                if allow_breaks and not spaces and self.column > 80 and 0 < i < len(text) - 1:
                    self.write_indent()
                    if text[i + 1] == " ":
                        self.put("\\")
                else:
                    self.put(ch)
                spaces = True
            else:
                self.put(ch)
                spaces = False
        self.indicator('"', False, False, False)
        self.whitespace = self.indention = False

    def literal(self, text: str) -> None:
        self.indicator("|", True, False, False)
        if text[0] == " " or text[0] in _YAML_BREAKS:
            self.indicator("2", False, False, False)
        if text[-1] not in _YAML_BREAKS:
            self.indicator("-", False, False, False)
        elif len(text) == 1 or text[-2] in _YAML_BREAKS:
            self.indicator("+", False, False, False)
        self.put_break()
        self.indention = self.whitespace = True
        breaks = True
        for ch in text:
            if ch in _YAML_BREAKS:
                if ch == "\n":
                    self.put_break()
                else:
                    self.out.append(ch)
                    self.column = 0
                self.indention = breaks = True
            else:
                if breaks:
                    self.write_indent()
                self.put(ch)
                self.indention = breaks = False
