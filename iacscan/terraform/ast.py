"""The syntax tree iacscan evaluates, independent of the parser that produced it.

Both HCL native syntax (through python-hcl2's grammar) and the JSON syntax (``.tf.json``)
are turned into these nodes by their adapters, so the evaluator never sees a parser's
shapes. Nodes are small frozen dataclasses: cheap to pickle into the parse cache and safe to
share between module instances.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeAlias


@dataclass(frozen=True, slots=True)
class Literal:
    """A constant: number, string without interpolation, bool or null."""

    value: Any


@dataclass(frozen=True, slots=True)
class Template:
    """A string with interpolations or directives; ``parts`` are str or expressions.

    A template that is a single interpolation (``"${x}"``) yields x's value unchanged, as
    Terraform does, so a list or a Ref passes through.
    """

    parts: tuple[str | Expr, ...]


@dataclass(frozen=True, slots=True)
class TemplateIf:
    """``%{ if cond }then%{ else }otherwise%{ endif }`` inside a template."""

    condition: Expr
    then: Template
    otherwise: Template


@dataclass(frozen=True, slots=True)
class TemplateFor:
    """``%{ for k, v in coll }body%{ endfor }`` inside a template."""

    key_var: str | None
    value_var: str
    collection: Expr
    body: Template


@dataclass(frozen=True, slots=True)
class Variable:
    """A root name: ``var``, ``local``, ``aws_vpc``, ``count``, a for-expression variable..."""

    name: str


@dataclass(frozen=True, slots=True)
class GetAttr:
    obj: Expr
    name: str


@dataclass(frozen=True, slots=True)
class Index:
    obj: Expr
    key: Expr


@dataclass(frozen=True, slots=True)
class Splat:
    """``obj[*].a.b`` or ``obj.*.a``: ``path`` is applied to every element of ``obj``."""

    obj: Expr
    path: tuple[tuple[str, Any], ...]  # ("attr", name) | ("index", Expr)


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Expr, ...]
    expand_last: bool = False  # f(list...)


@dataclass(frozen=True, slots=True)
class TupleExpr:
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class ObjectExpr:
    """``{k = v}``; a bare identifier key is a Literal string, ``(expr)`` keys evaluate."""

    items: tuple[tuple[Expr, Expr], ...]


@dataclass(frozen=True, slots=True)
class ForExpr:
    """``[for k, v in coll : value if cond]`` or ``{for ... : key => value... if cond}``."""

    key_var: str | None
    value_var: str
    collection: Expr
    value: Expr
    key: Expr | None = None  # set for object results
    condition: Expr | None = None
    grouping: bool = False


@dataclass(frozen=True, slots=True)
class Conditional:
    condition: Expr
    then: Expr
    otherwise: Expr


@dataclass(frozen=True, slots=True)
class BinaryOp:
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class UnaryOp:
    op: str  # "-" or "!"
    operand: Expr


@dataclass(frozen=True, slots=True)
class Parens:
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
class Attribute:
    name: str
    expr: Expr
    line: int
    end_line: int


@dataclass(frozen=True, slots=True)
class Block:
    type: str
    labels: tuple[str, ...]
    body: Body
    line: int
    end_line: int


@dataclass(frozen=True, slots=True)
class Body:
    """Attributes by name (source order kept) and nested blocks in source order."""

    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: tuple[Block, ...] = ()

    def blocks_of(self, block_type: str) -> list[Block]:
        return [b for b in self.blocks if b.type == block_type]


@dataclass(frozen=True, slots=True)
class Comment:
    """A source comment, kept for inline suppressions (``# iacscan:ignore ...``)."""

    line: int
    text: str


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """One parsed configuration file: its top-level body and its comments."""

    path: str
    body: Body
    comments: tuple[Comment, ...] = ()
