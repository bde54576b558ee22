"""What the gate's own steps cost on a tree (default: the shared corpus).

The input contract walks every named directory to refuse one that holds nothing to scan, and
de-duplication re-reads every finding; both run on every pre-commit invocation, so they must
stay small next to the scan itself. Prints CPU seconds of each step and of a warm
``iacscan scan`` over the same tree, and the warning/error counts of that scan.

    python benchmarks/gate_overhead.py [TREE]
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from iacscan.api import refusal, scan_root
from iacscan.rules.dedupe import dedupe
from iacscan.scan import ScanOptions, scan


def cpu(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.process_time()
    value = action()
    return time.process_time() - start, value


def main() -> None:
    tree = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/corpus")
    paths = sorted(p for p in tree.iterdir() if p.is_dir())
    root = scan_root(paths)
    seconds, refused = cpu(lambda: [refusal(p, root) for p in [tree, *paths]])
    print(
        f"input contract: {len(paths) + 1} directories checked in {seconds:.3f} s CPU, "
        f"{sum(r is not None for r in refused)} refused"
    )
    scan([tree], ScanOptions(jobs=1))  # fill the parse cache
    seconds, result = cpu(lambda: scan([tree], ScanOptions(jobs=1)))
    print(f"warm scan: {seconds:.2f} s CPU")
    every = result.findings + result.undetermined + result.suppressed + result.baselined
    took, _ = cpu(lambda: dedupe(every))
    print(f"dedupe of {len(every)} kept findings again: {took:.3f} s CPU")
    print(
        f"errors {len(result.errors)}, warnings {len(result.warnings)} "
        f"({sum('is not installed' in w.message for w in result.warnings)} not-installed sources),"
        f" files {len(result.files)}, findings {len(result.findings)}"
    )


if __name__ == "__main__":
    main()
