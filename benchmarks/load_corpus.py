"""Load every Terraform module under a tree and report speed, counts and failures.

Usage: python benchmarks/load_corpus.py [TREE] [--jobs N] [--cache]

Measures, on one process unless --jobs says otherwise and with the parse cache off unless
--cache is given: files/s, resources found, parse and evaluation failures (listed), and how
much evaluation plus graph building adds on top of parsing. Figures go into the notes; tests
never assert timings.
"""

from __future__ import annotations

import argparse
import collections
import resource
import sys
import time
from pathlib import Path

from iacscan.api import scan_root
from iacscan.cache import ParseCache
from iacscan.graph.builder import build_graph
from iacscan.terraform.loader import TerraformLoader, discover


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", nargs="?", default="../shared/corpus")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--cache", action="store_true", help="use (and warm) the parse cache")
    parser.add_argument("--errors", type=int, default=60, help="how many errors to list")
    args = parser.parse_args()
    tree = Path(args.tree)
    if not tree.exists():
        print(f"no such tree: {tree}", file=sys.stderr)
        return 2
    directories = sorted(discover(tree))
    root = scan_root([tree])
    cache = ParseCache(Path.home() / ".cache" / "iacscan" if args.cache else None)
    loader = TerraformLoader(root, cache, args.jobs, environ={})

    t0, c0 = time.perf_counter(), time.process_time()
    loader.prepare(directories)
    t_parse, c_parse = time.perf_counter() - t0, time.process_time() - c0

    t1, c1 = time.perf_counter(), time.process_time()
    result = loader.load(directories)  # configs are already parsed: this is evaluation only
    t_eval, c_eval = time.perf_counter() - t1, time.process_time() - c1

    t2 = time.perf_counter()
    graph = build_graph(sorted(result.resources, key=lambda r: (r.root, r.address)))
    t_graph = time.perf_counter() - t2

    files = len(result.files)
    nbytes = sum((root / f).stat().st_size for f in result.files if (root / f).exists())
    kinds = collections.Counter(e.kind for e in result.errors)
    print(f"tree              {tree}")
    print(f"module dirs       {len(directories)} ({len(result.roots)} roots)")
    print(f"files             {files} ({nbytes / 1e6:.1f} MB)")
    print(
        f"parse             {t_parse:.2f} s wall, {c_parse:.2f} s cpu "
        f"(jobs={args.jobs}, cache hits {cache.hits})"
    )
    print(f"  files/s         {files / t_parse:.0f}")
    print(f"evaluate          {t_eval:.2f} s wall, {c_eval:.2f} s cpu")
    print(
        f"graph             {t_graph:.2f} s "
        f"({graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges)"
    )
    overhead = (t_eval + t_graph) / t_parse * 100 if t_parse else 0.0
    print(f"eval+graph / parse {overhead:.1f} %")
    print(f"resources         {len(result.resources)}")
    print(f"errors            {len(result.errors)} {dict(sorted(kinds.items()))}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS          {peak:.0f} MB")
    for error in sorted(result.errors)[: args.errors]:
        print(f"  [{error.kind}] {error.file}:{error.line}: {error.message[:160]}")
    if len(result.errors) > args.errors:
        print(f"  ... {len(result.errors) - args.errors} more")
    return 0


if __name__ == "__main__":
    sys.exit(main())
