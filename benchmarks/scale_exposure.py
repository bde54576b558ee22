"""How load time and the exposure analysis grow with the number of workloads.

Usage: python benchmarks/scale_exposure.py [--sizes 100,1000,5000] [--profile N] [--top K]

For each N a synthetic tree (``synthetic_tree.py``) is written to a temporary directory, then
two phases are timed apart: loading (parse + evaluate + graph, one process, no parse cache,
empty environment) and the exposure analysis of every ``aws_instance`` node, on a fresh copy
of the graph so that no verdict or network memo survives from an earlier run. The "growth"
column is (analysis time ratio) / (N ratio) against the previous size: about 1 is linear, and
the goal is at most ~1.15 per doubling (2x N -> at most ~2.3x time, about N log N).
``--profile N`` runs cProfile over the analysis at size N and prints the top functions.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tabulate import tabulate

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic_tree import write_tree

from iacscan.api import load
from iacscan.graph.facts import analyze
from iacscan.rules.conditions import Subject
from iacscan.rules.exposure_checks import lateral_exposure


def analyse(graph: Any) -> tuple[float, int, float, int]:
    """Seconds for the exposure of every instance, from a cold memo, and the verdict count;
    then seconds for the lateral check of every database (the exposure memo kept, as in a
    scan, where the exposure rules run first) and the number of chains found."""
    fresh = analyze(graph)  # a new Facts: no network or verdict survives an earlier run
    nodes = [n for n, data in graph.nodes(data=True) if data["resource"].type == "aws_instance"]
    start = time.process_time()
    verdicts = sum(len(fresh.exposure(node)) for node in nodes)
    exposure_s = time.process_time() - start
    stores = [n for n, d in graph.nodes(data=True) if d["resource"].type == "aws_db_instance"]
    start = time.process_time()
    chains = 0
    for node in stores:
        subject = Subject(node, "aws_db_instance", graph.nodes[node]["resource"].attrs, node)
        chains += lateral_exposure(subject, fresh, {"max_hops": 4}).value.value != 0
    return exposure_s, verdicts, time.process_time() - start, chains


def measure(n: int, profile: bool, top: int) -> dict[str, Any]:
    """Write, load and analyse the tree of size ``n``."""
    with tempfile.TemporaryDirectory(prefix=f"iacscan-scale-{n}-") as tmp:
        write_tree(n, Path(tmp))
        start = time.process_time()
        result = load([tmp], use_cache=False, jobs=1, environ={})
        load_s = time.process_time() - start
    if result.errors:
        print(f"N={n}: {len(result.errors)} load errors, first: {result.errors[0]}")
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    analysis_s, verdicts, lateral_s, chains = analyse(result.graph)
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(top)
    return {"n": n, "resources": len(result.resources), "load": load_s, "analysis": analysis_s,
            "verdicts": verdicts, "lateral": lateral_s, "chains": chains}  # fmt: skip


def table(rows: list[dict[str, Any]]) -> str:
    """One line per size; growth compares the analysis with the previous size."""
    out = []
    for before, row in zip([None, *rows], rows, strict=False):
        growth = "-"
        if before is not None and before["analysis"] > 0:
            ratio = (row["analysis"] / before["analysis"]) / (row["n"] / before["n"])
            growth = f"{ratio:.2f}"
        per = 1000 * row["analysis"] / row["n"]
        lateral = "-"
        if before is not None and before["lateral"] > 0:
            lateral = f"{(row['lateral'] / before['lateral']) / (row['n'] / before['n']):.2f}"
        out.append((row["n"], row["resources"], f"{row['load']:.2f}", f"{row['analysis']:.2f}",
                    f"{per:.2f}", row["verdicts"], growth, f"{row['lateral']:.2f}",
                    row["chains"], lateral))  # fmt: skip
    headers = ["N", "resources", "load s", "analysis s", "ms/workload", "verdicts",
               "growth", "lateral s", "chains", "lateral growth"]  # fmt: skip
    return tabulate(out, headers=headers, disable_numparse=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,5000", help="comma-separated N values")
    parser.add_argument("--profile", type=int, help="cProfile the analysis at this N")
    parser.add_argument("--top", type=int, default=25, help="profile lines to print")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    rows = []
    for n in sizes:
        rows.append(measure(n, args.profile == n, args.top))
        print(f"N={n}: load {rows[-1]['load']:.2f}s, analysis {rows[-1]['analysis']:.2f}s",
              file=sys.stderr, flush=True)  # fmt: skip
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
