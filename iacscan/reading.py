"""Every file a scan opens goes through here: inside the scanned tree, regular, size-bounded.

A pull request decides what the scanned tree contains, so a path in it may be a symlink
leading out of the tree (to ``~/.aws/credentials``), a loop, a FIFO that blocks the first
read forever, or ``/dev/zero``. So before a byte is read: the path is resolved (following
symlinks, which therefore are followed only as far as they stay inside), the result must lie
under one of the roots (the scanned tree, or a root the user named on the command line), it
must be a regular file, and its size must be within the limit for its kind. The file is
then opened non-blocking and checked again on the open descriptor (the path may have been
swapped in between), and never more than the limit is read. Any refusal is a
:class:`Refused` whose message says why; callers turn it into a ``ScanError`` and go on.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

MIB = 1024 * 1024
MAX_FILE = 1 << 62  # no limit: only for a sniff of the first bytes


@dataclass(frozen=True)
class Limits:
    """Largest file read, in bytes, by kind (configurable through ``api.load``)."""

    source: int = 10 * MIB  # .tf, .tf.json, .tfvars, compose files, .env, modules.json
    plan: int = 200 * MIB  # terraform show -json output


DEFAULT_LIMITS = Limits()


class Refused(Exception):
    """A path that is not read; ``message`` says why (for a ScanError)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def size_text(size: int) -> str:
    return f"{size // MIB} MiB" if size >= MIB and size % MIB == 0 else f"{size} bytes"


def file_kind(mode: int) -> str:
    """What a non-regular file is, in the words a message should use."""
    kinds = (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def resolve(path: Path) -> Path:
    """The real path (symlinks followed); loops and dangling links are refused."""
    try:
        return path.resolve(strict=True)
    except RuntimeError:  # Python < 3.13 reports a symlink loop this way
        raise Refused("symlink loop, not read") from None
    except FileNotFoundError:
        if path.is_symlink():
            raise Refused("dangling symlink, not read") from None
        raise Refused("not found") from None
    except OSError as exc:
        if exc.errno == 40:  # ELOOP
            raise Refused("symlink loop, not read") from None
        raise Refused(f"cannot read: {exc.strerror or exc}") from None


class Tree:
    """The roots a scan may read under, and the size limits; one per scan."""

    def __init__(self, roots: Iterable[Path], limits: Limits = DEFAULT_LIMITS) -> None:
        self.roots = tuple(dict.fromkeys(_real(root) for root in roots))
        self.limits = limits
        self._prefixes = tuple(str(root).rstrip(os.sep) + os.sep for root in self.roots)

    def contains(self, resolved: Path) -> bool:
        text = str(resolved)
        return text in map(str, self.roots) or text.startswith(self._prefixes)

    def inside(self, path: Path) -> Path:
        """``path`` resolved; refused when it (or a symlink on the way) leads out."""
        resolved = resolve(path)
        if not self.contains(resolved):
            where = "through a symlink " if resolved != _absolute(path) else ""
            raise Refused(f"leads {where}outside the scanned tree, not read")
        return resolved

    def directory(self, path: Path) -> Path:
        """A directory to read (a module source, a compose project) inside the tree."""
        resolved = self.inside(path)
        if not resolved.is_dir():
            raise Refused("not a directory")
        return resolved

    def read(self, path: Path, limit: int | None = None) -> bytes:
        """The bytes of a regular file inside the tree, at most ``limit`` (default: source)."""
        return read_regular(self.inside(path), self.limits.source if limit is None else limit)

    def read_entry(self, directory: Path, name: str) -> bytes:
        """A source file listed in ``directory``, which is already resolved and inside: only
        a symlink needs resolving again (the common case costs one ``lstat``)."""
        path = directory / name
        try:
            is_link = stat.S_ISLNK(os.lstat(path).st_mode)
        except OSError as exc:
            raise Refused(f"cannot read: {exc.strerror or exc}") from None
        if is_link or not self.contains(directory):
            return self.read(path)
        return read_regular(path, self.limits.source)

    def read_text(self, path: Path, limit: int | None = None) -> str:
        return self.read(path, limit).decode("utf-8", errors="replace")


def read_regular(path: Path, limit: int, prefix: bool = False) -> bytes:
    """A regular file's bytes, checked before reading and again on the open descriptor;
    with ``prefix``, its first ``limit`` bytes (a sniff) instead of refusing a larger one."""
    if prefix:
        limit, cap = MAX_FILE, limit
    else:
        cap = limit
    try:
        info = os.stat(path)
        _check(info, limit)
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(path, flags | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        if exc.errno == 40:
            raise Refused("symlink loop, not read") from None
        raise Refused(f"cannot read: {exc.strerror or exc}") from None
    try:
        _check(os.fstat(fd), limit)  # swapped for a FIFO or grown since the stat
        chunks, total = [], 0
        while total <= cap:
            chunk = os.read(fd, min(cap + 1 - total, 4 * MIB))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise Refused(f"cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if prefix:
        return data[:cap]
    if total > limit:
        raise Refused(f"larger than {size_text(limit)}, not read")
    return data


def _check(info: os.stat_result, limit: int) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise Refused(f"{file_kind(info.st_mode)}, not read")
    if info.st_size > limit:
        raise Refused(f"larger than {size_text(limit)}, not read")


def _real(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return _absolute(path)


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(path))
