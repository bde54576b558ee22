"""Terraform's JSON configuration syntax (``*.tf.json``, ``*.tfvars.json``) as iacscan's tree.

Findings and inline suppressions need source lines, and Python's ``json`` module gives none, so
this module carries its own small JSON parser (:func:`parse_json`) whose nodes remember where
they start and end, and keeps duplicate keys in order, since Terraform merges them. On top of
it, :func:`parse_tf_json` applies the mapping of Terraform's "JSON Configuration Syntax":
property nesting becomes block labels, strings become templates, and ``"//"`` properties
become comments, so the evaluator sees the same nodes as for the native syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, NamedTuple, NoReturn

from iacscan.terraform import ast
from iacscan.terraform.hcl import parse_expression
from iacscan.terraform.hcl_grammar import MAX_DEPTH
from iacscan.terraform.template import parse_template


class JsonSyntaxError(ValueError):
    """Invalid JSON, or JSON that does not have the shape of a Terraform configuration."""

    def __init__(self, message: str, line: int, path: str | None = None) -> None:
        super().__init__(f"{path or '<json>'}:{line}: {message}")
        self.message = message
        self.line = line
        self.path = path

    def __reduce__(self) -> tuple[type[JsonSyntaxError], tuple[str, int, str | None]]:
        """Rebuild from the real arguments, so the error survives a worker process."""
        return (JsonSyntaxError, (self.message, self.line, self.path))


class JNode(NamedTuple):
    """A JSON value with its 1-based source lines.

    ``value`` is ``tuple[(key, key_line, JNode), ...]`` for an object (duplicates kept, in
    order), ``tuple[JNode, ...]`` for an array and the Python value for a scalar.
    """

    kind: str  # "object" | "array" | "string" | "number" | "bool" | "null"
    value: Any
    line: int
    end_line: int


_WS_CHARS = " \t\n\r"
_WS = re.compile(r"[ \t\n\r]*")
# Unrolled so that a failing match backtracks linearly: escapes start with "\", plain chars don't.
_CHARS = r'[^"\\\x00-\x1f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*)*'
_STRING = re.compile(f'"({_CHARS})"')
_STRING_PREFIX = re.compile(f'"{_CHARS}')
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_ESCAPE = re.compile(
    r"\\(?:u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})|u(.{4})|(.))"
)
_SIMPLE_ESCAPES = dict(zip('"\\/bfnrt', '"\\/\b\f\n\r\t', strict=True))
_KEYWORDS = {
    "t": ("true", True, "bool"),
    "f": ("false", False, "bool"),
    "n": ("null", None, "null"),
}


def _unescape(match: re.Match[str]) -> str:
    high, low, code, simple = match.groups()
    if high:
        return chr(0x10000 + ((int(high, 16) - 0xD800) << 10) + int(low, 16) - 0xDC00)
    if not code:
        return _SIMPLE_ESCAPES[simple]
    point = int(code, 16)
    if 0xD800 <= point <= 0xDFFF:  # a surrogate not in a pair: no character, UTF-8 has none
        raise ValueError(f"invalid escape sequence \\u{code}: a lone surrogate")
    return chr(point)


class _JsonParser:
    """Recursive descent over regex-matched tokens; only whitespace is scanned for newlines."""

    __slots__ = ("line", "path", "pos", "text")

    def __init__(self, text: str, path: str | None) -> None:
        self.text = text[1:] if text.startswith("\ufeff") else text
        self.path = path
        self.pos = 0
        self.line = 1

    def parse(self) -> JNode:
        if self._peek() == "":
            self._fail("empty document, expected a JSON value")
        root = self._value(0)
        if self._peek() != "":
            self._fail("unexpected content after the end of the JSON value")
        return root

    def _fail(self, message: str, at: int | None = None) -> NoReturn:
        """Raise at ``at`` (default: the current position), naming its line and column."""
        pos = self.pos if at is None else at
        column = pos - self.text.rfind("\n", 0, pos)
        raise JsonSyntaxError(f"{message} at column {column}", self.line, self.path)

    def _found(self, ch: str) -> str:
        return f"found {ch!r}" if ch else "found the end of the document"

    def _peek(self) -> str:
        """Skip whitespace (the only place a JSON text has newlines); return the next char."""
        text, pos = self.text, self.pos
        ch = text[pos : pos + 1]
        if ch not in _WS_CHARS:  # "" is "in" any string: the end of the text takes the slow path
            return ch
        match = _WS.match(text, pos)
        end = match.end() if match else pos
        if end != pos:
            self.line += text.count("\n", pos, end)
            self.pos = end
        return text[end : end + 1]

    def _value(self, depth: int) -> JNode:
        ch = self._peek()
        if depth >= MAX_DEPTH:
            self._fail(f"nesting deeper than {MAX_DEPTH} levels")
        if ch == "{":
            return self._object(depth + 1)
        if ch == "[":
            return self._array(depth + 1)
        if ch == '"':
            return JNode("string", self._string(), self.line, self.line)
        if ch == "-" or "0" <= ch <= "9":
            return self._number()
        if ch in _KEYWORDS:
            word, value, kind = _KEYWORDS[ch]
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return JNode(kind, value, self.line, self.line)
        self._fail(f"expected a JSON value, {self._found(ch)}")

    def _object(self, depth: int) -> JNode:
        start, items = self.line, []
        self.pos += 1
        ch = self._peek()
        if ch == "}":
            self.pos += 1
            return JNode("object", (), start, self.line)
        while True:
            if ch == "}":
                self._fail("trailing comma before '}'")
            if ch != '"':
                self._fail(f"expected a property name in double quotes, {self._found(ch)}")
            key_line = self.line
            key = self._string()
            if (ch := self._peek()) != ":":
                self._fail(f"expected ':' after property name {key!r}, {self._found(ch)}")
            self.pos += 1
            items.append((key, key_line, self._value(depth)))
            ch = self._peek()
            if ch not in (",", "}"):
                self._fail(f"expected ',' or '}}' after the value of {key!r}, {self._found(ch)}")
            self.pos += 1
            if ch == "}":
                return JNode("object", tuple(items), start, self.line)
            ch = self._peek()

    def _array(self, depth: int) -> JNode:
        start, items = self.line, []
        self.pos += 1
        if self._peek() == "]":
            self.pos += 1
            return JNode("array", (), start, self.line)
        while True:
            if self._peek() == "]":
                self._fail("trailing comma before ']'")
            items.append(self._value(depth))
            ch = self._peek()
            if ch not in (",", "]"):
                self._fail(f"expected ',' or ']' after an array element, {self._found(ch)}")
            self.pos += 1
            if ch == "]":
                return JNode("array", tuple(items), start, self.line)

    def _string(self) -> str:
        start = self.pos
        match = _STRING.match(self.text, start)
        if match is None:
            self._string_error()
        self.pos = match.end()
        raw = match.group(1)
        if "\\" not in raw:
            return raw
        try:
            return _ESCAPE.sub(_unescape, raw)
        except ValueError as exc:
            self._fail(str(exc), start)

    def _string_error(self) -> NoReturn:
        """Say why a string did not match: the prefix match stops right at the culprit."""
        prefix = _STRING_PREFIX.match(self.text, self.pos)
        end = prefix.end() if prefix else self.pos
        ch = self.text[end : end + 1]
        if ch in ("", "\n", "\r"):
            self._fail("unterminated string")
        if ch == "\\":
            size = 6 if self.text[end + 1 : end + 2] == "u" else 2
            self._fail(f"invalid escape sequence {self.text[end : end + size]!r} in string", end)
        self._fail(f"control character U+{ord(ch):04X} must be escaped in a string", end)

    def _number(self) -> JNode:
        match = _NUMBER.match(self.text, self.pos)
        if match is None:
            self._fail(f"invalid number {self.text[self.pos : self.pos + 10]!r}")
        self.pos = match.end()
        text = match.group()
        value: int | float
        try:
            value = float(text) if match.group(1) or match.group(2) else int(text)
        except ValueError:  # more digits than int() accepts
            value = float(text)
        return JNode("number", value, self.line, self.line)


def parse_json(text: str, path: str | None = None) -> JNode:
    """Parse strict JSON into :class:`JNode` values; raise :class:`JsonSyntaxError` with a line."""
    return _JsonParser(text, path).parse()


def to_python(node: JNode) -> Any:
    """Plain Python data for a node, as ``json.loads`` would give (last duplicate key wins)."""
    if node.kind == "object":
        return {key: to_python(child) for key, _, child in node.value}
    if node.kind == "array":
        return [to_python(child) for child in node.value]
    return node.value


# --- Terraform JSON syntax -----------------------------------------------------------------


@dataclass(frozen=True)
class _Schema:
    """What the JSON syntax needs to know about a block type, since JSON has no block syntax.

    ``labels`` names the label levels (one object nesting each); ``blocks`` are the properties
    that are nested blocks rather than attributes; ``literal`` attributes are plain values,
    never templates; ``refs`` attributes hold references written as bare strings.
    """

    labels: tuple[str, ...] = ()
    blocks: tuple[str, ...] = ()
    literal: tuple[str, ...] = ()
    refs: tuple[str, ...] = ()


_REFS = "depends_on provider"
_TOP_LEVEL = {  # block type: (label names, nested block types, literal attributes, references)
    "resource": ("type name", "lifecycle provisioner connection dynamic", "", _REFS),
    "data": ("type name", "lifecycle dynamic", "", _REFS),
    "module": ("name", "", "source version", "depends_on providers"),
    "variable": ("name", "validation", "default type description sensitive nullable ephemeral", ""),
    "output": ("name", "precondition", "description", "depends_on"),
    "provider": ("name", "dynamic", "alias", ""),
    "locals": ("", "", "", ""),
    "terraform": ("", "required_providers backend cloud provider_meta", "required_version", ""),
    "moved": ("", "", "", "from to"),
    "import": ("", "", "", "to provider"),
    "removed": ("", "lifecycle provisioner connection", "", "from"),
    "check": ("name", "assert data", "", ""),
}  # fmt: skip
_NESTED = {
    "lifecycle": ("", "precondition postcondition", "", "ignore_changes replace_triggered_by"),
    "provisioner": ("type", "connection", "", "when on_failure"),
    "dynamic": ("block_type", "content", "iterator", ""),
    "content": ("", "dynamic", "", ""),
    "backend": ("type", "", "", ""),
    "provider_meta": ("provider", "", "", ""),
    "cloud": ("", "workspaces", "", ""),
}  # fmt: skip
_SCHEMAS = {
    name: _Schema(*(tuple(field.split()) for field in fields))
    for name, fields in (_TOP_LEVEL | _NESTED).items()
}
_GENERIC = _Schema()
_COMMENT_KEY = "//"
_IDENT = r"[A-Za-z_][A-Za-z0-9_-]*"
_TRAVERSAL = re.compile(rf'({_IDENT})(?:\.{_IDENT}|\.[0-9]+|\[[0-9]+\]|\["[^"\\]*"\])*')
_STEP = re.compile(rf'\.({_IDENT})|\.([0-9]+)|\[([0-9]+)\]|\["([^"\\]*)"\]')


def _literal(node: JNode) -> ast.Expr:
    """A value Terraform reads without evaluation (``variable.default``): no templates."""
    if node.kind == "array":
        return ast.TupleExpr(tuple(_literal(item) for item in node.value))
    if node.kind == "object":
        return ast.ObjectExpr(tuple((ast.Literal(k), _literal(v)) for k, _, v in node.value))
    return ast.Literal(node.value)


def _traversal(text: str) -> ast.Expr:
    """``"aws_vpc.main[0]"`` as the GetAttr/Index chain the native syntax gives for it."""
    match = _TRAVERSAL.fullmatch(text.strip())
    if match is None:
        return ast.Literal(text)
    expr: ast.Expr = ast.Variable(match.group(1))
    for step in _STEP.finditer(match.group(), match.end(1)):
        name, legacy_index, index, key = step.groups()
        if name is not None:
            expr = ast.GetAttr(expr, name)
        else:
            expr = ast.Index(
                expr, ast.Literal(key if key is not None else int(legacy_index or index))
            )
    return expr


class _Converter:
    """Walks the JSON tree once, in source order, collecting ``"//"`` comments as it goes."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.comments: list[ast.Comment] = []
        self.templates: dict[str, ast.Expr] = {}  # nodes are immutable; "${x.id}" repeats a lot

    def fail(self, message: str, line: int) -> NoReturn:
        raise JsonSyntaxError(message, line, self.path)

    def comment(self, line: int, node: JNode) -> None:
        """``"//"`` values are comments; strings (or arrays of them) can carry suppressions."""
        if node.kind == "string":
            self.comments.append(ast.Comment(line, node.value))
        elif node.kind == "array":
            strings = [item for item in node.value if item.kind == "string"]
            self.comments.extend(ast.Comment(item.line, item.value) for item in strings)

    def file(self, root: JNode) -> ast.ParsedFile:
        if root.kind != "object":
            self.fail(
                f"the root of a Terraform JSON file must be an object, not {root.kind}", root.line
            )
        blocks: list[ast.Block] = []
        for key, key_line, node in root.value:
            if key == _COMMENT_KEY:
                self.comment(key_line, node)
                continue
            schema = _SCHEMAS[key] if key in _TOP_LEVEL else _GENERIC
            blocks.extend(self.blocks(key, schema, node, key_line, ()))
        comments = tuple(sorted(self.comments, key=lambda comment: comment.line))
        return ast.ParsedFile(self.path, ast.Body({}, tuple(blocks)), comments)

    def objects(self, node: JNode, what: str) -> list[tuple[JNode, bool]]:
        """An object, or each object of an array (Terraform's way to repeat any level)."""
        if node.kind == "object":
            return [(node, False)]
        if node.kind != "array":
            self.fail(
                f"{what}: expected an object or an array of objects, not {node.kind}", node.line
            )
        for item in node.value:
            if item.kind != "object":
                self.fail(f"{what}: expected an object in the array, not {item.kind}", item.line)
        return [(item, True) for item in node.value]

    def blocks(
        self, block_type: str, schema: _Schema, node: JNode, key_line: int, labels: tuple[str, ...]
    ) -> list[ast.Block]:
        """Each label is one more level of object nesting; the innermost objects are bodies.

        A block starts at the key of its last label (or of its type when it has none), except
        in an array of bodies, where each body starts at its own brace.
        """
        depth = len(labels)
        what = " ".join([block_type, *(f'"{label}"' for label in labels)])
        if depth < len(schema.labels):
            what += f" (an object keyed by {schema.labels[depth]})"
        found: list[ast.Block] = []
        for obj, in_array in self.objects(node, what):
            if depth == len(schema.labels):
                body = self.body(schema, obj)
                line = obj.line if in_array else key_line
                found.append(ast.Block(block_type, labels, body, line, obj.end_line))
                continue
            for key, inner_line, child in obj.value:
                if key == _COMMENT_KEY:
                    self.comment(inner_line, child)
                else:
                    found += self.blocks(block_type, schema, child, inner_line, (*labels, key))
        return found

    def body(self, schema: _Schema, obj: JNode) -> ast.Body:
        attributes: dict[str, ast.Attribute] = {}
        blocks: list[ast.Block] = []
        for key, line, node in obj.value:
            if key == _COMMENT_KEY:
                self.comment(line, node)
            elif key in schema.blocks:
                blocks += self.blocks(key, _SCHEMAS.get(key, _GENERIC), node, line, ())
            else:
                expr = self.attribute(schema, key, node)
                attributes[key] = ast.Attribute(key, expr, line, node.end_line)
        return ast.Body(attributes, tuple(blocks))

    def attribute(self, schema: _Schema, name: str, node: JNode) -> ast.Expr:
        if name in schema.literal:
            return _literal(node)
        return self.expr(node, reference=name in schema.refs)

    def expr(self, node: JNode, reference: bool = False) -> ast.Expr:
        """Strings are templates, or references where Terraform expects one (``depends_on``)."""
        if node.kind == "string":
            if reference and "${" not in node.value:
                return _traversal(node.value)
            return self.template(node.value, node.line)
        if node.kind == "array":
            return ast.TupleExpr(tuple(self.expr(item, reference) for item in node.value))
        if node.kind != "object":
            return ast.Literal(node.value)
        items: list[tuple[ast.Expr, ast.Expr]] = []
        for key, line, child in node.value:
            if key == _COMMENT_KEY:
                self.comment(line, child)
            else:
                key_expr = self.template(key, line) if "${" in key else ast.Literal(key)
                items.append((key_expr, self.expr(child, reference)))
        return ast.ObjectExpr(tuple(items))

    def template(self, text: str, line: int) -> ast.Expr:
        if "${" not in text and "%{" not in text:
            return ast.Literal(text)  # the common case, without the template parser
        cached = self.templates.get(text)
        if cached is not None:
            return cached
        try:
            expr = self.templates[text] = parse_template(text, line, parse_expression)
        except ValueError as exc:  # the template parser's syntax error
            self.fail(f"invalid template {text!r}: {exc}", getattr(exc, "line", 0) or line)
        return expr


def parse_tf_json(text: str, path: str) -> ast.ParsedFile:
    """Parse a ``.tf.json`` file into the same tree the native-syntax adapter produces."""
    return _Converter(path).file(parse_json(text, path))


def parse_tfvars_json(text: str, path: str) -> dict[str, tuple[Any, int]]:
    """Variable values of a ``.tfvars.json`` file: name -> (plain value, line of the name).

    Values are data, never expressions, so nothing becomes a template; a repeated name keeps
    its last value, as JSON readers usually do.
    """
    root = parse_json(text, path)
    if root.kind != "object":
        raise JsonSyntaxError(
            f"a .tfvars.json file must hold an object, not {root.kind}", root.line, path
        )
    return {key: (to_python(node), line) for key, line, node in root.value if key != _COMMENT_KEY}
