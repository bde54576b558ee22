"""What gets reported: rule selection, severity floor, suppressions, baseline, strictness.

This is the one place that decides; rules never know about suppressions or thresholds.
Inline suppressions are comments ``iacscan:ignore RULE-ID[,RULE-ID] reason`` (``#``, ``//``,
or a ``"//"`` key in JSON syntax) on the line before a resource block or inside it. A
suppression without a reason does not suppress: it is reported, so that every silenced
finding carries its justification.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from iacscan.model import Comment, Finding, Location, ScanError, severity_rank
from iacscan.rules.model import Rule

SUPPRESSION = re.compile(r"iacscan:ignore\s+([A-Za-z0-9_\-*,]+)[ \t]*(.*)")
BASELINE_VERSION = 1


@dataclass(frozen=True)
class Suppression:
    file: str
    line: int
    rule_patterns: tuple[str, ...]
    reason: str

    def covers(self, rule_id: str) -> bool:
        return any(fnmatch.fnmatchcase(rule_id, p) for p in self.rule_patterns)


@dataclass
class Decision:
    findings: list[Finding] = field(default_factory=list)
    undetermined: list[Finding] = field(default_factory=list)
    suppressed: list[Finding] = field(default_factory=list)
    baselined: list[Finding] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)


def select_rules(rules: list[Rule], include: Iterable[str], exclude: Iterable[str]) -> list[Rule]:
    """``--rule``/``--skip-rule`` globs (``IAC-AWS-SG-*``); no include means every rule."""
    include, exclude = list(include), list(exclude)
    return [
        r
        for r in rules
        if (not include or any(fnmatch.fnmatchcase(r.id, p) for p in include))
        and not any(fnmatch.fnmatchcase(r.id, p) for p in exclude)
    ]


def parse_suppressions(
    comments: dict[str, tuple[Comment, ...]],
) -> tuple[list[Suppression], list[ScanError]]:
    found, errors = [], []
    for file, items in sorted(comments.items()):
        for comment in items:
            match = SUPPRESSION.search(comment.text)
            if not match:
                continue
            reason = match.group(2).strip().rstrip("*/").strip()
            if not reason:
                message = (
                    "iacscan:ignore without a reason is not applied; say why after the rule id"
                )
                errors.append(ScanError(file, comment.line, message, "suppression"))
                continue
            patterns = tuple(p for p in match.group(1).split(",") if p)
            found.append(Suppression(file, comment.line, patterns, reason))
    return found, errors


def is_suppressed(finding: Finding, block: Location, suppressions: list[Suppression]) -> bool:
    """A suppression applies on the line before the resource block or anywhere inside it."""
    return any(
        s.file == block.file
        and block.line - 1 <= s.line <= block.end_line
        and s.covers(finding.rule_id)
        for s in suppressions
    )


def read_baseline(path: Path) -> set[str]:
    document = json.loads(path.read_text(encoding="utf-8"))
    return {str(f) for f in document.get("fingerprints", [])}


def write_baseline(path: Path, findings: Iterable[Finding]) -> None:
    fingerprints = sorted({f.fingerprint for f in findings})
    document = {"version": BASELINE_VERSION, "fingerprints": fingerprints}
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def decide(
    findings: list[Finding],
    blocks: dict[str, Location],
    comments: dict[str, tuple[Comment, ...]],
    min_severity: str = "info",
    baseline: set[str] | None = None,
    strict: bool = False,
    only: set[str] | None = None,
) -> Decision:
    """Sort findings into kept, undetermined, suppressed and baselined, deterministically.
    ``only`` (``--changed-only``) keeps findings on those resources alone: the analysis saw
    every resource, the report speaks only of what the plan changes."""
    suppressions, errors = parse_suppressions(comments)
    decision = Decision(errors=errors)
    floor = severity_rank(min_severity)
    for finding in sorted(findings, key=sort_key):
        if severity_rank(finding.severity) < floor:
            continue
        if only is not None and finding.resource not in only:
            continue
        if is_suppressed(finding, blocks.get(finding.resource, finding.location), suppressions):
            decision.suppressed.append(finding)
        elif baseline is not None and finding.fingerprint in baseline:
            decision.baselined.append(finding)
        elif finding.status == "undetermined" and not strict:
            decision.undetermined.append(finding)
        else:
            decision.findings.append(finding)
    return decision


def sort_key(finding: Finding) -> tuple[str, int, str, str, str]:
    return (
        finding.location.file,
        finding.location.line,
        finding.rule_id,
        finding.resource,
        finding.path,
    )


def exit_code(findings: Iterable[Finding], fail_on: str) -> int:
    """1 when a kept finding is at or above ``fail_on``, else 0 (usage errors are the CLI's)."""
    threshold = severity_rank(fail_on)
    return 1 if any(severity_rank(f.severity) >= threshold for f in findings) else 0
