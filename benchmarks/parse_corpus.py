"""Parse every Terraform file under a tree: failures, parse time, nesting depth, start-up.

Usage: python benchmarks/parse_corpus.py [TREE] [--startup]

Parses each ``*.tf`` and ``*.tfvars`` file with the HCL parser and each ``*.tf.json`` file
with the JSON-syntax parser, in this process, no parse cache, and prints: file count,
failures (every one, with file, line and reason), CPU seconds and the deepest nesting
reached (blocks, brackets and operators counted as the parser's depth limit counts them).
``--startup`` also times building the parser in fresh processes:
once from the grammar (no stored tables) and once from the tables that run stored.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from iacscan.terraform.hcl import HclSyntaxError, parse_hcl
from iacscan.terraform.hcl_grammar import MAX_DEPTH, nesting
from iacscan.terraform.json_syntax import JsonSyntaxError, parse_tf_json

STARTUP = "import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", nargs="?", default="../shared/corpus")
    parser.add_argument("--startup", action="store_true", help="time building the parser")
    args = parser.parse_args()
    tree = Path(args.tree)
    files = sorted(
        p
        for p in tree.rglob("*")
        if p.is_file() and p.name.endswith((".tf", ".tfvars", ".tf.json"))
    )
    texts = [(p, p.read_bytes().decode("utf-8", errors="replace")) for p in files]
    parse_hcl("x = 1\n", "warm-up.tf")  # build the parser before timing
    failures: list[str] = []
    deepest: tuple[int, str] = (0, "")
    started = time.process_time()
    for path, text in texts:
        try:
            if path.name.endswith(".json"):
                parse_tf_json(text, str(path))
                continue
            parsed = parse_hcl(text, str(path))
        except (HclSyntaxError, JsonSyntaxError) as exc:
            failures.append(f"{path.relative_to(tree)}:{exc.line}: {exc}")
            continue
        for attribute, depth in nesting(parsed.body):
            deepest = max(deepest, (depth, f"{path.relative_to(tree)}:{attribute.line}"))
    cpu = time.process_time() - started
    print(f"tree              {tree}")
    print(f"files             {len(texts)}")
    print(f"parse             {cpu:.2f} s cpu ({len(texts) / cpu:.0f} files/s)")
    print(f"deepest nesting   {deepest[0]} at {deepest[1]} (limit {MAX_DEPTH})")
    print(f"failures          {len(failures)}")
    for failure in failures:
        print(f"  {failure}")
    if args.startup:
        _startup()
    return 0


def _startup() -> None:
    stmt = "from iacscan.terraform.hcl import parse_hcl; parse_hcl('x = 1\\n', 'a.tf')"
    with tempfile.TemporaryDirectory() as cache:
        env = {"XDG_CACHE_HOME": cache, "PATH": "/usr/bin:/bin"}
        for label in ("from the grammar", "from stored tables"):
            out = subprocess.run(
                [sys.executable, "-c", STARTUP.format(stmt=stmt)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            print(f"start-up          {float(out.stdout):.2f} s wall ({label}, with imports)")


if __name__ == "__main__":
    sys.exit(main())
