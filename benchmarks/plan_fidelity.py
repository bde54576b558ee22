"""How closely iacscan's evaluation agrees with real Terraform plans of the corpus roots.

Usage: python benchmarks/plan_fidelity.py [TREE] [--plans DIR] [--only SUBSTR] [--list]

Every directory of TREE that Terraform could plan offline is a candidate: all module sources
(transitively) are local, and its data sources are only the ones that need no cloud
(``aws_iam_policy_document``, ``aws_partition``, ``aws_region``). Each candidate is planned once
by ``offline_plan.py`` (the settings of ``../shared/tools/tfplan``, but in a copy of the whole
repository so ``../`` module sources and ``path.cwd`` survive); plans are kept in ``--plans``
(default ``/tmp/iacscan-plan-fidelity``), keyed by a digest of the repository, so reruns reuse them;
the ones Terraform refuses (provider checks, other providers) are listed as skipped. Directories
with required variables are not candidates (a plan would ask for them), nor ``wrappers/`` (their
``for_each = var.items`` defaults to ``{}``, so they plan nothing).

For every planned root it prints:

- address recall: planned resource instances iacscan also finds, and extra ones it invents;
- values right: of the top-level attributes iacscan sets on a matched resource and the plan
  knows (not computed at apply), how many iacscan knows and gets equal (a list may be in any
  order: sets), and how many it leaves unknown. The share right is right / (right + wrong +
  unknown); "agree" is right / (right + wrong), the share among values both sides know.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from offline_plan import plan_in_place

from iacscan.api import load
from iacscan.model.values import is_wholly_known
from iacscan.terraform import ast
from iacscan.terraform.hcl import HclSyntaxError, parse_hcl

OFFLINE_DATA = {"aws_iam_policy_document", "aws_partition", "aws_region"}


def _policy_json(text: str) -> str:
    """IAM policy attributes are stored as compact JSON with sorted keys (Go's map order)."""
    try:
        compact = json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
    except ValueError:
        return text
    return compact.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# Attributes the provider stores transformed: our value goes through the same function.
STORED_AS = {
    ("aws_instance", "user_data"): lambda v: hashlib.sha1(v.encode()).hexdigest(),
    **{(t, "policy"): _policy_json for t in ("aws_iam_policy", "aws_iam_role_policy")},
    ("aws_iam_role", "assume_role_policy"): _policy_json,
}


def module_dirs(tree: Path) -> Iterator[Path]:
    for current, dirs, files in os.walk(tree):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        if any(f.endswith(".tf") for f in files):
            yield Path(current)


def blocks(directory: Path) -> Iterator[ast.Block]:
    for file in sorted(directory.glob("*.tf")):
        try:
            yield from parse_hcl(file.read_text(errors="replace"), str(file)).body.blocks
        except (HclSyntaxError, RecursionError):
            yield ast.Block("unparsable", (), ast.Body({}, ()), 1, 1)


def plannable(directory: Path, seen: set[Path] | None = None) -> bool:
    """All sources local and every data source offline, through every called module."""
    seen = set() if seen is None else seen
    if directory in seen:
        return True
    seen.add(directory)
    for block in blocks(directory):
        if block.type == "unparsable":
            return False
        if block.type == "data" and block.labels and block.labels[0] not in OFFLINE_DATA:
            return False
        if block.type == "module":
            source = block.body.attributes.get("source")
            value = getattr(source.expr, "value", None) if source else None
            if not isinstance(value, str) or not value.startswith(("./", "../")):
                return False
            child = (directory / value).resolve()
            if not child.is_dir() or not plannable(child, seen):
                return False
    return True


def required_variables(directory: Path) -> bool:
    """Root variables without a default: Terraform would ask for them (we plan with defaults)."""
    return any(
        block.type == "variable" and "default" not in block.body.attributes
        for block in blocks(directory)
    )


def tree_digest(directory: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(directory.rglob("*")):
        if path.is_file() and ".terraform" not in path.parts:
            digest.update(str(path.relative_to(directory)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:20]


def plan_of(directory: Path, tree: Path, store: Path) -> dict[str, Any] | None:
    """The plan JSON, planned in a copy of the whole repository so ``../`` sources resolve."""
    rel = directory.relative_to(tree)
    repo = tree / rel.parts[0]
    key = f"{rel.as_posix().replace('/', '__')}-{tree_digest(repo)}"
    out, failed = store / f"{key}.json", store / f"{key}.failed"
    if out.exists():
        return dict(json.loads(out.read_text()))
    if failed.exists():
        return None
    store.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        copy = Path(work) / rel.parts[0]
        shutil.copytree(repo, copy, ignore=shutil.ignore_patterns(".terraform*"))
        error = plan_in_place(copy / Path(*rel.parts[1:]), out)
    if error:
        out.unlink(missing_ok=True)
        failed.write_text(error[-3000:])
        return None
    return dict(json.loads(out.read_text()))


def planned(plan: dict[str, Any]) -> dict[str, tuple[dict[str, Any], Any]]:
    marks = {
        c["address"]: c["change"].get("after_unknown") or {}
        for c in plan.get("resource_changes", [])
    }
    found: dict[str, tuple[dict[str, Any], Any]] = {}

    def walk(module: dict[str, Any]) -> None:
        for res in module.get("resources", []):
            found[res["address"]] = (res.get("values") or {}, marks.get(res["address"], {}))
        for child in module.get("child_modules", []):
            walk(child)

    walk(plan.get("planned_values", {}).get("root_module", {}))
    return found


def equal(ours: Any, theirs: Any) -> bool:
    if isinstance(ours, dict):
        return isinstance(theirs, dict) and all(
            equal(v, theirs.get(k)) for k, v in ours.items() if not (v is None and k not in theirs)
        )
    if isinstance(ours, list):
        if not isinstance(theirs, list) or len(ours) != len(theirs):
            return False
        remaining = list(theirs)
        for item in ours:
            hit = next((t for t in remaining if equal(item, t)), None)
            if hit is None:
                return False
            remaining.remove(hit)
        return True
    if isinstance(ours, bool) or isinstance(theirs, bool):
        return ours is theirs
    return bool(ours == theirs)


def compare(directory: Path, plan: dict[str, Any], show: int) -> dict[str, Any]:
    result = load([directory], use_cache=True, environ={})
    ours = {r.address: r for r in result.resources if r.root in (".", "") and r.mode == "managed"}
    theirs = {
        a: v for a, v in planned(plan).items() if not a.startswith("data.") and ".data." not in a
    }
    counts = {
        "planned": len(theirs),
        "found": len(set(theirs) & set(ours)),
        "extra": len(set(ours) - set(theirs)),
        "right": 0,
        "wrong": 0,
        "unknown": 0,
    }
    diffs: list[str] = []
    for address in sorted(set(theirs) & set(ours)):
        values, marks = theirs[address]
        resource = ours[address]
        for name, value in sorted(resource.attrs.items()):
            if name not in values or (isinstance(marks, dict) and marks.get(name) is True):
                continue
            if values[name] is None and value is None:
                continue
            if not is_wholly_known(value):
                counts["unknown"] += 1
                diffs.append(f"  {address}.{name}: ours unknown, plan {values[name]!r:.90}")
                continue
            transform = STORED_AS.get((resource.type, name))
            mine = transform(value) if transform and isinstance(value, str) else value
            if equal(mine, values[name]):
                counts["right"] += 1
            else:
                counts["wrong"] += 1
                diffs.append(f"  {address}.{name}: ours {mine!r:.90} plan {values[name]!r:.90}")
    counts["missing"] = sorted(set(theirs) - set(ours))[:show]
    counts["extras"] = sorted(set(ours) - set(theirs))[:show]
    counts["diffs"] = diffs[:show]
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", nargs="?", default="../shared/corpus")
    parser.add_argument("--plans", default="/tmp/iacscan-plan-fidelity")
    parser.add_argument("--only", default="", help="roots whose path contains this")
    parser.add_argument("--show", type=int, default=0, help="list up to N differences per root")
    parser.add_argument("--list", action="store_true", help="list candidates and stop")
    args = parser.parse_args()
    tree = Path(args.tree).resolve()
    if not tree.is_dir():
        print(f"no such tree: {tree}", file=sys.stderr)
        return 2
    candidates = [
        d
        for d in module_dirs(tree)
        if args.only in str(d)
        and not {"plans", "wrappers"} & set(d.parts)
        and not required_variables(d)
        and plannable(d)
    ]
    if args.list:
        print("\n".join(str(d.relative_to(tree)) for d in candidates))
        return 0
    total = {"planned": 0, "found": 0, "extra": 0, "right": 0, "wrong": 0, "unknown": 0}
    skipped = []
    print(f"{'root':60} {'recall':>11} {'extra':>5} {'right':>6} {'wrong':>5} {'unkn':>5} share")
    for directory in candidates:
        name = directory.relative_to(tree).as_posix()
        plan = plan_of(directory, tree, Path(args.plans))
        if plan is None or not planned(plan):
            skipped.append(name)
            continue
        row = compare(directory, plan, args.show)
        for key in total:
            total[key] += row[key]
        print(_line(name, row))
        for text in [
            *(f"  missing {a}" for a in row["missing"]),
            *(f"  extra {a}" for a in row["extras"]),
            *row["diffs"],
        ]:
            print(text)
    print(_line("overall", total))
    print(f"skipped (terraform could not plan offline or planned nothing): {len(skipped)}")
    for name in skipped:
        print(f"  {name}")
    return 0


def _line(name: str, row: dict[str, Any]) -> str:
    known = row["right"] + row["wrong"] + row["unknown"]
    share = 100 * row["right"] / known if known else 100.0
    agree = (
        100 * row["right"] / (row["right"] + row["wrong"]) if row["right"] + row["wrong"] else 100.0
    )
    recall = f"{row['found']}/{row['planned']}"
    return (
        f"{name[-60:]:60} {recall:>11} {row['extra']:>5} {row['right']:>6} {row['wrong']:>5}"
        f" {row['unknown']:>5} {share:5.1f}% (agree {agree:.1f}%)"
    )


if __name__ == "__main__":
    sys.exit(main())
