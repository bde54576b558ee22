"""The neutral model every input format is normalized into, and every later step reads.

Rules, graph analyses and reports see only these types: never python-hcl2, JSON or YAML
shapes. Attribute values follow ``iacscan.model.values``: plain data, with ``Ref`` and
``Unknown`` where a value is known only after apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """Where a thing is written: ``file`` is relative to the scanned root, lines are 1-based."""

    file: str
    line: int
    end_line: int


@dataclass(frozen=True, slots=True, order=True)
class ScanError:
    """Input that could not be read or evaluated; reported, never fatal to the rest of a scan."""

    file: str
    line: int
    message: str
    kind: str = "parse"  # parse | eval | module | usage | not-installed | warning


@dataclass(frozen=True, slots=True)
class Resource:
    """One instance of a resource, data source, or (later) compose service.

    ``lines`` maps attribute paths (``ingress[1]``, ``ingress[1].cidr_blocks``, ``tags``) to
    their (line, end_line), so a finding can point at the offending nested block.
    ``multiplicity_unknown`` marks a ``count``/``for_each`` whose collection is unknown: the
    single instance stands for zero or more real ones.
    """

    address: str
    type: str
    name: str
    mode: str  # managed | data
    attrs: dict[str, Any]
    location: Location
    module: str = ""
    index: int | str | None = None
    lines: dict[str, tuple[int, int]] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()
    multiplicity_unknown: bool = False
    root: str = ""  # the root module directory it was evaluated from (relative path)
    # What a Terraform plan does to it: create, update, replace, no-op, read ("" without a plan)
    change: str = ""

    def location_of(self, path: str, more: Mapping[str, tuple[int, int]] | None = None) -> Location:
        """The most specific known location for an attribute path, else the resource's.
        ``more`` adds lines a view found inside an attribute (keys of a heredoc's JSON)."""
        while path:
            found = (more or {}).get(path) or self.lines.get(path)
            if found is not None:
                return Location(self.location.file, *found)
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return self.location


@dataclass(frozen=True, slots=True, order=True)
class Comment:
    """A source comment (any input format), kept for inline suppressions
    (``# iacscan:ignore ...``)."""

    line: int
    text: str


SEVERITIES = ("info", "low", "medium", "high", "critical")


def severity_rank(severity: str) -> int:
    """Order of severities, ``info`` lowest; unknown names rank below everything."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else -1


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule result on one resource (or one of its nested blocks).

    ``status`` is ``fail`` or ``undetermined`` (the rule depends on a value known only after
    apply). ``path`` is the attribute path the finding points at, ``evidence`` the facts that
    made the rule fire, in reading order. ``fingerprint`` ignores line numbers, so baselines
    survive edits that move code around.
    """

    rule_id: str
    severity: str
    title: str
    message: str
    resource: str
    resource_type: str
    location: Location
    status: str = "fail"
    path: str = ""
    evidence: tuple[str, ...] = ()
    remediation: str = ""
    fingerprint: str = ""
    # Structured evidence as (key, value) pairs, e.g. an exposure verdict with its path; the
    # JSON report prints it as an object. Empty for attribute rules.
    details: tuple[tuple[str, Any], ...] = ()
    # The root module (directory, relative to the scanned root) the resource was evaluated
    # from: a finding inside a module names which caller configured it.
    root: str = ""
