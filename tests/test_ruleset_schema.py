"""The shipped rulesets are valid, and a malformed entry fails loudly, naming file, rule and key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from iacscan.model import SEVERITIES
from iacscan.rules.loader import RulesetError, builtin_ruleset_files, load_file, load_rules
from iacscan.rules.model import Rule

# provider, area, number
AREA_ID = re.compile(r"^IAC-((AWS|GCP|AZURE)-[A-Z0-9]+|COMPOSE|K8S)-\d{3}$")
URL = re.compile(r"^https://\S+$")


def test_every_shipped_ruleset_loads() -> None:
    files = builtin_ruleset_files()
    assert files, "no built-in rulesets found"
    assert all(load_file(file) for file in files)


def test_ids_are_unique_and_well_formed() -> None:
    ids = [entry["id"] for file in builtin_ruleset_files() for entry in _entries(file)]
    assert len(ids) == len(set(ids))
    assert [i for i in ids if not AREA_ID.match(i)] == []
    assert sorted(ids) == [rule.id for rule in load_rules()]


@pytest.mark.parametrize("rule", load_rules(), ids=lambda rule: rule.id)
def test_rule_metadata_is_complete(rule: Rule) -> None:
    assert rule.severity in SEVERITIES
    assert rule.tags, "every rule needs tags"
    assert rule.references, "every rule needs references"
    assert any(URL.match(ref) for ref in rule.references), "at least one documentation URL"
    assert all(URL.match(ref) or re.match(r"CIS [A-Z]", ref) for ref in rule.references)


def _entries(file: Path) -> list[dict]:
    return yaml.safe_load(file.read_text(encoding="utf-8"))["rules"]


VALID = {
    "id": "IAC-AWS-TEST-001",
    "title": "A test rule",
    "severity": "low",
    "category": "network",
    "description": "Why it matters.",
    "remediation": "What to do.",
    "resource_types": ["aws_vpc"],
    "condition": {"attribute": "cidr_block", "equals": "0.0.0.0/0"},
}


def write(tmp_path: Path, **changes: object) -> Path:
    entry = {**VALID, **changes}
    entry = {key: value for key, value in entry.items() if value is not None}
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump({"rules": [entry]}), encoding="utf-8")
    return path


def test_a_valid_entry_loads(tmp_path: Path) -> None:
    assert [rule.id for rule in load_rules([write(tmp_path)])] == ["IAC-AWS-TEST-001"]


@pytest.mark.parametrize(
    ("changes", "key", "detail"),
    [
        ({"remediation": None}, "remediation", "required"),
        ({"owner": "team-a"}, "owner", "unknown key"),
        (
            {"condition": {"attribute": "cidr_block", "looks_like": "x"}},
            "condition",
            "unknown operator",
        ),
        (
            {"condition": {"all": [{"attribute": "a", "equals": 1}, {"wider_than": 8}]}},
            "condition",
            "unknown operator",
        ),
        ({"severity": "urgent"}, "severity", "must be one of"),
        ({"target": "subnets_by_zone"}, "target", "unknown view"),
        ({"condition": None, "check": "no_such_check"}, "check", "unknown built-in check"),
        ({"check": "declared"}, "condition", "exactly one of"),
        ({"condition": None}, "condition", "exactly one of"),
        ({"id": "SG-1"}, "id", "must look like"),
        ({"resource_types": None}, "resource_types", "required"),
    ],
)
def test_malformed_entry_names_file_rule_and_key(
    tmp_path: Path, changes: dict, key: str, detail: str
) -> None:
    path = write(tmp_path, **changes)
    with pytest.raises(RulesetError) as error:
        load_rules([path])
    rule_id = changes.get("id", VALID["id"])
    assert (error.value.file, error.value.rule, error.value.key) == ("broken.yaml", rule_id, key)
    assert str(error.value).startswith(f"broken.yaml: rule {rule_id}: {key}: ")
    assert detail in str(error.value)


def test_duplicate_ids_across_files_are_rejected(tmp_path: Path) -> None:
    first = write(tmp_path)
    second = tmp_path / "again.yaml"
    second.write_text(first.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(RulesetError, match=r"again\.yaml: rule IAC-AWS-TEST-001: id: duplicate"):
        load_rules([first, second])


def test_unparsable_yaml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("rules: [\n", encoding="utf-8")
    with pytest.raises(RulesetError, match=r"^bad\.yaml: rule \?: file: "):
        load_rules([path])
