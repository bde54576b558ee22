"""Run iacscan and Checkov on one tree and compare speed, memory and what each reports.

Usage: python benchmarks/compare_checkov.py [TREE] [--only TOOL] [--iacscan-cmd CMD]
           [--checkov-cmd CMD] [--timeout S] [--top N] [--json OUT]
       python benchmarks/compare_checkov.py --one TOOL [TREE] ...   (one tool, JSON on stdout)

Each tool runs as its own subprocess inside a fresh `--one TOOL` child of this script, so the
child's getrusage(RUSAGE_CHILDREN) is that tool's alone: wall time, user+sys CPU and peak RSS
(the largest single process of the tool's tree, not a sum). Prints, per tool: exit code,
resources, findings (total and top rules), iacscan's undetermined results, errors or parse
failures, then an approximate mapping of overlapping concerns (Checkov by check id, iacscan by
rule-title keywords). A missing tool, a crash, a timeout or non-JSON output is reported, never
fatal. Figures go into benchmarks/README.md; tests never assert timings.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import json
import os
import re
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

TOOLS = ("iacscan", "checkov")
DEFAULT_TREE = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"  # from repo root
CHECKOV_VENV = Path("/tmp/checkov-venv/bin/checkov")
OK_EXIT_CODES = {"iacscan": {0, 1}, "checkov": {0, 1}}  # 1 = findings, for both tools
Record = dict[str, Any]


@dataclass(frozen=True)
class Concern:
    """One security concern both tools look at: Checkov check ids vs iacscan title keywords."""

    label: str
    checkov_ids: tuple[str, ...]
    iacscan_title: str  # regex, case-insensitive, searched in the rule title


SG_IN = r"^(?!.*egress)security group.*"  # iacscan titles about security-group ingress
NACL = r"(network acl|\bnacl\b).*"
CONCERNS = (
    Concern("SG: SSH (22) from the world", ("CKV_AWS_24",), SG_IN + r"(\bssh\b|\bport 22\b)"),
    Concern("SG: RDP (3389) from the world", ("CKV_AWS_25",), SG_IN + r"(\brdp\b|\b3389\b)"),
    Concern("SG: HTTP (80) from the world", ("CKV_AWS_260",), SG_IN + r"(\bport 80\b|\bhttp\b)"),
    Concern("SG: all ports from the world", ("CKV_AWS_277",), SG_IN + r"(all ports|all traffic)"),
    Concern(
        "SG: any port from the world (sum)",
        ("CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260", "CKV_AWS_277"),
        SG_IN + r"(internet|world|0\.0\.0\.0|anywhere)",
    ),
    Concern("SG: all egress to the world", ("CKV_AWS_382",), r"security group.*egress"),
    Concern("SG or rule without description", ("CKV_AWS_23",), r"security group.*description"),
    Concern("NACL: SSH (22) from the world", ("CKV_AWS_232",), NACL + r"(\bssh\b|\bport 22\b)"),
    Concern("NACL: RDP (3389) from the world", ("CKV_AWS_231",), NACL + r"(\brdp\b|\b3389\b)"),
    Concern("NACL: all ports from the world", ("CKV_AWS_352",), NACL + r"(all ports|all traffic)"),
    Concern("EKS node group SSH from the world", ("CKV_AWS_100",), r"node group.*ssh"),
    Concern("EKS public API endpoint", ("CKV_AWS_38", "CKV_AWS_39"), r"eks.*(public|endpoint)"),
    Concern("Subnet assigns public IPs", ("CKV_AWS_130",), r"subnet.*public ip"),
    Concern("EC2 instance with public IP", ("CKV_AWS_88",), r"instance.*public ip"),
    Concern("VPC without flow logs", ("CKV2_AWS_11",), r"flow log"),
    Concern("HTTP listener / no HTTPS", ("CKV_AWS_2", "CKV2_AWS_20"), r"listener.*https"),
    Concern("RDS publicly accessible", ("CKV_AWS_17",), r"(rds|database|db\b).*public"),
    Concern(
        "S3 bucket public",
        ("CKV_AWS_20", "CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56", "CKV2_AWS_6"),
        r"(s3|bucket).*public|public.*(s3|bucket)",
    ),
    Concern(
        "IAM wildcard / admin policy",
        ("CKV_AWS_1", "CKV_AWS_62", "CKV_AWS_63", "CKV_AWS_355"),
        r"iam.*(\*|wildcard|admin)|(wildcard|admin).*(iam|polic)",
    ),
)


# --- running one tool (the `--one TOOL` child) -------------------------------------------------


def default_command(tool: str) -> str:
    if tool == "checkov" and CHECKOV_VENV.exists():
        return str(CHECKOV_VENV)
    return tool


def tool_argv(tool: str, command: str, tree: str) -> list[str]:
    exe = shlex.split(command)
    if tool == "iacscan":
        return [*exe, "scan", tree, "--format", "json", "--no-cache", "--fail-on", "critical"]
    return [
        *exe,
        *("-d", tree, "--framework", "terraform", "--download-external-modules", "false"),
        *("--skip-download", "-o", "json", "--quiet", "--compact"),
    ]


def tool_version(command: str) -> str | None:
    try:
        argv = [*shlex.split(command), "--version"]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    words = (done.stdout or done.stderr).split()
    return words[-1] if words else None  # "iacscan, version 0.1.0" -> "0.1.0"


def rss_mb(maxrss: int) -> float:
    """ru_maxrss is in KiB on Linux, in bytes on macOS."""
    return maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)


def measure(argv: list[str], stdout: IO[bytes], stderr: IO[bytes], timeout: float | None) -> Record:
    """Run argv to completion (or timeout) and return its wall time, CPU time and peak RSS."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr, start_new_session=True
    )
    timed_out = False
    try:
        returncode: int | None = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the tool's own process group, started just above
        proc.wait()
        returncode, timed_out = None, True
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "returncode": returncode,
        "timed_out": timed_out,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "peak_rss_mb": round(rss_mb(after.ru_maxrss), 1),
        "rss_shared_with_earlier_children": before.ru_maxrss > 0,
    }


def load_json(text: str) -> Any:
    """The document in text, or the first one starting a line after any log noise; else None."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    decoder = json.JSONDecoder()
    for match in re.finditer(r"^[\[{]", text, re.MULTILINE):
        try:
            return decoder.raw_decode(text, match.start())[0]
        except ValueError:
            continue
    return None


def tail(data: bytes, lines: int = 15) -> list[str]:
    return data.decode("utf-8", "replace").strip().splitlines()[-lines:]


def run_one(tool: str, command: str, tree: str, timeout: float | None) -> Record:
    """Run one tool on tree; the record holds its figures or why there are none."""
    argv = tool_argv(tool, command, tree)
    record: Record = {"tool": tool, "command": shlex.join(argv)}
    if shutil.which(argv[0]) is None:
        return {**record, "status": "missing", "reason": f"{argv[0]!r} not found"}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            record |= measure(argv, out, err, timeout)
        except OSError as error:
            return {**record, "status": "failed", "reason": f"cannot run: {error}"}
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    record["version"] = tool_version(command)
    record["stderr_tail"] = tail(stderr)
    record["stdout_bytes"] = len(stdout)
    if record["timed_out"]:
        return {**record, "status": "timeout", "reason": f"killed after {timeout} s"}
    doc = load_json(stdout.decode("utf-8", "replace"))
    if doc is None:
        reason = f"exit {record['returncode']}, stdout is not JSON: {tail(stdout, 3)}"
        return {**record, "status": "failed", "reason": reason}
    record |= summarize_iacscan(doc) if tool == "iacscan" else summarize_checkov(doc)
    if record["returncode"] not in OK_EXIT_CODES[tool]:
        record["reason"] = f"exit {record['returncode']}; {record.get('reason', '')}".strip("; ")
    ok = "by_rule" in record and record["returncode"] in OK_EXIT_CODES[tool]
    return {**record, "status": "ok" if ok else "failed"}


# --- reading each tool's report ---------------------------------------------------------------


def rule_counts(pairs: list[tuple[str, str]]) -> Record:
    """Findings per rule id, most first, and each rule's title."""
    counts = collections.Counter(rule for rule, _ in pairs)
    titles = dict(pairs)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return {"by_rule": dict(ordered), "titles": {rule: titles[rule] for rule, _ in ordered}}


def error_kinds(messages: list[str]) -> dict[str, int]:
    """Error messages grouped by their shape: quoted names and numbers blanked, most first."""
    shapes = (re.sub(r"'[^']*'|\"[^\"]*\"|\d+", "_", m).split(" (")[0][:90] for m in messages)
    counts = collections.Counter(re.sub(r"^[\w.\[\]\"_-]+: ", "", s) for s in shapes)
    return dict(counts.most_common())


def summarize_iacscan(doc: Any) -> Record:
    if not isinstance(doc, dict):
        return {"reason": f"unexpected JSON: {type(doc).__name__}"}
    summary = doc.get("summary") or {}
    findings = [f for f in doc.get("findings") or [] if isinstance(f, dict)]
    errors = [e for e in doc.get("errors") or [] if isinstance(e, dict)]
    pairs = [(str(f.get("rule_id")), str(f.get("title", ""))) for f in findings]
    samples = [f"{e.get('file')}:{e.get('line')}: {e.get('message')}" for e in errors[:20]]
    return {
        "files": summary.get("files"),
        "resources": summary.get("resources"),
        "findings": summary.get("findings", len(findings)),
        "undetermined": summary.get("undetermined"),
        "suppressed": summary.get("suppressed"),
        "errors": summary.get("errors", len(errors)),
        "error_samples": samples,
        "error_kinds": error_kinds([str(e.get("message", "")) for e in errors]),
        "by_severity": summary.get("by_severity"),
        **rule_counts(pairs),
    }


def checkov_reports(doc: Any) -> list[Record]:
    """Checkov prints one report (a dict), a list of them (one per framework), or, when it
    found nothing to scan, a bare summary dict."""
    reports = doc if isinstance(doc, list) else [doc]
    return [report for report in reports if isinstance(report, dict)]


def summarize_checkov(doc: Any) -> Record:
    reports = checkov_reports(doc)
    if not reports:
        return {"reason": f"unexpected JSON: {type(doc).__name__}"}
    failed: list[Record] = []
    totals: collections.Counter[str] = collections.Counter()
    versions: set[str] = set()
    for report in reports:
        summary = report.get("summary", report)
        for key in ("resource_count", "passed", "failed", "skipped", "parsing_errors"):
            totals[key] += int(summary.get(key) or 0)
        versions.add(str(summary.get("checkov_version", "")))
        failed.extend((report.get("results") or {}).get("failed_checks") or [])
    pairs = [(str(c.get("check_id")), str(c.get("check_name", ""))) for c in failed]
    return {
        "frameworks": [str(r.get("check_type", "-")) for r in reports],
        "report_version": ", ".join(sorted(v for v in versions if v)) or None,
        "resources": totals["resource_count"],
        "findings": len(failed),
        "passed_checks": totals["passed"],
        "skipped_checks": totals["skipped"],
        "undetermined": None,
        "errors": totals["parsing_errors"],
        **rule_counts(pairs),
    }


# --- the comparison (parent) ------------------------------------------------------------------


def run_child(tool: str, args: argparse.Namespace) -> Record:
    """Run `--one tool` in a fresh interpreter so its RUSAGE_CHILDREN covers that tool alone."""
    argv = [sys.executable, str(Path(__file__).resolve()), "--one", tool, args.tree]
    argv += ["--iacscan-cmd", args.iacscan_cmd, "--checkov-cmd", args.checkov_cmd]
    if args.timeout:
        argv += ["--timeout", str(args.timeout)]
    print(f"running {tool} on {args.tree} ...", file=sys.stderr, flush=True)
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    record = load_json(done.stdout)
    if not isinstance(record, dict):
        reason = f"wrapper exit {done.returncode}: {done.stderr.strip()[-500:]}"
        return {"tool": tool, "status": "failed", "reason": reason}
    return record


def match_concern(concern: Concern, tool: str, record: Record) -> tuple[int | None, list[str]]:
    """(findings, rule ids) of one tool that fall under concern; None when it has no report."""
    if "by_rule" not in record:
        return None, []
    by_rule: dict[str, int] = record.get("by_rule") or {}
    titles: dict[str, str] = record.get("titles") or {}
    if tool == "checkov":
        rules = [rule for rule in by_rule if rule in concern.checkov_ids]
    else:
        pattern = re.compile(concern.iacscan_title, re.IGNORECASE)
        rules = [rule for rule in by_rule if pattern.search(titles.get(rule, ""))]
    return sum(by_rule[rule] for rule in rules), sorted(rules)


def overlap(records: dict[str, Record]) -> list[Record]:
    rows = []
    for concern in CONCERNS:
        row: Record = {"concern": concern.label}
        for tool, record in records.items():
            count, rules = match_concern(concern, tool, record)
            row[tool] = {"findings": count, "rules": rules}
        rows.append(row)
    return rows


def cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


FIGURES = (
    ("status", "status"),
    ("version", "version"),
    ("exit code", "returncode"),
    ("wall s", "wall_s"),
    ("cpu s (user+sys)", "cpu_s"),
    ("peak RSS MB", "peak_rss_mb"),
    ("resources", "resources"),
    ("findings", "findings"),
    ("undetermined", "undetermined"),
    ("errors / parse failures", "errors"),
)


def print_figures(records: dict[str, Record]) -> None:
    tools = list(records)
    print(f"{'':26}" + "".join(f"{tool:>16}" for tool in tools))
    for label, key in FIGURES:
        values = "".join(f"{cell(records[tool].get(key)):>16}" for tool in tools)
        print(f"{label:26}{values}")
    for tool, record in records.items():
        print(f"\n{tool}: {record['command']}" if "command" in record else f"\n{tool}:")
        print_problems(record)


def print_problems(record: Record, kinds: int = 12, samples: int = 5) -> None:
    if record.get("status") != "ok":
        print(f"  not usable: {record.get('reason', '?')}")
        for line in record.get("stderr_tail") or []:
            print(f"  | {line[:200]}")
    error_kinds: dict[str, int] = record.get("error_kinds") or {}
    if error_kinds:
        print(f"  errors by kind ({len(error_kinds)} kinds):")
    for kind, count in list(error_kinds.items())[:kinds]:
        print(f"  {count:7}  {kind}")
    for sample in (record.get("error_samples") or [])[:samples]:
        print(f"  e.g. {sample[:200]}")


def print_rules(records: dict[str, Record], top: int) -> None:
    for tool, record in records.items():
        by_rule: dict[str, int] = record.get("by_rule") or {}
        if not by_rule:
            continue
        print(f"\n{tool}: top {min(top, len(by_rule))} of {len(by_rule)} rules by findings")
        titles = record.get("titles") or {}
        for rule, count in list(by_rule.items())[:top]:
            print(f"  {count:7}  {rule:16} {titles.get(rule, '')[:72]}")


def print_overlap(rows: list[Record], tools: list[str]) -> None:
    print("\nOverlapping concerns (APPROXIMATE: Checkov by check id, iacscan by title keywords;")
    print("their rules are cut differently, so compare orders of magnitude, not exact counts)")
    print(f"  {'concern':36}" + "".join(f"{tool:>10}" for tool in tools))
    for row in rows:
        counts = "".join(f"{cell(row[tool]['findings']):>10}" for tool in tools)
        rules = "; ".join(f"{t}: {', '.join(row[t]['rules']) or '-'}" for t in tools)
        print(f"  {row['concern']:36}{counts}   {rules}")


def compare(args: argparse.Namespace) -> int:
    tree = Path(args.tree).resolve()
    args.tree = str(tree)
    if not tree.is_dir():
        print(f"no such tree: {tree}", file=sys.stderr)
        return 2
    tools = [args.only] if args.only else list(TOOLS)
    records = {tool: run_child(tool, args) for tool in tools}  # sequential: 2-core machines
    rows = overlap(records)
    print(f"tree  {tree}")
    print(f"date  {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}\n")
    print_figures(records)
    print_rules(records, args.top)
    print_overlap(rows, tools)
    if args.json:
        report = {"tree": str(tree), "tools": records, "overlap": rows}
        report["date"] = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return 0 if all(r.get("status") == "ok" for r in records.values()) else 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "tree", nargs="?", default=str(DEFAULT_TREE), help="default: ../shared/corpus"
    )
    parser.add_argument("--only", choices=TOOLS, help="run just this tool")
    parser.add_argument("--one", choices=TOOLS, help="internal: run one tool, print JSON")
    parser.add_argument("--iacscan-cmd", default=default_command("iacscan"))
    parser.add_argument("--checkov-cmd", default=default_command("checkov"))
    parser.add_argument("--timeout", type=float, help="kill a tool after this many seconds")
    parser.add_argument("--top", type=int, default=30, help="rules listed per tool")
    parser.add_argument("--json", metavar="OUT", help="also save the raw figures here")
    return parser.parse_args(argv)


def main() -> int:
    args = parse_args()
    if args.one:
        command = args.iacscan_cmd if args.one == "iacscan" else args.checkov_cmd
        print(json.dumps(run_one(args.one, command, args.tree, args.timeout), indent=2))
        return 0
    return compare(args)


if __name__ == "__main__":
    sys.exit(main())
