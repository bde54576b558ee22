"""Regular expressions with Terraform's engine: RE2, linear in the length of the text.

Terraform compiles patterns with Go's ``regexp`` package, whose syntax and leftmost-first
semantics are RE2's. We hand patterns to the RE2 library itself (``google-re2``) and work
on UTF-8 bytes, as Go does, so offsets and empty matches advance exactly like Go's
``allMatches``. What Go rejects and RE2 accepts is refused before compiling (``\\C``), and
RE2's error texts are reworded to Go's. Differences that remain, all in patterns Terraform
rejects anyway: a repeated group name is reported as mixing named and unnamed groups, and
nesting deeper than RE2's limit (1,000) gives RE2's wording.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

import re2

from iacscan.terraform.budget import LIMITS, BudgetExceeded
from iacscan.terraform.functions._core import FunctionError, _Spec, _string

_UNANCHORED = re2._Anchor.UNANCHORED
_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # RE2 would print every rejected pattern on stderr
_RE2_CACHE: dict[str, _Compiled] = {}
_GO_WORDING = (  # RE2's error text -> the words of Go's regexp/syntax errors
    ("missing ]", "missing closing ]"),
    ("missing )", "missing closing )"),
    ("bad repetition operator", "invalid nested repetition operator"),
    ("invalid repetition size", "invalid repeat count"),
    ("invalid perl operator", "invalid or unsupported Perl syntax"),
    ("trailing \\", "trailing backslash at end of expression"),
    ("pattern too large - compile failed", "expression too large"),
)
_GO_ONLY_ESCAPE = re.compile(r"\\Q.*?(?:\\E|$)|\\(.)", re.DOTALL)


@dataclass(frozen=True)
class _Compiled:
    regexp: Any  # re2._Regexp over bytes
    groups: int
    names: dict[str, int]  # first group of each name, as Go's Expand looks them up
    labels: tuple[str, ...]  # the name of every group in order ("" unnamed), as Go's SubexpNames


class _Match(NamedTuple):
    """One match, its groups decoded back to text (None: the group did not take part)."""

    start: int  # byte offsets into the UTF-8 text
    end: int
    groups: tuple[str | None, ...]  # index 0 is the whole match


def _utf8(text: str) -> bytes:
    """UTF-8 as Go sees it; a lone surrogate (not valid Unicode) becomes U+FFFD."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        repaired = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        return repaired.encode("utf-8")


def _go_error(message: str) -> str:
    """``missing ]: [a-`` -> ``missing closing ] in [a-``, as Terraform words it."""
    for re2_words, go_words in _GO_WORDING:
        if message.startswith(re2_words):
            message = go_words + message[len(re2_words) :]
    code, _, where = message.partition(": ")
    return f"{code} in {where}" if where else code


_GROUP_OPEN = re.compile(
    r"\\Q.*?(?:\\E|$)|\\.|\[(?:\^?\])?(?:\[:[^\]]*:\]|\\.|[^\]])*\]|\((\?P?<(\w+)>|\?)?", re.DOTALL
)


def _group_labels(pattern: str) -> tuple[str, ...]:
    """Names of the capturing groups in order ("" for unnamed); RE2 keeps only the first."""
    labels = []
    for token in _GROUP_OPEN.finditer(pattern):
        if token.group(0).startswith("(") and token.group(1) != "?":
            labels.append(token.group(2) or "")
    return tuple(labels)


def _refuse_go_rejects(pattern: str) -> None:
    for escape in _GO_ONLY_ESCAPE.finditer(pattern):
        if escape.group(1) == "C":  # RE2's "any byte"; Go has no such escape
            raise FunctionError("invalid regexp pattern: invalid escape sequence in \\C")


def _compile_re2(pattern: str) -> _Compiled:
    cached = _RE2_CACHE.get(pattern)
    if cached is not None:
        return cached
    _refuse_go_rejects(pattern)
    try:
        regexp = re2.compile(_utf8(pattern), _OPTIONS)
    except re2.error as exc:
        text = exc.args[0].decode("utf-8", "replace") if exc.args else "invalid pattern"
        raise FunctionError(f"invalid regexp pattern: {_go_error(text)}") from None
    names = {_name(k): v for k, v in regexp.groupindex.items()}
    labels = _group_labels(pattern)
    if len(labels) != regexp.groups:  # the scan misread the pattern: RE2's view, no repeats
        by_index = {index: name for name, index in names.items()}
        labels = tuple(by_index.get(i, "") for i in range(1, regexp.groups + 1))
    if names and not all(labels):
        raise FunctionError(
            "invalid regexp pattern: cannot mix both named and unnamed capture groups"
        )
    compiled = _Compiled(regexp, regexp.groups, names, labels)
    if len(_RE2_CACHE) < 512:
        _RE2_CACHE[pattern] = compiled
    return compiled


def _name(key: str | bytes) -> str:
    return key.decode("utf-8") if isinstance(key, bytes) else key


def _rune_width(data: bytes, pos: int) -> int:
    """Bytes of the UTF-8 sequence starting at ``pos`` (1 past the end, as Go steps)."""
    if pos >= len(data):
        return 1
    lead = data[pos]
    return 1 if lead < 0xC0 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def _go_matches(compiled: _Compiled, data: bytes, what: str) -> Iterator[_Match]:
    """Go's allMatches: an empty match right after the previous match is skipped.

    RE2's own matcher is called directly (its Python ``search`` wrapper costs several times
    the match itself), and the number of matches has a budget: each costs microseconds.
    """
    match, size = compiled.regexp._regexp.Match, len(data)
    pos, previous_end, count = 0, -1, 0
    while pos <= size:
        spans = match(_UNANCHORED, data, pos, size)
        start, end = spans[0]
        if start < 0:
            return
        accept = True
        if end == pos:
            accept = start != previous_end
            pos += _rune_width(data, pos)
        else:
            pos = end
        previous_end = end
        if accept:
            count += 1
            if count > LIMITS.matches:
                raise BudgetExceeded(f"{what} with over {LIMITS.matches:,} matches")
            groups = tuple(None if s < 0 else _decode(data[s:e]) for s, e in spans)
            yield _Match(start, end, groups)


# -- the regex functions, and the Go template expansion replace() uses -----------------------

_TEMPLATE_RE = re.compile(r"\$(?:\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))")


def _expand_template(compiled: _Compiled, match: _Match, template: str) -> str:
    """Go's Regexp.Expand: ``$1``, ``${1}``, ``$name``; ``$1x`` names group "1x" (empty)."""

    def group(ref: re.Match[str]) -> str:
        if ref.group(0) == "$$":
            return "$"
        name = ref.group(1) or ref.group(2)
        index = int(name) if name.isdigit() else compiled.names.get(name, -1)
        found = match.groups[index] if 0 <= index < len(match.groups) else None
        return found or ""

    return _TEMPLATE_RE.sub(group, template)


def replace_regex(text: str, pattern: str, replacement: str) -> str:
    """``replace`` with a ``/pattern/``: every match replaced, the result size-bounded."""
    compiled = _compile_re2(pattern)
    data = _utf8(text)
    pieces: list[str] = []
    last, size = 0, 0
    for match in _go_matches(compiled, data, "replace()"):
        piece = _expand_template(compiled, match, replacement)
        pieces += [_decode(data[last : match.start]), piece]
        size += match.start - last + len(piece)
        if size > LIMITS.string:
            raise BudgetExceeded(f"replace() result over {LIMITS.string:,} characters")
        last = match.end
    pieces.append(_decode(data[last:]))
    return "".join(pieces)


def _regex_value(compiled: _Compiled, match: _Match) -> Any:
    if compiled.names:  # a repeated name takes its last group's value, as in Go
        return {name: match.groups[i] for i, name in enumerate(compiled.labels, 1)}
    if compiled.groups:
        return list(match.groups[1:])
    return match.groups[0]


def _regex(pattern: Any, text: Any) -> Any:
    compiled = _compile_re2(_string(pattern))
    for match in _go_matches(compiled, _utf8(_string(text)), "regex()"):
        return _regex_value(compiled, match)
    raise FunctionError("pattern did not match any part of the given string")


def _regexall(pattern: Any, text: Any) -> list[Any]:
    compiled = _compile_re2(_string(pattern))
    matches = _go_matches(compiled, _utf8(_string(text)), "regexall()")
    return [_regex_value(compiled, m) for m in matches]


FUNCTIONS: dict[str, _Spec] = {
    "regex": _Spec(_regex, 2, 2),
    "regexall": _Spec(_regexall, 2, 2),
}
