"""Time rule evaluation alone over a loaded tree: total and the costliest rules.

Usage: python benchmarks/rule_cost.py [TREE] [--top N] [--rules GLOB] [--repeat N]

Loads the tree once (parse cache on), then evaluates every selected rule on its own
``--repeat`` times and reports the best wall time per rule, so a new rule's cost on a real
tree shows next to the others'. Figures go into the notes; tests never assert timings.
"""

from __future__ import annotations

import argparse
import fnmatch
import sys
import time
from pathlib import Path

from iacscan.api import load
from iacscan.rules.engine import run_rules
from iacscan.rules.loader import load_rules


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", nargs="?", default="../shared/corpus")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--rules", default="*", help="rule id glob")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    tree = Path(args.tree)
    if not tree.exists():
        print(f"no such tree: {tree}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    loaded = load([tree], environ={})
    print(f"load: {time.perf_counter() - started:.2f} s, {len(loaded.resources)} resources")
    rules = [r for r in load_rules() if fnmatch.fnmatchcase(r.id, args.rules)]
    costs = []
    for rule in rules:
        best = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            result = run_rules([rule], loaded.resources, loaded.graph)
            best = min(best, time.perf_counter() - start)
        costs.append((best, rule.id, len(result.findings)))
    total = sum(c for c, _, _ in costs)
    print(f"rules: {len(rules)}, evaluation {total * 1000:.1f} ms (sum of best per rule)")
    for cost, rule_id, found in sorted(costs, reverse=True)[: args.top]:
        print(f"  {rule_id:<22} {cost * 1000:8.1f} ms  {found:5d} findings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
