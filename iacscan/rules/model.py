"""A rule as loaded from ``rulesets/``: metadata plus a compiled condition or a check name."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from iacscan.rules.compiler import Condition


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: str
    category: str
    description: str
    remediation: str
    source: str  # ruleset file the rule came from
    resource_types: tuple[str, ...] = ()
    target: str = "resources"  # or the name of a view, e.g. security_group_rules
    condition: Condition | None = field(default=None, compare=False, repr=False)
    check: str = ""
    params: dict[str, Any] = field(default_factory=dict, compare=False)
    references: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    message: str = ""  # optional; "{resource}" and "{path}" are filled in
