"""Filesystem functions: confined to the scanned tree."""

from __future__ import annotations

import base64
import contextvars
import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from iacscan.model.values import unknown_from
from iacscan.reading import Refused, read_regular
from iacscan.terraform.functions._core import (
    FunctionContext,
    FunctionError,
    _mapping,
    _NotStatic,
    _Spec,
    _string,
)

_TEMPLATE_DEPTH: contextvars.ContextVar[int] = contextvars.ContextVar("template_depth", default=0)
_MAX_FILE_BYTES = 64 * 1024 * 1024


def _inside_root(ctx: FunctionContext, path: Any) -> Path:
    """Resolve symlinks first, so that no link inside the tree can lead outside it."""
    text = _string(path)
    if text.startswith("~"):
        raise FunctionError(f"{text!r} is outside the scanned tree")
    candidate = Path(text)
    if not candidate.is_absolute():
        candidate = ctx.module_dir / candidate
    resolved = candidate.resolve()
    if not resolved.is_relative_to(ctx.root.resolve()):
        raise FunctionError(f"{text!r} is outside the scanned tree")
    return resolved


def _read_bytes(ctx: FunctionContext, path: Any) -> bytes:
    resolved = _inside_root(ctx, path)
    if not resolved.is_file():
        raise FunctionError(f"no file exists at {_string(path)!r}")
    if resolved.stat().st_size > _MAX_FILE_BYTES:
        raise _NotStatic("file too large to read during a scan")
    try:  # checked again on the open descriptor: a file swapped for a FIFO never blocks
        return read_regular(resolved, _MAX_FILE_BYTES)
    except Refused as refused:
        raise FunctionError(f"{_string(path)!r}: {refused.message}") from None


def _read_text(ctx: FunctionContext, path: Any) -> str:
    try:
        return _read_bytes(ctx, path).decode()
    except UnicodeDecodeError:
        raise FunctionError(f"contents of {_string(path)!r} are not valid UTF-8") from None


def _file(ctx: FunctionContext, path: Any) -> str:
    return _read_text(ctx, path)


def _filebase64(ctx: FunctionContext, path: Any) -> str:
    return base64.b64encode(_read_bytes(ctx, path)).decode("ascii")


def _fileexists(ctx: FunctionContext, path: Any) -> bool:
    resolved = _inside_root(ctx, path)
    if resolved.is_dir():
        raise FunctionError(f"{_string(path)!r} is a directory, not a file")
    return resolved.is_file()


def _file_hexdigest(algorithm: str) -> Callable[[FunctionContext, Any], str]:
    def digest(ctx: FunctionContext, path: Any) -> str:
        return hashlib.new(algorithm, _read_bytes(ctx, path)).hexdigest()

    return digest


def _file_b64digest(algorithm: str) -> Callable[[FunctionContext, Any], str]:
    def digest(ctx: FunctionContext, path: Any) -> str:
        raw = hashlib.new(algorithm, _read_bytes(ctx, path)).digest()
        return base64.b64encode(raw).decode("ascii")

    return digest


def _render(ctx: FunctionContext, name: str, template: str, variables: Any) -> Any:
    bindings = _mapping(variables, "vars")
    if ctx.render_template is None:
        return unknown_from(f"{name}() without a template renderer", bindings)
    if _TEMPLATE_DEPTH.get() > 0:
        raise FunctionError(f"cannot recursively call {name} from inside another template")
    token = _TEMPLATE_DEPTH.set(_TEMPLATE_DEPTH.get() + 1)
    try:
        return ctx.render_template(template, dict(bindings))
    finally:
        _TEMPLATE_DEPTH.reset(token)


def _templatefile(ctx: FunctionContext, path: Any, variables: Any) -> Any:
    return _render(ctx, "templatefile", _read_text(ctx, path), variables)


def _templatestring(ctx: FunctionContext, template: Any, variables: Any) -> Any:
    return _render(ctx, "templatestring", _string(template), variables)


def _clean(path: str) -> str:
    """Go's path.Clean (posixpath.normpath keeps a leading ``//``, Go does not)."""
    rooted = path.startswith("/")
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == ".." and parts and parts[-1] != "..":
            parts.pop()
        elif part != ".." or not rooted:
            parts.append(part)
    cleaned = "/".join(parts)
    return ("/" + cleaned) if rooted else (cleaned or ".")


def _basename(path: Any) -> str:
    text = _string(path)
    if text == "":
        return "."
    stripped = text.rstrip("/")
    return stripped.rsplit("/", 1)[-1] if stripped else "/"


def _dirname(path: Any) -> str:
    text = _string(path)
    return _clean(text[: text.rfind("/") + 1])


def _abspath(ctx: FunctionContext, path: Any) -> str:
    text = _string(path)
    if text.startswith("/"):
        return _clean(text)
    return _clean(f"{ctx.module_dir.absolute().as_posix()}/{text}")


def _pathexpand(path: Any) -> Any:
    text = _string(path)
    if text.startswith("~"):
        return unknown_from(
            "pathexpand() depends on the home directory of the machine running Terraform"
        )
    return text


def _glob_regex(pattern: str) -> str:
    """doublestar's syntax: ``**`` spans directories, ``{a,b}`` alternates, ``[..]`` classes."""
    out, pos = [], 0
    while pos < len(pattern):
        ch = pattern[pos]
        if pattern.startswith("**/", pos):
            out.append("(?:.*/)?")
            pos += 3
            continue
        if pattern.startswith("**", pos):
            out.append(".*")
            pos += 2
            continue
        pos, piece = _glob_piece(pattern, pos, ch)
        out.append(piece)
    return "".join(out)


def _glob_piece(pattern: str, pos: int, ch: str) -> tuple[int, str]:
    if ch == "*":
        return pos + 1, "[^/]*"
    if ch == "?":
        return pos + 1, "[^/]"
    if ch == "\\" and pos + 1 < len(pattern):
        return pos + 2, re.escape(pattern[pos + 1])
    if ch == "[":
        end = pattern.find("]", pos + 2)
        if end > 0:
            body = pattern[pos + 1 : end]
            negate = body[:1] == "^"  # doublestar as Terraform uses it: "!" is literal
            inner = re.escape(body[1:] if negate else body).replace("\\-", "-")
            return end + 1, f"[{'^/' if negate else ''}{inner}]"
    if ch == "{":
        end = pattern.find("}", pos)
        if end > 0:
            options = pattern[pos + 1 : end].split(",")
            return end + 1, "(?:" + "|".join(_glob_regex(o) for o in options) + ")"
    return pos + 1, re.escape(ch)


def _fileset(ctx: FunctionContext, path: Any, pattern: Any) -> list[str]:
    base = _inside_root(ctx, path)
    matcher = re.compile(_glob_regex(_string(pattern)))
    root = ctx.root.resolve()
    found: list[str] = []
    for directory, _dirs, files in os.walk(base):
        for name in files:
            full = Path(directory, name)
            relative = full.relative_to(base).as_posix()
            if matcher.fullmatch(relative) and full.resolve().is_relative_to(root):
                found.append(relative)
            if len(found) > 10_000:
                raise _NotStatic("fileset() matched too many files")
    return sorted(found)


FUNCTIONS: dict[str, _Spec] = {
    "abspath": _Spec(_abspath, 1, 1, ctx=True),
    "basename": _Spec(_basename, 1, 1),
    "dirname": _Spec(_dirname, 1, 1),
    "file": _Spec(_file, 1, 1, ctx=True),
    "filebase64": _Spec(_filebase64, 1, 1, ctx=True),
    "filebase64sha256": _Spec(_file_b64digest("sha256"), 1, 1, ctx=True),
    "filebase64sha512": _Spec(_file_b64digest("sha512"), 1, 1, ctx=True),
    "fileexists": _Spec(_fileexists, 1, 1, ctx=True),
    "filemd5": _Spec(_file_hexdigest("md5"), 1, 1, ctx=True),
    "fileset": _Spec(_fileset, 2, 2, ctx=True),
    "filesha1": _Spec(_file_hexdigest("sha1"), 1, 1, ctx=True),
    "filesha256": _Spec(_file_hexdigest("sha256"), 1, 1, ctx=True),
    "filesha512": _Spec(_file_hexdigest("sha512"), 1, 1, ctx=True),
    "pathexpand": _Spec(_pathexpand, 1, 1),
    "templatefile": _Spec(_templatefile, 2, 2, ctx=True),
    "templatestring": _Spec(_templatestring, 2, 2, ctx=True),
}
