"""Load and validate rulesets: YAML files whose entries are rules.

Validation happens here, once, with errors that name the file, the rule and the key, so a
broken ruleset fails loudly at start-up instead of silently never firing.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from iacscan.model import SEVERITIES
from iacscan.rules.checks import CHECKS
from iacscan.rules.compiler import compile_condition
from iacscan.rules.conditions import ConditionError
from iacscan.rules.model import Rule
from iacscan.rules.views import VIEWS

# libyaml when PyYAML was built with it: 10x faster, and every scan loads every ruleset.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
REQUIRED = ("id", "title", "severity", "category", "description", "remediation")
OPTIONAL = (
    "resource_types",
    "target",
    "condition",
    "check",
    "params",
    "references",
    "tags",
    "message",
)
ID_PATTERN = re.compile(r"^IAC-[A-Z0-9]+(-[A-Z0-9]+)*-\d{3}$")


class RulesetError(ValueError):
    """A ruleset entry that is not a valid rule."""

    def __init__(self, file: str, rule: str, key: str, message: str) -> None:
        super().__init__(f"{file}: rule {rule or '?'}: {key}: {message}")
        self.file, self.rule, self.key = file, rule, key


def builtin_ruleset_files() -> list[Path]:
    """The rulesets shipped inside the package (``rulesets/`` in the source tree)."""
    package = resources.files("iacscan.rulesets")
    return sorted(Path(str(p)) for p in package.iterdir() if p.name.endswith((".yaml", ".yml")))


def load_rules(files: list[Path] | None = None) -> list[Rule]:
    """Rules from ``files`` (default: the built-in rulesets), sorted by id; ids must be unique."""
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for file in files if files is not None else builtin_ruleset_files():
        for rule in load_file(file):
            if rule.id in seen:
                raise RulesetError(
                    file.name, rule.id, "id", f"duplicate of a rule in {seen[rule.id]}"
                )
            seen[rule.id] = file.name
            rules.append(rule)
    return sorted(rules, key=lambda r: r.id)


def load_file(file: Path) -> list[Rule]:
    try:
        document = yaml.load(file.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise RulesetError(file.name, "", "file", str(exc)) from None
    entries = document.get("rules") if isinstance(document, dict) else document
    if not isinstance(entries, list):
        raise RulesetError(file.name, "", "rules", "expected a list of rules")
    return [parse_rule(entry, file.name) for entry in entries]


def parse_rule(entry: Any, source: str) -> Rule:
    if not isinstance(entry, dict):
        raise RulesetError(source, "", "entry", "each rule must be a mapping")
    rule_id = str(entry.get("id", ""))

    def fail(key: str, message: str) -> RulesetError:
        return RulesetError(source, rule_id, key, message)

    for key in REQUIRED:
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise fail(key, "required, a non-empty string")
    unknown = sorted(set(entry) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise fail(unknown[0], "unknown key")
    if not ID_PATTERN.match(rule_id):
        raise fail("id", "must look like IAC-AWS-SG-001")
    if entry["severity"] not in SEVERITIES:
        raise fail("severity", f"must be one of {', '.join(SEVERITIES)}")
    target = entry.get("target", "resources")
    if target not in VIEWS:
        raise fail("target", f"unknown view {target!r} (known: {', '.join(sorted(VIEWS))})")
    types = entry.get("resource_types", [])
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise fail("resource_types", "must be a list of resource type names")
    if target == "resources" and not types:
        raise fail("resource_types", "required when the target is resources")
    return Rule(
        id=rule_id,
        title=entry["title"].strip(),
        severity=entry["severity"],
        category=entry["category"],
        description=entry["description"].strip(),
        remediation=entry["remediation"].strip(),
        source=source,
        resource_types=tuple(types),
        target=target,
        condition=_condition(entry, fail),
        check=_check(entry, fail),
        params=dict(entry.get("params") or {}),
        references=tuple(str(r) for r in entry.get("references", [])),
        tags=tuple(str(t) for t in entry.get("tags", [])),
        message=str(entry.get("message", "")).strip(),
    )


def _condition(entry: dict[str, Any], fail: Any) -> Any:
    if ("condition" in entry) == ("check" in entry):
        raise fail("condition", "exactly one of 'condition' and 'check' is required")
    if "condition" not in entry:
        return None
    try:
        return compile_condition(entry["condition"])
    except ConditionError as exc:
        raise fail("condition", str(exc)) from None


def _check(entry: dict[str, Any], fail: Any) -> str:
    name = str(entry.get("check", ""))
    if name and name not in CHECKS:
        raise fail("check", f"unknown built-in check {name!r}")
    return name
