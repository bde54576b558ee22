"""Terraform is the oracle: our evaluation must agree with its own ``planned_values``.

The committed plans under ``fixtures/terraform/plans`` were written by Terraform 1.11.4 for
the fixture configurations named below. A second test regenerates them with a real
``terraform plan`` when terraform and the offline provider mirror are available, and skips
otherwise so that a fresh machine still passes. Plans are made in a copy of the whole fixture
directory under its own name (``benchmarks/offline_plan.py``), so that ``../`` module sources
resolve and ``path.cwd`` ends in the same directory name as the fixture's.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, load_fixture

from iacscan.api import load
from iacscan.model import ScanError
from iacscan.model.values import is_wholly_known

sys.path.insert(0, str(FIXTURES.parent / "benchmarks"))
from offline_plan import available, plan_in_place

# case -> (fixture directory that is copied whole, the root module inside it)
CASES = {
    "module_count": ("terraform/eval/module_count", "."),
    "network": ("terraform/eval/network", "."),
    "precedence": ("terraform/eval/precedence", "."),
    # path.cwd, path.module/path.root in a child; the repository's own root is a root
    "module_repo": ("terraform/eval/module_repo", "."),
    # path.module of a module outside the root ("../.."), called by an example
    "module_repo_example": ("terraform/eval/module_repo", "examples/simple"),
    # called only with count = 0 elsewhere: still a root of its own
    "module_repo_disabled": ("terraform/eval/module_repo", "examples/disabled"),
    # aws_iam_policy_document json, aws_partition, aws_region from the provider block
    "data_sources": ("terraform/eval/data_sources", "."),
    # "80" from a map(string) in a number, "true" in a bool, SG protocols 6/"all"/"TCP"
    "schema_types": ("terraform/eval/schema_types", "."),
    # override.tf and *_override.tf merged into the blocks they override
    "overrides": ("terraform/eval/overrides", "."),
}


def _policy_json(text: str) -> str:
    """IAM policy attributes are stored as compact JSON with sorted keys (Go's map order)."""
    compact = json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
    return compact.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# Attributes the provider stores transformed: compare our value through the same function.
STORED_AS = {
    ("aws_instance", "user_data"): lambda v: hashlib.sha1(v.encode()).hexdigest(),
    ("aws_iam_policy", "policy"): _policy_json,
    ("aws_iam_role", "assume_role_policy"): _policy_json,
}


def planned(plan: dict) -> dict[str, tuple[dict, dict]]:
    """address -> (planned values, after_unknown marks); data sources Terraform read while
    planning come from the prior state."""
    unknown = {
        c["address"]: c["change"].get("after_unknown") or {} for c in plan["resource_changes"]
    }
    found = {}

    def walk(module: dict) -> None:
        for resource in module.get("resources", []):
            found[resource["address"]] = (resource["values"], unknown.get(resource["address"], {}))
        for child in module.get("child_modules", []):
            walk(child)

    walk(plan["planned_values"]["root_module"])
    walk(plan.get("prior_state", {}).get("values", {}).get("root_module", {}))
    return found


def matches(ours, theirs, marks) -> bool:
    """Every known part of our value equals Terraform's; list order may differ (sets)."""
    if marks is True:
        return False  # we claim to know a value Terraform computes at apply
    if isinstance(ours, dict):
        return isinstance(theirs, dict) and all(
            matches(v, theirs.get(k), marks.get(k, {}) if isinstance(marks, dict) else {})
            for k, v in ours.items()
            if is_wholly_known(v)
        )
    if isinstance(ours, list):
        if not isinstance(theirs, list) or len(ours) != len(theirs):
            return False
        remaining = list(theirs)
        for item in ours:
            hit = next((t for t in remaining if matches(item, t, {})), None)
            if hit is None:
                return False
            remaining.remove(hit)
        return True
    return ours == theirs


def compare(case: str, plan: dict) -> list[str]:
    fixture, root = CASES[case]
    # The scanned repository's own root (".") alone: examples under it are roots of their own.
    # An example that calls "../../" is scanned with the repository named too: reads never
    # leave the paths named on the command line (issue 18), and Terraform would read it.
    if root == ".":
        resources = [r for r in load_fixture(fixture).resources if r.root == "."]
    else:
        loaded = load([FIXTURES / fixture / root, FIXTURES / fixture], environ={}, jobs=1)
        resources = [r for r in loaded.resources if r.root == root]
    expected = planned(plan)
    problems = sorted(set(expected) ^ {r.address for r in resources})
    for resource in resources:
        if resource.address not in expected:
            continue
        values, marks = expected[resource.address]
        for name, value in resource.attrs.items():
            if not is_wholly_known(value):
                continue
            transform = STORED_AS.get((resource.type, name))
            ours = transform(value) if transform else value
            if not matches(ours, values.get(name), marks.get(name, {})):
                problems.append(
                    f"{resource.address}.{name}: ours {ours!r}, terraform {values.get(name)!r}"
                )
    return problems


@pytest.mark.parametrize("case", sorted(CASES))
def test_evaluation_matches_committed_terraform_plan(case):
    plan = json.loads((FIXTURES / "terraform/plans" / f"{case}.plan.json").read_text())
    assert compare(case, plan) == []


@pytest.mark.parametrize("case", sorted(CASES))
def test_evaluation_matches_a_fresh_terraform_plan(case, tmp_path):
    if not available():
        pytest.skip("terraform or the provider mirror is not available")
    fixture, root = CASES[case]
    work = tmp_path / Path(fixture).name
    shutil.copytree(FIXTURES / fixture, work)
    out = tmp_path / "plan.json"
    error = plan_in_place(work / root, out)
    assert error == ""
    assert compare(case, json.loads(out.read_text())) == []


def test_a_failing_variable_validation_is_reported_as_terraform_reports_it(tmp_path):
    """Terraform refuses the plan (its diagnostic is kept beside the plans); we report the
    variable, its message and the rule, and still scan the configuration as written."""
    result = load_fixture("terraform/eval/validation")
    message = "The admin CIDR must not be the whole internet."
    assert result.errors == [
        ScanError(
            "main.tf",
            2,
            f"var.cidr: invalid value for variable: {message} (validation rule at line 5)",
            "eval",
        )
    ]
    assert [r.address for r in result.resources] == ["aws_security_group_rule.admin"]
    diagnostic = (FIXTURES / "terraform/plans/validation.plan.err").read_text()
    assert diagnostic.startswith("Error: Invalid value for variable\n\n  on main.tf line 2:")
    assert message in diagnostic and "validation rule at main.tf:5," in diagnostic
    if not available():
        return
    work = tmp_path / "validation"
    shutil.copytree(FIXTURES / "terraform/eval/validation", work)
    error = plan_in_place(work, tmp_path / "plan.json")
    assert "Error: Invalid value for variable" in error and message in error
