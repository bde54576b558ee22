"""Content-addressed cache of parsed files, and parallel parsing on cold runs.

Parsing dominates a scan (python-hcl2 runs on a pure-Python LALR parser), while a pre-commit
run usually sees files it has parsed before: the key is a hash of the parser version and the
file's bytes, so an edited file is simply a new key and nothing ever needs invalidating.
The cache lives in the user's cache directory, which CI may restore from another branch:
it holds bytes in a data-only encoding the adapter supplies (never pickle), an entry is
read only when it is a regular file of bounded size, and any entry the adapter's decoder
does not accept is a miss and is written again. Data alone could still lie (a valid entry
with an empty body would hide a file's resources), so every entry is signed with a
per-user key kept outside the cache directory (``$XDG_STATE_HOME/iacscan/cache.key``): an
entry written elsewhere, damaged, or moved to another file's key is a miss. A cache
restored without that key is rewritten on first use, never trusted. Cold files parsed in
worker processes come back in the same encoding, so no deep syntax tree is ever pickled
between processes.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import os
import secrets
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

from iacscan.reading import MIB, Refused, read_regular

Progress = Callable[[int, int], None]
CACHE_VERSION = "iacscan-parse-7"  # 7: data-only entries (was pickle); parser accepts more
MAX_ENTRY = 256 * MIB
SIGNATURE = 32  # bytes of HMAC-SHA256 in front of every entry
PARALLEL_THRESHOLD = 48  # below this many cold files a process pool costs more than it saves


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "iacscan"


def default_key_file() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "state"
    )
    return Path(base) / "iacscan" / "cache.key"


def signing_key(path: Path) -> bytes:
    """The user's cache key, created (owner-only) on first use; a fresh key held in
    memory when it can be neither read nor created (the cache then only misses)."""
    for _ in range(2):
        try:
            key = read_regular(path, 64)
            if len(key) == 32:
                return key
        except Refused:
            pass
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            with contextlib.suppress(FileNotFoundError):
                if os.path.lexists(path):
                    os.unlink(path)  # damaged: replaced
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_bytes(32))
        except OSError:
            break
    return secrets.token_bytes(32)


class Codec(NamedTuple):
    """How an adapter parses, encodes and decodes one file. ``parse`` and ``encode`` must be
    module-level functions (they run in worker processes); ``decode`` returns None for
    anything ``encode`` would not have written."""

    parse: Callable[[str, str, bytes], Any]
    encode: Callable[[Any], bytes | None]
    decode: Callable[[bytes, str], Any | None]


class ParseCache:
    """Encoded parse results by content hash; ``directory=None`` disables it."""

    def __init__(self, directory: Path | None, key_file: Path | None = None) -> None:
        self.directory = directory / CACHE_VERSION if directory else None
        self.key_file = key_file
        self.hits = 0
        self.misses = 0
        self._secret: bytes | None = None

    def _sign(self, key: str, data: bytes) -> bytes:
        if self._secret is None:
            self._secret = signing_key(self.key_file or default_key_file())
        return hmac.new(self._secret, key.encode() + b"\0" + data, hashlib.sha256).digest()

    @staticmethod
    def key(kind: str, data: bytes) -> str:
        return hashlib.sha256(CACHE_VERSION.encode() + kind.encode() + b"\0" + data).hexdigest()

    def _path(self, key: str) -> Path | None:
        return self.directory / key[:2] / key[2:] if self.directory else None

    def get(self, key: str) -> bytes | None:
        """An entry's bytes; None when absent, not a regular file, too large, unreadable
        or not signed by this user's key for this very key."""
        path = self._path(key)
        if path is None:
            return None
        try:
            entry = read_regular(path, MAX_ENTRY)
        except Refused:
            return None
        data = entry[SIGNATURE:]
        return data if hmac.compare_digest(entry[:SIGNATURE], self._sign(key, data)) else None

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent)
            with os.fdopen(fd, "wb") as handle:
                handle.write(self._sign(key, data) + data)
            os.replace(tmp, path)  # atomic: concurrent scans never read half a file
        except OSError:
            pass  # a read-only or full cache directory must not fail the scan


def parse_all(
    jobs: list[tuple[str, str, bytes]],
    codec: Codec,
    cache: ParseCache,
    workers: int,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Parse ``(path, kind, data)`` jobs, from the cache where possible, else in parallel.

    ``progress(done, total)`` is told about every cold file parsed (the slow part).
    """
    results: dict[str, Any] = {}
    cold: list[tuple[str, str, bytes, str]] = []
    for path, kind, data in jobs:
        key = cache.key(kind, data)
        raw = cache.get(key)
        value = codec.decode(raw, path) if raw is not None else None
        if value is not None:
            cache.hits += 1
            results[path] = value
        else:
            cache.misses += 1
            cold.append((path, kind, data, key))
    if workers > 1 and len(cold) >= PARALLEL_THRESHOLD:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            columns = zip(*[(p, k, d) for p, k, d, _ in cold], strict=True)
            worker = functools.partial(_encoded, codec.parse, codec.encode)
            encoded = pool.map(worker, *columns, chunksize=8)
            _collect(
                (_decoded(codec, e, c) for e, c in zip(encoded, cold, strict=True)),
                cold,
                cache,
                results,
                progress,
            )
    else:
        _collect((_parsed(codec, p, k, d) for p, k, d, _ in cold), cold, cache, results, progress)
    return results


def _encoded(
    parse: Callable[[str, str, bytes], Any],
    encode: Callable[[Any], bytes | None],
    path: str,
    kind: str,
    data: bytes,
) -> bytes | None:
    """Worker side: the result travels back encoded (None: the parent parses it itself)."""
    return encode(parse(path, kind, data))


def _decoded(
    codec: Codec, encoded: bytes | None, job: tuple[str, str, bytes, str]
) -> tuple[Any, bytes | None]:
    path, kind, data, _ = job
    value = codec.decode(encoded, path) if encoded is not None else None
    return (value, encoded) if value is not None else (codec.parse(path, kind, data), None)


def _parsed(codec: Codec, path: str, kind: str, data: bytes) -> tuple[Any, bytes | None]:
    value = codec.parse(path, kind, data)
    return value, codec.encode(value)


def _collect(
    parsed: Iterable[tuple[Any, bytes | None]],
    cold: list[tuple[str, str, bytes, str]],
    cache: ParseCache,
    results: dict[str, Any],
    progress: Progress | None,
) -> None:
    for done, ((path, _, _, key), (value, encoded)) in enumerate(zip(cold, parsed, strict=True), 1):
        if encoded is not None:
            cache.put(key, encoded)
        results[path] = value
        if progress is not None:
            progress(done, len(cold))
