"""How load time and the exposure analysis grow with the number of workloads.

Usage: python benchmarks/scale_exposure.py [--sizes 100,1000,5000] [--profile N] [--top K]
                                          [--flow-graph]

For each N a synthetic tree (``synthetic_tree.py``) is written to a temporary directory, then
two phases are timed apart: loading (parse + evaluate + graph, one process, no parse cache,
empty environment) and the exposure analysis of every ``aws_instance`` node, on a fresh copy
of the graph so that no verdict or network memo survives from an earlier run. The "growth"
column is (analysis time ratio) / (N ratio) against the previous size: about 1 is linear, and
the goal is at most ~1.15 per doubling (2x N -> at most ~2.3x time, about N log N).
``--profile N`` runs cProfile over the analysis at size N and prints the top functions.
"view s" times the export view (``build_view``: every lateral flow, containment, verdicts)
and "searches s" the three breadth-first searches of export/ over it: the HTML viewer's
chains from the internet, ``--exposure-only``, and ``--focus`` (depth 2) on twenty instances.
``--flow-graph`` also times the alternative to ``chains.walk`` that a plain networkx search
would need: every lateral flow computed up front (``reachers`` of every workload) into a
DiGraph, then ``nx.multi_source_dijkstra_path`` (unit weights) from the exposed workloads.
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

import networkx as nx
from synthetic_tree import write_tree

from iacscan.api import load
from iacscan.export.html_panel import paths_from_internet
from iacscan.export.select import internet_reachable, neighbourhood
from iacscan.export.view import build_view
from iacscan.graph.facts import analyze
from iacscan.graph.network.lateral import reachers, workloads
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


def export_phase(graph: Any) -> tuple[float, float]:
    """Seconds for the view (every lateral flow included) and then for the export searches
    as one run of ``iacscan graph`` makes them: the HTML viewer's chains from the internet,
    ``--exposure-only``, and ``--focus`` (depth 2) on twenty instances."""
    start = time.process_time()
    view = build_view(analyze(graph))
    view_s = time.process_time() - start
    start = time.process_time()
    paths_from_internet(view.edges)
    internet_reachable(view.edges)
    for node in [n for n in view.nodes if n.type == "aws_instance"][:20]:
        neighbourhood(node.id, view.edges, 2)
    return view_s, time.process_time() - start


def flow_graph_phase(graph: Any) -> tuple[float, int]:
    """Seconds and flow count for "every flow first, then a networkx search" (the design
    ``chains.walk`` avoids), on fresh facts."""
    facts = analyze(graph)
    start = time.process_time()
    some = next(data["resource"] for _, data in graph.nodes(data=True))
    net = facts.network(some)
    exposed = [a for a, sure in facts.exposed_workloads(some.root).items() if sure]
    flows = nx.DiGraph()
    for target in workloads(net):
        flows.add_edges_from((f.source, target) for f in reachers(net, target))
    if exposed:
        flows.add_nodes_from(exposed)
        nx.multi_source_dijkstra_path(flows, set(exposed), cutoff=4)
    return time.process_time() - start, flows.number_of_edges()


def measure(n: int, profile: bool, top: int, flow_graph: bool = False) -> dict[str, Any]:
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
    view_s, search_s = export_phase(result.graph)
    if flow_graph:
        seconds, count = flow_graph_phase(result.graph)
        print(f"N={n}: flow graph + networkx search {seconds:.2f}s, {count} flows "
              f"(chains.walk: {lateral_s:.2f}s for every database)", file=sys.stderr)  # fmt: skip
    return {"n": n, "resources": len(result.resources), "load": load_s, "analysis": analysis_s,
            "verdicts": verdicts, "lateral": lateral_s, "chains": chains,
            "view": view_s, "searches": search_s}  # fmt: skip


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
                    row["chains"], lateral, f"{row['view']:.2f}",
                    f"{row['searches']:.2f}"))  # fmt: skip
    headers = ["N", "resources", "load s", "analysis s", "ms/workload", "verdicts", "growth",
               "lateral s", "chains", "lateral growth", "view s", "searches s"]  # fmt: skip
    return tabulate(out, headers=headers, disable_numparse=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,5000", help="comma-separated N values")
    parser.add_argument("--profile", type=int, help="cProfile the analysis at this N")
    parser.add_argument("--top", type=int, default=25, help="profile lines to print")
    parser.add_argument("--flow-graph", action="store_true", help="time the networkx alternative")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    rows = []
    for n in sizes:
        rows.append(measure(n, args.profile == n, args.top, args.flow_graph))
        print(f"N={n}: load {rows[-1]['load']:.2f}s, analysis {rows[-1]['analysis']:.2f}s",
              file=sys.stderr, flush=True)  # fmt: skip
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
