"""The parse cache's data-only encoding of syntax trees (no pickle: a cache entry is data).

A cache directory may come from somewhere else (CI restores ``~/.cache`` from other
branches), so an entry must never be able to run code, and a damaged or crafted one must be
a cache miss rather than a crash. The tree is written as compact JSON: a flat table of nodes
in post-order, each ``[tag, field...]`` where a child is the index of an earlier row. That
keeps the JSON three levels deep whatever the nesting of the source (no RecursionError in
the encoder, the JSON reader or the decoder, and nothing deep to pickle between processes),
and lets the decoder check every row against the shapes the parsers make: each field's
type, each child's node class, every child used exactly once (a crafted table cannot
share a subtree into an exponential tree). Anything else makes ``decode`` return None.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from iacscan.model import Comment
from iacscan.terraform import ast

FORMAT = 1
BIG_INT = 10**18  # larger integers travel as hex text: decimal conversion is length-limited

# Field kinds: E expression, E? optional expression, T template, S str, S? optional str,
# I line number, B bool, L literal value, EE expressions, PARTS template parts,
# PAIRS object items, PATH splat path, SS labels, BODY body, ATTRS attributes, BLOCKS blocks.
SHAPES: tuple[tuple[type, tuple[str, ...]], ...] = (
    (ast.Literal, ("L",)),
    (ast.Template, ("PARTS",)),
    (ast.TemplateIf, ("E", "T", "T")),
    (ast.TemplateFor, ("S?", "S", "E", "T")),
    (ast.Variable, ("S",)),
    (ast.GetAttr, ("E", "S")),
    (ast.Index, ("E", "E")),
    (ast.Splat, ("E", "PATH")),
    (ast.Call, ("S", "EE", "B")),
    (ast.TupleExpr, ("EE",)),
    (ast.ObjectExpr, ("PAIRS",)),
    (ast.ForExpr, ("S?", "S", "E", "E", "E?", "E?", "B")),
    (ast.Conditional, ("E", "E", "E")),
    (ast.BinaryOp, ("S", "E", "E")),
    (ast.UnaryOp, ("S", "E")),
    (ast.Parens, ("E",)),
    (ast.Attribute, ("S", "E", "I", "I")),
    (ast.Block, ("S", "SS", "BODY", "I", "I")),
    (ast.Body, ("ATTRS", "BLOCKS")),
)
_TAG = {cls: tag for tag, (cls, _) in enumerate(SHAPES)}
EXPR_TYPES = frozenset(cls for cls, _ in SHAPES[:16])
_CHILD_KINDS = frozenset({"E", "E?", "T", "BODY"})


class BadEntry(Exception):
    """A cache entry that is not exactly what ``encode`` writes."""


# -- encoding ------------------------------------------------------------------------------------
def encode(value: Any) -> bytes | None:
    """A ParsedFile or an ``("error", line, message, kind)`` tuple as bytes; None when it
    cannot be encoded."""
    try:
        if isinstance(value, tuple):
            _, line, message, kind = value
            return json.dumps(["error", int(line), str(message), str(kind)]).encode()
        if not isinstance(value, ast.ParsedFile):
            return None
        nodes: list[list[Any]] = []
        body = _encode_tree(value.body, nodes)
        comments = [[c.line, c.text] for c in value.comments]
        return json.dumps([FORMAT, nodes, body, comments], separators=(",", ":")).encode()
    except (ValueError, TypeError, UnicodeEncodeError, RecursionError, MemoryError):
        return None


def _encode_tree(root: Any, nodes: list[list[Any]]) -> int:
    """Post-order without recursion: a node is written after all of its children."""
    index: dict[int, int] = {}
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, ready = stack.pop()
        if ready:
            index[id(node)] = len(nodes)
            nodes.append(_row(node, index))
            continue
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(_children(node)))
    return index[id(root)]


def _children(node: Any) -> list[Any]:
    cls = type(node)
    children: list[Any] = []
    for name, kind in zip(cls.__slots__, SHAPES[_TAG[cls]][1], strict=True):
        field = getattr(node, name)
        if kind in _CHILD_KINDS:
            children.extend([] if field is None else [field])
        elif kind in ("EE", "BLOCKS"):
            children.extend(field)
        elif kind == "ATTRS":
            children.extend(field.values())
        elif kind == "PARTS":
            children.extend(p for p in field if not isinstance(p, str))
        elif kind == "PAIRS":
            children.extend(item for pair in field for item in pair)
        elif kind == "PATH":
            children.extend(step[1] for step in field if step[0] == "index")
    return children


def _row(node: Any, index: dict[int, int]) -> list[Any]:
    cls = type(node)
    row: list[Any] = [_TAG[cls]]
    ref: Callable[[Any], int] = lambda child: index[id(child)]  # noqa: E731
    for name, kind in zip(cls.__slots__, SHAPES[_TAG[cls]][1], strict=True):
        field = getattr(node, name)
        if kind in _CHILD_KINDS:
            row.append(None if field is None else ref(field))
        elif kind in ("EE", "BLOCKS"):
            row.append([ref(c) for c in field])
        elif kind == "ATTRS":
            row.append([ref(c) for c in field.values()])
        elif kind == "PARTS":
            row.append([p if isinstance(p, str) else ref(p) for p in field])
        elif kind == "PAIRS":
            row.append([[ref(k), ref(v)] for k, v in field])
        elif kind == "PATH":
            row.append([[s, v if s == "attr" else ref(v)] for s, v in field])
        elif kind == "SS":
            row.append(list(field))
        elif kind == "L" and type(field) is int and abs(field) >= BIG_INT:
            row[0] = -1  # a Literal holding a big integer
            row.append(hex(field))
        else:
            row.append(field)
    return row


# -- decoding ------------------------------------------------------------------------------------
def decode(data: bytes, path: str) -> ast.ParsedFile | tuple[str, int, str, str] | None:
    """What ``encode`` wrote, rebuilt for ``path``; None for anything else (a cache miss)."""
    try:
        document = json.loads(data)
        if type(document) is list and document[:1] == ["error"] and len(document) == 4:
            _, line, message, kind = document
            if type(line) is int and type(message) is str and type(kind) is str:
                return ("error", line, message, kind)
            return None
        if type(document) is not list or len(document) != 4 or document[0] != FORMAT:
            return None
        _, rows, body_ref, comments = document
        if body_ref != len(rows) - 1:
            raise BadEntry  # post-order: the root is the last row
        body = _rebuild(rows)
        return ast.ParsedFile(path, body, _comments(comments))
    except (BadEntry, ValueError, TypeError, IndexError, KeyError, RecursionError, MemoryError):
        return None


def _comments(raw: Any) -> tuple[Comment, ...]:
    if type(raw) is not list:
        raise BadEntry
    out = []
    for item in raw:
        if type(item) is not list or len(item) != 2:
            raise BadEntry
        line, text = item
        if type(line) is not int or type(text) is not str:
            raise BadEntry
        out.append(Comment(line, text))
    return tuple(out)


def _rebuild(rows: Any) -> ast.Body:
    """Rows in order; a child reference must point back to a row not yet used (it is then
    cleared), so the result is a tree and every row belongs to it."""
    if type(rows) is not list or not rows:
        raise BadEntry
    nodes: list[Any] = []
    for row in rows:
        if type(row) is not list or not row:
            raise BadEntry
        nodes.append(_DECODERS[row[0]](nodes, row))
    body = nodes[-1]
    if type(body) is not ast.Body:
        raise BadEntry
    nodes[-1] = None
    if any(node is not None for node in nodes):
        raise BadEntry  # rows outside the tree
    return body


def _take(nodes: list[Any], ref: Any, types: Any) -> Any:
    """A negative index only names an earlier row another way: still used at most once."""
    node = nodes[ref]  # a later row is an IndexError, a non-integer a TypeError
    if type(node) not in types:  # a used row is None
        raise BadEntry
    nodes[ref] = None
    return node


def _e(nodes: list[Any], ref: Any) -> Any:
    node = nodes[ref]  # _take, inlined: the most frequent call of a warm scan
    if type(node) not in EXPR_TYPES:
        raise BadEntry
    nodes[ref] = None
    return node


def _oe(nodes: list[Any], ref: Any) -> Any:
    return None if ref is None else _take(nodes, ref, EXPR_TYPES)


def _s(value: Any) -> str:
    if type(value) is not str:
        raise BadEntry
    return value


def _os(value: Any) -> str | None:
    return None if value is None else _s(value)


def _i(value: Any) -> int:
    if type(value) is not int:
        raise BadEntry
    return value


def _b(value: Any) -> bool:
    if type(value) is not bool:
        raise BadEntry
    return value


def _l(value: Any) -> list[Any]:
    if type(value) is not list:
        raise BadEntry
    return value


def _template(nodes: list[Any], ref: Any) -> ast.Template:
    template: ast.Template = _take(nodes, ref, (ast.Template,))
    return template


def _literal(nodes: list[Any], row: list[Any]) -> ast.Literal:
    _, value = row
    if value is not None and type(value) not in _SCALARS:
        raise BadEntry
    return ast.Literal(value)


def _big_literal(nodes: list[Any], row: list[Any]) -> ast.Literal:
    _, digits = row
    return ast.Literal(int(_s(digits), 16))


def _template_row(nodes: list[Any], row: list[Any]) -> ast.Template:
    _, parts = row
    return ast.Template(tuple(p if type(p) is str else _e(nodes, p) for p in _l(parts)))


def _template_if(nodes: list[Any], row: list[Any]) -> ast.TemplateIf:
    _, cond, then, otherwise = row
    return ast.TemplateIf(_e(nodes, cond), _template(nodes, then), _template(nodes, otherwise))


def _template_for(nodes: list[Any], row: list[Any]) -> ast.TemplateFor:
    _, key, value, coll, body = row
    return ast.TemplateFor(_os(key), _s(value), _e(nodes, coll), _template(nodes, body))


def _variable(nodes: list[Any], row: list[Any]) -> ast.Variable:
    _, name = row
    if type(name) is not str:
        raise BadEntry
    return ast.Variable(name)


def _get_attr(nodes: list[Any], row: list[Any]) -> ast.GetAttr:
    _, obj, name = row
    if type(name) is not str:
        raise BadEntry
    return ast.GetAttr(_e(nodes, obj), name)


def _index(nodes: list[Any], row: list[Any]) -> ast.Index:
    _, obj, key = row
    return ast.Index(_e(nodes, obj), _e(nodes, key))


def _splat(nodes: list[Any], row: list[Any]) -> ast.Splat:
    _, obj, path = row
    steps: list[tuple[str, Any]] = []
    for step in _l(path):
        kind, value = _l(step)
        if kind == "attr":
            steps.append(("attr", _s(value)))
        elif kind == "index":
            steps.append(("index", _e(nodes, value)))
        else:
            raise BadEntry
    return ast.Splat(_e(nodes, obj), tuple(steps))


def _call(nodes: list[Any], row: list[Any]) -> ast.Call:
    _, name, args, expand = row
    return ast.Call(_s(name), tuple(_e(nodes, a) for a in _l(args)), _b(expand))


def _tuple(nodes: list[Any], row: list[Any]) -> ast.TupleExpr:
    _, items = row
    return ast.TupleExpr(tuple(_e(nodes, i) for i in _l(items)))


def _object(nodes: list[Any], row: list[Any]) -> ast.ObjectExpr:
    _, items = row
    pairs = []
    for item in _l(items):
        key, value = _l(item)
        pairs.append((_e(nodes, key), _e(nodes, value)))
    return ast.ObjectExpr(tuple(pairs))


def _for(nodes: list[Any], row: list[Any]) -> ast.ForExpr:
    _, key_var, value_var, coll, value, key, cond, grouping = row
    return ast.ForExpr(
        _os(key_var),
        _s(value_var),
        _e(nodes, coll),
        _e(nodes, value),
        _oe(nodes, key),
        _oe(nodes, cond),
        _b(grouping),
    )


def _conditional(nodes: list[Any], row: list[Any]) -> ast.Conditional:
    _, cond, then, otherwise = row
    return ast.Conditional(_e(nodes, cond), _e(nodes, then), _e(nodes, otherwise))


def _binary(nodes: list[Any], row: list[Any]) -> ast.BinaryOp:
    _, op, left, right = row
    return ast.BinaryOp(_s(op), _e(nodes, left), _e(nodes, right))


def _unary(nodes: list[Any], row: list[Any]) -> ast.UnaryOp:
    _, op, operand = row
    return ast.UnaryOp(_s(op), _e(nodes, operand))


def _parens(nodes: list[Any], row: list[Any]) -> ast.Parens:
    _, expr = row
    return ast.Parens(_e(nodes, expr))


def _attribute(nodes: list[Any], row: list[Any]) -> ast.Attribute:
    _, name, expr, line, end_line = row
    if type(name) is not str or type(line) is not int or type(end_line) is not int:
        raise BadEntry
    return ast.Attribute(name, _e(nodes, expr), line, end_line)


def _block(nodes: list[Any], row: list[Any]) -> ast.Block:
    _, kind, labels, body, line, end_line = row
    return ast.Block(
        _s(kind),
        tuple(_s(label) for label in _l(labels)),
        _take(nodes, body, (ast.Body,)),
        _i(line),
        _i(end_line),
    )


def _body(nodes: list[Any], row: list[Any]) -> ast.Body:
    _, attr_refs, block_refs = row
    if type(attr_refs) is not list or type(block_refs) is not list:
        raise BadEntry
    attrs: dict[str, ast.Attribute] = {}
    for ref in attr_refs:
        attr = nodes[ref]
        if type(attr) is not ast.Attribute or attr.name in attrs:
            raise BadEntry
        nodes[ref] = None
        attrs[attr.name] = attr
    blocks = []
    for ref in block_refs:
        block = nodes[ref]
        if type(block) is not ast.Block:
            raise BadEntry
        nodes[ref] = None
        blocks.append(block)
    return ast.Body(attrs, tuple(blocks))


_SCALARS = (str, int, float, bool)
_Decode = Callable[[list[Any], list[Any]], Any]
_BY_CLASS: dict[type, _Decode] = {
    ast.Literal: _literal,
    ast.Template: _template_row,
    ast.TemplateIf: _template_if,
    ast.TemplateFor: _template_for,
    ast.Variable: _variable,
    ast.GetAttr: _get_attr,
    ast.Index: _index,
    ast.Splat: _splat,
    ast.Call: _call,
    ast.TupleExpr: _tuple,
    ast.ObjectExpr: _object,
    ast.ForExpr: _for,
    ast.Conditional: _conditional,
    ast.BinaryOp: _binary,
    ast.UnaryOp: _unary,
    ast.Parens: _parens,
    ast.Attribute: _attribute,
    ast.Block: _block,
    ast.Body: _body,
}
# Indexed by the row's tag; -1 (the last entry) is a Literal holding a big integer.
_DECODERS: tuple[_Decode, ...] = (*(_BY_CLASS[cls] for cls, _ in SHAPES), _big_literal)
