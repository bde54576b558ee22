"""The syntax tree iacscan evaluates, independent of the parser that produced it.

Both HCL native syntax (through python-hcl2's grammar) and the JSON syntax (``.tf.json``)
are turned into these nodes by their adapters, so the evaluator never sees a parser's
shapes. Nodes are small frozen dataclasses, safe to share between module instances; the parse
cache stores them through ``codec.py`` as data (nothing pickles them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeAlias

from iacscan.model import Comment


class _Node:
    """The common base of syntax nodes."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Literal(_Node):
    """A constant: number, string without interpolation, bool or null."""

    value: Any


@dataclass(frozen=True, slots=True)
class Template(_Node):
    """A string with interpolations or directives; ``parts`` are str or expressions.

    A template that is a single interpolation (``"${x}"``) yields x's value unchanged, as
    Terraform does, so a list or a Ref passes through.
    """

    parts: tuple[str | Expr, ...]


@dataclass(frozen=True, slots=True)
class TemplateIf(_Node):
    """``%{ if cond }then%{ else }otherwise%{ endif }`` inside a template."""

    condition: Expr
    then: Template
    otherwise: Template


@dataclass(frozen=True, slots=True)
class TemplateFor(_Node):
    """``%{ for k, v in coll }body%{ endfor }`` inside a template."""

    key_var: str | None
    value_var: str
    collection: Expr
    body: Template


@dataclass(frozen=True, slots=True)
class Variable(_Node):
    """A root name: ``var``, ``local``, ``aws_vpc``, ``count``, a for-expression variable..."""

    name: str


@dataclass(frozen=True, slots=True)
class GetAttr(_Node):
    obj: Expr
    name: str


@dataclass(frozen=True, slots=True)
class Index(_Node):
    obj: Expr
    key: Expr


@dataclass(frozen=True, slots=True)
class Splat(_Node):
    """``obj[*].a.b`` or ``obj.*.a``: ``path`` is applied to every element of ``obj``."""

    obj: Expr
    path: tuple[tuple[str, Any], ...]  # ("attr", name) | ("index", Expr)


@dataclass(frozen=True, slots=True)
class Call(_Node):
    name: str
    args: tuple[Expr, ...]
    expand_last: bool = False  # f(list...)


@dataclass(frozen=True, slots=True)
class TupleExpr(_Node):
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class ObjectExpr(_Node):
    """``{k = v}``; a bare identifier key is a Literal string, ``(expr)`` keys evaluate."""

    items: tuple[tuple[Expr, Expr], ...]


@dataclass(frozen=True, slots=True)
class ForExpr(_Node):
    """``[for k, v in coll : value if cond]`` or ``{for ... : key => value... if cond}``."""

    key_var: str | None
    value_var: str
    collection: Expr
    value: Expr
    key: Expr | None = None  # set for object results
    condition: Expr | None = None
    grouping: bool = False


@dataclass(frozen=True, slots=True)
class Conditional(_Node):
    condition: Expr
    then: Expr
    otherwise: Expr


@dataclass(frozen=True, slots=True)
class BinaryOp(_Node):
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class UnaryOp(_Node):
    op: str  # "-" or "!"
    operand: Expr


@dataclass(frozen=True, slots=True)
class Parens(_Node):
    """Kept only so that operator precedence repair never re-associates a parenthesised group."""

    expr: Expr


Expr: TypeAlias = (
    Literal
    | Template
    | TemplateIf
    | TemplateFor
    | Variable
    | GetAttr
    | Index
    | Splat
    | Call
    | TupleExpr
    | ObjectExpr
    | ForExpr
    | Conditional
    | BinaryOp
    | UnaryOp
    | Parens
)


@dataclass(frozen=True, slots=True)
class Attribute(_Node):
    name: str
    expr: Expr
    line: int
    end_line: int


@dataclass(frozen=True, slots=True)
class Block(_Node):
    type: str
    labels: tuple[str, ...]
    body: Body
    line: int
    end_line: int


@dataclass(frozen=True, slots=True)
class Body(_Node):
    """Attributes by name (source order kept) and nested blocks in source order."""

    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: tuple[Block, ...] = ()

    def blocks_of(self, block_type: str) -> list[Block]:
        return [b for b in self.blocks if b.type == block_type]


@dataclass(frozen=True, slots=True)
class ParsedFile(_Node):
    """One parsed configuration file: its top-level body and its comments."""

    path: str
    body: Body
    comments: tuple[Comment, ...] = ()
