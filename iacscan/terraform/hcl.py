"""HCL native syntax -> iacscan syntax tree, using python-hcl2's grammar.

Why not ``hcl2.load``: its dict output turns every expression back into a string that would
have to be parsed a second time, and its ``with_meta`` positions need Lark's
``propagate_positions``, which costs about half again the parse time. Instead the grammar
shipped with python-hcl2 7.3 is compiled once with an inline transformer that builds our
nodes while parsing, and positions come from the tokens themselves: a node's start is the
line of its first token, its end the line of the token before the parser's one-token
lookahead at reduction time (LALR(1) reduces with exactly one token of lookahead).

Two limits of that grammar are repaired here: binary operators come out right-nested with no
precedence (``a * b + c`` as ``a * (b + c)``), so chains are re-associated by HCL's
precedence; and template directives (``%{ if }``) and heredocs arrive as raw text, which
``template.py`` parses. The others (newlines, Unicode names, nesting depth) are repaired
where the parser is compiled, in ``hcl_grammar.py``.
"""

from __future__ import annotations

import builtins
import functools
from typing import Any, cast

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from iacscan.terraform import ast
from iacscan.terraform.hcl_grammar import (
    STATE,
    HclSyntaxError,
    ParseState,
    build,
    check_depth,
)
from iacscan.terraform.template import (
    build_template,
    heredoc_template,
    stripped,
    unescape,
)

__all__ = ["HclSyntaxError", "parse_expression", "parse_hcl"]

# HCL operator precedence, highest binds tightest (HCL native syntax spec, "Operations").
PRECEDENCE = {
    "*": 6, "/": 6, "%": 6,
    "+": 5, "-": 5,
    ">": 4, ">=": 4, "<": 4, "<=": 4,
    "==": 3, "!=": 3,
    "&&": 2,
    "||": 1,
}  # fmt: skip
KEYWORD_LITERALS = {"true": True, "false": False, "null": None}


class _NewLine:
    """Placeholder for newlines/comments inside expressions; filtered by every rule."""


NL = _NewLine()


def _items(children: list[Any]) -> list[Any]:
    return [c for c in children if c is not NL]


def _flatten(expr: ast.Expr) -> list[Any]:
    """[operand, op, operand, ...] of a binary chain; iterative, chains can be long."""
    out: list[Any] = []
    pending: list[Any] = [expr]
    while pending:
        item = pending.pop()
        if isinstance(item, ast.BinaryOp):
            pending.extend((item.right, item.op, item.left))
        else:
            out.append(item)
    return out


def _associate(seq: list[Any]) -> ast.Expr:
    """Precedence climbing over [operand, op, operand, ...]; all operators are left-assoc."""
    pos = 0

    def climb(min_prec: int) -> ast.Expr:
        nonlocal pos
        left = seq[pos]
        pos += 1
        while pos < len(seq) and PRECEDENCE[seq[pos]] >= min_prec:
            op = seq[pos]
            pos += 1
            right = climb(PRECEDENCE[op] + 1)
            left = ast.BinaryOp(op, left, right)
        return left

    return climb(1)


class _Builder(Transformer):
    """Inline transformer: one method per grammar rule, returning ast nodes."""

    def __init__(self, state: ParseState) -> None:
        super().__init__()
        self.s = state

    # -- structure -------------------------------------------------------------------------------
    def start(self, c: list[Any]) -> ast.Body:
        return c[0]

    def body(self, c: list[Any]) -> ast.Body:
        attributes: dict[str, ast.Attribute] = {}
        blocks: list[ast.Block] = []
        for item in c:
            if isinstance(item, ast.Attribute):
                attributes[item.name] = item
            elif isinstance(item, ast.Block):
                blocks.append(item)
        return ast.Body(attributes, tuple(blocks))

    def attribute(self, c: list[Any]) -> ast.Attribute:
        name: Token = c[0]
        return ast.Attribute(str(name), c[2], name.line or 0, self.s.last_line())

    def block(self, c: list[Any]) -> ast.Block:
        head: Token = c[0]
        labels: list[str] = []
        for label in c[1:-1]:
            if isinstance(label, Token):
                labels.append(str(label))
            elif isinstance(label, ast.Literal):
                labels.append(str(label.value))
            elif label is not NL:
                raise HclSyntaxError("block labels must be literal strings", head.line or 0)
        return ast.Block(str(head), tuple(labels), c[-1], head.line or 0, self.s.last_line())

    def new_line_or_comment(self, c: list[Token]) -> _NewLine:
        return NL  # the post-lexer has collected the comments

    def identifier(self, c: list[Token]) -> Token:
        return c[0]

    # -- expressions -----------------------------------------------------------------------------
    def expr_term(self, c: list[Any]) -> ast.Expr:
        items = _items(c)
        if len(items) == 3:  # ( expression )
            return ast.Parens(items[1])
        item = items[0]
        if isinstance(item, Token):
            name = str(item)
            if name in KEYWORD_LITERALS:
                return ast.Literal(KEYWORD_LITERALS[name])
            return ast.Variable(name)
        return item

    def conditional(self, c: list[Any]) -> ast.Conditional:
        cond, then, otherwise = _items(c)
        return ast.Conditional(cond, then, otherwise)

    def unary_op(self, c: list[Any]) -> ast.Expr:
        op, operand = str(c[0]), c[1]
        if (
            op == "-"
            and isinstance(operand, ast.Literal)
            and isinstance(operand.value, int | float)
        ):
            return ast.Literal(-operand.value)
        return ast.UnaryOp(op, operand)

    def binary_operator(self, c: list[Token]) -> str:
        return str(c[0])

    def binary_term(self, c: list[Any]) -> builtins.tuple[str, ast.Expr]:
        op, right = _items(c)
        return op, right

    def binary_op(self, c: list[Any]) -> ast.Expr:
        left, (op, right) = _items(c)
        return _combine(left, op, right)

    def int_lit(self, c: list[Token]) -> ast.Literal:
        return ast.Literal(int("".join(c)))

    def float_lit(self, c: list[Token]) -> ast.Literal:
        return ast.Literal(float("".join(c)))

    def string(self, c: list[list[object]]) -> ast.Expr:
        segments = [seg for part in c for seg in part]
        return build_template(segments, self.s.last_line(), parse_expression)

    def string_part(self, c: list[Any]) -> list[object]:
        part = c[0]
        if isinstance(part, Token):
            if part.type == "ESCAPED_INTERPOLATION":
                return [str(part)[1:]]  # $${x} is the literal text ${x}
            if part.type == "DIRECTIVE":
                return [str(part)]  # its expression's escapes are the expression parser's
            try:
                return [unescape(str(part))]
            except ValueError as exc:
                raise HclSyntaxError(str(exc), part.line or 0, part.column or 0) from None
        return cast(list[object], part)

    def interpolation(self, c: list[Any]) -> list[object]:
        expr = next(i for i in c if not isinstance(i, Token))
        return stripped(expr, str(c[0]) == "~", str(c[-1]) == "~")

    def tuple(self, c: list[Any]) -> ast.TupleExpr:
        return ast.TupleExpr(tuple(_items(c)))

    def object(self, c: list[Any]) -> ast.ObjectExpr:
        return ast.ObjectExpr(tuple(i for i in c if isinstance(i, tuple)))

    def object_elem(self, c: list[Any]) -> builtins.tuple[ast.Expr, ast.Expr]:
        return c[0], c[2]

    def object_elem_key(self, c: list[Any]) -> ast.Expr:
        key = c[0]
        if isinstance(key, Token):
            return ast.Literal(str(key))
        if isinstance(key, ast.Literal) and not isinstance(key.value, str):
            return ast.Literal(str(key.value))
        return key

    def object_elem_key_expression(self, c: list[Any]) -> ast.Expr:
        return ast.Parens(_items(c)[1])

    def object_elem_key_dot_accessor(self, c: list[Any]) -> ast.Literal:
        return ast.Literal("".join(str(t) for t in c))

    def heredoc_template(self, c: list[Token]) -> ast.Expr:
        return self._heredoc(c[0], trim=False)

    def heredoc_template_trim(self, c: list[Token]) -> ast.Expr:
        return self._heredoc(c[0], trim=True)

    def _heredoc(self, token: Token, trim: bool) -> ast.Expr:
        return heredoc_template(str(token), trim, (token.line or 0) + 1, parse_expression)

    def function_call(self, c: list[Any]) -> ast.Call:
        items = _items(c)
        args: builtins.tuple[ast.Expr, ...] = ()
        expand = False
        if len(items) > 1:
            args, expand = items[1]
        return ast.Call(str(items[0]), args, expand)

    def arguments(self, c: list[Any]) -> builtins.tuple[builtins.tuple[ast.Expr, ...], bool]:
        expand = self.s.previous is not None and str(self.s.previous) == "..."
        return tuple(_items(c)), expand

    def provider_function_call(self, c: list[Any]) -> ast.Call:
        names = [str(i) for i in c if isinstance(i, Token)]
        args = next((i for i in c if isinstance(i, tuple)), ((), False))
        return ast.Call("provider::" + "::".join(names), args[0], args[1])

    def colons(self, c: list[Any]) -> _NewLine:
        return NL

    def index_expr_term(self, c: list[Any]) -> ast.Expr:
        return ast.Index(c[0], c[1])

    def index(self, c: list[Any]) -> ast.Expr:
        items = _items(c)
        if isinstance(items[0], Token):  # legacy .0 index
            return ast.Literal(int("".join(items)))
        return items[0]

    def get_attr_expr_term(self, c: list[Any]) -> ast.Expr:
        return ast.GetAttr(c[0], c[1])

    def get_attr(self, c: list[Token]) -> str:
        return str(c[0])

    def attr_splat_expr_term(self, c: list[Any]) -> ast.Splat:
        return ast.Splat(c[0], c[1])

    def full_splat_expr_term(self, c: list[Any]) -> ast.Splat:
        return ast.Splat(c[0], c[1])

    def attr_splat(self, c: list[Any]) -> builtins.tuple[builtins.tuple[str, Any], ...]:
        return tuple(("attr", name) for name in c)

    def full_splat(self, c: list[Any]) -> builtins.tuple[builtins.tuple[str, Any], ...]:
        return tuple(("attr", i) if isinstance(i, str) else ("index", i) for i in c)

    def for_intro(self, c: list[Any]) -> builtins.tuple[str | None, str, ast.Expr]:
        names = [str(t) for t in c if isinstance(t, Token) and str(t) not in _INTRO_WORDS]
        collection = next(i for i in c if not isinstance(i, Token | _NewLine))
        if len(names) == 2:
            return names[0], names[1], collection
        return None, names[0], collection

    def for_cond(self, c: list[Any]) -> ast.Expr:
        return next(i for i in c if not isinstance(i, Token | _NewLine))

    def for_tuple_expr(self, c: list[Any]) -> ast.ForExpr:
        intro, value, *rest = (i for i in c if not isinstance(i, Token | _NewLine))
        return ast.ForExpr(intro[0], intro[1], intro[2], value, condition=_cond(rest))

    def for_object_expr(self, c: list[Any]) -> ast.ForExpr:
        intro, key, value, *rest = (i for i in c if not isinstance(i, Token | _NewLine))
        grouping = any(isinstance(t, Token) and str(t) == "..." for t in c)
        return ast.ForExpr(intro[0], intro[1], intro[2], value, key, _cond(rest), grouping)


_INTRO_WORDS = {"for", "in", ",", ":"}


def _cond(rest: list[Any]) -> ast.Expr | None:
    return rest[0] if rest else None


def _combine(left: ast.Expr, op: str, right: ast.Expr) -> ast.Expr:
    """Repair the grammar's right-nesting: ``a || b ? x : y`` and ``a * b + c``."""
    if isinstance(right, ast.Conditional):
        return ast.Conditional(_combine(left, op, right.condition), right.then, right.otherwise)
    return _associate([*_flatten(left), op, *_flatten(right)])


@functools.cache
def _parser() -> Lark:
    return build(_Builder(STATE))


def parse_hcl(text: str, path: str) -> ast.ParsedFile:
    """Parse one ``.tf``/``.tfvars`` file; raises HclSyntaxError with line and column."""
    # The grammar needs a newline after the last attribute; a second one guarantees that the
    # lookahead after a heredoc (which swallows its own newline) is a real token.
    source = text.removeprefix("\ufeff").replace("\r\n", "\n") + "\n\n"
    s = STATE
    saved = s.enter()
    base = s.depth
    try:
        body = cast(ast.Body, _parser().parse(source))
        comments = tuple(s.comments)
        if s.suspect:
            check_depth(body, base)
    except UnexpectedInput as exc:
        line, column = (exc.line, exc.column) if exc.line > 0 else (1, 0)
        if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
            line, column = text.rstrip().count("\n") + 1, 0
        raise HclSyntaxError(_describe(exc), line, column) from None
    finally:
        s.leave(saved)
    return ast.ParsedFile(path, body, comments)


def parse_expression(text: str, line: int = 1, column: int = 0) -> ast.Expr:
    """Parse a lone expression (template interpolations, ``--var`` values, directives).

    ``line`` and ``column`` place ``text`` in its file (column 0: unknown), so that an error
    inside it names the file's line and column.
    """
    body = text.strip()
    lead = text[: len(text) - len(text.lstrip())]
    first_line = line + lead.count("\n")
    if "\n" in lead:
        first_column = len(lead) - lead.rfind("\n")
    else:
        first_column = column + len(lead) if column else 0
    try:
        parsed = parse_hcl("x = " + body + "\n", "<expression>")
    except HclSyntaxError as exc:
        shown = body if len(body) <= 60 else body[:60] + "..."
        message = f"{exc.reason} in expression {shown!r}"
        row, at = exc.line, exc.column
        if exc.reason == "unexpected end of file":  # the expression stops short: point at its end
            row = body.count("\n") + 1
            at = len(body) - body.rfind("\n") + (4 if row == 1 else 0)  # 4: "x = "
        if row == 1:  # on the line of "x = ": shift by the prefix and the placement
            at = first_column + at - 5 if first_column and at else 0
        raise HclSyntaxError(message, first_line + row - 1, at) from None
    return parsed.body.attributes["x"].expr


def _describe(exc: UnexpectedInput) -> str:
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        if token.type == "$END":
            return "unexpected end of file"
        text = str(token)
        if token.type == "NL_OR_COMMENT" and not text.strip():
            return "unexpected newline"
        if token.type in ("STRING_CHARS", "NL_OR_COMMENT"):
            text = text.strip()[0]  # the lexer's fallback swallowed more than the culprit
        shown = text if len(text) <= 40 else text[:40] + "..."
        return f"unexpected {shown!r}"
    if isinstance(exc, UnexpectedCharacters):
        return f"unexpected character {exc.char!r}"
    if isinstance(exc, UnexpectedEOF):
        return "unexpected end of file"
    return "syntax error"
