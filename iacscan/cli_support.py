"""The work behind ``iacscan scan`` and ``iacscan rules``: settings in, exit code out.

Kept apart from ``cli.py`` so that the click layer stays declarations only, and so that
``iacscan --help`` does not import the evaluator.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from tabulate import tabulate

from iacscan import __version__
from iacscan.config import ConfigError, find_config, read_config
from iacscan.decide import exit_code, write_baseline
from iacscan.report.outputs import (
    Output,
    OutputError,
    git_root,
    plan_outputs,
    rebase,
    writable,
    write,
)
from iacscan.rules.loader import RulesetError, builtin_ruleset_files, load_rules
from iacscan.scan import ScanOptions, ScanResult, SelectionError, scan

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
DEFAULTS = {"format": "table", "fail_on": "low", "min_severity": "info", "fail_on_error": True}
OVERRIDES = (
    "fail_on",
    "min_severity",
    "baseline",
    "strict",
    "show_undetermined",
    "show_suppressed",
    "fail_on_error",
    "soft_fail",
    "allow_no_rules",
)
LISTS = {"rules": "rules", "skip_rules": "skip_rules", "skip_categories": "skip_categories"}


class UsageError(ValueError):
    """A command-line mistake found after parsing (a missing --var-file): exit 2."""


def settings(paths: list[Path], options: dict[str, Any]) -> dict[str, Any]:
    """Command-line options over the config file over the defaults."""
    merged: dict[str, Any] = dict(DEFAULTS)
    config = find_config(options.get("config"), paths)
    if config is not None:
        merged.update(read_config(config))
        merged["settings_file"] = _shown(config)
    cli: dict[str, Any] = {key: list(options.get(opt) or []) or None for key, opt in LISTS.items()}
    cli["format"] = list(options.get("fmt") or []) or None
    cli["var_files"] = [str(p) for p in options.get("var_files") or []] or None
    cli["registries"] = (
        {"allowed": list(options["allowed_registries"])}
        if options.get("allowed_registries")
        else None
    )
    merged.update({k: v for k, v in cli.items() if v is not None})
    merged["skip_paths"] = [*merged.get("skip_paths", []), *(options.get("skip_paths") or ())]
    for key in OVERRIDES:
        if options.get(key) is not None:
            merged[key] = options[key]
    merged["vars"] = {**(merged.get("vars") or {}), **parse_vars(options.get("var_values") or ())}
    if isinstance(merged["format"], str):
        merged["format"] = [merged["format"]]
    return merged


def _shown(path: Path) -> str:
    """A path relative to the current directory when inside it, as the user would type it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def parse_vars(values: tuple[str, ...]) -> dict[str, str]:
    """``--var NAME=VALUE`` assignments; the value stays text until the variable's type says."""
    parsed = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint="--var")
        parsed[name.strip()] = value
    return parsed


def _check_files(conf: dict[str, Any], options: dict[str, Any]) -> None:
    """Files the scan must read or write exist (a missing --var-file would drop values)."""
    for file in conf.get("var_files", []):
        if not Path(file).is_file():
            raise UsageError(f"--var-file {file}: no such file")
    if conf.get("baseline") and not Path(conf["baseline"]).is_file():
        raise UsageError(f"baseline {conf['baseline']}: no such file")
    if options.get("create_baseline"):
        writable(options["create_baseline"])


def run_scan(paths: list[Path], options: dict[str, Any]) -> int:
    """Scan, write every output, and decide the exit code; never a traceback."""
    try:
        conf = settings(paths, options)
        outputs = plan_outputs(conf["format"], options.get("output"))
        _check_files(conf, options)
        result = scan(paths, _scan_options(conf, options))
    except SelectionError as exc:
        where = f" (settings: {conf['settings_file']})" if conf.get("settings_file") else ""
        return _usage(f"{exc}{where}")
    except (ConfigError, RulesetError, OutputError, UsageError) as exc:
        return _usage(str(exc))
    result.settings_file = conf.get("settings_file", "")
    _tell(result, outputs, options)
    try:
        if options.get("create_baseline"):
            write_baseline(options["create_baseline"], result.findings + result.undetermined)
        _emit(result, conf, options, outputs)
    except (OutputError, OSError) as exc:
        return _usage(str(exc))
    return gate(result, conf)


def _usage(message: str) -> int:
    click.echo(f"iacscan: {message}", err=True)
    return EXIT_USAGE


def gate(result: ScanResult, conf: dict[str, Any]) -> int:
    """The exit code: 2 usage or unread input (unless turned off), 1 findings, 0 clean."""
    if any(e.kind == "usage" for e in result.errors):
        return EXIT_USAGE
    if conf.get("soft_fail"):
        return EXIT_CLEAN
    if not result.files and not result.skipped and not result.warnings:
        return EXIT_USAGE  # nothing could be read: an empty report must not pass as clean
    if result.errors and conf.get("fail_on_error"):
        return EXIT_USAGE
    return exit_code(result.findings, conf["fail_on"])


def _tell(result: ScanResult, outputs: list[Output], options: dict[str, Any]) -> None:
    """Errors and warnings on stderr, unless a table on stdout lists them already."""
    if options.get("quiet"):
        return
    result = rebase(result, options.get("path_base") or Path.cwd())
    problems = [("", e) for e in result.errors] + [("warning: ", w) for w in result.warnings]
    if any(o.fmt == "table" and o.file is None for o in outputs):
        problems = [p for p in problems if p[1].kind == "usage"]  # the table lists the rest
    for label, problem in problems:
        where = f"{problem.file}:{problem.line}" if problem.line else problem.file
        click.echo(f"iacscan: {label}{where}: {problem.message}", err=True)


def _scan_options(conf: dict[str, Any], options: dict[str, Any]) -> ScanOptions:
    return ScanOptions(
        var_files=[Path(p) for p in conf.get("var_files", [])],
        variables=conf["vars"],
        rules=list(conf.get("rules", [])),
        skip_rules=list(conf.get("skip_rules", [])),
        min_severity=conf["min_severity"],
        baseline=Path(conf["baseline"]) if conf.get("baseline") else None,
        strict=bool(conf.get("strict")),
        jobs=options.get("jobs"),
        use_cache=not options.get("no_cache"),
        rule_files=ruleset_files(options.get("rulesets") or ()),
        progress=None if options.get("quiet") else ParseProgress(),
        allowed_registries=[str(r) for r in (conf.get("registries") or {}).get("allowed", [])],
        compose_files=[Path(f) for f in options.get("compose_files") or ()],
        profiles=list(options.get("profiles") or ()),
        source_dir=options.get("source_dir"),
        changed_only=bool(options.get("changed_only")),
        skip_categories=list(conf.get("skip_categories", [])),
        skip_paths=list(conf.get("skip_paths", [])),
        allow_no_rules=bool(conf.get("allow_no_rules")),
    )


class ParseProgress:
    """click's progress bar on stderr, shown only on a terminal and for a real amount of work."""

    MIN_FILES = 40

    def __init__(self) -> None:
        self.bar: Any = None
        self.shown = 0

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            if total < self.MIN_FILES or not sys.stderr.isatty():
                return
            self.bar = click.progressbar(length=total, label="parsing", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.shown)
        self.shown = done
        if done == total:
            self.bar.__exit__(None, None, None)


def ruleset_files(extra: tuple[Path, ...]) -> list[Path] | None:
    """The built-in rulesets plus ``--ruleset`` files and directories (``*.yaml``)."""
    if not extra:
        return None
    files = builtin_ruleset_files()
    for path in extra:
        files.extend(sorted(path.glob("*.y*ml")) if path.is_dir() else [path])
    return files


def _emit(
    result: ScanResult, conf: dict[str, Any], options: dict[str, Any], outputs: list[Output]
) -> None:
    from iacscan.report import REPORTERS, ReportOptions
    from iacscan.report.table import summary_line

    for output in outputs:
        base = options.get("path_base") or _default_base(output.fmt)
        color = output.fmt == "table" and output.file is None and sys.stdout.isatty()
        report_options = ReportOptions(
            color=color and not options.get("no_color"),
            show_undetermined=bool(conf.get("show_undetermined")),
            show_suppressed=bool(conf.get("show_suppressed")),
            version=__version__,
            base_uri=base.resolve().as_uri() + "/",
        )
        text = REPORTERS[output.fmt](rebase(result, base), report_options)
        if output.file is None:
            click.echo(text, nl=False)
        else:
            write(output.file, text)
    if not options.get("quiet") and all(o.file is not None for o in outputs):
        click.echo(summary_line(rebase(result, Path("."))), err=True)


def _default_base(fmt: str) -> Path:
    """The current directory; for SARIF the repository root, which GitHub resolves against."""
    cwd = Path.cwd()
    return (git_root(cwd) or cwd) if fmt == "sarif" else cwd


def catalogue(fmt: str) -> str:
    rules = load_rules()
    if fmt == "json":
        records = [
            {
                "id": r.id,
                "title": r.title,
                "severity": r.severity,
                "category": r.category,
                "resource_types": list(r.resource_types),
                "target": r.target,
                "description": r.description,
                "remediation": r.remediation,
                "references": list(r.references),
                "tags": list(r.tags),
            }
            for r in rules
        ]
        return json.dumps(records, indent=2) + "\n"
    rows = [(r.id, r.severity, r.category, r.title) for r in rules]
    return tabulate(rows, headers=["id", "severity", "category", "title"]) + "\n"


def describe_rule(rule_id: str) -> str | None:
    rule = next((r for r in load_rules() if r.id == rule_id), None)
    if rule is None:
        return None
    lines = [
        f"{rule.id}  {rule.title}",
        f"severity: {rule.severity}    category: {rule.category}",
        f"applies to: {', '.join(rule.resource_types) or rule.target}",
        "",
        rule.description,
        "",
        "Remediation:",
        rule.remediation,
    ]
    if rule.references:
        lines += ["", "References:", *(f"  - {ref}" for ref in rule.references)]
    return "\n".join(lines) + "\n"
