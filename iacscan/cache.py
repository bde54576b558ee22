"""Content-addressed cache of parsed files, and parallel parsing on cold runs.

Parsing dominates a scan (python-hcl2 runs on a pure-Python LALR parser), while a pre-commit
run usually sees files it has parsed before: the key is a hash of the parser version and the
file's bytes, so an edited file is simply a new key and nothing ever needs invalidating.
The cache holds only our own syntax trees and lives in the user's cache directory.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

Progress = Callable[[int, int], None]
CACHE_VERSION = "iacscan-parse-6"  # 6: parser accepts more, new errors (issue 12)
PARALLEL_THRESHOLD = 48  # below this many cold files a process pool costs more than it saves


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "iacscan"


class ParseCache:
    """Pickled parse results by content hash; ``directory=None`` disables it."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory / CACHE_VERSION if directory else None
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(kind: str, data: bytes) -> str:
        return hashlib.sha256(CACHE_VERSION.encode() + kind.encode() + b"\0" + data).hexdigest()

    def _path(self, key: str) -> Path | None:
        return self.directory / key[:2] / key[2:] if self.directory else None

    def get(self, key: str) -> Any | None:
        path = self._path(key)
        if path is None:
            return None
        try:
            with path.open("rb") as handle:
                value = pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, key: str, value: Any) -> None:
        path = self._path(key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent)
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)  # atomic: concurrent scans never read half a file
        except OSError:
            pass  # a read-only or full cache directory must not fail the scan


def parse_all(
    jobs: list[tuple[str, str, bytes]],
    parse: Callable[[str, str, bytes], Any],
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
        hit = cache.get(key)
        if hit is not None:
            results[path] = hit
        else:
            cold.append((path, kind, data, key))
    if workers > 1 and len(cold) >= PARALLEL_THRESHOLD:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            columns = zip(*[(p, k, d) for p, k, d, _ in cold], strict=True)
            _collect(pool.map(parse, *columns, chunksize=8), cold, cache, results, progress)
    else:
        _collect((parse(p, k, d) for p, k, d, _ in cold), cold, cache, results, progress)
    return results


def _collect(
    parsed: Iterable[Any],
    cold: list[tuple[str, str, bytes, str]],
    cache: ParseCache,
    results: dict[str, Any],
    progress: Progress | None,
) -> None:
    for done, ((path, _, _, key), value) in enumerate(zip(cold, parsed, strict=True), 1):
        cache.put(key, value)
        results[path] = value
        if progress is not None:
            progress(done, len(cold))
