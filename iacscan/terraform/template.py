"""String templates: interpolations, ``%{ if }``/``%{ for }`` directives, strip markers, heredocs.

python-hcl2's grammar hands quoted strings over as text pieces and interpolated expressions,
and heredocs (and JSON-syntax strings, and ``templatefile`` files) as raw text. Both end up
here as a list of segments (``str`` for text, an expression node for ``${...}``), from which
``build_template`` recognises directives and builds one Template node.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from iacscan.terraform import ast
from iacscan.terraform.hcl_grammar import MAX_DEPTH, HclSyntaxError

# The expression parser (``hcl.parse_expression``: text, line, column): templates hold
# expressions and expressions hold templates, so the HCL parser hands itself in here rather
# than this module importing it back (no import cycle between the two).
Parse = Callable[..., ast.Expr]

Segment = str | ast.Expr

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", re.DOTALL)
_OPEN_RE = re.compile(r"\$\$\{|%%\{|\$\{|%\{")
# A directive ends at the first "}" outside its quoted strings: %{ if x == "}" }.
_DIRECTIVE_RE = re.compile(r'%\{(~?)\s*((?:[^}"]|"(?:[^"\\]|\\.)*")*?)\s*(~?)\}', re.DOTALL)
_FOR_RE = re.compile(r"for\s+(\w+)(?:\s*,\s*(\w+))?\s+in\s+(.+)$", re.DOTALL)


class _Marker:
    """A directive or a strip request between text segments while a template is built."""

    def __init__(
        self, word: str, arg: str = "", strip_left: bool = False, strip_right: bool = False
    ):
        self.word, self.arg = word, arg
        self.strip_left, self.strip_right = strip_left, strip_right


def unescape(raw: str) -> str:
    """Apply HCL quoted-string escapes (``\\n``, ``\\"``, ``\\uNNNN``...).

    Raises ValueError where Terraform reports "Invalid escape sequence": an unknown escape
    letter, or a code point UTF-8 cannot encode (a surrogate, or beyond U+10FFFF).
    """
    if "\\" not in raw:
        return raw

    def repl(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "uU" and len(code) > 1:
            point = int(code[1:], 16)
            if point > 0x10FFFF or 0xD800 <= point <= 0xDFFF:
                raise ValueError(f"invalid escape sequence \\{code}: not a Unicode character")
            return chr(point)
        if code not in _ESCAPES:
            raise ValueError(f"invalid escape sequence \\{code}")
        return _ESCAPES[code]

    return _ESCAPE_RE.sub(repl, raw)


def stripped(expr: ast.Expr, left: bool, right: bool) -> list[object]:
    """An interpolation as template segments, with its ``~`` strip requests around it."""
    segments: list[object] = [_Marker("~", strip_left=True)] if left else []
    segments.append(expr)
    if right:
        segments.append(_Marker("~", strip_right=True))
    return segments


def heredoc_template(token: str, trim: bool, line: int, parse: Parse) -> ast.Expr:
    """A heredoc token (``<<EOT ... EOT`` or ``<<-EOT``) as a template.

    As in HCL, a heredoc's literal text is split at line ends: a strip marker only removes
    whitespace within its own line, and ``<<-`` then removes the common indentation from
    the lines that still begin a line after stripping (measured by Terraform's own output).
    """
    lines = token.split("\n")[1:-2]  # drop the opener, the closing marker and the final ""
    text = "".join(f"{x}\n" for x in lines)
    segments = scan_segments(text, line, parse, 1)
    per_line = [_strip(_split_all(pieces, line)) for pieces in _by_line(segments)]
    if trim:
        _trim_indent(per_line)
    return _finish([piece for pieces in per_line for piece in pieces], line, parse)


def _by_line(segments: list[object]) -> list[list[object]]:
    """Group segments into source lines; an interpolation may itself span several lines."""
    lines: list[list[object]] = [[]]
    for seg in segments:
        if not isinstance(seg, str):
            lines[-1].append(seg)
            continue
        for piece in seg.splitlines(keepends=True):
            lines[-1].append(piece)
            if piece.endswith("\n"):
                lines.append([])
    return [line for line in lines if line]


def _trim_indent(per_line: list[list[object]]) -> None:
    starts: list[int] = []
    previous_ends_line = True
    for i, pieces in enumerate(per_line):
        first = pieces[0] if pieces else ""
        if previous_ends_line and isinstance(first, str) and first.strip(" \t\n"):
            starts.append(i)
        elif previous_ends_line and isinstance(first, str) and len(pieces) > 1:
            starts.append(i)  # indentation before a directive or interpolation counts too
        last = pieces[-1] if pieces else "\n"
        previous_ends_line = isinstance(last, str) and last.endswith("\n")
    indents = [len(str(per_line[i][0])) - len(str(per_line[i][0]).lstrip(" \t")) for i in starts]
    cut = min(indents, default=0)
    for i in starts:
        per_line[i][0] = str(per_line[i][0])[cut:]


def scan_segments(text: str, line: int, parse: Parse, column: int = 0) -> list[object]:
    """Find ``${...}`` interpolations in raw text; directives stay text for build_template.

    ``text`` starts at ``line`` and ``column`` of its file (column 0: unknown).
    """
    segments: list[object] = []
    pos = 0
    for match in _OPEN_RE.finditer(text):
        start = match.start()
        if start < pos:
            continue
        opener = match.group()
        if opener in ("$${", "%%{"):
            segments.append(text[pos:start] + opener[1:])
            pos = match.end()
            continue
        end = _matching_brace(text, match.end(), line + text.count("\n", 0, start))
        if opener == "%{":  # directives are recognised later, from the text
            segments.append(text[pos : end + 1])
            pos = end + 1
            continue
        segments.append(text[pos:start])
        inner = text[match.end() : end]
        strip_left, strip_right = inner.startswith("~"), inner.endswith("~")
        inner = inner[1 if strip_left else 0 : len(inner) - 1 if strip_right else len(inner)]
        at = line + text.count("\n", 0, start)
        begin = match.end() + strip_left  # where ``inner`` starts in ``text``
        line_start = text.rfind("\n", 0, begin) + 1
        col = begin - line_start + 1 if line_start else (column + begin if column else 0)
        expr = parse(inner, at, col)
        segments.extend(stripped(expr, strip_left, strip_right))
        pos = end + 1
    segments.append(text[pos:])
    return segments


def _matching_brace(text: str, pos: int, line: int) -> int:
    """Index of the ``}`` closing an interpolation opened just before ``pos``."""
    depth, quote = 1, False
    while pos < len(text):
        ch = text[pos]
        if quote:
            if ch == "\\":
                pos += 1
            elif ch == '"':
                quote = False
        elif ch == '"':
            quote = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return pos
        pos += 1
    raise HclSyntaxError("unterminated template interpolation", line)


def parse_template(text: str, line: int, parse: Parse) -> ast.Expr:
    """A template from raw text (JSON-syntax strings, ``templatefile`` files)."""
    if "${" not in text and "%{" not in text:
        return ast.Literal(text)
    return build_template(scan_segments(text, line, parse), line, parse)


def build_template(segments: Sequence[object], line: int, parse: Parse) -> ast.Expr:
    """One Template (or Literal) from text and expression segments, directives resolved."""
    return _finish(_strip(_split_all(segments, line)), line, parse)


def _split_all(segments: Sequence[object], line: int) -> list[object]:
    pieces: list[object] = []
    for seg in segments:
        if isinstance(seg, str):
            pieces.extend(_split_directives(seg, line))
        else:
            pieces.append(seg)
    return pieces


def _finish(pieces: list[object], line: int, parse: Parse) -> ast.Expr:
    parts, stop = _nest(pieces, 0, line, (), parse)
    if stop < len(pieces):
        raise _error(f"unexpected %{{{_word(pieces[stop])}}}", line)
    return _to_expr(parts)


def _split_directives(text: str, line: int) -> list[object]:
    if "%{" not in text:
        return [text] if text else []
    out: list[object] = []
    pos = 0
    for m in _DIRECTIVE_RE.finditer(text):
        if m.start() > 0 and text[m.start() - 1] == "%":
            continue  # %%{ was an escape
        out.append(text[pos : m.start()])
        body = m.group(2)
        word = body.split(None, 1)[0] if body else ""
        out.append(_Marker(word, body, bool(m.group(1)), bool(m.group(3))))
        pos = m.end()
    out.append(text[pos:])
    return [p.replace("%%{", "%{") if isinstance(p, str) else p for p in out if p != ""]


def _strip(pieces: list[object]) -> list[object]:
    """Apply ``~`` strip markers to the neighbouring text, then forget them."""
    out = list(pieces)
    for i, piece in enumerate(out):
        if not isinstance(piece, _Marker):
            continue
        if piece.strip_left and i > 0 and isinstance(out[i - 1], str):
            out[i - 1] = str(out[i - 1]).rstrip()
        if piece.strip_right and i + 1 < len(out) and isinstance(out[i + 1], str):
            out[i + 1] = str(out[i + 1]).lstrip()
        piece.strip_left = piece.strip_right = False
    return [p for p in out if not (isinstance(p, _Marker) and p.word == "~") and p != ""]


def _word(piece: object) -> str:
    return piece.word if isinstance(piece, _Marker) else "?"


def _nest(
    pieces: list[object], pos: int, line: int, stops: tuple[str, ...], parse: Parse, depth: int = 0
) -> tuple[list, int]:
    """Parts up to one of ``stops``; returns them and the index of the stop marker."""
    if depth > MAX_DEPTH:
        raise _error(f"template directives nested deeper than {MAX_DEPTH} levels", line)
    parts: list[object] = []
    while pos < len(pieces):
        piece = pieces[pos]
        if not isinstance(piece, _Marker):
            parts.append(piece)
            pos += 1
            continue
        if piece.word in stops:
            return parts, pos
        if piece.word == "if":
            cond = parse(piece.arg[2:], line)
            then, pos = _nest(pieces, pos + 1, line, ("else", "endif"), parse, depth + 1)
            otherwise: list[object] = []
            if pos < len(pieces) and _word(pieces[pos]) == "else":
                otherwise, pos = _nest(pieces, pos + 1, line, ("endif",), parse, depth + 1)
            pos = _expect(pieces, pos, "endif", line)
            parts.append(ast.TemplateIf(cond, _as_template(then), _as_template(otherwise)))
        elif piece.word == "for":
            match = _FOR_RE.match(piece.arg)
            if not match:
                raise _error(f"malformed directive %{{{piece.arg}}}", line)
            first, second, coll = match.groups()
            body, pos = _nest(pieces, pos + 1, line, ("endfor",), parse, depth + 1)
            pos = _expect(pieces, pos, "endfor", line)
            key, value = (first, second) if second else (None, first)
            collection = parse(coll, line)
            parts.append(ast.TemplateFor(key, value, collection, _as_template(body)))
        else:
            return parts, pos
    return parts, pos


def _expect(pieces: list[object], pos: int, word: str, line: int) -> int:
    if pos >= len(pieces) or _word(pieces[pos]) != word:
        raise _error(f"missing %{{{word}}}", line)
    return pos + 1


def _as_template(parts: list[object]) -> ast.Template:
    return ast.Template(tuple(p for p in parts if p != ""))  # type: ignore[misc]


def _to_expr(parts: list[object]) -> ast.Expr:
    merged: list[object] = []
    for part in parts:
        if part == "":
            continue
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] = str(merged[-1]) + part
        else:
            merged.append(part)
    if not merged:
        return ast.Literal("")
    if len(merged) == 1 and isinstance(merged[0], str):
        return ast.Literal(merged[0])
    return ast.Template(tuple(merged))  # type: ignore[arg-type]


def _error(message: str, line: int) -> Exception:
    return HclSyntaxError(message, line)
