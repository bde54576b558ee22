"""Warm-cache speed: how long reading every parsed file back from the parse cache takes.

Usage: python benchmarks/cache_speed.py [TREE] [--rounds N]

Warms a private cache directory (a temporary one) with one cold parse of TREE, then times
``rounds`` warm parses (every file a cache hit) and one warm full load (parse + evaluation +
graph), in CPU seconds of this process. Reports the best warm round, the median, the
cache's size on disk and its hit count.
The warm parse is what a data-only cache encoding costs compared to the old pickle one.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from iacscan.api import load, scan_root
from iacscan.cache import ParseCache
from iacscan.terraform.loader import TerraformLoader, discover


def _warm_parse(tree: Path, cache_dir: Path) -> tuple[float, int]:
    directories = sorted(discover(tree))
    cache = ParseCache(cache_dir)
    loader = TerraformLoader(scan_root([tree]), cache, 1, environ={})
    start = time.process_time()  # CPU time: a shared machine's load skews wall time
    loader.prepare(directories)
    return time.process_time() - start, cache.hits


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", nargs="?", default="../shared/corpus")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    tree = Path(args.tree)
    if not tree.exists():
        print(f"no such tree: {tree}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        cache_dir = Path(tmp)
        cold, _ = _warm_parse(tree, cache_dir)
        rounds = [_warm_parse(tree, cache_dir) for _ in range(args.rounds)]
        start = time.process_time()
        load([tree], cache_dir=cache_dir, environ={}, jobs=1)
        full = time.process_time() - start
        size = sum(p.stat().st_size for p in cache_dir.rglob("*") if p.is_file())
    times = [t for t, _ in rounds]
    print(f"tree               {tree}")
    print(f"cold parse         {cold:.2f} s CPU")
    print(f"warm parse best    {min(times):.3f} s  median {statistics.median(times):.3f} s CPU")
    print(f"warm hits          {rounds[-1][1]}")
    print(f"warm full load     {full:.2f} s CPU")
    print(f"cache size         {size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
