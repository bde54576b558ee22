"""The compiled HCL parser: python-hcl2's grammar, our overrides, HCL's newline rule, depth.

The grammar is python-hcl2's own file plus a few ``%override`` rules where it rejects what
Terraform accepts (checked against ``terraform console``): identifiers are any Unicode
letters, unary operators nest (``!!x``), interpolations in quoted strings take strip
markers (``"${~ x ~}"``), and a template directive in a quoted string is one token, so it
may hold quoted strings (``"%{ if x == "a" }y%{ endif }"``).

Newlines are the other gap. The grammar allows them only at fixed places, while HCL's rule
is contextual: inside parentheses, brackets, ``for`` expressions and interpolations newlines
(and line comments) mean nothing, and inline ``/* */`` comments mean nothing anywhere. The
``_Layout`` post-lexer applies that rule to the token stream, so the grammar never sees an
insignificant newline (``(a\\n || b)``, ``{ for k, v in m : k\\n => v }``). It also keeps
the token window for end lines, collects comments, and bounds nesting depth.

Building the LALR tables costs seconds; Lark's own cache would unpickle them from a
predictable name in the shared temp folder. Instead the tables are stored as JSON (data
only, nothing executable) in iacscan's cache directory, keyed by a hash of the grammar text
and Lark's version; anything unreadable there is ignored and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hcl2
import lark
from lark import Lark, Token
from lark.grammar import Rule
from lark.lexer import TerminalDef

from iacscan.model import Comment

GRAMMAR_FILE = os.path.join(os.path.dirname(hcl2.__file__), "hcl2.lark")
MAX_DEPTH = 100  # the corpus's deepest attribute reaches 29 (benchmarks/parse_corpus.py)
# A template inside a heredoc is parsed by a nested parse, some 30 Python frames deep: it
# counts as this many levels, so nested parses stay far from Python's recursion limit.
NESTED_PARSE_LEVELS = 10
# Operators and traversal steps in one expression without a separator: a chain this long
# would be deeper than MAX_DEPTH unless it mixes sub-chains, and re-associating it costs
# time quadratic in its length.
MAX_CHAIN = 1000

OVERRIDES = r"""
%override NAME : /(?!\d)[\w][\w-]*/
%override !unary_op : ("-" | "!") (expr_term | unary_op)
%override interpolation : "${" STRIP? expression STRIP? "}"
STRIP : "~"
%override string_part : STRING_CHARS | ESCAPED_INTERPOLATION | interpolation | DIRECTIVE
%override STRING_CHARS.1 : /(?:%%\{|(?!\$\$\{)(?!\$\{)(?!%\{)[^"\\]|\\.)+/
DIRECTIVE.1 : /%\{(?:[^}"]|"(?:[^"\\]|\\.)*")*\}/
"""

# Lark names anonymous terminals by order of appearance; tests/test_hcl_grammar.py checks
# that __ANON_0 is "${", __ANON_5 ".*" and __ANON_6 "[*]" in the pinned grammar.
_OPENERS = {"LPAR": "(", "LSQB": "[", "LBRACE": "{", "__ANON_0": "${"}
_CLOSERS = frozenset({"RPAR", "RSQB", "RBRACE"})
# Tokens that can nest an expression one level deeper without a bracket.
_CHAIN = frozenset({"BINARY_OP", "MINUS", "BANG", "QMARK", "DOT", "__ANON_5", "__ANON_6"})
_CONTINUED = _CHAIN | {"COLON"}  # the grammar lets an expression go on after a newline here
_SPECIAL = _CHAIN | _CLOSERS | _OPENERS.keys() | {"NL_OR_COMMENT", "COMMA", "FOR", "EQ"}


class HclSyntaxError(ValueError):
    """A file the grammar rejects; ``line`` and ``column`` are 1-based (column 0: unknown)."""

    def __init__(self, message: str, line: int, column: int = 0) -> None:
        super().__init__(f"{message} at column {column}" if column > 0 else message)
        self.reason = message
        self.line = line
        self.column = column


class ParseState:
    """Per-parse state shared by the post-lexer and the transformer (parses nest re-entrantly:
    a heredoc's interpolations are parsed while the enclosing file is)."""

    def __init__(self) -> None:
        self.previous: Token | None = None
        self.current: Token | None = None
        self.comments: list[Comment] = []
        self.depth = 0  # nesting depth at the current token, including enclosing parses
        self.suspect = False  # operator chains may exceed MAX_DEPTH: check the tree
        self.active = False  # a parse is running: a new one is nested in it

    def enter(self) -> tuple[Any, ...]:
        """Start a parse, nested or not; returns what ``leave`` restores."""
        saved = (self.previous, self.current, self.comments, self.depth, self.suspect, self.active)
        self.depth = self.depth + NESTED_PARSE_LEVELS if self.active else 0
        if self.depth > MAX_DEPTH:
            raise HclSyntaxError(f"templates nested deeper than {MAX_DEPTH} levels", 1)
        self.previous, self.current, self.comments = None, None, []
        self.suspect, self.active = False, True
        return saved

    def leave(self, saved: tuple[Any, ...]) -> None:
        self.previous, self.current, self.comments, self.depth, self.suspect, self.active = saved

    def last_line(self) -> int:
        """End line of the last token that belongs to the rule being reduced."""
        token = self.previous
        if token is None or not token.end_line:
            return 0
        return int(token.end_line) - (1 if token.endswith("\n") else 0)


STATE = ParseState()


class _Layout(lark.lark.PostLex):
    """HCL's newline rule over the token stream (see the module docstring)."""

    always_accept = ("NL_OR_COMMENT",)

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        state = STATE
        base = state.depth
        kinds = ["{"]  # the body: newlines end attributes
        chains = [0]  # per level: chain tokens since the last separator
        fresh = False  # only newlines since the last "{": a "for" here starts a for expression
        for token in stream:
            kind = token.type
            if kind not in _SPECIAL:  # most tokens: names, literals, string text
                fresh = False
            elif kind == "NL_OR_COMMENT":
                text = token.strip()
                if text:
                    state.comments.append(Comment(token.line or 0, text))
                    if text.startswith("/*"):
                        continue
                if kinds[-1] != "{":
                    continue
                if state.current is None or state.current.type not in _CONTINUED:
                    chains[-1] = 0  # a newline ends the expression, unless the grammar goes on
            elif kind in _OPENERS:
                kinds.append(_OPENERS[kind])
                chains.append(0)
                state.depth = base + len(kinds) - 1
                if state.depth > MAX_DEPTH:
                    raise _too_deep(token)
                fresh = kind == "LBRACE"
            elif kind in _CHAIN:
                chains[-1] += 1
                fresh = False
                if sum(chains) + len(kinds) + base > MAX_DEPTH:
                    state.suspect = True
                    if chains[-1] > MAX_CHAIN:
                        raise HclSyntaxError(
                            f"expression with more than {MAX_CHAIN} operators in a row",
                            token.line or 0,
                            token.column or 0,
                        )
            else:
                fresh = self._other(token, kinds, chains, fresh, state.current)
                state.depth = base + len(kinds) - 1
                if sum(chains) + len(kinds) + base > MAX_DEPTH:
                    state.suspect = True
            state.previous, state.current = state.current, token
            yield token

    @staticmethod
    def _other(
        token: Token, kinds: list[str], chains: list[int], fresh: bool, last: Token | None
    ) -> bool:
        """Closers, separators and the words that tell a for expression from an object."""
        kind = token.type
        if kind in _CLOSERS and len(kinds) > 1:
            kinds.pop()
            chains.pop()
            chains[-1] += 1  # a call or an index can be the start of a chain: f(x)[0][1]
        elif kind == "COMMA":
            chains[-1] = 0
        elif kind == "FOR" and fresh and kinds[-1] == "{":
            kinds[-1] = "for"
        elif kind == "EQ" and kinds[-1] == "for" and last is not None and last.type == "FOR":
            kinds[-1] = "{"  # an attribute named "for" in a block body
        return False


def _too_deep(token: Token) -> HclSyntaxError:
    return HclSyntaxError(
        f"nesting deeper than {MAX_DEPTH} levels", token.line or 0, token.column or 0
    )


def grammar_text() -> str:
    with open(GRAMMAR_FILE, encoding="utf-8") as handle:
        return handle.read() + OVERRIDES


def build(transformer: lark.Transformer) -> Lark:
    """The parser with our transformer and post-lexer, from stored tables when possible."""
    text = grammar_text()
    key = hashlib.sha256(f"{lark.__version__}\0{text}".encode()).hexdigest()[:24]
    path = _tables_dir() / f"hcl-tables-{key}.json"
    tables = _read_tables(path)
    if tables is not None:
        try:
            return _load(tables, transformer)
        except Exception:  # damaged tables, whatever the damage: rebuild them below
            pass
    parser = compile_grammar(text, transformer)
    _write_tables(path, parser)
    return parser


def compile_grammar(text: str, transformer: lark.Transformer) -> Lark:
    """Build the LALR tables from the grammar: seconds of CPU, hence the stored tables."""
    return Lark(text, parser="lalr", transformer=transformer, postlex=_Layout())


def _load(tables: dict[str, Any], transformer: lark.Transformer) -> Lark:
    parser = Lark.__new__(Lark)
    return parser._load(tables, transformer=transformer, postlex=_Layout())


def _tables_dir() -> Path:
    from iacscan.cache import default_cache_dir

    return default_cache_dir() / "grammar"


def _encode(value: Any) -> Any:
    """JSON keeps neither tuples nor non-string keys; the tables have both: tag them."""
    if isinstance(value, dict):
        return {"d": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {"t": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return None  # our transformer and post-lexer: given again when the tables are loaded


def _decode(tagged: dict[str, Any]) -> Any:
    if "d" in tagged:
        return dict(tagged["d"])
    return tuple(tagged["t"])


def _read_tables(path: Path) -> dict[str, Any] | None:
    try:
        with open(path, encoding="utf-8") as handle:
            tables = json.load(handle, object_hook=_decode)
    except (OSError, ValueError, TypeError, KeyError, RecursionError):
        return None
    return tables if isinstance(tables, dict) and {"data", "memo"} <= tables.keys() else None


def _write_tables(path: Path, parser: Lark) -> None:
    data, memo = parser.memo_serialize([TerminalDef, Rule])
    text = json.dumps(_encode({"data": data, "memo": memo}))
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False) as handle:
            handle.write(text)
        os.replace(handle.name, path)
    except OSError:
        pass  # a read-only cache directory only costs the build on every start


def check_depth(body: Any, base: int) -> None:
    """Exact depth of every expression, for files whose operator chains made it doubtful.

    The post-lexer bounds bracket depth exactly, but a chain like ``a.b.c`` or ``a + b + c``
    nests one level per operator, which its token count only over-estimates.
    """
    for attribute, depth in nesting(body, base):
        if depth > MAX_DEPTH:
            raise HclSyntaxError(
                f"expression nested deeper than {MAX_DEPTH} levels", attribute.line
            )


def nesting(body: Any, base: int = 0) -> Iterator[tuple[Any, int]]:
    """Every attribute with the nesting depth it reaches (blocks and brackets counted alike:
    ``a { x = [1] }`` reaches 2)."""
    bodies = [(body, base)]
    while bodies:
        current, level = bodies.pop()
        for attribute in current.attributes.values():
            yield attribute, _expr_depth(attribute.expr) - 1 + level  # a leaf adds no level
        bodies.extend((block.body, level + 1) for block in current.blocks)


def _expr_depth(expr: Any) -> int:
    deepest = 0
    pending = [(expr, 1)]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, tuple):
            pending.extend((item, depth) for item in node)
            continue
        slots = getattr(type(node), "__slots__", None)
        if not slots or isinstance(node, str):
            continue
        deepest = max(deepest, depth)
        pending.extend((getattr(node, name), depth + 1) for name in slots)
    return deepest
