"""Time and peak memory of `iacscan scan` on each expression attack of issue 18.

Usage: python benchmarks/hostile_eval.py [CASE ...] [--timeout S] [--memory-mb M]

Every case (tests/hostile_eval_cases.py) is written to a temporary directory and scanned in
its own process under `/usr/bin/time -v`, with a wall-clock timeout and an address-space cap
so that a case that still explodes cannot take the machine down. Prints a Markdown table:
case, exit code, wall seconds, peak RSS, and what the scan said (the victim's finding, the
first error). Run it alone: the figures are for the notes, no test asserts them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from hostile_eval_cases import BENCHMARK_ONLY, CASES, any_source


def _limit(memory_mb: int) -> None:
    cap = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def _outcome(stdout: str, stderr: str) -> str:
    try:
        report = json.loads(stdout)
    except ValueError:
        lines = [line for line in stderr.splitlines() if line.strip()]
        return "no report: " + (lines[-1][:90] if lines else "(nothing)").replace("|", "\\|")
    rules = sorted({f["rule_id"] for f in report.get("findings", [])})
    errors = report.get("errors", [])
    first = errors[0]["message"][:90].replace("|", "\\|") if errors else "no error"
    victim = "victim found" if "IAC-AWS-SG-001" in rules else "VICTIM LOST"
    return f"{victim}; {len(errors)} error(s): {first}"


def run(name: str, timeout: float, memory_mb: int) -> tuple[str, str, str, str, str]:
    with tempfile.TemporaryDirectory(prefix="iacscan-hostile-") as tmp:
        Path(tmp, "main.tf").write_text(any_source(name))
        stats = Path(tmp, "time.txt")
        command = ["/usr/bin/time", "-v", "-o", str(stats), sys.executable, "-m", "iacscan", "scan"]
        command += ["--no-cache", "--format", "json", tmp]
        start = time.monotonic()
        with subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # the timeout must also stop the scan under `time`
            preexec_fn=lambda: _limit(memory_mb),  # noqa: PLW1509 (no threads here)
        ) as process:
            try:
                stdout, stderr = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.communicate()
                return name, "-", f">{timeout:.0f}", "?", "killed at the timeout"
        wall = time.monotonic() - start
        peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stats.read_text())
        rss = f"{int(peak.group(1)) / 1024:.0f} MB" if peak else "?"
        return name, str(process.returncode), f"{wall:.1f}", rss, _outcome(stdout, stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=sorted({**CASES, **BENCHMARK_ONLY}))
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--memory-mb", type=int, default=3000)
    args = parser.parse_args()
    print("| case | exit | wall s | peak RSS | outcome |")
    print("| --- | --- | --- | --- | --- |")
    for name in args.cases:
        print("| " + " | ".join(run(name, args.timeout, args.memory_mb)) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
