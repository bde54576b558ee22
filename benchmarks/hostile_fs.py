"""Hostile file-system input (issue 18): time, peak memory and outcome of each attack.

Usage: python benchmarks/hostile_fs.py [CASE ...] [--timeout S] [--keep DIR]

Each case builds a small tree in a temporary directory: one hostile thing beside a good
Terraform file with one known finding (``aws_ecr_repository_policy.anyone_pulls``), then runs
``iacscan scan --format json`` on it under ``/usr/bin/time`` with a private cache directory.
Prints one row per case: exit code, seconds, peak MB, whether the good file's finding was
still reported, and the first error message. For the notes; tests never assert timings.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

GOOD = """resource "aws_ecr_repository_policy" "anyone_pulls" {
  repository = "app"
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = "*", Action = ["ecr:BatchGetImage"] }]
  })
}
"""
OUTSIDE = 'resource "aws_s3_bucket" "outside_secret" {\n  bucket = "outside"\n}\n'
COMPOSE = "services:\n  web:\n    image: ${IMAGE:-nginx}\n    privileged: true\n"


class _Payload:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.system, (f"touch {self.marker}",)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _cache_entry(cache: Path, data: bytes) -> Path:
    from iacscan.cache import CACHE_VERSION, ParseCache

    key = ParseCache.key("tf", data)
    path = cache / "iacscan" / CACHE_VERSION / key[:2] / key[2:]
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def cache_pickle_rce(tree: Path, cache: Path) -> list[str]:
    good = _write(tree / "good" / "main.tf", GOOD)
    _cache_entry(cache, good.read_bytes()).write_bytes(pickle.dumps(_Payload(tree / "PWNED")))
    return [str(tree)]


def cache_flipped_byte(tree: Path, cache: Path) -> list[str]:
    good = _write(tree / "good" / "main.tf", GOOD)
    _run([str(tree)], cache, 60)  # warm
    entry = _cache_entry(cache, good.read_bytes())
    data = bytearray(entry.read_bytes())
    data[len(data) // 2] ^= 0x41
    entry.write_bytes(bytes(data))
    return [str(tree)]


def _nested(depth: int) -> str:
    return "".join(f"{'  ' * i}b{i} {{\n" for i in range(depth)) + "".join(
        f"{'  ' * i}}}\n" for i in reversed(range(depth))
    )


def deep_blocks_cached(tree: Path, cache: Path) -> list[str]:
    _write(tree / "good" / "main.tf", GOOD)
    _write(tree / "deep" / "main.tf", 'resource "x" "y" {\n' + _nested(196) + "}\n")
    return [str(tree)]


def deep_blocks_pool(tree: Path, cache: Path) -> list[str]:
    _write(tree / "good" / "main.tf", GOOD)
    for i in range(50):
        _write(tree / "deep" / f"f{i}.tf", f'resource "x" "y{i}" {{\n' + _nested(196) + "}\n")
    return ["--no-cache", "--jobs", "2", str(tree)]


def symlink_self_tf(tree: Path, cache: Path) -> list[str]:
    _write(tree / "good" / "main.tf", GOOD)
    os.symlink("z.tf", tree / "good" / "z.tf")
    return [str(tree)]


def fifo_tf(tree: Path, cache: Path) -> list[str]:
    _write(tree / "good" / "main.tf", GOOD)
    os.mkfifo(tree / "good" / "x.tf")
    return [str(tree)]


def fifo_plan_json(tree: Path, cache: Path) -> list[str]:
    _write(tree / "good" / "main.tf", GOOD)
    (tree / "plans").mkdir()
    os.mkfifo(tree / "plans" / "plan.json")
    return [str(tree)]


def fifo_compose_override(tree: Path, cache: Path) -> list[str]:
    _write(tree / "good" / "main.tf", GOOD)
    _write(tree / "app" / "compose.yaml", COMPOSE)
    os.mkfifo(tree / "app" / "compose.override.yml")
    return [str(tree)]


def fifo_dotenv(tree: Path, cache: Path) -> list[str]:
    _write(tree / "good" / "main.tf", GOOD)
    _write(tree / "app" / "compose.yaml", COMPOSE)
    os.mkfifo(tree / "app" / ".env")
    return [str(tree)]


def fifo_modules_json(tree: Path, cache: Path) -> list[str]:
    _write(tree / "good" / "main.tf", GOOD + 'module "r" {\n  source = "org/x/aws"\n}\n')
    (tree / "good" / ".terraform" / "modules").mkdir(parents=True)
    os.mkfifo(tree / "good" / ".terraform" / "modules" / "modules.json")
    return [str(tree)]


def devzero_dotenv(tree: Path, cache: Path) -> list[str]:
    _write(tree / "good" / "main.tf", GOOD)
    _write(tree / "app" / "compose.yaml", COMPOSE)
    os.symlink("/dev/zero", tree / "app" / ".env")
    return [str(tree)]


def devzero_override(tree: Path, cache: Path) -> list[str]:
    _write(tree / "good" / "main.tf", GOOD)
    _write(tree / "app" / "compose.yaml", COMPOSE)
    os.symlink("/dev/zero", tree / "app" / "compose.override.yml")
    return [str(tree)]


def big_tf(tree: Path, cache: Path) -> list[str]:
    _write(tree / "good" / "main.tf", GOOD)
    _write(tree / "big" / "main.tf", 'locals {\n  s = "' + "a" * 11_000_000 + '"\n}\n')
    return [str(tree)]


def module_source_outside(tree: Path, cache: Path) -> list[str]:
    _write(tree.parent / "outside" / "main.tf", OUTSIDE)
    _write(tree / "good" / "main.tf", GOOD + 'module "o" {\n  source = "../../outside"\n}\n')
    return [str(tree)]


def modules_json_outside(tree: Path, cache: Path) -> list[str]:
    _write(tree.parent / "outside" / "main.tf", OUTSIDE)
    _write(tree / "good" / "main.tf", GOOD + 'module "o" {\n  source = "org/x/aws"\n}\n')
    manifest = {
        "Modules": [{"Key": "o", "Source": "org/x/aws", "Dir": str(tree.parent / "outside")}]
    }
    _write(tree / "good" / ".terraform" / "modules" / "modules.json", json.dumps(manifest))
    return [str(tree)]


def symlinked_file_outside(tree: Path, cache: Path) -> list[str]:
    _write(tree.parent / "outside" / "main.tf", OUTSIDE)
    _write(tree / "good" / "main.tf", GOOD)
    os.symlink(tree.parent / "outside" / "main.tf", tree / "good" / "link.tf")
    return [str(tree)]


def symlinked_module_dir_outside(tree: Path, cache: Path) -> list[str]:
    _write(tree.parent / "outside" / "main.tf", OUTSIDE)
    _write(tree / "good" / "main.tf", GOOD + 'module "o" {\n  source = "./mod"\n}\n')
    os.symlink(tree.parent / "outside", tree / "good" / "mod")
    return [str(tree)]


def module_source_symlink_loop(tree: Path, cache: Path) -> list[str]:
    _write(tree / "good" / "main.tf", GOOD + 'module "o" {\n  source = "./loop"\n}\n')
    os.symlink("loop", tree / "good" / "loop")
    return [str(tree)]


def compose_include_symlink_loop(tree: Path, cache: Path) -> list[str]:
    _write(tree / "good" / "main.tf", GOOD)
    _write(tree / "app" / "compose.yaml", "include:\n  - loop.yaml\n" + COMPOSE)
    os.symlink("loop.yaml", tree / "app" / "loop.yaml")
    return [str(tree)]


def dotenv_symlink_outside(tree: Path, cache: Path) -> list[str]:
    _write(tree.parent / "outside" / "secret.env", "IMAGE=outside-secret-token\n")
    _write(tree / "good" / "main.tf", GOOD)
    _write(tree / "app" / "compose.yaml", COMPOSE)
    os.symlink(tree.parent / "outside" / "secret.env", tree / "app" / ".env")
    return [str(tree)]


def compose_scalar_shapes(tree: Path, cache: Path) -> list[str]:
    _write(tree / "good" / "main.tf", GOOD)
    text = "services:\n  a:\n    image: x\n    environment: 5\n    networks: net\n"
    _write(tree / "app" / "compose.yaml", text + "    depends_on: b\n  b:\n    image: y\n")
    return [str(tree)]


def compose_quoted_suppression(tree: Path, cache: Path) -> list[str]:
    _write(tree / "good" / "main.tf", GOOD)
    text = "services:\n  web:\n    image: nginx\n    privileged: true\n"
    _write(tree / "app" / "compose.yaml", text + '    command: "x # iacscan:ignore * x"\n')
    return [str(tree)]


def _plan(resources: object) -> str:
    return json.dumps(
        {"format_version": "1.2", "planned_values": {"root_module": {"resources": resources}}}
    )


def plan_wrong_types(tree: Path, cache: Path) -> list[str]:
    _write(tree / "good" / "main.tf", GOOD)
    shapes = [
        '{"format_version": "1.2", "planned_values": []}',
        '{"format_version": "1.2", "planned_values": {"root_module": []}}',
        '{"format_version": "1.2", "planned_values": {"root_module": {"child_modules": {}}}}',
        '{"format_version": "1.2", "resource_changes": {}}',
        '{"format_version": "1.2", "resource_changes": [{"address": "a.b", "change": []}]}',
        '{"format_version": "1.2", "resource_changes": [{"address": "a.b", "change": '
        '{"actions": "create"}}]}',
        '{"format_version": "1.2", "prior_state": [], "resource_changes": []}',
        '{"format_version": "1.2", "configuration": [], "planned_values": {}}',
        _plan([{"address": "aws_s3_bucket.b", "type": 5, "name": [], "values": "x"}]),
        _plan(
            [
                {
                    "address": "aws_s3_bucket.b",
                    "mode": "managed",
                    "values": {"tags": 5},
                    "sensitive_values": "x",
                }
            ]
        ),
        '{"format_version": "1.2", "planned_values": {}, "configuration": {"root_module": '
        '{"module_calls": []}}}',
        '{"format_version": "1.2", "planned_values": {}, "configuration": {"root_module": '
        '{"resources": {"a": 1}}}}',
        '{"format_version": "1.2", "planned_values": {}, "variables": []}',
    ]
    for i, text in enumerate(shapes):
        _write(tree / "plans" / f"plan{i:02d}.json", text)
    return [str(tree)]


def plan_deep_json(tree: Path, cache: Path) -> list[str]:
    _write(tree / "good" / "main.tf", GOOD)
    deep = "[" * 100_000 + "]" * 100_000
    _write(tree / "plans" / "plan.json", _plan([]).replace("[]", deep))
    return [str(tree)]


CASES: dict[str, Callable[[Path, Path], list[str]]] = {
    f.__name__: f
    for f in (
        cache_pickle_rce, cache_flipped_byte, deep_blocks_cached, deep_blocks_pool,
        symlink_self_tf, fifo_tf, fifo_plan_json, fifo_compose_override, fifo_dotenv,
        fifo_modules_json, devzero_dotenv, devzero_override, big_tf, module_source_outside,
        modules_json_outside, symlinked_file_outside, symlinked_module_dir_outside,
        module_source_symlink_loop, compose_include_symlink_loop, dotenv_symlink_outside,
        compose_scalar_shapes, compose_quoted_suppression, plan_wrong_types, plan_deep_json,
    )
}  # fmt: skip


def _run(args: list[str], cache: Path, timeout: float) -> tuple[int, float, float, str, str]:
    command = ["/usr/bin/time", "-f", "TIME %e %M", sys.executable, "-m", "iacscan", "scan"]
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    with subprocess.Popen(
        [*command, "--format", "json", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=env, start_new_session=True,
    ) as process:  # fmt: skip
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the scan, not only /usr/bin/time
            process.communicate()
            return -1, timeout, 0.0, "", "TIMEOUT"
    lines = stderr.strip().splitlines()
    timing = next((line for line in reversed(lines) if line.startswith("TIME ")), "TIME 0 0")
    _, seconds, kbytes = timing.split()
    rest = [line for line in lines if not line.startswith(("TIME ", "Command exited"))]
    if any(line.startswith("Traceback") for line in rest):
        rest = ["TRACEBACK " + rest[-1]]
    return process.returncode, float(seconds), int(kbytes) / 1024, stdout, " | ".join(rest)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=list(CASES))
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    print("case | exit | s | MB | good finding | message")
    for name in args.cases:
        with tempfile.TemporaryDirectory() as tmp:
            tree, cache = Path(tmp) / "scan" / "tree", Path(tmp) / "cache"
            tree.mkdir(parents=True)
            scan_args = CASES[name](tree, cache)
            code, seconds, mbytes, out, err = _run(scan_args, cache, args.timeout)
            good = "anyone_pulls" in out
            if (tree / "PWNED").exists():
                err = "CODE RAN from the cache | " + err
            if ("outside" in out and "outside_secret" in out) or "outside-secret-token" in out:
                err = "OUTSIDE VALUE IN REPORT | " + err
            print(f"{name} | {code} | {seconds:.1f} | {mbytes:.0f} | {good} | {err[:300]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
