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
from iacscan.rules.loader import RulesetError, builtin_ruleset_files, load_rules
from iacscan.scan import ScanOptions, ScanResult, scan

EXIT_USAGE = 2
DEFAULTS = {"format": "table", "fail_on": "low", "min_severity": "info"}
OVERRIDES = (
    "fail_on",
    "min_severity",
    "baseline",
    "strict",
    "show_undetermined",
    "show_suppressed",
    "fail_on_error",
)


def settings(paths: list[Path], options: dict[str, Any]) -> dict[str, Any]:
    """Command-line options over the config file over the defaults."""
    merged: dict[str, Any] = dict(DEFAULTS)
    config = find_config(options.get("config"), paths)
    if config is not None:
        merged.update(read_config(config))
    cli = {
        "format": options.get("fmt"),
        "rules": list(options.get("rules") or []) or None,
        "skip_rules": list(options.get("skip_rules") or []) or None,
        "var_files": [str(p) for p in options.get("var_files") or []] or None,
        "registries": {"allowed": list(options["allowed_registries"])}
        if options.get("allowed_registries")
        else None,
    }
    merged.update({k: v for k, v in cli.items() if v is not None})
    for key in OVERRIDES:
        if options.get(key) is not None:
            merged[key] = options[key]
    merged["vars"] = {**(merged.get("vars") or {}), **parse_vars(options.get("var_values") or ())}
    return merged


def parse_vars(values: tuple[str, ...]) -> dict[str, str]:
    """``--var NAME=VALUE`` assignments; the value stays text until the variable's type says."""
    parsed = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint="--var")
        parsed[name.strip()] = value
    return parsed


def run_scan(paths: list[Path], options: dict[str, Any]) -> int:
    try:
        conf = settings(paths, options)
        result = scan(paths, _scan_options(conf, options))
    except (ConfigError, RulesetError, OSError, ValueError) as exc:
        click.echo(f"iacscan: {exc}", err=True)
        return EXIT_USAGE
    if not options.get("quiet"):
        for error in result.errors:
            where = f"{error.file}:{error.line}" if error.line else error.file
            click.echo(f"iacscan: {where}: {error.message}", err=True)
    if options.get("create_baseline"):
        write_baseline(options["create_baseline"], result.findings + result.undetermined)
    _emit(result, conf, options)
    if not result.files and not result.errors:
        click.echo("iacscan: no Terraform, plan or Compose files found", err=True)
    if result.errors and not result.files:
        return EXIT_USAGE  # nothing could be read: an empty report must not pass as clean
    unreadable = bool(result.errors) or not result.files
    if conf.get("fail_on_error") and unreadable:
        return EXIT_USAGE
    return exit_code(result.findings, conf["fail_on"])


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
        aws_context=_aws_settings(conf),
    )


def _aws_settings(conf: dict[str, Any]) -> Any:
    from iacscan.aws import settings_from
    from iacscan.cli import aws_flags

    return settings_from(aws_flags(), conf.get("aws_context"))


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


def _emit(result: ScanResult, conf: dict[str, Any], options: dict[str, Any]) -> None:
    from iacscan.report import REPORTERS, ReportOptions

    output: Path | None = options.get("output")
    color = conf["format"] == "table" and output is None and sys.stdout.isatty()
    report_options = ReportOptions(
        color=color and not options.get("no_color"),
        show_undetermined=bool(conf.get("show_undetermined")),
        show_suppressed=bool(conf.get("show_suppressed")),
        version=__version__,
    )
    text = REPORTERS[conf["format"]](result, report_options)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


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
