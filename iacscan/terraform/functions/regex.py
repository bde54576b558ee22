"""RE2 on top of Python's re: translate Go syntax, refuse what RE2 refuses, and refuse
patterns whose backtracking could explode (RE2 is linear-time, Python's re is not).
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Iterator
from typing import Any

from iacscan.terraform.functions._backtracking import _backtracks_badly
from iacscan.terraform.functions._core import FunctionError, _NotStatic, _Spec, _string

_sre_parser: Any = importlib.import_module(
    "re._parser" if sys.version_info >= (3, 11) else "sre_parse"
)

_PERL_CLASSES = {"d": "0-9", "w": "0-9A-Za-z_", "s": "\\t\\n\\f\\r "}
_POSIX_CLASSES = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "ascii": "\\x00-\\x7f",
    "blank": "\\t ",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\v\\f\\r ",
    "upper": "A-Z",
    "word": "0-9A-Za-z_",
    "xdigit": "0-9A-Fa-f",
}
_WORD = "[0-9A-Za-z_]"
_BOUNDARY = f"(?:(?<={_WORD})(?!{_WORD})|(?<!{_WORD})(?={_WORD}))"
_NOT_BOUNDARY = f"(?:(?<={_WORD})(?={_WORD})|(?<!{_WORD})(?!{_WORD}))"
_SIMPLE_ESCAPES = {"b": _BOUNDARY, "B": _NOT_BOUNDARY, "z": r"\Z", "A": r"\A"}
_REPEAT_RE = re.compile(r"\{([0-9]+)(?:(,)([0-9]*))?\}")
_FLAG_GROUP_RE = re.compile(r"\(\?([imsU]*(?:-[imsU]*)?)([:)])")
_NAMED_GROUP_RE = re.compile(r"\(\?P?<([A-Za-z0-9_]+)>")
_RE2_CACHE: dict[str, re.Pattern[str]] = {}


class _Re2Translator:
    """One pass over an RE2 pattern, emitting the equivalent Python pattern."""

    def __init__(self, pattern: str) -> None:
        self.src = pattern
        self.pos = 0
        self.out: list[str] = []
        self.closers = [0]  # extra ")" owed per open group, for mid-group flag changes
        self.multiline = False
        self.ungreedy = False

    def translate(self) -> str:
        handler = {"\\": self._escape, "[": self._char_class, "(": self._open, ")": self._close}
        while self.pos < len(self.src):
            ch = self.src[self.pos]
            if ch in handler:
                handler[ch]()
            elif ch in "*+?{":
                self._quantifier()
            else:
                self.out.append(r"\Z" if ch == "$" and not self.multiline else ch)
                self.pos += 1
        self.out.append(")" * self.closers[0])
        return "".join(self.out)

    def _escape(self) -> None:
        if self.pos + 1 >= len(self.src):
            raise FunctionError("invalid regexp pattern: trailing backslash at end of expression")
        ch = self.src[self.pos + 1]
        if ch == "Q":
            end = self.src.find("\\E", self.pos + 2)
            stop = len(self.src) if end < 0 else end
            self.out.append(re.escape(self.src[self.pos + 2 : stop]))
            self.pos = stop + 2 if end >= 0 else stop
            return
        if ch in _PERL_CLASSES or ch.lower() in _PERL_CLASSES:
            negate = "^" if ch.isupper() else ""
            self.out.append(f"[{negate}{_PERL_CLASSES[ch.lower()]}]")
        elif ch in _SIMPLE_ESCAPES:
            self.out.append(_SIMPLE_ESCAPES[ch])
        else:
            self.out.append(self._literal_escape(ch))
            return
        self.pos += 2

    def _literal_escape(self, ch: str) -> str:
        """Escapes that denote one character; advances past them."""
        if ch in "pPC":
            raise _NotStatic("regular expression uses Unicode classes")
        if ch.isdigit():
            return self._octal()
        if ch == "x" and self.src.startswith("{", self.pos + 2):
            end = self.src.find("}", self.pos + 3)
            if end < 0:
                raise FunctionError("invalid regexp pattern: invalid escape sequence")
            code = int(self.src[self.pos + 3 : end], 16)
            self.pos = end + 1
            return re.escape(chr(code))
        if ch.isalnum() and ch not in "afnrtvx":
            raise FunctionError(f"invalid regexp pattern: invalid escape sequence: \\{ch}")
        self.pos += 2
        return "\\" + ch

    def _octal(self) -> str:
        digits = re.match(r"[0-7]{1,3}", self.src[self.pos + 1 :])
        text = digits.group(0) if digits else ""
        if not text or (text[0] != "0" and len(text) == 1):
            raise FunctionError("invalid regexp pattern: invalid escape sequence (backreference)")
        self.pos += 1 + len(text)
        return re.escape(chr(int(text, 8)))

    def _char_class(self) -> None:
        end, body = self._class_body(self.pos + 1)
        self.out.append(body)
        self.pos = end

    def _class_body(self, pos: int) -> tuple[int, str]:
        parts = ["["]
        if self.src.startswith("^", pos):
            parts.append("^")
            pos += 1
        first = True
        while pos < len(self.src) and (self.src[pos] != "]" or first):
            pos, piece = self._class_item(pos)
            parts.append(piece)
            first = False
        if pos >= len(self.src):
            raise FunctionError("invalid regexp pattern: missing closing ]")
        return pos + 1, "".join([*parts, "]"])

    def _class_item(self, pos: int) -> tuple[int, str]:
        ch = self.src[pos]
        if self.src.startswith("[:", pos):
            end = self.src.find(":]", pos + 2)
            name = self.src[pos + 2 : end] if end > 0 else ""
            if name in _POSIX_CLASSES:
                return end + 2, _POSIX_CLASSES[name]
            if name.startswith("^"):
                raise _NotStatic("regular expression uses a negated POSIX class")
        if ch != "\\":
            return pos + 1, "\\" + ch if ch in "[&~|" else ch
        nxt = self.src[pos + 1 : pos + 2]
        if nxt in _PERL_CLASSES:
            return pos + 2, _PERL_CLASSES[nxt]
        if nxt in ("D", "W", "S"):
            return pos + 2, "\\" + nxt
        saved, self.pos = self.pos, pos
        try:
            piece = self._literal_escape(nxt)
            return self.pos, piece
        finally:
            self.pos = saved

    def _open(self) -> None:
        rest = self.src[self.pos :]
        flag_group = _FLAG_GROUP_RE.match(rest)
        named = _NAMED_GROUP_RE.match(rest)
        if flag_group and flag_group.group(1):
            self._flags(flag_group)
        elif named:
            self.out.append(f"(?P<{named.group(1)}>")
            self.closers.append(0)
            self.pos += named.end()
        elif rest.startswith("(?:"):
            self.out.append("(?:")
            self.closers.append(0)
            self.pos += 3
        elif rest.startswith("(?"):
            raise FunctionError(
                f"invalid regexp pattern: invalid or unsupported Perl syntax: {rest[:3]!r}"
            )
        else:
            self.out.append("(")
            self.closers.append(0)
            self.pos += 1

    def _flags(self, match: re.Match[str]) -> None:
        flags, kind = match.group(1), match.group(2)
        enabled = flags.partition("-")[0]
        if "U" in flags:  # Python has no ungreedy flag: quantifiers get inverted instead
            self.ungreedy = "U" in enabled
            flags = flags.replace("U", "")
        if "m" in enabled:
            self.multiline = True
        self.out.append(f"(?{flags}:" if flags.strip("-") else "(?:")
        if kind == ":":
            self.closers.append(0)
        else:
            self.closers[-1] += 1  # the flags apply to the rest of the enclosing group
        self.pos += match.end()

    def _close(self) -> None:
        if len(self.closers) == 1:
            raise FunctionError("invalid regexp pattern: unexpected )")
        self.out.append(")" * self.closers.pop() + ")")
        self.pos += 1

    def _quantifier(self) -> None:
        ch = self.src[self.pos]
        if ch == "{":
            repeat = _REPEAT_RE.match(self.src, self.pos)
            if repeat is None:
                self.out.append("\\{")
                self.pos += 1
                return
            bounds = [int(n) for n in (repeat.group(1), repeat.group(3)) if n]
            if max(bounds) > 1000 or (len(bounds) == 2 and bounds[1] < bounds[0]):
                raise FunctionError("invalid regexp pattern: invalid repeat count")
            self.out.append(repeat.group(0))
            self.pos = repeat.end()
        else:
            self.out.append(ch)
            self.pos += 1
        lazy = self.src.startswith("?", self.pos)
        if lazy:
            self.pos += 1
        if lazy != self.ungreedy:
            self.out.append("?")
        following = self.src[self.pos : self.pos + 1]
        if following in ("*", "+") or (following == "{" and _REPEAT_RE.match(self.src, self.pos)):
            raise FunctionError("invalid regexp pattern: invalid nested repetition operator")


def _compile_re2(pattern: str) -> re.Pattern[str]:
    cached = _RE2_CACHE.get(pattern)
    if cached is not None:
        return cached
    translated = _Re2Translator(pattern).translate()
    try:
        tree = _sre_parser.parse(translated)
        compiled = re.compile(translated)
    except re.error as exc:
        raise FunctionError(f"invalid regexp pattern: {exc}") from None
    if compiled.groupindex and len(compiled.groupindex) != compiled.groups:
        raise FunctionError(
            "invalid regexp pattern: cannot mix both named and unnamed capture groups"
        )
    if _backtracks_badly(tree, False):
        raise _NotStatic("regular expression could backtrack catastrophically")
    if len(_RE2_CACHE) < 512:
        _RE2_CACHE[pattern] = compiled
    return compiled


def _go_matches(compiled: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """Go's allMatches: an empty match right after the previous match is skipped."""
    pos, previous_end = 0, -1
    while pos <= len(text):
        match = compiled.search(text, pos)
        if match is None:
            return
        accept = True
        if match.end() == pos:
            accept = match.start() != previous_end
            pos += 1
        else:
            pos = match.end()
        previous_end = match.end()
        if accept:
            yield match


# -- the regex functions, and the Go template expansion replace() uses -----------------------

_TEMPLATE_RE = re.compile(r"\$(?:\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))")


def _expand_template(match: re.Match[str], template: str) -> str:
    """Go's Regexp.Expand: ``$1``, ``${1}``, ``$name``; ``$1x`` names group "1x" (empty)."""

    def group(ref: re.Match[str]) -> str:
        if ref.group(0) == "$$":
            return "$"
        name = ref.group(1) or ref.group(2)
        try:
            found = match.group(int(name) if name.isdigit() else name)
        except IndexError:
            return ""
        return found or ""

    return _TEMPLATE_RE.sub(group, template)


def _regex_value(compiled: re.Pattern[str], match: re.Match[str]) -> Any:
    if compiled.groupindex:
        return {name: match.group(name) for name in compiled.groupindex}
    if compiled.groups:
        return list(match.groups())
    return match.group(0)


def _regex(pattern: Any, text: Any) -> Any:
    compiled = _compile_re2(_string(pattern))
    for match in _go_matches(compiled, _string(text)):
        return _regex_value(compiled, match)
    raise FunctionError("pattern did not match any part of the given string")


def _regexall(pattern: Any, text: Any) -> list[Any]:
    compiled = _compile_re2(_string(pattern))
    return [_regex_value(compiled, m) for m in _go_matches(compiled, _string(text))]


FUNCTIONS: dict[str, _Spec] = {
    "regex": _Spec(_regex, 2, 2),
    "regexall": _Spec(_regexall, 2, 2),
}
